/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-linux-multi.bin: two Linux VMs with 2 vCPUs each and the sgi guest test
 * program (2 vCPUs), all at once, every vCPU free to migrate over every pCPU with equal
 * priorities. On -smp 4 and on -smp 2 (6 vCPUs on 2 pCPUs: overcommitted).
 *
 * Both Linux VMs get their own copy of the same payload: the Image QEMU loaded at
 * 0x4400_0000 (-device loader) and the initramfs (-initrd), and the command line (-append).
 * Board RAM: 2 GiB (-m 2G), of which the VMs take 512 + 512 + 128 MiB from the top.
 *
 * Each Linux VM has a virtio-console, a virtio-rng and its own 32 MiB disk: linux0's
 * read-write at 0x5000_0000, linux1's read-only at 0x5200_0000 (QEMU -device loader; absent
 * when nothing is loaded there). test/guest/baremetal-virtio.sh (disks).
 */
#include "progs.h"

BM_PROG_DECLARE(sgi);

#define BM_LINUX_IMAGE_PA 0x44000000ull
#define LINUX_VM(nm, cpu, dsk) \
	{ .name = (nm), .ram_size = BM_MIB(512), .nr_vcpus = 2, .first_pcpu = (cpu), \
	  .affinity = BM_ALL_PCPUS, .prio = 10, .kernel = BM_LOADER(BM_LINUX_IMAGE_PA), \
	  .initrd = BM_BOARD_INITRD, .cmdline = NULL, \
	  .devices = BM_DEV_ALL | BM_DEV_VIRTIO_CONSOLE | BM_DEV_VIRTIO_RNG, .disk = dsk }

const struct bm_vm_desc bm_vms[] = {
	LINUX_VM("linux0", 0, BM_DISK(0x50000000ull, BM_MIB(32))),
	LINUX_VM("linux1", 2, BM_DISK_RO(0x52000000ull, BM_MIB(32))),
	{ .name = "sgi", .ram_size = BM_MIB(128), .nr_vcpus = 2, .first_pcpu = 1,
	  .affinity = BM_ALL_PCPUS, .prio = 10, .kernel = BM_PROG_PAYLOAD(sgi),
	  .devices = BM_DEV_ALL },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
