/* SPDX-License-Identifier: MIT */
/*
 * vGIC core: per-IRQ state, per-vCPU pending lists, injection, list-register flush/sync,
 * the generic MMIO region walker and save/restore.
 *
 * Lock order
 * ----------
 *   1. the distributor lock (AV_VGIC_LOCK_DIST)
 *   2. one vCPU lock (a vCPU index)
 *
 * - The distributor lock protects GICD_CTLR and the whole state of every SPI.
 * - A vCPU's lock protects its pending list (list links, owner, LR bookkeeping of whatever
 *   is on it) and the whole state of its private IRQs (SGIs and PPIs).
 * - Never take the distributor lock while holding a vCPU lock, and never hold two vCPU
 *   locks at once. Moving an SPI between vCPUs is done under the distributor lock, taking
 *   the old and then the new owner's lock one after the other.
 * - av_vgic_flush(), av_vgic_sync() and av_vgic_has_pending() take the distributor lock,
 *   then the vCPU's lock, when an SPI is on the vCPU's list (av_vgic_vcpu::nr_spis counts
 *   them; an SPI in one of its LRs is listed there); with only private interrupts listed,
 *   the vCPU's lock alone covers all they touch. The count is looked at without a lock to
 *   choose, and again under the vCPU's lock.
 *   SPI injection takes the distributor lock; PPI and SGI injection take only the target
 *   vCPU's lock. The kick hook runs after every lock is released.
 * - GICD_CTLR is written under the distributor lock but read (atomically) by whatever
 *   evaluates a private interrupt under its vCPU's lock alone. A write that enables a group
 *   then takes every vCPU's lock (av__vgic_kick_deliverable()), so a reader either saw the
 *   new value or is kicked after it; a disabling write is as if it came after the reader.
 * - An SPI's target vCPU (av_vgic_irq::target) is computed when its routing changes
 *   (IROUTER, ITARGETSR, GICR_WAKER for IRM = 1, a restore), under the distributor lock.
 * - The built-in locks are spin.h's (a waiter waits with WFE on AArch64); lock_ops
 *   replaces them all.
 *
 * A pending list holds every IRQ routed to that vCPU that is pending, active or in a list
 * register, ordered by priority (FIFO among equals). Flush filters out what is not
 * deliverable (disabled, or its group disabled in GICD_CTLR).
 */
#include <armvirt/vgic.h>

#include "compat.h"
#include "error_detail.h"
#include "spin.h"
#include "vgic_internal.h"

#define SPI_BASE (AV_VGIC_MAX_VCPUS * AV_VGIC_NR_PRIVATE)

/* ---- locks ---- */

void av__vgic_lock_dist(struct av_vgic *vgic)
{
	if (vgic->lock_ops)
		vgic->lock_ops->lock(vgic->lock_cookie, AV_VGIC_LOCK_DIST);
	else
		av__spin_lock(&vgic->dist_lock);
}

void av__vgic_unlock_dist(struct av_vgic *vgic)
{
	if (vgic->lock_ops)
		vgic->lock_ops->unlock(vgic->lock_cookie, AV_VGIC_LOCK_DIST);
	else
		av__spin_unlock(&vgic->dist_lock);
}

void av__vgic_lock_vcpu(struct av_vgic *vgic, unsigned vcpu)
{
	if (vgic->lock_ops)
		vgic->lock_ops->lock(vgic->lock_cookie, vcpu);
	else
		av__spin_lock(&vgic->vcpu[vcpu].lock);
}

void av__vgic_unlock_vcpu(struct av_vgic *vgic, unsigned vcpu)
{
	if (vgic->lock_ops)
		vgic->lock_ops->unlock(vgic->lock_cookie, vcpu);
	else
		av__spin_unlock(&vgic->vcpu[vcpu].lock);
}

/* Lock whatever protects @irq's state. */
static void irq_lock(struct av_vgic *vgic, struct av_vgic_irq *irq)
{
	if (irq->intid < AV_VGIC_NR_PRIVATE)
		av__vgic_lock_vcpu(vgic, av__vgic_irq_bank(vgic, irq));
	else
		av__vgic_lock_dist(vgic);
}

static void irq_unlock(struct av_vgic *vgic, struct av_vgic_irq *irq)
{
	if (irq->intid < AV_VGIC_NR_PRIVATE)
		av__vgic_unlock_vcpu(vgic, av__vgic_irq_bank(vgic, irq));
	else
		av__vgic_unlock_dist(vgic);
}

/* av__vgic_kick(), inlined into injection. */
static inline void kick_vcpus(struct av_vgic *vgic, uint64_t mask, uint64_t *kicked)
{
	if (kicked)
		*kicked |= mask;
	if (!vgic->kick)
		return;
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): nr_vcpus >= 1 */
	for (mask &= AV_GENMASK(vgic->nr_vcpus - 1, 0); mask; mask &= mask - 1)
		vgic->kick(vgic->kick_cookie, (unsigned)__builtin_ctzll(mask));
}

void av__vgic_kick(struct av_vgic *vgic, uint64_t mask, uint64_t *kicked)
{
	kick_vcpus(vgic, mask, kicked);
}

/* ---- IRQ lookup and predicates ---- */

static uint16_t irq_slot(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	return (uint16_t)(irq - vgic->irq);
}

unsigned av__vgic_irq_bank(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	return irq_slot(vgic, irq) / AV_VGIC_NR_PRIVATE;
}

struct av_vgic_irq *av__vgic_irq(struct av_vgic *vgic, unsigned vcpu, uint32_t intid)
{
	if (intid < AV_VGIC_NR_PRIVATE) {
		if (vcpu >= vgic->nr_vcpus)
			return NULL;
		return &vgic->irq[vcpu * AV_VGIC_NR_PRIVATE + intid];
	}
	if (intid - AV_VGIC_NR_PRIVATE >= vgic->nr_spis)
		return NULL;
	return &vgic->irq[SPI_BASE + intid - AV_VGIC_NR_PRIVATE];
}

static bool is_v2_sgi(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	return vgic->model == AV_VGIC_V2 && irq->intid < AV_VGIC_NR_SGIS;
}

/*
 * Pending as the vGIC tracks it. A HW-linked interrupt is the exception: while it is
 * active, the physical distributor owns its state (the physical interrupt stays active
 * until the guest's deactivation of the virtual one deactivates it, so the physical line
 * cannot be signalled again) and a HW list register cannot be pending and active at once.
 * Neither its line nor a latch makes it pending in the vGIC then: counting them would hold
 * a pending part back behind the active LR and arm the no-pending maintenance interrupt,
 * which fires at once (no LR is pending) and again after every re-entry until the guest
 * deactivates. The deactivation clears line and latch (lr_fold()); a line still high
 * then reaches the host as a new physical interrupt, which injects it again.
 */
bool av__vgic_irq_pending(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	if ((irq->flags & (AV_VGIC_IRQF_HW | AV_VGIC_IRQF_ACTIVE)) ==
	    (AV_VGIC_IRQF_HW | AV_VGIC_IRQF_ACTIVE))
		return false;
	if (is_v2_sgi(vgic, irq))
		return irq->sgi_src != 0;
	if (irq->flags & AV_VGIC_IRQF_LATCH)
		return true;
	return (irq->flags & (AV_VGIC_IRQF_LINE | AV_VGIC_IRQF_EDGE)) == AV_VGIC_IRQF_LINE;
}

/* Enabled, and its group enabled in GICD_CTLR. */
static inline bool irq_can_fire(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	uint32_t grp = (irq->flags & AV_VGIC_IRQF_GROUP1) ? AV_GICD_CTLR_ENABLE_G1
							  : AV_GICD_CTLR_ENABLE_G0;

	/* Atomic: a private IRQ is evaluated without the distributor lock (see the top). */
	return (irq->flags & AV_VGIC_IRQF_ENABLED) &&
	       (__atomic_load_n(&vgic->ctlr, __ATOMIC_RELAXED) & grp);
}

static inline bool irq_deliverable(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	return irq_can_fire(vgic, irq) && av__vgic_irq_pending(vgic, irq);
}

/*
 * Set the line of a level-sensitive interrupt registered with av_vgic_set_resample() from
 * the host's callback, unless it is active or in an LR (there the LR or the physical GIC
 * holds the state) or the callback cannot tell. The IRQ's lock is held. True when the line
 * changed: the caller re-evaluates the list membership.
 */
static inline bool irq_resample(struct av_vgic *vgic, struct av_vgic_irq *irq)
{
	uint8_t old = irq->flags;
	int level;

	if (!(old & AV_VGIC_IRQF_RESAMPLE) || (old & (AV_VGIC_IRQF_EDGE | AV_VGIC_IRQF_ACTIVE)) ||
	    irq->lr != VGIC_NO_LR || !vgic->line_level)
		return false;
	level = vgic->line_level(vgic->line_level_cookie,
				 irq->intid < AV_VGIC_NR_PRIVATE ? av__vgic_irq_bank(vgic, irq) : 0,
				 irq->intid);
	if (level < 0)
		return false;
	if (level)
		irq->flags |= AV_VGIC_IRQF_LINE;
	else
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_LINE;
	return irq->flags != old;
}

/* The vCPU an IRQ should be listed on, or VGIC_NO_VCPU: what av_vgic_irq::target keeps. */
static unsigned irq_route(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	if (irq->intid < AV_VGIC_NR_PRIVATE)
		return av__vgic_irq_bank(vgic, irq);
	if (vgic->model == AV_VGIC_V2) {
		for (unsigned v = 0; v < vgic->nr_vcpus; v++)
			if (irq->targets & AV_BIT(v))
				return v;
		return VGIC_NO_VCPU;
	}
	if (irq->irouter & AV_GICD_IROUTER_IRM) {
		for (unsigned v = 0; v < vgic->nr_vcpus; v++)
			if (!vgic->vcpu[v].asleep)
				return v;
		return 0;
	}
	for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
		uint64_t m = vgic->vcpu[v].mpidr;

		if (AV_FIELD_GET(AV_MPIDR_AFF0, m) == AV_FIELD_GET(AV_GICD_IROUTER_AFF0, irq->irouter) &&
		    AV_FIELD_GET(AV_MPIDR_AFF1, m) == AV_FIELD_GET(AV_GICD_IROUTER_AFF1, irq->irouter) &&
		    AV_FIELD_GET(AV_MPIDR_AFF2, m) == AV_FIELD_GET(AV_GICD_IROUTER_AFF2, irq->irouter) &&
		    AV_FIELD_GET(AV_MPIDR_AFF3, m) == AV_FIELD_GET(AV_GICD_IROUTER_AFF3, irq->irouter))
			return v;
	}
	return VGIC_NO_VCPU;
}

