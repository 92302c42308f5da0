/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the virtual Ethernet switch (armvirt/vswitch.h). Two networks (ids 1 and 2)
 * with three ports each (A, B, C on network 1; D, E, F on network 2); the frames carry a
 * tag byte after the header so each test can say which frame arrived where.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include <armvirt/vswitch.h>

#define NPORTS 6
#define SLOTS 8
#define FMAX 1514u
#define FDB 64

struct fix {
	struct av_vswitch sw;
	struct av_vswitch_net net[2];
	struct av_vswitch_fdb_entry fdb[2][FDB];
	struct av_vswitch_port port[NPORTS];
	uint8_t frames[NPORTS][SLOTS * FMAX];
	uint32_t lens[NPORTS][SLOTS];
	unsigned notified[NPORTS];
};

static struct fix F;

enum { A, B, C, D, E, P_F };

static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* The unicast MAC 02:00:00:00:00:n. */
static void mac_of(uint8_t *mac, unsigned n)
{
	static const uint8_t base[6] = {0x02, 0, 0, 0, 0, 0};
	memcpy(mac, base, 6);
	mac[4] = (uint8_t)(n >> 8);
	mac[5] = (uint8_t)n;
}

/* The stations of most tests: a (02::1) and b (02::2). */
static uint8_t a[6], b[6];

static void notify(void *ctx, struct av_vswitch_port *port)
{
	unsigned *count = ctx;
	assert_non_null(port->net);
	(*count)++;
}

static void add_port(unsigned i, uint32_t network, uint32_t slots, uint32_t frame_max,
		     uint32_t flood_max)
{
	struct av_vswitch_port_config cfg = {
		.network = network,
		.frames = F.frames[i],
		.lens = F.lens[i],
		.slots = slots,
		.frame_max = frame_max,
		.flood_max = flood_max,
		.notify = notify,
		.ctx = &F.notified[i],
	};
	struct av_error err;
	assert_int_equal(av_vswitch_port_add(&F.sw, &F.port[i], &cfg, &err), 0);
	assert_string_equal(err.field, "");
}

static int setup(void **state)
{
	(void)state;
	memset(&F, 0xa5, sizeof(F)); /* the switch must not rely on zeroed storage */
	memset(F.notified, 0, sizeof(F.notified));
	mac_of(a, 1);
	mac_of(b, 2);
	assert_int_equal(av_vswitch_init(&F.sw, 0), 0);
	assert_int_equal(av_vswitch_net_add(&F.sw, &F.net[0], 1, F.fdb[0], FDB, NULL), 0);
	assert_int_equal(av_vswitch_net_add(&F.sw, &F.net[1], 2, F.fdb[1], FDB, NULL), 0);
	for (unsigned i = 0; i < NPORTS; i++)
		add_port(i, i < 3 ? 1 : 2, SLOTS, FMAX, 0);
	return 0;
}

/* Send a frame dst <- src with tag @p tag and @p len bytes (>= 15) from port @p from. */
static int send_len(unsigned from, const uint8_t *dst, const uint8_t *src, uint8_t tag,
		    size_t len)
{
	static uint8_t buf[4096];
	assert_true(len <= sizeof(buf));
	memset(buf, 0, sizeof(buf));
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	buf[12] = 0x08;
	if (len > 14)
		buf[14] = tag;
	for (size_t i = 15; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + tag);
	return av_vswitch_tx(&F.port[from], buf, len);
}

static int send(unsigned from, const uint8_t *dst, const uint8_t *src, uint8_t tag)
{
	return send_len(from, dst, src, tag, 60);
}

/* Take the next frame of a port; returns its tag, or -1 when the queue is empty. */
static int take(unsigned port)
{
	uint8_t buf[FMAX];
	size_t len = av_vswitch_recv(&F.port[port], buf, sizeof(buf));
	if (!len)
		return -1;
	assert_true(len >= 15);
	for (size_t i = 15; i < len; i++)
		assert_int_equal(buf[i], (uint8_t)(i * 7 + buf[14]));
	return buf[14];
}

static void assert_empty(unsigned port)
{
	assert_int_equal(av_vswitch_pending(&F.port[port]), 0);
	assert_int_equal(take(port), -1);
}

