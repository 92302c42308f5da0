/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for kernel placement against random RAM layouts (boot.h):
 * av_boot_prepare() and av_boot_load() checked by a model of the documented rules.
 *
 * Input: a byte stream read field by field (zeros once it runs out) that builds
 *  - a RAM layout of 1-4 disjoint banks: bases at 0, QEMU virt's 1 GiB, anywhere, just
 *    below the top of a 32-52-bit IPA space or of the 64-bit space, aligned or not; sizes
 *    from a page to 64 GiB, odd ones included;
 *  - a request: DTB size (0 and over 2 MiB included), initrd size, kernel base, DTB and
 *    initrd addresses automatic or explicit (inside a bank, misaligned, outside);
 *  - a kernel file: an arm64 Image header (text_offset, image_size, flags incl. big-endian
 *    and "anywhere"), an ELF64 AArch64 executable with 1-5 program headers (PT_LOAD or
 *    not) whose addresses aim at a bank, near one or anywhere, or a raw binary.
 * Each bank in turn is the request's RAM. The model (written from boot.h's documentation:
 * request checks, the kernel at the lowest 2 MiB base + text_offset or where the ELF
 * segments ask, raw files at RAM + 0x80000; the DTB as high as possible, 8-byte aligned,
 * inside one 2 MiB block; the initrd as high as possible, 4 KiB aligned, in the kernel's
 * 32 GiB window from its 1 GiB-aligned base; explicit addresses checked by the same
 * rules) predicts the result code and the whole layout, compared field by field.
 * av_boot_load() then writes only inside the kernel span, which lies in the bank.
 */
#include <armvirt/boot.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"

typedef unsigned __int128 u128;

