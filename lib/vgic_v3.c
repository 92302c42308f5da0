/* SPDX-License-Identifier: MIT */
/*
 * GICv3 distributor (GICD) and redistributor (GICR RD_base + SGI_base) register tables.
 *
 * Offsets and access rules follow IHI 0069 chapter 12 ("GIC Distributor registers",
 * "GIC Redistributor registers"). The emulated GIC supports one Security state (DS == 1),
 * always uses affinity routing (ARE == 1, so GICD registers for INTIDs 0..31, ITARGETSR,
 * SGIR and the SGI pending registers are RAZ/WI) and has no LPIs.
 */
#include <armvirt/vgic.h>

#include "compat.h"
#include "vgic_internal.h"

/* ---- GICD ---- */

static uint64_t gicd_ctlr_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)off;
	return c->vgic->ctlr | AV_GICD_CTLR_ARE | AV_GICD_CTLR_DS;
}

static uint64_t gicd_typer_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)off;
	return AV_FIELD_PREP(AV_GICD_TYPER_ITLINES, av__vgic_itlines(c->vgic)) |
	       AV_FIELD_PREP(AV_GICD_TYPER_IDBITS, 9) | /* INTIDs < 1024 */
	       AV_GICD_TYPER_A3V | AV_GICD_TYPER_RSS;
}

static uint64_t gic_iidr_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)c;
	(void)off;
	return AV_FIELD_PREP(AV_GIC_IIDR_IMPLEMENTER, AV_VGIC_IIDR_IMPLEMENTER_ARM) |
	       AV_FIELD_PREP(AV_GIC_IIDR_PRODUCTID, AV_VGIC_IIDR_PRODUCT);
}

static uint64_t gic_v3_pidr2_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)c;
	(void)off;
	return AV_FIELD_PREP(AV_GIC_PIDR2_ARCHREV, 3) | AV_GIC_PIDR2_JEDEC |
	       AV_FIELD_PREP(AV_GIC_PIDR2_DES1, 3);
}


static uint64_t rd_irouter(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return irq->irouter;
}

static void wr_irouter(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	irq->irouter = v & VGIC_IROUTER_RW;
	av__vgic_irq_retarget(c->vgic, irq);
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}


const struct vgic_region vgic_v3_dist_regions[] = {
	REG(AV_GICD_CTLR, 4, W4, gicd_ctlr_read, av__vgic_gicd_ctlr_write),
	REG_CONST(AV_GICD_TYPER, 4, W4, gicd_typer_read),
	REG_CONST(AV_GICD_IIDR, 4, W4, gic_iidr_read),
	REG(AV_GICD_TYPER2, 4, W4, NULL, NULL),
	REG(AV_GICD_STATUSR, 4, W4, NULL, NULL),
	IRQ_REG(AV_GICD_IGROUPR, 0x80, 1, W4, av__vgic_rd_group, av__vgic_wr_group),
	IRQ_REG(AV_GICD_ISENABLER, 0x80, 1, W4, av__vgic_rd_enable, av__vgic_wr_senable),
	IRQ_REG(AV_GICD_ICENABLER, 0x80, 1, W4, av__vgic_rd_enable, av__vgic_wr_cenable),
	IRQ_REG(AV_GICD_ISPENDR, 0x80, 1, W4, av__vgic_rd_pending, av__vgic_wr_spending),
	IRQ_REG(AV_GICD_ICPENDR, 0x80, 1, W4, av__vgic_rd_pending, av__vgic_wr_cpending),
	IRQ_REG(AV_GICD_ISACTIVER, 0x80, 1, W4, av__vgic_rd_active, av__vgic_wr_sactive),
	IRQ_REG(AV_GICD_ICACTIVER, 0x80, 1, W4, av__vgic_rd_active, av__vgic_wr_cactive),
	IRQ_REG(AV_GICD_IPRIORITYR, 0x400, 8, W14, av__vgic_rd_priority, av__vgic_wr_priority),
	IRQ_REG(AV_GICD_ITARGETSR, 0x400, 8, W14, NULL, NULL),
	IRQ_REG(AV_GICD_ICFGR, 0x100, 2, W4, av__vgic_rd_config, av__vgic_wr_config),
	IRQ_REG(AV_GICD_IGRPMODR, 0x80, 1, W4, NULL, NULL),
	IRQ_REG(AV_GICD_NSACR, 0x100, 2, W4, NULL, NULL),
	REG(AV_GICD_SGIR, 4, W4, NULL, NULL),
	REG(AV_GICD_CPENDSGIR, 0x10, W14, NULL, NULL),
	REG(AV_GICD_SPENDSGIR, 0x10, W14, NULL, NULL),
	IRQ_REG(AV_GICD_IROUTER, 0x2000, 64, W48, rd_irouter, wr_irouter),
	REG_CONST(AV_GICD_V3_PIDR2, 4, W4, gic_v3_pidr2_read),
};
const size_t vgic_v3_dist_nregions = AV_ARRAY_SIZE(vgic_v3_dist_regions);
static uint8_t v3_dist_idx[AV_GICD_V3_SIZE / VGIC_IDX_GRAIN];
struct vgic_regmap vgic_v3_dist_map = VGIC_REGMAP(vgic_v3_dist_regions,
						  AV_ARRAY_SIZE(vgic_v3_dist_regions),
						  AV_GICD_V3_SIZE, v3_dist_idx);

