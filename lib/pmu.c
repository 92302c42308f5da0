/* SPDX-License-Identifier: MIT */
/*
 * A guest's PMUv3 on the hardware's counters, every access trapped (armvirt/pmu.h).
 *
 * Only the counters change behind the hypervisor's back: every control register changes
 * through a trapped write, so their guest values are kept here (written through to the
 * hardware while live) and a switch saves nothing but the counters. The overflow flags are
 * the guest's in software: the hardware's are folded in and cleared at each look (a trap,
 * the physical PMU interrupt, a put), which is also where CHAIN is emulated.
 */
#include <stddef.h>

#include <armvirt/pmu.h>
#include <armvirt/types.h>

/* Event counter PMCEID0_EL0 bit of an event number below 32. */
#define PMCEID0_CHAIN AV_BIT(AV_PMU_EV_CHAIN)
/* PMSELR_EL0.SEL: 31 selects the cycle counter (its filter through PMXEVTYPER). */
#define PMSELR_SEL AV_GENMASK(4, 0)
/* PMUSERENR_EL0: EN, SW, CR, ER. */
#define PMUSERENR_MASK AV_GENMASK(3, 0)
/* PMEVTYPER / PMCCFILTR: the filter bits [31:24] and the event number; never NSH (EL2),
 * M (EL3: RES0 for a guest without it) or MT (RES0: the guest's ID_AA64DFR0.MTPMU is
 * 0b1111; the hardware's MT would count other threads, MDCR_EL2.MTPME being 0). */
#define FILTER_MASK  (AV_GENMASK(31, 24) & ~(AV_PMEVTYPER_NSH | AV_PMEVTYPER_M | AV_PMEVTYPER_MT))
#define EVTYPER_MASK (FILTER_MASK | AV_PMEVTYPER_EVT)
#define CCFILTR_MASK FILTER_MASK

static uint64_t hw_rd(const struct av_pmu *p, uint32_t key)
{
	return p->ops->read(p->cookie, key);
}

static void hw_wr(const struct av_pmu *p, uint32_t key, uint64_t val)
{
	p->ops->write(p->cookie, key, val);
}

/* The counters the guest owns, in the PMCNTEN/PMOVS/PMINTEN layout. */
static uint32_t guest_mask(const struct av_pmu *p)
{
	return (uint32_t)(AV_PMU_CYCLE_BIT | (AV_BIT(p->nr_counters) - 1));
}

/* PMINTENSET as the hardware needs it: the guest's, plus the even halves of CHAIN pairs
 * when the hardware does not chain (their overflow must be seen to carry into the odd). */
static uint32_t hw_inten(const struct av_pmu *p)
{
	return p->inten | (p->hw_chain ? 0 : p->chained);
}

int av_pmu_init(struct av_pmu *pmu, const struct av_pmu_hw_ops *ops, void *cookie,
		unsigned nr_counters)
{
	if (!pmu || !ops || !ops->read || !ops->write || nr_counters > AV_PMU_MAX_COUNTERS)
		return -AV_EINVAL;
	*pmu = (struct av_pmu){ .ops = ops, .cookie = cookie, .nr_counters = nr_counters };
	return 0;
}

bool av_pmu_irq_level(const struct av_pmu *pmu)
{
	return (pmu->regs.pmcr & AV_PMCR_E) && (pmu->ovs & pmu->inten);
}

static void report(struct av_pmu *p)
{
	bool level = av_pmu_irq_level(p);

	if (level != p->line) {
		p->line = level;
		if (p->ops->set_irq)
			p->ops->set_irq(p->cookie, level);
	}
}

/*
 * Event counter @n counts one event (a CHAIN carry or a software increment): its overflow
 * flag on a wrap (at 32 bits unless PMCR.LP), carried on into the odd counter above an even
 * one that counts CHAIN. Returns the overflow flags raised.
 */
/* NOLINTNEXTLINE(misc-no-recursion): at most one level per event counter (31) */
static uint32_t counter_inc(struct av_pmu *p, unsigned n)
{
	uint32_t key = AV_SYS_PMEVCNTRn_EL0(n);
	uint64_t c = hw_rd(p, key) + 1;
	uint32_t ovf;

	if (!(p->regs.pmcr & AV_PMCR_LP))
		c = (uint32_t)c;
	hw_wr(p, key, c);
	if (c != 0)
		return 0;
	ovf = (uint32_t)AV_BIT(n);
	if ((p->chained & AV_BIT(n)) && (p->regs.cnten & AV_BIT(n + 1)))
		ovf |= counter_inc(p, n + 1);
	return ovf;
}

