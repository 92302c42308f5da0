/* SPDX-License-Identifier: MIT */
/*
 * psci: CPU_ON / CPU_OFF / AFFINITY_INFO / PSCI_FEATURES, and SYSTEM_OFF at the end (the
 * run only ends cleanly if it works). CPU_ON of an unknown MPIDR is INVALID_PARAMETERS,
 * of a running vCPU ALREADY_ON; a started vCPU enters at EL1 with x0 = the context id and
 * its own MPIDR; after CPU_OFF it can be started again.
 */
#include "rt.h"

const char *rt_prog = "psci";

#define WAIT_US 1000000

static volatile uint32_t sec_running, sec_stop;
static volatile uint64_t sec_ctx, sec_el, sec_mpidr, sec_daif;

static void secondary_main(unsigned cpu)
{
	sec_ctx = cpu;
	sec_el = (read_sysreg(CurrentEL) >> 2) & 3;
	sec_mpidr = rt_mpidr_aff();
	sec_daif = read_sysreg(daif);
	dmb(sy);
	sec_running = sec_running + 1;
	rt_sev();
	while (!sec_stop)
		rt_wfe();
}

static int64_t wait_affinity(uint64_t mpidr, int64_t want)
{
	uint64_t end = rt_cntvct() + read_sysreg(cntfrq_el0);
	int64_t aff;

	do {
		aff = rt_psci(PSCI_AFFINITY_INFO_64, mpidr, 0, 0);
		__asm__ volatile("yield" : : : "memory");
	} while (aff != want && rt_cntvct() < end);
	return aff;
}

static uint64_t unknown_mpidr(void)
{
	uint64_t cand = 0xfe00; /* Aff1 = 0xfe */

	for (unsigned i = 0; i < rt_plat.ncpus; i++)
		if (rt_plat.mpidr[i] == cand)
			cand += 0x10000;
	return cand;
}

static void start_stop(unsigned target, unsigned round)
{
	const char *on = round ? "restart" : "cpu_on";
	uint64_t m = rt_plat.mpidr[target];
	uint32_t before = sec_running;
	int64_t rc;

	sec_stop = 0;
	rc = rt_cpu_on(target, secondary_main);
	if (!rt_check(rc == PSCI_RET_SUCCESS, on, "CPU_ON(0x%lx) = %ld", m, rc))
		return;
	if (!rt_check(rt_wait_us(&sec_running, before + 1, WAIT_US), round ? "restart_runs" : "runs",
		      "vCPU %u never ran", target))
		return;
	if (round == 0) {
		rt_check(sec_ctx == target && sec_el == 1 && sec_mpidr == m, "entry_state",
			 "context id %lu (want %u), EL%lu, MPIDR 0x%lx (want 0x%lx)", sec_ctx, target,
			 sec_el, sec_mpidr, m);
		rc = rt_cpu_on(target, secondary_main);
		rt_check(rc == PSCI_RET_ALREADY_ON, "already_on", "CPU_ON of a running vCPU = %ld, want -4",
			 rc);
		rc = rt_psci(PSCI_AFFINITY_INFO_64, m, 0, 0);
		rt_check(rc == PSCI_AFF_ON, "affinity_on", "AFFINITY_INFO = %ld, want 0", rc);
	}
	sec_stop = 1;
	rt_sev();
	rc = wait_affinity(m, PSCI_AFF_OFF);
	rt_check(rc == PSCI_AFF_OFF, round ? "restart_off" : "affinity_off",
		 "AFFINITY_INFO after CPU_OFF = %ld, want 1", rc);
}

void test_main(void)
{
	unsigned self = rt_cpu_index(), target = self == 0 ? 1 : 0;
	int64_t v = rt_psci(PSCI_VERSION, 0, 0, 0), rc;
	uint64_t bad = unknown_mpidr();

	rt_check(v >= 0x2, "version", "PSCI_VERSION 0x%lx", (uint64_t)v);
	if (v >= 0x10000) {
		static const uint32_t fids[] = { PSCI_CPU_ON_64, PSCI_CPU_OFF, PSCI_AFFINITY_INFO_64,
						 PSCI_SYSTEM_OFF, PSCI_VERSION };
		unsigned bad_features = 0;

		for (unsigned i = 0; i < sizeof(fids) / sizeof(fids[0]); i++) {
			rc = rt_psci(PSCI_FEATURES, fids[i], 0, 0);
			if (rc < 0) {
				rt_printf("%s: PSCI_FEATURES(0x%x) = %ld\n", rt_prog, fids[i], rc);
				bad_features++;
			}
		}
		rt_check(bad_features == 0, "features", "%u functions reported unsupported",
			 bad_features);
		rc = rt_psci(PSCI_FEATURES, 0xC400FFF0u, 0, 0);
		rt_check(rc == PSCI_RET_NOT_SUPPORTED, "features_unknown",
			 "PSCI_FEATURES(unknown) = %ld, want -1", rc);
	}
	rc = rt_psci(PSCI_CPU_ON_64, bad, (uint64_t)rt_park, 0);
	rt_check(rc == PSCI_RET_INVALID_PARAMS, "cpu_on_unknown",
		 "CPU_ON(0x%lx) = %ld, want -2 (INVALID_PARAMETERS)", bad, rc);
	rc = rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[self], (uint64_t)rt_park, 0);
	rt_check(rc == PSCI_RET_ALREADY_ON, "cpu_on_self", "CPU_ON(self) = %ld, want -4", rc);
	rc = rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[self], 0, 0);
	rt_check(rc == PSCI_AFF_ON, "affinity_self", "AFFINITY_INFO(self) = %ld, want 0", rc);

	if (rt_plat.ncpus < 2) {
		if (rt_armvirt)
			rt_fail("cpus", "the VM has %u vCPU, the test needs 2", rt_plat.ncpus);
		else
			rt_skip("cpus", "only one CPU");
		return;
	}
	rc = rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[target], 0, 0);
	rt_check(rc == PSCI_AFF_OFF, "affinity_initially_off", "AFFINITY_INFO = %ld, want 1", rc);
	start_stop(target, 0);
	start_stop(target, 1);
	rt_printf("%s: calling SYSTEM_OFF; QEMU must exit with status 0\n", rt_prog);
}
