/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/virtio_console.h
 * @brief virtio-console device model (virtio 1.2 §5.3): one port, no multiport.
 *
 * Queue 0 (receiveq) carries bytes to the guest, queue 1 (transmitq) bytes from it. What
 * the guest transmits goes to the host's @c tx callback; the host pushes input with
 * av_virtio_console_rx_push(), which fills the buffers the guest has posted and returns how
 * many bytes it took (the rest stay with the host; @c rx_space says when buffers appear).
 * VIRTIO_CONSOLE_F_SIZE and F_MULTIPORT are not offered; VIRTIO_CONSOLE_F_EMERG_WRITE is
 * (a 32-bit write of the config field emerg_wr sends one byte).
 */
#ifndef ARMVIRT_DEV_VIRTIO_CONSOLE_H
#define ARMVIRT_DEV_VIRTIO_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/virtio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_VIRTIO_CONSOLE_F_SIZE AV_BIT(0)        /**< cols/rows (not offered) */
#define AV_VIRTIO_CONSOLE_F_MULTIPORT AV_BIT(1)   /**< several ports (not offered) */
#define AV_VIRTIO_CONSOLE_F_EMERG_WRITE AV_BIT(2) /**< emerg_wr (offered) */

#define AV_VIRTIO_CONSOLE_QUEUE_SIZE 128u  /**< size of each queue */
#define AV_VIRTIO_CONSOLE_CONFIG_SIZE 12u  /**< cols, rows, max_nr_ports, emerg_wr */

/** The host side of the console. */
struct av_virtio_console_ops {
	/** Bytes the guest wrote. The model drops what is not taken (counted). Required. */
	size_t (*tx)(void *ctx, const void *buf, size_t len);
	/** The guest posted receive buffers after a push was short. May be NULL. */
	void (*rx_space)(void *ctx);
};

/** A virtio-console device. Caller-allocated; av_virtio_console_init(). */
struct av_virtio_console {
	struct av_virtio_dev vdev;                         /**< the transport (first) */
	struct av_virtq vq[2];                             /**< receiveq, transmitq */
	uint8_t config[AV_VIRTIO_CONSOLE_CONFIG_SIZE];     /**< struct virtio_console_config */
	const struct av_virtio_console_ops *ops;           /**< host side */
	void *ctx;                                         /**< passed to the ops */
	struct av_virtq_seg seg[16];                       /**< a chain's segments */
	bool rx_wanted;                                    /**< a push was short */
	/* Statistics */
	uint64_t tx_bytes;   /**< bytes from the guest */
	uint64_t rx_bytes;   /**< bytes to the guest */
	uint64_t tx_dropped; /**< bytes from the guest the host did not take */
};

/**
 * Initialise a virtio-console device (and its transport).
 * @param con the device
 * @param ops host side (kept)
 * @param ctx passed to the ops
 * @param mem guest memory (kept)
 * @param irq interrupt hook (copied)
 * @param err receives the field and the reason on failure (may be NULL)
 * @return 0, or -AV_EINVAL for NULL pointers or no @c tx op.
 */
int av_virtio_console_init(struct av_virtio_console *con, const struct av_virtio_console_ops *ops,
			   void *ctx, const struct av_virtio_mem *mem,
			   const struct av_virtio_irq *irq, struct av_error *err);

/**
 * Give the guest input: fills posted receive buffers in order.
 * @param con the device
 * @param buf bytes
 * @param len how many
 * @return bytes taken (0 when the driver is not ready or has posted no buffer)
 */
size_t av_virtio_console_rx_push(struct av_virtio_console *con, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_VIRTIO_CONSOLE_H */