#define MiB 0x100000ull
#define GiB 0x40000000ull
#define BLK AV_BOOT_DTB_BLOCK
#define MAX_FILE 4096

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t get(struct in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		v |= (uint64_t)(in->n ? *in->p : 0) << (8 * i);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

struct bank {
	uint64_t base, size;
};

/* A size: a page to 64 GiB, round or odd. */
static uint64_t pick_size(struct in *in)
{
	static const uint64_t sizes[] = { 0x1000, 0x80000, 0x81000, MiB, 2 * MiB - 0x1000, 2 * MiB,
					  2 * MiB + 0x1000, 3 * MiB, 64 * MiB, GiB, 4 * GiB,
					  64 * GiB };
	unsigned c = (unsigned)get(in, 1);

	if (c < 0xc0)
		return sizes[c % 12];
	if (c < 0xf0)
		return (get(in, 4) + 1) << 12; /* any page count up to 16 TiB */
	return get(in, 8);                      /* raw bits, zero included */
}

/*
 * The layout: 1-4 banks in ascending order, disjoint, ending at most at 2^64 (one that ends
 * there is refused by the request check). The first bank that would not be is left out; if
 * that is the first, one bank of raw bits (maybe empty or wrapping) is used instead.
 */
static unsigned pick_banks(struct in *in, struct bank *b)
{
	unsigned want = 1 + (unsigned)(get(in, 1) % 4), n = 0;
	u128 next = 0;

	while (n < want) {
		unsigned c = (unsigned)get(in, 1);
		uint64_t size = pick_size(in);
		u128 base;

		switch (c % 8) {
		case 0: base = 0x40000000ull; break;                   /* QEMU virt */
		case 1: base = next; break;                            /* right after the last */
		case 2: base = next + ((u128)get(in, 3) << 21); break; /* a 2 MiB-aligned gap */
		case 3: base = next + get(in, 5); break;               /* any gap */
		case 4: /* the top of a 32..52-bit IPA space */
			base = ((u128)1 << (32 + 4 * (get(in, 1) % 6))) - size;
			break;
		case 5: base = ((u128)1 << 64) - size - (get(in, 1) & 1); break; /* top of 64 bits */
		case 6: base = ((u128)get(in, 4) << 12) + next; break;
		default: base = 0; break;
		}
		if (size == 0 || base < next || base + size > ((u128)1 << 64))
			break;
		b[n].base = (uint64_t)base;
		b[n].size = size;
		n++;
		next = base + size;
	}
	if (n == 0) {
		b[0].base = get(in, 8);
		b[0].size = pick_size(in);
		n = 1;
	}
	return n;
}

/* An address for the request or a segment relative to bank @b. */
static uint64_t pick_addr(struct in *in, const struct bank *b, uint64_t align)
{
	unsigned c = (unsigned)get(in, 1);
	uint64_t off = get(in, 4) * align;

	switch (c % 6) {
	case 0: return b->base + (b->size ? off % b->size : 0) / align * align;
	case 1: return b->base + b->size - (uint64_t)(off % ((u128)b->size + 1)); /* near the top */
	case 2: return b->base + off;                                    /* maybe past it */
	case 3: return b->base - off;                                    /* maybe below it */
	case 4: return get(in, 8);                                       /* anywhere */
	default: return b->base + (b->size ? off % b->size : 0) + (c >> 3); /* misaligned */
	}
}

static void put(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t file[MAX_FILE];
static size_t flen;

enum kind { IMAGE, ELF, RAW };

/* The kernel file, built for bank @b. */
static enum kind make_kernel(struct in *in, const struct bank *b)
{
	unsigned c = (unsigned)get(in, 1);

	memset(file, 0, sizeof(file));
	if (c % 3 == 0) {
		flen = 64 + get(in, 2) % (MAX_FILE - 64);
		put(file + AV_IMAGE_OFF_TEXT_OFFSET, (c & 8) ? get(in, 3) << 12 : 0x80000, 8);
		put(file + AV_IMAGE_OFF_IMAGE_SIZE,
		    (c & 16) ? get(in, 8) : (c & 32) ? 0 : flen + get(in, 4), 8);
		put(file + AV_IMAGE_OFF_FLAGS, get(in, 1) & 0xf, 8);
		put(file + AV_IMAGE_OFF_MAGIC, AV_IMAGE_MAGIC, 4);
		return IMAGE;
	}
	if (c % 3 == 1) {
		unsigned nph = 1 + (unsigned)(get(in, 1) % 5);
		uint64_t data = 64 + nph * 56, vdelta = (c & 8) ? 0xffff000000000000ull : 0;

		flen = data + get(in, 2) % (MAX_FILE - data);
		memcpy(file, "\177ELF", 4);
		file[4] = 2; /* ELFCLASS64 */
		file[5] = 1; /* little-endian */
		file[6] = 1; /* EV_CURRENT */
		put(file + 16, AV_ELF_ET_EXEC, 2);
		put(file + 18, AV_ELF_EM_AARCH64, 2);
		put(file + 20, 1, 4);
		put(file + 32, 64, 8);
		put(file + 52, 64, 2);
		put(file + 54, 56, 2);
		put(file + 56, nph, 2);
		for (unsigned i = 0; i < nph; i++) {
			uint8_t *ph = file + 64 + i * 56;
			unsigned f = (unsigned)get(in, 1);
			uint64_t addr = pick_addr(in, b, 0x1000);
			uint64_t filesz = get(in, 2) % (flen - data + 1);
			uint64_t memsz = (f & 2) ? get(in, 4) : filesz + ((f & 4) ? get(in, 3) : 0);

			put(ph, (f & 0x30) == 0x30 ? 4 /* PT_NOTE */ : AV_ELF_PT_LOAD, 4);
			put(ph + 8, (f & 8) ? get(in, 2) : data, 8);
			put(ph + 16, addr + vdelta, 8);
			put(ph + 24, addr, 8);
			put(ph + 32, filesz, 8);
			put(ph + 40, memsz, 8);
			if (i == 0 || (f & 0x40))
				put(file + 24, addr + vdelta + (get(in, 2) % (memsz + 1)), 8);
		}
		return ELF;
	}
	flen = get(in, 2) % MAX_FILE;
	for (size_t i = 0; i < flen; i++)
		file[i] = (uint8_t)(i * 37 + c);
	if (flen >= 4 && !memcmp(file, "\177ELF", 4))
		file[0] = 0;
	if (flen >= 64 && file[56] == 'A')
		file[56] = 0;
	return RAW;
}

/* ---- the model ---- */

static uint64_t rd(const uint8_t *p, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static bool inside(u128 lo, u128 size, u128 rlo, u128 rhi)
{
	return lo >= rlo && lo + size <= rhi && lo < rhi;
}

static bool meet(u128 a, u128 as, u128 b, u128 bs)
{
	return a < b + bs && b < a + as;
}

/* Highest @align-aligned x in [lo, hi) with x + size <= hi, not crossing a 2 MiB block
 * when @no_cross, and clear of the @n spans; -1 when there is none. */
static __int128 highest(u128 lo, u128 hi, u128 size, u128 align, bool no_cross,
			const u128 (*busy)[2], unsigned n)
{
	/* Candidates: below each busy span and below hi, then below each block boundary
	 * under those (a DTB is at most one block). */
	u128 tops[3];
	unsigned nt = 0;
	__int128 best = -1;

	tops[nt++] = hi;
	for (unsigned i = 0; i < n; i++)
		tops[nt++] = busy[i][0];
	for (unsigned t = 0; t < nt; t++) {
		for (unsigned step = 0; step < 3; step++) {
			u128 top = tops[t], x;
			bool ok = true;

			if (step) {
				u128 b = (top - 1) / BLK * BLK; /* the boundary under top */

				if (top == 0)
					break;
				top = b - (u128)(step - 1) * BLK;
				if (b < (u128)(step - 1) * BLK)
					break;
			}
			if (top > hi)
				top = hi;
			if (top < size)
				continue;
			x = (top - size) / align * align;
			if (x < lo)
				continue;
			if (no_cross && x / BLK != (x + size - 1) / BLK)
				ok = false;
			for (unsigned i = 0; i < n && ok; i++)
				if (meet(x, size, busy[i][0], busy[i][1] - busy[i][0]))
					ok = false;
			if (ok && (__int128)x > best)
				best = (__int128)x;
		}
	}
	return best;
}

struct model {
	int rc;
	struct av_boot_layout l;
};

/* The DTB and initrd around the kernel span [ka, ke). */
static void model_rest(const struct av_boot_req *r, u128 ka, u128 ke, struct model *m)
{
	u128 lo = r->ram_base, hi = (u128)r->ram_base + r->ram_size;
	u128 busy[2][2] = { { ka, ke }, { 0, 0 } };
	u128 dtb;

	if (r->dtb_addr != AV_BOOT_ADDR_AUTO) {
		dtb = r->dtb_addr;
		if (dtb % AV_BOOT_DTB_ALIGN) {
			m->rc = -AV_EINVAL;
			return;
		}
		if (!inside(dtb, r->dtb_size, lo, hi)) {
			m->rc = -AV_ERANGE;
			return;
		}
		if (dtb / BLK != (dtb + r->dtb_size - 1) / BLK) {
			m->rc = -AV_EINVAL;
			return;
		}
		if (meet(dtb, r->dtb_size, ka, ke - ka)) {
			m->rc = -AV_EEXIST;
			return;
		}
	} else {
		__int128 d = highest(lo, hi, r->dtb_size, AV_BOOT_DTB_ALIGN, true, busy, 1);

		if (d < 0) {
			m->rc = -AV_ENOSPC;
			return;
		}
		dtb = (u128)d;
	}
	m->l.dtb_addr = (uint64_t)dtb;
	m->l.dtb_size = r->dtb_size;
	busy[1][0] = dtb;
	busy[1][1] = dtb + r->dtb_size;
	if (r->initrd_size == 0)
		return;
	if (r->initrd_addr != AV_BOOT_ADDR_AUTO) {
		u128 ird = r->initrd_addr, wlo, whi;

		if (ird % AV_BOOT_INITRD_ALIGN) {
			m->rc = -AV_EINVAL;
			return;
		}
		if (!inside(ird, r->initrd_size, lo, hi)) {
			m->rc = -AV_ERANGE;
			return;
		}
		wlo = (ird < ka ? ird : ka) / AV_BOOT_INITRD_WINDOW_ALIGN * AV_BOOT_INITRD_WINDOW_ALIGN;
		whi = ird + r->initrd_size > ke ? ird + r->initrd_size : ke;
		if (whi - wlo > AV_BOOT_INITRD_WINDOW) {
			m->rc = -AV_ERANGE;
			return;
		}
		if (meet(ird, r->initrd_size, ka, ke - ka) ||
		    meet(ird, r->initrd_size, dtb, r->dtb_size)) {
			m->rc = -AV_EEXIST;
			return;
		}
		m->l.initrd_addr = (uint64_t)ird;
	} else {
		u128 wlo = ka / AV_BOOT_INITRD_WINDOW_ALIGN * AV_BOOT_INITRD_WINDOW_ALIGN;
		u128 whi = wlo + AV_BOOT_INITRD_WINDOW;
		__int128 x;

		if (whi > UINT64_MAX)
			whi = UINT64_MAX;
		if (ke > whi) {
			m->rc = -AV_ENOSPC;
			return;
		}
		x = highest(wlo > lo ? wlo : lo, whi < hi ? whi : hi, r->initrd_size,
			    AV_BOOT_INITRD_ALIGN, false, busy, 2);
		if (x < 0) {
			m->rc = -AV_ENOSPC;
			return;
		}
		m->l.initrd_addr = (uint64_t)x;
	}
	m->l.initrd_size = r->initrd_size;
}

static void model_image(const struct av_boot_req *r, struct model *m)
{
	uint64_t text = rd(file + AV_IMAGE_OFF_TEXT_OFFSET, 8);
	uint64_t isize = rd(file + AV_IMAGE_OFF_IMAGE_SIZE, 8);
	uint64_t flags = rd(file + AV_IMAGE_OFF_FLAGS, 8);
	u128 lo = r->ram_base, hi = (u128)r->ram_base + r->ram_size, lowest, kb, ka, ke;

	if (isize == 0) { /* before Linux 3.17 */
		text = AV_IMAGE_LEGACY_TEXT_OFFSET;
		isize = flen;
		flags = 0;
	}
	if ((u128)text + isize > UINT64_MAX || flen > isize) {
		m->rc = -AV_EBADIMG;
		return;
	}
	if (flags & AV_IMAGE_FLAG_BE) {
		m->rc = -AV_ENOTSUP;
		return;
	}
	lowest = (lo + AV_BOOT_KERNEL_ALIGN - 1) / AV_BOOT_KERNEL_ALIGN * AV_BOOT_KERNEL_ALIGN;
	if (lowest > UINT64_MAX || lowest >= hi) {
		m->rc = -AV_ENOSPC;
		return;
	}
	if (r->kernel_base == AV_BOOT_ADDR_AUTO) {
		kb = lowest;
	} else {
		kb = r->kernel_base;
		if (kb % AV_BOOT_KERNEL_ALIGN) {
			m->rc = -AV_EINVAL;
			return;
		}
		if (kb < lo || kb >= hi || (!(flags & AV_IMAGE_FLAG_PHYS_ANY) && kb != lowest)) {
			m->rc = -AV_ERANGE;
			return;
		}
	}
	ka = kb + text;
	ke = ka + isize;
	if (ka > UINT64_MAX || ke > UINT64_MAX || ke > hi) {
		m->rc = -AV_ENOSPC;
		return;
	}
	m->l.kernel_base = (uint64_t)kb;
	m->l.kernel_addr = (uint64_t)ka;
	m->l.kernel_size = isize;
	m->l.entry = (uint64_t)ka;
	model_rest(r, ka, ke, m);
}

static void model_elf(const struct av_boot_req *r, bool vaddr, struct model *m)
{
	u128 lo = r->ram_base, hi = (u128)r->ram_base + r->ram_size, low = UINT64_MAX, high = 0;
	uint64_t entry = rd(file + 24, 8), nph = rd(file + 56, 2), pentry = 0;
	unsigned nload = 0;
	bool found = false;

	for (uint64_t i = 0; i < nph; i++) {
		const uint8_t *ph = file + 64 + i * 56;
		uint64_t off = rd(ph + 8, 8), va = rd(ph + 16, 8), fs = rd(ph + 32, 8);
		uint64_t ms = rd(ph + 40, 8), addr = vaddr ? va : rd(ph + 24, 8);

		if (rd(ph, 4) != AV_ELF_PT_LOAD || ms == 0)
			continue;
		if (fs > ms || (u128)off + fs > flen || (u128)addr + ms > UINT64_MAX) {
			m->rc = -AV_EBADIMG;
			return;
		}
		if (!inside(addr, ms, lo, hi)) {
			m->rc = -AV_ERANGE;
			return;
		}
		nload++;
		for (uint64_t j = 0; j < i; j++) {
			const uint8_t *p2 = file + 64 + j * 56;
			uint64_t a2 = vaddr ? rd(p2 + 16, 8) : rd(p2 + 24, 8), m2 = rd(p2 + 40, 8);

			if (rd(p2, 4) == AV_ELF_PT_LOAD && m2 && meet(addr, ms, a2, m2)) {
				m->rc = -AV_EBADIMG;
				return;
			}
		}
		if (!found && entry >= va && entry - va < ms) {
			found = true;
			pentry = addr + (entry - va);
		}
		if (addr < low)
			low = addr;
		if ((u128)addr + ms > high)
			high = (u128)addr + ms;
	}
	if (!nload || !found) {
		m->rc = -AV_EBADIMG;
		return;
	}
	m->l.kernel_base = m->l.kernel_addr = (uint64_t)low;
	m->l.kernel_size = (uint64_t)(high - low);
	m->l.entry = pentry;
	model_rest(r, low, high, m);
}

static void model(const struct av_boot_req *r, enum kind k, bool vaddr, struct model *m)
{
	memset(m, 0, sizeof(*m));
	if (r->ram_size == 0 || (u128)r->ram_base + r->ram_size > UINT64_MAX ||
	    r->dtb_size == 0) {
		m->rc = -AV_EINVAL;
		return;
	}
	if (r->dtb_size > AV_BOOT_DTB_MAX) {
		m->rc = -AV_ERANGE;
		return;
	}
	if (flen == 0) {
		m->rc = r->kernel_base != AV_BOOT_ADDR_AUTO ? -AV_EINVAL : -AV_EBADIMG;
		return;
	}
	if (k != IMAGE && r->kernel_base != AV_BOOT_ADDR_AUTO) {
		m->rc = -AV_EINVAL;
		return;
	}
	if (k == IMAGE) {
		model_image(r, m);
	} else if (k == ELF) {
		model_elf(r, vaddr, m);
	} else {
		u128 ka = (u128)r->ram_base + AV_BOOT_RAW_OFFSET;

		if (r->ram_size <= AV_BOOT_RAW_OFFSET || flen > r->ram_size - AV_BOOT_RAW_OFFSET) {
			m->rc = -AV_ENOSPC;
			return;
		}
		m->l.kernel_base = r->ram_base;
		m->l.kernel_addr = m->l.entry = (uint64_t)ka;
		m->l.kernel_size = flen;
		model_rest(r, ka, ka + flen, m);
	}
}

/* ---- loading ---- */

struct sink {
	uint64_t lo, hi; /* the kernel span */
	u128 bytes;
};

static int sink(void *cookie, uint64_t dst, const void *src, uint64_t len)
{
	struct sink *s = cookie;
	const uint8_t *p = src;

	CHECK(dst >= s->lo && (u128)dst + len <= s->hi);
	if (p)
		CHECK(p >= file && (size_t)(p - file) + len <= flen);
	s->bytes += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	struct bank banks[4];
	unsigned nb = pick_banks(&in, banks);
	unsigned target = (unsigned)get(&in, 1) % nb, opt = (unsigned)get(&in, 1);
	enum kind k = make_kernel(&in, &banks[target]);
	uint64_t dtb_size = (opt & 1) ? 0x10000 : (opt & 2) ? get(&in, 3) : 8 + (get(&in, 2) << 3);
	uint64_t initrd_size = (opt & 4) ? ((get(&in, 3) + 1) << 12) : 0;
	uint64_t kbase_pick = get(&in, 1), dtb_pick = get(&in, 1), ird_pick = get(&in, 1);
	bool vaddr = opt & 8;
	uint64_t kb = AV_BOOT_ADDR_AUTO, da = AV_BOOT_ADDR_AUTO, ia = AV_BOOT_ADDR_AUTO;

	if (kbase_pick & 1)
		kb = pick_addr(&in, &banks[target], AV_BOOT_KERNEL_ALIGN);
	if (dtb_pick & 1)
		da = pick_addr(&in, &banks[target], 8);
	if (ird_pick & 1)
		ia = pick_addr(&in, &banks[target], 0x1000);
	/* Every bank as the RAM, the one the file was built for first. */
	for (unsigned n = 0; n < nb; n++) {
		const struct bank *b = &banks[(target + n) % nb];
		struct av_boot_req req = {
			.ram_base = b->base,
			.ram_size = b->size,
			.kernel_base = kb,
			.dtb_size = dtb_size,
			.dtb_addr = da,
			.initrd_size = initrd_size,
			.initrd_addr = ia,
		};
		struct av_boot_kernel kern;
		struct av_boot_layout l;
		struct model m;
		struct sink s;
		int rc;

		model(&req, k, vaddr, &m);
		rc = av_boot_prepare(file, flen, vaddr ? AV_BOOT_ELF_VADDR : 0, &req, &kern, &l);
		CHECK(rc == m.rc);
		CHECK((rc != 0) == (kern.error != NULL));
		if (rc)
			continue;
		CHECK(l.kernel_base == m.l.kernel_base && l.kernel_addr == m.l.kernel_addr &&
		      l.kernel_size == m.l.kernel_size && l.entry == m.l.entry);
		CHECK(l.dtb_addr == m.l.dtb_addr && l.dtb_size == m.l.dtb_size);
		CHECK(l.initrd_addr == m.l.initrd_addr && l.initrd_size == m.l.initrd_size);
		/* all inside this bank */
		CHECK(inside(l.kernel_addr, l.kernel_size, b->base, (u128)b->base + b->size));
		CHECK(inside(l.dtb_addr, l.dtb_size, b->base, (u128)b->base + b->size));
		s = (struct sink){ l.kernel_addr, l.kernel_addr + l.kernel_size, 0 };
		CHECK(av_boot_load(&kern, &l, sink, &s) == 0);
		CHECK(s.bytes <= (u128)l.kernel_size || k != ELF);
	}
	return 0;
}
