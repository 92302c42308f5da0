/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/s2.h
 * @brief Stage-2 translation tables (VMSAv8-64, 48-bit OA) and the VMID allocator.
 *
 * A `struct av_s2` owns one stage-2 translation table: a root (possibly several
 * concatenated tables at the start level) and the table pages below it. Everything is
 * done by one walker, av_s2_walk(), that calls a visitor for leaves and for tables
 * (before and after their children); map, unmap, protect, translate, dirty logging,
 * destroy and the invariant checker are visitors.
 *
 * **Memory.** The library never allocates by itself. The root is allocated at
 * av_s2_init() through the caller's `struct av_mm_ops`; every other table page comes
 * from a caller-filled `struct av_memcache`, so av_s2_map() and friends can run under a
 * spinlock without ever calling an allocator. Pages that become unused are returned
 * through `ops->free` (or kept until av_s2_destroy()).
 *
 * **Break-before-make and barriers.** Every change of a valid descriptor is done as:
 * write 0, clean the descriptor to PoC if `ops->clean_poc` is set, DSB ISHST,
 * `ops->tlbi_ipa()` for the entry, DSB ISH, then write the new descriptor. Every call that
 * wrote descriptors ends with a DSB ISHST after its last write, so the hardware walkers of
 * every CPU see the new entries as soon as the call returns: the caller needs no barrier
 * of its own before entering the guest. The library issues the barriers itself
 * (`ops->barrier` if set, else the instruction), whatever the other ops do.
 *
 * **Locking.** An `av_s2` is not internally locked. The caller serialises every call
 * that may write a descriptor (map, unmap, protect, dirty-log calls, destroy) on one
 * table; av_s2_translate() and av_s2_check() may run concurrently with each other but
 * not with writers. A read-only walk (av_s2_translate(), av_s2_check()) never writes to
 * the `av_s2` and issues no barrier. Hardware walkers may run concurrently with everything
 * (that is what break-before-make is for).
 *
 * **Rounding.** Public calls take an IPA range that must be aligned to the granule:
 * there is no silent rounding (`AV_EINVAL`). av_s2_walk() alone rounds its range out to
 * the granule.
 */
#ifndef ARMVIRT_S2_H
#define ARMVIRT_S2_H

#include <armvirt/bits.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* Register and descriptor layouts (Arm ARM D8 "VMSAv8-64", D24.2 VTCR_EL2/VTTBR_EL2). */

/* VTCR_EL2 fields. */
#define AV_VTCR_T0SZ  AV_GENMASK(5, 0)   /**< IPA size is 2^(64 - T0SZ) bytes */
#define AV_VTCR_SL0   AV_GENMASK(7, 6)   /**< start level, encoding depends on TG0 */
#define AV_VTCR_IRGN0 AV_GENMASK(9, 8)   /**< inner cacheability of table walks */
#define AV_VTCR_ORGN0 AV_GENMASK(11, 10) /**< outer cacheability of table walks */
#define AV_VTCR_SH0   AV_GENMASK(13, 12) /**< shareability of table walks */
#define AV_VTCR_TG0   AV_GENMASK(15, 14) /**< granule: 0b00 4K, 0b01 64K, 0b10 16K */
#define AV_VTCR_PS    AV_GENMASK(18, 16) /**< output (physical) address size */
#define AV_VTCR_VS    AV_BIT(19)         /**< 1: 16-bit VMID */
#define AV_VTCR_RES1  AV_BIT(31)         /**< bit 31 is RES1 */

/* VTCR_EL2 field values. */
#define AV_VTCR_RGN_NC    0u /**< IRGN0/ORGN0: non-cacheable */
#define AV_VTCR_RGN_WBWA  1u /**< IRGN0/ORGN0: write-back read/write-allocate */
#define AV_VTCR_SH_NONE   0u /**< SH0: non-shareable */
#define AV_VTCR_SH_OUTER  2u /**< SH0: outer shareable */
#define AV_VTCR_SH_INNER  3u /**< SH0: inner shareable */
#define AV_VTCR_TG0_4K    0u /**< TG0: 4 KiB granule */
#define AV_VTCR_TG0_64K   1u /**< TG0: 64 KiB granule */
#define AV_VTCR_TG0_16K   2u /**< TG0: 16 KiB granule */

/* VTTBR_EL2 fields. */
#define AV_VTTBR_CNP   AV_BIT(0)          /**< common-not-private (never set by armvirt) */
#define AV_VTTBR_BADDR AV_GENMASK(47, 1)  /**< root table PA, aligned to the root size */
#define AV_VTTBR_VMID  AV_GENMASK(63, 48) /**< VMID; bits 63:56 RES0 with 8-bit VMIDs */

