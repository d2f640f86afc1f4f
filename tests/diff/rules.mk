# tests/diff: the same object described by libbpf 1.4.6 (open + load) and by
# rawops (plan), compared line by line. libbpf comes from bookworm-backports
# through tests/fetch_debs.sh, linked statically, test-only (never in rawops).
DIFF_DIR := $(BUILD)/diff

$(DIFF_DIR)/libbpf_describe: tests/diff/describe/libbpf_describe.c $(LIBBPF_A)
	@mkdir -p $(@D)
	gcc -O2 -I$(LIBBPF_ROOT)/usr/include -o $@ $< $(LIBBPF_A) -lelf -lz

$(DIFF_DIR)/rawops_describe: tests/diff/describe/rawops_describe.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) -o $@ $< $(LIB)

TEST_EXTRA_DEPS += $(DIFF_DIR)/libbpf_describe $(DIFF_DIR)/rawops_describe
