/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/traps.h
 * @brief Trap policy → EL2 control registers, and the table of sensitive instructions.
 *
 * Two things live here.
 *
 * 1. **A trap policy.** `struct av_trap_policy` says, in named fields, what a guest may do
 *    without the hypervisor seeing it. av_trap_policy_compute() turns it into the values of
 *    HCR_EL2, CPTR_EL2, MDCR_EL2 and HSTR_EL2 that the world switch loads before entering
 *    the guest. The function is pure: it reads no hardware, so the caller states what the
 *    CPU implements in `features` (from the ID registers, read at EL2) and PMCR_EL0.N.
 *
 * 2. **The sensitive-instruction table** (the virtualizability audit). Every AArch64
 *    instruction or register group that EL1 can execute and that is *sensitive* in the
 *    Popek–Goldberg sense (it controls or reveals the real machine) has a row: its class,
 *    how AArch64 with EL2 contains it (a trap control, a hardware virtualisation register,
 *    stage 2, or nothing needed), which policy control traps it, the control's register,
 *    bits and polarity, and the exception class of the resulting trap. doc/sensitive-
 *    instructions.md renders the same table with the reasoning behind it.
 *
 * A policy and a row meet through `enum av_trap_ctl`: av_trap_policy_set() asks for a
 * row's control by id, and av_trap_row_trapped() checks a computed register set against a
 * row.
 *
 * Register fields follow the Arm Architecture Reference Manual (DDI 0487), chapter D23
 * (HCR_EL2, CPTR_EL2, MDCR_EL2, HSTR_EL2). Each field is one mask below.
 *
 * Freestanding: no allocation, no hardware access; every function is reentrant.
 */
#ifndef ARMVIRT_TRAPS_H
#define ARMVIRT_TRAPS_H

#include <armvirt/bits.h>
#include <armvirt/esr.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------
 * HCR_EL2, Hypervisor Configuration Register
 * ------------------------------------------------------------------------------------- */
#define AV_HCR_VM       AV_BIT(0)          /**< enable stage-2 translation for EL1&0 */
#define AV_HCR_SWIO     AV_BIT(1)          /**< DC ISW from EL1 behaves as DC CISW */
#define AV_HCR_PTW      AV_BIT(2)          /**< protected table walk (walks to Device fault) */
#define AV_HCR_FMO      AV_BIT(3)          /**< route physical FIQ to EL2; enable virtual FIQ */
#define AV_HCR_IMO      AV_BIT(4)          /**< route physical IRQ to EL2; enable virtual IRQ */
#define AV_HCR_AMO      AV_BIT(5)          /**< route SError to EL2; enable virtual SError */
#define AV_HCR_VF       AV_BIT(6)          /**< virtual FIQ pending */
#define AV_HCR_VI       AV_BIT(7)          /**< virtual IRQ pending */
#define AV_HCR_VSE      AV_BIT(8)          /**< virtual SError pending */
#define AV_HCR_FB       AV_BIT(9)          /**< force broadcast of TLBI/IC IALLU/BPIALL */
#define AV_HCR_BSU      AV_GENMASK(11, 10) /**< barrier shareability upgrade (av_trap_bsu) */
#define AV_HCR_DC       AV_BIT(12)         /**< default cacheable (stage 1 off → WB) */
#define AV_HCR_TWI      AV_BIT(13)         /**< trap WFI (and WFIT) */
#define AV_HCR_TWE      AV_BIT(14)         /**< trap WFE (and WFET) */
#define AV_HCR_TID0     AV_BIT(15)         /**< trap ID group 0 (AArch32 FPSID, JIDR) */
#define AV_HCR_TID1     AV_BIT(16)         /**< trap ID group 1 (REVIDR, AIDR, SMIDR) */
#define AV_HCR_TID2     AV_BIT(17)         /**< trap ID group 2 (CTR, CCSIDR, CLIDR, CSSELR) */
#define AV_HCR_TID3     AV_BIT(18)         /**< trap ID group 3 (ID_AA64*, ID_*, MVFR*) */
#define AV_HCR_TSC      AV_BIT(19)         /**< trap SMC */
#define AV_HCR_TIDCP    AV_BIT(20)         /**< trap IMPLEMENTATION DEFINED registers */
#define AV_HCR_TACR     AV_BIT(21)         /**< trap ACTLR_EL1 */
#define AV_HCR_TSW      AV_BIT(22)         /**< trap DC ISW/CSW/CISW (set/way) */
#define AV_HCR_TPCP     AV_BIT(23)         /**< trap DC maintenance to PoC/PoP (was TPC) */
#define AV_HCR_TPU      AV_BIT(24)         /**< trap cache maintenance to PoU */
#define AV_HCR_TTLB     AV_BIT(25)         /**< trap TLB maintenance */
#define AV_HCR_TVM      AV_BIT(26)         /**< trap writes of virtual memory controls */
#define AV_HCR_TGE      AV_BIT(27)         /**< trap general exceptions (EL0 host) */
#define AV_HCR_TDZ      AV_BIT(28)         /**< trap DC ZVA */
#define AV_HCR_HCD      AV_BIT(29)         /**< disable HVC */
#define AV_HCR_TRVM     AV_BIT(30)         /**< trap reads of virtual memory controls */
#define AV_HCR_RW       AV_BIT(31)         /**< EL1 is AArch64 */
#define AV_HCR_CD       AV_BIT(32)         /**< stage-2 data accesses non-cacheable */
#define AV_HCR_ID       AV_BIT(33)         /**< stage-2 instruction fetches non-cacheable */
#define AV_HCR_E2H      AV_BIT(34)         /**< EL2 host (VHE) */
#define AV_HCR_TLOR     AV_BIT(35)         /**< trap LORegion registers (FEAT_LOR) */
#define AV_HCR_TERR     AV_BIT(36)         /**< trap RAS error record registers (FEAT_RAS) */
#define AV_HCR_TEA      AV_BIT(37)         /**< route synchronous external aborts to EL2 */
#define AV_HCR_MIOCNCE  AV_BIT(38)         /**< mismatched inner/outer cacheable non-coherency */
#define AV_HCR_APK      AV_BIT(40)         /**< 1 = do NOT trap pointer-auth key registers */
#define AV_HCR_API      AV_BIT(41)         /**< 1 = do NOT trap pointer-auth instructions */
#define AV_HCR_NV       AV_BIT(42)         /**< nested virtualization */
#define AV_HCR_NV1      AV_BIT(43)         /**< nested virtualization, EL1 register traps */
#define AV_HCR_AT       AV_BIT(44)         /**< trap AT S1E0*, AT S1E1* */
#define AV_HCR_NV2      AV_BIT(45)         /**< nested virtualization, register redirection */
#define AV_HCR_FWB      AV_BIT(46)         /**< stage 2 forces write-back (FEAT_S2FWB) */
#define AV_HCR_FIEN     AV_BIT(47)         /**< fault injection enable (FEAT_RASv1p1) */
#define AV_HCR_TID4     AV_BIT(49)         /**< trap ID group 4 (CCSIDR*, CLIDR, CSSELR; EVT) */
#define AV_HCR_TICAB    AV_BIT(50)         /**< trap IC IALLUIS (FEAT_EVT) */
#define AV_HCR_AMVOFFEN AV_BIT(51)         /**< activity monitor virtual offsets enable */
#define AV_HCR_TOCU     AV_BIT(52)         /**< trap IC IVAU, IC IALLU, DC CVAU (FEAT_EVT) */
#define AV_HCR_ENSCXT   AV_BIT(53)         /**< enable SCXTNUM_ELx access */
#define AV_HCR_TTLBIS   AV_BIT(54)         /**< trap inner-shareable TLBI (FEAT_EVT) */
#define AV_HCR_TTLBOS   AV_BIT(55)         /**< trap outer-shareable TLBI (FEAT_EVT) */
#define AV_HCR_ATA      AV_BIT(56)         /**< allow allocation-tag access (FEAT_MTE2) */
#define AV_HCR_DCT      AV_BIT(57)         /**< default cacheability tagging (FEAT_MTE2) */
#define AV_HCR_TID5     AV_BIT(58)         /**< trap ID group 5 (GMID_EL1; FEAT_MTE2) */
#define AV_HCR_TWEDEN   AV_BIT(59)         /**< TWE delay enable (FEAT_TWED) */
#define AV_HCR_TWEDEL   AV_GENMASK(63, 60) /**< TWE delay: at least 2^(TWEDEL+8) cycles */

