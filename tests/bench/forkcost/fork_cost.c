/*
 * How long fork() + _exit() + waitpid() takes for the process running it,
 * nothing else: the floor under every fork-per-connection server. Built
 * twice (CMakeLists.txt): statically, like the C reference server, and
 * linked against what echod links, with those libraries loaded and used
 * once, so the two figures differ only in what the forking process maps.
 * It forks with _Fork(), as echod does (no atfork handlers).
 *
 * Usage: echo-bench-fork-cost [ROUNDS]   (default 3000; prints one line)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void touch_libraries(void); /* links_like_echod.cpp, or nothing */

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int by_value(const void* a, const void* b)
{
    const double x = *(const double*)a, y = *(const double*)b;
    return (x > y) - (x < y);
}

int main(int argc, char** argv)
{
    const int rounds = argc > 1 ? atoi(argv[1]) : 3000;
    if (rounds < 10) {
        fprintf(stderr, "usage: %s [ROUNDS >= 10]\n", argv[0]);
        return 64;
    }
    touch_libraries();
    double* took = calloc((size_t)rounds, sizeof *took);
    if (!took)
        return 71;
    for (int i = 0; i < rounds; ++i) {
        const double start = now_us();
        const pid_t pid = _Fork();
        if (pid < 0) {
            perror("_Fork");
            return 71;
        }
        if (pid == 0)
            _exit(0);
        while (waitpid(pid, NULL, 0) < 0) {
        }
        took[i] = now_us() - start;
    }
    qsort(took, (size_t)rounds, sizeof *took, by_value);
    int mappings = 0;
    FILE* maps = fopen("/proc/self/maps", "r");
    for (int c; maps && (c = fgetc(maps)) != EOF;)
        mappings += c == '\n';
    if (maps)
        fclose(maps);
    printf("RESULT mode=fork-cost mappings=%d rounds=%d p10_us=%.1f p50_us=%.1f p90_us=%.1f\n", mappings, rounds,
           took[rounds / 10], took[rounds / 2], took[rounds * 9 / 10]);
    free(took);
    return 0;
}
