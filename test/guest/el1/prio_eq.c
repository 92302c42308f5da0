/* SPDX-License-Identifier: MIT */
/* prio_eq: the equal-priority variant of prio.c (see there and doc/guest-tests.md). */
#define PRIO_EQUAL 1
#include "prio.c"
