/* SPDX-License-Identifier: MIT */
/* Unit tests: Linux arm64 Image header parsing, placement of kernel/DTB/initrd, ELF64
 * load plans and boot registers. Headers are built here field by field from the layouts
 * in Documentation/arch/arm64/booting.rst and the ELF64 specification (offsets written as
 * numbers, independent of the library's macros). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <armvirt/boot.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#define MiB 0x100000ull
#define GiB 0x40000000ull

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A 64-byte Image header: code0 at 0, code1 at 4, text_offset at 8, image_size at 16,
 * flags at 24, res2..res4 at 32..55, magic "ARM\x64" at 56, res5 at 60. */
static void mk_image(uint8_t *buf, size_t len, uint64_t text_offset, uint64_t image_size,
		     uint64_t flags)
{
	memset(buf, 0, len);
	put_le(buf + 0, 0x91005a4d, 4); /* "MZ" + add x13, x18, #0x16, as Linux does */
	put_le(buf + 4, 0x14000000, 4); /* b . */
	put_le(buf + 8, text_offset, 8);
	put_le(buf + 16, image_size, 8);
	put_le(buf + 24, flags, 8);
	memcpy(buf + 56, "ARM\x64", 4);
}

static void test_image_parse(void **state)
{
	uint8_t img[4096];
	struct av_image_info info;
	(void)state;

	/* A modern kernel: text_offset 0, 16 MiB footprint, LE, 4K pages, anywhere. */
	mk_image(img, sizeof(img), 0, 16 * MiB, 0xa);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), 0);
	assert_int_equal(info.text_offset, 0);
	assert_int_equal(info.image_size, 16 * MiB);
	assert_int_equal(info.file_size, sizeof(img));
	assert_int_equal(info.flags, 0xa);
	assert_int_equal(info.page_size, AV_IMAGE_PAGE_4K);
	assert_false(info.big_endian);
	assert_true(info.phys_anywhere);
	assert_false(info.legacy);

	/* Page sizes and placement flag. */
	mk_image(img, sizeof(img), 0x80000, 16 * MiB, 0x4);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), 0);
	assert_int_equal(info.page_size, AV_IMAGE_PAGE_16K);
	assert_false(info.phys_anywhere);
	assert_int_equal(info.text_offset, 0x80000);
	mk_image(img, sizeof(img), 0, 16 * MiB, 0x6);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), 0);
	assert_int_equal(info.page_size, AV_IMAGE_PAGE_64K);
	mk_image(img, sizeof(img), 0, 16 * MiB, 0x0);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), 0);
	assert_int_equal(info.page_size, AV_IMAGE_PAGE_UNSPECIFIED);

	/* Legacy: image_size 0 -> text_offset 0x80000 and the file size. */
	mk_image(img, sizeof(img), 0x1234, 0, 0);
	assert_int_equal(av_image_parse(img, 1000, 0, &info), 0);
	assert_true(info.legacy);
	assert_int_equal(info.text_offset, 0x80000);
	assert_int_equal(info.image_size, 1000);
	assert_int_equal(info.file_size, 1000);

	/* Exactly the header is enough; one byte less is truncated. */
	mk_image(img, sizeof(img), 0, 64, 0);
	assert_int_equal(av_image_parse(img, 64, 0, &info), 0);
	assert_int_equal(av_image_parse(img, 63, 0, &info), -AV_EBADIMG);
	assert_int_equal(av_image_parse(img, 0, 0, &info), -AV_EBADIMG);

	/* Bad magic (each byte). */
	for (int i = 0; i < 4; i++) {
		mk_image(img, sizeof(img), 0, 16 * MiB, 0);
		img[56 + i] ^= 0x20;
		assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), -AV_EBADIMG);
	}

	/* text_offset + image_size overflowing; file larger than the footprint. */
	mk_image(img, sizeof(img), 0x80000, UINT64_MAX - 0x1000, 0);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), -AV_EBADIMG);
	mk_image(img, sizeof(img), UINT64_MAX, 4096, 0);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), -AV_EBADIMG);
	mk_image(img, sizeof(img), 0, 100, 0);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), -AV_EBADIMG);

	/* Big-endian kernels need the caller's consent. */
	mk_image(img, sizeof(img), 0, 16 * MiB, 0x3);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), -AV_ENOTSUP);
	assert_int_equal(av_image_parse(img, sizeof(img), AV_IMAGE_ALLOW_BE, &info), 0);
	assert_true(info.big_endian);
	assert_int_equal(info.page_size, AV_IMAGE_PAGE_4K);

	/* Argument errors. */
	assert_int_equal(av_image_parse(NULL, 64, 0, &info), -AV_EINVAL);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, NULL), -AV_EINVAL);
	assert_int_equal(av_image_parse(img, sizeof(img), 0x10, &info), -AV_EINVAL);
}

static struct av_image_info kernel(uint64_t text_offset, uint64_t image_size, bool anywhere)
{
	struct av_image_info k;

	memset(&k, 0, sizeof(k));
	k.text_offset = text_offset;
	k.image_size = image_size;
	k.file_size = image_size;
	k.phys_anywhere = anywhere;
	return k;
}

static struct av_boot_req req(uint64_t base, uint64_t size, uint64_t dtb, uint64_t initrd)
{
	struct av_boot_req r = {
		.ram_base = base,
		.ram_size = size,
		.kernel_base = AV_BOOT_ADDR_AUTO,
		.dtb_size = dtb,
		.dtb_addr = AV_BOOT_ADDR_AUTO,
		.initrd_size = initrd,
		.initrd_addr = AV_BOOT_ADDR_AUTO,
	};
	return r;
}

static bool ovl(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return as && bs && a < b + bs && b < a + as;
}