/** Values of HCR_EL2.BSU: the minimum shareability of barriers executed at EL1/EL0. */
enum av_trap_bsu {
	AV_TRAP_BSU_NONE = 0, /**< no upgrade */
	AV_TRAP_BSU_IS = 1,   /**< inner shareable */
	AV_TRAP_BSU_OS = 2,   /**< outer shareable */
	AV_TRAP_BSU_FS = 3,   /**< full system */
};

/* ---------------------------------------------------------------------------------------
 * CPTR_EL2, Architectural Feature Trap Register. Two layouts, chosen by HCR_EL2.E2H.
 * ------------------------------------------------------------------------------------- */
/* Layout with HCR_EL2.E2H == 0 (trap when 1). */
#define AV_CPTR_RES1_LO   AV_GENMASK(7, 0) /**< E2H=0: RES1 */
#define AV_CPTR_TZ        AV_BIT(8)        /**< E2H=0: trap SVE (RES1 without FEAT_SVE) */
#define AV_CPTR_RES1_9    AV_BIT(9)        /**< E2H=0: RES1 */
#define AV_CPTR_TFP       AV_BIT(10)       /**< E2H=0: trap FP/Advanced SIMD (and SVE/SME) */
#define AV_CPTR_TSM       AV_BIT(12)       /**< E2H=0: trap SME (RES1 without FEAT_SME) */
#define AV_CPTR_RES1_13   AV_BIT(13)       /**< E2H=0: RES1 */
#define AV_CPTR_TTA       AV_BIT(20)       /**< E2H=0: trap trace register access */
/* Layout with HCR_EL2.E2H == 1 (CPACR_EL1-like enables: trap when 0b00). */
#define AV_CPTR_E2H_ZEN   AV_GENMASK(17, 16) /**< E2H=1: SVE enable, 0b11 = no trap */
#define AV_CPTR_E2H_FPEN  AV_GENMASK(21, 20) /**< E2H=1: FP/SIMD enable, 0b11 = no trap */
#define AV_CPTR_E2H_SMEN  AV_GENMASK(25, 24) /**< E2H=1: SME enable, 0b11 = no trap */
#define AV_CPTR_E2H_TTA   AV_BIT(28)         /**< E2H=1: trap trace register access */
/* Common to both layouts (trap when 1). */
#define AV_CPTR_TAM       AV_BIT(30)       /**< trap Activity Monitor access (FEAT_AMUv1) */
#define AV_CPTR_TCPAC     AV_BIT(31)       /**< trap EL1 access to CPACR_EL1 */

