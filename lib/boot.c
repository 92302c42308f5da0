/* SPDX-License-Identifier: MIT */
/*
 * Guest boot: Linux arm64 Image header, placement, ELF64 loading plans, boot registers.
 *
 * Every image field is untrusted. Sums are checked with add_ok() before use, ranges are
 * kept as [lo, hi) with hi never wrapping, and file offsets are compared against the
 * file length by subtraction, never by adding to them.
 */
#include <armvirt/boot.h>

#include "compat.h"

/* Loadable segments accepted in one ELF file (overlap checking is quadratic). */
#define ELF_MAX_LOAD 256

static uint64_t rd_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = (v << 8) | p[n];
	return v;
}

static bool add_ok(uint64_t a, uint64_t b, uint64_t *sum)
{
	if (b > UINT64_MAX - a)
		return false;
	*sum = a + b;
	return true;
}

static uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static bool align_up(uint64_t v, uint64_t a, uint64_t *out)
{
	uint64_t t;

	if (!add_ok(v, a - 1, &t))
		return false;
	*out = align_down(t, a);
	return true;
}

int av_image_parse(const void *img, size_t len, unsigned opts, struct av_image_info *info)
{
	const uint8_t *p = img;
	uint64_t end;

	if (!img || !info || (opts & ~AV_IMAGE_ALLOW_BE))
		return -AV_EINVAL;
	if (len < AV_IMAGE_HDR_SIZE)
		return -AV_EBADIMG;
	if (rd_le(p + AV_IMAGE_OFF_MAGIC, 4) != AV_IMAGE_MAGIC)
		return -AV_EBADIMG;

	memset(info, 0, sizeof(*info));
	info->text_offset = rd_le(p + AV_IMAGE_OFF_TEXT_OFFSET, 8);
	info->image_size = rd_le(p + AV_IMAGE_OFF_IMAGE_SIZE, 8);
	info->flags = rd_le(p + AV_IMAGE_OFF_FLAGS, 8);
	info->file_size = len;
	if (info->image_size == 0) {
		/* Before v3.17: text_offset had the kernel's endianness and flags were reserved. */
		info->legacy = true;
		info->text_offset = AV_IMAGE_LEGACY_TEXT_OFFSET;
		info->image_size = len;
		info->flags = 0;
	}
	if (!add_ok(info->text_offset, info->image_size, &end))
		return -AV_EBADIMG;
	if (len > info->image_size)
		return -AV_EBADIMG;
	info->big_endian = AV_FIELD_GET(AV_IMAGE_FLAG_BE, info->flags);
	info->page_size =
		(enum av_image_page_size)AV_FIELD_GET(AV_IMAGE_FLAG_PAGE_SIZE, info->flags);
	info->phys_anywhere = AV_FIELD_GET(AV_IMAGE_FLAG_PHYS_ANY, info->flags);
	if (info->big_endian && !(opts & AV_IMAGE_ALLOW_BE))
		return -AV_ENOTSUP;
	return 0;
}

/* ---- placement ---- */

struct span {
	uint64_t lo, hi; /* [lo, hi) */
};

static bool overlaps(uint64_t lo, uint64_t hi, const struct span *s)
{
	return lo < s->hi && s->lo < hi;
}

static bool crosses_block(uint64_t addr, uint64_t size)
{
	return align_down(addr, AV_BOOT_DTB_BLOCK) !=
	       align_down(addr + size - 1, AV_BOOT_DTB_BLOCK);
}

/* Highest aligned address for @size bytes inside [lo, hi). */
static bool fit_down(uint64_t lo, uint64_t hi, uint64_t size, uint64_t align, bool no_cross,
		     uint64_t *out)
{
	uint64_t a;

	if (hi < lo || hi - lo < size)
		return false;
	a = align_down(hi - size, align);
	if (no_cross && crosses_block(a, size)) {
		/* Move below the boundary the object straddles (size <= one block). */
		uint64_t b = align_down(a + size - 1, AV_BOOT_DTB_BLOCK);

		if (b < size)
			return false;
		a = align_down(b - size, align);
	}
	if (a < lo)
		return false;
	*out = a;
	return true;
}

