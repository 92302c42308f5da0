/* SPDX-License-Identifier: MIT */
/* The virtio driver simulator of the unit tests (see virtio_drv.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "virtio_drv.h"

/* Under ASan the guards are poisoned as well: a read of one is reported where it happens. */
#if defined(__SANITIZE_ADDRESS__)
#define VD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VD_ASAN 1
#endif
#endif
#ifdef VD_ASAN
#include <sanitizer/asan_interface.h>
static void guards_poison(const struct vd_ram *ram, bool on)
{
	const uint8_t *after = ram->host + ram->size;

	if (on) {
		ASAN_POISON_MEMORY_REGION(ram->block, VD_GUARD);
		ASAN_POISON_MEMORY_REGION(after, VD_GUARD);
	} else {
		ASAN_UNPOISON_MEMORY_REGION(ram->block, VD_GUARD);
		ASAN_UNPOISON_MEMORY_REGION(after, VD_GUARD);
	}
}
#else
static void guards_poison(const struct vd_ram *ram, bool on)
{
	(void)ram;
	(void)on;
}
#endif

/* ---- Fake guest RAM ---- */

void vd_ram_init(struct vd_ram *ram, uint64_t gpa, uint64_t size)
{
	memset(ram, 0, sizeof(*ram));
	ram->block = malloc(size + 2 * VD_GUARD);
	assert_non_null(ram->block);
	memset(ram->block, VD_GUARD_BYTE, VD_GUARD);
	memset(ram->block + VD_GUARD + size, VD_GUARD_BYTE, VD_GUARD);
	ram->host = ram->block + VD_GUARD;
	memset(ram->host, 0, size);
	ram->gpa = gpa;
	ram->size = size;
	ram->region.gpa = gpa;
	ram->region.size = size;
	ram->region.host = ram->host;
	ram->regions.region = &ram->region;
	ram->regions.count = 1;
	ram->mem.ops = &av_virtio_mem_regions_ops;
	ram->mem.ctx = &ram->regions;
	guards_poison(ram, true);
}

bool vd_ram_guards_ok(const struct vd_ram *ram)
{
	bool ok = true;

	guards_poison(ram, false);
	for (unsigned i = 0; i < VD_GUARD; i++)
		if (ram->block[i] != VD_GUARD_BYTE ||
		    ram->block[VD_GUARD + ram->size + i] != VD_GUARD_BYTE)
			ok = false;
	guards_poison(ram, true);
	return ok;
}

void vd_ram_fini(struct vd_ram *ram)
{
	bool ok = vd_ram_guards_ok(ram);

	guards_poison(ram, false);
	free(ram->block);
	ram->block = ram->host = NULL;
	assert_true(ok);
}

void *vd_ram_ptr(const struct vd_ram *ram, uint64_t gpa, uint64_t len)
{
	uint64_t off = gpa - ram->gpa;

	if (gpa < ram->gpa || off > ram->size || len > ram->size - off)
		fail_msg("vd_ram_ptr: 0x%llx+0x%llx outside the RAM", (unsigned long long)gpa,
			 (unsigned long long)len);
	return ram->host + off;
}

uint64_t vd_ram_gpa(const struct vd_ram *ram, const void *host)
{
	const uint8_t *p = host;

	assert_true(p >= ram->host && p <= ram->host + ram->size);
	return ram->gpa + (uint64_t)(p - ram->host);
}

uint64_t vd_ram_alloc(struct vd_ram *ram, uint64_t size, uint64_t align)
{
	uint64_t off = (ram->brk + align - 1) & ~(align - 1);

	if (off > ram->size || size > ram->size - off)
		fail_msg("vd_ram_alloc: %llu bytes do not fit", (unsigned long long)size);
	ram->brk = off + size;
	memset(ram->host + off, 0, size);
	return ram->gpa + off;
}

static uint64_t ld_le(const struct vd_ram *ram, uint64_t gpa, unsigned n)
{
	const uint8_t *p = vd_ram_ptr(ram, gpa, n);
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = (v << 8) | p[i];
	return v;
}

static void st_le(struct vd_ram *ram, uint64_t gpa, unsigned n, uint64_t v)
{
	uint8_t *p = vd_ram_ptr(ram, gpa, n);

	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = (uint8_t)v;
}

