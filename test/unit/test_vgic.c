/* SPDX-License-Identifier: MIT */
/* Unit tests: the vGIC core (state machine, pending lists, LR flush/sync with a fake
 * backend), the GICv3 GICD/GICR and GICv2 GICD register tables, SGI routing, the LR formats,
 * boot-time probe sequences of a GICv3 and a GICv2 driver, and save/restore.
 *
 * Register offsets, reset values and bit positions are written literally here from the GIC
 * architecture specifications (IHI 0069 for GICv3, IHI 0048 for GICv2), not taken from the
 * library's header, so the header is checked against the spec rather than against itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/vgic.h>

#include "vgic_internal.h"

/* ---- fake LR backend ---- */

struct fake_cpu {
	struct av_vgic_lr lr[AV_VGIC_MAX_LRS];
	unsigned maint;
	unsigned writes;
	unsigned npie_requests; /* set_maint() calls asking for the no-pending interrupt */
};

#define AV_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct fake_cpu fake[AV_VGIC_MAX_VCPUS];
static unsigned fake_nr_lrs = 4;
static uint64_t kick_seen;

/* The LR cookie selects the fake CPUs: NULL is fake[], else an array of its own. */
static struct fake_cpu *fake_of(void *cookie, unsigned vcpu)
{
	return cookie ? &((struct fake_cpu *)cookie)[vcpu] : &fake[vcpu];
}

static unsigned f_nr_lrs(void *cookie, unsigned vcpu)
{
	(void)cookie;
	(void)vcpu;
	return fake_nr_lrs;
}

static void f_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	struct fake_cpu *f = fake_of(cookie, vcpu);

	assert_true(idx < fake_nr_lrs);
	f->lr[idx] = *lr;
	f->writes++;
}

static void f_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	*lr = fake_of(cookie, vcpu)->lr[idx];
}

static void f_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	struct fake_cpu *f = fake_of(cookie, vcpu);

	f->maint = flags;
	if (flags & AV_VGIC_MAINT_NOPENDING)
		f->npie_requests++;
}

static const struct av_vgic_lr_ops fake_ops = { f_nr_lrs, f_write, f_read, f_maint };

static void kick_cb(void *cookie, unsigned vcpu)
{
	(void)cookie;
	kick_seen |= UINT64_C(1) << vcpu;
}

/* The guest acknowledges the interrupt in LR @i (IAR): pending -> active. */
static void guest_ack(unsigned vcpu, unsigned i)
{
	assert_int_equal(fake[vcpu].lr[i].state, AV_VGIC_LR_PENDING);
	fake[vcpu].lr[i].state = AV_VGIC_LR_ACTIVE;
}

/* The guest deactivates the interrupt in LR @i (EOIR with EOImode 0). */
static void guest_eoi(unsigned vcpu, unsigned i)
{
	assert_true(fake[vcpu].lr[i].state & AV_VGIC_LR_ACTIVE);
	fake[vcpu].lr[i].state &= AV_VGIC_LR_PENDING;
}

/*
 * The EISR a GIC shows for @vcpu's LRs (GICH_EISR, ICH_EISR_EL2): an LR that is empty
 * (State 00), not HW-linked, with EOI maintenance requested has its bit set, and the
 * maintenance interrupt stays asserted while any bit is.
 */
static uint32_t fake_eisr(unsigned vcpu)
{
	uint32_t eisr = 0;

	for (unsigned i = 0; i < fake_nr_lrs; i++) {
		const struct av_vgic_lr *lr = &fake[vcpu].lr[i];

		if (lr->state == AV_VGIC_LR_INVALID && !lr->hw && lr->eoi_maint)
			eisr |= 1u << i;
	}
	return eisr;
}

/* Number of valid LRs after a flush. */
static unsigned lrs_valid(struct av_vgic *g, unsigned vcpu)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fake_nr_lrs; i++)
		if (fake[vcpu].lr[i].state != AV_VGIC_LR_INVALID)
			n++;
	(void)g;
	return n;
}

static struct av_vgic G;

static void setup(enum av_vgic_model model, unsigned nr_vcpus, unsigned nr_spis,
		  const uint64_t *mpidr)
{
	struct av_vgic_config cfg = { .model = model, .nr_vcpus = nr_vcpus, .nr_spis = nr_spis,
				      .mpidr = mpidr, .lr_ops = &fake_ops, .kick = kick_cb };

	memset(fake, 0, sizeof(fake));
	fake_nr_lrs = 4;
	kick_seen = 0;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
}

/* MMIO helpers that expect success. */
static uint64_t d3r(uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(av_vgic_v3_dist_access(&G, off, size, false, &v), AV_ACCESS_HANDLED);
	return v;
}

static void d3w(uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(av_vgic_v3_dist_access(&G, off, size, true, &v), AV_ACCESS_HANDLED);
}

static int d3(uint64_t off, unsigned size, bool w)
{
	uint64_t v = 0;

	return av_vgic_v3_dist_access(&G, off, size, w, &v);
}

static uint64_t rr(unsigned cpu, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(av_vgic_v3_redist_access(&G, cpu, off, size, false, &v),
			 AV_ACCESS_HANDLED);
	return v;
}

static void rw(unsigned cpu, uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(av_vgic_v3_redist_access(&G, cpu, off, size, true, &v),
			 AV_ACCESS_HANDLED);
}

static uint64_t d2r(unsigned cpu, uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeefdeadbeefull;

	assert_int_equal(av_vgic_v2_dist_access(&G, cpu, off, size, false, &v), AV_ACCESS_HANDLED);
	return v;
}

static void d2w(unsigned cpu, uint64_t off, unsigned size, uint64_t v)
{
	assert_int_equal(av_vgic_v2_dist_access(&G, cpu, off, size, true, &v), AV_ACCESS_HANDLED);
}

static struct av_vgic_irq_state st(unsigned vcpu, uint32_t intid)
{
	struct av_vgic_irq_state s;

	assert_int_equal(av_vgic_get_irq(&G, vcpu, intid, &s), 0);
	return s;
}

/* GICv3: enable both groups, and enable SPI @intid (group 1) with priority @prio. */
static void v3_spi_on(uint32_t intid, uint8_t prio)
{
	d3w(0x0000, 4, 0x3);                                      /* GICD_CTLR EnableGrp0|1 */
	d3w(0x0080 + intid / 32 * 4, 4, d3r(0x0080 + intid / 32 * 4, 4) | 1u << (intid % 32));
	d3w(0x0400 + intid, 1, prio);                             /* GICD_IPRIORITYR<n> byte */
	d3w(0x0100 + intid / 32 * 4, 4, 1u << (intid % 32));     /* GICD_ISENABLER<n> */
}

/* ---- LR formats, built bit by bit from the spec's field positions ---- */

static void test_lr_v3_format(void **state)
{
	/* IHI 0069 ICH_LR<n>_EL2: State [63:62], HW [61], Group [60], Priority [55:48],
	 * pINTID [44:32], (HW == 0: EOI [41]), vINTID [31:0]. */
	struct av_vgic_lr lr = { .vintid = 1019, .pintid = 0x1a5, .priority = 0xa8, .hw = true,
				 .group1 = true, .state = AV_VGIC_LR_PENDING_ACTIVE };
	struct av_vgic_lr back;
	uint64_t want = (3ull << 62) | (1ull << 61) | (1ull << 60) | (0xa8ull << 48) |
			(0x1a5ull << 32) | 1019;
	(void)state;

	assert_int_equal(av_vgic_lr_encode_v3(&lr), want);
	av_vgic_lr_decode_v3(want, &back);
	assert_memory_equal(&back, &lr, sizeof(lr));

	lr = (struct av_vgic_lr){ .vintid = 27, .priority = 0x10, .eoi_maint = true,
				  .state = AV_VGIC_LR_PENDING };
	want = (1ull << 62) | (0x10ull << 48) | (1ull << 41) | 27;
	assert_int_equal(av_vgic_lr_encode_v3(&lr), want);
	av_vgic_lr_decode_v3(want, &back);
	assert_memory_equal(&back, &lr, sizeof(lr));

	/* An LPI-sized vINTID uses the full 32 bits. */
	lr = (struct av_vgic_lr){ .vintid = 0x80000001u, .state = AV_VGIC_LR_ACTIVE };
	assert_int_equal(av_vgic_lr_encode_v3(&lr), (2ull << 62) | 0x80000001ull);
}

static void test_lr_v2_format(void **state)
{
	/* IHI 0048 GICH_LRn: HW [31], Grp1 [30], State [29:28], Priority [27:23] (bits [7:3] of
	 * the priority), PhysicalID [19:10] (HW == 1) or EOI [19] + CPUID [12:10], VirtualID
	 * [9:0]. */
	struct av_vgic_lr lr = { .vintid = 40, .pintid = 72, .priority = 0xa0, .hw = true,
				 .group1 = true, .state = AV_VGIC_LR_ACTIVE };
	struct av_vgic_lr back;
	uint32_t want = (1u << 31) | (1u << 30) | (2u << 28) | ((0xa0u >> 3) << 23) |
			(72u << 10) | 40;
	(void)state;

	assert_int_equal(av_vgic_lr_encode_v2(&lr), want);
	av_vgic_lr_decode_v2(want, &back);
	assert_memory_equal(&back, &lr, sizeof(lr));

	lr = (struct av_vgic_lr){ .vintid = 5, .source = 6, .priority = 0x08, .eoi_maint = true,
				  .state = AV_VGIC_LR_PENDING };
	want = (1u << 28) | (1u << 23) | (1u << 19) | (6u << 10) | 5;
	assert_int_equal(av_vgic_lr_encode_v2(&lr), want);
	av_vgic_lr_decode_v2(want, &back);
	assert_memory_equal(&back, &lr, sizeof(lr));

	/* Priority bits [2:0] are not representable and drop. */
	lr = (struct av_vgic_lr){ .vintid = 1019, .priority = 0xff, .state = AV_VGIC_LR_PENDING };
	assert_int_equal(av_vgic_lr_encode_v2(&lr), (1u << 28) | (0x1fu << 23) | 1019);
}

static void test_tables_checked(void **state)
{
	static const struct vgic_region bad[] = {
		{ .off = 0x100, .len = 0x80, .bpi = 1, .widths = VGIC_W32 },
		{ .off = 0x0, .len = 4, .widths = VGIC_W32 },
	};
	(void)state;
	assert_int_equal(av__vgic_regions_check(vgic_v3_dist_regions, vgic_v3_dist_nregions), 0);
	assert_int_equal(av__vgic_regions_check(vgic_v3_redist_regions, vgic_v3_redist_nregions), 0);
	assert_int_equal(av__vgic_regions_check(vgic_v2_dist_regions, vgic_v2_dist_nregions), 0);
	assert_int_equal(av__vgic_regions_check(bad, 2), -AV_EINVAL);
}

/* The direct index answers what a walk over the sorted table answers, for every byte. */
static void check_map(struct vgic_regmap *map)
{
	av__vgic_regmap_ready(map);
	for (uint64_t off = 0; off < map->frame; off++) {
		const struct vgic_region *want = NULL;

		for (size_t i = 0; i < map->n; i++)
			if (off >= map->tab[i].off && off < (uint64_t)map->tab[i].off + map->tab[i].len)
				want = &map->tab[i];
		assert_ptr_equal(av__vgic_region_lookup(map, off), want);
	}
	assert_null(av__vgic_region_lookup(map, map->frame));
	assert_null(av__vgic_region_lookup(NULL, 0));
}

static void test_region_index(void **state)
{
	static const struct vgic_region const_rw[] = {
		{ .off = 0x0, .len = 4, .widths = VGIC_W32, .flags = VGIC_RF_CONST },
	};
	static const struct vgic_region odd[] = {
		{ .off = 0x2, .len = 2, .widths = VGIC_W16 },
	};
	(void)state;
	check_map(&vgic_v3_dist_map);
	check_map(&vgic_v3_redist_map);
	check_map(&vgic_v2_dist_map);
	/* A constant region needs a read handler and no write; regions sit on the index's
	 * granules. */
	assert_int_equal(av__vgic_regions_check(const_rw, 1), -AV_EINVAL);
	assert_int_equal(av__vgic_regions_check(odd, 1), -AV_EINVAL);
}

static int cl_count;

static void cl_lock(void *cookie, unsigned which)
{
	(void)cookie;
	(void)which;
	cl_count++;
}

static void cl_unlock(void *cookie, unsigned which)
{
	(void)cookie;
	(void)which;
}

/* TYPER, IIDR and PIDR2 are constant after init: read without the distributor lock, with
 * the same values as ever; other registers still take it. */
static void test_const_regs_unlocked(void **state)
{
	static const struct av_vgic_lock_ops lops = { cl_lock, cl_unlock };
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 2, .nr_spis = 64,
				      .lr_ops = &fake_ops, .lock_ops = &lops };
	uint64_t v;
	(void)state;
	memset(fake, 0, sizeof(fake));
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	cl_count = 0;
	/* GICD_TYPER: ITLinesNumber 2 (64 SPIs), IDbits 9, A3V, RSS. */
	assert_int_equal(d3r(0x0004, 4), (2u << 0) | (9u << 19) | (1u << 24) | (1u << 26));
	assert_int_equal(d3r(0x0008, 4), 0x4100043bu); /* IIDR: Arm, the product */
	assert_int_equal(d3r(0xffe8, 4) & 0xf0, 0x30); /* PIDR2: ArchRev 3 */
	assert_int_equal(d3(0x0005, 1, false), AV_ACCESS_INJECT); /* a byte of TYPER */
	assert_int_equal(cl_count, 0);
	assert_int_equal(d3(0x0004, 4, true), AV_ACCESS_HANDLED); /* WI */
	assert_int_equal(cl_count, 0);
	v = 0;
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x0004, 4, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0x4100043bu); /* GICR_IIDR */
	assert_int_equal(cl_count, 0);
	(void)d3r(0x0000, 4); /* GICD_CTLR: locked */
	assert_true(cl_count > 0);

	cfg.model = AV_VGIC_V2;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	cl_count = 0;
	v = 0;
	assert_int_equal(av_vgic_v2_dist_access(&G, 0, 0x0004, 4, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, (2u << 0) | (1u << 5)); /* ITLinesNumber 2, CPUNumber 1 */
	assert_int_equal(cl_count, 0);
}

/* av_vgic_dist_read_id(): the ID registers with the table's values; nothing else. */
static void test_dist_read_id(void **state)
{
	static const uint32_t v3_ids[] = { 0x0004, 0x0008, 0xffe8 };
	static const uint32_t v2_ids[] = { 0x0004, 0x0008, 0x0fe8 };
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 2, .nr_spis = 64,
				      .lr_ops = &fake_ops };
	uint64_t v, w;
	(void)state;
	memset(fake, 0, sizeof(fake));
	for (int m = 0; m < 2; m++) {
		const uint32_t *ids = m == 0 ? v3_ids : v2_ids;

		cfg.model = m == 0 ? AV_VGIC_V3 : AV_VGIC_V2;
		assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
		for (int i = 0; i < 3; i++) {
			v = 0x5a5a;
			w = 0;
			assert_true(av_vgic_dist_read_id(&G, ids[i], 4, &v));
			assert_int_equal(m == 0 ? av_vgic_v3_dist_access(&G, ids[i], 4, false, &w)
						: av_vgic_v2_dist_access(&G, 0, ids[i], 4, false, &w),
					 AV_ACCESS_HANDLED);
			assert_int_equal(v, w);
			v = 0x5a5a;
			assert_false(av_vgic_dist_read_id(&G, ids[i], 8, &v)); /* not whole */
			assert_false(av_vgic_dist_read_id(&G, ids[i], 1, &v));
			assert_int_equal(v, 0x5a5a);
		}
		assert_int_equal(w & 0xf0, m == 0 ? 0x30u : 0x20u); /* the last: PIDR2 ArchRev */
		assert_false(av_vgic_dist_read_id(&G, 0x0000, 4, &v)); /* GICD_CTLR */
		assert_false(av_vgic_dist_read_id(&G, 0x0100, 4, &v)); /* ISENABLER */
		assert_false(av_vgic_dist_read_id(&G, 0x000c, 4, &v));
		assert_false(av_vgic_dist_read_id(&G, 0xffffffffu, 4, &v));
		assert_int_equal(v, 0x5a5a);
	}
}

static void test_init_errors(void **state)
{
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 1, .nr_spis = 32,
				      .lr_ops = &fake_ops };
	static const uint64_t dup[2] = { 0x100, 0x100 };
	(void)state;

	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	cfg.nr_vcpus = 0;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);
	cfg.nr_vcpus = AV_VGIC_MAX_VCPUS + 1;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);
	cfg.nr_vcpus = 9;
	cfg.model = AV_VGIC_V2;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);
	cfg.nr_vcpus = 2;
	cfg.nr_spis = 989;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);
	cfg.nr_spis = 988;
	cfg.model = (enum av_vgic_model)4;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);
	cfg.model = AV_VGIC_V3;
	cfg.mpidr = dup;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);
	cfg.mpidr = NULL;
	cfg.lr_ops = NULL;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), -AV_EINVAL);

	/* Injection into things that do not exist. */
	setup(AV_VGIC_V3, 2, 32, NULL);
	assert_int_equal(av_vgic_set_level(&G, 0, 64, true, NULL), -AV_EINVAL);
	assert_int_equal(av_vgic_set_level(&G, 0, 3, true, NULL), -AV_EINVAL); /* SGI */
	assert_int_equal(av_vgic_set_level(&G, 2, 27, true, NULL), -AV_EINVAL);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1, 16, NULL), -AV_EINVAL);
	assert_int_equal(av_vgic_flush(&G, 2), -AV_EINVAL);
	assert_int_equal(av_vgic_v2_dist_access(&G, 0, 0, 4, false, &(uint64_t){ 0 }), -AV_EINVAL);
}

/* ---- state machine ---- */

static void test_level_irq(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	v3_spi_on(40, 0x80);

	assert_int_equal(av_vgic_set_level(&G, 0, 40, true, NULL), 0);
	assert_int_equal(kick_seen, 1);
	assert_int_equal(av_vgic_flush(&G, 0), 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	assert_true(fake[0].lr[0].group1);
	assert_int_equal(fake[0].lr[0].priority, 0x80);
	guest_ack(0, 0);
	guest_eoi(0, 0);
	assert_int_equal(av_vgic_sync(&G, 0), 0);
	/* The line is still high: pending again, delivered again. */
	assert_true(st(0, 40).pending);
	assert_int_equal(av_vgic_flush(&G, 0), 0);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	assert_true(st(0, 40).active);
	assert_true(st(0, 40).pending); /* line high while active */
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING_ACTIVE);
	/* The device lowers the line while the LR still says pending+active; the guest
	 * finishes, and the stale pending part is dropped at sync. */
	av_vgic_set_level(&G, 0, 40, false, NULL);
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	av_vgic_sync(&G, 0); /* a second sync without a flush folds nothing */
	assert_false(st(0, 40).pending);
	assert_false(st(0, 40).active);
	assert_int_equal(st(0, 40).owner, -1);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 0);
	assert_int_equal(fake[0].maint, 0);

	/* A software pend (ISPENDR) of a level IRQ is consumed by the acknowledge. */
	d3w(0x0204, 4, 1u << 8);
	assert_true(st(0, 40).pending);
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	assert_false(st(0, 40).pending);
	assert_true(st(0, 40).active);
}

