/* SPDX-License-Identifier: MIT */
/* vGIC host micro-benchmark: the cost of one inject + flush + guest EOI + sync cycle with a
 * fake list-register backend. Prints figures (best and median over several runs); nothing
 * here passes or fails on timing. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/vgic.h>

#include "bench.h"

#define NR_LRS 4

static struct av_vgic_lr lrs[NR_LRS];

static unsigned f_nr(void *c, unsigned v)
{
	(void)c;
	(void)v;
	return NR_LRS;
}

static void f_write(void *c, unsigned v, unsigned i, const struct av_vgic_lr *lr)
{
	(void)c;
	(void)v;
	lrs[i] = *lr;
}

static void f_read(void *c, unsigned v, unsigned i, struct av_vgic_lr *lr)
{
	(void)c;
	(void)v;
	*lr = lrs[i];
}

static void f_maint(void *c, unsigned v, unsigned f)
{
	(void)c;
	(void)v;
	(void)f;
}

static const struct av_vgic_lr_ops ops = { f_nr, f_write, f_read, f_maint };

static void setup(struct av_vgic *g, enum av_vgic_model model)
{
	struct av_vgic_config cfg = { .model = model, .nr_vcpus = 4, .nr_spis = 256,
				      .lr_ops = &ops };
	uint64_t v;

	if (av_vgic_init(g, &cfg, NULL))
		exit(1);
	for (uint32_t i = 32; i < 288; i += 32) {
		v = 0xffffffff;
		if (model == AV_VGIC_V3)
			av_vgic_v3_dist_access(g, 0x100 + i / 8, 4, true, &v);
		else
			av_vgic_v2_dist_access(g, 0, 0x100 + i / 8, 4, true, &v);
	}
	if (model == AV_VGIC_V2) {
		for (uint32_t i = 32; i < 288; i += 4) {
			v = 0x01010101;
			av_vgic_v2_dist_access(g, 0, 0x800 + i, 4, true, &v);
		}
		v = 1;
		av_vgic_v2_dist_access(g, 0, 0, 4, true, &v);
	} else {
		v = 3;
		av_vgic_v3_dist_access(g, 0, 4, true, &v);
	}
}

/* One cycle: @n edge SPIs injected, flushed into LRs, acknowledged and EOI'd by the "guest",
 * then synced. */
static void cycle(struct av_vgic *g, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		av_vgic_pulse(g, 0, 40 + i, NULL);
	av_vgic_flush(g, 0);
	for (unsigned i = 0; i < n && i < NR_LRS; i++)
		lrs[i].state = AV_VGIC_LR_INVALID;
	av_vgic_sync(g, 0);
}

static void run(const char *name, enum av_vgic_model model, unsigned n)
{
	enum { RUNS = 9, ITERS = 200000 };
	static struct av_vgic g;
	uint64_t t[RUNS];

	setup(&g, model);
	for (unsigned i = 0; i < ITERS / 10; i++)
		cycle(&g, n);
	for (unsigned r = 0; r < RUNS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < ITERS; i++)
			cycle(&g, n);
		t[r] = now_ns() - t0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	printf("%-44s best %7.1f ns  median %7.1f ns\n", name, (double)t[0] / ITERS,
	       (double)t[RUNS / 2] / ITERS);
}

int main(void)
{
	printf("vGIC inject + flush + EOI + sync, per cycle (%d LRs, fake backend)\n", NR_LRS);
	run("GICv3, 1 SPI per cycle", AV_VGIC_V3, 1);
	run("GICv3, 4 SPIs per cycle", AV_VGIC_V3, 4);
	run("GICv3, 8 SPIs per cycle (4 LRs: overflow)", AV_VGIC_V3, 8);
	run("GICv2, 1 SPI per cycle", AV_VGIC_V2, 1);
	return 0;
}
