// Changing an object before load (what a libbpf skeleton allows), on the real
// host kernel: tcp_cc_knobs.bpf.o with .rodata/.data/.bss values set, a
// struct_ops data member renamed (the kernel registers the new name), a
// `.maps` map and a `.data.*` section resized (the verifier accepts an access
// only the larger size allows). The program reports what it saw.
#include <doctest/doctest.h>

#include <cstring>

#include "loader/sys/map.h"
#include "loader/sys/obj.h"
#include "tests/common/skip.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

// Mirrors struct knob_seen in bpfprog/tcp_cc_knobs.bpf.c.
struct KnobSeen {
    std::uint64_t factor, enabled, mode;
    char label[8];
    std::uint64_t data, bss_start, nr_slots, inits, array_write;
};
// The .bss as clang lays it out: knob_bss_start, then seen.
struct KnobBss {
    std::uint64_t knob_bss_start;
    KnobSeen seen;
};

plan::BuildOptions knob_edits() {
    plan::BuildOptions b;
    b.edits.sets = {{"knob_factor", "0x30"},    {"knob_enabled", "true"},
                    {"knob_mode", "KNOB_FAST"}, {"knob_label", "edited"},
                    {"knob_data", "77"},        {"knob_bss_start", "12345"},
                    {"nr_slots", "8"},          {"rawops_knobs.name", "rawops_knobs2"}};
    b.edits.resizes = {{"knob_array", 64}, {".data.slots", 8}};
    return b;
}

}  // namespace

TEST_CASE("tcp_cc_knobs.bpf.o: values set before load reach the program; resized maps are what the kernel holds") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_knobs2") || tcp_cc_available("rawops_knobs")) RAWOPS_SKIP("rawops_knobs* registered");
    auto l = load_object("tcp_cc_knobs.bpf.o", {}, knob_edits());
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    CHECK(tcp_cc_available("rawops_knobs2"));  // the struct_ops data member `name` was set
    CHECK_FALSE(tcp_cc_available("rawops_knobs"));
    auto t = loopback_transfer("rawops_knobs2", 1u << 18);
    REQUIRE_MESSAGE(t.ok(), t.error().message());

    auto bss = read_global<KnobBss>(l->loaded, data_map(*l, ".bss"));
    REQUIRE(bss.ok());
    CHECK(bss->knob_bss_start == 12345);
    const KnobSeen* seen = &bss->seen;
    CHECK(seen->inits >= 1);
    CHECK(seen->factor == 0x30);
    CHECK(seen->enabled == 1);
    CHECK(seen->mode == 2);
    CHECK(std::string(seen->label) == "edited");
    CHECK(seen->data == 77);
    CHECK(seen->bss_start == 12345);
    CHECK(seen->nr_slots == 8);
    CHECK(seen->array_write == 1);

    // The resized .data.slots holds 8 u64; the program wrote the last one.
    std::uint64_t slots[8] = {};
    const std::uint32_t key = 0;
    REQUIRE(sys::map_lookup_elem(l->loaded.data_fd(".data.slots"), sys::bytes_of(key), sys::writable_bytes_of(slots)).ok());
    CHECK(slots[7] == 0x51075);
    auto info = sys::map_info(l->loaded.map_fd("knob_array"));
    REQUIRE(info.ok());
    CHECK(info->max_entries == 64);
    std::uint64_t last = 0;
    const std::uint32_t k63 = 63;
    REQUIRE(sys::map_lookup_elem(l->loaded.map_fd("knob_array"), sys::bytes_of(k63), sys::writable_bytes_of(last)).ok());
    CHECK(last == 0xa77a7);
}

TEST_CASE("edits are checked against the BTF type, and the plan shows the values in effect") {
    struct Case {
        const char* name;
        const char* value;
        const char* message;
    };
    const Case bad[] = {
        {"knob_factor", "0x100000000", "--set knob_factor (.rodata): '0x100000000' does not fit in 4 bytes"},
        {"knob_factor", "-1", "'-1' is negative, the type is unsigned"},
        {"knob_enabled", "maybe", "'maybe' is not a bool"},
        {"knob_mode", "KNOB_MEDIUM", "'KNOB_MEDIUM' is neither an enumerator of"},
        {"knob_label", "much-too-long", "char[8] holds 7 and its NUL"},
        {"no_such_var", "1", "--set no_such_var: no global variable of that name"},
        {"tcp_reno_ssthresh", "1", "an extern; its value comes from the kernel"},
        {"rawops_knobs.init", "1", "a function pointer"},
        {"rawops_knobs.nope", "1", "struct tcp_congestion_ops has no member 'nope'"},
        {"other_ops.name", "x", "no struct_ops variable 'other_ops'"},
    };
    for (const Case& c : bad) {
        CAPTURE(c.name);
        plan::BuildOptions b;
        b.edits.sets = {{c.name, c.value}};
        auto p = plan_object(bpf_object("tcp_cc_knobs.bpf.o"), b);
        REQUIRE_FALSE(p.ok());
        CHECK_MESSAGE(p.error().message().find(c.message) != std::string::npos, p.error().message());
    }
    plan::BuildOptions r;
    r.edits.resizes = {{".rodata", 4}};
    auto p = plan_object(bpf_object("tcp_cc_knobs.bpf.o"), r);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message().find("its last variable 'nr_slots' is not an array") != std::string::npos);
    r.edits.resizes = {{"nothing", 4}};
    p = plan_object(bpf_object("tcp_cc_knobs.bpf.o"), r);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().message().find("--resize nothing=4: neither a map in .maps nor a global-data section") != std::string::npos);

    auto good = plan_object(bpf_object("tcp_cc_knobs.bpf.o"), knob_edits());
    REQUIRE_MESSAGE(good.ok(), good.error().message());
    const std::string text = plan::print(*good);
    CHECK(text.find("set .rodata 'knob_factor' = 48 (was 1)") != std::string::npos);
    CHECK(text.find("set .rodata 'knob_mode' = KNOB_FAST (was KNOB_SLOW)") != std::string::npos);
    CHECK(text.find("set .rodata 'knob_label' = \"edited\" (was \"none\")") != std::string::npos);
    CHECK(text.find("set rawops_knobs.name = \"rawops_knobs2\" (was \"rawops_knobs\")") != std::string::npos);
    CHECK(text.find("resize map 'knob_array': max_entries 4 -> 64") != std::string::npos);
    CHECK(text.find("resize section .data.slots: its last array now has 8 elements (8 -> 64 bytes)") != std::string::npos);
}
