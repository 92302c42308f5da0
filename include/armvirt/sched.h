/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/sched.h
 * @brief vCPU scheduling: per-pCPU run queues, fixed priorities, round-robin time slices,
 *        blocking with deadlines (WFI), kicks, idle load balancing.
 *
 * The scheduler is a portable core with no clock and no hardware of its own: every call
 * that depends on time takes `now`, a value of the caller's monotonic counter (on bare
 * metal CNTPCT_EL0, in counter ticks). The caller runs the decisions:
 *
 * - at every scheduling point of pCPU `cpu` (the EL2 timer fired and av_sched_tick() said
 *   so, the running vCPU blocked, yielded or powered off, a kick arrived) it calls
 *   av_sched_pick() and runs the entity it returns (or idles when it returns NULL);
 * - before entering a guest or idling it arms the EL2 physical timer for
 *   av_sched_next_event();
 * - when it makes an interrupt pending for a vCPU it calls av_sched_wake() and sends a
 *   physical SGI ("kick") to the pCPU it names, if any.
 *
 * `struct av_sched_entity` is embedded by the caller in its vCPU (container_of style, or
 * through av_sched_entity::owner).
 *
 * **Entity states.** #AV_SCHED_RUNNING: the current entity of its pCPU (exactly one per
 * pCPU at most); #AV_SCHED_RUNNABLE: queued on its pCPU's run queue; #AV_SCHED_BLOCKED:
 * on its pCPU's blocked list until av_sched_wake() or its deadline; #AV_SCHED_OFF: on no
 * list (powered off). An entity leaves RUNNING only at av_sched_pick() on its pCPU: a
 * blocked, yielded or powered-off current entity stays the pCPU's current entity (the
 * caller is still saving its state) until the next pick replaces it.
 *
 * **Policy (the starvation rules).** Priorities are fixed, 0 (lowest) to
 * #AV_SCHED_NR_PRIO - 1 (highest). On one pCPU:
 * 1. a runnable entity of higher priority always runs before one of lower priority: a
 *    wake-up or power-on of a higher-priority entity preempts the running one at the next
 *    pick (av_sched_wake() names the pCPU to kick for that);
 * 2. entities of equal priority share the pCPU by round robin: each runs for at most one
 *    slice (av_sched_config::slice, default 10 ms) while another of its priority is
 *    runnable there, then goes to the tail of its priority's queue with a fresh slice; a
 *    preempted entity goes back to the head of its queue and keeps the rest of its slice;
 *    a yielding one goes to the tail;
 * 3. an entity of lower priority runs only while no entity of higher priority is runnable
 *    on that pCPU. Consequently a busy (never blocking) high-priority vCPU starves every
 *    lower-priority vCPU of its pCPU for as long as it stays busy. There is no aging.
 *    Priorities are not compared across pCPUs: a pinned low-priority entity on an
 *    otherwise idle pCPU runs while higher-priority entities wait elsewhere.
 *
 * **Placement and migration.** av_sched_entity::affinity is the set of pCPUs the entity
 * may run on (bit i = pCPU i); one bit pins it. Entities move between pCPUs only:
 * - at av_sched_wake(), av_sched_power_on() and av_sched_add(): an entity that cannot run
 *   immediately on its own pCPU (something of equal or higher priority runs there) goes to
 *   an idle pCPU (nothing running, nothing queued) of its affinity if there is one, lowest
 *   index first, and that pCPU is named for a kick;
 * - at av_sched_pick() (pull balancing): when the picking pCPU's load (queued + running)
 *   is at least two below the busiest other pCPU's load, or it has nothing to run at all
 *   and another queue holds something, it pulls the highest-priority queued entity whose
 *   affinity includes it from the busiest pCPU. Running and blocked entities never move.
 *   With more than one pCPU, a busy pCPU gets a decision at the end of every slice even
 *   when nothing shares its priority (av_sched_next_event(), av_sched_tick()), so uneven
 *   loads even out within a slice; an idle pCPU has no timer and relies on kicks. Loads
 *   are sampled without locks; a stale sample only delays or skips a pull.
 *
 * **Blocking (WFI).** The WFI handler of the running entity calls av_sched_block() with
 * a deadline (the virtual timer's next expiry, av_vtimer_next_expiry(), or
 * #AV_SCHED_NO_DEADLINE), then av_sched_pick(). Lost wake-ups cannot happen: a wake-up
 * of the running entity before it blocks is remembered and makes av_sched_block() return
 * 1 (do not block: resume the guest); a wake-up after av_sched_block() but before the next
 * pick cancels the block (the pick returns the same entity). A WFI may therefore return
 * early once, which the architecture allows. The deadline is checked by the entity's
 * pCPU at av_sched_tick()/av_sched_pick(), and av_sched_next_event() includes it; the
 * entities whose deadlines have passed by then are made runnable earliest deadline first
 * (equal deadlines in the order they blocked).
 *
 * **Locking.** Each pCPU's run queue has a spinlock (stdatomic `atomic_flag`, acquire /
 * release), held only inside the calls of this module. Any call may be made from any
 * pCPU. Lock order: run-queue locks in ascending pCPU index, at most two at once (a
 * migration). No caller lock is taken by this module and no callback is made, so a
 * caller may hold its own locks (VM lock, vGIC locks) around these calls. Entity fields
 * marked "config" are read under the locks and must not change while the entity is added;
 * the others belong to the scheduler.
 *
 * Freestanding: stdint/stddef/stdbool/stdatomic only; nothing is allocated.
 */
