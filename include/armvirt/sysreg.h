/* SPDX-License-Identifier: MIT */
#ifndef ARMVIRT_SYSREG_H
#define ARMVIRT_SYSREG_H
#include <armvirt/types.h>
#endif
