// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/json_read.h"
#include "lib/podman_state.h"

#define STORAGE_DEFAULT "/var/lib/containers/storage"
#define STORAGE_CONF "/etc/containers/storage.conf"
/* A state file larger than this is not read. */
#define STATE_MAX (64u << 20)
#define ID_LEN 64

struct entry {
	char id[ID_LEN + 1];
	char *name; /* or NULL */
	char *image; /* or NULL */
};

/* What a file was when it was read: another inode, size or mtime means it changed. */
struct file_id {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

static struct {
	bool built;
	char root[PATH_MAX];
	char storage[PATH_MAX]; /* the graphroot storage.conf gave */
	struct file_id conf, containers, images;
	struct entry *v; /* sorted by id */
	size_t n;
} idx;
/* The stream's thread and the metrics server's may both resolve a container. */
static pthread_mutex_t idx_lock = PTHREAD_MUTEX_INITIALIZER;

static struct file_id file_id(const char *path)
{
	struct file_id f = { 0 };
	struct stat st;

	if (stat(path, &st) == 0) {
		f.present = true;
		f.dev = st.st_dev;
		f.ino = st.st_ino;
		f.size = st.st_size;
		f.mtime = st.st_mtim;
	}
	return f;
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->present == b->present && a->dev == b->dev && a->ino == b->ino &&
	       a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/*
 * The graphroot of the [storage] table of storage.conf (TOML), when it is a
 * plain absolute path in double quotes; else the default.
 */
static void storage_dir(const char *conf, char *out, size_t len)
{
	char line[PATH_MAX + 64];
	bool in_storage = false;
	FILE *f = fopen(conf, "re");

	snprintf(out, len, "%s", STORAGE_DEFAULT);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *end;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '[') {
			in_storage = !strncmp(s, "[storage]", 9);
			continue;
		}
		if (!in_storage || strncmp(s, "graphroot", 9))
			continue;
		s += 9;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s++ != '=')
			continue;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s++ != '"' || *s != '/' || !(end = strchr(s, '"')) || strchr(s, '\\'))
			continue;
		*end = 0;
		snprintf(out, len, "%s", s);
		break;
	}
	fclose(f);
}

static void forget_locked(void)
{
	for (size_t i = 0; i < idx.n; i++) {
		free(idx.v[i].name);
		free(idx.v[i].image);
	}
	free(idx.v);
	memset(&idx, 0, sizeof(idx));
}

void podman_state__forget(void)
{
	pthread_mutex_lock(&idx_lock);
	forget_locked();
	pthread_mutex_unlock(&idx_lock);
}

static int dup_text(char **dst, const char *src)
{
	if (!src || !*src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

/* The first name of the image with this id in images.json, or NULL. */
static const char *image_name(const struct json *images, const char *image_id)
{
	const struct json *im;

	for (size_t i = 0; image_id && (im = json__at(images, i)); i++) {
		const char *iid = json__str(json__get(im, "id"));

		if (iid && !strcmp(iid, image_id))
			return json__str(json__at(json__get(im, "names"), 0));
	}
	return NULL;
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->id, ((const struct entry *)b)->id);
}

/* One container of containers.json into e: 0, 1 when it has no id of ours, or -ENOMEM. */
static int read_entry(const struct json *c, const struct json *images, struct entry *e)
{
	const char *id = json__str(json__get(c, "id"));
	const char *meta = json__str(json__get(c, "metadata"));
	struct json *m = meta ? json__parse(meta, strlen(meta)) : NULL;
	const char *image = json__str(json__get(m, "image-name"));
	int err;

	memset(e, 0, sizeof(*e));
	if (!id || strlen(id) != ID_LEN) {
		json__free(m);
		return 1;
	}
	memcpy(e->id, id, ID_LEN + 1);
	if (!image)
		image = image_name(images, json__str(json__get(c, "image")));
	err = dup_text(&e->name, json__str(json__at(json__get(c, "names"), 0)));
	if (!err)
		err = dup_text(&e->image, image);
	json__free(m);
	return err;
}

static int build_locked(const char *root, const char *storage)
{
	char path[PATH_MAX * 2];
	struct json *all, *images;
	int err = 0;

	snprintf(path, sizeof(path), "%s%s/overlay-containers/containers.json", root, storage);
	all = json__read_file(path, STATE_MAX);
	snprintf(path, sizeof(path), "%s%s/overlay-images/images.json", root, storage);
	images = all ? json__read_file(path, STATE_MAX) : NULL;
	if (all && all->type == JSON_ARRAY && all->len) {
		idx.v = calloc(all->len, sizeof(*idx.v));
		if (!idx.v)
			err = -ENOMEM;
		for (size_t i = 0; !err && i < all->len; i++) {
			int r = read_entry(json__at(all, i), images, &idx.v[idx.n]);

			if (r < 0)
				err = r;
			else if (r == 0)
				idx.n++;
		}
		if (!err)
			qsort(idx.v, idx.n, sizeof(*idx.v), by_id);
	}
	json__free(images);
	json__free(all);
	return err;
}

/* The index for root, built again when storage.conf, containers.json or images.json changed. */
static int current_locked(const char *root)
{
	char conf[PATH_MAX * 2], storage[PATH_MAX], path[PATH_MAX * 2];
	struct file_id fconf, fcont, fimg;
	int err;

	snprintf(conf, sizeof(conf), "%s%s", root, STORAGE_CONF);
	fconf = file_id(conf);
	if (idx.built && !strcmp(idx.root, root) && same_file(&fconf, &idx.conf))
		snprintf(storage, sizeof(storage), "%s", idx.storage);
	else
		storage_dir(conf, storage, sizeof(storage));
	snprintf(path, sizeof(path), "%s%s/overlay-containers/containers.json", root, storage);
	fcont = file_id(path);
	snprintf(path, sizeof(path), "%s%s/overlay-images/images.json", root, storage);
	fimg = file_id(path);
	if (idx.built && !strcmp(idx.root, root) && same_file(&fconf, &idx.conf) &&
	    same_file(&fcont, &idx.containers) && same_file(&fimg, &idx.images))
		return 0;
	forget_locked();
	err = build_locked(root, storage);
	if (err) {
		forget_locked();
		return err;
	}
	idx.built = true;
	snprintf(idx.root, sizeof(idx.root), "%s", root);
	snprintf(idx.storage, sizeof(idx.storage), "%s", storage);
	idx.conf = fconf;
	idx.containers = fcont;
	idx.images = fimg;
	return 0;
}

int podman_state__names(const char *root, const char *id, char **name, char **image)
{
	struct entry key = { 0 };
	const struct entry *e = NULL;
	int err;

	if (strlen(id) != ID_LEN)
		return 0;
	memcpy(key.id, id, ID_LEN + 1);
	pthread_mutex_lock(&idx_lock);
	err = current_locked(root);
	if (!err && idx.n)
		e = bsearch(&key, idx.v, idx.n, sizeof(*idx.v), by_id);
	if (e && !*name && e->name)
		err = (*name = strdup(e->name)) ? 0 : -ENOMEM;
	if (e && !err && !*image && e->image)
		err = (*image = strdup(e->image)) ? 0 : -ENOMEM;
	pthread_mutex_unlock(&idx_lock);
	return err;
}