static void test_edge_irq(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	v3_spi_on(33, 0x40);
	d3w(0x0c08, 4, 2u << 2); /* GICD_ICFGR2: INTID 33 edge */
	assert_true(st(0, 33).edge);

	av_vgic_pulse(&G, 0, 33, NULL);
	av_vgic_pulse(&G, 0, 33, NULL); /* two edges before delivery merge into one */
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(lrs_valid(&G, 0), 1);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	assert_true(st(0, 33).active);
	assert_false(st(0, 33).pending);
	/* Re-pended while active: pending+active. */
	av_vgic_pulse(&G, 0, 33, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING_ACTIVE);
	guest_eoi(0, 0); /* -> pending */
	av_vgic_sync(&G, 0);
	assert_true(st(0, 33).pending);
	assert_false(st(0, 33).active);
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	assert_false(st(0, 33).pending);
	assert_int_equal(st(0, 33).owner, -1);

	/* An edge raised while the IRQ sits pending in an LR is not lost. */
	av_vgic_pulse(&G, 0, 33, NULL);
	av_vgic_flush(&G, 0);
	av_vgic_pulse(&G, 0, 33, NULL);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	assert_true(st(0, 33).pending && st(0, 33).active);

	/* set_level on an edge IRQ: a rising edge pends once; holding high does not re-pend. */
	setup(AV_VGIC_V3, 1, 32, NULL);
	v3_spi_on(34, 0x40);
	d3w(0x0c08, 4, 2u << 4);
	av_vgic_set_level(&G, 0, 34, true, NULL);
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	av_vgic_set_level(&G, 0, 34, true, NULL);
	assert_false(st(0, 34).pending);
	av_vgic_set_level(&G, 0, 34, false, NULL);
	av_vgic_set_level(&G, 0, 34, true, NULL);
	assert_true(st(0, 34).pending);
}

static void test_priority_order(void **state)
{
	static const struct { uint32_t intid; uint8_t prio; } irqs[] = {
		{ 40, 0xa0 }, { 41, 0x20 }, { 42, 0x80 }, { 43, 0x20 },
	};
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	for (size_t i = 0; i < 4; i++) {
		v3_spi_on(irqs[i].intid, irqs[i].prio);
		av_vgic_set_level(&G, 0, irqs[i].intid, true, NULL);
	}
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 41);
	assert_int_equal(fake[0].lr[1].vintid, 43);
	assert_int_equal(fake[0].lr[2].vintid, 42);
	assert_int_equal(fake[0].lr[3].vintid, 40);
	assert_int_equal(fake[0].maint, 0);
	av_vgic_sync(&G, 0);

	/* Raising 40's priority above all re-sorts the pending list. */
	d3w(0x0400 + 40, 1, 0x00);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	assert_int_equal(fake[0].lr[0].priority, 0x00);
}

static void test_overflow_maintenance(void **state)
{
	unsigned seen[8] = { 0 }, nseen = 0;
	(void)state;
	setup(AV_VGIC_V3, 1, 64, NULL);
	fake_nr_lrs = 2;
	for (uint32_t i = 0; i < 5; i++) {
		v3_spi_on(40 + i, (uint8_t)(0x10 * (5 - i)));
		av_vgic_pulse(&G, 0, 40 + i, NULL);
	}
	/* 5 pending, 2 LRs: highest priority first (44, 43), underflow armed. */
	for (int round = 0; round < 3; round++) {
		av_vgic_flush(&G, 0);
		for (unsigned i = 0; i < 2; i++) {
			if (fake[0].lr[i].state == AV_VGIC_LR_INVALID)
				continue;
			seen[nseen++] = fake[0].lr[i].vintid;
			guest_ack(0, i);
			guest_eoi(0, i);
		}
		assert_int_equal(fake[0].maint, round < 2 ? AV_VGIC_MAINT_UNDERFLOW : 0);
		av_vgic_sync(&G, 0); /* the maintenance interrupt made the vCPU exit */
	}
	assert_int_equal(nseen, 5);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(seen[i], 44 - i);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 0);

	/* Active interrupts keep their LRs ahead of higher-priority pending ones. */
	setup(AV_VGIC_V3, 1, 64, NULL);
	fake_nr_lrs = 1;
	v3_spi_on(50, 0x80);
	v3_spi_on(51, 0x00);
	av_vgic_pulse(&G, 0, 50, NULL);
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	av_vgic_pulse(&G, 0, 51, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 50);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
	assert_int_equal(fake[0].maint, AV_VGIC_MAINT_UNDERFLOW);
}

static void test_hw_linked(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	v3_spi_on(40, 0xa0);
	assert_int_equal(av_vgic_map_hw(&G, 0, 40, 72), 0);
	assert_int_equal(av_vgic_map_hw(&G, 0, 40, 5), -AV_EINVAL);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	av_vgic_flush(&G, 0);
	assert_true(fake[0].lr[0].hw);
	assert_int_equal(fake[0].lr[0].pintid, 72);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	assert_int_equal(av_vgic_lr_encode_v3(&fake[0].lr[0]) & (1ull << 61), 1ull << 61);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	assert_true(st(0, 40).active);
	/* While active, a HW LR is never pending+active, and the line left high is the
	 * physical distributor's business: nothing is held back, no maintenance is asked. */
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
	assert_int_equal(fake[0].maint, 0);
	assert_false(st(0, 40).pending);
	/* The guest's EOI deactivated the physical IRQ too: the vGIC forgets the line and
	 * waits for the host to inject it again. */
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	assert_false(st(0, 40).active);
	assert_false(st(0, 40).pending);
	assert_false(st(0, 40).line);
	assert_int_equal(st(0, 40).owner, -1);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	assert_true(st(0, 40).pending);
	assert_int_equal(av_vgic_map_hw(&G, 0, 40, 0), 0);
	assert_false(st(0, 40).hw);
}

/*
 * The virtual timer as a hypervisor injects it: PPI 27 HW-linked to the physical PPI, the
 * line driven with av_vgic_set_level() and left high while the guest handles it. Each
 * "maintenance interrupt" of the fake CPU interface makes the vCPU exit (sync, flush) as
 * hardware would while ICH_HCR_EL2.NPIE is set and no LR is pending. Before the fix every
 * flush asked for NPIE again: an endless loop of maintenance exits while the guest had the
 * interrupt active.
 */
static void test_hw_level_active_no_maint_loop(void **state)
{
	unsigned exits = 0;
	(void)state;
	for (int model = 0; model < 2; model++) {
		setup(model ? AV_VGIC_V2 : AV_VGIC_V3, 2, 32, NULL);
		if (model) {
			d2w(0, 0x000, 4, 3);           /* GICD_CTLR: both groups */
			d2w(0, 0x080, 4, 1u << 27);    /* IGROUPR0 (vCPU 0's bank): group 1 */
			d2w(0, 0x100, 4, 1u << 27);    /* ISENABLER0 */
		} else {
			d3w(0x0000, 4, 3);
			rw(0, 0x14, 4, 0);             /* GICR_WAKER: awake */
			rw(0, 0x10080, 4, 1u << 27);   /* IGROUPR0: group 1 */
			rw(0, 0x10100, 4, 1u << 27);   /* ISENABLER0 */
		}
		assert_int_equal(av_vgic_map_hw(&G, 0, 27, 27), 0);
		assert_int_equal(av_vgic_set_level(&G, 0, 27, true, NULL), 0);
		av_vgic_flush(&G, 0);
		assert_int_equal(fake[0].lr[0].vintid, 27);
		assert_true(fake[0].lr[0].hw);
		assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
		guest_ack(0, 0);
		/* The guest runs its handler for a while; exits keep happening (other traps, or
		 * the maintenance interrupt if one was asked for). */
		exits = 0;
		for (int i = 0; i < 16; i++) {
			av_vgic_sync(&G, 0);
			av_vgic_flush(&G, 0);
			exits++;
			assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
			assert_int_equal(fake[0].maint & AV_VGIC_MAINT_NOPENDING, 0);
			if (!(fake[0].maint & AV_VGIC_MAINT_NOPENDING))
				break; /* no maintenance interrupt: the guest runs on */
		}
		assert_int_equal(exits, 1);
		assert_int_equal(fake[0].npie_requests, 0);
		assert_true(st(0, 27).active);
		assert_true(st(0, 27).line);
		assert_false(st(0, 27).pending);
		assert_false(av_vgic_has_pending(&G, 0));
		/* Still the host's line while active: raising it again changes nothing. */
		av_vgic_sync(&G, 0);
		av_vgic_set_level(&G, 0, 27, true, NULL);
		av_vgic_flush(&G, 0);
		assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
		assert_int_equal(fake[0].npie_requests, 0);
		/* EOI deactivates virtual and physical interrupt; the vGIC forgets the line. */
		guest_eoi(0, 0);
		av_vgic_sync(&G, 0);
		assert_false(st(0, 27).active);
		assert_false(st(0, 27).line);
		assert_int_equal(st(0, 27).owner, -1);
		av_vgic_flush(&G, 0);
		assert_int_equal(lrs_valid(&G, 0), 0);
		/* The physical line is still high: the host's handler injects it again. */
		av_vgic_set_level(&G, 0, 27, true, NULL);
		av_vgic_flush(&G, 0);
		assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
		assert_int_equal(fake[0].npie_requests, 0);

		/* av_vgic_pulse() keeps working for hosts that inject the timer as an edge. */
		guest_ack(0, 0);
		guest_eoi(0, 0);
		av_vgic_sync(&G, 0);
		av_vgic_set_level(&G, 0, 27, false, NULL);
		assert_int_equal(av_vgic_pulse(&G, 0, 27, NULL), 0);
		av_vgic_flush(&G, 0);
		assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
		guest_ack(0, 0);
		av_vgic_sync(&G, 0);
		av_vgic_pulse(&G, 0, 27, NULL); /* ignored while active: the physical GIC's */
		av_vgic_flush(&G, 0);
		assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
		assert_int_equal(fake[0].npie_requests, 0);
		guest_eoi(0, 0);
		av_vgic_sync(&G, 0);
		assert_false(st(0, 27).pending);
		assert_false(st(0, 27).active);
	}
}

static void test_disable_active_reenable(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	v3_spi_on(45, 0x60);
	d3w(0x0c08, 4, 2u << 26); /* INTID 45 edge */
	av_vgic_pulse(&G, 0, 45, NULL);
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	d3w(0x0184, 4, 1u << 13); /* GICD_ICENABLER1: disable 45 while active */
	av_vgic_pulse(&G, 0, 45, NULL);
	av_vgic_flush(&G, 0);
	/* Still in an LR so the guest can deactivate it, but not pending while disabled. */
	assert_int_equal(fake[0].lr[0].vintid, 45);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	assert_true(st(0, 45).pending);
	assert_false(st(0, 45).enabled);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 0);
	assert_false(av_vgic_has_pending(&G, 0));
	kick_seen = 0;
	d3w(0x0104, 4, 1u << 13); /* re-enable */
	assert_int_equal(kick_seen, 1);
	assert_true(av_vgic_has_pending(&G, 0));
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 45);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
}

static void test_ctlr_masks_delivery(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	v3_spi_on(40, 0x80);
	v3_spi_on(41, 0x80);
	d3w(0x0080 + 4, 4, 1u << 8); /* IGROUPR1: 40 group 1, 41 group 0 */
	d3w(0x0000, 4, 0);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	av_vgic_set_level(&G, 0, 41, true, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 0);
	assert_false(av_vgic_has_pending(&G, 0));
	kick_seen = 0;
	d3w(0x0000, 4, 0x2); /* EnableGrp1 only */
	assert_int_equal(kick_seen, 1);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 1);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	av_vgic_sync(&G, 0);
	d3w(0x0000, 4, 0x3);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 2);
	assert_false(fake[0].lr[1].group1);
}

/* Each configuration error names the field and says why. */
static void test_init_error_messages(void **state)
{
	static const uint64_t dup[3] = { 0x100, 0x101, 0x100 };
	static const struct av_vgic_lr_ops no_read = { f_nr_lrs, f_write, NULL, f_maint };
	static const struct av_vgic_lock_ops half_lock = { NULL, NULL };
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 1, .nr_spis = 32,
				      .lr_ops = &fake_ops };
	struct av_error err = { .field = "stale" };
	static const struct {
		const char *field, *msg;
	} want[] = {
		{ "nr_vcpus", "0 vCPUs (1..64 with GICv3)" },
		{ "nr_vcpus", "65 vCPUs (1..64 with GICv3)" },
		{ "nr_vcpus", "9 vCPUs (1..8 with GICv2)" },
		{ "nr_spis", "989 SPIs (0..988)" },
		{ "model", "4 is neither AV_VGIC_V2 nor AV_VGIC_V3" },
		{ "mpidr", "vCPUs 0 and 2 have the same MPIDR 0x100" },
		{ "lr_ops", "NULL (the list-register backend is required)" },
		{ "lr_ops", "read_lr is NULL" },
		{ "lock_ops", "lock is NULL (give both or no lock_ops)" },
		{ "cfg", "NULL" },
	};
	struct av_vgic_config bad[AV_ARRAY_LEN(want)];
	(void)state;

	assert_int_equal(av_vgic_init(&G, &cfg, &err), 0);
	assert_string_equal(err.field, "");
	assert_string_equal(err.msg, "");
	for (size_t i = 0; i < AV_ARRAY_LEN(bad); i++)
		bad[i] = cfg;
	bad[0].nr_vcpus = 0;
	bad[1].nr_vcpus = 65;
	bad[2].nr_vcpus = 9;
	bad[2].model = AV_VGIC_V2;
	bad[3].nr_spis = 989;
	bad[4].model = (enum av_vgic_model)4;
	bad[5].nr_vcpus = 3;
	bad[5].mpidr = dup;
	bad[6].lr_ops = NULL;
	bad[7].lr_ops = &no_read;
	bad[8].lock_ops = &half_lock;
	for (size_t i = 0; i < AV_ARRAY_LEN(want); i++) {
		int ret = av_vgic_init(&G, i == AV_ARRAY_LEN(want) - 1 ? NULL : &bad[i], &err);

		if (ret != -AV_EINVAL || strcmp(err.field, want[i].field) ||
		    strcmp(err.msg, want[i].msg))
			fail_msg("case %zu: %d \"%s: %s\"", i, ret, err.field, err.msg);
	}
}

/*
 * 64 vCPUs with GICv3, QEMU virt's affinity (clusters of 16: Aff1 = v / 16, Aff0 = v % 16):
 * ICC_SGI1R_EL1 from vCPU 0 to Aff1 3, TargetList bit 15 reaches vCPU 63 alone, with its
 * kick in bit 63 of the mask; IRM reaches the 63 others; an SPI routed to 63 goes there.
 */
static void test_64_vcpus_gicv3(void **state)
{
	static uint64_t mpidr[64];
	uint64_t kicked = 0;
	(void)state;

	for (unsigned v = 0; v < 64; v++)
		mpidr[v] = ((uint64_t)(v / 16) << 8) | (v % 16);
	setup(AV_VGIC_V3, 64, 64, mpidr);
	d3w(0x0000, 4, 0x3);
	for (unsigned v = 0; v < 64; v++)
		rw(v, 0x10100, 4, 1u << 5); /* GICR_ISENABLER0: SGI 5 */
	av_vgic_v3_sgi1r_write(&G, 0, (3ull << 16) | (5ull << 24) | 0x8000, &kicked);
	assert_true(st(63, 5).pending);
	for (unsigned v = 0; v < 63; v++)
		assert_false(st(v, 5).pending);
	assert_true(kicked == AV_BIT(63));
	assert_true(kick_seen == AV_BIT(63));
	av_vgic_flush(&G, 63);
	assert_int_equal(fake[63].lr[0].vintid, 5);
	assert_int_equal(fake[63].lr[0].state, AV_VGIC_LR_PENDING);

	/* IRM=1 from vCPU 63: the 63 others. */
	kicked = 0;
	av_vgic_v3_sgi1r_write(&G, 63, (1ull << 40) | (5ull << 24), &kicked);
	assert_true(kicked == (AV_GENMASK(62, 0)));

	/* SPI 40 routed to Aff1 3 Aff0 15 (GICD_IROUTER<n>) lands on vCPU 63. */
	d3w(0x6000 + 8 * 40, 8, 0x30f);
	d3w(0x0100 + 4 * (40 / 32), 4, 1u << (40 % 32)); /* ISENABLER */
	kicked = 0;
	assert_int_equal(av_vgic_set_level(&G, 0, 40, true, &kicked), 0);
	assert_true(kicked == AV_BIT(63));
	assert_int_equal(st(0, 40).owner, 63);
}

static void test_sgi1r_routing(void **state)
{
	/* Four vCPUs in two clusters: Aff1 0 {Aff0 0, 1}, Aff1 1 {Aff0 16, 17}. */
	static const uint64_t mpidr[4] = { 0x000, 0x001, 0x110, 0x111 };
	uint64_t kicked = 0;
	(void)state;
	setup(AV_VGIC_V3, 4, 32, mpidr);

	/* TargetList bit 1, Aff1 0 -> vCPU 1. */
	av_vgic_v3_sgi1r_write(&G, 0, (3ull << 24) | 0x2, &kicked);
	assert_true(st(1, 3).pending);
	assert_false(st(0, 3).pending);
	assert_int_equal(kicked, 0); /* SGI 3 not enabled yet */
	/* RS=1, Aff1=1, bits 0 and 1 -> Aff0 16 and 17 -> vCPUs 2 and 3. */
	av_vgic_v3_sgi1r_write(&G, 0, (1ull << 44) | (1ull << 16) | (5ull << 24) | 0x3, NULL);
	assert_true(st(2, 5).pending && st(3, 5).pending);
	assert_false(st(0, 5).pending || st(1, 5).pending);
	/* RS=0 with Aff1=1 reaches nobody (Aff0 0..15 do not exist there). */
	av_vgic_v3_sgi1r_write(&G, 0, (1ull << 16) | (6ull << 24) | 0xffff, NULL);
	for (unsigned v = 0; v < 4; v++)
		assert_false(st(v, 6).pending);
	/* Aff2/Aff3 mismatch reaches nobody. */
	av_vgic_v3_sgi1r_write(&G, 0, (1ull << 48) | (7ull << 24) | 0x3, NULL);
	assert_false(st(0, 7).pending || st(1, 7).pending);
	/* IRM=1 from vCPU 2: everyone but the sender; kicks for enabled SGIs. */
	d3w(0x0000, 4, 0x3);
	for (unsigned v = 0; v < 4; v++)
		rw(v, 0x10100, 4, 1u << 9); /* GICR_ISENABLER0: SGI 9 */
	kicked = 0;
	kick_seen = 0;
	av_vgic_v3_sgi1r_write(&G, 2, (1ull << 40) | (9ull << 24), &kicked);
	assert_int_equal(kicked, 0xb);
	assert_int_equal(kick_seen, 0xb);
	assert_false(st(2, 9).pending);
	av_vgic_flush(&G, 3);
	assert_int_equal(fake[3].lr[0].vintid, 9);
	/* av_vgic_send_sgi with an explicit mask. */
	av_vgic_send_sgi(&G, 1, 0x5, 10, NULL);
	assert_true(st(0, 10).pending && st(2, 10).pending);
	assert_false(st(1, 10).pending);
}

