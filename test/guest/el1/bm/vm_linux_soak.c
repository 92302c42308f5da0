/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-linux-soak.bin: the soak test's two Linux VMs (test/guest/soak.sh, doc/soak.md).
 *
 * linux0 and linux1 have 2 vCPUs each, free to run and migrate on every pCPU at equal
 * priority: on `-smp 2` that is four vCPUs on two pCPUs (overcommitted). Each VM has its own
 * 32 MiB read-write disk (linux0's image at 0x5000_0000, linux1's at 0x5200_0000, loaded by
 * QEMU's -device loader), one port on network 1 of the virtual switch and a virtio-rng. No
 * virtio-console: the guests print on their PL011s. Both get their own copy of the Image
 * QEMU loaded at 0x4400_0000, the initramfs (-initrd) and the command line (-append); board
 * RAM 2 GiB (-m 2G), of which the VMs take 512 + 512 MiB from the top.
 */
#include "progs.h"

#define BM_LINUX_IMAGE_PA 0x44000000ull
#define SOAK_VM(nm, cpu, dsk) \
	{ .name = (nm), .ram_size = BM_MIB(512), .nr_vcpus = 2, .first_pcpu = (cpu), \
	  .affinity = BM_ALL_PCPUS, .prio = 10, .kernel = BM_LOADER(BM_LINUX_IMAGE_PA), \
	  .initrd = BM_BOARD_INITRD, .cmdline = NULL, \
	  .devices = BM_DEV_ALL | BM_DEV_VIRTIO_RNG, .disk = dsk, .nets = { 1 } }

const struct bm_vm_desc bm_vms[] = {
	SOAK_VM("linux0", 0, BM_DISK(0x50000000ull, BM_MIB(32))),
	SOAK_VM("linux1", 1, BM_DISK(0x52000000ull, BM_MIB(32))),
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
