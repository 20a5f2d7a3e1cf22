// SPDX-License-Identifier: GPL-2.0
/* One parse of the kernel's BTF shared by the loads of a session (kernel_btf.h). */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <bpf/btf.h>
#include "lib/kernel_btf.h"

/* libbpf's own, under the names the linker's --wrap gives them. */
struct btf *__real_btf__load_vmlinux_btf(void);
void __real_btf__free(struct btf *btf);
struct btf *__wrap_btf__load_vmlinux_btf(void);
void __wrap_btf__free(struct btf *btf);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct btf *shared;
static int holders;

int kernel_btf__hold(void)
{
	int err = 0;

	pthread_mutex_lock(&lock);
	if (!shared) {
		shared = __real_btf__load_vmlinux_btf();
		if (!shared)
			err = errno ? -errno : -ENOENT;
	}
	if (!err)
		holders++;
	pthread_mutex_unlock(&lock);
	return err;
}

const struct btf *kernel_btf__get(void)
{
	return shared;
}

void kernel_btf__release(void)
{
	struct btf *done = NULL;

	pthread_mutex_lock(&lock);
	if (holders && --holders == 0) {
		done = shared;
		shared = NULL;
	}
	pthread_mutex_unlock(&lock);
	__real_btf__free(done);
}

struct btf *__wrap_btf__load_vmlinux_btf(void)
{
	struct btf *btf;

	pthread_mutex_lock(&lock);
	btf = shared;
	pthread_mutex_unlock(&lock);
	return btf ? btf : __real_btf__load_vmlinux_btf();
}

void __wrap_btf__free(struct btf *btf)
{
	bool mine;

	pthread_mutex_lock(&lock);
	mine = btf && btf == shared;
	pthread_mutex_unlock(&lock);
	if (!mine)
		__real_btf__free(btf);
}

/* Byte offset of `member` in the struct or union type_id, looking into anonymous members. */
static int member_offset(const struct btf *b, int type_id, const char *member, int depth,
			 uint32_t *off)
{
	const struct btf_type *t = btf__type_by_id(b, type_id);
	const struct btf_member *m;

	if (!t || !(btf_is_struct(t) || btf_is_union(t)) || depth > 4)
		return -ENOENT;
	m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(b, m->name_off);
		uint32_t bits = btf_member_bit_offset(t, i), inner;

		if (name && strcmp(name, member) == 0) {
			*off = bits / 8;
			return 0;
		}
		if ((!name || !*name) &&
		    !member_offset(b, btf__resolve_type(b, m->type), member, depth + 1, &inner)) {
			*off = bits / 8 + inner;
			return 0;
		}
	}
	return -ENOENT;
}

int kernel_btf__member_offset(const char *type, const char *member, uint32_t *off)
{
	const struct btf *b = kernel_btf__get();
	int id = b ? btf__find_by_name_kind(b, type, BTF_KIND_STRUCT) : -ENOENT;

	return id > 0 ? member_offset(b, id, member, 0, off) : -ENOENT;
}