#ifndef ARMVIRT_SCHED_H
#define ARMVIRT_SCHED_H

#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most pCPUs one scheduler manages (the width of an affinity mask). */
#define AV_SCHED_MAX_CPUS 64
/** Number of priority levels: 0 (lowest) .. #AV_SCHED_NR_PRIO - 1 (highest). */
#define AV_SCHED_NR_PRIO 32
/** A block without a deadline. */
#define AV_SCHED_NO_DEADLINE UINT64_MAX
/** av_sched_next_event(): nothing to arm. */
#define AV_SCHED_NO_EVENT UINT64_MAX
/** "No pCPU": no kick needed. */
#define AV_SCHED_NO_CPU 0xffffffffu
/** Default slice in milliseconds when av_sched_config::slice is 0. */
#define AV_SCHED_DEFAULT_SLICE_MS 10u

/** Scheduling state of an entity (see the file comment). */
enum av_sched_state {
	AV_SCHED_OFF = 0,      /**< powered off: on no list, never picked */
	AV_SCHED_RUNNABLE = 1, /**< queued on its pCPU */
	AV_SCHED_RUNNING = 2,  /**< the current entity of its pCPU */
	AV_SCHED_BLOCKED = 3,  /**< waiting for av_sched_wake() or its deadline */
};

/**
 * A schedulable thing (a vCPU). Embedded by the caller, initialised with
 * av_sched_entity_init(). Fields are read-only for the caller unless marked "config".
 */
struct av_sched_entity {
	struct av_sched_entity *next;  /**< list link (private) */
	struct av_sched_entity *prev;  /**< list link (private) */
	void *owner;                   /**< config: free for the caller (e.g. its vCPU) */
	uint64_t affinity;             /**< config: pCPUs allowed (bit i = pCPU i) */
	unsigned prio;                 /**< config: 0..#AV_SCHED_NR_PRIO - 1, higher runs first */
	enum av_sched_state state;     /**< current state */
	unsigned cpu;                  /**< pCPU whose lists hold it (read atomically) */
	bool added;                    /**< av_sched_add() was called */
	bool wake_pending;             /**< woken while RUNNING: the next block returns 1 */
	bool yielded;                  /**< yielded: to the tail at the next pick */
	uint64_t slice_left;           /**< ticks left in its slice; 0 (queued): a fresh one */
	uint64_t run_start;            /**< counter value its running time is charged from */
	uint64_t deadline;             /**< BLOCKED: wake-up time, or #AV_SCHED_NO_DEADLINE */
	uint64_t runtime;              /**< statistics: ticks spent RUNNING */
	uint64_t nr_runs;              /**< statistics: times picked after not running */
	uint64_t nr_migrations;        /**< statistics: moves to another pCPU */
};

