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
