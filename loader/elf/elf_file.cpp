#include "loader/elf/elf_file.h"

#include <elf.h>

#include <cstdio>
#include <cstring>

namespace rawops::elf {

namespace {

// BPF relocation types (llvm/BinaryFormat/ELFRelocs/BPF.def) and how many
// bytes at r_offset each one patches.
struct RelocType {
    std::uint32_t type;
    const char* name;
    std::uint32_t width;
};
constexpr RelocType kRelocTypes[] = {
    {0, "R_BPF_NONE", 0},
    {1, "R_BPF_64_64", 16},       // ld_imm64: imm of both slots
    {2, "R_BPF_64_ABS64", 8},
    {3, "R_BPF_64_ABS32", 4},
    {4, "R_BPF_64_NODYLD32", 4},
    {10, "R_BPF_64_32", 8},       // call: the instruction's imm
};

const RelocType* reloc_type(std::uint32_t t) {
    for (const auto& r : kRelocTypes)
        if (r.type == t) return &r;
    return nullptr;
}

std::string hex(std::uint64_t v) {
    char b[32];
    std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
    return b;
}

// [off, off+size) within [0, limit), without overflow.
bool fits(std::uint64_t off, std::uint64_t size, std::uint64_t limit) { return off <= limit && size <= limit - off; }

}  // namespace

ElfFile::ElfFile(ElfFile&&) noexcept = default;
ElfFile& ElfFile::operator=(ElfFile&&) noexcept = default;
ElfFile::~ElfFile() = default;

Result<ElfFile> ElfFile::open(const std::string& path) {
    auto file = btf::MappedFile::open(path, /*populate=*/false);
    if (!file) return std::move(file).error();
    ElfFile f;
    f.name_ = path;
    f.file_ = std::move(file).value();
    f.bytes_ = f.file_.bytes();
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
    const std::uint64_t size = bytes_.size();
    auto bad = [&](const std::string& what) { return Error(name_ + ": " + what); };
    if (size < sizeof(Elf64_Ehdr))
        return bad("too small for an ELF header (" + std::to_string(size) + " bytes)");
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes_.data(), sizeof eh);
    if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) return bad("not an ELF file (bad magic)");
    if (eh.e_ident[EI_CLASS] != ELFCLASS64) return bad("not a 64-bit ELF file");
    if (eh.e_ident[EI_DATA] != ELFDATA2LSB) return bad("not a little-endian ELF file");
    if (eh.e_machine != EM_BPF) return bad("not a BPF object (e_machine " + std::to_string(eh.e_machine) + ", want EM_BPF 247)");
    if (eh.e_type != ET_REL) return bad("not a relocatable object (e_type " + std::to_string(eh.e_type) + ")");
    if (eh.e_shnum == 0)
        return bad(eh.e_shoff ? "extended section numbering (e_shnum 0) is not supported" : "no section header table");
    if (eh.e_shentsize != sizeof(Elf64_Shdr))
        return bad("e_shentsize is " + std::to_string(eh.e_shentsize) + ", want " + std::to_string(sizeof(Elf64_Shdr)));
    if (!fits(eh.e_shoff, std::uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr), size))
        return bad("section header table (" + std::to_string(eh.e_shnum) + " entries at " + hex(eh.e_shoff) +
                   ") lies past end of file (" + hex(size) + " bytes)");
    if (eh.e_shstrndx == SHN_XINDEX) return bad("extended e_shstrndx (SHN_XINDEX) is not supported");
    if (eh.e_shstrndx >= eh.e_shnum)
        return bad("e_shstrndx " + std::to_string(eh.e_shstrndx) + " is not a section (" + std::to_string(eh.e_shnum) + " sections)");

    std::vector<Elf64_Shdr> sh(eh.e_shnum);
    std::memcpy(sh.data(), bytes_.data() + eh.e_shoff, sh.size() * sizeof(Elf64_Shdr));
    auto has_data = [](const Elf64_Shdr& s) { return s.sh_type != SHT_NOBITS && s.sh_type != SHT_NULL; };
    auto past_end = [&](std::size_t i, const std::string& label) {
        return bad("section " + std::to_string(i) + label + ": data [" + hex(sh[i].sh_offset) + ", +" +
                   hex(sh[i].sh_size) + ") lies past end of file (" + hex(size) + " bytes)");
    };

    // The section name table first, so that every later error can name its section.
    const Elf64_Shdr& shstr = sh[eh.e_shstrndx];
    if (shstr.sh_type != SHT_STRTAB) return bad("e_shstrndx " + std::to_string(eh.e_shstrndx) + " is not a string table");
    if (!fits(shstr.sh_offset, shstr.sh_size, size)) return past_end(eh.e_shstrndx, " (section name table)");

    // A NUL-terminated string inside a string-table section already checked to lie within the file.
    auto string_at = [&](const Elf64_Shdr& st, std::uint64_t off, std::string_view& out) -> bool {
        if (off >= st.sh_size) return false;
        const char* base = reinterpret_cast<const char*>(bytes_.data() + st.sh_offset);
        const void* nul = std::memchr(base + off, 0, st.sh_size - off);
        if (!nul) return false;
        out = std::string_view(base + off, static_cast<std::size_t>(static_cast<const char*>(nul) - (base + off)));
        return true;
    };

    sections_.reserve(sh.size());
    for (std::size_t i = 0; i < sh.size(); ++i) {
        Section s;
        s.index = i;
        if (!string_at(shstr, sh[i].sh_name, s.name))
            return bad("section " + std::to_string(i) + ": name offset " + std::to_string(sh[i].sh_name) +
                       " is outside the section name table or unterminated");
        if (has_data(sh[i]) && !fits(sh[i].sh_offset, sh[i].sh_size, size))
            return past_end(i, " '" + std::string(s.name) + "'");
        s.type = sh[i].sh_type;
        s.flags = sh[i].sh_flags;
        s.offset = sh[i].sh_offset;
        s.size = sh[i].sh_size;
        s.addralign = sh[i].sh_addralign;
        s.entsize = sh[i].sh_entsize;
        s.link = sh[i].sh_link;
        s.info = sh[i].sh_info;
        if (has_data(sh[i])) s.data = bytes_.subspan(s.offset, s.size);
        sections_.push_back(s);
    }

    std::size_t symtab = 0;
    for (std::size_t i = 0; i < sh.size(); ++i) {
        if (sh[i].sh_type != SHT_SYMTAB) continue;
        if (symtab) return bad("more than one symbol table (sections " + std::to_string(symtab) + " and " + std::to_string(i) + ")");
        symtab = i;
    }
    if (symtab) RAWOPS_TRY(parse_symbols(symtab));

    relocs_.assign(sections_.size(), {});
    for (std::size_t i = 0; i < sh.size(); ++i) {
        if (sh[i].sh_type == SHT_RELA)
            return bad("section " + std::to_string(i) + " '" + std::string(sections_[i].name) +
                       "': RELA relocations are not used by BPF objects");
        if (sh[i].sh_type == SHT_REL) RAWOPS_TRY(parse_relocations(i, symtab));
    }
    return {};
}

