/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/vtimer.h
 * @brief Per-vCPU generic-timer state: the EL1 virtual timer (CNTV_*, CNTVOFF_EL2) and an
 *        emulated EL1 physical timer (CNTP_*) for hypervisors that trap it.
 *
 * The library never reads a clock: every call that depends on time takes @p now, the
 * physical counter (CNTPCT_EL0) value the caller read. The virtual counter is
 * `now - CNTVOFF`. A timer fires when CTL.ENABLE == 1, CTL.IMASK == 0 and
 * `counter >= CVAL` (Arm ARM D12 "The Generic Timer", "Operation of the timers");
 * CTL.ISTATUS is `ENABLE && counter >= CVAL` and ignores IMASK.
 *
 * A firing timer drives its PPI's level through the vGIC: 27 for the virtual timer, 30 for
 * the EL1 physical timer by default (the Server Base System Architecture numbers).
 * av_vtimer_update() lowers the line again when the guest reprograms or masks the timer.
 *
 * Locking: a struct av_vtimer belongs to one vCPU and is not locked; call it from the pCPU
 * running that vCPU, or with that vCPU stopped. Injection into the vGIC is safe from
 * anywhere.
 */
#ifndef ARMVIRT_VTIMER_H
#define ARMVIRT_VTIMER_H

#include <armvirt/bits.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct av_vgic;

/* CNTV_CTL_EL0 / CNTP_CTL_EL0 (Arm ARM D23.8 "CNTV_CTL_EL0") */
#define AV_CNT_CTL_ENABLE  AV_BIT(0) /**< timer enabled */
#define AV_CNT_CTL_IMASK   AV_BIT(1) /**< interrupt masked */
#define AV_CNT_CTL_ISTATUS AV_BIT(2) /**< condition met (read-only) */
/* CNTx_TVAL_EL0 */
#define AV_CNT_TVAL        AV_GENMASK(31, 0) /**< TimerValue, signed 32-bit */

/** Default PPI of the EL1 virtual timer. */
#define AV_VTIMER_PPI_VIRT 27
/** Default PPI of the EL1 physical timer. */
#define AV_VTIMER_PPI_PHYS 30

/** Which timer. */
enum av_vtimer_which {
	AV_VTIMER_VIRT = 0, /**< EL1 virtual timer (CNTV_*), counter = CNTPCT - CNTVOFF */
	AV_VTIMER_PHYS = 1, /**< EL1 physical timer (CNTP_*), counter = CNTPCT */
};

/** One timer's registers. */
struct av_vtimer_timer {
	uint64_t cval; /**< CNTx_CVAL_EL0 */
	uint32_t ctl;  /**< CNTx_CTL_EL0 (ENABLE, IMASK; ISTATUS as last computed) */
	uint32_t ppi;  /**< PPI INTID it raises */
	bool line;     /**< level last driven into the vGIC */
};

/** A vCPU's timers. Caller-allocated; initialise with av_vtimer_init(). */
struct av_vtimer {
	uint64_t cntvoff;                /**< CNTVOFF_EL2 */
	struct av_vtimer_timer timer[2]; /**< indexed by enum av_vtimer_which */
	struct av_vgic *vgic;            /**< where PPIs go (may be NULL) */
	unsigned vcpu;                   /**< vCPU index in @ref vgic */
};

/**
 * The firing condition, as a pure function.
 * @param ctl CNTx_CTL_EL0
 * @param count the counter value
 * @param cval CNTx_CVAL_EL0
 * @return true when @p ctl has ENABLE set and IMASK clear and @p count >= @p cval
 */
bool av_vtimer_condition(uint32_t ctl, uint64_t count, uint64_t cval);

/**
 * Reset a vCPU's timers: CTL = 0, CVAL = 0, CNTVOFF = 0, lines low.
 * @param vgic      vGIC to drive the PPIs into, or NULL
 * @param virt_ppi  virtual timer PPI (16..31), 0 for #AV_VTIMER_PPI_VIRT
 * @param phys_ppi  physical timer PPI (16..31), 0 for #AV_VTIMER_PPI_PHYS
 * @param t the vCPU's timers
 * @param vcpu the vCPU's index in @p vgic
 * @param err receives the field ("t", "virt_ppi", "phys_ppi") and the reason on failure
 *            (may be NULL; see struct av_error); cleared on success
 * @return 0, -AV_EINVAL for a NULL @p t, a PPI outside 16..31 or both timers on one PPI
 */
