/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, VM construction: memory for stage-2 tables, guest RAM carving, the MMIO devices of a
 * VM, the library hooks (vm.c, vGIC list registers, ID registers) and vm_create(): vmspec,
 * DTB and payloads, stage 2 and its isolation check, vGIC, bus, vCPUs.
 */
#include "bm_internal.h"

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

static const struct av_mm_ops bm_mm_ops = {
	.zalloc = mm_zalloc,
	.free = av_arch_mm_keep, /* VMs are static: their tables live as long as the hypervisor */
	AV_ARCH_MM_OPS_IDENTITY,
};

/* ---------------------------------------------------------------------------------------
 * Physical memory: what must stay the hypervisor's, and guest RAM carved around it
 */

struct bm_range {
	uint64_t start, end;
};

static struct bm_range reserved[32];
static unsigned nr_reserved;

/* Keep [start, end) from guest RAM; false if the table is full (nothing is kept then). */
bool reserve(uint64_t start, uint64_t end)
{
	if (end <= start)
		return true;
	if (nr_reserved >= BM_ARRAY_SIZE(reserved))
		return false;
	reserved[nr_reserved++] = (struct bm_range){ start, end };
	return true;
}

unsigned reserved_count(void)
{
	return nr_reserved;
}

/* Whether [start, end) overlaps a reserved range other than entry @skip. */
bool reserved_overlap(uint64_t start, uint64_t end, unsigned skip)
{
	for (unsigned i = 0; i < nr_reserved; i++)
		if (i != skip && reserved[i].start < end && start < reserved[i].end)
			return true;
	return false;
}

/*
 * Reserve [@addr, @addr + @size) of board RAM, which QEMU's loader fills (a disk image, a
 * firmware image): NULL with its entry in the reserved table in *@idx, or why it cannot be
 * (nothing reserved then). @align: the alignment of both, a power of two.
 */
const char *reserve_loaded(uint64_t addr, uint64_t size, uint64_t align, unsigned *idx)
{
	uint64_t ram_end = plat->ram_base + plat->ram_size;

	*idx = BM_NO_RESV;
	if ((addr | size) & (align - 1) || !size)
		return align == 0x1000 ? "address and size must be non-zero multiples of 4 KiB"
				       : "address and size must be non-zero multiples of 2 MiB";
	if (addr < plat->ram_base || addr >= ram_end || size > ram_end - addr)
		return "not inside the board's RAM";
	if (reserved_overlap(addr, addr + size, BM_NO_RESV))
		return "overlaps the hypervisor, QEMU's DTB or initrd, or another loaded image";
	if (!reserve(addr, addr + size))
		return "too many reserved regions";
	*idx = reserved_count() - 1;
	return NULL;
}

/* Whether QEMU put anything at [pa, pa + size): a missing image leaves the RAM zeroed. */
bool region_loaded(uint64_t pa, uint64_t size)
{
	const uint64_t *p = (const uint64_t *)(uintptr_t)pa;

	for (uint64_t i = 0; i < size / 8; i += 8) {
		uint64_t acc = p[i] | p[i + 1] | p[i + 2] | p[i + 3] | p[i + 4] | p[i + 5] |
			       p[i + 6] | p[i + 7];

		if (acc)
			return true;
	}
	return false;
}

/* Highest 2 MiB-aligned free block of @size bytes in board RAM; 0 if none. */
uint64_t carve_ram(uint64_t size)
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
		if (!clash)
			return reserve(base, base + size) ? base : 0;
	}
}

/* ---------------------------------------------------------------------------------------
 * MMIO devices: vGIC regions, locked PrimeCells (the virtio slots: virtio.c)
 */

/* A guest write to the vGIC (enables, priorities...) may change what the writer's list
 * registers need: its next entry flushes them (av_vgic_bus_add()). */
