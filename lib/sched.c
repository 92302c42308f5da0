/* SPDX-License-Identifier: MIT */
/*
 * vCPU scheduler: per-pCPU run queues with fixed priorities and round-robin slices.
 *
 * Each run queue holds one circular doubly-linked list per priority (threaded through the
 * entities' next/prev links) with a bitmap of the non-empty ones, so the highest runnable
 * priority is one count-leading-zeros away, and one circular list of blocked entities in
 * deadline order (earliest first, equal deadlines in blocking order), so that the expiry
 * check and the earliest deadline look at its head only. An entity is on at most one list;
 * the running one is on none (it is rq->curr). The links of an entity on no list are stale
 * and never read.
 *
 * The calls of a world switch are kept short: a pick that hands the pCPU from the running
 * entity to the next one of the same priority (a yield, the end of a slice) turns that
 * priority's ring by one place instead of queueing one entity and dequeueing the other;
 * the next event after a pick is derived from what the pick leaves (nothing is due at
 * once); a wake-up looks for an idle pCPU only with several pCPUs and for a blocked entity.
 *
 * An entity is RUNNING only as the current entity of its pCPU, and only the current entity
 * of a pCPU has its yielded or wake_pending flag set: the pick that replaces it and
 * av_sched_power_off() clear them.
 *
 * Locking: one atomic_flag spinlock per run queue (spin.h). Lock order: ascending pCPU
 * index, at most two locks at once. e->cpu changes only with both the old and the new
 * queue locked, so "lock rq[e->cpu], then check e->cpu did not change" pins an entity to
 * its queue.
 * Fields read without the lock (rq->curr, rq->nr_queued, e->cpu, e->state) are read and
 * written with __atomic builtins; the values read unlocked are only hints that are checked
 * again under the lock.
 */
#include <armvirt/sched.h>

#include "compat.h"
#include "error_detail.h"
#include "spin.h"

#define NO_PRIO (-1)

/* ---- locks and racy-read helpers ---- */

static inline void rq_lock(struct av_sched_rq *rq)
{
	av__spin_lock(&rq->lock);
}

static void rq_unlock(struct av_sched_rq *rq)
{
	av__spin_unlock(&rq->lock);
}

static unsigned load_cpu(const struct av_sched_entity *e)
{
	return __atomic_load_n(&e->cpu, __ATOMIC_ACQUIRE);
}

static void store_cpu(struct av_sched_entity *e, unsigned cpu)
{
	__atomic_store_n(&e->cpu, cpu, __ATOMIC_RELEASE);
}

static enum av_sched_state load_state(const struct av_sched_entity *e)
{
	return __atomic_load_n(&e->state, __ATOMIC_RELAXED);
}

static void set_state(struct av_sched_entity *e, enum av_sched_state st)
{
	__atomic_store_n(&e->state, st, __ATOMIC_RELAXED);
}

static struct av_sched_entity *load_curr(const struct av_sched_rq *rq)
{
	return __atomic_load_n(&rq->curr, __ATOMIC_RELAXED);
}

static void set_curr(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	__atomic_store_n(&rq->curr, e, __ATOMIC_RELAXED);
}

static unsigned load_nr_queued(const struct av_sched_rq *rq)
{
	return __atomic_load_n(&rq->nr_queued, __ATOMIC_RELAXED);
}

static void set_nr_queued(struct av_sched_rq *rq, unsigned n)
{
	__atomic_store_n(&rq->nr_queued, n, __ATOMIC_RELAXED);
}

static uint64_t load_slice(const struct av_sched *s)
{
	return __atomic_load_n(&s->slice, __ATOMIC_RELAXED);
}

/*
 * The run queue of pCPU @cpu. Pointer arithmetic rather than &s->rq[cpu]: the compiler then
 * keeps the queue's address in a register instead of deriving every field's from @cpu.
 */
static struct av_sched_rq *rq_of(struct av_sched *s, unsigned cpu)
{
	return s->rq + cpu;
}

/* Lock two distinct queues in ascending index order. */
static void lock_pair(struct av_sched *s, unsigned a, unsigned b)
{
	if (a > b) {
		unsigned t = a;

		a = b;
		b = t;
	}
	rq_lock(rq_of(s, a));
	rq_lock(rq_of(s, b));
}