unsigned av__vgic_irq_route(const struct av_vgic *vgic, const struct av_vgic_irq *irq)
{
	return irq_route(vgic, irq);
}

void av__vgic_irq_retarget(struct av_vgic *vgic, struct av_vgic_irq *irq)
{
	irq->target = (uint8_t)irq_route(vgic, irq);
}

void av__vgic_retarget_irm(struct av_vgic *vgic)
{
	for (unsigned i = 0; i < vgic->nr_spis; i++) {
		struct av_vgic_irq *irq = &vgic->irq[SPI_BASE + i];

		if (irq->irouter & AV_GICD_IROUTER_IRM)
			av__vgic_irq_retarget(vgic, irq);
	}
}

/* ---- pending lists (the owner's lock is held) ---- */

/*
 * A list's head and SPI count are also read without its lock, to choose a path (see the lock
 * rules above), so they are stored atomically; every other list field is read under the lock.
 */
static void list_set_head(struct av_vgic_vcpu *vc, uint16_t slot)
{
	__atomic_store_n(&vc->head, slot, __ATOMIC_RELAXED);
}

static void list_set_spis(struct av_vgic_vcpu *vc, unsigned n)
{
	__atomic_store_n(&vc->nr_spis, (uint16_t)n, __ATOMIC_RELAXED);
}

static inline void list_del(struct av_vgic *vgic, struct av_vgic_irq *irq)
{
	unsigned owner = irq->owner, prev = irq->prev, next = irq->next;
	struct av_vgic_vcpu *vc = &vgic->vcpu[owner];

	if (prev == VGIC_NIL)
		list_set_head(vc, (uint16_t)next);
	else
		vgic->irq[prev].next = (uint16_t)next;
	if (next != VGIC_NIL)
		vgic->irq[next].prev = (uint16_t)prev;
	irq->next = irq->prev = VGIC_NIL;
	irq->owner = VGIC_NO_VCPU;
	if (irq->intid >= AV_VGIC_NR_PRIVATE)
		list_set_spis(vc, vc->nr_spis - 1u);
}

static inline void list_add(struct av_vgic *vgic, struct av_vgic_irq *irq, unsigned vcpu)
{
	struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];
	unsigned slot = irq_slot(vgic, irq), prev = VGIC_NIL, cur = vc->head;

	while (cur != VGIC_NIL && vgic->irq[cur].priority <= irq->priority) {
		prev = cur;
		cur = vgic->irq[cur].next;
	}
	irq->prev = (uint16_t)prev;
	irq->next = (uint16_t)cur;
	if (prev == VGIC_NIL)
		list_set_head(vc, (uint16_t)slot);
	else
		vgic->irq[prev].next = (uint16_t)slot;
	if (cur != VGIC_NIL)
		vgic->irq[cur].prev = (uint16_t)slot;
	irq->owner = (uint8_t)vcpu;
	if (irq->intid >= AV_VGIC_NR_PRIVATE)
		list_set_spis(vc, vc->nr_spis + 1u);
}

/* Lock a vCPU's list for an SPI; a private IRQ's bank lock is already held. */
static void list_lock(struct av_vgic *vgic, struct av_vgic_irq *irq, unsigned vcpu)
{
	if (irq->intid >= AV_VGIC_NR_PRIVATE)
		av__vgic_lock_vcpu(vgic, vcpu);
}

static void list_unlock(struct av_vgic *vgic, struct av_vgic_irq *irq, unsigned vcpu)
{
	if (irq->intid >= AV_VGIC_NR_PRIVATE)
		av__vgic_unlock_vcpu(vgic, vcpu);
}

/* av__vgic_irq_changed(), inlined into injection, where it runs at every interrupt. */
static inline __attribute__((always_inline)) void
irq_changed(struct av_vgic *vgic, struct av_vgic_irq *irq, uint64_t *kick)
{
	bool pend = av__vgic_irq_pending(vgic, irq);
	bool busy = (irq->flags & AV_VGIC_IRQF_ACTIVE) || irq->lr != VGIC_NO_LR;
	bool want = busy || pend;
	unsigned owner = irq->owner, target = irq->target;

	if (owner != VGIC_NO_VCPU) {
		/* Active or in an LR: it stays where the guest can retire it. */
		if (!want || (!busy && owner != target)) {
			list_lock(vgic, irq, owner);
			list_del(vgic, irq);
			list_unlock(vgic, irq, owner);
			owner = VGIC_NO_VCPU;
		}
	}
	if (owner == VGIC_NO_VCPU && want && target != VGIC_NO_VCPU) {
		list_lock(vgic, irq, target);
		list_add(vgic, irq, target);
		list_unlock(vgic, irq, target);
		owner = target;
	}
	if (owner != VGIC_NO_VCPU && pend && irq_can_fire(vgic, irq))
		*kick |= AV_BIT(owner);
}

void av__vgic_irq_changed(struct av_vgic *vgic, struct av_vgic_irq *irq, uint64_t *kick)
{
	irq_changed(vgic, irq, kick);
}

void av__vgic_irq_resort(struct av_vgic *vgic, struct av_vgic_irq *irq)
{
	unsigned owner = irq->owner;

	if (owner == VGIC_NO_VCPU)
		return;
	list_lock(vgic, irq, owner);
	list_del(vgic, irq);
	list_add(vgic, irq, owner);
	list_unlock(vgic, irq, owner);
}

static bool vcpu_has_deliverable(struct av_vgic *vgic, unsigned vcpu)
{
	for (uint16_t s = vgic->vcpu[vcpu].head; s != VGIC_NIL; s = vgic->irq[s].next)
		if (irq_deliverable(vgic, &vgic->irq[s]))
			return true;
	return false;
}

void av__vgic_kick_deliverable(struct av_vgic *vgic, uint64_t *kick)
{
	for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
		av__vgic_lock_vcpu(vgic, v);
		if (vcpu_has_deliverable(vgic, v))
			*kick |= AV_BIT(v);
		av__vgic_unlock_vcpu(vgic, v);
	}
}

uint32_t av__vgic_itlines(const struct av_vgic *vgic)
{
	return (AV_VGIC_NR_PRIVATE + vgic->nr_spis + 31) / 32 - 1;
}

/* ---- init ---- */

static void irq_reset(struct av_vgic_irq *irq, uint32_t intid)
{
	memset(irq, 0, sizeof(*irq));
	irq->intid = (uint16_t)intid;
	irq->next = irq->prev = VGIC_NIL;
	irq->owner = VGIC_NO_VCPU;
	irq->lr = VGIC_NO_LR;
	irq->target = VGIC_NO_VCPU; /* av__vgic_irq_retarget() once the routing is known */
	if (intid < AV_VGIC_NR_SGIS)
		irq->flags = AV_VGIC_IRQF_EDGE;
}

/*
 * av_vgic::dist_id, for av_vgic_dist_read_id(): the distributor table's constant 32-bit
 * registers (VGIC_RF_CONST, read by their own handlers: the values the table returns).
 */
static void dist_id_init(struct av_vgic *vgic)
{
	const struct vgic_region *tab = vgic->model == AV_VGIC_V3 ? vgic_v3_dist_regions
								  : vgic_v2_dist_regions;
	size_t n = vgic->model == AV_VGIC_V3 ? vgic_v3_dist_nregions : vgic_v2_dist_nregions;
	struct vgic_mmio_ctx c = { .vgic = vgic };
	unsigned k = 0;

	for (unsigned i = 0; i < AV_VGIC_DIST_NR_ID; i++)
		vgic->dist_id[i].off = UINT32_MAX;
	for (size_t i = 0; i < n && k < AV_VGIC_DIST_NR_ID; i++) {
		if (!(tab[i].flags & VGIC_RF_CONST) || tab[i].len != 4 || !(tab[i].widths & VGIC_W32))
			continue;
		vgic->dist_id[k].off = tab[i].off;
		vgic->dist_id[k].val = (uint32_t)tab[i].read(&c, tab[i].off);
		k++;
	}
}

#define VGIC_ERR(err, field, ...) av__error(err, -AV_EINVAL, "vgic", field, __VA_ARGS__)

