/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the virtio-console model (armvirt/dev/virtio_console.h) through the driver
 * simulator (virtio_drv.h): output to the host, input pushed into the guest's buffers in
 * order with short pushes and rx_space, the emergency write, a malformed queue.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/dev/virtio_console.h>

#include "virtio_drv.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (256u << 10)
#define RXQ 0
#define TXQ 1

struct host {
	char out[256];
	size_t out_len;
	size_t take_max;   /* tx takes at most this much per call */
	unsigned tx_calls;
	unsigned rx_space_calls;
};

struct fix {
	struct vd_ram ram;
	struct vdrv d;
	struct av_virtio_console con;
	struct host h;
};

static struct fix F;

static size_t h_tx(void *ctx, const void *buf, size_t len)
{
	struct host *h = ctx;
	size_t n = len < h->take_max ? len : h->take_max;

	assert_true(len > 0);
	assert_true(h->out_len + n <= sizeof(h->out));
	memcpy(h->out + h->out_len, buf, n);
	h->out_len += n;
	h->tx_calls++;
	return n;
}

static void h_rx_space(void *ctx)
{
	((struct host *)ctx)->rx_space_calls++;
}

static const struct av_virtio_console_ops ops = { .tx = h_tx, .rx_space = h_rx_space };

/* Initialise the device; bring it up unless @up is false. */
static void init_dev(bool up)
{
	memset(&F.h, 0, sizeof(F.h));
	F.h.take_max = SIZE_MAX;
	vd_ram_init(&F.ram, RAM_GPA, RAM_SIZE);
	vd_setup(&F.d, &F.ram);
	assert_int_equal(av_virtio_console_init(&F.con, &ops, &F.h, &F.ram.mem, &F.d.irq, NULL), 0);
	vd_attach(&F.d, &F.con.vdev);
	if (up)
		assert_int_equal(vd_init(&F.d, VD_F_ALL | AV_GENMASK(23, 0), 2, 64), 0);
}

static int setup(void **state)
{
	(void)state;
	init_dev(true);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vd_ram_fini(&F.ram);
	return 0;
}

static uint64_t guest_str(const char *s)
{
	size_t n = strlen(s);
	uint64_t g = vd_ram_alloc(&F.ram, n ? n : 1, 1);

	memcpy(vd_ram_ptr(&F.ram, g, n ? n : 1), s, n);
	return g;
}

/* Post a receive buffer of @len bytes filled with '.'; returns its address. */
static uint64_t post_rx(uint32_t len, int *head)
{
	uint64_t g = vd_ram_alloc(&F.ram, len, 1);
	struct vd_buf b = { g, len, true };

	memset(vd_ram_ptr(&F.ram, g, len), '.', len);
	*head = vd_add(&F.d, RXQ, &b, 1, false);
	assert_true(*head >= 0);
	return g;
}

static void test_identity(void **state)
{
	(void)state;
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_DEVICE_ID), 3);
	/* EMERG_WRITE only: no SIZE, no MULTIPORT. */
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0), AV_VIRTIO_CONSOLE_F_EMERG_WRITE);
	assert_int_equal(F.d.features & AV_GENMASK(23, 0), AV_VIRTIO_CONSOLE_F_EMERG_WRITE);
	vd_wr32(&F.d, AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 128);
	vd_wr32(&F.d, AV_VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 128);
	vd_wr32(&F.d, AV_VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	/* cols, rows, max_nr_ports, emerg_wr: all zero */
	for (uint32_t off = 0; off < 12; off += 4)
		assert_int_equal(vd_config_read(&F.d, off, 4), 0);
}

static void test_tx(void **state)
{
	uint64_t a = guest_str("hel"), b = guest_str("lo, "), c = guest_str("world");
	struct vd_buf one[] = { { a, 3, false }, { b, 4, false } };
	struct vd_buf two[] = { { c, 5, false } };
	unsigned rises = F.d.irq_rises;
	int h1, h2;
	uint32_t len = 99;

	(void)state;
	h1 = vd_add(&F.d, TXQ, one, 2, false);
	h2 = vd_add(&F.d, TXQ, two, 1, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(F.h.out_len, 12);
	assert_memory_equal(F.h.out, "hello, world", 12);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h1);
	assert_int_equal(len, 0);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), h2);
	assert_int_equal(len, 0);
	assert_int_equal(F.d.irq_rises, rises + 1); /* one interrupt for the batch */
	assert_int_equal(F.con.tx_bytes, 12);
	assert_int_equal(F.con.tx_dropped, 0);
	/* A kick of the receive queue sends nothing. */
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.out_len, 12);
}

