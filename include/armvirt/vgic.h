/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/vgic.h
 * @brief Virtual GIC: GICv2 and GICv3 distributor/redistributor emulation, per-IRQ state,
 *        per-vCPU pending lists and list-register fill/sync through a backend.
 *
 * The vGIC has three layers:
 *  - the **core** (lib/vgic.c): per-IRQ state, per-vCPU lists ordered by priority, injection
 *    (level, edge, SGI) from any pCPU, list-register flush before entry and sync after exit;
 *  - **register-region tables** (lib/vgic_v3.c for GICD/GICR, lib/vgic_v2.c for the GICv2
 *    GICD): MMIO accesses the guest makes, checked against the architecture's access rules;
 *  - a **CPU-interface backend** (struct av_vgic_lr_ops): ICH_LR<n>_EL2 system registers, the
 *    GICv2 GICH_LR MMIO registers, or a fake in tests. The model (GICv2 or GICv3) is chosen at
 *    run time; both live in every build and the structures have one layout.
 *
 * Memory: struct av_vgic is allocated by the caller and holds bounded arrays: up to
 * #AV_VGIC_MAX_VCPUS vCPUs (8 for the GICv2 model, the architectural limit) and up to
 * #AV_VGIC_MAX_SPIS SPIs (INTIDs 32..1019). Nothing is allocated by the library.
 *
 * Security: the emulated GIC has a single Security state (GICD_CTLR.DS == 1 for GICv3, no
 * Security Extensions for GICv2). Group 0 and Group 1 both exist; GICD_IGRPMODR is RAZ/WI.
 * GICv3 is emulated with affinity routing always enabled (GICD_CTLR.ARE RAO/WI); there are
 * no LPIs or ITS.
 *
 * Locking: see the comment at the top of lib/vgic.c. All entry points are safe to call from
 * any pCPU concurrently; they take the distributor lock and/or one vCPU lock through
 * struct av_vgic_lock_ops (or built-in C11 atomic spinlocks when none is given).
 *
 * GICv2 CPU interface: the guest's GICC frame is not emulated. The hypervisor maps the
 * hardware's GICV frame (the virtual CPU interface, 8 KiB) in stage 2 at the guest's GICC
 * address, read/write and as Device-nGnRE, so the guest's GICC_IAR/EOIR/DIR accesses go
 * straight to the virtual CPU interface that the list registers feed. Only the GICH frame
 * (list registers, GICH_HCR, GICH_VMCR) is accessed by the hypervisor, through the GICv2 LR
 * backend. With GICv3, the guest uses ICC_* system registers, which the hardware redirects
 * to ICV_* when HCR_EL2.IMO/FMO are set; only ICC_SGI1R_EL1 (and ICC_SGI0R/ASGI1R) must be
 * trapped (ICH_HCR_EL2.TC) and handed to av_vgic_v3_sgi1r_write().
 */
#ifndef ARMVIRT_VGIC_H
#define ARMVIRT_VGIC_H

#include <armvirt/bits.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ---- */

/** Most vCPUs one vGIC serves (GICv2: 8, the width of ITARGETSR): #AV_MAX_VCPUS. */
#define AV_VGIC_MAX_VCPUS AV_MAX_VCPUS
/** Most vCPUs of a GICv2-model vGIC: #AV_MAX_VCPUS_GICV2. */
#define AV_VGIC_V2_MAX_VCPUS AV_MAX_VCPUS_GICV2
/** Most SPIs (INTIDs 32..1019). */
#define AV_VGIC_MAX_SPIS 988
/** Most list registers the core uses per vCPU (ICH_VTR_EL2.ListRegs allows 16). */
#define AV_VGIC_MAX_LRS 16
/** Private interrupts per vCPU: 16 SGIs + 16 PPIs. */
#define AV_VGIC_NR_PRIVATE 32
/** Number of SGIs (INTIDs 0..15). */
#define AV_VGIC_NR_SGIS 16
/** Total IRQ slots inside struct av_vgic. */
#define AV_VGIC_NR_IRQ_SLOTS (AV_VGIC_MAX_VCPUS * AV_VGIC_NR_PRIVATE + AV_VGIC_MAX_SPIS)
/** Priority bits the vGIC implements: the top 5 bits (32 levels), as GICH_LR holds. */
#define AV_VGIC_PRIO_MASK 0xf8u

/* ---- frame sizes and layout ---- */

/** GICv3 distributor frame size (64 KiB). */
#define AV_GICD_V3_SIZE 0x10000u
/** GICv3 redistributor: RD_base frame then SGI_base frame, 64 KiB each. */
#define AV_GICR_FRAME_SIZE 0x10000u
/** Stride between consecutive vCPUs' redistributors (no VLPI frames). */
#define AV_GICR_STRIDE 0x20000u
/** GICv2 distributor frame size (4 KiB). */
#define AV_GICD_V2_SIZE 0x1000u

/* ---- GICD register offsets (IHI 0069 table 12-25; GICv2: IHI 0048 table 4-1) ---- */
#define AV_GICD_CTLR       0x0000u /**< distributor control */
#define AV_GICD_TYPER      0x0004u /**< interrupt controller type */
#define AV_GICD_IIDR       0x0008u /**< implementer identification */
#define AV_GICD_TYPER2     0x000cu /**< type 2 (GICv3) */
#define AV_GICD_STATUSR    0x0010u /**< error reporting (GICv3, optional) */
#define AV_GICD_IGROUPR    0x0080u /**< interrupt group, 1 bit per IRQ */
#define AV_GICD_ISENABLER  0x0100u /**< set-enable, 1 bit per IRQ */
#define AV_GICD_ICENABLER  0x0180u /**< clear-enable, 1 bit per IRQ */
#define AV_GICD_ISPENDR    0x0200u /**< set-pending, 1 bit per IRQ */
#define AV_GICD_ICPENDR    0x0280u /**< clear-pending, 1 bit per IRQ */
#define AV_GICD_ISACTIVER  0x0300u /**< set-active, 1 bit per IRQ */
#define AV_GICD_ICACTIVER  0x0380u /**< clear-active, 1 bit per IRQ */
#define AV_GICD_IPRIORITYR 0x0400u /**< priority, 8 bits per IRQ */
#define AV_GICD_ITARGETSR  0x0800u /**< GICv2 CPU targets, 8 bits per IRQ */
#define AV_GICD_ICFGR      0x0c00u /**< configuration, 2 bits per IRQ */
#define AV_GICD_IGRPMODR   0x0d00u /**< group modifier (GICv3), 1 bit per IRQ */
#define AV_GICD_NSACR      0x0e00u /**< non-secure access control, 2 bits per IRQ */
#define AV_GICD_SGIR       0x0f00u /**< GICv2 software generated interrupt */
#define AV_GICD_CPENDSGIR  0x0f10u /**< GICv2 SGI clear-pending, 8 bits per SGI */
#define AV_GICD_SPENDSGIR  0x0f20u /**< GICv2 SGI set-pending, 8 bits per SGI */
#define AV_GICD_IROUTER    0x6000u /**< GICv3 routing, 64 bits per IRQ (SPIs from 0x6100) */
#define AV_GICD_V3_PIDR2   0xffe8u /**< GICv3 peripheral ID2 */
#define AV_GICD_V2_PIDR2   0x0fe8u /**< GICv2 peripheral ID2 */

