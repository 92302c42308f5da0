/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/virtio.h
 * @brief virtio 1.x: the virtio-mmio transport (version 2), split virtqueues and the guest
 *        memory view the devices use.
 *
 * Three layers, each usable on its own:
 *
 * - **Guest memory** (`struct av_virtio_mem`): an ops table that turns a guest-physical
 *   range into a host pointer, or refuses it. Every address a driver writes into a queue
 *   goes through it, with its length, before anything is read or written; nothing else
 *   reaches guest memory. av_virtio_mem_regions_ops implements it for a table of RAM
 *   regions (what both examples use).
 * - **Virtqueues** (`struct av_virtq`): the device side of a split virtqueue (virtio 1.2
 *   §2.7): av_virtq_pop() takes the next available descriptor chain, validated and copied
 *   into a caller array of segments (each descriptor is read once, every address and
 *   length checked against guest memory, readable segments before writable ones, chains
 *   no longer than the queue, indirect tables (VIRTIO_F_INDIRECT_DESC) one level deep);
 *   av_virtq_push() returns it to the used ring; av_virtq_need_interrupt() applies
 *   VIRTIO_F_EVENT_IDX or VIRTQ_AVAIL_F_NO_INTERRUPT. Queue sizes are powers of two up to
 *   AV_VIRTQ_MAX_SIZE. A malformed queue makes av_virtq_pop() fail with -AV_EFAULT and
 *   marks the queue broken: it returns nothing more until the device is reset.
 * - **The virtio-mmio transport** (`struct av_virtio_dev`, av_virtio_mmio_ops): the
 *   register block of virtio 1.2 §4.2.2 (MagicValue "virt", Version 2, feature
 *   negotiation in 32-bit halves, queue selection and setup, status, reset, the interrupt
 *   status/acknowledge pair, ConfigGeneration and the device's configuration space from
 *   0x100) as an MMIO-bus device. VIRTIO_F_VERSION_1 is always offered and required: a
 *   driver that does not accept it cannot set FEATURES_OK (the legacy interface, Version
 *   1, is not implemented). The transport adds VIRTIO_F_INDIRECT_DESC and
 *   VIRTIO_F_EVENT_IDX to the device's features. Interrupts go through a caller-supplied
 *   hook that is told the level of the device's interrupt line (InterruptStatus != 0);
 *   an edge-triggered platform injects on each rise.
 *
 * A device model embeds a `struct av_virtio_dev` (and its queues), fills the fields the
 * comments mark "device", calls av_virtio_dev_init() and reacts to its ops: @c notify
 * when the driver kicks a queue, @c reset when the driver resets the device. Device models
 * in the library: virtio-net, virtio-blk, virtio-console, virtio-rng
 * (armvirt/dev/virtio_*.h).
 *
 * A slot with no device answers like an absent device on QEMU's virt board through
 * av_virtio_mmio_empty_ops (MagicValue "virt", Version 2, DeviceID 0, everything else
 * reads as zero and ignores writes), so drivers skip it silently.
 *
 * Errors: a driver that breaks the protocol (a malformed queue, an out-of-range queue
 * index) never gets the host to read or write outside the ranges its memory ops allow.
 * The device sets DEVICE_NEEDS_RESET (status bit 0x40) and sends a configuration-change
 * interrupt (av_virtio_needs_reset()); register accesses the spec does not define read as
 * zero and ignore writes, counted in @c bad_accesses.
 *
 * Concurrency: nothing here is synchronised. Serialise, per device, the MMIO accesses,
 * the device's queue processing and the interrupt hook (for example one lock per device in
 * a VMM whose I/O runs on another thread). Ring memory is shared with the driver, which
 * runs concurrently: the queue code reads the driver's indices with acquire semantics and
 * publishes the used index with release semantics, as the spec's barriers require.
 */
