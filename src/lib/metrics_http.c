// SPDX-License-Identifier: GPL-2.0
/*
 * The exporter's HTTP side: one thread serves the socket metrics_listen.c
 * binds, with poll(), over at most CONN_MAX non-blocking connections.  Each
 * connection carries one request (GET or HEAD) and one answer, then closes:
 * no body is read, no connection kept alive.  A client gets CONN_TIMEOUT_MS
 * for the whole exchange, so a slow or silent one cannot hold the server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "lib/http.h"
#include "lib/log.h"
#include "lib/metrics_internal.h"

#define CONN_MAX 64
/* The request head in and the answer out, from the accept on. */
#define CONN_TIMEOUT_MS 5000
/* After the answer: what the client still sends is read and dropped, for so long. */
#define LINGER_MS 1000
#define LINGER_BYTES (256 * 1024)
/* With every slot taken, a connection this old gives way to a new one. */
#define EVICT_AGE_MS 1000
/* accept() out of descriptors or memory: the listening socket rests so long. */
#define ACCEPT_PAUSE_MS 100
/* Connections taken from the backlog per turn of the loop. */
#define ACCEPT_BATCH 16

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define TEXT_TYPE "text/plain; charset=utf-8"

enum conn_state {
	CONN_READ, /* the request head */
	CONN_WRITE, /* the answer */
	CONN_LINGER, /* answered, our side shut: reading until the client closes */
};

struct conn {
	int fd;
	enum conn_state state;
	uint64_t since_ms, deadline_ms;
	size_t len, drained;
	struct strbuf body; /* what /metrics rendered */
	struct iovec iov[2]; /* the header lines, then the body */
	int iov_at;
	char resp[320];
	char note[64]; /* the body of an error */
	char head[HTTP_HEAD_MAX];
};

struct metrics_server {
	int fd; /* listening, non-blocking */
	int wake_fd; /* an eventfd: metrics_server__destroy asks the thread to stop */
	pthread_t thread;
	int port;
	char url[INET6_ADDRSTRLEN + 32];
	metrics_render_fn render;
	void *ctx;
	struct conn *conns[CONN_MAX];
	int nconns;
	uint64_t accept_after_ms;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

/* RFC 9110's IMF-fixdate, with English names whatever the locale. */
static void http_date(char *buf, size_t len)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = time(NULL);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, len, "Thu, 01 Jan 1970 00:00:00 GMT");
		return;
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7],
		 tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

static void conn_close(struct metrics_server *srv, int i)
{
	struct conn *c = srv->conns[i];

	close(c->fd);
	strbuf__free(&c->body);
	free(c);
	srv->conns[i] = srv->conns[--srv->nconns];
	srv->conns[srv->nconns] = NULL;
}

/* Our side is done: shut it, and read what the client still sends until it closes. */
static void conn_finish(struct conn *c)
{
	strbuf__free(&c->body);
	shutdown(c->fd, SHUT_WR);
	c->state = CONN_LINGER;
	c->deadline_ms = now_ms() + LINGER_MS;
}

/* false: the connection is done with. */
static bool conn_write(struct conn *c)
{
	while (c->iov_at < 2) {
		struct msghdr msg = { .msg_iov = c->iov + c->iov_at, .msg_iovlen = 2 - c->iov_at };
		ssize_t n = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* EAGAIN: wait for room; EPIPE, ECONNRESET: the client left. */
			return errno == EAGAIN || errno == EWOULDBLOCK;
		}
		while (c->iov_at < 2 && (size_t)n >= c->iov[c->iov_at].iov_len) {
			n -= c->iov[c->iov_at].iov_len;
			c->iov[c->iov_at++].iov_len = 0;
		}
		if (c->iov_at < 2) {
			c->iov[c->iov_at].iov_base = (char *)c->iov[c->iov_at].iov_base + n;
			c->iov[c->iov_at].iov_len -= n;
		}
	}
	conn_finish(c);
	return true;
}

/* Queues the answer and sends what the socket takes now; false when the client left. */
static bool conn_respond(struct conn *c, int status, const char *type, const char *body,
			 size_t len, bool head_only)
{
	char date[40];
	int n;

	http_date(date, sizeof(date));
	n = snprintf(c->resp, sizeof(c->resp),
		     "HTTP/1.1 %d %s\r\n"
		     "Date: %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "Connection: close\r\n"
		     "\r\n",
		     status, http__reason(status), date, type, len,
		     status == 405 ? "Allow: GET, HEAD\r\n" : "");
	c->iov[0] = (struct iovec){ c->resp, n };
	c->iov[1] = (struct iovec){ (void *)body, head_only ? 0 : len };
	c->iov_at = 0;
	c->state = CONN_WRITE;
	return conn_write(c);
}

