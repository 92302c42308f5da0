/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/types.h
 * @brief Error codes and basic types shared by every armvirt module.
 *
 * Every fallible armvirt function returns an `int`: 0 on success, or a negative
 * `AV_E*` code. A guest's bad access is never a library error; it becomes an
 * injected exception or a defined RAZ/WI result, decided by the caller.
 *
 * Freestanding: this header uses only stdint.h, stddef.h, stdbool.h and stdatomic.h (in
 * C++, the `atomic` header).
 */
#ifndef ARMVIRT_TYPES_H
#define ARMVIRT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Atomic members of public structs: C11 atomic_flag, atomic_bool, atomic_int; in C++, which
 * has <stdatomic.h> only from C++23, the layout-compatible std::atomic_flag and
 * std::atomic<T>. av_atomic_flag is the lock word of the built-in spinlocks. */
#ifdef __cplusplus
#include <atomic>
typedef std::atomic_flag av_atomic_flag;
typedef std::atomic<bool> av_atomic_bool;
typedef std::atomic<int> av_atomic_int;
/** @cond AV_INTERNAL */
/* The same layout as the C types, or C and C++ disagree on every struct holding one. */
static_assert(sizeof(av_atomic_flag) == 1 && alignof(av_atomic_flag) == 1,
	      "av_atomic_flag is not 1 byte, 1-aligned");
static_assert(sizeof(av_atomic_bool) == 1 && alignof(av_atomic_bool) == 1,
	      "av_atomic_bool is not 1 byte, 1-aligned");
static_assert(sizeof(av_atomic_int) == 4 && alignof(av_atomic_int) == 4,
	      "av_atomic_int is not 4 bytes, 4-aligned");
/** @endcond */
#else
#include <stdatomic.h>
typedef atomic_flag av_atomic_flag; /**< a C11 atomic_flag */
typedef atomic_bool av_atomic_bool; /**< a C11 atomic_bool */
typedef atomic_int av_atomic_int;   /**< a C11 atomic_int */
/** @cond AV_INTERNAL */
/* The layout the C++ branch also checks: C and C++ see the same structs. */
/* NOLINTBEGIN(misc-redundant-expression): size and alignment are both 1 on purpose */
_Static_assert(sizeof(av_atomic_flag) == 1 && _Alignof(av_atomic_flag) == 1,
	       "av_atomic_flag is not 1 byte, 1-aligned");
_Static_assert(sizeof(av_atomic_bool) == 1 && _Alignof(av_atomic_bool) == 1,
	       "av_atomic_bool is not 1 byte, 1-aligned");
_Static_assert(sizeof(av_atomic_int) == 4 && _Alignof(av_atomic_int) == 4,
	       "av_atomic_int is not 4 bytes, 4-aligned");
/* NOLINTEND(misc-redundant-expression) */
/** @endcond */
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Outcome of an emulated guest access, one convention for every emulator: system registers
 * (armvirt/sysreg.h handlers, av_sysreg_emulate(), av_pmu_access()), vGIC frames
 * (av_vgic_v3_dist_access() and friends) and MMIO devices.
 */
enum av_access_result {
	/** Done: for a read the value is stored; complete the instruction (advance the PC,
	 *  write Rt) and resume the guest. */
	AV_ACCESS_HANDLED = 0,
	/** Refused: inject the exception the architecture gives such an access (a synchronous
	 *  external data abort for a memory access, UNDEFINED for a system register); the PC
	 *  is not advanced. */
	AV_ACCESS_INJECT = 1,
	/** Not decided here: hand the access to the caller (e.g. the host's run loop). */
	AV_ACCESS_TO_CALLER = 2,
};

/** Error codes. Functions return their negation (e.g. `-AV_EINVAL`). */
enum av_errno {
	AV_OK = 0,       /**< success */
	AV_EINVAL = 1,   /**< invalid argument */
	AV_ENOMEM = 2,   /**< out of memory (memcache or caller buffer) */
	AV_EEXIST = 3,   /**< object or mapping already exists */
	AV_ENOENT = 4,   /**< no such object or mapping */
	AV_ERANGE = 5,   /**< value outside the supported range */
	AV_ENOTSUP = 6,  /**< not supported / not decodable */
	AV_EBUSY = 7,    /**< resource busy, try again later */
	AV_EFAULT = 8,   /**< bad address */
	AV_ENOSPC = 9,   /**< caller buffer too small */
	AV_EPERM = 10,   /**< operation not permitted */
	AV_EIO = 11,     /**< device or host I/O error */
	AV_EBADIMG = 12, /**< malformed image or blob */
	AV_ERRNO_MAX
};

/**
 * Name an error code.
 *
 * @param err  a return value of an armvirt function (0, or negative `AV_E*`);
 *             the positive code is accepted too.
 * @return a static string such as "AV_EINVAL: invalid argument"; never NULL.
 *         Unknown codes give "AV_E?: unknown error".
 */
const char *av_strerror(int err);

/**
 * Most vCPUs of one VM, everywhere: the VM description (av_vmspec_validate()), the vGIC
 * (GICv3 model) and av_vm_init() accept the same counts. vCPU sets are 64-bit masks
 * (e.g. the @c kicked outputs of the vGIC).
 */
#define AV_MAX_VCPUS 64
/** Most vCPUs with a GICv2 (an 8-bit ITARGETSR / GICD_SGIR target list). */
#define AV_MAX_VCPUS_GICV2 8

/**
 * What a configuration or validation call found wrong: the field the caller got wrong
 * and why. Every call that takes a `struct av_error *err` (av_vmspec_validate(),
 * av_s2_cfg_resolve(), av_s2_init(), av_vgic_init(), av_vm_init(), av_mmio_register(),
 * av_vtimer_init(), av_sched_init(), ...) fills it when it fails with a configuration
 * error and clears it (both strings empty) when it succeeds; @p err may be NULL. The
 * same line is logged at AV_LOG_DEBUG as "module: field: msg".
 */
struct av_error {
	char field[48]; /**< field path such as "nr_vcpus" or "uarts[0].mmio.base"; "" if none */
	char msg[112];  /**< one-line reason, with the value and the accepted range */
};

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_TYPES_H */
