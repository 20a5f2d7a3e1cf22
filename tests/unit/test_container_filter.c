// SPDX-License-Identifier: GPL-2.0
/*
 * --container: the table the kernel reads, which containers a value names,
 * and the walk and watch of a cgroup tree (a plain directory tree here:
 * inotify reports mkdir and rmdir on it as on cgroupfs).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/container_filter.h"
#include "lib/parse.h"
#include "unit.h"

#define ID "3f6d1e0b8c2a4f5e9d7c6b5a4938271605f4e3d2c1b0a9f8e7d6c5b4a3928170"
#define ID2 "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
#define ID3 "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define ID4 "3f6d000000000000000000000000000000000000000000000000000000000004"

TEST(parse_container)
{
	const char *why = NULL;

	CHECK_INT(parse__container("web", &why), 0);
	CHECK_INT(parse__container("3f6d1e", &why), 0);
	CHECK_INT(parse__container(ID, &why), 0);
	CHECK_INT(parse__container("my_app.v2-1", &why), 0);
	CHECK_INT(parse__container("9lives", &why), 0);
	CHECK(parse__container("", &why) < 0);
	CHECK_STR(why, "empty");
	CHECK(parse__container(NULL, &why) < 0);
	CHECK(parse__container("-web", &why) < 0);
	CHECK_STR(why, "an id or a name starts with a letter or a digit");
	CHECK(parse__container("_web", &why) < 0);
	CHECK(parse__container(".web", &why) < 0);
	CHECK(parse__container("/docker/web", &why) < 0);
	CHECK_STR(why, "an id or a name starts with a letter or a digit");
	CHECK(parse__container("web/1", &why) < 0);
	CHECK_STR(why, "an id or a name has only letters, digits, '_', '.' and '-'");
	CHECK(parse__container("we b", &why) < 0);
	CHECK(parse__container("web:latest", &why) < 0);
	CHECK(parse__container("w\xc3\xa9", &why) < 0);
	{
		char long_name[300];

		memset(long_name, 'a', sizeof(long_name));
		long_name[255] = 0;
		CHECK_INT(parse__container(long_name, &why), 0);
		long_name[255] = 'a';
		long_name[256] = 0;
		CHECK(parse__container(long_name, &why) < 0);
		CHECK_STR(why, "longer than 255 characters");
	}
}

static struct container_set *new_set(void)
{
	struct container_set *set = calloc(1, sizeof(*set));

	CHECK(set != NULL);
	return set;
}

/* The lookup of the BPF side (common.bpf.h), step for step. */
static bool kernel_finds(const struct container_set *set, uint64_t id)
{
	uint32_t slot = container_set_hash(id);

	for (uint32_t p = 0; p < CONTAINER_SET_PROBES; p++)
		if (set->ids[(slot + p) & (CONTAINER_SET_SLOTS - 1)] == id)
			return true;
	return false;
}

TEST(container_set_add_remove)
{
	struct container_set *set = new_set();
	uint64_t same_home[CONTAINER_SET_PROBES + 1];
	uint32_t home;
	int n = 0;

	CHECK_INT(container_set__add(set, 4242), 0);
	CHECK(container_set__has(set, 4242) && kernel_finds(set, 4242));
	CHECK(!container_set__has(set, 4243) && !kernel_finds(set, 4243));
	CHECK_INT(container_set__add(set, 4242), 0); /* twice: still once */
	container_set__remove(set, 4242);
	CHECK(!container_set__has(set, 4242) && !kernel_finds(set, 4242));
	for (int i = 0; i < (int)CONTAINER_SET_SLOTS; i++)
		CHECK(set->ids[i] == 0);

	/* Ids of one home slot: the probe window holds CONTAINER_SET_PROBES of them. */
	home = container_set_hash(1000);
	for (uint64_t id = 1000; n < CONTAINER_SET_PROBES + 1; id++)
		if (container_set_hash(id) == home)
			same_home[n++] = id;
	for (int i = 0; i < CONTAINER_SET_PROBES; i++)
		CHECK_INT(container_set__add(set, same_home[i]), 0);
	CHECK_INT(container_set__add(set, same_home[CONTAINER_SET_PROBES]), -ENOSPC);
	for (int i = 0; i < CONTAINER_SET_PROBES; i++)
		CHECK(kernel_finds(set, same_home[i]));
	/* A removal in the middle leaves the ids after it where the lookup finds them. */
	container_set__remove(set, same_home[2]);
	CHECK(!kernel_finds(set, same_home[2]));
	for (int i = 3; i < CONTAINER_SET_PROBES; i++)
		CHECK(kernel_finds(set, same_home[i]));
	CHECK_INT(container_set__add(set, same_home[CONTAINER_SET_PROBES]), 0);
	CHECK(kernel_finds(set, same_home[CONTAINER_SET_PROBES]));
	free(set);
}

TEST(container_filter_wants)
{
	struct container_info c;

	container__from_path("/machine.slice/libpod-" ID ".scope", &c);
	c.name = (char *)"web";
	CHECK(container_filter__wants("3", &c));
	CHECK(container_filter__wants("3f6d1e0b", &c));
	CHECK(container_filter__wants(ID, &c));
	CHECK(container_filter__wants("web", &c));
	CHECK(!container_filter__wants("we", &c)); /* names are whole */
	CHECK(!container_filter__wants("web2", &c));
	CHECK(!container_filter__wants("3F6D1E0B", &c)); /* ids are lowercase */
	CHECK(!container_filter__wants("3f6d1e0c", &c));
	CHECK(!container_filter__wants(ID "0", &c));
	c.name = NULL;
	CHECK(!container_filter__wants("web", &c));
	/* No container: nothing matches, not even an empty-looking prefix. */
	container__from_path("/system.slice/ssh.service", &c);
	CHECK(!container_filter__wants("3", &c));
}

