/* SPDX-License-Identifier: MIT */
/*
 * soaktimer: the timer check of the soak test (test/guest/soak.sh, doc/soak.md), a static
 * aarch64 Linux program run by the guests' init.
 *
 * usage: soaktimer SECONDS HZ [WINDOW_S PERIOD_MS FLOOR_PCT LATE_MS]
 *
 * For SECONDS of CLOCK_MONOTONIC it keeps every CPU busy (one SCHED_IDLE spinner pinned to
 * each: the CPU never idles, so its tick runs at HZ under NO_HZ_IDLE, and the spinner yields
 * to any other work), and on every CPU one SCHED_FIFO thread pinned there sleeps to an
 * absolute CLOCK_MONOTONIC deadline every PERIOD_MS and records how late each wake-up was.
 * Every WINDOW_S the main thread reads the per-CPU arch_timer counts of /proc/interrupts.
 *
 * Checks, each printed with its figures (one line per CPU, "ok" or "FAIL"):
 *  - ticks: in every window, every CPU took at least FLOOR_PCT % of window * HZ timer
 *    interrupts, and at most 2 * window * (HZ + 1000 / PERIOD_MS) (no storm);
 *  - wakeups: every CPU's sleeper woke at least (SECONDS * 1000 / PERIOD_MS) / 2 times and
 *    no wake-up came more than LATE_MS after its deadline.
 * A timer interrupt the hypervisor loses leaves Linux's clockevent programmed for a time
 * that has passed: nothing reprograms it, so that CPU takes no tick and no hrtimer expiry
 * any more (a window with ~0 ticks, a sleeper that never wakes). Exit status 0 if all passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_CPUS 16

struct sleeper {
	pthread_t th;
	int cpu;
	uint64_t wakeups, late_1ms, late_10ms, late_100ms, skipped;
	uint64_t max_late_ns, sum_late_ns;
};

static int ncpus;
static uint64_t period_ns, end_ns;
static struct sleeper sleepers[MAX_CPUS];
static volatile int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull),
			       .tv_nsec = (long)(t % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int pin(int cpu, int policy, int prio)
{
	cpu_set_t set;
	struct sched_param sp = { .sched_priority = prio };

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return -1;
	return sched_setscheduler(0, policy, &sp);
}

static void *spin(void *arg)
{
	volatile uint64_t n = 0;

	if (pin((int)(intptr_t)arg, SCHED_IDLE, 0) != 0)
		perror("soaktimer: spinner");
	while (!stop)
		n++;
	return NULL;
}

static void *sleeper(void *arg)
{
	struct sleeper *s = arg;
	uint64_t next;

	if (pin(s->cpu, SCHED_FIFO, 10) != 0)
		perror("soaktimer: sleeper");
	next = now_ns() + period_ns;
	while (next < end_ns) {
		uint64_t t, late;

		sleep_until(next);
		t = now_ns();
		late = t - next;
		s->wakeups++;
		s->sum_late_ns += late;
		if (late > s->max_late_ns)
			s->max_late_ns = late;
		s->late_1ms += late > 1000000;
		s->late_10ms += late > 10000000;
		s->late_100ms += late > 100000000;
		next += period_ns;
		if (next <= t) { /* overslept whole periods: count them, do not burst */
			uint64_t k = (t - next) / period_ns + 1;

			s->skipped += k;
			next += k * period_ns;
		}
	}
	return NULL;
}

