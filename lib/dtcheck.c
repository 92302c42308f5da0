/* SPDX-License-Identifier: MIT */
/*
 * Conformance check of a device tree against the VM System Specification for ARM
 * Processors (hardware description and platform requirements).
 *
 * Each check reads the blob with libfdt's read-only API and reports what it finds through
 * the caller's callback, one finding per departure, so the check never allocates and
 * works on any DTB: QEMU's, a board's, or the one av_fdt_build() writes.
 *
 * Requirements checked (the spec's words in brackets):
 *  - /chosen exists                                         [boot protocol]
 *  - PSCI: a node compatible with arm,psci-0.2 or later, method hvc or smc
 *                                                           [PSCI 0.2 or later]
 *  - the architected timer (arm,armv8-timer) with PPIs 13, 14, 11, 10 in binding order
 *                                                           [generic timer, PPIs]
 *  - a GICv2 or GICv3: interrupt-controller, #interrupt-cells 3, reg with distributor and
 *    CPU interface / redistributors                         [GIC]
 *  - an ITS (arm,gic-v3-its), if any: a child of a GICv3 node, msi-controller,
 *    #msi-cells 1, one reg frame the GIC's address cells translate   [GIC ITS binding]
 *  - memory nodes with reg                                  [memory]
 *  - every CPU started through PSCI (enable-method)          [CPU boot]
 *  - a console UART named by /chosen/stdout-path            [console]
 *    (none at all is a warning: the spec's console "should" be a PL011, a virtio-console
 *    or a Xen PV console, and the last two are not named by stdout-path)
 *
 * Untrusted blobs: the header is checked here (magic, version, sizes and the three blocks'
 * alignment, bounds and overlap) before any libfdt call, since libfdt 1.6.1 reads the
 * structure block with 4-byte loads at whatever offset the header gives.
 *
 * Linear time: a finding's node path comes from the walk that found it (the checks that visit
 * many nodes track the path as they go) or, for the checks of one node, from one lookup; and
 * each check lists at most AV_DTCHECK_MAX_LISTED findings, then one "N more" line. The totals
 * count every finding.
 */
#include <armvirt/platform.h>

#include <armvirt/log.h>
#include <libfdt.h>
#include <stdarg.h>

#include "compat.h"

struct check {
	const void *fdt;
	av_dtcheck_fn fn;
	void *cookie;
	struct av_dtcheck_summary sum;
	/* The current check's findings: listed through fn, and past the cap (counted only). */
	unsigned listed, more_errors, more_warnings;
};

/* What a finding names: a path known already (@path), else node @node looked up. */
static void vreport(struct check *c, enum av_dtcheck_severity sev, const char *path, int node,
		    const char *fmt, va_list ap)
{
	struct av_dtcheck_finding f;

	if (sev == AV_DTCHECK_ERROR)
		c->sum.errors++;
	else
		c->sum.warnings++;
	if (c->listed >= AV_DTCHECK_MAX_LISTED) {
		if (sev == AV_DTCHECK_ERROR)
			c->more_errors++;
		else
			c->more_warnings++;
		return;
	}
	c->listed++;
	if (c->fn == NULL)
		return;
	memset(&f, 0, sizeof(f));
	f.severity = sev;
	if (path != NULL && strlen(path) < sizeof(f.node))
		memcpy(f.node, path, strlen(path) + 1);
	else if (path != NULL || node < 0 ||
		 fdt_get_path(c->fdt, node, f.node, (int)sizeof(f.node)) < 0)
		memcpy(f.node, "/", 2);
	av_vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	c->fn(&f, c->cookie);
}

/* A finding on node @node (-1: the root): for the checks of one node. */
__attribute__((format(printf, 4, 5)))
static void report(struct check *c, enum av_dtcheck_severity sev, int node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, sev, NULL, node, fmt, ap);
	va_end(ap);
}

/* A finding on the node at @path (NULL or too long: "/"), for the walking checks. */
__attribute__((format(printf, 4, 5)))
static void report_at(struct check *c, enum av_dtcheck_severity sev, const char *path,
		      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(c, sev, path != NULL ? path : "/", -1, fmt, ap);
	va_end(ap);
}

