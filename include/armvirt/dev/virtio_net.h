/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/virtio_net.h
 * @brief virtio-net device model (virtio 1.2 §5.1): one queue pair, no control queue.
 *
 * Queue 0 (receiveq0) carries frames to the guest, queue 1 (transmitq0) frames from it.
 * Every buffer starts with the 12-byte `struct virtio_net_hdr` (the virtio 1.x layout,
 * num_buffers included). Features offered: VIRTIO_NET_F_MAC (unless the MAC is all zero),
 * VIRTIO_NET_F_STATUS (link state, av_virtio_net_set_link()), VIRTIO_NET_F_MRG_RXBUF
 * (unless disabled), VIRTIO_NET_F_MTU (when an MTU is given). No checksum or
 * segmentation offload is offered (VIRTIO_NET_F_CSUM, F_GUEST_CSUM, F_HOST_TSO*, ...):
 * the guest computes every checksum and sends frames no longer than its MTU, so the
 * header carries nothing a backend needs and frames move as plain Ethernet frames.
 *
 * The backend is an ops table:
 * - **Transmit** (@c tx): on a kick of transmitq0 (or av_virtio_net_tx_process()), each
 *   chain's readable part, less the header, goes to @c tx as a list of guest buffers
 *   mapped into the host (no copy; a TAP backend can writev() them). The chain is returned
 *   to the guest when @c tx returns.
 * - **Receive, pull**: the device takes frames from the backend when the guest posts
 *   buffers (a kick of receiveq0, DRIVER_OK) and when the backend calls
 *   av_virtio_net_rx_pull(): @c rx_peek shows the next waiting frame, the device copies it
 *   into the guest's buffers (or drops it) and calls @c rx_consume. A frame waits in the
 *   backend while the guest has no buffer for it.
 * - **Receive, push**: av_virtio_net_rx() copies one frame into the guest's buffers, or
 *   returns -AV_ENOSPC at once (never blocks) when the guest has posted too few buffers:
 *   the backend keeps the frame in its own bounded queue and tries again when @c rx_space
 *   says buffers appeared.
 *
 * Drops (each counted in `struct av_virtio_net_stats`): a transmitted chain shorter than
 * the header plus a 14-byte Ethernet header, longer than AV_VIRTIO_NET_FRAME_MAX after
 * the header, or with device-writable buffers; a transmit while the link is down or that
 * the backend refuses; a received frame shorter than 14 bytes, longer than
 * AV_VIRTIO_NET_FRAME_MAX or than the buffers the guest can give it, or arriving while
 * the link is down. A malformed queue (a descriptor outside guest memory, a loop, ...)
 * sets DEVICE_NEEDS_RESET (armvirt/virtio.h). A receive chain that cannot hold the header
 * or has readable buffers is returned with nothing written (counted).
 *
 * Concurrency: as armvirt/virtio.h says, serialise per device the MMIO accesses, the queue
 * processing (av_virtio_net_tx_process(), av_virtio_net_rx(), av_virtio_net_rx_pull(),
 * av_virtio_net_set_link()) and the ops, which are called from inside those.
 */
#ifndef ARMVIRT_DEV_VIRTIO_NET_H
#define ARMVIRT_DEV_VIRTIO_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/virtio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_VIRTIO_NET_F_CSUM AV_BIT(0)       /**< checksum offload, transmit (not offered) */
#define AV_VIRTIO_NET_F_GUEST_CSUM AV_BIT(1) /**< checksum offload, receive (not offered) */
#define AV_VIRTIO_NET_F_MTU AV_BIT(3)        /**< mtu in the config space */
#define AV_VIRTIO_NET_F_MAC AV_BIT(5)        /**< mac in the config space */
#define AV_VIRTIO_NET_F_MRG_RXBUF AV_BIT(15) /**< a frame may span several receive chains */
#define AV_VIRTIO_NET_F_STATUS AV_BIT(16)    /**< status in the config space */
#define AV_VIRTIO_NET_F_CTRL_VQ AV_BIT(17)   /**< control queue (not offered) */

#define AV_VIRTIO_NET_S_LINK_UP 1u /**< config status: the link is up */

/* struct virtio_net_config offsets (little-endian fields) */
#define AV_VIRTIO_NET_CFG_MAC 0u          /**< u8 mac[6] */
#define AV_VIRTIO_NET_CFG_STATUS 6u       /**< le16 status (AV_VIRTIO_NET_S_*) */
#define AV_VIRTIO_NET_CFG_MAX_VQ_PAIRS 8u /**< le16 max_virtqueue_pairs (1) */
#define AV_VIRTIO_NET_CFG_MTU 10u         /**< le16 mtu */
#define AV_VIRTIO_NET_CONFIG_SIZE 12u     /**< bytes of the config space exposed */

#define AV_VIRTIO_NET_QUEUE_SIZE 256u /**< size of each queue offered */
#define AV_VIRTIO_NET_HDR_SIZE 12u    /**< struct virtio_net_hdr (virtio 1.x) */
#define AV_VIRTIO_NET_ETH_HLEN 14u    /**< shortest frame accepted: an Ethernet header */
/** Longest frame accepted (without the header; 65550 bytes with it): any MTU up to
 *  AV_VIRTIO_NET_MTU_MAX, plus an Ethernet header and a VLAN tag, fits. */
