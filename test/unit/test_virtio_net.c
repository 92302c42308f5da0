/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the virtio-net model (armvirt/dev/virtio_net.h) through the driver simulator
 * (virtio_drv.h): configuration (MAC, status, MTU) and link changes, transmit of frames
 * split across descriptors, receive with and without mergeable buffers (push and pull
 * backends), no buffers (-AV_ENOSPC and rx_space), frames too long or too short, malformed
 * transmit chains and queues, a reset in the middle of traffic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/dev/virtio_net.h>

#include "virtio_drv.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (2u << 20)
#define RXQ 0
#define TXQ 1
#define HDR AV_VIRTIO_NET_HDR_SIZE
#define WANT_ALL (VD_F_ALL | AV_GENMASK(23, 0))
#define WANT_NO_MRG (WANT_ALL & ~AV_VIRTIO_NET_F_MRG_RXBUF)
#define MAX_FRAME 80000u

struct host {
	/* transmit: the last frame, how many */
	uint8_t tx[MAX_FRAME];
	size_t tx_len;
	unsigned tx_calls;
	unsigned tx_segs;  /* buffers of the last frame */
	int tx_rc;         /* what tx returns */
	/* receive, pull: frames waiting */
	const uint8_t *q[8];
	size_t qlen[8];
	unsigned qn;
	unsigned consumed;
	unsigned rx_space_calls;
};

struct fix {
	struct vd_ram ram;
	struct vdrv d;
	struct av_virtio_net net;
	struct host h;
};

static struct fix F;
static uint8_t pattern[MAX_FRAME];

static int h_tx(void *ctx, const struct av_virtq_seg *seg, unsigned n, size_t len)
{
	struct host *h = ctx;
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		assert_true(seg[i].len > 0);
		assert_true(off + seg[i].len <= sizeof(h->tx));
		memcpy(h->tx + off, seg[i].addr, seg[i].len);
		off += seg[i].len;
	}
	assert_int_equal(off, len);
	h->tx_len = len;
	h->tx_segs = n;
	h->tx_calls++;
	return h->tx_rc;
}

static const void *h_peek(void *ctx, size_t *len)
{
	struct host *h = ctx;

	if (h->consumed == h->qn)
		return NULL;
	*len = h->qlen[h->consumed];
	return h->q[h->consumed];
}

static void h_consume(void *ctx)
{
	struct host *h = ctx;

	assert_true(h->consumed < h->qn);
	h->consumed++;
}

static void h_rx_space(void *ctx)
{
	((struct host *)ctx)->rx_space_calls++;
}

static const struct av_virtio_net_ops push_ops = { .tx = h_tx, .rx_space = h_rx_space };
static const struct av_virtio_net_ops pull_ops = {
	.tx = h_tx, .rx_peek = h_peek, .rx_consume = h_consume, .rx_space = h_rx_space,
};

static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

/* Initialise the device with @ops; bring it up with features @want unless it is 0. */
static void init_with(const struct av_virtio_net_ops *ops, uint64_t want, uint16_t mtu)
{
	struct av_virtio_net_params p = { .ops = ops, .ctx = &F.h, .mtu = mtu };

	memcpy(p.mac, mac, sizeof(mac));
	memset(&F.h, 0, sizeof(F.h));
	vd_ram_init(&F.ram, RAM_GPA, RAM_SIZE);
	vd_setup(&F.d, &F.ram);
	assert_int_equal(av_virtio_net_init(&F.net, &p, &F.ram.mem, &F.d.irq, NULL), 0);
	vd_attach(&F.d, &F.net.vdev);
	if (want)
		assert_int_equal(vd_init(&F.d, want, 2, 64), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!pattern[1])
		for (unsigned i = 0; i < MAX_FRAME; i++)
			pattern[i] = (uint8_t)(i * 13 + i / 251 + 1);
	init_with(&push_ops, WANT_ALL, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vd_ram_fini(&F.ram);
	return 0;
}

static void reinit(const struct av_virtio_net_ops *ops, uint64_t want, uint16_t mtu)
{
	teardown(NULL);
	init_with(ops, want, mtu);
}

/* Guest bytes: a header (garbage, which the device ignores) then @len pattern bytes. */
static uint64_t guest_frame(size_t len)
{
	uint64_t g = vd_ram_alloc(&F.ram, HDR + len, 16);
	uint8_t *p = vd_ram_ptr(&F.ram, g, HDR + len);

	memset(p, 0x77, HDR);
	memcpy(p + HDR, pattern, len);
	return g;
}

/* Queue a transmit of @len frame bytes cut at the @ncut offsets into the header+frame. */
static int tx_add(size_t len, const uint32_t *cut, unsigned ncut, bool indirect)
{
	uint64_t g = guest_frame(len);
	struct vd_buf b[16];
	uint32_t prev = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < ncut; i++) {
		b[n++] = (struct vd_buf){ g + prev, cut[i] - prev, false };
		prev = cut[i];
	}
	b[n++] = (struct vd_buf){ g + prev, (uint32_t)(HDR + len) - prev, false };
	return vd_add(&F.d, TXQ, b, n, indirect);
}

