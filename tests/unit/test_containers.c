// SPDX-License-Identifier: GPL-2.0
/* Container identity from cgroup paths, on the forms runtimes really write. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/containers.h"
#include "lib/podman_state.h"
#include "unit.h"

#define ID "3f6d1e0b8c2a4f5e9d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170"
#define ID2 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define POD "6c9f5b1e-2a3d-4e8f-9b0c-1d2e3f4a5b6c"
#define POD_ "6c9f5b1e_2a3d_4e8f_9b0c_1d2e3f4a5b6c"

static void check(const char *path, const char *id, const char *runtime, const char *pod)
{
	struct container_info c;
	bool found = container__from_path(path, &c);

	CHECK_INT(found, id != NULL);
	CHECK_STR(c.id, id ? id : "");
	CHECK_STR(c.runtime ? c.runtime : "(none)", runtime ? runtime : "(none)");
	CHECK_STR(c.pod_uid, pod ? pod : "");
}

TEST(container_podman_forms)
{
	/* systemd cgroup manager, root and rootless; cgroupfs manager */
	check("/machine.slice/libpod-" ID ".scope", ID, "podman", NULL);
	check("/sys/fs/cgroup/unified/machine.slice/libpod-" ID ".scope", ID, "podman", NULL);
	check("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope/container",
	      ID, "podman", NULL);
	check("/libpod_parent/libpod-" ID, ID, "podman", NULL);
	/* conmon, the monitor beside the container, is not the container */
	check("/machine.slice/libpod-conmon-" ID ".scope", NULL, NULL, NULL);
}

TEST(container_docker_containerd_crio_forms)
{
	check("/system.slice/docker-" ID ".scope", ID, "docker", NULL);
	check("/docker/" ID, ID, "docker", NULL);
	check("/system.slice/cri-containerd-" ID ".scope", ID, "containerd", NULL);
	check("/machine.slice/crio-" ID ".scope", ID, "cri-o", NULL);
	check("/machine.slice/crio-conmon-" ID ".scope", NULL, NULL, NULL);
}

TEST(container_kubernetes_forms)
{
	/* systemd driver: the pod's uid with underscores, the container under it */
	check("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" POD_
	      ".slice/cri-containerd-" ID ".scope",
	      ID, "containerd", POD);
	check("/kubepods.slice/kubepods-pod" POD_ ".slice/crio-" ID ".scope", ID, "cri-o", POD);
	/* cgroupfs driver: the bare id below pod<uid> */
	check("/kubepods/besteffort/pod" POD "/" ID, ID, "cri", POD);
	/* the pod's own cgroup (its pause process is in a container below) */
	check("/kubepods/burstable/pod" POD, NULL, NULL, POD);
	/* docker-in-docker: the deepest container counts */
	check("/docker/" ID "/docker/" ID2, ID2, "docker", NULL);
}

TEST(container_none)
{
	check("/", NULL, NULL, NULL);
	check("", NULL, NULL, NULL);
	check("/user.slice/user-0.slice/session-3.scope", NULL, NULL, NULL);
	check("/system.slice/ssh.service", NULL, NULL, NULL);
	/* a 64-hex name alone, outside docker and kubepods, says nothing */
	check("/mine/" ID, NULL, NULL, NULL);
	/* one digit short, an upper-case digit, a suffix that is not .scope */
	check("/system.slice/docker-" ID "0.scope", NULL, NULL, NULL);
	check("/system.slice/docker-3F6d1e0b8c2a4f5e9d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170.scope",
	      NULL, NULL, NULL);
	check("/system.slice/docker-" ID ".slice", NULL, NULL, NULL);
	check("/kubepods/burstable/podnot-a-uid", NULL, NULL, NULL);
}

TEST(container_label_name_else_short_id)
{
	struct container_info c;
	const char *s;
	size_t len = 0;

	container__from_path("/machine.slice/libpod-" ID ".scope", &c);
	s = container__label(&c, &len);
	CHECK_INT(len, 12);
	CHECK(s && strncmp(s, ID, 12) == 0);
	c.name = strdup("web");
	s = container__label(&c, &len);
	CHECK_INT(len, 3);
	CHECK(s && memcmp(s, "web", 3) == 0);
	container__clear(&c);
	container__from_path("/system.slice/ssh.service", &c);
	CHECK(container__label(&c, &len) == NULL);
}

TEST(containers_lookup_without_resolver)
{
	const struct container_info *c = containers__lookup(NULL, 12345);

	CHECK_STR(c->id, "");
	CHECK(c->runtime == NULL);
}

