/* SPDX-License-Identifier: MIT */
/* Unit tests: trap policy → HCR_EL2/CPTR_EL2/MDCR_EL2/HSTR_EL2, and the sensitive table.
 *
 * Bit positions are written here as plain numbers taken from the Arm ARM register
 * descriptions (HCR_EL2, CPTR_EL2 in both layouts, MDCR_EL2, HSTR_EL2), not from the
 * library's macros, so that a wrong macro or a wrong table row fails a test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/esr.h>
#include <armvirt/traps.h>
#include <armvirt/types.h>

#define B(n) (UINT64_C(1) << (n))

/* ---------------------------------------------------------------------------------------
 * Independent expectations
 * ------------------------------------------------------------------------------------- */

/* Where each policy control lives, in the E2H=0 and E2H=1 layouts. */
struct expect {
	enum av_trap_ctl ctl;
	enum av_trap_reg reg;
	uint64_t mask0;
	enum av_trap_polarity pol0;
	uint64_t mask1;
	enum av_trap_polarity pol1;
};

#define S AV_TRAP_WHEN_SET
#define C AV_TRAP_WHEN_CLEAR
#define HCR AV_TRAP_REG_HCR
#define CPTR AV_TRAP_REG_CPTR
#define MDCR AV_TRAP_REG_MDCR

static const struct expect expects[] = {
	{ AV_TRAP_CTL_WFI, HCR, B(13), S, B(13), S },
	{ AV_TRAP_CTL_WFE, HCR, B(14), S, B(14), S },
	{ AV_TRAP_CTL_ID0, HCR, B(15), S, B(15), S },
	{ AV_TRAP_CTL_ID1, HCR, B(16), S, B(16), S },
	{ AV_TRAP_CTL_ID2, HCR, B(17), S, B(17), S },
	{ AV_TRAP_CTL_ID3, HCR, B(18), S, B(18), S },
	{ AV_TRAP_CTL_SMC, HCR, B(19), S, B(19), S },
	{ AV_TRAP_CTL_IMPDEF, HCR, B(20), S, B(20), S },
	{ AV_TRAP_CTL_ACTLR, HCR, B(21), S, B(21), S },
	{ AV_TRAP_CTL_SETWAY, HCR, B(22), S, B(22), S },
	{ AV_TRAP_CTL_CMO_POC, HCR, B(23), S, B(23), S },
	{ AV_TRAP_CTL_CMO_POU, HCR, B(24), S, B(24), S },
	{ AV_TRAP_CTL_TLBI, HCR, B(25), S, B(25), S },
	{ AV_TRAP_CTL_VM_WRITE, HCR, B(26), S, B(26), S },
	{ AV_TRAP_CTL_DC_ZVA, HCR, B(28), S, B(28), S },
	{ AV_TRAP_CTL_VM_READ, HCR, B(30), S, B(30), S },
	{ AV_TRAP_CTL_LOR, HCR, B(35), S, B(35), S },
	{ AV_TRAP_CTL_RAS, HCR, B(36), S, B(36), S },
	{ AV_TRAP_CTL_EXT_ABORT, HCR, B(37), S, B(37), S },
	{ AV_TRAP_CTL_PAC_KEYS, HCR, B(40), C, B(40), C },
	{ AV_TRAP_CTL_PAC_INSN, HCR, B(41), C, B(41), C },
	{ AV_TRAP_CTL_ID4, HCR, B(49), S, B(49), S },
	{ AV_TRAP_CTL_ICAB, HCR, B(50), S, B(50), S },
	{ AV_TRAP_CTL_CMO_OCU, HCR, B(52), S, B(52), S },
	{ AV_TRAP_CTL_TLBI_IS, HCR, B(54), S, B(54), S },
	{ AV_TRAP_CTL_TLBI_OS, HCR, B(55), S, B(55), S },
	{ AV_TRAP_CTL_PMCR, MDCR, B(5), S, B(5), S },
	{ AV_TRAP_CTL_PMU, MDCR, B(6), S, B(6), S },
	{ AV_TRAP_CTL_DEBUG_ROUTE, MDCR, B(8), S, B(8), S },
	{ AV_TRAP_CTL_DEBUG, MDCR, B(9), S, B(9), S },
	{ AV_TRAP_CTL_DEBUG_OS, MDCR, B(10), S, B(10), S },
	{ AV_TRAP_CTL_DEBUG_ROM, MDCR, B(11), S, B(11), S },
	{ AV_TRAP_CTL_SPE, MDCR, B(14), S, B(14), S },
	{ AV_TRAP_CTL_TRACE_FILTER, MDCR, B(19), S, B(19), S },
	{ AV_TRAP_CTL_SVE, CPTR, B(8), S, B(17) | B(16), C },
	{ AV_TRAP_CTL_FP, CPTR, B(10), S, B(21) | B(20), C },
	{ AV_TRAP_CTL_SME, CPTR, B(12), S, B(25) | B(24), C },
	{ AV_TRAP_CTL_TRACE, CPTR, B(20), S, B(28), S },
	{ AV_TRAP_CTL_AMU, CPTR, B(30), S, B(30), S },
	{ AV_TRAP_CTL_CPACR, CPTR, B(31), S, B(31), S },
	{ AV_TRAP_CTL_HSTR, AV_TRAP_REG_HSTR, 0xBFEF, S, 0xBFEF, S },
};

