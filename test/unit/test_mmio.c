/* SPDX-License-Identifier: MIT */
/* Unit tests: the MMIO bus (registration, overlap, lookup, widths, unclaimed policy,
 * counters, reset and the av_insn adapter). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/mmio.h>
#include <armvirt/types.h>

#include "check_err.h"

/* A scratch-register device: 64 bytes of storage, records the last access. */
struct fake {
	uint8_t mem[64];
	uint64_t last_off;
	unsigned last_size;
	struct av_vcpu *last_vcpu; /* the accessing vCPU the bus handed over */
	unsigned resets;
	enum av_access_result answer;
};

static enum av_access_result fake_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
				       unsigned size, uint64_t *val)
{
	struct fake *f = dev;
	uint64_t v = 0;

	f->last_vcpu = vcpu;
	f->last_off = off;
	f->last_size = size;
	if (off < sizeof(f->mem) && size <= sizeof(f->mem) - off)
		memcpy(&v, &f->mem[off], size);
	*val = v | 0xa5a5a5a500000000ull; /* garbage above the width: the bus must clear it */
	if (size == 8)
		*val = v;
	return f->answer;
}

static enum av_access_result fake_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					unsigned size, uint64_t val)
{
	struct fake *f = dev;

	f->last_vcpu = vcpu;
	f->last_off = off;
	f->last_size = size;
	if (off < sizeof(f->mem) && size <= sizeof(f->mem) - off)
		memcpy(&f->mem[off], &val, size);
	return f->answer;
}

static void fake_reset(void *dev)
{
	struct fake *f = dev;

	memset(f->mem, 0, sizeof(f->mem));
	f->resets++;
}

static const struct av_mmio_ops fake_ops = {
	.read = fake_read,
	.write = fake_write,
	.reset = fake_reset,
};

static const struct av_mmio_ops noreset_ops = {
	.read = fake_read,
	.write = fake_write,
};

static void mkdev(struct av_mmio_dev *d, struct fake *f, uint64_t base, uint64_t size)
{
	memset(d, 0, sizeof(*d));
	memset(f, 0, sizeof(*f));
	d->base = base;
	d->size = size;
	d->ops = &fake_ops;
	d->dev = f;
	d->name = "fake";
}

