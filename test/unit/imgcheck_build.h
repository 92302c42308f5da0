/* SPDX-License-Identifier: MIT */
/* Builds synthetic disk images in memory for the image checker's tests (unit.imgcheck,
 * fuzz.imgcheck): a protective MBR, primary and backup GPT, a FAT32 EFI System Partition
 * with \EFI\BOOT\BOOTAA64.EFI (a minimal PE32+ header for AArch64) and a second partition.
 * Each piece is written by a small function so a test can build a good image and then
 * break exactly one thing (re-sealing the GPT CRCs with img_gpt_seal() when it wants the
 * CRCs to stay right). */
#ifndef ARMVIRT_TEST_IMGCHECK_BUILD_H
#define ARMVIRT_TEST_IMGCHECK_BUILD_H

#include <stddef.h>
#include <stdint.h>

#define IMG_SEC 512u
#define IMG_ESP_FIRST 2048u     /* first LBA of the ESP */
#define IMG_FS_CLUSTERS 66000u  /* data clusters at one sector per cluster: FAT32 */
#define IMG_RSVD 32u            /* reserved sectors of the FAT file system */
#define IMG_NFATS 2u
#define IMG_FATSZ ((IMG_FS_CLUSTERS + 2u) * 4u / IMG_SEC + 1u)
#define IMG_FS_SECTORS (IMG_RSVD + IMG_NFATS * IMG_FATSZ + IMG_FS_CLUSTERS)
#define IMG_ESP_LAST (IMG_ESP_FIRST + IMG_FS_SECTORS - 1u)
#define IMG_P2_FIRST (IMG_ESP_LAST + 1u)
#define IMG_P2_LAST (IMG_P2_FIRST + 999u)
#define IMG_LBAS (IMG_P2_LAST + 1u + 33u) /* backup entries and header after it */
#define IMG_SIZE ((size_t)IMG_LBAS * IMG_SEC)
#define IMG_ENTRIES 128u                  /* GPT entries of 128 bytes: 32 sectors */
#define IMG_LOADER_SIZE 3000u             /* BOOTAA64.EFI: six clusters */

/* An image under construction and where its pieces are. */
struct img {
	uint8_t *p;       /* IMG_SIZE bytes */
	uint32_t spc;     /* sectors per cluster of the ESP */
	uint32_t clusters;
	uint32_t next;    /* next free cluster */
	uint32_t root, efi, boot, loader; /* first clusters */
};

extern const uint8_t img_esp_type[16];
extern const uint8_t img_linux_type[16];

/* Byte offset of LBA @p lba. */
uint8_t *img_lba(struct img *im, uint64_t lba);
void img_put16(uint8_t *p, uint16_t v);
void img_put32(uint8_t *p, uint32_t v);
void img_put64(uint8_t *p, uint64_t v);

/* Protective MBR, both GPT headers and entry arrays (ESP and a Linux partition). */
void img_gpt(struct img *im);
/* GPT entry @p i (0-based) of the primary array. */
uint8_t *img_entry(struct img *im, unsigned i);
/* Copy the primary array to the backup one, recompute both array and header CRCs. */
void img_gpt_seal(struct img *im);
/* A FAT32-style boot sector and empty FATs on the ESP, @p spc sectors per cluster. */
void img_fat(struct img *im, uint32_t spc);
/* Set FAT entry @p n (in every FAT). */
void img_fat_set(struct img *im, uint32_t n, uint32_t v);
/* The bytes of cluster @p n. */
uint8_t *img_cluster(struct img *im, uint32_t n);
/* Allocate a chain of @p n clusters; returns the first. */
uint32_t img_chain(struct img *im, uint32_t n);
/* Append a 32-byte entry (@p sfn: 11 bytes, space padded) to the one-cluster directory. */
uint8_t *img_dirent(struct img *im, uint32_t dir, const char *sfn, uint8_t attr,
		    uint32_t cluster, uint32_t size);
/* Long-name entries for @p name, then the short entry @p sfn. */
uint8_t *img_dirent_lfn(struct img *im, uint32_t dir, const char *name, const char *sfn,
			uint8_t attr, uint32_t cluster, uint32_t size);
/* A subdirectory of @p parent ("." and ".." inside): its cluster. */
uint32_t img_mkdir(struct img *im, uint32_t parent, const char *sfn);
/* A minimal PE/COFF header in @p buf (at least 512 bytes). */
void img_pe(uint8_t *buf, uint16_t machine, uint16_t magic, uint16_t subsystem);
/* The whole good image; im->p must be IMG_SIZE zeroed bytes. */
void img_good(struct img *im);

#endif /* ARMVIRT_TEST_IMGCHECK_BUILD_H */
