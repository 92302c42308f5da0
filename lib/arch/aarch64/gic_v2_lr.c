/* SPDX-License-Identifier: MIT */
/*
 * The GICv2 hardware list-register backend: the GICH virtual interface control frame
 * (IHI 0048B chapter 5.3 "GIC virtual interface control registers"), banked per CPU at one
 * address. The cookie is a struct av_arch_gicv2 holding that address.
 *
 * The guest's CPU interface is the hardware GICV frame, which the hypervisor maps in the
 * guest's stage 2 at the guest's GICC address (read/write, Device-nGnRE, 8 KiB so that
 * GICC_DIR at offset 0x1000 is reachable); the guest's IAR/EOIR/DIR accesses then act on
 * the list registers written here without trapping.
 */
#include "arch_internal.h"

#define GICH_HCR   0x000u /* control: En, UIE, LRENPIE, NPIE, ... */
#define GICH_VTR   0x004u /* type: ListRegs [5:0] = LRs - 1 */
#define GICH_VMCR  0x008u /* the virtual CPU interface's GICV_CTLR/PMR/BPR image */
#define GICH_MISR  0x010u /* maintenance interrupt status */
#define GICH_ELRSR0 0x030u /* empty LR status, LRs 0..31 */
#define GICH_APR   0x0f0u /* active priorities */
#define GICH_LR0   0x100u /* list registers, 4 bytes each */

#define GICH_VTR_LISTREGS AV_GENMASK(5, 0)

static uintptr_t gich_of(void *cookie)
{
	return ((const struct av_arch_gicv2 *)cookie)->gich;
}

static unsigned nr_lrs(uintptr_t gich)
{
	return (unsigned)AV_FIELD_GET(GICH_VTR_LISTREGS, av_mmio_read32(gich + GICH_VTR)) + 1;
}

void av_arch_gic_v2_cpu_init(uintptr_t gich)
{
	unsigned n = nr_lrs(gich);

	av_mmio_write32(gich + GICH_HCR, 0);
	av_mmio_write32(gich + GICH_VMCR, 0);
	av_mmio_write32(gich + GICH_APR, 0);
	for (unsigned i = 0; i < n; i++)
		av_mmio_write32(gich + GICH_LR0 + 4 * i, 0);
}

uint32_t av_arch_gic_v2_misr(uintptr_t gich)
{
	return av_mmio_read32(gich + GICH_MISR);
}

void av_arch_gic_v2_save(uintptr_t gich, struct av_arch_gic_state *s)
{
	s->vmcr = av_mmio_read32(gich + GICH_VMCR);
	s->ap0r[0] = av_mmio_read32(gich + GICH_APR);
	av_mmio_write32(gich + GICH_HCR, av_mmio_read32(gich + GICH_HCR) & ~(uint32_t)AV_ICH_HCR_EN);
}

void av_arch_gic_v2_restore(uintptr_t gich, const struct av_arch_gic_state *s)
{
	av_mmio_write32(gich + GICH_VMCR, (uint32_t)s->vmcr);
	av_mmio_write32(gich + GICH_APR, s->ap0r[0]);
	av_mmio_write32(gich + GICH_HCR, av_mmio_read32(gich + GICH_HCR) | (uint32_t)AV_ICH_HCR_EN);
}

/* ---- struct av_vgic_lr_ops ---- */

void av_arch_gic_v2_clear_lrs(uintptr_t gich, uint64_t mask)
{
	for (; mask; mask &= mask - 1)
		av_mmio_write32(gich + GICH_LR0 + 4 * (unsigned)__builtin_ctzll(mask), 0);
}

static unsigned v2_nr_lrs(void *cookie, unsigned vcpu)
{
	(void)vcpu;
	return nr_lrs(gich_of(cookie));
}

static void v2_write_lr(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	(void)vcpu;
	av_mmio_write32(gich_of(cookie) + GICH_LR0 + 4 * idx, av_vgic_lr_encode_v2(lr));
}

static void v2_read_lr(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	(void)vcpu;
	av_vgic_lr_decode_v2(av_mmio_read32(gich_of(cookie) + GICH_LR0 + 4 * idx), lr);
}

static void v2_set_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	uintptr_t gich = gich_of(cookie);
	uint32_t hcr = av_mmio_read32(gich + GICH_HCR) & ~(uint32_t)(AV_ICH_HCR_UIE | AV_ICH_HCR_NPIE);

	(void)vcpu;
	if (flags & AV_VGIC_MAINT_UNDERFLOW)
		hcr |= AV_ICH_HCR_UIE;
	if (flags & AV_VGIC_MAINT_NOPENDING)
		hcr |= AV_ICH_HCR_NPIE;
	av_mmio_write32(gich + GICH_HCR, hcr);
}

const struct av_vgic_lr_ops av_arch_gic_v2_lr_ops = {
	.nr_lrs = v2_nr_lrs,
	.write_lr = v2_write_lr,
	.read_lr = v2_read_lr,
	.set_maint = v2_set_maint,
};