static void test_spi_routing_and_kick(void **state)
{
	static const uint64_t mpidr[2] = { 0x0, 0x100 };
	uint64_t kicked = 0;
	(void)state;
	setup(AV_VGIC_V3, 2, 32, mpidr);
	v3_spi_on(40, 0x80);
	d3w(0x6000 + 8 * 40, 8, 0x100); /* IROUTER40 -> Aff1 = 1 -> vCPU 1 */
	av_vgic_set_level(&G, 0, 40, true, &kicked);
	assert_int_equal(kicked, 2);
	assert_int_equal(st(0, 40).owner, 1);
	/* Re-routed while only pending: moves to vCPU 0. */
	kicked = 0;
	kick_seen = 0;
	d3w(0x6000 + 8 * 40, 8, 0x0);
	assert_int_equal(st(0, 40).owner, 0);
	assert_int_equal(kick_seen, 1);
	/* Active on vCPU 0, re-routed to 1: stays on 0 until deactivated, then moves. */
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	d3w(0x6000 + 8 * 40, 8, 0x100);
	assert_int_equal(st(0, 40).owner, 0);
	av_vgic_flush(&G, 0);
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	assert_int_equal(st(0, 40).owner, 1); /* line still high */
	/* An affinity that matches no vCPU leaves it pending on no list. */
	d3w(0x6000 + 8 * 40, 8, 0x300);
	assert_int_equal(st(0, 40).owner, -1);
	assert_true(st(0, 40).pending);
	/* IRM=1: any awake vCPU. */
	rw(1, 0x0014, 4, 0); /* wake vCPU 1's redistributor */
	d3w(0x6000 + 8 * 40, 8, 1ull << 31);
	assert_int_equal(st(0, 40).owner, 1);
}

/* Lock ops that check the documented lock order on every acquisition. */
static int lk_dist, lk_vcpu_held = -1, lk_count;

static void lk_lock(void *cookie, unsigned which)
{
	(void)cookie;
	lk_count++;
	if (which == AV_VGIC_LOCK_DIST) {
		assert_int_equal(lk_dist, 0);
		assert_int_equal(lk_vcpu_held, -1); /* never dist while holding a vCPU */
		lk_dist = 1;
	} else {
		assert_int_equal(lk_vcpu_held, -1); /* never two vCPU locks */
		lk_vcpu_held = (int)which;
	}
}

static void lk_unlock(void *cookie, unsigned which)
{
	(void)cookie;
	if (which == AV_VGIC_LOCK_DIST) {
		assert_int_equal(lk_dist, 1);
		lk_dist = 0;
	} else {
		assert_int_equal(lk_vcpu_held, (int)which);
		lk_vcpu_held = -1;
	}
}

static void test_lock_order(void **state)
{
	static const struct av_vgic_lock_ops lops = { lk_lock, lk_unlock };
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 3, .nr_spis = 64,
				      .lr_ops = &fake_ops, .lock_ops = &lops };
	(void)state;
	memset(fake, 0, sizeof(fake));
	fake_nr_lrs = 4;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	v3_spi_on(40, 0x80);
	rw(1, 0x14, 4, 0);
	d3w(0x6000 + 8 * 40, 8, 1);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	av_vgic_set_level(&G, 2, 27, true, NULL);
	av_vgic_v3_sgi1r_write(&G, 0, (1ull << 40) | (1ull << 24), NULL);
	av_vgic_flush(&G, 1);
	guest_ack(1, 0);
	av_vgic_sync(&G, 1);
	d3w(0x6000 + 8 * 40, 8, 2); /* re-route while active */
	av_vgic_flush(&G, 1);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1); /* moves the SPI from vCPU 1 to vCPU 2 */
	assert_int_equal(st(0, 40).owner, 2);
	d3w(0x0000, 4, 0);
	d3w(0x0000, 4, 3);
	struct av_vgic_snapshot *snap = test_malloc(sizeof(*snap));
	assert_int_equal(av_vgic_save(&G, snap), 0);
	assert_int_equal(av_vgic_restore(&G, snap), 0);
	test_free(snap);
	assert_true(lk_count > 20);
	assert_int_equal(lk_dist, 0);
	assert_int_equal(lk_vcpu_held, -1);
}

/* ---- GICv3 distributor registers ---- */

static void test_v3_gicd_ids_and_ctlr(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 2, 64, NULL);
	/* IHI 0069 GICD_CTLR (DS == 1): EnableGrp0 [0], EnableGrp1 [1], ARE [4] RAO/WI,
	 * DS [6] RAO/WI, RWP [31]. Reset: groups disabled. */
	assert_int_equal(d3r(0x0000, 4), 0x50);
	d3w(0x0000, 4, 0xffffffff);
	assert_int_equal(d3r(0x0000, 4), 0x53);
	d3w(0x0000, 4, 0x0);
	assert_int_equal(d3r(0x0000, 4), 0x50);
	/* GICD_TYPER: ITLinesNumber [4:0] = 96/32 - 1 = 2, IDbits [23:19] = 9, A3V [24],
	 * RSS [26]; no LPIs, no MBIS, SecurityExtn 0. */
	assert_int_equal(d3r(0x0004, 4), 2u | (9u << 19) | (1u << 24) | (1u << 26));
	d3w(0x0004, 4, 0); /* read-only: ignored */
	assert_int_equal(d3r(0x0004, 4) & 0x1f, 2);
	/* GICD_IIDR: Implementer [11:0] = 0x43B, ProductID [31:24]. */
	assert_int_equal(d3r(0x0008, 4), 0x4100043b);
	/* GICD_PIDR2.ArchRev [7:4] = 3 (GICv3). */
	assert_int_equal(d3r(0xffe8, 4) & 0xf0, 0x30);
	/* TYPER2, STATUSR: zero. */
	assert_int_equal(d3r(0x000c, 4), 0);
	assert_int_equal(d3r(0x0010, 4), 0);
	/* Widths: CTLR is 32-bit only; misaligned and out-of-frame accesses abort. */
	assert_int_equal(d3(0x0000, 1, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x0000, 2, true), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x0000, 8, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x0102, 4, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x0100, 3, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x10000, 4, false), AV_ACCESS_INJECT);
	/* Reserved offsets are RAZ/WI for word accesses. */
	assert_int_equal(d3r(0x0040, 4), 0);
	d3w(0x0040, 4, 0xffffffff);
	assert_int_equal(d3r(0x0040, 4), 0);
	assert_int_equal(d3r(0xc000, 4), 0);
	assert_int_equal(d3(0x0041, 1, false), AV_ACCESS_INJECT);
}

static void test_v3_gicd_irq_bits(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 64, NULL);
	/* Reset: IGROUPR, ISENABLER, ISPENDR, ISACTIVER all 0 for SPIs. */
	for (uint32_t off = 0x0080; off < 0x0400; off += 0x80)
		assert_int_equal(d3r(off + 4, 4), 0);
	/* With ARE == 1 the first word of each (INTIDs 0..31) is RAZ/WI. */
	d3w(0x0100, 4, 0xffffffff);
	assert_int_equal(d3r(0x0100, 4), 0);
	assert_false(st(0, 27).enabled);
	/* ISENABLER1 / ICENABLER1: write-1-to-set / write-1-to-clear, both read the state. */
	d3w(0x0104, 4, 0x5);
	assert_int_equal(d3r(0x0104, 4), 0x5);
	assert_int_equal(d3r(0x0184, 4), 0x5);
	d3w(0x0104, 4, 0x0); /* zeros have no effect */
	assert_int_equal(d3r(0x0104, 4), 0x5);
	d3w(0x0184, 4, 0x1);
	assert_int_equal(d3r(0x0104, 4), 0x4);
	/* ISPENDR2 / ICPENDR2 for INTIDs 64..95. */
	d3w(0x0208, 4, 0x80000001);
	assert_int_equal(d3r(0x0288, 4), 0x80000001);
	assert_true(st(0, 95).pending);
	d3w(0x0288, 4, 0x80000000);
	assert_int_equal(d3r(0x0208, 4), 0x1);
	/* ISACTIVER1 / ICACTIVER1. */
	d3w(0x0304, 4, 0x30);
	assert_int_equal(d3r(0x0384, 4), 0x30);
	d3w(0x0384, 4, 0x10);
	assert_int_equal(d3r(0x0304, 4), 0x20);
	/* IGROUPR1 read/write. */
	d3w(0x0084, 4, 0xf0f0f0f0);
	assert_int_equal(d3r(0x0084, 4), 0xf0f0f0f0);
	/* IGRPMODR is RAZ/WI with DS == 1; NSACR RAZ/WI. */
	d3w(0x0d04, 4, 0xffffffff);
	assert_int_equal(d3r(0x0d04, 4), 0);
	d3w(0x0e08, 4, 0xffffffff);
	assert_int_equal(d3r(0x0e08, 4), 0);
	/* Bit registers are 32-bit only. */
	assert_int_equal(d3(0x0104, 1, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x0104, 8, false), AV_ACCESS_INJECT);
	/* INTIDs past the configured SPIs are RAZ/WI. */
	d3w(0x010c, 4, 0xffffffff);
	assert_int_equal(d3r(0x010c, 4), 0);
}

static void test_v3_gicd_priority_cfg_route(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 1, 64, NULL);
	/* IPRIORITYR: byte-accessible, 5 priority bits implemented (low 3 RAZ/WI). */
	assert_int_equal(d3r(0x0420, 4), 0);
	d3w(0x0421, 1, 0xff);
	assert_int_equal(d3r(0x0421, 1), 0xf8);
	assert_int_equal(d3r(0x0420, 4), 0x0000f800);
	d3w(0x0424, 4, 0x10203040);
	assert_int_equal(d3r(0x0424, 4), 0x10203040);
	assert_int_equal(st(0, 37).priority, 0x30);
	assert_int_equal(d3(0x0424, 2, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x0424, 8, false), AV_ACCESS_INJECT);
	/* Private priorities are RAZ/WI in the distributor (ARE == 1). */
	d3w(0x0400, 4, 0xffffffff);
	assert_int_equal(d3r(0x0400, 4), 0);
	/* ICFGR: 2 bits per INTID, bit 1 = edge; reset level (0); bit 0 RES0. */
	assert_int_equal(d3r(0x0c08, 4), 0);
	d3w(0x0c08, 4, 0xffffffff);
	assert_int_equal(d3r(0x0c08, 4), 0xaaaaaaaa);
	assert_true(st(0, 47).edge);
	/* ITARGETSR, SGIR, CPENDSGIR, SPENDSGIR: RAZ/WI with affinity routing. */
	d3w(0x0820, 4, 0x01010101);
	assert_int_equal(d3r(0x0820, 4), 0);
	assert_int_equal(d3r(0x0821, 1), 0);
	d3w(0x0f00, 4, 0x00010001);
	assert_false(st(0, 1).pending);
	assert_int_equal(d3r(0x0f20, 4), 0);
	/* IROUTER<n> at 0x6000 + 8n: Aff0 [7:0], Aff1 [15:8], Aff2 [23:16], IRM [31],
	 * Aff3 [39:32]; other bits RES0. 64-bit and 32-bit accesses. */
	d3w(0x6000 + 8 * 32, 8, 0xff00001280030102ull);
	assert_int_equal(d3r(0x6000 + 8 * 32, 8), 0x0000001280030102ull);
	assert_int_equal(d3r(0x6000 + 8 * 32, 4), 0x80030102);
	assert_int_equal(d3r(0x6000 + 8 * 32 + 4, 4), 0x12);
	d3w(0x6000 + 8 * 32 + 4, 4, 0x7);
	assert_int_equal(d3r(0x6000 + 8 * 32, 8), 0x0000000780030102ull);
	d3w(0x6000 + 8 * 32, 4, 0x5);
	assert_int_equal(d3r(0x6000 + 8 * 32, 8), 0x0000000700000005ull);
	assert_int_equal(st(0, 32).irouter, 0x0000000700000005ull);
	assert_int_equal(d3(0x6000 + 8 * 32, 1, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x6000 + 8 * 32, 2, false), AV_ACCESS_INJECT);
	assert_int_equal(d3(0x6000 + 8 * 32 + 4, 8, false), AV_ACCESS_INJECT);
	/* IROUTER for private INTIDs (0x6000..0x60f8) and missing SPIs: RAZ/WI. */
	d3w(0x6000 + 8 * 27, 8, 0x1);
	assert_int_equal(d3r(0x6000 + 8 * 27, 8), 0);
	d3w(0x6000 + 8 * 96, 8, 0x1);
	assert_int_equal(d3r(0x6000 + 8 * 96, 8), 0);
	assert_int_equal(d3r(0x7fd8, 8), 0);
}

/* ---- GICv3 redistributor ---- */

static void test_v3_gicr(void **state)
{
	static const uint64_t mpidr[3] = { 0x0000000100, 0x0000000101, 0x0102030405ull & 0xff00ffffffull };
	uint64_t v;
	(void)state;
	setup(AV_VGIC_V3, 3, 32, mpidr);
	/* GICR_TYPER: Processor_Number [23:8], Last [4], Affinity_Value [63:32] =
	 * Aff3.Aff2.Aff1.Aff0; PLPIS [0] = 0. */
	assert_int_equal(rr(0, 0x0008, 8), 0x0000010000000000ull | (0ull << 8));
	assert_int_equal(rr(1, 0x0008, 8), 0x0000010100000000ull | (1ull << 8));
	assert_int_equal(rr(2, 0x0008, 8), 0x0103040500000000ull | (2ull << 8) | (1ull << 4));
	assert_int_equal(rr(2, 0x0008, 4), (2u << 8) | (1u << 4));
	assert_int_equal(rr(2, 0x000c, 4), 0x01030405);
	rw(2, 0x0008, 8, 0); /* read-only */
	assert_int_equal(rr(2, 0x000c, 4), 0x01030405);
	/* GICR_CTLR: no LPIs, RWP 0: reads 0; EnableLPIs is RES0. */
	assert_int_equal(rr(0, 0x0000, 4), 0);
	rw(0, 0x0000, 4, 1);
	assert_int_equal(rr(0, 0x0000, 4), 0);
	/* GICR_IIDR, GICR_PIDR2 (ArchRev 3). */
	assert_int_equal(rr(0, 0x0004, 4), 0x4100043b);
	assert_int_equal(rr(0, 0xffe8, 4) & 0xf0, 0x30);
	/* GICR_WAKER: reset ProcessorSleep [1] = 1, ChildrenAsleep [2] = 1. */
	assert_int_equal(rr(1, 0x0014, 4), 0x6);
	rw(1, 0x0014, 4, 0x0);
	assert_int_equal(rr(1, 0x0014, 4), 0x0);
	rw(1, 0x0014, 4, 0x2);
	assert_int_equal(rr(1, 0x0014, 4), 0x6);
	/* PROPBASER/PENDBASER without LPIs: RAZ/WI. */
	rw(0, 0x0070, 8, 0x1234);
	assert_int_equal(rr(0, 0x0070, 8), 0);
	/* SGI_base (offset 0x10000): banked SGIs/PPIs. */
	rw(1, 0x10100, 4, 0x08000002); /* ISENABLER0: SGI 1, PPI 27 */
	assert_int_equal(rr(1, 0x10100, 4), 0x08000002);
	assert_int_equal(rr(0, 0x10100, 4), 0);
	assert_true(st(1, 27).enabled);
	rw(1, 0x10180, 4, 0x2); /* ICENABLER0 */
	assert_int_equal(rr(1, 0x10180, 4), 0x08000000);
	rw(1, 0x10080, 4, 0xffffffff); /* IGROUPR0 */
	assert_int_equal(rr(1, 0x10080, 4), 0xffffffff);
	rw(1, 0x10200, 4, 1u << 4); /* ISPENDR0: SGI 4 */
	assert_int_equal(rr(1, 0x10280, 4), 1u << 4);
	rw(1, 0x10280, 4, 1u << 4);
	assert_int_equal(rr(1, 0x10200, 4), 0);
	rw(1, 0x10300, 4, 1u << 20); /* ISACTIVER0 */
	assert_int_equal(rr(1, 0x10380, 4), 1u << 20);
	rw(1, 0x10380, 4, 1u << 20);
	assert_int_equal(rr(1, 0x10300, 4), 0);
	/* IPRIORITYR0..7 (0x10400..0x1041c), byte access. */
	rw(1, 0x1041b, 1, 0xa0); /* PPI 27 */
	assert_int_equal(rr(1, 0x10418, 4), 0xa0000000);
	assert_int_equal(st(1, 27).priority, 0xa0);
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10420, 4, false, &v), AV_ACCESS_HANDLED);
	assert_int_equal(v, 0); /* past IPRIORITYR7: reserved */
	/* ICFGR0: SGIs edge, read-only (0xaaaaaaaa); ICFGR1: PPIs, reset level, writable. */
	assert_int_equal(rr(1, 0x10c00, 4), 0xaaaaaaaa);
	rw(1, 0x10c00, 4, 0);
	assert_int_equal(rr(1, 0x10c00, 4), 0xaaaaaaaa);
	assert_int_equal(rr(1, 0x10c04, 4), 0);
	rw(1, 0x10c04, 4, 2u << 30); /* PPI 31 edge */
	assert_int_equal(rr(1, 0x10c04, 4), 2u << 30);
	/* IGRPMODR0, NSACR: RAZ/WI. */
	rw(1, 0x10d00, 4, 0xffffffff);
	assert_int_equal(rr(1, 0x10d00, 4), 0);
	/* Widths. */
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x0014, 1, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x0008, 2, false, &v), AV_ACCESS_INJECT);
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x10100, 8, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_vgic_v3_redist_access(&G, 1, 0x20000, 4, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(av_vgic_v3_redist_access(&G, 3, 0x0, 4, false, &v), -AV_EINVAL);
	/* Region view: vCPU n at n * 0x20000; past the last: RAZ/WI. */
	assert_int_equal(av_vgic_v3_redist_region_access(&G, 0x40008, 8, false, &v), 0);
	assert_int_equal(v, rr(2, 0x0008, 8));
	v = 1;
	assert_int_equal(av_vgic_v3_redist_region_access(&G, 0x60008, 8, false, &v), 0);
	assert_int_equal(v, 0);
}

