/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the virtio-net device model (armvirt/dev/virtio_net.h) over the
 * virtio-mmio transport and two split virtqueues.
 *
 * Input: 4 control bytes, then the guest RAM image (RAM_SIZE bytes at guest-physical 0,
 * zero-padded) holding both queues' rings at fixed addresses (below) and the buffers
 * anywhere. Control bytes:
 *  [0] bits 2:0 log2 of the queue sizes (1 .. 64); bit 3 accept VIRTIO_NET_F_MRG_RXBUF;
 *      bit 4 accept VIRTIO_F_EVENT_IDX; bit 5 accept VIRTIO_F_INDIRECT_DESC; bit 6 a pull
 *      backend (rx_peek / rx_consume) instead of av_virtio_net_rx(); bit 7 reset the
 *      device after the first step;
 *  [1] bits 1:0 steps (1 .. 4); bits 4:2 how far both available indices advance before
 *      each step after the first (the same ring entries again); bit 5 the backend's tx
 *      fails; bit 6 the link goes down before the second step; bit 7 no MAC address;
 *  [2], [3] the length of the frame received at each step (big-endian, 0 .. 65535; with
 *      a pull backend a second frame of 60 bytes follows it).
 * Each step transmits what transmitq0 holds, then receives. The seeds
 * (test/fuzz/seeds/virtio-net-*) are well-formed traffic: split and indirect transmits,
 * receive chains with and without mergeable buffers, so mutations start from chains the
 * device accepts.
 * Invariants checked (a violation traps):
 *  - every guest-memory mapping the device asks for lies inside RAM; the guard bytes
 *    around RAM never change; nothing writes the used rings but the device;
 *  - a transmitted frame is 14 .. AV_VIRTIO_NET_FRAME_MAX bytes in non-empty buffers
 *    inside RAM that add up to it; a transmit chain comes back with length 0; the transmit
 *    counters grow by the chains processed;
 *  - a receive returns 0, -AV_ENOSPC, -AV_ERANGE, -AV_EIO or -AV_EFAULT, -AV_EFAULT with
 *    DEVICE_NEEDS_RESET; the used lengths of the receive chains returned add up to the
 *    header plus the frame when it was delivered, to 0 otherwise; a frame is delivered
 *    only with the link up;
 *  - the pull backend's frames are consumed in order, never beyond those queued.
 */
#include <armvirt/dev/virtio_net.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

#define RAM_SIZE 0x2000u
#define QMAX 64u
#define RX_AVAIL 0x000u
#define TX_AVAIL 0x100u
#define RX_DESC 0x200u
#define TX_DESC 0x600u
#define RX_USED 0xa00u
#define TX_USED 0xc10u
#define USED_BYTES (4u + 8u * QMAX + 2u)
#define GUARD 64u
#define GUARD_BYTE 0xa5
#define HDR AV_VIRTIO_NET_HDR_SIZE

static uint8_t ram_buf[GUARD + RAM_SIZE + GUARD];
static uint8_t frame[65536 + 60];
static struct av_virtio_net net;

struct harness {
	bool rings_mapped;
	bool tx_fail;
	/* pull backend: two frames */
	const uint8_t *q[2];
	size_t qlen[2];
	unsigned consumed;
};

static struct harness h;

static bool in_ram(const void *p, size_t len)
{
	const uint8_t *b = p;

	return b >= ram_buf + GUARD && len <= RAM_SIZE &&
	       (size_t)(b - (ram_buf + GUARD)) <= RAM_SIZE - len;
}

static bool hits_used(uint64_t gpa, uint64_t len)
{
	return (gpa < RX_USED + USED_BYTES && gpa + len > RX_USED) ||
	       (gpa < TX_USED + USED_BYTES && gpa + len > TX_USED);
}

static void *mem_map(void *ctx, uint64_t gpa, uint64_t len, bool write)
{
	(void)ctx;
	CHECK(len >= 1 && gpa + (len - 1) >= gpa);
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return NULL;
	/* Once the rings are mapped, no buffer may alias a used ring. */
	if (write && h.rings_mapped && hits_used(gpa, len))
		return NULL;
	return ram_buf + GUARD + gpa;
}

static const struct av_virtio_mem_ops mem_ops = { .map = mem_map };

static int f_tx(void *ctx, const struct av_virtq_seg *seg, unsigned n, size_t len)
{
	size_t t = 0;

	(void)ctx;
	CHECK(len >= AV_VIRTIO_NET_ETH_HLEN && len <= AV_VIRTIO_NET_FRAME_MAX);
	CHECK(n >= 1 && n <= AV_VIRTIO_NET_QUEUE_SIZE);
	for (unsigned i = 0; i < n; i++) {
		CHECK(seg[i].len > 0 && in_ram(seg[i].addr, seg[i].len));
		t += seg[i].len;
	}
	CHECK(t == len);
	return h.tx_fail ? -AV_EIO : 0;
}

static const void *f_peek(void *ctx, size_t *len)
{
	(void)ctx;
	if (h.consumed >= 2)
		return NULL;
	*len = h.qlen[h.consumed];
	return h.q[h.consumed];
}