static void unlock_pair(struct av_sched *s, unsigned a, unsigned b)
{
	rq_unlock(rq_of(s, a));
	rq_unlock(rq_of(s, b));
}

/* Lock the queue that holds @e and return its index. */
static inline unsigned lock_entity(struct av_sched *s, struct av_sched_entity *e)
{
	for (;;) {
		unsigned c = load_cpu(e);

		rq_lock(rq_of(s, c));
		if (load_cpu(e) == c)
			return c;
		rq_unlock(rq_of(s, c));
	}
}

/* ---- lists ---- */

/* Insert @e before @pos in @pos's circular list. */
static void list_insert_before(struct av_sched_entity *pos, struct av_sched_entity *e)
{
	e->next = pos;
	e->prev = pos->prev;
	pos->prev->next = e;
	pos->prev = e;
}

static void list_add_tail(struct av_sched_entity **head, struct av_sched_entity *e)
{
	struct av_sched_entity *h = *head;

	if (h == NULL) {
		e->next = e;
		e->prev = e;
		*head = e;
		return;
	}
	list_insert_before(h, e);
}

static void list_del(struct av_sched_entity **head, struct av_sched_entity *e)
{
	if (e->next == e) {
		*head = NULL;
		return;
	}
	e->prev->next = e->next;
	e->next->prev = e->prev;
	if (*head == e)
		*head = e->next;
}

/* ---- run-queue primitives (queue locked) ---- */

static int top_prio(const struct av_sched_rq *rq)
{
	if (rq->prio_mask == 0)
		return NO_PRIO;
	return 31 - __builtin_clz(rq->prio_mask);
}

/*
 * The queued priorities of @rq seen from priority @prio: bit 0 set when an entity of @prio
 * is queued, a value above 1 when one of a higher priority is.
 */
static uint32_t queued_from(const struct av_sched_rq *rq, unsigned prio)
{
	return rq->prio_mask >> prio;
}

/* @e (on no list) becomes RUNNABLE at the tail of its queue, or at its head. */
static inline void enqueue(struct av_sched_rq *rq, struct av_sched_entity *e, bool head)
{
	list_add_tail(&rq->queue[e->prio], e);
	if (head)
		rq->queue[e->prio] = e;
	rq->prio_mask |= 1u << e->prio;
	set_nr_queued(rq, rq->nr_queued + 1);
	set_state(e, AV_SCHED_RUNNABLE);
}

static inline void dequeue(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	list_del(&rq->queue[e->prio], e);
	if (rq->queue[e->prio] == NULL)
		rq->prio_mask &= ~(1u << e->prio);
	set_nr_queued(rq, rq->nr_queued - 1);
}

/*
 * @prev (the running entity) goes to the tail of its priority's queue, which is not empty,
 * and the head of that queue leaves it and is returned: enqueue() and dequeue() in one, as
 * a turn of the ring. @prev takes the old head's place and the entity after it becomes the
 * head; the bitmap and the count do not change.
 */
static struct av_sched_entity *rotate(struct av_sched_rq *rq, struct av_sched_entity *prev)
{
	struct av_sched_entity **q = &rq->queue[prev->prio], *h = *q;

	if (h->next == h) {
		prev->next = prev;
		prev->prev = prev;
		*q = prev;
	} else {
		prev->next = h->next;
		prev->prev = h->prev;
		h->prev->next = prev;
		h->next->prev = prev;
		*q = h->next;
	}
	set_state(prev, AV_SCHED_RUNNABLE);
	return h;
}

/* Into the blocked list, after every entity whose deadline is not later than @e's. */
static void block_add(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	struct av_sched_entity *h = rq->blocked, *pos;

	if (h == NULL) {
		e->next = e;
		e->prev = e;
		rq->blocked = e;
		return;
	}
	/* From the tail back (deadline-less entities gather there). */
	for (pos = h->prev; pos->deadline > e->deadline; pos = pos->prev) {
		if (pos == h) {
			/* Earlier than every other one: the new head. */
			list_insert_before(h, e);
			rq->blocked = e;
			return;
		}
	}
	list_insert_before(pos->next, e);
}

/* @e leaves the blocked list, without a deadline. */
static void block_del(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	list_del(&rq->blocked, e);
	e->deadline = AV_SCHED_NO_DEADLINE;
}

/*
 * Account the time @e ran since run_start and return it (the caller updates slice_left and
 * run_start where they still matter).
 */
