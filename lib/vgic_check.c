/* SPDX-License-Identifier: MIT */
/*
 * av_vgic_check(): the vGIC's internal invariants, for tests and fuzzers (see vgic.h).
 * Read-only, without locks: the caller has the vGIC to itself.
 */
#include <armvirt/vgic.h>

#include "error_detail.h"
#include "vgic_internal.h"

#define SPI_BASE (AV_VGIC_MAX_VCPUS * AV_VGIC_NR_PRIVATE)
#define VGIC_MPIDR_AFF (AV_MPIDR_AFF0 | AV_MPIDR_AFF1 | AV_MPIDR_AFF2 | AV_MPIDR_AFF3)

#define BAD(err, field, ...) av__error(err, -AV_EIO, "vgic_check", field, __VA_ARGS__)

static bool slot_used(const struct av_vgic *v, unsigned s)
{
	return s < SPI_BASE ? s / AV_VGIC_NR_PRIVATE < v->nr_vcpus : s - SPI_BASE < v->nr_spis;
}

static uint32_t slot_intid(unsigned s)
{
	return s < SPI_BASE ? s % AV_VGIC_NR_PRIVATE : s - SPI_BASE + AV_VGIC_NR_PRIVATE;
}

/* The configuration and GICD_CTLR. */
static int check_config(const struct av_vgic *v, struct av_error *err)
{
	unsigned max = v->model == AV_VGIC_V2 ? AV_VGIC_V2_MAX_VCPUS : AV_VGIC_MAX_VCPUS;

	if (v->model != AV_VGIC_V2 && v->model != AV_VGIC_V3)
		return BAD(err, "model", "%d is neither GICv2 nor GICv3", (int)v->model);
	if (v->nr_vcpus < 1 || v->nr_vcpus > max)
		return BAD(err, "nr_vcpus", "%u outside 1..%u", v->nr_vcpus, max);
	if (v->nr_spis > AV_VGIC_MAX_SPIS)
		return BAD(err, "nr_spis", "%u above %u", v->nr_spis, AV_VGIC_MAX_SPIS);
	if (v->ctlr & ~(uint32_t)(AV_GICD_CTLR_ENABLE_G0 | AV_GICD_CTLR_ENABLE_G1))
		return BAD(err, "ctlr", "0x%x has bits other than the group enables", v->ctlr);
	if (!v->lr_ops)
		return BAD(err, "lr_ops", "NULL");
	return 0;
}

/* One IRQ's own fields: what the building calls (and av_vgic_restore()) allow. */
static int check_irq_fields(const struct av_vgic *v, unsigned s, struct av_error *err)
{
	const struct av_vgic_irq *irq = &v->irq[s];
	uint32_t intid = slot_intid(s);
	uint64_t vcpus = v->nr_vcpus ? AV_GENMASK(v->nr_vcpus - 1, 0) : 0;
	bool v2_sgi = v->model == AV_VGIC_V2 && intid < AV_VGIC_NR_SGIS;

	if (irq->intid != intid)
		return BAD(err, "irq.intid", "slot %u holds INTID %u, not %u", s, irq->intid, intid);
	if (irq->priority & ~AV_VGIC_PRIO_MASK)
		return BAD(err, "irq.priority", "INTID %u: 0x%x has unimplemented bits", intid,
			   irq->priority);
	if (irq->flags & AV_VGIC_IRQF_HW) {
		if (intid < AV_VGIC_NR_SGIS || !av__vgic_hw_intid_ok(irq->hw_intid))
			return BAD(err, "irq.hw_intid", "INTID %u linked to physical %u", intid,
				   irq->hw_intid);
	} else if (irq->hw_intid) {
		return BAD(err, "irq.hw_intid", "INTID %u: %u without the HW flag", intid,
			   irq->hw_intid);
	}
	if (intid < AV_VGIC_NR_SGIS &&
	    (!(irq->flags & AV_VGIC_IRQF_EDGE) || (irq->flags & AV_VGIC_IRQF_LINE)))
		return BAD(err, "irq.flags", "SGI %u not edge, or with a line", intid);
	if (v2_sgi ? (irq->flags & AV_VGIC_IRQF_LATCH) || (irq->sgi_src & ~vcpus) ||
			     (irq->lr_src >= v->nr_vcpus)
		   : irq->sgi_src || irq->lr_src)
		return BAD(err, "irq.sgi_src", "INTID %u: sources 0x%x, listed source %u", intid,
			   irq->sgi_src, irq->lr_src);
	if (intid < AV_VGIC_NR_PRIVATE ? irq->targets || irq->irouter
	    : v->model == AV_VGIC_V2   ? (irq->targets & ~vcpus) || irq->irouter
				       : irq->targets || (irq->irouter & ~VGIC_IROUTER_RW))
		return BAD(err, "irq.targets", "INTID %u: targets 0x%x, irouter 0x%llx", intid,
			   irq->targets, (unsigned long long)irq->irouter);
	if (irq->target != av__vgic_irq_route(v, irq) &&
	    !(v->model == AV_VGIC_V3 && intid >= AV_VGIC_NR_PRIVATE &&
	      (irq->irouter & AV_GICD_IROUTER_IRM)))
		return BAD(err, "irq.target", "INTID %u: target %u, its routing says %u", intid,
			   irq->target, av__vgic_irq_route(v, irq));
	return 0;
}

