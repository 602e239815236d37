# farmlive - build, run, test, bench.
#
#   make            build bin/farmlive-shop (-O2, -Werror)
#   make run        install what is missing, start MariaDB + Redis under var/,
#                   migrate, seed the demo, run the shop in the foreground
#   make up / down  the same stack in the background / stop it
#   make test       install what is missing, run every suite under ASan+UBSan
#                   against throwaway servers
#   make bench      catalogue read vs nginx static vs bare libmicrohttpd
#
# Targets that need packages first run ops/install-deps.sh, then call make
# again so pkg-config sees the freshly installed libraries.

CC      ?= cc
PKGS    := libmicrohttpd libmariadb hiredis jansson libsodium
TPKGS   := cmocka yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
T_CFLAGS   := $(shell pkg-config --cflags $(TPKGS) 2>/dev/null)
T_LIBS     := $(shell pkg-config --libs $(TPKGS) 2>/dev/null)

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
BASE    := -std=c11 -D_GNU_SOURCE -Iinclude $(PKG_CFLAGS) $(WARN) -MMD -MP
CFLAGS_REL := $(BASE) -O2 -g
CFLAGS_SAN := $(BASE) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDLIBS  := $(PKG_LIBS) -lpthread

COMMON_SRC := $(wildcard src/common/*.c)
SHOP_SRC   := $(filter-out src/shop/main.c,$(wildcard src/shop/*.c))
LIB_SRC    := $(COMMON_SRC) $(SHOP_SRC)
REL_OBJ    := $(LIB_SRC:%.c=build/rel/%.o)
SAN_OBJ    := $(LIB_SRC:%.c=build/san/%.o)
UNIT_SRC   := $(wildcard tests/unit/*/test_*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=build/tests/%)

.PHONY: all san units run up down test test-run bench bench-run clean deps migrate format

all: bin/farmlive-shop

deps:
	@ops/install-deps.sh

bin/farmlive-shop: build/rel/src/shop/main.o $(REL_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS_REL) -o $@ $^ $(LDLIBS)

bin/farmlive-shop-san: build/san/src/shop/main.o $(SAN_OBJ)
	@mkdir -p bin
	$(CC) $(CFLAGS_SAN) -o $@ $^ $(LDLIBS)

bin/mhd-static: bench/mhd_static.c
	@mkdir -p bin
	$(CC) $(CFLAGS_REL) -o $@ $< $(LDLIBS)

build/rel/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_REL) -c -o $@ $<

build/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) -c -o $@ $<

# A unit test may #include the .c it tests to reach its statics (as h2o's
# t/00unit does); it links against every other object but that one.
build/tests/%: tests/unit/%.c $(SAN_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_SAN) $(T_CFLAGS) -o $@ $< \
	    $(filter-out $(call included_objs,$<),$(SAN_OBJ)) $(LDLIBS) $(T_LIBS)

# The objects of the src/ files a test #includes ("../../../src/X.c").
included_objs = $(patsubst %,build/san/src/%.o,$(shell sed -n 's|^\#include "\.\./\.\./\.\./src/\(.*\)\.c"|\1|p' $(1)))

san: bin/farmlive-shop-san
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
	bin/farmlive-shop migrate

test: deps
	@$(MAKE) --no-print-directory test-run

test-run: bin/farmlive-shop bin/farmlive-shop-san $(UNIT_BIN)
	@tests/run.sh

bench:
	@ops/install-deps.sh bench
	@$(MAKE) --no-print-directory bench-run

bench-run: bin/farmlive-shop bin/mhd-static
	@ops/bench-stack.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
