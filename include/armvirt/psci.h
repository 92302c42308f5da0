/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/psci.h
 * @brief PSCI 1.1 (Arm DEN0022) and SMCCC 1.1 (Arm DEN0028) calls from a guest.
 *
 * The host traps a guest's HVC or SMC, and hands the calling vCPU's registers to
 * av_psci_call() (or x0..x7 to av_psci_handle()). The library decodes the function ID in
 * W0, keeps every vCPU's power state (OFF / ON_PENDING / ON) in a table the caller
 * allocates, calls the host back for anything with an effect outside the library
 * (starting or stopping a vCPU, suspending, powering off or resetting the VM), writes the
 * results into x0..x3 and returns an action for the host's run loop.
 *
 * What the guest sees:
 * - PSCI_VERSION: 1.1. SMCCC_VERSION: 1.1. MIGRATE_INFO_TYPE: 2 (no migration needed).
 * - PSCI_FEATURES: SUCCESS (0) for every function implemented here, in both its SMC32 and
 *   SMC64 forms where DEN0022 defines both, and for SMCCC_VERSION; for CPU_SUSPEND the
 *   feature flags (original power_state format, platform-coordinated mode only: 0).
 *   NOT_SUPPORTED otherwise.
 * - SMCCC_ARCH_FEATURES: SUCCESS for SMCCC_ARCH_FEATURES itself; for
 *   SMCCC_ARCH_WORKAROUND_1/2/3 whatever av_psci_ops::arch_workaround answers (no callback:
 *   NOT_SUPPORTED); NOT_SUPPORTED for the rest.
 * - CPU_SUSPEND: power_state in the original format. Both standby and powerdown requests
 *   are handled as standby: the vCPU waits as for WFI (AV_PSCI_ACT_WFI) and the call returns
 *   SUCCESS at the next instruction with its context kept. A powerdown request is thus
 *   demoted to a shallower state, which DEN0022 permits; its entry point is still
 *   validated (INVALID_ADDRESS).
 * - CPU_ON: INVALID_PARAMETERS for an MPIDR that is not in the table or that has bits set
 *   outside Aff3..Aff0, ALREADY_ON, ON_PENDING, INVALID_ADDRESS for an entry point that is
 *   not 4-byte aligned or not in guest RAM, INTERNAL_FAILURE when the host's cpu_on fails.
 *   On success the target becomes ON_PENDING; the host starts it with av_boot_cpu_regs()
 *   (PC = entry, x0 = context id, EL1h with DAIF masked) and calls
 *   av_psci_cpu_set_state(ON) when it runs. A vCPU that makes a call is running, so its
 *   state becomes ON before the call is handled.
 * - AFFINITY_INFO: lowest affinity level 0 only (others INVALID_PARAMETERS).
 * - SYSTEM_RESET2: architectural SYSTEM_WARM_RESET; other architectural types are
 *   INVALID_PARAMETERS; vendor-specific types (bit 31) are INVALID_PARAMETERS unless
 *   av_psci_config::vendor_reset2 is set.
 * - Everything else (MIGRATE, MIGRATE_INFO_UP_CPU, CPU_FREEZE, SYSTEM_SUSPEND, ...,
 *   unknown IDs, yielding calls, other owning entities): NOT_SUPPORTED (-1).
 * For SMC32/HVC32 function IDs only the low 32 bits of each argument are used. Results are
 * written sign-extended to 64 bits. Only the result registers a function defines are
 * written; the others keep their values.
 *
 * Concurrency: one `struct av_psci` is shared by every vCPU of a VM; serialise the calls
 * on it (av_psci_call(), av_psci_handle(), av_psci_cpu_set_state()) with a lock. The host
 * callbacks run under that lock.
 */
#ifndef ARMVIRT_PSCI_H
#define ARMVIRT_PSCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/bits.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- SMCCC function identifier fields (DEN0028) ---- */
#define AV_SMCCC_FID_FAST AV_BIT(31)          /**< 1: fast call; 0: yielding call */
#define AV_SMCCC_FID_SMC64 AV_BIT(30)         /**< 1: SMC64/HVC64 calling convention */
#define AV_SMCCC_FID_OEN AV_GENMASK(29, 24)   /**< owning entity number */
#define AV_SMCCC_FID_MBZ AV_GENMASK(23, 16)   /**< must be zero (SMCCC 1.1) */
#define AV_SMCCC_FID_NUM AV_GENMASK(15, 0)    /**< function number */

