// Split BTF (a module's /sys/kernel/btf/<module>): type ids and string
// offsets continue from the base. Hand-built on a hand-built base, and on the
// real vmlinux (compared with `bpftool -B`), since the host has no modules.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdlib>

#include "btf/btf.h"
#include "btf/format_raw.h"
#include "tests/btf/btf_builder.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;

namespace {

std::vector<std::uint8_t> small_base() {
    BtfBuilder b;
    b.int_("int", 4, 32, 1);                          // [1]
    b.composite(false, "base_s", 4, {{"x", 1, 0}});  // [2]
    return b.build();
}

}  // namespace

TEST_CASE("split BTF continues ids and strings from its base") {
    auto base_bytes = small_base();
    auto base = Btf::parse(base_bytes, nullptr, "base");
    REQUIRE(base.ok());
    REQUIRE(base->type_count() == 3);

    BtfBuilder s(base->type_count(), base->str_end(), /*split=*/true);
    std::uint32_t base_name_x = base->type(2).raw()[12];  // member 'x' name offset (little-endian low byte)
    auto ptr = s.ptr(2);                                                       // [3] -> base struct
    auto mod = s.composite(false, "mod_ops", 16, {{"p", ptr, 0}, {"n", 1, 64}});  // [4]
    auto reuse = s.type_off(base_name_x, 8, 0, false, 1);  // [5] TYPEDEF named with a base string
    auto bytes = s.build();
    auto split = Btf::parse(bytes, &*base, "mod");
    REQUIRE_MESSAGE(split.ok(), (split.ok() ? "" : split.error().message()));

    CHECK(split->first_own_id() == 3);
    CHECK(split->type_count() == 6);
    CHECK(split->base() == &*base);
    CHECK(ptr == 3);
    CHECK(split->type(mod).name() == "mod_ops");
    CHECK(split->type(reuse).name() == "x");
    CHECK(split->type(1).name() == "int");  // base types through the split
    CHECK(split->type(2).member(0).name == "x");
    CHECK(*split->find("mod_ops", Kind::Struct) == mod);
    CHECK(*split->find("base_s", Kind::Struct) == 2);
    CHECK(*split->resolve(reuse) == 1);
    auto m = split->find_member(mod, "n");
    REQUIRE(m.ok());
    CHECK(m->bit_offset == 64);
    CHECK(*split->size_of(mod) == 16);
    CHECK(split->str(1) == "int");
    CHECK(split->str_end() == base->str_end() + s.strings().size());
    // Raw dump shows only own types, like bpftool.
    std::string line = format_raw_type(*split, ptr);
    CHECK(line == "[3] PTR '(anon)' type_id=2\n");
}

TEST_CASE("split BTF errors: ids and strings beyond base + own") {
    auto base_bytes = small_base();
    auto base = Btf::parse(base_bytes, nullptr, "base");
    REQUIRE(base.ok());
    {
        BtfBuilder s(base->type_count(), base->str_end(), true);
        s.ptr(9);  // [3] -> nothing
        auto r = Btf::parse(s.build(), &*base, "mod");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message().find("type [3] PTR") != std::string::npos);
        CHECK(r.error().message().find("type id 9 out of range") != std::string::npos);
    }
    {
        BtfBuilder s(base->type_count(), base->str_end(), true);
        s.str("own");
        s.type_off(base->str_end() + 100, 8, 0, false, 1);
        auto r = Btf::parse(s.build(), &*base, "mod");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message().find("type [3] TYPEDEF") != std::string::npos);
        CHECK(r.error().message().find("string offset") != std::string::npos);
    }
    {
        // Without its base, the same module is invalid (ids start at 1).
        BtfBuilder s(base->type_count(), base->str_end(), true);
        s.ptr(2);
        s.str("m");
        auto r = Btf::parse(s.build(), nullptr, "mod");
        CHECK_FALSE(r.ok());
    }
    {
        // A split BTF may have an empty string section.
        BtfBuilder s(base->type_count(), base->str_end(), true);
        s.ptr(1);
        auto r = Btf::parse(s.build(), &*base, "mod");
        CHECK(r.ok());
    }
}

