#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

/// @ifindex 1
/// @flags XDP_FLAGS_SKB_MODE|XDP_FLAGS_TURBO
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
