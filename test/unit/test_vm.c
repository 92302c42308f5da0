/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the exit dispatcher.
 *
 * A two-vCPU VM with a GICv3 vGIC on a fake list-register backend, an MMIO bus with one
 * fake device at 0x50000000, PSCI, and fake host callbacks. Exits are fed with syndromes
 * built field by field from the Arm ARM layout, and with the real syndromes QEMU reported
 * (/work/shared/QEMU-FACTS.md): 0x5a000001 (HVC #1), 0x62300029 (MRS x1, ID_AA64PFR0_EL1),
 * 0x93c38006 (64-bit load, ISV, SRT=3, level-2 translation fault at 0x50000010) and
 * 0x93840046 (32-bit store, SRT=4).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/esr.h>
#include <armvirt/insn.h>
#include <armvirt/log.h>
#include <armvirt/vgic.h>
#include <armvirt/vm.h>

#define GUEST_VBAR 0x40001000ull
#define GUEST_PC 0x40080000ull
#define GUEST_PSTATE 0x3c5ull /* EL1h, D/A/I/F masked, as QEMU entered the guest */
#define QEMU_MIDR 0x000f0510ull
#define QEMU_PFR0 0x1201001121110222ull
/* QEMU -cpu max: DebugVer 9, PMUVer 6, 6 breakpoints, 4 watchpoints, 2 context-aware. */
#define QEMU_DFR0 0x10305609ull
#define DEV_BASE 0x50000000ull

struct fake_dev {
	uint64_t read_val; /* 0: reads return 0x1000 + offset */
	unsigned nreads, nwrites;
	uint64_t last_off, last_val;
	unsigned last_size;
	struct av_vcpu *last_vcpu; /* the accessing vCPU the bus handed over */
};

struct host {
	uint64_t now;
	uint32_t insn;
	uint64_t insn_pc;
	int fetches;
	enum av_vm_fault fault;
	int faults;
	uint64_t fault_ipa;
	struct av_vcpu *cpu_on_target;
	int setway;
	uint32_t setway_key;
	int hypercalls;
	int debug_changes;
	int logs;
	char log[AV_LOG_LINE_MAX];
	int lines;
	char text[4096];
};

static struct world {
	struct av_vgic vgic;
	struct av_vgic_lr lrs[2][4];
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[4];
	struct av_mmio_dev dev;
	struct fake_dev fd;
	struct av_vm vm;
	struct av_vcpu vcpu[2];
	struct host host;
} w;

/* ---- fakes ---- */

static unsigned lr_nr(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return 4;
}

static void lr_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	(void)cookie;
	w.lrs[vcpu][idx] = *lr;
}

static void lr_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	(void)cookie;
	*lr = w.lrs[vcpu][idx];
}

static void lr_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	(void)cookie;
	(void)vcpu;
	(void)flags;
}

static const struct av_vgic_lr_ops lr_ops = { lr_nr, lr_write, lr_read, lr_maint };

static enum av_access_result dev_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
				      unsigned size, uint64_t *val)
{
	struct fake_dev *d = dev;

	d->last_vcpu = vcpu;
	d->nreads++;
	d->last_off = off;
	d->last_size = size;
	*val = d->read_val ? d->read_val : 0x1000 + off;
	return AV_ACCESS_HANDLED;
}

static enum av_access_result dev_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
				       unsigned size, uint64_t val)
{
	struct fake_dev *d = dev;

	d->last_vcpu = vcpu;
	d->nwrites++;
	d->last_off = off;
	d->last_size = size;
	d->last_val = val;
	return AV_ACCESS_HANDLED;
}

static const struct av_mmio_ops dev_ops = { .read = dev_read, .write = dev_write };

/* A host with pointer authentication: ISAR1 APA = 1, GPA = 1, LRCPC = 2, DPB = 1; ISAR2
 * APA3 = 1, GPA3 = 1, PAC_frac = 1, RPRES = 1. */
#define HOST_ISAR1 0x0000000001200011ull
#define HOST_ISAR2 0x0000000001001110ull

static uint64_t host_id(void *cookie, uint32_t key)
{
	(void)cookie;
	if (key == AV_SYS_ID_AA64DFR0_EL1)
		return QEMU_DFR0;
	if (key == AV_SYS_ID_AA64ISAR1_EL1)
		return HOST_ISAR1;
	if (key == AV_SYS_ID_AA64ISAR2_EL1)
		return HOST_ISAR2;
	return key == AV_SYS_ID_AA64PFR0_EL1 ? QEMU_PFR0 : 0;
}

static uint64_t host_counter(void *cookie)
{
	return ((struct host *)cookie)->now;
}

static int host_fetch(void *cookie, struct av_vcpu *vcpu, uint64_t pc, uint32_t *insn)
{
	struct host *h = cookie;

	(void)vcpu;
	h->fetches++;
	if (pc != h->insn_pc)
		return -AV_EFAULT;
	*insn = h->insn;
	return 0;
}

static enum av_vm_fault host_s2(void *cookie, struct av_vcpu *vcpu, uint64_t ipa, uint64_t esr)
{
	struct host *h = cookie;

	(void)vcpu;
	(void)esr;
	h->faults++;
	h->fault_ipa = ipa;
	return h->fault;
}

static int host_cpu_on(void *cookie, struct av_vcpu *target)
{
	((struct host *)cookie)->cpu_on_target = target;
	return 0;
}

static int host_hvc(void *cookie, struct av_vcpu *vcpu, uint32_t fid, uint16_t imm,
		    enum av_exit_action *action)
{
	struct host *h = cookie;

	(void)imm;
	h->hypercalls++;
	if (fid == 0xc6000011u) { /* handed to the host's run loop */
		*action = AV_EXIT_TO_CALLER;
		return 0;
	}
	if (fid != 0xc6000010u)
		return -AV_ENOTSUP;
	vcpu->ctxt.regs.x[0] = 42;
	*action = AV_EXIT_YIELD;
	return 0;
}

static void host_setway(void *cookie, struct av_vcpu *vcpu, uint32_t key, uint64_t val)
{
	struct host *h = cookie;

	(void)vcpu;
	(void)val;
	h->setway++;
	h->setway_key = key;
}

static void host_debug_changed(void *cookie, struct av_vcpu *vcpu)
{
	(void)vcpu;
	((struct host *)cookie)->debug_changes++;
}

static const struct av_vm_ops host_ops = {
	.id_host = host_id,
	.counter = host_counter,
	.fetch_insn = host_fetch,
	.s2_fault = host_s2,
	.cpu_on = host_cpu_on,
	.hypercall = host_hvc,
	.setway = host_setway,
	.debug_changed = host_debug_changed,
};

static void log_hook(enum av_log_level level, const char *line, void *cookie)
{
	struct host *h = cookie;

	(void)level;
	h->logs++;
	snprintf(h->log, sizeof(h->log), "%s", line);
}

static void line_fn(void *cookie, const char *line)
{
	struct host *h = cookie;
	size_t n = strlen(h->text);

	h->lines++;
	snprintf(h->text + n, sizeof(h->text) - n, "%s\n", line);
}

/* ---- fixture ---- */

static const struct av_psci_range ram = { 0x40000000, 0x10000000 };

static int setup(void **state)
{
	struct av_vgic_config vc = { .model = AV_VGIC_V3, .nr_vcpus = 2, .nr_spis = 32,
				     .lr_ops = &lr_ops };
	struct av_vm_config cfg = {
		.name = "test",
		.nr_vcpus = 2,
		.vgic = &w.vgic,
		.bus = &w.bus,
		.ram = &ram,
		.nram = 1,
		.ops = &host_ops,
		.cookie = &w.host,
	};
	(void)state;

	memset(&w, 0, sizeof(w));
	w.host.fault = AV_VM_FAULT_UNCLAIMED;
	assert_int_equal(av_vgic_init(&w.vgic, &vc, NULL), 0);
	assert_int_equal(av_mmio_bus_init(&w.bus, w.slots, 4, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	w.dev = (struct av_mmio_dev){ .base = DEV_BASE, .size = 0x1000, .ops = &dev_ops,
				      .dev = &w.fd, .name = "fake" };
	assert_int_equal(av_mmio_register(&w.bus, &w.dev, NULL), 0);
	assert_int_equal(av_vm_init(&w.vm, &cfg, NULL), 0);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(av_vcpu_init(&w.vcpu[i], &w.vm, i, QEMU_MIDR), 0);
		w.vcpu[i].ctxt.regs.pc = GUEST_PC;
		w.vcpu[i].ctxt.regs.pstate = GUEST_PSTATE;
		w.vcpu[i].ctxt.el1.vbar = GUEST_VBAR;
	}
	av_log_set_hook(log_hook, AV_LOG_WARN, &w.host);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	av_log_set_hook(NULL, AV_LOG_ERROR, NULL);
	return 0;
}

static enum av_exit_action sync_exit(struct av_vcpu *v, uint64_t esr, uint64_t far, uint64_t hpfar)
{
	struct av_exit e = { .kind = AV_EXIT_SYNC, .esr = esr, .far = far, .hpfar = hpfar };

	return av_vm_handle_exit(v, &e);
}

/* EC 0x16/0x17 syndromes, and EC 0x18 for register @key, Rt = @rt, composed by field. */
static uint64_t call_esr(unsigned ec, unsigned imm)
{
	return AV_FIELD_PREP(AV_ESR_EC, ec) | AV_ESR_IL | AV_FIELD_PREP(AV_ESR_IMM16, imm);
}

static uint64_t sys_esr(uint32_t key, unsigned rt, bool read)
{
	return AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_SYS64) | AV_ESR_IL | key |
	       AV_FIELD_PREP(AV_ESR_SYS_RT, rt) | AV_FIELD_PREP(AV_ESR_SYS_DIR, read ? 1 : 0);
}

/* Data abort from a lower EL with ISV = 0 (level-2 translation fault). */
static uint64_t dabt_nisv_esr(bool wnr)
{
	return AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_DABT_LOW) | AV_ESR_IL |
	       AV_FIELD_PREP(AV_ESR_DABT_WNR, wnr ? 1 : 0) | AV_FIELD_PREP(AV_ESR_DABT_DFSC, 0x06);
}

/* The guest state right after a synchronous exception to EL1h from EL1h at GUEST_PC. */
static void check_injected(const struct av_vcpu *v, uint64_t esr, uint64_t far)
{
	assert_int_equal(v->ctxt.el1.esr, esr);
	assert_int_equal(v->ctxt.el1.far, far);
	assert_int_equal(v->ctxt.el1.elr, GUEST_PC);
	assert_int_equal(v->ctxt.el1.spsr, GUEST_PSTATE);
	assert_int_equal(v->ctxt.regs.pc, GUEST_VBAR + 0x200);
	assert_int_equal(av_pstate_el(v->ctxt.regs.pstate), 1);
	assert_true(av_pstate_sp_elx(v->ctxt.regs.pstate));
	assert_int_equal(av_pstate_daif(v->ctxt.regs.pstate), 0xf);
}

/* ---- tests ---- */

static void test_hvc_echo_and_unknown(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	(void)state;

	assert_int_equal(call_esr(AV_ESR_EC_HVC64, 1), 0x5a000001u);
	r->x[0] = AV_HC_ECHO;
	r->x[1] = 0x1111;
	r->x[2] = 0x2222;
	r->x[3] = 0x3333;
	assert_int_equal(sync_exit(v, 0x5a000001u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[0], 0);
	assert_int_equal(r->x[1], 0x1111);
	assert_int_equal(r->x[2], 0x2222);
	assert_int_equal(r->x[3], 0x3333);
	assert_int_equal(r->pc, GUEST_PC); /* the HVC's ELR already follows it */

	r->x[0] = AV_HC_YIELD;
	r->x[1] = 0x1111;
	assert_int_equal(sync_exit(v, 0x5a000000u, 0, 0), AV_EXIT_YIELD);
	assert_int_equal(r->x[0], 0);
	assert_int_equal(r->x[1], 0x1111);
	assert_int_equal(r->pc, GUEST_PC);
	assert_int_equal(w.host.hypercalls, 0); /* answered without the host's hook */

	r->x[0] = 0xc6000003u; /* vendor hypervisor, not implemented: the hook declines */
	assert_int_equal(sync_exit(v, 0x5a000000u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[0], UINT64_MAX);
	assert_int_equal(w.host.hypercalls, 1);

	r->x[0] = 0xc2000005u; /* SiP service */
	assert_int_equal(sync_exit(v, 0x5a000000u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[0], UINT64_MAX);

	r->x[0] = 0xc6000010u; /* the host's service */
	assert_int_equal(sync_exit(v, 0x5a000000u, 0, 0), AV_EXIT_YIELD);
	assert_int_equal(r->x[0], 42);
	assert_int_equal(w.host.hypercalls, 3);
}

static void test_smc_psci_version(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	(void)state;

	v->ctxt.regs.x[0] = AV_PSCI_VERSION;
	assert_int_equal(sync_exit(v, call_esr(AV_ESR_EC_SMC64, 0), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[0], AV_PSCI_VERSION_1_1);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC + 4); /* a trapped SMC is skipped */

	v->ctxt.regs.x[0] = AV_PSCI_VERSION; /* SMC #1: reserved immediate */
	assert_int_equal(sync_exit(v, call_esr(AV_ESR_EC_SMC64, 1), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[0], UINT64_MAX);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC + 8);

	/* Handed to the caller: the vCPU as it trapped, the SMC not skipped (found by
	 * fuzz.vm_exit); an HVC's PC already follows it. */
	v->ctxt.regs.pc = GUEST_PC;
	v->ctxt.regs.pstate |= AV_PSTATE_BTYPE;
	v->ctxt.regs.x[0] = 0xc6000011u;
	assert_int_equal(sync_exit(v, call_esr(AV_ESR_EC_SMC64, 0), 0, 0), AV_EXIT_TO_CALLER);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC);
	assert_int_equal(v->ctxt.regs.pstate & AV_PSTATE_BTYPE, AV_PSTATE_BTYPE);
	assert_int_equal(v->ctxt.regs.x[0], 0xc6000011u);
	assert_int_equal(sync_exit(v, call_esr(AV_ESR_EC_HVC64, 0), 0, 0), AV_EXIT_TO_CALLER);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC);
	v->ctxt.regs.pstate &= ~(uint64_t)AV_PSTATE_BTYPE;
}

static void test_id_register_sanitised(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	uint64_t hidden = AV_ID_AA64PFR0_EL2 | AV_ID_AA64PFR0_EL3 | AV_ID_AA64PFR0_RAS |
			  AV_ID_AA64PFR0_SVE | AV_ID_AA64PFR0_SEL2 | AV_ID_AA64PFR0_MPAM |
			  AV_ID_AA64PFR0_AMU | AV_ID_AA64PFR0_RME;
	(void)state;

	/* The host value has SVE (and RAS, EL2) to hide. */
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64PFR0_SVE, QEMU_PFR0), 1);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64PFR0_RAS, QEMU_PFR0), 2);
	assert_int_equal(sys_esr(AV_SYS_ID_AA64PFR0_EL1, 1, true), 0x62300029u);

	v->ctxt.regs.x[1] = 0xdead;
	assert_int_equal(sync_exit(v, 0x62300029u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[1], QEMU_PFR0 & ~hidden);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64PFR0_SVE, v->ctxt.regs.x[1]), 0);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64PFR0_GIC, v->ctxt.regs.x[1]), 1); /* GICv3 */
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC + 4);

	/* SVE features: all zero. An ID register is read-only: MSR is UNDEFINED. */
	v->ctxt.regs.x[2] = 0xdead;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_ID_AA64ZFR0_EL1, 2, true), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[2], 0);
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_ID_AA64PFR0_EL1, 2, false), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.el1.esr, 0x02000000u);
	assert_int_equal(v->ctxt.el1.elr, GUEST_PC + 8);
	assert_int_equal(v->ctxt.regs.pc, GUEST_VBAR + 0x200);
}

