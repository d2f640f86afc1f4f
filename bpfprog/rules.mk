# Deliberately bad BPF objects (bpfprog/bad/*.bpf.c): they compile, and the
# loader must refuse them with a precise error; inputs of the error tests.
# The pattern rule of the Makefile builds build/bpfprog/bad/<name>.bpf.o.
BPF_BAD_SRCS := $(wildcard bpfprog/bad/*.bpf.c)
BPF_BAD_OBJS := $(patsubst bpfprog/%.bpf.c,$(BUILD)/bpfprog/%.bpf.o,$(BPF_BAD_SRCS))

.PHONY: bpfprog-bad
bpfprog-bad: $(BPF_BAD_OBJS)
TEST_EXTRA_DEPS += $(BPF_BAD_OBJS)
all: $(BPF_BAD_OBJS)
