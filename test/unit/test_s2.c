/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: stage-2 translation tables and VMIDs.
 *
 * The fake environment hands out table pages from an arena whose physical addresses are
 * an offset of their virtual ones (PA = VA - arena + 0x80000000), so a PA used as a
 * pointer faults. It counts allocations, poisons freed pages, and checks in every TLBI
 * callback that the descriptor being invalidated is already invalid (break-before-make).
 *
 * The random tests compare the table with a flat reference model page by page through
 * av_s2_translate(), run the invariant checker (with the isolation check) after each
 * batch, and check page accounting at the end. Golden values are built here from the Arm
 * ARM bit positions, independently of the library's field macros.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/s2.h>

#define KIB(x) ((uint64_t)(x) << 10)
#define MIB(x) ((uint64_t)(x) << 20)
#define GIB(x) ((uint64_t)(x) << 30)

/* ---------------------------------------------------------------------------------- */
/* Fake environment.                                                                   */

#define ARENA_SIZE MIB(96)
#define ARENA_PA   UINT64_C(0x80000000)
#define GUEST_PA_LIMIT UINT64_C(0x80000000) /* guest memory lies below the arena */

struct free_multi {
	void *p;
	size_t size;
};

struct env {
	uint8_t *arena;
	size_t bump;
	size_t granule;
	void *free_single; /* list linked through the first word of each free page */
	struct free_multi multi[64];
	int nmulti;
	long live_pages; /* granules handed out and not freed */
	long allocs, frees;
	long tlbi_ipa, tlbi_table, tlbi_vmid, cleans;
	bool fail_alloc;
	struct av_s2 *s2; /* for the break-before-make check */
	unsigned bbm_every; /* check every Nth leaf TLBI (all if 0 or 1; tables always) */
	long bbm_checked;
};

static struct env E;

static void env_setup(size_t granule)
{
	memset(&E, 0, sizeof(E));
	E.arena = aligned_alloc(MIB(1), ARENA_SIZE);
	assert_non_null(E.arena);
	E.granule = granule;
}

static void env_teardown(void)
{
	assert_int_equal(E.live_pages, 0);
	assert_int_equal(E.allocs, E.frees);
	free(E.arena);
	E.arena = NULL;
}

static bool in_arena(const void *va)
{
	return (const uint8_t *)va >= E.arena && (const uint8_t *)va < E.arena + ARENA_SIZE;
}

static void *fake_zalloc(void *cookie, size_t size)
{
	void *p = NULL;

	assert_ptr_equal(cookie, &E);
	assert_true(size >= E.granule && size <= 16 * E.granule && !(size & (size - 1)));
	if (E.fail_alloc)
		return NULL;
	if (size == E.granule && E.free_single) {
		p = E.free_single;
		E.free_single = *(void **)p;
	}
	for (int i = 0; !p && i < E.nmulti; i++) {
		if (E.multi[i].size == size) {
			p = E.multi[i].p;
			E.multi[i] = E.multi[--E.nmulti];
		}
	}
	if (!p) {
		size_t at = (E.bump + size - 1) & ~(size - 1);

		assert_true(at + size <= ARENA_SIZE);
		p = E.arena + at;
		E.bump = at + size;
	}
	memset(p, 0, size);
	E.allocs++;
	E.live_pages += (long)(size / E.granule);
	return p;
}

static void fake_free(void *cookie, void *va, size_t size)
{
	assert_ptr_equal(cookie, &E);
	assert_true(in_arena(va));
	assert_true(((uintptr_t)va & (size - 1)) == 0);
	memset(va, 0xa5, size); /* a later read of a freed table shows up as garbage */
	E.frees++;
	E.live_pages -= (long)(size / E.granule);
	if (size == E.granule) {
		*(void **)va = E.free_single;
		E.free_single = va;
	} else {
		assert_true(E.nmulti < 64);
		E.multi[E.nmulti].p = va;
		E.multi[E.nmulti++].size = size;
	}
}

static void *fake_p2v(void *cookie, uint64_t pa)
{
	(void)cookie;
	assert_true(pa >= ARENA_PA && pa < ARENA_PA + ARENA_SIZE);
	return E.arena + (pa - ARENA_PA);
}

static uint64_t fake_v2p(void *cookie, void *va)
{
	(void)cookie;
	assert_true(in_arena(va));
	return ARENA_PA + (uint64_t)((uint8_t *)va - E.arena);
}

static void fake_clean(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)size;
	assert_true(in_arena(va));
	E.cleans++;
}

static void fake_tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf)
{
	struct av_s2_leaf l;

	(void)cookie;
	assert_true(level <= 3);
	if (leaf)
		E.tlbi_ipa++;
	else
		E.tlbi_table++;
	if (!E.s2)
		return;
	if (leaf && E.bbm_every > 1 && E.tlbi_ipa % E.bbm_every)
		return;
	E.bbm_checked++;
	assert_true(level >= E.s2->geom.start_level);
	/* The scope is the whole entry that changed. */
	assert_int_equal(ipa & (av_s2_level_size(E.s2, level) - 1), 0);
	/* Break-before-make: the entry is invalid while the TLB is invalidated. */
	assert_int_equal(av_s2_translate(E.s2, ipa, &l), -AV_ENOENT);
}

static void fake_tlbi_vmid(void *cookie)
{
	(void)cookie;
	E.tlbi_vmid++;
}

static const struct av_mm_ops fake_ops = {
	.zalloc = fake_zalloc,
	.free = fake_free,
	.phys_to_virt = fake_p2v,
	.virt_to_phys = fake_v2p,
	.tlbi_ipa = fake_tlbi_ipa,
	.tlbi_vmid = fake_tlbi_vmid,
};

static const struct av_mm_ops fake_ops_nc = {
	.zalloc = fake_zalloc,
	.free = fake_free,
	.phys_to_virt = fake_p2v,
	.virt_to_phys = fake_v2p,
	.clean_poc = fake_clean,
	.tlbi_ipa = fake_tlbi_ipa,
	.tlbi_vmid = fake_tlbi_vmid,
};

#define MC_CAP 8192
static void *mc_array[MC_CAP];

/* Make the memcache hold exactly @n pages. */
static void mc_set(struct av_s2 *s2, struct av_memcache *mc, size_t n)
{
	while (mc->nr > n)
		fake_free(&E, mc->pages[--mc->nr], E.granule);
	assert_int_equal(av_s2_memcache_topup(s2, mc, n), 0);
}

static const struct av_s2_pa_range guest_owned[] = { { 0, GUEST_PA_LIMIT } };

static void report_fail(void *cookie, const struct av_s2_problem *p)
{
	(void)cookie;
	print_error("checker: %s (kind %d) ipa 0x%llx level %u desc 0x%016llx\n", p->what,
		    (int)p->kind, (unsigned long long)p->ipa, p->level, (unsigned long long)p->desc);
}

static void check_clean(struct av_s2 *s2)
{
	assert_int_equal(av_s2_check(s2, guest_owned, 1, report_fail, NULL), 0);
}

static struct av_s2_cfg make_cfg(enum av_s2_granule g, unsigned ipa, unsigned pa)
{
	struct av_s2_cfg c = {
		.granule = g, .ipa_bits = ipa, .pa_bits = pa,
		.start_level = AV_S2_START_LEVEL_AUTO, .vmid_bits = 16,
		.walk = AV_S2_WALK_WB_INNER,
	};
	return c;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return x;
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* ---------------------------------------------------------------------------------- */
/* Golden values: configurations.                                                      */

/* VTCR_EL2 built from the Arm ARM layout with literal bit positions. */
static uint64_t golden_vtcr(unsigned gshift, unsigned ipa, unsigned pa, unsigned level,
			    bool vmid16)
{
	uint64_t tg0 = gshift == 12 ? 0 : gshift == 14 ? 2 : 1; /* TG0 [15:14]: 4K 00, 16K 10, 64K 01 */
	uint64_t sl0 = gshift == 12 ? 2 - level : 3 - level;     /* SL0 [7:6] */
	uint64_t ps;

	switch (pa) { /* PS [18:16] */
	case 32: ps = 0; break;
	case 36: ps = 1; break;
	case 40: ps = 2; break;
	case 42: ps = 3; break;
	case 44: ps = 4; break;
	default: ps = 5; break;
	}
	return (UINT64_C(1) << 31) |          /* RES1 */
	       ((uint64_t)vmid16 << 19) |     /* VS */
	       (ps << 16) | (tg0 << 14) |
	       (UINT64_C(3) << 12) |          /* SH0 inner shareable */
	       (UINT64_C(1) << 10) |          /* ORGN0 WBWA */
	       (UINT64_C(1) << 8) |           /* IRGN0 WBWA */
	       (sl0 << 6) | (64 - ipa);       /* T0SZ [5:0] */
}

static void test_vtcr_qemu_golden(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 32, 32);
	struct av_s2_geom g;

