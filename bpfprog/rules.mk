# Deliberately bad BPF objects (bpfprog/bad/*.bpf.c): they compile, and the
# loader must refuse them with a precise error; inputs of the error tests.
# The pattern rule of the Makefile builds build/bpfprog/bad/<name>.bpf.o.
BPF_BAD_SRCS := $(wildcard bpfprog/bad/*.bpf.c)
BPF_BAD_OBJS := $(patsubst bpfprog/%.bpf.c,$(BUILD)/bpfprog/%.bpf.o,$(BPF_BAD_SRCS))

.PHONY: bpfprog-bad
bpfprog-bad: $(BPF_BAD_OBJS)
TEST_EXTRA_DEPS += $(BPF_BAD_OBJS)
all: $(BPF_BAD_OBJS)

# Objects that need a newer clang than bookworm's default 14: `__arena`
# globals (address_space(1), section .addr_space.1) came with LLVM 18/19,
# as sched_ext's libraries use them. Built with clang-19 (bookworm) into the
# same folder as the others, so tests find them by name.
CLANG19 ?= clang-19
BPF19_SRCS := $(wildcard bpfprog/clang19/*.bpf.c)
BPF19_OBJS := $(patsubst bpfprog/clang19/%.bpf.c,$(BUILD)/bpfprog/%.bpf.o,$(BPF19_SRCS))
$(BUILD)/bpfprog/%.bpf.o: bpfprog/clang19/%.bpf.c $(BUILD)/vmlinux.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG19) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
TEST_EXTRA_DEPS += $(BPF19_OBJS)
all: $(BPF19_OBJS)

# The whole corpus once more with clang-19, for tests/diff: libbpf and
# rawops must agree on what either compiler emits (BTF, relocations, the
# instruction mix of newer LLVM). Not part of `all`: only the tests use them.
BPF_OBJS_CLANG19 := $(patsubst bpfprog/%.bpf.c,$(BUILD)/bpfprog-clang19/%.bpf.o,$(BPF_SRCS))
$(BUILD)/bpfprog-clang19/%.bpf.o: bpfprog/%.bpf.c $(BUILD)/vmlinux.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG19) $(BPF_CFLAGS) -MMD -MP -c $< -o $@
TEST_EXTRA_DEPS += $(BPF_OBJS_CLANG19)
