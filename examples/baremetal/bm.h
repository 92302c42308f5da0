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

/* Where a guest payload (kernel or initrd) comes from. A kernel is an arm64 Image, an ELF64
 * AArch64 executable or a raw binary (loaded at RAM + 0x80000): <armvirt/boot.h> tells
 * which (doc/baremetal.md, "Kernel formats"). */
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
	uint64_t size;     /* BM_PAYLOAD_LOADER: the slot's size, for a kernel without an Image
			      header (whose length the loader does not tell); 0: BM_LOADER_SLOT */
};

/* Default loader slot: an ELF file or raw binary loaded by QEMU is read from at most this
 * many bytes from its address (cut at the board's DTB, initrd and the end of RAM). */
#define BM_LOADER_SLOT (32ull << 20)

#define BM_EMBEDDED(s, e) { .kind = BM_PAYLOAD_EMBEDDED, .start = (s), .end = (e) }
#define BM_LOADER(pa) { .kind = BM_PAYLOAD_LOADER, .addr = (pa) }
#define BM_BOARD_INITRD { .kind = BM_PAYLOAD_BOARD_INITRD }

/* Emulated devices a VM gets besides its GIC (bm_vm_desc::devices). */
#define BM_DEV_PL011      (1u << 0) /* console UART at 0x0900_0000, SPI 1 */
#define BM_DEV_PL031      (1u << 1) /* RTC at 0x0901_0000, SPI 2, time from the board's RTC */
#define BM_DEV_VIRTIO     (1u << 2) /* the 32 virtio-mmio slots: the VM's virtio devices, the
					rest empty (magic "virt", device ID 0) */
#define BM_DEV_VIRTIO_CONSOLE (1u << 3) /* a virtio-console (Linux hvc0), routed like the PL011 */
#define BM_DEV_VIRTIO_RNG (1u << 4) /* a virtio-rng fed from RNDR (absent without FEAT_RNG) */
#define BM_DEV_VIRTIO_RAZ BM_DEV_VIRTIO /* the name before the slots had devices */
#define BM_DEV_ALL        (BM_DEV_PL011 | BM_DEV_PL031 | BM_DEV_VIRTIO)

#define BM_MIB(n) ((uint64_t)(n) << 20)

#define BM_MAX_VCPUS 8      /* per VM (a GICv2 limit, kept for both versions) */
#define BM_MAX_VMS 4        /* per image */
#define BM_MAX_PT_SPIS 4    /* physical SPIs one VM may own */
#define BM_MAX_NETS 2       /* networks one VM may be on */
#define BM_ALL_PCPUS (~(uint64_t)0)

/*
 * A physical device a VM owns (pass-through): an MMIO window mapped into its stage 2 at
 * the same address (device memory) and physical SPIs forwarded with hardware-linked list
 * registers. With @virtio_id set, the window is found at start-up instead: the first of the
 * board's virtio-mmio transports whose MagicValue is "virt" and whose DeviceID is
 * @virtio_id (2 = block), with its SPI.
 */
struct bm_passthrough {
	uint64_t base, size;              /* MMIO window (4 KiB aligned), 0: none */
	uint32_t spis[BM_MAX_PT_SPIS];    /* physical SPI numbers (INTID - 32) */
	unsigned nr_spis;
	unsigned virtio_id;               /* non-zero: probe the virtio-mmio transports */
};

/*
 * A virtio-blk disk in board RAM (doc/baremetal.md, "Virtio devices"): QEMU loads the image
 * with `-device loader,file=IMG,addr=@addr,force-raw=on`; the disk is the @size bytes there
 * (the image, then zeroes up to @size). The region is that device's alone: reserved before
 * any RAM is carved, never mapped into a VM. Nothing non-zero in it: no image was loaded,
 * the device is absent (one line says so). Needs BM_DEV_VIRTIO.
 */
struct bm_disk {
	uint64_t addr;             /* physical address of the image, 4 KiB aligned; 0: no disk */
	uint64_t size;             /* bytes, a multiple of 4 KiB: the disk's capacity */
	bool readonly;             /* VIRTIO_BLK_F_RO: the guest cannot write */
};

#define BM_DISK(pa, sz) { .addr = (pa), .size = (sz) }
#define BM_DISK_RO(pa, sz) { .addr = (pa), .size = (sz), .readonly = true }

/*
 * Firmware boot (doc/baremetal.md, "Firmware"): instead of a kernel, the VM runs a firmware
 * image (EDK2's QEMU_EFI.fd, U-Boot's qemu_arm64 u-boot.bin) from CFI flash, as on QEMU's
 * virt board. QEMU loads the file with `-device loader,file=FW,addr=@addr,force-raw=on`;
 * the @size bytes there are flash bank 0 (IPA 0, the firmware code): reserved before any
 * RAM is carved, mapped read-only into the VM's stage 2 (execute in place, no exit for
 * reads), never writable by it. Bank 1 (IPA 0x0400_0000, the UEFI variable store or
 * U-Boot's environment) is @vars_size bytes of the hypervisor's RAM, erased (all ones) when
 * the hypervisor starts, kept while it runs. Both banks are CFI flash models on the VM's
 * bus: a command leaves read-array mode and the bank's stage-2 mapping loses its access
 * (reads and writes trap to the model) until the guest returns to read-array mode. The
 * VM's DTB is at the start of its RAM, its boot vCPU enters at IPA 0 with x0 = the DTB.
 * @kernel and @initrd must be BM_PAYLOAD_NONE. Nothing non-zero at @addr: the VM does
 * not start (one line says so). With @addr and @size 0 but @vars_size set, the VM boots its
 * kernel as usual and has the variable bank alone (one bank at 0x0400_0000: a guest
 * program that drives the flash, test/guest/el1/flash.c).
 */
