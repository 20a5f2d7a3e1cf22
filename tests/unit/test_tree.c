// SPDX-License-Identifier: GPL-2.0
/* --tree: the process tree built from exec and exit records, as text and as JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "events.h"
#include "lib/tree.h"
#include "unit.h"

static uint64_t now_ns = 1000;

static void header(struct event_header *h, uint16_t type, size_t size, uint32_t pid,
		   uint32_t ppid, const char *comm)
{
	memset(h, 0, sizeof(*h));
	h->ts_ns = now_ns += 1000;
	h->type = type;
	h->size = size;
	h->pid = h->tid = pid;
	h->ppid = ppid;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
}

/* args: the arguments joined by '\0', with its length. */
static void exec_rec(struct tree *t, uint32_t pid, uint32_t ppid, const char *comm,
		     const char *filename, const char *args, size_t args_len)
{
	static struct exec_event e;
	size_t flen = strlen(filename), size = offsetof(struct exec_event, data) + flen + 1 + args_len;

	memset(&e, 0, sizeof(e));
	header(&e.h, EVENT_EXEC, size, pid, ppid, comm);
	e.filename_len = flen;
	e.args_len = args_len;
	memcpy(e.data, filename, flen + 1);
	memcpy(e.data + flen + 1, args, args_len);
	tree__observe(t, &e, size);
}

static void exit_rec(struct tree *t, uint32_t pid, uint32_t ppid, const char *comm,
		     uint32_t status, uint16_t flags, uint64_t age_ms)
{
	struct exit_event e;

	memset(&e, 0, sizeof(e));
	header(&e.h, EVENT_EXIT, sizeof(e), pid, ppid, comm);
	e.status = status;
	e.flags = flags;
	e.age_ns = age_ms * 1000000;
	tree__observe(t, &e, sizeof(e));
}

static char out[4096];

static const char *table(const struct tree *t)
{
	FILE *f = fmemopen(out, sizeof(out), "w");

	tree__print_table(t, f);
	fclose(f);
	return out;
}

static const char *json(const struct tree *t)
{
	FILE *f = fmemopen(out, sizeof(out), "w");

	tree__print_json(t, f);
	fclose(f);
	return out;
}

#define ARGS(s) s, sizeof(s)

TEST(tree_children_before_their_parent_and_a_reused_pid)
{
	struct tree *t = tree__new(100);

	exec_rec(t, 100, 50, "sh", "/bin/sh", ARGS("sh\0-c\0x y"));
	/* A subshell's child execs before the subshell has any event of its own. */
	exec_rec(t, 102, 101, "sleep", "/bin/sleep", ARGS("sleep\0001"));
	exit_rec(t, 102, 101, "sleep", 0, EXIT_EXEC_KNOWN, 100);
	exit_rec(t, 101, 100, "sh", 3 << 8, 0, 200);
	/* Pid 103, twice: true, then after its exit, false. */
	exec_rec(t, 103, 100, "true", "/bin/true", ARGS("true"));
	exit_rec(t, 103, 100, "true", 0, EXIT_EXEC_KNOWN, 1);
	exec_rec(t, 103, 100, "false", "/bin/false", ARGS("false"));
	exit_rec(t, 103, 100, "false", 1 << 8, EXIT_EXEC_KNOWN, 2);
	/* Two execs in one process; a crash with a core; one still running. */
	exec_rec(t, 104, 100, "sh", "/bin/sh", ARGS("sh\0-c\0exec cat"));
	exec_rec(t, 104, 100, "cat", "/bin/cat", ARGS("cat\0a\"b"));
	exit_rec(t, 104, 100, "cat", 11 | 0x80, EXIT_CORE_DUMPED | EXIT_EXEC_KNOWN, 3);
	exec_rec(t, 105, 100, "daemon", "/bin/daemon", ARGS("daemon"));
	/* Reparented before its first event: its parent is no process of the tree. */
	exec_rec(t, 106, 1, "orphan", "/bin/orphan", ARGS("orphan"));
	exit_rec(t, 100, 50, "sh", 7 << 8, EXIT_EXEC_KNOWN, 500);
	CHECK_STR(table(t), "process tree:\n"
			    "100 sh -c \"x y\"  [exit 7, 0.500 s]\n"
			    "  101 (sh)  [exit 3, 0.200 s]\n"
			    "    102 sleep 1  [exit 0, 0.100 s]\n"
			    "  103 true  [exit 0, 0.001 s]\n"
			    "  103 false  [exit 1, 0.002 s]\n"
			    "  104 sh -c \"exec cat\" => cat \"a\\\"b\"  [SIGSEGV, core dumped, 0.003 s]\n"
			    "  105 daemon  [running]\n"
			    "106 orphan  [running]\n");
	tree__free(t);
}

