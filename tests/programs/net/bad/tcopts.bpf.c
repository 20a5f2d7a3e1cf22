#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

/// @tchook {"ifindex":1, "attach_point":"BPF_TC_INGRESS"}
/// @tcopts {"handle":1, "priority":}
SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
