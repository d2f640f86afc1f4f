# The guest half of issue 13's fault injection (tests/fault/guest_sweep.cpp):
# the host test's sweep (tests/common/fault_sweep.cpp) in a static program
# that tests/vm/boot.sh and tests/vm73/boot.sh copy into the guests.
FAULT_DIR := $(BUILD)/fault
FAULT_SWEEP_OBJS := $(call obj,tests/common/fault_sweep.cpp)

$(FAULT_DIR)/guest_sweep: tests/fault/guest_sweep.cpp $(FAULT_SWEEP_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CXX) $(CXXFLAGS) $(STATIC_LDFLAGS) -o $@ $< $(FAULT_SWEEP_OBJS) $(LIB)

TEST_EXTRA_DEPS += $(FAULT_DIR)/guest_sweep
VM_DEPS += $(FAULT_DIR)/guest_sweep
