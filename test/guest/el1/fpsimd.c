/* SPDX-License-Identifier: MIT */
/*
 * fpsimd: FP/SIMD state survives exits and vCPU switches. Each vCPU (two at once when the VM
 * has them) fills V0-V31, FPCR and FPSR with its own pattern, then causes many exits:
 * hypercalls, trapped ID register reads, emulated MMIO (vGIC distributor, PL011), PSCI
 * calls and WFI until a virtual timer interrupt is pending. The runtime's C code is built
 * with -mgeneral-regs-only, so nothing but the hypervisor can change the registers.
 */
#include "rt.h"

const char *rt_prog = "fpsimd";

#define ROUNDS 512
#define WAIT_US 20000000

uint64_t fp_fill(uint64_t seed, uint64_t fpcr, uint64_t fpsr);
uint64_t fp_check(uint64_t seed, uint64_t fpcr, uint64_t fpsr);

struct worker {
	volatile uint32_t done;
	volatile uint32_t rounds;
	volatile uint64_t mask;
	volatile int32_t gic_rc;
	volatile uint32_t selftest_ok;
};

static struct worker workers[2];

/* WFI with IRQs masked until the virtual timer (100 us) is pending: blocks the vCPU. */
static void timer_wfi(void)
{
	uint64_t freq = read_sysreg(cntfrq_el0);

	write_sysreg(cntv_tval_el0, freq / 10000);
	write_sysreg(cntv_ctl_el0, 1);
	isb();
	for (unsigned i = 0; i < 100000 && !(read_sysreg(cntv_ctl_el0) & 4); i++)
		__asm__ volatile("wfi" : : : "memory");
	write_sysreg(cntv_ctl_el0, 0);
	isb();
}

static void exits(void)
{
	struct smccc_res r = rt_hvc(ARMVIRT_HC_ECHO, 1, 2, 3);

	(void)r;
	(void)read_sysreg(id_aa64pfr0_el1);
	(void)read_sysreg(id_aa64isar0_el1);
	(void)mmio_read32(rt_plat.gicd + 0x4);
	(void)mmio_read32(RT_UART_BASE + 0x18);
	(void)rt_psci(PSCI_VERSION, 0, 0, 0);
}

static void work(struct worker *w, unsigned cpu)
{
	uint64_t seed = 0x1234567800000000ull * (cpu + 1) + cpu;
	uint64_t fpcr = cpu & 1 ? 0x01400000 : 0x02c00000; /* FZ+RM / DN+RZ */
	uint64_t fpsr = cpu & 1 ? 0x00000090 : 0x0800001f; /* IDC+IXC / QC+IOC..IXC */
	uint64_t mask = 0;
	unsigned r;

	irq_disable();
	w->gic_rc = gic_init_cpu();
	gic_enable_private(rt_plat.vtimer_intid, 0x80);
	fp_fill(seed, fpcr, fpsr);
	/* The checker itself: every register must mismatch a different pattern. */
	w->selftest_ok = fp_check(seed ^ 1, fpcr ^ 0x400000, fpsr ^ 1) == 0x3ffffffffull;
	for (r = 0; r < ROUNDS; r++) {
		exits();
		if ((r & 63) == 63)
			timer_wfi();
		if ((r & 15) == 15) {
			mask = fp_check(seed, fpcr, fpsr);
			if (mask)
				break;
		}
	}
	if (!mask)
		mask = fp_check(seed, fpcr, fpsr);
	gic_disable_private(rt_plat.vtimer_intid);
	w->mask = mask;
	w->rounds = r;
	dmb(sy);
	w->done = 1;
	rt_sev();
}

static void secondary_main(unsigned cpu)
{
	work(&workers[1], cpu);
}

static void report(const char *name, struct worker *w)
{
	rt_check(w->selftest_ok && w->gic_rc == 0 && w->mask == 0, name,
		 "registers lost their pattern after %u rounds: mask 0x%lx (bit n = Vn, 32 = FPCR, "
		 "33 = FPSR), gic %d, checker self-test %s", w->rounds, w->mask, (int)w->gic_rc,
		 w->selftest_ok ? "ok" : "FAILED");
}

void test_main(void)
{
	unsigned self = rt_cpu_index(), other = self == 0 ? 1 : 0;
	bool two = rt_plat.ncpus >= 2;

	gic_init_dist();
	if (two && !rt_check(rt_cpu_on(other, secondary_main) == PSCI_RET_SUCCESS, "cpu_on",
			     "CPU_ON of vCPU %u failed", other))
		two = false;
	work(&workers[0], self);
	report("vcpu0", &workers[0]);
	if (two) {
		if (rt_check(rt_wait_us(&workers[1].done, 1, WAIT_US), "vcpu1_done",
			     "vCPU %u did not finish", other))
			report("vcpu1", &workers[1]);
	} else {
		rt_printf("%s: one vCPU only, no concurrent run\n", rt_prog);
	}
	rt_printf("%s: %u exits per vCPU (approx.)\n", rt_prog, ROUNDS * 6 + ROUNDS / 64);
}
