/* SPDX-License-Identifier: MIT */
/* Unit tests: the VM-spec disk image check. A synthetic good image (imgcheck_build.c:
 * protective MBR, GPT, FAT32 ESP with \EFI\BOOT\BOOTAA64.EFI) passes with no finding; the
 * same image with one thing broken gives the finding that names it. Every read the checker
 * makes is checked to lie inside the image, and the number of reads stays bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/imgcheck.h>

#include "imgcheck_build.h"

struct findings {
	unsigned n, total;
	struct av_imgcheck_finding f[32];
};

static void collect(const struct av_imgcheck_finding *f, void *cookie)
{
	struct findings *fs = cookie;

	fs->total++;
	if (fs->n < 32)
		fs->f[fs->n++] = *f;
}

static void dump(const struct findings *fs)
{
	for (unsigned i = 0; i < fs->n; i++)
		print_message("  %s: %s: %s\n",
			      fs->f[i].severity == AV_DTCHECK_ERROR ? "error" : "warning",
			      fs->f[i].where, fs->f[i].msg);
}

/* The image every test starts from (built once, copied per test). */
static uint8_t *good_image;
static struct img good_layout;

struct reader {
	const uint8_t *p;
	uint64_t size;
	unsigned reads;
	int fail_at;  /* fail the n-th read (1-based) with -AV_EIO; 0: never */
};

static int read_cb(void *cookie, uint64_t off, void *buf, size_t len)
{
	struct reader *r = cookie;

	r->reads++;
	assert_true(len > 0);
	assert_true(off <= r->size && len <= r->size - off);
	if (r->fail_at && (int)r->reads == r->fail_at)
		return -AV_EIO;
	memcpy(buf, r->p + off, len);
	return 0;
}

/* Check @p size bytes of @p p; every read is checked, at most 20000 reads. */
static struct av_imgcheck_summary run(const uint8_t *p, uint64_t size, struct findings *fs)
{
	struct reader r = { .p = p, .size = size };
	struct av_imgcheck_summary sum;

	memset(fs, 0, sizeof(*fs));
	assert_int_equal(av_imgcheck(size, read_cb, &r, collect, fs, &sum), 0);
	assert_int_equal(sum.errors + sum.warnings, fs->total);
	assert_true(r.reads < 20000);
	return sum;
}

static void expect(const struct findings *fs, enum av_dtcheck_severity sev, const char *where,
		   const char *part)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].severity == sev && strcmp(fs->f[i].where, where) == 0 &&
		    strstr(fs->f[i].msg, part) != NULL)
			return;
	dump(fs);
	fail_msg("no %s on %s containing \"%s\"", sev == AV_DTCHECK_ERROR ? "error" : "warning",
		 where, part);
}

/* Only the one finding @p sev / @p where / @p part. */
static void expect_only(const struct findings *fs, enum av_dtcheck_severity sev,
			const char *where, const char *part)
{
	expect(fs, sev, where, part);
	if (fs->n != 1) {
		dump(fs);
		fail_msg("%u findings, expected 1", fs->n);
	}
}

#define LOADER "\\EFI\\BOOT\\BOOTAA64.EFI"

static int setup(void **state)
{
	struct img *im = malloc(sizeof(*im));

	assert_non_null(im);
	*im = good_layout;
	im->p = malloc(IMG_SIZE);
	assert_non_null(im->p);
	memcpy(im->p, good_image, IMG_SIZE);
	*state = im;
	return 0;
}

static int teardown(void **state)
{
	struct img *im = *state;

	free(im->p);
	free(im);
	return 0;
}

static void test_crc32(void **state)
{
	(void)state;
	assert_int_equal(av_crc32(0, "123456789", 9), 0xcbf43926u);
	assert_int_equal(av_crc32(av_crc32(0, "1234", 4), "56789", 5), 0xcbf43926u);
	assert_int_equal(av_crc32(0, "", 0), 0);
}