int av_vgic_v3_dist_access(struct av_vgic *vgic, uint64_t offset, unsigned size, bool is_write,
			   uint64_t *val)
{
	struct vgic_mmio_ctx c = { .vgic = vgic, .spi_ok = true };

	if (!vgic || !val || vgic->model != AV_VGIC_V3)
		return -AV_EINVAL;
	if (offset >= AV_GICD_V3_SIZE)
		return AV_ACCESS_INJECT;
	return av__vgic_mmio_access(&c, &vgic_v3_dist_map, offset, size, is_write, val);
}

/* ---- GICR ---- */

static uint64_t gicr_typer_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)off;
	uint64_t m = c->vgic->vcpu[c->vcpu].mpidr;
	uint64_t v = AV_FIELD_PREP(AV_GICR_TYPER_PROCNUM, c->vcpu) |
		     AV_FIELD_PREP(AV_GICR_TYPER_AFF0, AV_FIELD_GET(AV_MPIDR_AFF0, m)) |
		     AV_FIELD_PREP(AV_GICR_TYPER_AFF1, AV_FIELD_GET(AV_MPIDR_AFF1, m)) |
		     AV_FIELD_PREP(AV_GICR_TYPER_AFF2, AV_FIELD_GET(AV_MPIDR_AFF2, m)) |
		     AV_FIELD_PREP(AV_GICR_TYPER_AFF3, AV_FIELD_GET(AV_MPIDR_AFF3, m));

	if (c->vcpu == c->vgic->nr_vcpus - 1)
		v |= AV_GICR_TYPER_LAST;
	return v;
}

/* GICR_WAKER: ChildrenAsleep follows ProcessorSleep at once (no wake-up latency). */
static uint64_t gicr_waker_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)off;
	return c->vgic->vcpu[c->vcpu].asleep ? AV_GICR_WAKER_PSLEEP | AV_GICR_WAKER_CASLEEP : 0;
}

static void gicr_waker_write(struct vgic_mmio_ctx *c, uint32_t off, uint64_t v)
{
	uint8_t asleep = (v & AV_GICR_WAKER_PSLEEP) != 0;

	(void)off;
	if (c->vgic->vcpu[c->vcpu].asleep == asleep)
		return;
	c->vgic->vcpu[c->vcpu].asleep = asleep;
	/* IRM = 1 SPIs go to the first awake vCPU: that may be another one now. The write
	 * itself moves no SPI; each follows its new target at its next state change. */
	av__vgic_retarget_irm(c->vgic);
}

#define SGI(o) (AV_GICR_SGI_BASE + (o))

