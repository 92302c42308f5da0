// SPDX-License-Identifier: MIT
/*
 * Exit-cost guest: N iterations of (a) an MMIO read that KVM hands to the VMM
 * (KVM_EXIT_MMIO), (b) an ISV=0 pair load the VMM decodes (KVM_EXIT_ARM_NISV), (c) a
 * PSCI_VERSION hypercall KVM answers itself, (d) an empty loop, (e) a virtio-mmio
 * QueueNotify write of queue 0 to slot 0 (run with --rng: the device is there, its queue not
 * set up, so the kick costs only its delivery: KVM_EXIT_MMIO to the VMM's transport, or
 * with --io-thread KVM_IOEVENTFD and the I/O thread's wake-up); CNTVCT_EL0 around each.
 * With QEMU's -icount shift=0 one instruction is 1 ns, so ns per iteration = instructions.
 * Each loop is bracketed by the profile hints of test/bench/insn_count_plugin.c (NOPs
 * everywhere else), outside the CNTVCT reads: test/bench/kvm-exit-profile.sh attributes
 * the instructions of each loop to functions across the whole stack.
 */
#include "guest.h"

#define N 2000

/* hint #0x71 / #0x72: start / write a profile (test/bench/insn_count_plugin.c). */
#define PROF_START() __asm__ volatile("hint #0x71" ::: "memory")
#define PROF_STOP() __asm__ volatile("hint #0x72" ::: "memory")

static uint64_t freq(void)
{
	uint64_t f;
	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
	return f;
}

static void report(const char *name, uint64_t ticks)
{
	/* ns per iteration, one decimal: ticks * 1e9 / freq / N. */
	uint64_t tenths = ticks * 10000000000ull / freq() / N;
	puts_uart("KVM-BENCH ");
	puts_uart(name);
	puts_uart(": ticks=");
	put_dec(ticks);
	puts_uart(" iters=");
	put_dec(N);
	puts_uart(" ns/iter=");
	put_dec(tenths / 10);
	putc_uart('.');
	put_dec(tenths % 10);
	puts_uart("\n");
}

int main(uint64_t dtb)
{
	(void)dtb;
	uint64_t t0, t1;
	volatile uint32_t *fr = (volatile uint32_t *)(UART_BASE + 0x18);

	puts_uart("KVM-BENCH cntfrq=");
	put_dec(freq());
	puts_uart("\n");

	PROF_START();
	t0 = cntvct();
	for (int i = 0; i < N; i++)
		__asm__ volatile("" ::: "memory");
	t1 = cntvct();
	PROF_STOP();
	report("empty-loop", t1 - t0);

	PROF_START();
	t0 = cntvct();
	for (int i = 0; i < N; i++)
		(void)*fr;
	t1 = cntvct();
	PROF_STOP();
	report("mmio-read-to-vmm", t1 - t0);

	PROF_START();
	t0 = cntvct();
	for (int i = 0; i < N; i++) {
		register uint64_t x0 __asm__("x0") = UART_BASE + 0xfe0;
		register uint64_t x1 __asm__("x1");
		register uint64_t x2 __asm__("x2");
		__asm__ volatile("ldp w1, w2, [x0]" : "=r"(x1), "=r"(x2) : "r"(x0) : "memory");
	}
	t1 = cntvct();
	PROF_STOP();
	report("nisv-ldp-to-vmm", t1 - t0);

	PROF_START();
	t0 = cntvct();
	for (int i = 0; i < N; i++)
		psci_call(PSCI_VERSION);
	t1 = cntvct();
	PROF_STOP();
	report("hvc-psci-version-in-kvm", t1 - t0);

	volatile uint32_t *notify = (volatile uint32_t *)(VIRTIO_BASE + 0x50);
	PROF_START();
	t0 = cntvct();
	for (int i = 0; i < N; i++)
		*notify = 0;
	t1 = cntvct();
	PROF_STOP();
	report("virtio-queue-notify", t1 - t0);

	puts_uart("KVM-BENCH done\n");
	return 0;
}