/* GICD_CTLR (single Security state view: IHI 0069 "GICD_CTLR, When access is Secure, in a
 * system that supports one Security state"; GICv2 without Security Extensions). */
#define AV_GICD_CTLR_ENABLE_G0 AV_BIT(0)  /**< EnableGrp0 */
#define AV_GICD_CTLR_ENABLE_G1 AV_BIT(1)  /**< EnableGrp1 */
#define AV_GICD_CTLR_ARE       AV_BIT(4)  /**< affinity routing enable (GICv3) */
#define AV_GICD_CTLR_DS        AV_BIT(6)  /**< disable security (GICv3) */
#define AV_GICD_CTLR_E1NWF     AV_BIT(7)  /**< enable 1-of-N wakeup (GICv3) */
#define AV_GICD_CTLR_RWP       AV_BIT(31) /**< register write pending (GICv3) */

/* GICD_TYPER */
#define AV_GICD_TYPER_ITLINES  AV_GENMASK(4, 0)   /**< ITLinesNumber: 32*(N+1) INTIDs */
#define AV_GICD_TYPER_CPUNUM   AV_GENMASK(7, 5)   /**< CPUNumber: PEs - 1 (GICv2, GICv3 ARE=0) */
#define AV_GICD_TYPER_SECEXTN  AV_BIT(10)         /**< SecurityExtn */
#define AV_GICD_TYPER_LSPI     AV_GENMASK(15, 11) /**< lockable SPIs (GICv2) */
#define AV_GICD_TYPER_MBIS     AV_BIT(16)         /**< message-based SPIs (GICv3) */
#define AV_GICD_TYPER_LPIS     AV_BIT(17)         /**< LPIs supported (GICv3) */
#define AV_GICD_TYPER_IDBITS   AV_GENMASK(23, 19) /**< INTID bits - 1 (GICv3) */
#define AV_GICD_TYPER_A3V      AV_BIT(24)         /**< Aff3 supported (GICv3) */
#define AV_GICD_TYPER_NO1N     AV_BIT(25)         /**< 1-of-N not supported (GICv3) */
#define AV_GICD_TYPER_RSS      AV_BIT(26)         /**< range selector support (GICv3) */

/* GICD_IIDR / GICR_IIDR */
#define AV_GIC_IIDR_IMPLEMENTER AV_GENMASK(11, 0)  /**< JEP106 code of the implementer */
#define AV_GIC_IIDR_REVISION    AV_GENMASK(15, 12) /**< revision */
#define AV_GIC_IIDR_VARIANT     AV_GENMASK(19, 16) /**< variant */
#define AV_GIC_IIDR_PRODUCTID   AV_GENMASK(31, 24) /**< product identifier */
/** IIDR.Implementer value the vGIC reports (Arm's JEP106 code 0x43B). */
#define AV_VGIC_IIDR_IMPLEMENTER_ARM 0x43bu
/** IIDR.ProductID the vGIC reports (an armvirt value, not an Arm product). */
#define AV_VGIC_IIDR_PRODUCT 0x41u

/* PIDR2 */
#define AV_GIC_PIDR2_DES1    AV_GENMASK(2, 0) /**< JEP106 identity code bits [6:4] */
#define AV_GIC_PIDR2_JEDEC   AV_BIT(3)        /**< JEP106 code is used */
#define AV_GIC_PIDR2_ARCHREV AV_GENMASK(7, 4) /**< ArchRev: 2 = GICv2, 3 = GICv3 */

/* GICD_IROUTER<n> */
#define AV_GICD_IROUTER_AFF0 AV_GENMASK(7, 0)   /**< Aff0 */
#define AV_GICD_IROUTER_AFF1 AV_GENMASK(15, 8)  /**< Aff1 */
#define AV_GICD_IROUTER_AFF2 AV_GENMASK(23, 16) /**< Aff2 */
#define AV_GICD_IROUTER_IRM  AV_BIT(31)         /**< 1: any participating PE */
#define AV_GICD_IROUTER_AFF3 AV_GENMASK(39, 32) /**< Aff3 */

/* GICD_SGIR (GICv2) */
#define AV_GICD_SGIR_INTID  AV_GENMASK(3, 0)   /**< SGIINTID */
#define AV_GICD_SGIR_NSATT  AV_BIT(15)         /**< NSATT */
#define AV_GICD_SGIR_TARGETS AV_GENMASK(23, 16) /**< CPUTargetList */
#define AV_GICD_SGIR_FILTER AV_GENMASK(25, 24) /**< TargetListFilter */
#define AV_GICD_SGIR_FILTER_LIST 0u            /**< forward to CPUTargetList */
#define AV_GICD_SGIR_FILTER_OTHERS 1u          /**< all but the requester */
#define AV_GICD_SGIR_FILTER_SELF 2u            /**< the requester only */

/* ---- GICR (IHI 0069 table 12-27 RD_base, table 12-29 SGI_base) ---- */
#define AV_GICR_CTLR       0x0000u /**< redistributor control (RD_base) */
#define AV_GICR_IIDR       0x0004u /**< implementer identification (RD_base) */
#define AV_GICR_TYPER      0x0008u /**< redistributor type, 64-bit (RD_base) */
#define AV_GICR_STATUSR    0x0010u /**< error reporting (RD_base) */
#define AV_GICR_WAKER      0x0014u /**< power management (RD_base) */
#define AV_GICR_PROPBASER  0x0070u /**< LPI configuration table (RD_base) */
#define AV_GICR_PENDBASER  0x0078u /**< LPI pending table (RD_base) */
#define AV_GICR_PIDR2      0xffe8u /**< peripheral ID2 (RD_base) */
/** SGI_base registers are at AV_GICR_FRAME_SIZE + the GICD offset of the same name:
 * IGROUPR0, ISENABLER0, ICENABLER0, ISPENDR0, ICPENDR0, ISACTIVER0, ICACTIVER0,
 * IPRIORITYR0..7, ICFGR0..1, IGRPMODR0, NSACR. */
