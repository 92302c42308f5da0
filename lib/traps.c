/* SPDX-License-Identifier: MIT */
/*
 * Trap policy → HCR_EL2/CPTR_EL2/MDCR_EL2/HSTR_EL2, and the sensitive-instruction table.
 *
 * Design:
 * - av_trap_policy_compute() is written out control by control, one line per field, so
 *   that a reader can check each against the Arm ARM. It validates first and writes the
 *   output only when the whole policy is valid.
 * - The table (sensitive[] below) states each row's register, mask and polarity on its
 *   own, rather than deriving them from the compute code: the unit test then checks one
 *   against the other, and both against bit positions written in the test.
 * - Feature handling: a control whose feature is absent is RES0 (RES1 for CPTR_EL2.TZ/TSM
 *   in the E2H=0 layout); compute never writes a value the architecture reserves.
 */
#include <armvirt/log.h>
#include <armvirt/traps.h>

#include <stdarg.h>

#include "compat.h"

/* ---------------------------------------------------------------------------------------
 * Policy → registers
 * ------------------------------------------------------------------------------------- */

static inline uint64_t flag(bool on, uint64_t mask)
{
	return on ? mask : 0;
}

static inline bool has(const struct av_trap_policy *p, uint32_t feat)
{
	return (p->features & feat) == feat;
}

/* Validate the PMU part of @p p and return the HPMN value to program in @p hpmn. */
static int pmu_hpmn(const struct av_trap_policy *p, unsigned *hpmn)
{
	unsigned n = p->pmcr_n;
	unsigned h = p->hpmn == AV_TRAP_HPMN_ALL ? n : p->hpmn;

	if (n > AV_FIELD_GET(AV_MDCR_HPMN, AV_MDCR_HPMN))
		return -AV_EINVAL;
	if (!has(p, AV_TRAP_FEAT_PMU)) {
		/* No PMUv3: HPMN and HPME are RES0; only the "all (of none)" request fits. */
		if (n || h || p->hpme)
			return -AV_EINVAL;
		*hpmn = 0;
		return 0;
	}
	if (h > n)
		return -AV_EINVAL;
	/* HPMN = 0 with event counters is CONSTRAINED UNPREDICTABLE before FEAT_HPMN0. */
	if (h == 0 && n > 0 && !has(p, AV_TRAP_FEAT_HPMN0))
		return -AV_EINVAL;
	*hpmn = h;
	return 0;
}

static int check_policy(const struct av_trap_policy *p)
{
	if (p->bsu > AV_TRAP_BSU_FS)
		return -AV_EINVAL;
	if (p->twe_delay_log2 > AV_FIELD_GET(AV_HCR_TWEDEL, AV_HCR_TWEDEL))
		return -AV_EINVAL;
	if (p->twe_delay_log2 && !p->twe_delay)
		return -AV_EINVAL;

	/* Settings the CPU must implement to honour. */
	if (p->e2h && !has(p, AV_TRAP_FEAT_VHE))
		return -AV_EINVAL;
	if (p->el1_aarch32 && !has(p, AV_TRAP_FEAT_AARCH32_EL1))
		return -AV_EINVAL;
	if (p->fwb && !has(p, AV_TRAP_FEAT_S2FWB))
		return -AV_EINVAL;
	if (p->twe_delay && !has(p, AV_TRAP_FEAT_TWED))
		return -AV_EINVAL;

	/*
	 * Narrow traps that have no equivalent without the feature: the instructions exist,
	 * so dropping the request would leave them untrapped. Ask for TID2/TPU/TTLB instead.
	 */
	if (!has(p, AV_TRAP_FEAT_EVT) && (p->trap_id4 || p->trap_cmo_ocu || p->trap_icab ||
					  p->trap_tlbi_is || p->trap_tlbi_os))
		return -AV_EINVAL;
	if (p->trap_ext_abort && !has(p, AV_TRAP_FEAT_RAS))
		return -AV_EINVAL;

	/*
	 * TGE is for a VHE host's own EL0: with E2H=0 it leaves EL1 unusable, stage 2 is
	 * then disabled (VM behaves as 0) and RW behaves as 1, so a guest set-up is a
	 * contradiction.
	 */
	if (p->tge && (!p->e2h || p->vm || p->el1_aarch32))
		return -AV_EINVAL;

	if (p->hstr & ~AV_HSTR_VALID)
		return -AV_EINVAL;
	return 0;
}

static uint64_t compute_hcr(const struct av_trap_policy *p)
{
	uint64_t hcr = 0;

	/* Virtualisation set-up. */
	hcr |= flag(p->vm, AV_HCR_VM);
	hcr |= flag(p->swio, AV_HCR_SWIO);
	hcr |= flag(p->route_fiq, AV_HCR_FMO);
	hcr |= flag(p->route_irq, AV_HCR_IMO);
	hcr |= flag(p->route_serror, AV_HCR_AMO);
	hcr |= flag(p->force_broadcast, AV_HCR_FB);
	hcr |= AV_FIELD_PREP(AV_HCR_BSU, p->bsu);
	hcr |= flag(!p->el1_aarch32, AV_HCR_RW);
	hcr |= flag(p->e2h, AV_HCR_E2H);
	hcr |= flag(p->tge, AV_HCR_TGE);
	hcr |= flag(p->fwb, AV_HCR_FWB);
	hcr |= flag(p->twe_delay, AV_HCR_TWEDEN);
	hcr |= AV_FIELD_PREP(AV_HCR_TWEDEL, p->twe_delay_log2);

	/* Traps, trap when 1. */
	hcr |= flag(p->trap_wfi, AV_HCR_TWI);
	hcr |= flag(p->trap_wfe, AV_HCR_TWE);
	hcr |= flag(p->trap_smc, AV_HCR_TSC);
	hcr |= flag(p->trap_id0, AV_HCR_TID0);
	hcr |= flag(p->trap_id1, AV_HCR_TID1);
	hcr |= flag(p->trap_id2, AV_HCR_TID2);
	hcr |= flag(p->trap_id3, AV_HCR_TID3);
	hcr |= flag(p->trap_id4, AV_HCR_TID4);
	hcr |= flag(p->trap_impdef, AV_HCR_TIDCP);
	hcr |= flag(p->trap_actlr, AV_HCR_TACR);
	hcr |= flag(p->trap_setway, AV_HCR_TSW);
	hcr |= flag(p->trap_cmo_poc, AV_HCR_TPCP);
	hcr |= flag(p->trap_cmo_pou, AV_HCR_TPU);
	hcr |= flag(p->trap_cmo_ocu, AV_HCR_TOCU);
	hcr |= flag(p->trap_icab, AV_HCR_TICAB);
	hcr |= flag(p->trap_vm_write, AV_HCR_TVM);
	hcr |= flag(p->trap_vm_read, AV_HCR_TRVM);
	hcr |= flag(p->trap_tlbi, AV_HCR_TTLB);
	hcr |= flag(p->trap_tlbi_is, AV_HCR_TTLBIS);
	hcr |= flag(p->trap_tlbi_os, AV_HCR_TTLBOS);
	hcr |= flag(p->trap_dc_zva, AV_HCR_TDZ);
	hcr |= flag(p->trap_lor && has(p, AV_TRAP_FEAT_LOR), AV_HCR_TLOR);
	hcr |= flag(p->trap_ras && has(p, AV_TRAP_FEAT_RAS), AV_HCR_TERR);
	hcr |= flag(p->trap_ext_abort, AV_HCR_TEA);

	/* Pointer authentication: 1 = do NOT trap; RES0 without the feature. */
	hcr |= flag(!p->trap_pac_insn && has(p, AV_TRAP_FEAT_PAUTH), AV_HCR_API);
	hcr |= flag(!p->trap_pac_keys && has(p, AV_TRAP_FEAT_PAUTH), AV_HCR_APK);
	return hcr;
}

