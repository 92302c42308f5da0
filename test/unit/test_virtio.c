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
	/* QueueReady 1 again changes nothing (the queue keeps its indices). */
	vd_wr32(&x->d, AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_wr32(&x->d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(x->f.vq[0].last_avail, 1);
	assert_int_equal(x->f.vq[0].used_idx, 1);
	assert_int_equal(x->f.vdev.bad_accesses, 0);
	fix_free(x);
}

/* Every 32-bit register offset below the configuration space. */
static bool is_reg(uint64_t off)
{
	static const uint16_t regs[] = { 0x000, 0x004, 0x008, 0x00c, 0x010, 0x014, 0x020, 0x024,
					 0x030, 0x034, 0x038, 0x044, 0x050, 0x060, 0x064, 0x070,
					 0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4, 0x0ac, 0x0b0,
					 0x0b4, 0x0b8, 0x0bc, 0x0c0, 0x0fc };

	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (regs[i] == off)
			return true;
	return false;
}

static void test_empty_slot(void **state)
{
	struct av_mmio_dev m;
	struct av_mmio_dev *slots[1];
	struct av_mmio_bus bus;
	uint64_t v;
	(void)state;

	av_virtio_mmio_entry(&m, NULL, 0x0a000200, NULL);
	assert_ptr_equal(m.ops, &av_virtio_mmio_empty_ops);
	assert_null(m.dev);
	assert_int_equal(m.base, 0x0a000200);
	assert_int_equal(m.size, 0x200);
	assert_int_equal(m.widths, AV_MMIO_W8 | AV_MMIO_W16 | AV_MMIO_W32);
	assert_non_null(m.name);
	assert_int_equal(av_mmio_bus_init(&bus, slots, 1, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	assert_int_equal(av_mmio_register(&bus, &m, NULL), 0);
	/* What Linux's virtio_mmio probe reads: magic, version, then device ID 0 = skip. */
	for (uint64_t off = 0; off < 0x200; off += 4) {
		uint64_t want = off == 0 ? 0x74726976 : off == 4 ? 2 : off == 0xc ? AV_VIRTIO_VENDOR_ID : 0;

		assert_int_equal(av_mmio_write(&bus, NULL, 0x0a000200 + off, 4, 0xffffffff),
				 AV_ACCESS_HANDLED);
		assert_int_equal(av_mmio_read(&bus, NULL, 0x0a000200 + off, 4, &v), AV_ACCESS_HANDLED);
		assert_int_equal(v, want);
	}
	for (uint64_t off = 0; off < 0x200; off++) {
		assert_int_equal(av_mmio_read(&bus, NULL, 0x0a000200 + off, 1, &v), AV_ACCESS_HANDLED);
		assert_int_equal(v, 0);
	}
	assert_int_equal(av_mmio_read(&bus, NULL, 0x0a000200, 8, &v), AV_ACCESS_INJECT);
	av_mmio_bus_reset(&bus); /* no reset op: nothing to do */
}

static void test_entry(void **state)
{
	struct fix *x = fix_new(256);
	struct av_mmio_dev m;
	(void)state;

	memset(&m, 0xff, sizeof(m));
	av_virtio_mmio_entry(&m, &x->f.vdev, 0x0a003e00, "blk0");
	assert_ptr_equal(m.ops, &av_virtio_mmio_ops);
	assert_ptr_equal(m.dev, &x->f.vdev);
	assert_int_equal(m.base, 0x0a003e00);
	assert_int_equal(m.size, AV_VIRTIO_MMIO_SIZE);
	assert_int_equal(m.widths, AV_VIRTIO_MMIO_WIDTHS);
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.reads + m.writes + m.rejected, 0);
	assert_string_equal(m.name, "blk0");
	av_virtio_mmio_entry(&m, &x->f.vdev, 0, NULL);
	assert_non_null(m.name);
	av_virtio_mmio_entry(NULL, &x->f.vdev, 0, NULL); /* ignored */
	fix_free(x);
}

static void test_init_errors(void **state)
{
	struct fix *x = fix_new(256);
	struct av_virtio_dev *v = &x->f.vdev;
	struct av_virtio_mem nomap = { NULL, NULL };
	static const struct av_virtio_dev_ops no_notify = { NULL, NULL, NULL, NULL, NULL };
	struct av_error err;
	(void)state;

	assert_int_equal(av_virtio_dev_init(NULL, &x->ram.mem, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "vdev");
	assert_int_equal(av_virtio_dev_init(v, NULL, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "mem");
	assert_int_equal(av_virtio_dev_init(v, &nomap, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "mem");
	v->ops = &no_notify;
	assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "ops");
	v->ops = NULL;
	assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), -AV_EINVAL);
	v->ops = &f_ops;
	v->config_size = 0x101;
	assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "config_size");
	v->config_size = 0x100;
	v->config = NULL;
	assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "config");
	v->config_size = 0;
	v->vq = NULL;
	assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), -AV_EINVAL);
	assert_string_equal(err.field, "vq");
	v->vq = x->f.vq;
	for (unsigned bad = 0; bad < 4; bad++) {
		static const uint16_t nm[4] = { 0, 3, 2048, 1000 };

		x->f.vq[1].num_max = nm[bad];
		assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), -AV_EINVAL);
		assert_string_equal(err.field, "vq[].num_max");
	}
	x->f.vq[1].num_max = 1;
	x->f.vq[0].num_max = 1024;
	v->device_features = F_FEATURE_A;
	assert_int_equal(av_virtio_dev_init(v, &x->ram.mem, NULL, &err), 0);
	assert_string_equal(err.field, "");
	assert_int_equal(v->device_features, F_FEATURE_A | AV_VIRTIO_F_VERSION_1 |
						     AV_VIRTIO_F_INDIRECT_DESC | AV_VIRTIO_F_EVENT_IDX);
	assert_ptr_equal(v->mem, &x->ram.mem);
	assert_ptr_equal(x->f.vq[0].mem, &x->ram.mem);
	assert_ptr_equal(x->f.vq[1].mem, &x->ram.mem);
	assert_null(v->irq.set_level);
	assert_int_equal(v->status, 0);
	assert_false(av_virtio_dev_live(v));
	assert_false(av_virtio_dev_live(NULL));
	fix_free(x);
}

