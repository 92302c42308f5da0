/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/vcpu.h
 * @brief A vCPU's architectural state, and exception injection into a guest's EL1.
 *
 * `struct av_ctxt` is the one layout the world switch (lib/arch/aarch64) saves into
 * and restores from, and that the portable trap handlers work on:
 * - `regs` holds X0–X30, PC (ELR_EL2), PSTATE (SPSR_EL2) and the FP/SIMD registers;
 * - `el1` holds the EL1 (and EL0) system registers that belong to the guest.
 *
 * `regs.sp` is a convenience for trap emulation only: av_ctxt_sp_load() copies the stack
 * pointer the trapped context was using (SP_EL0 or SP_EL1, by PSTATE) into it, and
 * av_ctxt_sp_store() writes it back. The world switch never reads `regs.sp`.
 *
 * Assembly reaches these fields through generated, static_assert-checked offsets.
 */
#ifndef ARMVIRT_VCPU_H
#define ARMVIRT_VCPU_H

#include <stdint.h>

#include <armvirt/bits.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Guest EL1/EL0 system registers switched with the vCPU. */
struct av_el1_regs {
	uint64_t sctlr;       /**< SCTLR_EL1 */
	uint64_t actlr;       /**< ACTLR_EL1 */
	uint64_t cpacr;       /**< CPACR_EL1 */
	uint64_t ttbr0;       /**< TTBR0_EL1 */
	uint64_t ttbr1;       /**< TTBR1_EL1 */
	uint64_t tcr;         /**< TCR_EL1 */
	uint64_t esr;         /**< ESR_EL1 */
	uint64_t afsr0;       /**< AFSR0_EL1 */
	uint64_t afsr1;       /**< AFSR1_EL1 */
	uint64_t far;         /**< FAR_EL1 */
	uint64_t mair;        /**< MAIR_EL1 */
	uint64_t amair;       /**< AMAIR_EL1 */
	uint64_t vbar;        /**< VBAR_EL1 */
	uint64_t contextidr;  /**< CONTEXTIDR_EL1 */
	uint64_t tpidr_el0;   /**< TPIDR_EL0 */
	uint64_t tpidrro_el0; /**< TPIDRRO_EL0 */
	uint64_t tpidr_el1;   /**< TPIDR_EL1 */
	uint64_t sp_el0;      /**< SP_EL0 */
	uint64_t sp_el1;      /**< SP_EL1 */
	uint64_t elr;         /**< ELR_EL1 */
	uint64_t spsr;        /**< SPSR_EL1 */
	uint64_t par;         /**< PAR_EL1 */
	uint64_t cntkctl;     /**< CNTKCTL_EL1 */
	uint64_t csselr;      /**< CSSELR_EL1 */
	uint64_t mdscr;       /**< MDSCR_EL1 */
	uint64_t cntv_ctl;    /**< CNTV_CTL_EL0 */
	uint64_t cntv_cval;   /**< CNTV_CVAL_EL0 */
	uint64_t vmpidr;      /**< VMPIDR_EL2: the MPIDR_EL1 the guest reads */
	uint64_t vpidr;       /**< VPIDR_EL2: the MIDR_EL1 the guest reads */
};

/** Most breakpoints, and most watchpoints, the architecture allows (ID_AA64DFR0_EL1). */
#define AV_DBG_MAX 16

/**
 * A vCPU's breakpoint and watchpoint registers (DBGBVR/DBGBCR/DBGWVR/DBGWCR\<n\>_EL1), kept
 * by the trap handlers (MDCR_EL2.TDA stays set: every guest access is emulated) and
 * written to the hardware by the world switch only for the registers in @ref hw_bp and
 * @ref hw_wp (doc/debug-pmu.md, "Debug").
 */
struct av_dbg_state {
	uint64_t bvr[AV_DBG_MAX]; /**< DBGBVR<n>_EL1 */
	uint64_t bcr[AV_DBG_MAX]; /**< DBGBCR<n>_EL1 */
	uint64_t wvr[AV_DBG_MAX]; /**< DBGWVR<n>_EL1 */
	uint64_t wcr[AV_DBG_MAX]; /**< DBGWCR<n>_EL1 */
	/** Bit n: breakpoint n is enabled (and usable) and the guest's OS lock is clear, so
	 *  DBGBVR/DBGBCR\<n\> go to the hardware while the vCPU is loaded. 0: nothing to load. */
	uint32_t hw_bp;
	uint32_t hw_wp; /**< the same for the watchpoints */
};

/**
 * Everything the world switch moves for one vCPU: a vCPU's register context. Functions
 * on it are named `av_ctxt_*`; `av_vcpu_*` functions take a `struct av_vcpu` (armvirt/vm.h),
 * whose first member this is.
 */
