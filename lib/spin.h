/* SPDX-License-Identifier: MIT */
/*
 * Internal: the library's spinlock on an av_atomic_flag (the vGIC's distributor and list
 * locks, the scheduler's run queues, the IVC mailboxes), and the one wait every spin loop
 * of the library uses.
 *
 * Taking a free lock is one test-and-set, as before. A CPU that finds the lock held waits
 * in av__spin_wait() before it tries again, not in a bare test-and-set loop:
 *
 * - AArch64: SEVL, then WFE and a load-exclusive of the lock word until it reads clear. The
 *   load-exclusive marks the word in this PE's exclusive monitor; the holder's releasing
 *   store to it clears the monitor, and clearing the global monitor of a PE generates an
 *   event for it (Arm ARM, "Wait for Event" mechanism), so WFE returns without the unlock
 *   executing SEV. A store between the load and the WFE has already set the event
 *   register: the WFE falls through. An emulator that runs several CPUs in one thread
 *   (QEMU's TCG round robin, and so every -icount run) treats WFE as a yield and runs the
 *   holder: a bare loop there can spin for ever while the holder never runs again
 *   (doc/soak.md). WFE is not trapped at EL2; at EL0 under Linux it is allowed
 *   (SCTLR_EL1.nTWE), and the kernel's event stream wakes it within 100 us anyway.
 * - x86: PAUSE between attempts.
 * - elsewhere: the attempts alone.
 */
#ifndef ARMVIRT_LIB_SPIN_H
#define ARMVIRT_LIB_SPIN_H

#include <armvirt/types.h>

/* Wait until the lock word at @f may be clear (the caller retries its test-and-set). */
static inline void av__spin_wait(av_atomic_flag *f)
{
#if defined(__aarch64__)
	unsigned v;

	__asm__ volatile("sevl\n"
			 "1:	wfe\n"
			 "	ldxrb	%w0, [%1]\n"
			 "	cbnz	%w0, 1b"
			 : "=&r"(v)
			 : "r"(f)
			 : "memory");
#elif defined(__x86_64__) || defined(__i386__)
	(void)f;
	__builtin_ia32_pause();
#else
	(void)f;
#endif
}

/* The contended path: wait, try again (out of line: a lock is normally free). */
static __attribute__((noinline, cold, unused)) void av__spin_lock_wait(av_atomic_flag *f)
{
	do
		av__spin_wait(f);
	while (atomic_flag_test_and_set_explicit(f, memory_order_acquire));
}

/* Take the lock at @f: one test-and-set when it is free, else av__spin_lock_wait(). */
static inline void av__spin_lock(av_atomic_flag *f)
{
	if (atomic_flag_test_and_set_explicit(f, memory_order_acquire))
		av__spin_lock_wait(f);
}

/* Release the lock at @f (the store wakes a waiter's WFE through its exclusive monitor). */
static inline void av__spin_unlock(av_atomic_flag *f)
{
	atomic_flag_clear_explicit(f, memory_order_release);
}

#endif /* ARMVIRT_LIB_SPIN_H */