static uint64_t charge(struct av_sched_entity *e, uint64_t now)
{
	uint64_t d = now > e->run_start ? now - e->run_start : 0;

	e->runtime += d;
	return d;
}

/* Has the earliest deadline of @rq's blocked entities passed? */
static bool deadline_due(const struct av_sched_rq *rq, uint64_t now)
{
	return rq->blocked != NULL && rq->blocked->deadline <= now;
}

/* Blocked entities whose deadline passed become runnable (or running again), earliest first. */
static void expire(struct av_sched_rq *rq, uint64_t now)
{
	while (deadline_due(rq, now)) {
		struct av_sched_entity *e = rq->blocked;

		block_del(rq, e);
		if (rq->curr == e) {
			set_state(e, AV_SCHED_RUNNING);
		} else {
			e->slice_left = 0;
			enqueue(rq, e, false);
		}
	}
}

/*
 * Is a pick due on this queue (deadlines already expired)? Also at the end of every slice
 * when there are several pCPUs, so that busy pCPUs balance (pick pulls first).
 */
static bool need_resched(const struct av_sched *s, const struct av_sched_rq *rq, uint64_t now)
{
	const struct av_sched_entity *c = rq->curr;
	uint32_t queued;

	if (c == NULL)
		return rq->prio_mask != 0;
	if (c->state != AV_SCHED_RUNNING || c->yielded)
		return true;
	queued = queued_from(rq, c->prio);
	if (queued > 1)
		return true;
	if (queued == 0 && s->nr_cpus == 1)
		return false;
	return now >= c->run_start && now - c->run_start >= c->slice_left;
}

/*
 * The end of the slice of @c, the running entity of @rq with no decision due, if the pCPU
 * needs a decision then: an entity of its priority is queued, or there are several pCPUs
 * (balancing). Else #AV_SCHED_NO_EVENT.
 */
static uint64_t slice_event(const struct av_sched *s, const struct av_sched_rq *rq,
			    const struct av_sched_entity *c)
{
	uint64_t end = c->run_start + c->slice_left;

	if (!(queued_from(rq, c->prio) & 1u) && s->nr_cpus == 1)
		return AV_SCHED_NO_EVENT;
	return end < c->run_start ? AV_SCHED_NO_EVENT : end;
}

/* @ev or the earliest deadline of @rq's blocked entities, whichever is first; not before @now. */
static uint64_t with_deadlines(const struct av_sched_rq *rq, uint64_t ev, uint64_t now)
{
	if (rq->blocked != NULL && rq->blocked->deadline < ev)
		ev = rq->blocked->deadline;
	return ev < now ? now : ev;
}

/* av_sched_next_event() under the run-queue lock of @rq. */
static uint64_t next_event_locked(const struct av_sched *s, const struct av_sched_rq *rq,
				  uint64_t now)
{
	const struct av_sched_entity *c = rq->curr;

	/* A pick is due (need_resched(), but for the slice end: below). */
	if (c == NULL) {
		if (rq->prio_mask != 0)
			return now;
		return with_deadlines(rq, AV_SCHED_NO_EVENT, now);
	}
	if (c->state != AV_SCHED_RUNNING || c->yielded || queued_from(rq, c->prio) > 1)
		return now;
	/* A slice that is over already ends at or before @now: due now as well. */
	return with_deadlines(rq, slice_event(s, rq, c), now);
}

/* ---- set-up ---- */

uint64_t av_sched_ms_to_ticks(const struct av_sched *s, uint64_t ms)
{
	if (s == NULL)
		return 0;
	/* ms * hz / 1000 without overflow for any realistic counter frequency. */
	return ms * (s->counter_hz / 1000u) + ms * (s->counter_hz % 1000u) / 1000u;
}

#define SCHED_ERR(err, code, field, ...) av__error(err, code, "sched", field, __VA_ARGS__)

