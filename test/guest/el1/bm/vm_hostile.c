/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-hostile.bin: the hostile guest program in VM 0 and the victim program in
 * VMs 1 and 2 (doc/guest-tests.md). Pairs 0 -> 1, 1 -> 0, 1 -> 2 only; the buffer
 * `victim_ro` is read-write for VM 1, read-only for VM 0, invisible to VM 2. The hostile
 * VM has nothing but its RAM, the GIC, a PL011 and the buffer in its IPA space.
 */
#include "progs.h"

BM_PROG_DECLARE(hostile);
BM_PROG_DECLARE(victim);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("hostile", hostile), .affinity = BM_ALL_PCPUS, .prio = 10,
	  .devices = BM_DEV_PL011 },
	{ BM_TEST_VM("victim1", victim), .affinity = BM_ALL_PCPUS, .prio = 10,
	  .devices = BM_DEV_ALL, .first_pcpu = 1 },
	{ BM_TEST_VM("victim2", victim), .affinity = BM_ALL_PCPUS, .prio = 10,
	  .devices = BM_DEV_ALL, .first_pcpu = 2 },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 1, 0 }, { 1, 2 } };
static const struct bm_ivc_buf bufs[] = {
	{ .name = "victim_ro", .size = 0x2000,
	  .view = { [0] = { BM_IVC_RO, 0x50000000 }, [1] = { BM_IVC_RW, 0x50000000 } } },
};
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 3, .bufs = bufs, .nr_bufs = 1 };
