/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/imgcheck.h
 * @brief Conformance check of a disk image against the Image Format section of the VM
 *        System Specification for ARM Processors: a GPT-partitioned raw disk with a FAT32
 *        EFI System Partition that holds `\EFI\BOOT\BOOTAA64.EFI`, a PE/COFF executable
 *        for AArch64.
 *
 * The image is read through a callback, a few sectors at a time, so an image of any size
 * is checked in bounded memory and a caller may check a device, a file or a buffer. Every
 * structure read from the image is treated as hostile: offsets, counts and cluster chains
 * are bounded before use (a looping FAT chain, a directory that never ends, a partition
 * entry array beyond the disk end give a finding, never a hang or an out-of-bounds read).
 *
 * What is checked, in order (each failing step names what it could not find; later steps
 * that depend on it are skipped):
 * - the image: at least 34 512-byte sectors, a multiple of 512 bytes (warning if not);
 * - LBA 0: a protective MBR (signature 0x55AA, one partition of type 0xEE); an MBR with
 *   other partitions and no GPT is reported as "MBR partition table, not GPT";
 * - LBA 1: the primary GPT header (signature "EFI PART", revision 1.0, header size
 *   92..512, header CRC32, MyLBA 1, usable range inside the disk, entry size a multiple
 *   of 128, the partition entry array inside the disk and its CRC32);
 * - the backup GPT header at the last LBA (warning when missing or different: firmware
 *   can repair it from the primary);
 * - partitions: inside the usable range, not overlapping;
 * - an EFI System Partition (type C12A7328-F81F-11D2-BA4B-00A0C93EC93B; error if none,
 *   warning if more than one: the first is checked);
 * - its file system: a FAT boot sector with a valid BPB, FAT32 by the cluster count (the
 *   FAT specification's rule: 65525 clusters or more); FAT12/FAT16 is an error;
 * - the removable-media path `\EFI\BOOT\BOOTAA64.EFI` (names compared case-insensitively,
 *   short and long names);
 * - that file: an "MZ" header whose PE header ("PE\0\0") has Machine 0xAA64 (AArch64), a
 *   PE32+ optional header and subsystem EFI application (10); another subsystem is a
 *   warning.
 */
#ifndef ARMVIRT_IMGCHECK_H
#define ARMVIRT_IMGCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <armvirt/platform.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Sector size the checker assumes (the specification's images use 512-byte LBAs). */
#define AV_IMGCHECK_SECTOR 512u

/** One finding; severity as av_dtcheck()'s. */
struct av_imgcheck_finding {
	enum av_dtcheck_severity severity; /**< error or warning */
	char where[64]; /**< what is concerned: "MBR", "GPT header", "partition 2", "ESP",
			 *  "\\EFI\\BOOT\\BOOTAA64.EFI" */
	char msg[128];  /**< what is wrong, with the value found */
};

/** Totals and what was found. */
struct av_imgcheck_summary {
	unsigned errors;      /**< findings with AV_DTCHECK_ERROR */
	unsigned warnings;    /**< findings with AV_DTCHECK_WARNING */
	unsigned esp_index;   /**< 1-based GPT entry of the ESP checked, 0 if none */
	uint64_t esp_first;   /**< its first LBA */
	uint64_t esp_last;    /**< its last LBA */
	uint64_t loader_size; /**< size of BOOTAA64.EFI in bytes, 0 if not found */
};

/**
 * Read @p len bytes at byte @p offset of the image into @p buf. The checker only asks for
 * ranges inside the image size it was given.
 * @return 0, or a negative `AV_E*` code (the check stops with that error).
 */
typedef int (*av_imgcheck_read_fn)(void *cookie, uint64_t offset, void *buf, size_t len);

/** Receives each finding; @p f is valid only during the call. */
typedef void (*av_imgcheck_fn)(const struct av_imgcheck_finding *f, void *cookie);

/**
 * Check the image of @p size bytes that @p read reads.
 *
 * @param size     image size in bytes
 * @param read     reads the image
 * @param rcookie  handed to @p read
 * @param fn       called for each finding (may be NULL)
 * @param cookie   handed to @p fn
 * @param sum      if not NULL, receives the totals
 * @return 0 when the image could be checked (findings or not); -AV_EINVAL for a NULL
 *         @p read; the read callback's error.
 */
int av_imgcheck(uint64_t size, av_imgcheck_read_fn read, void *rcookie, av_imgcheck_fn fn,
		void *cookie, struct av_imgcheck_summary *sum);

/**
 * av_imgcheck() on an image in memory.
 * @param img the image
 * @param size its size in bytes
 * @param fn called for each finding (may be NULL)
 * @param cookie handed to @p fn
 * @param sum if not NULL, receives the totals
 * @return as av_imgcheck(); -AV_EINVAL for a NULL @p img.
 */
int av_imgcheck_buf(const void *img, size_t size, av_imgcheck_fn fn, void *cookie,
		    struct av_imgcheck_summary *sum);

/**
 * CRC-32 (IEEE 802.3, reflected, as GPT uses it) of @p len bytes, continuing from @p crc
 * (start with 0).
 * @param crc the CRC so far
 * @param p the bytes
 * @param len their number
 * @return the updated CRC
 */
uint32_t av_crc32(uint32_t crc, const void *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_IMGCHECK_H */