#define AV_GICR_SGI_BASE   AV_GICR_FRAME_SIZE

#define AV_GICR_CTLR_ENABLE_LPIS AV_BIT(0)        /**< EnableLPIs */
#define AV_GICR_CTLR_RWP         AV_BIT(3)        /**< register write pending */
#define AV_GICR_TYPER_PLPIS      AV_BIT(0)        /**< physical LPIs */
#define AV_GICR_TYPER_VLPIS      AV_BIT(1)        /**< virtual LPIs */
#define AV_GICR_TYPER_LAST       AV_BIT(4)        /**< last redistributor of the region */
#define AV_GICR_TYPER_PROCNUM    AV_GENMASK(23, 8) /**< Processor_Number */
#define AV_GICR_TYPER_AFF0       AV_GENMASK(39, 32) /**< Affinity_Value Aff0 */
#define AV_GICR_TYPER_AFF1       AV_GENMASK(47, 40) /**< Affinity_Value Aff1 */
#define AV_GICR_TYPER_AFF2       AV_GENMASK(55, 48) /**< Affinity_Value Aff2 */
#define AV_GICR_TYPER_AFF3       AV_GENMASK(63, 56) /**< Affinity_Value Aff3 */
#define AV_GICR_WAKER_PSLEEP     AV_BIT(1)        /**< ProcessorSleep */
#define AV_GICR_WAKER_CASLEEP    AV_BIT(2)        /**< ChildrenAsleep */

/* ---- MPIDR_EL1 affinity fields ---- */
#define AV_MPIDR_AFF0 AV_GENMASK(7, 0)   /**< Aff0 */
#define AV_MPIDR_AFF1 AV_GENMASK(15, 8)  /**< Aff1 */
#define AV_MPIDR_AFF2 AV_GENMASK(23, 16) /**< Aff2 */
#define AV_MPIDR_AFF3 AV_GENMASK(39, 32) /**< Aff3 */

/* ---- ICC_SGI1R_EL1 (IHI 0069 "ICC_SGI1R_EL1") ---- */
#define AV_ICC_SGI1R_TARGETS AV_GENMASK(15, 0)  /**< TargetList: Aff0 = RS*16 + bit */
#define AV_ICC_SGI1R_AFF1    AV_GENMASK(23, 16) /**< Aff1 */
#define AV_ICC_SGI1R_INTID   AV_GENMASK(27, 24) /**< INTID (SGI number) */
#define AV_ICC_SGI1R_AFF2    AV_GENMASK(39, 32) /**< Aff2 */
#define AV_ICC_SGI1R_IRM     AV_BIT(40)         /**< 1: all PEs but self */
#define AV_ICC_SGI1R_RS      AV_GENMASK(47, 44) /**< range selector */
#define AV_ICC_SGI1R_AFF3    AV_GENMASK(55, 48) /**< Aff3 */

/* ---- ICH_LR<n>_EL2 (IHI 0069 "ICH_LR<n>_EL2") ---- */
#define AV_ICH_LR_VINTID   AV_GENMASK(31, 0)  /**< virtual INTID */
#define AV_ICH_LR_PINTID   AV_GENMASK(44, 32) /**< physical INTID (HW == 1) */
#define AV_ICH_LR_EOI      AV_BIT(41)         /**< maintenance on EOI (HW == 0) */
#define AV_ICH_LR_PRIORITY AV_GENMASK(55, 48) /**< priority */
#define AV_ICH_LR_GROUP    AV_BIT(60)         /**< group 1 */
#define AV_ICH_LR_HW       AV_BIT(61)         /**< hardware interrupt */
#define AV_ICH_LR_STATE    AV_GENMASK(63, 62) /**< state (enum av_vgic_lr_state) */

/* ---- GICH_LR<n> (IHI 0048 "GICH_LRn", also IHI 0069 for GICv2 compatibility) ---- */
#define AV_GICH_LR_VIRTUALID AV_GENMASK(9, 0)   /**< virtual INTID */
#define AV_GICH_LR_PHYSID    AV_GENMASK(19, 10) /**< physical INTID (HW == 1) */
#define AV_GICH_LR_CPUID     AV_GENMASK(12, 10) /**< SGI source CPU (HW == 0) */
#define AV_GICH_LR_EOI       AV_BIT(19)         /**< maintenance on EOI (HW == 0) */
#define AV_GICH_LR_PRIORITY  AV_GENMASK(27, 23) /**< priority bits [7:3] */
#define AV_GICH_LR_STATE     AV_GENMASK(29, 28) /**< state (enum av_vgic_lr_state) */
#define AV_GICH_LR_GRP1      AV_BIT(30)         /**< group 1 */
#define AV_GICH_LR_HW        AV_BIT(31)         /**< hardware interrupt */
/** The priority bits a GICH_LR keeps (bits [7:3] of the 8-bit priority). */
#define AV_VGIC_PRIO_V2_BITS AV_GENMASK(7, 3)

/* ---- types ---- */

/** The GIC architecture the guest sees. */
enum av_vgic_model {
	AV_VGIC_V2 = 2, /**< GICv2: memory-mapped GICD + GICC (hardware GICV) */
	AV_VGIC_V3 = 3, /**< GICv3: GICD + one GICR per vCPU, ICC system registers */
};

/** List-register state field (same values in ICH_LR and GICH_LR). */
enum av_vgic_lr_state {
	AV_VGIC_LR_INVALID = 0,        /**< invalid / inactive */
	AV_VGIC_LR_PENDING = 1,        /**< pending */
	AV_VGIC_LR_ACTIVE = 2,         /**< active */
	AV_VGIC_LR_PENDING_ACTIVE = 3, /**< pending and active */
};

/** An abstract list-register value, encoded by each backend. */
struct av_vgic_lr {
	uint32_t vintid;             /**< virtual INTID */
	uint32_t pintid;             /**< physical INTID when @ref hw is set */
	uint8_t priority;            /**< 8-bit priority (GICv2 keeps bits [7:3]) */
	uint8_t source;              /**< GICv2 SGIs: source CPU number (0..7) */
	bool hw;                     /**< linked to a physical interrupt */
	bool group1;                 /**< group 1 (else group 0) */
	bool eoi_maint;              /**< request a maintenance interrupt on EOI (HW == 0) */
	enum av_vgic_lr_state state; /**< pending / active / both / invalid */
};

