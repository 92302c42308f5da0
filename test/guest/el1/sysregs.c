/* SPDX-License-Identifier: MIT */
/*
 * sysregs: MRS and MSR of every op0=2 and op0=3 system register encoding (op1, CRn, CRm,
 * op2 all swept: 2 x 16,384 encodings, each read and written), beside a `victim` VM
 * (doc/guest-tests.md, "Hostile programs"). The instructions are generated at run time in a
 * code page, 256 at a time (made visible to instruction fetch with DC CVAU / IC IVAU),
 * and run with a synchronous exception hook: each completes, or takes an exception the
 * guest catches and skips (Undefined: EC 0x00; the architectural EL1 traps of FP/SVE/SME: EC
 * 0x07, 0x19, 0x1D; EC 0x18 for the ID space, CRn 0, with FEAT_IDST). The hypervisor must
 * neither hang nor print without bound (test/guest/hostile-log.sh counts its lines between
 * the "log window begin" and "log window end" lines).
 *
 * MSR writes back the value its MRS just read (0 when the read was Undefined), except on
 * the registers whose write would change this guest's own execution (SKIP_MSR below: EOI
 * and deactivation of interrupts the guest never acknowledged), and MRS skips the
 * registers whose read acknowledges an interrupt (SKIP_MRS). IRQs are masked during the
 * sweep. Checks:
 *  - op0_2_swept, op0_3_swept: every encoding was run; counts per direction (completed,
 *    Undefined, other trap) printed;
 *  - other_ec: no exception but those above;
 *  - id_space_raz: op0=3 op1=0 CRn=0 CRm=1..7 (the ID register space) reads complete (RAZ
 *    where unallocated), and writes to it are Undefined;
 *  - el2_el3_undef: op0=3 op1=4, 5 (EL2 and EL12/EL02 aliases) and 6 (EL3) read and
 *    write Undefined at EL1;
 *  - storm_undef: the Undefined encodings of the RAS, LORegion and SCXTNUM groups, read
 *    again in 1,000 rounds (finding 4's storm of unhandled registers), stay Undefined;
 *  - midr: the swept MRS of MIDR_EL1 returns what `mrs midr_el1` does;
 *  - guest_intact: SCTLR_EL1, VBAR_EL1, TPIDR_EL1, CPACR_EL1, TCR_EL1 unchanged;
 *  - then the victim protocol (victim_alive, victim_verifying, stop_sent).
 */
#include "ivc.h"

const char *rt_prog = "sysregs";

#define SYS_ENC(op0, op1, crn, crm, op2)                                              \
	(((uint32_t)(op0) << 19) | ((uint32_t)(op1) << 16) | ((uint32_t)(crn) << 12) | \
	 ((uint32_t)(crm) << 8) | ((uint32_t)(op2) << 5))
#define INSN_MSR 0xd5000000u /* MSR <sysreg>, x0 (L = 0) */
#define INSN_MRS 0xd5200000u /* MRS x0, <sysreg> (L = 1) */
#define INSN_RET 0xd65f03c0u
#define INSN_NOP 0xd503201fu
#define INSN_MOV_X0_X2   0xaa0203e0u /* mov x0, x2 */
#define INSN_STR_X0_POST 0xf8008420u /* str x0, [x1], #8 */
#define INSN_LDR_X0_POST 0xf8408420u /* ldr x0, [x1], #8 */
#define BATCH 256
#define SENTINEL 0x5e5e5e5e5e5e5e5eull
#define STORM_ROUNDS 1000

/* Reads that acknowledge an interrupt: ICC_IAR0_EL1, ICC_IAR1_EL1, ICC_NMIAR1_EL1. */
static const uint32_t skip_mrs[] = {
	SYS_ENC(3, 0, 12, 8, 0), SYS_ENC(3, 0, 12, 12, 0), SYS_ENC(3, 0, 12, 9, 5),
};
/* Writes that end or deactivate an interrupt: ICC_EOIR0_EL1, ICC_EOIR1_EL1, ICC_DIR_EL1. */
static const uint32_t skip_msr[] = {
	SYS_ENC(3, 0, 12, 8, 1), SYS_ENC(3, 0, 12, 12, 1), SYS_ENC(3, 0, 12, 11, 1),
};