#define AV_VIRTIO_NET_FRAME_MAX 65538u
#define AV_VIRTIO_NET_MTU_MIN 68u    /**< smallest MTU av_virtio_net_init() accepts */
#define AV_VIRTIO_NET_MTU_MAX 65520u /**< largest MTU av_virtio_net_init() accepts */
/** Receive chains the device holds for one frame (with VIRTIO_NET_F_MRG_RXBUF): a frame
 *  that needs more buffers than this is dropped. */
#define AV_VIRTIO_NET_RX_CHAINS 64u

/* struct virtio_net_hdr flags and gso_type (only the values the device writes) */
#define AV_VIRTIO_NET_HDR_GSO_NONE 0u /**< gso_type: no segmentation */

/**
 * struct virtio_net_hdr as it lies in guest memory (all fields little-endian), for
 * backends that need one (a TAP device with IFF_VNET_HDR): on receive the device writes
 * flags 0, gso_type AV_VIRTIO_NET_HDR_GSO_NONE, zero offsets, num_buffers.
 */
struct av_virtio_net_hdr {
	uint8_t flags;        /**< VIRTIO_NET_HDR_F_* (0: no offload negotiated) */
	uint8_t gso_type;     /**< VIRTIO_NET_HDR_GSO_* */
	uint16_t hdr_len;     /**< header bytes of a GSO frame */
	uint16_t gso_size;    /**< segment size of a GSO frame */
	uint16_t csum_start;  /**< checksum offload: where to start */
	uint16_t csum_offset; /**< checksum offload: where to store, from csum_start */
	uint16_t num_buffers; /**< receive: chains the frame spans (1 without MRG_RXBUF) */
};

/** The backend: where frames go and come from. */
struct av_virtio_net_ops {
	/**
	 * Transmit one frame from the guest: @p len bytes (AV_VIRTIO_NET_ETH_HLEN ..
	 * AV_VIRTIO_NET_FRAME_MAX) in @p seg[0 .. n), buffers of guest memory (no empty one),
	 * valid only during the call. Return 0, or a negative `AV_E*` code if the frame was
	 * dropped (counted in tx_drop_backend). Required.
	 */
	int (*tx)(void *ctx, const struct av_virtq_seg *seg, unsigned n, size_t len);
	/**
	 * The next received frame waiting in the backend, or NULL if none: its bytes, its
	 * length in @p *len. They must stay valid and unchanged until @c rx_consume or the
	 * next @c rx_peek. May be NULL: the backend pushes with av_virtio_net_rx() only.
	 */
	const void *(*rx_peek)(void *ctx, size_t *len);
	/** The device is done with the frame @c rx_peek returned (delivered or dropped):
	 *  remove it. Required with @c rx_peek. */
	void (*rx_consume)(void *ctx);
	/** The guest posted receive buffers (or set DRIVER_OK) after a receive found too few
	 *  (av_virtio_net_rx() returned -AV_ENOSPC, or a pull stopped): frames may be
	 *  pushed again. May be NULL. */
	void (*rx_space)(void *ctx);
};

/** What av_virtio_net_init() needs. */
struct av_virtio_net_params {
	const struct av_virtio_net_ops *ops; /**< backend */
	void *ctx;                           /**< passed to every op */
	uint8_t mac[6];                      /**< the MAC address; all zero: VIRTIO_NET_F_MAC
					      *   is not offered (the guest picks one) */
	uint16_t mtu;                        /**< 0: VIRTIO_NET_F_MTU not offered; else
					      *   AV_VIRTIO_NET_MTU_MIN .. _MTU_MAX */
	bool link_down;                      /**< start with the link down */
	bool no_mrg_rxbuf;                   /**< do not offer VIRTIO_NET_F_MRG_RXBUF */
};

/** Counters of a virtio-net device. Frames and bytes exclude the virtio-net header. */
struct av_virtio_net_stats {
	uint64_t tx_frames;         /**< frames handed to the backend */
	uint64_t tx_bytes;          /**< their bytes */
	uint64_t rx_frames;         /**< frames given to the guest */
	uint64_t rx_bytes;          /**< their bytes */
	uint64_t tx_drop_short;     /**< transmit chains shorter than header + 14 bytes */
	uint64_t tx_drop_long;      /**< transmit frames longer than AV_VIRTIO_NET_FRAME_MAX */
	uint64_t tx_drop_malformed; /**< transmit chains with device-writable buffers */
	uint64_t tx_drop_link;      /**< transmits while the link was down */
	uint64_t tx_drop_backend;   /**< frames the backend's @c tx refused */
	uint64_t rx_drop_short;     /**< received frames shorter than 14 bytes */
	uint64_t rx_drop_long;      /**< received frames longer than the guest's buffers or
				     *   than AV_VIRTIO_NET_FRAME_MAX */
	uint64_t rx_drop_link;      /**< received frames while the link was down */
	uint64_t rx_drop_fault;     /**< received frames lost to a malformed receive queue */
	uint64_t rx_bad_chains;     /**< receive chains too small for the header, or with
				     *   readable buffers (returned empty) */
	uint64_t rx_no_buffer;      /**< receives refused for want of buffers (-AV_ENOSPC;
				     *   not drops: the backend keeps the frame) */
};

