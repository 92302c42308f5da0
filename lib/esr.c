/* SPDX-License-Identifier: MIT */
/*
 * ESR_ELx decoding and encoding.
 *
 * Design: each ISS encoding is described once, as a table of fields (mask, where the
 * field lives in `struct av_esr`, how it is converted, how it is printed). Decoding,
 * encoding and formatting all walk the same table, so the three cannot disagree about
 * a field's position, and av_esr_encode() is the exact inverse of av_esr_decode() on
 * the bits the architecture defines (bits of the ISS/ISS2 that a layout does not name
 * are carried over through `iss`/`iss2`).
 *
 * Exception classes and fault status codes are looked up in tables with one explicit
 * row per value; nothing is classified by bit masks.
 */
#include <armvirt/esr.h>
#include <armvirt/log.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/* ---- exception classes ---- */

struct ec_info {
	const char *name;
	enum av_esr_kind kind;
};

static const struct ec_info ec_table[AV_ESR_EC_MAX + 1] = {
	[AV_ESR_EC_UNKNOWN] = { "UNKNOWN", AV_ESR_KIND_UNKNOWN },
	[AV_ESR_EC_WFX] = { "WFX", AV_ESR_KIND_WFX },
	[AV_ESR_EC_CP15_32] = { "CP15_32", AV_ESR_KIND_MCR },
	[AV_ESR_EC_CP15_64] = { "CP15_64", AV_ESR_KIND_MCRR },
	[AV_ESR_EC_CP14_MR] = { "CP14_MR", AV_ESR_KIND_MCR },
	[AV_ESR_EC_CP14_LS] = { "CP14_LS", AV_ESR_KIND_LDC },
	[AV_ESR_EC_FP_ASIMD] = { "FP_ASIMD", AV_ESR_KIND_FP_ACCESS },
	[AV_ESR_EC_CP10_ID] = { "CP10_ID", AV_ESR_KIND_MCR },
	[AV_ESR_EC_PAC] = { "PAC", AV_ESR_KIND_PLAIN },
	[AV_ESR_EC_LS64] = { "LS64", AV_ESR_KIND_LS64 },
	[AV_ESR_EC_CP14_64] = { "CP14_64", AV_ESR_KIND_MCRR },
	[AV_ESR_EC_BTI] = { "BTI", AV_ESR_KIND_BTI },
	[AV_ESR_EC_ILL] = { "ILL", AV_ESR_KIND_PLAIN },
	[AV_ESR_EC_SVC32] = { "SVC32", AV_ESR_KIND_CALL },
	[AV_ESR_EC_HVC32] = { "HVC32", AV_ESR_KIND_CALL },
	[AV_ESR_EC_SMC32] = { "SMC32", AV_ESR_KIND_SMC32 },
	[AV_ESR_EC_SYS128] = { "SYS128", AV_ESR_KIND_SYS128 },
	[AV_ESR_EC_SVC64] = { "SVC64", AV_ESR_KIND_CALL },
	[AV_ESR_EC_HVC64] = { "HVC64", AV_ESR_KIND_CALL },
	[AV_ESR_EC_SMC64] = { "SMC64", AV_ESR_KIND_CALL },
	[AV_ESR_EC_SYS64] = { "SYS64", AV_ESR_KIND_SYS },
	[AV_ESR_EC_SVE] = { "SVE", AV_ESR_KIND_PLAIN },
	[AV_ESR_EC_ERET] = { "ERET", AV_ESR_KIND_ERET },
	[AV_ESR_EC_TSTART] = { "TSTART", AV_ESR_KIND_TSTART },
	[AV_ESR_EC_FPAC] = { "FPAC", AV_ESR_KIND_FPAC },
	[AV_ESR_EC_SME] = { "SME", AV_ESR_KIND_SME },
	[AV_ESR_EC_GPC] = { "GPC", AV_ESR_KIND_GPC },
	[AV_ESR_EC_IMP_DEF] = { "IMP_DEF", AV_ESR_KIND_PLAIN },
	[AV_ESR_EC_IABT_LOW] = { "IABT_LOW", AV_ESR_KIND_IABT },
	[AV_ESR_EC_IABT_CUR] = { "IABT_CUR", AV_ESR_KIND_IABT },
	[AV_ESR_EC_PC_ALIGN] = { "PC_ALIGN", AV_ESR_KIND_PLAIN },
	[AV_ESR_EC_DABT_LOW] = { "DABT_LOW", AV_ESR_KIND_DABT },
	[AV_ESR_EC_DABT_CUR] = { "DABT_CUR", AV_ESR_KIND_DABT },
	[AV_ESR_EC_SP_ALIGN] = { "SP_ALIGN", AV_ESR_KIND_PLAIN },
	[AV_ESR_EC_MOPS] = { "MOPS", AV_ESR_KIND_MOPS },
	[AV_ESR_EC_FP_EXC32] = { "FP_EXC32", AV_ESR_KIND_FP_EXC },
	[AV_ESR_EC_FP_EXC64] = { "FP_EXC64", AV_ESR_KIND_FP_EXC },
	[AV_ESR_EC_GCS] = { "GCS", AV_ESR_KIND_GCS },
	[AV_ESR_EC_SERROR] = { "SERROR", AV_ESR_KIND_SERROR },
	[AV_ESR_EC_BREAKPT_LOW] = { "BREAKPT_LOW", AV_ESR_KIND_BREAKPOINT },
	[AV_ESR_EC_BREAKPT_CUR] = { "BREAKPT_CUR", AV_ESR_KIND_BREAKPOINT },
	[AV_ESR_EC_SOFTSTP_LOW] = { "SOFTSTP_LOW", AV_ESR_KIND_SOFTSTEP },
	[AV_ESR_EC_SOFTSTP_CUR] = { "SOFTSTP_CUR", AV_ESR_KIND_SOFTSTEP },
	[AV_ESR_EC_WATCHPT_LOW] = { "WATCHPT_LOW", AV_ESR_KIND_WATCHPOINT },
	[AV_ESR_EC_WATCHPT_CUR] = { "WATCHPT_CUR", AV_ESR_KIND_WATCHPOINT },
	[AV_ESR_EC_BKPT32] = { "BKPT32", AV_ESR_KIND_BRK },
	[AV_ESR_EC_VECTOR32] = { "VECTOR32", AV_ESR_KIND_BREAKPOINT },
	[AV_ESR_EC_BRK64] = { "BRK64", AV_ESR_KIND_BRK },
	[AV_ESR_EC_PROFILING] = { "PROFILING", AV_ESR_KIND_PLAIN },
};

