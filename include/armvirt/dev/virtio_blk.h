/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/virtio_blk.h
 * @brief virtio-blk device model (virtio 1.2 §5.2) on the virtio-mmio transport.
 *
 * One request queue. Requests: IN (read), OUT (write), FLUSH, GET_ID (the serial, at most
 * 20 bytes), DISCARD and WRITE_ZEROES; the features follow the backend's ops
 * (VIRTIO_BLK_F_FLUSH with @c flush, F_DISCARD with @c discard, F_WRITE_ZEROES with
 * @c write_zeroes) and the parameters (VIRTIO_BLK_F_RO, VIRTIO_BLK_F_SEG_MAX,
 * VIRTIO_BLK_F_BLK_SIZE = 512). Sectors are 512 bytes; the capacity comes from the backend
 * size. A request outside the capacity, a write to a read-only device, an unknown type, or a
 * malformed request (header shorter than 16 bytes, no status byte, a data length that is
 * not a multiple of 512) completes with VIRTIO_BLK_S_IOERR or S_UNSUPP; a malformed queue
 * sets DEVICE_NEEDS_RESET. Data moves between the guest's buffers and the backend as
 * lists of segments (no copy in the model).
 */
#ifndef ARMVIRT_DEV_VIRTIO_BLK_H
#define ARMVIRT_DEV_VIRTIO_BLK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/virtio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_VIRTIO_BLK_F_SEG_MAX AV_BIT(2)       /**< seg_max in the config space */
#define AV_VIRTIO_BLK_F_RO AV_BIT(5)            /**< read-only device */
#define AV_VIRTIO_BLK_F_BLK_SIZE AV_BIT(6)      /**< blk_size in the config space */
#define AV_VIRTIO_BLK_F_FLUSH AV_BIT(9)         /**< FLUSH requests */
#define AV_VIRTIO_BLK_F_DISCARD AV_BIT(13)      /**< DISCARD requests */
#define AV_VIRTIO_BLK_F_WRITE_ZEROES AV_BIT(14) /**< WRITE_ZEROES requests */

#define AV_VIRTIO_BLK_T_IN 0u            /**< read */
#define AV_VIRTIO_BLK_T_OUT 1u           /**< write */
#define AV_VIRTIO_BLK_T_FLUSH 4u         /**< flush */
#define AV_VIRTIO_BLK_T_GET_ID 8u        /**< the serial */
#define AV_VIRTIO_BLK_T_DISCARD 11u      /**< discard */
#define AV_VIRTIO_BLK_T_WRITE_ZEROES 13u /**< write zeroes */

#define AV_VIRTIO_BLK_S_OK 0u     /**< success */
#define AV_VIRTIO_BLK_S_IOERR 1u  /**< error */
#define AV_VIRTIO_BLK_S_UNSUPP 2u /**< unsupported request */

#define AV_VIRTIO_BLK_SECTOR 512u     /**< sector size */
#define AV_VIRTIO_BLK_ID_BYTES 20u    /**< GET_ID answer */
#define AV_VIRTIO_BLK_QUEUE_SIZE 256u /**< queue size offered */
#define AV_VIRTIO_BLK_SEG_MAX 128u    /**< data segments per request offered (seg_max) */
#define AV_VIRTIO_BLK_CONFIG_SIZE 64u /**< bytes of struct virtio_blk_config exposed */

/** A host buffer (a guest buffer mapped into the host). */
struct av_iov {
	void *base; /**< address */
	size_t len; /**< bytes */
};

/**
 * The backend. Offsets and lengths are in bytes, multiples of 512, inside the capacity
 * (the model checks). Each returns 0 or a negative `AV_E*` code (the request then completes
 * with VIRTIO_BLK_S_IOERR).
 */
