/* SPDX-License-Identifier: MIT */
/*
 * GIC helpers for the guest. GICv3: distributor and redistributors by MMIO, CPU interface
 * through the ICC_* system registers, all interrupts in Group 1. GICv2: distributor and
 * CPU interface (GICC) by MMIO, all interrupts in Group 0 (signalled as IRQ).
 */
#include "rt.h"

#define GICD_CTLR        0x000
#define GICD_CTLR_RWP    (1u << 31)
#define GICD_ISENABLER   0x100
#define GICD_ICENABLER   0x180
#define GICD_IPRIORITYR  0x400
#define GICD_ITARGETSR   0x800
#define GICD_SGIR        0xf00

#define GICR_TYPER       0x008
#define GICR_TYPER_VLPIS (1ull << 1)
#define GICR_TYPER_LAST  (1ull << 4)
#define GICR_WAKER       0x014
#define GICR_WAKER_PS    (1u << 1)
#define GICR_WAKER_CA    (1u << 2)
#define GICR_SGI_BASE    0x10000
#define GICR_IGROUPR0    0x080

#define GICC_CTLR        0x000
#define GICC_PMR         0x004
#define GICC_BPR         0x008
#define GICC_IAR         0x00c
#define GICC_EOIR        0x010

static uint64_t rd_base[RT_MAX_CPUS];
static volatile uint8_t v2_cpumask[RT_MAX_CPUS];

static unsigned cpu_idx(void)
{
	uint64_t i = read_sysreg(tpidr_el1);

	return i < RT_MAX_CPUS ? (unsigned)i : 0;
}

static void gicd_wait_rwp(void)
{
	for (unsigned i = 0; i < 100000; i++)
		if (!(mmio_read32(rt_plat.gicd + GICD_CTLR) & GICD_CTLR_RWP))
			return;
}

void gic_init_dist(void)
{
	if (rt_plat.gic_version == 3) {
		/* ARE first, then both groups (bit positions valid for the DS=1 and NS views). */
		mmio_write32(rt_plat.gicd + GICD_CTLR, 1u << 4);
		gicd_wait_rwp();
		mmio_write32(rt_plat.gicd + GICD_CTLR, (1u << 4) | (1u << 1) | (1u << 0));
		gicd_wait_rwp();
	} else {
		mmio_write32(rt_plat.gicd + GICD_CTLR, 1);
	}
	dsb(sy);
}

uint64_t gic_redist_base(void)
{
	return rd_base[cpu_idx()];
}

uint32_t gic_v2_cpumask(unsigned cpu)
{
	return cpu < RT_MAX_CPUS ? v2_cpumask[cpu] : 0;
}

uint32_t gic_v2_cpu_number(unsigned cpu)
{
	uint32_t m = gic_v2_cpumask(cpu);

	for (uint32_t i = 0; i < 8; i++)
		if (m == 1u << i)
			return i;
	return 0xff;
}

static uint64_t find_redist(void)
{
	uint64_t want = rt_mpidr_aff(), aff;

	aff = (want & 0xffffff) | ((want >> 32) & 0xff) << 24;
	for (uint64_t off = 0; off < rt_plat.gicr_size || rt_plat.gicr_size == 0;) {
		uint64_t typer = mmio_read64(rt_plat.gicr + off + GICR_TYPER);

		if ((typer >> 32) == aff)
			return rt_plat.gicr + off;
		if (typer & GICR_TYPER_LAST)
			break;
		off += (typer & GICR_TYPER_VLPIS) ? 0x40000 : 0x20000;
		if (rt_plat.gicr_size == 0 && off >= 0x1000000)
			break;
	}
	return 0;
}

