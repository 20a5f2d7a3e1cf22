/* A tc classifier as eunomia-bpf's tutorials write one: every IPv4 UDP packet to a port. */
#include <vmlinux.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define TC_ACT_OK 0
#define ETH_P_IP 0x0800

struct packet {
	__u32 ifindex;
	__u32 ingress;
	__u32 ip_len;
	__u32 udp_len;
	__u16 dport;
	__u8 ttl;
};

/* The event struct in the BTF of a prebuilt object too (the runner adds it for a source). */
struct packet *unused_packet __attribute__((unused));

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} packets SEC(".maps");

/// @description "UDP destination port to report"
const volatile __u16 port = 9;

/// @tchook {"ifindex":1, "attach_point":"BPF_TC_INGRESS"}
/// @tcopts {"handle":1, "priority":1}
SEC("tc")
int tc_ingress(struct __sk_buff *ctx)
{
	void *data_end = (void *)(__u64)ctx->data_end;
	void *data = (void *)(__u64)ctx->data;
	struct ethhdr *l2 = data;
	struct iphdr *l3;
	struct udphdr *l4;
	struct packet *e;

	if (ctx->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if ((void *)(l2 + 1) > data_end)
		return TC_ACT_OK;
	l3 = (struct iphdr *)(l2 + 1);
	if ((void *)(l3 + 1) > data_end || l3->protocol != IPPROTO_UDP || l3->ihl != 5)
		return TC_ACT_OK;
	l4 = (struct udphdr *)(l3 + 1);
	if ((void *)(l4 + 1) > data_end || l4->dest != bpf_htons(port))
		return TC_ACT_OK;
	bpf_printk("tc udp tot_len %d ttl %d", bpf_ntohs(l3->tot_len), l3->ttl);
	e = bpf_ringbuf_reserve(&packets, sizeof(*e), 0);
	if (!e)
		return TC_ACT_OK;
	e->ifindex = ctx->ifindex;
	e->ingress = ctx->ingress_ifindex != 0;
	e->ip_len = bpf_ntohs(l3->tot_len);
	e->udp_len = bpf_ntohs(l4->len);
	e->dport = bpf_ntohs(l4->dest);
	e->ttl = l3->ttl;
	bpf_ringbuf_submit(e, 0);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
