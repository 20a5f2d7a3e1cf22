// SPDX-License-Identifier: GPL-2.0
/*
 * clang -target bpf with a vmlinux.h for the running kernel, libbpf's
 * headers and the program's directory on the include path.  Objects are
 * cached by content: the source, the headers named and every local header
 * clang read (checked again on each hit), the compiler, the kernel's BTF.
 *
 * clang writes BTF only for types reachable from globals, maps and function
 * signatures, so a struct the program only fills on its stack (the
 * tutorial's execsnoop event) would be missing.  The program is compiled
 * through a wrapper that #includes it unchanged and adds, for each struct
 * the program's own files define, an unused static function taking a
 * pointer to it: the BTF then describes the struct, and libbpf never loads
 * a subprogram nothing calls.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/strbuf.h"
#include "runner/compile.h"

#if defined(__x86_64__)
#define TARGET_ARCH "x86"
#elif defined(__aarch64__)
#define TARGET_ARCH "arm64"
#elif defined(__s390x__)
#define TARGET_ARCH "s390"
#elif defined(__powerpc64__)
#define TARGET_ARCH "powerpc"
#elif defined(__riscv)
#define TARGET_ARCH "riscv"
#else
#error "unknown target architecture for BPF programs"
#endif

/* Bump when the way objects are built changes. */
#define CACHE_FORMAT "procsnoop-run-3"

/* Prints clang's diagnostics, without the lines about our wrapper. */
static void show_diagnostics(const char *errf, const char *wrapper)
{
	struct source_file e;

	if (source__read(errf, &e))
		return;
	fflush(stdout);
	for (char *line = e.text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strstr(line, wrapper))
			fprintf(stderr, "%s\n", line);
		if (!nl)
			break;
	}
	source__free(&e);
}