int av_vtimer_init(struct av_vtimer *t, struct av_vgic *vgic, unsigned vcpu, uint32_t virt_ppi,
		   uint32_t phys_ppi, struct av_error *err);

/**
 * The counter value timer @p w compares against at physical count @p now.
 * @param t the vCPU's timers
 * @param w which timer
 * @param now physical counter value (CNTPCT) now
 * @return the counter value
 */
uint64_t av_vtimer_count(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now);

/**
 * True when timer @p w fires at @p now (ENABLE && !IMASK && count >= CVAL).
 * @param t the vCPU's timers
 * @param w which timer
 * @param now physical counter value (CNTPCT) now
 * @return true when the timer fires, else false
 */
bool av_vtimer_fires(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now);

/**
 * Read CNTx_CTL_EL0 with ISTATUS computed at @p now.
 * @param t the vCPU's timers
 * @param w which timer
 * @param now physical counter value (CNTPCT) now
 * @return CNTx_CTL_EL0 with ISTATUS
 */
uint32_t av_vtimer_read_ctl(struct av_vtimer *t, enum av_vtimer_which w, uint64_t now);
/**
 * Write CNTx_CTL_EL0 (ISTATUS is read-only); updates the PPI line.
 * @param t the vCPU's timers
 * @param w which timer
 * @param val the value the guest writes
 * @param now physical counter value (CNTPCT) now
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vtimer_write_ctl(struct av_vtimer *t, enum av_vtimer_which w, uint64_t val, uint64_t now,
			uint64_t *kicked);
/**
 * Read CNTx_CVAL_EL0.
 * @param t the vCPU's timers
 * @param w which timer
 * @return CNTx_CVAL_EL0
 */
uint64_t av_vtimer_read_cval(const struct av_vtimer *t, enum av_vtimer_which w);
/**
 * Write CNTx_CVAL_EL0; updates the PPI line.
 * @param t the vCPU's timers
 * @param w which timer
 * @param val the value the guest writes
 * @param now physical counter value (CNTPCT) now
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vtimer_write_cval(struct av_vtimer *t, enum av_vtimer_which w, uint64_t val, uint64_t now,
			 uint64_t *kicked);
/**
 * Read CNTx_TVAL_EL0: the low 32 bits of (CVAL - count), a signed 32-bit value.
 * @param t the vCPU's timers
 * @param w which timer
 * @param now physical counter value (CNTPCT) now
 * @return CNTx_TVAL_EL0
 */
uint64_t av_vtimer_read_tval(const struct av_vtimer *t, enum av_vtimer_which w, uint64_t now);
/**
 * Write CNTx_TVAL_EL0: CVAL = count + SignExtend(val[31:0]); updates the PPI line.
 * @param t the vCPU's timers
 * @param w which timer
 * @param val the value the guest writes
 * @param now physical counter value (CNTPCT) now
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vtimer_write_tval(struct av_vtimer *t, enum av_vtimer_which w, uint64_t val, uint64_t now,
			 uint64_t *kicked);
/**
 * Set CNTVOFF_EL2; updates the virtual timer's line.
 * @param t the vCPU's timers
 * @param cntvoff the new CNTVOFF_EL2
 * @param now physical counter value (CNTPCT) now
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vtimer_set_offset(struct av_vtimer *t, uint64_t cntvoff, uint64_t now, uint64_t *kicked);

/**
 * Re-evaluate both timers at @p now: maintain ISTATUS and raise or lower each PPI line in
 * the vGIC when its firing state changed (call it on exits and when a host timer set from
 * av_vtimer_next_expiry() goes off).
 * @param kicked  optional: OR-ed with the vCPU bits the vGIC says need a kick
 * @param t the vCPU's timers
 * @param now physical counter value (CNTPCT) now
 * @return 0 on success, or a negative AV_E* error code
 */
int av_vtimer_update(struct av_vtimer *t, uint64_t now, uint64_t *kicked);

/**
 * For a blocked vCPU: the absolute physical counter value at which the earliest enabled,
 * unmasked timer fires; @p now when one already fires; UINT64_MAX when none is armed.
 * @param t the vCPU's timers
 * @param now physical counter value (CNTPCT) now
 * @return the counter value, @p now, or UINT64_MAX
 */
