/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm: a type-1 hypervisor for QEMU's virt board composed from armvirt.
 *
 * It boots at EL2 (ports/qemu-virt), turns every static VM description (bm.h, vm_*.c) into
 * a VM and runs unmodified guests: the EL1 guest test programs and Debian's arm64 Linux.
 *
 *   description  struct bm_vm_desc -> struct av_vmspec (av_vmspec_virt() + overrides) ->
 *                guest DTB (av_fdt_build(), model "armvirt"), stage 2, vGIC, MMIO bus
 *   memory       guest RAM is carved from the top of physical RAM, away from the
 *                hypervisor image, the board DTB and the payloads QEMU loaded; stage 2
 *                maps only that RAM (and, on GICv2, the hardware GICV frame at the guest's
 *                GICC); av_s2_check() must find nothing outside the VM's own ranges
 *   payloads     kernel Images embedded in the image (.incbin) or placed by QEMU
 *                (-device loader / -initrd), copied into guest RAM per boot.h
 *   exits        lib/vm.c's av_vm_handle_exit(): PSCI, ECHO, sysregs, MMIO (vGIC, PL011,
 *                PL031, virtio RAZ/WI), WFI; unknown traps inject an exception (logged once)
 *   vCPUs        scheduled by lib/sched.c on every pCPU the board has: per-pCPU run
 *                queues, the VM's priority, pinned or free to migrate per its description,
 *                round robin among equals (10 ms slices on the EL2 timer), WFI blocks with
 *                the timers' next expiry as deadline. pcpu_loop() picks, switches
 *                (vcpu_unload() + the load in av_arch_vcpu_run()) and calls bm_vcpu_run():
 *                run this vCPU until it blocks, turns off, its VM stops or a decision is due
 *   IVC          optional per image (bm_ivc): av_ivc_hypercall() behind the hypercall hook,
 *                doorbells into the receiver's vGIC, shared buffers in stage 2
 *   pass-through a VM may own an MMIO window and SPIs (HW-linked), e.g. a virtio-blk
 *                transport found by probing, with its RAM identity-mapped for DMA
 *   interrupts   the hypervisor always runs with IRQs masked. After an IRQ exit, and after
 *                every WFI of an idle pCPU, it drains the physical GIC by acknowledging
 *                (IAR) until nothing is pending: the virtual timer PPI is injected as a
 *                HW-linked interrupt (the guest's EOI deactivates it), the EL2 timer
 *                drives the scheduler and the emulated EL1 physical timer, the kick SGI
 *                asks for a scheduling decision, the UART interrupt feeds console input.
 *   console      guest PL011 output is line-buffered per VM and printed with the VM's
 *                name as prefix; input goes to one VM at a time, Ctrl-] n switches
 *   shutdown     when every VM powered off: exit statistics per VM, then QEMU exits 0
 *                (non-zero if a VM failed to start)
 */
#include <libfdt.h>

#include <armvirt/arch/aarch64.h>
#include <armvirt/boot.h>
#include <armvirt/dev/pl011.h>
#include <armvirt/dev/pl031.h>
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
#include <armvirt/vm.h>
#include <armvirt/vtimer.h>

#include "bm.h"
#include "port.h"

#define SZ_2M 0x200000ull
#define BM_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BM_DTB_MAX 0x10000ull        /* guest DTB buffer; placed with this size */
#define BM_IPA_BITS 40
#define BM_PT_PAGES 256               /* stage-2 table pages for every VM */
#define BM_BUS_SLOTS 8
#define BM_LINE_MAX 200
#define BM_UART_INTID (32 + AV_VIRT_UART_SPI)
#define BM_ESCAPE 0x1d               /* Ctrl-]: console escape */

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
};

struct bm_vm {
	const struct bm_vm_desc *desc;
	unsigned index;
	bool started;
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
	struct av_mmio_dev dev_gicd, dev_gicr, dev_uart, dev_rtc, dev_virtio;
	struct bm_locked_dev uart_lock, rtc_lock;
	struct av_pl011 uart;
	struct av_pl031 rtc;
	struct port_spinlock lock;    /* the VM-wide lock (PSCI, power states) */
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
};

/* Per pCPU. */
struct bm_pcpu {
	struct bm_vcpu *cur;          /* the vCPU being run (NULL: idle) */
	struct bm_vcpu *parked;       /* a pinned vCPU left loaded while the pCPU idles */
	volatile bool resched;        /* a scheduling decision is due (kick, timer) */
	bool timer_dirty;             /* re-arm the EL2 timer before the next entry */
	uint64_t armed;               /* EL2 timer deadline last armed (UINT64_MAX: none) */
};

static struct bm_vm vms[BM_MAX_VMS];
static unsigned nr_vms;
static struct bm_pcpu pcpus[PORT_MAX_CPUS];
static struct av_sched sched;
static struct av_ivc ivc;
static bool ivc_on;                              /* the image describes IVC (bm_ivc) */
static const struct port_platform *plat;
static struct av_arch_gicv2 gicv2;               /* the GICH frame (banked per CPU) */
static uint64_t midr;
static uint32_t trap_features;
static unsigned pmcr_n;
static volatile bool go;                         /* secondaries may enter guests */
static int failed_vms;
static bool pac_untrapped;                       /* one vCPU per pCPU in the whole image */

/* Board facts read from QEMU's DTB before any guest ran (libfdt uses FP/SIMD). */
static struct {
	uint64_t initrd_start, initrd_end;
	const char *bootargs;
	uint64_t rtc_base;
	uint64_t dtb_size;
} board;

static void bm_irq_drain(void);

/* ---------------------------------------------------------------------------------------
 * Hypervisor memory: a static pool of stage-2 table pages (never mapped into a VM)
 */

/* 64 KiB alignment: a root of up to 16 concatenated tables is aligned to its size. */
static uint8_t pt_pool[BM_PT_PAGES][4096] __attribute__((aligned(65536)));
static unsigned pt_next;
static struct port_spinlock pt_lock;

static void *mm_zalloc(void *cookie, size_t size)
{
	size_t pages = (size + 4095) / 4096;
	unsigned first;
	void *p = NULL;

	(void)cookie;
	port_spin_lock(&pt_lock);
	first = (unsigned)((pt_next + pages - 1) / pages * pages); /* naturally aligned */
	if (first + pages <= BM_PT_PAGES) {
		pt_next = first + (unsigned)pages;
		p = pt_pool[first];
	}
	port_spin_unlock(&pt_lock);
	if (p)
		memset(p, 0, pages * 4096);
	return p;
}

static void mm_free(void *cookie, void *va, size_t size)
{
	(void)cookie;
	(void)va;
	(void)size; /* VMs are static: their tables live as long as the hypervisor */
}

static void *mm_phys_to_virt(void *cookie, uint64_t pa)
{
	(void)cookie;
	return (void *)(uintptr_t)pa; /* EL2 runs on an identity map */
}

static uint64_t mm_virt_to_phys(void *cookie, void *va)
{
	(void)cookie;
	return (uint64_t)(uintptr_t)va;
}

static const struct av_mm_ops bm_mm_ops = {
	.zalloc = mm_zalloc,
	.free = mm_free,
	.phys_to_virt = mm_phys_to_virt,
	.virt_to_phys = mm_virt_to_phys,
	.clean_poc = av_arch_s2_clean_poc,
	.tlbi_ipa = av_arch_s2_tlbi_ipa,
	.tlbi_vmid = av_arch_s2_tlbi_vmid,
};

/* ---------------------------------------------------------------------------------------
 * Physical memory: what must stay the hypervisor's, and guest RAM carved around it
 */

struct bm_range {
	uint64_t start, end;
};

static struct bm_range reserved[16];
static unsigned nr_reserved;

static void reserve(uint64_t start, uint64_t end)
{
	if (end > start && nr_reserved < BM_ARRAY_SIZE(reserved))
		reserved[nr_reserved++] = (struct bm_range){ start, end };
}

/* Highest 2 MiB-aligned free block of @size bytes in board RAM; 0 if none. */
static uint64_t carve_ram(uint64_t size)
{
	uint64_t top = plat->ram_base + plat->ram_size;

	for (;;) {
		uint64_t base;
		bool clash = false;

		if (top < plat->ram_base + size)
			return 0;
		base = (top - size) & ~(SZ_2M - 1);
		if (base < plat->ram_base)
			return 0;
		for (unsigned i = 0; i < nr_reserved; i++) {
			if (reserved[i].start < base + size && base < reserved[i].end) {
				clash = true;
				if (reserved[i].start < top)
					top = reserved[i].start;
			}
		}
		if (!clash) {
			reserve(base, base + size);
			return base;
		}
	}
}

/* ---------------------------------------------------------------------------------------
 * Console: guest output with the VM's name, input to the focused VM
 */

static struct port_spinlock out_lock;
static struct bm_vm *out_open;     /* VM whose partial line is on the console */
static unsigned focus;             /* VM receiving console input */
static bool escape;

/* Print @len bytes of @vm's output; @eol: they end a line. Takes out_lock. */
static void console_emit(struct bm_vm *vm, const char *s, unsigned len, bool eol)
{
	char buf[BM_LINE_MAX + 40];
	unsigned n = 0;

	port_spin_lock(&out_lock);
	if (out_open && out_open != vm)
		buf[n++] = '\n';
	if (out_open != vm) {
		for (const char *p = vm->desc->name; *p && n < 32; p++)
			buf[n++] = *p;
		buf[n++] = ':';
		buf[n++] = ' ';
	}
	for (unsigned i = 0; i < len && n < sizeof(buf) - 2; i++)
		buf[n++] = s[i];
	if (eol)
		buf[n++] = '\n';
	buf[n] = '\0';
	port_puts(buf);
	out_open = eol ? NULL : vm;
	port_spin_unlock(&out_lock);
}

/* Called under the VM's UART lock. */
static int uart_tx(void *cookie, uint8_t byte)
{
	struct bm_vm *vm = cookie;

	if (byte == '\r')
		return 0;
	if (byte == '\n') {
		console_emit(vm, vm->line, vm->line_len, true);
		vm->line_len = 0;
		return 0;
	}
	vm->line[vm->line_len++] = (char)byte;
	if (vm->line_len == BM_LINE_MAX) {
		console_emit(vm, vm->line, vm->line_len, false);
		vm->line_len = 0;
	}
	return 0;
}

/* The VM went idle: show a partial line (a shell prompt, an echoed key). */
static void console_flush_partial(struct bm_vm *vm)
{
	if (!(vm->desc->devices & BM_DEV_PL011) || !vm->line_len)
		return;
	port_spin_lock(&vm->uart_lock.lock);
	if (vm->line_len) {
		console_emit(vm, vm->line, vm->line_len, false);
		vm->line_len = 0;
	}
	port_spin_unlock(&vm->uart_lock.lock);
}

static void uart_set_irq(void *cookie, bool level)
{
	struct bm_vm *vm = cookie;

	av_vgic_set_level(&vm->vgic, 0, BM_UART_INTID, level, NULL);
}

