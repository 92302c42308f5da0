/* SPDX-License-Identifier: MIT */
/*
 * Internal: a vCPU's debug registers as the VM's system-register table emulates them
 * (lib/vm_debug.c, doc/debug-pmu.md "Debug"); used by lib/vm.c.
 */
#ifndef ARMVIRT_LIB_VM_DEBUG_H
#define ARMVIRT_LIB_VM_DEBUG_H

#include <armvirt/vm.h>

/* MDSCR_EL1 bits a guest may set (Arm ARM D23.3 "MDSCR_EL1"); the others read 0. */
#define AV__MDSCR_SS   AV_BIT(0)  /* software step */
#define AV__MDSCR_TDCC AV_BIT(12) /* trap EL0 debug comms channel accesses */
#define AV__MDSCR_KDE  AV_BIT(13) /* debug exceptions at EL1 (with PSTATE.D clear) */
#define AV__MDSCR_MDE  AV_BIT(15) /* breakpoints and watchpoints enabled */
#define AV__MDSCR_GUEST (AV__MDSCR_SS | AV__MDSCR_TDCC | AV__MDSCR_KDE | AV__MDSCR_MDE)

/* The MDSCR_EL1 the hardware gets: the guest's, without the debug enables while its OS
 * lock is set (no breakpoint, watchpoint or step exception then). */
static inline uint64_t av__vm_dbg_mdscr_hw(const struct av_vcpu *vcpu)
{
	uint64_t v = vcpu->sys.mdscr;

	if (vcpu->sys.os_lock)
		v &= ~(AV__MDSCR_SS | AV__MDSCR_KDE | AV__MDSCR_MDE);
	return v;
}

/* Recompute which breakpoints and watchpoints go to the hardware (av_dbg_state::hw_bp,
 * hw_wp) and tell the host (av_vm_ops::debug_changed). */
void av__vm_dbg_update(struct av_vcpu *vcpu);

/* DBGBVR/DBGBCR/DBGWVR/DBGWCR<n>_EL1, MDCCINT_EL1, OSDTRRX/OSDTRTX/OSECCR_EL1: the rows
 * AV_SYSREG(2, 0, 0, 0..15, 0..7) except MDSCR_EL1. */
enum av_access_result av__vm_sys_dbg(const struct av_sysreg_ctx *ctx, uint64_t *val);

#endif