struct av_ctxt {
	struct av_regs regs;     /**< GPRs, PC, PSTATE, FP/SIMD */
	struct av_el1_regs el1;  /**< EL1 system registers */
};

/* ---------------------------------------------------------------------------------------
 * PSTATE as saved in SPSR_ELx (Arm ARM C5.2.19 "SPSR_EL2", AArch64 view unless noted).
 * `regs.pstate` and `el1.spsr` use this layout.
 */
#define AV_PSTATE_M      AV_GENMASK(4, 0)   /**< M[4:0]: execution state and mode */
#define AV_PSTATE_NRW    AV_GENMASK(4, 4)   /**< M[4]: 1 = taken from AArch32 */
#define AV_PSTATE_M_EL   AV_GENMASK(3, 2)   /**< M[3:2]: exception level (AArch64) */
#define AV_PSTATE_M_SP   AV_GENMASK(0, 0)   /**< M[0]: 1 = SP_ELx, 0 = SP_EL0 (AArch64) */
#define AV_PSTATE_F      AV_GENMASK(6, 6)   /**< FIQ mask */
#define AV_PSTATE_I      AV_GENMASK(7, 7)   /**< IRQ mask */
#define AV_PSTATE_A      AV_GENMASK(8, 8)   /**< SError mask */
#define AV_PSTATE_D      AV_GENMASK(9, 9)   /**< debug mask (AArch64) */
#define AV_PSTATE_DAIF   AV_GENMASK(9, 6)   /**< D, A, I, F together */
#define AV_PSTATE_BTYPE  AV_GENMASK(11, 10) /**< branch type (FEAT_BTI) */
#define AV_PSTATE_SSBS   AV_GENMASK(12, 12) /**< speculative store bypass safe (AArch64) */
#define AV_PSTATE_ALLINT AV_GENMASK(13, 13) /**< all-interrupt mask (FEAT_NMI) */
#define AV_PSTATE_IL     AV_GENMASK(20, 20) /**< illegal execution state */
#define AV_PSTATE_SS     AV_GENMASK(21, 21) /**< software step */
#define AV_PSTATE_PAN    AV_GENMASK(22, 22) /**< privileged access never */
#define AV_PSTATE_UAO    AV_GENMASK(23, 23) /**< user access override (AArch64) */
#define AV_PSTATE_DIT    AV_GENMASK(24, 24) /**< data-independent timing */
#define AV_PSTATE_TCO    AV_GENMASK(25, 25) /**< tag check override (AArch64) */
#define AV_PSTATE_V      AV_GENMASK(28, 28) /**< overflow flag */
#define AV_PSTATE_C      AV_GENMASK(29, 29) /**< carry flag */
#define AV_PSTATE_Z      AV_GENMASK(30, 30) /**< zero flag */
#define AV_PSTATE_N      AV_GENMASK(31, 31) /**< negative flag */
#define AV_PSTATE_NZCV   AV_GENMASK(31, 28) /**< N, Z, C, V together */

/* AArch64 values of AV_PSTATE_M. */
#define AV_PSTATE_MODE_EL0T 0x0u /**< EL0 */
#define AV_PSTATE_MODE_EL1T 0x4u /**< EL1 with SP_EL0 */
#define AV_PSTATE_MODE_EL1H 0x5u /**< EL1 with SP_EL1 */
/** AArch32 User mode as M[4:0] (the only AArch32 mode an armvirt guest can trap from). */
#define AV_PSTATE_MODE_USR32 0x10u

/* SCTLR_EL1 bits the exception-entry rules read (Arm ARM D23.2 "SCTLR_EL1"). */
#define AV_SCTLR_EL1_E0E   AV_GENMASK(24, 24) /**< EL0 data accesses are big-endian */
#define AV_SCTLR_EL1_EE    AV_GENMASK(25, 25) /**< EL1 data accesses are big-endian */
#define AV_SCTLR_EL1_SPAN  AV_GENMASK(23, 23) /**< 0: PSTATE.PAN is set on entry to EL1 */
#define AV_SCTLR_EL1_DSSBS AV_GENMASK(44, 44) /**< PSTATE.SSBS on entry to EL1 */
/** SCTLR_EL1 at reset as armvirt sets it: MMU and caches off, the Armv8.0 RES1 bits set
 *  (bits 29, 28, 23, 22, 20, 11). */
#define AV_SCTLR_EL1_RESET 0x30d00800u

/* Offsets from VBAR_EL1 of the four vector groups (Arm ARM D1.10.2 "Exception vectors");
 * within a group, synchronous is +0, IRQ +0x80, FIQ +0x100, SError +0x180. */
