/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/dev/cfi_flash.h
 * @brief CFI NOR flash (Intel/Sharp extended command set, CFI ID 0x0001) device model for
 *        the MMIO bus: the firmware code and variable-store banks of QEMU's virt board.
 *
 * A bank is @c size bytes of host memory (av_cfi_flash_config::mem, owned by the caller)
 * made of @c bank_width / @c device_width chips side by side on a @c bank_width-byte bus
 * (QEMU virt: two 16-bit chips on a 32-bit bus, 256 KiB erase blocks). The model keeps the
 * command state machine; the bytes live only in @c mem.
 *
 * Read-array mode and the ROM window: after reset and after a Read Array command (0xFF)
 * the bank reads as memory. The model then reports "ROM mode" through
 * av_cfi_flash_config::set_rom_mode(true): the host maps @c mem read-only into the guest
 * (a stage-2 mapping, a read-only KVM memory slot), so reads and instruction fetches cost
 * no exit and only writes trap. Any command that leaves read-array mode (query, identifier,
 * status, program, erase) first calls set_rom_mode(false): the host unmaps the window so
 * the following reads trap to av_cfi_flash_mmio_ops and see the query table or the status.
 * The model also answers reads itself in read-array mode (a host without the mapping, an
 * access with ISV=0), from @c mem.
 *
 * Commands (each written as the command byte replicated into every chip's lane of the
 * bus, or as a single byte on lane 0; both are accepted):
 * - 0xFF read array; 0x90 read identifier (manufacturer at word 0, device at word 1,
 *   block lock status at word 2 of each block); 0x98 CFI query (the "QRY" table: command
 *   set 0x0001, timing, device size, write-buffer size, one erase-block region);
 * - 0x70 read status; 0x50 clear status;
 * - 0x40 / 0x10 word program (the next write is the data); 0xE8 write to buffer (the next
 *   write is the word count minus one, then that many data writes inside one buffer-sized
 *   window, then 0xD0 confirm); 0x20 block erase, then 0xD0 confirm (the block becomes
 *   all ones);
 * - 0x60 lock setup, then 0x01 (lock block) or 0xD0 (unlock block; the model keeps
 *   per-block lock bits, all clear at reset); 0xB0 / 0xD0 suspend / resume are accepted and
 *   do nothing (operations complete at once).
 *
 * Programming clears bits only (new = old & data), as NOR cells do. Operations complete
 * immediately: the status register reads "ready" (bit 7) at once.
 *
 * Status register bits (per chip lane): 0x80 ready, 0x20 erase error (also: bad command
 * sequence), 0x10 program error, 0x02 block locked. A program or erase of a locked block,
 * of a read-only bank (av_cfi_flash_config::read_only: the firmware code bank) or outside
 * the bank sets the error bits and changes nothing; so does a malformed sequence (0xD0
 * missing after 0x20, a buffer count larger than the buffer, data outside the buffer's
 * window). A command byte the model does not know is ignored and the bank returns to
 * read-array mode; no guest write sequence can make the model fail, block, or touch memory
 * outside @c mem.
 *
 * Widths: accesses of 1, 2, 4 and 8 bytes; an access wider than the bank width acts as
 * consecutive bank-width accesses. Little-endian.
 *
 * Not synchronised: serialise accesses to one bank.
 */
#ifndef ARMVIRT_DEV_CFI_FLASH_H
#define ARMVIRT_DEV_CFI_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/mmio.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Erase-block size of QEMU virt's flash (256 KiB). */
#define AV_CFI_FLASH_VIRT_SECTOR 0x40000u
/** Bus width of QEMU virt's flash banks, in bytes. */
#define AV_CFI_FLASH_VIRT_BANK_WIDTH 4u
/** Width of one chip of QEMU virt's flash banks, in bytes. */
#define AV_CFI_FLASH_VIRT_DEVICE_WIDTH 2u
/** Bytes of the write buffer of one chip (the CFI table reports it; 0xE8 uses it): 2 KiB,
 *  as QEMU's pflash_cfi01 reports for a bank wider than a byte. */