static void f_consume(void *ctx)
{
	(void)ctx;
	CHECK(h.consumed < 2);
	h.consumed++;
}

static const struct av_virtio_net_ops push_ops = { .tx = f_tx };
static const struct av_virtio_net_ops pull_ops = {
	.tx = f_tx, .rx_peek = f_peek, .rx_consume = f_consume,
};

static void mmio_write(uint64_t off, uint32_t val)
{
	CHECK(av_virtio_mmio_ops.write(&net.vdev, NULL, off, 4, val) == AV_ACCESS_HANDLED);
}

static uint32_t mmio_read(uint64_t off)
{
	uint64_t v = 0;

	CHECK(av_virtio_mmio_ops.read(&net.vdev, NULL, off, 4, &v) == AV_ACCESS_HANDLED);
	return (uint32_t)v;
}

static void setup_queue(unsigned q, unsigned num, uint32_t desc, uint32_t avail, uint32_t used)
{
	mmio_write(AV_VIRTIO_MMIO_QUEUE_SEL, q);
	CHECK(mmio_read(AV_VIRTIO_MMIO_QUEUE_NUM_MAX) == AV_VIRTIO_NET_QUEUE_SIZE);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_NUM, num);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW, avail);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, used);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Bring the device up as a driver does; returns false if the transport refused. */
