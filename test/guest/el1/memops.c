/* SPDX-License-Identifier: MIT */
/*
 * memops: defined memory instructions the hypervisor does not emulate, on emulated devices
 * (the GIC distributor, the PL011) and on an IPA where nothing is mapped. Each must get a
 * data abort at EL1 (ESR_EL1.EC 0x25, FAR_EL1 the address, ELR_EL1 the instruction), never
 * an Undefined Instruction exception:
 * - exclusives and LSE atomics (LDXR, LDADD, SWP, CAS): on a device, the "unsupported
 *   exclusive or atomic access" fault, DFSC 0x35, from armvirt-bm; armvirt-vmm can only
 *   have KVM inject an external abort (KVM_SET_VCPU_EVENTS), DFSC 0x10, which the
 *   architecture permits too; on the unmapped IPA nothing answers (a decode error): an
 *   external abort, DFSC 0x10, everywhere;
 * - DC ZVA and the SIMD structure loads/stores LD1/ST1: a synchronous external abort,
 *   DFSC 0x10 (FAR, for DC ZVA, an address in the zeroed block);
 * - STXR without a reservation may fail without accessing memory (status 1) or abort.
 * Neighbours that must keep working: LDAR/STLR and LDNP are emulated; DC CIVAC completes
 * without a fault; PRFM never faults; an unaligned or page-crossing load from a device gets
 * an external abort.
 * Added for issue 18: LDAXR (as LDXR), LDP of two Q registers (32 bytes: an external abort,
 * DFSC 0x10; armvirt-vmm may emulate it on its own devices), DC CVAC / IVAC / CVAU and IC
 * IVAU (no fault anywhere), AT S1E1R / S1E1W (no fault, PAR_EL1 = the address's page), and
 * the unaligned and page-crossing loads also from the GIC distributor (armvirt-bm) and the
 * unmapped IPA. Beside a victim VM (armvirt-bm-memops_victim.bin) it runs the victim
 * protocol (rt/vlink.c).
 * Every case runs twice: MMU off (Device-nGnRnE) and MMU on with the whole space mapped as
 * Normal Non-cacheable (where DC ZVA and unaligned accesses are allowed at stage 1);
 * DC ZVA and the unaligned loads only in the second.
 */
#include "ivc.h"

const char *rt_prog = "memops";

#define RTC_BASE 0x09010000ul /* QEMU virt's PL031, as both armvirt examples place it */
#define RTC_MR   0x004
#define ID_OFF   0xfe0

#define EC_DABT_CUR 0x25u
#define EC_UNKNOWN  0x00u
#define DFSC_SEA    0x10u
#define DFSC_EXCL   0x35u
#define ESR_WNR     (1ull << 6)

/* Routines of memops_asm.S: x0 = the address, x1 = a value to store; x0 returned. */
typedef uint64_t (*op_fn)(uint64_t addr, uint64_t val);
#define OP(name) uint64_t mo_##name(uint64_t a, uint64_t v); extern const char mo_##name##_insn[]
OP(ldxr); OP(ldadd); OP(swp); OP(cas); OP(dczva); OP(ld1); OP(st1); OP(dccivac); OP(prfm);
OP(stxr); OP(ldr_w); OP(ldr_x); OP(ldaxr); OP(ldp_q); OP(dccvac); OP(dcivac); OP(dccvau);
OP(icivau);
uint64_t mo_at_s1e1r(uint64_t a, uint64_t v);
uint64_t mo_at_s1e1w(uint64_t a, uint64_t v);
uint64_t mo_ldar(uint64_t a, uint64_t v);
uint64_t mo_stlr(uint64_t a, uint64_t v);
uint64_t mo_ldnp(uint64_t a, uint64_t v);
void mo_mmu_on(uint64_t sctlr, uint64_t ttbr0, uint64_t tcr, uint64_t mair);
void mo_mmu_off(uint64_t sctlr);

enum fault { F_SEA, F_EXCL };

