/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's BTF, parsed once for all the objects a session loads.  libbpf
 * parses /sys/kernel/btf/vmlinux anew for every object (11 ms and 11 MiB at
 * its peak each, here) and frees it after the load.  The link line wraps the
 * two libbpf functions involved (PROCSNOOP_BTF_WRAP in the Makefile): between
 * kernel_btf__hold() and kernel_btf__release() every load gets the same
 * parsed copy, which libbpf only reads, and its free of it is skipped.
 */
#ifndef PROCSNOOP_KERNEL_BTF_H
#define PROCSNOOP_KERNEL_BTF_H

#include <stdint.h>

struct btf;

/* Parses the kernel's BTF, or counts one more holder; 0 or -errno. */
int kernel_btf__hold(void);
/* The parsed BTF, while held. */
const struct btf *kernel_btf__get(void);
/* The last holder frees it. */
void kernel_btf__release(void);
/*
 * While held: the byte offset of `member` in `struct type` (also inside its
 * anonymous members); 0, or -ENOENT when the kernel has no such member.
 */
int kernel_btf__member_offset(const char *type, const char *member, uint32_t *off);

#endif
