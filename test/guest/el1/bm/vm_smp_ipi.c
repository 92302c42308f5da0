/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-smp_ipi.bin: one VM with 4 vCPUs free to migrate over every pCPU, running the
 * smp_ipi guest program (secondaries through PSCI CPU_ON, SGIs between vCPUs on different
 * pCPUs delivered with kicks). Run with -smp 2 (overcommitted) and -smp 4.
 */
#include "progs.h"

BM_PROG_DECLARE(smp_ipi);

const struct bm_vm_desc bm_vms[] = {
	{ .name = "smp_ipi", .ram_size = BM_MIB(128), .nr_vcpus = 4, .affinity = BM_ALL_PCPUS,
	  .prio = 10, .kernel = BM_PROG_PAYLOAD(smp_ipi), .devices = BM_DEV_ALL },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