static void test_good(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s = run(im->p, IMG_SIZE, &fs);

	if (fs.n)
		dump(&fs);
	assert_int_equal(fs.n, 0);
	assert_int_equal(s.esp_index, 1);
	assert_int_equal(s.esp_first, IMG_ESP_FIRST);
	assert_int_equal(s.esp_last, IMG_ESP_LAST);
	assert_int_equal(s.loader_size, IMG_LOADER_SIZE);
	/* The buffer form gives the same result; a NULL callback or summary is fine. */
	assert_int_equal(av_imgcheck_buf(im->p, IMG_SIZE, NULL, NULL, &s), 0);
	assert_int_equal(s.errors + s.warnings, 0);
	assert_int_equal(av_imgcheck_buf(im->p, IMG_SIZE, NULL, NULL, NULL), 0);
}

static void test_args(void **state)
{
	struct img *im = *state;
	struct reader r = { .p = im->p, .size = IMG_SIZE, .fail_at = 3 };
	struct av_imgcheck_summary s;

	assert_int_equal(av_imgcheck(IMG_SIZE, NULL, NULL, NULL, NULL, &s), -AV_EINVAL);
	assert_int_equal(av_imgcheck_buf(NULL, IMG_SIZE, NULL, NULL, &s), -AV_EINVAL);
	/* The read callback's error stops the check and is returned. */
	assert_int_equal(av_imgcheck(IMG_SIZE, read_cb, &r, NULL, NULL, &s), -AV_EIO);
	assert_int_equal(r.reads, 3);
}

static void test_too_small(void **state)
{
	struct img *im = *state;
	struct findings fs;

	run(im->p, 33 * IMG_SEC, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "image", "smaller than 34 sectors");
	run(im->p, 0, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "image", "0 bytes");
}

static void test_not_sector_multiple(void **state)
{
	struct img *im = *state;
	struct findings fs;

	/* The backup header is no longer at the last whole LBA either. */
	run(im->p, IMG_SIZE - 100, &fs);
	expect(&fs, AV_DTCHECK_WARNING, "image", "not a multiple of 512");
}

static void test_mbr_only(void **state)
{
	struct img *im = *state;
	uint8_t *m = img_lba(im, 0);
	struct findings fs;

	/* A DOS partition table: type 0xEF (EFI system) at LBA 2048, no GPT. */
	memset(img_lba(im, 1), 0, IMG_SEC);
	m[446 + 4] = 0xef;
	img_put32(m + 446 + 8, IMG_ESP_FIRST);
	img_put32(m + 446 + 12, IMG_FS_SECTORS);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "MBR", "MBR partition table, not GPT");
}

static void test_no_partition_table(void **state)
{
	struct img *im = *state;
	struct findings fs;

	memset(im->p, 0, IMG_SIZE);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "MBR", "no partition table");
}

static void test_mbr_not_protective(void **state)
{
	struct img *im = *state;
	uint8_t *m = img_lba(im, 0);
	struct findings fs;

	m[446 + 4] = 0x83;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "MBR", "no protective partition (type 0xEE)");
	m[446 + 4] = 0xee;
	m[446 + 16 + 4] = 0x83;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "MBR", "hybrid MBR");
	m[446 + 16 + 4] = 0;
	img_put32(m + 446 + 12, 1000);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "MBR", "protective partition covers");
}

static void test_wrong_esp_type(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s;

	img_entry(im, 0)[0] ^= 1; /* C12A7329-...: one bit off */
	img_gpt_seal(im);
	s = run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "no EFI System Partition");
	assert_int_equal(s.esp_index, 0);
	assert_int_equal(s.loader_size, 0);
}

static void test_second_esp(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s;

	memcpy(img_entry(im, 1), img_esp_type, 16);
	img_gpt_seal(im);
	s = run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "partition 2", "another EFI System Partition");
	assert_int_equal(s.esp_index, 1);
	/* The ESP need not be the first entry. */
	memcpy(img_entry(im, 1), img_linux_type, 16);
	memcpy(img_entry(im, 5), img_entry(im, 0), 128);
	memset(img_entry(im, 0), 0, 128);
	img_gpt_seal(im);
	s = run(im->p, IMG_SIZE, &fs);
	assert_int_equal(fs.n, 0);
	assert_int_equal(s.esp_index, 6);
}