/* Post a receive chain of buffers of the given lengths (filled with '.'). */
static int post_rx(const uint32_t *lens, unsigned n, uint64_t *gpa)
{
	struct vd_buf b[16];
	int head;

	for (unsigned i = 0; i < n; i++) {
		uint64_t g = vd_ram_alloc(&F.ram, lens[i], 1);

		memset(vd_ram_ptr(&F.ram, g, lens[i]), '.', lens[i]);
		b[i] = (struct vd_buf){ g, lens[i], true };
		if (gpa)
			gpa[i] = g;
	}
	head = vd_add(&F.d, RXQ, b, n, false);
	assert_true(head >= 0);
	return head;
}

static int post_rx1(uint32_t len, uint64_t *gpa)
{
	return post_rx(&len, 1, gpa);
}

static uint16_t num_buffers(uint64_t gpa)
{
	return vd_ld16(&F.ram, gpa + 10);
}

static void test_config(void **state)
{
	uint64_t offered;

	(void)state;
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_DEVICE_ID), AV_VIRTIO_ID_NET);
	offered = F.d.device_features & AV_GENMASK(23, 0);
	assert_int_equal(offered, AV_VIRTIO_NET_F_MAC | AV_VIRTIO_NET_F_STATUS |
					  AV_VIRTIO_NET_F_MRG_RXBUF);
	assert_int_equal(F.d.features & AV_GENMASK(23, 0), offered);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_MAC + i, 1), mac[i]);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_STATUS, 2),
			 AV_VIRTIO_NET_S_LINK_UP);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_MAX_VQ_PAIRS, 2), 1);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_MTU, 2), 0);
	for (unsigned q = 0; q < 3; q++) {
		vd_wr32(&F.d, AV_VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX),
				 q < 2 ? AV_VIRTIO_NET_QUEUE_SIZE : 0);
	}
	/* Writes to the configuration space change nothing. */
	vd_config_write(&F.d, AV_VIRTIO_NET_CFG_MAC, 4, 0);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_MAC, 1), mac[0]);

	/* An MTU, no MAC, the link down, no mergeable buffers. */
	teardown(NULL);
	{
		struct av_virtio_net_params p = {
			.ops = &push_ops, .ctx = &F.h, .mtu = 9000, .link_down = true,
			.no_mrg_rxbuf = true,
		};

		vd_ram_init(&F.ram, RAM_GPA, RAM_SIZE);
		vd_setup(&F.d, &F.ram);
		assert_int_equal(av_virtio_net_init(&F.net, &p, &F.ram.mem, &F.d.irq, NULL), 0);
		vd_attach(&F.d, &F.net.vdev);
		assert_int_equal(vd_init(&F.d, WANT_ALL, 2, 64), 0);
	}
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0),
			 AV_VIRTIO_NET_F_MTU | AV_VIRTIO_NET_F_STATUS);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_MTU, 2), 9000);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_STATUS, 2), 0);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_MAC, 4), 0);
}

