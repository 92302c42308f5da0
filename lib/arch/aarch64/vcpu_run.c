/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU setup, vCPU load/put and the run loop around the world switch.
 *
 * A vCPU's EL1 state lives in the registers from av_arch_vcpu_load() until
 * av_arch_vcpu_put() (or the load of another vCPU): cpu->loaded says whose it is. While it
 * is loaded, its context's `el1` member is stale; put() writes it back.
 */
#include <armvirt/esr.h>
#include <armvirt/vm.h>

#include "arch_internal.h"
#include "debug_sr.h"

extern char av_arch_vectors[];

/* CNTHCTL_EL2 (E2H = 0): EL1PCTEN (bit 0) lets EL1 read the physical counter; EL1PCEN
 * (bit 1) clear traps the EL1 physical timer, which the hypervisor does not virtualise here. */
#define CNTHCTL_EL1PCTEN (UINT64_C(1) << 0)

/* SPSR_EL2 for entering EL1h (M[3:0] = 0b0101) with D, A, I, F masked. */
#define SPSR_EL1H_DAIF 0x3c5u
/* SCTLR_EL1 RES1 bits (29, 28, 23, 22, 20, 11) with the MMU and caches off. */
#define SCTLR_EL1_RES1 0x30d00800u

/* ARMVIRT_HC_ECHO: x0 = 0, x1..x3 unchanged, as av_vm_handle_exit() answers it. */
const struct av_arch_fast_hvc av_arch_fast_hvc_default[1] = {
	{ .fid = AV_HC_ECHO, .x0 = 0 },
};

void av_arch_cpu_init(struct av_arch_cpu *cpu, unsigned index)
{
	cpu->ctxt = NULL;
	cpu->running = NULL;
	cpu->loaded = NULL;
	cpu->fp_owner = NULL;
	cpu->index = index;
	cpu->cptr = av_read_sysreg(cptr_el2);
	av_write_sysreg(tpidr_el2, (uintptr_t)cpu);
	av_write_sysreg(vbar_el2, (uintptr_t)av_arch_vectors);
	av__arch_debug_cpu_init(cpu);
	av_isb();
}

uint32_t av_arch_trap_features(unsigned *pmcr_n)
{
	uint64_t pfr0 = av_read_sysreg(id_aa64pfr0_el1);
	uint64_t pfr1 = av_read_sysreg(id_aa64pfr1_el1);
	uint64_t isar1 = av_read_sysreg(id_aa64isar1_el1);
	uint64_t isar2 = av_read_sysreg(s3_0_c0_c6_2);   /* ID_AA64ISAR2_EL1 */
	uint64_t mmfr1 = av_read_sysreg(id_aa64mmfr1_el1);
	uint64_t mmfr2 = av_read_sysreg(s3_0_c0_c7_2);   /* ID_AA64MMFR2_EL1 */
	uint64_t dfr0 = av_read_sysreg(id_aa64dfr0_el1);
	uint32_t f = 0;
	unsigned pmuver = (unsigned)AV_FIELD_GET(AV_GENMASK(11, 8), dfr0);

#define FIELD(reg, hi, lo) ((unsigned)AV_FIELD_GET(AV_GENMASK(hi, lo), reg))
	if (FIELD(mmfr1, 11, 8))
		f |= AV_TRAP_FEAT_VHE;
	if (FIELD(pfr0, 7, 4) == 2)
		f |= AV_TRAP_FEAT_AARCH32_EL1;
	if (FIELD(isar1, 7, 4) || FIELD(isar1, 11, 8) || FIELD(isar1, 27, 24) ||
	    FIELD(isar1, 31, 28) || FIELD(isar2, 15, 12) || FIELD(isar2, 11, 8))
		f |= AV_TRAP_FEAT_PAUTH;
	if (FIELD(mmfr1, 19, 16))
		f |= AV_TRAP_FEAT_LOR;
	if (FIELD(pfr0, 31, 28))
		f |= AV_TRAP_FEAT_RAS;
	if (FIELD(mmfr2, 59, 56))
		f |= AV_TRAP_FEAT_EVT;
	if (FIELD(mmfr2, 43, 40))
		f |= AV_TRAP_FEAT_S2FWB;
	if (FIELD(mmfr1, 35, 32))
		f |= AV_TRAP_FEAT_TWED;
	if (FIELD(pfr0, 35, 32))
		f |= AV_TRAP_FEAT_SVE;
	if (FIELD(pfr1, 27, 24))
		f |= AV_TRAP_FEAT_SME;
	if (FIELD(pfr0, 47, 44))
		f |= AV_TRAP_FEAT_AMU;
	if (FIELD(dfr0, 35, 32))
		f |= AV_TRAP_FEAT_SPE;
	if (FIELD(dfr0, 43, 40))
		f |= AV_TRAP_FEAT_TRF;
	if (FIELD(dfr0, 7, 4))
		f |= AV_TRAP_FEAT_TRACE;
	if (FIELD(dfr0, 63, 60))
		f |= AV_TRAP_FEAT_HPMN0;
#undef FIELD
	*pmcr_n = 0;
	if (pmuver != 0 && pmuver != 0xf) {
		f |= AV_TRAP_FEAT_PMU;
		*pmcr_n = (unsigned)AV_FIELD_GET(AV_GENMASK(15, 11), av_read_sysreg(pmcr_el0));
	}
	return f;
}

