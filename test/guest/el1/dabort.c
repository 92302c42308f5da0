/* SPDX-License-Identifier: MIT */
/*
 * dabort: an access to IPA space with nothing mapped (0x0c000000) gets a synchronous
 * external abort injected at EL1: ESR_EL1.EC = 0x25, DFSC = 0x10, FAR_EL1 = the address,
 * ELR_EL1 = the faulting instruction. The runtime's probe records it and skips the access.
 */
#include "rt.h"

const char *rt_prog = "dabort";

enum access { LOAD32, STORE32, LOAD64, STORE8 };
static const char *const access_names[] = { "read32", "write32", "read64", "write8" };

/* Performs one access; returns the address of the accessing instruction. */
static uint64_t do_access(enum access kind, uint64_t addr)
{
	uint64_t pc, v = 0x5a5a5a5a5a5a5a5aull;

	switch (kind) {
	case LOAD32:
		__asm__ volatile("adr %1, 1f\n1:\tldr %w0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
		break;
	case STORE32:
		__asm__ volatile("adr %0, 1f\n1:\tstr %w2, [%1]" : "=&r"(pc) : "r"(addr), "r"(v) : "memory");
		break;
	case LOAD64:
		__asm__ volatile("adr %1, 1f\n1:\tldr %0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
		break;
	case STORE8:
		__asm__ volatile("adr %0, 1f\n1:\tstrb %w2, [%1]" : "=&r"(pc) : "r"(addr), "r"(v) : "memory");
		break;
	}
	return pc;
}

static void one(enum access kind, uint64_t addr)
{
	const char *name = access_names[kind];
	struct rt_probe *p = &rt_probe_state[rt_cpu_index()];
	uint64_t pc, ec, dfsc;

	rt_probe_arm();
	pc = do_access(kind, addr);
	rt_probe_disarm();
	if (p->count == 0) {
		rt_skip(name, "the access to unmapped IPA did not abort");
		return;
	}
	/* EC and ISS live in ESR_EL1[31:0]; ISS2 and the RES0 bits above are not checked. */
	ec = (p->esr >> 26) & 0x3f;
	dfsc = p->esr & 0x3f;
	rt_printf("%s: %s at 0x%lx: ESR_EL1=0x%lx FAR_EL1=0x%lx ELR_EL1=0x%lx (insn at 0x%lx)\n",
		  rt_prog, name, addr, p->esr, p->far, p->elr, pc);
	rt_check(p->count == 1 && ec == 0x25 && dfsc == 0x10 && p->far == addr && p->elr == pc,
		 name, "count %u EC 0x%lx DFSC 0x%lx FAR 0x%lx ELR 0x%lx, want 1/0x25/0x10/0x%lx/0x%lx",
		 p->count, ec, dfsc, p->far, p->elr, addr, pc);
}

void test_main(void)
{
	one(LOAD32, RT_UNMAPPED_IPA);
	one(STORE32, RT_UNMAPPED_IPA);
	one(LOAD64, RT_UNMAPPED_IPA + 0x10);
	one(STORE8, RT_UNMAPPED_IPA + 0x123);
	/* Execution continues normally after the skipped accesses. */
	rt_check(rt_probe_state[rt_cpu_index()].count <= 1, "resumed", "spurious extra aborts");
}