#ifndef ARMVIRT_VIRTIO_H
#define ARMVIRT_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/bits.h>
#include <armvirt/mmio.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- virtio-mmio register offsets (virtio 1.2 §4.2.2) ---- */
#define AV_VIRTIO_MMIO_MAGIC 0x000             /**< R: 0x74726976 ("virt") */
#define AV_VIRTIO_MMIO_VERSION 0x004           /**< R: 2 */
#define AV_VIRTIO_MMIO_DEVICE_ID 0x008         /**< R: device type; 0 = no device */
#define AV_VIRTIO_MMIO_VENDOR_ID 0x00c         /**< R */
#define AV_VIRTIO_MMIO_DEVICE_FEATURES 0x010   /**< R: 32 feature bits selected by ..._SEL */
#define AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 /**< W */
#define AV_VIRTIO_MMIO_DRIVER_FEATURES 0x020   /**< W */
#define AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024 /**< W */
#define AV_VIRTIO_MMIO_QUEUE_SEL 0x030         /**< W */
#define AV_VIRTIO_MMIO_QUEUE_NUM_MAX 0x034     /**< R: 0 if the queue does not exist */
#define AV_VIRTIO_MMIO_QUEUE_NUM 0x038         /**< W */
#define AV_VIRTIO_MMIO_QUEUE_READY 0x044       /**< RW */
#define AV_VIRTIO_MMIO_QUEUE_NOTIFY 0x050      /**< W: queue index */
#define AV_VIRTIO_MMIO_INTERRUPT_STATUS 0x060  /**< R */
#define AV_VIRTIO_MMIO_INTERRUPT_ACK 0x064     /**< W */
#define AV_VIRTIO_MMIO_STATUS 0x070            /**< RW; writing 0 resets the device */
#define AV_VIRTIO_MMIO_QUEUE_DESC_LOW 0x080    /**< W */
#define AV_VIRTIO_MMIO_QUEUE_DESC_HIGH 0x084   /**< W */
#define AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW 0x090  /**< W: the available ring */
#define AV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH 0x094 /**< W */
#define AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW 0x0a0  /**< W: the used ring */
#define AV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH 0x0a4 /**< W */
#define AV_VIRTIO_MMIO_SHM_SEL 0x0ac           /**< W (no shared memory regions here) */
#define AV_VIRTIO_MMIO_SHM_LEN_LOW 0x0b0       /**< R: all ones = region absent */
#define AV_VIRTIO_MMIO_SHM_LEN_HIGH 0x0b4      /**< R */
#define AV_VIRTIO_MMIO_SHM_BASE_LOW 0x0b8      /**< R: all ones = region absent */
#define AV_VIRTIO_MMIO_SHM_BASE_HIGH 0x0bc     /**< R */
#define AV_VIRTIO_MMIO_QUEUE_RESET 0x0c0       /**< RW (VIRTIO_F_RING_RESET; not offered) */
#define AV_VIRTIO_MMIO_CONFIG_GENERATION 0x0fc /**< R */
#define AV_VIRTIO_MMIO_CONFIG 0x100            /**< device configuration space */

#define AV_VIRTIO_MMIO_MAGIC_VALUE 0x74726976u /**< "virt", little-endian */
#define AV_VIRTIO_MMIO_VERSION_MODERN 2u       /**< the virtio 1.x register layout */
#define AV_VIRTIO_MMIO_SIZE 0x200u             /**< the window of one device (virt board slot) */
/** Widths av_virtio_mmio_ops accepts (registers are 32-bit; the config space any). */
#define AV_VIRTIO_MMIO_WIDTHS (AV_MMIO_W8 | AV_MMIO_W16 | AV_MMIO_W32)
/** VendorID the transport reports unless the device sets another ("AVRT"). */
#define AV_VIRTIO_VENDOR_ID 0x54525641u

/* InterruptStatus / InterruptACK bits */
#define AV_VIRTIO_INT_VRING AV_BIT(0)  /**< used buffer notification */
#define AV_VIRTIO_INT_CONFIG AV_BIT(1) /**< configuration change notification */

/* ---- Device status bits (virtio 1.2 §2.1) ---- */
#define AV_VIRTIO_STATUS_ACKNOWLEDGE 0x01u /**< the guest found the device */
#define AV_VIRTIO_STATUS_DRIVER 0x02u      /**< the guest has a driver for it */
#define AV_VIRTIO_STATUS_DRIVER_OK 0x04u   /**< the driver is ready */
#define AV_VIRTIO_STATUS_FEATURES_OK 0x08u /**< feature negotiation complete */
#define AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET 0x40u /**< the device hit an error */
#define AV_VIRTIO_STATUS_FAILED 0x80u      /**< the driver gave up */

