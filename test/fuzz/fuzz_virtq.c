/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the virtio-mmio transport and split virtqueue processing.
 *
 * Input:
 *   byte 0      queue size: 1 << (b % 6) (1 .. 32)
 *   byte 1      bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 leave out VERSION_1,
 *               bit 3 ring addresses from bytes 2..7 (else desc 0x000, avail 0x200,
 *               used 0x248 in the RAM)
 *   bytes 2..7  three little-endian 16-bit ring offsets from the RAM base (bit 3)
 *   byte 8      number of operations k (at most 48)
 *   6 * k bytes operations: kind, a, b (32-bit little-endian)
 *   the rest    the guest RAM image (1 KiB; shorter images are zero-filled)
 *
 * The driver is brought up through the registers (as Linux's virtio_mmio does), then the
 * operations run: register reads and writes, configuration accesses, the device popping
 * and pushing, interrupt checks, notification suppression, the guest changing its RAM,
 * kicks, resets. The device pops every chain it is notified of (bounded by the queue
 * size), writes its writable buffers and reads its readable ones.
 *
 * Invariants (a violation traps): every segment a pop returns lies inside the RAM and the
 * chain's counts and totals add up; a failed pop leaves the queue broken and
 * DEVICE_NEEDS_RESET set, and the queue returns nothing more; the guard bytes around the
 * RAM are unchanged (and poisoned under ASan, so a read is reported); the interrupt hook
 * only sees changes of level and its level is InterruptStatus != 0; every run ends.
 */
#include <armvirt/virtio.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include "fuzz.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE 1024u
#define GUARD 256u
#define MAX_OPS 48
#define NQ 2
#define SEGS 8

static uint8_t block[GUARD + RAM_SIZE + GUARD] __attribute__((aligned(64)));
static uint8_t *const ram = block + GUARD;

struct fdev {
	struct av_virtio_dev vdev;
	struct av_virtq vq[NQ];
	uint8_t config[8];
	bool level;
	bool failed; /* a pop failed since the last reset */
	uint32_t written;
};

static struct fdev F;

static const struct av_virtio_mem_region region = { RAM_GPA, RAM_SIZE, block + GUARD, false };
static const struct av_virtio_mem_regions regions = { &region, 1 };
static const struct av_virtio_mem mem = { &av_virtio_mem_regions_ops, (void *)&regions };

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void check_chain(const struct av_virtq *vq, const struct av_virtq_chain *c)
{
	uint64_t out = 0, in = 0;

	CHECK(c->n_out + c->n_in <= c->cap && c->n_out + c->n_in <= vq->num);
	CHECK(c->n_out + c->n_in >= 1);
	CHECK(c->head < vq->num);
	for (unsigned i = 0; i < c->n_out + c->n_in; i++) {
		const uint8_t *p = c->seg[i].addr;
		uint32_t len = c->seg[i].len;

		if (len == 0) {
			CHECK(p == NULL);
			continue;
		}
		CHECK(p >= ram && p <= ram + RAM_SIZE && len <= (size_t)(ram + RAM_SIZE - p));
		if (i < c->n_out)
			out += len;
		else
			in += len;
	}
	CHECK(out == c->out_len && in == c->in_len);
}

/* Take one chain; use its buffers; return it. Returns what av_virtq_pop() returned. */
static int serve_one(struct av_virtq *vq, unsigned cap, uint32_t written)
{
	struct av_virtq_seg seg[SEGS];
	struct av_virtq_chain c = { seg, cap, 0, 0, 0, 0, 0 };
	volatile uint8_t sink = 0;
	int rc = av_virtq_pop(vq, &c);

	if (rc < 0) {
		CHECK(rc == -AV_EFAULT && vq->broken);
		CHECK(c.n_out + c.n_in == 0);
		F.failed = true;
		av_virtio_needs_reset(&F.vdev);
		CHECK(F.vdev.status & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
		CHECK(av_virtq_pop(vq, &c) == 0);
		return rc;
	}
	if (rc == 0)
		return 0;
	CHECK(rc == 1);
	check_chain(vq, &c);
	for (unsigned i = 0; i < c.n_out; i++)
		if (seg[i].len)
			sink ^= ((const uint8_t *)seg[i].addr)[seg[i].len - 1];
	for (unsigned i = c.n_out; i < c.n_out + c.n_in; i++)
		if (seg[i].len)
			memset(seg[i].addr, 0xd5, seg[i].len);
	(void)sink;
	CHECK(av_virtq_push(vq, c.head, written) == 0);
	return 1;
}

static void f_notify(struct av_virtio_dev *vdev, unsigned q)
{
	struct av_virtq *vq = &F.vq[q];
	unsigned n = 0;

	CHECK(vdev == &F.vdev && q < NQ && vq->ready);
	while (serve_one(vq, SEGS, F.written) > 0)
		CHECK(++n <= vq->num); /* the ring holds at most num chains */
	av_virtio_notify_used(vdev, vq);
}

static void f_reset(struct av_virtio_dev *vdev)
{
	(void)vdev;
	F.failed = false;
}

static void f_config_write(struct av_virtio_dev *vdev, uint32_t off, unsigned size, uint32_t val)
{
	CHECK(vdev == &F.vdev && off + size <= sizeof(F.config));
	for (unsigned i = 0; i < size; i++)
		F.config[off + i] = (uint8_t)(val >> (8 * i));
}

static const struct av_virtio_dev_ops f_ops = { f_notify, f_reset, NULL, NULL, f_config_write };

static void f_irq(void *ctx, bool level)
{
	CHECK(ctx == &F && level != F.level);
	F.level = level;
}

static const struct av_virtio_irq irq = { f_irq, &F };

static uint32_t rd(uint64_t off, unsigned size)
{
	uint64_t v = ~0ull;

	CHECK(av_virtio_mmio_ops.read(&F.vdev, NULL, off, size, &v) == AV_ACCESS_HANDLED);
	CHECK(v <= 0xffffffffull);
	return (uint32_t)v;
}

static void wr(uint64_t off, unsigned size, uint32_t v)
{
	CHECK(av_virtio_mmio_ops.write(&F.vdev, NULL, off, size, v) == AV_ACCESS_HANDLED);
}

static void bring_up(uint8_t qlog, uint8_t flags, const uint8_t *offs)
{
	uint64_t want = ((flags & 1) ? AV_VIRTIO_F_INDIRECT_DESC : 0) |
			((flags & 2) ? AV_VIRTIO_F_EVENT_IDX : 0) |
			((flags & 4) ? 0 : AV_VIRTIO_F_VERSION_1);
	uint64_t ring[3] = { 0x000, 0x200, 0x248 };

	if (flags & 8)
		for (unsigned i = 0; i < 3; i++)
			ring[i] = (uint64_t)offs[2 * i] | (uint64_t)offs[2 * i + 1] << 8;
	wr(AV_VIRTIO_MMIO_STATUS, 4, 0);
	wr(AV_VIRTIO_MMIO_STATUS, 4, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 1);
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES, 4, (uint32_t)(want >> 32));
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 4, 0);
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES, 4, (uint32_t)want);
	wr(AV_VIRTIO_MMIO_STATUS, 4, rd(AV_VIRTIO_MMIO_STATUS, 4) | AV_VIRTIO_STATUS_FEATURES_OK);
	CHECK(!(rd(AV_VIRTIO_MMIO_STATUS, 4) & AV_VIRTIO_STATUS_FEATURES_OK) == !!(flags & 4));
	wr(AV_VIRTIO_MMIO_QUEUE_SEL, 4, 0);
	wr(AV_VIRTIO_MMIO_QUEUE_NUM, 4, 1u << (qlog % 6));
	for (unsigned i = 0; i < 3; i++) {
		wr(AV_VIRTIO_MMIO_QUEUE_DESC_LOW + 0x10 * i, 4, (uint32_t)(RAM_GPA + ring[i]));
		wr(AV_VIRTIO_MMIO_QUEUE_DESC_HIGH + 0x10 * i, 4, (uint32_t)((RAM_GPA + ring[i]) >> 32));
	}
	wr(AV_VIRTIO_MMIO_QUEUE_READY, 4, 1);
	wr(AV_VIRTIO_MMIO_STATUS, 4, rd(AV_VIRTIO_MMIO_STATUS, 4) | AV_VIRTIO_STATUS_DRIVER_OK);
}

