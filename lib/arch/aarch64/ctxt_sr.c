/* SPDX-License-Identifier: MIT */
/*
 * EL1 system-register, virtual-timer and VMPIDR/VPIDR save/restore (the "sr" of a vCPU
 * switch). Only av_arch_vcpu_load()/av_arch_vcpu_put() call these, i.e. only when the vCPU
 * on the physical CPU changes.
 *
 * Order on restore: the timer's compare value before its control (so enabling it never
 * fires on a stale CVAL); on save, the control is read and then the timer disabled, so a
 * descheduled vCPU's timer cannot interrupt another guest.
 */
#include "arch_internal.h"

/*
 * Two registers per step, neighbours in struct av_el1_regs: both read (or both loaded)
 * before either is stored (or written), so that the compiler pairs the memory accesses
 * (STP/LDP). The MSRs are memory barriers to the compiler, the MRSs are not.
 */
#define SAVE2(ra, fa, rb, fb)                           \
	do {                                            \
		uint64_t a_ = av_read_sysreg(ra);       \
		uint64_t b_ = av_read_sysreg(rb);       \
		r->fa = a_;                             \
		r->fb = b_;                             \
	} while (0)

#define RESTORE2(ra, fa, rb, fb)                        \
	do {                                            \
		uint64_t a_ = r->fa, b_ = r->fb;        \
		av_write_sysreg(ra, a_);                \
		av_write_sysreg(rb, b_);                \
	} while (0)

void av_arch_el1_save(struct av_el1_regs *r)
{
	SAVE2(sctlr_el1, sctlr, actlr_el1, actlr);
	SAVE2(cpacr_el1, cpacr, ttbr0_el1, ttbr0);
	SAVE2(ttbr1_el1, ttbr1, tcr_el1, tcr);
	SAVE2(esr_el1, esr, afsr0_el1, afsr0);
	SAVE2(afsr1_el1, afsr1, far_el1, far);
	SAVE2(mair_el1, mair, amair_el1, amair);
	SAVE2(vbar_el1, vbar, contextidr_el1, contextidr);
	SAVE2(tpidr_el0, tpidr_el0, tpidrro_el0, tpidrro_el0);
	SAVE2(tpidr_el1, tpidr_el1, sp_el0, sp_el0);
	SAVE2(sp_el1, sp_el1, elr_el1, elr);
	SAVE2(spsr_el1, spsr, par_el1, par);
	SAVE2(cntkctl_el1, cntkctl, csselr_el1, csselr);
	SAVE2(mdscr_el1, mdscr, cntv_ctl_el0, cntv_ctl);
	r->cntv_cval = av_read_sysreg(cntv_cval_el0);
	/* Park the timer: disabled, so it cannot assert PPI 27 for the next vCPU. */
	av_write_sysreg(cntv_ctl_el0, 0);
	/* VMPIDR_EL2 and VPIDR_EL2 are the hypervisor's: the guest cannot change them, so
	 * r->vmpidr and r->vpidr still hold what av_arch_el1_restore() wrote. */
}

void av_arch_el1_restore(const struct av_el1_regs *r)
{
	uint64_t mdscr = r->mdscr, ctl = r->cntv_ctl;

	RESTORE2(vmpidr_el2, vmpidr, vpidr_el2, vpidr);
	RESTORE2(sctlr_el1, sctlr, actlr_el1, actlr);
	RESTORE2(cpacr_el1, cpacr, ttbr0_el1, ttbr0);
	RESTORE2(ttbr1_el1, ttbr1, tcr_el1, tcr);
	RESTORE2(esr_el1, esr, afsr0_el1, afsr0);
	RESTORE2(afsr1_el1, afsr1, far_el1, far);
	RESTORE2(mair_el1, mair, amair_el1, amair);
	RESTORE2(vbar_el1, vbar, contextidr_el1, contextidr);
	RESTORE2(tpidr_el0, tpidr_el0, tpidrro_el0, tpidrro_el0);
	RESTORE2(tpidr_el1, tpidr_el1, sp_el0, sp_el0);
	RESTORE2(sp_el1, sp_el1, elr_el1, elr);
	RESTORE2(spsr_el1, spsr, par_el1, par);
	RESTORE2(cntkctl_el1, cntkctl, csselr_el1, csselr);
	av_write_sysreg(mdscr_el1, mdscr);
	av_write_sysreg(cntv_cval_el0, r->cntv_cval);
	av_write_sysreg(cntv_ctl_el0, ctl);
	/* The ERET into the guest synchronises these writes. */
}
