/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the virtual switch (armvirt/vswitch.h).
 *
 * Input: one configuration byte (queue lengths, frame sizes, table size, ageing), then
 * operations of four bytes each: send a frame from a port (destination and source MACs
 * from a small set with broadcast, multicast, zero and colliding addresses; any length,
 * sometimes in several pieces), receive (copy out, peek, pop), advance the clock, or move
 * a port to the other network. Each port's queue storage ends where its heap block ends,
 * so ASan sees any write past it. Invariants checked (a violation traps):
 *  - a frame arrives only at a port of the network it was sent on, never at its sender,
 *    with the bytes that were sent;
 *  - av_vswitch_tx() returns how many queues the frame went to, and the counters add up:
 *    each send is counted once on its sender (accepted, short or long), each copy once on
 *    a receiver (queued, dropped full, dropped long), a queue holds rx_frames - rx_popped
 *    frames, never more than its length, never more flooded ones than its share;
 *  - a unicast source is learned at once; a frame to a destination the table knows goes
 *    to that port only;
 *  - the MAC tables point only at ports of their own network;
 *  - notify is called only for attached ports and never more often than frames queued.
 */
#include <armvirt/vswitch.h>

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define NPORTS 5
#define NNETS 2
#define FDB_MAX 16

struct port_model {
	struct av_vswitch_port port;
	uint8_t *frames;
	uint32_t *lens;
	uint32_t slots, frame_max;
	unsigned netidx; /* 0 or 1: network id netidx + 1 */
	bool attached;
	uint64_t notified;
};

static struct av_vswitch sw;
static struct av_vswitch_net nets[NNETS];
static struct av_vswitch_fdb_entry fdb[NNETS][FDB_MAX];
static struct port_model pm[NPORTS];
static uint32_t seq;