/* Pointer authentication is shown only with AV_VM_ID_KEEP_PAUTH. */
static void test_id_pauth(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64ISAR1_EL1, &v), 0);
	assert_int_equal(v, 0x0000000000200001ull); /* LRCPC and DPB stay */
	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64ISAR2_EL1, &v), 0);
	assert_int_equal(v, 0x0000000000000010ull); /* RPRES stays */

	w.vm.id_flags |= AV_VM_ID_KEEP_PAUTH;
	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64ISAR1_EL1, &v), 0);
	assert_int_equal(v, HOST_ISAR1);
	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64ISAR2_EL1, &v), 0);
	assert_int_equal(v, HOST_ISAR2);
}

/* ID_AA64DFR0_EL1.MTPMU reads 0b1111 (no FEAT_MTPMU, PMEVTYPER.MT RES0), PMU or not:
 * MDCR_EL2.MTPME is never set, so MT would not mean what the guest asked. */
static void test_id_mtpmu(void **state)
{
	uint64_t v;
	(void)state;

	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64DFR0_EL1, &v), 0);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_PMUVER, v), 0);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_MTPMU, v), 0xf);
	w.vm.id_flags |= AV_VM_ID_KEEP_PMU;
	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64DFR0_EL1, &v), 0);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_PMUVER, v), 6);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_MTPMU, v), 0xf);
}

static void test_mmio_isv(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	(void)state;

	/* QEMU's 64-bit load: ISV, SAS=3, SRT=3, level-2 translation fault. */
	w.fd.read_val = 0x1122334455667788ull;
	assert_int_equal(sync_exit(v, 0x93c38006u, 0x50000010, 0x500000), AV_EXIT_RESUME);
	assert_int_equal(r->x[3], 0x1122334455667788ull);
	assert_int_equal(w.fd.nreads, 1);
	assert_int_equal(w.fd.last_off, 0x10);
	assert_int_equal(w.fd.last_size, 8);
	assert_int_equal(r->pc, GUEST_PC + 4);
	assert_int_equal(w.host.faults, 0); /* claimed by the bus: the host is not asked */

	/* QEMU's 32-bit store from W4. */
	r->x[4] = 0xaabbccdd11223344ull;
	assert_int_equal(sync_exit(v, 0x93840046u, 0x50000020, 0x500000), AV_EXIT_RESUME);
	assert_int_equal(w.fd.nwrites, 1);
	assert_int_equal(w.fd.last_off, 0x20);
	assert_int_equal(w.fd.last_size, 4);
	assert_int_equal(w.fd.last_val, 0x11223344u);
	assert_int_equal(r->pc, GUEST_PC + 8);
	assert_ptr_equal(w.fd.last_vcpu, v); /* the dispatcher hands the vCPU to the device */
}

/* A load syndrome with ISV = 1, composed through av_esr_encode(). */
static uint64_t load_esr(unsigned size, bool sse, unsigned srt, bool sf)
{
	struct av_esr e;

	memset(&e, 0, sizeof(e));
	e.ec = AV_ESR_EC_DABT_LOW;
	e.il = true;
	e.u.dabt.isv = true;
	e.u.dabt.size = (uint8_t)size;
	e.u.dabt.sse = sse;
	e.u.dabt.srt = (uint8_t)srt;
	e.u.dabt.sf = sf;
	e.u.dabt.fsc = 0x06;
	return av_esr_encode(&e);
}

static void test_mmio_sign_extension(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	(void)state;

	w.fd.read_val = 0x80;
	r->x[5] = UINT64_MAX;
	assert_int_equal(sync_exit(v, load_esr(1, true, 5, false), DEV_BASE, 0x500000),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[5], 0xffffff80u); /* LDRSB Wt: top half cleared */
	assert_int_equal(sync_exit(v, load_esr(1, true, 5, true), DEV_BASE, 0x500000),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[5], 0xffffffffffffff80ull); /* LDRSB Xt */
	w.fd.read_val = 0xfedcba9876543210ull;
	assert_int_equal(sync_exit(v, load_esr(4, false, 5, false), DEV_BASE, 0x500000),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[5], 0x76543210u); /* LDR Wt */
	/* Rt = 31: the value is discarded; no register changes. */
	for (unsigned i = 0; i < 31; i++)
		r->x[i] = i;
	assert_int_equal(sync_exit(v, load_esr(8, false, 31, true), DEV_BASE, 0x500000),
			 AV_EXIT_RESUME);
	for (unsigned i = 0; i < 31; i++)
		assert_int_equal(r->x[i], i);
	assert_int_equal(r->pc, GUEST_PC + 16);
	assert_int_equal(w.fd.nreads, 4);
}

/*
 * An access the bus hands to the host (AV_EXIT_TO_CALLER with the access in vcpu->mmio),
 * completed by av_vcpu_mmio_complete(): a load's value extended into Rt as the syndrome
 * says, the PC past the instruction, exactly once; a store's value is in the record.
 */
static void test_mmio_to_caller_complete(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	(void)state;

	assert_int_equal(av_vcpu_mmio_complete(NULL, 0), -AV_EINVAL);
	assert_int_equal(av_vcpu_mmio_complete(v, 0), -AV_ENOENT);
	w.bus.policy = AV_MMIO_UNCLAIMED_TO_CALLER;

	/* LDRSH X7 from an address no device claims. */
	r->x[7] = 0x1234;
	assert_int_equal(sync_exit(v, load_esr(2, true, 7, true), 0x60000012, 0x600000),
			 AV_EXIT_TO_CALLER);
	assert_true(v->mmio.valid);
	assert_false(v->mmio.is_write);
	assert_int_equal(v->mmio.ipa, 0x60000012);
	assert_int_equal(v->mmio.size, 2);
	assert_int_equal(v->mmio.rt, 7);
	assert_int_equal(r->x[7], 0x1234); /* nothing done yet */
	assert_int_equal(r->pc, GUEST_PC);
	assert_int_equal(av_vcpu_mmio_complete(v, 0xffff8001u), 0); /* bits above 16 ignored */
	assert_int_equal(r->x[7], 0xffffffffffff8001ull);
	assert_int_equal(r->pc, GUEST_PC + 4);
	assert_false(v->mmio.valid);
	assert_int_equal(av_vcpu_mmio_complete(v, 0), -AV_ENOENT);
	assert_int_equal(r->pc, GUEST_PC + 4);

	/* STR W9: the value (low 32 bits) in the record; completing moves only the PC. */
	r->x[9] = 0xaabbccdd11223344ull;
	assert_int_equal(sync_exit(v, load_esr(4, false, 9, false) | AV_ESR_DABT_WNR, 0x60000020,
				   0x600000),
			 AV_EXIT_TO_CALLER);
	assert_true(v->mmio.is_write);
	assert_int_equal(v->mmio.data, 0x11223344u);
	assert_int_equal(av_vcpu_mmio_complete(v, 0x5555), 0);
	assert_int_equal(r->x[9], 0xaabbccdd11223344ull);
	assert_int_equal(r->pc, GUEST_PC + 8);
	assert_int_equal(w.fd.nreads + w.fd.nwrites, 0);
	w.bus.policy = AV_MMIO_UNCLAIMED_ABORT;
}

/* av_vm_try_mmio(): the run loop's fast path takes exactly the bus-device ISV = 1 aborts. */
static void test_try_mmio(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	enum av_exit_action act = AV_EXIT_ACTION_COUNT;
	uint64_t exits = v->stats.exits;
	(void)state;

	/* QEMU's 64-bit load at the device: emulated and counted as the dispatcher does. */
	w.fd.read_val = 0x1122334455667788ull;
	assert_true(av_vm_try_mmio(v, 0x93c38006u, 0x50000010, 0x500000, &act));
	assert_int_equal(act, AV_EXIT_RESUME);
	assert_int_equal(r->x[3], 0x1122334455667788ull);
	assert_int_equal(r->pc, GUEST_PC + 4);
	assert_int_equal(w.fd.nreads, 1);
	assert_ptr_equal(w.fd.last_vcpu, v); /* the device knows who accessed it */
	assert_int_equal(v->stats.exits, exits + 1);
	assert_int_equal(v->stats.kind[AV_EXIT_SYNC], 1);
	assert_int_equal(v->stats.ec[AV_ESR_EC_DABT_LOW], 1);
	assert_int_equal(v->stats.action[AV_EXIT_RESUME], 1);
	/* A 32-bit sign-extending load into X5 of 0x80000000. */
	w.fd.read_val = 0x80000000u;
	assert_true(av_vm_try_mmio(v, load_esr(4, true, 5, true), 0x50000004, 0x500000, &act));
	assert_int_equal(r->x[5], 0xffffffff80000000ull);
	/* A width the device rejects: an injected external abort, still handled here. */
	w.dev.widths = AV_MMIO_W32 | AV_MMIO_W64;
	assert_true(av_vm_try_mmio(v, load_esr(2, false, 6, false), 0x50000010, 0x500000, &act));
	assert_int_equal(act, AV_EXIT_RESUME);
	assert_int_equal(w.dev.rejected, 1);
	assert_int_equal(v->ctxt.el1.esr, 0x96000010u);
	w.dev.widths = 0;

	/* Not taken, nothing done or counted: no device (RAM, host hook, unclaimed policy),
	 * ISV = 0, cache maintenance, a stage-1 walk, an external abort, another class, a
	 * replaced DABT_LOW handler. */
	exits = v->stats.exits;
	assert_false(av_vm_try_mmio(v, 0x93c38006u, 0x60000010, 0x600000, &act));
	assert_false(av_vm_try_mmio(v, 0x92000006u, 0x50000010, 0x500000, &act));
	assert_false(av_vm_try_mmio(v, 0x93c38106u, 0x50000010, 0x500000, &act));
	assert_false(av_vm_try_mmio(v, 0x93c38086u, 0x50000010, 0x500000, &act));
	assert_false(av_vm_try_mmio(v, 0x93c38010u, 0x50000010, 0x500000, &act));
	assert_false(av_vm_try_mmio(v, 0x5e000000u, 0, 0, &act));
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_DABT_LOW, av_vm_exit_default,
						NULL), 0);
	assert_false(av_vm_try_mmio(v, 0x93c38006u, 0x50000010, 0x500000, &act));
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_DABT_LOW, NULL, NULL), 0);
	/* The cached device of the last access is dropped once the bus changes. */
	assert_ptr_equal(v->mmio_last, &w.dev);
	assert_int_equal(av_mmio_unregister(&w.bus, &w.dev), 0);
	assert_false(av_vm_try_mmio(v, 0x93c38006u, 0x50000010, 0x500000, &act));
	assert_int_equal(v->stats.exits, exits);
	assert_int_equal(w.fd.nreads, 2);
	assert_int_equal(w.host.faults, 0);
	assert_int_equal(av_mmio_register(&w.bus, &w.dev, NULL), 0);
	assert_true(av_vm_try_mmio(v, 0x93c38006u, 0x50000010, 0x500000, &act));
	assert_int_equal(w.fd.nreads, 3);
}

static void test_unmapped_ipa_injects_sea(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	(void)state;

	assert_int_equal(sync_exit(v, 0x93c38006u, 0x60000010, 0x600000), AV_EXIT_RESUME);
	/* The host saw the fault first and left it to the bus, whose policy is to abort. */
	assert_int_equal(w.host.faults, 1);
	assert_int_equal(w.host.fault_ipa, 0x60000010);
	/* DABT_CUR (the guest was at EL1), IL, DFSC = 0x10 synchronous external abort. */
	check_injected(v, AV_FIELD_PREP(AV_ESR_EC, 0x25) | AV_ESR_IL |
				  AV_FIELD_PREP(AV_ESR_DABT_DFSC, 0x10),
		       0x60000010);
	assert_int_equal(v->ctxt.el1.esr, 0x96000010u);
	assert_int_equal(w.fd.nreads, 0);
	assert_int_equal(w.bus.unclaimed_reads, 1);
}