struct av_virtio_blk_ops {
	/** Read into @p iov[0 .. n) from @p offset. Required. */
	int (*read)(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n);
	/** Write @p iov[0 .. n) at @p offset. Required unless the device is read-only. */
	int (*write)(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n);
	/** Make completed writes durable. May be NULL (no VIRTIO_BLK_F_FLUSH). */
	int (*flush)(void *ctx);
	/** Discard a range. May be NULL (no VIRTIO_BLK_F_DISCARD). */
	int (*discard)(void *ctx, uint64_t offset, uint64_t len);
	/** Make a range read as zeroes. May be NULL (no VIRTIO_BLK_F_WRITE_ZEROES). */
	int (*write_zeroes)(void *ctx, uint64_t offset, uint64_t len, bool may_unmap);
};

/** What av_virtio_blk_init() needs. */
struct av_virtio_blk_params {
	const struct av_virtio_blk_ops *ops; /**< backend */
	void *ctx;                           /**< passed to every op */
	uint64_t size;                       /**< bytes; a non-zero multiple of 512 */
	bool readonly;                       /**< VIRTIO_BLK_F_RO; writes, discards fail */
	const char *serial;                  /**< GET_ID answer (at most 20 bytes used); may be
					      *   NULL */
};

/** A virtio-blk device. Caller-allocated; av_virtio_blk_init(). */
struct av_virtio_blk {
	struct av_virtio_dev vdev;                             /**< the transport (first) */
	struct av_virtq vq;                                    /**< the request queue */
	uint8_t config[AV_VIRTIO_BLK_CONFIG_SIZE];             /**< struct virtio_blk_config */
	struct av_virtio_blk_params p;                         /**< the parameters (copied;
								*   @c serial NULL: see below) */
	char serial[AV_VIRTIO_BLK_ID_BYTES];                   /**< the serial, zero-padded (not
								*   NUL-terminated at 20 bytes) */
	struct av_virtq_seg seg[AV_VIRTIO_BLK_SEG_MAX + 2];    /**< a request's segments */
	struct av_iov iov[AV_VIRTIO_BLK_SEG_MAX + 2];          /**< data segments for the ops */
	/* Statistics */
	uint64_t reads;         /**< IN requests */
	uint64_t writes;        /**< OUT requests */
	uint64_t flushes;       /**< FLUSH requests */
	uint64_t discards;      /**< DISCARD requests */
	uint64_t write_zeroes;  /**< WRITE_ZEROES requests */
	uint64_t get_ids;       /**< GET_ID requests */
	uint64_t bytes_read;    /**< bytes read for the guest */
	uint64_t bytes_written; /**< bytes written by the guest */
	uint64_t errors;                    /**< requests completed with IOERR or UNSUPP */
};

/**
 * Initialise a virtio-blk device (and its transport, av_virtio_dev_init()).
 * @param blk the device
 * @param p   the backend and parameters (copied; the serial is copied too)
 * @param mem guest memory (kept)
 * @param irq interrupt hook (copied)
 * @param err receives the field and the reason on failure (may be NULL)
 * @return 0, or -AV_EINVAL (no read op, no write op for a writable device, a size of 0 or
 *         not a multiple of 512, NULL pointers).
 */
int av_virtio_blk_init(struct av_virtio_blk *blk, const struct av_virtio_blk_params *p,
		       const struct av_virtio_mem *mem, const struct av_virtio_irq *irq,
		       struct av_error *err);

/**
 * Process every available request of the queue (what the notify op does; a host that
 * polls or runs I/O on another thread calls it there, serialised with the MMIO accesses).
 * @param blk the device
 * @return the number of requests completed, or -AV_EFAULT if the queue was malformed
 *         (DEVICE_NEEDS_RESET is set).
 */
int av_virtio_blk_process(struct av_virtio_blk *blk);

/**
 * A backend over a host memory buffer (a disk image in RAM): @c ctx is a
 * `struct av_virtio_blk_ram`. Flush does nothing; discard and write-zeroes write zeroes.
 */
extern const struct av_virtio_blk_ops av_virtio_blk_ram_ops;

/** The context of av_virtio_blk_ram_ops. */
struct av_virtio_blk_ram {
	uint8_t *base; /**< the image */
	uint64_t size; /**< bytes */
};

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_VIRTIO_BLK_H */