/* Every rule of the boot protocol, checked on a layout. */
static void check_layout(const struct av_image_info *k, const struct av_boot_req *r,
			 const struct av_boot_layout *l)
{
	uint64_t ram_end = r->ram_base + r->ram_size;

	assert_int_equal(l->kernel_base % (2 * MiB), 0);
	assert_true(l->kernel_base >= r->ram_base);
	assert_int_equal(l->kernel_addr, l->kernel_base + k->text_offset);
	assert_int_equal(l->entry, l->kernel_addr);
	assert_int_equal(l->kernel_size, k->image_size);
	assert_true(l->kernel_addr + l->kernel_size <= ram_end);
	if (!k->phys_anywhere)
		assert_true(l->kernel_base - r->ram_base < 2 * MiB); /* as low as possible */

	assert_int_equal(l->dtb_addr % 8, 0);
	assert_int_equal(l->dtb_size, r->dtb_size);
	assert_true(l->dtb_size <= 2 * MiB);
	assert_int_equal(l->dtb_addr / (2 * MiB), (l->dtb_addr + l->dtb_size - 1) / (2 * MiB));
	assert_true(l->dtb_addr >= r->ram_base && l->dtb_addr + l->dtb_size <= ram_end);
	assert_false(ovl(l->dtb_addr, l->dtb_size, l->kernel_addr, l->kernel_size));

	assert_int_equal(l->initrd_size, r->initrd_size);
	if (l->initrd_size) {
		uint64_t lo = l->initrd_addr < l->kernel_addr ? l->initrd_addr : l->kernel_addr;
		uint64_t ie = l->initrd_addr + l->initrd_size, ke = l->kernel_addr + l->kernel_size;
		uint64_t hi = ie > ke ? ie : ke;

		assert_int_equal(l->initrd_addr % 4096, 0);
		assert_true(l->initrd_addr >= r->ram_base && ie <= ram_end);
		assert_false(ovl(l->initrd_addr, l->initrd_size, l->kernel_addr, l->kernel_size));
		assert_false(ovl(l->initrd_addr, l->initrd_size, l->dtb_addr, l->dtb_size));
		assert_true(hi - (lo & ~(GiB - 1)) <= 32 * GiB);
	} else {
		assert_int_equal(l->initrd_addr, 0);
	}
}

static void test_place_basic(void **state)
{
	struct av_image_info k = kernel(0, 20 * MiB, true);
	struct av_boot_req r = req(0x40000000, 256 * MiB, 0x10000, 8 * MiB);
	struct av_boot_layout l;
	(void)state;

	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.kernel_base, 0x40000000);
	assert_int_equal(l.kernel_addr, 0x40000000);
	/* DTB at the top of RAM, initrd right below. */
	assert_int_equal(l.dtb_addr, 0x50000000 - 0x10000);
	assert_int_equal(l.initrd_addr, 0x50000000 - 0x10000 - 8 * MiB);

	/* text_offset 0x80000 above an unaligned RAM start: next 2 MiB boundary. */
	k = kernel(0x80000, 20 * MiB, false);
	r = req(0x40100000, 256 * MiB, 0x10000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.kernel_base, 0x40200000);
	assert_int_equal(l.kernel_addr, 0x40280000);
	assert_int_equal(l.initrd_addr, 0);

	/* DTB never crosses a 2 MiB boundary: RAM ending just past one. */
	k = kernel(0, 2 * MiB, true);
	r = req(0x40000000, 64 * MiB + 0x100, 0x1000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.dtb_addr, 0x44000000 - 0x1000);
	/* A 2 MiB DTB needs a whole aligned block. */
	r = req(0x40000000, 64 * MiB + 0x100, 2 * MiB, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.dtb_addr, 0x44000000 - 2 * MiB);
	/* Odd DTB size: address still 8-byte aligned. */
	r = req(0x40000000, 64 * MiB - 3, 1001, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);

	/* Tight RAM: DTB and initrd fall back to the text_offset gap below the kernel. */
	k = kernel(0x100000, 3 * MiB, true);
	r = req(0x40000000, 4 * MiB, 0x8000, 0x10000);
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_true(l.dtb_addr < l.kernel_addr);
	assert_true(l.initrd_addr < l.kernel_addr);
}

static void test_place_kernel_base(void **state)
{
	struct av_image_info k = kernel(0, 8 * MiB, false);
	struct av_boot_req r = req(0x40000000, 256 * MiB, 0x1000, 0);
	struct av_boot_layout l;
	(void)state;

	r.kernel_base = 0x40000000; /* the lowest: fine for either flag */
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	r.kernel_base = 0x48000000; /* higher: only with "anywhere" */
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE);
	k.phys_anywhere = true;
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.kernel_addr, 0x48000000);
	r.kernel_base = 0x48000000 + 0x1000; /* not 2 MiB aligned */
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL);
	r.kernel_base = 0x3fe00000; /* below RAM */
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE);
	r.kernel_base = 0x50000000; /* at the end of RAM */
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE);
	r.kernel_base = 0x50000000 - 4 * MiB; /* footprint runs past the end */
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
}

static void test_place_errors(void **state)
{
	struct av_image_info k = kernel(0, 8 * MiB, true);
	struct av_boot_req r;
	struct av_boot_layout l;
	(void)state;

	r = req(0x40000000, 0, 0x1000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL); /* empty RAM */
	r = req(UINT64_MAX - MiB, 2 * MiB, 0x1000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL); /* wraps */
	r = req(0x40000000, 256 * MiB, 0, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL); /* no DTB */
	r = req(0x40000000, 256 * MiB, 2 * MiB + 8, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE); /* DTB > 2 MiB */
	assert_int_equal(av_boot_place(NULL, &r, &l), -AV_EINVAL);
	assert_int_equal(av_boot_place(&k, NULL, &l), -AV_EINVAL);
	assert_int_equal(av_boot_place(&k, &r, NULL), -AV_EINVAL);

	/* Kernel larger than RAM; footprint overflowing 64 bits; RAM without a 2 MiB base. */
	k = kernel(0, 300 * MiB, true);
	r = req(0x40000000, 256 * MiB, 0x1000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
	k = kernel(0x80000, UINT64_MAX - 0x1000, true);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
	k = kernel(0, MiB, true);
	r = req(0x40100000, MiB, 0x1000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
	r = req(UINT64_MAX - 3 * MiB, 3 * MiB, 0x1000, 0); /* align-up of the base overflows? no */
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);

	/* No room for the DTB or the initrd. */
	k = kernel(0, 4 * MiB, true);
	r = req(0x40000000, 4 * MiB, 0x1000, 0);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
	r = req(0x40000000, 4 * MiB + 0x1000, 0x1000, 0x1000);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
	r.initrd_size = 0;
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
}

static void test_place_explicit(void **state)
{
	struct av_image_info k = kernel(0x80000, 8 * MiB, true);
	struct av_boot_req r = req(0x40000000, 256 * MiB, 0x10000, 16 * MiB);
	struct av_boot_layout l;
	(void)state;

	/* DTB */
	r.dtb_addr = 0x44000000;
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.dtb_addr, 0x44000000);
	r.dtb_addr = 0x44000004;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL); /* not 8-byte aligned */
	r.dtb_addr = 0x44200000 - 0x8000;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL); /* crosses 2 MiB */
	r.dtb_addr = 0x3ffff000;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE); /* below RAM */
	r.dtb_addr = 0x50000000 - 0x8000;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE); /* runs past RAM */
	r.dtb_addr = 0x40080000 + 8 * MiB - 8;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EEXIST); /* kernel's last bytes */
	r.dtb_addr = 0x40000000; /* the text_offset gap is free to use */
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	r.dtb_addr = 0x40080000 + 8 * MiB; /* right after the footprint */
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);

	/* initrd */
	r.dtb_addr = 0x44000000;
	r.initrd_addr = 0x48000000;
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_int_equal(l.initrd_addr, 0x48000000);
	r.initrd_addr = 0x48000800;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EINVAL); /* not page aligned */
	r.initrd_addr = 0x44000000 - 16 * MiB + 0x1000;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EEXIST); /* covers the DTB */
	r.initrd_addr = 0x40000000;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_EEXIST); /* covers the kernel */
	r.initrd_addr = 0x50000000 - 8 * MiB;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE); /* runs past RAM */
}