TEST_CASE("hand-built module on the real vmlinux, dumped like bpftool -B") {
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto vmlinux = Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    auto ops = vmlinux->find("tcp_congestion_ops", Kind::Struct);
    auto u32 = vmlinux->find("u32", Kind::Typedef);
    REQUIRE(ops.ok());
    REQUIRE(u32.ok());

    // A module-like split BTF: its own ops struct holding a pointer to the
    // kernel's tcp_congestion_ops, a u32, and a function pointer.
    BtfBuilder s(vmlinux->type_count(), vmlinux->str_end(), true);
    TypeId first = s.next_id();
    auto ptr_ops = s.ptr(*ops);
    auto proto = s.func_proto(*u32, {{"ops", ptr_ops}});
    auto fptr = s.ptr(proto);
    auto mod = s.composite(false, "bpf_testmod_like_ops", 24, {{"ops", ptr_ops, 0}, {"val", *u32, 64},
                                                             {"fn", fptr, 128}});
    // Name reused from the base string section: the base 'tcp_congestion_ops'.
    auto td = s.type_off(vmlinux->type(*ops).name_off(), 8, 0, false, *ops);
    auto bytes = s.build();
    auto mod_btf = Btf::parse(bytes, &*vmlinux, "testmod");
    REQUIRE_MESSAGE(mod_btf.ok(), (mod_btf.ok() ? "" : mod_btf.error().message()));
    CHECK(mod_btf->first_own_id() == first);
    CHECK(mod_btf->type(td).name() == "tcp_congestion_ops");
    CHECK(*mod_btf->find("bpf_testmod_like_ops", Kind::Struct) == mod);
    // find() prefers the base (lower ids), like libbpf.
    CHECK(*mod_btf->find("tcp_congestion_ops", Kind::Struct) == *ops);
    CHECK(*mod_btf->find("tcp_congestion_ops", Kind::Typedef) == td);
    auto fn = mod_btf->func_proto_of_member(mod, "fn");
    REQUIRE(fn.ok());
    CHECK(fn->proto.id() == proto);
    CHECK(fn->proto.params()[0].name == "ops");
    auto inner = mod_btf->find_member(*mod_btf->resolve(mod_btf->type(ptr_ops).ref_type()), "ssthresh");
    CHECK(inner.ok());

    if (!rawops::testing::have_bpftool()) RAWOPS_SKIP("bpftool not installed (dump comparison)");
    rawops::testing::TempFile f(bytes);
    auto theirs =
        rawops::testing::capture("bpftool btf dump file " + f.path() + " -B /sys/kernel/btf/vmlinux format raw");
    REQUIRE(theirs.has_value());
    char* buf = nullptr;
    std::size_t len = 0;
    FILE* mf = ::open_memstream(&buf, &len);
    REQUIRE(mf);
    print_raw(*mod_btf, mf);
    std::fclose(mf);
    std::string ours(buf, len);
    std::free(buf);
    CHECK(ours == *theirs);
}

TEST_CASE("real module BTF under /sys/kernel/btf, when any is loaded") {
    if (::access("/sys/kernel/btf/vmlinux", R_OK) != 0) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto files = rawops::testing::capture("ls /sys/kernel/btf | grep -v '^vmlinux$' | head -n 3");
    if (!files || files->empty()) RAWOPS_SKIP("no kernel modules with BTF loaded (the qemu guest tests cover this)");
    auto vmlinux = Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    std::size_t start = 0;
    while (start < files->size()) {
        std::size_t nl = files->find('\n', start);
        std::string name = files->substr(start, nl - start);
        start = nl == std::string::npos ? files->size() : nl + 1;
        if (name.empty()) continue;
        auto m = Btf::open_module(name, *vmlinux);
        CHECK_MESSAGE(m.ok(), name << ": " << (m.ok() ? "" : m.error().message()));
        if (m.ok()) CHECK(m->first_own_id() == vmlinux->type_count());
    }
}

TEST_CASE("own_types_with_prefix: this BTF's own types of one kind, by name prefix") {
    BtfBuilder b;
    auto i32 = b.int_("int", 4, 32, 1);
    auto base_ops = b.composite(false, "bpf_struct_ops_base", 4, {{"x", i32, 0}});
    b.composite(true, "bpf_struct_ops_union", 4, {{"x", i32, 0}});  // a union: another kind
    b.composite(false, "bpf_struct_op", 4, {{"x", i32, 0}});        // shorter than the prefix
    b.composite(false, "xbpf_struct_ops_y", 4, {{"x", i32, 0}});    // the prefix elsewhere in the name
    auto base_bytes = b.build();
    auto base = Btf::parse(base_bytes, nullptr, "base");
    REQUIRE(base.ok());
    CHECK(base->own_types_with_prefix("bpf_struct_ops_", Kind::Struct) == std::vector<TypeId>{base_ops});
    CHECK(base->own_types_with_prefix("bpf_struct_ops_", Kind::Union).size() == 1);
    CHECK(base->own_types_with_prefix("nothing", Kind::Struct).empty());
    CHECK(base->own_types_with_prefix("", Kind::Struct).empty());

    BtfBuilder s(base->type_count(), base->str_end(), /*split=*/true);
    auto a = s.composite(false, "bpf_struct_ops_mod_a", 4, {{"x", i32, 0}});
    s.typedef_("bpf_struct_ops_typedef", i32);
    auto c = s.composite(false, "bpf_struct_ops_mod_c", 4, {{"x", i32, 0}});
    auto split_bytes = s.build();
    auto split = Btf::parse(split_bytes, &*base, "mod");
    REQUIRE(split.ok());
    // The base's bpf_struct_ops_base is not the module's own.
    CHECK(split->own_types_with_prefix("bpf_struct_ops_", Kind::Struct) == std::vector<TypeId>{a, c});
}
