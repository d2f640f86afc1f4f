// CO-RE relocation: (1) every record clang wrote into the built objects,
// resolved against this machine's vmlinux BTF (which the objects were
// compiled against, so every value must come out as compiled); (2)
// hand-built local/target pairs where the kernel's layout differs.
#include <doctest/doctest.h>

#include <filesystem>

#include "loader/object.h"
#include "loader/reloc/core.h"
#include "loader/reloc/link.h"
#include "tests/btf/btf_builder.h"
#include "tests/common/paths.h"
#include "tests/common/skip.h"

using namespace rawops;
using rawops::btf::CoreReloKind;
using rawops::testing::BtfBuilder;

TEST_CASE("every CO-RE record of the built objects resolves against vmlinux to its compiled value") {
    if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto vm = btf::Btf::open_vmlinux();
    REQUIRE(vm.ok());
    const std::vector<reloc::CoreTarget> targets{{&*vm, "vmlinux"}};
    reloc::CoreCandidateCache cache;  // shared by every object: lists per kernel type name
    int records = 0;
    for (const auto& e : std::filesystem::directory_iterator(rawops::testing::build_dir() + "/bpfprog")) {
        if (e.path().extension() != ".o") continue;
        auto obj = Object::open(e.path().string());
        REQUIRE(obj.ok());
        // Objects for the guest module have records against module types.
        if (e.path().filename().string().rfind("testmod", 0) == 0) continue;
        for (std::size_t i = 0; i < obj->programs().size(); ++i) {
            if (obj->programs()[i].subprogram) continue;
            auto linked = reloc::link_program(*obj, i);
            REQUIRE(linked.ok());
            for (const auto& site : linked->core) {
                CAPTURE(e.path().string());
                auto r = reloc::core_calc(obj->btf(), site.relo, targets);
                REQUIRE_MESSAGE(r.ok(), r.error().message());
                CHECK_MESSAGE(r->found, r->description);
                CHECK_FALSE(r->poison);
                CHECK_MESSAGE(r->value == r->orig, r->description);
                // The cached candidate lists give the same answer.
                auto cached = reloc::core_calc(obj->btf(), site.relo, targets, &cache);
                REQUIRE(cached.ok());
                CHECK(cached->description == r->description);
                // Patching checks the instruction really holds the compiled value.
                auto insns = linked->insns;
                auto s = reloc::core_patch(insns, site.insn, *r);
                CHECK_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
                ++records;
            }
        }
    }
    CHECK(records >= 40);
}

namespace {

// One side: struct task { int pid; long state; struct { int flags; }; int bits:3, more:5; } + enum color.
struct Side {
    std::vector<std::uint8_t> raw;
    std::uint32_t task = 0, color = 0, access_off = 0;
};

Side build(const std::string& task_name, std::uint32_t pid_off, bool with_state, std::uint64_t blue_value) {
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    const auto i64 = b.int_("long", 8, 64, 1);
    const auto anon = b.composite(false, "", 4, {{"flags", i32, 0}});
    std::vector<BtfBuilder::M> ms{{"pid", i32, pid_off * 8}};
    if (with_state) ms.push_back({"state", i64, 64 + pid_off * 8});
    ms.push_back({"", anon, 128 + pid_off * 8});
    ms.push_back({"bits", i32, 160 + pid_off * 8, 3});
    ms.push_back({"more", i32, 163 + pid_off * 8, 5});
    Side s;
    s.task = b.composite(false, task_name, 24 + pid_off, ms, /*kflag=*/true);
    s.color = b.type("color", 6, 2, false, 4);
    b.u32(b.str("RED"));
    b.u32(0);
    b.u32(b.str("BLUE"));
    b.u32(static_cast<std::uint32_t>(blue_value));
    s.access_off = b.str("0:0");  // task.pid
    b.str("0:1");                 // task.state
    b.str("0:2:0");               // task.<anon>.flags
    b.str("0:3");                 // task.bits
    b.str("1");                   // enum: BLUE
    b.str("0");                   // type relocations
    s.raw = b.build();
    return s;
}

// Offset of access string `s` in the string section (any position whose
// NUL-terminated text is `s` will do).
std::uint32_t off_of(const btf::Btf& b, const std::string& s) {
    for (std::uint32_t o = 1; o < b.str_end(); ++o)
        if (b.str(o) == s) return o;
    return 0;
}

}  // namespace