static void vgic_written(void *cookie, struct av_vcpu *v)
{
	(void)cookie;
	if (v) {
		((struct bm_vcpu *)v->host)->vgic_dirty = true;
		av_arch_cpu_request(); /* the library's fast path: back to bm_vcpu_run() */
	}
}

static enum av_access_result locked_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
					 unsigned size, uint64_t *val)
{
	struct bm_locked_dev *d = dev;
	enum av_access_result r;

	port_spin_lock(&d->lock);
	r = d->ops->read(d->inner, vcpu, off, size, val);
	port_spin_unlock(&d->lock);
	return r;
}

static enum av_access_result locked_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					  unsigned size, uint64_t val)
{
	struct bm_locked_dev *d = dev;
	enum av_access_result r;

	port_spin_lock(&d->lock);
	r = d->ops->write(d->inner, vcpu, off, size, val);
	port_spin_unlock(&d->lock);
	return r;
}

const struct av_mmio_ops bm_locked_ops = { .read = locked_read, .write = locked_write };

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

/* av_vm_config::fast_hypercall: an IVC call of a VM with edge doorbells (a send rings
 * another VM; an ACK lowers only a level doorbell) cannot touch the caller's own vGIC state. */
static int bm_fast_ivc(void *cookie, struct av_vcpu *v)
{
	return av_ivc_hypercall(&ivc, ((struct bm_vm *)cookie)->index, &v->ctxt.regs);
}

void bm_lock(void *cookie)
{
	port_spin_lock(&((struct bm_vm *)cookie)->lock);
}

void bm_unlock(void *cookie)
{
	port_spin_unlock(&((struct bm_vm *)cookie)->lock);
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
	.cpu_on = bm_cpu_on,
	.hypercall = bm_hypercall,
	.lock = bm_lock,
	.unlock = bm_unlock,
	AV_ARCH_VM_OPS, /* EL1 hooks, instruction fetch, debug reload */
	.irq = bm_irq_exit,
};

/*
 * The list-register backend of every VM: the hardware one (ICH_LR<n>_EL2 or GICH_LR<n>),
 * plus a record of which LRs hold an interrupt and which maintenance interrupts were asked
 * for. With no LR in use and nothing new for the vCPU, an exit that did not touch the vGIC
 * can skip av_vgic_sync()/av_vgic_flush() (there is nothing to fold back and nothing to
 * add): the common hypercall and device exits go straight back to the guest.
 */
unsigned lr_count;

static unsigned bm_lr_nr(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return lr_count;
}

void bm_lr_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	struct bm_vm *vm = cookie;

	vm->lr_hw->write_lr(vm->lr_hw_cookie, vcpu, idx, lr);
	if (lr->state != AV_VGIC_LR_INVALID)
		vm->lr_live[vcpu] |= 1u << idx;
	else
		vm->lr_live[vcpu] &= ~(1u << idx);
}

/* Empty every LR vCPU @vcpu left non-empty (after av_vgic_sync() folded them back). */
void bm_lr_clear(struct bm_vm *vm, unsigned vcpu)
{
	uint32_t live = vm->lr_live[vcpu];

	if (!live)
		return;
	if (vm->lr_hw == &av_arch_gic_v3_lr_ops)
		av_arch_gic_v3_clear_lrs(live);
	else
		av_arch_gic_v2_clear_lrs(gicv2.gich, live);
	vm->lr_live[vcpu] = 0;
}

static void bm_lr_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	struct bm_vm *vm = cookie;

	vm->lr_hw->read_lr(vm->lr_hw_cookie, vcpu, idx, lr);
}

void bm_lr_set_maint(void *cookie, unsigned vcpu, unsigned flags)
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

/* ID registers: computed once per VM by av_vm_id_read(), served from the cache (nothing
 * else touched: answered on the library's fast path, AV_SYSREG_F_FAST). */
