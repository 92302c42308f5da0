/* SPDX-License-Identifier: MIT */
/* Freestanding builds only: what libfdt's headers expect from <stdlib.h>. */
#ifndef ARMVIRT_FREESTANDING_STDLIB_H
#define ARMVIRT_FREESTANDING_STDLIB_H
#include <stddef.h>
unsigned long strtoul(const char *s, char **end, int base);
#endif
