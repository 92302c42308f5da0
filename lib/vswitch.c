/* SPDX-License-Identifier: MIT */
/*
 * The virtual Ethernet switch (see <armvirt/vswitch.h>): per-network set-associative MAC
 * tables, flooding within a network, and per-port single-producer / single-consumer rings
 * of copied frames. The producer side runs under the caller's switch lock; the consumer
 * side only touches the consumer index, the consumer's flood count and rx_popped.
 */
#include <armvirt/vswitch.h>

#include <string.h>

#include "error_detail.h"

#define MOD "vswitch"

/* lens[] bit: the frame was flooded (counts against the port's flood share). */
#define FLOODED 0x80000000u
#define FRAME_MAX_LIMIT 0x7fffffffu

int av_vswitch_init(struct av_vswitch *sw, uint64_t ageing)
{
	if (!sw)
		return -AV_EINVAL;
	memset(sw, 0, sizeof(*sw));
	sw->ageing = ageing;
	return 0;
}

void av_vswitch_set_time(struct av_vswitch *sw, uint64_t now)
{
	if (sw)
		sw->now = now;
}

static struct av_vswitch_net *net_find(const struct av_vswitch *sw, uint32_t id)
{
	for (struct av_vswitch_net *n = sw->nets; n; n = n->next)
		if (n->id == id)
			return n;
	return NULL;
}

int av_vswitch_net_add(struct av_vswitch *sw, struct av_vswitch_net *net, uint32_t id,
		       struct av_vswitch_fdb_entry *fdb, uint32_t fdb_size, struct av_error *err)
{
	if (!sw || !net)
		return av__error(err, -AV_EINVAL, MOD, sw ? "net" : "sw", "is NULL");
	if (!fdb)
		return av__error(err, -AV_EINVAL, MOD, "fdb", "is NULL");
	if (fdb_size < AV_VSWITCH_FDB_WAYS || (fdb_size & (fdb_size - 1)))
		return av__error(err, -AV_EINVAL, MOD, "fdb_size",
				 "%u is not a power of two >= %u", fdb_size, AV_VSWITCH_FDB_WAYS);
	for (struct av_vswitch_net *n = sw->nets; n; n = n->next)
		if (n == net || n->id == id)
			return av__error(err, -AV_EEXIST, MOD, "id",
					 "network %u is already in the switch", id);
	memset(net, 0, sizeof(*net));
	memset(fdb, 0, (size_t)fdb_size * sizeof(*fdb));
	net->id = id;
	net->fdb = fdb;
	net->fdb_size = fdb_size;
	net->sw = sw;
	net->next = sw->nets;
	sw->nets = net;
	av__error_clear(err);
	return 0;
}

static bool port_in_switch(const struct av_vswitch *sw, const struct av_vswitch_port *port)
{
	for (const struct av_vswitch_net *n = sw->nets; n; n = n->next)
		for (const struct av_vswitch_port *p = n->ports; p; p = p->next)
			if (p == port)
				return true;
	return false;
}

int av_vswitch_port_add(struct av_vswitch *sw, struct av_vswitch_port *port,
			const struct av_vswitch_port_config *cfg, struct av_error *err)
{
	if (!sw || !port || !cfg)
		return av__error(err, -AV_EINVAL, MOD, !sw ? "sw" : !port ? "port" : "cfg",
				 "is NULL");
	if (!cfg->frames || !cfg->lens)
		return av__error(err, -AV_EINVAL, MOD, cfg->frames ? "lens" : "frames", "is NULL");
	if (cfg->slots < 1 || cfg->slots > AV_VSWITCH_SLOTS_MAX)
		return av__error(err, -AV_EINVAL, MOD, "slots", "%u is outside 1..%u", cfg->slots,
				 AV_VSWITCH_SLOTS_MAX);
	if (cfg->frame_max < AV_VSWITCH_ETH_HLEN || cfg->frame_max > FRAME_MAX_LIMIT ||
	    cfg->frame_max > SIZE_MAX / cfg->slots)
		return av__error(err, -AV_EINVAL, MOD, "frame_max", "%u is outside %u..%u",
				 cfg->frame_max, AV_VSWITCH_ETH_HLEN, FRAME_MAX_LIMIT);
	if (cfg->flood_max > cfg->slots)
		return av__error(err, -AV_EINVAL, MOD, "flood_max", "%u is over slots (%u)",
				 cfg->flood_max, cfg->slots);
	struct av_vswitch_net *net = net_find(sw, cfg->network);
	if (!net)
		return av__error(err, -AV_ENOENT, MOD, "network", "no network %u", cfg->network);
	if (port_in_switch(sw, port))
		return av__error(err, -AV_EEXIST, MOD, "port", "is already in the switch");

	memset(port, 0, sizeof(*port));
	port->frames = cfg->frames;
	port->lens = cfg->lens;
	port->slots = cfg->slots;
	port->frame_max = cfg->frame_max;
	port->flood_max = cfg->flood_max ? cfg->flood_max
					 : (cfg->slots / 2 ? cfg->slots / 2 : 1);
	port->notify = cfg->notify;
	port->ctx = cfg->ctx;
	atomic_init(&port->head, 0);
	atomic_init(&port->tail, 0);
	atomic_init(&port->flood_out, 0);
	atomic_init(&port->waiting, 1);
	port->net = net;
	port->next = net->ports;
	net->ports = port;
	net->nports++;
	av__error_clear(err);
	return 0;
}