#define UART_DR 0x000u
#define UART_FR 0x018u
#define UART_FR_RXFE AV_BIT(4)
#define UART_IMSC 0x038u
#define UART_ICR 0x044u
#define UART_INT_RX AV_BIT(4)
#define UART_INT_RT AV_BIT(6)

static void console_rx_byte(uint8_t c)
{
	struct bm_vm *vm;

	if (escape) {
		escape = false;
		if (c == 'n' || c == 'N') {
			for (unsigned i = 1; i <= nr_vms; i++) {
				unsigned next = (focus + i) % nr_vms;

				if (vms[next].started && (vms[next].desc->devices & BM_DEV_PL011)) {
					focus = next;
					break;
				}
			}
			port_printf("\n[armvirt-bm: console input -> %s]\n", vms[focus].desc->name);
			port_write32(plat->uart_base + UART_IMSC, UART_INT_RX | UART_INT_RT);
			return;
		}
		if (c == '?' || c == 'h') {
			port_printf("\n[armvirt-bm: Ctrl-] n: next VM, Ctrl-] Ctrl-]: send Ctrl-]; "
				    "input -> %s]\n", vms[focus].desc->name);
			return;
		}
		if (c != BM_ESCAPE)
			return;
	} else if (c == BM_ESCAPE) {
		escape = true;
		return;
	}
	if (focus >= nr_vms)
		return;
	vm = &vms[focus];
	if (!vm->started || vm->stopping || !(vm->desc->devices & BM_DEV_PL011))
		return;
	port_spin_lock(&vm->uart_lock.lock);
	if (av_pl011_rx_push(&vm->uart, &c, 1) == 0)
		av_pl011_rx_overrun(&vm->uart);
	port_spin_unlock(&vm->uart_lock.lock);
}

/* Room in the focused VM's receive FIFO (0 when nothing can be taken now). */
static size_t console_rx_room(void)
{
	struct bm_vm *vm = focus < nr_vms ? &vms[focus] : NULL;
	size_t room;

	if (!vm || !vm->started || vm->stopping || !(vm->desc->devices & BM_DEV_PL011))
		return SIZE_MAX; /* nobody listens: read and drop */
	port_spin_lock(&vm->uart_lock.lock);
	room = av_pl011_rx_space(&vm->uart);
	port_spin_unlock(&vm->uart_lock.lock);
	return room;
}

/*
 * The board UART received something. Bytes move to the focused VM only while its FIFO has
 * room; otherwise the receive interrupt is masked and the rest waits in the board UART
 * (QEMU then stops reading its input) until the guest reads (uart_rx_space()).
 */
static void console_rx_irq(void)
{
	uint64_t u = plat->uart_base;

	while (!(port_read32(u + UART_FR) & UART_FR_RXFE)) {
		if (!escape && console_rx_room() == 0) {
			/* Leave the raw status set: unmasking raises the interrupt again. */
			port_write32(u + UART_IMSC, 0);
			return;
		}
		console_rx_byte((uint8_t)port_read32(u + UART_DR));
	}
	port_write32(u + UART_ICR, UART_INT_RX | UART_INT_RT);
}

/* The guest read from a full receive FIFO: let the board UART interrupt again. */
static void uart_rx_space(void *cookie)
{
	struct bm_vm *vm = cookie;

	if (focus < nr_vms && &vms[focus] == vm)
		port_write32(plat->uart_base + UART_IMSC, UART_INT_RX | UART_INT_RT);
}

/* ---------------------------------------------------------------------------------------
 * MMIO devices: vGIC regions, locked PrimeCells, the virtio window
 */

static struct bm_vcpu *this_vcpu(void)
{
	return pcpus[port_this_cpu()->index].cur;
}

static enum av_mmio_result vgic_result(int r)
{
	return r == AV_VGIC_ACCESS_OK ? AV_MMIO_HANDLED : AV_MMIO_INJECT_DABT;
}

static enum av_mmio_result gicd_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	struct bm_vm *vm = dev;

	this_vcpu()->vgic_dirty = true; /* enables, priorities... change what the LRs need */

	if (vm->vgic.model == AV_VGIC_V3)
		return vgic_result(av_vgic_v3_dist_access(&vm->vgic, off, size, false, val));
	return vgic_result(av_vgic_v2_dist_access(&vm->vgic, this_vcpu()->v.index, off, size,
						  false, val));
}

static enum av_mmio_result gicd_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct bm_vm *vm = dev;

	this_vcpu()->vgic_dirty = true; /* enables, priorities... change what the LRs need */

	if (vm->vgic.model == AV_VGIC_V3)
		return vgic_result(av_vgic_v3_dist_access(&vm->vgic, off, size, true, &val));
	return vgic_result(av_vgic_v2_dist_access(&vm->vgic, this_vcpu()->v.index, off, size,
						  true, &val));
}

static enum av_mmio_result gicr_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	struct bm_vm *vm = dev;

	this_vcpu()->vgic_dirty = true; /* enables, priorities... change what the LRs need */

	return vgic_result(av_vgic_v3_redist_region_access(&vm->vgic, off, size, false, val));
}

static enum av_mmio_result gicr_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct bm_vm *vm = dev;

	this_vcpu()->vgic_dirty = true; /* enables, priorities... change what the LRs need */

	return vgic_result(av_vgic_v3_redist_region_access(&vm->vgic, off, size, true, &val));
}

static const struct av_mmio_ops gicd_ops = { .read = gicd_read, .write = gicd_write };
static const struct av_mmio_ops gicr_ops = { .read = gicr_read, .write = gicr_write };

static enum av_mmio_result locked_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	struct bm_locked_dev *d = dev;
	enum av_mmio_result r;

	port_spin_lock(&d->lock);
	r = d->ops->read(d->inner, off, size, val);
	port_spin_unlock(&d->lock);
	return r;
}

static enum av_mmio_result locked_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	struct bm_locked_dev *d = dev;
	enum av_mmio_result r;

	port_spin_lock(&d->lock);
	r = d->ops->write(d->inner, off, size, val);
	port_spin_unlock(&d->lock);
	return r;
}

static const struct av_mmio_ops locked_ops = { .read = locked_read, .write = locked_write };

/* virtio-mmio slots without a device: MagicValue reads 0, so a driver sees nothing. */
static enum av_mmio_result raz_read(void *dev, uint64_t off, unsigned size, uint64_t *val)
{
	(void)dev;
	(void)off;
	(void)size;
	*val = 0;
	return AV_MMIO_HANDLED;
}

static enum av_mmio_result wi_write(void *dev, uint64_t off, unsigned size, uint64_t val)
{
	(void)dev;
	(void)off;
	(void)size;
	(void)val;
	return AV_MMIO_HANDLED;
}

static const struct av_mmio_ops raz_wi_ops = { .read = raz_read, .write = wi_write };

/* The RTC reads the board's PL031 (wall-clock seconds). */
static uint64_t rtc_now(void *cookie)
{
	(void)cookie;
	return board.rtc_base ? port_read32(board.rtc_base + AV_PL031_DR) : 0;
}

static void rtc_set_irq(void *cookie, bool level)
{
	struct bm_vm *vm = cookie;

	av_vgic_set_level(&vm->vgic, 0, 32 + AV_VIRT_RTC_SPI, level, NULL);
}

/* ---------------------------------------------------------------------------------------
 * vm.c hooks
 */

