/* SPDX-License-Identifier: MIT */
/*
 * Conformance check of a disk image against the Image Format section of the VM System
 * Specification for ARM Processors (see <armvirt/imgcheck.h> for the list of checks).
 *
 * The image is read through the caller's callback into one sector buffer at a time; the
 * state is a fixed-size structure (a few KiB), nothing is allocated. Every number read
 * from the image bounds what is read next: offsets are checked against the image and the
 * partition before a read, the partition entry array is at most IC_MAX_ARRAY bytes, a
 * directory at most 65536 entries (the FAT specification's limit) and a cluster chain at
 * most as long as the file system has clusters, so hostile input costs a bounded number of
 * reads. Structures used (UEFI 2.x chapter 5, Microsoft FAT specification, PE/COFF):
 *  - protective MBR: boot signature 0x55AA at 510, partition records at 446 (type at +4,
 *    StartingLBA at +8, SizeInLBA at +12);
 *  - GPT header: Signature, Revision, HeaderSize, HeaderCRC32, Reserved, MyLBA,
 *    AlternateLBA, FirstUsableLBA, LastUsableLBA, DiskGUID, PartitionEntryLBA,
 *    NumberOfPartitionEntries, SizeOfPartitionEntry, PartitionEntryArrayCRC32;
 *  - GPT entry: type GUID, unique GUID, StartingLBA, EndingLBA (inclusive), attributes,
 *    name;
 *  - FAT BPB and 32-byte directory entries (long-name entries: attribute 0x0F);
 *  - PE: e_lfanew at 0x3C, "PE\0\0", COFF Machine, SizeOfOptionalHeader, the optional
 *    header's Magic (0x20B for PE32+) and Subsystem (offset 68).
 */
#include <armvirt/imgcheck.h>

#include <armvirt/log.h>
#include <stdarg.h>
#include <stdbool.h>

#include "compat.h"

#define SEC AV_IMGCHECK_SECTOR
#define IC_MIN_SECTORS 34u               /* MBR + GPT header + 16 KiB of entries */
#define IC_MAX_ARRAY (4u << 20)          /* partition entry array bytes read */
#define IC_MAX_PARTS 128u                /* partitions checked for overlap */
#define IC_MAX_DIR_BYTES (65536u * 32u)  /* FAT: at most 65536 entries per directory */
#define IC_LFN_MAX 255u                  /* characters in a long name */

#define IC_LOADER "\\EFI\\BOOT\\BOOTAA64.EFI"

/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B as stored (first three fields little-endian). */
static const uint8_t esp_guid[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
				      0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };

/* What the GPT header says (primary or backup). */
struct gpt {
	uint64_t my_lba, alt_lba, first, last, array_lba;
	uint32_t count, esize, array_crc;
	uint8_t disk_guid[16];
};

/* The FAT32 file system of the ESP, offsets in bytes from the image start. */
struct fat {
	uint64_t base;       /* partition start */
	uint64_t fat_off;    /* the active FAT */
	uint64_t data_off;   /* cluster 2 */
	uint32_t clus_bytes;
	uint32_t clusters;   /* data clusters: valid numbers are 2 .. clusters + 1 */
	uint32_t root;
	uint64_t cached_fat; /* offset of the FAT sector in fat_sec, or UINT64_MAX */
	uint8_t fat_sec[SEC];
};

/* A directory entry found by name. */
struct dirent {
	uint32_t cluster;
	uint32_t size;
	uint8_t attr;
};

struct ic {
	uint64_t size;
	uint64_t lbas;
	av_imgcheck_read_fn read;
	void *rcookie;
	av_imgcheck_fn fn;
	void *cookie;
	struct av_imgcheck_summary sum;
	int rc; /* the read callback's error, 0 while reads succeed */
	struct gpt gpt;
	struct fat fat;
	uint8_t sec[SEC];
	struct {
		uint64_t first, last;
		unsigned index;
	} parts[IC_MAX_PARTS];
	unsigned nparts;
	uint16_t lfn[IC_LFN_MAX + 1];
};

