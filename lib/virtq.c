/* SPDX-License-Identifier: MIT */
/*
 * The device side of a split virtqueue (virtio 1.2 §2.7).
 *
 * Everything in the rings and descriptor tables belongs to the driver and may change under
 * our feet: each field is loaded once (atomic loads, which the compiler may neither repeat
 * nor tear), into a local copy that is then checked and used. Every buffer address goes
 * through vq->mem before anything touches it, and chains are bounded by the queue size, so
 * a hostile driver can make av_virtq_pop() fail but never loop or reach outside the ranges
 * the memory ops grant.
 *
 * Ordering (the barriers of virtio 1.2 §2.7.7 and §2.7.10, as in Linux's virtio_ring):
 *  - avail->idx is loaded with acquire semantics before the ring entry and the
 *    descriptors it makes visible are read;
 *  - the used elements are written before used->idx is stored with release semantics;
 *  - a full fence separates publishing used->idx from reading used_event / avail->flags,
 *    and writing avail_event / used->flags from re-reading avail->idx (each side stores
 *    then loads what the other side stores: only a full fence orders that).
 *
 * Ring fields are little-endian (VIRTIO_F_VERSION_1); the le*() helpers swap on a
 * big-endian host and compile to nothing on a little-endian one.
 */
#include <armvirt/virtio.h>

#include "compat.h"

/* ---- Little-endian ring fields ---- */

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t le16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t le32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t le64(uint64_t v) { return __builtin_bswap64(v); }
#else
static inline uint16_t le16(uint16_t v) { return v; }
static inline uint32_t le32(uint32_t v) { return v; }
static inline uint64_t le64(uint64_t v) { return v; }
#endif

