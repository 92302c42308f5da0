/* SPDX-License-Identifier: MIT */
/*
 * Library-internal part of the system-register emulation (lib/sysreg.c).
 */
#ifndef ARMVIRT_LIB_SYSREG_INTERNAL_H
#define ARMVIRT_LIB_SYSREG_INTERNAL_H

#include <armvirt/sysreg.h>

/*
 * av_sysreg_trap() over two tables: the row of the trapped key in @first, else in @second,
 * whose unmatched behaviour applies to a key neither has. The VM's dispatcher (the host's
 * rows, then the built-in ones) looks each key up once per table and calls no further.
 */
enum av_access_result av__sysreg_trap2(struct av_sysreg_table *first,
				       struct av_sysreg_table *second, void *vcpu, uint32_t iss,
				       struct av_regs *regs);

#endif