static void test_s2_fault_hook(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	(void)state;

	w.host.fault = AV_VM_FAULT_RETRY; /* e.g. the host mapped the page */
	assert_int_equal(sync_exit(v, 0x93c38006u, 0x40200010, 0x402000), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC); /* re-executed */
	assert_int_equal(w.host.fault_ipa, 0x40200010);
	w.host.fault = AV_VM_FAULT_TO_CALLER;
	assert_int_equal(sync_exit(v, 0x93c38006u, 0x40200010, 0x402000), AV_EXIT_TO_CALLER);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC);

	/* Instruction abort the host does not fix: an instruction abort is injected. */
	w.host.fault = AV_VM_FAULT_INJECT;
	assert_int_equal(sync_exit(v, AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_IABT_LOW) | AV_ESR_IL |
					      AV_FIELD_PREP(AV_ESR_IABT_IFSC, 0x07),
				   0x70000000, 0x700000),
			 AV_EXIT_RESUME);
	check_injected(v, AV_FIELD_PREP(AV_ESR_EC, 0x21) | AV_ESR_IL |
				  AV_FIELD_PREP(AV_ESR_IABT_IFSC, 0x10),
		       0x70000000);
	assert_int_equal(w.host.faults, 3);
}

/*
 * ISV = 0: the instruction is fetched through the host and emulated. Words are composed
 * from the field masks of <armvirt/insn.h> following the Arm ARM encodings:
 * LDP (post-index, 64-bit): opc = 0b10, 0b101, V = 0, 0b001, L = 1, imm7, Rt2, Rn, Rt.
 * LDR (immediate, post-index, 64-bit): size = 0b11, 0b111, V = 0, 0b00, opc = 0b01, 0,
 * imm9, 0b01, Rn, Rt.
 */
static uint32_t ldp_x_post(unsigned rt, unsigned rt2, unsigned rn, int offset)
{
	return (uint32_t)(AV_FIELD_PREP(AV_INSN_LDP_OPC, 2) | AV_FIELD_PREP(AV_INSN_LS_FAMILY, 5) |
			  AV_FIELD_PREP(AV_INSN_LS_V, 0) | AV_FIELD_PREP(AV_INSN_LDP_IDX, 1) |
			  AV_FIELD_PREP(AV_INSN_LDP_L, 1) |
			  AV_FIELD_PREP(AV_INSN_LDP_IMM7, (uint64_t)(offset / 8)) |
			  AV_FIELD_PREP(AV_INSN_LDP_RT2, rt2) | AV_FIELD_PREP(AV_INSN_LS_RN, rn) |
			  AV_FIELD_PREP(AV_INSN_LS_RT, rt));
}

static uint32_t ldr_x_post(unsigned rt, unsigned rn, int offset)
{
	return (uint32_t)(AV_FIELD_PREP(AV_INSN_LS_SIZE, 3) | AV_FIELD_PREP(AV_INSN_LS_FAMILY, 7) |
			  AV_FIELD_PREP(AV_INSN_LS_V, 0) | AV_FIELD_PREP(AV_INSN_LS_OP2, 0) |
			  AV_FIELD_PREP(AV_INSN_LS_OPC, 1) | AV_FIELD_PREP(AV_INSN_LS_OP3, 0) |
			  AV_FIELD_PREP(AV_INSN_LS_IMM9, (uint64_t)offset) |
			  AV_FIELD_PREP(AV_INSN_LS_OP4, 1) | AV_FIELD_PREP(AV_INSN_LS_RN, rn) |
			  AV_FIELD_PREP(AV_INSN_LS_RT, rt));
}

static void test_mmio_isv0_emulated(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	struct av_insn_mem m;
	(void)state;

	/* ldp x5, x6, [x7], #16 */
	w.host.insn = ldp_x_post(5, 6, 7, 16);
	w.host.insn_pc = GUEST_PC;
	assert_int_equal(av_insn_decode_mem(w.host.insn, &m), 0);
	assert_true(m.is_pair && !m.is_store && m.wb == AV_INSN_WB_POST && m.imm == 16);
	r->x[7] = DEV_BASE + 0x100;
	assert_int_equal(sync_exit(v, dabt_nisv_esr(false), DEV_BASE + 0x100, 0x500000),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[5], 0x1100);
	assert_int_equal(r->x[6], 0x1108);
	assert_int_equal(r->x[7], DEV_BASE + 0x110);
	assert_int_equal(r->pc, GUEST_PC + 4);
	assert_int_equal(w.fd.nreads, 2);
	assert_ptr_equal(w.fd.last_vcpu, v); /* ISV = 0 too */

	/* ldr x9, [sp], #8 at EL1h: the base is SP_EL1, which is written back. */
	w.host.insn = ldr_x_post(9, 31, 8);
	w.host.insn_pc = GUEST_PC + 4;
	assert_int_equal(av_insn_decode_mem(w.host.insn, &m), 0);
	assert_true(!m.is_pair && m.rn == 31 && m.wb == AV_INSN_WB_POST && m.size == 8);
	v->ctxt.el1.sp_el1 = DEV_BASE + 0x200;
	v->ctxt.el1.sp_el0 = 0x1234;
	assert_int_equal(sync_exit(v, dabt_nisv_esr(false), DEV_BASE + 0x200, 0x500000),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[9], 0x1200);
	assert_int_equal(v->ctxt.el1.sp_el1, DEV_BASE + 0x208);
	assert_int_equal(v->ctxt.el1.sp_el0, 0x1234);
	assert_int_equal(r->pc, GUEST_PC + 8);

	/* Defined instructions the emulator does not take: a data abort, never UNDEF. An
	 * exclusive or atomic gets DFSC 0x35 (unsupported exclusive or atomic access), the
	 * others an external abort; FAR as reported, WnR from the syndrome. */
	{
		static const struct {
			uint32_t insn;
			bool wnr;
			uint32_t esr;
		} na[] = {
			{ 0xc85f7ce1, false, 0x96000035u }, /* ldxr x1, [x7] */
			{ 0xc8027ce1, true, 0x96000075u },  /* stxr w2, x1, [x7] */
			{ 0xf82100e2, true, 0x96000075u },  /* ldadd x1, x2, [x7] */
			{ 0xc8a17ce2, true, 0x96000075u },  /* cas x1, x2, [x7] */
			{ 0xd50b7427, true, 0x96000050u },  /* dc zva, x7 */
			{ 0x4c4070e0, false, 0x96000010u }, /* ld1 {v0.16b}, [x7] */
			{ 0x4c0078e0, true, 0x96000050u },  /* st1 {v0.4s}, [x7] */
			{ 0xd503201f, false, 0x96000010u }, /* nop: the code changed under the fault */
		};
		uint64_t undef = v->stats.inject_undef;

		for (size_t i = 0; i < sizeof(na) / sizeof(na[0]); i++) {
			r->pc = GUEST_PC;
			r->pstate = GUEST_PSTATE;
			r->x[7] = DEV_BASE + 0x340;
			w.host.insn = na[i].insn;
			w.host.insn_pc = GUEST_PC;
			w.fd.nreads = w.fd.nwrites = 0;
			assert_int_equal(sync_exit(v, dabt_nisv_esr(na[i].wnr), DEV_BASE + 0x340,
						   0x500000),
					 AV_EXIT_RESUME);
			check_injected(v, na[i].esr, DEV_BASE + 0x340);
			assert_int_equal(w.fd.nreads + w.fd.nwrites, 0);
		}
		assert_int_equal(v->stats.inject_undef, undef);
		/* Where no device is (a hole), nothing answers: a decode error, an external
		 * abort for exclusives and atomics too (DFSC 0x10, not 0x35). */
		for (size_t i = 0; i < sizeof(na) / sizeof(na[0]); i++) {
			r->pc = GUEST_PC;
			r->pstate = GUEST_PSTATE;
			r->x[7] = 0x60000040;
			w.host.insn = na[i].insn;
			w.host.insn_pc = GUEST_PC;
			assert_int_equal(sync_exit(v, dabt_nisv_esr(na[i].wnr), 0x60000040,
						   0x600000),
					 AV_EXIT_RESUME);
			check_injected(v, (na[i].esr & ~0x3fu) | 0x10u, 0x60000040);
		}
		/* A hole whose policy is "to the caller": the caller gets it, unchanged. */
		w.bus.policy = AV_MMIO_UNCLAIMED_TO_CALLER;
		r->pc = GUEST_PC;
		r->pstate = GUEST_PSTATE;
		w.host.insn = na[0].insn;
		assert_int_equal(sync_exit(v, dabt_nisv_esr(false), 0x60000040, 0x600000),
				 AV_EXIT_TO_CALLER);
		assert_int_equal(r->pc, GUEST_PC);
		w.bus.policy = AV_MMIO_UNCLAIMED_ABORT;
		assert_int_equal(v->stats.inject_undef, undef);
		r->pc = GUEST_PC + 8;
	}

	/* Fetch failure: an external abort, never a crash. */
	w.host.insn_pc = 0;
	assert_int_equal(sync_exit(v, dabt_nisv_esr(true), DEV_BASE + 0x300, 0x500000),
			 AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.el1.esr, 0x96000050u); /* DABT_CUR, IL, WnR, SEA */
	assert_int_equal(v->ctxt.el1.far, DEV_BASE + 0x300);
	assert_int_equal(w.host.logs, 2); /* one for the instructions above, one here */
}

static void hvc(struct av_vcpu *v, uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3,
		enum av_exit_action want)
{
	v->ctxt.regs.x[0] = x0;
	v->ctxt.regs.x[1] = x1;
	v->ctxt.regs.x[2] = x2;
	v->ctxt.regs.x[3] = x3;
	assert_int_equal(sync_exit(v, call_esr(AV_ESR_EC_HVC64, 0), 0, 0), want);
}

static void test_psci_cpu_on_off(void **state)
{
	struct av_vcpu *v0 = &w.vcpu[0], *v1 = &w.vcpu[1];
	(void)state;

	assert_int_equal(v0->state, AV_VCPU_RUNNING);
	assert_int_equal(v1->state, AV_VCPU_OFF);
	hvc(v0, AV_PSCI_AFFINITY_INFO_64, 1, 0, 0, AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.regs.x[0], AV_PSCI_AFFINITY_OFF);

	hvc(v0, AV_PSCI_CPU_ON_64, 1, 0x40100000, 0x1234, AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.regs.x[0], AV_PSCI_RET_SUCCESS);
	assert_ptr_equal(w.host.cpu_on_target, v1);
	assert_int_equal(v1->state, AV_VCPU_ON_PENDING);
	assert_int_equal(v1->boot_entry, 0x40100000);
	assert_int_equal(v1->boot_context, 0x1234);
	hvc(v0, AV_PSCI_AFFINITY_INFO_64, 1, 0, 0, AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.regs.x[0], AV_PSCI_AFFINITY_ON_PENDING);
	hvc(v0, AV_PSCI_CPU_ON_64, 1, 0x40100000, 0, AV_EXIT_RESUME);
	assert_int_equal((int64_t)v0->ctxt.regs.x[0], AV_PSCI_RET_ON_PENDING);

	/* The host starts it. */
	v1->ctxt.regs.x[5] = 77;
	assert_int_equal(av_vcpu_power_on(v1), 0);
	assert_int_equal(av_vcpu_power_on(v1), -AV_EBUSY);
	assert_int_equal(v1->state, AV_VCPU_RUNNING);
	assert_int_equal(v1->ctxt.regs.pc, 0x40100000);
	assert_int_equal(v1->ctxt.regs.x[0], 0x1234);
	assert_int_equal(v1->ctxt.regs.x[5], 0);
	assert_int_equal(av_pstate_el(v1->ctxt.regs.pstate), 1);
	assert_int_equal(av_pstate_daif(v1->ctxt.regs.pstate), 0xf);
	assert_int_equal(v1->ctxt.el1.sctlr, AV_SCTLR_EL1_RESET);
	assert_int_equal(v1->ctxt.el1.vmpidr, 0x80000001u);
	assert_int_equal(v1->ctxt.el1.vpidr, QEMU_MIDR);
	hvc(v0, AV_PSCI_AFFINITY_INFO_64, 1, 0, 0, AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.regs.x[0], AV_PSCI_AFFINITY_ON);
	hvc(v0, AV_PSCI_CPU_ON_64, 1, 0x40100000, 0, AV_EXIT_RESUME);
	assert_int_equal((int64_t)v0->ctxt.regs.x[0], AV_PSCI_RET_ALREADY_ON);

	/* vCPU 1 turns itself off. */
	hvc(v1, AV_PSCI_CPU_OFF, 0, 0, 0, AV_EXIT_VCPU_OFF);
	assert_int_equal(v1->state, AV_VCPU_OFF);
	hvc(v0, AV_PSCI_AFFINITY_INFO_64, 1, 0, 0, AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.regs.x[0], AV_PSCI_AFFINITY_OFF);

	/* An entry point outside guest RAM. */
	hvc(v0, AV_PSCI_CPU_ON_64, 1, 0x1000, 0, AV_EXIT_RESUME);
	assert_int_equal((int64_t)v0->ctxt.regs.x[0], AV_PSCI_RET_INVALID_ADDRESS);
}

static void test_psci_system(void **state)
{
	(void)state;
	hvc(&w.vcpu[0], AV_PSCI_SYSTEM_OFF, 0, 0, 0, AV_EXIT_SYSTEM_OFF);
	hvc(&w.vcpu[0], AV_PSCI_SYSTEM_RESET, 0, 0, 0, AV_EXIT_SYSTEM_RESET);
}

