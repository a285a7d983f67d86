# replytimed: live response-time metrics for support teams.

PREFIX	?= /usr/local
DESTDIR	?=
BINDIR	?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR	?= $(PREFIX)/lib/systemd/system
MANDIR	?= $(PREFIX)/share/man
VERSION	 = 0.1.0
TORTURE_FUZZ_SECONDS ?= 30

CC	?= cc
PKGS	 = libevent hiredis jansson
TPKGS	 = criterion

WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wcast-qual -Werror
CFLAGS	?= -O2 -g -flto=auto
XCFLAGS	 = -std=c11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(WARN)
# The core sees only its own headers, so an edge header in a core file
# does not compile; the edge, the tests and the tools see both.
CORE_INC = -Iinclude/core
EDGE_INC = -Iinclude/core -Iinclude/edge
LIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
TLIBS	 = $(shell pkg-config --libs $(TPKGS) 2>/dev/null)
SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all \
	   -fno-omit-frame-pointer

# daemon/core: the pure engine, no libevent, no hiredis, no clock, no
# files.  daemon/edge: the I/O around it; main.c stays out of the tests.
CORE	 = xmalloc loglevel metrics sketch window entry conf hash table reorder \
	   scope conv engine snapshot sid alert route prom resp secret
EDGE	 = log now file notify arena redis outbox output ingest http \
	   wallboard stats reload
