/* SPDX-License-Identifier: MIT */
/*
 * PL031 RTC model.
 *
 * The counter is modular (uint32_t). A match is detected by asking whether RTCMR lies in
 * the half-open interval (last, now] of counter values passed since the previous check;
 * intervals longer than 2^31 are taken as the time source going backwards.
 */
#include <armvirt/dev/pl031.h>

#include "compat.h"

/*
 * PeriphID0..3 then PCellID0..3 of the PL031 r1p3 (PrimeCell RTC TRM, ARM DDI 0224C):
 * part number 0x031, designer 0x41 (Arm), revision 1, configuration 0.
 */
static const uint8_t pl031_id[8] = { 0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

#define BACKWARDS 0x80000000u

uint32_t av_pl031_counter(const struct av_pl031 *rtc)
{
	if (!rtc)
		return 0;
	if (!rtc->started)
		return rtc->frozen;
	return (uint32_t)rtc->cfg.now(rtc->cfg.cookie) + rtc->offset;
}

bool av_pl031_irq(const struct av_pl031 *rtc)
{
	return rtc && (rtc->ris & rtc->imsc) != 0;
}

static void update_irq(struct av_pl031 *rtc)
{
	bool level = av_pl031_irq(rtc);

	if (level != rtc->irq_level) {
		rtc->irq_level = level;
		if (rtc->cfg.set_irq)
			rtc->cfg.set_irq(rtc->cfg.cookie, level);
	}
}

/* Match check from rtc->last to the counter value @now. */
static void check_match(struct av_pl031 *rtc, uint32_t now)
{
	uint32_t passed = now - rtc->last;

	if (passed != 0 && passed < BACKWARDS && rtc->mr - rtc->last - 1u < passed)
		rtc->ris |= AV_PL031_INT_MATCH;
	rtc->last = now;
}

void av_pl031_poll(struct av_pl031 *rtc)
{
	if (!rtc)
		return;
	if (rtc->started)
		check_match(rtc, av_pl031_counter(rtc));
	update_irq(rtc);
}

int av_pl031_next_match(const struct av_pl031 *rtc, uint64_t *seconds)
{
	uint32_t d;

	if (!rtc || !seconds)
		return -AV_EINVAL;
	if (!rtc->started)
		return -AV_ENOENT;
	d = rtc->mr - av_pl031_counter(rtc);
	*seconds = d ? d : UINT64_C(1) << 32;
	return 0;
}

void av_pl031_reset(struct av_pl031 *rtc)
{
	uint32_t now;

	if (!rtc)
		return;
	now = av_pl031_counter(rtc);
	rtc->mr = 0;
	rtc->lr = 0;
	rtc->imsc = 0;
	rtc->ris = 0;
	if (rtc->cfg.cold_start) {
		rtc->started = false;
		rtc->frozen = 0;
		rtc->last = 0;
	} else {
		rtc->started = true;
		rtc->last = now;
	}
	update_irq(rtc);
}

int av_pl031_init(struct av_pl031 *rtc, const struct av_pl031_config *cfg)
{
	if (!rtc || !cfg || !cfg->now)
		return -AV_EINVAL;
	memset(rtc, 0, sizeof(*rtc));
	rtc->cfg = *cfg;
	/* offset 0: the counter starts at the time source; reset keeps it running. */
	rtc->started = true;
	av_pl031_reset(rtc);
	return 0;
}

/* Set the counter to @v (RTCLR); a value equal to RTCMR matches at once. */
static void load(struct av_pl031 *rtc, uint32_t v)
{
	if (rtc->started)
		rtc->offset = v - (uint32_t)rtc->cfg.now(rtc->cfg.cookie);
	else
		rtc->frozen = v;
	rtc->last = v - 1u;
	if (rtc->started)
		check_match(rtc, v);
	else if (rtc->mr == v)
		rtc->ris |= AV_PL031_INT_MATCH;
	rtc->last = v;
}

/*
 * The 32-bit register at @off (a multiple of 4). A narrow read is this read, as the APB
 * bridge of a PrimeCell performs it, with the addressed bytes picked out by the caller.
 */
static uint32_t read_reg(struct av_pl031 *rtc, uint64_t off)
{
	uint32_t v = 0;

	switch (off) {
	case AV_PL031_DR:
		v = av_pl031_counter(rtc);
		break;
	case AV_PL031_MR:
		v = rtc->mr;
		break;
	case AV_PL031_LR:
		v = rtc->lr;
		break;
	case AV_PL031_CR:
		v = rtc->started ? (uint32_t)AV_PL031_CR_START : 0;
		break;
	case AV_PL031_IMSC:
		v = rtc->imsc;
		break;
	case AV_PL031_RIS:
		v = rtc->ris;
		break;
	case AV_PL031_MIS:
		v = rtc->ris & rtc->imsc;
		break;
	default:
		if (off >= AV_PL031_PERIPHID0 && off < AV_PL031_SIZE)
			v = pl031_id[(off - AV_PL031_PERIPHID0) / 4];
		break;
	}
	return v;
}

static enum av_access_result pl031_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
					unsigned size, uint64_t *val)
{
	struct av_pl031 *rtc = dev;

	(void)vcpu;
	(void)size; /* the bus clears the bits above the access width */
	av_pl031_poll(rtc);
	*val = read_reg(rtc, off & ~UINT64_C(3)) >> (8u * (off & 3));
	return AV_ACCESS_HANDLED;
}

static enum av_access_result pl031_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					 unsigned size, uint64_t val)
{
	struct av_pl031 *rtc = dev;
	uint32_t v = (uint32_t)val;

	(void)vcpu;
	(void)size;
	/* Account for time that passed before this write. */
	av_pl031_poll(rtc);
	/* A narrow store to the upper bytes of a register is ignored; one at its address
	 * writes the value zero-extended (the bus cleared the bits above its width). */
	switch (off & 3 ? AV_PL031_SIZE : off) { /* not a register's address: ignored */
	case AV_PL031_MR:
		rtc->mr = v;
		if (av_pl031_counter(rtc) == v)
			rtc->ris |= AV_PL031_INT_MATCH;
		break;
	case AV_PL031_LR:
		rtc->lr = v;
		load(rtc, v);
		break;
	case AV_PL031_CR:
		if ((v & AV_PL031_CR_START) && !rtc->started) {
			uint32_t at = rtc->frozen;

			rtc->started = true;
			rtc->offset = at - (uint32_t)rtc->cfg.now(rtc->cfg.cookie);
			rtc->last = at;
		}
		break;
	case AV_PL031_IMSC:
		rtc->imsc = v & (uint32_t)AV_PL031_INT_MATCH;
		break;
	case AV_PL031_ICR:
		rtc->ris &= ~(v & (uint32_t)AV_PL031_INT_MATCH);
		break;
	default: /* DR, RIS, MIS, IDs, reserved */
		break;
	}
	update_irq(rtc);
	return AV_ACCESS_HANDLED;
}

static void pl031_reset_op(void *dev)
{
	av_pl031_reset(dev);
}

const struct av_mmio_ops av_pl031_mmio_ops = {
	.read = pl031_read,
	.write = pl031_write,
	.reset = pl031_reset_op,
};

int av_pl031_mmio_dev(struct av_pl031 *rtc, uint64_t base, struct av_mmio_dev *dev)
{
	if (!rtc || !dev)
		return -AV_EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->base = base;
	dev->size = AV_PL031_SIZE;
	dev->ops = &av_pl031_mmio_ops;
	dev->dev = rtc;
	dev->name = "pl031";
	dev->widths = AV_PL031_WIDTHS;
	return 0;
}
