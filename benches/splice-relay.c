/* The floor for benches/egress-throughput.sh: the least a relay in user space can do in
 * the egress proxy's place. It listens on 127.0.0.1 (port printed on stdout), and for
 * each connection connects to DEST_IP:DEST_PORT and moves the bytes both ways with
 * splice(2) through a pipe (64 KiB per call, TCP_NODELAY), one thread per direction, as
 * caprun's proxy does, with no request to parse and no decision to make.
 * Usage: splice-relay DEST_IP DEST_PORT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct pair { int from, to; };

static void *pump(void *arg) {
    struct pair *p = arg;
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) == 0) {
        for (;;) {
            ssize_t n = splice(p->from, NULL, pp[1], NULL, 65536, SPLICE_F_MOVE);
            if (n <= 0)
                break;
            while (n > 0) {
                ssize_t m = splice(pp[0], NULL, p->to, NULL, n, SPLICE_F_MOVE);
                if (m <= 0)
                    goto out;
                n -= m;
            }
        }
    }
out:
    shutdown(p->to, SHUT_WR);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: splice-relay DEST_IP DEST_PORT\n");
        return 2;
    }
    struct sockaddr_in dest = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
    struct sockaddr_in here = {.sin_family = AF_INET};
    socklen_t len = sizeof here;
    int one = 1, l = socket(AF_INET, SOCK_STREAM, 0);
    if (inet_pton(AF_INET, argv[1], &dest.sin_addr) != 1 ||
        inet_pton(AF_INET, "127.0.0.1", &here.sin_addr) != 1 ||
        bind(l, (struct sockaddr *)&here, sizeof here) || listen(l, 16) ||
        getsockname(l, (struct sockaddr *)&here, &len)) {
        perror("splice-relay");
        return 1;
    }
    printf("%d\n", ntohs(here.sin_port));
    fflush(stdout);
    signal(SIGCHLD, SIG_IGN);
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0)
            continue;
        if (fork() == 0) {
            close(l);
            int u = socket(AF_INET, SOCK_STREAM, 0);
            if (connect(u, (struct sockaddr *)&dest, sizeof dest))
                _exit(1);
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            struct pair up = {c, u}, down = {u, c};
            pthread_t t;
            if (pthread_create(&t, NULL, pump, &up))
                _exit(1);
            pump(&down);
            pthread_join(t, NULL);
            _exit(0);
        }
        close(c);
    }
}
