// SPDX-License-Identifier: GPL-2.0
/*
 * The ring buffer's layout (kernel/bpf/ringbuf.c): a page with the consumer
 * position, which this process may write; a page with the producer position;
 * then the data pages, mapped twice in a row so that a record that wraps is
 * still contiguous.  Each record starts with an 8-byte header: its length
 * with a busy bit (still being written) and a discard bit, then the offset of
 * its page.  Records are 8-byte aligned.
 *
 * The consumer position is stored once per RINGBUF_GIVE_BACK bytes and at the
 * end of a pass, not after every record: a writer reads it on every
 * reservation, and each store moves its cache line away from the writers.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "lib/ringbuf_reader.h"

/* Small enough that a full buffer gets space back well before the pass ends. */
#define RINGBUF_GIVE_BACK (64u << 10)

struct ringbuf_reader {
	int fd;
	uint32_t mask;
	size_t page;
	unsigned long *consumer_pos;
	const unsigned long *producer_pos;
	const uint8_t *data;
	ringbuf_record_fn fn;
	void *ctx;
};

struct ringbuf_reader *ringbuf_reader__new(int fd, uint32_t size, ringbuf_record_fn fn,
					   void *ctx)
{
	struct ringbuf_reader *r;
	void *cons, *prod;

	if (!size || (size & (size - 1))) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fd = fd;
	r->mask = size - 1;
	r->page = sysconf(_SC_PAGESIZE);
	r->fn = fn;
	r->ctx = ctx;
	cons = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (cons == MAP_FAILED)
		goto fail;
	r->consumer_pos = cons;
	/* The kernel allows only reading from here on, the data twice over. */
	prod = mmap(NULL, r->page + 2 * (size_t)size, PROT_READ, MAP_SHARED, fd, r->page);
	if (prod == MAP_FAILED)
		goto fail;
	r->producer_pos = prod;
	r->data = (const uint8_t *)prod + r->page;
	return r;
fail:
	ringbuf_reader__free(r);
	return NULL;
}

static uint32_t record_bytes(uint32_t len)
{
	len &= ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	return (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;
}

int ringbuf_reader__consume(struct ringbuf_reader *r)
{
	unsigned long cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	unsigned long given = cons, prod;
	int n = 0, err = 0;

	while ((prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE)) != cons) {
		while (cons < prod) {
			const uint8_t *rec = r->data + (cons & r->mask);
			uint32_t len = __atomic_load_n((const uint32_t *)rec, __ATOMIC_ACQUIRE);

			if (len & BPF_RINGBUF_BUSY_BIT)
				goto out;
			cons += record_bytes(len);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				n++;
				err = r->fn ? r->fn(r->ctx, (void *)(rec + BPF_RINGBUF_HDR_SZ), len) : 0;
				if (err < 0)
					goto out;
			}
			if (cons - given >= RINGBUF_GIVE_BACK) {
				__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
				given = cons;
			}
		}
	}
out:
	if (cons != given)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return err < 0 ? err : n;
}

uint64_t ringbuf_reader__pending(const struct ringbuf_reader *r)
{
	/* The consumer's first: both only grow, so the difference is never negative. */
	unsigned long c = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE);
	unsigned long p = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);

	return p - c;
}

int ringbuf_reader__fd(const struct ringbuf_reader *r)
{
	return r->fd;
}

void ringbuf_reader__free(struct ringbuf_reader *r)
{
	if (!r)
		return;
	if (r->consumer_pos)
		munmap(r->consumer_pos, r->page);
	if (r->producer_pos)
		munmap((void *)r->producer_pos, r->page + 2 * ((size_t)r->mask + 1));
	free(r);
}
