/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, pass-through: virtio-mmio transports probed for a device, and the VM that owns a
 * physical SPI.
 */
#include "bm_internal.h"

/*
 * Pass-through of a virtio device: probe the board's virtio-mmio transports (from the last
 * slot down, the order QEMU fills them in) for MagicValue "virt" and DeviceID @id. The VM
 * gets the transport's 4 KiB page (8 transports share one; the others must have no
 * device) and its SPI.
 */
#define VIRTIO_MAGIC 0x74726976u
uint64_t pt_dev_base[BM_MAX_VMS];

int pt_resolve(struct bm_vm *vm)
{
	const struct bm_passthrough *d = &vm->desc->pt;

	vm->pt = *d;
	if (!d->virtio_id) {
		pt_dev_base[vm->index] = d->base;
		return 0;
	}
	for (int slot = 31; slot >= 0; slot--) {
		uint64_t base = AV_VIRT_VIRTIO_BASE + (uint64_t)slot * AV_VIRT_VIRTIO_SIZE;
		uint64_t page = base & ~0xfffull;

		if (port_read32(base) != VIRTIO_MAGIC || port_read32(base + 8) != d->virtio_id)
			continue;
		for (uint64_t o = page; o < page + 0x1000; o += AV_VIRT_VIRTIO_SIZE) {
			if (o != base && port_read32(o) == VIRTIO_MAGIC && port_read32(o + 8) != 0) {
				port_printf("armvirt-bm: %s: virtio transport %#llx shares its page with "
					    "another device: not passed through\n", vm->desc->name,
					    (unsigned long long)base);
				return -AV_EBUSY;
			}
		}
		vm->pt.base = page;
		vm->pt.size = 0x1000;
		vm->pt.spis[0] = AV_VIRT_VIRTIO_SPI + (uint32_t)slot;
		vm->pt.nr_spis = 1;
		pt_dev_base[vm->index] = base;
		port_printf("armvirt-bm: %s: virtio device %u found at %#llx (transport %d, SPI %u): "
			    "passed through\n", vm->desc->name, d->virtio_id,
			    (unsigned long long)base, slot, vm->pt.spis[0]);
		return 0;
	}
	port_printf("armvirt-bm: %s: no virtio-mmio transport has device %u\n", vm->desc->name,
		    d->virtio_id);
	return -AV_ENOENT;
}

/* The VM that owns physical SPI INTID @intid (pass-through), or NULL. */
struct bm_vm *pt_owner(unsigned intid)
{
	for (unsigned i = 0; i < nr_vms; i++)
		for (unsigned k = 0; k < vms[i].pt.nr_spis; k++)
			if (vms[i].started && 32 + vms[i].pt.spis[k] == intid)
				return &vms[i];
	return NULL;
}
