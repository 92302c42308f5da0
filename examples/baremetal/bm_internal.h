/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm internals shared by its source files (doc/baremetal.md, "Source files"):
 * the objects (VMs, vCPUs, pCPUs), the image-wide state and the functions one file
 * calls in another. Not an interface: the configurations (vm_*.c) see only bm.h.
 */
#ifndef ARMVIRT_BM_INTERNAL_H
#define ARMVIRT_BM_INTERNAL_H

#include <string.h>

#include <armvirt/arch/aarch64.h>
#include <armvirt/arch/aarch64_vm.h>
#include <armvirt/boot.h>
#include <armvirt/dev/cfi_flash.h>
#include <armvirt/dev/pl011.h>
#include <armvirt/dev/pl031.h>
#include <armvirt/dev/virtio_blk.h>
#include <armvirt/dev/virtio_console.h>
#include <armvirt/dev/virtio_net.h>
#include <armvirt/dev/virtio_rng.h>
#include <armvirt/esr.h>
#include <armvirt/ivc.h>
#include <armvirt/log.h>
#include <armvirt/mmio.h>
#include <armvirt/platform.h>
#include <armvirt/s2.h>
#include <armvirt/sched.h>
#include <armvirt/sysreg.h>
#include <armvirt/traps.h>
#include <armvirt/vgic.h>
#include <armvirt/vgic_bus.h>
#include <armvirt/vm.h>
#include <armvirt/virtio.h>
#include <armvirt/vswitch.h>
#include <armvirt/vtimer.h>

#include "bm.h"
#include "port.h"

#define SZ_2M 0x200000ull
#define BM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BM_DTB_MAX 0x10000ull        /* guest DTB buffer; placed with this size */
#define BM_IPA_BITS 40
#define BM_PT_PAGES 256               /* stage-2 table pages for every VM */
#define BM_BUS_SLOTS 10
#define BM_LINE_MAX 200
#define BM_UART_INTID (32 + AV_VIRT_UART_SPI)
#define BM_ESCAPE 0x1d               /* Ctrl-]: console escape */
#define BM_NO_RESV (~0u)             /* no entry in the reserved table */

/* The board PL011 registers the console uses. */
#define UART_DR 0x000u
#define UART_FR 0x018u
#define UART_FR_RXFE AV_BIT(4)
#define UART_LCR_H 0x02cu
#define UART_LCR_H_FEN AV_BIT(4)
#define UART_IMSC 0x038u
#define UART_ICR 0x044u
#define UART_INT_RX AV_BIT(4)
#define UART_INT_RT AV_BIT(6)

/* ---------------------------------------------------------------------------------------
 * Objects
 */

struct bm_vm;

/* A device on a VM's bus, serialised by its own lock (the bus does not lock, mmio.h). */
struct bm_locked_dev {
	struct port_spinlock lock;
	const struct av_mmio_ops *ops;
	void *inner;
};

/* One virtio-mmio slot of a VM (virtio.c): a device behind its own lock, or empty. */
struct bm_vio_slot {
	struct port_spinlock lock;
	struct av_virtio_dev *vdev;   /* NULL: empty (answers as an absent device) */
	struct bm_vm *vm;
	uint32_t intid;               /* its SPI's INTID (32 + AV_VIRT_VIRTIO_SPI + slot) */
	bool foreign;                 /* in a passed-through page: not the VM's bus */
};

/* A VM's virtio-net device and its switch port (net.c). */
struct bm_net_port {
	struct av_virtio_net dev;
	struct av_vswitch_port port;
	struct bm_vio_slot *slot;     /* its slot (the device lock) */
	uint32_t network;             /* the network id */
	uint8_t mac[6];
	int pending;                  /* frames queued while it waited: pull (atomic) */
};

#define BM_VIO_IN_MAX 256             /* console input held for the guest's receive buffers */