int av_vswitch_port_remove(struct av_vswitch *sw, struct av_vswitch_port *port)
{
	if (!sw || !port || !port_in_switch(sw, port))
		return -AV_EINVAL;
	struct av_vswitch_net *net = port->net;
	for (struct av_vswitch_port **pp = &net->ports; *pp; pp = &(*pp)->next) {
		if (*pp == port) {
			*pp = port->next;
			break;
		}
	}
	net->nports--;
	for (uint32_t i = 0; i < net->fdb_size; i++)
		if (net->fdb[i].port == port)
			memset(&net->fdb[i], 0, sizeof(net->fdb[i]));
	port->net = NULL;
	port->next = NULL;
	atomic_store_explicit(&port->head, 0, memory_order_relaxed);
	atomic_store_explicit(&port->tail, 0, memory_order_relaxed);
	atomic_store_explicit(&port->flood_out, 0, memory_order_relaxed);
	atomic_store_explicit(&port->waiting, 1, memory_order_relaxed);
	port->flood_in = 0;
	return 0;
}

/* ---- MAC table ---- */

static struct av_vswitch_fdb_entry *fdb_bucket(const struct av_vswitch_net *net,
					       const uint8_t *mac)
{
	/* Multiplicative hash of the 48-bit address; the top bits pick the bucket. */
	uint64_t x = 0;
	for (unsigned i = 0; i < AV_VSWITCH_ETH_ALEN; i++)
		x = x << 8 | mac[i];
	x *= 0x9e3779b97f4a7c15ull;
	uint32_t nbuckets = net->fdb_size / AV_VSWITCH_FDB_WAYS;
	uint32_t b = (uint32_t)(x >> 32) & (nbuckets - 1);
	return &net->fdb[(size_t)b * AV_VSWITCH_FDB_WAYS];
}

static bool fdb_live(const struct av_vswitch *sw, const struct av_vswitch_fdb_entry *e)
{
	return e->port && (!sw->ageing || sw->now - e->seen < sw->ageing);
}

static struct av_vswitch_fdb_entry *fdb_find(const struct av_vswitch_net *net,
					     const uint8_t *mac)
{
	struct av_vswitch_fdb_entry *b = fdb_bucket(net, mac);
	for (unsigned w = 0; w < AV_VSWITCH_FDB_WAYS; w++)
		if (b[w].port && !memcmp(b[w].mac, mac, AV_VSWITCH_ETH_ALEN))
			return &b[w];
	return NULL;
}

struct av_vswitch_port *av_vswitch_fdb_lookup(const struct av_vswitch_net *net,
					      const uint8_t mac[AV_VSWITCH_ETH_ALEN])
{
	if (!net || !mac || !net->fdb)
		return NULL;
	const struct av_vswitch_fdb_entry *e = fdb_find(net, mac);
	return e && fdb_live(net->sw, e) ? e->port : NULL;
}

