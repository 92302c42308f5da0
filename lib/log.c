/* SPDX-License-Identifier: MIT */
/*
 * Levelled logging and a small freestanding printf-style formatter.
 *
 * The formatter writes through a bounded cursor (struct out) so it never overruns the
 * caller's buffer and always reports the length the full output would have had.
 */
#include <armvirt/log.h>

#include <stdbool.h>
#include <stdint.h>

#include "compat.h"

static av_log_hook_fn log_hook;
static void *log_cookie;
static enum av_log_level log_max = AV_LOG_INFO;

void av_log_set_hook(av_log_hook_fn hook, enum av_log_level max, void *cookie)
{
	log_hook = hook;
	log_max = max;
	log_cookie = cookie;
}

int av_log_enabled(enum av_log_level level)
{
	return log_hook != NULL && level <= log_max;
}

void av_log(enum av_log_level level, const char *fmt, ...)
{
	char line[AV_LOG_LINE_MAX];
	va_list ap;

	if (!av_log_enabled(level))
		return;
	va_start(ap, fmt);
	av_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_hook(level, line, log_cookie);
}

/* ---- the budget of guest-triggered lines ---- */

void av_log_budget_init(struct av_log_budget *b, const char *name, uint32_t lines,
			uint64_t window, uint64_t (*clock)(void *cookie), void *cookie)
{
	memset(b, 0, sizeof(*b));
	b->clock = clock;
	b->clock_cookie = cookie;
	b->name = name;
	b->lines = lines;
	b->window = window ? window : 1;
	if (clock)
		b->start = clock(cookie);
}

#define LOAD(p) __atomic_load_n(p, __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n(p, v, __ATOMIC_RELAXED)

bool av_log_budget_take(struct av_log_budget *b)
{
	uint64_t now, start, dropped;
	uint32_t used;

	if (b == NULL)
		return true;
	if (b->clock) {
		now = b->clock(b->clock_cookie);
	} else {
		now = LOAD(&b->requests);
		STORE(&b->requests, now + 1);
	}
	start = LOAD(&b->start);
	if (now - start >= b->window || now < start) {
		/* A new window: report what the earlier ones dropped. */
		STORE(&b->start, now);
		STORE(&b->used, 0);
		dropped = LOAD(&b->dropped);
		STORE(&b->dropped, 0);
		if (dropped)
			av_log(AV_LOG_WARN, "%s: %llu guest-triggered log lines suppressed",
			       b->name ? b->name : "vm", (unsigned long long)dropped);
	}
	used = LOAD(&b->used);
	if (used < b->lines) {
		STORE(&b->used, used + 1);
		return true;
	}
	STORE(&b->dropped, LOAD(&b->dropped) + 1);
	STORE(&b->dropped_total, LOAD(&b->dropped_total) + 1);
	return false;
}

uint64_t av_log_budget_dropped(const struct av_log_budget *b)
{
	return b ? LOAD(&b->dropped_total) : 0;
}

struct out {
	char *buf;
	size_t size; /* capacity including the NUL */
	size_t len;  /* characters the full output has so far */
};

static void out_ch(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_rep(struct out *o, char c, int n)
{
	while (n-- > 0)
		out_ch(o, c);
}

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec; /* -1: none */
};

/* Emit digits (most significant first, in digits[0..n)) with sign/prefix and padding. */
static void out_number(struct out *o, const struct spec *sp, const char *prefix,
		       const char *digits, int n)
{
	int plen = (int)strlen(prefix);
	int zeros = 0;
	int body;

	if (sp->prec >= 0 && sp->prec > n)
		zeros = sp->prec - n;
	body = plen + zeros + n;
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > body) {
		zeros += sp->width - body;
		body = sp->width;
	}
	if (!sp->left)
		out_rep(o, ' ', sp->width - body);
	for (int i = 0; i < plen; i++)
		out_ch(o, prefix[i]);
	out_rep(o, '0', zeros);
	for (int i = 0; i < n; i++)
		out_ch(o, digits[i]);
	if (sp->left)
		out_rep(o, ' ', sp->width - body);
}