int av_vgic_init(struct av_vgic *vgic, const struct av_vgic_config *cfg, struct av_error *err)
{
	unsigned max;

	if (!vgic || !cfg)
		return VGIC_ERR(err, vgic ? "cfg" : "vgic", "NULL");
	if (!cfg->lr_ops)
		return VGIC_ERR(err, "lr_ops", "NULL (the list-register backend is required)");
	if (!cfg->lr_ops->nr_lrs || !cfg->lr_ops->write_lr || !cfg->lr_ops->read_lr ||
	    !cfg->lr_ops->set_maint)
		return VGIC_ERR(err, "lr_ops", "%s is NULL",
				!cfg->lr_ops->nr_lrs ? "nr_lrs" : !cfg->lr_ops->write_lr ? "write_lr"
				: !cfg->lr_ops->read_lr ? "read_lr" : "set_maint");
	if (cfg->lock_ops && (!cfg->lock_ops->lock || !cfg->lock_ops->unlock))
		return VGIC_ERR(err, "lock_ops", "%s is NULL (give both or no lock_ops)",
				!cfg->lock_ops->lock ? "lock" : "unlock");
	if (cfg->model == AV_VGIC_V2)
		max = AV_VGIC_V2_MAX_VCPUS;
	else if (cfg->model == AV_VGIC_V3)
		max = AV_VGIC_MAX_VCPUS;
	else
		return VGIC_ERR(err, "model", "%d is neither AV_VGIC_V2 nor AV_VGIC_V3",
				(int)cfg->model);
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > max)
		return VGIC_ERR(err, "nr_vcpus", "%u vCPUs (1..%u with %s)", cfg->nr_vcpus, max,
				cfg->model == AV_VGIC_V2 ? "GICv2" : "GICv3");
	if (cfg->nr_spis > AV_VGIC_MAX_SPIS)
		return VGIC_ERR(err, "nr_spis", "%u SPIs (0..%u)", cfg->nr_spis, AV_VGIC_MAX_SPIS);
	if (cfg->mpidr) {
		for (unsigned i = 0; i < cfg->nr_vcpus; i++)
			for (unsigned j = 0; j < i; j++)
				if (cfg->mpidr[i] == cfg->mpidr[j])
					return VGIC_ERR(err, "mpidr",
							"vCPUs %u and %u have the same MPIDR 0x%llx",
							j, i, (unsigned long long)cfg->mpidr[i]);
	}

	memset(vgic, 0, sizeof(*vgic));
	vgic->model = cfg->model;
	vgic->nr_vcpus = cfg->nr_vcpus;
	vgic->nr_spis = cfg->nr_spis;
	vgic->lr_ops = cfg->lr_ops;
	vgic->lr_cookie = cfg->lr_cookie;
	vgic->lock_ops = cfg->lock_ops;
	vgic->lock_cookie = cfg->lock_cookie;
	vgic->kick = cfg->kick;
	vgic->kick_cookie = cfg->kick_cookie;
	vgic->line_level = cfg->line_level;
	vgic->line_level_cookie = cfg->line_level_cookie;
	atomic_flag_clear(&vgic->dist_lock);
	for (unsigned v = 0; v < AV_VGIC_MAX_VCPUS; v++) {
		struct av_vgic_vcpu *vc = &vgic->vcpu[v];

		atomic_flag_clear(&vc->lock);
		vc->head = VGIC_NIL;
		vc->asleep = 1;
		vc->mpidr = cfg->mpidr ? (cfg->mpidr[v < cfg->nr_vcpus ? v : 0] &
					  (AV_MPIDR_AFF0 | AV_MPIDR_AFF1 | AV_MPIDR_AFF2 |
					   AV_MPIDR_AFF3))
				       : AV_FIELD_PREP(AV_MPIDR_AFF0, v);
		for (unsigned i = 0; i < AV_VGIC_NR_PRIVATE; i++)
			irq_reset(&vgic->irq[v * AV_VGIC_NR_PRIVATE + i], i);
	}
	for (unsigned i = 0; i < AV_VGIC_MAX_SPIS; i++)
		irq_reset(&vgic->irq[SPI_BASE + i], AV_VGIC_NR_PRIVATE + i);
	for (unsigned s = 0; s < AV_VGIC_NR_IRQ_SLOTS; s++)
		av__vgic_irq_retarget(vgic, &vgic->irq[s]);
	/* The register maps' indexes, before any guest access needs them. */
	if (cfg->model == AV_VGIC_V3) {
		av__vgic_regmap_ready(&vgic_v3_dist_map);
		av__vgic_regmap_ready(&vgic_v3_redist_map);
	} else {
		av__vgic_regmap_ready(&vgic_v2_dist_map);
	}
	dist_id_init(vgic);
	av__error_clear(err);
	return 0;
}

/* ---- injection ---- */

static int inject(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, bool pulse, bool level,
		  uint64_t *kicked)
{
	struct av_vgic_irq *irq;
	uint64_t kick = 0;

	if (!vgic || intid < AV_VGIC_NR_SGIS || (intid < AV_VGIC_NR_PRIVATE && vcpu >= vgic->nr_vcpus))
		return -AV_EINVAL;
	irq = av__vgic_irq(vgic, vcpu, intid);
	if (!irq)
		return -AV_EINVAL;
	irq_lock(vgic, irq);
	if (pulse || (level && (irq->flags & AV_VGIC_IRQF_EDGE) &&
		      !(irq->flags & AV_VGIC_IRQF_LINE)))
		irq->flags |= AV_VGIC_IRQF_LATCH;
	if (!pulse) {
		if (level)
			irq->flags |= AV_VGIC_IRQF_LINE;
		else
			irq->flags &= (uint8_t)~AV_VGIC_IRQF_LINE;
	}
	irq_changed(vgic, irq, &kick);
	irq_unlock(vgic, irq);
	kick_vcpus(vgic, kick, kicked);
	return 0;
}

int av_vgic_set_level(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, bool level,
		      uint64_t *kicked)
{
	return inject(vgic, vcpu, intid, false, level, kicked);
}

int av_vgic_pulse(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, uint64_t *kicked)
{
	return inject(vgic, vcpu, intid, true, true, kicked);
}

void av__vgic_sgi_raise(struct av_vgic *vgic, unsigned src, uint64_t targets, unsigned sgi,
		    uint64_t *kick)
{
	/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): nr_vcpus >= 1 */
	for (targets &= AV_GENMASK(vgic->nr_vcpus - 1, 0); targets; targets &= targets - 1) {
		unsigned v = (unsigned)__builtin_ctzll(targets);
		struct av_vgic_irq *irq = &vgic->irq[v * AV_VGIC_NR_PRIVATE + sgi];

		av__vgic_lock_vcpu(vgic, v);
		if (vgic->model == AV_VGIC_V2)
			irq->sgi_src |= (uint8_t)AV_BIT(src);
		else
			irq->flags |= AV_VGIC_IRQF_LATCH;
		irq_changed(vgic, irq, kick);
		av__vgic_unlock_vcpu(vgic, v);
	}
}

int av_vgic_send_sgi(struct av_vgic *vgic, unsigned src, uint64_t targets, unsigned sgi,
		     uint64_t *kicked)
{
	uint64_t kick = 0;

	if (!vgic || src >= vgic->nr_vcpus || sgi >= AV_VGIC_NR_SGIS)
		return -AV_EINVAL;
	av__vgic_sgi_raise(vgic, src, targets, sgi, &kick);
	av__vgic_kick(vgic, kick, kicked);
	return 0;
}

int av_vgic_v3_sgi1r_write(struct av_vgic *vgic, unsigned src, uint64_t val, uint64_t *kicked)
{
	uint64_t targets = 0, kick = 0;
	unsigned sgi = (unsigned)AV_FIELD_GET(AV_ICC_SGI1R_INTID, val);

	if (!vgic || vgic->model != AV_VGIC_V3 || src >= vgic->nr_vcpus)
		return -AV_EINVAL;
	if (val & AV_ICC_SGI1R_IRM) {
		targets = AV_GENMASK(vgic->nr_vcpus - 1, 0) & ~AV_BIT(src);
	} else {
		uint64_t list = AV_FIELD_GET(AV_ICC_SGI1R_TARGETS, val);
		uint64_t aff0_base = AV_FIELD_GET(AV_ICC_SGI1R_RS, val) * 16;

		for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
			uint64_t m = vgic->vcpu[v].mpidr, aff0 = AV_FIELD_GET(AV_MPIDR_AFF0, m);

			if (AV_FIELD_GET(AV_MPIDR_AFF1, m) != AV_FIELD_GET(AV_ICC_SGI1R_AFF1, val) ||
			    AV_FIELD_GET(AV_MPIDR_AFF2, m) != AV_FIELD_GET(AV_ICC_SGI1R_AFF2, val) ||
			    AV_FIELD_GET(AV_MPIDR_AFF3, m) != AV_FIELD_GET(AV_ICC_SGI1R_AFF3, val))
				continue;
			if (aff0 >= aff0_base && aff0 < aff0_base + 16 &&
			    (list & AV_BIT(aff0 - aff0_base)))
				targets |= AV_BIT(v);
		}
	}
	av__vgic_sgi_raise(vgic, src, targets, sgi, &kick);
	av__vgic_kick(vgic, kick, kicked);
	return 0;
}

/* A physical INTID av_vgic_map_hw() links to: a PPI or an SPI (16..1019). */
static bool hw_intid_ok(uint32_t hw_intid)
{
	return hw_intid >= AV_VGIC_NR_SGIS && hw_intid < 1020;
}

bool av__vgic_hw_intid_ok(uint32_t hw_intid)
{
	return hw_intid_ok(hw_intid);
}

int av_vgic_map_hw(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, uint32_t hw_intid)
{
	struct av_vgic_irq *irq;

	if (!vgic || intid < AV_VGIC_NR_SGIS || (hw_intid && !hw_intid_ok(hw_intid)))
		return -AV_EINVAL;
	irq = av__vgic_irq(vgic, vcpu, intid);
	if (!irq)
		return -AV_EINVAL;
	irq_lock(vgic, irq);
	irq->hw_intid = (uint16_t)hw_intid;
	if (hw_intid)
		irq->flags |= AV_VGIC_IRQF_HW;
	else
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_HW;
	irq_unlock(vgic, irq);
	return 0;
}

int av_vgic_set_resample(struct av_vgic *vgic, unsigned vcpu, uint32_t intid, bool on)
{
	struct av_vgic_irq *irq;
	uint64_t kick = 0;

	if (!vgic || intid < AV_VGIC_NR_SGIS || (on && !vgic->line_level))
		return -AV_EINVAL;
	irq = av__vgic_irq(vgic, vcpu, intid);
	if (!irq)
		return -AV_EINVAL;
	irq_lock(vgic, irq);
	if (on)
		irq->flags |= AV_VGIC_IRQF_RESAMPLE;
	else
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_RESAMPLE;
	if (irq_resample(vgic, irq))
		irq_changed(vgic, irq, &kick);
	irq_unlock(vgic, irq);
	kick_vcpus(vgic, kick, NULL);
	return 0;
}

/* ---- list registers ---- */

/* An empty list register. */
static const struct av_vgic_lr lr_empty;

/* The list register holding @irq in state @state (built whole, no field left to clear). */
static void lr_build(const struct av_vgic_irq *irq, unsigned state, bool eoi,
		     struct av_vgic_lr *lr)
{
	bool hw = (irq->flags & AV_VGIC_IRQF_HW) != 0;

	*lr = (struct av_vgic_lr){
		.vintid = irq->intid,
		.pintid = hw ? irq->hw_intid : 0,
		.priority = irq->priority,
		.source = irq->lr_src, /* 0 but for a GICv2 SGI */
		.hw = hw,
		.group1 = (irq->flags & AV_VGIC_IRQF_GROUP1) != 0,
		.eoi_maint = eoi && !hw,
		.state = (enum av_vgic_lr_state)state,
	};
}

