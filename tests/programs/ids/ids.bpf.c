// SPDX-License-Identifier: GPL-2.0
/// Each kill() of one signal, sent three ways: a ring buffer reservation,
/// bpf_ringbuf_output and a perf buffer sample. Compiled with procsnoop run's
/// prelude, each record carries the cgroup of the task that sent it.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

enum via { VIA_RESERVE = 1, VIA_OUTPUT, VIA_PERF };

struct event {
	__u32 pid;
	int sig;
	enum via via;
	char comm[12]; /* a size that is no multiple of 8: the trailer is padded to one */
};

/* The event struct in the BTF of a prebuilt object. */
struct event *unused_event __attribute__((unused));

/// The signal whose kill() calls are sent
const volatile int target_sig = 10;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_kill")
int on_kill(struct trace_event_raw_sys_enter *ctx)
{
	struct event ev = {}, *e;

	if ((int)ctx->args[1] != target_sig)
		return 0;
	ev.pid = bpf_get_current_pid_tgid() >> 32;
	ev.sig = target_sig;
	bpf_get_current_comm(ev.comm, sizeof(ev.comm));
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (e) {
		*e = ev;
		e->via = VIA_RESERVE;
		bpf_ringbuf_submit(e, 0);
	}
	ev.via = VIA_OUTPUT;
	bpf_ringbuf_output(&rb, &ev, sizeof(ev), 0);
	ev.via = VIA_PERF;
	bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &ev, sizeof(ev));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
