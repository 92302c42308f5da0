/* SPDX-License-Identifier: MIT */
/* Unit tests: the CFI NOR flash model, driven through the MMIO bus the way EDK2's
 * NorFlashDxe and U-Boot's cfi_flash driver drive QEMU virt's pflash (two x16 chips on a
 * 32-bit bus, commands replicated into both halves). Expected values are written as numbers
 * from the CFI and Intel command-set specifications, not computed by the model's formulas.
 * The bank's memory sits between guard pages that must never change. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <armvirt/dev/cfi_flash.h>
#include <armvirt/mmio.h>
#include <armvirt/types.h>

#define BASE 0x04000000ull
#define SECTOR 0x40000u       /* QEMU virt: 256 KiB erase blocks */
#define NBLOCKS 4u
#define SIZE (SECTOR * NBLOCKS)
#define SMALL 0x4000u      /* a bank of four 4 KiB blocks */
#define GUARD 4096u
#define GUARD_BYTE 0xa5

/* Replicated into both x16 chips, as EDK2's CREATE_DUAL_CMD and U-Boot's flash_make_cmd. */
#define DUAL(c) (((uint32_t)(c) << 16) | (uint32_t)(c))

static struct av_cfi_flash *h_flash; /* the bank whose callbacks these are */

struct host {
	int rom_calls;
	bool rom;
	int changed_calls;
	uint64_t changed_off, changed_len;
};

static void h_rom(void *c, bool rom)
{
	struct host *h = c;

	/* only changes are reported */
	if (h->rom_calls)
		assert_true(rom != h->rom);
	/* the model is already in (or out of) read-array mode when it says so */
	if (h_flash != NULL)
		assert_int_equal(av_cfi_flash_rom_mode(h_flash), rom);
	h->rom = rom;
	h->rom_calls++;
}

static void h_changed(void *c, uint64_t off, uint64_t len)
{
	struct host *h = c;

	h->changed_calls++;
	h->changed_off = off;
	h->changed_len = len;
}

struct fix {
	struct host h;
	uint8_t *alloc;
	uint8_t *mem;
	uint64_t size;
	struct av_cfi_flash flash;
	struct av_mmio_dev dev;
	struct av_mmio_dev *slots[1];
	struct av_mmio_bus bus;
};

static struct fix F;

/* A bank of @p size bytes (QEMU virt widths unless changed), filled with @p fill. */
static void setup_bank(uint64_t size, uint32_t sector, bool ro, uint8_t fill,
		       unsigned bank_width, unsigned device_width)
{
	struct av_cfi_flash_config cfg;

	free(F.alloc);
	memset(&F, 0, sizeof(F));
	F.size = size;
	F.alloc = malloc(size + 2 * GUARD);
	assert_non_null(F.alloc);
	memset(F.alloc, GUARD_BYTE, size + 2 * GUARD);
	F.mem = F.alloc + GUARD;
	memset(F.mem, fill, size);

	memset(&cfg, 0, sizeof(cfg));
	cfg.mem = F.mem;
	cfg.size = size;
	cfg.sector_size = sector;
	cfg.bank_width = bank_width;
	cfg.device_width = device_width;
	cfg.read_only = ro;
	cfg.set_rom_mode = h_rom;
	cfg.changed = h_changed;
	cfg.cookie = &F.h;
	h_flash = &F.flash;
	assert_int_equal(av_cfi_flash_init(&F.flash, &cfg), 0);
	assert_int_equal(av_cfi_flash_mmio_dev(&F.flash, BASE, &F.dev), 0);
	assert_int_equal(av_mmio_bus_init(&F.bus, F.slots, 1, AV_MMIO_UNCLAIMED_ABORT, NULL), 0);
	assert_int_equal(av_mmio_register(&F.bus, &F.dev, NULL), 0);
}

static void setup_virt(bool ro, uint8_t fill)
{
	setup_bank(SIZE, SECTOR, ro, fill, 4, 2);
}

static int teardown(void **state)
{
	(void)state;
	free(F.alloc);
	F.alloc = NULL;
	return 0;
}

static void guards_intact(void)
{
	for (unsigned i = 0; i < GUARD; i++) {
		if (F.alloc[i] != GUARD_BYTE || F.alloc[GUARD + F.size + i] != GUARD_BYTE)
			fail_msg("guard byte %u changed", i);
	}
}

static uint64_t rdw(uint64_t off, unsigned size)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(av_mmio_access(&F.bus, NULL, BASE + off, size, false, &v),
			 AV_ACCESS_HANDLED);
	return v;
}

static uint32_t rd(uint64_t off)
{
	return (uint32_t)rdw(off, 4);
}

static void wrw(uint64_t off, unsigned size, uint64_t val)
{
	assert_int_equal(av_mmio_access(&F.bus, NULL, BASE + off, size, true, &val),
			 AV_ACCESS_HANDLED);
}

static void wr(uint64_t off, uint32_t val)
{
	wrw(off, 4, val);
}

static void cmd(uint64_t off, uint8_t c)
{
	wr(off, DUAL(c));
}

static uint32_t mem32(uint64_t off)
{
	uint32_t v;

	memcpy(&v, F.mem + off, 4);
	return v;
}

/* The status register, read as EDK2 does: 0x70 at the bank base, a 32-bit read. */
static uint32_t status(void)
{
	cmd(0, AV_CFI_CMD_READ_STATUS);
	return rd(0);
}

static bool all_bytes(uint64_t off, uint64_t len, uint8_t v)
{
	for (uint64_t i = 0; i < len; i++)
		if (F.mem[off + i] != v)
			return false;
	return true;
}

/* ---- configuration ---- */

