// struct_ops binding against the real kernel BTF of this machine (read from
// /sys/kernel/btf, nothing is loaded into the kernel) and against a recorded
// module: a hand-built split BTF on top of the real vmlinux, in a temp dir
// laid out like /sys/kernel/btf.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "loader/struct_ops/binding.h"
#include "tests/btf/btf_builder.h"
#include "tests/common/skip.h"

using namespace rawops;
using namespace rawops::struct_ops;
using rawops::testing::BtfBuilder;

namespace {

bool have_vmlinux() { return std::filesystem::exists("/sys/kernel/btf/vmlinux"); }

// An object-side `struct tcp_congestion_ops` with the members a test needs,
// laid out by the builder the way clang would: init (fn ptr), flags (u32),
// name (char[16]), and `extra` (u32, a member no kernel has).
struct LocalTcpOps {
    std::vector<std::uint8_t> raw;
    btf::TypeId type = 0;
    std::uint32_t off_init = 0, off_flags = 8, off_name = 12, off_extra = 28;
};

LocalTcpOps make_local(const std::string& type_name = "tcp_congestion_ops", std::uint32_t name_elems = 16) {
    BtfBuilder b;
    auto u32 = b.int_("unsigned int", 4, 32);
    auto chr = b.int_("char", 1, 8, 2);
    auto arr = b.array(chr, u32, name_elems);
    auto proto = b.func_proto(0, {});
    auto fnptr = b.ptr(proto);
    LocalTcpOps l;
    l.off_extra = 12 + name_elems;
    l.type = b.composite(false, type_name, 8 + 4 + name_elems + 4,
                         {{"init", fnptr, 0}, {"flags", u32, 64}, {"name", arr, 96}, {"extra", u32, l.off_extra * 8}});
    l.raw = b.build();
    return l;
}

}  // namespace

TEST_CASE("tcp_congestion_ops binds against vmlinux: program slot, data members, value layout") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto kernel = KernelBtf::open();
    REQUIRE_MESSAGE(kernel.ok(), kernel.error().message());
    auto k = find_kernel_ops_type(*kernel, "tcp_congestion_ops");
    REQUIRE_MESSAGE(k.ok(), k.error().message());

    const btf::Btf& vm = kernel->vmlinux();
    auto value_id = vm.find("bpf_struct_ops_tcp_congestion_ops", btf::Kind::Struct);
    REQUIRE(value_id.ok());
    CHECK(k->value_type.id == *value_id);
    CHECK(k->value_size == *vm.size_of(*value_id));
    CHECK(k->data_offset == vm.find_member(*value_id, "data")->bit_offset / 8);
    CHECK_FALSE(k->type.in_module());

    auto local = make_local();
    auto lbtf = btf::Btf::parse(local.raw);
    REQUIRE(lbtf.ok());
    std::vector<std::uint8_t> data(32, 0);
    const std::uint32_t flags = 0;  // TCP_CONG_NEEDS_ECN etc. would be checked by the kernel, not us
    std::memcpy(&data[local.off_flags], &flags, 4);
    std::memcpy(&data[local.off_name], "rawops_test", 11);

    LocalOpsVar var{"ops", ".struct_ops.link", &*lbtf, local.type, data, {}};
    var.member_programs.resize(4);
    var.member_programs[0] = SlotProgram{7, "my_init", true};
    auto b = bind(var, *k);
    REQUIRE_MESSAGE(b.ok(), b.error().message());

    REQUIRE(b->programs.size() == 1);
    auto init = vm.find_member(k->type.id, "init");
    REQUIRE(init.ok());
    CHECK(b->programs[0].member == "init");
    CHECK(b->programs[0].program == 7);
    CHECK(b->programs[0].kernel_member_index == init->index);
    CHECK(b->programs[0].value_offset == k->data_offset + init->bit_offset / 8);

    auto name = vm.find_member(k->type.id, "name");
    REQUIRE(name.ok());
    const std::uint32_t name_off = k->data_offset + name->bit_offset / 8;
    CHECK(std::string(reinterpret_cast<const char*>(&b->value[name_off])) == "rawops_test");
    CHECK(b->value.size() == k->value_size);
    REQUIRE(b->skipped.size() == 1);  // `extra` is zero, so it may be absent in the kernel
    CHECK(b->skipped[0] == "extra");
}