/* Highest fit in [lo, hi) avoiding the busy spans (at most two). */
static bool find_free(uint64_t lo, uint64_t hi, const struct span *busy, size_t n, uint64_t size,
		      uint64_t align, bool no_cross, uint64_t *out)
{
	struct span b[2], gaps[3];
	size_t ng = 0;
	uint64_t cur = lo;

	for (size_t i = 0; i < n; i++)
		b[i] = busy[i];
	if (n == 2 && b[1].lo < b[0].lo) {
		struct span t = b[0];

		b[0] = b[1];
		b[1] = t;
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t top = b[i].lo < hi ? b[i].lo : hi;

		if (top > cur)
			gaps[ng++] = (struct span){ cur, top };
		if (b[i].hi > cur)
			cur = b[i].hi;
	}
	if (hi > cur)
		gaps[ng++] = (struct span){ cur, hi };
	while (ng--)
		if (fit_down(gaps[ng].lo, gaps[ng].hi, size, align, no_cross, out))
			return true;
	return false;
}

static bool in_ram(uint64_t addr, uint64_t size, uint64_t lo, uint64_t hi)
{
	return addr >= lo && addr < hi && size <= hi - addr;
}

/* Kernel span [kaddr, kend) is placed: put the DTB and the initrd around it. */
static int place_rest(const struct av_boot_req *req, uint64_t kaddr, uint64_t kend,
		      struct av_boot_layout *out)
{
	uint64_t ram_lo = req->ram_base, ram_hi = req->ram_base + req->ram_size;
	uint64_t dtb, win_lo, win_hi;
	struct span busy[2];

	busy[0] = (struct span){ kaddr, kend };

	/* DTB: 8-byte aligned, within one 2 MiB block, clear of the kernel. */
	if (req->dtb_addr != AV_BOOT_ADDR_AUTO) {
		dtb = req->dtb_addr;
		if (dtb & (AV_BOOT_DTB_ALIGN - 1))
			return -AV_EINVAL;
		if (!in_ram(dtb, req->dtb_size, ram_lo, ram_hi))
			return -AV_ERANGE;
		if (crosses_block(dtb, req->dtb_size))
			return -AV_EINVAL;
		if (overlaps(dtb, dtb + req->dtb_size, &busy[0]))
			return -AV_EEXIST;
	} else if (!find_free(ram_lo, ram_hi, busy, 1, req->dtb_size, AV_BOOT_DTB_ALIGN, true,
			      &dtb)) {
		return -AV_ENOSPC;
	}
	busy[1] = (struct span){ dtb, dtb + req->dtb_size };

	out->dtb_addr = dtb;
	out->dtb_size = req->dtb_size;
	out->initrd_addr = 0;
	out->initrd_size = 0;
	if (req->initrd_size == 0)
		return 0;

	/* Initrd: page aligned, clear of kernel and DTB, in a 32 GiB window with the kernel. */
	if (req->initrd_addr != AV_BOOT_ADDR_AUTO) {
		uint64_t ird = req->initrd_addr, lo, hi;

		if (ird & (AV_BOOT_INITRD_ALIGN - 1))
			return -AV_EINVAL;
		if (!in_ram(ird, req->initrd_size, ram_lo, ram_hi))
			return -AV_ERANGE;
		lo = align_down(ird < kaddr ? ird : kaddr, AV_BOOT_INITRD_WINDOW_ALIGN);
		hi = ird + req->initrd_size > kend ? ird + req->initrd_size : kend;
		if (hi - lo > AV_BOOT_INITRD_WINDOW)
			return -AV_ERANGE;
		if (overlaps(ird, ird + req->initrd_size, &busy[0]) ||
		    overlaps(ird, ird + req->initrd_size, &busy[1]))
			return -AV_EEXIST;
		out->initrd_addr = ird;
	} else {
		win_lo = align_down(kaddr, AV_BOOT_INITRD_WINDOW_ALIGN);
		if (!add_ok(win_lo, AV_BOOT_INITRD_WINDOW, &win_hi))
			win_hi = UINT64_MAX;
		if (kend > win_hi)
			return -AV_ENOSPC;
		if (!find_free(win_lo > ram_lo ? win_lo : ram_lo, win_hi < ram_hi ? win_hi : ram_hi,
			       busy, 2, req->initrd_size, AV_BOOT_INITRD_ALIGN, false,
			       &out->initrd_addr))
			return -AV_ENOSPC;
	}
	out->initrd_size = req->initrd_size;
	return 0;
}