int av_sched_init(struct av_sched *s, const struct av_sched_config *cfg, struct av_error *err)
{
	if (s == NULL || cfg == NULL)
		return SCHED_ERR(err, -AV_EINVAL, s ? "cfg" : "s", "NULL");
	if (cfg->counter_hz == 0)
		return SCHED_ERR(err, -AV_EINVAL, "counter_hz", "0 (CNTFRQ_EL0, in Hz)");
	if (cfg->nr_cpus == 0 || cfg->nr_cpus > AV_SCHED_MAX_CPUS)
		return SCHED_ERR(err, -AV_ERANGE, "nr_cpus", "%u pCPUs (1..%u)", cfg->nr_cpus,
				 AV_SCHED_MAX_CPUS);
	memset(s, 0, sizeof(*s));
	s->nr_cpus = cfg->nr_cpus;
	s->counter_hz = cfg->counter_hz;
	s->slice = cfg->slice ? cfg->slice : av_sched_ms_to_ticks(s, AV_SCHED_DEFAULT_SLICE_MS);
	if (s->slice == 0)
		return SCHED_ERR(err, -AV_ERANGE, "counter_hz",
				 "%llu Hz makes the default %u ms slice 0 ticks (give slice)",
				 (unsigned long long)cfg->counter_hz, AV_SCHED_DEFAULT_SLICE_MS);
	for (unsigned i = 0; i < AV_SCHED_MAX_CPUS; i++)
		atomic_flag_clear(&s->rq[i].lock);
	av__error_clear(err);
	return 0;
}

int av_sched_set_slice(struct av_sched *s, uint64_t slice)
{
	if (s == NULL || slice == 0)
		return -AV_EINVAL;
	__atomic_store_n(&s->slice, slice, __ATOMIC_RELAXED);
	return 0;
}

int av_sched_entity_init(struct av_sched_entity *e, unsigned prio, uint64_t affinity,
			 void *owner)
{
	if (e == NULL)
		return -AV_EINVAL;
	if (prio >= AV_SCHED_NR_PRIO)
		return -AV_ERANGE;
	memset(e, 0, sizeof(*e));
	e->owner = owner;
	e->prio = prio;
	e->affinity = affinity ? affinity : ~UINT64_C(0);
	e->state = AV_SCHED_OFF;
	e->deadline = AV_SCHED_NO_DEADLINE;
	return 0;
}

static uint64_t cpus_mask(const struct av_sched *s)
{
	return s->nr_cpus >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << s->nr_cpus) - 1;
}

int av_sched_add(struct av_sched *s, struct av_sched_entity *e, unsigned cpu,
		 enum av_sched_state state, unsigned *kick)
{
	if (kick != NULL)
		*kick = AV_SCHED_NO_CPU;
	if (s == NULL || e == NULL)
		return -AV_EINVAL;
	if (cpu >= s->nr_cpus)
		return -AV_ERANGE;
	if (e->added)
		return -AV_EEXIST;
	if (state != AV_SCHED_RUNNABLE && state != AV_SCHED_OFF)
		return -AV_EINVAL;
	if ((e->affinity & cpus_mask(s)) == 0 || !(e->affinity & (UINT64_C(1) << cpu)))
		return -AV_EINVAL;
	e->affinity &= cpus_mask(s);
	e->added = true;
	e->next = e->prev = NULL;
	e->slice_left = 0;
	e->deadline = AV_SCHED_NO_DEADLINE;
	e->wake_pending = false;
	e->yielded = false;
	store_cpu(e, cpu);
	set_state(e, AV_SCHED_OFF);
	if (state == AV_SCHED_RUNNABLE)
		return av_sched_power_on(s, e, kick);
	return 0;
}

/* ---- balancing ---- */

/* Load of a queue as seen without its lock: queued plus a running entity. */
static unsigned load_hint(const struct av_sched_rq *rq)
{
	const struct av_sched_entity *c = load_curr(rq);

	return load_nr_queued(rq) + (c != NULL && load_state(c) == AV_SCHED_RUNNING);
}

/* The highest-priority queued entity of @from allowed on @cpu, or NULL. */
static struct av_sched_entity *pull_candidate(struct av_sched_rq *from, unsigned cpu)
{
	for (int p = top_prio(from); p >= 0; p--) {
		struct av_sched_entity *h = from->queue[p], *e = h;

		if (h == NULL)
			continue;
		do {
			if (e->affinity & (UINT64_C(1) << cpu))
				return e;
			e = e->next;
		} while (e != h);
	}
	return NULL;
}

/*
 * Pull one entity to @cpu from the busiest queue, if the loads say so (file comment).
 * Inlined into both picks (av_sched_pick_event(), av_sched_yield_pick()), as it was into
 * the one pick before.
 */