static void test_place_initrd_window(void **state)
{
	struct av_image_info k = kernel(0, 32 * MiB, true);
	struct av_boot_req r = req(0x40000000, 64 * GiB, 0x10000, 64 * MiB);
	struct av_boot_layout l;
	(void)state;

	/* 64 GiB of RAM: the automatic initrd stays in the kernel's 32 GiB window. */
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	assert_true(l.initrd_addr + l.initrd_size <= 0x40000000 + 32 * GiB);
	/* An explicit one beyond the window is refused, inside it accepted. */
	r.initrd_addr = 0x40000000 + 40 * GiB;
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ERANGE);
	r.initrd_addr = 0x40000000 + 32 * GiB - 64 * MiB;
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	/* Kernel high in RAM, initrd below it in the same 1 GiB-aligned window. */
	r.kernel_base = 0x40000000 + 10 * GiB;
	r.initrd_addr = 0x40000000 + 9 * GiB;
	assert_int_equal(av_boot_place(&k, &r, &l), 0);
	check_layout(&k, &r, &l);
	/* A kernel footprint larger than the window leaves no room for any initrd. */
	k = kernel(0, 33 * GiB, true);
	r = req(0x40000000, 64 * GiB, 0x10000, 64 * MiB);
	assert_int_equal(av_boot_place(&k, &r, &l), -AV_ENOSPC);
}

/* Sweep many RAM shapes and sizes; every successful layout obeys every rule. */
static void test_place_sweep(void **state)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	unsigned ok = 0;
	(void)state;

	for (int i = 0; i < 20000; i++) {
		struct av_image_info k;
		struct av_boot_req r;
		struct av_boot_layout l;
		uint64_t v[6];
		int err;

		for (int j = 0; j < 6; j++) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			v[j] = seed >> 11;
		}
		k = kernel((v[0] % 4) * 0x80000, 1 + v[1] % (40 * MiB), v[0] & 0x100);
		r = req(0x40000000 + (v[2] % 64) * 0x10000 * (v[2] & 1),
			1 + v[3] % (128 * MiB), 1 + v[4] % (2 * MiB), (v[5] & 1) ? v[5] % (32 * MiB) : 0);
		err = av_boot_place(&k, &r, &l);
		if (err) {
			assert_int_equal(err, -AV_ENOSPC);
			continue;
		}
		ok++;
		check_layout(&k, &r, &l);
	}
	assert_true(ok > 5000);
}

/* Fake guest RAM for copy callbacks. */
struct ram {
	uint64_t base;
	uint8_t *mem;
	uint64_t size;
	int calls;
	int fail_at;
};

static int ram_copy(void *cookie, uint64_t dst, const void *src, uint64_t len)
{
	struct ram *m = cookie;

	if (++m->calls == m->fail_at)
		return -AV_EIO;
	assert_true(dst >= m->base && len <= m->size && dst - m->base <= m->size - len);
	if (src)
		memcpy(m->mem + (dst - m->base), src, len);
	else
		memset(m->mem + (dst - m->base), 0, len);
	return 0;
}

static void test_image_load_and_regs(void **state)
{
	static uint8_t img[8192];
	struct av_image_info info;
	struct av_boot_req r = req(0x40000000, 8 * MiB, 0x1000, 0);
	struct av_boot_layout l;
	struct ram m = { 0x40000000, NULL, 8 * MiB, 0, 0 };
	struct av_regs regs;
	(void)state;

	mk_image(img, sizeof(img), 0x80000, MiB, 0x2);
	for (size_t i = 64; i < sizeof(img); i++)
		img[i] = (uint8_t)(i * 7);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), 0);
	assert_int_equal(av_boot_place(&info, &r, &l), 0);
	m.mem = calloc(1, m.size);
	assert_non_null(m.mem);
	assert_int_equal(av_image_load(img, sizeof(img), &info, &l, ram_copy, &m), 0);
	assert_memory_equal(m.mem + 0x80000, img, sizeof(img));
	assert_int_equal(av_image_load(img, 100, &info, &l, ram_copy, &m), -AV_EINVAL);
	assert_int_equal(av_image_load(img, sizeof(img), &info, &l, NULL, &m), -AV_EINVAL);
	m.fail_at = m.calls + 1;
	assert_int_equal(av_image_load(img, sizeof(img), &info, &l, ram_copy, &m), -AV_EIO);
	free(m.mem);

	/* Boot registers: x0 = DTB, x1..x3 = 0, PC = entry, EL1h + DAIF = 0x3c5. */
	memset(&regs, 0xff, sizeof(regs));
	assert_int_equal(av_boot_linux_regs(&regs, &l), 0);
	assert_int_equal(regs.x[0], l.dtb_addr);
	assert_int_equal(regs.x[1], 0);
	assert_int_equal(regs.x[2], 0);
	assert_int_equal(regs.x[3], 0);
	assert_int_equal(regs.x[30], 0);
	assert_int_equal(regs.sp, 0);
	assert_int_equal(regs.pc, 0x40080000);
	assert_int_equal(regs.pstate, 0x3c5);
	assert_int_equal(regs.v[31][1], 0);
	assert_int_equal(regs.fpcr, 0);
	assert_int_equal(AV_BOOT_PSTATE, 0x3c5);
	assert_int_equal(av_boot_linux_regs(NULL, &l), -AV_EINVAL);
	assert_int_equal(av_boot_linux_regs(&regs, NULL), -AV_EINVAL);
	assert_int_equal(av_boot_cpu_regs(NULL, 0, 0), -AV_EINVAL);
}

/* ---- ELF ---- */

#define RAMB 0x40000000ull
#define RAMS (2 * MiB)