enum { R_DONE, R_UNDEF, R_TRAP, R_SKIP, R_N };

/*
 * The code page (a page of its own: a store near code the emulator translated makes it
 * translate that page again) holds a batch of BATCH instructions, each in a slot: MRS
 * slots `mov x0, x2; mrs x0, <reg>; str x0, [x1], #8` (x2 = SENTINEL), MSR slots
 * `ldr x0, [x1], #8; msr <reg>, x0`, then `ret`. The sync hook records which slots faulted.
 */
static uint32_t code[1024] __attribute__((aligned(4096)));
static unsigned slot_words;
static uint64_t vals[BATCH];
static uint32_t fault_esr[BATCH];
static uint8_t faulted[BATCH];
static unsigned counts[2][2][R_N];   /* [op0 - 2][is MRS][result] */
static unsigned other_ec, id_bad, el23_bad;
static uint32_t first_other, first_other_esr, first_id_bad, first_el23_bad;
static uint64_t midr_swept = SENTINEL;
static uint8_t undef_mrs[16384 / 8 / 8]; /* op0=3 op1=0 encodings whose MRS was Undefined */

static bool bitmap_get(const uint8_t *b, uint32_t i) { return (b[i / 8] >> (i % 8)) & 1; }

static bool listed(const uint32_t *l, unsigned n, uint32_t enc)
{
	for (unsigned i = 0; i < n; i++)
		if (l[i] == enc)
			return true;
	return false;
}

static bool batch_fault(struct rt_frame *f)
{
	uint64_t base = (uint64_t)code, off = f->elr - base;

	if (f->elr < base || off >= sizeof(code) || !slot_words)
		return false;
	faulted[off / 4 / slot_words] = 1;
	fault_esr[off / 4 / slot_words] = (uint32_t)f->esr;
	f->elr += 4;
	return true;
}

/* Writes n slots (MRS or MSR of encs[], NOP where skip[] says) and makes them fetchable. */
static void load_batch(const uint32_t *encs, const bool *skip, unsigned n, bool mrs)
{
	unsigned w = 0;

	slot_words = mrs ? 3 : 2;
	for (unsigned k = 0; k < n; k++) {
		uint32_t insn = skip[k] ? INSN_NOP : (mrs ? INSN_MRS : INSN_MSR) | encs[k];

		if (mrs) {
			code[w++] = INSN_MOV_X0_X2;
			code[w++] = insn;
			code[w++] = INSN_STR_X0_POST;
		} else {
			code[w++] = INSN_LDR_X0_POST;
			code[w++] = insn;
		}
	}
	code[w++] = INSN_RET;
	for (unsigned i = 0; i < w; i += 16)
		__asm__ volatile("dc cvau, %0" : : "r"(&code[i]) : "memory");
	dsb(ish);
	for (unsigned i = 0; i < w; i += 16)
		__asm__ volatile("ic ivau, %0" : : "r"(&code[i]) : "memory");
	dsb(ish);
	isb();
}

/* Runs the loaded batch: vals[] in (MSR) or out (MRS); faulted[] / fault_esr[] per slot. */
static void run_batch(void)
{
	memset(faulted, 0, sizeof(faulted));
	{
		register uint64_t x1 __asm__("x1") = (uint64_t)vals;
		register uint64_t x2 __asm__("x2") = SENTINEL;

		__asm__ volatile("blr %2"
				 : "+r"(x1)
				 : "r"(x2), "r"(code)
				 : "x0", "x30", "cc", "memory");
	}
}

static unsigned result(unsigned k)
{
	if (!faulted[k])
		return R_DONE;
	return (fault_esr[k] >> 26) == 0 ? R_UNDEF : R_TRAP;
}

