/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the order in which the stage-2 walker writes descriptors, issues barriers
 * and invalidates TLB entries.
 *
 * The fake environment hands out table pages from one small arena and keeps a shadow
 * copy of it. Every callback (barrier, TLBI, clean) first compares the arena with the
 * shadow and appends one "write" record per descriptor that changed since the previous
 * callback, then appends its own record. trace_end() does the same for the writes made
 * after the last callback. A trace therefore shows, for every descriptor write, which
 * barriers and TLBIs came before and after it; writes between two callbacks are listed in
 * address order (their relative order is not observable here).
 *
 * What the walker must do, whatever the ops (as KVM's stage-2 map does):
 *  - a call that wrote descriptors ends with a DSB ISHST after its last write;
 *  - a valid descriptor is replaced as: write 0, DSB ISHST, TLBI, DSB ISH, write new.
 *
 * This file uses only the public API, so it builds against older walkers too: without
 * av_mm_ops::barrier (AV_S2_BARRIER_ISHST undefined) no barrier is ever recorded and the
 * ordering tests fail.
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

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define PAGE     4096u
#define NPAGES   64u
#define ARENA_PA UINT64_C(0x40000000)

enum ev_kind { EV_WRITE, EV_DSB_ISHST, EV_DSB_ISH, EV_TLBI, EV_TLBI_VMID, EV_CLEAN };

struct ev {
	enum ev_kind kind;
	uint64_t where; /* EV_WRITE: arena offset of the descriptor; EV_TLBI: the IPA */
	uint64_t val;   /* EV_WRITE: the new value; EV_TLBI: level | leaf << 8 */
};

#define MAXEV 4096

static struct {
	uint64_t *arena;
	uint64_t shadow[NPAGES * PAGE / 8];
	unsigned used; /* pages handed out */
	struct ev ev[MAXEV];
	unsigned nev;
	bool tracing;
} T;

static void record(enum ev_kind kind, uint64_t where, uint64_t val)
{
	assert_true(T.nev < MAXEV);
	T.ev[T.nev++] = (struct ev){ .kind = kind, .where = where, .val = val };
}

/* Record every descriptor that changed since the last look. */
static void collect_writes(void)
{
	for (size_t i = 0; i < ARRAY_LEN(T.shadow); i++) {
		if (T.arena[i] == T.shadow[i])
			continue;
		if (T.tracing)
			record(EV_WRITE, i * 8, T.arena[i]);
		T.shadow[i] = T.arena[i];
	}
}

static void *fake_zalloc(void *cookie, size_t size)
{
	unsigned n = (unsigned)(size / PAGE);
	void *p;

	(void)cookie;
	collect_writes();
	if (T.used + n > NPAGES)
		return NULL;
	p = (uint8_t *)T.arena + (size_t)T.used * PAGE;
	T.used += n;
	return p;
}

static void fake_free(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)va;
	(void)size;
}

static void *fake_phys_to_virt(void *cookie, uint64_t pa)
{
	(void)cookie;
	return (uint8_t *)T.arena + (pa - ARENA_PA);
}

static uint64_t fake_virt_to_phys(void *cookie, void *va)
{
	(void)cookie;
	return ARENA_PA + (uint64_t)((uint8_t *)va - (uint8_t *)T.arena);
}

static void fake_clean(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)size;
	collect_writes();
	if (T.tracing)
		record(EV_CLEAN, (uint64_t)((uint8_t *)va - (uint8_t *)T.arena), 0);
}

static void fake_tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf)
{
	(void)cookie;
	collect_writes();
	if (T.tracing)
		record(EV_TLBI, ipa, level | (leaf ? 0x100u : 0));
}

static void fake_tlbi_vmid(void *cookie)
{
	(void)cookie;
	collect_writes();
	if (T.tracing)
		record(EV_TLBI_VMID, 0, 0);
}

#ifdef AV_S2_BARRIER_ISHST
#define S2_INIT(s2, cfg, ops, cookie) av_s2_init(s2, cfg, ops, cookie, NULL)
#else
#define S2_INIT(s2, cfg, ops, cookie) av_s2_init(s2, cfg, ops, cookie)
#endif

#ifdef AV_S2_BARRIER_ISHST
static void fake_barrier(void *cookie, unsigned kind)
{
	(void)cookie;
	collect_writes();
	if (T.tracing)
		record(kind == AV_S2_BARRIER_ISHST ? EV_DSB_ISHST : EV_DSB_ISH, 0, 0);
}
#endif

