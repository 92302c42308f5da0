/* SPDX-License-Identifier: MIT */
/*
 * The configuration of armvirt-bm-firmware.bin: two VMs booting firmware at the same time
 * (doc/baremetal.md, "Firmware"; doc/firmware.md), each from its own copy of a VM-spec disk
 * image (scripts/vmspec-image.sh).
 *
 *   edk2   EDK2's QEMU_EFI.fd (qemu-efi-aarch64), loaded by QEMU at BM_FW_EDK2_PA;
 *          its disk image at BM_FW_EDK2_DISK_PA
 *   uboot  U-Boot's qemu_arm64 u-boot.bin (u-boot-qemu), loaded at BM_FW_UBOOT_PA;
 *          its disk image at BM_FW_UBOOT_DISK_PA
 *
 *   qemu-system-aarch64 -M virt,virtualization=on -cpu max -smp 2 -m 2G -nographic \
 *     -kernel armvirt-bm-firmware.bin \
 *     -device loader,file=QEMU_EFI.fd,addr=0x4c000000,force-raw=on \
 *     -device loader,file=u-boot.bin,addr=0x4c400000,force-raw=on \
 *     -device loader,file=edk2.img,addr=0x50000000,force-raw=on \
 *     -device loader,file=uboot.img,addr=0x58000000,force-raw=on
 *
 * Each VM: one vCPU on its own pCPU, 512 MiB of RAM, a 4 MiB code bank, the default 2 MiB
 * variable bank (EDK2 keeps its 768 KiB variable store at its start, U-Boot its 256 KiB
 * environment), the PL011, the PL031 (UEFI GetTime) and a 128 MiB read-write virtio-blk
 * disk (an image smaller than that is padded; its backup GPT belongs at the end: see
 * test/guest/baremetal-firmware.sh).
 */
#include "bm.h"

#define BM_FW_EDK2_PA 0x4c000000ull
#define BM_FW_UBOOT_PA 0x4c400000ull
#define BM_FW_EDK2_DISK_PA 0x50000000ull
#define BM_FW_UBOOT_DISK_PA 0x58000000ull
#define BM_FW_DISK_SIZE BM_MIB(128)

const struct bm_vm_desc bm_vms[] = {
	{
		.name = "edk2",
		.ram_size = BM_MIB(512),
		.nr_vcpus = 1,
		.first_pcpu = 0,
		.devices = BM_DEV_ALL,
		.firmware = BM_FIRMWARE(BM_FW_EDK2_PA, BM_MIB(4)),
		.disk = BM_DISK(BM_FW_EDK2_DISK_PA, BM_FW_DISK_SIZE),
	},
	{
		.name = "uboot",
		.ram_size = BM_MIB(512),
		.nr_vcpus = 1,
		.first_pcpu = 1,
		.devices = BM_DEV_ALL,
		.firmware = BM_FIRMWARE(BM_FW_UBOOT_PA, BM_MIB(4)),
		.disk = BM_DISK(BM_FW_UBOOT_DISK_PA, BM_FW_DISK_SIZE),
	},
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
