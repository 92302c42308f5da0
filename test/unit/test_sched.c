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

	assert_int_equal(av_sched_init(&S, &cfg), 0);
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

static void test_init_args(void **state)
{
	struct av_sched_config cfg = { .nr_cpus = 2, .counter_hz = 62500000u };
	struct av_sched_entity e;

	(void)state;
	assert_int_equal(av_sched_init(NULL, &cfg), -AV_EINVAL);
	assert_int_equal(av_sched_init(&S, NULL), -AV_EINVAL);
	cfg.counter_hz = 0;
	assert_int_equal(av_sched_init(&S, &cfg), -AV_EINVAL);
	cfg.counter_hz = 62500000u;
	cfg.nr_cpus = 0;
	assert_int_equal(av_sched_init(&S, &cfg), -AV_ERANGE);
	cfg.nr_cpus = AV_SCHED_MAX_CPUS + 1;
	assert_int_equal(av_sched_init(&S, &cfg), -AV_ERANGE);
	cfg.nr_cpus = 2;
	cfg.counter_hz = 10; /* 10 ms rounds to 0 ticks */
	assert_int_equal(av_sched_init(&S, &cfg), -AV_ERANGE);
	cfg.counter_hz = 62500000u;
	assert_int_equal(av_sched_init(&S, &cfg), 0);
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
	assert_int_equal(S.rq[0].nr_blocked, 0);
	assert_int_equal(av_sched_next_event(&S, 0, now + 40), AV_SCHED_NO_EVENT);
	assert_int_equal(off.deadline, AV_SCHED_NO_DEADLINE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_args),
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
