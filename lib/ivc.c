/* SPDX-License-Identifier: MIT */
/*
 * Inter-VM communication: mailboxes with doorbells, send permissions, broadcast, the
 * hypercall dispatcher, shared buffers in stage 2, and the guest device-tree node.
 *
 * Locking: one atomic_flag spinlock per mailbox (spin.h), never two held at once; the
 * doorbell callback runs under the receiver's lock so that a deposit's raise and an
 * acknowledgement's lower of a level doorbell reach the vGIC in the order the mailbox
 * changed. Everything else in struct av_ivc is written only by av_ivc_init().
 */
#include <armvirt/ivc.h>

#include <armvirt/log.h>

#include "compat.h"
#include "error_detail.h"
#include "spin.h"

#define INTID_PPI_FIRST 16u
#define INTID_SPI_FIRST 32u
#define INTID_SPI_LAST 1019u

/* ---- helpers ---- */

static void mbox_lock(struct av_ivc_mbox *m)
{
	av__spin_lock(&m->lock);
}

static void mbox_unlock(struct av_ivc_mbox *m)
{
	av__spin_unlock(&m->lock);
}

/*
 * Report a configuration problem written as "field: reason" (the field is everything
 * before the first ": ", e.g. "bufs[1].view[2].ipa") through av__error().
 */
__attribute__((format(printf, 3, 4)))
static int fail(struct av_error *err, int code, const char *fmt, ...)
{
	char line[sizeof(err->field) + sizeof(err->msg)];
	char *sep;
	va_list ap;

	if (err == NULL)
		return code;
	va_start(ap, fmt);
	av_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (sep = line; *sep != '\0' && !(sep[0] == ':' && sep[1] == ' '); sep++)
		;
	if (*sep == '\0')
		return av__error(err, code, "ivc", "", "%s", line);
	*sep = '\0';
	return av__error(err, code, "ivc", line, "%s", sep + 2);
}

static bool aligned(uint64_t v)
{
	return (v & (AV_IVC_BUF_ALIGN - 1)) == 0;
}

/* [a, a + as) and [b, b + bs) intersect (neither wraps). */
static bool overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

static size_t name_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* ---- configuration ---- */

static int check_vms(const struct av_ivc_config *cfg, struct av_error *err)
{
	for (unsigned v = 0; v < cfg->nr_vms; v++) {
		const struct av_ivc_vm_cfg *c = &cfg->vms[v];

		if (c->doorbell < INTID_PPI_FIRST || c->doorbell > INTID_SPI_LAST)
			return fail(err, -AV_ERANGE,
				    "vms[%u].doorbell: INTID %u is not a PPI or an SPI", v,
				    c->doorbell);
		if (c->trigger != AV_IVC_EDGE && c->trigger != AV_IVC_LEVEL)
			return fail(err, -AV_EINVAL, "vms[%u].trigger: %d is neither edge nor level",
				    v, (int)c->trigger);
	}
	return 0;
}

static int check_pairs(const struct av_ivc_config *cfg, struct av_error *err)
{
	if (cfg->npairs && cfg->pairs == NULL)
		return fail(err, -AV_EINVAL, "pairs: NULL table with %zu entries", cfg->npairs);
	for (size_t i = 0; i < cfg->npairs; i++) {
		const struct av_ivc_pair *p = &cfg->pairs[i];

		if (p->from >= cfg->nr_vms || p->to >= cfg->nr_vms)
			return fail(err, -AV_ERANGE, "pairs[%zu]: VM %u -> %u (only %u VMs)", i,
				    p->from, p->to, cfg->nr_vms);
		if (p->from == p->to)
			return fail(err, -AV_EINVAL, "pairs[%zu]: VM %u sends to itself", i, p->from);
	}
	return 0;
}