/* A VM's virtio devices (virtio.c, doc/baremetal.md "Virtio devices"). */
struct bm_virtio {
	struct bm_vio_slot slot[AV_VMSPEC_MAX_VIRTIO];
	struct av_mmio_dev window;    /* the bus entry of all 32 slots */
	struct av_virtio_mem_region ram;
	struct av_virtio_mem_regions regions;
	struct av_virtio_mem mem;     /* guest RAM, bounded (av_virtio_mem_regions_ops) */
	int blk_slot, con_slot, rng_slot; /* -1: no such device */
	struct av_virtio_blk blk;
	struct av_virtio_blk_ram disk;
	struct av_virtio_console con;
	struct av_virtio_rng rng;
	uint8_t in[BM_VIO_IN_MAX];    /* console input the guest has not taken (a ring) */
	unsigned in_head, in_len;
	char line[BM_LINE_MAX];       /* console output not yet printed */
	unsigned line_len;
	uint64_t rng_failures;        /* RNDR reads that failed every retry */
	struct bm_net_port net[BM_MAX_NETS]; /* its networks' ports (net.c) */
	unsigned nr_net;
};

/* One flash bank of a firmware VM (firmware.c): the CFI model behind its lock, its
 * memory mapped at @ipa in the VM's stage 2 while the model is in read-array mode. */
struct bm_flash_bank {
	struct av_cfi_flash cfi;
	struct bm_locked_dev locked;
	struct av_mmio_dev dev;
	struct bm_vm *vm;
	uint64_t ipa, pa, size;
	uint64_t rom_on, rom_off;     /* stage-2 access given back / taken away (statistics) */
	int s2_error;                 /* the first failed stage-2 change (0: none) */
};

/* A VM's firmware flash (firmware.c, doc/baremetal.md "Firmware"). */
struct bm_firmware_state {
	bool on;                      /* the VM has flash banks */
	bool boot;                    /* ... and boots the firmware in bank 0 */
	struct port_spinlock s2_lock; /* the banks' stage-2 changes (the only ones after start) */
	struct bm_flash_bank bank[2]; /* 0: code (read-only; size 0: none), 1: variables */
};

struct bm_vcpu {
	struct av_vcpu v;             /* first: the world switch saves into v.ctxt */
	struct av_arch_vcpu arch;
	struct bm_vm *vm;
	unsigned pcpu;                /* initial pCPU (the pinned one when pinned) */
	bool pinned;                  /* affinity is one pCPU: it never migrates */
	bool added;                   /* handed to the scheduler */
	volatile bool vgic_dirty;     /* its vGIC state may have changed since the last flush */
	bool lr_unsynced;             /* exits answered without av_vgic_sync(): LRs still live */
	int on_cpu;                   /* pCPU whose registers hold its state, or -1 */
	struct av_sched_entity se;    /* scheduling (lib/sched.c) */
	struct av_pmu pmu;            /* its PMU, when the VM has one (pmu.c) */
};

