/* SPDX-License-Identifier: MIT */
/*
 * vCPU scheduler: per-pCPU run queues with fixed priorities and round-robin slices.
 *
 * Each run queue holds one circular doubly-linked list per priority (threaded through the
 * entities' next/prev links) with a bitmap of the non-empty ones, so the highest runnable
 * priority is one count-leading-zeros away, and one circular list of blocked entities
 * (scanned for deadlines: a pCPU carries few vCPUs). An entity is on at most one list; the
 * running one is on none (it is rq->curr).
 *
 * Locking: one atomic_flag spinlock per run queue. Lock order: ascending pCPU index, at
 * most two locks at once. e->cpu changes only with both the old and the new queue locked,
 * so "lock rq[e->cpu], then check e->cpu did not change" pins an entity to its queue.
 * Fields read without the lock (rq->curr, rq->nr_queued, e->cpu, e->state) are read and
 * written with __atomic builtins; the values read unlocked are only hints that are checked
 * again under the lock.
 */
#include <armvirt/sched.h>

#include "compat.h"

#define NO_PRIO (-1)

/* ---- locks and racy-read helpers ---- */

static void rq_lock(struct av_sched_rq *rq)
{
	while (atomic_flag_test_and_set_explicit(&rq->lock, memory_order_acquire))
		;
}