static void fdb_learn(struct av_vswitch_net *net, const uint8_t *mac,
		      struct av_vswitch_port *port)
{
	const struct av_vswitch *sw = net->sw;
	struct av_vswitch_fdb_entry *e = fdb_find(net, mac);
	if (e) {
		if (!fdb_live(sw, e))
			net->learned++;
		else if (e->port != port)
			net->moved++;
	} else {
		/* A free or stale way first, else the least recently refreshed one. */
		struct av_vswitch_fdb_entry *b = fdb_bucket(net, mac);
		e = NULL;
		for (unsigned w = 0; w < AV_VSWITCH_FDB_WAYS && !e; w++)
			if (!fdb_live(sw, &b[w]))
				e = &b[w];
		if (!e) {
			e = &b[0];
			for (unsigned w = 1; w < AV_VSWITCH_FDB_WAYS; w++)
				if (sw->now - b[w].seen > sw->now - e->seen)
					e = &b[w];
			net->replaced++;
		}
		memcpy(e->mac, mac, AV_VSWITCH_ETH_ALEN);
		net->learned++;
	}
	e->port = port;
	e->seen = sw->now;
}

/* ---- Queues ---- */

/* Ring indices run over 0 .. 2 * slots - 1, so a full ring and an empty one differ. */
static uint32_t ring_next(uint32_t i, uint32_t slots)
{
	return i + 1 == 2 * slots ? 0 : i + 1;
}

static uint32_t ring_count(uint32_t in, uint32_t out, uint32_t slots)
{
	return in >= out ? in - out : in + 2 * slots - out;
}

static uint32_t ring_slot(uint32_t i, uint32_t slots)
{
	return i >= slots ? i - slots : i;
}

/* The frame being sent: its pieces and total length. */
struct frame {
	const struct av_virtq_seg *seg;
	unsigned n;
	size_t len;
};

/* Copy one frame into @p to's queue (producer side). Returns 1 when queued, else 0. */
static int deliver(struct av_vswitch_port *to, const struct frame *f, bool flooded)
{
	struct av_vswitch_port_stats *st = &to->stats;
	if (f->len > to->frame_max) {
		st->rx_drop_long++;
		return 0;
	}
	uint32_t head = (uint32_t)atomic_load_explicit(&to->head, memory_order_relaxed);
	uint32_t tail = (uint32_t)atomic_load_explicit(&to->tail, memory_order_acquire);
	uint32_t used = ring_count(head, tail, to->slots);
	if (used >= to->slots) {
		st->rx_drop_full++;
		return 0;
	}
	if (flooded) {
		uint32_t out = (uint32_t)atomic_load_explicit(&to->flood_out, memory_order_acquire);
		if (ring_count(to->flood_in, out, to->slots) >= to->flood_max) {
			st->rx_drop_full++;
			return 0;
		}
		to->flood_in = ring_next(to->flood_in, to->slots);
	}
	uint32_t slot = ring_slot(head, to->slots);
	uint8_t *dst = to->frames + (size_t)slot * to->frame_max;
	for (unsigned i = 0; i < f->n; i++) {
		if (f->seg[i].len) {
			memcpy(dst, f->seg[i].addr, f->seg[i].len);
			dst += f->seg[i].len;
		}
	}
	to->lens[slot] = (uint32_t)f->len | (flooded ? FLOODED : 0);
	st->rx_frames++;
	st->rx_bytes += f->len;
	/* Publish, then look for a waiting consumer: both sequentially consistent, paired
	 * with av_vswitch_peek()'s store of @c waiting and load of @c head, so either the
	 * consumer sees the frame or we see it waiting. */
	atomic_store(&to->head, (int)ring_next(head, to->slots));
	if (atomic_load(&to->waiting) && atomic_exchange(&to->waiting, 0) && to->notify)
		to->notify(to->ctx, to);
	return 1;
}

static void frame_header(const struct frame *f, uint8_t *hdr)
{
	size_t got = 0;
	for (unsigned i = 0; i < f->n && got < AV_VSWITCH_ETH_HLEN; i++) {
		size_t take = f->seg[i].len;
		if (take > AV_VSWITCH_ETH_HLEN - got)
			take = AV_VSWITCH_ETH_HLEN - got;
		if (take)
			memcpy(hdr + got, f->seg[i].addr, take);
		got += take;
	}
}

static bool mac_is_zero(const uint8_t *mac)
{
	uint8_t any = 0;
	for (unsigned i = 0; i < AV_VSWITCH_ETH_ALEN; i++)
		any |= mac[i];
	return !any;
}