/* The end of one check: one line for what the cap left out (not itself counted). */
static void check_done(struct check *c)
{
	struct av_dtcheck_finding f;
	unsigned more = c->more_errors + c->more_warnings;

	if (more != 0 && c->fn != NULL) {
		memset(&f, 0, sizeof(f));
		f.severity = c->more_errors ? AV_DTCHECK_ERROR : AV_DTCHECK_WARNING;
		memcpy(f.node, "/", 2);
		av_snprintf(f.msg, sizeof(f.msg), "%u more findings of this check not listed "
			    "(%u errors, %u warnings)", more, c->more_errors, c->more_warnings);
		c->fn(&f, c->cookie);
	}
	c->listed = c->more_errors = c->more_warnings = 0;
}

#define ERR(c, node, ...) report(c, AV_DTCHECK_ERROR, node, __VA_ARGS__)
#define WARN(c, node, ...) report(c, AV_DTCHECK_WARNING, node, __VA_ARGS__)
#define ERR_AT(c, path, ...) report_at(c, AV_DTCHECK_ERROR, path, __VA_ARGS__)
#define WARN_AT(c, path, ...) report_at(c, AV_DTCHECK_WARNING, path, __VA_ARGS__)

/* ---- a walk over every node that knows each one's path and parent ---- */

#define WALK_DEPTH 64
#define PATH_SIZE sizeof(((struct av_dtcheck_finding *)0)->node)
#define PATH_NONE 0xffffu /* deeper than WALK_DEPTH or longer than PATH_SIZE - 1 */

struct walk {
	const void *fdt;
	int node, depth;
	int anc[WALK_DEPTH];       /* the node at each depth on the way to the current one */
	uint16_t len[WALK_DEPTH];  /* the length of that node's path, or PATH_NONE */
	char path[PATH_SIZE];      /* the current node's path ("" for the root) */
};

static void walk_start(struct walk *w, const void *fdt)
{
	memset(w, 0, sizeof(*w));
	w->fdt = fdt;
}

/* The next node in offset order; false at the end. */
static bool walk_next(struct walk *w)
{
	int depth = w->depth, namelen = 0;
	int node = fdt_next_node(w->fdt, w->node, &depth);
	const char *name;
	unsigned plen;

	if (node < 0 || depth <= 0)
		return false;
	w->node = node;
	w->depth = depth;
	if (depth >= WALK_DEPTH)
		return true;
	w->anc[depth] = node;
	plen = w->len[depth - 1];
	name = fdt_get_name(w->fdt, node, &namelen);
	if (plen == PATH_NONE || name == NULL || namelen < 0 ||
	    plen + 1 + (unsigned)namelen >= PATH_SIZE) {
		w->len[depth] = PATH_NONE;
		return true;
	}
	w->path[plen] = '/';
	memcpy(w->path + plen + 1, name, (size_t)namelen);
	w->len[depth] = (uint16_t)(plen + 1 + (unsigned)namelen);
	w->path[w->len[depth]] = '\0';
	return true;
}

/* The path of the current node's ancestor at @depth (0: the root) in @buf, or NULL. */
static const char *walk_path_at(const struct walk *w, int depth, char *buf)
{
	unsigned n;

	if (depth == 0)
		return "/";
	if (depth >= WALK_DEPTH || w->len[depth] == PATH_NONE)
		return NULL;
	n = w->len[depth];
	memcpy(buf, w->path, n);
	buf[n] = '\0';
	return buf;
}

/* The current node's path, or NULL when too long or too deep. */
static const char *walk_path(const struct walk *w)
{
	if (w->depth == 0)
		return "/";
	if (w->depth >= WALK_DEPTH || w->len[w->depth] == PATH_NONE)
		return NULL;
	return w->path;
}

/* The current node's parent (looked up only below WALK_DEPTH). */
static int walk_parent(const struct walk *w)
{
	if (w->depth < WALK_DEPTH)
		return w->anc[w->depth - 1];
	return fdt_parent_offset(w->fdt, w->node);
}

/* ---- small readers ---- */

/* A NUL-terminated string property, or NULL. */
static const char *prop_str(const void *fdt, int node, const char *name)
{
	int len;
	const char *s = fdt_getprop(fdt, node, name, &len);

	if (s == NULL || len <= 0 || s[len - 1] != '\0')
		return NULL;
	return s;
}

static bool str_eq(const char *a, const char *b)
{
	size_t n = strlen(b);

	return a != NULL && strlen(a) == n && memcmp(a, b, n) == 0;
}

/* A one-cell property, or @p dflt. */
static uint32_t prop_u32(const void *fdt, int node, const char *name, uint32_t dflt)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, node, name, &len);

	if (p == NULL || len != 4)
		return dflt;
	return fdt32_ld(p);
}

