// SPDX-License-Identifier: GPL-2.0
/* procsnoop open without BPF: flag names, its options, its record in table and JSON. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include "lib/names.h"
#include "lib/sink.h"
#include "tracers/open.h"
#include "unit.h"

static const char *oflags(uint64_t f)
{
	static char buf[OPENFLAGS_BUF];

	return openflags__format(f, buf, sizeof(buf));
}

static const char *rflags(uint64_t f)
{
	static char buf[OPENFLAGS_BUF];

	return resolveflags__format(f, buf, sizeof(buf));
}

TEST(open_flags_names)
{
	CHECK_STR(oflags(0), "O_RDONLY");
	CHECK_STR(oflags(O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC),
		  "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
	CHECK_STR(oflags(O_RDWR | O_APPEND | O_NONBLOCK | O_EXCL | O_NOCTTY),
		  "O_RDWR|O_EXCL|O_NOCTTY|O_APPEND|O_NONBLOCK");
	CHECK_STR(oflags(O_RDONLY | O_DIRECTORY | O_NOFOLLOW), "O_RDONLY|O_DIRECTORY|O_NOFOLLOW");
	CHECK_STR(oflags(O_PATH | O_CLOEXEC), "O_RDONLY|O_CLOEXEC|O_PATH");
	CHECK_STR(oflags(O_WRONLY | O_DIRECT | O_NOATIME | O_ASYNC),
		  "O_WRONLY|O_ASYNC|O_DIRECT|O_NOATIME");
	CHECK_STR(oflags(3), "O_ACCMODE");
}

TEST(open_flags_that_contain_others)
{
	/* O_SYNC holds O_DSYNC's bit, O_TMPFILE O_DIRECTORY's: each is named once. */
	CHECK_STR(oflags(O_WRONLY | O_SYNC), "O_WRONLY|O_SYNC");
	CHECK_STR(oflags(O_WRONLY | O_DSYNC), "O_WRONLY|O_DSYNC");
	CHECK_STR(oflags(O_RDWR | O_TMPFILE), "O_RDWR|O_TMPFILE");
	CHECK_STR(oflags(O_RDWR | O_TMPFILE | O_SYNC | O_EXCL), "O_RDWR|O_EXCL|O_SYNC|O_TMPFILE");
}

TEST(open_flags_kernel_largefile_and_unknown_bits)
{
	/* glibc's O_LARGEFILE is 0 on 64-bit targets; the syscall sees the kernel's bit. */
	CHECK_STR(oflags(0100000), "O_RDONLY|O_LARGEFILE");
	CHECK_STR(oflags(O_WRONLY | 0x80000000u), "O_WRONLY|0x80000000");
	CHECK_STR(oflags(0x100000000ull | O_CREAT), "O_RDONLY|O_CREAT|0x100000000");
}

TEST(open_flags_cut_to_the_buffer)
{
	char small[12];

	memset(small, 'x', sizeof(small));
	CHECK_STR(openflags__format(O_WRONLY | O_CREAT | O_TRUNC, small, sizeof(small)),
		  "O_WRONLY|O_");
	CHECK_STR(openflags__format(O_WRONLY, small, 3), "O_");
	CHECK(openflags__format(O_WRONLY, small, 0) == small);
	CHECK_STR(resolveflags__format(0x0c, small, sizeof(small)), "RESOLVE_NO_");
}

TEST(resolve_flags_names)
{
	CHECK_STR(rflags(0), "0");
	CHECK_STR(rflags(0x04), "RESOLVE_NO_SYMLINKS");
	CHECK_STR(rflags(0x0c), "RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH");
	CHECK_STR(rflags(0x3f), "RESOLVE_NO_XDEV|RESOLVE_NO_MAGICLINKS|RESOLVE_NO_SYMLINKS|"
				"RESOLVE_BENEATH|RESOLVE_IN_ROOT|RESOLVE_CACHED");
	CHECK_STR(rflags(0x10 | 0x40), "RESOLVE_IN_ROOT|0x40");
}