	(void)state;
	c.start_level = 1;
	c.force_start_level = true;
	c.vmid_bits = 8;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), 0);
	/* The value QEMU accepted on a real trap path. */
	assert_int_equal(g.vtcr, UINT64_C(0x80003560));
	assert_int_equal(g.vtcr, golden_vtcr(12, 32, 32, 1, false));
	assert_int_equal(g.start_level, 1);
	assert_int_equal(g.root_tables, 1);
	/* The automatic choice is the same. */
	c.force_start_level = false;
	c.start_level = AV_S2_START_LEVEL_AUTO;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), 0);
	assert_int_equal(g.vtcr, UINT64_C(0x80003560));
}

struct level_case {
	enum av_s2_granule g;
	unsigned ipa, pa;
	int force;         /* AV_S2_START_LEVEL_AUTO or a level */
	int ret;           /* expected return */
	unsigned level, tables;
};

static void test_start_level_golden(void **state)
{
	static const struct level_case cases[] = {
		{ AV_S2_GRANULE_4K, 32, 32, -1, 0, 1, 1 },
		{ AV_S2_GRANULE_4K, 36, 36, -1, 0, 1, 1 },
		{ AV_S2_GRANULE_4K, 40, 40, -1, 0, 1, 2 },   /* 2 concatenated level-1 tables */
		{ AV_S2_GRANULE_4K, 42, 42, -1, 0, 1, 8 },
		{ AV_S2_GRANULE_4K, 44, 44, -1, 0, 0, 1 },
		{ AV_S2_GRANULE_4K, 48, 48, -1, 0, 0, 1 },
		{ AV_S2_GRANULE_4K, 32, 32, 2, 0, 2, 4 },    /* forced level 2: 4 tables */
		{ AV_S2_GRANULE_4K, 34, 36, 2, 0, 2, 16 },
		{ AV_S2_GRANULE_4K, 36, 36, 2, -AV_EINVAL, 0, 0 }, /* would need 64 tables */
		{ AV_S2_GRANULE_4K, 40, 40, 0, -AV_EINVAL, 0, 0 }, /* level 0 needs PA >= 44 */
		{ AV_S2_GRANULE_4K, 40, 44, 0, 0, 0, 1 },
		{ AV_S2_GRANULE_4K, 43, 44, 1, 0, 1, 16 },   /* 16 concatenated: the maximum */
		{ AV_S2_GRANULE_4K, 44, 44, 1, -AV_EINVAL, 0, 0 },
		{ AV_S2_GRANULE_4K, 32, 32, 3, -AV_ENOTSUP, 0, 0 },
		{ AV_S2_GRANULE_16K, 32, 32, -1, 0, 2, 1 },
		{ AV_S2_GRANULE_16K, 36, 36, -1, 0, 2, 1 },
		{ AV_S2_GRANULE_16K, 40, 40, -1, 0, 2, 16 },
		{ AV_S2_GRANULE_16K, 42, 42, -1, 0, 1, 1 },
		{ AV_S2_GRANULE_16K, 48, 48, -1, 0, 1, 2 },  /* 2 concatenated level-1 tables */
		{ AV_S2_GRANULE_16K, 32, 32, 3, -AV_EINVAL, 0, 0 },
		{ AV_S2_GRANULE_16K, 47, 48, 0, -AV_ENOTSUP, 0, 0 },
		{ AV_S2_GRANULE_64K, 32, 32, -1, 0, 2, 1 },
		{ AV_S2_GRANULE_64K, 42, 42, -1, 0, 2, 1 },  /* level 2, one table */
		{ AV_S2_GRANULE_64K, 42, 42, 1, -AV_EINVAL, 0, 0 }, /* level 1 needs >= 43 bits */
		{ AV_S2_GRANULE_64K, 46, 48, -1, 0, 2, 16 },
		{ AV_S2_GRANULE_64K, 48, 48, -1, 0, 1, 1 },
		{ AV_S2_GRANULE_64K, 32, 32, 3, 0, 3, 8 },
		{ AV_S2_GRANULE_64K, 44, 44, 1, 0, 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct level_case *lc = &cases[i];
		struct av_s2_cfg c = make_cfg(lc->g, lc->ipa, lc->pa);
		struct av_s2_geom g;
		int ret;

		c.start_level = lc->force;
		c.force_start_level = lc->force != AV_S2_START_LEVEL_AUTO;
		ret = av_s2_cfg_resolve(&c, &g, NULL);
		if (ret != lc->ret)
			fail_msg("case %zu: ret %d, want %d", i, ret, lc->ret);
		if (ret)
			continue;
		if (g.start_level != lc->level || g.root_tables != lc->tables)
			fail_msg("case %zu: level %u tables %u, want %u %u", i, g.start_level,
				 g.root_tables, lc->level, lc->tables);
		assert_int_equal(g.vtcr, golden_vtcr((unsigned)lc->g, lc->ipa, lc->pa, lc->level, true));
	}
}

/* A zero configuration is the defaults: 4K granule, 40-bit IPA and PA, level 1, 8-bit VMIDs. */
static void test_cfg_zero_defaults(void **state)
{
	struct av_s2_cfg c;
	struct av_s2_geom g;
	struct av_error err = { .field = "stale", .msg = "stale" };

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(av_s2_cfg_resolve(&c, &g, &err), 0);
	assert_string_equal(err.field, "");
	assert_string_equal(err.msg, "");
	assert_int_equal(g.granule_shift, 12);
	assert_int_equal(g.ipa_bits, 40);
	assert_int_equal(g.pa_bits, 40);
	assert_int_equal(g.vmid_bits, 8);
	assert_int_equal(g.start_level, 1);
	assert_int_equal(g.root_tables, 2);
	assert_int_equal(g.vtcr, golden_vtcr(12, 40, 40, 1, false));
	/* Only the IPA size given: start level and PA size follow from it. */
	c.ipa_bits = 48;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), 0);
	assert_int_equal(g.start_level, 0);
	assert_int_equal(g.pa_bits, 48);
	c.ipa_bits = 33;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), 0);
	assert_int_equal(g.pa_bits, 36);
	assert_int_equal(g.start_level, 1);
	/* start_level without force_start_level is ignored (0 is not "level 0"). */
	c.ipa_bits = 40;
	c.start_level = 0;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), 0);
	assert_int_equal(g.start_level, 1);
	c.start_level = AV_S2_START_LEVEL_AUTO;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), 0);
	assert_int_equal(g.start_level, 1);
	/* Any other level without force_start_level is refused, not silently ignored. */
	c.start_level = 2;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, &err), -AV_EINVAL);
	assert_string_equal(err.field, "start_level");
	assert_string_equal(err.msg, "2 set without force_start_level");
}

/* Each configuration error names the field and says why. */
static void test_cfg_error_messages(void **state)
{
	static const struct {
		unsigned gran, ipa, pa, vmid;
		int level; /* forced if >= 0 */
		int walk;
		int ret;
		const char *field, *msg;
	} cases[] = {
		{ 13, 40, 40, 8, -1, 0, -AV_EINVAL, "granule",
		  "13 is not a granule (AV_S2_GRANULE_4K/16K/64K: 12, 14, 16)" },
		{ 12, 31, 32, 8, -1, 0, -AV_EINVAL, "ipa_bits", "31 bits (32..48 supported)" },
		{ 12, 49, 48, 8, -1, 0, -AV_EINVAL, "ipa_bits", "49 bits (32..48 supported)" },
		{ 12, 32, 34, 8, -1, 0, -AV_EINVAL, "pa_bits",
		  "34 bits is not a PARange size (32, 36, 40, 42, 44, 48)" },
		{ 12, 40, 36, 8, -1, 0, -AV_EINVAL, "pa_bits", "36 bits is smaller than ipa_bits (40)" },
		{ 16, 48, 52, 8, -1, 0, -AV_ENOTSUP, "pa_bits",
		  "52-bit PAs (FEAT_LPA) are not supported" },
		{ 12, 40, 40, 12, -1, 0, -AV_EINVAL, "vmid_bits", "12 bits (8 or 16)" },
		{ 12, 40, 40, 8, -1, 7, -AV_EINVAL, "walk", "7 is not an enum av_s2_walk_cache" },
		{ 12, 40, 40, 8, 4, 0, -AV_EINVAL, "start_level", "4 is not a level (0..3)" },
		{ 12, 40, 40, 8, 3, 0, -AV_ENOTSUP, "start_level",
		  "level 3 with a 4 KiB granule needs FEAT_TTST" },
		{ 14, 40, 48, 8, 0, 0, -AV_ENOTSUP, "start_level",
		  "level 0 with a 16 KiB granule needs FEAT_LPA2" },
		{ 16, 40, 40, 8, 0, 0, -AV_EINVAL, "start_level",
		  "level 0 does not exist with a 64 KiB granule" },
		{ 12, 40, 40, 8, 2, 0, -AV_EINVAL, "start_level",
		  "level 2 cannot resolve a 40-bit IPA with a 4 KiB granule" },
		{ 12, 40, 40, 8, 0, 0, -AV_EINVAL, "pa_bits",
		  "40 bits is too small for start level 0 with a 4 KiB granule" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct av_s2_cfg c = { .granule = (enum av_s2_granule)cases[i].gran,
				       .ipa_bits = cases[i].ipa, .pa_bits = cases[i].pa,
				       .vmid_bits = cases[i].vmid,
				       .walk = (enum av_s2_walk_cache)cases[i].walk,
				       .start_level = cases[i].level,
				       .force_start_level = cases[i].level >= 0 };
		struct av_s2_geom g;
		struct av_error err;
		int ret = av_s2_cfg_resolve(&c, &g, &err);

		if (ret != cases[i].ret || strcmp(err.field, cases[i].field) ||
		    strcmp(err.msg, cases[i].msg))
			fail_msg("case %zu: %d \"%s: %s\"", i, ret, err.field, err.msg);
	}
}

/* av_s2_init() names the missing op, and passes the configuration's errors through. */
static void test_init_error_messages(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 40, 40);
	struct av_mm_ops ops = fake_ops;
	struct av_error err;
	struct av_s2 s2;

	(void)state;
	env_setup(KIB(4));
	ops.tlbi_vmid = NULL;
	assert_int_equal(av_s2_init(&s2, &c, &ops, &E, &err), -AV_EINVAL);
	assert_string_equal(err.field, "ops");
	assert_string_equal(err.msg, "the required op tlbi_vmid is NULL");
	c.walk = AV_S2_WALK_NC;
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, &err), -AV_EINVAL);
	assert_string_equal(err.field, "ops");
	assert_string_equal(err.msg, "clean_poc is NULL but walks are non-cacheable (AV_S2_WALK_NC)");
	c.walk = AV_S2_WALK_WB_INNER;
	c.ipa_bits = 50;
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, &err), -AV_EINVAL);
	assert_string_equal(err.field, "ipa_bits");
	c.ipa_bits = 40;
	E.fail_alloc = true;
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, &err), -AV_ENOMEM);
	assert_string_equal(err.field, "ops");
	assert_string_equal(err.msg, "zalloc of the 8192-byte root failed");
	E.fail_alloc = false;
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, &err), 0);
	assert_string_equal(err.field, "");
	av_s2_destroy(&s2);
	env_teardown();
}