/* ---- Device IDs (virtio 1.2 §5) ---- */
#define AV_VIRTIO_ID_NET 1u     /**< network card */
#define AV_VIRTIO_ID_BLOCK 2u   /**< block device */
#define AV_VIRTIO_ID_CONSOLE 3u /**< console */
#define AV_VIRTIO_ID_RNG 4u     /**< entropy source */

/* ---- Reserved (transport and ring) feature bits (virtio 1.2 §6) ---- */
#define AV_VIRTIO_F_INDIRECT_DESC AV_BIT(28) /**< indirect descriptor tables */
#define AV_VIRTIO_F_EVENT_IDX AV_BIT(29)     /**< used_event / avail_event */
#define AV_VIRTIO_F_VERSION_1 AV_BIT(32)     /**< virtio 1.x, little-endian */
#define AV_VIRTIO_F_ACCESS_PLATFORM AV_BIT(33) /**< not offered */
#define AV_VIRTIO_F_RING_PACKED AV_BIT(34)   /**< not offered */

/* ---- Split virtqueue layout (virtio 1.2 §2.7) ---- */
#define AV_VIRTQ_MAX_SIZE 1024u             /**< largest queue size supported */
#define AV_VIRTQ_DESC_F_NEXT 0x1u           /**< the chain continues at @c next */
#define AV_VIRTQ_DESC_F_WRITE 0x2u          /**< device-writable buffer */
#define AV_VIRTQ_DESC_F_INDIRECT 0x4u       /**< the buffer is a descriptor table */
#define AV_VIRTQ_AVAIL_F_NO_INTERRUPT 0x1u  /**< driver: no used-buffer interrupt wanted */
#define AV_VIRTQ_USED_F_NO_NOTIFY 0x1u      /**< device: no available-buffer kick wanted */

/** A descriptor as it lies in guest memory (little-endian). */
struct av_virtq_desc {
	uint64_t addr;  /**< guest-physical address of the buffer */
	uint32_t len;   /**< length in bytes */
	uint16_t flags; /**< AV_VIRTQ_DESC_F_* */
	uint16_t next;  /**< next descriptor of the chain (with AV_VIRTQ_DESC_F_NEXT) */
};

/* ---- Guest memory ---- */

/** How a device reaches guest memory. */
struct av_virtio_mem_ops {
	/**
	 * The host view of guest-physical [@p gpa, @p gpa + @p len): a pointer through which
	 * all @p len bytes may be read (and, with @p write, written), or NULL if any byte of
	 * the range is not guest memory the device may access that way. @p len is at least
	 * 1 and the range does not wrap (the callers check).
	 */
	void *(*map)(void *ctx, uint64_t gpa, uint64_t len, bool write);
};

/** The guest-memory view handed to devices: ops and their context. */
struct av_virtio_mem {
	const struct av_virtio_mem_ops *ops; /**< operations */
	void *ctx;                           /**< passed to every op */
};

/** One region of guest RAM for av_virtio_mem_regions_ops. */
struct av_virtio_mem_region {
	uint64_t gpa;  /**< guest-physical base */
	uint64_t size; /**< bytes */
	void *host;    /**< host address of gpa */
	bool readonly; /**< the device may read it only */
};

/** The context of av_virtio_mem_regions_ops: a table of non-overlapping regions. */
struct av_virtio_mem_regions {
	const struct av_virtio_mem_region *region; /**< the regions */
	unsigned count;                            /**< how many */
};

/**
 * av_virtio_mem_ops over a `struct av_virtio_mem_regions`: a range maps when it lies
 * inside one region (a range that straddles the end of a region, or two regions, is
 * refused).
 */
extern const struct av_virtio_mem_ops av_virtio_mem_regions_ops;

/* ---- Virtqueues ---- */

/** A buffer of a descriptor chain, mapped into the host. */
struct av_virtq_seg {
	void *addr;   /**< host address (from av_virtio_mem_ops::map) */
	uint32_t len; /**< bytes */
};

/**
 * A descriptor chain taken by av_virtq_pop(): its head index (for av_virtq_push()), and
 * its buffers in order, the @c n_out device-readable ones first, then the @c n_in
 * device-writable ones. The caller supplies @c seg and @c cap.
 */