/* The ops under test: no clean_poc (coherent walks), or with it. */
static const struct av_mm_ops ops_coherent = {
	.zalloc = fake_zalloc,
	.free = fake_free,
	.phys_to_virt = fake_phys_to_virt,
	.virt_to_phys = fake_virt_to_phys,
	.tlbi_ipa = fake_tlbi_ipa,
	.tlbi_vmid = fake_tlbi_vmid,
#ifdef AV_S2_BARRIER_ISHST
	.barrier = fake_barrier,
#endif
};

/* ops_coherent plus clean_poc (non-coherent walks). */
static struct av_mm_ops ops_clean;

static const struct av_mm_ops *with_clean(void)
{
	ops_clean = ops_coherent;
	ops_clean.clean_poc = fake_clean;
	return &ops_clean;
}

static struct av_s2 s2;
static void *mc_slots[16];
static struct av_memcache mc;

static int setup(const struct av_mm_ops *ops)
{
	struct av_s2_cfg cfg = { .granule = AV_S2_GRANULE_4K, .ipa_bits = 32, .pa_bits = 40,
				 .start_level = AV_S2_START_LEVEL_AUTO, .vmid_bits = 8 };

	memset(&T, 0, sizeof(T));
	T.arena = aligned_alloc(PAGE, (size_t)NPAGES * PAGE);
	assert_non_null(T.arena);
	memset(T.arena, 0, (size_t)NPAGES * PAGE);
	assert_int_equal(S2_INIT(&s2, &cfg, ops, NULL), 0);
	av_memcache_init(&mc, mc_slots, ARRAY_LEN(mc_slots));
	assert_int_equal(av_s2_memcache_topup(&s2, &mc, 8), 0);
	collect_writes();
	return 0;
}

static void teardown(void)
{
	free(T.arena);
	T.arena = NULL;
}

/* Start recording a call. */
static void trace_begin(void)
{
	collect_writes();
	T.nev = 0;
	T.tracing = true;
}

/* Stop recording: the writes after the last callback are recorded last. */
static void trace_end(void)
{
	collect_writes();
	T.tracing = false;
}

static const char *ev_name(enum ev_kind k)
{
	switch (k) {
	case EV_WRITE: return "W";
	case EV_DSB_ISHST: return "DSB ISHST";
	case EV_DSB_ISH: return "DSB ISH";
	case EV_TLBI: return "TLBI";
	case EV_TLBI_VMID: return "TLBI VMID";
	case EV_CLEAN: return "CLEAN";
	}
	return "?";
}

static void trace_print(void)
{
	for (unsigned i = 0; i < T.nev; i++)
		print_message("  %2u %-9s 0x%llx 0x%llx\n", i, ev_name(T.ev[i].kind),
			      (unsigned long long)T.ev[i].where, (unsigned long long)T.ev[i].val);
}

/* Every write is followed, later in the trace, by a DSB ISHST. */
static void check_writes_synced(void)
{
	bool pending = false;

	for (unsigned i = 0; i < T.nev; i++) {
		if (T.ev[i].kind == EV_WRITE)
			pending = true;
		else if (T.ev[i].kind == EV_DSB_ISHST)
			pending = false;
	}
	if (pending)
		trace_print();
	assert_false(pending);
}

/*
 * Every TLBI follows a DSB ISHST issued after the last write before it, which follows the
 * write of 0 that invalidated the entry; a DSB ISH follows the TLBI before the next write.
 */
