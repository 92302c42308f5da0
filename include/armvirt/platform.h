/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/platform.h
 * @brief The VM description (`struct av_vmspec`), its validation, the guest device tree
 *        built from it, and a conformance check of any device tree against the
 *        VM System Specification for ARM Processors.
 *
 * One description drives everything: the stage-2 map, the vGIC configuration and the guest
 * DTB all come from one validated `struct av_vmspec`, so a guest never needs a hand-written
 * DTS that can drift from the hypervisor's configuration.
 *
 * av_vmspec_virt() fills a description whose memory map is the one of QEMU's `virt` board,
 * so guests built for `virt` run unchanged (only the lower 1 GiB is shown; nothing lives
 * there that the description does not list):
 *
 * @verbatim
 *   IPA
 *   0x0000_0000 +------------------------------+ flash bank 0 (optional: firmware code)
 *   0x0400_0000 |                              | flash bank 1 (optional: variables)
 *   0x0800_0000 +------------------------------+ GICD            64 KiB
 *   0x0801_0000 |  GICv2: GICC                 |                 64 KiB
 *   0x0803_0000 |  GICv2: GICH (optional)      |                 64 KiB
 *   0x0804_0000 |  GICv2: GICV (optional)      |                 64 KiB
 *   0x0808_0000 |  GICv3: ITS (optional)       |                 128 KiB
 *   0x080A_0000 |  GICv3: GICR, 128 KiB / vCPU | up to 123 vCPUs before the UART
 *   0x0900_0000 +------------------------------+ PL011 UART      4 KiB, SPI 1
 *   0x0901_0000 |  PL031 RTC                   |                 4 KiB, SPI 2
 *   0x0a00_0000 +------------------------------+ virtio-mmio     32 slots x 0x200,
 *               |  slot n at 0x0a00_0000+n*0x200 |               SPI 16 + n
 *   0x0a00_4000 +------------------------------+
 *               |  (free: shared memory, user  |
 *               |   devices)                   |
 *   0x4000_0000 +------------------------------+ RAM (size chosen by the caller)
 *               |  guest RAM                   |
 *               +------------------------------+
 * @endverbatim
 *
 * Interrupt numbers: the description stores timer and maintenance interrupts as GIC INTIDs
 * (PPIs are INTIDs 16..31) and device interrupts as SPI numbers (INTID - 32), the way the
 * device tree writes them.
 *
 * Freestanding: no allocation; the DTB is written into a caller buffer with libfdt.
 */
#ifndef ARMVIRT_PLATFORM_H
#define ARMVIRT_PLATFORM_H

#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ---- */

#define AV_VMSPEC_MAX_RAM 8      /**< RAM regions in one description */
#define AV_VMSPEC_MAX_VCPUS AV_MAX_VCPUS /**< vCPUs in one description */
#define AV_VMSPEC_MAX_UARTS 4    /**< UARTs */
#define AV_VMSPEC_MAX_VIRTIO 32  /**< virtio-mmio slots */
#define AV_VMSPEC_MAX_DEVS 8     /**< other devices with caller-supplied ops */
#define AV_VMSPEC_MAX_SHMEM 8    /**< shared-memory regions */
#define AV_VMSPEC_MAX_RESV 8     /**< reserved regions inside RAM */
#define AV_VMSPEC_MAX_SEED 64    /**< bytes of /chosen/rng-seed */

#define AV_VMSPEC_GICV2_MAX_VCPUS AV_MAX_VCPUS_GICV2 /**< a GICv2 addresses at most 8 CPUs */
#define AV_VMSPEC_MAX_SPIS 988            /**< SPIs 0..987 = INTIDs 32..1019 */
#define AV_VMSPEC_GICR_STRIDE 0x20000ull  /**< GICv3 redistributor frames per vCPU */
#define AV_VMSPEC_NO_IRQ 0xffffffffu      /**< a device without an interrupt */

