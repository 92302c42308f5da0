/* SPDX-License-Identifier: MIT */
/*
 * CFI NOR flash model (Intel/Sharp command set 0x0001), as QEMU's virt board wires it.
 *
 * Addressing: a bank is bank_width / device_width chips side by side. Chip word n sits at
 * bus offset n * bank_width, every chip answering in its own device_width-byte lane, so a
 * query, identifier or status read gives one chip's answer replicated into each lane
 * (two x16 chips on a 32-bit bus: 'Q' reads 0x00510051 at offset 0x40). Reads in those
 * modes are composed byte by byte from the lane the byte falls in, so any width and any
 * alignment reads what a real bus would.
 *
 * Writes: in a read mode (array, identifier, query, status) a write is a command whose
 * byte is the low byte of the value; the multi-cycle commands then take their next write
 * as data, count or confirm. An access wider than the bank acts as bank-width accesses in
 * address order (an 8-byte store of two commands is two commands).
 *
 * Contents change only on a completed operation: word program, block erase (at 0xD0) and
 * write to buffer (gathered in f->buf, committed at 0xD0). Programming ANDs the data into
 * the cells. Every offset is checked against the bank size before mem is touched.
 */
#include <armvirt/dev/cfi_flash.h>

#include "compat.h"

/* Status bits a bad command sequence sets (Intel: SR.5 and SR.4 together). */
#define SR_SEQ_ERR (AV_CFI_SR_ERASE_ERR | AV_CFI_SR_PROGRAM_ERR)
/* Every error bit 0x50 clears. */
#define SR_ERRORS (AV_CFI_SR_ERASE_ERR | AV_CFI_SR_PROGRAM_ERR | AV_CFI_SR_LOCKED | 0x08u | 0x01u)

/* buf_len of a write to buffer that already went wrong: the confirm refuses it. */
#define BUF_POISONED UINT32_MAX

/* Identifier words (per chip, block relative). */
#define ID_MANUFACTURER 0
#define ID_DEVICE 1
#define ID_LOCK 2

/* Length of the query table; words beyond read 0. */
#define QUERY_LEN 0x40u

static unsigned nr_chips(const struct av_cfi_flash *f)
{
	return f->cfg.bank_width / f->cfg.device_width;
}

/* Bytes one chip's write buffer holds: the CFI table reports it, 0xE8 uses it. */
static uint32_t chip_buffer(const struct av_cfi_flash *f)
{
	uint32_t n = (uint32_t)sizeof(f->buf) / nr_chips(f);

	return n < AV_CFI_FLASH_WRITE_BUFFER ? n : AV_CFI_FLASH_WRITE_BUFFER;
}

/* Bytes of one bank-wide buffered write (every chip's buffer): at most sizeof(f->buf). */
static uint32_t bank_buffer(const struct av_cfi_flash *f)
{
	return chip_buffer(f) * nr_chips(f);
}

static unsigned log2_ceil(uint64_t v)
{
	unsigned n = 0;

	while (n < 63 && (UINT64_C(1) << n) < v)
		n++;
	return n;
}

/*
 * Byte @p idx of one chip's CFI query table (the layout QEMU's pflash_cfi01 reports: "QRY",
 * command set 0x0001, extended table "PRI" 1.0 at 0x31, one uniform erase-block region).
 */