/** CPTR_EL2 bits that are RES1 in the E2H=0 layout whatever the CPU implements. */
#define AV_CPTR_RES1 (AV_CPTR_RES1_LO | AV_CPTR_RES1_9 | AV_CPTR_RES1_13)

/* ---------------------------------------------------------------------------------------
 * MDCR_EL2, Monitor Debug Configuration Register
 * ------------------------------------------------------------------------------------- */
#define AV_MDCR_HPMN   AV_GENMASK(4, 0)   /**< counters [0, HPMN) belong to EL1/EL0 */
#define AV_MDCR_TPMCR  AV_BIT(5)          /**< trap PMCR_EL0 */
#define AV_MDCR_TPM    AV_BIT(6)          /**< trap all Performance Monitors registers */
#define AV_MDCR_HPME   AV_BIT(7)          /**< enable counters [HPMN, N) reserved to EL2 */
#define AV_MDCR_TDE    AV_BIT(8)          /**< route debug exceptions to EL2 */
#define AV_MDCR_TDA    AV_BIT(9)          /**< trap debug register access */
#define AV_MDCR_TDOSA  AV_BIT(10)         /**< trap OS lock/power debug registers */
#define AV_MDCR_TDRA   AV_BIT(11)         /**< trap debug ROM address (MDRAR_EL1) */
#define AV_MDCR_E2PB   AV_GENMASK(13, 12) /**< profiling buffer owner and trap (FEAT_SPE) */
#define AV_MDCR_TPMS   AV_BIT(14)         /**< trap statistical profiling controls (SPE) */
#define AV_MDCR_HPMD   AV_BIT(17)         /**< prohibit event counting at EL2 */
#define AV_MDCR_TTRF   AV_BIT(19)         /**< trap trace filter control (FEAT_TRF) */
#define AV_MDCR_HCCD   AV_BIT(23)         /**< prohibit cycle counting at EL2 */
#define AV_MDCR_TDCC   AV_BIT(27)         /**< trap debug comms channel (FEAT_FGT) */

/* ---------------------------------------------------------------------------------------
 * HSTR_EL2, Hypervisor System Trap Register: AArch32 CP15 accesses by primary register
 * (CRn for MCR/MRC, CRm for MCRR/MRRC). T4 and T14 are RES0.
 * ------------------------------------------------------------------------------------- */
#define AV_HSTR_T0  AV_BIT(0)  /**< trap CP15 c0 */
#define AV_HSTR_T1  AV_BIT(1)  /**< trap CP15 c1 */
#define AV_HSTR_T2  AV_BIT(2)  /**< trap CP15 c2 */
#define AV_HSTR_T3  AV_BIT(3)  /**< trap CP15 c3 */
#define AV_HSTR_T5  AV_BIT(5)  /**< trap CP15 c5 */
#define AV_HSTR_T6  AV_BIT(6)  /**< trap CP15 c6 */
#define AV_HSTR_T7  AV_BIT(7)  /**< trap CP15 c7 */
#define AV_HSTR_T8  AV_BIT(8)  /**< trap CP15 c8 */
#define AV_HSTR_T9  AV_BIT(9)  /**< trap CP15 c9 */
#define AV_HSTR_T10 AV_BIT(10) /**< trap CP15 c10 */
#define AV_HSTR_T11 AV_BIT(11) /**< trap CP15 c11 */
#define AV_HSTR_T12 AV_BIT(12) /**< trap CP15 c12 */
#define AV_HSTR_T13 AV_BIT(13) /**< trap CP15 c13 */
#define AV_HSTR_T15 AV_BIT(15) /**< trap CP15 c15 */

/** Every implemented HSTR_EL2 trap bit (T0..T15 without T4 and T14). */
#define AV_HSTR_VALID                                                                      \
	(AV_HSTR_T0 | AV_HSTR_T1 | AV_HSTR_T2 | AV_HSTR_T3 | AV_HSTR_T5 | AV_HSTR_T6 |     \
	 AV_HSTR_T7 | AV_HSTR_T8 | AV_HSTR_T9 | AV_HSTR_T10 | AV_HSTR_T11 | AV_HSTR_T12 |  \
	 AV_HSTR_T13 | AV_HSTR_T15)

/* ---------------------------------------------------------------------------------------
 * The policy
 * ------------------------------------------------------------------------------------- */

/**
 * What the CPU implements, as far as the trap registers care (`features` of the policy).
 * Read them from the ID registers at EL2. Without a feature its control bits are RES0 (or
 * RES1), so the computation never writes them; see av_trap_policy_compute() for which
 * requests are then rejected and which are met anyway.
 */
