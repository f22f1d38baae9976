/* The launch benchmark's long-running program (benches/launch.rs builds it with
 * `gcc -static -O2`, like noop.c): sleeps 200 ms, so that a supervisor's steady-state
 * memory can be read from /proc while the program runs, then exits 0. */
#include <time.h>

int main(void) {
    struct timespec t = {0, 200000000};
    nanosleep(&t, 0);
    return 0;
}