TEST(open_options_values)
{
	struct open_opts o = {};
	struct filter_config fc = {};
	const char *why = "";

	CHECK_INT(open_opts__parse('n', "bash", &o, &fc, &why), 0);
	CHECK_INT(o.name_len, 4);
	CHECK_STR(o.name, "bash");
	CHECK_INT(open_opts__parse('n', "0123456789abcdef", &o, &fc, &why), -EINVAL);
	CHECK_STR(why, "longer than the kernel's 15-character command name");
	CHECK_INT(open_opts__parse('n', "", &o, &fc, &why), -EINVAL);
	CHECK_INT(open_opts__parse('t', "4242", &o, &fc, &why), 0);
	CHECK_INT(fc.tid, 4242);
	CHECK_INT(open_opts__parse('t', "-1", &o, &fc, &why), -EINVAL);
	CHECK_INT(open_opts__parse('c', "cat", &o, &fc, &why), 0);
	CHECK(fc.comm_set && !strcmp(fc.comm, "cat"));
	CHECK_INT(open_opts__parse(OPEN_OPT_PREFIX, "/etc/", &o, &fc, &why), 0);
	CHECK_INT(o.prefix_len, 5);
	CHECK_INT(open_opts__check(&o, &why), 0);
	CHECK_INT(open_opts__parse(OPEN_OPT_PREFIX, "etc", &o, &fc, &why), 0);
	CHECK_INT(open_opts__parse('F', NULL, &o, &fc, &why), 0);
	CHECK_INT(open_opts__check(&o, &why), -EINVAL);
	CHECK_INT(open_opts__parse(OPEN_OPT_PREFIX, "", &o, &fc, &why), -EINVAL);
	char longp[OPEN_PREFIX_MAX + 1];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[OPEN_PREFIX_MAX] = 0;
	CHECK_INT(open_opts__parse(OPEN_OPT_PREFIX, longp, &o, &fc, &why), -EINVAL);
	longp[OPEN_PREFIX_MAX - 1] = 0;
	CHECK_INT(open_opts__parse(OPEN_OPT_PREFIX, longp, &o, &fc, &why), 0);
	CHECK_INT(open_opts__parse('s', "x", &o, &fc, &why), -ENOENT);
}

TEST(open_table_groups)
{
	struct open_opts o = {};

	CHECK_INT(open_opts__table_groups(&o), G_OPEN_PATH);
	o.full_path = o.show_time = o.show_uid = o.extended = true;
	CHECK_INT(open_opts__table_groups(&o), G_OPEN_TIME | G_OPEN_UID | G_OPEN_EXT | G_OPEN_FULL);
}

/* The default table shows no time, so the kernel does not read the clock; -T does. */
TEST(open_table_time_only_with_T)
{
	struct open_opts o = {};
	struct schema sc = open_schema;

	sc.groups = open_opts__table_groups(&o);
	CHECK(!schema__table_shows_time(&sc));
	o.full_path = o.show_uid = o.extended = true;
	sc.groups = open_opts__table_groups(&o);
	CHECK(!schema__table_shows_time(&sc));
	o.show_time = true;
	sc.groups = open_opts__table_groups(&o);
	CHECK(schema__table_shows_time(&sc));
}

/* An event as the kernel half builds it; full == NULL: no full path. */
static size_t make_event(struct open_event *e, const char *path, size_t plen, const char *full,
			 uint16_t status)
{
	size_t size = offsetof(struct open_event, data) + plen + 1;

	memset(e, 0, sizeof(*e));
	e->h = (struct event_header){ .ts_ns = 0, .pid = 7, .tid = 8, .ppid = 1, .uid = 1000,
				      .type = EVENT_OPEN, .ns_pid = 2, .ns_tid = 3,
				      .pidns = 4026532001u, .mntns = 4026532000u,
				      .start_ns = 5000000000ull, .exec_seq = 2,
				      .parent_start_ns = 1000000ull, .parent_exec_seq = 1 };
	memcpy(e->h.comm, "cat", 4);
	e->ret = 3;
	e->dirfd = -100;
	e->flags = O_RDONLY;
	e->syscall = OPEN_SYS_OPENAT;
	e->status = status;
	e->path_len = plen;
	memcpy(e->data, path, plen);
	if (full) {
		e->status |= OPEN_FULL_SET;
		e->full_len = strlen(full);
		memcpy(e->data + plen + 1, full, e->full_len);
		size += e->full_len + 1;
	}
	e->h.size = size;
	return size;
}