/*
 * List membership of one IRQ: listed on its owner while pending, active or in an LR; an
 * idle one on no list; a pending one with a target on some list; a private IRQ only on its
 * own vCPU's; an LR index only while the owner's live LRs name it.
 */
static int check_irq_list(const struct av_vgic *v, unsigned s, struct av_error *err)
{
	const struct av_vgic_irq *irq = &v->irq[s];
	bool pend = av__vgic_irq_pending(v, irq);
	bool busy = (irq->flags & AV_VGIC_IRQF_ACTIVE) || irq->lr != VGIC_NO_LR;
	unsigned owner = irq->owner;

	if (owner == VGIC_NO_VCPU) {
		if (irq->lr != VGIC_NO_LR)
			return BAD(err, "irq.lr", "INTID %u in LR %u but on no list", irq->intid,
				   irq->lr);
		if ((busy || pend) && irq->target != VGIC_NO_VCPU)
			return BAD(err, "irq.owner", "INTID %u pending or active but on no list",
				   irq->intid);
		if (irq->next != VGIC_NIL || irq->prev != VGIC_NIL)
			return BAD(err, "irq.next", "INTID %u linked but on no list", irq->intid);
		return 0;
	}
	if (owner >= v->nr_vcpus)
		return BAD(err, "irq.owner", "INTID %u on the list of vCPU %u of %u", irq->intid,
			   owner, v->nr_vcpus);
	if (irq->intid < AV_VGIC_NR_PRIVATE && owner != s / AV_VGIC_NR_PRIVATE)
		return BAD(err, "irq.owner", "private INTID %u of vCPU %u on vCPU %u's list",
			   irq->intid, s / AV_VGIC_NR_PRIVATE, owner);
	if (!busy && !pend)
		return BAD(err, "irq.owner", "INTID %u idle but listed on vCPU %u", irq->intid, owner);
	if (irq->lr != VGIC_NO_LR &&
	    (irq->lr >= v->vcpu[owner].lr_live || v->vcpu[owner].lr_slot[irq->lr] != s))
		return BAD(err, "irq.lr", "INTID %u claims LR %u of vCPU %u, which does not hold it",
			   irq->intid, irq->lr, owner);
	return 0;
}

