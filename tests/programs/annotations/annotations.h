/* SPDX-License-Identifier: GPL-2.0 */
#ifndef ANNOTATIONS_H
#define ANNOTATIONS_H

/* The first struct of the header: without @export below, the event type. */
struct sig_key {
	unsigned int sig;
};

/// @export
struct sig_event {
	unsigned int sender;
	int sig;
	char comm[16];
};

#endif