static void fmt_unsigned(struct out *o, const struct spec *sp, uint64_t v, unsigned base,
			 bool upper, const char *prefix)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	char out[24] = { 0 };
	int n = 0;

	if (v == 0 && sp->prec == 0) {
		out_number(o, sp, prefix, out, 0);
		return;
	}
	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	for (int i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	out_number(o, sp, prefix, out, n);
}

static void fmt_string(struct out *o, const struct spec *sp, const char *s)
{
	int n = 0;

	if (!s)
		s = "(null)";
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	if (!sp->left)
		out_rep(o, ' ', sp->width - n);
	for (int i = 0; i < n; i++)
		out_ch(o, s[i]);
	if (sp->left)
		out_rep(o, ' ', sp->width - n);
}

enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

static uint64_t arg_unsigned(va_list *ap, enum len_mod lm)
{
	switch (lm) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	/* NOLINTNEXTLINE(bugprone-branch-clone): size_t is uintmax_t only on some ABIs */
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	case LEN_T: return (uint64_t)va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, unsigned int);
	}
}

static int64_t arg_signed(va_list *ap, enum len_mod lm)
{
	switch (lm) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return (int64_t)va_arg(*ap, size_t);
	/* NOLINTNEXTLINE(bugprone-branch-clone): ptrdiff_t is intmax_t only on some ABIs */
	case LEN_J: return va_arg(*ap, intmax_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	default: return va_arg(*ap, int);
	}
}

int av_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
	struct out o = { .buf = buf, .size = size, .len = 0 };
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt) {
		struct spec sp = { .prec = -1 };
		enum len_mod lm = LEN_NONE;
		char c = *fmt++;

		if (c != '%') {
			out_ch(&o, c);
			continue;
		}
		for (;; fmt++) {
			if (*fmt == '-') sp.left = true;
			else if (*fmt == '0') sp.zero = true;
			else if (*fmt == '+') sp.plus = true;
			else if (*fmt == ' ') sp.space = true;
			else if (*fmt == '#') sp.alt = true;
			else break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(ap, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(ap, int);
				if (sp.prec < 0)
					sp.prec = -1;
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		switch (*fmt) {
		case 'h':
			fmt++;
			lm = LEN_H;
			if (*fmt == 'h') { fmt++; lm = LEN_HH; }
			break;
		case 'l':
			fmt++;
			lm = LEN_L;
			if (*fmt == 'l') { fmt++; lm = LEN_LL; }
			break;
		case 'z': fmt++; lm = LEN_Z; break;
		case 'j': fmt++; lm = LEN_J; break;
		case 't': fmt++; lm = LEN_T; break;
		default: break;
		}
		c = *fmt;
		if (c)
			fmt++;
		switch (c) {
		case 'd':
		case 'i': {
			int64_t v = arg_signed(&ap, lm);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			const char *pre = v < 0 ? "-" : sp.plus ? "+" : sp.space ? " " : "";
			fmt_unsigned(&o, &sp, mag, 10, false, pre);
			break;
		}
		case 'u':
			fmt_unsigned(&o, &sp, arg_unsigned(&ap, lm), 10, false, "");
			break;
		case 'x':
		case 'X': {
			uint64_t v = arg_unsigned(&ap, lm);
			const char *pre = (sp.alt && v) ? (c == 'x' ? "0x" : "0X") : "";
			fmt_unsigned(&o, &sp, v, 16, c == 'X', pre);
			break;
		}
		case 'o': {
			uint64_t v = arg_unsigned(&ap, lm);
			fmt_unsigned(&o, &sp, v, 8, false, (sp.alt && v) ? "0" : "");
			break;
		}
		case 'p':
			fmt_unsigned(&o, &sp, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, false, "0x");
			break;
		case 'c': {
			char ch = (char)va_arg(ap, int);
			if (!sp.left)
				out_rep(&o, ' ', sp.width - 1);
			out_ch(&o, ch);
			if (sp.left)
				out_rep(&o, ' ', sp.width - 1);
			break;
		}
		case 's':
			fmt_string(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			out_ch(&o, '%');
			break;
		case '\0':
			break;
		default:
			/* Unknown conversion: print it verbatim so the mistake is visible. */
			out_ch(&o, '%');
			out_ch(&o, c);
			break;
		}
	}
	va_end(ap);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len > (size_t)INT32_MAX ? INT32_MAX : (int)o.len;
}

int av_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = av_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
