// SPDX-License-Identifier: GPL-2.0
/// Every getppid() of one process, as a 200-byte record in a one-page ring
/// buffer: a storm it cannot hold.

#include "storm.bpf.h"

/// Submit with bpf_ringbuf_output instead of bpf_ringbuf_reserve
const volatile bool use_output = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	struct event ev = {}, *e;

	if (!traced(&ev))
		return 0;
	if (use_output) {
		bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
		return 0;
	}
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = ev.pid;
	e->tid = ev.tid;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