static int check_buf(const struct av_ivc_config *cfg, size_t i, struct av_error *err)
{
	const struct av_ivc_buf_cfg *b = &cfg->bufs[i];
	size_t len;

	if (b->name == NULL || (len = name_len(b->name, AV_IVC_NAME_MAX)) == 0)
		return fail(err, -AV_EINVAL, "bufs[%zu].name: missing", i);
	if (len >= AV_IVC_NAME_MAX)
		return fail(err, -AV_EINVAL, "bufs[%zu].name: longer than %u characters", i,
			    AV_IVC_NAME_MAX - 1);
	if (b->size == 0 || !aligned(b->size))
		return fail(err, -AV_EINVAL, "bufs[%zu].size: 0x%llx is not a non-zero multiple "
			    "of 4 KiB", i, (unsigned long long)b->size);
	if (!aligned(b->pa))
		return fail(err, -AV_EINVAL, "bufs[%zu].pa: 0x%llx is not 4 KiB aligned", i,
			    (unsigned long long)b->pa);
	if (b->pa + b->size < b->pa)
		return fail(err, -AV_ERANGE, "bufs[%zu]: 0x%llx+0x%llx wraps around", i,
			    (unsigned long long)b->pa, (unsigned long long)b->size);
	for (size_t j = 0; j < i; j++) {
		const struct av_ivc_buf_cfg *o = &cfg->bufs[j];

		if (overlap(b->pa, b->size, o->pa, o->size))
			return fail(err, -AV_EEXIST, "bufs[%zu]: PA range overlaps bufs[%zu]", i, j);
	}
	for (unsigned v = 0; v < AV_IVC_MAX_VMS; v++) {
		const struct av_ivc_view *w = &b->view[v];

		if (w->access == AV_IVC_ACCESS_NONE)
			continue;
		if (w->access != AV_IVC_ACCESS_RO && w->access != AV_IVC_ACCESS_RW)
			return fail(err, -AV_EINVAL, "bufs[%zu].view[%u].access: %d is unknown", i,
				    v, (int)w->access);
		if (v >= cfg->nr_vms)
			return fail(err, -AV_ERANGE, "bufs[%zu].view[%u]: VM %u does not exist", i,
				    v, v);
		if (!aligned(w->ipa))
			return fail(err, -AV_EINVAL, "bufs[%zu].view[%u].ipa: 0x%llx is not 4 KiB "
				    "aligned", i, v, (unsigned long long)w->ipa);
		if (w->ipa + b->size < w->ipa)
			return fail(err, -AV_ERANGE, "bufs[%zu].view[%u]: IPA range wraps around",
				    i, v);
		for (size_t j = 0; j < i; j++) {
			const struct av_ivc_buf_cfg *o = &cfg->bufs[j];

			if (o->view[v].access != AV_IVC_ACCESS_NONE &&
			    overlap(w->ipa, b->size, o->view[v].ipa, o->size))
				return fail(err, -AV_EEXIST, "bufs[%zu].view[%u]: IPA range overlaps "
					    "bufs[%zu] in VM %u", i, v, j, v);
		}
	}
	return 0;
}

