/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/mmio.h
 * @brief The MMIO bus: guest-physical address ranges routed to device models.
 *
 * A device is described by a caller-allocated `struct av_mmio_dev` (base, size, typed
 * ops, the device pointer handed to the ops, allowed access widths, a name) and registered
 * on a `struct av_mmio_bus`. The bus keeps pointers to the registered devices in an array
 * the caller provides, sorted by base address, and finds the device of an address by
 * binary search (O(log n)); registration is O(n). The bus never allocates.
 *
 * An access is 1, 2, 4 or 8 bytes. It reaches a device only when it lies entirely inside
 * the device's range, its width is one the device allows and it is naturally aligned
 * (unless the device accepts unaligned accesses); otherwise the bus answers
 * AV_ACCESS_INJECT and counts the access in the device's @c rejected counter. An
 * address no device claims is handled by the bus policy: inject a data abort, read as
 * zero and ignore writes (counted), or return to the caller.
 *
 * Values are carried in the low @c size bytes of a `uint64_t`: the bus passes writes with
 * the bits above the access width cleared, and clears those bits of a device's read.
 *
 * Concurrency: lookups do not modify the bus, so accesses may run concurrently with each
 * other, but not with av_mmio_register()/av_mmio_unregister(). The per-device counters
 * and the device models in lib/dev/ are not synchronised: serialise the accesses to one
 * device (a lock per device, or per bus).
 */
