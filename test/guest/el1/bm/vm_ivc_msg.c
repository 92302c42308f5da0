/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-ivc_msg.bin: three VMs running the ivc_msg guest program (doc/guest-tests.md,
 * "Multi-VM programs"): one vCPU each, free to migrate; VM 0 may send to VMs 1 and 2 and
 * they may answer it, 1 -> 2 and 2 -> 1 are not declared (the DENIED cases).
 */
#include "progs.h"

BM_PROG_DECLARE(ivc_msg);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("vm0", ivc_msg), .affinity = BM_ALL_PCPUS, .prio = 10, .devices = BM_DEV_ALL },
	{ BM_TEST_VM("vm1", ivc_msg), .affinity = BM_ALL_PCPUS, .prio = 10, .devices = BM_DEV_ALL,
	  .first_pcpu = 1 },
	{ BM_TEST_VM("vm2", ivc_msg), .affinity = BM_ALL_PCPUS, .prio = 10, .devices = BM_DEV_ALL,
	  .first_pcpu = 2 },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 0, 2 }, { 1, 0 }, { 2, 0 } };
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 4 };
