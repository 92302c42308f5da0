/* SPDX-License-Identifier: MIT */
/*
 * The physical interrupt controller: GICv3 (distributor with affinity routing,
 * redistributors, ICC system registers) or GICv2 (GICD, GICC), as the DTB says.
 *
 * Both run with split priority drop and deactivation (GICv3 ICC_CTLR_EL1.EOImode = 1,
 * GICv2 GICC_CTLR.EOImode = 1): port_irq_ack() acknowledges and drops the priority at once,
 * and the interrupt stays active until port_irq_deactivate() or, for an interrupt forwarded
 * to a guest through a list register with HW = 1, until the guest deactivates its virtual
 * copy. Every interrupt is Group 1 on GICv3 (one Security state, GICD_CTLR.DS = 1) and Group
 * 0 on GICv2 (no Security Extensions; Group 0 is signalled as IRQ with FIQEn = 0).
 */
#include <armvirt/bits.h>

#include "port.h"

/* Distributor (IHI 0069 12.9, IHI 0048 4.3). */
#define GICD_CTLR       0x0000u
#define GICD_TYPER      0x0004u
#define GICD_IGROUPR    0x0080u
#define GICD_ISENABLER  0x0100u
#define GICD_ICENABLER  0x0180u
#define GICD_ICPENDR    0x0280u
#define GICD_ISACTIVER  0x0300u
#define GICD_IPRIORITYR 0x0400u
#define GICD_ITARGETSR  0x0800u
#define GICD_SGIR       0x0f00u
#define GICD_IROUTER    0x6000u
#define GICD_CTLR_EN_G0 AV_BIT(0)
#define GICD_CTLR_EN_G1 AV_BIT(1)
#define GICD_CTLR_ARE   AV_BIT(4)
#define GICD_CTLR_RWP   AV_BIT(31)

/* Redistributor: RD_base, then SGI_base 64 KiB above (IHI 0069 12.10). */
#define GICR_CTLR       0x0000u
#define GICR_TYPER      0x0008u
#define GICR_WAKER      0x0014u
#define GICR_SGI_BASE   0x10000u
#define GICR_IGROUPR0   (GICR_SGI_BASE + 0x0080u)
#define GICR_ISENABLER0 (GICR_SGI_BASE + 0x0100u)
#define GICR_ICENABLER0 (GICR_SGI_BASE + 0x0180u)
#define GICR_ICPENDR0   (GICR_SGI_BASE + 0x0280u)
#define GICR_ISACTIVER0 (GICR_SGI_BASE + 0x0300u)
#define GICR_IPRIORITYR (GICR_SGI_BASE + 0x0400u)
#define GICR_CTLR_RWP   AV_BIT(3)
#define GICR_TYPER_VLPIS AV_BIT(1)
#define GICR_TYPER_LAST AV_BIT(4)
#define GICR_WAKER_SLEEP AV_BIT(1)    /* ProcessorSleep */
#define GICR_WAKER_CHILDREN AV_BIT(2) /* ChildrenAsleep */

/* GICv2 CPU interface (IHI 0048 4.4). */
#define GICC_CTLR       0x0000u
#define GICC_PMR        0x0004u
#define GICC_BPR        0x0008u
#define GICC_IAR        0x000cu
#define GICC_EOIR       0x0010u
#define GICC_DIR        0x1000u
#define GICC_CTLR_EN_G0 AV_BIT(0)
#define GICC_CTLR_EN_G1 AV_BIT(1)
#define GICC_CTLR_EOIMODE AV_BIT(9) /* EOImode (EOImodeS: no Security Extensions) */

/* ICC_CTLR_EL1.EOImode. */
#define ICC_CTLR_EOIMODE AV_BIT(1)
/* ICC_SRE_EL2: SRE and Enable (EL1 may use ICC_SRE_EL1). */
#define ICC_SRE_EL2_BITS (AV_BIT(0) | AV_BIT(3))

#define PRIO_DEFAULT 0xa0u
#define INTID_SPURIOUS_FIRST 1020u

static const struct port_platform *gic_plat;

static uint32_t rd32(uint64_t a)
{
	return port_read32(a);
}

static void wr32(uint64_t a, uint32_t v)
{
	port_write32(a, v);
}

static void wr8(uint64_t a, uint8_t v)
{
	*(volatile uint8_t *)(uintptr_t)a = v;
}

static void gicd_wait_rwp(void)
{
	while (rd32(gic_plat->gicd_base + GICD_CTLR) & GICD_CTLR_RWP)
		;
}

static unsigned nr_intids(void)
{
	return 32 * ((rd32(gic_plat->gicd_base + GICD_TYPER) & 0x1f) + 1);
}

