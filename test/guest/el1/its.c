/* SPDX-License-Identifier: MIT */
/*
 * its: the GICv3 ITS the device tree announces (armvirt-vmm --irqchip gicv3-its; QEMU virt
 * has one too). The DTB must have an "arm,gic-v3-its" child of the GIC node with
 * msi-controller and #msi-cells = 1; at its reg: GITS_PIDR2.ArchRev 3 or 4, GITS_IIDR with an
 * implementer, GITS_TYPER.Physical and a non-zero ITT entry size, GITS_CTLR readable,
 * GITS_BASER0 describing a table; and LPIs on the GIC (GICD_TYPER.LPIS, GICR_TYPER.PLPIS).
 * Run only where an ITS is expected: without one every check fails.
 */
#include "rt.h"

const char *rt_prog = "its";

#define GITS_CTLR 0x0000
#define GITS_IIDR 0x0004
#define GITS_TYPER 0x0008
#define GITS_BASER0 0x0100
#define GITS_PIDR2 0xffe8
#define GICD_TYPER 0x0004
#define GICR_TYPER 0x0008

struct its_dt {
	unsigned found;
	uint64_t base, size;
	bool under_gicv3, msi_controller;
	int msi_cells;
	/* per open node: properties may come before "compatible" */
	bool msi[RT_DT_MAX_DEPTH];
	int cells[RT_DT_MAX_DEPTH];
};

static void its_begin(const struct rt_dt_node *n, void *ctx)
{
	struct its_dt *d = ctx;

	d->msi[n->depth] = false;
	d->cells[n->depth] = -1;
}

static bool is_its(const struct rt_dt_node *n)
{
	return n->compat && rt_dt_strlist_has(n->compat, n->compat_len, "arm,gic-v3-its");
}

static void its_prop(const struct rt_dt_node *n, const char *name, const uint8_t *val,
		     uint32_t len, void *ctx)
{
	struct its_dt *d = ctx;

	if (!strcmp(name, "msi-controller"))
		d->msi[n->depth] = true;
	else if (!strcmp(name, "#msi-cells") && len == 4)
		d->cells[n->depth] = (int)rt_be32(val);
}

static void its_end(const struct rt_dt_node *n, void *ctx)
{
	struct its_dt *d = ctx;
	const struct rt_dt_node *p = n->parent;

	if (!is_its(n) || d->found++)
		return;
	d->msi_controller = d->msi[n->depth];
	d->msi_cells = d->cells[n->depth];
	d->under_gicv3 = p && p->compat && rt_dt_strlist_has(p->compat, p->compat_len, "arm,gic-v3");
	if (p && n->reg && p->ac && n->reg_len >= 4 * (p->ac + p->sc)) {
		d->base = rt_dt_cells(n->reg, p->ac);
		d->size = rt_dt_cells(n->reg + 4 * p->ac, p->sc);
	}
}

void test_main(void)
{
	struct its_dt d = { .msi_cells = -1 };
	struct rt_dt_walker w = { .begin = its_begin, .prop = its_prop, .end = its_end, .ctx = &d };
	uint32_t pidr2, iidr, ctlr;
	uint64_t typer, baser0;

	rt_dt_walk(rt_plat.dtb, &w, NULL);
	if (!rt_check(d.found == 1 && d.base && d.size >= 0x20000, "dt_node",
		      "%u arm,gic-v3-its nodes, reg 0x%lx+0x%lx", d.found, d.base, d.size))
		return;
	rt_printf("%s: ITS at 0x%lx (0x%lx bytes)\n", rt_prog, d.base, d.size);
	rt_check(d.under_gicv3, "dt_parent", "the ITS node is not a child of the arm,gic-v3 node");
	rt_check(d.msi_controller, "dt_msi_controller", "no msi-controller property");
	rt_check(d.msi_cells == 1, "dt_msi_cells", "#msi-cells = %d", d.msi_cells);

	pidr2 = mmio_read32(d.base + GITS_PIDR2);
	iidr = mmio_read32(d.base + GITS_IIDR);
	typer = mmio_read64(d.base + GITS_TYPER);
	ctlr = mmio_read32(d.base + GITS_CTLR);
	baser0 = mmio_read64(d.base + GITS_BASER0);
	rt_printf("%s: GITS_PIDR2 0x%x GITS_IIDR 0x%x GITS_TYPER 0x%lx GITS_CTLR 0x%x "
		  "GITS_BASER0 0x%lx\n", rt_prog, pidr2, iidr, typer, ctlr, baser0);
	rt_check(field(pidr2, 4, 4) == 3 || field(pidr2, 4, 4) == 4, "gits_pidr2",
		 "ArchRev %lu, want 3 or 4", field(pidr2, 4, 4));
	rt_check(field(iidr, 0, 12) != 0, "gits_iidr", "no implementer in 0x%x", iidr);
	rt_check(field(typer, 0, 1) == 1 && field(typer, 4, 4) != 0, "gits_typer",
		 "Physical %lu, ITT_entry_size %lu", field(typer, 0, 1), field(typer, 4, 4) + 1);
	rt_check(ctlr != 0xffffffffu && !field(ctlr, 0, 1), "gits_ctlr",
		 "GITS_CTLR 0x%x (want Enabled clear at reset)", ctlr);
	rt_check(field(baser0, 56, 3) != 0, "gits_baser0", "Type 0 in GITS_BASER0 0x%lx", baser0);
	rt_check(rt_plat.gic_version == 3 && field(mmio_read32(rt_plat.gicd + GICD_TYPER), 17, 1),
		 "gicd_lpis", "GICD_TYPER.LPIS clear");
	rt_check(rt_plat.gic_version == 3 && field(mmio_read64(rt_plat.gicr + GICR_TYPER), 0, 1),
		 "gicr_plpis", "GICR_TYPER.PLPIS clear");
}