static uint64_t compute_cptr(const struct av_trap_policy *p)
{
	uint64_t cptr = 0;

	if (!p->e2h) {
		/* Trap when 1; TZ and TSM are RES1 without their feature. */
		cptr |= AV_CPTR_RES1;
		cptr |= flag(p->trap_fp, AV_CPTR_TFP);
		cptr |= flag(p->trap_sve || !has(p, AV_TRAP_FEAT_SVE), AV_CPTR_TZ);
		cptr |= flag(p->trap_sme || !has(p, AV_TRAP_FEAT_SME), AV_CPTR_TSM);
		cptr |= flag(p->trap_trace && has(p, AV_TRAP_FEAT_TRACE), AV_CPTR_TTA);
	} else {
		/* Enables: 0b11 = no trap, 0b00 = trap at EL0, EL1 and EL2; RES0 if absent. */
		cptr |= AV_FIELD_PREP(AV_CPTR_E2H_FPEN, p->trap_fp ? 0 : 3);
		if (has(p, AV_TRAP_FEAT_SVE))
			cptr |= AV_FIELD_PREP(AV_CPTR_E2H_ZEN, p->trap_sve ? 0 : 3);
		if (has(p, AV_TRAP_FEAT_SME))
			cptr |= AV_FIELD_PREP(AV_CPTR_E2H_SMEN, p->trap_sme ? 0 : 3);
		cptr |= flag(p->trap_trace && has(p, AV_TRAP_FEAT_TRACE), AV_CPTR_E2H_TTA);
	}
	cptr |= flag(p->trap_amu && has(p, AV_TRAP_FEAT_AMU), AV_CPTR_TAM);
	cptr |= flag(p->trap_cpacr, AV_CPTR_TCPAC);
	return cptr;
}

static uint64_t compute_mdcr(const struct av_trap_policy *p, unsigned hpmn)
{
	uint64_t mdcr = 0;
	bool pmu = has(p, AV_TRAP_FEAT_PMU);

	if (pmu) {
		mdcr |= AV_FIELD_PREP(AV_MDCR_HPMN, hpmn);
		mdcr |= flag(p->trap_pmcr, AV_MDCR_TPMCR);
		mdcr |= flag(p->trap_pmu, AV_MDCR_TPM);
		mdcr |= flag(p->hpme, AV_MDCR_HPME);
	}
	/* TDE makes TDA/TDOSA/TDRA behave as 1; write them so the value reads as it acts. */
	mdcr |= flag(p->route_debug, AV_MDCR_TDE);
	mdcr |= flag(p->trap_debug || p->route_debug, AV_MDCR_TDA);
	mdcr |= flag(p->trap_debug_os || p->route_debug, AV_MDCR_TDOSA);
	mdcr |= flag(p->trap_debug_rom || p->route_debug, AV_MDCR_TDRA);
	/* E2PB stays 0b00: the profiling buffer is EL2's and EL1 access to it traps. */
	mdcr |= flag(p->trap_spe && has(p, AV_TRAP_FEAT_SPE), AV_MDCR_TPMS);
	mdcr |= flag(p->trap_trace_filter && has(p, AV_TRAP_FEAT_TRF), AV_MDCR_TTRF);
	return mdcr;
}

int av_trap_policy_compute(const struct av_trap_policy *p, struct av_el2_traps *out)
{
	unsigned hpmn;
	int ret;

	if (!p || !out)
		return -AV_EINVAL;
	ret = check_policy(p);
	if (ret)
		return ret;
	ret = pmu_hpmn(p, &hpmn);
	if (ret)
		return ret;

	out->hcr_el2 = compute_hcr(p);
	out->cptr_el2 = compute_cptr(p);
	out->mdcr_el2 = compute_mdcr(p, hpmn);
	out->hstr_el2 = p->hstr;
	return 0;
}

void av_trap_policy_default_guest(struct av_trap_policy *p, uint32_t features, unsigned pmcr_n)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->features = features;

	/* Own IPA space, virtual interrupts, broadcast maintenance, safe set/way. */
	p->vm = true;
	p->route_irq = true;
	p->route_fiq = true;
	p->route_serror = true;
	p->force_broadcast = true;
	p->bsu = AV_TRAP_BSU_IS;
	p->swio = true;

	/* The physical CPU's run state and the firmware are the hypervisor's. */
	p->trap_wfi = true;
	p->trap_smc = true;

	/* Identification and CPU-specific configuration: sanitised or hidden. */
	p->trap_id1 = true;
	p->trap_id3 = true;
	p->trap_impdef = true;
	p->trap_actlr = true;
	p->trap_lor = true;
	p->trap_ras = true;
	p->trap_ext_abort = (features & AV_TRAP_FEAT_RAS) != 0;

	/* Physical caches by set/way. */
	p->trap_setway = true;

	/* Lazily switched state. */
	p->trap_pac_insn = true;
	p->trap_pac_keys = true;
	p->trap_fp = true;
	p->trap_sve = true;
	p->trap_sme = true;

	/* Shared monitoring hardware without a virtual model. */
	p->trap_pmu = true;
	p->trap_pmcr = true;
	p->pmcr_n = (uint8_t)(pmcr_n > 31 ? 31 : pmcr_n);
	p->hpmn = AV_TRAP_HPMN_ALL;
	p->trap_debug = true;
	p->trap_debug_os = true;
	p->trap_debug_rom = true;
	p->trap_trace = true;
	p->trap_trace_filter = true;
	p->trap_spe = true;
	p->trap_amu = true;
}

