// SPDX-License-Identifier: GPL-2.0
/*
 * `procsnoop run --build`: what a run takes from a program's source, carried
 * in the object itself, so that the object alone runs as the source does on
 * a host without clang.  The section RUN_EMBED_SECTION (not allocated:
 * libbpf skips it) holds text lines, then the source:
 *
 *   procsnoop-run 1
 *   name NAME              the program's name (--help, --version, messages)
 *   source-name FILE       the source's file name, for the annotations' errors
 *   event-type STRUCT      the event struct the build resolved, when it has events
 *   source N               then N bytes: the source, whose /// comments are the
 *                          flags' help and the annotations
 *
 * An object without the section is a plain prebuilt object.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/strbuf.h"
#include "runner/runner.h"

#define EMBED_MAGIC "procsnoop-run 1\n"
/* No embedded source is larger: a source file procsnoop reads is bounded alike. */
#define EMBED_MAX (16u << 20)

void embed__free(struct embed *e)
{
	free(e->name);
	free(e->source_name);
	free(e->event_type);
	free(e->source);
	memset(e, 0, sizeof(*e));
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	if (close(out) && !err)
		err = -errno;
	close(in);
	return err;
}

static int add_section(Elf *elf, const void *bytes, size_t len)
{
	static const char name[] = RUN_EMBED_SECTION;
	size_t shstrndx;
	Elf_Scn *strscn, *scn;
	Elf_Data *names, *data;
	GElf_Shdr strsh, sh;

	if (elf_getshdrstrndx(elf, &shstrndx) || !(strscn = elf_getscn(elf, shstrndx)) ||
	    !gelf_getshdr(strscn, &strsh))
		return -EINVAL;
	/* The section's name at the end of the section name table. */
	names = elf_newdata(strscn);
	if (!names)
		return -ENOMEM;
	names->d_buf = (void *)name;
	names->d_size = sizeof(name);
	names->d_type = ELF_T_BYTE;
	names->d_align = 1;
	scn = elf_newscn(elf);
	data = scn ? elf_newdata(scn) : NULL;
	if (!data || !gelf_getshdr(scn, &sh))
		return -ENOMEM;
	data->d_buf = (void *)bytes;
	data->d_size = len;
	data->d_type = ELF_T_BYTE;
	data->d_align = 1;
	sh.sh_name = strsh.sh_size;
	sh.sh_type = SHT_PROGBITS;
	sh.sh_flags = 0;
	sh.sh_addralign = 1;
	if (!gelf_update_shdr(scn, &sh))
		return -EINVAL;
	return elf_update(elf, ELF_C_WRITE) < 0 ? -EIO : 0;
}

int embed__write(const char *obj, const char *out, const struct embed *e)
{
	char tmp[4096];
	struct strbuf sb = {};
	Elf *elf = NULL;
	int fd = -1, err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	strbuf__adds(&sb, EMBED_MAGIC);
	strbuf__addf(&sb, "name %s\n", e->name);
	strbuf__addf(&sb, "source-name %s\n", e->source_name);
	if (e->event_type)
		strbuf__addf(&sb, "event-type %s\n", e->event_type);
	strbuf__addf(&sb, "source %zu\n", e->source_len);
	strbuf__add(&sb, e->source, e->source_len);
	if (!sb.buf) {
		strbuf__free(&sb);
		return -ENOMEM;
	}
	/* Written beside the output and renamed over it: a failed build leaves no half object. */
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", out, getpid());
	err = copy_file(obj, tmp);
	if (!err) {
		fd = open(tmp, O_RDWR | O_CLOEXEC);
		err = fd < 0 ? -errno : 0;
	}
	if (!err && !(elf = elf_begin(fd, ELF_C_RDWR, NULL)))
		err = -EINVAL;
	if (!err)
		err = add_section(elf, sb.buf, sb.len);
	elf_end(elf);
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, out))
		err = -errno;
	if (err)
		unlink(tmp);
	strbuf__free(&sb);
	return err;
}

/* "KEY VALUE\n" at *p: the value, malloc'ed, and *p past the line; NULL when it is not KEY. */
static char *line_value(const char **p, const char *end, const char *key)
{
	size_t k = strlen(key);
	const char *nl;

	if ((size_t)(end - *p) <= k || memcmp(*p, key, k) || (*p)[k] != ' ')
		return NULL;
	nl = memchr(*p + k + 1, '\n', end - *p - k - 1);
	if (!nl)
		return NULL;
	{
		char *v = strndup(*p + k + 1, nl - *p - k - 1);

		*p = nl + 1;
		return v;
	}
}

static int parse_into(const char *b, size_t len, struct embed *e)
{
	const char *p = b, *end = b + len;
	char *n, *stop;
	unsigned long long size;

	memset(e, 0, sizeof(*e));
	if (len < strlen(EMBED_MAGIC) || memcmp(b, EMBED_MAGIC, strlen(EMBED_MAGIC)))
		return -EINVAL;
	p += strlen(EMBED_MAGIC);
	e->name = line_value(&p, end, "name");
	e->source_name = e->name ? line_value(&p, end, "source-name") : NULL;
	if (!e->source_name)
		return -EINVAL;
	e->event_type = line_value(&p, end, "event-type");
	n = line_value(&p, end, "source");
	if (!n)
		return -EINVAL;
	errno = 0;
	size = strtoull(n, &stop, 10);
	if (errno || *stop || stop == n || size != (unsigned long long)(end - p)) {
		free(n);
		return -EINVAL;
	}
	free(n);
	e->source = malloc(size + 1);
	if (!e->source)
		return -ENOMEM;
	memcpy(e->source, p, size);
	e->source[size] = 0;
	e->source_len = size;
	e->present = true;
	return 0;
}

int embed__parse(const char *bytes, size_t len, struct embed *e)
{
	int err = parse_into(bytes, len, e);

	if (err)
		embed__free(e);
	return err;
}

int embed__read(const char *obj, struct embed *e)
{
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, err = 0;

	memset(e, 0, sizeof(*e));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(obj, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		err = -EINVAL;
	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, RUN_EMBED_SECTION))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size > EMBED_MAX)
			err = -EINVAL;
		else
			err = embed__parse(d->d_buf, d->d_size, e);
		break;
	}
	elf_end(elf);
	close(fd);
	if (err)
		embed__free(e);
	return err;
}
