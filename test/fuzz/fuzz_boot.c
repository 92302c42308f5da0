/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for kernel files of any format (boot.h): av_boot_prepare() and
 * av_boot_load() on untrusted bytes.
 *
 * Input: one byte choosing the request (RAM size, DTB size, an initrd or not), then the
 * kernel file, copied into a buffer of exactly its size (ASan catches any read past it).
 * Invariants checked (a violation traps):
 *  - av_boot_detect() agrees with the format av_boot_prepare() reports;
 *  - a failure leaves a non-NULL error phrase, a success none;
 *  - on success the kernel span, the DTB and the initrd lie inside RAM and do not overlap,
 *    the entry is inside the kernel span, a raw file is at RAM + 0x80000;
 *  - av_boot_load() only writes inside the kernel span and only reads inside the file,
 *    and the bytes it copies or zeroes add up to what the format says.
 */
#include <armvirt/boot.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define RAM_BASE 0x40000000ull

struct sink {
	const uint8_t *file;
	size_t len;
	uint64_t lo, hi;     /* kernel span */
	uint64_t copied, zeroed;
};

static int sink_copy(void *cookie, uint64_t dst, const void *src, uint64_t len)
{
	struct sink *s = cookie;
	const uint8_t *p = src;

	CHECK(dst >= s->lo && len <= s->hi - s->lo && dst - s->lo <= s->hi - s->lo - len);
	if (p) {
		CHECK(p >= s->file && len <= s->len && (size_t)(p - s->file) <= s->len - len);
		s->copied += len;
	} else {
		s->zeroed += len;
	}
	return 0;
}

static int disjoint(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return !as || !bs || a + as <= b || b + bs <= a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_boot_req req;
	struct av_boot_kernel k;
	struct av_boot_layout l;
	struct sink s;
	uint8_t *file;
	uint64_t ram_end;
	int rc;

	if (size < 1)
		return 0;
	req = (struct av_boot_req){
		.ram_base = RAM_BASE,
		.ram_size = (data[0] & 3) == 3 ? 0x80000 + 0x2000 : (1ull << (20 + (data[0] & 3))),
		.kernel_base = AV_BOOT_ADDR_AUTO,
		.dtb_size = (data[0] & 4) ? 0x1000 : 0x10000,
		.dtb_addr = AV_BOOT_ADDR_AUTO,
		.initrd_size = (data[0] & 8) ? 0x3000 : 0,
		.initrd_addr = AV_BOOT_ADDR_AUTO,
	};
	ram_end = req.ram_base + req.ram_size;
	size--;
	file = malloc(size ? size : 1);
	CHECK(file);
	memcpy(file, data + 1, size);

	rc = av_boot_prepare(file, size, (data[0] & 16) ? AV_BOOT_ELF_VADDR : 0, &req, &k, &l);
	CHECK(k.format == av_boot_detect(file, size));
	if (rc) {
		CHECK(rc < 0 && k.error != NULL);
		free(file);
		return 0;
	}
	CHECK(k.error == NULL);
	CHECK(k.format != AV_BOOT_FMT_NONE);
	CHECK(l.kernel_addr >= req.ram_base && l.kernel_size <= ram_end - l.kernel_addr);
	CHECK(l.entry >= l.kernel_addr && l.entry - l.kernel_addr < l.kernel_size);
	CHECK(l.dtb_addr >= req.ram_base && l.dtb_size == req.dtb_size &&
	      l.dtb_addr + l.dtb_size <= ram_end);
	CHECK(disjoint(l.dtb_addr, l.dtb_size, l.kernel_addr, l.kernel_size));
	if (req.initrd_size) {
		CHECK(l.initrd_addr >= req.ram_base && l.initrd_addr + l.initrd_size <= ram_end);
		CHECK(disjoint(l.initrd_addr, l.initrd_size, l.kernel_addr, l.kernel_size));
		CHECK(disjoint(l.initrd_addr, l.initrd_size, l.dtb_addr, l.dtb_size));
	}
	if (k.format == AV_BOOT_FMT_RAW)
		CHECK(l.kernel_addr == RAM_BASE + AV_BOOT_RAW_OFFSET && l.kernel_size == size);

	s = (struct sink){ file, size, l.kernel_addr, l.kernel_addr + l.kernel_size, 0, 0 };
	CHECK(av_boot_load(&k, &l, sink_copy, &s) == 0);
	if (k.format == AV_BOOT_FMT_ELF)
		CHECK(s.copied + s.zeroed <= l.kernel_size);
	else
		CHECK(s.copied == size && s.zeroed == 0);
	free(file);
	return 0;
}
