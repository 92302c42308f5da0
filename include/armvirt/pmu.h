/* SPDX-License-Identifier: MIT */
/**
 * @file
 * @brief A guest's PMUv3 on the hardware's counters, every access trapped.
 *
 * The hypervisor traps the guest's PMU registers (MDCR_EL2.TPM and TPMCR) and answers each
 * access on the physical PMU through a small ops table, so that it can:
 * - show PMCR_EL0.N = the guest's share of event counters (`nr_counters`, the value given
 *   to MDCR_EL2.HPMN) and refuse the others;
 * - keep EL2 out of every count: PMEVTYPER<n>_EL0.NSH and PMCCFILTR_EL0.NSH are forced to 0;
 *   M (EL3 filtering) and MT (other threads, with MDCR_EL2.MTPME never set) are RES0 for the
 *   guest, which has no EL3 and sees ID_AA64DFR0_EL1.MTPMU = 0b1111, and never reach the
 *   hardware;
 * - keep the overflow flags in software (the hardware's are moved here and cleared, so the
 *   physical PMU interrupt drops as soon as it has been looked at) and drive the guest's
 *   interrupt line from PMCR_EL0.E, PMOVSSET and PMINTENSET through `set_irq`;
 * - emulate the CHAIN event (0x1E) when the hardware does not count it: an overflow of an
 *   even counter increments the odd counter above it (the even counter's hardware interrupt
 *   is enabled for that, whatever the guest asked);
 * - switch the state with the vCPU only once the guest has used the PMU (av_pmu_put() /
 *   av_pmu_load(), cheap no-ops before).
 *
 * doc/debug-pmu.md ("PMU") has the policy of the bare-metal example.
 */
#ifndef ARMVIRT_PMU_H
#define ARMVIRT_PMU_H

#include <stdbool.h>
#include <stdint.h>

#include <armvirt/sysreg.h>

/* PMCR_EL0 fields (Arm ARM D23.x "PMCR_EL0"). */
#define AV_PMCR_E  AV_BIT(0)           /**< enable */
#define AV_PMCR_P  AV_BIT(1)           /**< event counter reset (write-only) */
#define AV_PMCR_C  AV_BIT(2)           /**< cycle counter reset (write-only) */
#define AV_PMCR_LC AV_BIT(6)           /**< cycle counter overflows at 64 bits */
#define AV_PMCR_LP AV_BIT(7)           /**< event counters overflow at 64 bits (PMUv3p5) */
#define AV_PMCR_N  AV_GENMASK(15, 11)  /**< number of event counters */
/** PMCR_EL0 bits a guest may write: E, P, C, D, X, DP, LC, LP. */
#define AV_PMCR_WRITABLE AV_GENMASK(7, 0)

/* PMEVTYPER<n>_EL0 / PMCCFILTR_EL0 fields. */
#define AV_PMEVTYPER_NSH   AV_BIT(27)          /**< count at EL2 */
#define AV_PMEVTYPER_M     AV_BIT(26)          /**< EL3 filtering (RES0 without EL3) */
#define AV_PMEVTYPER_MT    AV_BIT(25)          /**< count for other threads (FEAT_MTPMU) */
#define AV_PMEVTYPER_EVT   AV_GENMASK(15, 0)   /**< event number */

/* Common event numbers used here. */
#define AV_PMU_EV_SW_INCR 0x00u /**< SW_INCR: counts writes to PMSWINC_EL0 */
#define AV_PMU_EV_CHAIN   0x1Eu /**< CHAIN: the odd counter counts the even one's overflows */

/** The cycle counter's bit in PMCNTENSET/PMOVSSET/PMINTENSET. */
#define AV_PMU_CYCLE_BIT AV_BIT(31)
/** Event counters of PMUv3 at most. */
#define AV_PMU_MAX_COUNTERS 31

/** The physical PMU, as the host reaches it (EL2: lib/arch/aarch64/pmu_sr.c). */
struct av_pmu_hw_ops {
	/** Read the PMU register @p key (an AV_SYS_PM* key, PMEVCNTR/PMEVTYPER by index). */
	uint64_t (*read)(void *cookie, uint32_t key);
	/** Write the PMU register @p key. */
	void (*write)(void *cookie, uint32_t key, uint64_t val);
	/** The guest's overflow interrupt line changed to @p level (e.g. av_vgic_set_level()
	 *  on the PMU PPI of the vCPU). May be NULL. */
	void (*set_irq)(void *cookie, bool level);
};

