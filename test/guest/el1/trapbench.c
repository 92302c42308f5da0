/* SPDX-License-Identifier: MIT */
/*
 * trapbench: the trap-path rows of issue 17's table, instructions per operation. Run under
 * qemu-system-aarch64 -icount shift=0 -cpu max,pauth=off -smp 2, where one instruction
 * (any CPU's, EL1 or EL2) advances virtual time by 1 ns: the figures are CNTVCT_EL0 time in
 * ns, i.e. instructions of guest + hypervisor. Each row is printed as
 *   BENCH <row> <n> insn/op
 * with one decimal, net of the same loop with a NOP (the timer row is a latency, not a
 * loop). Rows:
 *   hvc_smccc_unknown  hvc #0 with SMCCC function ID 0x4b000000 (no service owns it), which
 *                      must come back NOT_SUPPORTED: the general SMCCC path
 *   mmio_gicd_iidr     ldr of GICD_IIDR
 *   mmio_virtio_empty  ldr of 0x0a000008 (virtio-mmio slot 0, DeviceID: no device)
 *   sysreg_id_aa64pfr0 mrs ID_AA64PFR0_EL1 (trapped by HCR_EL2.TID3 under a hypervisor)
 *   sgi_roundtrip      SGI to the other vCPU (running, IRQs unmasked, spinning), the sender
 *                      spinning until the target's handler has counted it (both spin with
 *                      YIELD); both vCPUs' instructions count (QEMU runs them in turn)
 *   vtimer_latency     CNTV_CVAL_EL0 10 ms ahead, the vCPU spinning with IRQs unmasked, the
 *                      other vCPU off: CNTVCT at the handler's first read minus the deadline
 * Figures only: the program fails when a row cannot be measured or an operation returns
 * the wrong answer, never on a number.
 */
#include "rt.h"

const char *rt_prog = "trapbench";

#define ITERS        2048u
#define SGI_ITERS    256u
#define TIMER_ITERS  8u
#define SGI_BENCH    3u
#define SMCCC_UNOWNED 0x4b000000u
#define VIRTIO_SLOT0  0x0a000000ul
#define WAIT_US      2000000u

enum op { OP_NOP, OP_HVC, OP_IIDR, OP_VIRTIO, OP_SYSREG, OP_COUNT };
static const char *const op_names[OP_COUNT] = { "loop_nop", "hvc_smccc_unknown", "mmio_gicd_iidr",
						"mmio_virtio_empty", "sysreg_id_aa64pfr0" };

static uint64_t freq;
static unsigned primary, secondary;
static volatile uint32_t sec_count, sec_stop;
static volatile uint32_t timer_fired;
static volatile uint64_t timer_seen;
static uint32_t vtimer_intid;

/* Prints total/iters instructions (ticks converted to ns) with one decimal. */
static void report(const char *name, uint64_t ticks, uint64_t base_ticks, unsigned iters)
{
	uint64_t ns = ticks * 1000000000ull / freq, base = base_ticks * 1000000000ull / freq;
	uint64_t tenths = (ns > base ? ns - base : 0) * 10 / iters;

	rt_printf("BENCH %s %lu.%lu insn/op\n", name, tenths / 10, tenths % 10);
}

/*
 * One function per loop (noinline), so that a -d exec profile can tell the loops apart by
 * the guest's symbols (test/bench/trap-profile.sh). Each returns a nonzero value when an
 * operation gave the wrong answer.
 */
#define LOOP_FN static __attribute__((noinline)) uint64_t

LOOP_FN loop_nop(void)
{
	for (unsigned i = 0; i < ITERS; i++)
		__asm__ volatile("nop" : : : "memory");
	return 0;
}

LOOP_FN loop_hvc_smccc_unknown(void)
{
	uint64_t bad = 0;

	for (unsigned i = 0; i < ITERS; i++) {
		register uint64_t x0 __asm__("x0") = SMCCC_UNOWNED;
		register uint64_t x1 __asm__("x1") = 0;
		register uint64_t x2 __asm__("x2") = 0;
		register uint64_t x3 __asm__("x3") = 0;

		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
				 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				 "x14", "x15", "x16", "x17", "memory");
		bad |= x0 ^ (uint64_t)SMCCC_RET_NOT_SUPPORTED;
	}
	return bad;
}

