/* SPDX-License-Identifier: MIT */
/*
 * primecell: the PL031 RTC and PL011 UART as a driver probing AMBA PrimeCells sees them.
 * The identification registers (PeriphID0..3, PCellID0..3) match the revisions the models
 * claim (PL031 r1p3: 0x31 0x10 0x14 0x00; PL011 revision 1: 0x11 0x10 0x14 0x00; both
 * PCellID 0x0d 0xf0 0x05 0xb1), and 8- and 16-bit reads return the addressed bytes of the
 * 32-bit register, as through an APB bridge, instead of a data abort. Narrow writes at a
 * register's address write it zero-extended; narrow writes to its other bytes are ignored.
 * Every access runs under the fault probe: an abort is reported, not fatal.
 */
#include "rt.h"

const char *rt_prog = "primecell";

#define RTC_BASE  0x09010000ul /* QEMU virt's PL031, as both armvirt examples place it */
#define RTC_MR    0x004
#define RTC_IMSC  0x010
#define UART_IBRD 0x024
#define UART_CR   0x030
#define ID_OFF    0xfe0

static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* One access of @size bytes at @a under the probe; false (and a message) if it aborted. */
static bool probed(uint64_t a, unsigned size, bool write, uint32_t wval, uint32_t *rval)
{
	struct rt_probe *p = &rt_probe_state[rt_cpu_index()];
	uint32_t v = 0;

	rt_probe_arm();
	switch (size | (write ? 0x10 : 0)) {
	case 1: v = *(volatile uint8_t *)a; break;
	case 2: v = *(volatile uint16_t *)a; break;
	case 4: v = *(volatile uint32_t *)a; break;
	case 0x11: *(volatile uint8_t *)a = (uint8_t)wval; break;
	case 0x12: *(volatile uint16_t *)a = (uint16_t)wval; break;
	default: *(volatile uint32_t *)a = wval; break;
	}
	rt_probe_disarm();
	if (p->count) {
		rt_printf("%s: %u-bit %s at 0x%lx aborted: ESR_EL1=0x%lx FAR_EL1=0x%lx\n", rt_prog,
			  8 * size, write ? "write" : "read", a, p->esr, p->far);
		return false;
	}
	if (rval)
		*rval = v;
	return true;
}

/* The eight ID registers of the cell at @base, read with @size-byte loads; check @check. */
static void ids(const char *check, const char *name, uint64_t base, const uint8_t want[8],
		unsigned size)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < 8; i++) {
		uint32_t v = 0xdead;

		if (!probed(base + ID_OFF + 4 * i, size, false, 0, &v) || v != want[i]) {
			rt_printf("%s: %s ID register 0x%x (%u-bit read) = 0x%x, want 0x%x\n", rt_prog,
				  name, ID_OFF + 4 * i, 8 * size, v, want[i]);
			bad++;
		}
	}
	rt_check(bad == 0, check, "%u of 8 ID registers wrong", bad);
}

/* Narrow accesses off armvirt reach the emulator's own models, which treat them their way. */
static bool armvirt_only(const char *name)
{
	if (rt_armvirt)
		return true;
	rt_skip(name, "the emulator's own model answers narrow accesses");
	return false;
}

/* Each byte and halfword of a 32-bit register holding @val. */
static void narrow_reads(const char *name, uint64_t a, uint32_t val)
{
	unsigned bad = 0;
	uint32_t v;

	if (!armvirt_only(name))
		return;

	for (unsigned i = 0; i < 4; i++) {
		v = 0xdead;
		if (!probed(a + i, 1, false, 0, &v) || v != ((val >> (8 * i)) & 0xff)) {
			rt_printf("%s: byte %u of 0x%lx = 0x%x, want 0x%x\n", rt_prog, i, a, v,
				  (val >> (8 * i)) & 0xff);
			bad++;
		}
	}
	for (unsigned i = 0; i < 4; i += 2) {
		v = 0xdead;
		if (!probed(a + i, 2, false, 0, &v) || v != ((val >> (8 * i)) & 0xffff)) {
			rt_printf("%s: halfword %u of 0x%lx = 0x%x, want 0x%x\n", rt_prog, i / 2, a, v,
				  (val >> (8 * i)) & 0xffff);
			bad++;
		}
	}
	rt_check(bad == 0, name, "%u of 6 narrow reads wrong", bad);
}

