/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, virtio: a VM's 32 virtio-mmio slots (doc/baremetal.md, "Virtio devices").
 *
 *   virtio-blk      on a disk image QEMU's loader put into board RAM (bm_vm_desc::disk):
 *                   reserved before any RAM is carved, reached only through the device
 *                   (av_virtio_blk_ram_ops), never mapped into a VM's stage 2
 *   virtio-console  output line-buffered with the VM's name like the PL011's; input from
 *                   the board UART once the guest's driver is ready (console.c)
 *   virtio-rng      entropy from RNDR, retried a bounded number of times; absent on a CPU
 *                   without FEAT_RNG
 *   empty slots     answer like an absent device on QEMU's virt board (magic "virt",
 *                   version 2, device ID 0), so drivers skip them silently
 *
 * All 32 slots are one entry of the VM's MMIO bus. Each device has its own lock: the MMIO
 * accesses of the VM's vCPUs (on any pCPU), the queue processing they start (QueueNotify is
 * handled synchronously in the trap) and console input from the board UART are serialised
 * by it. A device's interrupt line drives its SPI (AV_VIRT_VIRTIO_SPI + slot) in the vGIC
 * with av_vgic_set_level(): the DT says edge, so the guest configures it edge-triggered and
 * the vGIC latches each rise. Guest memory: the VM's RAM only, with bounds
 * (av_virtio_mem_regions_ops).
 */
#include "bm_internal.h"

#define VIO_WINDOW ((uint64_t)AV_VMSPEC_MAX_VIRTIO * AV_VIRT_VIRTIO_SIZE)
#define RNDR_TRIES 16        /* RNDR failures (NZCV.Z) before a fill gives up */
#define RNG_FILL_MAX 4096u   /* bytes per fill: bounds the time one request holds the pCPU */
#define NO_RESV BM_NO_RESV

/* ---------------------------------------------------------------------------------------
 * Disk images: where they are, and that they stay the device's alone
 */

static unsigned disk_resv[BM_MAX_VMS];      /* its entry in the reserved table */
static const char *disk_error[BM_MAX_VMS];  /* why it cannot be used, or NULL */

/* Reserve every described disk region (hyp_main(), after the hypervisor, QEMU's DTB and
 * initrd, before the kernels and any guest RAM). */
void bm_disks_reserve(void)
{
	for (unsigned i = 0; i < bm_nr_vms && i < BM_MAX_VMS; i++) {
		const struct bm_disk *d = &bm_vms[i].disk;

		disk_resv[i] = NO_RESV;
		if (d->addr || d->size)
			disk_error[i] = reserve_loaded(d->addr, d->size, 0x1000, &disk_resv[i]);
	}
}

/* ---------------------------------------------------------------------------------------
 * The slots on the VM's bus
 */

static struct bm_vio_slot *slot_of(struct bm_vm *vm, uint64_t *off)
{
	struct bm_vio_slot *s = &vm->vio.slot[*off / AV_VIRT_VIRTIO_SIZE];

	*off %= AV_VIRT_VIRTIO_SIZE;
	return s;
}

static enum av_access_result vio_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
				      unsigned size, uint64_t *val)
{
	struct bm_vio_slot *s = slot_of(dev, &off);
	enum av_access_result r;

	if (!s->vdev)
		return s->foreign ? AV_ACCESS_INJECT
				  : av_virtio_mmio_empty_ops.read(NULL, vcpu, off, size, val);
	port_spin_lock(&s->lock);
	r = av_virtio_mmio_ops.read(s->vdev, vcpu, off, size, val);
	port_spin_unlock(&s->lock);
	return r;
}

static void con_push_input(struct bm_vm *vm);

