// SPDX-License-Identifier: GPL-2.0
#include "lib/names.h"
#include "unit.h"

TEST(signal_names_both_ways)
{
	char buf[16];

	CHECK_STR(signal__name(15), "SIGTERM");
	CHECK_STR(signal__name(9), "SIGKILL");
	CHECK_STR(signal__name(34), "SIGRTMIN");
	CHECK_STR(signal__name(37), "SIGRTMIN+3");
	CHECK_STR(signal__name(63), "SIGRTMAX-1");
	CHECK_STR(signal__name(64), "SIGRTMAX");
	CHECK(signal__name(0) == NULL);
	CHECK(signal__name(32) == NULL);
	CHECK(signal__name(65) == NULL);
	CHECK_STR(signal__format(32, buf, sizeof(buf)), "32");
	CHECK_STR(signal__format(0, buf, sizeof(buf)), "0");
	CHECK_STR(signal__format(-7, buf, sizeof(buf)), "-7");
	CHECK_STR(signal__format(1234567, buf, sizeof(buf)), "1234567");
	CHECK_STR(signal__format(-2147483647 - 1, buf, sizeof(buf)), "-2147483648");
	for (int sig = 1; sig <= 64; sig++)
		if (signal__name(sig))
			CHECK_INT(signal__parse(signal__name(sig)), sig);
}

TEST(signal_parse_forms)
{
	CHECK_INT(signal__parse("TERM"), 15);
	CHECK_INT(signal__parse("SIGTERM"), 15);
	CHECK_INT(signal__parse("sigterm"), 15);
	CHECK_INT(signal__parse("15"), 15);
	CHECK_INT(signal__parse("0"), 0);
	CHECK_INT(signal__parse("64"), 64);
	CHECK_INT(signal__parse("RTMIN+2"), 36);
	CHECK_INT(signal__parse("SIGRTMIN"), 34);
	CHECK_INT(signal__parse("RTMAX-3"), 61);
	CHECK_INT(signal__parse("IOT"), 6);
	CHECK_INT(signal__parse("65"), -1);
	CHECK_INT(signal__parse("-1"), -1);
	CHECK_INT(signal__parse("FOO"), -1);
	CHECK_INT(signal__parse(""), -1);
	CHECK_INT(signal__parse("15x"), -1);
	CHECK_INT(signal__parse("RTMIN+31"), -1);
	CHECK_INT(signal__parse("RTMIN-1"), -1);
	CHECK_INT(signal__parse("SIGSIGTERM"), -1);
}

TEST(errno_names_both_ways)
{
	CHECK_STR(errno__name(1), "EPERM");
	CHECK_STR(errno__name(3), "ESRCH");
	CHECK_STR(errno__name(2), "ENOENT");
	CHECK_STR(errno__name(512), "ERESTARTSYS");
	CHECK(errno__name(0) == NULL);
	CHECK(errno__name(-1) == NULL);
	CHECK(errno__name(4000) == NULL);
	CHECK_INT(errno__parse("EPERM"), 1);
	CHECK_INT(errno__parse("eacces"), 13);
	CHECK_INT(errno__parse("13"), 13);
	CHECK_INT(errno__parse("ENOPE"), -1);
	CHECK_INT(errno__parse("0"), -1);
}

TEST(signal_result_names)
{
	CHECK_STR(sigresult_names[0], "delivered");
	CHECK_STR(sigresult_names[2], "already_pending");
}