static void test_features(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	(void)state;

	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	vd_wr32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES),
			 (1u << 0) | (1u << 28) | (1u << 29));
	vd_wr32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES), (1u << 0) | (1u << 8));
	vd_wr32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES), 0);
	vd_wr32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0xffffffff);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES), 0);

	/* Halves land where the selector says; other selectors are ignored. */
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, 1u << 0);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, 1u << 29);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 5);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, 0xffffffff);
	assert_int_equal(x->f.vdev.driver_features, AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_EVENT_IDX);
	assert_int_equal(x->f.features_oks, 0);
	vd_set_status(d, vd_status(d) | AV_VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(vd_status(d), 0x0b);
	assert_int_equal(x->f.features_oks, 1);
	/* Frozen after FEATURES_OK. */
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, 1u << 0);
	assert_int_equal(x->f.vdev.driver_features, AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_EVENT_IDX);
	assert_int_equal(x->f.vdev.bad_accesses, 1);
	/* The queues take EVENT_IDX and INDIRECT_DESC from the negotiated bits. */
	assert_int_equal(vd_setup_queue(d, 0, 8), 0);
	assert_true(x->f.vq[0].event_idx);
	assert_false(x->f.vq[0].indirect);
	fix_free(x);
}

/* FEATURES_OK does not stick: without VERSION_1, with a bit the device does not offer,
 * or when the device model refuses. */