static uint8_t query_byte(const struct av_cfi_flash *f, uint64_t idx)
{
	uint64_t blocks = f->cfg.size / f->cfg.sector_size;
	uint32_t chip_sector = f->cfg.sector_size / nr_chips(f);

	switch (idx) {
	case 0x10: return 'Q';
	case 0x11: return 'R';
	case 0x12: return 'Y';
	case 0x13: return 0x01; /* primary command set: Intel/Sharp extended */
	case 0x15: return 0x31; /* primary extended table address */
	case 0x1b: return 0x45; /* Vcc min 4.5 V */
	case 0x1c: return 0x55; /* Vcc max 5.5 V */
	/* NOLINTNEXTLINE(bugprone-branch-clone): separate CFI fields, equal values */
	case 0x1f: return 0x07; /* typical word program: 2^7 us */
	case 0x20: return 0x07; /* typical buffer program: 2^7 us */
	case 0x21: return 0x0a; /* typical block erase: 2^10 ms */
	/* NOLINTNEXTLINE(bugprone-branch-clone): separate CFI fields, equal values */
	case 0x23: return 0x04; /* maximum word program: 2^4 x typical */
	case 0x24: return 0x04; /* maximum buffer program */
	case 0x25: return 0x04; /* maximum block erase */
	case 0x27: return (uint8_t)log2_ceil(f->cfg.size / nr_chips(f)); /* chip size */
	case 0x28: return 0x02; /* interface: x8/x16 */
	case 0x2a: return (uint8_t)log2_ceil(chip_buffer(f)); /* write buffer bytes */
	case 0x2c: return 0x01; /* one erase-block region */
	case 0x2d: return (uint8_t)(blocks - 1);
	case 0x2e: return (uint8_t)((blocks - 1) >> 8);
	case 0x2f: return (uint8_t)(chip_sector >> 8); /* block size / 256 */
	case 0x30: return (uint8_t)(chip_sector >> 16);
	case 0x31: return 'P';
	case 0x32: return 'R';
	case 0x33: return 'I';
	case 0x34: return '1'; /* extended table version 1.0 */
	case 0x35: return '0';
	case 0x3f: return 0x01; /* protection fields */
	default: return 0;
	}
}

static uint64_t block_of(const struct av_cfi_flash *f, uint64_t off)
{
	return off / f->cfg.sector_size;
}

static bool block_locked(const struct av_cfi_flash *f, uint64_t block)
{
	return (f->locked[block / 8] >> (block % 8)) & 1u;
}

static void set_block_lock(struct av_cfi_flash *f, uint64_t block, bool lock)
{
	uint8_t bit = (uint8_t)(1u << (block % 8));

	if (lock)
		f->locked[block / 8] |= bit;
	else
		f->locked[block / 8] &= (uint8_t)~bit;
}

/* One chip's answer to a read at bank offset @p off in the current (non-array) mode. */
static uint16_t chip_word(const struct av_cfi_flash *f, uint64_t off)
{
	uint64_t word = off / f->cfg.bank_width;

	switch (f->mode) {
	case AV_CFI_MODE_QUERY:
		return word < QUERY_LEN ? query_byte(f, word) : 0;
	case AV_CFI_MODE_ID:
		switch ((off % f->cfg.sector_size) / f->cfg.bank_width) {
		case ID_MANUFACTURER:
			return f->cfg.manufacturer;
		case ID_DEVICE:
			return f->cfg.device_id;
		case ID_LOCK:
			return block_locked(f, block_of(f, off)) ? 1 : 0;
		default:
			return 0;
		}
	default: /* status in every other mode, as QEMU's model answers */
		return f->status;
	}
}

/* The byte a read in a non-array mode sees at @p off: its lane of the chip's answer. */
static uint8_t mode_byte(const struct av_cfi_flash *f, uint64_t off)
{
	unsigned in_chip = (unsigned)(off % f->cfg.bank_width) % f->cfg.device_width;

	return (uint8_t)(chip_word(f, off) >> (8 * in_chip));
}

static void set_mode(struct av_cfi_flash *f, enum av_cfi_flash_mode mode)
{
	bool rom = mode == AV_CFI_MODE_ARRAY;

	/* the mode first: a callback that asks av_cfi_flash_rom_mode() sees the new one */
	f->mode = mode;
	if (rom != f->rom) {
		f->rom = rom;
		if (f->cfg.set_rom_mode)
			f->cfg.set_rom_mode(f->cfg.cookie, rom);
	}
}

/* A refused operation: error bits, counted, then the status is readable. */
static void refuse(struct av_cfi_flash *f, uint8_t bits)
{
	f->status |= bits;
	f->refused++;
	set_mode(f, AV_CFI_MODE_STATUS);
}

/* A second cycle that does not fit the first: 0xFF still reads the array. */
static void bad_sequence(struct av_cfi_flash *f, uint8_t cmd)
{
	refuse(f, SR_SEQ_ERR);
	if (cmd == AV_CFI_CMD_READ_ARRAY)
		set_mode(f, AV_CFI_MODE_ARRAY);
}

