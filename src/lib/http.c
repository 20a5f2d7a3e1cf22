// SPDX-License-Identifier: GPL-2.0
/*
 * A strict reader of HTTP/1.x request heads (RFC 9112).  What it does not
 * understand it refuses with 400 rather than guesses at: a server that
 * reads no body and closes after every answer has no use for leniency.
 */
#include <string.h>
#include <strings.h>
#include "lib/http.h"

static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static bool is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986: what a path and a query may hold besides percent-encoded bytes. */
static bool is_target_char(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("-._~!$&'()*+,;=:@/?", c);
}

static bool is_token(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_tchar(s[i]))
			return false;
	return true;
}

static bool name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

static bool method_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && memcmp(s, name, n) == 0;
}

static size_t skip_empty_lines(const char *buf, size_t len)
{
	size_t i = 0;

	for (;;) {
		if (i < len && buf[i] == '\n')
			i += 1;
		else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

size_t http__head_len(const char *buf, size_t len)
{
	size_t i = skip_empty_lines(buf, len);
	const char *lf;

	/* The head ends at the first empty line after the request line. */
	while ((lf = memchr(buf + i, '\n', len - i))) {
		i = lf - buf + 1;
		if (i < len && buf[i] == '\n')
			return i + 1;
		if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			return i + 2;
	}
	return 0;
}

int http__head_overflow(const char *buf, size_t len)
{
	size_t i = skip_empty_lines(buf, len);
	const char *lf = memchr(buf + i, '\n', len - i);
	size_t line = lf ? (size_t)(lf - (buf + i)) : len - i;

	if (!memchr(buf + i, ' ', line))
		return HTTP_NOT_HTTP;
	return lf ? 431 : 414;
}

/*
 * The next line at *p, without its LF or CRLF; moves *p past it.  1, 0 when
 * no LF ends it, -1 when it holds a CR or NUL byte.
 */
static int take_line(const char **p, const char *end, const char **line, size_t *n)
{
	const char *lf = memchr(*p, '\n', end - *p);

	if (!lf)
		return 0;
	*line = *p;
	*n = lf - *p;
	*p = lf + 1;
	if (*n && (*line)[*n - 1] == '\r')
		(*n)--;
	return memchr(*line, '\r', *n) || memchr(*line, 0, *n) ? -1 : 1;
}

/* Percent signs followed by two hex digits, and nothing RFC 3986 leaves out. */
static bool valid_uri_chars(const char *s, size_t n, bool authority)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n || !is_hex(s[i + 1]) || !is_hex(s[i + 2]))
				return false;
			i += 2;
		} else if (!is_target_char(s[i]) && !(authority && (s[i] == '[' || s[i] == ']'))) {
			return false;
		}
	}
	return true;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t plen = strlen(prefix);

	return n >= plen && strncasecmp(s, prefix, plen) == 0;
}

static int parse_target(const char *t, size_t n, bool connect, struct http_request *req)
{
	const char *path = t, *end = t + n, *q;

	if (n == 1 && t[0] == '*') {
		req->path = t;
		req->path_len = 1;
		return 0;
	}
	if (has_prefix(t, n, "http://") || has_prefix(t, n, "https://")) {
		/* The absolute form: the path follows the authority. */
		path = (const char *)memchr(t, ':', n) + 3;
		while (path < end && *path != '/' && *path != '?')
			path++;
		if (!valid_uri_chars(t, path - t, true))
			return 400;
	} else if (t[0] != '/' && !connect) {
		/* The authority form (host:port) belongs to CONNECT alone. */
		return 400;
	}
	if (!valid_uri_chars(path, end - path, connect))
		return 400;
	if (path == end || *path == '?') {
		req->path = "/";
		req->path_len = 1;
		return 0;
	}
	q = memchr(path, '?', end - path);
	req->path = path;
	req->path_len = (q ? q : end) - path;
	return 0;
}

static int parse_request_line(const char *line, size_t n, struct http_request *req)
{
	const char *end = line + n, *sp1, *sp2, *v;

	sp1 = memchr(line, ' ', n);
	if (!sp1)
		return HTTP_NOT_HTTP;
	if (!is_token(line, sp1 - line))
		return 400;
	sp2 = memchr(sp1 + 1, ' ', end - (sp1 + 1));
	if (!sp2 || sp2 == sp1 + 1)
		return 400;
	v = sp2 + 1;
	if (end - v != 8 || memcmp(v, "HTTP/", 5) || v[5] < '0' || v[5] > '9' || v[6] != '.' ||
	    v[7] < '0' || v[7] > '9')
		return 400;
	if (v[5] != '1')
		return 505;
	req->minor = v[7] - '0';
	/* Methods are case-sensitive. */
	if (method_is(line, sp1 - line, "GET"))
		req->method = HTTP_GET;
	else if (method_is(line, sp1 - line, "HEAD"))
		req->method = HTTP_HEAD;
	else
		req->method = HTTP_OTHER;
	return parse_target(sp1 + 1, sp2 - (sp1 + 1), method_is(line, sp1 - line, "CONNECT"), req);
}

static bool valid_field_value(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool valid_content_length(const char *s, size_t n)
{
	/* Digits only, few enough for any counter ("42, 42" is refused too). */
	if (!n || n > 18)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int http_request__parse(const char *buf, size_t len, struct http_request *req)
{
	const char *p = buf + skip_empty_lines(buf, len), *end = buf + len, *line, *colon;
	int hosts = 0, lengths = 0, err;
	bool chunked = false;
	size_t n;

	memset(req, 0, sizeof(*req));
	err = take_line(&p, end, &line, &n);
	if (err == 0)
		return 400;
	/* Binary bytes without a space are no request line at all. */
	if (err < 0)
		return memchr(line, ' ', n) ? 400 : HTTP_NOT_HTTP;
	err = parse_request_line(line, n, req);
	if (err)
		return err;
	for (;;) {
		const char *value;
		size_t vlen;

		if (take_line(&p, end, &line, &n) <= 0)
			return 400;
		if (!n)
			break;
		/* Folded lines (obsolete) and a space before the colon are refused. */
		colon = memchr(line, ':', n);
		if (!colon || !is_token(line, colon - line))
			return 400;
		value = colon + 1;
		vlen = line + n - value;
		while (vlen && (*value == ' ' || *value == '\t'))
			value++, vlen--;
		while (vlen && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t'))
			vlen--;
		if (!valid_field_value(value, vlen))
			return 400;
		if (name_is(line, colon - line, "Host")) {
			if (memchr(value, ' ', vlen) || memchr(value, '\t', vlen))
				return 400;
			hosts++;
		} else if (name_is(line, colon - line, "Content-Length")) {
			if (!valid_content_length(value, vlen))
				return 400;
			lengths++;
		} else if (name_is(line, colon - line, "Transfer-Encoding")) {
			chunked = true;
		}
	}
	if (p != end)
		return 400;
	if (hosts > 1 || (req->minor >= 1 && hosts == 0))
		return 400;
	if (lengths > 1 || (lengths && chunked))
		return 400;
	return 0;
}

const char *http__reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 414:
		return "URI Too Long";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "";
	}
}