/* An unknown source floods to the others of its network and is learned. */
static void test_learning_and_flooding(void **state)
{
	(void)state;
	assert_null(av_vswitch_fdb_lookup(&F.net[0], a));
	assert_int_equal(send(A, b, a, 10), 2); /* unknown unicast: B and C */
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[0], a), &F.port[A]);
	assert_null(av_vswitch_fdb_lookup(&F.net[1], a));
	assert_int_equal(take(B), 10);
	assert_int_equal(take(C), 10);
	assert_empty(A);
	for (unsigned i = D; i <= P_F; i++)
		assert_empty(i);

	assert_int_equal(send(B, BCAST, b, 11), 2); /* broadcast: A and C, not B */
	assert_int_equal(take(A), 11);
	assert_int_equal(take(C), 11);
	assert_empty(B);
	uint8_t mcast[6] = {0x01, 0x00, 0x5e, 0, 0, 1};
	assert_int_equal(send(C, mcast, BCAST, 12), 2); /* multicast; a broadcast source */
	assert_int_equal(take(A), 12);
	assert_int_equal(take(B), 12);
	assert_null(av_vswitch_fdb_lookup(&F.net[0], BCAST)); /* never learned */
	assert_int_equal(F.net[0].learned, 2);
	assert_int_equal(F.port[A].stats.tx_frames, 1);
	assert_int_equal(F.port[A].stats.tx_bytes, 60);
	assert_int_equal(F.port[A].stats.rx_frames, 2);
	assert_int_equal(F.port[A].stats.rx_popped, 2);
	assert_int_equal(F.notified[A], 1); /* woken once: A never found its queue empty */
	assert_empty(A);
	assert_int_equal(send(B, BCAST, b, 13), 2);
	assert_int_equal(F.notified[A], 2);
}

/* Once both ends are known, unicast goes to one port only. */
static void test_unicast_after_learning(void **state)
{
	(void)state;
	assert_int_equal(send(A, BCAST, a, 1), 2);
	assert_int_equal(send(B, a, b, 2), 1);
	assert_int_equal(take(A), 2);
	assert_int_equal(send(A, b, a, 3), 1);
	assert_int_equal(take(B), 1);
	assert_int_equal(take(B), 3);
	assert_int_equal(take(C), 1);
	assert_empty(C);
	assert_empty(A);
}

/* A MAC seen on another port moves there. */
static void test_mac_moves(void **state)
{
	(void)state;
	assert_int_equal(send(A, BCAST, a, 1), 2);
	assert_int_equal(send(C, BCAST, a, 2), 2); /* the VM moved to C */
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[0], a), &F.port[C]);
	assert_int_equal(F.net[0].moved, 1);
	assert_int_equal(send(B, a, b, 3), 1);
	assert_int_equal(take(C), 1);
	assert_int_equal(take(C), 3);
	assert_int_equal(take(A), 2);
	assert_empty(A);
}

/* Same MACs on two networks: nothing crosses, each table has its own entry. */
static void test_isolation(void **state)
{
	(void)state;
	assert_int_equal(send(A, BCAST, a, 1), 2);
	assert_int_equal(send(D, BCAST, a, 2), 2);
	assert_int_equal(send(B, a, b, 3), 1);
	assert_int_equal(send(E, a, b, 4), 1);
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[0], a), &F.port[A]);
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[1], a), &F.port[D]);
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[0], b), &F.port[B]);
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[1], b), &F.port[E]);
	/* each port holds exactly one frame: the one of its own network */
	static const int want[NPORTS] = {3, 1, 1, 4, 2, 2};
	for (unsigned i = 0; i < NPORTS; i++) {
		assert_int_equal(take(i), want[i]);
		assert_empty(i);
	}
}

