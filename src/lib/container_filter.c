// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/container_filter.h"
#include "lib/log.h"
#include "lib/stream.h"

#define WATCH_BUCKETS 256
#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_ONLYDIR | IN_DONT_FOLLOW)
/* Directories watched at most; past it, a warning. */
#define MAX_WATCHES 65536

struct watch {
	struct watch *next;
	int wd;
	char path[]; /* relative to the root; "" is the root */
};

/* A container cgroup in the set. */
struct match {
	uint64_t id;
	int level;
	char *path;
};

struct container_filter {
	struct stream_source base;
	struct container_set *set;
	char root[PATH_MAX];
	const char *state_root;
	const char *const *values;
	int nvalues;
	bool starting; /* the first walk: its matches are no news */
	uint32_t matched_at_start; /* bits of values */
	int inotify_fd;
	struct watch *watches[WATCH_BUCKETS];
	int nwatches;
	bool watch_warned, full_warned, deep_warned;
	struct match *matches;
	int nmatches, matches_cap;
	uint32_t level_count[CONTAINER_LEVELS];
	char abs[2 * PATH_MAX + 2]; /* scratch: root/rel (too long: the syscall says so) */
};

int container_set__add(struct container_set *set, uint64_t id)
{
	uint32_t home = container_set_hash(id);
	int free_slot = -1;

	for (uint32_t p = 0; p < CONTAINER_SET_PROBES; p++) {
		uint32_t i = (home + p) & (CONTAINER_SET_SLOTS - 1);

		if (set->ids[i] == id)
			return 0;
		if (!set->ids[i] && free_slot < 0)
			free_slot = i;
	}
	if (free_slot < 0)
		return -ENOSPC;
	__atomic_store_n(&set->ids[free_slot], id, __ATOMIC_RELEASE);
	return 0;
}

void container_set__remove(struct container_set *set, uint64_t id)
{
	uint32_t home = container_set_hash(id);

	for (uint32_t p = 0; p < CONTAINER_SET_PROBES; p++) {
		uint32_t i = (home + p) & (CONTAINER_SET_SLOTS - 1);

		if (set->ids[i] == id)
			__atomic_store_n(&set->ids[i], 0, __ATOMIC_RELEASE);
	}
}

bool container_set__has(const struct container_set *set, uint64_t id)
{
	uint32_t home = container_set_hash(id);

	for (uint32_t p = 0; p < CONTAINER_SET_PROBES; p++)
		if (id && set->ids[(home + p) & (CONTAINER_SET_SLOTS - 1)] == id)
			return true;
	return false;
}