static void test_features_refused(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	(void)state;

	assert_int_equal(vd_init(d, VD_F_ALL & ~AV_VIRTIO_F_VERSION_1, NQ, 16), -1);
	assert_int_equal(vd_status(d) & AV_VIRTIO_STATUS_FEATURES_OK, 0);
	assert_true(vd_status(d) & AV_VIRTIO_STATUS_FAILED);
	assert_int_equal(x->f.features_oks, 0);
	/* DRIVER_OK without FEATURES_OK: refused as well. */
	vd_set_status(d, vd_status(d) | AV_VIRTIO_STATUS_DRIVER_OK);
	assert_int_equal(vd_status(d) & AV_VIRTIO_STATUS_DRIVER_OK, 0);
	assert_int_equal(x->f.driver_oks, 0);
	assert_false(av_virtio_dev_live(&x->f.vdev));

	vd_reset(d);
	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, (1u << 0) | (1u << 18)); /* bit 50: not offered */
	vd_set_status(d, vd_status(d) | AV_VIRTIO_STATUS_FEATURES_OK);
	assert_int_equal(vd_status(d) & AV_VIRTIO_STATUS_FEATURES_OK, 0);
	assert_int_equal(x->f.features_oks, 0);

	x->f.refuse = true;
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), -1);
	assert_int_equal(x->f.features_oks, 1);
	x->f.refuse = false;
	assert_int_equal(vd_init(d, VD_F_ALL | F_FEATURE_B, NQ, 16), 0);
	assert_int_equal(x->f.vdev.driver_features, VD_F_ALL | F_FEATURE_B);
	assert_int_equal(x->f.driver_oks, 1);
	assert_true(av_virtio_dev_live(&x->f.vdev));
	fix_free(x);
}

static void test_status_and_reset(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	(void)state;

	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 64), 0);
	assert_int_equal(vd_status(d), 0x0f);
	assert_int_equal(x->f.vdev.bad_accesses, 0);
	/* The driver cannot clear a bit without a reset (the write counts as bad). */
	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(vd_status(d), 0x0f);
	assert_int_equal(x->f.vdev.bad_accesses, 1);
	/* Nor set DEVICE_NEEDS_RESET, nor bits that do not exist. */
	vd_set_status(d, 0x0f | 0x40 | 0x100);
	assert_int_equal(vd_status(d), 0x0f);
	assert_int_equal(x->f.vdev.bad_accesses, 2);
	assert_int_equal(x->f.driver_oks, 1);
	vd_set_status(d, 0x0f | AV_VIRTIO_STATUS_FAILED);
	assert_int_equal(vd_status(d), 0x8f);

	/* Reset: everything the driver set is gone; the device's reset op runs once. */
	av_virtio_config_changed(&x->f.vdev);
	assert_true(d->irq_level);
	x->f.resets = 0;
	vd_set_status(d, 0);
	assert_int_equal(x->f.resets, 1);
	assert_int_equal(vd_status(d), 0);
	assert_false(d->irq_level);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_int_equal(x->f.vdev.driver_features, 0);
	for (unsigned q = 0; q < NQ; q++) {
		vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_SEL, q);
		assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 0);
		assert_int_equal(x->f.vq[q].num, 0);
		assert_int_equal(x->f.vq[q].desc_gpa, 0);
		assert_int_equal(x->f.vq[q].num_max, q == 0 ? 256 : 16);
		assert_ptr_equal(x->f.vq[q].mem, &x->ram.mem);
	}
	assert_int_equal(x->f.vdev.queue_sel, NQ - 1);
	/* The MMIO bus's reset op resets the device too. */
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 64), 0);
	d->mmio.ops->reset(d->mmio.dev);
	assert_int_equal(vd_status(d), 0);
	assert_int_equal(x->f.resets, 3);
	/* And it comes back up. */
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 64), 0);
	assert_int_equal(x->f.driver_oks, 3);
	fix_free(x);
}

