/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 micro-benchmark: 1 GiB of IPA mapped in pages, mapped with blocks, translated
 * page by page and unmapped, in nanoseconds per page, beside a baseline measured in the
 * same run: a plain loop that allocates the same number of zeroed tables and writes the
 * same number of 8-byte descriptors into them.
 *
 * Figures only; nothing passes or fails. Table pages come from aligned_alloc() through
 * the ops (PA = VA); TLB callbacks only count.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <armvirt/s2.h>

#define REPS 7
#define SPAN (UINT64_C(1) << 30)
#define IPA_BASE (UINT64_C(1) << 30)

static long tlbis;

static void *b_zalloc(void *cookie, size_t size)
{
	void *p = aligned_alloc(size, size);

	(void)cookie;
	if (p)
		memset(p, 0, size);
	return p;
}

static void b_free(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)size;
	free(va);
}

static void *b_p2v(void *cookie, uint64_t pa)
{
	(void)cookie;
	return (void *)(uintptr_t)pa;
}

static uint64_t b_v2p(void *cookie, void *va)
{
	(void)cookie;
	return (uint64_t)(uintptr_t)va;
}

static void b_tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf)
{
	(void)cookie;
	(void)ipa;
	(void)level;
	(void)leaf;
	tlbis++;
}

static void b_tlbi_vmid(void *cookie)
{
	(void)cookie;
	tlbis++;
}

static const struct av_mm_ops ops = {
	.zalloc = b_zalloc,
	.free = b_free,
	.phys_to_virt = b_p2v,
	.virt_to_phys = b_v2p,
	.tlbi_ipa = b_tlbi_ipa,
	.tlbi_vmid = b_tlbi_vmid,
};

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

struct stat {
	double v[REPS];
};

static void stat_print(const char *name, struct stat *s, double baseline)
{
	qsort(s->v, REPS, sizeof(s->v[0]), cmp_double);
	printf("  %-46s best %7.2f  median %7.2f ns/page", name, s->v[0], s->v[REPS / 2]);
	if (baseline > 0)
		printf("  (%.2fx baseline)", s->v[REPS / 2] / baseline);
	printf("\n");
}

static void *mc_slots[8192];

static void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "bench_s2: %s: %s\n", what, av_strerror(ret));
		exit(1);
	}
}

/* The baseline: allocate the tables a page mapping needs and fill them. */
static double baseline_run(unsigned gshift)
{
	size_t g = (size_t)1 << gshift;
	size_t per = g / 8;
	uint64_t pages = SPAN >> gshift;
	size_t ntables = (size_t)((pages + per - 1) / per);
	uint64_t **tables = malloc(ntables * sizeof(*tables));
	uint64_t *parent;
	uint64_t pa = IPA_BASE;
	double t0, t1;

	t0 = now_ns();
	parent = b_zalloc(NULL, g);
	for (size_t t = 0; t < ntables; t++) {
		uint64_t *tbl = b_zalloc(NULL, g);
		size_t n = pages - t * per < per ? (size_t)(pages - t * per) : per;

		for (size_t i = 0; i < n; i++, pa += g)
			tbl[i] = pa | 0x40000000007ffULL;
		parent[t % per] = (uint64_t)(uintptr_t)tbl | 3;
		tables[t] = tbl;
	}
	__asm__ volatile("" : : "r"(parent), "r"(tables) : "memory");
	t1 = now_ns();
	for (size_t t = 0; t < ntables; t++)
		free(tables[t]);
	free(parent);
	free(tables);
	return (t1 - t0) / (double)pages;
}