int av_ivc_init(struct av_ivc *ivc, const struct av_ivc_config *cfg, struct av_error *err)
{
	int rc;

	if (ivc == NULL || cfg == NULL)
		return fail(err, -AV_EINVAL, "%s: NULL", ivc == NULL ? "ivc" : "cfg");
	if (cfg->nr_vms == 0 || cfg->nr_vms > AV_IVC_MAX_VMS)
		return fail(err, -AV_ERANGE, "nr_vms: %u (1..%u)", cfg->nr_vms, AV_IVC_MAX_VMS);
	if (cfg->vms == NULL)
		return fail(err, -AV_EINVAL, "vms: NULL");
	if (cfg->ops == NULL || cfg->ops->doorbell == NULL)
		return fail(err, -AV_EINVAL, "ops: no doorbell callback");
	if (cfg->nbufs > AV_IVC_MAX_BUFS)
		return fail(err, -AV_ERANGE, "nbufs: %zu (at most %u)", cfg->nbufs,
			    AV_IVC_MAX_BUFS);
	if (cfg->nbufs && cfg->bufs == NULL)
		return fail(err, -AV_EINVAL, "bufs: NULL table with %zu entries", cfg->nbufs);
	rc = check_vms(cfg, err);
	if (!rc)
		rc = check_pairs(cfg, err);
	for (size_t i = 0; !rc && i < cfg->nbufs; i++)
		rc = check_buf(cfg, i, err);
	if (rc)
		return rc;

	memset(ivc, 0, sizeof(*ivc));
	ivc->nr_vms = cfg->nr_vms;
	ivc->ops = cfg->ops;
	ivc->cookie = cfg->cookie;
	for (unsigned v = 0; v < cfg->nr_vms; v++)
		ivc->vm[v] = cfg->vms[v];
	for (unsigned v = 0; v < AV_IVC_MAX_VMS; v++)
		atomic_flag_clear(&ivc->mbox[v].lock);
	for (size_t i = 0; i < cfg->npairs; i++)
		ivc->allow[cfg->pairs[i].from] |= 1u << cfg->pairs[i].to;
	ivc->nbufs = (unsigned)cfg->nbufs;
	for (size_t i = 0; i < cfg->nbufs; i++) {
		const struct av_ivc_buf_cfg *b = &cfg->bufs[i];
		struct av_ivc_buf *d = &ivc->buf[i];

		memcpy(d->name, b->name, name_len(b->name, AV_IVC_NAME_MAX));
		d->pa = b->pa;
		d->size = b->size;
		for (unsigned v = 0; v < AV_IVC_MAX_VMS; v++) {
			d->view[v] = b->view[v];
			if (d->view[v].access == AV_IVC_ACCESS_NONE)
				d->view[v].ipa = 0;
		}
	}
	av__error_clear(err);
	return 0;
}

bool av_ivc_may_send(const struct av_ivc *ivc, unsigned from, unsigned to)
{
	if (ivc == NULL || from >= ivc->nr_vms || to >= ivc->nr_vms)
		return false;
	return (ivc->allow[from] >> to) & 1u;
}

/* ---- messages ---- */

/* Deposit into @to's mailbox (pair already checked). */
static int deposit(struct av_ivc *ivc, unsigned from, unsigned to, uint64_t w0, uint64_t w1,
		   uint64_t w2)
{
	struct av_ivc_mbox *m = &ivc->mbox[to];
	const struct av_ivc_vm_cfg *db = &ivc->vm[to];
	int rc = 0;

	mbox_lock(m);
	if (m->full) {
		m->busy++;
		rc = -AV_EBUSY;
	} else {
		m->msg.from = from;
		m->msg.w[0] = w0;
		m->msg.w[1] = w1;
		m->msg.w[2] = w2;
		__atomic_store_n(&m->full, true, __ATOMIC_RELAXED);
		m->delivered++;
		ivc->ops->doorbell(ivc->cookie, to, db->doorbell,
				   db->trigger == AV_IVC_LEVEL ? AV_IVC_DB_RAISE : AV_IVC_DB_PULSE);
	}
	mbox_unlock(m);
	return rc;
}

int av_ivc_send(struct av_ivc *ivc, unsigned from, unsigned to, uint64_t w0, uint64_t w1,
		uint64_t w2)
{
	if (ivc == NULL)
		return -AV_EINVAL;
	if (from >= ivc->nr_vms || to >= ivc->nr_vms)
		return -AV_ENOENT;
	if (from == to)
		return -AV_EINVAL;
	if (!av_ivc_may_send(ivc, from, to))
		return -AV_EPERM;
	return deposit(ivc, from, to, w0, w1, w2);
}

int av_ivc_broadcast(struct av_ivc *ivc, unsigned from, uint64_t w0, uint64_t w1, uint64_t w2,
		     struct av_ivc_bcast *res)
{
	struct av_ivc_bcast r = { 0, 0, 0 };
	int count = 0;

	if (res != NULL)
		*res = r;
	if (ivc == NULL)
		return -AV_EINVAL;
	if (from >= ivc->nr_vms)
		return -AV_ENOENT;
	for (unsigned to = 0; to < ivc->nr_vms; to++) {
		if (to == from)
			continue;
		if (!av_ivc_may_send(ivc, from, to)) {
			r.denied |= 1u << to;
		} else if (deposit(ivc, from, to, w0, w1, w2) == 0) {
			r.delivered |= 1u << to;
			count++;
		} else {
			r.busy |= 1u << to;
		}
	}
	if (res != NULL)
		*res = r;
	return count;
}

