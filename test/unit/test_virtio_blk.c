/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the virtio-blk model (armvirt/dev/virtio_blk.h), driven through its
 * virtio-mmio registers by the driver simulator (virtio_drv.h) over a fake guest RAM, with a
 * RAM disk behind a recording backend. Offsets, type and status codes are written as
 * numbers from virtio 1.2 §5.2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/dev/virtio_blk.h>

#include "virtio_drv.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (1u << 20)
#define SECTORS 64u
#define DISK_SIZE (SECTORS * 512u)
#define QSIZE 16u

/* The backend: a RAM disk whose calls are recorded and can be made to fail. */
struct backend {
	struct av_virtio_blk_ram ram;
	unsigned reads, writes, flushes, discards, zeroes;
	uint64_t offset, len;   /* of the last call */
	unsigned niov;          /* iov entries of the last read or write */
	bool may_unmap;
	int fail;               /* returned by every op when non-zero */
};

struct fix {
	struct vd_ram ram;
	struct vdrv d;
	struct av_virtio_blk blk;
	struct backend be;
	uint8_t disk[DISK_SIZE];
	uint8_t orig[DISK_SIZE];
};

static struct fix F;

static uint64_t iov_len(const struct av_iov *iov, unsigned n)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < n; i++) {
		assert_true(iov[i].len > 0);
		t += iov[i].len;
	}
	return t;
}

static int be_read(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	struct backend *b = ctx;

	b->reads++;
	b->offset = offset;
	b->len = iov_len(iov, n);
	b->niov = n;
	return b->fail ? b->fail : av_virtio_blk_ram_ops.read(&b->ram, offset, iov, n);
}

static int be_write(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	struct backend *b = ctx;

	b->writes++;
	b->offset = offset;
	b->len = iov_len(iov, n);
	b->niov = n;
	return b->fail ? b->fail : av_virtio_blk_ram_ops.write(&b->ram, offset, iov, n);
}

static int be_flush(void *ctx)
{
	struct backend *b = ctx;

	b->flushes++;
	return b->fail;
}

static int be_discard(void *ctx, uint64_t offset, uint64_t len)
{
	struct backend *b = ctx;

	b->discards++;
	b->offset = offset;
	b->len = len;
	return b->fail ? b->fail : av_virtio_blk_ram_ops.discard(&b->ram, offset, len);
}

static int be_zeroes(void *ctx, uint64_t offset, uint64_t len, bool may_unmap)
{
	struct backend *b = ctx;

	b->zeroes++;
	b->offset = offset;
	b->len = len;
	b->may_unmap = may_unmap;
	if (b->fail)
		return b->fail;
	return av_virtio_blk_ram_ops.write_zeroes(&b->ram, offset, len, may_unmap);
}

static const struct av_virtio_blk_ops full_ops = {
	.read = be_read,
	.write = be_write,
	.flush = be_flush,
	.discard = be_discard,
	.write_zeroes = be_zeroes,
};

static const struct av_virtio_blk_ops rw_ops = { .read = be_read, .write = be_write };
static const struct av_virtio_blk_ops ro_ops = { .read = be_read };

/* A fresh device over a patterned disk; the driver negotiates @want. */
static void setup_dev(const struct av_virtio_blk_ops *ops, bool readonly, const char *serial,
		      uint64_t want)
{
	struct av_virtio_blk_params p = {
		.ops = ops, .ctx = &F.be, .size = DISK_SIZE, .readonly = readonly, .serial = serial,
	};

	memset(&F.be, 0, sizeof(F.be));
	for (unsigned i = 0; i < DISK_SIZE; i++)
		F.disk[i] = (uint8_t)(i * 13 + i / 512);
	memcpy(F.orig, F.disk, DISK_SIZE);
	F.be.ram = (struct av_virtio_blk_ram){ .base = F.disk, .size = DISK_SIZE };
	vd_ram_init(&F.ram, RAM_GPA, RAM_SIZE);
	vd_setup(&F.d, &F.ram);
	assert_int_equal(av_virtio_blk_init(&F.blk, &p, &F.ram.mem, &F.d.irq, NULL), 0);
	vd_attach(&F.d, &F.blk.vdev);
	assert_int_equal(vd_init(&F.d, want, 1, QSIZE), 0);
}

static int teardown(void **state)
{
	(void)state;
	vd_ram_fini(&F.ram);
	return 0;
}

static int setup_full(void **state)
{
	(void)state;
	setup_dev(&full_ops, false, "serial-0", VD_F_ALL | AV_GENMASK(27, 0));
	return 0;
}

/* Guest buffers */
static uint64_t alloc(uint64_t size)
{
	return vd_ram_alloc(&F.ram, size, 16);
}

static uint8_t *ptr(uint64_t gpa, uint64_t len)
{
	return vd_ram_ptr(&F.ram, gpa, len);
}

