/* SPDX-License-Identifier: MIT */
/*
 * ID-register sanitisation, field by field.
 *
 * Each ID register a guest reads is described by its fields (masks from sysreg.h) and,
 * per field, the rule that says which of two values is the safer one to advertise:
 *
 *  - LOWER_SAFE: the usual "unsigned, higher means more features" field; the smaller
 *    value is safe (a guest told less does less).
 *  - SIGNED: "signed" fields (Arm ARM D19.1.3 "Principles of the ID scheme for fields
 *    in ID registers"), where 0xF reads as -1 = not implemented and ranks lowest:
 *    ID_AA64PFR0_EL1.FP/AdvSIMD, ID_AA64MMFR0_EL1.TGran4/TGran64, ...
 *  - HIGHER_SAFE / HIGHER_OR_ZERO_SAFE: fields describing a granule or hazard, where a
 *    larger value makes software more careful: ID_AA64MMFR1_EL1.SpecSEI, and
 *    CTR_EL0.ERG/CWG, for which 0 means "not reported, assume the maximum".
 *  - EXACT: fields that describe *how* something works rather than *whether*: the
 *    pointer-authentication algorithm (APA/API/GPA/GPI/APA3/GPA3), the CCSIDR format
 *    (CCIDX), the stage-2 granule fields, CTR_EL0.L1Ip. Different values cannot be
 *    ordered; if host and limit differ the field's fixed safe value is used.
 *
 * CTR_EL0.IminLine/DminLine are LOWER_SAFE: they give the *smallest* line size, which
 * software uses as its cache-maintenance stride, so a smaller value is always safe.
 *
 * Bits outside every listed field are RES0 (or unallocated) and are cleared in the
 * result, so a feature this table does not know is never passed to a guest by accident.
 */
#include <armvirt/log.h>
#include <armvirt/sysreg.h>

#include "compat.h"

#define F(reg, fld, nm, kind, safe) { nm, AV_##reg##_##fld, AV_IDREG_##kind, safe }

static const struct av_idreg_field pfr0[] = {
	F(ID_AA64PFR0, EL0, "EL0", LOWER_SAFE, 1),
	F(ID_AA64PFR0, EL1, "EL1", LOWER_SAFE, 1),
	F(ID_AA64PFR0, EL2, "EL2", LOWER_SAFE, 0),
	F(ID_AA64PFR0, EL3, "EL3", LOWER_SAFE, 0),
	F(ID_AA64PFR0, FP, "FP", SIGNED, 0xF),
	F(ID_AA64PFR0, ADVSIMD, "AdvSIMD", SIGNED, 0xF),
	F(ID_AA64PFR0, GIC, "GIC", LOWER_SAFE, 0),
	F(ID_AA64PFR0, RAS, "RAS", LOWER_SAFE, 0),
	F(ID_AA64PFR0, SVE, "SVE", LOWER_SAFE, 0),
	F(ID_AA64PFR0, SEL2, "SEL2", LOWER_SAFE, 0),
	F(ID_AA64PFR0, MPAM, "MPAM", LOWER_SAFE, 0),
	F(ID_AA64PFR0, AMU, "AMU", LOWER_SAFE, 0),
	F(ID_AA64PFR0, DIT, "DIT", LOWER_SAFE, 0),
	F(ID_AA64PFR0, RME, "RME", LOWER_SAFE, 0),
	F(ID_AA64PFR0, CSV2, "CSV2", LOWER_SAFE, 0),
	F(ID_AA64PFR0, CSV3, "CSV3", LOWER_SAFE, 0),
};

static const struct av_idreg_field pfr1[] = {
	F(ID_AA64PFR1, BT, "BT", LOWER_SAFE, 0),
	F(ID_AA64PFR1, SSBS, "SSBS", LOWER_SAFE, 0),
	F(ID_AA64PFR1, MTE, "MTE", LOWER_SAFE, 0),
	F(ID_AA64PFR1, RAS_FRAC, "RAS_frac", LOWER_SAFE, 0),
	F(ID_AA64PFR1, MPAM_FRAC, "MPAM_frac", LOWER_SAFE, 0),
	F(ID_AA64PFR1, SME, "SME", LOWER_SAFE, 0),
	F(ID_AA64PFR1, RNDR_TRAP, "RNDR_trap", LOWER_SAFE, 0),
	F(ID_AA64PFR1, CSV2_FRAC, "CSV2_frac", LOWER_SAFE, 0),
	F(ID_AA64PFR1, NMI, "NMI", LOWER_SAFE, 0),
	/* 0 = asynchronous tag faults supported, 0xF = not: 0xF ranks lowest. */
	F(ID_AA64PFR1, MTE_FRAC, "MTE_frac", SIGNED, 0xF),
	F(ID_AA64PFR1, GCS, "GCS", LOWER_SAFE, 0),
	F(ID_AA64PFR1, THE, "THE", LOWER_SAFE, 0),
	F(ID_AA64PFR1, MTEX, "MTEX", LOWER_SAFE, 0),
	F(ID_AA64PFR1, DF2, "DF2", LOWER_SAFE, 0),
	F(ID_AA64PFR1, PFAR, "PFAR", LOWER_SAFE, 0),
};