static void test_queue_registers(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	struct av_virtq *vq = &x->f.vq[0];
	uint64_t bad;
	(void)state;

	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	assert_true(vd_negotiate(d, VD_F_ALL));
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 256);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_SEL, 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 16);
	/* A queue that does not exist: NumMax 0, not ready, configuration ignored. */
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_SEL, NQ);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 0);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NUM, 8);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000);
	bad = x->f.vdev.bad_accesses;
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(x->f.vdev.bad_accesses, bad + 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 0);

	/* The address registers, each half. */
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NUM, 8);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DESC_LOW, 0x11111110);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DESC_HIGH, 0x22222222);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW, 0x33333332);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0x44444444);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0x55555554);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0x66666666);
	assert_int_equal(vq->num, 8);
	assert_int_equal(vq->desc_gpa, 0x2222222211111110ull);
	assert_int_equal(vq->avail_gpa, 0x4444444433333332ull);
	assert_int_equal(vq->used_gpa, 0x6666666655555554ull);
	/* Rings outside guest RAM: QueueReady stays 0. */
	bad = x->f.vdev.bad_accesses;
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 0);
	assert_int_equal(x->f.vdev.bad_accesses, bad + 1);
	/* A size the queue does not take (above NumMax, not a power of two, zero). */
	assert_int_equal(vd_setup_queue(d, 0, 64), 0);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 0);
	assert_false(vq->ready);
	static const uint32_t sizes[] = { 512, 0x10008, 3, 0 };
	for (unsigned i = 0; i < 4; i++) {
		vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NUM, sizes[i]);
		vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
		assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 0);
	}
	/* A misaligned descriptor table. */
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NUM, 64);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(d->q[0].desc + 8));
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 0);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)d->q[0].desc);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY), 1);
	/* While ready, the configuration registers are ignored. */
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NUM, 16);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DESC_LOW, 0);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 1);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, 0);
	assert_int_equal(vq->num, 64);
	assert_int_equal(vq->desc_gpa, d->q[0].desc);
	assert_int_equal(vq->avail_gpa, d->q[0].avail);
	assert_int_equal(vq->used_gpa, d->q[0].used);
	assert_ptr_equal(vq->desc, vd_ram_ptr(&x->ram, d->q[0].desc, 16));
	/* Write-only registers read as zero (counted). */
	bad = x->f.vdev.bad_accesses;
	static const uint16_t wo[] = { 0x014, 0x020, 0x024, 0x030, 0x038, 0x050, 0x064,
				       0x080, 0x084, 0x090, 0x094, 0x0a0, 0x0a4, 0x0ac };
	for (unsigned i = 0; i < sizeof(wo) / sizeof(wo[0]); i++)
		assert_int_equal(vd_rd32(d, wo[i]), 0);
	assert_int_equal(x->f.vdev.bad_accesses, bad + sizeof(wo) / sizeof(wo[0]));
	fix_free(x);
}

/* Registers take 32-bit accesses only; the configuration space 8, 16 and 32 bits. */
static void test_widths_and_config(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	uint64_t v, bad;
	(void)state;

	for (uint64_t off = 0; off < 0x100; off += 4) {
		if (!is_reg(off)) {
			bad = x->f.vdev.bad_accesses;
			assert_int_equal(vd_rd32(d, off), 0);
			vd_wr32(d, off, 0xffffffff);
			assert_int_equal(x->f.vdev.bad_accesses, bad + 2);
		}
		for (unsigned size = 1; size <= 2; size++) {
			bad = x->f.vdev.bad_accesses;
			assert_int_equal(vd_read(d, off, size), 0);
			vd_write(d, off, size, 0);
			assert_int_equal(x->f.vdev.bad_accesses, bad + 2);
		}
	}
	/* The bus refuses 64-bit and misaligned accesses before the device sees them. */
	assert_int_equal(av_mmio_dev_rw(&d->mmio, NULL, VD_BASE, 8, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_dev_rw(&d->mmio, NULL, VD_BASE + 0x102, 4, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(vd_status(d), 0);

	/* Config space: little-endian at any width, zero beyond its size. */
	assert_int_equal(vd_config_read(d, 0, 1), 0x10);
	assert_int_equal(vd_config_read(d, 11, 1), 0x1b);
	assert_int_equal(vd_config_read(d, 2, 2), 0x1312);
	assert_int_equal(vd_config_read(d, 4, 4), 0x17161514);
	assert_int_equal(vd_config_read(d, 8, 4), 0x1b1a1918);
	bad = x->f.vdev.bad_accesses;
	assert_int_equal(vd_config_read(d, 12, 1), 0);
	assert_int_equal(vd_config_read(d, 12, 4), 0);
	assert_int_equal(vd_config_read(d, 0xfc, 4), 0);
	assert_int_equal(x->f.vdev.bad_accesses, bad + 3);
	/* Writes go to the device's op with offset, size and value. */
	vd_config_write(d, 6, 2, 0xbeef);
	assert_int_equal(x->f.cw_calls, 1);
	assert_int_equal(x->f.cw_off, 6);
	assert_int_equal(x->f.cw_size, 2);
	assert_int_equal(x->f.cw_val, 0xbeef);
	vd_config_write(d, 8, 4, 0x12345678);
	assert_int_equal(x->f.cw_val, 0x12345678);
	assert_int_equal(x->f.cw_size, 4);
	vd_config_write(d, 12, 1, 1); /* outside: not passed on */
	assert_int_equal(x->f.cw_calls, 2);
	assert_int_equal(x->f.vdev.bad_accesses, bad + 4);
	assert_int_equal(vd_config_read(d, 6, 2), 0x1716); /* the op decides; it stored nothing */
	/* No config_write op: ignored. */
	static const struct av_virtio_dev_ops ro = { f_notify, NULL, NULL, NULL, NULL };
	x->f.vdev.ops = &ro;
	vd_config_write(d, 0, 1, 0);
	assert_int_equal(x->f.cw_calls, 2);
	assert_int_equal(vd_config_read(d, 0, 1), 0x10);
	/* No config space at all. */
	x->f.vdev.config_size = 0;
	assert_int_equal(vd_config_read(d, 0, 1), 0);
	/* ShM regions are absent; QueueReset reads 0 (not offered); ConfigGeneration. */
	vd_wr32(d, AV_VIRTIO_MMIO_SHM_SEL, 0);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_SHM_LEN_LOW), 0xffffffff);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_SHM_LEN_HIGH), 0xffffffff);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_SHM_BASE_LOW), 0xffffffff);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_SHM_BASE_HIGH), 0xffffffff);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_RESET), 0);
	bad = x->f.vdev.bad_accesses;
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_RESET, 1);
	vd_wr32(d, AV_VIRTIO_MMIO_MAGIC, 0);
	vd_wr32(d, AV_VIRTIO_MMIO_CONFIG_GENERATION, 5);
	assert_int_equal(x->f.vdev.bad_accesses, bad + 3);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_MAGIC), 0x74726976);
	fix_free(x);
}

