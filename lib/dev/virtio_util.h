/* SPDX-License-Identifier: MIT */
/*
 * Internal: what the virtio device models share (armvirt/virtio.h). The queue loop, and
 * byte-level access to a chain: its readable or writable part is a list of host buffers,
 * copied into and out of at a byte offset, whatever the segment boundaries are.
 */
#ifndef ARMVIRT_LIB_DEV_VIRTIO_UTIL_H
#define ARMVIRT_LIB_DEV_VIRTIO_UTIL_H

#include <stdint.h>

#include <armvirt/virtio.h>

#include "compat.h"

/* The device-writable segments of @ch. */
static inline struct av_virtq_seg *av__chain_in(const struct av_virtq_chain *ch)
{
	return ch->seg + ch->n_out;
}

/*
 * Copy @len bytes between the segments seg[0 .. n), starting @off bytes into them, and a
 * flat buffer: out of the segments into @dst, or into them from @src (the other NULL).
 * Stops at the end of the segments; returns the bytes copied.
 */
static inline uint64_t av__seg_xfer(const struct av_virtq_seg *seg, unsigned n, uint64_t off,
				    void *dst, const void *src, uint64_t len)
{
	uint64_t done = 0;

	for (unsigned i = 0; i < n && done < len; i++) {
		uint8_t *s = (uint8_t *)seg[i].addr;
		uint64_t take;

		if (off >= seg[i].len) {
			off -= seg[i].len;
			continue;
		}
		take = seg[i].len - off;
		if (take > len - done)
			take = len - done;
		if (dst)
			memcpy((uint8_t *)dst + done, s + off, (size_t)take);
		else
			memcpy(s + off, (const uint8_t *)src + done, (size_t)take);
		done += take;
		off = 0;
	}
	return done;
}

/* Read @len bytes at @off of the segments into @dst. */
static inline uint64_t av__seg_read(const struct av_virtq_seg *seg, unsigned n, uint64_t off,
				    void *dst, uint64_t len)
{
	return av__seg_xfer(seg, n, off, dst, NULL, len);
}

/* Write @len bytes of @src at @off of the segments. */
static inline uint64_t av__seg_write(const struct av_virtq_seg *seg, unsigned n, uint64_t off,
				     const void *src, uint64_t len)
{
	return av__seg_xfer(seg, n, off, NULL, src, len);
}

/* Little-endian loads and stores (configuration space, request headers). */
static inline uint32_t av__le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t av__le64(const uint8_t *p)
{
	return (uint64_t)av__le32(p) | (uint64_t)av__le32(p + 4) << 32;
}

static inline void av__put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void av__put_le32(uint8_t *p, uint32_t v)
{
	av__put_le16(p, (uint16_t)v);
	av__put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void av__put_le64(uint8_t *p, uint64_t v)
{
	av__put_le32(p, (uint32_t)v);
	av__put_le32(p + 4, (uint32_t)(v >> 32));
}

/*
 * Serve every available chain of @vq: @handle returns the bytes it wrote into the chain,
 * which then goes to the used ring; one used-buffer notification for the batch. A malformed
 * queue sets DEVICE_NEEDS_RESET. Returns the chains served, or -AV_EFAULT.
 */
static inline int av__virtq_serve(struct av_virtio_dev *vdev, struct av_virtq *vq,
				  struct av_virtq_seg *seg, unsigned cap,
				  uint32_t (*handle)(void *ctx, const struct av_virtq_chain *ch),
				  void *ctx)
{
	int done = 0, got;

	for (;;) {
		struct av_virtq_chain ch = { .seg = seg, .cap = cap };

		got = av_virtq_pop(vq, &ch);
		if (got <= 0)
			break;
		av_virtq_push(vq, ch.head, handle(ctx, &ch));
		done++;
	}
	if (done)
		av_virtio_notify_used(vdev, vq);
	if (got < 0) {
		av_virtio_needs_reset(vdev);
		return -AV_EFAULT;
	}
	return done;
}

#endif /* ARMVIRT_LIB_DEV_VIRTIO_UTIL_H */
