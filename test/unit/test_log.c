/* SPDX-License-Identifier: MIT */
/* Unit tests: error names, the log hook and the freestanding formatter.
 * The formatter is checked against the host C library's snprintf as an oracle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/log.h>
#include <armvirt/types.h>

static void test_strerror(void **state)
{
	(void)state;
	assert_string_equal(av_strerror(0), "AV_OK: success");
	assert_string_equal(av_strerror(-AV_EINVAL), "AV_EINVAL: invalid argument");
	assert_string_equal(av_strerror(AV_ENOMEM), "AV_ENOMEM: out of memory");
	assert_string_equal(av_strerror(-AV_EBADIMG), "AV_EBADIMG: malformed image");
	assert_string_equal(av_strerror(-1000), "AV_E?: unknown error");
	assert_string_equal(av_strerror(-2147483647 - 1), "AV_E?: unknown error");
	for (int e = 0; e < AV_ERRNO_MAX; e++)
		assert_true(strncmp(av_strerror(-e), "AV_", 3) == 0 && strstr(av_strerror(-e), "?") == NULL);
}

/* Compare av_snprintf with snprintf for one format and one argument of each type. */
#define CHECK_FMT(...)                                                        \
	do {                                                                  \
		char want[160], got[160];                                     \
		int nw = snprintf(want, sizeof(want), __VA_ARGS__);           \
		int ng = av_snprintf(got, sizeof(got), __VA_ARGS__);          \
		assert_string_equal(got, want);                               \
		assert_int_equal(ng, nw);                                     \
	} while (0)

static void test_format_oracle(void **state)
{
	static const long long svals[] = { 0, 1, -1, 42, -42, 2147483647, -2147483647 - 1,
					   9223372036854775807LL, -9223372036854775807LL - 1 };
	static const unsigned long long uvals[] = { 0, 1, 0xf, 0x2a, 0xdeadbeef, 0x8000000000000000ULL,
						    0xffffffffffffffffULL };
	static const char *const ifmts[] = { "%lld", "%5lld", "%-5lld|", "%05lld", "%+lld", "% lld",
					     "%.3lld", "%8.3lld", "%-+8lld|", "%.0lld" };
	static const char *const ufmts[] = { "%llx", "%llX", "%#llx", "%#llX", "%016llx", "%#018llx",
					     "%llu", "%llo", "%#llo", "%-20llx|", "%.4llx", "%.0llx" };
	(void)state;
	for (size_t i = 0; i < sizeof(svals) / sizeof(svals[0]); i++)
		for (size_t f = 0; f < sizeof(ifmts) / sizeof(ifmts[0]); f++)
			CHECK_FMT(ifmts[f], svals[i]);
	for (size_t i = 0; i < sizeof(uvals) / sizeof(uvals[0]); i++)
		for (size_t f = 0; f < sizeof(ufmts) / sizeof(ufmts[0]); f++)
			CHECK_FMT(ufmts[f], uvals[i]);
	CHECK_FMT("%d %i %u %x", -7, 8, 9u, 0xabcu);
	CHECK_FMT("%hhd %hhu %hd %hu", -129, 300u, 70000, 70000u);
	CHECK_FMT("%ld %lu %lx", -5L, 5UL, 0xfeedUL);
	CHECK_FMT("%zu %zx %jd %td", (size_t)12345, (size_t)0xabc, (intmax_t)-9, (ptrdiff_t)-3);
	CHECK_FMT("[%s] [%10s] [%-10s] [%.2s] [%*s] [%-*s] [%.*s]", "abc", "abc", "abc", "abc", 6, "x",
		  6, "y", 1, "zz");
	CHECK_FMT("[%c] [%3c] [%-3c] 100%%", 'a', 'b', 'c');
	CHECK_FMT("%*d|%-*d|%.*d", 6, 12, 6, 12, 5, 12);
	CHECK_FMT("%s", "");
	CHECK_FMT("no conversions at all");
}

static void test_format_truncation(void **state)
{
	char buf[8];
	(void)state;
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(av_snprintf(buf, sizeof(buf), "%s", "0123456789"), 10);
	assert_string_equal(buf, "0123456");
	memset(buf, 'Z', sizeof(buf));
	assert_int_equal(av_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'Z');
	assert_int_equal(av_snprintf(NULL, 0, "%d", 12345), 5);
	assert_int_equal(av_snprintf(buf, sizeof(buf), "%p", (void *)0x1234), 6);
	assert_string_equal(buf, "0x1234");
	/* A dangling '%' at the end and an unknown conversion are printed, not crashed on. */
	{
		/* Through a variable, so the compiler's format check lets the bad formats by. */
		const char *dangling = "a%", *unknown = "%q";
		assert_int_equal(av_snprintf(buf, sizeof(buf), dangling), 1);
		assert_string_equal(buf, "a");
		av_snprintf(buf, sizeof(buf), unknown);
		assert_string_equal(buf, "%q");
	}
}

