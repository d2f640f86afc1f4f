// BTF sorted by name (the layout kernels from 7.0 publish: anonymous types
// first, then the named ones in strcmp order): the layout is recognised only
// when it holds, and the binary-search lookups answer what the scans and hash
// indexes answer on the same bytes (Btf::forget_name_order() is the oracle).
// The kernel's own sorted BTF is checked the same way by the vm73 suite
// (tests/btf/tools/sorted_check.cpp, on the file and inside the guest).
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "tests/btf/btf_builder.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;

namespace {

constexpr unsigned kStruct = 4, kFwd = 7, kTypedef = 8, kFunc = 12;

// Named records of a sorted BTF: names chosen so that runs of one name,
// flavours ("x___v2"), names holding "___" that are their own essential
// name ("___x"), and prefixes of each other sit next to each other.
struct Named {
    std::string name;
    unsigned kind;
};
const std::vector<Named> kNamed = {
    {"___x", kFunc},     {"a", kStruct},          {"a", kTypedef},   {"a___v2", kStruct}, {"a___v3", kStruct},
    {"a_b", kStruct},    {"ab", kStruct},         {"b", kFwd},       {"b", kStruct},      {"bpf_struct_ops_a", kStruct},
    {"bpf_struct_ops_b", kStruct}, {"bpf_struct_ops_b", kTypedef}, {"c", kFunc}, {"int", 1},
    {"sock", kStruct},   {"sock___old", kStruct}, {"sock_common", kStruct}, {"tcp_sock", kStruct},
};

// Anonymous records first (a pointer and a prototype), then `named` in the
// order given; returns the BTF bytes.
std::vector<std::uint8_t> build(const std::vector<Named>& named) {
    BtfBuilder b;
    b.ptr(0);
    const std::uint32_t proto = b.func_proto(0, {});
    for (const Named& n : named) {
        if (n.kind == 1)
            b.int_(n.name, 4, 32, 1);
        else if (n.kind == kFunc)
            b.type(n.name, kFunc, 0, false, proto);
        else
            b.type(n.name, n.kind, 0, false, n.kind == kTypedef ? 1 : 0);
    }
    return b.build();
}

// Every lookup the loader makes, sorted against the oracle, for each name
// there, names that are not, and prefixes.
void check_against_oracle(const Btf& sorted, const Btf& oracle) {
    std::vector<std::string> names = {"", "a_", "zz", "___", "a___", "bpf_struct_ops_", "s", "sock_", "~"};
    for (TypeId id = sorted.first_own_id(); id < sorted.type_count(); ++id) {
        const std::string n(sorted.type(id).name());
        if (n.empty()) continue;
        names.push_back(n);
        names.push_back(n + "x");
        names.push_back(n.substr(0, n.size() - 1));
    }
    const Kind kinds[] = {Kind::Struct, Kind::Fwd, Kind::Typedef, Kind::Func, Kind::Int, Kind::Union};
    // Twice: the oracle's first lookups scan, later ones go through its index.
    for (int round = 0; round < 2; ++round)
        for (const std::string& n : names) {
            CAPTURE(n);
            CHECK(sorted.find_all(n) == oracle.find_all(n));
            for (Kind k : kinds) {
                CAPTURE(kind_name(k));
                auto a = sorted.find(n, k), b = oracle.find(n, k);
                CHECK(a.ok() == b.ok());
                if (a.ok() && b.ok()) CHECK(*a == *b);
                CHECK(sorted.find_all(n, k) == oracle.find_all(n, k));
                CHECK(sorted.find_all_essential(n, k) == oracle.find_all_essential(n, k));
                CHECK(sorted.own_types_with_prefix(n, k) == oracle.own_types_with_prefix(n, k));
            }
        }
}

}  // namespace

TEST_CASE("sorted BTF: recognised, and its lookups answer what scans and indexes answer") {
    REQUIRE(std::is_sorted(kNamed.begin(), kNamed.end(), [](const Named& x, const Named& y) { return x.name < y.name; }));
    auto bytes = build(kNamed);
    auto sorted = Btf::parse(bytes, nullptr, "sorted");
    REQUIRE_MESSAGE(sorted.ok(), (sorted.ok() ? "" : sorted.error().message()));
    CHECK(sorted->sorted_by_name());
    auto oracle = Btf::parse(bytes, nullptr, "oracle");
    REQUIRE(oracle.ok());
    oracle->forget_name_order();
    CHECK_FALSE(oracle->sorted_by_name());
    check_against_oracle(*sorted, *oracle);

    // What the answers are, spelled out for a few.
    const TypeId a = 4;  // after the pointer [1], the prototype [2] and "___x" [3]
    CHECK(sorted->type(a).name() == "a");
    CHECK(sorted->find_all_essential("a", Kind::Struct) == std::vector<TypeId>{a, a + 2, a + 3});
    CHECK(sorted->find_all("a") == std::vector<TypeId>{a, a + 1});
    CHECK(sorted->find_all_essential("___x", Kind::Func) == std::vector<TypeId>{3});
    CHECK(sorted->own_types_with_prefix("bpf_struct_ops_", Kind::Struct).size() == 2);
    CHECK(sorted->find_all_essential("sock", Kind::Struct).size() == 2);
    CHECK_FALSE(sorted->find("a_", Kind::Struct).ok());
}

