# BPF objects the BTF tests read (.BTF and .BTF.ext made by clang), built next
# to the test binary: $(BUILD)/tests/fixtures/.
BTF_FIXTURES := $(patsubst tests/btf/fixtures/%.bpf.c,$(BUILD)/tests/fixtures/%.bpf.o,\
                  $(wildcard tests/btf/fixtures/*.bpf.c))

$(BUILD)/tests/fixtures/%.bpf.o: tests/btf/fixtures/%.bpf.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -c $< -o $@

TEST_EXTRA_DEPS += $(BTF_FIXTURES)

# A static checker the 7.3 guest runs on its kernel's BTF (sorted by name
# there) and the vm73 suite on the same BTF as a file: the sorted lookups
# against the scans and hash indexes (tests/btf/tools/sorted_check.cpp).
$(BUILD)/btf/sorted_check: tests/btf/tools/sorted_check.cpp $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC_LDFLAGS) -o $@ $< $(LIB)
TEST_EXTRA_DEPS += $(BUILD)/btf/sorted_check
VM_DEPS += $(BUILD)/btf/sorted_check