static bool node_enabled(const void *fdt, int node)
{
	const char *s = prop_str(fdt, node, "status");

	return s == NULL || str_eq(s, "okay") || str_eq(s, "ok");
}

/*
 * The first enabled node compatible with the first entry of @p list (NULL-terminated) that
 * any enabled node is compatible with, or -1. One walk over the tree, whatever the list's
 * length.
 */
static int find_compat(const void *fdt, const char *const *list, const char **which)
{
	int node = -1, depth = -1, best = -1;
	size_t best_i = SIZE_MAX;

	while ((node = fdt_next_node(fdt, node, &depth)) >= 0 && depth >= 0) {
		int len;
		const char *compat = fdt_getprop(fdt, node, "compatible", &len);

		if (compat == NULL)
			continue;
		for (size_t i = 0; i < best_i && list[i] != NULL; i++) {
			if (fdt_stringlist_contains(compat, len, list[i]) &&
			    node_enabled(fdt, node)) {
				best = node;
				best_i = i;
				break;
			}
		}
		if (best_i == 0)
			break;
	}
	if (best >= 0 && which != NULL)
		*which = list[best_i];
	return best;
}

static bool is_compat_any(const void *fdt, int node, const char *const *list)
{
	for (; *list != NULL; list++)
		if (fdt_node_check_compatible(fdt, node, *list) == 0)
			return true;
	return false;
}

static const char *const gic_v3_compat[] = { "arm,gic-v3", NULL };
static const char *const gic_v2_compat[] = { "arm,cortex-a15-gic", "arm,gic-400",
					     "arm,cortex-a7-gic", "arm,cortex-a9-gic", NULL };
static const char *const uart_compat[] = { "arm,pl011", "arm,sbsa-uart", "ns16550a", "ns16550",
					   "ns8250", "snps,dw-apb-uart", NULL };

/* The interrupt parent of @p node (walking up the tree), or a negative value. */
static int irq_parent(const void *fdt, int node)
{
	while (node >= 0) {
		int len;
		const fdt32_t *p = fdt_getprop(fdt, node, "interrupt-parent", &len);

		if (p != NULL && len == 4)
			return fdt_node_offset_by_phandle(fdt, fdt32_ld(p));
		node = fdt_parent_offset(fdt, node);
	}
	return -1;
}

/* ---- checks ---- */

static void check_chosen(struct check *c)
{
	if (fdt_path_offset(c->fdt, "/chosen") < 0)
		ERR(c, -1, "no /chosen node");
}

static void check_psci(struct check *c)
{
	static const char *const ok[] = { "arm,psci-1.0", "arm,psci-0.2", NULL };
	static const char *const old[] = { "arm,psci", NULL };
	const char *method;
	int node = find_compat(c->fdt, ok, NULL);

	if (node < 0) {
		node = find_compat(c->fdt, old, NULL);
		if (node >= 0)
			ERR(c, node, "compatible is only \"arm,psci\" (PSCI 0.1); "
				     "arm,psci-0.2 or later is required");
		else
			ERR(c, -1, "no PSCI node (compatible \"arm,psci-0.2\" or "
				   "\"arm,psci-1.0\")");
		return;
	}
	method = prop_str(c->fdt, node, "method");
	if (method == NULL)
		ERR(c, node, "no \"method\" property (\"hvc\" or \"smc\")");
	else if (!str_eq(method, "hvc") && !str_eq(method, "smc"))
		ERR(c, node, "method is \"%s\", expected \"hvc\" or \"smc\"", method);
}