static enum av_access_result vio_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
				       unsigned size, uint64_t val)
{
	struct bm_vm *vm = dev;
	struct bm_vio_slot *s = slot_of(vm, &off);
	enum av_access_result r;

	if (!s->vdev)
		return s->foreign ? AV_ACCESS_INJECT
				  : av_virtio_mmio_empty_ops.write(NULL, vcpu, off, size, val);
	port_spin_lock(&s->lock);
	/* QueueNotify processes the queue here, in the trap (the device's notify op). */
	r = av_virtio_mmio_ops.write(s->vdev, vcpu, off, size, val);
	/* The guest may have posted receive buffers: hand it the input held for it. */
	if (s->vdev == &vm->vio.con.vdev && vm->vio.in_len)
		con_push_input(vm);
	port_spin_unlock(&s->lock);
	/* A transmit may have queued frames for other ports: deliver them (net.c). */
	bm_net_deliver();
	return r;
}

static const struct av_mmio_ops vio_window_ops = { .read = vio_read, .write = vio_write };

/* A device's interrupt line: its SPI in the VM's vGIC (which kicks the target vCPU). */
static void vio_set_level(void *ctx, bool level)
{
	struct bm_vio_slot *s = ctx;

	av_vgic_set_level(&s->vm->vgic, 0, s->intid, level, NULL);
}

/*
 * The slots of the VM's description: all 32, except those in a passed-through page (that
 * page is the board's, mapped into the VM; its own node is in spec.devs).
 */
int bm_virtio_spec(struct bm_vm *vm)
{
	const struct bm_vm_desc *d = vm->desc;
	struct bm_virtio *vio = &vm->vio;
	unsigned n = 0;

	vio->blk_slot = vio->con_slot = vio->rng_slot = -1;
	if (!(d->devices & BM_DEV_VIRTIO)) {
		vm->spec.nr_virtio = 0;
		if (d->disk.addr || d->nets[0] ||
		    (d->devices & (BM_DEV_VIRTIO_CONSOLE | BM_DEV_VIRTIO_RNG)))
			port_printf("armvirt-bm: %s: virtio devices need BM_DEV_VIRTIO: none\n",
				    d->name);
		return 0;
	}
	for (unsigned i = 0; i < AV_VMSPEC_MAX_VIRTIO; i++) {
		uint64_t base = AV_VIRT_VIRTIO_BASE + i * AV_VIRT_VIRTIO_SIZE;
		struct bm_vio_slot *s = &vio->slot[i];

		s->vm = vm;
		s->intid = 32 + AV_VIRT_VIRTIO_SPI + i;
		s->foreign = vm->pt.size && base >= vm->pt.base && base < vm->pt.base + vm->pt.size;
		if (!s->foreign)
			vm->spec.virtio[n++] = vm->spec.virtio[i];
	}
	vm->spec.nr_virtio = n;
	return 0;
}

/* The lowest slot the VM has that is still empty, or -1. */
static int free_slot(struct bm_vm *vm)
{
	for (unsigned i = 0; i < AV_VMSPEC_MAX_VIRTIO; i++)
		if (!vm->vio.slot[i].foreign && !vm->vio.slot[i].vdev)
			return (int)i;
	return -1;
}

/* ---------------------------------------------------------------------------------------
 * Devices
 */

/* The slot a new device @what takes (the lowest free one, -1: none, said), and the context
 * of its interrupt hook. */
int bm_virtio_take_slot(struct bm_vm *vm, const char *what, struct av_virtio_irq *irq)
{
	int slot = free_slot(vm);

	if (slot < 0)
		port_printf("armvirt-bm: %s: %s: no free virtio-mmio slot: no device\n",
			    vm->desc->name, what);
	else
		irq->ctx = &vm->vio.slot[slot];
	return slot;
}

/*
 * After the library's init (@rc): the device in its slot, one line saying where. A device
 * the library refused gives one line too, and the VM goes on without it.
 */
void bm_virtio_attach(struct bm_vm *vm, int slot, int rc, struct av_virtio_dev *vdev,
		      int *where, const char *what, const char *detail, struct av_error *err)
{
	if (rc) {
		port_printf("armvirt-bm: %s: %s: %s%s%s: no device\n", vm->desc->name, what,
			    av_strerror(rc), err->msg[0] ? ": " : "", err->msg);
		*err = (struct av_error){ 0 };
		return;
	}
	vm->vio.slot[slot].vdev = vdev;
	*where = slot;
	port_printf("armvirt-bm: %s: %s at %#llx (slot %d, SPI %u)%s\n", vm->desc->name, what,
		    (unsigned long long)(AV_VIRT_VIRTIO_BASE + (uint64_t)slot * AV_VIRT_VIRTIO_SIZE),
		    slot, AV_VIRT_VIRTIO_SPI + (unsigned)slot, detail);
}

