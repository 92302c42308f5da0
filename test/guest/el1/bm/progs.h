/* SPDX-License-Identifier: MIT */
/*
 * Guest test programs embedded in the multi-VM images: BM_PROG_PAYLOAD(name) names the
 * bytes of test/guest/el1/<name>.bin, linked in by payload-prog-<name>.S.
 */
#ifndef ARMVIRT_BM_PROGS_H
#define ARMVIRT_BM_PROGS_H

#include "bm.h"

#define BM_PROG_DECLARE(p) extern const char bm_prog_##p##_start[], bm_prog_##p##_end[]
#define BM_PROG_PAYLOAD(p) BM_EMBEDDED(bm_prog_##p##_start, bm_prog_##p##_end)

/* The contract layout of doc/guest-tests.md: 128 MiB, PL011, GIC, one vCPU. */
#define BM_TEST_VM(nm, p) \
	.name = (nm), .ram_size = BM_MIB(128), .nr_vcpus = 1, .kernel = BM_PROG_PAYLOAD(p)

#endif