/* ELF64 header: ident[16], type@16, machine@18, version@20, entry@24, phoff@32,
 * shoff@40, flags@48, ehsize@52, phentsize@54, phnum@56, shentsize@58, shnum@60,
 * shstrndx@62. Program header (56 bytes): type@0, flags@4, offset@8, vaddr@16,
 * paddr@24, filesz@32, memsz@40, align@48. */
static void mk_ehdr(uint8_t *b, uint64_t entry, uint64_t phoff, unsigned phnum)
{
	memset(b, 0, 64);
	memcpy(b, "\x7f" "ELF", 4);
	b[4] = 2; /* ELFCLASS64 */
	b[5] = 1; /* ELFDATA2LSB */
	b[6] = 1; /* EV_CURRENT */
	put_le(b + 16, 2, 2);   /* ET_EXEC */
	put_le(b + 18, 183, 2); /* EM_AARCH64 */
	put_le(b + 20, 1, 4);
	put_le(b + 24, entry, 8);
	put_le(b + 32, phoff, 8);
	put_le(b + 52, 64, 2);
	put_le(b + 54, 56, 2);
	put_le(b + 56, phnum, 2);
}

static void mk_phdr(uint8_t *p, uint32_t type, uint64_t off, uint64_t vaddr, uint64_t paddr,
		    uint64_t filesz, uint64_t memsz)
{
	memset(p, 0, 56);
	put_le(p + 0, type, 4);
	put_le(p + 4, 5, 4); /* R+X */
	put_le(p + 8, off, 8);
	put_le(p + 16, vaddr, 8);
	put_le(p + 24, paddr, 8);
	put_le(p + 32, filesz, 8);
	put_le(p + 40, memsz, 8);
	put_le(p + 48, 0x1000, 8);
}

#define VBASE 0xffff000000000000ull
#define NPH 4

/* Text at paddr RAMB+0x80000 (vaddr VBASE+0x80000), data+bss at RAMB+0x100000, a PT_NOTE
 * and an empty PT_LOAD. File: ehdr, 4 phdrs at 64, text at 0x200 (0x100 bytes), data at
 * 0x300 (0x40 bytes). */
static void mk_elf(uint8_t *b, size_t len)
{
	memset(b, 0, len);
	mk_ehdr(b, VBASE + 0x80010, 64, NPH);
	mk_phdr(b + 64, 1, 0x200, VBASE + 0x80000, RAMB + 0x80000, 0x100, 0x100);
	mk_phdr(b + 64 + 56, 4, 0x300, 0, 0, 0x10, 0x10);
	mk_phdr(b + 64 + 112, 1, 0x300, VBASE + 0x100000, RAMB + 0x100000, 0x40, 0x1000);
	mk_phdr(b + 64 + 168, 1, 0, VBASE + 0x80000, RAMB + 0x80000, 0, 0);
	for (int i = 0; i < 0x140; i++)
		b[0x200 + i] = (uint8_t)(i + 1);
}

static int elf(const uint8_t *b, size_t len, unsigned opts, struct av_load_op *ops, size_t n,
	       struct av_elf_info *info)
{
	return av_elf_parse(b, len, RAMB, RAMS, opts, ops, n, info);
}

static void test_elf_good(void **state)
{
	uint8_t b[0x400];
	struct av_load_op ops[8];
	struct av_elf_info info;
	struct ram m = { RAMB, NULL, RAMS, 0, 0 };
	(void)state;

	mk_elf(b, sizeof(b));
	assert_int_equal(elf(b, sizeof(b), 0, ops, 8, &info), 0);
	assert_int_equal(info.entry, RAMB + 0x80010); /* translated to the load address */
	assert_int_equal(info.low, RAMB + 0x80000);
	assert_int_equal(info.high, RAMB + 0x101000);
	assert_int_equal(info.nops, 3);
	assert_int_equal(ops[0].kind, AV_LOAD_COPY);
	assert_int_equal(ops[0].dst, RAMB + 0x80000);
	assert_int_equal(ops[0].src, 0x200);
	assert_int_equal(ops[0].len, 0x100);
	assert_int_equal(ops[1].kind, AV_LOAD_COPY);
	assert_int_equal(ops[1].dst, RAMB + 0x100000);
	assert_int_equal(ops[1].src, 0x300);
	assert_int_equal(ops[1].len, 0x40);
	assert_int_equal(ops[2].kind, AV_LOAD_ZERO);
	assert_int_equal(ops[2].dst, RAMB + 0x100040);
	assert_int_equal(ops[2].len, 0x1000 - 0x40);

	m.mem = malloc(m.size);
	assert_non_null(m.mem);
	memset(m.mem, 0xee, m.size);
	assert_int_equal(av_boot_apply(b, sizeof(b), ops, info.nops, ram_copy, &m), 0);
	assert_memory_equal(m.mem + 0x80000, b + 0x200, 0x100);
	assert_memory_equal(m.mem + 0x100000, b + 0x300, 0x40);
	for (int i = 0x40; i < 0x1000; i++)
		assert_int_equal(m.mem[0x100000 + i], 0);
	assert_int_equal(m.mem[0x101000], 0xee);
	/* apply: callback failure stops, out-of-file copy and bad kinds are refused. */
	m.calls = 0;
	m.fail_at = 2;
	assert_int_equal(av_boot_apply(b, sizeof(b), ops, info.nops, ram_copy, &m), -AV_EIO);
	assert_int_equal(m.calls, 2);
	ops[0].src = sizeof(b) - 0x10;
	assert_int_equal(av_boot_apply(b, sizeof(b), ops, 1, ram_copy, &m), -AV_EINVAL);
	ops[0].src = 0;
	ops[0].kind = (enum av_load_kind)5;
	assert_int_equal(av_boot_apply(b, sizeof(b), ops, 1, ram_copy, &m), -AV_EINVAL);
	assert_int_equal(av_boot_apply(b, sizeof(b), NULL, 1, ram_copy, &m), -AV_EINVAL);
	assert_int_equal(av_boot_apply(b, sizeof(b), ops, 0, NULL, &m), -AV_EINVAL);
	free(m.mem);

	/* Too few op slots: ENOSPC with the count needed; counting with no array. */
	assert_int_equal(elf(b, sizeof(b), 0, ops, 2, &info), -AV_ENOSPC);
	assert_int_equal(info.nops, 3);
	assert_int_equal(elf(b, sizeof(b), 0, NULL, 0, &info), -AV_ENOSPC);
	assert_int_equal(info.nops, 3);
	/* Placing by p_vaddr puts the segments outside RAM. */
	assert_int_equal(elf(b, sizeof(b), AV_ELF_USE_VADDR, ops, 8, &info), -AV_ERANGE);
	/* Argument errors. */
	assert_int_equal(elf(NULL, sizeof(b), 0, ops, 8, &info), -AV_EINVAL);
	assert_int_equal(elf(b, sizeof(b), 0, ops, 8, NULL), -AV_EINVAL);
	assert_int_equal(elf(b, sizeof(b), 0, NULL, 8, &info), -AV_EINVAL);
	assert_int_equal(elf(b, sizeof(b), 0x8, ops, 8, &info), -AV_EINVAL);
	assert_int_equal(av_elf_parse(b, sizeof(b), RAMB, 0, 0, ops, 8, &info), -AV_EINVAL);
	assert_int_equal(av_elf_parse(b, sizeof(b), UINT64_MAX, 2, 0, ops, 8, &info), -AV_EINVAL);
}

