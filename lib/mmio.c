/* SPDX-License-Identifier: MIT */
/*
 * The MMIO bus.
 *
 * Invariant: slots[0..count) are sorted by base and their ranges are pairwise disjoint,
 * so the device that may contain an address is the last one whose base is <= the address.
 * Ranges are handled as [base, base + size - 1] ("last" addresses) so that a device
 * ending at the top of the address space needs no 65-bit arithmetic.
 */
#include <armvirt/mmio.h>

#include "compat.h"
#include "error_detail.h"
#include "mmio_internal.h"

static uint64_t dev_last(const struct av_mmio_dev *d)
{
	return d->base + (d->size - 1);
}

/* Index of the first slot whose base is > addr (0..count). */
static size_t upper_bound(const struct av_mmio_bus *bus, uint64_t addr)
{
	size_t lo = 0, hi = bus->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bus->slots[mid]->base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define MMIO_ERR(err, code, field, ...) av__error(err, code, "mmio", field, __VA_ARGS__)

int av_mmio_bus_init(struct av_mmio_bus *bus, struct av_mmio_dev **slots, size_t capacity,
		     enum av_mmio_unclaimed policy, struct av_error *err)
{
	if (!bus)
		return MMIO_ERR(err, -AV_EINVAL, "bus", "NULL");
	if (!slots && capacity)
		return MMIO_ERR(err, -AV_EINVAL, "slots", "NULL with a capacity of %llu",
				(unsigned long long)capacity);
	if (policy != AV_MMIO_UNCLAIMED_ABORT && policy != AV_MMIO_UNCLAIMED_RAZ_WI &&
	    policy != AV_MMIO_UNCLAIMED_TO_CALLER)
		return MMIO_ERR(err, -AV_EINVAL, "policy",
				"%d is not an enum av_mmio_unclaimed (ABORT, RAZ_WI, TO_CALLER: 0..2)",
				(int)policy);
	memset(bus, 0, sizeof(*bus));
	bus->slots = slots;
	bus->capacity = capacity;
	bus->policy = policy;
	av__error_clear(err);
	return 0;
}

static const char *dev_name(const struct av_mmio_dev *d)
{
	return d->name ? d->name : "(unnamed)";
}

/* -AV_EEXIST: @dev's range overlaps the registered device @other. */
static int overlap(struct av_error *err, const struct av_mmio_dev *dev,
		   const struct av_mmio_dev *other)
{
	return MMIO_ERR(err, -AV_EEXIST, "base",
			"%s 0x%llx+0x%llx overlaps %s 0x%llx+0x%llx", dev_name(dev),
			(unsigned long long)dev->base, (unsigned long long)dev->size,
			dev_name(other), (unsigned long long)other->base,
			(unsigned long long)other->size);
}

int av_mmio_register(struct av_mmio_bus *bus, struct av_mmio_dev *dev, struct av_error *err)
{
	size_t pos;

	if (!bus || !dev)
		return MMIO_ERR(err, -AV_EINVAL, bus ? "dev" : "bus", "NULL");
	if (!dev->ops || !dev->ops->read || !dev->ops->write)
		return MMIO_ERR(err, -AV_EINVAL, "ops", "%s: %s is NULL (read and write are required)",
				dev_name(dev),
				!dev->ops ? "ops" : !dev->ops->read ? "ops->read" : "ops->write");
	if (dev->size == 0)
		return MMIO_ERR(err, -AV_EINVAL, "size", "%s: 0", dev_name(dev));
	if (dev->size - 1 > UINT64_MAX - dev->base)
		return MMIO_ERR(err, -AV_EINVAL, "size", "%s: 0x%llx+0x%llx wraps past 2^64",
				dev_name(dev), (unsigned long long)dev->base,
				(unsigned long long)dev->size);
	if (dev->widths & ~AV_MMIO_WALL)
		return MMIO_ERR(err, -AV_EINVAL, "widths",
				"%s: 0x%x has bits outside AV_MMIO_WALL (0xf)", dev_name(dev),
				dev->widths);
	for (size_t i = 0; i < bus->count; i++)
		if (bus->slots[i] == dev)
			return MMIO_ERR(err, -AV_EEXIST, "dev", "%s is already on the bus",
					dev_name(dev));
	pos = upper_bound(bus, dev->base);
	/* The previous device must end before us, the next must start after us. */
	if (pos > 0 && dev_last(bus->slots[pos - 1]) >= dev->base)
		return overlap(err, dev, bus->slots[pos - 1]);
	if (pos < bus->count && bus->slots[pos]->base <= dev_last(dev))
		return overlap(err, dev, bus->slots[pos]);
	if (bus->count >= bus->capacity)
		return MMIO_ERR(err, -AV_ENOSPC, "bus", "%s: full (capacity %llu devices)",
				dev_name(dev), (unsigned long long)bus->capacity);
	/* NOLINTBEGIN(bugprone-sizeof-expression): an array of pointers is moved */
	memmove(&bus->slots[pos + 1], &bus->slots[pos],
		(bus->count - pos) * sizeof(bus->slots[0]));
	/* NOLINTEND(bugprone-sizeof-expression) */
	bus->slots[pos] = dev;
	bus->count++;
	bus->gen++;
	dev->reads = 0;
	dev->writes = 0;
	dev->rejected = 0;
	av__error_clear(err);
	return 0;
}

int av_mmio_unregister(struct av_mmio_bus *bus, struct av_mmio_dev *dev)
{
	size_t pos;

	if (!bus || !dev)
		return -AV_EINVAL;
	pos = upper_bound(bus, dev->base);
	if (pos == 0 || bus->slots[pos - 1] != dev)
		return -AV_ENOENT;
	pos--;
	/* NOLINTBEGIN(bugprone-sizeof-expression): an array of pointers is moved */
	memmove(&bus->slots[pos], &bus->slots[pos + 1],
		(bus->count - pos - 1) * sizeof(bus->slots[0]));
	/* NOLINTEND(bugprone-sizeof-expression) */
	bus->count--;
	bus->gen++;
	return 0;
}

struct av_mmio_dev *av_mmio_find(const struct av_mmio_bus *bus, uint64_t addr)
{
	size_t pos;
	struct av_mmio_dev *d;

	if (!bus || bus->count == 0)
		return NULL;
	pos = upper_bound(bus, addr);
	if (pos == 0)
		return NULL;
	d = bus->slots[pos - 1];
	return addr <= dev_last(d) ? d : NULL;
}

enum av_access_result av_mmio_dev_rw(struct av_mmio_dev *d, struct av_vcpu *vcpu,
				     uint64_t addr, unsigned size, bool is_write, uint64_t *val)
{
	return av__mmio_dev_rw(d, vcpu, addr, size, is_write, val);
}

enum av_access_result av_mmio_dev_access(struct av_mmio_bus *bus, struct av_mmio_dev *d,
					 struct av_vcpu *vcpu, uint64_t addr, unsigned size,
					 bool is_write, uint64_t *val)
{
	if (!bus || !val)
		return AV_ACCESS_INJECT;
	if (!is_write)
		*val = 0;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return AV_ACCESS_INJECT;
	if (!d) {
		if (is_write)
			bus->unclaimed_writes++;
		else
			bus->unclaimed_reads++;
		switch (bus->policy) {
		case AV_MMIO_UNCLAIMED_RAZ_WI:
			return AV_ACCESS_HANDLED;
		case AV_MMIO_UNCLAIMED_TO_CALLER:
			return AV_ACCESS_TO_CALLER;
		case AV_MMIO_UNCLAIMED_ABORT:
		default:
			return AV_ACCESS_INJECT;
		}
	}
	return av_mmio_dev_rw(d, vcpu, addr, size, is_write, val);
}

enum av_access_result av_mmio_access(struct av_mmio_bus *bus, struct av_vcpu *vcpu,
				     uint64_t addr, unsigned size, bool is_write, uint64_t *val)
{
	return av_mmio_dev_access(bus, bus ? av_mmio_find(bus, addr) : NULL, vcpu, addr, size,
				  is_write, val);
}

enum av_access_result av_mmio_read(struct av_mmio_bus *bus, struct av_vcpu *vcpu, uint64_t addr,
				   unsigned size, uint64_t *val)
{
	return av_mmio_access(bus, vcpu, addr, size, false, val);
}

enum av_access_result av_mmio_write(struct av_mmio_bus *bus, struct av_vcpu *vcpu,
				    uint64_t addr, unsigned size, uint64_t val)
{
	return av_mmio_access(bus, vcpu, addr, size, true, &val);
}

int av_mmio_insn_access(void *ctx, uint64_t ipa, unsigned size, bool is_write, uint64_t *val)
{
	const struct av_mmio_insn_ctx *c = ctx;

	if (!c)
		return -AV_EFAULT;
	switch (av_mmio_access(c->bus, c->vcpu, ipa, size, is_write, val)) {
	case AV_ACCESS_HANDLED:
		return 0;
	case AV_ACCESS_TO_CALLER:
		return -AV_ENOENT;
	case AV_ACCESS_INJECT:
	default:
		return -AV_EFAULT;
	}
}

void av_mmio_bus_reset(struct av_mmio_bus *bus)
{
	if (!bus)
		return;
	for (size_t i = 0; i < bus->count; i++) {
		struct av_mmio_dev *d = bus->slots[i];

		if (d->ops->reset)
			d->ops->reset(d->dev);
	}
}
