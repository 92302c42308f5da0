/* SPDX-License-Identifier: MIT */
/*
 * virtio-console device model (virtio 1.2 §5.3): one port, receiveq 0 and transmitq 1.
 *
 * Transmit: on a kick of queue 1, every readable buffer goes to the host's tx callback and
 * the chain is returned with nothing written. Receive: the host pushes bytes, which fill
 * the guest's posted buffers in order; a push that finds no buffer (or too few) remembers
 * it, and the host's rx_space callback runs when the guest posts more.
 */
#include <armvirt/dev/virtio_console.h>

#include "compat.h"
#include "error_detail.h"
#include "virtio_util.h"

#define RXQ 0u
#define TXQ 1u
#define CFG_EMERG_WR 8u /* struct virtio_console_config: cols, rows, max_nr_ports, emerg_wr */

#define CON_ERR(err, field, ...) av__error(err, -AV_EINVAL, "virtio_console", field, __VA_ARGS__)

static struct av_virtio_console *to_con(struct av_virtio_dev *vdev)
{
	return (struct av_virtio_console *)vdev; /* the first member */
}

/* Hand @len bytes to the host; what it does not take is dropped. */
static void tx_out(struct av_virtio_console *con, const void *buf, size_t len)
{
	size_t taken = len ? con->ops->tx(con->ctx, buf, len) : 0;

	if (taken > len)
		taken = len;
	con->tx_bytes += taken;
	con->tx_dropped += len - taken;
}

/* A transmit chain: its readable buffers go to the host, nothing is written. */
static uint32_t transmit_one(void *ctx, const struct av_virtq_chain *ch)
{
	for (unsigned i = 0; i < ch->n_out; i++)
		tx_out(ctx, ch->seg[i].addr, ch->seg[i].len);
	return 0;
}

/* The host waits for receive buffers: tell it they may be there. */
static void rx_space(struct av_virtio_console *con)
{
	if (!con->rx_wanted)
		return;
	con->rx_wanted = false;
	if (con->ops->rx_space)
		con->ops->rx_space(con->ctx);
}

static void con_notify(struct av_virtio_dev *vdev, unsigned queue)
{
	struct av_virtio_console *con = to_con(vdev);

	if (queue == TXQ)
		av__virtq_serve(vdev, &con->vq[TXQ], con->seg, AV_ARRAY_SIZE(con->seg),
				transmit_one, con);
	else if (queue == RXQ)
		rx_space(con);
}

static void con_driver_ok(struct av_virtio_dev *vdev)
{
	rx_space(to_con(vdev));
}

/* emerg_wr: a 32-bit write sends its low byte (VIRTIO_CONSOLE_F_EMERG_WRITE). */
static void con_config_write(struct av_virtio_dev *vdev, uint32_t offset, unsigned size,
			     uint32_t val)
{
	uint8_t c = (uint8_t)val;

	if (offset == CFG_EMERG_WR && size == 4)
		tx_out(to_con(vdev), &c, 1);
}

static const struct av_virtio_dev_ops con_dev_ops = {
	.notify = con_notify,
	.driver_ok = con_driver_ok,
	.config_write = con_config_write,
};

size_t av_virtio_console_rx_push(struct av_virtio_console *con, const void *buf, size_t len)
{
	struct av_virtq *vq;
	size_t done = 0;
	unsigned pushed = 0;
	int got = 0;

	if (!con || (!buf && len))
		return 0;
	vq = &con->vq[RXQ];
	while (done < len && av_virtio_dev_live(&con->vdev)) {
		struct av_virtq_chain ch = { .seg = con->seg, .cap = AV_ARRAY_SIZE(con->seg) };
		uint64_t n;

		got = av_virtq_pop(vq, &ch);
		if (got <= 0)
			break;
		n = av__seg_write(av__chain_in(&ch), ch.n_in, 0, (const uint8_t *)buf + done,
				  len - done);
		av_virtq_push(vq, ch.head, (uint32_t)n);
		done += (size_t)n;
		pushed++;
	}
	if (pushed)
		av_virtio_notify_used(&con->vdev, vq);
	if (got < 0)
		av_virtio_needs_reset(&con->vdev);
	else if (done < len)
		con->rx_wanted = true;
	con->rx_bytes += done;
	return done;
}

int av_virtio_console_init(struct av_virtio_console *con, const struct av_virtio_console_ops *ops,
			   void *ctx, const struct av_virtio_mem *mem,
			   const struct av_virtio_irq *irq, struct av_error *err)
{
	if (!con)
		return CON_ERR(err, "con", "is NULL");
	if (!ops || !ops->tx)
		return CON_ERR(err, "ops->tx", "is NULL");
	memset(con, 0, sizeof(*con));
	con->ops = ops;
	con->ctx = ctx;
	/* cols and rows 0 (no F_SIZE), max_nr_ports unused (no F_MULTIPORT), emerg_wr reads 0 */
	con->vq[RXQ].num_max = AV_VIRTIO_CONSOLE_QUEUE_SIZE;
	con->vq[TXQ].num_max = AV_VIRTIO_CONSOLE_QUEUE_SIZE;
	con->vdev.device_id = AV_VIRTIO_ID_CONSOLE;
	con->vdev.device_features = AV_VIRTIO_CONSOLE_F_EMERG_WRITE;
	con->vdev.vq = con->vq;
	con->vdev.num_queues = 2;
	con->vdev.config = con->config;
	con->vdev.config_size = sizeof(con->config);
	con->vdev.ops = &con_dev_ops;
	return av_virtio_dev_init(&con->vdev, mem, irq, err);
}
