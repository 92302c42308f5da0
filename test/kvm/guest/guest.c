// SPDX-License-Identifier: MIT
#include "guest.h"

void putc_uart(char c)
{
	*(volatile uint32_t *)UART_BASE = (uint8_t)c;
}

void puts_uart(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc_uart('\r');
		putc_uart(*s++);
	}
}

void put_dec(uint64_t v)
{
	char buf[24];
	int i = 0;
	do {
		buf[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (i)
		putc_uart(buf[--i]);
}

void put_hex(uint64_t v)
{
	puts_uart("0x");
	for (int s = 60; s >= 0; s -= 4)
		putc_uart("0123456789abcdef"[(v >> s) & 0xf]);
}

/* SMCCC through hvc: KVM may clobber x0-x17, so they are all declared clobbered. */
uint64_t psci_call(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;
	__asm__ volatile("hvc #0"
			 : "+r"(x0)
			 :
			 : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11",
			   "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return x0;
}

void guest_poweroff(void)
{
	psci_call(PSCI_SYSTEM_OFF);
	for (;;)
		__asm__ volatile("wfi");
}
