/* The exit-path probe of benches/launch.rs (built with `gcc -static -O2`): writes its
 * CLOCK_MONOTONIC time in nanoseconds, just before it exits, to descriptor 0 (an argdata
 * program's first descriptor, `out: !fd stdout`) and to descriptor 1 (a plain program's
 * stdout); whichever is not the benchmark's pipe fails harmlessly (/dev/null opened
 * read-only, or no descriptor). The benchmark subtracts it from when its wait4 returned. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
    struct timespec t;
    char buf[32];
    clock_gettime(CLOCK_MONOTONIC, &t);
    int n = snprintf(buf, sizeof buf, "%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
    (void)!write(0, buf, n);
    (void)!write(1, buf, n);
    _exit(0);
}
