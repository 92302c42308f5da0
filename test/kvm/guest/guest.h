/* SPDX-License-Identifier: MIT */
/* Tiny runtime of the kvm test guests: PL011 output and PSCI through hvc. */
#ifndef KVM_TEST_GUEST_H
#define KVM_TEST_GUEST_H

#include <stdint.h>

#define UART_BASE 0x09000000ul
#define VIRTIO_BASE 0x0a000000ul /* virtio-mmio slot 0 */
#define PSCI_VERSION 0x84000000ul
#define PSCI_SYSTEM_OFF 0x84000008ul

void putc_uart(char c);
void puts_uart(const char *s);
void put_dec(uint64_t v);
void put_hex(uint64_t v);
uint64_t psci_call(uint64_t fn);
void guest_poweroff(void) __attribute__((noreturn));
int main(uint64_t dtb);

static inline uint64_t cntvct(void)
{
	uint64_t v;
	__asm__ volatile("isb\n\tmrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

#endif