struct captured {
	int calls;
	enum av_log_level level;
	char line[AV_LOG_LINE_MAX];
};

static void hook(enum av_log_level level, const char *line, void *cookie)
{
	struct captured *c = cookie;
	c->calls++;
	c->level = level;
	snprintf(c->line, sizeof(c->line), "%s", line);
}

static void test_log_hook(void **state)
{
	struct captured c = { 0 };
	char big[600];
	(void)state;

	av_log(AV_LOG_ERROR, "dropped: no hook");
	assert_false(av_log_enabled(AV_LOG_ERROR));

	av_log_set_hook(hook, AV_LOG_WARN, &c);
	assert_true(av_log_enabled(AV_LOG_ERROR));
	assert_true(av_log_enabled(AV_LOG_WARN));
	assert_false(av_log_enabled(AV_LOG_INFO));
	av_warn("vm %s: esr %#x", "linux0", 0x5a000001u);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.level, AV_LOG_WARN);
	assert_string_equal(c.line, "vm linux0: esr 0x5a000001");
	av_info("filtered");
	av_dbg("filtered");
	assert_int_equal(c.calls, 1);

	/* Over-long lines are truncated to AV_LOG_LINE_MAX - 1 characters. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	av_err("%s", big);
	assert_int_equal(c.calls, 2);
	assert_int_equal(strlen(c.line), AV_LOG_LINE_MAX - 1);

	av_log_set_hook(NULL, AV_LOG_DEBUG, NULL);
	av_err("dropped again");
	assert_int_equal(c.calls, 2);
}

/*
 * Issue 18, finding 4: a budget of guest-triggered lines. 3 lines per window of 100 clock
 * units: the 4th and later requests of a window are dropped and counted; the first request of
 * a later window first logs how many were dropped, once. Without a clock, requests are the
 * clock.
 */
static uint64_t fake_now;

static uint64_t fake_clock(void *cookie)
{
	(void)cookie;
	return fake_now;
}

struct budget_log {
	unsigned lines, reports;
	unsigned long long reported;
	char last[AV_LOG_LINE_MAX];
};

static void budget_hook(enum av_log_level level, const char *line, void *cookie)
{
	struct budget_log *b = cookie;
	const char *p = strstr(line, " guest-triggered log lines suppressed");

	(void)level;
	b->lines++;
	snprintf(b->last, sizeof(b->last), "%s", line);
	if (p != NULL) {
		b->reports++;
		b->reported += strtoull(strchr(line, ':') + 2, NULL, 10);
	}
}

static void test_log_budget(void **state)
{
	struct av_log_budget b;
	struct budget_log seen = { 0 };
	unsigned taken = 0;
	(void)state;

	av_log_set_hook(budget_hook, AV_LOG_WARN, &seen);
	fake_now = 1000;
	av_log_budget_init(&b, "vm0", 3, 100, fake_clock, NULL);
	for (unsigned i = 0; i < 10; i++)
		taken += av_log_budget_take(&b);
	assert_int_equal(taken, 3);
	assert_int_equal(av_log_budget_dropped(&b), 7);
	assert_int_equal(seen.lines, 0);
	fake_now = 1099; /* still the same window */
	assert_false(av_log_budget_take(&b));
	fake_now = 1100; /* a new one: the report, then the line */
	assert_true(av_log_budget_take(&b));
	assert_int_equal(seen.reports, 1);
	assert_string_equal(seen.last, "vm0: 8 guest-triggered log lines suppressed");
	assert_true(av_log_budget_take(&b));
	assert_true(av_log_budget_take(&b));
	assert_false(av_log_budget_take(&b));
	fake_now = 5000; /* several windows later: one report of the one dropped line */
	assert_true(av_log_budget_take(&b));
	assert_int_equal(seen.reports, 2);
	assert_int_equal(seen.reported, 9);
	assert_int_equal(av_log_budget_dropped(&b), 9);
	fake_now = 6000; /* nothing dropped since: no report */
	assert_true(av_log_budget_take(&b));
	assert_int_equal(seen.reports, 2);
	fake_now = 10; /* a clock that went back starts a new window */
	assert_true(av_log_budget_take(&b));

	/* Without a clock: 2 lines per 5 requests. */
	av_log_budget_init(&b, NULL, 2, 5, NULL, NULL);
	taken = 0;
	for (unsigned i = 0; i < 5; i++)
		taken += av_log_budget_take(&b);
	assert_int_equal(taken, 2);
	assert_true(av_log_budget_take(&b));
	assert_string_equal(seen.last, "vm: 3 guest-triggered log lines suppressed");
	assert_true(av_log_budget_take(NULL)); /* no budget: always */
	assert_int_equal(av_log_budget_dropped(NULL), 0);
	av_log_set_hook(NULL, AV_LOG_ERROR, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_format_oracle),
		cmocka_unit_test(test_format_truncation),
		cmocka_unit_test(test_log_hook),
		cmocka_unit_test(test_log_budget),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
