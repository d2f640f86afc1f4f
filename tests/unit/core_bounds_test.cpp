// CO-RE's walks over crafted BTF that loops or fans out (issue 13): type
// compatibility, TYPE_MATCHES, spec parsing and the member search through
// anonymous members must each stop at their bound with an error naming the
// type, never recurse without end, take k^depth time, or answer "no match".
// Also --set's value encoder (loader/edits.cpp), which sizes arrays from the
// same crafted BTF.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "loader/edits.h"
#include "loader/reloc/core.h"
#include "tests/btf/bounds_support.h"
#include "tests/btf/btf_builder.h"

using namespace rawops;
using rawops::btf::CoreReloKind;
using rawops::testing::BtfBuilder;
using rawops::testing::contains;
using rawops::testing::parse;
using rawops::testing::quickly;

namespace {

std::uint32_t off_of(const btf::Btf& b, const std::string& s) {
    for (std::uint32_t o = 1; o < b.str_end(); ++o)
        if (b.str(o) == s) return o;
    return 0;
}

}  // namespace

TEST_CASE("types_are_compat: a FUNC_PROTO whose parameter points back to it is an error, not 'incompatible'") {
    // [2] FUNC_PROTO int (cb: [3]), [3] PTR -> [2]: comparing it with itself
    // follows the pointer for ever.
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    const auto proto = b.func_proto(i32, {{"cb", 3}});
    REQUIRE(b.ptr(proto) == 3);
    const btf::Btf btf = parse(b);
    auto r = quickly([&] { return reloc::types_are_compat(btf, proto, btf, proto); });
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message(), "deeper than 32"));
    CHECK(contains(r.error().message(), "FUNC_PROTO"));
    // A finite prototype still compares as before.
    BtfBuilder f;
    const auto fi = f.int_("int", 4, 32, 1);
    const auto fp = f.func_proto(fi, {{"x", fi}});
    const btf::Btf fine = parse(f);
    auto ok = reloc::types_are_compat(fine, fp, fine, fp);
    REQUIRE(ok.ok());
    CHECK(*ok);
}

TEST_CASE("types_are_compat: prototypes fanning out stop at the step bound") {
    // Level n: a prototype of 6 parameters, each a pointer to level n-1:
    // finite, but 6^12 comparisons in full.
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    auto prev = b.fanning_prototype(i32, 12, 6);
    const btf::Btf btf = parse(b);
    auto r = quickly([&] { return reloc::types_are_compat(btf, prev, btf, prev); });
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message(), "types compared"));
}

TEST_CASE("CO-RE: a typedef loop at the relocation's root is an error naming it") {
    // [1] TYPEDEF loop_t -> [2], [2] TYPEDEF loop2_t -> [1].
    BtfBuilder b;
    const auto t1 = b.typedef_("loop_t", 2);
    b.typedef_("loop2_t", t1);
    b.str("0");
    const btf::Btf btf = parse(b);
    const std::vector<reloc::CoreTarget> targets{{&btf, "vmlinux"}};
    for (CoreReloKind kind : {CoreReloKind::TypeExists, CoreReloKind::FieldByteOffset}) {
        auto r = reloc::core_calc(btf, btf::CoreRelo{0, t1, off_of(btf, "0"), kind}, targets);
        REQUIRE_FALSE(r.ok());
        CHECK(contains(r.error().message(), "modifier chain longer than 32"));
        CHECK(contains(r.error().message(), "loop_t"));
    }
}

TEST_CASE("CO-RE: a target member under more anonymous members than a spec holds is an error, not 'missing'") {
    // Local: struct deep { int leaf; }. Target: struct deep whose `leaf`
    // sits under 70 anonymous structs (a spec holds 64 accesses).
    BtfBuilder l;
    const auto li = l.int_("int", 4, 32, 1);
    const auto ldeep = l.composite(false, "deep", 4, {{"leaf", li, 0}});
    l.str("0:0");
    const btf::Btf local = parse(l);

    BtfBuilder t;
    const auto ti = t.int_("int", 4, 32, 1);
    auto inner = t.composite(false, "", 4, {{"leaf", ti, 0}});
    for (int i = 0; i < 70; ++i) inner = t.composite(false, "", 4, {{"", inner, 0}});
    const auto tdeep = t.composite(false, "deep", 4, {{"", inner, 0}});
    const btf::Btf target = parse(t);
    const std::vector<reloc::CoreTarget> targets{{&target, "vmlinux"}};

    auto r = quickly([&] {
        return reloc::core_calc(local, btf::CoreRelo{0, ldeep, off_of(local, "0:0"), CoreReloKind::FieldByteOffset},
                                targets);
    });
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message(), "anonymous members nest deeper"));
    CHECK(contains(r.error().message(), "[" + std::to_string(tdeep) + "] STRUCT 'deep'"));
}

TEST_CASE("CO-RE TYPE_MATCHES: a struct embedding itself several times stops at a bound") {
    // struct self { struct self m0, m1, m2, m3; }: a match descends into
    // every member, 4^32 times without a bound on the total.
    BtfBuilder b;
    b.int_("int", 4, 32, 1);
    const auto self = b.next_id();
    b.composite(false, "self", 4, {{"m0", self, 0}, {"m1", self, 0}, {"m2", self, 0}, {"m3", self, 0}});
    b.str("0");
    const btf::Btf btf = parse(b);
    const std::vector<reloc::CoreTarget> targets{{&btf, "vmlinux"}};
    auto r = quickly([&] {
        return reloc::core_calc(btf, btf::CoreRelo{0, self, off_of(btf, "0"), CoreReloKind::TypeMatches}, targets);
    });
    REQUIRE_FALSE(r.ok());
    CHECK((contains(r.error().message(), "types compared") || contains(r.error().message(), "deeper than 32")));
    CHECK(contains(r.error().message(), "'self'"));
}

TEST_CASE("encode_value (--set): an array claiming gigabytes is refused before anything is allocated") {
    // char-like elements of 1 byte, 0xffffffff of them (4 GiB), and an
    // array of 0x10000 arrays of 0x10000 u64: size_of overflows 32 bits.
    BtfBuilder b;
    const auto u8 = b.int_("u8", 1, 8, 0);
    const auto u64 = b.int_("u64", 8, 64, 0);
    const auto huge = b.array(u8, u8, 0xffffffffu);
    const auto inner = b.array(u64, u8, 0x10000);
    const auto outer = b.array(inner, u8, 0x10000);
    const auto small = b.array(u64, u8, 2);
    const btf::Btf btf = parse(b);
    auto h = quickly([&] { return encode_value(btf, huge, "1,2"); });
    REQUIRE_FALSE(h.ok());
    CHECK(contains(h.error().message(), "larger than any global data section"));
    auto o = quickly([&] { return encode_value(btf, outer, "1"); });
    REQUIRE_FALSE(o.ok());
    CHECK(contains(o.error().message(), "overflows 32 bits"));
    auto s = encode_value(btf, small, "1,2");
    REQUIRE_MESSAGE(s.ok(), s.error().message());
    CHECK(s->size() == 16);
    CHECK((*s)[8] == 2);
}
