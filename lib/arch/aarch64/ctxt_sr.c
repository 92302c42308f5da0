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

void av_arch_el1_save(struct av_el1_regs *r)
{
	r->sctlr = av_read_sysreg(sctlr_el1);
	r->actlr = av_read_sysreg(actlr_el1);
	r->cpacr = av_read_sysreg(cpacr_el1);
	r->ttbr0 = av_read_sysreg(ttbr0_el1);
	r->ttbr1 = av_read_sysreg(ttbr1_el1);
	r->tcr = av_read_sysreg(tcr_el1);
	r->esr = av_read_sysreg(esr_el1);
	r->afsr0 = av_read_sysreg(afsr0_el1);
	r->afsr1 = av_read_sysreg(afsr1_el1);
	r->far = av_read_sysreg(far_el1);
	r->mair = av_read_sysreg(mair_el1);
	r->amair = av_read_sysreg(amair_el1);
	r->vbar = av_read_sysreg(vbar_el1);
	r->contextidr = av_read_sysreg(contextidr_el1);
	r->tpidr_el0 = av_read_sysreg(tpidr_el0);
	r->tpidrro_el0 = av_read_sysreg(tpidrro_el0);
	r->tpidr_el1 = av_read_sysreg(tpidr_el1);
	r->sp_el0 = av_read_sysreg(sp_el0);
	r->sp_el1 = av_read_sysreg(sp_el1);
	r->elr = av_read_sysreg(elr_el1);
	r->spsr = av_read_sysreg(spsr_el1);
	r->par = av_read_sysreg(par_el1);
	r->cntkctl = av_read_sysreg(cntkctl_el1);
	r->csselr = av_read_sysreg(csselr_el1);
	r->mdscr = av_read_sysreg(mdscr_el1);
	r->cntv_ctl = av_read_sysreg(cntv_ctl_el0);
	r->cntv_cval = av_read_sysreg(cntv_cval_el0);
	/* Park the timer: disabled, so it cannot assert PPI 27 for the next vCPU. */
	av_write_sysreg(cntv_ctl_el0, 0);
	/* VMPIDR_EL2 and VPIDR_EL2 are the hypervisor's: the guest cannot change them, so
	 * r->vmpidr and r->vpidr still hold what av_arch_el1_restore() wrote. */
}

void av_arch_el1_restore(const struct av_el1_regs *r)
{
	av_write_sysreg(vmpidr_el2, r->vmpidr);
	av_write_sysreg(vpidr_el2, r->vpidr);
	av_write_sysreg(sctlr_el1, r->sctlr);
	av_write_sysreg(actlr_el1, r->actlr);
	av_write_sysreg(cpacr_el1, r->cpacr);
	av_write_sysreg(ttbr0_el1, r->ttbr0);
	av_write_sysreg(ttbr1_el1, r->ttbr1);
	av_write_sysreg(tcr_el1, r->tcr);
	av_write_sysreg(esr_el1, r->esr);
	av_write_sysreg(afsr0_el1, r->afsr0);
	av_write_sysreg(afsr1_el1, r->afsr1);
	av_write_sysreg(far_el1, r->far);
	av_write_sysreg(mair_el1, r->mair);
	av_write_sysreg(amair_el1, r->amair);
	av_write_sysreg(vbar_el1, r->vbar);
	av_write_sysreg(contextidr_el1, r->contextidr);
	av_write_sysreg(tpidr_el0, r->tpidr_el0);
	av_write_sysreg(tpidrro_el0, r->tpidrro_el0);
	av_write_sysreg(tpidr_el1, r->tpidr_el1);
	av_write_sysreg(sp_el0, r->sp_el0);
	av_write_sysreg(sp_el1, r->sp_el1);
	av_write_sysreg(elr_el1, r->elr);
	av_write_sysreg(spsr_el1, r->spsr);
	av_write_sysreg(par_el1, r->par);
	av_write_sysreg(cntkctl_el1, r->cntkctl);
	av_write_sysreg(csselr_el1, r->csselr);
	av_write_sysreg(mdscr_el1, r->mdscr);
	av_write_sysreg(cntv_cval_el0, r->cntv_cval);
	av_write_sysreg(cntv_ctl_el0, r->cntv_ctl);
	/* The ERET into the guest synchronises these writes. */
}