static void setup_blk(struct bm_vm *vm, struct av_virtio_irq *irq, struct av_error *err)
{
	const struct bm_disk *d = &vm->desc->disk;
	struct bm_virtio *vio = &vm->vio;
	struct av_virtio_blk_params p;
	const char *why = disk_error[vm->index];
	int slot;

	if (!d->addr && !d->size)
		return;
	if (!why && disk_resv[vm->index] == NO_RESV)
		why = "not reserved";
	if (!why && reserved_overlap(d->addr, d->addr + d->size, disk_resv[vm->index]))
		why = "overlaps a kernel, another disk or something else QEMU loaded";
	if (why) {
		port_printf("armvirt-bm: %s: virtio-blk: disk at %#llx (%llu KiB): %s: no disk\n",
			    vm->desc->name, (unsigned long long)d->addr,
			    (unsigned long long)(d->size >> 10), why);
		return;
	}
	if (!region_loaded(d->addr, d->size)) {
		port_printf("armvirt-bm: %s: virtio-blk: nothing loaded at %#llx (%llu MiB all "
			    "zero; -device loader,file=IMG,addr=%#llx,force-raw=on): no disk\n",
			    vm->desc->name, (unsigned long long)d->addr,
			    (unsigned long long)(d->size >> 20), (unsigned long long)d->addr);
		return;
	}
	slot = bm_virtio_take_slot(vm, "virtio-blk", irq);
	if (slot < 0)
		return;
	vio->disk = (struct av_virtio_blk_ram){ .base = (uint8_t *)(uintptr_t)d->addr,
						.size = d->size };
	p = (struct av_virtio_blk_params){
		.ops = &av_virtio_blk_ram_ops,
		.ctx = &vio->disk,
		.size = d->size,
		.readonly = d->readonly,
		.serial = vm->desc->name,
	};
	bm_virtio_attach(vm, slot, av_virtio_blk_init(&vio->blk, &p, &vio->mem, irq, err),
			 &vio->blk.vdev, &vio->blk_slot, "virtio-blk",
			 d->readonly ? ": read-only" : ": read-write", err);
	if (vio->blk_slot >= 0)
		port_printf("armvirt-bm: %s: virtio-blk: %llu %s disk image at PA %#llx\n",
			    vm->desc->name,
			    (unsigned long long)(d->size & 0xfffff ? d->size >> 10 : d->size >> 20),
			    d->size & 0xfffff ? "KiB" : "MiB", (unsigned long long)d->addr);
}

/* The guest's console output: printed like its PL011's, a line at a time. */
static size_t con_tx(void *ctx, const void *buf, size_t len)
{
	struct bm_vm *vm = ctx;

	console_out(vm, vm->vio.line, &vm->vio.line_len, buf, len);
	return len;
}

static const struct av_virtio_console_ops con_ops = { .tx = con_tx };

/* Hand the guest what input it has room for (under the console's lock). */
static void con_push_input(struct bm_vm *vm)
{
	struct bm_virtio *vio = &vm->vio;

	while (vio->in_len) {
		unsigned chunk = BM_VIO_IN_MAX - vio->in_head;
		size_t took;

		if (chunk > vio->in_len)
			chunk = vio->in_len;
		took = av_virtio_console_rx_push(&vio->con, vio->in + vio->in_head, chunk);
		vio->in_head = (vio->in_head + (unsigned)took) % BM_VIO_IN_MAX;
		vio->in_len -= (unsigned)took;
		if (took < chunk)
			break;
	}
	/* Room again: let the board UART interrupt (it was masked when the ring was full). */
	if (vio->in_len < BM_VIO_IN_MAX && focus < nr_vms && &vms[focus] == vm)
		port_write32(plat->uart_base + UART_IMSC, UART_INT_RX | UART_INT_RT);
}