static void test_config_generation(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	(void)state;

	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_CONFIG_GENERATION), 0);
	/* Before DRIVER_OK: the generation moves, no interrupt. */
	av_virtio_config_changed(&x->f.vdev);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_CONFIG_GENERATION), 1);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	assert_false(d->irq_level);
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), 0);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_CONFIG_GENERATION), 1); /* kept by reset */
	av_virtio_config_changed(&x->f.vdev);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_CONFIG_GENERATION), 2);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), AV_VIRTIO_INT_CONFIG);
	assert_true(d->irq_level);
	assert_int_equal(d->irq_rises, 1);
	av_virtio_config_changed(&x->f.vdev); /* already high: no new edge */
	assert_int_equal(d->irq_rises, 1);
	assert_int_equal(vd_ack(d), AV_VIRTIO_INT_CONFIG);
	assert_false(d->irq_level);
	assert_int_equal(x->f.vdev.interrupts, 1);
	av_virtio_config_changed(NULL);
	fix_free(x);
}

static int add_one(struct fix *x, unsigned q, uint32_t inlen)
{
	struct vd_buf b[2] = { { 0, 8, false }, { 0, inlen, true } };

	b[0].gpa = vd_ram_alloc(&x->ram, 8, 8);
	b[1].gpa = vd_ram_alloc(&x->ram, inlen, 8);
	return vd_add(&x->d, q, b, 2, false);
}

