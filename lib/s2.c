/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 translation tables: configuration, one walker, and the visitors built on it
 * (map, unmap, protect, translate, dirty logging, destroy, the invariant checker).
 *
 * Invariants kept by every writer:
 *  - a table page is reachable from exactly one table descriptor, and s2->pages counts
 *    the root's pages plus every reachable table page;
 *  - a valid descriptor is only ever replaced through av_s2_visit_set(), i.e. written
 *    to 0, invalidated in the TLB, then written with the new value (break-before-make);
 *  - a new table is completely written (and cleaned) before the descriptor that points
 *    to it is published with a release store;
 *  - every walk that wrote a descriptor ends with a DSB ISHST (s2_sync()), and a
 *    break-before-make has DSB ISHST before and DSB ISH after the TLBI, whatever the ops
 *    (the barriers do not depend on clean_poc or on what the TLBI callback does);
 *  - every valid leaf has AF set, a MemAttr/SH pair from s2_prot_to_attrs() and an
 *    output address aligned to its size.
 *
 * The walker recurses at most four levels deep and uses a fixed amount of stack.
 */
#include <armvirt/log.h>
#include <armvirt/s2.h>

#include "compat.h"
#include "error_detail.h"

/* Bits of a leaf descriptor that are not the output address or the valid/type bits. */
#define S2_LEAF_ATTRS                                                                     \
	(AV_S2_DESC_MEMATTR | AV_S2_DESC_S2AP_R | AV_S2_DESC_S2AP_W | AV_S2_DESC_SH |     \
	 AV_S2_DESC_AF | AV_S2_DESC_XN | AV_S2_DESC_SW | AV_S2_DESC_SW_LOG)

/* Permission bits that av_s2_protect() and dirty logging rewrite. */
#define S2_PERM_BITS (AV_S2_DESC_S2AP_R | AV_S2_DESC_S2AP_W | AV_S2_DESC_XN)

#define S2_MAX_ROOT_TABLES 16u

/* ---------------------------------------------------------------------------------- */
/* Geometry.                                                                           */

static inline unsigned s2_stride(const struct av_s2_geom *g)
{
	return g->granule_shift - 3;
}

/* log2 of the bytes one descriptor at @level maps. */
static inline unsigned s2_level_shift(const struct av_s2_geom *g, unsigned level)
{
	return g->granule_shift + s2_stride(g) * (3 - level);
}

static inline uint64_t s2_granule(const struct av_s2 *s2)
{
	return UINT64_C(1) << s2->geom.granule_shift;
}

/* Entries of the table(s) at @level that the walker may index. */
static inline uint64_t s2_entries(const struct av_s2_geom *g, unsigned level)
{
	if (level == g->start_level)
		return UINT64_C(1) << (g->ipa_bits - s2_level_shift(g, level));
	return UINT64_C(1) << s2_stride(g);
}

/* The coarsest level at which the granule has block descriptors (48-bit OA). */
static inline unsigned s2_first_block_level(unsigned granule_shift)
{
	return granule_shift == AV_S2_GRANULE_4K ? 1 : 2;
}

static inline bool s2_block_ok(const struct av_s2_geom *g, unsigned level)
{
	return level >= s2_first_block_level(g->granule_shift) && level < 3;
}

uint64_t av_s2_level_size(const struct av_s2 *s2, unsigned level)
{
	return UINT64_C(1) << s2_level_shift(&s2->geom, level);
}

static inline bool desc_valid(uint64_t d)
{
	return (d & AV_S2_DESC_VALID) != 0;
}

static inline bool desc_is_table(uint64_t d, unsigned level)
{
	return level < 3 && desc_valid(d) && (d & AV_S2_DESC_TABLE);
}

/* Output or next-table address of a descriptor. */
static inline uint64_t desc_addr(const struct av_s2 *s2, uint64_t d)
{
	return d & AV_S2_DESC_ADDR & ~(s2_granule(s2) - 1);
}

static inline uint64_t *table_va(const struct av_s2 *s2, uint64_t d)
{
	return s2->ops->phys_to_virt(s2->cookie, desc_addr(s2, d));
}

static inline uint64_t desc_read(const uint64_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_RELAXED);
}