/* Read and/or acknowledge @vm's message under its lock. */
static int recv_ack(struct av_ivc *ivc, unsigned vm, struct av_ivc_msg *out, bool ack)
{
	struct av_ivc_mbox *m;
	int rc = 0;

	if (vm >= ivc->nr_vms)
		return -AV_ENOENT;
	m = &ivc->mbox[vm];
	mbox_lock(m);
	if (!m->full) {
		rc = -AV_ENOENT;
	} else {
		if (out != NULL)
			*out = m->msg;
		if (ack) {
			__atomic_store_n(&m->full, false, __ATOMIC_RELAXED);
			if (ivc->vm[vm].trigger == AV_IVC_LEVEL)
				ivc->ops->doorbell(ivc->cookie, vm, ivc->vm[vm].doorbell,
						   AV_IVC_DB_LOWER);
		}
	}
	mbox_unlock(m);
	return rc;
}

int av_ivc_recv(struct av_ivc *ivc, unsigned vm, struct av_ivc_msg *out)
{
	if (ivc == NULL || out == NULL)
		return -AV_EINVAL;
	return recv_ack(ivc, vm, out, false);
}

int av_ivc_ack(struct av_ivc *ivc, unsigned vm)
{
	if (ivc == NULL)
		return -AV_EINVAL;
	return recv_ack(ivc, vm, NULL, true);
}

int av_ivc_take(struct av_ivc *ivc, unsigned vm, struct av_ivc_msg *out)
{
	if (ivc == NULL || out == NULL)
		return -AV_EINVAL;
	return recv_ack(ivc, vm, out, true);
}

bool av_ivc_pending(struct av_ivc *ivc, unsigned vm)
{
	if (ivc == NULL || vm >= ivc->nr_vms)
		return false;
	return __atomic_load_n(&ivc->mbox[vm].full, __ATOMIC_RELAXED);
}

/* ---- hypercalls ---- */

/* Guest status for a library error of a send. */
static int64_t send_status(int rc)
{
	switch (rc) {
	case 0:
		return AV_IVC_HC_SUCCESS;
	case -AV_EBUSY:
		return AV_IVC_HC_BUSY;
	case -AV_EPERM:
		return AV_IVC_HC_DENIED;
	case -AV_ENOENT:
		return AV_IVC_HC_NO_VM;
	default:
		return AV_IVC_HC_INVALID;
	}
}

static void set_x0(struct av_regs *regs, int64_t status)
{
	regs->x[0] = (uint64_t)status;
}

int av_ivc_hypercall(struct av_ivc *ivc, unsigned vm, struct av_regs *regs)
{
	uint32_t fid;
	struct av_ivc_msg msg;
	struct av_ivc_bcast b;
	uint64_t to, flags;
	int rc;

	if (ivc == NULL || regs == NULL || vm >= ivc->nr_vms)
		return -AV_EINVAL;
	fid = (uint32_t)regs->x[0];
	switch (fid) {
	case AV_IVC_HC_SEND:
		to = regs->x[1];
		if (to >= ivc->nr_vms) {
			set_x0(regs, AV_IVC_HC_NO_VM);
			return 0;
		}
		rc = av_ivc_send(ivc, vm, (unsigned)to, regs->x[2], regs->x[3], regs->x[4]);
		set_x0(regs, send_status(rc));
		return 0;
	case AV_IVC_HC_RECV:
		flags = regs->x[1];
		if (flags & ~(uint64_t)AV_IVC_RECV_ACK) {
			set_x0(regs, AV_IVC_HC_INVALID);
			return 0;
		}
		rc = recv_ack(ivc, vm, &msg, flags & AV_IVC_RECV_ACK);
		if (rc) {
			set_x0(regs, AV_IVC_HC_NO_MESSAGE);
			for (unsigned i = 1; i <= 4; i++)
				regs->x[i] = 0;
			return 0;
		}
		set_x0(regs, AV_IVC_HC_SUCCESS);
		regs->x[1] = msg.from;
		regs->x[2] = msg.w[0];
		regs->x[3] = msg.w[1];
		regs->x[4] = msg.w[2];
		return 0;
	case AV_IVC_HC_ACK:
		rc = av_ivc_ack(ivc, vm);
		set_x0(regs, rc ? AV_IVC_HC_NO_MESSAGE : AV_IVC_HC_SUCCESS);
		return 0;
	case AV_IVC_HC_BROADCAST:
		rc = av_ivc_broadcast(ivc, vm, regs->x[1], regs->x[2], regs->x[3], &b);
		set_x0(regs, rc);
		regs->x[1] = b.delivered;
		regs->x[2] = b.busy;
		regs->x[3] = b.denied;
		return 0;
	case AV_IVC_HC_INFO:
		set_x0(regs, AV_IVC_HC_SUCCESS);
		regs->x[1] = vm;
		regs->x[2] = ivc->nr_vms;
		regs->x[3] = ivc->allow[vm];
		return 0;
	default:
		return -AV_ENOTSUP;
	}
}

