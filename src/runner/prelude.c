// SPDX-License-Identifier: GPL-2.0
/*
 * What compile.c puts before a program's source.  bpf_ringbuf_reserve,
 * bpf_ringbuf_output and bpf_perf_event_output become function-like macros
 * around the same helpers (by number, as libbpf's bpf_helper_defs.h declares
 * them; its declarations are left alone, since a function-like macro only
 * expands where a call follows).  The wrappers do two things:
 *
 * - Losses.  The kernel keeps no count of the records a ring buffer
 *   refuses: the wrappers add each failure to a per-CPU counter,
 *   RUN_LOST_MAP, which buffers.c reads.
 * - Which process.  When RUN_IDS_VAR is set (ids.c sets it before the load,
 *   for an object whose programs all run in a task's context), each record
 *   carries the cgroup id of the task that wrote it, for the container
 *   fields: a ring buffer record ends with the 16-byte trailer
 *   { cgroup id, RUN_IDS_MAGIC } at an 8-byte boundary; a perf record
 *   starts with { RUN_IDS_MAGIC, cgroup id }, since perf pads a record's
 *   end.  A reservation grows by the trailer; an output of a size known at
 *   compile time is copied into a reservation (a ring buffer) or a per-CPU
 *   slot (perf) with room for it.  An output of a size known only at run
 *   time, or a perf record bigger than a slot, goes out as it is, without
 *   ids.  Unset, the branches are dead code the verifier drops.
 */
#include "runner/runner.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* A perf record's slot, with its 16 bytes of ids; two slots per CPU for a nested program. */
#define PERF_SLOT 4096

