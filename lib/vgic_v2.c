/* SPDX-License-Identifier: MIT */
/*
 * GICv2 distributor (GICD) register table.
 *
 * Offsets and access rules follow IHI 0048B ("GIC architecture version 2", table 4-1) as
 * also described for legacy operation in IHI 0069. The emulated GIC has no Security
 * Extensions. Registers for INTIDs 0..31 are banked: an access sees the accessing vCPU's
 * SGIs and PPIs. The guest's CPU interface is the hardware GICV frame (see vgic.h).
 */
#include <armvirt/vgic.h>

#include "compat.h"
#include "vgic_internal.h"

static uint64_t gicd_ctlr_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)off;
	return c->vgic->ctlr;
}

static uint64_t gicd_typer_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)off;
	return AV_FIELD_PREP(AV_GICD_TYPER_ITLINES, av__vgic_itlines(c->vgic)) |
	       AV_FIELD_PREP(AV_GICD_TYPER_CPUNUM, c->vgic->nr_vcpus - 1);
}

static uint64_t gicd_iidr_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)c;
	(void)off;
	return AV_FIELD_PREP(AV_GIC_IIDR_IMPLEMENTER, AV_VGIC_IIDR_IMPLEMENTER_ARM) |
	       AV_FIELD_PREP(AV_GIC_IIDR_PRODUCTID, AV_VGIC_IIDR_PRODUCT);
}

static uint64_t gicd_pidr2_read(struct vgic_mmio_ctx *c, uint32_t off)
{
	(void)c;
	(void)off;
	return AV_FIELD_PREP(AV_GIC_PIDR2_ARCHREV, 2) | AV_GIC_PIDR2_JEDEC |
	       AV_FIELD_PREP(AV_GIC_PIDR2_DES1, 3);
}

/* ITARGETSR: SGIs and PPIs read as the accessing CPU's bit and ignore writes. */
static uint64_t rd_targets(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	if (irq->intid < AV_VGIC_NR_PRIVATE)
		return AV_BIT(c->vcpu);
	return irq->targets;
}

static void wr_targets(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (irq->intid < AV_VGIC_NR_PRIVATE)
		return;
	irq->targets = (uint8_t)(v & AV_GENMASK(c->vgic->nr_vcpus - 1, 0));
	av__vgic_irq_retarget(c->vgic, irq);
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

/* CPENDSGIR/SPENDSGIR: one byte per SGI, one bit per source CPU (the accessing CPU's SGIs). */
static uint64_t rd_sgi_sources(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return irq->sgi_src;
}

static void wr_sgi_spend(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	v &= AV_GENMASK(c->vgic->nr_vcpus - 1, 0);
	if (!v)
		return;
	irq->sgi_src |= (uint8_t)v;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

static void wr_sgi_cpend(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (!v)
		return;
	irq->sgi_src &= (uint8_t)~v;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

static void gicd_sgir_write(struct vgic_mmio_ctx *c, uint32_t off, uint64_t v)
{
	(void)off;
	uint32_t all = (uint32_t)AV_GENMASK(c->vgic->nr_vcpus - 1, 0), targets;

	switch (AV_FIELD_GET(AV_GICD_SGIR_FILTER, v)) {
	case AV_GICD_SGIR_FILTER_LIST:
		targets = (uint32_t)AV_FIELD_GET(AV_GICD_SGIR_TARGETS, v) & all;
		break;
	case AV_GICD_SGIR_FILTER_OTHERS:
		targets = all & ~(uint32_t)AV_BIT(c->vcpu);
		break;
	case AV_GICD_SGIR_FILTER_SELF:
		targets = (uint32_t)AV_BIT(c->vcpu);
		break;
	default:
		return; /* reserved filter: no SGI */
	}
	av__vgic_sgi_raise(c->vgic, c->vcpu, targets, (unsigned)AV_FIELD_GET(AV_GICD_SGIR_INTID, v),
		       &c->kick);
}


const struct vgic_region vgic_v2_dist_regions[] = {
	REG(AV_GICD_CTLR, 4, W4, gicd_ctlr_read, av__vgic_gicd_ctlr_write),
	REG_CONST(AV_GICD_TYPER, 4, W4, gicd_typer_read),
	REG_CONST(AV_GICD_IIDR, 4, W4, gicd_iidr_read),
	IRQ_REG(AV_GICD_IGROUPR, 0x80, 1, W4, av__vgic_rd_group, av__vgic_wr_group),
	IRQ_REG(AV_GICD_ISENABLER, 0x80, 1, W4, av__vgic_rd_enable, av__vgic_wr_senable),
	IRQ_REG(AV_GICD_ICENABLER, 0x80, 1, W4, av__vgic_rd_enable, av__vgic_wr_cenable),
	IRQ_REG(AV_GICD_ISPENDR, 0x80, 1, W4, av__vgic_rd_pending, av__vgic_wr_spending),
	IRQ_REG(AV_GICD_ICPENDR, 0x80, 1, W4, av__vgic_rd_pending, av__vgic_wr_cpending),
	IRQ_REG(AV_GICD_ISACTIVER, 0x80, 1, W4, av__vgic_rd_active, av__vgic_wr_sactive),
	IRQ_REG(AV_GICD_ICACTIVER, 0x80, 1, W4, av__vgic_rd_active, av__vgic_wr_cactive),
	IRQ_REG(AV_GICD_IPRIORITYR, 0x400, 8, W14, av__vgic_rd_priority, av__vgic_wr_priority),
	IRQ_REG(AV_GICD_ITARGETSR, 0x400, 8, W14, rd_targets, wr_targets),
	IRQ_REG(AV_GICD_ICFGR, 0x100, 2, W4, av__vgic_rd_config, av__vgic_wr_config),
	REG(AV_GICD_SGIR, 4, W4, NULL, gicd_sgir_write),
	IRQ_REG(AV_GICD_CPENDSGIR, 0x10, 8, W14, rd_sgi_sources, wr_sgi_cpend),
	IRQ_REG(AV_GICD_SPENDSGIR, 0x10, 8, W14, rd_sgi_sources, wr_sgi_spend),
	REG_CONST(AV_GICD_V2_PIDR2, 4, W4, gicd_pidr2_read),
};
const size_t vgic_v2_dist_nregions = AV_ARRAY_SIZE(vgic_v2_dist_regions);
static uint8_t v2_dist_idx[AV_GICD_V2_SIZE / VGIC_IDX_GRAIN];
struct vgic_regmap vgic_v2_dist_map = VGIC_REGMAP(vgic_v2_dist_regions,
						  AV_ARRAY_SIZE(vgic_v2_dist_regions),
						  AV_GICD_V2_SIZE, v2_dist_idx);

int av_vgic_v2_dist_access(struct av_vgic *vgic, unsigned vcpu, uint64_t offset, unsigned size,
			   bool is_write, uint64_t *val)
{
	struct vgic_mmio_ctx c = { .vgic = vgic, .vcpu = vcpu, .private_ok = true, .spi_ok = true };

	if (!vgic || !val || vgic->model != AV_VGIC_V2 || vcpu >= vgic->nr_vcpus)
		return -AV_EINVAL;
	if (offset >= AV_GICD_V2_SIZE)
		return AV_ACCESS_INJECT;
	return av__vgic_mmio_access(&c, &vgic_v2_dist_map, offset, size, is_write, val);
}
