// Every malformed input is rejected with a message that names what is wrong:
// header fields, section bounds, and for type records the type id, kind and
// field at fault.
#include <doctest/doctest.h>

#include <string>

#include "btf/btf.h"
#include "tests/btf/btf_builder.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;
using rawops::testing::put_u32;

namespace {

// Parses and expects failure whose message contains every `needle`.
void expect_error(const std::vector<std::uint8_t>& bytes, std::initializer_list<const char*> needles) {
    auto r = Btf::parse(bytes, nullptr, "t");
    REQUIRE_MESSAGE(!r.ok(), "parse unexpectedly succeeded");
    const std::string& msg = r.error().message();
    for (const char* n : needles) CHECK_MESSAGE(msg.find(n) != std::string::npos, "'" << n << "' not in: " << msg);
}

// A valid small BTF: [1] int, [2] struct s { int a; }.
BtfBuilder base_builder() {
    BtfBuilder b;
    b.int_("int", 4, 32, 1);
    b.composite(false, "s", 4, {{"a", 1, 0}});
    return b;
}

constexpr std::size_t kHdr = 24;

}  // namespace

TEST_CASE("the valid baseline parses") {
    auto r = Btf::parse(base_builder().build(), nullptr, "t");
    REQUIRE(r.ok());
    CHECK(r->type_count() == 3);
}

TEST_CASE("header errors") {
    auto good = base_builder().build();
    SUBCASE("truncated header") { expect_error({good.begin(), good.begin() + 10}, {"truncated", "header"}); }
    SUBCASE("empty input") { expect_error({}, {"truncated"}); }
    SUBCASE("bad magic") {
        auto b = good;
        b[0] = 0x12;
        b[1] = 0x34;
        expect_error(b, {"bad magic 0x3412"});
    }
    SUBCASE("big-endian magic") {
        auto b = good;
        b[0] = 0xeb;
        b[1] = 0x9f;
        expect_error(b, {"big-endian"});
    }
    SUBCASE("bad version") {
        auto b = good;
        b[2] = 2;
        expect_error(b, {"version 2"});
    }
    SUBCASE("flags") {
        auto b = good;
        b[3] = 1;
        expect_error(b, {"flags"});
    }
    SUBCASE("hdr_len too small") {
        auto b = good;
        put_u32(b, 4, 20);
        expect_error(b, {"hdr_len 20"});
    }
    SUBCASE("hdr_len past the end") {
        auto b = good;
        put_u32(b, 4, 100000);
        expect_error(b, {"truncated", "hdr_len 100000"});
    }
    SUBCASE("type section past the end") {
        auto b = good;
        put_u32(b, 12, 4000);
        expect_error(b, {"truncated", "type section"});
    }
    SUBCASE("string section past the end") {
        auto b = good;
        put_u32(b, 20, 4000);
        expect_error(b, {"truncated", "string section"});
    }
    SUBCASE("truncated file cuts the string section") {
        expect_error({good.begin(), good.end() - 3}, {"truncated", "string section"});
    }
    SUBCASE("misaligned type section") {
        auto b = good;
        put_u32(b, 8, 2);
        expect_error(b, {"not 4-byte aligned"});
    }
    SUBCASE("overlapping sections") {
        auto b = good;
        put_u32(b, 16, 4);  // strings start inside the types
        expect_error(b, {"overlap"});
    }
    SUBCASE("string section not starting with NUL") {
        BtfBuilder bb = base_builder();
        bb.strings()[0] = 'x';
        expect_error(bb.build(), {"does not start with the empty string"});
    }
    SUBCASE("string section not ending with NUL") {
        BtfBuilder bb = base_builder();
        bb.strings().back() = 'x';
        expect_error(bb.build(), {"does not end with a NUL"});
    }
    SUBCASE("empty string section") {
        BtfBuilder bb;
        bb.strings().clear();
        expect_error(bb.build(), {"empty string section"});
    }
    SUBCASE("non-zero bytes in a longer header") {
        std::vector<std::uint8_t> b(good.begin(), good.begin() + kHdr);
        b.insert(b.end(), {7, 0, 0, 0});
        b.insert(b.end(), good.begin() + kHdr, good.end());
        put_u32(b, 4, 28);
        expect_error(b, {"unknown non-zero header byte at offset 24"});
    }
}

TEST_CASE("a longer header with zero padding is accepted") {
    auto good = base_builder().build();
    std::vector<std::uint8_t> b(good.begin(), good.begin() + kHdr);
    b.insert(b.end(), {0, 0, 0, 0});
    b.insert(b.end(), good.begin() + kHdr, good.end());
    put_u32(b, 4, 28);
    auto r = Btf::parse(b, nullptr, "t");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    CHECK(r->type(2).name() == "s");
}