/** The PMU state of one vCPU that lives in the hardware while it is loaded. */
struct av_pmu_regs {
	uint64_t pmcr;                              /**< E, D, X, DP, LC, LP */
	uint64_t cnten;                             /**< PMCNTENSET */
	uint64_t selr;                              /**< PMSELR */
	uint64_t userenr;                           /**< PMUSERENR */
	uint64_t ccfiltr;                           /**< PMCCFILTR (NSH = 0) */
	uint64_t ccntr;                             /**< PMCCNTR */
	uint64_t evcntr[AV_PMU_MAX_COUNTERS];       /**< PMEVCNTR<n> */
	uint64_t evtyper[AV_PMU_MAX_COUNTERS];      /**< PMEVTYPER<n> (NSH = 0) */
};

/** One vCPU's PMU. Caller-allocated; fill with av_pmu_init(). */
struct av_pmu {
	const struct av_pmu_hw_ops *ops; /**< the physical PMU's accessors */
	void *cookie;            /**< passed unchanged to @ref ops */
	unsigned nr_counters;    /**< event counters the guest has (PMCR_EL0.N it reads) */
	bool hw_chain;           /**< the hardware counts CHAIN itself (PMCEID0 bit 30) */
	bool used;               /**< the guest has touched the PMU: switch its state */
	bool live;               /**< the state is in the hardware (between load and put) */
	bool line;               /**< the overflow interrupt line as last reported */
	uint32_t ovs;            /**< PMOVSSET as the guest sees it */
	uint32_t inten;          /**< PMINTENSET as the guest sees it */
	uint32_t chained;        /**< even counters whose odd neighbour counts CHAIN */
	/** The guest's registers. Controls (everything but the counters) are written through
	 *  and always current; ccntr and evcntr[] are current only while not live. */
	struct av_pmu_regs regs;
};

/**
 * Initialise @p pmu: PMU state at its reset values (counters disabled, PMCR.E = 0), not
 * yet used. @p nr_counters (0..31) is the guest's share, the MDCR_EL2.HPMN the hypervisor
 * programs. The hardware is not touched.
 * @param pmu the vCPU's PMU
 * @param ops the physical PMU's accessors
 * @param cookie passed unchanged to @p ops
 * @param nr_counters event counters the guest sees (at most the hardware's)
 * @return 0, or -AV_EINVAL (NULL argument, no read/write op, nr_counters > 31)
 */
int av_pmu_init(struct av_pmu *pmu, const struct av_pmu_hw_ops *ops, void *cookie,
		unsigned nr_counters);

/**
 * Emulate a trapped access to the PMU register @p key (PMCR_EL0 ... PMCCFILTR_EL0, the
 * PMINTEN{SET,CLR}_EL1 pair) on the hardware. The first access makes the state live
 * (av_pmu_load()): call it with this vCPU loaded. Event counters >= nr_counters accessed
 * by their own encodings are UNDEFINED; through PMSELR_EL0 they read as zero, writes
 * ignored. Writes to PMCEID<n> are UNDEFINED. @p el (0 or 1) is the Exception level of
 * the access: a PMSWINC_EL0 write is counted here (SW_INCR, subject to each counter's
 * filter for that level), since written from EL2 it would count nowhere.
 * @param pmu the vCPU's PMU
 * @param key AV_SYS_* key of the register
 * @param is_write true for MSR, false for MRS
 * @param val the value written, or receives the value read
 * @param el the exception level of the access (0 or 1)
 * @return how the access was handled (enum av_access_result)
 */
enum av_access_result av_pmu_access(struct av_pmu *pmu, uint32_t key, bool is_write,
				    uint64_t *val, unsigned el);

/**
 * Fold the hardware's overflow flags into the guest's (CHAIN emulated), clear them in the
 * hardware and report the guest's interrupt line. For the physical PMU interrupt of a CPU
 * where @p pmu is live; a no-op otherwise.
 * @param pmu the vCPU's PMU
 */
void av_pmu_sync(struct av_pmu *pmu);

/**
 * Save a live state and leave the hardware PMU quiet (no counter enabled, no interrupt
 * enabled, no overflow flag set). No-op if the state is not live.
 * @param pmu the vCPU's PMU
 */
void av_pmu_put(struct av_pmu *pmu);

/**
 * Write a used, not live state back into the hardware. No-op for an unused PMU.
 * @param pmu the vCPU's PMU
 */
void av_pmu_load(struct av_pmu *pmu);

/**
 * The guest's overflow interrupt line: PMCR.E and an overflow flag whose interrupt is on.
 * @param pmu the vCPU's PMU
 * @return the line level
 */
bool av_pmu_irq_level(const struct av_pmu *pmu);

/**
 * Quiet the hardware PMU (as av_pmu_put() leaves it) through @p ops: for CPU start-up.
 * @param ops the physical PMU's accessors
 * @param cookie passed unchanged to @p ops
 */
void av_pmu_hw_quiet(const struct av_pmu_hw_ops *ops, void *cookie);

#endif