#define AV_CFI_FLASH_WRITE_BUFFER 2048u

/* ---- commands ---- */
#define AV_CFI_CMD_READ_ARRAY 0xffu   /**< read array (also 0x00 and 0xf0) */
#define AV_CFI_CMD_READ_ID 0x90u      /**< read identifier */
#define AV_CFI_CMD_QUERY 0x98u        /**< CFI query */
#define AV_CFI_CMD_READ_STATUS 0x70u  /**< read status register */
#define AV_CFI_CMD_CLEAR_STATUS 0x50u /**< clear status register */
#define AV_CFI_CMD_PROGRAM 0x40u      /**< word program (0x10 is an alias) */
#define AV_CFI_CMD_PROGRAM_ALT 0x10u  /**< word program, alternate code */
#define AV_CFI_CMD_WRITE_BUFFER 0xe8u /**< write to buffer */
#define AV_CFI_CMD_ERASE 0x20u        /**< block erase setup */
#define AV_CFI_CMD_CONFIRM 0xd0u      /**< erase/buffer confirm; unlock after 0x60 */
#define AV_CFI_CMD_LOCK_SETUP 0x60u   /**< lock setup */
#define AV_CFI_CMD_LOCK 0x01u         /**< lock block, after 0x60 */
#define AV_CFI_CMD_SUSPEND 0xb0u      /**< program/erase suspend */

/* ---- status register ---- */
#define AV_CFI_SR_READY 0x80u       /**< write state machine ready */
#define AV_CFI_SR_ERASE_ERR 0x20u   /**< erase failed, or a bad command sequence */
#define AV_CFI_SR_PROGRAM_ERR 0x10u /**< program failed */
#define AV_CFI_SR_LOCKED 0x02u      /**< the operation hit a locked block */

/** Host side of one bank. */
struct av_cfi_flash_config {
	uint8_t *mem;          /**< the bank's bytes (@c size of them), owned by the caller */
	uint64_t size;         /**< bank size: a non-zero multiple of @c sector_size */
	uint32_t sector_size;  /**< erase-block size in bytes (a power of two >= 4 KiB) */
	unsigned bank_width;   /**< bus width in bytes: 1, 2 or 4 */
	unsigned device_width; /**< chip width in bytes: 1 or 2, at most @c bank_width */
	bool read_only;        /**< program and erase fail (the firmware code bank) */
	uint8_t manufacturer;  /**< identifier word 0 (0 gives 0x89) */
	uint16_t device_id;    /**< identifier word 1 (0 gives 0x18) */
	/**
	 * Read-array mode entered (@p rom true: the host may map @c mem read-only at the
	 * bank's address) or left (false: the host must unmap it, reads must reach the model).
	 * Called only on a change, and by av_cfi_flash_init() with true. Optional.
	 */
	void (*set_rom_mode)(void *cookie, bool rom);
	/**
	 * @p len bytes of @c mem at @p offset changed (program or erase): a host that keeps
	 * the bank in a file may write them back. Optional.
	 */
	void (*changed)(void *cookie, uint64_t offset, uint64_t len);
	void *cookie; /**< passed to the callbacks */
};

/** Operating mode of the command state machine. */
enum av_cfi_flash_mode {
	AV_CFI_MODE_ARRAY = 0,   /**< read array */
	AV_CFI_MODE_ID,          /**< read identifier */
	AV_CFI_MODE_QUERY,       /**< CFI query */
	AV_CFI_MODE_STATUS,      /**< read status */
	AV_CFI_MODE_PROGRAM,     /**< word program: waiting for the data */
	AV_CFI_MODE_ERASE,       /**< erase: waiting for 0xD0 */
	AV_CFI_MODE_LOCK,        /**< lock setup: waiting for 0x01 / 0xD0 */
	AV_CFI_MODE_BUF_COUNT,   /**< write to buffer: waiting for the count */
	AV_CFI_MODE_BUF_DATA,    /**< write to buffer: taking data */
	AV_CFI_MODE_BUF_CONFIRM, /**< write to buffer: waiting for 0xD0 */
};

