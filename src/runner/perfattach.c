// SPDX-License-Identifier: GPL-2.0
/*
 * SEC("perf_event") programs: libbpf cannot attach them by themselves, for
 * they need a perf event to run on.  procsnoop opens one per online CPU, a
 * CPU clock sampled --freq times a second (default 49, off the beat of timer
 * ticks), and attaches the program to each; the links close the events.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <sys/syscall.h>
#include "lib/log.h"
#include "runner/runner.h"

/* The CPUs of /sys/devices/system/cpu/online ("0-3,6"), as a bitmap of n; false when unreadable. */
static bool online_cpus(bool *on, int n)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "re");
	char buf[4096], *p, *end;
	bool ok = false;

	memset(on, 0, n * sizeof(*on));
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f)) {
		ok = true;
		for (p = buf; *p && *p != '\n';) {
			long a = strtol(p, &end, 10), b = a;

			if (end == p) {
				ok = false;
				break;
			}
			if (*end == '-')
				b = strtol(end + 1, &end, 10);
			for (long c = a; c <= b && c < n; c++)
				if (c >= 0)
					on[c] = true;
			p = *end == ',' ? end + 1 : end;
		}
	}
	fclose(f);
	return ok;
}

bool perfattach__owns(const struct bpf_program *prog)
{
	return bpf_program__type(prog) == BPF_PROG_TYPE_PERF_EVENT;
}

int perfattach__attach(struct bpf_program *prog, unsigned int freq, struct attach_set *as)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = 1,
		.sample_freq = freq,
	};
	int ncpus = libbpf_num_possible_cpus(), nattached = 0, err;
	bool *on;

	if (ncpus <= 0)
		return -EINVAL;
	on = calloc(ncpus, sizeof(*on));
	if (!on)
		return -ENOMEM;
	if (!online_cpus(on, ncpus))
		for (int c = 0; c < ncpus; c++)
			on[c] = true;
	for (int c = 0; c < ncpus; c++) {
		struct bpf_link *link;
		int fd;

		if (!on[c])
			continue;
		fd = syscall(__NR_perf_event_open, &attr, -1, c, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			err = -errno;

			pr_err("program %s: cannot open a perf event on CPU %d: %s%s",
			       bpf_program__name(prog), c, strerror(-err),
			       err == -EACCES || err == -EPERM
				       ? " (kernel.perf_event_paranoid, or CAP_PERFMON)" : "");
			free(on);
			return err;
		}
		link = bpf_program__attach_perf_event(prog, fd);
		if (!link) {
			err = -errno;

			close(fd);
			pr_err("program %s cannot attach to CPU %d's perf event: %s",
			       bpf_program__name(prog), c, strerror(-err));
			free(on);
			return err;
		}
		err = attach__keep(as, link);
		if (err) {
			free(on);
			return err;
		}
		nattached++;
	}
	free(on);
	fprintf(stderr, "%s: attached %s to a CPU clock on %d CPUs, %u samples a second each\n",
		RUNNER_NAME, bpf_program__name(prog), nattached, freq);
	return 0;
}
