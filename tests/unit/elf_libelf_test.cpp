// Our ELF reader against libelf, the oracle, on every object the build
// produces: every section header and its bytes, every symbol, every
// relocation must agree.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <vector>

#include "loader/elf/elf_file.h"
#include "tests/common/paths.h"

using namespace rawops;

namespace {

std::vector<std::string> built_objects() {
    std::vector<std::string> out;
    for (const char* sub : {"/bpfprog", "/bpfprog/bad"}) {
        const std::string dir = rawops::testing::build_dir() + sub;
        if (!std::filesystem::is_directory(dir)) continue;
        for (const auto& e : std::filesystem::directory_iterator(dir))
            if (e.path().extension() == ".o") out.push_back(e.path().string());
    }
    return out;
}

// libelf's view of one file, closed on scope exit.
struct LibElf {
    int fd = -1;
    Elf* elf = nullptr;
    explicit LibElf(const std::string& path) {
        elf_version(EV_CURRENT);
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd >= 0) elf = elf_begin(fd, ELF_C_READ, nullptr);
    }
    ~LibElf() {
        if (elf) elf_end(elf);
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

TEST_CASE("ElfFile agrees with libelf on every built object") {
    const auto objects = built_objects();
    REQUIRE_MESSAGE(objects.size() >= 10, "expected the build's BPF objects under " << rawops::testing::build_dir());
    for (const auto& path : objects) {
        CAPTURE(path);
        auto ours = elf::ElfFile::open(path);
        REQUIRE_MESSAGE(ours.ok(), (ours.ok() ? "" : ours.error().message()));
        LibElf theirs(path);
        REQUIRE(theirs.elf != nullptr);

        std::size_t shnum = 0, shstrndx = 0;
        REQUIRE(elf_getshdrnum(theirs.elf, &shnum) == 0);
        REQUIRE(elf_getshdrstrndx(theirs.elf, &shstrndx) == 0);
        REQUIRE(ours->sections().size() == shnum);

        std::size_t symtab = 0;
        std::map<std::size_t, std::vector<elf::Relocation>> their_relocs;
        for (std::size_t i = 0; i < shnum; ++i) {
            Elf_Scn* scn = elf_getscn(theirs.elf, i);
            GElf_Shdr sh;
            REQUIRE(gelf_getshdr(scn, &sh) != nullptr);
            const elf::Section& s = ours->sections()[i];
            CAPTURE(i);
            CHECK(s.index == i);
            CHECK(s.name == elf_strptr(theirs.elf, shstrndx, sh.sh_name));
            CHECK(s.type == sh.sh_type);
            CHECK(s.flags == sh.sh_flags);
            CHECK(s.offset == sh.sh_offset);
            CHECK(s.size == sh.sh_size);
            CHECK(s.link == sh.sh_link);
            CHECK(s.info == sh.sh_info);
            CHECK(s.addralign == sh.sh_addralign);
            CHECK(s.entsize == sh.sh_entsize);
            if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL) {
                Elf_Data* d = elf_rawdata(scn, nullptr);
                REQUIRE(d != nullptr);
                REQUIRE(s.data.size() == d->d_size);
                CHECK(std::equal(s.data.begin(), s.data.end(), static_cast<const std::uint8_t*>(d->d_buf)));
            }
            if (sh.sh_type == SHT_SYMTAB) symtab = i;
            // ElfFile skips the relocations of DWARF sections (never used).
            if (sh.sh_type == SHT_REL && sh.sh_info < ours->sections().size() &&
                !ours->sections()[sh.sh_info].name.starts_with(".debug_")) {
                Elf_Data* d = elf_getdata(scn, nullptr);
                for (std::size_t k = 0; k < sh.sh_size / sh.sh_entsize; ++k) {
                    GElf_Rel r;
                    REQUIRE(gelf_getrel(d, static_cast<int>(k), &r) != nullptr);
                    their_relocs[sh.sh_info].push_back({r.r_offset, static_cast<std::uint32_t>(GELF_R_TYPE(r.r_info)),
                                                        static_cast<std::uint32_t>(GELF_R_SYM(r.r_info))});
                }
            }
        }

        REQUIRE(symtab != 0);
        Elf_Scn* scn = elf_getscn(theirs.elf, symtab);
        GElf_Shdr sh;
        gelf_getshdr(scn, &sh);
        Elf_Data* d = elf_getdata(scn, nullptr);
        const std::size_t nsyms = sh.sh_size / sh.sh_entsize;
        REQUIRE(ours->symbols().size() == nsyms);
        for (std::size_t k = 0; k < nsyms; ++k) {
            GElf_Sym sym;
            REQUIRE(gelf_getsym(d, static_cast<int>(k), &sym) != nullptr);
            const elf::Symbol& y = ours->symbols()[k];
            CAPTURE(k);
            CHECK(y.name == elf_strptr(theirs.elf, sh.sh_link, sym.st_name));
            CHECK(y.value == sym.st_value);
            CHECK(y.size == sym.st_size);
            CHECK(y.shndx == sym.st_shndx);
            CHECK(y.bind == GELF_ST_BIND(sym.st_info));
            CHECK(y.type == GELF_ST_TYPE(sym.st_info));
            CHECK(y.visibility == GELF_ST_VISIBILITY(sym.st_other));
        }

        for (std::size_t i = 0; i < shnum; ++i) {
            const auto& mine = ours->relocations_for(i);
            const auto& exp = their_relocs[i];
            REQUIRE(mine.size() == exp.size());
            for (std::size_t k = 0; k < mine.size(); ++k) {
                CHECK(mine[k].offset == exp[k].offset);
                CHECK(mine[k].type == exp[k].type);
                CHECK(mine[k].symbol == exp[k].symbol);
            }
        }
    }
}