static void check_timer(struct check *c)
{
	static const char *const v8[] = { "arm,armv8-timer", NULL };
	static const char *const v7[] = { "arm,armv7-timer", NULL };
	static const char *const names[] = { "secure physical", "non-secure physical", "virtual",
					     "hypervisor" };
	static const uint32_t want[] = { 13, 14, 11, 10 };
	const fdt32_t *irqs;
	int node, parent, len;
	uint32_t cells;
	unsigned n;

	node = find_compat(c->fdt, v8, NULL);
	if (node < 0) {
		node = find_compat(c->fdt, v7, NULL);
		if (node < 0) {
			ERR(c, -1, "no architected timer node (compatible \"arm,armv8-timer\")");
			return;
		}
		WARN(c, node, "compatible lacks \"arm,armv8-timer\" (only \"arm,armv7-timer\")");
	}
	irqs = fdt_getprop(c->fdt, node, "interrupts", &len);
	if (irqs == NULL) {
		if (fdt_getprop(c->fdt, node, "interrupts-extended", NULL) != NULL)
			WARN(c, node, "uses interrupts-extended; timer PPIs not checked");
		else
			ERR(c, node, "no \"interrupts\" property (timer PPIs 13, 14, 11, 10)");
		return;
	}
	parent = irq_parent(c->fdt, node);
	cells = parent >= 0 ? prop_u32(c->fdt, parent, "#interrupt-cells", 0) : 0;
	if (parent < 0 || cells != 3 ||
	    !(is_compat_any(c->fdt, parent, gic_v3_compat) ||
	      is_compat_any(c->fdt, parent, gic_v2_compat))) {
		ERR(c, node, "interrupt parent is not a GIC with 3 interrupt cells");
		return;
	}
	if (len % 12 != 0) {
		ERR(c, node, "interrupts has %d bytes, not a multiple of 3 cells", len);
		return;
	}
	n = (unsigned)len / 12;
	if (n < 3) {
		ERR(c, node, "interrupts has %u entries; secure, non-secure physical and virtual "
			     "timer PPIs are required", n);
	} else if (n < 4) {
		WARN(c, node, "interrupts has no hypervisor timer PPI (interrupts[3], PPI 10)");
	}
	for (unsigned i = 0; i < n && i < 4; i++) {
		uint32_t type = fdt32_ld(&irqs[i * 3]);
		uint32_t num = fdt32_ld(&irqs[i * 3 + 1]);

		if (type != AV_DT_IRQ_TYPE_PPI)
			ERR(c, node, "interrupts[%u] (%s timer) is not a PPI (type %u)", i,
			    names[i], type);
		else if (num != want[i])
			ERR(c, node, "interrupts[%u] (%s timer) is PPI %u, expected PPI %u", i,
			    names[i], num, want[i]);
	}
}

/* ITS nodes: children of a GICv3, MSI controllers with one cell (the DeviceID), with reg. */
static void check_its(struct check *c)
{
	struct walk w;

	walk_start(&w, c->fdt);
	while (walk_next(&w)) {
		int node = w.node, parent, len, ac, sc;
		const char *path;
		const fdt32_t *cells;
		char ppath[PATH_SIZE];

		if (fdt_node_check_compatible(c->fdt, node, "arm,gic-v3-its") != 0 ||
		    !node_enabled(c->fdt, node))
			continue;
		parent = walk_parent(&w);
		path = walk_path(&w);
		if (parent < 0 || !is_compat_any(c->fdt, parent, gic_v3_compat))
			ERR_AT(c, path, "an ITS must be a child of the GICv3 (arm,gic-v3) node");
		if (fdt_getprop(c->fdt, node, "msi-controller", NULL) == NULL)
			ERR_AT(c, path, "no \"msi-controller\" property");
		cells = fdt_getprop(c->fdt, node, "#msi-cells", &len);
		if (cells == NULL)
			WARN_AT(c, path, "no \"#msi-cells\" (the binding wants 1: the DeviceID)");
		else if (len != 4 || fdt32_ld(cells) != 1)
			ERR_AT(c, path, "#msi-cells is not 1");
		ac = parent >= 0 ? fdt_address_cells(c->fdt, parent) : -1;
		sc = parent >= 0 ? fdt_size_cells(c->fdt, parent) : -1;
		if (fdt_getprop(c->fdt, node, "reg", &len) == NULL)
			ERR_AT(c, path, "no \"reg\" property");
		else if (ac <= 0 || sc <= 0 || len != 4 * (ac + sc))
			ERR_AT(c, path,
			       "reg is not one frame in the GIC's #address-cells/#size-cells");
		else if (fdt_getprop(c->fdt, parent, "ranges", NULL) == NULL)
			WARN_AT(c, walk_path_at(&w, w.depth - 1, ppath),
				"no \"ranges\": the ITS frame is not translated");
	}
}

