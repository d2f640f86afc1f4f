// Every BTF kind, hand-built: the views decode each field, and our raw dump of
// the blob is byte-identical to bpftool's.
#include <doctest/doctest.h>

#include "btf/btf.h"
#include "btf/format_raw.h"
#include "tests/btf/btf_builder.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;

namespace {

struct AllKinds {
    std::vector<std::uint8_t> bytes;
    std::uint32_t int_id, uchar_id, bool_id, ptr_id, arr_id, point_id, union_id, enum_signed_id, enum_unsigned_id,
        fwd_struct_id, fwd_union_id, typedef_id, volatile_id, const_id, restrict_id, proto_id, func_id, var_id,
        datasec_id, float_id, decl_tag_id, decl_tag_member_id, type_tag_id, enum64_id, enum64_signed_id, bits_id,
        int128_id;
};

AllKinds make_all_kinds() {
    BtfBuilder b;
    AllKinds k{};
    k.int_id = b.int_("int", 4, 32, 1);
    k.uchar_id = b.int_("unsigned char", 1, 8, 2);
    k.bool_id = b.int_("_Bool", 1, 8, 4);
    k.ptr_id = b.ptr(k.int_id);
    k.arr_id = b.array(k.int_id, k.int_id, 4);
    k.point_id = b.composite(false, "point", 8, {{"x", k.int_id, 0}, {"y", k.int_id, 32}});
    k.union_id = b.composite(true, "", 4, {{"a", k.int_id, 0}, {"", k.uchar_id, 0}});
    k.enum_signed_id = b.type("color", 6, 2, true, 4);
    b.u32(b.str("RED")); b.u32(static_cast<std::uint32_t>(-1));
    b.u32(b.str("GREEN")); b.u32(2);
    k.enum_unsigned_id = b.type("flags_e", 6, 1, false, 4);
    b.u32(b.str("BIG")); b.u32(0xfffffff0u);
    k.fwd_struct_id = b.type("fwd_s", 7, 0, false, 0);
    k.fwd_union_id = b.type("fwd_u", 7, 0, true, 0);
    k.typedef_id = b.typedef_("int_t", k.int_id);
    k.volatile_id = b.type("", 9, 0, false, k.int_id);
    k.const_id = b.type("", 10, 0, false, k.volatile_id);
    k.restrict_id = b.type("", 11, 0, false, k.ptr_id);
    k.proto_id = b.func_proto(k.int_id, {{"a", k.int_id}, {"", k.ptr_id}});
    k.func_id = b.type("f", 12, 1 /* global */, false, k.proto_id);
    k.var_id = b.type("v", 14, 0, false, k.int_id);
    b.u32(1);  // global
    k.datasec_id = b.type(".data", 15, 1, false, 4);
    b.u32(k.var_id); b.u32(0); b.u32(4);
    k.float_id = b.type("double", 16, 0, false, 8);
    k.decl_tag_id = b.type("tag_all", 17, 0, false, k.point_id);
    b.u32(static_cast<std::uint32_t>(-1));
    k.decl_tag_member_id = b.type("tag_y", 17, 0, false, k.point_id);
    b.u32(1);
    k.type_tag_id = b.type("user", 18, 0, false, k.int_id);
    k.enum64_id = b.type("big64", 19, 1, false, 8);
    b.u32(b.str("HUGE")); b.u32(0); b.u32(1u << 8);  // 1 << 40
    k.enum64_signed_id = b.type("neg64", 19, 1, true, 8);
    b.u32(b.str("MINUS")); b.u32(static_cast<std::uint32_t>(-5)); b.u32(0xffffffffu);
    k.bits_id = b.composite(false, "bits", 4, {{"a", k.int_id, 0, 3}, {"b", k.int_id, 3, 5}, {"c", k.uchar_id, 8, 0}},
                            true);
    k.int128_id = b.int_("__int128", 16, 128, 1);
    k.bytes = b.build();
    return k;
}

}  // namespace