static const struct av_idreg_field zfr0[] = {
	F(ID_AA64ZFR0, SVEVER, "SVEver", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, AES, "AES", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, BITPERM, "BitPerm", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, BF16, "BF16", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, SHA3, "SHA3", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, SM4, "SM4", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, I8MM, "I8MM", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, F32MM, "F32MM", LOWER_SAFE, 0),
	F(ID_AA64ZFR0, F64MM, "F64MM", LOWER_SAFE, 0),
};

static const struct av_idreg_field dfr0[] = {
	/* 6 (Armv8.0 debug) is the lowest architected value. */
	F(ID_AA64DFR0, DEBUGVER, "DebugVer", LOWER_SAFE, 6),
	F(ID_AA64DFR0, TRACEVER, "TraceVer", LOWER_SAFE, 0),
	/* 0xF = IMPLEMENTATION DEFINED PMU, unusable by a portable guest: ranks lowest. */
	F(ID_AA64DFR0, PMUVER, "PMUVer", SIGNED, 0),
	F(ID_AA64DFR0, BRPS, "BRPs", LOWER_SAFE, 0),
	F(ID_AA64DFR0, WRPS, "WRPs", LOWER_SAFE, 0),
	F(ID_AA64DFR0, CTX_CMPS, "CTX_CMPs", LOWER_SAFE, 0),
	F(ID_AA64DFR0, PMSVER, "PMSVer", LOWER_SAFE, 0),
	F(ID_AA64DFR0, DOUBLELOCK, "DoubleLock", SIGNED, 0xF),
	F(ID_AA64DFR0, TRACEFILT, "TraceFilt", LOWER_SAFE, 0),
	F(ID_AA64DFR0, TRACEBUFFER, "TraceBuffer", LOWER_SAFE, 0),
	F(ID_AA64DFR0, MTPMU, "MTPMU", SIGNED, 0xF),
	F(ID_AA64DFR0, BRBE, "BRBE", LOWER_SAFE, 0),
	F(ID_AA64DFR0, HPMN0, "HPMN0", LOWER_SAFE, 0),
};

static const struct av_idreg_field isar0[] = {
	F(ID_AA64ISAR0, AES, "AES", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, SHA1, "SHA1", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, SHA2, "SHA2", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, CRC32, "CRC32", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, ATOMIC, "Atomic", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, TME, "TME", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, RDM, "RDM", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, SHA3, "SHA3", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, SM3, "SM3", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, SM4, "SM4", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, DP, "DP", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, FHM, "FHM", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, TS, "TS", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, TLB, "TLB", LOWER_SAFE, 0),
	F(ID_AA64ISAR0, RNDR, "RNDR", LOWER_SAFE, 0),
};

static const struct av_idreg_field isar1[] = {
	F(ID_AA64ISAR1, DPB, "DPB", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, APA, "APA", EXACT, 0),
	F(ID_AA64ISAR1, API, "API", EXACT, 0),
	F(ID_AA64ISAR1, JSCVT, "JSCVT", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, FCMA, "FCMA", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, LRCPC, "LRCPC", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, GPA, "GPA", EXACT, 0),
	F(ID_AA64ISAR1, GPI, "GPI", EXACT, 0),
	F(ID_AA64ISAR1, FRINTTS, "FRINTTS", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, SB, "SB", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, SPECRES, "SPECRES", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, BF16, "BF16", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, DGH, "DGH", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, I8MM, "I8MM", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, XS, "XS", LOWER_SAFE, 0),
	F(ID_AA64ISAR1, LS64, "LS64", LOWER_SAFE, 0),
};

static const struct av_idreg_field isar2[] = {
	F(ID_AA64ISAR2, WFXT, "WFxT", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, RPRES, "RPRES", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, GPA3, "GPA3", EXACT, 0),
	F(ID_AA64ISAR2, APA3, "APA3", EXACT, 0),
	F(ID_AA64ISAR2, MOPS, "MOPS", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, BC, "BC", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, PAC_FRAC, "PAC_frac", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, CLRBHB, "CLRBHB", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, RPRFM, "RPRFM", LOWER_SAFE, 0),
	F(ID_AA64ISAR2, CSSC, "CSSC", LOWER_SAFE, 0),
};