static void test_elf_vaddr(void **state)
{
	uint8_t b[0x400];
	struct av_load_op ops[4];
	struct av_elf_info info;
	(void)state;

	/* Identity-mapped bare-metal image: vaddr == paddr, placed by vaddr. */
	memset(b, 0, sizeof(b));
	mk_ehdr(b, RAMB + 0x1000, 64, 1);
	mk_phdr(b + 64, 1, 0x100, RAMB + 0x1000, 0x0, 0x80, 0x80);
	assert_int_equal(elf(b, sizeof(b), AV_ELF_USE_VADDR, ops, 4, &info), 0);
	assert_int_equal(info.entry, RAMB + 0x1000);
	assert_int_equal(ops[0].dst, RAMB + 0x1000);
	/* By paddr (0) it is outside RAM. */
	assert_int_equal(elf(b, sizeof(b), 0, ops, 4, &info), -AV_ERANGE);
}

/* Apply @mut to a fresh good ELF and expect @want. */
#define ELF_EXPECT(want, ...)                                                    \
	do {                                                                     \
		mk_elf(b, sizeof(b));                                            \
		__VA_ARGS__;                                                     \
		assert_int_equal(elf(b, sizeof(b), 0, ops, 8, &info), (want));   \
	} while (0)

static void test_elf_corrupt(void **state)
{
	uint8_t b[0x400];
	struct av_load_op ops[8];
	struct av_elf_info info;
	(void)state;

	ELF_EXPECT(0, (void)0);
	/* Truncated: shorter than the header, the program headers, a segment's data. */
	mk_elf(b, sizeof(b));
	assert_int_equal(elf(b, 63, 0, ops, 8, &info), -AV_EBADIMG);
	assert_int_equal(elf(b, 64 + 3 * 56, 0, ops, 8, &info), -AV_EBADIMG);
	assert_int_equal(elf(b, 0x300 + 0x3f, 0, ops, 8, &info), -AV_EBADIMG);
	/* Identification. */
	ELF_EXPECT(-AV_EBADIMG, b[0] = 0x7e);
	ELF_EXPECT(-AV_EBADIMG, b[3] = 'G');
	ELF_EXPECT(-AV_ENOTSUP, b[4] = 1);       /* ELFCLASS32 */
	ELF_EXPECT(-AV_EBADIMG, b[4] = 3);       /* no such class */
	ELF_EXPECT(-AV_ENOTSUP, b[5] = 2);       /* big-endian */
	ELF_EXPECT(-AV_EBADIMG, b[5] = 0);
	ELF_EXPECT(-AV_EBADIMG, b[6] = 0);       /* EI_VERSION */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 20, 2, 4));   /* e_version */
	ELF_EXPECT(-AV_ENOTSUP, put_le(b + 18, 62, 2));  /* EM_X86_64 */
	ELF_EXPECT(-AV_ENOTSUP, put_le(b + 18, 40, 2));  /* EM_ARM */
	ELF_EXPECT(-AV_ENOTSUP, put_le(b + 16, 3, 2));   /* ET_DYN */
	ELF_EXPECT(-AV_ENOTSUP, put_le(b + 16, 1, 2));   /* ET_REL */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 52, 52, 2));  /* e_ehsize */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 54, 32, 2));  /* e_phentsize of ELF32 */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 56, 0, 2));   /* no program headers */
	ELF_EXPECT(-AV_ENOTSUP, put_le(b + 56, 0xffff, 2)); /* PN_XNUM */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 32, UINT64_MAX - 8, 8)); /* e_phoff overflow */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 32, 0x3f0, 8));          /* e_phoff past the end */
	/* Segments. */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64 + 32, 0x101, 8));            /* filesz > memsz */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64 + 8, UINT64_MAX - 0x10, 8)); /* offset overflow */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64 + 8, 0x380, 8));             /* data past EOF */
	ELF_EXPECT(-AV_ERANGE, put_le(b + 64 + 24, 0x1000, 8));            /* below RAM */
	ELF_EXPECT(-AV_ERANGE, put_le(b + 64 + 24, RAMB + RAMS - 0x80, 8)); /* straddles end */
	ELF_EXPECT(-AV_ERANGE, put_le(b + 64 + 24, RAMB + RAMS, 8));       /* just past */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64 + 24, UINT64_MAX - 0x10, 8)); /* wraps */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64 + 112 + 24, RAMB + 0x800ff, 8)); /* overlap */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64 + 112 + 24, RAMB + 0x7ff01, 8)); /* overlap */
	ELF_EXPECT(0, put_le(b + 64 + 112 + 24, RAMB + 0x80100, 8));            /* adjacent */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 24, VBASE + 0x80100, 8));      /* entry outside */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 24, 0, 8));
	ELF_EXPECT(0, put_le(b + 24, VBASE + 0x100ffc, 8));               /* entry in bss */
	/* No loadable segment at all. */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 64, 6, 4); put_le(b + 64 + 112, 6, 4));
	/* Oversized counts are checked before use (no read past the buffer under ASan). */
	ELF_EXPECT(-AV_EBADIMG, put_le(b + 56, 0xfffe, 2));
}

