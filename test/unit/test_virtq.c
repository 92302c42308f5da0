/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the split virtqueue (lib/virtq.c) and the guest memory ops.
 *
 * - A reference model: a plain record of what the driver put in the queue (chains of
 *   guest-physical buffers, in order), what the device returned, and when an interrupt is
 *   due (a literal reading of the spec), compared with the implementation under random
 *   operation sequences: chains of random shapes (direct and indirect, zero-length
 *   buffers), pops, out-of-order pushes, the driver collecting, interrupt checks with
 *   random used_event / NO_INTERRUPT, queue sizes 1 .. 1024, indices that wrap at 2^16.
 * - Hostile queues: each must make av_virtq_pop() fail with -AV_EFAULT, leave the queue
 *   broken, and touch nothing outside the fake RAM (guard bytes, poisoned under ASan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/virtio.h>

#include "virtio_drv.h"

#define RAM_GPA 0x80000000ull
#define RAM_SIZE (4u << 20)
#define DATA_SIZE (1u << 20) /* the buffers of random chains live in the last MiB */

struct tdev {
	struct av_virtio_dev vdev;
	struct av_virtq vq[1];
};

static void t_notify(struct av_virtio_dev *vdev, unsigned q)
{
	(void)vdev;
	(void)q;
}

static const struct av_virtio_dev_ops t_ops = { t_notify, NULL, NULL, NULL, NULL };

/* The memory ops of the tests: av_virtio_mem_regions_ops behind a check of the contract the
 * queue code promises its map op (at least one byte, no range that wraps past 2^64), so a
 * map that trusted its callers would be safe. */
static unsigned long map_calls;
/* Called on each map (tests that change guest memory while a chain is being read). */
static void (*map_hook)(uint64_t gpa, uint64_t len);

static void *checked_map(void *ctx, uint64_t gpa, uint64_t len, bool write)
{
	assert_true(len >= 1);
	assert_true(gpa + (len - 1) >= gpa);
	map_calls++;
	if (map_hook)
		map_hook(gpa, len);
	return av_virtio_mem_regions_ops.map(ctx, gpa, len, write);
}

static const struct av_virtio_mem_ops checked_ops = { checked_map };

struct fix {
	struct vd_ram ram;
	struct vdrv d;
	struct tdev t;
	struct av_virtq *vq;
	uint64_t data; /* DATA_SIZE bytes for buffers */
	uint64_t brk0; /* the allocator's mark before the rings */
};

static struct fix *fix_new(void)
{
	struct fix *x = test_calloc(1, sizeof(*x));

	vd_ram_init(&x->ram, RAM_GPA, RAM_SIZE);
	x->data = RAM_GPA + RAM_SIZE - DATA_SIZE;
	vd_setup(&x->d, &x->ram);
	x->t.vdev.device_id = 99;
	x->t.vdev.vq = x->t.vq;
	x->t.vdev.num_queues = 1;
	x->t.vq[0].num_max = AV_VIRTQ_MAX_SIZE;
	x->t.vdev.ops = &t_ops;
	x->ram.mem.ops = &checked_ops;
	assert_int_equal(av_virtio_dev_init(&x->t.vdev, &x->ram.mem, &x->d.irq, NULL), 0);
	vd_attach(&x->d, &x->t.vdev);
	x->vq = &x->t.vq[0];
	x->brk0 = x->ram.brk;
	return x;
}

/* (Re)start the device with one queue of @qsize entries. */
static void fix_start(struct fix *x, uint64_t want, uint16_t qsize)
{
	assert_int_equal(vd_init(&x->d, want, 1, qsize), 0);
	assert_true(x->vq->ready);
	assert_int_equal(x->vq->num, qsize);
}

static void fix_free(struct fix *x)
{
	vd_ram_fini(&x->ram);
	test_free(x);
}

/* ---- A seeded PRNG (xorshift64*) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static unsigned rndn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* ---- The reference model ---- */

#define MAXB 12

struct mchain {
	uint16_t head;
	unsigned n;
	struct vd_buf b[MAXB];
	uint64_t in_len;
};

struct model {
	/* Chains added and not yet popped, in order. */
	struct mchain avail[AV_VIRTQ_MAX_SIZE];
	unsigned avail_first, avail_count;
	/* Chains popped, not yet pushed (any order). */
	struct mchain held[AV_VIRTQ_MAX_SIZE];
	unsigned held_count;
	/* Chains pushed, not yet collected, in order: head and length. */
	uint16_t used_head[AV_VIRTQ_MAX_SIZE];
	uint32_t used_len[AV_VIRTQ_MAX_SIZE];
	unsigned used_first, used_count;
	/* Interrupt state: the used index (as a count) and the driver's wishes. */
	uint16_t used_idx, checked_idx, used_event;
	bool no_interrupt;
	uint64_t popped, pushed, indirect;
};

static struct model M;

/* Whether the spec wants an interrupt for the used entries [checked_idx, used_idx):
 * with EVENT_IDX when entry used_event was among them, otherwise when there was one and
 * the driver did not set NO_INTERRUPT. */
static bool model_interrupt(bool event_idx)
{
	bool want = false;

	if (event_idx) {
		for (uint16_t i = M.checked_idx; i != M.used_idx; i++)
			if (i == M.used_event)
				want = true;
	} else {
		want = M.used_idx != M.checked_idx && !M.no_interrupt;
	}
	M.checked_idx = M.used_idx;
	return want;
}

static void check_chain(struct fix *x, const struct av_virtq_chain *c, const struct mchain *m)
{
	unsigned n_out = 0;
	uint64_t out_len = 0, in_len = 0;

	assert_int_equal(c->head, m->head);
	for (unsigned i = 0; i < m->n; i++) {
		if (m->b[i].write) {
			in_len += m->b[i].len;
		} else {
			n_out++;
			out_len += m->b[i].len;
		}
		assert_int_equal(c->seg[i].len, m->b[i].len);
		if (m->b[i].len == 0)
			assert_null(c->seg[i].addr);
		else
			assert_ptr_equal(c->seg[i].addr, vd_ram_ptr(&x->ram, m->b[i].gpa, m->b[i].len));
	}
	assert_int_equal(c->n_out, n_out);
	assert_int_equal(c->n_in, m->n - n_out);
	assert_int_equal(c->out_len, out_len);
	assert_int_equal(c->in_len, in_len);
}

/* Start the queue's indices at @start, as if that many requests had gone by. */
static void set_start_index(struct fix *x, uint16_t start)
{
	struct vd_queue *q = &x->d.q[0];

	x->vq->last_avail = x->vq->used_idx = x->vq->signalled_used = start;
	q->avail_idx = q->last_used = start;
	vd_set_avail_idx(&x->d, 0, start);
	vd_st16(&x->ram, q->used + 2, start);
	if (x->vq->event_idx) {
		vd_set_used_event(&x->d, 0, start);
		vd_st16(&x->ram, q->used + 4 + 8ull * q->num, start);
	}
	M.used_idx = M.checked_idx = M.used_event = start;
}

static void op_add(struct fix *x, bool indirect_ok)
{
	struct mchain *m;
	unsigned qsize = x->vq->num, n, n_out, need;
	bool indirect;
	int head;

	if (M.avail_count + M.held_count + M.used_count >= qsize)
		return;
	n = 1 + rndn(qsize < MAXB ? qsize : MAXB);
	indirect = indirect_ok && rndn(3) == 0;
	need = indirect ? 1 : n;
	if (need > x->d.q[0].num_free)
		return;
	m = &M.avail[(M.avail_first + M.avail_count) % AV_VIRTQ_MAX_SIZE];
	m->n = n;
	m->in_len = 0;
	n_out = rndn(n + 1);
	for (unsigned i = 0; i < n; i++) {
		uint32_t len = rndn(8) == 0 ? 0 : 1 + rndn(rndn(4) == 0 ? 65536 : 512);

		m->b[i].len = len;
		m->b[i].gpa = x->data + rndn(DATA_SIZE - len + 1);
		m->b[i].write = i >= n_out;
		if (m->b[i].write)
			m->in_len += len;
	}
	head = vd_add(&x->d, 0, m->b, n, indirect);
	assert_true(head >= 0);
	m->head = (uint16_t)head;
	M.avail_count++;
	M.indirect += indirect;
}

static void op_pop(struct fix *x)
{
	struct av_virtq_seg seg[MAXB];
	struct av_virtq_chain c = { seg, MAXB, 0, 0, 0, 0, 0 };
	int rc = av_virtq_pop(x->vq, &c);

	if (M.avail_count == 0) {
		assert_int_equal(rc, 0);
		return;
	}
	assert_int_equal(rc, 1);
	check_chain(x, &c, &M.avail[M.avail_first]);
	M.held[M.held_count++] = M.avail[M.avail_first];
	M.avail_first = (M.avail_first + 1) % AV_VIRTQ_MAX_SIZE;
	M.avail_count--;
	M.popped++;
}

static void op_push(struct fix *x)
{
	unsigned i;
	uint32_t written;
	struct mchain m;

	if (M.held_count == 0)
		return;
	i = rndn(M.held_count);
	m = M.held[i];
	M.held[i] = M.held[--M.held_count];
	written = (uint32_t)(m.in_len ? rnd() % (m.in_len + 1) : 0);
	assert_int_equal(av_virtq_push(x->vq, m.head, written), 0);
	M.used_head[(M.used_first + M.used_count) % AV_VIRTQ_MAX_SIZE] = m.head;
	M.used_len[(M.used_first + M.used_count) % AV_VIRTQ_MAX_SIZE] = written;
	M.used_count++;
	M.used_idx++;
	M.pushed++;
}

static void op_collect(struct fix *x)
{
	uint32_t len;
	int id = vd_get_used(&x->d, 0, &len);

	if (M.used_count == 0) {
		assert_int_equal(id, -1);
		return;
	}
	assert_int_equal(id, M.used_head[M.used_first]);
	assert_int_equal(len, M.used_len[M.used_first]);
	M.used_first = (M.used_first + 1) % AV_VIRTQ_MAX_SIZE;
	M.used_count--;
	if (x->vq->event_idx)
		M.used_event = x->d.q[0].last_used; /* what vd_get_used() wrote */
}

static void op_interrupt(struct fix *x)
{
	if (rndn(4) == 0) {
		if (x->vq->event_idx) {
			M.used_event = (uint16_t)(M.used_idx + rndn(8) - 4);
			vd_set_used_event(&x->d, 0, M.used_event);
		} else {
			M.no_interrupt = rndn(2);
			vd_set_avail_flags(&x->d, 0, M.no_interrupt ? AV_VIRTQ_AVAIL_F_NO_INTERRUPT : 0);
		}
	}
	assert_int_equal(av_virtq_need_interrupt(x->vq), model_interrupt(x->vq->event_idx));
}

static void run_random(struct fix *x, unsigned qsize, uint64_t want, uint16_t start,
		       unsigned steps)
{
	memset(&M, 0, sizeof(M));
	x->ram.brk = x->brk0; /* the rings of the previous run are free */
	fix_start(x, want, (uint16_t)qsize);
	set_start_index(x, start);
	for (unsigned s = 0; s < steps; s++) {
		unsigned op = rndn(100);

		if (op < 35)
			op_add(x, (want & AV_VIRTIO_F_INDIRECT_DESC) != 0);
		else if (op < 62)
			op_pop(x);
		else if (op < 84)
			op_push(x);
		else if (op < 95)
			op_collect(x);
		else
			op_interrupt(x);
		assert_int_equal(av_virtq_pending(x->vq), M.avail_count != 0);
		assert_false(x->vq->broken);
	}
	/* Drain: everything comes back, in the model's order. */
	while (M.avail_count)
		op_pop(x);
	while (M.held_count)
		op_push(x);
	while (M.used_count)
		op_collect(x);
	op_collect(x);
	op_pop(x);
	assert_int_equal(x->vq->popped, M.popped);
	assert_int_equal(x->vq->pushed, M.pushed);
	assert_int_equal(x->vq->last_avail, (uint16_t)(start + M.popped));
	assert_int_equal(x->vq->used_idx, (uint16_t)(start + M.pushed));
	assert_int_equal(x->d.q[0].num_free, qsize);
	assert_true(vd_ram_guards_ok(&x->ram));
}

static void test_random_model(void **state)
{
	struct fix *x = fix_new();
	static const uint64_t wants[4] = {
		AV_VIRTIO_F_VERSION_1,
		AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_INDIRECT_DESC,
		AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_EVENT_IDX,
		VD_F_ALL,
	};
	(void)state;

	uint64_t popped = 0, wrapped = 0, indirect = 0;

	rng_state = 0x9e3779b97f4a7c15ull;
	for (unsigned iter = 0; iter < 600; iter++) {
		unsigned qsize = 1u << (iter % 11);
		uint16_t start = rndn(2) ? (uint16_t)(0x10000 - rndn(3 * qsize + 8)) : (uint16_t)rnd();

		run_random(x, qsize, wants[rndn(4)], start, 4000);
		popped += M.popped;
		wrapped += x->vq->last_avail < start;
		indirect += M.indirect;
	}
	print_message("random: %llu chains (%llu indirect), %llu runs wrapped the index\n",
		      (unsigned long long)popped, (unsigned long long)indirect,
		      (unsigned long long)wrapped);
	assert_true(popped > 200000 && wrapped > 150 && indirect > 60000);
	fix_free(x);
}

/* Every size, filled to the brim with one-buffer chains, then with one chain of num. */
static void test_sizes_full(void **state)
{
	struct fix *x = fix_new();
	struct av_virtq_seg seg[AV_VIRTQ_MAX_SIZE];
	struct av_virtq_chain c = { seg, AV_VIRTQ_MAX_SIZE, 0, 0, 0, 0, 0 };
	static struct vd_buf b[AV_VIRTQ_MAX_SIZE];
	(void)state;

	for (unsigned qsize = 1; qsize <= AV_VIRTQ_MAX_SIZE; qsize *= 2) {
		x->ram.brk = x->brk0;
		fix_start(x, VD_F_ALL, (uint16_t)qsize);
		set_start_index(x, (uint16_t)(0x10000 - qsize / 2));
		for (unsigned i = 0; i < qsize; i++) {
			b[i].gpa = x->data + 8u * i;
			b[i].len = 8;
			b[i].write = i >= qsize / 2;
			assert_true(vd_add(&x->d, 0, &b[i], 1, false) >= 0);
		}
		assert_int_equal(vd_add(&x->d, 0, b, 1, false), -1); /* the driver is full */
		for (unsigned i = 0; i < qsize; i++) {
			assert_int_equal(av_virtq_pop(x->vq, &c), 1);
			assert_int_equal(c.n_out + c.n_in, 1);
			assert_int_equal(av_virtq_push(x->vq, c.head, 0), 0);
		}
		assert_int_equal(av_virtq_pop(x->vq, &c), 0);
		for (unsigned i = 0; i < qsize; i++)
			assert_true(vd_get_used(&x->d, 0, NULL) >= 0);
		/* The longest chain: num descriptors, direct. */
		assert_true(vd_add(&x->d, 0, b, qsize, false) >= 0);
		assert_int_equal(av_virtq_pop(x->vq, &c), 1);
		assert_int_equal(c.n_out, qsize / 2);
		assert_int_equal(c.n_in, qsize - qsize / 2);
		assert_int_equal(c.out_len, 8 * (qsize / 2));
		assert_int_equal(av_virtq_push(x->vq, c.head, 1), 0);
		assert_true(vd_get_used(&x->d, 0, NULL) >= 0);
		/* ... and num through an indirect table. */
		if (qsize <= VD_IND_MAX) {
			assert_true(vd_add(&x->d, 0, b, qsize, true) >= 0);
			assert_int_equal(av_virtq_pop(x->vq, &c), 1);
			assert_int_equal(c.n_out + c.n_in, qsize);
			assert_int_equal(av_virtq_push(x->vq, c.head, 1), 0);
		}
		assert_false(x->vq->broken);
	}
	assert_true(vd_ram_guards_ok(&x->ram));
	fix_free(x);
}

/* ---- Hostile queues ---- */

#define HQ 8 /* queue size of the hostile tests */

static uint64_t table(struct fix *x, unsigned entries)
{
	return vd_ram_alloc(&x->ram, 16ull * entries, 16);
}

static uint64_t buf(struct fix *x)
{
	return vd_ram_alloc(&x->ram, 64, 8);
}

/* Pop must fail, the queue stay broken, the used ring and the guards stay untouched. */
static void expect_fault(struct fix *x, unsigned cap)
{
	struct av_virtq_seg seg[HQ + 4];
	struct av_virtq_chain c = { seg, cap, 0, 0, 0, 0, 0 };
	uint16_t used = vd_ld16(&x->ram, x->d.q[0].used + 2);
	uint64_t popped = x->vq->popped;

	assert_int_equal(av_virtq_pop(x->vq, &c), -AV_EFAULT);
	assert_true(x->vq->broken);
	assert_int_equal(c.n_out + c.n_in, 0);
	assert_int_equal(av_virtq_pop(x->vq, &c), 0);
	assert_false(av_virtq_pending(x->vq));
	assert_int_equal(vd_ld16(&x->ram, x->d.q[0].used + 2), used);
	assert_int_equal(x->vq->popped, popped);
	assert_true(vd_ram_guards_ok(&x->ram));
}

static void expect_ok(struct fix *x, unsigned n_out, unsigned n_in)
{
	struct av_virtq_seg seg[HQ];
	struct av_virtq_chain c = { seg, HQ, 0, 0, 0, 0, 0 };

	assert_int_equal(av_virtq_pop(x->vq, &c), 1);
	assert_int_equal(c.n_out, n_out);
	assert_int_equal(c.n_in, n_in);
	assert_false(x->vq->broken);
}

/* One descriptor with buffer (addr, len, flags) at head 0. */
static void one(struct fix *x, uint64_t addr, uint32_t len, uint16_t flags)
{
	vd_set_desc(&x->d, 0, 0, addr, len, flags, 0);
	vd_publish(&x->d, 0, 0);
}

static void test_hostile_loops(void **state)
{
	struct fix *x = fix_new();
	uint64_t t, b = 0;
	(void)state;

	/* d0 -> d1 -> d0 */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	vd_set_desc(&x->d, 0, 0, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, b, 8, AV_VIRTQ_DESC_F_NEXT, 0);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, HQ + 4);
	/* d3 -> d3, writable */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	vd_set_desc(&x->d, 0, 3, b, 8, AV_VIRTQ_DESC_F_NEXT | AV_VIRTQ_DESC_F_WRITE, 3);
	vd_publish(&x->d, 0, 3);
	expect_fault(x, HQ + 4);
	/* A loop inside an indirect table: t0 -> t1 -> t0. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, 2);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_put_desc(&x->ram, t + 16, b, 8, AV_VIRTQ_DESC_F_NEXT, 0);
	one(x, t, 32, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ + 4);
	/* A self-loop in a table whose size would allow many more descriptors. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, 64);
	vd_put_desc(&x->ram, t + 16 * 5, b, 8, AV_VIRTQ_DESC_F_NEXT, 5);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 5);
	one(x, t, 64 * 16, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ + 4);
	fix_free(x);
}

static void test_hostile_too_long(void **state)
{
	struct fix *x = fix_new();
	uint64_t t, b;
	(void)state;

	/* An indirect chain of num + 1 descriptors (a proper chain, no loop). */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, HQ + 1);
	for (unsigned i = 0; i <= HQ; i++)
		vd_put_desc(&x->ram, t + 16 * i, b, 8, i < HQ ? AV_VIRTQ_DESC_F_NEXT : 0,
			    (uint16_t)(i + 1));
	one(x, t, 16 * (HQ + 1), AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ + 4);
	/* num exactly is fine. */
	fix_start(x, VD_F_ALL, HQ);
	vd_put_desc(&x->ram, t + 16 * (HQ - 1), b, 8, 0, 0);
	one(x, t, 16 * HQ, AV_VIRTQ_DESC_F_INDIRECT);
	expect_ok(x, HQ, 0);
	/* Seven direct descriptors, then a table of two: nine buffers in a queue of eight. */
	fix_start(x, VD_F_ALL, HQ);
	t = table(x, 2);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_put_desc(&x->ram, t + 16, b, 8, 0, 0);
	for (unsigned i = 0; i < 7; i++)
		vd_set_desc(&x->d, 0, i, b, 8, AV_VIRTQ_DESC_F_NEXT, (uint16_t)(i + 1));
	vd_set_desc(&x->d, 0, 7, t, 32, AV_VIRTQ_DESC_F_INDIRECT, 0);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, HQ + 4);
	/* A queue of one takes no chain of two. */
	fix_start(x, VD_F_ALL, 1);
	t = table(x, 2);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_put_desc(&x->ram, t + 16, b, 8, 0, 0);
	one(x, t, 32, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ + 4);
	/* More buffers than the caller's array. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	vd_set_desc(&x->d, 0, 0, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, b, 8, AV_VIRTQ_DESC_F_NEXT, 2);
	vd_set_desc(&x->d, 0, 2, b, 8, 0, 0);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, 2);
	fix_free(x);
}

/* Buffers outside RAM, straddling an end, wrapping 2^64, huge; zero-length accepted. */
static void test_hostile_addresses(void **state)
{
	struct fix *x = fix_new();
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ RAM_GPA - 16, 16 },
		{ RAM_GPA - 8, 16 },
		{ RAM_GPA + RAM_SIZE, 1 },
		{ RAM_GPA + RAM_SIZE - 8, 16 },
		{ RAM_GPA + RAM_SIZE - 1, 2 },
		{ RAM_GPA, 0xffffffffu },
		{ RAM_GPA + RAM_SIZE / 2, RAM_SIZE / 2 + 1 },
		{ 0xfffffffffffffff0ull, 0x20 },
		{ 0xffffffffffffffffull, 2 },
		{ 0xfffffffffffffff0ull, 0x10 },
		{ 0, 16 },
		{ RAM_GPA - 0x100000000ull, 0xffffffffu },
	};
	uint64_t t;
	unsigned long calls;
	(void)state;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		for (unsigned how = 0; how < 3; how++) {
			fix_start(x, VD_F_ALL, HQ);
			if (how == 2) { /* as an indirect table (if still outside RAM) */
				uint32_t len = bad[i].len & ~15u ? bad[i].len & ~15u : 16;

				if (bad[i].addr >= RAM_GPA && bad[i].addr - RAM_GPA < RAM_SIZE &&
				    len <= RAM_SIZE - (bad[i].addr - RAM_GPA))
					continue;
				one(x, bad[i].addr, len, AV_VIRTQ_DESC_F_INDIRECT);
			} else if (how == 1) { /* as a writable buffer of a table */
				t = table(x, 1);
				vd_put_desc(&x->ram, t, bad[i].addr, bad[i].len, AV_VIRTQ_DESC_F_WRITE, 0);
				one(x, t, 16, AV_VIRTQ_DESC_F_INDIRECT);
			} else {
				one(x, bad[i].addr, bad[i].len, 0);
			}
			expect_fault(x, HQ);
		}
	}
	/* The last byte of RAM, and all of it, are fine. */
	fix_start(x, VD_F_ALL, HQ);
	one(x, RAM_GPA + RAM_SIZE - 1, 1, AV_VIRTQ_DESC_F_WRITE);
	expect_ok(x, 0, 1);
	one(x, RAM_GPA, RAM_SIZE, 0);
	expect_ok(x, 1, 0);
	/* Zero-length buffers anywhere: an empty segment, nothing mapped. */
	vd_set_desc(&x->d, 0, 0, 0xfffffffffffffff8ull, 0, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, 0, 0, AV_VIRTQ_DESC_F_WRITE, 0);
	vd_publish(&x->d, 0, 0);
	calls = map_calls;
	expect_ok(x, 1, 1);
	assert_int_equal(map_calls, calls);
	assert_true(vd_ram_guards_ok(&x->ram));
	fix_free(x);
}