/*
 * Whether [off, off + len) may change: inside the bank, the bank writable, no block
 * locked. Otherwise refuses with @p err (plus the locked bit for a locked block).
 */
static bool may_change(struct av_cfi_flash *f, uint64_t off, uint64_t len, uint8_t err)
{
	if (off >= f->cfg.size || len > f->cfg.size - off || len == 0) {
		refuse(f, err);
		return false;
	}
	if (f->cfg.read_only) {
		refuse(f, err);
		return false;
	}
	for (uint64_t b = block_of(f, off); b <= block_of(f, off + len - 1); b++) {
		if (block_locked(f, b)) {
			refuse(f, err | AV_CFI_SR_LOCKED);
			return false;
		}
	}
	return true;
}

static void changed(struct av_cfi_flash *f, uint64_t off, uint64_t len)
{
	if (f->cfg.changed)
		f->cfg.changed(f->cfg.cookie, off, len);
}

/* Program @p len bytes of @p data (little-endian) at @p off: cells only lose bits. */
static void program(struct av_cfi_flash *f, uint64_t off, unsigned len, uint64_t data)
{
	if (may_change(f, off, len, AV_CFI_SR_PROGRAM_ERR)) {
		for (unsigned i = 0; i < len; i++)
			f->cfg.mem[off + i] &= (uint8_t)(data >> (8 * i));
		f->programs++;
		changed(f, off, len);
	}
	set_mode(f, AV_CFI_MODE_STATUS);
}

static void erase(struct av_cfi_flash *f, uint64_t off)
{
	uint64_t base = off - off % f->cfg.sector_size;

	if (may_change(f, base, f->cfg.sector_size, AV_CFI_SR_ERASE_ERR)) {
		memset(f->cfg.mem + base, 0xff, f->cfg.sector_size);
		f->erases++;
		changed(f, base, f->cfg.sector_size);
	}
	set_mode(f, AV_CFI_MODE_STATUS);
}

/* 0xE8's second cycle: the count of bank words, from one chip's lane. */
static void buffer_count(struct av_cfi_flash *f, uint64_t val, uint8_t cmd)
{
	uint64_t lane = f->cfg.device_width == 1 ? 0xffu : 0xffffu;
	uint64_t words = (val & lane) + 1;

	if (words * f->cfg.bank_width > bank_buffer(f)) {
		bad_sequence(f, cmd);
		return;
	}
	f->buf_count = (uint32_t)words;
	f->buf_len = 0;
	f->buf_base = UINT64_MAX; /* set by the first data write */
	memset(f->buf, 0xff, sizeof(f->buf));
	set_mode(f, AV_CFI_MODE_BUF_DATA);
}

/* One data write of a write to buffer: gathered, inside one buffer-aligned window. */
static void buffer_data(struct av_cfi_flash *f, uint64_t off, unsigned len, uint64_t val)
{
	uint64_t win = bank_buffer(f);

	if (f->buf_base == UINT64_MAX)
		f->buf_base = off - off % win;
	if (f->buf_len != BUF_POISONED) {
		if (off < f->buf_base || off - f->buf_base + len > win) {
			f->buf_len = BUF_POISONED;
		} else {
			uint32_t at = (uint32_t)(off - f->buf_base);

			for (unsigned i = 0; i < len; i++)
				f->buf[at + i] = (uint8_t)(val >> (8 * i));
			if (at + len > f->buf_len)
				f->buf_len = at + len;
		}
	}
	if (--f->buf_count == 0)
		set_mode(f, AV_CFI_MODE_BUF_CONFIRM);
}