const struct vgic_region vgic_v3_redist_regions[] = {
	REG(AV_GICR_CTLR, 4, W4, NULL, NULL), /* EnableLPIs RES0 without LPIs; RWP 0 */
	REG_CONST(AV_GICR_IIDR, 4, W4, gic_iidr_read),
	REG(AV_GICR_TYPER, 8, W48, gicr_typer_read, NULL) /* MPIDR: av_vgic_restore() */,
	REG(AV_GICR_STATUSR, 4, W4, NULL, NULL),
	REG(AV_GICR_WAKER, 4, W4, gicr_waker_read, gicr_waker_write),
	REG_CONST(AV_GICR_PIDR2, 4, W4, gic_v3_pidr2_read),
	IRQ_REG(SGI(AV_GICD_IGROUPR), 4, 1, W4, av__vgic_rd_group, av__vgic_wr_group),
	IRQ_REG(SGI(AV_GICD_ISENABLER), 4, 1, W4, av__vgic_rd_enable, av__vgic_wr_senable),
	IRQ_REG(SGI(AV_GICD_ICENABLER), 4, 1, W4, av__vgic_rd_enable, av__vgic_wr_cenable),
	IRQ_REG(SGI(AV_GICD_ISPENDR), 4, 1, W4, av__vgic_rd_pending, av__vgic_wr_spending),
	IRQ_REG(SGI(AV_GICD_ICPENDR), 4, 1, W4, av__vgic_rd_pending, av__vgic_wr_cpending),
	IRQ_REG(SGI(AV_GICD_ISACTIVER), 4, 1, W4, av__vgic_rd_active, av__vgic_wr_sactive),
	IRQ_REG(SGI(AV_GICD_ICACTIVER), 4, 1, W4, av__vgic_rd_active, av__vgic_wr_cactive),
	IRQ_REG(SGI(AV_GICD_IPRIORITYR), 0x20, 8, W14, av__vgic_rd_priority, av__vgic_wr_priority),
	IRQ_REG(SGI(AV_GICD_ICFGR), 8, 2, W4, av__vgic_rd_config, av__vgic_wr_config),
	IRQ_REG(SGI(AV_GICD_IGRPMODR), 4, 1, W4, NULL, NULL),
	IRQ_REG(SGI(AV_GICD_NSACR), 4, 2, W4, NULL, NULL),
};
const size_t vgic_v3_redist_nregions = AV_ARRAY_SIZE(vgic_v3_redist_regions);
static uint8_t v3_redist_idx[AV_GICR_STRIDE / VGIC_IDX_GRAIN];
struct vgic_regmap vgic_v3_redist_map = VGIC_REGMAP(vgic_v3_redist_regions,
						    AV_ARRAY_SIZE(vgic_v3_redist_regions),
						    AV_GICR_STRIDE, v3_redist_idx);

int av_vgic_v3_redist_access(struct av_vgic *vgic, unsigned vcpu, uint64_t offset,
			     unsigned size, bool is_write, uint64_t *val)
{
	struct vgic_mmio_ctx c = { .vgic = vgic, .vcpu = vcpu, .private_ok = true };

	if (!vgic || !val || vgic->model != AV_VGIC_V3 || vcpu >= vgic->nr_vcpus)
		return -AV_EINVAL;
	if (offset >= AV_GICR_STRIDE)
		return AV_ACCESS_INJECT;
	return av__vgic_mmio_access(&c, &vgic_v3_redist_map, offset, size, is_write, val);
}

int av_vgic_v3_redist_region_access(struct av_vgic *vgic, uint64_t offset, unsigned size,
				    bool is_write, uint64_t *val)
{
	uint64_t vcpu = offset / AV_GICR_STRIDE;

	if (!vgic || !val || vgic->model != AV_VGIC_V3)
		return -AV_EINVAL;
	if (vcpu >= vgic->nr_vcpus) {
		if ((size != 4 && size != 8) || (offset & (size - 1)))
			return AV_ACCESS_INJECT;
		if (!is_write)
			*val = 0;
		return AV_ACCESS_HANDLED;
	}
	return av_vgic_v3_redist_access(vgic, (unsigned)vcpu, offset % AV_GICR_STRIDE, size,
					is_write, val);
}