static void test_init(void **state)
{
	struct av_cfi_flash fl;
	struct av_cfi_flash_config cfg;
	static uint8_t m[0x2000];
	(void)state;

	memset(&cfg, 0, sizeof(cfg));
	cfg.mem = m;
	cfg.size = sizeof(m);
	cfg.sector_size = 0x1000;
	cfg.bank_width = 4;
	cfg.device_width = 2;
	assert_int_equal(av_cfi_flash_init(&fl, &cfg), 0);
	assert_true(av_cfi_flash_rom_mode(&fl));
	assert_int_equal(fl.cfg.manufacturer, 0x89);
	assert_int_equal(fl.cfg.device_id, 0x18);
	assert_int_equal(fl.status, AV_CFI_SR_READY);

	assert_int_equal(av_cfi_flash_init(NULL, &cfg), -AV_EINVAL);
	assert_int_equal(av_cfi_flash_init(&fl, NULL), -AV_EINVAL);
#define BAD(field, value)                                                   \
	do {                                                                \
		struct av_cfi_flash_config c = cfg;                         \
		c.field = value;                                            \
		assert_int_equal(av_cfi_flash_init(&fl, &c), -AV_EINVAL);   \
	} while (0)
	BAD(mem, NULL);
	BAD(bank_width, 3);
	BAD(bank_width, 8);
	BAD(bank_width, 0);
	BAD(device_width, 4);
	BAD(device_width, 0);
	BAD(sector_size, 0x800);    /* below 4 KiB */
	BAD(sector_size, 0x1800);   /* not a power of two */
	BAD(size, 0);
	BAD(size, 0x1800);          /* not a multiple of the sector */
	BAD(size, (uint64_t)(AV_CFI_FLASH_MAX_BLOCKS + 1) * 0x1000);
#undef BAD
	{
		struct av_cfi_flash_config c = cfg;

		c.bank_width = 1;
		c.device_width = 2; /* a chip wider than the bus */
		assert_int_equal(av_cfi_flash_init(&fl, &c), -AV_EINVAL);
	}
	assert_false(av_cfi_flash_rom_mode(NULL));
	av_cfi_flash_reset(NULL);
	assert_int_equal(av_cfi_flash_mmio_dev(NULL, 0, &F.dev), -AV_EINVAL);
	assert_int_equal(av_cfi_flash_mmio_dev(&fl, 0, NULL), -AV_EINVAL);

	/* init reports ROM mode; the device covers the bank, every width, unaligned */
	setup_virt(false, 0xff);
	assert_int_equal(F.h.rom_calls, 1);
	assert_true(F.h.rom);
	assert_int_equal(F.dev.base, BASE);
	assert_int_equal(F.dev.size, SIZE);
	assert_int_equal(F.dev.widths, AV_MMIO_WALL);
	assert_true(F.dev.flags & AV_MMIO_F_UNALIGNED);
	assert_string_equal(F.dev.name, "flash");
}

/* QEMU virt's banks: the code bank read-only, the variable bank writable, callbacks left to
 * the host; bad arguments refused without touching the configuration. */
static void test_virt_config(void **state)
{
	struct av_cfi_flash_config cfg;
	struct av_cfi_flash fl;
	static uint8_t m[2 * SECTOR];
	(void)state;

	memset(&cfg, 0xa5, sizeof(cfg));
	assert_int_equal(av_cfi_flash_virt_config(&cfg, 0, m, sizeof(m)), 0);
	assert_ptr_equal(cfg.mem, m);
	assert_int_equal(cfg.size, sizeof(m));
	assert_int_equal(cfg.sector_size, SECTOR);
	assert_int_equal(cfg.bank_width, 4);
	assert_int_equal(cfg.device_width, 2);
	assert_true(cfg.read_only);
	assert_null(cfg.set_rom_mode);
	assert_null(cfg.changed);
	assert_null(cfg.cookie);
	assert_int_equal(cfg.manufacturer, 0);
	assert_int_equal(av_cfi_flash_init(&fl, &cfg), 0);

	assert_int_equal(av_cfi_flash_virt_config(&cfg, 1, m, sizeof(m)), 0);
	assert_false(cfg.read_only);
	assert_int_equal(av_cfi_flash_init(&fl, &cfg), 0);

	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(av_cfi_flash_virt_config(&cfg, 2, m, sizeof(m)), -AV_EINVAL);
	assert_int_equal(cfg.bank_width, 0x5a5a5a5au);
	assert_int_equal(av_cfi_flash_virt_config(NULL, 0, m, sizeof(m)), -AV_EINVAL);
	/* a size that is not a whole number of virt's blocks: init refuses it */
	assert_int_equal(av_cfi_flash_virt_config(&cfg, 1, m, SECTOR / 2), 0);
	assert_int_equal(av_cfi_flash_init(&fl, &cfg), -AV_EINVAL);
}

/* ---- CFI query ---- */

