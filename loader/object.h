// What a BPF object file means, read without the kernel: its programs and
// subprograms, struct_ops variables, maps (global data sections and
// BTF-defined `.maps`), extern symbols and license. Built from our ElfFile and
// the object's own BTF; nothing here talks to the kernel, so `rawops inspect`
// and `rawops plan` can show it anywhere.
//
// Relocations are recorded here in ELF terms (which instruction refers to which
// symbol); loader/reloc/ decides what each becomes for the kernel.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"
#include "btf/btf_ext.h"
#include "btf/error.h"
#include "loader/insn.h"

namespace rawops {

namespace elf {
class ElfFile;
}

// What an instruction's relocation refers to.
enum class RelocTarget {
    Subprogram,  // a function in an executable section (bpf-to-bpf call or ld_imm64 of a callback)
    Map,         // a BTF-defined map in `.maps`  (ld_imm64 -> BPF_PSEUDO_MAP_FD)
    GlobalData,  // a variable in .data/.rodata/.bss (ld_imm64 -> BPF_PSEUDO_MAP_VALUE + offset)
    Extern,      // an undefined symbol: kfunc (call) or ksym variable (ld_imm64)
    Arena,       // an `__arena` global in .addr_space.1 (ld_imm64 -> the ARENA map + offset)
};

struct ProgramReloc {
    std::uint32_t insn = 0;   // index into Program::insns
    RelocTarget target = RelocTarget::Extern;
    std::string symbol;       // symbol name ("" for a section symbol)
    std::size_t index = 0;    // Subprogram/Map/GlobalData/Extern: index into the Object's vector
    std::uint64_t offset = 0; // Subprogram: byte offset of the callee in its section;
                              // GlobalData: byte offset of the symbol in its section
};

// What a program's section name asks the kernel for (libbpf's SEC() table,
// the part rawops handles; loader/section_def.h).
enum class ProgramKind {
    Unknown,     // a section name rawops does not handle: refused if it is to be loaded
    StructOps,   // SEC("struct_ops/..."), SEC("struct_ops.s/...")
    Tracing,     // SEC("tp_btf/..."), SEC("fentry/..."), SEC("fexit/..."), SEC("fmod_ret/...")
    Syscall,     // SEC("syscall"): run with BPF_PROG_TEST_RUN
    Kprobe,      // SEC("kprobe/..."), SEC("kretprobe/..."): attached through a perf event
};

struct Program {
    std::string name;          // the function's symbol
    std::string section;       // "struct_ops/init", ".text", ... (a leading '?' removed)
    std::size_t section_index = 0;
    std::uint64_t offset = 0;  // byte offset of the function in its section
    std::vector<Insn> insns;   // as compiled (not relocated)
    std::vector<ProgramReloc> relocs;

    ProgramKind kind = ProgramKind::Unknown;
    std::uint32_t prog_type = 0;             // BPF_PROG_TYPE_*
    std::uint32_t expected_attach_type = 0;  // tracing: BPF_TRACE_FENTRY, ...; struct_ops: set per member later
    std::string attach_target;               // the part after the first '/': "do_unlinkat", "sched_switch", ...
    bool retprobe = false;                   // kretprobe
    bool struct_ops = false;   // SEC("struct_ops...") -> BPF_PROG_TYPE_STRUCT_OPS
    bool sleepable = false;    // SEC("struct_ops.s/..."), SEC("fentry.s/..."), SEC("syscall") -> BPF_F_SLEEPABLE
    bool subprogram = false;   // in .text: only ever appended to callers
    bool global = false;       // STB_GLOBAL (global subprograms are verified on their own)
    bool autoload = true;      // false for SEC("?...") (libbpf's convention)
};

enum class DataKind { Data, Rodata, Bss };

// A global data section, which becomes a one-element ARRAY map.
struct GlobalData {
    std::string section;           // ".bss", ".data", ".rodata", ".rodata.str1.1", ...
    std::size_t section_index = 0;
    DataKind kind = DataKind::Data;
    std::span<const std::uint8_t> bytes;  // initial contents (empty for .bss)
    std::uint64_t size = 0;
    btf::TypeId datasec = 0;       // the DATASEC describing it (0 if none)
    std::string map_name;          // "<object>.<section>" cut to 15 chars, as libbpf names it
};

// A map declared in `.maps` with BTF (`__uint(type, ...)` etc.).
struct MapDef {
    std::string name;
    std::uint32_t type = 0, key_size = 0, value_size = 0, max_entries = 0, map_flags = 0;
    btf::TypeId key_type = 0, value_type = 0;
    std::uint64_t map_extra = 0;
    // __uint(pinning, LIBBPF_PIN_BY_NAME): shared through <pin root>/<name>,
    // reused when a compatible map is pinned there already.
    bool pin_by_name = false;
    // Map-in-map (`__array(values, struct inner_def)`): the inner map's
    // definition, from which a template map is made for the outer's creation.
    std::shared_ptr<const MapDef> inner;
    // `.values = { [slot] = &other_map }`: Object::maps() indices by slot.
    std::vector<std::pair<std::uint32_t, std::size_t>> initial_slots;
};

// A struct_ops variable: one BPF_MAP_TYPE_STRUCT_OPS map.
struct StructOpsVar {
    std::string name;              // variable name (the map's name)
    std::string section;           // ".struct_ops" or ".struct_ops.link"
    std::size_t section_index = 0;
    std::uint64_t offset = 0;      // in the section
    btf::TypeId type = 0;          // its struct type in the object's BTF (modifiers resolved)
    std::string type_name;         // "tcp_congestion_ops" (may carry ___flavor)
    std::span<const std::uint8_t> data;
    // Per member of `type`: the program a relocation put there, if any.
    std::vector<std::optional<std::size_t>> member_programs;