#define AV_VECTOR_CUR_SP0   0x000u /**< current EL with SP_EL0 */
#define AV_VECTOR_CUR_SPX   0x200u /**< current EL with SP_ELx */
#define AV_VECTOR_LOW_A64   0x400u /**< lower EL, AArch64 */
#define AV_VECTOR_LOW_A32   0x600u /**< lower EL, AArch32 */
#define AV_VECTOR_SYNC      0x000u /**< synchronous exception */
#define AV_VECTOR_IRQ       0x080u /**< IRQ */
#define AV_VECTOR_FIQ       0x100u /**< FIQ */
#define AV_VECTOR_SERROR    0x180u /**< SError */

/** Fault status code of a synchronous external abort, not on a table walk. */
#define AV_FSC_SEA 0x10u
/** Fault status code of an unsupported exclusive or atomic access (IMPLEMENTATION DEFINED
 * fault 0b110101): an exclusive or atomic instruction on memory that does not take it. */
#define AV_FSC_EXCL_ATOMIC 0x35u

/**
 * True when @p pstate was saved from AArch32.
 * @param pstate a saved PSTATE (SPSR_ELx)
 * @return true for AArch32, false for AArch64
 */
static inline bool av_pstate_is_aarch32(uint64_t pstate)
{
	return AV_FIELD_GET(AV_PSTATE_NRW, pstate) != 0;
}

/**
 * The exception level @p pstate was saved at (AArch32 User is EL0, other AArch32 modes EL1).
 * @param pstate a saved PSTATE (SPSR_ELx)
 * @return the exception level (0..3)
 */
static inline unsigned av_pstate_el(uint64_t pstate)
{
	if (av_pstate_is_aarch32(pstate))
		return AV_FIELD_GET(AV_PSTATE_M, pstate) == AV_PSTATE_MODE_USR32 ? 0u : 1u;
	return (unsigned)AV_FIELD_GET(AV_PSTATE_M_EL, pstate);
}

/**
 * True when @p pstate (AArch64) uses SP_ELx rather than SP_EL0 (EL1h, EL2h).
 * @param pstate a saved PSTATE (SPSR_ELx)
 * @return true for SP_ELx (EL1h, EL2h), false for SP_EL0
 */
static inline bool av_pstate_sp_elx(uint64_t pstate)
{
	return !av_pstate_is_aarch32(pstate) && av_pstate_el(pstate) != 0 &&
	       AV_FIELD_GET(AV_PSTATE_M_SP, pstate) != 0;
}

/**
 * The D, A, I, F masks of @p pstate, right-aligned (D = bit 3 ... F = bit 0).
 * @param pstate a saved PSTATE (SPSR_ELx)
 * @return DAIF as a 4-bit value
 */
static inline unsigned av_pstate_daif(uint64_t pstate)
{
	return (unsigned)AV_FIELD_GET(AV_PSTATE_DAIF, pstate);
}

/**
 * True when the guest's data accesses at the trapped EL are big-endian (SCTLR_EL1.EE/E0E).
 * @param ctxt the vCPU's register context
 * @return true for big-endian data accesses (SCTLR_EL1.EE or E0E)
 */
bool av_ctxt_data_big_endian(const struct av_ctxt *ctxt);

/**
 * Copy the stack pointer the trapped context was using into `regs.sp`: SP_EL1 when
 * PSTATE.M is EL1h, SP_EL0 for EL1t, EL0t (and AArch32 EL0, where it is unused).
 * Call it before emulating an instruction that may use SP (av_insn_emulate_mem()).
 * @param ctxt the vCPU's register context
 */
void av_ctxt_sp_load(struct av_ctxt *ctxt);

/**
 * Write `regs.sp` back to the SP_EL0 or SP_EL1 it came from (see av_ctxt_sp_load()).
 * @param ctxt the vCPU's register context
 */
void av_ctxt_sp_store(struct av_ctxt *ctxt);

/**
 * Complete the trapped instruction without executing it: PC += 4, and, as on the
 * completion of any instruction that is not a branch, PSTATE.BTYPE = 0 and PSTATE.SS = 0
 * (the software-step state machine moves to active-pending).
 * @param ctxt the vCPU's register context
 */
void av_ctxt_skip_insn(struct av_ctxt *ctxt);

/**
 * The vector address and the new PSTATE of a synchronous exception taken to EL1 from the
 * state in @p ctxt, without changing anything (for tests and tracing).
 *
 * @param[out] vector  VBAR_EL1 + group offset (+0 for synchronous); may be NULL
 * @param[out] pstate  PSTATE after the exception entry; may be NULL
 * @param ctxt the vCPU's register context
 */
