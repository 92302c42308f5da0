/* SPDX-License-Identifier: MIT */
/*
 * The GICv3 hardware list-register backend: ICH_LR<n>_EL2, ICH_HCR_EL2, ICH_VTR_EL2,
 * ICH_VMCR_EL2, ICH_AP0R<n>_EL2/ICH_AP1R<n>_EL2, ICH_MISR_EL2 and ICC_SRE_EL2
 * (GIC architecture specification IHI 0069, chapter 12.5 "The GIC virtual CPU interface
 * system registers").
 *
 * The registers are the calling CPU's: the cookie and the vCPU index are not used. The
 * vGIC core calls these between its flush/sync and the world switch, on the CPU that runs
 * (or just ran) the vCPU.
 */
#include "arch_internal.h"

/* ICC_SRE_EL2 bits. */
#define ICC_SRE_EL2_SRE    AV_BIT(0) /* EL2 uses the system-register interface */
#define ICC_SRE_EL2_ENABLE AV_BIT(3) /* EL1 may access ICC_SRE_EL1 */
/* ICH_VTR_EL2 fields. */
#define ICH_VTR_LISTREGS AV_GENMASK(4, 0)   /* implemented LRs - 1 */
#define ICH_VTR_PRIBITS  AV_GENMASK(31, 29) /* priority bits - 1 */

/* ICH_LR<n>_EL2 names the register in the instruction: one case per register. */
#define LR_CASES(X)                                                                        \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