static void test_link_change(void **state)
{
	uint32_t gen = vd_rd32(&F.d, AV_VIRTIO_MMIO_CONFIG_GENERATION);
	unsigned rises = F.d.irq_rises;
	uint32_t len;
	int h;

	(void)state;
	av_virtio_net_set_link(&F.net, false);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_STATUS, 2), 0);
	assert_int_equal(F.d.irq_rises, rises + 1);
	assert_int_equal(vd_ack(&F.d), AV_VIRTIO_INT_CONFIG);
	assert_int_not_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_CONFIG_GENERATION), gen);
	/* No change, no interrupt. */
	av_virtio_net_set_link(&F.net, false);
	assert_int_equal(F.d.irq_rises, rises + 1);

	/* Link down: transmits and receives are dropped, counted. */
	h = tx_add(60, NULL, 0, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
	assert_int_equal(F.h.tx_calls, 0);
	assert_int_equal(F.net.stats.tx_drop_link, 1);
	post_rx1(2048, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_EIO);
	assert_int_equal(F.net.stats.rx_drop_link, 1);
	assert_int_equal(vd_used_pending(&F.d, RXQ), 0);

	/* Up again: an interrupt, traffic flows. */
	vd_ack(&F.d);
	rises = F.d.irq_rises;
	av_virtio_net_set_link(&F.net, true);
	assert_int_equal(vd_config_read(&F.d, AV_VIRTIO_NET_CFG_STATUS, 2),
			 AV_VIRTIO_NET_S_LINK_UP);
	assert_int_equal(F.d.irq_rises, rises + 1);
	assert_int_equal(vd_ack(&F.d), AV_VIRTIO_INT_CONFIG);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), 0);
	assert_int_equal(F.net.stats.rx_frames, 1);
}

static void check_tx(size_t len, unsigned segs)
{
	assert_int_equal(F.h.tx_len, len);
	assert_int_equal(F.h.tx_segs, segs);
	assert_memory_equal(F.h.tx, pattern, len);
}

static void test_tx_split(void **state)
{
	/* The header cut in two, the frame in three; a header alone; all in one buffer. */
	const uint32_t cut1[] = { 5, 12, 40, 41 };
	const uint32_t cut2[] = { 12 };
	const uint32_t cut3[] = { 20, 20, 1000 }; /* an empty buffer in the middle */
	unsigned rises = F.d.irq_rises;
	int h1, h2, h3, h4;
	uint32_t len;

	(void)state;
	h1 = tx_add(1514, cut1, 4, false);
	vd_kick(&F.d, TXQ);
	check_tx(1514, 3);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h1);
	assert_int_equal(len, 0);
	assert_int_equal(F.d.irq_rises, rises + 1);

	h2 = tx_add(64, cut2, 1, true);
	h3 = tx_add(60, NULL, 0, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(F.h.tx_calls, 3);
	check_tx(60, 1);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h2);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h3);

	h4 = tx_add(9000, cut3, 3, false);
	assert_int_equal(av_virtio_net_tx_process(&F.net), 1);
	check_tx(9000, 3);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h4);
	assert_int_equal(F.net.stats.tx_frames, 4);
	assert_int_equal(F.net.stats.tx_bytes, 1514 + 64 + 60 + 9000);

	/* The backend refuses one: dropped, counted, returned all the same. */
	F.h.tx_rc = -AV_EIO;
	h1 = tx_add(100, NULL, 0, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h1);
	assert_int_equal(F.net.stats.tx_drop_backend, 1);
	assert_int_equal(F.net.stats.tx_frames, 4);

	/* A kick of the receive queue transmits nothing. */
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.tx_calls, 5);
}