static enum av_exit_action my_brk(const struct av_exit_ctx *ctx)
{
	assert_ptr_equal(ctx->cookie, &w);
	assert_int_equal(ctx->esr->u.brk.comment, 0x800);
	return AV_EXIT_TO_CALLER;
}

/* A trapped SVE or pointer-authentication instruction of a guest told neither: UNDEF, quietly. */
static void test_hidden_feature_undef(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	const uint64_t esr[] = { AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_SVE) | AV_ESR_IL,
				 AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_PAC) | AV_ESR_IL };
	(void)state;

	for (unsigned i = 0; i < 2; i++) {
		v->ctxt.regs.pc = GUEST_PC;
		v->ctxt.regs.pstate = GUEST_PSTATE;
		assert_int_equal(sync_exit(v, esr[i], 0, 0), AV_EXIT_RESUME);
		check_injected(v, 0x02000000u, 0);
	}
	/* ... and so are the key registers (HCR_EL2.APK = 0): MRS APIAKeyLo_EL1, MSR APGAKeyHi_EL1. */
	v->ctxt.regs.pc = GUEST_PC;
	v->ctxt.regs.pstate = GUEST_PSTATE;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(3, 0, 2, 1, 0), 1, true), 0, 0),
			 AV_EXIT_RESUME);
	check_injected(v, 0x02000000u, 0);
	v->ctxt.regs.pc = GUEST_PC;
	v->ctxt.regs.pstate = GUEST_PSTATE;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(3, 0, 2, 3, 1), 1, false), 0, 0),
			 AV_EXIT_RESUME);
	check_injected(v, 0x02000000u, 0);
	assert_int_equal(w.vcpu[0].stats.inject_undef, 4);
	assert_int_equal(w.host.logs, 0);
}

static void test_unknown_ec_undef_logged_once(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	uint64_t brk = AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_BRK64) | AV_ESR_IL |
		       AV_FIELD_PREP(AV_ESR_BRK_COMMENT, 0x800);
	(void)state;

	assert_int_equal(sync_exit(v, brk, 0, 0), AV_EXIT_RESUME);
	check_injected(v, 0x02000000u, 0);
	assert_int_equal(w.host.logs, 1);
	assert_non_null(strstr(w.host.log, "EC 0x3c"));
	assert_non_null(strstr(w.host.log, "test"));

	/* Again, from the vector: injected again, not logged again. */
	v->ctxt.regs.pc = GUEST_PC;
	v->ctxt.regs.pstate = GUEST_PSTATE;
	assert_int_equal(sync_exit(v, brk, 0, 0), AV_EXIT_RESUME);
	check_injected(v, 0x02000000u, 0);
	assert_int_equal(w.host.logs, 1);

	/* Another class is logged on its own; so is an unallocated one. */
	v->ctxt.regs.pc = GUEST_PC;
	v->ctxt.regs.pstate = GUEST_PSTATE;
	assert_int_equal(sync_exit(v, 0x02000000u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(v, AV_FIELD_PREP(AV_ESR_EC, 0x3f), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(w.host.logs, 3);
	assert_int_equal(w.vcpu[0].stats.inject_undef, 4);

	/* The host's own handler for BRK, then back to the built-in one. */
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_BRK64, my_brk, &w), 0);
	assert_int_equal(sync_exit(v, brk, 0, 0), AV_EXIT_TO_CALLER);
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_BRK64, NULL, NULL), 0);
	assert_int_equal(sync_exit(v, brk, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(av_vm_set_exit_handler(&w.vm, 64, my_brk, NULL), -AV_EINVAL);
}

/* av_vm_try_hvc() answer: the call's number in x1, x0 = 0; 0x...1f is "not supported". */
static int fast_hvc(void *cookie, struct av_vcpu *vcpu)
{
	(*(int *)cookie)++;
	if ((uint32_t)vcpu->ctxt.regs.x[0] == 0xc600001fu)
		return -1;
	vcpu->ctxt.regs.x[1] = vcpu->ctxt.regs.x[0];
	vcpu->ctxt.regs.x[0] = 0;
	return 0;
}

/*
 * av_vm_try_fast() and av_vm_try_hvc(): the run loop's fast paths act and count exactly as
 * av_vm_handle_exit() does for the same exits, and take nothing else.
 */
static void test_try_fast(void **state)
{
	struct av_vcpu *v1 = &w.vcpu[1];
	uint64_t wfi = AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_WFX) | AV_ESR_IL |
		       AV_FIELD_PREP(AV_ESR_WFX_TI, AV_ESR_WFX_WFI);
	uint64_t wfe = AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_WFX) | AV_ESR_IL |
		       AV_FIELD_PREP(AV_ESR_WFX_TI, AV_ESR_WFX_WFE);
	uint64_t hvc = AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_HVC64) | AV_ESR_IL;
	enum av_exit_action act = AV_EXIT_ACTION_COUNT;
	struct av_vm_stats fast, slow;
	uint64_t val;
	int calls = 0;
	(void)state;

	/* WFI with nothing pending: blocked, PC past it, BTYPE cleared, counted. */
	v1->state = AV_VCPU_RUNNING;
	v1->ctxt.regs.pstate |= AV_PSTATE_BTYPE;
	assert_true(av_vm_try_fast(v1, wfi, 0, 0, &act));
	assert_int_equal(act, AV_EXIT_BLOCK);
	assert_int_equal(v1->state, AV_VCPU_BLOCKED);
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 4);
	assert_int_equal(v1->ctxt.regs.pstate & AV_PSTATE_BTYPE, 0);
	/* The same through the dispatcher: the same counts. */
	fast = v1->stats;
	memset(&v1->stats, 0, sizeof(v1->stats));
	v1->state = AV_VCPU_RUNNING;
	assert_int_equal(sync_exit(v1, wfi, 0, 0), AV_EXIT_BLOCK);
	slow = v1->stats;
	assert_memory_equal(&fast, &slow, sizeof(fast));

	/* An SGI pending for vCPU 1: WFI resumes. */
	val = AV_GICD_CTLR_ENABLE_G1 | AV_GICD_CTLR_ARE;
	assert_int_equal(av_vgic_v3_dist_access(&w.vgic, AV_GICD_CTLR, 4, true, &val), 0);
	val = AV_BIT(3);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 1, AV_GICR_SGI_BASE + AV_GICD_IGROUPR, 4,
						  true, &val), 0);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 1, AV_GICR_SGI_BASE + AV_GICD_ISENABLER,
						  4, true, &val), 0);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 1, AV_GICR_SGI_BASE + AV_GICD_ISPENDR,
						  4, true, &val), 0);
	v1->state = AV_VCPU_RUNNING;
	assert_true(av_vm_try_fast(v1, wfi, 0, 0, &act));
	assert_int_equal(act, AV_EXIT_RESUME);
	assert_int_equal(v1->state, AV_VCPU_RUNNING);
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 12);
	assert_int_equal(v1->stats.action[AV_EXIT_RESUME], 1);

	/* Not taken: WFE, a 16-bit WFI, another class, a replaced WFx handler. */
	memset(&v1->stats, 0, sizeof(v1->stats));
	assert_false(av_vm_try_fast(v1, wfe, 0, 0, &act));
	assert_false(av_vm_try_fast(v1, wfi & ~AV_ESR_IL, 0, 0, &act));
	assert_false(av_vm_try_fast(v1, hvc, 0, 0, &act));
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_WFX, av_vm_exit_default, NULL), 0);
	assert_false(av_vm_try_fast(v1, wfi, 0, 0, &act));
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_WFX, NULL, NULL), 0);
	/* ... nor from AArch32, where PSTATE[11:10] is IT[3:2], not BTYPE. */
	v1->ctxt.regs.pstate |= AV_PSTATE_NRW | AV_PSTATE_BTYPE;
	assert_false(av_vm_try_fast(v1, wfi, 0, 0, &act));
	assert_int_equal(v1->ctxt.regs.pstate & AV_PSTATE_BTYPE, AV_PSTATE_BTYPE);
	v1->ctxt.regs.pstate &= ~(AV_PSTATE_NRW | AV_PSTATE_BTYPE);
	assert_int_equal(v1->stats.exits, 0);
	/* The dispatcher advances an AArch32 IT block (IT = 0x0c, then 0x18, then 0) and
	 * clears only SS. IT[1:0] is PSTATE[26:25], IT[7:2] is PSTATE[15:10]. */
	{
		uint64_t ps = v1->ctxt.regs.pstate;
		uint64_t it_mask = AV_GENMASK(26, 25) | AV_GENMASK(15, 10);
		uint64_t svc_t32 = AV_PSTATE_NRW | 0x13u | AV_BIT(5);

		v1->ctxt.regs.pstate = svc_t32 | (UINT64_C(0x0c) >> 2 << 10) | AV_PSTATE_SS;
		v1->state = AV_VCPU_RUNNING;
		sync_exit(v1, wfi, 0, 0);
		assert_int_equal(v1->ctxt.regs.pstate & it_mask, UINT64_C(0x18) >> 2 << 10);
		assert_int_equal(v1->ctxt.regs.pstate & AV_PSTATE_SS, 0);
		v1->state = AV_VCPU_RUNNING;
		sync_exit(v1, wfi, 0, 0);
		assert_int_equal(v1->ctxt.regs.pstate & it_mask, 0);
		assert_int_equal(v1->ctxt.regs.pstate & svc_t32, svc_t32);
		v1->ctxt.regs.pstate = ps;
		v1->ctxt.regs.pc -= 8;
		memset(&v1->stats, 0, sizeof(v1->stats));
	}
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 12);

	/* Hypercalls in the range: answered by the callback, counted as the dispatcher does. */
	v1->ctxt.regs.x[0] = 0xc6000010u;
	assert_true(av_vm_try_hvc(v1, hvc, 0xc6000010u, 0xc600001fu, fast_hvc, &calls, &act));
	assert_int_equal(act, AV_EXIT_RESUME);
	assert_int_equal(v1->ctxt.regs.x[0], 0);
	assert_int_equal(v1->ctxt.regs.x[1], 0xc6000010u);
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 12); /* ELR already follows an HVC */
	v1->ctxt.regs.x[0] = 0xc600001fu;
	assert_true(av_vm_try_hvc(v1, hvc, 0xc6000010u, 0xc600001fu, fast_hvc, &calls, &act));
	assert_int_equal(v1->ctxt.regs.x[0], (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED);
	assert_int_equal(calls, 2);
	assert_int_equal(v1->stats.exits, 2);
	assert_int_equal(v1->stats.kind[AV_EXIT_SYNC], 2);
	assert_int_equal(v1->stats.ec[AV_ESR_EC_HVC64], 2);
	assert_int_equal(v1->stats.action[AV_EXIT_RESUME], 2);
	/* Not taken: outside the range, an empty range, an SMC, another class. */
	v1->ctxt.regs.x[0] = AV_HC_ECHO;
	assert_false(av_vm_try_hvc(v1, hvc, 0xc6000010u, 0xc600001fu, fast_hvc, &calls, &act));
	v1->ctxt.regs.x[0] = 0xc6000010u;
	assert_false(av_vm_try_hvc(v1, hvc, 0xc6000010u, 0, fast_hvc, &calls, &act));
	assert_false(av_vm_try_hvc(v1, AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_SMC64) | AV_ESR_IL,
				   0xc6000010u, 0xc600001fu, fast_hvc, &calls, &act));
	assert_false(av_vm_try_hvc(v1, wfi, 0xc6000010u, 0xc600001fu, fast_hvc, &calls, &act));
	/* ... an HVC with a non-zero immediate (not SMCCC), a replaced HVC64 handler. */
	assert_false(av_vm_try_hvc(v1, hvc | AV_FIELD_PREP(AV_ESR_IMM16, 1), 0xc6000010u,
				   0xc600001fu, fast_hvc, &calls, &act));
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_HVC64, av_vm_exit_default, NULL),
			 0);
	assert_false(av_vm_try_hvc(v1, hvc, 0xc6000010u, 0xc600001fu, fast_hvc, &calls, &act));
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_HVC64, NULL, NULL), 0);
	assert_int_equal(calls, 2);
	assert_int_equal(v1->stats.exits, 2);
}

/*
 * av_vm_fast_exit(): what it takes it answers exactly as av_vm_handle_exit() (vCPU 1 gets
 * the same exit through the dispatcher: same action, registers and counts), what it does
 * not take it leaves untouched. The host's hook answers [0xc6000010, 0xc600001f] only.
 */
static void fast_vs_dispatcher(uint64_t esr, uint64_t x0, bool taken)
{
	struct av_vcpu *f = &w.vcpu[0], *d = &w.vcpu[1];
	int act;
	struct av_regs before = f->ctxt.regs;
	struct av_vm_stats st = f->stats;
	int hooks = w.host.hypercalls;

	f->ctxt.regs.x[0] = x0;
	before.x[0] = x0;
	if (!taken) {
		assert_int_equal(av_vm_fast_exit(f, esr, 0, 0), -1);
		assert_memory_equal(&f->ctxt.regs, &before, sizeof(before));
		assert_memory_equal(&f->stats, &st, sizeof(st));
		return;
	}
	d->ctxt.regs = before;
	memcpy(&d->stats, &f->stats, sizeof(d->stats));
	act = av_vm_fast_exit(f, esr, 0, 0);
	assert_true(act >= 0);
	assert_int_equal(w.host.hypercalls, hooks); /* the host's hook is never asked */
	assert_int_equal(act, sync_exit(d, esr, 0, 0));
	assert_memory_equal(&f->ctxt.regs, &d->ctxt.regs, sizeof(before));
	assert_memory_equal(&f->stats, &d->stats, sizeof(st));
	assert_int_equal(w.host.hypercalls, hooks);
}