int gic_init_cpu(void)
{
	unsigned c = cpu_idx();

	if (rt_plat.gic_version == 3) {
		uint64_t rd = find_redist(), sre;
		uint32_t w;

		if (!rd)
			return -1;
		rd_base[c] = rd;
		w = mmio_read32(rd + GICR_WAKER);
		mmio_write32(rd + GICR_WAKER, w & ~GICR_WAKER_PS);
		for (unsigned i = 0; i < 100000; i++)
			if (!(mmio_read32(rd + GICR_WAKER) & GICR_WAKER_CA))
				break;
		mmio_write32(rd + GICR_SGI_BASE + GICR_IGROUPR0, 0xffffffffu);
		mmio_write32(rd + GICR_SGI_BASE + GICD_ICENABLER, 0xffffffffu);
		dsb(sy);
		sre = read_sysreg(icc_sre_el1);
		if (!(sre & 1)) {
			write_sysreg(icc_sre_el1, sre | 1);
			isb();
		}
		write_sysreg(icc_pmr_el1, 0xff);
		write_sysreg(icc_bpr1_el1, 0);
		write_sysreg(icc_igrpen1_el1, 1);
		isb();
	} else {
		/* ITARGETSR0..7 are banked and read as this CPU's own target bit. */
		v2_cpumask[c] = (uint8_t)mmio_read32(rt_plat.gicd + GICD_ITARGETSR);
		mmio_write32(rt_plat.gicd + GICD_ICENABLER, 0xffffffffu);
		mmio_write32(rt_plat.gicc + GICC_PMR, 0xff);
		mmio_write32(rt_plat.gicc + GICC_BPR, 0);
		mmio_write32(rt_plat.gicc + GICC_CTLR, 1);
		dsb(sy);
	}
	return 0;
}

/* The register frame holding this vCPU's SGI/PPI configuration. */
static uint64_t private_frame(void)
{
	return rt_plat.gic_version == 3 ? rd_base[cpu_idx()] + GICR_SGI_BASE : rt_plat.gicd;
}

void gic_enable_private(uint32_t intid, uint8_t prio)
{
	uint64_t f = private_frame();
	uint64_t pa = f + GICD_IPRIORITYR + (intid & ~3u);
	unsigned sh = (intid & 3) * 8;
	uint32_t v = mmio_read32(pa);

	v = (v & ~(0xffu << sh)) | (uint32_t)prio << sh;
	mmio_write32(pa, v);
	mmio_write32(f + GICD_ISENABLER, 1u << intid);
	dsb(sy);
}

void gic_disable_private(uint32_t intid)
{
	mmio_write32(private_frame() + GICD_ICENABLER, 1u << intid);
	dsb(sy);
}

uint32_t gic_ack(void)
{
	uint32_t iar;

	if (rt_plat.gic_version == 3) {
		iar = (uint32_t)read_sysreg(icc_iar1_el1);
		dsb(sy);
	} else {
		iar = mmio_read32(rt_plat.gicc + GICC_IAR);
	}
	return iar;
}

void gic_eoi(uint32_t iar)
{
	if (rt_plat.gic_version == 3) {
		write_sysreg(icc_eoir1_el1, iar);
		isb();
	} else {
		mmio_write32(rt_plat.gicc + GICC_EOIR, iar);
	}
}

void gic_send_sgi(unsigned cpu, uint32_t intid)
{
	if (rt_plat.gic_version == 3) {
		uint64_t m = rt_plat.mpidr[cpu];
		uint64_t aff0 = m & 0xff;
		uint64_t v = (uint64_t)(intid & 0xf) << 24 | 1ull << (aff0 & 0xf) |
			     (aff0 >> 4) << 44 | ((m >> 8) & 0xff) << 16 |
			     ((m >> 16) & 0xff) << 32 | ((m >> 32) & 0xff) << 48;

		dsb(sy);
		write_sysreg(icc_sgi1r_el1, v);
		isb();
	} else {
		uint32_t mask = v2_cpumask[cpu] ? v2_cpumask[cpu] : 1u << cpu;

		dsb(sy);
		mmio_write32(rt_plat.gicd + GICD_SGIR, mask << 16 | (intid & 0xf));
	}
}
