// Every walk of the BTF library over the type graph, on hand-made BTF that
// loops or fans out (issue 13): the parser accepts these (each reference is
// in range), so resolve/size/alignment, the member search, the C dump and
// value decoding must each stop at their bound with an error or marker that
// names the type, quickly, and never answer as if the type were fine.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/format_c.h"
#include "btf/format_value.h"
#include "tests/btf/bounds_support.h"
#include "tests/btf/btf_builder.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;
using rawops::testing::contains;
using rawops::testing::parse;
using rawops::testing::quickly;

namespace {

std::string id_text(TypeId id) { return "[" + std::to_string(id) + "]"; }

// The deepest node of a decoded value (first child each time) and its depth.
const DecodedValue& deepest(const DecodedValue& v, int& levels) {
    const DecodedValue* n = &v;
    levels = 0;
    while (!n->children.empty()) n = &n->children[0], ++levels;
    return *n;
}

std::size_t node_count(const DecodedValue& v) {
    std::size_t n = 1;
    for (const auto& c : v.children) n += node_count(c);
    return n;
}

}  // namespace

TEST_CASE("bounds: a typedef cycle fails resolve, size_of and align_of naming the type") {
    // [1] TYPEDEF a_t -> [2], [2] TYPEDEF b_t -> [1]
    BtfBuilder b;
    const auto a = b.typedef_("a_t", 2);
    b.typedef_("b_t", a);
    const Btf btf = parse(b);
    auto r = btf.resolve(a);
    REQUIRE_FALSE(r.ok());
    CHECK(contains(r.error().message(), "[1] TYPEDEF 'a_t'"));
    CHECK(contains(r.error().message(), "longer than 32"));
    auto s = btf.size_of(a);
    REQUIRE_FALSE(s.ok());
    CHECK(contains(s.error().message(), "'a_t'"));
    auto al = btf.align_of(a);
    REQUIRE_FALSE(al.ok());
    CHECK(contains(al.error().message(), "deeper than 32"));
}

TEST_CASE("bounds: arrays of arrays that loop have no size and no alignment") {
    // [1] int, [2] ARRAY of [3], [3] ARRAY of [2]
    BtfBuilder b;
    const auto i = b.int_("int", 4, 32, 1);
    const auto a2 = b.array(3, i, 2);
    b.array(a2, i, 2);
    const Btf btf = parse(b);
    auto s = btf.size_of(a2);
    REQUIRE_FALSE(s.ok());
    CHECK(contains(s.error().message(), id_text(a2) + " ARRAY"));
    CHECK_FALSE(btf.align_of(a2).ok());
}

TEST_CASE("bounds: a pointer to itself has a size (it is a pointer), and resolves to itself") {
    // [1] PTR -> [1]: legal C cannot say it, BTF can; sizing it needs no walk.
    BtfBuilder b;
    const auto p = b.ptr(1);
    const Btf btf = parse(b);
    REQUIRE(btf.resolve(p).ok());
    CHECK(*btf.resolve(p) == p);
    CHECK(*btf.size_of(p) == 8);
    CHECK(btf.func_proto_of_pointer(p).is_void());
}

TEST_CASE("bounds: align_of a struct embedding itself k times is an error, in linear time") {
    // struct self { struct self m0..m7; }: recursion depth 32 with 8 members
    // a level would be 8^32 calls without the per-call memo.
    BtfBuilder b;
    b.int_("int", 4, 32, 1);
    const auto self = b.next_id();
    std::vector<BtfBuilder::M> ms;
    for (int k = 0; k < 8; ++k) ms.push_back({"m" + std::to_string(k), self, 0});
    b.composite(false, "self", 4, ms);
    const Btf btf = parse(b);
    auto a = quickly([&] { return btf.align_of(self); });
    REQUIRE_FALSE(a.ok());
    CHECK(contains(a.error().message(), "STRUCT 'self'"));
    CHECK(contains(a.error().message(), "deeper than 32"));
    // Finite fan-out (k distinct levels, each embedding the one below k
    // times) is fine and quick: every struct is aligned once.
    BtfBuilder f;
    auto inner = f.int_("int", 4, 32, 1);
    for (int level = 0; level < 20; ++level) {
        std::vector<BtfBuilder::M> m;
        for (int k = 0; k < 8; ++k) m.push_back({"m" + std::to_string(k), inner, 0});
        inner = f.composite(false, "l" + std::to_string(level), 4, m);
    }
    const Btf fine = parse(f);
    auto fa = quickly([&] { return fine.align_of(inner); });
    REQUIRE_MESSAGE(fa.ok(), fa.error().message());
    CHECK(*fa == 4);
}