static void test_cfg_invalid(void **state)
{
	struct av_s2_geom g;
	struct av_s2_cfg c;

	(void)state;
	c = make_cfg(AV_S2_GRANULE_4K, 31, 32);
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	c = make_cfg(AV_S2_GRANULE_4K, 49, 48);
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	c = make_cfg(AV_S2_GRANULE_4K, 32, 34); /* not a PARange encoding */
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	c = make_cfg(AV_S2_GRANULE_4K, 40, 36); /* PA smaller than IPA */
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	c = make_cfg(AV_S2_GRANULE_64K, 48, 52);
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_ENOTSUP);
	c = make_cfg(AV_S2_GRANULE_4K, 40, 40);
	c.vmid_bits = 12;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	c = make_cfg((enum av_s2_granule)13, 40, 40);
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	c = make_cfg(AV_S2_GRANULE_4K, 40, 40);
	c.start_level = 4;
	c.force_start_level = true;
	assert_int_equal(av_s2_cfg_resolve(&c, &g, NULL), -AV_EINVAL);
	/* Non-cacheable walks need a clean-to-PoC op. */
	env_setup(KIB(4));
	{
		struct av_s2 s2;

		c.force_start_level = false;
		c.start_level = AV_S2_START_LEVEL_AUTO;
		c.walk = AV_S2_WALK_NC;
		assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), -AV_EINVAL);
		E.fail_alloc = true;
		assert_int_equal(av_s2_init(&s2, &c, &fake_ops_nc, &E, NULL), -AV_ENOMEM);
		E.fail_alloc = false;
		assert_int_equal(av_s2_init(&s2, &c, &fake_ops_nc, &E, NULL), 0);
		/* SH0 outer shareable, IRGN0 = ORGN0 = 0. */
		assert_int_equal(s2.geom.vtcr & 0x3f00, UINT64_C(2) << 12);
		av_s2_destroy(&s2);
	}
	env_teardown();
}

/* ---------------------------------------------------------------------------------- */
/* Golden values: descriptors and VTTBR.                                               */

/* A leaf built from the Arm ARM layout with literal bit positions. */
static uint64_t golden_leaf(uint64_t pa, bool page, unsigned memattr, unsigned sh, bool r,
			    bool w, bool x, unsigned sw)
{
	return pa | 1 |                               /* valid */
	       ((uint64_t)page << 1) |                /* page (level 3) / block */
	       ((uint64_t)memattr << 2) |             /* MemAttr [5:2] */
	       ((uint64_t)r << 6) | ((uint64_t)w << 7) | /* S2AP [7:6] */
	       ((uint64_t)sh << 8) |                  /* SH [9:8] */
	       (UINT64_C(1) << 10) |                  /* AF */
	       ((uint64_t)!x << 54) |                 /* XN */
	       ((uint64_t)sw << 55);                  /* software bits [57:55] */
}

static void test_descriptor_golden(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 40, 40);
	struct av_memcache mc;
	struct av_s2 s2;
	struct av_s2_leaf l;
	uint64_t vttbr, attrs;

	(void)state;
	env_setup(KIB(4));
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	E.s2 = &s2;
	mc_set(&s2, &mc, 16);

	/* Normal write-back RW page. */
	assert_int_equal(av_s2_map(&s2, 0x40000000, KIB(4), 0x12345000, AV_S2_RW, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, 0x40000abc, &l), 0);
	assert_int_equal(l.desc, golden_leaf(0x12345000, true, 0xf, 3, true, true, false, 0));
	assert_int_equal(l.pa, 0x12345abc);
	assert_int_equal(l.level, 3);
	assert_int_equal(l.prot, AV_S2_RW);
	/* Device-nGnRE read-only page. */
	assert_int_equal(av_s2_map(&s2, 0x40001000, KIB(4), 0x9000000, AV_S2_R | AV_S2_DEVICE, 0,
				   &mc, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, 0x40001000, &l), 0);
	assert_int_equal(l.desc, golden_leaf(0x9000000, true, 0x1, 2, true, false, false, 0));
	/* Device-nGnRnE, write-only. */
	assert_int_equal(av_s2_map(&s2, 0x40002000, KIB(4), 0x9001000,
				   AV_S2_W | AV_FIELD_PREP(AV_S2_MT, AV_S2_MT_DEVICE_NGNRNE), 0, &mc,
				   NULL), 0);
	assert_int_equal(av_s2_translate(&s2, 0x40002000, &l), 0);
	assert_int_equal(l.desc, golden_leaf(0x9001000, true, 0x0, 2, false, true, false, 0));
	/* Normal non-cacheable RX with software bits 0b101. */
	assert_int_equal(av_s2_map(&s2, 0x40003000, KIB(4), 0x9002000,
				   AV_S2_R | AV_S2_X | AV_FIELD_PREP(AV_S2_MT, AV_S2_MT_NORMAL_NC) |
				   AV_FIELD_PREP(AV_S2_SW, 5), 0, &mc, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, 0x40003000, &l), 0);
	assert_int_equal(l.desc, golden_leaf(0x9002000, true, 0x5, 2, true, false, true, 5));
	assert_int_equal(l.prot, AV_S2_R | AV_S2_X | AV_FIELD_PREP(AV_S2_MT, AV_S2_MT_NORMAL_NC) |
				 AV_FIELD_PREP(AV_S2_SW, 5));
	/* 2 MiB and 1 GiB blocks: bit 1 clear. */
	assert_int_equal(av_s2_map(&s2, 0x40200000, MIB(2), 0x200000, AV_S2_RWX, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, 0x40300000, &l), 0);
	assert_int_equal(l.level, 2);
	assert_int_equal(l.desc, golden_leaf(0x200000, false, 0xf, 3, true, true, true, 0));
	assert_int_equal(l.pa, 0x300000);
	assert_int_equal(av_s2_map(&s2, GIB(2), GIB(1), GIB(1), AV_S2_R, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, GIB(2) + 0x1234567, &l), 0);
	assert_int_equal(l.level, 1);
	assert_int_equal(l.desc, golden_leaf(GIB(1), false, 0xf, 3, true, false, false, 0));
	assert_int_equal(l.pa, GIB(1) + 0x1234567);
	/* Table descriptors: valid | table | next-level PA. */
	{
		uint64_t d = s2.root[1]; /* 0x40000000 >> 30 */

		assert_int_equal(d & 3, 3);
		assert_int_equal(d & ~(UINT64_C(0xfffffffff) << 12), 3);
		assert_true((d & (UINT64_C(0xfffffffff) << 12)) >= ARENA_PA);
	}
	/* Bad protections. */
	assert_int_equal(av_s2_prot_to_attrs(AV_BIT(20), &attrs), -AV_EINVAL);
	assert_int_equal(av_s2_prot_to_attrs(AV_S2_R, &attrs), 0);
	assert_int_equal(attrs, golden_leaf(0, false, 0xf, 3, true, false, false, 0) - 1);

	/* VTTBR_EL2: BADDR [47:1] = root PA, VMID [63:48]. */
	assert_int_equal(av_s2_vttbr(&s2, 0x1234, &vttbr), 0);
	assert_int_equal(vttbr, s2.root_pa | (UINT64_C(0x1234) << 48));
	assert_int_equal(s2.root_pa & (2 * KIB(4) - 1), 0); /* 2 concatenated: 8 KiB aligned */
	s2.geom.vmid_bits = 8;
	assert_int_equal(av_s2_vttbr(&s2, 0x100, &vttbr), -AV_EINVAL);
	assert_int_equal(av_s2_vttbr(&s2, 0xff, &vttbr), 0);
	assert_int_equal(vttbr >> 48, 0xff);
	s2.geom.vmid_bits = 16;

	check_clean(&s2);
	E.s2 = NULL;
	av_s2_destroy(&s2);
	assert_int_equal(s2.pages, 0);
	av_s2_memcache_drain(&s2, &mc);
	env_teardown();
}