static void test_cfi_query(void **state)
{
	(void)state;
	setup_bank(64ull << 20, SECTOR, true, 0x5a, 4, 2); /* QEMU virt's 64 MiB bank */

	/* in array mode the bank reads as memory */
	assert_int_equal(rd(0x40), 0x5a5a5a5a);

	/* EDK2/U-Boot: 0x98 at word 0x55, then the table at word n = byte n * 4 */
	cmd(0x55 * 4, AV_CFI_CMD_QUERY);
	assert_false(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0x10 * 4), 0x00510051); /* 'Q' in both chips */
	assert_int_equal(rd(0x11 * 4), 0x00520052); /* 'R' */
	assert_int_equal(rd(0x12 * 4), 0x00590059); /* 'Y' */
	assert_int_equal(rd(0x13 * 4), 0x00010001); /* command set 0x0001 */
	assert_int_equal(rd(0x14 * 4), 0);
	assert_int_equal(rd(0x15 * 4), 0x00310031); /* extended table at 0x31 */
	assert_int_equal(rd(0x1b * 4), 0x00450045); /* Vcc min */
	assert_int_equal(rd(0x1c * 4), 0x00550055); /* Vcc max */
	assert_int_equal(rd(0x1f * 4), 0x00070007); /* timeouts as QEMU's pflash_cfi01 */
	assert_int_equal(rd(0x20 * 4), 0x00070007);
	assert_int_equal(rd(0x21 * 4), 0x000a000a);
	assert_int_equal(rd(0x22 * 4), 0);
	assert_int_equal(rd(0x23 * 4), 0x00040004);
	assert_int_equal(rd(0x24 * 4), 0x00040004);
	assert_int_equal(rd(0x25 * 4), 0x00040004);
	assert_int_equal(rd(0x27 * 4), 0x00190019); /* each chip 2^25 = 32 MiB */
	assert_int_equal(rd(0x28 * 4), 0x00020002); /* x8/x16 interface */
	assert_int_equal(rd(0x29 * 4), 0);
	assert_int_equal(rd(0x2a * 4), 0x000b000b); /* 2^11 = 2048-byte write buffer */
	assert_int_equal(rd(0x2b * 4), 0);
	assert_int_equal(rd(0x2c * 4), 0x00010001); /* one erase-block region */
	assert_int_equal(rd(0x2d * 4), 0x00ff00ff); /* 256 blocks - 1 */
	assert_int_equal(rd(0x2e * 4), 0);
	assert_int_equal(rd(0x2f * 4), 0);          /* 128 KiB per chip = 0x0200 * 256 */
	assert_int_equal(rd(0x30 * 4), 0x00020002);
	assert_int_equal(rd(0x31 * 4), 0x00500050); /* "PRI" 1.0 */
	assert_int_equal(rd(0x32 * 4), 0x00520052);
	assert_int_equal(rd(0x33 * 4), 0x00490049);
	assert_int_equal(rd(0x34 * 4), 0x00310031);
	assert_int_equal(rd(0x35 * 4), 0x00300030);
	assert_int_equal(rd(0x3f * 4), 0x00010001);
	assert_int_equal(rd(0x0), 0);
	assert_int_equal(rd(0x100 * 4), 0); /* beyond the table */
	assert_int_equal(rd(SIZE - 4), 0);

	/* narrow, wide and unaligned reads see the lanes of the bus */
	assert_int_equal(rdw(0x40, 1), 0x51);
	assert_int_equal(rdw(0x41, 1), 0x00);
	assert_int_equal(rdw(0x42, 2), 0x0051);
	assert_int_equal(rdw(0x40, 8), 0x0052005200510051ull);
	assert_int_equal(rdw(0x42, 4), 0x00520051);

	/* a 1-byte probe (U-Boot trying an 8-bit port first) does not see "QRY" */
	assert_int_not_equal(rdw(0x10, 1), 'Q');

	/* queries and the QRY table do not depend on the bank contents */
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0x40), 0x5a5a5a5a);

	/* other geometries: one x16 chip on a 16-bit bus; four x8 chips on a 32-bit bus */
	setup_bank(SIZE, SECTOR, false, 0xff, 2, 2);
	wrw(0x55 * 2, 2, AV_CFI_CMD_QUERY);
	assert_int_equal(rdw(0x10 * 2, 2), 0x0051);
	assert_int_equal(rdw(0x27 * 2, 2), 20);     /* 1 MiB */
	assert_int_equal(rdw(0x2f * 2, 2), 0);      /* 256 KiB blocks = 0x0400 * 256 */
	assert_int_equal(rdw(0x30 * 2, 2), 0x04);
	assert_int_equal(rdw(0x2d * 2, 2), 3);
	setup_bank(SIZE, SECTOR, false, 0xff, 4, 1);
	wr(0x55 * 4, 0x98989898);
	assert_int_equal(rd(0x10 * 4), 0x51515151);
	assert_int_equal(rd(0x27 * 4), 0x12121212); /* 256 KiB per chip */
	assert_int_equal(rd(0x2a * 4), 0x0a0a0a0a); /* 1 KiB buffers (4 KiB bank-wide) */
	assert_int_equal(rd(0x30 * 4), 0x01010101); /* 64 KiB blocks per chip */
	guards_intact();
}

/* ---- identifier ---- */

static void test_read_id(void **state)
{
	(void)state;
	setup_virt(false, 0xff);
	cmd(0, AV_CFI_CMD_READ_ID);
	assert_false(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0), 0x00890089); /* manufacturer (QEMU virt: 0x89) */
	assert_int_equal(rd(4), 0x00180018); /* device (QEMU virt: 0x18) */
	assert_int_equal(rd(8), 0);          /* word 2: block 0 unlocked */
	assert_int_equal(rd(12), 0);
	assert_int_equal(rd(SECTOR + 8), 0);
	assert_int_equal(rd(SECTOR), 0x00890089); /* every block answers at its words 0..2 */
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_int_equal(rd(0), 0xffffffff);

	/* lock block 1: EDK2's NorFlashBlockIsLocked reads 0x00010001 at its word 2 */
	cmd(SECTOR, AV_CFI_CMD_LOCK_SETUP);
	cmd(SECTOR, AV_CFI_CMD_LOCK);
	cmd(SECTOR + 8, AV_CFI_CMD_READ_ID);
	assert_int_equal(rd(SECTOR + 8), 0x00010001);
	assert_int_equal(rd(8), 0);
	assert_int_equal(rd(2 * SECTOR + 8), 0);

	/* a board's own identifiers */
	{
		struct av_cfi_flash_config c = F.flash.cfg;

		c.manufacturer = 0x20;
		c.device_id = 0x1234;
		assert_int_equal(av_cfi_flash_init(&F.flash, &c), 0);
		cmd(0, AV_CFI_CMD_READ_ID);
		assert_int_equal(rd(0), 0x00200020);
		assert_int_equal(rd(4), 0x12341234);
		assert_int_equal(rdw(5, 1), 0x12);
	}
}