static void buffer_confirm(struct av_cfi_flash *f, uint8_t cmd)
{
	if (cmd != AV_CFI_CMD_CONFIRM || f->buf_len == BUF_POISONED) {
		bad_sequence(f, cmd);
		return;
	}
	if (may_change(f, f->buf_base, f->buf_len, AV_CFI_SR_PROGRAM_ERR)) {
		/* bytes the guest did not write are 0xff in the buffer: they change nothing */
		uint32_t first = 0, end = f->buf_len;

		while (first < end && f->buf[first] == 0xff)
			first++;
		while (end > first && f->buf[end - 1] == 0xff)
			end--;
		for (uint32_t i = first; i < end; i++)
			f->cfg.mem[f->buf_base + i] &= f->buf[i];
		f->programs++;
		if (end > first)
			changed(f, f->buf_base + first, end - first);
	}
	set_mode(f, AV_CFI_MODE_STATUS);
}

/* A write in a read mode: a new command. */
static void command(struct av_cfi_flash *f, uint8_t cmd)
{
	switch (cmd) {
	case AV_CFI_CMD_READ_ID:
		set_mode(f, AV_CFI_MODE_ID);
		break;
	case AV_CFI_CMD_QUERY:
		set_mode(f, AV_CFI_MODE_QUERY);
		break;
	case AV_CFI_CMD_READ_STATUS:
	case AV_CFI_CMD_SUSPEND:
	case AV_CFI_CMD_CONFIRM: /* resume: nothing is suspended */
		set_mode(f, AV_CFI_MODE_STATUS);
		break;
	case AV_CFI_CMD_CLEAR_STATUS:
		f->status &= (uint8_t)~SR_ERRORS;
		set_mode(f, AV_CFI_MODE_ARRAY);
		break;
	case AV_CFI_CMD_PROGRAM:
	case AV_CFI_CMD_PROGRAM_ALT:
		set_mode(f, AV_CFI_MODE_PROGRAM);
		break;
	case AV_CFI_CMD_WRITE_BUFFER:
		set_mode(f, AV_CFI_MODE_BUF_COUNT);
		break;
	case AV_CFI_CMD_ERASE:
		set_mode(f, AV_CFI_MODE_ERASE);
		break;
	case AV_CFI_CMD_LOCK_SETUP:
		set_mode(f, AV_CFI_MODE_LOCK);
		break;
	default: /* read array (0xFF, 0x00, 0xF0) and every unknown byte */
		set_mode(f, AV_CFI_MODE_ARRAY);
		break;
	}
}

/* One write of at most the bank width. */
static void write_one(struct av_cfi_flash *f, uint64_t off, unsigned len, uint64_t val)
{
	uint8_t cmd = (uint8_t)val;

	switch (f->mode) {
	case AV_CFI_MODE_PROGRAM:
		program(f, off, len, val);
		break;
	case AV_CFI_MODE_ERASE:
		if (cmd == AV_CFI_CMD_CONFIRM)
			erase(f, off);
		else
			bad_sequence(f, cmd);
		break;
	case AV_CFI_MODE_LOCK:
		if (cmd == AV_CFI_CMD_LOCK || cmd == AV_CFI_CMD_CONFIRM) {
			set_block_lock(f, block_of(f, off), cmd == AV_CFI_CMD_LOCK);
			set_mode(f, AV_CFI_MODE_STATUS);
		} else {
			bad_sequence(f, cmd);
		}
		break;
	case AV_CFI_MODE_BUF_COUNT:
		buffer_count(f, val, cmd);
		break;
	case AV_CFI_MODE_BUF_DATA:
		buffer_data(f, off, len, val);
		break;
	case AV_CFI_MODE_BUF_CONFIRM:
		buffer_confirm(f, cmd);
		break;
	default:
		command(f, cmd);
		break;
	}
}

static bool in_bank(const struct av_cfi_flash *f, uint64_t off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4 || size == 8) && off < f->cfg.size &&
	       size <= f->cfg.size - off;
}

static enum av_access_result flash_read(void *dev, struct av_vcpu *vcpu, uint64_t off,
					unsigned size, uint64_t *val)
{
	struct av_cfi_flash *f = dev;
	uint64_t v = 0;

	(void)vcpu;
	*val = 0;
	if (!in_bank(f, off, size))
		return AV_ACCESS_INJECT;
	for (unsigned i = 0; i < size; i++) {
		uint8_t b = f->mode == AV_CFI_MODE_ARRAY ? f->cfg.mem[off + i]
							 : mode_byte(f, off + i);

		v |= (uint64_t)b << (8 * i);
	}
	*val = v;
	return AV_ACCESS_HANDLED;
}

