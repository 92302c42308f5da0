/* SPDX-License-Identifier: MIT */
/* Unit tests: virtual and emulated physical timer state, TVAL semantics, next expiry, the
 * PPI each timer drives into the vGIC, and save/restore.
 *
 * CNTx_CTL_EL0 bit positions (Arm ARM D23.8): ENABLE [0], IMASK [1], ISTATUS [2]. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/vgic.h>
#include <armvirt/vtimer.h>

#include "check_err.h"

static struct av_vgic_lr lrs[4];

static unsigned f_nr(void *c, unsigned v)
{
	(void)c;
	(void)v;
	return 4;
}

static void f_write(void *c, unsigned v, unsigned i, const struct av_vgic_lr *lr)
{
	(void)c;
	(void)v;
	lrs[i] = *lr;
}

static void f_read(void *c, unsigned v, unsigned i, struct av_vgic_lr *lr)
{
	(void)c;
	(void)v;
	*lr = lrs[i];
}

static void f_maint(void *c, unsigned v, unsigned f)
{
	(void)c;
	(void)v;
	(void)f;
}

static const struct av_vgic_lr_ops ops = { f_nr, f_write, f_read, f_maint };
static struct av_vgic G;

static void test_condition(void **state)
{
	(void)state;
	/* ENABLE && !IMASK && count >= cval */
	assert_true(av_vtimer_condition(0x1, 100, 100));
	assert_true(av_vtimer_condition(0x1, 101, 100));
	assert_false(av_vtimer_condition(0x1, 99, 100));
	assert_false(av_vtimer_condition(0x0, 101, 100));
	assert_false(av_vtimer_condition(0x3, 101, 100));
	assert_true(av_vtimer_condition(0x5, 101, 100)); /* a stale ISTATUS is irrelevant */
	assert_true(av_vtimer_condition(0x1, UINT64_MAX, UINT64_MAX));
	assert_true(av_vtimer_condition(0x1, 0, 0));
}

/* av_vtimer_init() names the PPI it refuses and why. */
static void test_init_errors(void **state)
{
	struct av_vtimer t;
	struct av_error e;
	(void)state;

	check_err(av_vtimer_init(NULL, NULL, 0, 0, 0, &e), &e, -AV_EINVAL, "t", "NULL");
	check_err(av_vtimer_init(&t, NULL, 0, 15, 0, &e), &e, -AV_EINVAL, "virt_ppi",
		  "15 is not a PPI (16..31; 0 for 27)");
	check_err(av_vtimer_init(&t, NULL, 0, 0, 32, &e), &e, -AV_EINVAL, "phys_ppi",
		  "32 is not a PPI (16..31; 0 for 30)");
	check_err(av_vtimer_init(&t, NULL, 0, 0, 27, &e), &e, -AV_EINVAL, "phys_ppi",
		  "27 is the virtual timer's PPI too");
	check_err(av_vtimer_init(&t, NULL, 0, 26, 0, &e), &e, 0, "", "");
	assert_int_equal(t.timer[AV_VTIMER_VIRT].ppi, 26);
}

static void test_ctl_istatus(void **state)
{
	struct av_vtimer t;
	(void)state;
	assert_int_equal(av_vtimer_init(&t, NULL, 0, 0, 0, NULL), 0);
	assert_int_equal(t.timer[AV_VTIMER_VIRT].ppi, 27);
	assert_int_equal(t.timer[AV_VTIMER_PHYS].ppi, 30);
	assert_int_equal(av_vtimer_init(&t, NULL, 0, 27, 27, NULL), -AV_EINVAL);
	assert_int_equal(av_vtimer_init(&t, NULL, 0, 15, 0, NULL), -AV_EINVAL);
	assert_int_equal(av_vtimer_init(&t, NULL, 0, 0, 0, NULL), 0);
	/* Reset: all zero, ISTATUS 0 while disabled. */
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_VIRT, 1000), 0);
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 500, 1000, NULL);
	/* ISTATUS is read-only: writing it has no effect. */
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 0x4, 1000, NULL);
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_VIRT, 1000), 0);
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 0x1, 1000, NULL);
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_VIRT, 1000), 0x5);
	assert_true(av_vtimer_fires(&t, AV_VTIMER_VIRT, 1000));
	/* IMASK stops the interrupt, not ISTATUS. */
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 0x3, 1000, NULL);
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_VIRT, 1000), 0x7);
	assert_false(av_vtimer_fires(&t, AV_VTIMER_VIRT, 1000));
	/* Before CVAL: no ISTATUS. */
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_VIRT, 499), 0x3);
	/* Upper CTL bits are RES0 (CVAL 0 <= count 0: ISTATUS set). */
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, 0xfffffff9ull, 0, NULL);
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_PHYS, 0), 0x5);
}