/* InterruptStatus, InterruptACK and the line: both causes, partial acknowledges. */
static void test_interrupts(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	uint32_t len;
	int head;
	(void)state;

	x->f.echo = true;
	assert_int_equal(vd_init(d, AV_VIRTIO_F_VERSION_1, NQ, 16), 0);
	head = add_one(x, 1, 32);
	vd_kick(d, 1);
	assert_int_equal(x->f.notified[1], 1);
	assert_true(d->irq_level);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), AV_VIRTIO_INT_VRING);
	av_virtio_config_changed(&x->f.vdev);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), 3);
	assert_int_equal(d->irq_rises, 1);
	vd_wr32(d, AV_VIRTIO_MMIO_INTERRUPT_ACK, AV_VIRTIO_INT_VRING);
	assert_true(d->irq_level); /* the config cause still holds it */
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), AV_VIRTIO_INT_CONFIG);
	vd_wr32(d, AV_VIRTIO_MMIO_INTERRUPT_ACK, 0xfffffffc); /* no such causes */
	assert_true(d->irq_level);
	vd_wr32(d, AV_VIRTIO_MMIO_INTERRUPT_ACK, AV_VIRTIO_INT_CONFIG);
	assert_false(d->irq_level);
	assert_int_equal(d->irq_calls, 2);
	assert_int_equal(vd_get_used(d, 1, &len), head);
	assert_int_equal(len, 32);
	/* A second request: a new edge. */
	head = add_one(x, 1, 16);
	vd_kick(d, 1);
	assert_int_equal(d->irq_rises, 2);
	assert_int_equal(x->f.vdev.interrupts, 2);
	assert_int_equal(vd_ack(d), AV_VIRTIO_INT_VRING);
	/* Nothing pushed: no interrupt. */
	vd_kick(d, 1);
	assert_false(d->irq_level);
	assert_int_equal(d->irq_rises, 2);
	assert_int_equal(vd_get_used(d, 1, NULL), head);
	/* A device without an interrupt hook works (it polls). */
	assert_int_equal(av_virtio_dev_init(&x->f.vdev, &x->ram.mem, NULL, NULL), 0);
	assert_int_equal(vd_init(d, AV_VIRTIO_F_VERSION_1, NQ, 16), 0);
	add_one(x, 0, 4);
	vd_kick(d, 0);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), AV_VIRTIO_INT_VRING);
	assert_int_equal(x->f.vdev.interrupts, 1);
	assert_int_equal(d->irq_rises, 2);
	fix_free(x);
}

/* QueueNotify reaches the device only for a ready queue after DRIVER_OK. */
static void test_notify(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	uint64_t bad;
	(void)state;

	vd_kick(d, 0);
	assert_int_equal(x->f.notified[0], 0);
	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	assert_true(vd_negotiate(d, VD_F_ALL));
	assert_int_equal(vd_setup_queue(d, 0, 32), 0);
	vd_kick(d, 0); /* ready, but no DRIVER_OK */
	assert_int_equal(x->f.notified[0], 0);
	vd_driver_ok(d);
	vd_kick(d, 0);
	assert_int_equal(x->f.notified[0], 1);
	vd_kick(d, 1); /* exists, not ready */
	assert_int_equal(x->f.notified[1], 0);
	bad = x->f.vdev.bad_accesses;
	vd_kick(d, NQ);
	vd_kick(d, 0xffffffff);
	assert_int_equal(x->f.vdev.bad_accesses, bad + 2);
	assert_int_equal(x->f.vdev.notifies, 6);
	av_virtio_queue_notify(&x->f.vdev, 0); /* the ioeventfd path */
	assert_int_equal(x->f.notified[0], 2);
	assert_int_equal(x->f.vdev.notifies, 7);
	av_virtio_queue_notify(NULL, 0);
	fix_free(x);
}

static void set_desc_chain_bad(struct fix *x)
{
	/* A descriptor whose buffer lies outside the RAM. */
	vd_set_desc(&x->d, 0, 0, RAM_GPA + RAM_SIZE, 16, 0, 0);
	vd_publish(&x->d, 0, 0);
}

/* A malformed queue: DEVICE_NEEDS_RESET, a config interrupt, until the driver resets. */
static void test_needs_reset(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	int head;
	(void)state;

	x->f.echo = true;
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), 0);
	assert_true(av_virtio_dev_live(&x->f.vdev));
	set_desc_chain_bad(x);
	vd_kick(d, 0);
	assert_int_equal(x->f.last_pop, -AV_EFAULT);
	assert_true(x->f.vq[0].broken);
	assert_int_equal(vd_status(d), 0x4f);
	assert_int_equal(vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS), AV_VIRTIO_INT_CONFIG);
	assert_true(d->irq_level);
	assert_false(av_virtio_dev_live(&x->f.vdev));
	assert_int_equal(x->f.vdev.resets_needed, 1);
	/* The other queue was left alone, the broken one stays broken. */
	assert_true(x->f.vq[1].ready);
	assert_false(x->f.vq[1].broken);
	vd_kick(d, 0);
	assert_int_equal(x->f.last_pop, 0);
	assert_int_equal(x->f.vdev.resets_needed, 1);
	av_virtio_needs_reset(&x->f.vdev);
	assert_int_equal(x->f.vdev.resets_needed, 1);
	/* A status write that repeats the device's bit keeps it. */
	vd_set_status(d, vd_status(d));
	assert_int_equal(vd_status(d), 0x4f);
	/* Reset, and the device works again. */
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), 0);
	assert_false(d->irq_level);
	assert_int_equal(vd_status(d), 0x0f);
	assert_false(x->f.vq[0].broken);
	head = add_one(x, 0, 8);
	vd_kick(d, 0);
	assert_int_equal(vd_get_used(d, 0, NULL), head);
	/* Before DRIVER_OK: the bit, no interrupt. */
	vd_reset(d);
	av_virtio_needs_reset(&x->f.vdev);
	assert_int_equal(vd_status(d), 0x40);
	assert_false(d->irq_level);
	av_virtio_needs_reset(NULL);
	assert_true(vd_ram_guards_ok(&x->ram));
	fix_free(x);
}

