/* SPDX-License-Identifier: MIT */
/* Unit tests: the virtio-mmio transport (lib/virtio.c), driven through its registers by the
 * driver simulator (virtio_drv.h) with a small fake device. Register offsets and bits are
 * the numbers of virtio 1.2 §4.2.2 and §2.1. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/virtio.h>

#include "virtio_drv.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (2u << 20)
#define NQ 2

/* A device with two queues and 12 bytes of configuration space. Its notify op either
 * records the kick or (echo) completes every chain with written = the writable bytes. */
struct fdev {
	struct av_virtio_dev vdev; /* first: the ops cast back */
	struct av_virtq vq[NQ];
	uint8_t config[12];
	bool echo;
	bool refuse;
	unsigned notified[NQ];
	unsigned resets, driver_oks, features_oks;
	unsigned cw_calls;
	uint32_t cw_off, cw_val;
	unsigned cw_size;
	int last_pop;
};

static void f_notify(struct av_virtio_dev *vdev, unsigned q)
{
	struct fdev *f = (struct fdev *)vdev;
	struct av_virtq_seg seg[16];
	struct av_virtq_chain c = { seg, 16, 0, 0, 0, 0, 0 };
	int rc;

	assert_true(q < NQ);
	f->notified[q]++;
	if (!f->echo)
		return;
	while ((rc = av_virtq_pop(&f->vq[q], &c)) == 1) {
		for (unsigned i = c.n_out; i < c.n_out + c.n_in; i++)
			memset(seg[i].addr, 0x5a, seg[i].len);
		assert_int_equal(av_virtq_push(&f->vq[q], c.head, (uint32_t)c.in_len), 0);
	}
	f->last_pop = rc;
	if (rc < 0)
		av_virtio_needs_reset(vdev);
	av_virtio_notify_used(vdev, &f->vq[q]);
}

static void f_reset(struct av_virtio_dev *vdev)
{
	((struct fdev *)vdev)->resets++;
}

static int f_features_ok(struct av_virtio_dev *vdev)
{
	struct fdev *f = (struct fdev *)vdev;

	f->features_oks++;
	return f->refuse ? -1 : 0;
}

static void f_driver_ok(struct av_virtio_dev *vdev)
{
	((struct fdev *)vdev)->driver_oks++;
}

static void f_config_write(struct av_virtio_dev *vdev, uint32_t off, unsigned size, uint32_t val)
{
	struct fdev *f = (struct fdev *)vdev;

	f->cw_calls++;
	f->cw_off = off;
	f->cw_size = size;
	f->cw_val = val;
}

static const struct av_virtio_dev_ops f_ops = { f_notify, f_reset, f_features_ok, f_driver_ok,
						 f_config_write };

#define F_FEATURE_A AV_BIT(0)
#define F_FEATURE_B AV_BIT(40)

struct fix {
	struct vd_ram ram;
	struct vdrv d;
	struct fdev f;
};

static struct fix *fix_new(uint16_t num_max)
{
	struct fix *x = test_calloc(1, sizeof(*x));

	vd_ram_init(&x->ram, RAM_GPA, RAM_SIZE);
	vd_setup(&x->d, &x->ram);
	x->f.vdev.device_id = 42;
	x->f.vdev.device_features = F_FEATURE_A | F_FEATURE_B;
	x->f.vdev.vq = x->f.vq;
	x->f.vdev.num_queues = NQ;
	x->f.vq[0].num_max = num_max;
	x->f.vq[1].num_max = 16;
	for (unsigned i = 0; i < sizeof(x->f.config); i++)
		x->f.config[i] = (uint8_t)(0x10 + i);
	x->f.vdev.config = x->f.config;
	x->f.vdev.config_size = sizeof(x->f.config);
	x->f.vdev.ops = &f_ops;
	assert_int_equal(av_virtio_dev_init(&x->f.vdev, &x->ram.mem, &x->d.irq, NULL), 0);
	vd_attach(&x->d, &x->f.vdev);
	return x;
}

static void fix_free(struct fix *x)
{
	vd_ram_fini(&x->ram);
	test_free(x);
}

/* ---- Identification and the empty slot ---- */

static void test_ids(void **state)
{
	struct fix *x = fix_new(256);
	(void)state;

	assert_int_equal(vd_rd32(&x->d, 0x000), 0x74726976);
	assert_int_equal(vd_rd32(&x->d, 0x004), 2);
	assert_int_equal(vd_rd32(&x->d, 0x008), 42);
	assert_int_equal(vd_rd32(&x->d, 0x00c), AV_VIRTIO_VENDOR_ID);
	x->f.vdev.vendor_id = 0x1234;
	assert_int_equal(vd_rd32(&x->d, 0x00c), 0x1234);
	assert_int_equal(vd_status(&x->d), 0);
	assert_int_equal(x->f.vdev.bad_accesses, 0);
	fix_free(x);
}

static void test_smoke(void **state)
{
	struct fix *x = fix_new(256);
	struct vd_buf b[2];
	uint32_t len;
	int head;
	(void)state;

	x->f.echo = true;
	assert_int_equal(vd_init(&x->d, VD_F_ALL, NQ, 256), 0);
	assert_int_equal(vd_status(&x->d), 0x0f);
	b[0].gpa = vd_ram_alloc(&x->ram, 16, 8);
	b[0].len = 16;
	b[0].write = false;
	b[1].gpa = vd_ram_alloc(&x->ram, 100, 8);
	b[1].len = 100;
	b[1].write = true;
	head = vd_add(&x->d, 0, b, 2, false);
	assert_true(head >= 0);
	vd_kick(&x->d, 0);
	assert_int_equal(x->f.notified[0], 1);
	assert_true(x->d.irq_level);
	assert_int_equal(vd_get_used(&x->d, 0, &len), head);
	assert_int_equal(len, 100);
	assert_int_equal(((uint8_t *)vd_ram_ptr(&x->ram, b[1].gpa, 100))[99], 0x5a);
	assert_int_equal(vd_ack(&x->d), AV_VIRTIO_INT_VRING);
	assert_false(x->d.irq_level);
	fix_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_smoke),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