TEST_CASE("every kind decodes through TypeView") {
    AllKinds k = make_all_kinds();
    auto r = Btf::parse(k.bytes, nullptr, "all-kinds");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    const Btf& btf = *r;
    CHECK(btf.type_count() == k.int128_id + 1);
    CHECK(btf.first_own_id() == 1);
    CHECK(btf.type(0).is_void());
    CHECK(btf.type(9999).is_void());
    CHECK_FALSE(btf.checked_type(9999).ok());

    TypeView i = btf.type(k.int_id);
    CHECK(i.kind() == Kind::Int);
    CHECK(i.name() == "int");
    CHECK(i.size() == 4);
    CHECK(i.int_info().is_signed());
    CHECK(i.int_info().bits == 32);
    CHECK(btf.type(k.uchar_id).int_info().is_char());
    CHECK(btf.type(k.bool_id).int_info().is_bool());

    CHECK(btf.type(k.ptr_id).kind() == Kind::Ptr);
    CHECK(btf.type(k.ptr_id).ref_type() == k.int_id);
    CHECK(btf.type(k.ptr_id).name().empty());

    ArrayInfo a = btf.type(k.arr_id).array();
    CHECK(a.elem_type == k.int_id);
    CHECK(a.index_type == k.int_id);
    CHECK(a.nelems == 4);

    TypeView p = btf.type(k.point_id);
    CHECK(p.kind() == Kind::Struct);
    REQUIRE(p.members().size() == 2);
    CHECK(p.members()[1].name == "y");
    CHECK(p.members()[1].bit_offset == 32);
    int n = 0;
    for (Member m : p.members()) n += m.type == k.int_id;
    CHECK(n == 2);
    CHECK(btf.type(k.union_id).kind() == Kind::Union);
    CHECK(btf.type(k.union_id).member(1).name.empty());

    TypeView es = btf.type(k.enum_signed_id);
    CHECK(es.enum_is_signed());
    CHECK(es.enum_value(0).name == "RED");
    CHECK(es.enum_value(0).signed_value() == -1);
    CHECK(es.enum_value(1).value == 2);
    CHECK(btf.type(k.enum_unsigned_id).enum_value(0).value == 0xfffffff0u);  // zero-extended

    CHECK(btf.type(k.fwd_struct_id).kind() == Kind::Fwd);
    CHECK_FALSE(btf.type(k.fwd_struct_id).fwd_is_union());
    CHECK(btf.type(k.fwd_union_id).fwd_is_union());

    CHECK(btf.type(k.typedef_id).is_modifier());
    CHECK(btf.type(k.const_id).kind() == Kind::Const);
    CHECK(btf.type(k.volatile_id).kind() == Kind::Volatile);
    CHECK(btf.type(k.restrict_id).kind() == Kind::Restrict);

    TypeView proto = btf.type(k.proto_id);
    CHECK(proto.ref_type() == k.int_id);
    REQUIRE(proto.params().size() == 2);
    CHECK(proto.params()[0].name == "a");
    CHECK(proto.params()[1].name.empty());
    CHECK(proto.params()[1].type == k.ptr_id);

    CHECK(btf.type(k.func_id).linkage() == Linkage::Global);
    CHECK(btf.type(k.var_id).linkage() == Linkage::Global);
    TypeView ds = btf.type(k.datasec_id);
    REQUIRE(ds.var_secinfos().size() == 1);
    CHECK(ds.var_secinfos()[0].type == k.var_id);
    CHECK(ds.var_secinfos()[0].size == 4);
    CHECK(btf.type(k.float_id).size() == 8);
    CHECK(btf.type(k.decl_tag_id).component_idx() == -1);
    CHECK(btf.type(k.decl_tag_member_id).component_idx() == 1);
    CHECK(btf.type(k.type_tag_id).kind() == Kind::TypeTag);
    CHECK(btf.type(k.enum64_id).enum_value(0).value == (1ULL << 40));
    CHECK(btf.type(k.enum64_signed_id).enum_value(0).signed_value() == -5);

    TypeView bits = btf.type(k.bits_id);
    CHECK(bits.kflag());
    CHECK(bits.member(0).bitfield_size == 3);
    CHECK(bits.member(1).bit_offset == 3);
    CHECK(bits.member(1).bitfield_size == 5);
    CHECK(bits.member(2).bit_offset == 8);
    CHECK(bits.member(2).bitfield_size == 0);

    // Accessors of another kind return zero values, never garbage.
    CHECK(i.members().empty());
    CHECK(i.array().nelems == 0);
    CHECK(p.int_info().bits == 0);
}

TEST_CASE("queries on hand-built types: resolve, size, align, find") {
    AllKinds k = make_all_kinds();
    auto r = Btf::parse(k.bytes, nullptr, "all-kinds");
    REQUIRE(r.ok());
    const Btf& btf = *r;
    CHECK(*btf.resolve(k.const_id) == k.int_id);  // const -> volatile -> int
    CHECK(*btf.resolve(k.typedef_id) == k.int_id);
    CHECK(*btf.resolve(k.type_tag_id) == k.int_id);
    CHECK(*btf.resolve(k.ptr_id) == k.ptr_id);
    CHECK(*btf.size_of(k.arr_id) == 16);
    CHECK(*btf.size_of(k.ptr_id) == 8);
    CHECK(*btf.size_of(k.var_id) == 4);
    CHECK(*btf.size_of(k.int128_id) == 16);
    CHECK(*btf.align_of(k.int128_id) == 8);
    CHECK(*btf.align_of(k.point_id) == 4);
    CHECK(*btf.align_of(k.uchar_id) == 1);
    CHECK_FALSE(btf.size_of(k.func_id).ok());
    CHECK_FALSE(btf.size_of(k.fwd_struct_id).ok());
    CHECK(*btf.find("point", Kind::Struct) == k.point_id);
    CHECK_FALSE(btf.find("point", Kind::Union).ok());
    CHECK(btf.find("nope", Kind::Struct).error().message().find("no STRUCT named 'nope'") != std::string::npos);
    CHECK(btf.find_all("int") == std::vector<TypeId>{k.int_id});
    auto m = btf.find_member(k.point_id, "y");
    REQUIRE(m.ok());
    CHECK(m->bit_offset == 32);
    CHECK(m->index == 1);
    CHECK_FALSE(btf.find_member(k.point_id, "z").ok());
    CHECK_FALSE(btf.find_member(k.int_id, "x").ok());
}

