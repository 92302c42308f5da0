/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-flash.bin: one VM running the flash guest program (doc/guest-tests.md) on a
 * variable bank alone (bm_firmware::vars_size, doc/baremetal.md "Firmware"): QEMU virt's
 * 64 MiB bank at 0x0400_0000 in the hypervisor's RAM, the CFI model on the VM's bus and its
 * stage-2 mapping switched with read-array mode. The program checks the values QEMU's
 * pflash gives (qemu.plain.flash): the query table and the status are only read back when
 * leaving read-array mode takes the bank's stage-2 access away.
 */
#include "progs.h"

BM_PROG_DECLARE(flash);

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("flash", flash), .devices = BM_DEV_ALL,
	  .firmware = { .vars_size = BM_MIB(64) } },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
