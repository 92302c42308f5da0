/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-pmu2.bin: two VMs with a PMU running the pmu guest program, both on pCPU 0 at
 * the same priority, so that each one's PMU checks run while the other's counters are
 * switched out and in again (its isolation check yields to the other VM 70 times).
 */
#include "progs.h"

BM_PROG_DECLARE(pmu);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("vm0", pmu), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL, .pmu = true },
	{ BM_TEST_VM("vm1", pmu), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL, .pmu = true },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
