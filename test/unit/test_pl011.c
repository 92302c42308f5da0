/* SPDX-License-Identifier: MIT */
/* Unit tests: the PL011 UART model, driven through the MMIO bus. Offsets, bits and reset
 * values are written as numbers from the PL011 TRM (DDI0183) rather than the header's
 * macros. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/dev/pl011.h>
#include <armvirt/mmio.h>
#include <armvirt/types.h>

#define BASE 0x09000000ull

struct host {
	uint8_t out[256];
	size_t nout;
	int fail_tx;
	bool irq;
	int irq_calls;
	int space_calls;
};

static int h_tx(void *c, uint8_t b)
{
	struct host *h = c;

	if (h->fail_tx)
		return -AV_EIO;
	if (h->nout < sizeof(h->out))
		h->out[h->nout++] = b;
	return 0;
}

static void h_irq(void *c, bool level)
{
	struct host *h = c;

	assert_true(level != h->irq); /* only changes are reported */
	h->irq = level;
	h->irq_calls++;
}

static void h_space(void *c)
{
	struct host *h = c;

	h->space_calls++;
}

struct fix {
	struct host h;
	struct av_pl011 u;
	struct av_mmio_dev dev;
	struct av_mmio_dev *slots[1];
	struct av_mmio_bus bus;
};

static void setup(struct fix *f)
{
	struct av_pl011_config cfg = { h_tx, h_irq, h_space, NULL };

	memset(f, 0, sizeof(*f));
	cfg.cookie = &f->h;
	assert_int_equal(av_pl011_init(&f->u, &cfg), 0);
	assert_int_equal(av_pl011_mmio_dev(&f->u, BASE, &f->dev), 0);
	assert_int_equal(av_mmio_bus_init(&f->bus, f->slots, 1, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	assert_int_equal(av_mmio_register(&f->bus, &f->dev, NULL), 0);
}

static uint32_t rd(struct fix *f, uint64_t off)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(av_mmio_read(&f->bus, NULL, BASE + off, 4, &v), AV_ACCESS_HANDLED);
	assert_true(v <= 0xffffffffull);
	return (uint32_t)v;
}

static void wr(struct fix *f, uint64_t off, uint32_t v)
{
	assert_int_equal(av_mmio_write(&f->bus, NULL, BASE + off, 4, v), AV_ACCESS_HANDLED);
}

static size_t push(struct fix *f, const char *s)
{
	return av_pl011_rx_push(&f->u, (const uint8_t *)s, strlen(s));
}

/* Enable the UART: UARTEN | TXE | RXE, optionally FIFOs (FEN, 8-bit words). */
static void enable(struct fix *f, bool fifo)
{
	wr(f, 0x2c, fifo ? 0x70 : 0x60);
	wr(f, 0x30, 0x301);
}

static void test_reset_and_ids(void **state)
{
	struct fix f;
	static const uint32_t ids[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
	(void)state;

	setup(&f);
	assert_int_equal(rd(&f, 0x18), 0x90);   /* FR: TXFE | RXFE */
	assert_int_equal(rd(&f, 0x30), 0x300);  /* CR: TXE | RXE */
	assert_int_equal(rd(&f, 0x34), 0x12);   /* IFLS: 1/2, 1/2 */
	assert_int_equal(rd(&f, 0x2c), 0);      /* LCR_H */
	assert_int_equal(rd(&f, 0x24), 0);      /* IBRD */
	assert_int_equal(rd(&f, 0x28), 0);      /* FBRD */
	assert_int_equal(rd(&f, 0x20), 0);      /* ILPR */
	assert_int_equal(rd(&f, 0x38), 0);      /* IMSC */
	assert_int_equal(rd(&f, 0x3c), 0);      /* RIS */
	assert_int_equal(rd(&f, 0x40), 0);      /* MIS */
	assert_int_equal(rd(&f, 0x48), 0);      /* DMACR */
	assert_int_equal(rd(&f, 0x04), 0);      /* RSR */
	assert_int_equal(rd(&f, 0x00), 0);      /* DR, empty */
	for (int i = 0; i < 8; i++)
		assert_int_equal(rd(&f, 0xfe0 + 4 * i), ids[i]);
	/* Amba bus probing: the 32-bit IDs assembled from the low bytes. */
	assert_int_equal(rd(&f, 0xfe0) | rd(&f, 0xfe4) << 8 | rd(&f, 0xfe8) << 16 | rd(&f, 0xfec) << 24,
			 0x00141011);
	assert_int_equal(rd(&f, 0xff0) | rd(&f, 0xff4) << 8 | rd(&f, 0xff8) << 16 | rd(&f, 0xffc) << 24,
			 0xb105f00d);
	assert_false(av_pl011_irq(&f.u));
	assert_int_equal(av_pl011_rx_space(&f.u), 0); /* UARTEN clear after reset */

	/* init errors */
	{
		struct av_pl011 u;
		struct av_pl011_config cfg = { 0 };

		assert_int_equal(av_pl011_init(&u, &cfg), -AV_EINVAL);
		assert_int_equal(av_pl011_init(NULL, &cfg), -AV_EINVAL);
		assert_int_equal(av_pl011_init(&u, NULL), -AV_EINVAL);
		assert_int_equal(av_pl011_mmio_dev(NULL, 0, &f.dev), -AV_EINVAL);
	}
}

/* Narrow accesses as through an APB bridge: reads return the addressed bytes of the whole
 * register read (with its side effects), writes at the register's address are
 * zero-extended, writes to its other bytes ignored. */
static void test_narrow_accesses(void **state)
{
	struct fix f;
	uint64_t v;
	(void)state;

	setup(&f);
	/* The IDs, byte and halfword. */
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0xfe8, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x14);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0xff0, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x0d);
	/* CR (0x300 after reset): its second byte holds TXE | RXE. */
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x31, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x03);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x30, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x00);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x32, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	/* 16-bit writes as Linux's driver does them, 8-bit DR writes as earlycon. */
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x24, 2, 0x1234), AV_ACCESS_HANDLED);
	assert_int_equal(rd(&f, 0x24), 0x1234);
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x25, 1, 0x55), AV_ACCESS_HANDLED);
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x26, 2, 0x5555), AV_ACCESS_HANDLED);
	assert_int_equal(rd(&f, 0x24), 0x1234);
	enable(&f, true);
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x00, 1, 'A'), AV_ACCESS_HANDLED);
	assert_int_equal(f.h.nout, 1);
	assert_int_equal(f.h.out[0], 'A');
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x01, 1, 'B'), AV_ACCESS_HANDLED);
	assert_int_equal(f.h.nout, 1);
	/* A byte read of DR + 1 reads the whole DR: the character is consumed, its error
	 * bits returned. */
	assert_int_equal(push(&f, "xy"), 2);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x01, 1, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0);
	assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x00, 2, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 'y');
	assert_int_equal(rd(&f, 0x18) & 0x10, 0x10); /* RXFE */
}