static void test_tx_dropped(void **state)
{
	uint64_t a = guest_str("abcdef");
	struct vd_buf b[] = { { a, 6, false } };
	uint32_t len;

	(void)state;
	F.h.take_max = 4;
	vd_add(&F.d, TXQ, b, 1, false);
	vd_kick(&F.d, TXQ);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), 0);
	assert_int_equal(F.h.out_len, 4);
	assert_memory_equal(F.h.out, "abcd", 4);
	assert_int_equal(F.con.tx_bytes, 4);
	assert_int_equal(F.con.tx_dropped, 2);
	/* Writable buffers in a transmit chain are not sent, and nothing is written. */
	{
		uint64_t w = guest_str("zz");
		struct vd_buf c[] = { { a, 2, false }, { w, 2, true } };

		F.h.take_max = SIZE_MAX;
		vd_add(&F.d, TXQ, c, 2, false);
		vd_kick(&F.d, TXQ);
		assert_true(vd_get_used(&F.d, TXQ, &len) >= 0);
		assert_int_equal(len, 0);
		assert_int_equal(F.h.out_len, 6);
		assert_memory_equal(F.h.out + 4, "ab", 2);
		assert_memory_equal(vd_ram_ptr(&F.ram, w, 2), "zz", 2);
	}
}

static void test_rx_in_order_and_partial(void **state)
{
	int h1, h2, h3;
	uint64_t b1 = post_rx(4, &h1), b2 = post_rx(4, &h2);
	unsigned rises = F.d.irq_rises;
	uint32_t len;

	(void)state;
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.rx_space_calls, 0); /* no push was short yet */
	/* 10 bytes, 8 bytes of buffers: 8 taken, the host told later. */
	assert_int_equal(av_virtio_console_rx_push(&F.con, "abcdefghij", 10), 8);
	assert_int_equal(F.d.irq_rises, rises + 1);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h1);
	assert_int_equal(len, 4);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h2);
	assert_int_equal(len, 4);
	assert_memory_equal(vd_ram_ptr(&F.ram, b1, 4), "abcd", 4);
	assert_memory_equal(vd_ram_ptr(&F.ram, b2, 4), "efgh", 4);
	assert_true(F.con.rx_wanted);
	/* Nothing posted: nothing taken. */
	assert_int_equal(av_virtio_console_rx_push(&F.con, "ij", 2), 0);
	assert_int_equal(F.h.rx_space_calls, 0);
	/* The guest posts a buffer of 8: rx_space once. */
	b1 = post_rx(8, &h3);
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.rx_space_calls, 1);
	vd_kick(&F.d, RXQ);
	assert_int_equal(F.h.rx_space_calls, 1);
	/* A push of 2 into a buffer of 8: the chain comes back with 2. */
	assert_int_equal(av_virtio_console_rx_push(&F.con, "ij", 2), 2);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h3);
	assert_int_equal(len, 2);
	assert_memory_equal(vd_ram_ptr(&F.ram, b1, 8), "ij......", 8);
	assert_false(F.con.rx_wanted);
	assert_int_equal(F.con.rx_bytes, 10);
	/* An empty push takes nothing and asks for nothing. */
	assert_int_equal(av_virtio_console_rx_push(&F.con, NULL, 0), 0);
	assert_false(F.con.rx_wanted);
}