static bool conn_error(struct conn *c, int status, bool head_only)
{
	int n = snprintf(c->note, sizeof(c->note), "%d %s\n", status, http__reason(status));

	return conn_respond(c, status, TEXT_TYPE, c->note, n, head_only);
}

static bool path_is(const struct http_request *req, const char *path)
{
	return req->path_len == strlen(path) && memcmp(req->path, path, req->path_len) == 0;
}

static bool conn_answer(struct metrics_server *srv, struct conn *c, const struct http_request *req)
{
	static const char index_text[] = "procsnoop exporter: the metrics are at /metrics\n";
	static const char not_found[] = "not found: the metrics are at /metrics\n";
	static const char not_allowed[] = "only GET and HEAD\n";
	static const char no_memory[] = "out of memory\n";
	bool head_only = req->method == HTTP_HEAD;

	if (req->method == HTTP_OTHER)
		return conn_respond(c, 405, TEXT_TYPE, not_allowed, sizeof(not_allowed) - 1, false);
	if (path_is(req, "/"))
		return conn_respond(c, 200, TEXT_TYPE, index_text, sizeof(index_text) - 1,
				    head_only);
	if (!path_is(req, "/metrics"))
		return conn_respond(c, 404, TEXT_TYPE, not_found, sizeof(not_found) - 1,
				    head_only);
	/* HEAD renders too: its Content-Length is the one a GET would get. */
	srv->render(srv->ctx, &c->body);
	if (c->body.oom) {
		strbuf__free(&c->body);
		return conn_respond(c, 500, TEXT_TYPE, no_memory, sizeof(no_memory) - 1,
				    head_only);
	}
	return conn_respond(c, 200, CONTENT_TYPE, c->body.buf ? c->body.buf : "", c->body.len,
			    head_only);
}

/* Bytes read, 0 at the end, -EAGAIN when none wait, or another negative errno. */
static ssize_t conn_recv(struct conn *c, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* Reads what came of the request head, and answers once it is whole.  false: done with. */
static bool conn_read(struct metrics_server *srv, struct conn *c)
{
	struct http_request req;
	size_t head_len;
	ssize_t n;
	int status;

	for (;;) {
		n = conn_recv(c, c->head + c->len, sizeof(c->head) - c->len);
		/* 0: closed before a whole head. */
		if (n <= 0)
			return n == -EAGAIN;
		c->len += n;
		head_len = http__head_len(c->head, c->len);
		if (head_len) {
			status = http_request__parse(c->head, head_len, &req);
			break;
		}
		if (c->len == sizeof(c->head)) {
			status = http__head_overflow(c->head, c->len);
			req.method = HTTP_GET;
			break;
		}
	}
	if (status == HTTP_NOT_HTTP) {
		conn_finish(c);
		return true;
	}
	/* A HEAD refused for its header lines gets no body either. */
	if (status)
		return conn_error(c, status, req.method == HTTP_HEAD);
	return conn_answer(srv, c, &req);
}

/* Reads and drops what a client sends after its answer.  false: done with. */
static bool conn_linger(struct conn *c)
{
	char sink[4096];
	ssize_t n;

	for (;;) {
		n = conn_recv(c, sink, sizeof(sink));
		if (n <= 0)
			return n == -EAGAIN;
		c->drained += n;
		if (c->drained > LINGER_BYTES)
			return false;
	}
}

/* The slot a new connection may take when all are in use: -1 when none gives way yet. */
static int evictable(const struct metrics_server *srv, uint64_t now)
{
	int oldest = -1;

	for (int i = 0; i < srv->nconns; i++) {
		const struct conn *c = srv->conns[i];

		if (c->state == CONN_LINGER)
			return i;
		if (oldest < 0 || c->since_ms < srv->conns[oldest]->since_ms)
			oldest = i;
	}
	if (oldest >= 0 && now - srv->conns[oldest]->since_ms < EVICT_AGE_MS)
		return -1;
	return oldest;
}

static void accept_some(struct metrics_server *srv)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		uint64_t now = now_ms();
		struct conn *c;
		int fd, victim;

		if (srv->nconns == CONN_MAX) {
			victim = evictable(srv, now);
			if (victim < 0)
				return;
			conn_close(srv, victim);
		}
		fd = accept4(srv->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM) {
				pr_debug("metrics: accept: %s", strerror(errno));
				srv->accept_after_ms = now + ACCEPT_PAUSE_MS;
			}
			return;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			srv->accept_after_ms = now + ACCEPT_PAUSE_MS;
			return;
		}
		c->fd = fd;
		c->state = CONN_READ;
		c->since_ms = now;
		c->deadline_ms = now + CONN_TIMEOUT_MS;
		srv->conns[srv->nconns++] = c;
	}
}

