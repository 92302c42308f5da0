/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for virtio-blk request processing (armvirt/dev/virtio_blk.h) over the
 * virtio-mmio transport and a split virtqueue.
 *
 * Input: 4 control bytes, then the guest RAM image (RAM_SIZE bytes at guest-physical 0,
 * zero-padded): the available ring at AVAIL_GPA, the descriptor table at DESC_GPA, the
 * request buffers anywhere (the used ring is at USED_GPA). Control bytes:
 *  [0] bits 2:0 log2 of the queue size (1 .. 128); bit 3 read-only disk; bit 4 accept
 *      VIRTIO_F_EVENT_IDX; bit 5 accept VIRTIO_F_INDIRECT_DESC; bit 6 a backend with only
 *      read and write; bit 7 reset the device after the first kick;
 *  [1] the backend op (counted from 1) that fails, 0 for none;
 *  [2] the last RAM page the device may only read (0: none), see the memory ops;
 *  [3] bits 1:0 how many kicks (1 .. 4); bits 4:2 how far the available index advances
 *      before each kick after the first (the same ring entries again).
 * The device is brought up through MMIO accesses as a driver does, then kicked. The seeds
 * (test/fuzz/seeds/virtio-blk-*) are well-formed requests of every type, direct and
 * indirect, so mutations start from chains the device accepts.
 * Invariants checked (a violation traps):
 *  - every guest-memory mapping the device asks for lies inside RAM; the guard bytes
 *    around RAM and around the disk image never change;
 *  - every backend call is 512-byte aligned and inside the disk;
 *  - a read-only disk is never written, the read-only RAM page never changes;
 *  - av_virtio_blk_process() returns a count or -AV_EFAULT, and -AV_EFAULT comes with
 *    DEVICE_NEEDS_RESET; the used index moves by what was completed, and each used
 *    element's length is at most the request's writable bytes;
 *  - the request counters add up to no more than the requests completed.
 */
#include <armvirt/dev/virtio_blk.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define RAM_SIZE 0x1000u
#define AVAIL_GPA 0x0u
#define DESC_GPA 0x200u
#define USED_GPA 0xa00u
#define USED_BYTES (4u + 8u * 128u + 2u) /* the largest used ring */
#define DISK_SECTORS 8u
#define DISK_SIZE (DISK_SECTORS * AV_VIRTIO_BLK_SECTOR)
#define GUARD 64u
#define GUARD_BYTE 0xa5
#define RO_PAGE 0x400u

static uint8_t ram_buf[GUARD + RAM_SIZE + GUARD];
static uint8_t disk_buf[GUARD + DISK_SIZE + GUARD];
static uint8_t disk_pattern[DISK_SIZE];
static struct av_virtio_blk blk;

struct harness {
	struct av_virtio_blk_ram ram;
	unsigned fail_at;  /* the op that fails (1-based), 0: none */
	unsigned calls;
	bool readonly;
	uint64_t ro_end;   /* guest RAM [0, ro_end) is read-only to the device */
	bool rings_mapped; /* the queue is enabled */
};

static struct harness h;

static void *mem_map(void *ctx, uint64_t gpa, uint64_t len, bool write)
{
	(void)ctx;
	CHECK(len >= 1 && gpa + (len - 1) >= gpa);
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return NULL;
	if (write && gpa < h.ro_end)
		return NULL;
	/* Once the rings are mapped, no buffer may alias the used ring (so the entries the
	 * harness checks are the device's). */
	if (write && h.rings_mapped && gpa < USED_GPA + USED_BYTES && gpa + len > USED_GPA)
		return NULL;
	return ram_buf + GUARD + gpa;
}

static const struct av_virtio_mem_ops mem_ops = { .map = mem_map };

static bool op_fails(void)
{
	return ++h.calls == h.fail_at;
}

static void check_range(uint64_t offset, uint64_t len)
{
	CHECK(offset % AV_VIRTIO_BLK_SECTOR == 0 && len % AV_VIRTIO_BLK_SECTOR == 0);
	CHECK(offset <= DISK_SIZE && len <= DISK_SIZE - offset);
}

static uint64_t iov_check(const struct av_iov *iov, unsigned n)
{
	uint64_t t = 0;

	CHECK(n <= AV_VIRTIO_BLK_SEG_MAX + 2);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *b = iov[i].base;

		CHECK(iov[i].len > 0);
		CHECK(b >= ram_buf + GUARD && b + iov[i].len <= ram_buf + GUARD + RAM_SIZE);
		t += iov[i].len;
	}
	return t;
}

static int f_read(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	uint64_t len = iov_check(iov, n);

	check_range(offset, len);
	for (unsigned i = 0; i < n; i++)
		CHECK((const uint8_t *)iov[i].base >= ram_buf + GUARD + h.ro_end);
	return op_fails() ? -AV_EIO : av_virtio_blk_ram_ops.read(ctx, offset, iov, n);
}

