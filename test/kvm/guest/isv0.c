// SPDX-License-Identifier: MIT
/*
 * ISV=0 test guest: loads and stores whose data aborts carry no instruction syndrome
 * (pairs, pre/post-index writeback, SIMD&FP) on the emulated PL011, first with the MMU
 * off, then with the MMU on, running from a TTBR1 alias so the VMM must walk the guest's
 * stage 1 (4 KiB granule, 39-bit VA) to fetch the instruction.
 * PL011 peripheral/PrimeCell ID registers at 0xFE0..0xFFC: 11 10 14 00 0D F0 05 B1.
 */
#include "guest.h"

#define ID_BASE (UART_BASE + 0xfe0)

static int failures;

static void check(const char *what, uint64_t got, uint64_t want)
{
	puts_uart(got == want ? "isv0: ok   " : "isv0: FAIL ");
	puts_uart(what);
	if (got != want) {
		puts_uart(": got ");
		put_hex(got);
		puts_uart(", want ");
		put_hex(want);
		failures++;
	}
	puts_uart("\n");
}

/* The ISV=0 sequence on an ID window at @base (a VA); @tag names the pass. */
static void __attribute__((noinline)) id_sequence(uint64_t base, uint64_t *out)
{
	register uint64_t x0 __asm__("x0") = base;
	register uint64_t x1 __asm__("x1");
	register uint64_t x2 __asm__("x2");
	register uint64_t x3 __asm__("x3");
	register uint64_t x4 __asm__("x4");
	register uint64_t x5 __asm__("x5");
	register uint64_t x6 __asm__("x6");
	register uint64_t x7 __asm__("x7");
	register uint64_t x8 __asm__("x8");
	register uint64_t x9 __asm__("x9");
	register uint64_t x10 __asm__("x10");
	uint64_t a0, a1, a2, a3, a4, v0;
	__asm__ volatile(
		"ldp	w1, w2, [x0]\n\t"        /* FE0, FE4: 0x11 0x10 */
		"ldr	w3, [x0], #4\n\t"        /* FE0: 0x11, x0 = FE4 */
		"mov	%[a0], x0\n\t"
		"ldp	w4, w5, [x0, #4]!\n\t"   /* FE8, FEC: 0x14 0x00, x0 = FE8 */
		"mov	%[a1], x0\n\t"
		"ldr	w6, [x0, #8]!\n\t"       /* FF0: 0x0D, x0 = FF0 */
		"mov	%[a2], x0\n\t"
		"ldp	w7, w8, [x0], #8\n\t"    /* FF0, FF4: 0x0D 0xF0, x0 = FF8 */
		"mov	%[a3], x0\n\t"
		"ldrh	w9, [x0], #4\n\t"        /* FF8: 0x05, x0 = FFC */
		"ldrb	w10, [x0, #0]!\n\t"      /* FFC: 0xB1 */
		"mov	%[a4], x0\n\t"
		"sub	x0, x0, #0x1c\n\t"       /* back to FE0 */
		"ldr	s0, [x0]\n\t"            /* SIMD&FP: 0x11 */
		"fmov	%w[v0], s0\n\t"
		: "+r"(x0), "=&r"(x1), "=&r"(x2), "=&r"(x3), "=&r"(x4), "=&r"(x5), "=&r"(x6),
		  "=&r"(x7), "=&r"(x8), "=&r"(x9), "=&r"(x10), [a0] "=&r"(a0), [a1] "=&r"(a1),
		  [a2] "=&r"(a2), [a3] "=&r"(a3), [a4] "=&r"(a4), [v0] "=&r"(v0)
		:
		: "v0", "memory");
	out[0] = x1, out[1] = x2, out[2] = x3, out[3] = a0 - base;
	out[4] = x4, out[5] = x5, out[6] = a1 - base;
	out[7] = x6, out[8] = a2 - base;
	out[9] = x7, out[10] = x8, out[11] = a3 - base;
	out[12] = x9, out[13] = x10, out[14] = a4 - base;
	out[15] = v0;
}