/* MPIDR affinity fields a vCPU's MPIDR may carry (Aff3, Aff2, Aff1, Aff0). */
#define AV_VMSPEC_MPIDR_AFF3 0xff00000000ull /**< MPIDR Aff3, bits [39:32] */
#define AV_VMSPEC_MPIDR_AFF2 0x0000ff0000ull /**< MPIDR Aff2, bits [23:16] */
#define AV_VMSPEC_MPIDR_AFF1 0x000000ff00ull /**< MPIDR Aff1, bits [15:8] */
#define AV_VMSPEC_MPIDR_AFF0 0x00000000ffull /**< MPIDR Aff0, bits [7:0] */
/** All affinity bits; any other bit in av_vmspec_vcpu::mpidr is rejected. */
#define AV_VMSPEC_MPIDR_AFF_MASK \
	(AV_VMSPEC_MPIDR_AFF3 | AV_VMSPEC_MPIDR_AFF2 | AV_VMSPEC_MPIDR_AFF1 | AV_VMSPEC_MPIDR_AFF0)

/* ---- QEMU virt memory map (lower part) ---- */

#define AV_VIRT_GICD_BASE 0x08000000ull   /**< distributor */
#define AV_VIRT_GICD_SIZE 0x10000ull   /**< distributor frame size */
#define AV_VIRT_GICC_BASE 0x08010000ull   /**< GICv2 CPU interface */
#define AV_VIRT_GICC_SIZE 0x10000ull      /**< GICv2 CPU interface size */
#define AV_VIRT_GICH_BASE 0x08030000ull   /**< GICv2 virtual interface control */
#define AV_VIRT_GICH_SIZE 0x10000ull      /**< GICv2 virtual interface control size */
#define AV_VIRT_GICV_BASE 0x08040000ull   /**< GICv2 virtual CPU interface */
#define AV_VIRT_GICV_SIZE 0x10000ull      /**< GICv2 virtual CPU interface size */
#define AV_VIRT_GITS_BASE 0x08080000ull   /**< GICv3 ITS (QEMU virt's address) */
#define AV_VIRT_GITS_SIZE 0x20000ull      /**< ITS control + translation frames */
#define AV_VIRT_GICR_BASE 0x080a0000ull   /**< GICv3 redistributors */
#define AV_VIRT_GICR_MAX_SIZE 0xf60000ull /**< room for 123 vCPUs */
#define AV_VIRT_FLASH_BASE 0x0ull         /**< flash bank 0 (firmware code) */
#define AV_VIRT_FLASH_BANK_SIZE 0x4000000ull /**< each of the two flash banks: 64 MiB */
#define AV_VIRT_FLASH_BANK_WIDTH 4u       /**< flash bus width in bytes (DT bank-width) */
#define AV_VIRT_UART_BASE 0x09000000ull   /**< PL011 */
#define AV_VIRT_UART_SPI 1                /**< SPI of the PL011 (INTID 33) */
#define AV_VIRT_RTC_BASE 0x09010000ull    /**< PL031 */
#define AV_VIRT_RTC_SPI 2                 /**< SPI of the PL031 (INTID 34) */
#define AV_VIRT_PRIMECELL_SIZE 0x1000ull  /**< PL011 / PL031 register window */
#define AV_VIRT_VIRTIO_BASE 0x0a000000ull /**< first virtio-mmio slot */
#define AV_VIRT_VIRTIO_SIZE 0x200ull      /**< per slot (and the stride) */
#define AV_VIRT_VIRTIO_SPI 16             /**< SPI of slot 0; slot n uses 16 + n */
#define AV_VIRT_RAM_BASE 0x40000000ull    /**< start of RAM */
#define AV_VIRT_IPA_BITS 40               /**< default IPA size */
#define AV_VIRT_NR_SPIS 224               /**< SPIs of QEMU virt's GIC (256 INTIDs) */
#define AV_VIRT_APB_CLOCK_HZ 24000000u    /**< the fixed APB clock of the PrimeCells */