TEST(tree_json_nests_children)
{
	struct tree *t = tree__new(200);

	exec_rec(t, 200, 1, "sh", "/bin/sh", ARGS("sh"));
	exec_rec(t, 201, 200, "cat", "/bin/cat", ARGS("cat\0f\xff"));
	exit_rec(t, 201, 200, "cat", 9, EXIT_EXEC_KNOWN, 4);
	exit_rec(t, 200, 1, "sh", 0, EXIT_EXEC_KNOWN, 5);
	CHECK_STR(json(t),
		  "{\"type\":\"tree\",\"root_pid\":200,\"complete\":true,\"processes\":["
		  "{\"pid\":200,\"ppid\":1,\"comm\":\"sh\",\"execs\":[{\"filename\":\"/bin/sh\","
		  "\"args\":[\"sh\"],\"args_truncated\":false}],\"running\":false,\"exit_code\":0,"
		  "\"sig\":null,\"core_dumped\":false,\"age_ns\":5000000,\"children\":["
		  "{\"pid\":201,\"ppid\":200,\"comm\":\"cat\",\"execs\":[{\"filename\":\"/bin/cat\","
		  "\"args\":[\"cat\",\"f\\ufffd\"],\"args_truncated\":false}],\"running\":false,"
		  "\"exit_code\":null,\"sig\":\"SIGKILL\",\"core_dumped\":false,\"age_ns\":4000000,"
		  "\"children\":[]}]}]}\n");
	tree__free(t);
}

TEST(tree_exec_from_the_exit_record_when_no_exec_was_seen)
{
	struct tree *t = tree__new(300);
	struct exit_event e;

	memset(&e, 0, sizeof(e));
	header(&e.h, EVENT_EXIT, sizeof(e), 300, 1, "make");
	e.flags = EXIT_EXEC_KNOWN;
	e.age_ns = 1000000;
	strcpy(e.exec.filename, "/usr/bin/make");
	e.exec.filename_len = strlen(e.exec.filename);
	memcpy(e.exec.args, "make\0-j2", 9);
	e.exec.args_len = 9;
	e.exec.status = EXEC_REC_ARGS_TRUNCATED;
	tree__observe(t, &e, sizeof(e));
	/* Records too short to be what they say are left alone. */
	tree__observe(t, &e, sizeof(e.h) - 1);
	e.h.type = EVENT_EXEC;
	tree__observe(t, &e, offsetof(struct exec_event, data) - 1);
	CHECK_STR(table(t), "process tree:\n300 make -j2 ...  [exit 0, 0.001 s]\n");
	tree__free(t);
}

TEST(tree_many_processes)
{
	struct tree *t = tree__new(1);
	size_t lines = 0;
	char *big;
	size_t len;
	FILE *f;

	exec_rec(t, 1, 0, "init", "/init", ARGS("init"));
	/* A chain 2000 deep (the walk has no recursion to overflow), and 3000 siblings. */
	for (uint32_t pid = 2; pid < 2002; pid++)
		exec_rec(t, pid, pid - 1, "sh", "/bin/sh", ARGS("sh"));
	for (uint32_t pid = 3000; pid < 6000; pid++)
		exit_rec(t, pid, 1, "w", 0, 0, 1);
	f = open_memstream(&big, &len);
	tree__print_table(t, f);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		lines += big[i] == '\n';
	CHECK_INT(lines, 1 + 1 + 2000 + 3000);
	CHECK(strstr(big, "\n" "      " "4 sh  [running]\n") != NULL);
	free(big);
	f = open_memstream(&big, &len);
	tree__print_json(t, f);
	fclose(f);
	CHECK(len > 2 && big[len - 2] == '}');
	free(big);
	tree__free(t);
}