static void test_hostile_avail(void **state)
{
	struct fix *x = fix_new();
	struct av_virtq_seg seg[2];
	struct av_virtq_chain c = { seg, 2, 0, 0, 0, 0, 0 };
	uint64_t b;
	(void)state;

	/* The available index num + 1 ahead, or half the index space. */
	static const uint16_t jumps[] = { HQ + 1, 0x8000, 0xffff };
	for (unsigned i = 0; i < 3; i++) {
		fix_start(x, VD_F_ALL, HQ);
		vd_set_avail_idx(&x->d, 0, jumps[i]);
		assert_true(av_virtq_pending(x->vq));
		expect_fault(x, HQ);
	}
	/* Exactly num ahead is a full ring. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	for (unsigned i = 0; i < HQ; i++) {
		vd_set_desc(&x->d, 0, i, b, 8, 0, 0);
		vd_publish(&x->d, 0, (uint16_t)i);
	}
	for (unsigned i = 0; i < HQ; i++)
		expect_ok(x, 1, 0);
	/* A head beyond the table. */
	static const uint16_t heads[] = { HQ, 0xffff };
	for (unsigned i = 0; i < 2; i++) {
		fix_start(x, VD_F_ALL, HQ);
		vd_publish(&x->d, 0, heads[i]);
		expect_fault(x, HQ);
	}
	/* next beyond the table. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	vd_set_desc(&x->d, 0, 0, b, 8, AV_VIRTQ_DESC_F_NEXT, HQ);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, HQ);
	/* Bad arguments and a queue that is not ready. */
	assert_int_equal(av_virtq_pop(NULL, &c), -AV_EINVAL);
	assert_int_equal(av_virtq_pop(x->vq, NULL), -AV_EINVAL);
	c.seg = NULL;
	assert_int_equal(av_virtq_pop(x->vq, &c), -AV_EINVAL);
	c.seg = seg;
	vd_reset(&x->d);
	assert_int_equal(av_virtq_pop(x->vq, &c), 0);
	assert_false(av_virtq_pending(x->vq));
	assert_false(av_virtq_pending(NULL));
	fix_free(x);
}

