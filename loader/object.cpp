// Object: from ELF sections, symbols and relocations plus the object's BTF to
// programs, global data, `.maps`, struct_ops variables and externs. Every
// error names the file and the section/symbol/member at fault.
#include "loader/object.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <map>

#include "loader/elf/elf_file.h"
#include "loader/section_def.h"
#include "loader/struct_ops/binding.h"

namespace rawops {

namespace {

constexpr std::uint16_t kShnUndef = 0;
constexpr std::uint16_t kShnLoReserve = 0xff00;
constexpr std::uint32_t kShtProgbits = 1;
constexpr std::uint32_t kShtNobits = 8;
constexpr std::uint64_t kShfAlloc = 0x2;
constexpr std::uint64_t kShfExecinstr = 0x4;
constexpr std::uint8_t kSttNotype = 0;
constexpr std::uint8_t kSttFunc = 2;
constexpr std::uint8_t kSttSection = 3;
constexpr std::uint8_t kStbGlobal = 1;
constexpr std::uint8_t kStbWeak = 2;
constexpr std::size_t kObjNameLen = 16;  // BPF_OBJ_NAME_LEN, including the NUL

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool is_data_section(std::string_view n) {
    return n == ".data" || n == ".rodata" || n == ".bss" || starts_with(n, ".data.") ||
           starts_with(n, ".rodata.") || starts_with(n, ".bss.");
}

DataKind data_kind(std::string_view n) {
    if (starts_with(n, ".rodata")) return DataKind::Rodata;
    if (starts_with(n, ".bss")) return DataKind::Bss;
    return DataKind::Data;
}

// libbpf's internal_map_name(): "<object prefix><section>" in at most 15
// characters. The section keeps at least 7 characters' room (so ".bss" and
// ".data" get the same prefix length); a section with a second '.', such as
// ".data.counters" or ".rodata.str1.1", gets no prefix at all. Characters the
// kernel refuses in map names become '_'.
std::string libbpf_internal_map_name(const std::string& object, std::string_view section) {
    const std::size_t max = kObjNameLen - 1;
    const std::size_t sfx = std::min(std::max<std::size_t>(7, section.size()), max);
    const bool dotted = section.size() > 1 && section.find('.', 1) != std::string_view::npos;
    const std::size_t pfx = dotted ? 0 : std::min(max - sfx, object.size());
    std::string name = object.substr(0, pfx) + std::string(section.substr(0, std::min(sfx, section.size())));
    if (name.size() > max) name.resize(max);
    for (char& c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) c = '_';
    return name;
}

// libbpf's object name: the file name up to its first '.' ("tcp_cc.bpf.o" -> "tcp_cc").
std::string object_name(const std::string& path) {
    std::string base = path.substr(path.find_last_of('/') + 1);
    const auto dot = base.find('.');
    if (dot != std::string::npos && dot > 0) base.resize(dot);
    return base;
}

// A `__ulong(name, N)` field: an anonymous enum whose one enumerator is N
// (64-bit values that __uint's array length cannot carry).
std::optional<std::uint64_t> btf_map_ulong(const btf::Btf& btf, btf::TypeId member_type) {
    auto e = btf.resolve(member_type);
    if (!e || !btf.type(*e).is_enum() || btf.type(*e).vlen() != 1) return std::nullopt;
    return btf.type(*e).enum_value(0).value;
}

// A `__uint(name, N)` field of a BTF map definition: a pointer to an array of N.
std::optional<std::uint32_t> btf_map_uint(const btf::Btf& btf, btf::TypeId member_type) {
    auto ptr = btf.resolve(member_type);
    if (!ptr || btf.type(*ptr).kind() != btf::Kind::Ptr) return std::nullopt;
    auto arr = btf.resolve(btf.type(*ptr).ref_type());
    if (!arr || btf.type(*arr).kind() != btf::Kind::Array) return std::nullopt;
    return btf.type(*arr).array().nelems;
}

}  // namespace

// Holds the parse state; a friend of Object so the parsing steps can fill it.
struct ObjectParser {
    Object& obj;
    const elf::ElfFile& elf;
    std::map<std::size_t, std::vector<std::size_t>> programs_by_section;  // section -> program indices