/* Stage-2 descriptor fields (all levels). */
#define AV_S2_DESC_VALID   AV_BIT(0)           /**< 1: valid descriptor */
#define AV_S2_DESC_TABLE   AV_BIT(1)           /**< levels 0-2: 1 table, 0 block; level 3: 1 page */
#define AV_S2_DESC_MEMATTR AV_GENMASK(5, 2)    /**< leaf: stage-2 memory type (no FEAT_S2FWB) */
#define AV_S2_DESC_S2AP_R  AV_BIT(6)           /**< leaf: S2AP[0], read allowed */
#define AV_S2_DESC_S2AP_W  AV_BIT(7)           /**< leaf: S2AP[1], write allowed */
#define AV_S2_DESC_SH      AV_GENMASK(9, 8)    /**< leaf: shareability */
#define AV_S2_DESC_AF      AV_BIT(10)          /**< leaf: access flag (always set by armvirt) */
#define AV_S2_DESC_FNXS    AV_BIT(11)          /**< leaf: FnXS (FEAT_XS); never set */
#define AV_S2_DESC_ADDR    AV_GENMASK(47, 12)  /**< output/next-table address, granule-aligned */
#define AV_S2_DESC_OAHI    AV_GENMASK(50, 48)  /**< RES0 with a 48-bit OA */
#define AV_S2_DESC_DBM     AV_BIT(51)          /**< leaf: dirty bit modifier; never set */
#define AV_S2_DESC_CONTIG  AV_BIT(52)          /**< leaf: contiguous hint; never set */
#define AV_S2_DESC_XN0     AV_BIT(53)          /**< leaf: XN[0] (FEAT_XNX); never set */
#define AV_S2_DESC_XN      AV_BIT(54)          /**< leaf: XN[1], execute never at EL1 and EL0 */
#define AV_S2_DESC_SW      AV_GENMASK(57, 55)  /**< leaf: software bits for the caller */
#define AV_S2_DESC_SW_LOG  AV_BIT(58)          /**< leaf: software bit armvirt uses for dirty log */
#define AV_S2_DESC_UPPER   AV_GENMASK(63, 59)  /**< PBHA/RES0 (leaf), RES0 (table); never set */

/* MemAttr[3:0] values for stage 2 without FEAT_S2FWB. */
#define AV_S2_MEMATTR_DEV_NGNRNE 0x0u /**< Device-nGnRnE */
#define AV_S2_MEMATTR_DEV_NGNRE  0x1u /**< Device-nGnRE */
#define AV_S2_MEMATTR_NORMAL_NC  0x5u /**< Normal, inner and outer non-cacheable */
#define AV_S2_MEMATTR_NORMAL_WB  0xfu /**< Normal, inner and outer write-back */

/* SH values in a leaf. */
#define AV_S2_SH_NONE  0u /**< non-shareable */
#define AV_S2_SH_OUTER 2u /**< outer shareable */
#define AV_S2_SH_INNER 3u /**< inner shareable */

/* ---------------------------------------------------------------------------------- */
/* Abstract protections.                                                               */

#define AV_S2_R   AV_BIT(0)         /**< guest may read */
#define AV_S2_W   AV_BIT(1)         /**< guest may write */
#define AV_S2_X   AV_BIT(2)         /**< guest may execute */
#define AV_S2_MT  AV_GENMASK(5, 4)  /**< memory type, an `enum av_s2_memtype` */
#define AV_S2_SW  AV_GENMASK(10, 8) /**< three software bits, stored in descriptor bits 57:55 */

/** Memory types (the AV_S2_MT field of a protection). */
enum av_s2_memtype {
	AV_S2_MT_NORMAL = 0,        /**< Normal write-back, inner shareable (default) */
	AV_S2_MT_NORMAL_NC = 1,     /**< Normal non-cacheable */
	AV_S2_MT_DEVICE_NGNRE = 2,  /**< Device-nGnRE */
	AV_S2_MT_DEVICE_NGNRNE = 3, /**< Device-nGnRnE */
};

/** Shorthand: a device mapping (Device-nGnRE). Combine with AV_S2_R/AV_S2_W. */
#define AV_S2_DEVICE AV_FIELD_PREP(AV_S2_MT, AV_S2_MT_DEVICE_NGNRE)
/** Shorthand: read and write. */
#define AV_S2_RW (AV_S2_R | AV_S2_W)
/** Shorthand: read, write and execute. */
#define AV_S2_RWX (AV_S2_R | AV_S2_W | AV_S2_X)

/**
 * Turn an abstract protection into the attribute bits of a leaf descriptor.
 *
 * This is the only place where AV_S2_R/W/X, the memory type and the software bits become
 * S2AP, MemAttr, SH, AF, XN and descriptor bits 57:55. AF is always set; SH is inner
 * shareable for Normal memory and outer shareable for Device memory; XN is set unless
 * AV_S2_X is given. The result has no address and no valid/type bits.
 *
 * @param prot   AV_S2_R | AV_S2_W | AV_S2_X | AV_S2_MT field | AV_S2_SW field
 * @param attrs  out: the attribute bits
 * @return 0, or -AV_EINVAL if @p prot has bits outside those fields.
 */