static void test_hostile_order(void **state)
{
	struct fix *x = fix_new();
	uint64_t t, b;
	(void)state;

	/* Writable, then readable. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	vd_set_desc(&x->d, 0, 0, b, 8, AV_VIRTQ_DESC_F_WRITE | AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, b, 8, 0, 0);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, HQ);
	/* The same inside a table. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, 2);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_WRITE | AV_VIRTQ_DESC_F_NEXT, 1);
	vd_put_desc(&x->ram, t + 16, b, 8, 0, 0);
	one(x, t, 32, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ);
	/* Writable direct descriptor, then a table starting with a readable one. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, 1);
	vd_put_desc(&x->ram, t, b, 8, 0, 0);
	vd_set_desc(&x->d, 0, 0, b, 8, AV_VIRTQ_DESC_F_WRITE | AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, t, 16, AV_VIRTQ_DESC_F_INDIRECT, 0);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, HQ);
	/* Readable direct, then a table of writable ones: fine (the WRITE flag of the
	 * pointing descriptor is ignored). */
	fix_start(x, VD_F_ALL, HQ);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_WRITE, 0);
	vd_set_desc(&x->d, 0, 0, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, t, 16, AV_VIRTQ_DESC_F_INDIRECT | AV_VIRTQ_DESC_F_WRITE, 0);
	vd_publish(&x->d, 0, 0);
	expect_ok(x, 1, 1);
	fix_free(x);
}

