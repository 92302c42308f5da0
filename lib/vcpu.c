/* SPDX-License-Identifier: MIT */
/*
 * Exception injection into a guest's EL1, and PSTATE helpers.
 *
 * Injection follows the AArch64.TakeException() pseudocode of the Arm ARM for an exception
 * taken to EL1 from EL0 or EL1: the old PSTATE and PC go to SPSR_EL1 and ELR_EL1, the
 * syndrome to ESR_EL1 (and the address to FAR_EL1), and the vCPU resumes at the vector
 * that matches where it came from. Nothing here touches hardware: the world switch moves
 * the result into the registers on the next entry.
 */
#include <armvirt/esr.h>
#include <armvirt/vcpu.h>

#include "compat.h"

bool av_ctxt_data_big_endian(const struct av_ctxt *ctxt)
{
	uint64_t bit = av_pstate_el(ctxt->regs.pstate) == 0 ? AV_SCTLR_EL1_E0E : AV_SCTLR_EL1_EE;

	return (ctxt->el1.sctlr & bit) != 0;
}

void av_ctxt_sp_load(struct av_ctxt *ctxt)
{
	ctxt->regs.sp = av_pstate_sp_elx(ctxt->regs.pstate) ? ctxt->el1.sp_el1 : ctxt->el1.sp_el0;
}

void av_ctxt_sp_store(struct av_ctxt *ctxt)
{
	if (av_pstate_sp_elx(ctxt->regs.pstate))
		ctxt->el1.sp_el1 = ctxt->regs.sp;
	else
		ctxt->el1.sp_el0 = ctxt->regs.sp;
}

void av_ctxt_skip_insn(struct av_ctxt *ctxt)
{
	ctxt->regs.pc += 4;
	ctxt->regs.pstate &= ~(AV_PSTATE_BTYPE | AV_PSTATE_SS);
}

/* Offset from VBAR_EL1 of the vector group for an exception taken from @pstate. */
static uint64_t vector_group(uint64_t pstate)
{
	if (av_pstate_el(pstate) == 0)
		return av_pstate_is_aarch32(pstate) ? AV_VECTOR_LOW_A32 : AV_VECTOR_LOW_A64;
	return av_pstate_sp_elx(pstate) ? AV_VECTOR_CUR_SPX : AV_VECTOR_CUR_SP0;
}

/* PSTATE on entry to EL1 (AArch64.TakeException()). */
static uint64_t entry_pstate(const struct av_ctxt *ctxt)
{
	uint64_t old = ctxt->regs.pstate;
	/* N, Z, C, V, DIT and PAN sit at the same bits in the AArch32 and AArch64 layouts. */
	uint64_t ps = old & (AV_PSTATE_NZCV | AV_PSTATE_DIT | AV_PSTATE_PAN);

	ps |= AV_FIELD_PREP(AV_PSTATE_M, AV_PSTATE_MODE_EL1H) | AV_PSTATE_DAIF;
	if (!(ctxt->el1.sctlr & AV_SCTLR_EL1_SPAN))
		ps |= AV_PSTATE_PAN;
	if (ctxt->el1.sctlr & AV_SCTLR_EL1_DSSBS)
		ps |= AV_PSTATE_SSBS;
	/* SS, IL, BTYPE, UAO, TCO, ALLINT and the AArch32-only bits are left at 0. */
	return ps;
}

void av_ctxt_exception_target(const struct av_ctxt *ctxt, uint64_t *vector,
			      uint64_t *pstate)
{
	if (vector)
		*vector = ctxt->el1.vbar + vector_group(ctxt->regs.pstate) + AV_VECTOR_SYNC;
	if (pstate)
		*pstate = entry_pstate(ctxt);
}

/* Everything of an injection except ESR_EL1/FAR_EL1. */
static void take_exception(struct av_ctxt *ctxt)
{
	uint64_t vector, pstate;

	av_ctxt_exception_target(ctxt, &vector, &pstate);
	ctxt->el1.elr = ctxt->regs.pc;
	ctxt->el1.spsr = ctxt->regs.pstate;
	ctxt->regs.pstate = pstate;
	ctxt->regs.pc = vector;
}

void av_ctxt_inject_sync(struct av_ctxt *ctxt, uint64_t esr, uint64_t far)
{
	ctxt->el1.esr = esr;
	ctxt->el1.far = far;
	take_exception(ctxt);
}

void av_ctxt_inject_undef(struct av_ctxt *ctxt)
{
	struct av_esr e;

	memset(&e, 0, sizeof(e));
	e.ec = AV_ESR_EC_UNKNOWN;
	e.il = true; /* RES1 for EC 0x00 */
	ctxt->el1.esr = av_esr_encode(&e);
	take_exception(ctxt);
}

uint64_t av_ctxt_dabt_esr(const struct av_ctxt *ctxt, unsigned fsc, bool wnr)
{
	struct av_esr e;

	memset(&e, 0, sizeof(e));
	e.ec = av_pstate_el(ctxt->regs.pstate) == 0 ? AV_ESR_EC_DABT_LOW : AV_ESR_EC_DABT_CUR;
	e.il = true; /* RES1 for a data abort with ISV == 0 */
	e.u.dabt.fsc = (uint8_t)(fsc & AV_ESR_DABT_DFSC);
	e.u.dabt.wnr = wnr;
	return av_esr_encode(&e);
}

void av_ctxt_inject_dabt(struct av_ctxt *ctxt, uint64_t far, unsigned fsc, bool wnr)
{
	av_ctxt_inject_sync(ctxt, av_ctxt_dabt_esr(ctxt, fsc, wnr), far);
}

void av_ctxt_inject_iabt(struct av_ctxt *ctxt, uint64_t far, unsigned fsc)
{
	struct av_esr e;

	memset(&e, 0, sizeof(e));
	e.ec = av_pstate_el(ctxt->regs.pstate) == 0 ? AV_ESR_EC_IABT_LOW : AV_ESR_EC_IABT_CUR;
	e.il = true; /* RES1 for an instruction abort */
	e.u.iabt.fsc = (uint8_t)(fsc & AV_ESR_IABT_IFSC);
	av_ctxt_inject_sync(ctxt, av_esr_encode(&e), far);
}