LOOP_FN loop_mmio_gicd_iidr(void)
{
	uint64_t iidr = rt_plat.gicd + 0x8;

	for (unsigned i = 0; i < ITERS; i++)
		(void)mmio_read32(iidr);
	return 0;
}

LOOP_FN loop_mmio_virtio_empty(void)
{
	uint64_t bad = 0;

	for (unsigned i = 0; i < ITERS; i++)
		bad |= mmio_read32(VIRTIO_SLOT0 + 0x8);
	return bad;
}

LOOP_FN loop_sysreg_id_aa64pfr0(void)
{
	for (unsigned i = 0; i < ITERS; i++)
		(void)read_sysreg(id_aa64pfr0_el1);
	return 0;
}

static uint64_t (*const op_loops[OP_COUNT])(void) = {
	loop_nop, loop_hvc_smccc_unknown, loop_mmio_gicd_iidr, loop_mmio_virtio_empty,
	loop_sysreg_id_aa64pfr0,
};

/* Runs one loop of ITERS operations; returns the ticks it took, or 0 on a wrong answer. */
static uint64_t run_op(enum op op)
{
	uint64_t t0, bad;

	t0 = rt_cntvct();
	bad = op_loops[op]();
	t0 = rt_cntvct() - t0;
	if (bad) {
		rt_fail(op_names[op], "wrong answer (xor of the results with the expected one 0x%lx)",
			bad);
		return 0;
	}
	return t0;
}

/*
 * The spin loops' YIELD hint (as Linux's cpu_relax()): QEMU's TCG hands the turn to the
 * other vCPU at a YIELD, as a real CPU would simply run in parallel; without it the spinning
 * vCPU keeps its turn until the next timer deadline.
 */
static inline void cpu_relax(void)
{
	__asm__ volatile("yield" : : : "memory");
}

static void sec_irq(uint32_t intid, uint32_t iar)
{
	(void)iar;
	if (intid == SGI_BENCH)
		sec_count = sec_count + 1;
}

static void secondary_main(unsigned cpu)
{
	(void)cpu;
	while (!sec_stop)
		cpu_relax();
	irq_disable();
	gic_disable_private(SGI_BENCH);
}

/* Waits until the secondary is OFF again (it returns from secondary_main: CPU_OFF). */
static void wait_secondary_off(void)
{
	uint64_t end = rt_cntvct() + freq;
	int64_t aff = -99;

	while (rt_cntvct() < end) {
		aff = rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[secondary], 0, 0);
		if (aff == PSCI_AFF_OFF)
			break;
		cpu_relax();
	}
	rt_check(aff == PSCI_AFF_OFF, "secondary_off", "AFFINITY_INFO = %ld after CPU_OFF", aff);
}

static __attribute__((noinline)) void sgi_loop(void)
{
	for (unsigned i = 0; i < SGI_ITERS; i++) {
		uint32_t want = sec_count + 1;

		gic_send_sgi(secondary, SGI_BENCH);
		while (sec_count != want)
			cpu_relax();
	}
}