/* ---- status register ---- */

static void test_status_register(void **state)
{
	(void)state;
	setup_virt(false, 0xff);
	assert_int_equal(status(), 0x00800080); /* ready in each chip */
	assert_int_equal(rdw(0, 1), 0x80);
	assert_int_equal(rdw(0, 2), 0x0080);
	assert_int_equal(rdw(2, 2), 0x0080);
	assert_int_equal(rdw(0, 8), 0x0080008000800080ull);
	assert_int_equal(rd(SIZE - 4), 0x00800080); /* any address */

	/* an error (bad erase confirm) shows in each chip's lane until 0x50 */
	cmd(0, AV_CFI_CMD_ERASE);
	cmd(0, 0x42);
	assert_int_equal(rd(0), 0x00b000b0);
	assert_int_equal(status(), 0x00b000b0);
	assert_int_equal(F.flash.refused, 1);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	assert_true(av_cfi_flash_rom_mode(&F.flash)); /* 0x50 returns to array, as QEMU */
	assert_int_equal(rd(0), 0xffffffff);
	assert_int_equal(status(), 0x00800080);
	assert_true(all_bytes(0, SIZE, 0xff));
}

/* ---- word program ---- */

static void test_word_program(void **state)
{
	(void)state;
	setup_virt(false, 0xff);

	/* EDK2's NorFlashWriteSingleWord: 0x40, the data, then poll the status */
	cmd(0x1000, AV_CFI_CMD_PROGRAM);
	assert_false(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0x1000), 0x00800080); /* status while waiting for data */
	wr(0x1000, 0x12345678);
	assert_int_equal(mem32(0x1000), 0x12345678);
	assert_int_equal(F.h.changed_calls, 1);
	assert_int_equal(F.h.changed_off, 0x1000);
	assert_int_equal(F.h.changed_len, 4);
	assert_int_equal(F.flash.programs, 1);
	assert_int_equal(rd(0x1000), 0x00800080); /* reads give the status afterwards */
	assert_int_equal(status(), 0x00800080);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_int_equal(rd(0x1000), 0x12345678);

	/* NOR cells only lose bits: programming 0xff.. over data changes nothing */
	cmd(0x1000, AV_CFI_CMD_PROGRAM_ALT);
	wr(0x1000, 0xff00ff0f);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_int_equal(rd(0x1000), 0x12005608);

	/* narrow and unaligned programs touch only their bytes */
	cmd(0, AV_CFI_CMD_PROGRAM);
	wrw(0x2001, 1, 0x00);
	cmd(0, AV_CFI_CMD_PROGRAM);
	wrw(0x2006, 2, 0x1234);
	assert_int_equal(mem32(0x2000), 0xffff00ff);
	assert_int_equal(mem32(0x2004), 0x1234ffff);
	assert_int_equal(F.h.changed_off, 0x2006);
	assert_int_equal(F.h.changed_len, 2);

	/* an 8-byte store is two bus words: the data, then a command (0xFF: read array) */
	cmd(0, AV_CFI_CMD_PROGRAM);
	wrw(0x3000, 8, 0x000000ffabcdef01ull);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0x3000), 0xabcdef01);
	assert_int_equal(rd(0x3004), 0xffffffff);
	/* an 8-byte store of two commands: query, then read array */
	wrw(0, 8, ((uint64_t)DUAL(0xff) << 32) | DUAL(0x98));
	assert_true(av_cfi_flash_rom_mode(&F.flash));

	/* the last bytes of the bank */
	cmd(0, AV_CFI_CMD_PROGRAM);
	wr(SIZE - 4, 0);
	assert_int_equal(mem32(SIZE - 4), 0);
	assert_int_equal(F.flash.refused, 0);
	guards_intact();
}

/* ---- block erase ---- */

static void test_erase(void **state)
{
	(void)state;
	setup_virt(false, 0x00);

	/* EDK2 / U-Boot: 0x20 then 0xD0 at the block's address */
	cmd(SECTOR + 0x100, AV_CFI_CMD_ERASE);
	assert_int_equal(rd(SECTOR), 0x00800080);
	assert_true(all_bytes(SECTOR, SECTOR, 0x00)); /* nothing before the confirm */
	cmd(SECTOR + 0x100, AV_CFI_CMD_CONFIRM);
	assert_true(all_bytes(SECTOR, SECTOR, 0xff));
	assert_true(all_bytes(0, SECTOR, 0x00));
	assert_true(all_bytes(2 * SECTOR, 2 * SECTOR, 0x00));
	assert_int_equal(F.h.changed_off, SECTOR);
	assert_int_equal(F.h.changed_len, SECTOR);
	assert_int_equal(F.flash.erases, 1);
	assert_int_equal(status(), 0x00800080);

	/* the last block */
	cmd(SIZE - 4, AV_CFI_CMD_ERASE);
	cmd(SIZE - 4, AV_CFI_CMD_CONFIRM);
	assert_true(all_bytes(3 * SECTOR, SECTOR, 0xff));

	/* no confirm: nothing erased, an erase/sequence error */
	cmd(0, AV_CFI_CMD_ERASE);
	cmd(0, AV_CFI_CMD_PROGRAM);
	assert_true(all_bytes(0, SECTOR, 0x00));
	assert_int_equal(rd(0), 0x00b000b0);
	assert_false(av_cfi_flash_rom_mode(&F.flash));
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	/* 0xFF instead of the confirm: the error, then read array */
	cmd(0, AV_CFI_CMD_ERASE);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0), 0);
	assert_int_equal(status(), 0x00b000b0);
	assert_true(all_bytes(0, SECTOR, 0x00));
	assert_int_equal(F.flash.erases, 2);
	assert_int_equal(F.flash.refused, 2);
	guards_intact();
}

