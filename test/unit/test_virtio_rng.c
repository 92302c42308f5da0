/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the virtio-rng model (armvirt/dev/virtio_rng.h) through the driver simulator
 * (virtio_drv.h), with a counting entropy source that can run dry.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/dev/virtio_rng.h>

#include "virtio_drv.h"

#define RAM_GPA 0x80000000ull
#define RAM_SIZE (128u << 10)

struct source {
	uint8_t next;      /* the next byte handed out */
	size_t left;       /* bytes the source still has */
	size_t per_call;   /* at most this much per call */
	unsigned calls;
};

struct fix {
	struct vd_ram ram;
	struct vdrv d;
	struct av_virtio_rng rng;
	struct source src;
};

static struct fix F;

static size_t src_fill(void *ctx, void *buf, size_t len)
{
	struct source *s = ctx;
	uint8_t *p = buf;
	size_t n = len;

	assert_true(len > 0);
	s->calls++;
	if (n > s->left)
		n = s->left;
	if (n > s->per_call)
		n = s->per_call;
	for (size_t i = 0; i < n; i++)
		p[i] = s->next++;
	s->left -= n;
	return n;
}

static const struct av_virtio_rng_ops ops = { .fill = src_fill };

static int setup(void **state)
{
	(void)state;
	memset(&F.src, 0, sizeof(F.src));
	F.src.left = SIZE_MAX;
	F.src.per_call = SIZE_MAX;
	F.src.next = 1;
	vd_ram_init(&F.ram, RAM_GPA, RAM_SIZE);
	vd_setup(&F.d, &F.ram);
	assert_int_equal(av_virtio_rng_init(&F.rng, &ops, &F.src, &F.ram.mem, &F.d.irq, NULL), 0);
	vd_attach(&F.d, &F.rng.vdev);
	assert_int_equal(vd_init(&F.d, VD_F_ALL | AV_GENMASK(23, 0), 1, 64), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	vd_ram_fini(&F.ram);
	return 0;
}

/* One request of the given writable buffers; returns the used length. */
static uint32_t request(const struct vd_buf *b, unsigned n)
{
	uint32_t len = 0xdeadbeef;
	int head = vd_add(&F.d, 0, b, n, false);

	assert_true(head >= 0);
	vd_kick(&F.d, 0);
	assert_int_equal(vd_get_used(&F.d, 0, &len), head);
	return len;
}

static uint64_t buf(uint32_t len)
{
	uint64_t g = vd_ram_alloc(&F.ram, len, 1);

	memset(vd_ram_ptr(&F.ram, g, len), 0xee, len);
	return g;
}

/* @n bytes at @g are next, next + 1, ... */
static void check_seq(uint64_t g, size_t n, uint8_t first)
{
	const uint8_t *p = vd_ram_ptr(&F.ram, g, n ? n : 1);

	for (size_t i = 0; i < n; i++)
		assert_int_equal(p[i], (uint8_t)(first + i));
}

static void test_identity(void **state)
{
	(void)state;
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_DEVICE_ID), 4);
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0), 0);
	vd_wr32(&F.d, AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 64);
}

static void test_fill(void **state)
{
	uint64_t a = buf(16), b = buf(16);
	struct vd_buf two[] = { { a, 16, true }, { b, 16, true } };

	(void)state;
	assert_int_equal(request(two, 2), 32);
	check_seq(a, 16, 1);
	check_seq(b, 16, 17);
	assert_int_equal(F.rng.bytes, 32);
	/* A source that gives 5 bytes per call: a buffer is filled up to the first short call. */
	F.src.per_call = 5;
	a = buf(16);
	{
		struct vd_buf one[] = { { a, 16, true } };

		assert_int_equal(request(one, 1), 5);
		check_seq(a, 5, 33);
		assert_int_equal(*(uint8_t *)vd_ram_ptr(&F.ram, a + 5, 1), 0xee);
	}
	assert_int_equal(F.rng.bytes, 37);
}

static void test_short_source(void **state)
{
	uint64_t a = buf(64), b = buf(8), c = buf(8);
	struct vd_buf ra[] = { { a, 64, true } };
	struct vd_buf rb[] = { { b, 8, true }, { c, 8, true } };
	struct vd_buf ro[] = { { c, 8, false } };
	unsigned calls;

	(void)state;
	F.src.left = 10;
	assert_int_equal(request(ra, 1), 10);
	check_seq(a, 10, 1);
	assert_int_equal(*(uint8_t *)vd_ram_ptr(&F.ram, a + 10, 1), 0xee);
	/* Dry: the chain comes back empty, the second buffer is not asked for. */
	calls = F.src.calls;
	assert_int_equal(request(rb, 2), 0);
	assert_int_equal(F.src.calls, calls + 1);
	assert_int_equal(*(uint8_t *)vd_ram_ptr(&F.ram, b, 1), 0xee);
	/* Refilled: the driver asks again and gets it. */
	F.src.left = 100;
	assert_int_equal(request(rb, 2), 16);
	check_seq(b, 8, 11);
	check_seq(c, 8, 19);
	/* A readable-only chain: nothing filled, the source not asked. */
	calls = F.src.calls;
	assert_int_equal(request(ro, 1), 0);
	assert_int_equal(F.src.calls, calls);
	assert_int_equal(F.rng.bytes, 26);
}

static void test_malformed(void **state)
{
	uint32_t len;

	(void)state;
	/* A writable buffer outside RAM. */
	vd_set_desc(&F.d, 0, 3, RAM_GPA + RAM_SIZE, 16, AV_VIRTQ_DESC_F_WRITE, 0);
	vd_publish(&F.d, 0, 3);
	vd_kick(&F.d, 0);
	assert_true(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(vd_get_used(&F.d, 0, &len), -1);
	assert_int_equal(F.src.calls, 0);
}

static void test_init_errors(void **state)
{
	struct av_virtio_rng rng;
	struct av_virtio_rng_ops none = { 0 };
	struct av_error e;

	(void)state;
	assert_int_equal(av_virtio_rng_init(&rng, &none, NULL, &F.ram.mem, &F.d.irq, &e),
			 -AV_EINVAL);
	assert_string_equal(e.field, "ops->fill");
	assert_int_equal(av_virtio_rng_init(&rng, NULL, NULL, &F.ram.mem, &F.d.irq, &e),
			 -AV_EINVAL);
	assert_int_equal(av_virtio_rng_init(NULL, &ops, NULL, &F.ram.mem, &F.d.irq, &e),
			 -AV_EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_identity),
		T(test_fill),
		T(test_short_source),
		T(test_malformed),
		T(test_init_errors),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
