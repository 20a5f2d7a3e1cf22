// SPDX-License-Identifier: GPL-2.0
/* The process collector of the metrics sink: the health of procsnoop itself. */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "lib/metrics_internal.h"

double process_metrics__start_time(void)
{
	char buf[1024], *p;
	unsigned long long start_ticks = 0, btime = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	/* The command name may hold spaces and parentheses: fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				"%*d %*d %*d %*d %llu",
			 &start_ticks) != 1)
		return 0;
	f = fopen("/proc/stat", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	if (f)
		fclose(f);
	return btime + (double)start_ticks / sysconf(_SC_CLK_TCK);
}

void process_metrics__render(struct strbuf *sb, double start_time)
{
	unsigned long long vm_pages = 0, rss_pages = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru;
	struct rlimit rl;
	long fds = 0;
	DIR *d;
	FILE *f;

	getrusage(RUSAGE_SELF, &ru);
	metrics__add_header(sb, "process_cpu_seconds_total", "counter",
			    "Total user and system CPU time spent in seconds.");
	strbuf__addf(sb, "process_cpu_seconds_total %.6f\n",
		     ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &vm_pages, &rss_pages) != 2)
			vm_pages = rss_pages = 0;
		fclose(f);
	}
	metrics__add_gauge(sb, "process_resident_memory_bytes", "Resident memory size in bytes.",
			   (double)rss_pages * page);
	metrics__add_gauge(sb, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
			   (double)vm_pages * page);
	metrics__add_gauge(sb, "process_start_time_seconds",
			   "Start time of the process since unix epoch in seconds.", start_time);
	if ((d = opendir("/proc/self/fd"))) {
		while (readdir(d))
			fds++;
		closedir(d);
		/* ".", ".." and the directory's own descriptor */
		metrics__add_gauge(sb, "process_open_fds", "Number of open file descriptors.", fds - 3);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		metrics__add_gauge(sb, "process_max_fds", "Maximum number of open file descriptors.",
				   (double)rl.rlim_cur);
}