/* Host ID registers: the ID space op0=3 op1=0 CRn=0 CRm=1..7 (and CTR_EL0). */
#define IDREG(crm, op2) \
	case AV_SYSREG(3, 0, 0, crm, op2): \
		__asm__ volatile("mrs %0, s3_0_c0_c" #crm "_" #op2 : "=r"(v)); \
		break
#define IDROW(crm) IDREG(crm, 0); IDREG(crm, 1); IDREG(crm, 2); IDREG(crm, 3); \
		   IDREG(crm, 4); IDREG(crm, 5); IDREG(crm, 6); IDREG(crm, 7)

static uint64_t bm_id_host(void *cookie, uint32_t key)
{
	uint64_t v = 0;

	(void)cookie;
	switch (key) {
	IDROW(1);
	IDROW(2);
	IDROW(3);
	IDROW(4);
	IDROW(5);
	IDROW(6);
	IDROW(7);
	case AV_SYS_CTR_EL0:
		__asm__ volatile("mrs %0, ctr_el0" : "=r"(v));
		break;
	default:
		break;
	}
	return v;
}

static uint64_t bm_counter(void *cookie)
{
	(void)cookie;
	return port_counter();
}

/* ISV=0 MMIO: translate the guest PC (stage 1, AT S1E1R on the loaded vCPU) and read it. */
static int bm_fetch_insn(void *cookie, struct av_vcpu *v, uint64_t va, uint32_t *insn)
{
	struct bm_vm *vm = cookie;
	uint64_t saved, par, ipa;

	(void)v;
	__asm__ volatile("mrs %0, par_el1" : "=r"(saved));
	__asm__ volatile("at s1e1r, %1; isb; mrs %0, par_el1" : "=r"(par) : "r"(va));
	__asm__ volatile("msr par_el1, %0" : : "r"(saved));
	if (par & 1)
		return -AV_EFAULT;
	ipa = (par & AV_GENMASK(47, 12)) | (va & 0xfff);
	if (ipa < vm->ram_ipa || ipa + 4 > vm->ram_ipa + vm->ram_size || (ipa & 3))
		return -AV_EFAULT;
	*insn = *(volatile uint32_t *)(uintptr_t)(vm->ram_pa + (ipa - vm->ram_ipa));
	return 0;
}

static void sched_kick(unsigned cpu);

/*
 * PSCI CPU_ON accepted (under the VM lock): the vCPU becomes runnable. -AV_EBUSY from the
 * scheduler means the target's pCPU has not yet dropped it after its CPU_OFF; that pCPU
 * powers it on itself after its next pick (pcpu_loop()), seeing AV_VCPU_ON_PENDING.
 */
static int bm_cpu_on(void *cookie, struct av_vcpu *target)
{
	struct bm_vcpu *t = target->host;
	struct bm_vm *vm = cookie;
	unsigned kick = AV_SCHED_NO_CPU;

	if (vm->stopping)
		return -AV_EBUSY;
	t->vgic_dirty = true;
	if (av_sched_power_on(&sched, &t->se, &kick) == 0)
		sched_kick(kick);
	return 0;
}

/* IVC hypercalls (doc/hypercalls.md); other vendor IDs are not supported. */
static int bm_hypercall(void *cookie, struct av_vcpu *vcpu, uint32_t fid, uint16_t imm,
			enum av_exit_action *action)
{
	struct bm_vm *vm = cookie;

	(void)fid;
	(void)imm;
	(void)action;
	if (!ivc_on)
		return -AV_ENOTSUP;
	return av_ivc_hypercall(&ivc, vm->index, &vcpu->ctxt.regs);
}

static void bm_lock(void *cookie)
{
	port_spin_lock(&((struct bm_vm *)cookie)->lock);
}

static void bm_unlock(void *cookie)
{
	port_spin_unlock(&((struct bm_vm *)cookie)->lock);
}

/*
 * The dispatcher's view of EL1 state while the vCPU is loaded: only the registers exception
 * injection and SP-relative emulation use (av_arch_el1_save() would also park the timer).
 */
static void bm_el1_get(void *cookie, struct av_vcpu *v)
{
	struct av_el1_regs *r = &v->ctxt.el1;

	(void)cookie;
	__asm__ volatile("mrs %0, sctlr_el1" : "=r"(r->sctlr));
	__asm__ volatile("mrs %0, vbar_el1" : "=r"(r->vbar));
	__asm__ volatile("mrs %0, elr_el1" : "=r"(r->elr));
	__asm__ volatile("mrs %0, spsr_el1" : "=r"(r->spsr));
	__asm__ volatile("mrs %0, esr_el1" : "=r"(r->esr));
	__asm__ volatile("mrs %0, far_el1" : "=r"(r->far));
	__asm__ volatile("mrs %0, sp_el0" : "=r"(r->sp_el0));
	__asm__ volatile("mrs %0, sp_el1" : "=r"(r->sp_el1));
	__asm__ volatile("mrs %0, mdscr_el1" : "=r"(r->mdscr));
}

static void bm_el1_put(void *cookie, struct av_vcpu *v)
{
	const struct av_el1_regs *r = &v->ctxt.el1;

	(void)cookie;
	__asm__ volatile("msr sctlr_el1, %0" : : "r"(r->sctlr));
	__asm__ volatile("msr vbar_el1, %0" : : "r"(r->vbar));
	__asm__ volatile("msr elr_el1, %0" : : "r"(r->elr));
	__asm__ volatile("msr spsr_el1, %0" : : "r"(r->spsr));
	__asm__ volatile("msr esr_el1, %0" : : "r"(r->esr));
	__asm__ volatile("msr far_el1, %0" : : "r"(r->far));
	__asm__ volatile("msr sp_el0, %0" : : "r"(r->sp_el0));
	__asm__ volatile("msr sp_el1, %0" : : "r"(r->sp_el1));
	__asm__ volatile("msr mdscr_el1, %0" : : "r"(r->mdscr));
}

/* IRQ/FIQ/SError exits: the run loop has already drained the physical GIC. */
static enum av_exit_action bm_irq_exit(void *cookie, struct av_vcpu *v, enum av_exit_kind kind)
{
	(void)cookie;
	(void)v;
	(void)kind;
	return AV_EXIT_RESUME;
}

static const struct av_vm_ops bm_vm_ops = {
	.id_host = bm_id_host,
	.counter = bm_counter,
	.fetch_insn = bm_fetch_insn,
	.cpu_on = bm_cpu_on,
	.hypercall = bm_hypercall,
	.lock = bm_lock,
	.unlock = bm_unlock,
	.el1_get = bm_el1_get,
	.el1_put = bm_el1_put,
	.irq = bm_irq_exit,
};

/*
 * The list-register backend of every VM: the hardware one (ICH_LR<n>_EL2 or GICH_LR<n>),
 * plus a record of which LRs hold an interrupt and which maintenance interrupts were asked
 * for. With no LR in use and nothing new for the vCPU, an exit that did not touch the vGIC
 * can skip av_vgic_sync()/av_vgic_flush() (there is nothing to fold back and nothing to
 * add): the common hypercall and device exits go straight back to the guest.
 */
static unsigned lr_count;

static unsigned bm_lr_nr(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return lr_count;
}

static void bm_lr_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	struct bm_vm *vm = cookie;

	vm->lr_hw->write_lr(vm->lr_hw_cookie, vcpu, idx, lr);
	if (lr->state != AV_VGIC_LR_INVALID)
		vm->lr_live[vcpu] |= 1u << idx;
	else
		vm->lr_live[vcpu] &= ~(1u << idx);
}

static void bm_lr_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	struct bm_vm *vm = cookie;

	vm->lr_hw->read_lr(vm->lr_hw_cookie, vcpu, idx, lr);
}

static void bm_lr_set_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	struct bm_vm *vm = cookie;

	if (flags == 0 && vm->lr_maint[vcpu] == 0)
		return; /* already off */
	vm->lr_hw->set_maint(vm->lr_hw_cookie, vcpu, flags);
	vm->lr_maint[vcpu] = flags;
}

static const struct av_vgic_lr_ops bm_lr_ops = {
	.nr_lrs = bm_lr_nr,
	.write_lr = bm_lr_write,
	.read_lr = bm_lr_read,
	.set_maint = bm_lr_set_maint,
};

/* ID registers: computed once per VM by av_vm_id_read(), served from the cache. */
static enum av_sysreg_result bm_sys_id(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	const struct bm_vm *vm = ctx->table->cookie;
	unsigned crm = av_sysreg_crm(ctx->key), op2 = av_sysreg_op2(ctx->key);

	if (ctx->is_write)
		return AV_SYSREG_INJECT_UNDEF;
	*val = vm->idregs[(crm - 1) * 8 + op2];
	return AV_SYSREG_HANDLED;
}

static const struct av_sysreg_desc bm_sys_rows[] = {
	AV_SYSREG_ROW_RANGE(AV_SYSREG(3, 0, 0, 1, 0), AV_SYSREG(3, 0, 0, 7, 7),
			    "ID registers (cached)", bm_sys_id, 0),
};

/* Make pCPU @cpu take a scheduling decision: a kick SGI, or a flag for this one. */
static void sched_kick(unsigned cpu)
{
	if (cpu == AV_SCHED_NO_CPU)
		return;
	if (cpu == port_this_cpu()->index)
		pcpus[cpu].resched = true;
	else
		port_kick(cpu);
}

/*
 * vGIC: an interrupt became deliverable to vCPU @idx. Wake it (the scheduler names the
 * pCPU to reschedule, if any); if it is running on another pCPU, kick that pCPU so the
 * vCPU exits and its next entry flushes the list registers.
 */
static void bm_vgic_kick(void *cookie, unsigned idx)
{
	struct bm_vm *vm = cookie;
	struct bm_vcpu *bv = &vm->vcpus[idx];
	unsigned kick = AV_SCHED_NO_CPU;

	__atomic_store_n(&bv->vgic_dirty, true, __ATOMIC_RELEASE);
	if (!bv->added)
		return;
	av_sched_wake(&sched, &bv->se, &kick);
	if (kick == AV_SCHED_NO_CPU) {
		if (__atomic_load_n(&bv->se.state, __ATOMIC_ACQUIRE) == AV_SCHED_RUNNING) {
			unsigned cpu = __atomic_load_n(&bv->se.cpu, __ATOMIC_ACQUIRE);

			if (cpu != port_this_cpu()->index)
				port_kick(cpu);
		}
		return;
	}
	if (kick == port_this_cpu()->index) {
		struct bm_vcpu *cur = pcpus[kick].cur;

		/* This pCPU runs something of at least its priority: no preemption, only the
		 * end of the current slice to arm (av_sched_next_event() has it now). */
		if (cur && cur != bv && cur->se.prio >= bv->se.prio) {
			pcpus[kick].timer_dirty = true;
			return;
		}
	}
	sched_kick(kick);
}

/* IVC doorbells: the receiver VM's interrupt (its vGIC routes it and kicks, above). */
static void bm_ivc_doorbell(void *cookie, unsigned vmid, uint32_t intid, enum av_ivc_db_op op)
{
	struct bm_vm *vm = &vms[vmid];

	(void)cookie;
	if (!vm->started)
		return;
	if (op == AV_IVC_DB_PULSE)
		av_vgic_pulse(&vm->vgic, 0, intid, NULL);
	else
		av_vgic_set_level(&vm->vgic, 0, intid, op == AV_IVC_DB_RAISE, NULL);
}

static const struct av_ivc_ops bm_ivc_ops = { .doorbell = bm_ivc_doorbell };

/* ---------------------------------------------------------------------------------------
 * Building a VM from its description
 */

static int copy_to_guest(void *cookie, uint64_t dst, const void *src, uint64_t len)
{
	struct bm_vm *vm = cookie;
	uint8_t *p;

	if (dst < vm->ram_ipa || len > vm->ram_size || dst - vm->ram_ipa > vm->ram_size - len)
		return -AV_ERANGE;
	p = (uint8_t *)(uintptr_t)(vm->ram_pa + (dst - vm->ram_ipa));
	if (src)
		memcpy(p, src, (size_t)len);
	else
		memset(p, 0, (size_t)len);
	/* The guest starts with its MMU (and caches) off. */
	av_arch_dcache_clean_poc(p, (size_t)len);
	return 0;
}

/* Where a payload's bytes are: pointer and length (for a loader Image, its image_size). */
static int payload_bytes(const struct bm_payload *pl, bool image, const void **p, size_t *len)
{
	switch (pl->kind) {
	case BM_PAYLOAD_EMBEDDED:
		*p = pl->start;
		*len = (size_t)((const char *)pl->end - (const char *)pl->start);
		return 0;
	case BM_PAYLOAD_LOADER: {
		const uint8_t *h = (const uint8_t *)(uintptr_t)pl->addr;
		uint64_t size;

		if (!image || pl->addr < plat->ram_base ||
		    pl->addr + AV_IMAGE_HDR_SIZE > plat->ram_base + plat->ram_size)
			return -AV_ERANGE;
		if (*(const volatile uint32_t *)(h + AV_IMAGE_OFF_MAGIC) != AV_IMAGE_MAGIC)
			return -AV_EBADIMG;
		size = *(const volatile uint64_t *)(h + AV_IMAGE_OFF_IMAGE_SIZE);
		if (size == 0 || size > plat->ram_base + plat->ram_size - pl->addr)
			return -AV_EBADIMG;
		*p = h;
		*len = (size_t)size;
		return 0;
	}
	case BM_PAYLOAD_BOARD_INITRD:
		if (image || !board.initrd_end || board.initrd_end <= board.initrd_start)
			return -AV_ENOENT;
		*p = (const void *)(uintptr_t)board.initrd_start;
		*len = (size_t)(board.initrd_end - board.initrd_start);
		return 0;
	default:
		return -AV_ENOENT;
	}
}

static void s2_report(void *cookie, const struct av_s2_problem *pr)
{
	struct bm_vm *vm = cookie;

	port_printf("armvirt-bm: %s: stage 2: %s at IPA %#llx level %u (desc %#llx)\n",
		    vm->desc->name, pr->what, (unsigned long long)pr->ipa, pr->level,
		    (unsigned long long)pr->desc);
}

