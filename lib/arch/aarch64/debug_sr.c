/* SPDX-License-Identifier: MIT */
/*
 * Breakpoint and watchpoint registers of the loaded vCPU (doc/debug-pmu.md, "Debug").
 *
 * MDCR_EL2.TDA stays set: the guest never reads or writes these registers itself, the
 * portable handlers (lib/vm_debug.c) keep them in `struct av_dbg_state`. Here only the
 * enabled ones are written to the hardware, when the vCPU is loaded or its state changed,
 * and disabled again when it is put. A BVR/WVR the next vCPU does not enable keeps a stale
 * value, which it cannot read (TDA) and which cannot match (its BCR/WCR.E is 0).
 *
 * Debug exceptions of a guest target EL1 (MDCR_EL2.TDE = 0, HCR_EL2.TGE = 0) and are never
 * generated at EL2, so the hypervisor can run with the guest's breakpoints enabled.
 *
 * MSR and MRS name the register in the instruction: the switches below pick one of the 16.
 */
#include "arch_internal.h"
#include "debug_sr.h"

#define DBG_CASE(n, reg, v) \
	case n: av_write_sysreg(reg##n##_el1, v); break

#define DBG_WRITE(reg, idx, v)                                                            \
	do {                                                                              \
		switch (idx) {                                                            \
			DBG_CASE(0, reg, v); DBG_CASE(1, reg, v); DBG_CASE(2, reg, v);    \
			DBG_CASE(3, reg, v); DBG_CASE(4, reg, v); DBG_CASE(5, reg, v);    \
			DBG_CASE(6, reg, v); DBG_CASE(7, reg, v); DBG_CASE(8, reg, v);    \
			DBG_CASE(9, reg, v); DBG_CASE(10, reg, v); DBG_CASE(11, reg, v);  \
			DBG_CASE(12, reg, v); DBG_CASE(13, reg, v); DBG_CASE(14, reg, v); \
			default: av_write_sysreg(reg##15_el1, v); break;                  \
		}                                                                         \
	} while (0)

static void write_bp(unsigned n, uint64_t bvr, uint64_t bcr)
{
	if (bcr)
		DBG_WRITE(dbgbvr, n, bvr);
	DBG_WRITE(dbgbcr, n, bcr);
}

static void write_wp(unsigned n, uint64_t wvr, uint64_t wcr)
{
	if (wcr)
		DBG_WRITE(dbgwvr, n, wvr);
	DBG_WRITE(dbgwcr, n, wcr);
}

void av__arch_debug_cpu_init(struct av_arch_cpu *cpu)
{
	uint64_t dfr0 = av_read_sysreg(id_aa64dfr0_el1);
	unsigned brps = (unsigned)AV_FIELD_GET(AV_GENMASK(15, 12), dfr0) + 1;
	unsigned wrps = (unsigned)AV_FIELD_GET(AV_GENMASK(23, 20), dfr0) + 1;

	/* The guest's OS lock is emulated; the CPU's must be unlocked for its debug
	 * exceptions to be generated at all (it resets locked). */
	av_write_sysreg(oslar_el1, 0);
	av_write_sysreg(mdscr_el1, 0);
	/* This CPU's own counts (CPUs may differ): a DBGBCR/DBGWCR<n> it does not implement is
	 * UNDEFINED at EL2, whatever a guest's ID registers said when it enabled it. */
	cpu->dbg_bp_impl = (uint32_t)AV_GENMASK((brps < AV_DBG_MAX ? brps : AV_DBG_MAX) - 1, 0);
	cpu->dbg_wp_impl = (uint32_t)AV_GENMASK((wrps < AV_DBG_MAX ? wrps : AV_DBG_MAX) - 1, 0);
	for (uint32_t m = cpu->dbg_bp_impl; m; m &= m - 1)
		write_bp((unsigned)__builtin_ctz(m), 0, 0);
	for (uint32_t m = cpu->dbg_wp_impl; m; m &= m - 1)
		write_wp((unsigned)__builtin_ctz(m), 0, 0);
	cpu->dbg_bp = 0;
	cpu->dbg_wp = 0;
	av_isb();
}

void av__arch_debug_load(struct av_arch_cpu *cpu, const struct av_dbg_state *d)
{
	/* Only what this CPU implements: one with fewer than the guest's ID registers show
	 * (a heterogeneous system) leaves the others out rather than fault at EL2. */
	uint32_t bp = d->hw_bp & cpu->dbg_bp_impl, wp = d->hw_wp & cpu->dbg_wp_impl;
	uint32_t off, on;

	/* Disable what is loaded and not wanted, then write what is wanted. */
	for (off = cpu->dbg_bp & ~bp; off; off &= off - 1)
		write_bp((unsigned)__builtin_ctz(off), 0, 0);
	for (off = cpu->dbg_wp & ~wp; off; off &= off - 1)
		write_wp((unsigned)__builtin_ctz(off), 0, 0);
	for (on = bp; on; on &= on - 1) {
		unsigned n = (unsigned)__builtin_ctz(on);

		write_bp(n, d->bvr[n], d->bcr[n]);
	}
	for (on = wp; on; on &= on - 1) {
		unsigned n = (unsigned)__builtin_ctz(on);

		write_wp(n, d->wvr[n], d->wcr[n]);
	}
	cpu->dbg_bp = bp;
	cpu->dbg_wp = wp;
	/* The ERET into the guest synchronises these writes. */
}

void av_arch_vcpu_debug_reload(struct av_arch_cpu *cpu, struct av_arch_vcpu *v)
{
	static const struct av_dbg_state none;

	if (cpu->loaded != v)
		return;
	av__arch_debug_load(cpu, v->dbg ? v->dbg : &none);
}