static void rtc(void)
{
	uint32_t mr = 0, v = 0;
	bool ok;

	ids("pl031_id", "PL031", RTC_BASE, pl031_id, 4);
	ids("pl031_id_16", "PL031", RTC_BASE, pl031_id, 2);
	ids("pl031_id_8", "PL031", RTC_BASE, pl031_id, 1);

	/* RTCMR holds any 32-bit value (the match interrupt stays masked: IMSC = 0). */
	mmio_write32(RTC_BASE + RTC_IMSC, 0);
	mmio_write32(RTC_BASE + RTC_MR, 0x8badf00d);
	narrow_reads("pl031_mr_narrow_reads", RTC_BASE + RTC_MR, 0x8badf00d);

	if (!rt_armvirt) {
		armvirt_only("pl031_narrow_writes");
		armvirt_only("pl031_byte_write");
		mmio_write32(RTC_BASE + RTC_MR, 0);
		return;
	}
	/* A 16-bit write at the register's address: zero-extended; at byte 2: ignored. */
	ok = probed(RTC_BASE + RTC_MR, 2, true, 0x1234, NULL) &&
	     probed(RTC_BASE + RTC_MR + 2, 2, true, 0x5678, NULL) &&
	     probed(RTC_BASE + RTC_MR + 1, 1, true, 0x9a, NULL);
	mr = mmio_read32(RTC_BASE + RTC_MR);
	rt_check(ok && mr == 0x1234, "pl031_narrow_writes",
		 "%s; RTCMR = 0x%x after strh 0x1234 at +0, strh at +2, strb at +1; want 0x1234",
		 ok ? "no abort" : "aborted", mr);
	ok = probed(RTC_BASE + RTC_MR, 1, true, 0xa5, NULL);
	v = mmio_read32(RTC_BASE + RTC_MR);
	rt_check(ok && v == 0xa5, "pl031_byte_write", "RTCMR = 0x%x after strb 0xa5, want 0xa5", v);
	mmio_write32(RTC_BASE + RTC_MR, 0);
}

static void uart(void)
{
	uint32_t cr = mmio_read32(RT_UART_BASE + UART_CR), ibrd, v = 0;
	bool ok;

	ids("pl011_id", "PL011", RT_UART_BASE, pl011_id, 4);
	ids("pl011_id_16", "PL011", RT_UART_BASE, pl011_id, 2);
	ids("pl011_id_8", "PL011", RT_UART_BASE, pl011_id, 1);
	/* UARTCR: UARTEN in byte 0, TXE/RXE in byte 1. */
	narrow_reads("pl011_cr_narrow_reads", RT_UART_BASE + UART_CR, cr);

	/* UARTIBRD (16 bits): Linux's driver writes it with strh; a store to byte 1 alone is
	 * ignored. */
	if (!armvirt_only("pl011_narrow_writes"))
		return;
	ibrd = mmio_read32(RT_UART_BASE + UART_IBRD);
	ok = probed(RT_UART_BASE + UART_IBRD, 2, true, 0x1a2b, NULL) &&
	     probed(RT_UART_BASE + UART_IBRD + 1, 1, true, 0x77, NULL);
	v = mmio_read32(RT_UART_BASE + UART_IBRD);
	mmio_write32(RT_UART_BASE + UART_IBRD, ibrd);
	rt_check(ok && v == 0x1a2b, "pl011_narrow_writes",
		 "UARTIBRD = 0x%x after strh 0x1a2b at +0 and strb at +1, want 0x1a2b", v);
}

void test_main(void)
{
	rtc();
	uart();
}