const char *av_ivc_hc_status_name(int64_t status)
{
	switch (status) {
	case AV_IVC_HC_SUCCESS:
		return "SUCCESS";
	case AV_IVC_HC_NOT_SUPPORTED:
		return "NOT_SUPPORTED";
	case AV_IVC_HC_INVALID:
		return "INVALID_PARAMETERS";
	case AV_IVC_HC_DENIED:
		return "DENIED";
	case AV_IVC_HC_NO_VM:
		return "NO_SUCH_VM";
	case AV_IVC_HC_NO_MESSAGE:
		return "NO_MESSAGE";
	case AV_IVC_HC_BUSY:
		return "BUSY";
	default:
		return "?";
	}
}

/* ---- shared buffers ---- */

unsigned av_ivc_nr_bufs(const struct av_ivc *ivc)
{
	return ivc ? ivc->nbufs : 0;
}

const struct av_ivc_buf *av_ivc_buf(const struct av_ivc *ivc, unsigned i)
{
	if (ivc == NULL || i >= ivc->nbufs)
		return NULL;
	return &ivc->buf[i];
}

static uint32_t view_prot(enum av_ivc_access a)
{
	return a == AV_IVC_ACCESS_RW ? (uint32_t)(AV_S2_R | AV_S2_W) : (uint32_t)AV_S2_R;
}

size_t av_ivc_shmem_pages_max(const struct av_ivc *ivc, unsigned vm, const struct av_s2 *s2)
{
	size_t n = 0;

	if (ivc == NULL || s2 == NULL || vm >= ivc->nr_vms)
		return 0;
	for (unsigned i = 0; i < ivc->nbufs; i++) {
		const struct av_ivc_buf *b = &ivc->buf[i];

		if (b->view[vm].access != AV_IVC_ACCESS_NONE)
			n += av_s2_map_pages_max(s2, b->view[vm].ipa, b->size, b->pa, 0);
	}
	return n;
}

int av_ivc_shmem_map(const struct av_ivc *ivc, unsigned vm, struct av_s2 *s2,
		     struct av_memcache *mc)
{
	int rc = 0;
	unsigned i;

	if (ivc == NULL || s2 == NULL || mc == NULL)
		return -AV_EINVAL;
	if (vm >= ivc->nr_vms)
		return -AV_ENOENT;
	for (i = 0; i < ivc->nbufs; i++) {
		const struct av_ivc_buf *b = &ivc->buf[i];
		const struct av_ivc_view *w = &b->view[vm];
		uint64_t done = w->ipa;

		if (w->access == AV_IVC_ACCESS_NONE)
			continue;
		rc = av_s2_map(s2, w->ipa, b->size, b->pa, view_prot(w->access), 0, mc, &done);
		if (rc) {
			if (done > w->ipa)
				av_s2_unmap(s2, w->ipa, done - w->ipa, mc, NULL);
			break;
		}
	}
	if (rc) {
		/* Undo the views this call mapped before the failing one. */
		while (i-- > 0) {
			const struct av_ivc_buf *b = &ivc->buf[i];

			if (b->view[vm].access != AV_IVC_ACCESS_NONE)
				av_s2_unmap(s2, b->view[vm].ipa, b->size, mc, NULL);
		}
	}
	return rc;
}