static void check_gic(struct check *c)
{
	static const char *const any[] = { "arm,gic-v3", "arm,cortex-a15-gic", "arm,gic-400",
					   "arm,cortex-a7-gic", "arm,cortex-a9-gic", NULL };
	const char *which = NULL;
	int node, parent, len, ac, sc, root_parent;
	unsigned n, need;
	bool v3;

	node = find_compat(c->fdt, any, &which);
	if (node < 0) {
		ERR(c, -1, "no GICv2 or GICv3 node (compatible \"arm,gic-v3\", "
			   "\"arm,cortex-a15-gic\" or \"arm,gic-400\")");
		return;
	}
	v3 = str_eq(which, "arm,gic-v3");
	if (fdt_getprop(c->fdt, node, "interrupt-controller", NULL) == NULL)
		ERR(c, node, "no \"interrupt-controller\" property");
	if (prop_u32(c->fdt, node, "#interrupt-cells", 0) != 3)
		ERR(c, node, "#interrupt-cells is not 3");

	parent = fdt_parent_offset(c->fdt, node);
	ac = parent >= 0 ? fdt_address_cells(c->fdt, parent) : -1;
	sc = parent >= 0 ? fdt_size_cells(c->fdt, parent) : -1;
	if (fdt_getprop(c->fdt, node, "reg", &len) == NULL) {
		ERR(c, node, "no \"reg\" property");
	} else if (ac < 0 || sc < 0 || ac + sc == 0 || len % (4 * (ac + sc)) != 0) {
		ERR(c, node, "reg does not match the parent's #address-cells/#size-cells");
	} else {
		n = (unsigned)len / (unsigned)(4 * (ac + sc));
		need = 2;
		if (n < need)
			ERR(c, node, "reg has %u entries; %s needs %u (%s)", n, which, need,
			    v3 ? "GICD and GICR" : "GICD and GICC");
	}

	root_parent = irq_parent(c->fdt, 0);
	if (root_parent < 0)
		WARN(c, 0, "no interrupt-parent at the root");
	else if (root_parent != node)
		WARN(c, 0, "interrupt-parent is not the GIC");
}

/* A device_type property that is exactly "memory". */
static bool is_memory(const void *fdt, int node)
{
	int len;
	const char *v = fdt_getprop(fdt, node, "device_type", &len);

	return v != NULL && len == (int)sizeof("memory") &&
	       memcmp(v, "memory", sizeof("memory")) == 0;
}

static void check_memory(struct check *c)
{
	unsigned found = 0;
	struct walk w;

	walk_start(&w, c->fdt);
	while (walk_next(&w)) {
		int len;

		if (!is_memory(c->fdt, w.node) || !node_enabled(c->fdt, w.node))
			continue;
		found++;
		if (fdt_getprop(c->fdt, w.node, "reg", &len) == NULL || len <= 0)
			ERR_AT(c, walk_path(&w), "memory node without \"reg\"");
	}
	if (found == 0)
		ERR(c, -1, "no memory node (device_type = \"memory\")");
}

/* "@parent/name" of child @node in @buf, or NULL when it does not fit in a finding. */
static const char *child_path(const void *fdt, const char *parent, int node, char *buf)
{
	int namelen = 0;
	const char *name = fdt_get_name(fdt, node, &namelen);
	size_t plen = strlen(parent);

	if (name == NULL || namelen < 0 || plen + 1 + (size_t)namelen >= PATH_SIZE)
		return NULL;
	memcpy(buf, parent, plen);
	buf[plen] = '/';
	memcpy(buf + plen + 1, name, (size_t)namelen);
	buf[plen + 1 + (size_t)namelen] = '\0';
	return buf;
}

static void check_cpus(struct check *c)
{
	int cpus = fdt_path_offset(c->fdt, "/cpus");
	unsigned ncpus = 0;
	char path[PATH_SIZE];
	int node;

	if (cpus < 0) {
		ERR(c, -1, "no /cpus node");
		return;
	}
	fdt_for_each_subnode(node, c->fdt, cpus)
		if (str_eq(prop_str(c->fdt, node, "device_type"), "cpu"))
			ncpus++;
	if (ncpus == 0) {
		ERR(c, cpus, "no cpu nodes (device_type = \"cpu\")");
		return;
	}
	fdt_for_each_subnode(node, c->fdt, cpus) {
		const char *em, *at;

		if (!str_eq(prop_str(c->fdt, node, "device_type"), "cpu"))
			continue;
		at = child_path(c->fdt, "/cpus", node, path);
		if (fdt_getprop(c->fdt, node, "reg", NULL) == NULL)
			ERR_AT(c, at, "no \"reg\" (MPIDR affinity)");
		em = prop_str(c->fdt, node, "enable-method");
		if (em == NULL) {
			if (ncpus == 1)
				WARN_AT(c, at, "no enable-method (acceptable for the only CPU)");
			else
				ERR_AT(c, at, "no enable-method; \"psci\" is required");
		} else if (!str_eq(em, "psci")) {
			ERR_AT(c, at, "enable-method is \"%s\", expected \"psci\"", em);
		}
	}
}