    bool link() const { return section == ".struct_ops.link"; }
    // false for SEC("?.struct_ops") / SEC("?.struct_ops.link"): created only when asked for.
    bool autocreate = true;
};

// libbpf's two extern families, by the DATASEC that holds the extern's BTF.
enum class ExternKind {
    Kconfig,  // `extern ... __kconfig` (.kconfig): CONFIG_* and LINUX_* values in a read-only map
    Ksym,     // `extern ... __ksym` (.ksyms): kfuncs and kernel variables
};

// How a .kconfig extern's C type takes a Kconfig value (libbpf's kcfg_type).
enum class KconfigType { Bool, Char, Int, Tristate, CharArray };

// An undefined symbol of the object (libbpf: UNDEF, GLOBAL or WEAK, NOTYPE),
// with its BTF. Externs are kept in libbpf's order (Kconfig before Ksym;
// Kconfig by alignment descending, then size; ties by name), so an index here
// is libbpf's extern index (the poisoned-call constant depends on it).
struct Extern {
    std::string name;              // as declared, may carry a ___flavor suffix
    std::string essential_name;    // the name without ___flavor: what the kernel is searched for
    ExternKind kind = ExternKind::Ksym;
    bool function = false;         // BTF FUNC (a kfunc) rather than VAR
    bool weak = false;             // STB_WEAK: may be absent in the kernel (resolves to 0)
    std::size_t symbol = 0;        // ELF symbol index
    btf::TypeId type = 0;          // its FUNC / VAR in the object's BTF
    // Ksym: the VAR's type with modifiers and typedefs skipped (0: typeless,
    // `extern const void x __ksym`, resolved from /proc/kallsyms); FUNC: its FUNC_PROTO.
    btf::TypeId type_id = 0;
    // Kconfig only.
    KconfigType kconfig_type = KconfigType::Int;
    bool kconfig_signed = false;
    std::uint32_t size = 0, align = 0;
    std::uint32_t offset = 0;      // in the .kconfig map
};

class Object {
public:
    static Result<Object> open(const std::string& path);
    // `bytes` must outlive the Object; `name` names it in messages and maps.
    static Result<Object> from_buffer(std::span<const std::uint8_t> bytes, std::string name);

    Object(Object&&) noexcept;
    Object& operator=(Object&&) noexcept;
    ~Object();

    const std::string& path() const { return path_; }
    // File name without directories and ".bpf.o" / ".o": the prefix of data map names.
    const std::string& name() const { return name_; }
    const std::string& license() const { return license_; }

    const elf::ElfFile& elf() const { return *elf_; }
    const btf::Btf& btf() const { return *btf_; }
    const btf::BtfExt* btf_ext() const { return btf_ext_.get(); }

    const std::vector<Program>& programs() const { return programs_; }
    const std::vector<GlobalData>& global_data() const { return data_; }
    const std::vector<MapDef>& maps() const { return maps_; }
    const std::vector<StructOpsVar>& struct_ops() const { return struct_ops_; }
    const std::vector<Extern>& externs() const { return externs_; }
    // Size of the .kconfig map (0: the object has no .kconfig extern).
    std::uint32_t kconfig_size() const { return kconfig_size_; }
    // `__arena` globals (section .addr_space.1): their initial bytes, which
    // go into the object's one ARENA map (libbpf 1.4: at its start).
    bool has_arena_data() const { return arena_section_ != 0; }
    std::span<const std::uint8_t> arena_data() const { return arena_data_; }
    std::uint64_t arena_data_size() const { return arena_size_; }
    // libbpf's name of an internal map for `section` of this object.
    std::string internal_map_name(std::string_view section) const;

    const Program* find_program(std::string_view name) const;

private:
    Object();
    friend struct ObjectParser;

    std::string path_, name_, license_;
    std::unique_ptr<elf::ElfFile> elf_;
    std::unique_ptr<btf::Btf> btf_;
    std::unique_ptr<btf::BtfExt> btf_ext_;
    std::vector<Program> programs_;
    std::vector<GlobalData> data_;
    std::vector<MapDef> maps_;
    std::vector<StructOpsVar> struct_ops_;
    std::vector<Extern> externs_;
    std::uint32_t kconfig_size_ = 0;
    std::size_t arena_section_ = 0;
    std::span<const std::uint8_t> arena_data_;
    std::uint64_t arena_size_ = 0;
};

}  // namespace rawops
