// SPDX-License-Identifier: GPL-2.0
/* Names of open(2) flags and openat2(2) resolve flags. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "lib/names.h"

/* glibc defines O_LARGEFILE as 0 on 64-bit targets; the syscall sees the kernel's bit. */
#if defined(__aarch64__) || defined(__arm__)
#define KERNEL_O_LARGEFILE 0400000
#else
#define KERNEL_O_LARGEFILE 0100000
#endif

struct flag_name {
	uint64_t value;
	const char *name;
};

/* In bit order; O_SYNC and O_TMPFILE include O_DSYNC and O_DIRECTORY and take them. */
static const struct flag_name open_flags[] = {
	{ O_CREAT, "O_CREAT" },
	{ O_EXCL, "O_EXCL" },
	{ O_NOCTTY, "O_NOCTTY" },
	{ O_TRUNC, "O_TRUNC" },
	{ O_APPEND, "O_APPEND" },
	{ O_NONBLOCK, "O_NONBLOCK" },
	{ O_DSYNC, "O_DSYNC" },
	{ O_ASYNC, "O_ASYNC" },
	{ O_DIRECT, "O_DIRECT" },
	{ KERNEL_O_LARGEFILE, "O_LARGEFILE" },
	{ O_DIRECTORY, "O_DIRECTORY" },
	{ O_NOFOLLOW, "O_NOFOLLOW" },
	{ O_NOATIME, "O_NOATIME" },
	{ O_CLOEXEC, "O_CLOEXEC" },
	{ O_SYNC, "O_SYNC" },
	{ O_PATH, "O_PATH" },
	{ O_TMPFILE, "O_TMPFILE" },
};

static const struct flag_name resolve_flags[] = {
	{ 0x01, "RESOLVE_NO_XDEV" },
	{ 0x02, "RESOLVE_NO_MAGICLINKS" },
	{ 0x04, "RESOLVE_NO_SYMLINKS" },
	{ 0x08, "RESOLVE_BENEATH" },
	{ 0x10, "RESOLVE_IN_ROOT" },
	{ 0x20, "RESOLVE_CACHED" },
};

/* Appends "|text" (or "text" at the start); output that does not fit is cut. */
static void append(char *buf, size_t len, size_t *off, const char *text)
{
	int n;

	if (*off >= len)
		return;
	n = snprintf(buf + *off, len - *off, "%s%s", *off ? "|" : "", text);
	*off = n < 0 ? len : *off + n;
}

/* Names every entry whose bits are all set; entries listed in `taken` only as a whole. */
static void format_bits(const struct flag_name *names, size_t count, uint64_t flags,
			uint64_t taken, char *buf, size_t len, size_t off)
{
	uint64_t shown = 0;
	char hex[24];

	for (size_t i = 0; i < count; i++) {
		uint64_t v = names[i].value;
		bool whole = (v & (v - 1)) != 0;

		if ((flags & v) != v || (!whole && (taken & v)))
			continue;
		append(buf, len, &off, names[i].name);
		shown |= v;
	}
	if (flags & ~shown) {
		snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)(flags & ~shown));
		append(buf, len, &off, hex);
	}
}

const char *openflags__format(uint64_t flags, char *buf, size_t len)
{
	static const char *const access[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	uint64_t rest = flags & ~(uint64_t)O_ACCMODE, taken = 0;
	size_t off = 0;

	if (!len)
		return buf;
	buf[0] = 0;
	append(buf, len, &off, access[flags & O_ACCMODE]);
	if ((rest & O_SYNC) == O_SYNC)
		taken |= O_SYNC;
	if ((rest & O_TMPFILE) == O_TMPFILE)
		taken |= O_TMPFILE;
	format_bits(open_flags, sizeof(open_flags) / sizeof(open_flags[0]), rest, taken, buf, len,
		    off);
	return buf;
}

const char *resolveflags__format(uint64_t resolve, char *buf, size_t len)
{
	if (!len)
		return buf;
	if (!resolve) {
		snprintf(buf, len, "0");
		return buf;
	}
	buf[0] = 0;
	format_bits(resolve_flags, sizeof(resolve_flags) / sizeof(resolve_flags[0]), resolve, 0,
		    buf, len, 0);
	return buf;
}