static int write_wrapper(const char *path, const struct source_file *src,
			 const struct source_file *headers, int nheaders)
{
	struct source_file local[16] = {};
	struct strbuf sb = {};
	char *abs = realpath(src->path, NULL);
	int fd, err = 0, nlocal;

	if (!abs)
		return -errno;
	strbuf__adds(&sb, runner__prelude);
	strbuf__addf(&sb, "#include \"%s\"\n", abs);
	free(abs);
	/* Local headers the program includes ("execsnoop.h"), named on the command line or not. */
	nlocal = source__local_includes(src, local, 16);
	for (int i = -1 - nlocal; i < nheaders; i++) {
		char **names;
		const char *text = i < -1 ? local[-2 - i].text : i < 0 ? src->text : headers[i].text;
		int n = source__struct_names(text, &names);

		if (n < 0) {
			for (int k = 0; k < nlocal; k++)
				source__free(&local[k]);
			strbuf__free(&sb);
			return n;
		}
		for (int j = 0; j < n; j++)
			strbuf__addf(&sb,
				     "struct %s;\n__attribute__((used)) static int "
				     "__procsnoop_keep_%d_%s(struct %s *p) { return 0; }\n",
				     names[j], i + 1 + nlocal, names[j], names[j]);
		source__free_names(names, n);
	}
	for (int i = 0; i < nlocal; i++)
		source__free(&local[i]);
	unlink(path);
	fd = open(path, CREATE_FLAGS | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		err = -EIO;
	if (fd >= 0)
		close(fd);
	strbuf__free(&sb);
	return err;
}

int compile__program(const struct source_file *src, const struct source_file *headers,
		     int nheaders, const char *btf, char **obj_path, bool *cached)
{
	char cache[PATH_MAX], vmdir[PATH_MAX], obj[PATH_MAX + 64], deps[PATH_MAX + 64],
		wrapper[PATH_MAX + 64], tmpobj[PATH_MAX + 64], dfile[PATH_MAX + 64],
		errf[PATH_MAX + 64], hex[33];
	struct hash key = { 0x70726f63, 0x736e6f6f70 };
	char *srcdir = NULL, *hdirs[16] = {};
	struct toolchain tc;
	int err, st;

	*obj_path = NULL;
	*cached = false;
	err = toolchain__init(&tc);
	if (!err)
		err = cache__dir(&tc, cache, sizeof(cache));
	if (err)
		return err;
	hash__str(&key, CACHE_FORMAT);
	hash__str(&key, runner__prelude);
	err = cache__compiler_id(&tc, &key);
	if (!err)
		err = cache__vmlinux_dir(&tc, cache, vmdir, sizeof(vmdir), &key, btf);
	if (err)
		return err;
	srcdir = source__dir(src->path);
	if (!srcdir)
		return -errno;
	hash__str(&key, srcdir);
	hash__add(&key, src->text, src->len);
	for (int i = 0; i < nheaders; i++) {
		hash__str(&key, headers[i].path);
		hash__add(&key, headers[i].text, headers[i].len);
	}
	hash__hex(&key, hex);
	snprintf(obj, sizeof(obj), "%s/%s.bpf.o", cache, hex);
	snprintf(deps, sizeof(deps), "%s/%s.deps", cache, hex);
	if (cache__file_ok(obj) && cache__deps_fresh(deps)) {
		free(srcdir);
		*cached = true;
		*obj_path = strdup(obj);
		return *obj_path ? 0 : -ENOMEM;
	}

	snprintf(wrapper, sizeof(wrapper), "%s/%s.%d.c", cache, hex, getpid());
	snprintf(tmpobj, sizeof(tmpobj), "%s/%s.%d.o", cache, hex, getpid());
	snprintf(dfile, sizeof(dfile), "%s/%s.%d.d", cache, hex, getpid());
	snprintf(errf, sizeof(errf), "%s/%s.%d.err", cache, hex, getpid());
	err = write_wrapper(wrapper, src, headers, nheaders);
	if (err) {
		free(srcdir);
		return err;
	}
	{
		char incv[PATH_MAX + 4], incs[PATH_MAX + 4], inch[16][PATH_MAX + 4];
		char *argv[48];
		int a = 0;

		snprintf(incv, sizeof(incv), "-I%s", vmdir);
		snprintf(incs, sizeof(incs), "-I%s", srcdir);
		argv[a++] = tc.clang;
		argv[a++] = "-target";
		argv[a++] = "bpf";
		argv[a++] = "-g";
		argv[a++] = "-O2";
		argv[a++] = "-D__TARGET_ARCH_" TARGET_ARCH;
		argv[a++] = "-fno-color-diagnostics";
		argv[a++] = incs;
		for (int i = 0; i < nheaders && i < 16; i++) {
			hdirs[i] = source__dir(headers[i].path);
			if (hdirs[i]) {
				snprintf(inch[i], sizeof(inch[i]), "-I%s", hdirs[i]);
				argv[a++] = inch[i];
			}
		}
		argv[a++] = incv;
		if (log__verbosity() < 1)
			argv[a++] = "-Wno-everything"; /* tutorial code warns; errors still show */
		argv[a++] = "-MD";
		argv[a++] = "-MF";
		argv[a++] = dfile;
		argv[a++] = "-c";
		argv[a++] = wrapper;
		argv[a++] = "-o";
		argv[a++] = tmpobj;
		argv[a] = NULL;
		pr_info("compiling %s into %s with %s", src->path, obj, tc.clang);
		unlink(tmpobj);
		unlink(dfile);
		st = toolchain__run(&tc, argv, NULL, errf);
	}
	for (int i = 0; i < 16; i++)
		free(hdirs[i]);
	free(srcdir);
	if (st == 0 && log__verbosity() >= 1)
		show_diagnostics(errf, wrapper);
	if (st != 0) {
		if (st > 0)
			show_diagnostics(errf, wrapper);
		err = st < 0 ? st : -EINVAL;
	} else if ((err = cache__write_deps(dfile, cache, wrapper, deps)) == 0 &&
		   (chmod(tmpobj, 0600) || rename(tmpobj, obj))) {
		/* 0600: clang creates it under the umask, which may let the group write. */
		err = -errno;
	}
	unlink(wrapper);
	unlink(tmpobj);
	unlink(dfile);
	unlink(errf);
	if (err)
		return err;
	*obj_path = strdup(obj);
	return *obj_path ? 0 : -ENOMEM;
}
