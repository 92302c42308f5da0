/* SPDX-License-Identifier: MIT */
/* Synthetic disk images for the image checker's tests (see imgcheck_build.h). Layouts from
 * the UEFI specification (GPT), the FAT specification and PE/COFF; written independently
 * of lib/imgcheck.c except for the CRC32 (av_crc32() is checked against a known vector). */
#include "imgcheck_build.h"

#include <string.h>

#include <armvirt/imgcheck.h>

const uint8_t img_esp_type[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
				   0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
/* 0FC63DAF-8483-4772-8E79-3D69D8477DE4 */
const uint8_t img_linux_type[16] = { 0xaf, 0x3d, 0xc6, 0x0f, 0x83, 0x84, 0x72, 0x47,
				     0x8e, 0x79, 0x3d, 0x69, 0xd8, 0x47, 0x7d, 0xe4 };

uint8_t *img_lba(struct img *im, uint64_t lba)
{
	return im->p + lba * IMG_SEC;
}

void img_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void img_put32(uint8_t *p, uint32_t v)
{
	img_put16(p, (uint16_t)v);
	img_put16(p + 2, (uint16_t)(v >> 16));
}

void img_put64(uint8_t *p, uint64_t v)
{
	img_put32(p, (uint32_t)v);
	img_put32(p + 4, (uint32_t)(v >> 32));
}

uint8_t *img_entry(struct img *im, unsigned i)
{
	return img_lba(im, 2) + 128 * i;
}

/* One GPT header at @p my with its array at @p array. CRCs are set by img_gpt_seal(). */
static void gpt_header(struct img *im, uint64_t my, uint64_t alt, uint64_t array)
{
	uint8_t *h = img_lba(im, my);

	memset(h, 0, IMG_SEC);
	memcpy(h, "EFI PART", 8);
	img_put32(h + 8, 0x00010000);
	img_put32(h + 12, 92);
	img_put64(h + 24, my);
	img_put64(h + 32, alt);
	img_put64(h + 40, 34);
	img_put64(h + 48, IMG_LBAS - 34);
	for (unsigned i = 0; i < 16; i++)
		h[56 + i] = (uint8_t)(0xa0 + i); /* disk GUID */
	img_put64(h + 72, array);
	img_put32(h + 80, IMG_ENTRIES);
	img_put32(h + 84, 128);
}

static void seal_header(struct img *im, uint64_t lba, uint32_t array_crc)
{
	uint8_t *h = img_lba(im, lba);

	img_put32(h + 88, array_crc);
	img_put32(h + 16, 0);
	img_put32(h + 16, av_crc32(0, h, 92));
}

void img_gpt_seal(struct img *im)
{
	uint32_t crc = av_crc32(0, img_lba(im, 2), IMG_ENTRIES * 128);

	memcpy(img_lba(im, IMG_LBAS - 33), img_lba(im, 2), IMG_ENTRIES * 128);
	seal_header(im, 1, crc);
	seal_header(im, IMG_LBAS - 1, crc);
}

static void entry(struct img *im, unsigned i, const uint8_t *type, uint64_t first, uint64_t last)
{
	uint8_t *e = img_entry(im, i);

	memcpy(e, type, 16);
	for (unsigned k = 0; k < 16; k++)
		e[16 + k] = (uint8_t)(0x10 * (i + 1) + k); /* unique GUID */
	img_put64(e + 32, first);
	img_put64(e + 40, last);
	e[56] = 'p'; /* name "p" in UTF-16LE */
}

void img_gpt(struct img *im)
{
	uint8_t *m = img_lba(im, 0);

	memset(m + 446, 0, 64);
	m[446 + 4] = 0xee;
	img_put32(m + 446 + 8, 1);
	img_put32(m + 446 + 12, IMG_LBAS - 1);
	m[510] = 0x55;
	m[511] = 0xaa;
	gpt_header(im, 1, IMG_LBAS - 1, 2);
	gpt_header(im, IMG_LBAS - 1, 1, IMG_LBAS - 33);
	memset(img_entry(im, 0), 0, IMG_ENTRIES * 128);
	entry(im, 0, img_esp_type, IMG_ESP_FIRST, IMG_ESP_LAST);
	entry(im, 1, img_linux_type, IMG_P2_FIRST, IMG_P2_LAST);
	img_gpt_seal(im);
}

void img_fat(struct img *im, uint32_t spc)
{
	uint8_t *b = img_lba(im, IMG_ESP_FIRST);

	memset(b, 0, (size_t)IMG_FS_SECTORS * IMG_SEC);
	im->spc = spc;
	im->clusters = (IMG_FS_SECTORS - IMG_RSVD - IMG_NFATS * IMG_FATSZ) / spc;
	b[0] = 0xeb;
	b[1] = 0x58;
	b[2] = 0x90;
	memcpy(b + 3, "ARMVIRT ", 8);
	img_put16(b + 11, IMG_SEC);
	b[13] = (uint8_t)spc;
	img_put16(b + 14, IMG_RSVD);
	b[16] = IMG_NFATS;
	b[21] = 0xf8;
	img_put32(b + 32, IMG_FS_SECTORS);
	img_put32(b + 36, IMG_FATSZ);
	img_put32(b + 44, 2); /* root directory cluster */
	img_put16(b + 48, 1);
	img_put16(b + 50, 6);
	b[66] = 0x29;
	memcpy(b + 71, "NO NAME    FAT32   ", 19);
	b[510] = 0x55;
	b[511] = 0xaa;
	img_fat_set(im, 0, 0x0ffffff8);
	img_fat_set(im, 1, 0x0fffffff);
	im->next = 2;
	im->root = img_chain(im, 1);
}

void img_fat_set(struct img *im, uint32_t n, uint32_t v)
{
	for (uint32_t f = 0; f < IMG_NFATS; f++)
		img_put32(img_lba(im, IMG_ESP_FIRST + IMG_RSVD + f * IMG_FATSZ) + 4 * n, v);
}

uint8_t *img_cluster(struct img *im, uint32_t n)
{
	return img_lba(im, IMG_ESP_FIRST + IMG_RSVD + IMG_NFATS * IMG_FATSZ +
				   (uint64_t)(n - 2) * im->spc);
}

uint32_t img_chain(struct img *im, uint32_t n)
{
	uint32_t first = im->next;

	for (uint32_t i = 0; i < n; i++)
		img_fat_set(im, first + i, i + 1 < n ? first + i + 1 : 0x0fffffff);
	im->next += n;
	return first;
}

uint8_t *img_dirent(struct img *im, uint32_t dir, const char *sfn, uint8_t attr,
		    uint32_t cluster, uint32_t size)
{
	uint8_t *e = img_cluster(im, dir);

	while (e[0] != 0)
		e += 32;
	memcpy(e, sfn, 11);
	e[11] = attr;
	img_put16(e + 20, (uint16_t)(cluster >> 16));
	img_put16(e + 26, (uint16_t)cluster);
	img_put32(e + 28, size);
	return e;
}

uint8_t *img_dirent_lfn(struct img *im, uint32_t dir, const char *name, const char *sfn,
			uint8_t attr, uint32_t cluster, uint32_t size)
{
	static const uint8_t pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };
	size_t len = strlen(name);
	unsigned n = (unsigned)(len + 12) / 13;
	uint8_t sum = 0, *e = img_cluster(im, dir);

	for (unsigned i = 0; i < 11; i++)
		sum = (uint8_t)(((sum & 1) ? 0x80 : 0) + (sum >> 1) + (uint8_t)sfn[i]);
	while (e[0] != 0)
		e += 32;
	for (unsigned ord = n; ord >= 1; ord--, e += 32) {
		e[0] = (uint8_t)(ord | (ord == n ? 0x40 : 0));
		e[11] = 0x0f;
		e[13] = sum;
		for (unsigned k = 0; k < 13; k++) {
			size_t at = (ord - 1) * 13 + k;
			uint16_t ch = at < len ? (uint8_t)name[at] : at == len ? 0 : 0xffff;

			img_put16(e + pos[k], ch);
		}
	}
	return img_dirent(im, dir, sfn, attr, cluster, size);
}

