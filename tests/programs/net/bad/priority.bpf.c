#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

/// @tcopts {"handle":1, "priority":70000}
SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
