// SPDX-License-Identifier: GPL-2.0
/* Every annotation procsnoop run reads, on kill() calls of one sender. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "annotations.h"

/// @description "The sender"
/// @cmdarg {"short": "p", "long": "pid", "default": 0, "help": "Only kill() calls of this process"}
const volatile int sender = 0;

/// Signals below this are not counted
/// @cmdarg {"long": "sig-floor", "default": 1}
const volatile int min_sig = 0;

/// Send each call to the ring buffer
const volatile bool emit = true;

/// Count calls per signal
/// @cmdarg {"short": "s", "long": "per-sig"}
const volatile bool per_sig = false;

struct log2_slots {
	__u32 slots[8];
};

struct lin_slots {
	__u32 slots[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} events SEC(".maps");

/// @sample {"interval": 60000, "type": "log2_hist", "unit": "signal"}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct log2_slots);
} by_log2 SEC(".maps");

/// @sample {"interval": 60000, "type": "linear_hist", "step": 4, "unit": "signal"}
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lin_slots);
} by_4 SEC(".maps");

/// Eight slots over 0..63: a step of 8, emptied at each print
/// @sample {"interval": 200, "type": "linear_hist", "max": 64, "unit": "signal",
///          "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct log2_slots);
} by_8 SEC(".maps");

/// @sample {"interval": 200, "type": "default_kv", "clear_map": true}
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static __always_inline int log2_u32(__u32 v)
{
	int r = 0;

	while (v > 1 && r < 7) {
		v >>= 1;
		r++;
	}
	return r;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int on_kill(struct trace_event_raw_sys_enter *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32, key = 0;
	int sig = (int)ctx->args[1];
	__u32 u;
	struct log2_slots zero = {}, *l2, *l8;
	struct lin_slots *l4;
	struct sig_event *e;
	__u64 one = 1, *n;

	if ((sender && pid != sender) || sig < min_sig || sig >= 64)
		return 0;
	u = sig;
	bpf_map_update_elem(&by_log2, &key, &zero, BPF_NOEXIST);
	l2 = bpf_map_lookup_elem(&by_log2, &key);
	if (l2)
		__sync_fetch_and_add(&l2->slots[log2_u32(u) & 7], 1);
	l4 = bpf_map_lookup_elem(&by_4, &key);
	if (l4)
		__sync_fetch_and_add(&l4->slots[(u / 4) & 15], 1);
	l8 = bpf_map_lookup_elem(&by_8, &key);
	if (l8)
		__sync_fetch_and_add(&l8->slots[(u / 8) & 7], 1);
	if (per_sig) {
		__u32 k = sig;

		n = bpf_map_lookup_elem(&counts, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
		else
			bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
	}
	if (!emit)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->sender = pid;
	e->sig = sig;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/// @brief Counts kill() calls of one sender by signal number.
/// @details Signals are counted in four maps: a log2 histogram, two linear ones and
/// a count per signal.
/// Example: procsnoop run annotations.bpf.c annotations.h -p 1234 -s
/// @version 1.2.3
char LICENSE[] SEC("license") = "GPL";