/* The fast range's function: x0 = 7 for 0xc6000011, "not supported" for 0xc6000012. */
static unsigned fast_range_calls;
static int fast_range(void *cookie, struct av_vcpu *vcpu)
{
	assert_ptr_equal(cookie, &w.host);
	fast_range_calls++;
	if (vcpu->ctxt.regs.x[0] == 0xc6000012u)
		return -1;
	vcpu->ctxt.regs.x[0] = 7;
	return 0;
}

/* The host's ID register rows (fast: a value from the key, writes UNDEFINED) and one
 * IMPLEMENTATION DEFINED handler without AV_SYSREG_F_FAST; both count their calls. */
static unsigned sys_fast_calls, sys_slow_calls;
static enum av_access_result sys_fast_id(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	sys_fast_calls++;
	if (ctx->is_write)
		return AV_ACCESS_INJECT;
	*val = 0x1000u + ctx->key;
	return AV_ACCESS_HANDLED;
}

static enum av_access_result sys_slow(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	(void)ctx;
	sys_slow_calls++;
	*val = 5;
	return AV_ACCESS_HANDLED;
}

static const struct av_sysreg_desc fast_rows[] = {
	{ .key = AV_SYSREG(3, 0, 0, 4, 0), .last = AV_SYSREG(3, 0, 0, 4, 7), .name = "ids",
	  .kind = AV_SYSREG_HANDLER, .access = sys_fast_id, .flags = AV_SYSREG_F_FAST },
	AV_SYSREG_ROW_CONST(AV_SYSREG(3, 1, 15, 0, 0), "const", 0x77),
	AV_SYSREG_ROW_RO(AV_SYSREG(3, 1, 15, 0, 1), "ro", 0x88),
	AV_SYSREG_ROW_RAZ_WI(AV_SYSREG(3, 1, 15, 0, 2), "raz"),
	AV_SYSREG_ROW_UNDEF(AV_SYSREG(3, 1, 15, 0, 3), "undef"),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(3, 1, 15, 0, 4), "slow", sys_slow, 0),
};

static int setup_hc_range(void **state)
{
	struct av_vm_config cfg = { .name = "test", .nr_vcpus = 2, .vgic = &w.vgic,
				    .bus = &w.bus, .ram = &ram, .nram = 1, .ops = &host_ops,
				    .cookie = &w.host, .hypercall_first = 0xc6000010u,
				    .hypercall_last = 0xc600001fu, .fast_hypercall = fast_range,
				    .fast_hypercall_first = 0xc6000011u,
				    .fast_hypercall_last = 0xc6000012u, .sysreg_rows = fast_rows,
				    .nsysreg_rows = sizeof(fast_rows) / sizeof(fast_rows[0]) };

	setup(state);
	memset(&w.vm, 0, sizeof(w.vm));
	assert_int_equal(av_vm_init(&w.vm, &cfg, NULL), 0);
	for (unsigned i = 0; i < 2; i++) {
		memset(&w.vcpu[i], 0, sizeof(w.vcpu[i]));
		assert_int_equal(av_vcpu_init(&w.vcpu[i], &w.vm, i, QEMU_MIDR), 0);
		w.vcpu[i].ctxt.regs.pc = GUEST_PC;
		w.vcpu[i].ctxt.regs.pstate = GUEST_PSTATE;
		w.vcpu[i].ctxt.el1.vbar = GUEST_VBAR;
		w.vcpu[i].state = AV_VCPU_RUNNING;
	}
	return 0;
}

static void test_fast_exit(void **state)
{
	uint64_t hvc = call_esr(AV_ESR_EC_HVC64, 0), smc = call_esr(AV_ESR_EC_SMC64, 0);
	struct av_vcpu *v = &w.vcpu[0];
	uint64_t val;
	(void)state;

	/* Answered from the library's own state: an unassigned ID (issue 17's row), a
	 * vendor-hypervisor ID outside the host's range, ECHO, YIELD, the same as SMC. */
	fast_vs_dispatcher(hvc, 0x4b000000u, true);
	assert_int_equal(v->ctxt.regs.x[0], UINT64_MAX);
	fast_vs_dispatcher(hvc, 0xc6000003u, true);
	fast_vs_dispatcher(hvc, 0xc6000020u, true);
	fast_vs_dispatcher(hvc, AV_HC_ECHO, true);
	assert_int_equal(v->ctxt.regs.x[0], 0);
	fast_vs_dispatcher(hvc, AV_HC_YIELD, true);
	fast_vs_dispatcher(smc, 0x4b000000u, true);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC + 4); /* a trapped SMC is stepped over */
	assert_int_equal(v->stats.ec[AV_ESR_EC_HVC64], 5);
	assert_int_equal(v->stats.action[AV_EXIT_YIELD], 1);

	/* Not taken: the host's range, PSCI and Arm architecture calls (VM lock), a non-zero
	 * immediate, a replaced handler, classes other than HVC/SMC/DABT. */
	fast_vs_dispatcher(hvc, 0xc6000010u, false);
	fast_vs_dispatcher(hvc, 0xc600001fu, false);
	fast_vs_dispatcher(hvc, 0x84000000u, false);
	fast_vs_dispatcher(hvc, 0x80000000u, false);
	fast_vs_dispatcher(call_esr(AV_ESR_EC_HVC64, 1), 0x4b000000u, false);
	fast_vs_dispatcher(call_esr(AV_ESR_EC_SMC64, 1), 0x4b000000u, false);
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_HVC64, av_vm_exit_default, NULL),
			 0);
	fast_vs_dispatcher(hvc, 0x4b000000u, false);
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_HVC64, NULL, NULL), 0);
	fast_vs_dispatcher(AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_WFX) | AV_ESR_IL, 0, false);

	/* MSR/MRS: a row that may run on the fast path (the host's flagged handler, fixed
	 * rows of either table) is emulated as the dispatcher does, counts included; the
	 * handler's write answer (UNDEFINED) is injected there too. */
	sys_fast_calls = 0;
	fast_vs_dispatcher(sys_esr(AV_SYS_ID_AA64PFR0_EL1, 3, true), 0, true);
	assert_int_equal(v->ctxt.regs.x[3], 0x1000u + AV_SYS_ID_AA64PFR0_EL1);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC + 8);
	fast_vs_dispatcher(sys_esr(AV_SYS_ID_AA64PFR0_EL1, 31, true), 0, true);
	fast_vs_dispatcher(sys_esr(AV_SYS_ID_AA64PFR0_EL1, 3, false), 0, true);
	assert_int_equal(v->ctxt.regs.pc, GUEST_VBAR + 0x200); /* UNDEFINED, from EL1 */
	assert_int_equal(sys_fast_calls, 6);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 0), 4, true), 0, true);
	assert_int_equal(v->ctxt.regs.x[4], 0x77);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 0), 4, false), 0, true);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 1), 5, true), 0, true);
	assert_int_equal(v->ctxt.regs.x[5], 0x88);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 2), 5, true), 0, true);
	assert_int_equal(v->ctxt.regs.x[5], 0);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 2), 5, false), 0, true);
	fast_vs_dispatcher(sys_esr(AV_SYS_OSDLR_EL1, 6, true), 0, true); /* built-in RAZ/WI */
	assert_int_equal(v->stats.ec[AV_ESR_EC_SYS64], 9);
	/* Not taken: a write to a RO row and an UNDEF row (injections), a handler without
	 * the flag (the host's or a built-in one: the ID registers nobody else answers), a
	 * key without a row (logged), a replaced handler. */
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 1), 5, false), 0, false);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 3), 5, true), 0, false);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 1, 15, 0, 4), 5, true), 0, false);
	fast_vs_dispatcher(sys_esr(AV_SYS_ID_AA64ISAR0_EL1, 1, true), 0, false);
	fast_vs_dispatcher(sys_esr(AV_SYS_OSLSR_EL1, 1, true), 0, false);
	fast_vs_dispatcher(sys_esr(AV_SYSREG(3, 2, 11, 0, 0), 1, true), 0, false);
	assert_int_equal(sys_slow_calls, 0);
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_SYS64, av_vm_exit_default, NULL),
			 0);
	fast_vs_dispatcher(sys_esr(AV_SYS_ID_AA64PFR0_EL1, 3, true), 0, false);
	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_SYS64, NULL, NULL), 0);
	assert_int_equal(sys_fast_calls, 6);

	/* The host's fast range: its function answers, the hook is not asked; the dispatcher
	 * gives the same IDs to the hook (which answers 0xc6000011 NOT_SUPPORTED here). */
	fast_range_calls = 0;
	v->ctxt.regs.x[0] = 0xc6000011u;
	assert_int_equal(av_vm_fast_exit(v, hvc, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[0], 7);
	v->ctxt.regs.x[0] = 0xc6000012u;
	assert_int_equal(av_vm_fast_exit(v, hvc, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[0], UINT64_MAX);
	assert_int_equal(fast_range_calls, 2);
	assert_int_equal(w.host.hypercalls, 0);
	v->ctxt.regs.x[0] = 0xc6000011u; /* not as SMC, nor with another immediate */
	assert_int_equal(av_vm_fast_exit(v, smc, 0, 0), -1);
	assert_int_equal(av_vm_fast_exit(v, call_esr(AV_ESR_EC_HVC64, 2), 0, 0), -1);
	assert_int_equal(fast_range_calls, 2);

	/* The dispatcher agrees on the range: the hook sees only its IDs. */
	v->ctxt.regs.x[0] = 0xc6000003u;
	assert_int_equal(sync_exit(v, hvc, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[0], UINT64_MAX);
	assert_int_equal(w.host.hypercalls, 0);
	v->ctxt.regs.x[0] = 0xc6000010u;
	assert_int_equal(sync_exit(v, hvc, 0, 0), AV_EXIT_YIELD);
	assert_int_equal(v->ctxt.regs.x[0], 42);
	assert_int_equal(w.host.hypercalls, 1);

	/* MMIO at the device: taken while no LR of the vCPU is live. */
	w.fd.read_val = 0x1122334455667788ull;
	assert_int_equal(av_vm_fast_exit(v, 0x93c38006u, 0x50000010, 0x500000), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.regs.x[3], 0x1122334455667788ull);
	assert_int_equal(w.fd.nreads, 1);
	/* SGI 3 pending for vCPU 0 and listed by a flush: its LR is live until the sync, and
	 * the distributor's view would be stale, so the fast path leaves the access alone. */
	val = AV_GICD_CTLR_ENABLE_G1 | AV_GICD_CTLR_ARE;
	assert_int_equal(av_vgic_v3_dist_access(&w.vgic, AV_GICD_CTLR, 4, true, &val), 0);
	val = AV_BIT(3);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 0, AV_GICR_SGI_BASE + AV_GICD_IGROUPR, 4,
						  true, &val), 0);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 0, AV_GICR_SGI_BASE + AV_GICD_ISENABLER,
						  4, true, &val), 0);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 0, AV_GICR_SGI_BASE + AV_GICD_ISPENDR,
						  4, true, &val), 0);
	assert_int_equal(av_vgic_flush(&w.vgic, 0), 0);
	assert_int_equal(av_vm_fast_exit(v, 0x93c38006u, 0x50000010, 0x500000), -1);
	assert_int_equal(w.fd.nreads, 1);
	assert_int_equal(av_vgic_sync(&w.vgic, 0), 0);
	assert_int_equal(av_vm_fast_exit(v, 0x93c38006u, 0x50000010, 0x500000), AV_EXIT_RESUME);
	assert_int_equal(w.fd.nreads, 2);
	/* Not taken: not at a device (the host's stage-2 hook, the unclaimed policy), ISV = 0,
	 * a stage-1 walk. */
	assert_int_equal(av_vm_fast_exit(v, 0x93c38006u, 0x60000010, 0x600000), -1);
	assert_int_equal(av_vm_fast_exit(v, 0x92000006u, 0x50000010, 0x500000), -1);
	assert_int_equal(av_vm_fast_exit(v, 0x93c38086u, 0x50000010, 0x500000), -1);
	assert_int_equal(w.fd.nreads, 2);
	assert_int_equal(w.host.faults, 0);
}

