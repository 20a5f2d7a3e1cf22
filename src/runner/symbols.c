// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "runner/symbols.h"

#define MAX_PIDS 16
#define MAX_FILES 32
#define MAX_MAPS 4096
#define MAX_SEGS 16

struct sym {
	uint64_t addr, size;
	char *name;
};

struct sym_table {
	struct sym *v;
	size_t n;
};

struct map {
	uint64_t start, end, pgoff;
	char *path;
};

struct proc_maps {
	int pid; /* 0: free */
	struct map *v;
	size_t n;
	unsigned long used; /* for eviction */
};

struct seg {
	uint64_t offset, vaddr, filesz;
};

struct elf_file {
	char *path; /* NULL: free */
	struct sym_table syms;
	struct seg segs[MAX_SEGS];
	int nsegs;
	unsigned long used;
};

struct symbols {
	bool kernel_read;
	struct sym_table kernel;
	struct proc_maps procs[MAX_PIDS];
	struct elf_file files[MAX_FILES];
	unsigned long clock;
};

static int by_addr(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void table_free(struct sym_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
	memset(t, 0, sizeof(*t));
}

static int table_add(struct sym_table *t, size_t *cap, uint64_t addr, uint64_t size,
		     const char *name)
{
	if (t->n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		struct sym *v = realloc(t->v, c * sizeof(*v));

		if (!v)
			return -ENOMEM;
		t->v = v;
		*cap = c;
	}
	t->v[t->n].name = strdup(name);
	if (!t->v[t->n].name)
		return -ENOMEM;
	t->v[t->n].addr = addr;
	t->v[t->n++].size = size;
	return 0;
}

/* The symbol an address falls in: the last at or below it (within its size, when it has one). */
static const struct sym *table_find(const struct sym_table *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		return NULL;
	if (t->v[lo - 1].size && addr >= t->v[lo - 1].addr + t->v[lo - 1].size)
		return NULL;
	return &t->v[lo - 1];
}

struct symbols *symbols__new(void)
{
	return calloc(1, sizeof(struct symbols));
}

void symbols__free(struct symbols *s)
{
	if (!s)
		return;
	table_free(&s->kernel);
	for (int i = 0; i < MAX_PIDS; i++) {
		for (size_t j = 0; j < s->procs[i].n; j++)
			free(s->procs[i].v[j].path);
		free(s->procs[i].v);
	}
	for (int i = 0; i < MAX_FILES; i++) {
		free(s->files[i].path);
		table_free(&s->files[i].syms);
	}
	free(s);
}

/* Text symbols of /proc/kallsyms; none when the kernel hides their addresses (kptr_restrict). */
static void read_kallsyms(struct symbols *s)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512], name[256], type;
	unsigned long long addr;
	size_t cap = 0;

	s->kernel_read = true;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (type != 't' && type != 'T' && type != 'w' && type != 'W')
			continue;
		if (table_add(&s->kernel, &cap, addr, 0, name))
			break;
	}
	fclose(f);
	qsort(s->kernel.v, s->kernel.n, sizeof(*s->kernel.v), by_addr);
}

const char *symbols__kernel(struct symbols *s, uint64_t addr, char *buf, size_t len)
{
	const struct sym *sym;

	if (!s->kernel_read)
		read_kallsyms(s);
	sym = table_find(&s->kernel, addr);
	if (sym)
		snprintf(buf, len, "%s+0x%" PRIx64, sym->name, addr - sym->addr);
	else
		snprintf(buf, len, "0x%" PRIx64, addr);
	return buf;
}

/* The file-backed executable mappings of pid. */
static int read_maps(int pid, struct proc_maps *p)
{
	char path[64], line[PATH_MAX + 128];
	size_t cap = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	p->pid = pid;
	while (fgets(line, sizeof(line), f) && p->n < MAX_MAPS) {
		unsigned long long start, end, pgoff;
		char perms[8];
		int name_at = 0;

		if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %*u %n", &start, &end, perms, &pgoff,
			   &name_at) < 4 || !name_at || perms[2] != 'x' || line[name_at] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		if (p->n == cap) {
			size_t c = cap ? cap * 2 : 32;
			struct map *v = realloc(p->v, c * sizeof(*v));

			if (!v)
				break;
			p->v = v;
			cap = c;
		}
		p->v[p->n].start = start;
		p->v[p->n].end = end;
		p->v[p->n].pgoff = pgoff;
		p->v[p->n].path = strdup(line + name_at);
		if (!p->v[p->n].path)
			break;
		p->n++;
	}
	fclose(f);
	return 0;
}

static void maps_clear(struct proc_maps *p)
{
	for (size_t j = 0; j < p->n; j++)
		free(p->v[j].path);
	free(p->v);
	memset(p, 0, sizeof(*p));
}