/* The per-CPU counts of the arch_timer line of /proc/interrupts; 0 on success. */
static int timer_counts(uint64_t *c)
{
	char line[1024];
	FILE *f = fopen("/proc/interrupts", "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *p, *q;
		int i;

		if (!strstr(line, "arch_timer"))
			continue;
		p = strchr(line, ':');
		if (!p)
			break;
		p++;
		for (i = 0; i < ncpus; i++) {
			c[i] = strtoull(p, &q, 10);
			if (q == p)
				break;
			p = q;
		}
		found = i == ncpus ? 0 : -1;
		break;
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	uint64_t seconds, hz, window, late_ms, floor_pct, t0, t_prev;
	uint64_t c0[MAX_CPUS], c_prev[MAX_CPUS], c[MAX_CPUS];
	double min_ratio[MAX_CPUS], max_ratio[MAX_CPUS];
	uint64_t bad_windows[MAX_CPUS] = { 0 }, windows = 0;
	pthread_t spinners[MAX_CPUS];
	struct sched_param sp = { .sched_priority = 20 };
	int i, fails = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: soaktimer SECONDS HZ [WINDOW_S PERIOD_MS FLOOR_PCT LATE_MS]\n");
		return 2;
	}
	seconds = strtoull(argv[1], NULL, 10);
	hz = strtoull(argv[2], NULL, 10);
	window = argc > 3 ? strtoull(argv[3], NULL, 10) : 10;
	period_ns = (argc > 4 ? strtoull(argv[4], NULL, 10) : 10) * 1000000ull;
	floor_pct = argc > 5 ? strtoull(argv[5], NULL, 10) : 25;
	late_ms = argc > 6 ? strtoull(argv[6], NULL, 10) : 2000;
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (seconds == 0 || hz == 0 || window == 0 || period_ns == 0 || ncpus < 1 ||
	    ncpus > MAX_CPUS) {
		fprintf(stderr, "soaktimer: bad arguments or %d CPUs\n", ncpus);
		return 2;
	}
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		perror("soaktimer: main");

	if (timer_counts(c0) != 0) {
		printf("SOAK-TIMER: FAIL no arch_timer line for %d CPUs in /proc/interrupts\n", ncpus);
		return 1;
	}
	t0 = now_ns();
	end_ns = t0 + seconds * 1000000000ull;
	for (i = 0; i < ncpus; i++) {
		sleepers[i].cpu = i;
		pthread_create(&spinners[i], NULL, spin, (void *)(intptr_t)i);
		pthread_create(&sleepers[i].th, NULL, sleeper, &sleepers[i]);
		c_prev[i] = c0[i];
		min_ratio[i] = 1e9;
		max_ratio[i] = 0;
	}
	printf("SOAK-TIMER: start %d CPUs, %llu s, HZ %llu, window %llu s, period %llu ms\n",
	       ncpus, (unsigned long long)seconds, (unsigned long long)hz,
	       (unsigned long long)window, (unsigned long long)(period_ns / 1000000));
	fflush(stdout);
	t_prev = t0;
	for (;;) {
		uint64_t t = t_prev + window * 1000000000ull;

		if (t > end_ns)
			t = end_ns;
		sleep_until(t);
		t = now_ns();
		if (timer_counts(c) != 0) {
			printf("SOAK-TIMER: FAIL /proc/interrupts unreadable\n");
			fails++;
			break;
		}
		/* A window cut short by the end counts only if it is at least half a window. */
		if (t - t_prev >= window * 500000000ull) {
			double secs = (double)(t - t_prev) / 1e9;

			windows++;
			for (i = 0; i < ncpus; i++) {
				double ratio = (double)(c[i] - c_prev[i]) / (secs * (double)hz);
				double storm = 2.0 * (double)(hz + 1000000000ull / period_ns) / (double)hz;

				if (ratio < min_ratio[i])
					min_ratio[i] = ratio;
				if (ratio > max_ratio[i])
					max_ratio[i] = ratio;
				if (ratio * 100.0 < (double)floor_pct || ratio > storm) {
					bad_windows[i]++;
					printf("SOAK-TIMER: cpu%d window %llu (%.1f s at %.1f s): %llu ticks, %.0f %% of HZ\n",
					       i, (unsigned long long)windows, secs,
					       (double)(t_prev - t0) / 1e9,
					       (unsigned long long)(c[i] - c_prev[i]), ratio * 100.0);
				}
				c_prev[i] = c[i];
			}
		}
		t_prev = t;
		if (t >= end_ns)
			break;
	}
	/* A sleeper whose CPU takes no timer interrupt any more never wakes: wait LATE_MS. */
	for (i = 0; i < ncpus; i++) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(late_ms / 1000);
		ts.tv_nsec += (long)(late_ms % 1000) * 1000000l;
		if (ts.tv_nsec >= 1000000000l) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000l;
		}
		if (pthread_timedjoin_np(sleepers[i].th, NULL, &ts) != 0) {
			printf("SOAK-TIMER: cpu%d wakeups FAIL: the sleeper is still asleep %.1f s after the end (%llu wake-ups)\n",
			       i, (double)(now_ns() - end_ns) / 1e9,
			       (unsigned long long)sleepers[i].wakeups);
			printf("SOAK-TIMER: FAIL\n");
			fflush(stdout);
			_exit(1);
		}
	}
	stop = 1;
	for (i = 0; i < ncpus; i++)
		pthread_join(spinners[i], NULL);

	for (i = 0; i < ncpus; i++) {
		const struct sleeper *s = &sleepers[i];
		double secs = (double)(t_prev - t0) / 1e9;
		uint64_t want = seconds * 1000000000ull / period_ns;
		int ok_ticks = bad_windows[i] == 0 && windows > 0;
		int ok_wake = s->wakeups * 2 >= want && s->max_late_ns <= late_ms * 1000000ull;

		printf("SOAK-TIMER: cpu%d ticks %s: %llu in %.1f s (%.0f %% of HZ; windows %llu, min %.0f %%, max %.0f %%, below %llu %%: %llu)\n",
		       i, ok_ticks ? "ok" : "FAIL", (unsigned long long)(c_prev[i] - c0[i]), secs,
		       100.0 * (double)(c_prev[i] - c0[i]) / (secs * (double)hz),
		       (unsigned long long)windows, min_ratio[i] * 100.0, max_ratio[i] * 100.0,
		       (unsigned long long)floor_pct, (unsigned long long)bad_windows[i]);
		printf("SOAK-TIMER: cpu%d wakeups %s: %llu of %llu, late mean %.2f ms max %.2f ms (limit %llu), >1 ms %llu, >10 ms %llu, >100 ms %llu, periods skipped %llu\n",
		       i, ok_wake ? "ok" : "FAIL", (unsigned long long)s->wakeups,
		       (unsigned long long)want,
		       s->wakeups ? (double)s->sum_late_ns / (double)s->wakeups / 1e6 : 0.0,
		       (double)s->max_late_ns / 1e6, (unsigned long long)late_ms,
		       (unsigned long long)s->late_1ms, (unsigned long long)s->late_10ms,
		       (unsigned long long)s->late_100ms, (unsigned long long)s->skipped);
		fails += !ok_ticks + !ok_wake;
	}
	printf("SOAK-TIMER: %s\n", fails ? "FAIL" : "ok");
	return fails ? 1 : 0;
}