TEST_CASE("binding errors name the variable and the member at fault") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto kernel = KernelBtf::open();
    REQUIRE(kernel.ok());
    auto k = find_kernel_ops_type(*kernel, "tcp_congestion_ops___flavored");
    REQUIRE_MESSAGE(k.ok(), k.error().message());
    CHECK(k->name == "tcp_congestion_ops");

    SUBCASE("a member the kernel lacks, set to non-zero") {
        auto local = make_local();
        auto lbtf = btf::Btf::parse(local.raw);
        std::vector<std::uint8_t> data(32, 0);
        data[local.off_extra] = 1;
        auto b = bind({"ops", ".struct_ops", &*lbtf, local.type, data, {}}, *k);
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().message().find("struct_ops variable 'ops' in section '.struct_ops', member 'extra'") !=
              std::string::npos);
        CHECK(b.error().message().find("has no such member") != std::string::npos);
    }
    SUBCASE("a data member whose size differs from the kernel's") {
        auto local = make_local("tcp_congestion_ops", 8);
        auto lbtf = btf::Btf::parse(local.raw);
        std::vector<std::uint8_t> data(24, 0);
        auto b = bind({"ops", ".struct_ops", &*lbtf, local.type, data, {}}, *k);
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().message().find("member 'name': size differs: 8 bytes in the object, 16 in the kernel") !=
              std::string::npos);
    }
    SUBCASE("a function pointer bound to a program that is not struct_ops") {
        auto local = make_local();
        auto lbtf = btf::Btf::parse(local.raw);
        std::vector<std::uint8_t> data(32, 0);
        LocalOpsVar var{"ops", ".struct_ops", &*lbtf, local.type, data, {}};
        var.member_programs.resize(4);
        var.member_programs[0] = SlotProgram{0, "kprobe_thing", false};
        auto b = bind(var, *k);
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().message().find("member 'init': points to program 'kprobe_thing'") != std::string::npos);
    }
    SUBCASE("a program assigned to a data member") {
        auto local = make_local();
        auto lbtf = btf::Btf::parse(local.raw);
        std::vector<std::uint8_t> data(32, 0);
        LocalOpsVar var{"ops", ".struct_ops", &*lbtf, local.type, data, {}};
        var.member_programs.resize(4);
        var.member_programs[1] = SlotProgram{0, "p", true};
        auto b = bind(var, *k);
        REQUIRE_FALSE(b.ok());
        CHECK(b.error().message().find("member 'flags'") != std::string::npos);
    }
}

TEST_CASE("an unknown struct_ops type is an error naming the value type searched") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto kernel = KernelBtf::open();
    REQUIRE(kernel.ok());
    auto k = find_kernel_ops_type(*kernel, "no_such_ops");
    REQUIRE_FALSE(k.ok());
    CHECK(k.error().message().find("no struct_ops type 'no_such_ops'") != std::string::npos);
    CHECK(k.error().message().find("bpf_struct_ops_no_such_ops") != std::string::npos);
}

TEST_CASE("a struct_ops type defined by a module is found in its split BTF") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    // A directory shaped like /sys/kernel/btf: the real vmlinux plus a module
    // "fake_mod" whose split BTF defines struct_ops type `fake_ops`.
    auto dir = std::filesystem::temp_directory_path() / ("rawops-kbtf-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    struct Cleanup {
        std::filesystem::path p;
        ~Cleanup() { std::filesystem::remove_all(p); }
    } cleanup{dir};
    std::filesystem::create_symlink("/sys/kernel/btf/vmlinux", dir / "vmlinux");

    auto vm = btf::Btf::open_vmlinux();
    REQUIRE(vm.ok());
    auto int_id = vm->find("int", btf::Kind::Int);
    REQUIRE(int_id.ok());
    BtfBuilder b(vm->type_count(), vm->str_end(), /*split=*/true);
    auto proto = b.func_proto(*int_id, {{"a", *int_id}});
    auto fnptr = b.ptr(proto);
    auto ops = b.composite(false, "fake_ops", 16, {{"first", fnptr, 0}, {"second", fnptr, 64}});
    auto value = b.composite(false, "bpf_struct_ops_fake_ops", 24, {{"refcnt", *int_id, 0}, {"data", ops, 64}});
    auto blob = b.build();
    std::ofstream(dir / "fake_mod", std::ios::binary).write(reinterpret_cast<const char*>(blob.data()), blob.size());

    auto kernel = KernelBtf::open(dir.string());
    REQUIRE_MESSAGE(kernel.ok(), kernel.error().message());
    CHECK(kernel->module_names() == std::vector<std::string>{"fake_mod"});
    auto k = find_kernel_ops_type(*kernel, "fake_ops");
    REQUIRE_MESSAGE(k.ok(), k.error().message());
    CHECK(k->type.module == "fake_mod");
    CHECK(k->type.id == ops);
    CHECK(k->value_type.id == value);
    CHECK(k->value_size == 24);
    CHECK(k->data_offset == 8);

    auto only_vmlinux = find_kernel_ops_type(*kernel, "fake_ops", std::string("vmlinux"));
    CHECK_FALSE(only_vmlinux.ok());
    auto wrong_module = find_kernel_ops_type(*kernel, "fake_ops", std::string("other_mod"));
    REQUIRE_FALSE(wrong_module.ok());
    CHECK(wrong_module.error().message().find("no such module BTF") != std::string::npos);
}
