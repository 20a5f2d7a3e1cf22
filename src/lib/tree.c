// SPDX-License-Identifier: GPL-2.0
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"
#include "lib/names.h"
#include "lib/strbuf.h"
#include "lib/strlist.h"
#include "lib/tree.h"

/* What the tree keeps of each exec's arguments. */
#define TREE_ARGS_MAX 1024

struct tree_exec {
	struct tree_exec *next;
	char *filename;
	char *args; /* each with its NUL */
	size_t args_len;
	bool cut;
};

struct node {
	uint32_t pid, ppid;
	char comm[COMM_LEN];
	struct tree_exec *execs, *last_exec;
	bool exited, execs_seen; /* execs_seen: from exec records, not an exit's */
	uint32_t status;
	uint16_t flags;
	uint64_t age_ns;
	int parent, first_child, last_child, next_sibling; /* indexes, -1: none */
};

struct tree {
	uint32_t root;
	struct node *nodes;
	size_t n, cap;
	int *slots; /* open addressing: pid -> its latest node */
	size_t nslots; /* a power of two, at most half full */
	/* Nodes whose parent had no node yet (its first event came later): adopted when it has. */
	int *orphans;
	size_t norphans, orphans_cap;
	bool oom;
};

struct tree *tree__new(uint32_t root)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->root = root;
	t->nslots = 256;
	t->slots = malloc(t->nslots * sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	memset(t->slots, 0xff, t->nslots * sizeof(*t->slots));
	return t;
}

static size_t slot_of(const struct tree *t, uint32_t pid)
{
	size_t i = (pid * 2654435761u) & (t->nslots - 1);

	while (t->slots[i] >= 0 && t->nodes[t->slots[i]].pid != pid)
		i = (i + 1) & (t->nslots - 1);
	return i;
}

static int find(const struct tree *t, uint32_t pid)
{
	return t->slots[slot_of(t, pid)];
}

static bool grow_slots(struct tree *t)
{
	size_t n = t->nslots * 2;
	int *slots = malloc(n * sizeof(*slots)), *old = t->slots;

	if (!slots)
		return false;
	memset(slots, 0xff, n * sizeof(*slots));
	t->slots = slots;
	t->nslots = n;
	/* Only each pid's latest node is indexed: rebuild from the nodes, oldest first. */
	for (size_t i = 0; i < t->n; i++)
		t->slots[slot_of(t, t->nodes[i].pid)] = (int)i;
	free(old);
	return true;
}

static void link_child(struct tree *t, int parent, int child)
{
	struct node *p = &t->nodes[parent];

	t->nodes[child].parent = parent;
	if (p->last_child >= 0)
		t->nodes[p->last_child].next_sibling = child;
	else
		p->first_child = child;
	p->last_child = child;
}

static void add_orphan(struct tree *t, int idx)
{
	if (t->norphans == t->orphans_cap) {
		size_t cap = t->orphans_cap ? t->orphans_cap * 2 : 16;
		int *o = realloc(t->orphans, cap * sizeof(*o));

		if (!o)
			return; /* it stays at the top level */
		t->orphans = o;
		t->orphans_cap = cap;
	}
	t->orphans[t->norphans++] = idx;
}

/* A new node for this header's process, indexed as its pid's latest; -1 out of memory. */
static int add_node(struct tree *t, const struct event_header *h)
{
	struct node *nd;
	int idx, p;

	if ((t->n + 1) * 2 > t->nslots && !grow_slots(t))
		return -1;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct node *nodes = realloc(t->nodes, cap * sizeof(*nodes));

		if (!nodes)
			return -1;
		t->nodes = nodes;
		t->cap = cap;
	}
	idx = (int)t->n++;
	nd = &t->nodes[idx];
	memset(nd, 0, sizeof(*nd));
	nd->pid = h->pid;
	nd->ppid = h->ppid;
	memcpy(nd->comm, h->comm, COMM_LEN);
	nd->comm[COMM_LEN - 1] = 0;
	nd->first_child = nd->last_child = nd->next_sibling = -1;
	p = h->pid == t->root ? -1 : find(t, h->ppid);
	nd->parent = -1;
	if (p >= 0)
		link_child(t, p, idx);
	else if (h->pid != t->root)
		add_orphan(t, idx);
	t->slots[slot_of(t, h->pid)] = idx;
	/* The processes it started whose events came before its own first one. */
	for (size_t k = 0; k < t->norphans; k++) {
		struct node *o = &t->nodes[t->orphans[k]];

		if (o->ppid != h->pid || t->orphans[k] == idx)
			continue;
		link_child(t, idx, t->orphans[k]);
		t->orphans[k--] = t->orphans[--t->norphans];
	}
	return idx;
}