TEST_CASE("bounds: a member under more than 32 anonymous members is an error, not 'no member'") {
    BtfBuilder b;
    const auto i = b.int_("int", 4, 32, 1);
    auto inner = b.composite(false, "", 4, {{"leaf", i, 0}});
    for (int k = 0; k < 40; ++k) inner = b.composite(false, "", 4, {{"", inner, 0}});
    const auto deep = b.composite(false, "deep", 4, {{"", inner, 0}, {"near", i, 0}});
    // 20 levels deep: found, with the whole path.
    auto shallow_inner = b.composite(false, "", 4, {{"leaf", i, 0}});
    for (int k = 0; k < 20; ++k) shallow_inner = b.composite(false, "", 4, {{"", shallow_inner, 0}});
    const auto shallow = b.composite(false, "shallow", 4, {{"", shallow_inner, 0}});
    const Btf btf = parse(b);

    auto m = btf.find_member(deep, "leaf");
    REQUIRE_FALSE(m.ok());
    CHECK(contains(m.error().message(), "anonymous members nest deeper than 32"));
    CHECK(contains(m.error().message(), "STRUCT 'deep'"));
    CHECK_FALSE(contains(m.error().message(), "has no member"));
    // A member that truly is missing still says so; a near one is found.
    auto missing = btf.find_member(shallow, "nothing");
    REQUIRE_FALSE(missing.ok());
    CHECK(contains(missing.error().message(), "has no member 'nothing'"));
    auto found = btf.find_member(shallow, "leaf");
    REQUIRE_MESSAGE(found.ok(), found.error().message());
    CHECK(found->path.size() == 22);
    CHECK(btf.find_member(deep, "near").ok());
}

TEST_CASE("bounds: an anonymous member that is its own container ends at the bound") {
    // [2] struct self_anon { struct <[3]>; }, [3] struct { struct <[2]>; int y; }
    BtfBuilder b;
    const auto i = b.int_("int", 4, 32, 1);
    const auto outer = b.composite(false, "self_anon", 4, {{"", 3, 0}});
    b.composite(false, "", 4, {{"", outer, 0}, {"y", i, 0}});
    const Btf btf = parse(b);
    auto y = btf.find_member(outer, "y");  // one level down: found
    REQUIRE(y.ok());
    auto z = quickly([&] { return btf.find_member(outer, "z"); });
    REQUIRE_FALSE(z.ok());
    // Every composite is searched once: the loop ends as "no member", which
    // here is the truth (nothing named z anywhere in the loop).
    CHECK(contains(z.error().message(), "has no member 'z'"));
    CHECK_FALSE(btf.func_proto_of_member(outer, "y").ok());  // an int, not a function pointer
}

TEST_CASE("bounds: the C dump fails on loops, naming the type and the root being written") {
    SUBCASE("a FUNC_PROTO whose parameter points back to it") {
        BtfBuilder b;
        const auto i = b.int_("int", 4, 32, 1);
        b.func_proto(i, {{"cb", 3}});
        const auto p = b.ptr(2);
        b.typedef_("self_fn", p);
        const Btf btf = parse(b);
        auto c = quickly([&] { return format_c(btf); });
        REQUIRE_FALSE(c.ok());
        CHECK(contains(c.error().message(), "(a loop?)"));
        CHECK(contains(c.error().message(), "while writing"));
    }
    SUBCASE("a pointer cycle through const") {
        BtfBuilder b;
        b.ptr(2);
        b.type("", 10, 0, false, 1);  // [2] CONST -> [1]
        const Btf btf = parse(b);
        auto c = quickly([&] { return format_c(btf); });
        REQUIRE_FALSE(c.ok());
        CHECK(contains(c.error().message(), "deeper than 600"));
        CHECK(contains(c.error().message(), "while writing [1] PTR"));
    }
    SUBCASE("arrays of arrays that loop") {
        BtfBuilder b;
        const auto i = b.int_("int", 4, 32, 1);
        const auto a = b.array(3, i, 2);
        b.array(a, i, 2);
        const Btf btf = parse(b);
        auto c = quickly([&] { return format_c(btf); });
        REQUIRE_FALSE(c.ok());
        CHECK(contains(c.error().message(), "ARRAY"));
    }
    SUBCASE("a struct embedding itself") {
        BtfBuilder b;
        b.int_("int", 4, 32, 1);
        b.composite(false, "self", 4, {{"a", 2, 0}, {"b", 2, 0}});
        const Btf btf = parse(b);
        auto c = quickly([&] { return format_c(btf); });
        REQUIRE_FALSE(c.ok());
        CHECK(contains(c.error().message(), "STRUCT 'self'"));
    }
    SUBCASE("anonymous structs nested deeper than 64") {
        BtfBuilder b;
        const auto i = b.int_("int", 4, 32, 1);
        auto inner = b.composite(false, "", 4, {{"leaf", i, 0}});
        for (int k = 0; k < 70; ++k) inner = b.composite(false, "", 4, {{"", inner, 0}});
        const auto deep = b.composite(false, "deep", 4, {{"", inner, 0}});
        const Btf btf = parse(b);
        CFormatOptions o;
        o.roots = {deep};
        auto c = quickly([&] { return format_c(btf, o); });
        REQUIRE_FALSE(c.ok());
        CHECK(contains(c.error().message(), "anonymous types nest deeper than 64"));
        CHECK(contains(c.error().message(), "while writing " + id_text(deep) + " STRUCT 'deep'"));
    }
}

