/* SPDX-License-Identifier: MIT */
/* Freestanding builds only: the end of the compiler limits.h include_next chain (the compiler
 * header defines every limit itself). */
