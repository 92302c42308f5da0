/* SPDX-License-Identifier: MIT */
/*
 * Starting the second vCPU of a two-vCPU test that talks to it by SGIs (sgi, sgi_stress,
 * trapbench, smccc_storm): CPU_ON, the secondary's GIC interface, its IRQ hook and SGI,
 * then the test's own body. See rt.h.
 */
#include "rt.h"

#define START_WAIT_US 1000000u

static volatile uint32_t start_ready, start_gic_rc;
static uint32_t start_sgi;
static rt_irq_fn start_irq;
static rt_secondary_fn start_body;

static void start_main(unsigned cpu)
{
	start_gic_rc = (uint32_t)gic_init_cpu();
	rt_irq_hook[cpu] = start_irq;
	gic_enable_private(start_sgi, 0x80);
	irq_enable();
	start_ready = 1;
	rt_sev();
	start_body(cpu);
}

bool rt_start_secondary(unsigned cpu, uint32_t sgi, rt_irq_fn irq, rt_secondary_fn body)
{
	int64_t rc;

	start_ready = 0;
	start_sgi = sgi;
	start_irq = irq;
	start_body = body;
	rc = rt_cpu_on(cpu, start_main);
	if (!rt_check(rc == PSCI_RET_SUCCESS, "cpu_on", "CPU_ON returned %ld", rc))
		return false;
	return rt_check(rt_wait_us(&start_ready, 1, START_WAIT_US) && start_gic_rc == 0,
			"secondary_up", "vCPU %u did not come up (ready %u, gic %d)", cpu,
			start_ready, (int)start_gic_rc);
}