static uint64_t header(uint32_t type, uint64_t sector)
{
	uint64_t h = alloc(16);

	vd_st32(&F.ram, h, type);
	vd_st32(&F.ram, h + 4, 0);
	vd_st64(&F.ram, h + 8, sector);
	return h;
}

static uint64_t status_byte(void)
{
	uint64_t s = alloc(1);

	*ptr(s, 1) = 0xff;
	return s;
}

/* Submit a chain, kick, collect the used entry: returns its length. */
static uint32_t submit(const struct vd_buf *b, unsigned n, bool indirect)
{
	uint32_t len = 0xdeadbeef;
	int head = vd_add(&F.d, 0, b, n, indirect);

	assert_true(head >= 0);
	vd_kick(&F.d, 0);
	assert_int_equal(vd_get_used(&F.d, 0, &len), head);
	return len;
}

/* header, data (@data_len bytes, writable for IN-like requests), status; returns status. */
static uint8_t request(uint32_t type, uint64_t sector, uint64_t data, uint32_t data_len,
		       bool data_write, uint32_t *used_len)
{
	uint64_t s = status_byte();
	struct vd_buf b[3] = { { header(type, sector), 16, false } };
	unsigned n = 1;
	uint32_t len;

	if (data_len)
		b[n++] = (struct vd_buf){ data, data_len, data_write };
	b[n++] = (struct vd_buf){ s, 1, true };
	len = submit(b, n, false);
	if (used_len)
		*used_len = len;
	return *ptr(s, 1);
}

static uint64_t pattern_buf(uint32_t len, uint8_t seed)
{
	uint64_t g = alloc(len);
	uint8_t *p = ptr(g, len);

	for (uint32_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed + i * 7);
	return g;
}

static bool disk_unchanged(void)
{
	return memcmp(F.disk, F.orig, DISK_SIZE) == 0;
}

static uint32_t cfg32(uint32_t off)
{
	return vd_config_read(&F.d, off, 4);
}

/* ---- tests ---- */

static void test_config_layout(void **state)
{
	(void)state;
	assert_int_equal(vd_rd32(&F.d, AV_VIRTIO_MMIO_DEVICE_ID), 2);
	assert_int_equal(cfg32(0), SECTORS);     /* capacity, low */
	assert_int_equal(cfg32(4), 0);           /* capacity, high */
	assert_int_equal(cfg32(8), 0);           /* size_max (no F_SIZE_MAX) */
	assert_int_equal(cfg32(12), 128);        /* seg_max */
	assert_int_equal(cfg32(16), 0);          /* geometry */
	assert_int_equal(cfg32(20), 512);        /* blk_size */
	assert_int_equal(cfg32(24), 0);          /* topology */
	assert_int_equal(cfg32(28), 0);
	assert_int_equal(vd_config_read(&F.d, 32, 1), 0); /* writeback */
	assert_int_equal(vd_config_read(&F.d, 34, 2), 0); /* num_queues (no F_MQ) */
	assert_int_equal(cfg32(36), 1u << 22);   /* max_discard_sectors */
	assert_int_equal(cfg32(40), 1);          /* max_discard_seg */
	assert_int_equal(cfg32(44), 1);          /* discard_sector_alignment */
	assert_int_equal(cfg32(48), 1u << 22);   /* max_write_zeroes_sectors */
	assert_int_equal(cfg32(52), 1);          /* max_write_zeroes_seg */
	assert_int_equal(vd_config_read(&F.d, 56, 1), 1); /* write_zeroes_may_unmap */
	assert_int_equal(vd_config_read(&F.d, 57, 1), 0);
	assert_int_equal(cfg32(60), 0);
	/* 16-bit and byte reads see the same little-endian bytes. */
	assert_int_equal(vd_config_read(&F.d, 12, 1), 128);
	assert_int_equal(vd_config_read(&F.d, 20, 2), 512);
	assert_int_equal(vd_config_read(&F.d, 21, 1), 2);
	/* The configuration is read-only. */
	vd_config_write(&F.d, 0, 4, 5);
	assert_int_equal(cfg32(0), SECTORS);
}

