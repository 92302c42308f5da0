/* SPDX-License-Identifier: MIT */
/*
 * Library-internal part of the MMIO bus (lib/mmio.c): av_mmio_dev_rw()'s body, inlined
 * into the VM's fast path (lib/vm.c) as well.
 */
#ifndef ARMVIRT_LIB_MMIO_INTERNAL_H
#define ARMVIRT_LIB_MMIO_INTERNAL_H

#include <armvirt/mmio.h>

static inline uint64_t av__mmio_width_mask(unsigned size)
{
	return size == 8 ? UINT64_MAX : (UINT64_C(1) << (size * 8)) - 1;
}

/* av_mmio_dev_rw() (armvirt/mmio.h). */
static inline __attribute__((always_inline)) enum av_access_result
av__mmio_dev_rw(struct av_mmio_dev *d, struct av_vcpu *vcpu, uint64_t addr, unsigned size,
		bool is_write, uint64_t *val)
{
	enum av_access_result r;
	uint64_t v, off = addr - d->base;
	unsigned widths = d->widths ? d->widths : AV_MMIO_WALL;

	/* Width, alignment, and the last byte of the access inside the device. */
	if (!(widths & size) || ((addr & (size - 1)) && !(d->flags & AV_MMIO_F_UNALIGNED)) ||
	    size - 1 > d->size - 1 - off) {
		d->rejected++;
		if (!is_write)
			*val = 0;
		return AV_ACCESS_INJECT;
	}
	if (is_write) {
		d->writes++;
		return d->ops->write(d->dev, vcpu, off, size, *val & av__mmio_width_mask(size));
	}
	d->reads++;
	v = 0;
	r = d->ops->read(d->dev, vcpu, off, size, &v);
	*val = r == AV_ACCESS_HANDLED ? v & av__mmio_width_mask(size) : 0;
	return r;
}

#endif
