/* SPDX-License-Identifier: MIT */
/*
 * Shared by the debug programs (debug.c, debug_iso.c): the targets in debug_asm.S, the
 * MDSCR_EL1/SPSR bits and DBGBCR/DBGWCR values they use, and the breakpoint and watchpoint
 * registers by number.
 */
#ifndef ARMVIRT_GUEST_DEBUG_REGS_H
#define ARMVIRT_GUEST_DEBUG_REGS_H

#include "rt.h"

uint64_t dbg_fn_a(uint64_t x);
uint64_t dbg_fn_b(uint64_t x);
uint64_t dbg_step_fn(void);
uint64_t dbg_load1(uint64_t a), dbg_load2(uint64_t a), dbg_load4(uint64_t a), dbg_load8(uint64_t a);
void dbg_store1(uint64_t a, uint64_t v), dbg_store2(uint64_t a, uint64_t v);
void dbg_store4(uint64_t a, uint64_t v), dbg_store8(uint64_t a, uint64_t v);
/* fn(a0, a1) run at EL0; the program's SVC handler returns to dbg_el0_back at EL1. */
uint64_t dbg_el0_call(uint64_t a0, uint64_t a1, const void *fn);
extern char dbg_el0_back[];

#define MDSCR_SS  (1ull << 0)
#define MDSCR_KDE (1ull << 13)
#define MDSCR_MDE (1ull << 15)
#define SPSR_SS   (1ull << 21)

/* DBGBCR: E, PMC = 0b11 (EL1 and EL0), BAS = 0b1111 (A64), BT = 0 (address match). */
#define BCR_ON  0x1e7ull
/* DBGWCR: E, PAC = 0b11, LSC (1 load, 2 store, 3 both), BAS (byte n of the doubleword). */
#define WCR(lsc, bas) (1ull | (3ull << 1) | ((uint64_t)(lsc) << 3) | ((uint64_t)(bas) << 5))
#define LSC_LOAD  1
#define LSC_STORE 2

/* ---- the debug registers by number (MSR/MRS name them in the instruction) ---- */
enum dreg { BVR, BCR, WVR, WCR };

#define DCASE(n)                                                                         \
	case n:                                                                          \
		if (wr) {                                                                \
			if (r == BVR) write_sysreg(dbgbvr##n##_el1, v);                  \
			else if (r == BCR) write_sysreg(dbgbcr##n##_el1, v);             \
			else if (r == WVR) write_sysreg(dbgwvr##n##_el1, v);             \
			else write_sysreg(dbgwcr##n##_el1, v);                           \
		} else {                                                                 \
			if (r == BVR) v = read_sysreg(dbgbvr##n##_el1);                  \
			else if (r == BCR) v = read_sysreg(dbgbcr##n##_el1);             \
			else if (r == WVR) v = read_sysreg(dbgwvr##n##_el1);             \
			else v = read_sysreg(dbgwcr##n##_el1);                           \
		}                                                                        \
		break

static inline uint64_t dreg_access(enum dreg r, unsigned n, bool wr, uint64_t v)
{
	switch (n) {
	DCASE(0); DCASE(1); DCASE(2); DCASE(3); DCASE(4); DCASE(5); DCASE(6); DCASE(7);
	DCASE(8); DCASE(9); DCASE(10); DCASE(11); DCASE(12); DCASE(13); DCASE(14); DCASE(15);
	default:
		break;
	}
	isb();
	return v;
}

static inline void dreg_write(enum dreg r, unsigned n, uint64_t v) { dreg_access(r, n, true, v); }
static inline uint64_t dreg_read(enum dreg r, unsigned n) { return dreg_access(r, n, false, 0); }

#endif