struct op {
	const char *name;
	op_fn fn;
	const char *insn;
	enum fault fault;
	int wnr; /* -1: not checked (atomics), else the expected ESR_EL1.WnR (armvirt-bm) */
	bool normal_only;
};

static const struct op ops[] = {
	{ "ldxr", mo_ldxr, mo_ldxr_insn, F_EXCL, 0, false },
	{ "ldaxr", mo_ldaxr, mo_ldaxr_insn, F_EXCL, 0, false },
	{ "ldadd", mo_ldadd, mo_ldadd_insn, F_EXCL, -1, false },
	{ "swp", mo_swp, mo_swp_insn, F_EXCL, -1, false },
	{ "cas", mo_cas, mo_cas_insn, F_EXCL, -1, false },
	{ "ld1", mo_ld1, mo_ld1_insn, F_SEA, 0, false },
	{ "st1", mo_st1, mo_st1_insn, F_SEA, 1, false },
	{ "ldp_q", mo_ldp_q, mo_ldp_q_insn, F_SEA, 0, false },
	{ "dc_zva", mo_dczva, mo_dczva_insn, F_SEA, 1, true },
};

struct target {
	const char *name;
	uint64_t addr;
};

static struct target targets[3];
static bool normal;        /* the MMU is on, everything Normal Non-cacheable */
static bool under_bm;      /* armvirt-bm answers ARMVIRT_HC_ECHO; armvirt-vmm (KVM) does not */
static bool have_lse;
static unsigned zva_bytes; /* 0: DC ZVA prohibited (DCZID_EL0.DZP) */

/* Translation: a 4 KiB granule, 32-bit VA (T0SZ = 32, lookup from level 1), four 1 GiB
 * blocks mapping VA = PA, attribute 0 = Normal Inner/Outer Non-cacheable. */
static uint64_t l1_table[512] __attribute__((aligned(4096)));
#define TCR_T0SZ_32 32ull
#define TCR_EPD1    (1ull << 23)
#define MAIR_NORMAL_NC 0x44ull
#define DESC_BLOCK  0x1ull
#define DESC_AF     (1ull << 10)
#define SCTLR_M     (1ull << 0)
#define SCTLR_A     (1ull << 1)

static uint64_t sctlr_off;

static void mmu(bool on)
{
	if (on)
		mo_mmu_on((sctlr_off | SCTLR_M) & ~SCTLR_A, (uint64_t)l1_table,
			  TCR_T0SZ_32 | TCR_EPD1, MAIR_NORMAL_NC);
	else
		mo_mmu_off(sctlr_off);
}

static struct rt_probe *probe(void)
{
	return &rt_probe_state[rt_cpu_index()];
}

/* fn(addr, val) under the probe, with the MMU on in Normal mode; what it returned. */
static uint64_t run(op_fn fn, uint64_t addr, uint64_t val)
{
	uint64_t ret;

	rt_probe_arm();
	if (normal)
		mmu(true);
	ret = fn(addr, val);
	if (normal)
		mmu(false);
	rt_probe_disarm();
	return ret;
}

/* "<op>_<target>_<mode>": the check's name. */
static void check_name(char *buf, size_t size, const char *op, const char *target)
{
	const char *parts[] = { op, "_", target, "_", normal ? "normal" : "device" };
	size_t n = 0;

	for (unsigned i = 0; i < 5; i++)
		for (const char *s = parts[i]; *s && n + 1 < size; s++)
			buf[n++] = *s;
	buf[n] = '\0';
}

/*
 * Off armvirt the devices are QEMU's own models, which take exclusives, atomics and
 * structure accesses: only the unmapped IPA is checked there (it aborts natively).
 */
static bool on_device_ok(const struct target *t, const char *name)
{
	if (rt_armvirt || t->addr == targets[2].addr)
		return true;
	rt_skip(name, "the emulator's own device takes the access");
	return false;
}

