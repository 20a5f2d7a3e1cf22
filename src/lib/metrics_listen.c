// SPDX-License-Identifier: GPL-2.0
/* The exporter's address: "[ADDR:]PORT" parsed, bound and listened on. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/metrics_internal.h"

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

const char *metrics__describe_addr(const struct sockaddr_storage *addr, char *buf, size_t len)
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

int metrics__listen(const struct sockaddr_storage *addr, socklen_t addrlen)
{
	char where[INET6_ADDRSTRLEN + 16];
	int fd, one = 1, err;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
		metrics__describe_addr(addr, where, sizeof(where));
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