static const char *render(bool json, uint32_t groups, const struct open_event *e, size_t size)
{
	struct render_opts ro = { .mono_to_real_ns = 3723000000000ll };

	return unit__render(json, &ro, &open_schema, groups, e, size);
}

TEST(open_record_json_every_field)
{
	struct open_event e;
	size_t size = make_event(&e, "rel.txt", 7, "/tmp/d/rel.txt", 0);

	CHECK_STR(render(true, 0, &e, size),
		  "{\"type\":\"open\",\"time\":\"1970-01-01T01:02:03.000000000Z\",\"ts_ns\":0,"
		  "\"pid\":7,\"tid\":8,\"ppid\":1,\"uid\":1000,\"comm\":\"cat\",\"cgroup_id\":0,"
		  "\"ns_pid\":2,\"ns_tid\":3,\"pidns\":4026532001,\"mntns\":4026532000,"
		  "\"exec_id\":\"5000000000:7:2\",\"parent_exec_id\":\"1000000:1:1\","
		  "\"container_id\":null,\"container_name\":null,\"image\":null,"
		  "\"container_runtime\":null,\"pod_uid\":null,"
		  "\"syscall\":\"openat\",\"fd\":3,\"error\":null,\"ret\":3,\"dirfd\":-100,"
		  "\"flags\":\"O_RDONLY\",\"mode\":null,\"resolve\":null,\"path\":\"rel.txt\","
		  "\"full_path\":\"/tmp/d/rel.txt\",\"truncated\":null}\n");
}

TEST(open_record_failed_creat_and_openat2)
{
	struct open_event e;
	size_t size = make_event(&e, "x", 1, NULL, 0);
	const char *out;

	e.ret = -13;
	e.syscall = OPEN_SYS_CREAT;
	e.flags = O_WRONLY | O_CREAT | O_TRUNC;
	e.mode = 0640;
	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"syscall\":\"creat\",\"fd\":null,\"error\":\"EACCES\",\"ret\":-13,"
			  "\"dirfd\":null,\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC\",\"mode\":\"0640\","
			  "\"resolve\":null,\"path\":\"x\",\"full_path\":null,"));
	e.syscall = OPEN_SYS_OPENAT2;
	e.dirfd = 5;
	e.resolve = 0x04;
	e.ret = -40;
	e.flags = O_RDONLY;
	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"syscall\":\"openat2\",\"fd\":null,\"error\":\"ELOOP\",\"ret\":-40,"
			  "\"dirfd\":5,\"flags\":\"O_RDONLY\",\"mode\":null,"
			  "\"resolve\":\"RESOLVE_NO_SYMLINKS\","));
	CHECK_STR(render(false, G_OPEN_EXT | G_OPEN_PATH, &e, size),
		  "    PID     TID COMM             SYSCALL   FD ERR     FLAGS                    "
		  "MODE  RESOLVE PATH\n"
		  "      7       8 cat              openat2    - ELOOP   O_RDONLY                 "
		  "-     RESOLVE_NO_SYMLINKS x\n");
}

TEST(open_record_table_columns)
{
	struct open_event e;
	size_t size = make_event(&e, "a b", 3, "/t/a b", 0);

	CHECK_STR(render(false, G_OPEN_PATH, &e, size),
		  "    PID     TID COMM               FD ERR     PATH\n"
		  "      7       8 cat                 3 -       a b\n");
	CHECK_STR(render(false, G_OPEN_FULL | G_OPEN_TIME | G_OPEN_UID, &e, size),
		  "TIME                PID     TID    UID COMM               FD ERR     PATH\n"
		  "01:02:03.000000       7       8   1000 cat                 3 -       /t/a b\n");
}