enum av_trap_feat {
	AV_TRAP_FEAT_VHE = 1u << 0,         /**< FEAT_VHE: HCR_EL2.E2H may be set */
	AV_TRAP_FEAT_AARCH32_EL1 = 1u << 1, /**< EL1 can run AArch32 (HCR_EL2.RW may be 0) */
	AV_TRAP_FEAT_PAUTH = 1u << 2,       /**< FEAT_PAuth: API, APK */
	AV_TRAP_FEAT_LOR = 1u << 3,         /**< FEAT_LOR: TLOR */
	AV_TRAP_FEAT_RAS = 1u << 4,         /**< FEAT_RAS: TERR, TEA */
	AV_TRAP_FEAT_EVT = 1u << 5,         /**< FEAT_EVT: TID4, TICAB, TOCU, TTLBIS, TTLBOS */
	AV_TRAP_FEAT_S2FWB = 1u << 6,       /**< FEAT_S2FWB: FWB */
	AV_TRAP_FEAT_TWED = 1u << 7,        /**< FEAT_TWED: TWEDEn, TWEDEL */
	AV_TRAP_FEAT_SVE = 1u << 8,         /**< FEAT_SVE: TZ / ZEN */
	AV_TRAP_FEAT_SME = 1u << 9,         /**< FEAT_SME: TSM / SMEN */
	AV_TRAP_FEAT_AMU = 1u << 10,        /**< FEAT_AMUv1: TAM */
	AV_TRAP_FEAT_SPE = 1u << 11,        /**< FEAT_SPE: TPMS, E2PB */
	AV_TRAP_FEAT_TRF = 1u << 12,        /**< FEAT_TRF: TTRF */
	AV_TRAP_FEAT_TRACE = 1u << 13,      /**< System-register trace interface: TTA */
	AV_TRAP_FEAT_PMU = 1u << 14,        /**< FEAT_PMUv3: TPM, TPMCR, HPMN, HPME */
	AV_TRAP_FEAT_HPMN0 = 1u << 15,      /**< FEAT_HPMN0: HPMN may be 0 with counters */
	AV_TRAP_FEAT_ALL = (1u << 16) - 1,  /**< every feature above */
};

/** `hpmn` value meaning "all counters to EL1", i.e. HPMN = `pmcr_n`. */
#define AV_TRAP_HPMN_ALL 0xFFu

/**
 * A trap policy: what the hypervisor wants to see of a guest, in named fields.
 *
 * A zero-initialised policy enables nothing and traps nothing: EL1 is AArch64 (RW=1),
 * stage 2 is off, no interrupt is routed, and every "trap_*" is false (pointer
 * authentication untrapped, FP/SVE/SME usable). Start from av_trap_policy_default_guest()
 * for a Linux guest, or from zero and add what you need.
 *
 * Each `trap_*` field names its architectural control in its comment; polarity is
 * handled by av_trap_policy_compute() (`trap_pac_insn = true` clears HCR_EL2.API, for
 * example).
 */
struct av_trap_policy {
	/** AV_TRAP_FEAT_* bits: what the CPU implements. */
	uint32_t features;

	/* --- Virtualisation setup (HCR_EL2, not traps) --- */
	bool vm;          /**< VM: stage-2 translation on (every guest needs it) */
	bool el1_aarch32; /**< RW=0: EL1 runs AArch32 (needs AV_TRAP_FEAT_AARCH32_EL1) */
	bool e2h;         /**< E2H: EL2 runs a VHE host; selects CPTR_EL2's E2H=1 layout */
	bool tge;         /**< TGE: running the VHE host's own EL0 (needs e2h; no guest) */
	bool route_irq;   /**< IMO: physical IRQs to EL2, virtual IRQs to the guest */
	bool route_fiq;   /**< FMO: physical FIQs to EL2, virtual FIQs to the guest */
	bool route_serror; /**< AMO: physical SErrors to EL2, virtual SErrors to the guest */
	bool force_broadcast; /**< FB: EL1 TLBI / IC IALLU / BPIALL broadcast inner shareable */
	uint8_t bsu;      /**< BSU: barrier shareability upgrade, enum av_trap_bsu */
	bool swio;        /**< SWIO: DC ISW at EL1 cleans too (no data loss by set/way) */
	bool fwb;         /**< FWB: stage 2 can force write-back (needs AV_TRAP_FEAT_S2FWB) */
	bool twe_delay;   /**< TWEDEn: delay WFE traps by 2^(twe_delay_log2 + 8) cycles */
	uint8_t twe_delay_log2; /**< TWEDEL (0..15); only with twe_delay */