int av_s2_prot_to_attrs(uint32_t prot, uint64_t *attrs);

/**
 * The abstract protection a leaf descriptor grants (inverse of av_s2_prot_to_attrs()).
 * @param desc a leaf descriptor
 * @return the protection: AV_S2_R, AV_S2_W, AV_S2_X and AV_S2_MT bits
 */
uint32_t av_s2_desc_to_prot(uint64_t desc);

/* ---------------------------------------------------------------------------------- */
/* Configuration.                                                                      */

/** Translation granules; the value is log2 of the page size. */
enum av_s2_granule {
	AV_S2_GRANULE_4K = 12,  /**< 4 KiB pages; blocks of 1 GiB (level 1) and 2 MiB (level 2) */
	AV_S2_GRANULE_16K = 14, /**< 16 KiB pages; blocks of 32 MiB (level 2) */
	AV_S2_GRANULE_64K = 16, /**< 64 KiB pages; blocks of 512 MiB (level 2) */
};

/** Cacheability of the hardware's table walks. */
enum av_s2_walk_cache {
	AV_S2_WALK_WB_INNER = 0, /**< IRGN0 = ORGN0 = write-back RAWA, SH0 inner shareable */
	AV_S2_WALK_NC = 1,       /**< non-cacheable, outer shareable: needs ops->clean_poc */
};

/** av_s2_cfg::start_level value kept for older callers: the start level is chosen. */
#define AV_S2_START_LEVEL_AUTO (-1)
/** The IPA size a zero av_s2_cfg::ipa_bits stands for. */
#define AV_S2_DEFAULT_IPA_BITS 40u

/**
 * What the caller asks for. A zero field takes its default, so a zero-initialised
 * configuration is valid: 4K granule, 40-bit IPA, the smallest PA size that holds the
 * IPA, a start level derived from the IPA size, 8-bit VMIDs, write-back table walks.
 */
struct av_s2_cfg {
	enum av_s2_granule granule; /**< translation granule; 0: AV_S2_GRANULE_4K */
	unsigned ipa_bits;          /**< IPA size, 32..48; 0: #AV_S2_DEFAULT_IPA_BITS */
	unsigned pa_bits;           /**< PA size: 32, 36, 40, 42, 44 or 48 (>= ipa_bits); 0: fit */
	/** Only with @c force_start_level: the level 0..3 of the root. Without it, 0 or
	 *  #AV_S2_START_LEVEL_AUTO; any other value is an error (-AV_EINVAL). */
	int start_level;
	unsigned vmid_bits;         /**< 8 or 16 (VTCR_EL2.VS); 0: 8 */
	enum av_s2_walk_cache walk; /**< cacheability of table walks */
	/** Use @c start_level instead of the level av_s2_cfg_resolve() derives. */
	bool force_start_level;
};

/** What follows from a configuration. */
struct av_s2_geom {
	unsigned granule_shift; /**< log2 of the page size: 12, 14 or 16 */
	unsigned ipa_bits;      /**< IPA size */
	unsigned pa_bits;       /**< PA size */
	unsigned vmid_bits;     /**< 8 or 16 */
	unsigned start_level;   /**< level of the root */
	unsigned root_tables;   /**< concatenated tables at the start level, 1..16 */
	uint64_t vtcr;          /**< the VTCR_EL2 value */
};

/**
 * Check a configuration and compute the start level, concatenation and VTCR_EL2.
 *
 * The start level obeys the Arm ARM rule for stage 2: the initial lookup must resolve at
 * least one bit and at most (stride - 1) + 4 bits more than a full table, the extra bits
 * being resolved by up to 16 concatenated tables. Unless @c force_start_level, the
 * deepest such level is chosen that is not below the coarsest block level of the granule
 * (4K: level 1, 16K and 64K: level 2), so the largest blocks stay available while the
 * walk stays short. Examples: 4K/32 bits -> level 1, 1 table; 4K/40 -> level 1, 2 tables;
 * 4K/48 -> level 0; 16K/48 -> level 1, 2 tables; 64K/42 -> level 2, 1 table.
 *
 * A forced start level must be consistent with the IPA size; levels that need
 * FEAT_TTST (4K level 3) or FEAT_LPA2 (16K level 0) are refused with -AV_ENOTSUP, and
 * 4K level 0, 16K level 1 and 64K level 1 need a PA size of at least 44, 42 and 44 bits.
 *
 * @param cfg the configuration
 * @param geom receives the resolved geometry
 * Zero fields of @p cfg take the defaults listed at struct av_s2_cfg.
 *
 * @param err  optional: on failure, the field of @p cfg that is wrong and why (see
 *             struct av_error); cleared on success
 * @return 0; -AV_EINVAL for an unknown granule, an IPA size outside 32..48, a PA size
 *         that is not a PARange encoding or is smaller than the IPA size, a VMID size
 *         other than 8/16, or an inconsistent start level; -AV_ENOTSUP for a 52-bit PA
 *         or a start level that needs an unsupported feature.
 */
