/* SPDX-License-Identifier: MIT */
/* Unit tests: the PL031 RTC model, driven through the MMIO bus with a fake time source.
 * Offsets, bits and ID values are written as numbers from the PL031 TRM (DDI0224). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/dev/pl031.h>
#include <armvirt/mmio.h>
#include <armvirt/types.h>

#define BASE 0x09010000ull
#define T0 1700000000ull /* a plausible Unix time */

struct host {
	uint64_t t;
	bool irq;
	int irq_calls;
};

static uint64_t h_now(void *c)
{
	return ((struct host *)c)->t;
}

static void h_irq(void *c, bool level)
{
	struct host *h = c;

	assert_true(level != h->irq);
	h->irq = level;
	h->irq_calls++;
}

struct fix {
	struct host h;
	struct av_pl031 rtc;
	struct av_mmio_dev dev;
	struct av_mmio_dev *slots[1];
	struct av_mmio_bus bus;
};

static void setup(struct fix *f, bool cold)
{
	struct av_pl031_config cfg = { h_now, h_irq, NULL, cold };

	memset(f, 0, sizeof(*f));
	f->h.t = T0;
	cfg.cookie = &f->h;
	assert_int_equal(av_pl031_init(&f->rtc, &cfg), 0);
	assert_int_equal(av_pl031_mmio_dev(&f->rtc, BASE, &f->dev), 0);
	assert_int_equal(av_mmio_bus_init(&f->bus, f->slots, 1, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	assert_int_equal(av_mmio_register(&f->bus, &f->dev, NULL), 0);
}

static uint32_t rd(struct fix *f, uint64_t off)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(av_mmio_read(&f->bus, NULL, BASE + off, 4, &v), AV_ACCESS_HANDLED);
	assert_true(v <= 0xffffffffull);
	return (uint32_t)v;
}

static void wr(struct fix *f, uint64_t off, uint32_t v)
{
	assert_int_equal(av_mmio_write(&f->bus, NULL, BASE + off, 4, v), AV_ACCESS_HANDLED);
}

static void test_ids_and_reset(void **state)
{
	struct fix f;
	/* r1p3 (DDI0224C): revision 1 in PeriphID2[7:4]. */
	static const uint32_t ids[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	uint64_t v;
	(void)state;

	setup(&f, false);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(&f, 0xfe0 + 4 * i), ids[i]);
	assert_int_equal(rd(&f, 0xfe0) | rd(&f, 0xfe4) << 8 | rd(&f, 0xfe8) << 16 | rd(&f, 0xfec) << 24,
			 0x00141031);
	assert_int_equal(rd(&f, 0xff0) | rd(&f, 0xff4) << 8 | rd(&f, 0xff8) << 16 | rd(&f, 0xffc) << 24,
			 0xb105f00d);
	/* Running by default: DR follows the source, CR reads 1. */
	assert_int_equal(rd(&f, 0x00), (uint32_t)T0);
	assert_int_equal(rd(&f, 0x0c), 1);
	assert_int_equal(rd(&f, 0x04), 0); /* MR */
	assert_int_equal(rd(&f, 0x08), 0); /* LR */
	assert_int_equal(rd(&f, 0x10), 0); /* IMSC */
	assert_int_equal(rd(&f, 0x14), 0); /* RIS */
	assert_int_equal(rd(&f, 0x18), 0); /* MIS */
	assert_int_equal(rd(&f, 0x20), 0); /* reserved */
	assert_int_equal(rd(&f, 0xfdc), 0);
	f.h.t += 5;
	assert_int_equal(rd(&f, 0x00), (uint32_t)T0 + 5);
	/* No 64-bit accesses. */
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE, 8, &v), AV_ACCESS_INJECT);
	/* Read-only registers ignore writes. */
	wr(&f, 0x00, 5);
	wr(&f, 0x14, 1);
	wr(&f, 0x18, 1);
	wr(&f, 0xfe0, 0);
	assert_int_equal(rd(&f, 0x00), (uint32_t)T0 + 5);
	assert_int_equal(rd(&f, 0x14), 0);
	assert_int_equal(rd(&f, 0xfe0), 0x31);

	/* init errors */
	{
		struct av_pl031 r;
		struct av_pl031_config cfg = { 0 };

		assert_int_equal(av_pl031_init(&r, &cfg), -AV_EINVAL);
		assert_int_equal(av_pl031_init(NULL, &cfg), -AV_EINVAL);
		assert_int_equal(av_pl031_init(&r, NULL), -AV_EINVAL);
		assert_int_equal(av_pl031_mmio_dev(NULL, 0, &f.dev), -AV_EINVAL);
	}
}

