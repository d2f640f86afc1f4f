// See elf_file.h.
#include "loader/elf/elf_file.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>

namespace rawops::elf {

ElfFile::ElfFile(ElfFile&&) noexcept = default;
ElfFile& ElfFile::operator=(ElfFile&&) noexcept = default;
ElfFile::~ElfFile() = default;

Result<ElfFile> ElfFile::open(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error(path + ": cannot open", errno);
    ElfFile f;
    f.name_ = path;
    f.owned_.assign(std::istreambuf_iterator<char>(in), {});
    f.bytes_ = f.owned_;
    auto s = f.parse();
    if (!s) return std::move(s).error();
    return f;
}

Result<ElfFile> ElfFile::from_buffer(std::span<const std::uint8_t> bytes, std::string name) {
    ElfFile f;
    f.name_ = std::move(name);
    f.bytes_ = bytes;
    auto s = f.parse();
    if (!s) return std::move(s).error();
    return f;
}

Status ElfFile::parse() {
    if (bytes_.size() < sizeof(Elf64_Ehdr)) return Error(name_ + ": too small for an ELF header");
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes_.data(), sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_BPF)
        return Error(name_ + ": not a little-endian ELF64 BPF object");
    if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > bytes_.size() ||
        std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr) > bytes_.size() - eh.e_shoff || eh.e_shstrndx >= eh.e_shnum)
        return Error(name_ + ": bad section header table");
    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    std::memcpy(sh.data(), bytes_.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
    auto in_file = [&](std::uint64_t off, std::uint64_t size) { return off <= bytes_.size() && size <= bytes_.size() - off; };
    for (const auto& s : sh)
        if (s.sh_type != SHT_NOBITS && !in_file(s.sh_offset, s.sh_size)) return Error(name_ + ": section past end of file");
    const auto& strsh = sh[eh.e_shstrndx];
    auto strview = [&](const Elf64_Shdr& st, std::uint64_t off) -> std::string_view {
        if (off >= st.sh_size) return {};
        const char* b = reinterpret_cast<const char*>(bytes_.data() + st.sh_offset);
        const void* nul = std::memchr(b + off, 0, st.sh_size - off);
        if (!nul) return {};
        return std::string_view(b + off, static_cast<const char*>(nul) - (b + off));
    };
    for (std::size_t i = 0; i < sh.size(); ++i) {
        Section s;
        s.index = i;
        s.name = strview(strsh, sh[i].sh_name);
        s.type = sh[i].sh_type;
        s.flags = sh[i].sh_flags;
        s.offset = sh[i].sh_offset;
        s.size = sh[i].sh_size;
        s.addralign = sh[i].sh_addralign;
        s.entsize = sh[i].sh_entsize;
        s.link = sh[i].sh_link;
        s.info = sh[i].sh_info;
        if (s.type != SHT_NOBITS) s.data = bytes_.subspan(s.offset, s.size);
        sections_.push_back(s);
    }
    for (std::size_t i = 0; i < sh.size(); ++i) {
        if (sh[i].sh_type != SHT_SYMTAB) continue;
        if (sh[i].sh_link >= sh.size()) return Error(name_ + ": bad symtab link");
        const auto& st = sh[sh[i].sh_link];
        std::size_t n = sh[i].sh_size / sizeof(Elf64_Sym);
        for (std::size_t k = 0; k < n; ++k) {
            Elf64_Sym es;
            std::memcpy(&es, bytes_.data() + sh[i].sh_offset + k * sizeof es, sizeof es);
            Symbol y;
            y.index = k;
            y.name = strview(st, es.st_name);
            y.bind = ELF64_ST_BIND(es.st_info);
            y.type = ELF64_ST_TYPE(es.st_info);
            y.visibility = ELF64_ST_VISIBILITY(es.st_other);
            y.shndx = es.st_shndx;
            y.value = es.st_value;
            y.size = es.st_size;
            symbols_.push_back(y);
        }
        break;
    }
    return {};
}

const Section* ElfFile::find_section(std::string_view name) const {
    for (const auto& s : sections_)
        if (s.name == name) return &s;
    return nullptr;
}

std::vector<Relocation> ElfFile::relocations_for(std::size_t target) const {
    std::vector<Relocation> out;
    for (const auto& s : sections_) {
        if (s.type != SHT_REL || s.info != target) continue;
        for (std::size_t k = 0; k + sizeof(Elf64_Rel) <= s.data.size(); k += sizeof(Elf64_Rel)) {
            Elf64_Rel r;
            std::memcpy(&r, s.data.data() + k, sizeof r);
            if (ELF64_R_SYM(r.r_info) >= symbols_.size()) continue;
            out.push_back({r.r_offset, static_cast<std::uint32_t>(ELF64_R_TYPE(r.r_info)),
                           static_cast<std::uint32_t>(ELF64_R_SYM(r.r_info))});
        }
    }
    return out;
}

}  // namespace rawops::elf