static uint64_t lr_read(unsigned idx)
{
	switch (idx) {
#define READ_CASE(n)                                                                       \
	case n:                                                                            \
		return av_read_sysreg(ich_lr##n##_el2);
		LR_CASES(READ_CASE)
#undef READ_CASE
	}
	return 0;
}

static void lr_write(unsigned idx, uint64_t val)
{
	switch (idx) {
#define WRITE_CASE(n)                                                                      \
	case n:                                                                            \
		av_write_sysreg(ich_lr##n##_el2, val);                                     \
		break;
		LR_CASES(WRITE_CASE)
#undef WRITE_CASE
	}
}

unsigned av_arch_gic_v3_nr_lrs(void)
{
	return (unsigned)AV_FIELD_GET(ICH_VTR_LISTREGS, av_read_sysreg(ich_vtr_el2)) + 1;
}

/*
 * Active-priority registers implemented: 5 priority bits -> 1, 6 -> 2, 7 -> 4. Read once by
 * av_arch_gic_v3_cpu_init() (the CPU interfaces of one system are alike), so that a vCPU
 * switch does not read ICH_VTR_EL2 twice.
 */
static unsigned aprs;

static unsigned nr_aprs(void)
{
	unsigned bits;

	if (aprs)
		return aprs;
	bits = (unsigned)AV_FIELD_GET(ICH_VTR_PRIBITS, av_read_sysreg(ich_vtr_el2)) + 1;
	return bits >= 7 ? 4 : bits == 6 ? 2 : 1;
}

uint64_t av_arch_gic_v3_misr(void)
{
	return av_read_sysreg(ich_misr_el2);
}

void av_arch_gic_v3_cpu_init(void)
{
	unsigned n = av_arch_gic_v3_nr_lrs();

	aprs = nr_aprs();
	av_write_sysreg(icc_sre_el2, av_read_sysreg(icc_sre_el2) | ICC_SRE_EL2_SRE |
					     ICC_SRE_EL2_ENABLE);
	av_isb();
	av_write_sysreg(ich_hcr_el2, 0);
	av_write_sysreg(ich_vmcr_el2, 0);
	for (unsigned i = 0; i < n && i < AV_VGIC_MAX_LRS; i++)
		lr_write(i, 0);
	av_write_sysreg(ich_ap0r0_el2, 0);
	av_write_sysreg(ich_ap1r0_el2, 0);
	if (nr_aprs() >= 2) {
		av_write_sysreg(ich_ap0r1_el2, 0);
		av_write_sysreg(ich_ap1r1_el2, 0);
	}
	if (nr_aprs() == 4) {
		av_write_sysreg(ich_ap0r2_el2, 0);
		av_write_sysreg(ich_ap0r3_el2, 0);
		av_write_sysreg(ich_ap1r2_el2, 0);
		av_write_sysreg(ich_ap1r3_el2, 0);
	}
	av_isb();
}

void av_arch_gic_v3_save(struct av_arch_gic_state *s)
{
	unsigned n = nr_aprs();

	s->vmcr = av_read_sysreg(ich_vmcr_el2);
	s->ap0r[0] = (uint32_t)av_read_sysreg(ich_ap0r0_el2);
	s->ap1r[0] = (uint32_t)av_read_sysreg(ich_ap1r0_el2);
	if (n >= 2) {
		s->ap0r[1] = (uint32_t)av_read_sysreg(ich_ap0r1_el2);
		s->ap1r[1] = (uint32_t)av_read_sysreg(ich_ap1r1_el2);
	}
	if (n == 4) {
		s->ap0r[2] = (uint32_t)av_read_sysreg(ich_ap0r2_el2);
		s->ap0r[3] = (uint32_t)av_read_sysreg(ich_ap0r3_el2);
		s->ap1r[2] = (uint32_t)av_read_sysreg(ich_ap1r2_el2);
		s->ap1r[3] = (uint32_t)av_read_sysreg(ich_ap1r3_el2);
	}
	s->sre = av_read_sysreg(icc_sre_el1);
	/* The virtual interface is off while no vCPU of this CPU is loaded. */
	av_write_sysreg(ich_hcr_el2, av_read_sysreg(ich_hcr_el2) & ~AV_ICH_HCR_EN);
}

void av_arch_gic_v3_restore(const struct av_arch_gic_state *s)
{
	unsigned n = nr_aprs();

	av_write_sysreg(icc_sre_el1, s->sre);
	av_write_sysreg(ich_vmcr_el2, s->vmcr);
	av_write_sysreg(ich_ap0r0_el2, s->ap0r[0]);
	av_write_sysreg(ich_ap1r0_el2, s->ap1r[0]);
	if (n >= 2) {
		av_write_sysreg(ich_ap0r1_el2, s->ap0r[1]);
		av_write_sysreg(ich_ap1r1_el2, s->ap1r[1]);
	}
	if (n == 4) {
		av_write_sysreg(ich_ap0r2_el2, s->ap0r[2]);
		av_write_sysreg(ich_ap0r3_el2, s->ap0r[3]);
		av_write_sysreg(ich_ap1r2_el2, s->ap1r[2]);
		av_write_sysreg(ich_ap1r3_el2, s->ap1r[3]);
	}
	/* Keep the maintenance enables av_vgic_flush() may already have set. */
	av_write_sysreg(ich_hcr_el2, av_read_sysreg(ich_hcr_el2) | AV_ICH_HCR_EN);
	av_isb();
}

void av_arch_gic_v3_clear_lrs(uint32_t mask)
{
	for (mask &= 0xffffu; mask; mask &= mask - 1)
		lr_write((unsigned)__builtin_ctz(mask), 0);
}

/* ---- struct av_vgic_lr_ops ---- */

static unsigned v3_nr_lrs(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return av_arch_gic_v3_nr_lrs();
}

static void v3_write_lr(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	(void)cookie;
	(void)vcpu;
	lr_write(idx, av_vgic_lr_encode_v3(lr));
}

static void v3_read_lr(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	(void)cookie;
	(void)vcpu;
	av_vgic_lr_decode_v3(lr_read(idx), lr);
}

static void v3_set_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	uint64_t hcr = av_read_sysreg(ich_hcr_el2) & ~(AV_ICH_HCR_UIE | AV_ICH_HCR_NPIE);

	(void)cookie;
	(void)vcpu;
	if (flags & AV_VGIC_MAINT_UNDERFLOW)
		hcr |= AV_ICH_HCR_UIE;
	if (flags & AV_VGIC_MAINT_NOPENDING)
		hcr |= AV_ICH_HCR_NPIE;
	av_write_sysreg(ich_hcr_el2, hcr);
}

const struct av_vgic_lr_ops av_arch_gic_v3_lr_ops = {
	.nr_lrs = v3_nr_lrs,
	.write_lr = v3_write_lr,
	.read_lr = v3_read_lr,
	.set_maint = v3_set_maint,
};