void av_ctxt_exception_target(const struct av_ctxt *ctxt, uint64_t *vector,
			      uint64_t *pstate);

/**
 * Take a synchronous exception to the guest's EL1 (Arm ARM D1.10 "Exception entry",
 * the AArch64.TakeException() pseudocode), from EL0 or EL1, AArch64 or AArch32 EL0:
 * - ESR_EL1 = @p esr, FAR_EL1 = @p far;
 * - ELR_EL1 = the PC (the preferred return address: the trapped instruction);
 * - SPSR_EL1 = the old PSTATE;
 * - PSTATE: EL1h; D, A, I, F set; IL, SS, BTYPE, UAO, TCO cleared; PAN set when
 *   SCTLR_EL1.SPAN is 0 (else unchanged); SSBS = SCTLR_EL1.DSSBS; NZCV and DIT kept;
 * - PC = VBAR_EL1 + AV_VECTOR_CUR_SP0 / CUR_SPX / LOW_A64 / LOW_A32 (+0, synchronous).
 *
 * `ctxt->el1` must hold the live SCTLR_EL1 and VBAR_EL1 (see armvirt/vm.h on EL1 state).
 * @param ctxt the vCPU's register context
 * @param esr the syndrome for ESR_EL1
 * @param far the address for FAR_EL1
 */
void av_ctxt_inject_sync(struct av_ctxt *ctxt, uint64_t esr, uint64_t far);

/**
 * Inject an Undefined Instruction exception: EC 0x00 (unknown reason), IL = 1, ISS = 0.
 * FAR_EL1 is left unchanged (it is UNKNOWN for this exception).
 * @param ctxt the vCPU's register context
 */
void av_ctxt_inject_undef(struct av_ctxt *ctxt);

/**
 * Inject a Data Abort: EC DABT_CUR (0x25) when the guest was at EL1, DABT_LOW (0x24) from
 * EL0; IL = 1; ISV = 0; DFSC = @p fsc; WnR = @p wnr. FAR_EL1 = @p far.
 * The syndrome is built with av_esr_encode().
 *
 * @param fsc  a fault status code, e.g. #AV_FSC_SEA (synchronous external abort)
 * @param ctxt the vCPU's register context
 * @param far the faulting address for FAR_EL1
 * @param wnr true for a write
 */
void av_ctxt_inject_dabt(struct av_ctxt *ctxt, uint64_t far, unsigned fsc, bool wnr);

/**
 * Inject an Instruction Abort: EC IABT_CUR (0x21) from EL1, IABT_LOW (0x20) from EL0;
 * IL = 1; IFSC = @p fsc. FAR_EL1 = @p far.
 * @param ctxt the vCPU's register context
 * @param far the faulting address for FAR_EL1
 * @param fsc fault status code
 */
void av_ctxt_inject_iabt(struct av_ctxt *ctxt, uint64_t far, unsigned fsc);

/**
 * The syndrome av_ctxt_inject_dabt() would write to ESR_EL1.
 * @param ctxt the vCPU's register context
 * @param fsc fault status code
 * @param wnr true for a write
 * @return the ESR_EL1 value
 */
uint64_t av_ctxt_dabt_esr(const struct av_ctxt *ctxt, unsigned fsc, bool wnr);

/*
 * Names before 0.2 (`av_vcpu_*` named both struct av_vcpu and its register context):
 * deprecated, removed before 1.0.
 */
#ifndef AV_NO_DEPRECATED
#define av_vcpu_ctxt av_ctxt                              /**< deprecated: struct av_ctxt */
#define av_vcpu_data_big_endian av_ctxt_data_big_endian   /**< deprecated name */
#define av_vcpu_sp_load av_ctxt_sp_load                   /**< deprecated name */
#define av_vcpu_sp_store av_ctxt_sp_store                 /**< deprecated name */
#define av_vcpu_skip_insn av_ctxt_skip_insn               /**< deprecated name */
#define av_vcpu_exception_target av_ctxt_exception_target /**< deprecated name */
#define av_vcpu_inject_sync av_ctxt_inject_sync           /**< deprecated name */
#define av_vcpu_inject_undef av_ctxt_inject_undef         /**< deprecated name */
#define av_vcpu_inject_dabt av_ctxt_inject_dabt           /**< deprecated name */
#define av_vcpu_inject_iabt av_ctxt_inject_iabt           /**< deprecated name */
#define av_vcpu_dabt_esr av_ctxt_dabt_esr                 /**< deprecated name */
#endif

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VCPU_H */
