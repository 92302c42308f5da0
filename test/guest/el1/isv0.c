/* SPDX-License-Identifier: MIT */
/*
 * isv0: loads and stores whose data abort syndrome carries no valid ISS (ESR_EL2.ISV = 0),
 * which the hypervisor must decode from the instruction itself: load/store pair, post- and
 * pre-indexed forms with writeback. The target is the PL011's read-only peripheral/PrimeCell
 * ID registers at 0x09000FE0..0x09000FFC (one byte per 32-bit register), and, for stores,
 * the PL011 data register (the characters appear on the console).
 */
#include "rt.h"

const char *rt_prog = "isv0";

#define ID_BASE (RT_UART_BASE + 0xfe0)

static const uint32_t id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static void loads(void)
{
	uint64_t base, x1, x2;
	uint32_t a, b;

	base = ID_BASE;
	__asm__ volatile("ldp %w0, %w1, [%2]" : "=&r"(a), "=&r"(b) : "r"(base) : "memory");
	rt_check(a == id[0] && b == id[1], "ldp", "got 0x%x 0x%x, want 0x11 0x10", a, b);

	base = ID_BASE + 8;
	__asm__ volatile("ldp %w0, %w1, [%2, #8]" : "=&r"(a), "=&r"(b) : "r"(base) : "memory");
	rt_check(a == id[4] && b == id[5], "ldp_offset", "got 0x%x 0x%x, want 0xd 0xf0", a, b);

	base = ID_BASE;
	__asm__ volatile("ldr %w0, [%1], #4" : "=&r"(a), "+r"(base) : : "memory");
	rt_check(a == id[0] && base == ID_BASE + 4, "ldr_post",
		 "got 0x%x base 0x%lx, want 0x11 base 0x%lx", a, base, ID_BASE + 4);

	base = ID_BASE;
	__asm__ volatile("ldr %w0, [%1, #4]!" : "=&r"(a), "+r"(base) : : "memory");
	rt_check(a == id[1] && base == ID_BASE + 4, "ldr_pre",
		 "got 0x%x base 0x%lx, want 0x10 base 0x%lx", a, base, ID_BASE + 4);

	base = ID_BASE + 8;
	__asm__ volatile("ldr %w0, [%1, #-8]!" : "=&r"(a), "+r"(base) : : "memory");
	rt_check(a == id[0] && base == ID_BASE, "ldr_pre_negative",
		 "got 0x%x base 0x%lx, want 0x11 base 0x%lx", a, base, ID_BASE);

	base = ID_BASE;
	__asm__ volatile("ldp %w0, %w1, [%2], #8" : "=&r"(a), "=&r"(b), "+r"(base) : : "memory");
	rt_check(a == id[0] && b == id[1] && base == ID_BASE + 8, "ldp_post",
		 "got 0x%x 0x%x base 0x%lx, want 0x11 0x10 base 0x%lx", a, b, base, ID_BASE + 8);

	base = ID_BASE;
	__asm__ volatile("ldp %w0, %w1, [%2, #8]!" : "=&r"(a), "=&r"(b), "+r"(base) : : "memory");
	rt_check(a == id[2] && b == id[3] && base == ID_BASE + 8, "ldp_pre",
		 "got 0x%x 0x%x base 0x%lx, want 0x14 0x0 base 0x%lx", a, b, base, ID_BASE + 8);

	base = ID_BASE + 16;
	__asm__ volatile("ldpsw %0, %1, [%2, #8]" : "=&r"(x1), "=&r"(x2) : "r"(base) : "memory");
	rt_check(x1 == id[6] && x2 == id[7], "ldpsw", "got 0x%lx 0x%lx, want 0x5 0xb1", x1, x2);

	base = ID_BASE + 28;
	__asm__ volatile("ldrb %w0, [%1], #-28" : "=&r"(a), "+r"(base) : : "memory");
	rt_check(a == id[7] && base == ID_BASE, "ldrb_post_negative",
		 "got 0x%x base 0x%lx, want 0xb1 base 0x%lx", a, base, ID_BASE);
}

static void stores(void)
{
	uint64_t dr = RT_UART_BASE, base, pre, post;

	rt_printf("%s: store path: ", rt_prog);
	/* STP: 'o' to UARTDR, 0 to UARTECR (clears the receive error flags). */
	__asm__ volatile("stp %w0, wzr, [%1]" : : "r"((uint32_t)'o'), "r"(dr) : "memory");
	while (mmio_read32(RT_UART_BASE + 0x18) & (1u << 5))
		;
	base = dr;
	__asm__ volatile("strb %w1, [%0], #0" : "+r"(base) : "r"((uint32_t)'k') : "memory");
	post = base;
	while (mmio_read32(RT_UART_BASE + 0x18) & (1u << 5))
		;
	base = dr + 4;
	__asm__ volatile("str %w1, [%0, #-4]!" : "+r"(base) : "r"((uint32_t)'!') : "memory");
	pre = base;
	rt_putc('\n');
	rt_check(post == dr && pre == dr, "store_writeback", "post-index base 0x%lx, pre-index 0x%lx, "
		 "want 0x%lx", post, pre, dr);
}

void test_main(void)
{
	if (!rt_armvirt)
		rt_printf("%s: not under armvirt: these accesses run natively\n", rt_prog);
	loads();
	stores();
}
