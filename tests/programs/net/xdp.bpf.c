/* An xdp program as eunomia-bpf's tutorials write one: the size of every IPv4 UDP packet to a port. */
#include <vmlinux.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP 0x0800

struct frame {
	__u32 ifindex;
	__u32 size;
	__u32 udp_len;
	__u16 dport;
};

/* The event struct in the BTF of a prebuilt object too (the runner adds it for a source). */
struct frame *unused_frame __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} frames SEC(".maps");

/// @description "UDP destination port to report"
const volatile __u16 port = 9;

/// @ifindex 1
/// @flags 0
/// @xdpopts {"old_prog_fd":0}
SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *l2 = data;
	struct iphdr *l3;
	struct udphdr *l4;
	struct frame *e;
	int size = data_end - data;

	if ((void *)(l2 + 1) > data_end || l2->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	l3 = (struct iphdr *)(l2 + 1);
	if ((void *)(l3 + 1) > data_end || l3->protocol != IPPROTO_UDP || l3->ihl != 5)
		return XDP_PASS;
	l4 = (struct udphdr *)(l3 + 1);
	if ((void *)(l4 + 1) > data_end || l4->dest != bpf_htons(port))
		return XDP_PASS;
	bpf_printk("xdp packet size is %d", size);
	e = bpf_ringbuf_reserve(&frames, sizeof(*e), 0);
	if (!e)
		return XDP_PASS;
	e->ifindex = ctx->ingress_ifindex;
	e->size = size;
	e->udp_len = bpf_ntohs(l4->len);
	e->dport = bpf_ntohs(l4->dest);
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char __license[] SEC("license") = "GPL";
