// SPDX-License-Identifier: GPL-2.0
/* The text exposition format 0.0.4 of the metrics sink: escaping, headers, samples, families. */
#include <stdio.h>
#include <string.h>
#include "lib/metrics_internal.h"

void metrics__escape_label(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	/* Runs of plain bytes are copied at once. */
	while (i < n) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : utf8__seq_len(p + i, n - i);

		if (len && c != '\\' && c != '"' && c != '\n') {
			i += len;
			run += len;
			continue;
		}
		strbuf__add(sb, s + i - run, run);
		run = 0;
		if (!len)
			strbuf__add(sb, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that is not UTF-8 */
		else if (c == '\n')
			strbuf__add(sb, "\\n", 2);
		else {
			strbuf__addc(sb, '\\');
			strbuf__addc(sb, c);
		}
		i++;
	}
	strbuf__add(sb, s + i - run, run);
}

void metrics__escape_help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf__add(sb, "\\\\", 2);
		else if (*s == '\n')
			strbuf__add(sb, "\\n", 2);
		else
			strbuf__addc(sb, *s);
	}
}

void metrics__add_header(struct strbuf *sb, const char *name, const char *type,
			 const char *help)
{
	strbuf__adds(sb, "# HELP ");
	strbuf__adds(sb, name);
	strbuf__addc(sb, ' ');
	metrics__escape_help(sb, help);
	strbuf__adds(sb, "\n# TYPE ");
	strbuf__adds(sb, name);
	strbuf__addc(sb, ' ');
	strbuf__adds(sb, type);
	strbuf__addc(sb, '\n');
}

/* name{label="value"} n, with one label, or none when label is NULL. */
static void add_sample(struct strbuf *sb, const char *name, const char *label, const char *value,
		       uint64_t n)
{
	strbuf__adds(sb, name);
	if (label) {
		strbuf__addc(sb, '{');
		strbuf__adds(sb, label);
		strbuf__add(sb, "=\"", 2);
		metrics__escape_label(sb, value, strlen(value));
		strbuf__add(sb, "\"}", 2);
	}
	strbuf__addc(sb, ' ');
	strbuf__add_u64(sb, n);
	strbuf__addc(sb, '\n');
}

void metrics__add_gauge(struct strbuf *sb, const char *name, const char *help, double v)
{
	metrics__add_header(sb, name, "gauge", help);
	strbuf__addf(sb, "%s %.15g\n", name, v);
}

void family__render_labels(struct strbuf *sb, const struct family *f, const struct value *vals)
{
	for (int i = 0; i < f->nlabels; i++) {
		const struct value *v = &vals[i];

		if (i)
			strbuf__addc(sb, ',');
		strbuf__adds(sb, f->labels[i]->key);
		strbuf__add(sb, "=\"", 2);
		if (v->kind == V_INT)
			strbuf__add_i64(sb, v->i);
		else if (v->kind == V_UINT)
			strbuf__add_u64(sb, v->u);
		else if (v->kind != V_NULL)
			metrics__escape_label(sb, v->s, v->len);
		strbuf__addc(sb, '"');
	}
}

void series_table__render(struct series_table *t, struct strbuf *sb)
{
	char help[512];
	uint64_t read = 0;

	metrics__add_header(sb, "procsnoop_events_total", "counter", "Events traced, by tracer.");
	for (int i = 0; i < t->nfams; i++) {
		uint64_t n = counter_get(&t->fams[i].events);

		add_sample(sb, "procsnoop_events_total", "type", t->fams[i].sc->name, n);
		read += n;
	}
	for (int i = 0; i < t->nfams; i++) {
		struct family *f = &t->fams[i];
		size_t off = snprintf(help, sizeof(help), "Events of the %s tracer", f->sc->name);

		for (int l = 0; l < f->nlabels && off < sizeof(help); l++)
			off += snprintf(help + off, sizeof(help) - off, "%s%s", l ? ", " : ", by ",
					f->labels[l]->key);
		if (off < sizeof(help))
			snprintf(help + off, sizeof(help) - off,
				 "; past --metrics-max-series, counted in {overflow=\"true\"}.");
		metrics__add_header(sb, f->name, "counter", help);
		for (uint32_t j = 0; j < f->nseries; j++) {
			struct series *s = &f->series[j];

			strbuf__adds(sb, f->name);
			if (s->text_len) {
				strbuf__addc(sb, '{');
				strbuf__add(sb, f->texts.buf + s->text_off, s->text_len);
				strbuf__addc(sb, '}');
			}
			strbuf__addc(sb, ' ');
			strbuf__add_u64(sb, counter_get(&s->count));
			strbuf__addc(sb, '\n');
		}
		if (counter_get(&f->overflow))
			add_sample(sb, f->name, "overflow", "true", counter_get(&f->overflow));
	}
	metrics__add_header(sb, "procsnoop_lost_events_total", "counter",
			    "Events lost: where=\"kernel\": the ring buffer was full; where=\"user\": "
			    "an output was too slow.");
	for (int i = 0; i < t->nlost; i++) {
		strbuf__adds(sb, "procsnoop_lost_events_total{type=\"");
		metrics__escape_label(sb, t->lost[i].type, strlen(t->lost[i].type));
		strbuf__adds(sb, "\",where=\"");
		strbuf__adds(sb, t->lost[i].where);
		strbuf__add(sb, "\"} ", 3);
		strbuf__add_u64(sb, counter_get(&t->lost[i].count));
		strbuf__addc(sb, '\n');
	}
	metrics__add_header(sb, "procsnoop_events_read_total", "counter",
			    "Events read from the ring buffer.");
	add_sample(sb, "procsnoop_events_read_total", NULL, NULL, read);
	metrics__add_header(sb, "procsnoop_poll_batches_total", "counter",
			    "Drains of the ring buffer (poll batches).");
	add_sample(sb, "procsnoop_poll_batches_total", NULL, NULL, counter_get(&t->batches));
	metrics__add_header(sb, "procsnoop_metrics_overflow_events_total", "counter",
			    "Events counted in a tracer's overflow series: their label set came past "
			    "--metrics-max-series.");
	for (int i = 0; i < t->nfams; i++)
		add_sample(sb, "procsnoop_metrics_overflow_events_total", "type",
			   t->fams[i].sc->name, counter_get(&t->fams[i].overflow));
	metrics__add_gauge(sb, "procsnoop_metrics_series", "Label sets of the tracer counters.",
			   t->nseries);
	metrics__add_gauge(sb, "procsnoop_metrics_max_series", "--metrics-max-series.", t->max_series);
}
