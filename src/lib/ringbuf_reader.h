/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A reader of one BPF ring buffer that gives space back to the kernel in
 * batches: libbpf's ring_buffer__consume stores the consumer position after
 * every record, and each store takes the cache line away from the CPUs that
 * are writing events, which read it on every reservation.
 */
#ifndef PROCSNOOP_RINGBUF_READER_H
#define PROCSNOOP_RINGBUF_READER_H

#include <stddef.h>
#include <stdint.h>

/* Called for each record; a negative return ends the pass and is returned by consume. */
typedef int (*ringbuf_record_fn)(void *ctx, void *data, size_t size);

struct ringbuf_reader;

/* Maps the ring buffer of map fd `fd`, of `size` data bytes; NULL with errno set. */
struct ringbuf_reader *ringbuf_reader__new(int fd, uint32_t size, ringbuf_record_fn fn,
					   void *ctx);
/* Hands every complete record to fn; returns their count or fn's negative value. */
int ringbuf_reader__consume(struct ringbuf_reader *r);
/* Bytes written and not yet consumed. */
uint64_t ringbuf_reader__pending(const struct ringbuf_reader *r);
/* The fd to wait on with epoll: readable when records wait. */
int ringbuf_reader__fd(const struct ringbuf_reader *r);
void ringbuf_reader__free(struct ringbuf_reader *r);

#endif