/* A full queue drops (counted) for that port only; popping makes room again. */
static void test_full_queue(void **state)
{
	(void)state;
	assert_int_equal(send(B, BCAST, b, 0), 2);
	assert_int_equal(take(A), 0);
	assert_int_equal(take(C), 0);
	for (unsigned i = 1; i <= SLOTS + 3; i++)
		assert_int_equal(send(A, b, a, (uint8_t)i), i <= SLOTS ? 1 : 0);
	assert_int_equal(av_vswitch_pending(&F.port[B]), SLOTS);
	assert_int_equal(F.port[B].stats.rx_frames, SLOTS);
	assert_int_equal(F.port[B].stats.rx_drop_full, 3);
	assert_int_equal(F.port[A].stats.tx_frames, SLOTS + 3);
	assert_int_equal(F.notified[B], 1); /* one wake-up for the burst */
	assert_int_equal(take(B), 1);
	assert_int_equal(send(A, b, a, 50), 1);
	for (unsigned i = 2; i <= SLOTS; i++)
		assert_int_equal(take(B), i);
	assert_int_equal(take(B), 50);
	assert_empty(B);
	assert_int_equal(send(A, b, a, 51), 1);
	assert_int_equal(F.notified[B], 2);
	/* peek leaves the frame in place; pop takes it */
	size_t len = 0;
	const uint8_t *p = av_vswitch_peek(&F.port[B], &len);
	assert_non_null(p);
	assert_int_equal(len, 60);
	assert_int_equal(p[14], 51);
	assert_ptr_equal(av_vswitch_peek(&F.port[B], &len), p);
	av_vswitch_pop(&F.port[B]);
	assert_null(av_vswitch_peek(&F.port[B], &len));
	av_vswitch_pop(&F.port[B]); /* empty: no-op */
	assert_int_equal(F.port[B].stats.rx_popped, SLOTS + 2);
}

/* Flooded frames use at most flood_max slots: unicast still finds room. */
static void test_flood_share(void **state)
{
	(void)state;
	uint8_t f[6];
	mac_of(f, 9);
	assert_int_equal(send(B, BCAST, b, 0), 2);
	assert_int_equal(take(A), 0);
	assert_int_equal(take(C), 0);
	for (unsigned i = 0; i < 20; i++)
		send(C, BCAST, f, 100);
	assert_int_equal(av_vswitch_pending(&F.port[B]), SLOTS / 2);
	assert_int_equal(F.port[B].stats.rx_drop_full, 20 - SLOTS / 2);
	for (unsigned i = 1; i <= SLOTS / 2; i++)
		assert_int_equal(send(A, b, a, (uint8_t)i), 1);
	assert_int_equal(send(A, b, a, 99), 0); /* now really full */
	/* popping a flooded frame gives the share back */
	assert_int_equal(take(B), 100);
	while (take(A) >= 0)
		;
	assert_int_equal(send(C, BCAST, f, 101), 2);
	assert_int_equal(send(C, BCAST, f, 102), 1); /* B is full again, A is not */
	for (unsigned i = 0; i < SLOTS / 2 - 1; i++)
		assert_int_equal(take(B), 100);
	for (unsigned i = 1; i <= SLOTS / 2; i++)
		assert_int_equal(take(B), i);
	assert_int_equal(take(B), 101);
	assert_empty(B);
}

/* Shorter than a header, longer than the sender's or the receiver's frame_max. */
static void test_malformed(void **state)
{
	(void)state;
	uint8_t small[13] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 1, 8};
	assert_int_equal(av_vswitch_tx(&F.port[A], small, 13), 0);
	assert_int_equal(av_vswitch_tx(&F.port[A], small, 0), 0);
	assert_int_equal(av_vswitch_tx(&F.port[A], NULL, 0), 0);
	assert_int_equal(F.port[A].stats.tx_drop_short, 3);
	assert_null(av_vswitch_fdb_lookup(&F.net[0], a)); /* not learned */
	assert_int_equal(send_len(A, BCAST, a, 1, FMAX + 1), 0);
	assert_int_equal(F.port[A].stats.tx_drop_long, 1);
	assert_int_equal(F.port[A].stats.tx_frames, 0);
	assert_int_equal(send_len(A, BCAST, a, 2, 14), 2); /* a bare header is a frame */
	size_t len = 0;
	assert_non_null(av_vswitch_peek(&F.port[B], &len));
	assert_int_equal(len, 14);
	av_vswitch_pop(&F.port[B]);
	av_vswitch_pop(&F.port[C]);
	assert_int_equal(send_len(A, BCAST, a, 3, FMAX), 2);
	assert_int_equal(take(B), 3);
	assert_int_equal(take(C), 3);

	/* a receiver with smaller frames drops what does not fit, the others get it */
	assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[C]), 0);
	add_port(C, 1, SLOTS, 100, 0);
	assert_int_equal(send_len(A, BCAST, a, 4, 101), 1);
	assert_int_equal(F.port[C].stats.rx_drop_long, 1);
	assert_int_equal(send_len(A, BCAST, a, 5, 100), 2);
	assert_int_equal(take(C), 5);
	assert_int_equal(take(B), 4);
	assert_int_equal(take(B), 5);

	/* recv truncates to the buffer but reports the full length */
	uint8_t buf[20];
	assert_int_equal(send_len(A, BCAST, a, 6, 300), 1); /* C: too long */
	assert_int_equal(av_vswitch_recv(&F.port[B], buf, sizeof(buf)), 300);
	assert_int_equal(buf[14], 6);
	assert_int_equal(av_vswitch_recv(&F.port[B], buf, sizeof(buf)), 0);
}

