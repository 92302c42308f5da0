/* SPDX-License-Identifier: MIT */
/*
 * The configuration of armvirt-bm-linux-bench.bin, the bare-metal side of the virtio
 * benchmark (test/bench/virtio-bench.sh bm, doc/benchmarks.md "virtio"): one Linux VM as the
 * issue's benchmark prescribes, 2 vCPUs and 256 MiB, a 128 MiB read-write virtio-blk whose
 * image QEMU loads at BM_BENCH_DISK_PA (`-device loader,file=raw.img,addr=0x50000000,
 * force-raw=on`; the image must not be all zero, or the disk is absent), a virtio-console
 * (console=hvc0). Kernel, initramfs and command line come from QEMU as for
 * armvirt-bm-linux.bin (vm_linux.c).
 */
#include "bm.h"

#define BM_LINUX_IMAGE_PA 0x44000000ull
#define BM_BENCH_DISK_PA 0x50000000ull

const struct bm_vm_desc bm_vms[] = {
	{
		.name = "linux0",
		.ram_size = BM_MIB(256),
		.nr_vcpus = 2,
		.first_pcpu = 0,
		.kernel = BM_LOADER(BM_LINUX_IMAGE_PA),
		.initrd = BM_BOARD_INITRD,
		.cmdline = NULL, /* QEMU -append */
		.devices = BM_DEV_ALL | BM_DEV_VIRTIO_CONSOLE,
		.disk = BM_DISK(BM_BENCH_DISK_PA, BM_MIB(128)),
	},
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