static void note(unsigned op0, bool mrs, uint32_t enc, unsigned res, uint64_t esr)
{
	unsigned op1 = (enc >> 16) & 7, crn = (enc >> 12) & 15, crm = (enc >> 8) & 15;
	unsigned ec = (unsigned)(esr >> 26);

	counts[op0 - 2][mrs][res]++;
	/* EC 0x18 at EL1 only for the ID space (FEAT_IDST). */
	if (res == R_TRAP && ec != 0x07 && ec != 0x19 && ec != 0x1d &&
	    !(ec == 0x18 && op0 == 3 && crn == 0)) {
		if (!other_ec++) {
			first_other = enc | (mrs ? INSN_MRS : INSN_MSR);
			first_other_esr = (uint32_t)esr;
		}
	}
	if (op0 == 3 && op1 == 0 && crn == 0 && crm >= 1 && crm <= 7 &&
	    (mrs ? res != R_DONE : res != R_UNDEF)) {
		if (!id_bad++)
			first_id_bad = enc | (mrs ? INSN_MRS : INSN_MSR);
	}
	if (op0 == 3 && op1 >= 4 && op1 <= 6 && res != R_UNDEF && res != R_SKIP) {
		if (!el23_bad++)
			first_el23_bad = enc | (mrs ? INSN_MRS : INSN_MSR);
	}
}

static void sweep(unsigned op0)
{
	uint32_t encs[BATCH];
	bool skip[BATCH];

	for (uint32_t i0 = 0; i0 < 16384; i0 += BATCH) {
		for (unsigned k = 0; k < BATCH; k++) {
			encs[k] = SYS_ENC(op0, 0, 0, 0, 0) | ((i0 + k) << 5);
			skip[k] = listed(skip_mrs, sizeof(skip_mrs) / sizeof(skip_mrs[0]), encs[k]);
		}
		load_batch(encs, skip, BATCH, true);
		run_batch();
		for (unsigned k = 0; k < BATCH; k++) {
			unsigned res = skip[k] ? R_SKIP : result(k), i = i0 + k;

			note(op0, true, encs[k], res, fault_esr[k]);
			if (op0 == 3 && i < 16384 / 8 && res == R_UNDEF)
				undef_mrs[i / 8] |= (uint8_t)(1u << (i % 8));
			if (encs[k] == SYS_ENC(3, 0, 0, 0, 0))
				midr_swept = res == R_DONE ? vals[k] : SENTINEL;
			/* MSR writes back what MRS read; 0 where the read was Undefined. */
			if (res != R_DONE)
				vals[k] = 0;
			skip[k] = listed(skip_msr, sizeof(skip_msr) / sizeof(skip_msr[0]), encs[k]);
		}
		load_batch(encs, skip, BATCH, false);
		run_batch();
		for (unsigned k = 0; k < BATCH; k++)
			note(op0, false, encs[k], skip[k] ? R_SKIP : result(k), fault_esr[k]);
	}
}

/*
 * The unhandled-register storm of issue 18 finding 4: the op0=3 op1=0 encodings of the
 * groups hypervisors trap as a whole (RAS ERR*: CRn 5 CRm 3..5; LORegions: CRn 10 CRm 4;
 * SCXTNUM: CRn 13 CRm 0) whose MRS was Undefined, read again in STORM_ROUNDS rounds, one
 * register after the other. Returns the accesses; any that completes is counted in *done.
 */
static unsigned storm(unsigned *done)
{
	uint32_t encs[BATCH];
	bool skip[BATCH];
	unsigned n = 0;

	for (uint32_t i = 0; i < 16384 / 8 && n < BATCH; i++) {
		uint32_t enc = SYS_ENC(3, 0, 0, 0, 0) | (i << 5);
		unsigned crn = (enc >> 12) & 15, crm = (enc >> 8) & 15;

		if (bitmap_get(undef_mrs, i) &&
		    ((crn == 5 && crm >= 3 && crm <= 5) || (crn == 10 && crm == 4) ||
		     (crn == 13 && crm == 0))) {
			skip[n] = false;
			encs[n++] = enc;
		}
	}
	load_batch(encs, skip, n, true);
	for (unsigned round = 0; round < STORM_ROUNDS; round++) {
		run_batch();
		for (unsigned k = 0; k < n; k++)
			*done += result(k) != R_UNDEF;
	}
	return n * STORM_ROUNDS;
}

