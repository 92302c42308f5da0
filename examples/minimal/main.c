/* SPDX-License-Identifier: MIT */
/*
 * The smallest complete hypervisor built on armvirt, for the tutorial.
 *
 * It runs one guest (guest.S, a few dozen instructions) at EL1 on the primary CPU and
 * handles every exit itself, to show each piece of the arch layer and the port at work:
 *
 *   stage 2       2 MiB of RAM at GUEST_RAM_IPA (av_s2_map() with the arch TLB callbacks);
 *                 GICv2 only: the hardware GICV frame at GUEST_GICC_IPA
 *   world switch  av_arch_vcpu_run(): enter at EL1, exits come back here
 *   hypercall     ARMVIRT_HC_ECHO (x0 = 0, x1-x3 unchanged) and PSCI SYSTEM_OFF
 *   sysreg trap   ID_AA64PFR0_EL1 under HCR_EL2.TID3, returned with SVE hidden
 *   MMIO          a tiny device at the unmapped GUEST_DEV_IPA, emulated on data aborts
 *   lazy FP/SIMD  the guest's first FP instruction traps; the state survives the
 *                 hypervisor taking the registers away
 *   vGIC + timer  the guest's virtual timer fires (PPI 27, physical, routed to EL2), is
 *                 forwarded through the vGIC list registers with HW = 1, and the guest's
 *                 EOI deactivates the physical interrupt
 *   SMP           the second CPU is started through PSCI, ticks its EL2 timer and answers
 *                 a kick (SGI)
 *
 * Output: one "PASS <step>" or "FAIL <step>" line per step; the run exits QEMU with 0 only
 * when every step passed.
 */
#include <armvirt/arch/aarch64.h>
#include <armvirt/arch/aarch64_vm.h>
#include <armvirt/esr.h>
#include <armvirt/platform.h>
#include <armvirt/port/qemu-virt.h>
#include <armvirt/psci.h>
#include <armvirt/s2.h>
#include <armvirt/sysreg.h>
#include <armvirt/traps.h>
#include <armvirt/types.h>
#include <armvirt/vgic.h>
#include <armvirt/vm.h>

#include "guest.h"

extern char guest_image_start[], guest_image_end[];

#define SZ_2M 0x200000ull
#define VMID 1
#define VMID_BITS 8
#define PA_BITS 40          /* QEMU virt's physical address size */
#define MC_PAGES 16         /* the stage-2 memcache's capacity */
#define MC_TOPUP 8          /* table pages the two mappings can take at most */
#define MPIDR_RES1 AV_BIT(31)
#define MAX_EXITS 1000
#define SMP_TICK_HZ 100     /* the second CPU's EL2 timer: one 10 ms tick */
#define NR_CHECKS 6         /* the five guest steps and psci-system-off */
#define NR_EXIT_KINDS (AV_ARCH_EXIT_SERROR + 1)

/* guest.S sees guest.h's plain numbers; they must be the library's. */
_Static_assert(HC_ECHO == AV_HC_ECHO, "HC_ECHO");
_Static_assert(PSCI_SYSTEM_OFF == AV_PSCI_SYSTEM_OFF, "PSCI_SYSTEM_OFF");
_Static_assert(VTIMER_INTID == AV_VIRT_TIMER_VIRT_INTID, "VTIMER_INTID");
_Static_assert(GUEST_RAM_IPA == AV_VIRT_RAM_BASE && GUEST_GICC_IPA == AV_VIRT_GICC_BASE,
	       "guest map");

/* ---- hypervisor memory: a bump allocator over the RAM after the image ---- */

struct hyp_mm {
	struct av_arch_s2_tlb tlb; /* first: the arch TLB callbacks read it */
	uint64_t next;
	uint64_t end;
};

static void *mm_zalloc(void *cookie, size_t size)
{
	struct hyp_mm *h = cookie;
	uint64_t p = (h->next + size - 1) & ~(uint64_t)(size - 1);

	if (p + size > h->end)
		return NULL;
	h->next = p + size;
	for (uint64_t *q = (uint64_t *)(uintptr_t)p; q < (uint64_t *)(uintptr_t)(p + size); q++)
		*q = 0;
	return (void *)(uintptr_t)p;
}