static bool driver_setup(uint8_t ctl, unsigned num)
{
	const uint32_t base = AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER;
	uint64_t want = AV_VIRTIO_F_VERSION_1 | ((ctl & 0x10) ? AV_VIRTIO_F_EVENT_IDX : 0) |
			((ctl & 0x20) ? AV_VIRTIO_F_INDIRECT_DESC : 0) |
			(AV_GENMASK(27, 0) & ~AV_VIRTIO_NET_F_MRG_RXBUF) |
			((ctl & 0x08) ? AV_VIRTIO_NET_F_MRG_RXBUF : 0);
	uint64_t feat;

	mmio_write(AV_VIRTIO_MMIO_STATUS, 0);
	mmio_write(AV_VIRTIO_MMIO_STATUS, AV_VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_write(AV_VIRTIO_MMIO_STATUS, base);
	mmio_write(AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	feat = mmio_read(AV_VIRTIO_MMIO_DEVICE_FEATURES);
	mmio_write(AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	feat |= (uint64_t)mmio_read(AV_VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	CHECK(feat & AV_VIRTIO_F_VERSION_1);
	CHECK(!(feat & (AV_VIRTIO_NET_F_CSUM | AV_VIRTIO_NET_F_GUEST_CSUM |
			AV_VIRTIO_NET_F_CTRL_VQ)));
	feat &= want;
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	mmio_write(AV_VIRTIO_MMIO_STATUS, base | AV_VIRTIO_STATUS_FEATURES_OK);
	if (!(mmio_read(AV_VIRTIO_MMIO_STATUS) & AV_VIRTIO_STATUS_FEATURES_OK))
		return false;
	setup_queue(0, num, RX_DESC, RX_AVAIL, RX_USED);
	setup_queue(1, num, TX_DESC, TX_AVAIL, TX_USED);
	mmio_write(AV_VIRTIO_MMIO_STATUS,
		   base | AV_VIRTIO_STATUS_FEATURES_OK | AV_VIRTIO_STATUS_DRIVER_OK);
	return net.vq[0].ready && net.vq[1].ready;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The used entries [from, to) of a ring: ids below @num; returns the sum of lengths. */
static uint64_t used_sum(uint32_t used_gpa, unsigned num, uint16_t from, uint16_t to)
{
	const uint8_t *used = ram_buf + GUARD + used_gpa;
	uint64_t t = 0;

	for (uint16_t i = from; i != to; i++) {
		const uint8_t *e = used + 4 + 8 * (i % num);

		CHECK(le32(e) < num);
		t += le32(e + 4);
	}
	return t;
}

static void advance(uint32_t avail_gpa, unsigned by)
{
	uint8_t *p = ram_buf + GUARD + avail_gpa + 2;
	uint16_t idx = (uint16_t)(p[0] | p[1] << 8);

	idx = (uint16_t)(idx + by);
	p[0] = (uint8_t)idx;
	p[1] = (uint8_t)(idx >> 8);
}

static uint64_t tx_count(void)
{
	const struct av_virtio_net_stats *s = &net.stats;

	return s->tx_frames + s->tx_drop_short + s->tx_drop_long + s->tx_drop_malformed +
	       s->tx_drop_link + s->tx_drop_backend;
}

static void step_tx(unsigned num)
{
	uint16_t before = net.vq[1].used_idx;
	uint64_t count = tx_count();
	int rc = av_virtio_net_tx_process(&net);

	if (rc < 0) {
		CHECK(rc == -AV_EFAULT);
		CHECK(net.vdev.status & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	} else {
		CHECK((uint16_t)(net.vq[1].used_idx - before) == (uint16_t)rc);
		CHECK(tx_count() - count == (uint64_t)rc);
	}
	CHECK(used_sum(TX_USED, num, before, net.vq[1].used_idx) == 0);
}

/*
 * Whether receive pushed more than @num entries since @before: possible when a driver makes
 * buffers available while others are still held, so the device returns held chains and
 * new ones in one step; the used ring has then overwritten entries and their sum says
 * nothing.
 */
static bool wrapped(uint16_t before, unsigned num)
{
	return (uint16_t)(net.vq[0].used_idx - before) > num;
}

static void step_rx(unsigned num, size_t len, bool pull)
{
	uint16_t before = net.vq[0].used_idx;
	uint64_t frames = net.stats.rx_frames, bytes = net.stats.rx_bytes;
	bool link = net.link_up;
	int rc;

	if (pull) {
		unsigned consumed = h.consumed;

		rc = av_virtio_net_rx_pull(&net);
		CHECK(rc == -AV_EFAULT || (rc >= 0 && rc <= 2));
		CHECK(h.consumed >= consumed && h.consumed <= 2);
		if (rc > 0)
			CHECK(link);
		/* After a fault, the frames before it were delivered: no exact count. */
		if (rc >= 0) {
			CHECK(net.stats.rx_frames - frames == (uint64_t)rc);
			if (!wrapped(before, num))
				CHECK(used_sum(RX_USED, num, before, net.vq[0].used_idx) ==
				      net.stats.rx_bytes - bytes + HDR * (uint64_t)rc);
		}
	} else {
		rc = av_virtio_net_rx(&net, frame, len);
		CHECK(rc == 0 || rc == -AV_ENOSPC || rc == -AV_ERANGE || rc == -AV_EIO ||
		      rc == -AV_EFAULT);
		if (!wrapped(before, num))
			CHECK(used_sum(RX_USED, num, before, net.vq[0].used_idx) ==
			      (rc == 0 ? HDR + len : 0));
		CHECK(net.stats.rx_frames - frames == (rc == 0));
		if (rc == 0)
			CHECK(link);
	}
	if (rc == -AV_EFAULT)
		CHECK(net.vdev.status & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	/* Chains held from earlier steps come on top of the ones available now. */
	CHECK((uint16_t)(net.vq[0].used_idx - before) <= 2u * num);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_virtio_mem mem = { .ops = &mem_ops };
	struct av_virtio_net_params p = { .mac = { 0x52, 0x54, 0, 0, 0, 1 } };
	struct av_virtio_irq irq = { 0 };
	uint8_t ctl, ctl1;
	unsigned num, steps;
	size_t len;
	bool pull;

	if (size < 4)
		return 0;
	ctl = data[0];
	ctl1 = data[1];
	num = 1u << (ctl & 7);
	if (num > QMAX)
		num = QMAX;
	pull = (ctl & 0x40) != 0;
	steps = 1 + (ctl1 & 3);
	len = (size_t)data[2] << 8 | data[3];
	data += 4;
	size -= 4;

	memset(&h, 0, sizeof(h));
	h.tx_fail = (ctl1 & 0x20) != 0;
	h.q[0] = frame;
	h.qlen[0] = len;
	h.q[1] = frame + 1;
	h.qlen[1] = 60;
	if (ram_buf[0] != GUARD_BYTE) {
		memset(ram_buf, GUARD_BYTE, sizeof(ram_buf));
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = (uint8_t)(i * 7 + 3);
	}
	if (size < RAM_SIZE) {
		memcpy(ram_buf + GUARD, data, size);
		memset(ram_buf + GUARD + size, 0, RAM_SIZE - size);
	} else {
		memcpy(ram_buf + GUARD, data, RAM_SIZE);
	}

	p.ops = pull ? &pull_ops : &push_ops;
	if (ctl1 & 0x80)
		memset(p.mac, 0, sizeof(p.mac));
	CHECK(av_virtio_net_init(&net, &p, &mem, &irq, NULL) == 0);
	if (!driver_setup(ctl, num))
		return 0;
	h.rings_mapped = true;

	for (unsigned k = 0; k < steps; k++) {
		if (k) {
			advance(RX_AVAIL, (ctl1 >> 2) & 7);
			advance(TX_AVAIL, (ctl1 >> 2) & 7);
		}
		if (k == 1 && (ctl1 & 0x40))
			av_virtio_net_set_link(&net, false);
		step_tx(num);
		step_rx(num, len, pull);
		if (k == 0 && (ctl & 0x80)) {
			/* A driver that resets mid-stream: nothing more is processed. */
			mmio_write(AV_VIRTIO_MMIO_STATUS, 0);
			CHECK(av_virtio_net_tx_process(&net) == 0);
			CHECK(net.rx_nchains == 0);
			CHECK(av_virtio_net_rx(&net, frame, 60) == -AV_ENOSPC);
			break;
		}
	}
	for (unsigned i = 0; i < GUARD; i++)
		CHECK(ram_buf[i] == GUARD_BYTE && ram_buf[GUARD + RAM_SIZE + i] == GUARD_BYTE);
	return 0;
}
