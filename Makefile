# farmlive - build, run, test, bench.
#
#   make            build bin/farmlive-shop and bin/farmlive-relay (-O2, -Werror)
#                   and the pages' assets (ops/build-web.sh -> build/web)
#   make run        install what is missing, start MariaDB + Redis under var/,
#                   migrate, seed the demo, run the shop and the relay in the
#                   foreground; Ctrl-C stops everything
#   make up / down  the same stack in the background / stop it
#   make test       install what is missing, run every suite under ASan+UBSan
#                   against throwaway servers
#   make bench      every benchmark, each beside its reference
#
# Targets that need packages first run ops/install-deps.sh, then call make
# again so pkg-config sees the freshly installed libraries.
# B= and BIN= move the object and binary folders (parallel work trees).

CC      ?= cc
B       ?= build
BIN     ?= bin
PKGS    := libmicrohttpd libmariadb hiredis jansson libsodium libqrencode libpng zlib vips liburing
RPKGS   := libmicrohttpd jansson libsodium libavformat libavcodec libavutil libswscale libcurl srt
TPKGS   := cmocka yaml-0.1 libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(RPKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
R_LIBS     := $(shell pkg-config --libs $(RPKGS) 2>/dev/null)
T_CFLAGS   := $(shell pkg-config --cflags $(TPKGS) 2>/dev/null)
T_LIBS     := $(shell pkg-config --libs $(TPKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
BASE    := -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) $(WARN) -MMD -MP
CFLAGS_REL := $(BASE) -O2 -g
CFLAGS_SAN := $(BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# for programs compiled and linked in one step (no dependency files beside them)
CFLAGS_ONE := $(filter-out -MMD -MP,$(CFLAGS_REL))
LDLIBS  := $(PKG_LIBS) $(R_LIBS) -lpthread -lm

COMMON_SRC := $(wildcard src/common/*.c)
# the shop's layers (README "Layout"): core, rt, domain, api, pages
SHOP_SRC   := $(wildcard $(addsuffix /*.c,$(addprefix src/shop/,core rt domain api pages)))
RELAY_SRC  := $(filter-out src/relay/main.c,$(wildcard src/relay/*.c))
# The shop links common + shop objects, the relay common + relay objects, so
# neither program's build depends on the other's sources.
SHOP_REL   := $(COMMON_SRC:%.c=$(B)/rel/%.o) $(SHOP_SRC:%.c=$(B)/rel/%.o)
SHOP_SAN   := $(COMMON_SRC:%.c=$(B)/san/%.o) $(SHOP_SRC:%.c=$(B)/san/%.o)
RELAY_REL  := $(COMMON_SRC:%.c=$(B)/rel/%.o) $(RELAY_SRC:%.c=$(B)/rel/%.o)
RELAY_SAN  := $(COMMON_SRC:%.c=$(B)/san/%.o) $(RELAY_SRC:%.c=$(B)/san/%.o)
UNIT_SRC   := $(wildcard tests/unit/*/test_*.c tests/unit/*/*/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC   := $(wildcard tools/*.c)
TOOL_BIN   := $(TOOL_SRC:tools/%.c=$(BIN)/%)
RELAY_BINS := $(if $(wildcard src/relay/main.c),$(BIN)/farmlive-relay,)
RELAY_SANB := $(if $(wildcard src/relay/main.c),$(BIN)/farmlive-relay-san,)

export B BIN

.PHONY: all san units run up down test test-run bench bench-run clean deps migrate format format-check fuzz web

all: $(BIN)/farmlive-shop $(RELAY_BINS) $(TOOL_BIN) $(B)/web/manifest.json

# The pages' scripts and styles, bundled by esbuild from npm (locked) with
# their content hash in their names; rebuilt when a source under src/web
# changes. `make web` forces it.
WEB_SRC := $(filter-out src/web/node_modules/%,$(shell find src/web -type f -not -path 'src/web/node_modules/*' 2>/dev/null))
$(B)/web/manifest.json: $(WEB_SRC) ops/build-web.sh
	@ops/build-web.sh $(B)/web
web:
	@ops/build-web.sh $(B)/web

deps:
	@ops/install-deps.sh

$(BIN)/farmlive-shop: $(B)/rel/src/shop/main.o $(SHOP_REL)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_REL) -o $@ $^ $(LDLIBS)

$(BIN)/farmlive-shop-san: $(B)/san/src/shop/main.o $(SHOP_SAN)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_SAN) -o $@ $^ $(LDLIBS)

$(BIN)/farmlive-relay: $(B)/rel/src/relay/main.o $(RELAY_REL)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_REL) -o $@ $^ $(LDLIBS)

$(BIN)/farmlive-relay-san: $(B)/san/src/relay/main.o $(RELAY_SAN)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_SAN) -o $@ $^ $(LDLIBS)

# Small command-line tools (tools/NAME.c -> bin/NAME), linked with the shop's objects.
$(BIN)/%: tools/%.c $(SHOP_REL)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_ONE) -o $@ $^ $(LDLIBS)

$(BIN)/mhd-static: bench/mhd_static.c
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_ONE) -o $@ $< $(LDLIBS)

$(BIN)/bench-%: bench/%.c $(SHOP_REL) $(RELAY_SRC:%.c=$(B)/rel/%.o)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS_ONE) -o $@ $^ $(LDLIBS)

$(B)/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -c -o $@ $<

# A unit test may #include the .c it tests to reach its statics (as h2o's
# t/00unit does; tests/unit/ mirrors src/ folder for folder); it links against every other object of its program but
# that one (tests/unit/relay/ with the relay's, the others with the shop's).
$(B)/tests/relay/%: tests/unit/relay/%.c $(RELAY_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) $(T_CFLAGS) -o $@ $< \
	    $(filter-out $(call included_objs,$<),$(RELAY_SAN)) $(LDLIBS) $(T_LIBS)

$(B)/tests/%: tests/unit/%.c $(SHOP_SAN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) $(T_CFLAGS) -o $@ $< \
	    $(filter-out $(call included_objs,$<),$(SHOP_SAN)) $(LDLIBS) $(T_LIBS)

# The objects of the src/ files a test #includes ("../../../src/X.c").
included_objs = $(patsubst %,$(B)/san/src/%.o,$(shell sed -n 's|^\#include "\(\.\./\)*src/\(.*\)\.c"|\2|p' $(1)))

san: $(BIN)/farmlive-shop-san $(RELAY_SANB)
units: $(UNIT_BIN)

run: deps
	@$(MAKE) --no-print-directory all
	@ops/run.sh foreground

up: deps
	@$(MAKE) --no-print-directory all
	@ops/run.sh background

down:
	@ops/run.sh stop

migrate: all
	$(BIN)/farmlive-shop migrate

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: format-check all san $(UNIT_BIN)
	@BUILD_DIR=$(B) BIN_DIR=$(BIN) tests/run.sh

bench:
	@ops/install-deps.sh bench
	@$(MAKE) --no-print-directory bench-run

bench-run: all $(BIN)/mhd-static $(BIN)/bench-trace_verify $(BIN)/bench-flash_load $(BIN)/bench-flv_load \
           $(BIN)/bench-sse_load $(BIN)/bench-rt_publish $(BIN)/bench-ingest_load
	@BIN_DIR=$(BIN) ops/bench-stack.sh

# The C sources in .clang-format's style; format-check (run by make test)
# fails naming the files that are not.
FORMAT_FILES = $$(git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@bad=$$(for f in $(FORMAT_FILES); do clang-format --dry-run -Werror "$$f" >/dev/null 2>&1 || echo "$$f"; done); \
	if [ -n "$$bad" ]; then echo "not in .clang-format's style (make format):"; echo "$$bad"; exit 1; fi; \
	echo "format-check: every C file is in .clang-format's style"

clean:
	rm -rf $(B) $(BIN)

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- relay ingest test builds: fuzzers and the rtmp_push tool ---------------
# libFuzzer harnesses tests/fuzz/fuzz_*.c -> $(B)/fuzz/fuzz_*, built with
# clang -fsanitize=fuzzer,address,undefined from just the codec they cover
# (plus the allocator). tests/integration/relay_fuzz.sh runs each
# for a bounded time over tests/fuzz/corpus/. `make fuzz` builds them.
FUZZ_CC    ?= clang
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -Iinclude $(WARN) -g -O1 -fno-omit-frame-pointer \
              -fsanitize=fuzzer,address,undefined
FUZZ_DEPS  := src/common/alloc.c

$(B)/fuzz/fuzz_handshake: tests/fuzz/fuzz_handshake.c src/relay/rtmp_handshake.c
$(B)/fuzz/fuzz_chunk: tests/fuzz/fuzz_chunk.c src/relay/rtmp_chunk.c $(FUZZ_DEPS)
$(B)/fuzz/fuzz_amf0: tests/fuzz/fuzz_amf0.c src/relay/amf0.c $(FUZZ_DEPS)
$(B)/fuzz/fuzz_%:
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^

fuzz: $(B)/fuzz/fuzz_handshake $(B)/fuzz/fuzz_chunk $(B)/fuzz/fuzz_amf0
test-run: fuzz

# A tiny hostile RTMP publisher for tests/integration/relay_ingest.sh.
$(B)/tools/rtmp_push: tests/tools/rtmp_push.c src/relay/rtmp_chunk.c src/relay/amf0.c src/common/alloc.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -o $@ $^
test-run: $(B)/tools/rtmp_push
