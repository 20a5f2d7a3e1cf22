// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "lib/names.h"
#include "lib/strbuf.h"

/* Standard signals of Linux on x86, arm64 and most other architectures. */
static const char *const std_names[32] = {
	[1] = "SIGHUP",	  [2] = "SIGINT",     [3] = "SIGQUIT",	 [4] = "SIGILL",
	[5] = "SIGTRAP",  [6] = "SIGABRT",    [7] = "SIGBUS",	 [8] = "SIGFPE",
	[9] = "SIGKILL",  [10] = "SIGUSR1",   [11] = "SIGSEGV",	 [12] = "SIGUSR2",
	[13] = "SIGPIPE", [14] = "SIGALRM",   [15] = "SIGTERM",	 [16] = "SIGSTKFLT",
	[17] = "SIGCHLD", [18] = "SIGCONT",   [19] = "SIGSTOP",	 [20] = "SIGTSTP",
	[21] = "SIGTTIN", [22] = "SIGTTOU",   [23] = "SIGURG",	 [24] = "SIGXCPU",
	[25] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF",	 [28] = "SIGWINCH",
	[29] = "SIGIO",	  [30] = "SIGPWR",    [31] = "SIGSYS",
};

/* Aliases accepted on input only. */
static const struct {
	const char *name;
	int sig;
} aliases[] = {
	{ "SIGIOT", 6 },
	{ "SIGPOLL", 29 },
	{ "SIGCLD", 17 },
	{ "SIGUNUSED", 31 },
};

#define RTMIN 34
#define RTMAX 64

const char *signal__name(int sig)
{
	/* 35..49 are RTMIN+n and 50..63 RTMAX-n, as `kill -l` prints them. */
	static const char *const rt_names[RTMAX - RTMIN + 1] = {
		"SIGRTMIN",    "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",
		"SIGRTMIN+5",  "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",
		"SIGRTMIN+10", "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14",
		"SIGRTMIN+15", "SIGRTMAX-14", "SIGRTMAX-13", "SIGRTMAX-12", "SIGRTMAX-11",
		"SIGRTMAX-10", "SIGRTMAX-9",  "SIGRTMAX-8",  "SIGRTMAX-7",  "SIGRTMAX-6",
		"SIGRTMAX-5",  "SIGRTMAX-4",  "SIGRTMAX-3",  "SIGRTMAX-2",  "SIGRTMAX-1",
		"SIGRTMAX",
	};

	if (sig > 0 && sig < 32)
		return std_names[sig];
	if (sig >= RTMIN && sig <= RTMAX)
		return rt_names[sig - RTMIN];
	return NULL;
}

const char *signal__format(int sig, char *buf, size_t len)
{
	const char *name = signal__name(sig);
	char *p = buf;

	if (name)
		return name;
	/* Without snprintf: kill(pid, 0) storms format signal 0 millions of times a second. */
	if (len < 13)
		return "?";
	if (sig < 0)
		*p++ = '-';
	p = decimal__put(p, sig < 0 ? -(long long)sig : sig);
	*p = 0;
	return buf;
}

static int parse_number(const char *s, int lo, int hi)
{
	char *end;
	long v;

	if (!*s || !isdigit((unsigned char)*s))
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	return (int)v;
}

int signal__parse(const char *text)
{
	char name[32];
	const char *s;
	int off;

	if (!text || !*text)
		return -1;
	if (isdigit((unsigned char)text[0]))
		return parse_number(text, 0, SIGNAL_MAX);
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	if (strlen(text) + 4 > sizeof(name))
		return -1;
	snprintf(name, sizeof(name), "SIG%s", text);
	for (char *p = name; *p; p++)
		*p = toupper((unsigned char)*p);
	for (int i = 1; i < 32; i++)
		if (strcmp(name, std_names[i]) == 0)
			return i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(name, aliases[i].name) == 0)
			return aliases[i].sig;
	if (strncmp(name, "SIGRTMIN", 8) == 0) {
		s = name + 8;
		if (!*s)
			return RTMIN;
		if (*s != '+' || (off = parse_number(s + 1, 0, RTMAX - RTMIN)) < 0)
			return -1;
		return RTMIN + off;
	}
	if (strncmp(name, "SIGRTMAX", 8) == 0) {
		s = name + 8;
		if (!*s)
			return RTMAX;
		if (*s != '-' || (off = parse_number(s + 1, 0, RTMAX - RTMIN)) < 0)
			return -1;
		return RTMAX - off;
	}
	return -1;
}

const char *const sigresult_names[SIGRESULT_COUNT] = {
	"delivered", "ignored", "already_pending", "overflow_fail", "lose_info",
};
