/* The launch benchmark's no-op program (benches/launch.rs builds it with
 * `gcc -static -O2`): exits 0 at once, touches no descriptor. */
int main(void) { return 0; }