bool bm_virtio_console_live(struct bm_vm *vm)
{
	struct bm_vio_slot *s;
	bool live;

	if (vm->vio.con_slot < 0)
		return false;
	s = &vm->vio.slot[vm->vio.con_slot];
	port_spin_lock(&s->lock);
	live = av_virtio_dev_live(&vm->vio.con.vdev);
	port_spin_unlock(&s->lock);
	return live;
}

size_t bm_virtio_console_room(struct bm_vm *vm)
{
	struct bm_vio_slot *s = &vm->vio.slot[vm->vio.con_slot];
	size_t room;

	port_spin_lock(&s->lock);
	room = BM_VIO_IN_MAX - vm->vio.in_len;
	port_spin_unlock(&s->lock);
	return room;
}

/* One byte of board UART input for the VM's virtio-console (console.c checked the room). */
void bm_virtio_console_input(struct bm_vm *vm, uint8_t c)
{
	struct bm_virtio *vio = &vm->vio;
	struct bm_vio_slot *s = &vio->slot[vio->con_slot];

	port_spin_lock(&s->lock);
	if (vio->in_len < BM_VIO_IN_MAX) {
		vio->in[(vio->in_head + vio->in_len) % BM_VIO_IN_MAX] = c;
		vio->in_len++;
	}
	con_push_input(vm);
	port_spin_unlock(&s->lock);
}

void bm_virtio_console_flush_partial(struct bm_vm *vm)
{
	struct bm_virtio *vio = &vm->vio;
	struct bm_vio_slot *s;

	if (vio->con_slot < 0 || !vio->line_len)
		return;
	s = &vio->slot[vio->con_slot];
	port_spin_lock(&s->lock);
	console_out_partial(vm, vio->line, &vio->line_len);
	port_spin_unlock(&s->lock);
}

static void setup_console(struct bm_vm *vm, struct av_virtio_irq *irq, struct av_error *err)
{
	struct bm_virtio *vio = &vm->vio;
	int slot;

	if (!(vm->desc->devices & BM_DEV_VIRTIO_CONSOLE) ||
	    (slot = bm_virtio_take_slot(vm, "virtio-console", irq)) < 0)
		return;
	bm_virtio_attach(vm, slot,
			 av_virtio_console_init(&vio->con, &con_ops, vm, &vio->mem, irq, err),
			 &vio->con.vdev, &vio->con_slot, "virtio-console", " (Linux: console=hvc0)", err);
}

/* RNDR: a 64-bit random number, or false (NZCV = 0b0100) if none could be had now. */
static bool rndr(uint64_t *v)
{
	uint64_t x, ok;

	__asm__ volatile("mrs %0, s3_3_c2_c4_0\n\tcset %1, ne" : "=r"(x), "=r"(ok) : : "cc");
	*v = x;
	return ok != 0;
}

static bool cpu_has_rndr(void)
{
	uint64_t isar0;

	__asm__ volatile("mrs %0, id_aa64isar0_el1" : "=r"(isar0));
	return ((isar0 >> 60) & 0xf) != 0;
}

static size_t rng_fill(void *ctx, void *buf, size_t len)
{
	struct bm_virtio *vio = ctx;
	uint8_t *p = buf;
	size_t done = 0;

	if (len > RNG_FILL_MAX)
		len = RNG_FILL_MAX;
	while (done < len) {
		size_t n = len - done < 8 ? len - done : 8;
		unsigned tries = 0;
		uint64_t v;

		while (!rndr(&v)) {
			if (++tries == RNDR_TRIES) {
				vio->rng_failures++;
				return done;
			}
		}
		memcpy(p + done, &v, n);
		done += n;
	}
	return done;
}

static const struct av_virtio_rng_ops rng_ops = { .fill = rng_fill };

