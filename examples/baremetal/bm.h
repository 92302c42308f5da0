/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm: the bare-metal (type-1) hypervisor example. This header is the VM
 * description a configuration file (vm_*.c) fills with designated initialisers; main.c
 * turns each description into a running VM (doc/baremetal.md).
 */
#ifndef ARMVIRT_BM_H
#define ARMVIRT_BM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a guest payload (kernel Image or initrd) comes from. */
enum bm_payload_kind {
	BM_PAYLOAD_NONE = 0,     /* no payload */
	BM_PAYLOAD_EMBEDDED,     /* linked into the hypervisor image (.incbin) */
	BM_PAYLOAD_LOADER,       /* put in physical RAM at @addr by QEMU's -device loader */
	BM_PAYLOAD_BOARD_INITRD, /* QEMU's -initrd: /chosen linux,initrd-start/end of the board DTB */
};

struct bm_payload {
	enum bm_payload_kind kind;
	const void *start; /* BM_PAYLOAD_EMBEDDED: first byte */
	const void *end;   /* BM_PAYLOAD_EMBEDDED: one past the last byte */
	uint64_t addr;     /* BM_PAYLOAD_LOADER: physical address of the file */
};

#define BM_EMBEDDED(s, e) { .kind = BM_PAYLOAD_EMBEDDED, .start = (s), .end = (e) }
#define BM_LOADER(pa) { .kind = BM_PAYLOAD_LOADER, .addr = (pa) }
#define BM_BOARD_INITRD { .kind = BM_PAYLOAD_BOARD_INITRD }

/* Emulated devices a VM gets besides its GIC (bm_vm_desc::devices). */
#define BM_DEV_PL011      (1u << 0) /* console UART at 0x0900_0000, SPI 1 */
#define BM_DEV_PL031      (1u << 1) /* RTC at 0x0901_0000, SPI 2, time from the board's RTC */
#define BM_DEV_VIRTIO_RAZ (1u << 2) /* the 32 virtio-mmio slots, read-as-zero (no device) */
#define BM_DEV_ALL        (BM_DEV_PL011 | BM_DEV_PL031 | BM_DEV_VIRTIO_RAZ)

#define BM_MIB(n) ((uint64_t)(n) << 20)

/* One VM, described statically. */
struct bm_vm_desc {
	const char *name;          /* console prefix, statistics */
	uint64_t ram_size;         /* guest RAM at IPA 0x4000_0000, a multiple of 2 MiB */
	unsigned nr_vcpus;         /* vCPU i runs on pCPU first_pcpu + i (pinned) */
	unsigned first_pcpu;
	struct bm_payload kernel;  /* arm64 Image */
	struct bm_payload initrd;  /* optional */
	/* Kernel command line; NULL: the board's /chosen/bootargs (QEMU -append), else none. */
	const char *cmdline;
	unsigned devices;          /* BM_DEV_* */
	unsigned gic_version;      /* 0: the board's (2 or 3); a VM's GIC follows the board's */
};

/* The configuration: provided by one vm_*.c per hypervisor image. */
extern const struct bm_vm_desc bm_vms[];
extern const unsigned bm_nr_vms;

#endif
