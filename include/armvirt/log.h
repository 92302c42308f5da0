/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/log.h
 * @brief Levelled logging through a hook the host sets, and a freestanding formatter.
 *
 * The library never prints by itself: it formats a line with av_snprintf() into a
 * stack buffer and hands it to the hook installed with av_log_set_hook(). With no
 * hook installed, log calls cost a level comparison and nothing else.
 *
 * The formatter understands the subset of printf the library needs:
 * conversions `d i u x X o c s p %`, flags `- 0 + space #`, a field width and
 * precision (numbers or `*`), and length modifiers `hh h l ll z j t`.
 * Floating point is not supported (the core is built with general registers only).
 *
 * Thread safety: the hook and level are plain globals meant to be set once at start-up.
 * The hook itself may be called concurrently from several CPUs.
 */
#ifndef ARMVIRT_LOG_H
#define ARMVIRT_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Log levels, most severe first. */
enum av_log_level {
	AV_LOG_ERROR = 0, /**< something failed that the caller must know */
	AV_LOG_WARN = 1,  /**< a guest did something unexpected; handled */
	AV_LOG_INFO = 2,  /**< one-off configuration facts */
	AV_LOG_DEBUG = 3, /**< per-trap detail */
};

/** Longest line av_log() formats (longer lines are truncated), including the NUL. */
#define AV_LOG_LINE_MAX 256

/**
 * The host's log sink.
 *
 * @param level   the line's level
 * @param line    a NUL-terminated line without a trailing newline
 * @param cookie  the cookie given to av_log_set_hook()
 */
typedef void (*av_log_hook_fn)(enum av_log_level level, const char *line, void *cookie);

/**
 * Install the log hook and the most verbose level passed to it.
 * @param hook    the sink, or NULL to drop every line
 * @param max     lines with a level above @p max are dropped before formatting
 * @param cookie  handed back to @p hook
 */
void av_log_set_hook(av_log_hook_fn hook, enum av_log_level max, void *cookie);

/**
 * True when a line at @p level would reach the hook.
 * @param level the level of the line
 * @return non-zero when the line would reach the hook
 */
int av_log_enabled(enum av_log_level level);

/**
 * Format a line and pass it to the hook (printf-like, see the file comment).
 * @param level the line's level
 * @param fmt printf-style format (no floating point)
 */
void av_log(enum av_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Format into @p buf like vsnprintf.
 *
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @param fmt printf-style format (no floating point)
 * @param ap the arguments
 * @return the length the full output would have (excluding the NUL); when it is
 *         >= @p size the output was truncated. @p buf is always NUL-terminated
 *         when @p size > 0.
 */
int av_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/**
 * Format into @p buf like snprintf; see av_vsnprintf().
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @param fmt printf-style format (no floating point)
 * @return as av_vsnprintf()
 */
int av_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- a budget for guest-triggered lines ---- */

/**
 * A budget of log lines that a guest can cause (an unhandled system register, an MMIO
 * access nothing emulates, ...), so a hostile guest cannot make the host print without
 * bound: at most @ref lines lines per window of @ref window clock units; the lines past
 * that are dropped and counted, and the first request of a later window logs one line
 * "NAME: N guest-triggered log lines suppressed" (AV_LOG_WARN, not charged to the budget)
 * before its own.
 *
 * The clock is the host's (a physical counter, a monotonic time); without one, the
 * budget's own count of requests is the clock, so a window is that many requests.
 *
 * One budget per VM is meant to be shared by all the VM's vCPUs: it is updated with relaxed
 * atomic loads and stores, not read-modify-writes (nothing needs an atomics library), so
 * concurrent requests can let a few more lines through than the budget says, never
 * unboundedly many, and the counts can be a few short.
 */
struct av_log_budget {
	uint64_t (*clock)(void *cookie); /**< time source; NULL: count the requests */
	void *clock_cookie;              /**< handed to @ref clock */
	const char *name;                /**< prefix of the "suppressed" line; may be NULL */
	uint64_t window;                 /**< window length in clock units (>= 1) */
	uint32_t lines;                  /**< lines allowed per window */
	uint32_t used;                   /**< private: lines taken in the current window */
	uint64_t start;                  /**< private: start of the current window */
	uint64_t requests;               /**< private: requests so far (the clock without one) */
	uint64_t dropped;                /**< private: dropped since the last report */
	uint64_t dropped_total;          /**< private: dropped in all */
};

/**
 * Set up @p b: @p lines lines per @p window units of @p clock (NULL: per @p window
 * requests). A @p window of 0 is taken as 1.
 * @param b the budget
 * @param name prefix of the "suppressed" line (kept, not copied); may be NULL
 * @param lines lines allowed per window
 * @param window window length in clock units
 * @param clock the time source, or NULL
 * @param cookie handed to @p clock
 */
void av_log_budget_init(struct av_log_budget *b, const char *name, uint32_t lines,
			uint64_t window, uint64_t (*clock)(void *cookie), void *cookie);

/**
 * Ask for one guest-triggered line. In a new window, first logs how many lines the earlier
 * ones dropped (if any). Call it only for a line that would be logged (av_log_enabled()).
 * @param b the budget; NULL: no budget, always true
 * @return true: log the line; false: it was counted as dropped
 */
bool av_log_budget_take(struct av_log_budget *b);

/**
 * Lines @p b has dropped in all (reported or not yet).
 * @param b the budget
 * @return the count
 */
uint64_t av_log_budget_dropped(const struct av_log_budget *b);

/** av_log() at AV_LOG_ERROR. */
#define av_err(...) av_log(AV_LOG_ERROR, __VA_ARGS__)
/** av_log() at AV_LOG_WARN. */
#define av_warn(...) av_log(AV_LOG_WARN, __VA_ARGS__)
/** av_log() at AV_LOG_INFO. */
#define av_info(...) av_log(AV_LOG_INFO, __VA_ARGS__)
/** av_log() at AV_LOG_DEBUG. */
#define av_dbg(...) av_log(AV_LOG_DEBUG, __VA_ARGS__)

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_LOG_H */
