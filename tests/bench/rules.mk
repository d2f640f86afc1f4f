# Benchmarks (make bench): our BTF lookup against libbpf 1.4.6's, whole
# process each. libbpf comes from bookworm-backports, unpacked under
# $(BUILD)/bench/libbpf (tests/bench/fetch_libbpf.sh), linked statically.
BENCH_DIR   := $(BUILD)/bench
LIBBPF_ROOT := $(BENCH_DIR)/libbpf/root
LIBBPF_A    := $(LIBBPF_ROOT)/usr/lib/x86_64-linux-gnu/libbpf.a

$(LIBBPF_A): tests/bench/fetch_libbpf.sh
	tests/bench/fetch_libbpf.sh $(BENCH_DIR)/libbpf
	@touch $@

$(BENCH_DIR)/libbpf_lookup: tests/bench/libbpf_lookup.c $(LIBBPF_A)
	@mkdir -p $(@D)
	gcc -O2 -I$(LIBBPF_ROOT)/usr/include -o $@ $< $(LIBBPF_A) -lelf -lz

# Static like the rawops CLI: both sides start as the user would run them.
$(BENCH_DIR)/btf_lookup: tests/bench/btf_lookup.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -static -o $@ $< $(LIB)

BENCH_DEPS += $(BENCH_DIR)/libbpf_lookup $(BENCH_DIR)/btf_lookup

# Load benchmark: open + load + register + tear down tcp_cc.bpf.o, each side
# in one static process.
$(BENCH_DIR)/libbpf_load: tests/bench/libbpf_load.c $(LIBBPF_A)
	@mkdir -p $(@D)
	gcc -O2 -I$(LIBBPF_ROOT)/usr/include -o $@ $< $(LIBBPF_A) -lelf -lz

$(BENCH_DIR)/rawops_load: tests/bench/rawops_load.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -static -o $@ $< $(LIB)

BENCH_DEPS += $(BENCH_DIR)/libbpf_load $(BENCH_DIR)/rawops_load