static enum av_access_result bm_sys_id(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	const struct bm_vm *vm = ctx->table->cookie;
	unsigned crm = av_sysreg_crm(ctx->key), op2 = av_sysreg_op2(ctx->key);

	if (ctx->is_write)
		return AV_ACCESS_INJECT;
	*val = vm->idregs[(crm - 1) * 8 + op2];
	return AV_ACCESS_HANDLED;
}

#define BM_ROW_ID \
	{ .key = AV_SYSREG(3, 0, 0, 1, 0), .last = AV_SYSREG(3, 0, 0, 7, 7), \
	  .name = "ID registers (cached)", .kind = AV_SYSREG_HANDLER, .access = bm_sys_id, \
	  .flags = AV_SYSREG_F_FAST }

static const struct av_sysreg_desc bm_sys_rows[] = { BM_ROW_ID };

/* A VM with a PMU: its rows too (only there, so the others' lookups stay one row). */
static const struct av_sysreg_desc bm_sys_rows_pmu[] = {
	BM_ROW_ID,
	/* The PMU (MDCR_EL2.TPM/TPMCR): pmu.c. */
	AV_SYSREG_ROW_RANGE(AV_SYS_PMINTENSET_EL1, AV_SYS_PMINTENCLR_EL1, "PMINTEN{SET,CLR}_EL1",
			    bm_sys_pmu, 0),
	AV_SYSREG_ROW_RANGE(AV_SYS_PMCR_EL0, AV_SYS_PMOVSSET_EL0, "PMCR_EL0..PMOVSSET_EL0",
			    bm_sys_pmu, 0),
	AV_SYSREG_ROW_RANGE(AV_SYS_PMEVCNTRn_EL0(0), AV_SYS_PMCCFILTR_EL0,
			    "PMEVCNTR<n>_EL0, PMEVTYPER<n>_EL0, PMCCFILTR_EL0", bm_sys_pmu, 0),
};

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

/*
 * The loader slot of a kernel without an Image header (ELF or raw: the loader does not say
 * how long the file is): from @addr for the slot's size (BM_LOADER_SLOT by default), cut
 * at the end of board RAM and at the first region reserved above @addr (the board's DTB
 * and initrd, which QEMU put there). An ELF file's own headers bound what is read of it; a
 * raw binary is the whole slot.
 */
static uint64_t loader_slot(const struct bm_payload *pl)
{
	uint64_t end = plat->ram_base + plat->ram_size;
	uint64_t size = pl->size ? pl->size : BM_LOADER_SLOT;

	if (size < end - pl->addr)
		end = pl->addr + size;
	for (unsigned i = 0; i < nr_reserved; i++)
		if (reserved[i].start > pl->addr && reserved[i].start < end)
			end = reserved[i].start;
	return end - pl->addr;
}

/*
 * Where a payload's bytes are: pointer and length. A loader kernel is an arm64 Image
 * (length: its image_size) or, without the Image header, an ELF file or a raw binary in
 * its loader slot (loader_slot()).
 */
