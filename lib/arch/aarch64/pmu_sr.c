/* SPDX-License-Identifier: MIT */
/*
 * The physical PMUv3 at EL2: its registers by AV_SYS_* key, for lib/pmu.c (a guest's PMU,
 * every access trapped) and the vCPU switch (av_arch_vcpu_put()/load() call av_pmu_put()/
 * av_pmu_load() for a vCPU whose av_arch_vcpu::pmu is set; both return at once until the
 * guest has used its PMU).
 */
#include <armvirt/pmu.h>

#include "arch_internal.h"

/* PMEVCNTR<n>_EL0 / PMEVTYPER<n>_EL0 by constant n. */
#define EV_CASES(X) \
	X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) \
	X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) \
	X(29) X(30)
#define RD_EV(n) \
	case AV_SYS_PMEVCNTRn_EL0(n): return av_read_sysreg(pmevcntr##n##_el0); \
	case AV_SYS_PMEVTYPERn_EL0(n): return av_read_sysreg(pmevtyper##n##_el0);
#define WR_EV(n) \
	case AV_SYS_PMEVCNTRn_EL0(n): av_write_sysreg(pmevcntr##n##_el0, val); break; \
	case AV_SYS_PMEVTYPERn_EL0(n): av_write_sysreg(pmevtyper##n##_el0, val); break;

uint64_t av_arch_pmu_read(void *cookie, uint32_t key)
{
	(void)cookie;
	switch (key) {
	case AV_SYS_PMCR_EL0: return av_read_sysreg(pmcr_el0);
	case AV_SYS_PMCNTENSET_EL0: return av_read_sysreg(pmcntenset_el0);
	case AV_SYS_PMCNTENCLR_EL0: return av_read_sysreg(pmcntenclr_el0);
	case AV_SYS_PMOVSSET_EL0: return av_read_sysreg(pmovsset_el0);
	case AV_SYS_PMOVSCLR_EL0: return av_read_sysreg(pmovsclr_el0);
	case AV_SYS_PMINTENSET_EL1: return av_read_sysreg(pmintenset_el1);
	case AV_SYS_PMINTENCLR_EL1: return av_read_sysreg(pmintenclr_el1);
	case AV_SYS_PMSELR_EL0: return av_read_sysreg(pmselr_el0);
	case AV_SYS_PMCEID0_EL0: return av_read_sysreg(pmceid0_el0);
	case AV_SYS_PMCEID1_EL0: return av_read_sysreg(pmceid1_el0);
	case AV_SYS_PMCCNTR_EL0: return av_read_sysreg(pmccntr_el0);
	case AV_SYS_PMUSERENR_EL0: return av_read_sysreg(pmuserenr_el0);
	case AV_SYS_PMCCFILTR_EL0: return av_read_sysreg(pmccfiltr_el0);
	EV_CASES(RD_EV)
	default: return 0;
	}
}

void av_arch_pmu_write(void *cookie, uint32_t key, uint64_t val)
{
	(void)cookie;
	switch (key) {
	case AV_SYS_PMCR_EL0: av_write_sysreg(pmcr_el0, val); break;
	case AV_SYS_PMCNTENSET_EL0: av_write_sysreg(pmcntenset_el0, val); break;
	case AV_SYS_PMCNTENCLR_EL0: av_write_sysreg(pmcntenclr_el0, val); break;
	case AV_SYS_PMOVSSET_EL0: av_write_sysreg(pmovsset_el0, val); break;
	case AV_SYS_PMOVSCLR_EL0: av_write_sysreg(pmovsclr_el0, val); break;
	case AV_SYS_PMINTENSET_EL1: av_write_sysreg(pmintenset_el1, val); break;
	case AV_SYS_PMINTENCLR_EL1: av_write_sysreg(pmintenclr_el1, val); break;
	case AV_SYS_PMSWINC_EL0: av_write_sysreg(pmswinc_el0, val); break;
	case AV_SYS_PMSELR_EL0: av_write_sysreg(pmselr_el0, val); break;
	case AV_SYS_PMCCNTR_EL0: av_write_sysreg(pmccntr_el0, val); break;
	case AV_SYS_PMUSERENR_EL0: av_write_sysreg(pmuserenr_el0, val); break;
	case AV_SYS_PMCCFILTR_EL0: av_write_sysreg(pmccfiltr_el0, val); break;
	EV_CASES(WR_EV)
	default: break;
	}
	/* The next read (or the ERET into the guest) sees the write. */
	av_isb();
}
