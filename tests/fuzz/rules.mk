# libFuzzer targets (make fuzz): every tests/fuzz/fuzz_<name>.cpp becomes
# $(BUILD)/fuzz/fuzz_<name>, linked with the library rebuilt by clang with
# ASan + UBSan (the library's own build stays g++). tests/fuzz/run.sh runs
# each for FUZZ_SECONDS.
FUZZ_CXX    ?= $(shell command -v clang++-14 || command -v clang++)
FUZZ_FLAGS  := -std=c++20 -O1 -g -I. -fsanitize=address,undefined -fno-sanitize-recover=undefined -MMD -MP
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.cpp)
FUZZ_BINS   := $(patsubst tests/fuzz/%.cpp,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIBOBJ := $(patsubst %.cpp,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS))
FUZZ_LIB    := $(BUILD)/fuzz/librawops-fuzz.a

$(BUILD)/fuzz/obj/%.o: %.cpp | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIBOBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.cpp $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB)

FUZZ_DEPS += $(FUZZ_BINS)

# The unit suite (its broken-input tests above all) rebuilt with the same
# sanitizers: run.sh runs it once before the fuzzers, so hand-made bad inputs
# are proven free of out-of-bounds reads too, not only the random ones.
FUZZ_UNIT_OBJ := $(patsubst %.cpp,$(BUILD)/fuzz/obj/%.o,$(wildcard tests/unit/*.cpp tests/common/*.cpp))
$(BUILD)/fuzz/unit-asan: $(FUZZ_UNIT_OBJ) $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -o $@ $^ -lelf -lz

# The fuzzers' seeds include every BPF object the build produces.
FUZZ_DEPS += $(BUILD)/fuzz/unit-asan $(BPF_OBJS)

# The host suite (real kernel) rebuilt with the same sanitizers, part of
# `make test` (tests/fuzz/host_asan.sh): the whole load path, ELF to
# registration and teardown against the running kernel, checked for memory
# errors and undefined behaviour, not only the parsers on random input.
ASAN_HOST_OBJ := $(patsubst %.cpp,$(BUILD)/fuzz/obj/%.o,$(wildcard tests/host/*.cpp tests/common/*.cpp))
$(BUILD)/fuzz/host-asan: $(ASAN_HOST_OBJ) $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_FLAGS) -o $@ $^ -lelf -lz
TEST_EXTRA_DEPS += $(BUILD)/fuzz/host-asan
SUITES += tests/fuzz/host_asan.sh

# `make test` runs every fuzzer for a bounded time (tests/fuzz/bounded.sh,
# FUZZ_SECONDS each, 15 by default) after the unit suite under the same
# sanitizers: a crash found on the corpus fails the suite.
TEST_EXTRA_DEPS += $(FUZZ_BINS) $(BUILD)/fuzz/unit-asan
SUITES += tests/fuzz/bounded.sh
