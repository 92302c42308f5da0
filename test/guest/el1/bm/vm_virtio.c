/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-virtio.bin / armvirt-bm-virtio_ro.bin: one VM running the virtio guest program
 * (doc/guest-tests.md, "The virtio program") with a virtio-blk on its test disk and a
 * virtio-rng from RNDR. QEMU loads the disk image (test/guest/el1/virtio-disk.img, 64 KiB:
 * the capacity the program checks) with
 *   -device loader,file=virtio-disk.img,addr=0x50000000,force-raw=on
 * BM_VIRTIO_RO: the disk is read-only. The bootargs tell the program what it was given.
 */
#include "progs.h"

BM_PROG_DECLARE(virtio);

#ifdef BM_VIRTIO_RO
#define VIRTIO_DISK BM_DISK_RO(0x50000000ull, 0x10000)
#define VIRTIO_ARGS "virtio-blk=ro virtio-rng=1"
#else
#define VIRTIO_DISK BM_DISK(0x50000000ull, 0x10000)
#define VIRTIO_ARGS "virtio-blk=rw virtio-rng=1"
#endif

const struct bm_vm_desc bm_vms[] = {
	{ BM_TEST_VM("virtio", virtio), .cmdline = VIRTIO_ARGS,
	  .devices = BM_DEV_ALL | BM_DEV_VIRTIO_RNG, .disk = VIRTIO_DISK },
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
