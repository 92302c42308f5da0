/* SPDX-License-Identifier: MIT */
#ifndef ARMVIRT_INSN_H
#define ARMVIRT_INSN_H
#include <armvirt/types.h>
#endif
