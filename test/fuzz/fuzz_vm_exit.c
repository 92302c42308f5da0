/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the whole exit dispatcher, av_vm_handle_exit() (armvirt/vm.h).
 *
 * The VM: one to four vCPUs, a GICv2 or GICv3 vGIC on its MMIO bus (distributor and
 * redistributors through av_vgic_bus_add()), a PL011 and two empty virtio-mmio slots, RAM
 * for PSCI entry points, host callbacks answering from the input (instruction fetches,
 * stage-2 faults, CPU_ON, hypercalls).
 *
 * Input: one configuration byte, then exits of 48 bytes each: the exit kind, the vCPU, an
 * ESR_EL2 (its class from the list of those the dispatcher knows, or any), FAR and HPFAR
 * (often inside a device), the instruction a fetch returns, and the general registers,
 * PC and PSTATE the guest left (values from a set of boundaries, or raw).
 * Invariants checked after every exit (a violation traps):
 *  - the action is one of enum av_exit_action; AV_EXIT_TO_CALLER leaves the vCPU's
 *    registers as they were;
 *  - av_vgic_check() holds (the dispatcher drives the vGIC through SGI traps and MMIO);
 *  - a CPU_ON target is a vCPU of this VM, never the caller, and waits ON_PENDING inside RAM;
 *  - the guest-triggered log lines stay within the VM's budget (the counter stands still,
 *    so one window lasts the whole input).
 */
#include <armvirt/dev/pl011.h>
#include <armvirt/esr.h>
#include <armvirt/log.h>
#include <armvirt/mmio.h>
#include <armvirt/vgic.h>
#include <armvirt/vgic_bus.h>
#include <armvirt/virtio.h>
#include <armvirt/vm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define NCPU 4
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000000ull
#define GICD 0x08000000ull
#define GICR 0x080a0000ull
#define UART 0x09000000ull
#define VIRTIO 0x0a000000ull
#define LOG_LINES 6

static struct world {
	struct av_vgic vgic;
	struct av_vgic_lr lrs[NCPU][4];
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[8];
	struct av_vgic_bus vb;
	struct av_pl011 uart;
	struct av_mmio_dev uart_dev;
	struct av_mmio_dev virtio[2];
	struct av_vm vm;
	struct av_vcpu vcpu[NCPU];
} w;

static struct {
	const uint8_t *a; /* the current exit's bytes */
	unsigned logs;
	struct av_vcpu *on_target;
} h;

static const struct av_psci_range ram = { RAM_BASE, RAM_SIZE };

static unsigned lr_nr(void *cookie, unsigned vcpu) { return 4; }
static void lr_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	CHECK(vcpu < NCPU && idx < 4);
	w.lrs[vcpu][idx] = *lr;
}
static void lr_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	CHECK(vcpu < NCPU && idx < 4);
	*lr = w.lrs[vcpu][idx];
}
static void lr_maint(void *cookie, unsigned vcpu, unsigned flags) { }
static const struct av_vgic_lr_ops lr_ops = { lr_nr, lr_write, lr_read, lr_maint };

static int uart_tx(void *cookie, uint8_t byte) { return 0; }

static uint64_t host_id(void *cookie, uint32_t key)
{
	return key == AV_SYS_ID_AA64PFR0_EL1 ? 0x1201001121110222ull : 0x0000000001200011ull;
}

static uint64_t host_counter(void *cookie) { return 1000; }

static int host_fetch(void *cookie, struct av_vcpu *vcpu, uint64_t pc, uint32_t *insn)
{
	if (h.a[2] & 0x80)
		return -AV_EFAULT;
	memcpy(insn, h.a + 24, 4);
	return 0;
}

static enum av_vm_fault host_s2(void *cookie, struct av_vcpu *vcpu, uint64_t ipa, uint64_t esr)
{
	return (enum av_vm_fault)(h.a[2] & 3);
}

static int host_cpu_on(void *cookie, struct av_vcpu *target)
{
	h.on_target = target;
	return (h.a[2] & 0x40) ? -AV_EIO : 0;
}

static int host_hvc(void *cookie, struct av_vcpu *vcpu, uint32_t fid, uint16_t imm,
		    enum av_exit_action *action)
{
	if (h.a[2] & 0x20)
		return -AV_ENOTSUP;
	*action = (enum av_exit_action)(h.a[3] % AV_EXIT_ACTION_COUNT);
	return 0;
}