/* What an exclusive or atomic on @t gets: 0x35 from a device under armvirt-bm, else an
 * external abort (KVM can inject nothing else; the unmapped IPA has no device to answer). */
static uint64_t excl_dfsc(const struct target *t)
{
	return under_bm && t->addr != targets[2].addr ? DFSC_EXCL : DFSC_SEA;
}

static void check_op(const struct op *o, const struct target *t)
{
	struct rt_probe *p = probe();
	char name[48];
	uint64_t ec, dfsc, want_dfsc = DFSC_SEA, lo = t->addr, hi = t->addr;
	bool far_ok, wnr_ok = true;

	check_name(name, sizeof(name), o->name, t->name);
	if (!on_device_ok(t, name))
		return;
	if (o->fault == F_EXCL)
		want_dfsc = excl_dfsc(t);
	if (o->fn == mo_dczva) {
		lo = t->addr & ~(uint64_t)(zva_bytes - 1);
		hi = lo + zva_bytes - 1;
	}
	run(o->fn, t->addr, 0);
	ec = (p->esr >> 26) & 0x3f;
	dfsc = p->esr & 0x3f;
	far_ok = p->far >= lo && p->far <= hi;
	if (o->wnr >= 0 && under_bm)
		wnr_ok = !!(p->esr & ESR_WNR) == (o->wnr == 1);
	rt_printf("%s: %s: count %u ESR_EL1 0x%lx FAR_EL1 0x%lx ELR_EL1 0x%lx\n", rt_prog, name,
		  p->count, p->esr, p->far, p->elr);
	if (p->count == 1 && ec == EC_UNKNOWN) {
		rt_fail(name, "Undefined Instruction exception for a defined instruction");
		return;
	}
	/* armvirt-vmm may emulate a pair of Q registers on a device it emulates itself. */
	if (o->fn == mo_ldp_q && !under_bm && p->count == 0 && t->addr != targets[2].addr) {
		rt_pass(name);
		return;
	}
	rt_check(p->count == 1 && ec == EC_DABT_CUR && dfsc == want_dfsc && far_ok && wnr_ok &&
			 p->elr == (uint64_t)o->insn,
		 name, "count %u EC 0x%lx DFSC 0x%lx FAR 0x%lx ELR 0x%lx; want 1, EC 0x25, DFSC "
		 "0x%lx, FAR 0x%lx..0x%lx, ELR 0x%lx%s", p->count, ec, dfsc, p->far, p->elr,
		 want_dfsc, lo, hi, (uint64_t)o->insn, wnr_ok ? "" : ", WnR wrong");
}

static void check_stxr(const struct target *t)
{
	struct rt_probe *p = probe();
	uint64_t ec, dfsc, want = excl_dfsc(t);
	uint32_t status;
	char name[48];

	check_name(name, sizeof(name), "stxr", t->name);
	if (!on_device_ok(t, name))
		return;
	status = (uint32_t)run(mo_stxr, t->addr, 0);
	ec = (p->esr >> 26) & 0x3f;
	dfsc = p->esr & 0x3f;
	rt_printf("%s: %s: count %u status %u ESR_EL1 0x%lx FAR_EL1 0x%lx\n", rt_prog, name,
		  p->count, status, p->esr, p->far);
	if (p->count == 0) {
		rt_check(status == 1, name, "no fault but status %u: the store cannot have completed",
			 status);
		return;
	}
	rt_check(p->count == 1 && ec == EC_DABT_CUR && dfsc == want && p->far == t->addr &&
			 p->elr == (uint64_t)mo_stxr_insn,
		 name, "EC 0x%lx DFSC 0x%lx FAR 0x%lx ELR 0x%lx", ec, dfsc, p->far, p->elr);
}

/* AT S1E1R / S1E1W: stage 1 only (flat with the MMU off, the identity map with it on):
 * no fault, PAR_EL1.F clear, PAR_EL1.PA = the address's page. */