/*
 * The node at absolute path @path (@len bytes), or -1. libfdt 1.6.1 resolves a path that
 * does not start with '/' as an alias whose value it resolves the same way: an alias naming
 * itself (or a cycle) recurses until the stack overflows. An alias's value must be a full
 * path (Devicetree Specification, /aliases), so only one level is followed here.
 */
static int path_node(const void *fdt, const char *path, int len)
{
	if (len <= 0 || path[0] != '/')
		return -1;
	return fdt_path_offset_namelen(fdt, path, len);
}

/* Resolve a stdout-path value (path or alias, optional ":options"). */
static int resolve_console(const void *fdt, const char *path)
{
	int len = 0;

	while (path[len] != '\0' && path[len] != ':')
		len++;
	if (len == 0)
		return -1;
	if (path[0] != '/') {
		const char *alias = fdt_get_alias_namelen(fdt, path, len);

		return alias != NULL ? path_node(fdt, alias, (int)strlen(alias)) : -1;
	}
	return path_node(fdt, path, len);
}

static void check_console(struct check *c)
{
	int chosen = fdt_path_offset(c->fdt, "/chosen");
	int aliases = fdt_path_offset(c->fdt, "/aliases");
	const char *path = NULL;
	int prop;

	if (chosen >= 0) {
		path = prop_str(c->fdt, chosen, "stdout-path");
		if (path == NULL)
			path = prop_str(c->fdt, chosen, "linux,stdout-path");
	}
	if (path != NULL) {
		int node = resolve_console(c->fdt, path);

		if (node < 0)
			ERR(c, chosen, "stdout-path \"%s\" does not lead to a node", path);
		else if (!node_enabled(c->fdt, node))
			ERR(c, node, "the stdout-path console is disabled (status)");
		else if (!is_compat_any(c->fdt, node, uart_compat))
			WARN(c, node, "the stdout-path console is not a known UART "
				      "(arm,pl011, arm,sbsa-uart, ns16550a, ...)");
		return;
	}

	/* No stdout-path: a console may still be reachable through /aliases serialN. */
	if (aliases >= 0) {
		fdt_for_each_property_offset(prop, c->fdt, aliases) {
			const char *name;
			int len, node;
			const char *val = fdt_getprop_by_offset(c->fdt, prop, &name, &len);

			if (val == NULL || name == NULL || len <= 0 || val[len - 1] != '\0' ||
			    strlen(name) < 6 || memcmp(name, "serial", 6) != 0)
				continue;
			node = path_node(c->fdt, val, len - 1);
			if (node >= 0 && node_enabled(c->fdt, node) &&
			    is_compat_any(c->fdt, node, uart_compat)) {
				WARN(c, chosen, "no stdout-path; a console UART is reachable only "
						"through /aliases/%s", name);
				return;
			}
		}
	}
	/*
	 * The spec asks for a console that "should" be a PL011, a virtio-console or a Xen PV
	 * console; the tree cannot show the last two (a virtio,mmio node does not say its
	 * device type), so a tree without a UART console may still describe a conforming VM.
	 */
	WARN(c, chosen, "no console: no stdout-path in /chosen and no /aliases serialN UART "
			"(a virtio or Xen PV console is not described here)");
}

/* ---- the header, before libfdt sees the blob ---- */