enum av_esr_kind av_esr_ec_kind(unsigned ec)
{
	if (ec > AV_ESR_EC_MAX || ec_table[ec].name == NULL)
		return AV_ESR_KIND_UNKNOWN;
	return ec_table[ec].kind;
}

const char *av_esr_ec_name(unsigned ec)
{
	if (ec > AV_ESR_EC_MAX || ec_table[ec].name == NULL)
		return "unallocated";
	return ec_table[ec].name;
}

static const char *const kind_names[AV_ESR_KIND_COUNT] = {
	[AV_ESR_KIND_UNKNOWN] = "unknown",
	[AV_ESR_KIND_PLAIN] = "plain",
	[AV_ESR_KIND_WFX] = "wfx",
	[AV_ESR_KIND_MCR] = "mcr",
	[AV_ESR_KIND_MCRR] = "mcrr",
	[AV_ESR_KIND_LDC] = "ldc",
	[AV_ESR_KIND_FP_ACCESS] = "fp_access",
	[AV_ESR_KIND_LS64] = "ls64",
	[AV_ESR_KIND_BTI] = "bti",
	[AV_ESR_KIND_CALL] = "call",
	[AV_ESR_KIND_SMC32] = "smc32",
	[AV_ESR_KIND_SYS] = "sys",
	[AV_ESR_KIND_SYS128] = "sys128",
	[AV_ESR_KIND_ERET] = "eret",
	[AV_ESR_KIND_TSTART] = "tstart",
	[AV_ESR_KIND_FPAC] = "fpac",
	[AV_ESR_KIND_SME] = "sme",
	[AV_ESR_KIND_GPC] = "gpc",
	[AV_ESR_KIND_IABT] = "iabt",
	[AV_ESR_KIND_DABT] = "dabt",
	[AV_ESR_KIND_MOPS] = "mops",
	[AV_ESR_KIND_FP_EXC] = "fp_exc",
	[AV_ESR_KIND_GCS] = "gcs",
	[AV_ESR_KIND_SERROR] = "serror",
	[AV_ESR_KIND_BREAKPOINT] = "breakpoint",
	[AV_ESR_KIND_SOFTSTEP] = "softstep",
	[AV_ESR_KIND_WATCHPOINT] = "watchpoint",
	[AV_ESR_KIND_BRK] = "brk",
};

const char *av_esr_kind_name(enum av_esr_kind kind)
{
	if ((unsigned)kind >= AV_ESR_KIND_COUNT)
		return "?";
	return kind_names[kind];
}

/* ---- fault status codes ---- */

#define NO_LEVEL 127

struct fsc_info {
	uint8_t cls;  /* enum av_esr_fsc_class */
	int8_t level; /* -2..3, or NO_LEVEL */
};

