# mcrd - multicast relay daemon.  Plain make + pkg-config.
#
#   make            build everything into $(O) (default build/)
#   make check      install missing Debian deps, build, check the source layout
#                   (mk/layout.py), run unit + netns tests
#                   (and every fuzz harness for 20 s, replaying its corpus)
#   make asan       the same tests with ASan+UBSan binaries in build-asan/
#   make valgrind   the daemon under valgrind through the basic relay test
#   make fuzz       libFuzzer harnesses (mk/fuzz.mk); make soak: tests/soak/
#   make demo       relay multicast between network namespaces and show it
#   make bench      relay benchmark (mcrd, kernel, socat, baseline) -> doc/bench/
#                   (BENCH_ARGS=--quick: a 2-minute smoke run; BENCH_OUT=DIR)
#   make install    honours DESTDIR and PREFIX

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DESTDIR    ?=

O          ?= build
CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libmnl liburing libcap libconfig

CFLAGS     ?= -O2 -g
WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wmissing-prototypes \
              -Wstrict-prototypes -Wpointer-arith -Wvla
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS:= $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)
# libmicrohttpd: the metrics process's HTTP server, mcrd only.
MHD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell $(PKG_CONFIG) --libs libmicrohttpd 2>/dev/null)
ALL_CFLAGS := -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) $(MHD_CFLAGS) \
              -DSYSCONFDIR='"$(SYSCONFDIR)"' $(CFLAGS) $(SANFLAGS) -MMD -MP
ALL_LDFLAGS:= $(LDFLAGS) $(SANFLAGS)

