// decode_value: map and struct_ops bytes read back through a hand-built BTF,
// every shape the printer can meet, and crafted BTF that must not crash it.
#include <doctest/doctest.h>

#include <cstring>
#include <functional>

#include "btf/btf.h"
#include "btf/format_value.h"
#include "tests/btf/btf_builder.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;

namespace {

template <typename T>
void put(std::vector<std::byte>& b, std::size_t at, T v) {
    if (b.size() < at + sizeof v) b.resize(at + sizeof v);
    std::memcpy(b.data() + at, &v, sizeof v);
}

const DecodedValue& child(const DecodedValue& v, const std::string& name) {
    for (const auto& c : v.children)
        if (c.name == name) return c;
    FAIL("no child " << name);
    return v;
}

}  // namespace

TEST_CASE("decode_value: a struct with ints, an enum, a bitfield, a char array, a pointer and an array") {
    BtfBuilder b;
    const auto u32_t = b.int_("unsigned int", 4, 32, 0);
    const auto s64_t = b.int_("long long", 8, 64, 1);
    const auto char_t = b.int_("char", 1, 8, 1);
    const auto bool_t = b.int_("_Bool", 1, 8, 4);
    const auto e = b.type("state", 6, 2, false, 4);
    b.u32(b.str("ST_INIT")); b.u32(0);
    b.u32(b.str("ST_INUSE")); b.u32(1);
    const auto name_arr = b.array(char_t, u32_t, 8);
    const auto ptr = b.ptr(u32_t);
    const auto arr = b.array(u32_t, u32_t, 3);
    // kflag struct: bitfields `lo:3` and `hi:5` share one byte at offset 40.
    const auto s = b.composite(false, "sample", 48,
                               {{"count", u32_t, 0}, {"state", e, 32}, {"delta", s64_t, 64}, {"name", name_arr, 128},
                                {"next", ptr, 192}, {"hist", arr, 256}, {"lo", u32_t, 352, 3}, {"hi", u32_t, 355, 5},
                                {"ok", bool_t, 360}},
                               true);
    auto btf = Btf::parse(b.build());
    REQUIRE(btf.ok());

    std::vector<std::byte> v(48);
    put<std::uint32_t>(v, 0, 7);
    put<std::uint32_t>(v, 4, 1);
    put<std::int64_t>(v, 8, -42);
    std::memcpy(v.data() + 16, "reno\0\0\0\0", 8);
    put<std::uint64_t>(v, 24, 0xffff888012345678ull);
    put<std::uint32_t>(v, 32, 10); put<std::uint32_t>(v, 36, 20); put<std::uint32_t>(v, 40, 30);
    put<std::uint8_t>(v, 44, static_cast<std::uint8_t>(5 | (17 << 3)));
    put<std::uint8_t>(v, 45, 1);

    const DecodedValue d = decode_value(*btf, s, v);
    REQUIRE(d.shape == DecodedValue::Shape::Record);
    CHECK(scalar_text(child(d, "count")) == "7");
    CHECK(scalar_text(child(d, "state")) == "ST_INUSE");
    CHECK(scalar_text(child(d, "delta")) == "-42");
    CHECK(scalar_text(child(d, "name")) == "\"reno\"");
    CHECK(scalar_text(child(d, "next")) == "0xffff888012345678");
    const DecodedValue& hist = child(d, "hist");
    REQUIRE(hist.children.size() == 3);
    CHECK(scalar_text(hist.children[2]) == "30");
    CHECK(scalar_text(child(d, "lo")) == "5");
    CHECK(scalar_text(child(d, "hi")) == "17");
    CHECK(scalar_text(child(d, "ok")) == "true");
}