/* ---- write to buffer ---- */

static void test_buffered_program(void **state)
{
	static uint32_t data[1024];
	(void)state;
	setup_virt(false, 0xff);
	for (unsigned i = 0; i < 1024; i++)
		data[i] = 0x01010101u * (i & 0xff) ^ 0x5a00ff00u; /* no 0xff at either end */

	/* EDK2's NorFlashWriteBuffer: 0xE8 (status ready), count - 1, 32 words, 0xD0 */
	cmd(0x800, AV_CFI_CMD_WRITE_BUFFER);
	assert_int_equal(rd(0x800), 0x00800080);
	cmd(0x800, 31);
	for (unsigned i = 0; i < 32; i++)
		wr(0x800 + 4 * i, data[i]);
	assert_true(all_bytes(0x800, 128, 0xff)); /* gathered, not yet written */
	assert_int_equal(F.h.changed_calls, 0);
	cmd(0x800, AV_CFI_CMD_CONFIRM);
	assert_memory_equal(F.mem + 0x800, data, 128);
	assert_true(all_bytes(0x880, 0x780, 0xff));
	assert_true(all_bytes(0, 0x800, 0xff));
	assert_int_equal(F.h.changed_calls, 1);
	assert_int_equal(F.h.changed_off, 0x800);
	assert_int_equal(F.h.changed_len, 128);
	assert_int_equal(status(), 0x00800080);

	/* U-Boot: commands at the sector base, the data at its address, a full buffer of
	 * 4096 bytes (the CFI table's 2048 per chip, times two chips) = 1024 words */
	cmd(SECTOR, AV_CFI_CMD_CLEAR_STATUS);
	cmd(SECTOR, AV_CFI_CMD_READ_STATUS);
	cmd(SECTOR, AV_CFI_CMD_WRITE_BUFFER);
	assert_int_equal(rd(SECTOR), 0x00800080);
	wr(SECTOR, DUAL(0x3ff)); /* 1024 words: the count takes a chip's 16-bit lane */
	for (unsigned i = 0; i < 1024; i++)
		wr(SECTOR + 0x1000 + 4 * i, data[i]);
	cmd(SECTOR, AV_CFI_CMD_CONFIRM);
	assert_int_equal(status() & 0x00300030, 0);
	assert_memory_equal(F.mem + SECTOR + 0x1000, data, sizeof(data));

	/* programming through the buffer only clears bits too */
	cmd(0x800, AV_CFI_CMD_WRITE_BUFFER);
	cmd(0x800, 0);
	wr(0x800, 0xffff0000);
	cmd(0x800, AV_CFI_CMD_CONFIRM);
	assert_int_equal(mem32(0x800), data[0] & 0xffff0000);
	assert_int_equal(F.h.changed_off, 0x800); /* only the bytes that are not 0xff */
	assert_int_equal(F.h.changed_len, 2);
	assert_int_equal(F.flash.programs, 3);
	assert_int_equal(F.flash.refused, 0);

	/* a count beyond the buffer: refused */
	cmd(0x4000, AV_CFI_CMD_WRITE_BUFFER);
	wr(0x4000, DUAL(1024));
	assert_int_equal(rd(0x4000), 0x00b000b0);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);

	/* data outside the window of the first data write: nothing written */
	cmd(0x4000, AV_CFI_CMD_WRITE_BUFFER);
	cmd(0x4000, 1);
	wr(0x4000, 0);
	wr(0x5000, 0); /* the next 4 KiB window */
	cmd(0x4000, AV_CFI_CMD_CONFIRM);
	assert_true(all_bytes(0x4000, 0x1000, 0xff));
	assert_int_equal(status(), 0x00b000b0);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);

	/* no confirm: nothing written */
	cmd(0x4000, AV_CFI_CMD_WRITE_BUFFER);
	cmd(0x4000, 0);
	wr(0x4000, 0);
	cmd(0x4000, AV_CFI_CMD_READ_ARRAY);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
	assert_true(all_bytes(0x4000, 0x1000, 0xff));
	assert_int_equal(status(), 0x00b000b0);
	assert_int_equal(F.flash.programs, 3);
	guards_intact();
}

/* ---- block locking ---- */