TEST_CASE("bounds: the C dump stops prototypes that fan out, and still writes a modest one") {
    // Level n: a prototype of `width` parameters, each a pointer to level
    // n-1. Its declarator is width^levels long: 6^12 is 2 billion types.
    auto build = [](int width, int levels, TypeId& top) {
        BtfBuilder b;
        const auto i = b.int_("int", 4, 32, 1);
        auto prev = b.func_proto(i, {{"x", i}});
        for (int level = 0; level < levels; ++level) {
            const auto p = b.ptr(prev);
            std::vector<std::pair<std::string, std::uint32_t>> params;
            for (int k = 0; k < width; ++k) params.push_back({"a" + std::to_string(k), p});
            prev = b.func_proto(i, params);
        }
        top = b.typedef_("fan_t", b.ptr(prev));
        auto r = Btf::parse(b.build());
        REQUIRE(r.ok());
        return std::move(r).value();
    };
    TypeId top = 0;
    const Btf wide = build(6, 12, top);
    CFormatOptions o;
    o.roots = {top};
    auto c = quickly([&] { return format_c(wide, o); });
    REQUIRE_FALSE(c.ok());
    CHECK(contains(c.error().message(), "steps to write it"));
    CHECK(contains(c.error().message(), "while writing " + id_text(top) + " TYPEDEF 'fan_t'"));

    const Btf modest = build(2, 3, top);
    o.roots = {top};
    auto m = format_c(modest, o);
    REQUIRE_MESSAGE(m.ok(), m.error().message());
    CHECK(contains(*m, "typedef int (*fan_t)("));
}

TEST_CASE("bounds: value decoding cuts loops and fan-out, naming the type") {
    SUBCASE("a struct embedding itself k times: at most max_nodes nodes") {
        BtfBuilder b;
        b.int_("int", 4, 32, 1);
        std::vector<BtfBuilder::M> ms;
        for (int k = 0; k < 6; ++k) ms.push_back({"m" + std::to_string(k), 2, 0});
        const auto self = b.composite(false, "self", 4, ms);
        const Btf btf = parse(b);
        const std::vector<std::byte> bytes(4);
        const DecodedValue v = quickly([&] { return decode_value(btf, self, bytes); });
        CHECK(node_count(v) <= 4096 + 8 * bytes.size() + 64);
        // Somewhere it was cut, and the cut says why.
        int levels = 0;
        const DecodedValue& leaf = deepest(v, levels);
        CHECK(leaf.shape == DecodedValue::Shape::Truncated);
        CHECK(contains(scalar_text(leaf), "[2]"));
        CHECK(contains(value_text(v), "values decoded"));
    }
    SUBCASE("arrays of arrays that loop: size unknown, shown as bytes") {
        BtfBuilder b;
        const auto i = b.int_("int", 4, 32, 1);
        const auto a = b.array(3, i, 2);
        b.array(a, i, 2);
        const Btf btf = parse(b);
        const std::vector<std::byte> bytes(16);
        const DecodedValue v = decode_value(btf, a, bytes);
        CHECK(v.shape == DecodedValue::Shape::List);
        CHECK(v.children.empty());  // no element size: nothing to decode
    }
    SUBCASE("a chain deeper than max_depth names the type where it stopped") {
        BtfBuilder b;
        std::uint32_t inner = b.int_("int", 4, 32, 1);
        for (int k = 0; k < 40; ++k) inner = b.composite(false, "n" + std::to_string(k), 4, {{"x", inner, 0}});
        const Btf btf = parse(b);
        const std::vector<std::byte> bytes(4);
        const DecodedValue v = decode_value(btf, inner, bytes);
        int levels = 0;
        const DecodedValue& leaf = deepest(v, levels);
        CHECK(levels == 33);
        REQUIRE(leaf.shape == DecodedValue::Shape::Truncated);
        CHECK(contains(leaf.text, "nests deeper than 32"));
        CHECK(contains(leaf.text, id_text(leaf.type)));
    }
}

TEST_CASE("bounds: many roots each under the per-root budget stop at the whole dump's") {
    // One prototype fanning out 4^6 ways (under 2^16 steps to write), named
    // by 400 typedefs: each root alone is fine, all of them would be ~10^7
    // steps. The whole dump is bounded by the number of types.
    BtfBuilder b;
    const auto i = b.int_("int", 4, 32, 1);
    auto prev = b.fanning_prototype(i, 6, 4);
    const auto top = b.ptr(prev);
    TypeId first = 0;
    for (int k = 0; k < 400; ++k) {
        const auto t = b.typedef_("fan" + std::to_string(k) + "_t", top);
        if (!first) first = t;
    }
    const Btf btf = parse(b);
    CFormatOptions one;
    one.roots = {first};
    auto alone = format_c(btf, one);
    REQUIRE_MESSAGE(alone.ok(), alone.error().message());  // one root fits its budget
    auto all = quickly([&] { return format_c(btf); });
    REQUIRE_FALSE(all.ok());
    CHECK(contains(all.error().message(), "steps for the whole dump"));
    CHECK(contains(all.error().message(), "while writing ["));
}