/* The tables live as long as the hypervisor (av_arch_mm_keep); EL2 runs on an identity map. */
static const struct av_mm_ops hyp_mm_ops = {
	.zalloc = mm_zalloc,
	.free = av_arch_mm_keep,
	AV_ARCH_MM_OPS_IDENTITY,
};

/* ---- the VM ---- */

static struct hyp_mm mm;
static struct av_s2 s2;
static struct av_vgic vgic;
static struct av_arch_gicv2 gicv2;
static struct av_ctxt ctxt __attribute__((aligned(16)));
static struct av_arch_vcpu vcpu;

/* What the checks look at. */
static struct {
	unsigned echo, sysreg, mmio_reads, mmio_writes, irqs_forwarded, other_irqs;
	uint64_t pfr0_given;
	uint32_t scratch;
	bool fp_seen_by_host;
	unsigned passed, failed;
} st;

static volatile unsigned smp_kicks, smp_ticks;
static volatile bool smp_kick_acked;

static void result(bool ok, const char *step)
{
	port_printf("%s %s\n", ok ? "PASS" : "FAIL", step);
	if (ok)
		st.passed++;
	else
		st.failed++;
}

static const char *step_name(unsigned step)
{
	switch (step) {
	case STEP_ECHO:
		return "echo-hypercall";
	case STEP_SYSREG:
		return "sysreg-trap";
	case STEP_MMIO:
		return "mmio";
	case STEP_FPSIMD:
		return "lazy-fpsimd";
	case STEP_VTIMER:
		return "vtimer-vgic";
	default:
		return "guest-exception";
	}
}

/* The hypervisor's own judgement of a step, added to the guest's. */
static bool step_checks(unsigned step)
{
	struct av_vgic_irq_state irq;

	switch (step) {
	case STEP_ECHO:
		return st.echo == 1;
	case STEP_SYSREG:
		return st.sysreg == 1;
	case STEP_MMIO:
		return st.mmio_reads == 2 && st.scratch == 0xdeadbeef;
	case STEP_FPSIMD:
		port_printf("  lazy FP/SIMD switches: %llu\n", (unsigned long long)vcpu.fp_traps);
		return vcpu.fp_traps == 2 && st.fp_seen_by_host;
	case STEP_VTIMER:
		if (av_vgic_get_irq(&vgic, 0, VTIMER_INTID, &irq) != 0)
			return false;
		/* The physical PPI stayed active from our acknowledge until the guest's EOI of
		 * the HW-linked virtual copy deactivated it. */
		port_printf("  INTID %u forwarded %u time(s); virtual active=%d pending=%d, "
			    "physical active=%d\n",
			    VTIMER_INTID, st.irqs_forwarded, irq.active, irq.pending,
			    port_irq_is_active(VTIMER_INTID));
		return st.irqs_forwarded >= 1 && !irq.active && !irq.pending &&
		       !port_irq_is_active(VTIMER_INTID);
	default:
		return false;
	}
}

/* ---- exit handlers ---- */

static uint64_t *gpr(unsigned n)
{
	static uint64_t xzr_sink;

	xzr_sink = 0;
	return n < 31 ? &ctxt.regs.x[n] : &xzr_sink;
}

static int handle_hvc(void)
{
	uint32_t fid = (uint32_t)ctxt.regs.x[0];

	switch (fid) {
	case HC_ECHO:
		st.echo++;
		ctxt.regs.x[0] = 0; /* x1-x3 come back unchanged */
		return 0;
	case PSCI_SYSTEM_OFF:
		return 1;
	default:
		ctxt.regs.x[0] = (uint64_t)AV_SMCCC_RET_NOT_SUPPORTED;
		return 0;
	}
}

static int handle_sysreg(uint64_t esr)
{
	struct av_sysreg_access acc;
	uint64_t host, limit;

	av_sysreg_decode_iss(av_esr_get_iss(esr), &acc);
	if (acc.is_write || acc.key != AV_SYS_ID_AA64PFR0_EL1) {
		port_printf("unexpected system register access %s\n", av_sysreg_name(acc.key));
		return -1;
	}
	__asm__ volatile("mrs %0, id_aa64pfr0_el1" : "=r"(host));
	limit = host;
	if (av_idreg_hide(acc.key, "SVE", &limit) != 0 ||
	    av_idreg_sanitise(acc.key, host, limit, &st.pfr0_given) != 0)
		return -1;
	port_printf("  ID_AA64PFR0_EL1: hardware %#llx, guest sees %#llx\n",
		    (unsigned long long)host, (unsigned long long)st.pfr0_given);
	*gpr(acc.rt) = st.pfr0_given;
	st.sysreg++;
	ctxt.regs.pc += 4;
	return 0;
}