static void test_register_masks(void **state)
{
	struct fix f;
	(void)state;

	setup(&f);
	wr(&f, 0x24, 0xffffffff);
	assert_int_equal(rd(&f, 0x24), 0xffff);
	wr(&f, 0x28, 0xffffffff);
	assert_int_equal(rd(&f, 0x28), 0x3f);
	wr(&f, 0x20, 0xffffffff);
	assert_int_equal(rd(&f, 0x20), 0xff);
	wr(&f, 0x2c, 0xffffffff);
	assert_int_equal(rd(&f, 0x2c), 0xff);
	wr(&f, 0x30, 0xffffffff);
	assert_int_equal(rd(&f, 0x30), 0xff87); /* bits 6:3 reserved */
	wr(&f, 0x34, 0xffffffff);
	assert_int_equal(rd(&f, 0x34), 0x3f);
	wr(&f, 0x38, 0xffffffff);
	assert_int_equal(rd(&f, 0x38), 0x7ff);
	wr(&f, 0x48, 0xffffffff);
	assert_int_equal(rd(&f, 0x48), 0x7);
	/* Read-only registers ignore writes. */
	wr(&f, 0x18, 0);
	assert_int_equal(rd(&f, 0x18), 0x90);
	wr(&f, 0x3c, 0x7ff);
	wr(&f, 0x40, 0x7ff);
	wr(&f, 0xfe0, 0);
	assert_int_equal(rd(&f, 0xfe0), 0x11);
	/* Reserved offsets: RAZ/WI; a byte of a register reads its bits, writes ignored. */
	wr(&f, 0x08, 0x1234);
	assert_int_equal(rd(&f, 0x08), 0);
	assert_int_equal(rd(&f, 0x4c), 0);
	assert_int_equal(rd(&f, 0xfdc), 0);
	{
		uint64_t v = 1;

		assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x25, 1, &v), AV_ACCESS_HANDLED);
		assert_int_equal(v, 0xff);
		assert_int_equal(av_mmio_write(&f.bus, NULL, BASE + 0x26, 2, 0), AV_ACCESS_HANDLED);
		assert_int_equal(rd(&f, 0x24), 0xffff);
		/* 16-bit and 8-bit accesses at register offsets work. */
		assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x30, 2, &v), AV_ACCESS_HANDLED);
		assert_int_equal(v, 0xff87);
		assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x30, 1, &v), AV_ACCESS_HANDLED);
		assert_int_equal(v, 0x87);
		/* 64-bit accesses are refused by the bus. */
		assert_int_equal(av_mmio_read(&f.bus, NULL, BASE + 0x30, 8, &v), AV_ACCESS_INJECT);
	}
	/* Bus reset restores the reset values. */
	av_mmio_bus_reset(&f.bus);
	assert_int_equal(rd(&f, 0x30), 0x300);
	assert_int_equal(rd(&f, 0x34), 0x12);
	assert_int_equal(rd(&f, 0x38), 0);
}

