# rawops: BPF struct_ops loader with raw bpf() calls. `make help` lists targets.
#
# Out-of-tree build in build/, incremental (compiler-generated .d files),
# safe with -j. Missing Debian packages are installed by tests/deps.sh the
# first time anything is built.

SHELL := /bin/bash
.DEFAULT_GOAL := all
.DELETE_ON_ERROR:

BUILD    ?= build
CXX      := g++
CLANG    ?= clang
ARCH     := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CXXFLAGS ?= -O2 -g
# Each function and object in its own section, so that static links drop what
# they never call (--gc-sections below): the bench's rawops_load went from
# 2.8 to 2.2 MB of text, and text is most of a load's resident memory.
CXXFLAGS += -std=c++20 -Wall -Wextra -Werror -I. -MMD -MP -ffunction-sections -fdata-sections
STATIC_LDFLAGS := -static -Wl,--gc-sections
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
              -I$(BUILD) -Ibpfprog -Wall -Werror

# --- dependencies -----------------------------------------------------------
# Order-only prerequisite of every compile step: installs what is missing once.
DEPS_STAMP := $(BUILD)/.deps-stamp
$(DEPS_STAMP): tests/deps.sh
	@mkdir -p $(@D)
	tests/deps.sh
	@touch $@

# Packages only the tests use (oracles such as bpftool): installed by `make test`.
TEST_DEPS_STAMP := $(BUILD)/.deps-test-stamp
$(TEST_DEPS_STAMP): tests/deps.sh | $(DEPS_STAMP)
	tests/deps.sh test
	@touch $@

# --- library and CLI --------------------------------------------------------
LIB_SRCS := $(wildcard btf/*.cpp loader/*.cpp loader/elf/*.cpp loader/sys/*.cpp \
                       loader/reloc/*.cpp loader/struct_ops/*.cpp loader/plan/*.cpp)
CLI_SRCS := $(wildcard loader/cli/*.cpp)
LIB      := $(BUILD)/librawops.a
CLI      := $(BUILD)/rawops

obj = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(1))

$(BUILD)/obj/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -c $< -o $@

$(LIB): $(call obj,$(LIB_SRCS))
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

# The CLI is static: it must run in an initramfs with nothing else present.
$(CLI): $(call obj,$(CLI_SRCS)) $(LIB)
	$(CXX) $(STATIC_LDFLAGS) -o $@ $(call obj,$(CLI_SRCS)) $(LIB)

# --- BPF objects ------------------------------------------------------------
BPF_SRCS := $(wildcard bpfprog/*.bpf.c)
BPF_OBJS := $(patsubst bpfprog/%.bpf.c,$(BUILD)/bpfprog/%.bpf.o,$(BPF_SRCS))

# Generated from the running kernel by our own C printer, never committed.
# Redone whenever the CLI is relinked (0.1 s), but vmlinux.h is replaced only
# when its text changes, so library edits do not rebuild every BPF object.
VMLINUX_STAMP := $(BUILD)/.vmlinux-h-stamp
VMLINUX_DUMP = $(CLI) btf dump vmlinux --format c > $(BUILD)/vmlinux.h.tmp
$(VMLINUX_STAMP): $(CLI)
	@mkdir -p $(@D)
	$(VMLINUX_DUMP)
	cmp -s $(BUILD)/vmlinux.h.tmp $(BUILD)/vmlinux.h && rm $(BUILD)/vmlinux.h.tmp || mv $(BUILD)/vmlinux.h.tmp $(BUILD)/vmlinux.h
	@touch $@
$(BUILD)/vmlinux.h: $(VMLINUX_STAMP)
	@test -f $@ || { $(VMLINUX_DUMP) && mv $@.tmp $@; }

$(BUILD)/bpfprog/%.bpf.o: bpfprog/%.bpf.c $(BUILD)/vmlinux.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

# --- test suites ------------------------------------------------------------
# Every folder tests/<suite>/ with .cpp files becomes one doctest binary
# build/tests/<suite>, linked with the shared main and the library. libelf is
# linked only here: it is the oracle our ELF reader is checked against.
TEST_COMMON := $(call obj,$(wildcard tests/common/*.cpp))
DOCTEST_SUITES := $(foreach d,unit btf host diff,$(if $(wildcard tests/$(d)/*.cpp),$(d)))

define doctest_suite
$(BUILD)/tests/$(1): $(call obj,$(wildcard tests/$(1)/*.cpp)) $(TEST_COMMON) $(LIB)
	@mkdir -p $$(@D)
	$(CXX) -o $$@ $$^ -lelf -lz
endef
$(foreach s,$(DOCTEST_SUITES),$(eval $(call doctest_suite,$(s))))

# Shell suites: tests/<suite>/run.sh (black-box tests of the CLI, guest tests).
SCRIPT_SUITES := $(wildcard tests/cli/run.sh tests/demo_output.sh tests/cli/show.sh tests/docs/run.sh tests/diff/run.sh tests/vm/run.sh tests/vm73/run.sh)
SUITES := $(addprefix $(BUILD)/tests/,$(DOCTEST_SUITES)) $(SCRIPT_SUITES)

# Extra rules of a subsystem (fuzzers, benchmarks, the VM harness, kmod) live
# beside it in a fragment so this file stays a table of contents.
-include $(sort $(wildcard tests/*/rules.mk kmod/rules.mk bpfprog/rules.mk))

# --- top-level targets ------------------------------------------------------
.PHONY: all test bench fuzz vm-test demo docs clean help

all: $(LIB) $(CLI) $(BPF_OBJS)

test: all $(addprefix $(BUILD)/tests/,$(DOCTEST_SUITES)) $(TEST_EXTRA_DEPS) $(TEST_DEPS_STAMP)
	tests/run_suites.sh $(SUITES)

bench: all $(BENCH_DEPS)
	@if [ -x tests/bench/run.sh ]; then tests/bench/run.sh; \
	 else echo "make bench: no benchmarks yet"; fi

fuzz: $(FUZZ_DEPS)
	@if [ -x tests/fuzz/run.sh ]; then tests/fuzz/run.sh; \
	 else echo "make fuzz: no fuzz targets yet"; fi

vm-test: all $(VM_DEPS)
	tests/run_suites.sh tests/vm/run.sh tests/vm73/run.sh

# demo.sh runs `make all` itself, to log the compiler lines (build/demo.log).
demo:
	@MAKE='$(MAKE)' tests/demo.sh

# Refreshes the real rawops output docs/abi.md embeds (root: it loads
# tcp_cc.bpf.o); `make test` checks it is current (tests/docs/run.sh).
docs: all
	tests/docs/abi_output.sh

clean:
	rm -rf $(BUILD)

help:
	@echo "rawops make targets:"
	@echo "  all      library build/librawops.a, static CLI build/rawops, BPF objects build/bpfprog/*.bpf.o"
	@echo "  demo     build everything and run the demo scenario (see README)"
	@echo "  test     build and run every test suite; ends with 'N passed, M failed'"
	@echo "  bench    benchmarks side by side with libbpf, reported as ratios"
	@echo "  diff     OBJ=x.o: load it with libbpf 1.4.6 and with rawops, compare what the kernel holds"
	@echo "  fuzz     build and run the libFuzzer targets for a short time each"
	@echo "  vm-test  only the guest tests: Debian 6.12 (kernel module) and 7.3 (sched_ext) under qemu"
	@echo "  docs     refresh the rawops output embedded in docs/abi.md (root)"
	@echo "  clean    remove build/"
	@echo "  help     this list"

-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)
