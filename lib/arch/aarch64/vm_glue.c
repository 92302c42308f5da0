/* SPDX-License-Identifier: MIT */
/*
 * The glue between the arch layer and the exit dispatcher (armvirt/arch/aarch64_vm.h): the
 * av_vm_ops hooks that reach the loaded vCPU's live EL1 state, the instruction fetch for
 * ISV = 0 MMIO, the debug reload, and identity memory callbacks for stage 2.
 */
#include <armvirt/arch/aarch64_vm.h>

#include "arch_internal.h"

/* av_arch_vm_exit() converts the kind by value. */
_Static_assert(AV_ARCH_EXIT_SYNC == (int)AV_EXIT_SYNC && AV_ARCH_EXIT_IRQ == (int)AV_EXIT_IRQ &&
		       AV_ARCH_EXIT_FIQ == (int)AV_EXIT_FIQ &&
		       AV_ARCH_EXIT_SERROR == (int)AV_EXIT_SERROR,
	       "arch and dispatcher exit kinds differ");

/* The vCPU's state is loaded on, or its V registers are owned by, this pCPU. */
static inline bool is_vcpu(const struct av_arch_vcpu *v, const struct av_vcpu *vcpu)
{
	return v && v->ctxt == &vcpu->ctxt;
}

/*
 * Only the registers the dispatcher names are moved: an ISV = 1 MMIO exit reads SCTLR_EL1
 * and writes nothing back. Never av_arch_el1_save(): that one also parks the timer.
 * EL1_OTHERS(X) lists the registers after SCTLR_EL1: X(mask bit, register, field).
 */
#define EL1_OTHERS(X)                            \
	X(AV_VM_EL1_VBAR, vbar_el1, vbar)        \
	X(AV_VM_EL1_ELR, elr_el1, elr)           \
	X(AV_VM_EL1_SPSR, spsr_el1, spsr)        \
	X(AV_VM_EL1_ESR, esr_el1, esr)           \
	X(AV_VM_EL1_FAR, far_el1, far)           \
	X(AV_VM_EL1_SP_EL0, sp_el0, sp_el0)      \
	X(AV_VM_EL1_SP_EL1, sp_el1, sp_el1)      \
	X(AV_VM_EL1_MDSCR, mdscr_el1, mdscr)
#define EL1_GET(bit, reg, field) \
	if (m & (bit))           \
		r->field = av_read_sysreg(reg);
#define EL1_PUT(bit, reg, field) \
	if (m & (bit))           \
		av_write_sysreg(reg, r->field);

void av_arch_vm_el1_get(void *cookie, struct av_vcpu *vcpu)
{
	struct av_el1_regs *r = &vcpu->ctxt.el1;
	unsigned m = vcpu->el1_regs;
	struct av_arch_cpu *cpu;

	(void)cookie;
	EL1_GET(AV_VM_EL1_SCTLR, sctlr_el1, sctlr)
	if (!(m & ~AV_VM_EL1_SCTLR))
		return; /* the hot case: MMIO endianness */
	EL1_OTHERS(EL1_GET)
	if (!(m & AV_VM_EL1_FPSIMD))
		return;
	cpu = av_arch_this_cpu();
	if (is_vcpu(cpu->fp_owner, vcpu))
		av_arch_fpsimd_sync(cpu); /* last: a tail call */
}

void av_arch_vm_el1_put(void *cookie, struct av_vcpu *vcpu)
{
	const struct av_el1_regs *r = &vcpu->ctxt.el1;
	unsigned m = vcpu->el1_regs;
	struct av_arch_cpu *cpu;

	(void)cookie;
	if (!m)
		return; /* nothing changed */
	EL1_PUT(AV_VM_EL1_SCTLR, sctlr_el1, sctlr)
	EL1_OTHERS(EL1_PUT)
	if (!(m & AV_VM_EL1_FPSIMD))
		return;
	cpu = av_arch_this_cpu();
	if (is_vcpu(cpu->fp_owner, vcpu))
		av_arch_fpsimd_reload(cpu);
}

/* PAR_EL1: F (bit 0), PA[47:12]; after a stage-1-only AT, the PA is the IPA. */
#define PAR_F  AV_BIT(0)
#define PAR_PA AV_GENMASK(47, 12)

int av_arch_vm_fetch_insn(void *cookie, struct av_vcpu *vcpu, uint64_t pc_va, uint32_t *insn)
{
	struct av_s2 *s2 = vcpu->vm ? vcpu->vm->s2 : NULL;
	struct av_s2_leaf leaf;
	uint64_t saved, par, ipa;
	unsigned mt;

	(void)cookie;
	if (!s2)
		return -AV_EINVAL;
	if ((pc_va & 3) || !is_vcpu(av_arch_this_cpu()->loaded, vcpu))
		return -AV_EFAULT; /* the AT below walks the loaded vCPU's stage 1 */
	/* The guest's PAR_EL1 is live: keep it. */
	saved = av_read_sysreg(par_el1);
	__asm__ volatile("at s1e1r, %0" : : "r"(pc_va) : "memory");
	av_isb();
	par = av_read_sysreg(par_el1);
	av_write_sysreg(par_el1, saved);
	if (par & PAR_F)
		return -AV_EFAULT;
	ipa = (par & PAR_PA) | (pc_va & 0xfff);
	if (av_s2_translate(s2, ipa, &leaf) != 0 || !(leaf.prot & (AV_S2_R | AV_S2_X)))
		return -AV_EFAULT;
	mt = (unsigned)AV_FIELD_GET(AV_S2_MT, leaf.prot);
	if (mt != AV_S2_MT_NORMAL && mt != AV_S2_MT_NORMAL_NC)
		return -AV_EFAULT; /* never a read with side effects */
	*insn = *(volatile const uint32_t *)s2->ops->phys_to_virt(s2->cookie, leaf.pa);
	return 0;
}

void av_arch_vm_debug_changed(void *cookie, struct av_vcpu *vcpu)
{
	struct av_arch_cpu *cpu = av_arch_this_cpu();

	(void)cookie;
	if (is_vcpu(cpu->loaded, vcpu))
		av_arch_vcpu_debug_reload(cpu, cpu->loaded);
}

void *av_arch_mm_phys_to_virt(void *cookie, uint64_t pa)
{
	(void)cookie;
	return (void *)(uintptr_t)pa;
}

uint64_t av_arch_mm_virt_to_phys(void *cookie, void *va)
{
	(void)cookie;
	return (uint64_t)(uintptr_t)va;
}

void av_arch_mm_keep(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)va;
	(void)size;
}