static void test_tx(void **state)
{
	struct fix f;
	(void)state;

	setup(&f);
	enable(&f, true);
	for (const char *s = "hi!\n"; *s; s++) {
		assert_int_equal(rd(&f, 0x18) & 0x20, 0); /* TXFF never set */
		wr(&f, 0x00, (uint32_t)(uint8_t)*s | 0xff00); /* bits above the data ignored */
	}
	assert_int_equal(f.h.nout, 4);
	assert_memory_equal(f.h.out, "hi!\n", 4);
	assert_int_equal(f.u.tx_bytes, 4);
	assert_int_equal(rd(&f, 0x18) & 0xa8, 0x80); /* TXFE, not BUSY, not TXFF */
	/* 8-bit store to DR. */
	assert_int_equal(av_mmio_write(&f.bus, NULL, BASE, 1, 'x'), AV_ACCESS_HANDLED);
	assert_int_equal(f.h.out[4], 'x');
	/* Also before the UART is enabled (early console). */
	wr(&f, 0x30, 0);
	wr(&f, 0x00, 'y');
	assert_int_equal(f.h.out[5], 'y');
	/* A failing sink drops and counts. */
	f.h.fail_tx = 1;
	wr(&f, 0x00, 'z');
	assert_int_equal(f.u.tx_dropped, 1);
	assert_int_equal(f.u.tx_bytes, 6);
}

static void test_tx_interrupt(void **state)
{
	struct fix f;
	(void)state;

	setup(&f);
	enable(&f, true);
	/* Not raised by an empty FIFO alone. */
	assert_int_equal(rd(&f, 0x3c) & 0x20, 0);
	wr(&f, 0x38, 0x20); /* TXIM */
	assert_false(f.h.irq);
	wr(&f, 0x00, 'a');
	assert_int_equal(rd(&f, 0x3c) & 0x20, 0x20);
	assert_int_equal(rd(&f, 0x40), 0x20);
	assert_true(f.h.irq);
	/* Masking lowers the line, unmasking raises it again, ICR clears. */
	wr(&f, 0x38, 0);
	assert_false(f.h.irq);
	assert_int_equal(rd(&f, 0x40), 0);
	assert_int_equal(rd(&f, 0x3c) & 0x20, 0x20);
	wr(&f, 0x38, 0x20);
	assert_true(f.h.irq);
	wr(&f, 0x44, 0x20);
	assert_false(f.h.irq);
	assert_int_equal(rd(&f, 0x3c), 0);
	assert_int_equal(f.h.irq_calls, 4);
}

static void test_rx_no_fifo(void **state)
{
	struct fix f;
	(void)state;

	setup(&f);
	/* Receiver disabled: nothing accepted. */
	assert_int_equal(push(&f, "hello"), 0);
	wr(&f, 0x30, 0x101); /* UARTEN | TXE, RXE clear */
	assert_int_equal(push(&f, "hello"), 0);
	assert_int_equal(f.h.space_calls, 0);
	enable(&f, false); /* space appears */
	assert_int_equal(f.h.space_calls, 1);
	wr(&f, 0x38, 0x50); /* RXIM | RTIM */

	/* FIFOs disabled: a one-character holding register. */
	assert_int_equal(push(&f, "hello"), 1);
	assert_int_equal(av_pl011_rx_space(&f.u), 0);
	assert_int_equal(rd(&f, 0x18) & 0x50, 0x40); /* RXFF, not RXFE */
	assert_int_equal(rd(&f, 0x3c) & 0x50, 0x50); /* RX (level 1) and RT */
	assert_true(f.h.irq);
	assert_int_equal(rd(&f, 0x00), 'h');
	assert_int_equal(rd(&f, 0x18) & 0x50, 0x10); /* RXFE */
	assert_int_equal(rd(&f, 0x3c) & 0x50, 0);
	assert_false(f.h.irq);
	assert_int_equal(f.h.space_calls, 2);
	assert_int_equal(push(&f, "ello"), 1);
	assert_int_equal(rd(&f, 0x00), 'e');
	assert_int_equal(f.u.rx_bytes, 2);
}

