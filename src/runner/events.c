// SPDX-License-Identifier: GPL-2.0
/*
 * Events from ring buffer and perf event array maps.  Each event becomes a
 * record the sinks know: a synthesized event_header (receive time, type
 * EVENT_USER) followed by the raw bytes, described by a schema derived
 * from the BTF of the event struct with offsets shifted past the header.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include "runner/btf_schema.h"
#include "lib/log.h"
#include "runner/runner.h"

static __u32 find_struct(const struct btf *btf, const char *name)
{
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

	if (id <= 0)
		id = btf__find_by_name_kind(btf, name, BTF_KIND_UNION);
	return id > 0 ? (__u32)id : 0;
}

static size_t ident_at(const char *p, const char **start)
{
	while (*p && (isspace((unsigned char)*p) || *p == '&' || *p == '*' || *p == '('))
		p++;
	*start = p;
	while (isalnum((unsigned char)*p) || *p == '_')
		p++;
	return p - *start;
}

/* `struct NAME *VAR` or `struct NAME VAR` declared somewhere in the text. */
static char *struct_of_var(const char *text, const char *var, size_t vlen)
{
	for (const char *p = text; (p = strstr(p, "struct ")); p += 7) {
		const char *name, *v;
		size_t n = ident_at(p + 7, &name), m;

		if (!n || (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')))
			continue;
		m = ident_at(name + n, &v);
		if (m == vlen && memcmp(v, var, vlen) == 0)
			return strndup(name, n);
	}
	return NULL;
}

/*
 * The struct handed to bpf_ringbuf_output/reserve or bpf_perf_event_output:
 * `sizeof(struct X)` in the call, else the declared type of the data
 * argument (`&event`, `eventp`, `e`).
 */
static char *submitted_struct(const char *text)
{
	static const struct {
		const char *fn;
		int data_arg; /* 0-based argument holding the data, -1: use sizeof */
	} calls[] = {
		{ "bpf_perf_event_output", 3 },
		{ "bpf_ringbuf_output", 1 },
		{ "bpf_ringbuf_reserve", -1 },
	};

	for (size_t c = 0; c < sizeof(calls) / sizeof(calls[0]); c++) {
		for (const char *p = text; (p = strstr(p, calls[c].fn)); p++) {
			const char *q = p + strlen(calls[c].fn), *end, *s;
			int depth = 0, arg = 0;

			while (isspace((unsigned char)*q))
				q++;
			if (*q != '(')
				continue;
			for (end = q; *end; end++) {
				if (*end == '(')
					depth++;
				else if (*end == ')' && --depth == 0)
					break;
			}
			s = strstr(q, "sizeof");
			if (s && s < end) {
				const char *n;
				size_t len;

				s += 6;
				while (isspace((unsigned char)*s) || *s == '(')
					s++;
				if (strncmp(s, "struct", 6) == 0 && isspace((unsigned char)s[6])) {
					len = ident_at(s + 6, &n);
					if (len)
						return strndup(n, len);
				}
				len = ident_at(s, &n);
				if (len) {
					char *r = struct_of_var(text, n, len);

					if (r)
						return r;
				}
			}
			if (calls[c].data_arg < 0)
				continue;
			/* Walk to the data argument. */
			depth = 0;
			for (s = q + 1; s < end && arg < calls[c].data_arg; s++) {
				if (*s == '(')
					depth++;
				else if (*s == ')')
					depth--;
				else if (*s == ',' && depth == 0)
					arg++;
			}
			if (arg == calls[c].data_arg) {
				const char *n;
				size_t len = ident_at(s, &n);
				char *r = len ? struct_of_var(text, n, len) : NULL;

				if (r)
					return r;
			}
		}
	}
	return NULL;
}

__u32 events__find_type(const struct btf *btf, const struct source_file *src,
			const struct source_file *headers, int nheaders, const char **why)
{
	char **names = NULL, *name;
	int n;
	__u32 id = 0;

	*why = NULL;
	if (!btf)
		return 0;
	for (int i = 0; i < nheaders && !id; i++) {
		n = source__struct_names(headers[i].text, &names);
		if (n > 0) {
			id = find_struct(btf, names[0]);
			if (!id)
				*why = "the header's struct is not in the program's BTF (does the "
				       "program include the header?)";
		}
		for (int j = 0; j < n; j++)
			free(names[j]);
		free(names);
		if (n > 0)
			return id;
	}
	if (!src)
		return find_struct(btf, "event");
	name = submitted_struct(src->text);
	if (name) {
		id = find_struct(btf, name);
		free(name);
		if (id)
			return id;
	}
	id = find_struct(btf, "event");
	if (id)
		return id;
	n = source__struct_names(src->text, &names);
	if (n == 1)
		id = find_struct(btf, names[0]);
	for (int j = 0; j < (n > 0 ? n : 0); j++)
		free(names[j]);
	free(names);
	return id;
}

struct event_readers {
	const struct readers_opts *opts;
	struct ring_buffer *rb;
	struct perf_buffer **pbs;
	int npbs;
	char *buf; /* header + event */
	size_t cap;
	uint64_t events, lost;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void deliver(struct event_readers *r, const void *data, size_t size)
{
	struct event_header *h;
	size_t max = 0xffff - sizeof(*h);

	if (size > max)
		size = max;
	if (sizeof(*h) + size > r->cap) {
		char *nb = realloc(r->buf, sizeof(*h) + size);

		if (!nb)
			return;
		r->buf = nb;
		r->cap = sizeof(*h) + size;
	}
	h = (struct event_header *)r->buf;
	memset(h, 0, sizeof(*h));
	h->ts_ns = now_ns();
	h->type = EVENT_USER;
	h->size = sizeof(*h) + size;
	memcpy(r->buf + sizeof(*h), data, size);
	r->events++;
	for (int i = 0; i < r->opts->nsinks; i++)
		sink__record(r->opts->sinks[i], r->opts->schema, r->buf, sizeof(*h) + size);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	deliver(ctx, data, size);
	return 0;
}

static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	deliver(ctx, data, size);
}

static void on_perf_lost(void *ctx, int cpu, __u64 count)
{
	struct event_readers *r = ctx;

	r->lost += count;
	for (int i = 0; i < r->opts->nsinks; i++)
		sink__lost(r->opts->sinks[i], r->opts->schema->name, count, now_ns(), "kernel");
}

int events__open(struct bpf_object *obj, const struct readers_opts *opts,
		 struct event_readers **out)
{
	struct event_readers *r;
	struct bpf_map *map;
	int err = 0;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->opts = opts;
	bpf_object__for_each_map(map, obj) {
		enum bpf_map_type type = bpf_map__type(map);

		if (type == BPF_MAP_TYPE_RINGBUF) {
			if (!r->rb)
				r->rb = ring_buffer__new(bpf_map__fd(map), on_ringbuf, r, NULL);
			else if (ring_buffer__add(r->rb, bpf_map__fd(map), on_ringbuf, r))
				err = -errno;
			if (!r->rb)
				err = -errno;
		} else if (type == BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
			struct perf_buffer **v = realloc(r->pbs, (r->npbs + 1) * sizeof(*v));

			if (!v) {
				err = -ENOMEM;
				break;
			}
			r->pbs = v;
			v[r->npbs] = perf_buffer__new(bpf_map__fd(map), 64, on_perf, on_perf_lost, r,
						      NULL);
			if (!v[r->npbs])
				err = -errno;
			else
				r->npbs++;
		} else {
			continue;
		}
		if (err) {
			pr_err("cannot read map %s: %s", bpf_map__name(map), strerror(-err));
			break;
		}
	}
	if (!err && r->rb) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = r };

		if (epoll_ctl(opts->epoll_fd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(r->rb), &ev))
			err = -errno;
	}
	for (int i = 0; !err && i < r->npbs; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = r };

		if (epoll_ctl(opts->epoll_fd, EPOLL_CTL_ADD, perf_buffer__epoll_fd(r->pbs[i]), &ev))
			err = -errno;
	}
	if (err || (!r->rb && !r->npbs)) {
		events__destroy(r);
		return err;
	}
	*out = r;
	return 0;
}

int events__consume(struct event_readers *r)
{
	int err = 0;

	if (r->rb) {
		err = ring_buffer__consume(r->rb);
		if (err > 0)
			err = 0;
	}
	for (int i = 0; !err && i < r->npbs; i++) {
		err = perf_buffer__consume(r->pbs[i]);
		if (err > 0)
			err = 0;
	}
	return err;
}

void events__stats(const struct event_readers *r, uint64_t *events, uint64_t *lost)
{
	*events = r ? r->events : 0;
	*lost = r ? r->lost : 0;
}

void events__destroy(struct event_readers *r)
{
	if (!r)
		return;
	ring_buffer__free(r->rb);
	for (int i = 0; i < r->npbs; i++)
		perf_buffer__free(r->pbs[i]);
	free(r->pbs);
	free(r->buf);
	free(r);
}
