// ELF64 little-endian EM_BPF relocatable files: sections, symbols, REL
// relocations, as read-only views over the bytes (owned or borrowed). The
// first version: header and section table are bounds-checked; full
// validation, mmap and the libelf cross-check come next.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/error.h"

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
    const std::vector<Symbol>& symbols() const { return symbols_; }
    std::vector<Relocation> relocations_for(std::size_t target) const;

private:
    ElfFile() = default;
    Status parse();
    std::string name_;
    std::vector<std::uint8_t> owned_;
    std::span<const std::uint8_t> bytes_;
    std::vector<Section> sections_;
    std::vector<Symbol> symbols_;
};

}  // namespace rawops::elf