int av_s2_cfg_resolve(const struct av_s2_cfg *cfg, struct av_s2_geom *geom,
		      struct av_error *err);

/* ---------------------------------------------------------------------------------- */
/* The environment.                                                                    */

/**
 * The caller's memory and TLB operations. Every callback gets the cookie given to
 * av_s2_init(). Table pages are granule-sized and granule-aligned.
 */
struct av_mm_ops {
	/**
	 * Allocate @p size zeroed bytes aligned to @p size (a granule times a power of two,
	 * at most 16 granules: the root). Return the VA, or NULL.
	 */
	void *(*zalloc)(void *cookie, size_t size);
	/** Free memory from zalloc(), or a memcache page (then @p size is one granule). */
	void (*free)(void *cookie, void *va, size_t size);
	/** The VA at which the library may access table memory at physical address @p pa. */
	void *(*phys_to_virt)(void *cookie, uint64_t pa);
	/** The PA of table memory at @p va. */
	uint64_t (*virt_to_phys)(void *cookie, void *va);
	/**
	 * Optional (NULL if walks are coherent): clean [va, va+size) to the point of
	 * coherency after the library wrote descriptors there.
	 */
	void (*clean_poc)(void *cookie, void *va, size_t size);
	/**
	 * Invalidate stage-2 TLB entries (and cached walks if !@p leaf) for the IPA @p ipa in
	 * this table's VMID. @p level is the level of the descriptor that changed (a TTL
	 * hint). The callback must complete the invalidation (DSB ISH; TLBI IPAS2[L]E1IS;
	 * DSB ISH; and TLBI VMALLE1IS for combined entries) before returning.
	 */
	void (*tlbi_ipa)(void *cookie, uint64_t ipa, unsigned level, bool leaf);
	/** Invalidate every stage-1 and stage-2 TLB entry of this table's VMID. */
	void (*tlbi_vmid)(void *cookie);
	/**
	 * Optional: issue the barrier @p kind (AV_S2_BARRIER_ISHST or AV_S2_BARRIER_ISH).
	 * NULL: the library executes `DSB ISHST` / `DSB ISH` itself on AArch64 (a full
	 * compiler and CPU fence elsewhere). Set it to trace or replace the barriers (host
	 * tests); it must be at least as strong as the DSB it stands for.
	 */
	void (*barrier)(void *cookie, unsigned kind);
};

/** av_mm_ops::barrier kind: DSB ISHST, descriptor writes before later walks and TLBIs. */
#define AV_S2_BARRIER_ISHST 1u
/** av_mm_ops::barrier kind: DSB ISH, a TLBI completed before the new descriptor is written. */
#define AV_S2_BARRIER_ISH 2u

/**
 * A caller-filled cache of table pages. `pages` is the caller's array of @c cap slots,
 * of which the first @c nr hold granule-sized, granule-aligned pages (they need not be
 * zeroed: the library clears each page it takes). Fill it with av_s2_memcache_topup()
 * or by hand before a call that may need tables; the call takes pages from the end.
 */
struct av_memcache {
	void **pages; /**< the caller's array */
	size_t nr;    /**< pages in the cache */
	size_t cap;   /**< slots in @c pages */
};

/**
 * Initialise an empty memcache on the caller's array of @p cap slots.
 * @param mc the memory cache
 * @param array storage for the cached page pointers
 * @param cap capacity of @p array
 */
static inline void av_memcache_init(struct av_memcache *mc, void **array, size_t cap)
{
	mc->pages = array;
	mc->nr = 0;
	mc->cap = cap;
}

/* ---------------------------------------------------------------------------------- */
/* The table object.                                                                   */

/** A stage-2 translation table. Caller-allocated; initialise with av_s2_init(). */
struct av_s2 {
	struct av_s2_geom geom;     /**< configuration */
	const struct av_mm_ops *ops; /**< environment */
	void *cookie;               /**< passed to every op */
	uint64_t *root;             /**< VA of the root (root_tables concatenated tables) */
	uint64_t root_pa;           /**< PA of the root */
	size_t pages;               /**< granule pages in use by this table, root included */
	bool unsynced;              /**< internal: descriptors written since the last DSB ISHST */
};

/**
 * Resolve @p cfg and allocate a zeroed root through @p ops->zalloc.
 *
 * @param ops     the environment; zalloc, free, phys_to_virt, virt_to_phys, tlbi_ipa and
 *                tlbi_vmid are required, clean_poc is required with AV_S2_WALK_NC
 * @param cookie  passed to every op
 * @param s2 the table to initialise
 * @param cfg geometry and options (a zeroed struct means the defaults)
 * @param err     optional: on failure, the field that is wrong ("ops", or a field of
 *                @p cfg) and why; cleared on success
 * @return 0, an error of av_s2_cfg_resolve(), -AV_EINVAL for missing ops, or -AV_ENOMEM.
 */