static void check_bbm(unsigned expect_tlbis)
{
	unsigned tlbis = 0;

	for (unsigned i = 0; i < T.nev; i++) {
		unsigned j;

		if (T.ev[i].kind != EV_TLBI)
			continue;
		tlbis++;
		/* Backwards: a DSB ISHST, then (before it) the write of 0. */
		for (j = i; j > 0 && T.ev[j - 1].kind != EV_DSB_ISHST; j--) {
			if (T.ev[j - 1].kind == EV_WRITE) {
				trace_print();
				fail_msg("event %u: write not followed by a DSB ISHST before the TLBI", j - 1);
			}
		}
		if (j == 0) {
			trace_print();
			fail_msg("TLBI at event %u without a DSB ISHST before it", i);
		}
		/* Among the writes just before that barrier, the invalidation (a write of 0). */
		for (j--; j > 0 && T.ev[j - 1].kind != EV_WRITE; j--)
			;
		for (; j > 0 && T.ev[j - 1].kind == EV_WRITE && T.ev[j - 1].val; j--)
			;
		if (j == 0 || T.ev[j - 1].kind != EV_WRITE) {
			trace_print();
			fail_msg("TLBI at event %u: no descriptor written to 0 before it", i);
		}
		/* Forwards: a DSB ISH before any write. */
		for (j = i + 1; j < T.nev && T.ev[j].kind != EV_DSB_ISH; j++) {
			if (T.ev[j].kind == EV_WRITE) {
				trace_print();
				fail_msg("event %u: write after the TLBI without a DSB ISH", j);
			}
		}
		if (j == T.nev) {
			trace_print();
			fail_msg("TLBI at event %u without a DSB ISH after it", i);
		}
	}
	assert_int_equal(tlbis, expect_tlbis);
}

/* Compare the kinds of the trace with @kinds (EV_* values, terminated by -1). */
static void check_kinds(const int *kinds)
{
	unsigned n = 0;

	while (kinds[n] >= 0)
		n++;
	if (n != T.nev) {
		trace_print();
		fail_msg("%u events, expected %u", T.nev, n);
	}
	for (unsigned i = 0; i < n; i++) {
		if ((int)T.ev[i].kind != kinds[i]) {
			trace_print();
			fail_msg("event %u is %s, expected %s", i, ev_name(T.ev[i].kind),
				 ev_name((enum ev_kind)kinds[i]));
		}
	}
}

/* ---------------------------------------------------------------------------------- */

static void map_page(uint64_t ipa, uint32_t prot)
{
	assert_int_equal(av_s2_map(&s2, ipa, PAGE, ipa + 0x100000000ull, prot, 0, &mc, NULL), 0);
}

/* A new mapping into an empty table: three descriptors, then one DSB ISHST, nothing else. */
static void test_map_new_coherent(void **state)
{
	static const int expect[] = { EV_WRITE, EV_WRITE, EV_WRITE, EV_DSB_ISHST, -1 };

	(void)state;
	setup(&ops_coherent);
	trace_begin();
	map_page(0x200000, AV_S2_RW);
	trace_end();
	check_kinds(expect);
	check_writes_synced();
	teardown();
}

/* The same with clean_poc: the cleans do not replace the barrier. */
static void test_map_new_clean(void **state)
{
	(void)state;
	setup(with_clean());
	trace_begin();
	map_page(0x200000, AV_S2_RW);
	trace_end();
	check_writes_synced();
	assert_int_equal(T.ev[T.nev - 1].kind, EV_DSB_ISHST);
	check_bbm(0);
	teardown();
}

/* Changing a valid leaf: W 0, DSB ISHST, TLBI, DSB ISH, W new, DSB ISHST. */
static void bbm_protect(const struct av_mm_ops *ops)
{
	static const int expect[] = { EV_WRITE,     EV_DSB_ISHST, EV_TLBI, EV_DSB_ISH,
				      EV_WRITE,     EV_DSB_ISHST, -1 };

	setup(ops);
	map_page(0x200000, AV_S2_RW);
	trace_begin();
	assert_int_equal(av_s2_protect(&s2, 0x200000, PAGE, AV_S2_R, &mc, NULL), 0);
	trace_end();
	check_bbm(1);
	check_writes_synced();
	if (ops == &ops_coherent) {
		check_kinds(expect);
		assert_int_equal(T.ev[0].where, T.ev[4].where);
		assert_int_equal(T.ev[2].where, 0x200000);
		assert_int_equal(T.ev[2].val, 3u | 0x100u);
	}
	teardown();
}

static void test_bbm_protect_coherent(void **state)
{
	(void)state;
	bbm_protect(&ops_coherent);
}

static void test_bbm_protect_clean(void **state)
{
	(void)state;
	bbm_protect(with_clean());
}

/* Unmap of the last page: the leaf and the emptied tables, each with its own BBM. */
static void test_unmap_orders(void **state)
{
	(void)state;
	setup(&ops_coherent);
	map_page(0x200000, AV_S2_RW);
	trace_begin();
	assert_int_equal(av_s2_unmap(&s2, 0x200000, PAGE, &mc, NULL), 0);
	trace_end();
	check_bbm(3); /* page, then the level-2 and level-1 table descriptors */
	check_writes_synced();
	teardown();
}