static void write_file(const char *root, const char *path, const char *text)
{
	char full[512], dir[512], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s%s", root, path);
	snprintf(dir, sizeof(dir), "%s", full);
	for (slash = strchr(dir + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(full, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

TEST(container_names_from_runtime_state)
{
	char root[] = "/tmp/procsnoop-unit-XXXXXX", cmd[600];
	struct container_info c;

	CHECK(mkdtemp(root) != NULL);
	write_file(root, "/var/lib/containers/storage/overlay-containers/containers.json",
		   "[{\"id\":\"" ID2 "\",\"names\":[\"other\"]},"
		   "{\"id\":\"" ID "\",\"names\":[\"web\"],\"image\":\"i1\","
		   "\"metadata\":\"{\\\"image-name\\\":\\\"localhost/app:1\\\"}\"},"
		   "{\"id\":\"" POD_ "\",\"names\":[\"noimage\"],\"image\":\"i2\"}]");
	write_file(root, "/var/lib/containers/storage/overlay-images/images.json",
		   "[{\"id\":\"i2\",\"names\":[\"docker.io/library/busybox:latest\"]}]");
	write_file(root, "/var/lib/docker/containers/" ID "/config.v2.json",
		   "{\"Name\":\"/db\",\"Config\":{\"Image\":\"postgres:16\"}}");

	container__from_path("/machine.slice/libpod-" ID ".scope", &c);
	CHECK_INT(container__names(root, &c), 0);
	CHECK_STR(c.name ? c.name : "(null)", "web");
	CHECK_STR(c.image ? c.image : "(null)", "localhost/app:1");
	container__clear(&c);

	container__from_path("/system.slice/docker-" ID ".scope", &c);
	CHECK_INT(container__names(root, &c), 0);
	CHECK_STR(c.name ? c.name : "(null)", "db");
	CHECK_STR(c.image ? c.image : "(null)", "postgres:16");
	container__clear(&c);

	/* not in the state: both unknown */
	container__from_path("/machine.slice/libpod-" ID2 "0.scope/x/libpod-" ID2 ".scope", &c);
	CHECK_STR(c.id, ID2);
	CHECK_INT(container__names(root, &c), 0);
	CHECK_STR(c.name ? c.name : "(null)", "other");
	CHECK(c.image == NULL);
	container__clear(&c);

	/* containerd keeps no such file: nothing, and no error */
	container__from_path("/system.slice/cri-containerd-" ID ".scope", &c);
	CHECK_INT(container__names(root, &c), 0);
	CHECK(c.name == NULL && c.image == NULL);
	container__clear(&c);

	/* a state file that is not JSON */
	write_file(root, "/var/lib/docker/containers/" ID "/config.v2.json", "{\"Name\":");
	container__from_path("/docker/" ID, &c);
	CHECK_INT(container__names(root, &c), 0);
	CHECK(c.name == NULL);
	container__clear(&c);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
}

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

/* The graphroot of storage.conf, CRI-O's containers in it, and a state file that changes. */
TEST(container_names_graphroot_crio_and_changes)
{
	char root[] = "/tmp/procsnoop-unit-XXXXXX", cmd[600];
	struct container_info c;

	CHECK(mkdtemp(root) != NULL);
	write_file(root, "/etc/containers/storage.conf",
		   "# comment\n[storage]\ndriver = \"overlay\"\n  graphroot = \"/srv/store\"\n"
		   "[storage.options]\ngraphroot = \"/elsewhere\"\n");
	write_file(root, "/srv/store/overlay-containers/containers.json",
		   "[{\"id\":\"" ID "\",\"names\":[\"k8s_web_pod-a_default_1\"],\"image\":\"i1\"}]");
	write_file(root, "/srv/store/overlay-images/images.json",
		   "[{\"id\":\"i1\",\"names\":[\"registry.k8s.io/pause:3.9\"]}]");
	container__from_path("/kubepods.slice/kubepods-pod" POD_ ".slice/crio-" ID ".scope", &c);
	CHECK_STR(c.runtime, "cri-o");
	CHECK_INT(container__names(root, &c), 0);
	CHECK_STR(or_null(c.name), "k8s_web_pod-a_default_1");
	CHECK_STR(or_null(c.image), "registry.k8s.io/pause:3.9");
	container__clear(&c);

	/* The file changes (a container renamed, another added): read again. */
	write_file(root, "/srv/store/overlay-containers/containers.json",
		   "[{\"id\":\"" ID2 "\",\"names\":[\"second\"]},"
		   "{\"id\":\"" ID "\",\"names\":[\"renamed\"],\"image\":\"i1\"}]");
	container__from_path("/machine.slice/libpod-" ID ".scope", &c);
	CHECK_INT(container__names(root, &c), 0);
	CHECK_STR(or_null(c.name), "renamed");
	container__clear(&c);

	/* Without storage.conf, the default graphroot: not there, so nothing. */
	snprintf(cmd, sizeof(cmd), "%s/etc/containers/storage.conf", root);
	CHECK_INT(unlink(cmd), 0);
	container__from_path("/machine.slice/libpod-" ID ".scope", &c);
	CHECK_INT(container__names(root, &c), 0);
	CHECK(c.name == NULL && c.image == NULL);
	container__clear(&c);

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
	podman_state__forget();
}

/* A host with many containers: each one's names, from one index of the file. */
TEST(container_names_many_containers)
{
	enum { N = 3000 };
	char root[] = "/tmp/procsnoop-unit-XXXXXX", cmd[600], id[65], want[32];
	size_t cap = (size_t)N * 160 + 16, len = 0;
	char *text = malloc(cap);
	struct container_info c;
	int wrong = 0;

	CHECK(mkdtemp(root) != NULL && text != NULL);
	if (!text)
		return;
	len += snprintf(text + len, cap - len, "[");
	for (int i = 0; i < N; i++)
		len += snprintf(text + len, cap - len, "%s{\"id\":\"%064x\",\"names\":[\"c%d\"]}",
				i ? "," : "", i * 7919, i);
	snprintf(text + len, cap - len, "]");
	write_file(root, "/var/lib/containers/storage/overlay-containers/containers.json", text);
	free(text);
	for (int i = N - 1; i >= 0; i--) {
		snprintf(id, sizeof(id), "%064x", i * 7919);
		snprintf(want, sizeof(want), "c%d", i);
		memset(&c, 0, sizeof(c));
		memcpy(c.id, id, sizeof(id));
		c.runtime = "podman";
		CHECK_INT(container__names(root, &c), 0);
		wrong += !c.name || strcmp(c.name, want);
		container__clear(&c);
	}
	CHECK_INT(wrong, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
	podman_state__forget();
}

