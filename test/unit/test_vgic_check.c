/* SPDX-License-Identifier: MIT */
/* Unit tests: av_vgic_check() accepts the states the vGIC's calls build (GICv2 and GICv3,
 * with list registers live and folded back) and names each deliberately corrupted one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/vgic.h>

#include "vgic_internal.h"

#define NR_LRS 4

static struct av_vgic_lr lrs[AV_VGIC_MAX_VCPUS][AV_VGIC_MAX_LRS];

static unsigned f_nr_lrs(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return NR_LRS;
}

static void f_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	(void)cookie;
	lrs[vcpu][idx] = *lr;
}

static void f_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	(void)cookie;
	*lr = lrs[vcpu][idx];
}

static void f_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	(void)cookie;
	(void)vcpu;
	(void)flags;
}

static const struct av_vgic_lr_ops ops = { f_nr_lrs, f_write, f_read, f_maint };

static struct av_vgic good, bad;

#define SPI_SLOT(intid) (AV_VGIC_MAX_VCPUS * AV_VGIC_NR_PRIVATE + (intid) - 32)

/* A vGIC with pending SPIs, PPIs and SGIs on two vCPUs, vCPU 0's LRs live (flushed). */
static void build(enum av_vgic_model model)
{
	struct av_vgic_config cfg = { .model = model, .nr_vcpus = 2, .nr_spis = 64,
				      .lr_ops = &ops };
	struct av_error err;
	uint64_t v;

	memset(lrs, 0, sizeof(lrs));
	assert_int_equal(av_vgic_init(&good, &cfg, &err), 0);
	assert_int_equal(av_vgic_check(&good, &err), 0);
	assert_string_equal(err.field, "");
	v = 3;
	if (model == AV_VGIC_V3) {
		assert_int_equal(av_vgic_v3_dist_access(&good, AV_GICD_CTLR, 4, true, &v), 0);
		v = ~0ull;
		assert_int_equal(av_vgic_v3_dist_access(&good, AV_GICD_ISENABLER + 4, 4, true, &v), 0);
		assert_int_equal(av_vgic_v3_redist_access(&good, 0, AV_GICR_SGI_BASE + AV_GICD_ISENABLER,
							  4, true, &v), 0);
		v = 0x20;
		assert_int_equal(av_vgic_v3_dist_access(&good, AV_GICD_IPRIORITYR + 40, 1, true, &v), 0);
	} else {
		assert_int_equal(av_vgic_v2_dist_access(&good, 0, AV_GICD_CTLR, 4, true, &v), 0);
		v = ~0ull;
		assert_int_equal(av_vgic_v2_dist_access(&good, 0, AV_GICD_ISENABLER + 4, 4, true, &v), 0);
		assert_int_equal(av_vgic_v2_dist_access(&good, 0, AV_GICD_ISENABLER, 4, true, &v), 0);
		v = 0x01010101;
		assert_int_equal(av_vgic_v2_dist_access(&good, 0, AV_GICD_ITARGETSR + 40, 4, true, &v), 0);
	}
	assert_int_equal(av_vgic_map_hw(&good, 0, 27, 27), 0);
	assert_int_equal(av_vgic_set_level(&good, 0, 27, true, NULL), 0);
	assert_int_equal(av_vgic_pulse(&good, 0, 40, NULL), 0);
	assert_int_equal(av_vgic_pulse(&good, 0, 41, NULL), 0);
	assert_int_equal(av_vgic_send_sgi(&good, 1, 1, 3, NULL), 0);
	assert_int_equal(av_vgic_send_sgi(&good, 0, 2, 5, NULL), 0);
	assert_int_equal(av_vgic_check(&good, &err), 0);
	assert_int_equal(av_vgic_flush(&good, 0), 0);
	assert_int_equal(av_vgic_check(&good, &err), 0);
	assert_true(good.vcpu[0].lr_live >= 3);
}

/* Corrupt a copy with @corrupt: av_vgic_check() fails naming @field. */
static void expect_bad(void (*corrupt)(struct av_vgic *), const char *field)
{
	struct av_error err;

	memcpy(&bad, &good, sizeof(bad));
	corrupt(&bad);
	assert_int_equal(av_vgic_check(&bad, &err), -AV_EIO);
	assert_string_equal(err.field, field);
	assert_true(err.msg[0] != 0);
}

static void c_ctlr(struct av_vgic *g) { g->ctlr |= AV_GICD_CTLR_ARE; }
static void c_prio(struct av_vgic *g) { g->irq[SPI_SLOT(50)].priority = 0x21; }
static void c_hw_sgi(struct av_vgic *g)
{
	g->irq[2].flags |= AV_VGIC_IRQF_HW;
	g->irq[2].hw_intid = 30;
}
static void c_hw_1023(struct av_vgic *g) { g->irq[SPI_SLOT(60)].flags |= AV_VGIC_IRQF_HW,
					   g->irq[SPI_SLOT(60)].hw_intid = 1023; }
