/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/arch/aarch64_vm.h
 * @brief The glue between the EL2 arch layer and the exit dispatcher (armvirt/vm.h).
 *
 * A bare-metal hypervisor that runs its vCPUs with av_arch_vcpu_run() and handles their
 * exits with av_vm_handle_exit() needs the same few pieces every time; the arch layer
 * ships them (lib/arch/aarch64/vm_glue.c, freestanding configuration only):
 *
 * - av_arch_vm_exit(): the arch exit record as a `struct av_exit`;
 * - the `struct av_vm_ops` hooks that reach the live EL1 state of the loaded vCPU:
 *   av_arch_vm_el1_get() / av_arch_vm_el1_put() (the lazy EL1 save of the dispatcher,
 *   including #AV_VM_EL1_FPSIMD for lazily switched FP/SIMD registers),
 *   av_arch_vm_fetch_insn() (the instruction at the guest PC for ISV = 0 MMIO: guest
 *   stage 1 by AT S1E1R, then the VM's stage-2 table) and av_arch_vm_debug_changed()
 *   (breakpoint and watchpoint changes to the hardware); #AV_ARCH_VM_OPS fills them in;
 * - identity memory callbacks for av_s2_init() (#AV_ARCH_MM_OPS_IDENTITY), for an EL2
 *   that runs on an identity map.
 *
 * The hooks move only the registers `vcpu->el1_regs` names and have no other effect; in
 * particular they never touch the virtual timer (av_arch_el1_save() parks it, which is
 * right for a vCPU switch but would stop the guest's timer on every MMIO exit: it is no
 * hook). They find the vCPU's arch state through the pCPU (`av_arch_this_cpu()`): they
 * must run on the pCPU that ran @p vcpu last, with it still loaded, which is where
 * av_vm_handle_exit() calls them.
 */
#ifndef ARMVIRT_ARCH_AARCH64_VM_H
#define ARMVIRT_ARCH_AARCH64_VM_H

#include <armvirt/arch/aarch64.h>
#include <armvirt/s2.h>
#include <armvirt/vm.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * The exit av_arch_vcpu_run() returned (@p kind, its result, and the record @p ax) as
 * av_vm_handle_exit() takes it. The two kind enumerations have the same values.
 * @param kind what av_arch_vcpu_run() returned (an `AV_ARCH_EXIT_*` kind)
 * @param ax the exit record it filled
 * @return the exit for av_vm_handle_exit()
 */
static inline struct av_exit av_arch_vm_exit(unsigned kind, const struct av_arch_exit *ax)
{
	struct av_exit e;

	e.kind = (enum av_exit_kind)kind;
	e.esr = ax->esr;
	e.far = ax->far;
	e.hpfar = ax->hpfar;
	return e;
}

/**
 * av_vm_ops::el1_get: copy the live EL1 registers `vcpu->el1_regs` names into
 * `vcpu->ctxt.el1`; with #AV_VM_EL1_FPSIMD, the V registers into `vcpu->ctxt.regs` if the
 * vCPU owns the FP/SIMD unit of this pCPU (av_arch_fpsimd_sync()).
 * @p vcpu must be the vCPU loaded on this pCPU, as av_vm_handle_exit() guarantees (a
 * vCPU's exits are handled on the pCPU running it); the hook does not check it, because it
 * runs on every MMIO exit (about 6 instructions each time). Called for another vCPU, it
 * would copy the loaded vCPU's registers.
 * @param cookie unused
 * @param vcpu the vCPU loaded on this pCPU
 */
void av_arch_vm_el1_get(void *cookie, struct av_vcpu *vcpu);

/**
 * av_vm_ops::el1_put: write the registers `vcpu->el1_regs` names from `vcpu->ctxt.el1`
 * back to the live EL1 registers (nothing when the mask is 0); with #AV_VM_EL1_FPSIMD,
 * the V registers back to the FP/SIMD unit if the vCPU owns it (av_arch_fpsimd_reload()).
 * @p vcpu must be the vCPU loaded on this pCPU (not checked, as for
 * av_arch_vm_el1_get()).
 * @param cookie unused
 * @param vcpu the vCPU loaded on this pCPU
 */
void av_arch_vm_el1_put(void *cookie, struct av_vcpu *vcpu);

/**
 * av_vm_ops::fetch_insn for the loaded vCPU: translate @p pc_va through the guest's stage 1
 * (AT S1E1R; PAR_EL1 is preserved), then through the VM's stage-2 table (`av_vm_config::s2`,
 * av_s2_translate()), and read the 32-bit instruction through the table's
 * `phys_to_virt`. Only a readable or executable Normal-memory leaf is read, never a device.
 * It reads the table without a lock, like av_s2_translate(): it must not run concurrently
 * with a writer of the table. A host that changes the table while vCPUs run (e.g. dirty
 * logging, map or unmap from another pCPU) must serialise those writers against this
 * fetch itself (av_vm_handle_exit() calls it for an ISV = 0 data abort, under no lock of
 * the library's).
 * @param cookie unused
 * @param vcpu the vCPU loaded on this pCPU (its VM's stage-2 table is used)
 * @param pc_va the guest virtual address of the instruction
 * @param insn receives the instruction
 * @return 0; -AV_EFAULT (stage 1 or 2 fault, misaligned PC, device memory, or @p vcpu is
 *         not the vCPU loaded on this pCPU: the stage-1 walk uses the live EL1 state);
 *         -AV_EINVAL (the VM has no stage-2 table)
 */
int av_arch_vm_fetch_insn(void *cookie, struct av_vcpu *vcpu, uint64_t pc_va, uint32_t *insn);

/**
 * av_vm_ops::debug_changed: if @p vcpu is the vCPU loaded on this pCPU, load its changed
 * breakpoint and watchpoint state into the hardware (av_arch_vcpu_debug_reload()).
 * @param cookie unused
 * @param vcpu the vCPU whose debug registers changed
 */
void av_arch_vm_debug_changed(void *cookie, struct av_vcpu *vcpu);

/**
 * The arch hooks of `struct av_vm_ops`, for a designated initialiser:
 * `static const struct av_vm_ops ops = { AV_ARCH_VM_OPS, .lock = ..., ... };`
 */
#define AV_ARCH_VM_OPS                                                                        \
	.fetch_insn = av_arch_vm_fetch_insn, .el1_get = av_arch_vm_el1_get,                   \
	.el1_put = av_arch_vm_el1_put, .debug_changed = av_arch_vm_debug_changed

/**
 * av_mm_ops::phys_to_virt for an EL2 identity map.
 * @param cookie unused
 * @param pa a physical address
 * @return @p pa itself, as a pointer
 */
void *av_arch_mm_phys_to_virt(void *cookie, uint64_t pa);
/**
 * av_mm_ops::virt_to_phys for an EL2 identity map.
 * @param cookie unused
 * @param va a hypervisor virtual address
 * @return @p va itself, as a number
 */
uint64_t av_arch_mm_virt_to_phys(void *cookie, void *va);
/**
 * av_mm_ops::free for tables that live as long as the hypervisor: keeps the page.
 * @param cookie unused
 * @param va the page
 * @param size its size
 */
void av_arch_mm_keep(void *cookie, void *va, size_t size);

/**
 * The identity map, the arch TLB callbacks (the cookie starts with a
 * `struct av_arch_s2_tlb`) and the cache clean of `struct av_mm_ops`, for a designated
 * initialiser: `{ .zalloc = my_zalloc, .free = av_arch_mm_keep, AV_ARCH_MM_OPS_IDENTITY }`.
 */
#define AV_ARCH_MM_OPS_IDENTITY                                                               \
	.phys_to_virt = av_arch_mm_phys_to_virt, .virt_to_phys = av_arch_mm_virt_to_phys,     \
	.clean_poc = av_arch_s2_clean_poc, .tlbi_ipa = av_arch_s2_tlbi_ipa,                   \
	.tlbi_vmid = av_arch_s2_tlbi_vmid

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_ARCH_AARCH64_VM_H */