/* Owning entity numbers (AV_SMCCC_FID_OEN). */
#define AV_SMCCC_OEN_ARCH 0        /**< Arm architecture calls */
#define AV_SMCCC_OEN_CPU 1         /**< CPU service calls */
#define AV_SMCCC_OEN_SIP 2         /**< silicon partner service calls */
#define AV_SMCCC_OEN_OEM 3         /**< OEM service calls */
#define AV_SMCCC_OEN_STD 4         /**< standard secure service calls (PSCI) */
#define AV_SMCCC_OEN_STD_HYP 5     /**< standard hypervisor service calls */
#define AV_SMCCC_OEN_VENDOR_HYP 6  /**< vendor-specific hypervisor service calls */

/* ---- SMCCC Arm architecture calls ---- */
#define AV_SMCCC_VERSION 0x80000000u            /**< SMCCC_VERSION */
#define AV_SMCCC_ARCH_FEATURES 0x80000001u      /**< SMCCC_ARCH_FEATURES */
#define AV_SMCCC_ARCH_SOC_ID 0x80000002u        /**< SMCCC_ARCH_SOC_ID (not implemented) */
#define AV_SMCCC_ARCH_WORKAROUND_1 0x80008000u  /**< branch predictor invalidation */
#define AV_SMCCC_ARCH_WORKAROUND_2 0x80007fffu  /**< speculative store bypass control */
#define AV_SMCCC_ARCH_WORKAROUND_3 0x80003fffu  /**< branch history invalidation */

/** SMCCC version 1.1 as returned by SMCCC_VERSION (major 31:16, minor 15:0). */
#define AV_SMCCC_VERSION_1_1 0x00010001

/* SMCCC return codes. */
#define AV_SMCCC_RET_SUCCESS 0             /**< success */
#define AV_SMCCC_RET_NOT_SUPPORTED (-1)    /**< unknown or unimplemented function */
#define AV_SMCCC_RET_NOT_REQUIRED (-2)     /**< workaround not required on this system */
#define AV_SMCCC_RET_INVALID_PARAMETER (-3) /**< bad argument */

/* ---- PSCI function IDs (DEN0022); _32 = SMC32, _64 = SMC64 ---- */
#define AV_PSCI_VERSION 0x84000000u                    /**< PSCI_VERSION */
#define AV_PSCI_CPU_SUSPEND_32 0x84000001u             /**< CPU_SUSPEND */
#define AV_PSCI_CPU_SUSPEND_64 0xc4000001u             /**< CPU_SUSPEND */
#define AV_PSCI_CPU_OFF 0x84000002u                    /**< CPU_OFF */
#define AV_PSCI_CPU_ON_32 0x84000003u                  /**< CPU_ON */
#define AV_PSCI_CPU_ON_64 0xc4000003u                  /**< CPU_ON */
#define AV_PSCI_AFFINITY_INFO_32 0x84000004u           /**< AFFINITY_INFO */
#define AV_PSCI_AFFINITY_INFO_64 0xc4000004u           /**< AFFINITY_INFO */
#define AV_PSCI_MIGRATE_32 0x84000005u                 /**< MIGRATE (not implemented) */
#define AV_PSCI_MIGRATE_64 0xc4000005u                 /**< MIGRATE (not implemented) */
#define AV_PSCI_MIGRATE_INFO_TYPE 0x84000006u          /**< MIGRATE_INFO_TYPE */
#define AV_PSCI_MIGRATE_INFO_UP_CPU_32 0x84000007u     /**< MIGRATE_INFO_UP_CPU (not impl.) */
#define AV_PSCI_MIGRATE_INFO_UP_CPU_64 0xc4000007u     /**< MIGRATE_INFO_UP_CPU (not impl.) */
#define AV_PSCI_SYSTEM_OFF 0x84000008u                 /**< SYSTEM_OFF */
#define AV_PSCI_SYSTEM_RESET 0x84000009u               /**< SYSTEM_RESET */
#define AV_PSCI_FEATURES 0x8400000au                   /**< PSCI_FEATURES */
#define AV_PSCI_CPU_FREEZE 0x8400000bu                 /**< CPU_FREEZE (not implemented) */
#define AV_PSCI_CPU_DEFAULT_SUSPEND_32 0x8400000cu     /**< (not implemented) */
#define AV_PSCI_CPU_DEFAULT_SUSPEND_64 0xc400000cu     /**< (not implemented) */
#define AV_PSCI_NODE_HW_STATE_32 0x8400000du           /**< (not implemented) */
#define AV_PSCI_NODE_HW_STATE_64 0xc400000du           /**< (not implemented) */
#define AV_PSCI_SYSTEM_SUSPEND_32 0x8400000eu          /**< (not implemented) */
#define AV_PSCI_SYSTEM_SUSPEND_64 0xc400000eu          /**< (not implemented) */
#define AV_PSCI_SET_SUSPEND_MODE 0x8400000fu           /**< (not implemented) */
#define AV_PSCI_STAT_RESIDENCY_32 0x84000010u          /**< (not implemented) */
#define AV_PSCI_STAT_RESIDENCY_64 0xc4000010u          /**< (not implemented) */
#define AV_PSCI_STAT_COUNT_32 0x84000011u              /**< (not implemented) */
#define AV_PSCI_STAT_COUNT_64 0xc4000011u              /**< (not implemented) */
#define AV_PSCI_SYSTEM_RESET2_32 0x84000012u           /**< SYSTEM_RESET2 */
#define AV_PSCI_SYSTEM_RESET2_64 0xc4000012u           /**< SYSTEM_RESET2 */
#define AV_PSCI_MEM_PROTECT 0x84000013u                /**< (not implemented) */
#define AV_PSCI_MEM_PROTECT_CHECK_RANGE_32 0x84000014u /**< (not implemented) */
#define AV_PSCI_MEM_PROTECT_CHECK_RANGE_64 0xc4000014u /**< (not implemented) */

