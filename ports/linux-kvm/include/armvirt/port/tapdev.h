/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/port/tapdev.h
 * @brief A virtio-net backend over a Linux TAP interface (/dev/net/tun).
 *
 * av_tapdev_open() attaches to (or creates) a TAP interface with IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR and sets the virtio-net header size to AV_VIRTIO_NET_HDR_SIZE
 * (TUNSETVNETHDRSZ), so each frame crosses the file descriptor after the same 12-byte
 * header the guest uses. No offload is enabled (TUNSETOFFLOAD is not called): the host
 * hands over checksummed, unsegmented frames and the header is all zero both ways. The
 * descriptor is non-blocking.
 *
 * `struct av_virtio_net_ops` (armvirt/dev/virtio_net.h) over it, the receive side pulled:
 *
 * | op | host call |
 * | --- | --- |
 * | tx | writev() of a zero header and the guest's buffers, no copy; a frame the interface refuses (down, EAGAIN, ...) is dropped (the model counts it) |
 * | rx_peek | the frame read last and not consumed yet, else one read() of the next frame (EAGAIN: none) |
 * | rx_consume | forgets that frame |
 *
 * A frame the guest has no buffer for stays in the backend (one frame) and behind it in
 * the kernel's TAP queue (txqueuelen frames, 500 by default): past that the kernel drops
 * and counts them (the interface's TX drops, `ip -s link`). Nothing blocks.
 *
 * Concurrency: the ops and av_tapdev_pending() are serialised per device by the caller
 * (armvirt/virtio.h); the descriptor may be polled on any thread.
 */
#ifndef ARMVIRT_PORT_TAPDEV_H
#define ARMVIRT_PORT_TAPDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/dev/virtio_net.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_TAPDEV_NAME_MAX 16u /**< IFNAMSIZ: an interface name with its NUL */

/** A TAP interface opened by av_tapdev_open(); the context of av_tapdev_ops. */
struct av_tapdev {
	int fd;                          /**< the TAP file descriptor, -1 when closed */
	char ifname[AV_TAPDEV_NAME_MAX]; /**< the interface's name (the kernel's if none given) */
	size_t pending;                  /**< bytes (header included) of the frame in @c buf,
					  *   0: none */
	uint64_t tx_errors;              /**< writev() failures */
	uint64_t rx_errors;              /**< read() failures other than EAGAIN */
	uint8_t *buf;                    /**< header + AV_VIRTIO_NET_FRAME_MAX bytes */
};

/**
 * Open @p dev (NULL: /dev/net/tun) and attach to the TAP interface @p ifname, created if it
 * does not exist (NULL or "": the kernel names it tapN).
 * @param t      receives the open device (fd -1 on failure)
 * @param ifname the interface name, at most 15 bytes, or NULL
 * @param dev    the clone device, or NULL
 * @param err    receives the reason on failure, one line, e.g. "/dev/net/tun: No such
 *               file or directory (is the tun module loaded?)" or "cannot create
 *               interface tap0: Operation not permitted (TUNSETIFF)"; may be NULL
 * @param errlen size of @p err
 * @return 0; -AV_ENOENT (no clone device), -AV_EPERM (permission), -AV_EINVAL (a bad
 *         name, NULL @p t), -AV_ENOMEM, -AV_EIO (another host error).
 */
int av_tapdev_open(struct av_tapdev *t, const char *ifname, const char *dev, char *err,
		   size_t errlen);

/**
 * Close the interface (safe on a closed or failed `struct av_tapdev`).
 * @param t the device
 */
void av_tapdev_close(struct av_tapdev *t);

/**
 * Whether a received frame waits in the backend (read from the descriptor, not consumed):
 * after av_virtio_net_rx_pull(), true means the guest had no buffer for it, so polling the
 * descriptor can wait until the guest posts some (@c rx_space).
 * @param t the device
 * @return true if a frame waits
 */
bool av_tapdev_pending(const struct av_tapdev *t);

/** The virtio-net backend over a `struct av_tapdev` (its @c ctx); @c rx_space is NULL
 *  (a VMM that polls the descriptor sets its own, see av_tapdev_pending()). */
extern const struct av_virtio_net_ops av_tapdev_ops;

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_PORT_TAPDEV_H */
