// SPDX-License-Identifier: MIT
/* The KVM port's software stage-1 walker against tables built in a fake guest memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <armvirt/port/s1walk.h>

#define MEM_BASE 0x80000000ull
#define MEM_SIZE (4u << 20)

static uint8_t mem[MEM_SIZE] __attribute__((aligned(65536)));
static uint64_t next_table;
static unsigned reads;

static int read_desc(void *cookie, uint64_t ipa, uint64_t *desc)
{
	(void)cookie;
	reads++;
	if (ipa < MEM_BASE || ipa - MEM_BASE + 8 > MEM_SIZE || (ipa & 7))
		return -AV_EIO;
	memcpy(desc, mem + (ipa - MEM_BASE), 8);
	return 0;
}

static uint64_t alloc_table(unsigned g)
{
	uint64_t t = next_table;
	next_table += 1ull << g;
	assert_true(next_table - MEM_BASE <= MEM_SIZE);
	return t;
}

static void put_desc(uint64_t ipa, uint64_t desc)
{
	memcpy(mem + (ipa - MEM_BASE), &desc, 8);
}

static uint64_t get_desc(uint64_t ipa)
{
	uint64_t d;
	memcpy(&d, mem + (ipa - MEM_BASE), 8);
	return d;
}

static void reset_mem(void)
{
	memset(mem, 0, sizeof(mem));
	next_table = MEM_BASE;
	reads = 0;
}

/*
 * Map @va -> @oa with a leaf at @leaf_level under the root @root (granule 2^@g, VA size
 * @n bits), allocating intermediate tables as needed.
 */
static void map(uint64_t root, unsigned g, unsigned n, uint64_t va, uint64_t oa, int leaf_level)
{
	unsigned stride = g - 3;
	unsigned levels = (n - g + stride - 1) / stride;
	int level = 4 - (int)levels;
	unsigned shift = g + stride * (unsigned)(3 - level);
	unsigned bits = n - shift;
	uint64_t table = root;
	for (;;) {
		uint64_t idx = (va >> shift) & ((1ull << bits) - 1);
		uint64_t slot = table + idx * 8;
		if (level == leaf_level) {
			uint64_t type = level == 3 ? 3 : 1;
			put_desc(slot, (oa & ~((1ull << shift) - 1)) | (1ull << 10) | type);
			return;
		}
		uint64_t d = get_desc(slot);
		if (!(d & 1)) {
			d = alloc_table(g) | 3;
			put_desc(slot, d);
		}
		table = d & AV_GENMASK(47, g);
		level++;
		shift -= stride;
		bits = stride;
	}
}

static uint64_t tcr0(unsigned tsz, unsigned tg0)
{
	return (uint64_t)tsz | ((uint64_t)tg0 << 14) | AV_S1_TCR_EPD1;
}

static uint64_t tcr1(unsigned tsz, unsigned tg1)
{
	return ((uint64_t)tsz << 16) | ((uint64_t)tg1 << 30) | AV_S1_TCR_EPD0;
}

static void test_mmu_off(void **state)
{
	(void)state;
	struct av_s1_regs r = { 0 };
	struct av_s1_result out;
	reset_mem();
	assert_int_equal(av_s1_walk(&r, 0x40080123, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x40080123);
	assert_int_equal(out.level, -1);
	assert_int_equal(reads, 0);
}

static void test_4k_48bit_page(void **state)
{
	(void)state;
	reset_mem();
	uint64_t root = alloc_table(12);
	uint64_t va = 0x0000123456789abcull;
	map(root, 12, 48, va, 0x7654321000ull, 3);
	struct av_s1_regs r = { .sctlr = 1, .tcr = tcr0(16, 0), .ttbr0 = root | 1 /* CnP */ };
	struct av_s1_result out;
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x7654321abcull);
	assert_int_equal(out.level, 3);
	assert_int_equal(out.size, 4096);
	assert_int_equal(out.granule, 12);
	assert_int_equal(reads, 4);
}

