/* SPDX-License-Identifier: MIT */
/*
 * The device-tree side of IVC for the guest: finds the `armvirt,ivc-1.0` node (id, number
 * of VMs, send mask, doorbell, conduit, window, buffer children), the /reserved-memory
 * shared-memory entries, /memory and the reg ranges of the other top-level devices.
 * It scans the DTB whose address the runtime recorded in rt_plat.dtb.
 */
#include "ivc.h"

#define FDT_MAGIC      0xd00dfeedu
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE   2u
#define FDT_PROP       3u
#define FDT_NOP        4u
#define FDT_END        9u
#define DEPTH          12

struct ivc_state ivc;


struct node {
	const char *name;
	const uint8_t *reg, *intr, *compat;
	uint32_t reg_len, intr_len, compat_len;
	const char *label, *access, *method, *devtype;
	uint32_t ac, sc;                /* cells for the children */
	bool ranges;
	bool ivc, ivc_child, resv, resv_child, shm, memory;
	bool has_id, has_nr, has_mask;
	uint32_t id, nr, mask;
};

static bool has_str(const uint8_t *list, uint32_t len, const char *want)
{
	uint32_t i = 0;

	while (list && i < len) {
		const char *s = (const char *)list + i;

		if (strcmp(s, want) == 0)
			return true;
		i += (uint32_t)strlen(s) + 1;
	}
	return false;
}

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

static void finish_node(struct node *n, struct node *parent, unsigned depth)
{
	uint32_t ac = parent ? parent->ac : 2, sc = parent ? parent->sc : 1;
	uint32_t stride = 4 * (ac + sc);
	uint64_t base = 0, size = 0;
	bool have_reg = n->reg && ac >= 1 && ac <= 2 && sc <= 2 && n->reg_len >= stride;

	if (have_reg) {
		base = rt_dt_cells(n->reg, ac);
		size = rt_dt_cells(n->reg + 4 * ac, sc);
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
		if (n->intr && n->intr_len >= 12) {
			uint32_t type = rt_be32(n->intr), num = rt_be32(n->intr + 4), fl = rt_be32(n->intr + 8);

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
		for (uint32_t off = 0; have_reg && off + stride <= n->reg_len; off += stride)
			add_range(ivc.ram, &ivc.nram, 4, rt_dt_cells(n->reg + off, ac),
				  rt_dt_cells(n->reg + off + 4 * ac, sc));
		return;
	}
child_dev:
	/* Top-level devices, and children of a top-level node with an identity `ranges`. */
	if (!have_reg || n->memory || prefix(n->name, "cpu"))
		return;
	if (depth == 1 || (depth == 2 && parent && parent->ranges && !parent->resv)) {
		for (uint32_t off = 0; off + stride <= n->reg_len; off += stride)
			add_range(ivc.dev, &ivc.ndevs, IVC_MAX_DEVS, rt_dt_cells(n->reg + off, ac),
				  rt_dt_cells(n->reg + off + 4 * ac, sc));
	}
}

static int parse(const uint8_t *dtb)
{
	struct node st[DEPTH];
	const uint8_t *p, *end;
	const char *strs;
	int d = -1;

	if (!dtb || ((uint64_t)dtb & 3) || rt_be32(dtb) != FDT_MAGIC)
		return -1;
	ivc.dtb_size = rt_be32(dtb + 4);
	p = dtb + rt_be32(dtb + 8);
	strs = (const char *)dtb + rt_be32(dtb + 12);
	end = dtb + ivc.dtb_size;
	while (p + 4 <= end) {
		uint32_t tok = rt_be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			struct node *n, *par;

			if (++d >= DEPTH)
				return -2;
			n = &st[d];
			par = d > 0 ? &st[d - 1] : NULL;
			memset(n, 0, sizeof(*n));
			n->name = (const char *)p;
			n->ac = 2;
			n->sc = 1;
			n->ivc_child = par && par->ivc;
			n->resv_child = par && par->resv;
			n->resv = d == 1 && strcmp(n->name, "reserved-memory") == 0;
			n->memory = d == 1 && prefix(n->name, "memory");
			p += (strlen(n->name) + 4) & ~3ul;
		} else if (tok == FDT_PROP) {
			uint32_t len = rt_be32(p), off = rt_be32(p + 4);
			const uint8_t *v = p + 8;
			const char *nm = strs + off;
			struct node *n;

			p = v + ((len + 3) & ~3u);
			if (d < 0)
				return -3;
			n = &st[d];
			if (strcmp(nm, "compatible") == 0) {
				n->compat = v;
				n->compat_len = len;
				n->ivc = has_str(v, len, "armvirt,ivc-1.0");
				n->shm = has_str(v, len, "armvirt,shared-memory");
			} else if (strcmp(nm, "reg") == 0) {
				n->reg = v;
				n->reg_len = len;
			} else if (strcmp(nm, "interrupts") == 0) {
				n->intr = v;
				n->intr_len = len;
			} else if (strcmp(nm, "label") == 0) {
				n->label = (const char *)v;
			} else if (strcmp(nm, "armvirt,access") == 0) {
				n->access = (const char *)v;
			} else if (strcmp(nm, "method") == 0) {
				n->method = (const char *)v;
			} else if (strcmp(nm, "device_type") == 0) {
				n->devtype = (const char *)v;
				if (d == 1 && strcmp(n->devtype, "memory") == 0)
					n->memory = true;
			} else if (strcmp(nm, "ranges") == 0) {
				n->ranges = len == 0;
			} else if (strcmp(nm, "#address-cells") == 0 && len == 4) {
				n->ac = rt_be32(v);
			} else if (strcmp(nm, "#size-cells") == 0 && len == 4) {
				n->sc = rt_be32(v);
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
		} else if (tok == FDT_END_NODE) {
			if (d < 0)
				return -4;
			finish_node(&st[d], d > 0 ? &st[d - 1] : NULL, (unsigned)d);
			d--;
		} else if (tok == FDT_END) {
			break;
		} else if (tok != FDT_NOP) {
			return -5;
		}
	}
	return 0;
}

int ivc_dt_scan(void);
int ivc_dt_scan(void)
{
	uint64_t dtb = rt_plat.dtb;

	memset(&ivc, 0, sizeof(ivc));
	ivc.dtb = dtb;
	return parse((const uint8_t *)dtb);
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
