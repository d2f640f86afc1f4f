# BPF objects the BTF tests read (.BTF and .BTF.ext made by clang), built next
# to the test binary: $(BUILD)/tests/fixtures/.
BTF_FIXTURES := $(patsubst tests/btf/fixtures/%.bpf.c,$(BUILD)/tests/fixtures/%.bpf.o,\
                  $(wildcard tests/btf/fixtures/*.bpf.c))

$(BUILD)/tests/fixtures/%.bpf.o: tests/btf/fixtures/%.bpf.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) -g -O2 -target bpf -c $< -o $@

TEST_EXTRA_DEPS += $(BTF_FIXTURES)