/** One pCPU's run queue. Private; in struct av_sched. */
struct av_sched_rq {
	av_atomic_flag lock;                               /**< the run-queue lock */
	struct av_sched_entity *curr;                      /**< current entity, or NULL (idle) */
	struct av_sched_entity *queue[AV_SCHED_NR_PRIO];   /**< circular list per priority */
	uint32_t prio_mask;                                /**< bit p: queue[p] not empty */
	unsigned nr_queued;                                /**< entities in the queues */
	struct av_sched_entity *blocked;                   /**< circular list of BLOCKED by deadline */
	uint64_t nr_picks;                                 /**< statistics: av_sched_pick() calls */
	uint64_t nr_switches;                              /**< statistics: picks that changed curr */
};

/** Configuration for av_sched_init(). */
struct av_sched_config {
	unsigned nr_cpus;     /**< pCPUs, 1..#AV_SCHED_MAX_CPUS */
	uint64_t counter_hz;  /**< frequency of the caller's counter (CNTFRQ_EL0), non-zero */
	/** Time slice in counter ticks; 0 gives #AV_SCHED_DEFAULT_SLICE_MS milliseconds. */
	uint64_t slice;
};

/** A scheduler. Caller-allocated; initialise with av_sched_init(). Fields are private. */
struct av_sched {
	unsigned nr_cpus;                          /**< pCPUs */
	uint64_t counter_hz;                       /**< counter frequency */
	uint64_t slice;                            /**< slice in ticks */
	struct av_sched_rq rq[AV_SCHED_MAX_CPUS];  /**< run queues */
};

/**
 * Initialise @p s: every run queue empty and idle.
 * @param s the scheduler
 * @param cfg configuration, copied
 * @param err receives the field ("nr_cpus", "counter_hz", ...) and the reason on failure
 *            (may be NULL; see struct av_error); cleared on success
 * @return 0; -AV_EINVAL for NULL arguments, a zero counter frequency; -AV_ERANGE for a
 *         pCPU count outside 1..#AV_SCHED_MAX_CPUS or a default slice that rounds to 0
 */
int av_sched_init(struct av_sched *s, const struct av_sched_config *cfg, struct av_error *err);

/**
 * Change the slice (counter ticks, non-zero). Slices already started keep their length.
 * @param s the scheduler
 * @param slice time slice in counter ticks
 * @return 0 or -AV_EINVAL
 */
int av_sched_set_slice(struct av_sched *s, uint64_t slice);

/**
 * Initialise an entity: OFF, not added, with @p prio and @p affinity (0 means "every pCPU").
 * @param e the entity
 * @param prio priority (0 highest)
 * @param affinity bit n set: may run on pCPU n
 * @param owner the caller's object (e.g. the vCPU)
 * @return 0; -AV_EINVAL for NULL; -AV_ERANGE for a priority >= #AV_SCHED_NR_PRIO
 */
int av_sched_entity_init(struct av_sched_entity *e, unsigned prio, uint64_t affinity,
			 void *owner);

/**
 * Hand @p e to the scheduler with @p cpu as its initial pCPU, in state @p state:
 * #AV_SCHED_OFF (e.g. a secondary vCPU waiting for PSCI CPU_ON) or #AV_SCHED_RUNNABLE
 * (placed as by av_sched_power_on(): on @p cpu, or on an idle pCPU of its affinity when it
 * could not run at once on @p cpu). The affinity is clipped to the scheduler's pCPUs.
 * @param kick  as for av_sched_wake(); may be NULL
 * @param s the scheduler
 * @param e the entity
 * @param cpu physical CPU index
 * @param state initial state (RUNNABLE or OFF)
 * @return 0; -AV_EINVAL for NULL, a bad @p state, @p cpu outside @p e's affinity or an
 *         affinity with no pCPU of this scheduler; -AV_ERANGE for a bad @p cpu;
 *         -AV_EEXIST when @p e was already added
 */
int av_sched_add(struct av_sched *s, struct av_sched_entity *e, unsigned cpu,
		 enum av_sched_state state, unsigned *kick);