/* A DSB of @kind: through ops->barrier if the caller traces or replaces it. */
static void s2_barrier(const struct av_s2 *s2, unsigned kind)
{
	if (s2->ops->barrier) {
		s2->ops->barrier(s2->cookie, kind);
		return;
	}
#if defined(__aarch64__)
	if (kind == AV_S2_BARRIER_ISHST)
		__asm__ volatile("dsb ishst" : : : "memory");
	else
		__asm__ volatile("dsb ish" : : : "memory");
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* Order every descriptor written so far before later table walks (DSB ISHST). */
static void s2_sync(struct av_s2 *s2)
{
	if (!s2->unsynced)
		return;
	s2_barrier(s2, AV_S2_BARRIER_ISHST);
	s2->unsynced = false;
}

/*
 * Publish the visited descriptor: release order makes a new table's contents visible
 * first. Marks the walk as a writer, so that it ends with s2_sync().
 */
static inline void desc_write(const struct av_s2_visit *v, uint64_t d)
{
	struct av_s2 *s2 = v->s2;

	__atomic_store_n(v->ptep, d, __ATOMIC_RELEASE);
	if (s2->ops->clean_poc)
		s2->ops->clean_poc(s2->cookie, v->ptep, sizeof(*v->ptep));
	s2->unsynced = true;
	if (v->wrote)
		*v->wrote = true;
}

/* ---------------------------------------------------------------------------------- */
/* Configuration.                                                                      */

static int s2_ps_encoding(unsigned pa_bits)
{
	switch (pa_bits) {
	case 32: return 0;
	case 36: return 1;
	case 40: return 2;
	case 42: return 3;
	case 44: return 4;
	case 48: return 5;
	case 52: return 6;
	default: return -1;
	}
}

/*
 * Arm ARM consistency rule for the stage-2 start level: the initial lookup resolves at
 * least one bit, and at most a full table's bits plus four more (16 concatenated tables).
 */
static bool s2_level_fits(unsigned shift, unsigned level, unsigned ipa_bits)
{
	unsigned stride = shift - 3;
	unsigned min = (3 - level) * stride + shift + 1;
	unsigned max = min + (stride - 1) + 4;

	return ipa_bits >= min && ipa_bits <= max;
}

/* The smallest PARange size that holds @ipa_bits (the default PA size). */
static unsigned s2_default_pa_bits(unsigned ipa_bits)
{
	static const unsigned sizes[] = { 32, 36, 40, 42, 44, 48 };

	for (size_t i = 0; i < AV_ARRAY_SIZE(sizes); i++)
		if (sizes[i] >= ipa_bits)
			return sizes[i];
	return ipa_bits;
}

#define S2_ERR(err, code, field, ...) av__error(err, code, "s2", field, __VA_ARGS__)

int av_s2_cfg_resolve(const struct av_s2_cfg *cfg, struct av_s2_geom *g, struct av_error *err)
{
	unsigned shift, ipa_bits, pa_bits, vmid_bits;
	unsigned level, full_bits, sl0, tg0;
	int ps;

	if (!cfg || !g)
		return S2_ERR(err, -AV_EINVAL, cfg ? "geom" : "cfg", "NULL");
	/* Zero fields take the defaults: 4K granule, 40-bit IPA, PA size to fit, 8-bit VMIDs. */
	shift = cfg->granule ? (unsigned)cfg->granule : AV_S2_GRANULE_4K;
	ipa_bits = cfg->ipa_bits ? cfg->ipa_bits : AV_S2_DEFAULT_IPA_BITS;
	pa_bits = cfg->pa_bits ? cfg->pa_bits : s2_default_pa_bits(ipa_bits);
	vmid_bits = cfg->vmid_bits ? cfg->vmid_bits : 8;

	if (shift != AV_S2_GRANULE_4K && shift != AV_S2_GRANULE_16K && shift != AV_S2_GRANULE_64K)
		return S2_ERR(err, -AV_EINVAL, "granule",
			      "%u is not a granule (AV_S2_GRANULE_4K/16K/64K: 12, 14, 16)", shift);
	if (ipa_bits < 32 || ipa_bits > 48)
		return S2_ERR(err, -AV_EINVAL, "ipa_bits", "%u bits (32..48 supported)", ipa_bits);
	ps = s2_ps_encoding(pa_bits);
	if (ps < 0)
		return S2_ERR(err, -AV_EINVAL, "pa_bits",
			      "%u bits is not a PARange size (32, 36, 40, 42, 44, 48)", pa_bits);
	if (pa_bits < ipa_bits)
		return S2_ERR(err, -AV_EINVAL, "pa_bits", "%u bits is smaller than ipa_bits (%u)",
			      pa_bits, ipa_bits);
	if (pa_bits > 48)
		return S2_ERR(err, -AV_ENOTSUP, "pa_bits", "52-bit PAs (FEAT_LPA) are not supported");
	if (vmid_bits != 8 && vmid_bits != 16)
		return S2_ERR(err, -AV_EINVAL, "vmid_bits", "%u bits (8 or 16)", vmid_bits);
	if (cfg->walk != AV_S2_WALK_WB_INNER && cfg->walk != AV_S2_WALK_NC)
		return S2_ERR(err, -AV_EINVAL, "walk", "%d is not an enum av_s2_walk_cache",
			      (int)cfg->walk);

	if (!cfg->force_start_level && cfg->start_level != 0 &&
	    cfg->start_level != AV_S2_START_LEVEL_AUTO)
		return S2_ERR(err, -AV_EINVAL, "start_level", "%d set without force_start_level",
			      cfg->start_level);
	if (!cfg->force_start_level) {
		/* Deepest consistent level, not below the coarsest block level. */
		unsigned l = s2_first_block_level(shift) + 1;

		do {
			l--;
			if (s2_level_fits(shift, l, ipa_bits))
				break;
		} while (l > 0);
		if (!s2_level_fits(shift, l, ipa_bits))
			return S2_ERR(err, -AV_EINVAL, "ipa_bits",
				      "%u bits: no start level fits with a %u KiB granule", ipa_bits,
				      (1u << shift) >> 10);
		level = l;
	} else {
		if (cfg->start_level < 0 || cfg->start_level > 3)
			return S2_ERR(err, -AV_EINVAL, "start_level", "%d is not a level (0..3)",
				      cfg->start_level);
		level = (unsigned)cfg->start_level;
		/* Start levels that need FEAT_TTST / FEAT_LPA2, or that 64K cannot have. */
		if ((shift == AV_S2_GRANULE_4K && level == 3) ||
		    (shift == AV_S2_GRANULE_16K && level == 0))
			return S2_ERR(err, -AV_ENOTSUP, "start_level",
				      "level %u with a %u KiB granule needs %s", level,
				      (1u << shift) >> 10, level == 3 ? "FEAT_TTST" : "FEAT_LPA2");
		if (shift == AV_S2_GRANULE_64K && level == 0)
			return S2_ERR(err, -AV_EINVAL, "start_level",
				      "level 0 does not exist with a 64 KiB granule");
		if (!s2_level_fits(shift, level, ipa_bits))
			return S2_ERR(err, -AV_EINVAL, "start_level",
				      "level %u cannot resolve a %u-bit IPA with a %u KiB granule",
				      level, ipa_bits, (1u << shift) >> 10);
	}
	/* Start levels the Arm ARM only allows with a large enough PA size. */
	if ((shift == AV_S2_GRANULE_4K && level == 0 && pa_bits < 44) ||
	    (shift == AV_S2_GRANULE_16K && level == 1 && pa_bits < 42) ||
	    (shift == AV_S2_GRANULE_64K && level == 1 && pa_bits < 44))
		return S2_ERR(err, -AV_EINVAL, "pa_bits",
			      "%u bits is too small for start level %u with a %u KiB granule",
			      pa_bits, level, (1u << shift) >> 10);

	memset(g, 0, sizeof(*g));
	g->granule_shift = shift;
	g->ipa_bits = ipa_bits;
	g->pa_bits = pa_bits;
	g->vmid_bits = vmid_bits;
	g->start_level = level;
	full_bits = shift + (shift - 3) * (4 - level); /* bits one table at @level resolves */
	g->root_tables = ipa_bits > full_bits ? 1u << (ipa_bits - full_bits) : 1u;
	if (g->root_tables > S2_MAX_ROOT_TABLES)
		return S2_ERR(err, -AV_EINVAL, "start_level", "level %u needs %u root tables (16 at most)",
			      level, g->root_tables);

	if (shift == AV_S2_GRANULE_4K) {
		sl0 = 2 - level;
		tg0 = AV_VTCR_TG0_4K;
	} else {
		sl0 = 3 - level;
		tg0 = shift == AV_S2_GRANULE_16K ? AV_VTCR_TG0_16K : AV_VTCR_TG0_64K;
	}
	g->vtcr = AV_VTCR_RES1 |
		  AV_FIELD_PREP(AV_VTCR_T0SZ, 64 - ipa_bits) |
		  AV_FIELD_PREP(AV_VTCR_SL0, sl0) |
		  AV_FIELD_PREP(AV_VTCR_TG0, tg0) |
		  AV_FIELD_PREP(AV_VTCR_PS, (unsigned)ps) |
		  (vmid_bits == 16 ? AV_VTCR_VS : 0);
	if (cfg->walk == AV_S2_WALK_WB_INNER)
		g->vtcr |= AV_FIELD_PREP(AV_VTCR_IRGN0, AV_VTCR_RGN_WBWA) |
			   AV_FIELD_PREP(AV_VTCR_ORGN0, AV_VTCR_RGN_WBWA) |
			   AV_FIELD_PREP(AV_VTCR_SH0, AV_VTCR_SH_INNER);
	else
		g->vtcr |= AV_FIELD_PREP(AV_VTCR_IRGN0, AV_VTCR_RGN_NC) |
			   AV_FIELD_PREP(AV_VTCR_ORGN0, AV_VTCR_RGN_NC) |
			   AV_FIELD_PREP(AV_VTCR_SH0, AV_VTCR_SH_OUTER);
	av__error_clear(err);
	return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Attributes: the one place where abstract protections become descriptor bits.        */

int av_s2_prot_to_attrs(uint32_t prot, uint64_t *attrs)
{
	uint64_t a = AV_S2_DESC_AF;

	if (prot & ~(uint32_t)(AV_S2_R | AV_S2_W | AV_S2_X | AV_S2_MT | AV_S2_SW))
		return -AV_EINVAL;
	switch (AV_FIELD_GET(AV_S2_MT, prot)) {
	case AV_S2_MT_NORMAL:
		a |= AV_FIELD_PREP(AV_S2_DESC_MEMATTR, AV_S2_MEMATTR_NORMAL_WB) |
		     AV_FIELD_PREP(AV_S2_DESC_SH, AV_S2_SH_INNER);
		break;
	case AV_S2_MT_NORMAL_NC:
		a |= AV_FIELD_PREP(AV_S2_DESC_MEMATTR, AV_S2_MEMATTR_NORMAL_NC) |
		     AV_FIELD_PREP(AV_S2_DESC_SH, AV_S2_SH_OUTER);
		break;
	case AV_S2_MT_DEVICE_NGNRE:
		a |= AV_FIELD_PREP(AV_S2_DESC_MEMATTR, AV_S2_MEMATTR_DEV_NGNRE) |
		     AV_FIELD_PREP(AV_S2_DESC_SH, AV_S2_SH_OUTER);
		break;
	default:
		a |= AV_FIELD_PREP(AV_S2_DESC_MEMATTR, AV_S2_MEMATTR_DEV_NGNRNE) |
		     AV_FIELD_PREP(AV_S2_DESC_SH, AV_S2_SH_OUTER);
		break;
	}
	if (prot & AV_S2_R)
		a |= AV_S2_DESC_S2AP_R;
	if (prot & AV_S2_W)
		a |= AV_S2_DESC_S2AP_W;
	if (!(prot & AV_S2_X))
		a |= AV_S2_DESC_XN;
	a |= AV_FIELD_PREP(AV_S2_DESC_SW, AV_FIELD_GET(AV_S2_SW, prot));
	*attrs = a;
	return 0;
}

uint32_t av_s2_desc_to_prot(uint64_t desc)
{
	uint32_t prot = 0;
	unsigned mt;

	if (desc & AV_S2_DESC_S2AP_R)
		prot |= AV_S2_R;
	if (desc & AV_S2_DESC_S2AP_W)
		prot |= AV_S2_W;
	if (!(desc & AV_S2_DESC_XN))
		prot |= AV_S2_X;
	switch (AV_FIELD_GET(AV_S2_DESC_MEMATTR, desc)) {
	case AV_S2_MEMATTR_NORMAL_NC: mt = AV_S2_MT_NORMAL_NC; break;
	case AV_S2_MEMATTR_DEV_NGNRE: mt = AV_S2_MT_DEVICE_NGNRE; break;
	case AV_S2_MEMATTR_DEV_NGNRNE: mt = AV_S2_MT_DEVICE_NGNRNE; break;
	default: mt = AV_S2_MT_NORMAL; break;
	}
	prot |= (uint32_t)AV_FIELD_PREP(AV_S2_MT, mt);
	prot |= (uint32_t)AV_FIELD_PREP(AV_S2_SW, AV_FIELD_GET(AV_S2_DESC_SW, desc));
	return prot;
}

/* ---------------------------------------------------------------------------------- */
/* Object life cycle.                                                                  */

int av_s2_init(struct av_s2 *s2, const struct av_s2_cfg *cfg, const struct av_mm_ops *ops,
	       void *cookie, struct av_error *err)
{
	static const char *const op_names[] = { "zalloc", "free", "phys_to_virt",
						"virt_to_phys", "tlbi_ipa", "tlbi_vmid" };
	struct av_s2_geom g;
	size_t root_size;
	void *root;
	int ret;

	if (!s2 || !cfg || !ops)
		return S2_ERR(err, -AV_EINVAL, !s2 ? "s2" : !cfg ? "cfg" : "ops", "NULL");
	{
		const bool have[] = { ops->zalloc, ops->free, ops->phys_to_virt, ops->virt_to_phys,
				      ops->tlbi_ipa, ops->tlbi_vmid };

		for (size_t i = 0; i < AV_ARRAY_SIZE(have); i++)
			if (!have[i])
				return S2_ERR(err, -AV_EINVAL, "ops",
					      "the required op %s is NULL", op_names[i]);
	}
	ret = av_s2_cfg_resolve(cfg, &g, err);
	if (ret)
		return ret;
	if (cfg->walk == AV_S2_WALK_NC && !ops->clean_poc)
		return S2_ERR(err, -AV_EINVAL, "ops",
			      "clean_poc is NULL but walks are non-cacheable (AV_S2_WALK_NC)");
	root_size = (size_t)g.root_tables << g.granule_shift;
	root = ops->zalloc(cookie, root_size);
	if (!root)
		return S2_ERR(err, -AV_ENOMEM, "ops", "zalloc of the %lu-byte root failed",
			      (unsigned long)root_size);
	memset(s2, 0, sizeof(*s2));
	s2->geom = g;
	s2->ops = ops;
	s2->cookie = cookie;
	s2->root = root;
	s2->root_pa = ops->virt_to_phys(cookie, root);
	s2->pages = g.root_tables;
	if (ops->clean_poc)
		ops->clean_poc(cookie, root, root_size);
	/* The zeroed root, before VTTBR_EL2 can point a walker at it. */
	s2->unsynced = true;
	s2_sync(s2);
	av__error_clear(err);
	return 0;
}

int av_s2_vttbr(const struct av_s2 *s2, uint32_t vmid, uint64_t *vttbr)
{
	if (vmid >> s2->geom.vmid_bits)
		return -AV_EINVAL;
	*vttbr = (s2->root_pa & AV_VTTBR_BADDR) | AV_FIELD_PREP(AV_VTTBR_VMID, vmid);
	return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Memcache.                                                                           */

int av_s2_memcache_topup(const struct av_s2 *s2, struct av_memcache *mc, size_t min)
{
	if (min > mc->cap)
		return -AV_ENOSPC;
	while (mc->nr < min) {
		void *p = s2->ops->zalloc(s2->cookie, (size_t)s2_granule(s2));

		if (!p)
			return -AV_ENOMEM;
		mc->pages[mc->nr++] = p;
	}
	return 0;
}

void av_s2_memcache_drain(const struct av_s2 *s2, struct av_memcache *mc)
{
	while (mc->nr)
		s2->ops->free(s2->cookie, mc->pages[--mc->nr], (size_t)s2_granule(s2));
}

/* Entries at @level that [ipa, end) touches, and how many of them it covers fully. */
static void s2_count_entries(const struct av_s2_geom *g, unsigned level, uint64_t ipa,
			     uint64_t end, uint64_t *touched, uint64_t *full)
{
	unsigned sh = s2_level_shift(g, level);
	uint64_t mask = (UINT64_C(1) << sh) - 1;
	uint64_t first_full = (ipa + mask) & ~mask;
	uint64_t last_full = end & ~mask;

	*touched = ((end - 1) >> sh) - (ipa >> sh) + 1;
	*full = last_full > first_full ? (last_full - first_full) >> sh : 0;
}

size_t av_s2_map_pages_max(const struct av_s2 *s2, uint64_t ipa, uint64_t size, uint64_t pa,
			   unsigned flags)
{
	const struct av_s2_geom *g = &s2->geom;
	uint64_t end = ipa + size, n = 0;

	if (!size || end < ipa)
		return 0;
	for (unsigned level = g->start_level; level < 3; level++) {
		uint64_t touched, full;
		uint64_t bmask = (UINT64_C(1) << s2_level_shift(g, level)) - 1;

		s2_count_entries(g, level, ipa, end, &touched, &full);
		/* A fully covered entry that can be a block needs no table below it. */
		if (s2_block_ok(g, level) && !(flags & AV_S2_MAP_NO_BLOCKS) &&
		    !((ipa ^ pa) & bmask))
			touched -= full;
		n += touched;
	}
	return (size_t)n;
}

size_t av_s2_split_pages_max(const struct av_s2 *s2)
{
	unsigned top = s2_first_block_level(s2->geom.granule_shift);

	if (top < s2->geom.start_level)
		top = s2->geom.start_level;
	return 2 * (size_t)(3 - top);
}

static void *mc_take(const struct av_s2 *s2, struct av_memcache *mc)
{
	void *p;

	if (!mc || !mc->nr)
		return NULL;
	p = mc->pages[--mc->nr];
	memset(p, 0, (size_t)s2_granule(s2));
	return p;
}

static void s2_free_table(struct av_s2 *s2, uint64_t *table)
{
	s2->ops->free(s2->cookie, table, (size_t)s2_granule(s2));
	s2->pages--;
}

/* ---------------------------------------------------------------------------------- */
/* The walker.                                                                         */

struct s2_walk {
	struct av_s2 *s2;
	const struct av_s2_walker *w;
	uint64_t addr; /* position: everything below it has been visited */
	uint64_t end;
	bool wrote; /* a visitor wrote a descriptor: only then does the walk end synced */
};

/* NOLINTNEXTLINE(misc-no-recursion): one level per translation level (at most 4) */
static int s2_walk_table(struct s2_walk *ws, uint64_t *table, unsigned level)
{
	struct av_s2 *s2 = ws->s2;
	const struct av_s2_walker *w = ws->w;
	unsigned sh = s2_level_shift(&s2->geom, level);
	uint64_t n = s2_entries(&s2->geom, level);
	uint64_t idx = (ws->addr >> sh) & (n - 1);
	struct av_s2_visit v = {
		.s2 = s2,
		.end = ws->end,
		.size = UINT64_C(1) << sh,
		.level = level,
		.arg = w->arg,
		.wrote = &ws->wrote,
	};
	int ret;

	for (; idx < n && ws->addr < ws->end; idx++) {
		uint64_t *ptep = &table[idx];
		uint64_t d = desc_read(ptep);
		uint64_t entry_addr = ws->addr;

		v.ptep = ptep;
		v.old = d;
		v.addr = entry_addr;
		if (!desc_is_table(d, level)) {
			if (w->flags & AV_S2_WALK_LEAF) {
				v.visit = AV_S2_WALK_LEAF;
				ret = w->cb(&v);
				if (ret < 0)
					return ret;
				d = desc_read(ptep);
			}
			if (!desc_is_table(d, level)) {
				ws->addr = (entry_addr | (v.size - 1)) + 1;
				continue;
			}
		} else if (w->flags & AV_S2_WALK_TABLE_PRE) {
			v.visit = AV_S2_WALK_TABLE_PRE;
			ret = w->cb(&v);
			if (ret < 0)
				return ret;
			d = desc_read(ptep);
			if (ret == AV_S2_WALK_SKIP || !desc_is_table(d, level)) {
				ws->addr = (entry_addr | (v.size - 1)) + 1;
				continue;
			}
		}
		ret = s2_walk_table(ws, table_va(s2, d), level + 1);
		if (ret < 0)
			return ret;
		if (w->flags & AV_S2_WALK_TABLE_POST) {
			v.visit = AV_S2_WALK_TABLE_POST;
			v.old = desc_read(ptep);
			v.addr = entry_addr;
			ret = w->cb(&v);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* Walk [ipa, end) (granule-aligned, checked); *reached gets the position at exit. */
static int s2_walk_range(struct av_s2 *s2, uint64_t ipa, uint64_t end,
			 const struct av_s2_walker *w, uint64_t *reached)
{
	struct s2_walk ws = { .s2 = s2, .w = w, .addr = ipa, .end = end };
	int ret = s2_walk_table(&ws, s2->root, s2->geom.start_level);

	/*
	 * Whatever the walk wrote (also on error) is ordered before the caller goes on. A
	 * walk that wrote nothing (av_s2_translate()) leaves the shared state alone, so it
	 * cannot take over, and drop, the barrier a concurrent writer still owes.
	 */
	if (ws.wrote)
		s2_sync(s2);
	if (reached)
		*reached = ret ? ws.addr : end;
	return ret;
}

static inline uint64_t s2_ipa_limit(const struct av_s2 *s2)
{
	return UINT64_C(1) << s2->geom.ipa_bits;
}

int av_s2_walk(struct av_s2 *s2, uint64_t ipa, uint64_t size, const struct av_s2_walker *w)
{
	uint64_t gmask = s2_granule(s2) - 1;
	uint64_t end = ipa + size;

	if (!w || !w->cb)
		return -AV_EINVAL;
	if (!size)
		return 0;
	if (end < ipa || end > s2_ipa_limit(s2))
		return -AV_ERANGE;
	return s2_walk_range(s2, ipa & ~gmask, (end + gmask) & ~gmask, w, NULL);
}

void av_s2_visit_set(const struct av_s2_visit *v, uint64_t desc)
{
	struct av_s2 *s2 = v->s2;
	uint64_t old = desc_read(v->ptep);

	if (desc_valid(old)) {
		desc_write(v, 0);
		s2_sync(s2);
		s2->ops->tlbi_ipa(s2->cookie, v->addr & ~(v->size - 1), v->level,
				  !desc_is_table(old, v->level));
		s2_barrier(s2, AV_S2_BARRIER_ISH);
		if (!desc)
			return;
	}
	desc_write(v, desc);
}

/* Does the walk range cover the whole entry being visited? */
static inline bool visit_covers(const struct av_s2_visit *v)
{
	return !(v->addr & (v->size - 1)) && v->end - v->addr >= v->size;
}

/*
 * Replace the visited entry (invalid, or a valid block) by a table. With @split, a block
 * is split: the new table maps exactly what the block mapped, with the same attributes,
 * one level down. Without it the new table is empty (the caller is about to rewrite the
 * whole entry). A valid entry is swapped for the table with break-before-make.
 */
static int s2_install_table(const struct av_s2_visit *v, struct av_memcache *mc, bool split)
{
	struct av_s2 *s2 = v->s2;
	uint64_t *page = mc_take(s2, mc);
	uint64_t pa;

	if (!page)
		return -AV_ENOMEM;
	if (split && desc_valid(v->old)) {
		unsigned cl = v->level + 1;
		uint64_t csize = av_s2_level_size(s2, cl);
		uint64_t base = desc_addr(s2, v->old) & ~(v->size - 1);
		uint64_t tmpl = (v->old & S2_LEAF_ATTRS) | AV_S2_DESC_VALID |
				(cl == 3 ? AV_S2_DESC_TABLE : 0);
		uint64_t n = UINT64_C(1) << s2_stride(&s2->geom);

		for (uint64_t i = 0; i < n; i++)
			page[i] = (base + i * csize) | tmpl;
	}
	if (s2->ops->clean_poc)
		s2->ops->clean_poc(s2->cookie, page, (size_t)s2_granule(s2));
	pa = s2->ops->virt_to_phys(s2->cookie, page);
	s2->pages++;
	av_s2_visit_set(v, pa | AV_S2_DESC_VALID | AV_S2_DESC_TABLE);
	return 0;
}

static bool s2_table_empty(const struct av_s2 *s2, const uint64_t *table)
{
	uint64_t n = UINT64_C(1) << s2_stride(&s2->geom);

	for (uint64_t i = 0; i < n; i++)
		if (desc_valid(desc_read(&table[i])))
			return false;
	return true;
}

/* TABLE_POST part shared by unmap and prune: unlink and free a table left empty. */
static void s2_free_if_empty(const struct av_s2_visit *v)
{
	uint64_t *child = table_va(v->s2, v->old);

	if (!s2_table_empty(v->s2, child))
		return;
	av_s2_visit_set(v, 0);
	s2_free_table(v->s2, child);
}

/* Validate a public range: granule-aligned, non-empty, inside the IPA space. */
static int s2_check_range(const struct av_s2 *s2, uint64_t ipa, uint64_t size)
{
	uint64_t gmask = s2_granule(s2) - 1;

	if (!size || (ipa & gmask) || (size & gmask))
		return -AV_EINVAL;
	if (ipa + size < ipa || ipa + size > s2_ipa_limit(s2))
		return -AV_ERANGE;
	return 0;
}

/* ---------------------------------------------------------------------------------- */
/* Map.                                                                                */

struct s2_map_data {
	uint64_t ipa;   /* start of the range */
	uint64_t pa;    /* PA for ipa */
	uint64_t attrs; /* leaf attributes */
	unsigned flags;
	struct av_memcache *mc;
};

static int s2_map_visit(const struct av_s2_visit *v)
{
	struct s2_map_data *md = v->arg;
	uint64_t pa = md->pa + (v->addr - md->ipa);
	uint64_t desc;

	if (v->level == 3) {
		desc = pa | md->attrs | AV_S2_DESC_VALID | AV_S2_DESC_TABLE;
	} else if (!(md->flags & AV_S2_MAP_NO_BLOCKS) && s2_block_ok(&v->s2->geom, v->level) &&
		   visit_covers(v) && !(pa & (v->size - 1))) {
		desc = pa | md->attrs | AV_S2_DESC_VALID;
	} else {
		if (desc_valid(v->old) && !(md->flags & AV_S2_MAP_REPLACE))
			return -AV_EEXIST;
		/*
		 * A block the range covers entirely need not be copied before it is rewritten,
		 * if rewriting its children cannot fail (they are all leaves): a failure must
		 * leave the rest of the range as it was.
		 */
		if (visit_covers(v)) {
			unsigned cl = v->level + 1;
			uint64_t cmask = av_s2_level_size(v->s2, cl) - 1;
			bool leaves = cl == 3 || (!(md->flags & AV_S2_MAP_NO_BLOCKS) &&
						  s2_block_ok(&v->s2->geom, cl) && !(pa & cmask));

			return s2_install_table(v, md->mc, !leaves);
		}
		return s2_install_table(v, md->mc, true);
	}
	if (desc_valid(v->old)) {
		if (!(md->flags & AV_S2_MAP_REPLACE))
			return -AV_EEXIST;
		if (v->old != desc)
			av_s2_visit_set(v, desc);
		return 0;
	}
	desc_write(v, desc);
	return 0;
}

static int s2_any_leaf_visit(const struct av_s2_visit *v)
{
	return desc_valid(v->old) ? -AV_EEXIST : 0;
}

static int s2_prune_visit(const struct av_s2_visit *v)
{
	s2_free_if_empty(v);
	return 0;
}

int av_s2_map(struct av_s2 *s2, uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot,
	      unsigned flags, struct av_memcache *mc, uint64_t *done)
{
	struct s2_map_data md = { .ipa = ipa, .pa = pa, .flags = flags, .mc = mc };
	struct av_s2_walker w = { .cb = s2_map_visit, .arg = &md, .flags = AV_S2_WALK_LEAF };
	uint64_t reached = ipa;
	int ret;

	if (done)
		*done = ipa;
	ret = s2_check_range(s2, ipa, size);
	if (ret)
		return ret;
	if ((pa & (s2_granule(s2) - 1)) || (flags & ~(AV_S2_MAP_NO_BLOCKS | AV_S2_MAP_REPLACE)))
		return -AV_EINVAL;
	if (pa + size < pa || pa + size > (UINT64_C(1) << s2->geom.pa_bits))
		return -AV_ERANGE;
	ret = av_s2_prot_to_attrs(prot, &md.attrs);
	if (ret)
		return ret;
	if (!(flags & AV_S2_MAP_REPLACE)) {
		struct av_s2_walker chk = { .cb = s2_any_leaf_visit, .flags = AV_S2_WALK_LEAF };

		ret = s2_walk_range(s2, ipa, ipa + size, &chk, NULL);
		if (ret)
			return ret;
	}
	ret = s2_walk_range(s2, ipa, ipa + size, &w, &reached);
	if (ret) {
		/* Do not leave tables this call created (and could not fill) behind. */
		struct av_s2_walker prune = { .cb = s2_prune_visit,
					      .flags = AV_S2_WALK_TABLE_POST };

		s2_walk_range(s2, reached, ipa + size, &prune, NULL);
	}
	if (done)
		*done = reached;
	return ret;
}

/* ---------------------------------------------------------------------------------- */
/* Unmap.                                                                              */

static int s2_unmap_visit(const struct av_s2_visit *v)
{
	if (v->visit == AV_S2_WALK_TABLE_POST) {
		s2_free_if_empty(v);
		return 0;
	}
	if (!desc_valid(v->old))
		return 0;
	if (visit_covers(v)) {
		av_s2_visit_set(v, 0);
		return 0;
	}
	return s2_install_table(v, v->arg, true);
}

int av_s2_unmap(struct av_s2 *s2, uint64_t ipa, uint64_t size, struct av_memcache *mc,
		uint64_t *done)
{
	struct av_s2_walker w = { .cb = s2_unmap_visit, .arg = mc,
				  .flags = AV_S2_WALK_LEAF | AV_S2_WALK_TABLE_POST };
	uint64_t reached = ipa;
	int ret;

	if (done)
		*done = ipa;
	ret = s2_check_range(s2, ipa, size);
	if (ret)
		return ret;
	ret = s2_walk_range(s2, ipa, ipa + size, &w, &reached);
	if (done)
		*done = reached;
	return ret;
}

/* ---------------------------------------------------------------------------------- */
/* Protect and dirty logging.                                                          */

enum s2_perm_op {
	S2_PERM_SET,       /* av_s2_protect() */
	S2_PERM_LOG_START, /* write-protect and tag writable pages */
	S2_PERM_LOG_STOP,  /* give write back to tagged pages, drop the tag */
	S2_PERM_LOG_CLEAR, /* record dirty tagged pages, write-protect them again */
};

struct s2_perm_data {
	enum s2_perm_op op;
	uint64_t perm; /* S2AP/XN bits for S2_PERM_SET */
	bool want_w;   /* S2_PERM_SET grants write */
	struct av_memcache *mc;
	uint64_t ipa;  /* S2_PERM_LOG_CLEAR: base of the bitmap */
	uint64_t *bitmap;
};

/* The descriptor @old becomes under @pd (for a leaf). */
static uint64_t s2_perm_apply(const struct s2_perm_data *pd, uint64_t old)
{
	uint64_t d = old;

	switch (pd->op) {
	case S2_PERM_SET:
		d = (d & ~S2_PERM_BITS) | pd->perm;
		if (d & AV_S2_DESC_SW_LOG) {
			if (pd->want_w)
				d &= ~AV_S2_DESC_S2AP_W; /* still logged: clean until written */
			else
				d &= ~AV_S2_DESC_SW_LOG;
		}
		break;
	case S2_PERM_LOG_START:
		if (d & AV_S2_DESC_S2AP_W)
			d = (d & ~AV_S2_DESC_S2AP_W) | AV_S2_DESC_SW_LOG;
		break;
	case S2_PERM_LOG_STOP:
		if (d & AV_S2_DESC_SW_LOG)
			d = (d | AV_S2_DESC_S2AP_W) & ~AV_S2_DESC_SW_LOG;
		break;
	case S2_PERM_LOG_CLEAR:
		if ((d & AV_S2_DESC_SW_LOG) && (d & AV_S2_DESC_S2AP_W))
			d &= ~AV_S2_DESC_S2AP_W;
		break;
	}
	return d;
}

static int s2_perm_visit(const struct av_s2_visit *v)
{
	struct s2_perm_data *pd = v->arg;
	uint64_t d;

	if (!desc_valid(v->old))
		return 0;
	d = s2_perm_apply(pd, v->old);
	if (d == v->old)
		return 0;
	/* Dirty logging works on pages; other changes only split what straddles the range. */
	if (v->level < 3 && (pd->op == S2_PERM_LOG_START || !visit_covers(v)))
		return s2_install_table(v, pd->mc, true);
	if (pd->op == S2_PERM_LOG_CLEAR) {
		uint64_t i = (v->addr - pd->ipa) >> v->s2->geom.granule_shift;

		pd->bitmap[i / 64] |= AV_BIT(i % 64);
	}
	av_s2_visit_set(v, d);
	return 0;
}

static int s2_perm_range(struct av_s2 *s2, uint64_t ipa, uint64_t size, struct s2_perm_data *pd,
			 uint64_t *done)
{
	struct av_s2_walker w = { .cb = s2_perm_visit, .arg = pd, .flags = AV_S2_WALK_LEAF };
	uint64_t reached = ipa;
	int ret;

	if (done)
		*done = ipa;
	ret = s2_check_range(s2, ipa, size);
	if (ret)
		return ret;
	ret = s2_walk_range(s2, ipa, ipa + size, &w, &reached);
	if (done)
		*done = reached;
	return ret;
}

int av_s2_protect(struct av_s2 *s2, uint64_t ipa, uint64_t size, uint32_t prot,
		  struct av_memcache *mc, uint64_t *done)
{
	struct s2_perm_data pd = { .op = S2_PERM_SET, .mc = mc };
	uint64_t attrs;

	if (done)
		*done = ipa;
	if (prot & ~(uint32_t)(AV_S2_R | AV_S2_W | AV_S2_X))
		return -AV_EINVAL;
	if (av_s2_prot_to_attrs(prot, &attrs))
		return -AV_EINVAL;
	pd.perm = attrs & S2_PERM_BITS;
	pd.want_w = (prot & AV_S2_W) != 0;
	return s2_perm_range(s2, ipa, size, &pd, done);
}

int av_s2_dirty_log_start(struct av_s2 *s2, uint64_t ipa, uint64_t size,
			  struct av_memcache *mc, uint64_t *done)
{
	struct s2_perm_data pd = { .op = S2_PERM_LOG_START, .mc = mc };

	return s2_perm_range(s2, ipa, size, &pd, done);
}

int av_s2_dirty_log_stop(struct av_s2 *s2, uint64_t ipa, uint64_t size)
{
	struct s2_perm_data pd = { .op = S2_PERM_LOG_STOP };

	return s2_perm_range(s2, ipa, size, &pd, NULL);
}

int av_s2_dirty_read_clear(struct av_s2 *s2, uint64_t ipa, uint64_t size, uint64_t *bitmap,
			   size_t nwords)
{
	struct s2_perm_data pd = { .op = S2_PERM_LOG_CLEAR, .ipa = ipa, .bitmap = bitmap };
	uint64_t pages;
	int ret;

	ret = s2_check_range(s2, ipa, size);
	if (ret)
		return ret;
	pages = size >> s2->geom.granule_shift;
	if (!bitmap || nwords < (pages + 63) / 64)
		return -AV_ENOSPC;
	memset(bitmap, 0, (size_t)((pages + 63) / 64) * sizeof(*bitmap));
	return s2_perm_range(s2, ipa, size, &pd, NULL);
}

static int s2_dirty_fault_visit(const struct av_s2_visit *v)
{
	uint64_t d = v->old;

	if (!desc_valid(d) || v->level != 3 || !(d & AV_S2_DESC_SW_LOG) ||
	    (d & AV_S2_DESC_S2AP_W))
		return 0;
	av_s2_visit_set(v, d | AV_S2_DESC_S2AP_W);
	*(int *)v->arg = 1;
	return 0;
}

int av_s2_dirty_fault(struct av_s2 *s2, uint64_t ipa)
{
	int handled = 0;
	struct av_s2_walker w = { .cb = s2_dirty_fault_visit, .arg = &handled,
				  .flags = AV_S2_WALK_LEAF };
	uint64_t g = s2_granule(s2);

	if (ipa >= s2_ipa_limit(s2))
		return -AV_ERANGE;
	ipa &= ~(g - 1);
	s2_walk_range(s2, ipa, ipa + g, &w, NULL);
	return handled;
}

/* ---------------------------------------------------------------------------------- */
/* Translate.                                                                          */

struct s2_xlate_data {
	uint64_t ipa;
	struct av_s2_leaf *out;
};

static int s2_xlate_visit(const struct av_s2_visit *v)
{
	struct s2_xlate_data *xd = v->arg;
	struct av_s2_leaf *out = xd->out;

	if (!desc_valid(v->old))
		return -AV_ENOENT;
	out->desc = v->old;
	out->level = v->level;
	out->size = v->size;
	out->pa = (desc_addr(v->s2, v->old) & ~(v->size - 1)) | (xd->ipa & (v->size - 1));
	out->prot = av_s2_desc_to_prot(v->old);
	return 0;
}

int av_s2_translate(struct av_s2 *s2, uint64_t ipa, struct av_s2_leaf *out)
{
	struct s2_xlate_data xd = { .ipa = ipa, .out = out };
	struct av_s2_walker w = { .cb = s2_xlate_visit, .arg = &xd, .flags = AV_S2_WALK_LEAF };
	uint64_t g = s2_granule(s2);
	uint64_t base = ipa & ~(g - 1);

	if (ipa >= s2_ipa_limit(s2))
		return -AV_ERANGE;
	return s2_walk_range(s2, base, base + g, &w, NULL);
}

/* ---------------------------------------------------------------------------------- */
/* Destroy.                                                                            */

static int s2_destroy_visit(const struct av_s2_visit *v)
{
	s2_free_table(v->s2, table_va(v->s2, v->old));
	return 0;
}

void av_s2_destroy(struct av_s2 *s2)
{
	struct av_s2_walker w = { .cb = s2_destroy_visit, .flags = AV_S2_WALK_TABLE_POST };

	if (!s2->root)
		return;
	s2->ops->tlbi_vmid(s2->cookie);
	s2_walk_range(s2, 0, s2_ipa_limit(s2), &w, NULL);
	s2->ops->free(s2->cookie, s2->root, (size_t)s2->geom.root_tables << s2->geom.granule_shift);
	s2->pages -= s2->geom.root_tables;
	s2->root = NULL;
}

/* ---------------------------------------------------------------------------------- */
/* The invariant checker.                                                              */

struct s2_check_data {
	const struct av_s2_pa_range *owned;
	size_t nowned;
	av_s2_report_fn report;
	void *cookie;
	unsigned long problems;
	size_t tables; /* reachable table pages below the root */
};

static void s2_report(struct s2_check_data *cd, enum av_s2_problem_kind kind, uint64_t ipa,
		      unsigned level, uint64_t desc, const char *what)
{
	struct av_s2_problem p = { .kind = kind, .ipa = ipa, .level = level, .desc = desc,
				   .what = what };

	cd->problems++;
	if (cd->report)
		cd->report(cd->cookie, &p);
	else
		av_warn("s2 check: %s at IPA 0x%llx level %u desc 0x%016llx", what,
			(unsigned long long)ipa, level, (unsigned long long)desc);
}

/* Is [pa, pa + size) covered by the union of the owned ranges? */
static bool s2_pa_owned(const struct s2_check_data *cd, uint64_t pa, uint64_t size)
{
	uint64_t end = pa + size;
	bool progress = true;

	while (pa < end && progress) {
		progress = false;
		for (size_t i = 0; i < cd->nowned; i++) {
			const struct av_s2_pa_range *r = &cd->owned[i];

			if (pa >= r->pa && pa - r->pa < r->size) {
				pa = r->pa + r->size;
				progress = true;
				break;
			}
		}
	}
	return pa >= end;
}

static bool s2_pa_overlaps_owned(const struct s2_check_data *cd, uint64_t pa, uint64_t size)
{
	for (size_t i = 0; i < cd->nowned; i++) {
		const struct av_s2_pa_range *r = &cd->owned[i];

		if (pa < r->pa + r->size && r->pa < pa + size)
			return true;
	}
	return false;
}

static int s2_check_visit(const struct av_s2_visit *v)
{
	struct s2_check_data *cd = v->arg;
	const struct av_s2 *s2 = v->s2;
	const struct av_s2_geom *g = &s2->geom;
	uint64_t d = v->old;
	uint64_t base = v->addr & ~(v->size - 1);
	uint64_t pa_limit = UINT64_C(1) << g->pa_bits;
	uint64_t gmask = s2_granule(s2) - 1;
	/* Address bits below the granule are RES0 (16K, 64K; 64K bits 15:12 are OA[51:48]). */
	uint64_t low_addr = AV_S2_DESC_ADDR & gmask;
	uint64_t oa;

	if (v->visit == AV_S2_WALK_TABLE_PRE) {
		uint64_t never = ~(AV_S2_DESC_VALID | AV_S2_DESC_TABLE | AV_S2_DESC_ADDR) |
				 low_addr;

		if (d & never) {
			s2_report(cd, AV_S2_PROB_RES0, base, v->level, d,
				  "table descriptor has RES0 or unused bits set");
			return AV_S2_WALK_SKIP;
		}
		if (desc_addr(s2, d) >= pa_limit) {
			s2_report(cd, AV_S2_PROB_PA_RANGE, base, v->level, d,
				  "next-level table beyond the PA size");
			return AV_S2_WALK_SKIP;
		}
		cd->tables++;
		if (cd->owned && s2_pa_overlaps_owned(cd, desc_addr(s2, d), gmask + 1))
			s2_report(cd, AV_S2_PROB_TABLE_IN_VM, base, v->level, d,
				  "table page inside the VM's own memory");
		return 0;
	}
	if (!desc_valid(d))
		return 0;
	if (v->level == 3 && !(d & AV_S2_DESC_TABLE)) {
		s2_report(cd, AV_S2_PROB_TYPE, base, v->level, d,
			  "reserved descriptor type at level 3");
		return 0;
	}
	if (v->level < 3 && !s2_block_ok(g, v->level)) {
		s2_report(cd, AV_S2_PROB_BLOCK_LEVEL, base, v->level, d,
			  "block at a level the granule has no blocks at");
		return 0;
	}
	if (d & (AV_S2_DESC_FNXS | AV_S2_DESC_OAHI | AV_S2_DESC_DBM | AV_S2_DESC_CONTIG |
		 AV_S2_DESC_XN0 | AV_S2_DESC_UPPER | low_addr))
		s2_report(cd, AV_S2_PROB_RES0, base, v->level, d,
			  "leaf has RES0 or never-set bits set");
	oa = desc_addr(s2, d);
	if (oa & (v->size - 1))
		s2_report(cd, AV_S2_PROB_ALIGN, base, v->level, d,
			  "output address not aligned to the block size");
	oa &= ~(v->size - 1);
	if (oa + v->size > pa_limit)
		s2_report(cd, AV_S2_PROB_PA_RANGE, base, v->level, d,
			  "output address beyond the PA size");
	if (!(d & AV_S2_DESC_AF))
		s2_report(cd, AV_S2_PROB_AF, base, v->level, d, "valid leaf with AF clear");
	switch (AV_FIELD_GET(AV_S2_DESC_MEMATTR, d)) {
	case AV_S2_MEMATTR_NORMAL_WB:
		if (AV_FIELD_GET(AV_S2_DESC_SH, d) != AV_S2_SH_INNER)
			s2_report(cd, AV_S2_PROB_ATTR, base, v->level, d,
				  "write-back leaf not inner shareable");
		break;
	case AV_S2_MEMATTR_NORMAL_NC:
	case AV_S2_MEMATTR_DEV_NGNRE:
	case AV_S2_MEMATTR_DEV_NGNRNE:
		if (AV_FIELD_GET(AV_S2_DESC_SH, d) != AV_S2_SH_OUTER)
			s2_report(cd, AV_S2_PROB_ATTR, base, v->level, d,
				  "non-cacheable leaf not outer shareable");
		break;
	default:
		s2_report(cd, AV_S2_PROB_ATTR, base, v->level, d,
			  "MemAttr value armvirt never writes");
		break;
	}
	if (cd->owned && !s2_pa_owned(cd, oa, v->size))
		s2_report(cd, AV_S2_PROB_ISOLATION, base, v->level, d,
			  "leaf maps memory the VM does not own");
	return 0;
}

unsigned long av_s2_check(struct av_s2 *s2, const struct av_s2_pa_range *owned, size_t nowned,
			  av_s2_report_fn report, void *cookie)
{
	const struct av_s2_geom *g = &s2->geom;
	struct s2_check_data cd = { .owned = owned, .nowned = owned ? nowned : 0,
				    .report = report, .cookie = cookie };
	struct av_s2_walker w = { .cb = s2_check_visit, .arg = &cd,
				  .flags = AV_S2_WALK_LEAF | AV_S2_WALK_TABLE_PRE };
	uint64_t used = s2_entries(g, g->start_level);
	uint64_t slots = (uint64_t)g->root_tables << s2_stride(g);
	uint64_t esize = av_s2_level_size(s2, g->start_level);

	if (!s2->root)
		return 0;
	s2_walk_range(s2, 0, s2_ipa_limit(s2), &w, NULL);
	/* Root slots past the IPA size must stay invalid. */
	for (uint64_t i = used; i < slots; i++) {
		uint64_t d = desc_read(&s2->root[i]);

		if (desc_valid(d))
			s2_report(&cd, AV_S2_PROB_BEYOND_IPA, i * esize, g->start_level, d,
				  "valid root entry beyond the IPA size");
	}
	if (cd.owned) {
		uint64_t root_size = (uint64_t)g->root_tables << g->granule_shift;

		if (s2_pa_overlaps_owned(&cd, s2->root_pa, root_size))
			s2_report(&cd, AV_S2_PROB_TABLE_IN_VM, 0, g->start_level, s2->root_pa,
				  "root table inside the VM's own memory");
	}
	if (cd.tables + g->root_tables != s2->pages)
		s2_report(&cd, AV_S2_PROB_PAGE_COUNT, 0, g->start_level,
			  (uint64_t)(cd.tables + g->root_tables),
			  "reachable table pages differ from the page count");
	return cd.problems;
}
