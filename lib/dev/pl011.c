/* SPDX-License-Identifier: MIT */
/*
 * PL011 UART model.
 *
 * Every entry point that changes state ends in finish(), which recomputes the interrupt
 * line and tells the host when receive space appeared; nothing a guest writes can leave
 * the model in a state it does not define.
 */
#include <armvirt/dev/pl011.h>

#include "compat.h"

/* CR bits that exist (6:3 are reserved). */
#define CR_WRITABLE                                                                  \
	(AV_PL011_CR_UARTEN | AV_PL011_CR_SIREN | AV_PL011_CR_SIRLP | AV_PL011_CR_LBE |  \
	 AV_PL011_CR_TXE | AV_PL011_CR_RXE | AV_PL011_CR_DTR | AV_PL011_CR_RTS |           \
	 AV_PL011_CR_OUT1 | AV_PL011_CR_OUT2 | AV_PL011_CR_RTSEN | AV_PL011_CR_CTSEN)
#define LCRH_WRITABLE AV_GENMASK(7, 0)
#define IFLS_WRITABLE (AV_PL011_IFLS_TX | AV_PL011_IFLS_RX)
#define DMACR_WRITABLE \
	(AV_PL011_DMACR_RXDMAE | AV_PL011_DMACR_TXDMAE | AV_PL011_DMACR_DMAONERR)

/*
 * PeriphID0..3 then PCellID0..3: part 0x011, designer 0x41 (Arm), revision 1, as QEMU
 * models it. Revision 3 (r1p5) would tell drivers the FIFOs hold 32 characters (Linux
 * and FreeBSD size them from this field); this model's hold 16, as before r1p5.
 */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

/* Receive trigger levels for IFLS.RX 0..4 (1/8 .. 7/8 of 16); 5..7 are reserved. */
static const uint8_t rx_trigger_level[5] = { 2, 4, 8, 12, 14 };

static unsigned rx_depth(const struct av_pl011 *u)
{
	return (u->lcr_h & AV_PL011_LCRH_FEN) ? AV_PL011_FIFO_DEPTH : 1;
}

static unsigned rx_trigger(const struct av_pl011 *u)
{
	unsigned sel = (unsigned)AV_FIELD_GET(AV_PL011_IFLS_RX, u->ifls);

	if (!(u->lcr_h & AV_PL011_LCRH_FEN))
		return 1;
	return rx_trigger_level[sel < AV_ARRAY_SIZE(rx_trigger_level) ? sel : 4];
}

static bool rx_enabled(const struct av_pl011 *u)
{
	return (u->cr & AV_PL011_CR_UARTEN) && (u->cr & AV_PL011_CR_RXE);
}

size_t av_pl011_rx_space(const struct av_pl011 *u)
{
	unsigned depth;

	if (!u || !rx_enabled(u))
		return 0;
	depth = rx_depth(u);
	return u->rx_count < depth ? depth - u->rx_count : 0;
}

bool av_pl011_irq(const struct av_pl011 *u)
{
	return u && (u->ris & u->imsc) != 0;
}

/* Recompute the line; report receive space that appeared since @space_before. */
static void finish(struct av_pl011 *u, size_t space_before)
{
	bool level = av_pl011_irq(u);

	if (level != u->irq_level) {
		u->irq_level = level;
		if (u->cfg.set_irq)
			u->cfg.set_irq(u->cfg.cookie, level);
	}
	if (space_before == 0 && av_pl011_rx_space(u) > 0 && u->cfg.rx_space)
		u->cfg.rx_space(u->cfg.cookie);
}

/* Put one character into the receive FIFO (caller checked space). */
static void rx_put(struct av_pl011 *u, uint8_t c)
{
	unsigned tail = (u->rx_head + u->rx_count) % AV_PL011_FIFO_DEPTH;
	uint16_t e = (uint16_t)AV_FIELD_PREP(AV_PL011_DR_DATA, c);

	if (u->overrun_pending) {
		e |= (uint16_t)AV_PL011_DR_OE;
		u->overrun_pending = false;
	}
	u->rx_fifo[tail] = e;
	u->rx_count++;
	u->rx_bytes++;
	if (u->rx_count == rx_trigger(u))
		u->ris |= AV_PL011_INT_RX;
}