void port_gic_init(const struct port_platform *p)
{
	uint64_t d = p->gicd_base;
	unsigned n;

	gic_plat = p;
	n = nr_intids();
	if (n > 1020)
		n = 1020;
	wr32(d + GICD_CTLR, 0);
	if (p->gic_version == 3)
		gicd_wait_rwp();
	/* SPIs: disabled, not pending, default priority; Group 1 on GICv3, 0 on GICv2. */
	for (unsigned i = 32; i < n; i += 32) {
		wr32(d + GICD_ICENABLER + i / 8, 0xffffffffu);
		wr32(d + GICD_ICPENDR + i / 8, 0xffffffffu);
		wr32(d + GICD_IGROUPR + i / 8, p->gic_version == 3 ? 0xffffffffu : 0);
	}
	for (unsigned i = 32; i < n; i += 4)
		wr32(d + GICD_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
	if (p->gic_version == 3) {
		wr32(d + GICD_CTLR, GICD_CTLR_ARE);
		gicd_wait_rwp();
		wr32(d + GICD_CTLR, GICD_CTLR_ARE | GICD_CTLR_EN_G1 | GICD_CTLR_EN_G0);
		gicd_wait_rwp();
	} else {
		wr32(d + GICD_CTLR, GICD_CTLR_EN_G0 | GICD_CTLR_EN_G1);
	}
}

/* This CPU's redistributor: the frame whose GICR_TYPER affinity matches MPIDR_EL1. */
static uint64_t find_rd(uint64_t mpidr)
{
	uint64_t aff = (mpidr & 0xffffff) | ((mpidr >> 8) & 0xff000000u);
	uint64_t rd = gic_plat->gicr_base, end = rd + gic_plat->gicr_size;

	while (rd < end) {
		uint64_t typer = rd32(rd + GICR_TYPER) | ((uint64_t)rd32(rd + GICR_TYPER + 4) << 32);

		if ((typer >> 32) == aff)
			return rd;
		if (typer & GICR_TYPER_LAST)
			break;
		rd += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
	}
	return 0;
}

void port_gic_cpu_init(struct port_cpu *c)
{
	if (gic_plat->gic_version == 3) {
		uint64_t rd = find_rd(c->mpidr), sre;

		if (!rd)
			port_panic("gic: no redistributor for this CPU");
		c->gicr = rd;
		/* Wake the redistributor: clear ProcessorSleep, wait for ChildrenAsleep == 0. */
		wr32(rd + GICR_WAKER, rd32(rd + GICR_WAKER) & ~(uint32_t)GICR_WAKER_SLEEP);
		while (rd32(rd + GICR_WAKER) & GICR_WAKER_CHILDREN)
			;
		wr32(rd + GICR_ICENABLER0, 0xffffffffu);
		wr32(rd + GICR_ICPENDR0, 0xffffffffu);
		wr32(rd + GICR_IGROUPR0, 0xffffffffu);
		for (unsigned i = 0; i < 32; i += 4)
			wr32(rd + GICR_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
		while (rd32(rd + GICR_CTLR) & GICR_CTLR_RWP)
			;
		/* The CPU interface through system registers (ICC_*_EL1 at EL2 are physical). */
		__asm__ volatile("mrs %0, icc_sre_el2" : "=r"(sre));
		__asm__ volatile("msr icc_sre_el2, %0; isb" : : "r"(sre | ICC_SRE_EL2_BITS));
		__asm__ volatile("msr icc_pmr_el1, %0" : : "r"((uint64_t)0xff));
		__asm__ volatile("msr icc_bpr1_el1, xzr");
		__asm__ volatile("msr icc_ctlr_el1, %0" : : "r"((uint64_t)ICC_CTLR_EOIMODE));
		__asm__ volatile("msr icc_igrpen1_el1, %0; isb" : : "r"((uint64_t)1));
	} else {
		uint64_t d = gic_plat->gicd_base, cc = gic_plat->gicc_base;

		/* Banked SGI/PPI registers of this CPU; ITARGETSR0 reads this CPU's own bit. */
		c->gic_cpu_mask = rd32(d + GICD_ITARGETSR) & 0xff;
		wr32(d + GICD_ICENABLER, 0xffffffffu);
		wr32(d + GICD_ICPENDR, 0xffffffffu);
		wr32(d + GICD_IGROUPR, 0);
		for (unsigned i = 0; i < 32; i += 4)
			wr32(d + GICD_IPRIORITYR + i, PRIO_DEFAULT * 0x01010101u);
		wr32(cc + GICC_PMR, 0xff);
		wr32(cc + GICC_BPR, 0);
		wr32(cc + GICC_CTLR, GICC_CTLR_EN_G0 | GICC_CTLR_EN_G1 | GICC_CTLR_EOIMODE);
	}
}

void port_irq_enable(unsigned intid)
{
	struct port_cpu *c = port_this_cpu();

	if (gic_plat->gic_version == 3 && intid < 32) {
		wr8(c->gicr + GICR_IPRIORITYR + intid, PRIO_DEFAULT);
		wr32(c->gicr + GICR_ISENABLER0, AV_BIT(intid));
	} else {
		if (intid >= 32 && gic_plat->gic_version == 2)
			wr8(gic_plat->gicd_base + GICD_ITARGETSR + intid, (uint8_t)c->gic_cpu_mask);
		wr8(gic_plat->gicd_base + GICD_IPRIORITYR + intid, PRIO_DEFAULT);
		wr32(gic_plat->gicd_base + GICD_ISENABLER + 4 * (intid / 32), AV_BIT(intid % 32));
	}
}

void port_irq_disable(unsigned intid)
{
	struct port_cpu *c = port_this_cpu();

	if (gic_plat->gic_version == 3 && intid < 32)
		wr32(c->gicr + GICR_ICENABLER0, AV_BIT(intid));
	else
		wr32(gic_plat->gicd_base + GICD_ICENABLER + 4 * (intid / 32), AV_BIT(intid % 32));
}

void port_irq_route(unsigned intid, unsigned cpu)
{
	const struct port_cpu *t = port_cpu(cpu);

	if (intid < 32 || !t)
		return;
	if (gic_plat->gic_version == 3) {
		uint64_t m = t->mpidr;
		uint64_t aff = (m & 0xffffffull) | ((m >> 32) & 0xff) << 32;
		uint64_t a = gic_plat->gicd_base + GICD_IROUTER + 8ull * intid;

		/* GICD_IROUTER<n>: two 32-bit halves (Interrupt_Routing_Mode 0: this PE). */
		wr32(a, (uint32_t)aff);
		wr32(a + 4, (uint32_t)(aff >> 32));
	} else {
		wr8(gic_plat->gicd_base + GICD_ITARGETSR + intid, (uint8_t)t->gic_cpu_mask);
	}
}

bool port_irq_is_active(unsigned intid)
{
	struct port_cpu *c = port_this_cpu();
	uint32_t v;

	if (gic_plat->gic_version == 3 && intid < 32)
		v = rd32(c->gicr + GICR_ISACTIVER0);
	else
		v = rd32(gic_plat->gicd_base + GICD_ISACTIVER + 4 * (intid / 32));
	return (v & AV_BIT(intid % 32)) != 0;
}

uint32_t port_irq_ack(void)
{
	uint32_t iar;

	if (gic_plat->gic_version == 3) {
		uint64_t v;

		__asm__ volatile("mrs %0, icc_iar1_el1" : "=r"(v));
		iar = (uint32_t)v;
		if ((iar & 0xffffff) < INTID_SPURIOUS_FIRST)
			__asm__ volatile("msr icc_eoir1_el1, %0; isb" : : "r"((uint64_t)iar));
	} else {
		iar = rd32(gic_plat->gicc_base + GICC_IAR);
		if ((iar & 0x3ff) < INTID_SPURIOUS_FIRST)
			wr32(gic_plat->gicc_base + GICC_EOIR, iar);
	}
	return iar;
}

unsigned port_irq_intid(uint32_t iar)
{
	return gic_plat->gic_version == 3 ? (iar & 0xffffff) : (iar & 0x3ff);
}

void port_irq_deactivate(uint32_t iar)
{
	if (gic_plat->gic_version == 3)
		__asm__ volatile("msr icc_dir_el1, %0; isb" : : "r"((uint64_t)iar));
	else
		wr32(gic_plat->gicc_base + GICC_DIR, iar);
}

void port_send_sgi(unsigned cpu, unsigned sgi)
{
	const struct port_cpu *t = port_cpu(cpu);

	if (gic_plat->gic_version == 3) {
		uint64_t m = t->mpidr;
		uint64_t v = ((m >> 32) & 0xff) << 48 | ((m >> 16) & 0xff) << 32 |
			     (uint64_t)(sgi & 0xf) << 24 | ((m >> 8) & 0xff) << 16 |
			     AV_BIT(m & 0xf);

		/* Make earlier stores visible before the interrupt can be taken elsewhere. */
		__asm__ volatile("dsb ishst; msr icc_sgi1r_el1, %0; isb" : : "r"(v) : "memory");
	} else {
		__asm__ volatile("dsb ishst" : : : "memory");
		wr32(gic_plat->gicd_base + GICD_SGIR, (uint32_t)t->gic_cpu_mask << 16 | (sgi & 0xf));
	}
}
