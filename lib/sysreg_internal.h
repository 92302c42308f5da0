/* SPDX-License-Identifier: MIT */
/*
 * Library-internal part of the system-register emulation (lib/sysreg.c).
 */
#ifndef ARMVIRT_LIB_SYSREG_INTERNAL_H
#define ARMVIRT_LIB_SYSREG_INTERNAL_H

#include <armvirt/sysreg.h>

/*
 * av_sysreg_trap() with the row of the trapped key already looked up in @t
 * (av_sysreg_lookup(); NULL: none): the VM's dispatcher, which looks in the host's table
 * first, does not look the key up twice.
 */
enum av_access_result av__sysreg_trap_row(struct av_sysreg_table *t,
					  const struct av_sysreg_desc *row, void *vcpu,
					  uint32_t iss, struct av_regs *regs);

#endif