static const struct {
	const char *what;
	uint64_t want;
} expect[16] = {
	{ "ldp w1, w2, [x0] -> w1", 0x11 },      { "ldp w1, w2, [x0] -> w2", 0x10 },
	{ "ldr w3, [x0], #4 -> w3", 0x11 },      { "ldr w3, [x0], #4 -> x0 += 4", 4 },
	{ "ldp w4, w5, [x0, #4]! -> w4", 0x14 }, { "ldp w4, w5, [x0, #4]! -> w5", 0x00 },
	{ "ldp w4, w5, [x0, #4]! -> x0", 8 },    { "ldr w6, [x0, #8]! -> w6", 0x0d },
	{ "ldr w6, [x0, #8]! -> x0", 0x10 },     { "ldp w7, w8, [x0], #8 -> w7", 0x0d },
	{ "ldp w7, w8, [x0], #8 -> w8", 0xf0 },  { "ldp w7, w8, [x0], #8 -> x0", 0x18 },
	{ "ldrh w9, [x0], #4 -> w9", 0x05 },     { "ldrb w10, [x0, #0]! -> w10", 0xb1 },
	{ "ldrb w10, [x0, #0]! -> x0", 0x1c },   { "ldr s0, [x0] -> s0", 0x11 },
};

static void run_checks(const char *pass, uint64_t base, void (*fn)(uint64_t, uint64_t *))
{
	uint64_t out[16];
	puts_uart("isv0: --- ");
	puts_uart(pass);
	puts_uart(" ---\n");
	fn(base, out);
	for (int i = 0; i < 16; i++)
		check(expect[i].what, out[i], expect[i].want);
}

/* Post-index store to the data register: prints one character, x0 advances. */
static uint64_t store_post(uint64_t base, char c)
{
	register uint64_t x0 __asm__("x0") = base;
	register uint64_t x1 __asm__("x1") = (uint8_t)c;
	__asm__ volatile("strb w1, [x0], #4" : "+r"(x0) : "r"(x1) : "memory");
	return x0 - base;
}

/* Store pair to DR (prints the first) and RSR/ECR (clears errors). */
static void store_pair(uint64_t base, char c)
{
	register uint64_t x0 __asm__("x0") = base;
	register uint64_t x1 __asm__("x1") = (uint8_t)c;
	register uint64_t x2 __asm__("x2") = 0;
	__asm__ volatile("stp w1, w2, [x0]" : : "r"(x0), "r"(x1), "r"(x2) : "memory");
}

/* ---- stage 1: 4 KiB granule, 39-bit VAs (T0SZ = T1SZ = 25), level-1 start ---- */

#define PT_VALID 0x1ull
#define PT_TABLE 0x3ull           /* table (levels 0-2) or page (level 3) */
#define PT_BLOCK 0x1ull
#define PT_AF (1ull << 10)
#define PT_SH_INNER (3ull << 8)
#define PT_ATTR(i) ((uint64_t)(i) << 2)
#define PT_XN (3ull << 53)        /* PXN | UXN */
#define ATTR_DEVICE 0             /* MAIR attr0: Device-nGnRE */
#define ATTR_NORMAL 1             /* MAIR attr1: Normal WB */
#define HIGH_BASE 0xffffff8000000000ull
#define RAM_ALIAS_OFF (HIGH_BASE - 0x40000000ull)     /* TTBR1 L1[0] -> 0x40000000 */
#define UART_ALIAS (HIGH_BASE + (1ull << 30) + 72 * (2ull << 20)) /* L1[1]/L2[72]/L3[0] */