/* ---- GICv2 distributor ---- */

static void test_v2_gicd(void **state)
{
	(void)state;
	setup(AV_VGIC_V2, 4, 64, NULL);
	/* IHI 0048 GICD_CTLR (no Security Extensions): EnableGrp0 [0], EnableGrp1 [1]. */
	assert_int_equal(d2r(0, 0x000, 4), 0);
	d2w(0, 0x000, 4, 0xffffffff);
	assert_int_equal(d2r(0, 0x000, 4), 0x3);
	/* GICD_TYPER: ITLinesNumber [4:0] = 2, CPUNumber [7:5] = 3, SecurityExtn [10] = 0. */
	assert_int_equal(d2r(0, 0x004, 4), 2u | (3u << 5));
	assert_int_equal(d2r(0, 0x008, 4), 0x4100043b);
	/* PIDR2 at 0xfe8: ArchRev 2. */
	assert_int_equal(d2r(0, 0xfe8, 4) & 0xf0, 0x20);
	/* ITARGETSR0..7 (SGIs/PPIs): read-only, each byte reads the accessing CPU's bit. */
	assert_int_equal(d2r(2, 0x800, 4), 0x04040404);
	assert_int_equal(d2r(1, 0x81f, 1), 0x02);
	d2w(2, 0x800, 4, 0xffffffff);
	assert_int_equal(d2r(2, 0x800, 4), 0x04040404);
	/* SPI targets: reset 0, byte and word writable, bits above CPU 3 ignored. */
	assert_int_equal(d2r(0, 0x820, 4), 0);
	d2w(0, 0x821, 1, 0xff);
	assert_int_equal(d2r(0, 0x820, 4), 0x00000f00);
	assert_int_equal(st(0, 33).targets, 0x0f);
	d2w(0, 0x824, 4, 0x08040201);
	assert_int_equal(d2r(3, 0x824, 4), 0x08040201);
	assert_int_equal(av_vgic_v2_dist_access(&G, 0, 0x822, 2, false, &(uint64_t){ 0 }),
			 AV_ACCESS_INJECT);
	/* Banked ISENABLER0: each CPU sees its own SGIs/PPIs. */
	d2w(1, 0x100, 4, 0x0000ffff);
	assert_int_equal(d2r(1, 0x100, 4), 0x0000ffff);
	assert_int_equal(d2r(0, 0x100, 4), 0);
	/* ISPENDR0 SGI bits are WI (SGIs are pended through SPENDSGIR). */
	d2w(1, 0x200, 4, 0x1);
	assert_int_equal(d2r(1, 0x200, 4), 0);
	/* ICFGR0 (SGIs) read-only edge. */
	assert_int_equal(d2r(0, 0xc00, 4), 0xaaaaaaaa);
	/* Priorities, byte access, banked for private INTIDs. */
	d2w(3, 0x41b, 1, 0x90);
	assert_int_equal(d2r(3, 0x418, 4), 0x90000000);
	assert_int_equal(d2r(2, 0x418, 4), 0);
	/* Reserved: RAZ/WI. */
	assert_int_equal(d2r(0, 0xd00, 4), 0);
	assert_int_equal(av_vgic_v2_dist_access(&G, 0, 0x1000, 4, false, &(uint64_t){ 0 }),
			 AV_ACCESS_INJECT);
}

static void test_v2_sgir(void **state)
{
	(void)state;
	setup(AV_VGIC_V2, 4, 32, NULL);
	/* GICD_SGIR: TargetListFilter [25:24], CPUTargetList [23:16], SGIINTID [3:0]. */
	d2w(1, 0xf00, 4, (0u << 24) | (0x0cu << 16) | 3); /* list: CPUs 2, 3 */
	assert_int_equal(st(2, 3).sgi_sources, 0x2);
	assert_int_equal(st(3, 3).sgi_sources, 0x2);
	assert_int_equal(st(0, 3).sgi_sources, 0);
	d2w(2, 0xf00, 4, (1u << 24) | 4); /* all but self */
	assert_true(st(0, 4).pending && st(1, 4).pending && st(3, 4).pending);
	assert_false(st(2, 4).pending);
	d2w(3, 0xf00, 4, (2u << 24) | (0xffu << 16) | 5); /* self only */
	assert_int_equal(st(3, 5).sgi_sources, 0x8);
	assert_false(st(0, 5).pending);
	d2w(0, 0xf00, 4, (3u << 24) | (0xffu << 16) | 6); /* reserved filter: nothing */
	for (unsigned v = 0; v < 4; v++)
		assert_false(st(v, 6).pending);
	/* SGIR is write-only: reads as zero. */
	assert_int_equal(d2r(0, 0xf00, 4), 0);
	/* SPENDSGIR/CPENDSGIR: one byte per SGI, one bit per source (banked). */
	assert_int_equal(d2r(2, 0xf20, 4), 0x02000000); /* SGI 3 from CPU 1 */
	d2w(2, 0xf23, 1, 0x1);                          /* add source CPU 0 */
	assert_int_equal(d2r(2, 0xf20, 4), 0x03000000);
	assert_int_equal(d2r(2, 0xf10, 4), 0x03000000);
	d2w(2, 0xf10, 4, 0x02000000); /* clear source 1 */
	assert_int_equal(st(2, 3).sgi_sources, 0x1);
	d2w(2, 0xf20, 4, 0xf0000000); /* sources past CPU 3 are ignored */
	assert_int_equal(st(2, 3).sgi_sources, 0x1);

	/* Delivery: one LR per source, the source in CPUID; the next source after the first
	 * is retired. */
	d2w(2, 0x000, 4, 1);
	d2w(2, 0x100, 4, 1u << 3);
	d2w(1, 0xf00, 4, (0x04u << 16) | 3); /* source 1 again */
	av_vgic_flush(&G, 2);
	assert_int_equal(fake[2].lr[0].vintid, 3);
	assert_int_equal(fake[2].lr[0].source, 0);
	assert_int_equal(lrs_valid(&G, 2), 1);
	/* The next source waits for this one's EOI (LR EOI maintenance), not for NPIE. */
	assert_int_equal(fake[2].maint, 0);
	assert_true(fake[2].lr[0].eoi_maint);
	assert_int_equal(av_vgic_lr_encode_v2(&fake[2].lr[0]) & (7u << 10), 0);
	guest_ack(2, 0);
	av_vgic_sync(&G, 2);
	av_vgic_flush(&G, 2);
	assert_int_equal(fake[2].lr[0].state, AV_VGIC_LR_ACTIVE); /* still source 0 */
	assert_true(fake[2].lr[0].eoi_maint);
	assert_int_equal(fake[2].maint, 0);
	guest_eoi(2, 0);
	av_vgic_sync(&G, 2);
	av_vgic_flush(&G, 2);
	assert_int_equal(fake[2].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[2].lr[0].source, 1);
	assert_int_equal(av_vgic_lr_encode_v2(&fake[2].lr[0]) & (7u << 10), 1u << 10);
	assert_int_equal(fake[2].maint, 0);
	assert_false(fake[2].lr[0].eoi_maint); /* no other source waits */
	/* An SGI left pending in the LR at exit returns to the source set. */
	av_vgic_sync(&G, 2);
	assert_int_equal(st(2, 3).sgi_sources, 0x2);
}

/*
 * GICv2: an SGI that becomes pending (from another source, or again from the same one)
 * while the same SGI is active waits for the active one's EOI through the LR's EOI
 * maintenance request, never through the no-pending maintenance interrupt (which would fire
 * at once, no LR being pending, and again after every re-entry until the guest's EOI).
 */
static void test_v2_sgi_eoi_maint(void **state)
{
	(void)state;
	setup(AV_VGIC_V2, 4, 0, NULL);
	d2w(1, 0x000, 4, 1);           /* GICD_CTLR: group 0 */
	d2w(1, 0x100, 4, 1u << 1);     /* vCPU 1: ISENABLER0, SGI 1 */
	/* One source: the LR needs no EOI maintenance. */
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 1, NULL), 0);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[1].lr[0].source, 0);
	assert_false(fake[1].lr[0].eoi_maint);
	assert_int_equal(fake[1].maint, 0);
	/* Acknowledged; a second source (vCPU 2) and the first again make it pending. */
	guest_ack(1, 0);
	av_vgic_sync(&G, 1);
	assert_int_equal(av_vgic_send_sgi(&G, 2, 1u << 1, 1, NULL), 0);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 1, NULL), 0);
	assert_int_equal(st(1, 1).sgi_sources, 0x5);
	/* While it is active, re-entries keep the LR active with EOI maintenance, no NPIE. */
	for (int i = 0; i < 4; i++) {
		av_vgic_flush(&G, 1);
		assert_int_equal(lrs_valid(&G, 1), 1);
		assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_ACTIVE);
		assert_int_equal(fake[1].lr[0].source, 0);
		assert_true(fake[1].lr[0].eoi_maint);
		assert_int_equal(fake[1].maint, 0);
		/* The encodings carry it (GICH_LR.EOI bit 19; ICH_LR.EOI bit 41). */
		assert_true(av_vgic_lr_encode_v2(&fake[1].lr[0]) & (1u << 19));
		assert_true(av_vgic_lr_encode_v3(&fake[1].lr[0]) & (1ull << 41));
		av_vgic_sync(&G, 1);
	}
	assert_int_equal(fake[1].npie_requests, 0);
	/* The guest's EOI: the LR empties (the EOI maintenance interrupt fires); the sync
	 * folds it back and the next flush lists the next source, still with EOI maintenance
	 * since another source waits. */
	av_vgic_flush(&G, 1);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1);
	assert_false(st(1, 1).active);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[1].lr[0].source, 0);
	assert_true(fake[1].lr[0].eoi_maint);
	assert_int_equal(st(1, 1).sgi_sources, 0x4);
	guest_ack(1, 0);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[1].lr[0].source, 2);
	assert_false(fake[1].lr[0].eoi_maint); /* the last one */
	guest_ack(1, 0);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1);
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs_valid(&G, 1), 0);
	assert_int_equal(st(1, 1).sgi_sources, 0);
	assert_int_equal(fake[1].npie_requests, 0);
	/* GICv3 SGIs (one pending state) are pending and active in one LR: no maintenance. */
	setup(AV_VGIC_V3, 2, 0, NULL);
	d3w(0x0000, 4, 3);
	rw(1, 0x14, 4, 0);
	rw(1, 0x10080, 4, 1u << 1);
	rw(1, 0x10100, 4, 1u << 1);
	av_vgic_send_sgi(&G, 0, 1u << 1, 1, NULL);
	av_vgic_flush(&G, 1);
	guest_ack(1, 0);
	av_vgic_sync(&G, 1);
	av_vgic_send_sgi(&G, 0, 1u << 1, 1, NULL);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_PENDING_ACTIVE);
	assert_false(fake[1].lr[0].eoi_maint);
	assert_int_equal(fake[1].maint, 0);
}

/*
 * GICv2: once the guest deactivates an SGI whose LR asked for EOI maintenance, the LR reads
 * empty with EOI set, so its EISR bit (and the maintenance interrupt) stays set until the LR
 * is rewritten. The sync must empty it at once, not leave it for the next flush.
 */
static void test_v2_sgi_eisr_cleared(void **state)
{
	(void)state;
	setup(AV_VGIC_V2, 4, 0, NULL);
	d2w(1, 0x000, 4, 1);
	d2w(1, 0x100, 4, 1u << 1);
	av_vgic_send_sgi(&G, 0, 1u << 1, 1, NULL);
	av_vgic_flush(&G, 1);
	guest_ack(1, 0);
	av_vgic_sync(&G, 1);
	av_vgic_send_sgi(&G, 2, 1u << 1, 1, NULL);
	av_vgic_send_sgi(&G, 0, 1u << 1, 1, NULL);
	av_vgic_flush(&G, 1);
	assert_true(fake[1].lr[0].eoi_maint);
	assert_int_equal(fake_eisr(1), 0);
	/* The guest deactivates it: the maintenance interrupt fires (EISR bit 0). */
	guest_eoi(1, 0);
	assert_int_equal(fake_eisr(1), 1);
	av_vgic_sync(&G, 1);
	assert_int_equal(fake_eisr(1), 0);
	assert_false(st(1, 1).active);
	assert_int_equal(st(1, 1).sgi_sources, 0x5);
	/* The sources still waiting are listed next, one at a time. */
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[1].lr[0].source, 0);
	assert_true(fake[1].lr[0].eoi_maint);
	guest_ack(1, 0);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1);
	assert_int_equal(fake_eisr(1), 0);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].source, 2);
	guest_ack(1, 0);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1);
	assert_int_equal(fake_eisr(1), 0);
	assert_int_equal(st(1, 1).sgi_sources, 0);
}

/* ---- the input-level (resample) callback ---- */

static int level_now[AV_VGIC_MAX_VCPUS]; /* what the fake device line says, or -1 */
static unsigned level_calls;
static unsigned level_last_vcpu;

static int level_cb(void *cookie, unsigned vcpu, uint32_t intid)
{
	assert_ptr_equal(cookie, &level_now);
	(void)intid;
	level_calls++;
	level_last_vcpu = vcpu;
	return level_now[vcpu];
}

static void setup_level(enum av_vgic_model model, unsigned nr_vcpus, unsigned nr_spis)
{
	struct av_vgic_config cfg = { .model = model, .nr_vcpus = nr_vcpus, .nr_spis = nr_spis,
				      .lr_ops = &fake_ops, .kick = kick_cb,
				      .line_level = level_cb, .line_level_cookie = &level_now };

	memset(fake, 0, sizeof(fake));
	memset(level_now, 0, sizeof(level_now));
	fake_nr_lrs = 4;
	kick_seen = 0;
	level_calls = 0;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
}

static void test_resample_errors(void **state)
{
	(void)state;
	setup(AV_VGIC_V3, 2, 32, NULL); /* no line_level callback */
	assert_int_equal(av_vgic_set_resample(&G, 0, 27, true), -AV_EINVAL);
	assert_int_equal(av_vgic_set_resample(&G, 0, 27, false), 0);
	setup_level(AV_VGIC_V3, 2, 32);
	assert_int_equal(av_vgic_set_resample(NULL, 0, 27, true), -AV_EINVAL);
	assert_int_equal(av_vgic_set_resample(&G, 0, 3, true), -AV_EINVAL);   /* an SGI */
	assert_int_equal(av_vgic_set_resample(&G, 2, 27, true), -AV_EINVAL);  /* no vCPU 2 */
	assert_int_equal(av_vgic_set_resample(&G, 0, 64, true), -AV_EINVAL);  /* no SPI 64 */
	assert_int_equal(av_vgic_set_resample(&G, 0, 27, true), 0);
	assert_int_equal(av_vgic_set_resample(&G, 0, 40, true), 0);
}

/*
 * Finding: a HW-linked level interrupt whose line fell while the vGIC did not look (the
 * guest disabled its timer) must read not pending, not fire when re-enabled, and not reach
 * an LR. Both models.
 */
static void test_resample_level(void **state)
{
	(void)state;
	for (int model = 0; model < 2; model++) {
		uint64_t pend_reg = model ? 0x200 : 0x10200, cpend_reg = model ? 0x280 : 0x10280;
		uint64_t en_reg = model ? 0x100 : 0x10100, dis_reg = model ? 0x180 : 0x10180;
#define PRIV_R(off) (model ? d2r(1, (off), 4) : rr(1, (off), 4))
#define PRIV_W(off, v) (model ? d2w(1, (off), 4, (v)) : rw(1, (off), 4, (v)))

		setup_level(model ? AV_VGIC_V2 : AV_VGIC_V3, 2, 32);
		if (model) {
			d2w(1, 0x000, 4, 1);
		} else {
			d3w(0x0000, 4, 3);
			rw(1, 0x14, 4, 0);
			rw(1, 0x10080, 4, 1u << 27);
		}
		assert_int_equal(av_vgic_map_hw(&G, 1, 27, 27), 0);
		assert_int_equal(av_vgic_set_resample(&G, 1, 27, true), 0);
		/* PPI disabled; the timer fires: the host raises the line, it reads pending. */
		level_now[1] = 1;
		av_vgic_set_level(&G, 1, 27, true, NULL);
		level_calls = 0;
		assert_true(PRIV_R(pend_reg) & (1u << 27));
		assert_true(PRIV_R(cpend_reg) & (1u << 27));
		assert_true(level_calls >= 1);
		assert_int_equal(level_last_vcpu, 1);
		/* The guest disables the timer (no trap): the next read resamples it low. */
		level_now[1] = 0;
		assert_false(PRIV_R(pend_reg) & (1u << 27));
		assert_false(PRIV_R(cpend_reg) & (1u << 27));
		assert_false(st(1, 27).line);
		assert_int_equal(st(1, 27).owner, -1);
		/* Raised again, then low before the guest enables the PPI: enabling resamples. */
		level_now[1] = 1;
		av_vgic_set_level(&G, 1, 27, true, NULL);
		level_now[1] = 0;
		kick_seen = 0;
		PRIV_W(en_reg, 1u << 27);
		assert_false(st(1, 27).pending);
		assert_int_equal(kick_seen, 0);
		av_vgic_flush(&G, 1);
		assert_int_equal(lrs_valid(&G, 1), 0);
		assert_false(av_vgic_has_pending(&G, 1));
		/* Enabled, raised, then the line falls before the flush: no LR, off the list. */
		level_now[1] = 1;
		av_vgic_set_level(&G, 1, 27, true, NULL);
		assert_int_equal(st(1, 27).owner, 1);
		level_now[1] = 0;
		av_vgic_flush(&G, 1);
		assert_int_equal(lrs_valid(&G, 1), 0);
		assert_int_equal(st(1, 27).owner, -1);
		/* Still high at the flush: listed, HW-linked. */
		level_now[1] = 1;
		av_vgic_set_level(&G, 1, 27, true, NULL);
		av_vgic_flush(&G, 1);
		assert_int_equal(fake[1].lr[0].vintid, 27);
		assert_true(fake[1].lr[0].hw);
		/* In an LR or active, the vGIC does not ask: the LR / physical GIC has the state. */
		level_calls = 0;
		level_now[1] = 0;
		(void)PRIV_R(pend_reg);
		guest_ack(1, 0);
		av_vgic_sync(&G, 1);
		(void)PRIV_R(pend_reg);
		av_vgic_flush(&G, 1);
		assert_int_equal(level_calls, 0);
		assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_ACTIVE);
		guest_eoi(1, 0);
		av_vgic_sync(&G, 1);
		/* A callback that cannot tell (negative) leaves the vGIC's view alone. */
		level_now[1] = -1;
		av_vgic_set_level(&G, 1, 27, true, NULL);
		assert_true(PRIV_R(pend_reg) & (1u << 27));
		assert_true(st(1, 27).line);
		/* A software pend is not the line: it stays when the line is low. */
		PRIV_W(dis_reg, 1u << 27);
		av_vgic_set_level(&G, 1, 27, false, NULL);
		PRIV_W(pend_reg, 1u << 27);
		level_now[1] = 0;
		assert_true(PRIV_R(pend_reg) & (1u << 27));
		PRIV_W(cpend_reg, 1u << 27);
		assert_false(PRIV_R(pend_reg) & (1u << 27));
		/* Turned off: the line is the host's alone again. */
		assert_int_equal(av_vgic_set_resample(&G, 1, 27, false), 0);
		av_vgic_set_level(&G, 1, 27, true, NULL);
		level_calls = 0;
		assert_true(PRIV_R(pend_reg) & (1u << 27));
		assert_int_equal(level_calls, 0);
#undef PRIV_R
#undef PRIV_W
	}
	/* SPIs: the callback gets vCPU 0; edge-triggered interrupts are never resampled. */
	setup_level(AV_VGIC_V3, 2, 32);
	v3_spi_on(40, 0x80);
	assert_int_equal(av_vgic_set_resample(&G, 0, 40, true), 0);
	level_now[0] = 1;
	level_now[1] = 0;
	av_vgic_set_level(&G, 0, 40, true, NULL);
	level_calls = 0;
	assert_true(d3r(0x0204, 4) & (1u << 8));
	assert_int_equal(level_last_vcpu, 0);
	level_now[0] = 0;
	assert_false(d3r(0x0204, 4) & (1u << 8));
	d3w(0x0c08, 4, 2u << 16);                 /* ICFGR2: INTID 40 edge */
	av_vgic_pulse(&G, 0, 40, NULL);
	level_calls = 0;
	assert_true(d3r(0x0204, 4) & (1u << 8));
	av_vgic_flush(&G, 0);
	assert_int_equal(level_calls, 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
}