static void test_tx_malformed(void **state)
{
	uint64_t g = guest_frame(80000 - HDR);
	uint32_t len;
	int h;

	(void)state;
	/* Shorter than the header; a header and 13 bytes. */
	{
		struct vd_buf b[] = { { g, 11, false } };

		h = vd_add(&F.d, TXQ, b, 1, false);
		vd_kick(&F.d, TXQ);
		assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
		b[0].len = HDR + 13;
		h = vd_add(&F.d, TXQ, b, 1, false);
		vd_kick(&F.d, TXQ);
		assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
		assert_int_equal(F.net.stats.tx_drop_short, 2);
	}
	/* Longer than the largest frame: one byte over, and far over. */
	{
		struct vd_buf b[] = { { g, 40000, false }, { g + 40000, HDR + 65538 - 40000 + 1,
							       false } };

		h = vd_add(&F.d, TXQ, b, 2, false);
		vd_kick(&F.d, TXQ);
		assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
		b[1].len = 40000;
		h = vd_add(&F.d, TXQ, b, 2, false);
		vd_kick(&F.d, TXQ);
		assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
		assert_int_equal(F.net.stats.tx_drop_long, 2);
		/* The largest frame itself goes. */
		b[1].len = HDR + 65538 - 40000;
		h = vd_add(&F.d, TXQ, b, 2, false);
		vd_kick(&F.d, TXQ);
		assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
		check_tx(65538, 2);
	}
	/* Writable buffers in a transmit chain: dropped, nothing written. */
	{
		struct vd_buf b[] = { { g, 100, false }, { g + 100, 8, true } };

		h = vd_add(&F.d, TXQ, b, 2, false);
		vd_kick(&F.d, TXQ);
		assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
		assert_int_equal(len, 0);
		assert_int_equal(F.net.stats.tx_drop_malformed, 1);
	}
	assert_int_equal(F.h.tx_calls, 1);
	assert_false(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);

	/* A chain that lies about its length: a buffer running past the end of RAM. */
	vd_set_desc(&F.d, TXQ, 0, RAM_GPA + RAM_SIZE - 100, 200, 0, 0);
	vd_publish(&F.d, TXQ, 0);
	assert_int_equal(av_virtio_net_tx_process(&F.net), -AV_EFAULT);
	assert_true(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(F.h.tx_calls, 1);
	/* Nothing more is done until a reset. */
	tx_add(60, NULL, 0, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(F.h.tx_calls, 1);
	post_rx1(2048, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_ENOSPC);
	assert_int_equal(vd_init(&F.d, WANT_ALL, 2, 64), 0);
	tx_add(60, NULL, 0, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(F.h.tx_calls, 2);
	check_tx(60, 1);
}

/* The @len frame bytes received in chains at @gpa of @blen bytes (the header first). */
static void check_rx_data(const uint64_t *gpa, const uint32_t *blen, unsigned nbuf, size_t len)
{
	size_t off = 0;

	for (unsigned i = 0; i < nbuf && off < len; i++) {
		uint32_t skip = i == 0 ? HDR : 0;
		size_t n = blen[i] - skip < len - off ? blen[i] - skip : len - off;

		assert_memory_equal(vd_ram_ptr(&F.ram, gpa[i] + skip, n), pattern + off, n);
		off += n;
	}
	assert_int_equal(off, len);
}

static void test_rx_no_mrg(void **state)
{
	const uint32_t lens[] = { 5, 1600 }; /* the header split over two buffers */
	uint64_t g[2], g2;
	uint32_t len;
	int h, h2;

	(void)state;
	reinit(&push_ops, WANT_NO_MRG, 0);
	assert_false(F.d.features & AV_VIRTIO_NET_F_MRG_RXBUF);
	h = post_rx(lens, 2, g);
	vd_kick(&F.d, RXQ);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 1514), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
	assert_int_equal(len, HDR + 1514);
	/* The header: zero but num_buffers = 1. */
	{
		uint8_t hdr[HDR];

		memcpy(hdr, vd_ram_ptr(&F.ram, g[0], 5), 5);
		memcpy(hdr + 5, vd_ram_ptr(&F.ram, g[1], 7), 7);
		for (unsigned i = 0; i < HDR; i++)
			assert_int_equal(hdr[i], i == 10 ? 1 : 0);
	}
	assert_memory_equal(vd_ram_ptr(&F.ram, g[1] + 7, 1514), pattern, 1514);
	assert_int_equal(*(uint8_t *)vd_ram_ptr(&F.ram, g[1] + 7 + 1514, 1), '.');

	/* Without mergeable buffers a frame larger than one chain is dropped; the chain
	 * stays for the next frame. */
	h = post_rx1(1000, &g2);
	h2 = post_rx1(1000, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 1500), -AV_ERANGE);
	assert_int_equal(F.net.stats.rx_drop_long, 1);
	assert_int_equal(vd_used_pending(&F.d, RXQ), 0);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 988), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
	assert_int_equal(len, 1000);
	assert_int_equal(num_buffers(g2), 1);
	assert_memory_equal(vd_ram_ptr(&F.ram, g2 + HDR, 988), pattern, 988);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern + 1, 100), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h2);
	assert_int_equal(F.net.stats.rx_frames, 3);
	assert_int_equal(F.net.stats.rx_bytes, 1514 + 988 + 100);
}

