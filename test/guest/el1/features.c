/* SPDX-License-Identifier: MIT */
/*
 * features: SVE and pointer authentication as the ID registers announce them, and as the
 * instructions behave. A feature the ID registers show must work; a hidden one must be
 * UNDEFINED (ESR_EL1.EC 0), its registers too:
 *
 *  - SVE (ID_AA64PFR0_EL1.SVE): with CPACR_EL1.ZEN = 0b11, RDVL and ZCR_EL1 work; ZCR_EL1.LEN
 *    = 15 gives the largest vector length (a multiple of 128 bits, at most 2048), LEN = 0
 *    gives 128 bits. Hidden: RDVL and MRS ZCR_EL1 are UNDEFINED, ID_AA64ZFR0_EL1 reads 0.
 *  - Address authentication (ID_AA64ISAR1_EL1.APA/API, ID_AA64ISAR2_EL1.APA3): with a key
 *    and SCTLR_EL1.EnIA, PACIA changes a pointer and AUTIA restores it; AUTIA with another
 *    modifier does not. Hidden: PACIA (with SCTLR_EL1.EnIA set) and APIAKeyLo_EL1 are
 *    UNDEFINED.
 *  - Generic authentication (GPA/GPI, GPA3): PACGA gives a code in bits 63:32 that depends
 *    on the modifier. Hidden: PACGA is UNDEFINED.
 *
 * The bootargs may state what the VM must offer (the kvm tests pass them): "expect-sve=0|1",
 * "expect-sve-vl=BITS", "expect-pauth=0|1". The line "features: sve=... sve_vl=...
 * pauth_addr=... pauth_gen=..." reports what was found.
 */
#include "rt.h"

const char *rt_prog = "features";

#define ESR_EC(esr) field(esr, 26, 6)
#define CPACR_ZEN (3ull << 16)
#define SCTLR_ENIA (1ull << 31)

/* Instructions by encoding, so any assembler builds them. */
#define INSN_RDVL_X0_1 ".inst 0x04bf5020\n"   /* rdvl  x0, #1 */
#define INSN_PACIA_X0_X1 ".inst 0xdac10020\n" /* pacia x0, x1 */
#define INSN_AUTIA_X0_X1 ".inst 0xdac11020\n" /* autia x0, x1 */
#define INSN_PACGA_X0_X1_X2 ".inst 0x9ac23020\n" /* pacga x0, x1, x2 */

/* The outcome of one probed instruction: its exception (count, ESR) and x0 after it. */
struct outcome {
	unsigned faults;
	uint64_t esr;
	uint64_t x0;
};

static struct rt_probe *probe(void)
{
	return &rt_probe_state[rt_cpu_index()];
}

static void begin(void)
{
	rt_probe_arm();
}

static struct outcome end(uint64_t x0)
{
	struct outcome o = { probe()->count, probe()->esr, x0 };

	rt_probe_disarm();
	return o;
}

/* x0 = in0, x1 = in1, x2 = in2, then one instruction; x0 afterwards. */
static struct outcome run3(int which, uint64_t in0, uint64_t in1, uint64_t in2)
{
	uint64_t out;

	begin();
	__asm__ volatile("mov x0, %1\n\tmov x1, %2\n\tmov x2, %3\n\t"
			 "cmp %4, #1\n\tb.eq 1f\n\tcmp %4, #2\n\tb.eq 2f\n\t"
			 "cmp %4, #3\n\tb.eq 3f\n\t"
			 INSN_RDVL_X0_1 "\tb 9f\n"
			 "1:\t" INSN_PACIA_X0_X1 "\tb 9f\n"
			 "2:\t" INSN_AUTIA_X0_X1 "\tb 9f\n"
			 "3:\t" INSN_PACGA_X0_X1_X2
			 "9:\tmov %0, x0"
			 : "=r"(out)
			 : "r"(in0), "r"(in1), "r"(in2), "r"((uint64_t)which)
			 : "x0", "x1", "x2", "cc", "memory");
	return end(out);
}

enum { RDVL, PACIA, AUTIA, PACGA };

static struct outcome read_zcr(void)
{
	uint64_t v = 0;

	begin();
	__asm__ volatile("mrs %0, s3_0_c1_c2_0" : "+r"(v) : : "memory");
	return end(v);
}

static struct outcome write_zcr(uint64_t v)
{
	begin();
	__asm__ volatile("msr s3_0_c1_c2_0, %0\n\tisb" : : "r"(v) : "memory");
	return end(0);
}

static struct outcome read_apiakeylo(void)
{
	uint64_t v = 0;

	begin();
	__asm__ volatile("mrs %0, s3_0_c2_c1_0" : "+r"(v) : : "memory");
	return end(v);
}

static bool is_undef(const struct outcome *o)
{
	return o->faults == 1 && ESR_EC(o->esr) == 0;
}

static bool no_fault(const struct outcome *o)
{
	return o->faults == 0;
}

/* ---- expectations from the bootargs ---- */

