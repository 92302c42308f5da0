/* SPDX-License-Identifier: MIT */
/* The vGIC's frames as devices of an MMIO bus (armvirt/vgic_bus.h). */
#include <armvirt/vgic_bus.h>
#include <armvirt/vm.h>

#include "error_detail.h"

static enum av_access_result result(int r)
{
	return r == AV_ACCESS_HANDLED ? AV_ACCESS_HANDLED : AV_ACCESS_INJECT;
}

/*
 * GICv2 distributor registers (or parts) banked per CPU: the bit, byte and 2-bit fields of
 * interrupts 0-31 (IGROUPR0 to ICACTIVER0, IPRIORITYR0-7, ITARGETSR0-7, ICFGR0-1), and
 * SGIR, CPENDSGIR, SPENDSGIR. Without a vCPU there is no bank to reach.
 */
static bool v2_banked(uint64_t off)
{
	if (off >= AV_GICD_IGROUPR && off < AV_GICD_IPRIORITYR)
		return (off & 0x7f) < 4;
	return (off >= AV_GICD_IPRIORITYR && off < AV_GICD_IPRIORITYR + 32) ||
	       (off >= AV_GICD_ITARGETSR && off < AV_GICD_ITARGETSR + 32) ||
	       (off >= AV_GICD_ICFGR && off < AV_GICD_ICFGR + 8) ||
	       (off >= AV_GICD_SGIR && off < AV_GICD_SPENDSGIR + 16);
}

static void written(struct av_vgic_bus *vb, struct av_vcpu *vcpu)
{
	if (vb->written)
		vb->written(vb->cookie, vcpu);
}

/* Reads change nothing the list registers depend on; the ID registers take the short way. */
static enum av_access_result dist_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
				       unsigned size, uint64_t *val)
{
	struct av_vgic *vgic = ((struct av_vgic_bus *)dev)->vgic;

	if (av_vgic_dist_read_id(vgic, off, size, val))
		return AV_ACCESS_HANDLED;
	if (vgic->model == AV_VGIC_V3)
		return result(av_vgic_v3_dist_access(vgic, off, size, false, val));
	if (!vcpu && v2_banked(off))
		return AV_ACCESS_INJECT;
	return result(av_vgic_v2_dist_access(vgic, vcpu ? vcpu->index : 0, off, size, false, val));
}

static enum av_access_result dist_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					unsigned size, uint64_t val)
{
	struct av_vgic_bus *vb = dev;
	int r;

	if (vb->vgic->model == AV_VGIC_V3)
		r = av_vgic_v3_dist_access(vb->vgic, off, size, true, &val);
	else if (!vcpu && v2_banked(off))
		return AV_ACCESS_INJECT; /* nothing written */
	else
		r = av_vgic_v2_dist_access(vb->vgic, vcpu ? vcpu->index : 0, off, size, true, &val);
	written(vb, vcpu);
	return result(r);
}

static enum av_access_result redist_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
					 unsigned size, uint64_t *val)
{
	(void)vcpu;
	return result(av_vgic_v3_redist_region_access(((struct av_vgic_bus *)dev)->vgic, off,
						      size, false, val));
}

static enum av_access_result redist_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					  unsigned size, uint64_t val)
{
	struct av_vgic_bus *vb = dev;
	int r = av_vgic_v3_redist_region_access(vb->vgic, off, size, true, &val);

	written(vb, vcpu);
	return result(r);
}

static const struct av_mmio_ops dist_ops = { .read = dist_read, .write = dist_write };
static const struct av_mmio_ops redist_ops = { .read = redist_read, .write = redist_write };

int av_vgic_bus_add(struct av_vgic_bus *vb, struct av_vgic *vgic, struct av_mmio_bus *bus,
		    uint64_t dist_base, uint64_t redist_base,
		    void (*written_fn)(void *cookie, struct av_vcpu *vcpu), void *cookie,
		    struct av_error *err)
{
	bool v3;
	int rc;

	if (!vb || !vgic || !bus)
		return av__error(err, -AV_EINVAL, "vgic_bus", !vb ? "vb" : !vgic ? "vgic" : "bus",
				 "NULL");
	if (!vgic->nr_vcpus || (vgic->model != AV_VGIC_V3 && vgic->model != AV_VGIC_V2))
		return av__error(err, -AV_EINVAL, "vgic_bus", "vgic",
				 "not initialised (av_vgic_init())");
	v3 = vgic->model == AV_VGIC_V3;
	*vb = (struct av_vgic_bus){ .vgic = vgic, .written = written_fn, .cookie = cookie };
	vb->dist = (struct av_mmio_dev){
		.base = dist_base,
		.size = v3 ? AV_GICD_V3_SIZE : AV_GICD_V2_SIZE,
		.ops = &dist_ops,
		.dev = vb,
		.name = "gicd",
		.widths = AV_MMIO_WALL,
	};
	rc = av_mmio_register(bus, &vb->dist, err);
	if (rc || !v3)
		return rc;
	vb->redist = (struct av_mmio_dev){
		.base = redist_base,
		.size = (uint64_t)vgic->nr_vcpus * AV_GICR_STRIDE,
		.ops = &redist_ops,
		.dev = vb,
		.name = "gicr",
		.widths = AV_MMIO_WALL,
	};
	rc = av_mmio_register(bus, &vb->redist, err);
	if (rc)
		av_mmio_unregister(bus, &vb->dist);
	return rc;
}
