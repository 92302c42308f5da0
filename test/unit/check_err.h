/* SPDX-License-Identifier: MIT */
/* Unit-test helper: a call's result and its struct av_error detail (armvirt/types.h). */
#ifndef ARMVIRT_TEST_CHECK_ERR_H
#define ARMVIRT_TEST_CHECK_ERR_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <armvirt/types.h>

/* @ret is @code, and @e names @field with the message @msg ("" and "" on success). */
static inline void check_err(int ret, const struct av_error *e, int code, const char *field,
			     const char *msg)
{
	assert_int_equal(ret, code);
	assert_string_equal(e->field, field);
	assert_string_equal(e->msg, msg);
}

#endif /* ARMVIRT_TEST_CHECK_ERR_H */
