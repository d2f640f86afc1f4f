# tests/diff: the same object loaded by libbpf 1.4.6 and by rawops, and what
# the kernel holds after each load compared (tests/diff/README.md). libbpf
# comes from bookworm-backports through tests/fetch_debs.sh, linked
# statically, test-only (never in rawops). Both holders are linked with
# --wrap=syscall/--wrap=close so that hold/capture.c sees every bpf() call.
DIFF_DIR  := $(BUILD)/diff
DIFF_WRAP := -Wl,--wrap=syscall -Wl,--wrap=close -Wl,--wrap=dup2 -Wl,--wrap=dup3

$(DIFF_DIR)/capture.o: tests/diff/hold/capture.c tests/diff/hold/capture.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -c -o $@ $<

$(DIFF_DIR)/libbpf_hold: tests/diff/hold/libbpf_hold.c tests/common/scx_prepare.c tests/common/scx_prepare.h \
                         $(DIFF_DIR)/capture.o $(LIBBPF_A)
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -static -I$(LIBBPF_ROOT)/usr/include -Itests/diff/hold -Itests/common -o $@ $< \
	  tests/common/scx_prepare.c $(DIFF_DIR)/capture.o \
	  $(LIBBPF_A) -lelf -lz $(DIFF_WRAP)

$(DIFF_DIR)/rawops_hold: tests/diff/hold/rawops_hold.cpp $(DIFF_DIR)/capture.o $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -static -o $@ $< $(DIFF_DIR)/capture.o $(LIB) $(DIFF_WRAP)

$(DIFF_DIR)/kstate: tests/diff/kstate/kstate.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -static -o $@ $< $(LIB)

# Static, all three: the guests (tests/vm, tests/vm73) run them in a busybox
# initramfs with tests/diff/guest_diff.sh.
DIFF_TOOLS := $(DIFF_DIR)/libbpf_hold $(DIFF_DIR)/rawops_hold $(DIFF_DIR)/kstate
TEST_EXTRA_DEPS += $(DIFF_TOOLS)
VM_DEPS += $(DIFF_TOOLS)

# make diff OBJ=path.o [TARGET_BTF=path/vmlinux]: one object, both loaders.
.PHONY: diff
diff: $(DIFF_TOOLS)
	@[ -n "$(OBJ)" ] || { echo "usage: make diff OBJ=path.o [TARGET_BTF=dir/vmlinux]"; exit 2; }
	tests/diff/diff_one.sh $(OBJ) $(TARGET_BTF)

# The CO-RE table (tests/diff/core/): local programs relocated by both
# loaders against a hand-made target, whose BTF is the .BTF section of
# core_target.c. clang-19 because TYPE_MATCHES needs LLVM >= 15.
CORE_DIR := $(DIFF_DIR)/core
$(CORE_DIR)/core_cases.bpf.o: tests/diff/core/core_cases.bpf.c $(BUILD)/vmlinux.h | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG19) $(BPF_CFLAGS) -c $< -o $@

# Named vmlinux: rawops reads a kernel BTF folder (<dir>/vmlinux).
$(CORE_DIR)/target/vmlinux: tests/diff/core/core_target.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG19) -g -O2 -target bpf -c $< -o $(CORE_DIR)/core_target.o
	llvm-objcopy --dump-section .BTF=$@ $(CORE_DIR)/core_target.o

TEST_EXTRA_DEPS += $(CORE_DIR)/core_cases.bpf.o $(CORE_DIR)/target/vmlinux