TEST_CASE("resolution loops are reported, not followed forever") {
    BtfBuilder b;
    // [1] CONST -> [2] VOLATILE -> [1]
    b.type("", 10, 0, false, 2);
    b.type("", 9, 0, false, 1);
    auto r = Btf::parse(b.build(), nullptr, "loop");
    REQUIRE(r.ok());
    auto res = r->resolve(1);
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().message().find("loop") != std::string::npos);
    CHECK_FALSE(r->size_of(1).ok());
    CHECK_FALSE(r->align_of(1).ok());
}

TEST_CASE("packed struct has alignment 1") {
    BtfBuilder b;
    auto i32 = b.int_("int", 4, 32, 1);
    auto c = b.int_("char", 1, 8, 1);
    auto packed = b.composite(false, "packed", 5, {{"c", c, 0}, {"i", i32, 8}});
    auto r = Btf::parse(b.build(), nullptr, "packed");
    REQUIRE(r.ok());
    CHECK(*r->align_of(packed) == 1);
    CHECK(*r->size_of(packed) == 5);
}

TEST_CASE("raw dump of every kind matches bpftool byte for byte") {
    if (!rawops::testing::have_bpftool()) RAWOPS_SKIP("bpftool not installed");
    AllKinds k = make_all_kinds();
    auto r = Btf::parse(k.bytes, nullptr, "all-kinds");
    REQUIRE(r.ok());
    rawops::testing::TempFile f(k.bytes);
    REQUIRE(!f.path().empty());
    auto theirs = rawops::testing::capture("bpftool btf dump file " + f.path() + " format raw");
    REQUIRE(theirs.has_value());
    std::string ours;
    for (TypeId id = 1; id < r->type_count(); ++id) ours += format_raw_type(*r, id);
    CHECK(ours == *theirs);
}

TEST_CASE("name index: many types sharing names come back in id order") {
    BtfBuilder b;
    std::vector<TypeId> dups, fwd_dups;
    auto i32 = b.int_("int", 4, 32, 1);
    for (int i = 0; i < 300; ++i) {
        b.typedef_("filler_" + std::to_string(i), i32);
        if (i % 7 == 0) dups.push_back(b.typedef_("dup", i32));
        if (i % 11 == 0) {
            TypeId f = b.type("dup", 7, 0, false, 0);  // FWD of the same name
            dups.push_back(f);
            fwd_dups.push_back(f);
        }
    }
    auto r = Btf::parse(b.build(), nullptr, "dups");
    REQUIRE(r.ok());
    CHECK(r->find_all("dup") == dups);
    CHECK(*r->find("dup", Kind::Fwd) == fwd_dups.front());
    CHECK(*r->find("dup", Kind::Typedef) == dups.front());
    CHECK(*r->find("filler_299", Kind::Typedef) == r->type_count() - 1 - (299 % 7 == 0) - (299 % 11 == 0));
    for (int i = 0; i < 300; i += 37) {
        std::string n = "filler_" + std::to_string(i);
        auto id = r->find(n, Kind::Typedef);
        REQUIRE(id.ok());
        CHECK(r->type(*id).name() == n);
    }
    CHECK(r->find_all("nothing").empty());
}

TEST_CASE("essential-name lookups find flavours, on the scan path and once the group is indexed") {
    BtfBuilder b;
    auto i32 = b.int_("int", 4, 32, 1);
    std::vector<TypeId> want_foo, want_ab;
    want_foo.push_back(b.typedef_("foo", i32));
    b.typedef_("foobar", i32);       // a longer name, not a flavour
    b.typedef_("foo__x", i32);       // two underscores: not a flavour separator
    want_foo.push_back(b.typedef_("foo___v2", i32));
    b.type("foo___v3", 7, 0, false, 0);  // a FWD: another kind
    b.typedef_("a___b", i32);        // essential name "a", not "a___b"
    want_ab.push_back(b.typedef_("a___b___c", i32));
    want_foo.push_back(b.typedef_("foo___v2___", i32));  // "___" at the end is no separator: essential "foo"
    for (int i = 0; i < 50; ++i) b.typedef_("filler_" + std::to_string(i), i32);
    auto r = Btf::parse(b.build(), nullptr, "flavours");
    REQUIRE(r.ok());
    // Enough rounds that the typedef group stops scanning and builds its
    // index: both paths must give the same ascending lists.
    for (int round = 0; round < 12; ++round) {
        CAPTURE(round);
        CHECK(r->find_all_essential("foo", Kind::Typedef) == want_foo);
        CHECK(r->find_all_essential("a___b", Kind::Typedef) == want_ab);
        CHECK(r->find_all_essential("a", Kind::Typedef) == std::vector<TypeId>{want_ab.front() - 1});
        CHECK(r->find_all_essential("fo", Kind::Typedef).empty());
        CHECK(r->find_all_essential("foo", Kind::Fwd).size() == 1);
        CHECK(r->find_all("foo", Kind::Typedef) == std::vector<TypeId>{want_foo.front()});
    }
}