TEST(open_record_hostile_bytes)
{
	struct open_event e;
	size_t size = make_event(&e, "n\nq\"\xff", 5, "/d/n\nq\"\xff", 0);
	const char *out;

	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"path\":\"n\\nq\\\"\\ufffd\",\"path_hex\":\"6e0a7122ff\","));
	CHECK(strstr(out, "\"full_path\":\"/d/n\\nq\\\"\\ufffd\",\"full_path_hex\":"
			  "\"2f642f6e0a7122ff\","));
	out = render(false, G_OPEN_FULL, &e, size);
	CHECK(strstr(out, " /d/n\\nq\"\\xff\n"));
}

TEST(open_record_truncated_paths)
{
	static char path[OPEN_PATH_MAX];
	static struct open_event e;
	size_t size;
	const char *out;

	memset(path, 'p', sizeof(path));
	size = make_event(&e, path, OPEN_PATH_MAX - 1, NULL, OPEN_PATH_TRUNCATED);
	e.status |= OPEN_FULL_SET | OPEN_FULL_SAME;
	e.full_len = e.path_len;
	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"truncated\":\"path,full_path\"}"));
	out = render(false, G_OPEN_PATH, &e, size);
	CHECK(strlen(out) > 7 && !strcmp(out + strlen(out) - 7, "pp\\...\n"));

	size = make_event(&e, "x", 1, "/deep/x", OPEN_FULL_TRUNCATED);
	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"path\":\"x\",\"full_path\":\"/deep/x\",\"truncated\":\"full_path\"}"));
	CHECK(strstr(render(false, G_OPEN_PATH, &e, size), " x\n"));
	CHECK(strstr(render(false, G_OPEN_FULL, &e, size), " /deep/x\\...\n"));
}

TEST(open_record_absolute_bad_dirfd_and_fault)
{
	struct open_event e;
	size_t size = make_event(&e, "/etc/passwd", 11, NULL, OPEN_FULL_SET | OPEN_FULL_SAME);
	const char *out;

	e.full_len = 11;
	CHECK(strstr(render(true, 0, &e, size),
		     "\"path\":\"/etc/passwd\",\"full_path\":\"/etc/passwd\",\"truncated\":null}"));
	size = make_event(&e, "rel", 3, NULL, OPEN_FULL_BADFD);
	e.ret = -9;
	e.dirfd = 999;
	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"error\":\"EBADF\",\"ret\":-9,\"dirfd\":999,"));
	CHECK(strstr(out, "\"path\":\"rel\",\"full_path\":null,"));
	/* The table has one PATH column: without a full path it shows the path passed. */
	CHECK(strstr(render(false, G_OPEN_FULL, &e, size), " EBADF   rel\n"));
	size = make_event(&e, "", 0, NULL, OPEN_PATH_FAULT);
	e.ret = -14;
	CHECK(strstr(render(true, 0, &e, size), "\"path\":null,\"full_path\":null,"));
	CHECK(strstr(render(false, G_OPEN_PATH, &e, size), " EFAULT  -\n"));
}

TEST(open_record_lengths_beyond_the_sample_read_nothing)
{
	struct open_event e;
	size_t size = make_event(&e, "abc", 3, "/x/abc", 0);
	const char *out;

	/* A sample shorter than its lengths claim: every event field is null, none overreads. */
	out = render(true, 0, &e, size - 2);
	CHECK(strstr(out, "\"fd\":null,\"error\":null,\"ret\":3,\"dirfd\":null,\"flags\":null,"));
	CHECK(strstr(out, "\"path\":null,\"full_path\":null,\"truncated\":null}"));
	e.path_len = 60000;
	out = render(true, 0, &e, size);
	CHECK(strstr(out, "\"fd\":null,") && strstr(out, "\"path\":null,"));
}
