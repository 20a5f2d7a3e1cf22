/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which container an event comes from.  Every event carries the cgroup v2 id
 * of its task; this maps the id to the cgroup's path, and the path to the
 * container's id, its runtime and a Kubernetes pod's uid, from the names
 * runtimes give their cgroups:
 *
 *   podman      .../libpod-<id>.scope, .../libpod_parent/libpod-<id>
 *   docker      .../docker-<id>.scope, /docker/<id>
 *   containerd  .../cri-containerd-<id>.scope
 *   CRI-O       .../crio-<id>.scope
 *   kubelet     .../kubepods-...-pod<uid>.slice/..., /kubepods/<qos>/pod<uid>/<id>
 *
 * An <id> is 64 lowercase hex digits.  The name and the image come from the
 * runtime's own state on disk where it is readable: podman's (as root) and
 * CRI-O's containers.json and images.json (lib/podman_state.h), docker's
 * config.v2.json.  Nothing is executed and no runtime is asked.
 */
#ifndef PROCSNOOP_CONTAINERS_H
#define PROCSNOOP_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONTAINER_ID_LEN 64
/* The id as runtimes print it: its first 12 digits. */
#define CONTAINER_SHORT_ID_LEN 12
#define POD_UID_LEN 36

struct container_info {
	char id[CONTAINER_ID_LEN + 1]; /* "" outside a container */
	const char *runtime; /* "podman", "docker", "containerd", "cri-o", "cri"; NULL */
	char pod_uid[POD_UID_LEN + 1]; /* "" outside a pod */
	char *name; /* from the runtime's state, or NULL */
	char *image;
};

/* What a cgroup path (relative to the cgroup2 mount, or absolute) says; false: no container. */
bool container__from_path(const char *path, struct container_info *out);
/*
 * The name and image of out's container from the runtime's state under root
 * ("" for /): what stays unknown stays NULL.  0, or -ENOMEM.
 */
int container__names(const char *root, struct container_info *out);
void container__clear(struct container_info *c);
/*
 * How a person names the container: its name, else its short id; *len bytes
 * of untrusted text (not NUL-terminated).  NULL outside a container.
 */
const char *container__label(const struct container_info *c, size_t *len);

struct containers;

/*
 * A resolver with a bounded cache of cgroup ids.  Open it while privileged:
 * it keeps the cgroup2 mount open, and maps ids with open_by_handle_at
 * (CAP_DAC_READ_SEARCH), else by walking the tree.  NULL when there is no
 * cgroup2 mount or no memory.
 */
struct containers *containers__new(void);
/* The container of cgroup id; never NULL: an empty info when none or unknown. */
const struct container_info *containers__lookup(struct containers *c, uint64_t cgroup_id);
void containers__free(struct containers *c);

#endif