/* No destination: alone on a network, or unicast to a MAC on the sender's own port. */
static void test_no_destination(void **state)
{
	(void)state;
	assert_int_equal(send(A, BCAST, b, 1), 2);
	assert_int_equal(send(A, b, a, 2), 0);
	assert_int_equal(F.port[A].stats.tx_drop_no_dest, 1);
	assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[B]), 0);
	assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[C]), 0);
	assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[C]), -AV_EINVAL);
	assert_int_equal(send(A, BCAST, a, 3), 0);
	assert_int_equal(F.port[A].stats.tx_drop_no_dest, 2);
	assert_int_equal(av_vswitch_tx(&F.port[B], a, 60), -AV_EINVAL); /* removed */
}

/* A full bucket replaces its least recently refreshed entry; entries age out. */
static void test_table_full_and_ageing(void **state)
{
	(void)state;
	struct av_vswitch_fdb_entry small[AV_VSWITCH_FDB_WAYS];
	struct av_vswitch_net net;
	assert_int_equal(av_vswitch_net_add(&F.sw, &net, 3, small, AV_VSWITCH_FDB_WAYS, NULL), 0);
	F.sw.ageing = 100;
	for (unsigned i = D; i <= P_F; i++) {
		assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[i]), 0);
		add_port(i, 3, SLOTS, FMAX, 0);
	}
	uint8_t m[6], e[6];
	mac_of(e, 50);
	/* one bucket of four ways: MACs 1..4 fill it, 5 replaces the oldest (1) */
	for (unsigned i = 1; i <= 5; i++) {
		av_vswitch_set_time(&F.sw, i);
		mac_of(m, i);
		assert_int_equal(send(D, BCAST, m, (uint8_t)i), 2);
		assert_int_equal(take(E), (int)i);
		assert_int_equal(take(P_F), (int)i);
	}
	assert_int_equal(net.replaced, 1);
	assert_int_equal(net.learned, 5);
	mac_of(m, 1);
	assert_null(av_vswitch_fdb_lookup(&net, m));
	for (unsigned i = 2; i <= 5; i++) {
		mac_of(m, i);
		assert_ptr_equal(av_vswitch_fdb_lookup(&net, m), &F.port[D]);
	}
	assert_int_equal(send(E, BCAST, e, 60), 2); /* learning e replaces MAC 2 */
	assert_int_equal(take(D), 60);
	assert_int_equal(take(P_F), 60);
	mac_of(m, 2);
	assert_null(av_vswitch_fdb_lookup(&net, m));
	assert_int_equal(net.replaced, 2);
	/* refresh MAC 3 at t = 50; at t = 105 MACs 4, 5 and e (seen at t <= 5) are stale */
	av_vswitch_set_time(&F.sw, 50);
	mac_of(m, 3);
	assert_int_equal(send(D, e, m, 61), 1); /* e is known: E only */
	assert_int_equal(take(E), 61);
	av_vswitch_set_time(&F.sw, 104);
	assert_ptr_equal(av_vswitch_fdb_lookup(&net, e), &F.port[E]);
	av_vswitch_set_time(&F.sw, 105);
	assert_ptr_equal(av_vswitch_fdb_lookup(&net, m), &F.port[D]);
	mac_of(m, 5);
	assert_null(av_vswitch_fdb_lookup(&net, m));
	assert_null(av_vswitch_fdb_lookup(&net, e));
	/* a stale destination floods again */
	mac_of(m, 4);
	assert_int_equal(send(D, e, m, 62), 2);
	assert_int_equal(take(E), 62);
	assert_int_equal(take(P_F), 62);
	/* new MACs take stale ways without evicting live ones (3 and 4) */
	uint64_t replaced = net.replaced;
	mac_of(m, 7);
	assert_int_equal(send(E, BCAST, m, 63), 2);
	assert_int_equal(net.replaced, replaced);
	mac_of(m, 3);
	assert_ptr_equal(av_vswitch_fdb_lookup(&net, m), &F.port[D]);
	mac_of(m, 4);
	assert_ptr_equal(av_vswitch_fdb_lookup(&net, m), &F.port[D]);
	/* a stale MAC seen again on another port is a new entry, not a move */
	uint64_t moved = net.moved;
	assert_int_equal(send(P_F, BCAST, e, 64), 2);
	assert_int_equal(net.moved, moved);
	assert_ptr_equal(av_vswitch_fdb_lookup(&net, e), &F.port[P_F]);
}