int payload_bytes(const struct bm_payload *pl, bool image, const void **p, size_t *len)
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
		*p = h;
		if (av_boot_detect(h, AV_IMAGE_HDR_SIZE) != AV_BOOT_FMT_IMAGE) {
			*len = (size_t)loader_slot(pl);
			return 0;
		}
		size = *(const volatile uint64_t *)(h + AV_IMAGE_OFF_IMAGE_SIZE);
		if (size == 0 || size > plat->ram_base + plat->ram_size - pl->addr)
			return -AV_EBADIMG;
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
	struct av_s2_pa_range mine[5], owned[5 + AV_IVC_MAX_BUFS];
	size_t nmine = 0, nowned = 0;
	uint64_t vttbr;
	unsigned long problems;
	int rc;

	rc = av_s2_init(&vm->s2, &cfg, &bm_mm_ops, &vm->s2_cookie, NULL);
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
	/* Firmware flash banks: read-only, in read-array mode (firmware.c). */
	if (!rc)
		rc = bm_firmware_map(vm, &mc, mine, &nmine);
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
		.line_level = bm_vgic_line_level,
		.line_level_cookie = vm,
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
	rc = av_vgic_init(&vm->vgic, &cfg, NULL);
	/* The guest's virtual timer is the hardware's: PPI 27 forwarded, HW-linked. */
	for (unsigned i = 0; !rc && i < vm->spec.nr_vcpus; i++)
		rc = av_vgic_map_hw(&vm->vgic, i, AV_VIRT_TIMER_VIRT_INTID, PORT_PPI_VTIMER);
	/* Both timers' lines are resampled when the level matters (bm_vgic_line_level()). */
	for (unsigned i = 0; !rc && i < vm->spec.nr_vcpus; i++)
		rc = av_vgic_set_resample(&vm->vgic, i, AV_VIRT_TIMER_VIRT_INTID, true);
	for (unsigned i = 0; !rc && i < vm->spec.nr_vcpus; i++)
		rc = av_vgic_set_resample(&vm->vgic, i, AV_VIRT_TIMER_PHYS_INTID, true);
	/* Pass-through SPIs: forwarded, HW-linked (the guest's deactivation is the hardware's). */
	for (unsigned i = 0; !rc && i < vm->pt.nr_spis; i++)
		rc = av_vgic_map_hw(&vm->vgic, 0, 32 + vm->pt.spis[i], 32 + vm->pt.spis[i]);
	return rc;
}

static int add_dev(struct bm_vm *vm, struct av_mmio_dev *d, const char *name, uint64_t base,
		   uint64_t size, const struct av_mmio_ops *ops, void *dev, unsigned widths,
		   struct av_error *err)
{
	*d = (struct av_mmio_dev){ .base = base, .size = size, .ops = ops, .dev = dev,
				   .name = name, .widths = widths };
	return av_mmio_register(&vm->bus, d, err);
}

/* The VM's MMIO bus and its devices; @err names what a registration refused (an overlap
 * names both devices). */