void av_arch_vcpu_init(struct av_arch_vcpu *v, struct av_ctxt *ctxt, unsigned gic_version,
		       uintptr_t gich_base)
{
	*v = (struct av_arch_vcpu){ 0 };
	v->ctxt = ctxt;
	v->cnthctl = CNTHCTL_EL1PCTEN;
	v->gic_version = gic_version;
	v->gich_base = gich_base;
	v->gic.sre = 1; /* ICC_SRE_EL1.SRE: the guest uses the system-register interface */
}

void av_arch_ctxt_reset(struct av_ctxt *ctxt, uint64_t entry, uint64_t x0, uint64_t mpidr)
{
	*ctxt = (struct av_ctxt){ 0 };
	ctxt->regs.pc = entry;
	ctxt->regs.pstate = SPSR_EL1H_DAIF;
	ctxt->regs.x[0] = x0;
	ctxt->el1.sctlr = SCTLR_EL1_RES1;
	ctxt->el1.vmpidr = mpidr;
	ctxt->el1.vpidr = av_read_sysreg(midr_el1);
}

void av_arch_vcpu_reload_controls(struct av_arch_cpu *cpu, struct av_arch_vcpu *v)
{
	(void)cpu;
	av_write_sysreg(vtcr_el2, v->vtcr);
	av_write_sysreg(vttbr_el2, v->vttbr);
	av_write_sysreg(hcr_el2, v->traps.hcr_el2);
	av_write_sysreg(mdcr_el2, v->traps.mdcr_el2);
	av_write_sysreg(hstr_el2, v->traps.hstr_el2);
	av_write_sysreg(cntvoff_el2, v->cntvoff);
	av_write_sysreg(cnthctl_el2, v->cnthctl);
	/* No ISB: nothing at EL2 depends on these before the ERET into the guest, which
	 * synchronises them (the TLB maintenance of tlb.c sets VTTBR_EL2 itself). */
}

void av_arch_vcpu_put(struct av_arch_cpu *cpu)
{
	struct av_arch_vcpu *v = cpu->loaded;

	if (!v)
		return;
	av_arch_el1_save(&v->ctxt->el1);
	if (v->pmu && v->pmu->live)
		av_pmu_put(v->pmu); /* lib/pmu.c: live only once the guest used its PMU */
	if (v->gic_version == 3)
		av_arch_gic_v3_save(&v->gic);
	else if (v->gic_version == 2)
		av_arch_gic_v2_save(v->gich_base, &v->gic);
	av__arch_debug_switch_out(cpu);
	cpu->loaded = NULL;
}

void av_arch_vcpu_load(struct av_arch_cpu *cpu, struct av_arch_vcpu *v)
{
	if (cpu->loaded == v)
		return;
	av_arch_vcpu_put(cpu);
	av_arch_vcpu_reload_controls(cpu, v);
	av_arch_el1_restore(&v->ctxt->el1);
	if (v->pmu && v->pmu->used)
		av_pmu_load(v->pmu);
	if (v->gic_version == 3)
		av_arch_gic_v3_restore(&v->gic);
	else if (v->gic_version == 2)
		av_arch_gic_v2_restore(v->gich_base, &v->gic);
	av__arch_debug_switch_in(cpu, v);
	cpu->loaded = v;
}

unsigned av_arch_vcpu_run(struct av_arch_cpu *cpu, struct av_arch_vcpu *v,
			  struct av_arch_exit *exit)
{
	av_arch_vcpu_load(cpu, v);
	/* The vectors' fast-hypercall table and the library's fast path: only a vCPU that has
	 * one is announced, so that the exits of the others pay a single load in guest_sync. */
	cpu->running = v->fast_vcpu || (v->fast_hvc && v->nr_fast_hvc) ? v : NULL;
	for (;;) {
		uint64_t cptr = v->traps.cptr_el2;
		unsigned kind;

		/* Lazy FP/SIMD: no trap while this vCPU owns the registers. */
		if (cpu->fp_owner == v)
			cptr &= ~AV_ARCH_CPTR_TFP;
		else
			cptr |= AV_ARCH_CPTR_TFP;
		if (cptr != cpu->cptr) {
			cpu->cptr = cptr;
			av_write_sysreg(cptr_el2, cptr); /* synchronised by the ERET */
		}
		v->entries++;
		kind = (unsigned)av_arch_enter_guest(v->ctxt, cpu);
		if (kind == AV_ARCH_EXIT_SYNC &&
		    AV_FIELD_GET(AV_GENMASK(31, 26), cpu->exit.esr) == AV_ESR_EC_FP_ASIMD &&
		    cpu->fp_owner != v) {
			/* ELR points at the FP instruction: switch and re-execute it. */
			av_arch_fpsimd_switch(cpu, v);
			v->fp_traps++;
			continue;
		}
		cpu->running = NULL;
		*exit = cpu->exit;
		return kind;
	}
}