/* A port flooding broadcasts while A and B exchange unicast: the exchange gets through. */
static void test_flooder_does_not_stop_exchange(void **state)
{
	(void)state;
	uint8_t f[6];
	mac_of(f, 3);
	assert_int_equal(send(A, BCAST, a, 0), 2);
	assert_int_equal(send(B, BCAST, b, 0), 2);
	while (take(A) >= 0 || take(B) >= 0 || take(C) >= 0)
		;
	unsigned got_a = 0, got_b = 0;
	for (unsigned round = 0; round < 200; round++) {
		/* the flooder sends 50 broadcasts and 50 unknown unicasts per round */
		for (unsigned i = 0; i < 50; i++) {
			uint8_t u[6];
			mac_of(u, 1000 + i);
			send(C, BCAST, f, 200);
			send(C, u, f, 201);
		}
		assert_int_equal(send(A, b, a, 1), 1);
		assert_int_equal(send(B, a, b, 2), 1);
		/* each side drains a few frames per round (a slow guest) */
		for (unsigned i = 0; i < 3; i++) {
			int t = take(A);
			got_a += t == 2;
			t = take(B);
			got_b += t == 1;
		}
		assert_true(av_vswitch_pending(&F.port[A]) <= SLOTS);
	}
	while (av_vswitch_pending(&F.port[A]) || av_vswitch_pending(&F.port[B])) {
		got_a += take(A) == 2;
		got_b += take(B) == 1;
	}
	assert_int_equal(got_a, 200);
	assert_int_equal(got_b, 200);
	assert_int_equal(F.port[A].stats.rx_drop_full + F.port[A].stats.rx_frames,
			 F.port[C].stats.tx_frames + 200 + 1);
	assert_true(F.port[A].stats.rx_drop_full > 10000);
}