static void test_fat16(void **state)
{
	struct img *im = *state;
	struct findings fs;

	/* Two sectors per cluster: 33000 clusters, FAT16 by the specification's count. */
	img_fat(im, 2);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "FAT16 (33000 clusters), not FAT32");
	/* A FAT16 BPB proper: a fixed root directory, a 16-bit FAT size. */
	img_put16(img_lba(im, IMG_ESP_FIRST) + 17, 512);
	img_put16(img_lba(im, IMG_ESP_FIRST) + 22, 200);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "not FAT32");
}

static void test_not_fat(void **state)
{
	struct img *im = *state;
	struct findings fs;

	memset(img_lba(im, IMG_ESP_FIRST), 0, IMG_SEC);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "no FAT boot sector");
	img_fat(im, 1);
	img_put16(img_lba(im, IMG_ESP_FIRST) + 11, 500);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "invalid BPB");
	/* A file system larger than its partition. */
	img_fat(im, 1);
	img_put32(img_lba(im, IMG_ESP_FIRST) + 32, IMG_FS_SECTORS + 1);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "larger than the partition");
	/* FATs bigger than the file system (the sum must not wrap). */
	img_fat(im, 1);
	img_put32(img_lba(im, IMG_ESP_FIRST) + 36, 0x80000000u);
	img_lba(im, IMG_ESP_FIRST)[16] = 255;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "fewer than its FATs");
}

static void test_no_loader(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s;
	uint8_t *e = img_cluster(im, im->boot) + 64; /* after "." and ".." */

	memcpy(e, "BOOTX64 EFI", 11);
	s = run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not found: no BOOTAA64.EFI in \\EFI\\BOOT");
	assert_int_equal(s.loader_size, 0);
	/* A deleted entry does not count. */
	memcpy(e, "\xe5OOTAA64EFI", 11);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not found");
	/* Nor does a volume label of that name. */
	memcpy(e, "BOOTAA64EFI", 11);
	e[11] = 0x08;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not found");
	e[11] = 0x10;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "is a directory");
	/* No \EFI\BOOT; \EFI a file. */
	memcpy(img_cluster(im, im->efi) + 64, "BOOT    OLD", 11);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "no BOOT in \\EFI");
	img_cluster(im, im->root)[11] = 0x20;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "EFI in the root directory is not a directory");
	/* Nothing in the root directory at all. */
	memset(img_cluster(im, im->root), 0, IMG_SEC);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "no EFI in the root directory");
}

static void test_lower_case(void **state)
{
	struct img *im = *state;
	struct findings fs;

	/* Short names stored in lower case (as some tools write them) still match. */
	memcpy(img_cluster(im, im->root), "efi        ", 11);
	memcpy(img_cluster(im, im->boot) + 64, "bootaa64efi", 11);
	run(im->p, IMG_SIZE, &fs);
	assert_int_equal(fs.n, 0);
}

static void test_long_names(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s;
	uint8_t *boot = img_cluster(im, im->boot);
	uint8_t *lfn;

	/* Only a long name says BOOTAA64.EFI (lower case); the short name differs. */
	memset(boot + 64, 0, 32);
	img_dirent_lfn(im, im->boot, "readme-first.txt", "README~1TXT", 0x20, 0, 0);
	lfn = boot + 64 + 3 * 32;
	img_dirent_lfn(im, im->boot, "bootaa64.efi", "BOOTAA~1EFI", 0x20, im->loader,
		       IMG_LOADER_SIZE);
	s = run(im->p, IMG_SIZE, &fs);
	if (fs.n)
		dump(&fs);
	assert_int_equal(fs.n, 0);
	assert_int_equal(s.loader_size, IMG_LOADER_SIZE);
	/* A long name whose checksum does not match its short entry is ignored. */
	lfn[13] ^= 0xff;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not found");
	lfn[13] ^= 0xff;
	/* So is a long name with a character changed to a non-ASCII one. */
	img_put16(lfn + 1, 0x0142);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not found");
	img_put16(lfn + 1, 'b');
	/* And one with an ordinal missing: drop the last-entry flag of the first entry. */
	lfn[0] &= (uint8_t)~0x40;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not found");
	lfn[0] |= 0x40;
	run(im->p, IMG_SIZE, &fs);
	assert_int_equal(fs.n, 0);
	/* A long name of eight entries before it does not disturb the search. */
	{
		char name[101];

		memset(name, 'x', 100);
		name[100] = '\0';
		memset(boot + 64, 0, IMG_SEC - 64);
		img_dirent_lfn(im, im->boot, name, "XXXXXX~1   ", 0x20, 0, 0);
		img_dirent_lfn(im, im->boot, "BootAA64.Efi", "BOOTAA~1EFI", 0x20, im->loader,
			       IMG_LOADER_SIZE);
		run(im->p, IMG_SIZE, &fs);
		assert_int_equal(fs.n, 0);
	}
}