/* Checks of a request common to every format. */
static int check_req(const struct av_boot_req *req)
{
	if (req->ram_size == 0 || req->ram_size > UINT64_MAX - req->ram_base)
		return -AV_EINVAL;
	if (req->dtb_size == 0)
		return -AV_EINVAL;
	if (req->dtb_size > AV_BOOT_DTB_MAX)
		return -AV_ERANGE;
	return 0;
}

int av_boot_place(const struct av_image_info *img, const struct av_boot_req *req,
		  struct av_boot_layout *out)
{
	uint64_t ram_lo, ram_hi, lowest, kbase, kaddr, kend;
	int err;

	if (!img || !req || !out)
		return -AV_EINVAL;
	err = check_req(req);
	if (err)
		return err;
	ram_lo = req->ram_base;
	ram_hi = req->ram_base + req->ram_size;

	/* Kernel: text_offset above a 2 MiB-aligned base. */
	if (!align_up(ram_lo, AV_BOOT_KERNEL_ALIGN, &lowest) || lowest >= ram_hi)
		return -AV_ENOSPC;
	if (req->kernel_base == AV_BOOT_ADDR_AUTO) {
		kbase = lowest;
	} else {
		kbase = req->kernel_base;
		if (kbase & (AV_BOOT_KERNEL_ALIGN - 1))
			return -AV_EINVAL;
		if (kbase < ram_lo || kbase >= ram_hi)
			return -AV_ERANGE;
		if (!img->phys_anywhere && kbase != lowest)
			return -AV_ERANGE;
	}
	if (!add_ok(kbase, img->text_offset, &kaddr) || !add_ok(kaddr, img->image_size, &kend) ||
	    kend > ram_hi)
		return -AV_ENOSPC;

	memset(out, 0, sizeof(*out));
	out->kernel_base = kbase;
	out->kernel_addr = kaddr;
	out->kernel_size = img->image_size;
	out->entry = kaddr;
	return place_rest(req, kaddr, kend, out);
}

int av_image_load(const void *img, size_t len, const struct av_image_info *info,
		  const struct av_boot_layout *layout, av_boot_copy_fn fn, void *cookie)
{
	if (!img || !info || !layout || !fn || len != info->file_size)
		return -AV_EINVAL;
	return fn(cookie, layout->kernel_addr, img, len);
}

/* ---- ELF64 ---- */

/* e_ident bytes and file/program header field offsets (ELF64). */
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT 1
#define PN_XNUM 0xffff
#define EH_TYPE 16
#define EH_MACHINE 18
#define EH_VERSION 20
#define EH_ENTRY 24
#define EH_PHOFF 32
#define EH_EHSIZE 52
#define EH_PHENTSIZE 54
#define EH_PHNUM 56
#define PH_TYPE 0
#define PH_OFFSET 8
#define PH_VADDR 16
#define PH_PADDR 24
#define PH_FILESZ 32
#define PH_MEMSZ 40

struct seg {
	uint64_t off, vaddr, addr, filesz, memsz;
};

static void read_seg(const uint8_t *ph, unsigned opts, struct seg *s)
{
	s->off = rd_le(ph + PH_OFFSET, 8);
	s->vaddr = rd_le(ph + PH_VADDR, 8);
	s->addr = (opts & AV_ELF_USE_VADDR) ? s->vaddr : rd_le(ph + PH_PADDR, 8);
	s->filesz = rd_le(ph + PH_FILESZ, 8);
	s->memsz = rd_le(ph + PH_MEMSZ, 8);
}