static void bench_granule(enum av_s2_granule gran)
{
	struct av_s2_cfg cfg = {
		.granule = gran, .ipa_bits = 40, .pa_bits = 48,
		.start_level = AV_S2_START_LEVEL_AUTO, .vmid_bits = 16,
		.walk = AV_S2_WALK_WB_INNER,
	};
	uint64_t g = UINT64_C(1) << gran;
	uint64_t pages = SPAN / g;
	struct stat base, map_only, map_topup, blk1, blk2, xlate, unmap;
	struct av_memcache mc;
	volatile uint64_t sink = 0;

	av_memcache_init(&mc, mc_slots, sizeof(mc_slots) / sizeof(mc_slots[0]));
	for (int r = 0; r < REPS; r++) {
		struct av_s2 s2;
		struct av_s2_leaf l;
		size_t need;
		double t0, t1, t2;

		base.v[r] = baseline_run((unsigned)gran);

		check(av_s2_init(&s2, &cfg, &ops, NULL, NULL), "init");
		/* Pages, no blocks: top-up (allocation) then map. */
		need = av_s2_map_pages_max(&s2, IPA_BASE, SPAN, IPA_BASE, AV_S2_MAP_NO_BLOCKS);
		t0 = now_ns();
		check(av_s2_memcache_topup(&s2, &mc, need), "topup");
		t1 = now_ns();
		check(av_s2_map(&s2, IPA_BASE, SPAN, IPA_BASE, AV_S2_RW, AV_S2_MAP_NO_BLOCKS, &mc,
				NULL), "map pages");
		t2 = now_ns();
		map_only.v[r] = (t2 - t1) / (double)pages;
		map_topup.v[r] = (t2 - t0) / (double)pages;

		t0 = now_ns();
		for (uint64_t a = IPA_BASE; a < IPA_BASE + SPAN; a += g) {
			check(av_s2_translate(&s2, a, &l), "translate");
			sink += l.pa;
		}
		t1 = now_ns();
		xlate.v[r] = (t1 - t0) / (double)pages;

		t0 = now_ns();
		check(av_s2_unmap(&s2, IPA_BASE, SPAN, NULL, NULL), "unmap");
		t1 = now_ns();
		unmap.v[r] = (t1 - t0) / (double)pages;

		/* Blocks: PA aligned to the IPA (largest blocks), then 2 MiB / block-size only. */
		check(av_s2_memcache_topup(&s2, &mc, av_s2_map_pages_max(&s2, IPA_BASE, SPAN,
									 IPA_BASE, 0)), "topup");
		t0 = now_ns();
		check(av_s2_map(&s2, IPA_BASE, SPAN, IPA_BASE, AV_S2_RW, 0, &mc, NULL), "map blocks");
		t1 = now_ns();
		blk1.v[r] = (t1 - t0) / (double)pages;
		check(av_s2_unmap(&s2, IPA_BASE, SPAN, NULL, NULL), "unmap");
		{
			uint64_t bsz = av_s2_level_size(&s2, 2);
			uint64_t pa = IPA_BASE + bsz;

			check(av_s2_memcache_topup(&s2, &mc, av_s2_map_pages_max(&s2, IPA_BASE, SPAN,
										 pa, 0)), "topup");
			t0 = now_ns();
			check(av_s2_map(&s2, IPA_BASE, SPAN, pa, AV_S2_RW, 0, &mc, NULL), "map blocks");
			t1 = now_ns();
			blk2.v[r] = (t1 - t0) / (double)pages;
		}
		av_s2_memcache_drain(&s2, &mc);
		av_s2_destroy(&s2);
	}
	printf("%u KiB granule, 1 GiB of IPA = %llu pages, %d runs:\n", (unsigned)(g >> 10),
	       (unsigned long long)pages, REPS);
	qsort(base.v, REPS, sizeof(base.v[0]), cmp_double);
	{
		double b = base.v[REPS / 2];

		stat_print("baseline: allocate tables + write descriptors", &base, 0);
		stat_print("map pages (blocks forbidden), incl. top-up", &map_topup, b);
		stat_print("map pages (blocks forbidden), memcache full", &map_only, b);
		stat_print(gran == AV_S2_GRANULE_4K ? "map with blocks (1 GiB aligned: 1 GiB blocks)"
						    : "map with blocks (aligned)", &blk1, 0);
		stat_print(gran == AV_S2_GRANULE_4K ? "map with blocks (2 MiB aligned: 2 MiB blocks)"
						    : "map with blocks (PA offset by one block)",
			   &blk2, 0);
		stat_print("translate every page", &xlate, 0);
		stat_print("unmap pages (TLBI callback per page)", &unmap, 0);
	}
	(void)sink;
}

int main(void)
{
	printf("bench_s2: stage-2 map/translate/unmap, ns per page (best and median)\n");
	bench_granule(AV_S2_GRANULE_4K);
	bench_granule(AV_S2_GRANULE_16K);
	bench_granule(AV_S2_GRANULE_64K);
	printf("(%ld TLBI callbacks)\n", tlbis);
	return 0;
}
