/* SPDX-License-Identifier: MIT */
/*
 * fpmmio: SIMD&FP loads and stores to emulated devices (ESR ISV = 0: the hypervisor
 * decodes the instruction) read and write the vCPU's live V registers. Each access comes
 * right after the same V register was written, so with lazy FP/SIMD switching the
 * registers are in the hardware, not in the saved context, when the access traps:
 * - ldr s0 / b1 / h2 and ldp s2, s3 from the PL011 ID registers: the loaded value, the
 *   rest of the V register cleared; FPCR unchanged;
 * - str s4 to the PL031 match register, str h5 and stp s6, s7 to the PL011 baud divisors:
 *   the value the guest just put in the register, read back with a 32-bit load.
 * (Only widths both devices took before narrow PL031 accesses existed: 32-bit on the PL031,
 * 8/16/32-bit on the PL011.)
 * Every access runs under the fault probe: an abort is reported, not fatal.
 */
#include "rt.h"

const char *rt_prog = "fpmmio";

#define RTC_BASE   0x09010000ul /* QEMU virt's PL031, as both armvirt examples place it */
#define RTC_MR     0x004
#define UART_IBRD  0x024
#define UART_FBRD  0x028
#define ID_OFF     0xfe0
#define FILL       0x5a5a5a5a5a5a5a5aull
#define FPCR_FZ_DN 0x03000000ull

void fpm_ldr_s(uint64_t addr, uint64_t fill, uint64_t out[3], uint64_t fpcr);
void fpm_ldr_bh(uint64_t addr_b, uint64_t addr_h, uint64_t fill, uint64_t out[4]);
void fpm_ldp_s(uint64_t addr, uint64_t fill, uint64_t out[4]);
void fpm_str_s(uint64_t addr, uint32_t val);
void fpm_str_h(uint64_t addr, uint32_t val);
void fpm_stp_s(uint64_t addr, uint32_t a, uint32_t b);

static struct rt_probe *probe(void)
{
	return &rt_probe_state[rt_cpu_index()];
}

/* After a probed access: true if nothing aborted, else a FAIL line for @name. */
static bool no_abort(const char *name)
{
	struct rt_probe *p = probe();

	rt_probe_disarm();
	if (!p->count)
		return true;
	rt_fail(name, "aborted: ESR_EL1=0x%lx FAR_EL1=0x%lx ELR_EL1=0x%lx", p->esr, p->far,
		p->elr);
	return false;
}

static void loads(void)
{
	uint64_t out[4] = { 0, 0, 0, 0 };

	rt_probe_arm();
	fpm_ldr_s(RT_UART_BASE + ID_OFF, FILL, out, FPCR_FZ_DN);
	if (no_abort("ldr_s"))
		rt_check(out[0] == 0x11 && out[1] == 0 && out[2] == FPCR_FZ_DN, "ldr_s",
			 "ldr s0, [PL011 PeriphID0]: V0 = 0x%lx:%016lx FPCR 0x%lx, want "
			 "0x0:0000000000000011 FPCR 0x%llx", out[1], out[0], out[2], FPCR_FZ_DN);

	rt_probe_arm();
	fpm_ldr_bh(RT_UART_BASE + ID_OFF + 8, RT_UART_BASE + ID_OFF + 0x14, FILL, out);
	if (no_abort("ldr_b_h"))
		rt_check(out[0] == 0x14 && out[1] == 0 && out[2] == 0xf0 && out[3] == 0, "ldr_b_h",
			 "ldr b1, [PL011 PeriphID2]: V1 = 0x%lx:%016lx, want 0x14; ldr h2, "
			 "[PL011 PCellID1]: V2 = 0x%lx:%016lx, want 0xf0", out[1], out[0], out[3],
			 out[2]);

	rt_probe_arm();
	fpm_ldp_s(RT_UART_BASE + ID_OFF, FILL, out);
	if (no_abort("ldp_s"))
		rt_check(out[0] == 0x11 && out[1] == 0 && out[2] == 0x10 && out[3] == 0, "ldp_s",
			 "ldp s2, s3, [PL011 PeriphID0]: V2 = 0x%lx:%016lx V3 = 0x%lx:%016lx, want "
			 "0x11 and 0x10", out[1], out[0], out[3], out[2]);
}

static void stores(void)
{
	uint32_t mr, ibrd = mmio_read32(RT_UART_BASE + UART_IBRD);
	uint32_t fbrd = mmio_read32(RT_UART_BASE + UART_FBRD), a, b;

	mmio_write32(RTC_BASE + RTC_MR, 0);
	rt_probe_arm();
	fpm_str_s(RTC_BASE + RTC_MR, 0xc0ffee42u);
	if (no_abort("str_s")) {
		mr = mmio_read32(RTC_BASE + RTC_MR);
		rt_check(mr == 0xc0ffee42u, "str_s", "str s4 of 0xc0ffee42 to RTCMR: RTCMR = 0x%x", mr);
	}

	mmio_write32(RTC_BASE + RTC_MR, 0);

	rt_probe_arm();
	fpm_str_h(RT_UART_BASE + UART_IBRD, 0x2468u);
	if (no_abort("str_h")) {
		a = mmio_read32(RT_UART_BASE + UART_IBRD);
		rt_check(a == 0x2468u, "str_h", "str h5 of 0x2468 to UARTIBRD: 0x%x", a);
	}

	rt_probe_arm();
	fpm_stp_s(RT_UART_BASE + UART_IBRD, 0x1357u, 0x2au);
	if (no_abort("stp_s")) {
		a = mmio_read32(RT_UART_BASE + UART_IBRD);
		b = mmio_read32(RT_UART_BASE + UART_FBRD);
		rt_check(a == 0x1357u && b == 0x2au, "stp_s",
			 "stp s6, s7 of 0x1357, 0x2a to UARTIBRD/FBRD: 0x%x, 0x%x", a, b);
	}
	mmio_write32(RT_UART_BASE + UART_IBRD, ibrd);
	mmio_write32(RT_UART_BASE + UART_FBRD, fbrd);
}

void test_main(void)
{
	loads();
	stores();
}