/* One row per code 0x00..0x3F (Arm ARM, ISS encoding for a Data Abort, DFSC). */
static const struct fsc_info fsc_table[64] = {
	[0x00] = { AV_ESR_FSC_ADDR_SIZE, 0 },
	[0x01] = { AV_ESR_FSC_ADDR_SIZE, 1 },
	[0x02] = { AV_ESR_FSC_ADDR_SIZE, 2 },
	[0x03] = { AV_ESR_FSC_ADDR_SIZE, 3 },
	[0x04] = { AV_ESR_FSC_TRANSLATION, 0 },
	[0x05] = { AV_ESR_FSC_TRANSLATION, 1 },
	[0x06] = { AV_ESR_FSC_TRANSLATION, 2 },
	[0x07] = { AV_ESR_FSC_TRANSLATION, 3 },
	[0x08] = { AV_ESR_FSC_ACCESS_FLAG, 0 },
	[0x09] = { AV_ESR_FSC_ACCESS_FLAG, 1 },
	[0x0A] = { AV_ESR_FSC_ACCESS_FLAG, 2 },
	[0x0B] = { AV_ESR_FSC_ACCESS_FLAG, 3 },
	[0x0C] = { AV_ESR_FSC_PERMISSION, 0 },
	[0x0D] = { AV_ESR_FSC_PERMISSION, 1 },
	[0x0E] = { AV_ESR_FSC_PERMISSION, 2 },
	[0x0F] = { AV_ESR_FSC_PERMISSION, 3 },
	[0x10] = { AV_ESR_FSC_SEA, NO_LEVEL },
	[0x11] = { AV_ESR_FSC_TAG_CHECK, NO_LEVEL },
	[0x12] = { AV_ESR_FSC_SEA_WALK, -2 },
	[0x13] = { AV_ESR_FSC_SEA_WALK, -1 },
	[0x14] = { AV_ESR_FSC_SEA_WALK, 0 },
	[0x15] = { AV_ESR_FSC_SEA_WALK, 1 },
	[0x16] = { AV_ESR_FSC_SEA_WALK, 2 },
	[0x17] = { AV_ESR_FSC_SEA_WALK, 3 },
	[0x18] = { AV_ESR_FSC_ECC, NO_LEVEL },
	[0x19] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x1A] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x1B] = { AV_ESR_FSC_ECC_WALK, -1 },
	[0x1C] = { AV_ESR_FSC_ECC_WALK, 0 },
	[0x1D] = { AV_ESR_FSC_ECC_WALK, 1 },
	[0x1E] = { AV_ESR_FSC_ECC_WALK, 2 },
	[0x1F] = { AV_ESR_FSC_ECC_WALK, 3 },
	[0x20] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x21] = { AV_ESR_FSC_ALIGNMENT, NO_LEVEL },
	[0x22] = { AV_ESR_FSC_GPF_WALK, -2 },
	[0x23] = { AV_ESR_FSC_GPF_WALK, -1 },
	[0x24] = { AV_ESR_FSC_GPF_WALK, 0 },
	[0x25] = { AV_ESR_FSC_GPF_WALK, 1 },
	[0x26] = { AV_ESR_FSC_GPF_WALK, 2 },
	[0x27] = { AV_ESR_FSC_GPF_WALK, 3 },
	[0x28] = { AV_ESR_FSC_GPF, NO_LEVEL },
	[0x29] = { AV_ESR_FSC_ADDR_SIZE, -1 },
	[0x2A] = { AV_ESR_FSC_TRANSLATION, -2 },
	[0x2B] = { AV_ESR_FSC_TRANSLATION, -1 },
	[0x2C] = { AV_ESR_FSC_ADDR_SIZE, -2 },
	[0x2D] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x2E] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x2F] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x30] = { AV_ESR_FSC_TLB_CONFLICT, NO_LEVEL },
	[0x31] = { AV_ESR_FSC_ATOMIC_HW_UPDATE, NO_LEVEL },
	[0x32] = { AV_ESR_FSC_PLB_CONFLICT, NO_LEVEL },
	[0x33] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x34] = { AV_ESR_FSC_IMPDEF_LOCKDOWN, NO_LEVEL },
	[0x35] = { AV_ESR_FSC_IMPDEF_ATOMIC, NO_LEVEL },
	[0x36] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x37] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x38] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x39] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x3A] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x3B] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x3C] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x3D] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x3E] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
	[0x3F] = { AV_ESR_FSC_RESERVED, NO_LEVEL },
};

static const char *const fsc_class_names[AV_ESR_FSC_CLASS_COUNT] = {
	[AV_ESR_FSC_RESERVED] = "reserved",
	[AV_ESR_FSC_ADDR_SIZE] = "address size",
	[AV_ESR_FSC_TRANSLATION] = "translation",
	[AV_ESR_FSC_ACCESS_FLAG] = "access flag",
	[AV_ESR_FSC_PERMISSION] = "permission",
	[AV_ESR_FSC_SEA] = "sync external abort",
	[AV_ESR_FSC_TAG_CHECK] = "tag check",
	[AV_ESR_FSC_SEA_WALK] = "sync external abort on walk",
	[AV_ESR_FSC_ECC] = "parity/ECC",
	[AV_ESR_FSC_ECC_WALK] = "parity/ECC on walk",
	[AV_ESR_FSC_ALIGNMENT] = "alignment",
	[AV_ESR_FSC_GPF_WALK] = "granule protection on walk",
	[AV_ESR_FSC_GPF] = "granule protection",
	[AV_ESR_FSC_TLB_CONFLICT] = "TLB conflict",
	[AV_ESR_FSC_ATOMIC_HW_UPDATE] = "unsupported atomic hardware update",
	[AV_ESR_FSC_PLB_CONFLICT] = "PLB conflict",
	[AV_ESR_FSC_IMPDEF_LOCKDOWN] = "IMPDEF lockdown",
	[AV_ESR_FSC_IMPDEF_ATOMIC] = "IMPDEF exclusive/atomic",
};

enum av_esr_fsc_class av_esr_fsc_class(unsigned fsc)
{
	if (fsc >= AV_ARRAY_SIZE(fsc_table))
		return AV_ESR_FSC_RESERVED;
	return (enum av_esr_fsc_class)fsc_table[fsc].cls;
}

const char *av_esr_fsc_class_name(enum av_esr_fsc_class cls)
{
	if ((unsigned)cls >= AV_ESR_FSC_CLASS_COUNT)
		return "?";
	return fsc_class_names[cls];
}

int av_esr_fsc_level(unsigned fsc, int *level)
{
	if (fsc >= AV_ARRAY_SIZE(fsc_table) || fsc_table[fsc].level == NO_LEVEL)
		return -AV_ENOENT;
	if (level)
		/* NOLINTNEXTLINE(bugprone-signed-char-misuse): a small signed number (-2..3) */
		*level = fsc_table[fsc].level;
	return 0;
}

/* ---- field layouts ---- */

enum ftype {
	T_BOOL, /* bool */
	T_U8,   /* uint8_t */
	T_U16,  /* uint16_t */
	T_U32,  /* uint32_t */
	T_SAS,  /* uint8_t holding 1 << field (data abort access size in bytes) */
	T_PAIR, /* uint8_t holding field * 2 (first register of an even pair) */
	T_WR,   /* bool holding field == 0: a direction bit, 1 = read, stored as is_write */
};

enum fflags {
	F_ISS2 = 1 << 0, /* field lives in ISS2 */
	F_OPT = 1 << 1,  /* print only when nonzero */
	F_ISV = 1 << 2,  /* data abort: print only when ISV is set */
	F_HEX = 1 << 3,  /* print in hex */
	F_DIR = 1 << 4,  /* print "write"/"read" for a T_WR field */
	F_FSC = 1 << 5,  /* abort fault status code: print class and level */
};