static int f_write(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	CHECK(!h.readonly);
	check_range(offset, iov_check(iov, n));
	return op_fails() ? -AV_EIO : av_virtio_blk_ram_ops.write(ctx, offset, iov, n);
}

static int f_flush(void *ctx)
{
	return op_fails() ? -AV_EIO : 0;
}

static int f_discard(void *ctx, uint64_t offset, uint64_t len)
{
	CHECK(!h.readonly && len > 0);
	check_range(offset, len);
	return op_fails() ? -AV_EIO : av_virtio_blk_ram_ops.discard(ctx, offset, len);
}

static int f_write_zeroes(void *ctx, uint64_t offset, uint64_t len, bool may_unmap)
{
	CHECK(!h.readonly && len > 0);
	check_range(offset, len);
	return op_fails() ? -AV_EIO
			  : av_virtio_blk_ram_ops.write_zeroes(ctx, offset, len, may_unmap);
}

static const struct av_virtio_blk_ops full_ops = {
	.read = f_read,
	.write = f_write,
	.flush = f_flush,
	.discard = f_discard,
	.write_zeroes = f_write_zeroes,
};

static const struct av_virtio_blk_ops rw_ops = { .read = f_read, .write = f_write };

static void mmio_write(uint64_t off, uint32_t val)
{
	CHECK(av_virtio_mmio_ops.write(&blk.vdev, NULL, off, 4, val) == AV_ACCESS_HANDLED);
}

static uint32_t mmio_read(uint64_t off)
{
	uint64_t v = 0;

	CHECK(av_virtio_mmio_ops.read(&blk.vdev, NULL, off, 4, &v) == AV_ACCESS_HANDLED);
	return (uint32_t)v;
}

static void guards_intact(void)
{
	static uint8_t guard[GUARD];

	if (!guard[0])
		memset(guard, GUARD_BYTE, GUARD);
	CHECK(memcmp(ram_buf, guard, GUARD) == 0);
	CHECK(memcmp(ram_buf + GUARD + RAM_SIZE, guard, GUARD) == 0);
	CHECK(memcmp(disk_buf, guard, GUARD) == 0);
	CHECK(memcmp(disk_buf + GUARD + DISK_SIZE, guard, GUARD) == 0);
}

/* Bring the device up as a driver does; returns false if the transport refused. */
static bool driver_setup(uint8_t ctl, unsigned num)
{
	uint64_t want = AV_VIRTIO_F_VERSION_1 | ((ctl & 0x10) ? AV_VIRTIO_F_EVENT_IDX : 0) |
			((ctl & 0x20) ? AV_VIRTIO_F_INDIRECT_DESC : 0) | AV_GENMASK(27, 0);
	uint64_t feat;

	mmio_write(AV_VIRTIO_MMIO_STATUS, 0);
	mmio_write(AV_VIRTIO_MMIO_STATUS, AV_VIRTIO_STATUS_ACKNOWLEDGE);
	mmio_write(AV_VIRTIO_MMIO_STATUS, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	mmio_write(AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	feat = mmio_read(AV_VIRTIO_MMIO_DEVICE_FEATURES);
	mmio_write(AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	feat |= (uint64_t)mmio_read(AV_VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	CHECK(feat & AV_VIRTIO_F_VERSION_1);
	CHECK(!(feat & AV_VIRTIO_BLK_F_RO) == !h.readonly);
	feat &= want;
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)feat);
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	mmio_write(AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(feat >> 32));
	mmio_write(AV_VIRTIO_MMIO_STATUS, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER |
						  AV_VIRTIO_STATUS_FEATURES_OK);
	if (!(mmio_read(AV_VIRTIO_MMIO_STATUS) & AV_VIRTIO_STATUS_FEATURES_OK))
		return false;
	mmio_write(AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	CHECK(mmio_read(AV_VIRTIO_MMIO_QUEUE_NUM_MAX) == AV_VIRTIO_BLK_QUEUE_SIZE);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_NUM, num);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DESC_LOW, DESC_GPA);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW, AVAIL_GPA);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH, 0);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, USED_GPA);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH, 0);
	mmio_write(AV_VIRTIO_MMIO_QUEUE_READY, 1);
	mmio_write(AV_VIRTIO_MMIO_STATUS, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER |
						  AV_VIRTIO_STATUS_FEATURES_OK |
						  AV_VIRTIO_STATUS_DRIVER_OK);
	return mmio_read(AV_VIRTIO_MMIO_QUEUE_READY) == 1;
}

static uint64_t requests(void)
{
	return blk.reads + blk.writes + blk.flushes + blk.discards + blk.write_zeroes + blk.get_ids;
}

