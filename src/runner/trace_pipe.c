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
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/session.h"
#include "lib/stream.h"
#include "lib/strbuf.h"
#include "runner/runner.h"

struct trace_pipe {
	struct stream_source base;
	int fd;
	struct output *out;
	bool json;
	struct strbuf partial;
	struct strbuf line;
	uint64_t lines;
	uint64_t dropped; /* lines the output could not take: its reader lagged */
};

static const struct stream_source_ops trace_pipe_ops;

int trace_pipe__open(bool json, struct trace_pipe **out_tp)
{
	struct trace_pipe *tp;
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
	tp->base.ops = &trace_pipe_ops;
	tp->base.name = "trace_pipe";
	/* Lines left from before we started belong to someone else's run. */
	for (char buf[65536];;) {
		ssize_t n = read(tp->fd, buf, sizeof(buf));

		if (n <= 0 && !(n < 0 && errno == EINTR))
			break;
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
	char when[64];

	clock__utc_now(when, sizeof(when));
	strbuf__addf(sb, "{\"type\":\"printk\",\"time\":\"%s\"", when);
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
	if (!tp->out)
		return; /* -q: counted, not shown */
	if (output__backlogged(tp->out)) {
		tp->dropped++; /* keep reading the kernel's pipe; say so at the end */
		return;
	}
	if (tp->json) {
		emit_json(tp, l, n);
	} else {
		output__write(tp->out, l, n);
		output__write(tp->out, "\n", 1);
	}
}

/* Reads what is there; STREAM_YIELD when there may be more after 64 reads. */
static int tp_drain(struct stream_source *src, struct stream *st)
{
	struct trace_pipe *tp = (struct trace_pipe *)src;
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
	return STREAM_YIELD;
}

static int tp_fd(struct stream_source *src)
{
	return ((struct trace_pipe *)src)->fd;
}

static int tp_flush(struct stream_source *src)
{
	struct trace_pipe *tp = (struct trace_pipe *)src;

	return tp->out ? output__flush(tp->out) : 0;
}

/* A last line without its newline still counts. */
static void tp_finish(struct stream_source *src, struct stream *st)
{
	struct trace_pipe *tp = (struct trace_pipe *)src;

	if (tp->partial.len)
		emit(tp, tp->partial.buf, tp->partial.len);
	strbuf__reset(&tp->partial);
}

static void tp_summary(struct stream_source *src, char *buf, size_t len)
{
	struct trace_pipe *tp = (struct trace_pipe *)src;
	int n = snprintf(buf, len, ", %llu trace_pipe lines", (unsigned long long)tp->lines);

	if (tp->dropped && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (%llu not written)", (unsigned long long)tp->dropped);
}

static const struct stream_source_ops trace_pipe_ops = {
	.fd = tp_fd,
	.drain = tp_drain,
	.flush = tp_flush,
	.finish = tp_finish,
	.summary = tp_summary,
};

struct stream_source *trace_pipe__source(struct trace_pipe *tp)
{
	return &tp->base;
}

void trace_pipe__set_output(struct trace_pipe *tp, struct output *out)
{
	tp->out = out;
}

void trace_pipe__destroy(struct trace_pipe *tp)
{
	if (!tp)
		return;
	close(tp->fd);
	strbuf__free(&tp->partial);
	strbuf__free(&tp->line);
	free(tp);
}