static int setup_stage2(struct bm_vm *vm)
{
	static void *mc_pages[48];
	struct av_memcache mc;
	struct av_s2_cfg cfg = {
		.granule = AV_S2_GRANULE_4K,
		.ipa_bits = BM_IPA_BITS,
		.pa_bits = 40,
		.start_level = AV_S2_START_LEVEL_AUTO,
		.vmid_bits = 8,
		.walk = AV_S2_WALK_WB_INNER,
	};
	struct av_s2_pa_range mine[3], owned[3 + AV_IVC_MAX_BUFS];
	size_t nmine = 0, nowned = 0;
	uint64_t vttbr;
	unsigned long problems;
	int rc;

	rc = av_s2_init(&vm->s2, &cfg, &bm_mm_ops, &vm->s2_cookie);
	if (!rc)
		rc = av_s2_vttbr(&vm->s2, vm->index + 1, &vttbr);
	if (rc)
		return rc;
	vm->s2_cookie.tlb.vttbr = vttbr;
	av_memcache_init(&mc, mc_pages, BM_ARRAY_SIZE(mc_pages));
	rc = av_s2_memcache_topup(&vm->s2, &mc, 24);
	/* RAM: normal write-back memory (the library's default attributes for RWX). */
	if (!rc)
		rc = av_s2_map(&vm->s2, vm->ram_ipa, vm->ram_size, vm->ram_pa, AV_S2_RWX, 0, &mc,
			       NULL);
	mine[nmine++] = (struct av_s2_pa_range){ vm->ram_pa, vm->ram_size };
	/* GICv2: the guest's GICC is the hardware virtual CPU interface (8 KiB, device). */
	if (!rc && vm->spec.gic.version == AV_VMSPEC_GICV2) {
		rc = av_s2_map(&vm->s2, vm->spec.gic.cpu.base, 0x2000, plat->gicv_base,
			       AV_S2_RW | AV_S2_DEVICE, 0, &mc, NULL);
		mine[nmine++] = (struct av_s2_pa_range){ plat->gicv_base, 0x2000 };
	}
	/* A pass-through device: its MMIO window at its own address, device memory. */
	if (!rc && vm->pt.size) {
		rc = av_s2_map(&vm->s2, vm->pt.base, vm->pt.size, vm->pt.base,
			       AV_S2_RW | AV_S2_DEVICE, 0, &mc, NULL);
		mine[nmine++] = (struct av_s2_pa_range){ vm->pt.base, vm->pt.size };
	}
	/* Shared buffers: read-only or read-write per VM (doc/ivc.md). */
	if (!rc && ivc_on) {
		rc = av_s2_memcache_topup(&vm->s2, &mc,
					  av_ivc_shmem_pages_max(&ivc, vm->index, &vm->s2));
		if (!rc)
			rc = av_ivc_shmem_map(&ivc, vm->index, &vm->s2, &mc);
	}
	av_s2_memcache_drain(&vm->s2, &mc);
	if (rc)
		return rc;
	if (ivc_on) {
		rc = av_ivc_owned_ranges(&ivc, vm->index, mine, nmine, owned,
					 BM_ARRAY_SIZE(owned), &nowned);
		if (rc)
			return rc;
	} else {
		for (nowned = 0; nowned < nmine; nowned++)
			owned[nowned] = mine[nowned];
	}
	/* Nothing but the VM's RAM (and its GICV) may be reachable, no table inside it. */
	problems = av_s2_check(&vm->s2, owned, nowned, s2_report, vm);
	if (problems) {
		port_printf("armvirt-bm: %s: stage 2 check found %lu problem(s): not starting\n",
			    vm->desc->name, problems);
		return -AV_EFAULT;
	}
	return 0;
}

static int setup_vgic(struct bm_vm *vm, const uint64_t *mpidr)
{
	struct av_vgic_config cfg = {
		.model = vm->spec.gic.version == AV_VMSPEC_GICV3 ? AV_VGIC_V3 : AV_VGIC_V2,
		.nr_vcpus = vm->spec.nr_vcpus,
		.nr_spis = vm->spec.gic.nr_spis,
		.mpidr = mpidr,
		.kick = bm_vgic_kick,
		.kick_cookie = vm,
	};
	int rc;

	if (cfg.model == AV_VGIC_V3) {
		vm->lr_hw = &av_arch_gic_v3_lr_ops;
	} else {
		vm->lr_hw = &av_arch_gic_v2_lr_ops;
		vm->lr_hw_cookie = &gicv2;
	}
	cfg.lr_ops = &bm_lr_ops;
	cfg.lr_cookie = vm;
	rc = av_vgic_init(&vm->vgic, &cfg);
	/* The guest's virtual timer is the hardware's: PPI 27 forwarded, HW-linked. */
	for (unsigned i = 0; !rc && i < vm->spec.nr_vcpus; i++)
		rc = av_vgic_map_hw(&vm->vgic, i, AV_VIRT_TIMER_VIRT_INTID, PORT_PPI_VTIMER);
	/* Pass-through SPIs: forwarded, HW-linked (the guest's deactivation is the hardware's). */
	for (unsigned i = 0; !rc && i < vm->pt.nr_spis; i++)
		rc = av_vgic_map_hw(&vm->vgic, 0, 32 + vm->pt.spis[i], 32 + vm->pt.spis[i]);
	return rc;
}

static int add_dev(struct bm_vm *vm, struct av_mmio_dev *d, const char *name, uint64_t base,
		   uint64_t size, const struct av_mmio_ops *ops, void *dev, unsigned widths)
{
	*d = (struct av_mmio_dev){ .base = base, .size = size, .ops = ops, .dev = dev,
				   .name = name, .widths = widths };
	return av_mmio_register(&vm->bus, d);
}

static int setup_bus(struct bm_vm *vm)
{
	const struct av_vmspec *s = &vm->spec;
	int rc;

	rc = av_mmio_bus_init(&vm->bus, vm->bus_slots, BM_BUS_SLOTS, AV_MMIO_UNCLAIMED_ABORT);
	if (!rc && s->gic.version == AV_VMSPEC_GICV3) {
		rc = add_dev(vm, &vm->dev_gicd, "gicd", s->gic.dist.base, AV_GICD_V3_SIZE,
			     &gicd_ops, vm, AV_MMIO_WALL);
		if (!rc)
			rc = add_dev(vm, &vm->dev_gicr, "gicr", s->gic.redist.base,
				     (uint64_t)s->nr_vcpus * AV_GICR_STRIDE, &gicr_ops, vm,
				     AV_MMIO_WALL);
	} else if (!rc) {
		rc = add_dev(vm, &vm->dev_gicd, "gicd", s->gic.dist.base, AV_GICD_V2_SIZE,
			     &gicd_ops, vm, AV_MMIO_WALL);
	}
	if (!rc && (vm->desc->devices & BM_DEV_PL011)) {
		struct av_pl011_config uc = { .tx = uart_tx, .set_irq = uart_set_irq,
					      .rx_space = uart_rx_space, .cookie = vm };

		rc = av_pl011_init(&vm->uart, &uc);
		vm->uart_lock.ops = &av_pl011_mmio_ops;
		vm->uart_lock.inner = &vm->uart;
		if (!rc)
			rc = add_dev(vm, &vm->dev_uart, "pl011", s->uarts[0].mmio.base,
				     AV_PL011_SIZE, &locked_ops, &vm->uart_lock, AV_PL011_WIDTHS);
	}
	if (!rc && (vm->desc->devices & BM_DEV_PL031)) {
		struct av_pl031_config rc_cfg = { .now = rtc_now, .set_irq = rtc_set_irq,
						  .cookie = vm };

		rc = av_pl031_init(&vm->rtc, &rc_cfg);
		vm->rtc_lock.ops = &av_pl031_mmio_ops;
		vm->rtc_lock.inner = &vm->rtc;
		if (!rc)
			rc = add_dev(vm, &vm->dev_rtc, "pl031", s->rtc.mmio.base, AV_PL031_SIZE,
				     &locked_ops, &vm->rtc_lock, AV_PL031_WIDTHS);
	}
	if (!rc && (vm->desc->devices & BM_DEV_VIRTIO_RAZ) && s->nr_virtio)
		rc = add_dev(vm, &vm->dev_virtio, "virtio-mmio", s->virtio[0].mmio.base,
			     (uint64_t)s->nr_virtio * AV_VIRT_VIRTIO_SIZE, &raz_wi_ops, vm,
			     AV_MMIO_WALL);
	return rc;
}

static int setup_vcpus(struct bm_vm *vm, const uint64_t *mpidr)
{
	struct av_vm_config cfg;
	struct av_trap_policy pol;
	struct av_el2_traps traps;
	uint64_t vttbr;
	int rc;

	vm->psci_ram = (struct av_psci_range){ vm->ram_ipa, vm->ram_size };
	cfg = (struct av_vm_config){
		.name = vm->desc->name,
		.nr_vcpus = vm->spec.nr_vcpus,
		.mpidr = mpidr,
		.s2 = &vm->s2,
		.vgic = &vm->vgic,
		.bus = &vm->bus,
		.ram = &vm->psci_ram,
		.nram = 1,
		.sysreg_rows = bm_sys_rows,
		.nsysreg_rows = BM_ARRAY_SIZE(bm_sys_rows),
		.ops = &bm_vm_ops,
		.cookie = vm,
	};
	rc = av_vm_init(&vm->vm, &cfg);
	if (rc)
		return rc;
	for (unsigned crm = 1; crm <= 7; crm++)
		for (unsigned op2 = 0; op2 < 8; op2++)
			av_vm_id_read(&vm->vm, AV_SYSREG(3, 0, 0, crm, op2),
				      &vm->idregs[(crm - 1) * 8 + op2]);
	av_trap_policy_default_guest(&pol, trap_features, pmcr_n);
	/* Pointer-authentication keys are not switched: left to the guest only when every vCPU
	 * of the image has a pCPU of its own (pinned, nobody else there). */
	if (pac_untrapped) {
		pol.trap_pac_insn = false;
		pol.trap_pac_keys = false;
	}
	rc = av_trap_policy_compute(&pol, &traps);
	if (rc)
		return rc;
	av_s2_vttbr(&vm->s2, vm->index + 1, &vttbr);
	for (unsigned i = 0; i < vm->spec.nr_vcpus; i++) {
		struct bm_vcpu *bv = &vm->vcpus[i];

		rc = av_vcpu_init(&bv->v, &vm->vm, i, midr);
		if (rc)
			return rc;
		bv->v.host = bv;
		bv->vm = vm;
		bv->pcpu = (vm->desc->first_pcpu + i) % plat->ncpus;
		bv->pinned = !vm->desc->affinity;
		bv->on_cpu = -1;
		rc = av_sched_entity_init(&bv->se, vm->desc->prio,
					  bv->pinned ? 1ull << bv->pcpu : vm->desc->affinity, bv);
		if (rc)
			return rc;
		av_arch_vcpu_init(&bv->arch, &bv->v.ctxt, vm->spec.gic.version,
				  (uintptr_t)plat->gich_base);
		bv->arch.traps = traps;
		bv->arch.vtcr = av_s2_vtcr(&vm->s2);
		bv->arch.vttbr = vttbr;
		bv->arch.cntvoff = vm->cntvoff;
	}
	return av_boot_linux_regs(&vm->vcpus[vm->vm.boot_vcpu].v.ctxt.regs, &vm->layout);
}

