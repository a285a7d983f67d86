# The fuzz targets (tests/fuzz/): libFuzzer with ASan and UBSan, by clang.
#
#   make fuzz [FUZZ_SECONDS=60]	build, then run each target in turn on a
#				copy of its seeds in build/fuzz/corpus-<t>
#   make fuzz-smoke		build, then run each target over its
#				committed corpus only (a few seconds)
#
# A crash, leak, timeout or sanitizer report fails the target; libFuzzer
# leaves the input in build/fuzz/<target>-crash-<sha1> (or leak-, ...).

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 60
FUZZ_TIMEOUT	?= 10
FUZZ_B		 = $(B)/fuzz
FUZZ_DIR	 = tests/fuzz
FUZZ_TARGETS	 = fuzz_entry fuzz_conf fuzz_http
FUZZ_SAN	 = -fsanitize=fuzzer,address,undefined \
		   -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS	 = $(XCFLAGS) $(EDGE_INC) -g -O1 $(FUZZ_SAN)
FUZZ_DOBJ	 = $(CORE:%=$(FUZZ_B)/obj/core/%.o)
# The clock's walk compares times in loops over every alert instant: the
# comparison tracing, which guides the fuzzer through parsers, made it
# four times slower there for nothing.
FUZZ_NOCMP	 = engine alert window scope sketch
FUZZ_HOBJ	 = $(FUZZ_B)/obj/edge/http.o $(FUZZ_B)/obj/edge/log.o \
		   $(FUZZ_B)/obj/edge/file.o $(FUZZ_B)/obj/edge/wallboard.o
FUZZ_BINS	 = $(FUZZ_TARGETS:%=$(FUZZ_B)/%)
FUZZ_ENV	 = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		   UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_OPTS	 = -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1

.PHONY: fuzz fuzz-build fuzz-smoke

fuzz-build: $(FUZZ_BINS)

$(FUZZ_NOCMP:%=$(FUZZ_B)/obj/core/%.o): FUZZ_CFLAGS += \
    -fno-sanitize-coverage=trace-cmp
$(FUZZ_B)/obj/core/%.o: daemon/core/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_B)/obj/edge/%.o: daemon/edge/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
$(FUZZ_B)/obj/edge/%.o: daemon/edge/%.S
	@mkdir -p $(@D)
	$(FUZZ_CC) -c -o $@ $<
$(FUZZ_B)/obj/edge/wallboard.o: daemon/edge/wallboard.html
$(FUZZ_B)/obj/tests/%.o: $(FUZZ_DIR)/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_B)/fuzz_entry: $(FUZZ_B)/obj/tests/fuzz_entry.o $(FUZZ_DOBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(LIBS)
$(FUZZ_B)/fuzz_conf: $(FUZZ_B)/obj/tests/fuzz_conf.o $(FUZZ_DOBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(LIBS)
$(FUZZ_B)/fuzz_http: $(FUZZ_B)/obj/tests/fuzz_http.o $(FUZZ_DOBJ) \
    $(FUZZ_HOBJ)
	$(FUZZ_CC) $(FUZZ_SAN) -o $@ $^ $(LIBS)

# One target after another, so that they do not share the two cores;
# every one runs, and the make fails if any of them found something.
fuzz: fuzz-build
	@failed=""; for t in $(FUZZ_TARGETS); do \
		c=$(FUZZ_B)/corpus-$$t; s=$(FUZZ_DIR)/corpus/$${t#fuzz_}; \
		d=$(FUZZ_DIR)/$${t#fuzz_}.dict; \
		mkdir -p $$c && cp $$s/* $$c/ || exit 1; \
		echo "== $$t: $(FUZZ_SECONDS) s on $$c"; \
		$(FUZZ_ENV) $(FUZZ_B)/$$t $(FUZZ_OPTS) \
		    -max_total_time=$(FUZZ_SECONDS) \
		    -artifact_prefix=$(FUZZ_B)/$$t- \
		    $$(test -f $$d && echo -dict=$$d) $$c || \
		    failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: found something in:$$failed (see $(FUZZ_B)/)"; \
		exit 1; \
	fi

# Every committed input once, each target in one process; quiet unless
# something fails.
fuzz-smoke: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		log=$(FUZZ_B)/smoke-$$t.log; \
		if $(FUZZ_ENV) $(FUZZ_B)/$$t $(FUZZ_OPTS) \
		    $(FUZZ_DIR)/corpus/$${t#fuzz_}/* >$$log 2>&1; then \
			echo "fuzz-smoke: $$t: $$(grep -c '^Executed ' $$log)" \
			    "inputs, ok"; \
		else \
			cat $$log; echo "fuzz-smoke: $$t failed"; exit 1; \
		fi; \
	done

-include $(wildcard $(FUZZ_B)/obj/*.d $(FUZZ_B)/obj/*/*.d)