static void test_lock(void **state)
{
	(void)state;
	setup_virt(false, 0xff);

	cmd(2 * SECTOR, AV_CFI_CMD_LOCK_SETUP);
	cmd(2 * SECTOR, AV_CFI_CMD_LOCK);
	assert_int_equal(rd(0), 0x00800080);

	cmd(2 * SECTOR, AV_CFI_CMD_PROGRAM);
	wr(2 * SECTOR + 0x10, 0);
	assert_int_equal(rd(0), 0x00920092); /* program error, block locked */
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	cmd(2 * SECTOR, AV_CFI_CMD_ERASE);
	cmd(2 * SECTOR, AV_CFI_CMD_CONFIRM);
	assert_int_equal(rd(0), 0x00a200a2); /* erase error, block locked */
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	cmd(2 * SECTOR, AV_CFI_CMD_WRITE_BUFFER);
	cmd(2 * SECTOR, 0);
	wr(2 * SECTOR, 0);
	cmd(2 * SECTOR, AV_CFI_CMD_CONFIRM);
	assert_int_equal(rd(0), 0x00920092);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	assert_true(all_bytes(0, SIZE, 0xff));
	assert_int_equal(F.flash.refused, 3);
	assert_int_equal(F.h.changed_calls, 0);

	/* other blocks are not locked */
	cmd(SECTOR, AV_CFI_CMD_PROGRAM);
	wr(SECTOR, 0);
	assert_int_equal(mem32(SECTOR), 0);

	/* EDK2's NorFlashUnlockSingleBlock: 0x60, 0xD0, poll the status */
	cmd(2 * SECTOR, AV_CFI_CMD_LOCK_SETUP);
	cmd(2 * SECTOR, AV_CFI_CMD_CONFIRM);
	assert_int_equal(status(), 0x00800080);
	cmd(2 * SECTOR, AV_CFI_CMD_PROGRAM);
	wr(2 * SECTOR + 0x10, 0);
	assert_int_equal(mem32(2 * SECTOR + 0x10), 0);

	/* a bad lock sequence: an error, no lock */
	cmd(3 * SECTOR, AV_CFI_CMD_LOCK_SETUP);
	cmd(3 * SECTOR, 0x77);
	assert_int_equal(rd(0), 0x00b000b0);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	cmd(3 * SECTOR + 8, AV_CFI_CMD_READ_ID);
	assert_int_equal(rd(3 * SECTOR + 8), 0);

	/* a reset unlocks every block */
	cmd(3 * SECTOR, AV_CFI_CMD_LOCK_SETUP);
	cmd(3 * SECTOR, AV_CFI_CMD_LOCK);
	av_cfi_flash_reset(&F.flash);
	assert_int_equal(av_cfi_flash_rom_mode(&F.flash), true);
	cmd(3 * SECTOR, AV_CFI_CMD_ERASE);
	cmd(3 * SECTOR, AV_CFI_CMD_CONFIRM);
	assert_int_equal(status(), 0x00800080);
}

/* ---- the read-only code bank ---- */

static void test_read_only(void **state)
{
	(void)state;
	setup_virt(true, 0x3c);

	cmd(0, AV_CFI_CMD_PROGRAM);
	wr(0x100, 0);
	assert_int_equal(rd(0), 0x00900090);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	cmd(0, AV_CFI_CMD_ERASE);
	cmd(0, AV_CFI_CMD_CONFIRM);
	assert_int_equal(rd(0), 0x00a000a0);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	cmd(0, AV_CFI_CMD_WRITE_BUFFER);
	cmd(0, 1);
	wr(0, 0);
	wr(4, 0);
	cmd(0, AV_CFI_CMD_CONFIRM);
	assert_int_equal(rd(0), 0x00900090);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_true(all_bytes(0, SIZE, 0x3c));
	assert_int_equal(F.h.changed_calls, 0);
	assert_int_equal(F.flash.programs, 0);
	assert_int_equal(F.flash.erases, 0);
	assert_int_equal(F.flash.refused, 3);

	/* queries still work (EDK2 and U-Boot probe both banks) */
	cmd(0x55 * 4, AV_CFI_CMD_QUERY);
	assert_int_equal(rd(0x40), 0x00510051);
	guards_intact();
}

/* ---- ROM mode ---- */

static void test_rom_mode(void **state)
{
	(void)state;
	setup_virt(false, 0xff);
	assert_int_equal(F.h.rom_calls, 1);
	assert_true(F.h.rom);

	cmd(0, AV_CFI_CMD_QUERY);
	assert_int_equal(F.h.rom_calls, 2);
	assert_false(F.h.rom);
	cmd(0, AV_CFI_CMD_READ_ID); /* from query to identifier: still not ROM */
	cmd(0, AV_CFI_CMD_READ_STATUS);
	assert_int_equal(F.h.rom_calls, 2);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_int_equal(F.h.rom_calls, 3);
	assert_true(F.h.rom);
	cmd(0, AV_CFI_CMD_READ_ARRAY); /* no change, no call */
	cmd(0, 0x00);
	cmd(0, 0xf0);
	cmd(0, 0x12); /* unknown: ignored, stays in array mode */
	assert_int_equal(F.h.rom_calls, 3);

	/* every command that leaves array mode reports it before the reads that follow */
	{
		static const uint8_t leave[] = {
			AV_CFI_CMD_READ_ID, AV_CFI_CMD_QUERY, AV_CFI_CMD_READ_STATUS,
			AV_CFI_CMD_PROGRAM, AV_CFI_CMD_PROGRAM_ALT, AV_CFI_CMD_WRITE_BUFFER,
			AV_CFI_CMD_ERASE, AV_CFI_CMD_LOCK_SETUP, AV_CFI_CMD_SUSPEND,
			AV_CFI_CMD_CONFIRM,
		};

		for (size_t i = 0; i < sizeof(leave); i++) {
			int before = F.h.rom_calls;

			cmd(0, leave[i]);
			assert_int_equal(F.h.rom_calls, before + 1);
			assert_false(F.h.rom);
			assert_false(av_cfi_flash_rom_mode(&F.flash));
			av_cfi_flash_reset(&F.flash);
			assert_int_equal(F.h.rom_calls, before + 2);
			assert_true(F.h.rom);
		}
	}

	/* 0x50 returns to array mode; so does the bus reset */
	cmd(0, AV_CFI_CMD_READ_STATUS);
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	assert_true(F.h.rom);
	cmd(0, AV_CFI_CMD_QUERY);
	F.dev.ops->reset(F.dev.dev);
	assert_true(F.h.rom);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
	/* a reset keeps the contents */
	cmd(0, AV_CFI_CMD_PROGRAM);
	wr(0, 0x11223344);
	av_cfi_flash_reset(&F.flash);
	assert_int_equal(rd(0), 0x11223344);

	/* no callback configured: the model still switches */
	F.flash.cfg.set_rom_mode = NULL;
	cmd(0, AV_CFI_CMD_QUERY);
	assert_false(av_cfi_flash_rom_mode(&F.flash));
	assert_int_equal(rd(0x40), 0x00510051);
}

