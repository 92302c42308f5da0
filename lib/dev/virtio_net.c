/* SPDX-License-Identifier: MIT */
/*
 * virtio-net device model (virtio 1.2 §5.1): receiveq0 (0) and transmitq0 (1).
 *
 * Transmit: each chain of transmitq0 is the 12-byte header then the frame, segment
 * boundaries meaning nothing; the segments after the header go to the backend in place.
 *
 * Receive: a frame needs the header plus its bytes of writable space. Chains are taken
 * from receiveq0 into a small list of held chains (net->rx_chain, their segments in
 * net->rx_seg) until they hold enough: one chain without VIRTIO_NET_F_MRG_RXBUF, as many as
 * needed with it (num_buffers says how many; only the first carries the header). A frame
 * that does not fit yet leaves the chains held for the next attempt (-AV_ENOSPC); one that
 * can never fit is dropped and the chains stay for the next frame. Held chains are given
 * back only by use or by a reset.
 */
#include <armvirt/dev/virtio_net.h>

#include "compat.h"
#include "error_detail.h"
#include "virtio_util.h"

#define RXQ 0u
#define TXQ 1u
#define HDR AV_VIRTIO_NET_HDR_SIZE
#define HDR_NUM_BUFFERS 10u /* offset of num_buffers in struct virtio_net_hdr */

#define NET_ERR(err, field, ...) av__error(err, -AV_EINVAL, "virtio_net", field, __VA_ARGS__)

static struct av_virtio_net *to_net(struct av_virtio_dev *vdev)
{
	return (struct av_virtio_net *)vdev; /* the first member */
}

static bool negotiated(const struct av_virtio_net *net, uint64_t feature)
{
	return (net->vdev.driver_features & feature) != 0;
}

/* ---- Transmit ---- */

/*
 * Drop the first @skip bytes and the empty buffers of seg[0 .. n), in place: the list
 * then describes the frame. Returns its number of buffers.
 */
static unsigned strip_front(struct av_virtq_seg *seg, unsigned n, uint64_t skip)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++) {
		struct av_virtq_seg s = seg[i];

		if (skip >= s.len) {
			skip -= s.len;
			continue;
		}
		s.addr = (uint8_t *)s.addr + skip;
		s.len -= (uint32_t)skip;
		skip = 0;
		seg[k++] = s;
	}
	return k;
}

/* A transmit chain: the frame after the header goes to the backend; nothing is written. */
static uint32_t tx_one(void *ctx, const struct av_virtq_chain *ch)
{
	struct av_virtio_net *net = ctx;
	struct av_virtio_net_stats *st = &net->stats;
	uint64_t len;
	unsigned n;

	if (ch->n_in) {
		st->tx_drop_malformed++;
		return 0;
	}
	if (ch->out_len < HDR + AV_VIRTIO_NET_ETH_HLEN) {
		st->tx_drop_short++;
		return 0;
	}
	len = ch->out_len - HDR;
	if (len > AV_VIRTIO_NET_FRAME_MAX) {
		st->tx_drop_long++;
		return 0;
	}
	if (!net->link_up) {
		st->tx_drop_link++;
		return 0;
	}
	n = strip_front(ch->seg, ch->n_out, HDR);
	if (net->p.ops->tx(net->p.ctx, ch->seg, n, (size_t)len) < 0) {
		st->tx_drop_backend++;
		return 0;
	}
	st->tx_frames++;
	st->tx_bytes += len;
	return 0;
}

int av_virtio_net_tx_process(struct av_virtio_net *net)
{
	if (!net)
		return -AV_EINVAL;
	return av__virtq_serve(&net->vdev, &net->vq[TXQ], net->tx_seg, AV_ARRAY_SIZE(net->tx_seg),
			       tx_one, net);
}

/* ---- Receive ---- */

/* Forget the first @k held chains (pushed to the used ring by the caller). */
static void rx_forget(struct av_virtio_net *net, unsigned k)
{
	unsigned segs = 0, rest = net->rx_nchains - k;

	if (!k)
		return;
	if (rest)
		segs = net->rx_chain[k].seg;
	else
		segs = net->rx_nseg;
	for (unsigned i = 0; i + segs < net->rx_nseg; i++)
		net->rx_seg[i] = net->rx_seg[i + segs];
	for (unsigned i = 0; i < rest; i++) {
		net->rx_chain[i] = net->rx_chain[k + i];
		net->rx_chain[i].seg = (uint16_t)(net->rx_chain[i].seg - segs);
	}
	net->rx_nchains = rest;
	net->rx_nseg -= segs;
}

/*
 * Take one more receive chain into the held list. Returns 1 if one was added (or a
 * useless one returned empty: call again), 0 if the queue has none, -AV_ERANGE if no more
 * can be held, -AV_EFAULT for a malformed queue.
 */
