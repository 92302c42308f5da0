/* SPDX-License-Identifier: MIT */
/*
 * Lazy FP/SIMD switching (the rule is stated in armvirt/arch/aarch64.h).
 *
 * cpu->fp_owner names whose state is in V0-V31/FPSR/FPCR: a vCPU, or NULL for the host.
 * A vCPU runs with CPTR_EL2.TFP = 0 only while it owns the registers (av_arch_vcpu_run()
 * computes CPTR_EL2 at every entry). The first FP/SIMD instruction of a vCPU that does not
 * own them traps with EC 0x07 and lands in av_arch_fpsimd_switch().
 */
#include "arch_internal.h"

/* The vCPU's FP/SIMD state inside its context: regs.v, fpsr, fpcr have the layout of
 * struct av_arch_fpregs (checked in offsets.c). */
static struct av_arch_fpregs *ctxt_fp(struct av_arch_vcpu *v)
{
	return (struct av_arch_fpregs *)(void *)v->ctxt->regs.v;
}

void av__arch_fp_enable(struct av_arch_cpu *cpu)
{
	if (cpu->cptr & AV_ARCH_CPTR_TFP) {
		cpu->cptr &= ~AV_ARCH_CPTR_TFP;
		av_write_sysreg(cptr_el2, cpu->cptr);
		av_isb();
	}
}

void av_arch_fpsimd_switch(struct av_arch_cpu *cpu, struct av_arch_vcpu *v)
{
	if (cpu->fp_owner == v)
		return;
	av__arch_fp_enable(cpu);
	if (cpu->fp_owner)
		av_arch_fpsimd_save(ctxt_fp(cpu->fp_owner));
	else
		av_arch_fpsimd_save(&cpu->host_fp);
	av_arch_fpsimd_load(ctxt_fp(v));
	cpu->fp_owner = v;
}

void av_arch_fpsimd_sync(struct av_arch_cpu *cpu)
{
	if (!cpu->fp_owner)
		return;
	av__arch_fp_enable(cpu);
	av_arch_fpsimd_save(ctxt_fp(cpu->fp_owner));
}

void av_arch_fpsimd_reload(struct av_arch_cpu *cpu)
{
	if (!cpu->fp_owner)
		return;
	av__arch_fp_enable(cpu);
	av_arch_fpsimd_load(ctxt_fp(cpu->fp_owner));
}

void av_arch_fpsimd_flush(struct av_arch_cpu *cpu)
{
	if (!cpu->fp_owner)
		return;
	av__arch_fp_enable(cpu);
	av_arch_fpsimd_save(ctxt_fp(cpu->fp_owner));
	av_arch_fpsimd_load(&cpu->host_fp);
	cpu->fp_owner = NULL;
}
