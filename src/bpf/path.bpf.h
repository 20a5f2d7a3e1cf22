/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Paths in the kernel half: the file behind a descriptor, for the tracers
 * that resolve a directory (exec: execveat's dirfd; open: --full-path).
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

#endif /* PROCSNOOP_PATH_BPF_H */
