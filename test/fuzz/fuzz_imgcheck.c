/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the disk image check (imgcheck.h): av_imgcheck() on a good
 * synthetic image (test/unit/imgcheck_build.c: GPT, FAT32 ESP, \EFI\BOOT\BOOTAA64.EFI)
 * with fuzzer-chosen bytes written over its structures, so mutations reach every step of
 * the check rather than stopping at the MBR.
 *
 * Input: a flags byte, a 16-bit size parameter, then patches: a region byte (MBR, GPT
 * header, entries, backup header, FAT boot sector, FAT, root / \EFI / \EFI\BOOT directory,
 * loader, or any sector), a 16-bit offset in it, a length byte and the bytes. Flags: bit 0
 * re-seals the GPT CRCs after patching (so the checks past them are reached), bit 1 cuts
 * the image short by 97 * the size parameter bytes, bit 2 makes it size parameter * 512
 * bytes long.
 * Invariants checked (a violation traps):
 *  - every read the checker asks for lies inside the image and is not empty; fewer than
 *    400000 reads per image;
 *  - the check returns 0; each finding's where/msg is NUL-terminated; the summary counts
 *    the findings reported;
 *  - the summary is consistent: a loader only with an ESP, an ESP inside the image;
 *  - the unpatched, uncut image has no finding.
 */
#include <armvirt/imgcheck.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "../unit/imgcheck_build.c"

static struct img im;

/* Undo log: the bytes each patch overwrote, restored after the check. */
#define UNDO_BYTES (96u * 1024u)
static uint8_t undo_data[UNDO_BYTES];
static struct {
	size_t off, len;
} undo[600];
static unsigned undo_n;
static size_t undo_used;

static int save(size_t off, size_t len)
{
	if (undo_n == sizeof(undo) / sizeof(undo[0]) || len > UNDO_BYTES - undo_used)
		return 0;
	memcpy(undo_data + undo_used, im.p + off, len);
	undo[undo_n].off = off;
	undo[undo_n].len = len;
	undo_n++;
	undo_used += len;
	return 1;
}

static void restore(void)
{
	while (undo_n) {
		undo_n--;
		undo_used -= undo[undo_n].len;
		memcpy(im.p + undo[undo_n].off, undo_data + undo_used, undo[undo_n].len);
	}
}

struct reader {
	uint64_t size;
	unsigned reads;
};

static int read_cb(void *cookie, uint64_t off, void *buf, size_t len)
{
	struct reader *r = cookie;

	CHECK(len > 0 && off <= r->size && len <= r->size - off);
	CHECK(++r->reads < 400000);
	memcpy(buf, im.p + off, len);
	return 0;
}

struct tally {
	unsigned errors, warnings;
};

static void finding(const struct av_imgcheck_finding *f, void *cookie)
{
	struct tally *t = cookie;

	CHECK(memchr(f->where, '\0', sizeof(f->where)) != NULL);
	CHECK(memchr(f->msg, '\0', sizeof(f->msg)) != NULL);
	CHECK(f->severity == AV_DTCHECK_ERROR || f->severity == AV_DTCHECK_WARNING);
	if (f->severity == AV_DTCHECK_ERROR)
		t->errors++;
	else
		t->warnings++;
}

/* Region @p r: its byte offset and length in the image. */
static void region(unsigned r, size_t *off, size_t *len)
{
	size_t clus = (size_t)im.spc * IMG_SEC;

	switch (r % 11) {
	case 0: *off = 0; *len = IMG_SEC; break;
	case 1: *off = IMG_SEC; *len = IMG_SEC; break;
	case 2: *off = 2 * IMG_SEC; *len = IMG_ENTRIES * 128; break;
	case 3: *off = (IMG_LBAS - 1) * (size_t)IMG_SEC; *len = IMG_SEC; break;
	case 4: *off = (size_t)IMG_ESP_FIRST * IMG_SEC; *len = IMG_SEC; break;
	case 5: *off = (size_t)(IMG_ESP_FIRST + IMG_RSVD) * IMG_SEC; *len = IMG_SEC; break;
	case 6: *off = (size_t)(img_cluster(&im, im.root) - im.p); *len = clus; break;
	case 7: *off = (size_t)(img_cluster(&im, im.efi) - im.p); *len = clus; break;
	case 8: *off = (size_t)(img_cluster(&im, im.boot) - im.p); *len = clus; break;
	case 9: *off = (size_t)(img_cluster(&im, im.loader) - im.p); *len = IMG_LOADER_SIZE; break;
	default: *off = 0; *len = IMG_SIZE; break; /* offset counts sectors */
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_imgcheck_summary sum;
	struct reader r = { .size = IMG_SIZE };
	struct tally t = { 0, 0 };
	unsigned flags, param;
	int patched = 0, rc;

	if (im.p == NULL) {
		im.p = calloc(1, IMG_SIZE);
		CHECK(im.p != NULL);
		img_good(&im);
	}
	if (size < 3)
		return 0;
	flags = data[0];
	param = data[1] | (unsigned)data[2] << 8;
	data += 3;
	size -= 3;
	while (size >= 4) {
		size_t off, len, at = (size_t)(data[1] | data[2] << 8), n = data[3];

		region(data[0], &off, &len);
		if (data[0] % 11 == 10)
			at *= IMG_SEC;
		data += 4;
		size -= 4;
		if (n > size)
			n = size;
		at %= len;
		if (n > len - at)
			n = len - at;
		if (!save(off + at, n))
			break;
		memcpy(im.p + off + at, data, n);
		patched |= n > 0;
		data += n;
		size -= n;
	}
	if (flags & 1) {
		if (save(IMG_SEC, (IMG_ENTRIES * 128 / IMG_SEC + 1) * IMG_SEC) &&
		    save((IMG_LBAS - 33) * (size_t)IMG_SEC, 33 * IMG_SEC))
			img_gpt_seal(&im);
		else
			patched = 1; /* not sealed: the CRCs may be off */
	}
	if (flags & 4)
		r.size = (uint64_t)param * IMG_SEC;
	else if (flags & 2)
		r.size = IMG_SIZE - (uint64_t)param * 97;
	if (r.size > IMG_SIZE)
		r.size = IMG_SIZE;

	rc = av_imgcheck(r.size, read_cb, &r, finding, &t, &sum);
	CHECK(rc == 0);
	CHECK(sum.errors == t.errors && sum.warnings == t.warnings);
	CHECK(sum.loader_size == 0 || sum.esp_index != 0);
	if (sum.esp_index)
		CHECK(sum.esp_first <= sum.esp_last && sum.esp_last < r.size / IMG_SEC);
	if (!patched && r.size == IMG_SIZE)
		CHECK(sum.errors == 0 && sum.warnings == 0 && sum.loader_size == IMG_LOADER_SIZE);
	restore();
	return 0;
}