TEST_CASE("hand-built layouts: moved fields, flavors, missing fields, bitfields, enums, types") {
    // The object was compiled against `task___old` with pid at 0 and a state
    // member; the kernel's `task` has everything 8 bytes later and no state.
    Side local_side = build("task___old", 0, true, 1);
    Side target_side = build("task", 8, false, 7);
    auto local = btf::Btf::parse(std::span<const std::uint8_t>(local_side.raw));
    auto target = btf::Btf::parse(std::span<const std::uint8_t>(target_side.raw));
    REQUIRE(local.ok());
    REQUIRE(target.ok());
    const std::vector<reloc::CoreTarget> targets{{&*target, "vmlinux"}};
    auto relo = [&](CoreReloKind k, const char* access, std::uint32_t type) {
        return btf::CoreRelo{0, type, off_of(*local, access), k};
    };
    auto calc = [&](CoreReloKind k, const char* access, std::uint32_t type = 0) {
        auto r = reloc::core_calc(*local, relo(k, access, type ? type : local_side.task), targets);
        REQUIRE_MESSAGE(r.ok(), r.error().message());
        return *r;
    };

    auto pid = calc(CoreReloKind::FieldByteOffset, "0:0");
    CHECK(pid.found);
    CHECK(pid.orig == 0);
    CHECK(pid.value == 8);  // moved
    CHECK(pid.description.find("task___old.pid") != std::string::npos);

    auto flags = calc(CoreReloKind::FieldByteOffset, "0:2:0");  // through an anonymous struct
    CHECK(flags.orig == 16);
    CHECK(flags.value == 24);

    auto state = calc(CoreReloKind::FieldByteOffset, "0:1");
    CHECK_FALSE(state.found);
    CHECK(state.poison);
    CHECK(calc(CoreReloKind::FieldExists, "0:1").value == 0);
    CHECK(calc(CoreReloKind::FieldExists, "0:0").value == 1);

    // bits: 3-bit field at bit 160 (+64 in the kernel).
    CHECK(calc(CoreReloKind::FieldByteOffset, "0:3").value == 28);
    CHECK(calc(CoreReloKind::FieldByteSize, "0:3").value == 4);
    CHECK(calc(CoreReloKind::FieldLshiftU64, "0:3").value == 64 - 3);
    CHECK(calc(CoreReloKind::FieldRshiftU64, "0:3").value == 64 - 3);
    CHECK(calc(CoreReloKind::FieldSigned, "0:3").value == 1);

    CHECK(calc(CoreReloKind::EnumvalValue, "1", local_side.color).value == 7);
    CHECK(calc(CoreReloKind::EnumvalExists, "1", local_side.color).value == 1);
    CHECK(calc(CoreReloKind::TypeSize, "0").value == 32);
    CHECK(calc(CoreReloKind::TypeIdTarget, "0").value == target_side.task);
    CHECK(calc(CoreReloKind::TypeExists, "0").value == 1);

    // Patching: an LDX with the old offset gets the new one; a poisoned
    // instruction becomes a call to an invalid helper.
    std::vector<Insn> insns{Insn{0x61, 0x12, 0, 0}, Insn{0x79, 0x12, 8, 0}};
    REQUIRE(reloc::core_patch(insns, 0, pid).ok());
    CHECK(insns[0].off == 8);
    REQUIRE(reloc::core_patch(insns, 1, state).ok());
    CHECK(insns[1].code == insn::kCall);
    CHECK(insns[1].imm == 0xbad2310);
    // An instruction that does not hold the compiled value is refused.
    std::vector<Insn> wrong{Insn{0x61, 0x12, 4, 0}};
    auto bad = reloc::core_patch(wrong, 0, pid);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message().find("holds 4, the relocation expects 0") != std::string::npos);
}

namespace {

// struct pair { <a_type> a; <b_type> b; } with an optional anonymous or named enum member `e`.
struct PairSide {
    std::vector<std::uint8_t> raw;
    std::uint32_t pair = 0;
};

PairSide build_pair(std::uint32_t a_size, bool a_signed, bool with_extra, const std::string& enum_name,
                    const std::string& struct_name = "pair") {
    BtfBuilder b;
    const auto a = b.int_(a_signed ? "a_int" : "a_uint", a_size, a_size * 8, a_signed ? 1 : 0);
    const auto e = b.type(enum_name, 6, 1, false, 4);
    b.u32(b.str("E_ONE"));
    b.u32(1);
    std::vector<BtfBuilder::M> ms{{"a", a, 0}, {"e", e, 64}};
    if (with_extra) ms.push_back({"extra", a, 128});
    PairSide s;
    s.pair = b.composite(false, struct_name, 24, ms);
    b.str("0:0");  // pair.a
    b.str("0:1");  // pair.e
    b.str("0");    // the type itself
    s.raw = b.build();
    return s;
}

reloc::CoreResult pair_calc(const PairSide& l, const PairSide& t, CoreReloKind kind, const char* access) {
    auto local = btf::Btf::parse(std::span<const std::uint8_t>(l.raw));
    auto target = btf::Btf::parse(std::span<const std::uint8_t>(t.raw));
    REQUIRE(local.ok());
    REQUIRE(target.ok());
    auto r = reloc::core_calc(*local, btf::CoreRelo{0, l.pair, off_of(*local, access), kind}, {{&*target, "vmlinux"}});
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    return *r;
}

}  // namespace