/* ---- a guest that writes garbage ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One random access anywhere in the bank: mostly command bytes the model knows. */
static void random_access(void)
{
	static const uint8_t useful[] = { 0xff, 0x90, 0x98, 0x70, 0x50, 0x40, 0x10, 0xe8,
					  0x20, 0xd0, 0x60, 0x01, 0xb0, 0x00 };
	uint64_t r = next();
	unsigned w = 1u << (r & 3);
	uint64_t off = (r >> 8) % (F.size - 7);
	uint64_t val = (r & 0x30) ? useful[(r >> 40) % sizeof(useful)] * 0x0001000100010001ull
				  : next();

	if (r & 0x4)
		wrw(off, w, val & (w == 8 ? ~0ull : (1ull << (8 * w)) - 1));
	else
		(void)rdw(off, w);
}

static void test_garbage(void **state)
{
	uint8_t *before;
	(void)state;

	/* every command byte from array mode, then a read: never a failure */
	setup_virt(false, 0xff);
	for (unsigned c = 0; c < 256; c++) {
		cmd(0, (uint8_t)c);
		(void)rd(0);
		cmd(0, AV_CFI_CMD_CLEAR_STATUS);
		cmd(0, AV_CFI_CMD_READ_ARRAY);
	}

	/* random sequences, mostly of meaningful bytes, on a read-only bank: it never changes */
	setup_virt(true, 0x00);
	for (unsigned i = 0; i < 200000; i++)
		random_access();
	assert_true(all_bytes(0, SIZE, 0x00));
	assert_int_equal(F.h.changed_calls, 0);
	guards_intact();

	/* the same on a small writable bank (4 KiB blocks): bits only go 1 -> 0 except
	 * through block erases, and every change is reported */
	setup_bank(SMALL, 0x1000, false, 0xff, 4, 2);
	before = malloc(SMALL);
	assert_non_null(before);
	for (unsigned i = 0; i < 30000; i++) {
		uint64_t erases = F.flash.erases;

		memcpy(before, F.mem, SMALL);
		F.h.changed_calls = 0;
		random_access();
		if (F.flash.erases == erases) {
			for (uint64_t j = 0; j < SMALL; j++)
				if ((F.mem[j] & ~before[j]) != 0)
					fail_msg("bit set at 0x%llx without an erase",
						 (unsigned long long)j);
		}
		if (memcmp(before, F.mem, SMALL) != 0)
			assert_int_equal(F.h.changed_calls, 1);
	}
	assert_true(F.flash.programs > 0);
	assert_true(F.flash.erases > 0);
	free(before);
	guards_intact();

	/* afterwards the bank still answers normally: whatever the state, a bounded number of
	 * 0xFF writes (at most a full buffer's count, then the confirm) reads the array */
	for (unsigned i = 0; i < 1030 && !av_cfi_flash_rom_mode(&F.flash); i++)
		cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
	cmd(0, AV_CFI_CMD_CLEAR_STATUS);
	cmd(0x55 * 4, AV_CFI_CMD_QUERY);
	assert_int_equal(rd(0x40), 0x00510051);
}

/* ---- the firmwares' own sequences ---- */

/* U-Boot's flash_make_cmd: the command in every chip of the port, little-endian. */
static uint64_t make_cmd(unsigned port, unsigned chip, uint8_t c)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < port; i += chip)
		v |= (uint64_t)c << (8 * i);
	return v;
}

/*
 * U-Boot's CFI detection (flash_detect_cfi): every port width from 8 bits up, every chip
 * width up to it; reset, 0x98 at word 0x55, "QRY" at words 0x10..0x12 compared as port-wide
 * reads. The first match must be a 32-bit port of 16-bit chips, and the geometry read the
 * way U-Boot reads it (bytes at word * port width) must give the bank's.
 */
static void test_uboot_detect(void **state)
{
	unsigned found_port = 0, found_chip = 0;
	(void)state;
	setup_bank(64ull << 20, SECTOR, false, 0xff, 4, 2);

	for (unsigned port = 1; port <= 4 && !found_port; port <<= 1) {
		for (unsigned chip = 1; chip <= port && !found_port; chip <<= 1) {
			bool q, r, y;

			wrw(0, port, make_cmd(port, chip, 0xf0));
			wrw(0, port, make_cmd(port, chip, 0xff));
			wrw(0x55 * port, port, make_cmd(port, chip, AV_CFI_CMD_QUERY));
			q = rdw(0x10 * port, port) == make_cmd(port, chip, 'Q');
			r = rdw(0x11 * port, port) == make_cmd(port, chip, 'R');
			y = rdw(0x12 * port, port) == make_cmd(port, chip, 'Y');
			if (q && r && y) {
				found_port = port;
				found_chip = chip;
			}
		}
	}
	assert_int_equal(found_port, 4);
	assert_int_equal(found_chip, 2);
	{
		/* flash_read_uchar: the byte at word * port width */
#define QB(w) ((unsigned)rdw((w) * 4, 1))
		unsigned ratio = found_port / found_chip;
		uint64_t dev_size = 1ull << QB(0x27);
		unsigned blocks = (QB(0x2d) | QB(0x2e) << 8) + 1;
		uint64_t block = (uint64_t)(QB(0x2f) | QB(0x30) << 8) * 256 * ratio;
		unsigned buffer = (1u << QB(0x2a)) * ratio;

		assert_int_equal(QB(0x13) | QB(0x14) << 8, 0x0001); /* Intel extended */
		assert_int_equal(dev_size * ratio, 64ull << 20);
		assert_int_equal(block, SECTOR);
		assert_int_equal((uint64_t)blocks * block, 64ull << 20);
		assert_int_equal(buffer, 4096);
#undef QB
	}
	/* the identifiers (flash_read_jedec_ids): reset, 0x90, bytes at words 0 and 1 */
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	cmd(0, AV_CFI_CMD_READ_ID);
	assert_int_equal(rdw(0, 1), 0x89);
	assert_int_equal(rdw(4, 1), 0x18);
	/* every sector's protection (word 2, FLASH_STATUS_PROTECT): clear */
	for (uint64_t b = 0; b < 256; b++)
		assert_int_equal(rd(b * SECTOR + 8) & 0x00010001, 0);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_true(av_cfi_flash_rom_mode(&F.flash));
}