Status ElfFile::parse_symbols(std::size_t symtab) {
    const Section& st = sections_[symtab];
    const std::string where = name_ + ": symbol table (section " + std::to_string(symtab) + ")";
    if (st.entsize != sizeof(Elf64_Sym)) return Error(where + ": entry size " + std::to_string(st.entsize) + ", want 24");
    if (st.size % sizeof(Elf64_Sym)) return Error(where + ": size " + std::to_string(st.size) + " is not a multiple of 24");
    if (st.link >= sections_.size() || sections_[st.link].type != SHT_STRTAB)
        return Error(where + ": sh_link " + std::to_string(st.link) + " is not a string table");
    const Section& strs = sections_[st.link];
    const std::size_t n = st.size / sizeof(Elf64_Sym);
    symbols_.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
        Elf64_Sym es;
        std::memcpy(&es, st.data.data() + k * sizeof es, sizeof es);
        Symbol y;
        y.index = k;
        if (es.st_name >= strs.size || !std::memchr(strs.data.data() + es.st_name, 0, strs.size - es.st_name))
            return Error(where + ": symbol " + std::to_string(k) + ": name offset " + std::to_string(es.st_name) +
                         " is outside the string table or unterminated");
        y.name = reinterpret_cast<const char*>(strs.data.data() + es.st_name);
        y.bind = ELF64_ST_BIND(es.st_info);
        y.type = ELF64_ST_TYPE(es.st_info);
        y.visibility = ELF64_ST_VISIBILITY(es.st_other);
        y.shndx = es.st_shndx;
        y.value = es.st_value;
        y.size = es.st_size;
        const bool special = y.shndx == SHN_UNDEF || y.shndx == SHN_ABS || y.shndx == SHN_COMMON;
        if (!special && y.shndx >= sections_.size())
            return Error(where + ": symbol " + std::to_string(k) + " '" + std::string(y.name) + "': section index " +
                         std::to_string(y.shndx) + " does not exist");
        // What a symbol names lies inside its section, so that callers can take
        // data.subspan(value, size) (or value + size) without wrapping around.
        if (!special && !fits(y.value, y.size, sections_[y.shndx].size))
            return Error(where + ": symbol " + std::to_string(k) + " '" + std::string(y.name) + "': [" + hex(y.value) +
                         ", +" + hex(y.size) + ") lies outside section " + std::to_string(y.shndx) + " '" +
                         std::string(sections_[y.shndx].name) + "' (" + hex(sections_[y.shndx].size) + " bytes)");
        symbols_.push_back(y);
    }
    return {};
}

