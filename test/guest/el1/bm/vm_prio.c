/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-prio.bin and armvirt-bm-prio_eq.bin: two VMs running the prio (or prio_eq)
 * guest program, both pinned to pCPU 0. prio: VM 0 has priority 20, VM 1 10 (a busy VM 0
 * starves VM 1, doc/sched.md rule 3). prio_eq: both 10, sharing pCPU 0 by round robin
 * with the default 10 ms slice (rule 2).
 */
#include "progs.h"

#ifdef BM_PRIO_EQ
BM_PROG_DECLARE(prio_eq);
#define PROG prio_eq
#define PRIO0 10
#else
BM_PROG_DECLARE(prio);
#define PROG prio
#define PRIO0 20
#endif

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("vm0", PROG), .first_pcpu = 0, .prio = PRIO0, .devices = BM_DEV_ALL },
	{ BM_TEST_VM("vm1", PROG), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 1, 0 } };
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 2 };
