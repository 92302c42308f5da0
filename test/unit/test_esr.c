/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: ESR_ELx decoding, encoding, fault status classes and log lines.
 *
 * Oracles: syndromes QEMU 7.2 reported for real traps (QEMU-FACTS.md), and syndromes
 * built here field by field from the Arm ARM bit positions. The test spells every bit
 * position as a literal AV_GENMASK(hi, lo) so it does not share the header's masks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <armvirt/esr.h>
#include <armvirt/sysreg.h>
#include <armvirt/types.h>

/* A field at bits [hi:lo] of a syndrome holding v. */
#define F(hi, lo, v) AV_FIELD_PREP(AV_GENMASK(hi, lo), (v))
/* EC and IL=1, the common start of a syndrome. */
#define EC(ec) (F(31, 26, (ec)) | F(25, 25, 1))
/* A field of ISS2 (syndrome bits [55:32]), numbered as the Arm ARM numbers ISS2. */
#define F2(hi, lo, v) F((hi) + 32, (lo) + 32, (v))

static struct av_esr decode_ok(uint64_t esr)
{
	struct av_esr e;

	assert_int_equal(av_esr_decode(esr, &e), 0);
	assert_true(e.raw == esr);
	assert_int_equal(e.ec, AV_FIELD_GET(AV_GENMASK(31, 26), esr));
	assert_int_equal(e.il, AV_FIELD_GET(AV_GENMASK(25, 25), esr));
	assert_int_equal(e.iss, AV_FIELD_GET(AV_GENMASK(24, 0), esr));
	assert_int_equal(e.iss2, AV_FIELD_GET(AV_GENMASK(55, 32), esr));
	/* Every decode round-trips through the encoder. */
	assert_true(av_esr_encode(&e) == (esr & AV_GENMASK(55, 0)));
	return e;
}

