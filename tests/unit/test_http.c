// SPDX-License-Identifier: GPL-2.0
/* The exporter's request parser: where a head ends, what it asks, and what it gets refused for. */
#include <stdlib.h>
#include "lib/http.h"
#include "unit.h"

/* A literal and its length, NUL bytes included. */
#define BYTES(s) s, sizeof(s) - 1

TEST(http_head_len)
{
	static const struct {
		const char *in;
		size_t len, want;
	} cases[] = {
		{ BYTES(""), 0 },
		{ BYTES("GET / HTTP/1.0"), 0 },
		{ BYTES("GET / HTTP/1.0\r\n"), 0 },
		{ BYTES("GET / HTTP/1.0\r\n\r"), 0 },
		{ BYTES("GET / HTTP/1.0\r\n\r\n"), 18 },
		{ BYTES("GET / HTTP/1.0\n\n"), 16 },
		{ BYTES("GET / HTTP/1.0\r\n\n"), 17 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\n\r\nextra"), 27 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\n"), 0 },
		/* Empty lines before the request line belong to the head, and end nothing. */
		{ BYTES("\r\n\r\n"), 0 },
		{ BYTES("\r\n\nGET / HTTP/1.0\r\n\r\n"), 21 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (http__head_len(cases[i].in, cases[i].len) != cases[i].want)
			unit__fail(__FILE__, __LINE__, "case %zu: got %zu, want %zu", i,
				   http__head_len(cases[i].in, cases[i].len), cases[i].want);
}

TEST(http_request_parse)
{
	static const struct {
		const char *in;
		size_t len;
		int status;
		enum http_method method;
		int minor;
		const char *path;
	} cases[] = {
		{ BYTES("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 0, HTTP_GET, 1, "/metrics" },
		{ BYTES("HEAD / HTTP/1.0\r\n\r\n"), 0, HTTP_HEAD, 0, "/" },
		{ BYTES("GET /metrics?x=y&z HTTP/1.1\r\nHost: x\r\n\r\n"), 0, HTTP_GET, 1,
		  "/metrics" },
		{ BYTES("GET /metrics HTTP/1.0\n\n"), 0, HTTP_GET, 0, "/metrics" },
		{ BYTES("\r\nGET /a%20b HTTP/1.0\r\n\r\n"), 0, HTTP_GET, 0, "/a%20b" },
		{ BYTES("GET http://h:9/metrics?q HTTP/1.1\r\nHost: h:9\r\n\r\n"), 0, HTTP_GET, 1,
		  "/metrics" },
		{ BYTES("GET http://[::1]:9 HTTP/1.1\r\nHost: [::1]:9\r\n\r\n"), 0, HTTP_GET, 1, "/" },
		{ BYTES("GET / HTTP/1.9\r\nHost: x\r\n\r\n"), 0, HTTP_GET, 9, "/" },
		{ BYTES("POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"), 0,
		  HTTP_OTHER, 1, "/metrics" },
		{ BYTES("get / HTTP/1.0\r\n\r\n"), 0, HTTP_OTHER, 0, "/" },
		{ BYTES("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"), 0, HTTP_OTHER, 1, "*" },
		{ BYTES("CONNECT h:443 HTTP/1.1\r\nHost: h:443\r\n\r\n"), 0, HTTP_OTHER, 1, "h:443" },
		{ BYTES("GET / HTTP/1.1\r\nhOsT:x\r\nX-Empty:\r\nX:  a \t\r\n\r\n"), 0, HTTP_GET, 1,
		  "/" },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), 0, HTTP_GET, 1,
		  "/" },
		{ BYTES("GET / HTTP/1.0\r\nX: caf\xc3\xa9\r\n\r\n"), 0, HTTP_GET, 0, "/" },

		/* Not a request line at all: no answer. */
		{ BYTES("GARBAGE\r\n\r\n"), HTTP_NOT_HTTP },
		{ BYTES("\x00\x01\x02\xff\xfe\r\n\r\n"), HTTP_NOT_HTTP },

		/* The request line. */
		{ BYTES("NOT HTTP AT ALL\r\n\r\n"), 400 },
		{ BYTES("GET /\r\n\r\n"), 400 },
		{ BYTES("GET  / HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.0 \r\n\r\n"), 400 },
		{ BYTES(" GET / HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("G(T / HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET / http/1.0\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.10\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1\r\n\r\n"), 400 },
		{ BYTES("GET metrics HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /a b HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /a\"b HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /a#b HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /%zz HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /%4 HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /\xc3\xa9 HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /\x00 HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET /\r HTTP/1.0\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/7.1\r\nHost: x\r\n\r\n"), 505 },
		{ BYTES("GET / HTTP/2.0\r\n\r\n"), 505 },
		{ BYTES("GET / HTTP/0.9\r\n\r\n"), 505 },

		/* Header lines. */
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nthis is no header\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\n: empty name\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: a\x01\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nX: a\x00\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 42, 42\r\n\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n"),
		  400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n"),
		  400 },
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
			"Transfer-Encoding: chunked\r\n\r\n"), 400 },
		/* Not measured by http__head_len: cut short, or more after the empty line. */
		{ BYTES("GET / HTTP/1.1\r\nHost: x\r\n"), 400 },
		{ BYTES("GET / HTTP/1.1"), 400 },
		{ BYTES("GET / HTTP/1.0\r\n\r\nGET"), 400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request req;
		int got = http_request__parse(cases[i].in, cases[i].len, &req);

		if (got != cases[i].status) {
			unit__fail(__FILE__, __LINE__, "case %zu (%.30s): got %d, want %d", i,
				   cases[i].in, got, cases[i].status);
			continue;
		}
		if (got)
			continue;
		CHECK_INT(req.method, cases[i].method);
		CHECK_INT(req.minor, cases[i].minor);
		if (req.path_len != strlen(cases[i].path) ||
		    memcmp(req.path, cases[i].path, req.path_len))
			unit__fail(__FILE__, __LINE__, "case %zu: path '%.*s', want '%s'", i,
				   (int)req.path_len, req.path, cases[i].path);
	}
}

TEST(http_refused_head_keeps_its_method)
{
	static const char no_host[] = "HEAD /metrics HTTP/1.1\r\n\r\n";
	static const char v2[] = "HEAD /metrics HTTP/2.0\r\n\r\n";
	struct http_request req;

	CHECK_INT(http_request__parse(no_host, sizeof(no_host) - 1, &req), 400);
	CHECK_INT(req.method, HTTP_HEAD);
	CHECK_INT(http_request__parse(v2, sizeof(v2) - 1, &req), 505);
	CHECK_INT(req.method, HTTP_GET);
}

TEST(http_head_overflow)
{
	char *buf = malloc(HTTP_HEAD_MAX);

	memset(buf, 'a', HTTP_HEAD_MAX);
	memcpy(buf, "GET /", 5);
	CHECK_INT(http__head_overflow(buf, HTTP_HEAD_MAX), 414);
	memcpy(buf, "GET / HTTP/1.1\r\nX: ", 19);
	CHECK_INT(http__head_overflow(buf, HTTP_HEAD_MAX), 431);
	memset(buf, 'a', HTTP_HEAD_MAX);
	CHECK_INT(http__head_overflow(buf, HTTP_HEAD_MAX), HTTP_NOT_HTTP);
	memset(buf, '\n', HTTP_HEAD_MAX);
	CHECK_INT(http__head_len(buf, HTTP_HEAD_MAX), 0);
	CHECK_INT(http__head_overflow(buf, HTTP_HEAD_MAX), HTTP_NOT_HTTP);
	free(buf);
}

TEST(http_reason)
{
	CHECK_STR(http__reason(200), "OK");
	CHECK_STR(http__reason(405), "Method Not Allowed");
	CHECK_STR(http__reason(414), "URI Too Long");
	CHECK_STR(http__reason(431), "Request Header Fields Too Large");
	CHECK_STR(http__reason(505), "HTTP Version Not Supported");
	CHECK_STR(http__reason(299), "");
}