/* The driver resets while the device holds a chain: the late push is refused, nothing is
 * written, and the queue comes back clean. */
static void test_reset_mid_request(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	struct av_virtq_seg seg[4];
	struct av_virtq_chain c = { seg, 4, 0, 0, 0, 0, 0 };
	uint64_t used;
	int head;
	(void)state;

	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), 0);
	head = add_one(x, 0, 64);
	add_one(x, 0, 64);
	vd_kick(d, 0);
	assert_int_equal(av_virtq_pop(&x->f.vq[0], &c), 1);
	assert_int_equal(c.head, head);
	used = d->q[0].used;
	vd_set_status(d, 0);
	assert_int_equal(av_virtq_push(&x->f.vq[0], c.head, 64), -AV_EINVAL);
	assert_int_equal(vd_ld16(&x->ram, used + 2), 0);
	assert_int_equal(av_virtq_pop(&x->f.vq[0], &c), 0);
	assert_false(av_virtq_pending(&x->f.vq[0]));
	assert_false(av_virtq_need_interrupt(&x->f.vq[0]));
	av_virtio_notify_used(&x->f.vdev, &x->f.vq[0]);
	assert_false(d->irq_level);
	/* Reset while a notification is being handled: the device pops nothing after it. */
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), 0);
	assert_int_equal(x->f.vq[0].last_avail, 0);
	x->f.echo = true;
	head = add_one(x, 0, 8);
	vd_kick(d, 0);
	assert_int_equal(vd_get_used(d, 0, NULL), head);
	assert_true(vd_ram_guards_ok(&x->ram));
	fix_free(x);
}