TEST_CASE("decode_value: a DATASEC gives its variables by name; an unnamed enum value stays a number") {
    BtfBuilder b;
    const auto int_t = b.int_("int", 4, 32, 1);
    const auto e = b.type("mode", 6, 1, true, 4);
    b.u32(b.str("MODE_A")); b.u32(static_cast<std::uint32_t>(-1));
    const auto var_a = b.type("counter", 14, 0, false, int_t); b.u32(1);
    const auto var_b = b.type("mode_now", 14, 0, false, e); b.u32(1);
    const auto sec = b.type(".bss", 15, 2, false, 8);
    b.u32(var_a); b.u32(0); b.u32(4);
    b.u32(var_b); b.u32(4); b.u32(4);
    auto btf = Btf::parse(b.build());
    REQUIRE(btf.ok());
    std::vector<std::byte> v(8);
    put<std::int32_t>(v, 0, -3);
    put<std::int32_t>(v, 4, -1);
    DecodedValue d = decode_value(*btf, sec, v);
    REQUIRE(d.children.size() == 2);
    CHECK(d.children[0].name == "counter");
    CHECK(scalar_text(d.children[0]) == "-3");
    CHECK(scalar_text(d.children[1]) == "MODE_A");
    put<std::int32_t>(v, 4, -7);
    d = decode_value(*btf, sec, v);
    CHECK(scalar_text(d.children[1]) == "-7");
}

TEST_CASE("decode_value: bytes shorter than the type, huge arrays and deep nesting stay bounded") {
    BtfBuilder b;
    const auto u64_t = b.int_("unsigned long long", 8, 64, 0);
    const auto huge = b.array(u64_t, u64_t, 0x7fffffff);  // claims 16 GiB
    const auto s = b.composite(false, "pair", 16, {{"a", u64_t, 0}, {"b", u64_t, 64}});
    // A chain of 100 one-member structs: deeper than max_depth.
    std::uint32_t inner = u64_t;
    for (int i = 0; i < 100; ++i) inner = b.composite(false, "n" + std::to_string(i), 8, {{"x", inner, 0}});
    auto btf = Btf::parse(b.build());
    REQUIRE(btf.ok());
    std::vector<std::byte> v(12);
    put<std::uint64_t>(v, 0, 9);
    const DecodedValue d = decode_value(*btf, s, v);
    CHECK(scalar_text(d.children[0]) == "9");
    CHECK(d.children[1].shape == DecodedValue::Shape::Bytes);  // 4 of its 8 bytes
    CHECK(d.children[1].bytes.size() == 4);
    CHECK(decode_value(*btf, huge, v).children.size() == 1);  // only what 12 bytes hold
    std::vector<std::byte> eight(8);
    const DecodedValue* node = nullptr;
    DecodedValue deep = decode_value(*btf, inner, eight, {.max_depth = 16});
    node = &deep;
    int levels = 0;
    while (!node->children.empty()) node = &node->children[0], ++levels;
    CHECK(levels <= 17);
    CHECK(node->shape == DecodedValue::Shape::Truncated);
}

TEST_CASE("decode_value: a tree that doubles at each level stays bounded in nodes, not only in depth") {
    // Each level a zero-sized struct with two members of the level below:
    // 2^17 nodes within max_depth 32 had every one been decoded (the fuzzer's
    // input nested deeper, past 4 GB).
    BtfBuilder b;
    std::uint32_t level = b.composite(false, "leaf", 0, {});
    for (int i = 0; i < 16; ++i)
        level = b.composite(false, "l" + std::to_string(i), 0, {{"a", level, 0}, {"b", level, 0}});
    auto btf = Btf::parse(b.build());
    REQUIRE(btf.ok());
    std::size_t nodes = 0, truncated = 0;
    std::function<void(const DecodedValue&)> count = [&](const DecodedValue& v) {
        ++nodes;
        truncated += v.shape == DecodedValue::Shape::Truncated;
        for (const auto& c : v.children) count(c);
    };
    count(decode_value(*btf, level, {}, {.max_depth = 32, .max_nodes = 1000}));
    CHECK(nodes <= 1000 + 32);  // the budget, and a Truncated sibling at each level of the last path
    CHECK(truncated > 0);
}