/* Lowercase hex, at most an id's length: what an id prefix looks like. */
static bool id_prefix_form(const char *v)
{
	size_t n = strlen(v);

	if (!n || n > CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return false;
	return true;
}

bool container_filter__wants(const char *value, const struct container_info *c)
{
	if (!c->id[0])
		return false;
	if (id_prefix_form(value) && strncmp(c->id, value, strlen(value)) == 0)
		return true;
	return c->name && strcmp(c->name, value) == 0;
}

static const char *abs_path(struct container_filter *f, const char *rel)
{
	snprintf(f->abs, sizeof(f->abs), "%s%s%s", f->root, *rel ? "/" : "", rel);
	return f->abs;
}

static int depth_of(const char *rel)
{
	int d = *rel ? 1 : 0;

	for (; *rel; rel++)
		d += *rel == '/';
	return d;
}

static struct watch *watch_find(struct container_filter *f, int wd)
{
	struct watch *w = f->watches[(unsigned)wd % WATCH_BUCKETS];

	while (w && w->wd != wd)
		w = w->next;
	return w;
}

static void watch_add(struct container_filter *f, const char *rel)
{
	struct watch *w;
	size_t n = strlen(rel);
	int wd;

	if (f->nwatches >= MAX_WATCHES) {
		if (!f->watch_warned)
			pr_warn("--container: watching %d cgroups already; a container that starts "
				"below %s will not be seen", MAX_WATCHES, abs_path(f, rel));
		f->watch_warned = true;
		return;
	}
	wd = inotify_add_watch(f->inotify_fd, abs_path(f, rel), WATCH_MASK);
	if (wd < 0) {
		/* ENOENT: gone already; EACCES: not ours to watch. */
		if (errno == ENOSPC && !f->watch_warned) {
			pr_warn("--container: cannot watch more cgroups (fs.inotify.max_user_watches); "
				"a container that starts below %s will not be seen", f->abs);
			f->watch_warned = true;
		}
		return;
	}
	if (watch_find(f, wd))
		return;
	w = malloc(sizeof(*w) + n + 1);
	if (!w)
		return;
	w->wd = wd;
	memcpy(w->path, rel, n + 1);
	w->next = f->watches[(unsigned)wd % WATCH_BUCKETS];
	f->watches[(unsigned)wd % WATCH_BUCKETS] = w;
	f->nwatches++;
}

static void watch_drop(struct container_filter *f, int wd)
{
	struct watch **p = &f->watches[(unsigned)wd % WATCH_BUCKETS];

	while (*p && (*p)->wd != wd)
		p = &(*p)->next;
	if (*p) {
		struct watch *w = *p;

		*p = w->next;
		free(w);
		f->nwatches--;
	}
}

static struct match *match_find(struct container_filter *f, const char *rel)
{
	for (int i = 0; i < f->nmatches; i++)
		if (!strcmp(f->matches[i].path, rel))
			return &f->matches[i];
	return NULL;
}

static void match_drop(struct container_filter *f, struct match *m)
{
	container_set__remove(f->set, m->id);
	if (--f->level_count[m->level] == 0)
		__atomic_fetch_and(&f->set->levels, ~(1u << m->level), __ATOMIC_RELEASE);
	free(m->path);
	*m = f->matches[--f->nmatches];
}

/* The cgroup rel (of inode id) of container c, which the values of bits `want` ask for. */
static void match_add(struct container_filter *f, const char *rel, int level, uint64_t id,
		      const struct container_info *c, uint32_t want)
{
	struct match *m = match_find(f, rel);
	const char *name = c->name ? c->name : "";
	const char *open = c->name ? " (" : "", *close = c->name ? ")" : "";
	int value = __builtin_ctz(want);

	if (m && m->id == id)
		return;
	if (m)
		match_drop(f, m); /* made again since: a new cgroup */
	if (level >= CONTAINER_LEVELS) {
		if (!f->deep_warned)
			pr_warn("--container: container %.12s is %d cgroups deep, more than %d: "
				"not filtered", c->id, level, CONTAINER_LEVELS - 1);
		f->deep_warned = true;
		return;
	}
	if (f->nmatches == f->matches_cap) {
		int cap = f->matches_cap ? 2 * f->matches_cap : 16;
		struct match *more = realloc(f->matches, cap * sizeof(*more));

		if (!more)
			return;
		f->matches = more;
		f->matches_cap = cap;
	}
	if (container_set__add(f->set, id)) {
		if (!f->full_warned)
			pr_warn("--container: the kernel's table of container cgroups is full (%d); "
				"container %.12s is not traced", f->nmatches, c->id);
		f->full_warned = true;
		return;
	}
	m = &f->matches[f->nmatches];
	m->path = strdup(rel);
	if (!m->path) {
		container_set__remove(f->set, id);
		return;
	}
	m->id = id;
	m->level = level;
	f->nmatches++;
	/* After the id: the kernel looks at a level only once its ids are there. */
	if (f->level_count[level]++ == 0)
		__atomic_fetch_or(&f->set->levels, 1u << level, __ATOMIC_RELEASE);
	if (f->starting) {
		f->matched_at_start |= want;
		pr_info("--container %s: container %.12s%s%s%s", f->values[value], c->id, open,
			name, close);
	} else {
		pr_warn("container %.12s%s%s%s started, matching --container %s: tracing it", c->id,
			open, name, close, f->values[value]);
	}
}

/* The values (bits) that ask for container c. */
static uint32_t wanted_by(const struct container_filter *f, const struct container_info *c)
{
	uint32_t want = 0;

	for (int i = 0; i < f->nvalues; i++)
		if (container_filter__wants(f->values[i], c))
			want |= 1u << i;
	return want;
}

/* A directory of the tree: a wanted container's own cgroup goes into the set. */
static void consider(struct container_filter *f, const char *rel, uint64_t id)
{
	const char *base = strrchr(rel, '/');
	struct container_info c;
	uint32_t want;

	base = base ? base + 1 : rel;
	/* Its own name holds the id: not a cgroup below a container's. */
	if (!container__from_path(rel, &c) || !strstr(base, c.id))
		return;
	/* The runtime's state (for the name) is read once an id is known to be a container's. */
	container__names(f->state_root, &c);
	want = wanted_by(f, &c);
	if (want)
		match_add(f, rel, depth_of(rel), id, &c, want);
	container__clear(&c);
}

/*
 * Watches rel (a buffer of PATH_MAX bytes, len long) and every directory
 * below it, and considers each.  The watch comes before the read: what is
 * made in between is reported, and considering twice changes nothing.
 */
static void walk(struct container_filter *f, char *rel, size_t len, int depth)
{
	struct dirent *de;
	DIR *d;

	watch_add(f, rel);
	d = opendir(abs_path(f, rel));
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (len + 1 + n >= PATH_MAX)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISDIR(st.st_mode))
			continue;
		if (len)
			rel[len] = '/';
		memcpy(rel + len + !!len, de->d_name, n + 1);
		consider(f, rel, st.st_ino);
		/* Below the deepest level the kernel compares there is nothing to find. */
		if (depth + 1 < CONTAINER_LEVELS - 1)
			walk(f, rel, len + !!len + n, depth + 1);
		rel[len] = 0;
	}
	closedir(d);
}

