// The C printer on hand-built BTF, one tricky case per test: the text it
// prints, clang -target bpf compiling it with static asserts on every size
// and offset, clang's own record layout (bit-fields included) against the
// BTF, and bpftool's output for the same blob where bpftool gets it right.
#include <doctest/doctest.h>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/format_c.h"
#include "tests/btf/btf_builder.h"
#include "tests/btf/c_compile.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;
using rawops::testing::TempDir;

namespace {

enum : unsigned {
    kStruct = 4, kUnion = 5, kEnum = 6, kFwd = 7, kTypedef = 8, kVolatile = 9, kConst = 10, kRestrict = 11,
    kFunc = 12, kVar = 14, kFloat = 16, kDeclTag = 17, kTypeTag = 18, kEnum64 = 19,
};

std::uint32_t mod(BtfBuilder& b, unsigned kind, std::uint32_t to) { return b.type("", kind, 0, false, to); }

std::uint32_t enum32(BtfBuilder& b, const std::string& name, std::uint32_t size, bool is_signed,
                     const std::vector<std::pair<std::string, std::int64_t>>& values) {
    auto id = b.type(name, kEnum, static_cast<unsigned>(values.size()), is_signed, size);
    for (const auto& [n, v] : values) {
        b.u32(b.str(n));
        b.u32(static_cast<std::uint32_t>(v));
    }
    return id;
}

std::uint32_t enum64(BtfBuilder& b, const std::string& name, std::uint32_t size, bool is_signed,
                     const std::vector<std::pair<std::string, std::uint64_t>>& values) {
    auto id = b.type(name, kEnum64, static_cast<unsigned>(values.size()), is_signed, size);
    for (const auto& [n, v] : values) {
        b.u32(b.str(n));
        b.u32(static_cast<std::uint32_t>(v));
        b.u32(static_cast<std::uint32_t>(v >> 32));
    }
    return id;
}

// Base types most cases need, ids fixed in this order.
struct Base {
    std::uint32_t int_, uint, chr, shrt, lng, ulng, u8;
};
Base add_base(BtfBuilder& b) {
    Base t{};
    t.int_ = b.int_("int", 4, 32, 1);
    t.uint = b.int_("unsigned int", 4, 32);
    t.chr = b.int_("char", 1, 8, 1);
    t.shrt = b.int_("short", 2, 16, 1);
    t.lng = b.int_("long", 8, 64, 1);
    t.ulng = b.int_("long unsigned int", 8, 64);
    t.u8 = b.int_("unsigned char", 1, 8);
    return t;
}

struct Dumped {
    std::vector<std::uint8_t> bytes;
    Btf btf;
    std::string c;
};

Dumped dump(const BtfBuilder& b, CFormatOptions options = {}) {
    auto bytes = b.build();
    auto btf = Btf::parse(std::vector<std::uint8_t>(bytes), nullptr, "hand-built");
    REQUIRE_MESSAGE(btf.ok(), btf.error().message());
    auto c = format_c(*btf, options);
    REQUIRE_MESSAGE(c.ok(), c.error().message());
    return Dumped{std::move(bytes), std::move(*btf), std::move(*c)};
}

// Text position helpers for "A comes before B".
std::size_t at(const std::string& text, const std::string& what) {
    std::size_t p = text.find(what);
    CHECK_MESSAGE(p != std::string::npos, "missing: " << what << "\nin:\n" << text);
    return p;
}

// clang must compile the header with asserts on every unique struct/union/
// enum/typedef size and member offset (plus `extra`), and lay every field
// out where the BTF says. False when clang is missing (the caller skips).
bool check_with_clang(const Dumped& d, const std::string& extra = "") {
    if (!rawops::testing::have_clang()) return false;
    TempDir dir;
    REQUIRE(rawops::testing::write_text(dir.file("vmlinux.h"), d.c));
    auto asserts = rawops::testing::layout_asserts(d.btf);
    REQUIRE(rawops::testing::write_text(dir.file("t.c"), "#include \"vmlinux.h\"\n" + asserts.text + extra));
    auto r = rawops::testing::compile_bpf(dir.file("t.c"), "-I" + dir.path());
    CHECK_MESSAGE(r.ok, r.diagnostics << "\nheader:\n" << d.c);
    std::string layouts = rawops::testing::record_layouts(dir.file("t.c"), "-I" + dir.path());
    CHECK(!layouts.empty());
    std::size_t checked = 0;
    std::string bad = rawops::testing::layout_mismatches(d.btf, layouts, checked);
    CHECK_MESSAGE(bad.empty(), bad << "\nheader:\n" << d.c);
    return true;
}

// The types part of a header: without preprocessor lines, kfunc externs and
// blank-line runs, so ours and bpftool's (whose header lines differ by
// version) compare on what matters.
std::string body(const std::string& header) {
    std::istringstream in(header);
    std::string line, out;
    bool blank = true;
    while (std::getline(in, line)) {
        if (!line.empty() && (line[0] == '#' || line.rfind("extern ", 0) == 0 || line == "/* BPF kfuncs */")) continue;
        if (line.empty()) {
            if (!blank) out += '\n';
            blank = true;
            continue;
        }
        out += line + '\n';
        blank = false;
    }
    return out;
}

// Same types, same text as bpftool's C dump of the same blob.
void check_like_bpftool(const Dumped& d) {
    if (!rawops::testing::have_bpftool()) return;
    rawops::testing::TempFile f(d.bytes);
    auto theirs = rawops::testing::capture("bpftool btf dump file " + f.path() + " format c 2>/dev/null");
    REQUIRE(theirs.has_value());
    CHECK(body(d.c) == body(*theirs));
}

}  // namespace

