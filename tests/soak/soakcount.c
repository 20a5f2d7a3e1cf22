// SPDX-License-Identifier: GPL-2.0
/*
 * soakcount FILE [BUCKET_NS]: follows a file procsnoop writes JSON lines to
 * and counts its records per type and time bucket, as fast as procsnoop
 * writes them (hundreds of thousands a second).  What it has read it frees
 * with FALLOC_FL_PUNCH_HOLE, so a soak of hours keeps its output a regular
 * file without filling the disk.  On SIGTERM or SIGINT it reads to the end of
 * the file and prints:
 *
 *   D TYPE BUCKET COUNT        events by the bucket of their ts_ns
 *   L TYPE BUCKET COUNT WHERE  lost records by the bucket of their report
 *   T LINES BYTES BAD          totals; BAD: lines that are no record
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTYPES 4
#define MAX_BUCKETS (1 << 17)
#define PUNCH_EVERY (64u << 20)

static const char *const types[NTYPES] = { "sig", "open", "exec", "exit" };

struct counts {
	uint64_t delivered[NTYPES][MAX_BUCKETS];
	uint64_t lost[2][NTYPES][MAX_BUCKETS]; /* kernel, user */
};

static volatile sig_atomic_t stop;
static void on_stop(int sig) { stop = 1; }

static uint64_t base_bucket = UINT64_MAX, bucket_ns = 1000000000ull;
static uint64_t lines, bad, bytes;

static int type_index(const char *s, size_t n)
{
	for (int i = 0; i < NTYPES; i++)
		if (strlen(types[i]) == n && memcmp(types[i], s, n) == 0)
			return i;
	return -1;
}

/* The string value of "key":"..." in the line, or NULL. */
static const char *str_field(const char *line, const char *key, size_t *len)
{
	const char *p = strstr(line, key), *q;

	if (!p)
		return NULL;
	p += strlen(key);
	q = strchr(p, '"');
	if (!q)
		return NULL;
	*len = q - p;
	return p;
}

static int num_field(const char *line, const char *key, uint64_t *v)
{
	const char *p = strstr(line, key);
	char *end;

	if (!p)
		return -1;
	*v = strtoull(p + strlen(key), &end, 10);
	return end == p + strlen(key) ? -1 : 0;
}

static long bucket_of(uint64_t ts)
{
	uint64_t b = ts / bucket_ns;

	if (base_bucket == UINT64_MAX)
		base_bucket = b > 2 ? b - 2 : 0; /* lost reports and events can precede */
	if (b < base_bucket || b - base_bucket >= MAX_BUCKETS)
		return -1;
	return (long)(b - base_bucket);
}

static void count_line(struct counts *c, const char *line)
{
	const char *t, *w;
	size_t tl, wl;
	uint64_t ts, n;
	long b;
	int ti;

	lines++;
	t = str_field(line, "{\"type\":\"", &tl);
	if (!t || num_field(line, "\"ts_ns\":", &ts)) {
		bad++;
		return;
	}
	if (tl == 4 && memcmp(t, "lost", 4) == 0) {
		t = str_field(line, "\"lost_type\":\"", &tl);
		w = str_field(line, "\"where\":\"", &wl);
		if (!t || !w || num_field(line, "\"count\":", &n) || (ti = type_index(t, tl)) < 0 ||
		    (b = bucket_of(ts)) < 0) {
			bad++;
			return;
		}
		c->lost[wl == 4 && memcmp(w, "user", 4) == 0][ti][b] += n;
		return;
	}
	if ((ti = type_index(t, tl)) < 0 || (b = bucket_of(ts)) < 0) {
		bad++;
		return;
	}
	c->delivered[ti][b]++;
}

static void report(const struct counts *c)
{
	for (int t = 0; t < NTYPES; t++)
		for (long b = 0; b < MAX_BUCKETS; b++) {
			if (c->delivered[t][b])
				printf("D %s %llu %llu\n", types[t],
				       (unsigned long long)(b + base_bucket),
				       (unsigned long long)c->delivered[t][b]);
			for (int w = 0; w < 2; w++)
				if (c->lost[w][t][b])
					printf("L %s %llu %llu %s\n", types[t],
					       (unsigned long long)(b + base_bucket),
					       (unsigned long long)c->lost[w][t][b],
					       w ? "user" : "kernel");
		}
	printf("T %llu %llu %llu\n", (unsigned long long)lines, (unsigned long long)bytes,
	       (unsigned long long)bad);
}

int main(int argc, char **argv)
{
	static char buf[1 << 20];
	static char line[1 << 16];
	struct counts *c;
	size_t have = 0;
	off_t punched = 0;
	bool draining = false;
	int fd;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: soakcount FILE [BUCKET_NS]\n");
		return 2;
	}
	if (argc == 3 && !(bucket_ns = strtoull(argv[2], NULL, 10))) {
		fprintf(stderr, "soakcount: invalid bucket '%s'\n", argv[2]);
		return 2;
	}
	fd = open(argv[1], O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "soakcount: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "soakcount: read: %s\n", strerror(errno));
			return 1;
		}
		if (n == 0) {
			if (draining)
				break;
			if (stop)
				draining = true; /* one more read after the stop: then the end */
			else
				usleep(20000);
			continue;
		}
		bytes += n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (have < sizeof(line) - 1)
					line[have++] = buf[i];
				continue;
			}
			line[have] = 0;
			count_line(c, line);
			have = 0;
		}
		if ((off_t)bytes - punched >= PUNCH_EVERY) {
			off_t upto = (off_t)bytes & ~((off_t)PUNCH_EVERY - 1);

			if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, punched,
				      upto - punched) == 0)
				punched = upto;
		}
	}
	if (have)
		bad++; /* a last line without its newline */
	report(c);
	return 0;
}