static const uint8_t macs[8][6] = {
	{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, /* broadcast */
	{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}, /* multicast */
	{0, 0, 0, 0, 0, 0},                   /* zero: never learned */
	{0x02, 0, 0, 0, 0, 1},
	{0x02, 0, 0, 0, 0, 2},
	{0x02, 0, 0, 0, 0, 3},
	{0x52, 0x54, 0, 0x12, 0x34, 0x56},
	{0x52, 0x54, 0, 0x12, 0x34, 0x57},
};

static void notify(void *ctx, struct av_vswitch_port *port)
{
	struct port_model *m = ctx;
	CHECK(&m->port == port && m->attached && port->net);
	m->notified++;
}

static void attach(unsigned i)
{
	struct port_model *m = &pm[i];
	struct av_vswitch_port_config cfg = {
		.network = m->netidx + 1,
		.frames = m->frames,
		.lens = m->lens,
		.slots = m->slots,
		.frame_max = m->frame_max,
		.flood_max = (uint32_t)(i % 2 ? 0 : m->slots),
		.notify = notify,
		.ctx = m,
	};
	CHECK(av_vswitch_port_add(&sw, &m->port, &cfg, NULL) == 0);
	m->attached = true;
	m->notified = 0;
}

/* Queue storage: the last @p need bytes of a heap block allocated once, so a write past
 * the end of a port's storage lands in ASan's redzone. */
#define SLOTS_MAX 4u
#define FRAME_MAX 260u
#define FRAMES_BYTES (SLOTS_MAX * FRAME_MAX)
#define LENS_BYTES (SLOTS_MAX * sizeof(uint32_t))
static void *frames_block[NPORTS], *lens_block[NPORTS];

static void *tail_of(void **block, size_t size, size_t need)
{
	if (!*block)
		*block = malloc(size);
	CHECK(*block && need <= size);
	return (uint8_t *)*block + (size - need);
}

static uint8_t pattern(uint32_t s, size_t i)
{
	return (uint8_t)(s * 31u + i * 7u);
}

static uint32_t load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A received frame: sent on this port's network, by another port, bytes intact. */
static void check_frame(unsigned to, const uint8_t *f, size_t len)
{
	CHECK(len >= AV_VSWITCH_ETH_HLEN && len <= pm[to].frame_max);
	CHECK(f[12] == pm[to].netidx + 1);
	CHECK(f[13] < NPORTS && f[13] != to);
	if (len >= 18) {
		uint32_t s = load32(f + 14);
		for (size_t i = 18; i < len; i++)
			CHECK(f[i] == pattern(s, i));
	}
}

static uint64_t rx_total(const struct av_vswitch_port_stats *st)
{
	return st->rx_frames + st->rx_drop_full + st->rx_drop_long;
}

static void check_port(const struct port_model *m)
{
	const struct av_vswitch_port *p = &m->port;
	if (!m->attached)
		return;
	uint32_t pending = av_vswitch_pending(p);
	CHECK(pending <= m->slots);
	CHECK(pending == p->stats.rx_frames - p->stats.rx_popped);
	uint32_t fin = p->flood_in, fout = (uint32_t)atomic_load(&p->flood_out);
	uint32_t flooded = fin >= fout ? fin - fout : fin + 2 * m->slots - fout;
	CHECK(flooded <= p->flood_max && flooded <= pending);
	CHECK(m->notified <= p->stats.rx_frames);
}

static void check_tables(void)
{
	for (unsigned n = 0; n < NNETS; n++)
		for (uint32_t e = 0; e < nets[n].fdb_size; e++)
			if (nets[n].fdb[e].port)
				CHECK(nets[n].fdb[e].port->net == &nets[n]);
}

static void do_send(unsigned from, const uint8_t *op)
{
	static uint8_t buf[300];
	struct port_model *m = &pm[from];
	size_t len = (size_t)op[3] + (op[2] & 0x40 ? 40 : 0);
	memcpy(buf, macs[op[1] & 7], 6);
	memcpy(buf + 6, macs[op[1] >> 4 & 7], 6);
	buf[12] = (uint8_t)(m->netidx + 1);
	buf[13] = (uint8_t)from;
	seq++;
	for (size_t i = 14; i < 18; i++)
		buf[i] = (uint8_t)(seq >> (8 * (i - 14)));
	for (size_t i = 18; i < len; i++)
		buf[i] = pattern(seq, i);

	uint64_t before[NPORTS];
	for (unsigned i = 0; i < NPORTS; i++)
		before[i] = rx_total(&pm[i].port.stats);
	struct av_vswitch_port_stats st = m->port.stats;
	uint64_t queued_before = 0;
	for (unsigned i = 0; i < NPORTS; i++)
		queued_before += pm[i].port.stats.rx_frames;

	int r;
	if (op[2] & 0x80) {
		/* in pieces, cut at two places of the input's choosing */
		size_t c1 = (op[2] & 0x3f) % (len + 1), c2 = (op[0] >> 3) % (len + 1);
		if (c1 > c2) {
			size_t t = c1;
			c1 = c2;
			c2 = t;
		}
		struct av_virtq_seg seg[3] = {
			{buf, (uint32_t)c1}, {buf + c1, (uint32_t)(c2 - c1)},
			{buf + c2, (uint32_t)(len - c2)},
		};
		r = av_vswitch_txv(&m->port, seg, 3);
	} else {
		r = av_vswitch_tx(&m->port, buf, len);
	}
	if (!m->attached) {
		CHECK(r == -AV_EINVAL);
		return;
	}
	CHECK(r >= 0);
	const struct av_vswitch_port_stats *now = &m->port.stats;
	bool shortf = len < AV_VSWITCH_ETH_HLEN, longf = !shortf && len > m->frame_max;
	CHECK(now->tx_drop_short == st.tx_drop_short + shortf);
	CHECK(now->tx_drop_long == st.tx_drop_long + longf);
	CHECK(now->tx_frames == st.tx_frames + (!shortf && !longf));
	CHECK(now->tx_bytes == st.tx_bytes + (!shortf && !longf ? len : 0));
	uint64_t queued = 0, attempts = 0;
	for (unsigned i = 0; i < NPORTS; i++) {
		queued += pm[i].port.stats.rx_frames;
		uint64_t d = rx_total(&pm[i].port.stats) - before[i];
		CHECK(d <= 1);
		if (d) /* only other ports of the sender's network */
			CHECK(i != from && pm[i].attached && pm[i].netidx == m->netidx);
		attempts += d;
	}
	CHECK(queued - queued_before == (uint64_t)r);
	CHECK(now->tx_drop_no_dest <= st.tx_drop_no_dest + 1);
	if (shortf || longf) {
		CHECK(attempts == 0);
		return;
	}
	CHECK(attempts > 0 || now->tx_drop_no_dest == st.tx_drop_no_dest + 1);
	/* the source is learned at once; a destination the table knows got the only copy */
	const uint8_t *dst = buf, *src = buf + 6;
	if (!(src[0] & 1) && memcmp(src, macs[2], 6))
		CHECK(av_vswitch_fdb_lookup(m->port.net, src) == &m->port);
	struct av_vswitch_port *to = av_vswitch_fdb_lookup(m->port.net, dst);
	if (!(dst[0] & 1) && to && to != &m->port) {
		size_t idx = (size_t)((struct port_model *)to->ctx - pm);
		CHECK(attempts == 1 && rx_total(&to->stats) == before[idx] + 1);
	}
}

static void do_recv(unsigned to, const uint8_t *op)
{
	struct port_model *m = &pm[to];
	if (!m->attached)
		return;
	uint8_t buf[300];
	size_t len = 0;
	switch (op[1] & 3) {
	case 0: { /* copy out, possibly truncated */
		size_t cap = op[2] % sizeof(buf);
		const void *f = av_vswitch_peek(&m->port, &len);
		size_t got = av_vswitch_recv(&m->port, buf, cap);
		CHECK(got == (f ? len : 0));
		if (got && cap >= got)
			check_frame(to, buf, got);
		break;
	}
	case 1: /* peek twice, then pop */
	case 2: {
		const uint8_t *f = av_vswitch_peek(&m->port, &len);
		if (f) {
			check_frame(to, f, len);
			size_t len2 = 0;
			CHECK(av_vswitch_peek(&m->port, &len2) == f && len2 == len);
		}
		av_vswitch_pop(&m->port);
		break;
	}
	default: /* drain everything */
		while ((len = av_vswitch_recv(&m->port, buf, sizeof(buf))) != 0)
			check_frame(to, buf, len);
		CHECK(av_vswitch_pending(&m->port) == 0);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t cfg = data[0];
	data++, size--;

	CHECK(av_vswitch_init(&sw, cfg & 0x80 ? 0 : 8) == 0);
	uint32_t fdb_size = cfg & 0x40 ? FDB_MAX : AV_VSWITCH_FDB_WAYS;
	for (unsigned n = 0; n < NNETS; n++)
		CHECK(av_vswitch_net_add(&sw, &nets[n], n + 1, fdb[n], fdb_size, NULL) == 0);
	seq = 0;
	for (unsigned i = 0; i < NPORTS; i++) {
		struct port_model *m = &pm[i];
		m->slots = 1u + ((cfg >> (i % 3)) & 3u);
		m->frame_max = (cfg & (1u << i)) ? 64u : 256u + i;
		m->frames = tail_of(&frames_block[i], FRAMES_BYTES, (size_t)m->slots * m->frame_max);
		m->lens = tail_of(&lens_block[i], LENS_BYTES, m->slots * sizeof(*m->lens));
		m->netidx = i < 3 ? 0 : 1;
		attach(i);
	}

	uint64_t now = 0;
	for (; size >= 4; data += 4, size -= 4) {
		unsigned port = (unsigned)(data[0] & 7) % NPORTS;
		switch (data[0] >> 3 & 3) {
		case 0:
		case 1:
			do_send(port, data);
			break;
		case 2:
			do_recv(port, data);
			break;
		default:
			if (data[1] & 1) {
				now += data[2];
				av_vswitch_set_time(&sw, now);
			} else if (pm[port].attached) {
				CHECK(av_vswitch_port_remove(&sw, &pm[port].port) == 0);
				pm[port].attached = false;
				CHECK(av_vswitch_pending(&pm[port].port) == 0);
				for (unsigned n = 0; n < NNETS; n++)
					for (uint32_t e = 0; e < fdb_size; e++)
						CHECK(fdb[n][e].port != &pm[port].port);
			} else {
				pm[port].netidx ^= data[2] & 1;
				attach(port);
			}
			break;
		}
		for (unsigned i = 0; i < NPORTS; i++)
			check_port(&pm[i]);
		check_tables();
	}

	return 0;
}