uint16_t vd_ld16(const struct vd_ram *ram, uint64_t gpa) { return (uint16_t)ld_le(ram, gpa, 2); }
uint32_t vd_ld32(const struct vd_ram *ram, uint64_t gpa) { return (uint32_t)ld_le(ram, gpa, 4); }
uint64_t vd_ld64(const struct vd_ram *ram, uint64_t gpa) { return ld_le(ram, gpa, 8); }
void vd_st16(struct vd_ram *ram, uint64_t gpa, uint16_t v) { st_le(ram, gpa, 2, v); }
void vd_st32(struct vd_ram *ram, uint64_t gpa, uint32_t v) { st_le(ram, gpa, 4, v); }
void vd_st64(struct vd_ram *ram, uint64_t gpa, uint64_t v) { st_le(ram, gpa, 8, v); }

/* ---- Registers ---- */

static void irq_hook(void *ctx, bool level)
{
	struct vdrv *d = ctx;

	assert_true(level != d->irq_level); /* the transport reports changes only */
	d->irq_calls++;
	if (level)
		d->irq_rises++;
	d->irq_level = level;
}

void vd_setup(struct vdrv *d, struct vd_ram *ram)
{
	memset(d, 0, sizeof(*d));
	d->ram = ram;
	d->irq.set_level = irq_hook;
	d->irq.ctx = d;
}

void vd_attach(struct vdrv *d, struct av_virtio_dev *dev)
{
	d->dev = dev;
	av_virtio_mmio_entry(&d->mmio, dev, VD_BASE, "vd");
}

uint32_t vd_read(struct vdrv *d, uint64_t offset, unsigned size)
{
	uint64_t v = ~0ull;

	assert_int_equal(av_mmio_dev_rw(&d->mmio, NULL, VD_BASE + offset, size, false, &v),
			 AV_ACCESS_HANDLED);
	assert_true(v <= 0xffffffffull);
	return (uint32_t)v;
}

void vd_write(struct vdrv *d, uint64_t offset, unsigned size, uint32_t val)
{
	uint64_t v = val;

	assert_int_equal(av_mmio_dev_rw(&d->mmio, NULL, VD_BASE + offset, size, true, &v),
			 AV_ACCESS_HANDLED);
}

uint32_t vd_rd32(struct vdrv *d, uint64_t offset) { return vd_read(d, offset, 4); }
void vd_wr32(struct vdrv *d, uint64_t offset, uint32_t val) { vd_write(d, offset, 4, val); }

uint32_t vd_status(struct vdrv *d) { return vd_rd32(d, AV_VIRTIO_MMIO_STATUS); }
void vd_set_status(struct vdrv *d, uint32_t status) { vd_wr32(d, AV_VIRTIO_MMIO_STATUS, status); }

void vd_reset(struct vdrv *d)
{
	vd_set_status(d, 0);
	assert_int_equal(vd_status(d), 0);
	memset(d->q, 0, sizeof(d->q));
	d->nq = 0;
	d->features = 0;
}

uint32_t vd_ack(struct vdrv *d)
{
	uint32_t isr = vd_rd32(d, AV_VIRTIO_MMIO_INTERRUPT_STATUS);

	if (isr)
		vd_wr32(d, AV_VIRTIO_MMIO_INTERRUPT_ACK, isr);
	return isr;
}

uint32_t vd_config_read(struct vdrv *d, uint32_t off, unsigned size)
{
	return vd_read(d, AV_VIRTIO_MMIO_CONFIG + off, size);
}

void vd_config_write(struct vdrv *d, uint32_t off, unsigned size, uint32_t val)
{
	vd_write(d, AV_VIRTIO_MMIO_CONFIG + off, size, val);
}

/* ---- Bring-up ---- */

bool vd_negotiate(struct vdrv *d, uint64_t want)
{
	uint64_t f;

	vd_wr32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	f = (uint64_t)vd_rd32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	vd_wr32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f |= vd_rd32(d, AV_VIRTIO_MMIO_DEVICE_FEATURES);
	d->device_features = f;
	d->features = f & want;
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(d->features >> 32));
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	vd_wr32(d, AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)d->features);
	vd_set_status(d, vd_status(d) | AV_VIRTIO_STATUS_FEATURES_OK);
	return (vd_status(d) & AV_VIRTIO_STATUS_FEATURES_OK) != 0;
}