static void test_offset_and_tval(void **state)
{
	struct av_vtimer t;
	(void)state;
	av_vtimer_init(&t, NULL, 0, 0, 0, NULL);
	av_vtimer_set_offset(&t, 1000, 5000, NULL);
	assert_int_equal(av_vtimer_count(&t, AV_VTIMER_VIRT, 5000), 4000);
	assert_int_equal(av_vtimer_count(&t, AV_VTIMER_PHYS, 5000), 5000);
	/* TVAL = CVAL - count, as a signed 32-bit value. */
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 4100, 5000, NULL);
	assert_int_equal(av_vtimer_read_tval(&t, AV_VTIMER_VIRT, 5000), 100);
	assert_int_equal(av_vtimer_read_tval(&t, AV_VTIMER_VIRT, 5105), 0xfffffffbull);
	/* Writing TVAL: CVAL = count + SignExtend(TVAL); upper bits of the write ignored. */
	av_vtimer_write_tval(&t, AV_VTIMER_VIRT, 0xffffffffffffffffull, 5000, NULL);
	assert_int_equal(av_vtimer_read_cval(&t, AV_VTIMER_VIRT), 3999);
	av_vtimer_write_tval(&t, AV_VTIMER_VIRT, 0xabcd00000000000aull, 5000, NULL);
	assert_int_equal(av_vtimer_read_cval(&t, AV_VTIMER_VIRT), 4010);
	av_vtimer_write_tval(&t, AV_VTIMER_VIRT, 0x7fffffff, 5000, NULL);
	assert_int_equal(av_vtimer_read_cval(&t, AV_VTIMER_VIRT), 4000 + 0x7fffffffull);
	av_vtimer_write_tval(&t, AV_VTIMER_VIRT, 0x80000000, 5000, NULL);
	assert_int_equal(av_vtimer_read_cval(&t, AV_VTIMER_VIRT), 4000 - 0x80000000ull);
	/* Physical timer: no offset. */
	av_vtimer_write_tval(&t, AV_VTIMER_PHYS, 10, 5000, NULL);
	assert_int_equal(av_vtimer_read_cval(&t, AV_VTIMER_PHYS), 5010);
}

static void test_next_expiry(void **state)
{
	struct av_vtimer t;
	(void)state;
	av_vtimer_init(&t, NULL, 0, 0, 0, NULL);
	assert_int_equal(av_vtimer_next_expiry(&t, 100), UINT64_MAX);
	assert_int_equal(av_vtimer_ticks_until(&t, 100), UINT64_MAX);
	av_vtimer_set_offset(&t, 1000, 5000, NULL);
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 4500, 5000, NULL); /* virtual 4500 = phys 5500 */
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 1, 5000, NULL);
	assert_int_equal(av_vtimer_next_expiry(&t, 5000), 5500);
	assert_int_equal(av_vtimer_ticks_until(&t, 5000), 500);
	/* The physical timer sooner. */
	av_vtimer_write_cval(&t, AV_VTIMER_PHYS, 5200, 5000, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, 1, 5000, NULL);
	assert_int_equal(av_vtimer_next_expiry(&t, 5000), 5200);
	/* Masked timers never wake. */
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, 3, 5000, NULL);
	assert_int_equal(av_vtimer_next_expiry(&t, 5000), 5500);
	/* Already firing: now. */
	assert_int_equal(av_vtimer_next_expiry(&t, 6000), 6000);
	assert_int_equal(av_vtimer_ticks_until(&t, 6000), 0);
	/* Far in the future past the counter's range: saturates. */
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, UINT64_MAX - 10, 5000, NULL);
	assert_int_equal(av_vtimer_next_expiry(&t, 5000), UINT64_MAX);
}

