/* SPDX-License-Identifier: MIT */
/*
 * The device-tree side of IVC for the guest: finds the `armvirt,ivc-1.0` node (id, number
 * of VMs, send mask, doorbell, conduit, window, buffer children), the /reserved-memory
 * shared-memory entries, /memory and the reg ranges of the other top-level devices.
 * It scans the DTB whose address the runtime recorded in rt_plat.dtb.
 */
#include "ivc.h"

struct ivc_state ivc;

/* What the scan keeps of a node beside the walker's part (indexed by depth). */
struct node {
	const char *label, *access, *method, *devtype;
	bool ranges;
	bool ivc, ivc_child, resv, resv_child, shm, memory;
	bool has_id, has_nr, has_mask;
	uint32_t id, nr, mask;
};

static struct node nodes[RT_DT_MAX_DEPTH];

static bool prefix(const char *s, const char *p)
{
	return memcmp(s, p, strlen(p)) == 0;
}

static void add_range(struct ivc_range *r, unsigned *n, unsigned cap, uint64_t b, uint64_t s)
{
	if (*n < cap) {
		r[*n].base = b;
		r[*n].size = s;
		(*n)++;
	}
}

static void copy_str(char *d, size_t cap, const char *s)
{
	size_t i = 0;

	for (; s && s[i] && i + 1 < cap; i++)
		d[i] = s[i];
	d[i] = '\0';
}

static void scan_begin(const struct rt_dt_node *dn, void *ctx)
{
	struct node *n = &nodes[dn->depth];
	const struct node *par = dn->depth > 0 ? &nodes[dn->depth - 1] : NULL;

	(void)ctx;
	memset(n, 0, sizeof(*n));
	n->ivc_child = par && par->ivc;
	n->resv_child = par && par->resv;
	n->resv = dn->depth == 1 && strcmp(dn->name, "reserved-memory") == 0;
	n->memory = dn->depth == 1 && prefix(dn->name, "memory");
}

static void scan_prop(const struct rt_dt_node *dn, const char *nm, const uint8_t *v, uint32_t len,
		      void *ctx)
{
	struct node *n = &nodes[dn->depth];

	(void)ctx;
	if (strcmp(nm, "compatible") == 0) {
		n->ivc = rt_dt_strlist_has((const char *)v, len, "armvirt,ivc-1.0");
		n->shm = rt_dt_strlist_has((const char *)v, len, "armvirt,shared-memory");
	} else if (strcmp(nm, "label") == 0) {
		n->label = (const char *)v;
	} else if (strcmp(nm, "armvirt,access") == 0) {
		n->access = (const char *)v;
	} else if (strcmp(nm, "method") == 0) {
		n->method = (const char *)v;
	} else if (strcmp(nm, "device_type") == 0) {
		n->devtype = (const char *)v;
		if (dn->depth == 1 && strcmp(n->devtype, "memory") == 0)
			n->memory = true;
	} else if (strcmp(nm, "ranges") == 0) {
		n->ranges = len == 0;
	} else if (len == 4 && strcmp(nm, "armvirt,vm-id") == 0) {
		n->has_id = true;
		n->id = rt_be32(v);
	} else if (len == 4 && strcmp(nm, "armvirt,nr-vms") == 0) {
		n->has_nr = true;
		n->nr = rt_be32(v);
	} else if (len == 4 && strcmp(nm, "armvirt,send-mask") == 0) {
		n->has_mask = true;
		n->mask = rt_be32(v);
	}
}

