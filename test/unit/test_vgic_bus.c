/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the vGIC's frames as MMIO bus devices (armvirt/vgic_bus.h). Accesses through
 * the bus must give what the vGIC's own access functions give, GICv2 distributor accesses
 * banked on the vCPU the bus hands over, and every guest write reported to the host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/vgic_bus.h>
#include <armvirt/vm.h>

#include "check_err.h"

#define DIST 0x08000000ull
#define REDIST 0x080a0000ull

static struct av_vgic_lr lrs[2][4];

static unsigned f_nr_lrs(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return 4;
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

static const struct av_vgic_lr_ops fake_ops = { f_nr_lrs, f_write, f_read, f_maint };

static struct {
	struct av_vgic vgic;
	struct av_mmio_bus bus;
	struct av_mmio_dev *slots[4];
	struct av_vgic_bus vb;
	struct av_vcpu vcpu[2];
	struct av_vcpu *last_writer;
	unsigned writes;
} t;

static void written(void *cookie, struct av_vcpu *vcpu)
{
	assert_ptr_equal(cookie, &t);
	t.last_writer = vcpu;
	t.writes++;
}

static void setup_model(enum av_vgic_model model)
{
	struct av_vgic_config cfg = { .model = model, .nr_vcpus = 2, .nr_spis = 32,
				      .lr_ops = &fake_ops };

	memset(&t, 0, sizeof(t));
	assert_int_equal(av_vgic_init(&t.vgic, &cfg, NULL), 0);
	assert_int_equal(av_mmio_bus_init(&t.bus, t.slots, 4, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	for (unsigned i = 0; i < 2; i++)
		t.vcpu[i].index = i;
}

static void test_v2_banked(void **state)
{
	uint64_t v, want;
	(void)state;

	setup_model(AV_VGIC_V2);
	assert_int_equal(av_vgic_bus_add(&t.vb, &t.vgic, &t.bus, DIST, 0, written, &t, NULL), 0);
	assert_int_equal(t.bus.count, 1); /* no redistributors for GICv2 */
	assert_ptr_equal(av_mmio_find(&t.bus, DIST + AV_GICD_V2_SIZE - 1), &t.vb.dist);
	assert_null(av_mmio_find(&t.bus, DIST + AV_GICD_V2_SIZE));
	assert_string_equal(t.vb.dist.name, "gicd");

	/* GICD_TYPER: as the vGIC answers it. */
	assert_int_equal(av_vgic_v2_dist_access(&t.vgic, 0, AV_GICD_TYPER, 4, false, &want), 0);
	assert_int_equal(av_mmio_read(&t.bus, &t.vcpu[1], DIST + AV_GICD_TYPER, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, want);
	/* GICD_ITARGETSR0 reads as the accessing CPU's own bit in every byte. */
	assert_int_equal(av_mmio_read(&t.bus, &t.vcpu[1], DIST + AV_GICD_ITARGETSR, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x02020202u);
	assert_int_equal(av_mmio_read(&t.bus, &t.vcpu[0], DIST + AV_GICD_ITARGETSR, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x01010101u);
	assert_int_equal(t.writes, 0);

	/* GICD_ISENABLER0 written by vCPU 1 enables PPI 27 of vCPU 1 only, and is reported. */
	assert_int_equal(av_mmio_write(&t.bus, &t.vcpu[1], DIST + AV_GICD_ISENABLER, 4,
				       1u << 27), AV_ACCESS_HANDLED);
	assert_int_equal(t.writes, 1);
	assert_ptr_equal(t.last_writer, &t.vcpu[1]);
	assert_int_equal(av_vgic_v2_dist_access(&t.vgic, 1, AV_GICD_ISENABLER, 4, false, &v), 0);
	assert_true(v & (1u << 27));
	assert_int_equal(av_vgic_v2_dist_access(&t.vgic, 0, AV_GICD_ISENABLER, 4, false, &v), 0);
	assert_false(v & (1u << 27));
	/* What the vGIC refuses is an abort (a halfword GICD_CTLR), still reported. */
	assert_int_equal(av_mmio_write(&t.bus, &t.vcpu[0], DIST + AV_GICD_CTLR, 2, 1),
			 AV_ACCESS_INJECT);
	assert_int_equal(t.writes, 2);
	assert_ptr_equal(t.last_writer, &t.vcpu[0]);
}

/* GICv2 without a vCPU: the banked registers abort and change nothing, others work. */
static void test_v2_no_vcpu(void **state)
{
	static const uint32_t banked[] = {
		AV_GICD_IGROUPR,        AV_GICD_ISENABLER,      AV_GICD_ICENABLER,
		AV_GICD_ISPENDR,        AV_GICD_ICPENDR,        AV_GICD_ISACTIVER,
		AV_GICD_ICACTIVER,      AV_GICD_IPRIORITYR,     AV_GICD_IPRIORITYR + 0x1c,
		AV_GICD_ITARGETSR,      AV_GICD_ITARGETSR + 0x1c, AV_GICD_ICFGR + 4,
		AV_GICD_SGIR,           AV_GICD_CPENDSGIR + 0xc, AV_GICD_SPENDSGIR,
	};
	uint64_t v;
	(void)state;

	setup_model(AV_VGIC_V2);
	assert_int_equal(av_vgic_bus_add(&t.vb, &t.vgic, &t.bus, DIST, 0, NULL, NULL, NULL), 0);
	for (size_t i = 0; i < sizeof(banked) / sizeof(banked[0]); i++) {
		assert_int_equal(av_mmio_read(&t.bus, NULL, DIST + banked[i], 4, &v),
				 AV_ACCESS_INJECT);
		assert_int_equal(av_mmio_write(&t.bus, NULL, DIST + banked[i], 4, 0xffffffffu),
				 AV_ACCESS_INJECT);
	}
	assert_int_equal(av_mmio_read(&t.bus, NULL, DIST + AV_GICD_IPRIORITYR + 3, 1, &v),
			 AV_ACCESS_INJECT);
	/* vCPU 0's bank was not written. */
	assert_int_equal(av_vgic_v2_dist_access(&t.vgic, 0, AV_GICD_ISENABLER, 4, false, &v), 0);
	assert_int_equal(v & 0xffff0000u, 0);
	/* The shared registers still answer: SPI 32's enable, priority and targets. */
	assert_int_equal(av_mmio_write(&t.bus, NULL, DIST + AV_GICD_ISENABLER + 4, 4, 1),
			 AV_ACCESS_HANDLED);
	assert_int_equal(av_mmio_read(&t.bus, NULL, DIST + AV_GICD_ISENABLER + 4, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v & 1, 1);
	assert_int_equal(av_mmio_read(&t.bus, NULL, DIST + AV_GICD_IPRIORITYR + 32, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(av_mmio_read(&t.bus, NULL, DIST + AV_GICD_ITARGETSR + 32, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(av_mmio_read(&t.bus, NULL, DIST + AV_GICD_TYPER, 4, &v),
			 AV_ACCESS_HANDLED);
}

static void test_v3_frames(void **state)
{
	uint64_t v, want;
	(void)state;

	setup_model(AV_VGIC_V3);
	assert_int_equal(av_vgic_bus_add(&t.vb, &t.vgic, &t.bus, DIST, REDIST, NULL, NULL, NULL),
			 0);
	assert_int_equal(t.bus.count, 2);
	assert_int_equal(t.vb.dist.size, AV_GICD_V3_SIZE);
	assert_int_equal(t.vb.redist.size, 2 * AV_GICR_STRIDE);
	assert_string_equal(t.vb.redist.name, "gicr");

	assert_int_equal(av_vgic_v3_dist_access(&t.vgic, AV_GICD_TYPER, 4, false, &want), 0);
	assert_int_equal(av_mmio_read(&t.bus, &t.vcpu[0], DIST + AV_GICD_TYPER, 4, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, want);
	/* GICR_TYPER (offset 8, 64-bit) of the second redistributor: vCPU 1's, Last set. */
	assert_int_equal(av_vgic_v3_redist_access(&t.vgic, 1, 8, 8, false, &want), 0);
	assert_int_equal(av_mmio_read(&t.bus, &t.vcpu[0], REDIST + AV_GICR_STRIDE + 8, 8, &v),
			 AV_ACCESS_HANDLED);
	assert_int_equal(v, want);
	assert_true(v & AV_BIT(4)); /* Last */
	/* Writes without a hook are fine. */
	assert_int_equal(av_mmio_write(&t.bus, &t.vcpu[1], DIST + AV_GICD_CTLR, 4,
				       AV_GICD_CTLR_ARE | AV_GICD_CTLR_ENABLE_G1),
			 AV_ACCESS_HANDLED);
	assert_int_equal(av_vgic_v3_dist_access(&t.vgic, AV_GICD_CTLR, 4, false, &v), 0);
	assert_true(v & AV_GICD_CTLR_ENABLE_G1);
	assert_int_equal(av_mmio_write(&t.bus, NULL, REDIST + 0x14, 4, 0), AV_ACCESS_HANDLED);
}

static void test_errors(void **state)
{
	struct av_vgic zero;
	(void)state;

	setup_model(AV_VGIC_V3);
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(av_vgic_bus_add(NULL, &t.vgic, &t.bus, DIST, REDIST, NULL, NULL, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_vgic_bus_add(&t.vb, NULL, &t.bus, DIST, REDIST, NULL, NULL, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_vgic_bus_add(&t.vb, &t.vgic, NULL, DIST, REDIST, NULL, NULL, NULL),
			 -AV_EINVAL);
	assert_int_equal(av_vgic_bus_add(&t.vb, &zero, &t.bus, DIST, REDIST, NULL, NULL, NULL),
			 -AV_EINVAL);
	/* Redistributors overlapping the distributor: nothing stays registered. */
	assert_int_equal(av_vgic_bus_add(&t.vb, &t.vgic, &t.bus, DIST, DIST + 0x1000, NULL,
					 NULL, NULL), -AV_EEXIST);
	assert_int_equal(t.bus.count, 0);
}

/* av_vgic_bus_add() names what it refuses; a frame that overlaps names both devices. */
static void test_error_detail(void **state)
{
	struct av_vgic zero;
	struct av_error e;
	(void)state;

	setup_model(AV_VGIC_V3);
	memset(&zero, 0, sizeof(zero));
	check_err(av_vgic_bus_add(NULL, &t.vgic, &t.bus, DIST, REDIST, NULL, NULL, &e), &e,
		  -AV_EINVAL, "vb", "NULL");
	check_err(av_vgic_bus_add(&t.vb, &zero, &t.bus, DIST, REDIST, NULL, NULL, &e), &e,
		  -AV_EINVAL, "vgic", "not initialised (av_vgic_init())");
	check_err(av_vgic_bus_add(&t.vb, &t.vgic, &t.bus, DIST, DIST + 0x1000, NULL, NULL, &e),
		  &e, -AV_EEXIST, "base", "gicr 0x8001000+0x40000 overlaps gicd 0x8000000+0x10000");
	check_err(av_vgic_bus_add(&t.vb, &t.vgic, &t.bus, DIST, REDIST, NULL, NULL, &e), &e, 0,
		  "", "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_banked),
		cmocka_unit_test(test_v2_no_vcpu),
		cmocka_unit_test(test_v3_frames),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_error_detail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