static void test_hostile_indirect(void **state)
{
	struct fix *x = fix_new();
	uint64_t t, t2, b;
	(void)state;

	/* Nested: a table entry pointing to another table. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, 1);
	t2 = table(x, 1);
	vd_put_desc(&x->ram, t2, b, 8, 0, 0);
	vd_put_desc(&x->ram, t, t2, 16, AV_VIRTQ_DESC_F_INDIRECT, 0);
	one(x, t, 16, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ);
	/* INDIRECT together with NEXT. */
	fix_start(x, VD_F_ALL, HQ);
	vd_put_desc(&x->ram, t, b, 8, 0, 0);
	vd_set_desc(&x->d, 0, 0, t, 16, AV_VIRTQ_DESC_F_INDIRECT | AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, b, 8, 0, 0);
	vd_publish(&x->d, 0, 0);
	expect_fault(x, HQ);
	/* Table lengths: zero, not a multiple of 16. */
	static const uint32_t lens[] = { 0, 8, 24, 17, 15 };
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		fix_start(x, VD_F_ALL, HQ);
		one(x, t, lens[i], AV_VIRTQ_DESC_F_INDIRECT);
		expect_fault(x, HQ);
	}
	/* next beyond the table (which is followed by valid-looking memory). */
	fix_start(x, VD_F_ALL, HQ);
	t = table(x, 4);
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 2);
	vd_put_desc(&x->ram, t + 32, b, 8, 0, 0);
	one(x, t, 32, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ);
	/* Indirect descriptors without VIRTIO_F_INDIRECT_DESC. */
	fix_start(x, AV_VIRTIO_F_VERSION_1, HQ);
	assert_false(x->vq->indirect);
	vd_put_desc(&x->ram, t, b, 8, 0, 0);
	one(x, t, 16, AV_VIRTQ_DESC_F_INDIRECT);
	expect_fault(x, HQ);
	/* A table at an address that is not 8-byte aligned is read correctly. */
	fix_start(x, VD_F_ALL, HQ);
	t = table(x, 3) + 3;
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_put_desc(&x->ram, t + 16, b + 8, 4, AV_VIRTQ_DESC_F_WRITE, 0);
	one(x, t, 32, AV_VIRTQ_DESC_F_INDIRECT);
	{
		struct av_virtq_seg seg[2];
		struct av_virtq_chain c = { seg, 2, 0, 0, 0, 0, 0 };

		assert_int_equal(av_virtq_pop(x->vq, &c), 1);
		assert_int_equal(c.n_out, 1);
		assert_int_equal(c.n_in, 1);
		assert_ptr_equal(seg[1].addr, vd_ram_ptr(&x->ram, b + 8, 4));
		assert_int_equal(seg[1].len, 4);
	}
	fix_free(x);
}

