#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

SEC("socket")
int keep_all(struct __sk_buff *skb)
{
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
