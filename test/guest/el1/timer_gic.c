/* SPDX-License-Identifier: MIT */
/*
 * timer_gic: the EL1 virtual timer (CNTV_*, INTID 27) and physical timer (CNTP_*, INTID 30)
 * against the GIC's view of their level-sensitive PPIs. For each timer, with the PPI
 * disabled at the GIC, step by step: disabled, enabled with a compare value far ahead,
 * compare value in the past, IMASK, unmasked, disabled again — after each step CTL.ISTATUS
 * and the pending bit (GICR/GICD ISPENDR0, and ICPENDR0 which reads the same) must say what
 * the timer's output says (ENABLE && ISTATUS && !IMASK). Then the PPI is re-enabled with
 * the timer disabled: no interrupt may be taken (the line is low). TVAL: a positive value
 * reads back and is not pending, a negative one is. Then the interrupt is taken exactly
 * once when it is raised, and once when a compare value 1 ms ahead is reached.
 * Finally the storm case: the timer's line high, its PPI enabled, the guest's IRQs masked
 * (raised, not acknowledged): the guest must keep running (a fixed amount of work within a
 * bound), then takes the interrupt once when it unmasks.
 */
#include "rt.h"

const char *rt_prog = "timer_gic";

#define CTL_ENABLE  (1u << 0)
#define CTL_IMASK   (1u << 1)
#define CTL_ISTATUS (1u << 2)

#define GICD_ISENABLER 0x100
#define GICD_ISPENDR   0x200
#define GICD_ICPENDR   0x280
#define GICD_ISACTIVER 0x300
#define GICR_SGI_BASE  0x10000

#define PHYS_TIMER_INTID 30u /* the physical timer's PPI in the virt board's DTB */

enum { VIRT, PHYS };

static const char *const tname[] = { "virt", "phys" };
static uint32_t tintid[2];
static volatile uint32_t irq_count, irq_intid, irq_other;
static volatile int irq_timer = -1;

/* read_<reg>(t) / write_<reg>(t, v) for the virtual (CNTV_<REG>) or physical (CNTP_<REG>)
 * timer: the register names must be literal in MRS/MSR. */