/* When the loop must look again without an event: a deadline, or a slot giving way. */
static int poll_timeout(const struct metrics_server *srv, uint64_t now, bool *listening)
{
	uint64_t wake = UINT64_MAX, oldest = UINT64_MAX;

	for (int i = 0; i < srv->nconns; i++) {
		const struct conn *c = srv->conns[i];

		if (c->deadline_ms < wake)
			wake = c->deadline_ms;
		if (c->since_ms < oldest)
			oldest = c->since_ms;
	}
	*listening = now >= srv->accept_after_ms;
	if (!*listening && srv->accept_after_ms < wake)
		wake = srv->accept_after_ms;
	if (*listening && srv->nconns == CONN_MAX && evictable(srv, now) < 0) {
		*listening = false;
		if (oldest + EVICT_AGE_MS < wake)
			wake = oldest + EVICT_AGE_MS;
	}
	if (wake == UINT64_MAX)
		return -1;
	return wake <= now ? 0 : (int)(wake - now);
}

static void *serve(void *arg)
{
	struct metrics_server *srv = arg;
	struct pollfd pfd[2 + CONN_MAX];

	for (;;) {
		uint64_t now = now_ms();
		bool listening;
		int timeout = poll_timeout(srv, now, &listening);

		pfd[0] = (struct pollfd){ .fd = srv->wake_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = listening ? srv->fd : -1, .events = POLLIN };
		for (int i = 0; i < srv->nconns; i++)
			pfd[2 + i] = (struct pollfd){
				.fd = srv->conns[i]->fd,
				.events = srv->conns[i]->state == CONN_WRITE ? POLLOUT : POLLIN,
			};
		if (poll(pfd, 2 + srv->nconns, timeout) < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOMEM) {
				nanosleep(&(struct timespec){ .tv_nsec = ACCEPT_PAUSE_MS * 1000000L },
					  NULL);
				continue;
			}
			pr_err("metrics: the server stops: poll: %s", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break;
		/* Downwards: a closed slot takes the last one, which was seen already. */
		for (int i = srv->nconns - 1; i >= 0; i--) {
			struct conn *c = srv->conns[i];
			bool keep = true;

			if (!pfd[2 + i].revents)
				continue;
			if (c->state == CONN_READ)
				keep = conn_read(srv, c);
			else if (c->state == CONN_WRITE)
				keep = conn_write(c);
			else
				keep = conn_linger(c);
			/* Gone both ways, or in error: nothing more will come of it. */
			if (pfd[2 + i].revents & (POLLERR | POLLHUP | POLLNVAL))
				keep = false;
			if (!keep)
				conn_close(srv, i);
		}
		now = now_ms();
		for (int i = srv->nconns - 1; i >= 0; i--)
			if (srv->conns[i]->deadline_ms <= now)
				conn_close(srv, i);
		if (pfd[1].revents)
			accept_some(srv);
	}
	while (srv->nconns)
		conn_close(srv, srv->nconns - 1);
	return NULL;
}

int metrics_server__new(const struct sockaddr_storage *addr, socklen_t addrlen,
			metrics_render_fn render, void *ctx, struct metrics_server **out)
{
	struct metrics_server *srv = calloc(1, sizeof(*srv));
	char where[INET6_ADDRSTRLEN + 16];
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	sigset_t block, old;
	int err;

	*out = NULL;
	if (!srv)
		return -ENOMEM;
	srv->render = render;
	srv->ctx = ctx;
	srv->fd = metrics__listen(addr, addrlen);
	if (srv->fd < 0) {
		err = srv->fd;
		free(srv);
		return err;
	}
	srv->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (srv->wake_fd < 0) {
		err = -errno;
		pr_err("cannot serve metrics: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (getsockname(srv->fd, (struct sockaddr *)&bound, &blen))
		bound = *addr;
	srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						      : ((struct sockaddr_in *)&bound)->sin_port);
	snprintf(srv->url, sizeof(srv->url), "http://%s/metrics",
		 metrics__describe_addr(&bound, where, sizeof(where)));
	/* Stop signals belong to the stream's thread, which waits for them. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	err = -pthread_create(&srv->thread, NULL, serve, srv);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pr_err("cannot serve metrics: cannot start a thread: %s", strerror(-err));
		goto fail;
	}
	pthread_setname_np(srv->thread, "metrics-http");
	*out = srv;
	return 0;
fail:
	if (srv->wake_fd >= 0)
		close(srv->wake_fd);
	close(srv->fd);
	free(srv);
	return err;
}

int metrics_server__port(const struct metrics_server *srv)
{
	return srv ? srv->port : 0;
}

const char *metrics_server__url(const struct metrics_server *srv)
{
	return srv->url;
}

void metrics_server__destroy(struct metrics_server *srv)
{
	uint64_t one = 1;

	if (!srv)
		return;
	while (write(srv->wake_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(srv->thread, NULL);
	close(srv->wake_fd);
	close(srv->fd);
	free(srv);
}