static int load_guest(struct bm_vm *vm)
{
	static uint64_t dtb_buf[BM_DTB_MAX / 8];
	const struct bm_vm_desc *d = vm->desc;
	const void *kimg, *initrd = NULL;
	size_t klen, ilen = 0, dtb_size;
	struct av_image_info info;
	struct av_boot_req req;
	int rc;

	rc = payload_bytes(&d->kernel, true, &kimg, &klen);
	if (rc) {
		port_printf("armvirt-bm: %s: no kernel Image (%s)\n", d->name, av_strerror(rc));
		return rc;
	}
	rc = av_image_parse(kimg, klen, 0, &info);
	if (rc)
		return rc;
	if (d->initrd.kind != BM_PAYLOAD_NONE) {
		rc = payload_bytes(&d->initrd, false, &initrd, &ilen);
		if (rc) {
			port_printf("armvirt-bm: %s: no initrd (%s)\n", d->name, av_strerror(rc));
			return rc;
		}
	}
	req = (struct av_boot_req){
		.ram_base = vm->ram_ipa,
		.ram_size = vm->ram_size,
		.kernel_base = AV_BOOT_ADDR_AUTO,
		.dtb_size = BM_DTB_MAX,
		.dtb_addr = AV_BOOT_ADDR_AUTO,
		.initrd_size = ilen,
		.initrd_addr = AV_BOOT_ADDR_AUTO,
	};
	rc = av_boot_place(&info, &req, &vm->layout);
	if (rc)
		return rc;
	if (ilen) {
		vm->spec.chosen.initrd_start = vm->layout.initrd_addr;
		vm->spec.chosen.initrd_end = vm->layout.initrd_addr + ilen;
	}
	rc = av_fdt_build(&vm->spec, dtb_buf, sizeof(dtb_buf), &dtb_size);
	if (rc)
		return rc;
	vm->layout.dtb_size = dtb_size;
	rc = av_image_load(kimg, klen, &info, &vm->layout, copy_to_guest, vm);
	if (!rc && ilen)
		rc = copy_to_guest(vm, vm->layout.initrd_addr, initrd, ilen);
	if (!rc)
		rc = copy_to_guest(vm, vm->layout.dtb_addr, dtb_buf, dtb_size);
	av_arch_icache_inval_all();
	if (!rc)
		port_printf("armvirt-bm: %s: %u vCPU(s) from pCPU %u, GICv%u, RAM %llu MiB "
			    "(IPA %#llx -> PA %#llx), kernel %#llx (%zu bytes), DTB %#llx "
			    "(%zu bytes)%s\n",
			    d->name, vm->spec.nr_vcpus, d->first_pcpu % plat->ncpus,
			    vm->spec.gic.version,
			    (unsigned long long)(vm->ram_size >> 20),
			    (unsigned long long)vm->ram_ipa, (unsigned long long)vm->ram_pa,
			    (unsigned long long)vm->layout.kernel_addr, klen,
			    (unsigned long long)vm->layout.dtb_addr, dtb_size,
			    ilen ? ", initrd" : "");
	return rc;
}

/*
 * Pass-through of a virtio device: probe the board's virtio-mmio transports (from the last
 * slot down, the order QEMU fills them in) for MagicValue "virt" and DeviceID @id. The VM
 * gets the transport's 4 KiB page (8 transports share one; the others must have no
 * device) and its SPI.
 */
#define VIRTIO_MAGIC 0x74726976u
static uint64_t pt_dev_base[BM_MAX_VMS];

static int pt_resolve(struct bm_vm *vm)
{
	const struct bm_passthrough *d = &vm->desc->pt;

	vm->pt = *d;
	if (!d->virtio_id) {
		pt_dev_base[vm->index] = d->base;
		return 0;
	}
	for (int slot = 31; slot >= 0; slot--) {
		uint64_t base = AV_VIRT_VIRTIO_BASE + (uint64_t)slot * AV_VIRT_VIRTIO_SIZE;
		uint64_t page = base & ~0xfffull;

		if (port_read32(base) != VIRTIO_MAGIC || port_read32(base + 8) != d->virtio_id)
			continue;
		for (uint64_t o = page; o < page + 0x1000; o += AV_VIRT_VIRTIO_SIZE) {
			if (o != base && port_read32(o) == VIRTIO_MAGIC && port_read32(o + 8) != 0) {
				port_printf("armvirt-bm: %s: virtio transport %#llx shares its page with "
					    "another device: not passed through\n", vm->desc->name,
					    (unsigned long long)base);
				return -AV_EBUSY;
			}
		}
		vm->pt.base = page;
		vm->pt.size = 0x1000;
		vm->pt.spis[0] = AV_VIRT_VIRTIO_SPI + (uint32_t)slot;
		vm->pt.nr_spis = 1;
		pt_dev_base[vm->index] = base;
		port_printf("armvirt-bm: %s: virtio device %u found at %#llx (transport %d, SPI %u): "
			    "passed through\n", vm->desc->name, d->virtio_id,
			    (unsigned long long)base, slot, vm->pt.spis[0]);
		return 0;
	}
	port_printf("armvirt-bm: %s: no virtio-mmio transport has device %u\n", vm->desc->name,
		    d->virtio_id);
	return -AV_ENOENT;
}

static int vm_create(struct bm_vm *vm, const struct bm_vm_desc *d, unsigned index)
{
	struct av_vmspec_error err;
	uint64_t mpidr[AV_VMSPEC_GICV2_MAX_VCPUS];
	unsigned gic = d->gic_version ? d->gic_version : plat->gic_version;
	int rc;

	vm->desc = d;
	vm->index = index;
	if (!d->name || d->nr_vcpus == 0 || d->nr_vcpus > AV_VMSPEC_GICV2_MAX_VCPUS ||
	    !d->ram_size || (d->ram_size & (SZ_2M - 1)) || d->prio >= AV_SCHED_NR_PRIO ||
	    (d->affinity && !(d->affinity & ((plat->ncpus >= 64) ? ~0ull
							      : (1ull << plat->ncpus) - 1)))) {
		port_printf("armvirt-bm: %s: bad description (1..%u vCPUs, RAM in 2 MiB units, "
			    "priority < %u, an affinity with one of the board's %u pCPUs)\n",
			    d->name ? d->name : "?", AV_VMSPEC_GICV2_MAX_VCPUS, AV_SCHED_NR_PRIO,
			    plat->ncpus);
		return -AV_EINVAL;
	}
	if (gic != plat->gic_version) {
		port_printf("armvirt-bm: %s: GICv%u requested, the board has GICv%u\n", d->name, gic,
			    plat->gic_version);
		return -AV_ENOTSUP;
	}
	rc = pt_resolve(vm);
	if (rc)
		return rc;

	vm->ram_size = d->ram_size;
	vm->ram_pa = carve_ram(d->ram_size);
	if (!vm->ram_pa) {
		port_printf("armvirt-bm: %s: no %llu MiB of free RAM\n", d->name,
			    (unsigned long long)(d->ram_size >> 20));
		return -AV_ENOMEM;
	}
	vm->ram_ipa = d->ram_identity ? vm->ram_pa : AV_VIRT_RAM_BASE;

	/* The description of the VM the guest sees, from the same source as everything else. */
	rc = av_vmspec_virt(&vm->spec, gic == 3 ? AV_VMSPEC_GICV3 : AV_VMSPEC_GICV2, d->nr_vcpus,
			    d->ram_size);
	if (rc)
		return rc;
	vm->spec.ram[0].base = vm->ram_ipa;
	vm->spec.chosen.bootargs = d->cmdline ? d->cmdline : board.bootargs;
	if (!(d->devices & BM_DEV_PL031))
		vm->spec.rtc.ops = NULL;
	if (!(d->devices & BM_DEV_VIRTIO_RAZ))
		vm->spec.nr_virtio = 0;
	if (!(d->devices & BM_DEV_PL011)) {
		vm->spec.nr_uarts = 0;
		vm->spec.chosen.stdout_uart = -1;
	}
	if (vm->pt.size && d->pt.virtio_id) {
		/* The transport as the board has it: its own address, its SPI. */
		if (vm->spec.nr_devs >= AV_VMSPEC_MAX_DEVS)
			return -AV_ENOSPC;
		vm->spec.devs[vm->spec.nr_devs++] = (struct av_vmspec_dev){
			.ops = &av_dt_virtio_mmio_ops,
			.mmio = { pt_dev_base[index], AV_VIRT_VIRTIO_SIZE },
			.spi = vm->pt.spis[0],
		};
	}
	if (ivc_on) {
		/* The armvirt,ivc-1.0 node (its reg: a 4 KiB window where nothing is mapped). */
		rc = av_ivc_vmspec_add(&ivc, index, &vm->spec, &vm->ivc_dt, 0x0b000000ull);
		if (rc)
			return rc;
	}
	rc = av_vmspec_validate(&vm->spec, &err);
	if (rc) {
		port_printf("armvirt-bm: %s: %s: %s\n", d->name, err.field, err.msg);
		return rc;
	}
	for (unsigned i = 0; i < d->nr_vcpus; i++)
		mpidr[i] = vm->spec.vcpus[i].mpidr;
	vm->cntvoff = port_counter(); /* the VM's virtual counter starts at 0 */

	rc = load_guest(vm);
	if (!rc)
		rc = setup_stage2(vm);
	if (!rc)
		rc = setup_vgic(vm, mpidr);
	if (!rc)
		rc = setup_bus(vm);
	if (!rc)
		rc = setup_vcpus(vm, mpidr);
	if (rc)
		return rc;
	vm->started = true;
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Interrupts (always taken by polling the GIC with IRQs masked)
 */

static bool logged_irq[1024 / 32 * 32];

/* The bm_vcpu whose EL1/timer/GIC state is in this pCPU's registers, or NULL. */
static struct bm_vcpu *loaded_vcpu(const struct av_arch_cpu *cpu)
{
	if (!cpu->loaded)
		return NULL;
	return (struct bm_vcpu *)(void *)((char *)cpu->loaded - offsetof(struct bm_vcpu, arch));
}

/* The VM that owns physical SPI INTID @intid (pass-through), or NULL. */
static struct bm_vm *pt_owner(unsigned intid)
{
	for (unsigned i = 0; i < nr_vms; i++)
		for (unsigned k = 0; k < vms[i].pt.nr_spis; k++)
			if (vms[i].started && 32 + vms[i].pt.spis[k] == intid)
				return &vms[i];
	return NULL;
}

static void bm_irq_handle(unsigned intid, uint32_t iar)
{
	unsigned self = port_this_cpu()->index;
	struct bm_pcpu *pc = &pcpus[self];
	struct bm_vcpu *bv;
	struct bm_vm *vm;
	uint64_t ctl;

	switch (intid) {
	case PORT_PPI_VTIMER:
		/*
		 * The loaded vCPU's timer (a descheduled vCPU's is parked, disabled): leave the
		 * physical PPI active; the guest's EOI of the HW-linked virtual interrupt
		 * deactivates it. An edge, not a level: while the guest handles it (active) the
		 * physical PPI cannot fire again, and a HW list register cannot be pending and
		 * active at once. A stale assertion (the timer no longer fires) is dropped.
		 */
		bv = loaded_vcpu(av_arch_this_cpu());
		__asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
		if (bv && (ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK | AV_CNT_CTL_ISTATUS)) ==
				  (AV_CNT_CTL_ENABLE | AV_CNT_CTL_ISTATUS)) {
			av_vgic_pulse(&bv->vm->vgic, bv->v.index, AV_VIRT_TIMER_VIRT_INTID, NULL);
			return;
		}
		break;
	case PORT_PPI_HYP_TIMER:
		/* Shared by the scheduler (slices, deadlines) and the emulated EL1 physical
		 * timer of the running vCPU; re-armed before the next entry or idle. */
		port_timer_cancel();
		pc->armed = UINT64_MAX;
		pc->timer_dirty = true;
		if (pc->cur)
			av_vtimer_update(&pc->cur->v.vtimer, port_counter(), NULL);
		if (av_sched_tick(&sched, self, port_counter()) == 1)
			pc->resched = true;
		break;
	case PORT_PPI_GIC_MAINT:
		/* Level-sensitive while its condition holds: turn the requests off, the next
		 * av_vgic_flush() before entry asks again for what it still needs. */
		bv = pc->cur ? pc->cur : pc->parked;
		if (bv)
			bv->vm->vgic.lr_ops->set_maint(bv->vm->vgic.lr_cookie, bv->v.index, 0);
		break;
	case PORT_SGI_KICK:
		pc->resched = true; /* something to schedule or to deliver: pick again */
		break;
	case BM_UART_INTID:
		console_rx_irq();
		break;
	default:
		/* A passed-through SPI: forwarded HW-linked, the guest's EOI deactivates it. */
		vm = intid >= 32 ? pt_owner(intid) : NULL;
		if (vm && !__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE)) {
			av_vgic_pulse(&vm->vgic, 0, intid, NULL);
			return;
		}
		if (intid < BM_ARRAY_SIZE(logged_irq) && !logged_irq[intid]) {
			logged_irq[intid] = true;
			port_printf("armvirt-bm: unexpected interrupt %u on pCPU %u (logged once)\n",
				    intid, self);
		}
		break;
	}
	port_irq_deactivate(iar);
}

