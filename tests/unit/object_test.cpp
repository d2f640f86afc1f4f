// Object model and program linking on the BPF objects this build produces.
#include <doctest/doctest.h>

#include <algorithm>
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

TEST_CASE("subprograms are appended depth first in instruction order, as libbpf does; callbacks become BPF_PSEUDO_FUNC") {
    Object o = open_or_fail("subprog_order.bpf.o");
    const Program& entry = program(o, "order_entry");
    CHECK(entry.kind == ProgramKind::Syscall);
    CHECK(entry.sleepable);  // libbpf's SEC("syscall") is SEC_SLEEPABLE
    const auto idx = static_cast<std::size_t>(&entry - o.programs().data());
    auto linked = reloc::link_program(o, idx);
    REQUIRE_MESSAGE(linked.ok(), linked.error().message());
    std::vector<std::string> order;
    for (std::size_t i : linked->appended) order.push_back(o.programs()[i].name);
    CHECK(order == std::vector<std::string>{"first", "nested", "second", "add_index"});
    CHECK(linked->func_info.size() == 5);  // one record per function, each at its new place

    // Every call and callback points at the start of the function placed there.
    std::vector<std::uint32_t> starts{0};
    std::uint32_t at = static_cast<std::uint32_t>(entry.insns.size());
    for (std::size_t i : linked->appended) {
        starts.push_back(at);
        at += static_cast<std::uint32_t>(o.programs()[i].insns.size());
    }
    CHECK(at == linked->insns.size());
    int calls = 0, callbacks = 0;
    for (std::uint32_t i = 0; i < linked->insns.size(); ++i) {
        const Insn& in = linked->insns[i];
        const bool call = insn::is_subprog_call(in);
        const bool callback = insn::is_ld_imm64(in) && in.src() == insn::kPseudoFunc;
        if (!call && !callback) continue;
        calls += call;
        callbacks += callback;
        const auto target = static_cast<std::uint32_t>(std::int64_t{i} + 1 + in.imm);
        CHECK(std::find(starts.begin(), starts.end(), target) != starts.end());
    }
    CHECK(calls == 3);
    CHECK(callbacks == 1);
    for (std::size_t k = 0; k < linked->func_info.size(); ++k) CHECK(linked->func_info[k].insn_off == starts[k]);
}

TEST_CASE("tcp_cc_externs.bpf.o: externs in libbpf's order, .kconfig laid out as libbpf lays it out") {
    Object o = open_or_fail("tcp_cc_externs.bpf.o");
    std::vector<std::string> names;
    for (const Extern& e : o.externs()) names.push_back(e.name);
    // Kconfig first: alignment descending, then size ascending, then name; then ksyms by name.
    CHECK(names == std::vector<std::string>{
                       "CONFIG_BPF_JIT", "CONFIG_HZ", "CONFIG_RAWOPS_NO_SUCH_OPTION", "LINUX_KERNEL_VERSION",
                       "CONFIG_BPF_JIT_ALWAYS_ON", "CONFIG_BPF_SYSCALL", "CONFIG_LOG_BUF_SHIFT", "LINUX_HAS_BPF_COOKIE",
                       "LINUX_HAS_SYSCALL_WRAPPER", "CONFIG_DEFAULT_HOSTNAME", "do_unlinkat", "rawops_no_such_kfunc",
                       "rawops_no_such_variable", "tcp_reno_cong_avoid", "tcp_reno_ssthresh",
                       "tcp_reno_ssthresh___wrong", "tcp_reno_undo_cwnd", "tcp_reno_undo_cwnd___rawops"});
    std::vector<std::uint32_t> offsets;
    for (const Extern& e : o.externs())
        if (e.kind == ExternKind::Kconfig) offsets.push_back(e.offset);
    CHECK(offsets == std::vector<std::uint32_t>{0, 4, 8, 12, 16, 17, 18, 19, 20, 21});
    CHECK(o.kconfig_size() == 29);

    auto find = [&](const std::string& n) -> const Extern& {
        for (const Extern& e : o.externs())
            if (e.name == n) return e;
        FAIL("no extern " << n);
        return o.externs()[0];
    };
    CHECK(find("CONFIG_BPF_JIT").kconfig_type == KconfigType::Tristate);
    CHECK(find("CONFIG_BPF_SYSCALL").kconfig_type == KconfigType::Bool);
    CHECK(find("CONFIG_BPF_JIT_ALWAYS_ON").kconfig_type == KconfigType::Char);
    CHECK(find("CONFIG_DEFAULT_HOSTNAME").kconfig_type == KconfigType::CharArray);
    CHECK(find("CONFIG_HZ").kconfig_type == KconfigType::Int);
    CHECK(find("CONFIG_HZ").kconfig_signed);
    CHECK_FALSE(find("CONFIG_LOG_BUF_SHIFT").kconfig_signed);
    CHECK(find("CONFIG_RAWOPS_NO_SUCH_OPTION").weak);
    CHECK(find("do_unlinkat").type_id == 0);               // typeless
    CHECK(find("rawops_no_such_variable").type_id != 0);   // typed
    CHECK(find("tcp_reno_undo_cwnd___rawops").essential_name == "tcp_reno_undo_cwnd");
    CHECK(find("tcp_reno_undo_cwnd___rawops").function);
}

TEST_CASE("libbpf's names: object name up to the first '.', internal_map_name()") {
    Object o = open_or_fail("tcp_cc_kfunc.bpf.o");
    CHECK(o.name() == "tcp_cc_kfunc");
    CHECK(o.internal_map_name(".bss") == "tcp_cc_k.bss");        // the section keeps 7 characters' room
    CHECK(o.internal_map_name(".rodata") == "tcp_cc_k.rodata");
    CHECK(o.internal_map_name(".kconfig") == "tcp_cc_.kconfig");
    CHECK(o.internal_map_name(".data.counters") == ".data.counters");  // a second '.': no prefix
    CHECK(o.internal_map_name(".rodata.str1.1") == ".rodata.str1.1");
    CHECK(o.internal_map_name(".data.a_very_long_name") == ".data.a_very_lo");
}

TEST_CASE("program kinds and ? prefixes from section names") {
    Object o = open_or_fail("tcp_cc_mixed.bpf.o");
    CHECK(program(o, "mixed_state").kind == ProgramKind::Tracing);
    CHECK(program(o, "mixed_state").attach_target == "inet_sock_set_state");
    CHECK(program(o, "mixed_state").autoload);
    CHECK(program(o, "mixed_never_loaded").section == "fentry/tcp_v4_connect");  // '?' removed
    CHECK_FALSE(program(o, "mixed_never_loaded").autoload);
    CHECK_FALSE(program(o, "mixed_unused_op").autoload);
    CHECK(program(o, "mixed_unused_op").kind == ProgramKind::StructOps);
    CHECK(program(o, "mixed_syscall").kind == ProgramKind::Syscall);

    Object opt = open_or_fail("tcp_cc_optional.bpf.o");
    REQUIRE(opt.struct_ops().size() == 2);
    CHECK(opt.struct_ops()[0].autocreate);
    CHECK_FALSE(opt.struct_ops()[1].autocreate);
    CHECK(opt.struct_ops()[1].section == ".struct_ops.link");
    CHECK(opt.struct_ops()[1].link());
}