struct bm_vm {
	const struct bm_vm_desc *desc;
	unsigned index;
	bool started;
	bool refused;                 /* vm_create() already said why the VM does not start */
	volatile bool stopping;
	bool reset_requested;
	struct av_vmspec spec;
	struct av_vm vm;
	struct av_s2 s2;
	struct { struct av_arch_s2_tlb tlb; } s2_cookie;
	struct av_vgic vgic;
	/* The list-register backend, wrapped to know which LRs hold something (lazy sync). */
	const struct av_vgic_lr_ops *lr_hw;
	void *lr_hw_cookie;
	uint32_t lr_live[AV_VMSPEC_GICV2_MAX_VCPUS];   /* per vCPU: LRs written non-empty */
	unsigned lr_maint[AV_VMSPEC_GICV2_MAX_VCPUS];  /* per vCPU: maintenance requests */
	uint64_t idregs[7 * 8];       /* the ID space as the guest sees it (op0 3 op1 0 CRn 0) */
	struct av_mmio_bus bus;
	struct av_mmio_dev *bus_slots[BM_BUS_SLOTS];
	struct av_vgic_bus vgic_bus;  /* the vGIC frames on the bus */
	struct av_mmio_dev dev_uart, dev_rtc;
	struct bm_locked_dev uart_lock, rtc_lock;
	struct av_pl011 uart;
	struct av_pl031 rtc;
	struct port_spinlock lock;    /* the VM-wide lock (PSCI, power states) */
	uint32_t fast_ivc_last;       /* av_vm_try_hvc() takes IVC IDs up to this one (0: none) */
	uint64_t ram_ipa;             /* guest RAM: IPA ram_ipa -> PA ram_pa */
	uint64_t ram_pa;
	uint64_t ram_size;
	uint64_t cntvoff;
	struct av_psci_range psci_ram; /* kept by the PSCI table */
	struct av_boot_layout layout;
	char line[BM_LINE_MAX];       /* console output not yet printed */
	unsigned line_len;
	struct av_ivc_dt ivc_dt;      /* its armvirt,ivc-1.0 node */
	struct bm_passthrough pt;     /* its pass-through device (resolved) */
	unsigned pt_cpu;              /* pCPU the passed-through SPIs are routed to */
	struct bm_vcpu vcpus[AV_VMSPEC_GICV2_MAX_VCPUS] __attribute__((aligned(16)));
	struct bm_firmware_state fw;  /* its flash banks, when it boots firmware */
	struct bm_virtio vio;         /* its virtio devices (virtio.c; last: big, rarely used) */
};

/* Per pCPU. */
struct bm_pcpu {
	struct bm_vcpu *cur;          /* the vCPU being run (NULL: idle) */
	struct bm_vcpu *parked;       /* a pinned vCPU left loaded while the pCPU idles */
	volatile bool resched;        /* a scheduling decision is due (kick, timer) */
	bool timer_dirty;             /* re-arm the EL2 timer before the next entry */
	uint64_t armed;               /* EL2 timer deadline last armed (UINT64_MAX: none) */
	uint64_t sched_ev;            /* the scheduler's next event, while sched_ev_ok */
	bool sched_ev_ok;             /* no wake-up or tick here since sched_ev was known */
	bool vtimer_left_active;      /* the virtual timer PPI was left active for a guest */
};

/* ---------------------------------------------------------------------------------------
 * Image-wide state (main.c)
 */

extern struct bm_vm vms[BM_MAX_VMS];
extern unsigned nr_vms;
extern struct bm_pcpu pcpus[PORT_MAX_CPUS];
/* GIC maintenance interrupts taken per pCPU (statistics; apart from struct bm_pcpu, whose
 * layout the world switch's figures depend on). */
extern uint64_t maint_taken[PORT_MAX_CPUS];
extern struct av_sched sched;
extern struct av_ivc ivc;
extern bool ivc_on;                              /* the image describes IVC (bm_ivc) */
extern const struct port_platform *plat;
extern struct av_arch_gicv2 gicv2;               /* the GICH frame (banked per CPU) */
extern uint64_t midr;
extern uint32_t trap_features;
extern unsigned pmcr_n;
extern volatile bool go;                         /* secondaries may enter guests */
extern int failed_vms;
extern bool pac_untrapped;                       /* one vCPU per pCPU in the whole image */

/* Board facts read from QEMU's DTB before any guest ran (libfdt uses FP/SIMD). */
extern struct bm_board {
	uint64_t initrd_start, initrd_end;
	const char *bootargs;
	uint64_t rtc_base;
	uint64_t dtb_size;
} board;

/* main.c */
bool all_done(void);