static void test_v2_spi_targets_delivery(void **state)
{
	uint64_t kicked = 0;
	(void)state;
	setup(AV_VGIC_V2, 2, 32, NULL);
	d2w(0, 0x000, 4, 1);
	d2w(0, 0x104, 4, 1u << 8); /* enable 40 */
	av_vgic_set_level(&G, 0, 40, true, &kicked);
	assert_int_equal(kicked, 0); /* no target CPU */
	assert_int_equal(st(0, 40).owner, -1);
	d2w(0, 0x828, 1, 0x2); /* ITARGETSR: CPU 1 */
	assert_int_equal(st(0, 40).owner, 1);
	assert_int_equal(kick_seen, 2);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].vintid, 40);
	assert_false(fake[1].lr[0].group1);
}

/* ---- boot probe sequences ---- */

static void test_probe_linux_gicv3(void **state)
{
	static const uint64_t mpidr[2] = { 0x80000000ull, 0x80000001ull };
	unsigned nr_irqs;
	(void)state;
	setup(AV_VGIC_V3, 2, 96, mpidr);

	/* Distributor discovery. */
	assert_int_equal((d3r(0xffe8, 4) >> 4) & 0xf, 3);
	nr_irqs = 32 * ((d3r(0x0004, 4) & 0x1f) + 1);
	assert_int_equal(nr_irqs, 128);
	assert_true(d3r(0x0004, 4) & (1u << 24)); /* A3V */
	assert_false(d3r(0x0004, 4) & (1u << 17)); /* no LPIs */
	assert_int_equal(d3r(0x0008, 4) & 0xfff, 0x43b);

	/* Distributor init: disable, wait for RWP, default SPI config, enable with ARE. */
	d3w(0x0000, 4, 0);
	while (d3r(0x0000, 4) & (1u << 31))
		;
	for (unsigned i = 32; i < nr_irqs; i += 32) {
		d3w(0x0080 + i / 8, 4, 0xffffffff); /* IGROUPR: group 1 */
		d3w(0x0d00 + i / 8, 4, 0);          /* IGRPMODR */
		d3w(0x0180 + i / 8, 4, 0xffffffff); /* ICENABLER */
		d3w(0x0380 + i / 8, 4, 0xffffffff); /* ICACTIVER */
	}
	for (unsigned i = 32; i < nr_irqs; i += 16)
		d3w(0x0c00 + i / 4, 4, 0); /* ICFGR: level */
	for (unsigned i = 32; i < nr_irqs; i += 4)
		d3w(0x0400 + i, 4, 0xa0a0a0a0); /* IPRIORITYR */
	while (d3r(0x0000, 4) & (1u << 31))
		;
	d3w(0x0000, 4, (1u << 4) | 0x3); /* ARE | EnableGrp1 | EnableGrp0 */
	assert_int_equal(d3r(0x0000, 4), 0x53);
	for (unsigned i = 32; i < nr_irqs; i++)
		d3w(0x6000 + 8 * i, 8, mpidr[0] & 0xff00ffffffull); /* IROUTER: boot CPU */

	/* Each CPU: find its redistributor by affinity, wake it, configure SGIs/PPIs. */
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		uint64_t aff = mpidr[cpu] & 0xff00ffffffull, off = 0, typer;
		uint64_t want = ((aff >> 32) << 24) | (aff & 0xffffff);

		for (;;) {
			assert_int_equal(av_vgic_v3_redist_region_access(&G, off + 0x8, 8, false, &typer),
					 0);
			if ((typer >> 32) == want)
				break;
			assert_false(typer & (1u << 4)); /* Last: not found would be a bug */
			off += 0x20000;
		}
		assert_int_equal(off / 0x20000, cpu);
		assert_int_equal((typer >> 8) & 0xffff, cpu);
		rw(cpu, 0x0014, 4, rr(cpu, 0x0014, 4) & ~2u); /* clear ProcessorSleep */
		while (rr(cpu, 0x0014, 4) & 4u)                 /* wait ChildrenAsleep == 0 */
			;
		rw(cpu, 0x10080, 4, 0xffffffff);  /* IGROUPR0 */
		rw(cpu, 0x10d00, 4, 0);           /* IGRPMODR0 */
		rw(cpu, 0x10380, 4, 0xffffffff);  /* ICACTIVER0 */
		rw(cpu, 0x10180, 4, 0xffff0000);  /* ICENABLER0: PPIs off */
		rw(cpu, 0x10100, 4, 0x0000ffff);  /* ISENABLER0: SGIs on */
		for (unsigned i = 0; i < 32; i += 4)
			rw(cpu, 0x10400 + i, 4, 0xa0a0a0a0);
		while (rr(cpu, 0x0000, 4) & (1u << 3)) /* GICR_CTLR.RWP */
			;
		rw(cpu, 0x10c04, 4, rr(cpu, 0x10c04, 4)); /* timer PPI: level (unchanged) */
		rw(cpu, 0x10100, 4, 1u << 27);            /* enable the virtual timer PPI */
	}
	/* A device driver configures SPI 70 as edge and enables it. */
	d3w(0x0c00 + 70 / 16 * 4, 4, d3r(0x0c00 + 70 / 16 * 4, 4) | (2u << (2 * (70 % 16))));
	d3w(0x0100 + 70 / 32 * 4, 4, 1u << (70 % 32));

	/* Resulting state. */
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(rr(cpu, 0x0014, 4), 0);
		assert_int_equal(rr(cpu, 0x10100, 4), 0x0800ffff);
		assert_true(st(cpu, 27).group1 && !st(cpu, 27).edge);
		assert_int_equal(st(cpu, 27).priority, 0xa0);
	}
	for (unsigned i = 32; i < nr_irqs; i++) {
		struct av_vgic_irq_state s = st(0, i);

		assert_true(s.group1);
		assert_int_equal(s.priority, 0xa0);
		assert_int_equal(s.irouter, 0x0000000080000000ull & 0xff00ffffffull);
		assert_int_equal(s.enabled, i == 70);
		assert_int_equal(s.edge, i == 70);
	}
	/* It works: an IPI from CPU 0 to CPU 1, the timer on CPU 1, SPI 70 to CPU 0. */
	av_vgic_v3_sgi1r_write(&G, 0, (1ull << 24) | 0x2, NULL);
	av_vgic_set_level(&G, 1, 27, true, NULL);
	av_vgic_pulse(&G, 0, 70, NULL);
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs_valid(&G, 1), 2);
	assert_int_equal(fake[1].lr[0].vintid, 1);
	assert_int_equal(fake[1].lr[1].vintid, 27);
	assert_true(fake[1].lr[0].group1);
	assert_int_equal(fake[1].lr[0].priority, 0xa0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 70);
}

static void test_probe_linux_gicv2(void **state)
{
	unsigned nr_irqs;
	uint32_t cpumask = 0;
	(void)state;
	setup(AV_VGIC_V2, 2, 64, NULL);

	assert_int_equal((d2r(0, 0xfe8, 4) >> 4) & 0xf, 2);
	nr_irqs = 32 * ((d2r(0, 0x004, 4) & 0x1f) + 1);
	assert_int_equal(nr_irqs, 96);
	assert_int_equal(((d2r(0, 0x004, 4) >> 5) & 7) + 1, 2);
	/* The boot CPU learns its interface number from ITARGETSR0..7. */
	for (unsigned i = 0; i < 32; i += 4) {
		cpumask = (uint32_t)d2r(0, 0x800 + i, 4);
		if (cpumask)
			break;
	}
	assert_int_equal(cpumask, 0x01010101);
	cpumask &= 0xff;
	cpumask |= cpumask << 8;
	cpumask |= cpumask << 16;

	d2w(0, 0x000, 4, 0); /* disable */
	for (unsigned i = 32; i < nr_irqs; i += 16)
		d2w(0, 0xc00 + i / 4, 4, 0); /* level */
	for (unsigned i = 32; i < nr_irqs; i += 4)
		d2w(0, 0x800 + i, 4, cpumask); /* target the boot CPU */
	for (unsigned i = 32; i < nr_irqs; i += 4)
		d2w(0, 0x400 + i, 4, 0xa0a0a0a0);
	for (unsigned i = 32; i < nr_irqs; i += 32) {
		d2w(0, 0x380 + i / 8, 4, 0xffffffff);
		d2w(0, 0x180 + i / 8, 4, 0xffffffff);
	}
	d2w(0, 0x000, 4, 1); /* enable */
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		d2w(cpu, 0x380, 4, 0xffffffff);
		d2w(cpu, 0x180, 4, 0xffff0000);
		d2w(cpu, 0x100, 4, 0x0000ffff);
		for (unsigned i = 0; i < 32; i += 4)
			d2w(cpu, 0x400 + i, 4, 0xa0a0a0a0);
		assert_int_equal(d2r(cpu, 0x800, 1), 1u << cpu);
	}
	for (unsigned i = 32; i < nr_irqs; i++) {
		assert_int_equal(st(0, i).targets, 1);
		assert_int_equal(st(0, i).priority, 0xa0);
		assert_false(st(0, i).edge || st(0, i).enabled || st(0, i).group1);
	}
	assert_int_equal(d2r(1, 0x100, 4), 0x0000ffff);
	/* An IPI from CPU 0 to the others, then an SPI routed to CPU 1 by its driver. */
	d2w(0, 0xf00, 4, (1u << 24) | 2);
	assert_int_equal(st(1, 2).sgi_sources, 1);
	d2w(0, 0x820 + 8, 1, 0x2); /* ITARGETSR byte for INTID 40 */
	d2w(0, 0x104, 4, 1u << 8);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs_valid(&G, 1), 2);
	assert_int_equal(fake[1].lr[0].vintid, 2);
	assert_int_equal(fake[1].lr[0].source, 0);
	assert_int_equal(fake[1].lr[1].vintid, 40);
}

/* ---- save / restore ---- */

static void test_save_restore(void **state)
{
	static const uint64_t mpidr[3] = { 0x0, 0x1, 0x100 };
	struct av_vgic_snapshot *a = test_malloc(sizeof(*a)), *b = test_malloc(sizeof(*b));
	struct av_vgic *other = test_malloc(sizeof(*other));
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 3, .nr_spis = 64,
				      .mpidr = mpidr, .lr_ops = &fake_ops };
	(void)state;
	setup(AV_VGIC_V3, 3, 64, mpidr);
	v3_spi_on(40, 0x20);
	v3_spi_on(41, 0x10);
	d3w(0x0c08, 4, 2u << 18); /* 41 edge */
	d3w(0x6000 + 8 * 41, 8, 0x100);
	av_vgic_map_hw(&G, 0, 40, 100);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	av_vgic_pulse(&G, 0, 41, NULL);
	rw(1, 0x14, 4, 0);
	rw(1, 0x10100, 4, 1u << 27);
	av_vgic_set_level(&G, 1, 27, true, NULL);
	av_vgic_v3_sgi1r_write(&G, 1, (3ull << 24) | 0x1, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(av_vgic_save(&G, a), -AV_EBUSY); /* something is in an LR */
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	rw(0, 0x10100, 4, 1u << 3);

	assert_int_equal(av_vgic_save(&G, a), 0);
	assert_int_equal(a->magic, 0x49475641);
	assert_int_equal(a->version, 2);
	assert_int_equal(av_vgic_init(other, &cfg, NULL), 0);
	assert_int_equal(av_vgic_restore(other, a), 0);
	assert_int_equal(av_vgic_save(other, b), 0);
	assert_memory_equal(a, b, sizeof(*a));
	/* The restored vGIC delivers the same way. */
	memcpy(&G, other, sizeof(G));
	memset(fake, 0, sizeof(fake));
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
	assert_true(fake[0].lr[0].hw);
	assert_int_equal(fake[0].lr[0].pintid, 100);
	assert_int_equal(lrs_valid(&G, 0), 2); /* + SGI 3 */
	av_vgic_flush(&G, 2);
	assert_int_equal(fake[2].lr[0].vintid, 41);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].vintid, 27);
	/* Mismatches are refused. */
	a->magic ^= 1;
	assert_int_equal(av_vgic_restore(other, a), -AV_EINVAL);
	a->magic ^= 1;
	a->version = 1; /* the layout of 16-vCPU vGICs */
	assert_int_equal(av_vgic_restore(other, a), -AV_EINVAL);
	a->version = 2;
	a->nr_spis = 32;
	assert_int_equal(av_vgic_restore(other, a), -AV_EINVAL);
	test_free(a);
	test_free(b);
	test_free(other);
}

/*
 * AV_VGIC_IRQF_RESAMPLE is the host's wiring, not guest state: a snapshot taken with
 * resampling on, restored into a vGIC without a line_level callback, must not make it call
 * one (ISPENDR read, ISENABLER write, flush); restored into one that resamples the IRQ, it
 * keeps resampling.
 */
static void test_restore_resample(void **state)
{
	struct av_vgic_snapshot *a = test_malloc(sizeof(*a));
	(void)state;
	/* Saved with resampling on, the line high. */
	setup_level(AV_VGIC_V3, 2, 32);
	d3w(0x0000, 4, 3);
	rw(1, 0x14, 4, 0);
	rw(1, 0x10080, 4, 1u << 27);
	assert_int_equal(av_vgic_map_hw(&G, 1, 27, 27), 0);
	assert_int_equal(av_vgic_set_resample(&G, 1, 27, true), 0);
	level_now[1] = 1;
	av_vgic_set_level(&G, 1, 27, true, NULL);
	assert_int_equal(av_vgic_save(&G, a), 0);
	/* Into a vGIC without a callback: the state as saved, nothing resampled. */
	setup(AV_VGIC_V3, 2, 32, NULL);
	assert_int_equal(av_vgic_restore(&G, a), 0);
	assert_false(G.irq[32 + 27].flags & AV_VGIC_IRQF_RESAMPLE);
	assert_true(rr(1, 0x10200, 4) & (1u << 27));
	rw(1, 0x10100, 4, 1u << 27);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].vintid, 27);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_PENDING);
	/* The reverse: saved without, restored into a vGIC that resamples IRQ 27. */
	guest_ack(1, 0);
	guest_eoi(1, 0);
	av_vgic_sync(&G, 1);
	assert_int_equal(av_vgic_save(&G, a), 0);
	setup_level(AV_VGIC_V3, 2, 32);
	assert_int_equal(av_vgic_map_hw(&G, 1, 27, 27), 0);
	assert_int_equal(av_vgic_set_resample(&G, 1, 27, true), 0);
	assert_int_equal(av_vgic_restore(&G, a), 0);
	assert_true(G.irq[32 + 27].flags & AV_VGIC_IRQF_RESAMPLE);
	level_now[1] = 0; /* the line fell meanwhile */
	level_calls = 0;
	assert_false(rr(1, 0x10200, 4) & (1u << 27));
	assert_true(level_calls >= 1);
	av_vgic_flush(&G, 1);
	assert_int_equal(lrs_valid(&G, 1), 0);
	test_free(a);
}

/*
 * Issue 18, finding 1: av_vgic_flush() twice without av_vgic_sync() (an entry abandoned and
 * retried). Seven edge interrupts (six SPIs and SGI 3) for four LRs, flushed twice: each is
 * then delivered exactly once, nothing stays in an LR behind the vGIC's back, and
 * av_vgic_save() works again once the vCPU is synced.
 */
static void flush_twice_run(enum av_vgic_model model)
{
	static const uint32_t spis[] = { 32, 33, 34, 35, 36, 37 };
	struct av_vgic_snapshot *snap = test_malloc(sizeof(*snap));
	unsigned seen[40] = { 0 }, rounds = 0;

	setup(model, 1, 32, NULL);
	if (model == AV_VGIC_V3) {
		d3w(0x0000, 4, 0x3);         /* GICD_CTLR */
		d3w(0x0c08, 4, 0xaaa);       /* GICD_ICFGR2: 32..37 edge */
		d3w(0x0104, 4, 0x3f);        /* GICD_ISENABLER1: 32..37 */
		rw(0, 0x10100, 4, 1u << 3);  /* GICR_ISENABLER0: SGI 3 */
	} else {
		d2w(0, 0x000, 4, 0x1);       /* GICD_CTLR */
		d2w(0, 0xc08, 4, 0xaaa);     /* GICD_ICFGR2 */
		for (unsigned i = 0; i < AV_ARRAY_LEN(spis); i++)
			d2w(0, 0x800 + spis[i], 1, 0x1); /* GICD_ITARGETSR: CPU 0 */
		d2w(0, 0x104, 4, 0x3f);
		d2w(0, 0x100, 4, 1u << 3);
	}
	for (unsigned i = 0; i < AV_ARRAY_LEN(spis); i++)
		assert_int_equal(av_vgic_pulse(&G, 0, spis[i], NULL), 0);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1, 3, NULL), 0);

	assert_int_equal(av_vgic_flush(&G, 0), 0);
	assert_int_equal(lrs_valid(&G, 0), 4);
	assert_int_equal(av_vgic_flush(&G, 0), 0); /* the entry was abandoned: flush again */
	assert_int_equal(lrs_valid(&G, 0), 4);
	/* No INTID in two LRs. */
	for (unsigned i = 0; i < fake_nr_lrs; i++)
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(fake[0].lr[i].vintid, fake[0].lr[j].vintid);
	/* The guest takes everything, a few LRs at a time. */
	while (lrs_valid(&G, 0) && rounds++ < 10) {
		for (unsigned i = 0; i < fake_nr_lrs; i++) {
			if (fake[0].lr[i].state != AV_VGIC_LR_PENDING)
				continue;
			assert_true(fake[0].lr[i].vintid < AV_ARRAY_LEN(seen));
			seen[fake[0].lr[i].vintid]++;
			guest_ack(0, i);
			guest_eoi(0, i);
		}
		assert_int_equal(av_vgic_sync(&G, 0), 0);
		assert_int_equal(av_vgic_flush(&G, 0), 0);
	}
	assert_int_equal(av_vgic_sync(&G, 0), 0);
	assert_int_equal(seen[3], 1);
	for (unsigned i = 0; i < AV_ARRAY_LEN(spis); i++) {
		assert_int_equal(seen[spis[i]], 1);
		assert_false(st(0, spis[i]).in_lr);
		assert_false(st(0, spis[i]).pending);
	}
	assert_false(st(0, 3).in_lr);
	assert_int_equal(av_vgic_save(&G, snap), 0);
	test_free(snap);
}

