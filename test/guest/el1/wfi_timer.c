/* SPDX-License-Identifier: MIT */
/*
 * wfi_timer: the EL1 virtual timer fires at the programmed time. Programs CNTV_TVAL_EL0 for
 * about 1 ms, enables the timer PPI (INTID 27) at the GIC, waits in WFI, and checks that
 * the interrupt is taken with IAR = 27, is EOIed, and that CNTVCT_EL0 had reached the
 * programmed compare value. Done twice: WFI with IRQs masked (then unmasked to take it) and
 * WFI with IRQs unmasked, the second time programmed through CNTV_CVAL_EL0.
 */
#include "rt.h"

const char *rt_prog = "wfi_timer";

#define CNTV_CTL_ENABLE  (1u << 0)
#define CNTV_CTL_IMASK   (1u << 1)
#define CNTV_CTL_ISTATUS (1u << 2)

static volatile uint32_t irq_count, irq_intid, irq_other;
static volatile uint64_t irq_cnt;

static void timer_irq(uint32_t intid, uint32_t iar)
{
	if (intid == rt_plat.vtimer_intid) {
		irq_cnt = read_sysreg(cntvct_el0);
		/* Level-sensitive: mask at the source before the runtime EOIs it. */
		write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
		isb();
		irq_intid = intid;
		irq_count++;
	} else {
		irq_other++;
	}
}

static void run(const char *name, bool masked_wfi, bool use_cval)
{
	uint64_t freq = read_sysreg(cntfrq_el0), ticks = freq / 1000, cval, start, ctl;
	unsigned wakes = 0;
	bool istatus_at_wake = false;

	irq_count = irq_other = 0;
	irq_intid = 0;
	irq_disable();
	write_sysreg(cntv_ctl_el0, 0);
	isb();
	start = rt_cntvct();
	if (use_cval) {
		write_sysreg(cntv_cval_el0, start + ticks);
	} else {
		write_sysreg(cntv_tval_el0, ticks);
	}
	isb();
	cval = read_sysreg(cntv_cval_el0);
	write_sysreg(cntv_ctl_el0, CNTV_CTL_ENABLE);
	isb();
	ctl = read_sysreg(cntv_ctl_el0);
	rt_check(!(ctl & CNTV_CTL_ISTATUS) || rt_cntvct() >= cval,
		 use_cval ? "not_early_cval" : "not_early_tval",
		 "ISTATUS set at once, CNTVCT 0x%lx < CVAL 0x%lx", rt_cntvct(), cval);

	while (irq_count == 0 && wakes < 1000000) {
		if (rt_cntvct() > cval + freq) /* one second late: give up */
			break;
		if (masked_wfi) {
			__asm__ volatile("wfi" : : : "memory");
			if (read_sysreg(cntv_ctl_el0) & CNTV_CTL_ISTATUS)
				istatus_at_wake = true;
			irq_enable();
			isb();
			irq_disable();
		} else {
			/*
			 * The timer may have expired already (a slow host, or the console
			 * line above): the interrupt is then taken as soon as it is
			 * unmasked, and a WFI after it would wait for nothing. Only wait
			 * while it has not arrived; the window left is two instructions.
			 */
			irq_enable();
			if (irq_count == 0)
				__asm__ volatile("wfi" : : : "memory");
			irq_disable();
		}
		wakes++;
	}
	write_sysreg(cntv_ctl_el0, 0);
	isb();

	rt_printf("%s: %s: freq %lu Hz, CVAL-start %lu ticks, fired at CVAL+%ld ticks, %u wake(s)\n",
		  rt_prog, name, freq, cval - start, (int64_t)(irq_cnt - cval), wakes);
	if (!rt_check(irq_count == 1 && irq_intid == rt_plat.vtimer_intid && irq_other == 0, name,
		      "%u timer IRQ(s), INTID %u, %u other IRQ(s)", irq_count, irq_intid, irq_other))
		return;
	rt_check(irq_cnt >= cval, use_cval ? "on_time_cval" : "on_time_tval",
		 "taken at CNTVCT 0x%lx before CVAL 0x%lx", irq_cnt, cval);
	if (masked_wfi)
		rt_check(istatus_at_wake, "istatus", "WFI woke without CNTV_CTL.ISTATUS");
}

void test_main(void)
{
	unsigned cpu = rt_cpu_index();

	gic_init_dist();
	if (gic_init_cpu() != 0) {
		rt_fail("gic_init", "no redistributor for this vCPU");
		return;
	}
	rt_irq_hook[cpu] = timer_irq;
	gic_enable_private(rt_plat.vtimer_intid, 0x80);
	rt_check(rt_plat.vtimer_intid == RT_VTIMER_INTID, "dtb_intid", "DTB says INTID %u, want 27",
		 rt_plat.vtimer_intid);
	run("wfi_masked", true, false);
	run("wfi_unmasked", false, true);
	gic_disable_private(rt_plat.vtimer_intid);
}
