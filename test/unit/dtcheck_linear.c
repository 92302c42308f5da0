/* SPDX-License-Identifier: MIT */
/*
 * av_dtcheck() in linear time (issue 18, finding 3): a ~2.8 MB device tree with 41,000 CPU
 * nodes, each without reg and enable-method (82,000 findings, 82,004 in all), generated here
 * with libfdt's sequential-write API, must be checked in under 2 s by an optimised build
 * (test/CMakeLists.txt compiles this file with lib/dtcheck.c and lib/log.c at -O2,
 * without sanitizers), with exact totals and the findings of one check capped.
 *
 * Exit status 0 when all holds, 1 otherwise; the time is printed either way.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libfdt.h>

#include <armvirt/platform.h>

#define NR_CPUS 41000u
#define BUF (3u << 20)
#define LIMIT_S 2.0

struct seen {
	unsigned calls, cpu_listed, more;
	char more_msg[128];
};

static void count(const struct av_dtcheck_finding *f, void *cookie)
{
	struct seen *s = cookie;

	s->calls++;
	if (strncmp(f->node, "/cpus/cpu@", 10) == 0)
		s->cpu_listed++;
	if (strstr(f->msg, "more findings") != NULL) {
		s->more++;
		memcpy(s->more_msg, f->msg, sizeof(s->more_msg));
	}
}

#define OK(x)                                                               \
	do {                                                                \
		if ((x) != 0) {                                             \
			fprintf(stderr, "dtcheck_linear: %s failed\n", #x); \
			exit(1);                                            \
		}                                                           \
	} while (0)

/* Root, /chosen (no stdout-path), /memory, /cpus with NR_CPUS nodes: the errors are no PSCI,
 * no timer, no GIC and two per CPU; no console is a warning. */
static void generate(void *buf)
{
	static const fdt32_t reg[4] = { 0, 0x40000000u, 0, 0x10000000u };
	char name[32];

	OK(fdt_create(buf, BUF));
	OK(fdt_finish_reservemap(buf));
	OK(fdt_begin_node(buf, ""));
	OK(fdt_property_u32(buf, "#address-cells", 2));
	OK(fdt_property_u32(buf, "#size-cells", 2));
	OK(fdt_begin_node(buf, "chosen"));
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "memory@40000000"));
	OK(fdt_property_string(buf, "device_type", "memory"));
	OK(fdt_property(buf, "reg", reg, (int)sizeof(reg)));
	OK(fdt_end_node(buf));
	OK(fdt_begin_node(buf, "cpus"));
	OK(fdt_property_u32(buf, "#address-cells", 1));
	OK(fdt_property_u32(buf, "#size-cells", 0));
	for (unsigned i = 0; i < NR_CPUS; i++) {
		snprintf(name, sizeof(name), "cpu@%08x", i);
		OK(fdt_begin_node(buf, name));
		OK(fdt_property_string(buf, "device_type", "cpu"));
		OK(fdt_property_string(buf, "compatible", "arm,cortex-a57"));
		OK(fdt_end_node(buf));
	}
	OK(fdt_end_node(buf));
	OK(fdt_end_node(buf));
	OK(fdt_finish(buf));
}

int main(void)
{
	void *buf = malloc(BUF);
	struct av_dtcheck_summary sum;
	struct seen s = { 0 };
	struct timespec t0, t1;
	double secs;
	int rc, bad = 0;

	if (buf == NULL)
		return 1;
	generate(buf);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = av_dtcheck(buf, fdt_totalsize(buf), count, &s, &sum);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("dtcheck_linear: %u-byte DTB, %u CPU nodes: rc %d, %u errors, %u warnings, "
	       "%u findings listed (%u CPU, %u \"more\": %s) in %.3f s (limit %.1f s)\n",
	       fdt_totalsize(buf), NR_CPUS, rc, sum.errors, sum.warnings, s.calls, s.cpu_listed,
	       s.more, s.more_msg, secs, LIMIT_S);
	if (rc != 0 || sum.errors != 2 * NR_CPUS + 3 || sum.warnings != 1) {
		fprintf(stderr, "dtcheck_linear: totals wrong (want %u errors, 1 warning)\n",
			2 * NR_CPUS + 3);
		bad = 1;
	}
#ifdef AV_DTCHECK_MAX_LISTED
	/* The CPU check lists its cap, then one line for the rest. */
	if (s.cpu_listed != AV_DTCHECK_MAX_LISTED || s.more != 1 ||
	    strstr(s.more_msg, "81980 more") == NULL) {
		fprintf(stderr, "dtcheck_linear: the CPU findings are not capped as documented\n");
		bad = 1;
	}
#endif
	if (secs >= LIMIT_S) {
		fprintf(stderr, "dtcheck_linear: %.3f s, not under %.1f s\n", secs, LIMIT_S);
		bad = 1;
	}
	free(buf);
	return bad;
}
