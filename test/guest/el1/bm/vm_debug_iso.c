/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-debug_iso.bin: two VMs running the debug_iso guest program, both pinned to
 * pCPU 0 with equal priorities, so that every ARMVIRT_HC_YIELD switches between them on the
 * same pCPU: each VM's breakpoints and watchpoints must stay its own (doc/debug-pmu.md).
 */
#include "progs.h"

BM_PROG_DECLARE(debug_iso);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("vm0", debug_iso), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL },
	{ BM_TEST_VM("vm1", debug_iso), .first_pcpu = 0, .prio = 10, .devices = BM_DEV_ALL },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 1, 0 } };
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 2 };