/* ---------------------------------------------------------------------------------- */
/* Splits, table freeing, errors.                                                      */

static void test_split_and_free(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 40, 40);
	struct av_memcache mc;
	struct av_s2 s2;
	struct av_s2_leaf l;
	uint64_t done;
	long tl;

	(void)state;
	env_setup(KIB(4));
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	E.s2 = &s2;
	assert_int_equal(s2.pages, 2);

	/* A 1 GiB block, then unmap one page in the middle: split to level 2 and 3. */
	mc_set(&s2, &mc, av_s2_map_pages_max(&s2, GIB(1), GIB(1), GIB(1), 0));
	assert_int_equal(av_s2_map(&s2, GIB(1), GIB(1), GIB(1), AV_S2_RW, 0, &mc, &done), 0);
	assert_int_equal(done, GIB(2));
	assert_int_equal(s2.pages, 2);
	mc_set(&s2, &mc, av_s2_split_pages_max(&s2));
	assert_int_equal(av_s2_split_pages_max(&s2), 4);
	tl = E.tlbi_ipa;
	assert_int_equal(av_s2_unmap(&s2, GIB(1) + MIB(3), KIB(4), &mc, &done), 0);
	assert_int_equal(done, GIB(1) + MIB(3) + KIB(4));
	assert_int_equal(s2.pages, 4);
	assert_int_equal(E.tlbi_ipa - tl, 3); /* 1G block, 2M block, the page */
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(3), &l), -AV_ENOENT);
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(3) + KIB(4), &l), 0);
	assert_int_equal(l.level, 3);
	assert_int_equal(l.pa, GIB(1) + MIB(3) + KIB(4));
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(5), &l), 0);
	assert_int_equal(l.level, 2);
	assert_int_equal(l.pa, GIB(1) + MIB(5));
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(3) - 1, &l), 0);
	assert_int_equal(l.pa, GIB(1) + MIB(3) - 1);
	check_clean(&s2);

	/* Protect one page of a 2 MiB block: split, the rest keeps RW. */
	mc_set(&s2, &mc, av_s2_split_pages_max(&s2));
	assert_int_equal(av_s2_protect(&s2, GIB(1) + MIB(8), KIB(4), AV_S2_R, &mc, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(8), &l), 0);
	assert_int_equal(l.prot, AV_S2_R);
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(8) + KIB(4), &l), 0);
	assert_int_equal(l.prot, AV_S2_RW);
	assert_int_equal(s2.pages, 5);
	/* Protect with the same permissions does not split. */
	assert_int_equal(av_s2_protect(&s2, GIB(1) + MIB(12), KIB(4), AV_S2_RW, NULL, NULL), 0);
	assert_int_equal(s2.pages, 5);
	/* Protect needing a split without a memcache: ENOMEM, nothing done. */
	assert_int_equal(av_s2_protect(&s2, GIB(1) + MIB(12), KIB(4), AV_S2_R, NULL, &done),
			 -AV_ENOMEM);
	assert_int_equal(done, GIB(1) + MIB(12));
	assert_int_equal(av_s2_translate(&s2, GIB(1) + MIB(12), &l), 0);
	assert_int_equal(l.prot, AV_S2_RW);
	check_clean(&s2);

	/* Unmap everything: every table below the root is freed again. */
	tl = E.tlbi_table;
	assert_int_equal(av_s2_unmap(&s2, GIB(1), GIB(1), &mc, NULL), 0);
	assert_int_equal(s2.pages, 2);
	assert_int_equal(E.tlbi_table - tl, 3); /* level-1 table and two level-3 tables */
	check_clean(&s2);

	/* Errors. */
	mc_set(&s2, &mc, 8);
	assert_int_equal(av_s2_map(&s2, 0x1000, 0x1000, 0x1000, AV_S2_RW, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_map(&s2, 0x1800, 0x1000, 0x1000, AV_S2_RW, 0, &mc, NULL), -AV_EINVAL);
	assert_int_equal(av_s2_map(&s2, 0x2000, 0x800, 0x1000, AV_S2_RW, 0, &mc, NULL), -AV_EINVAL);
	assert_int_equal(av_s2_map(&s2, 0x2000, 0x1000, 0x1800, AV_S2_RW, 0, &mc, NULL), -AV_EINVAL);
	assert_int_equal(av_s2_map(&s2, 0x2000, 0, 0x1000, AV_S2_RW, 0, &mc, NULL), -AV_EINVAL);
	assert_int_equal(av_s2_map(&s2, 0x2000, 0x1000, 0x1000, AV_BIT(30), 0, &mc, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_s2_map(&s2, 0x2000, 0x1000, 0x1000, AV_S2_RW, AV_BIT(9), &mc, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_s2_map(&s2, GIB(1024) - 0x1000, 0x2000, 0, AV_S2_RW, 0, &mc, NULL),
			 -AV_ERANGE);
	assert_int_equal(av_s2_map(&s2, GIB(1024), 0x1000, 0, AV_S2_RW, 0, &mc, NULL), -AV_ERANGE);
	assert_int_equal(av_s2_map(&s2, 0x2000, 0x1000, GIB(1024), AV_S2_RW, 0, &mc, NULL),
			 -AV_ERANGE);
	assert_int_equal(av_s2_map(&s2, UINT64_MAX - 0xfff, 0x1000, 0, AV_S2_RW, 0, &mc, NULL),
			 -AV_ERANGE);
	assert_int_equal(av_s2_unmap(&s2, 0x1000, 0x1001, &mc, NULL), -AV_EINVAL);
	assert_int_equal(av_s2_unmap(&s2, GIB(1023), GIB(2), &mc, NULL), -AV_ERANGE);
	assert_int_equal(av_s2_protect(&s2, 0x1000, 0x1000, AV_S2_DEVICE, &mc, NULL), -AV_EINVAL);
	assert_int_equal(av_s2_translate(&s2, GIB(1024), &l), -AV_ERANGE);
	/* Overlap without REPLACE: EEXIST and nothing changed. */
	{
		long a = E.allocs;

		assert_int_equal(av_s2_map(&s2, 0, MIB(4), MIB(4), AV_S2_R, 0, &mc, &done),
				 -AV_EEXIST);
		assert_int_equal(done, 0);
		assert_int_equal(av_s2_translate(&s2, 0x1000, &l), 0);
		assert_int_equal(l.pa, 0x1000);
		assert_int_equal(l.prot, AV_S2_RW);
		assert_int_equal(av_s2_translate(&s2, 0x0, &l), -AV_ENOENT);
		assert_int_equal(E.allocs, a);
	}
	/* With REPLACE it is remapped. */
	assert_int_equal(av_s2_map(&s2, 0, MIB(4), MIB(4), AV_S2_R, AV_S2_MAP_REPLACE, &mc, &done), 0);
	assert_int_equal(av_s2_translate(&s2, 0x1000, &l), 0);
	assert_int_equal(l.pa, MIB(4) + 0x1000);
	assert_int_equal(l.prot, AV_S2_R);
	check_clean(&s2);
	/* Memcache exhausted: ENOMEM, done says how far, the checker stays clean. */
	mc_set(&s2, &mc, 1);
	assert_int_equal(av_s2_map(&s2, GIB(10) + MIB(2) - KIB(8), KIB(16), 0, AV_S2_RW,
				   AV_S2_MAP_NO_BLOCKS, &mc, &done), -AV_ENOMEM);
	/* One level-2 table... but the level-3 table was missing: nothing mapped, pruned. */
	assert_int_equal(done, GIB(10) + MIB(2) - KIB(8));
	assert_int_equal(av_s2_translate(&s2, done, &l), -AV_ENOENT);
	check_clean(&s2);
	mc_set(&s2, &mc, 2);
	assert_int_equal(av_s2_map(&s2, GIB(10) + MIB(2) - KIB(8), KIB(16), 0, AV_S2_RW,
				   AV_S2_MAP_NO_BLOCKS, &mc, &done), -AV_ENOMEM);
	assert_int_equal(done, GIB(10) + MIB(2));
	assert_int_equal(av_s2_translate(&s2, GIB(10) + MIB(2) - KIB(4), &l), 0);
	assert_int_equal(l.pa, KIB(4));
	assert_int_equal(av_s2_translate(&s2, GIB(10) + MIB(2), &l), -AV_ENOENT);
	check_clean(&s2);

	/* REPLACE over a whole 1 GiB block that needs level-3 tables, memcache short: the
	 * part not reached keeps the old mapping. */
	mc_set(&s2, &mc, 0);
	assert_int_equal(av_s2_map(&s2, GIB(20), GIB(1), GIB(1), AV_S2_RW, 0, &mc, NULL), 0);
	mc_set(&s2, &mc, 4);
	assert_int_equal(av_s2_map(&s2, GIB(20), GIB(1), MIB(512), AV_S2_R,
				   AV_S2_MAP_REPLACE | AV_S2_MAP_NO_BLOCKS, &mc, &done), -AV_ENOMEM);
	assert_int_equal(done, GIB(20) + MIB(6));
	assert_int_equal(av_s2_translate(&s2, GIB(20) + MIB(6) - KIB(4), &l), 0);
	assert_int_equal(l.pa, MIB(512) + MIB(6) - KIB(4));
	assert_int_equal(l.prot, AV_S2_R);
	for (uint64_t a = GIB(20) + MIB(6); a < GIB(21); a += MIB(2) + KIB(4)) {
		assert_int_equal(av_s2_translate(&s2, a, &l), 0);
		assert_int_equal(l.pa, GIB(1) + (a - GIB(20)));
		assert_int_equal(l.prot, AV_S2_RW);
	}
	check_clean(&s2);

	E.s2 = NULL;
	av_s2_destroy(&s2);
	assert_int_equal(s2.pages, 0);
	assert_int_equal(E.tlbi_vmid, 1);
	av_s2_memcache_drain(&s2, &mc);
	env_teardown();
}

/* ---------------------------------------------------------------------------------- */
/* The checker finds what it should.                                                   */

struct problems {
	int n;
	enum av_s2_problem_kind kinds[16];
};

static void report_collect(void *cookie, const struct av_s2_problem *p)
{
	struct problems *pr = cookie;

	if (pr->n < 16)
		pr->kinds[pr->n] = p->kind;
	pr->n++;
}

static void expect_problem(struct av_s2 *s2, const struct av_s2_pa_range *owned, size_t n,
			   enum av_s2_problem_kind kind)
{
	struct problems pr = { 0 };

	assert_int_equal(av_s2_check(s2, owned, n, report_collect, &pr), 1);
	assert_int_equal(pr.n, 1);
	assert_int_equal(pr.kinds[0], kind);
}

static void test_checker(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 32, 32); /* level 1, 4 of 512 used */
	static const struct av_s2_pa_range small[] = { { 0, MIB(64) }, { MIB(64), MIB(64) } };
	struct av_memcache mc;
	struct av_s2 s2;
	struct av_s2_leaf l;
	uint64_t *pte, save;

	(void)state;
	env_setup(KIB(4));
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	mc_set(&s2, &mc, 8);
	assert_int_equal(av_s2_map(&s2, 0, MIB(2), MIB(2), AV_S2_RW, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_map(&s2, MIB(4), KIB(4), MIB(100), AV_S2_RW, 0, &mc, NULL), 0);
	check_clean(&s2);
	/* Isolation: union of two adjacent ranges covers everything... */
	assert_int_equal(av_s2_check(&s2, small, 2, report_fail, NULL), 0);
	/* ...one of them does not. */
	expect_problem(&s2, small, 1, AV_S2_PROB_ISOLATION);

	/* Find the level-3 page descriptor for IPA 4 MiB. */
	assert_int_equal(av_s2_translate(&s2, MIB(4), &l), 0);
	{
		uint64_t *l2 = fake_p2v(NULL, s2.root[0] & (UINT64_C(0xfffffffff) << 12));
		uint64_t *l3 = fake_p2v(NULL, l2[2] & (UINT64_C(0xfffffffff) << 12));

		pte = &l3[0];
		assert_int_equal(*pte, l.desc);
	}
	save = *pte;
	*pte = save & ~(UINT64_C(1) << 10);
	expect_problem(&s2, NULL, 0, AV_S2_PROB_AF);
	*pte = save & ~(UINT64_C(1) << 1);
	expect_problem(&s2, NULL, 0, AV_S2_PROB_TYPE);
	*pte = save | (UINT64_C(1) << 51);
	expect_problem(&s2, NULL, 0, AV_S2_PROB_RES0);
	*pte = (save & ~(UINT64_C(0xfffffffff) << 12)) | GIB(4);
	expect_problem(&s2, NULL, 0, AV_S2_PROB_PA_RANGE);
	*pte = (save & ~(UINT64_C(0xf) << 2)) | (UINT64_C(0x4) << 2);
	expect_problem(&s2, NULL, 0, AV_S2_PROB_ATTR);
	*pte = save;
	/* A misaligned 2 MiB block at level 2. */
	{
		uint64_t *l2 = fake_p2v(NULL, s2.root[0] & (UINT64_C(0xfffffffff) << 12));

		save = l2[0];
		l2[0] = save | KIB(4);
		expect_problem(&s2, NULL, 0, AV_S2_PROB_ALIGN);
		l2[0] = save;
	}
	/* A valid root entry beyond the 4 GiB IPA space. */
	s2.root[4] = s2.root[0];
	{
		struct problems pr = { 0 };

		assert_int_equal(av_s2_check(&s2, NULL, 0, report_collect, &pr), 1);
		assert_int_equal(pr.kinds[0], AV_S2_PROB_BEYOND_IPA);
	}
	s2.root[4] = 0;
	/* A table descriptor with unused bits, or pointing beyond the PA size (not followed). */
	save = s2.root[0];
	s2.root[0] = save | (UINT64_C(1) << 60);
	{
		struct problems pr = { 0 };

		/* Not followed: its page is not counted either. */
		assert_int_equal(av_s2_check(&s2, NULL, 0, report_collect, &pr), 2);
		assert_int_equal(pr.kinds[0], AV_S2_PROB_RES0);
		assert_int_equal(pr.kinds[1], AV_S2_PROB_PAGE_COUNT);
	}
	s2.root[0] = 3 | GIB(8);
	{
		struct problems pr = { 0 };

		assert_int_equal(av_s2_check(&s2, NULL, 0, report_collect, &pr), 2);
		assert_int_equal(pr.kinds[0], AV_S2_PROB_PA_RANGE);
	}
	s2.root[0] = save;
	/* A table page inside the VM's own memory. */
	{
		static const struct av_s2_pa_range all[] = { { 0, GIB(4) } };
		struct problems pr = { 0 };

		assert_true(av_s2_check(&s2, all, 1, report_collect, &pr) >= 3);
		assert_int_equal(pr.kinds[0], AV_S2_PROB_TABLE_IN_VM);
	}
	/* Page accounting. */
	s2.pages++;
	expect_problem(&s2, NULL, 0, AV_S2_PROB_PAGE_COUNT);
	s2.pages--;
	check_clean(&s2);
	av_s2_destroy(&s2);
	av_s2_memcache_drain(&s2, &mc);
	env_teardown();
}

static void test_checker_block_level(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_16K, 42, 42); /* level 1 start, no L1 blocks */
	struct av_s2 s2;

	(void)state;
	env_setup(KIB(16));
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	assert_int_equal(s2.geom.start_level, 1);
	s2.root[1] = 1 | (UINT64_C(1) << 10) | (UINT64_C(0xf) << 2) | (UINT64_C(3) << 8) |
		     GIB(64);
	expect_problem(&s2, NULL, 0, AV_S2_PROB_BLOCK_LEVEL);
	s2.root[1] = 0;
	check_clean(&s2);
	av_s2_destroy(&s2);
	env_teardown();
}

/* ---------------------------------------------------------------------------------- */
/* The walker.                                                                         */

struct walk_count {
	int leaf, pre, post;
	int stop_after;
};

static int count_visit(const struct av_s2_visit *v)
{
	struct walk_count *wc = v->arg;

	assert_true(v->addr < v->end);
	assert_int_equal(*v->ptep, v->old);
	switch (v->visit) {
	case AV_S2_WALK_LEAF: wc->leaf++; break;
	case AV_S2_WALK_TABLE_PRE: wc->pre++; break;
	case AV_S2_WALK_TABLE_POST: wc->post++; break;
	default: fail();
	}
	if (wc->stop_after && wc->leaf + wc->pre + wc->post >= wc->stop_after)
		return -AV_EBUSY;
	return 0;
}

static int skip_visit(const struct av_s2_visit *v)
{
	struct walk_count *wc = v->arg;

	if (v->visit == AV_S2_WALK_LEAF)
		wc->leaf++;
	return v->visit == AV_S2_WALK_TABLE_PRE ? AV_S2_WALK_SKIP : 0;
}

static void test_walker(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 32, 32);
	struct av_memcache mc;
	struct av_s2 s2;
	struct walk_count wc = { 0 };
	struct av_s2_walker w = { .cb = count_visit, .arg = &wc,
				  .flags = AV_S2_WALK_LEAF | AV_S2_WALK_TABLE_PRE |
					   AV_S2_WALK_TABLE_POST };

	(void)state;
	env_setup(KIB(4));
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	mc_set(&s2, &mc, 8);
	/* Pages 0..3, a 2 MiB block at 2 MiB. */
	assert_int_equal(av_s2_map(&s2, 0, KIB(16), 0, AV_S2_RW, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_map(&s2, MIB(2), MIB(2), MIB(2), AV_S2_RW, 0, &mc, NULL), 0);
	/* [0, 4 MiB): root entry 0 is a table (pre+post); in it, entry 0 a table (pre+post)
	 * with 512 leaves, entry 1 a block leaf. */
	assert_int_equal(av_s2_walk(&s2, 0, MIB(4), &w), 0);
	assert_int_equal(wc.pre, 2);
	assert_int_equal(wc.post, 2);
	assert_int_equal(wc.leaf, 512 + 1);
	/* Unaligned range rounds out to pages. */
	memset(&wc, 0, sizeof(wc));
	w.flags = AV_S2_WALK_LEAF;
	assert_int_equal(av_s2_walk(&s2, 0x1800, 0x1000, &w), 0);
	assert_int_equal(wc.leaf, 2);
	/* Early termination returns the visitor's value. */
	memset(&wc, 0, sizeof(wc));
	wc.stop_after = 5;
	assert_int_equal(av_s2_walk(&s2, 0, MIB(4), &w), -AV_EBUSY);
	assert_int_equal(wc.leaf, 5);
	/* SKIP from a pre visit: no leaves below the tables. */
	memset(&wc, 0, sizeof(wc));
	w.cb = skip_visit;
	w.flags = AV_S2_WALK_LEAF | AV_S2_WALK_TABLE_PRE;
	assert_int_equal(av_s2_walk(&s2, 0, GIB(4), &w), 0);
	assert_int_equal(wc.leaf, 3); /* root entries 1..3 */
	assert_int_equal(av_s2_walk(&s2, 0, GIB(4) + 1, &w), -AV_ERANGE);
	assert_int_equal(av_s2_walk(&s2, 0, 0, &w), 0);
	av_s2_destroy(&s2);
	av_s2_memcache_drain(&s2, &mc);
	env_teardown();
}

/* ---------------------------------------------------------------------------------- */
/* Random operations against a reference model.                                        */

#define M_MAPPED AV_BIT(31)

struct model {
	struct av_s2 *s2;
	uint64_t win;      /* IPA of the window */
	uint64_t npages;   /* pages in the window */
	uint64_t g;        /* page size */
	uint64_t *pa;      /* per page */
	uint32_t *prot;    /* per page: prot | M_MAPPED */
	uint64_t blk_small, blk_big; /* block sizes in pages */
	long ops, eexist, enomem;
};

static bool model_any_mapped(const struct model *m, uint64_t first, uint64_t n)
{
	for (uint64_t i = first; i < first + n; i++)
		if (m->prot[i] & M_MAPPED)
			return true;
	return false;
}

/* Compare every page of the window with the table, one translate per leaf. */
static void model_compare(const struct model *m)
{
	uint64_t i = 0;

	while (i < m->npages) {
		uint64_t ipa = m->win + i * m->g;
		struct av_s2_leaf l;
		int r = av_s2_translate(m->s2, ipa, &l);

		if (r == -AV_ENOENT) {
			if (m->prot[i] & M_MAPPED)
				fail_msg("IPA 0x%llx: unmapped, model has it", (unsigned long long)ipa);
			i++;
			continue;
		}
		assert_int_equal(r, 0);
		{
			uint64_t lbase = ipa & ~(l.size - 1);
			uint64_t pbase = l.pa - (ipa - lbase);
			uint64_t last = (lbase + l.size - m->win) / m->g;

			assert_true(lbase >= m->win);
			if (last > m->npages)
				last = m->npages;
			for (; i < last; i++) {
				uint64_t a = m->win + i * m->g;

				if (!(m->prot[i] & M_MAPPED) || m->pa[i] != pbase + (a - lbase) ||
				    (m->prot[i] & ~M_MAPPED) != l.prot)
					fail_msg("IPA 0x%llx: table pa 0x%llx prot 0x%x level %u, model "
						 "pa 0x%llx prot 0x%x", (unsigned long long)a,
						 (unsigned long long)(pbase + (a - lbase)), l.prot,
						 l.level, (unsigned long long)m->pa[i], m->prot[i]);
			}
		}
	}
	/* Just outside the window nothing is mapped. */
	if (m->win) {
		struct av_s2_leaf l;

		assert_int_equal(av_s2_translate(m->s2, m->win - 1, &l), -AV_ENOENT);
	}
}

static uint32_t random_prot(void)
{
	uint32_t p = (uint32_t)rnd_below(8); /* R W X */

	p |= (uint32_t)AV_FIELD_PREP(AV_S2_MT, rnd_below(4));
	p |= (uint32_t)AV_FIELD_PREP(AV_S2_SW, rnd_below(8));
	return p;
}

static void random_range(const struct model *m, uint64_t *first, uint64_t *n)
{
	uint64_t np = m->npages, s, len;
	unsigned kind = (unsigned)rnd_below(20);

	if (kind < 8) {
		s = rnd_below(np);
		len = 1 + rnd_below(16);
	} else if (kind < 13) {
		uint64_t b = m->blk_small;

		s = rnd_below(np / b) * b + (rnd() & 1 ? 0 : rnd_below(b));
		len = b * (1 + rnd_below(3)) + (rnd() & 1 ? 0 : rnd_below(b));
	} else if (kind < 18) {
		s = rnd_below(np);
		len = 1 + rnd_below(np / 16);
	} else if (kind < 19) {
		uint64_t b = m->blk_big < np ? m->blk_big : np;

		s = rnd_below(np / b) * b;
		len = b;
	} else if (rnd() & 1) {
		s = 0;
		len = np;
	} else {
		s = rnd_below(np);
		len = 1 + rnd_below(64);
	}
	if (len > np - s)
		len = np - s;
	*first = s;
	*n = len;
}

static void model_op(struct model *m, struct av_memcache *mc)
{
	struct av_s2 *s2 = m->s2;
	uint64_t first, n, ipa, size, done;
	unsigned kind = (unsigned)rnd_below(10);
	bool short_mc = rnd_below(10) == 0;
	int r;

	random_range(m, &first, &n);
	ipa = m->win + first * m->g;
	size = n * m->g;
	m->ops++;
	if (kind < 5) {
		/* map */
		uint64_t win_bytes = m->npages * m->g;
		uint64_t pa = (ipa - m->win) + (rnd() & 1 ? win_bytes / 2 : 0);
		unsigned flags = 0;
		uint32_t prot = random_prot();
		size_t need;
		bool overlap = model_any_mapped(m, first, n);

		if (rnd_below(3) == 0)
			pa += rnd_below(win_bytes / m->g / 2) * m->g; /* usually defeats blocks */
		if (rnd_below(4) == 0)
			flags |= AV_S2_MAP_NO_BLOCKS;
		if (rnd() & 1)
			flags |= AV_S2_MAP_REPLACE;
		need = av_s2_map_pages_max(s2, ipa, size, pa, flags);
		mc_set(s2, mc, short_mc ? rnd_below(need + 1) : need);
		r = av_s2_map(s2, ipa, size, pa, prot, flags, mc, &done);
		if (overlap && !(flags & AV_S2_MAP_REPLACE)) {
			assert_int_equal(r, -AV_EEXIST);
			assert_int_equal(done, ipa);
			m->eexist++;
			return;
		}
		if (r == -AV_ENOMEM) {
			assert_true(short_mc);
			m->enomem++;
		} else {
			assert_int_equal(r, 0);
			assert_int_equal(done, ipa + size);
		}
		assert_true(done >= ipa && done <= ipa + size && !(done & (m->g - 1)));
		for (uint64_t i = first; i < first + (done - ipa) / m->g; i++) {
			m->pa[i] = pa + (i - first) * m->g;
			m->prot[i] = prot | M_MAPPED;
		}
	} else if (kind < 8) {
		/* unmap */
		size_t need = av_s2_split_pages_max(s2);

		mc_set(s2, mc, short_mc ? rnd_below(need) : need);
		r = av_s2_unmap(s2, ipa, size, mc, &done);
		if (r == -AV_ENOMEM) {
			assert_true(short_mc);
			m->enomem++;
		} else {
			assert_int_equal(r, 0);
		}
		assert_true(done >= ipa && done <= ipa + size && !(done & (m->g - 1)));
		for (uint64_t i = first; i < first + (done - ipa) / m->g; i++)
			m->prot[i] = 0;
	} else {
		/* protect */
		uint32_t perm = (uint32_t)rnd_below(8);
		size_t need = av_s2_split_pages_max(s2);

		mc_set(s2, mc, short_mc ? rnd_below(need) : need);
		r = av_s2_protect(s2, ipa, size, perm, mc, &done);
		if (r == -AV_ENOMEM) {
			assert_true(short_mc);
			m->enomem++;
		} else {
			assert_int_equal(r, 0);
		}
		assert_true(done >= ipa && done <= ipa + size && !(done & (m->g - 1)));
		for (uint64_t i = first; i < first + (done - ipa) / m->g; i++)
			if (m->prot[i] & M_MAPPED)
				m->prot[i] = (m->prot[i] & ~(uint32_t)AV_S2_RWX) | perm;
	}
}

struct random_case {
	enum av_s2_granule g;
	unsigned ipa, pa;
	uint64_t window;  /* bytes, at the top of the IPA space */
	uint64_t seed;
};

#define RANDOM_BATCHES 10
#define RANDOM_OPS_PER_BATCH 150

static void run_random(const struct random_case *rc)
{
	struct av_s2_cfg c = make_cfg(rc->g, rc->ipa, rc->pa);
	struct av_memcache mc;
	struct av_s2 s2;
	struct model m = { 0 };
	uint64_t g = UINT64_C(1) << rc->g;

	env_setup((size_t)g);
	rng_state = rc->seed;
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	E.s2 = &s2;
	E.bbm_every = 61; /* under ASan a translate per TLBI dominates; sample the leaves */
	m.s2 = &s2;
	m.g = g;
	m.win = (UINT64_C(1) << rc->ipa) - rc->window;
	m.npages = rc->window / g;
	m.blk_small = (rc->g == AV_S2_GRANULE_4K ? MIB(2) : av_s2_level_size(&s2, 2)) / g;
	m.blk_big = (rc->g == AV_S2_GRANULE_4K ? GIB(1) : av_s2_level_size(&s2, 2)) / g;
	m.pa = calloc(m.npages, sizeof(*m.pa));
	m.prot = calloc(m.npages, sizeof(*m.prot));
	assert_non_null(m.pa);
	assert_non_null(m.prot);

	for (int b = 0; b < RANDOM_BATCHES; b++) {
		for (int i = 0; i < RANDOM_OPS_PER_BATCH; i++)
			model_op(&m, &mc);
		model_compare(&m);
		check_clean(&s2);
	}
	/* Unmapping everything returns every table page below the root. */
	mc_set(&s2, &mc, av_s2_split_pages_max(&s2));
	assert_int_equal(av_s2_unmap(&s2, m.win, rc->window, &mc, NULL), 0);
	memset(m.prot, 0, m.npages * sizeof(*m.prot));
	model_compare(&m);
	check_clean(&s2);
	assert_int_equal(s2.pages, s2.geom.root_tables);

	/* Map again so destroy has something to free. */
	mc_set(&s2, &mc, av_s2_map_pages_max(&s2, m.win, rc->window, 0, AV_S2_MAP_NO_BLOCKS));
	assert_int_equal(av_s2_map(&s2, m.win, rc->window, 0, AV_S2_RW, AV_S2_MAP_NO_BLOCKS, &mc,
				   NULL), 0);
	assert_true(s2.pages > s2.geom.root_tables);
	E.s2 = NULL;
	av_s2_destroy(&s2);
	assert_int_equal(s2.pages, 0);
	av_s2_memcache_drain(&s2, &mc);
	free(m.pa);
	free(m.prot);
	print_message("  %u-bit IPA, %2u KiB granule, level %u x%u: %ld ops (%ld EEXIST, "
		      "%ld ENOMEM), %ld leaf + %ld table TLBIs, %ld BBM-checked\n", rc->ipa,
		      (unsigned)(g >> 10), s2.geom.start_level, s2.geom.root_tables, m.ops,
		      m.eexist, m.enomem, E.tlbi_ipa, E.tlbi_table, E.bbm_checked);
	env_teardown();
}

static const struct random_case random_cases[] = {
	{ AV_S2_GRANULE_4K, 32, 32, GIB(1), 0x9e3779b97f4a7c15ULL },
	{ AV_S2_GRANULE_4K, 40, 40, GIB(1), 0xd1b54a32d192ed03ULL },
	{ AV_S2_GRANULE_4K, 48, 48, GIB(1), 0x8cb92ba72f3d8dd7ULL },
	{ AV_S2_GRANULE_16K, 36, 36, MIB(512), 0x2545f4914f6cdd1dULL },
	{ AV_S2_GRANULE_16K, 40, 40, MIB(512), 0x853c49e6748fea9bULL },
	{ AV_S2_GRANULE_16K, 47, 48, MIB(512), 0xda3e39cb94b95bdbULL },
	{ AV_S2_GRANULE_64K, 32, 32, GIB(1), 0x5851f42d4c957f2dULL },
	{ AV_S2_GRANULE_64K, 42, 42, GIB(1), 0x14057b7ef767814fULL },
	{ AV_S2_GRANULE_64K, 48, 48, GIB(1), 0xbf58476d1ce4e5b9ULL },
};

static void test_random_4k(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		run_random(&random_cases[i]);
}

static void test_random_16k(void **state)
{
	(void)state;
	for (int i = 3; i < 6; i++)
		run_random(&random_cases[i]);
}

static void test_random_64k(void **state)
{
	(void)state;
	for (int i = 6; i < 9; i++)
		run_random(&random_cases[i]);
}

/* ---------------------------------------------------------------------------------- */
/* Dirty logging.                                                                      */

static void test_dirty_log(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_4K, 36, 36);
	struct av_memcache mc;
	struct av_s2 s2;
	struct av_s2_leaf l;
	uint64_t bm[16], base = GIB(2), done;
	size_t pages_before;

	(void)state;
	env_setup(KIB(4));
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops, &E, NULL), 0);
	E.s2 = &s2;
	mc_set(&s2, &mc, 8);
	/* 4 MiB RW as two blocks, plus one read-only page just after. */
	assert_int_equal(av_s2_map(&s2, base, MIB(4), GIB(1), AV_S2_RW, 0, &mc, NULL), 0);
	assert_int_equal(av_s2_map(&s2, base + MIB(4), KIB(4), 0x5000, AV_S2_R, 0, &mc, NULL), 0);
	pages_before = s2.pages;

	/* Start needs tables for every 2 MiB block. */
	mc_set(&s2, &mc, 0);
	assert_int_equal(av_s2_dirty_log_start(&s2, base, MIB(4) + KIB(4), &mc, &done),
			 -AV_ENOMEM);
	assert_int_equal(done, base);
	mc_set(&s2, &mc, av_s2_map_pages_max(&s2, base, MIB(4) + KIB(4), 0, AV_S2_MAP_NO_BLOCKS));
	assert_int_equal(av_s2_dirty_log_start(&s2, base, MIB(4) + KIB(4), &mc, &done), 0);
	assert_int_equal(done, base + MIB(4) + KIB(4));
	assert_int_equal(s2.pages, pages_before + 2);
	for (uint64_t a = base; a < base + MIB(4); a += KIB(4)) {
		assert_int_equal(av_s2_translate(&s2, a, &l), 0);
		assert_int_equal(l.level, 3);
		assert_int_equal(l.prot, AV_S2_R);
		assert_int_equal(l.pa, GIB(1) + (a - base));
	}
	check_clean(&s2);

	/* Faults: a logged page becomes dirty and writable once. */
	assert_int_equal(av_s2_dirty_fault(&s2, base + 5 * KIB(4) + 0x123), 1);
	assert_int_equal(av_s2_dirty_fault(&s2, base + 5 * KIB(4)), 0);
	assert_int_equal(av_s2_translate(&s2, base + 5 * KIB(4), &l), 0);
	assert_int_equal(l.prot, AV_S2_RW);
	assert_int_equal(av_s2_dirty_fault(&s2, base + MIB(2) + KIB(4)), 1);
	assert_int_equal(av_s2_dirty_fault(&s2, base + MIB(4)), 0);     /* read-only page */
	assert_int_equal(av_s2_dirty_fault(&s2, base + MIB(8)), 0);     /* unmapped */
	assert_int_equal(av_s2_dirty_fault(&s2, GIB(64)), -AV_ERANGE);

	/* Read and clear: bits for the two pages, which are write-protected again. */
	assert_int_equal(av_s2_dirty_read_clear(&s2, base, MIB(4), bm, 1), -AV_ENOSPC);
	memset(bm, 0xff, sizeof(bm));
	assert_int_equal(av_s2_dirty_read_clear(&s2, base, MIB(4), bm, 16), 0);
	assert_int_equal(bm[0], AV_BIT(5));
	for (int i = 1; i < 16; i++)
		assert_int_equal(bm[i], i == 8 ? AV_BIT(1) : 0);
	assert_int_equal(av_s2_translate(&s2, base + 5 * KIB(4), &l), 0);
	assert_int_equal(l.prot, AV_S2_R);
	assert_int_equal(av_s2_dirty_read_clear(&s2, base, MIB(4), bm, 16), 0);
	for (int i = 0; i < 16; i++)
		assert_int_equal(bm[i], 0);
	/* Protect keeps logging for pages that stay writable. */
	assert_int_equal(av_s2_protect(&s2, base, KIB(8), AV_S2_RWX, NULL, NULL), 0);
	assert_int_equal(av_s2_translate(&s2, base, &l), 0);
	assert_int_equal(l.prot, AV_S2_R | AV_S2_X);
	assert_int_equal(av_s2_dirty_fault(&s2, base), 1);
	/* ...and drops it for pages that do not. */
	assert_int_equal(av_s2_protect(&s2, base + KIB(4), KIB(4), AV_S2_R, NULL, NULL), 0);
	assert_int_equal(av_s2_dirty_fault(&s2, base + KIB(4)), 0);
	check_clean(&s2);

	/* Stop: write permission comes back, tags go. */
	assert_int_equal(av_s2_dirty_log_stop(&s2, base, MIB(4) + KIB(4)), 0);
	assert_int_equal(av_s2_translate(&s2, base + 7 * KIB(4), &l), 0);
	assert_int_equal(l.prot, AV_S2_RW);
	assert_int_equal(l.desc & AV_S2_DESC_SW_LOG, 0);
	assert_int_equal(av_s2_translate(&s2, base + KIB(4), &l), 0);
	assert_int_equal(l.prot, AV_S2_R);
	assert_int_equal(av_s2_translate(&s2, base + MIB(4), &l), 0);
	assert_int_equal(l.prot, AV_S2_R);
	assert_int_equal(av_s2_dirty_fault(&s2, base + 7 * KIB(4)), 0);
	check_clean(&s2);

	E.s2 = NULL;
	av_s2_destroy(&s2);
	av_s2_memcache_drain(&s2, &mc);
	env_teardown();
}

