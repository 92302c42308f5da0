/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the vCPU scheduler, driven by a fake clock.
 *
 * The simulator advances time from event to event: at each step it asks every pCPU for
 * av_sched_next_event(), charges the interval to the entity each pCPU runs (measured here,
 * independently of the scheduler's own accounting), then calls av_sched_tick() on every
 * pCPU and av_sched_pick() where it says so — what an EL2 timer interrupt handler does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/sched.h>

#include "check_err.h"

#define HZ 1000000u      /* 1 MHz counter: 1 tick = 1 us */
#define SLICE 10000u     /* the default: 10 ms */
#define MAX_ENT 8

struct ent {
	struct av_sched_entity se;
	unsigned id;
	uint64_t ran;        /* ticks measured by the simulator */
	uint64_t ran_cpu[4]; /* per pCPU */
	unsigned kick;       /* what av_sched_add() said */
};

static struct av_sched S;
static struct ent E[MAX_ENT];

static void setup_sched(unsigned ncpus, uint64_t slice)
{
	struct av_sched_config cfg = { .nr_cpus = ncpus, .counter_hz = HZ, .slice = slice };

	assert_int_equal(av_sched_init(&S, &cfg, NULL), 0);
	memset(E, 0, sizeof(E));
}

static struct ent *add(unsigned i, unsigned prio, uint64_t affinity, unsigned cpu)
{
	struct ent *x = &E[i];

	x->id = i;
	assert_int_equal(av_sched_entity_init(&x->se, prio, affinity, x), 0);
	assert_int_equal(av_sched_add(&S, &x->se, cpu, AV_SCHED_RUNNABLE, &x->kick), 0);
	return x;
}

static struct ent *ent_of(struct av_sched_entity *se)
{
	return se ? (struct ent *)se->owner : NULL;
}

/* Run every pCPU from *now to end, event by event. */
static void sim(unsigned ncpus, uint64_t *now, uint64_t end)
{
	unsigned guard = 0;

	while (*now < end) {
		uint64_t next = end;

		assert_true(++guard < 10000000u);
		for (unsigned c = 0; c < ncpus; c++) {
			uint64_t ev = av_sched_next_event(&S, c, *now);

			assert_true(ev >= *now);
			if (ev < next)
				next = ev;
		}
		for (unsigned c = 0; c < ncpus; c++) {
			struct ent *x = ent_of(av_sched_current(&S, c));

			if (x != NULL && x->se.state == AV_SCHED_RUNNING) {
				x->ran += next - *now;
				x->ran_cpu[c] += next - *now;
			}
		}
		*now = next;
		for (unsigned c = 0; c < ncpus; c++) {
			int r = av_sched_tick(&S, c, *now);

			assert_true(r == 0 || r == 1);
			if (r == 1) {
				uint64_t ev;

				/* The pick's next event is what av_sched_next_event() says. */
				av_sched_pick_event(&S, c, *now, &ev);
				assert_int_equal(ev, av_sched_next_event(&S, c, *now));
			}
			/* After a pick nothing is due at once. */
			assert_int_equal(av_sched_tick(&S, c, *now), 0);
		}
	}
}

static void start_all(unsigned ncpus, uint64_t now)
{
	for (unsigned c = 0; c < ncpus; c++)
		av_sched_pick(&S, c, now);
}

/* ---- tests ---- */

/* av_sched_init() names the field it refuses and why. */
static void test_init_errors(void **state)
{
	struct av_sched_config cfg = { .nr_cpus = 2, .counter_hz = 62500000u };
	struct av_error e;
	(void)state;

	check_err(av_sched_init(NULL, &cfg, &e), &e, -AV_EINVAL, "s", "NULL");
	check_err(av_sched_init(&S, NULL, &e), &e, -AV_EINVAL, "cfg", "NULL");
	cfg.counter_hz = 0;
	check_err(av_sched_init(&S, &cfg, &e), &e, -AV_EINVAL, "counter_hz",
		  "0 (CNTFRQ_EL0, in Hz)");
	cfg.counter_hz = 62500000u;
	cfg.nr_cpus = 0;
	check_err(av_sched_init(&S, &cfg, &e), &e, -AV_ERANGE, "nr_cpus", "0 pCPUs (1..64)");
	cfg.nr_cpus = AV_SCHED_MAX_CPUS + 1;
	check_err(av_sched_init(&S, &cfg, &e), &e, -AV_ERANGE, "nr_cpus", "65 pCPUs (1..64)");
	cfg.nr_cpus = 2;
	cfg.counter_hz = 10;
	check_err(av_sched_init(&S, &cfg, &e), &e, -AV_ERANGE, "counter_hz",
		  "10 Hz makes the default 10 ms slice 0 ticks (give slice)");
	cfg.slice = 1;
	check_err(av_sched_init(&S, &cfg, &e), &e, 0, "", "");
}

static void test_init_args(void **state)
{
	struct av_sched_config cfg = { .nr_cpus = 2, .counter_hz = 62500000u };
	struct av_sched_entity e;

	(void)state;
	assert_int_equal(av_sched_init(NULL, &cfg, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_init(&S, NULL, NULL), -AV_EINVAL);
	cfg.counter_hz = 0;
	assert_int_equal(av_sched_init(&S, &cfg, NULL), -AV_EINVAL);
	cfg.counter_hz = 62500000u;
	cfg.nr_cpus = 0;
	assert_int_equal(av_sched_init(&S, &cfg, NULL), -AV_ERANGE);
	cfg.nr_cpus = AV_SCHED_MAX_CPUS + 1;
	assert_int_equal(av_sched_init(&S, &cfg, NULL), -AV_ERANGE);
	cfg.nr_cpus = 2;
	cfg.counter_hz = 10; /* 10 ms rounds to 0 ticks */
	assert_int_equal(av_sched_init(&S, &cfg, NULL), -AV_ERANGE);
	cfg.counter_hz = 62500000u;
	assert_int_equal(av_sched_init(&S, &cfg, NULL), 0);
	/* Default slice: 10 ms of a 62.5 MHz counter. */
	assert_int_equal(S.slice, 625000u);
	assert_int_equal(av_sched_ms_to_ticks(&S, 1), 62500u);
	assert_int_equal(av_sched_set_slice(&S, 0), -AV_EINVAL);
	assert_int_equal(av_sched_set_slice(NULL, 5), -AV_EINVAL);
	assert_int_equal(av_sched_set_slice(&S, 1234), 0);
	assert_int_equal(S.slice, 1234u);

	assert_int_equal(av_sched_entity_init(NULL, 0, 0, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_entity_init(&e, AV_SCHED_NR_PRIO, 0, NULL), -AV_ERANGE);
	assert_int_equal(av_sched_entity_init(&e, 3, 0x2, NULL), 0);
	assert_int_equal(e.state, AV_SCHED_OFF);
	assert_int_equal(av_sched_add(NULL, &e, 1, AV_SCHED_RUNNABLE, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_add(&S, NULL, 1, AV_SCHED_RUNNABLE, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_add(&S, &e, 2, AV_SCHED_RUNNABLE, NULL), -AV_ERANGE);
	assert_int_equal(av_sched_add(&S, &e, 0, AV_SCHED_RUNNABLE, NULL), -AV_EINVAL); /* not allowed */
	assert_int_equal(av_sched_add(&S, &e, 1, AV_SCHED_BLOCKED, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_entity_init(&e, 3, 0x4, NULL), 0); /* only pCPU 2: absent */
	assert_int_equal(av_sched_add(&S, &e, 1, AV_SCHED_RUNNABLE, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_entity_init(&e, 3, 0x2, NULL), 0);
	/* Never added: operations refuse it. */
	assert_int_equal(av_sched_wake(&S, &e, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_block(&S, &e, 0), -AV_EINVAL);
	assert_int_equal(av_sched_power_off(&S, &e), -AV_EINVAL);
	assert_int_equal(av_sched_power_on(&S, &e, NULL), -AV_EINVAL);
	assert_int_equal(av_sched_add(&S, &e, 1, AV_SCHED_RUNNABLE, NULL), 0);
	assert_int_equal(av_sched_add(&S, &e, 1, AV_SCHED_RUNNABLE, NULL), -AV_EEXIST);
	assert_int_equal(e.state, AV_SCHED_RUNNABLE);
	/* A running entity cannot be blocked by another than itself: not RUNNING yet. */
	assert_int_equal(av_sched_block(&S, &e, 0), -AV_EBUSY);

	/* Bad pCPUs and NULLs. */
	assert_null(av_sched_pick(NULL, 0, 0));
	assert_null(av_sched_pick(&S, 2, 0));
	assert_int_equal(av_sched_tick(&S, 2, 0), -AV_EINVAL);
	assert_int_equal(av_sched_tick(NULL, 0, 0), -AV_EINVAL);
	assert_int_equal(av_sched_yield(&S, 9), -AV_EINVAL);
	assert_int_equal(av_sched_yield(&S, 0), -AV_ENOENT); /* pCPU 0 runs nothing */
	assert_int_equal(av_sched_next_event(&S, 2, 5), AV_SCHED_NO_EVENT);
	assert_null(av_sched_current(&S, 64));
	assert_int_equal(av_sched_nr_queued(&S, 64), 0);
	assert_int_equal(av_sched_nr_queued(&S, 1), 1);

	assert_string_equal(av_sched_state_name(AV_SCHED_BLOCKED), "blocked");
	assert_string_equal(av_sched_state_name(AV_SCHED_OFF), "off");
	assert_string_equal(av_sched_state_name((enum av_sched_state)9), "?");
}

static void test_priority_order(void **state)
{
	struct ent *lo, *mid, *hi;
	unsigned kick;
	uint64_t now = 100;

	(void)state;
	setup_sched(1, SLICE);
	lo = add(0, 1, 0, 0);
	hi = add(1, 5, 0, 0);
	mid = add(2, 3, 0, 0);

	assert_ptr_equal(av_sched_pick(&S, 0, now), &hi->se);
	assert_int_equal(hi->se.state, AV_SCHED_RUNNING);
	/* A busy high-priority entity keeps the pCPU past its slice: nobody of its priority. */
	now += 5 * SLICE;
	assert_int_equal(av_sched_tick(&S, 0, now), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &hi->se);
	assert_int_equal(lo->se.nr_runs, 0);
	assert_int_equal(mid->se.nr_runs, 0);

	/* It blocks: the next priority runs; then the lowest. */
	assert_int_equal(av_sched_block(&S, &hi->se, AV_SCHED_NO_DEADLINE), 0);
	assert_int_equal(av_sched_tick(&S, 0, now), 1);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &mid->se);
	assert_int_equal(av_sched_block(&S, &mid->se, AV_SCHED_NO_DEADLINE), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &lo->se);

	/* Waking the middle one preempts the lowest: kick pCPU 0. */
	now += 3000;
	assert_int_equal(av_sched_wake(&S, &mid->se, &kick), 0);
	assert_int_equal(kick, 0);
	assert_int_equal(av_sched_tick(&S, 0, now), 1);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &mid->se);
	/* The preempted one went to the head and kept the rest of its slice. */
	assert_int_equal(lo->se.state, AV_SCHED_RUNNABLE);
	assert_int_equal(lo->se.slice_left, SLICE - 3000);

	/* Waking the highest preempts the middle one too. */
	assert_int_equal(av_sched_wake(&S, &hi->se, &kick), 0);
	assert_int_equal(kick, 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &hi->se);

	/* Power-off of the running high one: the middle one is next. */
	assert_int_equal(av_sched_power_off(&S, &hi->se), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &mid->se);
}

static void test_round_robin(void **state)
{
	uint64_t now = 0, total;

	(void)state;
	setup_sched(1, SLICE);
	for (unsigned i = 0; i < 3; i++)
		add(i, 4, 0, 0);
	add(3, 2, 0, 0); /* lower priority: never runs while the three are busy */
	start_all(1, now);
	assert_ptr_equal(av_sched_current(&S, 0), &E[0].se);
	/* The timer is armed for the slice end. */
	assert_int_equal(av_sched_next_event(&S, 0, now), SLICE);
	assert_int_equal(av_sched_next_event(&S, 0, now + 1234), SLICE);

	/* First rotation: exactly one slice each, in order. */
	now = SLICE;
	assert_int_equal(av_sched_tick(&S, 0, now - 1), 0);
	assert_int_equal(av_sched_tick(&S, 0, now), 1);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &E[1].se);
	now += SLICE;
	assert_ptr_equal(av_sched_pick(&S, 0, now), &E[2].se);
	now += SLICE;
	assert_ptr_equal(av_sched_pick(&S, 0, now), &E[0].se);

	/* Then many slices: equal shares within one slice, the lower priority starved. */
	sim(1, &now, 300 * SLICE + now);
	total = E[0].ran + E[1].ran + E[2].ran;
	assert_int_equal(total, 300 * SLICE);
	for (unsigned i = 0; i < 3; i++) {
		assert_true(E[i].ran >= 100 * SLICE - SLICE);
		assert_true(E[i].ran <= 100 * SLICE + SLICE);
		/* The scheduler's own accounting agrees: it also has the first slice, and
		 * lacks the part of the current one not charged yet. */
		assert_true(E[i].se.runtime >= E[i].ran);
		assert_true(E[i].se.runtime <= E[i].ran + SLICE);
	}
	assert_int_equal(E[3].ran, 0);
	assert_int_equal(E[3].se.nr_runs, 0);
}

static unsigned count_switches(uint64_t slice, uint64_t span)
{
	uint64_t now = 0;

	setup_sched(1, slice);
	add(0, 0, 0, 0);
	add(1, 0, 0, 0);
	start_all(1, now);
	sim(1, &now, span);
	return (unsigned)S.rq[0].nr_switches;
}

static void test_slice_config(void **state)
{
	uint64_t now = 0;

	(void)state;
	/* 1 s of two busy entities: the first pick, then one switch per slice. */
	assert_int_equal(count_switches(1000, 1000000), 1 + 1000);
	assert_int_equal(count_switches(5000, 1000000), 1 + 200);
	assert_int_equal(count_switches(0, 1000000), 1 + 1000000 / SLICE); /* default 10 ms */

	/* av_sched_set_slice() applies from the next slice on. */
	setup_sched(1, 1000);
	add(0, 0, 0, 0);
	add(1, 0, 0, 0);
	start_all(1, now);
	assert_int_equal(av_sched_set_slice(&S, 4000), 0);
	assert_int_equal(av_sched_next_event(&S, 0, now), 1000);
	now = 1000;
	assert_ptr_equal(av_sched_pick(&S, 0, now), &E[1].se);
	assert_int_equal(av_sched_next_event(&S, 0, now), 1000 + 4000);
}

static void test_block_wake_deadline(void **state)
{
	struct ent *a, *b;
	unsigned kick;
	uint64_t now = 1000;

	(void)state;
	setup_sched(1, SLICE);
	a = add(0, 3, 0, 0);
	b = add(1, 3, 0, 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &a->se);

	/* WFI with the virtual timer due at now + 500: b runs meanwhile. */
	assert_int_equal(av_sched_block(&S, &a->se, now + 500), 0);
	assert_int_equal(a->se.state, AV_SCHED_BLOCKED);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &b->se);
	/* b alone at its priority: only the deadline is due. */
	assert_int_equal(av_sched_next_event(&S, 0, now), now + 500);
	assert_int_equal(av_sched_tick(&S, 0, now + 499), 0);
	assert_int_equal(a->se.state, AV_SCHED_BLOCKED);
	/* a is back; equal priority, so b keeps its slice (no pick due now) and the timer
	 * covers its end. */
	assert_int_equal(av_sched_tick(&S, 0, now + 500), 0);
	assert_int_equal(a->se.state, AV_SCHED_RUNNABLE);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 500), &b->se);
	assert_int_equal(av_sched_next_event(&S, 0, now + 500), now + SLICE);
	now += SLICE;
	assert_ptr_equal(av_sched_pick(&S, 0, now), &a->se);

	/* Block without a deadline, woken by an interrupt. */
	assert_int_equal(av_sched_block(&S, &a->se, AV_SCHED_NO_DEADLINE), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &b->se);
	assert_int_equal(av_sched_next_event(&S, 0, now), AV_SCHED_NO_EVENT);
	assert_int_equal(av_sched_wake(&S, &a->se, &kick), 0);
	/* Equal priority and nobody of it queued: kick to re-arm the slice timer. */
	assert_int_equal(kick, 0);
	assert_int_equal(av_sched_next_event(&S, 0, now + 10), now + SLICE);
	/* Waking a runnable entity again changes nothing and kicks nobody. */
	assert_int_equal(av_sched_wake(&S, &a->se, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	now += SLICE;
	assert_ptr_equal(av_sched_pick(&S, 0, now), &a->se);

	/* A wake-up while running makes the next block return 1 (do not block). */
	assert_int_equal(av_sched_wake(&S, &a->se, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	assert_true(a->se.wake_pending);
	assert_int_equal(av_sched_block(&S, &a->se, AV_SCHED_NO_DEADLINE), 1);
	assert_int_equal(a->se.state, AV_SCHED_RUNNING);
	assert_int_equal(av_sched_block(&S, &a->se, AV_SCHED_NO_DEADLINE), 0);

	/* A wake-up between block and pick cancels the block: the same entity resumes. */
	assert_int_equal(av_sched_wake(&S, &a->se, &kick), 0);
	assert_int_equal(kick, 0);
	assert_int_equal(a->se.state, AV_SCHED_RUNNING);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 1), &a->se);

	/* Same through the deadline: it passed before the pick. */
	assert_int_equal(av_sched_block(&S, &a->se, now + 5), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 5), &a->se);
	assert_int_equal(a->se.state, AV_SCHED_RUNNING);

	/* Blocking with a deadline already passed: runnable at the next pick. */
	assert_int_equal(av_sched_block(&S, &a->se, now), 0);
	assert_int_equal(av_sched_next_event(&S, 0, now + 7), now + 7);

	/* Only the running entity can block. */
	assert_int_equal(av_sched_block(&S, &b->se, AV_SCHED_NO_DEADLINE), -AV_EBUSY);
}

static void test_overcommit(void **state)
{
	uint64_t now = 0, span = 400 * SLICE;

	(void)state;
	setup_sched(2, SLICE);
	for (unsigned i = 0; i < 4; i++)
		add(i, 1, 0, 0); /* all start on pCPU 0, free to migrate */
	start_all(2, now);
	sim(2, &now, span);
	for (unsigned i = 0; i < 4; i++) {
		/* Everyone progresses; the fair share is a quarter of 2 pCPUs = span / 2. */
		assert_true(E[i].ran >= span / 2 - 2 * SLICE);
		assert_true(E[i].ran <= span / 2 + 2 * SLICE);
	}
	/* Placement and balancing brought two of them to pCPU 1, and they stay (no ping-pong):
	 * pCPU 1 was busy all the time, and there were at most two moves. */
	assert_int_equal(E[0].ran_cpu[1] + E[1].ran_cpu[1] + E[2].ran_cpu[1] + E[3].ran_cpu[1],
			 span);
	assert_true(E[0].se.nr_migrations + E[1].se.nr_migrations + E[2].se.nr_migrations +
		    E[3].se.nr_migrations <= 2);
	assert_int_equal(av_sched_nr_queued(&S, 0), 1);
	assert_int_equal(av_sched_nr_queued(&S, 1), 1);
}

static void test_pinned_vs_migrating(void **state)
{
	uint64_t now = 0, span = 100 * SLICE;

	(void)state;
	setup_sched(2, SLICE);
	for (unsigned i = 0; i < 3; i++)
		add(i, 1, 0x1, 0); /* pinned to pCPU 0 */
	start_all(2, now);
	sim(2, &now, span);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(E[i].ran_cpu[1], 0);
		assert_int_equal(E[i].se.cpu, 0);
		assert_int_equal(E[i].se.nr_migrations, 0);
		assert_true(E[i].ran >= span / 3 - SLICE);
	}
	assert_null(av_sched_current(&S, 1));

	/* A fourth, unpinned, added on pCPU 0, is placed on the idle pCPU 1 (kick it). */
	add(3, 1, 0, 0);
	assert_int_equal(E[3].kick, 1);
	sim(2, &now, now + span);
	assert_int_equal(E[3].se.cpu, 1);
	assert_int_equal(E[3].ran_cpu[1], span);

	/* Pinned entities are never pulled, even to an idle pCPU. */
	setup_sched(2, SLICE);
	add(0, 1, 0x1, 0);
	add(1, 1, 0x1, 0);
	now = 0;
	start_all(2, now);
	assert_null(av_sched_pick(&S, 1, now));
}

static void test_wake_kick(void **state)
{
	struct ent *a, *b, *c, *d;
	unsigned kick;
	uint64_t now = 0;

	(void)state;
	setup_sched(2, SLICE);
	a = add(0, 2, 0x2, 1); /* pinned to pCPU 1 */
	b = add(1, 5, 0x1, 0); /* high, pinned to pCPU 0 */
	d = add(3, 1, 0x1, 0); /* low, pinned to 0 */
	assert_int_equal(a->kick, 1);
	assert_int_equal(b->kick, 0);
	assert_int_equal(d->kick, 0); /* pCPU 0 has not picked yet: it must */
	c = &E[2];             /* free, starts OFF on pCPU 0 */
	c->id = 2;
	assert_int_equal(av_sched_entity_init(&c->se, 2, 0x3, c), 0);
	assert_int_equal(av_sched_add(&S, &c->se, 0, AV_SCHED_OFF, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &b->se);
	assert_ptr_equal(av_sched_pick(&S, 1, now), &a->se);

	/* a blocks; pCPU 1 idles (d is queued on 0 but pinned there: no pull). */
	assert_int_equal(av_sched_block(&S, &a->se, AV_SCHED_NO_DEADLINE), 0);
	assert_null(av_sched_pick(&S, 1, now));
	assert_int_equal(d->se.cpu, 0);
	/* Wake a: pCPU 1 is idle, kick it. */
	assert_int_equal(av_sched_wake(&S, &a->se, &kick), 0);
	assert_int_equal(kick, 1);
	assert_ptr_equal(av_sched_pick(&S, 1, now), &a->se);

	/* d (low) woken on pCPU 0 where b (high) runs: no kick. */
	assert_int_equal(av_sched_power_off(&S, &d->se), 0);
	assert_int_equal(av_sched_power_on(&S, &d->se, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	assert_int_equal(d->se.cpu, 0);

	/* c (free) powered on while pCPU 0 runs b (higher) and pCPU 1 runs a: stays on 0. */
	assert_int_equal(av_sched_power_on(&S, &c->se, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	assert_int_equal(c->se.cpu, 0);
	assert_int_equal(av_sched_power_on(&S, &c->se, &kick), -AV_EBUSY); /* not OFF */

	/* pCPU 1 idles: c, unable to run on 0, is powered on onto pCPU 1 instead. */
	assert_int_equal(av_sched_power_off(&S, &c->se), 0);
	assert_int_equal(av_sched_block(&S, &a->se, AV_SCHED_NO_DEADLINE), 0);
	assert_null(av_sched_pick(&S, 1, now));
	assert_int_equal(av_sched_power_on(&S, &c->se, &kick), 0);
	assert_int_equal(kick, 1);
	assert_int_equal(c->se.cpu, 1);
	assert_int_equal(c->se.nr_migrations, 1);
	assert_ptr_equal(av_sched_pick(&S, 1, now), &c->se);

	/* a (pinned to 1, prio 2 = c's) woken: kick 1 so it re-arms its timer. */
	assert_int_equal(av_sched_wake(&S, &a->se, &kick), 0);
	assert_int_equal(kick, 1);
	assert_int_equal(av_sched_next_event(&S, 1, now), now + SLICE);

	/* Waking a RUNNING entity: no kick (the vGIC's kick delivers the interrupt). */
	assert_int_equal(av_sched_wake(&S, &b->se, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	/* Waking an OFF entity does nothing. */
	assert_int_equal(av_sched_power_off(&S, &d->se), 0);
	assert_int_equal(av_sched_wake(&S, &d->se, &kick), 0);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	assert_int_equal(d->se.state, AV_SCHED_OFF);
	assert_int_equal(av_sched_wake(NULL, &d->se, &kick), -AV_EINVAL);
}

static void test_next_event(void **state)
{
	struct ent *a, *b, *c;
	uint64_t now = 50;

	(void)state;
	setup_sched(1, SLICE);
	/* Idle and empty: nothing to arm. */
	assert_int_equal(av_sched_next_event(&S, 0, now), AV_SCHED_NO_EVENT);
	a = add(0, 3, 0, 0);
	/* Idle with something queued: a decision is due now. */
	assert_int_equal(av_sched_next_event(&S, 0, now), now);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &a->se);
	/* Alone: no slice end to arm. */
	assert_int_equal(av_sched_next_event(&S, 0, now), AV_SCHED_NO_EVENT);
	/* A lower priority queued: still nothing (it waits for a to block). */
	b = add(1, 1, 0, 0);
	assert_int_equal(av_sched_next_event(&S, 0, now), AV_SCHED_NO_EVENT);
	/* An equal one: the slice end. */
	c = add(2, 3, 0, 0);
	assert_int_equal(av_sched_next_event(&S, 0, now + 100), now + SLICE);
	/* A blocked entity's earlier deadline wins; a later one does not. */
	assert_ptr_equal(av_sched_pick(&S, 0, now + 100), &a->se);
	assert_int_equal(av_sched_block(&S, &a->se, now + 300), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 100), &c->se);
	/* c alone at prio 3 now: only the deadline. */
	assert_int_equal(av_sched_next_event(&S, 0, now + 100), now + 300);
	/* Overdue slice: due now. */
	assert_int_equal(av_sched_wake(&S, &a->se, NULL), 0);
	assert_int_equal(av_sched_next_event(&S, 0, now + 100 + 2 * SLICE), now + 100 + 2 * SLICE);
	/* A yield makes a decision due at once. */
	assert_int_equal(av_sched_yield(&S, 0), 0);
	assert_int_equal(av_sched_next_event(&S, 0, now + 101), now + 101);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 101), &a->se);
	(void)b;
}

/* av_sched_pick_event(): the pick and the next event after it, in one call. */
static void test_pick_event(void **state)
{
	struct ent *a, *c;
	uint64_t now = 50, ev = 0;

	(void)state;
	setup_sched(1, SLICE);
	assert_null(av_sched_pick_event(&S, 0, now, &ev));
	assert_int_equal(ev, AV_SCHED_NO_EVENT);
	a = add(0, 3, 0, 0);
	assert_ptr_equal(av_sched_pick_event(&S, 0, now, &ev), &a->se);
	assert_int_equal(ev, AV_SCHED_NO_EVENT); /* alone: no slice end */
	c = add(2, 3, 0, 0);
	assert_ptr_equal(av_sched_pick_event(&S, 0, now + 10, &ev), &a->se);
	assert_int_equal(ev, now + SLICE); /* an equal priority queued: the slice end */
	assert_int_equal(av_sched_block(&S, &a->se, now + 300), 0);
	assert_ptr_equal(av_sched_pick_event(&S, 0, now + 20, &ev), &c->se);
	assert_int_equal(ev, now + 300); /* c alone, a's deadline */
	assert_int_equal(ev, av_sched_next_event(&S, 0, now + 20));
	assert_ptr_equal(av_sched_pick_event(&S, 0, now + 300, NULL), &c->se); /* its slice goes on */
	/* Bad arguments. */
	ev = 0;
	assert_null(av_sched_pick_event(NULL, 0, now, &ev));
	assert_int_equal(ev, AV_SCHED_NO_EVENT);
	ev = 0;
	assert_null(av_sched_pick_event(&S, AV_SCHED_MAX_CPUS, now, &ev));
	assert_int_equal(ev, AV_SCHED_NO_EVENT);
}

static void test_yield(void **state)
{
	uint64_t now = 0;

	(void)state;
	setup_sched(1, SLICE);
	add(0, 2, 0, 0);
	add(1, 2, 0, 0);
	start_all(1, now);
	assert_int_equal(av_sched_yield(&S, 0), 0);
	assert_int_equal(av_sched_tick(&S, 0, now + 1), 1);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 1), &E[1].se);
	/* The yielding one went to the tail, for a fresh slice (0: refilled when it runs). */
	assert_int_equal(E[0].se.slice_left, 0);
	/* Yield alone: runs again at once. */
	assert_int_equal(av_sched_power_off(&S, &E[0].se), 0);
	assert_int_equal(av_sched_yield(&S, 0), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 2), &E[1].se);
	assert_int_equal(S.rq[0].nr_switches, 2);
}

static void test_power(void **state)
{
	struct ent *a, *b;
	struct av_sched_entity off;
	unsigned kick;
	uint64_t now = 0;

	(void)state;
	setup_sched(1, SLICE);
	a = add(0, 2, 0, 0);
	b = add(1, 2, 0, 0);
	/* A secondary vCPU added OFF is never picked. */
	assert_int_equal(av_sched_entity_init(&off, 7, 0, NULL), 0);
	assert_int_equal(av_sched_add(&S, &off, 0, AV_SCHED_OFF, NULL), 0);
	assert_int_equal(av_sched_nr_queued(&S, 0), 2);
	assert_ptr_equal(av_sched_pick(&S, 0, now), &a->se);

	/* Power off a queued entity: it leaves the queue. Idempotent. */
	assert_int_equal(av_sched_power_off(&S, &b->se), 0);
	assert_int_equal(av_sched_power_off(&S, &b->se), 0);
	assert_int_equal(av_sched_nr_queued(&S, 0), 0);
	assert_int_equal(b->se.state, AV_SCHED_OFF);

	/* Power off the running one: it stays current until the pick, which idles. */
	assert_int_equal(av_sched_power_off(&S, &a->se), 0);
	assert_ptr_equal(av_sched_current(&S, 0), &a->se);
	/* Powering it on before that pick is refused. */
	assert_int_equal(av_sched_power_on(&S, &a->se, &kick), -AV_EBUSY);
	assert_int_equal(kick, AV_SCHED_NO_CPU);
	assert_int_equal(av_sched_tick(&S, 0, now + 10), 1);
	assert_null(av_sched_pick(&S, 0, now + 10));
	assert_null(av_sched_current(&S, 0));
	assert_int_equal(a->se.runtime, 10);

	/* Power on (CPU_ON): runnable, kick the idle pCPU; the high one preempts later. */
	assert_int_equal(av_sched_power_on(&S, &a->se, &kick), 0);
	assert_int_equal(kick, 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 20), &a->se);
	assert_int_equal(av_sched_power_on(&S, &off, &kick), 0);
	assert_int_equal(kick, 0); /* outranks a */
	assert_ptr_equal(av_sched_pick(&S, 0, now + 30), &off);

	/* Power off a blocked entity: it leaves the blocked list and its deadline. */
	assert_int_equal(av_sched_block(&S, &off, now + 100), 0);
	assert_int_equal(av_sched_power_off(&S, &off), 0);
	assert_ptr_equal(av_sched_pick(&S, 0, now + 40), &a->se);
	assert_null(S.rq[0].blocked);
	assert_int_equal(av_sched_next_event(&S, 0, now + 40), AV_SCHED_NO_EVENT);
	assert_int_equal(off.deadline, AV_SCHED_NO_DEADLINE);
}

/* ---- the pick's fast paths: the ring turn of a yield or a slice end ---- */

/* Pick with av_sched_pick_event() and check its event against av_sched_next_event(). */
static struct av_sched_entity *pick_checked(unsigned cpu, uint64_t now, uint64_t *ev)
{
	struct av_sched_entity *e = av_sched_pick_event(&S, cpu, now, ev);

	assert_int_equal(*ev, av_sched_next_event(&S, cpu, now));
	assert_int_equal(av_sched_tick(&S, cpu, now), 0);
	return e;
}

static void test_yield_ring(void **state)
{
	struct av_sched_entity *order[7];
	struct ent *h;
	uint64_t now = 100, ev;

	(void)state;
	/* Two of a priority: each yield hands the pCPU to the other one. */
	setup_sched(1, SLICE);
	add(0, 2, 0, 0);
	add(1, 2, 0, 0);
	add(2, 1, 0, 0); /* lower: never runs */
	assert_ptr_equal(pick_checked(0, now, &ev), &E[0].se);
	for (unsigned i = 1; i <= 6; i++) {
		now += 7;
		assert_int_equal(av_sched_yield(&S, 0), 0);
		assert_ptr_equal(pick_checked(0, now, &ev), &E[i % 2].se);
		/* A fresh slice for the one that runs, the other one queued for a fresh one. */
		assert_int_equal(ev, now + SLICE);
		assert_int_equal(E[i % 2].se.state, AV_SCHED_RUNNING);
		assert_int_equal(E[(i + 1) % 2].se.state, AV_SCHED_RUNNABLE);
		assert_int_equal(E[(i + 1) % 2].se.slice_left, 0);
		assert_int_equal(av_sched_nr_queued(&S, 0), 2);
	}
	assert_int_equal(S.rq[0].nr_switches, 7);
	assert_int_equal(E[0].se.nr_runs + E[1].se.nr_runs, 7);
	assert_int_equal(E[0].se.runtime + E[1].se.runtime, 6 * 7);
	assert_int_equal(E[2].se.nr_runs, 0);
	/* The same ring by av_sched_yield_pick(): no yield call before it. */
	for (unsigned i = 7; i <= 10; i++) {
		now += 7;
		assert_ptr_equal(av_sched_yield_pick(&S, 0, now, &ev), &E[i % 2].se);
		assert_int_equal(ev, now + SLICE);
		assert_int_equal(ev, av_sched_next_event(&S, 0, now));
		assert_int_equal(E[(i + 1) % 2].se.state, AV_SCHED_RUNNABLE);
		assert_false(E[i % 2].se.yielded);
	}
	assert_int_equal(S.rq[0].nr_switches, 11);
	assert_null(av_sched_yield_pick(&S, 9, now, &ev));
	assert_int_equal(ev, AV_SCHED_NO_EVENT);

	/* Three: round robin in order, by yields and by slice ends alike. */
	setup_sched(1, SLICE);
	for (unsigned i = 0; i < 3; i++)
		add(i, 4, 0, 0);
	now = 0;
	order[0] = pick_checked(0, now, &ev);
	for (unsigned i = 1; i < 7; i++) {
		if (i % 2) {
			now += 3;
			assert_int_equal(av_sched_yield(&S, 0), 0);
		} else {
			now += SLICE;
			assert_int_equal(av_sched_tick(&S, 0, now), 1);
		}
		order[i] = pick_checked(0, now, &ev);
		assert_int_equal(ev, now + SLICE);
	}
	for (unsigned i = 0; i < 7; i++)
		assert_ptr_equal(order[i], &E[i % 3].se);

	/* A yield while a higher priority is queued: that one runs, the yielder goes to the
	 * tail of its queue (behind the other two). */
	h = &E[3];
	h->id = 3;
	assert_int_equal(av_sched_entity_init(&h->se, 6, 0, h), 0);
	assert_int_equal(av_sched_add(&S, &h->se, 0, AV_SCHED_OFF, NULL), 0);
	assert_ptr_equal(av_sched_current(&S, 0), &E[0].se);
	assert_int_equal(av_sched_power_on(&S, &h->se, &h->kick), 0);
	assert_int_equal(h->kick, 0);
	assert_int_equal(av_sched_yield(&S, 0), 0);
	now += 5;
	assert_ptr_equal(pick_checked(0, now, &ev), &h->se);
	assert_int_equal(ev, AV_SCHED_NO_EVENT); /* alone at its priority */
	assert_int_equal(E[0].se.slice_left, 0);
	assert_int_equal(av_sched_block(&S, &h->se, AV_SCHED_NO_DEADLINE), 0);
	assert_ptr_equal(pick_checked(0, now, &ev), &E[1].se);
	now += SLICE;
	assert_ptr_equal(pick_checked(0, now, &ev), &E[2].se);
	now += SLICE;
	assert_ptr_equal(pick_checked(0, now, &ev), &E[0].se);

	/* Preempted (not yielding): back to the head with the rest of its slice. */
	now += 1000;
	assert_int_equal(av_sched_wake(&S, &h->se, &h->kick), 0);
	assert_int_equal(h->kick, 0);
	assert_ptr_equal(pick_checked(0, now, &ev), &h->se);
	assert_int_equal(E[0].se.slice_left, SLICE - 1000);
	assert_int_equal(av_sched_power_off(&S, &h->se), 0);
	assert_ptr_equal(pick_checked(0, now, &ev), &E[0].se);
	assert_int_equal(ev, now + SLICE - 1000);

	/* A yield with nothing else of its priority queued: it runs on with a fresh slice,
	 * no switch. */
	for (unsigned i = 1; i < 3; i++)
		assert_int_equal(av_sched_power_off(&S, &E[i].se), 0);
	assert_int_equal(av_sched_yield(&S, 0), 0);
	now += 10;
	assert_int_equal(av_sched_tick(&S, 0, now), 1);
	{
		uint64_t switches = S.rq[0].nr_switches, runs = E[0].se.nr_runs;

		assert_ptr_equal(pick_checked(0, now, &ev), &E[0].se);
		assert_int_equal(E[0].se.slice_left, SLICE);
		assert_int_equal(S.rq[0].nr_switches, switches);
		assert_int_equal(E[0].se.nr_runs, runs);
	}
	assert_int_equal(ev, AV_SCHED_NO_EVENT);
}

/* The blocked list is kept in deadline order: the next event and expiry use its head. */
static void test_deadline_order(void **state)
{
	static const uint64_t dl[6] = { 500, 200, AV_SCHED_NO_DEADLINE, 800, 200, 350 };
	struct av_sched_entity *e;
	uint64_t now = 0, ev, last;
	unsigned kick;

	(void)state;
	setup_sched(1, SLICE);
	add(6, 0, 0, 0); /* a low-priority filler keeps the pCPU busy */
	for (unsigned i = 0; i < 6; i++)
		add(i, 3, 0, 0);
	/* Each of the six runs in turn and blocks with its deadline. */
	for (unsigned i = 0; i < 6; i++) {
		assert_ptr_equal(pick_checked(0, now, &ev), &E[i].se);
		assert_int_equal(av_sched_block(&S, &E[i].se, dl[i]), 0);
	}
	assert_ptr_equal(pick_checked(0, now, &ev), &E[6].se);
	assert_int_equal(ev, 200);
	/* The list runs 200 (E1), 200 (E4: blocked later), 350, 500, 800, none. */
	e = S.rq[0].blocked;
	last = 0;
	for (unsigned i = 0; i < 6; i++, e = e->next) {
		assert_true(e->deadline >= last);
		last = e->deadline;
	}
	assert_ptr_equal(e, S.rq[0].blocked);
	assert_ptr_equal(S.rq[0].blocked, &E[1].se);
	assert_ptr_equal(S.rq[0].blocked->next, &E[4].se);
	assert_ptr_equal(S.rq[0].blocked->prev, &E[2].se);

	/* Waking the head: the next deadline takes over. */
	assert_int_equal(av_sched_wake(&S, &E[1].se, &kick), 0);
	assert_int_equal(kick, 0);
	assert_ptr_equal(pick_checked(0, now, &ev), &E[1].se);
	assert_int_equal(ev, 200);
	assert_int_equal(av_sched_block(&S, &E[1].se, 350), 0); /* behind E5's 350 */
	assert_ptr_equal(pick_checked(0, now, &ev), &E[6].se);
	/* Powering off one from the middle. */
	assert_int_equal(av_sched_power_off(&S, &E[0].se), 0);
	assert_int_equal(E[0].se.deadline, AV_SCHED_NO_DEADLINE);

	/* At 200 E4 is due; at 350 E5 then E1 (blocking order); 500 was E0's (off). */
	assert_int_equal(av_sched_next_event(&S, 0, 10), 200);
	assert_int_equal(av_sched_tick(&S, 0, 199), 0);
	assert_int_equal(av_sched_tick(&S, 0, 200), 1);
	assert_int_equal(E[4].se.state, AV_SCHED_RUNNABLE);
	assert_ptr_equal(pick_checked(0, 200, &ev), &E[4].se);
	assert_int_equal(ev, 350);
	assert_int_equal(av_sched_block(&S, &E[4].se, AV_SCHED_NO_DEADLINE), 0);
	assert_ptr_equal(pick_checked(0, 360, &ev), &E[5].se);
	assert_int_equal(E[1].se.state, AV_SCHED_RUNNABLE);
	assert_int_equal(ev, 800); /* E3's deadline comes before the slice end (E1 queued) */
	assert_int_equal(av_sched_block(&S, &E[5].se, AV_SCHED_NO_DEADLINE), 0);
	assert_ptr_equal(pick_checked(0, 360, &ev), &E[1].se);
	assert_int_equal(ev, 800);
	/* Left: E3 (800), then E2, E4 and E5 without deadline (in blocking order). */
	assert_ptr_equal(S.rq[0].blocked, &E[3].se);
	assert_ptr_equal(S.rq[0].blocked->next, &E[2].se);
	assert_ptr_equal(S.rq[0].blocked->next->next, &E[4].se);
	assert_ptr_equal(S.rq[0].blocked->prev, &E[5].se);
	/* A deadline earlier than all the others becomes the head. */
	assert_int_equal(av_sched_block(&S, &E[1].se, 400), 0);
	assert_ptr_equal(S.rq[0].blocked, &E[1].se);
	assert_ptr_equal(pick_checked(0, 360, &ev), &E[6].se);
	assert_int_equal(ev, 400);
	assert_int_equal(av_sched_tick(&S, 0, 1000), 1); /* E1 and E3 due */
	assert_ptr_equal(pick_checked(0, 1000, &ev), &E[1].se);
	assert_int_equal(E[3].se.state, AV_SCHED_RUNNABLE);
	assert_ptr_equal(S.rq[0].blocked, &E[2].se);
	assert_int_equal(ev, 1000 + SLICE);
}

/* ---- a reference model of the policy on one pCPU, for a randomized comparison ---- */

#define REF_N 6
#define REF_NONE (-1)

struct ref_ent {
	enum av_sched_state state;
	unsigned prio;
	bool yielded, wake_pending;
	uint64_t slice_left, run_start, deadline, block_seq, runtime;
};

static struct {
	struct ref_ent e[REF_N];
	int queue[AV_SCHED_NR_PRIO][REF_N]; /* FIFO per priority, head first */
	unsigned len[AV_SCHED_NR_PRIO];
	int curr;
	uint64_t slice, seq;
} R;

static void ref_push(int i, bool head)
{
	unsigned p = R.e[i].prio;

	if (head) {
		memmove(&R.queue[p][1], &R.queue[p][0], R.len[p] * sizeof(int));
		R.queue[p][0] = i;
	} else {
		R.queue[p][R.len[p]] = i;
	}
	R.len[p]++;
	R.e[i].state = AV_SCHED_RUNNABLE;
}

static void ref_remove(int i)
{
	unsigned p = R.e[i].prio, k = 0;

	while (R.queue[p][k] != i)
		k++;
	memmove(&R.queue[p][k], &R.queue[p][k + 1], (R.len[p] - k - 1) * sizeof(int));
	R.len[p]--;
}

static int ref_top(void)
{
	for (int p = AV_SCHED_NR_PRIO - 1; p >= 0; p--)
		if (R.len[p] > 0)
			return p;
	return REF_NONE;
}

/* Due deadlines, earliest first (ties: blocking order). */
static void ref_expire(uint64_t now)
{
	for (;;) {
		int best = REF_NONE;

		for (int i = 0; i < REF_N; i++) {
			struct ref_ent *x = &R.e[i];

			if (x->state != AV_SCHED_BLOCKED || x->deadline > now)
				continue;
			if (best == REF_NONE || x->deadline < R.e[best].deadline ||
			    (x->deadline == R.e[best].deadline &&
			     x->block_seq < R.e[best].block_seq))
				best = i;
		}
		if (best == REF_NONE)
			return;
		R.e[best].deadline = AV_SCHED_NO_DEADLINE;
		if (R.curr == best) {
			R.e[best].state = AV_SCHED_RUNNING;
		} else {
			R.e[best].slice_left = 0;
			ref_push(best, false);
		}
	}
}

static bool ref_need_resched(uint64_t now)
{
	struct ref_ent *c;

	if (R.curr == REF_NONE)
		return ref_top() != REF_NONE;
	c = &R.e[R.curr];
	if (c->state != AV_SCHED_RUNNING || c->yielded || ref_top() > (int)c->prio)
		return true;
	if (ref_top() != (int)c->prio)
		return false; /* one pCPU */
	return now >= c->run_start && now - c->run_start >= c->slice_left;
}

static uint64_t ref_next_event(uint64_t now)
{
	uint64_t ev = AV_SCHED_NO_EVENT;

	if (ref_need_resched(now)) {
		ev = now;
	} else if (R.curr != REF_NONE && R.len[R.e[R.curr].prio] > 0) {
		struct ref_ent *c = &R.e[R.curr];

		ev = c->run_start + c->slice_left < c->run_start ? AV_SCHED_NO_EVENT :
								   c->run_start + c->slice_left;
	}
	for (int i = 0; i < REF_N; i++)
		if (R.e[i].state == AV_SCHED_BLOCKED && R.e[i].deadline < ev)
			ev = R.e[i].deadline;
	return ev < now ? now : ev;
}

/* The pick as the policy states it: the current entity is queued back, then the top runs. */
static int ref_pick(uint64_t now)
{
	int prev = R.curr, next;

	ref_expire(now);
	if (prev != REF_NONE) {
		struct ref_ent *c = &R.e[prev];
		uint64_t d = now > c->run_start ? now - c->run_start : 0;

		c->runtime += d;
		c->slice_left = d >= c->slice_left ? 0 : c->slice_left - d;
		c->run_start = now;
		R.curr = REF_NONE;
		if (c->state != AV_SCHED_RUNNING) {
			c->wake_pending = false;
			c->yielded = false;
		} else {
			int top = ref_top();

			if (c->yielded) {
				c->yielded = false;
				c->slice_left = 0;
				ref_push(prev, false);
			} else if (top > (int)c->prio) {
				ref_push(prev, true);
			} else if (c->slice_left == 0 && top == (int)c->prio) {
				ref_push(prev, false);
			} else {
				if (c->slice_left == 0)
					c->slice_left = R.slice;
				R.curr = prev;
				return prev;
			}
			c->wake_pending = false;
		}
	}
	if (ref_top() == REF_NONE)
		return REF_NONE;
	next = R.queue[ref_top()][0];
	ref_remove(next);
	R.e[next].state = AV_SCHED_RUNNING;
	R.e[next].run_start = now;
	if (R.e[next].slice_left == 0)
		R.e[next].slice_left = R.slice;
	R.curr = next;
	return next;
}

static bool ref_wants_kick(int i)
{
	struct ref_ent *c = R.curr == REF_NONE ? NULL : &R.e[R.curr];

	if (c == NULL || c->state != AV_SCHED_RUNNING || c->yielded)
		return true;
	if (R.e[i].prio > c->prio)
		return true;
	return R.e[i].prio == c->prio && R.len[R.e[i].prio] == 0;
}

static unsigned ref_make_runnable(int i)
{
	bool kick = ref_wants_kick(i);

	R.e[i].slice_left = 0;
	ref_push(i, false);
	return kick ? 0 : AV_SCHED_NO_CPU;
}

static unsigned ref_wake(int i)
{
	struct ref_ent *x = &R.e[i];

	if (x->state == AV_SCHED_RUNNING) {
		x->wake_pending = true;
	} else if (x->state == AV_SCHED_BLOCKED) {
		x->deadline = AV_SCHED_NO_DEADLINE;
		if (R.curr == i) {
			x->state = AV_SCHED_RUNNING;
			return 0;
		}
		return ref_make_runnable(i);
	}
	return AV_SCHED_NO_CPU;
}

static int ref_block(int i, uint64_t deadline)
{
	struct ref_ent *x = &R.e[i];

	if (x->state != AV_SCHED_RUNNING || R.curr != i)
		return -AV_EBUSY;
	if (x->wake_pending) {
		x->wake_pending = false;
		return 1;
	}
	x->state = AV_SCHED_BLOCKED;
	x->deadline = deadline;
	x->block_seq = ++R.seq;
	return 0;
}

static void ref_power_off(int i)
{
	struct ref_ent *x = &R.e[i];

	if (x->state == AV_SCHED_RUNNABLE)
		ref_remove(i);
	x->deadline = AV_SCHED_NO_DEADLINE;
	x->state = AV_SCHED_OFF;
	x->wake_pending = false;
	x->yielded = false;
}

static void ref_check_entities(void)
{
	for (int i = 0; i < REF_N; i++) {
		assert_int_equal(E[i].se.state, R.e[i].state);
		assert_int_equal(E[i].se.runtime, R.e[i].runtime);
		if (R.e[i].state != AV_SCHED_OFF)
			assert_int_equal(E[i].se.deadline, R.e[i].deadline);
		if (R.e[i].state == AV_SCHED_RUNNABLE || R.curr == i)
			assert_int_equal(E[i].se.slice_left, R.e[i].slice_left);
	}
	assert_ptr_equal(av_sched_current(&S, 0), R.curr == REF_NONE ? NULL : &E[R.curr].se);
}

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

/* Random yields, blocks, wakes, power cycles, ticks and picks against the reference. */
static void test_reference_model(void **state)
{
	static const unsigned prios[REF_N] = { 2, 2, 2, 5, 1, 2 };
	uint64_t now = 1000;

	(void)state;
	for (unsigned round = 0; round < 20; round++) {
		uint64_t slice = 50 + 25 * (round % 4);

		rng_state = 0x5eed0000u + round;
		setup_sched(1, slice);
		memset(&R, 0, sizeof(R));
		R.curr = REF_NONE;
		R.slice = slice;
		for (int i = 0; i < REF_N; i++) {
			add((unsigned)i, prios[i], 0, 0);
			R.e[i].prio = prios[i];
			R.e[i].deadline = AV_SCHED_NO_DEADLINE;
			ref_push(i, false);
		}
		for (unsigned step = 0; step < 3000; step++) {
			int i = (int)rnd(REF_N), rc;
			uint64_t ev;
			unsigned kick;
			struct av_sched_entity *e;

			now += rnd(4) == 0 ? rnd(3 * (unsigned)slice) : rnd(8);
			switch (rnd(10)) {
			case 0: /* a yield (WFE) */
				rc = av_sched_yield(&S, 0);
				if (R.curr != REF_NONE && R.e[R.curr].state == AV_SCHED_RUNNING) {
					assert_int_equal(rc, 0);
					R.e[R.curr].yielded = true;
				} else {
					assert_int_equal(rc, -AV_ENOENT);
				}
				break;
			case 1: /* the running entity blocks (WFI), with or without a deadline */
				if (R.curr == REF_NONE)
					break;
				i = R.curr;
				ev = now + rnd(4 * (unsigned)slice);
				if (rnd(3) == 0)
					ev = AV_SCHED_NO_DEADLINE;
				rc = av_sched_block(&S, &E[i].se, ev);
				assert_int_equal(rc, ref_block(i, ev));
				break;
			case 2:
			case 3: /* an interrupt for someone */
				assert_int_equal(av_sched_wake(&S, &E[i].se, &kick), 0);
				assert_int_equal(kick, ref_wake(i));
				break;
			case 4: /* power cycle */
				if (rnd(2) == 0) {
					assert_int_equal(av_sched_power_off(&S, &E[i].se), 0);
					ref_power_off(i);
				} else {
					rc = av_sched_power_on(&S, &E[i].se, &kick);
					if (R.e[i].state != AV_SCHED_OFF || R.curr == i) {
						assert_int_equal(rc, -AV_EBUSY);
						assert_int_equal(kick, AV_SCHED_NO_CPU);
					} else {
						assert_int_equal(rc, 0);
						assert_int_equal(kick, ref_make_runnable(i));
					}
				}
				break;
			case 5: /* the timer */
				rc = av_sched_tick(&S, 0, now);
				ref_expire(now);
				assert_int_equal(rc, ref_need_resched(now));
				break;
			case 6:
				ev = av_sched_next_event(&S, 0, now);
				assert_int_equal(ev, ref_next_event(now));
				break;
			case 7: /* a yield and its pick in one call */
				e = av_sched_yield_pick(&S, 0, now, &ev);
				if (R.curr != REF_NONE && R.e[R.curr].state == AV_SCHED_RUNNING)
					R.e[R.curr].yielded = true;
				rc = ref_pick(now);
				assert_ptr_equal(e, rc == REF_NONE ? NULL : &E[rc].se);
				assert_int_equal(ev, ref_next_event(now));
				break;
			default: /* a scheduling point */
				e = av_sched_pick_event(&S, 0, now, &ev);
				rc = ref_pick(now);
				assert_ptr_equal(e, rc == REF_NONE ? NULL : &E[rc].se);
				assert_int_equal(ev, ref_next_event(now));
				assert_int_equal(ev, av_sched_next_event(&S, 0, now));
				break;
			}
			ref_check_entities();
		}
	}
}

/* ---- several pCPUs: random operations keep the run queues consistent ---- */

static void check_queues(unsigned ncpus, unsigned nent)
{
	unsigned seen[MAX_ENT] = { 0 };

	for (unsigned c = 0; c < ncpus; c++) {
		struct av_sched_rq *rq = &S.rq[c];
		struct av_sched_entity *e;
		unsigned n = 0;

		for (unsigned p = 0; p < AV_SCHED_NR_PRIO; p++) {
			struct av_sched_entity *h = rq->queue[p];

			assert_int_equal(!!(rq->prio_mask & (1u << p)), h != NULL);
			if (h == NULL)
				continue;
			e = h;
			do {
				assert_int_equal(e->state, AV_SCHED_RUNNABLE);
				assert_int_equal(e->prio, p);
				assert_int_equal(e->cpu, c);
				assert_ptr_equal(e->next->prev, e);
				seen[ent_of(e)->id]++;
				n++;
				e = e->next;
			} while (e != h);
		}
		assert_int_equal(rq->nr_queued, n);
		if (rq->blocked != NULL) {
			uint64_t last = 0;

			e = rq->blocked;
			do {
				assert_int_equal(e->state, AV_SCHED_BLOCKED);
				assert_int_equal(e->cpu, c);
				assert_true(e->deadline >= last);
				assert_ptr_equal(e->next->prev, e);
				last = e->deadline;
				seen[ent_of(e)->id]++;
				e = e->next;
			} while (e != rq->blocked);
		}
		if (rq->curr != NULL) {
			assert_int_equal(rq->curr->cpu, c);
			assert_true(rq->curr->state != AV_SCHED_RUNNABLE);
		}
	}
	for (unsigned i = 0; i < nent; i++) {
		struct av_sched_entity *e = &E[i].se;

		assert_true(e->affinity & (UINT64_C(1) << e->cpu));
		/* Queued, or blocked (on the list from the block on, even as the current
		 * entity), exactly once. */
		assert_int_equal(seen[i], e->state == AV_SCHED_RUNNABLE ||
						  e->state == AV_SCHED_BLOCKED);
		if (e->state == AV_SCHED_RUNNING)
			assert_ptr_equal(S.rq[e->cpu].curr, e);
		if (S.rq[e->cpu].curr != e)
			assert_true(!e->yielded && !e->wake_pending);
	}
}

static void test_smp_consistency(void **state)
{
	static const uint64_t aff[MAX_ENT] = { 0, 0x1, 0x6, 0, 0x4, 0, 0x3, 0 };
	uint64_t now = 0;

	(void)state;
	for (unsigned round = 0; round < 10; round++) {
		unsigned ncpus = 2 + round % 3;

		rng_state = 0xabc00000u + round;
		setup_sched(ncpus, 300);
		for (unsigned i = 0; i < MAX_ENT; i++) {
			uint64_t a = aff[i] & ((UINT64_C(1) << ncpus) - 1);
			unsigned cpu = a ? (unsigned)__builtin_ctzll(a) : 0;

			if (aff[i] != 0 && a == 0)
				a = 0x1; /* that pCPU is absent: pin to 0 */
			add(i, i % 3, a, a ? (unsigned)__builtin_ctzll(a) : cpu);
		}
		start_all(ncpus, now);
		for (unsigned step = 0; step < 4000; step++) {
			unsigned c = rnd(ncpus), i = rnd(MAX_ENT), kick;
			struct av_sched_entity *cur = av_sched_current(&S, c), *e;
			uint64_t ev;

			now += rnd(40);
			switch (rnd(8)) {
			case 0:
				av_sched_yield(&S, c);
				break;
			case 1:
				ev = rnd(2) ? now + rnd(900) : AV_SCHED_NO_DEADLINE;
				if (cur != NULL)
					av_sched_block(&S, cur, ev);
				break;
			case 2:
			case 3:
				assert_int_equal(av_sched_wake(&S, &E[i].se, &kick), 0);
				assert_true(kick == AV_SCHED_NO_CPU || kick < ncpus);
				break;
			case 4:
				if (rnd(2))
					av_sched_power_off(&S, &E[i].se);
				else
					av_sched_power_on(&S, &E[i].se, &kick);
				break;
			default:
				if (av_sched_tick(&S, c, now) == 1 || rnd(2)) {
					e = pick_checked(c, now, &ev);
					assert_true(ev >= now);
					if (e != NULL)
						assert_int_equal(e->cpu, c);
				}
				break;
			}
			check_queues(ncpus, MAX_ENT);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_priority_order),
		cmocka_unit_test(test_round_robin),
		cmocka_unit_test(test_slice_config),
		cmocka_unit_test(test_block_wake_deadline),
		cmocka_unit_test(test_overcommit),
		cmocka_unit_test(test_pinned_vs_migrating),
		cmocka_unit_test(test_wake_kick),
		cmocka_unit_test(test_next_event),
		cmocka_unit_test(test_pick_event),
		cmocka_unit_test(test_yield),
		cmocka_unit_test(test_power),
		cmocka_unit_test(test_yield_ring),
		cmocka_unit_test(test_deadline_order),
		cmocka_unit_test(test_reference_model),
		cmocka_unit_test(test_smp_consistency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