static void test_rx_split_buffers(void **state)
{
	uint64_t g = vd_ram_alloc(&F.ram, 8, 1);
	struct vd_buf b[] = { { g, 3, true }, { g + 3, 5, true } };
	uint32_t len;
	int h;

	(void)state;
	h = vd_add(&F.d, RXQ, b, 2, false);
	assert_int_equal(av_virtio_console_rx_push(&F.con, "0123456789", 10), 8);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
	assert_int_equal(len, 8);
	assert_memory_equal(vd_ram_ptr(&F.ram, g, 8), "01234567", 8);
	/* A readable-only chain in the receive queue is returned empty. */
	{
		struct vd_buf r[] = { { g, 8, false } };

		h = vd_add(&F.d, RXQ, r, 1, false);
		assert_int_equal(av_virtio_console_rx_push(&F.con, "x", 1), 0);
		assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
		assert_int_equal(len, 0);
		assert_memory_equal(vd_ram_ptr(&F.ram, g, 8), "01234567", 8);
	}
}

static void test_rx_before_driver_ok(void **state)
{
	int h;
	uint32_t len;

	(void)state;
	teardown(NULL);
	init_dev(false);
	assert_int_equal(av_virtio_console_rx_push(&F.con, "early", 5), 0);
	assert_true(F.con.rx_wanted);
	assert_int_equal(vd_init(&F.d, VD_F_ALL, 2, 64), 0);
	/* DRIVER_OK tells the host to try again. */
	assert_int_equal(F.h.rx_space_calls, 1);
	post_rx(16, &h);
	assert_int_equal(av_virtio_console_rx_push(&F.con, "early", 5), 5);
	assert_int_equal(vd_get_used(&F.d, RXQ, &len), h);
	assert_int_equal(len, 5);
}

static void test_emerg_write(void **state)
{
	(void)state;
	vd_config_write(&F.d, 8, 4, 'Z' | 0xabcd00u);
	assert_int_equal(F.h.out_len, 1);
	assert_int_equal(F.h.out[0], 'Z');
	/* Other widths and offsets do nothing. */
	vd_config_write(&F.d, 8, 1, 'Y');
	vd_config_write(&F.d, 0, 4, 'X');
	vd_config_write(&F.d, 4, 4, 'W');
	assert_int_equal(F.h.out_len, 1);
	assert_int_equal(vd_config_read(&F.d, 8, 4), 0);
	assert_int_equal(F.con.tx_bytes, 1);
	/* Before the driver set anything up, too. */
	teardown(NULL);
	init_dev(false);
	vd_config_write(&F.d, 8, 4, '!');
	assert_int_equal(F.h.out_len, 1);
	assert_int_equal(F.h.out[0], '!');
}

static void test_malformed_tx(void **state)
{
	uint32_t len;

	(void)state;
	/* A chain that loops on itself. */
	vd_set_desc(&F.d, TXQ, 0, RAM_GPA, 4, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&F.d, TXQ, 1, RAM_GPA, 4, AV_VIRTQ_DESC_F_NEXT, 0);
	vd_publish(&F.d, TXQ, 0);
	vd_kick(&F.d, TXQ);
	assert_true(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(vd_get_used(&F.d, TXQ, &len), -1);
	/* Input is not taken either. */
	{
		int h;

		post_rx(8, &h);
		assert_int_equal(av_virtio_console_rx_push(&F.con, "abc", 3), 0);
	}
	assert_int_equal(F.h.out_len, 0); /* a chain is checked whole before use */
}

static void test_init_errors(void **state)
{
	struct av_virtio_console con;
	struct av_virtio_console_ops none = { 0 };
	struct av_error e;

	(void)state;
	assert_int_equal(av_virtio_console_init(&con, &none, NULL, &F.ram.mem, &F.d.irq, &e),
			 -AV_EINVAL);
	assert_string_equal(e.field, "ops->tx");
	assert_int_equal(av_virtio_console_init(&con, NULL, NULL, &F.ram.mem, &F.d.irq, &e),
			 -AV_EINVAL);
	assert_int_equal(av_virtio_console_init(NULL, &ops, NULL, &F.ram.mem, &F.d.irq, &e),
			 -AV_EINVAL);
	assert_int_equal(av_virtio_console_rx_push(NULL, "a", 1), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_tx),
		T(test_tx_dropped),
		T(test_rx_in_order_and_partial),
		T(test_rx_split_buffers),
		T(test_rx_before_driver_ok),
		T(test_emerg_write),
		T(test_malformed_tx),
		T(test_init_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
