/* SPDX-License-Identifier: MIT */
/*
 * The virtio-mmio transport, modern interface (virtio 1.2 §4.2.2), the empty slot and the
 * region-table guest memory ops.
 *
 * Status handling follows §2.1 and §3.1.1: the driver only adds bits (writing 0 resets);
 * FEATURES_OK sticks only when the accepted features include VIRTIO_F_VERSION_1, nothing
 * the device did not offer, and the device model agrees; DRIVER_OK is taken only after
 * FEATURES_OK; the driver's feature bits are frozen once FEATURES_OK is set. A queue's
 * configuration registers are ignored while it is ready (§4.2.2.2: the driver must not
 * write them then). The interrupt line follows InterruptStatus != 0.
 */
#include <armvirt/virtio.h>

#include "compat.h"
#include "error_detail.h"

#define TRANSPORT_FEATURES \
	(AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_INDIRECT_DESC | AV_VIRTIO_F_EVENT_IDX)
#define STATUS_DRIVER_BITS                                                                  \
	(AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER | AV_VIRTIO_STATUS_DRIVER_OK | \
	 AV_VIRTIO_STATUS_FEATURES_OK | AV_VIRTIO_STATUS_FAILED)

#define VIRTIO_ERR(err, code, field, ...) av__error(err, code, "virtio", field, __VA_ARGS__)

/* ---- Guest memory: a table of regions ---- */

static void *regions_map(void *ctx, uint64_t gpa, uint64_t len, bool write)
{
	const struct av_virtio_mem_regions *t = ctx;

	if (!t || len == 0)
		return NULL;
	for (unsigned i = 0; i < t->count; i++) {
		const struct av_virtio_mem_region *r = &t->region[i];
		uint64_t off = gpa - r->gpa;

		if (gpa < r->gpa || off >= r->size)
			continue;
		if (len > r->size - off || (write && r->readonly))
			return NULL;
		return (uint8_t *)r->host + off;
	}
	return NULL;
}

const struct av_virtio_mem_ops av_virtio_mem_regions_ops = { regions_map };

/* ---- Interrupts ---- */

static void set_isr(struct av_virtio_dev *vdev, uint32_t isr)
{
	bool was = vdev->isr != 0, now = isr != 0;

	vdev->isr = isr;
	if (was == now)
		return;
	if (now)
		vdev->interrupts++;
	if (vdev->irq.set_level)
		vdev->irq.set_level(vdev->irq.ctx, now);
}

void av_virtio_notify_used(struct av_virtio_dev *vdev, struct av_virtq *vq)
{
	if (vdev && av_virtq_need_interrupt(vq))
		set_isr(vdev, vdev->isr | AV_VIRTIO_INT_VRING);
}

void av_virtio_config_changed(struct av_virtio_dev *vdev)
{
	if (!vdev)
		return;
	vdev->config_generation++;
	if (vdev->status & AV_VIRTIO_STATUS_DRIVER_OK)
		set_isr(vdev, vdev->isr | AV_VIRTIO_INT_CONFIG);
}

