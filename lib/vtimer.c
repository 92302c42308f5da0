/* SPDX-License-Identifier: MIT */
/*
 * Generic timer state per vCPU: the EL1 virtual timer and an emulated EL1 physical timer,
 * their firing condition, TVAL semantics, next expiry, and the PPI each drives.
 */
#include <armvirt/vgic.h>
#include <armvirt/vtimer.h>

#include "compat.h"
#include "error_detail.h"

#define CTL_RW (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)
#define VTIMER_ERR(err, field, ...) av__error(err, -AV_EINVAL, "vtimer", field, __VA_ARGS__)

bool av_vtimer_condition(uint32_t ctl, uint64_t count, uint64_t cval)
{
	return (ctl & AV_CNT_CTL_ENABLE) && !(ctl & AV_CNT_CTL_IMASK) && count >= cval;
}

static bool valid_ppi(uint32_t ppi)
{
	return ppi >= AV_VGIC_NR_SGIS && ppi < AV_VGIC_NR_PRIVATE;
}

int av_vtimer_init(struct av_vtimer *t, struct av_vgic *vgic, unsigned vcpu, uint32_t virt_ppi,
		   uint32_t phys_ppi, struct av_error *err)
{
	if (!virt_ppi)
		virt_ppi = AV_VTIMER_PPI_VIRT;
	if (!phys_ppi)
		phys_ppi = AV_VTIMER_PPI_PHYS;
	if (!t)
		return VTIMER_ERR(err, "t", "NULL");
	if (!valid_ppi(virt_ppi))
		return VTIMER_ERR(err, "virt_ppi", "%u is not a PPI (%u..%u; 0 for %u)", virt_ppi,
				  AV_VGIC_NR_SGIS, AV_VGIC_NR_PRIVATE - 1, AV_VTIMER_PPI_VIRT);
	if (!valid_ppi(phys_ppi))
		return VTIMER_ERR(err, "phys_ppi", "%u is not a PPI (%u..%u; 0 for %u)", phys_ppi,
				  AV_VGIC_NR_SGIS, AV_VGIC_NR_PRIVATE - 1, AV_VTIMER_PPI_PHYS);
	if (virt_ppi == phys_ppi)
		return VTIMER_ERR(err, "phys_ppi", "%u is the virtual timer's PPI too", phys_ppi);
	memset(t, 0, sizeof(*t));
	t->vgic = vgic;
	t->vcpu = vcpu;
	t->timer[AV_VTIMER_VIRT].ppi = virt_ppi;
	t->timer[AV_VTIMER_PHYS].ppi = phys_ppi;
	av__error_clear(err);
	return 0;
}

uint64_t av_vtimer_count(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now)
{
	return w == AV_VTIMER_VIRT ? now - t->cntvoff : now;
}

static bool istatus(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now)
{
	const struct av_vtimer_timer *tm = &t->timer[w];

	return (tm->ctl & AV_CNT_CTL_ENABLE) && av_vtimer_count(t, w, now) >= tm->cval;
}

bool av_vtimer_fires(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now)
{
	const struct av_vtimer_timer *tm = &t->timer[w];

	return av_vtimer_condition(tm->ctl, av_vtimer_count(t, w, now), tm->cval);
}

/* Maintain ISTATUS and drive timer @w's PPI when its state changed. */
static int update_one(struct av_vtimer *t, enum av_vtimer_which w, uint64_t now,
		      uint64_t *kicked)
{
	struct av_vtimer_timer *tm = &t->timer[w];
	bool fire = av_vtimer_fires(t, w, now);

	tm->ctl &= (uint32_t)CTL_RW;
	if (istatus(t, w, now))
		tm->ctl |= (uint32_t)AV_CNT_CTL_ISTATUS;
	if (fire == tm->line)
		return 0;
	tm->line = fire;
	if (!t->vgic)
		return 0;
	return av_vgic_set_level(t->vgic, t->vcpu, tm->ppi, fire, kicked);
}

int av_vtimer_update(struct av_vtimer *t, uint64_t now, uint64_t *kicked)
{
	int ret;

	if (!t)
		return -AV_EINVAL;
	ret = update_one(t, AV_VTIMER_VIRT, now, kicked);
	if (ret)
		return ret;
	return update_one(t, AV_VTIMER_PHYS, now, kicked);
}

uint32_t av_vtimer_read_ctl(struct av_vtimer *t, enum av_vtimer_which w, uint64_t now)
{
	struct av_vtimer_timer *tm = &t->timer[w];

	tm->ctl &= (uint32_t)CTL_RW;
	if (istatus(t, w, now))
		tm->ctl |= (uint32_t)AV_CNT_CTL_ISTATUS;
	return tm->ctl;
}

int av_vtimer_write_ctl(struct av_vtimer *t, enum av_vtimer_which w, uint64_t val, uint64_t now,
			uint64_t *kicked)
{
	t->timer[w].ctl = (uint32_t)(val & CTL_RW);
	return update_one(t, w, now, kicked);
}

uint64_t av_vtimer_read_cval(const struct av_vtimer *t, enum av_vtimer_which w)
{
	return t->timer[w].cval;
}

int av_vtimer_write_cval(struct av_vtimer *t, enum av_vtimer_which w, uint64_t val, uint64_t now,
			 uint64_t *kicked)
{
	t->timer[w].cval = val;
	return update_one(t, w, now, kicked);
}