/* Sets *why (a phrase for the one-line message) and returns the error. */
static int elf_err(const char **why, const char *what, int err)
{
	*why = what;
	return err;
}

static int check_ehdr(const uint8_t *p, size_t len, const char **why)
{
	if (len < AV_ELF_EHDR_SIZE)
		return elf_err(why, "truncated ELF: shorter than the 64-byte ELF64 header",
			       -AV_EBADIMG);
	if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
		return elf_err(why, "no ELF magic", -AV_EBADIMG);
	if (p[EI_CLASS] != ELFCLASS64)
		return p[EI_CLASS] == ELFCLASS32
			       ? elf_err(why, "32-bit ELF (ELFCLASS32): an ELF64 file is needed",
					 -AV_ENOTSUP)
			       : elf_err(why, "bad ELF class", -AV_EBADIMG);
	if (p[EI_DATA] != ELFDATA2LSB)
		return p[EI_DATA] == ELFDATA2MSB
			       ? elf_err(why, "big-endian ELF: a little-endian file is needed",
					 -AV_ENOTSUP)
			       : elf_err(why, "bad ELF data encoding", -AV_EBADIMG);
	if (p[EI_VERSION] != EV_CURRENT || rd_le(p + EH_VERSION, 4) != EV_CURRENT)
		return elf_err(why, "bad ELF version", -AV_EBADIMG);
	if (rd_le(p + EH_MACHINE, 2) != AV_ELF_EM_AARCH64)
		return elf_err(why, "ELF for another machine (e_machine is not AArch64)",
			       -AV_ENOTSUP);
	if (rd_le(p + EH_TYPE, 2) != AV_ELF_ET_EXEC)
		return elf_err(why, "ELF is not an executable (e_type is not ET_EXEC)",
			       -AV_ENOTSUP);
	if (rd_le(p + EH_EHSIZE, 2) < AV_ELF_EHDR_SIZE)
		return elf_err(why, "bad ELF header size", -AV_EBADIMG);
	if (rd_le(p + EH_PHNUM, 2) == PN_XNUM)
		return elf_err(why, "extended ELF program header count (PN_XNUM)", -AV_ENOTSUP);
	if (rd_le(p + EH_PHENTSIZE, 2) != AV_ELF_PHDR_SIZE)
		return elf_err(why, "bad ELF program header size", -AV_EBADIMG);
	if (rd_le(p + EH_PHNUM, 2) == 0)
		return elf_err(why, "ELF without program headers", -AV_EBADIMG);
	return 0;
}

/* Receives the load operations of an ELF file one by one; a non-zero return stops the walk. */
typedef int (*elf_emit_fn)(void *ctx, const struct av_load_op *op);

/*
 * Check the file and describe its loadable segments in [ram_base, ram_hi): every operation
 * goes to @emit (when not NULL) as it is found. Returns 0 or the first error, with *why set.
 */
