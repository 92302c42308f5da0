/* SPDX-License-Identifier: MIT */
/*
 * sgi: software-generated interrupts between two vCPUs. vCPU 1 is started with PSCI CPU_ON,
 * enables SGI 1 and waits; vCPU 0 sends it SGI 1 (GICv3: ICC_SGI1R_EL1 with the target's
 * affinity; GICv2: GICD_SGIR with a target list) and vCPU 1 reports it through shared
 * memory. Then vCPU 1 sends SGI 2 to vCPU 0. Finally AFFINITY_INFO shows vCPU 1 ON, vCPU 1
 * calls CPU_OFF, and AFFINITY_INFO shows it OFF.
 */
#include "rt.h"

const char *rt_prog = "sgi";

#define SGI_TO_SECONDARY 1
#define SGI_TO_PRIMARY   2
#define CMD_SEND_SGI     1
#define CMD_OFF          2
#define WAIT_US          1000000

static unsigned primary, secondary;
static volatile uint32_t sec_count, sec_intid, sec_src;
static volatile uint32_t cmd, cmd_done;
static volatile uint32_t pri_count, pri_intid, pri_src;

static uint32_t sgi_source(uint32_t iar)
{
	return rt_plat.gic_version == 2 ? (iar >> 10) & 7 : 0;
}

static void sec_irq(uint32_t intid, uint32_t iar)
{
	sec_intid = intid;
	sec_src = sgi_source(iar);
	dmb(sy);
	sec_count = sec_count + 1;
}

static void pri_irq(uint32_t intid, uint32_t iar)
{
	pri_intid = intid;
	pri_src = sgi_source(iar);
	dmb(sy);
	pri_count = pri_count + 1;
}

static void secondary_main(unsigned cpu)
{
	(void)cpu;
	for (;;) {
		uint32_t c = cmd;

		if (c == CMD_SEND_SGI) {
			cmd = 0;
			gic_send_sgi(primary, SGI_TO_PRIMARY);
			cmd_done = 1;
			rt_sev();
		} else if (c == CMD_OFF) {
			return; /* the runtime calls PSCI CPU_OFF */
		} else {
			rt_wfe();
		}
	}
}

void test_main(void)
{
	int64_t rc, aff = -99;
	uint64_t end;

	primary = rt_cpu_index();
	if (rt_plat.ncpus < 2) {
		if (rt_armvirt)
			rt_fail("cpus", "the VM has %u vCPU, the test needs 2", rt_plat.ncpus);
		else
			rt_skip("cpus", "only one CPU");
		return;
	}
	secondary = primary == 0 ? 1 : 0;
	gic_init_dist();
	if (gic_init_cpu() != 0) {
		rt_fail("gic_init", "no redistributor for vCPU %u", primary);
		return;
	}
	rt_irq_hook[primary] = pri_irq;
	gic_enable_private(SGI_TO_PRIMARY, 0x80);

	if (!rt_start_secondary(secondary, SGI_TO_SECONDARY, sec_irq, secondary_main))
		return;

	/* vCPU 0 -> vCPU 1 */
	gic_send_sgi(secondary, SGI_TO_SECONDARY);
	rt_wait_us(&sec_count, 1, WAIT_US);
	rt_check(sec_count == 1 && sec_intid == SGI_TO_SECONDARY, "sgi_to_secondary",
		 "vCPU %u took %u interrupt(s), last INTID %u", secondary, sec_count, sec_intid);
	if (rt_plat.gic_version == 2)
		rt_check(sec_src == gic_v2_cpu_number(primary), "sgi_source_v2",
			 "source CPU %u, want %u", sec_src, gic_v2_cpu_number(primary));

	/* vCPU 1 -> vCPU 0, taken with IRQs unmasked while spinning */
	irq_enable();
	cmd = CMD_SEND_SGI;
	rt_sev();
	rt_wait_us(&pri_count, 1, WAIT_US);
	irq_disable();
	/* vCPU 1 records the send after sending: it may be descheduled in between. */
	rt_wait_us(&cmd_done, 1, WAIT_US);
	rt_check(cmd_done == 1 && pri_count == 1 && pri_intid == SGI_TO_PRIMARY, "sgi_to_primary",
		 "sent %u, vCPU %u took %u interrupt(s), last INTID %u", cmd_done, primary,
		 pri_count, pri_intid);
	if (rt_plat.gic_version == 2)
		rt_check(pri_src == gic_v2_cpu_number(secondary), "sgi_source_v2_back",
			 "source CPU %u, want %u", pri_src, gic_v2_cpu_number(secondary));

	rc = rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[secondary], 0, 0);
	rt_check(rc == PSCI_AFF_ON, "affinity_on", "AFFINITY_INFO = %ld, want 0 (ON)", rc);
	cmd = CMD_OFF;
	rt_sev();
	end = rt_cntvct() + read_sysreg(cntfrq_el0);
	while (rt_cntvct() < end) {
		aff = rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[secondary], 0, 0);
		if (aff == PSCI_AFF_OFF)
			break;
		__asm__ volatile("yield" : : : "memory");
	}
	rt_check(aff == PSCI_AFF_OFF, "affinity_off", "AFFINITY_INFO = %ld after CPU_OFF, want 1",
		 aff);
	gic_disable_private(SGI_TO_PRIMARY);
}