/** Timer INTIDs (PPIs 13, 14, 11, 10) and the GIC maintenance interrupt (PPI 9). */
#define AV_VIRT_TIMER_SEC_PHYS_INTID 29
#define AV_VIRT_TIMER_PHYS_INTID 30 /**< EL1 physical timer, PPI 14 */
#define AV_VIRT_TIMER_VIRT_INTID 27 /**< EL1 virtual timer, PPI 11 */
#define AV_VIRT_TIMER_HYP_INTID 26  /**< EL2 physical timer, PPI 10 */
#define AV_VIRT_GIC_MAINT_INTID 25  /**< GIC maintenance interrupt, PPI 9 */
/** The PMUv3 overflow interrupt of QEMU virt (PPI 7). */
#define AV_VIRT_PMU_INTID 23

/* ---- device-tree interrupt specifier cells (arm,gic-v3 / arm,cortex-a15-gic) ---- */

#define AV_DT_IRQ_TYPE_SPI 0u         /**< first cell: shared peripheral interrupt */
#define AV_DT_IRQ_TYPE_PPI 1u         /**< first cell: private peripheral interrupt */
#define AV_DT_IRQ_EDGE_RISING 1u      /**< third cell: rising-edge triggered */
#define AV_DT_IRQ_LEVEL_HIGH 4u       /**< third cell: active-high level sensitive */
/** Third cell, GICv2 PPIs only: the mask of CPUs the PPI is wired to. */
#define AV_DT_IRQ_PPI_CPUS 0xff00u

/* ---- the description ---- */

/** A guest-physical (IPA) range. A size of 0 means "absent" where a region is optional. */
struct av_vmspec_region {
	uint64_t base; /**< first byte */
	uint64_t size; /**< length in bytes */
};

/** GIC architecture version of the virtual interrupt controller. */
enum av_vmspec_gic_version {
	AV_VMSPEC_GICV2 = 2, /**< GICv2: GICD + GICC (memory-mapped CPU interface) */
	AV_VMSPEC_GICV3 = 3, /**< GICv3: GICD + GICR (system-register CPU interface) */
};

/** The virtual GIC and its frames. */
struct av_vmspec_gic {
	enum av_vmspec_gic_version version; /**< 2 or 3 */
	struct av_vmspec_region dist;       /**< GICD (64 KiB aligned) */
	/** GICv3: the redistributor region, at least #AV_VMSPEC_GICR_STRIDE per vCPU. */
	struct av_vmspec_region redist;
	struct av_vmspec_region cpu;        /**< GICv2: GICC (4 KiB aligned, >= 8 KiB) */
	struct av_vmspec_region hyp;        /**< GICv2: GICH, optional (size 0 = absent) */
	struct av_vmspec_region vcpu;       /**< GICv2: GICV, optional; with GICH or not at all */
	/**
	 * GICv3 only: an ITS (its control frame and translation frame, 64 KiB each, 64 KiB
	 * aligned); optional (size 0 = absent). The device tree then gets an
	 * `arm,gic-v3-its` child of the GIC node with `msi-controller` and `#msi-cells = 1`.
	 * av_vmspec_virt() leaves it absent; #AV_VIRT_GITS_BASE is QEMU virt's address.
	 */
	struct av_vmspec_region its;
	/** The maintenance interrupt as a PPI INTID (25 = PPI 9), or 0 for none. */
	uint32_t maint_intid;
	/** SPIs the GIC implements (a multiple of 32, at most #AV_VMSPEC_MAX_SPIS). */
	uint32_t nr_spis;
};

/** The architected timer's four PPIs, as INTIDs (16..31). */
struct av_vmspec_timer {
	uint32_t sec_phys_intid; /**< secure EL1 physical timer (29 = PPI 13) */
	uint32_t phys_intid;     /**< non-secure EL1 physical timer (30 = PPI 14) */
	uint32_t virt_intid;     /**< virtual timer (27 = PPI 11) */
	uint32_t hyp_intid;      /**< EL2 physical timer (26 = PPI 10) */
};