/* Non-cacheable walks: every written descriptor is cleaned. */
static void test_clean_poc(void **state)
{
	struct av_s2_cfg c = make_cfg(AV_S2_GRANULE_64K, 40, 40);
	struct av_memcache mc;
	struct av_s2 s2;

	(void)state;
	c.walk = AV_S2_WALK_NC;
	env_setup(KIB(64));
	av_memcache_init(&mc, mc_array, MC_CAP);
	assert_int_equal(av_s2_init(&s2, &c, &fake_ops_nc, &E, NULL), 0);
	E.s2 = &s2;
	mc_set(&s2, &mc, 4);
	E.cleans = 0;
	assert_int_equal(av_s2_map(&s2, 0, KIB(256), MIB(1), AV_S2_RW, 0, &mc, NULL), 0);
	/* One new table (its page and the descriptor linking it) + 4 descriptors. */
	assert_int_equal(E.cleans, 2 + 4);
	check_clean(&s2);
	E.s2 = NULL;
	av_s2_destroy(&s2);
	av_s2_memcache_drain(&s2, &mc);
	env_teardown();
}

/* ---------------------------------------------------------------------------------- */
/* VMIDs.                                                                              */

static int flushes;

static void vmid_flush(void *cookie)
{
	assert_ptr_equal(cookie, &flushes);
	flushes++;
}