struct esr_field {
	uint64_t mask;     /* within the ISS, or the ISS2 with F_ISS2 */
	uint16_t off;      /* offset of the field in struct av_esr */
	uint8_t type;      /* enum ftype */
	uint8_t flags;     /* enum fflags */
	const char *label; /* name in av_esr_format() output */
};

#define FLD(member, field, mask, type, flags, label) \
	{ (mask), (uint16_t)offsetof(struct av_esr, u.member.field), (type), (flags), (label) }

static const struct esr_field wfx_fields[] = {
	FLD(wfx, cv, AV_ESR_CV, T_BOOL, 0, "CV"),
	FLD(wfx, cond, AV_ESR_COND, T_U8, F_HEX, "COND"),
	FLD(wfx, ti, AV_ESR_WFX_TI, T_U8, 0, "TI"),
	FLD(wfx, rv, AV_ESR_WFX_RV, T_BOOL, 0, "RV"),
	FLD(wfx, rn, AV_ESR_WFX_RN, T_U8, 0, "RN"),
};

static const struct esr_field mcr_fields[] = {
	FLD(mcr, cv, AV_ESR_CV, T_BOOL, 0, "CV"),
	FLD(mcr, cond, AV_ESR_COND, T_U8, F_HEX, "COND"),
	FLD(mcr, opc1, AV_ESR_MCR_OPC1, T_U8, 0, "Opc1"),
	FLD(mcr, crn, AV_ESR_MCR_CRN, T_U8, 0, "CRn"),
	FLD(mcr, crm, AV_ESR_MCR_CRM, T_U8, 0, "CRm"),
	FLD(mcr, opc2, AV_ESR_MCR_OPC2, T_U8, 0, "Opc2"),
	FLD(mcr, rt, AV_ESR_MCR_RT, T_U8, 0, "Rt"),
	FLD(mcr, is_write, AV_ESR_MCR_DIR, T_WR, F_DIR, "Dir"),
};

static const struct esr_field mcrr_fields[] = {
	FLD(mcrr, cv, AV_ESR_CV, T_BOOL, 0, "CV"),
	FLD(mcrr, cond, AV_ESR_COND, T_U8, F_HEX, "COND"),
	FLD(mcrr, opc1, AV_ESR_MCRR_OPC1, T_U8, 0, "Opc1"),
	FLD(mcrr, crm, AV_ESR_MCRR_CRM, T_U8, 0, "CRm"),
	FLD(mcrr, rt, AV_ESR_MCRR_RT, T_U8, 0, "Rt"),
	FLD(mcrr, rt2, AV_ESR_MCRR_RT2, T_U8, 0, "Rt2"),
	FLD(mcrr, is_write, AV_ESR_MCRR_DIR, T_WR, F_DIR, "Dir"),
};

static const struct esr_field ldc_fields[] = {
	FLD(ldc, cv, AV_ESR_CV, T_BOOL, 0, "CV"),
	FLD(ldc, cond, AV_ESR_COND, T_U8, F_HEX, "COND"),
	FLD(ldc, imm8, AV_ESR_LDC_IMM8, T_U8, F_HEX, "imm8"),
	FLD(ldc, rn, AV_ESR_LDC_RN, T_U8, 0, "Rn"),
	FLD(ldc, offset, AV_ESR_LDC_OFFSET, T_BOOL, 0, "Offset"),
	FLD(ldc, am, AV_ESR_LDC_AM, T_U8, 0, "AM"),
	FLD(ldc, is_write, AV_ESR_LDC_DIR, T_WR, F_DIR, "Dir"),
};

static const struct esr_field fp_access_fields[] = {
	FLD(fp_access, cv, AV_ESR_CV, T_BOOL, 0, "CV"),
	FLD(fp_access, cond, AV_ESR_COND, T_U8, F_HEX, "COND"),
};

static const struct esr_field ls64_fields[] = {
	FLD(ls64, type, AV_ESR_LS64_TYPE, T_U32, 0, "type"),
};

static const struct esr_field bti_fields[] = {
	FLD(bti, btype, AV_ESR_BTI_BTYPE, T_U8, 0, "BTYPE"),
};

static const struct esr_field call_fields[] = {
	FLD(call, imm16, AV_ESR_IMM16, T_U16, F_HEX, "imm16"),
};

static const struct esr_field smc32_fields[] = {
	FLD(smc32, cv, AV_ESR_CV, T_BOOL, 0, "CV"),
	FLD(smc32, cond, AV_ESR_COND, T_U8, F_HEX, "COND"),
	FLD(smc32, ccknownpass, AV_ESR_SMC32_CCKNOWNPASS, T_BOOL, 0, "CCKNOWNPASS"),
};

static const struct esr_field sys_fields[] = {
	FLD(sys, op0, AV_ESR_SYS_OP0, T_U8, 0, "Op0"),
	FLD(sys, op1, AV_ESR_SYS_OP1, T_U8, 0, "Op1"),
	FLD(sys, crn, AV_ESR_SYS_CRN, T_U8, 0, "CRn"),
	FLD(sys, crm, AV_ESR_SYS_CRM, T_U8, 0, "CRm"),
	FLD(sys, op2, AV_ESR_SYS_OP2, T_U8, 0, "Op2"),
	FLD(sys, rt, AV_ESR_SYS_RT, T_U8, 0, "Rt"),
	FLD(sys, is_write, AV_ESR_SYS_DIR, T_WR, F_DIR, "Dir"),
};