int av_s2_init(struct av_s2 *s2, const struct av_s2_cfg *cfg, const struct av_mm_ops *ops,
	       void *cookie, struct av_error *err);

/**
 * Tear the table down: one ops->tlbi_vmid(), then every table page and the root are freed
 * through ops->free. The VM must not run on this table any more. Afterwards
 * s2->pages is 0 and @p s2 may be initialised again.
 * @param s2 the stage-2 table
 */
void av_s2_destroy(struct av_s2 *s2);

/**
 * The VTCR_EL2 value for this table.
 * @param s2 the stage-2 table
 * @return the VTCR_EL2 value
 */
static inline uint64_t av_s2_vtcr(const struct av_s2 *s2)
{
	return s2->geom.vtcr;
}

/**
 * Compose VTTBR_EL2 for this table's root and @p vmid (CnP clear).
 * @param s2 the stage-2 table
 * @param vmid the VMID
 * @param vttbr receives the VTTBR_EL2 value
 * @return 0, or -AV_EINVAL if @p vmid does not fit the configured VMID size.
 */
int av_s2_vttbr(const struct av_s2 *s2, uint32_t vmid, uint64_t *vttbr);

/**
 * Bytes mapped by one descriptor at @p level (0..3) with this table's granule.
 * @param s2 the stage-2 table
 * @param level translation table level (0..3)
 * @return the size in bytes
 */
uint64_t av_s2_level_size(const struct av_s2 *s2, unsigned level);

/* ---------------------------------------------------------------------------------- */
/* Memcache helpers.                                                                   */

/**
 * Fill @p mc through s2->ops->zalloc until it holds at least @p min pages.
 * Call it outside the lock that protects the table.
 * @param s2 the stage-2 table
 * @param mc the memory cache
 * @param min pages the cache must hold after the call
 * @return 0; -AV_ENOSPC if @p min > mc->cap; -AV_ENOMEM if an allocation failed (the
 *         pages allocated so far stay in the cache).
 */
int av_s2_memcache_topup(const struct av_s2 *s2, struct av_memcache *mc, size_t min);

/**
 * Free every page left in @p mc through s2->ops->free.
 * @param s2 the stage-2 table
 * @param mc the memory cache
 */
void av_s2_memcache_drain(const struct av_s2 *s2, struct av_memcache *mc);

/**
 * The most table pages av_s2_map() of this range could take from the memcache,
 * whatever the table holds now (it counts every table the range could need,
 * including splits of existing blocks with AV_S2_MAP_REPLACE).
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param pa physical address the range maps to
 * @param flags AV_S2_MAP_* flags
 * @return the page count
 */
size_t av_s2_map_pages_max(const struct av_s2 *s2, uint64_t ipa, uint64_t size, uint64_t pa,
			   unsigned flags);

/**
 * The most table pages av_s2_unmap() or av_s2_protect() of any range could take (to
 * split the blocks that straddle its two ends).
 * @param s2 the stage-2 table
 * @return the page count
 */
size_t av_s2_split_pages_max(const struct av_s2 *s2);

/* ---------------------------------------------------------------------------------- */
/* The walker.                                                                         */

/** Walker flags: which visits to make. */
#define AV_S2_WALK_LEAF       AV_BIT(0) /**< visit leaves: invalid, block and page entries */
#define AV_S2_WALK_TABLE_PRE  AV_BIT(1) /**< visit table entries before their children */
#define AV_S2_WALK_TABLE_POST AV_BIT(2) /**< visit table entries after their children */

/** Visitor return value: do not descend into this table (from a TABLE_PRE visit). */
#define AV_S2_WALK_SKIP 1

/** What a visitor sees. */
struct av_s2_visit {
	struct av_s2 *s2; /**< the table */
	uint64_t *ptep;   /**< the descriptor (the visitor may write it, see av_s2_visit_set()) */
	uint64_t old;     /**< its value when the visit started */
	uint64_t addr;    /**< walk position: the first IPA of the range inside this entry */
	uint64_t end;     /**< end of the walk (exclusive) */
	uint64_t size;    /**< bytes one entry at this level maps; entry base is addr & ~(size-1) */
	unsigned level;   /**< level of the descriptor */
	unsigned visit;   /**< which visit: one AV_S2_WALK_* bit */
	void *arg;        /**< av_s2_walker::arg */
	bool *wrote;      /**< internal: set by av_s2_visit_set(), so the walk ends synced */
};

/**
 * A visitor. Return 0 to continue, AV_S2_WALK_SKIP (TABLE_PRE only) to skip the
 * children, or a negative AV_E* code to stop the walk and make av_s2_walk() return it.
 */