/* The mapping of addr in pid, reading its maps again once when it is not in them. */
static const struct map *find_map(struct symbols *s, int pid, uint64_t addr)
{
	struct proc_maps *p = NULL, *lru = &s->procs[0];

	for (int i = 0; i < MAX_PIDS; i++) {
		if (s->procs[i].pid == pid)
			p = &s->procs[i];
		if (s->procs[i].used < lru->used)
			lru = &s->procs[i];
	}
	for (int pass = 0; pass < 2; pass++) {
		if (p) {
			p->used = ++s->clock;
			for (size_t j = 0; j < p->n; j++)
				if (addr >= p->v[j].start && addr < p->v[j].end)
					return &p->v[j];
			if (pass)
				return NULL;
			maps_clear(p);
		} else {
			p = lru;
			maps_clear(p);
		}
		if (read_maps(pid, p)) {
			maps_clear(p);
			return NULL;
		}
	}
	return NULL;
}

/* FUNC symbols and PT_LOAD segments of an ELF file. */
static int read_elf(const char *path, struct elf_file *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;
	size_t nph = 0, cap = 0;
	bool have_symtab = false;

	if (fd < 0)
		return -errno;
	if (elf_version(EV_CURRENT) == EV_NONE || !(elf = elf_begin(fd, ELF_C_READ, NULL)) ||
	    elf_kind(elf) != ELF_K_ELF) {
		err = -EINVAL;
		goto out;
	}
	if (!elf_getphdrnum(elf, &nph))
		for (size_t i = 0; i < nph && out->nsegs < MAX_SEGS; i++) {
			GElf_Phdr ph;

			if (gelf_getphdr(elf, i, &ph) && ph.p_type == PT_LOAD)
				out->segs[out->nsegs++] = (struct seg){ ph.p_offset, ph.p_vaddr,
									ph.p_filesz };
		}
	/* .symtab when the file has one (it names static functions too), else .dynsym. */
	while ((scn = elf_nextscn(elf, scn)))  {
		GElf_Shdr sh;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			have_symtab = true;
	}
	while (!err && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) ||
		    sh.sh_type != (have_symtab ? SHT_SYMTAB : SHT_DYNSYM) || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize && !err; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(d, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_value || sym.st_shndx == SHN_UNDEF)
				continue;
			name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name && *name)
				err = table_add(&out->syms, &cap, sym.st_value, sym.st_size, name);
		}
	}
	qsort(out->syms.v, out->syms.n, sizeof(*out->syms.v), by_addr);
out:
	elf_end(elf);
	close(fd);
	return err;
}

/* The symbols of a mapped file, seen from pid (its root: a container's own files). */
static struct elf_file *find_file(struct symbols *s, int pid, const char *path)
{
	struct elf_file *lru = &s->files[0];
	char full[PATH_MAX + 64];

	for (int i = 0; i < MAX_FILES; i++) {
		if (s->files[i].path && !strcmp(s->files[i].path, path)) {
			s->files[i].used = ++s->clock;
			return &s->files[i];
		}
		if (s->files[i].used < lru->used)
			lru = &s->files[i];
	}
	free(lru->path);
	table_free(&lru->syms);
	memset(lru, 0, sizeof(*lru));
	lru->path = strdup(path);
	if (!lru->path)
		return NULL;
	lru->used = ++s->clock;
	snprintf(full, sizeof(full), "/proc/%d/root%s", pid, path);
	if (read_elf(full, lru) && read_elf(path, lru)) {
		/* Unreadable: remembered as a file without symbols. */
		table_free(&lru->syms);
		lru->nsegs = 0;
	}
	return lru;
}

const char *symbols__user(struct symbols *s, int pid, uint64_t addr, char *buf, size_t len)
{
	const struct map *m = pid > 0 ? find_map(s, pid, addr) : NULL;
	const struct elf_file *f;
	const struct sym *sym = NULL;
	const char *module;
	uint64_t off, vaddr = 0;

	if (!m) {
		snprintf(buf, len, "0x%" PRIx64, addr);
		return buf;
	}
	module = strrchr(m->path, '/') ? strrchr(m->path, '/') + 1 : m->path;
	f = find_file(s, pid, m->path);
	off = addr - m->start + m->pgoff;
	for (int i = 0; f && i < f->nsegs; i++)
		if (off >= f->segs[i].offset && off < f->segs[i].offset + f->segs[i].filesz) {
			vaddr = off - f->segs[i].offset + f->segs[i].vaddr;
			sym = table_find(&f->syms, vaddr);
			break;
		}
	if (sym)
		snprintf(buf, len, "%s+0x%" PRIx64 " (%s)", sym->name, vaddr - sym->addr, module);
	else
		snprintf(buf, len, "0x%" PRIx64 " (%s)", addr, module);
	return buf;
}
