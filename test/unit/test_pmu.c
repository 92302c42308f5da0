/* SPDX-License-Identifier: MIT */
/* Unit tests: a guest's PMU on a fake hardware PMU (lib/pmu.c). The fake keeps every
 * register by key; PMOVSSET/PMOVSCLR, PMCNTENSET/CLR and PMINTENSET/CLR act as set/clear
 * pairs on one value, as the hardware's do. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/pmu.h>

#define NKEYS 64
static struct { uint32_t key; uint64_t val; } hw[NKEYS];
static unsigned nhw;
static int irq_level = -1, irq_calls;

/* Set/clear pairs share the SET register's slot. */
static uint32_t canon(uint32_t key)
{
	if (key == AV_SYS_PMOVSCLR_EL0)
		return AV_SYS_PMOVSSET_EL0;
	if (key == AV_SYS_PMCNTENCLR_EL0)
		return AV_SYS_PMCNTENSET_EL0;
	if (key == AV_SYS_PMINTENCLR_EL1)
		return AV_SYS_PMINTENSET_EL1;
	return key;
}

static uint64_t *slot(uint32_t key)
{
	key = canon(key);
	for (unsigned i = 0; i < nhw; i++)
		if (hw[i].key == key)
			return &hw[i].val;
	assert_true(nhw < NKEYS);
	hw[nhw].key = key;
	hw[nhw].val = 0;
	return &hw[nhw++].val;
}

static uint64_t f_read(void *c, uint32_t key)
{
	(void)c;
	return *slot(key);
}

static void f_write(void *c, uint32_t key, uint64_t v)
{
	(void)c;
	if (key == AV_SYS_PMOVSSET_EL0 || key == AV_SYS_PMCNTENSET_EL0 ||
	    key == AV_SYS_PMINTENSET_EL1)
		*slot(key) |= v;
	else if (key == AV_SYS_PMOVSCLR_EL0 || key == AV_SYS_PMCNTENCLR_EL0 ||
		 key == AV_SYS_PMINTENCLR_EL1)
		*slot(key) &= ~v;
	else if (key == AV_SYS_PMCR_EL0) /* IMP, N read-only; LP not implemented here */
		*slot(key) = (*slot(key) & ~(uint64_t)0x7f) | (v & 0x3f);
	else
		*slot(key) = v;
}

static void f_irq(void *c, bool level)
{
	(void)c;
	irq_level = level;
	irq_calls++;
}

static const struct av_pmu_hw_ops ops = { .read = f_read, .write = f_write, .set_irq = f_irq };
static struct av_pmu pmu;

static uint64_t acc(uint32_t key, bool w, uint64_t v, enum av_access_result want)
{
	assert_int_equal(av_pmu_access(&pmu, key, w, &v, 1), want);
	return v;
}
#define RD(k) acc((k), false, 0, AV_ACCESS_HANDLED)
#define WR(k, v) acc((k), true, (v), AV_ACCESS_HANDLED)

static int setup(void **state)
{
	(void)state;
	nhw = 0;
	irq_level = -1;
	irq_calls = 0;
	*slot(AV_SYS_PMCR_EL0) = AV_FIELD_PREP(AV_PMCR_N, 6) | 0x41000000; /* N = 6, IMP */
	*slot(AV_SYS_PMCEID0_EL0) = 0x20101; /* SW_INCR, INST_RETIRED, CPU_CYCLES; no CHAIN */
	assert_int_equal(av_pmu_init(&pmu, &ops, NULL, 4), 0);
	return 0;
}

static void test_init_args(void **state)
{
	struct av_pmu p;
	struct av_pmu_hw_ops none = { 0 };

	(void)state;
	assert_int_equal(av_pmu_init(&p, &none, NULL, 1), -AV_EINVAL);
	assert_int_equal(av_pmu_init(&p, &ops, NULL, 32), -AV_EINVAL);
	assert_int_equal(av_pmu_init(NULL, &ops, NULL, 1), -AV_EINVAL);
}