static void test_elf_many_segments(void **state)
{
	size_t n = 300, len = 64 + n * 56;
	uint8_t *b = calloc(1, len);
	struct av_elf_info info;
	(void)state;

	assert_non_null(b);
	mk_ehdr(b, RAMB, 64, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		mk_phdr(b + 64 + i * 56, 1, 0, RAMB + i * 0x100, RAMB + i * 0x100, 0, 0x100);
	/* More loadable segments than the loader accepts. */
	assert_int_equal(av_elf_parse(b, len, RAMB, RAMS, 0, NULL, 0, &info), -AV_ENOTSUP);
	/* 256 are fine. */
	put_le(b + 56, 256, 2);
	assert_int_equal(av_elf_parse(b, 64 + 256 * 56, RAMB, RAMS, 0, NULL, 0, &info),
			 -AV_ENOSPC);
	assert_int_equal(info.nops, 256);
	free(b);
}

/* ---- any format: av_boot_detect / av_boot_prepare / av_boot_load ---- */

static void test_detect(void **state)
{
	uint8_t b[0x400];
	(void)state;

	mk_image(b, sizeof(b), 0x80000, MiB, 0x2);
	assert_int_equal(av_boot_detect(b, sizeof(b)), AV_BOOT_FMT_IMAGE);
	assert_int_equal(av_boot_detect(b, 64), AV_BOOT_FMT_IMAGE);
	/* The magic needs the whole header: a truncated Image is a raw binary (as kvmtool). */
	assert_int_equal(av_boot_detect(b, 63), AV_BOOT_FMT_RAW);
	b[56] = 'B';
	assert_int_equal(av_boot_detect(b, sizeof(b)), AV_BOOT_FMT_RAW);
	mk_elf(b, sizeof(b));
	assert_int_equal(av_boot_detect(b, sizeof(b)), AV_BOOT_FMT_ELF);
	/* However short, a file with the ELF magic is ELF (and then refused), never code. */
	assert_int_equal(av_boot_detect(b, 4), AV_BOOT_FMT_ELF);
	assert_int_equal(av_boot_detect(b, 1), AV_BOOT_FMT_ELF);
	b[1] = 'e';
	assert_int_equal(av_boot_detect(b, sizeof(b)), AV_BOOT_FMT_RAW);
	memset(b, 0, sizeof(b));
	put_le(b, 0x14000010, 4); /* b #0x40: a typical bare-metal vector */
	assert_int_equal(av_boot_detect(b, 4), AV_BOOT_FMT_RAW);
	assert_int_equal(av_boot_detect(b, 1), AV_BOOT_FMT_RAW);
	assert_int_equal(av_boot_detect(b, 0), AV_BOOT_FMT_NONE);
	assert_int_equal(av_boot_detect(NULL, 16), AV_BOOT_FMT_NONE);
	/* A file that starts with an Image header and carries the ELF magic: the Image wins. */
	mk_image(b, sizeof(b), 0, MiB, 0);
	memcpy(b, "\x7f" "ELF", 4);
	assert_int_equal(av_boot_detect(b, sizeof(b)), AV_BOOT_FMT_IMAGE);

	assert_string_equal(av_boot_format_name(AV_BOOT_FMT_RAW),
			    "raw binary (no arm64 Image header)");
	assert_string_equal(av_boot_format_name(AV_BOOT_FMT_IMAGE), "arm64 Image");
	assert_string_equal(av_boot_format_name(AV_BOOT_FMT_ELF), "ELF64 AArch64 executable");
	assert_non_null(av_boot_format_name((enum av_boot_format)77));
}

/* A raw binary: RAM + 0x80000, file-sized, entered at its first byte, x0 = DTB. */
static void test_prepare_raw(void **state)
{
	static uint8_t raw[5000];
	struct av_boot_req r = req(0x40000000, 16 * MiB, 0x10000, 0x3000);
	struct av_boot_kernel k;
	struct av_boot_layout l;
	struct ram m = { 0x40000000, NULL, 16 * MiB, 0, 0 };
	struct av_regs regs;
	(void)state;

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 13 + 1);
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), 0);
	assert_null(k.error);
	assert_int_equal(k.format, AV_BOOT_FMT_RAW);
	assert_int_equal(AV_BOOT_RAW_OFFSET, 0x80000);
	assert_int_equal(l.kernel_base, 0x40000000);
	assert_int_equal(l.kernel_addr, 0x40080000);
	assert_int_equal(l.entry, 0x40080000);
	assert_int_equal(l.kernel_size, sizeof(raw));
	/* DTB at the top, initrd below it: away from the file and what may follow it. */
	assert_int_equal(l.dtb_addr, 0x41000000 - 0x10000);
	assert_int_equal(l.initrd_addr, 0x41000000 - 0x10000 - 0x3000);
	m.mem = calloc(1, m.size);
	assert_non_null(m.mem);
	assert_int_equal(av_boot_load(&k, &l, ram_copy, &m), 0);
	assert_int_equal(m.calls, 1);
	assert_memory_equal(m.mem + 0x80000, raw, sizeof(raw));
	assert_int_equal(m.mem[0x80000 + sizeof(raw)], 0);
	m.fail_at = m.calls + 1;
	assert_int_equal(av_boot_load(&k, &l, ram_copy, &m), -AV_EIO);
	free(m.mem);
	assert_int_equal(av_boot_linux_regs(&regs, &l), 0);
	assert_int_equal(regs.pc, 0x40080000);
	assert_int_equal(regs.x[0], l.dtb_addr);

	/* The offset is from the RAM base itself, aligned or not. */
	r = req(0x40010000, 16 * MiB, 0x10000, 0);
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), 0);
	assert_int_equal(l.kernel_addr, 0x40090000);

	/* Exactly filling RAM above the offset: the DTB goes below the file; one byte more
	 * does not fit at all; RAM no larger than the offset holds nothing. */
	r = req(0x40000000, 0x80000 + sizeof(raw), 0x1000, 0);
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), 0);
	assert_true(l.dtb_addr + l.dtb_size <= 0x40080000);
	r = req(0x40000000, 0x80000 + sizeof(raw) - 1, 0x1000, 0);
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), -AV_ENOSPC);
	assert_string_equal(k.error, "the kernel, the DTB and the initrd do not fit in guest RAM");
	r = req(0x40000000, 0x80000, 0x1000, 0);
	assert_int_equal(av_boot_prepare(raw, 1, 0, &r, &k, &l), -AV_ENOSPC);
	/* ... unless the DTB does not fit there either. */
	r = req(0x40000000, 0x80000 + sizeof(raw), 0x80000 + 8, 0);
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), -AV_ENOSPC);
	/* An explicit DTB inside the file is refused. */
	r = req(0x40000000, 16 * MiB, 0x1000, 0);
	r.dtb_addr = 0x40081000;
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), -AV_EEXIST);
	assert_string_equal(k.error, "the kernel overlaps the DTB or the initrd");
	/* Only an Image takes a kernel base. */
	r = req(0x40000000, 16 * MiB, 0x1000, 0);
	r.kernel_base = 0x40200000;
	assert_int_equal(av_boot_prepare(raw, sizeof(raw), 0, &r, &k, &l), -AV_EINVAL);
	assert_non_null(k.error);
}