/**
 * Encode @p lr in the ICH_LR<n>_EL2 format.
 * @param lr the list-register fields
 * @return the ICH_LR<n>_EL2 value
 */
uint64_t av_vgic_lr_encode_v3(const struct av_vgic_lr *lr);
/**
 * Decode an ICH_LR<n>_EL2 value into @p lr.
 * @param val an ICH_LR<n>_EL2 value
 * @param lr receives the fields
 */
void av_vgic_lr_decode_v3(uint64_t val, struct av_vgic_lr *lr);
/**
 * Encode @p lr in the GICH_LR<n> format (priority bits [7:3], 10-bit INTIDs).
 * @param lr the list-register fields
 * @return the GICH_LR<n> value
 */
uint32_t av_vgic_lr_encode_v2(const struct av_vgic_lr *lr);
/**
 * Decode a GICH_LR<n> value into @p lr (priority low bits read as 0).
 * @param val a GICH_LR<n> value
 * @param lr receives the fields
 */
void av_vgic_lr_decode_v2(uint32_t val, struct av_vgic_lr *lr);

/** Maintenance requests passed to av_vgic_lr_ops::set_maint(). */
#define AV_VGIC_MAINT_UNDERFLOW AV_BIT(0) /**< ICH_HCR.UIE / GICH_HCR.UIE */
/** ICH_HCR.NPIE / GICH_HCR.NPIE. The core no longer asks for it: a GICv2 SGI source that
 *  waits behind a listed one uses the LR's EOI maintenance (av_vgic_lr::eoi_maint). */
#define AV_VGIC_MAINT_NOPENDING AV_BIT(1)

/**
 * The CPU-interface backend: list registers of the pCPU about to run (or that just ran)
 * vCPU @p vcpu. Called from av_vgic_flush() and av_vgic_sync() with the vCPU's lock held
 * (and the distributor lock when an SPI is on the vCPU's pending list; nr_lrs() is called
 * before the locks are taken); they must not call back into the vGIC.
 */
struct av_vgic_lr_ops {
	/** Number of implemented list registers (at most #AV_VGIC_MAX_LRS are used). */
	unsigned (*nr_lrs)(void *cookie, unsigned vcpu);
	/** Write list register @p idx. */
	void (*write_lr)(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr);
	/** Read back list register @p idx as the guest left it. */
	void (*read_lr)(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr);
	/** Set the maintenance-interrupt enables (a mask of AV_VGIC_MAINT_*; 0 clears). */
	void (*set_maint)(void *cookie, unsigned vcpu, unsigned flags);
};

/** Which lock av_vgic_lock_ops operates on: the distributor, or a vCPU's (0..n-1). */
#define AV_VGIC_LOCK_DIST 0xffffu

/** Platform lock primitive: @p which is #AV_VGIC_LOCK_DIST or a vCPU index. */
struct av_vgic_lock_ops {
	void (*lock)(void *cookie, unsigned which);   /**< acquire (spin or sleep) */
	void (*unlock)(void *cookie, unsigned which); /**< release */
};

/** Called, with no vGIC lock held, for each vCPU that has a newly deliverable interrupt. */
typedef void (*av_vgic_kick_fn)(void *cookie, unsigned vcpu);

/**
 * The current input level of a level-sensitive interrupt's device line (the "resample"
 * callback; see av_vgic_set_resample()): 1 when the line is high, 0 when it is low, a
 * negative value when the level cannot be known from the calling pCPU just now (the vGIC
 * then keeps the level it has). @p vcpu is the vCPU of a private interrupt (PPI) and 0 for
 * an SPI.
 *
 * Called with the interrupt's vGIC lock held (and maybe the distributor lock), from any
 * pCPU, only while the interrupt is neither active nor in a list register: it must not
 * call back into the vGIC. When it reports a HW-linked interrupt low, the vGIC drops the
 * pending state the line gave it; a host that left the physical interrupt active when it
 * injected it must deactivate it then (nothing else will), and the callback is the place.
 */
typedef int (*av_vgic_level_fn)(void *cookie, unsigned vcpu, uint32_t intid);

/** vGIC configuration for av_vgic_init(). */
struct av_vgic_config {
	enum av_vgic_model model;  /**< AV_VGIC_V2 or AV_VGIC_V3 */
	unsigned nr_vcpus;         /**< 1..#AV_VGIC_MAX_VCPUS (GICv2: ..8) */
	unsigned nr_spis;          /**< 0..#AV_VGIC_MAX_SPIS; TYPER rounds up to 32 */
	/** Per-vCPU MPIDR_EL1 (affinity); NULL: vCPU i has Aff0 = i, other fields 0. */
	const uint64_t *mpidr;
	const struct av_vgic_lr_ops *lr_ops;     /**< required */
	void *lr_cookie;                         /**< for @ref lr_ops */
	const struct av_vgic_lock_ops *lock_ops; /**< NULL: built-in atomic spinlocks */
	void *lock_cookie;                       /**< for @ref lock_ops */
	av_vgic_kick_fn kick;                    /**< optional */
	void *kick_cookie;                       /**< for @ref kick */
	/** Optional: the input-level callback of the interrupts av_vgic_set_resample() names. */
	av_vgic_level_fn line_level;
	void *line_level_cookie;                 /**< for @ref line_level */
};

/** One interrupt's state. Private: read it through av_vgic_get_irq(). */
struct av_vgic_irq {
	uint64_t irouter;  /**< GICv3 IROUTER value (SPIs) */
	uint16_t intid;    /**< INTID */
	uint16_t hw_intid; /**< physical INTID when AV_VGIC_IRQF_HW */
	uint16_t next;     /**< pending-list link (slot index) */
	uint16_t prev;     /**< pending-list link (slot index) */
	uint8_t flags;     /**< AV_VGIC_IRQF_* */
	uint8_t priority;  /**< IPRIORITYR byte */
	uint8_t targets;   /**< GICv2 ITARGETSR byte (SPIs) */
	uint8_t owner;     /**< vCPU whose list holds it, or 0xff */
	uint8_t sgi_src;   /**< GICv2 SGIs: pending sources (one bit per CPU) */
	uint8_t lr;        /**< list register index while in an LR, or 0xff */
	uint8_t lr_src;    /**< GICv2 SGIs: source in the LR */
	/** vCPU the routing sends it to, or 0xff: the bank for a private IRQ; for an SPI, from
	 *  ITARGETSR (GICv2) or IROUTER and the vCPUs' affinity and GICR_WAKER (GICv3), kept
	 *  up to date whenever one of those changes. */
	uint8_t target;
};

