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
