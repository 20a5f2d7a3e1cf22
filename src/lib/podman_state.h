/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names and images of podman's and CRI-O's containers, from the state
 * both keep through containers/storage: overlay-containers/containers.json
 * (each container's names, its image's id, and podman's image-name in its
 * metadata) and overlay-images/images.json (each image's names), under the
 * graphroot of /etc/containers/storage.conf, else /var/lib/containers/storage.
 *
 * The files list every container of the host, so they are read once into an
 * index by id and read again only when one of them changes (its inode, size
 * or mtime): a host with N containers costs one parse, not N.
 */
#ifndef PROCSNOOP_PODMAN_STATE_H
#define PROCSNOOP_PODMAN_STATE_H

/*
 * The name and image of container id (64 hex digits) under root ("" for /):
 * each found and not set yet is strdup'ed into *name and *image.  0, or -ENOMEM.
 */
int podman_state__names(const char *root, const char *id, char **name, char **image);
/* Frees the index (it is built again when needed). */
void podman_state__forget(void);

#endif
