#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

/* A helper from a kernel newer than any: its number is past the last one. */
static long (*bpf_from_the_future)(void) = (void *)9999;

SEC("tracepoint/syscalls/sys_enter_kill")
int uses_future(void *ctx)
{
	return bpf_from_the_future();
}

char LICENSE[] SEC("license") = "GPL";
