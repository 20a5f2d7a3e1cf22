// SPDX-License-Identifier: GPL-2.0
/* The `///` doc-comment parser on the seeds' forms and on odd input. */
#include <stdlib.h>
#include <string.h>
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

static const char ecli[] =
	"/// @description \"The target\"\n"
	"/// @cmdarg {\"default\": 7, \"short\": \"p\", \"long\": \"pid\",\n"
	"///          \"help\": \"Only this process @ all\"}\n"
	"const volatile int pid_target = 0;\n"
	"/// @cmdarg {\"default\": true}\n"
	"const volatile bool on = false;\n"
	"/// @cmdarg {\"default\": \"abc\", \"long\": \"a-b_c\"}\n"
	"const volatile char tag[8];\n"
	"/// @sample {\"interval\": 500, \"type\": \"linear_hist\", \"step\": 5, \"min\": -10,\n"
	"/// \"unit\": \"ms\", \"clear_map\": true}\n"
	"struct { int x; } lin SEC(\".maps\");\n"
	"/// @sample {\"type\": \"default_kv\"} @unit bytes\n"
	"struct { int x; } kv SEC(\".maps\");\n"
	"/// @export\n"
	"struct event {\n\tint pid;\n};\n"
	"/// @tchook {\"ifindex\": 1, \"attach_point\": \"BPF_TC_INGRESS\"}\n"
	"/// @tcopts {\"handle\": 1, \"priority\": 1}\n"
	"SEC(\"tc\") int tc_ingress(void *ctx) { return 0; }\n"
	"/// @ifindex 2\n/// @flags 0\n/// @xdpopts {\"old_prog_fd\": 0}\n"
	"SEC(\"xdp\") int xdp_pass(void *ctx) { return 0; }\n"
	"/// @flags\n/// @xdpopts {\"old_prog_fd\": 3}\n"
	"SEC(\"xdp\") int xdp_next(void *ctx) { return 0; }\n"
	"/// @interpreter {\"stack_trace\": {\"a\": \"@b\"}} described @flag here @interpreter\n"
	"int other;\n"
	"/// @brief   Counts things.\n"
	"/// @details Line one\n"
	"/// line two.\n"
	"/// @version 0.1\n"
	"char LICENSE[] SEC(\"license\") = \"GPL\";\n";

TEST(doccomment_ecli_annotations)
{
	const struct doc_entry *e;
	struct doc_set d;

	CHECK_INT(doccomment__parse(ecli, sizeof(ecli) - 1, &d), 0);
	CHECK(!d.error);
	e = doccomment__find(&d, "pid_target");
	CHECK(e && e->cmdarg.set && e->cmdarg.shortopt == 'p');
	CHECK_STR(e->cmdarg.longopt, "pid");
	CHECK_STR(e->cmdarg.help, "Only this process @ all");
	CHECK(e->cmdarg.def.kind == DOC_NUMBER && e->cmdarg.def.n == 7);
	CHECK_STR(e->text, "The target");
	CHECK_INT(e->line, 4);
	e = doccomment__find(&d, "on");
	CHECK(e && e->cmdarg.def.kind == DOC_BOOL && e->cmdarg.def.b);
	CHECK(!e->cmdarg.longopt && !e->cmdarg.shortopt && !e->cmdarg.help);
	e = doccomment__find(&d, "tag");
	CHECK(e && e->cmdarg.def.kind == DOC_STRING);
	CHECK_STR(e->cmdarg.def.s, "abc");
	CHECK_STR(e->cmdarg.longopt, "a-b_c");
	e = doccomment__find(&d, "lin");
	CHECK(e && e->sample && e->samp.type == SAMPLE_LINEAR_HIST && e->samp.clear_map);
	CHECK(e->samp.interval_ms == 500 && e->samp.step == 5 && e->samp.min == -10);
	CHECK_STR(e->unit, "ms");
	CHECK_STR(e->text, "");
	e = doccomment__find(&d, "kv");
	CHECK(e && e->samp.type == SAMPLE_DEFAULT_KV && !e->samp.clear_map);
	CHECK_STR(e->unit, "bytes");
	e = doccomment__exported(&d);
	CHECK(e && e->export);
	CHECK_STR(e->tag, "event");
	e = doccomment__find(&d, "tc_ingress");
	CHECK_STR(doccomment__tag(e, "tchook"),
		  "{\"ifindex\": 1, \"attach_point\": \"BPF_TC_INGRESS\"}");
	CHECK_STR(doccomment__tag(e, "tcopts"), "{\"handle\": 1, \"priority\": 1}");
	e = doccomment__find(&d, "xdp_pass");
	CHECK_STR(doccomment__tag(e, "ifindex"), "2");
	CHECK_STR(doccomment__tag(e, "flags"), "0");
	CHECK_STR(doccomment__tag(e, "ifindex"), "2");
	CHECK_STR(doccomment__tag(e, "xdpopts"), "{\"old_prog_fd\": 0}");
	CHECK(!doccomment__tag(e, "tchook"));
	/* A word tag followed by another tag has no value; the JSON is no description. */
	e = doccomment__find(&d, "xdp_next");
	CHECK_STR(doccomment__tag(e, "flags"), "");
	CHECK_STR(doccomment__tag(e, "xdpopts"), "{\"old_prog_fd\": 3}");
	CHECK_STR(e->text, "");
	/* Unknown tags, named once each (ecli spells it @intepreter); their JSON is no text. */
	e = doccomment__find(&d, "other");
	CHECK_STR(e->text, "described here");
	CHECK_INT(d.nunknown, 2);
	CHECK_STR(d.unknown[0], "interpreter");
	CHECK_STR(d.unknown[1], "flag");
	CHECK_STR(d.program, "Counts things.");
	CHECK_STR(d.details, "Line one\nline two.");
	CHECK_STR(d.version, "0.1");
	doccomment__free(&d);
}