static void test_features_follow_ops(void **state)
{
	const uint64_t dev = AV_VIRTIO_BLK_F_SEG_MAX | AV_VIRTIO_BLK_F_BLK_SIZE;

	(void)state;
	/* All ops, writable */
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0),
			 dev | AV_VIRTIO_BLK_F_FLUSH | AV_VIRTIO_BLK_F_DISCARD |
				 AV_VIRTIO_BLK_F_WRITE_ZEROES);
	assert_true(F.d.features & AV_VIRTIO_F_VERSION_1);
	teardown(NULL);

	/* read and write only: no flush, discard, write-zeroes and their fields stay 0 */
	setup_dev(&rw_ops, false, NULL, VD_F_ALL | AV_GENMASK(27, 0));
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0), dev);
	for (uint32_t off = 36; off < 60; off += 4)
		assert_int_equal(cfg32(off), 0);
	teardown(NULL);

	/* read-only with every op: RO and FLUSH, never DISCARD or WRITE_ZEROES */
	setup_dev(&full_ops, true, NULL, VD_F_ALL | AV_GENMASK(27, 0));
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0),
			 dev | AV_VIRTIO_BLK_F_RO | AV_VIRTIO_BLK_F_FLUSH);
	assert_int_equal(cfg32(36), 0);
	assert_int_equal(cfg32(48), 0);
	teardown(NULL);

	/* write-zeroes without discard: may_unmap 0 */
	static const struct av_virtio_blk_ops wz_ops = {
		.read = be_read, .write = be_write, .write_zeroes = be_zeroes,
	};
	setup_dev(&wz_ops, false, NULL, VD_F_ALL | AV_GENMASK(27, 0));
	assert_int_equal(F.d.device_features & AV_GENMASK(23, 0),
			 dev | AV_VIRTIO_BLK_F_WRITE_ZEROES);
	assert_int_equal(cfg32(48), 1u << 22);
	assert_int_equal(vd_config_read(&F.d, 56, 1), 0);
	assert_int_equal(cfg32(36), 0);
}

static void test_write_then_read(void **state)
{
	uint64_t w = pattern_buf(1024, 3), r = alloc(1024);
	uint32_t len;

	(void)state;
	assert_int_equal(request(1, 5, w, 1024, false, &len), 0);
	assert_int_equal(len, 1); /* only the status was written */
	assert_memory_equal(F.disk + 5 * 512, ptr(w, 1024), 1024);
	assert_memory_equal(F.disk, F.orig, 5 * 512);
	assert_memory_equal(F.disk + 7 * 512, F.orig + 7 * 512, DISK_SIZE - 7 * 512);
	assert_int_equal(F.be.writes, 1);
	assert_int_equal(F.be.offset, 5 * 512);
	assert_int_equal(F.be.len, 1024);

	memset(ptr(r, 1024), 0, 1024);
	assert_int_equal(request(0, 5, r, 1024, true, &len), 0);
	assert_int_equal(len, 1025); /* data and status */
	assert_memory_equal(ptr(r, 1024), ptr(w, 1024), 1024);

	/* A read of the untouched sector 20 sees the disk's pattern. */
	assert_int_equal(request(0, 20, r, 512, true, &len), 0);
	assert_memory_equal(ptr(r, 512), F.orig + 20 * 512, 512);
	/* The last sector. */
	assert_int_equal(request(0, SECTORS - 1, r, 512, true, &len), 0);
	assert_memory_equal(ptr(r, 512), F.orig + (SECTORS - 1) * 512, 512);

	assert_int_equal(F.blk.reads, 3);
	assert_int_equal(F.blk.writes, 1);
	assert_int_equal(F.blk.bytes_read, 2048);
	assert_int_equal(F.blk.bytes_written, 1024);
	assert_int_equal(F.blk.errors, 0);
}

/* The header split, shared with data, data spread over odd segments, status sharing. */
static void test_layouts(void **state)
{
	uint64_t h = header(1, 2), s = status_byte(), one, r;
	uint8_t *p;
	uint32_t len;

	(void)state;
	/* Header split 5 + 11 across two descriptors, data in three odd pieces. */
	{
		uint64_t d = pattern_buf(1024, 9);
		struct vd_buf b[] = {
			{ h, 5, false }, { h + 5, 11, false },
			{ d, 100, false }, { d + 100, 700, false }, { d + 800, 224, false },
			{ s, 1, true },
		};

		assert_int_equal(submit(b, 6, false), 1);
		assert_int_equal(*ptr(s, 1), 0);
		assert_int_equal(F.be.niov, 3);
		assert_memory_equal(F.disk + 1024, ptr(d, 1024), 1024);
	}
	/* Header and data in one descriptor (OUT). */
	one = alloc(16 + 512);
	p = ptr(one, 16 + 512);
	memset(p, 0, 16);
	p[0] = 1;  /* OUT */
	p[8] = 40; /* sector 40 */
	for (unsigned i = 0; i < 512; i++)
		p[16 + i] = (uint8_t)(0x5a ^ i);
	{
		struct vd_buf b[] = { { one, 16 + 512, false }, { s, 1, true } };

		*ptr(s, 1) = 0xff;
		assert_int_equal(submit(b, 2, false), 1);
		assert_int_equal(*ptr(s, 1), 0);
		assert_int_equal(F.be.niov, 1);
		assert_memory_equal(F.disk + 40 * 512, p + 16, 512);
	}
	/* IN: data and status share one writable descriptor (512 + 1). */
	r = alloc(513);
	memset(ptr(r, 513), 0xcc, 513);
	{
		struct vd_buf b[] = { { header(0, 40), 16, false }, { r, 513, true } };

		assert_int_equal(submit(b, 2, false), 513);
		assert_memory_equal(ptr(r, 512), p + 16, 512);
		assert_int_equal(*ptr(r + 512, 1), 0);
	}
	/* IN: the status is the last byte of the last of several writable descriptors. */
	memset(ptr(r, 513), 0xcc, 513);
	{
		struct vd_buf b[] = { { header(0, 40), 16, false }, { r, 300, true },
				      { r + 300, 213, true } };

		assert_int_equal(submit(b, 3, false), 513);
		assert_memory_equal(ptr(r, 512), p + 16, 512);
		assert_int_equal(*ptr(r + 512, 1), 0);
	}
	/* Through an indirect table. */
	{
		uint64_t d = pattern_buf(512, 77), s2 = status_byte();
		struct vd_buf b[] = { { header(1, 41), 16, false }, { d, 512, false },
				      { s2, 1, true } };

		assert_int_equal(submit(b, 3, true), 1);
		assert_int_equal(*ptr(s2, 1), 0);
		assert_memory_equal(F.disk + 41 * 512, ptr(d, 512), 512);
	}
	len = 0;
	assert_int_equal(request(0, 41, alloc(512), 512, true, &len), 0);
	assert_int_equal(len, 513);
	assert_int_equal(F.blk.errors, 0);
}

