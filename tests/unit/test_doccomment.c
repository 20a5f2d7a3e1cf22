// SPDX-License-Identifier: GPL-2.0
/* The `///` doc-comment parser on the seeds' forms and on odd input. */
#include <stdlib.h>
#include "runner/doccomment.h"
#include "unit.h"

static const char seed003[] =
	"#include <vmlinux.h>\n"
	"/// @description \"Process ID to trace\"\n"
	"const volatile int pid_target = 0;\n"
	"\n"
	"SEC(\"tracepoint/syscalls/sys_enter_openat\")\n"
	"int f(void *ctx) { return 0; }\n"
	"\n"
	"/// \"Trace open family syscalls.\"\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n";

TEST(doccomment_seed003)
{
	struct doc_set d;

	CHECK_INT(doccomment__parse(seed003, sizeof(seed003) - 1, &d), 0);
	CHECK_INT(d.n, 2);
	CHECK_STR(doccomment__find(&d, "pid_target")->text, "Process ID to trace");
	CHECK_STR(doccomment__find(&d, "LICENSE")->text, "Trace open family syscalls.");
	CHECK_STR(d.program, "Trace open family syscalls.");
	doccomment__free(&d);
}

static const char maps[] =
	"/// Latency per process\n"
	"/// @sample @unit usecs\n"
	"struct {\n"
	"\t__uint(type, BPF_MAP_TYPE_HASH);\n"
	"\t__type(key, u32);\n"
	"} hists SEC(\".maps\");\n"
	"/// A multi-line\n"
	"/// description, \"quoted\" inside\n"
	"static const volatile unsigned long long min_us __attribute__((aligned(8))) = 10;\n"
	"//// not a doc comment\n"
	"int x;\n";

TEST(doccomment_maps_tags_and_attributes)
{
	struct doc_set d;
	const struct doc_entry *e;

	CHECK_INT(doccomment__parse(maps, sizeof(maps) - 1, &d), 0);
	CHECK_INT(d.n, 2);
	e = doccomment__find(&d, "hists");
	CHECK(e && e->sample);
	CHECK_STR(e->unit, "usecs");
	CHECK_STR(e->text, "Latency per process");
	e = doccomment__find(&d, "min_us");
	CHECK(e && !e->sample && !e->unit);
	CHECK_STR(e->text, "A multi-line description, \"quoted\" inside");
	CHECK(!doccomment__find(&d, "x"));
	CHECK(!d.program);
	doccomment__free(&d);
}

TEST(doccomment_detached_block_describes_the_program)
{
	static const char src[] = "/// Counts things.\n\nconst volatile int a = 1;\n";
	struct doc_set d;

	CHECK_INT(doccomment__parse(src, sizeof(src) - 1, &d), 0);
	CHECK_INT(d.n, 0);
	CHECK_STR(d.program, "Counts things.");
	doccomment__free(&d);
}

TEST(doccomment_odd_input)
{
	static const char src[] = "///\n///\n";
	static const char nul[] = "/// a\0b\nint q;\n";
	struct doc_set d;

	CHECK_INT(doccomment__parse(src, sizeof(src) - 1, &d), 0);
	CHECK_INT(d.n, 0);
	doccomment__free(&d);
	CHECK_INT(doccomment__parse(nul, sizeof(nul) - 1, &d), 0);
	CHECK_INT(d.n, 1);
	CHECK_STR(d.entries[0].name, "q");
	doccomment__free(&d);
	CHECK_INT(doccomment__parse("", 0, &d), 0);
	CHECK_INT(d.n, 0);
	doccomment__free(&d);
}
