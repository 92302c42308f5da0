/* SPDX-License-Identifier: MIT */
/*
 * The configuration of armvirt-bm-<prog>.bin: one VM running the EL1 guest test program
 * BM_PROG (test/guest/el1), embedded in the hypervisor image by payload-<prog>.S.
 * Two vCPUs (the sgi, psci and fpsimd programs need them): run with -smp 2 or more.
 */
#include "bm.h"

#ifndef BM_PROG
#error "BM_PROG names the embedded guest program"
#endif

#ifndef BM_TEST_PMU
#define BM_TEST_PMU 0 /* the pmu program's image: 1 */
#endif

extern const char bm_payload_start[], bm_payload_end[];

const struct bm_vm_desc bm_vms[] = {
	{
		.name = BM_PROG,
		.ram_size = BM_MIB(128),
		.nr_vcpus = 2,
		.first_pcpu = 0,
		.kernel = BM_EMBEDDED(bm_payload_start, bm_payload_end),
		.devices = BM_DEV_ALL,
		.pmu = BM_TEST_PMU,
	},
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