/* Does counter @n's filter let it count at @el (0 or 1)? (Non-secure: P/U against NSK/NSU.) */
static bool counts_at(const struct av_pmu *p, unsigned n, unsigned el)
{
	uint64_t t = p->regs.evtyper[n];

	if (el == 0)
		return !!(t & AV_BIT(30)) == !!(t & AV_BIT(28)); /* U == NSU */
	return !!(t & AV_BIT(31)) == !!(t & AV_BIT(29));     /* P == NSK */
}

/*
 * PMSWINC_EL0 written at @el: the hardware would see the write at EL2, where no guest
 * counter counts, so SW_INCR is counted here for the enabled counters of that event.
 */
static void software_increment(struct av_pmu *p, uint64_t val, unsigned el)
{
	uint32_t m = (uint32_t)val & guest_mask(p) & ~(uint32_t)AV_PMU_CYCLE_BIT;

	if (!(p->regs.pmcr & AV_PMCR_E))
		return;
	m &= (uint32_t)p->regs.cnten;
	while (m) {
		unsigned n = (unsigned)__builtin_ctz(m);

		m &= m - 1;
		if (AV_FIELD_GET(AV_PMEVTYPER_EVT, p->regs.evtyper[n]) == AV_PMU_EV_SW_INCR &&
		    counts_at(p, n, el))
			p->ovs |= counter_inc(p, n);
	}
}

void av_pmu_sync(struct av_pmu *pmu)
{
	uint32_t hw, carry = 0;

	if (!pmu || !pmu->live)
		return;
	hw = (uint32_t)hw_rd(pmu, AV_SYS_PMOVSSET_EL0) & guest_mask(pmu);
	if (hw) {
		hw_wr(pmu, AV_SYS_PMOVSCLR_EL0, hw);
		if (!pmu->hw_chain && (pmu->regs.pmcr & AV_PMCR_E)) {
			uint32_t evens = hw & pmu->chained;

			while (evens) {
				unsigned i = (unsigned)__builtin_ctz(evens);

				evens &= evens - 1;
				if (pmu->regs.cnten & AV_BIT(i + 1))
					carry |= counter_inc(pmu, i + 1);
			}
		}
		pmu->ovs |= hw | carry;
	}
	report(pmu);
}

/* The hardware's controls off: no counter or interrupt enabled, no flag, PMCR.E = 0, no
 * EL0 access. What a put leaves (the counters keep whatever they hold). */
static void quiet(const struct av_pmu_hw_ops *ops, void *cookie)
{
	ops->write(cookie, AV_SYS_PMCNTENCLR_EL0, UINT32_MAX);
	ops->write(cookie, AV_SYS_PMINTENCLR_EL1, UINT32_MAX);
	ops->write(cookie, AV_SYS_PMOVSCLR_EL0, UINT32_MAX);
	ops->write(cookie, AV_SYS_PMCR_EL0, 0);
	ops->write(cookie, AV_SYS_PMUSERENR_EL0, 0);
}

void av_pmu_hw_quiet(const struct av_pmu_hw_ops *ops, void *cookie)
{
	if (ops && ops->write)
		quiet(ops, cookie);
}

void av_pmu_put(struct av_pmu *pmu)
{
	if (!pmu || !pmu->live)
		return;
	av_pmu_sync(pmu);
	pmu->regs.ccntr = hw_rd(pmu, AV_SYS_PMCCNTR_EL0);
	for (unsigned i = 0; i < pmu->nr_counters; i++)
		pmu->regs.evcntr[i] = hw_rd(pmu, AV_SYS_PMEVCNTRn_EL0(i));
	quiet(pmu->ops, pmu->cookie);
	pmu->live = false;
}

void av_pmu_load(struct av_pmu *pmu)
{
	const struct av_pmu_regs *r;

	if (!pmu || !pmu->used || pmu->live)
		return;
	r = &pmu->regs;
	/* Counting is off (quiet) until PMCNTENSET and PMCR.E at the end. */
	hw_wr(pmu, AV_SYS_PMSELR_EL0, r->selr);
	hw_wr(pmu, AV_SYS_PMUSERENR_EL0, r->userenr);
	hw_wr(pmu, AV_SYS_PMCCFILTR_EL0, r->ccfiltr);
	hw_wr(pmu, AV_SYS_PMCCNTR_EL0, r->ccntr);
	for (unsigned i = 0; i < pmu->nr_counters; i++) {
		hw_wr(pmu, AV_SYS_PMEVTYPERn_EL0(i), r->evtyper[i]);
		hw_wr(pmu, AV_SYS_PMEVCNTRn_EL0(i), r->evcntr[i]);
	}
	hw_wr(pmu, AV_SYS_PMINTENSET_EL1, hw_inten(pmu));
	hw_wr(pmu, AV_SYS_PMCNTENSET_EL0, r->cnten);
	hw_wr(pmu, AV_SYS_PMCR_EL0, r->pmcr);
	pmu->live = true;
}