static void scan_end(const struct rt_dt_node *dn, void *ctx)
{
	const struct node *n = &nodes[dn->depth];
	const struct node *parent = dn->depth > 0 ? &nodes[dn->depth - 1] : NULL;
	unsigned depth = dn->depth;
	uint32_t ac = dn->parent ? dn->parent->ac : 2, sc = dn->parent ? dn->parent->sc : 1;
	uint32_t stride = 4 * (ac + sc);
	uint64_t base = 0, size = 0;
	bool have_reg = dn->reg && ac >= 1 && ac <= 2 && sc <= 2 && dn->reg_len >= stride;

	(void)ctx;
	if (have_reg) {
		base = rt_dt_cells(dn->reg, ac);
		size = rt_dt_cells(dn->reg + 4 * ac, sc);
	}
	if (n->ivc) {
		ivc.node = true;
		ivc.dt_smc = n->method && strcmp(n->method, "smc") == 0;
		ivc.dt_has_id = n->has_id;
		ivc.dt_has_nr = n->has_nr;
		ivc.dt_has_mask = n->has_mask;
		ivc.dt_id = n->id;
		ivc.dt_nr_vms = n->nr;
		ivc.dt_send_mask = n->mask;
		if (have_reg) {
			ivc.window.base = base;
			ivc.window.size = size;
		}
		/* interrupts = <type number flags>: type 0 SPI (+32), 1 PPI (+16) */
		if (dn->intr && dn->intr_len >= 12) {
			uint32_t type = rt_be32(dn->intr), num = rt_be32(dn->intr + 4);
			uint32_t fl = rt_be32(dn->intr + 8);

			ivc.db_intid = num + (type == 1 ? 16 : 32);
			ivc.db_level = (fl & 0xf) == 4 || (fl & 0xf) == 8;
		}
		return;
	}
	if (n->ivc_child && have_reg && ivc.nbufs < IVC_MAX_BUFS) {
		struct ivc_buf *b = &ivc.buf[ivc.nbufs++];

		b->ipa = base;
		b->size = size;
		copy_str(b->label, sizeof(b->label), n->label);
		b->rw = n->access && strcmp(n->access, "rw") == 0;
		b->access_ok = n->access && (b->rw || strcmp(n->access, "ro") == 0);
		return;
	}
	if (n->resv_child) {
		if (n->shm && have_reg)
			add_range(ivc.shm, &ivc.nshm, IVC_MAX_BUFS, base, size);
		return;
	}
	if (depth != 1 || n->resv)
		goto child_dev;
	if (n->memory) {
		for (uint32_t off = 0; have_reg && off + stride <= dn->reg_len; off += stride)
			add_range(ivc.ram, &ivc.nram, 4, rt_dt_cells(dn->reg + off, ac),
				  rt_dt_cells(dn->reg + off + 4 * ac, sc));
		return;
	}
child_dev:
	/* Top-level devices, and children of a top-level node with an identity `ranges`. */
	if (!have_reg || n->memory || prefix(dn->name, "cpu"))
		return;
	if (depth == 1 || (depth == 2 && parent && parent->ranges && !parent->resv)) {
		for (uint32_t off = 0; off + stride <= dn->reg_len; off += stride)
			add_range(ivc.dev, &ivc.ndevs, IVC_MAX_DEVS, rt_dt_cells(dn->reg + off, ac),
				  rt_dt_cells(dn->reg + off + 4 * ac, sc));
	}
}

int ivc_dt_scan(void);
int ivc_dt_scan(void)
{
	static const struct rt_dt_walker w = { scan_begin, scan_prop, scan_end, NULL };
	uint32_t size = 0;
	int rc;

	memset(&ivc, 0, sizeof(ivc));
	ivc.dtb = rt_plat.dtb;
	rc = rt_dt_walk(rt_plat.dtb, &w, &size);
	ivc.dtb_size = size;
	return rc;
}

bool ivc_range_has(const struct ivc_range *r, unsigned n, uint64_t addr)
{
	for (unsigned i = 0; i < n; i++)
		if (addr >= r[i].base && addr - r[i].base < r[i].size)
			return true;
	return false;
}

const struct ivc_buf *ivc_find_buf(const char *label)
{
	for (unsigned i = 0; i < ivc.nbufs; i++)
		if (strcmp(ivc.buf[i].label, label) == 0)
			return &ivc.buf[i];
	return NULL;
}