static enum av_exit_action host_irq(void *cookie, struct av_vcpu *vcpu, enum av_exit_kind kind)
{
	return AV_EXIT_RESUME;
}

static const struct av_vm_ops ops = {
	.id_host = host_id,
	.counter = host_counter,
	.fetch_insn = host_fetch,
	.s2_fault = host_s2,
	.cpu_on = host_cpu_on,
	.hypercall = host_hvc,
	.irq = host_irq,
};

static void log_hook(enum av_log_level level, const char *line, void *cookie)
{
	h.logs++;
}

/* Build the VM for configuration @cfg into w. */
static void build(unsigned cfg)
{
	struct av_vgic_config vc = { .model = (cfg & 1) ? AV_VGIC_V3 : AV_VGIC_V2,
				     .nr_vcpus = 1 + ((cfg >> 1) & 3), .nr_spis = 64,
				     .lr_ops = &lr_ops };
	struct av_vm_config vmc = { .name = "fuzz", .nr_vcpus = vc.nr_vcpus, .vgic = &w.vgic,
				    .bus = &w.bus, .ram = &ram, .nram = 1, .ops = &ops,
				    .log_lines = LOG_LINES, .psci_vendor_reset2 = cfg & 8 };
	struct av_pl011_config uc = { .tx = uart_tx };

	memset(&w, 0, sizeof(w));
	CHECK(av_vgic_init(&w.vgic, &vc, NULL) == 0);
	CHECK(av_mmio_bus_init(&w.bus, w.slots, 8, (cfg & 16) ? AV_MMIO_UNCLAIMED_ABORT : 0,
			       NULL) == 0);
	CHECK(av_vgic_bus_add(&w.vb, &w.vgic, &w.bus, GICD, GICR, NULL, NULL, NULL) == 0);
	CHECK(av_pl011_init(&w.uart, &uc) == 0);
	CHECK(av_pl011_mmio_dev(&w.uart, UART, &w.uart_dev) == 0);
	CHECK(av_mmio_register(&w.bus, &w.uart_dev, NULL) == 0);
	for (unsigned i = 0; i < 2; i++) {
		w.virtio[i] = (struct av_mmio_dev){ .base = VIRTIO + 0x200 * i, .size = 0x200,
						    .ops = &av_virtio_mmio_empty_ops,
						    .name = "virtio" };
		CHECK(av_mmio_register(&w.bus, &w.virtio[i], NULL) == 0);
	}
	CHECK(av_vm_init(&w.vm, &vmc, NULL) == 0);
	for (unsigned i = 0; i < vc.nr_vcpus; i++) {
		CHECK(av_vcpu_init(&w.vcpu[i], &w.vm, i, 0x000f0510ull) == 0);
		w.vcpu[i].ctxt.regs.pc = RAM_BASE + 0x80000;
		w.vcpu[i].ctxt.regs.pstate = 0x3c5;
	}
}

static const uint8_t ecs[] = {
	AV_ESR_EC_UNKNOWN, AV_ESR_EC_WFX, AV_ESR_EC_CP15_32, AV_ESR_EC_CP15_64, AV_ESR_EC_CP14_MR,
	AV_ESR_EC_CP14_LS, AV_ESR_EC_FP_ASIMD, AV_ESR_EC_CP10_ID, AV_ESR_EC_PAC, AV_ESR_EC_CP14_64,
	AV_ESR_EC_BTI, AV_ESR_EC_ILL, AV_ESR_EC_HVC32, AV_ESR_EC_SMC32, AV_ESR_EC_HVC64,
	AV_ESR_EC_SMC64, AV_ESR_EC_SYS64, AV_ESR_EC_SVE, AV_ESR_EC_ERET, AV_ESR_EC_FPAC,
	AV_ESR_EC_IABT_LOW, AV_ESR_EC_PC_ALIGN, AV_ESR_EC_DABT_LOW, AV_ESR_EC_SP_ALIGN,
	AV_ESR_EC_SERROR, AV_ESR_EC_BREAKPT_LOW, AV_ESR_EC_SYS128, AV_ESR_EC_MOPS,
};

