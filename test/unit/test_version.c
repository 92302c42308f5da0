/* SPDX-License-Identifier: MIT */
/* <armvirt/version.h>: the macros follow project(VERSION), av_version() the library's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <armvirt/version.h>

/* From CMake's project(VERSION), passed by test/CMakeLists.txt. */
#ifndef AV_TEST_PROJECT_VERSION
#error "AV_TEST_PROJECT_VERSION not defined"
#endif

static void test_macros(void **state)
{
	char buf[32];
	(void)state;

	snprintf(buf, sizeof(buf), "%d.%d.%d", AV_VERSION_MAJOR, AV_VERSION_MINOR,
		 AV_VERSION_PATCH);
	assert_string_equal(buf, AV_TEST_PROJECT_VERSION);
	assert_string_equal(AV_VERSION_STRING, AV_TEST_PROJECT_VERSION);
	assert_int_equal(AV_VERSION, AV_VERSION_MAJOR * 1000000L + AV_VERSION_MINOR * 1000L +
					     AV_VERSION_PATCH);
#if AV_VERSION < AV_VERSION_NUM(0, 1, 0)
	fail_msg("AV_VERSION is not usable in #if, or older than 0.1.0");
#endif
}

/* Versions order as numbers: patch < minor < major. */
static void test_ordering(void **state)
{
	(void)state;
	assert_true(AV_VERSION_NUM(0, 1, 999) < AV_VERSION_NUM(0, 2, 0));
	assert_true(AV_VERSION_NUM(0, 999, 999) < AV_VERSION_NUM(1, 0, 0));
	assert_true(AV_VERSION_NUM(1, 2, 3) > AV_VERSION_NUM(1, 2, 2));
}

/* The library linked in is the one these headers came with. */
static void test_runtime(void **state)
{
	(void)state;
	assert_int_equal(av_version(), AV_VERSION);
	assert_string_equal(av_version_string(), AV_VERSION_STRING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_macros),
		cmocka_unit_test(test_ordering),
		cmocka_unit_test(test_runtime),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