static void test_bad_requests(void **state)
{
	uint64_t s = status_byte(), h = header(0, 0), d = alloc(1024);
	unsigned reads = 0;

	(void)state;
	/* A header of 15 bytes: IOERR, nothing else written. */
	{
		struct vd_buf b[] = { { h, 15, false }, { d, 512, true }, { s, 1, true } };

		memset(ptr(d, 512), 0xee, 512);
		assert_int_equal(submit(b, 3, false), 1);
		assert_int_equal(*ptr(s, 1), 1);
		assert_int_equal(*ptr(d, 1), 0xee);
	}
	/* No readable part at all. */
	{
		struct vd_buf b[] = { { d, 512, true }, { s, 1, true } };

		*ptr(s, 1) = 0xff;
		assert_int_equal(submit(b, 2, false), 1);
		assert_int_equal(*ptr(s, 1), 1);
	}
	/* No status byte: no writable descriptor. Returned with nothing written. */
	{
		uint64_t w = pattern_buf(512, 1);
		struct vd_buf b[] = { { header(1, 0), 16, false }, { w, 512, false } };

		assert_int_equal(submit(b, 2, false), 0);
		assert_true(disk_unchanged());
	}
	/* The status in a readable descriptor: the same, and it stays untouched. */
	{
		struct vd_buf b[] = { { header(0, 0), 16, false }, { s, 1, false } };

		*ptr(s, 1) = 0x77;
		assert_int_equal(submit(b, 2, false), 0);
		assert_int_equal(*ptr(s, 1), 0x77);
	}
	/* A zero-length writable descriptor is no status byte either. */
	{
		struct vd_buf b[] = { { header(0, 0), 16, false }, { s, 0, true } };

		*ptr(s, 1) = 0x77;
		assert_int_equal(submit(b, 2, false), 0);
		assert_int_equal(*ptr(s, 1), 0x77);
	}
	/* Data lengths that are not whole sectors. */
	assert_int_equal(request(0, 0, d, 511, true, NULL), 1);
	assert_int_equal(request(0, 0, d, 513, true, NULL), 1);
	assert_int_equal(request(1, 0, d, 100, false, NULL), 1);
	assert_int_equal(request(1, 0, d, 1000, false, NULL), 1);
	assert_true(disk_unchanged());
	assert_int_equal(F.be.reads, reads);
	assert_int_equal(F.be.writes, 0);
	/* Unknown request types: UNSUPP (GET_LIFETIME 10, SECURE_ERASE 14, anything). */
	assert_int_equal(request(10, 0, d, 16, true, NULL), 2);
	assert_int_equal(request(14, 0, 0, 0, false, NULL), 2);
	assert_int_equal(request(0xffffffff, 0, 0, 0, false, NULL), 2);
	assert_int_equal(F.blk.errors, 12);
	/* The queue is fine: a good request completes. */
	assert_int_equal(request(0, 0, d, 512, true, NULL), 0);
	assert_false(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void test_out_of_range(void **state)
{
	uint64_t d = alloc(4096);
	uint32_t len;

	(void)state;
	assert_int_equal(request(0, SECTORS, d, 512, true, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(request(0, SECTORS - 1, d, 1024, true, NULL), 1);
	assert_int_equal(request(1, SECTORS - 1, d, 1024, false, NULL), 1);
	assert_int_equal(request(0, UINT64_MAX, d, 512, true, NULL), 1);
	/* sector * 512 wraps 64 bits */
	assert_int_equal(request(0, 1ull << 55, d, 512, true, NULL), 1);
	assert_int_equal(request(1, (1ull << 55) + 1, d, 512, false, NULL), 1);
	assert_int_equal(request(1, UINT64_MAX - 1, d, 4096, false, NULL), 1);
	assert_int_equal(F.be.reads + F.be.writes, 0);
	assert_true(disk_unchanged());
	/* The last sector is fine, and a read of nothing at the end too. */
	assert_int_equal(request(0, SECTORS - 1, d, 512, true, &len), 0);
	assert_int_equal(len, 513);
	assert_int_equal(request(0, SECTORS, 0, 0, false, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(F.be.reads, 1); /* a zero-length read does not reach the backend */
	assert_int_equal(F.blk.errors, 7);
}

static void test_huge_data(void **state)
{
	/* Up to the whole RAM as one writable buffer: far beyond the disk. */
	uint64_t big = alloc(512 * 1024);
	uint32_t len;

	(void)state;
	assert_int_equal(request(0, 0, big, 512 * 1024, true, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(request(1, 0, big, 512 * 1024, false, &len), 1);
	/* Through an indirect table of QSIZE buffers repeating the same 512 KiB: 7 MiB. */
	{
		struct vd_buf b[QSIZE];
		uint64_t s = status_byte();

		b[0] = (struct vd_buf){ header(0, 0), 16, false };
		for (unsigned i = 1; i < QSIZE - 1; i++)
			b[i] = (struct vd_buf){ big, 512 * 1024, true };
		b[QSIZE - 1] = (struct vd_buf){ s, 1, true };
		assert_int_equal(submit(b, QSIZE, true), 1);
		assert_int_equal(*ptr(s, 1), 1);
	}
	assert_int_equal(F.be.reads + F.be.writes, 0);
	assert_true(disk_unchanged());
}

static void test_readonly(void **state)
{
	uint64_t w, r, range;

	(void)state;
	teardown(NULL);
	setup_dev(&full_ops, true, NULL, VD_F_ALL | AV_GENMASK(27, 0));
	assert_true(F.d.features & AV_VIRTIO_BLK_F_RO);
	w = pattern_buf(512, 5);
	r = alloc(512);
	range = alloc(16);
	vd_st64(&F.ram, range, 0);
	vd_st32(&F.ram, range + 8, 1);
	vd_st32(&F.ram, range + 12, 0);
	assert_int_equal(request(1, 0, w, 512, false, NULL), 1);
	assert_int_equal(request(11, 0, range, 16, false, NULL), 1);
	assert_int_equal(request(13, 0, range, 16, false, NULL), 1);
	assert_int_equal(F.be.writes + F.be.discards + F.be.zeroes, 0);
	assert_true(disk_unchanged());
	assert_int_equal(request(0, 0, r, 512, true, NULL), 0);
	assert_memory_equal(ptr(r, 512), F.orig, 512);
	assert_int_equal(request(4, 0, 0, 0, false, NULL), 0);
	assert_int_equal(F.blk.errors, 3);
	teardown(NULL);

	/* A read-only device needs no write op. */
	setup_dev(&ro_ops, true, NULL, VD_F_ALL);
	assert_int_equal(request(1, 0, pattern_buf(512, 1), 512, false, NULL), 1);
	assert_int_equal(request(4, 0, 0, 0, false, NULL), 2); /* no flush op */
	assert_true(disk_unchanged());
}

static void test_get_id(void **state)
{
	uint64_t id = alloc(64);
	uint32_t len;

	(void)state;
	/* "serial-0", zero-padded to 20 bytes; bytes after the 20th untouched. */
	memset(ptr(id, 64), 0xee, 64);
	assert_int_equal(request(8, 0, id, 32, true, &len), 0);
	assert_int_equal(len, 21);
	assert_memory_equal(ptr(id, 8), "serial-0", 8);
	for (unsigned i = 8; i < 20; i++)
		assert_int_equal(*ptr(id + i, 1), 0);
	assert_int_equal(*ptr(id + 20, 1), 0xee);
	/* A short buffer gets what fits. */
	memset(ptr(id, 64), 0xee, 64);
	assert_int_equal(request(8, 0, id, 4, true, &len), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(ptr(id, 4), "seri", 4);
	assert_int_equal(*ptr(id + 4, 1), 0xee);
	/* No buffer at all: just the status. */
	assert_int_equal(request(8, 0, 0, 0, false, &len), 0);
	assert_int_equal(len, 1);
	assert_int_equal(F.blk.get_ids, 3);
	teardown(NULL);

	/* A serial longer than 20 bytes: its first 20, not terminated; init copied it. */
	{
		char serial[] = "0123456789abcdefghijKLMN";

		setup_dev(&full_ops, false, serial, VD_F_ALL);
		memset(serial, 'x', sizeof(serial) - 1);
		assert_null(F.blk.p.serial);
	}
	id = alloc(64);
	memset(ptr(id, 64), 0xee, 64);
	assert_int_equal(request(8, 0, id, 20, true, &len), 0);
	assert_int_equal(len, 21);
	assert_memory_equal(ptr(id, 20), "0123456789abcdefghij", 20);
	teardown(NULL);

	/* No serial: 20 zero bytes. */
	setup_dev(&full_ops, false, NULL, VD_F_ALL);
	id = alloc(64);
	memset(ptr(id, 64), 0xee, 64);
	assert_int_equal(request(8, 0, id, 20, true, &len), 0);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(*ptr(id + i, 1), 0);
}

/* A discard/write-zeroes request with one segment of @seg_len bytes. */
static uint8_t range_req(uint32_t type, uint64_t sector, uint32_t nsect, uint32_t flags,
			 uint32_t seg_len)
{
	uint64_t r = alloc(32);

	vd_st64(&F.ram, r, sector);
	vd_st32(&F.ram, r + 8, nsect);
	vd_st32(&F.ram, r + 12, flags);
	vd_st64(&F.ram, r + 16, sector);
	vd_st32(&F.ram, r + 24, nsect);
	vd_st32(&F.ram, r + 28, flags);
	return request(type, 0, r, seg_len, false, NULL);
}

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void test_discard_write_zeroes(void **state)
{
	uint32_t max = cfg32(36);

	(void)state;
	assert_int_equal(range_req(11, 8, 4, 0, 16), 0);
	assert_true(zero(F.disk + 8 * 512, 4 * 512));
	assert_memory_equal(F.disk, F.orig, 8 * 512);
	assert_memory_equal(F.disk + 12 * 512, F.orig + 12 * 512, DISK_SIZE - 12 * 512);
	assert_int_equal(F.be.discards, 1);
	assert_int_equal(F.be.offset, 8 * 512);
	assert_int_equal(F.be.len, 4 * 512);

	assert_int_equal(range_req(13, 20, 2, 1, 16), 0);
	assert_true(zero(F.disk + 20 * 512, 2 * 512));
	assert_true(F.be.may_unmap);
	assert_int_equal(range_req(13, 30, 1, 0, 16), 0);
	assert_false(F.be.may_unmap);
	assert_true(zero(F.disk + 30 * 512, 512));
	assert_int_equal(F.blk.discards, 1);
	assert_int_equal(F.blk.write_zeroes, 2);
	memcpy(F.orig, F.disk, DISK_SIZE);

	/* UNSUPP: unmap on a discard, unknown flags on either. */
	assert_int_equal(range_req(11, 0, 1, 1, 16), 2);
	assert_int_equal(range_req(11, 0, 1, 2, 16), 2);
	assert_int_equal(range_req(13, 0, 1, 2, 16), 2);
	assert_int_equal(range_req(13, 0, 1, 0x80000001, 16), 2);
	/* IOERR: two segments (max_*_seg 1), a partial or missing segment, too many sectors,
	 * outside the disk, wrapping. */
	assert_int_equal(range_req(11, 0, 1, 0, 32), 1);
	assert_int_equal(range_req(13, 0, 1, 0, 32), 1);
	assert_int_equal(range_req(11, 0, 1, 0, 15), 1);
	assert_int_equal(request(13, 0, 0, 0, false, NULL), 1);
	assert_int_equal(range_req(11, 0, max + 1, 0, 16), 1);
	assert_int_equal(range_req(13, 0, 0xffffffff, 0, 16), 1);
	assert_int_equal(range_req(11, SECTORS - 1, 2, 0, 16), 1);
	assert_int_equal(range_req(13, UINT64_MAX, 1, 0, 16), 1);
	assert_int_equal(range_req(11, 1ull << 55, 1, 0, 16), 1);
	assert_int_equal(F.be.discards, 1);
	assert_int_equal(F.be.zeroes, 2);
	assert_true(disk_unchanged());
	/* The last sector, and zero sectors (nothing to do, no backend call). */
	assert_int_equal(range_req(11, SECTORS - 1, 1, 0, 16), 0);
	assert_int_equal(range_req(13, SECTORS, 0, 0, 16), 0);
	assert_int_equal(F.be.discards, 2);
	assert_int_equal(F.be.zeroes, 2);
	assert_int_equal(F.blk.errors, 13);
	teardown(NULL);

	/* Without the ops: UNSUPP. */
	setup_dev(&rw_ops, false, NULL, VD_F_ALL);
	assert_int_equal(range_req(11, 0, 1, 0, 16), 2);
	assert_int_equal(range_req(13, 0, 1, 0, 16), 2);
	assert_true(disk_unchanged());
}

static void test_flush_and_backend_errors(void **state)
{
	uint64_t d = pattern_buf(512, 2);

	(void)state;
	assert_int_equal(request(4, 0, 0, 0, false, NULL), 0);
	assert_int_equal(F.be.flushes, 1);
	assert_int_equal(F.blk.flushes, 1);
	/* F_FLUSH negotiated: writes are not flushed one by one. */
	assert_int_equal(request(1, 0, d, 512, false, NULL), 0);
	assert_int_equal(F.be.flushes, 1);

	F.be.fail = -AV_EIO;
	assert_int_equal(request(0, 0, d, 512, true, NULL), 1);
	assert_int_equal(request(1, 1, d, 512, false, NULL), 1);
	assert_int_equal(request(4, 0, 0, 0, false, NULL), 1);
	assert_int_equal(range_req(11, 0, 1, 0, 16), 1);
	assert_int_equal(range_req(13, 0, 1, 0, 16), 1);
	assert_int_equal(F.blk.errors, 5);
	assert_int_equal(F.blk.bytes_read, 0);
	assert_int_equal(F.blk.bytes_written, 512);
	F.be.fail = 0;
	assert_int_equal(request(0, 0, d, 512, true, NULL), 0);
	teardown(NULL);

	/* A driver that does not negotiate F_FLUSH gets write-through. */
	setup_dev(&full_ops, false, NULL, VD_F_ALL | AV_VIRTIO_BLK_F_SEG_MAX);
	assert_false(F.d.features & AV_VIRTIO_BLK_F_FLUSH);
	d = pattern_buf(512, 2);
	assert_int_equal(request(1, 0, d, 512, false, NULL), 0);
	assert_int_equal(F.be.flushes, 1);
	F.be.fail = -AV_EIO; /* its flush failing fails the write */
	assert_int_equal(request(1, 0, d, 512, false, NULL), 1);
}

/* Several requests, one kick: one interrupt; the used lengths match the requests. */
static void test_batch(void **state)
{
	uint64_t r0 = alloc(512), r1 = alloc(1024), s[3] = { status_byte(), status_byte(),
							  status_byte() };
	struct vd_buf a[] = { { header(0, 0), 16, false }, { r0, 512, true }, { s[0], 1, true } };
	struct vd_buf b[] = { { header(0, 2), 16, false }, { r1, 1024, true }, { s[1], 1, true } };
	struct vd_buf c[] = { { header(0, SECTORS), 16, false }, { r0, 512, true },
			      { s[2], 1, true } };
	int ha, hb, hc;
	unsigned rises;
	uint32_t len;

	(void)state;
	vd_ack(&F.d);
	rises = F.d.irq_rises;
	ha = vd_add(&F.d, 0, a, 3, false);
	hb = vd_add(&F.d, 0, b, 3, false);
	hc = vd_add(&F.d, 0, c, 3, false);
	vd_kick(&F.d, 0);
	assert_int_equal(F.d.irq_rises, rises + 1);
	assert_true(F.d.irq_level);
	assert_int_equal(vd_get_used(&F.d, 0, &len), ha);
	assert_int_equal(len, 513);
	assert_int_equal(vd_get_used(&F.d, 0, &len), hb);
	assert_int_equal(len, 1025);
	assert_int_equal(vd_get_used(&F.d, 0, &len), hc);
	assert_int_equal(len, 1);
	assert_int_equal(vd_get_used(&F.d, 0, &len), -1);
	assert_int_equal(*ptr(s[0], 1), 0);
	assert_int_equal(*ptr(s[1], 1), 0);
	assert_int_equal(*ptr(s[2], 1), 1);
	assert_memory_equal(ptr(r1, 1024), F.orig + 1024, 1024);
	/* Nothing new: processing again completes nothing. */
	assert_int_equal(av_virtio_blk_process(&F.blk), 0);
}

/* A malformed chain after a good one: the good one completes, then DEVICE_NEEDS_RESET. */
static void test_malformed_queue(void **state)
{
	uint64_t r = alloc(512), s = status_byte();
	struct vd_buf a[] = { { header(0, 1), 16, false }, { r, 512, true }, { s, 1, true } };
	int ha;
	uint32_t len;

	(void)state;
	vd_ack(&F.d);
	ha = vd_add(&F.d, 0, a, 3, false);
	/* The next head: a descriptor straddling the end of RAM. */
	vd_set_desc(&F.d, 0, 10, RAM_GPA + RAM_SIZE - 8, 16, AV_VIRTQ_DESC_F_WRITE, 0);
	vd_publish(&F.d, 0, 10);
	assert_int_equal(av_virtio_blk_process(&F.blk), -AV_EFAULT);
	assert_true(vd_status(&F.d) & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET);
	assert_true(vd_ack(&F.d) & AV_VIRTIO_INT_CONFIG);
	assert_int_equal(vd_get_used(&F.d, 0, &len), ha);
	assert_int_equal(len, 513);
	assert_int_equal(vd_get_used(&F.d, 0, &len), -1);
	/* The device does nothing more until reset. */
	vd_kick(&F.d, 0);
	assert_int_equal(av_virtio_blk_process(&F.blk), 0);
	assert_int_equal(F.be.reads, 1);
	/* After a reset and a new initialisation, requests work again. */
	vd_reset(&F.d);
	assert_int_equal(vd_init(&F.d, VD_F_ALL, 1, QSIZE), 0);
	assert_int_equal(request(0, 1, r, 512, true, NULL), 0);
}

/* The driver resets the device with a request in the ring: it is never processed. */
static void test_reset_mid_request(void **state)
{
	uint64_t w = pattern_buf(512, 8), s = status_byte();
	struct vd_buf a[] = { { header(1, 3), 16, false }, { w, 512, false }, { s, 1, true } };

	(void)state;
	assert_true(vd_add(&F.d, 0, a, 3, false) >= 0);
	vd_set_status(&F.d, 0);
	assert_int_equal(vd_status(&F.d), 0);
	assert_int_equal(av_virtio_blk_process(&F.blk), 0);
	vd_kick(&F.d, 0);
	assert_int_equal(av_virtio_blk_process(&F.blk), 0);
	assert_int_equal(*ptr(s, 1), 0xff);
	assert_true(disk_unchanged());
	assert_int_equal(F.blk.writes, 0);
	/* Set up again (the driver forgets its queue): a request goes through. */
	vd_reset(&F.d);
	assert_int_equal(vd_init(&F.d, VD_F_ALL, 1, QSIZE), 0);
	assert_int_equal(request(1, 3, w, 512, false, NULL), 0);
	assert_memory_equal(F.disk + 3 * 512, ptr(w, 512), 512);
}

static void test_init_errors(void **state)
{
	struct av_virtio_blk *blk = &F.blk;
	struct av_error e;
	struct av_virtio_blk_params p = { .ops = &full_ops, .ctx = &F.be, .size = DISK_SIZE };

	(void)state;
	p.size = 0;
	assert_int_equal(av_virtio_blk_init(blk, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "size");
	p.size = 1000;
	assert_int_equal(av_virtio_blk_init(blk, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "size");
	p.size = DISK_SIZE;
	p.ops = &ro_ops;
	assert_int_equal(av_virtio_blk_init(blk, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "ops->write");
	p.ops = NULL;
	assert_int_equal(av_virtio_blk_init(blk, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_string_equal(e.field, "ops->read");
	assert_int_equal(av_virtio_blk_init(blk, NULL, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_int_equal(av_virtio_blk_init(NULL, &p, &F.ram.mem, &F.d.irq, &e), -AV_EINVAL);
	assert_int_equal(av_virtio_blk_process(NULL), 0);
	p.ops = &ro_ops;
	p.readonly = true;
	assert_int_equal(av_virtio_blk_init(blk, &p, &F.ram.mem, &F.d.irq, &e), 0);
	assert_string_equal(e.field, "");
	/* The device was re-initialised under the driver: attach it again for teardown. */
	vd_attach(&F.d, &F.blk.vdev);
}

static void test_ram_backend(void **state)
{
	uint8_t img[2048], buf[1024];
	struct av_virtio_blk_ram ram = { .base = img, .size = sizeof(img) };
	struct av_iov iov[2] = { { buf, 512 }, { buf + 512, 512 } };

	(void)state;
	for (unsigned i = 0; i < sizeof(img); i++)
		img[i] = (uint8_t)i;
	assert_int_equal(av_virtio_blk_ram_ops.read(&ram, 1024, iov, 2), 0);
	assert_memory_equal(buf, img + 1024, 1024);
	assert_int_equal(av_virtio_blk_ram_ops.read(&ram, 1536, iov, 2), -AV_ERANGE);
	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(av_virtio_blk_ram_ops.write(&ram, 512, iov, 2), 0);
	assert_int_equal(img[512], 0x11);
	assert_int_equal(img[1535], 0x11);
	assert_int_equal(img[1536], (uint8_t)1536);
	assert_int_equal(av_virtio_blk_ram_ops.write(&ram, UINT64_MAX - 511, iov, 1), -AV_ERANGE);
	assert_int_equal(av_virtio_blk_ram_ops.flush(&ram), 0);
	assert_int_equal(av_virtio_blk_ram_ops.discard(&ram, 0, 512), 0);
	assert_true(zero(img, 512));
	assert_int_equal(img[512], 0x11);
	assert_int_equal(av_virtio_blk_ram_ops.write_zeroes(&ram, 1536, 512, true), 0);
	assert_true(zero(img + 1536, 512));
	assert_int_equal(av_virtio_blk_ram_ops.discard(&ram, 1536, 1024), -AV_ERANGE);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup_full, teardown)
	const struct CMUnitTest tests[] = {
		T(test_config_layout),
		T(test_features_follow_ops),
		T(test_write_then_read),
		T(test_layouts),
		T(test_bad_requests),
		T(test_out_of_range),
		T(test_huge_data),
		T(test_readonly),
		T(test_get_id),
		T(test_discard_write_zeroes),
		T(test_flush_and_backend_errors),
		T(test_batch),
		T(test_malformed_queue),
		T(test_reset_mid_request),
		T(test_init_errors),
		cmocka_unit_test(test_ram_backend),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