static void wr64(struct vdrv *d, uint64_t lo_reg, uint64_t v)
{
	vd_wr32(d, lo_reg, (uint32_t)v);
	vd_wr32(d, lo_reg + 4, (uint32_t)(v >> 32));
}

int vd_setup_queue(struct vdrv *d, unsigned q, uint16_t qsize)
{
	struct vd_queue *vq;
	uint32_t max;

	assert_true(q < VD_MAX_QUEUES);
	vq = &d->q[q];
	memset(vq, 0, sizeof(*vq));
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_SEL, q);
	if (vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY) != 0)
		return -2;
	max = vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_NUM_MAX);
	if (max == 0)
		return -2;
	vq->num = (uint16_t)(qsize < max ? qsize : max);
	vq->desc = vd_ram_alloc(d->ram, 16ull * vq->num, 16);
	vq->avail = vd_ram_alloc(d->ram, 6ull + 2ull * vq->num, 2);
	vq->used = vd_ram_alloc(d->ram, 6ull + 8ull * vq->num, 4);
	vq->ind = vd_ram_alloc(d->ram, 16ull * VD_IND_MAX * vq->num, 16);
	for (unsigned i = 0; i < vq->num; i++)
		vq->next_free[i] = (uint16_t)(i + 1);
	vq->num_free = vq->num;
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NUM, vq->num);
	wr64(d, AV_VIRTIO_MMIO_QUEUE_DESC_LOW, vq->desc);
	wr64(d, AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW, vq->avail);
	wr64(d, AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, vq->used);
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_READY, 1);
	if (vd_rd32(d, AV_VIRTIO_MMIO_QUEUE_READY) != 1)
		return -2;
	if (q + 1 > d->nq)
		d->nq = q + 1;
	return 0;
}

void vd_driver_ok(struct vdrv *d)
{
	vd_set_status(d, vd_status(d) | AV_VIRTIO_STATUS_DRIVER_OK);
}

int vd_init(struct vdrv *d, uint64_t want, unsigned nq, uint16_t qsize)
{
	vd_reset(d);
	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE);
	vd_set_status(d, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	if (!vd_negotiate(d, want)) {
		vd_set_status(d, vd_status(d) | AV_VIRTIO_STATUS_FAILED);
		return -1;
	}
	for (unsigned q = 0; q < nq; q++)
		if (vd_setup_queue(d, q, qsize) != 0)
			return -2;
	vd_driver_ok(d);
	return 0;
}

/* ---- Queues ---- */

static struct vd_queue *queue(struct vdrv *d, unsigned q)
{
	assert_true(q < VD_MAX_QUEUES && d->q[q].num != 0);
	return &d->q[q];
}

void vd_put_desc(struct vd_ram *ram, uint64_t gpa, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	vd_st64(ram, gpa, addr);
	vd_st32(ram, gpa + 8, len);
	vd_st16(ram, gpa + 12, flags);
	vd_st16(ram, gpa + 14, next);
}

void vd_set_desc(struct vdrv *d, unsigned q, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next)
{
	struct vd_queue *vq = queue(d, q);

	assert_true(i < vq->num);
	vd_put_desc(d->ram, vq->desc + 16ull * i, addr, len, flags, next);
}

void vd_set_avail_idx(struct vdrv *d, unsigned q, uint16_t idx)
{
	struct vd_queue *vq = queue(d, q);

	vq->avail_idx = idx;
	vd_st16(d->ram, vq->avail + 2, idx);
}

void vd_publish(struct vdrv *d, unsigned q, uint16_t head)
{
	struct vd_queue *vq = queue(d, q);

	vd_st16(d->ram, vq->avail + 4 + 2ull * (vq->avail_idx % vq->num), head);
	vd_set_avail_idx(d, q, (uint16_t)(vq->avail_idx + 1));
}

void vd_set_avail_flags(struct vdrv *d, unsigned q, uint16_t flags)
{
	vd_st16(d->ram, queue(d, q)->avail, flags);
}