static void test_wfi_and_sgi(void **state)
{
	struct av_vcpu *v0 = &w.vcpu[0], *v1 = &w.vcpu[1];
	uint64_t wfi = AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_WFX) | AV_ESR_IL |
		       AV_FIELD_PREP(AV_ESR_WFX_TI, AV_ESR_WFX_WFI);
	uint64_t wfe = AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_WFX) | AV_ESR_IL |
		       AV_FIELD_PREP(AV_ESR_WFX_TI, AV_ESR_WFX_WFE);
	uint64_t val, sgi1r;
	struct av_vgic_irq_state st;
	(void)state;

	v1->state = AV_VCPU_RUNNING;
	assert_int_equal(sync_exit(v1, wfi, 0, 0), AV_EXIT_BLOCK);
	assert_int_equal(v1->state, AV_VCPU_BLOCKED);
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 4);
	assert_int_equal(sync_exit(v1, wfe, 0, 0), AV_EXIT_YIELD);
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 8);

	/* The guest enables Group 1 and SGI 3 (Group 1) on vCPU 1's redistributor. */
	val = AV_GICD_CTLR_ENABLE_G1 | AV_GICD_CTLR_ARE;
	assert_int_equal(av_vgic_v3_dist_access(&w.vgic, AV_GICD_CTLR, 4, true, &val), 0);
	val = AV_BIT(3);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 1, AV_GICR_SGI_BASE + AV_GICD_IGROUPR, 4,
						  true, &val), 0);
	val = AV_BIT(3);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 1, AV_GICR_SGI_BASE + AV_GICD_ISENABLER,
						  4, true, &val), 0);

	/* vCPU 0: msr ICC_SGI1R_EL1, x2 with TargetList = {Aff0 1}, INTID 3. */
	sgi1r = AV_FIELD_PREP(AV_ICC_SGI1R_TARGETS, AV_BIT(1)) |
		AV_FIELD_PREP(AV_ICC_SGI1R_INTID, 3);
	v0->ctxt.regs.x[2] = sgi1r;
	assert_int_equal(sync_exit(v0, sys_esr(AV_SYS_ICC_SGI1R_EL1, 2, false), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.regs.pc, GUEST_PC + 4);
	assert_int_equal(av_vgic_get_irq(&w.vgic, 1, 3, &st), 0);
	assert_true(st.pending);
	assert_int_equal(av_vgic_get_irq(&w.vgic, 0, 3, &st), 0);
	assert_false(st.pending);

	/* Now WFI on vCPU 1 does not block. */
	assert_int_equal(sync_exit(v1, wfi, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v1->ctxt.regs.pc, GUEST_PC + 12);

	/* ICC_SGI0R_EL1 sends only to targets where the SGI is Group 0: SGI 3 is Group 1. */
	val = AV_BIT(5);
	assert_int_equal(av_vgic_v3_redist_access(&w.vgic, 1, AV_GICR_SGI_BASE + AV_GICD_ISENABLER,
						  4, true, &val), 0);
	v0->ctxt.regs.x[2] = AV_FIELD_PREP(AV_ICC_SGI1R_TARGETS, AV_BIT(1)) |
			     AV_FIELD_PREP(AV_ICC_SGI1R_INTID, 5);
	assert_int_equal(sync_exit(v0, sys_esr(AV_SYS_ICC_SGI0R_EL1, 2, false), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(av_vgic_get_irq(&w.vgic, 1, 5, &st), 0);
	assert_true(st.pending); /* SGI 5 is Group 0 (reset) */
	/* Reading an SGI generation register is UNDEFINED. */
	assert_int_equal(sync_exit(v0, sys_esr(AV_SYS_ICC_SGI1R_EL1, 2, true), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(v0->ctxt.el1.esr, 0x02000000u);
}

/* The built-in table's index: the binary search's answer for every encoding of the key
 * space (op0 3 op1 0 CRn 0: the ID registers, CRn 12: the SGI registers...), and no group
 * of it left to the binary search on the trap path. */
static void test_sysreg_index(void **state)
{
	const struct av_sysreg_table *t = &w.vm.sys;
	unsigned blocks = 0;
	(void)state;

	for (uint32_t i = 0; i < 65536; i++) {
		uint32_t key = AV_SYSREG(i >> 14, (i >> 11) & 7, (i >> 7) & 15, (i >> 3) & 15, i & 7);

		assert_ptr_equal(av_sysreg_lookup(t, key), av_sysreg_find(t->rows, t->nrows, key));
	}
	assert_non_null(av_sysreg_lookup(t, AV_SYS_ID_AA64PFR0_EL1));
	assert_non_null(av_sysreg_lookup(t, AV_SYS_ICC_SGI1R_EL1));
	assert_null(av_sysreg_lookup(t, AV_SYS_SCTLR_EL1));
	for (unsigned g = 0; g < AV_SYSREG_INDEX_GROUPS; g++) {
		assert_int_not_equal(t->index.group[g], AV_SYSREG_INDEX_SEARCH);
		blocks += t->index.group[g] >= 1 && t->index.group[g] <= AV_SYSREG_INDEX_BLOCKS;
	}
	print_message("built-in sysreg table: %zu rows, %u of %u blocks\n", t->nrows, blocks,
		      AV_SYSREG_INDEX_BLOCKS);
}

static void test_sysregs(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	int logs;
	(void)state;

	/* OS lock: locked at reset (OSLM = 0b10, OSLK = 1), unlocked by OSLAR_EL1 = 0. */
	r->x[3] = 0;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_OSLSR_EL1, 3, true), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[3], 0xa);
	r->x[4] = 0;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_OSLAR_EL1, 4, false), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_OSLSR_EL1, 3, true), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[3], 0x8);

	/* PMU: PMCR_EL0 reads 0 (N = 0); DBGBCR3_EL1 0 after reset; ACTLR_EL1 RAZ/WI. */
	r->x[5] = 0xffff;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_PMCR_EL0, 5, true), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[5], 0);
	r->x[5] = 0xffff;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_DBGBCRn_EL1(3), 5, true), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[5], 0);
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_ACTLR_EL1, 5, false), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->pc, GUEST_PC + 24);

	/* MDSCR_EL1 is kept in the context. */
	r->x[6] = 0x8000;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_MDSCR_EL1, 6, false), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(v->ctxt.el1.mdscr, 0x8000);

	/* DC CISW: the host's hook, then the next instruction. */
	assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(1, 0, 7, 14, 2), 0, false), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(w.host.setway, 1);
	assert_int_equal(w.host.setway_key, AV_SYSREG(1, 0, 7, 14, 2));
	assert_int_equal(r->pc, GUEST_PC + 32);

	/* The emulated physical timer: enable, compare at 100, counter at 200 -> ISTATUS. */
	w.host.now = 50;
	r->x[7] = 100;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_CNTP_CVAL_EL0, 7, false), 0, 0),
			 AV_EXIT_RESUME);
	r->x[7] = AV_CNT_CTL_ENABLE;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_CNTP_CTL_EL0, 7, false), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(v->vtimer.timer[AV_VTIMER_PHYS].cval, 100);
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_CNTP_TVAL_EL0, 8, true), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[8], 50);
	w.host.now = 200;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYS_CNTP_CTL_EL0, 8, true), 0, 0), AV_EXIT_RESUME);
	assert_int_equal(r->x[8], AV_CNT_CTL_ENABLE | AV_CNT_CTL_ISTATUS);

	/* IMPLEMENTATION DEFINED S3_0_C15_C2_1: UNDEFINED, by policy, without a log line. */
	logs = w.host.logs;
	r->pc = GUEST_PC;
	r->pstate = GUEST_PSTATE;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(3, 0, 15, 2, 1), 0, true), 0, 0),
			 AV_EXIT_RESUME);
	check_injected(v, 0x02000000u, v->ctxt.el1.far);
	assert_int_equal(w.host.logs, logs);

	/* A register nobody knows: UNDEFINED and one log line with the row to add. */
	r->pc = GUEST_PC;
	r->pstate = GUEST_PSTATE;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(3, 0, 11, 2, 1), 0, true), 0, 0),
			 AV_EXIT_RESUME);
	check_injected(v, 0x02000000u, v->ctxt.el1.far);
	assert_int_equal(w.host.logs, logs + 1);
	assert_non_null(strstr(w.host.log, "AV_SYSREG(3, 0, 11, 2, 1)"));
}

/*
 * Issue 18, finding 4: a guest cycling through 17 unhandled system registers (one more
 * than the "logged once" ring remembers) 17,000 times, one exit per counter tick, with a
 * budget of 10 lines per 1000 ticks: at most 10 "unhandled" lines per window (and one
 * "suppressed" line from the second on), never one per access; and the suppressed counts
 * the VM reports add up to what its budget dropped.
 */
struct budget_seen {
	unsigned unhandled, reports, other;
	unsigned long long reported;
};

static void budget_hook(enum av_log_level level, const char *line, void *cookie)
{
	struct budget_seen *b = cookie;

	(void)level;
	if (strstr(line, "sysreg: unhandled") != NULL) {
		b->unhandled++;
	} else if (strstr(line, " guest-triggered log lines suppressed") != NULL) {
		b->reports++;
		assert_non_null(strstr(line, "test: "));
		b->reported += strtoull(line + strlen("test: "), NULL, 10);
	} else {
		b->other++;
	}
}

static void test_sysreg_log_budget(void **state)
{
	struct av_vm_config cfg = {
		.name = "test", .nr_vcpus = 2, .vgic = &w.vgic, .bus = &w.bus, .ram = &ram,
		.nram = 1, .ops = &host_ops, .cookie = &w.host,
		.log_lines = 10, .log_window = 1000,
	};
	struct budget_seen seen = { 0 };
	struct av_vcpu *v = &w.vcpu[0];
	unsigned windows = 17;
	(void)state;

	w.host.now = 0;
	assert_int_equal(av_vm_init(&w.vm, &cfg, NULL), 0);
	assert_int_equal(av_vcpu_init(v, &w.vm, 0, QEMU_MIDR), 0);
	v->ctxt.el1.vbar = GUEST_VBAR;
	av_log_set_hook(budget_hook, AV_LOG_WARN, &seen);
	for (unsigned i = 0; i < 17000; i++, w.host.now++) {
		unsigned k = i % 17; /* S3_<k/8>_C11_C<k%8>_1: no row anywhere */

		v->ctxt.regs.pc = GUEST_PC;
		v->ctxt.regs.pstate = GUEST_PSTATE;
		assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(3, k / 8, 11, k % 8, 1), 0, true),
					   0, 0), AV_EXIT_RESUME);
		check_injected(v, 0x02000000u, v->ctxt.el1.far); /* UNDEFINED each time */
	}
	print_message("%u unhandled lines, %u reports of %llu lines suppressed, %llu dropped\n",
		      seen.unhandled, seen.reports, seen.reported,
		      (unsigned long long)av_log_budget_dropped(&w.vm.log_budget));
	assert_int_equal(seen.other, 0);
	assert_true(seen.unhandled <= 10 * windows);
	assert_true(seen.unhandled >= 17); /* every register named at least once */
	assert_int_equal(seen.reports, windows - 1);
	/* One more window: its first line reports the last window's drops. */
	w.host.now += 1000;
	v->ctxt.regs.pc = GUEST_PC;
	assert_int_equal(sync_exit(v, sys_esr(AV_SYSREG(3, 7, 11, 7, 1), 0, true), 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(seen.reports, windows);
	assert_true(seen.reported > 0);
	assert_int_equal(seen.reported, av_log_budget_dropped(&w.vm.log_budget));
}

static void test_async_and_stats(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_exit irq = { .kind = AV_EXIT_IRQ };
	struct av_vm_stats st;
	(void)state;

	assert_int_equal(av_vm_handle_exit(v, &irq), AV_EXIT_TO_CALLER);
	assert_int_equal(av_vm_handle_exit(NULL, &irq), AV_EXIT_TO_CALLER);
	v->ctxt.regs.x[0] = AV_HC_ECHO;
	assert_int_equal(sync_exit(v, 0x5a000001u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(&w.vcpu[1], 0x5a000001u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(v, 0x62300029u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(&w.vcpu[1], 0x62300029u, 0, 0), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(v, 0x93c38006u, 0x50000010, 0x500000), AV_EXIT_RESUME);
	assert_int_equal(sync_exit(v, 0x93c38006u, 0x60000010, 0x600000), AV_EXIT_RESUME);

	assert_int_equal(av_vm_stats_get(&w.vm, &st), 0);
	assert_int_equal(st.exits, 7);
	assert_int_equal(st.kind[AV_EXIT_IRQ], 1);
	assert_int_equal(st.kind[AV_EXIT_SYNC], 6);
	assert_int_equal(st.ec[AV_ESR_EC_HVC64], 2);
	assert_int_equal(st.ec[AV_ESR_EC_SYS64], 2);
	assert_int_equal(st.ec[AV_ESR_EC_DABT_LOW], 2);
	assert_int_equal(st.action[AV_EXIT_RESUME], 6);
	assert_int_equal(st.action[AV_EXIT_TO_CALLER], 1);
	assert_int_equal(st.inject_dabt, 1);
	for (unsigned i = 0; i < AV_VM_STATS_SYSREGS; i++)
		if (st.sysreg[i].count)
			assert_true(st.sysreg[i].key == AV_SYS_ID_AA64PFR0_EL1 &&
				    st.sysreg[i].count == 2);

	assert_int_equal(av_vm_stats_print(&w.vm, line_fn, &w.host), 0);
	assert_non_null(strstr(w.host.text, "test: 7 exits: sync 6 irq 1 fiq 0 serror 0"));
	assert_non_null(strstr(w.host.text, "HVC64"));
	assert_non_null(strstr(w.host.text, "ID_AA64PFR0_EL1"));
	assert_non_null(strstr(w.host.text, "fake"));
	assert_non_null(strstr(w.host.text, "reads 1 writes 0"));
	assert_non_null(strstr(w.host.text, "(unclaimed)"));
	assert_non_null(strstr(w.host.text, "injected: undef 0, dabt 1"));
	assert_int_equal(av_vm_stats_print(NULL, line_fn, NULL), -AV_EINVAL);
}

static void test_init_errors(void **state)
{
	struct av_vm vm;
	struct av_vcpu v;
	static const uint64_t dup[2] = { 1, 1 };
	static const struct av_sysreg_desc bad[2] = {
		AV_SYSREG_ROW_RAZ_WI(AV_SYS_SCTLR_EL1, "b"),
		AV_SYSREG_ROW_RAZ_WI(AV_SYS_MIDR_EL1, "a"),
	};
	struct av_vm_config cfg = { .nr_vcpus = 2 };
	(void)state;

	assert_int_equal(av_vm_init(&vm, &cfg, NULL), 0);
	assert_int_equal(av_vm_init(NULL, &cfg, NULL), -AV_EINVAL);
	cfg.nr_vcpus = 0;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EINVAL);
	cfg.nr_vcpus = AV_VM_MAX_VCPUS + 1;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EINVAL);
	cfg.nr_vcpus = 2;
	cfg.boot_vcpu = 2;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EINVAL);
	cfg.boot_vcpu = 0;
	cfg.mpidr = dup;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EEXIST);
	cfg.mpidr = NULL;
	cfg.hypercall_first = 2;
	cfg.hypercall_last = 1; /* an empty hypercall range */
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EINVAL);
	cfg.hypercall_first = 0x10;
	cfg.hypercall_last = 0x1f;
	cfg.fast_hypercall = fast_range; /* a fast range outside the hook's */
	cfg.fast_hypercall_first = 0x1f;
	cfg.fast_hypercall_last = 0x20;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EINVAL);
	cfg.fast_hypercall_last = 0x1f;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), 0);
	cfg.fast_hypercall = NULL;
	cfg.hypercall_first = cfg.hypercall_last = 0;
	cfg.sysreg_rows = bad;
	cfg.nsysreg_rows = 2;
	av_log_set_hook(NULL, AV_LOG_ERROR, NULL);
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), -AV_EINVAL);
	cfg.sysreg_rows = NULL;
	cfg.nsysreg_rows = 0;
	assert_int_equal(av_vm_init(&vm, &cfg, NULL), 0);
	assert_int_equal(av_vcpu_init(&v, &vm, 2, 0), -AV_EINVAL);
	assert_int_equal(av_vcpu_init(&v, &vm, 1, 0), 0);
	assert_int_equal(av_vcpu_init(&v, &vm, 1, 0), -AV_EEXIST);
	assert_ptr_equal(av_vm_vcpu_by_mpidr(&vm, 1), &v);
	assert_null(av_vm_vcpu_by_mpidr(&vm, 0)); /* not registered */
	assert_string_equal(av_exit_action_name(AV_EXIT_BLOCK), "block");
	assert_string_equal(av_exit_action_name(AV_EXIT_ACTION_COUNT), "?");
}

