/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for stage-2 tables (armvirt/s2.h) against a reference model.
 *
 * The table: 4K, 16K or 64K granule, an IPA size of 32 to 48 bits, table pages from an
 * arena (freed pages are filled with garbage, so a walk through one goes wrong). The
 * model: three windows of 512 pages each, one at IPA 0, one across the 1 GiB boundary
 * (blocks of every size fit there) and one at the top of the IPA space, each page unmapped
 * or mapped to a PA with a protection.
 * Input: one configuration byte, then operations of 12 bytes: av_s2_map() (with or
 * without REPLACE and NO_BLOCKS, PAs aligned with the IPA or not, near the top of the PA
 * space), av_s2_unmap() or av_s2_protect() of a range in a window (sometimes running past
 * the top of the IPA space, unaligned, empty or with invalid protection bits), with a
 * memcache that is sometimes too small.
 * Invariants checked (a violation traps):
 *  - each call's result is the one the model predicts: -AV_EINVAL for unaligned or empty
 *    ranges and bad protections, -AV_ERANGE past the IPA or PA size, -AV_EEXIST for a map
 *    over a mapped page without REPLACE, -AV_ENOMEM only when the memcache was short;
 *    and @p done says how far it got: [ipa, done) as asked, nothing at or past done changed;
 *  - av_s2_translate() of the pages at both ends of the call's range, a stride through it
 *    and a few others agrees with the model (PA, R/W/X, memory type, software bits); every page of every window at the end;
 *  - once everything is unmapped, the table holds only its root and every page the library
 *    took from the allocator and the memcache was given back.
 */
#include <armvirt/s2.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define NWIN 3
#define WPAGES 512
#define ARENA_SIZE (64u << 20)
#define ARENA_PA 0x80000000ull
#define MC_CAP 64

struct page_model {
	uint64_t pa;
	uint32_t prot;
	bool mapped;
};

static uint8_t *arena;
static size_t bump;
static long live; /* bytes allocated and not freed */
static struct av_s2 s2;
static struct page_model model[NWIN][WPAGES];
static uint64_t wbase[NWIN], psz;
static void *mc_pages[MC_CAP];
static struct av_memcache mc;

static void *zalloc(void *cookie, size_t size)
{
	size_t at = (bump + size - 1) & ~(size - 1);

	if (at + size > ARENA_SIZE)
		return NULL;
	bump = at + size;
	live += (long)size;
	memset(arena + at, 0, size);
	return arena + at;
}

static void mfree(void *cookie, void *va, size_t size)
{
	CHECK((uint8_t *)va >= arena && (uint8_t *)va + size <= arena + ARENA_SIZE);
	memset(va, 0xa5, size);
	live -= (long)size;
}

static void *p2v(void *cookie, uint64_t pa)
{
	CHECK(pa >= ARENA_PA && pa < ARENA_PA + ARENA_SIZE);
	return arena + (pa - ARENA_PA);
}

static uint64_t v2p(void *cookie, void *va)
{
	CHECK((uint8_t *)va >= arena && (uint8_t *)va < arena + ARENA_SIZE);
	return ARENA_PA + (uint64_t)((uint8_t *)va - arena);
}

static void tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf)
{
	CHECK(level <= 3 && ipa < (1ull << s2.geom.ipa_bits));
}

static void tlbi_vmid(void *cookie) { }

static const struct av_mm_ops ops = { .zalloc = zalloc, .free = mfree, .phys_to_virt = p2v,
				      .virt_to_phys = v2p, .tlbi_ipa = tlbi_ipa,
				      .tlbi_vmid = tlbi_vmid };

/* The protection bits a leaf keeps (R, W, X, memory type, software bits). */
#define PROT_BITS (AV_S2_R | AV_S2_W | AV_S2_X | AV_S2_MT | AV_S2_SW)