    std::string where(const elf::Section& s) const { return obj.path_ + ": section '" + std::string(s.name) + "'"; }

    Status parse();
    Status read_btf();
    void read_license();
    Status read_global_data();
    Status read_btf_maps();
    Result<MapDef> parse_map_def(const std::string& name, btf::TypeId def, bool inner);
    Status read_programs(const elf::Section& sec);
    Status read_program_relocs(const elf::Section& sec);
    Status read_struct_ops(const elf::Section& sec);
    Status read_externs();
    Status read_extern(const elf::Symbol& sym);
    std::map<std::size_t, std::size_t> extern_by_symbol;  // ELF symbol index -> externs_ index
    const Program* program_at(std::size_t section, std::uint64_t offset) const;

    static Result<Object> build(Result<elf::ElfFile> elf, const std::string& path);
};

Status ObjectParser::parse() {
    RAWOPS_TRY(read_btf());
    read_license();
    RAWOPS_TRY(read_global_data());
    RAWOPS_TRY(read_btf_maps());
    RAWOPS_TRY(read_externs());
    for (const auto& sec : elf.sections())
        if (sec.type == kShtProgbits && (sec.flags & kShfExecinstr) && sec.size > 0) RAWOPS_TRY(read_programs(sec));
    for (const auto& sec : elf.sections())
        if (programs_by_section.count(sec.index)) RAWOPS_TRY(read_program_relocs(sec));
    for (const auto& sec : elf.sections())
        if (sec.name == ".struct_ops" || sec.name == ".struct_ops.link" || sec.name == "?.struct_ops" ||
            sec.name == "?.struct_ops.link")
            RAWOPS_TRY(read_struct_ops(sec));
    return {};
}

Status ObjectParser::read_btf() {
    const elf::Section* sec = elf.find_section(".BTF");
    if (!sec) return Error(obj.path_ + ": no .BTF section (compile with clang -g)");
    auto btf = btf::Btf::parse(sec->data, nullptr, obj.path_ + ":.BTF");
    if (!btf) return std::move(btf).error();
    obj.btf_ = std::make_unique<btf::Btf>(std::move(btf).value());
    if (const elf::Section* ext = elf.find_section(".BTF.ext")) {
        auto parsed = btf::BtfExt::parse(ext->data, *obj.btf_);
        if (!parsed) return std::move(parsed).error().context(obj.path_ + ": section '.BTF.ext'");
        obj.btf_ext_ = std::make_unique<btf::BtfExt>(std::move(parsed).value());
    }
    return {};
}

void ObjectParser::read_license() {
    const elf::Section* sec = elf.find_section("license");
    if (!sec) return;
    const auto& d = sec->data;
    const auto nul = std::find(d.begin(), d.end(), std::uint8_t{0});
    obj.license_.assign(d.begin(), nul);
}

Status ObjectParser::read_global_data() {
    for (const auto& sec : elf.sections()) {
        if (sec.name == ".addr_space.1" && (sec.flags & kShfAlloc)) {
            obj.arena_section_ = sec.index;
            obj.arena_size_ = sec.size;
            obj.arena_data_ = sec.type == kShtNobits ? std::span<const std::uint8_t>{} : sec.data;
            continue;
        }
        if (!is_data_section(sec.name) || !(sec.flags & kShfAlloc)) continue;
        if (sec.type != kShtProgbits && sec.type != kShtNobits) continue;
        // The section becomes one array map value, which the kernel caps at
        // KMALLOC_MAX_SIZE (array_map_alloc_check: 4 MiB on x86-64, at most
        // 512 MiB with 64 KiB pages): a larger (NOBITS) size is a broken file,
        // not a map, and `plan` and `inspect` would allocate it, zeroed (a
        // 2 GiB .bss found by fuzz_inspect ran out of memory).
        constexpr std::uint64_t kMaxDataSection = 1ull << 30;
        if (sec.size > kMaxDataSection)
            return Error(obj.path_ + ": section '" + std::string(sec.name) + "' is " + std::to_string(sec.size) +
                         " bytes: more than a map value can hold (the kernel allows at most KMALLOC_MAX_SIZE, "
                         "rawops reads at most 1 GiB)");
        GlobalData g;
        g.section = std::string(sec.name);
        g.section_index = sec.index;
        g.kind = data_kind(sec.name);
        g.bytes = sec.type == kShtNobits ? std::span<const std::uint8_t>{} : sec.data;
        g.size = sec.size;
        if (auto id = obj.btf_->find(sec.name, btf::Kind::Datasec)) g.datasec = *id;
        g.map_name = libbpf_internal_map_name(obj.name_, sec.name);
        obj.data_.push_back(std::move(g));
    }
    return {};
}

// One BTF map definition (libbpf's parse_btf_map_def): `def` is its struct.
// `inner` is set while parsing the inner definition of a map-in-map.
Result<MapDef> ObjectParser::parse_map_def(const std::string& name, btf::TypeId def, bool inner) {
    const btf::Btf& b = *obj.btf_;
    const std::string what = obj.path_ + ": section '.maps': map '" + name + "'" + (inner ? " (inner map definition)" : "");
    MapDef m;
    m.name = name;
    for (const btf::Member& f : b.type(def).members()) {
        const std::string fname(f.name);
        auto num = btf_map_uint(b, f.type);
        if (fname == "type" && num) m.type = *num;
        else if (fname == "max_entries" && num) m.max_entries = *num;
        else if (fname == "map_flags" && num) m.map_flags = *num;
        else if (fname == "key_size" && num) m.key_size = *num;
        else if (fname == "value_size" && num) m.value_size = *num;
        else if (fname == "map_extra" && (num || btf_map_ulong(b, f.type))) m.map_extra = num ? *num : *btf_map_ulong(b, f.type);
        else if (fname == "numa_node") return Error(what + ": numa_node is not supported by rawops yet");
        else if (fname == "pinning" && num) {
            // libbpf: LIBBPF_PIN_NONE (0) or LIBBPF_PIN_BY_NAME (1); anything else is refused.
            if (*num > 1) return Error(what + ": pinning " + std::to_string(*num) + " is not LIBBPF_PIN_NONE or LIBBPF_PIN_BY_NAME");
            if (inner && *num) return Error(what + ": an inner map cannot be pinned");
            m.pin_by_name = *num == 1;
        } else if (fname == "values") {
            // __array(values, struct inner): a zero-length array of pointers to the inner definition.
            if (inner) return Error(what + ": a map-in-map inside a map-in-map");
            auto arr = b.resolve(f.type);
            if (!arr || b.type(*arr).kind() != btf::Kind::Array || b.type(*arr).array().nelems != 0)
                return Error(what + ": 'values' must be a zero-sized array (__array(values, ...))");
            auto ptr = b.resolve(b.type(*arr).array().elem_type);
            if (!ptr || b.type(*ptr).kind() != btf::Kind::Ptr) return Error(what + ": 'values' must hold pointers");
            auto target = b.resolve(b.type(*ptr).ref_type());
            if (!target) return std::move(target).error().context(what);
            if (b.type(*target).kind() == btf::Kind::FuncProto)
                return Error(what + ": initial programs of a prog array (__array(values, int (void *))) are not "
                                    "supported by rawops yet");
            if (b.type(*target).kind() != btf::Kind::Struct) return Error(what + ": 'values' must point to a map definition");
            auto in = parse_map_def(name + ".inner", *target, true);
            if (!in) return std::move(in).error();
            m.inner = std::make_shared<const MapDef>(std::move(in).value());
            m.value_size = 4;  // the kernel's value of a map-in-map is an fd
        } else if (fname == "key" || fname == "value") {
            auto ptr = b.resolve(f.type);
            if (!ptr || b.type(*ptr).kind() != btf::Kind::Ptr) return Error(what + ": '" + fname + "' must be a pointer (__type)");
            const btf::TypeId t = b.type(*ptr).ref_type();
            auto size = b.size_of(t);
            if (!size) return std::move(size).error().context(what + ": " + fname);
            (fname == "key" ? m.key_type : m.value_type) = t;
            (fname == "key" ? m.key_size : m.value_size) = *size;
        } else {
            return Error(what + ": unsupported definition field '" + fname + "'");
        }
    }
    if (m.type == 0) return Error(what + " has no type");
    return m;
}

Status ObjectParser::read_btf_maps() {
    const elf::Section* sec = elf.find_section(".maps");
    if (!sec) return {};
    auto ds = obj.btf_->find(".maps", btf::Kind::Datasec);
    if (!ds) return Error(where(*sec) + ": no DATASEC '.maps' in the object's BTF (maps must be BTF-defined)");
    const btf::Btf& b = *obj.btf_;
    struct Placed {
        std::uint64_t offset, size;
        btf::TypeId def;
    };
    std::vector<Placed> placed;  // where each map's definition sits in .maps
    for (const btf::VarSecInfo& vsi : b.type(*ds).var_secinfos()) {
        const btf::TypeView var = b.type(vsi.type);
        const std::string name(var.name());
        auto def = b.resolve(var.ref_type());
        if (!def || !b.type(*def).is_composite())
            return Error(where(*sec) + ": map '" + name + "' is not defined by a struct");
        auto m = parse_map_def(name, *def, false);
        if (!m) return std::move(m).error();
        const elf::Symbol* sym = elf.find_symbol(sec->index, name);
        // The symbol's size: with initial slots the variable is longer than
        // its BTF struct (`values` is a zero-length array).
        placed.push_back({sym ? sym->value : ~0ull, sym ? sym->size : 0, *def});
        obj.maps_.push_back(std::move(m).value());
    }
    // Initial slots of map-in-maps: each relocation in .maps puts a map's
    // address into the outer definition's `values` array (libbpf's
    // bpf_object__collect_map_relos).
    for (const elf::Relocation& r : elf.relocations_for(sec->index)) {
        const elf::Symbol& sym = elf.symbols()[r.symbol];
        const std::string at = where(*sec) + ", relocation at offset " + std::to_string(r.offset) + " (symbol '" +
                               std::string(sym.name) + "')";
        std::size_t outer = 0;
        while (outer < placed.size() && !(r.offset >= placed[outer].offset && r.offset < placed[outer].offset + placed[outer].size))
            ++outer;
        if (outer == placed.size()) return Error(at + ": not inside any map definition");
        MapDef& m = obj.maps_[outer];
        if (!m.inner) return Error(at + ": map '" + m.name + "' is not a map-in-map, but its definition refers to a symbol");
        std::optional<std::uint64_t> values_off;
        for (const btf::Member& f : b.type(placed[outer].def).members())
            if (f.name == "values") values_off = f.bit_offset / 8;
        const std::uint64_t rel = r.offset - placed[outer].offset;
        if (!values_off || rel < *values_off || (rel - *values_off) % 8)
            return Error(at + ": not a slot of the 'values' array of '" + m.name + "'");
        auto target = std::find_if(obj.maps_.begin(), obj.maps_.end(), [&](const MapDef& x) { return x.name == sym.name; });
        if (sym.shndx != sec->index || target == obj.maps_.end())
            return Error(at + ": slot of '" + m.name + "' points to '" + std::string(sym.name) + "', which is not a map in .maps");
        const auto slot = static_cast<std::uint32_t>((rel - *values_off) / 8);
        if (slot >= m.max_entries)
            return Error(at + ": slot " + std::to_string(slot) + " of '" + m.name + "' is beyond its max_entries " +
                         std::to_string(m.max_entries));
        m.initial_slots.emplace_back(slot, static_cast<std::size_t>(target - obj.maps_.begin()));
    }
    return {};
}

Status ObjectParser::read_programs(const elf::Section& sec) {
    // SEC("?...") is SEC("...") with autoload off; the '?' is then forgotten.
    const bool optional = !sec.name.empty() && sec.name[0] == '?';
    const std::string_view name = optional ? sec.name.substr(1) : sec.name;
    const bool text = name == ".text";
    const std::optional<SectionDef> def = text ? std::nullopt : section_def(name);

    std::vector<const elf::Symbol*> funcs;
    for (const auto& sym : elf.symbols())
        if (sym.shndx == sec.index && sym.type == kSttFunc) funcs.push_back(&sym);
    std::sort(funcs.begin(), funcs.end(), [](auto* a, auto* b) { return a->value < b->value; });
    if (funcs.empty()) return Error(where(sec) + ": executable section without any function symbol");

    for (const elf::Symbol* f : funcs) {
        if (f->value % sizeof(Insn) || f->size % sizeof(Insn) || f->size == 0 || f->value + f->size > sec.size)
            return Error(where(sec) + ": function '" + std::string(f->name) + "' has a bad offset/size (" +
                         std::to_string(f->value) + "+" + std::to_string(f->size) + ")");
        Program p;
        p.name = std::string(f->name);
        p.section = std::string(name);
        p.section_index = sec.index;
        p.offset = f->value;
        p.insns.resize(f->size / sizeof(Insn));
        std::memcpy(p.insns.data(), sec.data.data() + f->value, f->size);
        if (def) {
            p.kind = def->kind;
            p.prog_type = def->prog_type;
            p.expected_attach_type = def->expected_attach_type;
            p.attach_target = def->attach_target;
            p.retprobe = def->retprobe;
            p.sleepable = def->sleepable;
            p.struct_ops = def->kind == ProgramKind::StructOps;
        }
        p.subprogram = text;
        p.global = f->bind == kStbGlobal;
        p.autoload = !optional && !text;
        programs_by_section[sec.index].push_back(obj.programs_.size());
        obj.programs_.push_back(std::move(p));
    }
    return {};
}

const Program* ObjectParser::program_at(std::size_t section, std::uint64_t offset) const {
    auto it = programs_by_section.find(section);
    if (it == programs_by_section.end()) return nullptr;
    for (std::size_t i : it->second) {
        const Program& p = obj.programs_[i];
        if (offset >= p.offset && offset < p.offset + p.insns.size() * sizeof(Insn)) return &p;
    }
    return nullptr;
}

namespace {

// libbpf's find_kcfg_type(): how a Kconfig value may be stored in `id`.
std::optional<KconfigType> kconfig_type(const btf::Btf& b, btf::TypeId id, bool* is_signed) {
    auto r = b.resolve(id);
    if (!r) return std::nullopt;
    const btf::TypeView t = b.type(*r);
    if (is_signed) *is_signed = false;
    switch (t.kind()) {
        case btf::Kind::Int: {
            const btf::IntInfo info = t.int_info();
            if (info.is_bool()) return t.size() == 1 ? std::optional(KconfigType::Bool) : std::nullopt;
            if (is_signed) *is_signed = info.is_signed();
            if (t.size() == 1) return KconfigType::Char;
            if (t.size() < 1 || t.size() > 8 || (t.size() & (t.size() - 1))) return std::nullopt;
            return KconfigType::Int;
        }
        case btf::Kind::Enum:
            if (t.size() != 4 || t.name() != "libbpf_tristate") return std::nullopt;
            return KconfigType::Tristate;
        case btf::Kind::Enum64:
            if (t.name() != "libbpf_tristate") return std::nullopt;
            return KconfigType::Tristate;
        case btf::Kind::Array:
            if (t.array().nelems == 0 || kconfig_type(b, t.array().elem_type, nullptr) != KconfigType::Char)
                return std::nullopt;
            return KconfigType::CharArray;
        default:
            return std::nullopt;
    }
}

// libbpf's cmp_externs(): Kconfig first (by alignment descending, then size
// ascending), then Ksym; ties by name.
bool extern_before(const Extern& a, const Extern& b) {
    if (a.kind != b.kind) return a.kind == ExternKind::Kconfig;
    if (a.kind == ExternKind::Kconfig) {
        if (a.align != b.align) return a.align > b.align;
        if (a.size != b.size) return a.size < b.size;
    }
    return a.name < b.name;
}

}  // namespace

Status ObjectParser::read_extern(const elf::Symbol& sym) {
    const btf::Btf& b = *obj.btf_;
    const std::string name(sym.name);
    const std::string what = obj.path_ + ": extern '" + name + "'";
    // libbpf's find_extern_btf_id(): the first VAR or FUNC of that name, which
    // must have extern linkage.
    btf::TypeId id = 0;
    for (btf::TypeId cand : b.find_all(name)) {
        const btf::Kind k = b.type(cand).kind();
        if (k == btf::Kind::Var || k == btf::Kind::Func) {
            id = cand;
            break;
        }
    }
    if (!id) return Error(what + ": no BTF VAR or FUNC of that name in the object (declare it with __ksym or __kconfig)");
    const btf::TypeView t = b.type(id);
    if (t.linkage() != btf::Linkage::Extern)
        return Error(what + ": its BTF " + btf::kind_name(t.kind()) + " has " + btf::linkage_name(t.linkage()) +
                     " linkage, not extern");
    std::string section;
    for (btf::TypeId ds = 1; ds < b.type_count() && section.empty(); ++ds) {
        const btf::TypeView d = b.type(ds);
        if (d.kind() != btf::Kind::Datasec) continue;
        for (const btf::VarSecInfo& v : d.var_secinfos())
            if (v.type == id) section = std::string(d.name());
    }
    if (section.empty()) return Error(what + ": no DATASEC of the object's BTF lists it");

    Extern e;
    e.name = name;
    e.essential_name = std::string(struct_ops::essential_name(name));
    e.function = t.kind() == btf::Kind::Func;
    e.weak = sym.bind == kStbWeak;
    e.symbol = sym.index;
    e.type = id;
    if (section == ".kconfig") {
        if (e.function) return Error(what + ": an extern function cannot be in .kconfig (use __ksym)");
        e.kind = ExternKind::Kconfig;
        auto size = b.size_of(t.ref_type());
        if (!size || *size == 0) return Error(what + " (.kconfig): cannot determine its size");
        auto align = b.align_of(t.ref_type());
        if (!align || *align == 0) return Error(what + " (.kconfig): cannot determine its alignment");
        auto kt = kconfig_type(b, t.ref_type(), &e.kconfig_signed);
        if (!kt)
            return Error(what + " (.kconfig): type " + b.describe(t.ref_type()) +
                         " is unsupported (bool, char, char[N], an integer of 1, 2, 4 or 8 bytes, or enum libbpf_tristate)");
        e.kconfig_type = *kt;
        e.size = *size;
        e.align = *align;
    } else if (section == ".ksyms") {
        e.kind = ExternKind::Ksym;
        auto r = t.ref_type() ? b.resolve(t.ref_type()) : Result<btf::TypeId>(btf::TypeId{0});
        if (!r) return std::move(r).error().context(what);
        e.type_id = *r;
    } else {
        return Error(what + ": in DATASEC '" + section + "', which is neither .kconfig nor .ksyms");
    }
    obj.externs_.push_back(std::move(e));
    return {};
}

Status ObjectParser::read_externs() {
    for (const elf::Symbol& sym : elf.symbols()) {
        if (sym.shndx != kShnUndef || sym.type != kSttNotype || sym.name.empty()) continue;
        if (sym.bind != kStbGlobal && sym.bind != kStbWeak) continue;
        RAWOPS_TRY(read_extern(sym));
    }
    std::stable_sort(obj.externs_.begin(), obj.externs_.end(), extern_before);
    std::uint32_t off = 0;
    for (std::size_t i = 0; i < obj.externs_.size(); ++i) {
        Extern& e = obj.externs_[i];
        extern_by_symbol[e.symbol] = i;
        if (e.kind != ExternKind::Kconfig) continue;
        e.offset = (off + e.align - 1) / e.align * e.align;
        off = e.offset + e.size;
    }
    obj.kconfig_size_ = off;
    return {};
}

Status ObjectParser::read_program_relocs(const elf::Section& sec) {
    for (const elf::Relocation& r : elf.relocations_for(sec.index)) {
        const elf::Symbol& sym = elf.symbols()[r.symbol];
        const std::string at = where(sec) + ", relocation at offset " + std::to_string(r.offset) + " (symbol '" +
                               std::string(sym.name) + "')";
        const Program* owner = program_at(sec.index, r.offset);
        if (!owner || r.offset % sizeof(Insn)) return Error(at + ": not at an instruction of any function");
        Program& prog = obj.programs_[static_cast<std::size_t>(owner - obj.programs_.data())];
        ProgramReloc pr;
        pr.insn = static_cast<std::uint32_t>((r.offset - prog.offset) / sizeof(Insn));
        // A section symbol has no name of its own: show the section's.
        pr.symbol = sym.type == kSttSection && sym.shndx < elf.sections().size()
                        ? std::string(elf.sections()[sym.shndx].name)
                        : std::string(sym.name);
        const Insn& insn = prog.insns[pr.insn];
        if (!insn::is_call(insn) && !insn::is_ld_imm64(insn))
            return Error(at + ": relocated instruction is neither a call nor a 64-bit load");
        if (insn::is_ld_imm64(insn) && pr.insn + 1 >= prog.insns.size())
            return Error(at + ": 64-bit load is cut off at the end of '" + prog.name + "'");

        if (sym.shndx == kShnUndef) {
            auto e = extern_by_symbol.find(r.symbol);
            if (e == extern_by_symbol.end())
                return Error(at + ": undefined symbol that is not an extern (libbpf wants NOTYPE, GLOBAL or WEAK)");
            pr.target = RelocTarget::Extern;
            pr.index = e->second;
        } else if (sym.shndx >= kShnLoReserve || sym.shndx >= elf.sections().size()) {
            return Error(at + ": symbol in special section " + std::to_string(sym.shndx) + " is not supported");
        } else if (programs_by_section.count(sym.shndx)) {
            pr.target = RelocTarget::Subprogram;
            pr.index = sym.shndx;  // the callee's section; reloc/ finds the function from the offset
            pr.offset = sym.value;
        } else {
            const elf::Section& target = elf.sections()[sym.shndx];
            if (target.name == ".addr_space.1") {
                // libbpf: RELO_DATA against the ARENA map, at the symbol's offset.
                pr.target = RelocTarget::Arena;
                pr.offset = sym.type == kSttSection ? 0 : sym.value;
            } else if (target.name == ".maps") {
                auto it = std::find_if(obj.maps_.begin(), obj.maps_.end(),
                                       [&](const MapDef& m) { return m.name == sym.name; });
                if (it == obj.maps_.end()) return Error(at + ": no BTF map named '" + std::string(sym.name) + "'");
                pr.target = RelocTarget::Map;
                pr.index = static_cast<std::size_t>(it - obj.maps_.begin());
            } else {
                auto it = std::find_if(obj.data_.begin(), obj.data_.end(),
                                       [&](const GlobalData& g) { return g.section_index == sym.shndx; });
                if (it == obj.data_.end())
                    return Error(at + ": refers to section '" + std::string(target.name) +
                                 "', which is neither code, .maps nor global data");
                pr.target = RelocTarget::GlobalData;
                pr.index = static_cast<std::size_t>(it - obj.data_.begin());
                pr.offset = sym.type == kSttSection ? 0 : sym.value;
            }
        }
        prog.relocs.push_back(std::move(pr));
    }
    return {};
}

Status ObjectParser::read_struct_ops(const elf::Section& sec) {
    const btf::Btf& b = *obj.btf_;
    auto ds = b.find(sec.name, btf::Kind::Datasec);
    if (!ds) return Error(where(sec) + ": no DATASEC for it in the object's BTF");
    const std::size_t first = obj.struct_ops_.size();
    for (const btf::VarSecInfo& vsi : b.type(*ds).var_secinfos()) {
        StructOpsVar v;
        v.name = std::string(b.type(vsi.type).name());
        // SEC("?.struct_ops") is SEC(".struct_ops") with autocreate off.
        v.autocreate = sec.name[0] != '?';
        v.section = std::string(v.autocreate ? sec.name : sec.name.substr(1));
        v.section_index = sec.index;
        // clang leaves VAR offsets in a DATASEC at 0: the symbol knows.
        const elf::Symbol* sym = elf.find_symbol(sec.index, v.name);
        if (!sym) return Error(where(sec) + ": variable '" + v.name + "' has no symbol");
        v.offset = sym->value;
        auto t = b.resolve(b.type(vsi.type).ref_type());
        if (!t || b.type(*t).kind() != btf::Kind::Struct)
            return Error(where(sec) + ": variable '" + v.name + "' is not a struct");
        v.type = *t;
        v.type_name = std::string(b.type(*t).name());
        if (v.type_name.empty()) return Error(where(sec) + ": variable '" + v.name + "' has an anonymous struct type");
        const std::uint32_t size = b.type(*t).size();
        if (v.offset + size > sec.data.size() || v.offset + size < v.offset)
            return Error(where(sec) + ": variable '" + v.name + "' lies past the end of the section");
        v.data = sec.data.subspan(v.offset, size);
        v.member_programs.resize(b.type(*t).vlen());
        obj.struct_ops_.push_back(std::move(v));
    }

    // Each relocation puts a program into one function-pointer member.
    for (const elf::Relocation& r : elf.relocations_for(sec.index)) {
        const elf::Symbol& sym = elf.symbols()[r.symbol];
        const std::string at = where(sec) + ", relocation at offset " + std::to_string(r.offset) + " (symbol '" +
                               std::string(sym.name) + "')";
        auto var = std::find_if(obj.struct_ops_.begin() + static_cast<std::ptrdiff_t>(first), obj.struct_ops_.end(),
                                [&](const StructOpsVar& v) { return r.offset >= v.offset && r.offset < v.offset + v.data.size(); });
        if (var == obj.struct_ops_.end()) return Error(at + ": not inside any struct_ops variable");
        const std::uint64_t bit = (r.offset - var->offset) * 8;
        std::optional<std::uint32_t> member;
        std::uint32_t i = 0;
        for (const btf::Member& m : b.type(var->type).members()) {
            if (m.bit_offset == bit) member = i;
            ++i;
        }
        if (!member) return Error(at + ": no member of '" + var->name + "' starts there");
        const std::string mname(b.type(var->type).member(*member).name);
        const Program* p = program_at(sym.shndx, sym.value);
        if (!p || p->offset != sym.value)
            return Error(at + ": member '" + mname + "' of '" + var->name + "' does not point to a program");
        var->member_programs[*member] = static_cast<std::size_t>(p - obj.programs_.data());
    }
    return {};
}

Object::Object() = default;
Object::Object(Object&&) noexcept = default;
Object& Object::operator=(Object&&) noexcept = default;
Object::~Object() = default;

Result<Object> ObjectParser::build(Result<elf::ElfFile> elf, const std::string& path) {
    if (!elf) return std::move(elf).error();
    Object obj;
    obj.path_ = path;
    obj.name_ = object_name(path);
    obj.elf_ = std::make_unique<elf::ElfFile>(std::move(elf).value());
    ObjectParser parser{obj, *obj.elf_, {}, {}};
    auto status = parser.parse();
    if (!status) return std::move(status).error();
    return obj;
}

Result<Object> Object::open(const std::string& path) { return ObjectParser::build(elf::ElfFile::open(path), path); }

Result<Object> Object::from_buffer(std::span<const std::uint8_t> bytes, std::string name) {
    return ObjectParser::build(elf::ElfFile::from_buffer(bytes, name), name);
}

std::string Object::internal_map_name(std::string_view section) const {
    return libbpf_internal_map_name(name_, section);
}

const Program* Object::find_program(std::string_view name) const {
    for (const auto& p : programs_)
        if (p.name == name) return &p;
    return nullptr;
}

}  // namespace rawops
