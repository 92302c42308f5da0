// SPDX-License-Identifier: MIT
/*
 * A guest that never powers off (it waits for interrupts forever), to check that
 * armvirt-vmm stops on a signal; with "guest=reset" in its bootargs it calls PSCI
 * SYSTEM_RESET instead.
 */
#include "guest.h"

#define PSCI_SYSTEM_RESET 0x84000009ul

/* Does the DTB at @dtb contain @s anywhere (bootargs is a plain string in it)? */
static int dtb_has(const uint8_t *dtb, const char *s)
{
	uint32_t size = (uint32_t)dtb[4] << 24 | (uint32_t)dtb[5] << 16 | (uint32_t)dtb[6] << 8 |
			dtb[7];
	for (uint32_t i = 0; i < size; i++) {
		uint32_t j = 0;
		while (s[j] && i + j < size && dtb[i + j] == (uint8_t)s[j])
			j++;
		if (!s[j])
			return 1;
	}
	return 0;
}

int main(uint64_t dtb)
{
	if (dtb_has((const uint8_t *)dtb, "guest=reset")) {
		puts_uart("spin: asking for a reset\n");
		psci_call(PSCI_SYSTEM_RESET);
	}
	puts_uart("spin: waiting forever\n");
	for (;;)
		__asm__ volatile("wfi");
}
