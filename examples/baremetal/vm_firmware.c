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
 *     -device loader,file=uboot-env.bin,addr=0x4c800000,force-raw=on \
 *     -device loader,file=edk2.img,addr=0x50000000,force-raw=on \
 *     -device loader,file=uboot.img,addr=0x58000000,force-raw=on
 *
 * Each VM: one vCPU on its own pCPU, 512 MiB of RAM, a 4 MiB code bank, the default 2 MiB
 * variable bank (EDK2 keeps its 768 KiB variable store at its start, U-Boot its 256 KiB
 * environment: for the uboot VM the 256 KiB QEMU loaded at BM_FW_UBOOT_ENV_PA, e.g.
 * scripts/vmspec-image.sh's uboot-env.bin with bootdelay=0; nothing loaded there, U-Boot
 * finds no valid environment and uses its default one), the PL011, the PL031 (UEFI GetTime) and a 128 MiB read-write virtio-blk
 * disk (an image smaller than that is padded; its backup GPT belongs at the end: see
 * test/guest/baremetal-firmware.sh).
 *
 * The benchmark's single-VM variants (doc/benchmarks.md, "Firmware boot"), one VM named
 * after what it boots, at the same addresses: armvirt-bm-firmware-edk2.bin
 * (BM_FW_ONE_EDK2), armvirt-bm-firmware-uboot.bin (BM_FW_ONE_UBOOT) and, for direct kernel
 * boot, armvirt-bm-firmware-direct.bin (BM_FW_ONE_DIRECT: the kernel Image loaded at
 * BM_FW_KERNEL_PA, the initramfs with -initrd, the command line with -append, the disk at
 * BM_FW_EDK2_DISK_PA).
 */
#include "bm.h"

#define BM_FW_EDK2_PA 0x4c000000ull
#define BM_FW_UBOOT_PA 0x4c400000ull
#define BM_FW_UBOOT_ENV_PA 0x4c800000ull
#define BM_FW_KERNEL_PA 0x44000000ull
#define BM_FW_EDK2_DISK_PA 0x50000000ull
#define BM_FW_UBOOT_DISK_PA 0x58000000ull
#define BM_FW_DISK_SIZE BM_MIB(128)

/* One VM: 512 MiB, one vCPU on pCPU @cpu, the PL011, the PL031, its disk at @disk_pa. */
#define BM_FW_VM(vm_name, cpu, disk_pa) \
	.name = (vm_name), .ram_size = BM_MIB(512), .nr_vcpus = 1, .first_pcpu = (cpu), \
	.devices = BM_DEV_ALL, .disk = BM_DISK((disk_pa), BM_FW_DISK_SIZE)

const struct bm_vm_desc bm_vms[] = {
#if defined(BM_FW_ONE_DIRECT)
	{
		BM_FW_VM("direct", 0, BM_FW_EDK2_DISK_PA),
		.kernel = BM_LOADER(BM_FW_KERNEL_PA),
		.initrd = BM_BOARD_INITRD,
	},
#else
#if !defined(BM_FW_ONE_UBOOT)
	{
		BM_FW_VM("edk2", 0, BM_FW_EDK2_DISK_PA),
		.firmware = BM_FIRMWARE(BM_FW_EDK2_PA, BM_MIB(4)),
	},
#endif
#if !defined(BM_FW_ONE_EDK2)
	{
		BM_FW_VM("uboot", 1, BM_FW_UBOOT_DISK_PA),
		.firmware = { .addr = BM_FW_UBOOT_PA, .size = BM_MIB(4),
			      .vars_init_addr = BM_FW_UBOOT_ENV_PA, .vars_init_size = 0x40000 },
	},
#endif
#endif
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