#ifndef ARMVIRT_MMIO_H
#define ARMVIRT_MMIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The outcome of an MMIO access, for the exit dispatcher, is an enum av_access_result
 * (armvirt/types.h), the convention of every emulator: AV_ACCESS_HANDLED (done: for a read
 * the value is stored; complete the instruction and resume the guest), AV_ACCESS_INJECT
 * (inject a synchronous external data abort) or AV_ACCESS_TO_CALLER (not handled here:
 * hand the access to the host's run loop). The names of 0.1 are deprecated.
 */
#ifndef AV_NO_DEPRECATED
#define av_mmio_result av_access_result           /**< deprecated: enum av_access_result */
#define AV_MMIO_HANDLED AV_ACCESS_HANDLED        /**< deprecated: AV_ACCESS_HANDLED */
#define AV_MMIO_INJECT_DABT AV_ACCESS_INJECT     /**< deprecated: AV_ACCESS_INJECT */
#define AV_MMIO_TO_CALLER AV_ACCESS_TO_CALLER    /**< deprecated: AV_ACCESS_TO_CALLER */
#endif

/** Allowed-width bits of av_mmio_dev::widths; each bit's value is the width in bytes. */
#define AV_MMIO_W8 0x1u   /**< byte accesses */
#define AV_MMIO_W16 0x2u  /**< halfword accesses */
#define AV_MMIO_W32 0x4u  /**< word accesses */
#define AV_MMIO_W64 0x8u  /**< doubleword accesses */
#define AV_MMIO_WALL 0xfu /**< every width */

/** av_mmio_dev::flags: the device accepts accesses that are not naturally aligned. */
#define AV_MMIO_F_UNALIGNED 0x1u

struct av_vcpu;

/**
 * Device operations. @c read and @c write are required, @c reset is optional.
 *
 * Each receives the device pointer stored in av_mmio_dev::dev, the accessing vCPU and the
 * offset of the access from av_mmio_dev::base; the bus has already checked width,
 * alignment and range. The vCPU is the one whose exit the dispatcher is handling
 * (armvirt/vm.h: a device with per-CPU registers, such as a GICv2 distributor, banks on
 * `vcpu->index`; a host finds its own vCPU object in `vcpu->host`); it is NULL for an
 * access that comes from no `struct av_vcpu` (the host's own, the KVM port's), which a
 * device must accept.
 */
struct av_mmio_ops {
	/**
	 * Read @p size bytes at @p offset into @p val (low bytes; the bus clears the rest).
	 * @return what the bus should report for the access.
	 */
	enum av_access_result (*read)(void *dev, struct av_vcpu *vcpu, uint64_t offset,
				      unsigned size, uint64_t *val);
	/**
	 * Write the low @p size bytes of @p val at @p offset.
	 * @return what the bus should report for the access.
	 */
	enum av_access_result (*write)(void *dev, struct av_vcpu *vcpu, uint64_t offset,
				       unsigned size, uint64_t val);
	/** Return the device to its reset state (av_mmio_bus_reset()). May be NULL. */
	void (*reset)(void *dev);
};

/** A device on the bus. Caller-allocated; fill the configuration fields, then register. */
struct av_mmio_dev {
	uint64_t base;                  /**< first guest-physical address */
	uint64_t size;                  /**< length in bytes; non-zero, base + size must not wrap */
	const struct av_mmio_ops *ops;  /**< operations */
	void *dev;                      /**< device pointer passed to every op */
	const char *name;               /**< for logs and statistics; may be NULL */
	unsigned widths;                /**< `AV_MMIO_W*` allowed; 0 means AV_MMIO_WALL */
	unsigned flags;                 /**< `AV_MMIO_F_*` */
	/* Statistics, maintained by the bus (zeroed by av_mmio_register()). */
	uint64_t reads;                 /**< reads delivered to the device */
	uint64_t writes;                /**< writes delivered to the device */
	uint64_t rejected;              /**< accesses refused for width, alignment or range */
};

/** What the bus does with an address no device claims. */
enum av_mmio_unclaimed {
	AV_MMIO_UNCLAIMED_ABORT = 0,     /**< AV_ACCESS_INJECT */
	AV_MMIO_UNCLAIMED_RAZ_WI = 1,    /**< reads as 0, writes ignored; AV_ACCESS_HANDLED */
	AV_MMIO_UNCLAIMED_TO_CALLER = 2, /**< AV_ACCESS_TO_CALLER */
};

/** The bus. Caller-allocated; initialise with av_mmio_bus_init(). */
struct av_mmio_bus {
	struct av_mmio_dev **slots;      /**< caller's array, sorted by base */
	size_t count;                    /**< devices registered */
	size_t capacity;                 /**< entries in @c slots */
	enum av_mmio_unclaimed policy;   /**< unclaimed-address policy */
	uint64_t unclaimed_reads;        /**< reads no device claimed */
	uint64_t unclaimed_writes;       /**< writes no device claimed */
	/** Changed by every av_mmio_register() and av_mmio_unregister(): a device pointer
	 *  remembered with it (a lookup cache) is still on the bus while it is unchanged. */
	unsigned gen;
};

/**
 * Initialise an empty bus.
 *
 * @param bus       the bus
 * @param slots     an array of @p capacity pointers the bus keeps using (not copied)
 * @param capacity  the most devices the bus can hold
 * @param policy    unclaimed-address policy
 * @param err       receives the field ("bus", "slots", "policy") and the reason on failure
 *                  (may be NULL; see struct av_error); cleared on success
 * @return 0, or -AV_EINVAL for NULL pointers (with a non-zero capacity) or a bad policy.
 */
int av_mmio_bus_init(struct av_mmio_bus *bus, struct av_mmio_dev **slots, size_t capacity,
		     enum av_mmio_unclaimed policy, struct av_error *err);

/**
 * Register a device. Its counters are zeroed; the struct must stay valid until
 * unregistered.
 *
 * @param bus the bus
 * @param dev the device: range, ops and cookie (caller-allocated, kept until unregistered)
 * @param err receives the field and the reason on failure, naming the device (an overlap
 *            names both devices and their ranges: field "base", message such as
 *            "gicd 0x8000000+0x10000 overlaps uart 0x8000000+0x1000"); may be NULL (see
 *            struct av_error); cleared on success
 * @return 0; -AV_EINVAL for NULL pointers, missing read/write ops, a zero size, a range
 *         that wraps past 2^64 or widths outside AV_MMIO_WALL; -AV_EEXIST if the range
 *         overlaps a registered device (or @p dev is already registered); -AV_ENOSPC if
 *         the bus is full.
 */
int av_mmio_register(struct av_mmio_bus *bus, struct av_mmio_dev *dev, struct av_error *err);

/**
 * Remove a registered device.
 * @param bus the bus
 * @param dev the device
 * @return 0, -AV_EINVAL for NULL pointers, or -AV_ENOENT if @p dev is not on the bus.
 */
int av_mmio_unregister(struct av_mmio_bus *bus, struct av_mmio_dev *dev);

/**
 * The device whose range contains @p addr, or NULL. O(log n).
 * @param bus the bus
 * @param addr guest-physical address accessed
 * @return the device, or NULL
 */
struct av_mmio_dev *av_mmio_find(const struct av_mmio_bus *bus, uint64_t addr);

/**
 * Perform one guest access.
 *
 * @param bus       the bus
 * @param vcpu      the accessing vCPU, handed to the device; may be NULL
 * @param addr      guest-physical address of the first byte
 * @param size      1, 2, 4 or 8
 * @param is_write  true for a store
 * @param val       store: the value (low @p size bytes used); load: receives the value,
 *                  zero-extended (set to 0 when the result is not AV_ACCESS_HANDLED)
 * @return the device's result; AV_ACCESS_INJECT for a bad @p size, a NULL pointer,
 *         an access the device refuses (width, alignment, crossing its end); or the
 *         unclaimed policy's result.
 */
enum av_access_result av_mmio_access(struct av_mmio_bus *bus, struct av_vcpu *vcpu,
				     uint64_t addr, unsigned size, bool is_write, uint64_t *val);

/**
 * av_mmio_access() on a device the caller already looked up with av_mmio_find() for
 * @p addr (one lookup per exit: a dispatcher that must know whether a device claims the
 * address before emulating it does not search the bus twice). @p dev NULL applies the
 * unclaimed policy; otherwise @p dev must be the result of av_mmio_find(@p bus, @p addr).
 * Same checks, counters and results as av_mmio_access().
 * @param bus the bus
 * @param dev the device
 * @param vcpu the accessing vCPU, handed to the device (may be NULL)
 * @param addr guest-physical address accessed
 * @param size access size in bytes (1, 2, 4 or 8)
 * @param is_write true for a store, false for a load
 * @param val the value to store, or receives the value loaded
 * @return what became of the access (enum av_access_result)
 */
enum av_access_result av_mmio_dev_access(struct av_mmio_bus *bus, struct av_mmio_dev *dev,
					 struct av_vcpu *vcpu, uint64_t addr, unsigned size,
					 bool is_write, uint64_t *val);

/**
 * The lean form of av_mmio_dev_access() for a hot path that has already checked its
 * arguments: @p dev non-NULL (av_mmio_find()'s answer for @p addr), @p size 1, 2, 4 or 8
 * (for instance 1 << ESR_EL2.SAS), @p val non-NULL. Same device checks (width, alignment,
 * range), counters and results as av_mmio_dev_access().
 * @param dev the device
 * @param vcpu the accessing vCPU, handed to the device (may be NULL)
 * @param addr guest-physical address accessed
 * @param size access size in bytes (1, 2, 4 or 8)
 * @param is_write true for a store, false for a load
 * @param val the value to store, or receives the value loaded
 * @return what became of the access (enum av_access_result)
 */
enum av_access_result av_mmio_dev_rw(struct av_mmio_dev *dev, struct av_vcpu *vcpu,
				     uint64_t addr, unsigned size, bool is_write, uint64_t *val);

/**
 * av_mmio_access() for a load.
 * @param bus the bus
 * @param vcpu the accessing vCPU, handed to the device (may be NULL)
 * @param addr guest-physical address accessed
 * @param size access size in bytes (1, 2, 4 or 8)
 * @param val receives the value loaded
 * @return what became of the access (enum av_access_result)
 */
enum av_access_result av_mmio_read(struct av_mmio_bus *bus, struct av_vcpu *vcpu, uint64_t addr,
				   unsigned size, uint64_t *val);

/**
 * av_mmio_access() for a store.
 * @param bus the bus
 * @param vcpu the accessing vCPU, handed to the device (may be NULL)
 * @param addr guest-physical address accessed
 * @param size access size in bytes (1, 2, 4 or 8)
 * @param val the value to store
 * @return what became of the access (enum av_access_result)
 */
enum av_access_result av_mmio_write(struct av_mmio_bus *bus, struct av_vcpu *vcpu,
				    uint64_t addr, unsigned size, uint64_t val);

/** The cookie of av_mmio_insn_access(): the bus and the accessing vCPU (may be NULL). */
struct av_mmio_insn_ctx {
	struct av_mmio_bus *bus; /**< the bus */
	struct av_vcpu *vcpu;    /**< handed to the device; may be NULL */
};

/**
 * Adapter with the shape of `av_insn_mmio_fn` (armvirt/insn.h), so that loads and stores
 * decoded by av_insn_emulate_mem() go to the bus: pass a `struct av_mmio_insn_ctx` as the
 * cookie.
 *
 * @param ctx the struct av_mmio_insn_ctx (void * for struct av_insn_mmio)
 * @param ipa guest-physical address accessed
 * @param size access size in bytes (1, 2, 4 or 8)
 * @param is_write true for a store, false for a load
 * @param val the value to store, or receives the value loaded
 * @return 0 for AV_ACCESS_HANDLED, -AV_EFAULT for AV_ACCESS_INJECT (inject the abort),
 *         -AV_ENOENT for AV_ACCESS_TO_CALLER.
 */
int av_mmio_insn_access(void *ctx, uint64_t ipa, unsigned size, bool is_write, uint64_t *val);

/**
 * Call every registered device's reset op, in address order. Counters are kept.
 * @param bus the bus
 */
void av_mmio_bus_reset(struct av_mmio_bus *bus);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_MMIO_H */
