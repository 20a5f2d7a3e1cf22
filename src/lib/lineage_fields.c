// SPDX-License-Identifier: GPL-2.0
/* exec_id and parent_exec_id of every tracer's events, from the header's image ids. */
#include "events.h"
#include "lib/schema.h"
#include "lib/strbuf.h"

/* "START:PID:SEQ": the process's start (boot-time ns), its pid, its exec count. */
static void image_id(const struct field_ctx *c, struct value *v, uint64_t start, uint32_t pid,
		     uint32_t seq)
{
	char *p = c->scratch;

	/* Without snprintf, which cost JSON 14% of its time: two ids in every event. */
	if (!(start || pid) || c->scratch_len < 48)
		return;
	p = decimal__put(p, start);
	*p++ = ':';
	p = decimal__put(p, pid);
	*p++ = ':';
	p = decimal__put(p, seq);
	*p = 0;
	*v = (struct value){ .kind = V_TEXT, .s = c->scratch, .len = p - c->scratch };
}

void field__exec_id(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct event_header *h = c->ev;

	(void)f;
	if (h->start_ns)
		image_id(c, v, h->start_ns, h->pid, h->exec_seq);
}

void field__parent_exec_id(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct event_header *h = c->ev;

	(void)f;
	/* Not for pid 1, whose parent is the kernel's idle task. */
	if (h->start_ns && h->ppid)
		image_id(c, v, h->parent_start_ns, h->ppid, h->parent_exec_seq);
}