uint64_t av_vtimer_next_expiry(const struct av_vtimer *t, uint64_t now);

/** Bit of timer @p w in the @p mask of av_vtimer_next_raise(). */
#define AV_VTIMER_BIT(w) (1u << (w))

/**
 * For the host timer that raises emulated timers' lines: the absolute physical counter
 * value at which the earliest timer of @p mask (#AV_VTIMER_BIT bits) whose PPI line is low
 * will fire (@p now if it fires already and only its line is still to be raised, by
 * av_vtimer_update()); UINT64_MAX when none will. A timer whose line is already high needs
 * no host timer: nothing changes until the guest reprograms, masks or disables it, which
 * it does through a trap that updates the line. (av_vtimer_next_expiry() returns @p now for
 * such a timer: a host timer armed from it fires again at once, for as long as the guest
 * leaves its interrupt raised.)
 * @param t the vCPU's timers
 * @param mask #AV_VTIMER_BIT bits of the timers to consider
 * @param now physical counter value (CNTPCT) now
 * @return the counter value, @p now, or UINT64_MAX
 */
uint64_t av_vtimer_next_raise(const struct av_vtimer *t, unsigned mask, uint64_t now);

/**
 * The level timer @p t drives on PPI @p intid at @p now, computed from its registers (not
 * the level last driven): 1 when the timer raising @p intid fires (CTL.ENABLE && ISTATUS &&
 * !IMASK), 0 when it does not, -AV_ENOENT when neither timer uses @p intid. Reads only: a
 * vGIC input-level callback (av_vgic_level_fn, av_vgic_set_resample()) can return it.
 * @param t the vCPU's timers
 * @param intid the PPI
 * @param now physical counter value (CNTPCT) now
 * @return 1, 0 or -AV_ENOENT
 */
int av_vtimer_ppi_level(const struct av_vtimer *t, uint32_t intid, uint64_t now);

/**
 * Counter ticks from @p now to av_vtimer_next_expiry() (0 when firing, UINT64_MAX never).
 * @param t the vCPU's timers
 * @param now physical counter value (CNTPCT) now
 * @return the tick count, 0 or UINT64_MAX
 */
uint64_t av_vtimer_ticks_until(const struct av_vtimer *t, uint64_t now);

/** Snapshot magic ("AVTM"). */
#define AV_VTIMER_SNAP_MAGIC 0x4d545641u
/** Snapshot layout version. */
#define AV_VTIMER_SNAP_VERSION 1u

/** A vCPU's timer state in fixed-width fields. */
struct av_vtimer_snapshot {
	uint32_t magic;     /**< #AV_VTIMER_SNAP_MAGIC */
	uint32_t version;   /**< #AV_VTIMER_SNAP_VERSION */
	uint64_t cntvoff;   /**< CNTVOFF_EL2 */
	uint64_t cntv_cval; /**< CNTV_CVAL_EL0 */
	uint64_t cntp_cval; /**< CNTP_CVAL_EL0 */
	uint32_t cntv_ctl;  /**< CNTV_CTL_EL0 (ENABLE, IMASK) */
	uint32_t cntp_ctl;  /**< CNTP_CTL_EL0 (ENABLE, IMASK) */
	uint32_t virt_ppi;  /**< virtual timer PPI */
	uint32_t phys_ppi;  /**< physical timer PPI */
};

/**
 * Save @p t. @return 0, -AV_EINVAL
 * @param t the vCPU's timers
 * @param snap receives the state
 */
int av_vtimer_save(const struct av_vtimer *t, struct av_vtimer_snapshot *snap);
/**
 * Restore @p snap into an initialised @p t (its vGIC binding is kept) and re-evaluate the
 * lines at @p now. @return 0, -AV_EINVAL (bad magic/version/PPI)
 * @param t the vCPU's timers
 * @param snap the state to restore
 * @param now physical counter value (CNTPCT) now
 * @param kicked optional (may be NULL): OR-ed with the bits of the vCPUs that need a kick
 */
int av_vtimer_restore(struct av_vtimer *t, const struct av_vtimer_snapshot *snap, uint64_t now,
		      uint64_t *kicked);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VTIMER_H */
