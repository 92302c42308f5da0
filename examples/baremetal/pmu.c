/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, the guests' PMUv3 (doc/debug-pmu.md, "PMU"): the hypervisor keeps no counter
 * for itself (MDCR_EL2.HPMN = PMCR_EL0.N); every guest access traps (MDCR_EL2.TPM, TPMCR)
 * and lib/pmu.c answers it on the hardware, so EL2 is never counted and the state moves
 * with the vCPU only once the guest has used it. The overflow interrupt is PPI 23 at the
 * physical GIC, looked at by the hypervisor and given to the loaded vCPU as the level of
 * its own PPI 23 in the vGIC (GICv2 and GICv3 alike).
 */
#include "bm_internal.h"

bool bm_pmu_present(void)
{
	return (trap_features & AV_TRAP_FEAT_PMU) && pmcr_n > 0;
}

/* Every pCPU: the PMU quiet (nothing counts or interrupts), its PPI enabled. */
void bm_pmu_cpu_init(void)
{
	static const struct av_pmu_hw_ops quiet_ops = {
		.read = av_arch_pmu_read,
		.write = av_arch_pmu_write,
	};

	if (!bm_pmu_present())
		return;
	av_pmu_hw_quiet(&quiet_ops, NULL);
	port_irq_enable(PORT_PPI_PMU);
}

static void pmu_set_irq(void *cookie, bool level)
{
	struct bm_vcpu *bv = cookie;

	av_vgic_set_level(&bv->vm->vgic, bv->v.index, AV_VIRT_PMU_INTID, level, NULL);
}

static const struct av_pmu_hw_ops bm_pmu_ops = {
	.read = av_arch_pmu_read,
	.write = av_arch_pmu_write,
	.set_irq = pmu_set_irq,
};

/* A vCPU of a VM with a PMU: all the hardware's event counters are its own. */
int bm_pmu_vcpu_init(struct bm_vcpu *bv)
{
	int rc = av_pmu_init(&bv->pmu, &bm_pmu_ops, bv, pmcr_n);

	if (!rc)
		bv->arch.pmu = &bv->pmu;
	return rc;
}

/* PSCI CPU_ON of a vCPU (its state not live anywhere): its PMU back to reset values and
 * its overflow line low. */
void bm_pmu_vcpu_reset(struct bm_vcpu *bv)
{
	if (!bv->arch.pmu)
		return;
	if (bv->pmu.line)
		pmu_set_irq(bv, false);
	bm_pmu_vcpu_init(bv);
}

/* The physical overflow interrupt: fold it into the loaded vCPU's PMU. Its hardware flags
 * are cleared there, so the line is low again when the caller deactivates it. */
void bm_pmu_irq(struct bm_vcpu *loaded)
{
	if (loaded && loaded->arch.pmu)
		av_pmu_sync(loaded->arch.pmu);
}

/* The PMU registers of a VM with a PMU (the others keep the library's RAZ/WI rows). */
enum av_access_result bm_sys_pmu(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *v = ctx->vcpu;
	struct bm_vcpu *bv = v->host;

	return av_pmu_access(bv->arch.pmu, ctx->key, ctx->is_write, val,
			     (unsigned)AV_FIELD_GET(AV_GENMASK(3, 2), v->ctxt.regs.pstate));
}