static void test_truncated_gpt(void **state)
{
	struct img *im = *state;
	struct findings fs;

	/* The image cut in the middle of the ESP: the GPT's usable range is beyond the end. */
	run(im->p, (uint64_t)IMG_ESP_FIRST * IMG_SEC + 4096, &fs);
	expect(&fs, AV_DTCHECK_ERROR, "GPT header", "outside the disk");
	expect(&fs, AV_DTCHECK_WARNING, "MBR", "protective partition covers");
	assert_int_equal(fs.n, 2);
	/* Only the MBR, the header and its entry array left. */
	run(im->p, 34 * IMG_SEC, &fs);
	expect(&fs, AV_DTCHECK_ERROR, "GPT header", "usable LBAs 34..");
	assert_int_equal(fs.n, 2);
	/* An entry array said to be beyond the disk end. */
	img_put64(img_lba(im, 1) + 72, IMG_LBAS - 2);
	img_put32(img_lba(im, 1) + 16, 0);
	img_put32(img_lba(im, 1) + 16, av_crc32(0, img_lba(im, 1), 92));
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "partition entry array at LBA");
}

/* Recompute the primary header's CRC after editing it. */
static void reseal_primary(struct img *im)
{
	uint8_t *h = img_lba(im, 1);

	img_put32(h + 16, 0);
	img_put32(h + 16, av_crc32(0, h, 92));
}

static void test_bad_header(void **state)
{
	struct img *im = *state;
	uint8_t *h = img_lba(im, 1);
	struct findings fs;

	h[60] ^= 1; /* a disk GUID byte */
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "header CRC32 0x");
	h[60] ^= 1;
	img_put32(h + 8, 0x00020000);
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "revision 0x00020000");
	img_put32(h + 8, 0x00010000);
	img_put32(h + 12, 91);
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "header size 91");
	img_put32(h + 12, 92);
	img_put64(h + 24, 2);
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "MyLBA 2");
	img_put64(h + 24, 1);
	img_put32(h + 84, 100);
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "entry size 100");
	/* 2^32 - 1 entries of 2^31 bytes: refused before anything is read. */
	img_put32(h + 80, 0xffffffffu);
	img_put32(h + 84, 0x80000000u);
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "partition entry array of");
	img_put32(h + 80, IMG_ENTRIES);
	img_put32(h + 84, 128);
	img_put64(h + 40, 20); /* first usable LBA inside the entry array */
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect(&fs, AV_DTCHECK_ERROR, "GPT header", "reaches the usable LBA 20");
	img_put64(h + 40, 34);
	memcpy(h, "EFI PARU", 8);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "no GPT");
}

static void test_bad_entries_crc(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s;

	/* A byte of an unused entry changed after the CRC was computed. */
	img_entry(im, 100)[70] = 1;
	s = run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "GPT header", "partition entry array CRC32");
	assert_int_equal(s.esp_index, 0);
}