void vd_set_used_event(struct vdrv *d, unsigned q, uint16_t v)
{
	struct vd_queue *vq = queue(d, q);

	vd_st16(d->ram, vq->avail + 4 + 2ull * vq->num, v);
}

static uint16_t desc_flags(uint16_t flags_if, bool cond)
{
	return cond ? flags_if : 0;
}

int vd_add(struct vdrv *d, unsigned q, const struct vd_buf *bufs, unsigned n, bool indirect)
{
	struct vd_queue *vq = queue(d, q);
	unsigned need = indirect ? 1 : n;
	uint16_t head = vq->free_head, idx = head;

	if (n == 0 || (indirect && n > VD_IND_MAX) || need > vq->num_free)
		return -1;
	if (indirect) {
		uint64_t table = vq->ind + 16ull * VD_IND_MAX * head;

		for (unsigned i = 0; i < n; i++)
			vd_put_desc(d->ram, table + 16ull * i, bufs[i].gpa, bufs[i].len,
				 (uint16_t)(desc_flags(AV_VIRTQ_DESC_F_WRITE, bufs[i].write) |
					    desc_flags(AV_VIRTQ_DESC_F_NEXT, i + 1 < n)),
				 (uint16_t)(i + 1 < n ? i + 1 : 0));
		vd_put_desc(d->ram, vq->desc + 16ull * head, table, 16u * n,
			 AV_VIRTQ_DESC_F_INDIRECT, 0);
		idx = vq->next_free[head];
	} else {
		for (unsigned i = 0; i < n; i++) {
			uint16_t next = vq->next_free[idx];

			vd_put_desc(d->ram, vq->desc + 16ull * idx, bufs[i].gpa, bufs[i].len,
				 (uint16_t)(desc_flags(AV_VIRTQ_DESC_F_WRITE, bufs[i].write) |
					    desc_flags(AV_VIRTQ_DESC_F_NEXT, i + 1 < n)),
				 i + 1 < n ? next : 0);
			idx = next;
		}
	}
	vq->free_head = idx;
	vq->num_free = (uint16_t)(vq->num_free - need);
	vq->chain_len[head] = (uint16_t)need;
	vd_publish(d, q, head);
	return head;
}

void vd_kick(struct vdrv *d, unsigned q)
{
	vd_wr32(d, AV_VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

bool vd_kick_wanted(struct vdrv *d, unsigned q, uint16_t old)
{
	struct vd_queue *vq = queue(d, q);

	if (d->features & AV_VIRTIO_F_EVENT_IDX) {
		uint16_t event = vd_ld16(d->ram, vq->used + 4 + 8ull * vq->num);

		return (uint16_t)(vq->avail_idx - event - 1) < (uint16_t)(vq->avail_idx - old);
	}
	return !(vd_ld16(d->ram, vq->used) & AV_VIRTQ_USED_F_NO_NOTIFY);
}

uint16_t vd_used_pending(struct vdrv *d, unsigned q)
{
	struct vd_queue *vq = queue(d, q);

	return (uint16_t)(vd_ld16(d->ram, vq->used + 2) - vq->last_used);
}

int vd_get_used(struct vdrv *d, unsigned q, uint32_t *len)
{
	struct vd_queue *vq = queue(d, q);
	uint64_t elem;
	uint32_t id;
	uint16_t idx;

	if (vd_used_pending(d, q) == 0)
		return -1;
	elem = vq->used + 4 + 8ull * (vq->last_used % vq->num);
	id = vd_ld32(d->ram, elem);
	if (id >= vq->num || vq->chain_len[id] == 0)
		fail_msg("used ring: id %u is not an outstanding head", id);
	if (len)
		*len = vd_ld32(d->ram, elem + 4);
	/* Free the chain's descriptors, following the links this driver wrote. */
	idx = (uint16_t)id;
	for (unsigned i = 0; i < vq->chain_len[id]; i++) {
		uint16_t next = vd_ld16(d->ram, vq->desc + 16ull * idx + 14);

		vq->next_free[idx] = vq->free_head;
		vq->free_head = idx;
		vq->num_free++;
		idx = next;
	}
	vq->chain_len[id] = 0;
	vq->last_used++;
	if (d->features & AV_VIRTIO_F_EVENT_IDX)
		vd_set_used_event(d, q, vq->last_used);
	return (int)id;
}
