/* SPDX-License-Identifier: MIT */
/*
 * The few C library functions an EL2 image needs: those the portable core declares in
 * lib/compat.h and those Debian's static libfdt calls, plus the stack-protector symbols that
 * libfdt.a was built to use. Built with -fno-tree-loop-distribute-patterns so the compiler
 * cannot turn these loops back into calls to themselves.
 */
#include <stddef.h>
#include <stdint.h>

#include "port.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
unsigned long strtoul(const char *s, char **end, int base);
/* NOLINTBEGIN(bugprone-reserved-identifier): the compiler's stack-protector ABI names */
void __stack_chk_fail(void);

uintptr_t __stack_chk_guard = 0x2f8d5ac1e39b4c07ul;

void __stack_chk_fail(void)
{
	port_panic("stack protector: stack smashed");
}
/* NOLINTEND(bugprone-reserved-identifier) */

/* The EL2 MMU is on: RAM is Normal memory (before, every access is Device: no unaligned). */
static inline bool mmu_on(void)
{
	uint64_t sctlr;

	__asm__ volatile("mrs %0, sctlr_el2" : "=r"(sctlr));
	return sctlr & 1;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((((uintptr_t)d | (uintptr_t)s | n) & 7) == 0) {
		size_t i = 0;
		/* 64 bytes a step (four load and four store pairs): the virtio-blk RAM disk
		 * copies whole sectors, 0.6 instructions per byte with one word a step */
		for (; n - i >= 64; i += 64) {
			const uint64_t *ps = (const uint64_t *)(const void *)(s + i);
			uint64_t *pd = (uint64_t *)(void *)(d + i);
			uint64_t w0 = ps[0], w1 = ps[1], w2 = ps[2], w3 = ps[3];
			uint64_t w4 = ps[4], w5 = ps[5], w6 = ps[6], w7 = ps[7];
			pd[0] = w0, pd[1] = w1, pd[2] = w2, pd[3] = w3;
			pd[4] = w4, pd[5] = w5, pd[6] = w6, pd[7] = w7;
		}
		for (; i < n; i += 8)
			*(uint64_t *)(void *)(d + i) = *(const uint64_t *)(const void *)(s + i);
		return dst;
	}
	if (n >= 64 && mmu_on()) {
		size_t i = 0;
		/* Unaligned pairs of words, in assembly (the build is -mstrict-align, for the
		 * code that runs before the MMU): allowed on Normal memory with SCTLR_EL2.A
		 * clear (mmu.c). Network frames sit at any offset on both sides: one byte a
		 * step cost 5.3 instructions per byte. */
		for (; n - i >= 32; i += 32) {
			uint64_t w0, w1, w2, w3;

			__asm__ volatile("ldp %0, %1, [%4]\n\tldp %2, %3, [%4, #16]"
					 : "=&r"(w0), "=&r"(w1), "=&r"(w2), "=&r"(w3)
					 : "r"(s + i) : "memory");
			__asm__ volatile("stp %0, %1, [%4]\n\tstp %2, %3, [%4, #16]"
					 : : "r"(w0), "r"(w1), "r"(w2), "r"(w3), "r"(d + i)
					 : "memory");
		}
		d += i, s += i, n -= i;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d == s || n == 0)
		return dst;
	if (d < s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	if (c == 0 && (((uintptr_t)d | n) & 7) == 0) {
		for (size_t i = 0; i < n; i += 8)
			*(uint64_t *)(void *)(d + i) = 0;
		return dst;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = (unsigned char)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++)
		if (p[i] == (unsigned char)c)
			return (void *)(uintptr_t)(p + i);
	return NULL;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)(uintptr_t)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)(uintptr_t)last;
	}
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long v = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	for (int d; (d = digit_value(*s)) < base; s++)
		v = v * (unsigned long)base + (unsigned long)d;
	if (end)
		*end = (char *)(uintptr_t)s;
	return v;
}