static int dev_write(uint64_t off, unsigned size, uint64_t val)
{
	st.mmio_writes++;
	switch (off) {
	case DEV_SCRATCH:
		st.scratch = (uint32_t)val;
		return 0;
	case DEV_DATA:
		if (size != 8 || val != st.pfr0_given)
			st.sysreg = 0; /* the guest did not get what the trap returned */
		return 0;
	case DEV_FPFLUSH:
		/* Take the FP/SIMD registers away from the guest: its state goes to its context
		 * (where the hypervisor can now read it) and the next use traps again. */
		av_arch_fpsimd_flush(av_arch_this_cpu());
		st.fp_seen_by_host = ctxt.regs.v[0][0] == (uint64_t)GUEST_FP_PATTERN &&
				     ctxt.regs.v[31][1] == ~(uint64_t)GUEST_FP_PATTERN;
		return 0;
	case DEV_REPORT: {
		unsigned step = (unsigned)(val >> REPORT_STEP_SHIFT) & REPORT_BYTE;
		bool guest_ok = val & REPORT_OK;

		if (step == STEP_FAULT) {
			port_printf("guest exception, vector %u\n", (unsigned)(val & REPORT_BYTE));
			result(false, step_name(step));
			return 0;
		}
		result(guest_ok && step_checks(step), step_name(step));
		return 0;
	}
	default:
		return -1;
	}
}

static int handle_dabt(const struct av_arch_exit *e)
{
	struct av_esr d;
	uint64_t ipa = av_esr_fault_ipa(e->hpfar, e->far), off, val;

	if (av_esr_decode(e->esr, &d) != 0 || !d.u.dabt.isv || ipa < GUEST_DEV_IPA ||
	    ipa >= GUEST_DEV_IPA + GUEST_DEV_SIZE) {
		port_printf("unhandled data abort at IPA %#llx (ESR %#llx)\n",
			    (unsigned long long)ipa, (unsigned long long)e->esr);
		return -1;
	}
	off = ipa - GUEST_DEV_IPA;
	if (d.u.dabt.wnr) {
		val = *gpr(d.u.dabt.srt);
		if (d.u.dabt.size < 8)
			val &= (1ull << (8 * d.u.dabt.size)) - 1;
		if (dev_write(off, d.u.dabt.size, val) != 0)
			return -1;
	} else {
		st.mmio_reads++;
		if (off == DEV_ID)
			val = DEV_ID_VALUE;
		else if (off == DEV_SCRATCH)
			val = st.scratch;
		else
			return -1;
		if (d.u.dabt.sse && d.u.dabt.size < 8)
			val = (uint64_t)av_sext(val, 8 * d.u.dabt.size);
		if (!d.u.dabt.sf)
			val &= UINT32_MAX;
		*gpr(d.u.dabt.srt) = val;
	}
	ctxt.regs.pc += 4;
	return 0;
}

/* A physical IRQ ended the guest's run. The virtual timer's PPI is forwarded (HW-linked:
 * it stays active until the guest deactivates it); anything else is deactivated here. */
static void handle_irq(void)
{
	uint32_t iar = port_irq_ack();
	unsigned intid = port_irq_intid(iar);

	if (intid >= GIC_INTID_SPECIAL)
		return;
	if (intid == VTIMER_INTID) {
		av_vgic_set_level(&vgic, 0, VTIMER_INTID, true, NULL);
		st.irqs_forwarded++;
		return;
	}
	st.other_irqs++;
	port_irq_deactivate(iar);
}