/* A frame in pieces (the header split across them) is the same frame. */
static void test_txv(void **state)
{
	(void)state;
	uint8_t frame[64];
	memset(frame, 0, sizeof(frame));
	memcpy(frame, BCAST, 6);
	mac_of(frame + 6, 1);
	frame[14] = 0;
	for (size_t i = 15; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	struct av_virtq_seg iov[4] = {
		{frame, 3}, {frame + 3, 0}, {frame + 3, 8}, {frame + 11, sizeof(frame) - 11},
	};
	assert_int_equal(av_vswitch_txv(&F.port[A], iov, 4), 2);
	assert_int_equal(take(B), 0);
	assert_ptr_equal(av_vswitch_fdb_lookup(&F.net[0], a), &F.port[A]);
	iov[1].addr = NULL;
	assert_int_equal(av_vswitch_txv(&F.port[A], iov, 4), 2); /* empty piece, NULL ok */
	iov[1].len = 1;
	assert_int_equal(av_vswitch_txv(&F.port[A], iov, 4), -AV_EINVAL);
	assert_int_equal(av_vswitch_txv(&F.port[A], NULL, 1), -AV_EINVAL);
	assert_int_equal(av_vswitch_txv(&F.port[A], iov, 1), 0); /* 3 bytes: short */
	assert_int_equal(F.port[A].stats.tx_drop_short, 1);
}

static void test_config_errors(void **state)
{
	(void)state;
	struct av_error err;
	struct av_vswitch_net net;
	struct av_vswitch_fdb_entry fdb[8];
	assert_int_equal(av_vswitch_init(NULL, 0), -AV_EINVAL);
	assert_int_equal(av_vswitch_net_add(&F.sw, &net, 3, fdb, 6, &err), -AV_EINVAL);
	assert_string_equal(err.field, "fdb_size");
	assert_int_equal(av_vswitch_net_add(&F.sw, &net, 3, fdb, 2, &err), -AV_EINVAL);
	assert_int_equal(av_vswitch_net_add(&F.sw, &net, 3, NULL, 8, &err), -AV_EINVAL);
	assert_int_equal(av_vswitch_net_add(&F.sw, &net, 1, fdb, 8, &err), -AV_EEXIST);
	assert_int_equal(av_vswitch_net_add(&F.sw, &F.net[0], 7, fdb, 8, &err), -AV_EEXIST);

	struct av_vswitch_port p;
	uint8_t frames[4 * 64];
	uint32_t lens[4];
	struct av_vswitch_port_config cfg = {
		.network = 1, .frames = frames, .lens = lens, .slots = 4, .frame_max = 64,
	};
	assert_int_equal(av_vswitch_port_add(&F.sw, &F.port[A], &cfg, &err), -AV_EEXIST);
	cfg.network = 9;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), -AV_ENOENT);
	cfg.network = 1;
	cfg.slots = 0;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), -AV_EINVAL);
	assert_string_equal(err.field, "slots");
	cfg.slots = AV_VSWITCH_SLOTS_MAX + 1;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), -AV_EINVAL);
	cfg.slots = 4;
	cfg.frame_max = 13;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), -AV_EINVAL);
	assert_string_equal(err.field, "frame_max");
	cfg.frame_max = 64;
	cfg.flood_max = 5;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), -AV_EINVAL);
	cfg.flood_max = 0;
	cfg.lens = NULL;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), -AV_EINVAL);
	cfg.lens = lens;
	assert_int_equal(av_vswitch_port_add(&F.sw, &p, &cfg, &err), 0);
	assert_int_equal(p.flood_max, 2);
	assert_int_equal(av_vswitch_tx(NULL, frames, 60), -AV_EINVAL);
	assert_int_equal(av_vswitch_tx(&p, NULL, 60), -AV_EINVAL);
	assert_null(av_vswitch_fdb_lookup(NULL, frames));
	assert_int_equal(av_vswitch_pending(NULL), 0);
	assert_null(av_vswitch_peek(NULL, NULL));
}

/* Removing a port forgets its MACs: frames to them flood again. */
static void test_port_remove(void **state)
{
	(void)state;
	assert_int_equal(send(A, BCAST, a, 1), 2);
	assert_int_equal(send(B, a, b, 2), 1);
	assert_int_equal(F.net[0].nports, 3);
	assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[A]), 0);
	assert_int_equal(F.net[0].nports, 2);
	assert_null(av_vswitch_fdb_lookup(&F.net[0], a));
	assert_int_equal(send(B, a, b, 3), 1); /* floods to C */
	assert_int_equal(take(C), 1);
	assert_int_equal(take(C), 3);
	add_port(A, 1, SLOTS, FMAX, 0);
	assert_empty(A);
}

/*
 * The documented locking with real threads: two senders (ports A and B, the switch lock a
 * mutex, retrying while the receiver's queue is full) and the receiver's consumer (port C,
 * no switch lock) that sleeps until notify. Every other frame a sender waits until the
 * receiver has taken it, so the receiver often goes to sleep on an empty queue just as a
 * frame comes: a lost wake-up stalls everything and trips the deadline. Every frame must
 * arrive once, intact, in order per sender.
 */
#define MT_FRAMES 5000u
#define MT_DEADLINE 30.0 /* seconds */

static pthread_mutex_t mt_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int mt_wake;
static atomic_uint mt_taken[2];

static void mt_notify(void *ctx, struct av_vswitch_port *port)
{
	(void)ctx, (void)port;
	atomic_store(&mt_wake, 1);
}