static inline __attribute__((always_inline)) void balance(struct av_sched *s, unsigned cpu)
{
	struct av_sched_rq *rq = rq_of(s, cpu), *from;
	unsigned mine = load_hint(rq), best = AV_SCHED_NO_CPU, best_load = 0, best_q = 0;
	struct av_sched_entity *e;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		unsigned q, l;

		if (c == cpu)
			continue;
		q = load_nr_queued(rq_of(s, c));
		l = load_hint(rq_of(s, c));
		if (q > 0 && (best == AV_SCHED_NO_CPU || l > best_load)) {
			best = c;
			best_load = l;
			best_q = q;
		}
	}
	if (best == AV_SCHED_NO_CPU)
		return;
	if (!(mine == 0 && best_q > 0) && mine + 2 > best_load)
		return;

	from = rq_of(s, best);
	lock_pair(s, cpu, best);
	/* Check again under the locks. */
	mine = rq->nr_queued + (rq->curr != NULL && rq->curr->state == AV_SCHED_RUNNING);
	best_load = from->nr_queued +
		    (from->curr != NULL && from->curr->state == AV_SCHED_RUNNING);
	if (from->nr_queued > 0 && ((mine == 0) || mine + 2 <= best_load)) {
		e = pull_candidate(from, cpu);
		if (e != NULL) {
			dequeue(from, e);
			store_cpu(e, cpu);
			e->nr_migrations++;
			enqueue(rq, e, false);
		}
	}
	unlock_pair(s, cpu, best);
}

/* ---- scheduling decisions ---- */

/* @next, off every list, becomes the current entity of @rq in place of another (or none). */
static struct av_sched_entity *switch_to(struct av_sched *s, struct av_sched_rq *rq,
					 struct av_sched_entity *next, uint64_t now)
{
	set_state(next, AV_SCHED_RUNNING);
	next->run_start = now;
	if (next->slice_left == 0)
		next->slice_left = load_slice(s);
	next->nr_runs++;
	rq->nr_switches++;
	set_curr(rq, next);
	return next;
}

/*
 * The pick of av_sched_pick(), under the run-queue lock of @rq. Inlined into its only
 * caller: it is the better part of a world switch.
 */
static inline __attribute__((always_inline)) struct av_sched_entity *
pick_locked(struct av_sched *s, struct av_sched_rq *rq, uint64_t now)
{
	struct av_sched_entity *prev = rq->curr, *next;

	rq->nr_picks++;
	if (deadline_due(rq, now))
		expire(rq, now);
	if (prev != NULL) {
		uint32_t queued = queued_from(rq, prev->prio);
		uint64_t d = charge(prev, now);

		if (prev->state != AV_SCHED_RUNNING) {
			/* Blocked or powered off: it leaves the pCPU (with a fresh slice when it
			 * is made runnable again). */
			prev->wake_pending = false;
			prev->yielded = false;
			goto pick_next;
		}
		if (!prev->yielded) {
			/* The rest of its slice. */
			uint64_t left = d >= prev->slice_left ? 0 : prev->slice_left - d;

			if (queued > 1) {
				/* Outranked: to the head of its queue, keeping that rest. */
				prev->wake_pending = false;
				prev->slice_left = left;
				enqueue(rq, prev, true);
				goto pick_next;
			}
			if (queued == 0 || left != 0) {
				/* Nothing of its priority waits, or its slice goes on: it stays. */
				prev->slice_left = left != 0 ? left : load_slice(s);
				prev->run_start = now;
				return prev;
			}
		}
		/* Yielded, or its slice is over while an equal priority waits: to the tail of
		 * its queue, for a fresh slice. */
		prev->yielded = false;
		prev->wake_pending = false;
		if (queued == 0) {
			/* Yielded, with nothing of its priority or higher queued: it runs on. */
			prev->slice_left = load_slice(s);
			prev->run_start = now;
			return prev;
		}
		prev->slice_left = 0;
		/* Only its own priority queued: the head of that queue runs. */
		if (queued == 1)
			return switch_to(s, rq, rotate(rq, prev), now);
		enqueue(rq, prev, false);
	}

pick_next:
	/* prev, if any, left: not RUNNING, or queued while a higher priority waits. */
	if (rq->prio_mask == 0) {
		if (prev != NULL)
			rq->nr_switches++;
		set_curr(rq, NULL);
		return NULL;
	}
	next = rq->queue[top_prio(rq)];
	dequeue(rq, next);
	return switch_to(s, rq, next, now);
}