/** How a guest calls PSCI. */
enum av_vmspec_conduit {
	AV_VMSPEC_CONDUIT_HVC = 0, /**< `hvc #0` (a hypervisor implements PSCI) */
	AV_VMSPEC_CONDUIT_SMC = 1, /**< `smc #0` (firmware, or a hypervisor trapping SMC) */
};

/** The PSCI interface offered to the guest. */
struct av_vmspec_psci {
	enum av_vmspec_conduit conduit; /**< hvc or smc */
	uint16_t major;                 /**< PSCI major version (0 or 1) */
	uint16_t minor;                 /**< minor version; 0.2 is the oldest accepted */
};

/** Most flash banks in one description. */
#define AV_VMSPEC_MAX_FLASH 2

/**
 * CFI NOR flash, as on QEMU virt: one `cfi-flash` node whose `reg` lists every bank, with
 * `bank-width`. Firmware (EDK2, U-Boot) runs from bank 0 and keeps its variables or
 * environment in bank 1. Absent when @c nr_banks is 0 (the default).
 */
struct av_vmspec_flash {
	unsigned nr_banks;                                   /**< 0..AV_VMSPEC_MAX_FLASH */
	struct av_vmspec_region banks[AV_VMSPEC_MAX_FLASH];  /**< 4 KiB aligned, contiguous
							      *  order not required */
	uint32_t bank_width;                                 /**< 1, 2 or 4 bytes */
};

/** One vCPU. */
struct av_vmspec_vcpu {
	/** The vCPU's MPIDR_EL1 affinity (Aff3..Aff0 only, see #AV_VMSPEC_MPIDR_AFF_MASK). */
	uint64_t mpidr;
};

struct av_dt_ctx;
struct av_vmspec_dev;

/**
 * What a kind of device contributes to the description: its node name, its placement rules
 * and the hook that writes its device-tree node. One const instance per device kind.
 */
struct av_dt_dev_ops {
	/** Node name without unit address ("pl011"); also names the kind in error reports. */
	const char *name;
	/** Required alignment of the device's base and size (a power of two). */
	uint64_t align;
	/** True when the device must have an interrupt (av_vmspec_dev::spi). */
	bool needs_irq;
	/**
	 * Write the device's node. The hook starts it with av_dt_begin_dev() (so its path is
	 * `/name@base`), adds its properties with the av_dt_prop_*() helpers and closes it with
	 * av_dt_end_node().
	 *
	 * @return 0, or a negative `AV_E*` code (passed through by av_fdt_build()).
	 */
	int (*emit)(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev);
};

/** An MMIO device of the VM. */
struct av_vmspec_dev {
	const struct av_dt_dev_ops *ops; /**< kind; NULL = empty slot (rtc only) */
	struct av_vmspec_region mmio;    /**< register window */
	uint32_t spi;                    /**< SPI number (INTID - 32) or #AV_VMSPEC_NO_IRQ */
};

/** PL011 UART (arm,pl011 + arm,primecell, level SPI, 24 MHz APB clock). */
extern const struct av_dt_dev_ops av_dt_pl011_ops;
/** PL031 RTC (arm,pl031 + arm,primecell, level SPI). */
extern const struct av_dt_dev_ops av_dt_pl031_ops;
/** virtio-mmio transport slot (virtio,mmio, edge SPI, dma-coherent). */
extern const struct av_dt_dev_ops av_dt_virtio_mmio_ops;

/** A region shared with other VMs or the host, described under /reserved-memory. */
struct av_vmspec_shmem {
	struct av_vmspec_region region; /**< outside RAM, 4 KiB aligned */
	/** The node's compatible string; NULL gives "armvirt,shared-memory". */
	const char *compatible;
};

/** A part of RAM the guest must not use as ordinary memory. */
struct av_vmspec_resv {
	struct av_vmspec_region region; /**< inside one RAM region, 4 KiB aligned */
	bool no_map;                    /**< add `no-map` (the OS must not map it at all) */
};