/** A receive chain taken from the queue and held for the next frame (internal). */
struct av_virtio_net_rxc {
	uint16_t head;  /**< head descriptor index */
	uint16_t seg;   /**< first segment in av_virtio_net::rx_seg */
	uint16_t n;     /**< writable segments */
	uint64_t cap;   /**< writable bytes */
};

/** A virtio-net device. Caller-allocated; av_virtio_net_init(). */
struct av_virtio_net {
	struct av_virtio_dev vdev;                  /**< the transport (first) */
	struct av_virtq vq[2];                      /**< receiveq0, transmitq0 */
	uint8_t config[AV_VIRTIO_NET_CONFIG_SIZE];  /**< struct virtio_net_config */
	struct av_virtio_net_params p;              /**< the parameters (copied) */
	bool link_up;                               /**< the link state */
	bool rx_wanted;                             /**< a receive found too few buffers */
	struct av_virtio_net_stats stats;           /**< counters */
	/* Receive chains held for the next frame (internal) */
	struct av_virtio_net_rxc rx_chain[AV_VIRTIO_NET_RX_CHAINS]; /**< held chains */
	unsigned rx_nchains;                        /**< entries in @c rx_chain */
	unsigned rx_nseg;                           /**< entries of @c rx_seg they use */
	struct av_virtq_seg rx_seg[2 * AV_VIRTIO_NET_QUEUE_SIZE]; /**< their segments */
	struct av_virtq_seg tx_seg[AV_VIRTIO_NET_QUEUE_SIZE];     /**< a transmit chain */
};

/**
 * Initialise a virtio-net device (and its transport, av_virtio_dev_init()).
 * @param net the device
 * @param p   the backend and parameters (copied)
 * @param mem guest memory (kept)
 * @param irq interrupt hook (copied)
 * @param err receives the field and the reason on failure (may be NULL)
 * @return 0, or -AV_EINVAL (NULL pointers, no @c tx op, @c rx_peek without
 *         @c rx_consume, an MTU outside AV_VIRTIO_NET_MTU_MIN .. AV_VIRTIO_NET_MTU_MAX).
 */
int av_virtio_net_init(struct av_virtio_net *net, const struct av_virtio_net_params *p,
		       const struct av_virtio_mem *mem, const struct av_virtio_irq *irq,
		       struct av_error *err);

/**
 * Transmit every frame the guest has queued on transmitq0 (what a kick of the queue does;
 * a host that runs I/O on another thread may call it there, serialised with the MMIO
 * accesses).
 * @param net the device
 * @return chains processed (sent or dropped), or -AV_EFAULT if the queue was malformed
 *         (DEVICE_NEEDS_RESET is set).
 */
int av_virtio_net_tx_process(struct av_virtio_net *net);

/**
 * Push one received frame to the guest: written after a header into the buffers the guest
 * posted (several chains with VIRTIO_NET_F_MRG_RXBUF, one without), with a used-buffer
 * interrupt if the guest wants one. Never blocks.
 * @param net   the device
 * @param frame the Ethernet frame (no virtio-net header)
 * @param len   its length
 * @return 0 if delivered; -AV_ENOSPC if the driver is not ready or has not posted enough
 *         buffers yet: the frame was not taken (keep or drop it; @c rx_space is called
 *         when buffers appear); or the frame was dropped (counted): -AV_ERANGE (shorter
 *         than 14 bytes, longer than AV_VIRTIO_NET_FRAME_MAX or than the guest's
 *         buffers), -AV_EIO (link down), -AV_EFAULT (malformed receive queue,
 *         DEVICE_NEEDS_RESET set); -AV_EINVAL for NULL arguments.
 */
int av_virtio_net_rx(struct av_virtio_net *net, const void *frame, size_t len);

/**
 * Take frames from the backend (@c rx_peek / @c rx_consume) into the guest's buffers until
 * the backend has none or the guest has too few buffers (the frame then stays in the
 * backend). Frames av_virtio_net_rx() would drop are consumed and counted. The device
 * calls it when the guest posts buffers; a backend calls it when frames arrive.
 * @param net the device
 * @return frames delivered, 0 without @c rx_peek, or -AV_EFAULT if the receive queue was
 *         malformed (DEVICE_NEEDS_RESET is set).
 */
int av_virtio_net_rx_pull(struct av_virtio_net *net);

/**
 * Set the link state: config status AV_VIRTIO_NET_S_LINK_UP, and a configuration-change
 * interrupt (VIRTIO_NET_F_STATUS) if it changed. While the link is down, transmitted and
 * received frames are dropped (counted).
 * @param net the device
 * @param up  the new state
 */
void av_virtio_net_set_link(struct av_virtio_net *net, bool up);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_VIRTIO_NET_H */