/* A read-only region: writable buffers there are refused; a buffer across two regions too. */
static void test_hostile_readonly(void **state)
{
	struct fix *x = fix_new();
	struct av_virtio_mem_region r[2];
	uint64_t half = RAM_GPA + RAM_SIZE / 2;
	(void)state;

	r[0] = x->ram.region;
	r[0].size = RAM_SIZE / 2;
	r[1] = x->ram.region;
	r[1].gpa = half;
	r[1].size = RAM_SIZE / 2;
	r[1].host = x->ram.host + RAM_SIZE / 2;
	r[1].readonly = true;
	x->ram.regions.region = r;
	x->ram.regions.count = 2;
	fix_start(x, VD_F_ALL, HQ);
	one(x, half, 8, 0);
	expect_ok(x, 1, 0);
	one(x, half - 8, 8, AV_VIRTQ_DESC_F_WRITE);
	expect_ok(x, 0, 1);
	one(x, half, 8, AV_VIRTQ_DESC_F_WRITE);
	expect_fault(x, HQ);
	fix_start(x, VD_F_ALL, HQ);
	one(x, half - 8, 16, 0);
	expect_fault(x, HQ);
	/* A used ring in the read-only half: the queue does not come up. */
	vd_reset(&x->d);
	x->vq->num = HQ;
	x->vq->desc_gpa = RAM_GPA;
	x->vq->avail_gpa = RAM_GPA + 0x1000;
	x->vq->used_gpa = half;
	assert_int_equal(av_virtq_enable(x->vq), -AV_EFAULT);
	assert_false(x->vq->ready);
	x->ram.regions.region = &x->ram.region;
	x->ram.regions.count = 1;
	fix_free(x);
}