/*
 * EDK2 writing a whole block of its variable store (NorFlashWriteSingleBlock with a block
 * that needs bits set): unlock, erase, then 128-byte buffered programs over the block,
 * polling the status after each; then read array. Read back through the bus.
 */
static void test_edk2_block_write(void **state)
{
	static uint32_t data[SECTOR / 4];
	uint64_t blk = 2 * SECTOR;
	(void)state;
	setup_virt(false, 0x00); /* a block full of zeros: only an erase can rewrite it */
	for (unsigned i = 0; i < SECTOR / 4; i++)
		data[i] = 0x9e3779b9u * (i + 1);

	cmd(blk, AV_CFI_CMD_LOCK_SETUP);
	cmd(blk, AV_CFI_CMD_CONFIRM);
	assert_int_equal(status() & 0x00800080, 0x00800080);
	cmd(blk, AV_CFI_CMD_READ_ARRAY);
	cmd(blk, AV_CFI_CMD_ERASE);
	cmd(blk, AV_CFI_CMD_CONFIRM);
	assert_int_equal(status(), 0x00800080);
	for (unsigned w = 0; w < SECTOR / 4; w += 32) {
		uint64_t at = blk + 4ull * w;

		do
			cmd(at, AV_CFI_CMD_WRITE_BUFFER);
		while ((rd(at) & 0x00800080) != 0x00800080);
		cmd(at, 31);
		for (unsigned i = 0; i < 32; i++)
			wr(at + 4 * i, data[w + i]);
		cmd(blk, AV_CFI_CMD_CONFIRM);
		assert_int_equal(status(), 0x00800080);
	}
	cmd(blk, AV_CFI_CMD_READ_ARRAY);
	for (unsigned i = 0; i < SECTOR / 4; i += 97)
		assert_int_equal(rd(blk + 4ull * i), data[i]);
	assert_memory_equal(F.mem + blk, data, SECTOR);
	assert_true(all_bytes(0, blk, 0x00));
	assert_true(all_bytes(blk + SECTOR, SIZE - blk - SECTOR, 0x00));
	assert_int_equal(F.flash.programs, SECTOR / 128);
	assert_int_equal(F.flash.erases, 1);
	assert_int_equal(F.flash.refused, 0);
	guards_intact();
}

/* ---- accesses outside the bank ---- */

static void test_bounds(void **state)
{
	uint64_t v = 1;
	(void)state;
	setup_virt(false, 0xff);

	/* the bus refuses what crosses the end; the ops refuse it too when called directly */
	assert_int_equal(av_mmio_access(&F.bus, NULL, BASE + SIZE - 2, 4, false, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(F.dev.ops->read(F.dev.dev, NULL, SIZE - 2, 4, &v), AV_ACCESS_INJECT);
	assert_int_equal(v, 0);
	assert_int_equal(F.dev.ops->read(F.dev.dev, NULL, SIZE, 1, &v), AV_ACCESS_INJECT);
	assert_int_equal(F.dev.ops->read(F.dev.dev, NULL, UINT64_MAX - 1, 4, &v),
			 AV_ACCESS_INJECT);
	assert_int_equal(F.dev.ops->read(F.dev.dev, NULL, 0, 3, &v), AV_ACCESS_INJECT);
	cmd(0, AV_CFI_CMD_PROGRAM);
	assert_int_equal(F.dev.ops->write(F.dev.dev, NULL, SIZE - 2, 4, 0), AV_ACCESS_INJECT);
	assert_int_equal(F.dev.ops->write(F.dev.dev, NULL, UINT64_MAX - 3, 8, 0),
			 AV_ACCESS_INJECT);
	assert_int_equal(F.dev.ops->write(F.dev.dev, NULL, 0, 16, 0), AV_ACCESS_INJECT);
	/* still waiting for the program data, nothing written */
	assert_int_equal(rd(0), 0x00800080);
	wr(0, 0xffffffff);
	assert_int_equal(F.flash.programs, 1);
	cmd(0, AV_CFI_CMD_READ_ARRAY);
	assert_true(all_bytes(0, SIZE, 0xff));
	guards_intact();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_init, teardown),
		cmocka_unit_test(test_virt_config),
		cmocka_unit_test_teardown(test_cfi_query, teardown),
		cmocka_unit_test_teardown(test_read_id, teardown),
		cmocka_unit_test_teardown(test_status_register, teardown),
		cmocka_unit_test_teardown(test_word_program, teardown),
		cmocka_unit_test_teardown(test_erase, teardown),
		cmocka_unit_test_teardown(test_buffered_program, teardown),
		cmocka_unit_test_teardown(test_lock, teardown),
		cmocka_unit_test_teardown(test_read_only, teardown),
		cmocka_unit_test_teardown(test_rom_mode, teardown),
		cmocka_unit_test_teardown(test_garbage, teardown),
		cmocka_unit_test_teardown(test_bounds, teardown),
		cmocka_unit_test_teardown(test_uboot_detect, teardown),
		cmocka_unit_test_teardown(test_edk2_block_write, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