/** Most erase blocks a bank may have (64 MiB of 4 KiB blocks). */
#define AV_CFI_FLASH_MAX_BLOCKS 16384u

/** One bank. Caller-allocated; av_cfi_flash_init(). Fields are the model's state. */
struct av_cfi_flash {
	struct av_cfi_flash_config cfg;  /**< configuration, copied */
	enum av_cfi_flash_mode mode;     /**< state machine */
	uint8_t status;                  /**< status register (one chip's lane) */
	bool rom;                        /**< last value reported through set_rom_mode */
	uint64_t buf_base;               /**< write to buffer: offset of the buffer window */
	uint32_t buf_count;              /**< write to buffer: bank words still expected */
	uint32_t buf_len;                /**< write to buffer: bytes gathered */
	uint8_t buf[AV_CFI_FLASH_WRITE_BUFFER * 2]; /**< gathered data, one bank-wide buffer */
	uint8_t locked[AV_CFI_FLASH_MAX_BLOCKS / 8]; /**< per-block lock bits */
	uint64_t programs;               /**< program operations done (statistics) */
	uint64_t erases;                 /**< block erases done (statistics) */
	uint64_t refused;                /**< operations refused (locked, read-only, bad) */
};

/**
 * Initialise a bank in read-array mode with every block unlocked, and report ROM mode
 * (set_rom_mode(true)).
 * @param f the bank
 * @param cfg configuration, copied
 * @return 0; -AV_EINVAL for NULL pointers, widths other than above, a sector size that is
 *         not a power of two >= 4 KiB, or a size that is 0, not a multiple of it or more
 *         than #AV_CFI_FLASH_MAX_BLOCKS blocks.
 */
int av_cfi_flash_init(struct av_cfi_flash *f, const struct av_cfi_flash_config *cfg);

/**
 * Return to read-array mode with a clear status and every block unlocked (a system
 * reset); reports ROM mode if it changes. The contents are kept.
 * @param f the bank
 */
void av_cfi_flash_reset(struct av_cfi_flash *f);

/**
 * Whether the bank is in read-array mode (the host may map it read-only).
 * @param f the bank
 * @return true in read-array mode
 */
bool av_cfi_flash_rom_mode(const struct av_cfi_flash *f);

/**
 * Configuration of bank @p bank of QEMU virt's flash (doc/firmware.md): 256 KiB erase
 * blocks, a 4-byte bus of two 16-bit chips; bank 0 holds the firmware code and is read-only,
 * bank 1 the variable store. Every other field (identifiers, callbacks, cookie) is zeroed:
 * the host sets the callbacks its way of mapping the bank needs.
 * @param cfg the configuration to fill in
 * @param bank 0 (code) or 1 (variables)
 * @param mem the bank's bytes, owned by the caller
 * @param size bank size in bytes
 * @return 0; -AV_EINVAL for a NULL @p cfg or a bank other than 0 and 1 (@p cfg untouched).
 *         av_cfi_flash_init() checks @p mem and @p size.
 */
int av_cfi_flash_virt_config(struct av_cfi_flash_config *cfg, unsigned bank, uint8_t *mem,
			     uint64_t size);

/** MMIO operations; the device pointer is the `struct av_cfi_flash *`. */
extern const struct av_mmio_ops av_cfi_flash_mmio_ops;

/**
 * Fill @p dev to put @p f on a bus at @p base (size: the bank's, every width, unaligned
 * accesses accepted, name "flash"); then av_mmio_register() it.
 * @param f the bank
 * @param base guest-physical base address
 * @param dev the device to fill in
 * @return 0 or -AV_EINVAL for NULL pointers.
 */
int av_cfi_flash_mmio_dev(struct av_cfi_flash *f, uint64_t base, struct av_mmio_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_DEV_CFI_FLASH_H */
