/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the CFI NOR flash model (armvirt/dev/cfi_flash.h): random
 * sequences of reads and writes on a writable bank and a read-only bank.
 *
 * Input: 1 control byte, then 4-byte operations.
 *  [0] bits 1:0 the geometry (bank width / device width: 4/2 as QEMU virt, 2/2, 4/1,
 *      1/1); bit 2 lock block 0 of the writable bank before the run.
 *  op[0] bit 0 write (else read); bits 2:1 log2 of the width (1..8 bytes); bit 3 the
 *        read-only bank; bit 4 a bank reset instead of an access; bits 7:6 the value:
 *        0 the byte in each chip's lane as a 16-bit chip sees it (0x00XX00XX..),
 *        1 the byte in every byte, 2 the byte alone in lane 0, 3 a command the model
 *        knows (op[3] picks it) in each 16-bit lane;
 *  op[1..2] the offset (little-endian), taken modulo the bank size plus 16 so that some
 *        accesses cross or lie beyond the end;
 *  op[3] the byte.
 * The seeds (test/fuzz/seeds/cfi-flash-*) are the sequences EDK2's NorFlashDxe and
 * U-Boot's cfi_flash driver issue: probe, unlock, erase, word and buffered programs.
 * Invariants checked (a violation traps):
 *  - the guard bytes around both banks never change; the read-only bank never changes
 *    and never reports a change; reads and accesses to one bank change nothing else;
 *  - an access inside a bank is handled, one that crosses its end is refused and
 *    changes nothing;
 *  - on the writable bank a bit goes from 0 to 1 only inside a block an erase reported
 *    (all ones), a program only clears bits, nothing changes in a locked block, and
 *    every change is reported: reported ranges lie inside the bank, and the bank always
 *    equals a shadow copy that takes only the reported ranges;
 *  - set_rom_mode reports changes only, and always agrees with av_cfi_flash_rom_mode();
 *    in ROM mode a read returns the bank's bytes.
 */
#include <armvirt/dev/cfi_flash.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

#define SECTOR 0x1000u
#define BANK_SIZE (2u * SECTOR)
#define GUARD 64u
#define GUARD_BYTE 0xa5
#define RO_FILL 0x3c

struct bank {
	uint8_t store[GUARD + BANK_SIZE + GUARD];
	uint8_t shadow[BANK_SIZE];
	struct av_cfi_flash flash;
	bool rom;
	unsigned rom_calls;
	/* ranges reported by the changed callback during one operation */
	unsigned nr_changed;
	uint64_t changed_off[4], changed_len[4];
};

static struct bank rw, ro;
static uint8_t ro_pattern[BANK_SIZE];

static void on_rom(void *cookie, bool rom)
{
	struct bank *b = cookie;

	CHECK(b->rom_calls == 0 || rom != b->rom);
	CHECK(av_cfi_flash_rom_mode(&b->flash) == rom);
	b->rom = rom;
	b->rom_calls++;
}

static void on_changed(void *cookie, uint64_t off, uint64_t len)
{
	struct bank *b = cookie;

	CHECK(b != &ro);
	CHECK(len > 0 && off < BANK_SIZE && len <= BANK_SIZE - off);
	CHECK(b->nr_changed < 4);
	b->changed_off[b->nr_changed] = off;
	b->changed_len[b->nr_changed] = len;
	b->nr_changed++;
}

static const struct {
	unsigned bank_width, device_width;
} geometry[4] = { { 4, 2 }, { 2, 2 }, { 4, 1 }, { 1, 1 } };

static void setup(struct bank *b, unsigned geo, bool read_only, uint8_t fill)
{
	struct av_cfi_flash_config cfg;

	memset(b->store, GUARD_BYTE, sizeof(b->store));
	memset(b->store + GUARD, fill, BANK_SIZE);
	b->rom = false;
	b->rom_calls = 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mem = b->store + GUARD;
	cfg.size = BANK_SIZE;
	cfg.sector_size = SECTOR;
	cfg.bank_width = geometry[geo].bank_width;
	cfg.device_width = geometry[geo].device_width;
	cfg.read_only = read_only;
	cfg.set_rom_mode = on_rom;
	cfg.changed = on_changed;
	cfg.cookie = b;
	CHECK(av_cfi_flash_init(&b->flash, &cfg) == 0);
	CHECK(b->rom && b->rom_calls == 1);
}

static uint64_t value_of(const uint8_t *op, unsigned width)
{
	static const uint8_t known[] = { 0xff, 0x90, 0x98, 0x70, 0x50, 0x40, 0x10, 0xe8,
					 0x20, 0xd0, 0x60, 0x01, 0xb0, 0x00, 0xf0, 0x1f };
	uint64_t v;

	switch (op[0] >> 6) {
	case 0:
		v = op[3] * 0x0001000100010001ull;
		break;
	case 1:
		v = op[3] * 0x0101010101010101ull;
		break;
	case 2:
		v = op[3];
		break;
	default:
		v = known[op[3] % sizeof(known)] * 0x0001000100010001ull;
		break;
	}
	return width == 8 ? v : v & ((1ull << (8 * width)) - 1);
}