static int elf_walk(const uint8_t *p, size_t len, uint64_t ram_base, uint64_t ram_hi,
		    unsigned opts, elf_emit_fn emit, void *ctx, struct av_elf_info *info,
		    const char **why)
{
	uint64_t phoff, phnum, entry;
	size_t n = 0, nload = 0;
	bool entry_found = false;
	int err;

	memset(info, 0, sizeof(*info));
	err = check_ehdr(p, len, why);
	if (err)
		return err;
	entry = rd_le(p + EH_ENTRY, 8);
	phoff = rd_le(p + EH_PHOFF, 8);
	phnum = rd_le(p + EH_PHNUM, 2);
	if (phoff > len || phnum * AV_ELF_PHDR_SIZE > len - phoff)
		return elf_err(why, "truncated ELF: program header table past the end of the file",
			       -AV_EBADIMG);

	info->low = UINT64_MAX;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + i * AV_ELF_PHDR_SIZE;
		struct av_load_op op;
		struct seg s;

		if (rd_le(ph + PH_TYPE, 4) != AV_ELF_PT_LOAD)
			continue;
		read_seg(ph, opts, &s);
		if (s.memsz == 0)
			continue;
		if (s.filesz > s.memsz)
			return elf_err(why, "ELF segment with p_filesz > p_memsz", -AV_EBADIMG);
		if (s.off > len || s.filesz > len - s.off)
			return elf_err(why, "truncated ELF: segment data past the end of the file",
				       -AV_EBADIMG);
		if (s.memsz > UINT64_MAX - s.addr)
			return elf_err(why, "ELF segment address range wraps", -AV_EBADIMG);
		if (!in_ram(s.addr, s.memsz, ram_base, ram_hi))
			return elf_err(why, "ELF segment outside guest RAM", -AV_ERANGE);
		if (++nload > ELF_MAX_LOAD)
			return elf_err(why, "more than 256 loadable ELF segments", -AV_ENOTSUP);
		/* Destination ranges of loadable segments must be disjoint. */
		for (uint64_t j = 0; j < i; j++) {
			const uint8_t *ph2 = p + phoff + j * AV_ELF_PHDR_SIZE;
			struct seg t;
			struct span sp;

			if (rd_le(ph2 + PH_TYPE, 4) != AV_ELF_PT_LOAD)
				continue;
			read_seg(ph2, opts, &t);
			if (t.memsz == 0)
				continue;
			sp = (struct span){ t.addr, t.addr + t.memsz };
			if (overlaps(s.addr, s.addr + s.memsz, &sp))
				return elf_err(why, "overlapping ELF segments", -AV_EBADIMG);
		}
		if (!entry_found && entry >= s.vaddr && entry - s.vaddr < s.memsz) {
			entry_found = true;
			info->entry = s.addr + (entry - s.vaddr);
		}
		if (s.addr < info->low)
			info->low = s.addr;
		if (s.addr + s.memsz > info->high)
			info->high = s.addr + s.memsz;
		if (s.filesz) {
			op = (struct av_load_op){ AV_LOAD_COPY, s.addr, s.off, s.filesz };
			err = emit ? emit(ctx, &op) : 0;
			if (err)
				return elf_err(why, "cannot copy an ELF segment", err);
			n++;
		}
		if (s.memsz > s.filesz) {
			op = (struct av_load_op){ AV_LOAD_ZERO, s.addr + s.filesz, 0,
						  s.memsz - s.filesz };
			err = emit ? emit(ctx, &op) : 0;
			if (err)
				return elf_err(why, "cannot zero an ELF segment's BSS", err);
			n++;
		}
	}
	info->nops = n;
	if (nload == 0)
		return elf_err(why, "ELF without a loadable segment", -AV_EBADIMG);
	if (!entry_found)
		return elf_err(why, "ELF entry point outside the loaded segments", -AV_EBADIMG);
	return 0;
}

struct op_store {
	struct av_load_op *ops;
	size_t max, n;
};

static int store_op(void *ctx, const struct av_load_op *op)
{
	struct op_store *st = ctx;

	if (st->n < st->max)
		st->ops[st->n] = *op;
	st->n++;
	return 0;
}

int av_elf_parse(const void *elf, size_t len, uint64_t ram_base, uint64_t ram_size,
		 unsigned opts, struct av_load_op *ops, size_t max_ops, struct av_elf_info *info)
{
	struct op_store st = { ops, max_ops, 0 };
	const char *why;
	int err;

	if (!elf || !info || (!ops && max_ops) || (opts & ~AV_ELF_USE_VADDR))
		return -AV_EINVAL;
	if (ram_size == 0 || ram_size > UINT64_MAX - ram_base)
		return -AV_EINVAL;
	err = elf_walk(elf, len, ram_base, ram_base + ram_size, opts, store_op, &st, info, &why);
	if (err)
		return err;
	if (info->nops > max_ops)
		return -AV_ENOSPC;
	return 0;
}

