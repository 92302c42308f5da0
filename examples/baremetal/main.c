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
 *                PL031, virtio-mmio slots), WFI; unknown traps inject an exception (logged once)
 *   virtio       per VM: virtio-blk on a disk image QEMU loaded into board RAM (never
 *                mapped into a VM), virtio-console, virtio-rng from RNDR, the other slots
 *                empty; queues processed in the MMIO trap of QueueNotify (virtio.c)
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
 *
 * Source files: main.c (image-wide state, boot of every pCPU, hyp_main()), build.c (a VM
 * from its description), console.c, run.c (scheduler loop, run loop, interrupts), pt.c
 * (pass-through probing), virtio.c, stats.c; bm_internal.h declares what they share.
 */
#include <libfdt.h>

#include "bm_internal.h"

/* ---------------------------------------------------------------------------------------
 * Image-wide state (declared in bm_internal.h)
 */

struct bm_vm vms[BM_MAX_VMS];
unsigned nr_vms;
struct bm_pcpu pcpus[PORT_MAX_CPUS];
struct av_sched sched;
struct av_ivc ivc;
bool ivc_on;                              /* the image describes IVC (bm_ivc) */
const struct port_platform *plat;
struct av_arch_gicv2 gicv2;               /* the GICH frame (banked per CPU) */
uint64_t midr;
uint32_t trap_features;
unsigned pmcr_n;
volatile bool go;                         /* secondaries may enter guests */
int failed_vms;
bool pac_untrapped;                       /* one vCPU per pCPU in the whole image */

/* Board facts read from QEMU's DTB before any guest ran (libfdt uses FP/SIMD). */
struct bm_board board;

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
	bm_pmu_cpu_init();
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
bool all_done(void)
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
	struct av_error err;
	unsigned n = bm_nr_vms < BM_MAX_VMS ? bm_nr_vms : BM_MAX_VMS;
	int rc;

	if (d->nr_pairs > BM_ARRAY_SIZE(pairs) || d->nr_bufs > AV_IVC_MAX_BUFS)
		return -AV_ERANGE;
	/* cppcheck-suppress knownConditionTrueFalse ; n is bm_nr_vms, not always 0 */
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
		port_printf("armvirt-bm: IVC configuration: %s: %s\n", err.field, err.msg);
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
	struct av_error serr;
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
	/* Disk images QEMU loaded (before the kernels: a loader slot stops at a disk). */
	bm_disks_reserve();
	bm_firmware_reserve();
	for (unsigned i = 0; i < bm_nr_vms; i++) {
		const struct bm_payload *k = &bm_vms[i].kernel;
		const void *img;
		size_t len;

		if (k->kind == BM_PAYLOAD_LOADER && payload_bytes(k, true, &img, &len) == 0)
			reserve(k->addr, k->addr + len);
	}

	/* The scheduler: one run queue per pCPU, the configured slice (default 10 ms). */
	scfg = (struct av_sched_config){ .nr_cpus = p->ncpus, .counter_hz = port_counter_freq() };
	rc = av_sched_init(&sched, &scfg, &serr);
	if (rc) {
		port_printf("armvirt-bm: scheduler: %s: %s\n", serr.field, serr.msg);
		return 2;
	}
	if (&bm_slice_ms && bm_slice_ms)
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
			if (!vm->refused)
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
	for (focus = 0; focus < nr_vms && !console_has_input(&vms[focus]); focus++)
		;
	if (focus == nr_vms)
		focus = 0;

	/* Console input: the board UART's receive interrupt, on this pCPU. Its FIFOs on: a
	 * guest's console output goes out 16 bytes per look at the flags (port_writev()). */
	port_write32(p->uart_base + UART_LCR_H,
		     port_read32(p->uart_base + UART_LCR_H) | UART_LCR_H_FEN);
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