/* A driver that resets while a chain is in flight, then reuses the ring. */
static void test_hostile_reset(void **state)
{
	struct fix *x = fix_new();
	struct av_virtq_seg seg[4];
	struct av_virtq_chain c = { seg, 4, 0, 0, 0, 0, 0 };
	struct vd_buf b = { 0, 8, true };
	(void)state;

	fix_start(x, VD_F_ALL, HQ);
	b.gpa = buf(x);
	assert_true(vd_add(&x->d, 0, &b, 1, false) >= 0);
	assert_int_equal(av_virtq_pop(x->vq, &c), 1);
	vd_set_status(&x->d, 0);
	assert_int_equal(av_virtq_push(x->vq, c.head, 8), -AV_EINVAL);
	assert_int_equal(av_virtq_pop(x->vq, &c), 0);
	assert_false(av_virtq_need_interrupt(x->vq));
	/* The queue back up on the same memory: indices from zero, the stale entry ignored. */
	fix_start(x, VD_F_ALL, HQ);
	assert_int_equal(x->vq->last_avail, 0);
	assert_false(av_virtq_pending(x->vq));
	assert_true(vd_add(&x->d, 0, &b, 1, false) >= 0);
	expect_ok(x, 0, 1);
	assert_true(vd_ram_guards_ok(&x->ram));
	fix_free(x);
}