static void test_prepare_image(void **state)
{
	static uint8_t img[8192];
	struct av_boot_req r = req(0x40000000, 64 * MiB, 0x10000, 0);
	struct av_image_info info;
	struct av_boot_kernel k;
	struct av_boot_layout l, l2;
	struct ram m = { 0x40000000, NULL, 64 * MiB, 0, 0 };
	(void)state;

	/* The same result as av_image_parse() + av_boot_place(). */
	mk_image(img, sizeof(img), 0x80000, 4 * MiB, 0xa);
	assert_int_equal(av_boot_prepare(img, sizeof(img), 0, &r, &k, &l), 0);
	assert_int_equal(k.format, AV_BOOT_FMT_IMAGE);
	assert_int_equal(av_image_parse(img, sizeof(img), 0, &info), 0);
	assert_int_equal(av_boot_place(&info, &r, &l2), 0);
	assert_memory_equal(&l, &l2, sizeof(l));
	assert_int_equal(k.image.image_size, 4 * MiB);
	m.mem = calloc(1, m.size);
	assert_non_null(m.mem);
	assert_int_equal(av_boot_load(&k, &l, ram_copy, &m), 0);
	assert_memory_equal(m.mem + 0x80000, img, sizeof(img));
	free(m.mem);
	/* An explicit base is honoured for an Image. */
	r.kernel_base = 0x40400000;
	assert_int_equal(av_boot_prepare(img, sizeof(img), 0, &r, &k, &l), 0);
	assert_int_equal(l.kernel_addr, 0x40480000);
	r.kernel_base = AV_BOOT_ADDR_AUTO;
	/* Bad headers and big-endian kernels, with their phrase. */
	mk_image(img, sizeof(img), 0x80000, 4096, 0x2); /* image_size below the file size */
	assert_int_equal(av_boot_prepare(img, sizeof(img), 0, &r, &k, &l), -AV_EBADIMG);
	assert_non_null(k.error);
	mk_image(img, sizeof(img), 0x80000, 4 * MiB, 0x3);
	assert_int_equal(av_boot_prepare(img, sizeof(img), 0, &r, &k, &l), -AV_ENOTSUP);
	assert_string_equal(k.error, "big-endian arm64 Image");
	assert_int_equal(av_boot_prepare(img, sizeof(img), AV_BOOT_ALLOW_BE, &r, &k, &l), 0);
	/* Too big for RAM. */
	mk_image(img, sizeof(img), 0x80000, 64 * MiB, 0x2);
	assert_int_equal(av_boot_prepare(img, sizeof(img), 0, &r, &k, &l), -AV_ENOSPC);
	assert_string_equal(k.error, "the kernel, the DTB and the initrd do not fit in guest RAM");
}

/* An ELF file through the one entry point: segments, entry, DTB and initrd around them. */
static void test_prepare_elf(void **state)
{
	uint8_t b[0x400];
	struct av_boot_req r = req(RAMB, RAMS, 0x1000, 0x2000);
	struct av_boot_kernel k;
	struct av_boot_layout l;
	struct ram m = { RAMB, NULL, RAMS, 0, 0 };
	struct av_regs regs;
	(void)state;

	mk_elf(b, sizeof(b));
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), 0);
	assert_null(k.error);
	assert_int_equal(k.format, AV_BOOT_FMT_ELF);
	assert_int_equal(l.entry, RAMB + 0x80010);
	assert_int_equal(l.kernel_addr, RAMB + 0x80000);
	assert_int_equal(l.kernel_size, 0x101000 - 0x80000);
	assert_int_equal(k.elf.nops, 3);
	assert_false(ovl(l.dtb_addr, l.dtb_size, l.kernel_addr, l.kernel_size));
	assert_false(ovl(l.initrd_addr, l.initrd_size, l.kernel_addr, l.kernel_size));
	assert_false(ovl(l.initrd_addr, l.initrd_size, l.dtb_addr, l.dtb_size));
	assert_true(l.dtb_addr >= RAMB && l.dtb_addr + l.dtb_size <= RAMB + RAMS);

	m.mem = malloc(m.size);
	assert_non_null(m.mem);
	memset(m.mem, 0xee, m.size);
	assert_int_equal(av_boot_load(&k, &l, ram_copy, &m), 0);
	assert_int_equal(m.calls, 3);
	assert_memory_equal(m.mem + 0x80000, b + 0x200, 0x100);
	assert_memory_equal(m.mem + 0x100000, b + 0x300, 0x40);
	for (int i = 0x40; i < 0x1000; i++)
		assert_int_equal(m.mem[0x100000 + i], 0);
	assert_int_equal(m.mem[0x101000], 0xee); /* nothing past p_memsz */
	assert_int_equal(m.mem[0x80100], 0xee);  /* nor in the gap between segments */
	m.calls = 0;
	m.fail_at = 2;
	assert_int_equal(av_boot_load(&k, &l, ram_copy, &m), -AV_EIO);
	assert_int_equal(m.calls, 2);
	free(m.mem);
	assert_int_equal(av_boot_linux_regs(&regs, &l), 0);
	assert_int_equal(regs.pc, RAMB + 0x80010);
	assert_int_equal(regs.x[0], l.dtb_addr);

	/* Placed by p_vaddr on request: there these segments are outside RAM. */
	assert_int_equal(av_boot_prepare(b, sizeof(b), AV_BOOT_ELF_VADDR, &r, &k, &l), -AV_ERANGE);
	assert_string_equal(k.error, "ELF segment outside guest RAM");
	/* An explicit DTB over a segment, an initrd inside the span: refused. */
	r.dtb_addr = RAMB + 0x100800;
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), -AV_EEXIST);
	assert_string_equal(k.error, "the kernel overlaps the DTB or the initrd");
	r.dtb_addr = AV_BOOT_ADDR_AUTO;
	r.initrd_addr = RAMB + 0x90000;
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), -AV_EEXIST);
	r.initrd_addr = AV_BOOT_ADDR_AUTO;
	/* Segments up to the top of RAM leave no room for the DTB. */
	put_le(b + 64 + 112 + 24, RAMB + RAMS - 0x1000, 8);
	r = req(RAMB, RAMS, 0x1000, 0);
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), 0);
	assert_true(l.dtb_addr < RAMB + 0x80000);
	r = req(RAMB, RAMS, 0x90000, 0);
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), -AV_ENOSPC);
	/* Only an Image takes a kernel base. */
	mk_elf(b, sizeof(b));
	r = req(RAMB, RAMS, 0x1000, 0);
	r.kernel_base = RAMB;
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), -AV_EINVAL);
}

