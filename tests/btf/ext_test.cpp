// .BTF.ext of clang-built objects: func_info, line_info and CO-RE records per
// section, and every malformation the parser must reject. libelf (the test
// oracle) pulls the sections out of the object.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <gelf.h>
#include <glob.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/btf_ext.h"
#include "tests/btf/btf_builder.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::put_u32;

namespace {

// Section name -> bytes of an ELF object, read with libelf.
std::map<std::string, std::vector<std::uint8_t>> elf_sections(const std::string& path) {
    std::map<std::string, std::vector<std::uint8_t>> out;
    elf_version(EV_CURRENT);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return out;
    Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
    std::size_t shstrndx = 0;
    if (elf && elf_getshdrstrndx(elf, &shstrndx) == 0) {
        for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
            GElf_Shdr sh;
            if (!gelf_getshdr(scn, &sh)) continue;
            const char* name = elf_strptr(elf, shstrndx, sh.sh_name);
            Elf_Data* d = elf_rawdata(scn, nullptr);
            if (!name || !d || !d->d_buf) continue;
            auto* p = static_cast<const std::uint8_t*>(d->d_buf);
            out[name] = std::vector<std::uint8_t>(p, p + d->d_size);
        }
    }
    if (elf) elf_end(elf);
    ::close(fd);
    return out;
}

std::string fixture() { return rawops::testing::exe_dir() + "/fixtures/btf_core.bpf.o"; }

struct Loaded {
    std::map<std::string, std::vector<std::uint8_t>> secs;
    std::unique_ptr<Btf> btf;
};

Loaded load_fixture() {
    Loaded l;
    l.secs = elf_sections(fixture());
    REQUIRE_MESSAGE(l.secs.count(".BTF"), "fixture missing or has no .BTF: " << fixture());
    REQUIRE(l.secs.count(".BTF.ext"));
    auto b = Btf::parse(l.secs[".BTF"], nullptr, ".BTF");
    REQUIRE_MESSAGE(b.ok(), (b.ok() ? "" : b.error().message()));
    l.btf = std::make_unique<Btf>(std::move(*b));
    return l;
}

std::string ext_error(const std::vector<std::uint8_t>& bytes, const Btf& btf) {
    auto r = BtfExt::parse(bytes, btf);
    return r.ok() ? std::string("(parsed)") : r.error().message();
}

std::uint32_t rd(const std::vector<std::uint8_t>& b, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, &b[at], 4);
    return v;
}

}  // namespace

TEST_CASE(".BTF.ext of the clang-built fixture: func_info, line_info, CO-RE") {
    Loaded l = load_fixture();
    const Btf& btf = *l.btf;
    auto ext = BtfExt::parse(l.secs[".BTF.ext"], btf);
    REQUIRE_MESSAGE(ext.ok(), (ext.ok() ? "" : ext.error().message()));

    // func_info: one FUNC per function, per section.
    std::set<std::string> secs;
    for (const auto& s : ext->func_info()) secs.insert(std::string(s.sec_name));
    CHECK(secs == std::set<std::string>{".text", "tp/first", "tp/second"});
    const auto* first = ext->func_info_for("tp/first");
    REQUIRE(first);
    REQUIRE(first->count() == 1);
    CHECK(first->at(0).insn_off == 0);
    CHECK(btf.type(first->at(0).type_id).name() == "prog_first");
    CHECK(btf.type(ext->func_info_for(".text")->at(0).type_id).name() == "helper_sub");
    CHECK(ext->func_info_for("nope") == nullptr);

    // line_info: source lines of this file, with line numbers.
    const auto* lines = ext->line_info_for("tp/second");
    REQUIRE(lines);
    CHECK(lines->count() >= 2);
    for (std::uint32_t i = 0; i < lines->count(); ++i) {
        LineInfo li = lines->at(i);
        CHECK(btf.str(li.file_name_off).find("btf_core.bpf.c") != std::string_view::npos);
        CHECK(li.line() > 0);
        CHECK(li.insn_off % 8 == 0);
    }

    // CO-RE: the kinds written in the source, on the local types.
    std::multiset<std::string> kinds;
    for (const auto& s : ext->core_relos())
        for (std::uint32_t i = 0; i < s.count(); ++i) {
            CoreRelo r = s.at(i);
            kinds.insert(std::string(s.sec_name) + ":" + core_relo_kind_name(r.kind));
            std::string_view target = btf.type(*btf.resolve(r.type_id)).name();
            CHECK((target == "task_like" || target == "mode_like"));
            CHECK(!btf.str(r.access_str_off).empty());
        }
    CHECK(kinds.count("tp/first:byte_off") >= 1);
    CHECK(kinds.count("tp/first:byte_sz") == 1);
    CHECK(kinds.count("tp/first:field_exists") == 1);
    CHECK(kinds.count("tp/second:type_exists") == 1);
    CHECK(kinds.count("tp/second:type_size") == 1);
    CHECK(kinds.count("tp/second:enumval_value") == 1);
    const auto* second = ext->core_relos_for("tp/second");
    REQUIRE(second);
    bool saw_enum = false;
    for (std::uint32_t i = 0; i < second->count(); ++i)
        if (second->at(i).kind == CoreReloKind::EnumvalValue) {
            saw_enum = true;
            CHECK(btf.str(second->at(i).access_str_off) == "1");  // MODE_B is value index 1
        }
    CHECK(saw_enum);
}