TESTS	 = $(patsubst tests/%.c,%,$(wildcard tests/test_*.c)) main
# tests/lib: the tests' helpers, real modules linked into the runner; the
# tools take the PRNG, the clocks and the browser driver from there.
TLIB	 = $(patsubst tests/lib/%.c,%,$(wildcard tests/lib/*.c))
TLIB_INC = -Itests/lib

B	 = build
COBJ	 = $(CORE:%=$(B)/obj/core/%.o)
EOBJ	 = $(COBJ) $(EDGE:%=$(B)/obj/edge/%.o)
DOBJ	 = $(B)/obj/edge/main.o
TOBJ	 = $(TESTS:%=$(B)/obj/tests/%.o)
SEOBJ	 = $(CORE:%=$(B)/asan/core/%.o) $(EDGE:%=$(B)/asan/edge/%.o)
STOBJ	 = $(TESTS:%=$(B)/asan/tests/%.o)
TLOBJ	 = $(TLIB:%=$(B)/obj/tests/lib/%.o)
STLOBJ	 = $(TLIB:%=$(B)/asan/tests/lib/%.o)
TLDIR	 = $(B)/obj/tests/lib

# promtool (prometheus) checks /metrics; chromium renders the wallboard;
# clang and its runtime build the fuzzers; valgrind for make valgrind;
# mandoc lints the manual pages and man-db renders them (make man-lint);
# systemd-analyze rates the unit's sandbox (make test-install).
DEB_PKGS = build-essential pkg-config libevent-dev libhiredis-dev \
	   libjansson-dev libcriterion-dev redis-server prometheus chromium \
	   clang libclang-rt-14-dev valgrind mandoc man-db systemd

.PHONY: all deps check test test-asan bench clean valgrind torture demo screenshot \
	install uninstall test-install layering man-lint
all: $(B)/replytimed $(B)/replytime-gen

$(B)/replytimed: $(EOBJ) $(DOBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(B)/obj/core/%.o: daemon/core/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CORE_INC) $(CFLAGS) -MMD -MP -c -o $@ $<
$(B)/obj/edge/%.o: daemon/edge/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) $(CFLAGS) -MMD -MP -c -o $@ $<
$(B)/obj/edge/%.o: daemon/edge/%.S
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<
$(B)/obj/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) $(CFLAGS) -Itests $(TLIB_INC) -MMD -MP \
	    -c -o $@ $<
$(B)/obj/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) $(CFLAGS) $(TLIB_INC) -MMD -MP -c -o $@ $<
$(B)/asan/core/%.o: daemon/core/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(CORE_INC) -O1 -g $(SAN) -MMD -MP -c -o $@ $<
$(B)/asan/edge/%.o: daemon/edge/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) -O1 -g $(SAN) -MMD -MP -c -o $@ $<
$(B)/asan/edge/%.o: daemon/edge/%.S
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<
$(B)/asan/tests/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) -O1 -g $(SAN) -Itests $(TLIB_INC) -MMD \
	    -MP -c -o $@ $<
$(B)/asan/tests/lib/%.o: tests/lib/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) -O1 -g $(SAN) $(TLIB_INC) -MMD -MP -c \
	    -o $@ $<

# The page is embedded by the assembler's .incbin.
$(B)/obj/edge/wallboard.o $(B)/asan/edge/wallboard.o: daemon/edge/wallboard.html

# The boundary holds: every core file compiles with the core's headers
# alone (the build does that), no edge header can be reached from there,
# and no core file names a library or call that does I/O or reads a clock.
CORE_BANNED = event2/|hiredis|<time\.h>|<sys/time\.h>|<unistd\.h>|<fcntl\.h>|<sys/socket\.h>|\<(fopen|open|read|write|clock_gettime|gettimeofday|time)\(
layering:
	@for h in include/edge/*.h; do \
		if printf '#include "%s"\n' $${h##*/} | $(CC) $(XCFLAGS) \
		    $(CORE_INC) -fsyntax-only -x c - 2>/dev/null; then \
			echo "layering: $$h is reachable from the core"; \
			exit 1; \
		fi; \
	done
	@if grep -nE '$(CORE_BANNED)' daemon/core/*.c include/core/*.h; then \
		echo "layering: I/O or a clock in the core (above)"; exit 1; \
	fi
	@if grep -n '_impl\.h"' daemon/edge/*.c include/edge/*.h; then \
		echo "layering: the edge reads a core module's state (above)"; \
		exit 1; \
	fi
	@echo "layering: $(words $(CORE)) core modules, no edge header reachable, no I/O"

# The manual pages: mandoc finds no warning in either, man-db's groff
# renders them with no undefined macro (where man is installed), and
# tools/man-check.sh finds them in agreement with the code (config keys,
# defaults and bounds, options, signals, routes, streams, figures), then
# proves on broken copies that it would notice if they were not.
MANPAGES = daemon/replytimed.8 conf/replytimed.json.5
man-lint:
	@command -v mandoc >/dev/null || \
	    { echo "man-lint: mandoc is missing: make deps"; exit 1; }
	@for p in $(MANPAGES); do \
		mandoc -Tlint -Wwarning $$p || \
		    { echo "man-lint: $$p: mandoc warnings (above)"; exit 1; }; \
		if command -v man >/dev/null; then \
			err=$$(MANWIDTH=80 MANROFFOPT=-wmac man -l $$p \
			    2>&1 >/dev/null); \
			if [ -n "$$err" ]; then echo "$$err"; \
				echo "man-lint: $$p: man -l complains (above)"; \
				exit 1; fi; \
		fi; \
	done
	@tools/man-check.sh
	@tools/man-check.sh --self-test
	@echo "man-lint: $(words $(MANPAGES)) pages, no warnings"

$(B)/tests: $(EOBJ) $(TOBJ) $(TLOBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS) $(TLIBS)
$(B)/tests-asan: $(SEOBJ) $(STOBJ) $(STLOBJ)
	$(CC) -g $(SAN) -o $@ $^ $(LIBS) $(TLIBS)
# The daemon under the sanitizers, for the integration tests' second run.
$(B)/replytimed-asan: $(SEOBJ) $(B)/asan/edge/main.o
	$(CC) -g $(SAN) -o $@ $^ $(LIBS)

# Installs the Debian packages the build and the tests need.
deps:
	@missing=""; for p in $(DEB_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
		    grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
		echo "make deps: installing$$missing"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive \
		    apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "make deps: missing$$missing; run:"; \
		echo "  sudo apt-get update && sudo apt-get install -y$$missing"; \
		exit 1; \
	fi

test: deps
	@$(MAKE) --no-print-directory $(B)/tests $(B)/replytimed \
	    $(B)/replytime-gen
	$(B)/tests --jobs 2

test-asan: deps
	@$(MAKE) --no-print-directory $(B)/tests-asan $(B)/replytimed-asan \
	    $(B)/replytime-gen
	REPLYTIMED_BIN=$(B)/replytimed-asan \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1 $(B)/tests-asan --jobs 2

check: deps
	@$(MAKE) --no-print-directory layering man-lint all test test-asan \
	    test-install fuzz-smoke

# The wallboard on live generated traffic; Ctrl-C stops it all.
demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo.sh

# The README's picture of the wallboard, made from the demo.
screenshot: deps
	@$(MAKE) --no-print-directory all
	@DEMO_SCREENSHOT=tools/wallboard.png tools/demo.sh

# The binary, the traffic generator, the unit (pointing at BINDIR and
# SYSCONFDIR), the manual pages (the daemon's naming UNITDIR) and, unless
# already there, the config and an empty password file.  An operator's
# edited config is never overwritten.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/replytimed $(DESTDIR)$(MANDIR)/man8 \
	    $(DESTDIR)$(MANDIR)/man5
	install -m 0755 $(B)/replytimed $(DESTDIR)$(BINDIR)/replytimed
	install -m 0755 $(B)/replytime-gen $(DESTDIR)$(BINDIR)/replytime-gen
	sed -e 's|/usr/local/bin/|$(BINDIR)/|' \
	    -e 's|/etc/replytimed/|$(SYSCONFDIR)/replytimed/|g' \
	    systemd/replytimed.service > $(B)/replytimed.service
	install -m 0644 $(B)/replytimed.service \
	    $(DESTDIR)$(UNITDIR)/replytimed.service
	sed -e 's|/usr/local/lib/systemd/system/|$(UNITDIR)/|' \
	    daemon/replytimed.8 > $(B)/replytimed.8
	install -m 0644 $(B)/replytimed.8 $(DESTDIR)$(MANDIR)/man8/replytimed.8
	install -m 0644 conf/replytimed.json.5 \
	    $(DESTDIR)$(MANDIR)/man5/replytimed.json.5
	@cf=$(DESTDIR)$(SYSCONFDIR)/replytimed/replytimed.json; \
	if [ -e $$cf ]; then echo "keeping $$cf"; \
	else install -m 0644 conf/replytimed.json $$cf; fi
	@pw=$(DESTDIR)$(SYSCONFDIR)/replytimed/redis-password; \
	[ -e $$pw ] || install -m 0600 /dev/null $$pw

# Removes what install put there; the config only if it was not edited,
# the password file only if it is empty.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/replytimed $(DESTDIR)$(BINDIR)/replytime-gen \
	    $(DESTDIR)$(UNITDIR)/replytimed.service \
	    $(DESTDIR)$(MANDIR)/man8/replytimed.8 \
	    $(DESTDIR)$(MANDIR)/man5/replytimed.json.5
	@d=$(DESTDIR)$(SYSCONFDIR)/replytimed; \
	if cmp -s $$d/replytimed.json conf/replytimed.json; then \
		rm -f $$d/replytimed.json; fi; \
	if [ -e $$d/redis-password ] && [ ! -s $$d/redis-password ]; then \
		rm -f $$d/redis-password; fi; \
	rmdir $$d 2>/dev/null || echo "kept $$d (edited files in it)"

# make install into a temporary DESTDIR, the installed binary checks the
# installed config, make uninstall leaves nothing behind.
test-install: all
	@tools/test-install.sh

# The integration suites with the daemon under valgrind's memcheck: each
# daemon run leaves a report in build/valgrind, empty when clean.  The
# two longest backlogs are left to the sanitizer run: under valgrind
# they take minutes each.
VG_TESTS = '@(daemon|web)/!(kill_and_restart|sigterm_during_rebuild)'
valgrind: deps
	@$(MAKE) --no-print-directory $(B)/tests $(B)/replytimed
	rm -rf $(B)/valgrind && mkdir -p $(B)/valgrind
	REPLYTIMED_BIN=tools/valgrind-daemon.sh VG_DIR=$(B)/valgrind \
	REPLYTIMED_TIME_SCALE=5 $(B)/tests --jobs 2 --filter $(VG_TESTS)
	@bad=$$(find $(B)/valgrind -name '*.log' -size +0); \
	if [ -n "$$bad" ]; then cat $$bad; \
		echo "valgrind: errors in $$bad"; exit 1; fi; \
	echo "valgrind: $$(ls $(B)/valgrind | wc -l) daemon runs, no errors"

# What takes minutes rather than seconds: Redis frozen for 10 s, the
# daemon under valgrind, the flood (checked), and each fuzzer for a while.
torture: deps
	@$(MAKE) --no-print-directory $(B)/tests $(B)/replytimed $(B)/flood
	REPLYTIMED_TORTURE=1 $(B)/tests --filter 'daemon/redis_paused'
	@$(MAKE) --no-print-directory valgrind
	FLOOD_NO_BUILD=1 FLOOD_CHECK=1 tools/bench-flood.sh
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(TORTURE_FUZZ_SECONDS)

$(B)/bench: $(EOBJ) $(B)/obj/tools/bench.o $(TLDIR)/prng.o $(TLDIR)/clock.o
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)
$(B)/obj/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	$(CC) $(XCFLAGS) $(EDGE_INC) $(CFLAGS) $(TLIB_INC) -MMD -MP -c -o $@ $<

# The engine alone, then the whole path through a private redis-server.
bench: deps
	@$(MAKE) --no-print-directory $(B)/bench $(B)/replytimed \
	    $(B)/nullconsumer $(B)/replytime-gen $(B)/flood \
	    $(B)/bench-wallboard >&2
	@$(B)/bench
	@E2E_NO_BUILD=1 tools/bench-e2e.sh
	@FLOOD_NO_BUILD=1 tools/bench-flood.sh
	@WB_NO_BUILD=1 tools/bench-wallboard.sh

clean:
	rm -rf $(B)

include tests/fuzz/fuzz.mk

-include $(wildcard $(B)/obj/*/*.d $(B)/asan/*/*.d $(B)/obj/*/*/*.d \
    $(B)/asan/*/*/*.d)

# The end-to-end benchmark (tools/bench-e2e.sh), the flood and the tools.
HLIBS	 = $(shell pkg-config --libs hiredis 2>/dev/null) -lm
$(B)/nullconsumer: $(B)/obj/tools/nullconsumer.o $(TLDIR)/clock.o \
    $(B)/obj/edge/now.o
	$(CC) $(CFLAGS) -o $@ $^ $(HLIBS)
# The wallboard in a browser (tools/bench-wallboard.sh).
$(B)/bench-wallboard: $(B)/obj/tools/bench-wallboard.o $(TLDIR)/cdp.o \
    $(TLDIR)/clock.o $(B)/obj/edge/now.o
	$(CC) $(CFLAGS) -o $@ $^ $(shell pkg-config --libs jansson 2>/dev/null)
# The traffic generator (tools/replytime-gen.c), with the core's RESP
# encoder and password file parser.
$(B)/replytime-gen: $(B)/obj/tools/replytime-gen.o $(B)/obj/core/resp.o \
    $(B)/obj/core/secret.o $(B)/obj/core/xmalloc.o $(TLDIR)/prng.o \
    $(TLDIR)/clock.o $(B)/obj/edge/now.o
	$(CC) $(CFLAGS) -o $@ $^ $(HLIBS)

.PHONY: tools bench-e2e
tools: $(B)/nullconsumer $(B)/replytime-gen $(B)/flood $(B)/bench-wallboard

bench-e2e: deps
	@$(MAKE) --no-print-directory $(B)/replytimed $(B)/nullconsumer \
	    $(B)/replytime-gen
	@E2E_NO_BUILD=1 tools/bench-e2e.sh
$(B)/flood: $(B)/obj/tools/flood.o $(TLDIR)/clock.o $(B)/obj/edge/now.o
	$(CC) $(CFLAGS) -o $@ $^ $(HLIBS) -lpthread