int av_ivc_shmem_unmap(const struct av_ivc *ivc, unsigned vm, struct av_s2 *s2,
		       struct av_memcache *mc)
{
	int rc = 0;

	if (ivc == NULL || s2 == NULL)
		return -AV_EINVAL;
	if (vm >= ivc->nr_vms)
		return -AV_ENOENT;
	for (unsigned i = 0; !rc && i < ivc->nbufs; i++) {
		const struct av_ivc_buf *b = &ivc->buf[i];

		if (b->view[vm].access != AV_IVC_ACCESS_NONE)
			rc = av_s2_unmap(s2, b->view[vm].ipa, b->size, mc, NULL);
	}
	return rc;
}

int av_ivc_owned_ranges(const struct av_ivc *ivc, unsigned vm, const struct av_s2_pa_range *ram,
			size_t nram, struct av_s2_pa_range *out, size_t cap, size_t *n)
{
	size_t k = nram;

	if (ivc == NULL || out == NULL || n == NULL || (nram && ram == NULL))
		return -AV_EINVAL;
	if (vm >= ivc->nr_vms)
		return -AV_ENOENT;
	for (unsigned i = 0; i < ivc->nbufs; i++)
		if (ivc->buf[i].view[vm].access != AV_IVC_ACCESS_NONE)
			k++;
	if (k > cap)
		return -AV_ENOSPC;
	for (size_t i = 0; i < nram; i++)
		out[i] = ram[i];
	k = nram;
	for (unsigned i = 0; i < ivc->nbufs; i++) {
		if (ivc->buf[i].view[vm].access == AV_IVC_ACCESS_NONE)
			continue;
		out[k].pa = ivc->buf[i].pa;
		out[k].size = ivc->buf[i].size;
		k++;
	}
	*n = k;
	return 0;
}

/* ---- device tree ---- */

/* The av_ivc_dt that holds @ops (its first member). */
static const struct av_ivc_dt *dt_of(const struct av_dt_dev_ops *ops)
{
	return (const struct av_ivc_dt *)(const void *)ops;
}

static int emit_doorbell(struct av_dt_ctx *ctx, const struct av_ivc_vm_cfg *db)
{
	const struct av_vmspec *spec = ctx->spec;
	uint32_t flags = db->trigger == AV_IVC_LEVEL ? AV_DT_IRQ_LEVEL_HIGH : AV_DT_IRQ_EDGE_RISING;
	uint32_t cells[3];

	if (db->doorbell >= INTID_SPI_FIRST) {
		cells[0] = AV_DT_IRQ_TYPE_SPI;
		cells[1] = db->doorbell - INTID_SPI_FIRST;
	} else {
		cells[0] = AV_DT_IRQ_TYPE_PPI;
		cells[1] = db->doorbell - INTID_PPI_FIRST;
		if (spec->gic.version == AV_VMSPEC_GICV2) {
			uint32_t cpus = spec->nr_vcpus >= 8 ? 0xffu : (1u << spec->nr_vcpus) - 1;

			flags |= (uint32_t)AV_FIELD_PREP(AV_DT_IRQ_PPI_CPUS, cpus);
		}
	}
	cells[2] = flags;
	return av_dt_prop_cells(ctx, "interrupts", cells, 3);
}