/** PSCI version 1.1 as returned by PSCI_VERSION (major 31:16, minor 15:0). */
#define AV_PSCI_VERSION_1_1 0x00010001

/* PSCI return codes. */
#define AV_PSCI_RET_SUCCESS 0               /**< success */
#define AV_PSCI_RET_NOT_SUPPORTED (-1)      /**< function not implemented */
#define AV_PSCI_RET_INVALID_PARAMETERS (-2) /**< bad argument */
#define AV_PSCI_RET_DENIED (-3)             /**< refused */
#define AV_PSCI_RET_ALREADY_ON (-4)         /**< CPU_ON: target already on */
#define AV_PSCI_RET_ON_PENDING (-5)         /**< CPU_ON: target already being turned on */
#define AV_PSCI_RET_INTERNAL_FAILURE (-6)   /**< the implementation failed */
#define AV_PSCI_RET_NOT_PRESENT (-7)        /**< not present */
#define AV_PSCI_RET_DISABLED (-8)           /**< disabled */
#define AV_PSCI_RET_INVALID_ADDRESS (-9)    /**< bad entry point address */

/* AFFINITY_INFO results. */
#define AV_PSCI_AFFINITY_ON 0          /**< at least one core of the node is on */
#define AV_PSCI_AFFINITY_OFF 1         /**< every core of the node is off */
#define AV_PSCI_AFFINITY_ON_PENDING 2  /**< the node is being turned on */

/** MIGRATE_INFO_TYPE result: Trusted OS not present or does not require migration. */
#define AV_PSCI_MIGRATE_INFO_NONE 2

/* CPU_SUSPEND power_state, original format. */
#define AV_PSCI_PSTATE_ID AV_GENMASK(15, 0)     /**< StateID */
#define AV_PSCI_PSTATE_TYPE AV_BIT(16)          /**< 0: standby or retention, 1: powerdown */
#define AV_PSCI_PSTATE_RES0_LO AV_GENMASK(23, 17) /**< reserved, zero */
#define AV_PSCI_PSTATE_LEVEL AV_GENMASK(25, 24) /**< PowerLevel */
#define AV_PSCI_PSTATE_RES0_HI AV_GENMASK(31, 26) /**< reserved, zero */

/* PSCI_FEATURES flags for CPU_SUSPEND. */
#define AV_PSCI_FEAT_SUSPEND_OSI AV_BIT(0)   /**< OS-initiated mode supported */
#define AV_PSCI_FEAT_SUSPEND_EXT AV_BIT(1)   /**< extended power_state format */

/* SYSTEM_RESET2 reset_type. */
#define AV_PSCI_RESET2_VENDOR AV_BIT(31)           /**< 1: vendor-specific reset */
#define AV_PSCI_RESET2_ID AV_GENMASK(30, 0)        /**< reset ID */
#define AV_PSCI_RESET2_SYSTEM_WARM_RESET 0         /**< architectural warm reset */