static void check_page(unsigned w, unsigned p)
{
	struct av_s2_leaf l;
	int rc = av_s2_translate(&s2, wbase[w] + p * psz, &l);

	if (!model[w][p].mapped) {
		CHECK(rc == -AV_ENOENT);
		return;
	}
	CHECK(rc == 0);
	CHECK(l.pa == model[w][p].pa);
	CHECK((l.prot & PROT_BITS) == model[w][p].prot);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void op(const uint8_t *a)
{
	unsigned w = a[1] % NWIN, s = (a[2] | a[3] << 8) % WPAGES;
	unsigned cap = 4u << ((a[11] >> 1) & 7); /* mostly short ranges, up to a window */
	unsigned n = 1 + (a[4] | (a[5] & 1) << 8) % (WPAGES - s < cap ? WPAGES - s : cap);
	uint64_t ipa = wbase[w] + s * psz, size = n * psz, pa = 0, done = ~0ull, end;
	uint64_t ipa_top = 1ull << s2.geom.ipa_bits, pa_top = 1ull << s2.geom.pa_bits;
	uint32_t prot = a[6] & 7;
	unsigned flags = (a[7] >> 1) & 3, kind = a[0] % 3, have = MC_CAP;
	bool bad_range = false, bad_prot = false, beyond = false, any_mapped = false;
	int rc, want = 0;

	prot |= AV_FIELD_PREP(AV_S2_MT, a[7] >> 4) | AV_FIELD_PREP(AV_S2_SW, a[8] & 7);
	if (w == NWIN - 1 && (a[5] & 2)) { /* run past the top of the IPA space */
		n = WPAGES - s;
		size = (n + 1 + (a[8] & 3)) * psz;
		beyond = true;
	}
	if (a[5] & 0x80) { /* break an argument */
		switch ((a[5] >> 4) & 3) {
		case 0: ipa += 0x800; bad_range = true; break;
		case 1: size = a[5] & 8 ? 0 : size - 0x200; bad_range = true; break;
		case 2: prot |= AV_BIT(3); bad_prot = true; break; /* between X and MT */
		default: prot |= AV_BIT(11 + (a[8] >> 5)); bad_prot = true; break;
		}
	}
	/* PA: the IPA itself (blocks possible), another aligned one, or near the top. */
	switch (a[9] & 3) {
	case 0: pa = ipa & (pa_top - 1); break;
	case 1: pa = (get64(a + 4) & (pa_top - 1)) & ~(psz - 1); break;
	case 2: pa = pa_top - psz * (1 + (a[10] & 7)); break;
	default: pa = (ipa & (pa_top - 1) & ~((1ull << 30) - 1)) + ((uint64_t)a[10] << 21); break;
	}
	if (a[11] & 1) { /* a short memcache */
		have = a[11] >> 5;
		av_s2_memcache_drain(&s2, &mc);
	}
	CHECK(av_s2_memcache_topup(&s2, &mc, have) == 0);
	end = ipa + size;
	if (!bad_range && !beyond)
		for (unsigned i = 0; i < n; i++)
			any_mapped |= model[w][s + i].mapped;
	if (bad_range || (bad_prot && kind != 1))
		want = -AV_EINVAL; /* unmap takes no protection */
	else if (beyond || (kind == 0 && pa + size > pa_top))
		want = -AV_ERANGE;
	else if (kind == 0 && any_mapped && !(flags & AV_S2_MAP_REPLACE))
		want = -AV_EEXIST;
	if (kind == 0)
		rc = av_s2_map(&s2, ipa, size, pa, prot, flags, &mc, &done);
	else if (kind == 1)
		rc = av_s2_unmap(&s2, ipa, size, &mc, &done);
	else
		rc = av_s2_protect(&s2, ipa, size, prot & ~(uint32_t)(AV_S2_MT | AV_S2_SW), &mc,
				   &done); /* R/W/X only: type and software bits are kept */
	if (rc == -AV_ENOMEM && want == 0) {
		CHECK(have < MC_CAP);
	} else if (rc != want && !(want == -AV_EINVAL && !bad_range && rc == -AV_ERANGE &&
				   (beyond || (kind == 0 && pa + size > pa_top)))) {
		/* (a bad protection and a range past the top: either error will do) */
		fprintf(stderr, "kind %u ipa 0x%llx size 0x%llx pa 0x%llx prot 0x%x flags %u: %d, "
			"the model says %d\n", kind, (unsigned long long)ipa,
			(unsigned long long)size, (unsigned long long)pa, prot, flags, rc, want);
		__builtin_trap();
	}
	if (rc != 0 && rc != -AV_ENOMEM)
		done = ipa; /* refused: nothing changed */
	CHECK(done >= ipa && done <= end);
	CHECK(done == ipa || !(done & (psz - 1)));
	if (rc == 0)
		CHECK(done == end);
	/* Apply [ipa, done) to the model. */
	for (unsigned i = 0; i < n && ipa + i * psz < done && ipa + i * psz < ipa_top; i++) {
		struct page_model *m = &model[w][s + i];

		if (kind == 0) {
			m->mapped = true;
			m->pa = pa + i * psz;
			m->prot = prot;
		} else if (kind == 1) {
			m->mapped = false;
		} else if (m->mapped) {
			m->prot = (m->prot & ~(uint32_t)(AV_S2_R | AV_S2_W | AV_S2_X)) | (prot & 7);
		}
	}
	/* The ends of the range, a stride through it, and pages elsewhere (all at the end). */
	for (unsigned i = 0; i < n; i += (i < 4 || n - i <= 4) ? 1 : 1 + a[10] % 61)
		check_page(w, s + i);
	for (unsigned i = 0; i < 4; i++)
		check_page(a[8 + i] % NWIN, (a[4 + i] * 7u + a[1]) % WPAGES);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum av_s2_granule gran[3] = { AV_S2_GRANULE_4K, AV_S2_GRANULE_16K,
						    AV_S2_GRANULE_64K };
	static const unsigned ipas[8] = { 32, 36, 39, 40, 42, 44, 47, 48 };
	struct av_s2_cfg cfg = { 0 };

	if (size < 1)
		return 0;
	if (!arena) {
		arena = aligned_alloc(1u << 16, ARENA_SIZE);
		CHECK(arena);
	}
	cfg.granule = gran[data[0] % 3];
	cfg.ipa_bits = ipas[(data[0] >> 2) & 7];
	cfg.pa_bits = (data[0] & 0x20) ? 48 : 0;
	bump = 0;
	live = 0;
	if (av_s2_init(&s2, &cfg, &ops, NULL, NULL))
		return 0;
	psz = 1ull << s2.geom.granule_shift;
	wbase[0] = 0;
	wbase[1] = (1ull << 30) - WPAGES / 2 * psz;
	wbase[2] = (1ull << s2.geom.ipa_bits) - WPAGES * psz;
	memset(model, 0, sizeof(model));
	av_memcache_init(&mc, mc_pages, MC_CAP);
	for (data++, size--; size >= 12; data += 12, size -= 12)
		op(data);
	for (unsigned w = 0; w < NWIN; w++) {
		for (unsigned p = 0; p < WPAGES; p++)
			check_page(w, p);
		CHECK(av_s2_unmap(&s2, wbase[w], WPAGES * psz, &mc, NULL) == 0 || mc.nr == 0);
	}
	CHECK(s2.pages == s2.geom.root_tables);
	av_s2_memcache_drain(&s2, &mc);
	av_s2_destroy(&s2);
	CHECK(live == 0);
	return 0;
}