/** The /chosen node. */
struct av_vmspec_chosen {
	const char *bootargs;     /**< kernel command line, or NULL */
	/** Index into av_vmspec::uarts of the console (stdout-path), or -1 for none. */
	int stdout_uart;
	uint64_t initrd_start;    /**< first byte of the initrd (IPA) */
	uint64_t initrd_end;      /**< one past its last byte; equal to start = no initrd */
	uint8_t rng_seed[AV_VMSPEC_MAX_SEED]; /**< entropy for the guest */
	uint32_t rng_seed_len;    /**< bytes of rng_seed used; 0 = no rng-seed property */
	uint64_t kaslr_seed;      /**< KASLR seed */
	bool has_kaslr_seed;      /**< write kaslr-seed */
};

/**
 * The whole VM description. Fill it with av_vmspec_virt() and adjust; validate it with
 * av_vmspec_validate(). Counts (nr_*) say how many entries of each array are used.
 */
struct av_vmspec {
	unsigned ipa_bits;                                   /**< IPA size, 32..52 */
	unsigned nr_ram;                                     /**< 1..AV_VMSPEC_MAX_RAM */
	struct av_vmspec_region ram[AV_VMSPEC_MAX_RAM];      /**< RAM, 4 KiB aligned */
	unsigned nr_vcpus;                                   /**< 1..AV_VMSPEC_MAX_VCPUS */
	struct av_vmspec_vcpu vcpus[AV_VMSPEC_MAX_VCPUS];    /**< vCPU 0 boots */
	struct av_vmspec_gic gic;                            /**< interrupt controller */
	struct av_vmspec_timer timer;                        /**< architected timer PPIs */
	/** PMUv3 overflow interrupt, the INTID of a PPI (AV_VIRT_PMU_INTID): an
	 *  "arm,armv8-pmuv3" node is emitted. 0 (the default): no PMU node. */
	uint32_t pmu_intid;
	struct av_vmspec_psci psci;                          /**< PSCI conduit and version */
	unsigned nr_uarts;                                   /**< 0..AV_VMSPEC_MAX_UARTS */
	struct av_vmspec_dev uarts[AV_VMSPEC_MAX_UARTS];     /**< serial ports */
	struct av_vmspec_dev rtc;                            /**< RTC (ops NULL = none) */
	unsigned nr_virtio;                                  /**< 0..AV_VMSPEC_MAX_VIRTIO */
	struct av_vmspec_dev virtio[AV_VMSPEC_MAX_VIRTIO];   /**< virtio-mmio slots */
	unsigned nr_devs;                                    /**< 0..AV_VMSPEC_MAX_DEVS */
	struct av_vmspec_dev devs[AV_VMSPEC_MAX_DEVS];       /**< other devices */
	unsigned nr_shmem;                                   /**< 0..AV_VMSPEC_MAX_SHMEM */
	struct av_vmspec_shmem shmem[AV_VMSPEC_MAX_SHMEM];   /**< shared memory */
	unsigned nr_resv;                                    /**< 0..AV_VMSPEC_MAX_RESV */
	struct av_vmspec_resv resv[AV_VMSPEC_MAX_RESV];      /**< reserved RAM */
	struct av_vmspec_chosen chosen;                      /**< /chosen */
	struct av_vmspec_flash flash;                        /**< flash banks (optional) */
};

/** What av_vmspec_validate() found wrong: the field and why (a struct av_error). */
#define av_vmspec_error av_error

/**
 * Fill @p spec with QEMU virt's layout: @p nr_vcpus vCPUs (MPIDR Aff0 = index within a
 * cluster of 16 (GICv3) or 8 (GICv2), Aff1 = cluster), @p ram_size bytes of RAM at
 * 0x4000_0000, the GIC frames of @p gic, timer PPIs 13/14/11/10, maintenance PPI 9,
 * PSCI 1.0 over HVC, one PL011 (the console), one PL031, all 32 virtio-mmio slots, no
 * bootargs and no initrd. GICv2 gets no GICH/GICV (set them for nested virtualization).
 *
 * @param spec the VM description
 * @param gic GIC version
 * @param nr_vcpus number of vCPUs
 * @param ram_size RAM size in bytes
 * @return 0, or -AV_EINVAL for a NULL @p spec or an unknown @p gic. Values out of range
 *         (too many vCPUs, RAM size 0) are stored as given and reported by
 *         av_vmspec_validate().
 */
