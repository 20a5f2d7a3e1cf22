// SPDX-License-Identifier: GPL-2.0
/*
 * Seed 002's signal tracer, completed: the article shows the probes only
 * (sigsnoop_body.c, verbatim); these are the declarations it leaves out,
 * as in libbpf-tools' sigsnoop.  Its filters become procsnoop run flags.
 */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sigsnoop.h"

#define MAX_ENTRIES 10240

/// @description "Only signals sent by this process"
const volatile pid_t filtered_pid = 0;
/// @description "Only this signal number"
const volatile int target_signal = 0;
/// @description "Only failed sends"
const volatile bool failed_only = false;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_ENTRIES);
	__type(key, __u32);
	__type(value, struct event);
} values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

#include "sigsnoop_body.c"

/// Trace signals sent by kill, tkill and tgkill, and signals the kernel generates.
char LICENSE[] SEC("license") = "Dual BSD/GPL";