/** Per-IRQ flags (struct av_vgic_irq::flags). */
#define AV_VGIC_IRQF_ENABLED AV_BIT(0) /**< enabled (ISENABLER) */
#define AV_VGIC_IRQF_LATCH   AV_BIT(1) /**< pending latch (edge, ISPENDR, SGI) */
#define AV_VGIC_IRQF_LINE    AV_BIT(2) /**< level input line high */
#define AV_VGIC_IRQF_ACTIVE  AV_BIT(3) /**< active */
#define AV_VGIC_IRQF_GROUP1  AV_BIT(4) /**< group 1 (IGROUPR) */
#define AV_VGIC_IRQF_EDGE    AV_BIT(5) /**< edge-triggered (ICFGR) */
#define AV_VGIC_IRQF_HW      AV_BIT(6) /**< linked to a physical INTID */
#define AV_VGIC_IRQF_RESAMPLE AV_BIT(7) /**< line level resampled (av_vgic_set_resample()) */

/** av_vgic_vcpu::head of an empty list (no IRQ slot). */
#define AV_VGIC_NO_SLOT 0xffffu

/** Per-vCPU state. Private. */
struct av_vgic_vcpu {
	uint64_t mpidr;                   /**< affinity */
	uint16_t head;                    /**< first slot of the pending list */
	uint16_t nr_spis;                 /**< SPIs on the pending list */
	uint8_t lr_used;                  /**< LRs written by the last flush (to clear) */
	uint8_t lr_live;                  /**< LRs not yet folded back by a sync */
	uint8_t asleep;                   /**< GICR_WAKER.ProcessorSleep */
	av_atomic_flag lock;              /**< built-in lock */
	uint16_t lr_slot[AV_VGIC_MAX_LRS]; /**< slot held by each written LR */
};

/** Entries of av_vgic::dist_id: the distributor's constant 32-bit registers. */
#define AV_VGIC_DIST_NR_ID 3

/** A virtual GIC. Caller-allocated; initialise with av_vgic_init(). Fields are private. */
struct av_vgic {
	enum av_vgic_model model;                 /**< GICv2 or GICv3 */
	unsigned nr_vcpus;                        /**< vCPUs it serves */
	unsigned nr_spis;                         /**< SPIs it implements */
	uint32_t ctlr; /**< GICD_CTLR enables */
	const struct av_vgic_lr_ops *lr_ops;      /**< list-register backend */
	void *lr_cookie;                          /**< passed to @ref lr_ops */
	const struct av_vgic_lock_ops *lock_ops;  /**< per-vCPU locks, NULL for none */
	void *lock_cookie;                        /**< passed to @ref lock_ops */
	av_vgic_kick_fn kick;                     /**< kicks a vCPU that has work */
	void *kick_cookie;                        /**< passed to @ref kick */
	av_vgic_level_fn line_level;              /**< input level of resampled lines */
	void *line_level_cookie;                  /**< passed to @ref line_level */
	av_atomic_flag dist_lock;                    /**< distributor state lock */
	/** The distributor's 32-bit ID registers (GICD_TYPER, GICD_IIDR, GICD_PIDR2), offset
	 *  and value, fixed by av_vgic_init(); unused entries hold offset UINT32_MAX. For
	 *  av_vgic_dist_read_id(). */
	struct {
		uint32_t off;
		uint32_t val;
	} dist_id[AV_VGIC_DIST_NR_ID];
	struct av_vgic_vcpu vcpu[AV_VGIC_MAX_VCPUS];  /**< per-vCPU state */
	struct av_vgic_irq irq[AV_VGIC_NR_IRQ_SLOTS]; /**< per-interrupt state */
};

/** A snapshot of one IRQ (av_vgic_get_irq()). */
struct av_vgic_irq_state {
	uint32_t intid;      /**< INTID */
	uint32_t hw_intid;   /**< physical INTID if @ref hw */
	uint64_t irouter;    /**< GICv3 routing (SPIs) */
	uint8_t priority;    /**< priority */
	uint8_t targets;     /**< GICv2 targets (SPIs), or the vCPU's bit for private IRQs */
	uint8_t sgi_sources; /**< GICv2 SGI pending sources */
	bool enabled;        /**< enabled */
	bool pending;        /**< pending (latch or line, or GICv2 SGI sources) */
	bool line;           /**< level line */
	bool active;         /**< active */
	bool group1;         /**< group 1 */
	bool edge;           /**< edge-triggered */
	bool hw;             /**< HW-linked */
	bool in_lr;          /**< currently in a list register */
	int owner;           /**< vCPU whose pending list holds it, or -1 */
};

/* ---- core ---- */

/**
 * Initialise @p vgic to the architectural reset state.
 *
 * Reset: GICD_CTLR = 0 (groups disabled); every IRQ disabled, inactive, not pending, group 0,
 * priority 0; SGIs edge, PPIs and SPIs level; SPIs target no CPU (GICv2) / IROUTER = 0
 * (GICv3, the vCPU with affinity 0.0.0.0); redistributors asleep (ProcessorSleep = 1).
 *
 * @param vgic the vGIC
 * @param cfg model, vCPU count, SPIs and callbacks; read during the call only
 * @param err  optional: on failure, the field of @p cfg that is wrong and why (see
 *             struct av_error); cleared on success
 * @return 0, or -AV_EINVAL (bad model, counts, missing LR or lock ops, duplicate MPIDRs).
 */
int av_vgic_init(struct av_vgic *vgic, const struct av_vgic_config *cfg, struct av_error *err);

/**
 * Drive a level-sensitive interrupt's input line (or, for an edge IRQ, a rising edge when
 * @p level is true). @p vcpu selects the banked PPI/SGI (ignored for SPIs).
 *
 * @param kicked  optional: OR-ed with a bit per vCPU that must be kicked
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @param intid interrupt ID
 * @param level the new line level
 * @return 0, -AV_EINVAL (bad INTID or vCPU; SGIs go through av_vgic_send_sgi())
 */
int av_vgic_set_level(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, bool level,
		      uint64_t *kicked);