static void report(unsigned op0)
{
	char name[16] = "op0_N_swept";
	unsigned total = 0;

	for (unsigned d = 0; d < 2; d++) {
		const unsigned *c = counts[op0 - 2][1 - d];

		rt_printf("%s: op0=%u %s: %u completed, %u UNDEF, %u EL1 trap, %u skipped\n", rt_prog,
			  op0, d ? "MSR" : "MRS", c[R_DONE], c[R_UNDEF], c[R_TRAP], c[R_SKIP]);
		for (unsigned r = 0; r < R_N; r++)
			total += c[r];
	}
	name[4] = (char)('0' + op0);
	rt_check(total == 2 * 16384, name, "%u of %u instructions run", total, 2 * 16384);
}

void test_main(void)
{
	uint64_t sctlr = read_sysreg(sctlr_el1), vbar = read_sysreg(vbar_el1);
	uint64_t tpidr = read_sysreg(tpidr_el1), cpacr = read_sysreg(cpacr_el1);
	uint64_t tcr = read_sysreg(tcr_el1), t0, ms;
	unsigned storm_n, storm_done = 0;
	bool use_ivc = ivc_start();

	if (use_ivc)
		vlink_start();
	irq_disable();
	rt_sync_hook[rt_cpu_index()] = batch_fault;
	t0 = rt_cntvct();
	rt_printf("%s: log window begin\n", rt_prog);
	sweep(2);
	sweep(3);
	storm_n = storm(&storm_done);
	ms = ticks_to_us(rt_cntvct() - t0) / 1000;
	rt_printf("%s: log window end (%lu ms)\n", rt_prog, ms);
	rt_sync_hook[rt_cpu_index()] = 0;
	slot_words = 0;
	irq_enable();
	report(2);
	report(3);
	rt_printf("%s: storm: %u reads of Undefined RAS/LOR/SCXTNUM registers in %u rounds\n", rt_prog,
		  storm_n, STORM_ROUNDS);
	rt_check(storm_done == 0 && storm_n > 0, "storm_undef",
		 "%u of %u repeated reads not Undefined", storm_done, storm_n);
	rt_check(other_ec == 0, "other_ec", "%u exception(s) of another class, first %08x ESR 0x%x",
		 other_ec, first_other, first_other_esr);
	rt_check(id_bad == 0, "id_space_raz",
		 "%u ID-space access(es) not as the architecture says (reads complete, writes "
		 "UNDEF), first %08x", id_bad, first_id_bad);
	rt_check(el23_bad == 0, "el2_el3_undef", "%u EL2/EL3 access(es) not UNDEF, first %08x",
		 el23_bad, first_el23_bad);
	rt_check(midr_swept == read_sysreg(midr_el1), "midr", "swept MRS MIDR_EL1 0x%lx, want 0x%lx",
		 midr_swept, read_sysreg(midr_el1));
	rt_check(read_sysreg(sctlr_el1) == sctlr && read_sysreg(vbar_el1) == vbar &&
		 read_sysreg(tpidr_el1) == tpidr && read_sysreg(cpacr_el1) == cpacr &&
		 read_sysreg(tcr_el1) == tcr, "guest_intact",
		 "SCTLR 0x%lx VBAR 0x%lx TPIDR 0x%lx CPACR 0x%lx TCR 0x%lx changed",
		 read_sysreg(sctlr_el1), read_sysreg(vbar_el1), read_sysreg(tpidr_el1),
		 read_sysreg(cpacr_el1), read_sysreg(tcr_el1));
	if (use_ivc)
		vlink_stop();
}