static void test_rx_fifo_levels(void **state)
{
	struct fix f;
	static const unsigned level[8] = { 2, 4, 8, 12, 14, 14, 14, 14 };
	uint8_t buf[20];
	(void)state;

	for (int i = 0; i < 20; i++)
		buf[i] = (uint8_t)('A' + i);
	for (unsigned sel = 0; sel < 8; sel++) {
		setup(&f);
		enable(&f, true);
		wr(&f, 0x34, sel << 3 | 2);
		for (unsigned n = 1; n <= 16; n++) {
			assert_int_equal(av_pl011_rx_push(&f.u, &buf[n - 1], 1), 1);
			assert_int_equal(!!(rd(&f, 0x3c) & 0x10), n >= level[sel]);
			assert_int_equal(!!(rd(&f, 0x18) & 0x40), n == 16); /* RXFF */
		}
		/* Full: further bytes stay with the host. */
		assert_int_equal(av_pl011_rx_push(&f.u, &buf[16], 4), 0);
		assert_int_equal(av_pl011_rx_space(&f.u), 0);
		/* Reading drops RX once the fill is below the level; RT when empty. */
		for (unsigned n = 16; n > 0; n--) {
			uint32_t ris;

			assert_int_equal(rd(&f, 0x00), 'A' + (16 - n));
			ris = rd(&f, 0x3c);
			assert_int_equal(!!(ris & 0x10), n - 1 >= level[sel]);
			assert_int_equal(!!(ris & 0x40), n - 1 > 0);
		}
		assert_int_equal(rd(&f, 0x18) & 0x10, 0x10);
	}
}

static void test_rx_burst_and_space(void **state)
{
	struct fix f;
	char big[21] = "abcdefghijklmnopqrst";
	(void)state;

	setup(&f);
	enable(&f, true);
	f.h.space_calls = 0;
	wr(&f, 0x38, 0x50);
	/* A short burst below the trigger level: only the timeout interrupt. */
	assert_int_equal(push(&f, "ab"), 2);
	assert_int_equal(rd(&f, 0x3c) & 0x50, 0x40);
	assert_true(f.h.irq);
	/* The driver's RX loop: read while !RXFE. */
	{
		char got[4];
		int n = 0;

		while (!(rd(&f, 0x18) & 0x10))
			got[n++] = (char)rd(&f, 0x00);
		assert_int_equal(n, 2);
		assert_memory_equal(got, "ab", 2);
	}
	assert_false(f.h.irq);
	assert_int_equal(rd(&f, 0x40), 0);

	/* A long burst: 16 accepted, the host keeps 4 and is told when space appears. */
	assert_int_equal(push(&f, big), 16);
	assert_int_equal(f.h.space_calls, 0);
	assert_int_equal(rd(&f, 0x00), 'a');
	assert_int_equal(f.h.space_calls, 1);
	assert_int_equal(rd(&f, 0x00), 'b');
	assert_int_equal(f.h.space_calls, 1); /* only on the 0 -> non-zero transition */
	assert_int_equal(push(&f, big + 16), 2);
	assert_int_equal(push(&f, big + 18), 0);

	/* ICR clears RT even with data left; the next burst raises it again. */
	wr(&f, 0x44, 0x40);
	assert_int_equal(rd(&f, 0x3c) & 0x40, 0);
	/* Raising the level above the fill drops RX, lowering it raises RX. */
	wr(&f, 0x34, 4u << 3); /* 7/8 = 14 <= 16 */
	assert_int_equal(rd(&f, 0x3c) & 0x10, 0x10);
	for (int i = 0; i < 3; i++)
		rd(&f, 0x00);
	assert_int_equal(rd(&f, 0x3c) & 0x10, 0); /* 13 < 14 */
	wr(&f, 0x34, 0); /* 1/8 = 2 */
	assert_int_equal(rd(&f, 0x3c) & 0x10, 0x10);
	/* Disabling the FIFO keeps the data; depth 1 means full. */
	wr(&f, 0x2c, 0x60);
	assert_int_equal(rd(&f, 0x18) & 0x40, 0x40);
	assert_int_equal(av_pl011_rx_space(&f.u), 0);
	/* Reset empties everything and lowers the line. */
	wr(&f, 0x38, 0x7ff);
	assert_true(f.h.irq);
	av_pl011_reset(&f.u);
	assert_false(f.h.irq);
	assert_int_equal(rd(&f, 0x18), 0x90);
	assert_int_equal(av_pl011_rx_push(NULL, (const uint8_t *)"a", 1), 0);
	assert_int_equal(av_pl011_rx_push(&f.u, NULL, 1), 0);
}

