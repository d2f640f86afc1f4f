# Benchmarks (make bench): rawops against libbpf 1.4.6, whole process each
# side. libbpf-dev comes from bookworm-backports through tests/fetch_debs.sh
# (cached in .cache/debs, or $RAWOPS_CACHE) and is linked statically.
BENCH_DIR      := $(BUILD)/bench
LIBBPF_VERSION := 1:1.4.6-1~bpo12+1
LIBBPF_ROOT    := $(or $(RAWOPS_CACHE),$(CURDIR)/.cache/debs)/root/libbpf-dev
LIBBPF_A       := $(LIBBPF_ROOT)/usr/lib/x86_64-linux-gnu/libbpf.a

$(LIBBPF_A): tests/fetch_debs.sh
	tests/fetch_debs.sh libbpf-dev=$(LIBBPF_VERSION)
	@touch $@

# Every bench binary is static, like the rawops CLI: both sides start the same
# way, and no dynamic loader's work is charged to either.
$(BENCH_DIR)/libbpf_lookup: tests/bench/libbpf_lookup.c $(LIBBPF_A)
	@mkdir -p $(@D)
	gcc -O2 -static -I$(LIBBPF_ROOT)/usr/include -o $@ $< $(LIBBPF_A) -lelf -lz

$(BENCH_DIR)/btf_lookup: tests/bench/btf_lookup.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC_LDFLAGS) -o $@ $< $(LIB)

BENCH_DEPS += $(BENCH_DIR)/libbpf_lookup $(BENCH_DIR)/btf_lookup

# Load benchmark: open + load + register + tear down an object (tcp_cc.bpf.o,
# large.bpf.o), each side in one static process.
# A sched_ext scheduler is prepared as its own loader does (tests/common/scx_prepare.c).
$(BENCH_DIR)/libbpf_load: tests/bench/libbpf_load.c tests/common/scx_prepare.c tests/common/scx_prepare.h $(LIBBPF_A)
	@mkdir -p $(@D)
	gcc -O2 -Wall -Werror -static -I$(LIBBPF_ROOT)/usr/include -Itests/common -o $@ tests/bench/libbpf_load.c tests/common/scx_prepare.c \
	  $(LIBBPF_A) -lelf -lz

$(BENCH_DIR)/rawops_load: tests/bench/rawops_load.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC_LDFLAGS) -o $@ $< $(LIB)

BENCH_DEPS += $(BENCH_DIR)/libbpf_load $(BENCH_DIR)/rawops_load

# The large object of the load benchmark: 3 struct_ops variables, 30 programs,
# global data, CO-RE (tests/bench/gen_large.py), built like bpfprog/ objects.
$(BENCH_DIR)/large.bpf.c: tests/bench/gen_large.py
	@mkdir -p $(@D)
	python3 $< $@
$(BENCH_DIR)/large.bpf.o: $(BENCH_DIR)/large.bpf.c $(BUILD)/vmlinux.h | $(DEPS_STAMP)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

BENCH_DEPS += $(BENCH_DIR)/large.bpf.o $(CLI)

# The floor of a whole static process (tests/bench/empty.c).
$(BENCH_DIR)/empty: tests/bench/empty.c
	@mkdir -p $(@D)
	gcc -O2 -static -o $@ $<
BENCH_DEPS += $(BENCH_DIR)/empty

# The launcher bench.py times every process with (peak RSS without python's).
$(BENCH_DIR)/measure: tests/bench/measure.c
	@mkdir -p $(@D)
	gcc -O2 -static -o $@ $<
BENCH_DEPS += $(BENCH_DIR)/measure