int av_vswitch_txv(struct av_vswitch_port *port, const struct av_virtq_seg *seg, unsigned n)
{
	if (!port || !port->net || (!seg && n))
		return -AV_EINVAL;
	struct frame f = {seg, n, 0};
	for (unsigned i = 0; i < n; i++) {
		if (!seg[i].addr && seg[i].len)
			return -AV_EINVAL;
		if (seg[i].len > SIZE_MAX - f.len)
			f.len = SIZE_MAX; /* longer than any frame_max */
		else
			f.len += seg[i].len;
	}
	struct av_vswitch_port_stats *st = &port->stats;
	if (f.len < AV_VSWITCH_ETH_HLEN) {
		st->tx_drop_short++;
		return 0;
	}
	if (f.len > port->frame_max) {
		st->tx_drop_long++;
		return 0;
	}
	st->tx_frames++;
	st->tx_bytes += f.len;

	struct av_vswitch_net *net = port->net;
	uint8_t hdr[AV_VSWITCH_ETH_HLEN];
	frame_header(&f, hdr);
	const uint8_t *dst = hdr, *src = hdr + AV_VSWITCH_ETH_ALEN;
	if (!(src[0] & 1) && !mac_is_zero(src))
		fdb_learn(net, src, port);

	if (!(dst[0] & 1)) {
		const struct av_vswitch_fdb_entry *e = fdb_find(net, dst);
		if (e && fdb_live(net->sw, e)) {
			if (e->port == port) {
				st->tx_drop_no_dest++;
				return 0;
			}
			return deliver(e->port, &f, false);
		}
	}
	int queued = 0;
	bool any = false;
	for (struct av_vswitch_port *p = net->ports; p; p = p->next) {
		if (p == port)
			continue;
		any = true;
		queued += deliver(p, &f, true);
	}
	if (!any)
		st->tx_drop_no_dest++;
	return queued;
}

int av_vswitch_tx(struct av_vswitch_port *port, const void *frame, size_t len)
{
	if (!frame && len)
		return -AV_EINVAL;
	if (len > UINT32_MAX)
		len = UINT32_MAX; /* longer than any frame_max: dropped as such */
	struct av_virtq_seg seg = {(void *)(uintptr_t)frame, (uint32_t)len};
	return av_vswitch_txv(port, &seg, 1);
}

/* ---- Consumer side ---- */

const void *av_vswitch_peek(struct av_vswitch_port *port, size_t *len)
{
	if (!port || !port->slots)
		return NULL;
	uint32_t tail = (uint32_t)atomic_load_explicit(&port->tail, memory_order_relaxed);
	uint32_t head = (uint32_t)atomic_load_explicit(&port->head, memory_order_acquire);
	if (head == tail) {
		/* Wait, then look again (see deliver()): a frame published meanwhile is
		 * either seen here or its sender sees us waiting and notifies. */
		atomic_store(&port->waiting, 1);
		head = (uint32_t)atomic_load(&port->head);
		if (head == tail)
			return NULL;
	}
	uint32_t slot = ring_slot(tail, port->slots);
	if (len)
		*len = port->lens[slot] & ~FLOODED;
	return port->frames + (size_t)slot * port->frame_max;
}

void av_vswitch_pop(struct av_vswitch_port *port)
{
	if (!port || !port->slots)
		return;
	uint32_t tail = (uint32_t)atomic_load_explicit(&port->tail, memory_order_relaxed);
	uint32_t head = (uint32_t)atomic_load_explicit(&port->head, memory_order_acquire);
	if (head == tail)
		return;
	if (port->lens[ring_slot(tail, port->slots)] & FLOODED) {
		uint32_t out = (uint32_t)atomic_load_explicit(&port->flood_out,
							      memory_order_relaxed);
		atomic_store_explicit(&port->flood_out, (int)ring_next(out, port->slots),
				      memory_order_release);
	}
	port->stats.rx_popped++;
	atomic_store_explicit(&port->tail, (int)ring_next(tail, port->slots),
			      memory_order_release);
}

size_t av_vswitch_recv(struct av_vswitch_port *port, void *buf, size_t cap)
{
	size_t len = 0;
	const void *frame = av_vswitch_peek(port, &len);
	if (!frame)
		return 0;
	if (buf && cap)
		memcpy(buf, frame, len < cap ? len : cap);
	av_vswitch_pop(port);
	return len;
}

uint32_t av_vswitch_pending(const struct av_vswitch_port *port)
{
	if (!port || !port->slots)
		return 0;
	uint32_t tail = (uint32_t)atomic_load_explicit(&port->tail, memory_order_acquire);
	uint32_t head = (uint32_t)atomic_load_explicit(&port->head, memory_order_acquire);
	return ring_count(head, tail, port->slots);
}