static const struct expect *find_expect(enum av_trap_ctl ctl)
{
	for (size_t i = 0; i < sizeof(expects) / sizeof(expects[0]); i++)
		if (expects[i].ctl == ctl)
			return &expects[i];
	return NULL;
}

/* The exception classes the Arm ARM defines (ESR_ELx.EC), plus 0 for "no trap". */
static const unsigned defined_ecs[] = {
	0x00, 0x01, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x0E,
	0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E,
	0x1F, 0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x2C, 0x2D, 0x2F, 0x30,
	0x31, 0x32, 0x33, 0x34, 0x35, 0x38, 0x3A, 0x3C, 0x3D,
};

static bool ec_defined(unsigned ec)
{
	for (size_t i = 0; i < sizeof(defined_ecs) / sizeof(defined_ecs[0]); i++)
		if (defined_ecs[i] == ec)
			return true;
	return false;
}

/* Bits with a trap control in each register (for "masks within the defined bits"). */
static const uint64_t hcr_trap_bits = B(13) | B(14) | B(15) | B(16) |
	B(17) | B(18) | B(19) | B(20) | B(21) | B(22) | B(23) | B(24) | B(25) | B(26) | B(28) |
	B(30) | B(35) | B(36) | B(37) | B(40) | B(41) | B(49) | B(50) | B(52) | B(54) | B(55);
static const uint64_t cptr0_trap_bits = B(8) | B(10) | B(12) | B(20) | B(30) | B(31);
static const uint64_t cptr1_trap_bits = B(16) | B(17) | B(20) | B(21) | B(24) | B(25) |
	B(28) | B(30) | B(31);
static const uint64_t mdcr_trap_bits = B(5) | B(6) | B(8) | B(9) | B(10) | B(11) | B(14) |
	B(19);

static uint64_t reg_value(const struct av_el2_traps *t, enum av_trap_reg reg)
{
	switch (reg) {
	case AV_TRAP_REG_HCR: return t->hcr_el2;
	case AV_TRAP_REG_CPTR: return t->cptr_el2;
	case AV_TRAP_REG_MDCR: return t->mdcr_el2;
	case AV_TRAP_REG_HSTR: return t->hstr_el2;
	default: fail_msg("no register"); return 0;
	}
}

/* ---------------------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------------------- */

