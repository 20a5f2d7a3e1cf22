// SPDX-License-Identifier: GPL-2.0
/* One parse of the kernel's BTF shared by the loads of a session (kernel_btf.h). */
#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
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