static void write_state(const char *root, const char *json)
{
	char path[600], cmd[700];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state/var/lib/containers/storage/overlay-containers",
		 root);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	CHECK_INT(system(cmd), 0);
	strcat(path, "/containers.json");
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(json, f);
		fclose(f);
	}
}

static uint64_t dir_made(const char *root, const char *rel)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/tree/%s", root, rel);
	CHECK_INT(mkdir(path, 0755), 0);
	CHECK_INT(stat(path, &st), 0);
	return st.st_ino;
}

static void dir_gone(const char *root, const char *rel)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/tree/%s", root, rel);
	CHECK_INT(rmdir(path), 0);
}

TEST(container_filter_walk_and_watch)
{
	char root[] = "/tmp/procsnoop-unit-XXXXXX", tree[64], state[64], cmd[100];
	const char *values[] = { "web", "3f6d", "late" };
	struct container_filter_opts opts = { .values = values, .nvalues = 3 };
	struct container_set *set = new_set();
	struct container_filter *f = NULL;
	uint64_t web, pref, inner, other, conmon, late, nested, again;

	CHECK(mkdtemp(root) != NULL);
	snprintf(tree, sizeof(tree), "%s/tree", root);
	snprintf(state, sizeof(state), "%s/state", root);
	CHECK_INT(mkdir(tree, 0755), 0);
	write_state(root, "[{\"id\":\"" ID2 "\",\"names\":[\"web\"]},"
			  "{\"id\":\"" ID3 "\",\"names\":[\"db\"]}]");
	/* podman's two forms, a sub-cgroup of a container, another container, conmon */
	dir_made(root, "libpod_parent");
	pref = dir_made(root, "libpod_parent/libpod-" ID);
	dir_made(root, "machine.slice");
	web = dir_made(root, "machine.slice/libpod-" ID2 ".scope");
	inner = dir_made(root, "machine.slice/libpod-" ID2 ".scope/container");
	other = dir_made(root, "machine.slice/libpod-" ID3 ".scope");
	conmon = dir_made(root, "machine.slice/libpod-conmon-" ID2 ".scope");

	opts.cgroup_root = tree;
	opts.state_root = state;
	CHECK_INT(container_filter__new(&opts, set, &f), 0);
	if (!f)
		goto out;
	CHECK_INT(container_filter__count(f), 2);
	CHECK(kernel_finds(set, pref) && kernel_finds(set, web));
	CHECK(!kernel_finds(set, inner) && !kernel_finds(set, other) && !kernel_finds(set, conmon));
	CHECK_INT(set->levels, 1u << 2);

	/* Made later: its state first, then its cgroup (below a parent made later too). */
	write_state(root, "[{\"id\":\"" ID2 "\",\"names\":[\"web\"]},"
			  "{\"id\":\"" ID3 "\",\"names\":[\"db\"]},"
			  "{\"id\":\"" ID4 "\",\"names\":[\"late\"]}]");
	dir_made(root, "late.slice");
	dir_made(root, "late.slice/sub.slice");
	late = dir_made(root, "late.slice/sub.slice/libpod-" ID4 ".scope");
	CHECK_INT(container_filter__poll(f), 0);
	CHECK(kernel_finds(set, late));
	CHECK_INT(container_filter__count(f), 3);
	CHECK_INT(set->levels, 1u << 2 | 1u << 3);
	/* A container inside a matched one (docker in docker) is found too. */
	nested = dir_made(root, "libpod_parent/libpod-" ID "/docker-" ID3 ".scope");
	CHECK_INT(container_filter__poll(f), 0);
	CHECK(!kernel_finds(set, nested)); /* db: not asked for */

	/* Gone: out of the table; the level's bit goes with its last cgroup. */
	dir_gone(root, "late.slice/sub.slice/libpod-" ID4 ".scope");
	CHECK_INT(container_filter__poll(f), 0);
	CHECK(!kernel_finds(set, late));
	CHECK_INT(set->levels, 1u << 2);
	dir_gone(root, "machine.slice/libpod-" ID2 ".scope/container");
	dir_gone(root, "machine.slice/libpod-" ID2 ".scope");
	CHECK_INT(container_filter__poll(f), 0);
	CHECK(!kernel_finds(set, web) && kernel_finds(set, pref));
	CHECK_INT(container_filter__count(f), 1);
	CHECK_INT(set->levels, 1u << 2);
	/* Started again: a new cgroup, found again. */
	again = dir_made(root, "machine.slice/libpod-" ID2 ".scope");
	CHECK_INT(container_filter__poll(f), 0);
	CHECK(kernel_finds(set, again));
	CHECK_INT(container_filter__count(f), 2);
out:
	container_filter__free(f);
	free(set);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
}

TEST(container_filter_no_tree)
{
	const char *values[] = { "web" };
	struct container_filter_opts opts = { .cgroup_root = "/nonexistent/cgroup", .values = values,
					      .nvalues = 1 };
	struct container_set *set = new_set();
	struct container_filter *f = NULL;

	CHECK_INT(container_filter__new(&opts, set, &f), -ENOENT);
	CHECK(f == NULL);
	free(set);
}
