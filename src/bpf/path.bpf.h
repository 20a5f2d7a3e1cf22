/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paths in the kernel half, for the tracers that resolve a directory (exec:
 * execveat's dirfd; open: --full-path): the file behind a descriptor, and
 * the walk from a dentry up to the thread's root.
 */
#ifndef PROCSNOOP_PATH_BPF_H
#define PROCSNOOP_PATH_BPF_H

#include "common.bpf.h"

/* The file open at fd in task, or NULL. */
static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds, *file = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * A walk from a dentry up to the thread's root, as the kernel's
 * prepend_path() goes: each name is put before the last, so the path ends
 * at a fixed place of a buffer and starts at buf[pos].  With `direct`,
 * dentries are read with direct loads (a faulting load reads zero), which
 * cost a fraction of a bpf_probe_read_kernel call: the walk does one helper
 * call per component, to copy its name.  Without it, with helper reads.
 *
 * The state lives where the caller puts it: on the stack, or in a map value
 * for a bounded loop whose iterations the verifier should not tell apart.
 * The buffer is not in it (a pointer read back from a map is a number).
 */
struct path_walk {
	struct dentry *d; /* the next dentry: a BTF pointer when direct */
	__u64 mnt; /* struct mount *: the mount d is in */
	__u64 mnt_root; /* its root dentry */
	__u64 vm; /* its struct vfsmount */
	__u64 root_d, root_vm; /* the thread's root */
	__u32 pos; /* the path starts at buf[pos] */
	__u32 done; /* it reached the root: the path is whole */
};

/* A kernel address as a BTF pointer of type `type`, for direct loads (6.2). */
#define kernel_ptr(type, addr) \
	((type *)bpf_rdonly_cast((void *)(addr), bpf_core_type_id_kernel(type)))

static __always_inline void path_walk_mount(struct path_walk *c, __u64 vm, const bool direct)
{
	c->vm = vm;
	c->mnt = vm - bpf_core_field_offset(struct mount, mnt);
	if (direct)
		c->mnt_root = (__u64)kernel_ptr(struct vfsmount, vm)->mnt_root;
	else
		c->mnt_root = (__u64)BPF_CORE_READ((struct vfsmount *)vm, mnt_root);
}

/* A dentry of the walk: a BTF pointer for direct loads, or an address for helper reads. */
static __always_inline struct dentry *path_walk_dentry(__u64 addr, const bool direct)
{
	if (direct)
		return kernel_ptr(struct dentry, addr);
	return (struct dentry *)addr;
}

/*
 * A walk from the dentry d of the mount vm to task's root; the path is to end
 * at buf[end].  With `direct`, task is current_task_loads().
 */
static __always_inline void path_walk_start(struct path_walk *c, struct task_struct *task, __u64 d,
					    __u64 vm, __u32 end, const bool direct)
{
	c->d = path_walk_dentry(d, direct);
	path_walk_mount(c, vm, direct);
	if (direct) {
		struct fs_struct *fs = task->fs;

		c->root_d = (__u64)fs->root.dentry;
		c->root_vm = (__u64)fs->root.mnt;
	} else {
		c->root_d = (__u64)BPF_CORE_READ(task, fs, root.dentry);
		c->root_vm = (__u64)BPF_CORE_READ(task, fs, root.mnt);
	}
	c->pos = end;
	c->done = 0;
}

/*
 * One step up: a mount crossed, or one name put before the path.  Returns 1
 * when the walk is over: at the root (done), or with no room for the next
 * name.  size, a power of two, bounds pos; buf holds size + 256 bytes (a
 * name is at most 255).
 */
static __always_inline long path_walk_step(struct path_walk *c, char *buf, const __u32 size,
					   const bool direct)
{
	struct dentry *d = c->d, *parent;
	const unsigned char *nm;
	__u32 len, pos;

	if ((__u64)d == c->root_d && c->vm == c->root_vm)
		goto done;
	if ((__u64)d == c->mnt_root) {
		struct mount *mnt = (struct mount *)c->mnt;
		__u64 up, mountpoint;

		if (direct) {
			mnt = kernel_ptr(struct mount, mnt);
			up = (__u64)mnt->mnt_parent;
			mountpoint = (__u64)mnt->mnt_mountpoint;
		} else {
			up = (__u64)BPF_CORE_READ(mnt, mnt_parent);
			mountpoint = (__u64)BPF_CORE_READ(mnt, mnt_mountpoint);
		}
		/* The root of the namespace, or a detached mount. */
		if (!up || up == c->mnt)
			goto done;
		c->d = path_walk_dentry(mountpoint, direct);
		path_walk_mount(c, up + bpf_core_field_offset(struct mount, mnt), direct);
		return 0;
	}
	if (direct) {
		parent = d->d_parent;
		len = d->d_name.len;
		nm = d->d_name.name;
	} else {
		parent = BPF_CORE_READ(d, d_parent);
		len = BPF_CORE_READ(d, d_name.len);
		nm = BPF_CORE_READ(d, d_name.name);
	}
	/* A disconnected dentry (nothing above it), or a failed load. */
	if (!parent || d == parent)
		goto done;
	if (len + 1 >= c->pos)
		return 1; /* no room: the path is cut */
	pos = (c->pos - len - 1) & (size - 1);
	bpf_probe_read_kernel(&buf[pos + 1], len & 255, nm);
	buf[pos] = '/';
	c->pos = pos;
	c->d = parent;
	return 0;
done:
	c->done = 1;
	return 1;
}

/*
 * Walks at most `steps` steps: with bpf_loop (5.17) and the includer's
 * callback `step`, which runs path_walk_step() with the same buf, size and
 * direct on loop_ctx; or, where step is NULL, in a bounded loop.
 */
static __always_inline void path_walk(struct path_walk *c, char *buf, const __u32 size,
				      const bool direct, const int steps,
				      long (*step)(__u64 i, void *loop_ctx), void *loop_ctx)
{
	if (step) {
		bpf_loop(steps, step, loop_ctx, 0);
		return;
	}
	for (int i = 0; i < steps; i++)
		if (path_walk_step(c, buf, size, direct))
			break;
}

#endif /* PROCSNOOP_PATH_BPF_H */
