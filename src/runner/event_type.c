// SPDX-License-Identifier: GPL-2.0
/*
 * Which struct a program's events are: the first struct of the first
 * header named on the command line, else the struct the program hands to
 * bpf_ringbuf_reserve/bpf_ringbuf_output/bpf_perf_event_output, else one
 * named `event`, else the only struct of the source.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