TEST_CASE("C: cycles through pointers become forward declarations") {
    BtfBuilder b;
    Base t = add_base(b);
    // struct a { struct b *pb; int x; };  struct b { struct a *pa; struct a inner; };
    std::uint32_t a_id = b.next_id();
    std::uint32_t ptr_b = a_id + 1, b_id = a_id + 2, ptr_a = a_id + 3;
    b.composite(false, "a", 16, {{"pb", ptr_b, 0}, {"x", t.int_, 64}});
    b.ptr(b_id);
    b.composite(false, "b", 24, {{"pa", ptr_a, 0}, {"inner", a_id, 64}});
    b.ptr(a_id);
    // struct node { struct node *next; int v; };
    std::uint32_t node = b.next_id();
    b.composite(false, "node", 16, {{"next", node + 1, 0}, {"v", t.int_, 64}});
    b.ptr(node);
    // typedef struct list list_t; struct list { list_t *self; };
    std::uint32_t list_t = b.next_id();
    b.typedef_("list_t", list_t + 1);
    b.composite(false, "list", 8, {{"self", list_t + 2, 0}});
    b.ptr(list_t);
    // struct c { struct d *pd; union u *pu; } with d and u only declared.
    std::uint32_t fwd_d = b.type("d", kFwd, 0, false, 0);
    std::uint32_t fwd_u = b.type("u", kFwd, 0, true, 0);
    b.composite(false, "c", 16, {{"pd", b.ptr(fwd_d), 0}, {"pu", b.ptr(fwd_u), 64}});

    Dumped d = dump(b);
    const std::string& c = d.c;
    CHECK(at(c, "struct b;\n\n") < at(c, "struct a {\n\tstruct b *pb;\n\tint x;\n};"));
    CHECK(at(c, "struct a {") < at(c, "struct b {\n\tstruct a *pa;\n\tstruct a inner;\n};"));
    CHECK(c.find("struct node;") == std::string::npos);  // a struct may point to itself without one
    CHECK(at(c, "struct node {\n\tstruct node *next;\n\tint v;\n};") > 0);
    CHECK(at(c, "typedef struct list list_t;") < at(c, "struct list {\n\tlist_t *self;\n};"));
    CHECK(at(c, "struct d;\n\n") < at(c, "struct c {\n\tstruct d *pd;\n\tunion u *pu;\n};"));
    CHECK(at(c, "union u;\n\n") < at(c, "struct c {"));
    check_like_bpftool(d);
    if (!check_with_clang(d)) RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: anonymous structs, unions and enums are written inline") {
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t lohi = b.composite(false, "", 4, {{"lo", t.shrt, 0}, {"hi", t.shrt, 16}});
    std::uint32_t u1 = b.composite(true, "", 4, {{"i", t.int_, 0}, {"", lohi, 0}});
    std::uint32_t arr8 = b.array(t.chr, t.int_, 8);
    std::uint32_t u2 = b.composite(true, "", 8, {{"l", t.lng, 0}, {"c", arr8, 0}});
    std::uint32_t kind = enum32(b, "", 4, false, {{"KIND_A", 1}, {"KIND_B", 2}});
    b.composite(false, "outer", 24, {{"e", kind, 0}, {"", u1, 32}, {"u", u2, 64}, {"p", b.ptr(lohi), 128}});
    std::uint32_t anon = b.composite(false, "", 4, {{"x", t.int_, 0}});
    b.typedef_("anon_t", anon);
    enum32(b, "", 4, false, {{"CONST_X", 5}});  // nobody refers to it: a list of constants

    Dumped d = dump(b);
    CHECK(at(d.c,
             "struct outer {\n"
             "\tenum {\n\t\tKIND_A = 1,\n\t\tKIND_B = 2,\n\t} e;\n"
             "\tunion {\n\t\tint i;\n\t\tstruct {\n\t\t\tshort lo;\n\t\t\tshort hi;\n\t\t};\n\t};\n"
             "\tunion {\n\t\tlong l;\n\t\tchar c[8];\n\t} u;\n"
             "\tstruct {\n\t\tshort lo;\n\t\tshort hi;\n\t} *p;\n"
             "};\n") > 0);
    CHECK(at(d.c, "typedef struct {\n\tint x;\n} anon_t;\n") > 0);
    CHECK(at(d.c, "enum {\n\tCONST_X = 5,\n};\n") > 0);
    check_like_bpftool(d);
    if (!check_with_clang(d, "_Static_assert(sizeof(anon_t) == 4, \"anon_t\");\n"
                             "_Static_assert(CONST_X == 5, \"CONST_X\");\n"))
        RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: bit-fields land where the BTF says, with padding where clang would not put them") {
    BtfBuilder b;
    Base t = add_base(b);
    // Packed runs, a gap between bit-fields, a plain member after them, and a
    // 40-bit field in a 64-bit unit.
    b.composite(false, "bits", 16,
                {{"a", t.uint, 0, 3}, {"b", t.uint, 3, 5}, {"c", t.uint, 16, 4}, {"d", t.chr, 24},
                 {"e", t.ulng, 64, 40}, {"f", t.ulng, 104, 24}},
                true);
    // After a char, a bit-field at bit 32: clang would put it at bit 8 (it
    // fits its unit there), so padding must say otherwise. libbpf misses this.
    b.composite(false, "after_char", 8, {{"a", t.chr, 0}, {"b", t.uint, 32, 4}, {"c", t.chr, 40}}, true);
    // A bit-field across its unit: only a packed struct holds that.
    b.composite(false, "straddle", 5, {{"a", t.uint, 0, 30}, {"b", t.uint, 30, 4}}, true);
    // A bit-field of an enum type and one of a typedef.
    std::uint32_t e = enum32(b, "mode", 4, false, {{"MODE_A", 0}, {"MODE_B", 3}});
    std::uint32_t u32 = b.typedef_("u32", t.uint);
    b.composite(false, "typed_bits", 4, {{"m", e, 0, 2}, {"n", u32, 2, 6}, {"o", t.u8, 8, 1}}, true);

    Dumped d = dump(b);
    CHECK(at(d.c, "struct bits {\n\tunsigned int a: 3;\n\tunsigned int b: 5;\n\tshort: 8;\n\tunsigned int c: 4;\n") >
          0);
    CHECK(at(d.c, "struct straddle {\n\tunsigned int a: 30;\n\tunsigned int b: 4;\n} __attribute__((packed));") >
          0);
    CHECK(at(d.c, "struct after_char {\n\tchar a;\n\tint: 24;\n\tunsigned int b: 4;\n\tchar c;\n};") > 0);
    if (!check_with_clang(d)) RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: packed structs and unions, over-aligned unions, explicit gaps and tail padding") {
    BtfBuilder b;
    Base t = add_base(b);
    b.composite(false, "p1", 5, {{"c", t.chr, 0}, {"x", t.int_, 8}});  // int at byte 1
    std::uint32_t p2 = b.composite(false, "p2", 8, {{"a", t.int_, 0}, {"b", t.int_, 32}});
    b.composite(false, "holder", 9, {{"c", t.chr, 0}, {"p", p2, 8}});  // p2 at byte 1: holder is packed
    b.composite(false, "p3", 9, {{"x", t.lng, 0}, {"c", t.chr, 64}});  // size not a multiple of 8
    std::uint32_t arr5 = b.array(t.chr, t.int_, 5), arr3 = b.array(t.chr, t.int_, 3),
                  arr10 = b.array(t.chr, t.int_, 10);
    b.composite(true, "pu", 5, {{"i", t.int_, 0}, {"c", arr5, 0}});    // smaller than natural: packed
    b.composite(true, "big", 16, {{"x", t.lng, 0}, {"c", arr3, 0}});   // larger: aligned(16)
    b.composite(true, "odd", 24, {{"c", arr10, 0}});                  // no attribute gives 24
    b.composite(true, "empty_u", 8, {});                                // members stripped by pahole
    b.composite(false, "gap", 24, {{"a", t.chr, 0}, {"b", t.lng, 128}});  // aligned(16) member
    b.composite(false, "tail", 16, {{"a", t.int_, 0}});                 // aligned(16) struct
    b.composite(false, "empty", 0, {});

    Dumped d = dump(b);
    CHECK(at(d.c, "struct p1 {\n\tchar c;\n\tint x;\n} __attribute__((packed));") > 0);
    CHECK(at(d.c, "struct p2 {\n\tint a;\n\tint b;\n};") > 0);
    CHECK(at(d.c, "struct holder {\n\tchar c;\n\tstruct p2 p;\n} __attribute__((packed));") > 0);
    CHECK(at(d.c, "} __attribute__((packed));\n\nunion big") > 0);  // pu
    CHECK(at(d.c, "union big {\n\tlong x;\n\tchar c[3];\n} __attribute__((aligned(16)));") > 0);
    CHECK(at(d.c, "union odd {\n\tchar c[10];\n\tchar __rawops_size_pad[24];\n};") > 0);
    CHECK(at(d.c, "struct gap {\n\tchar a;\n\tlong: 64;\n\tlong b;\n};") > 0);
    CHECK(at(d.c, "struct empty {};") > 0);
    if (!check_with_clang(d)) RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: function pointers, arrays of them, functions returning them, qualifiers and arrays") {
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t void_ptr = b.ptr(0);
    std::uint32_t cchar = mod(b, kConst, t.chr), cchar_ptr = b.ptr(cchar);
    std::uint32_t cb = b.ptr(b.func_proto(t.int_, {{"ctx", void_ptr}, {"", t.int_}}));
    std::uint32_t handler = b.ptr(b.func_proto(0, {{"", t.int_}}));
    std::uint32_t handlers = b.array(handler, t.int_, 4);
    std::uint32_t inner = b.ptr(b.func_proto(t.int_, {{"", t.int_}}));
    std::uint32_t getter = b.ptr(b.func_proto(inner, {}));
    std::uint32_t vf = b.ptr(b.func_proto(0, {{"fmt", cchar_ptr}, {"", 0}}));
    std::uint32_t noargs = b.ptr(b.func_proto(t.int_, {{"", 0}}));  // clang's (void)
    std::uint32_t fn_t = b.typedef_("fn_t", b.func_proto(t.int_, {{"x", t.int_}}));
    std::uint32_t arr4 = b.array(t.int_, t.int_, 4);
    std::uint32_t m23 = b.array(b.array(t.int_, t.int_, 3), t.int_, 2);
    std::uint32_t char_ptr = b.ptr(t.chr);
    std::uint32_t const_ptr = mod(b, kConst, char_ptr);
    std::uint32_t vint = mod(b, kVolatile, t.int_);
    std::uint32_t cv_ptr_ptr = b.ptr(mod(b, kConst, b.ptr(mod(b, kVolatile, t.int_))));
    std::uint32_t restrict_ptr = mod(b, kRestrict, char_ptr);
    b.composite(false, "ops", 136,
                {{"cb", cb, 0},
                 {"handlers", handlers, 64},
                 {"getter", getter, 320},
                 {"vf", vf, 384},
                 {"noargs", noargs, 448},
                 {"f", b.ptr(fn_t), 512},
                 {"pa", b.ptr(arr4), 576},
                 {"m", m23, 640},
                 {"s", cchar_ptr, 832},
                 {"cs", const_ptr, 896},
                 {"v", vint, 960},
                 {"pp", cv_ptr_ptr, 1024}});
    b.typedef_("rp_t", restrict_ptr);
    b.typedef_("handlers_t", handlers);

    Dumped d = dump(b);
    CHECK(at(d.c,
             "struct ops {\n"
             "\tint (*cb)(void *ctx, int);\n"
             "\tvoid (*handlers[4])(int);\n"
             "\tint (* (*getter)(void))(int);\n"
             "\tvoid (*vf)(const char *fmt, ...);\n"
             "\tint (*noargs)(void);\n"
             "\tfn_t *f;\n"
             "\tint (*pa)[4];\n"
             "\tint m[2][3];\n"
             "\tconst char *s;\n"
             "\tchar * const cs;\n"
             "\tvolatile int v;\n"
             "\tvolatile int * const *pp;\n"
             "};") > 0);
    CHECK(at(d.c, "typedef int fn_t(int x);") < at(d.c, "struct ops {"));
    CHECK(at(d.c, "typedef char * restrict rp_t;") > 0);
    CHECK(at(d.c, "typedef void (*handlers_t[4])(int);") > 0);
    check_like_bpftool(d);
    if (!check_with_clang(d)) RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: enums: signed, unsigned, 64-bit, and sizes clang would not pick") {
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t big = enum64(b, "big", 8, false, {{"HUGE", 1ull << 40}, {"TOP", ~0ull}});
    std::uint32_t neg = enum64(b, "neg64", 8, true, {{"MINUS", static_cast<std::uint64_t>(-5)}, {"BIGNEG", 1ull << 35}});
    std::uint32_t small64 = enum64(b, "small64", 8, false, {{"S1", 1}});  // needs mode(word)
    std::uint32_t neg_small64 = enum64(b, "negsmall64", 8, true, {{"NS", static_cast<std::uint64_t>(-1)}});
    std::uint32_t tiny = enum32(b, "tiny", 1, false, {{"T1", 1}});      // mode(byte)
    std::uint32_t half = enum32(b, "half", 2, false, {{"H1", 1}});      // mode(HI)
    std::uint32_t sgn = enum32(b, "sgn", 4, true, {{"N1", -1}, {"P1", 1}});
    std::uint32_t uns = enum32(b, "uns", 4, false, {{"BIGU", 0xfffffff0}});
    std::uint32_t wide = enum32(b, "wide32", 8, false, {{"W1", 1}});    // a 32-bit kind, 8 bytes
    b.composite(false, "enums", 56,
                {{"a", big, 0}, {"b", neg, 64}, {"c", small64, 128}, {"d", neg_small64, 192}, {"e", tiny, 256},
                 {"f", half, 272}, {"g", sgn, 288}, {"h", uns, 320}, {"i", wide, 384}});
    (void)t;

    Dumped d = dump(b);
    CHECK(at(d.c, "enum big {\n\tHUGE = 1099511627776ULL,\n\tTOP = 18446744073709551615ULL,\n};") > 0);
    CHECK(at(d.c, "enum neg64 {\n\tMINUS = -5LL,\n\tBIGNEG = 34359738368LL,\n};") > 0);
    CHECK(at(d.c, "enum small64 {\n\tS1 = 1ULL,\n} __attribute__((mode(word)));") > 0);
    CHECK(at(d.c, "enum negsmall64 {\n\tNS = -1LL,\n} __attribute__((mode(word)));") > 0);
    CHECK(at(d.c, "enum tiny {\n\tT1 = 1,\n} __attribute__((mode(byte)));") > 0);
    CHECK(at(d.c, "enum half {\n\tH1 = 1,\n} __attribute__((mode(HI)));") > 0);
    CHECK(at(d.c, "enum sgn {\n\tN1 = -1,\n\tP1 = 1,\n};") > 0);
    CHECK(at(d.c, "enum uns {\n\tBIGU = 4294967280,\n};") > 0);
    CHECK(at(d.c, "enum wide32 {\n\tW1 = 1,\n} __attribute__((mode(word)));") > 0);
    if (!check_with_clang(d, "_Static_assert(MINUS < 0 && N1 < 0 && BIGU > 0, \"signs\");\n"
                             "_Static_assert(HUGE == 1ULL << 40, \"HUGE\");\n"))
        RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: duplicate names get ___N, in the order they are printed") {
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t dup1 = b.composite(false, "dup", 4, {{"a", t.int_, 0}});
    std::uint32_t dup2 = b.composite(false, "dup", 8, {{"b", t.lng, 0}});
    enum32(b, "e1", 4, false, {{"X", 1}});
    enum32(b, "e2", 4, false, {{"X", 2}});
    std::uint32_t td1 = b.typedef_("dup_t", t.int_);
    std::uint32_t td2 = b.typedef_("dup_t", t.lng);
    std::uint32_t fwd = b.type("dup", kFwd, 0, false, 0);  // refers to the first, keeps its name
    b.composite(false, "holder", 40,
                {{"d1", dup1, 0}, {"d2", dup2, 64}, {"t1", td1, 128}, {"t2", td2, 192}, {"f", b.ptr(fwd), 256}});

    Dumped d = dump(b);
    CHECK(at(d.c, "struct dup {\n\tint a;\n};") < at(d.c, "struct dup___2 {\n\tlong b;\n};"));
    CHECK(at(d.c, "enum e1 {\n\tX = 1,\n};") < at(d.c, "enum e2 {\n\tX___2 = 2,\n};"));
    CHECK(at(d.c, "typedef int dup_t;") < at(d.c, "typedef long dup_t___2;"));
    CHECK(at(d.c,
             "struct holder {\n\tstruct dup d1;\n\tstruct dup___2 d2;\n\tdup_t t1;\n\tdup_t___2 t2;\n"
             "\tstruct dup *f;\n};") > 0);
    check_like_bpftool(d);
    if (!check_with_clang(d, "_Static_assert(sizeof(struct dup___2) == 8 && X___2 == 2, \"renamed\");\n"))
        RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: type tags, floats, va_list, kfunc prototypes") {
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t dbl = b.type("double", kFloat, 0, false, 8);
    std::uint32_t user_int = b.type("user", kTypeTag, 0, false, t.int_);
    std::uint32_t arena_void = b.type("address_space(1)", kTypeTag, 0, true, 0);
    // x86's va_list: typedef __builtin_va_list va_list; with
    // __builtin_va_list = struct __va_list_tag[1] (24 bytes).
    std::uint32_t tag = b.composite(false, "__va_list_tag", 24,
                                    {{"gp_offset", t.uint, 0}, {"fp_offset", t.uint, 32},
                                     {"overflow_arg_area", b.ptr(0), 64}, {"reg_save_area", b.ptr(0), 128}});
    std::uint32_t builtin = b.typedef_("__builtin_va_list", b.array(tag, t.int_, 1));
    std::uint32_t va_list = b.typedef_("va_list", builtin);
    b.composite(false, "tagged", 48,
                {{"d", dbl, 0}, {"u", b.ptr(user_int), 64}, {"ap", va_list, 128}, {"arena", b.ptr(arena_void), 320}});
    // A kfunc, a fastcall kfunc, and a plain function.
    std::uint32_t proto = b.func_proto(t.int_, {{"x", t.int_}});
    std::uint32_t kf = b.type("my_kfunc", kFunc, 1, false, proto);
    std::uint32_t fast = b.type("fast_kfunc", kFunc, 1, false, b.func_proto(b.ptr(0), {{"p", b.ptr(0)}}));
    b.type("plain_func", kFunc, 1, false, proto);
    b.type("bpf_kfunc", kDeclTag, 0, false, kf);
    b.u32(static_cast<std::uint32_t>(-1));
    b.type("bpf_kfunc", kDeclTag, 0, false, fast);
    b.u32(static_cast<std::uint32_t>(-1));
    b.type("bpf_fastcall", kDeclTag, 0, false, fast);
    b.u32(static_cast<std::uint32_t>(-1));

    Dumped d = dump(b);
    CHECK(at(d.c, "#define __btf_type_tag(x) __attribute__((btf_type_tag(x)))") > 0);
    CHECK(at(d.c,
             "struct tagged {\n\tdouble d;\n\tint __btf_type_tag(\"user\") *u;\n\tva_list ap;\n"
             "\tvoid __attribute__((address_space(1))) *arena;\n};") > 0);
    CHECK(at(d.c, "typedef struct __va_list_tag va_list[1];") > 0);
    CHECK(d.c.find("__builtin_va_list") == std::string::npos);
    CHECK(at(d.c, "#ifndef BPF_NO_KFUNC_PROTOTYPES\n"
                  "extern __bpf_fastcall void *fast_kfunc(void *p) __weak __ksym;\n"
                  "extern int my_kfunc(int x) __weak __ksym;\n"
                  "#endif\n") > 0);
    CHECK(d.c.find("plain_func") == std::string::npos);
    if (!check_with_clang(d, "_Static_assert(sizeof(va_list) == 24, \"x86 va_list\");\n"
                             "int use(void) { return my_kfunc(1); }\n"))
        RAWOPS_SKIP("clang not installed");
}