/* A vCPU's list (linked both ways, priority order, its own IRQs, the SPI count) and LRs. */
static int check_vcpu(const struct av_vgic *v, unsigned c, struct av_error *err)
{
	const struct av_vgic_vcpu *vc = &v->vcpu[c];
	unsigned n = 0, spis = 0, prev = VGIC_NIL;

	if (vc->asleep > 1)
		return BAD(err, "vcpu.asleep", "vCPU %u: %u", c, vc->asleep);
	if (vc->mpidr & ~VGIC_MPIDR_AFF)
		return BAD(err, "vcpu.mpidr", "vCPU %u: 0x%llx has non-affinity bits", c,
			   (unsigned long long)vc->mpidr);
	for (unsigned w = 0; w < c; w++)
		if (v->vcpu[w].mpidr == vc->mpidr)
			return BAD(err, "vcpu.mpidr", "vCPUs %u and %u share 0x%llx", w, c,
				   (unsigned long long)vc->mpidr);
	if (vc->lr_used > AV_VGIC_MAX_LRS || (vc->lr_live && vc->lr_live != vc->lr_used))
		return BAD(err, "vcpu.lr_live", "vCPU %u: %u live of %u written", c, vc->lr_live,
			   vc->lr_used);
	for (unsigned s = vc->head; s != VGIC_NIL; s = v->irq[s].next) {
		const struct av_vgic_irq *irq;

		if (s >= AV_VGIC_NR_IRQ_SLOTS || !slot_used(v, s))
			return BAD(err, "vcpu.head", "vCPU %u: list reaches slot %u", c, s);
		if (++n > AV_VGIC_NR_IRQ_SLOTS)
			return BAD(err, "vcpu.head", "vCPU %u: the list loops", c);
		irq = &v->irq[s];
		if (irq->owner != c || irq->prev != prev)
			return BAD(err, "irq.prev", "vCPU %u: INTID %u owner %u, back link %u not %u",
				   c, irq->intid, irq->owner, irq->prev, prev);
		if (prev != VGIC_NIL && v->irq[prev].priority > irq->priority)
			return BAD(err, "irq.priority", "vCPU %u: INTID %u (0x%x) after 0x%x", c,
				   irq->intid, irq->priority, v->irq[prev].priority);
		spis += s >= SPI_BASE;
		prev = s;
	}
	if (spis != vc->nr_spis)
		return BAD(err, "vcpu.nr_spis", "vCPU %u: counts %u SPIs, its list holds %u", c,
			   vc->nr_spis, spis);
	for (unsigned i = 0; i < vc->lr_live; i++) {
		unsigned s = vc->lr_slot[i];

		if (s >= AV_VGIC_NR_IRQ_SLOTS || !slot_used(v, s) || v->irq[s].lr != i ||
		    v->irq[s].owner != c)
			return BAD(err, "vcpu.lr_slot", "vCPU %u: LR %u names slot %u, not its own",
				   c, i, s);
	}
	return 0;
}

int av_vgic_check(const struct av_vgic *vgic, struct av_error *err)
{
	unsigned listed = 0, owned = 0;
	int rc;

	if (!vgic)
		return av__error(err, -AV_EINVAL, "vgic_check", "vgic", "NULL");
	rc = check_config(vgic, err);
	for (unsigned c = 0; !rc && c < vgic->nr_vcpus; c++) {
		rc = check_vcpu(vgic, c, err);
		for (unsigned s = vgic->vcpu[c].head; !rc && s != VGIC_NIL; s = vgic->irq[s].next)
			listed++;
	}
	for (unsigned s = 0; !rc && s < AV_VGIC_NR_IRQ_SLOTS; s++) {
		if (s == vgic->nr_vcpus * AV_VGIC_NR_PRIVATE)
			s = SPI_BASE; /* the unused banks */
		if (s >= SPI_BASE + vgic->nr_spis)
			break;
		rc = check_irq_fields(vgic, s, err);
		if (!rc)
			rc = check_irq_list(vgic, s, err);
		owned += vgic->irq[s].owner != VGIC_NO_VCPU;
	}
	if (!rc && owned != listed)
		rc = BAD(err, "irq.owner", "%u IRQs name an owner, the lists hold %u", owned, listed);
	if (!rc)
		av__error_clear(err);
	return rc;
}