int av_boot_apply(const void *file, size_t len, const struct av_load_op *ops, size_t nops,
		  av_boot_copy_fn fn, void *cookie)
{
	const uint8_t *p = file;
	int err;

	if (!fn || (!ops && nops))
		return -AV_EINVAL;
	for (size_t i = 0; i < nops; i++) {
		const struct av_load_op *op = &ops[i];

		switch (op->kind) {
		case AV_LOAD_COPY:
			if (!file || op->src > len || op->len > len - op->src)
				return -AV_EINVAL;
			err = fn(cookie, op->dst, p + op->src, op->len);
			break;
		case AV_LOAD_ZERO:
			err = fn(cookie, op->dst, NULL, op->len);
			break;
		default:
			return -AV_EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

/* ---- kernel files of any format ---- */

enum av_boot_format av_boot_detect(const void *file, size_t len)
{
	static const uint8_t elf_magic[4] = { 0x7f, 'E', 'L', 'F' };
	const uint8_t *p = file;

	if (!file || len == 0)
		return AV_BOOT_FMT_NONE;
	if (len >= AV_IMAGE_HDR_SIZE && rd_le(p + AV_IMAGE_OFF_MAGIC, 4) == AV_IMAGE_MAGIC)
		return AV_BOOT_FMT_IMAGE;
	/* A file that starts like an ELF file is one, however short: never run it raw. */
	if (memcmp(p, elf_magic, len < sizeof(elf_magic) ? len : sizeof(elf_magic)) == 0)
		return AV_BOOT_FMT_ELF;
	return AV_BOOT_FMT_RAW;
}

const char *av_boot_format_name(enum av_boot_format fmt)
{
	switch (fmt) {
	case AV_BOOT_FMT_IMAGE:
		return "arm64 Image";
	case AV_BOOT_FMT_ELF:
		return "ELF64 AArch64 executable";
	case AV_BOOT_FMT_RAW:
		return "raw binary (no arm64 Image header)";
	default:
		return "empty file";
	}
}

static const char *place_error(int err)
{
	switch (err) {
	case -AV_ENOSPC:
		return "the kernel, the DTB and the initrd do not fit in guest RAM";
	case -AV_ERANGE:
		return "a kernel base, DTB or initrd address outside guest RAM";
	case -AV_EEXIST:
		return "the kernel overlaps the DTB or the initrd";
	default:
		return "misaligned kernel base, DTB or initrd address";
	}
}

/* Raw binary: ram_base + AV_BOOT_RAW_OFFSET, file-sized. */
static int place_raw(const struct av_boot_kernel *k, const struct av_boot_req *req,
		     struct av_boot_layout *out)
{
	uint64_t kaddr = req->ram_base + AV_BOOT_RAW_OFFSET;

	if (req->ram_size <= AV_BOOT_RAW_OFFSET || k->len > req->ram_size - AV_BOOT_RAW_OFFSET)
		return -AV_ENOSPC;
	out->kernel_base = req->ram_base;
	out->kernel_addr = kaddr;
	out->kernel_size = k->len;
	out->entry = kaddr;
	return place_rest(req, kaddr, kaddr + k->len, out);
}

/* ELF: the segments where they ask to be, inside RAM. */
static int place_elf(struct av_boot_kernel *k, const struct av_boot_req *req,
		     struct av_boot_layout *out)
{
	int err;

	err = elf_walk(k->file, k->len, req->ram_base, req->ram_base + req->ram_size,
		       k->elf_opts, NULL, NULL, &k->elf, &k->error);
	if (err)
		return err;
	out->kernel_base = k->elf.low;
	out->kernel_addr = k->elf.low;
	out->kernel_size = k->elf.high - k->elf.low;
	out->entry = k->elf.entry;
	err = place_rest(req, k->elf.low, k->elf.high, out);
	if (err)
		k->error = place_error(err);
	return err;
}

int av_boot_prepare(const void *file, size_t len, unsigned opts, const struct av_boot_req *req,
		    struct av_boot_kernel *k, struct av_boot_layout *out)
{
	int err;

	if (!k)
		return -AV_EINVAL;
	memset(k, 0, sizeof(*k));
	k->error = "bad arguments";
	if (!file || !req || !out || (opts & ~(AV_BOOT_ALLOW_BE | AV_BOOT_ELF_VADDR)))
		return -AV_EINVAL;
	err = check_req(req);
	if (err)
		return err;
	memset(out, 0, sizeof(*out));
	k->file = file;
	k->len = len;
	k->format = av_boot_detect(file, len);
	k->ram_base = req->ram_base;
	k->ram_size = req->ram_size;
	k->elf_opts = (opts & AV_BOOT_ELF_VADDR) ? AV_ELF_USE_VADDR : 0;
	if (k->format != AV_BOOT_FMT_IMAGE && req->kernel_base != AV_BOOT_ADDR_AUTO) {
		k->error = "only an arm64 Image takes an explicit kernel base";
		return -AV_EINVAL;
	}
	switch (k->format) {
	case AV_BOOT_FMT_IMAGE:
		err = av_image_parse(file, len, (opts & AV_BOOT_ALLOW_BE) ? AV_IMAGE_ALLOW_BE : 0,
				     &k->image);
		if (err) {
			k->error = err == -AV_ENOTSUP
					   ? "big-endian arm64 Image"
					   : "arm64 Image header does not match the file "
					     "(image_size smaller than the file, or overflowing)";
			return err;
		}
		err = av_boot_place(&k->image, req, out);
		break;
	case AV_BOOT_FMT_ELF:
		err = place_elf(k, req, out);
		if (!err)
			k->error = NULL;
		return err;
	case AV_BOOT_FMT_RAW:
		err = place_raw(k, req, out);
		break;
	default:
		k->error = "empty file";
		return -AV_EBADIMG;
	}
	k->error = err ? place_error(err) : NULL;
	return err;
}

struct load_ctx {
	const uint8_t *file;
	av_boot_copy_fn fn;
	void *cookie;
};

static int load_op(void *ctx, const struct av_load_op *op)
{
	struct load_ctx *c = ctx;

	return c->fn(c->cookie, op->dst, op->kind == AV_LOAD_COPY ? c->file + op->src : NULL,
		     op->len);
}

int av_boot_load(const struct av_boot_kernel *k, const struct av_boot_layout *layout,
		 av_boot_copy_fn fn, void *cookie)
{
	struct load_ctx c;
	struct av_elf_info info;
	const char *why;

	if (!k || !layout || !fn || !k->file)
		return -AV_EINVAL;
	switch (k->format) {
	case AV_BOOT_FMT_IMAGE:
		return av_image_load(k->file, k->len, &k->image, layout, fn, cookie);
	case AV_BOOT_FMT_RAW:
		return fn(cookie, layout->kernel_addr, k->file, k->len);
	case AV_BOOT_FMT_ELF:
		c = (struct load_ctx){ k->file, fn, cookie };
		return elf_walk(k->file, k->len, k->ram_base, k->ram_base + k->ram_size,
				k->elf_opts, load_op, &c, &info, &why);
	default:
		return -AV_EINVAL;
	}
}

/* ---- registers ---- */

int av_boot_cpu_regs(struct av_regs *regs, uint64_t entry, uint64_t x0)
{
	if (!regs)
		return -AV_EINVAL;
	memset(regs, 0, sizeof(*regs));
	regs->x[0] = x0;
	regs->pc = entry;
	regs->pstate = AV_BOOT_PSTATE;
	return 0;
}

int av_boot_linux_regs(struct av_regs *regs, const struct av_boot_layout *layout)
{
	if (!layout)
		return -AV_EINVAL;
	return av_boot_cpu_regs(regs, layout->entry, layout->dtb_addr);
}
