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

int av_boot_place(const struct av_image_info *img, const struct av_boot_req *req,
		  struct av_boot_layout *out)
{
	uint64_t ram_lo, ram_hi, lowest, kbase, kaddr, kend, dtb, win_lo, win_hi;
	struct span busy[2];

	if (!img || !req || !out)
		return -AV_EINVAL;
	if (req->ram_size == 0 || req->ram_size > UINT64_MAX - req->ram_base)
		return -AV_EINVAL;
	if (req->dtb_size == 0)
		return -AV_EINVAL;
	if (req->dtb_size > AV_BOOT_DTB_MAX)
		return -AV_ERANGE;
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

	memset(out, 0, sizeof(*out));
	out->kernel_base = kbase;
	out->kernel_addr = kaddr;
	out->kernel_size = img->image_size;
	out->dtb_addr = dtb;
	out->dtb_size = req->dtb_size;
	out->entry = kaddr;
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

static int check_ehdr(const uint8_t *p, size_t len)
{
	if (len < AV_ELF_EHDR_SIZE)
		return -AV_EBADIMG;
	if (p[0] != 0x7f || p[1] != 'E' || p[2] != 'L' || p[3] != 'F')
		return -AV_EBADIMG;
	if (p[EI_CLASS] != ELFCLASS64)
		return p[EI_CLASS] == ELFCLASS32 ? -AV_ENOTSUP : -AV_EBADIMG;
	if (p[EI_DATA] != ELFDATA2LSB)
		return p[EI_DATA] == ELFDATA2MSB ? -AV_ENOTSUP : -AV_EBADIMG;
	if (p[EI_VERSION] != EV_CURRENT || rd_le(p + EH_VERSION, 4) != EV_CURRENT)
		return -AV_EBADIMG;
	if (rd_le(p + EH_MACHINE, 2) != AV_ELF_EM_AARCH64)
		return -AV_ENOTSUP;
	if (rd_le(p + EH_TYPE, 2) != AV_ELF_ET_EXEC)
		return -AV_ENOTSUP;
	if (rd_le(p + EH_EHSIZE, 2) < AV_ELF_EHDR_SIZE)
		return -AV_EBADIMG;
	if (rd_le(p + EH_PHNUM, 2) == PN_XNUM)
		return -AV_ENOTSUP;
	if (rd_le(p + EH_PHENTSIZE, 2) != AV_ELF_PHDR_SIZE || rd_le(p + EH_PHNUM, 2) == 0)
		return -AV_EBADIMG;
	return 0;
}

int av_elf_parse(const void *elf, size_t len, uint64_t ram_base, uint64_t ram_size,
		 unsigned opts, struct av_load_op *ops, size_t max_ops, struct av_elf_info *info)
{
	const uint8_t *p = elf;
	uint64_t phoff, phnum, entry, ram_hi;
	size_t n = 0, nload = 0;
	bool entry_found = false;
	int err;

	if (!elf || !info || (!ops && max_ops) || (opts & ~AV_ELF_USE_VADDR))
		return -AV_EINVAL;
	if (ram_size == 0 || ram_size > UINT64_MAX - ram_base)
		return -AV_EINVAL;
	ram_hi = ram_base + ram_size;
	memset(info, 0, sizeof(*info));
	err = check_ehdr(p, len);
	if (err)
		return err;
	entry = rd_le(p + EH_ENTRY, 8);
	phoff = rd_le(p + EH_PHOFF, 8);
	phnum = rd_le(p + EH_PHNUM, 2);
	if (phoff > len || phnum * AV_ELF_PHDR_SIZE > len - phoff)
		return -AV_EBADIMG;

	info->low = UINT64_MAX;
	for (uint64_t i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + i * AV_ELF_PHDR_SIZE;
		struct seg s;

		if (rd_le(ph + PH_TYPE, 4) != AV_ELF_PT_LOAD)
			continue;
		read_seg(ph, opts, &s);
		if (s.memsz == 0)
			continue;
		if (s.filesz > s.memsz)
			return -AV_EBADIMG;
		if (s.off > len || s.filesz > len - s.off)
			return -AV_EBADIMG;
		if (s.memsz > UINT64_MAX - s.addr)
			return -AV_EBADIMG;
		if (!in_ram(s.addr, s.memsz, ram_base, ram_hi))
			return -AV_ERANGE;
		if (++nload > ELF_MAX_LOAD)
			return -AV_ENOTSUP;
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
				return -AV_EBADIMG;
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
			if (n < max_ops)
				ops[n] = (struct av_load_op){ AV_LOAD_COPY, s.addr, s.off,
							      s.filesz };
			n++;
		}
		if (s.memsz > s.filesz) {
			if (n < max_ops)
				ops[n] = (struct av_load_op){ AV_LOAD_ZERO, s.addr + s.filesz, 0,
							      s.memsz - s.filesz };
			n++;
		}
	}
	info->nops = n;
	if (nload == 0 || !entry_found)
		return -AV_EBADIMG;
	if (n > max_ops)
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