TEST_CASE("sorted BTF: any other layout is not taken for it") {
    SUBCASE("one pair out of order") {
        auto v = kNamed;
        std::swap(v[5], v[6]);
        auto r = Btf::parse(build(v), nullptr, "t");
        REQUIRE(r.ok());
        CHECK_FALSE(r->sorted_by_name());
        CHECK(r->find("ab", Kind::Struct).ok());
    }
    SUBCASE("an anonymous type after a named one") {
        BtfBuilder b;
        b.int_("int", 4, 32, 1);
        b.ptr(1);
        auto r = Btf::parse(b.build(), nullptr, "t");
        REQUIRE(r.ok());
        CHECK_FALSE(r->sorted_by_name());
    }
    SUBCASE("generation order, as pahole writes it") {
        BtfBuilder b;
        const auto i = b.int_("int", 4, 32, 1);
        const auto p = b.ptr(i);
        b.composite(false, "s", 8, {{"p", p, 0}});
        b.int_("char", 1, 8);
        auto r = Btf::parse(b.build(), nullptr, "t");
        REQUIRE(r.ok());
        CHECK_FALSE(r->sorted_by_name());
    }
    SUBCASE("names only, in order, count as sorted; no types at all too") {
        BtfBuilder b;
        b.int_("char", 1, 8);
        b.int_("int", 4, 32, 1);
        auto r = Btf::parse(b.build(), nullptr, "t");
        REQUIRE(r.ok());
        CHECK(r->sorted_by_name());
        CHECK(*r->find("int", Kind::Int) == 2);
        auto empty = Btf::parse(BtfBuilder().build(), nullptr, "t");
        REQUIRE(empty.ok());
        CHECK(empty->find_all("int").empty());
    }
}

TEST_CASE("sorted split BTF: names from the base's strings, lookups through the base") {
    auto base_bytes = build(kNamed);
    auto base = Btf::parse(base_bytes, nullptr, "base");
    REQUIRE(base.ok());
    auto oracle_base = Btf::parse(base_bytes, nullptr, "base");
    REQUIRE(oracle_base.ok());
    oracle_base->forget_name_order();

    BtfBuilder s(base->type_count(), base->str_end(), /*split=*/true);
    s.ptr(1);
    // A module type named with the base's string "sock" sorts among its own.
    const std::uint32_t sock_off = base->type(*base->find("sock", Kind::Struct)).name_off();
    s.type("a_mod", kStruct, 0, false, 0);
    s.type_off(sock_off, kTypedef, 0, false, 1);
    s.type("sock___mod", kStruct, 0, false, 0);
    s.type("zmod", kFunc, 0, false, 2);
    auto bytes = s.build();
    auto split = Btf::parse(bytes, &*base, "mod");
    REQUIRE_MESSAGE(split.ok(), (split.ok() ? "" : split.error().message()));
    CHECK(split->sorted_by_name());
    auto oracle = Btf::parse(bytes, &*oracle_base, "mod");
    REQUIRE(oracle.ok());
    oracle->forget_name_order();
    check_against_oracle(*split, *oracle);
    CHECK(split->find_all_essential("sock", Kind::Struct).size() == 3);  // two in the base, one here
    CHECK(split->find_all("sock").size() == 2);
}

TEST_CASE("an essential-name lookup lists a name holding \"___\" once, also from the index") {
    // "____fput" is its own essential name; once the FUNC group was indexed,
    // the lookup found it both in the table and in the group's "___" list.
    BtfBuilder b;
    b.int_("int", 4, 32, 1);
    const auto proto = b.func_proto(1, {});
    const auto fput = b.type("____fput", kFunc, 0, false, proto);
    const auto v2 = b.type("f___v2", kFunc, 0, false, proto);
    const auto f = b.type("f", kFunc, 0, false, proto);
    auto r = Btf::parse(b.build(), nullptr, "t");
    REQUIRE(r.ok());
    r->forget_name_order();
    for (int round = 0; round < 20; ++round) {  // past the FUNC group's scan budget
        CAPTURE(round);
        CHECK(r->find_all_essential("____fput", Kind::Func) == std::vector<TypeId>{fput});
        CHECK(r->find_all_essential("f", Kind::Func) == std::vector<TypeId>{v2, f});
    }
}