const char runner__prelude[] =
	"/* procsnoop run: counts the records this program's ring buffers refuse, and tags\n"
	" * each record with the cgroup of the task that writes it. */\n"
	"struct {\n"
	"\tint (*type)[6]; /* BPF_MAP_TYPE_PERCPU_ARRAY */\n"
	"\tint (*max_entries)[1];\n"
	"\tunsigned int *key;\n"
	"\tunsigned long long *value;\n"
	"} " RUN_LOST_MAP " __attribute__((section(\".maps\"), used));\n"
	"struct procsnoop_slots_ {\n"
	"\tunsigned int depth;\n"
	"\tunsigned int pad;\n"
	"\tunsigned char slot[2][" STR(PERF_SLOT) "];\n"
	"};\n"
	"struct {\n"
	"\tint (*type)[6]; /* BPF_MAP_TYPE_PERCPU_ARRAY */\n"
	"\tint (*max_entries)[1];\n"
	"\tunsigned int *key;\n"
	"\tstruct procsnoop_slots_ *value;\n"
	"} procsnoop_slots_ __attribute__((section(\".maps\"), used));\n"
	"const volatile unsigned char " RUN_IDS_VAR
	" __attribute__((section(\"" RUN_IDS_SECTION "\"), used)) = 0;\n"
	"static void *(*const procsnoop_lookup_)(void *, const void *) = (void *)1;\n"
	"static long (*const procsnoop_perf_output_)(void *, void *, unsigned long long, void *,\n"
	"\t\t\t\t\t     unsigned long long) = (void *)25;\n"
	"static unsigned long long (*const procsnoop_cgroup_id_)(void) = (void *)80;\n"
	"static long (*const procsnoop_read_kernel_)(void *, unsigned int, const void *) =\n"
	"\t(void *)113;\n"
	"static long (*const procsnoop_output_)(void *, void *, unsigned long long,\n"
	"\t\t\t\t\t unsigned long long) = (void *)130;\n"
	"static void *(*const procsnoop_reserve_)(void *, unsigned long long,\n"
	"\t\t\t\t\t unsigned long long) = (void *)131;\n"
	"static void (*const procsnoop_submit_)(void *, unsigned long long) = (void *)132;\n"
	"static inline __attribute__((always_inline)) void procsnoop_count_lost_(void)\n"
	"{\n"
	"\tunsigned int zero = 0;\n"
	"\tunsigned long long *n = procsnoop_lookup_(&" RUN_LOST_MAP ", &zero);\n"
	"\n"
	"\tif (n)\n"
	"\t\t__sync_fetch_and_add(n, 1);\n"
	"}\n"
	"/* Zeroes the padding after size bytes, and puts the trailer at the 8-byte boundary. */\n"
	"static inline __attribute__((always_inline)) void\n"
	"procsnoop_trailer_(unsigned char *p, unsigned long long size)\n"
	"{\n"
	"\tunsigned long long *t = (unsigned long long *)(p + ((size + 7) & ~7ull));\n"
	"\n"
	"\tfor (unsigned long long i = size; i < ((size + 7) & ~7ull); i++)\n"
	"\t\tp[i] = 0;\n"
	"\tt[0] = procsnoop_cgroup_id_();\n"
	"\tt[1] = " STR(RUN_IDS_MAGIC) ";\n"
	"}\n"
	"static inline __attribute__((always_inline)) void *\n"
	"procsnoop_ringbuf_reserve_(void *rb, unsigned long long size, unsigned long long flags)\n"
	"{\n"
	"\tvoid *p;\n"
	"\n"
	"\tif (" RUN_IDS_VAR ") {\n"
	"\t\tp = procsnoop_reserve_(rb, ((size + 7) & ~7ull) + 16, flags);\n"
	"\t\tif (p)\n"
	"\t\t\tprocsnoop_trailer_(p, size);\n"
	"\t} else {\n"
	"\t\tp = procsnoop_reserve_(rb, size, flags);\n"
	"\t}\n"
	"\tif (!p)\n"
	"\t\tprocsnoop_count_lost_();\n"
	"\treturn p;\n"
	"}\n"
	"static inline __attribute__((always_inline)) long\n"
	"procsnoop_ringbuf_output_(void *rb, void *data, unsigned long long size,\n"
	"\t\t\t  unsigned long long flags)\n"
	"{\n"
	"\tlong err;\n"
	"\n"
	"\tif (" RUN_IDS_VAR " && __builtin_constant_p(size)) {\n"
	"\t\tunsigned char *p = procsnoop_reserve_(rb, ((size + 7) & ~7ull) + 16, 0);\n"
	"\n"
	"\t\tif (!p) {\n"
	"\t\t\tprocsnoop_count_lost_();\n"
	"\t\t\treturn -11; /* -EAGAIN, as the helper */\n"
	"\t\t}\n"
	"\t\tprocsnoop_read_kernel_(p, size, data);\n"
	"\t\tprocsnoop_trailer_(p, size);\n"
	"\t\tprocsnoop_submit_(p, flags);\n"
	"\t\treturn 0;\n"
	"\t}\n"
	"\terr = procsnoop_output_(rb, data, size, flags);\n"
	"\tif (err)\n"
	"\t\tprocsnoop_count_lost_();\n"
	"\treturn err;\n"
	"}\n"
	"/*\n"
	" * A perf record goes through a per-CPU slot.  A program that interrupts another on\n"
	" * the same CPU (perf_event in NMI) takes the second slot; the depth is not updated\n"
	" * atomically (5.10 has no fetching atomics), which only a third level could hit.\n"
	" */\n"
	"static inline __attribute__((always_inline)) long\n"
	"procsnoop_perf_event_output_(void *ctx, void *map, unsigned long long flags, void *data,\n"
	"\t\t\t     unsigned long long size)\n"
	"{\n"
	"\tif (" RUN_IDS_VAR " && __builtin_constant_p(size) && size <= " STR(PERF_SLOT) " - 16) {\n"
	"\t\tunsigned int zero = 0;\n"
	"\t\tstruct procsnoop_slots_ *s = procsnoop_lookup_(&procsnoop_slots_, &zero);\n"
	"\n"
	"\t\tif (s && s->depth < 2) {\n"
	"\t\t\tunsigned char *b = s->slot[s->depth++ & 1];\n"
	"\t\t\tlong err;\n"
	"\n"
	"\t\t\t((unsigned long long *)b)[0] = " STR(RUN_IDS_MAGIC) ";\n"
	"\t\t\t((unsigned long long *)b)[1] = procsnoop_cgroup_id_();\n"
	"\t\t\tprocsnoop_read_kernel_(b + 16, size, data);\n"
	"\t\t\terr = procsnoop_perf_output_(ctx, map, flags, b, size + 16);\n"
	"\t\t\ts->depth--;\n"
	"\t\t\treturn err;\n"
	"\t\t}\n"
	"\t}\n"
	"\treturn procsnoop_perf_output_(ctx, map, flags, data, size);\n"
	"}\n"
	"#define bpf_ringbuf_reserve(rb, size, flags) procsnoop_ringbuf_reserve_(rb, size, flags)\n"
	"#define bpf_ringbuf_output(rb, data, size, flags) \\\n"
	"\tprocsnoop_ringbuf_output_(rb, data, size, flags)\n"
	"#define bpf_perf_event_output(ctx, map, flags, data, size) \\\n"
	"\tprocsnoop_perf_event_output_(ctx, map, flags, data, size)\n";
