/* timer.c (benchtimer) - run one command pinned to a core and report its
 * wall time, CPU time and peak RSS, for bench/run.sh.
 *
 * Usage: benchtimer CORE REPORT COMMAND [ARG...]
 * CORE is the CPU to pin to (-1: not pinned). REPORT receives one line
 * "wall_s cpu_s maxrss_kb": wall from a monotonic clock around spawn and
 * wait, CPU (user + system) and peak RSS from the child's rusage, both to the
 * microsecond. /usr/bin/time with taskset costs two extra exec()s inside the
 * measured wall time (about 4 ms here, 3% of a bounce run) and rounds CPU
 * time to 10 ms; this measures only the command. The exit status is the
 * command's, 128 + N if signal N killed it, 127 if it could not start.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

/* seconds - a monotonic clock reading in seconds */
static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* pin - bind this process (and so its child) to one core, -1 on an invalid
 * core or a refusal (errno says which) */
static int pin(const char *arg)
{
    char *end;
    long core = strtol(arg, &end, 10);
    if (*end || end == arg || core < -1 || core >= CPU_SETSIZE) {
        errno = EINVAL;
        return -1;
    }
    if (core < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)core, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

/* exit_code - the shell's view of a wait status */
static int exit_code(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

/* run - spawn the command, wait for it; its wall and CPU seconds, peak RSS in
 * KiB and exit code; 127 if it could not start, -1 if waiting failed */
static int run(char **cmd, double *wall, double *cpu, long *rss_kb)
{
    double t0 = seconds();
    pid_t pid;
    int err = posix_spawnp(&pid, cmd[0], NULL, NULL, cmd, environ);
    if (err) {
        fprintf(stderr, "benchtimer: %s: %s\n", cmd[0], strerror(err));
        return 127;
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "benchtimer: wait: %s\n", strerror(errno));
            return -1;
        }
    *wall = seconds() - t0;
    *cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    *rss_kb = ru.ru_maxrss;
    return exit_code(status);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: benchtimer CORE REPORT COMMAND [ARG...]\n");
        return 2;
    }
    if (pin(argv[1]) != 0) {
        fprintf(stderr, "benchtimer: cannot pin to core %s: %s\n", argv[1], strerror(errno));
        return 2;
    }
    double wall = 0, cpu = 0;
    long rss_kb = 0;
    int rc = run(argv + 3, &wall, &cpu, &rss_kb);
    if (rc < 0 || rc == 127)
        return rc < 0 ? 2 : rc;
    FILE *report = fopen(argv[2], "w");
    if (!report || fprintf(report, "%.6f %.6f %ld\n", wall, cpu, rss_kb) < 0 ||
        fclose(report) != 0) {
        fprintf(stderr, "benchtimer: %s: cannot write the report\n", argv[2]);
        return 2;
    }
    return rc;
}
