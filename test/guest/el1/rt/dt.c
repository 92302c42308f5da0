/* SPDX-License-Identifier: MIT */
/*
 * A minimal flattened-device-tree walker (rt_dt_walk(), shared with the IVC scan in ivcdt.c)
 * and rt_dt_parse(): the GIC, the vCPUs' MPIDRs, the PSCI conduit, the virtual timer's PPI
 * and the root model. Byte loads only, so it works on a DTB at any alignment with the MMU
 * off.
 */
#include "rt.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u

/* What rt_dt_parse() keeps of a node beside the walker's part (indexed by depth). */
struct plat_node {
	const char *device_type;
	const char *method;
};

uint32_t rt_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t rt_dt_cells(const uint8_t *p, uint32_t n)
{
	uint64_t v = 0;

	for (uint32_t i = 0; i < n; i++)
		v = v << 32 | rt_be32(p + 4 * i);
	return v;
}

int rt_dt_walk(uint64_t dtb, const struct rt_dt_walker *w, uint32_t *totalsize)
{
	const uint8_t *base = (const uint8_t *)dtb;
	struct rt_dt_node stack[RT_DT_MAX_DEPTH];
	const uint8_t *p, *end;
	const char *strings;
	int depth = -1;
	uint32_t size;

	if (dtb == 0 || (dtb & 3) || rt_be32(base) != FDT_MAGIC)
		return -1;
	size = rt_be32(base + 4);
	if (size < 40 || size > (16u << 20))
		return -2;
	if (totalsize)
		*totalsize = size;
	p = base + rt_be32(base + 8);
	strings = (const char *)base + rt_be32(base + 12);
	end = base + size;
	if (rt_be32(base + 20) >= 17)
		end = p + rt_be32(base + 36);

	while (p + 4 <= end) {
		uint32_t tok = rt_be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			struct rt_dt_node *n;

			if (++depth >= RT_DT_MAX_DEPTH)
				return -3;
			n = &stack[depth];
			memset(n, 0, sizeof(*n));
			n->name = (const char *)p;
			n->depth = (unsigned)depth;
			n->parent = depth > 0 ? &stack[depth - 1] : NULL;
			n->ac = 2;
			n->sc = 1;
			p += (strlen(n->name) + 1 + 3) & ~3ul;
			if (w->begin)
				w->begin(n, w->ctx);
		} else if (tok == FDT_PROP) {
			uint32_t len = rt_be32(p), off = rt_be32(p + 4);
			const uint8_t *val = p + 8;
			const char *name = strings + off;
			struct rt_dt_node *n;

			p = val + ((len + 3) & ~3u);
			if (depth < 0)
				return -4;
			n = &stack[depth];
			if (strcmp(name, "compatible") == 0) {
				n->compat = (const char *)val;
				n->compat_len = len;
			} else if (strcmp(name, "reg") == 0) {
				n->reg = val;
				n->reg_len = len;
			} else if (strcmp(name, "interrupts") == 0) {
				n->intr = val;
				n->intr_len = len;
			} else if (strcmp(name, "#address-cells") == 0 && len == 4) {
				n->ac = rt_be32(val);
			} else if (strcmp(name, "#size-cells") == 0 && len == 4) {
				n->sc = rt_be32(val);
			}
			if (w->prop)
				w->prop(n, name, val, len, w->ctx);
		} else if (tok == FDT_END_NODE) {
			if (depth < 0)
				return -5;
			if (w->end)
				w->end(&stack[depth], w->ctx);
			depth--;
		} else if (tok == FDT_END) {
			break;
		} else if (tok != FDT_NOP) {
			return -6;
		}
	}
	return 0;
}

bool rt_dt_strlist_has(const char *list, uint32_t len, const char *want)
{
	uint32_t i = 0;

	while (list && i < len) {
		const char *s = list + i;

		if (strcmp(s, want) == 0)
			return true;
		i += (uint32_t)strlen(s) + 1;
	}
	return false;
}

static bool name_is(const char *node_name, const char *base)
{
	size_t n = strlen(base);

	return memcmp(node_name, base, n) == 0 && (node_name[n] == '\0' || node_name[n] == '@');
}

/* The i-th (address, size) pair of a reg property, with the parent's cell counts. */
static bool reg_entry(const struct rt_dt_node *n, unsigned i, uint64_t *base, uint64_t *size)
{
	uint32_t ac = n->parent->ac, sc = n->parent->sc;
	uint32_t stride = 4 * (ac + sc);

	if (!n->reg || ac > 2 || sc > 2 || stride == 0 || (i + 1) * stride > n->reg_len)
		return false;
	*base = rt_dt_cells(n->reg + i * stride, ac);
	*size = rt_dt_cells(n->reg + i * stride + 4 * ac, sc);
	return true;
}