struct expect {
	int sve, sve_vl, pauth; /* -1: not stated */
};

static void bootargs_prop(const struct rt_dt_node *n, const char *name, const uint8_t *val,
			  uint32_t len, void *ctx)
{
	static const char *const keys[] = { "expect-sve=", "expect-sve-vl=", "expect-pauth=" };
	struct expect *e = ctx;
	int *out[] = { &e->sve, &e->sve_vl, &e->pauth };

	if (n->depth != 1 || strcmp(n->name, "chosen") || strcmp(name, "bootargs"))
		return;
	for (uint32_t i = 0; i < len; i++) {
		if (i && val[i - 1] != ' ')
			continue;
		for (unsigned k = 0; k < 3; k++) {
			const char *key = keys[k];
			uint32_t j = 0;
			int v = 0;

			while (key[j] && i + j < len && val[i + j] == (uint8_t)key[j])
				j++;
			if (key[j])
				continue;
			while (i + j < len && val[i + j] >= '0' && val[i + j] <= '9')
				v = v * 10 + (val[i + j++] - '0');
			*out[k] = v;
		}
	}
}

static void read_expectations(struct expect *e)
{
	struct rt_dt_walker w = { .prop = bootargs_prop, .ctx = e };

	e->sve = e->sve_vl = e->pauth = -1;
	rt_dt_walk(rt_plat.dtb, &w, NULL);
}

/* ---- SVE ---- */

/* The vector length in bits for ZCR_EL1.LEN = len (RDVL after the write), 0 on a fault. */
static unsigned vl_for_len(uint64_t len)
{
	struct outcome w = write_zcr(len), r;

	if (!no_fault(&w))
		return 0;
	r = run3(RDVL, 0, 0, 0);
	return no_fault(&r) ? (unsigned)r.x0 * 8 : 0;
}

static unsigned check_sve(const struct expect *e)
{
	uint64_t pfr0 = read_sysreg(id_aa64pfr0_el1);
	uint64_t zfr0 = read_sysreg(s3_0_c0_c4_4);
	bool sve = field(pfr0, 32, 4) != 0;
	unsigned vl_max = 0;
	struct outcome o;

	write_sysreg(cpacr_el1, read_sysreg(cpacr_el1) | CPACR_ZEN);
	isb();
	if (sve) {
		o = read_zcr();
		rt_check(no_fault(&o), "zcr_readable", "MRS ZCR_EL1: %u exceptions, ESR 0x%lx",
			 o.faults, o.esr);
		o = run3(RDVL, 0, 0, 0);
		rt_check(no_fault(&o) && o.x0 >= 16 && o.x0 % 16 == 0 && o.x0 <= 256, "rdvl",
			 "RDVL #1: %u exceptions (ESR 0x%lx), %lu bytes", o.faults, o.esr, o.x0);
		vl_max = vl_for_len(15);
		rt_check(vl_max >= 128 && vl_max % 128 == 0 && vl_max <= 2048, "vl_max",
			 "ZCR_EL1.LEN = 15 gives %u bits", vl_max);
		o = read_zcr();
		rt_check(no_fault(&o) && field(o.x0, 0, 4) == 15, "zcr_len",
			 "ZCR_EL1 reads 0x%lx after LEN = 15", o.x0);
		rt_check(vl_for_len(0) == 128, "vl_min", "ZCR_EL1.LEN = 0 does not give 128 bits");
		vl_for_len(15);
	} else {
		o = run3(RDVL, 0, 0, 0);
		rt_check(is_undef(&o), "sve_undef",
			 "SVE hidden but RDVL gave %u exceptions (ESR 0x%lx), x0 = %lu", o.faults,
			 o.esr, o.x0);
		o = read_zcr();
		rt_check(is_undef(&o), "zcr_undef",
			 "SVE hidden but MRS ZCR_EL1 gave %u exceptions (ESR 0x%lx)", o.faults,
			 o.esr);
		rt_check(zfr0 == 0, "zfr0_raz", "SVE hidden but ID_AA64ZFR0_EL1 = 0x%lx", zfr0);
	}
	if (e->sve >= 0)
		rt_check(sve == (e->sve != 0), "expect_sve", "SVE %s, the bootargs expect %s",
			 sve ? "present" : "absent", e->sve ? "it" : "none");
	if (e->sve_vl >= 0)
		rt_check(vl_max == (unsigned)e->sve_vl, "expect_sve_vl",
			 "largest vector length %u bits, the bootargs expect %d", vl_max,
			 e->sve_vl);
	return vl_max;
}

/* ---- pointer authentication ---- */

