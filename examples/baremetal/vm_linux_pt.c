/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-linux-pt.bin: one Linux VM that owns the board's virtio-blk device
 * (QEMU `-device virtio-blk-device`): the hypervisor finds the virtio-mmio transport with
 * device ID 2 at start-up, maps its page into the VM's stage 2 at the same address (device
 * memory), forwards its SPI with a HW-linked list register and describes it in the VM's
 * DTB. There is no SMMU, so the device's DMA uses physical addresses: the VM's RAM is
 * identity-mapped (IPA = PA). vCPUs pinned to pCPUs 0 and 1; the SPI is routed to pCPU 0.
 * The VM's own virtio-mmio slots (a virtio-rng, the rest empty) leave out the page of the
 * passed-through transport (doc/baremetal.md, "Virtio devices").
 */
#include "bm.h"

#define BM_LINUX_IMAGE_PA 0x44000000ull

const struct bm_vm_desc bm_vms[] = {
	{
		.name = "linuxpt",
		.ram_size = BM_MIB(256),
		.ram_identity = true,
		.nr_vcpus = 2,
		.first_pcpu = 0,
		.prio = 10,
		.kernel = BM_LOADER(BM_LINUX_IMAGE_PA),
		.initrd = BM_BOARD_INITRD,
		.cmdline = NULL,
		.devices = BM_DEV_PL011 | BM_DEV_PL031 | BM_DEV_VIRTIO | BM_DEV_VIRTIO_RNG,
		.pt = { .virtio_id = 2 },
	},
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