size_t av_pl011_rx_push(struct av_pl011 *u, const uint8_t *buf, size_t len)
{
	size_t space, n;

	if (!u || (!buf && len))
		return 0;
	space = av_pl011_rx_space(u);
	n = len < space ? len : space;
	for (size_t i = 0; i < n; i++)
		rx_put(u, buf[i]);
	if (n)
		u->ris |= AV_PL011_INT_RT;
	finish(u, space);
	return n;
}

void av_pl011_rx_overrun(struct av_pl011 *u)
{
	size_t space;

	if (!u)
		return;
	space = av_pl011_rx_space(u);
	u->rsr |= AV_PL011_RSR_OE;
	u->ris |= AV_PL011_INT_OE;
	u->overrun_pending = true;
	finish(u, space);
}

void av_pl011_reset(struct av_pl011 *u)
{
	if (!u)
		return;
	memset(u->rx_fifo, 0, sizeof(u->rx_fifo));
	u->rx_head = 0;
	u->rx_count = 0;
	u->overrun_pending = false;
	u->rsr = 0;
	u->ilpr = 0;
	u->ibrd = 0;
	u->fbrd = 0;
	u->lcr_h = 0;
	u->cr = AV_PL011_CR_RESET;
	u->ifls = AV_PL011_IFLS_RESET;
	u->imsc = 0;
	u->ris = 0;
	u->dmacr = 0;
	/* The receiver is disabled after reset (UARTEN clear): no space to report. */
	finish(u, 1);
}

int av_pl011_init(struct av_pl011 *u, const struct av_pl011_config *cfg)
{
	if (!u || !cfg || !cfg->tx)
		return -AV_EINVAL;
	memset(u, 0, sizeof(*u));
	u->cfg = *cfg;
	av_pl011_reset(u);
	return 0;
}

static uint32_t read_dr(struct av_pl011 *u)
{
	uint16_t e;

	if (u->rx_count == 0)
		return 0;
	e = u->rx_fifo[u->rx_head];
	u->rx_head = (u->rx_head + 1) % AV_PL011_FIFO_DEPTH;
	u->rx_count--;
	/* RSR holds the error bits of the character just read (OE is sticky until ECR). */
	u->rsr = (u->rsr & AV_PL011_RSR_OE) |
		 (uint32_t)AV_FIELD_PREP(AV_PL011_RSR_FE, AV_FIELD_GET(AV_PL011_DR_FE, e)) |
		 (uint32_t)AV_FIELD_PREP(AV_PL011_RSR_PE, AV_FIELD_GET(AV_PL011_DR_PE, e)) |
		 (uint32_t)AV_FIELD_PREP(AV_PL011_RSR_BE, AV_FIELD_GET(AV_PL011_DR_BE, e));
	if (u->rx_count < rx_trigger(u))
		u->ris &= ~(uint32_t)AV_PL011_INT_RX;
	if (u->rx_count == 0)
		u->ris &= ~(uint32_t)AV_PL011_INT_RT;
	return e;
}

static uint32_t read_fr(const struct av_pl011 *u)
{
	uint32_t fr = AV_PL011_FR_TXFE;

	if (u->rx_count == 0)
		fr |= AV_PL011_FR_RXFE;
	if (u->rx_count >= rx_depth(u))
		fr |= AV_PL011_FR_RXFF;
	return fr;
}

static void write_dr(struct av_pl011 *u, uint8_t c)
{
	if (u->cr & AV_PL011_CR_LBE) {
		if (av_pl011_rx_space(u) > 0) {
			rx_put(u, c);
			u->ris |= AV_PL011_INT_RT;
		}
	} else if (u->cfg.tx(u->cfg.cookie, c) == 0) {
		u->tx_bytes++;
	} else {
		u->tx_dropped++;
	}
	/* The byte left the transmit FIFO at once: it is at or below any trigger level. */
	u->ris |= AV_PL011_INT_TX;
}

/* After LCR_H or IFLS changed the trigger level, the RX interrupt follows the fill. */
static void retrigger_rx(struct av_pl011 *u)
{
	if (u->rx_count >= rx_trigger(u))
		u->ris |= AV_PL011_INT_RX;
	else
		u->ris &= ~(uint32_t)AV_PL011_INT_RX;
}

