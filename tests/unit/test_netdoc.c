// SPDX-License-Identifier: GPL-2.0
/* The doc comments of tc and xdp programs reach netattach.c whole, JSON and all. */
#include <stdlib.h>
#include "runner/doccomment.h"
#include "unit.h"

static const char tc_prog[] =
	"/// @tchook {\"ifindex\":1, \"attach_point\":\"BPF_TC_INGRESS\"}\n"
	"/// @tcopts {\"handle\":1, \"priority\":1}\n"
	"SEC(\"tc\")\n"
	"int tc_ingress(struct __sk_buff *ctx)\n"
	"{\n\treturn 0;\n}\n"
	"\n"
	"/// @ifindex 1\n"
	"/// @flags 0\n"
	"/// @xdpopts {\"old_prog_fd\":0}\n"
	"SEC(\"xdp\")\n"
	"int xdp_pass(struct xdp_md* ctx) { return 2; }\n";

TEST(netdoc_blocks_kept_as_written)
{
	struct doc_set d;

	CHECK_INT(doccomment__parse(tc_prog, sizeof(tc_prog) - 1, &d), 0);
	CHECK_INT(d.n, 2);
	CHECK_STR(doccomment__find(&d, "tc_ingress")->raw,
		  "@tchook {\"ifindex\":1, \"attach_point\":\"BPF_TC_INGRESS\"}\n"
		  "@tcopts {\"handle\":1, \"priority\":1}");
	CHECK_STR(doccomment__find(&d, "xdp_pass")->raw,
		  "@ifindex 1\n@flags 0\n@xdpopts {\"old_prog_fd\":0}");
	doccomment__free(&d);
}