static void test_flush_twice(void **state)
{
	(void)state;
	flush_twice_run(AV_VGIC_V3);
	flush_twice_run(AV_VGIC_V2);
}

/*
 * av_vgic_raise_listed(): the virtual timer's PPI forwarded into a free LR of the running vCPU
 * without sync or flush, beside an SPI the last flush listed; the LRs and the vGIC's view
 * then agree (av_vgic_check()) and the guest's handling folds back as after a flush. Where a
 * flush is needed (LRs folded back by a sync, no free LR, the PPI disabled or listed
 * already) it only raises the line, as av_vgic_set_level() does, and the next flush lists it.
 */
static void ppi_on(enum av_vgic_model model, uint32_t intid)
{
	if (model == AV_VGIC_V2) {
		d2w(0, 0x080, 4, d2r(0, 0x080, 4) | 1u << intid); /* IGROUPR0: group 1 */
		d2w(0, 0x100, 4, 1u << intid);                     /* ISENABLER0 */
	} else {
		rw(0, 0x14, 4, 0);                                 /* GICR_WAKER: awake */
		rw(0, 0x10080, 4, rr(0, 0x10080, 4) | 1u << intid);
		rw(0, 0x10100, 4, 1u << intid);
	}
}

/* The LR of vCPU @vcpu that holds @vintid. */
static unsigned lr_of(unsigned vcpu, uint32_t vintid)
{
	for (unsigned i = 0; i < fake_nr_lrs; i++)
		if (fake[vcpu].lr[i].vintid == vintid)
			return i;
	fail_msg("INTID %u in no LR", vintid);
	return 0;
}

static void raise_listed_run(enum av_vgic_model model)
{
	uint64_t kicked = 0;

	setup(model, 2, 32, NULL);
	if (model == AV_VGIC_V2) {
		d2w(0, 0x000, 4, 3);
		d2w(0, 0x084, 4, 1u << 8);                         /* SPI 40: group 1 */
		d2w(0, 0x828, 1, 1);                               /* ITARGETSR: vCPU 0 */
		d2w(0, 0x104, 4, 1u << 8);                         /* ISENABLER1 */
	} else {
		v3_spi_on(40, 0x80);
	}
	ppi_on(model, 27);
	assert_int_equal(av_vgic_map_hw(&G, 0, 27, 27), 0);
	assert_int_equal(av_vgic_set_level(&G, 0, 40, true, NULL), 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	kick_seen = 0;

	/* Placed in LR 1, above what the flush wrote; nobody kicked. */
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, &kicked), 1);
	assert_int_equal(fake[0].lr[1].vintid, 27);
	assert_true(fake[0].lr[1].hw);
	assert_int_equal(fake[0].lr[1].pintid, 27);
	assert_int_equal(fake[0].lr[1].state, AV_VGIC_LR_PENDING);
	assert_int_equal(kicked, 0);
	assert_int_equal(kick_seen, 0);
	assert_true(st(0, 27).in_lr);
	assert_int_equal(st(0, 27).owner, 0);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	/* Listed and pending already: only raised (LRs folded back), nothing listed twice. */
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, NULL), 0);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 2);
	assert_int_equal(av_vgic_check(&G, NULL), 0);

	/* The guest takes the timer (HW: its EOI deactivates the physical PPI) and the SPI. */
	guest_ack(0, lr_of(0, 27));
	guest_eoi(0, lr_of(0, 27));
	guest_ack(0, lr_of(0, 40));
	av_vgic_sync(&G, 0);
	assert_false(st(0, 27).active);
	assert_false(st(0, 27).line);
	assert_int_equal(st(0, 27).owner, -1);
	assert_true(st(0, 40).active);
	assert_int_equal(av_vgic_set_level(&G, 0, 40, false, NULL), 0); /* the device is served */
	assert_int_equal(av_vgic_check(&G, NULL), 0);

	/* Folded back by the sync (no flush since): only raised, the vCPU kicked. */
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, &kicked), 0);
	assert_int_equal(kicked, 1);
	assert_true(st(0, 27).pending);
	assert_false(st(0, 27).in_lr);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
	assert_int_equal(fake[0].lr[1].vintid, 27);
	assert_int_equal(fake[0].lr[1].state, AV_VGIC_LR_PENDING);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	guest_ack(0, 1);
	guest_eoi(0, 1);
	av_vgic_sync(&G, 0);
	av_vgic_flush(&G, 0);

	/* No free LR: only raised; the flush asks for the underflow interrupt. */
	fake_nr_lrs = 1;
	av_vgic_sync(&G, 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, NULL), 0);
	assert_int_equal(lrs_valid(&G, 0), 1);
	av_vgic_sync(&G, 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 40);
	assert_true(fake[0].maint & AV_VGIC_MAINT_UNDERFLOW);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	/* The SPI retired, the timer's turn; and a flush after a raise folds the LRs first. */
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 27);
	guest_ack(0, 0);
	guest_eoi(0, 0);
	fake_nr_lrs = 4;
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, NULL), 1);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 27);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(lrs_valid(&G, 0), 1);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	/* Acknowledged, an exit (the LR written back active), deactivated, fired again: the
	 * LR the guest emptied is taken again, pending only. */
	guest_ack(0, 0);
	av_vgic_sync(&G, 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_ACTIVE);
	guest_eoi(0, 0);
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, NULL), 1);
	assert_int_equal(fake[0].lr[0].vintid, 27);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	assert_false(st(0, 27).active);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	guest_ack(0, 0);
	guest_eoi(0, 0);
	av_vgic_sync(&G, 0);
	assert_false(st(0, 27).line);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 0);

	/* Disabled: the line goes high, nothing listed, no kick. */
	if (model == AV_VGIC_V2)
		d2w(0, 0x180, 4, 1u << 27);                    /* ICENABLER0 */
	else
		rw(0, 0x10180, 4, 1u << 27);
	kicked = 0;
	assert_int_equal(av_vgic_raise_listed(&G, 0, 27, &kicked), 0);
	assert_int_equal(kicked, 0);
	assert_true(st(0, 27).line);
	assert_int_equal(lrs_valid(&G, 0), 0);
	assert_int_equal(av_vgic_check(&G, NULL), 0);

	/* An edge PPI latches its rising edge. */
	ppi_on(model, 20);
	if (model == AV_VGIC_V2)
		d2w(0, 0xc04, 4, 2u << 8);                     /* ICFGR1: PPI 20 edge */
	else
		rw(0, 0x10c04, 4, 2u << 8);
	assert_int_equal(av_vgic_raise_listed(&G, 0, 20, NULL), 1);
	assert_int_equal(fake[0].lr[0].vintid, 20);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	assert_int_equal(av_vgic_check(&G, NULL), 0);

	/* Not a PPI, or no such vCPU. */
	assert_int_equal(av_vgic_raise_listed(&G, 0, 3, NULL), -AV_EINVAL);
	assert_int_equal(av_vgic_raise_listed(&G, 0, 40, NULL), -AV_EINVAL);
	assert_int_equal(av_vgic_raise_listed(&G, 2, 27, NULL), -AV_EINVAL);
	assert_int_equal(av_vgic_raise_listed(NULL, 0, 27, NULL), -AV_EINVAL);
}

static void test_raise_listed(void **state)
{
	(void)state;
	raise_listed_run(AV_VGIC_V3);
	raise_listed_run(AV_VGIC_V2);
}

/*
 * av_vgic_flush_new(): an SGI sent to a vCPU whose LRs are live (it runs on another pCPU)
 * listed without a sync and a flush, into a free LR or the LR the guest emptied; each call
 * is checked against a sync and a flush of the same state (the same interrupts in the same
 * states in valid LRs) and, where it declines (0), against nothing changed. It declines
 * where only the fold can tell: a pending part for an active LR, a GICv2 SGI's next
 * source, an interrupt disabled in its LR, no free LR, LRs folded back already.
 */

/* The valid LRs of @vcpu as sorted keys (INTID, state, source, HW); their count. */
static unsigned lr_keys(unsigned vcpu, uint32_t *keys)
{
	unsigned n = 0;

	for (unsigned i = 0; i < fake_nr_lrs; i++) {
		const struct av_vgic_lr *lr = &fake[vcpu].lr[i];
		uint32_t k;

		if (lr->state == AV_VGIC_LR_INVALID)
			continue;
		k = lr->vintid << 12 | (uint32_t)lr->state << 8 | lr->source << 1 | lr->hw;
		for (unsigned j = n++; ; j--) {
			if (j == 0 || keys[j - 1] <= k) {
				keys[j] = k;
				break;
			}
			keys[j] = keys[j - 1];
		}
	}
	return n;
}

static int flush_new_checked(unsigned vcpu)
{
	static struct av_vgic saved;
	static struct fake_cpu fsaved[AV_VGIC_MAX_VCPUS];
	uint32_t full[AV_VGIC_MAX_LRS], inc[AV_VGIC_MAX_LRS];
	unsigned nfull;
	int rc;

	memcpy(&saved, &G, sizeof(G));
	memcpy(fsaved, fake, sizeof(fake));
	av_vgic_sync(&G, vcpu);
	av_vgic_flush(&G, vcpu);
	nfull = lr_keys(vcpu, full);
	memcpy(&G, &saved, sizeof(G));
	memcpy(fake, fsaved, sizeof(fake));
	rc = av_vgic_flush_new(&G, vcpu);
	assert_int_equal(av_vgic_check(&G, NULL), 0);
	if (rc == 1) {
		assert_int_equal(lr_keys(vcpu, inc), nfull);
		assert_memory_equal(inc, full, nfull * sizeof(full[0]));
	} else {
		assert_int_equal(rc, 0);
		assert_memory_equal(fake[vcpu].lr, fsaved[vcpu].lr, sizeof(fake[vcpu].lr));
		assert_memory_equal(&G, &saved, sizeof(G));
	}
	return rc;
}

static void flush_new_run(enum av_vgic_model model)
{
	setup(model, 2, 32, NULL);
	if (model == AV_VGIC_V2) {
		d2w(0, 0x000, 4, 3);
		d2w(0, 0x084, 4, 1u << 8);        /* SPI 40: group 1 */
		d2w(0, 0x828, 1, 2);              /* ITARGETSR: vCPU 1 */
		d2w(0, 0x104, 4, 1u << 8);        /* ISENABLER1 */
		d2w(1, 0x100, 4, 0xa8);        /* vCPU 1: SGIs 3, 5, 7 */
	} else {
		v3_spi_on(40, 0x80);
		d3w(0x6000 + 8 * 40, 8, 1);       /* GICD_IROUTER: vCPU 1 */
		rw(1, 0x14, 4, 0);                /* GICR_WAKER: awake */
		rw(1, 0x10080, 4, 0xa8);          /* SGIs 3, 5, 7: group 1, enabled */
		rw(1, 0x10100, 4, 0xa8);
	}
	/* The SPI listed by a flush and taken: vCPU 1 runs with LR 0 active. */
	assert_int_equal(av_vgic_set_level(&G, 0, 40, true, NULL), 0);
	av_vgic_flush(&G, 1);
	assert_int_equal(fake[1].lr[0].vintid, 40);
	guest_ack(1, 0);
	/* Its line still high: a pending part for the active LR, which only the fold adds. */
	assert_int_equal(flush_new_checked(1), 0);
	assert_int_equal(av_vgic_set_level(&G, 0, 40, false, NULL), 0); /* the device is served */

	/* An SGI from vCPU 0: LR 1, above what the flush wrote; LR 0 untouched. */
	kick_seen = 0;
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 3, NULL), 0);
	assert_int_equal(kick_seen, 1u << 1);
	fake[1].writes = 0;
	assert_int_equal(flush_new_checked(1), 1);
	assert_int_equal(fake[1].writes, 1);
	assert_int_equal(fake[1].lr[1].vintid, 3);
	assert_int_equal(fake[1].lr[1].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[1].lr[0].state, AV_VGIC_LR_ACTIVE);
	assert_true(st(1, 3).in_lr);

	/* Handled and sent again: the LR the guest emptied takes it again. */
	guest_ack(1, 1);
	guest_eoi(1, 1);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 3, NULL), 0);
	assert_int_equal(flush_new_checked(1), 1);
	assert_int_equal(fake[1].lr[1].vintid, 3);
	assert_int_equal(fake[1].lr[1].state, AV_VGIC_LR_PENDING);
	assert_int_equal(lrs_valid(&G, 1), 2);
	/* Twice with nothing new: nothing written. */
	fake[1].writes = 0;
	assert_int_equal(flush_new_checked(1), 1);
	assert_int_equal(fake[1].writes, 0);

	/* Sent again while still pending in its LR: a GICv3 SGI merges; a GICv2 one has a
	 * pending state per source, the full flush decides. */
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 3, NULL), 0);
	assert_int_equal(flush_new_checked(1), model == AV_VGIC_V3 ? 1 : 0);
	av_vgic_sync(&G, 1);
	av_vgic_flush(&G, 1);

	/* Taken, then sent again: a pending part for an active LR, only the fold adds it. */
	guest_ack(1, lr_of(1, 3));
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 3, NULL), 0);
	assert_int_equal(flush_new_checked(1), 0);
	av_vgic_sync(&G, 1);
	av_vgic_flush(&G, 1);
	assert_int_equal(av_vgic_check(&G, NULL), 0);

	/* Folded back by a sync, no flush since: declined. */
	av_vgic_sync(&G, 1);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 5, NULL), 0);
	assert_int_equal(flush_new_checked(1), 0);
	av_vgic_flush(&G, 1);

	/* The SPI disabled while in its LR: the fold drops or keeps it, declined. */
	if (model == AV_VGIC_V2)
		d2w(0, 0x184, 4, 1u << 8);        /* ICENABLER1 */
	else
		d3w(0x0184, 4, 1u << 8);
	assert_int_equal(flush_new_checked(1), 0);
	if (model == AV_VGIC_V2)
		d2w(0, 0x104, 4, 1u << 8);
	else
		d3w(0x0104, 4, 1u << 8);

	/* No free LR for a new SGI: declined, the full flush chooses what waits. */
	av_vgic_sync(&G, 1);
	av_vgic_flush(&G, 1);
	fake_nr_lrs = lrs_valid(&G, 1);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 7, NULL), 0);
	assert_int_equal(flush_new_checked(1), 0);
	fake_nr_lrs = 4;
	/* GICv2: SGI 3 active, its next source waits for the guest's EOI; then both fit. */
	if (model == AV_VGIC_V2) {
		assert_int_equal(flush_new_checked(1), 0);
		guest_eoi(1, lr_of(1, 3));
	}
	assert_int_equal(flush_new_checked(1), 1);
	assert_int_equal(fake[1].lr[lr_of(1, 7)].state, AV_VGIC_LR_PENDING);
	assert_int_equal(fake[1].lr[lr_of(1, 3)].state,
			 model == AV_VGIC_V2 ? AV_VGIC_LR_PENDING : AV_VGIC_LR_PENDING_ACTIVE);

	assert_int_equal(av_vgic_flush_new(&G, 2), -AV_EINVAL);
	assert_int_equal(av_vgic_flush_new(NULL, 0), -AV_EINVAL);
}

static void test_flush_new(void **state)
{
	(void)state;
	flush_new_run(AV_VGIC_V3);
	flush_new_run(AV_VGIC_V2);

	/* An active PPI in an LR linked to a physical one since (av_vgic_map_hw()): only a full
	 * flush rewrites the link, so the incremental one declines (found by fuzz.vgic). */
	setup(AV_VGIC_V3, 1, 32, NULL);
	d3w(0x0000, 4, 3);
	rw(0, 0x14, 4, 0);
	rw(0, 0x10080, 4, 3u << 29);
	rw(0, 0x10c04, 4, (1u << 27) | (1u << 29)); /* GICR_ICFGR1: PPIs 29 and 30 edge */
	rw(0, 0x10100, 4, 3u << 29);
	assert_int_equal(av_vgic_pulse(&G, 0, 29, NULL), 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 29);
	assert_false(fake[0].lr[0].hw);
	guest_ack(0, 0);
	assert_int_equal(av_vgic_map_hw(&G, 0, 29, 29), 0);
	assert_int_equal(av_vgic_pulse(&G, 0, 30, NULL), 0); /* something new to list */
	assert_int_equal(av_vgic_flush_new(&G, 0), 0);
	assert_false(fake[0].lr[0].hw); /* unchanged: the next sync and flush rewrite it */
	av_vgic_sync(&G, 0);
	av_vgic_flush(&G, 0);
	assert_int_equal(fake[0].lr[0].vintid, 29);
	assert_true(fake[0].lr[0].hw);
	assert_int_equal(fake[0].lr[0].pintid, 29);
}

/*
 * av_vgic_flush_idle(): true exactly when a flush would write no list register (nothing
 * listed, none written by the last flush); each answer checked against the flush that
 * follows it.
 */
static void flush_idle_step(unsigned vcpu, bool idle)
{
	unsigned writes = fake[vcpu].writes;

	assert_int_equal(av_vgic_flush_idle(&G, vcpu), idle);
	av_vgic_flush(&G, vcpu);
	if (idle) {
		assert_int_equal(fake[vcpu].writes, writes);
		assert_int_equal(fake[vcpu].maint, 0);
	} else {
		assert_true(fake[vcpu].writes > writes);
	}
}