static int handle_sync(const struct av_arch_exit *e)
{
	unsigned ec = av_esr_get_ec(e->esr);

	switch (ec) {
	case AV_ESR_EC_HVC64:
		return handle_hvc(); /* ELR already points past the HVC */
	case AV_ESR_EC_SYS64:
		return handle_sysreg(e->esr);
	case AV_ESR_EC_DABT_LOW:
		return handle_dabt(e);
	case AV_ESR_EC_WFX:
		/* WFI (HCR_EL2.TWI): nothing deliverable yet, so wait for a physical interrupt
		 * here; a masked one still wakes WFI, and it is taken on re-entry. */
		if (!av_vgic_has_pending(&vgic, 0))
			port_wfi();
		ctxt.regs.pc += 4;
		return 0;
	default: {
		struct av_esr d;
		char line[160] = "";

		if (av_esr_decode(e->esr, &d) == 0)
			av_esr_format(&d, line, sizeof(line));
		port_printf("unexpected exit: %s (PC %#llx)\n", line,
			    (unsigned long long)ctxt.regs.pc);
		return -1;
	}
	}
}

/* ---- setup ---- */

static int setup_stage2(const struct port_platform *p, uint64_t *vttbr)
{
	static void *mc_pages[MC_PAGES];
	struct av_memcache mc;
	struct av_s2_cfg cfg = {
		.granule = AV_S2_GRANULE_4K,
		.ipa_bits = AV_VIRT_IPA_BITS,
		.pa_bits = PA_BITS,
		.start_level = AV_S2_START_LEVEL_AUTO,
		.vmid_bits = VMID_BITS,
		.walk = AV_S2_WALK_WB_INNER,
	};
	uint64_t guest_ram;
	int rc;

	mm.next = (p->image_end + SZ_2M - 1) & ~(SZ_2M - 1);
	mm.end = p->ram_base + p->ram_size;
	guest_ram = (uint64_t)(uintptr_t)mm_zalloc(&mm, SZ_2M);
	if (!guest_ram)
		return -AV_ENOMEM;
	rc = av_s2_init(&s2, &cfg, &hyp_mm_ops, &mm, NULL);
	if (rc == 0)
		rc = av_s2_vttbr(&s2, VMID, vttbr);
	if (rc != 0)
		return rc;
	mm.tlb.vttbr = *vttbr;
	av_memcache_init(&mc, mc_pages, MC_PAGES);
	rc = av_s2_memcache_topup(&s2, &mc, MC_TOPUP);
	if (rc == 0)
		rc = av_s2_map(&s2, GUEST_RAM_IPA, GUEST_RAM_SIZE, guest_ram, AV_S2_RWX, 0, &mc, NULL);
	if (rc == 0 && p->gic_version == 2)
		/* The guest's GICC is the hardware virtual CPU interface (GICV, 8 KiB). */
		rc = av_s2_map(&s2, GUEST_GICC_IPA, GUEST_GICC_SIZE, p->gicv_base, AV_S2_RW | AV_S2_DEVICE,
			       0, &mc, NULL);
	if (rc != 0)
		return rc;

	/* The guest image, made visible to the guest's non-cacheable (MMU off) fetches. */
	{
		/* cppcheck-suppress comparePointers ; one object: the linker script's bounds */
		size_t n = (size_t)(guest_image_end - guest_image_start);
		char *dst = (char *)(uintptr_t)guest_ram;

		for (size_t i = 0; i < n; i++)
			dst[i] = guest_image_start[i];
		av_arch_dcache_clean_poc(dst, n);
		av_arch_icache_inval_all();
		port_printf("stage 2: VTCR_EL2 %#llx VTTBR_EL2 %#llx, guest RAM IPA %#x -> PA %#llx, "
			    "image %zu bytes\n",
			    (unsigned long long)av_s2_vtcr(&s2), (unsigned long long)*vttbr,
			    GUEST_RAM_IPA, (unsigned long long)guest_ram, n);
	}
	return 0;
}

/* The guest's interrupt controller as its firmware would leave it: distributor group
 * enabled, redistributor awake, the virtual timer PPI enabled and HW-linked. */
