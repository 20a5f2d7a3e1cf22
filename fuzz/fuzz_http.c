// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the exporter's request parser reads whatever a client sends.
 * Whatever the bytes, the head measured lies inside them, a parsed path
 * lies inside the head, and every refusal is a status the server can name.
 */
#include <stdint.h>
#include <stdlib.h>
#include "lib/http.h"

static void check_status(int status)
{
	if (status != HTTP_NOT_HTTP && status != 0 && !*http__reason(status))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	size_t head = http__head_len(buf, size);
	struct http_request req;
	int status;

	if (head > size)
		abort();
	if (size >= HTTP_HEAD_MAX && (!head || head > HTTP_HEAD_MAX)) {
		status = http__head_overflow(buf, HTTP_HEAD_MAX);
		if (status != 414 && status != 431 && status != HTTP_NOT_HTTP)
			abort();
	}
	/* The whole input too: the parser must hold up on a head it was not given measured. */
	check_status(http_request__parse(buf, size, &req));
	if (!head)
		return 0;
	status = http_request__parse(buf, head, &req);
	check_status(status);
	if (status)
		return 0;
	if (req.method > HTTP_OTHER || req.minor < 0 || req.minor > 9 || !req.path_len)
		abort();
	/* The path is in the head, or the constant "/" of an absolute form without one. */
	if (req.path < buf || req.path + req.path_len > buf + head) {
		if (req.path_len != 1 || req.path[0] != '/')
			abort();
	}
	return 0;
}