TEST_CASE("C: --type roots print the type and what it needs, nothing else") {
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t inner = b.composite(false, "inner", 4, {{"x", t.int_, 0}});
    std::uint32_t other = b.composite(false, "other", 4, {{"y", t.int_, 0}});
    std::uint32_t u32 = b.typedef_("u32", t.uint);
    std::uint32_t root = b.composite(false, "root", 24, {{"in", inner, 0}, {"o", b.ptr(other), 64}, {"n", u32, 128}});
    b.composite(false, "unrelated", 4, {{"z", t.int_, 0}});
    std::uint32_t fn = b.type("takes_root", kFunc, 1, false, b.func_proto(t.int_, {{"r", b.ptr(root)}}));
    std::uint32_t var = b.type("global_other", kVar, 0, false, other);
    b.u32(1);

    CFormatOptions o;
    o.roots = {root};
    Dumped d = dump(b, o);
    CHECK(at(d.c, "struct inner {\n\tint x;\n};") < at(d.c, "struct root {"));
    CHECK(at(d.c, "struct other;\n") < at(d.c, "struct root {"));
    CHECK(at(d.c, "typedef unsigned int u32;") < at(d.c, "struct root {"));
    CHECK(d.c.find("struct other {") == std::string::npos);
    CHECK(d.c.find("unrelated") == std::string::npos);
    CHECK(d.c.find("BPF_NO_KFUNC_PROTOTYPES") == std::string::npos);

    o.roots = {fn, var};
    Dumped f = dump(b, o);
    CHECK(at(f.c, "struct root;\n") < at(f.c, "extern int takes_root(struct root *r);\n"));
    CHECK(at(f.c, "struct other {\n\tint y;\n};") < at(f.c, "extern struct other global_other;\n"));

    // Only a typedef of an int: no struct for the pragma to apply to.
    o.roots = {u32};
    Dumped i = dump(b, o);
    CHECK(i.c.find("preserve_access_index") == std::string::npos);
    CHECK(at(i.c, "typedef unsigned int u32;") > 0);

    if (!rawops::testing::have_clang()) RAWOPS_SKIP("clang not installed");
    for (const Dumped* x : {&d, &f, &i}) {
        TempDir dir;
        REQUIRE(rawops::testing::write_text(dir.file("h.h"), x->c));
        REQUIRE(rawops::testing::write_text(dir.file("t.c"), "#include \"h.h\"\n"));
        auto r = rawops::testing::compile_bpf(dir.file("t.c"), "-I" + dir.path());
        CHECK_MESSAGE(r.ok, r.diagnostics << "\n" << x->c);
    }
}