/**
 * Raise the line of private interrupt @p intid (a PPI, 16..31) of vCPU @p vcpu, which is
 * running on the calling pCPU between an exit and its next entry, and list it in a list
 * register at once: the forwarding of a HW-linked PPI (the virtual timer's, taken at EL2)
 * without av_vgic_sync() and av_vgic_flush().
 *
 * Call it with the list registers as the last av_vgic_flush() of @p vcpu left them (the run
 * loop re-enters with them as they are), or folded back by av_vgic_sync(). The interrupt is
 * placed when it can fire and becomes pending, and either sits in an LR the guest has
 * emptied since the flush (it takes it again) or is on no list while an LR above those the
 * flush wrote is free: what a full flush would list too, since nothing waits behind it.
 * Otherwise the LRs are folded back (as av_vgic_sync() does) and the line is raised as with
 * av_vgic_set_level(): the vCPU is kicked if the interrupt became deliverable, and the next
 * av_vgic_flush() lists it.
 *
 * @param vgic the vGIC
 * @param vcpu the running vCPU whose list registers are loaded on this pCPU
 * @param intid a PPI (16..31)
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 *        (only when it was not placed)
 * @return 1 when placed in an LR (the LRs stay live: enter without a flush), 0 when only
 *         raised (LRs folded back: flush before the entry), -AV_EINVAL for a bad vCPU or
 *         an INTID that is not a PPI
 */
int av_vgic_raise_listed(struct av_vgic *vgic, unsigned vcpu, uint32_t intid,
			 uint64_t *kicked);

/**
 * List what became deliverable to vCPU @p vcpu since its last av_vgic_flush() without folding
 * its list registers back: an incremental flush, for a vCPU running on the calling pCPU that
 * was kicked (an SGI, SPI or PPI sent from another pCPU) while its LRs are live.
 *
 * Call it between an exit and the next entry, with the list registers as the last
 * av_vgic_flush() (or av_vgic_raise_listed(), or an earlier call of this function) of
 * @p vcpu left them. An interrupt on no LR that is deliverable (or active) takes a free LR
 * above those; one the guest has emptied the LR of since, pending again (an SGI sent
 * again), takes that LR again; a new edge of one still pending in its LR merges into it.
 * The other LRs are left as they are, neither read nor written. When the result would
 * differ from av_vgic_sync() followed by av_vgic_flush() — no free LR, an interrupt in an
 * LR disabled or routed elsewhere since, a pending part to add to an active LR, a GICv2
 * SGI's next source, a HW-linked interrupt the guest deactivated, a level line to resample
 * — nothing is changed and 0 is returned: the caller syncs and flushes as after any exit.
 * A priority or group change of an interrupt already in an LR shows at the next full flush.
 * The maintenance requests of the last flush stay as they were.
 *
 * @param vgic the vGIC
 * @param vcpu the running vCPU whose list registers are loaded on this pCPU
 * @return 1 when the LRs show the new interrupts (enter without a flush), 0 when nothing
 *         was changed (sync and flush before the entry), -AV_EINVAL for a bad vCPU
 */
int av_vgic_flush_new(struct av_vgic *vgic, unsigned vcpu);

/**
 * Pulse an edge: latch the interrupt pending (works for level IRQs as a software pend).
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @param intid interrupt ID
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vgic_pulse(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, uint64_t *kicked);

/**
 * Make SGI @p sgi pending on every vCPU of @p targets (bit i = vCPU i) from @p src.
 * @param vgic the vGIC
 * @param src the sending vCPU
 * @param targets bit n set: send to vCPU n
 * @param sgi SGI number (0..15)
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0, -AV_EINVAL
 */
int av_vgic_send_sgi(struct av_vgic *vgic, unsigned src, uint64_t targets, unsigned sgi,
		     uint64_t *kicked);

/**
 * Emulate a trapped ICC_SGI1R_EL1 write from vCPU @p src: IRM=1 sends to all vCPUs but
 * @p src; otherwise to the vCPUs with affinity Aff3.Aff2.Aff1.(RS*16+n) for each TargetList
 * bit n. Targets that match no vCPU are ignored, as the architecture allows.
 * @param vgic the vGIC
 * @param src the sending vCPU
 * @param val the value written to ICC_SGI1R_EL1
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vgic_v3_sgi1r_write(struct av_vgic *vgic, unsigned src, uint64_t val, uint64_t *kicked);

/**
 * Link (virtual) @p intid to physical INTID @p hw_intid: the LR gets HW=1, so the guest's
 * deactivation deactivates the physical interrupt. @p vcpu selects the banked PPI.
 * @p hw_intid 0 unlinks.
 *
 * The host leaves the physical interrupt active when it injects it (with
 * av_vgic_set_level(), or av_vgic_pulse()). While the virtual interrupt is active, the
 * physical distributor owns its state: the vGIC does not treat the line (or a latch) as
 * pending, holds nothing back behind the active LR and arms no maintenance interrupt for
 * it. Once the guest deactivates it, the vGIC forgets the line level and latch: a line
 * still high is signalled again by the physical GIC and the host's handler injects it again.
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @param intid interrupt ID
 * @param hw_intid the physical INTID, 0 to unlink
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vgic_map_hw(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, uint32_t hw_intid);

/**
 * Resample the input line of level-sensitive interrupt @p intid (a PPI of @p vcpu, or an
 * SPI) from the configuration's line_level callback (@p on true), or stop doing so.
 *
 * A level-sensitive interrupt linked to a device line (typically HW-linked, such as a
 * virtual timer whose PPI the host injects with av_vgic_set_level() when the physical one
 * fires) is pending while that line is high. The line can fall without the host seeing it
 * (the guest disables or masks the timer in its own registers), so the vGIC asks the
 * callback for the current level, and sets its view of the line from the answer, whenever
 * the level matters and the interrupt is neither active nor in a list register:
 *  - when the guest reads its pending state (GICD/GICR ISPENDR and ICPENDR reads);
 *  - when the guest enables it (ISENABLER);
 *  - before av_vgic_flush() puts it into a list register (a low line takes it off the
 *    vCPU's list instead).
 * A software pend (ISPENDR write) is kept: it is not the line. Edge-triggered interrupts
 * are not resampled.
 *
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @param intid interrupt ID
 * @param on true to resample, false to stop
 * @return 0, -AV_EINVAL (bad INTID or vCPU, an SGI, or @p on without a line_level callback)
 */
int av_vgic_set_resample(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, bool on);

