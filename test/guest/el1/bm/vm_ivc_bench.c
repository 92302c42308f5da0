/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-ivc_bench.bin: two VMs running the ivc_bench guest program, both pinned to
 * pCPU 0 with equal priorities: every PING/PONG is a VM -> VM world switch on one pCPU.
 */
#include "progs.h"

BM_PROG_DECLARE(ivc_bench);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("vm0", ivc_bench), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL },
	{ BM_TEST_VM("vm1", ivc_bench), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 1, 0 } };
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 2 };
