/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: exception injection into a guest's EL1, SP selection, instruction skip.
 *
 * Expected values are built here from the Arm ARM's rules (vector offsets, the PSTATE
 * changes of AArch64.TakeException(), syndrome fields placed with AV_FIELD_PREP), not by
 * calling the code under test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/esr.h>
#include <armvirt/vcpu.h>

#define VBAR 0xffff800010010800ull
#define PC 0xffff800010234568ull

/* A context trapped at @mode with some flags set that entry must keep or clear. */
static void setup(struct av_ctxt *c, uint64_t mode)
{
	memset(c, 0, sizeof(*c));
	c->regs.pc = PC;
	c->regs.pstate = mode | AV_PSTATE_N | AV_PSTATE_C | AV_PSTATE_DIT | AV_PSTATE_SS |
			 AV_FIELD_PREP(AV_PSTATE_BTYPE, 2) | AV_PSTATE_UAO | AV_PSTATE_I;
	c->el1.vbar = VBAR;
	c->el1.sctlr = AV_SCTLR_EL1_RESET & ~AV_SCTLR_EL1_SPAN; /* SPAN = 0: PAN set on entry */
	c->el1.far = 0x1111;
	c->el1.sp_el0 = 0x5000;
	c->el1.sp_el1 = 0x9000;
}

/* PSTATE after entry as the Arm ARM specifies it for @old with SCTLR_EL1 @sctlr. */
static uint64_t want_pstate(uint64_t old, uint64_t sctlr)
{
	uint64_t ps = (old & (AV_PSTATE_NZCV | AV_PSTATE_DIT | AV_PSTATE_PAN)) | 0x5 /* EL1h */ |
		      AV_PSTATE_D | AV_PSTATE_A | AV_PSTATE_I | AV_PSTATE_F;

	if (!(sctlr & AV_SCTLR_EL1_SPAN))
		ps |= AV_PSTATE_PAN;
	if (sctlr & AV_SCTLR_EL1_DSSBS)
		ps |= AV_PSTATE_SSBS;
	return ps;
}

static void check_entry(const struct av_ctxt *c, uint64_t old_pstate, uint64_t offset)
{
	assert_int_equal(c->el1.elr, PC);
	assert_int_equal(c->el1.spsr, old_pstate);
	assert_int_equal(c->regs.pc, VBAR + offset);
	assert_int_equal(c->regs.pstate, want_pstate(old_pstate, c->el1.sctlr));
	/* SS, BTYPE, UAO, IL are clear; EL1h with every mask set. */
	assert_int_equal(AV_FIELD_GET(AV_PSTATE_BTYPE, c->regs.pstate), 0);
	assert_int_equal(c->regs.pstate & (AV_PSTATE_SS | AV_PSTATE_UAO | AV_PSTATE_IL), 0);
	assert_int_equal(av_pstate_el(c->regs.pstate), 1);
	assert_true(av_pstate_sp_elx(c->regs.pstate));
	assert_int_equal(av_pstate_daif(c->regs.pstate), 0xf);
}

static void test_undef_el1h(void **state)
{
	struct av_ctxt c;
	uint64_t old;
	(void)state;
	setup(&c, AV_PSTATE_MODE_EL1H);
	old = c.regs.pstate;
	av_ctxt_inject_undef(&c);
	check_entry(&c, old, 0x200);
	/* EC 0x00, IL 1, ISS 0; FAR untouched. */
	assert_int_equal(c.el1.esr, AV_FIELD_PREP(AV_ESR_EC, 0) | AV_FIELD_PREP(AV_ESR_IL, 1));
	assert_int_equal(c.el1.esr, 0x02000000u);
	assert_int_equal(c.el1.far, 0x1111);
	assert_true(c.regs.pstate & AV_PSTATE_PAN);
	assert_true(c.regs.pstate & AV_PSTATE_N);
	assert_true(c.regs.pstate & AV_PSTATE_DIT);
}