/* build.c */
bool reserve(uint64_t start, uint64_t end);
bool reserved_overlap(uint64_t start, uint64_t end, unsigned skip);
unsigned reserved_count(void);
const char *reserve_loaded(uint64_t addr, uint64_t size, uint64_t align, unsigned *idx);
bool region_loaded(uint64_t pa, uint64_t size);
uint64_t carve_ram(uint64_t size);
extern const struct av_mmio_ops bm_locked_ops; /* a struct bm_locked_dev's ops */
void bm_lock(void *cookie);
void bm_unlock(void *cookie);
extern unsigned lr_count;
void bm_lr_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr);
void bm_lr_clear(struct bm_vm *vm, unsigned vcpu);
void bm_lr_set_maint(void *cookie, unsigned vcpu, unsigned flags);
int payload_bytes(const struct bm_payload *pl, bool image, const void **p, size_t *len);
int vm_create(struct bm_vm *vm, const struct bm_vm_desc *d, unsigned index);

/* console.c */
extern unsigned focus;
int uart_tx(void *cookie, uint8_t byte);
void console_out(struct bm_vm *vm, char *line, unsigned *len, const void *buf, size_t n);
void console_out_partial(struct bm_vm *vm, char *line, unsigned *len);
bool console_has_input(const struct bm_vm *vm);
void console_flush_partial(struct bm_vm *vm);
void uart_set_irq(void *cookie, bool level);
void console_rx_irq(void);
void uart_rx_space(void *cookie);

/* run.c */
void sched_kick(unsigned cpu);
void bm_vgic_kick(void *cookie, unsigned idx);
int bm_vgic_line_level(void *cookie, unsigned idx, uint32_t intid);
extern const struct av_ivc_ops bm_ivc_ops;
void bm_irq_drain(void);
void pcpu_loop(unsigned self);

/* pt.c */
extern uint64_t pt_dev_base[BM_MAX_VMS];
int pt_resolve(struct bm_vm *vm);
struct bm_vm *pt_owner(unsigned intid);

/* virtio.c */
void bm_disks_reserve(void);
int bm_virtio_spec(struct bm_vm *vm);
int bm_virtio_setup(struct bm_vm *vm, struct av_error *err);
bool bm_virtio_console_live(struct bm_vm *vm);
size_t bm_virtio_console_room(struct bm_vm *vm);
void bm_virtio_console_input(struct bm_vm *vm, uint8_t c);
void bm_virtio_console_flush_partial(struct bm_vm *vm);
void bm_virtio_stats(struct bm_vm *vm);
int bm_virtio_take_slot(struct bm_vm *vm, const char *what, struct av_virtio_irq *irq);
void bm_virtio_attach(struct bm_vm *vm, int slot, int rc, struct av_virtio_dev *vdev,
		      int *where, const char *what, const char *detail, struct av_error *err);
void bm_virtio_transport_stats(struct bm_vm *vm, const char *what,
			       const struct av_virtio_dev *v);

/* firmware.c */
void bm_firmware_reserve(void);
int bm_firmware_spec(struct bm_vm *vm);
int bm_firmware_map(struct bm_vm *vm, struct av_memcache *mc, struct av_s2_pa_range *owned,
		    size_t *n);
int bm_firmware_bus(struct bm_vm *vm, struct av_error *err);
void bm_firmware_stats(struct bm_vm *vm);

/* net.c */
void bm_net_setup(struct bm_vm *vm, struct av_virtio_irq *irq, struct av_error *err);
void bm_net_deliver(void);
void bm_net_stats(struct bm_vm *vm);

/* pmu.c */
bool bm_pmu_present(void);
void bm_pmu_cpu_init(void);
int bm_pmu_vcpu_init(struct bm_vcpu *bv);
void bm_pmu_vcpu_reset(struct bm_vcpu *bv);
void bm_pmu_irq(struct bm_vcpu *loaded);
enum av_access_result bm_sys_pmu(const struct av_sysreg_ctx *ctx, uint64_t *val);

/* stats.c */
void print_stats(void);

#endif /* ARMVIRT_BM_INTERNAL_H */
