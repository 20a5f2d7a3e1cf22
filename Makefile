# procsnoop — one Makefile, out-of-tree build in $(BUILD).
#
#   make            build build/procsnoop; stops naming any Debian package missing
#   make deps       install the Debian packages that are missing (as root)
#   make run        install what is missing, build, then trace everything
#   make test       install what is missing, build, run every test, print "N passed, N failed"
#   make bench      overhead / throughput / loss benchmark
#   make soak       stress-ng under every tracer for SOAK_SECONDS, nothing lost unseen
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (nightly), seeded from fuzz/corpus
#   make install    the binary, man pages and completion under $(DESTDIR)$(PREFIX)
#   make V=1        print the commands, not one short line a step

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
SBINDIR  ?= $(PREFIX)/sbin
MANDIR   ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# zsh reads the packages' completion in /usr/share/zsh/vendor-completions, and local ones in
# /usr/local/share/zsh/site-functions.
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/$(if $(filter /usr,$(PREFIX)),vendor-completions,site-functions)
CC       ?= cc
CLANG    ?= clang
BPFTOOL  ?= bpftool
SAN      ?=

# Debian packages: what a build needs, then what the tests, benchmarks and fuzzers add.
BUILD_PKGS := clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config \
	make gcc libc6-dev scdoc
DEPS_PKGS  := $(BUILD_PKGS) python3 valgrind stress-ng util-linux libclang-rt-dev \
	qemu-system-x86 busybox-static debian-archive-keyring groff-base zsh podman runc \
	iproute2

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/' \
	-e 's/ppc64le/powerpc/' -e 's/s390x/s390/' -e 's/riscv64/riscv/')

# CFLAGS, LDFLAGS and LDLIBS are the user's (make CFLAGS=-O0); what the build needs is in
# the PROCSNOOP_ variables, used next to them in every rule.
CFLAGS   ?= -O2 -g
PROCSNOOP_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -D_GNU_SOURCE -MMD -MP \
	-Isrc -I$(BUILD)