	/* --- Traps in HCR_EL2 --- */
	bool trap_wfi;      /**< TWI: WFI/WFIT (EC WFX) */
	bool trap_wfe;      /**< TWE: WFE/WFET (EC WFX) */
	bool trap_smc;      /**< TSC: SMC (EC SMC64) */
	bool trap_id0;      /**< TID0: AArch32 FPSID, JIDR (EC CP10_ID / CP14_MR) */
	bool trap_id1;      /**< TID1: REVIDR_EL1, AIDR_EL1, SMIDR_EL1 (EC SYS64) */
	bool trap_id2;      /**< TID2: CTR_EL0, CCSIDR(2)_EL1, CLIDR_EL1, CSSELR_EL1 */
	bool trap_id3;      /**< TID3: ID_AA64*_EL1 and the AArch32 ID_* / MVFR* */
	bool trap_id4;      /**< TID4: CCSIDR(2), CLIDR, CSSELR only (needs FEAT_EVT) */
	bool trap_impdef;   /**< TIDCP: IMPLEMENTATION DEFINED S3_x_C11/C15 registers */
	bool trap_actlr;    /**< TACR: ACTLR_EL1 */
	bool trap_setway;   /**< TSW: DC ISW/CSW/CISW */
	bool trap_cmo_poc;  /**< TPCP (TPC): DC IVAC/CVAC/CIVAC/CVAP/CVADP */
	bool trap_cmo_pou;  /**< TPU: IC IVAU, IC IALLU(IS), DC CVAU */
	bool trap_cmo_ocu;  /**< TOCU: IC IVAU, IC IALLU, DC CVAU (needs FEAT_EVT) */
	bool trap_icab;     /**< TICAB: IC IALLUIS (needs FEAT_EVT) */
	bool trap_vm_write; /**< TVM: writes of SCTLR/TTBRn/TCR/MAIR/... _EL1 */
	bool trap_vm_read;  /**< TRVM: reads of the same registers */
	bool trap_tlbi;     /**< TTLB: every TLBI at EL1 */
	bool trap_tlbi_is;  /**< TTLBIS: inner-shareable TLBI only (needs FEAT_EVT) */
	bool trap_tlbi_os;  /**< TTLBOS: outer-shareable TLBI only (needs FEAT_EVT) */
	bool trap_dc_zva;   /**< TDZ: DC ZVA (and DCZID_EL0 reports it prohibited) */
	bool trap_lor;      /**< TLOR: LORSA/LOREA/LORN/LORC/LORID_EL1 */
	bool trap_ras;      /**< TERR: ERR* / ERX* error record registers */
	bool trap_ext_abort; /**< TEA: synchronous external aborts to EL2 (needs FEAT_RAS) */
	bool trap_pac_insn; /**< API=0: PAC/AUT/RETA/BRA/... instructions (EC PAC) */
	bool trap_pac_keys; /**< APK=0: AP*Key*_EL1 registers (EC SYS64) */

	/* --- Traps and counter split in MDCR_EL2 --- */
	bool trap_pmu;       /**< TPM: all PMU registers */
	bool trap_pmcr;      /**< TPMCR: PMCR_EL0 */
	uint8_t pmcr_n;      /**< PMCR_EL0.N of the CPU as read at EL2 (0..31) */
	uint8_t hpmn;        /**< HPMN: counters EL1 sees (<= pmcr_n, or AV_TRAP_HPMN_ALL) */
	bool hpme;           /**< HPME: enable the counters reserved to EL2 */
	bool trap_debug;     /**< TDA: breakpoint/watchpoint/MDSCR and other debug registers */
	bool trap_debug_os;  /**< TDOSA: OSLAR/OSLSR/OSDLR/DBGPRCR_EL1 */
	bool trap_debug_rom; /**< TDRA: MDRAR_EL1 */
	bool route_debug;    /**< TDE: debug exceptions to EL2 (forces TDA/TDOSA/TDRA on) */
	bool trap_trace_filter; /**< TTRF: TRFCR_EL1 */
	bool trap_spe;       /**< TPMS: PMS* sampling controls (buffer stays EL2-owned) */

	/* --- Traps in CPTR_EL2 (layout from e2h) --- */
	bool trap_fp;    /**< TFP=1 / FPEN=0b00: FP and Advanced SIMD (EC FP_ASIMD) */
	bool trap_sve;   /**< TZ=1 / ZEN=0b00: SVE (EC SVE) */
	bool trap_sme;   /**< TSM=1 / SMEN=0b00: SME (EC SME) */
	bool trap_trace; /**< TTA: trace unit registers */
	bool trap_amu;   /**< TAM: Activity Monitor registers */
	bool trap_cpacr; /**< TCPAC: CPACR_EL1 */

	/* --- HSTR_EL2 --- */
	uint16_t hstr;   /**< AV_HSTR_T* bits: AArch32 CP15 primary registers to trap */
};

/** The EL2 control register values a policy produces. */
struct av_el2_traps {
	uint64_t hcr_el2;  /**< HCR_EL2 */
	uint64_t cptr_el2; /**< CPTR_EL2, in the layout selected by hcr_el2's E2H bit */
	uint64_t mdcr_el2; /**< MDCR_EL2 */
	uint64_t hstr_el2; /**< HSTR_EL2 */
};