/* Each configuration error of av_vm_init() names the field and says why. */
static void test_init_error_messages(void **state)
{
	static struct av_vm vm;
	static const uint64_t dup[3] = { 0x100, 0x101, 0x100 };
	static const uint64_t nonaff[2] = { 0, AV_BIT(31) };
	static const struct av_psci_range empty = { .base = 0x40000000, .size = 0 };
	static const struct av_sysreg_desc bad[2] = {
		AV_SYSREG_ROW_RAZ_WI(AV_SYS_SCTLR_EL1, "b"),
		AV_SYSREG_ROW_RAZ_WI(AV_SYS_MIDR_EL1, "a"),
	};
	struct av_vgic small = { .nr_vcpus = 2 };
	struct av_vm_config good = { .nr_vcpus = 3 };
	struct av_vm_config cfg;
	struct av_error err = { .field = "stale" };
	static const struct {
		int ret;
		const char *field, *msg;
	} want[] = {
		{ -AV_EINVAL, "nr_vcpus", "0 vCPUs (1..64)" },
		{ -AV_EINVAL, "nr_vcpus", "65 vCPUs (1..64)" },
		{ -AV_EINVAL, "boot_vcpu", "vCPU 3 of 3" },
		{ -AV_EINVAL, "ram", "NULL with nram = 1" },
		{ -AV_EINVAL, "ram", "range 0: size 0" },
		{ -AV_EINVAL, "vgic", "serves 2 vCPUs, the VM has 3" },
		{ -AV_EINVAL, "mpidr", "vCPU 1: 0x80000000 has bits outside Aff3..Aff0" },
		{ -AV_EEXIST, "mpidr", "vCPUs 0 and 2 have the same MPIDR 0x100" },
		{ -AV_EINVAL, "sysreg_rows",
		  "AV_EINVAL: invalid argument (unsorted, duplicate or bad rows)" },
	};
	(void)state;

	assert_int_equal(av_vm_init(&vm, &good, &err), 0);
	assert_string_equal(err.field, "");
	av_log_set_hook(NULL, AV_LOG_ERROR, NULL);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int ret;

		cfg = good;
		switch (i) {
		case 0: cfg.nr_vcpus = 0; break;
		case 1: cfg.nr_vcpus = 65; break;
		case 2: cfg.boot_vcpu = 3; break;
		case 3: cfg.nram = 1; break;
		case 4: cfg.nram = 1; cfg.ram = &empty; break;
		case 5: cfg.vgic = &small; break;
		case 6: cfg.nr_vcpus = 2; cfg.mpidr = nonaff; break;
		case 7: cfg.mpidr = dup; break;
		default: cfg.sysreg_rows = bad; cfg.nsysreg_rows = 2; break;
		}
		ret = av_vm_init(&vm, &cfg, &err);
		if (ret != want[i].ret || strcmp(err.field, want[i].field) ||
		    strcmp(err.msg, want[i].msg))
			fail_msg("case %zu: %d \"%s: %s\"", i, ret, err.field, err.msg);
	}
}

/* A 64-vCPU VM on a 64-vCPU GICv3: both accept it, every vCPU registers. */
static void test_64_vcpus(void **state)
{
	static struct av_vm vm;
	static struct av_vcpu v[64];
	static uint64_t mpidr[64];
	struct av_vgic_config vc = { .model = AV_VGIC_V3, .nr_vcpus = 64, .mpidr = mpidr,
				     .lr_ops = &lr_ops };
	struct av_vm_config cfg = { .nr_vcpus = 64, .mpidr = mpidr, .vgic = &w.vgic };
	struct av_error err;
	(void)state;

	for (unsigned i = 0; i < 64; i++)
		mpidr[i] = ((uint64_t)(i / 16) << 8) | (i % 16);
	assert_int_equal(av_vgic_init(&w.vgic, &vc, &err), 0);
	assert_int_equal(av_vm_init(&vm, &cfg, &err), 0);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(av_vcpu_init(&v[i], &vm, i, 0), 0);
	assert_ptr_equal(av_vm_vcpu_by_mpidr(&vm, 0x30f), &v[63]);
	print_message("sizeof(struct av_vgic) %zu, sizeof(struct av_vm) %zu\n",
		      sizeof(struct av_vgic), sizeof(struct av_vm));
}

/*
 * The el1_get/el1_put contract (vm.h, "EL1 state"). The hooks model a host whose EL1
 * registers stay live in the CPU while the dispatcher runs ("live" below) and that moves
 * only the registers `vcpu->el1_regs` names: a path that asked for too little reads stale
 * context values, one that forgot a put loses its change, and both show up here.
 */
static struct el1_host {
	struct av_el1_regs live; /* the registers as the CPU holds them */
	uint64_t live_v[32][2];  /* V0-V31 as the CPU holds them (lazy FP/SIMD) */
	int gets, puts, depth;
	unsigned get_mask, put_mask;
} eh;

static void el1_move(uint64_t *dst, const uint64_t *src, unsigned mask, unsigned bit)
{
	if (mask & bit)
		*dst = *src;
}

static void el1_copy(struct av_el1_regs *to, const struct av_el1_regs *from, unsigned m)
{
	el1_move(&to->sctlr, &from->sctlr, m, AV_VM_EL1_SCTLR);
	el1_move(&to->vbar, &from->vbar, m, AV_VM_EL1_VBAR);
	el1_move(&to->elr, &from->elr, m, AV_VM_EL1_ELR);
	el1_move(&to->spsr, &from->spsr, m, AV_VM_EL1_SPSR);
	el1_move(&to->esr, &from->esr, m, AV_VM_EL1_ESR);
	el1_move(&to->far, &from->far, m, AV_VM_EL1_FAR);
	el1_move(&to->sp_el0, &from->sp_el0, m, AV_VM_EL1_SP_EL0);
	el1_move(&to->sp_el1, &from->sp_el1, m, AV_VM_EL1_SP_EL1);
	el1_move(&to->mdscr, &from->mdscr, m, AV_VM_EL1_MDSCR);
}

static void count_el1_get(void *cookie, struct av_vcpu *v)
{
	(void)cookie;
	assert_int_equal(eh.depth, 0); /* never nested */
	assert_int_equal(v->el1_regs & ~(AV_VM_EL1_ALL | AV_VM_EL1_FPSIMD), 0);
	eh.depth++;
	eh.gets++;
	eh.get_mask = v->el1_regs;
	/* Poison what is not asked for: a path must not read it. */
	memset(&v->ctxt.el1.esr, 0xa5, sizeof(v->ctxt.el1.esr));
	el1_copy(&v->ctxt.el1, &eh.live, v->el1_regs);
	if (v->el1_regs & AV_VM_EL1_FPSIMD)
		memcpy(v->ctxt.regs.v, eh.live_v, sizeof(eh.live_v));
	else
		memset(v->ctxt.regs.v, 0xa5, sizeof(v->ctxt.regs.v));
}

static void count_el1_put(void *cookie, struct av_vcpu *v)
{
	(void)cookie;
	assert_int_equal(eh.depth, 1); /* always after a get */
	assert_int_equal(v->el1_regs & ~(AV_VM_EL1_ALL | AV_VM_EL1_FPSIMD), 0);
	eh.depth--;
	eh.puts++;
	eh.put_mask = v->el1_regs;
	el1_copy(&eh.live, &v->ctxt.el1, v->el1_regs);
	if (v->el1_regs & AV_VM_EL1_FPSIMD)
		memcpy(eh.live_v, v->ctxt.regs.v, sizeof(eh.live_v));
}

static struct av_vm_ops el1_ops;

/* One exit; afterwards every get had its put. */
static enum av_exit_action el1_exit(struct av_vcpu *v, uint64_t esr, uint64_t far,
				    uint64_t hpfar, int pairs)
{
	enum av_exit_action act;

	eh.gets = eh.puts = 0;
	eh.get_mask = eh.put_mask = 0xdead;
	act = sync_exit(v, esr, far, hpfar);
	assert_int_equal(eh.depth, 0);
	assert_int_equal(eh.gets, pairs);
	assert_int_equal(eh.puts, pairs);
	return act;
}