static void bm_irq_drain(void)
{
	/* Bounded: a source that stays asserted must not keep the pCPU here forever. */
	for (unsigned n = 0; n < 64; n++) {
		uint32_t iar = port_irq_ack();
		unsigned intid = port_irq_intid(iar);

		if (intid >= 1020)
			return;
		bm_irq_handle(intid, iar);
	}
}

/*
 * The EL2 timer of pCPU @self: the scheduler's next event (slice end, earliest deadline of
 * its blocked vCPUs) or the emulated EL1 physical timer of @bv (the vCPU about to run),
 * whichever comes first.
 */
static void arm_el2_timer(unsigned self, struct bm_vcpu *bv)
{
	uint64_t now = port_counter(), when = av_sched_next_event(&sched, self, now);

	pcpus[self].timer_dirty = false;
	if (bv) {
		const struct av_vtimer_timer *t = &bv->v.vtimer.timer[AV_VTIMER_PHYS];

		if ((t->ctl & AV_CNT_CTL_ENABLE) && !(t->ctl & AV_CNT_CTL_IMASK)) {
			struct av_vtimer phys = bv->v.vtimer;
			uint64_t p;

			phys.timer[AV_VTIMER_VIRT].ctl = 0;
			p = av_vtimer_next_expiry(&phys, now);
			if (p < when)
				when = p;
		}
	}
	if (when == pcpus[self].armed)
		return; /* armed already */
	pcpus[self].armed = when;
	if (when == AV_SCHED_NO_EVENT)
		port_timer_cancel();
	else
		port_timer_arm(when > now ? when - now : 1);
}

/*
 * The deadline of a WFI of the loaded vCPU @bv: the earliest expiry of its timers, the
 * emulated physical one and the hardware virtual one (live in CNTV_*), mirrored in a copy.
 */
static uint64_t wfi_deadline(struct bm_vcpu *bv, uint64_t now)
{
	const struct av_vtimer_timer *p = &bv->v.vtimer.timer[AV_VTIMER_PHYS];
	uint64_t ctl, cval, when = AV_SCHED_NO_DEADLINE;

	__asm__ volatile("mrs %0, cntv_ctl_el0; mrs %1, cntv_cval_el0" : "=r"(ctl), "=r"(cval));
	/* The virtual count is the physical one minus CNTVOFF. */
	if ((ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)) == AV_CNT_CTL_ENABLE)
		when = cval + bv->arch.cntvoff < cval ? UINT64_MAX - 1 : cval + bv->arch.cntvoff;
	if ((p->ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)) == AV_CNT_CTL_ENABLE) {
		struct av_vtimer phys = bv->v.vtimer;
		uint64_t pw;

		phys.timer[AV_VTIMER_VIRT].ctl = 0;
		pw = av_vtimer_next_expiry(&phys, now);
		if (pw < when)
			when = pw;
	}
	return when < now ? now : when;
}

/* ---------------------------------------------------------------------------------------
 * Running vCPUs
 */

enum bm_stop {
	BM_STOP_BLOCK,   /* WFI: wait for an interrupt */
	BM_STOP_OFF,     /* PSCI CPU_OFF */
	BM_STOP_VM,      /* the VM is stopping */
	BM_STOP_RESCHED, /* a scheduling decision is due */
};

static bool vm_stopping(const struct bm_vcpu *bv)
{
	return __atomic_load_n(&bv->vm->stopping, __ATOMIC_ACQUIRE);
}

/* PSCI SYSTEM_OFF / SYSTEM_RESET: every vCPU of @vm leaves the scheduler. */
static void vm_stop(struct bm_vm *vm, bool reset)
{
	unsigned self = port_this_cpu()->index;

	bm_lock(vm);
	vm->reset_requested = reset;
	__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	bm_unlock(vm);
	for (unsigned i = 0; i < vm->spec.nr_vcpus; i++)
		if (vm->vcpus[i].added)
			av_sched_power_off(&sched, &vm->vcpus[i].se);
	/* Running ones are dropped at their pCPU's next pick; pCPU 0 checks for the end. */
	for (unsigned c = 0; c < plat->ncpus; c++)
		if (c != self)
			port_kick(c);
}

static bool logged_to_caller[BM_MAX_VMS];

/*
 * Run @bv on this pCPU until it blocks, turns itself off, its VM stops or a scheduling
 * decision is due. Exits for the running vCPU stay here: no state is switched.
 */
static enum bm_stop bm_vcpu_run(struct bm_vcpu *bv)
{
	struct av_arch_cpu *cpu = av_arch_this_cpu();
	unsigned self = cpu->index;
	struct bm_pcpu *pc = &pcpus[self];
	struct bm_vm *vm = bv->vm;
	struct av_arch_exit ax;
	struct av_exit exit;

	for (;;) {
		unsigned kind;
		bool lrs;

		if (__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE))
			return BM_STOP_VM;
		if (pc->resched)
			return BM_STOP_RESCHED;
		if (bv->vgic_dirty ||
		    (!bv->lr_unsynced && (vm->lr_live[bv->v.index] || vm->lr_maint[bv->v.index]))) {
			if (bv->lr_unsynced) {
				/* Fold the LRs back before the flush rewrites them. */
				av_vgic_sync(&vm->vgic, bv->v.index);
				bv->lr_unsynced = false;
			}
			bv->vgic_dirty = false;
			av_vgic_flush(&vm->vgic, bv->v.index);
		}
		if (pc->timer_dirty)
			arm_el2_timer(self, bv);
		kind = av_arch_vcpu_run(cpu, &bv->arch, &ax);
		lrs = vm->lr_live[bv->v.index] || vm->lr_maint[bv->v.index];
		/*
		 * Fast path: hypercalls that cannot touch this vCPU's own vGIC state — ECHO
		 * (doc/hypercalls.md), and the IVC calls of a VM with an edge doorbell (a send
		 * rings another VM; an ACK lowers only a level doorbell) — are answered here,
		 * counted like the dispatcher counts them, without folding the list registers
		 * back: they stay live in the hardware (lr_unsynced) until something needs the
		 * vGIC's view (a flush, another exit, a switch). Everything else goes through
		 * av_vm_handle_exit().
		 */
		if (kind == AV_ARCH_EXIT_SYNC &&
		    AV_FIELD_GET(AV_GENMASK(31, 26), ax.esr) == AV_ESR_EC_HVC64) {
			uint32_t fid = (uint32_t)bv->v.ctxt.regs.x[0];
			bool done = false;

			if (fid == AV_HC_ECHO) {
				bv->v.ctxt.regs.x[0] = 0;
				done = true;
			} else if (ivc_on && fid >= AV_IVC_HC_FIRST && fid <= AV_IVC_HC_LAST &&
				   !vm->desc->ivc_level) {
				if (av_ivc_hypercall(&ivc, vm->index, &bv->v.ctxt.regs) != 0)
					bv->v.ctxt.regs.x[0] = (uint64_t)(int64_t)AV_IVC_HC_NOT_SUPPORTED;
				done = true;
			}
			if (done) {
				bv->v.stats.exits++;
				bv->v.stats.kind[AV_EXIT_SYNC]++;
				bv->v.stats.ec[AV_ESR_EC_HVC64]++;
				bv->v.stats.action[AV_EXIT_RESUME]++;
				if (lrs)
					bv->lr_unsynced = true;
				continue;
			}
		}
		/* Nothing to fold back if no LR held anything and no maintenance was asked. */
		if (lrs)
			av_vgic_sync(&vm->vgic, bv->v.index);
		bv->lr_unsynced = false;
		exit = (struct av_exit){ .kind = (enum av_exit_kind)kind, .esr = ax.esr,
					 .far = ax.far, .hpfar = ax.hpfar };
		if (kind != AV_ARCH_EXIT_SYNC) {
			bv->vgic_dirty = true;
			bm_irq_drain();
		} else if (AV_FIELD_GET(AV_GENMASK(31, 26), ax.esr) == AV_ESR_EC_SYS64) {
			pc->timer_dirty = true; /* maybe the emulated physical timer */
		}
		switch (av_vm_handle_exit(&bv->v, &exit)) {
		case AV_EXIT_RESUME:
			continue;
		case AV_EXIT_YIELD: /* WFE: the rest of the slice to an equal priority */
			av_sched_yield(&sched, self);
			return BM_STOP_RESCHED;
		case AV_EXIT_BLOCK:
			return BM_STOP_BLOCK;
		case AV_EXIT_TO_CALLER:
			/* An interrupt exit (handled above), or something nobody emulates: the
			 * guest gets an undefined-instruction exception. */
			if (kind == AV_ARCH_EXIT_SYNC) {
				if (!logged_to_caller[vm->index]) {
					logged_to_caller[vm->index] = true;
					av_warn("%s: vCPU %u: unhandled exit (ESR_EL2 %#llx, PC %#llx): "
						"injecting UNDEF (logged once)", vm->desc->name,
						bv->v.index, (unsigned long long)ax.esr,
						(unsigned long long)bv->v.ctxt.regs.pc);
				}
				bm_el1_get(vm, &bv->v);
				av_vcpu_inject_undef(&bv->v.ctxt);
				bm_el1_put(vm, &bv->v);
				bv->v.stats.inject_undef++;
			}
			continue;
		case AV_EXIT_VCPU_OFF:
			return BM_STOP_OFF;
		case AV_EXIT_SYSTEM_OFF:
			vm_stop(vm, false);
			return BM_STOP_VM;
		case AV_EXIT_SYSTEM_RESET:
			vm_stop(vm, true);
			return BM_STOP_VM;
		default:
			continue;
		}
	}
}