static void test_bit_positions(void **state)
{
	(void)state;
	/* HCR_EL2 */
	assert_true(AV_HCR_VM == B(0));
	assert_true(AV_HCR_SWIO == B(1));
	assert_true(AV_HCR_FMO == B(3));
	assert_true(AV_HCR_IMO == B(4));
	assert_true(AV_HCR_AMO == B(5));
	assert_true(AV_HCR_FB == B(9));
	assert_true(AV_HCR_BSU == (B(11) | B(10)));
	assert_true(AV_HCR_TWI == B(13));
	assert_true(AV_HCR_TWE == B(14));
	assert_true(AV_HCR_TID0 == B(15));
	assert_true(AV_HCR_TID1 == B(16));
	assert_true(AV_HCR_TID2 == B(17));
	assert_true(AV_HCR_TID3 == B(18));
	assert_true(AV_HCR_TSC == B(19));
	assert_true(AV_HCR_TIDCP == B(20));
	assert_true(AV_HCR_TACR == B(21));
	assert_true(AV_HCR_TSW == B(22));
	assert_true(AV_HCR_TPCP == B(23));
	assert_true(AV_HCR_TPU == B(24));
	assert_true(AV_HCR_TTLB == B(25));
	assert_true(AV_HCR_TVM == B(26));
	assert_true(AV_HCR_TGE == B(27));
	assert_true(AV_HCR_TDZ == B(28));
	assert_true(AV_HCR_TRVM == B(30));
	assert_true(AV_HCR_RW == B(31));
	assert_true(AV_HCR_E2H == B(34));
	assert_true(AV_HCR_TLOR == B(35));
	assert_true(AV_HCR_TERR == B(36));
	assert_true(AV_HCR_TEA == B(37));
	assert_true(AV_HCR_APK == B(40));
	assert_true(AV_HCR_API == B(41));
	assert_true(AV_HCR_FWB == B(46));
	assert_true(AV_HCR_TID4 == B(49));
	assert_true(AV_HCR_TICAB == B(50));
	assert_true(AV_HCR_TOCU == B(52));
	assert_true(AV_HCR_TTLBIS == B(54));
	assert_true(AV_HCR_TTLBOS == B(55));
	assert_true(AV_HCR_TWEDEN == B(59));
	assert_true(AV_HCR_TWEDEL == 0xF000000000000000ULL);
	/* CPTR_EL2, E2H=0 */
	assert_true(AV_CPTR_TZ == B(8));
	assert_true(AV_CPTR_TFP == B(10));
	assert_true(AV_CPTR_TSM == B(12));
	assert_true(AV_CPTR_TTA == B(20));
	assert_true(AV_CPTR_RES1 == 0x22FF);
	/* CPTR_EL2, E2H=1 */
	assert_true(AV_CPTR_E2H_ZEN == 0x30000);
	assert_true(AV_CPTR_E2H_FPEN == 0x300000);
	assert_true(AV_CPTR_E2H_SMEN == 0x3000000);
	assert_true(AV_CPTR_E2H_TTA == B(28));
	assert_true(AV_CPTR_TAM == B(30));
	assert_true(AV_CPTR_TCPAC == B(31));
	/* MDCR_EL2 */
	assert_true(AV_MDCR_HPMN == 0x1F);
	assert_true(AV_MDCR_TPMCR == B(5));
	assert_true(AV_MDCR_TPM == B(6));
	assert_true(AV_MDCR_HPME == B(7));
	assert_true(AV_MDCR_TDE == B(8));
	assert_true(AV_MDCR_TDA == B(9));
	assert_true(AV_MDCR_TDOSA == B(10));
	assert_true(AV_MDCR_TDRA == B(11));
	assert_true(AV_MDCR_E2PB == 0x3000);
	assert_true(AV_MDCR_TPMS == B(14));
	assert_true(AV_MDCR_TTRF == B(19));
	/* HSTR_EL2: T0..T15 without T4 and T14 */
	assert_true(AV_HSTR_VALID == 0xBFEF);
	assert_true(AV_HSTR_T15 == B(15));
}

