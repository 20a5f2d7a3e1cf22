// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "lib/memory.h"
#include "lib/output.h"
#include "lib/strbuf.h"

struct output {
	FILE *f;
	int fd; /* -1: stdio mode */
	int saved_flags;
	size_t cap;
	struct strbuf pending;
	size_t head; /* bytes of pending already written */
	size_t accounted; /* pending's allocation, as told to memory__account */
	int err;
};

/* A backlog this small is kept between bursts; a larger one is given back. */
#define OUTPUT_KEEP (64u << 10)

static void account(struct output *o)
{
	memory__account(MEMORY_OUTPUT_BACKLOG, (int64_t)o->pending.cap - (int64_t)o->accounted);
	o->accounted = o->pending.cap;
}

/* fflush, retried on EINTR; a write error as -errno. */
static int flush_file(FILE *out)
{
	for (;;) {
		errno = 0;
		if (fflush(out) != EOF && !ferror(out))
			return 0;
		if (errno != EINTR)
			return errno ? -errno : -EIO;
		clearerr(out);
	}
}

struct output *output__new(FILE *f, size_t backlog_cap)
{
	struct output *o = calloc(1, sizeof(*o));
	struct stat st;
	int fd;

	if (!o)
		return NULL;
	o->f = f;
	o->fd = -1;
	o->cap = backlog_cap ? backlog_cap : OUTPUT_DEFAULT_BACKLOG;
	fd = fileno(f);
	if (fd >= 0 && fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		o->saved_flags = fcntl(fd, F_GETFL);
		if (o->saved_flags >= 0 &&
		    fcntl(fd, F_SETFL, o->saved_flags | O_NONBLOCK) == 0) {
			fflush(f);
			o->fd = fd;
		}
	}
	return o;
}

void output__write(struct output *o, const char *p, size_t n)
{
	if (o->fd < 0) {
		fwrite(p, 1, n, o->f);
	} else {
		strbuf__add(&o->pending, p, n);
		if (o->pending.cap != o->accounted)
			account(o);
	}
}

bool output__backlogged(const struct output *o)
{
	return o->fd >= 0 && o->pending.len - o->head >= o->cap;
}

int output__flush(struct output *o)
{
	if (o->err)
		return o->err;
	if (o->fd < 0)
		return o->err = flush_file(o->f);
	while (o->head < o->pending.len) {
		ssize_t n = write(o->fd, o->pending.buf + o->head, o->pending.len - o->head);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return o->err = -errno;
		}
		o->head += n;
	}
	if (o->head == o->pending.len) {
		/* All written: what a burst needed goes back. */
		if (o->pending.cap > OUTPUT_KEEP)
			strbuf__free(&o->pending);
		else
			strbuf__reset(&o->pending);
		o->head = 0;
	} else if (o->head > (1u << 20) && o->head > o->pending.len / 2) {
		/* Keep the buffer from growing behind a slow reader. */
		memmove(o->pending.buf, o->pending.buf + o->head, o->pending.len - o->head);
		o->pending.len -= o->head;
		o->head = 0;
		if (o->pending.cap > 4 * o->pending.len && o->pending.cap > OUTPUT_KEEP)
			strbuf__shrink(&o->pending, 2 * o->pending.len > OUTPUT_KEEP ?
							    2 * o->pending.len : OUTPUT_KEEP);
	}
	if (o->pending.cap != o->accounted)
		account(o);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int output__close(struct output *o, int timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	int err;

	if (!o)
		return 0;
	err = output__flush(o);
	while (!err && o->fd >= 0 && o->head < o->pending.len) {
		struct pollfd p = { .fd = o->fd, .events = POLLOUT };
		long long left = deadline - now_ms();

		if (left <= 0 || poll(&p, 1, left) <= 0 || (p.revents & (POLLERR | POLLHUP))) {
			err = -EAGAIN;
			break;
		}
		err = output__flush(o);
	}
	if (o->fd >= 0)
		fcntl(o->fd, F_SETFL, o->saved_flags);
	strbuf__free(&o->pending);
	account(o);
	free(o);
	return err;
}

void output__buffer_stdout(void)
{
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
}

int64_t clock__mono_to_real_ns(void)
{
	struct timespec mono, real;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	return (real.tv_sec - mono.tv_sec) * 1000000000ll + (real.tv_nsec - mono.tv_nsec);
}

void clock__utc_now(char *buf, size_t len)
{
	struct timespec now;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", now.tv_nsec);
}
