/* SPDX-License-Identifier: MIT */
/*
 * Internal: the world switch's debug hook (debug_sr.c). The hardware holds the enabled
 * breakpoints and watchpoints of at most the loaded vCPU (av_arch_cpu::dbg_bp, dbg_wp);
 * a vCPU with none (the usual case) costs a load and a branch on each side.
 */
#ifndef ARMVIRT_ARCH_DEBUG_SR_H
#define ARMVIRT_ARCH_DEBUG_SR_H

#include <armvirt/arch/aarch64.h>

/* Clear the breakpoint and watchpoint enables, OS lock and MDSCR_EL1 of this CPU. */
void av__arch_debug_cpu_init(struct av_arch_cpu *cpu);
/* Make the hardware hold exactly @d's enabled registers (disabling the others loaded). */
void av__arch_debug_load(struct av_arch_cpu *cpu, const struct av_dbg_state *d);

/* vCPU load: its breakpoints and watchpoints, if it has any enabled. */
static inline void av__arch_debug_switch_in(struct av_arch_cpu *cpu, const struct av_arch_vcpu *v)
{
	if (v->dbg && (v->dbg->hw_bp | v->dbg->hw_wp))
		av__arch_debug_load(cpu, v->dbg);
}

/* vCPU put: disable whatever it left enabled, so that nothing fires in the next one. */
static inline void av__arch_debug_switch_out(struct av_arch_cpu *cpu)
{
	static const struct av_dbg_state none;

	if (cpu->dbg_bp | cpu->dbg_wp)
		av__arch_debug_load(cpu, &none);
}

#endif