/**
 * Fill the list registers of vCPU @p vcpu before entering it: active interrupts first, then
 * pending, enabled interrupts of an enabled group, in priority order. When some must wait,
 * the underflow maintenance interrupt is armed so they follow after the guest retires some.
 * A GICv2 SGI pending from another source (or again from the same one) while one source's
 * is listed waits for the guest's deactivation of the listed one: that LR asks for the EOI
 * maintenance interrupt (eoi_maint), and the next flush lists the next source.
 *
 * Flush and av_vgic_sync() come in pairs around each entry, but a second flush without a
 * sync in between is allowed (a run loop that abandons an entry and retries it): it first
 * folds back the list registers the previous flush wrote, exactly as av_vgic_sync() would,
 * and then fills them again. No interrupt is lost, none is listed twice, and
 * av_vgic_save() works after the sync that follows.
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vgic_flush(struct av_vgic *vgic, unsigned vcpu);

/**
 * Fold the list registers of @p vcpu back into the IRQ state after an exit.
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vgic_sync(struct av_vgic *vgic, unsigned vcpu);

/**
 * True when av_vgic_flush() of @p vcpu would have nothing to do: nothing on its list (no
 * interrupt pending, active or waiting for it) and no list register written by the last
 * flush, so nothing to place and nothing to clear. A look without a lock, as the flush's own
 * first one: an interrupt listed just after it kicks the vCPU, as after a flush. A host can
 * skip the flush then (armvirt-bm does at a switch-in and after exits that listed nothing),
 * provided it has no maintenance interrupt of its own left asked for. Inline, for the run
 * loop; no argument checks (@p vgic initialised, @p vcpu one of its vCPUs).
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @return true when there is nothing to flush
 */
static inline bool av_vgic_flush_idle(const struct av_vgic *vgic, unsigned vcpu)
{
	const struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];

	return __atomic_load_n(&vc->head, __ATOMIC_RELAXED) == AV_VGIC_NO_SLOT && vc->lr_used == 0;
}

/**
 * True when @p vcpu has a pending, enabled interrupt it could take (wake from WFI).
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @return true when an interrupt could wake the vCPU, else false
 */
bool av_vgic_has_pending(struct av_vgic *vgic, unsigned vcpu);

/**
 * Read one IRQ's state (for @p vcpu's banked private IRQs). @return 0, -AV_EINVAL
 * @param vgic the vGIC
 * @param vcpu vCPU index (for the banked SGIs and PPIs)
 * @param intid interrupt ID
 * @param out receives the interrupt state
 */
int av_vgic_get_irq(struct av_vgic *vgic, unsigned vcpu, uint32_t intid,
		    struct av_vgic_irq_state *out);

/**
 * Check @p vgic's internal invariants: for tests, fuzzers and debug builds of a host that
 * suspects corruption. Read-only and lock-free: call it only while nothing else uses the
 * vGIC (every vCPU stopped, no injection in flight). It holds after av_vgic_init() and
 * after every entry point of this header returns (with or without list registers live).
 *
 * What it checks:
 *  - configuration: the model is GICv2 or GICv3, the vCPU count within the model's limit,
 *    the SPI count within #AV_VGIC_MAX_SPIS, GICD_CTLR holds only the group enables;
 *  - each interrupt: its slot's INTID, a priority within #AV_VGIC_PRIO_MASK, HW links as
 *    av_vgic_map_hw() makes them (no SGI, physical INTID 16..1019, none without the flag),
 *    SGIs edge-triggered without a line, GICv2 SGI sources within the vCPUs (GICv3: none),
 *    targets within the vCPUs (GICv2 SPIs) or IROUTER's defined bits (GICv3 SPIs), none
 *    for private interrupts, the cached target vCPU agreeing with the routing (GICv3
 *    IRM = 1 SPIs follow a GICR_WAKER change only at their next state change);
 *  - pending/active/LR consistency: an interrupt that is pending, active or in a list
 *    register is on exactly one vCPU's pending list (its own for SGIs and PPIs) unless it
 *    has no target; an idle one is on none; one in a list register is on that vCPU's list
 *    and is the interrupt the vCPU's live list-register record names, so each interrupt is
 *    in at most one LR and each live LR holds one interrupt;
 *  - each vCPU: its list linked both ways without loops, in priority order, its SPI count
 *    equal to the SPIs it holds, live LRs either none or all those the last flush wrote
 *    (at most #AV_VGIC_MAX_LRS); the GICv3 redistributor state (ProcessorSleep a single
 *    bit, MPIDR affinity-only and distinct between vCPUs);
 *  - the count of interrupts naming an owner equals the count the lists hold.
 *
 * @param vgic the vGIC
 * @param err  optional: on failure, the field and a one-line reason (see struct av_error);
 *             cleared when every invariant holds
 * @return 0 when every invariant holds, -AV_EIO at the first that does not, -AV_EINVAL for
 *         a NULL @p vgic
 */
int av_vgic_check(const struct av_vgic *vgic, struct av_error *err);

/* ---- MMIO ---- */

/* The access functions return an enum av_access_result (armvirt/types.h), non-negative:
 * AV_ACCESS_HANDLED (for a read, *val holds the value) or AV_ACCESS_INJECT (inject a
 * synchronous external data abort); negative values are AV_E* caller errors. */
#ifndef AV_NO_DEPRECATED
#define AV_VGIC_ACCESS_OK AV_ACCESS_HANDLED     /**< deprecated: AV_ACCESS_HANDLED */
#define AV_VGIC_ACCESS_ABORT AV_ACCESS_INJECT   /**< deprecated: AV_ACCESS_INJECT */
#endif

/**
 * A guest access to the GICv3 distributor frame.
 * @param offset   from the frame base (< #AV_GICD_V3_SIZE)
 * @param size     1, 2, 4 or 8 bytes
 * @param val      in: value to write; out: value read (zero-extended)
 * @param vgic the vGIC
 * @param is_write true for a store, false for a load
 * @return AV_ACCESS_HANDLED, AV_ACCESS_INJECT, or -AV_EINVAL (model is not GICv3)
 */
int av_vgic_v3_dist_access(struct av_vgic *vgic, uint64_t offset, unsigned size, bool is_write,
			   uint64_t *val);

/**
 * A guest access to vCPU @p vcpu's redistributor (@p offset within its RD_base + SGI_base
 * pair, < #AV_GICR_STRIDE).
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @param offset byte offset of the access within the frame
 * @param size access size in bytes
 * @param is_write true for a store, false for a load
 * @param val the register value
 * @return AV_ACCESS_HANDLED, AV_ACCESS_INJECT, or -AV_EINVAL for bad arguments
 */
int av_vgic_v3_redist_access(struct av_vgic *vgic, unsigned vcpu, uint64_t offset,
			     unsigned size, bool is_write, uint64_t *val);