uint64_t av_vtimer_read_tval(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now)
{
	return AV_FIELD_GET(AV_CNT_TVAL, t->timer[w].cval - av_vtimer_count(t, w, now));
}

int av_vtimer_write_tval(struct av_vtimer *t, enum av_vtimer_which w, uint64_t val, uint64_t now,
			 uint64_t *kicked)
{
	t->timer[w].cval = av_vtimer_count(t, w, now) +
			   (uint64_t)av_sext(AV_FIELD_GET(AV_CNT_TVAL, val), 32);
	return update_one(t, w, now, kicked);
}

int av_vtimer_set_offset(struct av_vtimer *t, uint64_t cntvoff, uint64_t now, uint64_t *kicked)
{
	t->cntvoff = cntvoff;
	return update_one(t, AV_VTIMER_VIRT, now, kicked);
}

/* Physical count at which timer @w fires, or UINT64_MAX when it never will. */
static uint64_t expiry_one(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now)
{
	const struct av_vtimer_timer *tm = &t->timer[w];
	uint64_t count = av_vtimer_count(t, w, now);

	if (!(tm->ctl & AV_CNT_CTL_ENABLE) || (tm->ctl & AV_CNT_CTL_IMASK))
		return UINT64_MAX;
	if (count >= tm->cval)
		return now;
	/* The counter reaches CVAL after (cval - count) more ticks. */
	if (tm->cval - count > UINT64_MAX - now)
		return UINT64_MAX;
	return now + (tm->cval - count);
}

uint64_t av_vtimer_next_expiry(const struct av_vtimer *t, uint64_t now)
{
	uint64_t v = expiry_one(t, AV_VTIMER_VIRT, now), p = expiry_one(t, AV_VTIMER_PHYS, now);

	return v < p ? v : p;
}

uint64_t av_vtimer_next_raise(const struct av_vtimer *t, unsigned mask, uint64_t now)
{
	uint64_t when = UINT64_MAX;

	for (unsigned w = AV_VTIMER_VIRT; w <= AV_VTIMER_PHYS; w++) {
		uint64_t e;

		if (!(mask & AV_VTIMER_BIT(w)) || t->timer[w].line)
			continue;
		e = expiry_one(t, (enum av_vtimer_which)w, now);
		if (e < when)
			when = e;
	}
	return when;
}

int av_vtimer_ppi_level(const struct av_vtimer *t, uint32_t intid, uint64_t now)
{
	for (unsigned w = AV_VTIMER_VIRT; w <= AV_VTIMER_PHYS; w++)
		if (t->timer[w].ppi == intid)
			return av_vtimer_fires(t, (enum av_vtimer_which)w, now);
	return -AV_ENOENT;
}

uint64_t av_vtimer_ticks_until(const struct av_vtimer *t, uint64_t now)
{
	uint64_t e = av_vtimer_next_expiry(t, now);

	return e == UINT64_MAX ? UINT64_MAX : e - now;
}

int av_vtimer_save(const struct av_vtimer *t, struct av_vtimer_snapshot *snap)
{
	if (!t || !snap)
		return -AV_EINVAL;
	memset(snap, 0, sizeof(*snap));
	snap->magic = AV_VTIMER_SNAP_MAGIC;
	snap->version = AV_VTIMER_SNAP_VERSION;
	snap->cntvoff = t->cntvoff;
	snap->cntv_cval = t->timer[AV_VTIMER_VIRT].cval;
	snap->cntp_cval = t->timer[AV_VTIMER_PHYS].cval;
	snap->cntv_ctl = t->timer[AV_VTIMER_VIRT].ctl & (uint32_t)CTL_RW;
	snap->cntp_ctl = t->timer[AV_VTIMER_PHYS].ctl & (uint32_t)CTL_RW;
	snap->virt_ppi = t->timer[AV_VTIMER_VIRT].ppi;
	snap->phys_ppi = t->timer[AV_VTIMER_PHYS].ppi;
	return 0;
}

int av_vtimer_restore(struct av_vtimer *t, const struct av_vtimer_snapshot *snap, uint64_t now,
		      uint64_t *kicked)
{
	if (!t || !snap || snap->magic != AV_VTIMER_SNAP_MAGIC ||
	    snap->version != AV_VTIMER_SNAP_VERSION || !valid_ppi(snap->virt_ppi) ||
	    !valid_ppi(snap->phys_ppi) || snap->virt_ppi == snap->phys_ppi)
		return -AV_EINVAL;
	t->cntvoff = snap->cntvoff;
	t->timer[AV_VTIMER_VIRT].cval = snap->cntv_cval;
	t->timer[AV_VTIMER_PHYS].cval = snap->cntp_cval;
	t->timer[AV_VTIMER_VIRT].ctl = snap->cntv_ctl & (uint32_t)CTL_RW;
	t->timer[AV_VTIMER_PHYS].ctl = snap->cntp_ctl & (uint32_t)CTL_RW;
	t->timer[AV_VTIMER_VIRT].ppi = snap->virt_ppi;
	t->timer[AV_VTIMER_PHYS].ppi = snap->phys_ppi;
	return av_vtimer_update(t, now, kicked);
}