/* The host timer for emulated timers is needed only while a line is still to be raised. */
static void test_next_raise(void **state)
{
	struct av_vtimer t;
	unsigned both = AV_VTIMER_BIT(AV_VTIMER_VIRT) | AV_VTIMER_BIT(AV_VTIMER_PHYS);
	(void)state;
	av_vtimer_init(&t, NULL, 0, 0, 0, NULL);
	assert_int_equal(av_vtimer_next_raise(&t, both, 100), UINT64_MAX);
	av_vtimer_write_cval(&t, AV_VTIMER_PHYS, 5200, 5000, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, AV_CNT_CTL_ENABLE, 5000, NULL);
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 5100, 5000, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, AV_CNT_CTL_ENABLE, 5000, NULL);
	assert_int_equal(av_vtimer_next_raise(&t, both, 5000), 5100);
	assert_int_equal(av_vtimer_next_raise(&t, AV_VTIMER_BIT(AV_VTIMER_PHYS), 5000), 5200);
	assert_int_equal(av_vtimer_next_raise(&t, 0, 5000), UINT64_MAX);
	/* Expired but not yet updated: raise it now. */
	assert_int_equal(av_vtimer_next_raise(&t, AV_VTIMER_BIT(AV_VTIMER_PHYS), 6000), 6000);
	/* Once its line is high, no host timer (next_expiry still says "now"). */
	av_vtimer_update(&t, 6000, NULL);
	assert_int_equal(av_vtimer_next_expiry(&t, 7000), 7000);
	assert_int_equal(av_vtimer_next_raise(&t, both, 7000), UINT64_MAX);
	/* Masked: the line falls; a later unmask raises it through the trap, not the timer. */
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK, 7000, NULL);
	assert_int_equal(av_vtimer_next_raise(&t, AV_VTIMER_BIT(AV_VTIMER_PHYS), 7000),
			 UINT64_MAX);
	/* Reprogrammed ahead: the line falls and the host timer is wanted again. */
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, AV_CNT_CTL_ENABLE, 7000, NULL);
	av_vtimer_write_tval(&t, AV_VTIMER_PHYS, 300, 7000, NULL);
	assert_int_equal(av_vtimer_next_raise(&t, AV_VTIMER_BIT(AV_VTIMER_PHYS), 7000), 7300);
}

/* The level each timer drives, from its registers, for a vGIC input-level callback. */
static void test_ppi_level(void **state)
{
	struct av_vtimer t;
	(void)state;
	av_vtimer_init(&t, NULL, 0, 0, 0, NULL);
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 0), 0);
	assert_int_equal(av_vtimer_ppi_level(&t, 30, 0), 0);
	assert_int_equal(av_vtimer_ppi_level(&t, 26, 0), -AV_ENOENT);
	assert_int_equal(av_vtimer_ppi_level(&t, 3, 0), -AV_ENOENT);
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 100, 0, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, AV_CNT_CTL_ENABLE, 0, NULL);
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 99), 0);
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 100), 1); /* ENABLE, ISTATUS, !IMASK */
	assert_int_equal(av_vtimer_ppi_level(&t, 30, 100), 0);
	t.timer[AV_VTIMER_VIRT].ctl |= AV_CNT_CTL_IMASK;          /* not through the API: */
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 200), 0);  /* computed, not remembered */
	t.timer[AV_VTIMER_VIRT].ctl = 0;
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 200), 0);
	t.cntvoff = 150;                                        /* virtual count 50 < 100 */
	t.timer[AV_VTIMER_VIRT].ctl = AV_CNT_CTL_ENABLE;
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 200), 0);
	assert_int_equal(av_vtimer_ppi_level(&t, 27, 250), 1);
}

