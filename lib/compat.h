/* SPDX-License-Identifier: MIT */
/*
 * Internal: the few C library functions the portable core may use.
 *
 * Hosted builds take them from <string.h>. A freestanding build declares them here;
 * the port (or the image that links libarmvirt.a) provides the definitions.
 */
#ifndef ARMVIRT_LIB_COMPAT_H
#define ARMVIRT_LIB_COMPAT_H

#include <stddef.h>

#if __STDC_HOSTED__
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif

#define AV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* ARMVIRT_LIB_COMPAT_H */