static void test_el1_hooks_paired(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_regs *r = &v->ctxt.regs;
	const unsigned inj_reads = AV_VM_EL1_SCTLR | AV_VM_EL1_VBAR;
	const unsigned inj_writes = AV_VM_EL1_ELR | AV_VM_EL1_SPSR | AV_VM_EL1_ESR | AV_VM_EL1_FAR;
	(void)state;

	el1_ops = host_ops;
	el1_ops.el1_get = count_el1_get;
	el1_ops.el1_put = count_el1_put;
	w.vm.ops = &el1_ops;
	memset(&eh, 0, sizeof(eh));
	eh.live.vbar = GUEST_VBAR;
	/* The context's copy is stale: big-endian and a wrong vector base. */
	v->ctxt.el1.sctlr = AV_SCTLR_EL1_EE;
	v->ctxt.el1.vbar = 0xbad000;

	/* MMIO, ISV = 1: SCTLR_EL1 read (little-endian, from the live register), nothing
	 * written back. */
	w.fd.read_val = 0x1122334455667788ull;
	assert_int_equal(el1_exit(v, 0x93c38006u, 0x50000010, 0x500000, 1), AV_EXIT_RESUME);
	assert_int_equal(eh.get_mask, AV_VM_EL1_SCTLR);
	assert_int_equal(eh.put_mask, 0);
	assert_int_equal(r->x[3], 0x1122334455667788ull);
	/* The live SCTLR_EL1.EE decides, not the stale context. */
	eh.live.sctlr = AV_SCTLR_EL1_EE;
	v->ctxt.el1.sctlr = 0;
	assert_int_equal(el1_exit(v, 0x93c38006u, 0x50000010, 0x500000, 1), AV_EXIT_RESUME);
	assert_int_equal(r->x[3], 0x8877665544332211ull);
	eh.live.sctlr = 0;

	/* MDSCR_EL1: a read answers the guest's value (`sys.mdscr`) without the hooks; a write
	 * is a pair that puts the effective value (no debug enables while the OS lock is set). */
	v->sys.mdscr = 0x1000;
	v->sys.os_lock = false;
	assert_int_equal(el1_exit(v, sys_esr(AV_SYS_MDSCR_EL1, 6, true), 0, 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(r->x[6], 0x1000);
	r->x[6] = 0xc000; /* MDE, and HDE, which a guest cannot set */
	assert_int_equal(el1_exit(v, sys_esr(AV_SYS_MDSCR_EL1, 6, false), 0, 0, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.get_mask, 0);
	assert_int_equal(eh.put_mask, AV_VM_EL1_MDSCR);
	assert_int_equal(eh.live.mdscr, 0x8000);
	assert_int_equal(v->sys.mdscr, 0x8000);
	v->sys.os_lock = true;
	r->x[6] = 0xa001; /* MDE, KDE, SS */
	assert_int_equal(el1_exit(v, sys_esr(AV_SYS_MDSCR_EL1, 6, false), 0, 0, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.live.mdscr, 0);
	r->x[4] = 0; /* OSLAR_EL1 = 0: the enables reach the hardware */
	assert_int_equal(el1_exit(v, sys_esr(AV_SYS_OSLAR_EL1, 4, false), 0, 0, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.live.mdscr, 0xa001);

	/* MMIO, ISV = 0, ldr x9, [sp], #8 at EL1h: SP_EL1 read and written back. */
	w.host.insn = ldr_x_post(9, 31, 8);
	w.host.insn_pc = r->pc;
	w.fd.read_val = 0;
	eh.live.sp_el1 = DEV_BASE + 0x200;
	v->ctxt.el1.sp_el1 = 0;
	assert_int_equal(el1_exit(v, dabt_nisv_esr(false), DEV_BASE + 0x200, 0x500000, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.get_mask, AV_VM_EL1_SCTLR | AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1);
	assert_int_equal(eh.put_mask, AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1);
	assert_int_equal(r->x[9], 0x1200);
	assert_int_equal(eh.live.sp_el1, DEV_BASE + 0x208);

	/* MMIO, ISV = 0, SIMD&FP: the transfer register is the live one. ldr s2, [x7] writes
	 * the live V2 (the rest of it cleared); str d3, [x7] stores the live D3. */
	w.host.insn = 0xbd4000e2; /* ldr s2, [x7] */
	w.host.insn_pc = r->pc;
	w.fd.read_val = 0x89abcdef;
	r->x[7] = DEV_BASE + 0x40;
	eh.live_v[2][0] = 0x1111111111111111ull;
	eh.live_v[2][1] = 0x2222222222222222ull;
	assert_int_equal(el1_exit(v, dabt_nisv_esr(false), DEV_BASE + 0x40, 0x500000, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.get_mask, AV_VM_EL1_SCTLR | AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1 |
					      AV_VM_EL1_FPSIMD);
	assert_int_equal(eh.put_mask, AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1 | AV_VM_EL1_FPSIMD);
	assert_int_equal(eh.live_v[2][0], 0x89abcdef);
	assert_int_equal(eh.live_v[2][1], 0);
	w.host.insn = 0xfd0000e3; /* str d3, [x7] */
	w.host.insn_pc = r->pc;
	eh.live_v[3][0] = 0xfeedface12345678ull;
	assert_int_equal(el1_exit(v, dabt_nisv_esr(true), DEV_BASE + 0x40, 0x500000, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.get_mask & AV_VM_EL1_FPSIMD, AV_VM_EL1_FPSIMD);
	assert_int_equal(eh.put_mask, AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1);
	assert_int_equal(w.fd.last_val, 0xfeedface12345678ull);
	assert_int_equal(w.fd.last_size, 8);
	w.fd.read_val = 0;
	w.host.insn = ldr_x_post(9, 31, 8);

	/* ISV = 0 to an address nobody claims, bus policy "to the caller": the use ends with
	 * nothing written back and the vCPU unchanged. */
	w.bus.policy = AV_MMIO_UNCLAIMED_TO_CALLER;
	w.host.insn_pc = r->pc;
	eh.live.sp_el1 = 0x60000000;
	assert_int_equal(el1_exit(v, dabt_nisv_esr(false), 0x60000000, 0x600000, 1),
			 AV_EXIT_TO_CALLER);
	assert_int_equal(eh.put_mask, 0);
	assert_int_equal(eh.live.sp_el1, 0x60000000);
	assert_int_equal(r->pc, w.host.insn_pc);
	w.bus.policy = AV_MMIO_UNCLAIMED_ABORT;

	/* ISV = 0 with a failed fetch: one pair, the injection's (live VBAR used, the
	 * exception written back). */
	r->pc = GUEST_PC;
	r->pstate = GUEST_PSTATE;
	w.host.insn_pc = 0;
	assert_int_equal(el1_exit(v, dabt_nisv_esr(true), DEV_BASE + 0x300, 0x500000, 1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.get_mask, inj_reads);
	assert_int_equal(eh.put_mask, inj_writes);
	assert_int_equal(r->pc, GUEST_VBAR + 0x200);
	assert_int_equal(eh.live.esr, 0x96000050u);
	assert_int_equal(eh.live.far, DEV_BASE + 0x300);
	assert_int_equal(eh.live.elr, GUEST_PC);

	/* ISV = 1 to an unclaimed address (abort policy): one pair for the endianness, then
	 * one for the injected external abort, one after the other. */
	r->pc = GUEST_PC;
	r->pstate = GUEST_PSTATE;
	assert_int_equal(el1_exit(v, 0x93c38006u, 0x60000010, 0x600000, 2), AV_EXIT_RESUME);
	assert_int_equal(eh.live.esr, 0x96000010u);

	/* An unknown class: UNDEF injected through one pair. */
	r->pc = GUEST_PC;
	r->pstate = GUEST_PSTATE;
	assert_int_equal(el1_exit(v, AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_BRK64) | AV_ESR_IL, 0, 0,
				  1),
			 AV_EXIT_RESUME);
	assert_int_equal(eh.live.esr, 0x02000000u);
	assert_int_equal(r->pc, GUEST_VBAR + 0x200);

	/* Exits that need no EL1 state do not call the hooks at all. */
	hvc(v, AV_HC_ECHO, 1, 2, 3, AV_EXIT_RESUME);
	assert_int_equal(el1_exit(v, sys_esr(AV_SYS_ID_AA64PFR0_EL1, 1, true), 0, 0, 0),
			 AV_EXIT_RESUME);
	assert_int_equal(v->el1_regs, 0);
}

/* A replacement handler sees the decoded syndrome; the built-in ones only the raw one. */
static enum av_exit_action wrap_handler(const struct av_exit_ctx *ctx)
{
	int *calls = ctx->cookie;

	(*calls)++;
	assert_non_null(ctx->esr);
	assert_int_equal(ctx->esr->raw, ctx->exit->esr);
	assert_int_equal(ctx->esr->kind, AV_ESR_KIND_DABT);
	assert_true(ctx->esr->u.dabt.isv);
	assert_int_equal(ctx->esr->u.dabt.srt, 3);
	return av_vm_exit_default(ctx);
}

static void test_replacement_handler_and_fast_stats(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_vm_stats st;
	int calls = 0;
	(void)state;

	assert_int_equal(av_vm_set_exit_handler(&w.vm, AV_ESR_EC_DABT_LOW, wrap_handler, &calls),
			 0);
	w.fd.read_val = 0x55;
	assert_int_equal(sync_exit(v, 0x93c38006u, 0x50000010, 0x500000), AV_EXIT_RESUME);
	assert_int_equal(calls, 1);
	assert_int_equal(v->ctxt.regs.x[3], 0x55);
	assert_int_equal(w.fd.nreads, 1);

	/* Exits answered by a fast path are counted like the dispatcher counts them. */
	av_vcpu_stats_add_sync(v, AV_ESR_EC_HVC64, AV_EXIT_RESUME, 5);
	av_vcpu_stats_add_sync(v, AV_VM_NR_EC, AV_EXIT_RESUME, 5);      /* ignored */
	av_vcpu_stats_add_sync(v, 0, AV_EXIT_ACTION_COUNT, 5);          /* ignored */
	av_vcpu_stats_add_sync(NULL, AV_ESR_EC_HVC64, AV_EXIT_RESUME, 5); /* ignored */
	assert_int_equal(av_vm_stats_get(&w.vm, &st), 0);
	assert_int_equal(st.exits, 6);
	assert_int_equal(st.kind[AV_EXIT_SYNC], 6);
	assert_int_equal(st.ec[AV_ESR_EC_HVC64], 5);
	assert_int_equal(st.ec[AV_ESR_EC_DABT_LOW], 1);
	assert_int_equal(st.action[AV_EXIT_RESUME], 6);
}
/* A debug register access by the guest; returns the value read (or x5 unchanged). */
static uint64_t dbg_access(struct av_vcpu *v, uint32_t key, bool read, uint64_t val)
{
	struct av_regs *r = &v->ctxt.regs;

	r->pc = GUEST_PC;
	r->pstate = GUEST_PSTATE;
	r->x[5] = val;
	assert_int_equal(sync_exit(v, sys_esr(key, 5, read), 0, 0), AV_EXIT_RESUME);
	return r->x[5];
}

/* The access was UNDEFINED: an exception injected at the vector, PC not advanced. */
static bool dbg_undef(const struct av_vcpu *v)
{
	return v->ctxt.regs.pc == GUEST_VBAR + 0x200 && v->ctxt.el1.esr == 0x02000000u;
}

static void test_debug_regs(void **state)
{
	struct av_vcpu *v = &w.vcpu[0];
	struct av_dbg_state *d = &v->sys.dbg;
	const uint64_t bcr = 0x1e7, wcr = 0x1ff; /* enabled, EL1 and EL0, all bytes */
	uint64_t dfr0;
	int changes;
	(void)state;

	/* The ID register: the host's 6 breakpoints and 4 watchpoints, no OS double lock. */
	assert_int_equal(av_vm_id_read(&w.vm, AV_SYS_ID_AA64DFR0_EL1, &dfr0), 0);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_BRPS, dfr0), 5);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_WRPS, dfr0), 3);
	assert_int_equal(AV_FIELD_GET(AV_ID_AA64DFR0_DOUBLELOCK, dfr0), 0xf);

	/* Kept per vCPU; HMC and SSC (no EL2/EL3 for the guest) read as 0. */
	dbg_access(v, AV_SYS_DBGBVRn_EL1(5), false, 0x40080004);
	dbg_access(v, AV_SYS_DBGBCRn_EL1(5), false, bcr | AV_BIT(13) | AV_GENMASK(15, 14));
	assert_int_equal(dbg_access(v, AV_SYS_DBGBVRn_EL1(5), true, 0), 0x40080004);
	assert_int_equal(dbg_access(v, AV_SYS_DBGBCRn_EL1(5), true, 0), bcr);
	assert_int_equal(v->ctxt.regs.pc, GUEST_PC + 4);
	assert_int_equal(dbg_access(&w.vcpu[1], AV_SYS_DBGBCRn_EL1(5), true, 7), 0);
	/* Nothing goes to the hardware while the OS lock (set at reset) is locked. */
	assert_true(v->sys.os_lock);
	assert_int_equal(d->hw_bp, 0);
	changes = w.host.debug_changes;
	dbg_access(v, AV_SYS_OSLAR_EL1, false, 0);
	assert_int_equal(d->hw_bp, AV_BIT(5));
	assert_int_equal(w.host.debug_changes, changes + 1);

	/* Watchpoints: the last one the ID register reports, then one past it. */
	dbg_access(v, AV_SYS_DBGWVRn_EL1(3), false, 0x40100000);
	dbg_access(v, AV_SYS_DBGWCRn_EL1(3), false, wcr | AV_BIT(13));
	assert_int_equal(dbg_access(v, AV_SYS_DBGWCRn_EL1(3), true, 0), wcr);
	assert_int_equal(d->hw_wp, AV_BIT(3));
	assert_int_equal(d->wvr[3], 0x40100000);
	changes = w.host.debug_changes;
	assert_int_equal(dbg_access(v, AV_SYS_DBGWCRn_EL1(4), false, wcr), wcr);
	assert_true(dbg_undef(v));
	assert_int_equal(dbg_access(v, AV_SYS_DBGBVRn_EL1(6), true, 9), 9);
	assert_true(dbg_undef(v));
	assert_int_equal(w.host.debug_changes, changes);

	/* A breakpoint matching a VMID (BT = 0b1010) is kept but never loaded; disabling one
	 * takes it out of the hardware set. */
	dbg_access(v, AV_SYS_DBGBCRn_EL1(4), false, bcr | AV_FIELD_PREP(AV_GENMASK(23, 20), 0xa));
	assert_int_equal(d->hw_bp, AV_BIT(5));
	dbg_access(v, AV_SYS_DBGBCRn_EL1(5), false, bcr & ~1ull);
	assert_int_equal(d->hw_bp, 0);
	dbg_access(v, AV_SYS_DBGBCRn_EL1(0), false, bcr);
	assert_int_equal(d->hw_bp, AV_BIT(0));

	/* Locking the OS lock again empties the hardware set. */
	dbg_access(v, AV_SYS_OSLAR_EL1, false, 1);
	assert_int_equal(d->hw_bp | d->hw_wp, 0);
	dbg_access(v, AV_SYS_OSLAR_EL1, false, 0);
	assert_int_equal(d->hw_wp, AV_BIT(3));

	/* MDCCINT_EL1 keeps RX/TX; the OS save/restore registers are RAZ/WI; an unallocated
	 * encoding among them is UNDEFINED. */
	dbg_access(v, AV_SYS_MDCCINT_EL1, false, ~0ull);
	assert_int_equal(dbg_access(v, AV_SYS_MDCCINT_EL1, true, 0), AV_BIT(30) | AV_BIT(29));
	dbg_access(v, AV_SYS_OSECCR_EL1, false, 0x1234);
	assert_int_equal(dbg_access(v, AV_SYS_OSECCR_EL1, true, 5), 0);
	assert_int_equal(dbg_access(v, AV_SYS_OSDTRTX_EL1, true, 5), 0);
	dbg_access(v, AV_SYSREG(2, 0, 0, 1, 0), true, 0);
	assert_true(dbg_undef(v));

	/* A reset (PSCI CPU_ON) clears it all and locks the OS lock. */
	v->state = AV_VCPU_ON_PENDING;
	v->boot_entry = GUEST_PC;
	assert_int_equal(av_vcpu_power_on(v), 0);
	assert_true(v->sys.os_lock);
	assert_int_equal(d->hw_bp | d->hw_wp, 0);
	assert_int_equal(d->bcr[0] | d->wcr[3] | v->sys.mdccint | v->sys.mdscr, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hvc_echo_and_unknown),
		T(test_smc_psci_version),
		T(test_id_register_sanitised),
		T(test_id_pauth),
		T(test_id_mtpmu),
		T(test_mmio_isv),
		T(test_mmio_sign_extension),
		T(test_mmio_to_caller_complete),
		T(test_try_mmio),
		T(test_unmapped_ipa_injects_sea),
		T(test_s2_fault_hook),
		T(test_mmio_isv0_emulated),
		T(test_psci_cpu_on_off),
		T(test_psci_system),
		T(test_unknown_ec_undef_logged_once),
		T(test_hidden_feature_undef),
		T(test_wfi_and_sgi),
		T(test_try_fast),
		T(test_sysreg_index),
		T(test_sysregs),
		T(test_sysreg_log_budget),
		T(test_debug_regs),
		T(test_async_and_stats),
		T(test_init_errors),
		T(test_init_error_messages),
		T(test_64_vcpus),
		T(test_el1_hooks_paired),
		T(test_replacement_handler_and_fast_stats),
		cmocka_unit_test_setup_teardown(test_fast_exit, setup_hc_range, teardown),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
