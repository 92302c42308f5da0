/* SPDX-License-Identifier: MIT */
/*
 * Internal: filling a struct av_error (see <armvirt/types.h>). Every configuration check
 * of the library reports through av__error(), so the detail and the debug log line have
 * one format across modules.
 */
#ifndef ARMVIRT_LIB_ERROR_DETAIL_H
#define ARMVIRT_LIB_ERROR_DETAIL_H

#include <armvirt/types.h>

/*
 * Record why a call failed: @field is the caller's field ("nr_vcpus", "lr_ops->read_lr"),
 * the message says what is wrong with which value. Logs "module: field: message" at debug
 * level. Returns @code (a negative AV_E*), so checks read `return av__error(...)`.
 */
__attribute__((format(printf, 5, 6)))
int av__error(struct av_error *err, int code, const char *module, const char *field,
	      const char *fmt, ...);

/* Clear @err (may be NULL): the call succeeded. */
void av__error_clear(struct av_error *err);

#endif /* ARMVIRT_LIB_ERROR_DETAIL_H */
