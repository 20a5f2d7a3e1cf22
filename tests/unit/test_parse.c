// SPDX-License-Identifier: GPL-2.0
#include <sys/stat.h>
#include <stdint.h>
#include "lib/parse.h"
#include "unit.h"

TEST(parse_pid)
{
	const char *why = NULL;
	uint32_t v = 0;

	CHECK_INT(parse__pid("1234", &v, &why), 0);
	CHECK_INT(v, 1234);
	CHECK(parse__pid("abc", &v, &why) < 0);
	CHECK_STR(why, "not a number");
	CHECK(parse__pid("12a", &v, &why) < 0);
	CHECK(parse__pid("", &v, &why) < 0);
	CHECK(parse__pid("-5", &v, &why) < 0);
	CHECK(parse__pid("0", &v, &why) < 0);
	CHECK(parse__pid("4194305", &v, &why) < 0);
	CHECK(parse__pid("99999999999999999999999", &v, &why) < 0);
}

TEST(parse_pidns)
{
	const char *why = NULL;
	uint32_t v = 0;
	struct stat st;

	CHECK_INT(parse__pidns("4026531836", &v, &why), 0);
	CHECK_INT(v, 4026531836u);
	CHECK_INT(parse__pidns("pid:[4026532001]", &v, &why), 0);
	CHECK_INT(v, 4026532001u);
	CHECK_INT(stat("/proc/self/ns/pid", &st), 0);
	CHECK_INT(parse__pidns("/proc/self/ns/pid", &v, &why), 0);
	CHECK_INT(v, (uint32_t)st.st_ino);
	CHECK(parse__pidns("/proc/self/ns/net", &v, &why) < 0);
	CHECK_STR(why, "a namespace, but not a pid namespace");
	CHECK(parse__pidns("/proc/self/status", &v, &why) < 0);
	CHECK_STR(why, "not a namespace file (like /proc/PID/ns/pid)");
	CHECK(parse__pidns("/no/such/file", &v, &why) < 0);
	CHECK_STR(why, "no such file");
	CHECK(parse__pidns("0", &v, &why) < 0);
	CHECK(parse__pidns("4294967296", &v, &why) < 0);
	CHECK(parse__pidns("12x", &v, &why) < 0);
	CHECK_STR(why, "not a number");
	CHECK(parse__pidns("pid:[]", &v, &why) < 0);
	CHECK(parse__pidns("pid:[12", &v, &why) < 0);
	CHECK(parse__pidns("pid:[1x]", &v, &why) < 0);
	CHECK(parse__pidns("net:[4026531840]", &v, &why) < 0);
	CHECK(parse__pidns("", &v, &why) < 0);
	CHECK_STR(why, "empty");
}

TEST(parse_uid)
{
	const char *why = NULL;
	uint32_t v = 7;

	CHECK_INT(parse__uid("0", &v, &why), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse__uid("root", &v, &why), 0);
	CHECK_INT(v, 0);
	CHECK_INT(parse__uid("65534", &v, &why), 0);
	CHECK_INT(v, 65534);
	CHECK(parse__uid("no-such-user-here", &v, &why) < 0);
	CHECK_STR(why, "no such user");
	CHECK(parse__uid("4294967295", &v, &why) < 0);
}

TEST(parse_seconds)
{
	const char *why = NULL;
	double d = 0;

	CHECK_INT(parse__seconds("2", &d, &why), 0);
	CHECK(d == 2.0);
	CHECK_INT(parse__seconds("0.5", &d, &why), 0);
	CHECK(d == 0.5);
	CHECK(parse__seconds("0", &d, &why) < 0);
	CHECK(parse__seconds("-1", &d, &why) < 0);
	CHECK(parse__seconds("1s", &d, &why) < 0);
	CHECK(parse__seconds("nan", &d, &why) < 0);
	CHECK(parse__seconds("inf", &d, &why) < 0);
}

TEST(parse_buffer_size)
{
	const char *why = NULL;
	uint32_t v = 0;

	CHECK_INT(parse__buffer_size("4096", &v, &why), 0);
	CHECK_INT(v, 4096);
	CHECK_INT(parse__buffer_size("64K", &v, &why), 0);
	CHECK_INT(v, 65536);
	CHECK_INT(parse__buffer_size("8m", &v, &why), 0);
	CHECK_INT(v, 8 << 20);
	CHECK(parse__buffer_size("1000", &v, &why) < 0);
	CHECK(parse__buffer_size("1024", &v, &why) < 0);
	CHECK(parse__buffer_size("3M", &v, &why) < 0);
	CHECK(parse__buffer_size("2G", &v, &why) < 0);
	CHECK(parse__buffer_size("K", &v, &why) < 0);
	CHECK(parse__buffer_size("", &v, &why) < 0);
}

TEST(parse_comm)
{
	const char *why = NULL;
	char comm[16];

	CHECK_INT(parse__comm("bash", comm, &why), 0);
	CHECK_STR(comm, "bash");
	CHECK_INT(parse__comm("exactly15chars_", comm, &why), 0);
	CHECK(parse__comm("sixteen_chars___", comm, &why) < 0);
	CHECK(parse__comm("", comm, &why) < 0);
}

TEST(parse_cgroup)
{
	const char *why = NULL, *path = NULL;

	CHECK(parse__cgroup("/no/such/cgroup", &path, &why) < 0);
	CHECK_STR(why, "no such cgroup");
	CHECK(parse__cgroup("/etc", &path, &why) < 0);
	CHECK_STR(why, "not a cgroup v2 directory");
	CHECK(parse__cgroup("/etc/passwd", &path, &why) < 0);
	CHECK(parse__cgroup("", &path, &why) < 0);
}