typedef int (*av_s2_visitor_fn)(const struct av_s2_visit *v);

/** A walk: the visitor, its argument and the visits wanted. */
struct av_s2_walker {
	av_s2_visitor_fn cb; /**< the visitor */
	void *arg;           /**< handed to the visitor as av_s2_visit::arg */
	unsigned flags;      /**< AV_S2_WALK_* */
};

/**
 * Walk [@p ipa, @p ipa + @p size), rounded out to the granule, in address order.
 *
 * Each descriptor overlapping the range is visited once: a valid table descriptor gets a
 * TABLE_PRE visit, then its children, then a TABLE_POST visit; any other descriptor gets a
 * LEAF visit. When a LEAF visit turns the entry into a table (map installing a table,
 * a block split) the walker descends into it; when a TABLE_PRE visit replaces the table
 * by something else, it does not.
 *
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param w the callbacks and which entries to visit
 * @return 0, the first negative value a visitor returned, or -AV_ERANGE when the range
 *         wraps around or reaches beyond the IPA size.
 */
int av_s2_walk(struct av_s2 *s2, uint64_t ipa, uint64_t size, const struct av_s2_walker *w);

/**
 * Write @p desc into the visited descriptor. If the old value was valid this is a
 * break-before-make: write 0, clean, DSB ISHST, ops->tlbi_ipa (leaf unless the old
 * descriptor was a table), DSB ISH, then the new value (and a clean). Use it from
 * visitors; the walk that called the visitor ends with a DSB ISHST.
 * @param v the visit passed to the walker callback
 * @param desc the new descriptor
 */
void av_s2_visit_set(const struct av_s2_visit *v, uint64_t desc);

/* ---------------------------------------------------------------------------------- */
/* Operations.                                                                         */

/** av_s2_map() flag: map with pages only (no blocks). */
#define AV_S2_MAP_NO_BLOCKS AV_BIT(0)
/** av_s2_map() flag: replace existing mappings (splitting blocks) instead of -AV_EEXIST. */
#define AV_S2_MAP_REPLACE AV_BIT(1)

/**
 * Map [@p ipa, @p ipa + @p size) to [@p pa, @p pa + @p size) with @p prot.
 *
 * Uses the largest block that the IPA/PA alignment and the range allow at every level
 * the granule supports, unless AV_S2_MAP_NO_BLOCKS. Table pages come from @p mc only
 * (see av_s2_map_pages_max()). Without AV_S2_MAP_REPLACE nothing is changed if any page
 * of the range is mapped. With it, existing leaves are replaced (break-before-make) and
 * blocks straddling the range ends are split first; tables already present are kept
 * and filled (a replaced range is not merged back into blocks).
 *
 * TLB maintenance is done by the library through ops->tlbi_ipa. Caller holds the
 * table's lock.
 *
 * @param done  optional out: the IPA reached; [@p ipa, *done) is mapped as asked and
 *              nothing at or beyond *done changed. *done == ipa + size on success.
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param pa physical address the range maps to
 * @param prot AV_S2_R, AV_S2_W, AV_S2_X and AV_S2_MT bits (e.g. #AV_S2_RWX)
 * @param flags AV_S2_MAP_* flags
 * @param mc the memory cache
 * @return 0; -AV_EINVAL for unaligned @p ipa/@p size/@p pa, size 0 or bad @p prot;
 *         -AV_ERANGE beyond the IPA or PA size; -AV_EEXIST on overlap without
 *         AV_S2_MAP_REPLACE (nothing changed); -AV_ENOMEM when @p mc ran out.
 */
int av_s2_map(struct av_s2 *s2, uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot,
	      unsigned flags, struct av_memcache *mc, uint64_t *done);

/**
 * Unmap [@p ipa, @p ipa + @p size). Blocks straddling the ends are split (pages from
 * @p mc; it may be NULL if the caller knows no split is needed). Each removed leaf is
 * invalidated with ops->tlbi_ipa; a table that becomes empty is unlinked
 * (break-before-make, non-leaf TLBI) and freed through ops->free. Unmapped holes are
 * not an error.
 *
 * @param done  optional out: the IPA reached (see av_s2_map()).
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param mc the memory cache
 * @return 0, -AV_EINVAL (unaligned), -AV_ERANGE, or -AV_ENOMEM (split needed, @p mc empty).
 */
int av_s2_unmap(struct av_s2 *s2, uint64_t ipa, uint64_t size, struct av_memcache *mc,
		uint64_t *done);

