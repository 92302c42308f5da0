/* SPDX-License-Identifier: MIT */
/*
 * flash: the variable bank of QEMU virt's CFI flash (64 MiB at 0x04000000, two x16 chips on
 * a 32-bit bus, commands replicated into both halves) driven as EDK2's NorFlashDxe drives
 * it: CFI query table, identifiers and block lock status, status register, unlock, block
 * erase, word program and a 32-word buffered program, each read back in read-array mode.
 * The expected values hold for QEMU's pflash_cfi01 and for armvirt's model
 * (lib/dev/cfi_flash.c) alike, so a run on plain QEMU checks the model's reference values.
 * What the two do differently on purpose (programming over programmed data, QEMU's erase at
 * 0x20) is not checked here (doc/devices.md).
 */
#include "rt.h"

const char *rt_prog = "flash";

#define BANK 0x04000000ul
#define BLOCK (BANK + 2 * 0x40000ul) /* the third 256 KiB block */
#define WORD(n) ((uint64_t)(n) * 4)  /* chip word n on the 32-bit bus */
#define DUAL(c) ((uint32_t)(c) << 16 | (uint32_t)(c))

static void cmd(uint64_t a, uint8_t c)
{
	mmio_write32(a, DUAL(c));
}

/* EDK2's NorFlashReadStatusRegister: 0x70 at the bank, a 32-bit read. */
static uint32_t status(void)
{
	cmd(BANK, 0x70);
	return mmio_read32(BANK);
}

/* Poll until both chips are ready (bounded); true when no error bit is set. */
static bool wait_ready(const char *name)
{
	uint32_t s = 0;

	for (unsigned i = 0; i < 1000000 && (s & 0x00800080) != 0x00800080; i++)
		s = status();
	return rt_check((s & 0x00ff00ff) == 0x00800080, name, "status 0x%x", s);
}

static void query(void)
{
	static const struct {
		unsigned word;
		uint32_t want;
	} table[] = {
		{ 0x10, 0x00510051 }, { 0x11, 0x00520052 }, { 0x12, 0x00590059 }, /* "QRY" */
		{ 0x13, 0x00010001 }, { 0x14, 0 },          /* Intel/Sharp command set */
		{ 0x15, 0x00310031 },                       /* extended table at 0x31 */
		{ 0x27, 0x00190019 },                       /* 2^25 bytes per chip */
		{ 0x28, 0x00020002 },                       /* x8/x16 */
		{ 0x2a, 0x000b000b },                       /* 2 KiB write buffer per chip */
		{ 0x2c, 0x00010001 },                       /* one erase-block region */
		{ 0x2d, 0x00ff00ff }, { 0x2e, 0 },          /* 256 blocks */
		{ 0x2f, 0 }, { 0x30, 0x00020002 },          /* of 128 KiB per chip */
		{ 0x31, 0x00500050 }, { 0x32, 0x00520052 }, { 0x33, 0x00490049 }, /* "PRI" */
	};
	unsigned bad = 0;

	cmd(BANK + WORD(0x55), 0x98);
	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint32_t v = mmio_read32(BANK + WORD(table[i].word));

		if (v != table[i].want) {
			rt_printf("%s: CFI word 0x%x = 0x%x, want 0x%x\n", rt_prog, table[i].word, v,
				  table[i].want);
			bad++;
		}
	}
	rt_check(bad == 0, "cfi_query", "%u words wrong", bad);
	rt_check(mmio_read8(BANK + WORD(0x10)) == 'Q', "cfi_query_byte", "0x%x",
		 mmio_read8(BANK + WORD(0x10)));
	rt_check(*(volatile uint16_t *)(BANK + WORD(0x10) + 2) == 'Q', "cfi_query_chip1", "0x%x",
		 *(volatile uint16_t *)(BANK + WORD(0x10) + 2));
	cmd(BANK, 0xff);
}

static void identifiers(void)
{
	uint32_t m, d, lock;

	cmd(BLOCK + WORD(2), 0x90);
	m = mmio_read32(BLOCK);
	d = mmio_read32(BLOCK + WORD(1));
	lock = mmio_read32(BLOCK + WORD(2)); /* EDK2's NorFlashBlockIsLocked */
	cmd(BANK, 0xff);
	rt_check(m == 0x00890089, "manufacturer", "0x%x", m);
	rt_check(d == 0x00180018, "device", "0x%x", d);
	rt_check(lock == 0, "unlocked", "lock status 0x%x", lock);
}

void test_main(void)
{
	static const uint32_t pattern = 0x9e3779b9u;
	unsigned bad;

	query();
	identifiers();
	rt_check(status() == 0x00800080, "status_ready", "0x%x", mmio_read32(BANK));
	cmd(BANK, 0xff);

	/* NorFlashUnlockSingleBlock, then the erase */
	cmd(BLOCK, 0x60);
	cmd(BLOCK, 0xd0);
	wait_ready("unlock");
	cmd(BLOCK, 0x20);
	cmd(BLOCK, 0xd0);
	wait_ready("erase");
	cmd(BLOCK, 0xff);
	bad = 0;
	for (uint64_t off = 0; off < 0x40000; off += 0x1000 - 4)
		bad += mmio_read32(BLOCK + off) != 0xffffffffu;
	rt_check(bad == 0, "erased", "%u sampled words not all ones", bad);

	/* NorFlashWriteSingleWord */
	cmd(BLOCK + 0x10, 0x40);
	mmio_write32(BLOCK + 0x10, 0x12345678);
	wait_ready("word_program_status");
	cmd(BLOCK, 0xff);
	rt_check(mmio_read32(BLOCK + 0x10) == 0x12345678, "word_program", "read 0x%x",
		 mmio_read32(BLOCK + 0x10));

	/* NorFlashWriteBuffer: 0xE8 until the status says the buffer is free, the count, 32
	 * words, the confirm */
	{
		uint64_t at = BLOCK + 0x800;
		uint32_t s = 0;

		for (unsigned i = 0; i < 1000 && (s & 0x00800080) != 0x00800080; i++) {
			cmd(at, 0xe8);
			s = mmio_read32(at);
		}
		rt_check((s & 0x00800080) == 0x00800080, "buffer_available", "0x%x", s);
		cmd(at, 31);
		for (unsigned i = 0; i < 32; i++)
			mmio_write32(at + 4 * i, pattern * (i + 1));
		cmd(BLOCK, 0xd0);
		wait_ready("buffer_program_status");
		cmd(BLOCK, 0xff);
		bad = 0;
		for (unsigned i = 0; i < 32; i++)
			bad += mmio_read32(at + 4 * i) != pattern * (i + 1);
		rt_check(bad == 0, "buffer_program", "%u of 32 words wrong", bad);
		rt_check(mmio_read32(at + 128) == 0xffffffffu && mmio_read32(at - 4) == 0xffffffffu,
			 "buffer_bounds", "0x%x 0x%x", mmio_read32(at - 4), mmio_read32(at + 128));
	}

	/* a second erase brings the block back to all ones */
	cmd(BLOCK, 0x20);
	cmd(BLOCK, 0xd0);
	wait_ready("erase_again");
	cmd(BLOCK, 0xff);
	rt_check(mmio_read32(BLOCK + 0x10) == 0xffffffffu &&
		 mmio_read32(BLOCK + 0x800) == 0xffffffffu, "erased_again", "0x%x 0x%x",
		 mmio_read32(BLOCK + 0x10), mmio_read32(BLOCK + 0x800));
}