static void test_vmid(void **state)
{
	static struct av_vmid_alloc a;
	struct av_vmid_cpu cpus[2];
	struct av_vmid vms[300];
	bool seen[256];
	struct av_error e;

	(void)state;
	memset(vms, 0, sizeof(vms));
	assert_int_equal(av_vmid_alloc_init(&a, 12, cpus, 2, vmid_flush, &flushes, &e), -AV_EINVAL);
	assert_string_equal(e.field, "bits");
	assert_string_equal(e.msg, "12 (8 or 16)");
	assert_int_equal(av_vmid_alloc_init(&a, 8, cpus, 2, NULL, NULL, &e), -AV_EINVAL);
	assert_string_equal(e.field, "flush");
	assert_int_equal(av_vmid_alloc_init(&a, 8, cpus, 0, vmid_flush, &flushes, &e), -AV_EINVAL);
	assert_string_equal(e.field, "ncpus");
	assert_int_equal(av_vmid_alloc_init(&a, 8, cpus, 255, vmid_flush, &flushes, &e), -AV_EINVAL);
	assert_string_equal(e.field, "ncpus");
	assert_string_equal(e.msg, "255 CPUs need more than the 8-bit VMIDs (at most 254)");
	assert_int_equal(av_vmid_alloc_init(&a, 8, cpus, 2, vmid_flush, &flushes, &e), 0);
	assert_string_equal(e.field, "");
	flushes = 0;

	/* 255 VMIDs (1..255) in the first generation, all distinct, none 0. */
	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < 255; i++) {
		assert_int_equal(av_vmid_get(&a, &vms[i], (unsigned)i & 1), 1);
		assert_true(vms[i].vmid >= 1 && vms[i].vmid <= 255);
		assert_false(seen[vms[i].vmid]);
		seen[vms[i].vmid] = true;
		assert_int_equal(vms[i].generation, 1);
	}
	assert_int_equal(flushes, 0);
	/* Re-entering a VM of the current generation changes nothing. */
	assert_int_equal(av_vmid_get(&a, &vms[10], 0), 0);
	assert_int_equal(av_vmid_get(&a, &vms[11], 1), 0);
	/* CPU 0 now runs vms[10], CPU 1 vms[11]. A new VM forces a rollover. */
	assert_int_equal(av_vmid_get(&a, &vms[255], 0), 1);
	assert_int_equal(flushes, 1);
	assert_int_equal(vms[255].generation, 2);
	/* vms[11] still runs on CPU 1 with its VMID: it keeps it in the new generation. */
	{
		uint32_t old = vms[11].vmid;

		assert_int_equal(av_vmid_get(&a, &vms[11], 1), 0);
		assert_int_equal(vms[11].vmid, old);
		assert_int_equal(vms[11].generation, 2);
		assert_true(vms[255].vmid != old);
	}
	/* vms[10] was reserved for CPU 0 too (CPU 0 had not entered anything since). */
	assert_int_equal(av_vmid_get(&a, &vms[12], 1), 1);
	assert_int_equal(vms[12].generation, 2);
	/* Every VM of generation 2 has a distinct VMID, and nobody got the reserved ones. */
	memset(seen, 0, sizeof(seen));
	seen[vms[11].vmid] = true;
	seen[vms[255].vmid] = true;
	seen[vms[12].vmid] = true;
	seen[vms[10].vmid] = true; /* still reserved for vms[10] */
	for (int i = 13; i < 200; i++) {
		int r = av_vmid_get(&a, &vms[i], 1);

		assert_true(r == 0 || r == 1);
		assert_int_equal(vms[i].generation, 2);
		assert_true(vms[i].vmid != 0);
		assert_false(seen[vms[i].vmid]);
		seen[vms[i].vmid] = true;
	}
	assert_int_equal(flushes, 1);
	assert_int_equal(av_vmid_get(&a, &vms[0], 5), -AV_EINVAL);

	/* Many rollovers: a flush each time, VMIDs stay in range. */
	rng_state = 0x243f6a8885a308d3ULL;
	for (int round = 0; round < 2000; round++) {
		struct av_vmid *v = &vms[rnd_below(300)];

		assert_true(av_vmid_get(&a, v, (unsigned)round & 1) >= 0);
		assert_int_equal(v->generation, a.generation);
		assert_true(v->vmid >= 1 && v->vmid <= 255);
	}
	assert_true(flushes > 1);

	/* 16-bit VMIDs. */
	assert_int_equal(av_vmid_alloc_init(&a, 16, cpus, 2, vmid_flush, &flushes, NULL), 0);
	memset(vms, 0, sizeof(vms));
	for (int i = 0; i < 300; i++) {
		assert_int_equal(av_vmid_get(&a, &vms[i], 0), 1);
		assert_int_equal(vms[i].vmid, (uint32_t)i + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vtcr_qemu_golden),
		cmocka_unit_test(test_start_level_golden),
		cmocka_unit_test(test_cfg_invalid),
		cmocka_unit_test(test_cfg_zero_defaults),
		cmocka_unit_test(test_cfg_error_messages),
		cmocka_unit_test(test_init_error_messages),
		cmocka_unit_test(test_descriptor_golden),
		cmocka_unit_test(test_split_and_free),
		cmocka_unit_test(test_checker),
		cmocka_unit_test(test_checker_block_level),
		cmocka_unit_test(test_walker),
		cmocka_unit_test(test_dirty_log),
		cmocka_unit_test(test_clean_poc),
		cmocka_unit_test(test_vmid),
		cmocka_unit_test(test_random_4k),
		cmocka_unit_test(test_random_16k),
		cmocka_unit_test(test_random_64k),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