static void at_checks(void)
{
	struct rt_probe *p = probe();
	char name[48];

	for (unsigned i = 0; i < 3; i++) {
		uint64_t a = targets[i].addr, par_r, par_w;
		unsigned faults;

		par_r = run(mo_at_s1e1r, a, 0);
		faults = p->count;
		par_w = run(mo_at_s1e1w, a, 0);
		faults += p->count;
		check_name(name, sizeof(name), "at_s1e1rw", targets[i].name);
		rt_check(faults == 0 && !(par_r & 1) && !(par_w & 1) &&
				 (par_r & 0xfffffffff000ull) == (a & ~0xfffull) &&
				 (par_w & 0xfffffffff000ull) == (a & ~0xfffull),
			 name, "AT of 0x%lx: %u faults, PAR_EL1 0x%lx / 0x%lx", a, faults, par_r,
			 par_w);
	}
}

/* Instructions that must not fault, or are emulated like plain loads and stores. */
static void neighbours(void)
{
	struct rt_probe *p = probe();
	uint64_t uart_id = RT_UART_BASE + ID_OFF, v;
	unsigned faults = 0;
	char name[48];

	v = run(mo_ldar, uart_id, 0);
	check_name(name, sizeof(name), "ldar", "uart");
	rt_check(p->count == 0 && v == 0x11, name, "ldar of PL011 PeriphID0: %u faults, 0x%lx, "
		 "want 0x11", p->count, v);

	run(mo_stlr, RTC_BASE + RTC_MR, 0x600dcafe);
	v = mmio_read32(RTC_BASE + RTC_MR);
	mmio_write32(RTC_BASE + RTC_MR, 0);
	check_name(name, sizeof(name), "stlr", "rtc");
	rt_check(p->count == 0 && v == 0x600dcafe, name, "stlr to RTCMR: %u faults, RTCMR 0x%lx, "
		 "want 0x600dcafe", p->count, v);

	v = run(mo_ldnp, uart_id, 0);
	check_name(name, sizeof(name), "ldnp", "uart");
	rt_check(p->count == 0 && v == 0x0000001000000011ull, name, "ldnp of PL011 "
		 "PeriphID0/1: %u faults, 0x%lx, want 0x1000000011", p->count, v);

	for (unsigned i = 0; i < 3; i++) {
		run(mo_dccivac, targets[i].addr, 0);
		faults += p->count;
		run(mo_prfm, targets[i].addr, 0);
		faults += p->count;
	}
	check_name(name, sizeof(name), "dc_civac_prfm", "all");
	rt_check(faults == 0, name, "%u faults from DC CIVAC / PRFM on the GIC, the UART and "
		 "unmapped IPA", faults);

	faults = 0;
	for (unsigned i = 0; i < 3; i++) {
		const op_fn cmo[] = { mo_dccvac, mo_dcivac, mo_dccvau, mo_icivau };

		for (unsigned k = 0; k < sizeof(cmo) / sizeof(cmo[0]); k++) {
			run(cmo[k], targets[i].addr, 0);
			faults += p->count;
		}
	}
	check_name(name, sizeof(name), "dc_ic_maintenance", "all");
	rt_check(faults == 0, name, "%u faults from DC CVAC / IVAC / CVAU, IC IVAU on the GIC, "
		 "the UART and unmapped IPA", faults);
	at_checks();
}

/* A plain load the device refuses (Normal memory only, where the CPU makes it): an
 * external abort with FAR in [a, a + size). */
static void refused_load(const char *name, op_fn fn, const char *insn, uint64_t a,
			 unsigned size)
{
	struct rt_probe *p = probe();

	if (!rt_armvirt) {
		rt_skip(name, "the emulator's own device takes unaligned accesses");
		return;
	}
	run(fn, a, 0);
	rt_check(p->count == 1 && ((p->esr >> 26) & 0x3f) == EC_DABT_CUR &&
			 (p->esr & 0x3f) == DFSC_SEA && p->far >= a && p->far < a + size &&
			 p->elr == (uint64_t)insn,
		 name, "%u-byte load at 0x%lx: count %u ESR 0x%lx FAR 0x%lx", size, a, p->count,
		 p->esr, p->far);
}