LIB_SRCS   := $(wildcard lib/*.c)
MCRD_SRCS  := $(wildcard mcrd/*.c)
MCRCTL_SRCS:= $(wildcard mcrctl/*.c)
TOOL_MAINS := tools/mcrgen.c tools/mcrsink.c tools/mcrrelay-baseline.c
TOOL_SRCS  := $(filter-out $(TOOL_MAINS),$(wildcard tools/*.c))
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)

obj         = $(patsubst %.c,$(O)/obj/%.o,$(1))
LIB_A      := $(O)/libmcr.a
MCRD_CORE  := $(call obj,$(filter-out mcrd/main.c,$(MCRD_SRCS)))
MCRCTL_CORE:= $(call obj,$(filter-out mcrctl/mcrctl.c,$(MCRCTL_SRCS)))
UNIT_BINS  := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))
PROGS      := $(O)/mcrd $(O)/mcrctl $(O)/mcrgen $(O)/mcrsink
BENCH_PROGS:= $(O)/mcrrelay-baseline $(O)/ingress_cmp
BENCH_OUT  ?= doc/bench
BENCH_ARGS ?=

.PHONY: all check layout unit netns asan valgrind soak demo bench install clean deps
.SECONDARY:
all: $(PROGS) $(BENCH_PROGS) $(UNIT_BINS)

deps:
	@sh mk/deps.sh

$(O)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(call obj,$(LIB_SRCS))
	$(AR) rcs $@ $^

$(O)/mcrd: $(call obj,$(MCRD_SRCS)) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MHD_LIBS)

$(O)/mcrctl: $(call obj,$(MCRCTL_SRCS)) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(O)/mcrgen: $(call obj,tools/mcrgen.c $(TOOL_SRCS)) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(O)/mcrsink: $(call obj,tools/mcrsink.c $(TOOL_SRCS)) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# The benchmark's plain recvmmsg/sendmmsg relay: libc only, not installed.
$(O)/mcrrelay-baseline: $(call obj,tools/mcrrelay-baseline.c)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# The ingress measurement (tests/bench/ingress_cmp.sh, which rebuilds it
# with its AF_XDP mode where libxdp is installed): built here so that it
# keeps compiling against lib/ and mcrd/filter.c.
$(O)/obj/tests/bench/ingress_cmp.o: ALL_CFLAGS += -Imcrd
$(O)/ingress_cmp: $(call obj,tests/bench/ingress_cmp.c mcrd/filter.c) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

# Unit tests link the shared library and the programs' objects (not mains).
$(O)/tests/unit/%: $(O)/obj/tests/unit/%.o $(MCRD_CORE) $(MCRCTL_CORE) $(call obj,$(TOOL_SRCS)) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(MHD_LIBS) $(CMOCKA_LIBS) -lm

# The cmocka tests, then the shell ones (TAP: bash completion).
unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "# $$t"; $$t; done
	@set -e; for t in tests/unit/*.sh; do echo "# $$t"; bash $$t; done

netns: $(PROGS)
	MCR_BIN=$(abspath $(O)) prove --exec bash --timer --failures --comments tests/netns/*.t

# The layout doc/ARCHITECTURE.md promises: no mcrd include circle, no file over 700 lines.
layout:
	@python3 mk/layout.py

check: deps
	$(MAKE) all
	$(MAKE) layout
	$(MAKE) unit
	$(MAKE) netns
	$(MAKE) fuzz-smoke

# Every process's sanitizer report goes to a file (mk/sanitizers.sh), and
# any report fails the run, whatever the test itself concluded.
ASAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
asan: deps
	$(MAKE) O=build-asan SANFLAGS="$(ASAN_FLAGS)" all
	MCR_SKIP_PACKAGE=1 MCR_SKIP_BENCH=1 sh mk/sanitizers.sh asan \
		$(MAKE) O=build-asan SANFLAGS="$(ASAN_FLAGS)" unit netns

# Soak under faults (tests/soak/soak.sh, not in CI): the ASan build for
# SOAK_SECONDS (600); summary in $(O)/soak.md, the whole log in $(O)/soak.log.
# ASan's quarantine (freed memory held back to catch use after free, 256 MiB
# by default) is cut to 2 MiB: it would otherwise grow RSS by design.
SOAK_SECONDS ?= 600
soak: deps
	$(MAKE) O=build-asan SANFLAGS="$(ASAN_FLAGS)" all
	@mkdir -p $(O)
	{ MCR_BIN=$(abspath build-asan) SOAK_SECONDS=$(SOAK_SECONDS) \
	  SOAK_OUT=$(abspath $(O))/soak.md MCR_ASAN_EXTRA=quarantine_size_mb=2 \
		sh mk/sanitizers.sh asan bash tests/soak/soak.sh; echo $$? >$(O)/soak.rc; } 2>&1 | \
		tee $(O)/soak.log; exit $$(cat $(O)/soak.rc)

# The daemon (parent and workers) under valgrind memcheck through the basic
# relay test: no memory error and no definite leak in any process.
VALGRIND_TESTS ?= tests/netns/01-relay-rewrite.t
valgrind: deps
	@sh mk/deps.sh valgrind
	$(MAKE) all
	MCR_BIN=$(abspath $(O)) sh mk/sanitizers.sh valgrind \
		prove --exec bash --timer --failures --comments $(VALGRIND_TESTS)

demo: deps
	$(MAKE) all
	MCR_BIN=$(abspath $(O)) bash tests/demo.sh

# Relay benchmark (tests/bench/bench.sh): results into $(BENCH_OUT).
bench: deps
	$(MAKE) $(PROGS) $(BENCH_PROGS)
	MCR_BIN=$(abspath $(O)) BENCH_COMMAND='make bench BENCH_ARGS="$(BENCH_ARGS)" BENCH_OUT=$(BENCH_OUT)' \
		bash tests/bench/bench.sh --out $(BENCH_OUT) $(BENCH_ARGS)

install: $(PROGS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/mcrd
	install -m 0755 $(O)/mcrd $(DESTDIR)$(SBINDIR)/mcrd
	install -m 0755 $(O)/mcrctl $(O)/mcrgen $(O)/mcrsink $(DESTDIR)$(BINDIR)/
	install -m 0644 etc/mcrd.conf $(DESTDIR)$(SYSCONFDIR)/mcrd/mcrd.conf
	install -D -m 0644 etc/bash-completion/mcrctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/mcrctl
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 0644 doc/man/mcrgen.1 doc/man/mcrsink.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 doc/man/mcrd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 doc/man/mcrd.8 doc/man/mcrctl.8 $(DESTDIR)$(MANDIR)/man8/

clean:
	rm -rf build build-asan build-clang

# Manual pages: groff, mandoc and man (as lintian runs it) must all be silent.
MANPAGES := $(wildcard doc/man/*.[158])
.PHONY: man-check deb
man-check:
	@sh mk/deb-deps.sh man
	@set -e; bad=0; for m in $(MANPAGES); do \
		out=$$( { groff -ww -man -z $$m; mandoc -Tlint $$m; \
			LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 \
			man --warnings -E UTF-8 -l -Tutf8 -Z $$m >/dev/null; } 2>&1 ) || true; \
		if [ -n "$$out" ]; then echo "$$out"; bad=1; else echo "ok $$m"; fi; \
	done; exit $$bad

# The Debian package, into $(O)/deb/.  dpkg-buildpackage cleans the tree it
# builds in (make clean) and writes to that tree's parent, so it builds a
# copy of the work tree (uncommitted changes included, what .gitignore
# ignores left out, as in a clone) in $(O)/deb/src.
# MAKEFLAGS is dropped so that this make's variables (O=, SANFLAGS= from
# `make asan`) do not leak into the package build.
deb:
	@sh mk/deb-deps.sh
	rm -rf $(O)/deb
	mkdir -p $(O)/deb/src
	tar -c --exclude-vcs --exclude-vcs-ignores --exclude=./build --exclude='./build-*' \
		--exclude='./$(O)' -f - . | tar -x -C $(O)/deb/src
	cd $(O)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	rm -rf $(O)/deb/src
	@ls -1 $(O)/deb/*.deb

include mk/fuzz.mk

-include $(shell find $(O)/obj -type f -name '*.d' 2>/dev/null)
