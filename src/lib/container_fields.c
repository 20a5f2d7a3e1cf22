// SPDX-License-Identifier: GPL-2.0
/* The container fields of every tracer's events, from the header's cgroup id. */
#include <string.h>
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

/* Names are the runtime's: untrusted bytes, escaped by each sink. */
void field__container_name(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct container_info *i = info_of(c);

	if (i->name)
		value__bytes(v, i->name, strlen(i->name));
}

void field__container_image(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct container_info *i = info_of(c);

	if (i->image)
		value__bytes(v, i->image, strlen(i->image));
}

/* The table's CONTAINER column: the name, else the short id. */
void field__container(const struct field *f, const struct field_ctx *c, struct value *v)
{
	size_t len;
	const char *s = container__label(info_of(c), &len);

	if (s)
		value__bytes(v, s, len);
}