static int setup_bus(struct bm_vm *vm, struct av_error *err)
{
	const struct av_vmspec *s = &vm->spec;
	int rc;

	rc = av_mmio_bus_init(&vm->bus, vm->bus_slots, BM_BUS_SLOTS, AV_MMIO_UNCLAIMED_ABORT, err);
	if (!rc)
		rc = av_vgic_bus_add(&vm->vgic_bus, &vm->vgic, &vm->bus, s->gic.dist.base,
				     s->gic.redist.base, vgic_written, vm, err);
	if (!rc && (vm->desc->devices & BM_DEV_PL011)) {
		struct av_pl011_config uc = { .tx = uart_tx, .set_irq = uart_set_irq,
					      .rx_space = uart_rx_space, .cookie = vm };

		rc = av_pl011_init(&vm->uart, &uc);
		vm->uart_lock.ops = &av_pl011_mmio_ops;
		vm->uart_lock.inner = &vm->uart;
		if (!rc)
			rc = add_dev(vm, &vm->dev_uart, "pl011", s->uarts[0].mmio.base,
				     AV_PL011_SIZE, &bm_locked_ops, &vm->uart_lock, AV_PL011_WIDTHS,
				     err);
	}
	if (!rc && (vm->desc->devices & BM_DEV_PL031)) {
		struct av_pl031_config rc_cfg = { .now = rtc_now, .set_irq = rtc_set_irq,
						  .cookie = vm };

		rc = av_pl031_init(&vm->rtc, &rc_cfg);
		vm->rtc_lock.ops = &av_pl031_mmio_ops;
		vm->rtc_lock.inner = &vm->rtc;
		if (!rc)
			rc = add_dev(vm, &vm->dev_rtc, "pl031", s->rtc.mmio.base, AV_PL031_SIZE,
				     &bm_locked_ops, &vm->rtc_lock, AV_PL031_WIDTHS, err);
	}
	if (!rc && (vm->desc->devices & BM_DEV_VIRTIO))
		rc = bm_virtio_setup(vm, err);
	if (!rc)
		rc = bm_firmware_bus(vm, err);
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
		.sysreg_rows = vm->spec.pmu_intid ? bm_sys_rows_pmu : bm_sys_rows,
		.nsysreg_rows = vm->spec.pmu_intid ? BM_ARRAY_SIZE(bm_sys_rows_pmu)
						   : BM_ARRAY_SIZE(bm_sys_rows),
		.ops = &bm_vm_ops,
		.cookie = vm,
		/* Guest-triggered log lines: the default count per second of the counter. */
		.log_window = port_counter_freq(),
		/* bm_hypercall() answers IVC only: the library answers other IDs itself. */
		.hypercall_first = AV_IVC_HC_FIRST,
		.hypercall_last = AV_IVC_HC_LAST,
		/* IVC with edge doorbells only (fast_ivc_last; 0: none): answered in the
		 * library's fast path, the caller's list registers left live. */
		.fast_hypercall = bm_fast_ivc,
		.fast_hypercall_first = AV_IVC_HC_FIRST,
		.fast_hypercall_last = vm->fast_ivc_last,
		/* Pointer authentication is shown exactly when it is not trapped (below). */
		.id_flags = (vm->spec.pmu_intid ? AV_VM_ID_KEEP_PMU : 0) |
			    (pac_untrapped ? AV_VM_ID_KEEP_PAUTH : 0),
	};
	rc = av_vm_init(&vm->vm, &cfg, NULL);
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
		/* ECHO is answered in the EL2 vectors (counted in fast_hvc_hits). */
		bv->arch.fast_hvc = av_arch_fast_hvc_default;
		bv->arch.nr_fast_hvc = 1;
		/* Exits the library answers alone re-enter from the vectors (bm_vcpu_run()). */
		bv->arch.fast_vcpu = &bv->v;
		bv->arch.dbg = &bv->v.sys.dbg; /* guest breakpoints and watchpoints */
		if (vm->spec.pmu_intid && (rc = bm_pmu_vcpu_init(bv)) != 0)
			return rc;
	}
	return av_boot_linux_regs(&vm->vcpus[vm->vm.boot_vcpu].v.ctxt.regs, &vm->layout);
}

/*
 * A firmware VM (firmware.c): its DTB at the start of its RAM, the boot vCPU entering at the
 * flash base with x0 = the DTB, as QEMU's virt board starts firmware.
 */
static int load_firmware_dtb(struct bm_vm *vm, void *dtb_buf, size_t buf_size)
{
	size_t dtb_size;
	int rc;

	rc = av_fdt_build(&vm->spec, dtb_buf, buf_size, &dtb_size);
	if (!rc)
		rc = copy_to_guest(vm, vm->ram_ipa, dtb_buf, dtb_size);
	if (rc)
		return rc;
	vm->layout = (struct av_boot_layout){ .dtb_addr = vm->ram_ipa, .dtb_size = dtb_size,
					      .entry = vm->spec.flash.banks[0].base };
	port_printf("armvirt-bm: %s: %u vCPU(s) from pCPU %u, GICv%u, RAM %llu MiB (IPA %#llx "
		    "-> PA %#llx), firmware entry %#llx, DTB %#llx (%zu bytes)\n",
		    vm->desc->name, vm->spec.nr_vcpus, vm->desc->first_pcpu % plat->ncpus,
		    vm->spec.gic.version, (unsigned long long)(vm->ram_size >> 20),
		    (unsigned long long)vm->ram_ipa, (unsigned long long)vm->ram_pa,
		    (unsigned long long)vm->layout.entry, (unsigned long long)vm->ram_ipa, dtb_size);
	return 0;
}