static int setup_vgic(const struct port_platform *p)
{
	struct av_vgic_config cfg = {
		.model = p->gic_version == 3 ? AV_VGIC_V3 : AV_VGIC_V2,
		.nr_vcpus = 1,
		.nr_spis = 0,
	};
	uint64_t v;
	int rc;

	if (p->gic_version == 3) {
		av_arch_gic_v3_cpu_init();
		cfg.lr_ops = &av_arch_gic_v3_lr_ops;
	} else {
		gicv2.gich = (uintptr_t)p->gich_base;
		av_arch_gic_v2_cpu_init(gicv2.gich);
		cfg.lr_ops = &av_arch_gic_v2_lr_ops;
		cfg.lr_cookie = &gicv2;
	}
	rc = av_vgic_init(&vgic, &cfg, NULL);
	if (rc != 0)
		return rc;
	if (p->gic_version == 3) {
		v = AV_GICD_CTLR_ENABLE_G1 | AV_GICD_CTLR_ARE;
		rc = av_vgic_v3_dist_access(&vgic, AV_GICD_CTLR, 4, true, &v);
		v = 0; /* GICR_WAKER: ProcessorSleep = 0 */
		if (rc == 0)
			rc = av_vgic_v3_redist_access(&vgic, 0, AV_GICR_WAKER, 4, true, &v);
		v = AV_BIT(VTIMER_INTID); /* GICR_IGROUPR0 (SGI_base), then ISENABLER0 */
		if (rc == 0)
			rc = av_vgic_v3_redist_access(&vgic, 0, AV_GICR_SGI_BASE + AV_GICD_IGROUPR, 4,
						      true, &v);
		if (rc == 0)
			rc = av_vgic_v3_redist_access(&vgic, 0, AV_GICR_SGI_BASE + AV_GICD_ISENABLER, 4,
						      true, &v);
	} else {
		v = AV_GICD_CTLR_ENABLE_G0;
		rc = av_vgic_v2_dist_access(&vgic, 0, AV_GICD_CTLR, 4, true, &v);
		v = AV_BIT(VTIMER_INTID);
		if (rc == 0)
			rc = av_vgic_v2_dist_access(&vgic, 0, AV_GICD_ISENABLER, 4, true, &v);
	}
	if (rc == 0)
		rc = av_vgic_map_hw(&vgic, 0, VTIMER_INTID, VTIMER_INTID);
	if (rc != 0)
		return rc < 0 ? rc : -AV_EINVAL;
	/* Physical side: the guest's timer PPI and the maintenance interrupt end a guest run. */
	port_irq_enable(PORT_PPI_VTIMER);
	port_irq_enable(PORT_PPI_GIC_MAINT);
	return 0;
}

static int setup_vcpu(const struct port_platform *p, uint64_t vttbr)
{
	struct av_trap_policy pol;
	unsigned pmcr_n;
	uint32_t feat = av_arch_trap_features(&pmcr_n);
	uint64_t now;
	char desc[512];
	int rc;

	av_arch_ctxt_reset(&ctxt, GUEST_RAM_IPA, p->gic_version, MPIDR_RES1);
	av_arch_vcpu_init(&vcpu, &ctxt, p->gic_version, (uintptr_t)p->gich_base);
	av_trap_policy_default_guest(&pol, feat, pmcr_n);
	rc = av_trap_policy_compute(&pol, &vcpu.traps);
	if (rc != 0)
		return rc;
	vcpu.vtcr = av_s2_vtcr(&s2);
	vcpu.vttbr = vttbr;
	__asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(now));
	vcpu.cntvoff = now; /* the guest's virtual counter starts at 0 */
	av_trap_policy_describe(&vcpu.traps, desc, sizeof(desc));
	port_puts("traps:\n");
	port_puts(desc); /* longer than one port_printf() line */
	port_puts("\n");
	return 0;
}

/* ---- the second CPU ---- */

static void hyp_irq(unsigned intid, void *cookie)
{
	(void)cookie;
	if (intid == PORT_SGI_KICK)
		__atomic_add_fetch(&smp_kicks, 1, __ATOMIC_RELAXED);
	else if (intid == PORT_PPI_HYP_TIMER)
		__atomic_add_fetch(&smp_ticks, 1, __ATOMIC_RELAXED);
}

void hyp_secondary_main(const struct port_platform *p, unsigned cpu)
{
	bool said_tick = false;

	port_printf("cpu%u: online, MPIDR %#llx, idle in WFI\n", cpu,
		    (unsigned long long)p->mpidr[cpu]);
	port_timer_arm(port_counter_freq() / SMP_TICK_HZ);
	/* Check, then WFI with IRQs masked (a pending one still wakes it), then let the
	 * interrupt in: no wake-up can fall between the check and the WFI. */
	for (;;) {
		if (smp_ticks && !said_tick) {
			said_tick = true;
			port_printf("cpu%u: EL2 timer tick\n", cpu);
		}
		if (smp_kicks && !smp_kick_acked) {
			port_printf("cpu%u: kicked\n", cpu);
			__atomic_store_n(&smp_kick_acked, true, __ATOMIC_RELEASE);
		}
		port_wfi();
		port_irq_unmask();
		__asm__ volatile("isb");
		port_irq_mask();
	}
}