/* The value QEMU-FACTS.md records from a real run: RW | TID3 | VM. */
static void test_known_value_qemu(void **state)
{
	struct av_trap_policy p = { 0 };
	struct av_el2_traps t;

	(void)state;
	p.vm = true;
	p.trap_id3 = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hcr_el2 == 0x80040001ULL);
	/* v8.0 CPU without SVE/SME: RES1 bits 13, 12, 9, 8, 7:0, nothing trapped. */
	assert_true(t.cptr_el2 == 0x33FFULL);
	assert_true(t.mdcr_el2 == 0);
	assert_true(t.hstr_el2 == 0);
}

/* A zero policy on a CPU with everything: nothing trapped, PAC and FP/SVE/SME open. */
static void test_zero_policy(void **state)
{
	struct av_trap_policy p = { 0 };
	struct av_el2_traps t;

	(void)state;
	p.features = AV_TRAP_FEAT_ALL;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hcr_el2 == (B(31) | B(40) | B(41)));
	assert_true(t.cptr_el2 == 0x22FFULL);
	assert_true(t.mdcr_el2 == 0);

	p.e2h = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hcr_el2 == (B(31) | B(34) | B(40) | B(41)));
	assert_true(t.cptr_el2 == 0x3330000ULL); /* SMEN=FPEN=ZEN=0b11 */
}

static void check_row_trap(const struct av_trap_row *r, bool e2h)
{
	struct av_trap_policy p = { 0 };
	struct av_el2_traps t;
	const struct expect *x = find_expect(r->ctl);
	uint64_t mask = e2h ? x->mask1 : x->mask0;
	enum av_trap_polarity pol = e2h ? x->pol1 : x->pol0;
	uint64_t v;

	p.features = AV_TRAP_FEAT_ALL;
	p.e2h = e2h;

	/* Not requested: non-trapping state. */
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	v = reg_value(&t, x->reg) & mask;
	if (pol == AV_TRAP_WHEN_SET)
		assert_true(v == 0);
	else
		assert_true(v == mask);
	assert_false(av_trap_row_trapped(r, &t));

	/* Requested: trapping state. */
	assert_int_equal(av_trap_policy_set(&p, r->ctl, true), 0);
	assert_int_equal(av_trap_policy_get(&p, r->ctl), 1);
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	v = reg_value(&t, x->reg) & mask;
	if (pol == AV_TRAP_WHEN_SET)
		assert_true(v == mask);
	else
		assert_true(v == 0);
	assert_true(av_trap_row_trapped(r, &t));
}

/* For every row with a trap control: asking to trap it sets its control bit(s). */
static void test_each_row_traps(void **state)
{
	size_t n, checked = 0;
	const struct av_trap_row *rows = av_trap_sensitive_table(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct av_trap_row *r = &rows[i];
		const struct expect *x;

		if (r->ctl == AV_TRAP_CTL_NONE)
			continue;
		x = find_expect(r->ctl);
		if (!x)
			fail_msg("row '%s': no expectation for ctl %d", r->name, (int)r->ctl);
		/* The row states the same register, bits and polarity as the Arm ARM. */
		assert_int_equal(r->bits.reg, x->reg);
		assert_true(r->bits.mask == x->mask0);
		assert_int_equal(r->bits.pol, x->pol0);
		assert_int_equal(r->bits_e2h.reg, x->reg);
		assert_true(r->bits_e2h.mask == x->mask1);
		assert_int_equal(r->bits_e2h.pol, x->pol1);
		assert_ptr_equal(av_trap_row_bits(r, false), &r->bits);
		assert_ptr_equal(av_trap_row_bits(r, true), &r->bits_e2h);

		check_row_trap(r, false);
		check_row_trap(r, true);
		checked++;
	}
	/* Every control id is exercised by at least one row. */
	for (int c = AV_TRAP_CTL_NONE + 1; c < AV_TRAP_CTL_COUNT; c++) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found |= rows[i].ctl == (enum av_trap_ctl)c;
		if (!found)
			fail_msg("control %s has no row", av_trap_ctl_name((enum av_trap_ctl)c));
	}
	assert_true(checked >= AV_TRAP_CTL_COUNT - 1);
}