/* The driver rewrites each descriptor right after the device read it (when the device
 * maps its buffer or table): the device must go on with what it read, once, and never
 * look again. The available ring entry and index change as well. */
static struct fix *toctou_fix;
static uint64_t toctou_table;

static void evil_if(struct vd_ram *ram, uint64_t desc, uint64_t gpa)
{
	if (vd_ld64(ram, desc) == gpa)
		vd_put_desc(ram, desc, 0xdead0000, 0xffffffffu,
			    AV_VIRTQ_DESC_F_WRITE | AV_VIRTQ_DESC_F_NEXT | AV_VIRTQ_DESC_F_INDIRECT, 0);
}

static void toctou_rewrite(uint64_t gpa, uint64_t len)
{
	struct fix *x = toctou_fix;

	(void)len;
	for (unsigned i = 0; i < HQ; i++)
		evil_if(&x->ram, x->d.q[0].desc + 16ull * i, gpa);
	if (toctou_table)
		for (unsigned i = 0; i < 2; i++)
			evil_if(&x->ram, toctou_table + 16ull * i, gpa);
	vd_set_avail_idx(&x->d, 0, 0x8000);
	vd_st16(&x->ram, x->d.q[0].avail + 4, 0xffff);
}

static void test_hostile_toctou(void **state)
{
	struct fix *x = fix_new();
	struct av_virtq_seg seg[4];
	struct av_virtq_chain c = { seg, 4, 0, 0, 0, 0, 0 };
	uint64_t b, t;
	(void)state;

	toctou_fix = x;
	/* Direct: readable 24 -> writable 40. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	vd_set_desc(&x->d, 0, 0, b, 24, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_set_desc(&x->d, 0, 1, b + 32, 32, AV_VIRTQ_DESC_F_WRITE, 0);
	vd_publish(&x->d, 0, 0);
	map_hook = toctou_rewrite;
	assert_int_equal(av_virtq_pop(x->vq, &c), 1);
	map_hook = NULL;
	assert_int_equal(c.head, 0);
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.n_in, 1);
	assert_ptr_equal(seg[0].addr, vd_ram_ptr(&x->ram, b, 24));
	assert_int_equal(seg[0].len, 24);
	assert_ptr_equal(seg[1].addr, vd_ram_ptr(&x->ram, b + 32, 32));
	assert_int_equal(seg[1].len, 32);
	/* Indirect: the table and the pointing descriptor rewritten under the device. */
	fix_start(x, VD_F_ALL, HQ);
	b = buf(x);
	t = table(x, 2);
	toctou_table = t;
	vd_put_desc(&x->ram, t, b, 8, AV_VIRTQ_DESC_F_NEXT, 1);
	vd_put_desc(&x->ram, t + 16, b + 8, 16, AV_VIRTQ_DESC_F_WRITE, 0);
	one(x, t, 32, AV_VIRTQ_DESC_F_INDIRECT);
	map_hook = toctou_rewrite;
	assert_int_equal(av_virtq_pop(x->vq, &c), 1);
	map_hook = NULL;
	toctou_table = 0;
	assert_int_equal(c.n_out, 1);
	assert_int_equal(c.n_in, 1);
	assert_int_equal(c.out_len, 8);
	assert_int_equal(c.in_len, 16);
	assert_ptr_equal(seg[1].addr, vd_ram_ptr(&x->ram, b + 8, 16));
	assert_false(x->vq->broken);
	fix_free(x);
}

/* ---- The queue API directly ---- */