static void test_init(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[2];
	(void)state;
	assert_int_equal(av_mmio_bus_init(NULL, slots, 2, AV_MMIO_UNCLAIMED_ABORT, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_mmio_bus_init(&bus, NULL, 2, AV_MMIO_UNCLAIMED_ABORT, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_mmio_bus_init(&bus, slots, 2, (enum av_mmio_unclaimed)7, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_mmio_bus_init(&bus, NULL, 0, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	assert_int_equal(bus.count, 0);
	assert_null(av_mmio_find(&bus, 0));
	assert_int_equal(av_mmio_bus_init(&bus, slots, 2, AV_MMIO_UNCLAIMED_RAZ_WI, NULL), 0);
	assert_int_equal(bus.capacity, 2);
}

static void test_register_errors(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[3];
	struct av_mmio_dev a, b, c, d;
	struct fake fa, fb, fc, fd;
	struct av_mmio_ops noread = { .write = fake_write };
	(void)state;

	assert_int_equal(av_mmio_bus_init(&bus, slots, 3, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	mkdev(&a, &fa, 0x1000, 0);
	assert_int_equal(av_mmio_register(&bus, &a, NULL), -AV_EINVAL); /* zero size */
	mkdev(&a, &fa, UINT64_MAX - 0xf, 0x20);
	assert_int_equal(av_mmio_register(&bus, &a, NULL), -AV_EINVAL); /* wraps */
	mkdev(&a, &fa, UINT64_MAX - 0xf, 0x10);
	assert_int_equal(av_mmio_register(&bus, &a, NULL), 0); /* ends exactly at 2^64 - 1 */
	assert_ptr_equal(av_mmio_find(&bus, UINT64_MAX), &a);
	assert_int_equal(av_mmio_unregister(&bus, &a), 0);
	mkdev(&a, &fa, 0x1000, 0x100);
	a.ops = NULL;
	assert_int_equal(av_mmio_register(&bus, &a, NULL), -AV_EINVAL);
	a.ops = &noread;
	assert_int_equal(av_mmio_register(&bus, &a, NULL), -AV_EINVAL);
	a.ops = &fake_ops;
	a.widths = 0x10;
	assert_int_equal(av_mmio_register(&bus, &a, NULL), -AV_EINVAL);
	a.widths = 0;
	assert_int_equal(av_mmio_register(NULL, &a, NULL), -AV_EINVAL);
	assert_int_equal(av_mmio_register(&bus, NULL, NULL), -AV_EINVAL);

	assert_int_equal(av_mmio_register(&bus, &a, NULL), 0);
	assert_int_equal(av_mmio_register(&bus, &a, NULL), -AV_EEXIST); /* twice */
	mkdev(&b, &fb, 0x10ff, 0x10); /* overlaps a's last byte */
	assert_int_equal(av_mmio_register(&bus, &b, NULL), -AV_EEXIST);
	mkdev(&b, &fb, 0xff0, 0x11); /* overlaps a's first byte */
	assert_int_equal(av_mmio_register(&bus, &b, NULL), -AV_EEXIST);
	mkdev(&b, &fb, 0x800, 0x10000); /* covers a */
	assert_int_equal(av_mmio_register(&bus, &b, NULL), -AV_EEXIST);
	mkdev(&b, &fb, 0x1040, 0x10); /* inside a */
	assert_int_equal(av_mmio_register(&bus, &b, NULL), -AV_EEXIST);
	mkdev(&b, &fb, 0x1100, 0x10); /* adjacent above: fine */
	assert_int_equal(av_mmio_register(&bus, &b, NULL), 0);
	mkdev(&c, &fc, 0xf00, 0x100); /* adjacent below: fine */
	assert_int_equal(av_mmio_register(&bus, &c, NULL), 0);
	mkdev(&d, &fd, 0x9000, 0x10);
	assert_int_equal(av_mmio_register(&bus, &d, NULL), -AV_ENOSPC);
	assert_int_equal(bus.count, 3);
	assert_ptr_equal(bus.slots[0], &c);
	assert_ptr_equal(bus.slots[1], &a);
	assert_ptr_equal(bus.slots[2], &b);

	assert_int_equal(av_mmio_unregister(&bus, &d), -AV_ENOENT);
	assert_int_equal(av_mmio_unregister(&bus, NULL), -AV_EINVAL);
	assert_int_equal(av_mmio_unregister(&bus, &a), 0);
	assert_int_equal(av_mmio_unregister(&bus, &a), -AV_ENOENT);
	assert_int_equal(bus.count, 2);
	assert_null(av_mmio_find(&bus, 0x1000));
	assert_ptr_equal(av_mmio_find(&bus, 0x1100), &b);
	assert_int_equal(av_mmio_register(&bus, &d, NULL), 0);
}

/* Many devices registered in a scrambled order; every address resolves correctly. */
#define NDEV 200
/* Every refusal of av_mmio_bus_init() and av_mmio_register() names the field and why; an
 * overlap names both devices, whichever side the registered one is on. */
static void test_error_detail(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[2];
	struct av_mmio_dev a, b, c;
	struct fake fa, fb, fc;
	const struct av_mmio_ops noread = { .write = fake_write };
	struct av_error e;
	(void)state;

	check_err(av_mmio_bus_init(NULL, slots, 2, AV_MMIO_UNCLAIMED_ABORT, &e), &e, -AV_EINVAL,
		  "bus", "NULL");
	check_err(av_mmio_bus_init(&bus, NULL, 2, AV_MMIO_UNCLAIMED_ABORT, &e), &e, -AV_EINVAL,
		  "slots", "NULL with a capacity of 2");
	check_err(av_mmio_bus_init(&bus, slots, 2, (enum av_mmio_unclaimed)7, &e), &e, -AV_EINVAL,
		  "policy", "7 is not an enum av_mmio_unclaimed (ABORT, RAZ_WI, TO_CALLER: 0..2)");
	check_err(av_mmio_bus_init(&bus, slots, 2, AV_MMIO_UNCLAIMED_ABORT, &e), &e, 0, "", "");

	mkdev(&a, &fa, 0x1000, 0x100);
	a.name = "uart";
	check_err(av_mmio_register(NULL, &a, &e), &e, -AV_EINVAL, "bus", "NULL");
	check_err(av_mmio_register(&bus, NULL, &e), &e, -AV_EINVAL, "dev", "NULL");
	a.ops = NULL;
	check_err(av_mmio_register(&bus, &a, &e), &e, -AV_EINVAL, "ops",
		  "uart: ops is NULL (read and write are required)");
	a.ops = &noread;
	check_err(av_mmio_register(&bus, &a, &e), &e, -AV_EINVAL, "ops",
		  "uart: ops->read is NULL (read and write are required)");
	a.ops = &fake_ops;
	a.size = 0;
	check_err(av_mmio_register(&bus, &a, &e), &e, -AV_EINVAL, "size", "uart: 0");
	a.base = UINT64_MAX - 0xf;
	a.size = 0x20;
	check_err(av_mmio_register(&bus, &a, &e), &e, -AV_EINVAL, "size",
		  "uart: 0xfffffffffffffff0+0x20 wraps past 2^64");
	a.base = 0x1000;
	a.size = 0x100;
	a.widths = 0x10;
	check_err(av_mmio_register(&bus, &a, &e), &e, -AV_EINVAL, "widths",
		  "uart: 0x10 has bits outside AV_MMIO_WALL (0xf)");
	a.widths = 0;
	check_err(av_mmio_register(&bus, &a, &e), &e, 0, "", "");
	check_err(av_mmio_register(&bus, &a, &e), &e, -AV_EEXIST, "dev",
		  "uart is already on the bus");

	/* Overlapping the end of the registered device, then its start. */
	mkdev(&b, &fb, 0x10f0, 0x20);
	b.name = "gicd";
	check_err(av_mmio_register(&bus, &b, &e), &e, -AV_EEXIST, "base",
		  "gicd 0x10f0+0x20 overlaps uart 0x1000+0x100");
	b.base = 0xff0;
	check_err(av_mmio_register(&bus, &b, &e), &e, -AV_EEXIST, "base",
		  "gicd 0xff0+0x20 overlaps uart 0x1000+0x100");
	b.base = 0x2000;
	b.name = NULL;
	check_err(av_mmio_register(&bus, &b, &e), &e, 0, "", "");
	mkdev(&c, &fc, 0x2008, 0x10);
	c.name = "rtc";
	check_err(av_mmio_register(&bus, &c, &e), &e, -AV_EEXIST, "base",
		  "rtc 0x2008+0x10 overlaps (unnamed) 0x2000+0x20");
	c.base = 0x3000;
	check_err(av_mmio_register(&bus, &c, &e), &e, -AV_ENOSPC, "bus",
		  "rtc: full (capacity 2 devices)");
	assert_int_equal(bus.count, 2);
}

static void test_lookup_many(void **state)
{
	static struct av_mmio_dev devs[NDEV];
	static struct fake fakes[NDEV];
	struct av_mmio_dev *slots[NDEV];
	struct av_mmio_bus bus;
	(void)state;

	assert_int_equal(av_mmio_bus_init(&bus, slots, NDEV, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	for (unsigned k = 0; k < NDEV; k++) {
		unsigned i = (k * 73u) % NDEV; /* 73 is coprime with 200: a permutation */

		/* device i: [0x10000 * i + 0x100, + 0x100 * (1 + i % 7)) */
		mkdev(&devs[i], &fakes[i], 0x10000ull * i + 0x100, 0x100ull * (1 + i % 7));
		assert_int_equal(av_mmio_register(&bus, &devs[i], NULL), 0);
	}
	assert_int_equal(bus.count, NDEV);
	for (size_t i = 1; i < bus.count; i++)
		assert_true(bus.slots[i - 1]->base < bus.slots[i]->base);
	for (unsigned i = 0; i < NDEV; i++) {
		uint64_t base = devs[i].base, last = base + devs[i].size - 1;

		assert_ptr_equal(av_mmio_find(&bus, base), &devs[i]);
		assert_ptr_equal(av_mmio_find(&bus, last), &devs[i]);
		assert_ptr_equal(av_mmio_find(&bus, base + devs[i].size / 2), &devs[i]);
		assert_null(av_mmio_find(&bus, base - 1));
		assert_null(av_mmio_find(&bus, last + 1));
	}
	assert_null(av_mmio_find(&bus, 0));
	assert_null(av_mmio_find(&bus, UINT64_MAX));
	/* Overlap checks against neighbours in the middle of a full table. */
	{
		struct av_mmio_dev x;
		struct fake fx;

		mkdev(&x, &fx, devs[100].base + devs[100].size - 1, 2);
		assert_int_equal(av_mmio_register(&bus, &x, NULL), -AV_EEXIST);
	}
}

static void test_access_widths(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[2];
	struct av_mmio_dev a;
	struct fake fa;
	uint64_t v;
	(void)state;

	assert_int_equal(av_mmio_bus_init(&bus, slots, 2, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	mkdev(&a, &fa, 0x2000, 0x40);
	a.widths = AV_MMIO_W32 | AV_MMIO_W16;
	assert_int_equal(av_mmio_register(&bus, &a, NULL), 0);

	assert_int_equal(av_mmio_write(&bus, NULL, 0x2004, 4, 0xffffffff11223344ull),
			 AV_ACCESS_HANDLED);
	assert_int_equal(fa.last_off, 4);
	assert_int_equal(fa.last_size, 4);
	assert_memory_equal(&fa.mem[4], "\x44\x33\x22\x11", 4);
	assert_int_equal(fa.mem[8], 0); /* the bus dropped bits above the width */
	v = 123;
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2004, 4, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x11223344); /* garbage above 32 bits cleared by the bus */
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2006, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x1122);

	/* Disallowed widths, bad sizes, misalignment, crossing the end. */
	v = 99;
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2004, 1, &v), AV_ACCESS_INJECT);
	assert_int_equal(v, 0);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2000, 8, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2000, 3, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2000, 0, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2000, 16, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2002, 4, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_write(&bus, NULL, 0x2001, 2, 0), AV_ACCESS_INJECT);
	assert_int_equal(a.rejected, 4); /* size 0/3/16 never reach a device */
	assert_int_equal(a.reads, 2);
	assert_int_equal(a.writes, 1);

	/* Unaligned allowed: still may not cross the end of the device. */
	a.flags = AV_MMIO_F_UNALIGNED;
	a.widths = 0;
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2002, 4, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x33440000);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x203d, 4, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x203c, 4, &v), AV_ACCESS_HANDLED);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2038, 8, &v), AV_ACCESS_HANDLED);
	assert_int_equal(a.rejected, 5);

	/* Device answers pass through; a failed read yields 0. */
	fa.answer = AV_ACCESS_TO_CALLER;
	v = 5;
	assert_int_equal(av_mmio_read(&bus, NULL, 0x2004, 4, &v), AV_ACCESS_TO_CALLER);
	assert_int_equal(v, 0);
	fa.answer = AV_ACCESS_INJECT;
	assert_int_equal(av_mmio_write(&bus, NULL, 0x2004, 4, 1), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_access(NULL, NULL, 0x2004, 4, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_access(&bus, NULL, 0x2004, 4, false, NULL), AV_ACCESS_INJECT);
}

static void test_unclaimed(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[1];
	uint64_t v;
	(void)state;

	assert_int_equal(av_mmio_bus_init(&bus, slots, 1, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	assert_int_equal(av_mmio_read(&bus, NULL, 0x5000, 4, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_write(&bus, NULL, 0x5000, 4, 1), AV_ACCESS_INJECT);
	bus.policy = AV_MMIO_UNCLAIMED_RAZ_WI;
	v = 77;
	assert_int_equal(av_mmio_read(&bus, NULL, 0x5000, 8, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	assert_int_equal(av_mmio_write(&bus, NULL, 0x5000, 1, 1), AV_ACCESS_HANDLED);
	bus.policy = AV_MMIO_UNCLAIMED_TO_CALLER;
	assert_int_equal(av_mmio_read(&bus, NULL, 0x5000, 2, &v), AV_ACCESS_TO_CALLER);
	assert_int_equal(av_mmio_write(&bus, NULL, 0x5000, 2, 1), AV_ACCESS_TO_CALLER);
	assert_int_equal(bus.unclaimed_reads, 3);
	assert_int_equal(bus.unclaimed_writes, 3);
}

static void test_counters_reset_adapter(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[2];
	struct av_mmio_dev a, b;
	struct fake fa, fb;
	struct av_mmio_insn_ctx ictx;
	uint64_t v = 0;
	(void)state;

	assert_int_equal(av_mmio_bus_init(&bus, slots, 2, AV_MMIO_UNCLAIMED_TO_CALLER, NULL), 0);
	mkdev(&a, &fa, 0x1000, 0x40);
	mkdev(&b, &fb, 0x3000, 0x40);
	b.ops = &noreset_ops;
	assert_int_equal(av_mmio_register(&bus, &a, NULL), 0);
	assert_int_equal(av_mmio_register(&bus, &b, NULL), 0);
	for (int i = 0; i < 5; i++)
		assert_int_equal(av_mmio_read(&bus, NULL, 0x1008, 8, &v), AV_ACCESS_HANDLED);
	for (int i = 0; i < 3; i++)
		assert_int_equal(av_mmio_write(&bus, NULL, 0x3000 + i, 1, 0x41 + i),
				 AV_ACCESS_HANDLED);
	assert_int_equal(a.reads, 5);
	assert_int_equal(a.writes, 0);
	assert_int_equal(b.reads, 0);
	assert_int_equal(b.writes, 3);
	assert_memory_equal(fb.mem, "ABC", 3);

	/* The accessing vCPU reaches the device, through every entry point. */
	{
		struct av_vcpu *me = (struct av_vcpu *)(uintptr_t)0x1234; /* only compared */

		assert_int_equal(av_mmio_read(&bus, me, 0x1008, 4, &v), AV_ACCESS_HANDLED);
		assert_ptr_equal(fa.last_vcpu, me);
		assert_int_equal(av_mmio_write(&bus, NULL, 0x1008, 4, v), AV_ACCESS_HANDLED);
		assert_null(fa.last_vcpu);
		assert_int_equal(av_mmio_dev_rw(&a, me, 0x1008, 4, true, &v), AV_ACCESS_HANDLED);
		assert_ptr_equal(fa.last_vcpu, me);
		assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1008, 4, false, &v),
				 AV_ACCESS_HANDLED);
		assert_null(fa.last_vcpu);
		ictx = (struct av_mmio_insn_ctx){ .bus = &bus, .vcpu = me };
		assert_int_equal(av_mmio_insn_access(&ictx, 0x1008, 4, false, &v), 0);
		assert_ptr_equal(fa.last_vcpu, me);
		ictx.vcpu = NULL;
	}

	/* The av_insn_mmio_fn adapter. */
	v = 0xdead;
	assert_int_equal(av_mmio_insn_access(&ictx, 0x1010, 2, true, &v), 0);
	v = 0;
	assert_int_equal(av_mmio_insn_access(&ictx, 0x1010, 2, false, &v), 0);
	assert_int_equal(v, 0xdead);
	assert_int_equal(av_mmio_insn_access(&ictx, 0x8000, 4, false, &v), -AV_ENOENT);
	assert_int_equal(av_mmio_insn_access(&ictx, 0x1001, 4, false, &v), -AV_EFAULT);
	assert_int_equal(av_mmio_insn_access(NULL, 0x1010, 2, false, &v), -AV_EFAULT);

	fa.mem[0] = 1;
	av_mmio_bus_reset(&bus);
	av_mmio_bus_reset(NULL);
	assert_int_equal(fa.resets, 1);
	assert_int_equal(fa.mem[0], 0);
	assert_int_equal(a.reads, 9); /* counters survive a reset */

	/* Re-registering zeroes the counters. */
	assert_int_equal(av_mmio_unregister(&bus, &a), 0);
	assert_int_equal(av_mmio_register(&bus, &a, NULL), 0);
	assert_int_equal(a.reads, 0);
	assert_int_equal(a.rejected, 0);
}

/* av_mmio_dev_access(): the access a dispatcher makes after its own av_mmio_find(). */
static void test_dev_access(void **state)
{
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[2];
	struct av_mmio_dev a;
	struct fake fa;
	uint64_t v = 0x1122334455667788ull;
	(void)state;

	assert_int_equal(av_mmio_bus_init(&bus, slots, 2, AV_MMIO_UNCLAIMED_RAZ_WI, NULL), 0);
	mkdev(&a, &fa, 0x1000, 0x40);
	a.widths = AV_MMIO_W32 | AV_MMIO_W64;
	assert_int_equal(av_mmio_register(&bus, &a, NULL), 0);
	assert_ptr_equal(av_mmio_find(&bus, 0x1010), &a);
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1010, 8, true, &v),
			 AV_ACCESS_HANDLED);
	v = 0;
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1010, 4, false, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x55667788u); /* the bus cleared the device's garbage */
	assert_int_equal(fa.last_off, 0x10);
	assert_int_equal(a.reads, 1);
	assert_int_equal(a.writes, 1);
	/* The device's checks still apply: width, alignment, range. */
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1010, 2, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1012, 4, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x103c, 8, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1010, 3, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(a.rejected, 3);
	/* No device: the unclaimed policy, counted. */
	v = 9;
	assert_int_equal(av_mmio_dev_access(&bus, NULL, NULL, 0x5000, 4, false, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	assert_int_equal(bus.unclaimed_reads, 1);
	assert_int_equal(av_mmio_dev_access(NULL, &a, NULL, 0x1010, 4, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_dev_access(&bus, &a, NULL, 0x1010, 4, false, NULL),
			 AV_ACCESS_INJECT);
	/* av_mmio_dev_rw(), the lean form: the same device checks, results and counters. */
	v = 0;
	assert_int_equal(av_mmio_dev_rw(&a, NULL, 0x1010, 4, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x55667788u);
	assert_int_equal(bus.gen, 1); /* one registration */
	assert_int_equal(a.reads, 2);
	v = 0xffffffffaabbccddull;
	assert_int_equal(av_mmio_dev_rw(&a, NULL, 0x1018, 4, true, &v), AV_ACCESS_HANDLED);
	assert_int_equal(a.writes, 2);
	assert_int_equal(fa.last_off, 0x18);
	v = 7;
	assert_int_equal(av_mmio_dev_rw(&a, NULL, 0x1010, 2, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(v, 0);
	assert_int_equal(av_mmio_dev_rw(&a, NULL, 0x1014, 8, true, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_mmio_dev_rw(&a, NULL, 0x103c, 8, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(a.rejected, 6);
	assert_int_equal(a.reads, 2);
	assert_int_equal(a.writes, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_register_errors),
		cmocka_unit_test(test_error_detail),
		cmocka_unit_test(test_lookup_many),
		cmocka_unit_test(test_access_widths),
		cmocka_unit_test(test_dev_access),
		cmocka_unit_test(test_unclaimed),
		cmocka_unit_test(test_counters_reset_adapter),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