/* SGI round trips; the secondary spins with IRQs unmasked between them. */
static void bench_sgi(void)
{
	uint64_t t0, t1, nop;

	if (rt_plat.ncpus < 2) {
		rt_fail("sgi_roundtrip", "the VM has %u vCPU, the row needs 2", rt_plat.ncpus);
		return;
	}
	if (!rt_start_secondary(secondary, SGI_BENCH, sec_irq, secondary_main))
		return;
	/* One untimed round trip first. */
	gic_send_sgi(secondary, SGI_BENCH);
	if (!rt_check(rt_wait_us(&sec_count, 1, WAIT_US), "sgi_first", "no handler run"))
		return;
	t0 = rt_cntvct();
	sgi_loop();
	t1 = rt_cntvct();
	/* The loop's own cost without the SGI: the same loop on an already-reached count. */
	nop = rt_cntvct();
	for (unsigned i = 0; i < SGI_ITERS; i++) {
		uint32_t want = sec_count;

		__asm__ volatile("nop" : : : "memory");
		while (sec_count != want)
			cpu_relax();
	}
	nop = rt_cntvct() - nop;
	if (rt_check(sec_count == SGI_ITERS + 1, "sgi_count", "handler ran %u times, want %u",
		     sec_count, SGI_ITERS + 1))
		report("sgi_roundtrip", t1 - t0, nop, SGI_ITERS);
	sec_stop = 1;
	dsb(sy);
	wait_secondary_off();
}

static void timer_irq(uint32_t intid, uint32_t iar)
{
	(void)iar;
	if (intid != vtimer_intid)
		return;
	timer_seen = rt_cntvct();
	write_sysreg(cntv_ctl_el0, 2); /* IMASK: the level drops */
	isb();
	timer_fired = timer_fired + 1;
}

/* Spins with IRQs unmasked until the timer's handler ran or the counter reaches end. */
static __attribute__((noinline)) void timer_spin(uint64_t end)
{
	irq_enable();
	while (!timer_fired && rt_cntvct() < end)
		;
	irq_disable();
}

/* Virtual timer 10 ms ahead, spinning until its interrupt: how late the handler runs. */
static void bench_timer(void)
{
	uint64_t ten_ms = freq / 100, late = 0;
	unsigned done = 0;

	vtimer_intid = rt_plat.vtimer_intid ? rt_plat.vtimer_intid : RT_VTIMER_INTID;
	rt_irq_hook[primary] = timer_irq;
	gic_enable_private(vtimer_intid, 0x80);
	for (unsigned i = 0; i < TIMER_ITERS; i++) {
		uint64_t cval;

		timer_fired = 0;
		cval = rt_cntvct() + ten_ms;
		write_sysreg(cntv_cval_el0, cval);
		write_sysreg(cntv_ctl_el0, 1); /* ENABLE, unmasked */
		isb();
		timer_spin(cval + 10 * ten_ms);
		if (!timer_fired || timer_seen < cval) {
			rt_fail("vtimer", "deadline %u: %s (CVAL %lu, handler at %lu)", i,
				timer_fired ? "handler before the deadline" : "no interrupt in 100 ms",
				cval, timer_seen);
			break;
		}
		late += timer_seen - cval;
		done++;
	}
	if (done == TIMER_ITERS)
		report("vtimer_latency", late, 0, TIMER_ITERS);
	write_sysreg(cntv_ctl_el0, 0);
	gic_disable_private(vtimer_intid);
	rt_irq_hook[primary] = 0;
}

void test_main(void)
{
	uint64_t ticks[OP_COUNT];
	bool ok = true;

	freq = read_sysreg(cntfrq_el0);
	if (!rt_check(freq != 0, "cntfrq", "CNTFRQ_EL0 is 0"))
		return;
	primary = rt_cpu_index();
	secondary = primary == 0 ? 1 : 0;
	gic_init_dist();
	if (!rt_check(gic_init_cpu() == 0, "gic_init", "no redistributor for vCPU %u", primary))
		return;
	rt_printf("%s: CNTFRQ %lu Hz; %u iterations per op, %u SGI round trips, %u timer "
		  "deadlines\n", rt_prog, freq, ITERS, SGI_ITERS, TIMER_ITERS);
	for (unsigned op = 0; op < OP_COUNT; op++) {
		ticks[op] = run_op((enum op)op);
		ok = ok && ticks[op] != 0;
	}
	if (!rt_check(ok, "measured", "a loop failed or the virtual counter did not advance"))
		return;
	for (unsigned op = 1; op < OP_COUNT; op++)
		report(op_names[op], ticks[op], ticks[OP_NOP], ITERS);
	bench_sgi();
	bench_timer();
}
