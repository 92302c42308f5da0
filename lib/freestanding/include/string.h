/* SPDX-License-Identifier: MIT */
/*
 * Freestanding builds only: the string functions libfdt's headers expect from <string.h>.
 * The image that links libarmvirt.a (for example a bare-metal port) provides them.
 */
#ifndef ARMVIRT_FREESTANDING_STRING_H
#define ARMVIRT_FREESTANDING_STRING_H
#include <stddef.h>
void *memchr(const void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
#endif