TEST_CASE("type record errors name the type id, kind and field") {
    SUBCASE("truncated record") {
        BtfBuilder b = base_builder();
        b.types().resize(b.types().size() - 4);  // cut the member's offset word
        expect_error(b.build(), {"type [2]", "STRUCT", "vlen 1 needs 24 bytes"});
    }
    SUBCASE("truncated type header") {
        BtfBuilder b = base_builder();
        b.u32(0);  // 4 stray bytes: not a whole btf_type
        expect_error(b.build(), {"type [3]", "truncated record"});
    }
    SUBCASE("unknown kind") {
        BtfBuilder b = base_builder();
        b.type("x", 20, 0, false, 0);
        expect_error(b.build(), {"type [3]", "unknown kind 20"});
    }
    SUBCASE("kind 0") {
        BtfBuilder b = base_builder();
        b.type("", 0, 0, false, 0);
        expect_error(b.build(), {"type [3]", "unknown kind 0"});
    }
    SUBCASE("vlen past the end of the type section") {
        BtfBuilder b = base_builder();
        b.type("big", 4, 500, false, 4);
        expect_error(b.build(), {"type [3]", "STRUCT with vlen 500"});
    }
    SUBCASE("vlen on a kind without records") {
        BtfBuilder b = base_builder();
        b.type("", 2, 3, false, 1);  // PTR with vlen 3
        expect_error(b.build(), {"type [3] PTR", "vlen: vlen 3 must be 0"});
    }
    SUBCASE("kflag on a kind without it") {
        BtfBuilder b = base_builder();
        b.type("", 2, 0, true, 1);
        expect_error(b.build(), {"type [3] PTR", "kflag"});
    }
    SUBCASE("unused info bits") {
        BtfBuilder b = base_builder();
        b.u32(0);
        b.u32((2u << 24) | (1u << 20));
        b.u32(1);
        expect_error(b.build(), {"type [3] PTR", "unused bits"});
    }
    SUBCASE("type name offset out of range") {
        BtfBuilder b = base_builder();
        b.type_off(9999, 8, 0, false, 1);
        expect_error(b.build(), {"type [3] TYPEDEF", "name: string offset 9999 out of range"});
    }
    SUBCASE("PTR to an id out of range") {
        BtfBuilder b = base_builder();
        b.ptr(77);
        expect_error(b.build(), {"type [3] PTR", "type: type id 77 out of range"});
    }
    SUBCASE("member type out of range") {
        BtfBuilder b = base_builder();
        b.composite(false, "bad", 8, {{"a", 1, 0}, {"b", 42, 32}});
        expect_error(b.build(), {"type [3] STRUCT 'bad'", "member 1 'b' type: type id 42 out of range"});
    }
    SUBCASE("member name out of range") {
        BtfBuilder b = base_builder();
        b.type("bad", 4, 1, false, 4);
        b.u32(5000);
        b.u32(1);
        b.u32(0);
        expect_error(b.build(), {"type [3] STRUCT 'bad'", "member 0 name: string offset 5000"});
    }
    SUBCASE("bitfield too large") {
        BtfBuilder b = base_builder();
        b.composite(false, "bf", 4, {{"a", 1, 0, 200}}, true);
        expect_error(b.build(), {"type [3] STRUCT 'bf'", "bitfield_size 200"});
    }
    SUBCASE("array element and index types") {
        BtfBuilder b = base_builder();
        b.array(1, 55, 3);
        expect_error(b.build(), {"type [3] ARRAY", "index type: type id 55"});
        BtfBuilder c = base_builder();
        c.array(66, 1, 3);
        expect_error(c.build(), {"type [3] ARRAY", "element type: type id 66"});
    }
    SUBCASE("enum value name out of range") {
        BtfBuilder b = base_builder();
        b.type("e", 6, 1, false, 4);
        b.u32(7777);
        b.u32(0);
        expect_error(b.build(), {"type [3] ENUM 'e'", "value 0 name: string offset 7777"});
    }
    SUBCASE("enum64 value name out of range") {
        BtfBuilder b = base_builder();
        b.type("e", 19, 1, false, 8);
        b.u32(7777);
        b.u32(0);
        b.u32(0);
        expect_error(b.build(), {"type [3] ENUM64 'e'", "value 0 name"});
    }
    SUBCASE("enum size") {
        BtfBuilder b = base_builder();
        b.type("e", 6, 0, false, 3);
        expect_error(b.build(), {"type [3] ENUM 'e'", "invalid enum size 3"});
    }
    SUBCASE("func_proto param type and return type") {
        BtfBuilder b = base_builder();
        b.func_proto(1, {{"x", 1}, {"y", 99}});
        expect_error(b.build(), {"type [3] FUNC_PROTO", "param 1 'y' type: type id 99"});
        BtfBuilder c = base_builder();
        c.func_proto(98, {});
        expect_error(c.build(), {"type [3] FUNC_PROTO", "return type: type id 98"});
    }
    SUBCASE("func must point to a func_proto") {
        BtfBuilder b = base_builder();
        b.type("f", 12, 0, false, 1);
        expect_error(b.build(), {"type [3] FUNC 'f'", "refers to [1] INT 'int', not a FUNC_PROTO"});
    }
    SUBCASE("func linkage") {
        BtfBuilder b = base_builder();
        auto p = b.func_proto(1, {});
        b.type("f", 12, 3, false, p);
        expect_error(b.build(), {"type [4] FUNC 'f'", "unknown function linkage 3"});
    }
    SUBCASE("var linkage and type") {
        BtfBuilder b = base_builder();
        b.type("v", 14, 0, false, 1);
        b.u32(9);
        expect_error(b.build(), {"type [3] VAR 'v'", "unknown variable linkage 9"});
        BtfBuilder c = base_builder();
        c.type("v", 14, 0, false, 50);
        c.u32(0);
        expect_error(c.build(), {"type [3] VAR 'v'", "type id 50"});
    }
    SUBCASE("datasec entry type") {
        BtfBuilder b = base_builder();
        b.type(".data", 15, 1, false, 4);
        b.u32(31);
        b.u32(0);
        b.u32(4);
        expect_error(b.build(), {"type [3] DATASEC '.data'", "entry 0 type: type id 31"});
    }
    SUBCASE("int size, bits and encoding") {
        BtfBuilder b = base_builder();
        b.int_("i3", 3, 24);
        expect_error(b.build(), {"type [3] INT 'i3'", "invalid int size 3"});
        BtfBuilder c = base_builder();
        c.int_("i", 4, 40);
        expect_error(c.build(), {"type [3] INT 'i'", "exceeds 32 bits"});
        BtfBuilder d = base_builder();
        d.int_("i", 4, 32, 3);
        expect_error(d.build(), {"type [3] INT 'i'", "invalid encoding 3"});
        BtfBuilder e = base_builder();
        e.int_("i", 4, 0);
        expect_error(e.build(), {"type [3] INT 'i'", "invalid nr_bits 0"});
    }
    SUBCASE("float size") {
        BtfBuilder b = base_builder();
        b.type("f", 16, 0, false, 5);
        expect_error(b.build(), {"type [3] FLOAT 'f'", "invalid float size 5"});
    }
    SUBCASE("decl_tag component_idx") {
        BtfBuilder b = base_builder();
        b.type("tag", 17, 0, false, 2);
        b.u32(1);  // struct s has one member: index 1 is out of range
        expect_error(b.build(), {"type [3] DECL_TAG 'tag'", "component_idx 1 out of range for [2] STRUCT 's'"});
        BtfBuilder c = base_builder();
        c.type("tag", 17, 0, false, 2);
        c.u32(static_cast<std::uint32_t>(-2));
        expect_error(c.build(), {"type [3] DECL_TAG 'tag'", "invalid component_idx -2"});
        BtfBuilder d = base_builder();
        d.type("tag", 17, 0, false, 1);
        d.u32(0);
        expect_error(d.build(), {"type [3] DECL_TAG 'tag'", "on [1] INT 'int'"});
    }
    SUBCASE("type_tag and typedef targets") {
        BtfBuilder b = base_builder();
        b.type("user", 18, 0, false, 1000);
        expect_error(b.build(), {"type [3] TYPE_TAG 'user'", "type id 1000"});
        BtfBuilder c = base_builder();
        c.typedef_("t", 1000);
        expect_error(c.build(), {"type [3] TYPEDEF 't'", "type id 1000"});
    }
}

TEST_CASE("parsing a borrowed, unaligned buffer works") {
    auto good = base_builder().build();
    std::vector<std::uint8_t> shifted(good.size() + 1);
    std::copy(good.begin(), good.end(), shifted.begin() + 1);
    auto r = Btf::parse(std::span<const std::uint8_t>(shifted).subspan(1), nullptr, "unaligned");
    REQUIRE(r.ok());
    CHECK(r->type(2).member(0).name == "a");
}

TEST_CASE("opening a missing file fails with its path") {
    auto r = Btf::open("/nonexistent/btf/file");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("/nonexistent/btf/file") != std::string::npos);
    auto m = Btf::open("/");
    CHECK_FALSE(m.ok());
}