static int emit_buffer(struct av_dt_ctx *ctx, const struct av_ivc_buf *b,
		       const struct av_ivc_view *w)
{
	int rc;

	rc = av_dt_begin_node(ctx, "buffer", w->ipa);
	if (!rc)
		rc = av_dt_prop_reg(ctx, w->ipa, b->size);
	if (!rc)
		rc = av_dt_prop_str(ctx, "label", b->name);
	if (!rc)
		rc = av_dt_prop_str(ctx, "armvirt,access",
				    w->access == AV_IVC_ACCESS_RW ? "rw" : "ro");
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int ivc_emit(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	const struct av_ivc_dt *dt = dt_of(dev->ops);
	const struct av_ivc *ivc = dt->ivc;
	unsigned vm = dt->vm;
	int rc;

	if (ivc == NULL || vm >= ivc->nr_vms)
		return -AV_EINVAL;
	rc = av_dt_begin_dev(ctx, dev);
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", AV_IVC_DT_COMPATIBLE);
	if (!rc)
		rc = av_dt_prop_reg(ctx, dev->mmio.base, dev->mmio.size);
	if (!rc)
		rc = emit_doorbell(ctx, &ivc->vm[vm]);
	if (!rc)
		rc = av_dt_prop_str(ctx, "method",
				    ctx->spec->psci.conduit == AV_VMSPEC_CONDUIT_SMC ? "smc" : "hvc");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "armvirt,vm-id", vm);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "armvirt,nr-vms", ivc->nr_vms);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "armvirt,send-mask", ivc->allow[vm]);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#address-cells", 2);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#size-cells", 2);
	if (!rc)
		rc = av_dt_prop_empty(ctx, "ranges");
	for (unsigned i = 0; !rc && i < ivc->nbufs; i++) {
		const struct av_ivc_view *w = &ivc->buf[i].view[vm];

		if (w->access != AV_IVC_ACCESS_NONE)
			rc = emit_buffer(ctx, &ivc->buf[i], w);
	}
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

int av_ivc_vmspec_add(const struct av_ivc *ivc, unsigned vm, struct av_vmspec *spec,
		      struct av_ivc_dt *dt, uint64_t window)
{
	const struct av_ivc_vm_cfg *db;
	unsigned nviews = 0;
	struct av_vmspec_dev *dev;

	if (ivc == NULL || spec == NULL || dt == NULL || !aligned(window))
		return -AV_EINVAL;
	if (vm >= ivc->nr_vms)
		return -AV_ENOENT;
	db = &ivc->vm[vm];
	if (db->doorbell < INTID_SPI_FIRST &&
	    (db->doorbell == spec->timer.sec_phys_intid || db->doorbell == spec->timer.phys_intid ||
	     db->doorbell == spec->timer.virt_intid || db->doorbell == spec->timer.hyp_intid ||
	     db->doorbell == spec->gic.maint_intid))
		return -AV_EEXIST;
	for (unsigned i = 0; i < ivc->nbufs; i++)
		if (ivc->buf[i].view[vm].access != AV_IVC_ACCESS_NONE)
			nviews++;
	if (spec->nr_shmem > AV_VMSPEC_MAX_SHMEM ||
	    nviews > AV_VMSPEC_MAX_SHMEM - spec->nr_shmem ||
	    spec->nr_devs >= AV_VMSPEC_MAX_DEVS)
		return -AV_ENOSPC;

	memset(dt, 0, sizeof(*dt));
	dt->ops.name = "ivc";
	dt->ops.align = AV_IVC_DT_WINDOW_SIZE;
	dt->ops.needs_irq = false;
	dt->ops.emit = ivc_emit;
	dt->ivc = ivc;
	dt->vm = vm;

	for (unsigned i = 0; i < ivc->nbufs; i++) {
		const struct av_ivc_view *w = &ivc->buf[i].view[vm];
		struct av_vmspec_shmem *s;

		if (w->access == AV_IVC_ACCESS_NONE)
			continue;
		s = &spec->shmem[spec->nr_shmem++];
		s->region.base = w->ipa;
		s->region.size = ivc->buf[i].size;
		s->compatible = NULL;
	}
	dev = &spec->devs[spec->nr_devs++];
	dev->ops = &dt->ops;
	dev->mmio.base = window;
	dev->mmio.size = AV_IVC_DT_WINDOW_SIZE;
	dev->spi = db->doorbell >= INTID_SPI_FIRST ? db->doorbell - INTID_SPI_FIRST
						   : AV_VMSPEC_NO_IRQ;
	return 0;
}