struct av_virtq_chain {
	struct av_virtq_seg *seg; /**< caller: array of @c cap segments */
	unsigned cap;             /**< caller: entries in @c seg */
	uint16_t head;            /**< the chain's head descriptor index */
	unsigned n_out;           /**< device-readable segments: seg[0 .. n_out) */
	unsigned n_in;            /**< device-writable segments: seg[n_out .. n_out + n_in) */
	uint64_t out_len;         /**< total bytes of the readable segments */
	uint64_t in_len;          /**< total bytes of the writable segments */
};

/**
 * The device side of one split virtqueue. The transport sets the configuration from the
 * driver's registers; a device that drives a queue without the transport (a test, another
 * transport) fills @c num, the three addresses, @c mem and the feature flags and calls
 * av_virtq_enable().
 */
struct av_virtq {
	/* Configuration */
	uint16_t num_max;        /**< device: the largest size it accepts (power of two, <= 1024) */
	uint16_t num;            /**< queue size chosen by the driver */
	uint64_t desc_gpa;       /**< descriptor table */
	uint64_t avail_gpa;      /**< available (driver) ring */
	uint64_t used_gpa;       /**< used (device) ring */
	bool event_idx;          /**< VIRTIO_F_EVENT_IDX negotiated */
	bool indirect;           /**< VIRTIO_F_INDIRECT_DESC negotiated */
	const struct av_virtio_mem *mem; /**< guest memory */
	/* State */
	bool ready;              /**< enabled: the rings are mapped */
	bool broken;             /**< a malformed chain or ring was seen: nothing more is done */
	uint16_t last_avail;     /**< next available-ring entry to take */
	uint16_t used_idx;       /**< the device's used index */
	uint16_t signalled_used; /**< used_idx at the last av_virtq_need_interrupt() */
	bool signalled_valid;    /**< @c signalled_used is meaningful */
	bool notify_off;         /**< av_virtq_set_notify(false) is in effect */
	/* Host views of the rings, set by av_virtq_enable() */
	struct av_virtq_desc *desc; /**< descriptor table */
	uint16_t *avail;            /**< flags, idx, ring[num], used_event */
	uint16_t *used;             /**< flags, idx, then num {id, len} pairs, avail_event */
	/* Statistics */
	uint64_t popped;         /**< chains taken */
	uint64_t pushed;         /**< chains returned */
};

/**
 * Enable a configured queue: check @c num (a power of two, 1 .. @c num_max) and map the
 * three rings (with their alignment: 16, 2 and 4 bytes) through @c mem.
 * @param vq the queue
 * @return 0; -AV_EINVAL for a bad size or alignment, -AV_EFAULT for a ring outside guest
 *         memory (the queue stays disabled).
 */
int av_virtq_enable(struct av_virtq *vq);

/**
 * Return a queue to its reset state (not ready, indices zero, addresses and size cleared,
 * @c num_max and @c mem kept).
 * @param vq the queue
 */
void av_virtq_reset(struct av_virtq *vq);

/**
 * Take the next available chain.
 *
 * Every descriptor is read once, from a snapshot, and checked: its buffer lies in guest
 * memory (mapped through @c mem, writable buffers for writing), no readable buffer follows
 * a writable one, the chain has at most @c num descriptors (counting those of an indirect
 * table), an indirect descriptor is alone or last in its chain, its table is a whole
 * number of descriptors and holds no indirect descriptor, @c next stays below the table
 * size. A zero-length buffer is accepted and gives an empty segment (@c addr NULL,
 * nothing mapped). A chain with more buffers than @p chain->cap is refused the same way.
 *
 * With VIRTIO_F_EVENT_IDX, a pop that finds the ring empty while notifications are on
 * (av_virtq_set_notify()) publishes avail_event = @c last_avail and looks once more, so a
 * device that pops until 0 on each kick never misses one.
 *
 * @param vq    the queue (ready)
 * @param chain receives the chain (caller's @c seg and @c cap)
 * @return 1 with a chain; 0 if none is available (or the queue is not ready, or broken);
 *         -AV_EFAULT for a malformed ring or chain (an available index more than @c num
 *         ahead, or a chain that fails a check): the queue is marked broken and the
 *         caller should call av_virtio_needs_reset(); -AV_EINVAL for NULL arguments.
 */
int av_virtq_pop(struct av_virtq *vq, struct av_virtq_chain *chain);

/**
 * Return a chain to the driver through the used ring.
 * @param vq      the queue
 * @param head    the chain's head (av_virtq_chain::head)
 * @param written bytes the device wrote into the chain's writable buffers
 * @return 0, or -AV_EINVAL if the queue is not ready or @p head is not below @c num.
 */
