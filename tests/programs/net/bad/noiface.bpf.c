#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

/// @tchook {"ifindex":"psnoop-none0", "attach_point":"BPF_TC_EGRESS"}
SEC("tc")
int tc_egress(struct __sk_buff *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