/*
 * Take @bv's state off this pCPU (the world switch's "save" half): the list registers are
 * emptied (the last av_vgic_sync() folded them back), maintenance requests off; a vCPU that
 * may migrate gives back the FP/SIMD registers; EL1 registers, virtual timer (then
 * disabled) and GIC CPU-interface state are saved. The physical timer PPI is deactivated if
 * the guest left it active: the vGIC keeps the virtual interrupt's state, and the next
 * vCPU's timer must be able to fire. Then another pCPU may run @bv.
 */
static void vcpu_unload(struct av_arch_cpu *cpu, struct bm_vcpu *bv)
{
	struct bm_vm *vm = bv->vm;
	unsigned idx = bv->v.index;
	static const struct av_vgic_lr empty;

	if (bv->lr_unsynced) {
		av_vgic_sync(&vm->vgic, idx);
		bv->lr_unsynced = false;
	}
	for (uint32_t m = vm->lr_live[idx]; m; m &= m - 1)
		bm_lr_write(vm, idx, (unsigned)__builtin_ctz(m), &empty);
	bm_lr_set_maint(vm, idx, 0);
	bv->vgic_dirty = true;
	if (cpu->fp_owner == &bv->arch && !bv->pinned)
		av_arch_fpsimd_flush(cpu);
	if (cpu->loaded == &bv->arch) {
		av_arch_vcpu_put(cpu);
		if (port_irq_is_active(PORT_PPI_VTIMER))
			port_irq_deactivate(PORT_PPI_VTIMER);
	}
	__atomic_store_n(&bv->on_cpu, -1, __ATOMIC_RELEASE);
}

static bool all_done(void);

/*
 * A vCPU that turned itself off (PSCI CPU_OFF) and was powered on again before this pCPU
 * dropped it from the scheduler (bm_cpu_on() got -AV_EBUSY): power it on now.
 */
static void recheck_off(struct bm_vcpu *bv)
{
	unsigned kick = AV_SCHED_NO_CPU;

	bm_lock(bv->vm);
	if (!bv->vm->stopping &&
	    __atomic_load_n(&bv->v.state, __ATOMIC_ACQUIRE) == AV_VCPU_ON_PENDING &&
	    __atomic_load_n(&bv->se.state, __ATOMIC_ACQUIRE) == AV_SCHED_OFF &&
	    av_sched_power_on(&sched, &bv->se, &kick) == 0)
		sched_kick(kick);
	bm_unlock(bv->vm);
}

/*
 * What every pCPU does: ask the scheduler which vCPU runs next (av_sched_pick()), switch
 * to it if it is another one, run it until a scheduling point, tell the scheduler why it
 * stopped (block with the timer deadline, power off, ...), again. An idle pCPU waits in
 * WFI with the EL2 timer armed for the scheduler's next event. pCPU 0 returns once every
 * VM is off.
 */
static void pcpu_loop(unsigned self)
{
	struct av_arch_cpu *cpu = av_arch_this_cpu();
	struct bm_pcpu *pc = &pcpus[self];
	struct bm_vcpu *off_check = NULL;

	for (;;) {
		struct av_sched_entity *e;
		struct bm_vcpu *bv, *prev;
		uint64_t now;

		pc->resched = false;
		now = port_counter();
		e = av_sched_pick(&sched, self, now);
		bv = e ? e->owner : NULL;
		if (off_check) {
			recheck_off(off_check);
			off_check = NULL;
		}

		/* The switch: the previous vCPU's state leaves this pCPU, unless it stays. */
		prev = pc->cur ? pc->cur : pc->parked;
		if (prev && prev != bv) {
			if (!bv && prev->pinned && !vm_stopping(prev)) {
				/* Idle next: a pinned vCPU stays loaded (its virtual timer live). */
				bm_lr_set_maint(prev->vm, prev->v.index, 0);
				pc->parked = prev;
			} else {
				vcpu_unload(cpu, prev);
				pc->parked = NULL;
			}
		}
		__atomic_store_n(&pc->cur, bv, __ATOMIC_RELEASE);

		if (!bv) {
			if (self == 0 && all_done())
				return;
			if (self != 0 && prev && prev != pc->parked && vm_stopping(prev))
				port_kick(0); /* it checks whether everything is off */
			arm_el2_timer(self, NULL);
			if (!pc->resched)
				port_wfi();
			bm_irq_drain();
			continue;
		}
		if (pc->parked == bv)
			pc->parked = NULL;
		if (bv != prev) {
			/* Wait until the pCPU it last ran on has saved it (a migration). */
			while (__atomic_load_n(&bv->on_cpu, __ATOMIC_ACQUIRE) != -1 &&
			       __atomic_load_n(&bv->on_cpu, __ATOMIC_ACQUIRE) != (int)self)
				;
			__atomic_store_n(&bv->on_cpu, (int)self, __ATOMIC_RELEASE);
			pc->timer_dirty = true;
			bv->vgic_dirty = true;
		}
		if (vm_stopping(bv)) {
			av_sched_power_off(&sched, &bv->se);
			continue;
		}
		switch (__atomic_load_n(&bv->v.state, __ATOMIC_ACQUIRE)) {
		case AV_VCPU_OFF:
			bm_lock(bv->vm);
			if (bv->v.state == AV_VCPU_OFF)
				av_sched_power_off(&sched, &bv->se);
			bm_unlock(bv->vm);
			off_check = bv;
			continue;
		case AV_VCPU_ON_PENDING:
			/* PSCI CPU_ON: fresh registers, EL1 and GIC interface state. */
			if (cpu->fp_owner == &bv->arch)
				av_arch_fpsimd_flush(cpu);
			if (cpu->loaded == &bv->arch)
				av_arch_vcpu_put(cpu);
			bv->arch.gic = (struct av_arch_gic_state){ .sre = 1 };
			av_vcpu_power_on(&bv->v);
			bv->vgic_dirty = true;
			break;
		case AV_VCPU_BLOCKED:
			bv->v.state = AV_VCPU_RUNNING;
			break;
		default:
			break;
		}
		/* A deadline may have woken it: let its emulated physical timer raise its line. */
		if (bv->v.vtimer.timer[AV_VTIMER_PHYS].ctl & AV_CNT_CTL_ENABLE)
			av_vtimer_update(&bv->v.vtimer, now, NULL);

		switch (bm_vcpu_run(bv)) {
		case BM_STOP_BLOCK:
			now = port_counter();
			if (av_sched_block(&sched, &bv->se, wfi_deadline(bv, now)) == 1) {
				/* Woken since it started running: resume it (WFI returns early). */
				bv->v.state = AV_VCPU_RUNNING;
			} else {
				console_flush_partial(bv->vm); /* idle: show a prompt */
			}
			break;
		case BM_STOP_OFF:
			bm_lock(bv->vm);
			if (bv->v.state == AV_VCPU_OFF)
				av_sched_power_off(&sched, &bv->se);
			bm_unlock(bv->vm);
			off_check = bv;
			break;
		case BM_STOP_VM:
			av_sched_power_off(&sched, &bv->se);
			break;
		case BM_STOP_RESCHED:
			break;
		}
	}
}

/* ---------------------------------------------------------------------------------------
 * Start-up and shutdown
 */

static void read_board(const void *fdt)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), len, node;
	const fdt32_t *p;

	board.dtb_size = fdt_totalsize(fdt);
	if (chosen >= 0) {
		p = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
		if (p && (len == 4 || len == 8))
			board.initrd_start = len == 8 ? fdt64_to_cpu(*(const fdt64_t *)p)
						      : fdt32_to_cpu(*p);
		p = fdt_getprop(fdt, chosen, "linux,initrd-end", &len);
		if (p && (len == 4 || len == 8))
			board.initrd_end = len == 8 ? fdt64_to_cpu(*(const fdt64_t *)p)
						    : fdt32_to_cpu(*p);
		board.bootargs = fdt_getprop(fdt, chosen, "bootargs", &len);
		if (board.bootargs && (len < 1 || board.bootargs[len - 1] != '\0'))
			board.bootargs = NULL;
	}
	node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl031");
	if (node >= 0) {
		p = fdt_getprop(fdt, node, "reg", &len);
		if (p && len >= 16)
			board.rtc_base = ((uint64_t)fdt32_to_cpu(p[0]) << 32) | fdt32_to_cpu(p[1]);
	}
}

static void stats_line(void *cookie, const char *line)
{
	(void)cookie;
	port_printf("%s\n", line);
}

static void print_stats(void)
{
	port_printf("armvirt-bm: all VMs are off; exit statistics:\n");
	for (unsigned i = 0; i < nr_vms; i++) {
		struct bm_vm *vm = &vms[i];
		uint64_t entries = 0, fp = 0;

		if (!vm->started)
			continue;
		console_flush_partial(vm);
		for (unsigned c = 0; c < vm->spec.nr_vcpus; c++) {
			entries += vm->vcpus[c].arch.entries;
			fp += vm->vcpus[c].arch.fp_traps;
		}
		av_vm_stats_print(&vm->vm, stats_line, NULL);
		port_printf("%s: guest entries %llu, lazy FP/SIMD switches %llu%s\n",
			    vm->desc->name, (unsigned long long)entries, (unsigned long long)fp,
			    vm->reset_requested ? " (reset requested: treated as power-off)" : "");
		for (unsigned c = 0; c < vm->spec.nr_vcpus; c++) {
			const struct av_sched_entity *se = &vm->vcpus[c].se;

			port_printf("%s: vCPU %u: priority %u, %s, ran %llu ms in %llu runs, "
				    "%llu migrations\n", vm->desc->name, c, se->prio,
				    vm->vcpus[c].pinned ? "pinned" : "migrating",
				    (unsigned long long)(se->runtime * 1000 / port_counter_freq()),
				    (unsigned long long)se->nr_runs,
				    (unsigned long long)se->nr_migrations);
		}
	}
	for (unsigned c = 0; c < plat->ncpus; c++)
		port_printf("armvirt-bm: pCPU %u: %llu picks, %llu switches\n", c,
			    (unsigned long long)sched.rq[c].nr_picks,
			    (unsigned long long)sched.rq[c].nr_switches);
}