/*
 * av_sched_pick_event(), after the yield of the running entity if @yield
 * (av_sched_yield_pick()): one lock round for both.
 */
static inline __attribute__((always_inline)) struct av_sched_entity *
pick_event(struct av_sched *s, unsigned cpu, uint64_t now, uint64_t *next_event, bool yield)
{
	struct av_sched_rq *rq;
	struct av_sched_entity *next;

	if (s == NULL || cpu >= s->nr_cpus) {
		if (next_event)
			*next_event = AV_SCHED_NO_EVENT;
		return NULL;
	}
	rq = rq_of(s, cpu);
	if (s->nr_cpus > 1)
		balance(s, cpu);
	rq_lock(rq);
	if (yield && rq->curr != NULL && rq->curr->state == AV_SCHED_RUNNING)
		rq->curr->yielded = true;
	next = pick_locked(s, rq, now);
	if (next_event != NULL) {
		/*
		 * next_event_locked() after a pick: nothing is due at once (the current entity
		 * is RUNNING, not yielded, not outranked, and its slice starts now), and the
		 * deadlines left are later than @now.
		 */
		uint64_t ev = next != NULL ? slice_event(s, rq, next) : AV_SCHED_NO_EVENT;

		if (rq->blocked != NULL && rq->blocked->deadline < ev)
			ev = rq->blocked->deadline;
		*next_event = ev;
	}
	rq_unlock(rq);
	return next;
}

struct av_sched_entity *av_sched_pick_event(struct av_sched *s, unsigned cpu, uint64_t now,
					    uint64_t *next_event)
{
	return pick_event(s, cpu, now, next_event, false);
}

struct av_sched_entity *av_sched_yield_pick(struct av_sched *s, unsigned cpu, uint64_t now,
					    uint64_t *next_event)
{
	return pick_event(s, cpu, now, next_event, true);
}

struct av_sched_entity *av_sched_pick(struct av_sched *s, unsigned cpu, uint64_t now)
{
	return av_sched_pick_event(s, cpu, now, NULL);
}

int av_sched_tick(struct av_sched *s, unsigned cpu, uint64_t now)
{
	struct av_sched_rq *rq;
	bool r;

	if (s == NULL || cpu >= s->nr_cpus)
		return -AV_EINVAL;
	rq = rq_of(s, cpu);
	rq_lock(rq);
	expire(rq, now);
	r = need_resched(s, rq, now);
	rq_unlock(rq);
	return r ? 1 : 0;
}

int av_sched_yield(struct av_sched *s, unsigned cpu)
{
	struct av_sched_rq *rq;
	struct av_sched_entity *c;
	int rc = -AV_ENOENT;

	if (s == NULL || cpu >= s->nr_cpus)
		return -AV_EINVAL;
	rq = rq_of(s, cpu);
	rq_lock(rq);
	c = rq->curr;
	if (c != NULL && c->state == AV_SCHED_RUNNING) {
		c->yielded = true;
		rc = 0;
	}
	rq_unlock(rq);
	return rc;
}

int av_sched_block(struct av_sched *s, struct av_sched_entity *e, uint64_t deadline)
{
	struct av_sched_rq *rq;
	int rc = 0;

	if (s == NULL || e == NULL || !e->added)
		return -AV_EINVAL;
	rq = rq_of(s, lock_entity(s, e));
	/* RUNNING, it is rq's current entity (file comment). */
	if (e->state != AV_SCHED_RUNNING) {
		rc = -AV_EBUSY;
	} else if (e->wake_pending) {
		e->wake_pending = false;
		rc = 1;
	} else {
		set_state(e, AV_SCHED_BLOCKED);
		e->deadline = deadline;
		block_add(rq, e);
	}
	rq_unlock(rq);
	return rc;
}

/*
 * Would @e run at once on @rq (or does @rq need a kick to re-arm its slice timer)? True
 * when @rq is idle or about to pick anyway, runs something of lower priority, or runs an
 * equal priority with no other entity of that priority queued (its timer is not armed for
 * the slice end then).
 */
static bool wants_kick(const struct av_sched_rq *rq, const struct av_sched_entity *e)
{
	const struct av_sched_entity *c = rq->curr;

	if (c == NULL || c->state != AV_SCHED_RUNNING || c->yielded)
		return true;
	if (e->prio > c->prio)
		return true;
	return e->prio == c->prio && !(queued_from(rq, e->prio) & 1u);
}