static const struct esr_field sys128_fields[] = {
	FLD(sys, op0, AV_ESR_SYS_OP0, T_U8, 0, "Op0"),
	FLD(sys, op1, AV_ESR_SYS_OP1, T_U8, 0, "Op1"),
	FLD(sys, crn, AV_ESR_SYS_CRN, T_U8, 0, "CRn"),
	FLD(sys, crm, AV_ESR_SYS_CRM, T_U8, 0, "CRm"),
	FLD(sys, op2, AV_ESR_SYS_OP2, T_U8, 0, "Op2"),
	FLD(sys, rt, AV_ESR_SYS128_RT, T_PAIR, 0, "Rt"),
	FLD(sys, is_write, AV_ESR_SYS_DIR, T_WR, F_DIR, "Dir"),
};

static const struct esr_field eret_fields[] = {
	FLD(eret, auth, AV_ESR_ERET_ERET, T_BOOL, 0, "ERET"),
	FLD(eret, key_b, AV_ESR_ERET_ERETA, T_BOOL, 0, "ERETA"),
};

static const struct esr_field tstart_fields[] = {
	FLD(tstart, rd, AV_ESR_TSTART_RD, T_U8, 0, "Rd"),
};

static const struct esr_field fpac_fields[] = {
	FLD(fpac, data_key, AV_ESR_FPAC_DNI, T_BOOL, 0, "DnI"),
	FLD(fpac, key_b, AV_ESR_FPAC_BNA, T_BOOL, 0, "BnA"),
};

static const struct esr_field sme_fields[] = {
	FLD(sme, smtc, AV_ESR_SME_SMTC, T_U8, 0, "SMTC"),
};

static const struct esr_field gpc_fields[] = {
	FLD(gpc, s2ptw, AV_ESR_GPC_S2PTW, T_BOOL, 0, "S2PTW"),
	FLD(gpc, ind, AV_ESR_GPC_IND, T_BOOL, 0, "InD"),
	FLD(gpc, gpcsc, AV_ESR_GPC_GPCSC, T_U8, F_HEX, "GPCSC"),
	FLD(gpc, vncr, AV_ESR_GPC_VNCR, T_BOOL, F_OPT, "VNCR"),
	FLD(gpc, cm, AV_ESR_GPC_CM, T_BOOL, F_OPT, "CM"),
	FLD(gpc, s1ptw, AV_ESR_GPC_S1PTW, T_BOOL, 0, "S1PTW"),
	FLD(gpc, wnr, AV_ESR_GPC_WNR, T_BOOL, 0, "WnR"),
	FLD(gpc, xfsc, AV_ESR_GPC_XFSC, T_U8, F_HEX, "xFSC"),
};

static const struct esr_field iabt_fields[] = {
	FLD(iabt, s1ptw, AV_ESR_IABT_S1PTW, T_BOOL, 0, "S1PTW"),
	FLD(iabt, ea, AV_ESR_IABT_EA, T_BOOL, F_OPT, "EA"),
	FLD(iabt, fnv, AV_ESR_IABT_FNV, T_BOOL, F_OPT, "FnV"),
	FLD(iabt, set, AV_ESR_IABT_SET, T_U8, F_OPT, "SET"),
	FLD(iabt, assured_only, AV_ESR_ISS2_IABT_ASSUREDONLY, T_BOOL, F_ISS2 | F_OPT,
	    "AssuredOnly"),
	FLD(iabt, overlay, AV_ESR_ISS2_IABT_OVERLAY, T_BOOL, F_ISS2 | F_OPT, "Overlay"),
	FLD(iabt, fsc, AV_ESR_IABT_IFSC, T_U8, F_FSC, "FSC"),
};

static const struct esr_field dabt_fields[] = {
	FLD(dabt, isv, AV_ESR_DABT_ISV, T_BOOL, 0, "ISV"),
	FLD(dabt, size, AV_ESR_DABT_SAS, T_SAS, F_ISV, "SAS"),
	FLD(dabt, sse, AV_ESR_DABT_SSE, T_BOOL, F_ISV, "SSE"),
	FLD(dabt, srt, AV_ESR_DABT_SRT, T_U8, F_ISV, "SRT"),
	FLD(dabt, sf, AV_ESR_DABT_SF, T_BOOL, F_ISV, "SF"),
	FLD(dabt, ar, AV_ESR_DABT_AR, T_BOOL, F_ISV, "AR"),
	FLD(dabt, wnr, AV_ESR_DABT_WNR, T_BOOL, 0, "WnR"),
	FLD(dabt, s1ptw, AV_ESR_DABT_S1PTW, T_BOOL, 0, "S1PTW"),
	FLD(dabt, cm, AV_ESR_DABT_CM, T_BOOL, F_OPT, "CM"),
	FLD(dabt, ea, AV_ESR_DABT_EA, T_BOOL, F_OPT, "EA"),
	FLD(dabt, fnv, AV_ESR_DABT_FNV, T_BOOL, F_OPT, "FnV"),
	FLD(dabt, vncr, AV_ESR_DABT_VNCR, T_BOOL, F_OPT, "VNCR"),
	FLD(dabt, set, AV_ESR_DABT_SET, T_U8, F_OPT, "SET"),
	FLD(dabt, hdbssf, AV_ESR_ISS2_DABT_HDBSSF, T_BOOL, F_ISS2 | F_OPT, "HDBSSF"),
	FLD(dabt, tnd, AV_ESR_ISS2_DABT_TND, T_BOOL, F_ISS2 | F_OPT, "TnD"),
	FLD(dabt, tag_access, AV_ESR_ISS2_DABT_TAGACCESS, T_BOOL, F_ISS2 | F_OPT, "TagAccess"),
	FLD(dabt, gcs, AV_ESR_ISS2_DABT_GCS, T_BOOL, F_ISS2 | F_OPT, "GCS"),
	FLD(dabt, assured_only, AV_ESR_ISS2_DABT_ASSUREDONLY, T_BOOL, F_ISS2 | F_OPT,
	    "AssuredOnly"),
	FLD(dabt, overlay, AV_ESR_ISS2_DABT_OVERLAY, T_BOOL, F_ISS2 | F_OPT, "Overlay"),
	FLD(dabt, dirty_bit, AV_ESR_ISS2_DABT_DIRTYBIT, T_BOOL, F_ISS2 | F_OPT, "DirtyBit"),
	FLD(dabt, xs, AV_ESR_ISS2_DABT_XS, T_U8, F_ISS2 | F_OPT, "Xs"),
	FLD(dabt, fsc, AV_ESR_DABT_DFSC, T_U8, F_FSC, "FSC"),
};

