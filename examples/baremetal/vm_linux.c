/* SPDX-License-Identifier: MIT */
/*
 * The configuration of armvirt-bm-linux.bin: one Linux VM.
 *
 * The kernel Image is not part of the hypervisor: QEMU puts it at BM_LINUX_IMAGE_PA with
 * `-device loader,file=Image,addr=0x44000000,force-raw=on`, the initramfs with `-initrd`
 * (QEMU reports it in the board DTB's /chosen) and the command line with `-append` (the
 * board's /chosen/bootargs). The hypervisor copies both into the VM's RAM and writes the
 * VM's own DTB. See doc/baremetal.md.
 *
 * Virtio: a 32 MiB read-write disk whose image QEMU loads at BM_LINUX_DISK_PA
 * (`-device loader,file=disk.img,addr=0x50000000,force-raw=on`; without it the disk is
 * absent), a virtio-console (console=hvc0) and a virtio-rng (on a CPU with RNDR).
 */
#include "bm.h"

#define BM_LINUX_IMAGE_PA 0x44000000ull
#define BM_LINUX_DISK_PA 0x50000000ull

const struct bm_vm_desc bm_vms[] = {
	{
		.name = "linux0",
		.ram_size = BM_MIB(512),
		.nr_vcpus = 2,
		.first_pcpu = 0,
		.kernel = BM_LOADER(BM_LINUX_IMAGE_PA),
		.initrd = BM_BOARD_INITRD,
		.cmdline = NULL, /* QEMU -append */
		.devices = BM_DEV_ALL | BM_DEV_VIRTIO_CONSOLE | BM_DEV_VIRTIO_RNG,
		.disk = BM_DISK(BM_LINUX_DISK_PA, BM_MIB(32)),
		.pmu = true,
	},
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