/* ---------------------------------------------------------------------------------------
 * describe
 * ------------------------------------------------------------------------------------- */

struct field {
	const char *name;
	uint64_t mask;
};

static const struct field hcr_fields[] = {
	{ "VM", AV_HCR_VM },         { "SWIO", AV_HCR_SWIO },     { "PTW", AV_HCR_PTW },
	{ "FMO", AV_HCR_FMO },       { "IMO", AV_HCR_IMO },       { "AMO", AV_HCR_AMO },
	{ "VF", AV_HCR_VF },         { "VI", AV_HCR_VI },         { "VSE", AV_HCR_VSE },
	{ "FB", AV_HCR_FB },         { "BSU", AV_HCR_BSU },       { "DC", AV_HCR_DC },
	{ "TWI", AV_HCR_TWI },       { "TWE", AV_HCR_TWE },       { "TID0", AV_HCR_TID0 },
	{ "TID1", AV_HCR_TID1 },     { "TID2", AV_HCR_TID2 },     { "TID3", AV_HCR_TID3 },
	{ "TSC", AV_HCR_TSC },       { "TIDCP", AV_HCR_TIDCP },   { "TACR", AV_HCR_TACR },
	{ "TSW", AV_HCR_TSW },       { "TPCP", AV_HCR_TPCP },     { "TPU", AV_HCR_TPU },
	{ "TTLB", AV_HCR_TTLB },     { "TVM", AV_HCR_TVM },       { "TGE", AV_HCR_TGE },
	{ "TDZ", AV_HCR_TDZ },       { "HCD", AV_HCR_HCD },       { "TRVM", AV_HCR_TRVM },
	{ "RW", AV_HCR_RW },         { "CD", AV_HCR_CD },         { "ID", AV_HCR_ID },
	{ "E2H", AV_HCR_E2H },       { "TLOR", AV_HCR_TLOR },     { "TERR", AV_HCR_TERR },
	{ "TEA", AV_HCR_TEA },       { "MIOCNCE", AV_HCR_MIOCNCE }, { "APK", AV_HCR_APK },
	{ "API", AV_HCR_API },       { "NV", AV_HCR_NV },         { "NV1", AV_HCR_NV1 },
	{ "AT", AV_HCR_AT },         { "NV2", AV_HCR_NV2 },       { "FWB", AV_HCR_FWB },
	{ "FIEN", AV_HCR_FIEN },     { "TID4", AV_HCR_TID4 },     { "TICAB", AV_HCR_TICAB },
	{ "AMVOFFEN", AV_HCR_AMVOFFEN }, { "TOCU", AV_HCR_TOCU }, { "EnSCXT", AV_HCR_ENSCXT },
	{ "TTLBIS", AV_HCR_TTLBIS }, { "TTLBOS", AV_HCR_TTLBOS }, { "ATA", AV_HCR_ATA },
	{ "DCT", AV_HCR_DCT },       { "TID5", AV_HCR_TID5 },     { "TWEDEn", AV_HCR_TWEDEN },
	{ "TWEDEL", AV_HCR_TWEDEL },
};

static const struct field cptr_fields[] = {
	{ "RES1", AV_CPTR_RES1 }, { "TZ", AV_CPTR_TZ },   { "TFP", AV_CPTR_TFP },
	{ "TSM", AV_CPTR_TSM },   { "TTA", AV_CPTR_TTA }, { "TAM", AV_CPTR_TAM },
	{ "TCPAC", AV_CPTR_TCPAC },
};

static const struct field cptr_e2h_fields[] = {
	{ "ZEN", AV_CPTR_E2H_ZEN }, { "FPEN", AV_CPTR_E2H_FPEN }, { "SMEN", AV_CPTR_E2H_SMEN },
	{ "TTA", AV_CPTR_E2H_TTA }, { "TAM", AV_CPTR_TAM },       { "TCPAC", AV_CPTR_TCPAC },
};

static const struct field mdcr_fields[] = {
	{ "HPMN", AV_MDCR_HPMN },   { "TPMCR", AV_MDCR_TPMCR }, { "TPM", AV_MDCR_TPM },
	{ "HPME", AV_MDCR_HPME },   { "TDE", AV_MDCR_TDE },     { "TDA", AV_MDCR_TDA },
	{ "TDOSA", AV_MDCR_TDOSA }, { "TDRA", AV_MDCR_TDRA },   { "E2PB", AV_MDCR_E2PB },
	{ "TPMS", AV_MDCR_TPMS },   { "HPMD", AV_MDCR_HPMD },   { "TTRF", AV_MDCR_TTRF },
	{ "HCCD", AV_MDCR_HCCD },   { "TDCC", AV_MDCR_TDCC },
};

struct sink {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct sink *s, const char *fmt, ...)
{
	char *dst = NULL;
	size_t room = 0;
	va_list ap;
	int n;

	if (s->len < s->size) {
		dst = s->buf + s->len;
		room = s->size - s->len;
	}
	va_start(ap, fmt);
	n = av_vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->len += (size_t)n;
}

static void put_reg(struct sink *s, const char *reg, uint64_t val, const struct field *f,
		    size_t nf)
{
	uint64_t named = 0;

	put(s, "%-8s 0x%016llx", reg, (unsigned long long)val);
	for (size_t i = 0; i < nf; i++) {
		uint64_t v = val & f[i].mask;

		named |= f[i].mask;
		if (!v)
			continue;
		if (!(f[i].mask & (f[i].mask - 1))) /* a single bit */
			put(s, " %s", f[i].name);
		else
			put(s, " %s=%#llx", f[i].name,
			    (unsigned long long)AV_FIELD_GET(f[i].mask, val));
	}
	if (val & ~named)
		put(s, " ?=%#llx", (unsigned long long)(val & ~named));
}