int av_vmspec_virt(struct av_vmspec *spec, enum av_vmspec_gic_version gic, unsigned nr_vcpus,
		   uint64_t ram_size);

/**
 * Add QEMU virt's two flash banks to @p spec: 64 MiB at 0x0 (firmware code) and 64 MiB at
 * 0x0400_0000 (variable store), bank width 4, as a firmware built for `virt` expects.
 * @param spec the VM description
 * @return 0, or -AV_EINVAL for a NULL @p spec.
 */
int av_vmspec_virt_flash(struct av_vmspec *spec);

/**
 * Check @p spec: counts within limits; regions non-empty, aligned, inside the IPA space
 * and not overlapping one another (RAM, GIC frames, devices, shared memory, flash banks);
 * reserved regions inside RAM; flash: at most #AV_VMSPEC_MAX_FLASH banks, bank width 1, 2
 * or 4; GIC frames present for the version and large enough for the vCPUs;
 * vCPU count within what the GIC addresses (GICv2: 8); MPIDRs affinity-only and unique;
 * timer and maintenance INTIDs distinct PPIs, the timer's the VM System Specification's
 * PPIs 13, 14, 11, 10 (INTIDs 29, 30, 27, 26: what av_dtcheck() requires, so every valid
 * description builds a tree the checker accepts); SPIs below the GIC's count and not shared;
 * PSCI >= 0.2; /chosen's console and initrd consistent.
 *
 * @param spec  the description
 * @param err   if not NULL, receives the first problem (field path and message); cleared
 *              when the description is valid
 * @return 0 when valid; -AV_EINVAL (malformed), -AV_ERANGE (out of range or too many),
 *         -AV_EEXIST (overlap, duplicate MPIDR, shared SPI) otherwise.
 */
int av_vmspec_validate(const struct av_vmspec *spec, struct av_vmspec_error *err);

/** The kind of an IPA region, as av_vmspec_for_each_region() reports it. */
enum av_vmspec_region_kind {
	AV_VMSPEC_REGION_RAM,    /**< guest RAM */
	AV_VMSPEC_REGION_GIC,    /**< a GIC frame */
	AV_VMSPEC_REGION_DEVICE, /**< an emulated MMIO device */
	AV_VMSPEC_REGION_SHMEM,  /**< shared memory */
	AV_VMSPEC_REGION_FLASH,  /**< a flash bank (av_vmspec::flash; index = bank) */
};

/** One region of the description, with the field it comes from. */
struct av_vmspec_region_info {
	enum av_vmspec_region_kind kind; /**< what it is */
	const char *array;               /**< field name, e.g. "uarts" or "gic.dist" */
	int index;                       /**< index into the array, or -1 for a single field */
	struct av_vmspec_region region;  /**< where it is */
	const struct av_vmspec_dev *dev; /**< the device, for AV_VMSPEC_REGION_DEVICE */
};

/**
 * Call @p fn for every present IPA region of @p spec (RAM, GIC frames, devices, shared
 * memory, flash banks), e.g. to build the stage-2 map. Reserved regions are not listed (they are RAM).
 * Stops at the first non-zero return of @p fn and returns it.
 *
 * @param spec the VM description
 * @param fn called for every region; a non-zero return stops the walk and is returned
 * @param cookie passed unchanged to @p fn
 * @return 0, @p fn's non-zero result, or -AV_EINVAL for NULL arguments.
 */
int av_vmspec_for_each_region(const struct av_vmspec *spec,
			      int (*fn)(const struct av_vmspec_region_info *info, void *cookie),
			      void *cookie);

/* ---- device tree ---- */

/**
 * The device-tree builder's state, handed to device emit hooks. Fields are read-only for
 * hooks; use the helpers below.
 */
