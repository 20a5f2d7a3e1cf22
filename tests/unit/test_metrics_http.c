// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP server in this process, on a loopback port: an answer
 * larger than the socket takes at once, clients that leave half-way, and a
 * destroy with connections still open.  SIGPIPE keeps its default action
 * here: a send to a closed connection that raised it would end the tests.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "lib/metrics.h"
#include "unit.h"

/* Well past the few MiB a loopback socket buffers: the server must write in parts. */
#define BIG_BLOCKS 2048

/* 8 MiB of blocks of 4 KiB, each a different series. */
static void render_big(void *ctx, struct strbuf *out)
{
	char block[4096];

	for (int i = 0; i < BIG_BLOCKS; i++) {
		int n = snprintf(block, sizeof(block), "procsnoop_test_series{n=\"%d\",pad=\"", i);

		memset(block + n, 'a' + i % 26, sizeof(block) - n);
		memcpy(block + sizeof(block) - 5, "\"} 1\n", 5);
		strbuf__add(out, block, sizeof(block));
	}
	__atomic_add_fetch((int *)ctx, 1, __ATOMIC_RELAXED);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct metrics_server *start(int *renders)
{
	struct sockaddr_storage addr;
	struct metrics_server *srv = NULL;
	socklen_t len;
	const char *why;

	CHECK_INT(metrics__parse_listen("127.0.0.1:0", &addr, &len, &why), 0);
	CHECK_INT(metrics_server__new(&addr, len, render_big, renders, &srv), 0);
	return srv;
}

/* A connection that has sent req; a small receive buffer when small. */
static int client(const struct metrics_server *srv, const char *req, bool small)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(metrics_server__port(srv)),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rcvbuf = 4096;

	CHECK(fd >= 0);
	if (small)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	CHECK_INT(connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	if (req)
		CHECK_INT(send(fd, req, strlen(req), MSG_NOSIGNAL), strlen(req));
	return fd;
}

/* Everything until the server closes (10 s at most), in sb. */
static void read_all(int fd, struct strbuf *sb)
{
	char buf[2048];
	double deadline = now_s() + 10;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 1000) <= 0 && now_s() > deadline) {
			unit__fail(__FILE__, __LINE__, "no close within 10 s");
			return;
		}
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0)
			return;
		strbuf__add(sb, buf, n);
	}
}

static void reset_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

static const char get_metrics[] = "GET /metrics?x=1 HTTP/1.1\r\nHost: t\r\n\r\n";

TEST(metrics_http_large_answer_in_partial_writes)
{
	int renders = 0, fd;
	struct metrics_server *srv = start(&renders);
	struct strbuf got = {}, want = {};
	const char *body;
	char *end;

	if (!srv)
		return;
	fd = client(srv, get_metrics, true);
	/* The server fills what the socket takes and waits for room. */
	usleep(300 * 1000);
	read_all(fd, &got);
	close(fd);
	render_big(&renders, &want);
	CHECK(want.len > 4 << 20);
	CHECK(got.len > 16 && !memcmp(got.buf, "HTTP/1.1 200 OK\r\n", 17));
	body = got.buf ? strstr(got.buf, "\r\n\r\n") : NULL;
	CHECK(body != NULL);
	if (body) {
		const char *cl = strstr(got.buf, "\r\nContent-Length: ");
		size_t n = got.len - (body + 4 - got.buf);

		CHECK(cl && cl < body);
		CHECK_INT(cl ? strtoull(cl + 18, &end, 10) : 0, want.len);
		CHECK_INT(n, want.len);
		CHECK(n == want.len && !memcmp(body + 4, want.buf, want.len));
	}
	CHECK_INT(__atomic_load_n(&renders, __ATOMIC_RELAXED), 2);
	strbuf__free(&got);
	strbuf__free(&want);
	metrics_server__destroy(srv);
}

TEST(metrics_http_clients_leave_half_way)
{
	int renders = 0, fds[20];
	struct metrics_server *srv = start(&renders);
	struct strbuf got = {};
	char buf[100];
	double t;
	int fd;

	if (!srv)
		return;
	/* Gone before the answer: the server writes into a closed connection (EPIPE). */
	for (int i = 0; i < 10; i++)
		close(client(srv, get_metrics, false));
	/* Each reads the start of a large answer, then goes: closed, or reset. */
	for (int i = 0; i < 20; i++) {
		fds[i] = client(srv, get_metrics, true);
		CHECK(recv(fds[i], buf, sizeof(buf), MSG_WAITALL) > 0);
		if (i % 2)
			reset_close(fds[i]);
		else
			close(fds[i]);
	}
	/* A whole answer after them. */
	fd = client(srv, "HEAD /metrics HTTP/1.0\r\n\r\n", false);
	read_all(fd, &got);
	close(fd);
	CHECK(got.buf && !strncmp(got.buf, "HTTP/1.1 200 OK\r\n", 17));
	CHECK(got.buf && !strcmp(got.buf + got.len - 4, "\r\n\r\n"));
	strbuf__free(&got);
	/* Stopped with one client silent and one half-way through its answer: prompt, no leak. */
	fds[0] = client(srv, NULL, false);
	fds[1] = client(srv, get_metrics, true);
	usleep(200 * 1000);
	t = now_s();
	metrics_server__destroy(srv);
	CHECK(now_s() - t < 0.5);
	close(fds[0]);
	close(fds[1]);
}
