// The fixed-up object BTF is judged by the kernel itself: BPF_BTF_LOAD must
// accept it for every object the build produces (it refuses the raw .BTF of
// most of them: DATASEC sizes of 0, extern FUNCs in .ksyms).
#include <doctest/doctest.h>

#include <filesystem>

#include "loader/elf/elf_file.h"
#include "loader/object.h"
#include "loader/reloc/btf_fixup.h"
#include "loader/sys/btf_obj.h"
#include "tests/common/paths.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"

using namespace rawops;

TEST_CASE("kernel_ready_btf: every built object's BTF loads into the kernel, with sizes and offsets filled") {
    RAWOPS_REQUIRE_ROOT();
    rawops::testing::FdLeakCheck leaks;
    int checked = 0;
    for (const auto& entry : std::filesystem::directory_iterator(rawops::testing::build_dir() + "/bpfprog")) {
        if (entry.path().extension() != ".o") continue;
        CAPTURE(entry.path().string());
        auto obj = Object::open(entry.path().string());
        REQUIRE_MESSAGE(obj.ok(), obj.error().message());
        auto fixed = reloc::kernel_ready_btf(*obj);
        REQUIRE_MESSAGE(fixed.ok(), fixed.error().message());

        auto parsed = btf::Btf::parse(std::span<const std::uint8_t>(*fixed));
        REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
        for (btf::TypeId id = 1; id < parsed->type_count(); ++id) {
            const btf::TypeView t = parsed->type(id);
            if (t.kind() == btf::Kind::Func) CHECK(t.vlen() != 2);  // no extern linkage left
            if (t.kind() != btf::Kind::Datasec || t.name() == ".ksyms") continue;
            std::uint32_t last_end = 0;  // the kernel wants entries in offset order
            for (const btf::VarSecInfo& v : t.var_secinfos()) {
                CHECK(v.offset >= last_end);
                last_end = v.offset + v.size;
            }
            if (t.name() == ".kconfig") {  // no ELF section: the .kconfig map's layout
                CHECK(t.size() == obj->kconfig_size());
                continue;
            }
            const elf::Section* sec = obj->elf().find_section(t.name());
            REQUIRE(sec != nullptr);
            CHECK(t.size() == sec->size);
            for (const btf::VarSecInfo& v : t.var_secinfos()) CHECK(v.offset + v.size <= t.size());
        }

        std::string log;
        auto fd = sys::btf_load({std::as_bytes(std::span<const std::uint8_t>(*fixed)), entry.path().string(), {}}, &log);
        CHECK_MESSAGE(fd.ok(), (fd.ok() ? "" : fd.error().message() + "\n" + log));
        ++checked;
    }
    CHECK(checked >= 5);
}

TEST_CASE("kernel_ready_btf: appended types in libbpf's order, the .ksyms dummy VAR before a resized section's ARRAY") {
    // libbpf adds dummy_ksym at open (add_dummy_ksym_var) and the new ARRAY
    // when the section is resized, later; tcp_cc_knobs has both, and its
    // .data.slots DATASEC comes before .ksyms in id order.
    auto obj = Object::open(rawops::testing::build_dir() + "/bpfprog/tcp_cc_knobs.bpf.o");
    REQUIRE_MESSAGE(obj.ok(), obj.error().message());
    const btf::Btf& b = obj->btf();
    const auto slots_sec = b.find(".data.slots", btf::Kind::Datasec);
    REQUIRE(slots_sec.ok());
    REQUIRE(*slots_sec < *b.find(".ksyms", btf::Kind::Datasec));
    const btf::TypeView slots_t = b.type(*slots_sec);
    const btf::VarSecInfo last = slots_t.var_secinfo(slots_t.vlen() - 1);
    const auto array_id = b.resolve(b.type(last.type).ref_type());
    REQUIRE(array_id.ok());
    const btf::ArrayInfo a = b.type(*array_id).array();
    reloc::ArrayResize r{*slots_sec, last.type, a.elem_type, a.index_type, 4, 4 * 8};
    auto fixed = reloc::kernel_ready_btf(*obj, {r});
    REQUIRE_MESSAGE(fixed.ok(), fixed.error().message());
    auto parsed = btf::Btf::parse(std::span<const std::uint8_t>(*fixed));
    REQUIRE_MESSAGE(parsed.ok(), parsed.error().message());
    const btf::TypeId first_new = b.type_count();
    REQUIRE(parsed->type_count() == first_new + 2);
    CHECK(parsed->type(first_new).kind() == btf::Kind::Var);
    CHECK(parsed->type(first_new).name() == "dummy_ksym");
    CHECK(parsed->type(first_new + 1).kind() == btf::Kind::Array);
    CHECK(parsed->type(first_new + 1).array().nelems == 4);
    CHECK(parsed->type(last.type).ref_type() == first_new + 1);
}
