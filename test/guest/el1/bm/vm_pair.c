/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-<prog>.bin for the hostile programs that run beside one victim
 * (doc/guest-tests.md, "Hostile programs"): BM_PAIR_PROG in VM 0 ("hostile", BM_PAIR_VCPUS
 * vCPUs, only RAM, the GIC and a PL011 unless BM_PAIR_DEVICES says more), the victim
 * program in VM 1; pairs 0 -> 1 and 1 -> 0. With BM_PAIR_PINNED the hostile VM's vCPU i is
 * pinned to pCPU i mod the pCPUs and the victim to pCPU 1 (so on -smp 2 the hostile vCPUs
 * 0 and 2 share pCPU 0, vCPU 1 shares pCPU 1 with the victim); otherwise every vCPU may run
 * anywhere.
 */
#include "progs.h"

#ifndef BM_PAIR_PROG
#error "BM_PAIR_PROG names the hostile program"
#endif
#ifndef BM_PAIR_VCPUS
#define BM_PAIR_VCPUS 1
#endif
#ifndef BM_PAIR_DEVICES
#define BM_PAIR_DEVICES BM_DEV_PL011
#endif
#ifdef BM_PAIR_PINNED
#define PAIR_AFFINITY 0         /* vCPU i pinned to pCPU i mod the pCPUs */
#define VICTIM_AFFINITY 0       /* pinned to pCPU 1 (first_pcpu) */
#else
#define PAIR_AFFINITY BM_ALL_PCPUS
#define VICTIM_AFFINITY BM_ALL_PCPUS
#endif

#define PAIR_DECLARE(p) BM_PROG_DECLARE(p)
#define PAIR_PAYLOAD(p) BM_PROG_PAYLOAD(p)
PAIR_DECLARE(BM_PAIR_PROG);
BM_PROG_DECLARE(victim);

const struct bm_vm_desc bm_vms[] = {
	{ .name = "hostile", .ram_size = BM_MIB(128), .nr_vcpus = BM_PAIR_VCPUS,
	  .kernel = PAIR_PAYLOAD(BM_PAIR_PROG), .affinity = PAIR_AFFINITY, .prio = 10,
	  .devices = BM_PAIR_DEVICES },
	{ BM_TEST_VM("victim", victim), .affinity = VICTIM_AFFINITY, .prio = 10,
	  .devices = BM_DEV_ALL, .first_pcpu = 1 },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);

static const struct bm_ivc_pair pairs[] = { { 0, 1 }, { 1, 0 } };
/* The victim's own buffer (the victim program checks it in VM 1); the hostile VM has none. */
static const struct bm_ivc_buf bufs[] = {
	{ .name = "victim_ro", .size = 0x2000, .view = { [1] = { BM_IVC_RW, 0x50000000 } } },
};
const struct bm_ivc_desc bm_ivc = { .pairs = pairs, .nr_pairs = 2, .bufs = bufs, .nr_bufs = 1 };
