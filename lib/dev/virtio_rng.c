/* SPDX-License-Identifier: MIT */
/*
 * virtio-rng device model (virtio 1.2 §5.4): each chain's writable buffers are filled from
 * the host's source, in order, until it comes up short; the chain is returned with the
 * bytes filled.
 */
#include <armvirt/dev/virtio_rng.h>

#include "compat.h"
#include "error_detail.h"
#include "virtio_util.h"

#define RNG_ERR(err, field, ...) av__error(err, -AV_EINVAL, "virtio_rng", field, __VA_ARGS__)

static struct av_virtio_rng *to_rng(struct av_virtio_dev *vdev)
{
	return (struct av_virtio_rng *)vdev; /* the first member */
}

/* Fill the writable part of @ch; returns the bytes filled. */
static uint32_t fill_chain(void *ctx, const struct av_virtq_chain *ch)
{
	struct av_virtio_rng *rng = ctx;
	const struct av_virtq_seg *in = av__chain_in(ch);
	uint64_t total = 0;

	for (unsigned i = 0; i < ch->n_in; i++) {
		size_t got = in[i].len ? rng->ops->fill(rng->ctx, in[i].addr, in[i].len) : 0;

		if (got > in[i].len)
			got = in[i].len;
		total += got;
		if (got < in[i].len)
			break;
	}
	rng->bytes += total;
	/* The writable part of a chain is at most 1024 descriptors of < 4 GiB each. */
	return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

static void rng_notify(struct av_virtio_dev *vdev, unsigned queue)
{
	struct av_virtio_rng *rng = to_rng(vdev);

	if (queue == 0)
		av__virtq_serve(vdev, &rng->vq, rng->seg, AV_ARRAY_SIZE(rng->seg), fill_chain, rng);
}

static const struct av_virtio_dev_ops rng_dev_ops = {
	.notify = rng_notify,
};

int av_virtio_rng_init(struct av_virtio_rng *rng, const struct av_virtio_rng_ops *ops, void *ctx,
		       const struct av_virtio_mem *mem, const struct av_virtio_irq *irq,
		       struct av_error *err)
{
	if (!rng)
		return RNG_ERR(err, "rng", "is NULL");
	if (!ops || !ops->fill)
		return RNG_ERR(err, "ops->fill", "is NULL");
	memset(rng, 0, sizeof(*rng));
	rng->ops = ops;
	rng->ctx = ctx;
	rng->vq.num_max = AV_VIRTIO_RNG_QUEUE_SIZE;
	rng->vdev.device_id = AV_VIRTIO_ID_RNG;
	rng->vdev.vq = &rng->vq;
	rng->vdev.num_queues = 1;
	rng->vdev.ops = &rng_dev_ops;
	return av_virtio_dev_init(&rng->vdev, mem, irq, err);
}