static const struct av_idreg_field mmfr0[] = {
	F(ID_AA64MMFR0, PARANGE, "PARange", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, ASIDBITS, "ASIDBits", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, BIGEND, "BigEnd", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, SNSMEM, "SNSMem", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, BIGENDEL0, "BigEndEL0", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, TGRAN16, "TGran16", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, TGRAN64, "TGran64", SIGNED, 0xF),
	F(ID_AA64MMFR0, TGRAN4, "TGran4", SIGNED, 0xF),
	/* 0 = "as TGranN", 1 = not at stage 2, 2 = yes, 3 = with 52 bits: not ordered. */
	F(ID_AA64MMFR0, TGRAN16_2, "TGran16_2", EXACT, 1),
	F(ID_AA64MMFR0, TGRAN64_2, "TGran64_2", EXACT, 1),
	F(ID_AA64MMFR0, TGRAN4_2, "TGran4_2", EXACT, 1),
	F(ID_AA64MMFR0, EXS, "ExS", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, FGT, "FGT", LOWER_SAFE, 0),
	F(ID_AA64MMFR0, ECV, "ECV", LOWER_SAFE, 0),
};

static const struct av_idreg_field mmfr1[] = {
	F(ID_AA64MMFR1, HAFDBS, "HAFDBS", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, VMIDBITS, "VMIDBits", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, VH, "VH", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, HPDS, "HPDS", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, LO, "LO", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, PAN, "PAN", LOWER_SAFE, 0),
	/* 1 = speculative reads may raise SError: telling a guest so is the safe side. */
	F(ID_AA64MMFR1, SPECSEI, "SpecSEI", HIGHER_SAFE, 0),
	F(ID_AA64MMFR1, XNX, "XNX", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, TWED, "TWED", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, ETS, "ETS", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, HCX, "HCX", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, AFP, "AFP", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, NTLBPA, "nTLBPA", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, TIDCP1, "TIDCP1", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, CMOW, "CMOW", LOWER_SAFE, 0),
	F(ID_AA64MMFR1, ECBHB, "ECBHB", LOWER_SAFE, 0),
};

static const struct av_idreg_field mmfr2[] = {
	F(ID_AA64MMFR2, CNP, "CnP", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, UAO, "UAO", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, LSM, "LSM", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, IESB, "IESB", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, VARANGE, "VARange", LOWER_SAFE, 0),
	/* Selects the CCSIDR_EL1 layout: must match what the guest is given. */
	F(ID_AA64MMFR2, CCIDX, "CCIDX", EXACT, 0),
	F(ID_AA64MMFR2, NV, "NV", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, ST, "ST", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, AT, "AT", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, IDS, "IDS", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, FWB, "FWB", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, TTL, "TTL", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, BBM, "BBM", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, EVT, "EVT", LOWER_SAFE, 0),
	F(ID_AA64MMFR2, E0PD, "E0PD", LOWER_SAFE, 0),
};

static const struct av_idreg_field ctr[] = {
	F(CTR, IMINLINE, "IminLine", LOWER_SAFE, 0),
	/* 0b10 = VIPT: the policy software must assume when two CPUs disagree. */
	F(CTR, L1IP, "L1Ip", EXACT, 2),
	F(CTR, DMINLINE, "DminLine", LOWER_SAFE, 0),
	F(CTR, ERG, "ERG", HIGHER_OR_ZERO_SAFE, 0),
	F(CTR, CWG, "CWG", HIGHER_OR_ZERO_SAFE, 0),
	F(CTR, IDC, "IDC", LOWER_SAFE, 0),
	F(CTR, DIC, "DIC", LOWER_SAFE, 0),
	F(CTR, TMINLINE, "TminLine", LOWER_SAFE, 0),
};

