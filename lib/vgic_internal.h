/* SPDX-License-Identifier: MIT */
/*
 * Internal: what the vGIC core (vgic.c) shares with its register-region tables
 * (vgic_v3.c, vgic_v2.c).
 */
#ifndef ARMVIRT_LIB_VGIC_INTERNAL_H
#define ARMVIRT_LIB_VGIC_INTERNAL_H

#include <armvirt/vgic.h>

/* Special values of the uint16_t/uint8_t links in struct av_vgic_irq. */
#define VGIC_NIL AV_VGIC_NO_SLOT /* no slot */
#define VGIC_NO_VCPU 0xffu  /* no owner */
#define VGIC_NO_LR 0xffu    /* not in a list register */

/* GICD_IROUTER bits that exist; the rest are RES0. */
#define VGIC_IROUTER_RW (AV_GICD_IROUTER_AFF0 | AV_GICD_IROUTER_AFF1 | AV_GICD_IROUTER_AFF2 | \
			 AV_GICD_IROUTER_IRM | AV_GICD_IROUTER_AFF3)

/* Allowed access widths of a region, one bit per byte size. */
#define VGIC_W8  1u
#define VGIC_W16 2u
#define VGIC_W32 4u
#define VGIC_W64 8u

/* The frame being accessed and what it may reach. */
struct vgic_mmio_ctx {
	struct av_vgic *vgic;
	unsigned vcpu;     /* accessing vCPU (GICv2) or the redistributor's vCPU (GICR) */
	bool private_ok;   /* INTIDs 0..31 are reachable (banked for vcpu) */
	bool spi_ok;       /* INTIDs 32.. are reachable */
	uint64_t kick;     /* vCPUs to kick once the access is done */
};

/*
 * One register region. Per-IRQ regions (bpi != 0) hold bpi bits per INTID, starting at
 * INTID 0 at @off; their handlers see one IRQ at a time under that IRQ's lock. Other regions
 * are one register (len <= 8, the register's width) or an array of 32-bit registers; their
 * handlers see the register's offset from the frame base and run under the distributor
 * lock. A NULL read handler reads as zero; a NULL write handler ignores writes.
 */
struct vgic_region {
	uint32_t off;
	uint32_t len;
	uint8_t bpi;
	uint8_t widths;
	uint8_t flags;     /* VGIC_RF_* */
	uint64_t (*irq_read)(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
	void (*irq_write)(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
	uint64_t (*read)(struct vgic_mmio_ctx *c, uint32_t off);
	void (*write)(struct vgic_mmio_ctx *c, uint32_t off, uint64_t v);
};

/* vgic_region::flags: the read handler only reads state that is constant once
 * av_vgic_init() returned (ID registers), so it runs without the distributor lock. Such a
 * region has no write handler. */
#define VGIC_RF_CONST 1u

/*
 * A frame's region table with a direct index: idx[off / VGIC_IDX_GRAIN] is 1 + the index of
 * the region holding that granule, 0 for a reserved one (every region starts and ends on a
 * granule), so a lookup is one load. Built once (av__vgic_regmap_ready(), from
 * av_vgic_init()): 1 byte per 4 bytes of frame, 49 KiB for the three frames.
 */
#define VGIC_IDX_GRAIN 4u
struct vgic_regmap {
	const struct vgic_region *tab;
	size_t n;          /* < 255 */
	uint32_t frame;    /* bytes covered by the index */
	uint8_t *idx;      /* frame / VGIC_IDX_GRAIN entries */
	int ready;         /* the index is built (atomic) */
};
#define VGIC_REGMAP(tab_, n_, frame_, idx_) { .tab = (tab_), .n = (n_), .frame = (frame_), \
					     .idx = (idx_) }

/* Access widths a region accepts, for the region tables. */
#define W4 VGIC_W32
#define W14 (VGIC_W8 | VGIC_W32)
#define W48 (VGIC_W32 | VGIC_W64)

/* Per-IRQ region: offset, length, bits per IRQ, widths, read, write. */
#define IRQ_REG(o, l, b, w, rd, wr) { .off = (o), .len = (l), .bpi = (b), .widths = (w), \
				      .irq_read = (rd), .irq_write = (wr) }
/* Register region: offset, length, widths, read, write. */
#define REG(o, l, w, rd, wr) { .off = (o), .len = (l), .widths = (w), .read = (rd), .write = (wr) }
/* Read-only register whose value is fixed once the vGIC is initialised (VGIC_RF_CONST). */
#define REG_CONST(o, l, w, rd) { .off = (o), .len = (l), .widths = (w), .read = (rd), \
				 .flags = VGIC_RF_CONST }

/* Find and run the region for one access; returns AV_ACCESS_HANDLED / _ABORT. */
int av__vgic_mmio_access(struct vgic_mmio_ctx *c, struct vgic_regmap *map, uint64_t off,
			 unsigned size, bool is_write, uint64_t *val);
/* 0 when @tab is sorted, non-overlapping and every region is well formed. */
int av__vgic_regions_check(const struct vgic_region *tab, size_t n);
/* The region of @map holding byte @off, or NULL (reserved). */
const struct vgic_region *av__vgic_region_lookup(struct vgic_regmap *map, uint64_t off);
/* Build @map's index if it is not built yet (thread-safe; av_vgic_init() calls it). */
void av__vgic_regmap_ready(struct vgic_regmap *map);