/* Everything again (inotify lost events): what is gone leaves the set. */
static void rescan(struct container_filter *f)
{
	char rel[PATH_MAX] = "";
	struct stat st;

	walk(f, rel, 0, 0);
	for (int i = 0; i < f->nmatches;) {
		struct match *m = &f->matches[i];

		if (stat(abs_path(f, m->path), &st) || st.st_ino != m->id)
			match_drop(f, m);
		else
			i++;
	}
}

static void on_event(struct container_filter *f, const struct inotify_event *ev)
{
	char rel[PATH_MAX];
	struct watch *w;
	struct match *m;
	struct stat st;
	int n;

	if (ev->mask & IN_Q_OVERFLOW) {
		rescan(f);
		return;
	}
	if (ev->mask & IN_IGNORED) {
		watch_drop(f, ev->wd);
		return;
	}
	if (!(ev->mask & IN_ISDIR) || !ev->len || !(w = watch_find(f, ev->wd)))
		return;
	n = snprintf(rel, sizeof(rel), "%s%s%s", w->path, *w->path ? "/" : "", ev->name);
	if (n < 0 || n >= (int)sizeof(rel))
		return;
	if (ev->mask & IN_DELETE) {
		m = match_find(f, rel);
		if (m)
			match_drop(f, m);
		return;
	}
	if (!(ev->mask & IN_CREATE) || stat(abs_path(f, rel), &st) || !S_ISDIR(st.st_mode))
		return;
	consider(f, rel, st.st_ino);
	if (depth_of(rel) < CONTAINER_LEVELS - 1)
		walk(f, rel, n, depth_of(rel));
}

int container_filter__poll(struct container_filter *f)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(f->inotify_fd, buf, sizeof(buf));
		const struct inotify_event *ev;

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (n == 0)
			return 0;
		for (char *p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			on_event(f, ev);
		}
	}
}

int container_filter__count(const struct container_filter *f)
{
	return f->nmatches;
}

static int cf_fd(struct stream_source *src)
{
	return ((struct container_filter *)src)->inotify_fd;
}

static int cf_drain(struct stream_source *src, struct stream *st)
{
	return container_filter__poll((struct container_filter *)src);
}

static const struct stream_source_ops container_filter_ops = {
	.fd = cf_fd,
	.drain = cf_drain,
};

struct stream_source *container_filter__source(struct container_filter *f)
{
	return &f->base;
}

int container_filter__new(const struct container_filter_opts *opts, struct container_set *set,
			  struct container_filter **out)
{
	struct container_filter *f;
	char rel[PATH_MAX] = "";
	int err;

	*out = NULL;
	if (opts->nvalues > CONTAINER_FILTER_MAX_VALUES)
		return -E2BIG;
	f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->base.ops = &container_filter_ops;
	f->base.name = "the cgroup tree (--container)";
	f->set = set;
	snprintf(f->root, sizeof(f->root), "%s", opts->cgroup_root);
	f->state_root = opts->state_root ? opts->state_root : "";
	f->values = opts->values;
	f->nvalues = opts->nvalues;
	f->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (f->inotify_fd < 0) {
		err = -errno;
		pr_err("--container: cannot watch the cgroup tree: %s", strerror(errno));
		free(f);
		return err;
	}
	f->starting = true;
	walk(f, rel, 0, 0);
	f->starting = false;
	if (!f->nwatches) {
		pr_err("--container: cannot read the cgroup tree at %s", f->root);
		container_filter__free(f);
		return -ENOENT;
	}
	for (int i = 0; i < f->nvalues; i++)
		if (!(f->matched_at_start & (1u << i)))
			pr_warn("no running container matches --container %s: waiting for it",
				f->values[i]);
	*out = f;
	return 0;
}

void container_filter__free(struct container_filter *f)
{
	if (!f)
		return;
	for (int i = 0; i < WATCH_BUCKETS; i++)
		while (f->watches[i]) {
			struct watch *w = f->watches[i];

			f->watches[i] = w->next;
			free(w);
		}
	for (int i = 0; i < f->nmatches; i++)
		free(f->matches[i].path);
	free(f->matches);
	if (f->inotify_fd >= 0)
		close(f->inotify_fd);
	free(f);
}