#define TIMER_REG(reg)                                                                    \
	static uint64_t read_##reg(int t)                                                 \
	{                                                                                 \
		isb();                                                                    \
		return t == VIRT ? read_sysreg(cntv_##reg##_el0) : read_sysreg(cntp_##reg##_el0); \
	}                                                                                 \
	static void write_##reg(int t, uint64_t v)                                        \
	{                                                                                 \
		if (t == VIRT)                                                            \
			write_sysreg(cntv_##reg##_el0, v);                                \
		else                                                                      \
			write_sysreg(cntp_##reg##_el0, v);                                \
		isb();                                                                    \
	}
TIMER_REG(ctl)
TIMER_REG(cval)
TIMER_REG(tval)

static uint64_t count(int t)
{
	isb();
	return t == VIRT ? read_sysreg(cntvct_el0) : read_sysreg(cntpct_el0);
}

static uint64_t private_frame(void)
{
	return rt_plat.gic_version == 3 ? gic_redist_base() + GICR_SGI_BASE : rt_plat.gicd;
}

static bool bit(uint64_t reg, uint32_t intid)
{
	return (mmio_read32(private_frame() + reg) >> intid) & 1;
}

static void timer_irq(uint32_t intid, uint32_t iar)
{
	(void)iar;
	if (irq_timer >= 0 && intid == tintid[irq_timer]) {
		/* Level-sensitive: lower the line at the source before the runtime's EOI. */
		write_ctl(irq_timer, CTL_ENABLE | CTL_IMASK);
		irq_intid = intid;
		irq_count = irq_count + 1;
	} else {
		irq_other = irq_other + 1;
		irq_intid = intid;
	}
}

/*
 * IRQs unmasked until @want timer interrupts were taken or @us microseconds of counter time
 * passed, then 2 ms more (for interrupts that must not come), then masked again.
 */
static void irq_window(uint32_t want, uint64_t us)
{
	uint64_t tick_us = read_sysreg(cntfrq_el0) / 1000000, end = rt_cntvct() + tick_us * us;

	irq_enable();
	while (irq_count < want && rt_cntvct() < end)
		__asm__ volatile("yield" : : : "memory");
	end = rt_cntvct() + tick_us * 2000;
	while (rt_cntvct() < end)
		__asm__ volatile("yield" : : : "memory");
	irq_disable();
}

/*
 * One step: the timer's ISTATUS and the GIC's pending bit (ISPENDR0 and ICPENDR0) against
 * what the step expects; the pending bit may follow a raised line a little later (the
 * physical interrupt reaches the hypervisor first), so a wanted 1 is polled for up to 1 s.
 */
/*
 * Check timer @t's ISTATUS and its PPI's pending bit (ISPENDR and ICPENDR). With @until
 * below UINT64_MAX the state is only right while the timer's count is below it (a compare
 * value ahead): the reads exit to the hypervisor, and on a slow host (nested KVM without
 * icount) the count may pass it during them; then the check is not made.
 */
static void step_until(int t, const char *what, bool want_istatus, bool want_pending,
		       uint64_t until)
{
	char name[48];
	uint32_t intid = tintid[t];
	uint64_t ctl = read_ctl(t), end = rt_cntvct() + read_sysreg(cntfrq_el0);
	bool ispend = bit(GICD_ISPENDR, intid), icpend;

	while (want_pending && !ispend && rt_cntvct() < end)
		ispend = bit(GICD_ISPENDR, intid);
	icpend = bit(GICD_ICPENDR, intid);
	if (until != UINT64_MAX && count(t) >= until) {
		rt_printf("%s: %s: the compare value passed during the reads: not checked\n",
			  rt_prog, what);
		return;
	}
	/* The check's name: "<timer>_<what>". */
	{
		size_t n = 0;

		for (const char *p = tname[t]; *p; p++)
			name[n++] = *p;
		name[n++] = '_';
		for (const char *p = what; *p && n < sizeof(name) - 1; p++)
			name[n++] = *p;
		name[n] = 0;
	}
	rt_check(!!(ctl & CTL_ISTATUS) == want_istatus && ispend == want_pending &&
		 icpend == want_pending, name,
		 "CTL 0x%lx (ISTATUS want %d), ISPENDR %d ICPENDR %d (want %d)", ctl,
		 want_istatus, ispend, icpend, want_pending);
}

static void step(int t, const char *what, bool want_istatus, bool want_pending)
{
	step_until(t, what, want_istatus, want_pending, UINT64_MAX);
}

static void run_timer(int t)
{
	uint64_t freq = read_sysreg(cntfrq_el0), now, cval, tval;
	uint32_t intid = tintid[t];

	irq_timer = t;
	irq_disable();
	gic_enable_private(intid, 0x80); /* sets the priority */
	gic_disable_private(intid);

	write_ctl(t, 0);
	write_cval(t, count(t) + 100 * freq);
	step(t, "off", false, false);
	write_ctl(t, CTL_ENABLE);
	step(t, "enabled_future", false, false);
	write_cval(t, count(t) - freq / 1000);
	step(t, "past_pending", true, true);
	write_ctl(t, CTL_ENABLE | CTL_IMASK);
	step(t, "imask_not_pending", true, false);
	write_ctl(t, CTL_ENABLE);
	step(t, "unmask_pending", true, true);
	write_ctl(t, 0);
	step(t, "disabled_not_pending", false, false);

	/* Finding: re-enabling the PPI of a timer whose line fell must not fire it. */
	irq_count = irq_other = 0;
	gic_enable_private(intid, 0x80);
	step(t, "reenabled_not_pending", false, false);
	irq_window(0, 0);
	rt_check(irq_count == 0 && irq_other == 0, t == VIRT ? "virt_reenable_no_irq"
							      : "phys_reenable_no_irq",
		 "%u timer and %u other interrupts taken (last INTID %u)", irq_count, irq_other,
		 irq_intid);
	gic_disable_private(intid);

	/* TVAL: a signed 32-bit distance to the compare value. */
	write_tval(t, freq);
	write_ctl(t, CTL_ENABLE);
	now = count(t);
	cval = read_cval(t);
	tval = read_tval(t) & 0xffffffffu;
	rt_check(cval > now && cval <= now + freq && tval > 0 && tval <= freq,
		 t == VIRT ? "virt_tval_readback" : "phys_tval_readback",
		 "count 0x%lx CVAL 0x%lx TVAL 0x%lx", now, cval, tval);
	step(t, "tval_future", false, false);
	write_tval(t, (uint64_t)(uint32_t)-(int32_t)(freq / 1000));
	step(t, "tval_past", true, true);
	tval = read_tval(t) & 0xffffffffu;
	rt_check(tval >= 0x80000000u, t == VIRT ? "virt_tval_negative" : "phys_tval_negative",
		 "TVAL 0x%lx after a negative write", tval);

	/* Raised line, PPI enabled: taken exactly once, then neither pending nor active. */
	irq_count = irq_other = 0;
	gic_enable_private(intid, 0x80);
	irq_window(1, 1000000);
	rt_check(irq_count == 1 && irq_other == 0 && irq_intid == intid,
		 t == VIRT ? "virt_delivered" : "phys_delivered",
		 "%u timer and %u other interrupts taken (last INTID %u)", irq_count, irq_other,
		 irq_intid);
	step(t, "after_handler", true, false);
	rt_check(!bit(GICD_ISACTIVER, intid), t == VIRT ? "virt_not_active" : "phys_not_active",
		 "ISACTIVER0 still has INTID %u", intid);

	/* A compare value 1 ms ahead: not pending before, taken once when reached. */
	irq_count = irq_other = 0;
	write_ctl(t, 0);
	cval = count(t) + freq / 1000;
	write_cval(t, cval);
	write_ctl(t, CTL_ENABLE);
	if (count(t) < cval)
		step_until(t, "future_not_pending", false, false, cval);
	irq_window(1, 1000000);
	rt_check(irq_count == 1 && irq_other == 0, t == VIRT ? "virt_fires" : "phys_fires",
		 "%u timer and %u other interrupts taken in 1 s", irq_count, irq_other);

	/*
	 * Storm case: line high, PPI enabled, interrupts masked in PSTATE (raised, not yet
	 * acknowledged). A fixed amount of work must finish in bounded time.
	 */
	irq_count = irq_other = 0;
	write_ctl(t, 0);
	write_cval(t, count(t) - freq / 1000);
	write_ctl(t, CTL_ENABLE);
	{
		uint64_t t0 = rt_cntvct(), t1;
		volatile uint32_t work = 0;

		for (uint32_t i = 0; i < 200000; i++)
			work = work + 1;
		t1 = rt_cntvct();
		rt_check(work == 200000 && t1 - t0 < 5 * freq,
			 t == VIRT ? "virt_raised_progress" : "phys_raised_progress",
			 "200000 loop iterations took %lu ms", (unsigned long)((t1 - t0) * 1000 / freq));
	}
	step(t, "raised_pending", true, true);
	irq_window(1, 1000000);
	rt_check(irq_count == 1 && irq_other == 0,
		 t == VIRT ? "virt_raised_delivered" : "phys_raised_delivered",
		 "%u timer and %u other interrupts taken", irq_count, irq_other);
	gic_disable_private(intid);
	write_ctl(t, 0);
	irq_timer = -1;
}

void test_main(void)
{
	unsigned cpu = rt_cpu_index();

	tintid[VIRT] = rt_plat.vtimer_intid ? rt_plat.vtimer_intid : RT_VTIMER_INTID;
	tintid[PHYS] = PHYS_TIMER_INTID;
	gic_init_dist();
	if (gic_init_cpu() != 0) {
		rt_fail("gic_init", "no redistributor for vCPU %u", cpu);
		return;
	}
	rt_irq_hook[cpu] = timer_irq;
	run_timer(VIRT);
	run_timer(PHYS);
}