static void c_hw_noflag(struct av_vgic *g) { g->irq[SPI_SLOT(61)].hw_intid = 100; }
static void c_sgi_level(struct av_vgic *g) { g->irq[4].flags &= (uint8_t)~AV_VGIC_IRQF_EDGE; }
static void c_intid(struct av_vgic *g) { g->irq[SPI_SLOT(70)].intid = 71; }
static void c_pending_unlisted(struct av_vgic *g)
{
	/* Pending with a target but on no list: lost for good. */
	g->irq[SPI_SLOT(42)].flags |= AV_VGIC_IRQF_LATCH;
}
static void c_idle_listed(struct av_vgic *g)
{
	/* vCPU 1's SGI 5 (listed, not in an LR) loses its pending state but stays listed. */
	struct av_vgic_irq *irq = &g->irq[AV_VGIC_NR_PRIVATE + 5];

	irq->flags &= (uint8_t)~AV_VGIC_IRQF_LATCH;
	irq->sgi_src = 0;
}
static void c_two_lrs(struct av_vgic *g)
{
	/* LR 1 names the interrupt of LR 0 too: one interrupt in two LRs. */
	g->vcpu[0].lr_slot[1] = g->vcpu[0].lr_slot[0];
}
static void c_lr_stale(struct av_vgic *g) { g->vcpu[0].lr_live = 0; g->vcpu[0].lr_used = 0; }
static void c_lr_live(struct av_vgic *g) { g->vcpu[0].lr_live = 1; }
static void c_nr_spis(struct av_vgic *g) { g->vcpu[0].nr_spis++; }
static void c_order(struct av_vgic *g)
{
	struct av_vgic_irq *first = &g->irq[g->vcpu[0].head];

	first->priority = 0xf8;
}
static void c_loop(struct av_vgic *g)
{
	struct av_vgic_irq *first = &g->irq[g->vcpu[0].head];

	first->next = g->vcpu[0].head;
}
static void c_asleep(struct av_vgic *g) { g->vcpu[1].asleep = 2; }
static void c_mpidr(struct av_vgic *g) { g->vcpu[1].mpidr = g->vcpu[0].mpidr; }
static void c_targets(struct av_vgic *g) { g->irq[SPI_SLOT(80)].targets = 0x04; }
static void c_target(struct av_vgic *g) { g->irq[SPI_SLOT(81)].target = 1; }
static void c_owner_range(struct av_vgic *g) { g->irq[g->vcpu[1].head].owner = 7; }

static void corruptions(void)
{
	expect_bad(c_ctlr, "ctlr");
	expect_bad(c_prio, "irq.priority");
	expect_bad(c_hw_sgi, "irq.hw_intid");
	expect_bad(c_hw_1023, "irq.hw_intid");
	expect_bad(c_hw_noflag, "irq.hw_intid");
	expect_bad(c_sgi_level, "irq.flags");
	expect_bad(c_intid, "irq.intid");
	expect_bad(c_pending_unlisted, "irq.owner");
	expect_bad(c_idle_listed, "irq.owner");
	expect_bad(c_two_lrs, "vcpu.lr_slot");
	expect_bad(c_lr_stale, "irq.lr");
	expect_bad(c_lr_live, "vcpu.lr_live");
	expect_bad(c_nr_spis, "vcpu.nr_spis");
	expect_bad(c_order, "irq.priority");
	expect_bad(c_loop, "irq.prev");
	expect_bad(c_asleep, "vcpu.asleep");
	expect_bad(c_mpidr, "vcpu.mpidr");
	expect_bad(c_owner_range, "irq.prev");
}

static void test_check_v3(void **state)
{
	struct av_error err;
	uint64_t v = 1ull << 8; /* IROUTER of SPI 81: affinity 0.0.1.0, no such vCPU */

	(void)state;
	build(AV_VGIC_V3);
	corruptions();
	expect_bad(c_target, "irq.target");
	assert_int_equal(av_vgic_v3_dist_access(&good, AV_GICD_IROUTER + 8 * 81, 8, true, &v), 0);
	assert_int_equal(av_vgic_check(&good, &err), 0);
	/* Folded back and flushed again, and snapshots round-trip, all checked. */
	for (unsigned c = 0; c < 2; c++) {
		assert_int_equal(av_vgic_sync(&good, c), 0);
		assert_int_equal(av_vgic_check(&good, &err), 0);
	}
	assert_int_equal(av_vgic_check(NULL, &err), -AV_EINVAL);
}

static void test_check_v2(void **state)
{
	struct av_error err;

	(void)state;
	build(AV_VGIC_V2);
	corruptions();
	expect_bad(c_targets, "irq.targets");
	expect_bad(c_target, "irq.target");
	assert_int_equal(av_vgic_flush(&good, 1), 0);
	assert_int_equal(av_vgic_check(&good, &err), 0);
	assert_int_equal(av_vgic_sync(&good, 1), 0);
	assert_int_equal(av_vgic_sync(&good, 0), 0);
	assert_int_equal(av_vgic_check(&good, &err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_v3),
		cmocka_unit_test(test_check_v2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