int av_virtq_push(struct av_virtq *vq, uint16_t head, uint32_t written);

/**
 * Whether the driver wants a used-buffer interrupt for what was pushed since the previous
 * call (VIRTIO_F_EVENT_IDX: used_event crossed in between; otherwise unless
 * VIRTQ_AVAIL_F_NO_INTERRUPT; never when nothing was pushed). Records the used index it
 * checked, so call it once per batch of av_virtq_push() and send the interrupt when it
 * answers true.
 * @param vq the queue
 * @return true if an interrupt should be sent
 */
bool av_virtq_need_interrupt(struct av_virtq *vq);

/**
 * Ask the driver for kicks (@p enable true) or tell it none are needed (a device that
 * polls): VIRTQ_USED_F_NO_NOTIFY, or avail_event with VIRTIO_F_EVENT_IDX. After enabling,
 * check av_virtq_pending() again: a chain may have arrived before the driver saw it.
 * @param vq the queue
 * @param enable true to ask for notifications
 */
void av_virtq_set_notify(struct av_virtq *vq, bool enable);

/**
 * Whether chains are available (the driver's index differs from @c last_avail).
 * @param vq the queue
 * @return true if av_virtq_pop() has something to take (or a malformed ring to report)
 */
bool av_virtq_pending(const struct av_virtq *vq);

/* ---- The virtio-mmio transport ---- */

struct av_virtio_dev;

/** What a device model implements. */
struct av_virtio_dev_ops {
	/** The driver notified queue @p queue (QueueNotify, or the host's ioeventfd). */
	void (*notify)(struct av_virtio_dev *vdev, unsigned queue);
	/** The device was reset (Status 0 written, or av_virtio_dev_reset()): the transport
	 *  has already reset its own state and the queues. May be NULL. */
	void (*reset)(struct av_virtio_dev *vdev);
	/** The driver is setting FEATURES_OK with av_virtio_dev::driver_features: return 0 to
	 *  accept, non-zero to refuse (FEATURES_OK then stays clear). May be NULL. */
	int (*features_ok)(struct av_virtio_dev *vdev);
	/** The driver set DRIVER_OK. May be NULL. */
	void (*driver_ok)(struct av_virtio_dev *vdev);
	/** A write of @p size bytes of the configuration space at @p offset (already checked
	 *  to lie inside it). May be NULL: writes are then ignored. */
	void (*config_write)(struct av_virtio_dev *vdev, uint32_t offset, unsigned size,
			     uint32_t val);
};

/** The interrupt hook: told the level of the device's line (InterruptStatus != 0). */
struct av_virtio_irq {
	void (*set_level)(void *ctx, bool level); /**< called on every change of level */
	void *ctx;                                /**< passed to @c set_level */
};

/**
 * A virtio device behind the virtio-mmio transport. Embedded in a device model; the
 * fields marked "device" are filled before av_virtio_dev_init().
 */
struct av_virtio_dev {
	/* Configuration */
	uint32_t device_id;                  /**< device: AV_VIRTIO_ID_* */
	uint32_t vendor_id;                  /**< device: 0 means AV_VIRTIO_VENDOR_ID */
	uint64_t device_features;            /**< device: its own bits; init adds VERSION_1,
					      *   INDIRECT_DESC and EVENT_IDX */
	struct av_virtq *vq;                 /**< device: its queues (num_max set) */
	unsigned num_queues;                 /**< device: entries in @c vq */
	uint8_t *config;                     /**< device: configuration space, little-endian */
	uint32_t config_size;                /**< device: bytes in @c config (at most 0x100) */
	const struct av_virtio_dev_ops *ops; /**< device: operations */
	const struct av_virtio_mem *mem;     /**< guest memory */
	struct av_virtio_irq irq;            /**< interrupt hook */
	/* Transport state */
	uint64_t driver_features;            /**< accepted by the driver */
	uint32_t status;                     /**< AV_VIRTIO_STATUS_* */
	uint32_t isr;                        /**< InterruptStatus */
	uint32_t config_generation;          /**< ConfigGeneration */
	uint32_t device_features_sel;        /**< DeviceFeaturesSel */
	uint32_t driver_features_sel;        /**< DriverFeaturesSel */
	uint32_t queue_sel;                  /**< QueueSel */
	/* Statistics */
	uint64_t notifies;                   /**< queue notifications */
	uint64_t interrupts;                 /**< rises of the interrupt line */
	uint64_t bad_accesses;               /**< undefined register accesses (RAZ/WI) */
	uint64_t resets_needed;              /**< times DEVICE_NEEDS_RESET was set */
};