/*
 * Place the IRQ of slot @slot in LR @idx of @vcpu (@vc), with its pending part if @pend (it
 * is deliverable).
 *
 * A GICv2 SGI has one pending state per source but one LR per INTID: while one source's SGI
 * is active (or a source's is listed and others are pending), the next source must wait
 * until the guest deactivates the listed one. The LR then asks for the EOI maintenance
 * interrupt (GICH_LR.EOI), which fires when the guest's deactivation empties it; the sync
 * that follows folds it back and the next flush lists the next source. (The no-pending
 * maintenance interrupt would fire at once for an active-only LR, and again after every
 * re-entry until the guest deactivates.) A HW-linked interrupt is never pending while
 * active (av__vgic_irq_pending()), so nothing else is held back behind an LR.
 */
static inline void lr_place(struct av_vgic *vgic, unsigned vcpu, struct av_vgic_vcpu *vc,
			    unsigned slot, unsigned idx, bool pend)
{
	struct av_vgic_irq *irq = &vgic->irq[slot];
	bool act = (irq->flags & AV_VGIC_IRQF_ACTIVE) != 0, eoi = false;
	struct av_vgic_lr lr;

	if (pend && is_v2_sgi(vgic, irq)) {
		if (act) {
			pend = false;
			eoi = true;
		} else {
			irq->lr_src = (uint8_t)__builtin_ctz(irq->sgi_src);
			irq->sgi_src &= (uint8_t)~AV_BIT(irq->lr_src);
			eoi = irq->sgi_src != 0;
		}
	} else if (pend && (irq->flags & AV_VGIC_IRQF_EDGE)) {
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_LATCH;
	}
	lr_build(irq, (pend ? AV_VGIC_LR_PENDING : 0) | (act ? AV_VGIC_LR_ACTIVE : 0), eoi, &lr);
	vgic->lr_ops->write_lr(vgic->lr_cookie, vcpu, idx, &lr);
	irq->lr = (uint8_t)idx;
	vc->lr_slot[idx] = (uint16_t)slot;
}

/*
 * Fill the list registers of @vcpu from its list: its lock is held, and the distributor lock
 * if an SPI is listed. Active interrupts first (the guest must be able to deactivate them),
 * then pending, deliverable ones, each in list (priority) order. One walk: an active
 * interrupt takes the next LR at once, a pending one waits (in @wait) for what the active
 * ones leave; one that cannot get an LR even then is not kept, only noted (underflow). The
 * LRs and requests are those of a walk for the active interrupts followed by one for the
 * pending ones: placing an interrupt changes nothing the others' tests read.
 */
static inline __attribute__((always_inline)) void
lrs_fill(struct av_vgic *vgic, unsigned vcpu, unsigned nr)
{
	struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];
	uint16_t wait[AV_VGIC_MAX_LRS];
	unsigned used = 0, nwait = 0, maint = 0;

	for (unsigned s = vc->head, next; s != VGIC_NIL; s = next) {
		struct av_vgic_irq *irq = &vgic->irq[s];

		next = irq->next;
		if (irq->lr != VGIC_NO_LR)
			continue;
		if ((irq->flags & AV_VGIC_IRQF_RESAMPLE) && irq_resample(vgic, irq) &&
		    !av__vgic_irq_pending(vgic, irq)) {
			/* Its line fell (not active: irq_resample() leaves those alone). */
			list_del(vgic, irq);
			continue;
		}
		if (irq->flags & AV_VGIC_IRQF_ACTIVE) {
			if (used == nr) {
				maint |= AV_VGIC_MAINT_UNDERFLOW;
				break;
			}
			lr_place(vgic, vcpu, vc, s, used++, irq_deliverable(vgic, irq));
		} else if (irq_deliverable(vgic, irq)) {
			if (used + nwait < nr)
				wait[nwait++] = (uint16_t)s;
			else
				maint |= AV_VGIC_MAINT_UNDERFLOW;
		}
	}
	for (unsigned i = 0; i < nwait; i++) {
		if (used == nr) {
			maint |= AV_VGIC_MAINT_UNDERFLOW;
			break;
		}
		lr_place(vgic, vcpu, vc, wait[i], used++, true);
	}
	for (unsigned i = used; i < vc->lr_used; i++)
		vgic->lr_ops->write_lr(vgic->lr_cookie, vcpu, i, &lr_empty);
	vc->lr_used = vc->lr_live = (uint8_t)used;
	vgic->lr_ops->set_maint(vgic->lr_cookie, vcpu, maint);
}

static void fold_live(struct av_vgic *vgic, unsigned vcpu);

/*
 * av_vgic_flush(); @general: the distributor lock whatever is listed, and no shortcut.
 *
 * The looks without a lock only choose the path. The SPI count is looked at again under
 * the vCPU's lock; an empty list needs no second look (see below). lr_used is this vCPU's
 * own bookkeeping: flush and sync of one vCPU run on the pCPU holding its list registers,
 * never at the same time.
 */
static inline __attribute__((always_inline)) int
flush(struct av_vgic *vgic, unsigned vcpu, bool general)
{
	struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];
	unsigned nr;
	bool dist;

	/*
	 * A second flush without a sync (a run loop retrying an entry that was abandoned): the
	 * LRs the first one wrote still hold their interrupts. Fold them back first, as the
	 * sync after an exit would, so nothing is lost or listed twice.
	 */
	if (vc->lr_live)
		fold_live(vgic, vcpu);
	/*
	 * Nothing listed and no LR written by the last flush: nothing to place or clear, and no
	 * maintenance to ask for. An interrupt listed just after the look kicks the vCPU, as it
	 * would after a complete flush. (The common exit of a vCPU without interrupts.)
	 */
	if (!general && __atomic_load_n(&vc->head, __ATOMIC_RELAXED) == VGIC_NIL &&
	    vc->lr_used == 0) {
		av__vgic_lock_vcpu(vgic, vcpu);
		vc->lr_live = 0;
		vgic->lr_ops->set_maint(vgic->lr_cookie, vcpu, 0);
		av__vgic_unlock_vcpu(vgic, vcpu);
		return 0;
	}
	nr = vgic->lr_ops->nr_lrs(vgic->lr_cookie, vcpu);
	if (nr > AV_VGIC_MAX_LRS)
		nr = AV_VGIC_MAX_LRS;
	/* Only private interrupts listed: the vCPU's lock covers all the fill reads and writes. */
	dist = general || __atomic_load_n(&vc->nr_spis, __ATOMIC_RELAXED) != 0;
	if (dist)
		av__vgic_lock_dist(vgic);
	av__vgic_lock_vcpu(vgic, vcpu);
	if (!dist && vc->nr_spis != 0) {
		/* An SPI was listed since the look: the distributor lock first, then this one. */
		av__vgic_unlock_vcpu(vgic, vcpu);
		av__vgic_lock_dist(vgic);
		av__vgic_lock_vcpu(vgic, vcpu);
		dist = true;
	}
	lrs_fill(vgic, vcpu, nr);
	av__vgic_unlock_vcpu(vgic, vcpu);
	if (dist)
		av__vgic_unlock_dist(vgic);
	return 0;
}

int av__vgic_flush_general(struct av_vgic *vgic, unsigned vcpu)
{
	return flush(vgic, vcpu, true);
}

int av_vgic_flush(struct av_vgic *vgic, unsigned vcpu)
{
	if (!vgic || vcpu >= vgic->nr_vcpus)
		return -AV_EINVAL;
	return flush(vgic, vcpu, false);
}

/* Fold one LR back into its IRQ. */
static inline void lr_fold(struct av_vgic *vgic, struct av_vgic_irq *irq,
			   const struct av_vgic_lr *lr)
{
	bool pend = (lr->state & AV_VGIC_LR_PENDING) != 0;
	bool act = (lr->state & AV_VGIC_LR_ACTIVE) != 0;

	irq->lr = VGIC_NO_LR;
	if (act)
		irq->flags |= AV_VGIC_IRQF_ACTIVE;
	else
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_ACTIVE;
	if (is_v2_sgi(vgic, irq)) {
		if (pend)
			irq->sgi_src |= (uint8_t)AV_BIT(irq->lr_src);
	} else if (irq->flags & AV_VGIC_IRQF_EDGE) {
		if (pend)
			irq->flags |= AV_VGIC_IRQF_LATCH;
	} else if (!pend) {
		/* Acknowledged: a software pend of a level interrupt is consumed. */
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_LATCH;
	}
	if ((irq->flags & AV_VGIC_IRQF_HW) && lr->state == AV_VGIC_LR_INVALID) {
		/* Deactivated: the physical GIC owns the state again. */
		irq->flags &= (uint8_t)~(AV_VGIC_IRQF_LATCH | AV_VGIC_IRQF_LINE);
	}
}

/*
 * av_vgic_sync(); @general: the distributor lock whatever is listed.
 *
 * Private IRQs are re-evaluated under the vCPU's lock; they kick no other vCPU. An SPI is
 * settled there too when only this vCPU's list is concerned: it stays listed (its route
 * still leads here; deliverable again, it needs no kick of the vCPU being synced), or it is
 * retired and leaves the list. One whose route now leads elsewhere waits in @moved for
 * av__vgic_irq_changed() until the vCPU's lock is released: that takes the other vCPU's.
 */