/**
 * Set the permissions (AV_S2_R/W/X of @p prot; memory type and software bits are kept)
 * of every mapped page in [@p ipa, @p ipa + @p size). Unmapped holes stay unmapped.
 * Straddling blocks are split (pages from @p mc). Pages under dirty logging stay
 * write-protected until their next write fault if @p prot has AV_S2_W, and leave the
 * log otherwise.
 *
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param prot AV_S2_R, AV_S2_W, AV_S2_X and AV_S2_MT bits (e.g. #AV_S2_RWX)
 * @param mc the memory cache
 * @param done optional (may be NULL): bytes of the range processed, also on error
 * @return 0, -AV_EINVAL (unaligned or bad @p prot), -AV_ERANGE or -AV_ENOMEM; @p done as
 *         for av_s2_map().
 */
int av_s2_protect(struct av_s2 *s2, uint64_t ipa, uint64_t size, uint32_t prot,
		  struct av_memcache *mc, uint64_t *done);

/** A translation result. */
struct av_s2_leaf {
	uint64_t desc;  /**< the leaf descriptor */
	uint64_t pa;    /**< the PA the IPA translates to */
	uint64_t size;  /**< bytes the leaf maps */
	unsigned level; /**< level of the leaf */
	uint32_t prot;  /**< abstract protection (av_s2_desc_to_prot()) */
};

/**
 * Translate @p ipa (any alignment) through the table.
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param out receives the leaf found
 * @return 0; -AV_ENOENT if unmapped; -AV_ERANGE beyond the IPA size.
 */
int av_s2_translate(struct av_s2 *s2, uint64_t ipa, struct av_s2_leaf *out);

/* ---------------------------------------------------------------------------------- */
/* Dirty logging.                                                                      */

/**
 * Start logging writes to [@p ipa, @p ipa + @p size): blocks are split down to pages
 * (tables from @p mc: av_s2_map_pages_max(s2, ipa, size, 0, AV_S2_MAP_NO_BLOCKS)
 * suffices) and every writable page is write-protected and tagged with
 * AV_S2_DESC_SW_LOG. Pages mapped into the range later are not logged.
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param mc the memory cache
 * @param done optional (may be NULL): bytes of the range processed, also on error
 * @return as av_s2_protect().
 */
int av_s2_dirty_log_start(struct av_s2 *s2, uint64_t ipa, uint64_t size,
			  struct av_memcache *mc, uint64_t *done);

/**
 * Stop logging [@p ipa, @p ipa + @p size): logged pages get their write permission back
 * and lose the tag. Pages stay pages (the caller may re-map the range to get blocks).
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @return 0, -AV_EINVAL or -AV_ERANGE.
 */
int av_s2_dirty_log_stop(struct av_s2 *s2, uint64_t ipa, uint64_t size);

/**
 * Handle a stage-2 permission fault on @p ipa that the caller forwards.
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @return 1 if it was a write to a logged, write-protected page: the page is now dirty
 *         and writable and the guest can retry; 0 if the fault is not the log's (a real
 *         permission fault, or a page already made writable by another vCPU's fault);
 *         -AV_ERANGE beyond the IPA size.
 */
int av_s2_dirty_fault(struct av_s2 *s2, uint64_t ipa);

/**
 * Read and clear the dirty state of [@p ipa, @p ipa + @p size): bit i of @p bitmap
 * (bit i % 64 of word i / 64) is set if page ipa + i * granule was written since logging
 * started or since the last read; those pages are write-protected again. Bits for the
 * other pages are cleared.
 * @param s2 the stage-2 table
 * @param ipa start of the IPA range
 * @param size size of the range in bytes
 * @param bitmap receives one bit per page (bit 0: @p ipa)
 * @param nwords number of 64-bit words in @p bitmap
 * @return 0; -AV_EINVAL (unaligned), -AV_ERANGE, -AV_ENOSPC if @p nwords is too small.
 */
int av_s2_dirty_read_clear(struct av_s2 *s2, uint64_t ipa, uint64_t size, uint64_t *bitmap,
			   size_t nwords);

/* ---------------------------------------------------------------------------------- */
/* The invariant checker.                                                              */

/** Kinds of problems av_s2_check() reports. */
enum av_s2_problem_kind {
	AV_S2_PROB_TYPE = 1,      /**< reserved descriptor type at this level */
	AV_S2_PROB_BLOCK_LEVEL,   /**< block at a level the granule has no blocks at */
	AV_S2_PROB_ALIGN,         /**< output address not aligned to the block size */
	AV_S2_PROB_PA_RANGE,      /**< table or output address beyond the PA size */
	AV_S2_PROB_RES0,          /**< RES0 or never-set bits are set */
	AV_S2_PROB_AF,            /**< valid leaf with AF clear */
	AV_S2_PROB_ATTR,          /**< MemAttr or SH value armvirt never writes */
	AV_S2_PROB_BEYOND_IPA,    /**< a valid root entry beyond the IPA size */
	AV_S2_PROB_ISOLATION,     /**< a leaf maps a PA outside the VM's ranges */
	AV_S2_PROB_TABLE_IN_VM,   /**< a table page lies inside the VM's own memory */
	AV_S2_PROB_PAGE_COUNT,    /**< reachable table pages differ from s2->pages */
};