static void check_format(uint64_t esr, const char *want)
{
	struct av_esr e = decode_ok(esr);
	char buf[256];
	int n = av_esr_format(&e, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
}

/* ---- golden syndromes from QEMU 7.2 ---- */

static void test_golden_hvc(void **state)
{
	struct av_esr e = decode_ok(0x5a000001);

	(void)state;
	assert_int_equal(e.ec, AV_ESR_EC_HVC64);
	assert_int_equal(e.kind, AV_ESR_KIND_CALL);
	assert_true(e.il);
	assert_int_equal(e.u.call.imm16, 1);
	assert_string_equal(av_esr_ec_name(e.ec), "HVC64");
	check_format(0x5a000001, "EC=0x16 HVC64 IL=1 imm16=0x1");
}

static void test_golden_mrs(void **state)
{
	struct av_esr e = decode_ok(0x62300029);

	(void)state;
	assert_int_equal(e.ec, AV_ESR_EC_SYS64);
	assert_int_equal(e.kind, AV_ESR_KIND_SYS);
	assert_int_equal(e.u.sys.op0, 3);
	assert_int_equal(e.u.sys.op1, 0);
	assert_int_equal(e.u.sys.crn, 0);
	assert_int_equal(e.u.sys.crm, 4);
	assert_int_equal(e.u.sys.op2, 0);
	assert_int_equal(e.u.sys.rt, 1);
	assert_false(e.u.sys.is_write);
	check_format(0x62300029, "EC=0x18 SYS64 IL=1 Op0=3 Op1=0 CRn=0 CRm=4 Op2=0 Rt=1 read");
}

static void test_golden_dabt_load(void **state)
{
	struct av_esr e = decode_ok(0x93c38006);
	int level = 99;

	(void)state;
	assert_int_equal(e.ec, AV_ESR_EC_DABT_LOW);
	assert_int_equal(e.kind, AV_ESR_KIND_DABT);
	assert_true(e.u.dabt.isv);
	assert_int_equal(e.u.dabt.size, 8);
	assert_false(e.u.dabt.sse);
	assert_int_equal(e.u.dabt.srt, 3);
	assert_true(e.u.dabt.sf);
	assert_false(e.u.dabt.ar);
	assert_false(e.u.dabt.wnr);
	assert_false(e.u.dabt.s1ptw);
	assert_int_equal(e.u.dabt.fsc, 0x06);
	assert_true(av_esr_is_abort(&e));
	assert_true(av_esr_is_translation_fault(&e));
	assert_false(av_esr_is_permission_fault(&e));
	assert_false(av_esr_is_access_flag_fault(&e));
	assert_int_equal(av_esr_fault_level(&e, &level), 0);
	assert_int_equal(level, 2);
	assert_true(av_esr_fault_ipa(0x500000, 0x50000010) == 0x50000010);
	check_format(0x93c38006, "EC=0x24 DABT_LOW IL=1 ISV=1 SAS=8 SSE=0 SRT=3 SF=1 AR=0 WnR=0 "
				 "S1PTW=0 FSC=0x06 translation L2");
}

static void test_golden_dabt_store(void **state)
{
	struct av_esr e = decode_ok(0x93840046);

	(void)state;
	assert_int_equal(e.kind, AV_ESR_KIND_DABT);
	assert_true(e.u.dabt.isv);
	assert_int_equal(e.u.dabt.size, 4);
	assert_int_equal(e.u.dabt.srt, 4);
	assert_false(e.u.dabt.sf);
	assert_true(e.u.dabt.wnr);
	assert_int_equal(e.u.dabt.fsc, 0x06);
	assert_true(av_esr_is_translation_fault(&e));
	check_format(0x93840046, "EC=0x24 DABT_LOW IL=1 ISV=1 SAS=4 SSE=0 SRT=4 SF=0 AR=0 WnR=1 "
				 "S1PTW=0 FSC=0x06 translation L2");
}

static void test_fault_ipa(void **state)
{
	(void)state;
	assert_true(av_esr_fault_ipa(0x500000, 0x50000010) == 0x50000010);
	/* FAR contributes only the page offset. */
	assert_true(av_esr_fault_ipa(0x500000, 0xffffffffffff0abcULL) == 0x50000abc);
	/* 52-bit IPA (FEAT_LPA): FIPA [43:4] holds IPA[51:12]. */
	assert_true(av_esr_fault_ipa(F(43, 4, 0xffffffffffULL), 0x123) == 0x000ffffffffff123ULL);
	/* 56-bit IPA (FEAT_D128): FIPA [47:4]; NS (bit 63) is not part of the address. */
	assert_true(av_esr_fault_ipa(F(47, 4, 0xfffffffffffULL) | F(63, 63, 1), 0) ==
		    0x00fffffffffff000ULL);
}

/* ---- syndromes built field by field, one per class ---- */

static void test_build_wfx(void **state)
{
	uint64_t esr = EC(0x01) | F(24, 24, 1) | F(23, 20, 0xe) | F(9, 5, 7) | F(2, 2, 1) |
		       F(1, 0, 2);
	struct av_esr e = decode_ok(esr), b;

	(void)state;
	assert_int_equal(e.kind, AV_ESR_KIND_WFX);
	assert_true(e.u.wfx.cv);
	assert_int_equal(e.u.wfx.cond, 0xe);
	assert_int_equal(e.u.wfx.rn, 7);
	assert_true(e.u.wfx.rv);
	assert_int_equal(e.u.wfx.ti, AV_ESR_WFX_WFIT);

	/* The encoder builds the same syndrome from named fields alone. */
	memset(&b, 0, sizeof(b));
	b.ec = AV_ESR_EC_WFX;
	b.il = true;
	b.u.wfx = (struct av_esr_wfx){ .cv = true, .cond = 0xe, .rn = 7, .rv = true, .ti = 2 };
	assert_true(av_esr_encode(&b) == esr);
}

static void test_build_cp(void **state)
{
	/* MRC p15, 0, r3, c1, c0, 2 (conditional NE) trapped: EC 0x03. */
	uint64_t mcr = EC(0x03) | F(24, 24, 1) | F(23, 20, 1) | F(19, 17, 2) | F(16, 14, 0) |
		       F(13, 10, 1) | F(9, 5, 3) | F(4, 1, 0) | F(0, 0, 1);
	/* MCRR p14, 5, r2, r7, c9: EC 0x0C. */
	uint64_t mcrr = EC(0x0C) | F(24, 24, 1) | F(23, 20, 0xe) | F(19, 16, 5) |
			F(14, 10, 7) | F(9, 5, 2) | F(4, 1, 9) | F(0, 0, 0);
	/* LDC p14, c5, [r4, #-0x10]: EC 0x06. */
	uint64_t ldc = EC(0x06) | F(24, 24, 1) | F(23, 20, 0xe) | F(19, 12, 0x04) |
		       F(9, 5, 4) | F(4, 4, 0) | F(3, 1, 2) | F(0, 0, 1);
	/* VMRS r5, MVFR1: EC 0x08 uses the MCR/MRC layout. */
	uint64_t vmrs = EC(0x08) | F(24, 24, 1) | F(23, 20, 0xe) | F(16, 14, 7) |
			F(13, 10, 6) | F(9, 5, 5) | F(0, 0, 1);
	struct av_esr e;

	(void)state;
	e = decode_ok(mcr);
	assert_int_equal(e.kind, AV_ESR_KIND_MCR);
	assert_true(e.u.mcr.cv);
	assert_int_equal(e.u.mcr.cond, 1);
	assert_int_equal(e.u.mcr.opc2, 2);
	assert_int_equal(e.u.mcr.opc1, 0);
	assert_int_equal(e.u.mcr.crn, 1);
	assert_int_equal(e.u.mcr.rt, 3);
	assert_int_equal(e.u.mcr.crm, 0);
	assert_false(e.u.mcr.is_write);
	check_format(mcr, "EC=0x03 CP15_32 IL=1 CV=1 COND=0x1 Opc1=0 CRn=1 CRm=0 Opc2=2 Rt=3 read");

	e = decode_ok(mcrr);
	assert_int_equal(e.kind, AV_ESR_KIND_MCRR);
	assert_int_equal(e.u.mcrr.opc1, 5);
	assert_int_equal(e.u.mcrr.rt2, 7);
	assert_int_equal(e.u.mcrr.rt, 2);
	assert_int_equal(e.u.mcrr.crm, 9);
	assert_true(e.u.mcrr.is_write);
	assert_int_equal(decode_ok(EC(0x04) | F(0, 0, 1)).kind, AV_ESR_KIND_MCRR);

	e = decode_ok(ldc);
	assert_int_equal(e.kind, AV_ESR_KIND_LDC);
	assert_int_equal(e.u.ldc.imm8, 4);
	assert_int_equal(e.u.ldc.rn, 4);
	assert_false(e.u.ldc.offset);
	assert_int_equal(e.u.ldc.am, 2);
	assert_false(e.u.ldc.is_write);

	e = decode_ok(vmrs);
	assert_int_equal(e.kind, AV_ESR_KIND_MCR);
	assert_int_equal(e.u.mcr.opc1, 7);
	assert_int_equal(e.u.mcr.crn, 6);
	assert_int_equal(e.u.mcr.rt, 5);
	assert_false(e.u.mcr.is_write);
	assert_int_equal(decode_ok(EC(0x05)).kind, AV_ESR_KIND_MCR);
}

static void test_build_fp_simd_sme(void **state)
{
	struct av_esr e;

	(void)state;
	e = decode_ok(EC(0x07) | F(24, 24, 1) | F(23, 20, 0xa));
	assert_int_equal(e.kind, AV_ESR_KIND_FP_ACCESS);
	assert_true(e.u.fp_access.cv);
	assert_int_equal(e.u.fp_access.cond, 0xa);

	e = decode_ok(EC(0x19));
	assert_int_equal(e.kind, AV_ESR_KIND_PLAIN);
	assert_string_equal(av_esr_ec_name(e.ec), "SVE");

	e = decode_ok(EC(0x1D) | F(2, 0, 3));
	assert_int_equal(e.kind, AV_ESR_KIND_SME);
	assert_int_equal(e.u.sme.smtc, AV_ESR_SMTC_ZA_OFF);

	/* Trapped AArch64 FP exception: TFV with IDF, UFF and IOF. */
	e = decode_ok(EC(0x2C) | F(23, 23, 1) | F(7, 7, 1) | F(3, 3, 1) | F(0, 0, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_FP_EXC);
	assert_true(e.u.fp_exc.tfv);
	assert_true(e.u.fp_exc.idf);
	assert_false(e.u.fp_exc.ixf);
	assert_true(e.u.fp_exc.uff);
	assert_false(e.u.fp_exc.off);
	assert_false(e.u.fp_exc.dzf);
	assert_true(e.u.fp_exc.iof);
	/* AArch32: VECITR [10:8] and IXF, OFF, DZF. */
	e = decode_ok(EC(0x28) | F(23, 23, 1) | F(10, 8, 7) | F(4, 4, 1) | F(2, 2, 1) |
		      F(1, 1, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_FP_EXC);
	assert_int_equal(e.u.fp_exc.vecitr, 7);
	assert_true(e.u.fp_exc.ixf && e.u.fp_exc.off && e.u.fp_exc.dzf);
	assert_false(e.u.fp_exc.iof || e.u.fp_exc.idf || e.u.fp_exc.uff);
}

static void test_build_calls(void **state)
{
	static const struct {
		unsigned ec;
		const char *name;
	} calls[] = { { 0x11, "SVC32" }, { 0x12, "HVC32" }, { 0x15, "SVC64" },
		      { 0x16, "HVC64" }, { 0x17, "SMC64" } };
	struct av_esr e;

	(void)state;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		e = decode_ok(EC(calls[i].ec) | F(15, 0, 0xbeef));
		assert_int_equal(e.kind, AV_ESR_KIND_CALL);
		assert_int_equal(e.u.call.imm16, 0xbeef);
		assert_string_equal(av_esr_ec_name(e.ec), calls[i].name);
	}
	e = decode_ok(EC(0x13) | F(24, 24, 1) | F(23, 20, 0x0) | F(19, 19, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_SMC32);
	assert_true(e.u.smc32.cv);
	assert_int_equal(e.u.smc32.cond, 0);
	assert_true(e.u.smc32.ccknownpass);
}

static void test_build_sys(void **state)
{
	/* MSR ICC_SGI1R_EL1, x9: Op0=3 Op1=0 CRn=12 CRm=11 Op2=5, write. */
	uint64_t msr = EC(0x18) | F(21, 20, 3) | F(19, 17, 5) | F(16, 14, 0) | F(13, 10, 12) |
		       F(9, 5, 9) | F(4, 1, 11) | F(0, 0, 0);
	/* MRRS x6, x7, <reg>: Rt<4:1> = 3 in [9:6]. */
	uint64_t mrrs = EC(0x14) | F(21, 20, 3) | F(19, 17, 1) | F(16, 14, 0) | F(13, 10, 2) |
			F(9, 6, 3) | F(4, 1, 0) | F(0, 0, 1);
	struct av_esr e, b;

	(void)state;
	e = decode_ok(msr);
	assert_int_equal(e.u.sys.op0, 3);
	assert_int_equal(e.u.sys.op2, 5);
	assert_int_equal(e.u.sys.crn, 12);
	assert_int_equal(e.u.sys.crm, 11);
	assert_int_equal(e.u.sys.rt, 9);
	assert_true(e.u.sys.is_write);
	check_format(msr, "EC=0x18 SYS64 IL=1 Op0=3 Op1=0 CRn=12 CRm=11 Op2=5 Rt=9 write");

	e = decode_ok(mrrs);
	assert_int_equal(e.kind, AV_ESR_KIND_SYS128);
	assert_int_equal(e.u.sys.rt, 6);
	assert_int_equal(e.u.sys.op2, 1);
	assert_int_equal(e.u.sys.crn, 2);
	assert_false(e.u.sys.is_write);

	memset(&b, 0, sizeof(b));
	b.ec = AV_ESR_EC_SYS128;
	b.il = true;
	b.u.sys = (struct av_esr_sys){ .op0 = 3, .op1 = 0, .crn = 2, .crm = 0, .op2 = 1, .rt = 6,
				       .is_write = false };
	assert_true(av_esr_encode(&b) == mrrs);
}

/*
 * One polarity for EC 0x18: the generic decoder (av_esr_decode()) and the trap handlers'
 * (av_sysreg_decode_iss()) agree on every register, Rt and direction; MSR is a write.
 */
static void test_sys64_one_polarity(void **state)
{
	static const uint32_t regs[] = { AV_SYS_MIDR_EL1, AV_SYS_MPIDR_EL1, AV_SYS_TPIDR_EL0,
					 AV_SYSREG(3, 7, 15, 15, 7), AV_SYSREG(2, 0, 0, 2, 2) };
	(void)state;

	for (unsigned r = 0; r < sizeof(regs) / sizeof(regs[0]); r++) {
		for (unsigned rt = 0; rt < 32; rt++) {
			for (unsigned dir = 0; dir < 2; dir++) {
				uint32_t iss = (uint32_t)(AV_FIELD_PREP(AV_ESR_SYS_OP0, av_sysreg_op0(regs[r])) |
					       AV_FIELD_PREP(AV_ESR_SYS_OP1, av_sysreg_op1(regs[r])) |
					       AV_FIELD_PREP(AV_ESR_SYS_CRN, av_sysreg_crn(regs[r])) |
					       AV_FIELD_PREP(AV_ESR_SYS_CRM, av_sysreg_crm(regs[r])) |
					       AV_FIELD_PREP(AV_ESR_SYS_OP2, av_sysreg_op2(regs[r])) |
					       AV_FIELD_PREP(AV_ESR_SYS_RT, rt) |
					       AV_FIELD_PREP(AV_ESR_SYS_DIR, dir));
				struct av_sysreg_access acc;
				struct av_esr e = decode_ok(EC(0x18) | iss);

				av_sysreg_decode_iss(iss, &acc);
				assert_int_equal(acc.key, AV_SYSREG(e.u.sys.op0, e.u.sys.op1,
								    e.u.sys.crn, e.u.sys.crm,
								    e.u.sys.op2));
				assert_int_equal(acc.key, regs[r]);
				assert_int_equal(acc.rt, e.u.sys.rt);
				assert_int_equal(acc.is_write, e.u.sys.is_write);
				assert_int_equal(acc.is_write, dir == 0); /* Direction 0: MSR */
				assert_true(av_esr_encode(&e) == (EC(0x18) | iss));
			}
		}
	}
}

static void test_build_misc_traps(void **state)
{
	struct av_esr e;

	(void)state;
	e = decode_ok(EC(0x1A) | F(1, 1, 1) | F(0, 0, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_ERET);
	assert_true(e.u.eret.auth);
	assert_true(e.u.eret.key_b);
	e = decode_ok(EC(0x1A));
	assert_false(e.u.eret.auth);

	e = decode_ok(EC(0x09));
	assert_int_equal(e.kind, AV_ESR_KIND_PLAIN);
	assert_string_equal(av_esr_ec_name(e.ec), "PAC");

	e = decode_ok(EC(0x1C) | F(1, 1, 1) | F(0, 0, 0));
	assert_int_equal(e.kind, AV_ESR_KIND_FPAC);
	assert_true(e.u.fpac.data_key);
	assert_false(e.u.fpac.key_b);

	e = decode_ok(EC(0x0D) | F(1, 0, 3));
	assert_int_equal(e.kind, AV_ESR_KIND_BTI);
	assert_int_equal(e.u.bti.btype, 3);

	e = decode_ok(F(31, 26, 0x0E) | F(25, 25, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_PLAIN);
	assert_string_equal(av_esr_ec_name(e.ec), "ILL");

	e = decode_ok(EC(0x0A) | F(24, 0, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_LS64);
	assert_int_equal(e.u.ls64.type, AV_ESR_LS64_ST64BV0);

	e = decode_ok(EC(0x1B) | F(9, 5, 17));
	assert_int_equal(e.kind, AV_ESR_KIND_TSTART);
	assert_int_equal(e.u.tstart.rd, 17);

	/* CPYFE-style MOPS exception. */
	e = decode_ok(EC(0x27) | F(24, 24, 1) | F(23, 23, 0) | F(22, 19, 0x9) | F(18, 18, 1) |
		      F(17, 17, 1) | F(16, 16, 1) | F(14, 10, 1) | F(9, 5, 2) | F(4, 0, 3));
	assert_int_equal(e.kind, AV_ESR_KIND_MOPS);
	assert_true(e.u.mops.mem_inst);
	assert_false(e.u.mops.is_setg);
	assert_int_equal(e.u.mops.options, 9);
	assert_true(e.u.mops.from_epilogue && e.u.mops.wrong_option && e.u.mops.option_a);
	assert_int_equal(e.u.mops.destreg, 1);
	assert_int_equal(e.u.mops.srcreg, 2);
	assert_int_equal(e.u.mops.sizereg, 3);

	e = decode_ok(EC(0x2D) | F(23, 20, 2) | F(14, 10, 4) | F(9, 5, 5) | F(4, 0, 9));
	assert_int_equal(e.kind, AV_ESR_KIND_GCS);
	assert_int_equal(e.u.gcs.ex_type, 2);
	assert_int_equal(e.u.gcs.raddr, 4);
	assert_int_equal(e.u.gcs.rn, 5);
	assert_int_equal(e.u.gcs.it, 9);

	e = decode_ok(EC(0x3D) | F(0, 0, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_PLAIN);
	assert_int_equal(e.iss, 1);
	assert_string_equal(av_esr_ec_name(e.ec), "PROFILING");

	e = decode_ok(EC(0x1F) | F(24, 0, 0x123456));
	assert_int_equal(e.kind, AV_ESR_KIND_PLAIN);
	check_format(EC(0x1F) | F(24, 0, 0x123456), "EC=0x1f IMP_DEF IL=1 ISS=0x0123456");
}

static void test_build_aborts(void **state)
{
	/* Stage 2 instruction abort on a stage 1 walk, permission fault level 3, ISS2 Overlay. */
	uint64_t iabt = EC(0x20) | F(7, 7, 1) | F(5, 0, 0x0f) | F2(6, 6, 1);
	/* Same-EL data abort: sync external abort, SET=2, FnV, EA, CM, no ISV. */
	uint64_t sea = EC(0x25) | F(12, 11, 2) | F(10, 10, 1) | F(9, 9, 1) | F(8, 8, 1) |
		       F(5, 0, 0x10);
	/* ST64BV translation fault at level -1 with ISS2.Xs = 7, VNCR, acquire/release. */
	uint64_t ls64 = EC(0x24) | F(24, 24, 1) | F(23, 22, 1) | F(21, 21, 1) | F(20, 16, 31) |
			F(14, 14, 1) | F(13, 13, 1) | F(6, 6, 1) | F(5, 0, 0x2b) |
			F2(4, 0, 7) | F2(5, 5, 1) | F2(8, 8, 1) | F2(11, 11, 1);
	struct av_esr e, b;
	int level;

	(void)state;
	e = decode_ok(iabt);
	assert_int_equal(e.kind, AV_ESR_KIND_IABT);
	assert_true(e.u.iabt.s1ptw);
	assert_int_equal(e.u.iabt.fsc, 0x0f);
	assert_true(e.u.iabt.overlay);
	assert_false(e.u.iabt.assured_only);
	assert_true(av_esr_is_permission_fault(&e));
	assert_int_equal(av_esr_fault_level(&e, &level), 0);
	assert_int_equal(level, 3);
	check_format(iabt, "EC=0x20 IABT_LOW IL=1 S1PTW=1 Overlay=1 FSC=0x0f permission L3");

	e = decode_ok(sea);
	assert_int_equal(e.kind, AV_ESR_KIND_DABT);
	assert_false(e.u.dabt.isv);
	assert_int_equal(e.u.dabt.set, 2);
	assert_true(e.u.dabt.fnv && e.u.dabt.ea && e.u.dabt.cm);
	assert_int_equal(av_esr_abort_class(&e), AV_ESR_FSC_SEA);
	assert_int_equal(av_esr_fault_level(&e, &level), -AV_ENOENT);
	check_format(sea, "EC=0x25 DABT_CUR IL=1 ISV=0 WnR=0 S1PTW=0 CM=1 EA=1 FnV=1 SET=2 "
			  "FSC=0x10 sync external abort");

	e = decode_ok(ls64);
	assert_true(e.u.dabt.isv);
	assert_int_equal(e.u.dabt.size, 2);
	assert_true(e.u.dabt.sse);
	assert_int_equal(e.u.dabt.srt, 31);
	assert_true(e.u.dabt.ar);
	assert_true(e.u.dabt.vncr);
	assert_true(e.u.dabt.wnr);
	assert_int_equal(e.u.dabt.xs, 7);
	assert_true(e.u.dabt.dirty_bit);
	assert_true(e.u.dabt.gcs);
	assert_true(e.u.dabt.hdbssf);
	assert_false(e.u.dabt.tnd || e.u.dabt.tag_access || e.u.dabt.overlay);
	assert_true(av_esr_is_translation_fault(&e));
	assert_int_equal(av_esr_fault_level(&e, &level), 0);
	assert_int_equal(level, -1);

	/* Building the same abort for injection from named fields only. */
	memset(&b, 0, sizeof(b));
	b.ec = AV_ESR_EC_DABT_LOW;
	b.il = true;
	b.u.dabt = (struct av_esr_dabt){ .isv = true, .size = 2, .sse = true, .srt = 31,
					 .ar = true, .vncr = true, .wnr = true, .fsc = 0x2b,
					 .xs = 7, .dirty_bit = true, .gcs = true, .hdbssf = true };
	assert_true(av_esr_encode(&b) == ls64);

	/* Not an abort: predicates are false, no level. */
	e = decode_ok(0x5a000001);
	assert_false(av_esr_is_abort(&e));
	assert_false(av_esr_is_translation_fault(&e));
	assert_int_equal(av_esr_fault_level(&e, &level), -AV_ENOENT);
	assert_false(av_esr_is_abort(NULL));
}

static void test_build_gpc_serror(void **state)
{
	uint64_t gpc = EC(0x1E) | F(21, 21, 1) | F(20, 20, 0) | F(19, 14, 0x14) | F(13, 13, 1) |
		       F(8, 8, 1) | F(7, 7, 1) | F(6, 6, 1) | F(5, 0, 0x28);
	uint64_t serr = EC(0x2F) | F(24, 24, 0) | F(13, 13, 1) | F(12, 10, 2) | F(9, 9, 1) |
			F(5, 0, 0x11);
	struct av_esr e;

	(void)state;
	e = decode_ok(gpc);
	assert_int_equal(e.kind, AV_ESR_KIND_GPC);
	assert_true(e.u.gpc.s2ptw);
	assert_false(e.u.gpc.ind);
	assert_int_equal(e.u.gpc.gpcsc, 0x14);
	assert_true(e.u.gpc.vncr && e.u.gpc.cm && e.u.gpc.s1ptw && e.u.gpc.wnr);
	assert_int_equal(e.u.gpc.xfsc, 0x28);

	e = decode_ok(serr);
	assert_int_equal(e.kind, AV_ESR_KIND_SERROR);
	assert_false(e.u.serror.ids);
	assert_true(e.u.serror.iesb);
	assert_int_equal(e.u.serror.aet, 2);
	assert_true(e.u.serror.ea);
	assert_int_equal(e.u.serror.fsc, 0x11);
	check_format(serr, "EC=0x2f SERROR IL=1 IDS=0 IESB=1 AET=2 EA=1 DFSC=0x11");
	/* IDS=1: implementation-defined syndrome, still round-trips exactly. */
	e = decode_ok(EC(0x2F) | F(24, 24, 1) | F(23, 0, 0xabcdef));
	assert_true(e.u.serror.ids);
}

static void test_build_debug(void **state)
{
	struct av_esr e;

	(void)state;
	e = decode_ok(EC(0x30) | F(5, 0, 0x22));
	assert_int_equal(e.kind, AV_ESR_KIND_BREAKPOINT);
	assert_int_equal(e.u.breakpoint.fsc, 0x22);
	assert_int_equal(decode_ok(EC(0x31)).kind, AV_ESR_KIND_BREAKPOINT);
	assert_int_equal(decode_ok(EC(0x3A)).kind, AV_ESR_KIND_BREAKPOINT);

	e = decode_ok(EC(0x32) | F(24, 24, 1) | F(6, 6, 1) | F(5, 0, 0x22));
	assert_int_equal(e.kind, AV_ESR_KIND_SOFTSTEP);
	assert_true(e.u.softstep.isv);
	assert_true(e.u.softstep.ex);
	assert_int_equal(e.u.softstep.fsc, 0x22);
	assert_int_equal(decode_ok(EC(0x33)).kind, AV_ESR_KIND_SOFTSTEP);

	e = decode_ok(EC(0x34) | F(23, 18, 5) | F(17, 17, 1) | F(16, 16, 1) | F(15, 15, 1) |
		      F(13, 13, 1) | F(8, 8, 1) | F(7, 7, 1) | F(6, 6, 1) | F(5, 0, 0x22) |
		      F2(8, 8, 1));
	assert_int_equal(e.kind, AV_ESR_KIND_WATCHPOINT);
	assert_int_equal(e.u.watchpoint.wpt, 5);
	assert_true(e.u.watchpoint.wptv && e.u.watchpoint.wpf && e.u.watchpoint.fnp);
	assert_true(e.u.watchpoint.vncr && e.u.watchpoint.cm && e.u.watchpoint.wnrv);
	assert_true(e.u.watchpoint.wnr && e.u.watchpoint.gcs);
	assert_int_equal(e.u.watchpoint.fsc, 0x22);
	assert_int_equal(decode_ok(EC(0x35)).kind, AV_ESR_KIND_WATCHPOINT);

	e = decode_ok(EC(0x3C) | F(15, 0, 0xf000));
	assert_int_equal(e.kind, AV_ESR_KIND_BRK);
	assert_int_equal(e.u.brk.comment, 0xf000);
	check_format(EC(0x3C) | F(15, 0, 0xf000), "EC=0x3c BRK64 IL=1 comment=0xf000");
	e = decode_ok(F(31, 26, 0x38) | F(15, 0, 0xab));
	assert_int_equal(e.kind, AV_ESR_KIND_BRK);
	assert_false(e.il);
	assert_int_equal(e.u.brk.comment, 0xab);
}

/* ---- every EC and every FSC ---- */

/* The exception classes the Arm ARM allocates, and their short names. */
static const char *const allocated[64] = {
	[0x00] = "UNKNOWN",     [0x01] = "WFX",         [0x03] = "CP15_32",
	[0x04] = "CP15_64",     [0x05] = "CP14_MR",     [0x06] = "CP14_LS",
	[0x07] = "FP_ASIMD",    [0x08] = "CP10_ID",     [0x09] = "PAC",
	[0x0A] = "LS64",        [0x0C] = "CP14_64",     [0x0D] = "BTI",
	[0x0E] = "ILL",         [0x11] = "SVC32",       [0x12] = "HVC32",
	[0x13] = "SMC32",       [0x14] = "SYS128",      [0x15] = "SVC64",
	[0x16] = "HVC64",       [0x17] = "SMC64",       [0x18] = "SYS64",
	[0x19] = "SVE",         [0x1A] = "ERET",        [0x1B] = "TSTART",
	[0x1C] = "FPAC",        [0x1D] = "SME",         [0x1E] = "GPC",
	[0x1F] = "IMP_DEF",     [0x20] = "IABT_LOW",    [0x21] = "IABT_CUR",
	[0x22] = "PC_ALIGN",    [0x24] = "DABT_LOW",    [0x25] = "DABT_CUR",
	[0x26] = "SP_ALIGN",    [0x27] = "MOPS",        [0x28] = "FP_EXC32",
	[0x2C] = "FP_EXC64",    [0x2D] = "GCS",         [0x2F] = "SERROR",
	[0x30] = "BREAKPT_LOW", [0x31] = "BREAKPT_CUR", [0x32] = "SOFTSTP_LOW",
	[0x33] = "SOFTSTP_CUR", [0x34] = "WATCHPT_LOW", [0x35] = "WATCHPT_CUR",
	[0x38] = "BKPT32",      [0x3A] = "VECTOR32",    [0x3C] = "BRK64",
	[0x3D] = "PROFILING",
};

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s;
}

static void test_every_ec(void **state)
{
	static const uint64_t patterns[] = { 0, ~0ULL, 0x5555555555555555ULL, 0xaaaaaaaaaaaaaaaaULL,
					     0x00ffffff01ffffffULL };
	uint64_t seed = 1;

	(void)state;
	for (unsigned ec = 0; ec < 64; ec++) {
		if (allocated[ec])
			assert_string_equal(av_esr_ec_name(ec), allocated[ec]);
		else
			assert_string_equal(av_esr_ec_name(ec), "unallocated");
		for (size_t p = 0; p < sizeof(patterns) / sizeof(patterns[0]) + 64; p++) {
			uint64_t bits = p < sizeof(patterns) / sizeof(patterns[0]) ?
						patterns[p] : lcg(&seed);
			uint64_t esr = (bits & ~AV_GENMASK(31, 26)) | F(31, 26, ec);
			struct av_esr e, again;
			char line[256];

			decode_ok(esr);
			/* Decoded in place, so padding bytes are the decoder's zeroes. */
			assert_int_equal(av_esr_decode(esr, &e), 0);

			assert_int_equal(e.ec, ec);
			assert_int_equal(e.kind, av_esr_ec_kind(ec));
			if (!allocated[ec] || ec == 0)
				assert_int_equal(e.kind, AV_ESR_KIND_UNKNOWN);
			else
				assert_int_not_equal(e.kind, AV_ESR_KIND_UNKNOWN);
			/* decode(encode(decode(x))) is decode(x) but for bits [63:56]. */
			assert_int_equal(av_esr_decode(av_esr_encode(&e), &again), 0);
			again.raw = e.raw;
			assert_memory_equal(&again, &e, sizeof(e));
			assert_true(av_esr_format(&e, line, sizeof(line)) > 0);
			assert_non_null(strstr(line, av_esr_ec_name(ec)));
		}
	}
	assert_string_equal(av_esr_ec_name(64), "unallocated");
	assert_int_equal(av_esr_ec_kind(1000), AV_ESR_KIND_UNKNOWN);
	for (int k = 0; k < AV_ESR_KIND_COUNT; k++)
		assert_string_not_equal(av_esr_kind_name((enum av_esr_kind)k), "?");
	assert_string_equal(av_esr_kind_name(AV_ESR_KIND_COUNT), "?");
}

#define NL 100 /* no level */

static const struct {
	enum av_esr_fsc_class cls;
	int level;
} fsc_want[64] = {
	[0x00] = { AV_ESR_FSC_ADDR_SIZE, 0 },       [0x01] = { AV_ESR_FSC_ADDR_SIZE, 1 },
	[0x02] = { AV_ESR_FSC_ADDR_SIZE, 2 },       [0x03] = { AV_ESR_FSC_ADDR_SIZE, 3 },
	[0x04] = { AV_ESR_FSC_TRANSLATION, 0 },     [0x05] = { AV_ESR_FSC_TRANSLATION, 1 },
	[0x06] = { AV_ESR_FSC_TRANSLATION, 2 },     [0x07] = { AV_ESR_FSC_TRANSLATION, 3 },
	[0x08] = { AV_ESR_FSC_ACCESS_FLAG, 0 },     [0x09] = { AV_ESR_FSC_ACCESS_FLAG, 1 },
	[0x0A] = { AV_ESR_FSC_ACCESS_FLAG, 2 },     [0x0B] = { AV_ESR_FSC_ACCESS_FLAG, 3 },
	[0x0C] = { AV_ESR_FSC_PERMISSION, 0 },      [0x0D] = { AV_ESR_FSC_PERMISSION, 1 },
	[0x0E] = { AV_ESR_FSC_PERMISSION, 2 },      [0x0F] = { AV_ESR_FSC_PERMISSION, 3 },
	[0x10] = { AV_ESR_FSC_SEA, NL },            [0x11] = { AV_ESR_FSC_TAG_CHECK, NL },
	[0x12] = { AV_ESR_FSC_SEA_WALK, -2 },       [0x13] = { AV_ESR_FSC_SEA_WALK, -1 },
	[0x14] = { AV_ESR_FSC_SEA_WALK, 0 },        [0x15] = { AV_ESR_FSC_SEA_WALK, 1 },
	[0x16] = { AV_ESR_FSC_SEA_WALK, 2 },        [0x17] = { AV_ESR_FSC_SEA_WALK, 3 },
	[0x18] = { AV_ESR_FSC_ECC, NL },            [0x19] = { AV_ESR_FSC_RESERVED, NL },
	[0x1A] = { AV_ESR_FSC_RESERVED, NL },       [0x1B] = { AV_ESR_FSC_ECC_WALK, -1 },
	[0x1C] = { AV_ESR_FSC_ECC_WALK, 0 },        [0x1D] = { AV_ESR_FSC_ECC_WALK, 1 },
	[0x1E] = { AV_ESR_FSC_ECC_WALK, 2 },        [0x1F] = { AV_ESR_FSC_ECC_WALK, 3 },
	[0x20] = { AV_ESR_FSC_RESERVED, NL },       [0x21] = { AV_ESR_FSC_ALIGNMENT, NL },
	[0x22] = { AV_ESR_FSC_GPF_WALK, -2 },       [0x23] = { AV_ESR_FSC_GPF_WALK, -1 },
	[0x24] = { AV_ESR_FSC_GPF_WALK, 0 },        [0x25] = { AV_ESR_FSC_GPF_WALK, 1 },
	[0x26] = { AV_ESR_FSC_GPF_WALK, 2 },        [0x27] = { AV_ESR_FSC_GPF_WALK, 3 },
	[0x28] = { AV_ESR_FSC_GPF, NL },            [0x29] = { AV_ESR_FSC_ADDR_SIZE, -1 },
	[0x2A] = { AV_ESR_FSC_TRANSLATION, -2 },    [0x2B] = { AV_ESR_FSC_TRANSLATION, -1 },
	[0x2C] = { AV_ESR_FSC_ADDR_SIZE, -2 },      [0x2D] = { AV_ESR_FSC_RESERVED, NL },
	[0x2E] = { AV_ESR_FSC_RESERVED, NL },       [0x2F] = { AV_ESR_FSC_RESERVED, NL },
	[0x30] = { AV_ESR_FSC_TLB_CONFLICT, NL },   [0x31] = { AV_ESR_FSC_ATOMIC_HW_UPDATE, NL },
	[0x32] = { AV_ESR_FSC_PLB_CONFLICT, NL },   [0x33] = { AV_ESR_FSC_RESERVED, NL },
	[0x34] = { AV_ESR_FSC_IMPDEF_LOCKDOWN, NL }, [0x35] = { AV_ESR_FSC_IMPDEF_ATOMIC, NL },
	[0x36] = { AV_ESR_FSC_RESERVED, NL },       [0x37] = { AV_ESR_FSC_RESERVED, NL },
	[0x38] = { AV_ESR_FSC_RESERVED, NL },       [0x39] = { AV_ESR_FSC_RESERVED, NL },
	[0x3A] = { AV_ESR_FSC_RESERVED, NL },       [0x3B] = { AV_ESR_FSC_RESERVED, NL },
	[0x3C] = { AV_ESR_FSC_RESERVED, NL },       [0x3D] = { AV_ESR_FSC_RESERVED, NL },
	[0x3E] = { AV_ESR_FSC_RESERVED, NL },       [0x3F] = { AV_ESR_FSC_RESERVED, NL },
};

static void test_every_fsc(void **state)
{
	(void)state;
	for (unsigned fsc = 0; fsc < 64; fsc++) {
		enum av_esr_fsc_class cls = av_esr_fsc_class(fsc);
		int level = 99, rc = av_esr_fsc_level(fsc, &level);
		struct av_esr d = decode_ok(EC(0x24) | F(5, 0, fsc));
		struct av_esr i = decode_ok(EC(0x21) | F(5, 0, fsc));
		int dl = 99;
		char line[256];

		assert_int_equal(cls, fsc_want[fsc].cls);
		assert_string_not_equal(av_esr_fsc_class_name(cls), "?");
		if (fsc_want[fsc].level == NL) {
			assert_int_equal(rc, -AV_ENOENT);
			assert_int_equal(level, 99);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(level, fsc_want[fsc].level);
		}
		/* The abort predicates follow the class, for data and instruction aborts. */
		assert_int_equal(av_esr_is_translation_fault(&d), cls == AV_ESR_FSC_TRANSLATION);
		assert_int_equal(av_esr_is_permission_fault(&d), cls == AV_ESR_FSC_PERMISSION);
		assert_int_equal(av_esr_is_access_flag_fault(&d), cls == AV_ESR_FSC_ACCESS_FLAG);
		assert_int_equal(av_esr_is_translation_fault(&i), cls == AV_ESR_FSC_TRANSLATION);
		assert_int_equal(av_esr_abort_class(&i), cls);
		assert_int_equal(av_esr_fault_level(&d, &dl), rc);
		if (rc == 0)
			assert_int_equal(dl, level);
		av_esr_format(&d, line, sizeof(line));
		assert_non_null(strstr(line, av_esr_fsc_class_name(cls)));
	}
	/* The LPA2 level -1 codes, spelled out. */
	assert_int_equal(av_esr_fsc_class(0x2B), AV_ESR_FSC_TRANSLATION);
	assert_int_equal(av_esr_fsc_class(0x29), AV_ESR_FSC_ADDR_SIZE);
	assert_int_equal(av_esr_fsc_class(0x13), AV_ESR_FSC_SEA_WALK);
	assert_int_equal(av_esr_fsc_class(0x1B), AV_ESR_FSC_ECC_WALK);
	assert_int_equal(av_esr_fsc_class(0x23), AV_ESR_FSC_GPF_WALK);
	for (unsigned fsc = 0; fsc < 64; fsc++) {
		int level;

		if (fsc == 0x2B || fsc == 0x29 || fsc == 0x13 || fsc == 0x1B || fsc == 0x23)
			assert_true(av_esr_fsc_level(fsc, &level) == 0 && level == -1);
		else if (av_esr_fsc_level(fsc, &level) == 0)
			assert_int_not_equal(level, -1);
	}
	assert_int_equal(av_esr_fsc_level(0x2B, NULL), 0);
	assert_int_equal(av_esr_fsc_class(64), AV_ESR_FSC_RESERVED);
	assert_int_equal(av_esr_fsc_level(64, NULL), -AV_ENOENT);
	assert_string_equal(av_esr_fsc_class_name(AV_ESR_FSC_CLASS_COUNT), "?");
	check_format(EC(0x24) | F(5, 0, 0x2B),
		     "EC=0x24 DABT_LOW IL=1 ISV=0 WnR=0 S1PTW=0 FSC=0x2b translation L-1");
}

/* ---- formatting ---- */

static void test_format_truncation(void **state)
{
	static const uint64_t esrs[] = { 0x5a000001, 0x62300029, 0x93c38006, 0x93840046,
					 0x2c000000, 0xffffffffffffffffULL };

	(void)state;
	for (size_t k = 0; k < sizeof(esrs) / sizeof(esrs[0]); k++) {
		struct av_esr e = decode_ok(esrs[k]);
		char full[512];
		int n = av_esr_format(&e, full, sizeof(full));

		assert_true(n > 0 && (size_t)n < sizeof(full));
		assert_int_equal(strlen(full), (size_t)n);
		assert_int_equal(av_esr_format(&e, NULL, 0), n);
		for (size_t size = 0; size <= (size_t)n + 2; size++) {
			char buf[520];

			memset(buf, 'Z', sizeof(buf));
			assert_int_equal(av_esr_format(&e, buf, size), n);
			if (size > 0) {
				size_t got = size - 1 < (size_t)n ? size - 1 : (size_t)n;

				assert_int_equal(buf[got], '\0');
				assert_memory_equal(buf, full, got);
			}
			for (size_t j = size; j < sizeof(buf); j++)
				assert_int_equal(buf[j], 'Z');
		}
	}
	check_format(0x2c000000, "EC=0x0b unallocated IL=0 ISS=0x0000000");
	check_format(0x02000000, "EC=0x00 UNKNOWN IL=1 ISS=0x0000000");
}

/* The raw-syndrome accessors agree with av_esr_decode() on every class and on random
 * syndromes (a fixed xorshift sequence, so a failure repeats). */
static void test_raw_accessors(void **state)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	(void)state;

	for (unsigned i = 0; i < 200000; i++) {
		struct av_esr e;
		uint64_t esr;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		esr = x;
		if (i < 64 * 4) /* every class with a few ISS patterns first */
			esr = (x & ~AV_ESR_EC) | AV_FIELD_PREP(AV_ESR_EC, i / 4);
		assert_int_equal(av_esr_decode(esr, &e), 0);
		assert_int_equal(av_esr_get_ec(esr), e.ec);
		assert_int_equal(av_esr_get_il(esr), e.il);
		assert_int_equal(av_esr_get_iss(esr), e.iss);
		switch (e.kind) {
		case AV_ESR_KIND_DABT:
			assert_int_equal(av_esr_get_dabt_isv(esr), e.u.dabt.isv);
			assert_int_equal(av_esr_get_dabt_size(esr), e.u.dabt.size);
			assert_int_equal(av_esr_get_dabt_sse(esr), e.u.dabt.sse);
			assert_int_equal(av_esr_get_dabt_srt(esr), e.u.dabt.srt);
			assert_int_equal(av_esr_get_dabt_sf(esr), e.u.dabt.sf);
			assert_int_equal(av_esr_get_dabt_cm(esr), e.u.dabt.cm);
			assert_int_equal(av_esr_get_dabt_wnr(esr), e.u.dabt.wnr);
			assert_int_equal(av_esr_get_abort_s1ptw(esr), e.u.dabt.s1ptw);
			assert_int_equal(av_esr_get_abort_fsc(esr), e.u.dabt.fsc);
			assert_int_equal(av_esr_fsc_class(av_esr_get_abort_fsc(esr)),
					 av_esr_abort_class(&e));
			break;
		case AV_ESR_KIND_IABT:
			assert_int_equal(av_esr_get_abort_s1ptw(esr), e.u.iabt.s1ptw);
			assert_int_equal(av_esr_get_abort_fsc(esr), e.u.iabt.fsc);
			break;
		case AV_ESR_KIND_CALL:
			assert_int_equal(av_esr_get_imm16(esr), e.u.call.imm16);
			break;
		case AV_ESR_KIND_WFX:
			assert_int_equal(av_esr_get_wfx_ti(esr), e.u.wfx.ti);
			break;
		default:
			break;
		}
	}
}

static void test_bad_args(void **state)
{
	struct av_esr e;
	char buf[8];

	(void)state;
	assert_int_equal(av_esr_decode(0, NULL), -AV_EINVAL);
	assert_int_equal(av_esr_format(NULL, buf, sizeof(buf)), -AV_EINVAL);
	assert_int_equal(av_esr_decode(0x5a000001, &e), 0);
	assert_int_equal(av_esr_format(&e, NULL, 4), -AV_EINVAL);
	assert_true(av_esr_encode(NULL) == 0);
	/* An invalid access size encodes as SAS 0 instead of spilling into other fields. */
	e = decode_ok(0x93c38006);
	e.u.dabt.size = 3;
	assert_true(av_esr_encode(&e) == (0x93c38006 & ~AV_GENMASK(23, 22)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_hvc),
		cmocka_unit_test(test_golden_mrs),
		cmocka_unit_test(test_golden_dabt_load),
		cmocka_unit_test(test_golden_dabt_store),
		cmocka_unit_test(test_fault_ipa),
		cmocka_unit_test(test_build_wfx),
		cmocka_unit_test(test_build_cp),
		cmocka_unit_test(test_build_fp_simd_sme),
		cmocka_unit_test(test_build_calls),
		cmocka_unit_test(test_build_sys),
		cmocka_unit_test(test_sys64_one_polarity),
		cmocka_unit_test(test_build_misc_traps),
		cmocka_unit_test(test_build_aborts),
		cmocka_unit_test(test_build_gpc_serror),
		cmocka_unit_test(test_build_debug),
		cmocka_unit_test(test_every_ec),
		cmocka_unit_test(test_every_fsc),
		cmocka_unit_test(test_format_truncation),
		cmocka_unit_test(test_raw_accessors),
		cmocka_unit_test(test_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
