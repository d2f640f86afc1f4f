// Hand-broken variants of a real object: each must be refused with an error
// naming the problem. Never a crash, never a read out of bounds (this suite
// also runs under AddressSanitizer in `make fuzz`'s build, see tests/fuzz).
#include <doctest/doctest.h>

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "loader/elf/elf_file.h"
#include "loader/object.h"
#include "tests/common/paths.h"

using namespace rawops;

namespace {

std::vector<std::uint8_t> read_object(const std::string& name) {
    std::ifstream in(rawops::testing::bpf_object(name), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

Elf64_Ehdr header(const std::vector<std::uint8_t>& b) {
    Elf64_Ehdr h;
    std::memcpy(&h, b.data(), sizeof h);
    return h;
}
void set_header(std::vector<std::uint8_t>& b, const Elf64_Ehdr& h) { std::memcpy(b.data(), &h, sizeof h); }

Elf64_Shdr shdr(const std::vector<std::uint8_t>& b, std::size_t i) {
    Elf64_Shdr s;
    std::memcpy(&s, b.data() + header(b).e_shoff + i * sizeof s, sizeof s);
    return s;
}
void set_shdr(std::vector<std::uint8_t>& b, std::size_t i, const Elf64_Shdr& s) {
    std::memcpy(b.data() + header(b).e_shoff + i * sizeof s, &s, sizeof s);
}
std::size_t find_type(const std::vector<std::uint8_t>& b, std::uint32_t type) {
    for (std::size_t i = 0; i < header(b).e_shnum; ++i)
        if (shdr(b, i).sh_type == type) return i;
    return 0;
}

std::string error_of(const std::vector<std::uint8_t>& b) {
    auto r = elf::ElfFile::from_buffer(b, "broken.o");
    if (r.ok()) return "(accepted)";
    return r.error().message();
}

#define CHECK_REFUSED(bytes, substring)                                    \
    do {                                                                   \
        const std::string msg_ = error_of(bytes);                          \
        CHECK_MESSAGE(msg_.find(substring) != std::string::npos, msg_);    \
        CHECK(msg_.rfind("broken.o: ", 0) == 0);                           \
    } while (0)

}  // namespace

TEST_CASE("truncated objects are refused at every length, without a crash") {
    const auto good = read_object("tcp_cc.bpf.o");
    REQUIRE(good.size() > 4096);
    REQUIRE(elf::ElfFile::from_buffer(good, "broken.o").ok());
    // Every length through the header, then a sweep through the file; the
    // section header table is at the end, so every cut loses part of it.
    for (std::size_t len = 0; len < good.size(); len += (len < 256 ? 1 : 997)) {
        std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
        auto r = elf::ElfFile::from_buffer(cut, "broken.o");
        CHECK_MESSAGE(!r.ok(), "accepted at length " << len);
    }
}

TEST_CASE("header errors are named") {
    const auto good = read_object("tcp_cc.bpf.o");
    auto b = good;
    b[0] = 0;
    CHECK_REFUSED(b, "bad magic");
    b = good;
    b[EI_CLASS] = ELFCLASS32;
    CHECK_REFUSED(b, "not a 64-bit ELF");
    b = good;
    b[EI_DATA] = ELFDATA2MSB;
    CHECK_REFUSED(b, "not a little-endian");
    auto h = header(good);
    b = good;
    h.e_machine = EM_X86_64;
    set_header(b, h);
    CHECK_REFUSED(b, "not a BPF object");
    h = header(good);
    b = good;
    h.e_type = ET_EXEC;
    set_header(b, h);
    CHECK_REFUSED(b, "not a relocatable object");
    h = header(good);
    b = good;
    h.e_shentsize = 32;
    set_header(b, h);
    CHECK_REFUSED(b, "e_shentsize is 32");
    h = header(good);
    b = good;
    h.e_shnum = 60000;
    set_header(b, h);
    CHECK_REFUSED(b, "lies past end of file");
    h = header(good);
    b = good;
    h.e_shoff = ~0ull - 8;  // offset + size overflows
    set_header(b, h);
    CHECK_REFUSED(b, "lies past end of file");
    h = header(good);
    b = good;
    h.e_shstrndx = static_cast<std::uint16_t>(h.e_shnum + 3);
    set_header(b, h);
    CHECK_REFUSED(b, "e_shstrndx");
    h = header(good);
    b = good;
    h.e_shnum = 0;
    set_header(b, h);
    CHECK_REFUSED(b, "extended section numbering");
}

TEST_CASE("section, string, symbol and relocation errors are named") {
    const auto good = read_object("tcp_cc.bpf.o");
    const std::size_t symtab = find_type(good, SHT_SYMTAB);
    const std::size_t rel = find_type(good, SHT_REL);
    REQUIRE(symtab);
    REQUIRE(rel);

    auto b = good;
    auto s = shdr(b, 2);
    s.sh_offset = good.size() - 4;
    s.sh_size = 64;
    set_shdr(b, 2, s);
    CHECK_REFUSED(b, "section 2: data");

    b = good;
    s = shdr(b, 3);
    s.sh_name = 0x7fffffff;
    set_shdr(b, 3, s);
    CHECK_REFUSED(b, "section 3: name offset");

    // Unterminated section name table: overwrite its final NUL.
    b = good;
    const auto shstr = shdr(b, header(b).e_shstrndx);
    b[shstr.sh_offset + shstr.sh_size - 1] = 'x';
    CHECK_REFUSED(b, "unterminated");

    // Symbol 1 with a section index that does not exist, and a bad name.
    const auto sym_sh = shdr(good, symtab);
    b = good;
    Elf64_Sym sym;
    std::memcpy(&sym, b.data() + sym_sh.sh_offset + sizeof sym, sizeof sym);
    sym.st_shndx = 999;
    std::memcpy(b.data() + sym_sh.sh_offset + sizeof sym, &sym, sizeof sym);
    CHECK_REFUSED(b, "section index 999 does not exist");
    b = good;
    std::memcpy(&sym, b.data() + sym_sh.sh_offset + sizeof sym, sizeof sym);
    sym.st_name = 0x7ffffff0;
    std::memcpy(b.data() + sym_sh.sh_offset + sizeof sym, &sym, sizeof sym);
    CHECK_REFUSED(b, "symbol 1: name offset");
    b = good;
    s = shdr(b, symtab);
    s.sh_entsize = 16;
    set_shdr(b, symtab, s);
    CHECK_REFUSED(b, "entry size 16, want 24");

    // Relocations: bad symbol, offset past the section, unknown type.
    const auto rel_sh = shdr(good, rel);
    auto with_rel = [&](auto change) {
        auto copy = good;
        Elf64_Rel r;
        std::memcpy(&r, copy.data() + rel_sh.sh_offset, sizeof r);
        change(r);
        std::memcpy(copy.data() + rel_sh.sh_offset, &r, sizeof r);
        return copy;
    };
    CHECK_REFUSED(with_rel([](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(100000, ELF64_R_TYPE(r.r_info)); }),
                  "symbol index 100000 out of range");
    CHECK_REFUSED(with_rel([](Elf64_Rel& r) { r.r_offset = 1u << 30; }), "lies outside section");
    CHECK_REFUSED(with_rel([](Elf64_Rel& r) { r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), 77); }),
                  "unknown relocation type 77");
    b = good;
    s = shdr(b, rel);
    s.sh_info = 5000;
    set_shdr(b, rel, s);
    CHECK_REFUSED(b, "names no section to relocate");
}

TEST_CASE("the Object parser on top refuses broken files too, naming them") {
    auto b = read_object("tcp_cc.bpf.o");
    b.resize(b.size() / 2);
    auto o = Object::from_buffer(b, "half.o");
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message().rfind("half.o: ", 0) == 0);
}
