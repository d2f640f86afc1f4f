// Hand-broken variants of a real object: each must be refused with an error
// naming the problem. Never a crash, never a read out of bounds (`make fuzz`
// also runs this suite built with AddressSanitizer, see tests/fuzz/rules.mk).
#include <doctest/doctest.h>

#include <elf.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>

#include "loader/elf/elf_file.h"
#include "loader/object.h"
#include "tests/common/paths.h"

using namespace rawops;

namespace {

// glibc's <elf.h> stops at R_BPF_64_32; LLVM's BPF.def has the rest.
constexpr std::uint32_t kRBpf64Abs64 = 2, kRBpf64Abs32 = 3;

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
    // A heap block of exactly the file's size (a vector may have spare
    // capacity), so that under ASan any read past the end is reported.
    std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[b.size() + !b.size()]);
    std::memcpy(exact.get(), b.data(), b.size());
    auto r = elf::ElfFile::from_buffer({exact.get(), b.size()}, "broken.o");
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
    for (std::size_t len = 0; len < good.size(); len += (len < 256 ? 1 : 97)) {
        std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(len));
        auto r = elf::ElfFile::from_buffer(cut, "broken.o");
        REQUIRE_MESSAGE(!r.ok(), "accepted at length " << len);
        CHECK(r.error().message().rfind("broken.o: ", 0) == 0);
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
    h.e_shnum = 0xffff;
    set_header(b, h);
    CHECK_REFUSED(b, "section header table (65535 entries");
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
    // shstrndx names a section that is not a string table (section 2, .text).
    h = header(good);
    b = good;
    h.e_shstrndx = 2;
    set_header(b, h);
    CHECK_REFUSED(b, "e_shstrndx 2 is not a string table");
}

TEST_CASE("section, string, symbol and relocation errors are named") {
    const auto good = read_object("tcp_cc.bpf.o");
    const std::size_t symtab = find_type(good, SHT_SYMTAB);
    const std::size_t rel = find_type(good, SHT_REL);
    REQUIRE(symtab);
    REQUIRE(rel);

    auto ok = elf::ElfFile::from_buffer(good, "broken.o");
    REQUIRE(ok.ok());
    const std::string name2(ok->sections()[2].name);

    // Data past the end of the file: the error names the section and the range.
    auto b = good;
    auto s = shdr(b, 2);
    s.sh_offset = good.size() - 4;
    s.sh_size = 64;
    set_shdr(b, 2, s);
    char want[160];
    std::snprintf(want, sizeof want, "section 2 '%s': data [0x%zx, +0x40) lies past end of file (0x%zx bytes)",
                  name2.c_str(), good.size() - 4, good.size());
    CHECK_REFUSED(b, want);
    // Offset + size that wraps around 2^64.
    b = good;
    s = shdr(b, 2);
    s.sh_offset = 16;
    s.sh_size = ~0ull - 8;
    set_shdr(b, 2, s);
    CHECK_REFUSED(b, "lies past end of file");
    // The section name table itself past the end.
    b = good;
    s = shdr(b, header(b).e_shstrndx);
    s.sh_size = good.size();
    set_shdr(b, header(b).e_shstrndx, s);
    CHECK_REFUSED(b, "(section name table): data");
    // A NOBITS section may claim any range: it has no bytes in the file.
    const auto bss = find_type(good, SHT_NOBITS);
    REQUIRE(bss);
    b = good;
    s = shdr(b, bss);
    s.sh_offset = ~0ull - 8;
    s.sh_size = 1u << 30;
    set_shdr(b, bss, s);
    auto nobits = elf::ElfFile::from_buffer(b, "broken.o");
    REQUIRE(nobits.ok());
    CHECK(nobits->sections()[bss].data.empty());
    CHECK(nobits->sections()[bss].size == (1u << 30));

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
    b = good;
    s = shdr(b, symtab);
    s.sh_link = 2;
    set_shdr(b, symtab, s);
    CHECK_REFUSED(b, "sh_link 2 is not a string table");
    // Symbol names from a string table of their own that lacks its NUL and
    // ends the file, so that reading one byte too far is caught by ASan (in
    // clang's output .strtab also holds section names: give the symbols
    // .rodata turned into a string table of 8 'x's appended to the file).
    const std::size_t rodata = static_cast<std::size_t>(ok->find_section(".rodata")->index);
    b = good;
    s = shdr(b, rodata);
    s.sh_type = SHT_STRTAB;
    s.sh_offset = b.size();
    s.sh_size = 8;
    set_shdr(b, rodata, s);
    b.resize(b.size() + 8, 'x');
    auto t = shdr(b, symtab);
    t.sh_link = static_cast<std::uint32_t>(rodata);
    set_shdr(b, symtab, t);
    CHECK_REFUSED(b, "symbol 0: name offset 0 is outside the string table or unterminated");
    // A symbol reaching past its section, directly or by wrapping around 2^64
    // (value + size == 8 passed a naive sum check and read before the buffer).
    const std::size_t text3 = static_cast<std::size_t>(shdr(good, 3).sh_size);
    auto with_sym_range = [&](std::uint64_t value, std::uint64_t size) {
        auto copy = good;
        Elf64_Sym y;
        std::memcpy(&y, copy.data() + sym_sh.sh_offset + sizeof y, sizeof y);
        y.st_shndx = 3;
        y.st_value = value;
        y.st_size = size;
        std::memcpy(copy.data() + sym_sh.sh_offset + sizeof y, &y, sizeof y);
        return copy;
    };
    CHECK(elf::ElfFile::from_buffer(with_sym_range(text3 - 8, 8), "broken.o").ok());
    CHECK(elf::ElfFile::from_buffer(with_sym_range(text3, 0), "broken.o").ok());
    CHECK_REFUSED(with_sym_range(text3 - 8, 16), "lies outside section 3");
    CHECK_REFUSED(with_sym_range(~0ull - 7, 16), "symbol 1 '");
    CHECK_REFUSED(with_sym_range(~0ull - 7, 16), "lies outside section 3");
    // The special section indices are accepted as they are.
    for (std::uint16_t special : {std::uint16_t{SHN_ABS}, std::uint16_t{SHN_COMMON}, std::uint16_t{SHN_UNDEF}}) {
        b = good;
        std::memcpy(&sym, b.data() + sym_sh.sh_offset + sizeof sym, sizeof sym);
        sym.st_shndx = special;
        std::memcpy(b.data() + sym_sh.sh_offset + sizeof sym, &sym, sizeof sym);
        auto r = elf::ElfFile::from_buffer(b, "broken.o");
        REQUIRE_MESSAGE(r.ok(), r.error().message());
        CHECK(r->symbols()[1].shndx == special);
    }

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
    // A relocation into .bss: no bytes to patch.
    b = good;
    s = shdr(b, rel);
    s.sh_info = static_cast<std::uint32_t>(bss);
    set_shdr(b, rel, s);
    CHECK_REFUSED(b, "which has no data in the file");

    // The patched bytes, not just r_offset, must lie inside the target:
    // R_BPF_64_64 patches 16 bytes (ld_imm64), R_BPF_64_ABS32 four.
    const std::uint64_t target_size = shdr(good, rel_sh.sh_info).sh_size;
    REQUIRE(target_size >= 16);
    auto at = [&](std::uint64_t off, std::uint32_t type) {
        return with_rel([&](Elf64_Rel& r) {
            r.r_offset = off;
            r.r_info = ELF64_R_INFO(ELF64_R_SYM(r.r_info), type);
        });
    };
    CHECK(elf::ElfFile::from_buffer(at(target_size - 16, R_BPF_64_64), "broken.o").ok());
    CHECK_REFUSED(at(target_size - 8, R_BPF_64_64), "(R_BPF_64_64): offset");
    CHECK(elf::ElfFile::from_buffer(at(target_size - 4, kRBpf64Abs32), "broken.o").ok());
    CHECK_REFUSED(at(target_size - 3, kRBpf64Abs32), "lies outside section");
    CHECK_REFUSED(at(~0ull - 2, kRBpf64Abs64), "lies outside section");
}

