// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_printk output, streamed from tracefs trace_pipe so nobody has to
 * `cat` it in another terminal.  The table mode prints the lines as the
 * kernel wrote them; JSON mode splits them into comm, pid, cpu and message.
 * trace_pipe is one per system: lines of other programs show up too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/session.h"
#include "lib/strbuf.h"
#include "runner/runner.h"

struct trace_pipe {
	int fd;
	struct output *out;
	bool json;
	struct strbuf partial;
	struct strbuf line;
	uint64_t lines;
	int64_t mono_to_real_ns;
};

int trace_pipe__open(bool json, int epoll_fd, struct trace_pipe **out_tp)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct trace_pipe *tp;
	struct timespec mono, real;
	char path[256];
	int err;

	*out_tp = NULL;
	err = tracefs__ensure();
	if (err)
		return err;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/trace_pipe", tracefs__path());
	tp->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (tp->fd < 0) {
		err = -errno;
		pr_err("cannot open %s: %s", path, strerror(errno));
		free(tp);
		return err;
	}
	tp->json = json;
	/* Lines left from before we started belong to someone else's run. */
	for (char buf[65536];;) {
		ssize_t n = read(tp->fd, buf, sizeof(buf));

		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	tp->mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000ll +
			      (real.tv_nsec - mono.tv_nsec);
	ev.data.ptr = tp;
	if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, tp->fd, &ev)) {
		err = -errno;
		trace_pipe__destroy(tp);
		return err;
	}
	*out_tp = tp;
	return 0;
}

static void json_str(struct strbuf *sb, const char *key, const char *s, size_t n)
{
	strbuf__addf(sb, ",\"%s\":\"", key);
	escape__json(sb, s, n);
	strbuf__addc(sb, '"');
}

/*
 * trace_pipe writes "<...>" for a task its saved_cmdlines cache has
 * forgotten: the name is then read from /proc while the thread lives.
 */
static bool comm_of(const char *tid, size_t n, char *out, size_t len)
{
	char path[64];
	ssize_t got;
	int fd;

	if (!n || n > 10 || strspn(tid, "0123456789") < n)
		return false;
	snprintf(path, sizeof(path), "/proc/%.*s/comm", (int)n, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	got = read(fd, out, len - 1);
	close(fd);
	if (got <= 0)
		return false;
	if (out[got - 1] == '\n')
		got--;
	out[got] = 0;
	return got > 0;
}

/* "  comm-123  [001] d..31  5.000: bpf_trace_printk: msg" */
static void emit_json(struct trace_pipe *tp, const char *l, size_t n)
{
	static const char mark[] = ": bpf_trace_printk: ";
	const char *end = l + n, *msg = memmem(l, n, mark, sizeof(mark) - 1);
	const char *lb = memchr(l, '[', n), *rb = lb ? memchr(lb, ']', end - lb) : NULL;
	struct strbuf *sb = &tp->line;
	struct timespec now;
	char when[64];
	struct tm tm;
	time_t sec;

	clock_gettime(CLOCK_REALTIME, &now);
	sec = now.tv_sec;
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	strbuf__addf(sb, "{\"type\":\"printk\",\"time\":\"%s.%09ldZ\"", when, now.tv_nsec);
	if (msg && lb && rb && lb < msg) {
		const char *task = l, *task_end = lb, *dash;

		while (task < task_end && *task == ' ')
			task++;
		while (task_end > task && task_end[-1] == ' ')
			task_end--;
		dash = task_end;
		while (dash > task && dash[-1] != '-')
			dash--;
		if (dash > task) {
			char comm[32];
			size_t clen = dash - 1 - task;

			if (clen == 5 && memcmp(task, "<...>", 5) == 0 &&
			    comm_of(dash, task_end - dash, comm, sizeof(comm)))
				json_str(sb, "comm", comm, strlen(comm));
			else if (clen == 5 && memcmp(task, "<...>", 5) == 0)
				strbuf__adds(sb, ",\"comm\":null");
			else
				json_str(sb, "comm", task, clen);
			strbuf__adds(sb, ",\"pid\":");
			strbuf__add(sb, dash, task_end - dash);
		}
		strbuf__adds(sb, ",\"cpu\":");
		strbuf__add_u64(sb, strtoul(lb + 1, NULL, 10));
		msg += sizeof(mark) - 1;
		json_str(sb, "msg", msg, end - msg);
	} else {
		json_str(sb, "msg", l, n);
	}
	strbuf__adds(sb, "}\n");
	output__write(tp->out, sb->buf, sb->len);
	strbuf__reset(sb);
}

static void emit(struct trace_pipe *tp, const char *l, size_t n)
{
	while (n && (l[n - 1] == '\r' || l[n - 1] == ' '))
		n--;
	if (!n)
		return;
	tp->lines++;
	if (tp->json) {
		emit_json(tp, l, n);
	} else {
		output__write(tp->out, l, n);
		output__write(tp->out, "\n", 1);
	}
}

int trace_pipe__read(struct trace_pipe *tp)
{
	if (!tp->out)
		return 0;
	char buf[65536];

	/* Bounded, so a storm of lines cannot keep the loop from seeing a signal. */
	for (int round = 0; round < 64; round++) {
		ssize_t n = read(tp->fd, buf, sizeof(buf));
		size_t start = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -errno;
		}
		if (n == 0)
			return 0;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n')
				continue;
			if (tp->partial.len) {
				strbuf__add(&tp->partial, buf + start, i - start);
				emit(tp, tp->partial.buf, tp->partial.len);
				strbuf__reset(&tp->partial);
			} else {
				emit(tp, buf + start, i - start);
			}
			start = i + 1;
		}
		strbuf__add(&tp->partial, buf + start, n - start);
	}
	return 0;
}

void trace_pipe__set_output(struct trace_pipe *tp, struct output *out)
{
	tp->out = out;
}

uint64_t trace_pipe__lines(const struct trace_pipe *tp)
{
	return tp ? tp->lines : 0;
}

void trace_pipe__destroy(struct trace_pipe *tp)
{
	if (!tp)
		return;
	if (tp->partial.len && tp->out)
		emit(tp, tp->partial.buf, tp->partial.len);
	close(tp->fd);
	strbuf__free(&tp->partial);
	strbuf__free(&tp->line);
	free(tp);
}