#define D(reg, fields, r1) \
	{ AV_SYS_##reg, #reg, fields, AV_ARRAY_SIZE(fields), r1 }

/* Sorted in encoding order. */
static const struct av_idreg_desc idregs[] = {
	D(ID_AA64PFR0_EL1, pfr0, 0),
	D(ID_AA64PFR1_EL1, pfr1, 0),
	D(ID_AA64ZFR0_EL1, zfr0, 0),
	D(ID_AA64DFR0_EL1, dfr0, 0),
	D(ID_AA64ISAR0_EL1, isar0, 0),
	D(ID_AA64ISAR1_EL1, isar1, 0),
	D(ID_AA64ISAR2_EL1, isar2, 0),
	D(ID_AA64MMFR0_EL1, mmfr0, 0),
	D(ID_AA64MMFR1_EL1, mmfr1, 0),
	D(ID_AA64MMFR2_EL1, mmfr2, 0),
	D(CTR_EL0, ctr, AV_CTR_RES1),
};

const struct av_idreg_desc *av_idreg_table(size_t *n)
{
	if (n)
		*n = AV_ARRAY_SIZE(idregs);
	return idregs;
}

/* Width of a non-zero mask from its highest and lowest set bits. Unlike a population
 * count this needs no library helper on a general-registers-only build. */
static unsigned field_width(uint64_t mask)
{
	return 64u - (unsigned)__builtin_clzll(mask) - AV_MASK_SHIFT(mask);
}

static bool field_ok(const struct av_idreg_field *f)
{
	unsigned width;

	if (!f->name || !f->mask || (unsigned)f->kind >= AV_IDREG_KIND_MAX)
		return false;
	width = field_width(f->mask);
	/* Contiguous: the mask shifted down is 2^width - 1. */
	if (width > 8 || AV_FIELD_GET(f->mask, f->mask) != AV_GENMASK(width - 1, 0))
		return false;
	return f->safe <= AV_FIELD_GET(f->mask, f->mask);
}

int av_idreg_table_check(void)
{
	for (size_t i = 0; i < AV_ARRAY_SIZE(idregs); i++) {
		const struct av_idreg_desc *d = &idregs[i];
		uint64_t seen = d->res1;
		uint32_t prev = i > 0 ? av_sysreg_key_order(idregs[i - 1].key) : 0;

		if (i > 0 && av_sysreg_key_order(d->key) <= prev) {
			av_err("sysreg: ID table: %s is out of order or repeated", d->name);
			return av_sysreg_key_order(d->key) == prev ? -AV_EEXIST : -AV_EINVAL;
		}
		for (size_t j = 0; j < d->nfields; j++) {
			const struct av_idreg_field *f = &d->fields[j];

			if (!field_ok(f)) {
				av_err("sysreg: ID table: %s field %zu is malformed", d->name, j);
				return -AV_EINVAL;
			}
			if (seen & f->mask) {
				av_err("sysreg: ID table: %s.%s overlaps another field", d->name,
				       f->name);
				return -AV_EEXIST;
			}
			seen |= f->mask;
		}
	}
	return 0;
}

const struct av_idreg_desc *av_idreg_find(uint32_t key)
{
	for (size_t i = 0; i < AV_ARRAY_SIZE(idregs); i++) {
		if (idregs[i].key == key)
			return &idregs[i];
	}
	return NULL;
}

static char lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

const struct av_idreg_field *av_idreg_field_find(const struct av_idreg_desc *d,
						 const char *name)
{
	if (!d || !name)
		return NULL;
	for (size_t i = 0; i < d->nfields; i++) {
		const char *a = d->fields[i].name, *b = name;

		while (*a && lower(*a) == lower(*b)) {
			a++;
			b++;
		}
		if (!*a && !*b)
			return &d->fields[i];
	}
	return NULL;
}

uint64_t av_idreg_field_safer(const struct av_idreg_field *f, uint64_t a, uint64_t b)
{
	unsigned width = field_width(f->mask);

	switch (f->kind) {
	case AV_IDREG_SIGNED:
		return av_sext(a, width) <= av_sext(b, width) ? a : b;
	case AV_IDREG_HIGHER_SAFE:
		return a >= b ? a : b;
	case AV_IDREG_HIGHER_OR_ZERO_SAFE:
		if (a == 0 || b == 0)
			return 0;
		return a >= b ? a : b;
	case AV_IDREG_EXACT:
		return a == b ? a : f->safe;
	case AV_IDREG_LOWER_SAFE:
	default:
		return a <= b ? a : b;
	}
}

int av_idreg_sanitise(uint32_t key, uint64_t host, uint64_t limit, uint64_t *out)
{
	const struct av_idreg_desc *d = av_idreg_find(key);
	uint64_t v;

	if (!out)
		return -AV_EINVAL;
	if (!d)
		return -AV_ENOENT;
	v = d->res1;
	for (size_t i = 0; i < d->nfields; i++) {
		const struct av_idreg_field *f = &d->fields[i];
		uint64_t safer = av_idreg_field_safer(f, AV_FIELD_GET(f->mask, host),
						      AV_FIELD_GET(f->mask, limit));

		v |= AV_FIELD_PREP(f->mask, safer);
	}
	*out = v;
	return 0;
}

int av_idreg_set(uint32_t key, const char *field, uint64_t v, uint64_t *val)
{
	const struct av_idreg_field *f = av_idreg_field_find(av_idreg_find(key), field);

	if (!f)
		return -AV_ENOENT;
	if (!val)
		return -AV_EINVAL;
	if (v > AV_FIELD_GET(f->mask, f->mask))
		return -AV_ERANGE;
	*val = (*val & ~f->mask) | AV_FIELD_PREP(f->mask, v);
	return 0;
}

int av_idreg_hide(uint32_t key, const char *field, uint64_t *val)
{
	const struct av_idreg_field *f = av_idreg_field_find(av_idreg_find(key), field);

	if (!f)
		return -AV_ENOENT;
	return av_idreg_set(key, field, f->safe, val);
}