/* First use: the hardware's CHAIN support, then the state goes live. */
static void first_use(struct av_pmu *p)
{
	p->used = true;
	p->hw_chain = (hw_rd(p, AV_SYS_PMCEID0_EL0) & PMCEID0_CHAIN) != 0;
}

/* Event counter @n's type written: its filter, and whether it chains to @n - 1. */
static void write_evtyper(struct av_pmu *p, unsigned n, uint64_t val)
{
	uint64_t v = val & EVTYPER_MASK;

	p->regs.evtyper[n] = v;
	hw_wr(p, AV_SYS_PMEVTYPERn_EL0(n), v);
	if (n & 1) {
		if (AV_FIELD_GET(AV_PMEVTYPER_EVT, v) == AV_PMU_EV_CHAIN)
			p->chained |= (uint32_t)AV_BIT(n - 1);
		else
			p->chained &= ~(uint32_t)AV_BIT(n - 1);
		hw_wr(p, AV_SYS_PMINTENCLR_EL1, AV_BIT(n - 1) & ~(uint64_t)p->inten);
		hw_wr(p, AV_SYS_PMINTENSET_EL1, hw_inten(p));
	}
}

static void write_pmcr(struct av_pmu *p, uint64_t val)
{
	if (val & AV_PMCR_P)
		for (unsigned i = 0; i < p->nr_counters; i++)
			hw_wr(p, AV_SYS_PMEVCNTRn_EL0(i), 0);
	if (val & AV_PMCR_C)
		hw_wr(p, AV_SYS_PMCCNTR_EL0, 0);
	hw_wr(p, AV_SYS_PMCR_EL0, val & AV_PMCR_WRITABLE & ~(AV_PMCR_P | AV_PMCR_C));
	/* What stuck: a bit the hardware does not implement (LP before PMUv3p5) reads 0. */
	p->regs.pmcr = hw_rd(p, AV_SYS_PMCR_EL0) & AV_PMCR_WRITABLE & ~(AV_PMCR_P | AV_PMCR_C);
}

/* A counter register reached by index @n (PMEVCNTR<n> / PMEVTYPER<n>). */
static void counter_access(struct av_pmu *p, bool typer, unsigned n, bool is_write,
			   uint64_t *val)
{
	uint32_t key = typer ? AV_SYS_PMEVTYPERn_EL0(n) : AV_SYS_PMEVCNTRn_EL0(n);

	if (!is_write)
		*val = typer ? p->regs.evtyper[n] : hw_rd(p, key);
	else if (typer)
		write_evtyper(p, n, *val);
	else
		hw_wr(p, key, *val);
}

/* PMXEVTYPER / PMXEVCNTR: the counter PMSELR_EL0.SEL names. */
static void selected_access(struct av_pmu *p, bool typer, bool is_write, uint64_t *val)
{
	unsigned sel = (unsigned)AV_FIELD_GET(PMSELR_SEL, p->regs.selr);

	if (sel == 31 && typer) {
		if (is_write) {
			p->regs.ccfiltr = *val & CCFILTR_MASK;
			hw_wr(p, AV_SYS_PMCCFILTR_EL0, p->regs.ccfiltr);
		} else {
			*val = p->regs.ccfiltr;
		}
	} else if (sel < p->nr_counters) {
		counter_access(p, typer, sel, is_write, val);
	} else if (!is_write) {
		*val = 0; /* CONSTRAINED UNPREDICTABLE: RAZ/WI chosen */
	}
}