int av_trap_policy_describe(const struct av_el2_traps *t, char *buf, size_t size)
{
	struct sink s = { .buf = buf, .size = size, .len = 0 };
	bool e2h;

	if (!t || (!buf && size))
		return -AV_EINVAL;
	if (size)
		buf[0] = '\0';
	e2h = (t->hcr_el2 & AV_HCR_E2H) != 0;

	put_reg(&s, "HCR_EL2", t->hcr_el2, hcr_fields, AV_ARRAY_SIZE(hcr_fields));
	put(&s, "\n");
	if (e2h)
		put_reg(&s, "CPTR_EL2", t->cptr_el2, cptr_e2h_fields,
			AV_ARRAY_SIZE(cptr_e2h_fields));
	else
		put_reg(&s, "CPTR_EL2", t->cptr_el2, cptr_fields, AV_ARRAY_SIZE(cptr_fields));
	put(&s, " (E2H=%d layout)\n", e2h ? 1 : 0);
	put_reg(&s, "MDCR_EL2", t->mdcr_el2, mdcr_fields, AV_ARRAY_SIZE(mdcr_fields));
	put(&s, "\n");
	put(&s, "%-8s 0x%016llx", "HSTR_EL2", (unsigned long long)t->hstr_el2);
	for (unsigned n = 0; n < 16; n++)
		if (t->hstr_el2 & AV_HSTR_VALID & AV_BIT(n))
			put(&s, " T%u", n);
	if (t->hstr_el2 & ~AV_HSTR_VALID)
		put(&s, " ?=%#llx", (unsigned long long)(t->hstr_el2 & ~AV_HSTR_VALID));
	return s.len > (size_t)INT32_MAX ? INT32_MAX : (int)s.len;
}

/* ---------------------------------------------------------------------------------------
 * Control ids
 * ------------------------------------------------------------------------------------- */

static bool *ctl_field(struct av_trap_policy *p, enum av_trap_ctl id)
{
	switch (id) {
	case AV_TRAP_CTL_WFI: return &p->trap_wfi;
	case AV_TRAP_CTL_WFE: return &p->trap_wfe;
	case AV_TRAP_CTL_SMC: return &p->trap_smc;
	case AV_TRAP_CTL_ID0: return &p->trap_id0;
	case AV_TRAP_CTL_ID1: return &p->trap_id1;
	case AV_TRAP_CTL_ID2: return &p->trap_id2;
	case AV_TRAP_CTL_ID3: return &p->trap_id3;
	case AV_TRAP_CTL_ID4: return &p->trap_id4;
	case AV_TRAP_CTL_IMPDEF: return &p->trap_impdef;
	case AV_TRAP_CTL_ACTLR: return &p->trap_actlr;
	case AV_TRAP_CTL_SETWAY: return &p->trap_setway;
	case AV_TRAP_CTL_CMO_POC: return &p->trap_cmo_poc;
	case AV_TRAP_CTL_CMO_POU: return &p->trap_cmo_pou;
	case AV_TRAP_CTL_CMO_OCU: return &p->trap_cmo_ocu;
	case AV_TRAP_CTL_ICAB: return &p->trap_icab;
	case AV_TRAP_CTL_VM_WRITE: return &p->trap_vm_write;
	case AV_TRAP_CTL_VM_READ: return &p->trap_vm_read;
	case AV_TRAP_CTL_TLBI: return &p->trap_tlbi;
	case AV_TRAP_CTL_TLBI_IS: return &p->trap_tlbi_is;
	case AV_TRAP_CTL_TLBI_OS: return &p->trap_tlbi_os;
	case AV_TRAP_CTL_DC_ZVA: return &p->trap_dc_zva;
	case AV_TRAP_CTL_LOR: return &p->trap_lor;
	case AV_TRAP_CTL_RAS: return &p->trap_ras;
	case AV_TRAP_CTL_EXT_ABORT: return &p->trap_ext_abort;
	case AV_TRAP_CTL_PAC_INSN: return &p->trap_pac_insn;
	case AV_TRAP_CTL_PAC_KEYS: return &p->trap_pac_keys;
	case AV_TRAP_CTL_PMU: return &p->trap_pmu;
	case AV_TRAP_CTL_PMCR: return &p->trap_pmcr;
	case AV_TRAP_CTL_DEBUG: return &p->trap_debug;
	case AV_TRAP_CTL_DEBUG_OS: return &p->trap_debug_os;
	case AV_TRAP_CTL_DEBUG_ROM: return &p->trap_debug_rom;
	case AV_TRAP_CTL_DEBUG_ROUTE: return &p->route_debug;
	case AV_TRAP_CTL_TRACE_FILTER: return &p->trap_trace_filter;
	case AV_TRAP_CTL_SPE: return &p->trap_spe;
	case AV_TRAP_CTL_FP: return &p->trap_fp;
	case AV_TRAP_CTL_SVE: return &p->trap_sve;
	case AV_TRAP_CTL_SME: return &p->trap_sme;
	case AV_TRAP_CTL_TRACE: return &p->trap_trace;
	case AV_TRAP_CTL_AMU: return &p->trap_amu;
	case AV_TRAP_CTL_CPACR: return &p->trap_cpacr;
	default: return NULL;
	}
}

int av_trap_policy_set(struct av_trap_policy *p, enum av_trap_ctl id, bool trap)
{
	bool *f;

	if (!p)
		return -AV_EINVAL;
	if (id == AV_TRAP_CTL_HSTR) {
		p->hstr = trap ? (uint16_t)AV_HSTR_VALID : 0;
		return 0;
	}
	f = ctl_field(p, id);
	if (!f)
		return -AV_EINVAL;
	*f = trap;
	return 0;
}

int av_trap_policy_get(const struct av_trap_policy *p, enum av_trap_ctl id)
{
	struct av_trap_policy copy;
	const bool *f;

	if (!p)
		return -AV_EINVAL;
	if (id == AV_TRAP_CTL_HSTR)
		return p->hstr != 0;
	copy = *p;
	f = ctl_field(&copy, id);
	if (!f)
		return -AV_EINVAL;
	return *f ? 1 : 0;
}