struct av_dt_ctx {
	void *fdt;                    /**< the blob under construction (libfdt sequential write) */
	const struct av_vmspec *spec; /**< the description being turned into a tree */
	uint32_t next_phandle;        /**< next phandle av_dt_alloc_phandle() hands out */
	uint32_t gic_phandle;         /**< the interrupt controller's phandle */
	uint32_t clk_phandle;         /**< the APB clock's phandle, 0 until a device asks */
};

/**
 * Working space libfdt's sequential writer needs beyond the final (packed) size of a tree:
 * a buffer of the size a previous build reported in `used` plus this many bytes is enough
 * for the same description.
 */
#define AV_FDT_SLACK 64

/**
 * Build the guest device tree for @p spec into @p buf (libfdt sequential write), then pack
 * it. The tree has: root ("linux,dummy-virt"), /chosen, /aliases (serialN), memory nodes,
 * /reserved-memory, /cpus (enable-method "psci"), /psci, the GIC, the timer, each device
 * through its ops, and the APB clock when a PrimeCell uses it.
 *
 * @param spec  a description; it is validated first
 * @param buf   output buffer (any alignment libfdt accepts: 8 bytes is safe)
 * @param size  its size in bytes
 * @param used  if not NULL, receives the DTB's total size
 * @return 0; -AV_ENOSPC when @p buf is too small (nothing is silently truncated);
 *         av_vmspec_validate()'s error for an invalid description; -AV_EINVAL for NULL
 *         arguments; a device hook's error.
 */
int av_fdt_build(const struct av_vmspec *spec, void *buf, size_t size, size_t *used);

/**
 * Hand out a new phandle (1, 2, ...), unique within the tree being built.
 * @param ctx the device-tree builder
 * @return the new phandle
 */
uint32_t av_dt_alloc_phandle(struct av_dt_ctx *ctx);

/**
 * The phandle of the 24 MHz APB clock node; the node is written once a device asks.
 * @param ctx the device-tree builder
 * @return the clock's phandle
 */
uint32_t av_dt_apb_clock(struct av_dt_ctx *ctx);

/**
 * Open a node named NAME\@UNIT: @p name, '@', @p unit in lower-case hex.
 * @param ctx the device-tree builder
 * @param name the node name before the @
 * @param unit the unit address
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_begin_node(struct av_dt_ctx *ctx, const char *name, uint64_t unit);

/**
 * Open the node of @p dev: `ops->name@mmio.base`.
 * @param ctx the device-tree builder
 * @param dev the device
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_begin_dev(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev);

/**
 * Close the innermost open node.
 * @param ctx the device-tree builder
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_end_node(struct av_dt_ctx *ctx);

/**
 * Add a property without a value (e.g. "dma-coherent").
 * @param ctx the device-tree builder
 * @param name property or node name
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_empty(struct av_dt_ctx *ctx, const char *name);

/**
 * Add a one-cell property.
 * @param ctx the device-tree builder
 * @param name property or node name
 * @param val the value
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_u32(struct av_dt_ctx *ctx, const char *name, uint32_t val);

/**
 * Add a two-cell (64-bit) property.
 * @param ctx the device-tree builder
 * @param name property or node name
 * @param val the value
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_u64(struct av_dt_ctx *ctx, const char *name, uint64_t val);

/**
 * Add a property of @p n cells.
 * @param ctx the device-tree builder
 * @param name property or node name
 * @param cells the cells, in CPU byte order
 * @param n number of entries
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_cells(struct av_dt_ctx *ctx, const char *name, const uint32_t *cells, size_t n);

/**
 * Add a string property.
 * @param ctx the device-tree builder
 * @param name property or node name
 * @param val the string
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_str(struct av_dt_ctx *ctx, const char *name, const char *val);

/**
 * Add a string-list property of @p n strings.
 * @param ctx the device-tree builder
 * @param name property or node name
 * @param list the strings
 * @param n number of entries
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_strlist(struct av_dt_ctx *ctx, const char *name, const char *const *list,
		       size_t n);

/**
 * Add `reg = <base size>` with two address and two size cells.
 * @param ctx the device-tree builder
 * @param base register base address
 * @param size register window size
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_reg(struct av_dt_ctx *ctx, uint64_t base, uint64_t size);

/**
 * Add `interrupts = <GIC_SPI spi flags>` (flags: AV_DT_IRQ_EDGE_RISING / _LEVEL_HIGH).
 * @param ctx the device-tree builder
 * @param spi SPI number (INTID - 32)
 * @param flags AV_DT_IRQ_* trigger flags
 * @return 0 on success, or a negative AV_E* error code
 */
