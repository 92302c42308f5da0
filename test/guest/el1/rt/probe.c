/* SPDX-License-Identifier: MIT */
/*
 * Fault probes: one load or store with the runtime's probe armed, so an abort is recorded
 * (ESR, FAR, ELR) and the access skipped instead of ending the program.
 */
#include "ivc.h"

static void finish(struct probe_res *r, uint64_t pc)
{
	struct rt_probe *p = &rt_probe_state[rt_cpu_index()];

	rt_probe_disarm();
	r->count = p->count;
	r->esr = p->esr;
	r->far = p->far;
	r->elr = p->elr;
	r->pc = pc;
}

/* probe_readN(addr, r): one load by INSN ("ldr %w0," ...) of [addr] into r->val. */
#define PROBE_LOAD(fn, insn)                                                              \
	void fn(uint64_t addr, struct probe_res *r)                                       \
	{                                                                                 \
		uint64_t pc, v = 0;                                                       \
                                                                                          \
		rt_probe_arm();                                                           \
		__asm__ volatile("adr %1, 1f\n1:\t" insn " [%2]"                          \
				 : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");            \
		finish(r, pc);                                                            \
		r->val = v;                                                               \
	}

/* probe_writeN(addr, v, r): one store by INSN ("str %w2," ...) of v (type T) to [addr]. */
#define PROBE_STORE(fn, T, insn)                                                          \
	void fn(uint64_t addr, T v, struct probe_res *r)                                  \
	{                                                                                 \
		uint64_t pc;                                                              \
                                                                                          \
		rt_probe_arm();                                                           \
		__asm__ volatile("adr %0, 1f\n1:\t" insn " [%1]"                          \
				 : "=&r"(pc) : "r"(addr), "r"(v) : "memory");             \
		finish(r, pc);                                                            \
		r->val = v;                                                               \
	}

PROBE_LOAD(probe_read8, "ldrb %w0,")
PROBE_LOAD(probe_read16, "ldrh %w0,")
PROBE_LOAD(probe_read32, "ldr %w0,")
PROBE_LOAD(probe_read64, "ldr %0,")
PROBE_STORE(probe_write8, uint8_t, "strb %w2,")
PROBE_STORE(probe_write16, uint16_t, "strh %w2,")
PROBE_STORE(probe_write32, uint32_t, "str %w2,")
PROBE_STORE(probe_write64, uint64_t, "str %2,")