/**
 * A guest access to a contiguous redistributor region holding every vCPU's frames in index
 * order (#AV_GICR_STRIDE apart). Offsets past the last vCPU are RAZ/WI.
 * @param vgic the vGIC
 * @param offset byte offset of the access within the frame
 * @param size access size in bytes
 * @param is_write true for a store, false for a load
 * @param val the register value
 * @return AV_ACCESS_HANDLED, AV_ACCESS_INJECT, or -AV_EINVAL for bad arguments
 */
int av_vgic_v3_redist_region_access(struct av_vgic *vgic, uint64_t offset, unsigned size,
				    bool is_write, uint64_t *val);

/**
 * A guest access by vCPU @p vcpu to the GICv2 distributor frame (banked registers for
 * INTIDs 0..31 are @p vcpu's).
 * @param vgic the vGIC
 * @param vcpu vCPU index
 * @param offset byte offset of the access within the frame
 * @param size access size in bytes
 * @param is_write true for a store, false for a load
 * @param val the register value
 * @return AV_ACCESS_HANDLED, AV_ACCESS_INJECT, or -AV_EINVAL for bad arguments
 */
int av_vgic_v2_dist_access(struct av_vgic *vgic, unsigned vcpu, uint64_t offset, unsigned size,
			   bool is_write, uint64_t *val);

/**
 * The direct path for the distributor's ID registers (GICD_TYPER, GICD_IIDR, GICD_PIDR2 of
 * either model): if @p offset and @p size are a whole 32-bit read of one, store its value
 * (the one av_vgic_v3_dist_access() / av_vgic_v2_dist_access() return; constant once
 * av_vgic_init() returned) in @p val and return true, without the register table, the
 * lock or a vCPU index. Otherwise return false and change nothing: use the full access.
 * For a distributor read handler to try first; no argument checks (@p vgic initialised).
 * @param vgic the vGIC
 * @param offset byte offset of the access within the frame
 * @param size access size in bytes
 * @param val receives the register value
 * @return true when the read was served (@p val written), false to take the full path
 */
static inline bool av_vgic_dist_read_id(const struct av_vgic *vgic, uint64_t offset,
					unsigned size, uint64_t *val)
{
	if (size != 4)
		return false;
	for (unsigned i = 0; i < AV_VGIC_DIST_NR_ID; i++) {
		if (offset == vgic->dist_id[i].off) {
			*val = vgic->dist_id[i].val;
			return true;
		}
	}
	return false;
}

/* ---- save / restore ---- */

/** Snapshot magic ("AVGI"). */
#define AV_VGIC_SNAP_MAGIC 0x49475641u
/** Snapshot layout version (2: #AV_VGIC_MAX_VCPUS became 64). */
#define AV_VGIC_SNAP_VERSION 2u

/** One IRQ in a snapshot. */
struct av_vgic_snap_irq {
	uint64_t irouter;  /**< GICv3 IROUTER */
	uint16_t intid;    /**< INTID */
	uint16_t hw_intid; /**< physical INTID (flags & AV_VGIC_IRQF_HW) */
	uint8_t flags;     /**< AV_VGIC_IRQF_* (RESAMPLE as saved; av_vgic_restore() ignores it) */
	uint8_t priority;  /**< priority */
	uint8_t targets;   /**< GICv2 targets */
	uint8_t sgi_src;   /**< GICv2 SGI pending sources */
};

/** One vCPU in a snapshot. */
struct av_vgic_snap_vcpu {
	uint64_t mpidr;  /**< affinity */
	uint32_t asleep; /**< GICR_WAKER.ProcessorSleep */
	uint32_t pad;    /**< zero */
};

/**
 * A vGIC's complete guest-visible state in fixed-width fields. Slot layout: private IRQs of
 * vCPU v at [v * 32 + intid], SPIs at [AV_VGIC_MAX_VCPUS * 32 + intid - 32]; unused slots zero.
 */
struct av_vgic_snapshot {
	uint32_t magic;    /**< #AV_VGIC_SNAP_MAGIC */
	uint32_t version;  /**< #AV_VGIC_SNAP_VERSION */
	uint32_t model;    /**< enum av_vgic_model */
	uint32_t nr_vcpus; /**< vCPUs */
	uint32_t nr_spis;  /**< SPIs */
	uint32_t ctlr;     /**< GICD_CTLR */
	struct av_vgic_snap_vcpu vcpu[AV_VGIC_MAX_VCPUS]; /**< per vCPU */
	struct av_vgic_snap_irq irq[AV_VGIC_NR_IRQ_SLOTS]; /**< per IRQ */
};

/**
 * Save @p vgic into @p snap. Every vCPU must be stopped and synced (no IRQ in an LR).
 * @param vgic the vGIC
 * @param snap receives the state
 * @return 0, -AV_EBUSY (an IRQ is still in a list register)
 */
int av_vgic_save(struct av_vgic *vgic, struct av_vgic_snapshot *snap);

/**
 * Restore a snapshot into @p vgic, which must have been initialised with the same model and
 * counts (its ops are kept). Pending lists are rebuilt. #AV_VGIC_IRQF_RESAMPLE is host wiring
 * (the line_level callback, av_vgic_set_resample()), not guest state: each IRQ keeps the
 * destination's own bit, whatever the snapshot says, so restoring into a vGIC without a
 * line_level callback never resamples. All eight flag bits are
 * defined.
 *
 * The snapshot is checked as strictly as the calls that build the same state, and a refused
 * one leaves @p vgic unchanged: GICD_CTLR with only the group enables; each vCPU's MPIDR with
 * affinity bits only and distinct, ProcessorSleep 0 or 1, pad 0; each IRQ in its own slot
 * (its INTID), its priority within #AV_VGIC_PRIO_MASK; HW links as av_vgic_map_hw() accepts
 * them (no SGI, a physical INTID 16..1019, none without the HW flag); SGIs edge-triggered
 * without a line (GICv2: pending per source, for existing vCPUs only; GICv3: no sources);
 * no SGI sources on other IRQs; no routing on private IRQs; GICv2 SPI targets among the
 * vCPUs; GICv3 IROUTER without RES0 bits; and the slots and vCPU entries past the
 * configured counts all zero.
 * @param vgic the vGIC
 * @param snap the state to restore
 * @return 0, -AV_EINVAL (bad magic, version, mismatched configuration, or state the calls
 *         above could not have built)
 */
int av_vgic_restore(struct av_vgic *vgic, const struct av_vgic_snapshot *snap);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VGIC_H */