/* Splitting a block (replace one page of a 2 MiB block) and the dirty-log calls. */
static void test_split_and_dirty_log_order(void **state)
{
	uint64_t bitmap[8];

	(void)state;
	setup(&ops_coherent);
	assert_int_equal(av_s2_map(&s2, 0x200000, 0x200000, 0x100200000ull, AV_S2_RW, 0, &mc,
				   NULL), 0);
	trace_begin();
	assert_int_equal(av_s2_map(&s2, 0x201000, PAGE, 0x100800000ull, AV_S2_RW,
				   AV_S2_MAP_REPLACE, &mc, NULL), 0);
	trace_end();
	check_bbm(2); /* the block becomes a table, then the page inside it */
	check_writes_synced();

	trace_begin();
	assert_int_equal(av_s2_dirty_log_start(&s2, 0x200000, 0x200000, &mc, NULL), 0);
	trace_end();
	check_bbm(512);
	check_writes_synced();

	trace_begin();
	assert_int_equal(av_s2_dirty_fault(&s2, 0x203000), 1);
	trace_end();
	check_bbm(1);
	check_writes_synced();

	trace_begin();
	assert_int_equal(av_s2_dirty_read_clear(&s2, 0x200000, 0x200000, bitmap, 8), 0);
	trace_end();
	check_bbm(1);
	check_writes_synced();
	teardown();
}

/* A caller's own visitor writing through av_s2_visit_set(): the walk ends synced. */
static int set_visit(const struct av_s2_visit *v)
{
	av_s2_visit_set(v, v->old & ~(uint64_t)AV_S2_DESC_S2AP_W);
	return 0;
}

static void test_walk_visitor_synced(void **state)
{
	struct av_s2_walker w = { .cb = set_visit, .flags = AV_S2_WALK_LEAF };

	(void)state;
	setup(&ops_coherent);
	map_page(0x200000, AV_S2_RW);
	trace_begin();
	assert_int_equal(av_s2_walk(&s2, 0x200000, PAGE, &w), 0);
	trace_end();
	check_bbm(1);
	check_writes_synced();
	teardown();
}

/* A failing map (memcache empty) still orders the writes it made before failing. */
static void test_failed_map_synced(void **state)
{
	(void)state;
	setup(&ops_coherent);
	av_s2_memcache_drain(&s2, &mc);
	assert_int_equal(av_s2_memcache_topup(&s2, &mc, 1), 0); /* one of the two tables */
	trace_begin();
	assert_int_equal(av_s2_map(&s2, 0x200000, PAGE, 0x100200000ull, AV_S2_RW, 0, &mc, NULL),
			 -AV_ENOMEM);
	trace_end();
	check_bbm(1); /* the table it installed is taken out again */
	check_writes_synced();
	teardown();
}

/*
 * A translate writes nothing, so it issues no barrier and leaves the table's pending
 * state alone: a writer on another CPU that has not yet issued its DSB keeps owing it.
 */
static void test_translate_leaves_writer_alone(void **state)
{
	struct av_s2_leaf leaf;

	(void)state;
	setup(&ops_coherent);
	map_page(0x200000, AV_S2_RW);
	s2.unsynced = true; /* a concurrent writer between its write and its DSB */
	trace_begin();
	assert_int_equal(av_s2_translate(&s2, 0x200000, &leaf), 0);
	assert_int_equal(av_s2_translate(&s2, 0x300000, &leaf), -AV_ENOENT);
	trace_end();
	if (T.nev)
		trace_print();
	assert_int_equal(T.nev, 0);
	assert_true(s2.unsynced);
	teardown();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map_new_coherent),
		cmocka_unit_test(test_map_new_clean),
		cmocka_unit_test(test_bbm_protect_coherent),
		cmocka_unit_test(test_bbm_protect_clean),
		cmocka_unit_test(test_unmap_orders),
		cmocka_unit_test(test_split_and_dirty_log_order),
		cmocka_unit_test(test_walk_visitor_synced),
		cmocka_unit_test(test_failed_map_synced),
		cmocka_unit_test(test_translate_leaves_writer_alone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
