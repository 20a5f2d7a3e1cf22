// SPDX-License-Identifier: GPL-2.0
/// Signals sent to one target, as records with every kind of field, and a
/// histogram of the signal numbers.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

enum sig_kind { KIND_PROBE, KIND_CONT, KIND_OTHER };
enum which { WHICH_ALL, WHICH_PROBES, WHICH_REAL };

struct point {
	short x;
	long long y;
};

struct event {
	__u32 pid;
	int sig;
	enum sig_kind kind;
	bool probe;
	__u16 multiples[3];
	struct {
		struct point at;
		unsigned char level;
	} nested;
	char comm[16];
	char tag[8];
};

struct hist {
	__u32 slots[8];
};

/// @description "The process whose signals are traced"
const volatile pid_t target = 0;
/// Which signals: WHICH_ALL, WHICH_PROBES (signal 0) or WHICH_REAL
const volatile enum which which = WHICH_ALL;
/// Count signal 0 in the histogram
const volatile bool count_probes = true;
/// Copied into every event
const volatile char tag[8] = "none";
/// A multiplier for the multiples
const volatile __u8 factor = 1;
/// Bytes seen (a 64-bit flag)
volatile __u64 total = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} rb SEC(".maps");

/// @sample @unit signal
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct hist);
} sigs SEC(".maps");

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
	pid_t tpid = (pid_t)ctx->args[0];
	int sig = (int)ctx->args[1];
	struct hist zero = {}, *h;
	struct event *e;
	__u32 key = 0;
	int slot;

	if (!target || tpid != target)
		return 0;
	if ((which == WHICH_PROBES && sig != 0) || (which == WHICH_REAL && sig == 0))
		return 0;
	if (sig || count_probes) {
		bpf_map_update_elem(&sigs, &key, &zero, BPF_NOEXIST);
		h = bpf_map_lookup_elem(&sigs, &key);
		slot = log2_u32(sig);
		if (h && slot >= 0 && slot < 8)
			__sync_fetch_and_add(&h->slots[slot], 1);
	}
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->sig = sig;
	e->kind = sig == 0 ? KIND_PROBE : sig == 18 ? KIND_CONT : KIND_OTHER;
	e->probe = sig == 0;
	for (int i = 0; i < 3; i++)
		e->multiples[i] = sig * (i + 1) * factor;
	e->nested.at.x = -sig;
	e->nested.at.y = (long long)sig << 33;
	e->nested.level = 200;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* Volatile reads: a memcpy of a const would be folded to its initializer. */
	for (int i = 0; i < sizeof(e->tag); i++)
		e->tag[i] = tag[i];
	total += sizeof(*e);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