TEST_CASE("C: BTF that C cannot express is refused with the type named") {
    SUBCASE("structs that embed each other") {
        BtfBuilder b;
        Base t = add_base(b);
        std::uint32_t a = b.next_id();
        b.composite(false, "a", 8, {{"b", a + 1, 0}, {"x", t.int_, 0}});
        b.composite(false, "b", 8, {{"a", a, 0}});
        auto btf = Btf::parse(b.build());
        REQUIRE(btf.ok());
        auto c = format_c(*btf);
        REQUIRE_FALSE(c.ok());
        CHECK_MESSAGE(c.error().message().find("unsatisfiable type cycle at [") != std::string::npos,
                      c.error().message());
        CHECK(c.error().message().find("STRUCT 'a'") != std::string::npos);
    }
    SUBCASE("a function used as a member's type") {
        BtfBuilder b;
        Base t = add_base(b);
        std::uint32_t fn = b.type("f", kFunc, 1, false, b.func_proto(t.int_, {}));
        b.composite(false, "s", 8, {{"m", fn, 0}});
        auto btf = Btf::parse(b.build());
        REQUIRE(btf.ok());
        auto c = format_c(*btf);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message().find("FUNC 'f'") != std::string::npos);
        CHECK(c.error().message().find("cannot be part of a C type") != std::string::npos);
    }
    SUBCASE("a gap no padding can fill") {
        BtfBuilder b;
        Base t = add_base(b);
        b.composite(false, "huge", 0x40000000, {{"x", t.int_, 0}, {"y", t.int_, 0x7ffffff0}});
        auto btf = Btf::parse(b.build());
        REQUIRE(btf.ok());
        auto c = format_c(*btf);
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message().find("STRUCT 'huge'") != std::string::npos);
    }
    SUBCASE("a qualifier loop") {
        BtfBuilder b;
        std::uint32_t first = b.next_id();
        mod(b, kConst, first + 1);
        mod(b, kVolatile, first);
        b.composite(false, "s", 8, {{"m", b.ptr(first), 0}});
        auto btf = Btf::parse(b.build());
        if (btf.ok()) {  // the parser may accept it; the printer must not loop
            auto c = format_c(*btf);
            REQUIRE_FALSE(c.ok());
            CHECK(c.error().message().find("(a loop?)") != std::string::npos);
        }
    }
}