static void setup_rng(struct bm_vm *vm, struct av_virtio_irq *irq, struct av_error *err)
{
	struct bm_virtio *vio = &vm->vio;
	int slot;

	if (!(vm->desc->devices & BM_DEV_VIRTIO_RNG))
		return;
	if (!cpu_has_rndr()) {
		port_printf("armvirt-bm: %s: virtio-rng: the CPU has no RNDR "
			    "(ID_AA64ISAR0_EL1.RNDR = 0): no entropy device\n", vm->desc->name);
		return;
	}
	slot = bm_virtio_take_slot(vm, "virtio-rng", irq);
	if (slot >= 0)
		bm_virtio_attach(vm, slot,
				 av_virtio_rng_init(&vio->rng, &rng_ops, vio, &vio->mem, irq, err),
				 &vio->rng.vdev, &vio->rng_slot, "virtio-rng", " (RNDR)", err);
}

/* The VM's virtio devices and the bus entry of its slots (setup_bus()). */
int bm_virtio_setup(struct bm_vm *vm, struct av_error *err)
{
	struct bm_virtio *vio = &vm->vio;
	struct av_virtio_irq irq = { .set_level = vio_set_level };

	vio->ram = (struct av_virtio_mem_region){ .gpa = vm->ram_ipa, .size = vm->ram_size,
						  .host = (void *)(uintptr_t)vm->ram_pa };
	vio->regions = (struct av_virtio_mem_regions){ .region = &vio->ram, .count = 1 };
	vio->mem = (struct av_virtio_mem){ .ops = &av_virtio_mem_regions_ops, .ctx = &vio->regions };
	setup_blk(vm, &irq, err);
	setup_console(vm, &irq, err);
	setup_rng(vm, &irq, err);
	bm_net_setup(vm, &irq, err);
	vio->window = (struct av_mmio_dev){ .base = AV_VIRT_VIRTIO_BASE, .size = VIO_WINDOW,
					    .ops = &vio_window_ops, .dev = vm,
					    .name = "virtio-mmio", .widths = AV_VIRTIO_MMIO_WIDTHS };
	return av_mmio_register(&vm->bus, &vio->window, err);
}

/* ---------------------------------------------------------------------------------------
 * Statistics
 */

void bm_virtio_transport_stats(struct bm_vm *vm, const char *what,
			       const struct av_virtio_dev *v)
{
	port_printf("%s: %s: %llu notifies, %llu interrupts, %llu resets needed, %llu bad "
		    "accesses\n", vm->desc->name, what, (unsigned long long)v->notifies,
		    (unsigned long long)v->interrupts, (unsigned long long)v->resets_needed,
		    (unsigned long long)v->bad_accesses);
}

void bm_virtio_stats(struct bm_vm *vm)
{
	struct bm_virtio *vio = &vm->vio;

	if (vio->blk_slot >= 0) {
		const struct av_virtio_blk *b = &vio->blk;

		port_printf("%s: virtio-blk: %llu reads (%llu KiB), %llu writes (%llu KiB), "
			    "%llu flushes, %llu errors\n", vm->desc->name,
			    (unsigned long long)b->reads, (unsigned long long)(b->bytes_read >> 10),
			    (unsigned long long)b->writes,
			    (unsigned long long)(b->bytes_written >> 10),
			    (unsigned long long)b->flushes, (unsigned long long)b->errors);
		bm_virtio_transport_stats(vm, "virtio-blk", &b->vdev);
	}
	if (vio->con_slot >= 0) {
		port_printf("%s: virtio-console: %llu bytes out, %llu in, %llu dropped\n",
			    vm->desc->name, (unsigned long long)vio->con.tx_bytes,
			    (unsigned long long)vio->con.rx_bytes,
			    (unsigned long long)vio->con.tx_dropped);
		bm_virtio_transport_stats(vm, "virtio-console", &vio->con.vdev);
	}
	if (vio->rng_slot >= 0) {
		port_printf("%s: virtio-rng: %llu bytes, %llu RNDR failures\n", vm->desc->name,
			    (unsigned long long)vio->rng.bytes,
			    (unsigned long long)vio->rng_failures);
		bm_virtio_transport_stats(vm, "virtio-rng", &vio->rng.vdev);
	}
	bm_net_stats(vm);
}