uint32_t img_mkdir(struct img *im, uint32_t parent, const char *sfn)
{
	uint32_t c = img_chain(im, 1);

	img_dirent(im, parent, sfn, 0x10, c, 0);
	img_dirent(im, c, ".          ", 0x10, c, 0);
	img_dirent(im, c, "..         ", 0x10, parent == im->root ? 0 : parent, 0);
	return c;
}

void img_pe(uint8_t *buf, uint16_t machine, uint16_t magic, uint16_t subsystem)
{
	memset(buf, 0, 512);
	buf[0] = 'M';
	buf[1] = 'Z';
	img_put32(buf + 0x3c, 0x40);
	memcpy(buf + 0x40, "PE\0\0", 4);
	img_put16(buf + 0x44, machine);
	img_put16(buf + 0x54, 0xf0); /* SizeOfOptionalHeader of PE32+ */
	img_put16(buf + 0x56, 0x0206);
	img_put16(buf + 0x58, magic);
	img_put16(buf + 0x58 + 68, subsystem);
}

void img_good(struct img *im)
{
	uint32_t clus_bytes;
	uint8_t *data;

	img_gpt(im);
	img_fat(im, 1);
	im->efi = img_mkdir(im, im->root, "EFI        ");
	im->boot = img_mkdir(im, im->efi, "BOOT       ");
	clus_bytes = im->spc * IMG_SEC;
	im->loader = img_chain(im, (IMG_LOADER_SIZE + clus_bytes - 1) / clus_bytes);
	img_dirent(im, im->boot, "BOOTAA64EFI", 0x20, im->loader, IMG_LOADER_SIZE);
	data = img_cluster(im, im->loader);
	img_pe(data, 0xaa64, 0x20b, 10);
	for (uint32_t i = 512; i < IMG_LOADER_SIZE; i++)
		data[i] = (uint8_t)i;
}