/*
 * Checks on the writable bank after one operation, against the shadow (what the reported
 * changes made of it): a reported erase is one aligned block of ones, a reported program
 * only clears bits and never touches a block locked when the operation began. The shadow
 * then takes the reported ranges; unreported changes show when it is compared with the
 * whole bank (every few operations and at the end).
 */
static void check_rw(uint64_t erases_before, bool locked0)
{
	const uint8_t *mem = rw.store + GUARD;

	CHECK(rw.flash.erases - erases_before <= rw.nr_changed);
	for (unsigned i = 0; i < rw.nr_changed; i++) {
		uint64_t off = rw.changed_off[i], len = rw.changed_len[i];

		CHECK(!locked0 || off >= SECTOR);
		if (len == SECTOR && off % SECTOR == 0 && rw.flash.erases != erases_before) {
			for (uint64_t j = off; j < off + len; j++)
				CHECK(mem[j] == 0xff);
		} else {
			/* a program stays inside one buffer and only clears bits */
			CHECK(len <= sizeof(rw.flash.buf));
			for (uint64_t j = off; j < off + len; j++)
				CHECK((mem[j] & (uint8_t)~rw.shadow[j]) == 0);
		}
		memcpy(rw.shadow + off, mem + off, len);
	}
}

static void check_guards(const struct bank *b)
{
	for (unsigned i = 0; i < GUARD; i++) {
		CHECK(b->store[i] == GUARD_BYTE);
		CHECK(b->store[GUARD + BANK_SIZE + i] == GUARD_BYTE);
	}
}

static void one_op(const uint8_t *op)
{
	struct bank *b = (op[0] & 0x8) ? &ro : &rw;
	unsigned width = 1u << ((op[0] >> 1) & 3);
	uint64_t off = (uint64_t)(op[1] | op[2] << 8) % (BANK_SIZE + 16);
	const struct av_mmio_ops *ops = &av_cfi_flash_mmio_ops;
	uint64_t erases = rw.flash.erases;
	bool inside = off + width <= BANK_SIZE;
	bool rom = av_cfi_flash_rom_mode(&b->flash);
	bool locked0 = rw.flash.locked[0] & 1;
	enum av_access_result res;

	rw.nr_changed = 0;

	if (op[0] & 0x10) {
		av_cfi_flash_reset(&b->flash);
		CHECK(av_cfi_flash_rom_mode(&b->flash));
	} else if (op[0] & 1) {
		res = ops->write(&b->flash, NULL, off, width, value_of(op, width));
		CHECK(res == (inside ? AV_ACCESS_HANDLED : AV_ACCESS_INJECT));
	} else {
		uint64_t v = 0x5555;

		res = ops->read(&b->flash, NULL, off, width, &v);
		CHECK(res == (inside ? AV_ACCESS_HANDLED : AV_ACCESS_INJECT));
		if (!inside) {
			CHECK(v == 0);
		} else if (rom) {
			uint64_t m = 0;

			memcpy(&m, b->store + GUARD + off, width);
			CHECK(v == m);
		}
		CHECK(av_cfi_flash_rom_mode(&b->flash) == rom); /* reads change no state */
	}
	CHECK(b->rom == av_cfi_flash_rom_mode(&b->flash));
	CHECK(b == &rw || rw.nr_changed == 0);
	check_rw(erases, locked0);
	if (b == &ro)
		CHECK(memcmp(ro.store + GUARD, ro_pattern, BANK_SIZE) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned geo;

	if (size < 1)
		return 0;
	geo = data[0] & 3;
	memset(ro_pattern, RO_FILL, sizeof(ro_pattern));
	setup(&rw, geo, false, 0xff);
	setup(&ro, geo, true, RO_FILL);
	if (data[0] & 4) { /* the guest locks block 0 first */
		CHECK(av_cfi_flash_mmio_ops.write(&rw.flash, NULL, 0, 1, 0x60) == AV_ACCESS_HANDLED);
		CHECK(av_cfi_flash_mmio_ops.write(&rw.flash, NULL, 0, 1, 0x01) == AV_ACCESS_HANDLED);
	}
	memcpy(rw.shadow, rw.store + GUARD, BANK_SIZE);
	for (size_t i = 1; i + 4 <= size; i += 4) {
		one_op(data + i);
		if (i % 64 == 1)
			CHECK(memcmp(rw.shadow, rw.store + GUARD, BANK_SIZE) == 0);
	}
	CHECK(memcmp(rw.shadow, rw.store + GUARD, BANK_SIZE) == 0);
	check_guards(&rw);
	check_guards(&ro);
	CHECK(memcmp(ro.store + GUARD, ro_pattern, BANK_SIZE) == 0);
	CHECK(ro.flash.programs == 0 && ro.flash.erases == 0);
	return 0;
}