static inline uint16_t ld16(const uint16_t *p)
{
	return le16(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static inline uint16_t ld16_acquire(const uint16_t *p)
{
	return le16(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static inline void st16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, le16(v), __ATOMIC_RELAXED);
}

static inline void full_fence(void)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* The split ring layout: avail = flags, idx, ring[num], used_event; used = flags, idx,
 * num {u32 id, u32 len}, avail_event. */
#define AVAIL_FLAGS 0
#define AVAIL_IDX 1
#define AVAIL_RING 2
#define USED_FLAGS 0
#define USED_IDX 1
#define USED_RING 2 /* in uint16_t units: the elements start at byte 4 */

static inline uint64_t desc_bytes(unsigned num) { return 16ull * num; }
static inline uint64_t avail_bytes(unsigned num) { return 6ull + 2ull * num; }
static inline uint64_t used_bytes(unsigned num) { return 6ull + 8ull * num; }

static inline uint16_t *used_event(const struct av_virtq *vq)
{
	return &vq->avail[AVAIL_RING + vq->num];
}

static inline uint16_t *avail_event(const struct av_virtq *vq)
{
	return &vq->used[USED_RING + 4u * vq->num];
}

/* ---- Guest memory ---- */

/* Map [gpa, gpa + len) (len >= 1), refusing a range that wraps past 2^64. */
static void *map_range(const struct av_virtio_mem *mem, uint64_t gpa, uint64_t len, bool write)
{
	if (len == 0 || gpa + (len - 1) < gpa)
		return NULL;
	return mem->ops->map(mem->ctx, gpa, len, write);
}

static void *map_ring(const struct av_virtq *vq, uint64_t gpa, uint64_t len, uint64_t align,
		      bool write, int *rc)
{
	void *p;

	if (gpa & (align - 1)) {
		*rc = -AV_EINVAL;
		return NULL;
	}
	p = map_range(vq->mem, gpa, len, write);
	if (!p) {
		*rc = -AV_EFAULT;
		return NULL;
	}
	/* The host view must keep the alignment: the ring fields are accessed atomically. */
	if ((uintptr_t)p & (align - 1)) {
		*rc = -AV_EINVAL;
		return NULL;
	}
	return p;
}

/* ---- Queue state ---- */

void av_virtq_reset(struct av_virtq *vq)
{
	uint16_t num_max;
	const struct av_virtio_mem *mem;

	if (!vq)
		return;
	num_max = vq->num_max;
	mem = vq->mem;
	memset(vq, 0, sizeof(*vq));
	vq->num_max = num_max;
	vq->mem = mem;
}

int av_virtq_enable(struct av_virtq *vq)
{
	void *desc, *avail, *used;
	int rc = 0;

	if (!vq || !vq->mem || !vq->mem->ops || !vq->mem->ops->map)
		return -AV_EINVAL;
	vq->ready = false;
	if (vq->num == 0 || vq->num > vq->num_max || vq->num > AV_VIRTQ_MAX_SIZE ||
	    (vq->num & (vq->num - 1)) != 0)
		return -AV_EINVAL;
	desc = map_ring(vq, vq->desc_gpa, desc_bytes(vq->num), 16, false, &rc);
	if (!desc)
		return rc;
	avail = map_ring(vq, vq->avail_gpa, avail_bytes(vq->num), 2, false, &rc);
	if (!avail)
		return rc;
	used = map_ring(vq, vq->used_gpa, used_bytes(vq->num), 4, true, &rc);
	if (!used)
		return rc;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->broken = false;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->signalled_used = 0; /* nothing used yet: nothing signalled */
	vq->signalled_valid = true;
	vq->notify_off = false;
	vq->ready = true;
	/* Kicks wanted from the start, whatever the driver left in the used ring. */
	st16(&vq->used[USED_FLAGS], 0);
	if (vq->event_idx)
		st16(avail_event(vq), 0);
	return 0;
}

bool av_virtq_pending(const struct av_virtq *vq)
{
	return vq && vq->ready && !vq->broken &&
	       ld16_acquire(&vq->avail[AVAIL_IDX]) != vq->last_avail;
}

void av_virtq_set_notify(struct av_virtq *vq, bool enable)
{
	if (!vq || !vq->ready)
		return;
	vq->notify_off = !enable;
	if (vq->event_idx) {
		/* Disabling: a stale avail_event stops the kicks by itself. */
		if (enable)
			st16(avail_event(vq), vq->last_avail);
	} else {
		st16(&vq->used[USED_FLAGS], enable ? 0 : AV_VIRTQ_USED_F_NO_NOTIFY);
	}
	/* Before the caller's av_virtq_pending(): the driver must see our store first. */
	full_fence();
}

/* ---- Taking a chain ---- */

/* One descriptor, as read from the table (host byte order). */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/*
 * Copy descriptor @i of @table, reading each byte once. An 8-byte aligned entry (every
 * entry of the main table, and of any sensibly placed indirect table) is two atomic 64-bit
 * loads; otherwise it is read byte by byte.
 */
static void read_desc(const void *table, unsigned i, struct desc *d)
{
	const uint8_t *p = (const uint8_t *)table + (size_t)16 * i;
	uint64_t w0, w1;

	if (((uintptr_t)p & 7) == 0) {
		w0 = le64(__atomic_load_n((const uint64_t *)(const void *)p, __ATOMIC_RELAXED));
		w1 = le64(__atomic_load_n((const uint64_t *)(const void *)(p + 8),
					  __ATOMIC_RELAXED));
	} else {
		const volatile uint8_t *b = p;

		w0 = w1 = 0;
		for (int k = 7; k >= 0; k--) {
			w0 = (w0 << 8) | b[k];
			w1 = (w1 << 8) | b[8 + k];
		}
	}
	d->addr = w0;
	d->len = (uint32_t)w1;
	d->flags = (uint16_t)(w1 >> 32);
	d->next = (uint16_t)(w1 >> 48);
}

/* The walk over one chain. */
struct walk {
	struct av_virtq *vq;
	struct av_virtq_chain *chain;
	unsigned count; /* buffer descriptors seen (bounded by vq->num) */
	bool writing;   /* a writable buffer was seen */
};

/* Check and record one buffer descriptor. */
static int add_buffer(struct walk *w, const struct desc *d)
{
	struct av_virtq_chain *c = w->chain;
	bool write = (d->flags & AV_VIRTQ_DESC_F_WRITE) != 0;
	unsigned n = c->n_out + c->n_in;
	void *p = NULL;

	if (++w->count > w->vq->num || n >= c->cap)
		return -AV_EFAULT;
	if (!write && w->writing)
		return -AV_EFAULT; /* readable after writable */
	if (d->len) {
		p = map_range(w->vq->mem, d->addr, d->len, write);
		if (!p)
			return -AV_EFAULT;
	}
	c->seg[n].addr = p;
	c->seg[n].len = d->len;
	if (write) {
		w->writing = true;
		c->n_in++;
		c->in_len += d->len;
	} else {
		c->n_out++;
		c->out_len += d->len;
	}
	return 0;
}

/* The buffers of an indirect table (the descriptor pointing to it is in @ind). */
static int walk_indirect(struct walk *w, const struct desc *ind)
{
	const void *table;
	unsigned size, i;
	struct desc d;
	int rc;

	if (!w->vq->indirect || (ind->flags & AV_VIRTQ_DESC_F_NEXT) || ind->len == 0 ||
	    ind->len % 16 != 0)
		return -AV_EFAULT;
	table = map_range(w->vq->mem, ind->addr, ind->len, false);
	if (!table)
		return -AV_EFAULT;
	size = ind->len / 16;
	i = 0;
	for (;;) {
		read_desc(table, i, &d);
		if (d.flags & AV_VIRTQ_DESC_F_INDIRECT)
			return -AV_EFAULT; /* one level only */
		rc = add_buffer(w, &d); /* bounds the loop: at most num buffers */
		if (rc)
			return rc;
		if (!(d.flags & AV_VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= size)
			return -AV_EFAULT;
		i = d.next;
	}
}

static int walk_chain(struct walk *w, uint16_t head)
{
	struct av_virtq *vq = w->vq;
	unsigned i = head;
	struct desc d;
	int rc;

	for (;;) {
		read_desc(vq->desc, i, &d);
		if (d.flags & AV_VIRTQ_DESC_F_INDIRECT)
			return walk_indirect(w, &d); /* alone or last */
		rc = add_buffer(w, &d); /* bounds the loop: at most num buffers */
		if (rc)
			return rc;
		if (!(d.flags & AV_VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= vq->num)
			return -AV_EFAULT;
		i = d.next;
	}
}

static void chain_clear(struct av_virtq_chain *chain)
{
	chain->n_out = chain->n_in = 0;
	chain->out_len = chain->in_len = 0;
}

static int broken(struct av_virtq *vq, struct av_virtq_chain *chain)
{
	vq->broken = true;
	chain_clear(chain);
	return -AV_EFAULT;
}

int av_virtq_pop(struct av_virtq *vq, struct av_virtq_chain *chain)
{
	struct walk w;
	uint16_t avail_idx, head;

	if (!vq || !chain || !chain->seg)
		return -AV_EINVAL;
	chain_clear(chain);
	if (!vq->ready || vq->broken)
		return 0;
	avail_idx = ld16_acquire(&vq->avail[AVAIL_IDX]);
	if (avail_idx == vq->last_avail) {
		if (!vq->event_idx || vq->notify_off)
			return 0;
		/* Empty: ask for a kick at the next entry, then look once more (the driver
		 * may have added one before it could see avail_event). */
		st16(avail_event(vq), vq->last_avail);
		full_fence();
		avail_idx = ld16_acquire(&vq->avail[AVAIL_IDX]);
		if (avail_idx == vq->last_avail)
			return 0;
	}
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return broken(vq, chain);
	head = ld16(&vq->avail[AVAIL_RING + (vq->last_avail & (vq->num - 1u))]);
	if (head >= vq->num)
		return broken(vq, chain);
	w.vq = vq;
	w.chain = chain;
	w.count = 0;
	w.writing = false;
	if (walk_chain(&w, head))
		return broken(vq, chain);
	chain->head = head;
	vq->last_avail++;
	vq->popped++;
	return 1;
}

/* ---- Returning chains ---- */

int av_virtq_push(struct av_virtq *vq, uint16_t head, uint32_t written)
{
	uint32_t *elem;

	if (!vq || !vq->ready || head >= vq->num)
		return -AV_EINVAL;
	elem = (uint32_t *)(void *)&vq->used[USED_RING + 4u * (vq->used_idx & (vq->num - 1u))];
	__atomic_store_n(&elem[0], le32(head), __ATOMIC_RELAXED);
	__atomic_store_n(&elem[1], le32(written), __ATOMIC_RELAXED);
	vq->used_idx++;
	__atomic_store_n(&vq->used[USED_IDX], le16(vq->used_idx), __ATOMIC_RELEASE);
	vq->pushed++;
	return 0;
}

bool av_virtq_need_interrupt(struct av_virtq *vq)
{
	uint16_t old, now, event;

	if (!vq || !vq->ready)
		return false;
	old = vq->signalled_used; /* av_virtq_enable() started it at 0, with used_idx */
	now = vq->used_idx;
	vq->signalled_used = now;
	if (old == now)
		return false; /* nothing pushed since the last check */
	/* used->idx (published by push) before the driver's suppression fields. */
	full_fence();
	if (!vq->event_idx)
		return !(ld16(&vq->avail[AVAIL_FLAGS]) & AV_VIRTQ_AVAIL_F_NO_INTERRUPT);
	event = ld16(used_event(vq));
	/* vring_need_event(): used_event lies in [old, now). */
	return (uint16_t)(now - event - 1u) < (uint16_t)(now - old);
}