/* The used ring entries [from, to): lengths within their chains' writable bytes. */
static void check_used(const uint8_t *used, unsigned num, uint16_t from, uint16_t to)
{
	for (uint16_t i = from; i != to; i++) {
		const uint8_t *e = used + 4 + 8 * (i % num);
		uint32_t id = (uint32_t)e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 |
			      (uint32_t)e[3] << 24;
		uint32_t len = (uint32_t)e[4] | (uint32_t)e[5] << 8 | (uint32_t)e[6] << 16 |
			       (uint32_t)e[7] << 24;

		CHECK(id < num);
		/* Data plus status: a chain has at most num buffers, each inside RAM. */
		CHECK(len <= (uint64_t)RAM_SIZE * num);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_virtio_mem mem = { .ops = &mem_ops };
	struct av_virtio_blk_params p;
	struct av_virtio_irq irq = { 0 };
	uint8_t ro_copy[RO_PAGE];
	const uint8_t *used = ram_buf + GUARD + USED_GPA;
	unsigned num, kicks;
	uint8_t ctl, advance;

	if (size < 4)
		return 0;
	ctl = data[0];
	num = 1u << (ctl & 7);
	memset(&h, 0, sizeof(h));
	h.readonly = (ctl & 0x08) != 0;
	h.fail_at = data[1];
	h.ro_end = data[2] ? RO_PAGE : 0;
	kicks = 1 + (data[3] & 3);
	advance = data[3];
	data += 4;
	size -= 4;

	/* The guards are set once and checked after every run. */
	if (ram_buf[0] != GUARD_BYTE)
		memset(ram_buf, GUARD_BYTE, sizeof(ram_buf));
	if (size < RAM_SIZE) {
		memcpy(ram_buf + GUARD, data, size);
		memset(ram_buf + GUARD + size, 0, RAM_SIZE - size);
	} else {
		memcpy(ram_buf + GUARD, data, RAM_SIZE);
	}
	if (!disk_pattern[0]) {
		for (unsigned i = 0; i < DISK_SIZE; i++)
			disk_pattern[i] = (uint8_t)(i * 7 + 1);
		memset(disk_buf, GUARD_BYTE, sizeof(disk_buf));
	}
	memcpy(disk_buf + GUARD, disk_pattern, DISK_SIZE);
	h.ram = (struct av_virtio_blk_ram){ .base = disk_buf + GUARD, .size = DISK_SIZE };

	p = (struct av_virtio_blk_params){
		.ops = (ctl & 0x40) ? &rw_ops : &full_ops,
		.ctx = &h.ram,
		.size = DISK_SIZE,
		.readonly = h.readonly,
		.serial = "fuzz-serial-0123456789",
	};
	CHECK(av_virtio_blk_init(&blk, &p, &mem, &irq, NULL) == 0);
	if (!driver_setup(ctl, num))
		return 0;
	h.rings_mapped = true;
	if (h.ro_end)
		memcpy(ro_copy, ram_buf + GUARD, RO_PAGE);

	for (unsigned k = 0; k < kicks; k++) {
		uint16_t before = blk.vq.used_idx;
		uint8_t *avail_idx = ram_buf + GUARD + AVAIL_GPA + 2;

		if (k) {
			uint16_t idx = (uint16_t)(avail_idx[0] | avail_idx[1] << 8);

			idx = (uint16_t)(idx + ((advance >> 2) & 7));
			avail_idx[0] = (uint8_t)idx;
			avail_idx[1] = (uint8_t)(idx >> 8);
			if (h.ro_end)
				memcpy(ro_copy, ram_buf + GUARD, RO_PAGE);
		}
		uint64_t reqs = requests(), errors = blk.errors;
		int rc = av_virtio_blk_process(&blk);

		if (rc < 0) {
			CHECK(rc == -AV_EFAULT);
			CHECK(blk.vdev.status & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
		} else {
			CHECK((uint16_t)(blk.vq.used_idx - before) == (uint16_t)rc);
			CHECK(requests() - reqs <= (uint64_t)rc);
			CHECK(blk.errors - errors <= (uint64_t)rc);
		}
		CHECK((uint16_t)(blk.vq.used_idx - before) <= num);
		check_used(used, num, before, blk.vq.used_idx);
		if (k == 0 && (ctl & 0x80)) {
			/* A driver that resets mid-stream: nothing more is processed. */
			mmio_write(AV_VIRTIO_MMIO_STATUS, 0);
			CHECK(av_virtio_blk_process(&blk) == 0);
			CHECK(!blk.vq.ready);
			break;
		}
	}
	if (h.readonly)
		CHECK(memcmp(disk_pattern, disk_buf + GUARD, DISK_SIZE) == 0);
	if (h.ro_end)
		CHECK(memcmp(ro_copy, ram_buf + GUARD, RO_PAGE) == 0);
	guards_intact();
	return 0;
}
