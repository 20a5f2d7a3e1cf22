// SPDX-License-Identifier: GPL-2.0
/* Turns one field of a record into a value the sinks render. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "lib/names.h"
#include "lib/schema.h"

int64_t record__int(const void *p, size_t size)
{
	switch (size) {
	case 1: return *(const int8_t *)p;
	case 2: { int16_t v; memcpy(&v, p, 2); return v; }
	case 4: { int32_t v; memcpy(&v, p, 4); return v; }
	default: { int64_t v; memcpy(&v, p, 8); return v; }
	}
}

uint64_t record__uint(const void *p, size_t size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: { uint16_t v; memcpy(&v, p, 2); return v; }
	case 4: { uint32_t v; memcpy(&v, p, 4); return v; }
	default: { uint64_t v; memcpy(&v, p, 8); return v; }
	}
}

void value__printf(struct value *v, const struct field_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->scratch, c->scratch_len, fmt, ap);
	va_end(ap);
	value__text(v, c->scratch);
}

/* Writes n decimal digits of v, zero-padded. */
static char *put_digits(char *p, unsigned long v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = '0' + v % 10;
		v /= 10;
	}
	return p + n;
}

/*
 * Converting the seconds costs a localtime_r and a printf; events come in
 * bursts within one second, so the last conversion is memoized per thread.
 */
static void format_time(uint64_t mono_ns, const struct render_opts *ro, bool json, char *buf,
			size_t len)
{
	static __thread struct {
		time_t sec;
		bool json, valid;
		char text[40];
		size_t len;
	} memo;
	int64_t real = (int64_t)mono_ns + ro->mono_to_real_ns;
	time_t sec = real / 1000000000;
	long nsec = real % 1000000000;
	struct tm tm;
	char *p;

	if (len < 48) {
		buf[0] = 0;
		return;
	}
	if (!memo.valid || memo.sec != sec || memo.json != json) {
		if (json) {
			gmtime_r(&sec, &tm);
			memo.len = snprintf(memo.text, sizeof(memo.text),
					    "%04d-%02d-%02dT%02d:%02d:%02d.", tm.tm_year + 1900,
					    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		} else {
			localtime_r(&sec, &tm);
			memo.len = snprintf(memo.text, sizeof(memo.text), "%02d:%02d:%02d.",
					    tm.tm_hour, tm.tm_min, tm.tm_sec);
		}
		memo.sec = sec;
		memo.json = json;
		memo.valid = true;
	}
	memcpy(buf, memo.text, memo.len);
	p = buf + memo.len;
	if (json) {
		p = put_digits(p, nsec, 9);
		*p++ = 'Z';
	} else {
		p = put_digits(p, nsec / 1000, 6);
	}
	*p = 0;
}

bool schema__table_shows_time(const struct schema *sc)
{
	for (int i = 0; i < sc->nfields; i++) {
		const struct field *f = &sc->fields[i];

		if (field__in_table(sc, f) && (f->kind == FK_TIME || (f->flags & F_TIME)))
			return true;
	}
	return false;
}

void field__value(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const char *p = (const char *)c->ev + f->offset;
	const char *name;
	int64_t i;

	memset(v, 0, sizeof(*v));
	if (f->kind == FK_CUSTOM) {
		f->format(f, c, v);
		return;
	}
	if ((size_t)f->offset + f->size > c->size)
		return;
	switch (f->kind) {
	case FK_INT:
		value__int(v, record__int(p, f->size));
		break;
	case FK_UINT:
		value__uint(v, record__uint(p, f->size));
		break;
	case FK_HEX:
		if (c->json)
			value__uint(v, record__uint(p, f->size));
		else
			value__printf(v, c, "0x%llx", (unsigned long long)record__uint(p, f->size));
		break;
	case FK_BOOL:
		value__bool(v, record__uint(p, f->size));
		break;
	case FK_STR:
		value__bytes(v, p, strnlen(p, f->size));
		break;
	case FK_TIME:
		format_time(record__uint(p, f->size), c->ro, c->json, c->scratch, c->scratch_len);
		value__text(v, c->scratch);
		break;
	case FK_SIGNAL:
		i = record__int(p, f->size);
		if (c->ro->numeric && !c->json)
			value__int(v, i);
		else
			value__text(v, signal__format((int)i, c->scratch, c->scratch_len));
		break;
	case FK_RET:
		i = record__int(p, f->size);
		if (!c->json && i < 0 && (name = errno__name((int)-i)))
			value__text(v, name);
		else
			value__int(v, i);
		break;
	case FK_ERRNO:
		i = record__int(p, f->size);
		if (i >= 0)
			break;
		if ((name = errno__name((int)-i)))
			value__text(v, name);
		else
			value__printf(v, c, "%lld", (long long)-i);
		break;
	case FK_ENUM:
		i = record__int(p, f->size);
		if (i >= 0 && i < f->nnames && f->names[i])
			value__text(v, f->names[i]);
		else if (i >= 0)
			value__int(v, i);
		break;
	case FK_CUSTOM:
		break;
	}
}
