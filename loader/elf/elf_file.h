// ELF64 little-endian EM_BPF relocatable files: sections, symbols, REL
// relocations, as read-only views over the bytes (a file mapped by us, or a
// buffer the caller lends). Everything is validated once, when the file is
// opened: every offset, size, index and string the accessors hand out lies
// inside the file, so they cannot fail and never read out of bounds. Errors
// name the file and the section, symbol or relocation at fault.
// tests/unit/elf_*.cpp cross-check it against libelf.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/error.h"
#include "btf/mapped_file.h"

namespace rawops::elf {

struct Section {
    std::size_t index = 0;
    std::string_view name;
    std::uint32_t type = 0;
    std::uint64_t flags = 0, offset = 0, size = 0, addralign = 0, entsize = 0;
    std::uint32_t link = 0, info = 0;
    std::span<const std::uint8_t> data;
};

struct Symbol {
    std::size_t index = 0;
    std::string_view name;
    std::uint8_t bind = 0, type = 0, visibility = 0;
    std::uint16_t shndx = 0;
    std::uint64_t value = 0, size = 0;
};

struct Relocation {
    std::uint64_t offset = 0;
    std::uint32_t type = 0;
    std::uint32_t symbol = 0;
};

class ElfFile {
public:
    static Result<ElfFile> open(const std::string& path);
    static Result<ElfFile> from_buffer(std::span<const std::uint8_t> bytes, std::string name);
    ElfFile(ElfFile&&) noexcept;
    ElfFile& operator=(ElfFile&&) noexcept;
    ~ElfFile();

    const std::string& name() const { return name_; }
    const std::vector<Section>& sections() const { return sections_; }
    const Section* find_section(std::string_view name) const;
    // A symbol's shndx is SHN_UNDEF, SHN_ABS, SHN_COMMON or a section, and
    // then [value, +size) lies inside that section's size (its data, unless
    // the section is NOBITS).
    const std::vector<Symbol>& symbols() const { return symbols_; }
    // The symbol named `name` defined in section `section`, or nullptr.
    const Symbol* find_symbol(std::size_t section, std::string_view name) const;
    // REL relocations applying to section `target` (all .rel sections whose
    // sh_info names it), in file order. Each one's symbol indexes symbols(),
    // and the bytes its type patches (16 for R_BPF_64_64, 8 for ABS64 and
    // 64_32, 4 for ABS32 and NODYLD32) lie inside the target's data, which is
    // never NOBITS.
    // Relocations of DWARF sections (.debug_*) are not read: empty for them.
    const std::vector<Relocation>& relocations_for(std::size_t target) const;

private:
    ElfFile() = default;
    Status parse();
    Status parse_symbols(std::size_t symtab);
    Status parse_relocations(std::size_t rel, std::size_t symtab);
    std::string name_;
    btf::MappedFile file_;  // empty when the bytes are borrowed
    std::span<const std::uint8_t> bytes_;
    std::vector<Section> sections_;
    std::vector<Symbol> symbols_;
    std::vector<std::vector<Relocation>> relocs_;  // by target section
};

}  // namespace rawops::elf
