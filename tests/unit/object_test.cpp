// Object model and program linking on the BPF objects this build produces.
#include <doctest/doctest.h>

#include <set>

#include "loader/object.h"
#include "loader/reloc/link.h"
#include "tests/common/paths.h"

using namespace rawops;
using rawops::testing::bpf_object;

namespace {
Object open_or_fail(const std::string& name) {
    auto obj = Object::open(bpf_object(name));
    REQUIRE_MESSAGE(obj.ok(), (obj.ok() ? "" : obj.error().message()));
    return std::move(obj).value();
}
const Program& program(const Object& o, const std::string& name) {
    const Program* p = o.find_program(name);
    REQUIRE_MESSAGE(p != nullptr, "no program " << name);
    return *p;
}
}  // namespace

TEST_CASE("tcp_cc.bpf.o: programs, subprograms, global data, struct_ops variable") {
    Object o = open_or_fail("tcp_cc.bpf.o");
    CHECK(o.name() == "tcp_cc");
    CHECK(o.license() == "GPL");

    const Program& init = program(o, "reno_init");
    CHECK(init.section == "struct_ops/init");
    CHECK(init.struct_ops);
    CHECK_FALSE(init.sleepable);
    CHECK_FALSE(init.subprogram);
    const Program& halve = program(o, "rawops_reno_halve");
    CHECK(halve.subprogram);
    CHECK(halve.global);
    const Program& slow = program(o, "reno_slow_start");
    CHECK(slow.subprogram);
    CHECK_FALSE(slow.global);

    std::set<std::string> data_maps;
    for (const auto& g : o.global_data()) data_maps.insert(g.map_name);
    CHECK(data_maps == std::set<std::string>{"tcp_cc.bss", "tcp_cc.data", "tcp_cc.rodata"});
    for (const auto& g : o.global_data()) {
        CHECK_MESSAGE(g.datasec != 0, g.section);
        if (g.kind == DataKind::Bss) CHECK(g.bytes.empty());
        else CHECK(g.bytes.size() == g.size);
    }

    REQUIRE(o.struct_ops().size() == 1);
    const StructOpsVar& v = o.struct_ops()[0];
    CHECK(v.name == "rawops_reno");
    CHECK(v.link());
    CHECK(v.type_name == "tcp_congestion_ops");
    // Every program in a struct_ops/ section is bound to exactly one member.
    std::multiset<std::string> bound;
    for (const auto& mp : v.member_programs)
        if (mp) bound.insert(o.programs()[*mp].name);
    std::multiset<std::string> expected;
    for (const auto& p : o.programs())
        if (p.struct_ops) expected.insert(p.name);
    CHECK(bound == expected);
    CHECK(bound.size() == 7);
    // The name member holds the tcp name in the variable's bytes.
    auto name = o.btf().find_member(v.type, "name");
    REQUIRE(name.ok());
    CHECK(std::string(reinterpret_cast<const char*>(v.data.data() + name->bit_offset / 8)) == "rawops_reno");
}

TEST_CASE("linking appends each called subprogram once and keeps calls, func_info and line_info consistent") {
    Object o = open_or_fail("tcp_cc.bpf.o");
    for (std::size_t i = 0; i < o.programs().size(); ++i) {
        const Program& p = o.programs()[i];
        if (!p.struct_ops) continue;
        CAPTURE(p.name);
        auto linked = reloc::link_program(o, i);
        REQUIRE_MESSAGE(linked.ok(), (linked.ok() ? "" : linked.error().message()));
        const auto& insns = linked->insns;

        std::size_t expected_len = p.insns.size();
        std::set<std::size_t> unique(linked->appended.begin(), linked->appended.end());
        CHECK(unique.size() == linked->appended.size());
        for (std::size_t a : linked->appended) expected_len += o.programs()[a].insns.size();
        CHECK(insns.size() == expected_len);

        // Each function start has a func_info record, and only function starts do.
        std::set<std::uint32_t> starts{0};
        std::uint32_t at = static_cast<std::uint32_t>(p.insns.size());
        for (std::size_t a : linked->appended) {
            starts.insert(at);
            at += static_cast<std::uint32_t>(o.programs()[a].insns.size());
        }
        std::set<std::uint32_t> fi;
        for (const auto& r : linked->func_info) fi.insert(r.insn_off);
        CHECK(fi == starts);
        REQUIRE_FALSE(linked->line_info.empty());
        CHECK(linked->line_info.front().insn_off == 0);
        for (const auto& r : linked->line_info) CHECK(r.insn_off < insns.size());

        // Every bpf-to-bpf call lands on a function start inside the program.
        for (std::uint32_t k = 0; k < insns.size(); ++k) {
            if (!insn::is_subprog_call(insns[k])) continue;
            const std::int64_t target = std::int64_t{k} + 1 + insns[k].imm;
            CHECK(starts.count(static_cast<std::uint32_t>(target)) == 1);
        }
        for (const auto& m : linked->maps) {
            CHECK(insn::is_ld_imm64(insns[m.insn]));
            CHECK(m.target == RelocTarget::GlobalData);
            CHECK(m.offset < o.global_data()[m.index].size);
        }
    }
    // cong_avoid calls the static subprogram (section-symbol relocation),
    // ssthresh the global one (function-symbol relocation).
    auto index_of = [&](const char* n) { return static_cast<std::size_t>(o.find_program(n) - o.programs().data()); };
    auto ca = reloc::link_program(o, index_of("reno_cong_avoid"));
    REQUIRE(ca.ok());
    REQUIRE(ca->appended.size() == 1);
    CHECK(o.programs()[ca->appended[0]].name == "reno_slow_start");
    auto ss = reloc::link_program(o, index_of("reno_ssthresh"));
    REQUIRE(ss.ok());
    REQUIRE(ss->appended.size() == 1);
    CHECK(o.programs()[ss->appended[0]].name == "rawops_reno_halve");
    // init reads .data and writes .bss.
    auto in = reloc::link_program(o, index_of("reno_init"));
    REQUIRE(in.ok());
    std::set<std::string> sections;
    for (const auto& m : in->maps) sections.insert(o.global_data()[m.index].section);
    CHECK(sections == std::set<std::string>{".bss", ".data"});
}

TEST_CASE("dummy_ops.bpf.o: sleepable struct_ops program") {
    Object o = open_or_fail("dummy_ops.bpf.o");
    bool saw_sleepable = false;
    for (const auto& p : o.programs()) saw_sleepable |= p.sleepable && p.struct_ops;
    CHECK(saw_sleepable);
    REQUIRE(o.struct_ops().size() >= 1);
    CHECK(o.struct_ops()[0].type_name == "bpf_dummy_ops");
}

TEST_CASE("errors name the file") {
    auto missing = Object::open("/nonexistent/x.bpf.o");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message().find("/nonexistent/x.bpf.o") != std::string::npos);
    std::vector<std::uint8_t> junk(100, 0x41);
    auto bad = Object::from_buffer(junk, "junk.o");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message().find("junk.o") != std::string::npos);
}