/**
 * Fill @p p with the default policy for a Linux (or other general-purpose) guest kernel
 * at EL1 under a non-VHE hypervisor. Each choice, in short:
 *
 * - VM, RW, IMO/FMO/AMO, FB, BSU=IS, SWIO: the guest runs in its own IPA space, gets
 *   virtual interrupts, and its barriers and TLB/IC maintenance reach every CPU it may be
 *   migrated to; set/way invalidation never discards dirty data.
 * - WFI trapped so the scheduler can run something else; WFE left alone (spin loops
 *   would pay a trap each; turn it on when vCPUs outnumber CPUs).
 * - SMC trapped: firmware is the hypervisor's, PSCI is emulated.
 * - TID1, TID3 (identification the hypervisor sanitises), TIDCP and TACR (CPU-specific
 *   configuration), TLOR (the feature is hidden), TERR/TEA (error records and external
 *   aborts belong to the host): trapped.
 * - Set/way trapped: it operates on physical caches, not on the guest's memory.
 * - TID2, cache maintenance by VA, TVM/TRVM, TLBI, DC ZVA: not trapped (all act on the
 *   guest's own state, scoped by stage 2 and the VMID).
 * - Pointer-auth instructions and keys trapped: keys are switched on first use.
 * - PMU (TPM, TPMCR), debug (TDA/TDOSA/TDRA), trace (TTA, TTRF), SPE and AMU trapped:
 *   shared hardware with no virtual model by default; HPMN = all counters.
 * - FP/SIMD, SVE and SME trapped: their state is switched lazily, on first use.
 * - CPACR_EL1 and AArch32 CP15 (HSTR) not trapped.
 *
 * Controls whose feature is absent from @p features are left off where the request
 * would be rejected (TID4-style EVT controls, TEA); see av_trap_policy_compute().
 *
 * @param p         the policy to fill (every field is written)
 * @param features  AV_TRAP_FEAT_* the CPU implements
 * @param pmcr_n    PMCR_EL0.N as read at EL2 (0 without a PMU)
 */
void av_trap_policy_default_guest(struct av_trap_policy *p, uint32_t features, unsigned pmcr_n);

/**
 * Compute HCR_EL2, CPTR_EL2, MDCR_EL2 and HSTR_EL2 from a policy.
 *
 * A trap control whose feature is absent is met anyway when the trapped instructions or
 * registers do not exist without the feature (pointer auth, LOR, RAS records, SVE, SME,
 * AMU, SPE, TRF, trace, PMU): the bit is left at its RES0/RES1 value. A request that the
 * CPU could not honour is rejected instead: the FEAT_EVT controls (use TID2/TPU/TTLB),
 * TEA, E2H, RW=0, FWB and TWED without their features.
 *
 * @param p    the policy
 * @param out  receives the four register values (unchanged on error)
 * @return 0, or -AV_EINVAL for NULL arguments or an invalid policy:
 *         BSU > 3; TWEDEL > 15 or set without TWEDEn; a feature-gated request above;
 *         TGE without E2H, TGE with VM, or TGE with an AArch32 EL1;
 *         pmcr_n > 31, or pmcr_n > 0 without AV_TRAP_FEAT_PMU; hpmn > pmcr_n (other than
 *         AV_TRAP_HPMN_ALL); hpmn = 0 with counters present but without
 *         AV_TRAP_FEAT_HPMN0; hpme without AV_TRAP_FEAT_PMU; an HSTR bit outside
 *         AV_HSTR_VALID (T4 and T14 are RES0).
 */
int av_trap_policy_compute(const struct av_trap_policy *p, struct av_el2_traps *out);

/**
 * Format register values field by field into @p buf, one line per register, e.g.
 * `HCR_EL2  0x0000000080040001 VM TID3 RW`. Multi-bit fields print as `NAME=value`,
 * bits no field names as `?=0x...`. The CPTR_EL2 layout follows the E2H bit of hcr_el2.
 *
 * @param t the EL2 trap register values
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @return the length of the full text like snprintf (output is truncated and
 *         NUL-terminated when it does not fit), or -AV_EINVAL if @p t is NULL or
 *         @p buf is NULL with @p size > 0.
 */
int av_trap_policy_describe(const struct av_el2_traps *t, char *buf, size_t size);

/* ---------------------------------------------------------------------------------------
 * The sensitive-instruction table
 * ------------------------------------------------------------------------------------- */

/**
 * Policy controls, one per trap field of `struct av_trap_policy`; a table row names the
 * one that traps it. AV_TRAP_CTL_NONE marks rows the policy does not control.
 */
