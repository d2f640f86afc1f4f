// kfunc resolution against this machine's vmlinux BTF (read-only).
#include <doctest/doctest.h>

#include <filesystem>

#include "loader/object.h"
#include "loader/reloc/kfunc.h"
#include "loader/reloc/link.h"
#include "tests/common/paths.h"
#include "tests/common/skip.h"

using namespace rawops;

TEST_CASE("tcp_cc_kfunc.bpf.o: each extern resolves to the kernel FUNC's BTF id and the call is rewritten") {
    if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto obj = Object::open(rawops::testing::bpf_object("tcp_cc_kfunc.bpf.o"));
    REQUIRE_MESSAGE(obj.ok(), obj.error().message());
    auto kernel = struct_ops::KernelBtf::open();
    REQUIRE(kernel.ok());

    REQUIRE(obj->externs().size() == 3);
    for (const Extern& e : obj->externs()) {
        CAPTURE(e.name);
        CHECK(e.function);
        CHECK_FALSE(e.weak);
        CHECK(e.type != 0);
        auto t = reloc::resolve_kfunc(*kernel, *obj, e);
        REQUIRE_MESSAGE(t.ok(), t.error().message());
        REQUIRE(t->has_value());
        CHECK((*t)->module.empty());
        CHECK((*t)->btf_id == *kernel->vmlinux().find(e.name, btf::Kind::Func));
    }

    // In the linked program the call becomes BPF_PSEUDO_KFUNC_CALL with that id.
    std::size_t idx = static_cast<std::size_t>(obj->find_program("kf_cong_avoid") - obj->programs().data());
    auto linked = reloc::link_program(*obj, idx);
    REQUIRE(linked.ok());
    REQUIRE(linked->externs.size() == 1);
    Insn call = linked->insns[linked->externs[0].insn];
    auto target = reloc::resolve_kfunc(*kernel, *obj, obj->externs()[linked->externs[0].index]);
    REQUIRE(target.ok());
    reloc::patch_kfunc_call(call, **target, 0);
    CHECK(call.code == insn::kCall);
    CHECK(call.src() == insn::kPseudoKfuncCall);
    CHECK(call.imm == static_cast<std::int32_t>((*target)->btf_id));
    CHECK(call.off == 0);
}

TEST_CASE("a missing kfunc is an error naming it, unless the extern is weak") {
    if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto obj = Object::open(rawops::testing::bpf_object("tcp_cc_kfunc.bpf.o"));
    REQUIRE(obj.ok());
    auto kernel = struct_ops::KernelBtf::open();
    REQUIRE(kernel.ok());

    Extern missing{"rawops_no_such_kfunc", true, false, 0};
    auto r = reloc::resolve_kfunc(*kernel, *obj, missing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("extern function 'rawops_no_such_kfunc'") != std::string::npos);
    CHECK(r.error().message().find("no kfunc of that name") != std::string::npos);

    missing.weak = true;
    auto w = reloc::resolve_kfunc(*kernel, *obj, missing);
    REQUIRE(w.ok());
    CHECK_FALSE(w->has_value());
    Insn call{insn::kCall, 0x10, 0, -1};
    reloc::poison_kfunc_call(call, 5);
    CHECK(call.src() == 0);
    CHECK(call.imm == 2002000005);
}

TEST_CASE("a kfunc declared with the wrong number of parameters is refused") {
    if (!std::filesystem::exists("/sys/kernel/btf/vmlinux")) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto obj = Object::open(rawops::testing::bpf_object("tcp_cc_kfunc.bpf.o"));
    REQUIRE(obj.ok());
    auto kernel = struct_ops::KernelBtf::open();
    REQUIRE(kernel.ok());
    // Declare tcp_reno_cong_avoid (3 parameters) with tcp_reno_ssthresh's 1-parameter FUNC.
    Extern wrong{"tcp_reno_cong_avoid", true, false, *obj->btf().find("tcp_reno_ssthresh", btf::Kind::Func)};
    auto r = reloc::resolve_kfunc(*kernel, *obj, wrong);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("declared with 1 parameter(s), the kernel's (vmlinux) takes 3") != std::string::npos);
}