static int load_guest(struct bm_vm *vm)
{
	static uint64_t dtb_buf[BM_DTB_MAX / 8];
	const struct bm_vm_desc *d = vm->desc;
	const void *kimg, *initrd = NULL;
	size_t klen, ilen = 0, dtb_size;
	struct av_boot_kernel kern;
	struct av_boot_req req;
	int rc;

	if (vm->fw.boot)
		return load_firmware_dtb(vm, dtb_buf, sizeof(dtb_buf));
	rc = payload_bytes(&d->kernel, true, &kimg, &klen);
	if (rc) {
		port_printf("armvirt-bm: %s: no kernel (%s)\n", d->name, av_strerror(rc));
		return rc;
	}
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
	/* Any kernel format (arm64 Image, ELF, raw binary): boot.h detects and places it. */
	rc = av_boot_prepare(kimg, klen, 0, &req, &kern, &vm->layout);
	if (rc) {
		port_printf("armvirt-bm: %s: not started: kernel: %s\n", d->name, kern.error);
		vm->refused = true;
		return rc;
	}
	if (ilen) {
		vm->spec.chosen.initrd_start = vm->layout.initrd_addr;
		vm->spec.chosen.initrd_end = vm->layout.initrd_addr + ilen;
	}
	rc = av_fdt_build(&vm->spec, dtb_buf, sizeof(dtb_buf), &dtb_size);
	if (rc)
		return rc;
	vm->layout.dtb_size = dtb_size;
	rc = av_boot_load(&kern, &vm->layout, copy_to_guest, vm);
	if (!rc && ilen)
		rc = copy_to_guest(vm, vm->layout.initrd_addr, initrd, ilen);
	if (!rc)
		rc = copy_to_guest(vm, vm->layout.dtb_addr, dtb_buf, dtb_size);
	av_arch_icache_inval_all();
	if (!rc)
		port_printf("armvirt-bm: %s: kernel: %s, loaded at %#llx, entry %#llx\n", d->name,
			    av_boot_format_name(kern.format),
			    (unsigned long long)vm->layout.kernel_addr,
			    (unsigned long long)vm->layout.entry);
	/* cppcheck-suppress duplicateCondition ; two lines, each under the same guard */
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

int vm_create(struct bm_vm *vm, const struct bm_vm_desc *d, unsigned index)
{
	struct av_vmspec_error err;
	uint64_t mpidr[AV_VMSPEC_GICV2_MAX_VCPUS];
	unsigned gic = d->gic_version ? d->gic_version : plat->gic_version;
	int rc;

	vm->desc = d;
	vm->index = index;
	/* IVC with edge doorbells cannot touch the caller's own vGIC: the run loop's fast path. */
	vm->fast_ivc_last = ivc_on && !d->ivc_level ? AV_IVC_HC_LAST : 0;
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
	if (!(d->devices & BM_DEV_PL011)) {
		vm->spec.nr_uarts = 0;
		vm->spec.chosen.stdout_uart = -1;
	}
	if (d->pmu && bm_pmu_present())
		vm->spec.pmu_intid = AV_VIRT_PMU_INTID;
	else if (d->pmu)
		port_printf("armvirt-bm: %s: the board has no PMUv3: none for the VM\n", d->name);
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
	/* The virtio-mmio slots the VM has (none, or all but a passed-through page). */
	rc = bm_virtio_spec(vm);
	if (rc)
		return rc;
	/* Flash banks and the firmware in bank 0, instead of a kernel (firmware.c). */
	rc = bm_firmware_spec(vm);
	if (rc)
		return rc;
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
	if (!rc) {
		rc = setup_bus(vm, &err);
		if (rc && err.msg[0])
			port_printf("armvirt-bm: %s: MMIO bus: %s: %s\n", d->name, err.field,
				    err.msg);
	}
	if (!rc)
		rc = setup_vcpus(vm, mpidr);
	if (rc)
		return rc;
	vm->started = true;
	return 0;
}
