/* SPDX-License-Identifier: MIT */
/* Error code names. */
#include <stdarg.h>

#include <armvirt/log.h>
#include <armvirt/types.h>

#include "compat.h"
#include "error_detail.h"

static const char *const av_err_names[AV_ERRNO_MAX] = {
	[AV_OK] = "AV_OK: success",
	[AV_EINVAL] = "AV_EINVAL: invalid argument",
	[AV_ENOMEM] = "AV_ENOMEM: out of memory",
	[AV_EEXIST] = "AV_EEXIST: already exists",
	[AV_ENOENT] = "AV_ENOENT: no such entry",
	[AV_ERANGE] = "AV_ERANGE: out of range",
	[AV_ENOTSUP] = "AV_ENOTSUP: not supported",
	[AV_EBUSY] = "AV_EBUSY: busy",
	[AV_EFAULT] = "AV_EFAULT: bad address",
	[AV_ENOSPC] = "AV_ENOSPC: buffer too small",
	[AV_EPERM] = "AV_EPERM: not permitted",
	[AV_EIO] = "AV_EIO: I/O error",
	[AV_EBADIMG] = "AV_EBADIMG: malformed image",
};

const char *av_strerror(int err)
{
	unsigned code = err < 0 ? (unsigned)-(long)err : (unsigned)err;

	if (code < AV_ARRAY_SIZE(av_err_names) && av_err_names[code])
		return av_err_names[code];
	return "AV_E?: unknown error";
}

int av__error(struct av_error *err, int code, const char *module, const char *field,
	      const char *fmt, ...)
{
	char msg[sizeof(err->msg)];
	va_list ap;

	va_start(ap, fmt);
	av_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err) {
		av_snprintf(err->field, sizeof(err->field), "%s", field);
		memcpy(err->msg, msg, sizeof(msg));
	}
	av_dbg("%s: %s: %s", module, field, msg);
	return code;
}

void av__error_clear(struct av_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}