static void test_4k_48bit_linux_kernel_va(void **state)
{
	(void)state;
	reset_mem();
	uint64_t root = alloc_table(12);
	uint64_t va = 0xffff800008010040ull; /* a kernel text address */
	map(root, 12, 48, va, 0x40210000ull, 3);
	struct av_s1_regs r = { .sctlr = 1, .tcr = tcr1(16, 2),
				.ttbr1 = root };
	struct av_s1_result out;
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x40210040ull);
	assert_int_equal(out.level, 3);
}

static void test_4k_39bit_blocks(void **state)
{
	(void)state;
	reset_mem();
	uint64_t root = alloc_table(12);
	uint64_t va1 = 0xffffff8000080000ull; /* TTBR1, level-1 block */
	uint64_t va2 = 0xffffff8049000fe0ull; /* TTBR1, level-2 block */
	map(root, 12, 39, va1, 0x40000000ull, 1);
	map(root, 12, 39, va2, 0x09000000ull, 2);
	struct av_s1_regs r = { .sctlr = 1, .tcr = tcr1(25, 2), .ttbr1 = root };
	struct av_s1_result out;
	assert_int_equal(av_s1_walk(&r, va1, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x40080000ull);
	assert_int_equal(out.level, 1);
	assert_int_equal(out.size, 1ull << 30);
	assert_int_equal(av_s1_walk(&r, va2, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x09000fe0ull);
	assert_int_equal(out.level, 2);
	assert_int_equal(out.size, 2ull << 20);
}

static void test_64k_and_16k(void **state)
{
	(void)state;
	struct av_s1_result out;

	reset_mem();
	uint64_t root = alloc_table(16);
	uint64_t va = 0x000002abcdef1234ull; /* 42-bit VA: levels 2, 3 */
	map(root, 16, 42, va, 0x1230000ull, 3);
	struct av_s1_regs r = { .sctlr = 1, .tcr = tcr0(22, 1), .ttbr0 = root };
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x1231234ull);
	assert_int_equal(out.level, 3);
	assert_int_equal(out.granule, 16);
	assert_int_equal(reads, 2);

	reset_mem();
	root = alloc_table(14);
	va = 0x00007fffdeadbeefull; /* 47-bit VA: levels 1..3 */
	map(root, 14, 47, va, 0x55554000ull, 3);
	r = (struct av_s1_regs){ .sctlr = 1, .tcr = tcr0(17, 2), .ttbr0 = root };
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x55554000ull | (va & 0x3fff));
	assert_int_equal(out.granule, 14);
	assert_int_equal(reads, 3);

	/* 16K level-2 block (32 MiB) through TTBR1. */
	reset_mem();
	root = alloc_table(14);
	va = 0xffff800002345678ull;
	map(root, 14, 48, va, 0x42000000ull, 2);
	r = (struct av_s1_regs){ .sctlr = 1, .tcr = tcr1(16, 1), .ttbr1 = root };
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x42000000ull | (va & ((32u << 20) - 1)));
	assert_int_equal(out.level, 2);
}