/*
 * The node of this record's process.  An exec or an exit of a pid whose
 * process has already exited is a new process that was given the same pid
 * (other records may follow an exit: the SIGCHLD the exit sends).
 */
static struct node *node_for(struct tree *t, const struct event_header *h, bool starts_anew)
{
	int idx = find(t, h->pid);

	if (idx < 0 || (starts_anew && t->nodes[idx].exited))
		idx = add_node(t, h);
	if (idx < 0) {
		t->oom = true;
		return NULL;
	}
	return &t->nodes[idx];
}

static void add_exec(struct tree *t, struct node *nd, const char *filename, size_t flen,
		     const char *args, size_t alen, bool cut)
{
	struct tree_exec *x = calloc(1, sizeof(*x));

	if (alen > TREE_ARGS_MAX) {
		alen = TREE_ARGS_MAX;
		cut = true;
	}
	if (x) {
		x->filename = strndup(filename, flen);
		x->args = malloc(alen ? alen : 1);
	}
	if (!x || !x->filename || !x->args) {
		if (x) {
			free(x->filename);
			free(x->args);
		}
		free(x);
		t->oom = true;
		return;
	}
	memcpy(x->args, args, alen);
	x->args_len = alen;
	x->cut = cut;
	if (nd->last_exec)
		nd->last_exec->next = x;
	else
		nd->execs = x;
	nd->last_exec = x;
}

static void observe_exec(struct tree *t, const struct exec_event *e, size_t size)
{
	size_t base = offsetof(struct exec_event, data), avail = size - base, flen, alen;
	struct node *nd;

	if (e->ret)
		return; /* a failed exec changes nothing */
	nd = node_for(t, &e->h, true);
	if (!nd)
		return;
	flen = e->filename_len < avail ? e->filename_len : avail;
	alen = flen + 1 < avail ? avail - flen - 1 : 0;
	if (e->args_len < alen)
		alen = e->args_len;
	memcpy(nd->comm, e->h.comm, COMM_LEN);
	nd->comm[COMM_LEN - 1] = 0;
	nd->execs_seen = true;
	add_exec(t, nd, e->data, flen, alen ? e->data + flen + 1 : "", alen,
		 e->status & (EXEC_ARGS_TRUNCATED | EXEC_ARGS_FAULT));
}

static void observe_exit(struct tree *t, const struct exit_event *e)
{
	struct node *nd;

	if (e->flags & EXIT_THREAD)
		return;
	nd = node_for(t, &e->h, true);
	if (!nd)
		return;
	nd->exited = true;
	nd->status = e->status;
	nd->flags = e->flags;
	nd->age_ns = e->age_ns;
	/* Without exec records (exec not traced, or it ran before): the one the exit names. */
	if (!nd->execs_seen && (e->flags & EXIT_EXEC_KNOWN)) {
		const struct exec_record *r = &e->exec;
		size_t flen = r->filename_len < EXIT_FILENAME_MAX ? r->filename_len : 0;
		size_t alen = r->args_len <= EXIT_ARGS_MAX ? r->args_len : EXIT_ARGS_MAX;

		add_exec(t, nd, r->filename, flen, r->args, alen,
			 r->status & EXEC_REC_ARGS_TRUNCATED);
	}
}