static const uint64_t vals[16] = {
	0, 1, 2, 3, 0x84000000ull, 0xc4000003ull, 0x84000008ull, 0x84000009ull, 0xc4000012ull,
	0x80000000ull, RAM_BASE, RAM_BASE + RAM_SIZE - 4, GICD, UART, ~0ull, 0x8000000000000000ull,
};

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A register value: a boundary from vals[] (low nibble of @sel) or the raw bytes. */
static uint64_t reg(uint8_t sel, const uint8_t *raw)
{
	return (sel & 0x10) ? get64(raw) : vals[sel & 15] + (sel >> 5);
}

static void one_exit(const uint8_t *a)
{
	unsigned n = w.vm.nr_vcpus, ci = a[1] % n;
	struct av_vcpu *v = &w.vcpu[ci];
	struct av_exit e = { .kind = (enum av_exit_kind)(a[0] & 3) };
	uint64_t esr = get64(a + 4) & 0x1ffffffull;
	struct av_ctxt before;
	enum av_exit_action act;
	struct av_error err;

	if (!(a[0] & 0xc0))
		esr |= AV_FIELD_PREP(AV_ESR_EC, ecs[a[3] % sizeof(ecs)]) | AV_ESR_IL;
	else
		esr |= AV_FIELD_PREP(AV_ESR_EC, a[3] & 0x3f) | (a[0] & 0x40 ? AV_ESR_IL : 0);
	e.esr = esr;
	e.far = (a[0] & 0x20) ? reg(a[12], a + 28) : (a[12] & 1 ? GICD : GICR) + (a[13] << 4 | a[12] >> 4) * 4;
	e.hpfar = (a[0] & 0x10) ? get64(a + 28) : ((a[13] & 3) == 0 ? UART : (a[13] & 3) == 1 ? VIRTIO
						   : (a[13] & 3) == 2 ? GICD : GICR) >> 8;
	if (a[0] & 8)
		e.hpfar = (e.far & ~0xfffull) >> 8;
	/* The registers the guest left: x0..x3 and the ESR's Rt most often matter. */
	for (unsigned i = 0; i < 31; i++)
		v->ctxt.regs.x[i] = reg(a[36 + (i % 12)] ^ (uint8_t)i, a + 28 + (i & 7));
	v->ctxt.regs.x[0] = reg(a[14], a + 28);
	v->ctxt.regs.x[1] = reg(a[15], a + 32 - (a[15] & 3));
	v->ctxt.regs.x[2] = reg(a[16], a + 36);
	if (a[17] & 1)
		v->ctxt.regs.pc = reg(a[18], a + 40);
	if (a[17] & 2)
		v->ctxt.regs.pstate = get64(a + 20) & 0xffffffffull;
	if (a[17] & 4)
		v->state = (enum av_vcpu_state)(a[19] % 4);
	memcpy(&before, &v->ctxt, sizeof(before));
	h.on_target = NULL;
	act = av_vm_handle_exit(v, &e);
	CHECK((unsigned)act < AV_EXIT_ACTION_COUNT);
	if (act == AV_EXIT_TO_CALLER)
		CHECK(memcmp(&before.regs, &v->ctxt.regs, sizeof(before.regs)) == 0);
	if (h.on_target) {
		CHECK(h.on_target >= w.vcpu && h.on_target < w.vcpu + n && h.on_target != v);
		if (!(a[2] & 0x40)) {
			CHECK(h.on_target->state == AV_VCPU_ON_PENDING);
			CHECK(h.on_target->boot_entry >= RAM_BASE &&
			      h.on_target->boot_entry < RAM_BASE + RAM_SIZE);
		}
	}
	if (av_vgic_check(&w.vgic, &err)) {
		fprintf(stderr, "av_vgic_check: %s: %s\n", err.field, err.msg);
		__builtin_trap();
	}
	/* The budget's lines plus one line saying how many were suppressed. */
	CHECK(h.logs <= LOG_LINES + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct world *pristine[32];
	unsigned cfg;

	if (size < 1)
		return 0;
	cfg = data[0] & 31;
	if (!pristine[cfg]) {
		/* Built once per configuration; the copy's pointers all lead into w. */
		build(cfg);
		pristine[cfg] = malloc(sizeof(w));
		CHECK(pristine[cfg]);
		memcpy(pristine[cfg], &w, sizeof(w));
	}
	memcpy(&w, pristine[cfg], sizeof(w));
	h.logs = 0;
	av_log_set_hook(log_hook, AV_LOG_WARN, NULL);
	for (data++, size--; size >= 48; data += 48, size -= 48) {
		h.a = data;
		one_exit(data);
	}
	return 0;
}