static void test_faults(void **state)
{
	(void)state;
	reset_mem();
	uint64_t root = alloc_table(12);
	uint64_t va = 0x0000000040001000ull;
	map(root, 12, 39, va, 0x40001000ull, 3);
	struct av_s1_regs r = { .sctlr = 1, .tcr = tcr0(25, 0), .ttbr0 = root };
	struct av_s1_result out;
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), 0);
	/* Unmapped neighbour page: invalid level-3 descriptor. */
	assert_int_equal(av_s1_walk(&r, va + 0x1000, read_desc, NULL, &out), -AV_EFAULT);
	/* Unmapped 1 GiB region: invalid level-1 descriptor. */
	assert_int_equal(av_s1_walk(&r, 0x10000000ull, read_desc, NULL, &out), -AV_EFAULT);
	/* Beyond the 39-bit region, and TTBR1 disabled by EPD1. */
	assert_int_equal(av_s1_walk(&r, 1ull << 40, read_desc, NULL, &out), -AV_EFAULT);
	assert_int_equal(av_s1_walk(&r, 0xffffff8000000000ull, read_desc, NULL, &out),
			 -AV_EFAULT);
	/* A tag in the top byte: a fault without TBI0, ignored with it. */
	uint64_t tagged = va | (0x5aull << 56);
	assert_int_equal(av_s1_walk(&r, tagged, read_desc, NULL, &out), -AV_EFAULT);
	r.tcr |= AV_S1_TCR_TBI0;
	assert_int_equal(av_s1_walk(&r, tagged, read_desc, NULL, &out), 0);
	assert_int_equal(out.ipa, 0x40001000ull);
	/* EPD0 stops walks through TTBR0. */
	r.tcr |= AV_S1_TCR_EPD0;
	assert_int_equal(av_s1_walk(&r, va, read_desc, NULL, &out), -AV_EFAULT);
}

static void test_bad_descriptors_and_controls(void **state)
{
	(void)state;
	reset_mem();
	uint64_t root = alloc_table(12);
	struct av_s1_regs r = { .sctlr = 1, .tcr = tcr0(16, 0), .ttbr0 = root };
	struct av_s1_result out;
	/* A block at level 0 (4K granule, no LPA2) is a fault. */
	put_desc(root, 0x0 | (1ull << 10) | 1);
	assert_int_equal(av_s1_walk(&r, 0x1000, read_desc, NULL, &out), -AV_EFAULT);
	/* A level-3 entry with bit 1 clear is reserved. */
	reset_mem();
	root = alloc_table(12);
	map(root, 12, 48, 0x2000, 0x3000, 3);
	r.ttbr0 = root;
	assert_int_equal(av_s1_walk(&r, 0x2000, read_desc, NULL, &out), 0);
	uint64_t l1 = get_desc(root) & AV_GENMASK(47, 12);
	uint64_t l2 = get_desc(l1) & AV_GENMASK(47, 12);
	uint64_t l3 = get_desc(l2) & AV_GENMASK(47, 12);
	put_desc(l3 + 2 * 8, get_desc(l3 + 2 * 8) & ~2ull);
	assert_int_equal(av_s1_walk(&r, 0x2000, read_desc, NULL, &out), -AV_EFAULT);
	/* Reserved TG0 and TxSZ outside 16..39. */
	r.tcr = tcr0(16, 3);
	assert_int_equal(av_s1_walk(&r, 0x2000, read_desc, NULL, &out), -AV_ENOTSUP);
	r.tcr = tcr0(12, 0);
	assert_int_equal(av_s1_walk(&r, 0x2000, read_desc, NULL, &out), -AV_ENOTSUP);
	r.tcr = tcr0(40, 0);
	assert_int_equal(av_s1_walk(&r, 0x2000, read_desc, NULL, &out), -AV_ENOTSUP);
	/* A table outside guest memory: the reader's error comes back. */
	r.tcr = tcr0(16, 0);
	r.ttbr0 = 0x1000;
	assert_int_equal(av_s1_walk(&r, 0x2000, read_desc, NULL, &out), -AV_EIO);
	/* NULL arguments. */
	assert_int_equal(av_s1_walk(NULL, 0, read_desc, NULL, &out), -AV_EINVAL);
	assert_int_equal(av_s1_walk(&r, 0, NULL, NULL, &out), -AV_EINVAL);
	assert_int_equal(av_s1_walk(&r, 0, read_desc, NULL, NULL), -AV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mmu_off),
		cmocka_unit_test(test_4k_48bit_page),
		cmocka_unit_test(test_4k_48bit_linux_kernel_va),
		cmocka_unit_test(test_4k_39bit_blocks),
		cmocka_unit_test(test_64k_and_16k),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_bad_descriptors_and_controls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