void tree__observe(void *tree, const void *rec, size_t size)
{
	struct tree *t = tree;
	const struct event_header *h = rec;

	if (size < sizeof(*h) || h->size > size)
		return;
	if (h->type == EVENT_EXEC && size >= offsetof(struct exec_event, data))
		observe_exec(t, rec, size);
	else if (h->type == EVENT_EXIT && size >= sizeof(struct exit_event))
		observe_exit(t, rec);
	else
		node_for(t, h, false);
}

/* ---- printing ---- */

static int killing_signal(uint32_t status)
{
	return status & 0x7f;
}

/*
 * The next node of a depth-first walk of top's subtree, or -1; *delta is the
 * change of depth: 1 down to a child, 0 to a sibling, -k for k levels up.
 */
static int walk_next(const struct tree *t, int i, int top, int *delta)
{
	*delta = 0;
	if (t->nodes[i].first_child >= 0) {
		*delta = 1;
		return t->nodes[i].first_child;
	}
	while (i != top && t->nodes[i].next_sibling < 0) {
		i = t->nodes[i].parent;
		(*delta)--;
	}
	return i == top ? -1 : t->nodes[i].next_sibling;
}

/* The tops: the command first, then every process whose parent is not in the tree. */
static int *tops_of(const struct tree *t, size_t *count)
{
	int root = find(t, t->root), *tops = malloc((t->n + 1) * sizeof(*tops));
	size_t n = 0;

	if (!tops)
		return NULL;
	if (root >= 0)
		tops[n++] = root;
	for (size_t i = 0; i < t->n; i++)
		if (t->nodes[i].parent < 0 && (int)i != root)
			tops[n++] = (int)i;
	*count = n;
	return tops;
}

static bool needs_quotes(const char *s, size_t n)
{
	if (!n)
		return true;
	for (size_t i = 0; i < n; i++)
		if (strchr(" \t\"'\\$`;&|<>()*?!#~", s[i]))
			return true;
	return false;
}

static void table_line(const struct node *nd, int depth, struct strbuf *sb)
{
	char name[32];

	strbuf__reset(sb);
	strbuf__pad(sb, ' ', (size_t)depth * 2);
	strbuf__add_u64(sb, nd->pid);
	strbuf__addc(sb, ' ');
	if (!nd->execs) {
		strbuf__addc(sb, '(');
		escape__table(sb, nd->comm, strlen(nd->comm));
		strbuf__addc(sb, ')');
	}
	for (const struct tree_exec *x = nd->execs; x; x = x->next) {
		const char *a = x->args, *end = x->args + x->args_len;

		if (x != nd->execs)
			strbuf__adds(sb, " => ");
		if (a == end)
			escape__table(sb, x->filename, strlen(x->filename));
		while (a < end) {
			size_t n = strnlen(a, end - a);

			if (a != x->args)
				strbuf__addc(sb, ' ');
			strlist__table(sb, a, n, needs_quotes(a, n));
			a += n + 1;
		}
		if (x->cut)
			strbuf__adds(sb, " ...");
	}
	strbuf__adds(sb, "  [");
	if (!nd->exited) {
		strbuf__adds(sb, "running");
	} else {
		int sig = killing_signal(nd->status);

		if (sig) {
			strbuf__adds(sb, signal__format(sig, name, sizeof(name)));
			if (nd->flags & EXIT_CORE_DUMPED)
				strbuf__adds(sb, ", core dumped");
		} else {
			strbuf__adds(sb, "exit ");
			strbuf__add_u64(sb, (nd->status >> 8) & 0xff);
		}
		strbuf__addf(sb, ", %.3f s", nd->age_ns / 1e9);
	}
	strbuf__adds(sb, "]\n");
}

void tree__print_table(const struct tree *t, FILE *f)
{
	struct strbuf sb = { 0 };
	size_t ntops = 0;
	int *tops = tops_of(t, &ntops);

	fprintf(f, "process tree:\n");
	for (size_t k = 0; tops && k < ntops; k++) {
		int i = tops[k], depth = 0, delta;

		while (i >= 0) {
			table_line(&t->nodes[i], depth, &sb);
			fwrite(sb.buf, 1, sb.len, f);
			i = walk_next(t, i, tops[k], &delta);
			depth += delta;
		}
	}
	if (t->oom || !tops)
		fprintf(f, "(out of memory: the tree is incomplete)\n");
	free(tops);
	strbuf__free(&sb);
}

