/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/pl011.h
 * @brief Arm PrimeCell UART (PL011, DDI0183) device model for the MMIO bus.
 *
 * The model has the PL011's register map and identification registers (PeriphID
 * 0x11 0x10 0x14 0x00: part 0x011, designer Arm, revision 1; PrimeCell ID 0x0D 0xF0 0x05
 * 0xB1), so Linux's amba-pl011 driver probes it with its 16-entry FIFOs.
 *
 * Transmit: a byte written to DR goes straight to the host's @c tx callback, so the
 * transmit FIFO is always empty (FR.TXFE = 1, TXFF = BUSY = 0). Bytes are passed on even
 * while UARTEN or TXE are clear (firmware and early consoles often write before enabling
 * the UART). With CR.LBE (loopback) they go to the receive FIFO instead. A byte the sink
 * refuses is counted in @c tx_dropped.
 *
 * Receive: the host pushes bytes into the receive FIFO with av_pl011_rx_push(), which takes
 * as many as fit (16, or 1 when LCR_H.FEN is clear) while UARTEN and RXE are set and returns
 * how many it took; the rest stay with the host. The optional @c rx_space callback says
 * when room appears (the guest read DR, or enabled the receiver). A host that drops input
 * reports it with av_pl011_rx_overrun(): RSR.OE and the overrun interrupt are set, and the
 * next byte received carries DR.OE.
 *
 * Interrupts (RIS bits; MIS = RIS & IMSC; ICR clears):
 * - RX: set when the receive FIFO fill reaches the IFLS trigger level (1/8, 1/4, 1/2, 3/4,
 *   7/8 of 16; reserved encodings act as 7/8; 1 byte with FIFOs disabled); cleared when
 *   reading drops the fill below it.
 * - RT (receive timeout): set after each push that leaves the FIFO non-empty (the host
 *   delivers input in bursts, after which the line is idle); cleared when the FIFO
 *   empties.
 * - TX: set whenever a byte is written to DR (the FIFO drains at once, through the trigger
 *   level); cleared through ICR. Like the hardware, it is not raised merely because the
 *   FIFO is empty after reset.
 * - OE: av_pl011_rx_overrun(). The modem, framing, parity and break interrupts never set.
 * The @c set_irq callback is called whenever (RIS & IMSC) != 0 changes.
 *
 * Registers are 32 bits wide with 8- and 16-bit accesses allowed (AV_PL011_WIDTHS), as by
 * a PrimeCell behind an APB bridge: a narrow read reads the whole register (with its side
 * effects: a byte read of DR + 1, the error flags, pops the receive FIFO) and returns the
 * addressed bytes; a narrow write at a register's address writes the value zero-extended
 * (Linux's driver writes 16 bits, earlycon 8 bits to DR), and one to any other byte of the
 * register is ignored. Reserved offsets read as zero and ignore writes; writes to
 * read-only registers are ignored. PeriphID0..3 = 0x11, 0x10, 0x14, 0x00 (revision 1:
 * 16-entry FIFOs; r1p5, revision 3, has 32), PCellID0..3 = 0x0d, 0xf0, 0x05, 0xb1.
 *
 * Not synchronised: serialise accesses, pushes and resets of one UART.
 */
#ifndef ARMVIRT_DEV_PL011_H
#define ARMVIRT_DEV_PL011_H

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
#define AV_PL011_DR 0x000        /**< data */
#define AV_PL011_RSR 0x004       /**< receive status (read) / error clear ECR (write) */
#define AV_PL011_FR 0x018        /**< flags */
#define AV_PL011_ILPR 0x020      /**< IrDA low-power counter */
#define AV_PL011_IBRD 0x024      /**< integer baud rate divisor */
#define AV_PL011_FBRD 0x028      /**< fractional baud rate divisor */
#define AV_PL011_LCR_H 0x02c     /**< line control */
#define AV_PL011_CR 0x030        /**< control */
#define AV_PL011_IFLS 0x034      /**< interrupt FIFO level select */
#define AV_PL011_IMSC 0x038      /**< interrupt mask set/clear */
#define AV_PL011_RIS 0x03c       /**< raw interrupt status */
#define AV_PL011_MIS 0x040       /**< masked interrupt status */
#define AV_PL011_ICR 0x044       /**< interrupt clear */
#define AV_PL011_DMACR 0x048     /**< DMA control */
#define AV_PL011_PERIPHID0 0xfe0 /**< peripheral ID 0..3 at 0xfe0..0xfec */
#define AV_PL011_PCELLID0 0xff0  /**< PrimeCell ID 0..3 at 0xff0..0xffc */

/** Size of the register window. */
#define AV_PL011_SIZE 0x1000
/** Access widths the model accepts. */
#define AV_PL011_WIDTHS (AV_MMIO_W8 | AV_MMIO_W16 | AV_MMIO_W32)
/** FIFO depth. */
#define AV_PL011_FIFO_DEPTH 16

/* DR */
#define AV_PL011_DR_DATA AV_GENMASK(7, 0) /**< character */
#define AV_PL011_DR_FE AV_BIT(8)          /**< framing error */
#define AV_PL011_DR_PE AV_BIT(9)          /**< parity error */
#define AV_PL011_DR_BE AV_BIT(10)         /**< break error */
#define AV_PL011_DR_OE AV_BIT(11)         /**< overrun error */
/* RSR/ECR */
#define AV_PL011_RSR_FE AV_BIT(0)         /**< framing error */
#define AV_PL011_RSR_PE AV_BIT(1)         /**< parity error */
#define AV_PL011_RSR_BE AV_BIT(2)         /**< break error */
#define AV_PL011_RSR_OE AV_BIT(3)         /**< overrun error */
/* FR */
#define AV_PL011_FR_CTS AV_BIT(0)         /**< clear to send */
#define AV_PL011_FR_DSR AV_BIT(1)         /**< data set ready */
#define AV_PL011_FR_DCD AV_BIT(2)         /**< data carrier detect */
#define AV_PL011_FR_BUSY AV_BIT(3)        /**< transmitting */
#define AV_PL011_FR_RXFE AV_BIT(4)        /**< receive FIFO empty */
#define AV_PL011_FR_TXFF AV_BIT(5)        /**< transmit FIFO full */
#define AV_PL011_FR_RXFF AV_BIT(6)        /**< receive FIFO full */
#define AV_PL011_FR_TXFE AV_BIT(7)        /**< transmit FIFO empty */
#define AV_PL011_FR_RI AV_BIT(8)          /**< ring indicator */
/* ILPR, IBRD, FBRD */
#define AV_PL011_ILPR_DVSR AV_GENMASK(7, 0)    /**< IrDA low-power divisor */
#define AV_PL011_IBRD_DIVINT AV_GENMASK(15, 0) /**< integer divisor */
#define AV_PL011_FBRD_DIVFRAC AV_GENMASK(5, 0) /**< fractional divisor */
/* LCR_H */
#define AV_PL011_LCRH_BRK AV_BIT(0)           /**< send break */
#define AV_PL011_LCRH_PEN AV_BIT(1)           /**< parity enable */
#define AV_PL011_LCRH_EPS AV_BIT(2)           /**< even parity */
#define AV_PL011_LCRH_STP2 AV_BIT(3)          /**< two stop bits */
#define AV_PL011_LCRH_FEN AV_BIT(4)           /**< FIFOs enabled */
#define AV_PL011_LCRH_WLEN AV_GENMASK(6, 5)   /**< word length - 5 */
#define AV_PL011_LCRH_SPS AV_BIT(7)           /**< stick parity */
/* CR (bits 6:3 reserved) */
#define AV_PL011_CR_UARTEN AV_BIT(0)          /**< UART enable */
#define AV_PL011_CR_SIREN AV_BIT(1)           /**< SIR enable */
#define AV_PL011_CR_SIRLP AV_BIT(2)           /**< SIR low-power mode */
#define AV_PL011_CR_LBE AV_BIT(7)             /**< loopback */
#define AV_PL011_CR_TXE AV_BIT(8)             /**< transmit enable */
#define AV_PL011_CR_RXE AV_BIT(9)             /**< receive enable */
#define AV_PL011_CR_DTR AV_BIT(10)            /**< data transmit ready */
#define AV_PL011_CR_RTS AV_BIT(11)            /**< request to send */
#define AV_PL011_CR_OUT1 AV_BIT(12)           /**< Out1 */
#define AV_PL011_CR_OUT2 AV_BIT(13)           /**< Out2 */
#define AV_PL011_CR_RTSEN AV_BIT(14)          /**< RTS flow control */
#define AV_PL011_CR_CTSEN AV_BIT(15)          /**< CTS flow control */
/* IFLS */
#define AV_PL011_IFLS_TX AV_GENMASK(2, 0)     /**< transmit trigger level */
#define AV_PL011_IFLS_RX AV_GENMASK(5, 3)     /**< receive trigger level */
/* Interrupt bits (IMSC, RIS, MIS, ICR) */
#define AV_PL011_INT_RI AV_BIT(0)             /**< nUARTRI modem */
#define AV_PL011_INT_CTS AV_BIT(1)            /**< nUARTCTS modem */
#define AV_PL011_INT_DCD AV_BIT(2)            /**< nUARTDCD modem */
#define AV_PL011_INT_DSR AV_BIT(3)            /**< nUARTDSR modem */
#define AV_PL011_INT_RX AV_BIT(4)             /**< receive */
#define AV_PL011_INT_TX AV_BIT(5)             /**< transmit */
#define AV_PL011_INT_RT AV_BIT(6)             /**< receive timeout */
#define AV_PL011_INT_FE AV_BIT(7)             /**< framing error */
#define AV_PL011_INT_PE AV_BIT(8)             /**< parity error */
#define AV_PL011_INT_BE AV_BIT(9)             /**< break error */
#define AV_PL011_INT_OE AV_BIT(10)            /**< overrun error */
#define AV_PL011_INT_ALL AV_GENMASK(10, 0)    /**< every interrupt */
/* DMACR */
#define AV_PL011_DMACR_RXDMAE AV_BIT(0)       /**< receive DMA enable */
#define AV_PL011_DMACR_TXDMAE AV_BIT(1)       /**< transmit DMA enable */
#define AV_PL011_DMACR_DMAONERR AV_BIT(2)     /**< DMA on error */

/* Reset values (DDI0183). */
#define AV_PL011_CR_RESET 0x0300u   /**< TXE | RXE */
#define AV_PL011_IFLS_RESET 0x12u   /**< both trigger levels 1/2 */
#define AV_PL011_FR_RESET 0x90u     /**< TXFE | RXFE (modem inputs inactive) */

/** Host side of a UART. */
struct av_pl011_config {
	/** Transmit one byte. @return 0, or negative if the byte could not be taken. Required. */
	int (*tx)(void *cookie, uint8_t byte);
	/** The interrupt line changed to @p level. Optional. */
	void (*set_irq)(void *cookie, bool level);
	/** av_pl011_rx_space() went from 0 to non-zero. Optional. */
	void (*rx_space)(void *cookie);
	void *cookie; /**< passed to every callback */
};

/** A PL011. Caller-allocated; av_pl011_init(). Fields are the model's state. */
struct av_pl011 {
	struct av_pl011_config cfg;            /**< host callbacks */
	uint16_t rx_fifo[AV_PL011_FIFO_DEPTH]; /**< received characters with DR error bits */
	unsigned rx_head;                      /**< oldest entry */
	unsigned rx_count;                     /**< entries in the FIFO */
	bool overrun_pending;                  /**< next received character carries DR.OE */
	bool irq_level;                        /**< last level reported through set_irq */
	uint32_t rsr;     /**< receive status */
	uint32_t ilpr;    /**< IrDA low-power counter */
	uint32_t ibrd;    /**< integer baud rate divisor */
	uint32_t fbrd;    /**< fractional baud rate divisor */
	uint32_t lcr_h;   /**< line control */
	uint32_t cr;      /**< control */
	uint32_t ifls;    /**< FIFO level select */
	uint32_t imsc;    /**< interrupt mask */
	uint32_t ris;     /**< raw interrupt status */
	uint32_t dmacr;   /**< DMA control */
	uint64_t tx_bytes;   /**< bytes passed to the sink */
	uint64_t tx_dropped; /**< bytes the sink refused */
	uint64_t rx_bytes;   /**< bytes accepted into the receive FIFO */
};

/**
 * Initialise a UART in its reset state.
 * @param uart the UART
 * @param cfg callbacks, copied
 * @return 0, or -AV_EINVAL for NULL pointers or a missing @c tx callback.
 */
int av_pl011_init(struct av_pl011 *uart, const struct av_pl011_config *cfg);

/**
 * Reset the registers and empty the FIFO (counters are kept); lowers the IRQ if raised.
 * @param uart the UART
 */
void av_pl011_reset(struct av_pl011 *uart);

/**
 * Bytes av_pl011_rx_push() would accept now: the free FIFO entries while UARTEN and RXE
 * are set, otherwise 0.
 * @param uart the UART
 * @return free receive FIFO entries, 0 while receiving is off
 */
size_t av_pl011_rx_space(const struct av_pl011 *uart);

/**
 * Deliver received bytes.
 * @param uart the UART
 * @param buf bytes received
 * @param len number of bytes in @p buf
 * @return how many leading bytes of @p buf were taken (0..@p len).
 */
size_t av_pl011_rx_push(struct av_pl011 *uart, const uint8_t *buf, size_t len);

/**
 * Report that the host lost received input: RSR.OE, the OE interrupt, DR.OE on the next byte.
 * @param uart the UART
 */
void av_pl011_rx_overrun(struct av_pl011 *uart);

/**
 * Level of the interrupt line: (RIS & IMSC) != 0.
 * @param uart the UART
 * @return the interrupt line level
 */
bool av_pl011_irq(const struct av_pl011 *uart);

/** MMIO operations; the device pointer is the `struct av_pl011 *`. */
extern const struct av_mmio_ops av_pl011_mmio_ops;

/**
 * Fill @p dev to put @p uart on a bus at @p base (size AV_PL011_SIZE, AV_PL011_WIDTHS,
 * name "pl011"); then av_mmio_register() it.
 * @param uart the UART
 * @param base guest-physical base address of the 4 KiB frame
 * @param dev the device to fill in, for av_mmio_register()
 * @return 0 or -AV_EINVAL for NULL pointers.
 */
int av_pl011_mmio_dev(struct av_pl011 *uart, uint64_t base, struct av_mmio_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_PL011_H */