TEST_CASE("C: corrupted BTF that still parses never crashes the printer") {
    // A blob with every construct above, then 3000 seeded single-word
    // corruptions of its type section.
    BtfBuilder b;
    Base t = add_base(b);
    std::uint32_t s = b.next_id();
    b.composite(false, "a", 16, {{"pb", s + 1, 0}, {"x", t.int_, 64, 0}});
    b.ptr(s + 2);
    b.composite(false, "b", 32, {{"pa", s + 3, 0}, {"inner", s, 64}, {"bits", t.uint, 192, 5}}, true);
    b.ptr(s);
    std::uint32_t u = b.composite(true, "", 8, {{"l", t.lng, 0}, {"i", t.int_, 0}});
    std::uint32_t arr = b.array(b.ptr(b.func_proto(t.int_, {{"", t.int_}, {"", 0}})), t.int_, 3);
    b.composite(false, "c", 40, {{"", u, 0}, {"fns", arr, 64}, {"e", enum32(b, "", 4, true, {{"E", -1}}), 256}});
    b.typedef_("c_t", s + 4);
    enum64(b, "e64", 8, false, {{"V", 1ull << 40}});
    const std::vector<std::uint8_t> good = b.build();
    REQUIRE(format_c(*Btf::parse(std::vector<std::uint8_t>(good))).ok());

    std::mt19937 rng(1234);
    const std::size_t types_len = b.types().size();
    int parsed = 0, printed = 0;
    for (int i = 0; i < 3000; ++i) {
        std::vector<std::uint8_t> bad = good;
        std::size_t word = 24 + (rng() % (types_len / 4)) * 4;
        std::uint32_t v;
        switch (rng() % 4) {
        case 0: v = rng(); break;                                  // anything
        case 1: v = rng() % 64; break;                             // small: ids, sizes
        case 2: v = (rng() % 20) << 24 | (rng() % 4); break;       // another kind
        default: v = 0x80000000u | (rng() % 0x1000000); break;     // kflag, odd bits
        }
        rawops::testing::put_u32(bad, word, v);
        auto btf = Btf::parse(std::move(bad));
        if (!btf) continue;
        ++parsed;
        auto c = format_c(*btf);
        if (c) ++printed;
        else CHECK(!c.error().message().empty());
    }
    MESSAGE(parsed << " of 3000 corrupted blobs parsed, " << printed << " printed, the rest refused");
    CHECK(parsed > 300);
}