static void test_table_shape(void **state)
{
	size_t n;
	const struct av_trap_row *rows = av_trap_sensitive_table(&n);

	(void)state;
	assert_non_null(rows);
	assert_true(n >= 40);
	assert_ptr_equal(av_trap_sensitive_table(NULL), rows);
	for (size_t i = 0; i < n; i++) {
		const struct av_trap_row *r = &rows[i];

		assert_non_null(r->name);
		assert_true(strlen(r->name) > 0);
		assert_non_null(r->control);
		assert_true(strlen(r->control) > 0);
		assert_non_null(r->note);
		assert_true(r->cls >= AV_TRAP_CLASS_CONTROL && r->cls <= AV_TRAP_CLASS_INNOCUOUS);
		assert_true(r->how >= AV_TRAP_HOW_TRAP && r->how <= AV_TRAP_HOW_CONFINED);
		assert_string_not_equal(av_trap_class_name(r->cls), "?");
		assert_string_not_equal(av_trap_how_name(r->how), "?");
		assert_true((unsigned)r->ec <= 0x3F);
		assert_true(ec_defined((unsigned)r->ec));
		assert_true((r->feature & ~(uint32_t)AV_TRAP_FEAT_ALL) == 0);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(rows[j].name, r->name);

		if (r->how == AV_TRAP_HOW_TRAP || r->how == AV_TRAP_HOW_ALWAYS ||
		    r->how == AV_TRAP_HOW_OTHER)
			assert_true(r->ec != AV_ESR_EC_UNKNOWN);
		if (r->how == AV_TRAP_HOW_TRAP) {
			assert_true(r->ctl != AV_TRAP_CTL_NONE);
			assert_true(r->bits.reg != AV_TRAP_REG_NONE && r->bits.mask != 0);
			assert_true(r->bits_e2h.reg != AV_TRAP_REG_NONE && r->bits_e2h.mask != 0);
		} else {
			assert_int_equal(r->ctl, AV_TRAP_CTL_NONE);
		}
		if (r->ctl == AV_TRAP_CTL_NONE) {
			assert_int_equal(r->bits.reg, AV_TRAP_REG_NONE);
			assert_true(r->bits.mask == 0 && r->bits_e2h.mask == 0);
			continue;
		}
		/* Masks lie within the register's defined trap controls. */
		switch (r->bits.reg) {
		case AV_TRAP_REG_HCR:
			assert_true((r->bits.mask & ~hcr_trap_bits) == 0);
			assert_true(r->bits_e2h.mask == r->bits.mask);
			break;
		case AV_TRAP_REG_CPTR:
			assert_true((r->bits.mask & ~cptr0_trap_bits) == 0);
			assert_true((r->bits_e2h.mask & ~cptr1_trap_bits) == 0);
			break;
		case AV_TRAP_REG_MDCR:
			assert_true((r->bits.mask & ~mdcr_trap_bits) == 0);
			break;
		case AV_TRAP_REG_HSTR:
			assert_true((r->bits.mask & ~UINT64_C(0xBFEF)) == 0);
			break;
		default:
			fail_msg("row '%s': bad register", r->name);
		}
	}
	/* A few ECs that must be right. */
	for (size_t i = 0; i < n; i++) {
		switch (rows[i].ctl) {
		case AV_TRAP_CTL_WFI:
		case AV_TRAP_CTL_WFE: assert_int_equal(rows[i].ec, 0x01); break;
		case AV_TRAP_CTL_SMC: assert_int_equal(rows[i].ec, 0x17); break;
		case AV_TRAP_CTL_ID3: assert_int_equal(rows[i].ec, 0x18); break;
		case AV_TRAP_CTL_FP: assert_int_equal(rows[i].ec, 0x07); break;
		case AV_TRAP_CTL_SVE: assert_int_equal(rows[i].ec, 0x19); break;
		case AV_TRAP_CTL_SME: assert_int_equal(rows[i].ec, 0x1D); break;
		case AV_TRAP_CTL_PAC_INSN: assert_int_equal(rows[i].ec, 0x09); break;
		case AV_TRAP_CTL_HSTR: assert_int_equal(rows[i].ec, 0x03); break;
		default: break;
		}
	}
}