/* Region tables (sorted by offset) and their sizes, for tests. */
extern const struct vgic_region vgic_v3_dist_regions[];
extern const size_t vgic_v3_dist_nregions;
extern const struct vgic_region vgic_v3_redist_regions[];
extern const size_t vgic_v3_redist_nregions;
extern const struct vgic_region vgic_v2_dist_regions[];
extern const size_t vgic_v2_dist_nregions;
/* The same tables with their direct indexes. */
extern struct vgic_regmap vgic_v3_dist_map;
extern struct vgic_regmap vgic_v3_redist_map;
extern struct vgic_regmap vgic_v2_dist_map;

/* Locks (see the lock order in vgic.c). */
void av__vgic_lock_dist(struct av_vgic *vgic);
void av__vgic_unlock_dist(struct av_vgic *vgic);
void av__vgic_lock_vcpu(struct av_vgic *vgic, unsigned vcpu);
void av__vgic_unlock_vcpu(struct av_vgic *vgic, unsigned vcpu);
/* Call the kick hook for every vCPU in @mask; no lock may be held. */
void av__vgic_kick(struct av_vgic *vgic, uint64_t mask, uint64_t *kicked);

/* The state of INTID @intid as seen from @vcpu; NULL when it does not exist. */
struct av_vgic_irq *av__vgic_irq(struct av_vgic *vgic, unsigned vcpu, uint32_t intid);
/* The vCPU a private IRQ belongs to. */
unsigned av__vgic_irq_bank(const struct av_vgic *vgic, const struct av_vgic_irq *irq);
/* The vCPU @irq's routing sends it to now, or VGIC_NO_VCPU (what av_vgic_irq::target keeps). */
unsigned av__vgic_irq_route(const struct av_vgic *vgic, const struct av_vgic_irq *irq);
/* A physical INTID av_vgic_map_hw() links to: a PPI or an SPI (16..1019). */
bool av__vgic_hw_intid_ok(uint32_t hw_intid);
/* Recompute av_vgic_irq::target after @irq's routing changed (ITARGETSR, IROUTER) or the
 * vCPUs' (affinity, GICR_WAKER); the IRQ's lock is held. Then av__vgic_irq_changed(). */
void av__vgic_irq_retarget(struct av_vgic *vgic, struct av_vgic_irq *irq);
/* Recompute the target of every IRM = 1 SPI (a GICR_WAKER change); distributor lock held. */
void av__vgic_retarget_irm(struct av_vgic *vgic);
/* Re-evaluate list membership and delivery after a state change; the IRQ's lock is held
 * (distributor lock for an SPI, no vCPU lock; the bank's vCPU lock for a private IRQ). */
void av__vgic_irq_changed(struct av_vgic *vgic, struct av_vgic_irq *irq, uint64_t *kick);
/* Re-sort a listed IRQ after a priority change (same locking as av__vgic_irq_changed). */
void av__vgic_irq_resort(struct av_vgic *vgic, struct av_vgic_irq *irq);
/* Pending (latch, line, or GICv2 SGI sources). */
bool av__vgic_irq_pending(const struct av_vgic *vgic, const struct av_vgic_irq *irq);
/* Kick every vCPU that has a deliverable interrupt (after GICD_CTLR changes); dist lock held. */
/* GICD_CTLR write handler shared by the GICv2 and GICv3 distributor tables. */
void av__vgic_gicd_ctlr_write(struct vgic_mmio_ctx *c, uint32_t off, uint64_t v);
void av__vgic_kick_deliverable(struct av_vgic *vgic, uint64_t *kick);
/* Make SGI @sgi pending on the vCPUs in @targets from @src; no lock held. */
void av__vgic_sgi_raise(struct av_vgic *vgic, unsigned src, uint64_t targets, unsigned sgi,
		    uint64_t *kick);
/*
 * av_vgic_flush() and av_vgic_sync() on their general path: the distributor lock, then the
 * vCPU's, whatever the list holds (the entry points take the distributor lock only when an
 * SPI is listed, and av_vgic_flush() has an early exit for an empty list). For tests, which
 * compare the entry points with it; arguments are not checked.
 */
int av__vgic_flush_general(struct av_vgic *vgic, unsigned vcpu);
int av__vgic_sync_general(struct av_vgic *vgic, unsigned vcpu);
/* The ITLinesNumber value for the configured SPIs. */
uint32_t av__vgic_itlines(const struct av_vgic *vgic);

/* Per-IRQ register handlers shared by both models. */
uint64_t av__vgic_rd_group(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
void av__vgic_wr_group(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
uint64_t av__vgic_rd_enable(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
void av__vgic_wr_senable(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
void av__vgic_wr_cenable(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
uint64_t av__vgic_rd_pending(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
void av__vgic_wr_spending(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
void av__vgic_wr_cpending(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
uint64_t av__vgic_rd_active(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
void av__vgic_wr_sactive(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
void av__vgic_wr_cactive(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
uint64_t av__vgic_rd_priority(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
void av__vgic_wr_priority(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);
uint64_t av__vgic_rd_config(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq);
void av__vgic_wr_config(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v);

#endif /* ARMVIRT_LIB_VGIC_INTERNAL_H */