static void setup_vgic(void)
{
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 2, .nr_spis = 0,
				      .lr_ops = &ops };
	uint64_t v = 3;

	memset(lrs, 0, sizeof(lrs));
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	assert_int_equal(av_vgic_v3_dist_access(&G, 0, 4, true, &v), 0); /* groups on */
	v = (1u << 27) | (1u << 30);
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10100, 4, true, &v), 0);
}

static void test_ppi_injection(void **state)
{
	struct av_vtimer t;
	struct av_vgic_irq_state s;
	uint64_t kicked = 0;
	(void)state;
	setup_vgic();
	assert_int_equal(av_vtimer_init(&t, &G, 1, 0, 0, NULL), 0);
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 2000, 1000, &kicked);
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 1, 1000, &kicked);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_false(s.line);
	assert_int_equal(kicked, 0);
	/* The host timer goes off at the expiry: the PPI line rises. */
	av_vtimer_update(&t, av_vtimer_next_expiry(&t, 1000), &kicked);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_true(s.line && s.pending);
	assert_int_equal(kicked, 2);
	av_vgic_get_irq(&G, 0, 27, &s);
	assert_false(s.line); /* vCPU 0's PPI 27 untouched */
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs[0].vintid, 27);
	/* The guest masks the timer: the line drops. */
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 3, 2500, NULL);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_false(s.line);
	/* Reprogramming into the future also drops it. */
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 1, 2500, NULL);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_true(s.line);
	av_vtimer_write_tval(&t, AV_VTIMER_VIRT, 1000, 2500, NULL);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_false(s.line);
	/* The emulated physical timer drives PPI 30. */
	av_vtimer_write_cval(&t, AV_VTIMER_PHYS, 10, 2500, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, 1, 2500, NULL);
	av_vgic_get_irq(&G, 1, 30, &s);
	assert_true(s.line);
	assert_int_equal(av_vtimer_read_ctl(&t, AV_VTIMER_PHYS, 2500), 0x5);
	/* CNTVOFF moves the virtual count: 2500 - 0 >= 3500? no; with offset -2000 yes. */
	av_vtimer_set_offset(&t, (uint64_t)-2000, 2500, NULL);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_true(s.line);
}

/*
 * A timer whose registers the guest writes without a trap (the hardware virtual timer),
 * its PPI HW-linked and injected by the host when it fires: the vGIC resamples the line
 * through the callback, here av_vtimer_ppi_level() of the "hardware" registers.
 */
static struct av_vtimer hw_timer;
static uint64_t hw_now;

static int hw_level(void *cookie, unsigned vcpu, uint32_t intid)
{
	(void)cookie;
	assert_int_equal(vcpu, 1);
	return av_vtimer_ppi_level(&hw_timer, intid, hw_now);
}