Status ElfFile::parse_relocations(std::size_t rel, std::size_t symtab) {
    const Section& rs = sections_[rel];
    // Messages are built only on failure: this runs for every relocation of
    // every object loaded (building them eagerly was half of a load's CPU).
    auto where = [&] { return name_ + ": section " + std::to_string(rel) + " '" + std::string(rs.name) + "'"; };
    if (rs.entsize != sizeof(Elf64_Rel)) return Error(where() + ": entry size " + std::to_string(rs.entsize) + ", want 16");
    if (rs.size % sizeof(Elf64_Rel)) return Error(where() + ": size " + std::to_string(rs.size) + " is not a multiple of 16");
    if (!symtab || rs.link != symtab) return Error(where() + ": sh_link " + std::to_string(rs.link) + " is not the symbol table");
    if (rs.info == 0 || rs.info >= sections_.size())
        return Error(where() + ": sh_info " + std::to_string(rs.info) + " names no section to relocate");
    const Section& target = sections_[rs.info];
    // DWARF's relocations are never read by the loader (libbpf skips them
    // too), and with -g they are most of an object's: tcp_cc.bpf.o has 12k
    // in .rel.debug_str_offsets against ~130 for everything else.
    if (target.name.starts_with(".debug_")) return {};
    // A NOBITS target (.bss) has no bytes to patch: its data view is empty, so
    // an offset checked only against sh_size would let callers index past it.
    if (target.type == SHT_NOBITS || target.type == SHT_NULL)
        return Error(where() + ": relocates section " + std::to_string(rs.info) + " '" + std::string(target.name) +
                     "', which has no data in the file");
    const std::size_t n = rs.size / sizeof(Elf64_Rel);
    auto& out = relocs_[rs.info];
    out.reserve(out.size() + n);
    for (std::size_t k = 0; k < n; ++k) {
        Elf64_Rel r;
        std::memcpy(&r, rs.data.data() + k * sizeof r, sizeof r);
        const std::uint64_t sym = ELF64_R_SYM(r.r_info);
        const auto type = static_cast<std::uint32_t>(ELF64_R_TYPE(r.r_info));
        auto at = [&] { return where() + ": relocation " + std::to_string(k); };
        const RelocType* rt = reloc_type(type);
        if (!rt) return Error(at() + ": unknown relocation type " + std::to_string(type));
        if (sym >= symbols_.size())
            return Error(at() + ": symbol index " + std::to_string(sym) + " out of range (" + std::to_string(symbols_.size()) + " symbols)");
        if (!fits(r.r_offset, rt->width, target.data.size()))
            return Error(at() + " (" + rt->name + "): offset " + hex(r.r_offset) + " lies outside section '" +
                         std::string(target.name) + "' (" + hex(target.size) + " bytes)");
        out.push_back({r.r_offset, type, static_cast<std::uint32_t>(sym)});
    }
    return {};
}

const Section* ElfFile::find_section(std::string_view name) const {
    for (const auto& s : sections_)
        if (s.name == name) return &s;
    return nullptr;
}

const Symbol* ElfFile::find_symbol(std::size_t section, std::string_view name) const {
    for (const auto& y : symbols_)
        if (y.shndx == section && y.name == name) return &y;
    return nullptr;
}

const std::vector<Relocation>& ElfFile::relocations_for(std::size_t target) const {
    static const std::vector<Relocation> none;
    return target < relocs_.size() ? relocs_[target] : none;
}

}  // namespace rawops::elf