# The fuzzers' builds of the runtime and the runner: clang, with their sanitizers.
FUZZ_CFLAGS ?= -g -O1
PROCSNOOP_FUZZ_CFLAGS := $(PROCSNOOP_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined
PROCSNOOP_LDFLAGS :=
# libbpf, libelf and zlib linked in: the binary must not need the host's libbpf (Debian 11
# ships 0.3, without libbpf.so.1); with them, the C library is all it loads at run time.
# STATIC_LIBS=bpf (debian/rules) links only libbpf in: Debian wants no copy of libelf and zlib,
# which every Debian release ships with the same soname.
STATIC_LIBS ?= bpf elf z
PROCSNOOP_LDLIBS := -Wl,-Bstatic $(addprefix -l,$(STATIC_LIBS)) -Wl,-Bdynamic \
	$(addprefix -l,$(filter-out $(STATIC_LIBS),bpf elf z)) -lpthread
# One parse of the kernel's BTF for all the objects a session loads (src/lib/kernel_btf.h).
PROCSNOOP_BTF_WRAP := -Wl,--wrap=btf__load_vmlinux_btf,--wrap=btf__free
PROCSNOOP_LDLIBS += $(PROCSNOOP_BTF_WRAP)
ifneq ($(SAN),)
PROCSNOOP_CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
PROCSNOOP_LDFLAGS += -fsanitize=address,undefined
endif

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Wno-unused-function -MMD -MP -Isrc -Isrc/bpf -I$(BUILD)

BPF_SRCS  := $(wildcard src/bpf/*.bpf.c)
BPF_OBJS  := $(patsubst src/bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS     := $(patsubst src/bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

# Layers: src/lib is the runtime (libprocsnoop.a), src/runner `procsnoop run` (librunner.a,
# on top of the runtime); the tracers and main.c are linked as objects.
LIB_SRCS    := $(wildcard src/lib/*.c)
TRACER_SRCS := $(wildcard src/tracers/*.c)
RUNNER_SRCS := $(wildcard src/runner/*.c)
APP_SRCS    := src/main.c src/version.c src/follow.c $(TRACER_SRCS)
UNIT_SRCS   := $(wildcard tests/unit/*.c)
ACTOR_SRCS  := $(wildcard tests/e2e/*.c)
ACTORS      := $(patsubst tests/e2e/%.c,$(BUILD)/tests/%,$(ACTOR_SRCS)) $(BUILD)/tests/soakcount
BENCH_SRCS  := $(wildcard bench/*.c)
BENCH_BINS  := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIB_OBJS    := $(call obj,$(LIB_SRCS))
RUNNER_OBJS := $(call obj,$(RUNNER_SRCS))
APP_OBJS    := $(call obj,$(APP_SRCS))
# The halves of the tracers that need no BPF object (their options and records): the unit
# tests link them too.
RECORD_OBJS := $(call obj,$(wildcard src/tracers/*_record.c))
UNIT_OBJS   := $(call obj,$(UNIT_SRCS))
LIBPROCSNOOP := $(BUILD)/libprocsnoop.a
LIBRUNNER    := $(BUILD)/librunner.a

# make deps, run, test, bench, soak, fuzz and test-kernels install the missing packages
# before anything else runs: every rule waits for DEPS_READY.  Any other goal (make, make
# install) installs nothing: it names the missing build packages and stops.
# DEPS_CHECK=no (debian/rules) checks nothing: dpkg-buildpackage checked the Build-Depends.
DEPS_STAMP := $(BUILD)/.deps-installed
INSTALL_GOALS := deps run test test-kernels bench soak fuzz
ifeq ($(DEPS_CHECK),no)
DEPS_READY :=
else ifneq ($(filter $(INSTALL_GOALS),$(MAKECMDGOALS)),)
DEPS_READY := $(DEPS_STAMP)
else
DEPS_READY := deps-check
endif

# One short line a step; make V=1 prints the commands.
V ?= 0
ifeq ($(V),1)
Q   :=
msg :=
else
Q   := @
msg  = @printf '  %-7s %s\n' '$(1)' '$(2)'
endif

# A recipe that fails leaves no target behind that a later make would take as done.
.DELETE_ON_ERROR:

# Keep the BPF objects between the sources and the skeletons (a bare .SECONDARY: would
# also let a missing archive or object pass unnoticed).
.SECONDARY: $(BPF_OBJS)
.PHONY: all man deps run test unit-bin bench fuzz soak install clean test-fresh-root
.PHONY: test-kernels deps-check deb test-package FORCE
all: $(BUILD)/procsnoop man

deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/install-deps.sh Makefile
	@mkdir -p $(@D)
	@scripts/install-deps.sh $(DEPS_PKGS)
	@touch $@

deps-check:
	@scripts/install-deps.sh --check $(BUILD_PKGS)

$(filter-out deps,$(INSTALL_GOALS)): | $(DEPS_STAMP)

# vmlinux.h follows the kernel's BTF by content (the mtimes of sysfs files say nothing): the
# stamp, checked on every make, is rewritten only when the checksum changes.
KERNEL_BTF := /sys/kernel/btf/vmlinux
BTF_STAMP  := $(BUILD)/vmlinux.btf.sha256
$(BTF_STAMP): FORCE | $(DEPS_READY)
	@mkdir -p $(@D)
	$(Q)sum=$$(sha256sum < $(KERNEL_BTF)) || { \
		echo "procsnoop: cannot read $(KERNEL_BTF): the kernel has no BTF" >&2; exit 1; }; \
	if [ "$$sum" != "$$(cat $@ 2>/dev/null)" ]; then echo "$$sum" > $@; fi

$(BUILD)/vmlinux.h: $(BTF_STAMP) | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: src/bpf/%.bpf.c $(BUILD)/vmlinux.h | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,BPF,$<)
	$(Q)$(CLANG) $(BPF_CFLAGS) -MF $(@:.o=.d) -MT $@ -c $< -o $@.tmp.o
	$(Q)$(BPFTOOL) gen object $@ $@.tmp.o && rm -f $@.tmp.o

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# The version (debian/changelog's) and the git description of the tree, as a header that is
# rewritten only when they change (a commit, a new release, a tree that became dirty).
VERSION := $(shell scripts/version.sh)
$(BUILD)/version-info.h: FORCE
	@mkdir -p $(@D)
	$(Q)scripts/version.sh --header > $@.tmp && \
		if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(call obj,src/version.c): $(BUILD)/version-info.h

# Application objects may include any skeleton.
$(filter-out $(RECORD_OBJS),$(APP_OBJS)): | $(SKELS)

$(BUILD)/obj/%.o: %.c | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) $(PROCSNOOP_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# rm first: ar would keep the members of sources that are gone.
$(LIBPROCSNOOP): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(LIBRUNNER): $(RUNNER_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Archives after the objects that use them, the runner's before the runtime it uses.
$(BUILD)/procsnoop: $(APP_OBJS) $(LIBRUNNER) $(LIBPROCSNOOP)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROCSNOOP_LDFLAGS) $(LDFLAGS) $^ $(PROCSNOOP_LDLIBS) $(LDLIBS) -o $@

# Man pages: man/NAME.8.scd to roff with scdoc.  scdoc's own .nh comes before .TH, which turns
# hyphenation back on: an option cut at a hyphen reads as another one.
MAN_SRCS := $(wildcard man/*.scd)
MANPAGES := $(patsubst man/%.scd,$(BUILD)/man/%,$(MAN_SRCS))
man: $(MANPAGES)
$(BUILD)/man/%: man/%.scd | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,SCDOC,$<)
	$(Q)scdoc < $< > $@.tmp && sed -e '/^\.TH /a .nh' $@.tmp > $@ && rm -f $@.tmp

$(BUILD)/unit-tests: $(UNIT_OBJS) $(RECORD_OBJS) $(LIBRUNNER) $(LIBPROCSNOOP)
	$(call msg,LD,$@)
	$(Q)$(CC) $(PROCSNOOP_LDFLAGS) $(LDFLAGS) $^ $(PROCSNOOP_LDLIBS) $(LDLIBS) -o $@

unit-bin: $(BUILD)/unit-tests

# Workload generators of the benchmarks.
$(BUILD)/bench/%: bench/%.c | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -O2 -g -std=gnu11 -Wall -Werror -D_GNU_SOURCE $< -o $@ -lpthread

# Small programs the end-to-end tests run to cause known syscalls.
$(BUILD)/tests/%: tests/e2e/%.c | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -O1 -g -std=gnu11 -Wall -Werror -D_GNU_SOURCE $< -o $@ -lpthread

$(BUILD)/tests/soakcount: tests/soak/soakcount.c | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -O2 -g -std=gnu11 -Wall -Werror -D_GNU_SOURCE $< -o $@

# The kernel matrix (tests/kernels): the guest has no libc, so its actor is static; the seeds
# `procsnoop run` loads there are compiled as the runner compiles them (src/runner/compile.c),
# against this host's vmlinux.h (CO-RE relocates them to each guest kernel).
KERNEL_DEPS := $(BUILD)/procsnoop $(BUILD)/tests/guest_actor \
	$(BUILD)/kernels/seed000.bpf.o $(BUILD)/kernels/seed001.bpf.o \
	$(BUILD)/kernels/tc.bpf.o $(BUILD)/kernels/xdp.bpf.o $(BUILD)/kernels/ids.bpf.o \
	$(BUILD)/kernels/profile.bpf.o
$(BUILD)/tests/guest_actor: tests/kernels/guest_actor.c | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,CC,$<)
	$(Q)$(CC) -static -O1 -g -std=gnu11 -Wall -Werror -D_GNU_SOURCE $< -o $@

$(BUILD)/kernels/%.bpf.o: tests/programs/%/sigsnoop.bpf.c $(BUILD)/vmlinux.h | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,BPF,$<)
	$(Q)$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -fno-color-diagnostics -Wno-everything \
		-I$(<D) -I$(BUILD) -c $< -o $@

$(BUILD)/kernels/%.bpf.o: tests/programs/net/%.bpf.c $(BUILD)/vmlinux.h | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,BPF,$<)
	$(Q)$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -fno-color-diagnostics -Wno-everything \
		-I$(<D) -I$(BUILD) -c $< -o $@

# Programs procsnoop run --build compiles here and the guests run without clang: ids.bpf.o,
# whose records carry their writer's cgroup id, and profile.bpf.o, a perf_event program
# with stacks and ecli's @intepreter.
$(BUILD)/kernels/ids.bpf.o: tests/programs/ids/ids.bpf.c
$(BUILD)/kernels/profile.bpf.o: tests/programs/profile/profile.bpf.c
$(BUILD)/kernels/ids.bpf.o $(BUILD)/kernels/profile.bpf.o: $(BUILD)/procsnoop | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,BUILD,$(filter %.bpf.c,$^))
	$(Q)$(BUILD)/procsnoop run --build $(filter %.bpf.c,$^) -O $@ 2>$@.log || \
		{ cat $@.log; exit 1; }

# libFuzzer targets of the parsers of untrusted input (procsnoop run, the exporter's requests);
# make test runs them briefly.
FUZZ_SRCS := $(wildcard fuzz/*.c)
FUZZERS   := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
fuzzobj    = $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(1))
FUZZ_LIBS := $(BUILD)/fuzz/librunner.a $(BUILD)/fuzz/libprocsnoop.a

$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_READY)
	@mkdir -p $(@D)
	$(call msg,FUZZCC,$<)
	$(Q)$(CLANG) $(PROCSNOOP_FUZZ_CFLAGS) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/libprocsnoop.a: $(call fuzzobj,$(LIB_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/fuzz/librunner.a: $(call fuzzobj,$(RUNNER_SRCS))
	$(call msg,AR,$@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(FUZZERS): $(BUILD)/fuzz/%: $(BUILD)/fuzz/obj/fuzz/%.o $(FUZZ_LIBS)
	$(call msg,LD,$@)
	$(Q)$(CLANG) -fsanitize=fuzzer,address,undefined $^ -o $@ -lbpf -lelf -lz $(PROCSNOOP_BTF_WRAP)

# Each target in turn, FUZZ_SECONDS each.  New inputs go to $(BUILD)/fuzz-corpus-NAME (kept
# between runs), never into fuzz/corpus/NAME, which only seeds; a crash, leak or timeout
# stops here with the input's path.  fuzz/make-corpus.sh regenerates fuzz/corpus.
FUZZ_SECONDS ?= 600
fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do \
		name=$${f##*/fuzz_}; work=$(BUILD)/fuzz-corpus-$$name; art=$(BUILD)/fuzz-crashes/$$name-; \
		mkdir -p $$work $(BUILD)/fuzz-crashes; \
		echo "fuzz: $$name for $(FUZZ_SECONDS)s, seeds fuzz/corpus/$$name, new inputs $$work"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$$art $$work fuzz/corpus/$$name \
			2>$(BUILD)/fuzz-$$name.log; rc=$$?; \
		grep -E '^(stat::|#[0-9]+ +DONE|Done [0-9]+ runs)' $(BUILD)/fuzz-$$name.log; \
		if [ $$rc -ne 0 ]; then \
			tail -n 60 $(BUILD)/fuzz-$$name.log; \
			echo "fuzz: $$name FAILED (exit $$rc): input in $$(ls -t $$art* 2>/dev/null | head -n 1), log $(BUILD)/fuzz-$$name.log"; \
			exit 1; \
		fi; \
	done

run: $(BUILD)/procsnoop
	$(BUILD)/procsnoop

# Unit tests, the same under ASan+UBSan, the end-to-end tests as root, then some of them
# again against the ASan+UBSan build.
test: $(BUILD)/procsnoop $(MANPAGES) $(BUILD)/unit-tests $(ACTORS) $(FUZZERS) $(KERNEL_DEPS)
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 unit-bin all >/dev/null
	@BUILD=$(BUILD) TESTS=$(TESTS) python3 tests/run.py

# Only the kernel matrix: each of Debian's kernels under qemu (KERNEL=6.1 for one of them).
test-kernels: $(KERNEL_DEPS)
	@BUILD=$(BUILD) TESTS=$(TESTS) python3 tests/kernels/matrix.py $(if $(KERNEL),--kernel $(KERNEL))

# stress-ng at full speed for SOAK_SECONDS under every tracer, checked against a kernel-side
# count; SOAK_BUFFER_SIZE makes the ring buffer small on purpose.
SOAK_SECONDS ?= 600
soak: $(BUILD)/procsnoop $(BUILD)/tests/soakcount
	@BUILD=$(BUILD) python3 tests/soak/soak.py --seconds $(SOAK_SECONDS) \
		$(if $(SOAK_BUFFER_SIZE),--buffer-size $(SOAK_BUFFER_SIZE)) --report $(BUILD)/soak-report.json

# .ci/run in a chroot of a new Debian 12 minbase root, on a clone of HEAD (tests/fresh-root.sh
# --help; FRESH_ROOT_ARGS="--patch my.diff --tests NAME ..."): does make test install all it needs?
test-fresh-root:
	@tests/fresh-root.sh $(FRESH_ROOT_ARGS)

bench: $(BUILD)/procsnoop $(BENCH_BINS)
	@BUILD=$(BUILD) BENCH=$(BENCH) bench/run.sh

# The binary in sbin (its man pages are in section 8), the man pages, and the completion
# where bash-completion and zsh look for it.
install: $(BUILD)/procsnoop $(MANPAGES)
	$(call msg,INSTALL,$(DESTDIR)$(SBINDIR)/procsnoop)
	$(Q)install -D -m 0755 $(BUILD)/procsnoop $(DESTDIR)$(SBINDIR)/procsnoop
	$(call msg,INSTALL,$(DESTDIR)$(MANDIR)/man8)
	$(Q)install -d $(DESTDIR)$(MANDIR)/man8 && install -m 0644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man8/
	$(call msg,INSTALL,$(DESTDIR)$(BASHCOMPDIR)/procsnoop)
	$(Q)install -D -m 0644 completion/procsnoop.bash $(DESTDIR)$(BASHCOMPDIR)/procsnoop
	$(call msg,INSTALL,$(DESTDIR)$(ZSHCOMPDIR)/_procsnoop)
	$(Q)install -D -m 0644 completion/procsnoop.zsh $(DESTDIR)$(ZSHCOMPDIR)/_procsnoop

# The Debian package (debian/): what building it needs is installed first (apt-get, as root);
# dpkg-buildpackage writes beside the tree, and the package, its debug symbols, .buildinfo and
# .changes are moved to $(BUILD)/deb; lintian must find no error there.
DEB_PKGS := $(BUILD_PKGS) debhelper dpkg-dev lintian
DEB_ARCH = $(shell dpkg --print-architecture)
DEB_NAME = procsnoop_$(shell scripts/version.sh --debian)_$(DEB_ARCH)
DEB_OUT  := $(BUILD)/deb
deb:
	@scripts/install-deps.sh $(DEB_PKGS)
	@rm -rf $(DEB_OUT) && mkdir -p $(DEB_OUT)
	dpkg-buildpackage -us -uc -b
	@mv ../$(DEB_NAME).deb ../$(DEB_NAME).buildinfo ../$(DEB_NAME).changes $(DEB_OUT)/
	@mv ../$(subst procsnoop_,procsnoop-dbgsym_,$(DEB_NAME)).*deb $(DEB_OUT)/ 2>/dev/null || true
	lintian --fail-on error $(DEB_OUT)/$(DEB_NAME).changes
	@echo "deb: $(DEB_OUT)/$(DEB_NAME).deb"

# The package on a machine that never saw the project: a fresh Debian 12 minbase root (cached;
# tests/package-root.sh --help).  Not part of make test.
test-package: deb
	@tests/package-root.sh $(DEB_OUT)/$(DEB_NAME).deb

# Also what a package build leaves in debian/ (debian/rules clean does the same with dh_clean).
clean:
	rm -rf $(BUILD)
	rm -rf debian/build debian/procsnoop debian/.debhelper debian/tmp debian/files \
		debian/debhelper-build-stamp debian/*.substvars debian/*.debhelper \
		debian/*.debhelper.log debian/procsnoop.service

FORCE:

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