static void flush_idle_run(enum av_vgic_model model)
{
	setup(model, 2, 32, NULL);
	if (model == AV_VGIC_V2) {
		d2w(0, 0x000, 4, 3);
		d2w(1, 0x100, 4, 1u << 3);
	} else {
		d3w(0x0000, 4, 0x3);
		rw(1, 0x14, 4, 0);
		rw(1, 0x10080, 4, 1u << 3);
		rw(1, 0x10100, 4, 1u << 3);
	}
	flush_idle_step(1, true);
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 3, NULL), 0);
	flush_idle_step(1, false);                 /* listed: LR 0 */
	guest_ack(1, 0);
	guest_eoi(1, 0);
	assert_false(av_vgic_flush_idle(&G, 1));   /* LR 0 written by the last flush */
	av_vgic_sync(&G, 1);
	flush_idle_step(1, false);                 /* clears LR 0 */
	flush_idle_step(1, true);
	/* Pending but disabled: still listed, not idle. */
	assert_int_equal(av_vgic_send_sgi(&G, 0, 1u << 1, 3, NULL), 0);
	if (model == AV_VGIC_V2)
		d2w(1, 0x180, 4, 1u << 3);
	else
		rw(1, 0x10180, 4, 1u << 3);
	assert_false(av_vgic_flush_idle(&G, 1));
	assert_true(av_vgic_flush_idle(&G, 0));
}

static void test_flush_idle(void **state)
{
	(void)state;
	flush_idle_run(AV_VGIC_V3);
	flush_idle_run(AV_VGIC_V2);
}

/*
 * Issue 18, finding 2: av_vgic_restore() takes only what the calls that build a vGIC's state
 * could have built. Each mutation of a valid snapshot is refused with -AV_EINVAL and leaves
 * the vGIC as it was, byte for byte.
 */
#define SNAP_SPI(intid) (AV_VGIC_MAX_VCPUS * AV_VGIC_NR_PRIVATE + (intid) - 32)

/* Mutation @k of @a (a valid snapshot of a 2-vCPU, 64-SPI vGIC); false past the last. */
static bool snap_mutate(struct av_vgic_snapshot *a, enum av_vgic_model model, unsigned k)
{
	struct av_vgic_snap_irq *sgi1 = &a->irq[1], *ppi27 = &a->irq[32 + 27];
	struct av_vgic_snap_irq *spi40 = &a->irq[SNAP_SPI(40)];

	switch (k) {
	case 0: sgi1->flags |= AV_VGIC_IRQF_HW; sgi1->hw_intid = 1019; break; /* SGI HW link */
	case 1: spi40->hw_intid = 1023; break;          /* SPI linked to a special INTID */
	case 2: spi40->hw_intid = 5; break;             /* ... to a physical SGI */
	case 3: spi40->hw_intid = 1020; break;
	case 4: ppi27->hw_intid = 0; break;             /* HW flag without a physical INTID */
	case 5: a->irq[SNAP_SPI(41)].hw_intid = 100; break; /* a physical INTID without HW */
	case 6: spi40->intid = 41; break;               /* slot and INTID disagree */
	case 7: a->irq[3].priority = 0x07; break;       /* priority bits the vGIC lacks */
	case 8: sgi1->flags &= (uint8_t)~AV_VGIC_IRQF_EDGE; break; /* a level SGI */
	case 9: sgi1->flags |= AV_VGIC_IRQF_LINE; break;
	case 10:                                        /* SGI pending state of the other model */
		if (model == AV_VGIC_V2)
			sgi1->flags |= AV_VGIC_IRQF_LATCH;
		else
			sgi1->sgi_src = 1;
		break;
	case 11: a->irq[3].sgi_src = model == AV_VGIC_V2 ? 0x4 : 1; break; /* no vCPU 2 */
	case 12: spi40->sgi_src = 1; break;             /* SGI sources on an SPI */
	case 13: spi40->targets = model == AV_VGIC_V2 ? 0x5 : 1; break;
	case 14: spi40->irouter |= model == AV_VGIC_V2 ? 1 : AV_BIT(24); break; /* RES0 */
	case 15: ppi27->targets = 1; break;             /* private IRQs have no routing */
	case 16: ppi27->irouter = 1; break;
	case 17: a->ctlr |= AV_BIT(4); break;
	case 18: a->vcpu[1].mpidr = a->vcpu[0].mpidr; break; /* duplicate affinity */
	case 19: a->vcpu[1].mpidr |= AV_BIT(31); break;
	case 20: a->vcpu[0].asleep = 2; break;
	case 21: a->vcpu[0].pad = 1; break;
	case 22: a->vcpu[2].mpidr = 2; break;           /* unused vCPU entry */
	case 23: a->irq[2 * AV_VGIC_NR_PRIVATE + 27].priority = 0x80; break; /* no vCPU 2 */
	case 24: a->irq[SNAP_SPI(96)].intid = 96; break; /* past nr_spis */
	case 25: a->nr_spis = 32; break;
	case 26: a->model = model == AV_VGIC_V2 ? AV_VGIC_V3 : AV_VGIC_V2; break;
	default: return false;
	}
	return true;
}

static void restore_strict_run(enum av_vgic_model model)
{
	struct av_vgic_snapshot *good = test_malloc(sizeof(*good));
	struct av_vgic_snapshot *bad = test_malloc(sizeof(*bad));
	struct av_vgic *before = test_malloc(sizeof(*before));
	unsigned k;

	setup(model, 2, 64, NULL);
	if (model == AV_VGIC_V3) {
		v3_spi_on(40, 0x20);
		rw(1, 0x14, 4, 0);
		rw(1, 0x10100, 4, 1u << 27);
		d3w(0x6000 + 8 * 40, 8, 0x1);
		av_vgic_v3_sgi1r_write(&G, 1, (3ull << 24) | 0x1, NULL);
	} else {
		d2w(0, 0x000, 4, 0x1);
		d2w(0, 0x828, 1, 0x3); /* SPI 40 to both CPUs */
		d2w(0, 0x104, 4, 1u << 8);
		d2w(1, 0x100, 4, 1u << 27);
		assert_int_equal(av_vgic_send_sgi(&G, 1, 0x1, 3, NULL), 0);
	}
	assert_int_equal(av_vgic_map_hw(&G, 0, 40, 100), 0);
	assert_int_equal(av_vgic_map_hw(&G, 1, 27, 27), 0);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	av_vgic_set_level(&G, 1, 27, true, NULL);
	assert_int_equal(av_vgic_save(&G, good), 0);
	assert_int_equal(av_vgic_restore(&G, good), 0); /* the unmutated snapshot is fine */
	memcpy(before, &G, sizeof(G));
	for (k = 0; ; k++) {
		memcpy(bad, good, sizeof(*bad));
		if (!snap_mutate(bad, model, k))
			break;
		if (av_vgic_restore(&G, bad) != -AV_EINVAL)
			fail_msg("model %d: mutation %u accepted", (int)model, k);
		assert_memory_equal(&G, before, sizeof(G));
	}
	assert_int_equal(k, 27);
	test_free(good);
	test_free(bad);
	test_free(before);
}

/*
 * A snapshot restored into a vGIC whose vCPU ran: the list registers still hold what the
 * last flush wrote (a sync folds them back but leaves their values). The next flush must
 * clear those it does not reuse, or the guest sees an interrupt of the old state twice
 * (found by fuzz.vgic: one INTID in two valid LRs).
 */
static void test_restore_clears_lrs(void **state)
{
	struct av_vgic_snapshot *empty = test_malloc(sizeof(*empty));
	(void)state;
	setup(AV_VGIC_V3, 1, 32, NULL);
	d3w(0x0000, 4, 3);               /* GICD_CTLR: both groups */
	rw(0, 0x14, 4, 0);               /* GICR_WAKER: awake */
	rw(0, 0x10080, 4, 0xffffffffu);  /* IGROUPR0: group 1 */
	assert_int_equal(av_vgic_save(&G, empty), 0); /* nothing enabled or pending */
	rw(0, 0x10100, 4, (1u << 20) | (1u << 21));   /* PPIs 20 and 21 on */
	av_vgic_set_level(&G, 0, 20, true, NULL);
	av_vgic_set_level(&G, 0, 21, true, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 2);
	guest_ack(0, 0);
	guest_ack(0, 1);
	av_vgic_sync(&G, 0);
	assert_int_equal(av_vgic_restore(&G, empty), 0);
	av_vgic_set_level(&G, 0, 20, false, NULL);
	av_vgic_set_level(&G, 0, 21, false, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 0);
	/* Again, and the new state has one interrupt: it takes one LR, the other is cleared. */
	rw(0, 0x10100, 4, (1u << 20) | (1u << 21));
	av_vgic_set_level(&G, 0, 20, true, NULL);
	av_vgic_set_level(&G, 0, 21, true, NULL);
	av_vgic_flush(&G, 0);
	guest_ack(0, 0);
	guest_ack(0, 1);
	av_vgic_sync(&G, 0);
	assert_int_equal(av_vgic_restore(&G, empty), 0);
	rw(0, 0x10100, 4, 1u << 22);
	av_vgic_set_level(&G, 0, 22, true, NULL);
	av_vgic_flush(&G, 0);
	assert_int_equal(lrs_valid(&G, 0), 1);
	assert_int_equal(fake[0].lr[0].vintid, 22);
	assert_int_equal(fake[0].lr[0].state, AV_VGIC_LR_PENDING);
	test_free(empty);
}

static void test_restore_strict(void **state)
{
	(void)state;
	restore_strict_run(AV_VGIC_V3);
	restore_strict_run(AV_VGIC_V2);
}

/* Nothing a guest writes may crash: every offset and width of every frame. */
static void test_mmio_sweep(void **state)
{
	static const unsigned sizes[] = { 1, 2, 4, 8, 3 };
	(void)state;
	setup(AV_VGIC_V3, 2, 988, NULL);
	for (uint64_t off = 0; off < 0x10000; off += 4)
		for (size_t s = 0; s < 10; s++) {
			uint64_t v = 0xffffffffffffffffull;
			int r = av_vgic_v3_dist_access(&G, off, sizes[s / 2], s & 1, &v);

			assert_true(r == AV_ACCESS_HANDLED || r == AV_ACCESS_INJECT);
			v = 0xffffffffffffffffull;
			r = av_vgic_v3_redist_access(&G, 1, off * 2 + (s & 2), sizes[s / 2], s & 1, &v);
			assert_true(r == AV_ACCESS_HANDLED || r == AV_ACCESS_INJECT);
		}
	setup(AV_VGIC_V2, 8, 988, NULL);
	for (uint64_t off = 0; off < 0x1100; off++)
		for (size_t s = 0; s < 10; s++) {
			uint64_t v = 0xffffffffffffffffull;
			int r = av_vgic_v2_dist_access(&G, off % 8, off, sizes[s / 2], s & 1, &v);

			assert_true(r == AV_ACCESS_HANDLED || r == AV_ACCESS_INJECT);
		}
	/* Everything is now enabled and pending; flush/sync survive it. */
	for (unsigned v = 0; v < 8; v++) {
		assert_int_equal(av_vgic_flush(&G, v), 0);
		assert_int_equal(av_vgic_sync(&G, v), 0);
	}
}

/* ---- routing targets ---- */

/* The slot of SPI @intid in struct av_vgic (the snapshot's layout). */
static struct av_vgic_irq *spi_slot(struct av_vgic *g, uint32_t intid)
{
	return &g->irq[AV_VGIC_MAX_VCPUS * 32 + intid - 32];
}

/*
 * The vCPU an SPI routes to, or 0xff, worked out here from what the guest reads back
 * (GICD_IROUTER<n> and GICR_WAKER, or GICD_ITARGETSR<n>) and the routing doc/vgic.md
 * documents: the vCPU whose affinity matches; with IRM = 1 the lowest-numbered one whose
 * redistributor is awake (vCPU 0 while all sleep); for GICv2 the lowest CPU targeted.
 */
static unsigned ref_route(struct av_vgic *g, const uint64_t *mpidr, uint32_t intid)
{
	uint64_t v = 0;

	if (g->model == AV_VGIC_V2) {
		assert_int_equal(av_vgic_v2_dist_access(g, 0, 0x800 + intid, 1, false, &v), 0);
		return v ? (unsigned)__builtin_ctzll(v) : 0xff;
	}
	assert_int_equal(av_vgic_v3_dist_access(g, 0x6000 + 8 * intid, 8, false, &v), 0);
	for (unsigned c = 0; c < g->nr_vcpus; c++) {
		uint64_t waker = 0, m = mpidr ? mpidr[c] : c;

		assert_int_equal(av_vgic_v3_redist_access(g, c, 0x14, 4, false, &waker), 0);
		if (v & (1ull << 31) ? !(waker & 2) : (v & 0xff00ffffffull) == m)
			return c;
	}
	return v & (1ull << 31) ? 0 : 0xff; /* IRM with every redistributor asleep: vCPU 0 */
}

static void test_route_target_kept(void **state)
{
	static const uint64_t mpidr[3] = { 0x0, 0x100, 0x10000 };
	struct av_vgic_snapshot *snap = test_malloc(sizeof(*snap));
	(void)state;
	setup(AV_VGIC_V3, 3, 32, mpidr);
	for (uint32_t i = 32; i < 64; i++)
		assert_int_equal(spi_slot(&G, i)->target, 0); /* IROUTER 0: affinity 0.0.0.0 */
	for (unsigned c = 0; c < 3; c++)
		for (uint32_t i = 0; i < 32; i++)
			assert_int_equal(G.irq[c * 32 + i].target, c);
	d3w(0x6000 + 8 * 40, 8, 0x100);
	assert_int_equal(spi_slot(&G, 40)->target, 1);
	d3w(0x6000 + 8 * 40 + 4, 4, 0); /* upper half only: Aff3 0 */
	assert_int_equal(spi_slot(&G, 40)->target, 1);
	d3w(0x6000 + 8 * 40, 4, 0x10000);
	assert_int_equal(spi_slot(&G, 40)->target, 2);
	d3w(0x6000 + 8 * 40, 8, 0x5);
	assert_int_equal(spi_slot(&G, 40)->target, 0xff);
	/* IRM = 1: the first awake redistributor, vCPU 0 while all sleep. */
	d3w(0x6000 + 8 * 40, 8, 1ull << 31);
	assert_int_equal(spi_slot(&G, 40)->target, 0);
	rw(2, 0x14, 4, 0);
	assert_int_equal(spi_slot(&G, 40)->target, 2);
	rw(1, 0x14, 4, 0);
	assert_int_equal(spi_slot(&G, 40)->target, 1);
	rw(1, 0x14, 4, 2);
	assert_int_equal(spi_slot(&G, 40)->target, 2);
	/* A pending IRM SPI follows the new target at its next change. */
	v3_spi_on(40, 0x80);
	rw(2, 0x14, 4, 2);
	av_vgic_set_level(&G, 0, 40, true, NULL);
	assert_int_equal(st(0, 40).owner, 0);
	rw(2, 0x14, 4, 0);
	assert_int_equal(st(0, 40).owner, 0); /* not moved by the WAKER write itself */
	av_vgic_pulse(&G, 0, 40, NULL);
	assert_int_equal(st(0, 40).owner, 2);
	/* A restore recomputes every target from the restored affinities. */
	d3w(0x6000 + 8 * 41, 8, 0x10000);
	assert_int_equal(av_vgic_save(&G, snap), 0);
	snap->vcpu[0].mpidr = 0x10000;
	snap->vcpu[2].mpidr = 0x0;
	assert_int_equal(av_vgic_restore(&G, snap), 0);
	assert_int_equal(spi_slot(&G, 41)->target, 0);
	assert_int_equal(spi_slot(&G, 42)->target, 2);
	assert_int_equal(spi_slot(&G, 40)->target, 2); /* IRM: vCPU 2 still the awake one */
	assert_int_equal(st(0, 40).owner, 2);
	test_free(snap);

	/* GICv2: the lowest CPU of ITARGETSR. */
	setup(AV_VGIC_V2, 4, 32, NULL);
	assert_int_equal(spi_slot(&G, 40)->target, 0xff);
	d2w(0, 0x800 + 40, 1, 0x6);
	assert_int_equal(spi_slot(&G, 40)->target, 1);
	d2w(3, 0x800 + 40, 1, 0x8);
	assert_int_equal(spi_slot(&G, 40)->target, 3);
	d2w(0, 0x800 + 40, 1, 0xf0); /* CPUs 4..7 do not exist: no target */
	assert_int_equal(spi_slot(&G, 40)->target, 0xff);
}

/* ---- flush and sync: the entry points against the general path ---- */

/*
 * Lock ops and an LR backend that check the lock rules: the distributor lock is never
 * taken under a vCPU's, two vCPU locks are never held, the LR callbacks run under the vCPU's
 * lock, and an LR that holds an SPI is written or read back only under the distributor lock.
 */
static struct {
	int dist, vcpu;
	unsigned dist_taken;
} lkc = { 0, -1, 0 };

static void lkc_lock(void *cookie, unsigned which)
{
	(void)cookie;
	if (which == AV_VGIC_LOCK_DIST) {
		assert_int_equal(lkc.dist, 0);
		assert_int_equal(lkc.vcpu, -1);
		lkc.dist = 1;
		lkc.dist_taken++;
	} else {
		assert_int_equal(lkc.vcpu, -1);
		lkc.vcpu = (int)which;
	}
}

static void lkc_unlock(void *cookie, unsigned which)
{
	(void)cookie;
	if (which == AV_VGIC_LOCK_DIST) {
		assert_int_equal(lkc.dist, 1);
		lkc.dist = 0;
	} else {
		assert_int_equal(lkc.vcpu, (int)which);
		lkc.vcpu = -1;
	}
}

static void lkc_check_lr(unsigned vcpu, const struct av_vgic_lr *lr)
{
	assert_int_equal(lkc.vcpu, (int)vcpu);
	if (lr->state != AV_VGIC_LR_INVALID && lr->vintid >= 32)
		assert_int_equal(lkc.dist, 1);
}

static void lkc_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	lkc_check_lr(vcpu, lr);
	f_write(cookie, vcpu, idx, lr);
}

static void lkc_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	f_read(cookie, vcpu, idx, lr);
	/* Whatever the guest did with it, the INTID is the one the flush wrote. */
	assert_int_equal(lkc.vcpu, (int)vcpu);
	if (lr->vintid >= 32)
		assert_int_equal(lkc.dist, 1);
}

static void lkc_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	assert_int_equal(lkc.vcpu, (int)vcpu);
	f_maint(cookie, vcpu, flags);
}

static const struct av_vgic_lr_ops lkc_lr_ops = { f_nr_lrs, lkc_write, lkc_read, lkc_maint };
static const struct av_vgic_lock_ops lkc_lock_ops = { lkc_lock, lkc_unlock };