static void test_backup(void **state)
{
	struct img *im = *state;
	struct findings fs;
	struct av_imgcheck_summary s;

	memset(img_lba(im, IMG_LBAS - 1), 0, IMG_SEC);
	s = run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "backup GPT header", "missing or invalid");
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.loader_size, IMG_LOADER_SIZE);
	/* A backup that disagrees with the primary (another last usable LBA). */
	img_gpt(im);
	img_put64(img_lba(im, IMG_LBAS - 1) + 48, IMG_LBAS - 40);
	img_gpt_seal(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "backup GPT header", "differs from the primary");
	/* The backup array's CRC no longer matches. */
	img_gpt(im);
	img_lba(im, IMG_LBAS - 33)[200] ^= 1;
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "backup GPT header", "partition entry array CRC32");
	/* The primary's AlternateLBA not at the last LBA. */
	img_gpt(im);
	img_put64(img_lba(im, 1) + 32, IMG_LBAS - 2);
	reseal_primary(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, "GPT header", "AlternateLBA");
}

static void test_partitions(void **state)
{
	struct img *im = *state;
	struct findings fs;

	/* Partition 2 starts inside the ESP. */
	img_put64(img_entry(im, 1) + 32, IMG_ESP_LAST - 10);
	img_gpt_seal(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "partition 2", "overlap partition 1");
	/* Partition 2 ends beyond the last usable LBA. */
	img_put64(img_entry(im, 1) + 32, IMG_P2_FIRST);
	img_put64(img_entry(im, 1) + 40, IMG_LBAS - 1);
	img_gpt_seal(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "partition 2", "outside the usable range");
	/* First after last. */
	img_put64(img_entry(im, 1) + 40, IMG_P2_FIRST - 1);
	img_gpt_seal(im);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "partition 2", "after last LBA");
	/* An ESP that does not fit the disk is reported, its file system not read. */
	img_put64(img_entry(im, 1) + 40, IMG_P2_LAST);
	img_put64(img_entry(im, 0) + 40, UINT64_MAX);
	img_gpt_seal(im);
	run(im->p, IMG_SIZE, &fs);
	expect(&fs, AV_DTCHECK_ERROR, "partition 1", "outside the usable range");
	expect(&fs, AV_DTCHECK_ERROR, "ESP", "no EFI System Partition");
	assert_int_equal(fs.n, 2);
}

static void test_many_partitions(void **state)
{
	struct img *im = *state;
	struct findings fs;

	/* 126 more one-sector partitions, all inside partition 2: each overlap is found
	 * (the test keeps the first 32 findings). */
	for (unsigned i = 2; i < IMG_ENTRIES; i++) {
		memcpy(img_entry(im, i), img_linux_type, 16);
		img_put64(img_entry(im, i) + 32, IMG_P2_FIRST + i);
		img_put64(img_entry(im, i) + 40, IMG_P2_FIRST + i);
	}
	img_gpt_seal(im);
	run(im->p, IMG_SIZE, &fs);
	assert_int_equal(fs.total, 126);
	expect(&fs, AV_DTCHECK_ERROR, "partition 3", "overlap partition 2");
}

static void test_loader_not_pe(void **state)
{
	struct img *im = *state;
	uint8_t *data = img_cluster(im, im->loader);
	struct findings fs;

	data[0] = 0x7f; /* an ELF file, say */
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "no \"MZ\" header");
	data[0] = 'M';
	data[0x40] = 'X';
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "no \"PE\" signature at 0x40");
	data[0x40] = 'P';
	img_put32(data + 0x3c, IMG_LOADER_SIZE - 10);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "PE header offset");
	img_put32(data + 0x3c, 0xfffffff0u);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "PE header offset");
	/* The PE header across the second and third clusters: still a good loader. */
	img_pe(data + 956, 0xaa64, 0x20b, 10);
	img_put32(data + 0x3c, 956 + 0x40);
	run(im->p, IMG_SIZE, &fs);
	assert_int_equal(fs.n, 0);
	/* An empty file. */
	img_put32(img_cluster(im, im->boot) + 64 + 28, 0);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "0 bytes");
}

static void test_loader_not_aarch64(void **state)
{
	struct img *im = *state;
	uint8_t *data = img_cluster(im, im->loader);
	struct findings fs;

	img_pe(data, 0x8664, 0x20b, 10); /* x86-64 */
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "machine 0x8664, not AArch64");
	img_pe(data, 0xaa64, 0x10b, 10); /* PE32 */
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "not PE32+");
	img_pe(data, 0xaa64, 0x20b, 12); /* a runtime driver */
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_WARNING, LOADER, "subsystem 12");
	img_pe(data, 0xaa64, 0x20b, 10);
	img_put16(data + 0x54, 20);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "optional header of 20 bytes");
}