TEST_CASE("TYPE_MATCHES is libbpf's bpf_core_types_match, stricter than compatibility") {
    const PairSide local = build_pair(4, true, false, "color");
    // Same member names, but `a` is 8 bytes in the target: compatible, not matching.
    const PairSide wider = build_pair(8, true, false, "color");
    CHECK(pair_calc(local, wider, CoreReloKind::TypeExists, "0").value == 1);
    CHECK(pair_calc(local, wider, CoreReloKind::TypeMatches, "0").value == 0);
    // Signedness is part of a match too.
    CHECK(pair_calc(local, build_pair(4, false, false, "color"), CoreReloKind::TypeMatches, "0").value == 0);
    // Extra target members are fine; the local ones must all be there.
    CHECK(pair_calc(local, build_pair(4, true, true, "color"), CoreReloKind::TypeMatches, "0").value == 1);
    CHECK(pair_calc(build_pair(4, true, true, "color"), local, CoreReloKind::TypeMatches, "0").value == 0);
}

TEST_CASE("a field of anonymous enum type matches a named one on either side (libbpf's fields_are_compat)") {
    const PairSide anon = build_pair(4, true, false, "");
    const PairSide named = build_pair(4, true, false, "color");
    auto r = pair_calc(anon, named, CoreReloKind::FieldByteOffset, "0:1");
    CHECK(r.found);
    CHECK(r.value == 8);
    CHECK(pair_calc(named, anon, CoreReloKind::FieldByteOffset, "0:1").found);
}

TEST_CASE("a field that changes size is accessed with the new width only if unsigned or a pointer") {
    // Unsigned 4 -> 8 bytes: the load is widened (libbpf: zero extension keeps the value).
    auto u = pair_calc(build_pair(4, false, false, "color"), build_pair(8, false, false, "color"),
                       CoreReloKind::FieldByteOffset, "0:0");
    CHECK_FALSE(u.fail_memsz_adjust);
    std::vector<Insn> load{Insn{0x61, 0x12, 0, 0}};  // r2 = *(u32 *)(r1 + 0)
    REQUIRE(reloc::core_patch(load, 0, u).ok());
    CHECK(load[0].code == 0x79);  // now a u64 load

    // Signed 4 -> 8 bytes: libbpf refuses to resize and poisons the access.
    auto s = pair_calc(build_pair(4, true, false, "color"), build_pair(8, true, false, "color"),
                       CoreReloKind::FieldByteOffset, "0:0");
    CHECK(s.fail_memsz_adjust);
    std::vector<Insn> sload{Insn{0x61, 0x12, 0, 0}};
    REQUIRE(reloc::core_patch(sload, 0, s).ok());
    CHECK(sload[0].code == insn::kCall);
    CHECK(sload[0].imm == 0xbad2310);
    // An ALU use of the same offset is still patched (the rule is for loads and stores).
    std::vector<Insn> alu{Insn{0x07, 0x01, 0, 0}};  // r1 += 0
    REQUIRE(reloc::core_patch(alu, 0, s).ok());
    CHECK(alu[0].imm == 0);
}

TEST_CASE("a target type named pair___v2 is a candidate for a local pair (libbpf's essential-name match)") {
    const PairSide local = build_pair(4, true, false, "color");
    const PairSide flavoured = build_pair(4, true, true, "color", "pair___v2");
    auto l = btf::Btf::parse(std::span<const std::uint8_t>(local.raw));
    auto t = btf::Btf::parse(std::span<const std::uint8_t>(flavoured.raw));
    REQUIRE(l.ok());
    REQUIRE(t.ok());
    CHECK(t->find_all_essential("pair", btf::Kind::Struct) == std::vector<btf::TypeId>{flavoured.pair});
    CHECK(t->find_all_essential("pair___v2", btf::Kind::Struct).empty());
    CHECK(t->find_all("pair", btf::Kind::Struct).empty());
    const btf::CoreRelo relo{0, local.pair, off_of(*l, "0"), CoreReloKind::TypeExists};
    // The target has no "pair"; libbpf finds pair___v2.
    auto r = reloc::core_calc(*l, relo, {{&*t, "vmlinux"}});
    REQUIRE(r.ok());
    CHECK(r->found);
    CHECK(r->value == 1);
}