__attribute__((format(printf, 4, 5)))
static void report(struct ic *c, enum av_dtcheck_severity sev, const char *where,
		   const char *fmt, ...)
{
	struct av_imgcheck_finding f;
	va_list ap;

	memset(&f, 0, sizeof(f));
	f.severity = sev;
	av_snprintf(f.where, sizeof(f.where), "%s", where);
	va_start(ap, fmt);
	av_vsnprintf(f.msg, sizeof(f.msg), fmt, ap);
	va_end(ap);
	if (sev == AV_DTCHECK_ERROR)
		c->sum.errors++;
	else
		c->sum.warnings++;
	if (c->fn != NULL)
		c->fn(&f, c->cookie);
}

#define ERR(c, where, ...) report(c, AV_DTCHECK_ERROR, where, __VA_ARGS__)
#define WARN(c, where, ...) report(c, AV_DTCHECK_WARNING, where, __VA_ARGS__)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static unsigned long long ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* CRC-32 of each byte value: polynomial 0xEDB88320 (reflected 0x04C11DB7), eight shifts. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

uint32_t av_crc32(uint32_t crc, const void *p, size_t len)
{
	const uint8_t *b = p;

	crc = ~crc;
	for (; len >= 4; len -= 4) { /* four at a time: fewer loop tests */
		crc = (crc >> 8) ^ crc_table[(crc ^ b[0]) & 0xffu];
		crc = (crc >> 8) ^ crc_table[(crc ^ b[1]) & 0xffu];
		crc = (crc >> 8) ^ crc_table[(crc ^ b[2]) & 0xffu];
		crc = (crc >> 8) ^ crc_table[(crc ^ b[3]) & 0xffu];
		b += 4;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_table[(crc ^ *b++) & 0xffu];
	return ~crc;
}

/*
 * Read @p len bytes at @p off. Returns true when they were read; false when the range is
 * outside the image (the caller has checked it: defensive) or the callback failed (c->rc
 * set, every later read fails too).
 */
static bool rd(struct ic *c, uint64_t off, void *buf, size_t len)
{
	int rc;

	if (c->rc != 0)
		return false;
	if (off > c->size || len > c->size - off) {
		ERR(c, "image", "%llu bytes at %llu needed beyond the end (%llu bytes)", ull(len),
		    ull(off), ull(c->size));
		return false;
	}
	rc = c->read(c->rcookie, off, buf, len);
	if (rc != 0) {
		c->rc = rc < 0 ? rc : -AV_EIO;
		return false;
	}
	return true;
}

/* ---- MBR and GPT ---- */

/*
 * LBA 0. Returns false when there is no GPT to look at (an MBR-only disk: reported).
 */
static bool check_mbr(struct ic *c)
{
	uint8_t gpt_sig[8];
	bool has_gpt, signed_mbr, protective = false, others = false;
	unsigned pe_index = 0;

	if (!rd(c, 0, c->sec, SEC) || !rd(c, SEC, gpt_sig, sizeof(gpt_sig)))
		return false;
	has_gpt = memcmp(gpt_sig, "EFI PART", 8) == 0;
	signed_mbr = c->sec[510] == 0x55 && c->sec[511] == 0xaa;
	if (signed_mbr) {
		for (unsigned i = 0; i < 4; i++) {
			uint8_t type = c->sec[446 + 16 * i + 4];

			if (type == 0xee && !protective) {
				protective = true;
				pe_index = i;
			} else if (type != 0) {
				others = true;
			}
		}
	}
	if (!has_gpt) {
		if (signed_mbr && others && !protective)
			ERR(c, "MBR", "MBR partition table, not GPT");
		else if (!signed_mbr)
			ERR(c, "MBR", "no partition table (no boot signature 0x55AA at byte 510)");
		else
			ERR(c, "GPT header", "no GPT: signature \"EFI PART\" missing at LBA 1");
		return false;
	}
	if (!signed_mbr) {
		ERR(c, "MBR", "no protective MBR: boot signature 0x%02x%02x, expected 0x55AA",
		    c->sec[510], c->sec[511]);
		return true;
	}
	if (!protective) {
		ERR(c, "MBR", "no protective partition (type 0xEE) in the MBR");
		return true;
	}
	{
		const uint8_t *e = c->sec + 446 + 16 * pe_index;
		uint64_t want = c->lbas - 1 > 0xffffffffu ? 0xffffffffu : c->lbas - 1;

		if (others)
			WARN(c, "MBR", "hybrid MBR: other partitions beside the protective one");
		else if (le32(e + 8) != 1 || le32(e + 12) != want)
			WARN(c, "MBR", "protective partition covers LBA %u + %u sectors, expected 1 + %llu",
			     le32(e + 8), le32(e + 12), ull(want));
	}
	return true;
}

/* CRC32 of @p len bytes at @p off (inside the image). */
static bool crc_range(struct ic *c, uint64_t off, uint64_t len, uint32_t *crc)
{
	uint32_t v = 0;

	while (len) {
		size_t n = len < SEC ? (size_t)len : SEC;

		if (!rd(c, off, c->sec, n))
			return false;
		v = av_crc32(v, c->sec, n);
		off += n;
		len -= n;
	}
	*crc = v;
	return true;
}

/*
 * Parse and validate the GPT header at @p lba into @p g. Returns NULL when it is valid,
 * else the reason (with the value in @p why). Checks whose failure the caller words
 * differently for the primary and the backup header are left to the caller.
 */
static const char *parse_gpt(struct ic *c, uint64_t lba, struct gpt *g, char *why, size_t wl)
{
	uint32_t hsize, crc, want;

	if (!rd(c, lba * SEC, c->sec, SEC))
		return "unreadable";
	if (memcmp(c->sec, "EFI PART", 8) != 0)
		return "no signature \"EFI PART\"";
	if (le32(c->sec + 8) != 0x00010000u) {
		av_snprintf(why, wl, "revision 0x%08x, expected 0x00010000 (1.0)", le32(c->sec + 8));
		return why;
	}
	hsize = le32(c->sec + 12);
	if (hsize < 92 || hsize > SEC) {
		av_snprintf(why, wl, "header size %u, expected 92..512", hsize);
		return why;
	}
	want = le32(c->sec + 16);
	memset(c->sec + 16, 0, 4);
	crc = av_crc32(0, c->sec, hsize);
	if (crc != want) {
		av_snprintf(why, wl, "header CRC32 0x%08x, computed 0x%08x", want, crc);
		return why;
	}
	g->my_lba = le64(c->sec + 24);
	g->alt_lba = le64(c->sec + 32);
	g->first = le64(c->sec + 40);
	g->last = le64(c->sec + 48);
	memcpy(g->disk_guid, c->sec + 56, 16);
	g->array_lba = le64(c->sec + 72);
	g->count = le32(c->sec + 80);
	g->esize = le32(c->sec + 84);
	g->array_crc = le32(c->sec + 88);
	if (g->my_lba != lba) {
		av_snprintf(why, wl, "MyLBA %llu, expected %llu", ull(g->my_lba), ull(lba));
		return why;
	}
	if (g->esize < 128 || g->esize % 128 != 0) {
		av_snprintf(why, wl, "partition entry size %u, not a multiple of 128", g->esize);
		return why;
	}
	if ((uint64_t)g->count * g->esize > IC_MAX_ARRAY) {
		av_snprintf(why, wl, "partition entry array of %llu bytes, more than %u",
			    ull((uint64_t)g->count * g->esize), IC_MAX_ARRAY);
		return why;
	}
	if (g->array_lba < 2 || g->array_lba >= c->lbas ||
	    ((uint64_t)g->count * g->esize + SEC - 1) / SEC > c->lbas - g->array_lba) {
		av_snprintf(why, wl, "partition entry array at LBA %llu (%u x %u bytes) outside the disk (%llu sectors)",
			    ull(g->array_lba), g->count, g->esize, ull(c->lbas));
		return why;
	}
	if (!crc_range(c, g->array_lba * SEC, (uint64_t)g->count * g->esize, &crc))
		return "partition entry array unreadable";
	if (crc != g->array_crc) {
		av_snprintf(why, wl, "partition entry array CRC32 0x%08x, computed 0x%08x",
			    g->array_crc, crc);
		return why;
	}
	return NULL;
}

/* The primary header: returns false when the partitions cannot be trusted. */
static bool check_primary(struct ic *c)
{
	struct gpt *g = &c->gpt;
	char why[96];
	const char *bad = parse_gpt(c, 1, g, why, sizeof(why));

	if (c->rc)
		return false;
	if (bad != NULL) {
		ERR(c, "GPT header", "%s", bad);
		return false;
	}
	if (g->first < 2 || g->first > g->last || g->last >= c->lbas) {
		ERR(c, "GPT header", "usable LBAs %llu..%llu outside the disk (%llu sectors)",
		    ull(g->first), ull(g->last), ull(c->lbas));
		return false;
	}
	if (g->array_lba * SEC + (uint64_t)g->count * g->esize > g->first * SEC) {
		ERR(c, "GPT header", "partition entry array at LBA %llu reaches the usable LBA %llu",
		    ull(g->array_lba), ull(g->first));
		return false;
	}
	if (g->alt_lba != c->lbas - 1)
		WARN(c, "GPT header", "AlternateLBA %llu, the last LBA is %llu", ull(g->alt_lba),
		     ull(c->lbas - 1));
	return true;
}

/* The backup header at the last LBA: only warnings. */
static void check_backup(struct ic *c)
{
	struct gpt b;
	char why[96];
	const char *bad = parse_gpt(c, c->lbas - 1, &b, why, sizeof(why));

	if (c->rc)
		return;
	if (bad != NULL) {
		WARN(c, "backup GPT header", "missing or invalid at the last LBA %llu: %s",
		     ull(c->lbas - 1), bad);
		return;
	}
	if (b.alt_lba != 1 || b.first != c->gpt.first || b.last != c->gpt.last ||
	    b.count != c->gpt.count || b.esize != c->gpt.esize ||
	    b.array_crc != c->gpt.array_crc || memcmp(b.disk_guid, c->gpt.disk_guid, 16) != 0)
		WARN(c, "backup GPT header", "differs from the primary header");
	else if (b.array_lba <= c->gpt.last)
		WARN(c, "backup GPT header", "partition entry array at LBA %llu, inside the usable range",
		     ull(b.array_lba));
}

/* One partition entry (@p e, index @p idx 1-based). */
static void check_entry(struct ic *c, const uint8_t *e, unsigned idx)
{
	static const uint8_t zero[16];
	uint64_t first = le64(e + 32), last = le64(e + 40);
	char where[24];

	if (memcmp(e, zero, 16) == 0)
		return;
	av_snprintf(where, sizeof(where), "partition %u", idx);
	if (first > last) {
		ERR(c, where, "first LBA %llu after last LBA %llu", ull(first), ull(last));
		return;
	}
	if (first < c->gpt.first || last > c->gpt.last) {
		ERR(c, where, "LBAs %llu..%llu outside the usable range %llu..%llu", ull(first),
		    ull(last), ull(c->gpt.first), ull(c->gpt.last));
		return;
	}
	for (unsigned i = 0; i < c->nparts; i++)
		if (first <= c->parts[i].last && c->parts[i].first <= last)
			ERR(c, where, "LBAs %llu..%llu overlap partition %u (%llu..%llu)",
			    ull(first), ull(last), c->parts[i].index, ull(c->parts[i].first),
			    ull(c->parts[i].last));
	if (c->nparts < IC_MAX_PARTS) {
		c->parts[c->nparts].first = first;
		c->parts[c->nparts].last = last;
		c->parts[c->nparts].index = idx;
		c->nparts++;
	} else if (c->nparts == IC_MAX_PARTS) {
		WARN(c, where, "more than %u partitions: overlaps checked among the first %u",
		     IC_MAX_PARTS, IC_MAX_PARTS);
		c->nparts++;
	}
	if (memcmp(e, esp_guid, 16) == 0) {
		if (c->sum.esp_index == 0) {
			c->sum.esp_index = idx;
			c->sum.esp_first = first;
			c->sum.esp_last = last;
		} else {
			WARN(c, where, "another EFI System Partition (partition %u is checked)",
			     c->sum.esp_index);
		}
	}
}

static void check_entries(struct ic *c)
{
	uint8_t e[128];

	for (uint32_t i = 0; i < c->gpt.count; i++) {
		if (!rd(c, c->gpt.array_lba * SEC + (uint64_t)i * c->gpt.esize, e, sizeof(e)))
			return;
		check_entry(c, e, i + 1);
	}
	if (c->sum.esp_index == 0)
		ERR(c, "ESP", "no EFI System Partition (type C12A7328-F81F-11D2-BA4B-00A0C93EC93B)");
}

/* ---- FAT32 ---- */

/* The boot sector of the ESP: fills c->fat, returns false (reported) if not FAT32. */
static bool check_fat(struct ic *c)
{
	struct fat *f = &c->fat;
	const uint8_t *b = c->sec;
	uint64_t part = (c->sum.esp_last - c->sum.esp_first + 1) * SEC;
	uint32_t bps, spc, rsvd, nfats, rootent, fatsz, totsec, rootsec, meta, fat_index;

	f->base = c->sum.esp_first * SEC;
	f->cached_fat = UINT64_MAX;
	if (!rd(c, f->base, c->sec, SEC))
		return false;
	if (!((b[0] == 0xeb && b[2] == 0x90) || b[0] == 0xe9) || b[510] != 0x55 || b[511] != 0xaa) {
		ERR(c, "ESP", "no FAT boot sector (jump 0x%02x, signature 0x%02x%02x)", b[0],
		    b[510], b[511]);
		return false;
	}
	bps = le16(b + 11);
	spc = b[13];
	rsvd = le16(b + 14);
	nfats = b[16];
	rootent = le16(b + 17);
	totsec = le16(b + 19) ? le16(b + 19) : le32(b + 32);
	fatsz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
	if ((bps != 512 && bps != 1024 && bps != 2048 && bps != 4096) || spc == 0 ||
	    (spc & (spc - 1)) != 0 || rsvd == 0 || nfats == 0 || fatsz == 0 || totsec == 0) {
		ERR(c, "ESP", "invalid BPB: %u bytes/sector, %u sectors/cluster, %u reserved, %u FATs of %u sectors, %u sectors",
		    bps, spc, rsvd, nfats, fatsz, totsec);
		return false;
	}
	rootsec = (rootent * 32u + bps - 1) / bps;
	if ((uint64_t)rsvd + (uint64_t)nfats * fatsz + rootsec >= totsec) {
		ERR(c, "ESP", "invalid BPB: %u sectors, fewer than its FATs and reserved sectors",
		    totsec);
		return false;
	}
	meta = rsvd + nfats * fatsz + rootsec; /* less than totsec: no overflow */
	if ((uint64_t)totsec * bps > part) {
		ERR(c, "ESP", "file system of %llu bytes, larger than the partition (%llu bytes)",
		    ull((uint64_t)totsec * bps), ull(part));
		return false;
	}
	f->clus_bytes = bps * spc;
	f->clusters = (totsec - meta) / spc;
	if (f->clusters < 65525) {
		ERR(c, "ESP", "FAT%s (%u clusters), not FAT32 (65525 clusters or more)",
		    f->clusters < 4085 ? "12" : "16", f->clusters);
		return false;
	}
	if (rootent != 0 || le16(b + 22) != 0) {
		ERR(c, "ESP", "FAT32 with a FAT12/16 root directory (%u entries) or FAT size", rootent);
		return false;
	}
	if ((uint64_t)fatsz * bps / 4 < (uint64_t)f->clusters + 2) {
		ERR(c, "ESP", "FAT of %u sectors too small for %u clusters", fatsz, f->clusters);
		return false;
	}
	fat_index = (le16(b + 40) & 0x80) ? (le16(b + 40) & 0xf) : 0;
	if (fat_index >= nfats) {
		ERR(c, "ESP", "active FAT %u of %u", fat_index, nfats);
		return false;
	}
	f->fat_off = f->base + ((uint64_t)rsvd + (uint64_t)fat_index * fatsz) * bps;
	f->data_off = f->base + (uint64_t)meta * bps;
	f->root = le32(b + 44);
	if (f->root < 2 || f->root - 2 >= f->clusters) {
		ERR(c, "ESP", "root directory cluster %u outside 2..%u", f->root, f->clusters + 1);
		return false;
	}
	return true;
}

/* The FAT entry of cluster @p n (2..clusters+1), or 0 on a read error. */
static uint32_t fat_next(struct ic *c, uint32_t n)
{
	struct fat *f = &c->fat;
	uint64_t off = f->fat_off + (uint64_t)n * 4;
	uint64_t secoff = off - off % SEC;

	if (secoff != f->cached_fat) {
		f->cached_fat = UINT64_MAX;
		if (!rd(c, secoff, f->fat_sec, SEC))
			return 0;
		f->cached_fat = secoff;
	}
	return le32(f->fat_sec + off % SEC) & 0x0fffffffu;
}

static bool valid_cluster(const struct fat *f, uint32_t n)
{
	return n >= 2 && n - 2 < f->clusters;
}

/*
 * The cluster after @p n in a chain of @p what. Returns 0 at the end of the chain,
 * 1 (reported) for a broken chain or a read error, else the next cluster.
 */
static uint32_t chain_next(struct ic *c, uint32_t n, const char *what)
{
	uint32_t v = fat_next(c, n);

	if (c->rc)
		return 1;
	if (v >= 0x0ffffff8u)
		return 0;
	if (!valid_cluster(&c->fat, v)) {
		ERR(c, what, "FAT chain: cluster %u links to %s 0x%x", n,
		    v == 0 ? "a free entry" : v == 0x0ffffff7u ? "a bad cluster" : "invalid entry",
		    v);
		return 1;
	}
	return v;
}

/*
 * Read @p len bytes at byte @p off of the file (or directory) starting at @p cluster.
 * The chain is walked from the start; at most c->fat.clusters links are followed.
 * Returns false (reported under @p what) if the chain is broken or too short.
 */
static bool file_read(struct ic *c, uint32_t cluster, uint64_t off, void *buf, size_t len,
		      const char *what)
{
	uint8_t *p = buf;
	uint32_t cb = c->fat.clus_bytes;
	uint64_t skip = off / cb;

	if (skip >= c->fat.clusters) {
		ERR(c, what, "offset %llu beyond the file system", ull(off));
		return false;
	}
	off %= cb;
	for (uint64_t i = 0; i < skip; i++) {
		cluster = chain_next(c, cluster, what);
		if (cluster <= 1) {
			if (cluster == 0)
				ERR(c, what, "FAT chain ends before its size");
			return false;
		}
	}
	while (len) {
		size_t n = cb - off < len ? (size_t)(cb - off) : len;

		if (!rd(c, c->fat.data_off + (uint64_t)(cluster - 2) * cb + off, p, n))
			return false;
		p += n;
		len -= n;
		off = 0;
		if (len) {
			cluster = chain_next(c, cluster, what);
			if (cluster <= 1) {
				if (cluster == 0)
					ERR(c, what, "FAT chain ends before its size");
				return false;
			}
		}
	}
	return true;
}

/* The short-name checksum of a long-name sequence (FAT specification). */
static uint8_t sfn_sum(const uint8_t *name)
{
	uint8_t s = 0;

	for (unsigned i = 0; i < 11; i++)
		s = (uint8_t)(((s & 1) ? 0x80 : 0) + (s >> 1) + name[i]);
	return s;
}

static uint8_t upper(uint8_t ch)
{
	return ch >= 'a' && ch <= 'z' ? (uint8_t)(ch - 'a' + 'A') : ch;
}

/* Does the 8.3 name @p sfn (11 bytes, space padded) equal @p want ("NAME" or "NAME.EXT")? */
static bool sfn_eq(const uint8_t *sfn, const char *want)
{
	uint8_t form[11];
	unsigned i = 0;

	memset(form, ' ', sizeof(form));
	for (; *want && *want != '.' && i < 8; want++)
		form[i++] = upper((uint8_t)*want);
	if (*want == '.')
		want++;
	for (i = 8; *want && i < 11; want++)
		form[i++] = upper((uint8_t)*want);
	if (*want)
		return false;
	for (i = 0; i < 11; i++)
		if (upper(sfn[i]) != form[i])
			return false;
	return true;
}

/* Does the long name in c->lfn (@p n characters) equal @p want, ignoring ASCII case? */
static bool lfn_eq(const struct ic *c, unsigned n, const char *want)
{
	size_t wl = strlen(want);

	if (n != wl)
		return false;
	for (unsigned i = 0; i < n; i++)
		if (c->lfn[i] > 0x7f || upper((uint8_t)c->lfn[i]) != upper((uint8_t)want[i]))
			return false;
	return true;
}

/*
 * Find @p name in the directory starting at @p dir_cluster. Returns 1 when found (@p out
 * filled), 0 when not found, -1 on a broken directory (reported) or a read error.
 */
static int dir_find(struct ic *c, uint32_t dir_cluster, const char *name, struct dirent *out,
		    const char *what)
{
	uint32_t cluster = dir_cluster, cb = c->fat.clus_bytes;
	uint64_t seen = 0;
	unsigned lfn_len = 0, lfn_next = 0; /* next expected ordinal, 0: no sequence */
	uint8_t lfn_sum = 0;

	for (;;) {
		for (uint32_t off = 0; off < cb; off += 32) {
			const uint8_t *e = c->sec + off % SEC;

			if (off % SEC == 0 &&
			    !rd(c, c->fat.data_off + (uint64_t)(cluster - 2) * cb + off, c->sec, SEC))
				return -1;
			if (e[0] == 0x00)
				return 0;
			if (e[0] == 0xe5) {
				lfn_next = lfn_len = 0;
				continue;
			}
			if ((e[11] & 0x3f) == 0x0f) {
				unsigned ord = e[0] & 0x1f;
				static const uint8_t pos[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

				if (e[0] & 0x40) {
					lfn_next = ord;
					lfn_sum = e[13];
					lfn_len = ord * 13;
				} else if (ord != lfn_next || e[13] != lfn_sum) {
					lfn_next = 0;
				}
				if (lfn_next == 0 || ord == 0 || ord * 13 > IC_LFN_MAX + 13) {
					lfn_next = lfn_len = 0;
					continue;
				}
				for (unsigned k = 0; k < 13; k++) {
					unsigned at = (ord - 1) * 13 + k;
					uint16_t ch = le16(e + pos[k]);

					if (ch == 0 && at < lfn_len)
						lfn_len = at;
					if (at <= IC_LFN_MAX)
						c->lfn[at] = ch;
				}
				lfn_next = ord - 1;
				continue;
			}
			{
				/* A complete sequence ends with ordinal 1 (lfn_next then 0 with a
				 * length set) and carries this entry's checksum. */
				bool long_ok = lfn_len > 0 && lfn_next == 0 && lfn_sum == sfn_sum(e) &&
					       lfn_len <= IC_LFN_MAX;
				bool match = !(e[11] & 0x08) &&
					     (sfn_eq(e, name) || (long_ok && lfn_eq(c, lfn_len, name)));

				lfn_len = 0;
				lfn_next = 0;
				if (match) {
					out->attr = e[11];
					out->cluster = (uint32_t)le16(e + 20) << 16 | le16(e + 26);
					out->size = le32(e + 28);
					return 1;
				}
			}
		}
		seen += cb;
		if (seen >= IC_MAX_DIR_BYTES) {
			ERR(c, what, "directory longer than 65536 entries (looping FAT chain?)");
			return -1;
		}
		cluster = chain_next(c, cluster, what);
		if (cluster == 0)
			return 0;
		if (cluster == 1)
			return -1;
	}
}

/* Walk the whole chain of a file of @p size bytes: it must end exactly after its size. */
static bool check_chain(struct ic *c, uint32_t cluster, uint32_t size)
{
	uint64_t need = ((uint64_t)size + c->fat.clus_bytes - 1) / c->fat.clus_bytes;

	if (need > c->fat.clusters) {
		ERR(c, IC_LOADER, "size %u larger than the file system", size);
		return false;
	}
	for (uint64_t i = 1; i < need; i++) {
		cluster = chain_next(c, cluster, IC_LOADER);
		if (cluster == 0) {
			ERR(c, IC_LOADER, "FAT chain of %llu clusters, its size %u needs %llu",
			    ull(i), size, ull(need));
			return false;
		}
		if (cluster == 1)
			return false;
	}
	cluster = chain_next(c, cluster, IC_LOADER);
	if (cluster > 1) {
		ERR(c, IC_LOADER, "FAT chain longer than its size %u (%llu clusters, looping?)",
		    size, ull(need));
		return false;
	}
	return cluster == 0;
}

/* Find \EFI\BOOT\BOOTAA64.EFI: returns true with @p file filled. */
static bool find_loader(struct ic *c, struct dirent *file)
{
	static const char *const path[] = { "EFI", "BOOT", "BOOTAA64.EFI" };
	static const char *const dirs[] = { "the root directory", "\\EFI", "\\EFI\\BOOT" };
	static const char *const where[] = { "ESP", "\\EFI", "\\EFI\\BOOT" };
	uint32_t dir = c->fat.root;

	for (unsigned i = 0; i < 3; i++) {
		bool last = i == 2;
		int r = dir_find(c, dir, path[i], file, where[i]);

		if (r < 0)
			return false;
		if (r == 0) {
			ERR(c, IC_LOADER, "not found: no %s in %s", path[i], dirs[i]);
			return false;
		}
		if (!last && !(file->attr & 0x10)) {
			ERR(c, IC_LOADER, "not found: %s in %s is not a directory", path[i], dirs[i]);
			return false;
		}
		if (last && (file->attr & 0x10)) {
			ERR(c, IC_LOADER, "is a directory");
			return false;
		}
		if (!valid_cluster(&c->fat, file->cluster) && !(last && file->size == 0)) {
			ERR(c, last ? IC_LOADER : "ESP", "%s: first cluster %u outside 2..%u", path[i],
			    file->cluster, c->fat.clusters + 1);
			return false;
		}
		dir = file->cluster;
	}
	return true;
}

/* The loader's PE/COFF headers. */
static void check_pe(struct ic *c, const struct dirent *file)
{
	uint8_t h[24 + 70];
	uint32_t lfanew;
	uint16_t opt_size, magic, subsys;

	if (file->size < 64) {
		ERR(c, IC_LOADER, "%u bytes, too small for a PE/COFF executable", file->size);
		return;
	}
	if (!check_chain(c, file->cluster, file->size) ||
	    !file_read(c, file->cluster, 0, h, 64, IC_LOADER))
		return;
	if (h[0] != 'M' || h[1] != 'Z') {
		ERR(c, IC_LOADER, "not a PE/COFF executable (no \"MZ\" header)");
		return;
	}
	lfanew = le32(h + 0x3c);
	if (lfanew > file->size || file->size - lfanew < 24) {
		ERR(c, IC_LOADER, "PE header offset 0x%x outside the file (%u bytes)", lfanew,
		    file->size);
		return;
	}
	if (!file_read(c, file->cluster, lfanew, h, 24, IC_LOADER))
		return;
	if (memcmp(h, "PE\0\0", 4) != 0) {
		ERR(c, IC_LOADER, "not a PE/COFF executable (no \"PE\" signature at 0x%x)", lfanew);
		return;
	}
	if (le16(h + 4) != 0xaa64) {
		ERR(c, IC_LOADER, "machine 0x%04x, not AArch64 (0xaa64)", le16(h + 4));
		return;
	}
	opt_size = le16(h + 20);
	if (opt_size < 70 || file->size - lfanew - 24 < 70) {
		ERR(c, IC_LOADER, "optional header of %u bytes, too small", opt_size);
		return;
	}
	if (!file_read(c, file->cluster, (uint64_t)lfanew + 24, h + 24, 70, IC_LOADER))
		return;
	magic = le16(h + 24);
	if (magic != 0x20b) {
		ERR(c, IC_LOADER, "optional header magic 0x%x, not PE32+ (0x20b)", magic);
		return;
	}
	subsys = le16(h + 24 + 68);
	if (subsys != 10)
		WARN(c, IC_LOADER, "subsystem %u, not an EFI application (10)", subsys);
}

int av_imgcheck(uint64_t size, av_imgcheck_read_fn read, void *rcookie, av_imgcheck_fn fn,
		void *cookie, struct av_imgcheck_summary *sum)
{
	struct ic c;

	if (read == NULL)
		return -AV_EINVAL;
	memset(&c, 0, sizeof(c));
	c.size = size;
	c.lbas = size / SEC;
	c.read = read;
	c.rcookie = rcookie;
	c.fn = fn;
	c.cookie = cookie;
	if (c.lbas < IC_MIN_SECTORS) {
		ERR(&c, "image", "%llu bytes, smaller than %u sectors of %u bytes", ull(size),
		    IC_MIN_SECTORS, SEC);
	} else {
		if (size % SEC)
			WARN(&c, "image", "%llu bytes, not a multiple of %u", ull(size), SEC);
		if (check_mbr(&c) && check_primary(&c)) {
			check_backup(&c);
			check_entries(&c);
			if (c.sum.esp_index && check_fat(&c)) {
				struct dirent file;

				if (find_loader(&c, &file)) {
					c.sum.loader_size = file.size;
					check_pe(&c, &file);
				}
			}
		}
	}
	if (sum != NULL)
		*sum = c.sum;
	return c.rc;
}

struct membuf {
	const uint8_t *p;
	size_t size;
};

static int read_mem(void *cookie, uint64_t offset, void *buf, size_t len)
{
	const struct membuf *m = cookie;

	if (offset > m->size || len > m->size - offset)
		return -AV_ERANGE;
	memcpy(buf, m->p + offset, len);
	return 0;
}

int av_imgcheck_buf(const void *img, size_t size, av_imgcheck_fn fn, void *cookie,
		    struct av_imgcheck_summary *sum)
{
	struct membuf m = { img, size };

	if (img == NULL)
		return -AV_EINVAL;
	return av_imgcheck(size, read_mem, &m, fn, cookie, sum);
}