void av_virtio_needs_reset(struct av_virtio_dev *vdev)
{
	if (!vdev)
		return;
	if (!(vdev->status & AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
		vdev->status |= AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET;
		vdev->resets_needed++;
	}
	if (vdev->status & AV_VIRTIO_STATUS_DRIVER_OK)
		set_isr(vdev, vdev->isr | AV_VIRTIO_INT_CONFIG);
}

bool av_virtio_dev_live(const struct av_virtio_dev *vdev)
{
	return vdev && (vdev->status & (AV_VIRTIO_STATUS_DRIVER_OK |
					AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET)) ==
			       AV_VIRTIO_STATUS_DRIVER_OK;
}

/* ---- Reset and initialisation ---- */

static void transport_reset(struct av_virtio_dev *vdev)
{
	vdev->status = 0;
	vdev->driver_features = 0;
	vdev->device_features_sel = 0;
	vdev->driver_features_sel = 0;
	vdev->queue_sel = 0;
	for (unsigned i = 0; i < vdev->num_queues; i++)
		av_virtq_reset(&vdev->vq[i]);
	set_isr(vdev, 0);
}

void av_virtio_dev_reset(struct av_virtio_dev *vdev)
{
	if (!vdev)
		return;
	transport_reset(vdev);
	if (vdev->ops && vdev->ops->reset)
		vdev->ops->reset(vdev);
}

int av_virtio_dev_init(struct av_virtio_dev *vdev, const struct av_virtio_mem *mem,
		       const struct av_virtio_irq *irq, struct av_error *err)
{
	if (!vdev)
		return VIRTIO_ERR(err, -AV_EINVAL, "vdev", "NULL");
	if (!mem || !mem->ops || !mem->ops->map)
		return VIRTIO_ERR(err, -AV_EINVAL, "mem", "NULL or without a map op");
	if (!vdev->ops || !vdev->ops->notify)
		return VIRTIO_ERR(err, -AV_EINVAL, "ops", "NULL or without a notify op");
	if (vdev->config_size > AV_VIRTIO_MMIO_SIZE - AV_VIRTIO_MMIO_CONFIG)
		return VIRTIO_ERR(err, -AV_EINVAL, "config_size", "%u bytes (at most 256)",
				  (unsigned)vdev->config_size);
	if (vdev->config_size && !vdev->config)
		return VIRTIO_ERR(err, -AV_EINVAL, "config", "NULL for %u bytes",
				  (unsigned)vdev->config_size);
	if (vdev->num_queues && !vdev->vq)
		return VIRTIO_ERR(err, -AV_EINVAL, "vq", "NULL for %u queues", vdev->num_queues);
	for (unsigned i = 0; i < vdev->num_queues; i++) {
		unsigned n = vdev->vq[i].num_max;

		if (n == 0 || n > AV_VIRTQ_MAX_SIZE || (n & (n - 1)) != 0)
			return VIRTIO_ERR(err, -AV_EINVAL, "vq[].num_max",
					  "queue %u: %u (a power of two up to 1024)", i, n);
	}
	vdev->mem = mem;
	if (irq)
		vdev->irq = *irq;
	else
		memset(&vdev->irq, 0, sizeof(vdev->irq));
	vdev->device_features |= TRANSPORT_FEATURES;
	for (unsigned i = 0; i < vdev->num_queues; i++)
		vdev->vq[i].mem = mem;
	vdev->isr = 0; /* the line starts low: no call to the hook */
	transport_reset(vdev);
	vdev->config_generation = 0;
	vdev->notifies = vdev->interrupts = 0;
	vdev->bad_accesses = vdev->resets_needed = 0;
	av__error_clear(err);
	return 0;
}

/* ---- Notifications ---- */

void av_virtio_queue_notify(struct av_virtio_dev *vdev, unsigned queue)
{
	if (!vdev)
		return;
	vdev->notifies++;
	if (queue >= vdev->num_queues) {
		vdev->bad_accesses++;
		return;
	}
	if (vdev->vq[queue].ready && (vdev->status & AV_VIRTIO_STATUS_DRIVER_OK))
		vdev->ops->notify(vdev, queue);
}

/* ---- Registers ---- */

static struct av_virtq *selected(struct av_virtio_dev *vdev)
{
	return vdev->queue_sel < vdev->num_queues ? &vdev->vq[vdev->queue_sel] : NULL;
}

/* The selected queue if its configuration may be written (it exists and is not ready). */
static struct av_virtq *configurable(struct av_virtio_dev *vdev)
{
	struct av_virtq *vq = selected(vdev);

	return vq && !vq->ready ? vq : NULL;
}

static void set_low(uint64_t *v, uint32_t lo)
{
	*v = (*v & 0xffffffff00000000ull) | lo;
}

static void set_high(uint64_t *v, uint32_t hi)
{
	*v = (*v & 0xffffffffull) | ((uint64_t)hi << 32);
}

static bool features_acceptable(struct av_virtio_dev *vdev)
{
	uint64_t f = vdev->driver_features;

	if (!(f & AV_VIRTIO_F_VERSION_1) || (f & ~vdev->device_features))
		return false;
	return !vdev->ops->features_ok || vdev->ops->features_ok(vdev) == 0;
}

static void write_status(struct av_virtio_dev *vdev, uint32_t val)
{
	uint32_t old = vdev->status, add;

	if (val == 0) {
		av_virtio_dev_reset(vdev);
		return;
	}
	/* The driver adds bits; clearing one needs a reset. DEVICE_NEEDS_RESET is ours. */
	add = val & STATUS_DRIVER_BITS & ~old;
	if ((val & ~(STATUS_DRIVER_BITS | AV_VIRTIO_STATUS_DEVICE_NEEDS_RESET)) ||
	    (old & STATUS_DRIVER_BITS & ~val))
		vdev->bad_accesses++;
	if ((add & AV_VIRTIO_STATUS_FEATURES_OK) &&
	    ((old & AV_VIRTIO_STATUS_DRIVER_OK) || !features_acceptable(vdev)))
		add &= ~AV_VIRTIO_STATUS_FEATURES_OK;
	if ((add & AV_VIRTIO_STATUS_DRIVER_OK) &&
	    !((old | add) & AV_VIRTIO_STATUS_FEATURES_OK)) {
		add &= ~AV_VIRTIO_STATUS_DRIVER_OK;
		vdev->bad_accesses++;
	}
	vdev->status = old | add;
	if ((add & AV_VIRTIO_STATUS_DRIVER_OK) && vdev->ops->driver_ok)
		vdev->ops->driver_ok(vdev);
}

static void write_queue_ready(struct av_virtio_dev *vdev, uint32_t val)
{
	struct av_virtq *vq = selected(vdev);

	if (!vq) {
		vdev->bad_accesses++;
		return;
	}
	if (val == 0) {
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	vq->mem = vdev->mem;
	vq->event_idx = (vdev->driver_features & AV_VIRTIO_F_EVENT_IDX) != 0;
	vq->indirect = (vdev->driver_features & AV_VIRTIO_F_INDIRECT_DESC) != 0;
	if (av_virtq_enable(vq) != 0)
		vdev->bad_accesses++; /* stays not ready: the driver reads QueueReady 0 */
}

static uint32_t read_reg(struct av_virtio_dev *vdev, uint64_t offset)
{
	struct av_virtq *vq;

	switch (offset) {
	case AV_VIRTIO_MMIO_MAGIC:
		return AV_VIRTIO_MMIO_MAGIC_VALUE;
	case AV_VIRTIO_MMIO_VERSION:
		return AV_VIRTIO_MMIO_VERSION_MODERN;
	case AV_VIRTIO_MMIO_DEVICE_ID:
		return vdev->device_id;
	case AV_VIRTIO_MMIO_VENDOR_ID:
		return vdev->vendor_id ? vdev->vendor_id : AV_VIRTIO_VENDOR_ID;
	case AV_VIRTIO_MMIO_DEVICE_FEATURES:
		if (vdev->device_features_sel > 1)
			return 0;
		return (uint32_t)(vdev->device_features >> (32 * vdev->device_features_sel));
	case AV_VIRTIO_MMIO_QUEUE_NUM_MAX:
		vq = selected(vdev);
		return vq ? vq->num_max : 0;
	case AV_VIRTIO_MMIO_QUEUE_READY:
		vq = selected(vdev);
		return vq && vq->ready;
	case AV_VIRTIO_MMIO_INTERRUPT_STATUS:
		return vdev->isr;
	case AV_VIRTIO_MMIO_STATUS:
		return vdev->status;
	case AV_VIRTIO_MMIO_SHM_LEN_LOW:
	case AV_VIRTIO_MMIO_SHM_LEN_HIGH:
	case AV_VIRTIO_MMIO_SHM_BASE_LOW:
	case AV_VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffu; /* no shared memory region */
	case AV_VIRTIO_MMIO_QUEUE_RESET:
		return 0; /* VIRTIO_F_RING_RESET is not offered */
	case AV_VIRTIO_MMIO_CONFIG_GENERATION:
		return vdev->config_generation;
	default:
		vdev->bad_accesses++; /* write-only or undefined */
		return 0;
	}
}

static void write_reg(struct av_virtio_dev *vdev, uint64_t offset, uint32_t val)
{
	struct av_virtq *vq;

	switch (offset) {
	case AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		vdev->device_features_sel = val;
		return;
	case AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		vdev->driver_features_sel = val;
		return;
	case AV_VIRTIO_MMIO_DRIVER_FEATURES:
		if (vdev->status & AV_VIRTIO_STATUS_FEATURES_OK) {
			vdev->bad_accesses++; /* negotiation is over */
			return;
		}
		if (vdev->driver_features_sel == 0)
			set_low(&vdev->driver_features, val);
		else if (vdev->driver_features_sel == 1)
			set_high(&vdev->driver_features, val);
		return;
	case AV_VIRTIO_MMIO_QUEUE_SEL:
		vdev->queue_sel = val;
		return;
	case AV_VIRTIO_MMIO_QUEUE_NUM:
		vq = configurable(vdev);
		if (vq)
			vq->num = val <= vq->num_max ? (uint16_t)val : 0;
		return;
	case AV_VIRTIO_MMIO_QUEUE_READY:
		write_queue_ready(vdev, val);
		return;
	case AV_VIRTIO_MMIO_QUEUE_NOTIFY:
		av_virtio_queue_notify(vdev, val);
		return;
	case AV_VIRTIO_MMIO_INTERRUPT_ACK:
		set_isr(vdev, vdev->isr & ~val);
		return;
	case AV_VIRTIO_MMIO_STATUS:
		write_status(vdev, val);
		return;
	case AV_VIRTIO_MMIO_QUEUE_DESC_LOW:
	case AV_VIRTIO_MMIO_QUEUE_DESC_HIGH:
	case AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW:
	case AV_VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
	case AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW:
	case AV_VIRTIO_MMIO_QUEUE_DEVICE_HIGH: {
		uint64_t *addr;

		vq = configurable(vdev);
		if (!vq)
			return;
		if (offset < AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW)
			addr = &vq->desc_gpa;
		else if (offset < AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW)
			addr = &vq->avail_gpa;
		else
			addr = &vq->used_gpa;
		if (offset & 4)
			set_high(addr, val);
		else
			set_low(addr, val);
		return;
	}
	case AV_VIRTIO_MMIO_SHM_SEL:
		return; /* every region reads as absent */
	default:
		vdev->bad_accesses++; /* read-only or undefined */
		return;
	}
}

static enum av_access_result mmio_read(void *dev, struct av_vcpu *vcpu, uint64_t offset,
				       unsigned size, uint64_t *val)
{
	struct av_virtio_dev *vdev = dev;

	(void)vcpu;
	*val = 0;
	if (offset >= AV_VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - AV_VIRTIO_MMIO_CONFIG;

		if (size > 4 || off + size > vdev->config_size) {
			vdev->bad_accesses++;
			return AV_ACCESS_HANDLED;
		}
		for (unsigned i = size; i-- > 0;)
			*val = (*val << 8) | vdev->config[off + i];
		return AV_ACCESS_HANDLED;
	}
	if (size != 4) {
		vdev->bad_accesses++;
		return AV_ACCESS_HANDLED;
	}
	*val = read_reg(vdev, offset);
	return AV_ACCESS_HANDLED;
}

static enum av_access_result mmio_write(void *dev, struct av_vcpu *vcpu, uint64_t offset,
					unsigned size, uint64_t val)
{
	struct av_virtio_dev *vdev = dev;

	(void)vcpu;
	if (offset >= AV_VIRTIO_MMIO_CONFIG) {
		uint64_t off = offset - AV_VIRTIO_MMIO_CONFIG;

		if (size > 4 || off + size > vdev->config_size)
			vdev->bad_accesses++;
		else if (vdev->ops->config_write)
			vdev->ops->config_write(vdev, (uint32_t)off, size, (uint32_t)val);
		return AV_ACCESS_HANDLED;
	}
	if (size != 4) {
		vdev->bad_accesses++;
		return AV_ACCESS_HANDLED;
	}
	write_reg(vdev, offset, (uint32_t)val);
	return AV_ACCESS_HANDLED;
}

static void mmio_reset(void *dev)
{
	av_virtio_dev_reset(dev);
}

const struct av_mmio_ops av_virtio_mmio_ops = { mmio_read, mmio_write, mmio_reset };

/* ---- The empty slot ---- */

static enum av_access_result empty_read(void *dev, struct av_vcpu *vcpu, uint64_t offset,
					unsigned size, uint64_t *val)
{
	(void)dev;
	(void)vcpu;
	*val = 0;
	if (size != 4)
		return AV_ACCESS_HANDLED;
	if (offset == AV_VIRTIO_MMIO_MAGIC)
		*val = AV_VIRTIO_MMIO_MAGIC_VALUE;
	else if (offset == AV_VIRTIO_MMIO_VERSION)
		*val = AV_VIRTIO_MMIO_VERSION_MODERN;
	else if (offset == AV_VIRTIO_MMIO_VENDOR_ID)
		*val = AV_VIRTIO_VENDOR_ID;
	return AV_ACCESS_HANDLED;
}

static enum av_access_result empty_write(void *dev, struct av_vcpu *vcpu, uint64_t offset,
					 unsigned size, uint64_t val)
{
	(void)dev;
	(void)vcpu;
	(void)offset;
	(void)size;
	(void)val;
	return AV_ACCESS_HANDLED;
}

const struct av_mmio_ops av_virtio_mmio_empty_ops = { empty_read, empty_write, NULL };

void av_virtio_mmio_entry(struct av_mmio_dev *mmio, struct av_virtio_dev *vdev, uint64_t base,
			  const char *name)
{
	if (!mmio)
		return;
	memset(mmio, 0, sizeof(*mmio));
	mmio->base = base;
	mmio->size = AV_VIRTIO_MMIO_SIZE;
	mmio->ops = vdev ? &av_virtio_mmio_ops : &av_virtio_mmio_empty_ops;
	mmio->dev = vdev;
	mmio->name = name ? name : vdev ? "virtio-mmio" : "virtio-mmio-empty";
	mmio->widths = AV_VIRTIO_MMIO_WIDTHS;
}
