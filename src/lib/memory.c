// SPDX-License-Identifier: GPL-2.0
/* The memory parts that grow (memory.h). */
#include <malloc.h>
#include <stdatomic.h>
#include "lib/memory.h"

static _Atomic int64_t parts[MEMORY_PARTS];

void memory__account(enum memory_part part, int64_t delta)
{
	atomic_fetch_add_explicit(&parts[part], delta, memory_order_relaxed);
}

uint64_t memory__part(enum memory_part part)
{
	int64_t v = atomic_load_explicit(&parts[part], memory_order_relaxed);

	return v > 0 ? (uint64_t)v : 0;
}

uint64_t memory__heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}