static void expect_einval(const struct av_trap_policy *p)
{
	struct av_el2_traps t = { 0x1111, 0x2222, 0x3333, 0x4444 };

	assert_int_equal(av_trap_policy_compute(p, &t), -AV_EINVAL);
	/* Output untouched on error. */
	assert_true(t.hcr_el2 == 0x1111 && t.cptr_el2 == 0x2222);
	assert_true(t.mdcr_el2 == 0x3333 && t.hstr_el2 == 0x4444);
}

static void test_invalid(void **state)
{
	struct av_trap_policy base = { 0 }, p;
	struct av_el2_traps t;

	(void)state;
	assert_int_equal(av_trap_policy_compute(NULL, &t), -AV_EINVAL);
	assert_int_equal(av_trap_policy_compute(&base, NULL), -AV_EINVAL);

	base.features = AV_TRAP_FEAT_ALL;
	base.vm = true;
	assert_int_equal(av_trap_policy_compute(&base, &t), 0);

	/* Field ranges. */
	p = base; p.bsu = 4; expect_einval(&p);
	p = base; p.twe_delay = true; p.twe_delay_log2 = 16; expect_einval(&p);
	p = base; p.twe_delay_log2 = 3; expect_einval(&p); /* TWEDEL without TWEDEn */

	/* HSTR bits for RES0 primary registers. */
	p = base; p.hstr = (uint16_t)B(4); expect_einval(&p);
	p = base; p.hstr = (uint16_t)B(14); expect_einval(&p);
	p = base; p.hstr = 0xFFFF; expect_einval(&p);
	p = base; p.hstr = 0xBFEF;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hstr_el2 == 0xBFEF);

	/* Contradictory E2H/TGE. */
	p = base; p.vm = false; p.tge = true; expect_einval(&p); /* TGE without E2H */
	p = base; p.e2h = true; p.tge = true; expect_einval(&p); /* TGE with a guest */
	p = base; p.vm = false; p.e2h = true; p.tge = true; p.el1_aarch32 = true;
	expect_einval(&p);
	p = base; p.vm = false; p.e2h = true; p.tge = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0); /* a VHE host's EL0 */
	assert_true(t.hcr_el2 == (B(27) | B(31) | B(34) | B(40) | B(41)));

	/* Settings the CPU cannot honour. */
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_VHE; p.e2h = true; expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_AARCH32_EL1; p.el1_aarch32 = true;
	expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_S2FWB; p.fwb = true; expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_TWED; p.twe_delay = true;
	expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_EVT; p.trap_id4 = true; expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_EVT; p.trap_tlbi_is = true;
	expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_EVT; p.trap_cmo_ocu = true;
	expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_RAS; p.trap_ext_abort = true;
	expect_einval(&p);

	/* PMU: HPMN against PMCR_EL0.N. */
	p = base; p.pmcr_n = 6; p.hpmn = 7; expect_einval(&p);
	p = base; p.pmcr_n = 32; p.hpmn = AV_TRAP_HPMN_ALL; expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_PMU; p.pmcr_n = 6; expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_PMU; p.hpme = true; expect_einval(&p);
	p = base; p.features &= ~(uint32_t)AV_TRAP_FEAT_HPMN0; p.pmcr_n = 6; p.hpmn = 0;
	expect_einval(&p);
	p = base; p.pmcr_n = 6; p.hpmn = 0; /* allowed with FEAT_HPMN0 */
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true((t.mdcr_el2 & 0x1F) == 0);
	p = base; p.pmcr_n = 6; p.hpmn = 4; p.hpme = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.mdcr_el2 == (4 | B(7)));
	p = base; p.pmcr_n = 6; p.hpmn = AV_TRAP_HPMN_ALL;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.mdcr_el2 == 6);
}

