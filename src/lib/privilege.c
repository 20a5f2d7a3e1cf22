// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/privilege.h"

int privilege__parse_user(const char *text, struct run_as *out, const char **why)
{
	struct passwd *pw = NULL;
	uint32_t uid;

	if (parse__uid(text, &uid, why))
		return -EINVAL;
	pw = getpwuid(uid);
	memset(out, 0, sizeof(*out));
	out->set = true;
	out->uid = uid;
	/* A bare number without a passwd entry runs with the same number as group. */
	out->gid = pw ? pw->pw_gid : uid;
	snprintf(out->name, sizeof(out->name), "%s", pw ? pw->pw_name : text);
	return 0;
}

int privilege__drop(const struct run_as *user)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	int err;

	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* Needs CAP_SETPCAP, which a start with fewer capabilities lacks: best effort. */
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;
	if (user && user->set) {
		if (setgroups(0, NULL) || setresgid(user->gid, user->gid, user->gid) ||
		    setresuid(user->uid, user->uid, user->uid)) {
			err = -errno;
			pr_err("cannot switch to user %s: %s", user->name, strerror(errno));
			return err;
		}
	}
	if (syscall(SYS_capset, &hdr, data)) {
		err = -errno;
		pr_err("cannot drop capabilities: %s", strerror(errno));
		return err;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	return 0;
}