struct bm_firmware {
	uint64_t addr;             /* physical address of the file, 2 MiB aligned; 0: no firmware */
	uint64_t size;             /* code bank: a multiple of 2 MiB up to 64 MiB, holding the file */
	uint64_t vars_size;        /* variable bank: a multiple of 2 MiB up to 64 MiB; 0: 2 MiB */
	/* Optional: the variable bank starts with the @vars_init_size bytes QEMU loaded at
	 * @vars_init_addr (`-device loader,...,force-raw=on`; e.g. a U-Boot environment), the
	 * rest erased. Both multiples of 4 KiB; 0: the whole bank starts erased. */
	uint64_t vars_init_addr;
	uint64_t vars_init_size;
};

#define BM_FW_VARS_DEFAULT BM_MIB(2)
#define BM_FIRMWARE(pa, sz) { .addr = (pa), .size = (sz) }

/* One VM, described statically. */
struct bm_vm_desc {
	const char *name;          /* console prefix, statistics */
	uint64_t ram_size;         /* guest RAM, a multiple of 2 MiB, at IPA 0x4000_0000 ... */
	bool ram_identity;         /* ... or at IPA = PA (for DMA-capable pass-through devices) */
	unsigned nr_vcpus;
	/*
	 * Placement: with affinity 0, vCPU i is pinned to pCPU (first_pcpu + i) mod the number
	 * of pCPUs; otherwise every vCPU may run (and migrate) on the pCPUs of @affinity
	 * (bit n = pCPU n; BM_ALL_PCPUS), starting on (first_pcpu + i) mod the number of pCPUs.
	 */
	unsigned first_pcpu;
	uint64_t affinity;
	unsigned prio;             /* scheduler priority 0..31 (higher runs first; doc/sched.md) */
	struct bm_payload kernel;  /* arm64 Image, ELF64 AArch64 executable or raw binary
				      (none with @firmware) */
	struct bm_payload initrd;  /* optional */
	/* Kernel command line; NULL: the board's /chosen/bootargs (QEMU -append), else none. */
	const char *cmdline;
	unsigned devices;          /* BM_DEV_* */
	unsigned gic_version;      /* 0: the board's (2 or 3); a VM's GIC follows the board's */
	uint32_t ivc_doorbell;     /* IVC doorbell INTID; 0: SPI 64 + VM index */
	bool ivc_level;            /* level-triggered doorbell (default edge) */
	struct bm_passthrough pt;  /* pass-through device, if any */
	struct bm_disk disk;       /* virtio-blk from a disk image QEMU loaded, if any */
	struct bm_firmware firmware; /* boot a firmware image from flash instead of a kernel */
	/*
	 * Networks the VM is on (doc/baremetal.md "Networks"): non-zero ids, 0 ends the list;
	 * one virtio-net port each (eth0, eth1 in this order) on the image's switch, MAC
	 * 02:41:56:00:<VM index>:<port index>. Needs BM_DEV_VIRTIO.
	 */
	uint32_t nets[BM_MAX_NETS];
	bool pmu;                  /* a PMUv3 on the hardware's counters (doc/debug-pmu.md) */
};

/*
 * Inter-VM communication of an image (doc/ivc.md), optional: define `bm_ivc` in the
 * configuration file. VM ids are indices in bm_vms[].
 */
struct bm_ivc_pair {
	unsigned from, to;         /* @from may send to @to */
};

#define BM_IVC_NONE 0
#define BM_IVC_RO 1
#define BM_IVC_RW 2

struct bm_ivc_buf {
	const char *name;
	uint64_t size;             /* multiple of 4 KiB; carved from board RAM and zeroed */
	struct { unsigned access; uint64_t ipa; } view[BM_MAX_VMS]; /* BM_IVC_* per VM */
};

struct bm_ivc_desc {
	const struct bm_ivc_pair *pairs;
	unsigned nr_pairs;
	const struct bm_ivc_buf *bufs;
	unsigned nr_bufs;
};

/* Optional (weak): IVC, and the scheduler's time slice in ms (default 10). */
extern const struct bm_ivc_desc bm_ivc __attribute__((weak));
extern const unsigned bm_slice_ms __attribute__((weak));

/* The configuration: provided by one vm_*.c per hypervisor image. */
extern const struct bm_vm_desc bm_vms[];
extern const unsigned bm_nr_vms;

#endif