static void test_rx_mrg(void **state)
{
	const uint32_t blen[] = { 1000, 1000, 1000, 1000 };
	uint64_t g[4];
	int h[4];
	uint32_t len;
	unsigned rises;

	(void)state;
	assert_true(F.d.features & AV_VIRTIO_NET_F_MRG_RXBUF);
	/* Three chains of 1000, the second in two buffers. */
	h[0] = post_rx1(1000, &g[0]);
	{
		const uint32_t two[] = { 300, 700 };
		uint64_t gg[2];

		h[1] = post_rx(two, 2, gg);
		g[1] = gg[0];
		assert_int_equal(gg[1], gg[0] + 300); /* contiguous: check as one */
	}
	h[2] = post_rx1(1000, &g[2]);
	h[3] = post_rx1(1000, &g[3]);
	rises = F.d.irq_rises;
	/* 2500 bytes + header = 2512: three chains, 1000 + 1000 + 512. */
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 2500), 0);
	assert_int_equal(F.d.irq_rises, rises + 1);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[i]);
		assert_int_equal(len, i < 2 ? 1000 : 512);
	}
	assert_int_equal(num_buffers(g[0]), 3);
	check_rx_data(g, blen, 3, 2500);
	/* A small frame takes the fourth chain alone. */
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[3]);
	assert_int_equal(len, HDR + 60);
	assert_int_equal(num_buffers(g[3]), 1);

	/* Too few buffers: -AV_ENOSPC, the chain is held; more posted: rx_space, then it
	 * fits across both. */
	h[0] = post_rx1(1000, &g[0]);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 1800), -AV_ENOSPC);
	assert_int_equal(F.net.stats.rx_no_buffer, 1);
	assert_int_equal(vd_used_pending(&F.d, RXQ), 0);
	assert_int_equal(F.h.rx_space_calls, 0);
	h[1] = post_rx1(1000, &g[1]);
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.rx_space_calls, 1);
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.rx_space_calls, 1);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 1800), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[0]);
	assert_int_equal(len, 1000);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[1]);
	assert_int_equal(len, 812);
	assert_int_equal(num_buffers(g[0]), 2);
	check_rx_data(g, blen, 2, 1800);

	/* The largest frame over 44 chains of 1500 bytes. */
	{
		uint64_t gb[44];
		uint32_t b15[44];

		for (unsigned i = 0; i < 44; i++) {
			post_rx1(1500, &gb[i]);
			b15[i] = 1500;
		}
		assert_int_equal(av_virtio_net_rx(&F.net, pattern, AV_VIRTIO_NET_FRAME_MAX), 0);
		assert_int_equal(vd_used_pending(&F.d, RXQ), 44);
		assert_int_equal(num_buffers(gb[0]), 44);
		check_rx_data(gb, b15, 44, AV_VIRTIO_NET_FRAME_MAX);
	}
	assert_int_equal(F.net.stats.rx_frames, 4);
	assert_int_equal(F.net.stats.rx_bytes, 2500 + 60 + 1800 + AV_VIRTIO_NET_FRAME_MAX);
}