static void test_undef_el1t_span_dssbs(void **state)
{
	struct av_ctxt c;
	uint64_t old;
	(void)state;
	setup(&c, AV_PSTATE_MODE_EL1T);
	c.el1.sctlr |= AV_SCTLR_EL1_SPAN | AV_SCTLR_EL1_DSSBS;
	old = c.regs.pstate;
	av_ctxt_inject_undef(&c);
	check_entry(&c, old, 0x000);
	/* SPAN = 1: PAN unchanged (was 0); SSBS = DSSBS = 1. */
	assert_false(c.regs.pstate & AV_PSTATE_PAN);
	assert_true(c.regs.pstate & AV_PSTATE_SSBS);

	/* PAN already set and SPAN = 1: kept. */
	setup(&c, AV_PSTATE_MODE_EL1T | AV_PSTATE_PAN);
	c.el1.sctlr |= AV_SCTLR_EL1_SPAN;
	av_ctxt_inject_undef(&c);
	assert_true(c.regs.pstate & AV_PSTATE_PAN);
	assert_false(c.regs.pstate & AV_PSTATE_SSBS);
}

/* The data-abort syndrome composed field by field (Arm ARM "ISS encoding for an exception
 * from a Data Abort"). */
static uint64_t dabt_syndrome(unsigned ec, unsigned fsc, unsigned wnr)
{
	return AV_FIELD_PREP(AV_ESR_EC, ec) | AV_FIELD_PREP(AV_ESR_IL, 1) |
	       AV_FIELD_PREP(AV_ESR_DABT_ISV, 0) | AV_FIELD_PREP(AV_ESR_DABT_WNR, wnr) |
	       AV_FIELD_PREP(AV_ESR_DABT_DFSC, fsc);
}

static void test_dabt_el0_and_el1(void **state)
{
	struct av_ctxt c;
	struct av_esr e;
	uint64_t old;
	(void)state;

	setup(&c, AV_PSTATE_MODE_EL0T);
	old = c.regs.pstate;
	av_ctxt_inject_dabt(&c, 0x50000010, AV_FSC_SEA, true);
	check_entry(&c, old, 0x400);
	assert_int_equal(c.el1.esr, dabt_syndrome(0x24, 0x10, 1));
	assert_int_equal(c.el1.esr, 0x92000050u);
	assert_int_equal(c.el1.far, 0x50000010);
	assert_int_equal(av_esr_decode(c.el1.esr, &e), 0);
	assert_int_equal(e.ec, AV_ESR_EC_DABT_LOW);
	assert_int_equal(av_esr_abort_class(&e), AV_ESR_FSC_SEA);

	setup(&c, AV_PSTATE_MODE_EL1H);
	old = c.regs.pstate;
	av_ctxt_inject_dabt(&c, 0x60000000, AV_FSC_SEA, false);
	check_entry(&c, old, 0x200);
	assert_int_equal(c.el1.esr, dabt_syndrome(0x25, 0x10, 0));
	assert_int_equal(av_ctxt_dabt_esr(&c, 0x10, false), 0x96000010u); /* c.regs is EL1h now */
	assert_int_equal(c.el1.far, 0x60000000);
}