static int rx_take(struct av_virtio_net *net)
{
	struct av_virtq *vq = &net->vq[RXQ];
	struct av_virtq_chain ch;
	struct av_virtio_net_rxc *c;
	int got;

	if (!vq->ready)
		return 0;
	if (net->rx_nchains == AV_VIRTIO_NET_RX_CHAINS || net->rx_nchains >= vq->num ||
	    AV_ARRAY_SIZE(net->rx_seg) - net->rx_nseg < vq->num)
		return -AV_ERANGE;
	ch = (struct av_virtq_chain){ .seg = net->rx_seg + net->rx_nseg, .cap = vq->num };
	got = av_virtq_pop(vq, &ch);
	if (got <= 0)
		return got;
	if (ch.n_out || ch.in_len < HDR) {
		net->stats.rx_bad_chains++;
		av_virtq_push(vq, ch.head, 0);
		return 1;
	}
	/* Writable segments only: n_out is 0, so they start at the first entry. */
	c = &net->rx_chain[net->rx_nchains++];
	c->head = ch.head;
	c->seg = (uint16_t)net->rx_nseg;
	c->n = (uint16_t)ch.n_in;
	c->cap = ch.in_len;
	net->rx_nseg += ch.n_in;
	return 1;
}

/*
 * Hold enough chains for @need bytes. Returns the number of chains to use, 0 if there are
 * not enough yet, -AV_ERANGE if the frame can never fit, -AV_EFAULT for a malformed queue.
 */
static int rx_gather(struct av_virtio_net *net, uint64_t need)
{
	bool mrg = negotiated(net, AV_VIRTIO_NET_F_MRG_RXBUF);
	uint64_t have = 0;
	unsigned k = 0;

	for (;;) {
		int rc;

		while (k < net->rx_nchains && have < need) {
			have += net->rx_chain[k++].cap;
			if (!mrg)
				return have >= need ? 1 : -AV_ERANGE;
		}
		if (have >= need)
			return (int)k;
		rc = rx_take(net);
		if (rc <= 0)
			return rc;
	}
}

/* Write the header and @len bytes of @frame into the first @k held chains; push them. */
static void rx_fill(struct av_virtio_net *net, int k, const uint8_t *frame, size_t len)
{
	uint8_t hdr[HDR];
	uint64_t done = 0;

	memset(hdr, 0, sizeof(hdr));
	av__put_le16(hdr + HDR_NUM_BUFFERS, (uint16_t)k);
	for (int i = 0; i < k; i++) {
		const struct av_virtio_net_rxc *c = &net->rx_chain[i];
		const struct av_virtq_seg *seg = net->rx_seg + c->seg;
		uint64_t off = 0, n;

		if (i == 0)
			off = av__seg_write(seg, c->n, 0, hdr, HDR);
		n = av__seg_write(seg, c->n, off, frame + done, len - done);
		done += n;
		av_virtq_push(&net->vq[RXQ], c->head, (uint32_t)(off + n));
	}
	rx_forget(net, (unsigned)k);
}

/* One frame to the guest, no interrupt: 0, or the error av_virtio_net_rx() returns. */
static int rx_frame(struct av_virtio_net *net, const void *frame, size_t len)
{
	struct av_virtio_net_stats *st = &net->stats;
	int k;

	if (!av_virtio_dev_live(&net->vdev)) {
		st->rx_no_buffer++;
		net->rx_wanted = true;
		return -AV_ENOSPC;
	}
	if (!net->link_up) {
		st->rx_drop_link++;
		return -AV_EIO;
	}
	if (len < AV_VIRTIO_NET_ETH_HLEN) {
		st->rx_drop_short++;
		return -AV_ERANGE;
	}
	if (len > AV_VIRTIO_NET_FRAME_MAX) {
		st->rx_drop_long++;
		return -AV_ERANGE;
	}
	k = rx_gather(net, HDR + (uint64_t)len);
	if (k == 0) {
		st->rx_no_buffer++;
		net->rx_wanted = true;
		return -AV_ENOSPC;
	}
	if (k == -AV_ERANGE) {
		st->rx_drop_long++;
		return k;
	}
	if (k < 0) {
		st->rx_drop_fault++;
		av_virtio_needs_reset(&net->vdev);
		return k;
	}
	rx_fill(net, k, frame, len);
	st->rx_frames++;
	st->rx_bytes += len;
	return 0;
}

int av_virtio_net_rx(struct av_virtio_net *net, const void *frame, size_t len)
{
	int rc;

	if (!net || (!frame && len))
		return -AV_EINVAL;
	rc = rx_frame(net, frame, len);
	av_virtio_notify_used(&net->vdev, &net->vq[RXQ]);
	return rc;
}