static void test_rx_no_buffers(void **state)
{
	uint32_t len;
	int h;

	(void)state;
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_ENOSPC);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_ENOSPC);
	assert_int_equal(F.net.stats.rx_no_buffer, 2);
	assert_int_equal(F.net.stats.rx_frames, 0);
	h = post_rx1(100, NULL);
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.rx_space_calls, 1);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);

	/* Before DRIVER_OK: -AV_ENOSPC, and DRIVER_OK tells the backend. */
	reinit(&push_ops, 0, 0);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_ENOSPC);
	assert_int_equal(vd_init(&F.d, WANT_ALL, 2, 64), 0);
	assert_int_equal(F.h.rx_space_calls, 1);
}

static void test_rx_too_big_or_short(void **state)
{
	uint32_t len;
	int h;

	(void)state;
	h = post_rx1(2048, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, AV_VIRTIO_NET_FRAME_MAX + 1),
			 -AV_ERANGE);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 13), -AV_ERANGE);
	assert_int_equal(av_virtio_net_rx(&F.net, NULL, 0), -AV_ERANGE);
	assert_int_equal(F.net.stats.rx_drop_long, 1);
	assert_int_equal(F.net.stats.rx_drop_short, 2);
	assert_int_equal(vd_used_pending(&F.d, RXQ), 0);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 14), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
	assert_int_equal(len, HDR + 14);

	/* Mergeable buffers too small for the frame even all together (64 chains of 100
	 * bytes: every entry of the queue, as many chains as the device holds): dropped, the
	 * chains kept for the next frames. */
	for (unsigned i = 0; i < 64; i++)
		post_rx1(100, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 8000), -AV_ERANGE);
	assert_int_equal(F.net.stats.rx_drop_long, 2);
	assert_int_equal(vd_used_pending(&F.d, RXQ), 0);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 150), 0);
	assert_int_equal(vd_used_pending(&F.d, RXQ), 2);

	/* Chains that cannot hold a header, or that the device could only read, come back
	 * empty. */
	{
		struct vd_buf rd[] = { { RAM_GPA, 64, false }, { RAM_GPA + 64, 64, true } };
		struct vd_buf tiny[] = { { RAM_GPA, 11, true } };

		while (vd_get_used(&F.d, RXQ, &len) >= 0)
			;
		reinit(&push_ops, WANT_ALL, 0);
		h = vd_add(&F.d, RXQ, rd, 2, false);
		int h2 = vd_add(&F.d, RXQ, tiny, 1, false);
		int h3 = post_rx1(200, NULL);

		assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), 0);
		assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
		assert_int_equal(len, 0);
		assert_int_equal(vd_get_used(&F.d, RXQ, &len), h2);
		assert_int_equal(len, 0);
		assert_int_equal(vd_get_used(&F.d, RXQ, &len), h3);
		assert_int_equal(len, HDR + 60);
		assert_int_equal(F.net.stats.rx_bad_chains, 2);
	}
}

static void test_rx_pull(void **state)
{
	uint64_t g[3];
	uint32_t len;
	int h[3];

	(void)state;
	reinit(&pull_ops, WANT_ALL, 0);
	F.h.q[0] = pattern;
	F.h.qlen[0] = 500;
	F.h.q[1] = pattern + 1;
	F.h.qlen[1] = 5; /* too short: consumed and dropped */
	F.h.q[2] = pattern + 2;
	F.h.qlen[2] = 700;
	F.h.q[3] = pattern + 3;
	F.h.qlen[3] = 600;
	F.h.qn = 4;
	/* Nothing posted yet: the backend keeps its frames. */
	assert_int_equal(av_virtio_net_rx_pull(&F.net), 0);
	assert_int_equal(F.h.consumed, 0);
	/* Two chains posted and kicked: two frames go, the short one is dropped, the last
	 * waits. */
	h[0] = post_rx1(1024, &g[0]);
	h[1] = post_rx1(1024, &g[1]);
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.consumed, 3);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[0]);
	assert_int_equal(len, HDR + 500);
	assert_memory_equal(vd_ram_ptr(&F.ram, g[0] + HDR, 500), pattern, 500);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[1]);
	assert_int_equal(len, HDR + 700);
	assert_memory_equal(vd_ram_ptr(&F.ram, g[1] + HDR, 700), pattern + 2, 700);
	assert_int_equal(F.net.stats.rx_drop_short, 1);
	/* The backend calls pull when it has frames; one more chain takes the last. */
	h[2] = post_rx1(1024, &g[2]);
	assert_int_equal(av_virtio_net_rx_pull(&F.net), 1);
	assert_int_equal(F.h.consumed, 4);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h[2]);
	assert_memory_equal(vd_ram_ptr(&F.ram, g[2] + HDR, 600), pattern + 3, 600);
	assert_int_equal(F.net.stats.rx_frames, 3);
	/* A push backend gets 0 from pull. */
	reinit(&push_ops, WANT_ALL, 0);
	assert_int_equal(av_virtio_net_rx_pull(&F.net), 0);
}