/* Without SPIs involved, flush, sync and has_pending leave the distributor lock alone. */
static void test_private_paths_unlocked_dist(void **state)
{
	struct av_vgic_config cfg = { .model = AV_VGIC_V3, .nr_vcpus = 2, .nr_spis = 32,
				      .lr_ops = &lkc_lr_ops, .lock_ops = &lkc_lock_ops };
	(void)state;
	memset(fake, 0, sizeof(fake));
	fake_nr_lrs = 4;
	assert_int_equal(av_vgic_init(&G, &cfg, NULL), 0);
	d3w(0x0000, 4, 0x3);
	rw(1, 0x10080, 4, 1u << 27);  /* GICR_IGROUPR0: PPI 27 group 1 */
	rw(1, 0x10100, 4, 1u << 27);  /* GICR_ISENABLER0 */
	v3_spi_on(40, 0x80);
	av_vgic_set_level(&G, 1, 27, true, NULL);
	lkc.dist_taken = 0;
	assert_true(av_vgic_has_pending(&G, 1));
	assert_int_equal(av_vgic_flush(&G, 1), 0);
	assert_int_equal(fake[1].lr[0].vintid, 27);
	guest_ack(1, 0);
	assert_int_equal(av_vgic_sync(&G, 1), 0);
	assert_int_equal(av_vgic_flush(&G, 1), 0);
	guest_eoi(1, 0);
	assert_int_equal(av_vgic_sync(&G, 1), 0);
	assert_int_equal(lkc.dist_taken, 0);
	/* An SPI on the list, or in an LR, takes the distributor lock first. */
	d3w(0x6000 + 8 * 40, 8, 0x1);
	av_vgic_pulse(&G, 0, 40, NULL);
	lkc.dist_taken = 0;
	assert_true(av_vgic_has_pending(&G, 1));
	assert_int_equal(lkc.dist_taken, 1);
	assert_int_equal(av_vgic_flush(&G, 1), 0);
	assert_int_equal(lkc.dist_taken, 2);
	assert_int_equal(lrs_valid(&G, 1), 2);
	assert_int_equal(av_vgic_sync(&G, 1), 0);
	assert_int_equal(lkc.dist_taken, 3);
	assert_int_equal(lkc.dist, 0);
	assert_int_equal(lkc.vcpu, -1);
}

/* One vGIC of a pair, with its own fake CPUs and kicks. */
struct twin {
	struct av_vgic g;
	struct fake_cpu cpu[AV_VGIC_MAX_VCPUS];
	uint64_t kicks;
	bool live[AV_VGIC_MAX_VCPUS]; /* flushed, not yet synced (the vCPU "runs") */
};

static struct twin tw_a, tw_b;

static void tw_kick(void *cookie, unsigned vcpu)
{
	((struct twin *)cookie)->kicks |= UINT64_C(1) << vcpu;
}

static uint32_t rnd_state;

static uint32_t rnd(uint32_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state % n;
}

/* A guest register access of either model: @redist selects the GICv3 redistributor. */
static uint64_t tw_mmio(struct av_vgic *g, bool redist, unsigned cpu, uint64_t off,
			unsigned size, bool write, uint64_t v)
{
	int r;

	if (g->model == AV_VGIC_V2)
		r = av_vgic_v2_dist_access(g, cpu, off, size, write, &v);
	else if (redist)
		r = av_vgic_v3_redist_access(g, cpu, off, size, write, &v);
	else
		r = av_vgic_v3_dist_access(g, off, size, write, &v);
	assert_int_equal(r, AV_ACCESS_HANDLED);
	return v;
}

/* Read-modify-write of the per-IRQ field of @intid (@bits per IRQ) at @base, as @cpu. */
static void tw_field(struct av_vgic *g, unsigned cpu, uint32_t base, uint32_t intid,
		     unsigned bits, uint32_t val)
{
	bool redist = g->model == AV_VGIC_V3 && intid < 32;
	uint32_t off = (redist ? 0x10000 : 0) + base + intid * bits / 32 * 4;
	unsigned pos = intid * bits % 32;
	uint32_t mask = (bits == 32 ? ~0u : (1u << bits) - 1) << pos;
	uint64_t v = tw_mmio(g, redist, cpu, off, 4, false, 0);

	tw_mmio(g, redist, cpu, off, 4, true, (v & ~mask) | (((uint64_t)val << pos) & mask));
}

/* W1S/W1C registers: write only the one bit. */
static void tw_bit(struct av_vgic *g, unsigned cpu, uint32_t base, uint32_t intid)
{
	bool redist = g->model == AV_VGIC_V3 && intid < 32;
	uint32_t off = (redist ? 0x10000 : 0) + base + intid / 32 * 4;

	tw_mmio(g, redist, cpu, off, 4, true, 1u << (intid % 32));
}

static bool tw_group_on(struct av_vgic *g, bool group1)
{
	return tw_mmio(g, false, 0, 0, 4, false, 0) & (group1 ? 2 : 1);
}

/*
 * The LRs a flush of @vcpu must fill, from the contract: a walk of its list (priority order)
 * for the active interrupts not in an LR, then one for the pending, deliverable ones. Returns
 * how many there are (more than there are LRs: underflow).
 */
static unsigned ref_fill(struct av_vgic *g, unsigned vcpu, uint32_t *out)
{
	unsigned n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (unsigned s = g->vcpu[vcpu].head; s != 0xffff; s = g->irq[s].next) {
			struct av_vgic_irq_state st_;

			assert_int_equal(av_vgic_get_irq(g, vcpu, g->irq[s].intid, &st_), 0);
			if (st_.in_lr)
				continue;
			if (pass == 0 ? st_.active
				      : !st_.active && st_.enabled && st_.pending &&
					tw_group_on(g, st_.group1))
				out[n++] = st_.intid;
		}
	}
	return n;
}

/*
 * The pending lists as the core documents them: each vCPU's list holds, in priority order,
 * exactly the IRQs whose owner it is, and its SPI count is right. An IRQ in an LR is listed;
 * an active or pending one is listed when it has a target (an active one that had none
 * when it became active may be on no list); one neither is on no list. One that is only
 * pending is on its target's (an IRM = 1 SPI may wait for its next change to follow a
 * GICR_WAKER write). Targets are checked against the registers before this.
 */
static void tw_lists_ok(struct av_vgic *g)
{
	unsigned listed = 0;

	for (unsigned v = 0; v < g->nr_vcpus; v++) {
		unsigned spis = 0, prev = 0xffff;

		for (unsigned s = g->vcpu[v].head; s != 0xffff; s = g->irq[s].next) {
			assert_int_equal(g->irq[s].owner, v);
			assert_int_equal(g->irq[s].prev, prev);
			if (prev != 0xffff)
				assert_true(g->irq[prev].priority <= g->irq[s].priority);
			spis += g->irq[s].intid >= 32;
			prev = s;
			listed++;
		}
		assert_int_equal(g->vcpu[v].nr_spis, spis);
	}
	for (unsigned v = 0; v < g->nr_vcpus; v++) {
		for (uint32_t intid = 0; intid < 32 + (v == 0 ? g->nr_spis : 0); intid++) {
			struct av_vgic_irq_state st_;
			unsigned target;
			bool busy;

			if (v > 0 && intid >= 32)
				break;
			assert_int_equal(av_vgic_get_irq(g, v, intid, &st_), 0);
			target = intid < 32 ? v : spi_slot(g, intid)->target;
			busy = st_.active || st_.in_lr;
			if (st_.in_lr || ((st_.active || st_.pending) && target != 0xff))
				assert_true(st_.owner >= 0);
			else if (!busy)
				assert_int_equal(st_.owner, -1);
			if (!busy && st_.owner >= 0 && !(st_.irouter & (1ull << 31)))
				assert_int_equal(st_.owner, target);
			if (st_.owner >= 0)
				listed--;
		}
	}
	assert_int_equal(listed, 0);
}

static void tw_same(const uint64_t *mpidr)
{
	struct av_vgic *a = &tw_a.g, *b = &tw_b.g;

	assert_memory_equal(a->irq, b->irq, sizeof(a->irq));
	assert_memory_equal(a->vcpu, b->vcpu, sizeof(a->vcpu));
	assert_int_equal(a->ctlr, b->ctlr);
	assert_int_equal(tw_a.kicks, tw_b.kicks);
	for (unsigned v = 0; v < a->nr_vcpus; v++) {
		assert_int_equal(tw_a.cpu[v].maint, tw_b.cpu[v].maint);
		assert_int_equal(tw_a.cpu[v].writes, tw_b.cpu[v].writes);
		for (unsigned i = 0; i < fake_nr_lrs; i++) {
			const struct av_vgic_lr *x = &tw_a.cpu[v].lr[i], *y = &tw_b.cpu[v].lr[i];

			assert_int_equal(x->state, y->state);
			assert_int_equal(x->vintid, y->vintid);
			assert_int_equal(x->pintid, y->pintid);
			assert_int_equal(x->priority, y->priority);
			assert_int_equal(x->source, y->source);
			assert_int_equal(x->hw, y->hw);
			assert_int_equal(x->group1, y->group1);
			assert_int_equal(x->eoi_maint, y->eoi_maint);
		}
	}
	/* The kept routing targets are the ones the registers give. */
	for (uint32_t i = 32; i < 32 + a->nr_spis; i++)
		assert_int_equal(spi_slot(a, i)->target, ref_route(a, mpidr, i));
	tw_lists_ok(a);
}

/* The INTIDs the random sequences use: a few SGIs, two PPIs, eight SPIs. */
static const uint32_t tw_intids[] = { 0, 1, 5, 27, 30, 32, 33, 34, 35, 36, 37, 38, 39 };

/* One random step (@r) on @t; @general: flush and sync through the general path. */
static void tw_step(struct twin *t, bool general, uint32_t r[8], const uint64_t *mpidr)
{
	struct av_vgic *g = &t->g;
	unsigned nv = g->nr_vcpus, cpu = r[1] % nv;
	uint32_t intid = tw_intids[r[2] % (sizeof(tw_intids) / sizeof(tw_intids[0]))];
	uint64_t kicked = 0, x = r[3];
	static const uint8_t prios[] = { 0x00, 0x40, 0x80, 0xa0, 0xf8 };

	switch (r[0] % 20) {
	case 0:
	case 1: /* a device: edge, level high or low */
		if (intid < 16)
			intid = 27;
		if (x % 3 == 0)
			av_vgic_pulse(g, cpu, intid, &kicked);
		else
			av_vgic_set_level(g, cpu, intid, x % 3 == 1, &kicked);
		t->kicks |= kicked;
		break;
	case 2: /* an SGI */
		if (g->model == AV_VGIC_V3 && x % 2)
			av_vgic_v3_sgi1r_write(g, cpu, (uint64_t)(x % 16) << 24 |
					       (x & 0x100 ? 1ull << 40 : 0) |
					       (mpidr[r[4] % nv] & 0xff00) << 8 |
					       (mpidr[r[4] % nv] & 0xff0000) << 16 |
					       1u << (mpidr[r[4] % nv] & 0xf), &kicked);
		else if (g->model == AV_VGIC_V2 && x % 2)
			tw_mmio(g, false, cpu, 0xf00, 4, true,
				(uint64_t)(r[4] % 3) << 24 | (r[5] & 0xf) << 16 | (x % 16));
		else
			av_vgic_send_sgi(g, cpu, r[4] & ((1u << nv) - 1), x % 16, &kicked);
		t->kicks |= kicked;
		break;
	case 3: /* enable / disable */
		tw_bit(g, cpu, x % 4 ? 0x100 : 0x180, intid);
		break;
	case 4: /* priority */
		if (g->model == AV_VGIC_V3 && intid < 32)
			tw_mmio(g, true, cpu, 0x10400 + intid, 1, true, prios[x % 5]);
		else
			tw_mmio(g, false, cpu, 0x400 + intid, 1, true, prios[x % 5]);
		break;
	case 5: /* group */
		tw_field(g, cpu, 0x080, intid, 1, x % 4 != 0);
		break;
	case 6: /* edge / level */
		tw_field(g, cpu, 0xc00, intid, 2, x % 2 ? 2 : 0);
		break;
	case 7: /* set / clear pending */
		tw_bit(g, cpu, x % 3 ? 0x200 : 0x280, intid);
		break;
	case 8: /* set / clear active */
		tw_bit(g, cpu, x % 4 ? 0x380 : 0x300, intid);
		break;
	case 9: /* routing */
		if (intid < 32)
			intid = 32 + x % 8;
		if (g->model == AV_VGIC_V2)
			tw_mmio(g, false, cpu, 0x800 + intid, 1, true, r[4] & 0xf);
		else
			tw_mmio(g, false, 0, 0x6000 + 8 * intid, 8, true,
				r[4] % 5 == 0   ? 1ull << 31 /* IRM */
				: r[4] % 5 == 1 ? 0x300      /* no such vCPU */
						: mpidr[r[4] % nv]);
		break;
	case 10: /* GICR_WAKER / the GICv2 SGI pending sources */
		if (g->model == AV_VGIC_V3)
			tw_mmio(g, true, cpu, 0x14, 4, true, x % 2 ? 0 : 2);
		else
			tw_mmio(g, false, cpu, (x % 2 ? 0xf20 : 0xf10) + intid % 16, 1, true,
				r[4] & 0xf);
		break;
	case 11: /* group enables */
		tw_mmio(g, false, 0, 0, 4, true, x % 5 ? 3 : x % 3);
		break;
	case 12: /* HW link */
		if (intid >= 16)
			av_vgic_map_hw(g, cpu, intid, x % 2 ? 0 : 64 + intid);
		break;
	case 13: /* has_pending: the same answer (asked once, for the pair) */
		if (!general)
			assert_int_equal(av_vgic_has_pending(&tw_a.g, cpu),
					 av_vgic_has_pending(&tw_b.g, cpu));
		break;
	default: { /* run vCPU @cpu: flush, the guest, sync */
		struct av_vgic_lr *lr = &t->cpu[cpu].lr[x % fake_nr_lrs];

		if (!t->live[cpu]) {
			uint32_t want[AV_VGIC_NR_IRQ_SLOTS];
			unsigned n = general ? 0 : ref_fill(g, cpu, want);

			assert_int_equal(general ? av__vgic_flush_general(g, cpu)
						 : av_vgic_flush(g, cpu), 0);
			t->live[cpu] = true;
			if (general)
				break;
			for (unsigned i = 0; i < fake_nr_lrs; i++)
				assert_int_equal(t->cpu[cpu].lr[i].state == AV_VGIC_LR_INVALID ? 0
						 : t->cpu[cpu].lr[i].vintid, i < n ? want[i] : 0);
			assert_int_equal(!!(t->cpu[cpu].maint & AV_VGIC_MAINT_UNDERFLOW),
					 n > fake_nr_lrs);
		} else if (r[5] % 3 == 0) {
			assert_int_equal(general ? av__vgic_sync_general(g, cpu)
						 : av_vgic_sync(g, cpu), 0);
			t->live[cpu] = false;
		} else if (lr->state == AV_VGIC_LR_PENDING) {
			lr->state = AV_VGIC_LR_ACTIVE; /* acknowledge */
		} else if (lr->state & AV_VGIC_LR_ACTIVE) {
			lr->state &= AV_VGIC_LR_PENDING; /* deactivate */
		}
		break;
	}
	}
}

static void tw_run(enum av_vgic_model model, unsigned nr_lrs, uint32_t seed, unsigned steps)
{
	static const uint64_t mpidr[4] = { 0x0, 0x1, 0x100, 0x10000 };
	struct av_vgic_config cfg = { .model = model, .nr_vcpus = 4, .nr_spis = 32,
				      .mpidr = model == AV_VGIC_V3 ? mpidr : NULL,
				      .lr_ops = &lkc_lr_ops, .lock_ops = &lkc_lock_ops,
				      .kick = tw_kick };
	static const uint64_t flat[4] = { 0, 1, 2, 3 };
	const uint64_t *aff = model == AV_VGIC_V3 ? mpidr : flat;

	memset(&tw_a, 0, sizeof(tw_a));
	memset(&tw_b, 0, sizeof(tw_b));
	fake_nr_lrs = nr_lrs;
	cfg.lr_cookie = tw_a.cpu;
	cfg.kick_cookie = &tw_a;
	assert_int_equal(av_vgic_init(&tw_a.g, &cfg, NULL), 0);
	cfg.lr_ops = &fake_ops;
	cfg.lock_ops = NULL;
	cfg.lr_cookie = tw_b.cpu;
	cfg.kick_cookie = &tw_b;
	assert_int_equal(av_vgic_init(&tw_b.g, &cfg, NULL), 0);
	rnd_state = seed;
	for (unsigned n = 0; n < steps; n++) {
		uint32_t r[8];

		for (unsigned i = 0; i < 8; i++)
			r[i] = rnd(1u << 30);
		tw_step(&tw_a, false, r, aff);
		tw_step(&tw_b, true, r, aff);
		tw_same(aff);
	}
	assert_int_equal(lkc.dist, 0);
	assert_int_equal(lkc.vcpu, -1);
}

static void test_flush_sync_match_general(void **state)
{
	(void)state;
	for (uint32_t seed = 1; seed <= 6; seed++) {
		tw_run(AV_VGIC_V3, 1 + seed % 4, seed * 2654435761u, 4000);
		tw_run(AV_VGIC_V2, 1 + seed % 4, seed * 40503u + 7, 4000);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lr_v3_format),
		cmocka_unit_test(test_lr_v2_format),
		cmocka_unit_test(test_tables_checked),
		cmocka_unit_test(test_region_index),
		cmocka_unit_test(test_const_regs_unlocked),
		cmocka_unit_test(test_dist_read_id),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_init_error_messages),
		cmocka_unit_test(test_64_vcpus_gicv3),
		cmocka_unit_test(test_level_irq),
		cmocka_unit_test(test_edge_irq),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_overflow_maintenance),
		cmocka_unit_test(test_hw_linked),
		cmocka_unit_test(test_hw_level_active_no_maint_loop),
		cmocka_unit_test(test_disable_active_reenable),
		cmocka_unit_test(test_ctlr_masks_delivery),
		cmocka_unit_test(test_sgi1r_routing),
		cmocka_unit_test(test_spi_routing_and_kick),
		cmocka_unit_test(test_lock_order),
		cmocka_unit_test(test_v3_gicd_ids_and_ctlr),
		cmocka_unit_test(test_v3_gicd_irq_bits),
		cmocka_unit_test(test_v3_gicd_priority_cfg_route),
		cmocka_unit_test(test_v3_gicr),
		cmocka_unit_test(test_v2_gicd),
		cmocka_unit_test(test_v2_sgir),
		cmocka_unit_test(test_v2_sgi_eoi_maint),
		cmocka_unit_test(test_v2_sgi_eisr_cleared),
		cmocka_unit_test(test_restore_resample),
		cmocka_unit_test(test_resample_errors),
		cmocka_unit_test(test_resample_level),
		cmocka_unit_test(test_v2_spi_targets_delivery),
		cmocka_unit_test(test_probe_linux_gicv3),
		cmocka_unit_test(test_probe_linux_gicv2),
		cmocka_unit_test(test_save_restore),
		cmocka_unit_test(test_mmio_sweep),
		cmocka_unit_test(test_route_target_kept),
		cmocka_unit_test(test_private_paths_unlocked_dist),
		cmocka_unit_test(test_flush_sync_match_general),
		cmocka_unit_test(test_flush_twice),
		cmocka_unit_test(test_raise_listed),
		cmocka_unit_test(test_flush_new),
		cmocka_unit_test(test_flush_idle),
		cmocka_unit_test(test_restore_strict),
		cmocka_unit_test(test_restore_clears_lrs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