/* MPIDR affinity fields a target_cpu argument may carry. */
#define AV_PSCI_MPIDR_AFF_LO AV_GENMASK(23, 0)   /**< Aff2, Aff1, Aff0 */
#define AV_PSCI_MPIDR_AFF3 AV_GENMASK(39, 32)    /**< Aff3 */
/** Every affinity bit; a target_cpu with any other bit set is INVALID_PARAMETERS. */
#define AV_PSCI_MPIDR_AFF_MASK (AV_PSCI_MPIDR_AFF3 | AV_PSCI_MPIDR_AFF_LO)

/** A vCPU's power state as PSCI sees it. */
enum av_psci_state {
	AV_PSCI_STATE_OFF = 0,        /**< off */
	AV_PSCI_STATE_ON_PENDING = 1, /**< CPU_ON accepted, the vCPU has not run yet */
	AV_PSCI_STATE_ON = 2,         /**< on */
};

/** One row of the power-state table (caller-allocated, keyed by MPIDR). */
struct av_psci_cpu {
	uint64_t mpidr;            /**< affinity fields only (AV_PSCI_MPIDR_AFF_MASK) */
	enum av_psci_state state;  /**< set the initial state before av_psci_init() */
};

/** A guest RAM range, for validating entry points. */
struct av_psci_range {
	uint64_t base; /**< first address */
	uint64_t size; /**< length in bytes */
};

/** Reset kinds passed to av_psci_ops::system_reset. */
enum av_psci_reset {
	AV_PSCI_RESET_COLD = 0,   /**< SYSTEM_RESET */
	AV_PSCI_RESET_WARM = 1,   /**< SYSTEM_RESET2, SYSTEM_WARM_RESET */
	AV_PSCI_RESET_VENDOR = 2, /**< SYSTEM_RESET2, vendor-specific type */
};

/**
 * Host callbacks. Each gets av_psci_config::cookie and returns 0 on success or a negative
 * `AV_E*` code; a failure is reported to the guest as described per callback. Only
 * @c cpu_on is required (when the table has more than one vCPU).
 */
struct av_psci_ops {
	/**
	 * Start vCPU @p target at @p entry with @p context_id in x0 (av_boot_cpu_regs()).
	 * The target is ON_PENDING during and after the call. Failure: INTERNAL_FAILURE, and
	 * the target goes back to OFF.
	 */
	int (*cpu_on)(void *cookie, uint64_t target, uint64_t entry, uint64_t context_id);
	/** The vCPU @p mpidr turns itself off. NULL: accepted. Failure: DENIED. */
	int (*cpu_off)(void *cookie, uint64_t mpidr);
	/**
	 * The vCPU @p mpidr asks for a low-power state. @p powerdown tells what it asked for;
	 * either way it will be handled as standby (AV_PSCI_ACT_WFI). NULL: accepted.
	 * Failure: INVALID_PARAMETERS (the host does not accept that state).
	 */
	int (*suspend)(void *cookie, uint64_t mpidr, uint32_t power_state, bool powerdown);
	/** Power the VM off. NULL: accepted. Failure: INTERNAL_FAILURE to the caller. */
	int (*system_off)(void *cookie);
	/**
	 * Reset the VM. @p reset_type and @p reset_cookie are SYSTEM_RESET2's arguments (0 for
	 * SYSTEM_RESET). NULL: accepted. Failure: INTERNAL_FAILURE to the caller.
	 */
	int (*system_reset)(void *cookie, enum av_psci_reset kind, uint32_t reset_type,
			    uint64_t reset_cookie);
	/**
	 * SMCCC_ARCH_WORKAROUND_1/2/3 (@p fid). With @p query, answer SMCCC_ARCH_FEATURES:
	 * an `AV_SMCCC_RET_*` value or a non-negative feature value. Without, the guest called
	 * the workaround (@p arg is its x1, for WORKAROUND_2 the enable flag): perform it; the
	 * return value is ignored and no result register is written. NULL: NOT_SUPPORTED.
	 */
	int32_t (*arch_workaround)(void *cookie, uint32_t fid, bool query, uint64_t arg);
	/**
	 * Is @p addr a valid entry point in guest RAM? When NULL, av_psci_config::ram is
	 * used; with neither, every 4-byte aligned address is accepted.
	 */
	bool (*entry_valid)(void *cookie, uint64_t addr);
};