static void json_str(struct strbuf *sb, const char *s, size_t n)
{
	strbuf__addc(sb, '"');
	escape__json(sb, s, n);
	strbuf__addc(sb, '"');
}

/* {"pid":..., "children":[  -- left open for the children */
static void json_open(const struct node *nd, struct strbuf *sb)
{
	char name[32];

	strbuf__adds(sb, "{\"pid\":");
	strbuf__add_u64(sb, nd->pid);
	strbuf__adds(sb, ",\"ppid\":");
	strbuf__add_u64(sb, nd->ppid);
	strbuf__adds(sb, ",\"comm\":");
	json_str(sb, nd->comm, strlen(nd->comm));
	strbuf__adds(sb, ",\"execs\":[");
	for (const struct tree_exec *x = nd->execs; x; x = x->next) {
		if (x != nd->execs)
			strbuf__addc(sb, ',');
		strbuf__adds(sb, "{\"filename\":");
		json_str(sb, x->filename, strlen(x->filename));
		strbuf__adds(sb, ",\"args\":");
		strlist__json(sb, x->args, x->args_len);
		strbuf__adds(sb, x->cut ? ",\"args_truncated\":true}" : ",\"args_truncated\":false}");
	}
	strbuf__adds(sb, "],\"running\":");
	strbuf__adds(sb, nd->exited ? "false" : "true");
	if (nd->exited) {
		int sig = killing_signal(nd->status);

		strbuf__adds(sb, ",\"exit_code\":");
		if (sig)
			strbuf__adds(sb, "null,\"sig\":");
		else
			strbuf__add_u64(sb, (nd->status >> 8) & 0xff);
		if (sig)
			json_str(sb, signal__format(sig, name, sizeof(name)),
				 strlen(signal__format(sig, name, sizeof(name))));
		else
			strbuf__adds(sb, ",\"sig\":null");
		strbuf__adds(sb, nd->flags & EXIT_CORE_DUMPED ? ",\"core_dumped\":true"
							     : ",\"core_dumped\":false");
		strbuf__adds(sb, ",\"age_ns\":");
		strbuf__add_u64(sb, nd->age_ns);
	} else {
		strbuf__adds(sb, ",\"exit_code\":null,\"sig\":null,\"core_dumped\":null,"
				 "\"age_ns\":null");
	}
	strbuf__adds(sb, ",\"children\":[");
}

void tree__print_json(const struct tree *t, FILE *f)
{
	struct strbuf sb = { 0 };
	size_t ntops = 0;
	int *tops = tops_of(t, &ntops);

	strbuf__adds(&sb, "{\"type\":\"tree\",\"root_pid\":");
	strbuf__add_u64(&sb, t->root);
	strbuf__adds(&sb, ",\"complete\":");
	strbuf__adds(&sb, t->oom || !tops ? "false" : "true");
	strbuf__adds(&sb, ",\"processes\":[");
	for (size_t k = 0; tops && k < ntops; k++) {
		int i = tops[k], delta;

		if (k)
			strbuf__addc(&sb, ',');
		json_open(&t->nodes[i], &sb);
		for (;;) {
			i = walk_next(t, i, tops[k], &delta);
			/* Leaving the node: it, and each level above it that is left too. */
			for (int c = 0; delta < 1 && c < 1 - delta; c++)
				strbuf__adds(&sb, "]}");
			if (i < 0)
				break;
			if (delta < 1)
				strbuf__addc(&sb, ',');
			json_open(&t->nodes[i], &sb);
		}
	}
	strbuf__adds(&sb, "]}\n");
	fwrite(sb.buf, 1, sb.len, f);
	free(tops);
	strbuf__free(&sb);
}

void tree__free(struct tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		struct tree_exec *x = t->nodes[i].execs;

		while (x) {
			struct tree_exec *next = x->next;

			free(x->filename);
			free(x->args);
			free(x);
			x = next;
		}
	}
	free(t->nodes);
	free(t->slots);
	free(t->orphans);
	free(t);
}