/* Could @e start at once on @rq: idle, or it outranks what runs there. */
static bool runs_at_once(const struct av_sched_rq *rq, const struct av_sched_entity *e)
{
	const struct av_sched_entity *c = rq->curr;

	if (c == NULL || c->state != AV_SCHED_RUNNING || c->yielded)
		return top_prio(rq) < (int)e->prio;
	return e->prio > c->prio && top_prio(rq) < (int)e->prio;
}

/* An idle pCPU (hint) of @e's affinity other than @not, lowest index first. */
static unsigned find_idle(struct av_sched *s, const struct av_sched_entity *e, unsigned not)
{
	uint64_t m = e->affinity & cpus_mask(s) & ~(UINT64_C(1) << not);

	for (; m != 0; m &= m - 1) {
		unsigned c = (unsigned)__builtin_ctzll(m);

		if (load_curr(rq_of(s, c)) == NULL && load_nr_queued(rq_of(s, c)) == 0)
			return c;
	}
	return AV_SCHED_NO_CPU;
}

/*
 * Lock the queue of @e and return its index. When @e is in state @from (it may be made
 * runnable) and an idle pCPU of its affinity is seen, lock that one too and return it in
 * *@idle (else AV_SCHED_NO_CPU).
 */
static unsigned lock_for_place(struct av_sched *s, struct av_sched_entity *e,
			       enum av_sched_state from, unsigned *idle)
{
	for (;;) {
		unsigned old = load_cpu(e), other = AV_SCHED_NO_CPU;

		if (s->nr_cpus > 1 && load_state(e) == from)
			other = find_idle(s, e, old);
		if (other == AV_SCHED_NO_CPU)
			rq_lock(rq_of(s, old));
		else
			lock_pair(s, old, other);
		if (load_cpu(e) == old) {
			*idle = other;
			return old;
		}
		if (other == AV_SCHED_NO_CPU)
			rq_unlock(rq_of(s, old));
		else
			unlock_pair(s, old, other);
	}
}

static void unlock_for_place(struct av_sched *s, unsigned old, unsigned idle)
{
	rq_unlock(rq_of(s, old));
	if (idle != AV_SCHED_NO_CPU)
		rq_unlock(rq_of(s, idle));
}

/*
 * place() with an idle pCPU @idle (locked) at hand: move @e there unless it could run at
 * once on rq[@old] or @idle is no longer idle. Returns @idle, or AV_SCHED_NO_CPU when @e
 * stays.
 */
static unsigned place_idle(struct av_sched *s, struct av_sched_entity *e, unsigned old,
			   unsigned idle)
{
	struct av_sched_rq *to = rq_of(s, idle);

	if (runs_at_once(rq_of(s, old), e) || to->curr != NULL || to->nr_queued != 0)
		return AV_SCHED_NO_CPU;
	store_cpu(e, idle);
	e->nr_migrations++;
	enqueue(to, e, false);
	return idle;
}

/*
 * Make @e (BLOCKED or OFF, on no list of rq[@old] any more, not its current entity)
 * runnable with a fresh slice; returns the pCPU to kick. rq[@old] is locked, and so is
 * rq[@idle] when @idle is not AV_SCHED_NO_CPU. Its yielded and wake_pending flags are clear
 * already (file comment).
 */
static inline unsigned place(struct av_sched *s, struct av_sched_entity *e, unsigned old,
			     unsigned idle)
{
	struct av_sched_rq *rq = rq_of(s, old);
	bool kick;

	e->slice_left = 0;
	if (idle != AV_SCHED_NO_CPU && place_idle(s, e, old, idle) == idle)
		return idle;
	kick = wants_kick(rq, e);
	enqueue(rq, e, false);
	return kick ? old : AV_SCHED_NO_CPU;
}

/*
 * av_sched_wake() with rq[@old] locked, and rq[@idle] when @idle is not AV_SCHED_NO_CPU:
 * returns the pCPU to kick.
 */