int av_virtio_net_rx_pull(struct av_virtio_net *net)
{
	const void *frame;
	size_t len;
	int done = 0, rc = 0;

	if (!net)
		return -AV_EINVAL;
	if (!net->p.ops->rx_peek)
		return 0;
	while ((frame = net->p.ops->rx_peek(net->p.ctx, &len)) != NULL) {
		rc = rx_frame(net, frame, len);
		if (rc == -AV_ENOSPC)
			break;
		net->p.ops->rx_consume(net->p.ctx);
		if (rc == -AV_EFAULT)
			break;
		if (rc == 0)
			done++;
	}
	av_virtio_notify_used(&net->vdev, &net->vq[RXQ]);
	return rc == -AV_EFAULT ? rc : done;
}

/* Buffers may have appeared: take frames, tell a backend that waits for room. */
static void rx_kick(struct av_virtio_net *net)
{
	bool wanted = net->rx_wanted;

	net->rx_wanted = false;
	av_virtio_net_rx_pull(net);
	if (wanted && net->p.ops->rx_space)
		net->p.ops->rx_space(net->p.ctx);
}

/* ---- Transport hooks ---- */

static void net_notify(struct av_virtio_dev *vdev, unsigned queue)
{
	struct av_virtio_net *net = to_net(vdev);

	if (queue == TXQ)
		av_virtio_net_tx_process(net);
	else if (queue == RXQ)
		rx_kick(net);
}

static void net_reset(struct av_virtio_dev *vdev)
{
	struct av_virtio_net *net = to_net(vdev);

	net->rx_nchains = 0;
	net->rx_nseg = 0;
}

static void net_driver_ok(struct av_virtio_dev *vdev)
{
	rx_kick(to_net(vdev));
}

static const struct av_virtio_dev_ops net_dev_ops = {
	.notify = net_notify,
	.reset = net_reset,
	.driver_ok = net_driver_ok,
};

static void put_status(struct av_virtio_net *net)
{
	av__put_le16(net->config + AV_VIRTIO_NET_CFG_STATUS,
		     net->link_up ? AV_VIRTIO_NET_S_LINK_UP : 0);
}

void av_virtio_net_set_link(struct av_virtio_net *net, bool up)
{
	if (!net || net->link_up == up)
		return;
	net->link_up = up;
	put_status(net);
	av_virtio_config_changed(&net->vdev);
}

int av_virtio_net_init(struct av_virtio_net *net, const struct av_virtio_net_params *p,
		       const struct av_virtio_mem *mem, const struct av_virtio_irq *irq,
		       struct av_error *err)
{
	static const uint8_t zero_mac[6];
	uint64_t features = AV_VIRTIO_NET_F_STATUS;

	if (!net)
		return NET_ERR(err, "net", "is NULL");
	if (!p || !p->ops || !p->ops->tx)
		return NET_ERR(err, "ops->tx", "is NULL");
	if (p->ops->rx_peek && !p->ops->rx_consume)
		return NET_ERR(err, "ops->rx_consume", "is NULL while rx_peek is set");
	if (p->mtu && (p->mtu < AV_VIRTIO_NET_MTU_MIN || p->mtu > AV_VIRTIO_NET_MTU_MAX))
		return NET_ERR(err, "mtu", "%u is outside %u .. %u", (unsigned)p->mtu,
			       AV_VIRTIO_NET_MTU_MIN, AV_VIRTIO_NET_MTU_MAX);
	memset(net, 0, sizeof(*net));
	net->p = *p;
	net->link_up = !p->link_down;
	if (memcmp(p->mac, zero_mac, sizeof(zero_mac)) != 0)
		features |= AV_VIRTIO_NET_F_MAC;
	if (!p->no_mrg_rxbuf)
		features |= AV_VIRTIO_NET_F_MRG_RXBUF;
	if (p->mtu)
		features |= AV_VIRTIO_NET_F_MTU;
	memcpy(net->config + AV_VIRTIO_NET_CFG_MAC, p->mac, sizeof(p->mac));
	put_status(net);
	av__put_le16(net->config + AV_VIRTIO_NET_CFG_MAX_VQ_PAIRS, 1);
	av__put_le16(net->config + AV_VIRTIO_NET_CFG_MTU, p->mtu);
	net->vq[RXQ].num_max = AV_VIRTIO_NET_QUEUE_SIZE;
	net->vq[TXQ].num_max = AV_VIRTIO_NET_QUEUE_SIZE;
	net->vdev.device_id = AV_VIRTIO_ID_NET;
	net->vdev.device_features = features;
	net->vdev.vq = net->vq;
	net->vdev.num_queues = 2;
	net->vdev.config = net->config;
	net->vdev.config_size = sizeof(net->config);
	net->vdev.ops = &net_dev_ops;
	return av_virtio_dev_init(&net->vdev, mem, irq, err);
}