enum av_trap_ctl {
	AV_TRAP_CTL_NONE = 0,     /**< not controlled by this policy */
	AV_TRAP_CTL_WFI,          /**< trap_wfi (HCR_EL2.TWI) */
	AV_TRAP_CTL_WFE,          /**< trap_wfe (HCR_EL2.TWE) */
	AV_TRAP_CTL_SMC,          /**< trap_smc (HCR_EL2.TSC) */
	AV_TRAP_CTL_ID0,          /**< trap_id0 (HCR_EL2.TID0) */
	AV_TRAP_CTL_ID1,          /**< trap_id1 (HCR_EL2.TID1) */
	AV_TRAP_CTL_ID2,          /**< trap_id2 (HCR_EL2.TID2) */
	AV_TRAP_CTL_ID3,          /**< trap_id3 (HCR_EL2.TID3) */
	AV_TRAP_CTL_ID4,          /**< trap_id4 (HCR_EL2.TID4) */
	AV_TRAP_CTL_IMPDEF,       /**< trap_impdef (HCR_EL2.TIDCP) */
	AV_TRAP_CTL_ACTLR,        /**< trap_actlr (HCR_EL2.TACR) */
	AV_TRAP_CTL_SETWAY,       /**< trap_setway (HCR_EL2.TSW) */
	AV_TRAP_CTL_CMO_POC,      /**< trap_cmo_poc (HCR_EL2.TPCP) */
	AV_TRAP_CTL_CMO_POU,      /**< trap_cmo_pou (HCR_EL2.TPU) */
	AV_TRAP_CTL_CMO_OCU,      /**< trap_cmo_ocu (HCR_EL2.TOCU) */
	AV_TRAP_CTL_ICAB,         /**< trap_icab (HCR_EL2.TICAB) */
	AV_TRAP_CTL_VM_WRITE,     /**< trap_vm_write (HCR_EL2.TVM) */
	AV_TRAP_CTL_VM_READ,      /**< trap_vm_read (HCR_EL2.TRVM) */
	AV_TRAP_CTL_TLBI,         /**< trap_tlbi (HCR_EL2.TTLB) */
	AV_TRAP_CTL_TLBI_IS,      /**< trap_tlbi_is (HCR_EL2.TTLBIS) */
	AV_TRAP_CTL_TLBI_OS,      /**< trap_tlbi_os (HCR_EL2.TTLBOS) */
	AV_TRAP_CTL_DC_ZVA,       /**< trap_dc_zva (HCR_EL2.TDZ) */
	AV_TRAP_CTL_LOR,          /**< trap_lor (HCR_EL2.TLOR) */
	AV_TRAP_CTL_RAS,          /**< trap_ras (HCR_EL2.TERR) */
	AV_TRAP_CTL_EXT_ABORT,    /**< trap_ext_abort (HCR_EL2.TEA) */
	AV_TRAP_CTL_PAC_INSN,     /**< trap_pac_insn (HCR_EL2.API, trap when 0) */
	AV_TRAP_CTL_PAC_KEYS,     /**< trap_pac_keys (HCR_EL2.APK, trap when 0) */
	AV_TRAP_CTL_PMU,          /**< trap_pmu (MDCR_EL2.TPM) */
	AV_TRAP_CTL_PMCR,         /**< trap_pmcr (MDCR_EL2.TPMCR) */
	AV_TRAP_CTL_DEBUG,        /**< trap_debug (MDCR_EL2.TDA) */
	AV_TRAP_CTL_DEBUG_OS,     /**< trap_debug_os (MDCR_EL2.TDOSA) */
	AV_TRAP_CTL_DEBUG_ROM,    /**< trap_debug_rom (MDCR_EL2.TDRA) */
	AV_TRAP_CTL_DEBUG_ROUTE,  /**< route_debug (MDCR_EL2.TDE) */
	AV_TRAP_CTL_TRACE_FILTER, /**< trap_trace_filter (MDCR_EL2.TTRF) */
	AV_TRAP_CTL_SPE,          /**< trap_spe (MDCR_EL2.TPMS) */
	AV_TRAP_CTL_FP,           /**< trap_fp (CPTR_EL2.TFP / FPEN) */
	AV_TRAP_CTL_SVE,          /**< trap_sve (CPTR_EL2.TZ / ZEN) */
	AV_TRAP_CTL_SME,          /**< trap_sme (CPTR_EL2.TSM / SMEN) */
	AV_TRAP_CTL_TRACE,        /**< trap_trace (CPTR_EL2.TTA) */
	AV_TRAP_CTL_AMU,          /**< trap_amu (CPTR_EL2.TAM) */
	AV_TRAP_CTL_CPACR,        /**< trap_cpacr (CPTR_EL2.TCPAC) */
	AV_TRAP_CTL_HSTR,         /**< hstr: every valid HSTR_EL2 bit */
	AV_TRAP_CTL_COUNT         /**< number of ids (not a control) */
};

/**
 * Sensitivity classes, after Popek and Goldberg, for an instruction executed at EL1 by a
 * guest kernel while a hypervisor owns EL2.
 */
enum av_trap_class {
	/**
	 * Control-sensitive: changes the configuration of resources the hypervisor owns or
	 * shares between VMs (the physical CPU's run state, firmware, physical caches by
	 * set/way, the PMU, debug and trace hardware, error records). Must trap or be confined.
	 */
	AV_TRAP_CLASS_CONTROL = 1,
	/**
	 * Behaviour-sensitive by location: the result depends on the real machine it runs on
	 * (identification, cache geometry, physical counters, addresses of physical
	 * components). Must be virtualised (trapped and emulated, or given a per-VM value).
	 */
	AV_TRAP_CLASS_LOCATION,
	/**
	 * Behaviour-sensitive by mode: the result depends on the privilege level it runs at.
	 * A guest kernel runs at a real EL1, so none remain for it; they reappear only when a
	 * guest hypervisor runs at EL1 believing it is at EL2 (nested virtualisation).
	 */
	AV_TRAP_CLASS_MODE,
	/**
	 * Per-VM state the hypervisor switches lazily (FP/SIMD, SVE, SME, pointer-auth keys):
	 * innocuous once the state belongs to the running VM; trapped on first use so that
	 * the switch is paid only by VMs that use it.
	 */
	AV_TRAP_CLASS_LAZY_STATE,
	/**
	 * Innocuous but privileged: only EL1 may execute it, and it acts only on the VM's own
	 * EL1 state or memory (banked EL1 registers, stage-1 translation, VMID-tagged TLB,
	 * maintenance by VA through stage 2). Trappable for special purposes, never required.
	 */
	AV_TRAP_CLASS_INNOCUOUS,
};