static inline __attribute__((always_inline)) int
sync(struct av_vgic *vgic, unsigned vcpu, bool general)
{
	struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];
	uint16_t moved[AV_VGIC_MAX_LRS];
	unsigned nmoved = 0;
	uint64_t kick = 0;
	/* An SPI in an LR is on this vCPU's list: without SPIs listed, only private IRQs are
	 * folded. (As in flush, the look only chooses; it is made again under the lock.) */
	bool dist = general || __atomic_load_n(&vc->nr_spis, __ATOMIC_RELAXED) != 0;

	if (dist)
		av__vgic_lock_dist(vgic);
	av__vgic_lock_vcpu(vgic, vcpu);
	if (!dist && vc->nr_spis != 0) {
		av__vgic_unlock_vcpu(vgic, vcpu);
		av__vgic_lock_dist(vgic);
		av__vgic_lock_vcpu(vgic, vcpu);
		dist = true;
	}
	for (unsigned i = 0; i < vc->lr_live; i++) {
		uint16_t slot = vc->lr_slot[i];
		struct av_vgic_irq *irq = &vgic->irq[slot];
		struct av_vgic_lr lr;
		bool want;

		vgic->lr_ops->read_lr(vgic->lr_cookie, vcpu, i, &lr);
		/* Emptied with EOI maintenance asked for: its EISR bit (GICH_EISR, ICH_EISR) and
		 * so the maintenance interrupt stay set until the LR changes; clear it now. */
		if (lr.state == AV_VGIC_LR_INVALID && lr.eoi_maint)
			vgic->lr_ops->write_lr(vgic->lr_cookie, vcpu, i, &lr_empty);
		lr_fold(vgic, irq, &lr);
		if (slot < SPI_BASE) {
			av__vgic_irq_changed(vgic, irq, &kick);
			continue;
		}
		want = (irq->flags & AV_VGIC_IRQF_ACTIVE) || av__vgic_irq_pending(vgic, irq);
		if (irq->owner != vcpu || (want && irq->target != vcpu))
			moved[nmoved++] = slot;
		else if (!want)
			list_del(vgic, irq);
	}
	/* The other LRs keep their values until the next flush overwrites or clears them. */
	vc->lr_live = 0;
	av__vgic_unlock_vcpu(vgic, vcpu);
	for (unsigned i = 0; i < nmoved; i++)
		av__vgic_irq_changed(vgic, &vgic->irq[moved[i]], &kick);
	if (dist)
		av__vgic_unlock_dist(vgic);
	kick &= ~AV_BIT(vcpu);
	if (kick)
		av__vgic_kick(vgic, kick, NULL);
	return 0;
}

/* flush() found LRs not yet folded back: sync them (the rare path, kept out of line). */
static __attribute__((noinline)) void fold_live(struct av_vgic *vgic, unsigned vcpu)
{
	sync(vgic, vcpu, false);
}

int av__vgic_sync_general(struct av_vgic *vgic, unsigned vcpu)
{
	return sync(vgic, vcpu, true);
}

int av_vgic_sync(struct av_vgic *vgic, unsigned vcpu)
{
	if (!vgic || vcpu >= vgic->nr_vcpus)
		return -AV_EINVAL;
	return sync(vgic, vcpu, false);
}

/*
 * av_vgic_raise_listed() under the vCPU's lock: the LR that @irq (a PPI of @vcpu, able to
 * fire, its line about to rise into a pending state) can take at once, or -1. The LRs must
 * be those the last flush wrote, not folded back (lr_live == lr_used). An IRQ still in one
 * of them takes it again once the guest is done with it (read back empty: folded here, as a
 * sync would); one on no list takes the first LR above them, if there is one. Otherwise a
 * flush decides (something waits, or the IRQ is busy).
 */
static int lr_for_raise(struct av_vgic *vgic, unsigned vcpu, struct av_vgic_irq *irq,
			unsigned nr)
{
	struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];
	struct av_vgic_lr lr;
	unsigned idx = irq->lr;

	if (vc->lr_live != vc->lr_used)
		return -1;
	if (idx == VGIC_NO_LR) {
		if (irq->owner != VGIC_NO_VCPU || (irq->flags & AV_VGIC_IRQF_ACTIVE) ||
		    vc->lr_used >= nr)
			return -1;
		return vc->lr_used;
	}
	vgic->lr_ops->read_lr(vgic->lr_cookie, vcpu, idx, &lr);
	if (lr.state != AV_VGIC_LR_INVALID)
		return -1;
	lr_fold(vgic, irq, &lr);
	return (int)idx;
}

int av_vgic_raise_listed(struct av_vgic *vgic, unsigned vcpu, uint32_t intid,
			 uint64_t *kicked)
{
	struct av_vgic_vcpu *vc;
	struct av_vgic_irq *irq;
	unsigned nr;
	int idx = -1;

	if (!vgic || vcpu >= vgic->nr_vcpus || intid < AV_VGIC_NR_SGIS ||
	    intid >= AV_VGIC_NR_PRIVATE)
		return -AV_EINVAL;
	vc = &vgic->vcpu[vcpu];
	irq = &vgic->irq[vcpu * AV_VGIC_NR_PRIVATE + intid];
	nr = vgic->lr_ops->nr_lrs(vgic->lr_cookie, vcpu);
	if (nr > AV_VGIC_MAX_LRS)
		nr = AV_VGIC_MAX_LRS;
	av__vgic_lock_vcpu(vgic, vcpu);
	/* Pending once raised: a level line, or an edge line that was low (it rises). */
	if (irq_can_fire(vgic, irq) &&
	    (irq->flags & (AV_VGIC_IRQF_EDGE | AV_VGIC_IRQF_LINE)) !=
		    (AV_VGIC_IRQF_EDGE | AV_VGIC_IRQF_LINE))
		idx = lr_for_raise(vgic, vcpu, irq, nr);
	if (idx >= 0) {
		if (irq->flags & AV_VGIC_IRQF_EDGE)
			irq->flags |= AV_VGIC_IRQF_LATCH;
		irq->flags |= AV_VGIC_IRQF_LINE;
		if (irq->owner == VGIC_NO_VCPU) {
			list_add(vgic, irq, vcpu);
			vc->lr_used = vc->lr_live = (uint8_t)(idx + 1);
		}
		lr_place(vgic, vcpu, vc, irq_slot(vgic, irq), (unsigned)idx, true);
	}
	av__vgic_unlock_vcpu(vgic, vcpu);
	if (idx >= 0)
		return 1;
	/* A flush decides: the LRs are folded back first, as after any other exit. */
	if (vc->lr_live)
		sync(vgic, vcpu, false);
	av_vgic_set_level(vgic, vcpu, intid, true, kicked);
	return 0;
}

/* What one interrupt of a vCPU's list needs from av_vgic_flush_new(). */
enum flush_new_need {
	FN_NONE,    /* nothing: its LR, or its absence from the LRs, is what a flush would leave */
	FN_PLACE,   /* a free LR */
	FN_RELIST,  /* its own LR again: the guest emptied it, and it is pending again */
	FN_UNLATCH, /* still pending in its LR: its new edge merges into that */
	FN_FULL,    /* only a sync and a full flush can tell */
};

/*
 * Decide, changing nothing, what @irq (on the list of @vcpu, whose LRs are as the last flush
 * wrote them) needs for the LRs to show what a sync and a flush would show. @lr receives its
 * LR when it was read (FN_RELIST). What an LR does not show and only the fold settles
 * (disabled, routed elsewhere, a pending part for an active LR, a level line lowered under a
 * pending LR or to resample, a GICv2 SGI's next source, a HW-linked interrupt's
 * deactivation) is FN_FULL.
 */
static enum flush_new_need flush_new_need(struct av_vgic *vgic, unsigned vcpu,
					  const struct av_vgic_irq *irq, struct av_vgic_lr *lr)
{
	bool level = !(irq->flags & AV_VGIC_IRQF_EDGE) && !is_v2_sgi(vgic, irq), pend;
	struct av_vgic_irq folded;

	if (irq->lr == VGIC_NO_LR) {
		if (level && (irq->flags & (AV_VGIC_IRQF_RESAMPLE | AV_VGIC_IRQF_ACTIVE)) ==
				     AV_VGIC_IRQF_RESAMPLE)
			return FN_FULL;
		if ((irq->flags & AV_VGIC_IRQF_ACTIVE) || irq_deliverable(vgic, irq))
			return FN_PLACE;
		return FN_NONE;
	}
	if (!irq_can_fire(vgic, irq) || (irq->intid >= AV_VGIC_NR_PRIVATE && irq->target != vcpu))
		return FN_FULL;
	pend = av__vgic_irq_pending(vgic, irq);
	vgic->lr_ops->read_lr(vgic->lr_cookie, vcpu, irq->lr, lr);
	/* Linked or unlinked (av_vgic_map_hw()) since its LR was written: a flush rewrites the
	 * link (found by fuzz.vgic). */
	if (lr->hw != ((irq->flags & AV_VGIC_IRQF_HW) != 0) ||
	    (lr->hw && lr->pintid != irq->hw_intid))
		return FN_FULL;
	if (!pend && !level)
		return FN_NONE; /* no new edge or source: the LR holds the flush's, or the guest's */
	/* A level line: resampled by the fold unless active; fallen, it takes the pending
	 * part out of its LR. */
	if (level && (irq->flags & AV_VGIC_IRQF_RESAMPLE) && !(lr->state & AV_VGIC_LR_ACTIVE))
		return FN_FULL;
	if (!pend)
		return lr->state & AV_VGIC_LR_PENDING ? FN_FULL : FN_NONE;
	if (lr->state == AV_VGIC_LR_INVALID) {
		folded = *irq;
		lr_fold(vgic, &folded, lr);
		return irq_deliverable(vgic, &folded) ? FN_RELIST : FN_FULL;
	}
	if (lr->state != AV_VGIC_LR_PENDING || is_v2_sgi(vgic, irq) ||
	    (irq->flags & AV_VGIC_IRQF_HW))
		return FN_FULL;
	return FN_UNLATCH;
}