static enum av_access_result flash_write(void *dev, struct av_vcpu *vcpu, uint64_t off,
					 unsigned size, uint64_t val)
{
	struct av_cfi_flash *f = dev;
	unsigned step;

	(void)vcpu;
	if (!in_bank(f, off, size))
		return AV_ACCESS_INJECT;
	/* step is at most 4 bytes (the widest bank), so the mask below never overflows */
	step = size < f->cfg.bank_width ? size : f->cfg.bank_width;
	for (unsigned i = 0; i < size; i += step)
		/* NOLINTNEXTLINE(clang-analyzer-core.UndefinedBinaryOperatorResult): init: 1, 2, 4 */
		write_one(f, off + i, step, (val >> (8 * i)) & ((UINT64_C(1) << (8 * step)) - 1));
	return AV_ACCESS_HANDLED;
}

void av_cfi_flash_reset(struct av_cfi_flash *f)
{
	if (f == NULL)
		return;
	f->status = AV_CFI_SR_READY;
	f->buf_count = 0;
	f->buf_len = 0;
	f->buf_base = 0;
	memset(f->locked, 0, sizeof(f->locked));
	set_mode(f, AV_CFI_MODE_ARRAY);
}

static void flash_reset_op(void *dev)
{
	av_cfi_flash_reset(dev);
}

const struct av_mmio_ops av_cfi_flash_mmio_ops = {
	.read = flash_read,
	.write = flash_write,
	.reset = flash_reset_op,
};

int av_cfi_flash_virt_config(struct av_cfi_flash_config *cfg, unsigned bank, uint8_t *mem,
			     uint64_t size)
{
	if (cfg == NULL || bank > 1)
		return -AV_EINVAL;
	*cfg = (struct av_cfi_flash_config){
		.mem = mem,
		.size = size,
		.sector_size = AV_CFI_FLASH_VIRT_SECTOR,
		.bank_width = AV_CFI_FLASH_VIRT_BANK_WIDTH,
		.device_width = AV_CFI_FLASH_VIRT_DEVICE_WIDTH,
		.read_only = bank == 0,
	};
	return 0;
}

int av_cfi_flash_init(struct av_cfi_flash *f, const struct av_cfi_flash_config *cfg)
{
	uint32_t sector;

	if (f == NULL || cfg == NULL || cfg->mem == NULL)
		return -AV_EINVAL;
	sector = cfg->sector_size;
	if (cfg->bank_width != 1 && cfg->bank_width != 2 && cfg->bank_width != 4)
		return -AV_EINVAL;
	if ((cfg->device_width != 1 && cfg->device_width != 2) ||
	    cfg->device_width > cfg->bank_width)
		return -AV_EINVAL;
	if (sector < 0x1000u || (sector & (sector - 1)) != 0)
		return -AV_EINVAL;
	if (cfg->size == 0 || cfg->size % sector != 0 ||
	    cfg->size / sector > AV_CFI_FLASH_MAX_BLOCKS)
		return -AV_EINVAL;

	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	if (f->cfg.manufacturer == 0)
		f->cfg.manufacturer = 0x89;
	if (f->cfg.device_id == 0)
		f->cfg.device_id = 0x18;
	f->rom = false;
	av_cfi_flash_reset(f);
	return 0;
}

bool av_cfi_flash_rom_mode(const struct av_cfi_flash *f)
{
	return f != NULL && f->mode == AV_CFI_MODE_ARRAY;
}

int av_cfi_flash_mmio_dev(struct av_cfi_flash *f, uint64_t base, struct av_mmio_dev *dev)
{
	if (f == NULL || dev == NULL)
		return -AV_EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->base = base;
	dev->size = f->cfg.size;
	dev->ops = &av_cfi_flash_mmio_ops;
	dev->dev = f;
	dev->name = "flash";
	dev->widths = AV_MMIO_WALL;
	dev->flags = AV_MMIO_F_UNALIGNED;
	return 0;
}