static void test_overrun(void **state)
{
	struct fix f;
	(void)state;

	setup(&f);
	enable(&f, true);
	wr(&f, 0x38, 0x400); /* OEIM */
	assert_int_equal(push(&f, "a"), 1);
	av_pl011_rx_overrun(&f.u);
	assert_true(f.h.irq);
	assert_int_equal(rd(&f, 0x04), 0x8);      /* RSR.OE */
	assert_int_equal(rd(&f, 0x40), 0x400);
	assert_int_equal(push(&f, "bc"), 2);
	assert_int_equal(rd(&f, 0x00), 'a');       /* before the loss: clean */
	assert_int_equal(rd(&f, 0x00), 0x800 | 'b'); /* first after it: DR.OE */
	assert_int_equal(rd(&f, 0x00), 'c');
	assert_int_equal(rd(&f, 0x04), 0x8);      /* sticky until ECR */
	wr(&f, 0x04, 0);                          /* ECR */
	assert_int_equal(rd(&f, 0x04), 0);
	wr(&f, 0x44, 0x7ff);
	assert_false(f.h.irq);
	av_pl011_rx_overrun(NULL);
}

static void test_loopback(void **state)
{
	struct fix f;
	(void)state;

	setup(&f);
	enable(&f, true);
	wr(&f, 0x30, 0x381); /* UARTEN | LBE | TXE | RXE */
	wr(&f, 0x00, 'L');
	assert_int_equal(f.h.nout, 0);
	assert_int_equal(rd(&f, 0x3c) & 0x60, 0x60); /* TX and RT */
	assert_int_equal(rd(&f, 0x00), 'L');
	/* Loopback without RXE: the byte is lost, nothing reaches the sink either. */
	wr(&f, 0x30, 0x181);
	wr(&f, 0x00, 'M');
	assert_int_equal(f.h.nout, 0);
	assert_int_equal(rd(&f, 0x18) & 0x10, 0x10);
	wr(&f, 0x30, 0x301);
	wr(&f, 0x00, 'N');
	assert_int_equal(f.h.nout, 1);
	assert_int_equal(f.h.out[0], 'N');
}

/* The sequence Linux's amba-pl011 startup and interrupt handler perform. */
static void test_linux_like_sequence(void **state)
{
	struct fix f;
	char got[8];
	int n = 0;
	(void)state;

	setup(&f);
	wr(&f, 0x38, 0);          /* mask all */
	wr(&f, 0x44, 0x7ff);      /* clear all */
	wr(&f, 0x34, 0x12);       /* IFLS 1/2 */
	wr(&f, 0x24, 13);         /* IBRD, FBRD: 115200 at 24 MHz */
	wr(&f, 0x28, 1);
	wr(&f, 0x2c, 0x70);       /* 8N1, FIFOs */
	wr(&f, 0x30, 0x301);      /* UARTEN | TXE | RXE */
	wr(&f, 0x38, 0x50);       /* RTIM | RXIM */
	assert_false(f.h.irq);
	assert_int_equal(push(&f, "ls\n"), 3);
	assert_true(f.h.irq);
	/* Handler: while MIS, read the FIFO until RXFE. */
	while (rd(&f, 0x40)) {
		while (!(rd(&f, 0x18) & 0x10))
			got[n++] = (char)rd(&f, 0x00);
	}
	assert_int_equal(n, 3);
	assert_memory_equal(got, "ls\n", 3);
	assert_false(f.h.irq);
	/* TX through the interrupt: fill, unmask TXIM, get the interrupt, stop. */
	wr(&f, 0x00, '$');
	wr(&f, 0x38, 0x70);
	assert_true(f.h.irq);
	assert_int_equal(rd(&f, 0x40), 0x20);
	wr(&f, 0x38, 0x50);       /* nothing more to send: TXIM off */
	assert_false(f.h.irq);
	assert_int_equal(f.h.out[0], '$');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_and_ids),
		cmocka_unit_test(test_narrow_accesses),
		cmocka_unit_test(test_register_masks),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_tx_interrupt),
		cmocka_unit_test(test_rx_no_fifo),
		cmocka_unit_test(test_rx_fifo_levels),
		cmocka_unit_test(test_rx_burst_and_space),
		cmocka_unit_test(test_overrun),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_linux_like_sequence),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
