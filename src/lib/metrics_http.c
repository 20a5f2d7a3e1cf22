// SPDX-License-Identifier: GPL-2.0
/* The exporter's HTTP side: libmicrohttpd on its own thread, on a socket bound here. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>
#include "lib/log.h"
#include "lib/metrics.h"

struct metrics_server {
	struct MHD_Daemon *daemon;
	int fd;
	int port;
	char url[INET6_ADDRSTRLEN + 32];
	metrics_render_fn render;
	void *ctx;
};

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

int metrics__parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *addrlen,
			  const char **why)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)addr;
	const char *colon = strrchr(text, ':'), *port_text = colon ? colon + 1 : text;
	char host[INET6_ADDRSTRLEN + 2];
	size_t hlen = colon ? (size_t)(colon - text) : 0;
	unsigned long port;
	char *end;

	memset(addr, 0, sizeof(*addr));
	if (!*port_text || *port_text < '0' || *port_text > '9') {
		*why = "expected [ADDR:]PORT";
		return -EINVAL;
	}
	errno = 0;
	port = strtoul(port_text, &end, 10);
	if (*end || errno || port > 65535) {
		*why = "the port is a number from 0 to 65535";
		return -EINVAL;
	}
	if (hlen >= sizeof(host)) {
		*why = "not an IPv4 or IPv6 address";
		return -EINVAL;
	}
	memcpy(host, text, hlen);
	host[hlen] = 0;
	if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &in6->sin6_addr) != 1) {
			*why = "not an IPv6 address";
			return -EINVAL;
		}
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		*addrlen = sizeof(*in6);
		return 0;
	}
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	*addrlen = sizeof(*in4);
	if (!hlen) {
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1) {
		*why = strchr(host, ':') ? "an IPv6 address goes in brackets: [::1]:PORT"
					 : "not an IPv4 address (or [IPv6])";
		return -EINVAL;
	}
	return 0;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
								 MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct metrics_server *srv = cls;
	struct MHD_Response *r;
	struct strbuf sb = {};
	enum MHD_Result ret;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/") == 0)
		return reply(conn, MHD_HTTP_OK, "procsnoop exporter: the metrics are at /metrics\n");
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	srv->render(srv->ctx, &sb);
	if (sb.oom) {
		strbuf__free(&sb);
		return reply(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	/* MHD frees the buffer with free(). */
	r = MHD_create_response_from_buffer(sb.len, sb.buf ? sb.buf : (char *)"",
					    sb.buf ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r) {
		strbuf__free(&sb);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = 0;
	pr_debug("metrics: %s", line);
}

static const char *describe(const struct sockaddr_storage *addr, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (addr->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(in6->sin6_port));
	} else {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)addr;

		inet_ntop(AF_INET, &in4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(in4->sin_port));
	}
	return buf;
}

static int listen_on(const struct sockaddr_storage *addr, socklen_t addrlen)
{
	char where[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, err;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		pr_err("cannot serve metrics: socket: %s", strerror(errno));
		return err;
	}
	/* A restart must not wait for the last run's connections in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (addr->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)addr, addrlen) || listen(fd, 64)) {
		err = -errno;
		describe(addr, where, sizeof(where));
		if (err == -EADDRINUSE)
			pr_err("cannot serve metrics on %s: the port is in use", where);
		else if (err == -EADDRNOTAVAIL)
			pr_err("cannot serve metrics on %s: not an address of this host", where);
		else
			pr_err("cannot serve metrics on %s: %s", where, strerror(-err));
		close(fd);
		return err;
	}
	return fd;
}

int metrics_server__new(const struct sockaddr_storage *addr, socklen_t addrlen,
			metrics_render_fn render, void *ctx, struct metrics_server **out)
{
	struct metrics_server *srv = calloc(1, sizeof(*srv));
	char where[INET6_ADDRSTRLEN + 16];
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	sigset_t block, old;

	*out = NULL;
	if (!srv)
		return -ENOMEM;
	srv->render = render;
	srv->ctx = ctx;
	srv->fd = listen_on(addr, addrlen);
	if (srv->fd < 0) {
		int err = srv->fd;

		free(srv);
		return err;
	}
	if (getsockname(srv->fd, (struct sockaddr *)&bound, &blen))
		bound = *addr;
	srv->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						      : ((struct sockaddr_in *)&bound)->sin_port);
	snprintf(srv->url, sizeof(srv->url), "http://%s/metrics",
		 describe(&bound, where, sizeof(where)));
	/* Stop signals belong to the stream's thread, which waits for them. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	srv->daemon = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG, 0, NULL, NULL,
		on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, srv->fd,
		/* Malformed requests (no Host, bad header lines) get a 400, not a guess. */
		MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
		/* A client that sends garbage, or nothing, cannot hold a connection for long. */
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)5, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned int)64, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!srv->daemon) {
		pr_err("cannot serve metrics: libmicrohttpd did not start");
		close(srv->fd);
		free(srv);
		return -EIO;
	}
	*out = srv;
	return 0;
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
	if (!srv)
		return;
	/* It closes the listening socket it was given. */
	MHD_stop_daemon(srv->daemon);
	free(srv);
}