/** One problem. */
struct av_s2_problem {
	enum av_s2_problem_kind kind; /**< what is wrong */
	uint64_t ipa;                 /**< first IPA the descriptor covers */
	unsigned level;               /**< level of the descriptor */
	uint64_t desc;                /**< the descriptor (or a count, for PAGE_COUNT) */
	const char *what;             /**< a short description */
};

/** A range of physical memory a VM owns. */
struct av_s2_pa_range {
	uint64_t pa;   /**< start */
	uint64_t size; /**< bytes */
};

/** Problem sink for av_s2_check(). */
typedef void (*av_s2_report_fn)(void *cookie, const struct av_s2_problem *p);

/**
 * Walk the whole table and report malformed descriptors, mappings beyond the IPA size,
 * page-accounting mismatches and, if @p owned is not NULL, every leaf whose output range
 * is not covered by the union of @p owned (the isolation check) and every table page
 * that lies inside it. Malformed table descriptors are reported and not followed.
 *
 * @param report  called once per problem; NULL sends each one to av_warn()
 * @param s2 the stage-2 table
 * @param owned the PA ranges the VM may reach
 * @param nowned number of entries in @p owned
 * @param cookie passed unchanged to @p report
 * @return the number of problems (0: clean).
 */
unsigned long av_s2_check(struct av_s2 *s2, const struct av_s2_pa_range *owned, size_t nowned,
			  av_s2_report_fn report, void *cookie);

/* ---------------------------------------------------------------------------------- */
/* VMIDs.                                                                              */

/** A VM's VMID: valid while @c generation equals the allocator's. Zero-initialise. */
struct av_vmid {
	uint64_t generation; /**< generation the VMID belongs to; 0: never assigned */
	uint32_t vmid;       /**< the VMID (never 0: reserved for the host) */
};

/** Per-physical-CPU state of the allocator (caller array, one per CPU). */
struct av_vmid_cpu {
	struct av_vmid active;   /**< VMID this CPU last entered a guest with */
	struct av_vmid reserved; /**< VMID kept across the last rollover for this CPU */
};

/**
 * A VMID allocator for 8- or 16-bit VMIDs with generations.
 *
 * Concurrency model: one lock (the caller's) is held around av_vmid_get() and
 * av_vmid_alloc_init(); the allocator state is only touched under it. Each CPU calls
 * av_vmid_get() for the VM it is about to enter, with that lock held, and then enters
 * the guest with the VMID it returned (the lock may be dropped before entry). On
 * rollover the generation is bumped, the flush callback runs once (it must invalidate
 * all stage-1 and stage-2 TLB entries of all VMIDs on all CPUs, e.g. TLBI ALLE1IS), and
 * every VMID that a CPU may still be running with is kept by its VM, so a CPU that has
 * not exited yet never shares a VMID with another VM. VMIDs of dead VMs are reclaimed
 * at the next rollover.
 */
struct av_vmid_alloc {
	unsigned bits;              /**< 8 or 16 */
	uint64_t generation;        /**< current generation (starts at 1) */
	uint32_t next;              /**< where the search for a free VMID starts */
	struct av_vmid_cpu *cpus;   /**< the caller's per-CPU array */
	unsigned ncpus;             /**< entries in @c cpus */
	void (*flush)(void *cookie); /**< TLB flush on rollover */
	void *cookie;               /**< for @c flush */
	uint64_t map[1024];         /**< VMIDs used in this generation (65536 bits) */
};

/**
 * Initialise an allocator.
 * @param cpus   caller array of @p ncpus entries (zeroed by this call)
 * @param flush  called once per rollover (required)
 * @param a the VMID allocator
 * @param bits VMID width (8 or 16)
 * @param ncpus number of entries in @p cpus
 * @param cookie passed unchanged to @p flush
 * @param err    optional: on failure, the parameter that is wrong and why (see
 *               struct av_error); cleared on success
 * @return 0, or -AV_EINVAL (bits not 8/16, no flush, no CPUs, or ncpus too large for
 *         the VMID space: at least ncpus + 1 VMIDs besides 0 are needed).
 */
int av_vmid_alloc_init(struct av_vmid_alloc *a, unsigned bits, struct av_vmid_cpu *cpus,
		       unsigned ncpus, void (*flush)(void *cookie), void *cookie,
		       struct av_error *err);

/**
 * Check and refresh @p vm's VMID before entering it on CPU @p cpu. Caller holds the
 * allocator's lock.
 * @param a the VMID allocator
 * @param vm the VM's VMID slot
 * @param cpu physical CPU index
 * @return 0 if the VMID did not change, 1 if a new VMID was written to @p vm (reload
 *         VTTBR_EL2), -AV_EINVAL for a bad @p cpu.
 */
int av_vmid_get(struct av_vmid_alloc *a, struct av_vmid *vm, unsigned cpu);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_S2_H */
