/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Releasing BPF links after procsnoop has exited.  Closing a syscall
 * tracepoint's perf event waits for an RCU grace period, one tracepoint after
 * another under the kernel's event_mutex: about 56 ms each, 1.3 s for the
 * four tracers.  Once nothing emits any more (session__quiesce), a detached
 * process can hold the links and let the kernel release them while the user
 * already has the prompt back.
 */
#ifndef PROCSNOOP_LINK_REAPER_H
#define PROCSNOOP_LINK_REAPER_H

/*
 * Starts a process, detached from the terminal and adopted by init, that
 * holds a copy of fds[0..n) and nothing else until *release_fd is closed.
 * The caller closes its own copies of fds first, then *release_fd: the
 * process then exits, and the kernel releases what it held.  0 or -errno
 * (then nothing was started and the caller closes the links itself).
 */
int link_reaper__start(const int *fds, int n, int *release_fd);

#endif
