/* SPDX-License-Identifier: MIT */
/*
 * bench: the cost of the common exits, for the icount report. Run under
 * qemu-system-aarch64 -icount shift=0, where one instruction advances virtual time by 1 ns.
 * Each operation runs ITERS times in a loop; the same loop with a NOP is subtracted.
 * Two measures per operation:
 *   BENCH <op> <n> insn/op        PMU event 0x08 INST_RETIRED (PMEVTYPER.NSH set, so EL2
 *                                 instructions count too if the hypervisor allows it);
 *                                 printed only when the PMU counts instructions.
 *   BENCH <op>.vtime <n> ns/op    CNTVCT_EL0 time; equal to instructions under -icount
 *                                 shift=0 (62.5 MHz: one tick = 16 ns, hence the averaging).
 * Figures only: the program passes when every measurement ran.
 */
#include "rt.h"

const char *rt_prog = "bench";

#define ITERS 4096u

enum op { OP_NOP, OP_HVC_ECHO, OP_SYSREG, OP_GICD_TYPER, OP_PL011_FR, OP_COUNT };
static const char *const op_names[OP_COUNT] = { "loop_nop", "hvc_echo", "sysreg_id_aa64pfr0",
						"mmio_gicd_typer", "mmio_pl011_fr" };

static bool pmu_ok;

static void pmu_start(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1), pmuver = field(dfr0, 8, 4), pmcr;

	if (pmuver == 0 || pmuver == 0xf) {
		rt_printf("%s: no PMUv3 (ID_AA64DFR0_EL1.PMUVer = %lu)\n", rt_prog, pmuver);
		return;
	}
	rt_probe_arm();
	pmcr = read_sysreg(pmcr_el0);
	if (rt_probe_state[rt_cpu_index()].count == 0 && field(pmcr, 11, 5) > 0) {
		write_sysreg(pmevtyper0_el0, (1ull << 27) | 0x08); /* NSH | INST_RETIRED */
		write_sysreg(pmcntenset_el0, 1);
		write_sysreg(pmcr_el0, (pmcr & ~0x8ull) | 0x3); /* E, P */
		isb();
	}
	rt_probe_disarm();
	if (rt_probe_state[rt_cpu_index()].count) {
		rt_printf("%s: PMU access trapped (ESR 0x%lx)\n", rt_prog,
			  rt_probe_state[rt_cpu_index()].esr);
		return;
	}
	if (field(pmcr, 11, 5) == 0) {
		rt_printf("%s: PMU has no event counters\n", rt_prog);
		return;
	}
	pmu_ok = true;
}

static inline uint64_t pmu_read(void)
{
	isb();
	return pmu_ok ? read_sysreg(pmevcntr0_el0) : 0;
}

static void run_op(enum op op, uint64_t *insns, uint64_t *ticks)
{
	uint64_t gicd = rt_plat.gicd + 0x4, fr = RT_UART_BASE + 0x18;
	uint64_t p0, t0;

	p0 = pmu_read();
	t0 = rt_cntvct();
	switch (op) {
	case OP_NOP:
		for (unsigned i = 0; i < ITERS; i++)
			__asm__ volatile("nop" : : : "memory");
		break;
	case OP_HVC_ECHO:
		for (unsigned i = 0; i < ITERS; i++) {
			register uint64_t x0 __asm__("x0") = ARMVIRT_HC_ECHO;
			register uint64_t x1 __asm__("x1") = i;
			register uint64_t x2 __asm__("x2") = 2;
			register uint64_t x3 __asm__("x3") = 3;

			__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
					 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12",
					 "x13", "x14", "x15", "x16", "x17", "memory");
		}
		break;
	case OP_SYSREG:
		for (unsigned i = 0; i < ITERS; i++)
			(void)read_sysreg(id_aa64pfr0_el1);
		break;
	case OP_GICD_TYPER:
		for (unsigned i = 0; i < ITERS; i++)
			(void)mmio_read32(gicd);
		break;
	case OP_PL011_FR:
		for (unsigned i = 0; i < ITERS; i++)
			(void)mmio_read32(fr);
		break;
	default:
		break;
	}
	*ticks = rt_cntvct() - t0;
	*insns = pmu_read() - p0;
}

/* Prints n/ITERS with one decimal. */
static void per_op(const char *name, const char *suffix, uint64_t total, const char *unit)
{
	uint64_t tenths = total * 10 / ITERS;

	rt_printf("BENCH %s%s %lu.%lu %s\n", name, suffix, tenths / 10, tenths % 10, unit);
}

void test_main(void)
{
	uint64_t freq = read_sysreg(cntfrq_el0), insns[OP_COUNT], ticks[OP_COUNT];
	bool pmu_counts;

	pmu_start();
	for (unsigned op = 0; op < OP_COUNT; op++) {
		if (op == OP_HVC_ECHO && !rt_armvirt) {
			insns[op] = ticks[op] = 0;
			continue;
		}
		run_op((enum op)op, &insns[op], &ticks[op]);
	}
	pmu_counts = pmu_ok && insns[OP_NOP] >= ITERS;
	rt_printf("%s: PMU INST_RETIRED %s; CNTFRQ %lu Hz; %u iterations per op\n", rt_prog,
		  pmu_counts ? "counts" : "unavailable (needs -icount shift=0 and guest PMU access)",
		  freq, ITERS);
	for (unsigned op = 0; op < OP_COUNT; op++) {
		uint64_t ns, base_ns;

		if (op == OP_HVC_ECHO && !rt_armvirt) {
			rt_skip("hvc_echo", "no ECHO service");
			continue;
		}
		if (pmu_counts)
			per_op(op_names[op], "",
			       op == OP_NOP ? insns[op] : insns[op] - (insns[op] > insns[OP_NOP] ? insns[OP_NOP] : insns[op]),
			       "insn/op");
		ns = freq ? ticks[op] * 1000000000ull / freq : 0;
		base_ns = freq ? ticks[OP_NOP] * 1000000000ull / freq : 0;
		per_op(op_names[op], ".vtime", op == OP_NOP ? ns : (ns > base_ns ? ns - base_ns : 0),
		       "ns/op");
	}
	rt_check(ticks[OP_NOP] > 0 || freq == 0, "measured", "the virtual counter did not advance");
	if (rt_armvirt && !pmu_counts)
		rt_printf("%s: note: only the .vtime figures are available\n", rt_prog);
}
