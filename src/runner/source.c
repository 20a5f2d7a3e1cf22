// SPDX-License-Identifier: GPL-2.0
/* The program's files: read whole, and scanned for the structs and local headers they name. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/strbuf.h"
#include "runner/compile.h"

int source__read(const char *path, struct source_file *out)
{
	struct strbuf sb = {};
	char buf[65536];
	ssize_t n;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		strbuf__add(&sb, buf, n);
	}
	close(fd);
	strbuf__addc(&sb, 0);
	if (!err && sb.oom)
		err = -ENOMEM;
	if (err) {
		strbuf__free(&sb);
		return err;
	}
	out->path = strdup(path);
	out->text = sb.buf;
	out->len = sb.len - 1;
	if (!out->path) {
		strbuf__free(&sb);
		return -ENOMEM;
	}
	return 0;
}

void source__free(struct source_file *f)
{
	free(f->path);
	free(f->text);
	memset(f, 0, sizeof(*f));
}

int source__struct_names(const char *text, char ***names)
{
	char **v = NULL;
	int n = 0;

	*names = NULL;
	for (const char *p = text; (p = strstr(p, "struct")); p += 6) {
		const char *q = p + 6, *name;
		size_t len;
		char **nv;
		bool dup = false;

		if ((p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
		    !isspace((unsigned char)*q))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		name = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		len = q - name;
		while (isspace((unsigned char)*q))
			q++;
		if (!len || *q != '{' || isdigit((unsigned char)*name))
			continue;
		for (int i = 0; i < n; i++)
			dup |= strlen(v[i]) == len && memcmp(v[i], name, len) == 0;
		if (dup)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strndup(name, len))) {
			free(nv ? nv : v);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	*names = v;
	return n;
}

void source__free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

char *source__dir(const char *path)
{
	char *abs = realpath(path, NULL), *slash;

	if (!abs)
		return NULL;
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = 0;
	else
		*slash = 0;
	return abs;
}

int source__local_includes(const struct source_file *src, struct source_file *out, int max)
{
	char *dir = source__dir(src->path);
	int n = 0;

	for (const char *p = src->text; dir && n < max && (p = strstr(p, "#include")); p++) {
		const char *q = p + 8, *end;
		char path[PATH_MAX];

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '"' || !(end = strchr(q + 1, '"')) || memchr(q, '\n', end - q))
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(end - q - 1), q + 1);
		if (source__read(path, &out[n]) == 0)
			n++;
	}
	free(dir);
	return n;
}
