/* SPDX-License-Identifier: MIT */
#ifndef ARMVIRT_TRAPS_H
#define ARMVIRT_TRAPS_H
#include <armvirt/types.h>
#endif