/* PMCR.N is the guest's share; IMP passes; P and C reset; PMCEID0 gains CHAIN. */
static void test_pmcr_and_ids(void **state)
{
	(void)state;
	assert_false(pmu.used);
	assert_int_equal(RD(AV_SYS_PMCR_EL0), AV_FIELD_PREP(AV_PMCR_N, 4) | 0x41000000);
	assert_true(pmu.used && pmu.live);
	*slot(AV_SYS_PMEVCNTRn_EL0(0)) = 55;
	*slot(AV_SYS_PMEVCNTRn_EL0(5)) = 66; /* not the guest's: untouched by P */
	*slot(AV_SYS_PMCCNTR_EL0) = 77;
	WR(AV_SYS_PMCR_EL0, AV_PMCR_E | AV_PMCR_P | AV_PMCR_C | AV_PMCR_N);
	assert_int_equal(*slot(AV_SYS_PMEVCNTRn_EL0(0)), 0);
	assert_int_equal(*slot(AV_SYS_PMEVCNTRn_EL0(5)), 66);
	assert_int_equal(*slot(AV_SYS_PMCCNTR_EL0), 0);
	assert_int_equal(RD(AV_SYS_PMCR_EL0) & 0xffff, AV_FIELD_PREP(AV_PMCR_N, 4) | AV_PMCR_E);
	assert_int_equal(RD(AV_SYS_PMCEID0_EL0), 0x40020101);
	acc(AV_SYS_PMCEID0_EL0, true, 1, AV_ACCESS_INJECT);
	/* Counters beyond the share: UNDEFINED by name, RAZ/WI through PMSELR. */
	acc(AV_SYS_PMEVCNTRn_EL0(4), false, 0, AV_ACCESS_INJECT);
	acc(AV_SYS_PMEVTYPERn_EL0(5), true, 0, AV_ACCESS_INJECT);
	WR(AV_SYS_PMSELR_EL0, 5);
	assert_int_equal(RD(AV_SYS_PMXEVCNTR_EL0), 0);
	WR(AV_SYS_PMXEVCNTR_EL0, 9);
	assert_int_equal(*slot(AV_SYS_PMEVCNTRn_EL0(5)), 66);
	/* Unallocated encodings in the trapped range. */
	acc(AV_SYSREG(3, 3, 9, 13, 5), false, 0, AV_ACCESS_INJECT);
}

/* NSH is never set in the hardware; bitmaps are limited to the share and the cycle bit. */
static void test_filters_and_masks(void **state)
{
	(void)state;
	WR(AV_SYS_PMEVTYPERn_EL0(1), AV_PMEVTYPER_NSH | AV_BIT(31) | 0x11);
	assert_int_equal(*slot(AV_SYS_PMEVTYPERn_EL0(1)), AV_BIT(31) | 0x11);
	assert_int_equal(RD(AV_SYS_PMEVTYPERn_EL0(1)), AV_BIT(31) | 0x11);
	WR(AV_SYS_PMCCFILTR_EL0, AV_PMEVTYPER_NSH | AV_BIT(30) | 0x11);
	assert_int_equal(*slot(AV_SYS_PMCCFILTR_EL0), AV_BIT(30));
	WR(AV_SYS_PMSELR_EL0, 31);
	WR(AV_SYS_PMXEVTYPER_EL0, AV_PMEVTYPER_NSH);
	assert_int_equal(*slot(AV_SYS_PMCCFILTR_EL0), 0);
	WR(AV_SYS_PMCNTENSET_EL0, 0xffffffff);
	assert_int_equal(RD(AV_SYS_PMCNTENSET_EL0), 0x8000000f);
	assert_int_equal(*slot(AV_SYS_PMCNTENSET_EL0), 0x8000000f);
	WR(AV_SYS_PMCNTENCLR_EL0, 1);
	assert_int_equal(RD(AV_SYS_PMCNTENCLR_EL0), 0x8000000e);
	WR(AV_SYS_PMUSERENR_EL0, 0xff);
	assert_int_equal(RD(AV_SYS_PMUSERENR_EL0), 0xf);
}

/*
 * MT (bit 25, FEAT_MTPMU: count other threads' events too) and M (bit 26, EL3 filtering)
 * never reach the hardware: the guest sees MTPMU = 0b1111 (MT RES0) and has no EL3 (M RES0);
 * it reads them as 0. The other filter bits pass.
 */
