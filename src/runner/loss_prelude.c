// SPDX-License-Identifier: GPL-2.0
/*
 * What compile.c puts before a program's source: the kernel keeps no count
 * of the records a ring buffer refuses, so a program procsnoop compiles
 * counts them itself.  bpf_ringbuf_reserve and bpf_ringbuf_output become
 * function-like macros around the same helpers (by number, as libbpf's
 * bpf_helper_defs.h declares them) that add failures to a per-CPU counter,
 * RUN_LOST_MAP, which buffers.c reads.  libbpf's own declarations are left
 * alone: a function-like macro only expands where a call follows.
 */
#include "runner/runner.h"

const char runner__loss_prelude[] =
	"/* procsnoop run: counts the records this program's ring buffers refuse. */\n"
	"struct {\n"
	"\tint (*type)[6]; /* BPF_MAP_TYPE_PERCPU_ARRAY */\n"
	"\tint (*max_entries)[1];\n"
	"\tunsigned int *key;\n"
	"\tunsigned long long *value;\n"
	"} " RUN_LOST_MAP " __attribute__((section(\".maps\"), used));\n"
	"static void *(*const procsnoop_lookup_)(void *, const void *) = (void *)1;\n"
	"static long (*const procsnoop_output_)(void *, void *, unsigned long long,\n"
	"\t\t\t\t\t unsigned long long) = (void *)130;\n"
	"static void *(*const procsnoop_reserve_)(void *, unsigned long long,\n"
	"\t\t\t\t\t unsigned long long) = (void *)131;\n"
	"static inline __attribute__((always_inline)) void procsnoop_count_lost_(void)\n"
	"{\n"
	"\tunsigned int zero = 0;\n"
	"\tunsigned long long *n = procsnoop_lookup_(&" RUN_LOST_MAP ", &zero);\n"
	"\n"
	"\tif (n)\n"
	"\t\t__sync_fetch_and_add(n, 1);\n"
	"}\n"
	"static inline __attribute__((always_inline)) void *\n"
	"procsnoop_ringbuf_reserve_(void *rb, unsigned long long size, unsigned long long flags)\n"
	"{\n"
	"\tvoid *p = procsnoop_reserve_(rb, size, flags);\n"
	"\n"
	"\tif (!p)\n"
	"\t\tprocsnoop_count_lost_();\n"
	"\treturn p;\n"
	"}\n"
	"static inline __attribute__((always_inline)) long\n"
	"procsnoop_ringbuf_output_(void *rb, void *data, unsigned long long size,\n"
	"\t\t\t  unsigned long long flags)\n"
	"{\n"
	"\tlong err = procsnoop_output_(rb, data, size, flags);\n"
	"\n"
	"\tif (err)\n"
	"\t\tprocsnoop_count_lost_();\n"
	"\treturn err;\n"
	"}\n"
	"#define bpf_ringbuf_reserve(rb, size, flags) procsnoop_ringbuf_reserve_(rb, size, flags)\n"
	"#define bpf_ringbuf_output(rb, data, size, flags) \\\n"
	"\tprocsnoop_ringbuf_output_(rb, data, size, flags)\n";