/** How AArch64 with EL2 handles a row. */
enum av_trap_how {
	AV_TRAP_HOW_TRAP = 1,  /**< a control in HCR/CPTR/MDCR/HSTR_EL2 traps it (see bits) */
	AV_TRAP_HOW_ALWAYS,    /**< always taken to EL2 (e.g. HVC), no control needed */
	AV_TRAP_HOW_OTHER,     /**< trapped by a control outside this policy (see control) */
	AV_TRAP_HOW_HW_VIRT,   /**< virtualised in hardware by an EL2 register (see control) */
	AV_TRAP_HOW_CONFINED,  /**< confined by stage 2, VMID tagging or EL banking */
};

/** Polarity of a trap control. */
enum av_trap_polarity {
	AV_TRAP_WHEN_SET = 1, /**< every bit of the mask set traps (TWI, TID3, TFP ...) */
	AV_TRAP_WHEN_CLEAR,   /**< every bit of the mask clear traps (API, APK, FPEN, ZEN ...) */
};

/** Registers a trap control can live in. */
enum av_trap_reg {
	AV_TRAP_REG_NONE = 0, /**< no control in the four registers */
	AV_TRAP_REG_HCR,      /**< HCR_EL2 */
	AV_TRAP_REG_CPTR,     /**< CPTR_EL2 */
	AV_TRAP_REG_MDCR,     /**< MDCR_EL2 */
	AV_TRAP_REG_HSTR,     /**< HSTR_EL2 */
};

/** One control: register, bits, polarity. */
struct av_trap_bits {
	enum av_trap_reg reg;       /**< register, AV_TRAP_REG_NONE if none */
	uint64_t mask;              /**< the control's bits in @ref reg */
	enum av_trap_polarity pol;  /**< which value of the bits traps */
};

/** One row of the sensitive-instruction table. */
struct av_trap_row {
	const char *name;           /**< instruction or register group */
	enum av_trap_class cls;     /**< sensitivity class */
	enum av_trap_how how;       /**< how AArch64 with EL2 contains it */
	enum av_trap_ctl ctl;       /**< policy control trapping it, or AV_TRAP_CTL_NONE */
	struct av_trap_bits bits;   /**< the control with HCR_EL2.E2H = 0 */
	struct av_trap_bits bits_e2h; /**< the control with HCR_EL2.E2H = 1 (differs for CPTR) */
	uint32_t feature;           /**< AV_TRAP_FEAT_* the control needs, 0 if baseline */
	enum av_esr_ec ec;          /**< EC of the trap to EL2; AV_ESR_EC_UNKNOWN if none */
	const char *control;        /**< the mechanism in words, e.g. "HCR_EL2.TWI=1" */
	const char *note;           /**< why it is sensitive / what the hypervisor does */
};

/**
 * The sensitive-instruction table for AArch64 EL1 under EL2.
 * @param n  receives the number of rows (may be NULL)
 * @return the first row of a static array; never NULL
 */
const struct av_trap_row *av_trap_sensitive_table(size_t *n);

/**
 * The control of @p row in the CPTR_EL2 layout selected by @p e2h.
 * @param row the sensitive-instruction row
 * @param e2h true for the HCR_EL2.E2H = 1 layout
 * @return the control bits, or NULL when the row has none
 */
const struct av_trap_bits *av_trap_row_bits(const struct av_trap_row *row, bool e2h);

/**
 * True when @p t puts @p row's control fully in its trapping state (the E2H bit of
 * t->hcr_el2 selects the layout). False for rows without a control in the four registers.
 * @param row the sensitive-instruction row
 * @param t the EL2 trap register values
 * @return true when the row's control traps, false otherwise or without a control
 */
bool av_trap_row_trapped(const struct av_trap_row *row, const struct av_el2_traps *t);

/**
 * Ask for (or drop) the trap a control id stands for. For AV_TRAP_CTL_HSTR, true sets
 * every valid HSTR_EL2 bit and false clears them all.
 * @param p the policy
 * @param id the control
 * @param trap true to trap
 * @return 0, or -AV_EINVAL for a NULL policy, AV_TRAP_CTL_NONE or an unknown id
 */
int av_trap_policy_set(struct av_trap_policy *p, enum av_trap_ctl id, bool trap);

/**
 * Read back what a policy asks for a control id (for AV_TRAP_CTL_HSTR: any bit set).
 * @param p the policy
 * @param id the control
 * @return 1 (trap requested), 0 (not requested), or -AV_EINVAL as av_trap_policy_set()
 */
int av_trap_policy_get(const struct av_trap_policy *p, enum av_trap_ctl id);

/**
 * Short name of a control id ("TWI", "TID3", "FPEN/TFP" ...); "?" if unknown.
 * @param id the control
 * @return the name, a constant string
 */
const char *av_trap_ctl_name(enum av_trap_ctl id);

/**
 * Name of a sensitivity class ("control", "location", ...); "?" if unknown.
 * @param cls the class
 * @return the name, a constant string
 */
const char *av_trap_class_name(enum av_trap_class cls);

/**
 * Name of a handling kind ("trap", "always", ...); "?" if unknown.
 * @param how the handling kind
 * @return the name, a constant string
 */
const char *av_trap_how_name(enum av_trap_how how);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_TRAPS_H */
