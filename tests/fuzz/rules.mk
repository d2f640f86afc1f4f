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
