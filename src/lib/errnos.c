// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/names.h"

/* glibc (2.32+) knows every errno name; the kernel's numbering is the same. */
#define ERRNO_MAX 133

/* Kernel-internal values a syscall exit tracepoint can still see. */
static const char *const kernel_names[] = {
	[512 - 512] = "ERESTARTSYS", [513 - 512] = "ERESTARTNOINTR",
	[514 - 512] = "ERESTARTNOHAND", [515 - 512] = "ENOIOCTLCMD",
	[516 - 512] = "ERESTART_RESTARTBLOCK", [517 - 512] = "EPROBE_DEFER",
	[518 - 512] = "EOPENSTALE", [519 - 512] = "ENOPARAM",
};

const char *errno__name(int err)
{
	if (err >= 512 && err < 512 + (int)(sizeof(kernel_names) / sizeof(kernel_names[0])))
		return kernel_names[err - 512];
	if (err <= 0 || err > ERRNO_MAX)
		return NULL;
	return strerrorname_np(err);
}

int errno__parse(const char *text)
{
	char *end;
	long v;

	if (!text || !*text)
		return -1;
	if (isdigit((unsigned char)text[0])) {
		v = strtol(text, &end, 10);
		return (*end || v <= 0 || v > 4095) ? -1 : (int)v;
	}
	for (int i = 1; i <= ERRNO_MAX; i++) {
		const char *name = strerrorname_np(i);

		if (name && strcasecmp(name, text) == 0)
			return i;
	}
	return -1;
}
