/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-shmem.bin: two VMs running the shmem guest program: an 8 KiB buffer `shmem`
 * at IPA 0x5000_0000, read-write for VM 0 and read-only for VM 1 (its stores take a
 * stage-2 permission fault: a synchronous external abort is injected).
 */
#include "progs.h"

BM_PROG_DECLARE(shmem);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("vm0", shmem), .affinity = BM_ALL_PCPUS, .prio = 10, .devices = BM_DEV_ALL },
	{ BM_TEST_VM("vm1", shmem), .affinity = BM_ALL_PCPUS, .prio = 10, .devices = BM_DEV_ALL,
	  .first_pcpu = 1 },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 1, 0 } };
static const struct bm_ivc_buf bufs[] = {
	{ .name = "shmem", .size = 0x2000,
	  .view = { [0] = { BM_IVC_RW, 0x50000000 }, [1] = { BM_IVC_RO, 0x50000000 } } },
};
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 2, .bufs = bufs, .nr_bufs = 1 };
