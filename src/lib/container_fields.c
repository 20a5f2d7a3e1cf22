// SPDX-License-Identifier: GPL-2.0
/* The container fields of every tracer's events, from the header's cgroup id. */
#include "events.h"
#include "lib/containers.h"
#include "lib/schema.h"

static const struct container_info *info_of(const struct field_ctx *c)
{
	const struct event_header *h = c->ev;

	return containers__lookup(c->ro->containers, h->cgroup_id);
}

void field__container_id(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct container_info *i = info_of(c);

	if (i->id[0])
		value__text(v, i->id);
}

void field__container_runtime(const struct field *f, const struct field_ctx *c,
			      struct value *v)
{
	const struct container_info *i = info_of(c);

	if (i->runtime)
		value__text(v, i->runtime);
}

void field__pod_uid(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct container_info *i = info_of(c);

	if (i->pod_uid[0])
		value__text(v, i->pod_uid);
}