/**
 * Choose what pCPU @p cpu runs next, at time @p now.
 *
 * In order: blocked entities of this pCPU whose deadline is <= @p now become runnable
 * (earliest deadline first);
 * the current entity is charged for the time since it started; it leaves the pCPU if it
 * blocked, yielded (to the tail of its queue), powered off, was outranked by a queued
 * entity (to the head of its queue, keeping its remaining slice), or used up its slice
 * while an equal-priority entity is queued (to the tail, fresh slice). Pull balancing
 * (file comment) may bring one entity over. Then the head of the highest non-empty
 * priority queue runs (with a fresh slice if its last one was used up).
 *
 * @param s the scheduler
 * @param cpu physical CPU index
 * @param now counter value now
 * @return the entity to run (state RUNNING; may be the same as before), or NULL to idle
 *         (also for bad arguments).
 */
struct av_sched_entity *av_sched_pick(struct av_sched *s, unsigned cpu, uint64_t now);

/**
 * av_sched_pick() and av_sched_next_event() in one call (one lock round): the entity to run
 * and, in `*next_event` (if @p next_event is not NULL), when pCPU @p cpu should next be
 * interrupted after this pick. The value stays right until this pCPU's run queue changes
 * again: a wake-up, power-on or deadline that needs a decision here is reported by
 * av_sched_wake()/av_sched_power_on() naming this pCPU or by av_sched_tick(); a wake-up
 * placed on this pCPU without a kick does not make the next event earlier (with one pCPU,
 * the slice end matters once an equal priority is queued: av_sched_wake() names the pCPU
 * then), so a caller may arm the EL2 timer from it and call av_sched_next_event() only
 * after such a report.
 * @param s the scheduler
 * @param cpu physical CPU index
 * @param now counter value now
 * @param next_event receives the counter value of the next scheduling event
 * @return as av_sched_pick(); `*next_event` is #AV_SCHED_NO_EVENT for bad arguments
 */
struct av_sched_entity *av_sched_pick_event(struct av_sched *s, unsigned cpu, uint64_t now,
					    uint64_t *next_event);

/**
 * av_sched_yield() and av_sched_pick_event() in one call (one lock round): the running
 * entity of pCPU @p cpu, if any, gives up the rest of its slice and the pick follows at
 * once. The world switch of a yield (WFE, a guest's yield hypercall) between entities of
 * one priority.
 * @param s the scheduler
 * @param cpu physical CPU index
 * @param now counter value now
 * @param next_event as for av_sched_pick_event() (may be NULL)
 * @return as av_sched_pick_event()
 */
struct av_sched_entity *av_sched_yield_pick(struct av_sched *s, unsigned cpu, uint64_t now,
					    uint64_t *next_event);

/**
 * The timer interrupt of pCPU @p cpu (or any other moment): wake blocked entities whose
 * deadline passed and say whether av_sched_pick() would change what runs.
 * @param s the scheduler
 * @param cpu physical CPU index
 * @param now counter value now
 * @return 1 if the caller should call av_sched_pick() (the current entity's slice is over
 *         and an equal-priority entity waits, or there are several pCPUs (a balancing
 *         point); a higher-priority one is queued; the pCPU is idle with something queued;
 *         or the current entity blocked/yielded/powered off); 0 otherwise; -AV_EINVAL for
 *         bad arguments
 */
int av_sched_tick(struct av_sched *s, unsigned cpu, uint64_t now);

/**
 * The running entity of pCPU @p cpu gives up the rest of its slice (WFE, or a guest
 * yield): at the next pick it goes to the tail of its priority queue (it runs again at
 * once if nothing else of its priority or higher is queued).
 * @param s the scheduler
 * @param cpu physical CPU index
 * @return 0; -AV_EINVAL for bad arguments; -AV_ENOENT when the pCPU runs nothing
 */
int av_sched_yield(struct av_sched *s, unsigned cpu);