TEST_CASE(".BTF.ext validation errors") {
    Loaded l = load_fixture();
    const Btf& btf = *l.btf;
    const auto good = l.secs[".BTF.ext"];
    REQUIRE(BtfExt::parse(good, btf).ok());
    const std::uint32_t hdr = rd(good, 4);
    const std::uint32_t func_off = rd(good, 8), line_off = rd(good, 16), core_off = rd(good, 24);
    REQUIRE(hdr >= 32);

    auto with = [&](std::size_t at, std::uint32_t v) {
        auto b = good;
        put_u32(b, at, v);
        return b;
    };
    CHECK(ext_error({good.begin(), good.begin() + 6}, btf).find("truncated") != std::string::npos);
    {
        auto b = good;
        b[0] = 0;
        CHECK(ext_error(b, btf).find("bad magic") != std::string::npos);
    }
    {
        auto b = good;
        b[2] = 9;
        CHECK(ext_error(b, btf).find("version 9") != std::string::npos);
    }
    CHECK(ext_error(with(4, 16), btf).find("hdr_len 16") != std::string::npos);
    CHECK(ext_error(with(4, 100000), btf).find("truncated") != std::string::npos);
    // Record sizes: smaller than the record, or not a multiple of 4.
    CHECK(ext_error(with(hdr + func_off, 4), btf).find("func_info block: record size 4 is invalid") !=
          std::string::npos);
    CHECK(ext_error(with(hdr + line_off, 18), btf).find("line_info block: record size 18") != std::string::npos);
    CHECK(ext_error(with(hdr + core_off, 12), btf).find("core_relo block: record size 12") != std::string::npos);
    // Block bounds and alignment.
    CHECK(ext_error(with(12, 100000), btf).find("func_info block") != std::string::npos);
    CHECK(ext_error(with(8, func_off + 2), btf).find("not 4-byte aligned") != std::string::npos);
    // First section header of the func_info block: name offset, record count.
    const std::size_t sec0 = hdr + func_off + 4;
    CHECK(ext_error(with(sec0, 0xfffff), btf).find("section name offset 1048575 out of range") != std::string::npos);
    CHECK(ext_error(with(sec0 + 4, 0), btf).find("no records") != std::string::npos);
    CHECK(ext_error(with(sec0 + 4, 1000), btf).find("run past the block") != std::string::npos);
    // The first func_info record's type must be a FUNC.
    {
        std::string m = ext_error(with(sec0 + 8 + 4, 3), btf);  // [3] INT 'int'
        CHECK(m.find("is not a FUNC") != std::string::npos);
        CHECK(m.find("record 0") != std::string::npos);
    }
    CHECK(ext_error(with(sec0 + 8 + 4, 5000), btf).find("type id 5000 out of range") != std::string::npos);
    CHECK(ext_error(with(sec0 + 8, 12), btf).find("insn_off 12 is not a multiple of 8") != std::string::npos);
    // CO-RE record fields: type id, access string, kind.
    const std::size_t core0 = hdr + core_off + 4 + 8;
    CHECK(ext_error(with(core0 + 4, 5000), btf).find("CO-RE relocation of section") != std::string::npos);
    CHECK(ext_error(with(core0 + 8, 0xffffff), btf).find("access string offset") != std::string::npos);
    CHECK(ext_error(with(core0 + 12, 99), btf).find("unknown relocation kind 99") != std::string::npos);
    // line_info strings.
    const std::size_t line0 = hdr + line_off + 4 + 8;
    CHECK(ext_error(with(line0 + 4, 0xffffff), btf).find("file name offset") != std::string::npos);
}

TEST_CASE("every object under build/bpfprog has valid .BTF and .BTF.ext") {
    glob_t g{};
    std::string pattern = rawops::testing::exe_dir() + "/../bpfprog/*.bpf.o";
    int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    if (rc != 0 || g.gl_pathc == 0) {
        globfree(&g);
        RAWOPS_SKIP("no BPF objects built under build/bpfprog");
    }
    std::size_t checked = 0;
    for (std::size_t i = 0; i < g.gl_pathc; ++i) {
        std::string path = g.gl_pathv[i];
        auto secs = elf_sections(path);
        if (!secs.count(".BTF")) continue;
        auto b = Btf::parse(secs[".BTF"], nullptr, path);
        CHECK_MESSAGE(b.ok(), path << ": " << (b.ok() ? "" : b.error().message()));
        if (!b.ok() || !secs.count(".BTF.ext")) continue;
        auto e = BtfExt::parse(secs[".BTF.ext"], *b);
        CHECK_MESSAGE(e.ok(), path << ": " << (e.ok() ? "" : e.error().message()));
        ++checked;
    }
    globfree(&g);
    CHECK(checked > 0);
}