static inline __attribute__((always_inline)) unsigned
wake_locked(struct av_sched *s, struct av_sched_entity *e, unsigned old, unsigned idle)
{
	struct av_sched_rq *rq = rq_of(s, old);

	if (e->state == AV_SCHED_BLOCKED) {
		block_del(rq, e);
		if (rq->curr == e) {
			/* Blocked but not yet switched away from: cancel the block. */
			set_state(e, AV_SCHED_RUNNING);
			return old;
		}
		return place(s, e, old, idle);
	}
	if (e->state == AV_SCHED_RUNNING)
		e->wake_pending = true;
	return AV_SCHED_NO_CPU;
}

/* av_sched_wake() of an entity seen BLOCKED with several pCPUs: an idle one may take it. */
static __attribute__((noinline)) int wake_placing(struct av_sched *s, struct av_sched_entity *e,
						   unsigned *kick)
{
	unsigned idle, old = lock_for_place(s, e, AV_SCHED_BLOCKED, &idle);
	unsigned k = wake_locked(s, e, old, idle);

	unlock_for_place(s, old, idle);
	if (kick != NULL)
		*kick = k;
	return 0;
}

int av_sched_wake(struct av_sched *s, struct av_sched_entity *e, unsigned *kick)
{
	unsigned old, k;

	if (s == NULL || e == NULL || !e->added) {
		if (kick != NULL)
			*kick = AV_SCHED_NO_CPU;
		return -AV_EINVAL;
	}
	if (s->nr_cpus > 1 && load_state(e) == AV_SCHED_BLOCKED)
		return wake_placing(s, e, kick);
	/* One pCPU, or not blocked (a hint): no idle pCPU to look for (lock_for_place()). */
	old = lock_entity(s, e);
	k = wake_locked(s, e, old, AV_SCHED_NO_CPU);
	rq_unlock(rq_of(s, old));
	if (kick != NULL)
		*kick = k;
	return 0;
}

int av_sched_power_on(struct av_sched *s, struct av_sched_entity *e, unsigned *kick)
{
	unsigned old, idle, k = AV_SCHED_NO_CPU;
	int rc = 0;

	if (s == NULL || e == NULL || !e->added) {
		if (kick != NULL)
			*kick = AV_SCHED_NO_CPU;
		return -AV_EINVAL;
	}
	old = lock_for_place(s, e, AV_SCHED_OFF, &idle);
	if (e->state != AV_SCHED_OFF || rq_of(s, old)->curr == e)
		rc = -AV_EBUSY;
	else
		k = place(s, e, old, idle);
	unlock_for_place(s, old, idle);
	if (kick != NULL)
		*kick = k;
	return rc;
}

int av_sched_power_off(struct av_sched *s, struct av_sched_entity *e)
{
	struct av_sched_rq *rq;

	if (s == NULL || e == NULL || !e->added)
		return -AV_EINVAL;
	rq = rq_of(s, lock_entity(s, e));
	switch (e->state) {
	case AV_SCHED_RUNNABLE:
		dequeue(rq, e);
		break;
	case AV_SCHED_BLOCKED:
		block_del(rq, e);
		break;
	case AV_SCHED_RUNNING:
	case AV_SCHED_OFF:
		break;
	}
	set_state(e, AV_SCHED_OFF);
	e->wake_pending = false;
	e->yielded = false;
	rq_unlock(rq);
	return 0;
}

uint64_t av_sched_next_event(struct av_sched *s, unsigned cpu, uint64_t now)
{
	struct av_sched_rq *rq;
	uint64_t ev;

	if (s == NULL || cpu >= s->nr_cpus)
		return AV_SCHED_NO_EVENT;
	rq = rq_of(s, cpu);
	rq_lock(rq);
	ev = next_event_locked(s, rq, now);
	rq_unlock(rq);
	return ev;
}

struct av_sched_entity *av_sched_current(struct av_sched *s, unsigned cpu)
{
	if (s == NULL || cpu >= s->nr_cpus)
		return NULL;
	return load_curr(rq_of(s, cpu));
}

unsigned av_sched_nr_queued(struct av_sched *s, unsigned cpu)
{
	if (s == NULL || cpu >= s->nr_cpus)
		return 0;
	return load_nr_queued(rq_of(s, cpu));
}

const char *av_sched_state_name(enum av_sched_state state)
{
	switch (state) {
	case AV_SCHED_OFF:
		return "off";
	case AV_SCHED_RUNNABLE:
		return "runnable";
	case AV_SCHED_RUNNING:
		return "running";
	case AV_SCHED_BLOCKED:
		return "blocked";
	}
	return "?";
}