static void test_filters_mt_m(void **state)
{
	const uint64_t mt = AV_BIT(25), m = AV_BIT(26), keep = AV_BIT(31) | AV_BIT(30) |
							    AV_BIT(29) | AV_BIT(28) | AV_BIT(24);
	(void)state;
	WR(AV_SYS_PMEVTYPERn_EL0(2), mt | m | keep | 0x08);
	assert_int_equal(*slot(AV_SYS_PMEVTYPERn_EL0(2)), keep | 0x08);
	assert_int_equal(RD(AV_SYS_PMEVTYPERn_EL0(2)), keep | 0x08);
	WR(AV_SYS_PMSELR_EL0, 3);
	WR(AV_SYS_PMXEVTYPER_EL0, mt | m | 0x11);
	assert_int_equal(*slot(AV_SYS_PMEVTYPERn_EL0(3)), 0x11);
	assert_int_equal(RD(AV_SYS_PMXEVTYPER_EL0), 0x11);
	WR(AV_SYS_PMCCFILTR_EL0, mt | m | keep);
	assert_int_equal(*slot(AV_SYS_PMCCFILTR_EL0), keep);
	assert_int_equal(RD(AV_SYS_PMCCFILTR_EL0), keep);
	WR(AV_SYS_PMSELR_EL0, 31);
	WR(AV_SYS_PMXEVTYPER_EL0, mt | m);
	assert_int_equal(*slot(AV_SYS_PMCCFILTR_EL0), 0);
	/* After a put and a load, the hardware gets the same. */
	av_pmu_put(&pmu);
	*slot(AV_SYS_PMEVTYPERn_EL0(2)) = 0;
	av_pmu_load(&pmu);
	assert_int_equal(*slot(AV_SYS_PMEVTYPERn_EL0(2)), keep | 0x08);
}

/* SW_INCR counted in software, subject to enable and the EL filter; CHAIN carries. */
static void test_swinc_chain(void **state)
{
	uint64_t v = 1;

	(void)state;
	WR(AV_SYS_PMEVTYPERn_EL0(0), AV_PMU_EV_SW_INCR);
	WR(AV_SYS_PMEVTYPERn_EL0(1), AV_PMU_EV_CHAIN);
	WR(AV_SYS_PMEVCNTRn_EL0(0), 0xfffffffe);
	WR(AV_SYS_PMCNTENSET_EL0, 3);
	WR(AV_SYS_PMSWINC_EL0, 1); /* PMCR.E = 0: nothing */
	assert_int_equal(RD(AV_SYS_PMEVCNTRn_EL0(0)), 0xfffffffe);
	WR(AV_SYS_PMCR_EL0, AV_PMCR_E);
	WR(AV_SYS_PMSWINC_EL0, 1);
	WR(AV_SYS_PMSWINC_EL0, 1);
	assert_int_equal(RD(AV_SYS_PMEVCNTRn_EL0(0)), 0);
	assert_int_equal(RD(AV_SYS_PMEVCNTRn_EL0(1)), 1);
	assert_int_equal(RD(AV_SYS_PMOVSSET_EL0), 1);
	/* Filtered at EL0 (U = 1): no count. */
	WR(AV_SYS_PMEVTYPERn_EL0(0), AV_BIT(30) | AV_PMU_EV_SW_INCR);
	assert_int_equal(av_pmu_access(&pmu, AV_SYS_PMSWINC_EL0, true, &v, 0), AV_ACCESS_HANDLED);
	assert_int_equal(RD(AV_SYS_PMEVCNTRn_EL0(0)), 0);
	/* The even half's hardware interrupt is on for the carry, not in the guest's view. */
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 1);
	assert_int_equal(RD(AV_SYS_PMINTENSET_EL1), 0);
	WR(AV_SYS_PMEVTYPERn_EL0(1), AV_PMU_EV_SW_INCR);
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 0);
}

/* A hardware overflow: folded into the guest's flags, carried, cleared in the hardware;
 * the line follows E, the flags and the guest's enables. */
static void test_overflow_irq(void **state)
{
	(void)state;
	WR(AV_SYS_PMEVTYPERn_EL0(2), 0x11);
	WR(AV_SYS_PMEVTYPERn_EL0(3), AV_PMU_EV_CHAIN);
	WR(AV_SYS_PMEVCNTRn_EL0(3), 0xffffffff);
	WR(AV_SYS_PMCNTENSET_EL0, 0xc);
	WR(AV_SYS_PMINTENSET_EL1, 8);
	WR(AV_SYS_PMCR_EL0, AV_PMCR_E);
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 0xc);
	assert_int_not_equal(irq_level, 1);
	*slot(AV_SYS_PMOVSSET_EL0) = 4; /* counter 2 wrapped in the hardware */
	av_pmu_sync(&pmu);
	assert_int_equal(*slot(AV_SYS_PMOVSSET_EL0), 0);
	assert_int_equal(*slot(AV_SYS_PMEVCNTRn_EL0(3)), 0);
	assert_int_equal(pmu.ovs, 0xc);
	assert_int_equal(irq_level, 1);
	WR(AV_SYS_PMOVSCLR_EL0, 8);
	assert_int_equal(irq_level, 0);
	WR(AV_SYS_PMOVSSET_EL0, 8);
	assert_int_equal(irq_level, 1);
	WR(AV_SYS_PMCR_EL0, 0);
	assert_int_equal(irq_level, 0);
}