static void test_enable_and_push_args(void **state)
{
	struct fix *x = fix_new();
	struct av_virtq *vq = x->vq;
	struct av_virtq saved;
	(void)state;

	fix_start(x, VD_F_ALL, HQ);
	saved = *vq;
	assert_int_equal(av_virtq_enable(NULL), -AV_EINVAL);
	vq->mem = NULL;
	assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
	*vq = saved;
	static const uint16_t nums[] = { 0, 3, 12, 2048 };
	for (unsigned i = 0; i < 4; i++) {
		vq->num = nums[i];
		assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
		assert_false(vq->ready);
	}
	vq->num = HQ;
	vq->num_max = 4;
	assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
	vq->num_max = AV_VIRTQ_MAX_SIZE;
	/* Alignment: 16, 2, 4. */
	vq->desc_gpa = saved.desc_gpa + 8;
	assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
	vq->desc_gpa = saved.desc_gpa;
	vq->avail_gpa = saved.avail_gpa + 1;
	assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
	vq->avail_gpa = saved.avail_gpa;
	vq->used_gpa = saved.used_gpa + 2;
	assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
	/* Rings that end outside RAM, or wrap. */
	vq->used_gpa = RAM_GPA + RAM_SIZE - 8;
	assert_int_equal(av_virtq_enable(vq), -AV_EFAULT);
	vq->used_gpa = saved.used_gpa;
	vq->desc_gpa = 0xfffffffffffffff0ull;
	assert_int_equal(av_virtq_enable(vq), -AV_EFAULT);
	vq->desc_gpa = RAM_GPA + RAM_SIZE - 16 * HQ + 16;
	assert_int_equal(av_virtq_enable(vq), -AV_EFAULT);
	vq->desc_gpa = saved.desc_gpa;
	assert_false(vq->ready);
	assert_int_equal(av_virtq_enable(vq), 0);
	assert_true(vq->ready);
	/* push: not ready, head out of range. */
	assert_int_equal(av_virtq_push(NULL, 0, 0), -AV_EINVAL);
	assert_int_equal(av_virtq_push(vq, HQ, 0), -AV_EINVAL);
	assert_int_equal(av_virtq_push(vq, 0xffff, 0), -AV_EINVAL);
	assert_int_equal(vq->pushed, 0);
	assert_false(av_virtq_need_interrupt(NULL));
	/* reset keeps num_max and mem. */
	vq->num_max = 64;
	av_virtq_reset(vq);
	assert_int_equal(vq->num_max, 64);
	assert_ptr_equal(vq->mem, &x->ram.mem);
	assert_false(vq->ready);
	assert_int_equal(vq->num, 0);
	assert_null(vq->desc);
	assert_int_equal(vq->desc_gpa, 0);
	av_virtq_reset(NULL);
	fix_free(x);
}

/* A region table whose host view is misaligned: the rings are refused (atomic fields). */
static void test_enable_host_alignment(void **state)
{
	struct fix *x = fix_new();
	struct av_virtq *vq = x->vq;
	(void)state;

	fix_start(x, VD_F_ALL, HQ);
	vd_reset(&x->d);
	x->ram.region.host = x->ram.host + 2;
	x->ram.region.size = RAM_SIZE - 2;
	vq->num = HQ;
	vq->desc_gpa = RAM_GPA;
	vq->avail_gpa = RAM_GPA + 0x1000;
	vq->used_gpa = RAM_GPA + 0x2000;
	assert_int_equal(av_virtq_enable(vq), -AV_EINVAL);
	x->ram.region.host = x->ram.host;
	x->ram.region.size = RAM_SIZE;
	assert_int_equal(av_virtq_enable(vq), 0);
	fix_free(x);
}

static void test_mem_regions(void **state)
{
	static uint8_t a[0x1000], b[0x2000];
	const struct av_virtio_mem_region r[3] = {
		{ 0x1000, 0x1000, a, false },
		{ 0x2000, 0x2000, b, true },
		{ 0xfffffffffffff000ull, 0x1000, a, false },
	};
	struct av_virtio_mem_regions t = { r, 3 };
	const struct av_virtio_mem_ops *o = &av_virtio_mem_regions_ops;
	(void)state;

	assert_ptr_equal(o->map(&t, 0x1000, 0x1000, true), a);
	assert_ptr_equal(o->map(&t, 0x1fff, 1, false), a + 0xfff);
	assert_ptr_equal(o->map(&t, 0x2000, 0x2000, false), b);
	assert_null(o->map(&t, 0x2000, 1, true));           /* read-only */
	assert_null(o->map(&t, 0x1ff0, 0x20, false));       /* across two regions */
	assert_null(o->map(&t, 0xfff, 2, false));           /* before the first */
	assert_null(o->map(&t, 0x4000, 1, false));          /* after the second */
	assert_null(o->map(&t, 0x1000, 0x1001, false));
	assert_null(o->map(&t, 0x1000, 0, false));          /* zero length */
	assert_null(o->map(&t, 0x1800, ~0ull, false));      /* huge */
	assert_ptr_equal(o->map(&t, 0xfffffffffffff000ull, 0x1000, false), a); /* the top */
	assert_null(o->map(&t, 0xfffffffffffff800ull, 0x1000, false));
	assert_null(o->map(NULL, 0x1000, 1, false));
	t.count = 0;
	assert_null(o->map(&t, 0x1000, 1, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_model),
		cmocka_unit_test(test_sizes_full),
		cmocka_unit_test(test_hostile_loops),
		cmocka_unit_test(test_hostile_too_long),
		cmocka_unit_test(test_hostile_addresses),
		cmocka_unit_test(test_hostile_avail),
		cmocka_unit_test(test_hostile_order),
		cmocka_unit_test(test_hostile_indirect),
		cmocka_unit_test(test_hostile_readonly),
		cmocka_unit_test(test_hostile_reset),
		cmocka_unit_test(test_hostile_toctou),
		cmocka_unit_test(test_enable_and_push_args),
		cmocka_unit_test(test_enable_host_alignment),
		cmocka_unit_test(test_mem_regions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