/* Each malformed annotation: the first is described in one line naming the declaration. */
TEST(doccomment_malformed)
{
	static const struct {
		const char *src, *error;
	} cases[] = {
		{ "/// @cmdarg {\"short\": \"pp\"}\nint a;\n",
		  "@cmdarg of a (line 2): \"short\" must be one letter or digit" },
		{ "/// @cmdarg {\"short\": \"-\"}\nint a;\n",
		  "@cmdarg of a (line 2): \"short\" must be one letter or digit" },
		{ "/// @cmdarg {\"long\": \"-x\"}\nint a;\n",
		  "@cmdarg of a (line 2): \"long\" must be a name of letters, digits, '_' and '-' "
		  "(not first)" },
		{ "/// @cmdarg {\"help\": 3}\nint a;\n", "@cmdarg of a (line 2): \"help\" must be a string" },
		{ "/// @cmdarg {\"default\": 1.5}\nint a;\n",
		  "@cmdarg of a (line 2): \"default\" is not a whole number within +-2^53 (write a larger "
		  "one as a string)" },
		{ "/// @cmdarg {\"default\": [1]}\nint a;\n",
		  "@cmdarg of a (line 2): \"default\" must be a number, a string or true/false" },
		{ "/// @cmdarg pid\nint a;\n",
		  "@cmdarg of a (line 2): expected a JSON object such as {\"short\": \"p\", \"long\": "
		  "\"pid\", \"default\": 0, \"help\": \"...\"}" },
		{ "/// @cmdarg {\"short\": \"p\"\nint a;\n",
		  "@cmdarg of a (line 2): expected a JSON object such as {\"short\": \"p\", \"long\": "
		  "\"pid\", \"default\": 0, \"help\": \"...\"}" },
		{ "/// @cmdarg {\"x\": 1}\nint a;\n",
		  "@cmdarg of a (line 2): unknown key \"x\" (known: default, short, long, help)" },
		{ "/// @sample {\"interval\": 0}\nint m;\n",
		  "@sample of m (line 2): \"interval\" must be a whole number of milliseconds from 1 "
		  "to 86400000" },
		{ "/// @sample {\"type\": \"hist\"}\nint m;\n",
		  "@sample of m (line 2): \"type\" must be \"log2_hist\", \"linear_hist\" or "
		  "\"default_kv\"" },
		{ "/// @sample {\"clear_map\": 1}\nint m;\n",
		  "@sample of m (line 2): \"clear_map\" must be true or false" },
		{ "/// @sample {\"type\": \"linear_hist\", \"step\": 0}\nint m;\n",
		  "@sample of m (line 2): \"step\" must be a whole number above 0" },
		{ "/// @sample {\"type\": \"linear_hist\", \"min\": 5, \"max\": 5}\nint m;\n",
		  "@sample of m (line 2): \"max\" must be above \"min\"" },
		{ "/// @sample {\"step\": 2}\nint m;\n",
		  "@sample of m (line 2): \"step\", \"min\" and \"max\" belong to a \"linear_hist\"" },
		{ "/// @sample {\"unit\": null}\nint m;\n",
		  "@sample of m (line 2): \"unit\" must be a string" },
		{ "/// @sample {\"intervall\": 5}\nint m;\n",
		  "@sample of m (line 2): unknown key \"intervall\" (known: interval, type, unit, "
		  "clear_map, step, min, max)" },
		{ "/// @version\nchar LICENSE[] = \"GPL\";\n",
		  "@version of LICENSE (line 2): expected a version after it, such as 1.0" },
		{ "/// @cmdarg {\"a\\nb\": 1}\nint a;\n",
		  "@cmdarg of a (line 2): unknown key \"a?b\" (known: default, short, long, help)" },
		{ "/// @cmdarg {\"short\": 1}\nint a;\n/// @cmdarg {\"short\": 2}\nint b;\n",
		  "@cmdarg of a (line 2): \"short\" must be one letter or digit" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct doc_set d;

		CHECK_INT(doccomment__parse(cases[i].src, strlen(cases[i].src), &d), 0);
		CHECK(d.error != NULL);
		if (d.error)
			CHECK_STR(d.error, cases[i].error);
		doccomment__free(&d);
	}
}

TEST(doccomment_old_forms_unchanged)
{
	static const char src[] = "/// @sample @unit usecs\n"
				  "struct { int a; } m SEC(\".maps\");\n"
				  "/// Multi\n/// line.\nchar LICENSE[] SEC(\"license\") = \"GPL\";\n";
	const struct doc_entry *e;
	struct doc_set d;

	CHECK_INT(doccomment__parse(src, sizeof(src) - 1, &d), 0);
	e = doccomment__find(&d, "m");
	CHECK(e && e->sample && e->samp.type == SAMPLE_AUTO && !e->samp.interval_ms);
	CHECK_STR(e->unit, "usecs");
	CHECK_STR(d.program, "Multi line.");
	CHECK(!d.details && !d.version && !d.error && !d.nunknown);
	doccomment__free(&d);
}

TEST(doccomment_linear_range_below_zero)
{
	static const char src[] =
		"/// @sample {\"type\": \"linear_hist\", \"min\": -20, \"max\": 0}\nint m;\n";
	const struct doc_entry *e;
	struct doc_set d;

	CHECK_INT(doccomment__parse(src, sizeof(src) - 1, &d), 0);
	CHECK(!d.error);
	e = doccomment__find(&d, "m");
	CHECK(e && e->samp.has_max && e->samp.max == 0 && e->samp.min == -20 && !e->samp.step);
	doccomment__free(&d);
}