static void test_iabt_and_aarch32(void **state)
{
	struct av_ctxt c;
	uint64_t old;
	(void)state;

	setup(&c, AV_PSTATE_MODE_EL1H);
	old = c.regs.pstate;
	av_ctxt_inject_iabt(&c, 0x40001000, AV_FSC_SEA);
	check_entry(&c, old, 0x200);
	assert_int_equal(c.el1.esr, AV_FIELD_PREP(AV_ESR_EC, 0x21) | AV_FIELD_PREP(AV_ESR_IL, 1) |
					    AV_FIELD_PREP(AV_ESR_IABT_IFSC, 0x10));
	assert_int_equal(c.el1.far, 0x40001000);

	/* AArch32 User mode (M = 0b10000): lower EL, AArch32 vectors at +0x600. */
	setup(&c, 0);
	c.regs.pstate = AV_PSTATE_MODE_USR32 | AV_PSTATE_Z;
	old = c.regs.pstate;
	assert_true(av_pstate_is_aarch32(old));
	assert_int_equal(av_pstate_el(old), 0);
	av_ctxt_inject_undef(&c);
	assert_int_equal(c.regs.pc, VBAR + 0x600);
	assert_int_equal(c.el1.spsr, old);
	assert_int_equal(c.regs.pstate, want_pstate(old, c.el1.sctlr));

	/* The general form: any syndrome and address. */
	setup(&c, AV_PSTATE_MODE_EL0T);
	old = c.regs.pstate;
	av_ctxt_inject_sync(&c, 0x56000000, 0xabc);
	check_entry(&c, old, 0x400);
	assert_int_equal(c.el1.esr, 0x56000000);
	assert_int_equal(c.el1.far, 0xabc);
}

static void test_exception_target(void **state)
{
	struct av_ctxt c;
	uint64_t vec, ps;
	(void)state;
	setup(&c, AV_PSTATE_MODE_EL1T);
	av_ctxt_exception_target(&c, &vec, &ps);
	assert_int_equal(vec, VBAR);
	assert_int_equal(ps, want_pstate(c.regs.pstate, c.el1.sctlr));
	assert_int_equal(c.regs.pc, PC); /* unchanged */
	av_ctxt_exception_target(&c, NULL, NULL);
}

static void test_sp(void **state)
{
	struct av_ctxt c;
	(void)state;

	setup(&c, AV_PSTATE_MODE_EL1H);
	av_ctxt_sp_load(&c);
	assert_int_equal(c.regs.sp, 0x9000);
	c.regs.sp += 0x10;
	av_ctxt_sp_store(&c);
	assert_int_equal(c.el1.sp_el1, 0x9010);
	assert_int_equal(c.el1.sp_el0, 0x5000);

	setup(&c, AV_PSTATE_MODE_EL1T);
	av_ctxt_sp_load(&c);
	assert_int_equal(c.regs.sp, 0x5000);
	c.regs.sp -= 0x20;
	av_ctxt_sp_store(&c);
	assert_int_equal(c.el1.sp_el0, 0x4fe0);
	assert_int_equal(c.el1.sp_el1, 0x9000);

	setup(&c, AV_PSTATE_MODE_EL0T);
	av_ctxt_sp_load(&c);
	assert_int_equal(c.regs.sp, 0x5000);
}

static void test_skip_and_endianness(void **state)
{
	struct av_ctxt c;
	(void)state;
	setup(&c, AV_PSTATE_MODE_EL1H);
	av_ctxt_skip_insn(&c);
	assert_int_equal(c.regs.pc, PC + 4);
	assert_int_equal(c.regs.pstate & (AV_PSTATE_BTYPE | AV_PSTATE_SS), 0);
	assert_true(c.regs.pstate & AV_PSTATE_N); /* the rest is kept */

	assert_false(av_ctxt_data_big_endian(&c));
	c.el1.sctlr |= AV_SCTLR_EL1_E0E;
	assert_false(av_ctxt_data_big_endian(&c)); /* EL1 uses EE */
	c.el1.sctlr |= AV_SCTLR_EL1_EE;
	assert_true(av_ctxt_data_big_endian(&c));
	c.regs.pstate = AV_PSTATE_MODE_EL0T;
	c.el1.sctlr &= ~AV_SCTLR_EL1_EE;
	assert_true(av_ctxt_data_big_endian(&c)); /* EL0 uses E0E */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_undef_el1h),
		cmocka_unit_test(test_undef_el1t_span_dssbs),
		cmocka_unit_test(test_dabt_el0_and_el1),
		cmocka_unit_test(test_iabt_and_aarch32),
		cmocka_unit_test(test_exception_target),
		cmocka_unit_test(test_sp),
		cmocka_unit_test(test_skip_and_endianness),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