/* VIRTIO_F_EVENT_IDX: used_event decides the interrupts, avail_event the kicks. */
static void test_event_idx(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	struct av_virtq *vq = &x->f.vq[0];
	uint16_t old;
	(void)state;

	x->f.echo = true;
	assert_int_equal(vd_init(d, VD_F_ALL, NQ, 16), 0);
	assert_true(vq->event_idx);
	/* used_event 0 (the driver's initial value): the first used entry interrupts. */
	add_one(x, 0, 8);
	assert_true(vd_kick_wanted(d, 0, 0));
	vd_kick(d, 0);
	assert_int_equal(d->irq_rises, 1);
	vd_ack(d);
	assert_true(vd_get_used(d, 0, NULL) >= 0); /* used_event = 1 */
	/* The driver asks to be told only when entry 3 is used (used_event = 3). */
	vd_set_used_event(d, 0, 3);
	for (unsigned i = 0; i < 2; i++) {
		old = d->q[0].avail_idx;
		add_one(x, 0, 8);
		/* The device re-armed avail_event when it found the ring empty. */
		assert_true(vd_kick_wanted(d, 0, old));
		vd_kick(d, 0);
		assert_int_equal(d->irq_rises, 1);
	}
	add_one(x, 0, 8);
	vd_kick(d, 0);
	assert_int_equal(d->irq_rises, 2);
	assert_int_equal(vq->used_idx, 4);
	/* Two entries at once, used_event in the middle: one interrupt. */
	vd_ack(d);
	while (vd_get_used(d, 0, NULL) >= 0)
		;
	vd_set_used_event(d, 0, 5);
	x->f.echo = false;
	add_one(x, 0, 8);
	add_one(x, 0, 8);
	x->f.echo = true;
	vd_kick(d, 0);
	assert_int_equal(vq->used_idx, 6);
	assert_int_equal(d->irq_rises, 3);
	/* used_event already passed: no interrupt. */
	vd_ack(d);
	vd_set_used_event(d, 0, 2);
	add_one(x, 0, 8);
	vd_kick(d, 0);
	assert_int_equal(d->irq_rises, 3);

	/* Kicks: a device that polls leaves avail_event behind, so the driver stops kicking. */
	av_virtq_set_notify(vq, false);
	x->f.echo = false;
	old = d->q[0].avail_idx;
	add_one(x, 0, 8);
	assert_true(vd_kick_wanted(d, 0, old)); /* avail_event still at this entry */
	old = d->q[0].avail_idx;
	add_one(x, 0, 8);
	assert_false(vd_kick_wanted(d, 0, old));
	{
		struct av_virtq_seg seg[4];
		struct av_virtq_chain c = { seg, 4, 0, 0, 0, 0, 0 };

		while (av_virtq_pop(vq, &c) == 1)
			assert_int_equal(av_virtq_push(vq, c.head, 0), 0);
	}
	old = d->q[0].avail_idx;
	add_one(x, 0, 8);
	assert_false(vd_kick_wanted(d, 0, old)); /* popping did not re-arm it */
	av_virtq_set_notify(vq, true);
	assert_true(av_virtq_pending(vq)); /* what arrived meanwhile */
	old = d->q[0].avail_idx;
	add_one(x, 0, 8);
	assert_true(vd_kick_wanted(d, 0, (uint16_t)(old - 1)));
	fix_free(x);
}

/* Without EVENT_IDX: VIRTQ_AVAIL_F_NO_INTERRUPT and VIRTQ_USED_F_NO_NOTIFY. */
static void test_flags_suppression(void **state)
{
	struct fix *x = fix_new(256);
	struct vdrv *d = &x->d;
	struct av_virtq *vq = &x->f.vq[0];
	(void)state;

	x->f.echo = true;
	assert_int_equal(vd_init(d, AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_INDIRECT_DESC, NQ, 16), 0);
	assert_false(vq->event_idx);
	vd_set_avail_flags(d, 0, AV_VIRTQ_AVAIL_F_NO_INTERRUPT);
	add_one(x, 0, 8);
	vd_kick(d, 0);
	assert_int_equal(vq->used_idx, 1);
	assert_false(d->irq_level);
	vd_set_avail_flags(d, 0, 0);
	add_one(x, 0, 8);
	vd_kick(d, 0);
	assert_true(d->irq_level);
	vd_ack(d);
	/* Kick suppression through used->flags. */
	assert_true(vd_kick_wanted(d, 0, d->q[0].avail_idx));
	av_virtq_set_notify(vq, false);
	assert_int_equal(vd_ld16(&x->ram, d->q[0].used), AV_VIRTQ_USED_F_NO_NOTIFY);
	assert_false(vd_kick_wanted(d, 0, d->q[0].avail_idx));
	av_virtq_set_notify(vq, true);
	assert_int_equal(vd_ld16(&x->ram, d->q[0].used), 0);
	assert_true(vd_kick_wanted(d, 0, d->q[0].avail_idx));
	/* Not ready: nothing is written. */
	vd_set_status(d, 0);
	av_virtq_set_notify(vq, false);
	assert_int_equal(vd_ld16(&x->ram, d->q[0].used), 0);
	av_virtq_set_notify(NULL, false);
	fix_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_smoke),
		cmocka_unit_test(test_empty_slot),
		cmocka_unit_test(test_entry),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_features_refused),
		cmocka_unit_test(test_status_and_reset),
		cmocka_unit_test(test_queue_registers),
		cmocka_unit_test(test_widths_and_config),
		cmocka_unit_test(test_config_generation),
		cmocka_unit_test(test_interrupts),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_needs_reset),
		cmocka_unit_test(test_reset_mid_request),
		cmocka_unit_test(test_event_idx),
		cmocka_unit_test(test_flags_suppression),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