static const struct esr_field mops_fields[] = {
	FLD(mops, mem_inst, AV_ESR_MOPS_MEMINST, T_BOOL, 0, "MemInst"),
	FLD(mops, is_setg, AV_ESR_MOPS_ISSETG, T_BOOL, 0, "isSETG"),
	FLD(mops, options, AV_ESR_MOPS_OPTIONS, T_U8, F_HEX, "Options"),
	FLD(mops, from_epilogue, AV_ESR_MOPS_FROMEPILOGUE, T_BOOL, 0, "FromEpilogue"),
	FLD(mops, wrong_option, AV_ESR_MOPS_WRONGOPTION, T_BOOL, 0, "WrongOption"),
	FLD(mops, option_a, AV_ESR_MOPS_OPTIONA, T_BOOL, 0, "OptionA"),
	FLD(mops, destreg, AV_ESR_MOPS_DESTREG, T_U8, 0, "destreg"),
	FLD(mops, srcreg, AV_ESR_MOPS_SRCREG, T_U8, 0, "srcreg"),
	FLD(mops, sizereg, AV_ESR_MOPS_SIZEREG, T_U8, 0, "sizereg"),
};

static const struct esr_field fp_exc_fields[] = {
	FLD(fp_exc, tfv, AV_ESR_FP_TFV, T_BOOL, 0, "TFV"),
	FLD(fp_exc, vecitr, AV_ESR_FP_VECITR, T_U8, 0, "VECITR"),
	FLD(fp_exc, idf, AV_ESR_FP_IDF, T_BOOL, 0, "IDF"),
	FLD(fp_exc, ixf, AV_ESR_FP_IXF, T_BOOL, 0, "IXF"),
	FLD(fp_exc, uff, AV_ESR_FP_UFF, T_BOOL, 0, "UFF"),
	FLD(fp_exc, off, AV_ESR_FP_OFF, T_BOOL, 0, "OFF"),
	FLD(fp_exc, dzf, AV_ESR_FP_DZF, T_BOOL, 0, "DZF"),
	FLD(fp_exc, iof, AV_ESR_FP_IOF, T_BOOL, 0, "IOF"),
};

static const struct esr_field gcs_fields[] = {
	FLD(gcs, ex_type, AV_ESR_GCS_EXTYPE, T_U8, 0, "ExType"),
	FLD(gcs, raddr, AV_ESR_GCS_RADDR, T_U8, 0, "Raddr"),
	FLD(gcs, rn, AV_ESR_GCS_RN, T_U8, 0, "Rn"),
	FLD(gcs, it, AV_ESR_GCS_IT, T_U8, 0, "IT"),
};

static const struct esr_field serror_fields[] = {
	FLD(serror, ids, AV_ESR_SERROR_IDS, T_BOOL, 0, "IDS"),
	FLD(serror, iesb, AV_ESR_SERROR_IESB, T_BOOL, 0, "IESB"),
	FLD(serror, aet, AV_ESR_SERROR_AET, T_U8, 0, "AET"),
	FLD(serror, ea, AV_ESR_SERROR_EA, T_BOOL, 0, "EA"),
	FLD(serror, fsc, AV_ESR_SERROR_DFSC, T_U8, F_HEX, "DFSC"),
};

static const struct esr_field breakpoint_fields[] = {
	FLD(breakpoint, fsc, AV_ESR_BRKPT_IFSC, T_U8, F_HEX, "IFSC"),
};

static const struct esr_field softstep_fields[] = {
	FLD(softstep, isv, AV_ESR_SSTEP_ISV, T_BOOL, 0, "ISV"),
	FLD(softstep, ex, AV_ESR_SSTEP_EX, T_BOOL, 0, "EX"),
	FLD(softstep, fsc, AV_ESR_SSTEP_IFSC, T_U8, F_HEX, "IFSC"),
};

static const struct esr_field watchpoint_fields[] = {
	FLD(watchpoint, wptv, AV_ESR_WATCH_WPTV, T_BOOL, 0, "WPTV"),
	FLD(watchpoint, wpt, AV_ESR_WATCH_WPT, T_U8, 0, "WPT"),
	FLD(watchpoint, wpf, AV_ESR_WATCH_WPF, T_BOOL, F_OPT, "WPF"),
	FLD(watchpoint, fnp, AV_ESR_WATCH_FNP, T_BOOL, F_OPT, "FnP"),
	FLD(watchpoint, vncr, AV_ESR_WATCH_VNCR, T_BOOL, F_OPT, "VNCR"),
	FLD(watchpoint, cm, AV_ESR_WATCH_CM, T_BOOL, 0, "CM"),
	FLD(watchpoint, wnrv, AV_ESR_WATCH_WNRV, T_BOOL, F_OPT, "WnRV"),
	FLD(watchpoint, wnr, AV_ESR_WATCH_WNR, T_BOOL, 0, "WnR"),
	FLD(watchpoint, gcs, AV_ESR_ISS2_WATCH_GCS, T_BOOL, F_ISS2 | F_OPT, "GCS"),
	FLD(watchpoint, fsc, AV_ESR_WATCH_DFSC, T_U8, F_HEX, "DFSC"),
};