/* 8- and 16-bit reads return the addressed bytes of the register; narrow writes at a
 * register's address write it zero-extended, to its other bytes are ignored. */
static void test_narrow_accesses(void **state)
{
	struct fix f;
	uint64_t v;
	(void)state;

	setup(&f, false);
	wr(&f, 0x04, 0x11223344); /* MR */
	for (unsigned i = 0; i < 4; i++) {
		v = 0xdeadbeef;
		assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 4 + i, 1, &v),
				 AV_ACCESS_HANDLED);
		assert_int_equal(v, (0x11223344u >> (8 * i)) & 0xff);
	}
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 4, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x3344);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 6, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x1122);
	/* Unaligned narrow accesses are refused by the bus. */
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 5, 2, &v), AV_ACCESS_INJECT);
	/* The counter, byte by byte, and the IDs as an AMBA probe reads them with ldrb. */
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, (uint32_t)T0 & 0xff);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 3, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, ((uint32_t)T0 >> 24) & 0xff);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0xfe8, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x14);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0xfe9, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0xffc, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0xb1);

	/* Writes: at the register's address zero-extended, elsewhere ignored. */
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 4, 2, 0xabcd), AV_ACCESS_HANDLED);
	assert_int_equal(rd(&f, 0x04), 0xabcd);
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 5, 1, 0x77), AV_ACCESS_HANDLED);
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 6, 2, 0x7777), AV_ACCESS_HANDLED);
	assert_int_equal(rd(&f, 0x04), 0xabcd);
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x10, 1, 1),
			 AV_ACCESS_HANDLED); /* IMSC */
	assert_int_equal(rd(&f, 0x10), 1);
}

static void test_cold_start(void **state)
{
	struct fix f;
	uint64_t s;
	(void)state;

	setup(&f, true);
	/* TRM reset state: stopped, all zero. */
	assert_int_equal(rd(&f, 0x0c), 0);
	assert_int_equal(rd(&f, 0x00), 0);
	f.h.t += 100;
	assert_int_equal(rd(&f, 0x00), 0);
	assert_int_equal(av_pl031_next_match(&f.rtc, &s), -AV_ENOENT);
	/* Load while stopped, then start: counts from the loaded value. */
	wr(&f, 0x08, 1000);
	assert_int_equal(rd(&f, 0x08), 1000);
	assert_int_equal(rd(&f, 0x00), 1000);
	wr(&f, 0x0c, 1);
	assert_int_equal(rd(&f, 0x0c), 1);
	f.h.t += 7;
	assert_int_equal(rd(&f, 0x00), 1007);
	/* Writing 0 does not stop it. */
	wr(&f, 0x0c, 0);
	assert_int_equal(rd(&f, 0x0c), 1);
	f.h.t += 1;
	assert_int_equal(rd(&f, 0x00), 1008);
	/* Reset returns to the stopped state at 0. */
	av_mmio_bus_reset(&f.bus);
	assert_int_equal(rd(&f, 0x0c), 0);
	assert_int_equal(rd(&f, 0x00), 0);
	assert_int_equal(rd(&f, 0x08), 0);
	/* A match loaded while stopped. */
	wr(&f, 0x04, 42);
	wr(&f, 0x08, 42);
	assert_int_equal(rd(&f, 0x14), 1);
}

static void test_load_offset_and_reset(void **state)
{
	struct fix f;
	(void)state;

	setup(&f, false);
	/* The guest sets the clock: the offset survives time passing and resets. */
	wr(&f, 0x08, 12345);
	assert_int_equal(rd(&f, 0x08), 12345);
	assert_int_equal(rd(&f, 0x00), 12345);
	f.h.t += 60;
	assert_int_equal(rd(&f, 0x00), 12405);
	wr(&f, 0x04, 99);
	wr(&f, 0x10, 1);
	av_pl031_reset(&f.rtc);
	assert_int_equal(rd(&f, 0x00), 12405);
	assert_int_equal(rd(&f, 0x04), 0);
	assert_int_equal(rd(&f, 0x08), 0);
	assert_int_equal(rd(&f, 0x10), 0);
	assert_int_equal(rd(&f, 0x0c), 1);
	/* Wrap at 2^32. */
	wr(&f, 0x08, 0xfffffffe);
	f.h.t += 3;
	assert_int_equal(rd(&f, 0x00), 1);
	assert_int_equal(av_pl031_counter(&f.rtc), 1);
	assert_int_equal(av_pl031_counter(NULL), 0);
}