static void test_fat_chains(void **state)
{
	struct img *im = *state;
	struct findings fs;
	uint32_t l = im->loader;

	/* The loader's chain loops back on itself. */
	img_fat_set(im, l + 5, l + 1);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "longer than its size");
	/* Ends early. */
	img_fat_set(im, l + 2, 0x0fffffff);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "FAT chain of 3 clusters");
	/* Runs into a free entry; then out of the file system. */
	img_fat_set(im, l + 2, 0);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "a free entry");
	img_fat_set(im, l + 2, 0x0ffffff0u);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "invalid entry 0xffffff0");
	img_fat_set(im, l + 2, 0x0ffffff7u);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "a bad cluster");
	/* A file larger than the file system; a first cluster outside it. */
	img_fat_set(im, l + 2, l + 3);
	img_fat_set(im, l + 5, 0x0fffffff);
	img_put32(img_cluster(im, im->boot) + 64 + 28, 0xfffffff0u);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "larger than the file system");
	img_put32(img_cluster(im, im->boot) + 64 + 28, IMG_LOADER_SIZE);
	img_put16(img_cluster(im, im->boot) + 64 + 20, 0x7fff);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, LOADER, "first cluster");
	img_put16(img_cluster(im, im->boot) + 64 + 20, 0);
	run(im->p, IMG_SIZE, &fs);
	assert_int_equal(fs.n, 0);
}

static void test_directory_loop(void **state)
{
	struct img *im = *state;
	struct findings fs;
	uint8_t *boot = img_cluster(im, im->boot);

	/* \EFI\BOOT full of other names, its chain pointing back at itself: the search stops
	 * after 65536 entries' worth of reads. */
	for (unsigned off = 64; off < IMG_SEC; off += 32) {
		memcpy(boot + off, "OTHER   EFI", 11);
		boot[off + 11] = 0x20;
	}
	img_fat_set(im, im->boot, im->boot);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "\\EFI\\BOOT", "longer than 65536 entries");
	/* The root directory pointing at a free cluster: the chain is broken. */
	img_fat_set(im, im->boot, 0x0fffffff);
	memset(img_cluster(im, im->root), 0, IMG_SEC);
	for (unsigned off = 0; off < IMG_SEC; off += 32) {
		memcpy(img_cluster(im, im->root) + off, "OTHER   EFI", 11);
		img_cluster(im, im->root)[off + 11] = 0x20;
	}
	img_fat_set(im, im->root, 0);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "a free entry");
}

static void test_root_cluster(void **state)
{
	struct img *im = *state;
	struct findings fs;

	img_put32(img_lba(im, IMG_ESP_FIRST) + 44, 1);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "root directory cluster 1");
	img_put32(img_lba(im, IMG_ESP_FIRST) + 44, im->clusters + 2);
	run(im->p, IMG_SIZE, &fs);
	expect_only(&fs, AV_DTCHECK_ERROR, "ESP", "outside 2..66001");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32),
		T(test_good),
		T(test_args),
		T(test_too_small),
		T(test_not_sector_multiple),
		T(test_mbr_only),
		T(test_no_partition_table),
		T(test_mbr_not_protective),
		T(test_wrong_esp_type),
		T(test_second_esp),
		T(test_fat16),
		T(test_not_fat),
		T(test_no_loader),
		T(test_lower_case),
		T(test_long_names),
		T(test_truncated_gpt),
		T(test_bad_header),
		T(test_bad_entries_crc),
		T(test_backup),
		T(test_partitions),
		T(test_many_partitions),
		T(test_loader_not_pe),
		T(test_loader_not_aarch64),
		T(test_fat_chains),
		T(test_directory_loop),
		T(test_root_cluster),
	};
	int rc;

	good_image = calloc(1, IMG_SIZE);
	if (good_image == NULL)
		return 1;
	good_layout.p = good_image;
	img_good(&good_layout);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(good_image);
	return rc;
}