static const struct esr_field brk_fields[] = {
	FLD(brk, comment, AV_ESR_BRK_COMMENT, T_U16, F_HEX, "comment"),
};

struct esr_layout {
	const struct esr_field *fields;
	size_t count;
};

#define LAYOUT(tbl) { (tbl), AV_ARRAY_SIZE(tbl) }

static const struct esr_layout layouts[AV_ESR_KIND_COUNT] = {
	[AV_ESR_KIND_UNKNOWN] = { NULL, 0 },
	[AV_ESR_KIND_PLAIN] = { NULL, 0 },
	[AV_ESR_KIND_WFX] = LAYOUT(wfx_fields),
	[AV_ESR_KIND_MCR] = LAYOUT(mcr_fields),
	[AV_ESR_KIND_MCRR] = LAYOUT(mcrr_fields),
	[AV_ESR_KIND_LDC] = LAYOUT(ldc_fields),
	[AV_ESR_KIND_FP_ACCESS] = LAYOUT(fp_access_fields),
	[AV_ESR_KIND_LS64] = LAYOUT(ls64_fields),
	[AV_ESR_KIND_BTI] = LAYOUT(bti_fields),
	[AV_ESR_KIND_CALL] = LAYOUT(call_fields),
	[AV_ESR_KIND_SMC32] = LAYOUT(smc32_fields),
	[AV_ESR_KIND_SYS] = LAYOUT(sys_fields),
	[AV_ESR_KIND_SYS128] = LAYOUT(sys128_fields),
	[AV_ESR_KIND_ERET] = LAYOUT(eret_fields),
	[AV_ESR_KIND_TSTART] = LAYOUT(tstart_fields),
	[AV_ESR_KIND_FPAC] = LAYOUT(fpac_fields),
	[AV_ESR_KIND_SME] = LAYOUT(sme_fields),
	[AV_ESR_KIND_GPC] = LAYOUT(gpc_fields),
	[AV_ESR_KIND_IABT] = LAYOUT(iabt_fields),
	[AV_ESR_KIND_DABT] = LAYOUT(dabt_fields),
	[AV_ESR_KIND_MOPS] = LAYOUT(mops_fields),
	[AV_ESR_KIND_FP_EXC] = LAYOUT(fp_exc_fields),
	[AV_ESR_KIND_GCS] = LAYOUT(gcs_fields),
	[AV_ESR_KIND_SERROR] = LAYOUT(serror_fields),
	[AV_ESR_KIND_BREAKPOINT] = LAYOUT(breakpoint_fields),
	[AV_ESR_KIND_SOFTSTEP] = LAYOUT(softstep_fields),
	[AV_ESR_KIND_WATCHPOINT] = LAYOUT(watchpoint_fields),
	[AV_ESR_KIND_BRK] = LAYOUT(brk_fields),
};

static const struct esr_layout *layout_of(enum av_esr_kind kind)
{
	return (unsigned)kind < AV_ESR_KIND_COUNT ? &layouts[kind] : &layouts[0];
}

/* Access size in bytes for each SAS value. */
static const uint8_t sas_bytes[4] = { 1, 2, 4, 8 };

static unsigned sas_from_bytes(uint64_t bytes)
{
	for (unsigned i = 0; i < AV_ARRAY_SIZE(sas_bytes); i++)
		if (sas_bytes[i] == bytes)
			return i;
	return 0;
}

/* The field's value as stored in the struct (after conversion, e.g. bytes for SAS). */
static uint64_t field_load(const struct av_esr *e, const struct esr_field *f)
{
	const unsigned char *p = (const unsigned char *)e + f->off;

	switch (f->type) {
	case T_BOOL:
	case T_WR:
		return *(const bool *)p ? 1 : 0;
	case T_U16:
		return *(const uint16_t *)p;
	case T_U32:
		return *(const uint32_t *)p;
	default:
		return *p;
	}
}

static void field_store(struct av_esr *e, const struct esr_field *f, uint64_t raw)
{
	unsigned char *p = (unsigned char *)e + f->off;

	switch (f->type) {
	case T_BOOL:
		*(bool *)p = raw != 0;
		break;
	case T_WR:
		*(bool *)p = raw == 0;
		break;
	case T_U16:
		*(uint16_t *)p = (uint16_t)raw;
		break;
	case T_U32:
		*(uint32_t *)p = (uint32_t)raw;
		break;
	case T_SAS:
		*p = sas_bytes[raw & 3];
		break;
	case T_PAIR:
		*p = (uint8_t)(raw * 2);
		break;
	default:
		*p = (uint8_t)raw;
		break;
	}
}

/* The field's bits (right-aligned) for the stored value. */
static uint64_t field_raw(const struct av_esr *e, const struct esr_field *f)
{
	uint64_t v = field_load(e, f);

	if (f->type == T_SAS)
		return sas_from_bytes(v);
	if (f->type == T_PAIR)
		return v / 2;
	if (f->type == T_WR)
		return v ? 0 : 1;
	return v;
}

int av_esr_decode(uint64_t esr, struct av_esr *out)
{
	const struct esr_layout *l;

	if (out == NULL)
		return -AV_EINVAL;
	memset(out, 0, sizeof(*out));
	out->raw = esr;
	out->ec = (uint8_t)AV_FIELD_GET(AV_ESR_EC, esr);
	out->il = AV_FIELD_GET(AV_ESR_IL, esr) != 0;
	out->iss = (uint32_t)AV_FIELD_GET(AV_ESR_ISS, esr);
	out->iss2 = (uint32_t)AV_FIELD_GET(AV_ESR_ISS2, esr);
	out->kind = av_esr_ec_kind(out->ec);

	l = layout_of(out->kind);
	for (size_t i = 0; i < l->count; i++) {
		const struct esr_field *f = &l->fields[i];
		uint64_t src = (f->flags & F_ISS2) ? out->iss2 : out->iss;

		field_store(out, f, AV_FIELD_GET(f->mask, src));
	}
	return 0;
}