static void test_resample_timer(void **state)
{
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 2, .nr_spis = 0,
				      .lr_ops = &ops, .line_level = hw_level };
	struct av_vgic_irq_state s;
	uint64_t v = 3;
	(void)state;
	memset(lrs, 0, sizeof(lrs));
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	assert_int_equal(av_vgic_v3_dist_access(&G, 0, 4, true, &v), 0);
	v = 0;
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x14, 4, true, &v), 0);
	assert_int_equal(av_vgic_map_hw(&G, 1, 27, 27), 0);
	assert_int_equal(av_vgic_set_resample(&G, 1, 27, true), 0);
	av_vtimer_init(&hw_timer, NULL, 1, 0, 0, NULL);
	/* PPI disabled; CVAL in the past, enabled: the host injects, ISPENDR0 shows it. */
	hw_now = 1000;
	av_vtimer_write_cval(&hw_timer, AV_VTIMER_VIRT, 10, hw_now, NULL);
	av_vtimer_write_ctl(&hw_timer, AV_VTIMER_VIRT, AV_CNT_CTL_ENABLE, hw_now, NULL);
	av_vgic_set_level(&G, 1, 27, av_vtimer_fires(&hw_timer, AV_VTIMER_VIRT, hw_now), NULL);
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10200, 4, false, &v), 0);
	assert_true(v & (1u << 27));
	/* CNTV_CTL = 0 (no trap): ISPENDR0 reads 0. */
	hw_timer.timer[AV_VTIMER_VIRT].ctl = 0;
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10200, 4, false, &v), 0);
	assert_false(v & (1u << 27));
	/* IMASK alone lowers it too. */
	hw_timer.timer[AV_VTIMER_VIRT].ctl = AV_CNT_CTL_ENABLE;
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10200, 4, false, &v), 0);
	assert_true(v & (1u << 27));
	hw_timer.timer[AV_VTIMER_VIRT].ctl = AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK;
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10200, 4, false, &v), 0);
	assert_false(v & (1u << 27));
	/* Re-enabling the PPI with the line low: nothing to deliver. */
	hw_timer.timer[AV_VTIMER_VIRT].ctl = 0;
	v = 1u << 27;
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10100, 4, true, &v), 0);
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_false(s.pending);
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs[0].state, AV_VGIC_LR_INVALID);
	assert_false(av_vgic_has_pending(&G, 1));
	/* Firing again (compare reached): delivered HW-linked. */
	hw_timer.timer[AV_VTIMER_VIRT].ctl = AV_CNT_CTL_ENABLE;
	av_vgic_set_level(&G, 1, 27, true, NULL);
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs[0].vintid, 27);
	assert_true(lrs[0].hw);
	assert_int_equal(lrs[0].state, AV_VGIC_LR_PENDING);
}

static void test_save_restore(void **state)
{
	struct av_vtimer t, u;
	struct av_vtimer_snapshot a, b;
	struct av_vgic_irq_state s;
	(void)state;
	setup_vgic();
	av_vtimer_init(&t, &G, 1, 0, 0, NULL);
	av_vtimer_set_offset(&t, 77, 1000, NULL);
	av_vtimer_write_cval(&t, AV_VTIMER_VIRT, 900, 1000, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_VIRT, 1, 1000, NULL);
	av_vtimer_write_cval(&t, AV_VTIMER_PHYS, 12345, 1000, NULL);
	av_vtimer_write_ctl(&t, AV_VTIMER_PHYS, 3, 1000, NULL);
	assert_int_equal(av_vtimer_save(&t, &a), 0);
	assert_int_equal(a.magic, 0x4d545641);
	assert_int_equal(a.version, 1);
	assert_int_equal(a.cntvoff, 77);
	assert_int_equal(a.cntv_ctl, 1);
	assert_int_equal(a.cntp_ctl, 3);

	setup_vgic();
	av_vtimer_init(&u, &G, 1, 0, 0, NULL);
	assert_int_equal(av_vtimer_restore(&u, &a, 1000, NULL), 0);
	av_vtimer_save(&u, &b);
	assert_memory_equal(&a, &b, sizeof(a));
	av_vgic_get_irq(&G, 1, 27, &s);
	assert_true(s.line); /* re-evaluated at restore */
	a.magic = 0;
	assert_int_equal(av_vtimer_restore(&u, &a, 1000, NULL), -AV_EINVAL);
	a.magic = 0x4d545641;
	a.virt_ppi = 40;
	assert_int_equal(av_vtimer_restore(&u, &a, 1000, NULL), -AV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_condition),
		cmocka_unit_test(test_ctl_istatus),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_offset_and_tval),
		cmocka_unit_test(test_next_expiry),
		cmocka_unit_test(test_next_raise),
		cmocka_unit_test(test_ppi_level),
		cmocka_unit_test(test_ppi_injection),
		cmocka_unit_test(test_resample_timer),
		cmocka_unit_test(test_save_restore),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
