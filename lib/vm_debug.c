/* SPDX-License-Identifier: MIT */
/*
 * The guest's breakpoint and watchpoint registers (doc/debug-pmu.md, "Debug").
 *
 * MDCR_EL2.TDA stays set, so every guest access to a debug register traps and is emulated
 * on `vcpu->sys` (trap and emulate: a guest writes these registers rarely, and a guest that
 * never enables a breakpoint or watchpoint costs the world switch nothing). The hardware
 * gets only what can fire: the registers of the enabled breakpoints and watchpoints, and
 * none while the guest's OS lock is set (`av_dbg_state::hw_bp`, `hw_wp`). The number of
 * each is what the guest's ID_AA64DFR0_EL1 says; higher-numbered registers are UNDEFINED.
 */
#include <armvirt/sysreg.h>

#include "vm_debug.h"

/* DBGBCR<n>_EL1 fields (Arm ARM D23.3 "DBGBCR<n>_EL1"). HMC and SSC are RES0 for a guest
 * (no EL2 or EL3 in its ID registers). */
#define BCR_E   AV_GENMASK(0, 0)
#define BCR_PMC AV_GENMASK(2, 1)
#define BCR_BAS AV_GENMASK(8, 5)
#define BCR_LBN AV_GENMASK(19, 16)
#define BCR_BT  AV_GENMASK(23, 20)
#define BCR_GUEST (BCR_E | BCR_PMC | BCR_BAS | BCR_LBN | BCR_BT)
/* BT values 0b1xxx match a VMID or EL2's CONTEXTIDR: reserved without EL2, never loaded. */
#define BCR_BT_EL2 0x8u

/* DBGWCR<n>_EL1 fields (Arm ARM D23.3 "DBGWCR<n>_EL1"); HMC and SSC RES0 as above. */
#define WCR_E    AV_GENMASK(0, 0)
#define WCR_PAC  AV_GENMASK(2, 1)
#define WCR_LSC  AV_GENMASK(4, 3)
#define WCR_BAS  AV_GENMASK(12, 5)
#define WCR_LBN  AV_GENMASK(19, 16)
#define WCR_WT   AV_GENMASK(20, 20)
#define WCR_MASK AV_GENMASK(28, 24)
#define WCR_GUEST (WCR_E | WCR_PAC | WCR_LSC | WCR_BAS | WCR_LBN | WCR_WT | WCR_MASK)

/* MDCCINT_EL1: RX (bit 30) and TX (bit 29) interrupt enables. */
#define MDCCINT_GUEST (AV_BIT(30) | AV_BIT(29))

/* op2 of the AV_SYSREG(2, 0, 0, n, op2) registers. */
enum { OP2_MDCCINT = 0, OP2_OS = 2, OP2_BVR = 4, OP2_BCR = 5, OP2_WVR = 6, OP2_WCR = 7 };

/* Breakpoints (@field AV_ID_AA64DFR0_BRPS) or watchpoints (WRPS) the guest's ID register
 * reports; 0 when it reports no debug architecture at all (no host ID registers). */
static unsigned dbg_count(const struct av_vm *vm, uint64_t field)
{
	uint64_t dfr0;
	unsigned n;

	av_vm_id_read(vm, AV_SYS_ID_AA64DFR0_EL1, &dfr0);
	if (!AV_FIELD_GET(AV_ID_AA64DFR0_DEBUGVER, dfr0))
		return 0;
	n = (unsigned)AV_FIELD_GET(field, dfr0) + 1;
	return n < AV_DBG_MAX ? n : AV_DBG_MAX;
}

void av__vm_dbg_update(struct av_vcpu *vcpu)
{
	struct av_dbg_state *d = &vcpu->sys.dbg;
	const struct av_vm *vm = vcpu->vm;
	uint32_t bp = 0, wp = 0;

	if (!vcpu->sys.os_lock) {
		for (unsigned n = 0; n < AV_DBG_MAX; n++) {
			if ((d->bcr[n] & BCR_E) &&
			    !(AV_FIELD_GET(BCR_BT, d->bcr[n]) & BCR_BT_EL2))
				bp |= (uint32_t)AV_BIT(n);
			if (d->wcr[n] & WCR_E)
				wp |= (uint32_t)AV_BIT(n);
		}
	}
	d->hw_bp = bp;
	d->hw_wp = wp;
	if (vm->ops && vm->ops->debug_changed)
		vm->ops->debug_changed(vm->cookie, vcpu);
}

enum av_access_result av__vm_sys_dbg(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	struct av_dbg_state *d = &vcpu->sys.dbg;
	unsigned n = av_sysreg_crm(ctx->key), op2 = av_sysreg_op2(ctx->key);
	uint64_t *reg, mask = ~UINT64_C(0);

	switch (op2) {
	case OP2_BVR:
	case OP2_BCR:
	case OP2_WVR:
	case OP2_WCR: {
		bool bp = op2 <= OP2_BCR, ctl = (op2 & 1) != 0; /* BCR and WCR are odd */

		if (n >= dbg_count(vcpu->vm, bp ? AV_ID_AA64DFR0_BRPS : AV_ID_AA64DFR0_WRPS))
			return AV_ACCESS_INJECT;
		if (bp)
			reg = ctl ? &d->bcr[n] : &d->bvr[n];
		else
			reg = ctl ? &d->wcr[n] : &d->wvr[n];
		if (ctl)
			mask = bp ? BCR_GUEST : WCR_GUEST;
		break;
	}
	case OP2_MDCCINT:
		if (n != 2)
			return AV_ACCESS_INJECT;
		reg = &vcpu->sys.mdccint;
		mask = MDCCINT_GUEST;
		break;
	case OP2_OS:
		/* OSDTRRX_EL1 (n = 0), OSDTRTX_EL1 (3), OSECCR_EL1 (6): the OS save/restore
		 * registers of a debug logic with no external debugger: RAZ/WI. */
		if (n != 0 && n != 3 && n != 6)
			return AV_ACCESS_INJECT;
		return AV_ACCESS_HANDLED;
	default:
		return AV_ACCESS_INJECT;
	}
	if (!ctx->is_write) {
		*val = *reg;
		return AV_ACCESS_HANDLED;
	}
	*reg = *val & mask;
	if (op2 >= OP2_BVR)
		av__vm_dbg_update(vcpu);
	return AV_ACCESS_HANDLED;
}
