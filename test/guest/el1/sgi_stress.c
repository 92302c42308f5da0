/* SPDX-License-Identifier: MIT */
/*
 * sgi_stress: 100,000 SGI round trips between two vCPUs, every one counted. vCPU 0 sends
 * SGI 1 to vCPU 1 and waits until vCPU 1's handler has acknowledged it (a counter the
 * handler increments), then sends the next one at once. In every eighth round trip the
 * handler returns (and the runtime EOIs) only once the next SGI was sent, or after a short
 * bound: so the next SGI is made pending while the previous one is still active on vCPU 1,
 * from the same source (GICv2 keeps one pending state per source), at least 12,500 times
 * even when the emulator runs the vCPUs in turn (-icount). Every wait is bounded;
 * an SGI that never arrives is a FAIL with the number of good round trips. GICv2 also
 * checks that every SGI names vCPU 0 as its source.
 */
#include "rt.h"

const char *rt_prog = "sgi_stress";

#define SGI_STRESS     1
#define ROUND_TRIPS    100000u
#define WAIT_US        1000000u /* per round trip */
#define PROGRESS_EVERY 25000u
#define HOLD_US        200u     /* the handler waits at most this long for the next send */
#define HOLD_EVERY     8u       /* ... in every HOLD_EVERY-th round trip */

static unsigned primary, secondary;
static volatile uint32_t sec_stop;
static volatile uint32_t acks, sent, bad_intid, bad_src, last_bad;
static uint32_t want_src;

static void sec_irq(uint32_t intid, uint32_t iar)
{
	if (intid != SGI_STRESS) {
		bad_intid = bad_intid + 1;
		last_bad = intid;
		return;
	}
	if (rt_plat.gic_version == 2 && ((iar >> 10) & 7) != want_src)
		bad_src = bad_src + 1;
	dmb(sy);
	acks = acks + 1;
	/* Still active: let vCPU 0 send the next one before the runtime's EOI. */
	if (acks % HOLD_EVERY == 0)
		rt_wait_us(&sent, acks + 1, HOLD_US);
}

static void secondary_main(unsigned cpu)
{
	(void)cpu;
	while (!sec_stop)
		__asm__ volatile("yield" : : : "memory");
	irq_disable();
}

void test_main(void)
{
	uint64_t freq = read_sysreg(cntfrq_el0), t0, t1;
	uint32_t done = 0;

	primary = rt_cpu_index();
	if (!rt_need_cpus(2))
		return;
	secondary = primary == 0 ? 1 : 0;
	gic_init_dist();
	if (gic_init_cpu() != 0) {
		rt_fail("gic_init", "no redistributor for vCPU %u", primary);
		return;
	}
	want_src = rt_plat.gic_version == 2 ? gic_v2_cpu_number(primary) : 0;
	if (!rt_start_secondary(secondary, SGI_STRESS, sec_irq, secondary_main))
		return;

	t0 = rt_cntvct();
	for (done = 0; done < ROUND_TRIPS; done++) {
		gic_send_sgi(secondary, SGI_STRESS);
		dsb(sy);
		sent = done + 1;
		if (!rt_wait_us(&acks, done + 1, WAIT_US))
			break;
		if ((done + 1) % PROGRESS_EVERY == 0)
			rt_printf("sgi_stress: %u round trips so far\n", done + 1);
	}
	t1 = rt_cntvct();
	/* A late SGI would show up as an extra acknowledgement. */
	rt_wait_us(&acks, done + 2, 1000);
	sec_stop = 1;
	rt_sev();

	rt_check(done == ROUND_TRIPS, "round_trips",
		 "SGI %u of %u was never taken by vCPU %u within %u ms (%u acknowledged)",
		 done + 1, ROUND_TRIPS, secondary, WAIT_US / 1000, acks);
	rt_check(acks == done, "counted", "%u SGIs sent and waited for, %u taken", done, acks);
	rt_check(bad_intid == 0, "no_stray", "%u other interrupts (last INTID %u)", bad_intid,
		 last_bad);
	if (rt_plat.gic_version == 2)
		rt_check(bad_src == 0, "source_v2", "%u SGIs with a source other than CPU %u",
			 bad_src, want_src);
	if (done)
		rt_printf("sgi_stress: %u round trips, %lu ns each on average\n", done,
			  (unsigned long)((t1 - t0) * 1000000000ull / freq / done));
}
