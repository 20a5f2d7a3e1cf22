// SPDX-License-Identifier: GPL-2.0
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/containers.h"
#include "lib/json_read.h"
#include "lib/parse.h"
#include "lib/podman_state.h"

/* The kernel's file handle type for kernfs (cgroup) nodes: the handle is the 8-byte id. */
#define FILEID_KERNFS 0xfe
/* Ids remembered; past three quarters full, the cache starts again. */
#define CACHE_SLOTS 1024
/* The fallback walk looks at no more directories than this, no deeper than this. */
#define WALK_MAX_DIRS 65536
#define WALK_MAX_DEPTH 32
/* A runtime's state file larger than this is not read. */
#define STATE_MAX (16u << 20)
#define DOCKER_CONTAINERS "/var/lib/docker/containers"

static const struct {
	const char *prefix;
	const char *runtime;
} id_forms[] = {
	{ "libpod-", "podman" },
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "crio-", "cri-o" },
};

static bool is_hex_id(const char *s, size_t n)
{
	if (n != CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t p = strlen(prefix);

	return n >= p && memcmp(s, prefix, p) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *suffix)
{
	size_t x = strlen(suffix);

	return n >= x && memcmp(s + n - x, suffix, x) == 0;
}

/* A pod uid from "pod<uid>" or "kubepods-<qos>-pod<uid with _ for ->.slice". */
static bool pod_uid_of(const char *s, size_t n, char out[POD_UID_LEN + 1])
{
	const char *p;
	size_t len;

	if (has_prefix(s, n, "kubepods") && has_suffix(s, n, ".slice")) {
		n -= 6;
		p = NULL;
		for (size_t i = 0; i + 4 <= n; i++)
			if (memcmp(s + i, "-pod", 4) == 0)
				p = s + i + 4;
		if (!p)
			return false;
		len = s + n - p;
	} else if (has_prefix(s, n, "pod")) {
		p = s + 3;
		len = n - 3;
	} else {
		return false;
	}
	if (len != POD_UID_LEN)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i] == '_' ? '-' : p[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-'))
			return false;
		out[i] = c;
	}
	out[len] = 0;
	return true;
}

/* The runtime whose container the component names (and its id), else NULL. */
static const char *component_id(const char *s, size_t n, const char *parent, size_t pn,
				bool kube, const char **id)
{
	if (has_suffix(s, n, ".scope"))
		n -= 6;
	for (size_t i = 0; i < sizeof(id_forms) / sizeof(id_forms[0]); i++) {
		size_t p = strlen(id_forms[i].prefix);

		if (has_prefix(s, n, id_forms[i].prefix) && is_hex_id(s + p, n - p)) {
			*id = s + p;
			return id_forms[i].runtime;
		}
	}
	if (!is_hex_id(s, n))
		return NULL;
	*id = s;
	if (pn == 6 && memcmp(parent, "docker", 6) == 0)
		return "docker";
	return kube ? "cri" : NULL;
}

bool container__from_path(const char *path, struct container_info *out)
{
	const char *s = path, *parent = "";
	size_t pn = 0;
	bool kube = false;

	memset(out, 0, sizeof(*out));
	while (*s) {
		const char *end = strchr(s, '/'), *id;
		size_t n = end ? (size_t)(end - s) : strlen(s);
		const char *runtime;

		if (n) {
			kube |= has_prefix(s, n, "kubepods");
			pod_uid_of(s, n, out->pod_uid);
			runtime = component_id(s, n, parent, pn, kube, &id);
			if (runtime) {
				memcpy(out->id, id, CONTAINER_ID_LEN);
				out->id[CONTAINER_ID_LEN] = 0;
				out->runtime = runtime;
			}
			parent = s;
			pn = n;
		}
		s += n;
		if (*s)
			s++;
	}
	return out->id[0] != 0;
}

