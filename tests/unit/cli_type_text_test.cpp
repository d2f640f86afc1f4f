// type_text / signature_text, the C-like spellings `rawops types` and
// `rawops inspect` print, on hand-built BTF: ordinary function pointers, and
// prototypes that reach themselves again, which must print "..." instead of
// recursing until the stack overflows.
//
// type_text.cpp belongs to the CLI (loader/cli/), which the unit suite does
// not link (it is built from tests/unit/*.cpp and librawops.a only), so its
// one translation unit is compiled into this test.
#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "loader/cli/type_text.cpp"  // NOLINT(bugprone-suspicious-include): see above
#include "tests/btf/bounds_support.h"
#include "tests/btf/btf_builder.h"

using namespace rawops;
using rawops::cli::signature_text;
using rawops::cli::type_text;
using rawops::testing::BtfBuilder;
using rawops::testing::contains;
using rawops::testing::parse;
using rawops::testing::quickly;

TEST_CASE("type_text: a function pointer prints as a C declaration") {
    BtfBuilder b;
    const auto u32 = b.int_("u32", 4, 32);                     // [1]
    const auto sock = b.composite(false, "sock", 8, {});       // [2]
    const auto sock_ptr = b.ptr(sock);                         // [3]
    const auto proto = b.func_proto(u32, {{"sk", sock_ptr}, {"acked", u32}});  // [4]
    const auto fn_ptr = b.ptr(proto);                          // [5]
    const btf::Btf btf = parse(b);
    CHECK(type_text(btf, fn_ptr) == "u32 (*)(struct sock *sk, u32 acked)");
    CHECK(signature_text(btf, btf.type(proto), "(*ssthresh)") == "u32 (*ssthresh)(struct sock *sk, u32 acked)");
}

TEST_CASE("type_text: a FUNC_PROTO returning a pointer to itself ends in '...'") {
    // [1] int, [2] FUNC_PROTO int a -> [3], [3] PTR -> [2]: "[3] (*)(int a)" without end.
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    const auto proto = b.func_proto(3, {{"a", i32}});
    const auto self_ptr = b.ptr(proto);
    REQUIRE(self_ptr == 3);
    const btf::Btf btf = parse(b);

    const std::string sig = signature_text(btf, btf.type(proto), "(*f)");
    CHECK(contains(sig, "..."));
    CHECK(contains(sig, "(*f)(int a)"));
    CHECK(sig.size() < 4096);
    const std::string ptr_text = type_text(btf, self_ptr);
    CHECK(contains(ptr_text, "..."));
    CHECK(contains(type_text(btf, proto), "..."));
}

TEST_CASE("type_text: prototypes reaching each other through parameters end in '...'") {
    // [2] FUNC_PROTO void (cb: [5]), [3] PTR -> [2], [4] FUNC_PROTO void (next: [3]), [5] PTR -> [4]
    BtfBuilder b;
    b.int_("int", 4, 32, 1);
    const auto a = b.func_proto(0, {{"cb", 5}});
    const auto a_ptr = b.ptr(a);
    const auto c = b.func_proto(0, {{"next", a_ptr}});
    const auto c_ptr = b.ptr(c);
    REQUIRE(c_ptr == 5);
    const btf::Btf btf = parse(b);
    CHECK(contains(signature_text(btf, btf.type(a), "f"), "..."));
    CHECK(contains(type_text(btf, c_ptr), "..."));
}

TEST_CASE("type_text: a loop through const and a pointer ends in '...'") {
    // [1] CONST -> [2], [2] PTR -> [3], [3] FUNC_PROTO returning [1].
    BtfBuilder b;
    const auto cst = b.type("", 10, 0, false, 2);
    const auto p = b.ptr(3);
    const auto proto = b.func_proto(cst, {});
    REQUIRE(p == 2);
    const btf::Btf btf = parse(b);
    CHECK(contains(type_text(btf, cst), "..."));
    CHECK(contains(signature_text(btf, btf.type(proto), "g"), "..."));
}

TEST_CASE("type_text: the cut names the type it happened at") {
    // [2] FUNC_PROTO int (a: int, cb: [3]), [3] PTR -> [2]
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    const auto proto = b.func_proto(i32, {{"a", i32}, {"cb", 3}});
    REQUIRE(b.ptr(proto) == 3);
    const btf::Btf btf = parse(b);
    const std::string sig = signature_text(btf, btf.type(proto), "(*f)");
    CHECK((contains(sig, "...(type [2] nests deeper than 16)") || contains(sig, "...(type [3] nests deeper than 16)")));
    CHECK(contains(sig, "(*f)(int a, "));  // the top level is whole
}

TEST_CASE("type_text: prototypes fanning out stop at a fixed length, quickly") {
    // Level n: a prototype of 6 parameters, each a pointer to level n-1:
    // finite, but 6^8 prototypes within the depth bound, spelled in full.
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    auto prev = b.fanning_prototype(i32, 12, 6);
    const btf::Btf btf = parse(b);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string sig = signature_text(btf, btf.type(prev), "(*fan)");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(sig.size() < 64 * 1024);
    CHECK(contains(sig, "text too long)"));
    CHECK(sig.rfind("int (*fan)(", 0) == 0);
}

TEST_CASE("append_struct_ops_types: a struct_ops type whose member's prototype loops is listed, cut") {
    // What `rawops types` shows for a crafted module: [2] FUNC_PROTO int (cb: [3]),
    // [3] PTR -> [2], [4] struct loop_ops { [3] fn; int flags; },
    // [5] struct bpf_struct_ops_loop_ops { int common; struct loop_ops data; }.
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    const auto proto = b.func_proto(i32, {{"cb", 3}});
    const auto p = b.ptr(proto);
    const auto ops = b.composite(false, "loop_ops", 16, {{"fn", p, 0}, {"flags", i32, 64}});
    const auto value = b.composite(false, "bpf_struct_ops_loop_ops", 24, {{"common", i32, 0}, {"data", ops, 64}});
    const btf::Btf btf = parse(b);
    std::vector<rawops::cli::OpsType> types;
    rawops::cli::append_struct_ops_types(btf, "crafted", types);
    REQUIRE(types.size() == 1);
    CHECK(types[0].name == "loop_ops");
    CHECK(types[0].type_id == ops);
    CHECK(types[0].value_id == value);
    REQUIRE(types[0].members.size() == 2);
    CHECK(types[0].members[0].function);
    CHECK(types[0].members[0].declaration.rfind("int (*fn)(", 0) == 0);
    CHECK(contains(types[0].members[0].declaration, "nests deeper than 16)"));
    CHECK(types[0].members[1].declaration == "int flags");
}