/** Configuration for av_psci_init(). */
struct av_psci_config {
	const struct av_psci_ops *ops;    /**< callbacks (required) */
	void *cookie;                     /**< passed to every callback */
	struct av_psci_cpu *cpus;         /**< power-state table (kept, not copied) */
	size_t ncpus;                     /**< rows in @c cpus, at least 1 */
	const struct av_psci_range *ram;  /**< guest RAM ranges for entry points, or NULL */
	size_t nram;                      /**< ranges in @c ram */
	bool vendor_reset2;               /**< pass vendor SYSTEM_RESET2 types to the host */
};

/** PSCI/SMCCC state of one VM. Caller-allocated; initialise with av_psci_init(). */
struct av_psci {
	struct av_psci_config cfg; /**< a copy of the configuration */
};

/** What the host's run loop does after a call. */
enum av_psci_action {
	AV_PSCI_ACT_RESUME = 0,       /**< results written: resume the caller */
	AV_PSCI_ACT_WFI = 1,          /**< CPU_SUSPEND: wait as for WFI, then resume */
	AV_PSCI_ACT_CPU_OFF = 2,      /**< the caller is now off: run it again after CPU_ON */
	AV_PSCI_ACT_SYSTEM_OFF = 3,   /**< the VM is powered off */
	AV_PSCI_ACT_SYSTEM_RESET = 4, /**< the VM is to be reset */
};

/** Result of one call: registers to write and the action. */
struct av_psci_result {
	uint64_t x[4];              /**< result registers x0..x3 */
	unsigned nregs;             /**< how many of @c x to write (0..4) */
	enum av_psci_action action; /**< what the run loop does next */
};

/**
 * Initialise from @p cfg (copied; the table and ranges are referenced).
 *
 * @param psci the PSCI state
 * @param cfg callbacks and CPU list, copied
 * @param err  optional: on failure, the field of @p cfg that is wrong and why (see
 *             struct av_error); cleared on success
 * @return 0; -AV_EINVAL for NULL pointers, an empty table, an MPIDR with non-affinity
 *         bits, a bad state value, a missing cpu_on with more than one vCPU, or a RAM
 *         range that is empty or wraps; -AV_EEXIST for a duplicate MPIDR.
 */
int av_psci_init(struct av_psci *psci, const struct av_psci_config *cfg, struct av_error *err);

/**
 * Handle one call from the vCPU @p caller (its MPIDR) with arguments @p x (x0..x7).
 *
 * @param psci the PSCI state
 * @param caller MPIDR of the calling vCPU
 * @param x X0..X7 of the call
 * @param res receives the result and the action
 * @return 0 (the guest-visible outcome, success or PSCI error, is in @p res);
 *         -AV_EINVAL for NULL pointers; -AV_ENOENT if @p caller is not in the table.
 */
int av_psci_handle(struct av_psci *psci, uint64_t caller, const uint64_t x[8],
		   struct av_psci_result *res);

/**
 * av_psci_handle() on a register file: reads x0..x7 from @p regs, writes the result
 * registers back. The PC is not changed: an HVC's return address already follows the
 * instruction, a trapped SMC's does not (advance it by 4).
 *
 * @param action  receives the action (may be NULL)
 * @param psci the PSCI state
 * @param caller MPIDR of the calling vCPU
 * @param regs the calling vCPU's registers (X0..X3 the call, X0 the result)
 * @return as av_psci_handle(); @p regs is unchanged on error.
 */
int av_psci_call(struct av_psci *psci, uint64_t caller, struct av_regs *regs,
		 enum av_psci_action *action);

/**
 * Set a vCPU's power state (e.g. ON when a vCPU started by CPU_ON first runs, OFF after
 * the host stopped it).
 * @param psci the PSCI state
 * @param mpidr the CPU's MPIDR affinity
 * @param state the new power state
 * @return 0, -AV_EINVAL (NULL or bad state) or -AV_ENOENT (unknown MPIDR).
 */
int av_psci_cpu_set_state(struct av_psci *psci, uint64_t mpidr, enum av_psci_state state);

/**
 * A vCPU's power state.
 * @param psci the PSCI state
 * @param mpidr the CPU's MPIDR affinity
 * @param state receives the power state
 * @return 0, -AV_EINVAL for NULL pointers, -AV_ENOENT for an unknown MPIDR.
 */
int av_psci_cpu_get_state(const struct av_psci *psci, uint64_t mpidr, enum av_psci_state *state);

/**
 * Reset every vCPU to OFF except @p boot_mpidr (ON). @return 0 or -AV_ENOENT/-AV_EINVAL.
 * @param psci the PSCI state
 * @param boot_mpidr the CPU that starts on
 */
int av_psci_reset(struct av_psci *psci, uint64_t boot_mpidr);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_PSCI_H */