static const char *const ctl_names[AV_TRAP_CTL_COUNT] = {
	[AV_TRAP_CTL_NONE] = "none",
	[AV_TRAP_CTL_WFI] = "TWI",
	[AV_TRAP_CTL_WFE] = "TWE",
	[AV_TRAP_CTL_SMC] = "TSC",
	[AV_TRAP_CTL_ID0] = "TID0",
	[AV_TRAP_CTL_ID1] = "TID1",
	[AV_TRAP_CTL_ID2] = "TID2",
	[AV_TRAP_CTL_ID3] = "TID3",
	[AV_TRAP_CTL_ID4] = "TID4",
	[AV_TRAP_CTL_IMPDEF] = "TIDCP",
	[AV_TRAP_CTL_ACTLR] = "TACR",
	[AV_TRAP_CTL_SETWAY] = "TSW",
	[AV_TRAP_CTL_CMO_POC] = "TPCP",
	[AV_TRAP_CTL_CMO_POU] = "TPU",
	[AV_TRAP_CTL_CMO_OCU] = "TOCU",
	[AV_TRAP_CTL_ICAB] = "TICAB",
	[AV_TRAP_CTL_VM_WRITE] = "TVM",
	[AV_TRAP_CTL_VM_READ] = "TRVM",
	[AV_TRAP_CTL_TLBI] = "TTLB",
	[AV_TRAP_CTL_TLBI_IS] = "TTLBIS",
	[AV_TRAP_CTL_TLBI_OS] = "TTLBOS",
	[AV_TRAP_CTL_DC_ZVA] = "TDZ",
	[AV_TRAP_CTL_LOR] = "TLOR",
	[AV_TRAP_CTL_RAS] = "TERR",
	[AV_TRAP_CTL_EXT_ABORT] = "TEA",
	[AV_TRAP_CTL_PAC_INSN] = "API",
	[AV_TRAP_CTL_PAC_KEYS] = "APK",
	[AV_TRAP_CTL_PMU] = "TPM",
	[AV_TRAP_CTL_PMCR] = "TPMCR",
	[AV_TRAP_CTL_DEBUG] = "TDA",
	[AV_TRAP_CTL_DEBUG_OS] = "TDOSA",
	[AV_TRAP_CTL_DEBUG_ROM] = "TDRA",
	[AV_TRAP_CTL_DEBUG_ROUTE] = "TDE",
	[AV_TRAP_CTL_TRACE_FILTER] = "TTRF",
	[AV_TRAP_CTL_SPE] = "TPMS",
	[AV_TRAP_CTL_FP] = "TFP/FPEN",
	[AV_TRAP_CTL_SVE] = "TZ/ZEN",
	[AV_TRAP_CTL_SME] = "TSM/SMEN",
	[AV_TRAP_CTL_TRACE] = "TTA",
	[AV_TRAP_CTL_AMU] = "TAM",
	[AV_TRAP_CTL_CPACR] = "TCPAC",
	[AV_TRAP_CTL_HSTR] = "HSTR",
};

const char *av_trap_ctl_name(enum av_trap_ctl id)
{
	if ((unsigned)id >= AV_TRAP_CTL_COUNT || !ctl_names[id])
		return "?";
	return ctl_names[id];
}

const char *av_trap_class_name(enum av_trap_class cls)
{
	switch (cls) {
	case AV_TRAP_CLASS_CONTROL: return "control-sensitive";
	case AV_TRAP_CLASS_LOCATION: return "behaviour-sensitive (location)";
	case AV_TRAP_CLASS_MODE: return "behaviour-sensitive (mode)";
	case AV_TRAP_CLASS_LAZY_STATE: return "lazily switched state";
	case AV_TRAP_CLASS_INNOCUOUS: return "innocuous, privileged";
	default: return "?";
	}
}

const char *av_trap_how_name(enum av_trap_how how)
{
	switch (how) {
	case AV_TRAP_HOW_TRAP: return "trap";
	case AV_TRAP_HOW_ALWAYS: return "always traps";
	case AV_TRAP_HOW_OTHER: return "trap (other register)";
	case AV_TRAP_HOW_HW_VIRT: return "virtualised in hardware";
	case AV_TRAP_HOW_CONFINED: return "confined";
	default: return "?";
	}
}

/* ---------------------------------------------------------------------------------------
 * The sensitive-instruction table
 * ------------------------------------------------------------------------------------- */

#define BITS(r, m, p) { .reg = (r), .mask = (m), .pol = (p) }
#define NO_BITS BITS(AV_TRAP_REG_NONE, 0, AV_TRAP_WHEN_SET)
/* A control that is the same in both CPTR layouts. */
#define SAME(r, m, p) .bits = BITS(r, m, p), .bits_e2h = BITS(r, m, p)
#define HCR_1(m) SAME(AV_TRAP_REG_HCR, m, AV_TRAP_WHEN_SET)
#define HCR_0(m) SAME(AV_TRAP_REG_HCR, m, AV_TRAP_WHEN_CLEAR)
#define MDCR_1(m) SAME(AV_TRAP_REG_MDCR, m, AV_TRAP_WHEN_SET)
#define HSTR_1(m) SAME(AV_TRAP_REG_HSTR, m, AV_TRAP_WHEN_SET)
#define CPTR_1(m) SAME(AV_TRAP_REG_CPTR, m, AV_TRAP_WHEN_SET)
/* A CPTR_EL2 control that moves with E2H: a trap bit at E2H=0, an enable at E2H=1. */
#define CPTR_SPLIT(m0, m1)                                                                 \
	.bits = BITS(AV_TRAP_REG_CPTR, m0, AV_TRAP_WHEN_SET),                              \
	.bits_e2h = BITS(AV_TRAP_REG_CPTR, m1, AV_TRAP_WHEN_CLEAR)
#define NONE .bits = NO_BITS, .bits_e2h = NO_BITS