/**
 * The running entity @p e waits for an interrupt (WFI) until av_sched_wake() or until the
 * counter reaches @p deadline (#AV_SCHED_NO_DEADLINE: no deadline). Call av_sched_pick()
 * next unless it returned 1.
 * @param s the scheduler
 * @param e the entity
 * @param deadline counter value to wake at, UINT64_MAX for none
 * @return 0 (now BLOCKED); 1 when a wake-up arrived since it started running (still
 *         RUNNING: resume it); -AV_EINVAL for NULL; -AV_EBUSY when @p e is not RUNNING
 */
int av_sched_block(struct av_sched *s, struct av_sched_entity *e, uint64_t deadline);

/**
 * Something (an interrupt made pending, a message) wants @p e to run. A BLOCKED entity
 * becomes RUNNABLE (or RUNNING again, when its pCPU has not picked since it blocked); a
 * RUNNING one remembers the wake-up for its next block; RUNNABLE and OFF ones are not
 * changed.
 *
 * @param kick  receives the pCPU that must reschedule (send it a kick, or call
 *              av_sched_pick() if it is the calling pCPU): the one @p e was queued on
 *              when it is idle or runs something of lower priority, or the one running
 *              @p e when it was blocked there; #AV_SCHED_NO_CPU when no kick is needed.
 *              May be NULL.
 * @param s the scheduler
 * @param e the entity
 * @return 0; -AV_EINVAL for NULL or an entity that was never added
 */
int av_sched_wake(struct av_sched *s, struct av_sched_entity *e, unsigned *kick);

/**
 * Power @p e off (PSCI CPU_OFF, VM shut down): it leaves its queue or blocked list; if it
 * is RUNNING, it stays its pCPU's current entity until the next pick, which drops it.
 * An OFF entity that is no pCPU's current entity (check with av_sched_current()) may be
 * freed. Idempotent.
 * @param s the scheduler
 * @param e the entity
 * @return 0; -AV_EINVAL for NULL or an entity that was never added
 */
int av_sched_power_off(struct av_sched *s, struct av_sched_entity *e);

/**
 * Power @p e on (PSCI CPU_ON): an OFF entity becomes RUNNABLE, placed as for a wake-up.
 * @param kick  as for av_sched_wake()
 * @param s the scheduler
 * @param e the entity
 * @return 0; -AV_EINVAL for NULL or never added; -AV_EBUSY when @p e is not OFF (or is
 *         OFF but still the current entity of a pCPU that has not picked since)
 */
int av_sched_power_on(struct av_sched *s, struct av_sched_entity *e, unsigned *kick);

/**
 * When pCPU @p cpu should next be interrupted (absolute counter value): the end of the
 * current entity's slice if an entity of its priority is queued or the scheduler has more
 * than one pCPU (balancing), the earliest deadline of
 * this pCPU's blocked entities, and @p now when a decision is due already (see
 * av_sched_tick()). Arm the EL2 physical timer (CNTHP_CVAL_EL2) for it.
 * @param s the scheduler
 * @param cpu physical CPU index
 * @param now counter value now
 * @return the time, or #AV_SCHED_NO_EVENT when nothing is due (also for bad arguments)
 */
uint64_t av_sched_next_event(struct av_sched *s, unsigned cpu, uint64_t now);

/**
 * The current entity of pCPU @p cpu (a snapshot), or NULL.
 * @param s the scheduler
 * @param cpu physical CPU index
 * @return the entity, or NULL
 */
struct av_sched_entity *av_sched_current(struct av_sched *s, unsigned cpu);

/**
 * Entities queued (RUNNABLE) on pCPU @p cpu (a snapshot); 0 for a bad @p cpu.
 * @param s the scheduler
 * @param cpu physical CPU index
 * @return the count
 */
unsigned av_sched_nr_queued(struct av_sched *s, unsigned cpu);

/**
 * Counter ticks in @p ms milliseconds at the scheduler's frequency (for slices).
 * @param s the scheduler
 * @param ms milliseconds
 * @return the tick count
 */
uint64_t av_sched_ms_to_ticks(const struct av_sched *s, uint64_t ms);

/**
 * Name of a state ("off", "runnable", "running", "blocked"; "?" when out of range).
 * @param state initial state
 * @return the name, "?" when out of range
 */
const char *av_sched_state_name(enum av_sched_state state);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_SCHED_H */