static void test_match_interrupt(void **state)
{
	struct fix f;
	uint64_t s;
	(void)state;

	setup(&f, false);
	wr(&f, 0x04, (uint32_t)T0 + 10);
	assert_int_equal(rd(&f, 0x04), (uint32_t)T0 + 10);
	assert_int_equal(av_pl031_next_match(&f.rtc, &s), 0);
	assert_int_equal(s, 10);
	/* Masked: RIS sets, the line stays low. */
	f.h.t += 9;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 0);
	assert_int_equal(av_pl031_next_match(&f.rtc, &s), 0);
	assert_int_equal(s, 1);
	f.h.t += 1;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 1);
	assert_int_equal(rd(&f, 0x18), 0);
	assert_false(f.h.irq);
	/* Unmask: line up, MIS set. */
	wr(&f, 0x10, 0xffffffff);
	assert_int_equal(rd(&f, 0x10), 1);
	assert_true(f.h.irq);
	assert_int_equal(rd(&f, 0x18), 1);
	/* Clear: line down; no new match without reaching MR again. */
	wr(&f, 0x1c, 1);
	assert_false(f.h.irq);
	assert_int_equal(rd(&f, 0x14), 0);
	f.h.t += 100;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 0);
	/* Equal now: next match is a full wrap away. */
	wr(&f, 0x04, av_pl031_counter(&f.rtc) + 100);
	wr(&f, 0x08, av_pl031_counter(&f.rtc) + 100);
	assert_true(f.h.irq); /* loading the match value matches at once */
	assert_int_equal(av_pl031_next_match(&f.rtc, &s), 0);
	assert_int_equal(s, 1ull << 32);
	wr(&f, 0x1c, 1);
	assert_int_equal(f.h.irq_calls, 4);

	/* A coarse poll that jumps past MR still matches (the counter passed through it). */
	wr(&f, 0x04, av_pl031_counter(&f.rtc) + 5);
	f.h.t += 3600;
	av_pl031_poll(&f.rtc);
	assert_true(f.h.irq);
	wr(&f, 0x1c, 1);
	/* Writing MR equal to the counter matches at once; the guest's register read sees it
	 * without a host poll. */
	wr(&f, 0x04, av_pl031_counter(&f.rtc) + 2);
	f.h.t += 2;
	assert_int_equal(rd(&f, 0x18), 1);
	wr(&f, 0x1c, 1);
	wr(&f, 0x04, av_pl031_counter(&f.rtc));
	assert_int_equal(rd(&f, 0x14), 1);
	wr(&f, 0x1c, 1);

	/* Time going backwards does not match. */
	wr(&f, 0x04, av_pl031_counter(&f.rtc) - 10);
	f.h.t -= 20;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 0);
	/* ... and the reference point moves: going forward again does. */
	f.h.t += 10;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 1);

	/* Match across the 2^32 wrap. */
	wr(&f, 0x1c, 1);
	wr(&f, 0x08, 0xfffffff0);
	wr(&f, 0x04, 3);
	assert_int_equal(av_pl031_next_match(&f.rtc, &s), 0);
	assert_int_equal(s, 19);
	f.h.t += 18;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 0);
	f.h.t += 1;
	av_pl031_poll(&f.rtc);
	assert_int_equal(rd(&f, 0x14), 1);

	/* Reset lowers the line. */
	assert_true(f.h.irq);
	av_pl031_reset(&f.rtc);
	assert_false(f.h.irq);
	assert_int_equal(av_pl031_next_match(NULL, &s), -AV_EINVAL);
	assert_int_equal(av_pl031_next_match(&f.rtc, NULL), -AV_EINVAL);
	av_pl031_poll(NULL);
	av_pl031_reset(NULL);
	assert_false(av_pl031_irq(NULL));
}

/* What Linux's rtc-pl031 does for an alarm: set MR, clear, unmask; wait; clear. */
static void test_linux_like_alarm(void **state)
{
	struct fix f;
	uint64_t s;
	uint32_t now;
	(void)state;

	setup(&f, false);
	if (!(rd(&f, 0x0c) & 1))
		wr(&f, 0x0c, 1);
	now = rd(&f, 0x00);
	wr(&f, 0x04, now + 30);
	wr(&f, 0x1c, 1);
	wr(&f, 0x10, 1);
	assert_false(f.h.irq);
	assert_int_equal(av_pl031_next_match(&f.rtc, &s), 0);
	f.h.t += s; /* the host sleeps until the match is due */
	av_pl031_poll(&f.rtc);
	assert_true(f.h.irq);
	assert_int_equal(rd(&f, 0x18), 1);
	wr(&f, 0x1c, 1);
	assert_false(f.h.irq);
	wr(&f, 0x10, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_and_reset),
		cmocka_unit_test(test_narrow_accesses),
		cmocka_unit_test(test_cold_start),
		cmocka_unit_test(test_load_offset_and_reset),
		cmocka_unit_test(test_match_interrupt),
		cmocka_unit_test(test_linux_like_alarm),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