/* The 32-bit register at @off (a multiple of 4), with the side effects of reading it. */
static uint32_t read_reg(struct av_pl011 *u, uint64_t off)
{
	uint32_t v = 0;

	switch (off) {
	case AV_PL011_DR:
		v = read_dr(u);
		break;
	case AV_PL011_RSR:
		v = u->rsr;
		break;
	case AV_PL011_FR:
		v = read_fr(u);
		break;
	case AV_PL011_ILPR:
		v = u->ilpr;
		break;
	case AV_PL011_IBRD:
		v = u->ibrd;
		break;
	case AV_PL011_FBRD:
		v = u->fbrd;
		break;
	case AV_PL011_LCR_H:
		v = u->lcr_h;
		break;
	case AV_PL011_CR:
		v = u->cr;
		break;
	case AV_PL011_IFLS:
		v = u->ifls;
		break;
	case AV_PL011_IMSC:
		v = u->imsc;
		break;
	case AV_PL011_RIS:
		v = u->ris;
		break;
	case AV_PL011_MIS:
		v = u->ris & u->imsc;
		break;
	case AV_PL011_DMACR:
		v = u->dmacr;
		break;
	default:
		if (off >= AV_PL011_PERIPHID0 && off < AV_PL011_SIZE)
			v = pl011_id[(off - AV_PL011_PERIPHID0) / 4];
		break;
	}
	return v;
}

/*
 * As a PrimeCell behind an APB bridge: a narrow read reads the whole register (a byte read
 * of DR + 1 pops the FIFO too) and returns the addressed bytes; the bus clears the bits
 * above the access width.
 */
static enum av_access_result pl011_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
					unsigned size, uint64_t *val)
{
	struct av_pl011 *u = dev;
	size_t space = av_pl011_rx_space(u);

	(void)vcpu;
	(void)size;
	*val = read_reg(u, off & ~UINT64_C(3)) >> (8u * (off & 3));
	finish(u, space);
	return AV_ACCESS_HANDLED;
}

static enum av_access_result pl011_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					 unsigned size, uint64_t val)
{
	struct av_pl011 *u = dev;
	size_t space = av_pl011_rx_space(u);

	(void)vcpu;
	(void)size;
	if (off & 3)
		return AV_ACCESS_HANDLED;
	switch (off) {
	case AV_PL011_DR:
		write_dr(u, (uint8_t)AV_FIELD_GET(AV_PL011_DR_DATA, val));
		break;
	case AV_PL011_RSR: /* ECR: any write clears the error flags */
		u->rsr = 0;
		break;
	case AV_PL011_ILPR:
		u->ilpr = (uint32_t)(val & AV_PL011_ILPR_DVSR);
		break;
	case AV_PL011_IBRD:
		u->ibrd = (uint32_t)(val & AV_PL011_IBRD_DIVINT);
		break;
	case AV_PL011_FBRD:
		u->fbrd = (uint32_t)(val & AV_PL011_FBRD_DIVFRAC);
		break;
	case AV_PL011_LCR_H:
		u->lcr_h = (uint32_t)(val & LCRH_WRITABLE);
		retrigger_rx(u);
		break;
	case AV_PL011_CR:
		u->cr = (uint32_t)(val & CR_WRITABLE);
		break;
	case AV_PL011_IFLS:
		u->ifls = (uint32_t)(val & IFLS_WRITABLE);
		retrigger_rx(u);
		break;
	case AV_PL011_IMSC:
		u->imsc = (uint32_t)(val & AV_PL011_INT_ALL);
		break;
	case AV_PL011_ICR:
		u->ris &= ~(uint32_t)(val & AV_PL011_INT_ALL);
		break;
	case AV_PL011_DMACR:
		u->dmacr = (uint32_t)(val & DMACR_WRITABLE);
		break;
	default: /* FR, RIS, MIS, IDs and reserved offsets are read-only */
		break;
	}
	finish(u, space);
	return AV_ACCESS_HANDLED;
}

static void pl011_reset_op(void *dev)
{
	av_pl011_reset(dev);
}

const struct av_mmio_ops av_pl011_mmio_ops = {
	.read = pl011_read,
	.write = pl011_write,
	.reset = pl011_reset_op,
};

int av_pl011_mmio_dev(struct av_pl011 *uart, uint64_t base, struct av_mmio_dev *dev)
{
	if (!uart || !dev)
		return -AV_EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->base = base;
	dev->size = AV_PL011_SIZE;
	dev->ops = &av_pl011_mmio_ops;
	dev->dev = uart;
	dev->name = "pl011";
	dev->widths = AV_PL011_WIDTHS;
	return 0;
}
