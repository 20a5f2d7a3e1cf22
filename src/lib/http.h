/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The request side of HTTP/1.x, as the metrics exporter needs it: find the
 * end of a request head, and parse it strictly.  No bodies are read: the
 * server answers every request and closes the connection.
 */
#ifndef PROCSNOOP_HTTP_H
#define PROCSNOOP_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* The most a request head (request line, header lines, empty line) may take. */
#define HTTP_HEAD_MAX 8192

/* http_request__parse: the bytes are not an HTTP request at all; close without answering. */
#define HTTP_NOT_HTTP (-1)

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER, /* any other well-formed method */
};

struct http_request {
	enum http_method method;
	int minor; /* HTTP/1.minor */
	/* The target's path without its query: in the head, or "/" for "http://host". */
	const char *path;
	size_t path_len;
};

/*
 * The length of the request head at the start of buf, up to and with the
 * empty line that ends it, or 0 when more bytes are needed.  Empty lines
 * before the request line belong to the head.  Lines end in LF or CRLF.
 */
size_t http__head_len(const char *buf, size_t len);

/*
 * What to answer when HTTP_HEAD_MAX bytes hold no whole head: 414 when the
 * request line does not end in them, 431 when the header lines do not, or
 * HTTP_NOT_HTTP when the first line has no space (no method, no target).
 */
int http__head_overflow(const char *buf, size_t len);

/*
 * Parses the request head buf[0..len), as measured by http__head_len.
 * Returns 0 and fills *req, HTTP_NOT_HTTP, or the status to answer with
 * (req->method is then HTTP_HEAD only if the request line said so):
 * 400 for anything malformed (the request line, a header line, a missing
 * or repeated Host on HTTP/1.1, a bad Content-Length, Content-Length with
 * Transfer-Encoding), 505 for a major version other than 1.
 */
int http_request__parse(const char *buf, size_t len, struct http_request *req);

/* "Not Found" for 404; "" for a status this server never sends. */
const char *http__reason(int status);

#endif