int av_vgic_flush_new(struct av_vgic *vgic, unsigned vcpu)
{
	struct av_vgic_vcpu *vc;
	struct av_vgic_lr lrs[AV_VGIC_MAX_LRS];
	uint16_t place[AV_VGIC_MAX_LRS], relist[AV_VGIC_MAX_LRS], unlatch[AV_VGIC_MAX_LRS];
	unsigned nr, nplace = 0, nrelist = 0, nunlatch = 0;
	int ret = 0;
	bool dist;

	if (!vgic || vcpu >= vgic->nr_vcpus)
		return -AV_EINVAL;
	vc = &vgic->vcpu[vcpu];
	/* Folded back since the last flush: a flush rewrites them all. (lr_live and lr_used are
	 * this vCPU's own, as in flush().) */
	if (vc->lr_live != vc->lr_used)
		return 0;
	nr = vgic->lr_ops->nr_lrs(vgic->lr_cookie, vcpu);
	if (nr > AV_VGIC_MAX_LRS)
		nr = AV_VGIC_MAX_LRS;
	/* As in flush(): the distributor lock first when SPIs are listed. */
	dist = __atomic_load_n(&vc->nr_spis, __ATOMIC_RELAXED) != 0;
	if (dist)
		av__vgic_lock_dist(vgic);
	av__vgic_lock_vcpu(vgic, vcpu);
	if (!dist && vc->nr_spis != 0)
		goto out; /* an SPI listed since the look: the full flush takes both locks */
	/* The whole list decided first: every change is made, or none. Each IRQ in an LR is
	 * counted at most once, so the arrays hold them. */
	for (unsigned s = vc->head; s != VGIC_NIL; s = vgic->irq[s].next) {
		struct av_vgic_lr lr;

		switch (flush_new_need(vgic, vcpu, &vgic->irq[s], &lr)) {
		case FN_NONE:
			break;
		case FN_PLACE:
			if (vc->lr_used + nplace >= nr)
				goto out; /* no free LR: the full flush chooses what waits */
			place[nplace++] = (uint16_t)s;
			break;
		case FN_RELIST:
			lrs[nrelist] = lr;
			relist[nrelist++] = (uint16_t)s;
			break;
		case FN_UNLATCH:
			unlatch[nunlatch++] = (uint16_t)s;
			break;
		default:
			goto out;
		}
	}
	for (unsigned i = 0; i < nunlatch; i++) {
		struct av_vgic_irq *irq = &vgic->irq[unlatch[i]];

		/* Folded and placed again, its latch would be cleared by the placing. */
		if (irq->flags & AV_VGIC_IRQF_EDGE)
			irq->flags &= (uint8_t)~AV_VGIC_IRQF_LATCH;
	}
	for (unsigned i = 0; i < nrelist; i++) {
		struct av_vgic_irq *irq = &vgic->irq[relist[i]];
		unsigned idx = irq->lr;

		lr_fold(vgic, irq, &lrs[i]);
		lr_place(vgic, vcpu, vc, relist[i], idx, true);
	}
	for (unsigned i = 0; i < nplace; i++) {
		struct av_vgic_irq *irq = &vgic->irq[place[i]];

		lr_place(vgic, vcpu, vc, place[i], vc->lr_used, irq_deliverable(vgic, irq));
		vc->lr_used++;
	}
	vc->lr_live = vc->lr_used;
	ret = 1;
out:
	av__vgic_unlock_vcpu(vgic, vcpu);
	if (dist)
		av__vgic_unlock_dist(vgic);
	return ret;
}

/* av_vgic_has_pending() of a vCPU with a non-empty list (its own frame: the empty look needs
 * none). Without SPIs listed, the vCPU's lock is enough. */
static __attribute__((noinline)) bool has_pending_listed(struct av_vgic *vgic, unsigned vcpu)
{
	struct av_vgic_vcpu *vc = &vgic->vcpu[vcpu];
	bool ret;

	if (__atomic_load_n(&vc->nr_spis, __ATOMIC_RELAXED) == 0) {
		av__vgic_lock_vcpu(vgic, vcpu);
		if (vc->nr_spis == 0) {
			ret = vcpu_has_deliverable(vgic, vcpu);
			av__vgic_unlock_vcpu(vgic, vcpu);
			return ret;
		}
		av__vgic_unlock_vcpu(vgic, vcpu);
	}
	av__vgic_lock_dist(vgic);
	av__vgic_lock_vcpu(vgic, vcpu);
	ret = vcpu_has_deliverable(vgic, vcpu);
	av__vgic_unlock_vcpu(vgic, vcpu);
	av__vgic_unlock_dist(vgic);
	return ret;
}

bool av_vgic_has_pending(struct av_vgic *vgic, unsigned vcpu)
{
	if (!vgic || vcpu >= vgic->nr_vcpus)
		return false;
	/* Nothing listed: nothing pending, without the locks (the common WFI). An interrupt
	 * listed just after this look kicks the vCPU, as it would after a locked one. */
	if (__atomic_load_n(&vgic->vcpu[vcpu].head, __ATOMIC_ACQUIRE) == VGIC_NIL)
		return false;
	return has_pending_listed(vgic, vcpu);
}

int av_vgic_get_irq(struct av_vgic *vgic, unsigned vcpu, uint32_t intid,
		    struct av_vgic_irq_state *out)
{
	struct av_vgic_irq *irq;

	if (!vgic || !out)
		return -AV_EINVAL;
	irq = av__vgic_irq(vgic, vcpu, intid);
	if (!irq)
		return -AV_EINVAL;
	irq_lock(vgic, irq);
	out->intid = irq->intid;
	out->hw_intid = irq->hw_intid;
	out->irouter = irq->irouter;
	out->priority = irq->priority;
	out->targets = intid < AV_VGIC_NR_PRIVATE ? (uint8_t)AV_BIT(vcpu) : irq->targets;
	out->sgi_sources = irq->sgi_src;
	out->enabled = (irq->flags & AV_VGIC_IRQF_ENABLED) != 0;
	out->pending = av__vgic_irq_pending(vgic, irq);
	out->line = (irq->flags & AV_VGIC_IRQF_LINE) != 0;
	out->active = (irq->flags & AV_VGIC_IRQF_ACTIVE) != 0;
	out->group1 = (irq->flags & AV_VGIC_IRQF_GROUP1) != 0;
	out->edge = (irq->flags & AV_VGIC_IRQF_EDGE) != 0;
	out->hw = (irq->flags & AV_VGIC_IRQF_HW) != 0;
	out->in_lr = irq->lr != VGIC_NO_LR;
	out->owner = irq->owner == VGIC_NO_VCPU ? -1 : irq->owner;
	irq_unlock(vgic, irq);
	return 0;
}

/* ---- LR formats ---- */

uint64_t av_vgic_lr_encode_v3(const struct av_vgic_lr *lr)
{
	uint64_t v = AV_FIELD_PREP(AV_ICH_LR_VINTID, lr->vintid) |
		     AV_FIELD_PREP(AV_ICH_LR_PRIORITY, lr->priority) |
		     AV_FIELD_PREP(AV_ICH_LR_STATE, lr->state);

	if (lr->group1)
		v |= AV_ICH_LR_GROUP;
	if (lr->hw)
		v |= AV_ICH_LR_HW | AV_FIELD_PREP(AV_ICH_LR_PINTID, lr->pintid);
	else if (lr->eoi_maint)
		v |= AV_ICH_LR_EOI;
	return v;
}

void av_vgic_lr_decode_v3(uint64_t val, struct av_vgic_lr *lr)
{
	*lr = lr_empty; /* a block copy (padding too), not a memset call */
	lr->vintid = (uint32_t)AV_FIELD_GET(AV_ICH_LR_VINTID, val);
	lr->priority = (uint8_t)AV_FIELD_GET(AV_ICH_LR_PRIORITY, val);
	lr->state = (enum av_vgic_lr_state)AV_FIELD_GET(AV_ICH_LR_STATE, val);
	lr->group1 = (val & AV_ICH_LR_GROUP) != 0;
	lr->hw = (val & AV_ICH_LR_HW) != 0;
	if (lr->hw)
		lr->pintid = (uint32_t)AV_FIELD_GET(AV_ICH_LR_PINTID, val);
	else
		lr->eoi_maint = (val & AV_ICH_LR_EOI) != 0;
}

uint32_t av_vgic_lr_encode_v2(const struct av_vgic_lr *lr)
{
	uint64_t v = AV_FIELD_PREP(AV_GICH_LR_VIRTUALID, lr->vintid) |
		     AV_FIELD_PREP(AV_GICH_LR_PRIORITY,
				   AV_FIELD_GET(AV_VGIC_PRIO_V2_BITS, lr->priority)) |
		     AV_FIELD_PREP(AV_GICH_LR_STATE, lr->state);

	if (lr->group1)
		v |= AV_GICH_LR_GRP1;
	if (lr->hw) {
		v |= AV_GICH_LR_HW | AV_FIELD_PREP(AV_GICH_LR_PHYSID, lr->pintid);
	} else {
		if (lr->eoi_maint)
			v |= AV_GICH_LR_EOI;
		if (lr->vintid < AV_VGIC_NR_SGIS)
			v |= AV_FIELD_PREP(AV_GICH_LR_CPUID, lr->source);
	}
	return (uint32_t)v;
}

void av_vgic_lr_decode_v2(uint32_t val, struct av_vgic_lr *lr)
{
	*lr = lr_empty; /* a block copy (padding too), not a memset call */
	lr->vintid = (uint32_t)AV_FIELD_GET(AV_GICH_LR_VIRTUALID, val);
	lr->priority = (uint8_t)AV_FIELD_PREP(AV_VGIC_PRIO_V2_BITS,
					      AV_FIELD_GET(AV_GICH_LR_PRIORITY, val));
	lr->state = (enum av_vgic_lr_state)AV_FIELD_GET(AV_GICH_LR_STATE, val);
	lr->group1 = (val & AV_GICH_LR_GRP1) != 0;
	lr->hw = (val & AV_GICH_LR_HW) != 0;
	if (lr->hw) {
		lr->pintid = (uint32_t)AV_FIELD_GET(AV_GICH_LR_PHYSID, val);
	} else {
		lr->eoi_maint = (val & AV_GICH_LR_EOI) != 0;
		if (lr->vintid < AV_VGIC_NR_SGIS)
			lr->source = (uint8_t)AV_FIELD_GET(AV_GICH_LR_CPUID, val);
	}
}

/* ---- per-IRQ register handlers (the IRQ's lock is held) ---- */

uint64_t av__vgic_rd_group(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return (irq->flags & AV_VGIC_IRQF_GROUP1) != 0;
}