static const struct av_trap_row sensitive[] = {
	/* --- The processor's run state and the firmware --- */
	{ "WFI, WFIT", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_WFI,
	  HCR_1(AV_HCR_TWI), 0, AV_ESR_EC_WFX, "HCR_EL2.TWI=1",
	  "suspends the physical CPU until an interrupt; trapped, the hypervisor runs another "
	  "vCPU (a WFI that would complete at once does not trap)" },
	{ "WFE, WFET", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_WFE,
	  HCR_1(AV_HCR_TWE), 0, AV_ESR_EC_WFX, "HCR_EL2.TWE=1 (TWEDEn/TWEDEL delay it)",
	  "idles the physical CPU until an event; trap it when vCPUs outnumber CPUs so a "
	  "spinning vCPU yields" },
	{ "SMC", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_SMC, HCR_1(AV_HCR_TSC), 0,
	  AV_ESR_EC_SMC64, "HCR_EL2.TSC=1",
	  "calls the secure firmware that owns the machine (PSCI turns CPUs off, resets the "
	  "system); emulated by the hypervisor" },
	{ "HVC", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_ALWAYS, AV_TRAP_CTL_NONE, NONE, 0,
	  AV_ESR_EC_HVC64, "taken to EL2 while HCR_EL2.HCD=0",
	  "the hypercall itself: it exists to reach EL2" },

	/* --- Identification --- */
	{ "MRS ID_AA64*_EL1, ID_PFR*/ID_DFR*/ID_ISAR*/ID_MMFR*/MVFR*_EL1 (ID group 3)",
	  AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ID3, HCR_1(AV_HCR_TID3), 0,
	  AV_ESR_EC_SYS64, "HCR_EL2.TID3=1",
	  "describe the real CPU's features; sanitised to what the hypervisor supports and "
	  "every migration target shares" },
	{ "MRS CTR_EL0, CCSIDR_EL1, CCSIDR2_EL1, CLIDR_EL1; MRS/MSR CSSELR_EL1 (ID group 2)",
	  AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ID2, HCR_1(AV_HCR_TID2), 0,
	  AV_ESR_EC_SYS64, "HCR_EL2.TID2=1",
	  "cache geometry of the physical core, which differs between core types" },
	{ "MRS CCSIDR_EL1, CCSIDR2_EL1, CLIDR_EL1; MRS/MSR CSSELR_EL1 (ID group 4)",
	  AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ID4, HCR_1(AV_HCR_TID4),
	  AV_TRAP_FEAT_EVT, AV_ESR_EC_SYS64, "HCR_EL2.TID4=1",
	  "group 2 without CTR_EL0, which EL0 reads often" },
	{ "MRS REVIDR_EL1, AIDR_EL1, SMIDR_EL1 (ID group 1)", AV_TRAP_CLASS_LOCATION,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ID1, HCR_1(AV_HCR_TID1), 0, AV_ESR_EC_SYS64,
	  "HCR_EL2.TID1=1", "revision and auxiliary identification of the physical part" },
	{ "AArch32 VMRS FPSID, MRC p14 JIDR (ID group 0)", AV_TRAP_CLASS_LOCATION,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ID0, HCR_1(AV_HCR_TID0), 0, AV_ESR_EC_CP10_ID,
	  "HCR_EL2.TID0=1", "AArch32 only; JIDR reports EC 0x05 (CP14_MR)" },
	{ "MRS MIDR_EL1, MPIDR_EL1", AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_HW_VIRT,
	  AV_TRAP_CTL_NONE, NONE, 0, AV_ESR_EC_UNKNOWN, "VPIDR_EL2, VMPIDR_EL2",
	  "EL1 reads return the values EL2 stored: the VM's part number and vCPU affinity" },

	/* --- CPU configuration --- */
	{ "IMPLEMENTATION DEFINED registers (S3_<op1>_C11_*, S3_<op1>_C15_*)",
	  AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_IMPDEF, HCR_1(AV_HCR_TIDCP), 0,
	  AV_ESR_EC_SYS64, "HCR_EL2.TIDCP=1",
	  "power, errata and cache controls of the physical core" },
	{ "ACTLR_EL1", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ACTLR,
	  HCR_1(AV_HCR_TACR), 0, AV_ESR_EC_SYS64, "HCR_EL2.TACR=1",
	  "IMPLEMENTATION DEFINED control of the physical core" },
	{ "CPACR_EL1", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_CPACR,
	  CPTR_1(AV_CPTR_TCPAC), 0, AV_ESR_EC_SYS64, "CPTR_EL2.TCPAC=1",
	  "EL1's own FP/SVE/trace enables; CPTR_EL2 overrides them anyway" },
	{ "LORSA/LOREA/LORN/LORC/LORID_EL1 (LORegions)", AV_TRAP_CLASS_CONTROL,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_LOR, HCR_1(AV_HCR_TLOR), AV_TRAP_FEAT_LOR,
	  AV_ESR_EC_SYS64, "HCR_EL2.TLOR=1",
	  "limited-ordering regions; usually hidden from guests and trapped to UNDEF" },

	/* --- Caches and TLBs --- */
	{ "DC ISW, DC CSW, DC CISW (set/way)", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_SETWAY, HCR_1(AV_HCR_TSW), 0, AV_ESR_EC_SYS64, "HCR_EL2.TSW=1",
	  "act on physical cache lines whatever they hold, other VMs' data included; "
	  "emulate by maintaining the VM's memory by VA" },
	{ "DC IVAC, DC CVAC, DC CIVAC, DC CVAP, DC CVADP (to PoC/PoP)", AV_TRAP_CLASS_INNOCUOUS,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_CMO_POC, HCR_1(AV_HCR_TPCP), 0, AV_ESR_EC_SYS64,
	  "HCR_EL2.TPCP=1",
	  "by VA through stage 2, so only the VM's memory; with VM=1 DC IVAC also cleans" },
	{ "IC IVAU, IC IALLU, IC IALLUIS, DC CVAU (to PoU)", AV_TRAP_CLASS_INNOCUOUS,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_CMO_POU, HCR_1(AV_HCR_TPU), 0, AV_ESR_EC_SYS64,
	  "HCR_EL2.TPU=1", "no data is lost; the VM only sees the effect on its own code" },
	{ "IC IVAU, IC IALLU, DC CVAU (to PoU, FEAT_EVT)", AV_TRAP_CLASS_INNOCUOUS,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_CMO_OCU, HCR_1(AV_HCR_TOCU), AV_TRAP_FEAT_EVT,
	  AV_ESR_EC_SYS64, "HCR_EL2.TOCU=1", "the non-broadcast half of TPU" },
	{ "IC IALLUIS (FEAT_EVT)", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_ICAB,
	  HCR_1(AV_HCR_TICAB), AV_TRAP_FEAT_EVT, AV_ESR_EC_SYS64, "HCR_EL2.TICAB=1",
	  "the broadcast half of TPU" },
	{ "DC ZVA", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_DC_ZVA,
	  HCR_1(AV_HCR_TDZ), 0, AV_ESR_EC_SYS64, "HCR_EL2.TDZ=1",
	  "zeroes guest memory by VA; DCZID_EL0 reports it prohibited when trapped" },
	{ "TLBI (EL1 operations)", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_TLBI,
	  HCR_1(AV_HCR_TTLB), 0, AV_ESR_EC_SYS64, "HCR_EL2.TTLB=1",
	  "tagged with the VMID, so only the VM's entries go; HCR_EL2.FB broadcasts them" },
	{ "TLBI *IS (inner shareable)", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_TLBI_IS, HCR_1(AV_HCR_TTLBIS), AV_TRAP_FEAT_EVT, AV_ESR_EC_SYS64,
	  "HCR_EL2.TTLBIS=1", "lets a hypervisor narrow broadcasts to the VM's CPUs" },
	{ "TLBI *OS (outer shareable)", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_TLBI_OS, HCR_1(AV_HCR_TTLBOS), AV_TRAP_FEAT_EVT, AV_ESR_EC_SYS64,
	  "HCR_EL2.TTLBOS=1", "as TTLBIS for the outer shareable domain" },
	{ "DMB, DSB, ISB", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_CONFINED, AV_TRAP_CTL_NONE, NONE,
	  0, AV_ESR_EC_UNKNOWN, "HCR_EL2.BSU upgrades their shareability",
	  "a barrier of too small a domain would break a vCPU that migrates; BSU=IS fixes it" },

	/* --- Stage-1 translation and the VM's own EL1 state --- */
	{ "MSR SCTLR/TTBR0/TTBR1/TCR/MAIR/AMAIR/CONTEXTIDR/ESR/FAR/AFSR0/AFSR1_EL1 (write)",
	  AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_VM_WRITE, HCR_1(AV_HCR_TVM), 0,
	  AV_ESR_EC_SYS64, "HCR_EL2.TVM=1",
	  "the VM's own stage 1, confined by stage 2; trap to watch the MMU being switched "
	  "on or to shadow the registers" },
	{ "MRS of the same registers (read)", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_VM_READ, HCR_1(AV_HCR_TRVM), 0, AV_ESR_EC_SYS64, "HCR_EL2.TRVM=1",
	  "needed only when the hypervisor keeps the values itself" },
	{ "AT S1E0R/W, AT S1E1R/W/RP/WP", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_CONFINED,
	  AV_TRAP_CTL_NONE, NONE, 0, AV_ESR_EC_UNKNOWN,
	  "stage 2 applies to the walk; HCR_EL2.AT traps them for nested virtualisation",
	  "PAR_EL1 receives an IPA, which is what the guest expects" },
	{ "VBAR/ELR/SPSR/SP_EL1, TPIDR*, PAR_EL1, CNTKCTL_EL1 and other EL1 context",
	  AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_CONFINED, AV_TRAP_CTL_NONE, NONE, 0,
	  AV_ESR_EC_UNKNOWN, "banked at EL1; switched with the vCPU",
	  "the guest's state alone" },
	{ "DAIF, MSR DAIFSet/DAIFClr", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_CONFINED,
	  AV_TRAP_CTL_NONE, NONE, 0, AV_ESR_EC_UNKNOWN,
	  "HCR_EL2.IMO/FMO/AMO route physical interrupts to EL2",
	  "PSTATE masks only the VM's virtual interrupts; physical ones reach EL2 regardless" },
	{ "SVC", AV_TRAP_CLASS_INNOCUOUS, AV_TRAP_HOW_CONFINED, AV_TRAP_CTL_NONE, NONE, 0,
	  AV_ESR_EC_UNKNOWN, "taken to the guest's EL1 as on real hardware",
	  "the guest's own system call" },
	{ "ERET", AV_TRAP_CLASS_MODE, AV_TRAP_HOW_OTHER, AV_TRAP_CTL_NONE, NONE, 0,
	  AV_ESR_EC_ERET, "HCR_EL2.NV=1 (nested virtualisation only)",
	  "innocuous for a guest kernel: it returns within the VM" },
	{ "CurrentEL; *_EL2 registers from EL1", AV_TRAP_CLASS_MODE, AV_TRAP_HOW_OTHER,
	  AV_TRAP_CTL_NONE, NONE, 0, AV_ESR_EC_SYS64, "HCR_EL2.NV/NV1 (nested virtualisation)",
	  "a guest kernel sees its true EL1 and EL2 registers UNDEFINED; only a guest "
	  "hypervisor must be made to believe it runs at EL2" },

	/* --- Errors --- */
	{ "ERRIDR/ERRSELR/ERX*_EL1 (RAS error records)", AV_TRAP_CLASS_CONTROL,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_RAS, HCR_1(AV_HCR_TERR), AV_TRAP_FEAT_RAS,
	  AV_ESR_EC_SYS64, "HCR_EL2.TERR=1",
	  "error records of physical nodes shared with the host" },
	{ "synchronous external aborts", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_EXT_ABORT, HCR_1(AV_HCR_TEA), AV_TRAP_FEAT_RAS, AV_ESR_EC_DABT_LOW,
	  "HCR_EL2.TEA=1 (instruction fetches report EC 0x20)",
	  "a memory error is the host's to handle before anything is injected" },

	/* --- Lazily switched state --- */
	{ "PAC*, AUT*, RETAA/B, BRAA/B, BLRAA/B, ERETAA/B, LDRAA/B (pointer authentication)",
	  AV_TRAP_CLASS_LAZY_STATE, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_PAC_INSN, HCR_0(AV_HCR_API),
	  AV_TRAP_FEAT_PAUTH, AV_ESR_EC_PAC, "HCR_EL2.API=0 (1 = not trapped)",
	  "use the keys; the first use loads the VM's keys, then API=1" },
	{ "AP{IA,IB,DA,DB,GA}Key{Lo,Hi}_EL1 (pointer-auth keys)", AV_TRAP_CLASS_LAZY_STATE,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_PAC_KEYS, HCR_0(AV_HCR_APK), AV_TRAP_FEAT_PAUTH,
	  AV_ESR_EC_SYS64, "HCR_EL2.APK=0 (1 = not trapped)",
	  "the key registers themselves, switched with API" },
	{ "FP/Advanced SIMD instructions, FPCR/FPSR", AV_TRAP_CLASS_LAZY_STATE, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_FP, CPTR_SPLIT(AV_CPTR_TFP, AV_CPTR_E2H_FPEN), 0, AV_ESR_EC_FP_ASIMD,
	  "CPTR_EL2.TFP=1 (E2H=0) / CPTR_EL2.FPEN=0b00 (E2H=1)",
	  "V registers switched on first use; FPEN=0b00 also traps EL2 itself" },
	{ "SVE instructions, ZCR_EL1", AV_TRAP_CLASS_LAZY_STATE, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_SVE, CPTR_SPLIT(AV_CPTR_TZ, AV_CPTR_E2H_ZEN), AV_TRAP_FEAT_SVE,
	  AV_ESR_EC_SVE, "CPTR_EL2.TZ=1 (E2H=0) / CPTR_EL2.ZEN=0b00 (E2H=1)",
	  "Z/P registers; an FP trap, if also set, is reported as EC 0x07 instead" },
	{ "SME instructions, SMCR_EL1, SVCR", AV_TRAP_CLASS_LAZY_STATE, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_SME, CPTR_SPLIT(AV_CPTR_TSM, AV_CPTR_E2H_SMEN), AV_TRAP_FEAT_SME,
	  AV_ESR_EC_SME, "CPTR_EL2.TSM=1 (E2H=0) / CPTR_EL2.SMEN=0b00 (E2H=1)",
	  "ZA and streaming state" },

	/* --- Monitoring hardware --- */
	{ "PMU registers (PMCNTEN*, PMEV*, PMCCNTR, PMSELR ...)", AV_TRAP_CLASS_CONTROL,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_PMU, MDCR_1(AV_MDCR_TPM), AV_TRAP_FEAT_PMU,
	  AV_ESR_EC_SYS64, "MDCR_EL2.TPM=1", "physical counters shared with the host" },
	{ "PMCR_EL0", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_PMCR,
	  MDCR_1(AV_MDCR_TPMCR), AV_TRAP_FEAT_PMU, AV_ESR_EC_SYS64, "MDCR_EL2.TPMCR=1",
	  "resets and enables every counter, the host's included" },
	{ "PMCR_EL0.N, event counters >= HPMN", AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_HW_VIRT,
	  AV_TRAP_CTL_NONE, NONE, AV_TRAP_FEAT_PMU, AV_ESR_EC_UNKNOWN, "MDCR_EL2.HPMN",
	  "EL1 reads N = HPMN and cannot reach the counters reserved to EL2" },
	{ "DBGB*/DBGW*/MDSCR/MDCCINT_EL1 and other debug registers", AV_TRAP_CLASS_CONTROL,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_DEBUG, MDCR_1(AV_MDCR_TDA), 0, AV_ESR_EC_SYS64,
	  "MDCR_EL2.TDA=1", "physical breakpoints and watchpoints the host may be using" },
	{ "OSLAR/OSLSR/OSDLR/DBGPRCR_EL1 (OS lock, powerdown)", AV_TRAP_CLASS_CONTROL,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_DEBUG_OS, MDCR_1(AV_MDCR_TDOSA), 0, AV_ESR_EC_SYS64,
	  "MDCR_EL2.TDOSA=1", "debug lock and powerdown request of the physical core" },
	{ "MDRAR_EL1 (debug ROM address)", AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_DEBUG_ROM, MDCR_1(AV_MDCR_TDRA), 0, AV_ESR_EC_SYS64, "MDCR_EL2.TDRA=1",
	  "a physical address of the machine's debug ROM table" },
	{ "breakpoint, watchpoint, software step and BRK exceptions", AV_TRAP_CLASS_CONTROL,
	  AV_TRAP_HOW_TRAP, AV_TRAP_CTL_DEBUG_ROUTE, MDCR_1(AV_MDCR_TDE), 0,
	  AV_ESR_EC_BREAKPT_LOW, "MDCR_EL2.TDE=1 (EC 0x30-0x35, 0x3C)",
	  "for a host debugger debugging the guest; forces TDA/TDOSA/TDRA" },
	{ "TRFCR_EL1 (trace filter)", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_TRACE_FILTER, MDCR_1(AV_MDCR_TTRF), AV_TRAP_FEAT_TRF, AV_ESR_EC_SYS64,
	  "MDCR_EL2.TTRF=1", "decides what the shared trace unit records" },
	{ "PMS*_EL1 (statistical profiling controls)", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_SPE, MDCR_1(AV_MDCR_TPMS), AV_TRAP_FEAT_SPE, AV_ESR_EC_SYS64,
	  "MDCR_EL2.TPMS=1; buffer PMB* trapped by E2PB=0b00",
	  "samples carry physical addresses and timing" },
	{ "TRC* trace unit registers", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP, AV_TRAP_CTL_TRACE,
	  .bits = BITS(AV_TRAP_REG_CPTR, AV_CPTR_TTA, AV_TRAP_WHEN_SET),
	  .bits_e2h = BITS(AV_TRAP_REG_CPTR, AV_CPTR_E2H_TTA, AV_TRAP_WHEN_SET),
	  AV_TRAP_FEAT_TRACE, AV_ESR_EC_SYS64, "CPTR_EL2.TTA=1 (bit 20 at E2H=0, 28 at E2H=1)",
	  "the trace unit is one per core, shared with the host" },
	{ "AM*_EL0 (Activity Monitors)", AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_AMU, CPTR_1(AV_CPTR_TAM), AV_TRAP_FEAT_AMU, AV_ESR_EC_SYS64,
	  "CPTR_EL2.TAM=1", "count the physical core's activity, the host's included" },

	/* --- Timers and interrupt controller --- */
	{ "CNTVCT_EL0, CNTV_CTL/CVAL/TVAL_EL0 (virtual counter and timer)",
	  AV_TRAP_CLASS_LOCATION, AV_TRAP_HOW_HW_VIRT, AV_TRAP_CTL_NONE, NONE, 0,
	  AV_ESR_EC_UNKNOWN, "CNTVOFF_EL2",
	  "the virtual count is the physical count minus the VM's offset" },
	{ "CNTPCT_EL0, CNTP_CTL/CVAL/TVAL_EL0 (physical counter and timer)",
	  AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_OTHER, AV_TRAP_CTL_NONE, NONE, 0, AV_ESR_EC_SYS64,
	  "CNTHCTL_EL2.EL1PCTEN=0, EL1PCEN=0",
	  "the physical timer may be the host's; trap and emulate, or hand it over" },
	{ "ICC_* GIC CPU interface registers", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_HW_VIRT,
	  AV_TRAP_CTL_NONE, NONE, 0, AV_ESR_EC_SYS64,
	  "ICV_* with IMO/FMO=1; ICH_HCR_EL2.TC/TALL0/TALL1/TDIR, ICC_SRE_EL2.Enable trap",
	  "the virtual CPU interface serves EL1 from the list registers" },

	/* --- AArch32 --- */
	{ "AArch32 MCR/MRC/MCRR/MRRC p15 by CRn/CRm", AV_TRAP_CLASS_CONTROL, AV_TRAP_HOW_TRAP,
	  AV_TRAP_CTL_HSTR, HSTR_1(AV_HSTR_VALID), 0, AV_ESR_EC_CP15_32,
	  "HSTR_EL2.T<n>=1 (MCRR/MRRC report EC 0x04)",
	  "coarse traps for AArch32 EL1/EL0; the finer controls above apply to AArch32 too" },
};

const struct av_trap_row *av_trap_sensitive_table(size_t *n)
{
	if (n)
		*n = AV_ARRAY_SIZE(sensitive);
	return sensitive;
}

const struct av_trap_bits *av_trap_row_bits(const struct av_trap_row *row, bool e2h)
{
	if (!row)
		return NULL;
	return e2h ? &row->bits_e2h : &row->bits;
}

bool av_trap_row_trapped(const struct av_trap_row *row, const struct av_el2_traps *t)
{
	const struct av_trap_bits *b;
	uint64_t val;

	if (!row || !t)
		return false;
	b = av_trap_row_bits(row, (t->hcr_el2 & AV_HCR_E2H) != 0);
	switch (b->reg) {
	case AV_TRAP_REG_HCR: val = t->hcr_el2; break;
	case AV_TRAP_REG_CPTR: val = t->cptr_el2; break;
	case AV_TRAP_REG_MDCR: val = t->mdcr_el2; break;
	case AV_TRAP_REG_HSTR: val = t->hstr_el2; break;
	default: return false;
	}
	if (!b->mask)
		return false;
	if (b->pol == AV_TRAP_WHEN_CLEAR)
		return (val & b->mask) == 0;
	return (val & b->mask) == b->mask;
}