int av_dt_prop_spi(struct av_dt_ctx *ctx, uint32_t spi, uint32_t flags);

/* ---- conformance check ---- */

/** How serious a departure from the VM System Specification is. */
enum av_dtcheck_severity {
	AV_DTCHECK_ERROR = 0,   /**< a requirement is not met */
	AV_DTCHECK_WARNING = 1, /**< allowed but unusual, or not checkable */
};

/** One finding of av_dtcheck(). */
struct av_dtcheck_finding {
	enum av_dtcheck_severity severity; /**< error or warning */
	char node[64];                     /**< the node concerned ("/psci", "/cpus/cpu@1") */
	char msg[128];                     /**< what is wrong, naming the property */
};

/** Totals of one av_dtcheck() run. */
struct av_dtcheck_summary {
	unsigned errors;   /**< findings with AV_DTCHECK_ERROR */
	unsigned warnings; /**< findings with AV_DTCHECK_WARNING */
};

/**
 * Most findings of one check (PSCI, timer, GIC, ITS, memory, CPUs, ...) av_dtcheck() hands
 * to its callback. The rest are counted in the totals, and one more finding (node "/",
 * severity error if any of them is one, not counted) says how many were left out.
 */
#define AV_DTCHECK_MAX_LISTED 20

/** Receives each finding; @p f is valid only during the call. */
typedef void (*av_dtcheck_fn)(const struct av_dtcheck_finding *f, void *cookie);

/**
 * Check a device tree against the VM System Specification's hardware-description
 * requirements: /chosen present; a PSCI node compatible with arm,psci-0.2 or later with
 * method "hvc" or "smc"; an architected timer (arm,armv8-timer) whose interrupts are PPIs
 * 13, 14, 11 and 10; a GICv2 or GICv3 node with reg, interrupt-controller and three
 * interrupt cells; memory nodes with reg; every CPU with enable-method "psci" (the only CPU
 * of a uniprocessor may omit it: warning); a console UART reachable through
 * /chosen/stdout-path (or, with a warning, through /aliases).
 *
 * The blob is untrusted: its header is checked before libfdt reads anything (magic; version
 * 17, or later with last_comp_version <= 17; totalsize within @p size; the memory
 * reservation map 8-byte aligned and terminated, the structure block's offset and size
 * 4-byte aligned, and it and the strings block after the header, inside totalsize, the three
 * not overlapping), then libfdt's fdt_check_full(). The check takes time linear in the
 * blob's size, and lists at most #AV_DTCHECK_MAX_LISTED findings of each check (the totals
 * count them all). A node path that does not fit struct av_dtcheck_finding::node is
 * reported as "/".
 *
 * @param fdt     the blob, 8-byte aligned (libfdt's requirement)
 * @param size    the size of the buffer holding it (the blob's totalsize must fit)
 * @param fn      called for each finding (may be NULL)
 * @param cookie  handed to @p fn
 * @param sum     if not NULL, receives the totals
 * @return 0 when the blob could be checked (findings or not); -AV_EBADIMG when it is not a
 *         valid flattened device tree; -AV_EINVAL for a NULL or misaligned @p fdt.
 */
int av_dtcheck(const void *fdt, size_t size, av_dtcheck_fn fn, void *cookie,
	       struct av_dtcheck_summary *sum);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_PLATFORM_H */
