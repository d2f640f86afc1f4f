/* measure RESULT PROG [ARGS...]: runs PROG as a fresh process and writes
 * "wall_s cpu_s user_s maxrss_kib exit_code" to RESULT.
 *
 * Why a launcher of its own: a child's ru_maxrss includes the RSS of the
 * process it was forked from (recorded when the child calls exec), so a
 * child of python would show python's ~15 MB. Forked from this small static
 * program, the floor is this program's few hundred KiB. Wall time is taken
 * here around fork + exec + wait, without python's own start-up noise. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: measure RESULT PROG [ARGS...]\n");
		return 2;
	}
	double t0 = now();
	pid_t pid = vfork();
	if (pid < 0)
		return perror("vfork"), 1;
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0)
		return perror("wait4"), 1;
	double wall = now() - t0;
	FILE *f = fopen(argv[1], "w");
	if (!f)
		return perror(argv[1]), 1;
	double user = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	double sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	fprintf(f, "%.9f %.6f %.6f %ld %d\n", wall, user + sys, user, ru.ru_maxrss,
		WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return fclose(f) ? 1 : 0;
}