/* Unaligned and page-crossing loads from the PL011: it takes naturally aligned accesses
 * only. */
static void unaligned(void)
{
	refused_load("unaligned_uart_normal", mo_ldr_w, mo_ldr_w_insn, RT_UART_BASE + ID_OFF + 2,
		     4);
	refused_load("page_crossing_uart_normal", mo_ldr_x, mo_ldr_x_insn, RT_UART_BASE + 0xffc,
		     8);
	/* KVM's in-kernel distributor reads an access it cannot place as 0: armvirt-bm only. */
	if (under_bm) {
		refused_load("unaligned_gicd_normal", mo_ldr_w, mo_ldr_w_insn, rt_plat.gicd + 2, 4);
		refused_load("page_crossing_gicd_normal", mo_ldr_x, mo_ldr_x_insn,
			     rt_plat.gicd + 0xffc, 8);
	} else {
		rt_printf("%s: unaligned_gicd_normal, page_crossing_gicd_normal: armvirt-bm only "
			  "(KVM's in-kernel GIC reads them as 0)\n", rt_prog);
	}
	refused_load("unaligned_unmapped_normal", mo_ldr_w, mo_ldr_w_insn, RT_UNMAPPED_IPA + 0x42,
		     4);
	refused_load("page_crossing_unmapped_normal", mo_ldr_x, mo_ldr_x_insn,
		     RT_UNMAPPED_IPA + 0xffc, 8);
}

static void all_ops(void)
{
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		const struct op *o = &ops[i];

		if (o->normal_only && !normal)
			continue;
		if (o->fault == F_EXCL && o->fn != mo_ldxr && !have_lse)
			continue;
		if (o->fn == mo_dczva && !zva_bytes)
			continue;
		for (unsigned t = 0; t < 3; t++)
			check_op(o, &targets[t]);
	}
	for (unsigned t = 0; t < 3; t++)
		check_stxr(&targets[t]);
	neighbours();
	if (normal)
		unaligned();
}

void test_main(void)
{
	struct smccc_res r = rt_hvc(ARMVIRT_HC_ECHO, 0x5a, 0xa5, 0x3c);
	uint64_t dczid = read_sysreg(dczid_el0), t0;
	bool victim = vlink_maybe_start(); /* beside a victim VM (armvirt-bm-memops_victim.bin) */

	under_bm = r.a0 == 0 && r.a1 == 0x5a;
	have_lse = field(read_sysreg(id_aa64isar0_el1), 20, 4) >= 2;
	zva_bytes = field(dczid, 4, 1) ? 0 : 4u << field(dczid, 0, 4);
	rt_printf("%s: %s, FEAT_LSE %s, DC ZVA block %u bytes\n", rt_prog,
		  under_bm ? "armvirt-bm" : "not armvirt-bm (KVM injects external aborts only)",
		  have_lse ? "yes" : "no (atomics not checked: UNDEFINED on this CPU)", zva_bytes);
	targets[0] = (struct target){ "gicd", rt_plat.gicd };
	targets[1] = (struct target){ "uart", RT_UART_BASE + ID_OFF };
	targets[2] = (struct target){ "unmapped", RT_UNMAPPED_IPA + 0x40 };
	for (unsigned i = 0; i < 4; i++)
		l1_table[i] = ((uint64_t)i << 30) | DESC_AF | DESC_BLOCK; /* AttrIndx 0 */
	sctlr_off = read_sysreg(sctlr_el1);

	t0 = rt_cntvct();
	rt_printf("%s: log window begin\n", rt_prog);
	normal = false;
	all_ops();
	normal = true;
	all_ops();
	rt_printf("%s: log window end (%lu ms)\n", rt_prog,
		  (rt_cntvct() - t0) / (read_sysreg(cntfrq_el0) / 1000));
	if (victim)
		vlink_stop();
}
