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

void probe_read32(uint64_t addr, struct probe_res *r)
{
	uint64_t pc, v = 0;

	rt_probe_arm();
	__asm__ volatile("adr %1, 1f\n1:\tldr %w0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_read64(uint64_t addr, struct probe_res *r)
{
	uint64_t pc, v = 0;

	rt_probe_arm();
	__asm__ volatile("adr %1, 1f\n1:\tldr %0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_write32(uint64_t addr, uint32_t v, struct probe_res *r)
{
	uint64_t pc;

	rt_probe_arm();
	__asm__ volatile("adr %0, 1f\n1:\tstr %w2, [%1]" : "=&r"(pc) : "r"(addr), "r"(v) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_write64(uint64_t addr, uint64_t v, struct probe_res *r)
{
	uint64_t pc;

	rt_probe_arm();
	__asm__ volatile("adr %0, 1f\n1:\tstr %2, [%1]" : "=&r"(pc) : "r"(addr), "r"(v) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_write8(uint64_t addr, uint8_t v, struct probe_res *r)
{
	uint64_t pc;

	rt_probe_arm();
	__asm__ volatile("adr %0, 1f\n1:\tstrb %w2, [%1]" : "=&r"(pc) : "r"(addr), "r"(v) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_read8(uint64_t addr, struct probe_res *r)
{
	uint64_t pc, v = 0;

	rt_probe_arm();
	__asm__ volatile("adr %1, 1f\n1:\tldrb %w0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_read16(uint64_t addr, struct probe_res *r)
{
	uint64_t pc, v = 0;

	rt_probe_arm();
	__asm__ volatile("adr %1, 1f\n1:\tldrh %w0, [%2]" : "+r"(v), "=&r"(pc) : "r"(addr) : "memory");
	finish(r, pc);
	r->val = v;
}

void probe_write16(uint64_t addr, uint16_t v, struct probe_res *r)
{
	uint64_t pc;

	rt_probe_arm();
	__asm__ volatile("adr %0, 1f\n1:\tstrh %w2, [%1]" : "=&r"(pc) : "r"(addr), "r"(v) : "memory");
	finish(r, pc);
	r->val = v;
}
