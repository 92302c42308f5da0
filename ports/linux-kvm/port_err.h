/* SPDX-License-Identifier: MIT */
/* Internal to ports/linux-kvm: one-line failure reasons for the backends' open calls. */
#ifndef ARMVIRT_PORT_ERR_H
#define ARMVIRT_PORT_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Write the reason (printf format) into @err, if any, and return @ret. */
__attribute__((format(printf, 4, 5)))
static inline int av__port_fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

#endif /* ARMVIRT_PORT_ERR_H */