static bool wait_until(volatile bool *flag, volatile unsigned *count, uint64_t ticks)
{
	uint64_t end = port_counter() + ticks;

	while (port_counter() < end) {
		if ((flag && __atomic_load_n(flag, __ATOMIC_ACQUIRE)) ||
		    (count && __atomic_load_n(count, __ATOMIC_ACQUIRE)))
			return true;
	}
	return false;
}

static void start_secondary(const struct port_platform *p)
{
	int rc;
	uint64_t end;

	if (p->ncpus < 2) {
		port_puts("only one CPU: SMP not exercised\n");
		return;
	}
	rc = port_cpu_on(p, 1);
	end = port_counter() + port_counter_freq();
	while (rc == 0 && !port_cpu_online(1) && port_counter() < end)
		;
	result(rc == 0 && port_cpu_online(1), "smp-cpu-on");
}

static void check_secondary(const struct port_platform *p)
{
	uint64_t second = port_counter_freq();

	if (p->ncpus < 2 || !port_cpu_online(1))
		return;
	result(wait_until(NULL, &smp_ticks, second), "smp-el2-timer");
	port_kick(1);
	result(wait_until(&smp_kick_acked, NULL, second), "smp-kick");
}

/* ---- main ---- */

int hyp_main(const struct port_platform *p)
{
	struct av_arch_cpu *cpu = av_arch_this_cpu();
	struct av_arch_exit exit;
	uint64_t vttbr;
	unsigned exits[NR_EXIT_KINDS] = { 0 }, n = 0;
	int rc;

	port_printf("armvirt minimal: %u CPU(s), GICv%u, RAM %#llx+%#llx\n", p->ncpus,
		    p->gic_version, (unsigned long long)p->ram_base,
		    (unsigned long long)p->ram_size);
	port_irq_set_handler(hyp_irq, NULL);
	start_secondary(p);

	rc = setup_stage2(p, &vttbr);
	if (rc == 0)
		rc = setup_vgic(p);
	if (rc == 0)
		rc = setup_vcpu(p, vttbr);
	if (rc != 0) {
		port_printf("FAIL setup: %s\n", av_strerror(rc));
		return 1;
	}

	/* The run loop: flush the vGIC, run until an exit, sync the vGIC, handle. */
	for (;;) {
		av_vgic_flush(&vgic, 0);
		unsigned kind = av_arch_vcpu_run(cpu, &vcpu, &exit);
		av_vgic_sync(&vgic, 0);
		exits[kind % NR_EXIT_KINDS]++;
		if (++n > MAX_EXITS) {
			result(false, "exit-budget");
			break;
		}
		if (kind == AV_ARCH_EXIT_IRQ) {
			handle_irq();
			continue;
		}
		if (kind != AV_ARCH_EXIT_SYNC) {
			port_printf("unexpected exit kind %u (ESR %#llx)\n", kind,
				    (unsigned long long)exit.esr);
			result(false, "exit-kind");
			break;
		}
		rc = handle_sync(&exit);
		if (rc < 0) {
			result(false, "exit-handler");
			break;
		}
		if (rc > 0) {
			result(true, "psci-system-off");
			break;
		}
	}
	av_arch_vcpu_put(cpu);
	port_printf("exits: %u sync, %u irq; guest entries %llu, lazy FP switches %llu\n",
		    exits[AV_ARCH_EXIT_SYNC], exits[AV_ARCH_EXIT_IRQ],
		    (unsigned long long)vcpu.entries, (unsigned long long)vcpu.fp_traps);

	check_secondary(p);
	if (st.passed < NR_CHECKS || st.failed) {
		port_printf("FAIL minimal: %u passed, %u failed\n", st.passed, st.failed);
		return 1;
	}
	port_printf("PASS minimal: %u checks\n", st.passed);
	return 0;
}
