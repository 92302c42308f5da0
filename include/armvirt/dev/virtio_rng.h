/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/virtio_rng.h
 * @brief virtio-rng (entropy) device model (virtio 1.2 §5.4).
 *
 * One request queue of device-writable buffers, filled from the host's @c fill callback.
 * A buffer the source cannot fill now is completed with what was filled (possibly 0
 * bytes); the driver asks again.
 */
#ifndef ARMVIRT_DEV_VIRTIO_RNG_H
#define ARMVIRT_DEV_VIRTIO_RNG_H

#include <stddef.h>
#include <stdint.h>

#include <armvirt/virtio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_VIRTIO_RNG_QUEUE_SIZE 64u /**< queue size offered */

/** The entropy source. */
struct av_virtio_rng_ops {
	/** Fill up to @p len bytes of @p buf; return how many were filled (0 .. len). */
	size_t (*fill)(void *ctx, void *buf, size_t len);
};

/** A virtio-rng device. Caller-allocated; av_virtio_rng_init(). */
struct av_virtio_rng {
	struct av_virtio_dev vdev;           /**< the transport (first) */
	struct av_virtq vq;                  /**< requestq */
	const struct av_virtio_rng_ops *ops; /**< the source */
	void *ctx;                           /**< passed to @c fill */
	struct av_virtq_seg seg[8];          /**< a chain's segments */
	uint64_t bytes;                      /**< entropy handed out */
};

/**
 * Initialise a virtio-rng device (and its transport).
 * @param rng the device
 * @param ops the source (kept)
 * @param ctx passed to @c fill
 * @param mem guest memory (kept)
 * @param irq interrupt hook (copied)
 * @param err receives the field and the reason on failure (may be NULL)
 * @return 0, or -AV_EINVAL for NULL pointers or no @c fill op.
 */
int av_virtio_rng_init(struct av_virtio_rng *rng, const struct av_virtio_rng_ops *ops, void *ctx,
		       const struct av_virtio_mem *mem, const struct av_virtio_irq *irq,
		       struct av_error *err);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_VIRTIO_RNG_H */