static int set_text(char **dst, const char *src)
{
	if (!src || !*src || *dst)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/* docker: Name ("/web") and Config.Image of the container's config.v2.json. */
static int docker_names(const char *root, struct container_info *out)
{
	char path[PATH_MAX];
	struct json *c;
	const char *name;
	int err;

	snprintf(path, sizeof(path), "%s" DOCKER_CONTAINERS "/%s/config.v2.json", root, out->id);
	c = json__read_file(path, STATE_MAX);
	name = json__str(json__get(c, "Name"));
	err = set_text(&out->name, name && name[0] == '/' ? name + 1 : name);
	if (!err)
		err = set_text(&out->image, json__str(json__get(json__get(c, "Config"), "Image")));
	json__free(c);
	return err;
}

int container__names(const char *root, struct container_info *out)
{
	if (!out->runtime)
		return 0;
	/* CRI-O keeps its containers in containers/storage too, named k8s_... by the kubelet. */
	if (!strcmp(out->runtime, "podman") || !strcmp(out->runtime, "cri-o"))
		return podman_state__names(root, out->id, &out->name, &out->image);
	if (!strcmp(out->runtime, "docker"))
		return docker_names(root, out);
	return 0;
}

void container__clear(struct container_info *c)
{
	free(c->name);
	free(c->image);
	memset(c, 0, sizeof(*c));
}

const char *container__label(const struct container_info *c, size_t *len)
{
	if (c->name) {
		*len = strlen(c->name);
		return c->name;
	}
	if (!c->id[0])
		return NULL;
	*len = CONTAINER_SHORT_ID_LEN;
	return c->id;
}

struct slot {
	uint64_t id; /* 0: free */
	struct container_info info;
};

struct containers {
	int mount_fd;
	bool handles_refused; /* open_by_handle_at said EPERM: walk instead */
	int used;
	struct slot slots[CACHE_SLOTS];
};

struct containers *containers__new(void)
{
	const char *mnt = parse__cgroup2_mount();
	struct containers *c;

	if (!mnt)
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->mount_fd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (c->mount_fd < 0) {
		free(c);
		return NULL;
	}
	return c;
}

static void cache_clear(struct containers *c)
{
	for (int i = 0; i < CACHE_SLOTS; i++)
		container__clear(&c->slots[i].info);
	memset(c->slots, 0, sizeof(c->slots));
	c->used = 0;
}

void containers__free(struct containers *c)
{
	if (!c)
		return;
	cache_clear(c);
	close(c->mount_fd);
	free(c);
	podman_state__forget();
}

/* The path of the directory open at fd, through /proc. */
static int fd_path(int fd, char *buf, size_t len)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, len - 1);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

static int path_by_handle(struct containers *c, uint64_t id, char *buf, size_t len)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = { .fh = { .handle_bytes = sizeof(uint64_t), .handle_type = FILEID_KERNFS } };
	int fd, err;

	memcpy(h.fh.f_handle, &id, sizeof(id));
	fd = open_by_handle_at(c->mount_fd, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = fd_path(fd, buf, len);
	close(fd);
	return err;
}

/* Depth-first below dirfd (whose path is buf[0..n)) for the directory whose inode is id. */
static bool walk(int dirfd, uint64_t id, char *buf, size_t n, size_t len, int depth,
		 int *budget)
{
	DIR *d;
	struct dirent *de;
	bool found = false;

	if (depth > WALK_MAX_DEPTH) {
		close(dirfd);
		return false;
	}
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return false;
	}
	while (!found && (de = readdir(d))) {
		struct stat st;
		size_t m = strlen(de->d_name);
		int sub;

		if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (--*budget < 0 || n + 1 + m >= len)
			break;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		buf[n] = '/';
		memcpy(buf + n + 1, de->d_name, m + 1);
		if (st.st_ino == id)
			return closedir(d), true;
		sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (sub >= 0)
			found = walk(sub, id, buf, n + 1 + m, len, depth + 1, budget);
	}
	if (!found)
		buf[n] = 0;
	closedir(d);
	return found;
}

static int path_by_walk(struct containers *c, uint64_t id, char *buf, size_t len)
{
	int budget = WALK_MAX_DIRS, fd = openat(c->mount_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	buf[0] = 0;
	return walk(fd, id, buf, 0, len, 0, &budget) ? 0 : -ENOENT;
}

const struct container_info *containers__lookup(struct containers *c, uint64_t cgroup_id)
{
	static const struct container_info none;
	char path[PATH_MAX];
	struct slot *s;
	size_t i;
	int err;

	if (!c || !cgroup_id)
		return &none;
	for (i = cgroup_id % CACHE_SLOTS;; i = (i + 1) % CACHE_SLOTS) {
		s = &c->slots[i];
		if (s->id == cgroup_id)
			return &s->info;
		if (!s->id)
			break;
	}
	if (c->used >= CACHE_SLOTS * 3 / 4) {
		cache_clear(c);
		s = &c->slots[cgroup_id % CACHE_SLOTS];
	}
	err = c->handles_refused ? -EPERM : path_by_handle(c, cgroup_id, path, sizeof(path));
	if (err == -EPERM) {
		c->handles_refused = true;
		err = path_by_walk(c, cgroup_id, path, sizeof(path));
	}
	s->id = cgroup_id;
	c->used++;
	/* A cgroup gone already stays unknown: its id is never used again. */
	if (err || !container__from_path(path, &s->info))
		memset(&s->info, 0, sizeof(s->info));
	else if (container__names("", &s->info))
		container__clear(&s->info); /* no memory: unknown rather than half known */
	return &s->info;
}