/**
 * Initialise the transport state of a device whose "device" fields are filled: checks
 * them, sets every queue's @c mem, resets the device.
 * @param vdev the device
 * @param mem  guest memory (kept)
 * @param irq  interrupt hook (copied; @c set_level may be NULL for a device that polls)
 * @param err  receives the field and the reason on failure (may be NULL)
 * @return 0; -AV_EINVAL for NULL pointers, no ops or no notify op, a config space larger
 *         than 0x100 bytes or without a buffer, a queue without a power-of-two @c num_max
 *         in 1 .. AV_VIRTQ_MAX_SIZE.
 */
int av_virtio_dev_init(struct av_virtio_dev *vdev, const struct av_virtio_mem *mem,
		       const struct av_virtio_irq *irq, struct av_error *err);

/**
 * Reset the device as a Status write of 0 does: status, features, selectors,
 * InterruptStatus and every queue cleared (the line lowered), then the device's @c reset.
 * @param vdev the device
 */
void av_virtio_dev_reset(struct av_virtio_dev *vdev);

/**
 * MMIO-bus ops of the virtio-mmio register block; the bus entry's @c dev is the
 * `struct av_virtio_dev *`, its size AV_VIRTIO_MMIO_SIZE, widths AV_VIRTIO_MMIO_WIDTHS.
 * Registers below 0x100 take 32-bit accesses only (others read as zero, ignore writes and
 * count in @c bad_accesses); the configuration space takes 8-, 16- and 32-bit accesses.
 */
extern const struct av_mmio_ops av_virtio_mmio_ops;

/**
 * MMIO-bus ops of an empty slot (no device): MagicValue, Version 2, DeviceID 0,
 * VendorID AV_VIRTIO_VENDOR_ID; everything else reads as zero, writes are ignored. The
 * bus entry's @c dev is unused (may be NULL).
 */
extern const struct av_mmio_ops av_virtio_mmio_empty_ops;

/**
 * Fill a bus entry for @p vdev at @p base (size, ops, widths, name); register it with
 * av_mmio_register(). @p vdev NULL fills an empty slot.
 * @param mmio the bus entry (caller-allocated)
 * @param vdev the device, or NULL for an empty slot
 * @param base guest-physical base of the window
 * @param name for logs and statistics (may be NULL)
 */
void av_virtio_mmio_entry(struct av_mmio_dev *mmio, struct av_virtio_dev *vdev, uint64_t base,
			  const char *name);

/**
 * What a QueueNotify write does, for a host that receives the kick another way (an
 * ioeventfd): counts it and calls the device's @c notify if @p queue exists, is ready and
 * the driver set DRIVER_OK.
 * @param vdev  the device
 * @param queue the queue index
 */
void av_virtio_queue_notify(struct av_virtio_dev *vdev, unsigned queue);

/**
 * Tell the driver that buffers were used on @p vq if it wants to know
 * (av_virtq_need_interrupt()): InterruptStatus bit 0, line raised.
 * @param vdev the device
 * @param vq   one of its queues
 */
void av_virtio_notify_used(struct av_virtio_dev *vdev, struct av_virtq *vq);

/**
 * The configuration space changed: ConfigGeneration advances, InterruptStatus bit 1 is set
 * and the line raised (once the driver set DRIVER_OK).
 * @param vdev the device
 */
void av_virtio_config_changed(struct av_virtio_dev *vdev);

/**
 * The device met an error it cannot recover from without a reset (a malformed queue):
 * set DEVICE_NEEDS_RESET and send a configuration-change interrupt. Queues are left
 * alone (a broken one stays broken) until the driver resets the device.
 * @param vdev the device
 */
void av_virtio_needs_reset(struct av_virtio_dev *vdev);

/**
 * Whether the driver has set DRIVER_OK and the device does not need a reset: the device may
 * process its queues.
 * @param vdev the device
 * @return true when the device is live
 */
bool av_virtio_dev_live(const struct av_virtio_dev *vdev);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VIRTIO_H */
