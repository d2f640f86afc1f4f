// kfunc resolution (reloc/externs) against this machine's vmlinux BTF (read-only).
#include <doctest/doctest.h>

#include <filesystem>

#include "loader/object.h"
#include "loader/reloc/externs.h"
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
    auto resolved = reloc::resolve_externs(*obj, *kernel);
    REQUIRE_MESSAGE(resolved.ok(), resolved.error().message());
    for (std::size_t i = 0; i < obj->externs().size(); ++i) {
        const Extern& e = obj->externs()[i];
        CAPTURE(e.name);
        CHECK(e.function);
        CHECK(e.kind == ExternKind::Ksym);
        CHECK_FALSE(e.weak);
        CHECK(e.type != 0);
        const reloc::ExternValue& v = resolved->values[i];
        REQUIRE(v.set);
        CHECK(v.module.empty());
        CHECK(v.btf_id == *kernel->vmlinux().find(e.name, btf::Kind::Func));
        if (i) CHECK(obj->externs()[i - 1].name < e.name);  // libbpf's order: by name
    }

    // In the linked program the call becomes BPF_PSEUDO_KFUNC_CALL with that id.
    std::size_t idx = static_cast<std::size_t>(obj->find_program("kf_cong_avoid") - obj->programs().data());
    auto linked = reloc::link_program(*obj, idx);
    REQUIRE(linked.ok());
    REQUIRE(linked->externs.size() == 1);
    Insn call = linked->insns[linked->externs[0].insn];
    const reloc::ExternValue& v = resolved->values[linked->externs[0].index];
    reloc::patch_kfunc_call(call, v.btf_id, 0);
    CHECK(call.code == insn::kCall);
    CHECK(call.src() == insn::kPseudoKfuncCall);
    CHECK(call.imm == static_cast<std::int32_t>(v.btf_id));
    CHECK(call.off == 0);
}

TEST_CASE("a poisoned kfunc call is libbpf's invalid helper call 2002000000 + extern index") {
    Insn call{insn::kCall, 0x20, 3, -1};
    reloc::poison_kfunc_call(call, 5);
    CHECK(call.code == insn::kCall);
    CHECK(call.src() == 0);
    CHECK(call.dst() == 0);
    CHECK(call.off == 0);
    CHECK(call.imm == 2002000005);
}