/* Mutate a good ELF, expect @want and k.error to contain @phrase. */
#define PREP_EXPECT(want, phrase, ...)                                                   \
	do {                                                                             \
		mk_elf(b, sizeof(b));                                                    \
		__VA_ARGS__;                                                             \
		assert_int_equal(av_boot_prepare(b, len, 0, &r, &k, &l), (want));        \
		assert_non_null(k.error);                                                \
		assert_non_null(strstr(k.error, (phrase)));                              \
		len = sizeof(b);                                                         \
	} while (0)

/* Hostile ELF headers through the one entry point: each refused with its own phrase. */
static void test_prepare_elf_hostile(void **state)
{
	uint8_t b[0x400];
	size_t len = sizeof(b);
	struct av_boot_req r = req(RAMB, RAMS, 0x1000, 0);
	struct av_boot_kernel k;
	struct av_boot_layout l;
	(void)state;

	PREP_EXPECT(-AV_EBADIMG, "shorter than the 64-byte", len = 63);
	PREP_EXPECT(-AV_EBADIMG, "shorter than the 64-byte", len = 3);
	PREP_EXPECT(-AV_EBADIMG, "program header table past the end", len = 64 + 2 * 56);
	PREP_EXPECT(-AV_EBADIMG, "segment data past the end", len = 0x300 + 0x20);
	PREP_EXPECT(-AV_ENOTSUP, "32-bit ELF", b[4] = 1);
	PREP_EXPECT(-AV_ENOTSUP, "big-endian ELF", b[5] = 2);
	PREP_EXPECT(-AV_ENOTSUP, "another machine", put_le(b + 18, 62, 2));  /* x86-64 */
	PREP_EXPECT(-AV_ENOTSUP, "another machine", put_le(b + 18, 40, 2));  /* 32-bit Arm */
	PREP_EXPECT(-AV_ENOTSUP, "not an executable", put_le(b + 16, 3, 2)); /* ET_DYN */
	PREP_EXPECT(-AV_EBADIMG, "version", put_le(b + 20, 0, 4));
	/* phnum huge: PN_XNUM, then the largest ordinary count with a table past the file. */
	PREP_EXPECT(-AV_ENOTSUP, "PN_XNUM", put_le(b + 56, 0xffff, 2));
	PREP_EXPECT(-AV_EBADIMG, "program header table past the end", put_le(b + 56, 0xfffe, 2));
	PREP_EXPECT(-AV_EBADIMG, "program header table past the end",
		    put_le(b + 32, UINT64_MAX - 100, 8));
	PREP_EXPECT(-AV_EBADIMG, "without program headers", put_le(b + 56, 0, 2));
	/* Offsets past EOF, also ones that would wrap when added to the size. */
	PREP_EXPECT(-AV_EBADIMG, "segment data past the end", put_le(b + 64 + 8, 0x3c1, 8));
	PREP_EXPECT(-AV_EBADIMG, "segment data past the end",
		    put_le(b + 64 + 8, UINT64_MAX - 0x80, 8));
	PREP_EXPECT(-AV_EBADIMG, "segment data past the end",
		    put_le(b + 64 + 112 + 32, UINT64_MAX, 8); put_le(b + 64 + 112 + 40, UINT64_MAX, 8));
	/* p_filesz > p_memsz. */
	PREP_EXPECT(-AV_EBADIMG, "p_filesz > p_memsz", put_le(b + 64 + 32, 0x101, 8));
	/* Overlapping segments (partly, fully, the same range twice). */
	PREP_EXPECT(-AV_EBADIMG, "overlapping", put_le(b + 64 + 112 + 24, RAMB + 0x800f0, 8));
	PREP_EXPECT(-AV_EBADIMG, "overlapping", put_le(b + 64 + 112 + 24, RAMB + 0x7f001, 8));
	PREP_EXPECT(-AV_EBADIMG, "overlapping", put_le(b + 64 + 112 + 24, RAMB + 0x80000, 8));
	/* Segments outside RAM: below, straddling the end, wrapping. */
	PREP_EXPECT(-AV_ERANGE, "outside guest RAM", put_le(b + 64 + 24, 0x80000, 8));
	PREP_EXPECT(-AV_ERANGE, "outside guest RAM", put_le(b + 64 + 24, RAMB + RAMS - 0x10, 8));
	PREP_EXPECT(-AV_EBADIMG, "wraps", put_le(b + 64 + 24, UINT64_MAX - 0x10, 8));
	/* Too big for RAM: a BSS larger than RAM. */
	PREP_EXPECT(-AV_ERANGE, "outside guest RAM", put_le(b + 64 + 112 + 40, 4 * RAMS, 8));
	/* Entry outside, nothing loadable. */
	PREP_EXPECT(-AV_EBADIMG, "entry point", put_le(b + 24, VBASE + 0x200000, 8));
	PREP_EXPECT(-AV_EBADIMG, "loadable", put_le(b + 64, 6, 4); put_le(b + 64 + 112, 6, 4));

	/* Empty file, bad arguments. */
	assert_int_equal(av_boot_prepare(b, 0, 0, &r, &k, &l), -AV_EBADIMG);
	assert_string_equal(k.error, "empty file");
	assert_int_equal(k.format, AV_BOOT_FMT_NONE);
	assert_int_equal(av_boot_prepare(NULL, 10, 0, &r, &k, &l), -AV_EINVAL);
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, NULL, &k, &l), -AV_EINVAL);
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, NULL, &l), -AV_EINVAL);
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, NULL), -AV_EINVAL);
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0x10, &r, &k, &l), -AV_EINVAL);
	r.dtb_size = 0;
	assert_int_equal(av_boot_prepare(b, sizeof(b), 0, &r, &k, &l), -AV_EINVAL);
	memset(&k, 0, sizeof(k));
	assert_int_equal(av_boot_load(&k, &l, ram_copy, NULL), -AV_EINVAL);
	assert_int_equal(av_boot_load(NULL, &l, ram_copy, NULL), -AV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_parse),
		cmocka_unit_test(test_place_basic),
		cmocka_unit_test(test_place_kernel_base),
		cmocka_unit_test(test_place_errors),
		cmocka_unit_test(test_place_explicit),
		cmocka_unit_test(test_place_initrd_window),
		cmocka_unit_test(test_place_sweep),
		cmocka_unit_test(test_image_load_and_regs),
		cmocka_unit_test(test_elf_good),
		cmocka_unit_test(test_elf_vaddr),
		cmocka_unit_test(test_elf_corrupt),
		cmocka_unit_test(test_elf_many_segments),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_prepare_raw),
		cmocka_unit_test(test_prepare_image),
		cmocka_unit_test(test_prepare_elf),
		cmocka_unit_test(test_prepare_elf_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