void av__vgic_wr_group(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (v)
		irq->flags |= AV_VGIC_IRQF_GROUP1;
	else
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_GROUP1;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

uint64_t av__vgic_rd_enable(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return (irq->flags & AV_VGIC_IRQF_ENABLED) != 0;
}

void av__vgic_wr_senable(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (!v)
		return;
	irq->flags |= AV_VGIC_IRQF_ENABLED;
	irq_resample(c->vgic, irq); /* a line that fell while disabled must not fire now */
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

void av__vgic_wr_cenable(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	(void)c;
	if (v)
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_ENABLED;
}

uint64_t av__vgic_rd_pending(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	if (irq_resample(c->vgic, irq))
		av__vgic_irq_changed(c->vgic, irq, &c->kick);
	return av__vgic_irq_pending(c->vgic, irq) || (irq->lr != VGIC_NO_LR &&
						  !(irq->flags & AV_VGIC_IRQF_ACTIVE));
}

void av__vgic_wr_spending(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	/* GICv2 SGIs are made pending per source through GICD_SPENDSGIR only. */
	if (!v || is_v2_sgi(c->vgic, irq))
		return;
	irq->flags |= AV_VGIC_IRQF_LATCH;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

void av__vgic_wr_cpending(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (!v || is_v2_sgi(c->vgic, irq))
		return;
	irq->flags &= (uint8_t)~AV_VGIC_IRQF_LATCH;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

uint64_t av__vgic_rd_active(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return (irq->flags & AV_VGIC_IRQF_ACTIVE) != 0;
}

void av__vgic_wr_sactive(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (!v)
		return;
	irq->flags |= AV_VGIC_IRQF_ACTIVE;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

void av__vgic_wr_cactive(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (!v)
		return;
	irq->flags &= (uint8_t)~AV_VGIC_IRQF_ACTIVE;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

uint64_t av__vgic_rd_priority(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return irq->priority;
}

void av__vgic_wr_priority(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	uint8_t prio = (uint8_t)(v & AV_VGIC_PRIO_MASK);

	if (prio == irq->priority)
		return;
	irq->priority = prio;
	av__vgic_irq_resort(c->vgic, irq);
}

/* ICFGR: two bits per IRQ, the upper one selects edge (IHI 0069 "GICD_ICFGR<n>"). */
#define VGIC_ICFGR_EDGE AV_BIT(1)

uint64_t av__vgic_rd_config(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq)
{
	(void)c;
	return (irq->flags & AV_VGIC_IRQF_EDGE) ? VGIC_ICFGR_EDGE : 0;
}

void av__vgic_wr_config(struct vgic_mmio_ctx *c, struct av_vgic_irq *irq, uint64_t v)
{
	if (irq->intid < AV_VGIC_NR_SGIS)
		return; /* SGIs are always edge-triggered: read-only */
	if (v & VGIC_ICFGR_EDGE)
		irq->flags |= AV_VGIC_IRQF_EDGE;
	else
		irq->flags &= (uint8_t)~AV_VGIC_IRQF_EDGE;
	av__vgic_irq_changed(c->vgic, irq, &c->kick);
}

/* ---- the region walker ---- */

int av__vgic_regions_check(const struct vgic_region *tab, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct vgic_region *r = &tab[i];

		if (r->len == 0 || r->widths == 0 || (r->widths & ~(VGIC_W8 | VGIC_W16 | VGIC_W32 |
								      VGIC_W64)))
			return -AV_EINVAL;
		if (r->bpi && (r->read || r->write))
			return -AV_EINVAL;
		if (!r->bpi && (r->irq_read || r->irq_write))
			return -AV_EINVAL;
		if ((r->flags & VGIC_RF_CONST) && (r->bpi || r->write || !r->read))
			return -AV_EINVAL;
		if ((r->off | r->len) % VGIC_IDX_GRAIN || n >= 255)
			return -AV_EINVAL;
		if (i && tab[i - 1].off + tab[i - 1].len > r->off)
			return -AV_EINVAL;
	}
	return 0;
}

/* Serialises the one-time builds of the region indexes (av__vgic_regmap_ready()). */
static atomic_flag regmap_lock = ATOMIC_FLAG_INIT;

void av__vgic_regmap_ready(struct vgic_regmap *map)
{
	if (__atomic_load_n(&map->ready, __ATOMIC_ACQUIRE))
		return;
	av__spin_lock(&regmap_lock);
	if (!map->ready) {
		memset(map->idx, 0, map->frame / VGIC_IDX_GRAIN);
		for (size_t i = 0; i < map->n && i < 255; i++) {
			const struct vgic_region *r = &map->tab[i];

			for (uint64_t o = r->off; o < (uint64_t)r->off + r->len && o < map->frame;
			     o += VGIC_IDX_GRAIN)
				map->idx[o / VGIC_IDX_GRAIN] = (uint8_t)(i + 1);
		}
		__atomic_store_n(&map->ready, 1, __ATOMIC_RELEASE);
	}
	av__spin_unlock(&regmap_lock);
}

/* The region holding byte @off of the frame (< map->frame), or NULL. */
static inline const struct vgic_region *region_at(struct vgic_regmap *map, uint64_t off)
{
	unsigned i;

	if (!__atomic_load_n(&map->ready, __ATOMIC_ACQUIRE))
		av__vgic_regmap_ready(map);
	i = map->idx[off / VGIC_IDX_GRAIN];
	return i ? &map->tab[i - 1] : NULL;
}

const struct vgic_region *av__vgic_region_lookup(struct vgic_regmap *map, uint64_t off)
{
	if (!map || off >= map->frame)
		return NULL;
	return region_at(map, off);
}

/* The IRQ an access reaches in this frame, or NULL (RAZ/WI). */
static struct av_vgic_irq *ctx_irq(struct vgic_mmio_ctx *c, uint32_t intid)
{
	if (intid < AV_VGIC_NR_PRIVATE ? !c->private_ok : !c->spi_ok)
		return NULL;
	return av__vgic_irq(c->vgic, c->vcpu, intid);
}

/* Mask of the low @bits bits (1..64). */
static uint64_t low_mask(unsigned bits)
{
	return AV_GENMASK(bits - 1, 0);
}

/*
 * The walker's only bit arithmetic: per-IRQ arrays and sub-register accesses place a field
 * at a position known only at run time (INTID * bits per IRQ, byte offset * 8). Fixed
 * register fields always go through AV_FIELD_GET/AV_FIELD_PREP.
 */
static uint64_t bits_get(uint64_t v, unsigned pos, unsigned width)
{
	return (v >> pos) & low_mask(width);
}

static uint64_t bits_set(uint64_t v, unsigned pos, unsigned width, uint64_t x)
{
	uint64_t m = low_mask(width) << pos;

	return (v & ~m) | ((x << pos) & m);
}

static void irq_region_access(struct vgic_mmio_ctx *c, const struct vgic_region *r,
			      uint32_t roff, unsigned size, bool is_write, uint64_t *val)
{
	unsigned bits = size * 8, bpi = r->bpi;
	uint64_t out = 0;

	if (bits < bpi) {
		/* A part of one IRQ's field (a 32-bit half of a 64-bit IROUTER). */
		uint32_t intid = roff * 8 / bpi;
		unsigned pos = roff * 8 % bpi;
		struct av_vgic_irq *irq = ctx_irq(c, intid);
		uint64_t field;

		if (!irq)
			return;
		irq_lock(c->vgic, irq);
		field = r->irq_read ? r->irq_read(c, irq) : 0;
		if (is_write) {
			if (r->irq_write)
				r->irq_write(c, irq, bits_set(field, pos, bits, *val));
		} else {
			out = bits_get(field, pos, bits);
		}
		irq_unlock(c->vgic, irq);
		if (!is_write)
			*val = out;
		return;
	}
	for (unsigned i = 0; i < bits / bpi; i++) {
		uint32_t intid = roff * 8 / bpi + i;
		struct av_vgic_irq *irq = ctx_irq(c, intid);

		if (!irq)
			continue;
		irq_lock(c->vgic, irq);
		if (is_write) {
			if (r->irq_write)
				r->irq_write(c, irq, bits_get(*val, i * bpi, bpi));
		} else if (r->irq_read) {
			out = bits_set(out, i * bpi, bpi, r->irq_read(c, irq));
		}
		irq_unlock(c->vgic, irq);
	}
	if (!is_write)
		*val = out;
}

static void reg_region_access(struct vgic_mmio_ctx *c, const struct vgic_region *r,
			      uint32_t off, unsigned size, bool is_write, uint64_t *val)
{
	unsigned width = r->len <= 8 ? r->len : 4;
	uint32_t reg = off - (off - r->off) % width;
	unsigned pos = (off - reg) * 8;
	uint64_t cur;

	/* Nothing to serialise: a constant or read-as-zero register, or an ignored write. */
	if (is_write ? !r->write : !r->read || (r->flags & VGIC_RF_CONST)) {
		if (!is_write)
			*val = r->read ? bits_get(r->read(c, reg), pos, size * 8) : 0;
		return;
	}
	av__vgic_lock_dist(c->vgic);
	cur = r->read ? r->read(c, reg) : 0;
	if (is_write) {
		if (r->write)
			r->write(c, reg, size >= width ? *val : bits_set(cur, pos, size * 8, *val));
	} else {
		*val = bits_get(cur, pos, size * 8);
	}
	av__vgic_unlock_dist(c->vgic);
}

/* Everything but the whole-register read of a constant register (av__vgic_mmio_access()). */
static __attribute__((noinline)) int mmio_access_slow(struct vgic_mmio_ctx *c,
						      const struct vgic_region *r, uint64_t off,
						      unsigned size, bool is_write, uint64_t *val)
{
	if (!r) {
		/* Reserved: RAZ/WI for word and doubleword accesses. */
		if (size < 4)
			return AV_ACCESS_INJECT;
		if (!is_write)
			*val = 0;
		return AV_ACCESS_HANDLED;
	}
	if (!(r->widths & size) || off + size > (uint64_t)r->off + r->len)
		return AV_ACCESS_INJECT;
	if (is_write && size < 8)
		*val &= low_mask(size * 8);
	if (r->bpi)
		irq_region_access(c, r, (uint32_t)(off - r->off), size, is_write, val);
	else
		reg_region_access(c, r, (uint32_t)off, size, is_write, val);
	if (c->kick) {
		av__vgic_kick(c->vgic, c->kick, NULL);
		c->kick = 0;
	}
	return AV_ACCESS_HANDLED;
}

int av__vgic_mmio_access(struct vgic_mmio_ctx *c, struct vgic_regmap *map, uint64_t off,
			 unsigned size, bool is_write, uint64_t *val)
{
	const struct vgic_region *r;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || (off & (size - 1)) ||
	    off >= map->frame)
		return AV_ACCESS_INJECT;
	r = region_at(map, off);
	if (r && (r->flags & VGIC_RF_CONST) && !is_write && off == r->off && size == r->len) {
		/* The common ID-register read: the whole register, no lock, nothing to kick. */
		*val = r->read(c, (uint32_t)off);
		return AV_ACCESS_HANDLED;
	}
	return mmio_access_slow(c, r, off, size, is_write, val);
}

/* ---- save / restore ---- */

int av_vgic_save(struct av_vgic *vgic, struct av_vgic_snapshot *snap)
{
	int ret = 0;

	if (!vgic || !snap)
		return -AV_EINVAL;
	memset(snap, 0, sizeof(*snap));
	av__vgic_lock_dist(vgic);
	snap->magic = AV_VGIC_SNAP_MAGIC;
	snap->version = AV_VGIC_SNAP_VERSION;
	snap->model = (uint32_t)vgic->model;
	snap->nr_vcpus = vgic->nr_vcpus;
	snap->nr_spis = vgic->nr_spis;
	snap->ctlr = vgic->ctlr;
	for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
		av__vgic_lock_vcpu(vgic, v);
		snap->vcpu[v].mpidr = vgic->vcpu[v].mpidr;
		snap->vcpu[v].asleep = vgic->vcpu[v].asleep;
		for (unsigned i = 0; i < AV_VGIC_NR_PRIVATE; i++)
			if (vgic->irq[v * AV_VGIC_NR_PRIVATE + i].lr != VGIC_NO_LR)
				ret = -AV_EBUSY;
		av__vgic_unlock_vcpu(vgic, v);
	}
	for (unsigned s = 0; s < AV_VGIC_NR_IRQ_SLOTS; s++) {
		const struct av_vgic_irq *irq = &vgic->irq[s];
		struct av_vgic_snap_irq *o = &snap->irq[s];

		if (s < SPI_BASE ? s / AV_VGIC_NR_PRIVATE >= vgic->nr_vcpus
				 : s - SPI_BASE >= vgic->nr_spis)
			continue;
		if (irq->lr != VGIC_NO_LR)
			ret = -AV_EBUSY;
		o->irouter = irq->irouter;
		o->intid = irq->intid;
		o->hw_intid = irq->hw_intid;
		o->flags = irq->flags;
		o->priority = irq->priority;
		o->targets = irq->targets;
		o->sgi_src = irq->sgi_src;
	}
	av__vgic_unlock_dist(vgic);
	return ret;
}

/*
 * The flags a restored IRQ gets from its snapshot @in: all guest state, but the resample
 * wiring (@keep, AV_VGIC_IRQF_RESAMPLE or 0) is the destination's own (its line_level
 * callback and av_vgic_set_resample() calls), not the source's.
 */
static uint8_t snap_flags(uint8_t in, uint8_t keep)
{
	return (uint8_t)((in & ~AV_VGIC_IRQF_RESAMPLE) | keep);
}

/* The MPIDR_EL1 bits a vCPU's affinity keeps (av_vgic_init()). */
#define VGIC_MPIDR_AFF (AV_MPIDR_AFF0 | AV_MPIDR_AFF1 | AV_MPIDR_AFF2 | AV_MPIDR_AFF3)

/*
 * One IRQ of a snapshot, in slot @s, as the calls that build the state could have left it
 * (@used: the slot exists in @vgic; an unused one is all zero, as av_vgic_save() writes it).
 */
static bool snap_irq_ok(const struct av_vgic *vgic, unsigned s, bool used,
			const struct av_vgic_snap_irq *in)
{
	uint32_t intid = s < SPI_BASE ? s % AV_VGIC_NR_PRIVATE : s - SPI_BASE + AV_VGIC_NR_PRIVATE;
	uint8_t vcpus = (uint8_t)AV_GENMASK(vgic->nr_vcpus - 1, 0);
	bool hw = (in->flags & AV_VGIC_IRQF_HW) != 0;

	if (!used)
		return !in->irouter && !in->intid && !in->hw_intid && !in->flags && !in->priority &&
		       !in->targets && !in->sgi_src;
	if (in->intid != intid || (in->priority & ~AV_VGIC_PRIO_MASK))
		return false;
	/* HW links as av_vgic_map_hw() makes them: no SGI, a physical PPI or SPI. */
	if (hw ? intid < AV_VGIC_NR_SGIS || !hw_intid_ok(in->hw_intid) : in->hw_intid != 0)
		return false;
	if (intid < AV_VGIC_NR_SGIS) {
		/* Always edge, never a line; GICv2 keeps its pending state per source. */
		if (!(in->flags & AV_VGIC_IRQF_EDGE) || (in->flags & AV_VGIC_IRQF_LINE))
			return false;
		if (vgic->model == AV_VGIC_V2 ? (in->flags & AV_VGIC_IRQF_LATCH) ||
						(in->sgi_src & ~vcpus)
					      : in->sgi_src != 0)
			return false;
	} else if (in->sgi_src) {
		return false;
	}
	if (intid < AV_VGIC_NR_PRIVATE)
		return !in->targets && !in->irouter;
	/* SPI routing: ITARGETSR within the vCPUs (GICv2), IROUTER's defined bits (GICv3). */
	if (vgic->model == AV_VGIC_V2)
		return !(in->targets & ~vcpus) && !in->irouter;
	return !in->targets && !(in->irouter & ~VGIC_IROUTER_RW);
}

/* A snapshot @vgic can take: av_vgic_restore() changes nothing unless this holds. */
static bool snap_ok(const struct av_vgic *vgic, const struct av_vgic_snapshot *snap)
{
	if (snap->magic != AV_VGIC_SNAP_MAGIC || snap->version != AV_VGIC_SNAP_VERSION ||
	    snap->model != (uint32_t)vgic->model || snap->nr_vcpus != vgic->nr_vcpus ||
	    snap->nr_spis != vgic->nr_spis ||
	    (snap->ctlr & ~(uint32_t)(AV_GICD_CTLR_ENABLE_G0 | AV_GICD_CTLR_ENABLE_G1)))
		return false;
	for (unsigned v = 0; v < AV_VGIC_MAX_VCPUS; v++) {
		const struct av_vgic_snap_vcpu *c = &snap->vcpu[v];

		if (v >= vgic->nr_vcpus) {
			if (c->mpidr || c->asleep || c->pad)
				return false;
			continue;
		}
		/* Affinity only, distinct (av_vgic_init()); ProcessorSleep is one bit. */
		if ((c->mpidr & ~VGIC_MPIDR_AFF) || c->asleep > 1 || c->pad)
			return false;
		for (unsigned w = 0; w < v; w++)
			if (snap->vcpu[w].mpidr == c->mpidr)
				return false;
	}
	for (unsigned s = 0; s < AV_VGIC_NR_IRQ_SLOTS; s++) {
		bool used = s < SPI_BASE ? s / AV_VGIC_NR_PRIVATE < vgic->nr_vcpus
					 : s - SPI_BASE < vgic->nr_spis;

		if (!snap_irq_ok(vgic, s, used, &snap->irq[s]))
			return false;
	}
	return true;
}

int av_vgic_restore(struct av_vgic *vgic, const struct av_vgic_snapshot *snap)
{
	uint64_t kick = 0;
	uint8_t keep;

	if (!vgic || !snap || !snap_ok(vgic, snap))
		return -AV_EINVAL;
	av__vgic_lock_dist(vgic);
	__atomic_store_n(&vgic->ctlr,
			 snap->ctlr & (AV_GICD_CTLR_ENABLE_G0 | AV_GICD_CTLR_ENABLE_G1),
			 __ATOMIC_RELAXED);
	for (unsigned v = 0; v < vgic->nr_vcpus; v++) {
		av__vgic_lock_vcpu(vgic, v);
		vgic->vcpu[v].mpidr = snap->vcpu[v].mpidr;
		vgic->vcpu[v].asleep = snap->vcpu[v].asleep != 0;
		vgic->vcpu[v].head = VGIC_NIL;
		vgic->vcpu[v].nr_spis = 0;
		/* lr_used stays: the LRs the last flush wrote still hold the old state's
		 * interrupts, and the next flush must clear those it does not reuse. */
		vgic->vcpu[v].lr_live = 0;
		for (unsigned i = 0; i < AV_VGIC_NR_PRIVATE; i++) {
			struct av_vgic_irq *irq = &vgic->irq[v * AV_VGIC_NR_PRIVATE + i];
			const struct av_vgic_snap_irq *in = &snap->irq[v * AV_VGIC_NR_PRIVATE + i];

			keep = irq->flags & AV_VGIC_IRQF_RESAMPLE;
			irq_reset(irq, i);
			irq->flags = snap_flags(in->flags, keep);
			irq->priority = in->priority & AV_VGIC_PRIO_MASK;
			irq->hw_intid = in->hw_intid;
			irq->sgi_src = in->sgi_src;
			if (i < AV_VGIC_NR_SGIS)
				irq->flags |= AV_VGIC_IRQF_EDGE;
			av__vgic_irq_retarget(vgic, irq);
			av__vgic_irq_changed(vgic, irq, &kick);
		}
		av__vgic_unlock_vcpu(vgic, v);
	}
	for (unsigned i = 0; i < vgic->nr_spis; i++) {
		struct av_vgic_irq *irq = &vgic->irq[SPI_BASE + i];
		const struct av_vgic_snap_irq *in = &snap->irq[SPI_BASE + i];

		keep = irq->flags & AV_VGIC_IRQF_RESAMPLE;
		irq_reset(irq, AV_VGIC_NR_PRIVATE + i);
		irq->flags = snap_flags(in->flags, keep);
		irq->priority = in->priority & AV_VGIC_PRIO_MASK;
		irq->hw_intid = in->hw_intid;
		irq->targets = in->targets;
		irq->irouter = in->irouter;
		av__vgic_irq_retarget(vgic, irq);
		av__vgic_irq_changed(vgic, irq, &kick);
	}
	av__vgic_unlock_dist(vgic);
	av__vgic_kick(vgic, kick, NULL);
	return 0;
}

/* GICD_CTLR writes, the same for both models: only the group enables are writable here. */
void av__vgic_gicd_ctlr_write(struct vgic_mmio_ctx *c, uint32_t off, uint64_t v)
{
	uint32_t old = c->vgic->ctlr;
	uint32_t ctlr = (uint32_t)(v & (AV_GICD_CTLR_ENABLE_G0 | AV_GICD_CTLR_ENABLE_G1));

	(void)off;
	__atomic_store_n(&c->vgic->ctlr, ctlr, __ATOMIC_RELAXED);
	if (ctlr & ~old)
		av__vgic_kick_deliverable(c->vgic, &c->kick);
}