static void test_default_guest(void **state)
{
	struct av_trap_policy p;
	struct av_el2_traps t;
	/* VM SWIO FMO IMO AMO FB BSU=IS TWI TID1 TID3 TSC TIDCP TACR TSW RW */
	const uint64_t hcr_base = B(0) | B(1) | B(3) | B(4) | B(5) | B(9) | B(10) | B(13) |
				  B(16) | B(18) | B(19) | B(20) | B(21) | B(22) | B(31);

	(void)state;
	assert_true(hcr_base == 0x807D263BULL);

	/* A v8.0 CPU without PMU: feature-gated traps vanish, FP lazily trapped. */
	av_trap_policy_default_guest(&p, 0, 0);
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hcr_el2 == hcr_base);
	assert_true(t.cptr_el2 == (0x33FFULL | B(10))); /* RES1 + TZ + TSM, TFP */
	assert_true(t.mdcr_el2 == (B(9) | B(10) | B(11))); /* TDA TDOSA TDRA */
	assert_true(t.hstr_el2 == 0);

	/* Everything implemented, PMCR_EL0.N = 6 (QEMU -cpu max). */
	av_trap_policy_default_guest(&p, AV_TRAP_FEAT_ALL, 6);
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	/* + TLOR TERR TEA; API and APK stay 0 (pointer auth trapped). */
	assert_true(t.hcr_el2 == (hcr_base | B(35) | B(36) | B(37)));
	assert_true(t.hcr_el2 == 0x38807D263BULL);
	/* RES1 + TZ TFP TSM TTA TAM */
	assert_true(t.cptr_el2 == (0x22FFULL | B(8) | B(10) | B(12) | B(20) | B(30)));
	/* HPMN=6 TPMCR TPM TDA TDOSA TDRA TPMS TTRF */
	assert_true(t.mdcr_el2 == (6 | B(5) | B(6) | B(9) | B(10) | B(11) | B(14) | B(19)));

	/* The same guest under a VHE host: CPTR_EL2 in the enable layout, all trapping. */
	p.e2h = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hcr_el2 == (0x38807D263BULL | B(34)));
	assert_true(t.cptr_el2 == (B(28) | B(30))); /* FPEN=ZEN=SMEN=0b00, TTA, TAM */
}

static void test_features_absent(void **state)
{
	struct av_trap_policy p = { 0 };
	struct av_el2_traps t;

	(void)state;
	/* Untrapped pointer auth on a CPU without it: API/APK are RES0, so stay 0. */
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true((t.hcr_el2 & (B(40) | B(41))) == 0);
	/* Traps of features that are absent are met by UNDEF: RES0 bits stay 0. */
	p.trap_lor = p.trap_ras = p.trap_pmu = p.trap_amu = p.trap_trace = true;
	p.trap_spe = p.trap_trace_filter = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.hcr_el2 == B(31));
	assert_true(t.cptr_el2 == 0x33FF);
	assert_true(t.mdcr_el2 == 0);
	/* E2H=1 layout without SVE/SME: ZEN and SMEN are RES0. */
	p = (struct av_trap_policy){ .features = AV_TRAP_FEAT_VHE, .e2h = true };
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.cptr_el2 == 0x300000); /* FPEN=0b11 only */
}

static void test_route_debug(void **state)
{
	struct av_trap_policy p = { 0 };
	struct av_el2_traps t;

	(void)state;
	p.route_debug = true;
	assert_int_equal(av_trap_policy_compute(&p, &t), 0);
	assert_true(t.mdcr_el2 == (B(8) | B(9) | B(10) | B(11)));
}