static void rq_unlock(struct av_sched_rq *rq)
{
	atomic_flag_clear_explicit(&rq->lock, memory_order_release);
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

/* Lock two distinct queues in ascending index order. */
static void lock_pair(struct av_sched *s, unsigned a, unsigned b)
{
	if (a > b) {
		unsigned t = a;

		a = b;
		b = t;
	}
	rq_lock(&s->rq[a]);
	rq_lock(&s->rq[b]);
}

static void unlock_pair(struct av_sched *s, unsigned a, unsigned b)
{
	rq_unlock(&s->rq[a]);
	rq_unlock(&s->rq[b]);
}

/* Lock the queue that holds @e; returns its index. */
static unsigned lock_entity(struct av_sched *s, struct av_sched_entity *e)
{
	for (;;) {
		unsigned c = load_cpu(e);

		rq_lock(&s->rq[c]);
		if (load_cpu(e) == c)
			return c;
		rq_unlock(&s->rq[c]);
	}
}

/* ---- lists ---- */

static void list_add_tail(struct av_sched_entity **head, struct av_sched_entity *e)
{
	struct av_sched_entity *h = *head;

	if (h == NULL) {
		e->next = e;
		e->prev = e;
		*head = e;
		return;
	}
	e->next = h;
	e->prev = h->prev;
	h->prev->next = e;
	h->prev = e;
}

static void list_add_head(struct av_sched_entity **head, struct av_sched_entity *e)
{
	list_add_tail(head, e);
	*head = e;
}

static void list_del(struct av_sched_entity **head, struct av_sched_entity *e)
{
	if (e->next == e) {
		*head = NULL;
	} else {
		e->prev->next = e->next;
		e->next->prev = e->prev;
		if (*head == e)
			*head = e->next;
	}
	e->next = NULL;
	e->prev = NULL;
}

/* ---- run-queue primitives (queue locked) ---- */

static int top_prio(const struct av_sched_rq *rq)
{
	if (rq->prio_mask == 0)
		return NO_PRIO;
	return 31 - __builtin_clz(rq->prio_mask);
}

static void enqueue(struct av_sched_rq *rq, struct av_sched_entity *e, bool head)
{
	if (head)
		list_add_head(&rq->queue[e->prio], e);
	else
		list_add_tail(&rq->queue[e->prio], e);
	rq->prio_mask |= 1u << e->prio;
	set_nr_queued(rq, rq->nr_queued + 1);
	set_state(e, AV_SCHED_RUNNABLE);
}

static void dequeue(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	list_del(&rq->queue[e->prio], e);
	if (rq->queue[e->prio] == NULL)
		rq->prio_mask &= ~(1u << e->prio);
	set_nr_queued(rq, rq->nr_queued - 1);
}

static void block_add(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	list_add_tail(&rq->blocked, e);
	rq->nr_blocked++;
}

static void block_del(struct av_sched_rq *rq, struct av_sched_entity *e)
{
	list_del(&rq->blocked, e);
	rq->nr_blocked--;
}

/* Account the time @e ran since run_start. */
static void charge(struct av_sched_entity *e, uint64_t now)
{
	uint64_t d = now > e->run_start ? now - e->run_start : 0;

	e->runtime += d;
	e->slice_left = d >= e->slice_left ? 0 : e->slice_left - d;
	e->run_start = now;
}

/* Blocked entities whose deadline passed become runnable (or running again). */
static void expire(struct av_sched_rq *rq, uint64_t now)
{
	unsigned n = rq->nr_blocked;
	struct av_sched_entity *e = rq->blocked;

	for (unsigned i = 0; i < n; i++) {
		struct av_sched_entity *next = e->next;

		if (e->deadline <= now) {
			block_del(rq, e);
			e->deadline = AV_SCHED_NO_DEADLINE;
			if (rq->curr == e) {
				set_state(e, AV_SCHED_RUNNING);
			} else {
				e->slice_left = 0;
				enqueue(rq, e, false);
			}
		}
		e = next;
	}
}

/*
 * Is a pick due on this queue (deadlines already expired)? Also at the end of every slice
 * when there are several pCPUs, so that busy pCPUs balance (pick pulls first).
 */
static bool need_resched(const struct av_sched *s, const struct av_sched_rq *rq, uint64_t now)
{
	const struct av_sched_entity *c = rq->curr;
	int top = top_prio(rq);

	if (c == NULL)
		return top != NO_PRIO;
	if (c->state != AV_SCHED_RUNNING || c->yielded)
		return true;
	if (top > (int)c->prio)
		return true;
	if (top != (int)c->prio && s->nr_cpus == 1)
		return false;
	return now >= c->run_start && now - c->run_start >= c->slice_left;
}

/* ---- set-up ---- */

uint64_t av_sched_ms_to_ticks(const struct av_sched *s, uint64_t ms)
{
	if (s == NULL)
		return 0;
	/* ms * hz / 1000 without overflow for any realistic counter frequency. */
	return ms * (s->counter_hz / 1000u) + ms * (s->counter_hz % 1000u) / 1000u;
}

int av_sched_init(struct av_sched *s, const struct av_sched_config *cfg)
{
	if (s == NULL || cfg == NULL || cfg->counter_hz == 0)
		return -AV_EINVAL;
	if (cfg->nr_cpus == 0 || cfg->nr_cpus > AV_SCHED_MAX_CPUS)
		return -AV_ERANGE;
	memset(s, 0, sizeof(*s));
	s->nr_cpus = cfg->nr_cpus;
	s->counter_hz = cfg->counter_hz;
	s->slice = cfg->slice ? cfg->slice : av_sched_ms_to_ticks(s, AV_SCHED_DEFAULT_SLICE_MS);
	if (s->slice == 0)
		return -AV_ERANGE;
	for (unsigned i = 0; i < AV_SCHED_MAX_CPUS; i++)
		atomic_flag_clear(&s->rq[i].lock);
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

/* Pull one entity to @cpu from the busiest queue, if the loads say so (file comment). */
static void balance(struct av_sched *s, unsigned cpu)
{
	struct av_sched_rq *rq = &s->rq[cpu], *from;
	unsigned mine = load_hint(rq), best = AV_SCHED_NO_CPU, best_load = 0, best_q = 0;
	struct av_sched_entity *e;

	for (unsigned c = 0; c < s->nr_cpus; c++) {
		unsigned q, l;

		if (c == cpu)
			continue;
		q = load_nr_queued(&s->rq[c]);
		l = load_hint(&s->rq[c]);
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

	from = &s->rq[best];
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

/* The pick of av_sched_pick(), under the run-queue lock of @rq (pCPU @cpu's). */
static struct av_sched_entity *pick_locked(struct av_sched *s, struct av_sched_rq *rq,
					   uint64_t now)
{
	struct av_sched_entity *prev, *next;
	int top;

	rq->nr_picks++;
	expire(rq, now);
	prev = rq->curr;
	if (prev != NULL) {
		charge(prev, now);
		if (prev->state != AV_SCHED_RUNNING) {
			/* Blocked or powered off: it leaves the pCPU. */
			prev->wake_pending = false;
			prev->yielded = false;
			set_curr(rq, NULL);
		} else {
			top = top_prio(rq);
			if (prev->yielded) {
				prev->yielded = false;
				prev->slice_left = 0;
				enqueue(rq, prev, false);
			} else if (top > (int)prev->prio) {
				enqueue(rq, prev, true);
			} else if (prev->slice_left == 0 && top == (int)prev->prio) {
				enqueue(rq, prev, false);
			} else {
				if (prev->slice_left == 0)
					prev->slice_left = __atomic_load_n(&s->slice,
									   __ATOMIC_RELAXED);
				return prev;
			}
			prev->wake_pending = false;
			set_curr(rq, NULL);
		}
	}

	next = NULL;
	top = top_prio(rq);
	if (top != NO_PRIO) {
		next = rq->queue[top];
		dequeue(rq, next);
		set_state(next, AV_SCHED_RUNNING);
		next->run_start = now;
		if (next->slice_left == 0)
			next->slice_left = __atomic_load_n(&s->slice, __ATOMIC_RELAXED);
		if (next != prev)
			next->nr_runs++;
		set_curr(rq, next);
	}
	if (next != prev)
		rq->nr_switches++;
	return next;
}

/* av_sched_next_event() under the run-queue lock of @rq. */
static uint64_t next_event_locked(const struct av_sched *s, const struct av_sched_rq *rq,
				  uint64_t now)
{
	const struct av_sched_entity *c = rq->curr, *e;
	uint64_t ev = AV_SCHED_NO_EVENT;

	if (need_resched(s, rq, now)) {
		ev = now;
	} else if (c != NULL && c->state == AV_SCHED_RUNNING &&
		   (rq->queue[c->prio] != NULL || s->nr_cpus > 1)) {
		/* need_resched() said the slice is not over: run_start + slice_left > now. */
		ev = c->run_start + c->slice_left;
		if (ev < c->run_start)
			ev = AV_SCHED_NO_EVENT;
	}
	e = rq->blocked;
	for (unsigned i = 0; i < rq->nr_blocked; i++) {
		if (e->deadline < ev)
			ev = e->deadline;
		e = e->next;
	}
	return ev < now ? now : ev;
}

struct av_sched_entity *av_sched_pick_event(struct av_sched *s, unsigned cpu, uint64_t now,
					    uint64_t *next_event)
{
	struct av_sched_rq *rq;
	struct av_sched_entity *next;

	if (s == NULL || cpu >= s->nr_cpus) {
		if (next_event)
			*next_event = AV_SCHED_NO_EVENT;
		return NULL;
	}
	rq = &s->rq[cpu];
	if (s->nr_cpus > 1)
		balance(s, cpu);
	rq_lock(rq);
	next = pick_locked(s, rq, now);
	if (next_event)
		*next_event = next_event_locked(s, rq, now);
	rq_unlock(rq);
	return next;
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
	rq = &s->rq[cpu];
	rq_lock(rq);
	expire(rq, now);
	r = need_resched(s, rq, now);
	rq_unlock(rq);
	return r ? 1 : 0;
}

int av_sched_yield(struct av_sched *s, unsigned cpu)
{
	struct av_sched_rq *rq;
	int rc = 0;

	if (s == NULL || cpu >= s->nr_cpus)
		return -AV_EINVAL;
	rq = &s->rq[cpu];
	rq_lock(rq);
	if (rq->curr == NULL || rq->curr->state != AV_SCHED_RUNNING)
		rc = -AV_ENOENT;
	else
		rq->curr->yielded = true;
	rq_unlock(rq);
	return rc;
}

int av_sched_block(struct av_sched *s, struct av_sched_entity *e, uint64_t deadline)
{
	struct av_sched_rq *rq;
	int rc = 0;

	if (s == NULL || e == NULL || !e->added)
		return -AV_EINVAL;
	rq = &s->rq[lock_entity(s, e)];
	if (e->state != AV_SCHED_RUNNING || rq->curr != e) {
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
	return e->prio == c->prio && rq->queue[e->prio] == NULL;
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
static unsigned find_idle(const struct av_sched *s, const struct av_sched_entity *e,
			  unsigned not)
{
	for (unsigned c = 0; c < s->nr_cpus; c++) {
		if (c == not || !(e->affinity & (UINT64_C(1) << c)))
			continue;
		if (load_curr(&s->rq[c]) == NULL && load_nr_queued(&s->rq[c]) == 0)
			return c;
	}
	return AV_SCHED_NO_CPU;
}

/*
 * Make @e (BLOCKED or OFF, on no list of rq[@old] any more, not its current entity)
 * runnable. rq[@old] is locked, and so is rq[@idle] when @idle is not AV_SCHED_NO_CPU.
 */
static unsigned place(struct av_sched *s, struct av_sched_entity *e, unsigned old,
		      unsigned idle)
{
	struct av_sched_rq *rq = &s->rq[old];
	unsigned kick = AV_SCHED_NO_CPU;

	e->slice_left = 0;
	e->yielded = false;
	e->wake_pending = false;
	if (idle != AV_SCHED_NO_CPU && !runs_at_once(rq, e)) {
		struct av_sched_rq *to = &s->rq[idle];

		if (to->curr == NULL && to->nr_queued == 0) {
			store_cpu(e, idle);
			e->nr_migrations++;
			enqueue(to, e, false);
			return idle;
		}
	}
	if (wants_kick(rq, e))
		kick = old;
	enqueue(rq, e, false);
	return kick;
}

/* Common body of wake and power-on. */
static int wake_common(struct av_sched *s, struct av_sched_entity *e, bool power_on,
		       unsigned *kick)
{
	unsigned old, idle, k = AV_SCHED_NO_CPU;
	enum av_sched_state from = power_on ? AV_SCHED_OFF : AV_SCHED_BLOCKED;
	struct av_sched_rq *rq;
	int rc = 0;

	if (kick != NULL)
		*kick = AV_SCHED_NO_CPU;
	if (s == NULL || e == NULL || !e->added)
		return -AV_EINVAL;
	for (;;) {
		old = load_cpu(e);
		idle = AV_SCHED_NO_CPU;
		if (load_state(e) == from)
			idle = find_idle(s, e, old);
		if (idle == AV_SCHED_NO_CPU)
			rq_lock(&s->rq[old]);
		else
			lock_pair(s, old, idle);
		if (load_cpu(e) == old)
			break;
		if (idle == AV_SCHED_NO_CPU)
			rq_unlock(&s->rq[old]);
		else
			unlock_pair(s, old, idle);
	}
	rq = &s->rq[old];

	if (power_on) {
		if (e->state != AV_SCHED_OFF || rq->curr == e)
			rc = -AV_EBUSY;
		else
			k = place(s, e, old, idle);
	} else if (e->state == AV_SCHED_RUNNING) {
		e->wake_pending = true;
	} else if (e->state == AV_SCHED_BLOCKED) {
		block_del(rq, e);
		e->deadline = AV_SCHED_NO_DEADLINE;
		if (rq->curr == e) {
			/* Blocked but not yet switched away from: cancel the block. */
			set_state(e, AV_SCHED_RUNNING);
			k = old;
		} else {
			k = place(s, e, old, idle);
		}
	}

	if (idle == AV_SCHED_NO_CPU)
		rq_unlock(rq);
	else
		unlock_pair(s, old, idle);
	if (kick != NULL)
		*kick = k;
	return rc;
}

int av_sched_wake(struct av_sched *s, struct av_sched_entity *e, unsigned *kick)
{
	return wake_common(s, e, false, kick);
}

int av_sched_power_on(struct av_sched *s, struct av_sched_entity *e, unsigned *kick)
{
	return wake_common(s, e, true, kick);
}

int av_sched_power_off(struct av_sched *s, struct av_sched_entity *e)
{
	struct av_sched_rq *rq;

	if (s == NULL || e == NULL || !e->added)
		return -AV_EINVAL;
	rq = &s->rq[lock_entity(s, e)];
	switch (e->state) {
	case AV_SCHED_RUNNABLE:
		dequeue(rq, e);
		break;
	case AV_SCHED_BLOCKED:
		block_del(rq, e);
		e->deadline = AV_SCHED_NO_DEADLINE;
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
	rq = &s->rq[cpu];
	rq_lock(rq);
	ev = next_event_locked(s, rq, now);
	rq_unlock(rq);
	return ev;
}

struct av_sched_entity *av_sched_current(struct av_sched *s, unsigned cpu)
{
	if (s == NULL || cpu >= s->nr_cpus)
		return NULL;
	return load_curr(&s->rq[cpu]);
}

unsigned av_sched_nr_queued(struct av_sched *s, unsigned cpu)
{
	if (s == NULL || cpu >= s->nr_cpus)
		return 0;
	return load_nr_queued(&s->rq[cpu]);
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