TEST_CASE("the Object parser on top refuses broken files too, naming them") {
    auto b = read_object("tcp_cc.bpf.o");
    b.resize(b.size() / 2);
    auto o = Object::from_buffer(b, "half.o");
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message().rfind("half.o: ", 0) == 0);
}

TEST_CASE("a NOBITS data section too large for a map value is refused, not allocated (fuzz_elf found the abort)") {
    auto b = read_object("tcp_cc.bpf.o");
    const std::size_t bss = find_type(b, 8 /* SHT_NOBITS */);
    REQUIRE(bss != 0);
    Elf64_Shdr s = shdr(b, bss);
    s.sh_size = 0x300000000060ull;  // as the fuzzer's file: 48 TiB of .bss
    set_shdr(b, bss, s);
    auto o = Object::from_buffer(b, "huge.o");
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message() == "huge.o: section '.bss' is 52776558133344 bytes: more than a map value can hold "
                                 "(the kernel allows at most KMALLOC_MAX_SIZE, rawops reads at most 1 GiB)");
}

TEST_CASE("a 2 GiB .bss is refused too: plan and inspect would allocate it (fuzz_inspect found the OOM)") {
    auto b = read_object("tcp_cc.bpf.o");
    const std::size_t bss = find_type(b, 8 /* SHT_NOBITS */);
    REQUIRE(bss != 0);
    Elf64_Shdr s = shdr(b, bss);
    s.sh_size = 0x7b000060ull;  // as the fuzzer's file: ~1.9 GiB, under the old 4 GiB bound
    set_shdr(b, bss, s);
    auto o = Object::from_buffer(b, "big.o");
    REQUIRE_FALSE(o.ok());
    CHECK(o.error().message().find("section '.bss' is 2063597664 bytes: more than a map value can hold") !=
          std::string::npos);
    // 1 GiB exactly is still read (a bound, not a ban on large sections).
    s.sh_size = 1ull << 30;
    set_shdr(b, bss, s);
    CHECK(Object::from_buffer(b, "gib.o").ok());
}