static void check_state(void)
{
	CHECK(F.level == (F.vdev.isr != 0));
	CHECK((F.vdev.isr & ~3u) == 0);
	if (F.failed)
		CHECK(F.vdev.status & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	for (unsigned q = 0; q < NQ; q++) {
		const struct av_virtq *vq = &F.vq[q];

		if (!vq->ready)
			continue;
		CHECK(vq->num >= 1 && vq->num <= vq->num_max);
		CHECK((const uint8_t *)vq->desc >= ram &&
		      (const uint8_t *)vq->desc + 16u * vq->num <= ram + RAM_SIZE);
		CHECK((const uint8_t *)vq->avail >= ram &&
		      (const uint8_t *)vq->avail + 6u + 2u * vq->num <= ram + RAM_SIZE);
		CHECK((const uint8_t *)vq->used >= ram &&
		      (const uint8_t *)vq->used + 6u + 8u * vq->num <= ram + RAM_SIZE);
	}
}

static void run_op(const uint8_t *op, const uint8_t *hdr)
{
	uint8_t a = op[1];
	uint32_t b = le32(op + 2);
	struct av_virtq *vq = &F.vq[a & 1];

	switch (op[0] % 10) {
	case 0: /* register write (QueueNotify included: the device serves the queue) */
		wr((a * 4u) % AV_VIRTIO_MMIO_CONFIG, 4, b);
		break;
	case 1:
		(void)rd((a * 4u) % AV_VIRTIO_MMIO_SIZE, 4);
		break;
	case 2: { /* configuration space, 1, 2 or 4 bytes, aligned */
		unsigned size = 1u << (a % 3);
		uint64_t off = AV_VIRTIO_MMIO_CONFIG + ((b >> 8) & 0xff & ~(size - 1));

		if (a & 0x80)
			wr(off, size, b);
		else
			(void)rd(off, size);
		break;
	}
	case 3: /* the device takes one chain with a small array, or a big one */
		(void)serve_one(vq, 1 + (a >> 1) % SEGS, b);
		break;
	case 4:
		av_virtio_notify_used(&F.vdev, vq);
		break;
	case 5:
		av_virtq_set_notify(vq, a & 2);
		(void)av_virtq_pending(vq);
		break;
	case 6: /* the guest writes its RAM: indices, flags, descriptors */
		ram[b % RAM_SIZE] = a;
		ram[(b + 1) % RAM_SIZE] = (uint8_t)(b >> 24);
		break;
	case 7:
		av_virtio_queue_notify(&F.vdev, a % (NQ + 1));
		break;
	case 8:
		F.written = b;
		av_virtio_config_changed(&F.vdev);
		break;
	default: /* the driver resets and starts again */
		bring_up(a, hdr[1], hdr + 2);
		break;
	}
	check_state();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool once;
	unsigned k;
	size_t image;

	if (size < 9)
		return 0;
	if (!once) {
		once = true;
		memset(block, 0xa5, sizeof(block));
		ASAN_POISON_MEMORY_REGION(block, GUARD);
		ASAN_POISON_MEMORY_REGION(ram + RAM_SIZE, GUARD);
	}
	k = data[8] % (MAX_OPS + 1);
	if (size < 9 + 6u * k)
		k = (unsigned)((size - 9) / 6);
	image = size - 9 - 6u * k;
	if (image > RAM_SIZE)
		image = RAM_SIZE;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 9 + 6u * k, image);

	memset(&F, 0, sizeof(F));
	F.vdev.device_id = 1;
	F.vdev.device_features = AV_BIT(5);
	F.vdev.vq = F.vq;
	F.vdev.num_queues = NQ;
	F.vq[0].num_max = 32;
	F.vq[1].num_max = 4;
	F.vdev.config = F.config;
	F.vdev.config_size = sizeof(F.config);
	F.vdev.ops = &f_ops;
	CHECK(av_virtio_dev_init(&F.vdev, &mem, &irq, NULL) == 0);

	bring_up(data[0], data[1], data + 2);
	check_state();
	for (unsigned i = 0; i < k; i++)
		run_op(data + 9 + 6 * i, data);
	/* Whatever the guest left in the queue: serve it once more. */
	av_virtio_queue_notify(&F.vdev, 0);
	check_state();

	ASAN_UNPOISON_MEMORY_REGION(block, GUARD);
	ASAN_UNPOISON_MEMORY_REGION(ram + RAM_SIZE, GUARD);
	for (unsigned i = 0; i < GUARD; i++)
		CHECK(block[i] == 0xa5 && ram[RAM_SIZE + i] == 0xa5);
	ASAN_POISON_MEMORY_REGION(block, GUARD);
	ASAN_POISON_MEMORY_REGION(ram + RAM_SIZE, GUARD);
	return 0;
}
