# libFuzzer harnesses (tests/fuzz/): clang, -fsanitize=fuzzer,address,undefined.
# Included from the top-level Makefile; everything is built in $(FUZZ_O)
# (objects in $(FUZZ_O)/fobj, apart from any O=$(FUZZ_O) build's obj/).
#
#   make fuzz        build every harness, run each for FUZZ_SECONDS (300);
#                    new inputs go to $(FUZZ_O)/corpus/NAME (not committed),
#                    crashes to $(FUZZ_O)/artifacts/NAME/
#   make fuzz-smoke  run each for FUZZ_SMOKE_SECONDS (20), then replay the
#                    committed corpus and every past crash (-runs=0): fails
#                    on any crash, leak or sanitizer report
#   make fuzz-build  only build
#   FUZZ_TARGETS="ctl netlink" limits either to some harnesses;
#   FUZZ_ARGS adds libFuzzer options (e.g. -jobs=2, -max_len=65536).

FUZZ_O            ?= build-fuzz
FUZZ_SECONDS      ?= 300
FUZZ_SMOKE_SECONDS?= 20
FUZZ_ARGS         ?=
FUZZ_CC           ?= $(firstword $(shell command -v clang-14 clang 2>/dev/null) clang-14)
FUZZ_NAMES        := packet config ctl mcrctl netlink http redund igmp mld
FUZZ_TARGETS      ?= $(FUZZ_NAMES)
FUZZ_SAN          := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS       := -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -Ilib -Imcrd -Imcrctl $(PKG_CFLAGS) $(MHD_CFLAGS) \
                     -DSYSCONFDIR='"$(SYSCONFDIR)"' -O1 -g $(FUZZ_SAN) -MMD -MP
# Per-input timeout (s) and libFuzzer options shared by every run.
FUZZ_RUN_ARGS     := -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
# Leaks inside libconfig itself are not mcrd's (see the file).
FUZZ_ENV          := LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0

fobj = $(patsubst %.c,$(FUZZ_O)/fobj/%.o,$(1))

FUZZ_LIB     := $(call fobj,$(LIB_SRCS))
# The mcrctl objects a harness links: everything but main, the socket client
# and the output files (tests/fuzz/stub_client.c stands in for both: no
# harness ever connects or writes a file).
FUZZ_MCRCTL  := $(call fobj,$(filter-out mcrctl/mcrctl.c mcrctl/client.c mcrctl/outfile.c,$(MCRCTL_SRCS)) \
                 tests/fuzz/stub_client.c)
FUZZ_BINS    := $(patsubst %,$(FUZZ_O)/fuzz_%,$(FUZZ_NAMES))

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-deps

fuzz-deps:
	@sh mk/deps.sh fuzz

fuzz-build: fuzz-deps
	$(MAKE) $(FUZZ_BINS)

# Instrumented for coverage (fuzzer-no-link); only the harness links libFuzzer.
$(FUZZ_O)/fobj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_O)/fuzz_%: $(FUZZ_O)/fobj/tests/fuzz/fuzz_%.o
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(PKG_LIBS) $(MHD_LIBS)

$(FUZZ_O)/fuzz_packet: $(FUZZ_LIB) $(call fobj,mcrd/frame.c)
$(FUZZ_O)/fuzz_config: $(FUZZ_LIB)
# fuzz_ctl.c includes mcrd/control.c (its static framing and dispatch) and
# links the real request handlers and plan, with stubs for the event loop
# and the pool.
$(FUZZ_O)/fuzz_ctl: $(FUZZ_MCRCTL) $(FUZZ_LIB) $(call fobj,mcrd/requests.c mcrd/links.c \
	mcrd/plan.c mcrd/planin.c mcrd/planout.c mcrd/planstats.c mcrd/counters.c mcrd/iface.c \
	mcrd/slots.c mcrd/tracer.c mcrd/trace.c mcrd/plandemand.c mcrd/reqgroup.c mcrd/querier.c \
	mcrd/members.c mcrd/qsock.c)
# fuzz_mcrctl.c includes mcrctl/mcrctl.c (main renamed) for the option parser.
$(FUZZ_O)/fuzz_mcrctl: $(FUZZ_MCRCTL) $(FUZZ_LIB)
$(FUZZ_O)/fuzz_netlink: $(call fobj,mcrd/netlink.c mcrd/iface.c) $(FUZZ_LIB)
# fuzz_http: the metrics process's HTTP server (libmicrohttpd) over a socket pair.
$(FUZZ_O)/fuzz_http: $(call fobj,mcrd/httpd.c mcrd/expo.c mcrd/metcat.c mcrd/counters.c) $(FUZZ_LIB)
$(FUZZ_O)/fuzz_redund: $(call fobj,mcrd/redund.c) $(FUZZ_LIB)
$(FUZZ_O)/fuzz_igmp: $(FUZZ_LIB)
$(FUZZ_O)/fuzz_mld: $(FUZZ_LIB)

fuzz: fuzz-build
	@set -e; for h in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_O)/corpus/$$h $(FUZZ_O)/artifacts/$$h; \
		echo "# fuzz_$$h for $(FUZZ_SECONDS) s"; \
		$(FUZZ_ENV) $(FUZZ_O)/fuzz_$$h $(FUZZ_RUN_ARGS) -max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(FUZZ_O)/artifacts/$$h/ \
			$$(test -f tests/fuzz/$$h.dict && echo -dict=tests/fuzz/$$h.dict) $(FUZZ_ARGS) \
			$(FUZZ_O)/corpus/$$h tests/fuzz/corpus/$$h; \
	done

fuzz-smoke: fuzz-build
	@set -e; for h in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_O)/smoke/$$h $(FUZZ_O)/artifacts/$$h; \
		echo "# fuzz_$$h: $(FUZZ_SMOKE_SECONDS) s"; \
		$(FUZZ_ENV) $(FUZZ_O)/fuzz_$$h $(FUZZ_RUN_ARGS) -max_total_time=$(FUZZ_SMOKE_SECONDS) \
			-artifact_prefix=$(FUZZ_O)/artifacts/$$h/ \
			$$(test -f tests/fuzz/$$h.dict && echo -dict=tests/fuzz/$$h.dict) $(FUZZ_ARGS) \
			$(FUZZ_O)/smoke/$$h tests/fuzz/corpus/$$h; \
		echo "# fuzz_$$h: replaying tests/fuzz/corpus/$$h tests/fuzz/crashes/$$h"; \
		$(FUZZ_ENV) $(FUZZ_O)/fuzz_$$h $(FUZZ_RUN_ARGS) -runs=0 \
			-artifact_prefix=$(FUZZ_O)/artifacts/$$h/ \
			tests/fuzz/corpus/$$h tests/fuzz/crashes/$$h; \
	done

-include $(shell find $(FUZZ_O)/fobj -type f -name '*.d' 2>/dev/null)