static void check_pauth_addr(void)
{
	const uint64_t ptr = 0x0000123456789ab0ull, mod = 0x42;
	uint64_t sctlr = read_sysreg(sctlr_el1);
	struct outcome pac, aut, bad;

	write_sysreg(s3_0_c2_c1_0, 0x0123456789abcdefull); /* APIAKeyLo_EL1 */
	write_sysreg(s3_0_c2_c1_1, 0xfedcba9876543210ull); /* APIAKeyHi_EL1 */
	write_sysreg(sctlr_el1, sctlr | SCTLR_ENIA);
	isb();
	pac = run3(PACIA, ptr, mod, 0);
	aut = run3(AUTIA, pac.x0, mod, 0);
	bad = run3(AUTIA, pac.x0, mod + 1, 0);
	write_sysreg(sctlr_el1, sctlr);
	isb();
	rt_check(no_fault(&pac) && pac.x0 != ptr && (pac.x0 & 0xffffffffffffull) == ptr,
		 "pacia", "PACIA: %u exceptions (ESR 0x%lx), 0x%lx -> 0x%lx", pac.faults,
		 pac.esr, ptr, pac.x0);
	rt_check(no_fault(&aut) && aut.x0 == ptr, "autia",
		 "AUTIA: %u exceptions (ESR 0x%lx), 0x%lx, want 0x%lx", aut.faults, aut.esr,
		 aut.x0, ptr);
	/* FEAT_FPAC makes the failure an exception (EC 0x1C); otherwise the pointer is spoilt. */
	rt_check(bad.faults ? ESR_EC(bad.esr) == 0x1c : bad.x0 != ptr, "autia_wrong_modifier",
		 "AUTIA with another modifier: %u exceptions (ESR 0x%lx), 0x%lx", bad.faults,
		 bad.esr, bad.x0);
}

static void check_pauth_generic(void)
{
	struct outcome a, b;

	write_sysreg(s3_0_c2_c3_0, 0x1111222233334444ull); /* APGAKeyLo_EL1 */
	write_sysreg(s3_0_c2_c3_1, 0x5555666677778888ull); /* APGAKeyHi_EL1 */
	isb();
	a = run3(PACGA, 0, 0x1234, 0x5678);
	b = run3(PACGA, 0, 0x1234, 0x5679);
	rt_check(no_fault(&a) && no_fault(&b) && (a.x0 & 0xffffffffull) == 0 && a.x0 != b.x0,
		 "pacga", "PACGA: %u+%u exceptions (ESR 0x%lx), codes 0x%lx / 0x%lx", a.faults,
		 b.faults, a.esr | b.esr, a.x0, b.x0);
}

static void check_pauth(const struct expect *e, bool *addr_out, bool *gen_out)
{
	uint64_t isar1 = read_sysreg(id_aa64isar1_el1);
	uint64_t isar2 = read_sysreg(s3_0_c0_c6_2);
	bool addr = field(isar1, 4, 4) || field(isar1, 8, 4) || field(isar2, 12, 4);
	bool gen = field(isar1, 24, 4) || field(isar1, 28, 4) || field(isar2, 8, 4);
	struct outcome o;

	if (addr) {
		check_pauth_addr();
	} else {
		/*
		 * With SCTLR_EL1.EnIA = 0 a CPU that has the feature makes PACIA a NOP before any
		 * trap to EL2 applies, so the hidden case is checked with EnIA set (RES0 on a CPU
		 * without the feature, which makes PACIA UNDEFINED either way).
		 */
		uint64_t sctlr = read_sysreg(sctlr_el1);

		write_sysreg(sctlr_el1, sctlr | SCTLR_ENIA);
		isb();
		o = run3(PACIA, 0x1000, 0, 0);
		write_sysreg(sctlr_el1, sctlr);
		isb();
		rt_check(is_undef(&o), "pacia_undef",
			 "no address authentication but PACIA gave %u exceptions (ESR 0x%lx)",
			 o.faults, o.esr);
		o = read_apiakeylo();
		rt_check(is_undef(&o), "apiakey_undef",
			 "no address authentication but MRS APIAKeyLo_EL1 gave %u exceptions "
			 "(ESR 0x%lx)", o.faults, o.esr);
	}
	if (gen) {
		check_pauth_generic();
	} else {
		o = run3(PACGA, 0, 1, 2);
		rt_check(is_undef(&o), "pacga_undef",
			 "no generic authentication but PACGA gave %u exceptions (ESR 0x%lx)",
			 o.faults, o.esr);
	}
	/* KVM and armvirt offer the two together. */
	rt_check(addr == gen, "pauth_pair", "address authentication %u, generic %u", addr, gen);
	if (e->pauth >= 0)
		rt_check(addr == (e->pauth != 0), "expect_pauth",
			 "pointer authentication %s, the bootargs expect %s",
			 addr ? "present" : "absent", e->pauth ? "it" : "none");
	*addr_out = addr;
	*gen_out = gen;
}

void test_main(void)
{
	struct expect e;
	unsigned vl;
	bool addr, gen;

	read_expectations(&e);
	vl = check_sve(&e);
	check_pauth(&e, &addr, &gen);
	rt_printf("%s: sve=%u sve_vl=%u pauth_addr=%u pauth_gen=%u\n", rt_prog, vl != 0, vl, addr,
		  gen);
}