static uint64_t ttbr0_l1[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t ttbr1_l1[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t ttbr1_l2_ram[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t ttbr1_l2_dev[512] __attribute__((aligned(4096), section(".pagetables")));
static uint64_t ttbr1_l3_dev[512] __attribute__((aligned(4096), section(".pagetables")));

static void mmu_on(void)
{
	for (int i = 0; i < 512; i++)
		ttbr0_l1[i] = ttbr1_l1[i] = ttbr1_l2_ram[i] = ttbr1_l2_dev[i] = ttbr1_l3_dev[i] = 0;
	uint64_t dev = PT_AF | PT_ATTR(ATTR_DEVICE) | PT_XN;
	uint64_t mem = PT_AF | PT_SH_INNER | PT_ATTR(ATTR_NORMAL);
	/* Identity: 0-1 GiB device, 1-2 GiB RAM (level-1 blocks). */
	ttbr0_l1[0] = 0x00000000ull | dev | PT_BLOCK;
	ttbr0_l1[1] = 0x40000000ull | mem | PT_BLOCK;
	/* High alias of RAM through level-2 blocks, and of the UART through a level-3 page. */
	ttbr1_l1[0] = (uint64_t)ttbr1_l2_ram | PT_TABLE;
	for (int i = 0; i < 512; i++)
		ttbr1_l2_ram[i] = (0x40000000ull + ((uint64_t)i << 21)) | mem | PT_BLOCK;
	ttbr1_l1[1] = (uint64_t)ttbr1_l2_dev | PT_TABLE;
	ttbr1_l2_dev[72] = (uint64_t)ttbr1_l3_dev | PT_TABLE;
	ttbr1_l3_dev[0] = UART_BASE | dev | PT_TABLE;

	uint64_t mair = 0x04ull | (0xffull << 8);
	/* T0SZ/T1SZ 25, walks non-cacheable (no cleaning needed), TG0 4K, TG1 4K, IPS 40. */
	uint64_t tcr = 25ull | (3ull << 12) | (25ull << 16) | (3ull << 28) | (2ull << 30) |
		       (2ull << 32);
	__asm__ volatile("msr mair_el1, %0\n\t"
			 "msr tcr_el1, %1\n\t"
			 "msr ttbr0_el1, %2\n\t"
			 "msr ttbr1_el1, %3\n\t"
			 "dsb ish\n\t"
			 "isb\n\t"
			 "tlbi vmalle1\n\t"
			 "dsb ish\n\t"
			 "isb\n\t"
			 "mrs x9, sctlr_el1\n\t"
			 "orr x9, x9, #1\n\t"
			 "orr x9, x9, #(1 << 2)\n\t"
			 "orr x9, x9, #(1 << 12)\n\t"
			 "msr sctlr_el1, x9\n\t"
			 "isb"
			 :
			 : "r"(mair), "r"(tcr), "r"((uint64_t)ttbr0_l1), "r"((uint64_t)ttbr1_l1)
			 : "x9", "memory");
}

int main(uint64_t dtb)
{
	(void)dtb;
	puts_uart("isv0: start (EL1, MMU off)\n");
	run_checks("MMU off", ID_BASE, id_sequence);

	puts_uart("isv0: post-index store: [");
	uint64_t adv = store_post(UART_BASE, '#');
	puts_uart("]\n");
	check("strb w1, [x0], #4 -> x0 += 4", adv, 4);
	puts_uart("isv0: store pair: [");
	store_pair(UART_BASE, '=');
	puts_uart("]\n");

	mmu_on();
	uint64_t sctlr;
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(sctlr));
	check("SCTLR_EL1.M after enabling the MMU", sctlr & 1, 1);
	/* Run the sequence from the TTBR1 alias, on the UART's TTBR1 alias. */
	void (*alias)(uint64_t, uint64_t *) =
		(void (*)(uint64_t, uint64_t *))((uint64_t)id_sequence + RAM_ALIAS_OFF);
	run_checks("MMU on, TTBR1 alias (PC 0xffffff80..., data via a level-3 page)",
		   UART_ALIAS + 0xfe0, alias);

	puts_uart(failures ? "KVM-GUEST isv0: FAIL\n" : "KVM-GUEST isv0: PASS\n");
	return failures;
}