static void test_set_get(void **state)
{
	struct av_trap_policy p = { 0 };

	(void)state;
	for (int c = AV_TRAP_CTL_NONE + 1; c < AV_TRAP_CTL_COUNT; c++) {
		assert_int_equal(av_trap_policy_get(&p, (enum av_trap_ctl)c), 0);
		assert_int_equal(av_trap_policy_set(&p, (enum av_trap_ctl)c, true), 0);
		assert_int_equal(av_trap_policy_get(&p, (enum av_trap_ctl)c), 1);
		assert_string_not_equal(av_trap_ctl_name((enum av_trap_ctl)c), "?");
	}
	assert_int_equal(p.hstr, 0xBFEF);
	assert_true(p.trap_wfi && p.trap_pac_insn && p.trap_fp && p.route_debug);
	assert_int_equal(av_trap_policy_set(&p, AV_TRAP_CTL_HSTR, false), 0);
	assert_int_equal(p.hstr, 0);
	assert_int_equal(av_trap_policy_set(&p, AV_TRAP_CTL_NONE, true), -AV_EINVAL);
	assert_int_equal(av_trap_policy_set(&p, AV_TRAP_CTL_COUNT, true), -AV_EINVAL);
	assert_int_equal(av_trap_policy_set(NULL, AV_TRAP_CTL_WFI, true), -AV_EINVAL);
	assert_int_equal(av_trap_policy_get(&p, AV_TRAP_CTL_NONE), -AV_EINVAL);
	assert_int_equal(av_trap_policy_get(NULL, AV_TRAP_CTL_WFI), -AV_EINVAL);
	assert_string_equal(av_trap_ctl_name(AV_TRAP_CTL_WFI), "TWI");
	assert_string_equal(av_trap_ctl_name(AV_TRAP_CTL_COUNT), "?");
	assert_string_equal(av_trap_class_name((enum av_trap_class)0), "?");
	assert_string_equal(av_trap_how_name((enum av_trap_how)0), "?");
}

static void test_describe(void **state)
{
	struct av_el2_traps t = { .hcr_el2 = 0x80040001ULL, .cptr_el2 = 0x33FF,
				  .mdcr_el2 = 6 | B(5), .hstr_el2 = B(15) | B(4) };
	const char *want = "HCR_EL2  0x0000000080040001 VM TID3 RW\n"
			   "CPTR_EL2 0x00000000000033ff RES1=0x22ff TZ TSM (E2H=0 layout)\n"
			   "MDCR_EL2 0x0000000000000026 HPMN=0x6 TPMCR\n"
			   "HSTR_EL2 0x0000000000008010 T15 ?=0x10";
	char buf[512], small[16];
	int n;

	(void)state;
	n = av_trap_policy_describe(&t, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));

	/* Truncation: snprintf-like length, NUL-terminated prefix. */
	assert_int_equal(av_trap_policy_describe(&t, small, sizeof(small)), n);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, want, sizeof(small) - 1);
	assert_int_equal(av_trap_policy_describe(&t, NULL, 0), n);
	assert_int_equal(av_trap_policy_describe(NULL, buf, sizeof(buf)), -AV_EINVAL);
	assert_int_equal(av_trap_policy_describe(&t, NULL, 8), -AV_EINVAL);

	/* E2H=1 layout and unnamed HCR bits. */
	t.hcr_el2 = B(34) | B(39);
	t.cptr_el2 = 0x300000 | B(28);
	t.mdcr_el2 = 0;
	t.hstr_el2 = 0;
	av_trap_policy_describe(&t, buf, sizeof(buf));
	assert_non_null(strstr(buf, "HCR_EL2  0x0000008400000000 E2H ?=0x8000000000\n"));
	assert_non_null(strstr(buf, "CPTR_EL2 0x0000000010300000 FPEN=0x3 TTA (E2H=1 layout)\n"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bit_positions),
		cmocka_unit_test(test_known_value_qemu),
		cmocka_unit_test(test_zero_policy),
		cmocka_unit_test(test_each_row_traps),
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_default_guest),
		cmocka_unit_test(test_features_absent),
		cmocka_unit_test(test_route_debug),
		cmocka_unit_test(test_set_get),
		cmocka_unit_test(test_describe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
