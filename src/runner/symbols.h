/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Names for the addresses of stack traces: kernel addresses from
 * /proc/kallsyms (read once, on the first one), user addresses from the
 * ELF symbol tables (.symtab, else .dynsym) of the files a process maps
 * (/proc/PID/maps, read again when an address falls outside what was read;
 * the file through /proc/PID/root, so a container's own).  Both are cached:
 * a few processes' maps and a few files' symbols.
 */
#ifndef PROCSNOOP_SYMBOLS_H
#define PROCSNOOP_SYMBOLS_H

#include <stddef.h>
#include <stdint.h>

struct symbols;

struct symbols *symbols__new(void);
void symbols__free(struct symbols *s);
/* "function+0xOFF" of a kernel address, else "0xADDR"; written to buf. */
const char *symbols__kernel(struct symbols *s, uint64_t addr, char *buf, size_t len);
/*
 * "function+0xOFF (module)" of an address in process pid, "0xADDR (module)"
 * when its file has no symbol there, else "0xADDR"; written to buf.
 */
const char *symbols__user(struct symbols *s, int pid, uint64_t addr, char *buf, size_t len);

#endif
