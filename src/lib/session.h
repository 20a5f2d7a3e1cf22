/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session owns what the BPF objects of one procsnoop process share: the
 * ring buffer, the loss counters, the cgroup and container filters; it loads
 * and attaches every object added to it and detaches them all on destroy.
 */
#ifndef PROCSNOOP_SESSION_H
#define PROCSNOOP_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "lib/features.h"
#include "lib/ringbuf_reader.h"

#define SESSION_MAX_CONTAINERS 16

struct session_opts {
	uint32_t buffer_bytes; /* ring buffer size: a power of two, at least a page */
	const char *cgroup_path; /* a cgroup v2 directory, or NULL */
	bool include_self; /* keep the events of procsnoop's own process */
	/* --container: ids (or their starts) and names, checked by parse__container */
	const char *containers[SESSION_MAX_CONTAINERS];
	int ncontainers;
};

#define SESSION_DEFAULT_BUFFER (2u << 20)

struct session;

/* Mounts tracefs when missing and creates the shared maps. */
int session__new(const struct session_opts *opts, struct session **out);
/*
 * Fills the parts of a filter that the session knows (cgroup, containers,
 * wakeup threshold, kernel caps).
 */
void session__fill_filter(const struct session *s, struct filter_config *cfg);
/* What the kernel offers, probed by session__new before anything is loaded. */
const struct kernel_features *session__features(const struct session *s);
/*
 * Takes an opened (not loaded) skeleton: its maps named events, lost,
 * submits, cgroup_filter, container_filter, control and followed become
 * the session's.  `outer` is the skeleton's own struct, freed on destroy.
 */
int session__add(struct session *s, struct bpf_object_skeleton *skel, void *outer);
/*
 * `-- CMD`: follows this process and, through follow.bpf.c, every process it
 * starts (the tracers' filter needs cfg.follow).  Before privileges are dropped.
 */
int session__follow(struct session *s, uint32_t tgid);
/* Loads and attaches everything added; a verifier rejection shows its log. */
int session__start(struct session *s);
/* Detaches every program (links only: the maps and the ring buffer stay readable). */
void session__detach(struct session *s);
/*
 * Stops every program from emitting, and returns once none is still writing:
 * what the kernel handed over is all in the ring buffer.  The links stay
 * attached; session__destroy leaves their release to a process that outlives
 * this one (link_reaper.h), so that stopping does not wait for it.  Without
 * the barrier this needs (membarrier), it detaches instead and returns -errno.
 */
int session__quiesce(struct session *s);
/*
 * How many bytes wait in the shared ring buffer now (*used), and its size:
 * two reads of its mapped positions, no bpf() call, from any thread while
 * the session lives.  0, or -ENODATA before session__start.
 */
int session__ringbuf_fill(const struct session *s, uint64_t *used, uint64_t *size);
/* Sums the per-CPU loss counters into lost[EVENT_TYPE_MAX]: memory reads, no bpf() call. */
int session__read_lost(const struct session *s, uint64_t *lost);
/*
 * The shared ring buffer, opened by session__start (before privileges are
 * dropped); its records go to fn(ctx, ...) from now on.
 */
struct ringbuf_reader *session__ring_buffer(struct session *s, ringbuf_record_fn fn, void *ctx);
void session__destroy(struct session *s);

struct stream_source;
struct stream_opts;
/* The shared ring buffer as a stream source: records, and the kernel's loss counts. */
int session__source(struct session *s, struct stream_source **out);
/* With --container: the watcher of the cgroup tree, a source the session owns; else NULL. */
struct stream_source *session__container_source(struct session *s);
/*
 * Adds that source to a stream's options (and with --container the watcher
 * of the cgroup tree), and the session's detach as its detach.
 */
int session__stream_opts(struct session *s, struct stream_opts *so);

/* Mounts tracefs on /sys/kernel/tracing when it is not there; 0 or -errno. */
int tracefs__ensure(void);
/* The mount point of tracefs, e.g. "/sys/kernel/tracing". */
const char *tracefs__path(void);

#endif