/* Hardware that counts CHAIN itself: no software carry on its overflows, no forced
 * interrupt enable; a software increment still carries (the hardware never saw it). */
static void test_hw_chain(void **state)
{
	(void)state;
	*slot(AV_SYS_PMCEID0_EL0) |= AV_BIT(AV_PMU_EV_CHAIN);
	WR(AV_SYS_PMEVTYPERn_EL0(0), AV_PMU_EV_SW_INCR);
	WR(AV_SYS_PMEVTYPERn_EL0(1), AV_PMU_EV_CHAIN);
	WR(AV_SYS_PMCNTENSET_EL0, 3);
	WR(AV_SYS_PMCR_EL0, AV_PMCR_E);
	assert_true(pmu.hw_chain);
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 0);
	*slot(AV_SYS_PMOVSSET_EL0) = 1;
	av_pmu_sync(&pmu);
	assert_int_equal(*slot(AV_SYS_PMEVCNTRn_EL0(1)), 0);
	assert_int_equal(pmu.ovs, 1);
	WR(AV_SYS_PMEVCNTRn_EL0(0), 0xffffffff);
	WR(AV_SYS_PMSWINC_EL0, 1);
	assert_int_equal(RD(AV_SYS_PMEVCNTRn_EL0(1)), 1);
}

/* put saves the counters and leaves the hardware quiet; load puts everything back. */
static void test_put_load(void **state)
{
	(void)state;
	av_pmu_put(&pmu); /* unused: nothing */
	av_pmu_load(&pmu);
	assert_false(pmu.live);
	WR(AV_SYS_PMEVTYPERn_EL0(0), 0x11);
	WR(AV_SYS_PMEVCNTRn_EL0(0), 1234);
	WR(AV_SYS_PMCCNTR_EL0, 99);
	WR(AV_SYS_PMCNTENSET_EL0, 0x80000001);
	WR(AV_SYS_PMINTENSET_EL1, 1);
	WR(AV_SYS_PMUSERENR_EL0, 1);
	WR(AV_SYS_PMCR_EL0, AV_PMCR_E);
	*slot(AV_SYS_PMEVCNTRn_EL0(0)) = 2000; /* it counted */
	av_pmu_put(&pmu);
	assert_false(pmu.live);
	assert_int_equal(pmu.regs.evcntr[0], 2000);
	assert_int_equal(*slot(AV_SYS_PMCNTENSET_EL0), 0);
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 0);
	assert_int_equal(*slot(AV_SYS_PMUSERENR_EL0), 0);
	assert_int_equal(*slot(AV_SYS_PMCR_EL0) & AV_PMCR_E, 0);
	/* Another vCPU's use of the hardware. */
	*slot(AV_SYS_PMEVCNTRn_EL0(0)) = 5;
	*slot(AV_SYS_PMCCNTR_EL0) = 6;
	av_pmu_load(&pmu);
	assert_true(pmu.live);
	assert_int_equal(*slot(AV_SYS_PMEVCNTRn_EL0(0)), 2000);
	assert_int_equal(*slot(AV_SYS_PMCCNTR_EL0), 99);
	assert_int_equal(*slot(AV_SYS_PMCNTENSET_EL0), 0x80000001);
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 1);
	assert_int_equal(*slot(AV_SYS_PMUSERENR_EL0), 1);
	assert_int_equal(*slot(AV_SYS_PMCR_EL0) & AV_PMCR_E, AV_PMCR_E);
	/* Start-up quiet: nothing enabled, no flag. */
	*slot(AV_SYS_PMOVSSET_EL0) = 3;
	av_pmu_hw_quiet(&ops, NULL);
	assert_int_equal(*slot(AV_SYS_PMCNTENSET_EL0), 0);
	assert_int_equal(*slot(AV_SYS_PMINTENSET_EL1), 0);
	assert_int_equal(*slot(AV_SYS_PMOVSSET_EL0), 0);
	assert_int_equal(*slot(AV_SYS_PMCR_EL0) & AV_PMCR_E, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		cmocka_unit_test_setup(test_pmcr_and_ids, setup),
		cmocka_unit_test_setup(test_filters_and_masks, setup),
		cmocka_unit_test_setup(test_filters_mt_m, setup),
		cmocka_unit_test_setup(test_swinc_chain, setup),
		cmocka_unit_test_setup(test_overflow_irq, setup),
		cmocka_unit_test_setup(test_hw_chain, setup),
		cmocka_unit_test_setup(test_put_load, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