static void pcpu_setup_virt(void)
{
	if (plat->gic_version == 3)
		av_arch_gic_v3_cpu_init();
	else
		av_arch_gic_v2_cpu_init(gicv2.gich);
	if (!lr_count) {
		lr_count = plat->gic_version == 3
				   ? av_arch_gic_v3_lr_ops.nr_lrs(NULL, 0)
				   : av_arch_gic_v2_lr_ops.nr_lrs(&gicv2, 0);
		if (lr_count > 32)
			lr_count = 32;
	}
	port_irq_enable(PORT_PPI_VTIMER);
	port_irq_enable(PORT_PPI_GIC_MAINT);
}

void hyp_secondary_main(const struct port_platform *p, unsigned cpu)
{
	(void)p;
	port_irq_mask();
	pcpu_setup_virt();
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) {
		port_wfi();
		bm_irq_drain();
	}
	pcpu_loop(cpu);
	for (;;) {
		port_wfi();
		bm_irq_drain();
	}
}

/* Every VM stopped and no pCPU still runs one of their vCPUs. */
static bool all_done(void)
{
	for (unsigned i = 0; i < nr_vms; i++)
		if (vms[i].started && !__atomic_load_n(&vms[i].stopping, __ATOMIC_ACQUIRE))
			return false;
	for (unsigned c = 0; c < plat->ncpus; c++) {
		struct bm_vcpu *bv = __atomic_load_n(&pcpus[c].cur, __ATOMIC_ACQUIRE);

		if (bv)
			return false;
	}
	return true;
}

/* IVC (bm_ivc, optional): buffers carved from board RAM, doorbells, pairs. */
static int ivc_setup(void)
{
	static struct av_ivc_vm_cfg dbs[BM_MAX_VMS];
	static struct av_ivc_pair pairs[64];
	static struct av_ivc_buf_cfg bufs[AV_IVC_MAX_BUFS];
	const struct bm_ivc_desc *d = &bm_ivc;
	struct av_ivc_config cfg;
	struct av_ivc_error err;
	unsigned n = bm_nr_vms < BM_MAX_VMS ? bm_nr_vms : BM_MAX_VMS;
	int rc;

	if (d->nr_pairs > BM_ARRAY_SIZE(pairs) || d->nr_bufs > AV_IVC_MAX_BUFS)
		return -AV_ERANGE;
	for (unsigned i = 0; i < n; i++)
		dbs[i] = (struct av_ivc_vm_cfg){
			.doorbell = bm_vms[i].ivc_doorbell ? bm_vms[i].ivc_doorbell : 32 + 64 + i,
			.trigger = bm_vms[i].ivc_level ? AV_IVC_LEVEL : AV_IVC_EDGE,
		};
	for (unsigned i = 0; i < d->nr_pairs; i++)
		pairs[i] = (struct av_ivc_pair){ d->pairs[i].from, d->pairs[i].to };
	for (unsigned i = 0; i < d->nr_bufs; i++) {
		const struct bm_ivc_buf *b = &d->bufs[i];
		uint64_t pa = b->size ? carve_ram(b->size) : 0;

		if (!pa) {
			port_printf("armvirt-bm: IVC buffer %s: no %llu bytes of free RAM\n",
				    b->name ? b->name : "?", (unsigned long long)b->size);
			return -AV_ENOMEM;
		}
		memset((void *)(uintptr_t)pa, 0, (size_t)b->size);
		av_arch_dcache_clean_poc((void *)(uintptr_t)pa, (size_t)b->size);
		bufs[i] = (struct av_ivc_buf_cfg){ .name = b->name, .pa = pa, .size = b->size };
		for (unsigned v = 0; v < n; v++)
			bufs[i].view[v] = (struct av_ivc_view){
				.access = b->view[v].access == BM_IVC_RW   ? AV_IVC_ACCESS_RW
					  : b->view[v].access == BM_IVC_RO ? AV_IVC_ACCESS_RO
									   : AV_IVC_ACCESS_NONE,
				.ipa = b->view[v].ipa,
			};
		port_printf("armvirt-bm: IVC buffer %s: %llu KiB at PA %#llx\n", b->name,
			    (unsigned long long)(b->size >> 10), (unsigned long long)pa);
	}
	cfg = (struct av_ivc_config){
		.nr_vms = n,
		.vms = dbs,
		.pairs = pairs,
		.npairs = d->nr_pairs,
		.bufs = bufs,
		.nbufs = d->nr_bufs,
		.ops = &bm_ivc_ops,
	};
	rc = av_ivc_init(&ivc, &cfg, &err);
	if (rc)
		port_printf("armvirt-bm: IVC configuration: %s\n", err.msg);
	return rc;
}

/* Pointer-authentication keys may stay untrapped only with one vCPU per pCPU overall. */
static bool one_vcpu_per_pcpu(void)
{
	uint64_t used = 0;

	for (unsigned i = 0; i < bm_nr_vms; i++) {
		if (bm_vms[i].affinity)
			return false;
		for (unsigned c = 0; c < bm_vms[i].nr_vcpus; c++) {
			unsigned cpu = (bm_vms[i].first_pcpu + c) % plat->ncpus;

			if (used & (1ull << cpu))
				return false;
			used |= 1ull << cpu;
		}
	}
	return true;
}

int hyp_main(const struct port_platform *p)
{
	struct av_sched_config scfg;
	int rc;

	plat = p;
	port_irq_mask();
	port_printf("armvirt-bm: %u pCPU(s), GICv%u, RAM %#llx+%#llx, %u VM(s) described\n",
		    p->ncpus, p->gic_version, (unsigned long long)p->ram_base,
		    (unsigned long long)p->ram_size, bm_nr_vms);
	/* libfdt may use FP/SIMD: only here, before any guest ran. */
	read_board(p->dtb);
	gicv2.gich = (uintptr_t)p->gich_base;
	__asm__ volatile("mrs %0, midr_el1" : "=r"(midr));
	trap_features = av_arch_trap_features(&pmcr_n);

	/* What no VM may ever get: the hypervisor image, the board DTB, the payloads. */
	reserve(p->ram_base, p->image_end);
	reserve((uint64_t)(uintptr_t)p->dtb, (uint64_t)(uintptr_t)p->dtb + board.dtb_size);
	reserve(board.initrd_start, board.initrd_end);
	for (unsigned i = 0; i < bm_nr_vms; i++) {
		const struct bm_payload *k = &bm_vms[i].kernel;
		const void *img;
		size_t len;

		if (k->kind == BM_PAYLOAD_LOADER && payload_bytes(k, true, &img, &len) == 0)
			reserve(k->addr, k->addr + len);
	}

	/* The scheduler: one run queue per pCPU, the configured slice (default 10 ms). */
	scfg = (struct av_sched_config){ .nr_cpus = p->ncpus, .counter_hz = port_counter_freq() };
	rc = av_sched_init(&sched, &scfg);
	if (!rc && &bm_slice_ms && bm_slice_ms)
		rc = av_sched_set_slice(&sched, av_sched_ms_to_ticks(&sched, bm_slice_ms));
	if (rc) {
		port_printf("armvirt-bm: scheduler: %s\n", av_strerror(rc));
		return 2;
	}
	pac_untrapped = one_vcpu_per_pcpu();
	if (&bm_ivc) {
		if (ivc_setup() != 0)
			return 2; /* refuse to start anything with a broken IVC configuration */
		ivc_on = true;
	}

	for (unsigned c = 0; c < PORT_MAX_CPUS; c++)
		pcpus[c].armed = UINT64_MAX;
	pcpu_setup_virt();
	for (unsigned i = 0; i < bm_nr_vms && nr_vms < BM_MAX_VMS; i++) {
		struct bm_vm *vm = &vms[nr_vms];

		rc = vm_create(vm, &bm_vms[i], nr_vms);
		nr_vms++;
		if (rc) {
			port_printf("armvirt-bm: %s: not started: %s\n",
				    bm_vms[i].name ? bm_vms[i].name : "?", av_strerror(rc));
			failed_vms++;
		}
	}
	if (failed_vms && ivc_on) {
		/* VMs that talk to each other start together or not at all. */
		port_printf("armvirt-bm: %d VM(s) failed: not starting any\n", failed_vms);
		return 2;
	}
	for (unsigned i = 0; i < nr_vms; i++) {
		struct bm_vm *vm = &vms[i];

		if (!vm->started)
			continue;
		for (unsigned c = 0; c < vm->spec.nr_vcpus; c++) {
			struct bm_vcpu *bv = &vm->vcpus[c];
			bool boot = c == vm->vm.boot_vcpu;

			rc = av_sched_add(&sched, &bv->se, bv->pcpu, boot ? AV_SCHED_RUNNABLE
									  : AV_SCHED_OFF, NULL);
			if (rc) {
				port_printf("armvirt-bm: %s: vCPU %u: scheduler: %s\n", vm->desc->name,
					    c, av_strerror(rc));
				return 2;
			}
			bv->added = true;
		}
		/* Pass-through SPIs go to the pCPU vCPU 0 starts on (doc/baremetal.md). */
		vm->pt_cpu = vm->vcpus[0].pcpu;
		for (unsigned k = 0; k < vm->pt.nr_spis; k++) {
			port_irq_enable(32 + vm->pt.spis[k]);
			port_irq_route(32 + vm->pt.spis[k], vm->pt_cpu);
		}
		port_printf("armvirt-bm: %s: priority %u, vCPUs %s, stage 2 checked\n",
			    vm->desc->name, vm->desc->prio,
			    vm->desc->affinity ? "migrating" : "pinned");
	}
	for (focus = 0; focus < nr_vms && !(vms[focus].started &&
					    (vms[focus].desc->devices & BM_DEV_PL011)); focus++)
		;
	if (focus == nr_vms)
		focus = 0;

	/* Console input: the board UART's receive interrupt, on this pCPU. */
	port_write32(p->uart_base + UART_IMSC, UART_INT_RX | UART_INT_RT);
	port_irq_enable(BM_UART_INTID);

	/* Every pCPU the board has runs the scheduler. */
	for (unsigned c = 1; c < p->ncpus; c++) {
		uint64_t end;

		if (port_cpu_on(p, c) != 0)
			port_printf("armvirt-bm: pCPU %u did not start\n", c);
		end = port_counter() + port_counter_freq();
		while (!port_cpu_online(c) && port_counter() < end)
			;
	}
	if (nr_vms > 1 || bm_nr_vms > 1)
		port_printf("armvirt-bm: console input goes to %s (Ctrl-] n switches)\n",
			    nr_vms ? vms[focus].desc->name : "-");
	__atomic_store_n(&go, true, __ATOMIC_RELEASE);
	__asm__ volatile("dsb ish; sev" : : : "memory");
	for (unsigned c = 1; c < p->ncpus; c++)
		port_kick(c);

	pcpu_loop(0);
	print_stats();
	return failed_vms ? 2 : 0;
}
