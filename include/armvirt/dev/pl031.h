/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/pl031.h
 * @brief Arm PrimeCell real-time clock (PL031, DDI0224) device model for the MMIO bus.
 *
 * The counter (RTCDR) is the host's time source, in seconds, plus an offset the guest
 * sets by writing RTCLR; it wraps at 2^32 like the 32-bit hardware counter. The model has
 * the PL031's identification registers (PeriphID 0x31 0x10 0x04 0x00, PrimeCell ID 0x0D
 * 0xF0 0x05 0xB1) so Linux's rtc-pl031 driver probes it.
 *
 * Start-up: by default the RTC behaves as already started by firmware: RTCCR reads 1 and
 * RTCDR follows the time source from the first read. With av_pl031_config::cold_start the
 * reset state is the TRM's: RTCCR = 0 and the counter stands at 0 (or at what RTCLR loads)
 * until the guest sets RTCCR bit 0. Once started, writing 0 to RTCCR has no effect. A reset
 * (av_pl031_reset()) clears RTCMR, RTCLR, RTCIMSC and RTCRIS; by default it keeps the time
 * and the RTC running, as a real RTC keeps counting through a system reset, while with
 * @c cold_start it returns to the stopped state at 0.
 *
 * Match interrupt: RTCRIS is set when the counter reaches RTCMR, i.e. when RTCMR lies in
 * the seconds the counter advanced through since the previous check. Checks happen on every
 * register access and in av_pl031_poll(), which the host calls at least when
 * av_pl031_next_match() says the match is due. Writing RTCMR (or loading RTCLR) with the
 * value the counter has matches at once. A time source that goes backwards (by more than
 * 2^31 s in modular terms) moves the reference point without matching.
 * The @c set_irq callback is called whenever RTCMIS != 0 changes.
 *
 * Registers are 32-bit. 8-, 16- and 32-bit accesses are taken (AV_PL031_WIDTHS), as by a
 * PrimeCell behind an APB bridge: a narrow read reads the whole register (with any side
 * effect) and returns the addressed bytes; a narrow write at a register's address writes
 * the value zero-extended to 32 bits, and one to any other byte of the register is
 * ignored. Reserved offsets read as zero and ignore writes; writes to read-only registers
 * are ignored. The identification registers are those of the PL031 r1p3 (PeriphID0..3 =
 * 0x31, 0x10, 0x14, 0x00; PCellID0..3 = 0x0d, 0xf0, 0x05, 0xb1).
 *
 * Not synchronised: serialise accesses, polls and resets of one RTC.
 */
#ifndef ARMVIRT_DEV_PL031_H
#define ARMVIRT_DEV_PL031_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/bits.h>
#include <armvirt/mmio.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Register offsets ---- */
#define AV_PL031_DR 0x000        /**< data (counter), read-only */
#define AV_PL031_MR 0x004        /**< match */
#define AV_PL031_LR 0x008        /**< load */
#define AV_PL031_CR 0x00c        /**< control */
#define AV_PL031_IMSC 0x010      /**< interrupt mask set/clear */
#define AV_PL031_RIS 0x014       /**< raw interrupt status */
#define AV_PL031_MIS 0x018       /**< masked interrupt status */
#define AV_PL031_ICR 0x01c       /**< interrupt clear */
#define AV_PL031_PERIPHID0 0xfe0 /**< peripheral ID 0..3 at 0xfe0..0xfec */
#define AV_PL031_PCELLID0 0xff0  /**< PrimeCell ID 0..3 at 0xff0..0xffc */

/** Size of the register window. */
#define AV_PL031_SIZE 0x1000
/** Access widths the model accepts. */
#define AV_PL031_WIDTHS (AV_MMIO_W8 | AV_MMIO_W16 | AV_MMIO_W32)

#define AV_PL031_CR_START AV_BIT(0)  /**< RTCCR: RTC started */
#define AV_PL031_INT_MATCH AV_BIT(0) /**< IMSC/RIS/MIS/ICR: match interrupt */

/** Host side of an RTC. */
struct av_pl031_config {
	/** Current time in seconds (e.g. since the Unix epoch). Required. */
	uint64_t (*now)(void *cookie);
	/** The interrupt line changed to @p level. Optional. */
	void (*set_irq)(void *cookie, bool level);
	void *cookie;    /**< passed to the callbacks */
	bool cold_start; /**< reset to the TRM state (stopped, counter 0) instead of running */
};

/** A PL031. Caller-allocated; av_pl031_init(). Fields are the model's state. */
struct av_pl031 {
	struct av_pl031_config cfg; /**< host callbacks */
	bool started;     /**< RTCCR bit 0 */
	uint32_t offset;  /**< counter = now + offset, while started */
	uint32_t frozen;  /**< counter value while stopped */
	uint32_t last;    /**< counter value at the previous match check */
	uint32_t mr;      /**< match */
	uint32_t lr;      /**< last value loaded */
	uint32_t imsc;    /**< interrupt mask */
	uint32_t ris;     /**< raw interrupt status */
	bool irq_level;   /**< last level reported through set_irq */
};

/**
 * Initialise an RTC: time offset 0 (RTCDR = the time source), registers at reset values.
 * @param rtc the RTC
 * @param cfg callbacks, copied
 * @return 0, or -AV_EINVAL for NULL pointers or a missing @c now callback.
 */
int av_pl031_init(struct av_pl031 *rtc, const struct av_pl031_config *cfg);

/**
 * Reset the registers (see the file comment for the time); lowers the IRQ if raised.
 * @param rtc the RTC
 */
void av_pl031_reset(struct av_pl031 *rtc);

/**
 * The counter value RTCDR would read now.
 * @param rtc the RTC
 * @return the RTCDR value
 */
uint32_t av_pl031_counter(const struct av_pl031 *rtc);

/**
 * Check for a match against the time source now and update the interrupt line.
 * @param rtc the RTC
 */
void av_pl031_poll(struct av_pl031 *rtc);

/**
 * Seconds from now until the counter reaches RTCMR (1 .. 2^32; when they are equal now
 * the next match is a full wrap away).
 * @param rtc the RTC
 * @param seconds receives the match time in seconds of the clock
 * @return 0, -AV_EINVAL for NULL pointers, or -AV_ENOENT while the RTC is stopped.
 */
int av_pl031_next_match(const struct av_pl031 *rtc, uint64_t *seconds);

/**
 * Level of the interrupt line: (RIS & IMSC) != 0.
 * @param rtc the RTC
 * @return the interrupt line level
 */
bool av_pl031_irq(const struct av_pl031 *rtc);

/** MMIO operations; the device pointer is the `struct av_pl031 *`. */
extern const struct av_mmio_ops av_pl031_mmio_ops;

/**
 * Fill @p dev to put @p rtc on a bus at @p base (size AV_PL031_SIZE, AV_PL031_WIDTHS,
 * name "pl031"); then av_mmio_register() it.
 * @param rtc the RTC
 * @param base guest-physical base address of the 4 KiB frame
 * @param dev the device to fill in, for av_mmio_register()
 * @return 0 or -AV_EINVAL for NULL pointers.
 */
int av_pl031_mmio_dev(struct av_pl031 *rtc, uint64_t base, struct av_mmio_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_PL031_H */
