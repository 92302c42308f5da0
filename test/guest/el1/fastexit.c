/* SPDX-License-Identifier: MIT */
/*
 * fastexit: exits the hypervisor's library answers without its run loop (doc/vm.md, "The
 * library's fast path on bare metal") keep their guest-visible meaning.
 *
 * - pending work is seen before re-entry: a private interrupt made pending by an MMIO
 *   write of this vCPU (GICv3: GICR_ISPENDR0 in the SGI frame; GICv2: GICD_SGIR to itself)
 *   is taken within a short spin that makes no exit, 64 times. Under armvirt-bm the write
 *   is answered in the EL2 vectors; only the exit request brings the vCPU back to the run
 *   loop, which lists the interrupt. Without it the interrupt would wait for the next
 *   exit of any other kind;
 * - an SMCCC call nobody owns (0x4b000000, HVC #0) returns NOT_SUPPORTED in x0, x1..x3
 *   unchanged, 256 times;
 * - a distributor read between the two (GICD_IIDR) reads the same value every time.
 * On plain QEMU the same program checks the same (the GIC and the PSCI firmware are
 * QEMU's).
 */
#include "rt.h"

const char *rt_prog = "fastexit";

#define FX_SGI        5
#define FX_ROUNDS     64
#define FX_SPIN       2000  /* loop iterations without an exit (~10,000 instructions) */
#define FX_HVC_CALLS  256
#define GICD_IIDR     0x008
#define GICD_SGIR     0xf00
#define GICR_SGI_BASE 0x10000
#define GICR_ISPENDR0 0x200

static volatile uint32_t taken, last_intid;

static void irq(uint32_t intid, uint32_t iar)
{
	(void)iar;
	last_intid = intid;
	dmb(sy);
	taken = taken + 1;
}

/* Make SGI FX_SGI pending for this vCPU with one MMIO write. */
static void pend_self(void)
{
	if (rt_plat.gic_version == 3)
		mmio_write32(gic_redist_base() + GICR_SGI_BASE + GICR_ISPENDR0, 1u << FX_SGI);
	else /* TargetListFilter 0b10: this CPU only */
		mmio_write32(rt_plat.gicd + GICD_SGIR, (2u << 24) | FX_SGI);
}

static void pending_seen(void)
{
	unsigned worst = 0, late = 0;

	for (unsigned r = 0; r < FX_ROUNDS; r++) {
		uint32_t want = taken + 1;
		unsigned i;

		pend_self();
		for (i = 0; i < FX_SPIN && taken != want; i++)
			__asm__ volatile("" : : : "memory");
		if (taken != want)
			late++;
		else if (i > worst)
			worst = i;
		/* Let a late one arrive before the next round (bounded). */
		rt_wait_us(&taken, want, 100000);
	}
	rt_check(late == 0 && last_intid == FX_SGI, "pending_seen",
		 "%u of %u interrupts not taken within %u spins (worst %u), last INTID %u", late,
		 FX_ROUNDS, FX_SPIN, worst, last_intid);
}

static void smccc_unknown(void)
{
	unsigned bad = 0;
	uint32_t iidr = mmio_read32(rt_plat.gicd + GICD_IIDR), other = iidr;

	for (unsigned i = 0; i < FX_HVC_CALLS; i++) {
		struct smccc_res r = rt_hvc(0x4b000000u, 0x1111 + i, 0x2222, 0x3333);

		if ((int64_t)r.a0 != -1 || r.a1 != 0x1111 + i || r.a2 != 0x2222 || r.a3 != 0x3333)
			bad++;
		if (mmio_read32(rt_plat.gicd + GICD_IIDR) != iidr)
			other = ~iidr;
	}
	rt_check(bad == 0, "smccc_unknown", "%u of %u calls not NOT_SUPPORTED with x1..x3 kept",
		 bad, FX_HVC_CALLS);
	rt_check(other == iidr, "gicd_iidr", "GICD_IIDR 0x%x changed between reads", iidr);
}

void test_main(void)
{
	unsigned cpu = rt_cpu_index();

	gic_init_dist();
	if (!rt_check(gic_init_cpu() == 0, "gic_init", "no redistributor for this vCPU"))
		return;
	rt_irq_hook[cpu] = irq;
	gic_enable_private(FX_SGI, 0x80);
	irq_enable();
	pending_seen();
	irq_disable();
	gic_disable_private(FX_SGI);
	smccc_unknown();
}