/* PMCNTEN / PMINTEN / PMOVS set and clear pairs. */
static void set_clr(struct av_pmu *p, uint32_t key, bool is_write, uint64_t *val)
{
	uint32_t m = (uint32_t)*val & guest_mask(p);
	bool set = key == AV_SYS_PMCNTENSET_EL0 || key == AV_SYS_PMINTENSET_EL1 ||
		   key == AV_SYS_PMOVSSET_EL0;
	uint32_t *soft = NULL;

	if (key == AV_SYS_PMINTENSET_EL1 || key == AV_SYS_PMINTENCLR_EL1)
		soft = &p->inten;
	else if (key == AV_SYS_PMOVSSET_EL0 || key == AV_SYS_PMOVSCLR_EL0)
		soft = &p->ovs;
	if (!is_write) {
		*val = soft ? *soft : p->regs.cnten;
		return;
	}
	if (!soft) {
		p->regs.cnten = set ? p->regs.cnten | m : p->regs.cnten & ~(uint64_t)m;
		hw_wr(p, key, m);
		return;
	}
	*soft = set ? *soft | m : *soft & ~m;
	if (soft == &p->inten) {
		hw_wr(p, AV_SYS_PMINTENCLR_EL1, (uint64_t)~hw_inten(p) & UINT32_MAX);
		hw_wr(p, AV_SYS_PMINTENSET_EL1, hw_inten(p));
	}
}

enum av_access_result av_pmu_access(struct av_pmu *p, uint32_t key, bool is_write,
				    uint64_t *val, unsigned el)
{
	if (!p || !val)
		return AV_ACCESS_INJECT;
	if (!p->used)
		first_use(p);
	av_pmu_load(p);
	av_pmu_sync(p); /* counters and flags as of now, CHAIN carried */

	switch (key) {
	case AV_SYS_PMCR_EL0:
		if (is_write)
			write_pmcr(p, *val);
		else
			*val = (hw_rd(p, key) & ~(AV_PMCR_WRITABLE | AV_PMCR_N)) | p->regs.pmcr |
			       AV_FIELD_PREP(AV_PMCR_N, p->nr_counters);
		break;
	case AV_SYS_PMCNTENSET_EL0:
	case AV_SYS_PMCNTENCLR_EL0:
	case AV_SYS_PMINTENSET_EL1:
	case AV_SYS_PMINTENCLR_EL1:
	case AV_SYS_PMOVSSET_EL0:
	case AV_SYS_PMOVSCLR_EL0:
		set_clr(p, key, is_write, val);
		break;
	case AV_SYS_PMSWINC_EL0:
		if (is_write)
			software_increment(p, *val, el);
		else
			*val = 0; /* write-only: reads are RAZ */
		break;
	case AV_SYS_PMSELR_EL0:
		if (is_write) {
			p->regs.selr = *val & PMSELR_SEL;
			hw_wr(p, key, p->regs.selr);
		} else {
			*val = p->regs.selr;
		}
		break;
	case AV_SYS_PMCEID0_EL0:
	case AV_SYS_PMCEID1_EL0:
		if (is_write)
			return AV_ACCESS_INJECT;
		*val = hw_rd(p, key);
		if (key == AV_SYS_PMCEID0_EL0)
			*val |= PMCEID0_CHAIN; /* counted here if not by the hardware */
		break;
	case AV_SYS_PMCCNTR_EL0:
		if (is_write)
			hw_wr(p, key, *val);
		else
			*val = hw_rd(p, key);
		break;
	case AV_SYS_PMXEVTYPER_EL0:
	case AV_SYS_PMXEVCNTR_EL0:
		selected_access(p, key == AV_SYS_PMXEVTYPER_EL0, is_write, val);
		break;
	case AV_SYS_PMUSERENR_EL0:
		if (is_write) {
			p->regs.userenr = *val & PMUSERENR_MASK;
			hw_wr(p, key, p->regs.userenr);
		} else {
			*val = p->regs.userenr;
		}
		break;
	case AV_SYS_PMCCFILTR_EL0:
		if (is_write) {
			p->regs.ccfiltr = *val & CCFILTR_MASK;
			hw_wr(p, key, p->regs.ccfiltr);
		} else {
			*val = p->regs.ccfiltr;
		}
		break;
	default: {
		/* PMEVCNTR<n>_EL0 (CRm 8..11) and PMEVTYPER<n>_EL0 (CRm 12..15), n = 0..30. */
		unsigned crm = av_sysreg_crm(key), n = (crm & 3) * 8 + av_sysreg_op2(key);

		if (av_sysreg_op0(key) != 3 || av_sysreg_op1(key) != 3 || av_sysreg_crn(key) != 14 ||
		    crm < 8 || n >= p->nr_counters)
			return AV_ACCESS_INJECT;
		counter_access(p, crm >= 12, n, is_write, val);
		break;
	}
	}
	if (is_write)
		av_pmu_sync(p); /* a PMSWINC or PMOVSSET may have raised something */
	return AV_ACCESS_HANDLED;
}