static struct plat_node plat_nodes[RT_DT_MAX_DEPTH];

static void plat_begin(const struct rt_dt_node *n, void *ctx)
{
	(void)ctx;
	memset(&plat_nodes[n->depth], 0, sizeof(plat_nodes[0]));
}

static void plat_prop(const struct rt_dt_node *n, const char *name, const uint8_t *val,
		      uint32_t len, void *ctx)
{
	struct plat_node *pn = &plat_nodes[n->depth];

	(void)ctx;
	if (strcmp(name, "device_type") == 0) {
		pn->device_type = (const char *)val;
	} else if (strcmp(name, "method") == 0) {
		pn->method = (const char *)val;
	} else if (n->depth == 0 && strcmp(name, "model") == 0) {
		size_t i;

		for (i = 0; i + 1 < sizeof(rt_plat.model) && i < len && val[i]; i++)
			rt_plat.model[i] = (char)val[i];
		rt_plat.model[i] = '\0';
	}
}

static void plat_end(const struct rt_dt_node *n, void *ctx)
{
	const struct rt_dt_node *parent = n->parent;
	const struct plat_node *pn = &plat_nodes[n->depth];
	uint64_t base, size;

	(void)ctx;
	if (!parent)
		return;
	if (rt_dt_strlist_has(n->compat, n->compat_len, "arm,gic-v3")) {
		rt_plat.gic_version = 3;
		if (reg_entry(n, 0, &base, &size))
			rt_plat.gicd = base;
		if (reg_entry(n, 1, &base, &size)) {
			rt_plat.gicr = base;
			rt_plat.gicr_size = size;
		}
	} else if (rt_dt_strlist_has(n->compat, n->compat_len, "arm,cortex-a15-gic") ||
		   rt_dt_strlist_has(n->compat, n->compat_len, "arm,gic-400") ||
		   rt_dt_strlist_has(n->compat, n->compat_len, "arm,cortex-a9-gic")) {
		rt_plat.gic_version = 2;
		if (reg_entry(n, 0, &base, &size))
			rt_plat.gicd = base;
		if (reg_entry(n, 1, &base, &size))
			rt_plat.gicc = base;
	} else if (pn->device_type && strcmp(pn->device_type, "cpu") == 0 &&
		   name_is(parent->name, "cpus")) {
		if (n->reg && parent->ac >= 1 && parent->ac <= 2 &&
		    n->reg_len >= 4 * parent->ac && rt_plat.ncpus < RT_MAX_CPUS)
			rt_plat.mpidr[rt_plat.ncpus++] =
				rt_dt_cells(n->reg, parent->ac) & 0xff00ffffffull;
	} else if (rt_dt_strlist_has(n->compat, n->compat_len, "arm,psci-0.2") ||
		   rt_dt_strlist_has(n->compat, n->compat_len, "arm,psci-1.0") ||
		   rt_dt_strlist_has(n->compat, n->compat_len, "arm,psci")) {
		rt_plat.psci_smc = pn->method && strcmp(pn->method, "smc") == 0;
	} else if (rt_dt_strlist_has(n->compat, n->compat_len, "arm,armv8-timer")) {
		/* interrupts: secure phys, non-secure phys, virtual, hyp; 3 cells each. */
		if (n->intr && n->intr_len >= 36 && rt_be32(n->intr + 24) == 1)
			rt_plat.vtimer_intid = rt_be32(n->intr + 28) + 16;
	}
}

int rt_dt_parse(uint64_t dtb)
{
	static const struct rt_dt_walker w = { plat_begin, plat_prop, plat_end, NULL };
	int rc;

	memset(&rt_plat, 0, sizeof(rt_plat));
	rt_plat.dtb = dtb;
	rt_plat.vtimer_intid = RT_VTIMER_INTID;
	rc = rt_dt_walk(dtb, &w, NULL);
	if (rc)
		return rc;
	rt_plat.dtb_ok = true;
	rt_plat.armvirt_model = strcmp(rt_plat.model, "armvirt") == 0;
	if (rt_plat.ncpus == 0) {
		rt_plat.ncpus = 1;
		rt_plat.mpidr[0] = rt_mpidr_aff();
	}
	return 0;
}