uint64_t av_esr_encode(const struct av_esr *e)
{
	uint64_t iss, iss2, named = 0, named2 = 0, val = 0, val2 = 0;
	const struct esr_layout *l;

	if (e == NULL)
		return 0;
	l = layout_of(av_esr_ec_kind(e->ec));
	for (size_t i = 0; i < l->count; i++) {
		const struct esr_field *f = &l->fields[i];
		uint64_t bits = AV_FIELD_PREP(f->mask, field_raw(e, f));

		if (f->flags & F_ISS2) {
			named2 |= f->mask;
			val2 |= bits;
		} else {
			named |= f->mask;
			val |= bits;
		}
	}
	iss = ((uint64_t)e->iss & ~named) | val;
	iss2 = ((uint64_t)e->iss2 & ~named2) | val2;
	return AV_FIELD_PREP(AV_ESR_EC, e->ec) | AV_FIELD_PREP(AV_ESR_IL, e->il ? 1 : 0) |
	       AV_FIELD_PREP(AV_ESR_ISS, iss) | AV_FIELD_PREP(AV_ESR_ISS2, iss2);
}

/* ---- predicates ---- */

bool av_esr_is_abort(const struct av_esr *e)
{
	return e != NULL && (e->kind == AV_ESR_KIND_IABT || e->kind == AV_ESR_KIND_DABT);
}

static int abort_fsc(const struct av_esr *e)
{
	if (e == NULL)
		return -1;
	if (e->kind == AV_ESR_KIND_IABT)
		return e->u.iabt.fsc;
	if (e->kind == AV_ESR_KIND_DABT)
		return e->u.dabt.fsc;
	return -1;
}

enum av_esr_fsc_class av_esr_abort_class(const struct av_esr *e)
{
	int fsc = abort_fsc(e);

	return fsc < 0 ? AV_ESR_FSC_RESERVED : av_esr_fsc_class((unsigned)fsc);
}

bool av_esr_is_translation_fault(const struct av_esr *e)
{
	return av_esr_abort_class(e) == AV_ESR_FSC_TRANSLATION;
}

bool av_esr_is_permission_fault(const struct av_esr *e)
{
	return av_esr_abort_class(e) == AV_ESR_FSC_PERMISSION;
}

bool av_esr_is_access_flag_fault(const struct av_esr *e)
{
	return av_esr_abort_class(e) == AV_ESR_FSC_ACCESS_FLAG;
}

int av_esr_fault_level(const struct av_esr *e, int *level)
{
	int fsc = abort_fsc(e);

	if (fsc < 0)
		return -AV_ENOENT;
	return av_esr_fsc_level((unsigned)fsc, level);
}

uint64_t av_esr_fault_ipa(uint64_t hpfar, uint64_t far)
{
	return AV_FIELD_PREP(AV_IPA_PAGE, AV_FIELD_GET(AV_HPFAR_FIPA, hpfar)) |
	       AV_FIELD_PREP(AV_IPA_OFFSET, AV_FIELD_GET(AV_IPA_OFFSET, far));
}

/* ---- formatting ---- */

struct line {
	char *buf;
	size_t size;
	size_t len; /* length of the full line so far */
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (l->len < l->size)
		n = av_vsnprintf(l->buf + l->len, l->size - l->len, fmt, ap);
	else
		n = av_vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n;
}

static void format_fsc(struct line *l, const struct esr_field *f, unsigned fsc)
{
	int level;

	line_add(l, " %s=0x%02x %s", f->label, fsc,
		 av_esr_fsc_class_name(av_esr_fsc_class(fsc)));
	if (av_esr_fsc_level(fsc, &level) == 0)
		line_add(l, " L%d", level);
}

int av_esr_format(const struct av_esr *e, char *buf, size_t size)
{
	struct line l = { .buf = buf, .size = size, .len = 0 };
	const struct esr_layout *lay;
	uint64_t named = 0, named2 = 0;

	if (e == NULL || (buf == NULL && size > 0))
		return -AV_EINVAL;
	if (size > 0)
		buf[0] = '\0';

	line_add(&l, "EC=0x%02x %s IL=%u", e->ec, av_esr_ec_name(e->ec), e->il ? 1u : 0u);
	lay = layout_of(av_esr_ec_kind(e->ec));
	for (size_t i = 0; i < lay->count; i++) {
		const struct esr_field *f = &lay->fields[i];
		uint64_t v = field_load(e, f);

		if (f->flags & F_ISS2)
			named2 |= f->mask;
		else
			named |= f->mask;
		if ((f->flags & F_OPT) && v == 0)
			continue;
		if ((f->flags & F_ISV) && !e->u.dabt.isv)
			continue;
		if (f->flags & F_FSC)
			format_fsc(&l, f, (unsigned)v);
		else if (f->flags & F_DIR)
			line_add(&l, " %s", v ? "write" : "read");
		else if (f->flags & F_HEX)
			line_add(&l, " %s=0x%llx", f->label, (unsigned long long)v);
		else
			line_add(&l, " %s=%llu", f->label, (unsigned long long)v);
	}
	if (lay->count == 0 || (e->iss & ~named) != 0)
		line_add(&l, " ISS=0x%07lx", (unsigned long)(e->iss & ~named));
	if ((e->iss2 & ~named2) != 0)
		line_add(&l, " ISS2=0x%06lx", (unsigned long)(e->iss2 & ~named2));
	return l.len > (size_t)INT32_MAX ? INT32_MAX : (int)l.len;
}