static double mt_now(void)
{
	struct timespec ts;
	timespec_get(&ts, TIME_UTC);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *mt_sender(void *arg)
{
	unsigned from = (unsigned)(uintptr_t)arg;
	uint8_t frame[64], dst[6];
	mac_of(dst, 3);
	memcpy(frame, dst, 6);
	mac_of(frame + 6, from + 1);
	frame[12] = (uint8_t)from;
	double deadline = mt_now() + MT_DEADLINE;
	for (uint32_t n = 0; n < MT_FRAMES; n++) {
		memcpy(frame + 13, &n, sizeof(n));
		memset(frame + 17, (int)(n + from), sizeof(frame) - 17);
		for (;;) {
			pthread_mutex_lock(&mt_lock);
			int r = av_vswitch_tx(&F.port[from], frame, sizeof(frame));
			pthread_mutex_unlock(&mt_lock);
			if (r == 1)
				break;
			if (mt_now() > deadline)
				return (void *)1; /* the receiver stopped draining */
			sched_yield();
		}
		while (n % 2 && atomic_load(&mt_taken[from]) <= n) {
			if (mt_now() > deadline)
				return (void *)1;
			sched_yield();
		}
	}
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	uint8_t c[6];
	mac_of(c, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(av_vswitch_port_remove(&F.sw, &F.port[i]), 0);
	for (unsigned i = 0; i < 3; i++) {
		struct av_vswitch_port_config cfg = {
			.network = 1, .frames = F.frames[i], .lens = F.lens[i], .slots = 4,
			.frame_max = FMAX, .notify = mt_notify,
		};
		assert_int_equal(av_vswitch_port_add(&F.sw, &F.port[i], &cfg, NULL), 0);
	}
	assert_int_equal(send(C, BCAST, c, 0), 2); /* C is known: A and B send unicast */
	assert_int_equal(take(A), 0);
	assert_int_equal(take(B), 0);
	atomic_store(&mt_wake, 0);
	atomic_store(&mt_taken[0], 0);
	atomic_store(&mt_taken[1], 0);

	pthread_t t[2];
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, mt_sender, (void *)(uintptr_t)i), 0);
	uint32_t next[2] = {0, 0};
	double deadline = mt_now() + MT_DEADLINE;
	bool stalled = false;
	while (next[0] + next[1] < 2 * MT_FRAMES) {
		size_t len = 0;
		const uint8_t *f = av_vswitch_peek(&F.port[C], &len);
		if (!f) {
			/* sleep until notify; a lost wake-up never ends this wait */
			while (!atomic_exchange(&mt_wake, 0) && !(stalled = mt_now() > deadline))
				sched_yield();
			if (stalled)
				break;
			continue;
		}
		assert_int_equal(len, 64);
		unsigned from = f[12];
		assert_true(from < 2);
		uint32_t n;
		memcpy(&n, f + 13, sizeof(n));
		assert_int_equal(n, next[from]);
		for (size_t i = 17; i < len; i++)
			assert_int_equal(f[i], (uint8_t)(n + from));
		next[from]++;
		av_vswitch_pop(&F.port[C]);
		atomic_store(&mt_taken[from], next[from]);
	}
	void *rc[2];
	for (unsigned i = 0; i < 2; i++)
		pthread_join(t[i], &rc[i]);
	assert_false(stalled);
	assert_null(rc[0]);
	assert_null(rc[1]);
	assert_int_equal(F.port[C].stats.rx_frames, 2 * MT_FRAMES);
	assert_int_equal(F.port[C].stats.rx_popped, 2 * MT_FRAMES);
	assert_int_equal(av_vswitch_pending(&F.port[C]), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_learning_and_flooding, setup),
		cmocka_unit_test_setup(test_unicast_after_learning, setup),
		cmocka_unit_test_setup(test_mac_moves, setup),
		cmocka_unit_test_setup(test_isolation, setup),
		cmocka_unit_test_setup(test_full_queue, setup),
		cmocka_unit_test_setup(test_flood_share, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_no_destination, setup),
		cmocka_unit_test_setup(test_table_full_and_ageing, setup),
		cmocka_unit_test_setup(test_flooder_does_not_stop_exchange, setup),
		cmocka_unit_test_setup(test_txv, setup),
		cmocka_unit_test_setup(test_config_errors, setup),
		cmocka_unit_test_setup(test_port_remove, setup),
		cmocka_unit_test_setup(test_threads, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