static void test_reset_mid_traffic(void **state)
{
	uint32_t len;
	int h;

	(void)state;
	/* A chain held for a frame that does not fit yet, a transmit queued: reset. */
	post_rx1(1000, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 1500), -AV_ENOSPC);
	assert_int_equal(F.net.rx_nchains, 1);
	tx_add(60, NULL, 0, false);
	vd_reset(&F.d);
	assert_int_equal(F.net.rx_nchains, 0);
	assert_int_equal(av_virtio_net_tx_process(&F.net), 0);
	assert_int_equal(F.h.tx_calls, 0);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_ENOSPC);
	/* Brought up again: DRIVER_OK tells the backend; fresh queues work. */
	assert_int_equal(vd_init(&F.d, WANT_NO_MRG, 2, 32), 0);
	assert_true(F.h.rx_space_calls >= 1);
	h = post_rx1(1600, NULL);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 1500), 0);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
	assert_int_equal(len, HDR + 1500);
	h = tx_add(60, NULL, 0, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h);
	check_tx(60, 1);
	/* A malformed receive queue: the frame is lost, DEVICE_NEEDS_RESET. */
	vd_set_desc(&F.d, RXQ, 5, RAM_GPA, 64, AV_VIRTQ_DESC_F_WRITE | AV_VIRTQ_DESC_F_NEXT, 5);
	vd_publish(&F.d, RXQ, 5);
	assert_int_equal(av_virtio_net_rx(&F.net, pattern, 60), -AV_EFAULT);
	assert_true(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(F.net.stats.rx_drop_fault, 1);
}

static void test_init_errors(void **state)
{
	static struct av_virtio_net net;
	struct av_virtio_net_params p = { .ops = &push_ops };
	struct av_virtio_net_ops half = { .tx = h_tx, .rx_peek = h_peek };
	struct av_virtio_net_ops none = { 0 };
	struct av_error e;

	(void)state;
	assert_int_equal(av_virtio_net_init(NULL, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_int_equal(av_virtio_net_init(&net, NULL, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	p.ops = &none;
	assert_int_equal(av_virtio_net_init(&net, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "ops->tx");
	p.ops = &half;
	assert_int_equal(av_virtio_net_init(&net, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "ops->rx_consume");
	p.ops = &push_ops;
	p.mtu = 67;
	assert_int_equal(av_virtio_net_init(&net, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "mtu");
	p.mtu = AV_VIRTIO_NET_MTU_MAX + 1;
	assert_int_equal(av_virtio_net_init(&net, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	p.mtu = AV_VIRTIO_NET_MTU_MAX;
	assert_int_equal(av_virtio_net_init(&net, &p, &F.ram.mem, &F.d.irq, &e), 0);
	assert_int_equal(av_virtio_net_rx(NULL, pattern, 60), -AV_EINVAL);
	assert_int_equal(av_virtio_net_rx(&net, NULL, 60), -AV_EINVAL);
	assert_int_equal(av_virtio_net_rx_pull(NULL), -AV_EINVAL);
	assert_int_equal(av_virtio_net_tx_process(NULL), -AV_EINVAL);
	av_virtio_net_set_link(NULL, false);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_config),
		T(test_link_change),
		T(test_tx_split),
		T(test_tx_malformed),
		T(test_rx_no_mrg),
		T(test_rx_mrg),
		T(test_rx_no_buffers),
		T(test_rx_too_big_or_short),
		T(test_rx_pull),
		T(test_reset_mid_traffic),
		T(test_init_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