/* Big-endian 32-bit field @i of the header, read bytewise (no alignment assumed). */
static uint32_t hdr32(const uint8_t *b, unsigned i)
{
	const uint8_t *p = b + 4 * i;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Header fields (Devicetree Specification 0.3, 5.2), in 32-bit words. */
enum { H_MAGIC, H_TOTALSIZE, H_OFF_STRUCT, H_OFF_STRINGS, H_OFF_RSVMAP, H_VERSION,
       H_LAST_COMP, H_BOOT_CPUID, H_SIZE_STRINGS, H_SIZE_STRUCT, H_WORDS };

#define HDR_SIZE (4u * H_WORDS)

/* [a, a + an) and [b, b + bn) share a byte. */
static bool overlap(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return an != 0 && bn != 0 && a < b + bn && b < a + an;
}

/*
 * The header of a version-17 blob, checked with byte loads: magic; version 17 (or later,
 * still readable as 17); totalsize within @size; the memory reservation map (8-byte aligned,
 * terminated inside the blob), the structure block (4-byte aligned offset and size) and the
 * strings block after the header, inside totalsize and not overlapping one another.
 */
/*
 * The structure block token by token, every name and property inside the block and every
 * property name inside the strings block. libfdt 1.6.1's fdt_check_full() trusts a
 * property's length when it steps to the next tag: a length near 2^32 wraps the offset
 * backwards and the check never ends.
 */
static bool struct_ok(const uint8_t *b, uint64_t st, uint64_t st_len, uint64_t str_len)
{
	const uint8_t *s = b + st;
	uint64_t off = 0;

	while (off + 4 <= st_len) {
		uint32_t tag = hdr32(s + off, 0);
		uint64_t n = 0;

		off += 4;
		switch (tag) {
		case FDT_BEGIN_NODE:
			while (off + n < st_len && s[off + n] != 0)
				n++;
			if (off + n >= st_len)
				return false;
			off += (n + 4) & ~UINT64_C(3);
			break;
		case FDT_PROP:
			if (off + 8 > st_len)
				return false;
			n = hdr32(s + off, 0);
			if (n > st_len - off - 8 || hdr32(s + off, 1) >= str_len)
				return false;
			off += 8 + ((n + 3) & ~UINT64_C(3));
			break;
		case FDT_END_NODE:
		case FDT_NOP:
			break;
		case FDT_END:
			return true;
		default:
			return false;
		}
	}
	return false;
}

static bool header_ok(const void *fdt, size_t size)
{
	const uint8_t *b = fdt;
	uint64_t total, rsv, rsv_len = 0, st, st_len, str, str_len;

	if (size < HDR_SIZE || hdr32(b, H_MAGIC) != FDT_MAGIC)
		return false;
	if (hdr32(b, H_VERSION) < 17 || hdr32(b, H_LAST_COMP) > 17)
		return false;
	total = hdr32(b, H_TOTALSIZE);
	rsv = hdr32(b, H_OFF_RSVMAP);
	st = hdr32(b, H_OFF_STRUCT);
	st_len = hdr32(b, H_SIZE_STRUCT);
	str = hdr32(b, H_OFF_STRINGS);
	str_len = hdr32(b, H_SIZE_STRINGS);
	if (total < HDR_SIZE || total > size)
		return false;
	if (rsv % 8 || st % 4 || st_len % 4 || rsv < HDR_SIZE || st < HDR_SIZE || str < HDR_SIZE)
		return false;
	if (st + st_len > total || str + str_len > total || st_len == 0)
		return false;
	/* The reservation map: 16-byte entries up to one of address and size 0. */
	for (;;) {
		const uint8_t *e = b + rsv + rsv_len;
		bool end = true;

		if (rsv + rsv_len + 16 > total)
			return false;
		for (unsigned i = 0; i < 16; i++)
			end = end && e[i] == 0;
		rsv_len += 16;
		if (end)
			break;
	}
	return !overlap(rsv, rsv_len, st, st_len) && !overlap(rsv, rsv_len, str, str_len) &&
	       !overlap(st, st_len, str, str_len) && struct_ok(b, st, st_len, str_len);
}

/* The checks in the order they report. */
static void (*const checks[])(struct check *c) = {
	check_chosen, check_psci, check_timer, check_gic, check_its, check_memory, check_cpus,
	check_console,
};

int av_dtcheck(const void *fdt, size_t size, av_dtcheck_fn fn, void *cookie,
	       struct av_dtcheck_summary *sum)
{
	struct check c;

	if (sum != NULL)
		memset(sum, 0, sizeof(*sum));
	if (fdt == NULL || ((uintptr_t)fdt & 7) != 0)
		return -AV_EINVAL;
	if (size > 0x7fffffff)
		size = 0x7fffffff;
	if (!header_ok(fdt, size) || fdt_check_full(fdt, size) != 0)
		return -AV_EBADIMG;

	memset(&c, 0, sizeof(c));
	c.fdt = fdt;
	c.fn = fn;
	c.cookie = cookie;

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		checks[i](&c);
		check_done(&c);
	}

	if (sum != NULL)
		*sum = c.sum;
	return 0;
}
