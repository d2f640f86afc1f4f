#include "loader/reloc/btf_fixup.h"

#include <algorithm>
#include <cstring>

#include "loader/elf/elf_file.h"

namespace rawops::reloc {

namespace {

constexpr std::uint32_t kLinkageGlobal = 1;        // BTF_FUNC_GLOBAL
constexpr std::uint32_t kLinkageExtern = 2;        // BTF_FUNC_EXTERN
constexpr std::uint32_t kVarStatic = 0;            // BTF_VAR_STATIC
constexpr std::uint32_t kVarGlobalAllocated = 1;   // BTF_VAR_GLOBAL_ALLOCATED
constexpr std::uint32_t kVarGlobalExtern = 2;      // BTF_VAR_GLOBAL_EXTERN
constexpr std::uint32_t kHeaderTypeLen = 12;       // btf_header.type_len
constexpr std::uint32_t kHeaderStrOff = 16;
constexpr std::uint32_t kHeaderStrLen = 20;

std::uint32_t get32(const std::vector<std::uint8_t>& b, std::size_t at) {
    std::uint32_t v;
    std::memcpy(&v, &b[at], 4);
    return v;
}
void put32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) { std::memcpy(&b[at], &v, 4); }

// libbpf's btf_fixup_datasec() ends by sorting every DATASEC's entries by
// offset: the kernel refuses a DATASEC whose variables go backwards.
void sort_secinfos(std::vector<std::uint8_t>& b, std::size_t rec, std::uint32_t vlen) {
    struct Vsi {
        std::uint32_t type, offset, size;
    };
    std::vector<Vsi> v(vlen);
    std::memcpy(v.data(), &b[rec + 12], vlen * sizeof(Vsi));
    std::stable_sort(v.begin(), v.end(), [](const Vsi& a, const Vsi& c) { return a.offset < c.offset; });
    std::memcpy(&b[rec + 12], v.data(), vlen * sizeof(Vsi));
}

}  // namespace

Result<std::vector<std::uint8_t>> kernel_ready_btf(const Object& obj, const std::vector<ArrayResize>& resizes) {
    const btf::Btf& b = obj.btf();
    const auto raw = b.raw();
    std::vector<std::uint8_t> out(raw.begin(), raw.end());
    const btf::Header& h = b.header();
    const std::size_t types_at = h.hdr_len + h.type_off;
    auto offset_of = [&](const btf::TypeView& t) { return static_cast<std::size_t>(t.raw() - raw.data()); };

    // Appended at the end: a dummy VAR for .ksyms functions and its name.
    std::vector<std::uint8_t> extra_types;
    std::string extra_strings;
    std::uint32_t dummy_var = 0, dummy_name = 0;
    std::uint32_t appended_types = 0;  // ids of appended types follow the object's own
    auto ensure_dummy = [&]() -> Status {
        if (dummy_var) return {};
        btf::TypeId int_id = 0;
        for (btf::TypeId id = 1; id < b.type_count() && !int_id; ++id) {
            const btf::TypeView t = b.type(id);
            if (t.kind() == btf::Kind::Int && t.int_info().bits == 32) int_id = id;
        }
        if (!int_id) return Error(obj.path() + ": .BTF has no 32-bit int for the .ksyms placeholder variable");
        // libbpf's add_dummy_ksym_var(): the same name, so both loaders hand
        // the kernel the same BTF.
        dummy_name = h.str_len + static_cast<std::uint32_t>(extra_strings.size());
        extra_strings += std::string("dummy_ksym") + '\0';
        const std::uint32_t rec[4] = {dummy_name, static_cast<std::uint32_t>(btf::Kind::Var) << 24, int_id,
                                      kVarGlobalAllocated};
        const auto* p = reinterpret_cast<const std::uint8_t*>(rec);
        extra_types.insert(extra_types.end(), p, p + sizeof rec);
        dummy_var = b.type_count() + appended_types++;
        return {};
    };
    // A new ARRAY for a resized section's last variable; returns its id.
    auto append_array = [&](const ArrayResize& r) {
        const std::uint32_t rec[6] = {0, static_cast<std::uint32_t>(btf::Kind::Array) << 24, 0, r.elem_type,
                                      r.index_type, r.elements};
        const auto* p = reinterpret_cast<const std::uint8_t*>(rec);
        extra_types.insert(extra_types.end(), p, p + sizeof rec);
        return b.type_count() + appended_types++;
    };

    // libbpf adds the dummy VAR at open (add_dummy_ksym_var, when .ksyms holds
    // a FUNC) and a resized section's ARRAY later, when the user resizes it:
    // the same order here gives the appended types the same ids.
    if (const auto ksyms = b.find(".ksyms", btf::Kind::Datasec); ksyms.ok())
        for (const btf::VarSecInfo& v : b.type(*ksyms).var_secinfos())
            if (b.type(v.type).kind() == btf::Kind::Func) {
                RAWOPS_TRY(ensure_dummy());
                break;
            }

    btf::TypeId int32_id = 0;  // libbpf's find_int_btf_id(): the first 32-bit INT
    for (btf::TypeId id = 1; id < b.type_count() && !int32_id; ++id)
        if (b.type(id).kind() == btf::Kind::Int && b.type(id).int_info().bits == 32) int32_id = id;

    for (btf::TypeId id = 1; id < b.type_count(); ++id) {
        const btf::TypeView t = b.type(id);
        if (t.kind() != btf::Kind::Datasec) continue;
        const std::size_t rec = offset_of(t);
        const std::string sec_name(t.name());

        if (sec_name == ".kconfig") {
            // Laid out by the Object (libbpf's order); the map holds them all.
            for (std::uint32_t i = 0; i < t.vlen(); ++i) {
                const std::size_t vsi = rec + 12 + i * 12;
                const btf::TypeView var = b.type(get32(out, vsi));
                const auto& externs = obj.externs();
                auto e = std::find_if(externs.begin(), externs.end(), [&](const Extern& x) {
                    return x.kind == ExternKind::Kconfig && x.name == var.name();
                });
                if (e == externs.end())
                    return Error(obj.path() + ": BTF variable '" + std::string(var.name()) +
                                 "' in DATASEC '.kconfig' has no extern symbol");
                put32(out, offset_of(var) + 12, kVarGlobalAllocated);
                put32(out, vsi + 4, e->offset);
            }
            put32(out, rec + 8, obj.kconfig_size());
            sort_secinfos(out, rec, t.vlen());
            continue;
        }

        if (sec_name == ".ksyms") {
            std::uint32_t off = 0;
            for (std::uint32_t i = 0; i < t.vlen(); ++i) {
                const std::size_t vsi = rec + 12 + i * 12;
                const btf::TypeView entry = b.type(get32(out, vsi));
                if (entry.kind() == btf::Kind::Func) {
                    RAWOPS_TRY(ensure_dummy());
                    const std::size_t f = offset_of(entry);
                    // info: keep kind, set vlen (the linkage) to global.
                    put32(out, f + 4, (get32(out, f + 4) & ~0xffffu) | kLinkageGlobal);
                    const btf::TypeView proto = b.type(entry.ref_type());
                    for (std::uint32_t p = 0; p < proto.vlen(); ++p) {
                        const std::size_t param = offset_of(proto) + 12 + p * 8;
                        if (get32(out, param) == 0 && get32(out, param + 4) != 0) put32(out, param, dummy_name);
                    }
                    put32(out, vsi, dummy_var);
                } else if (entry.kind() == btf::Kind::Var) {
                    // The kernel checks a VAR's size against its DATASEC slot:
                    // libbpf retypes every .ksyms variable as a 4-byte int.
                    if (!int32_id) return Error(obj.path() + ": .BTF has no 32-bit int to retype .ksyms variables with");
                    put32(out, offset_of(entry) + 8, int32_id);
                    put32(out, offset_of(entry) + 12, kVarGlobalAllocated);
                }
                put32(out, vsi + 4, off);
                put32(out, vsi + 8, 4);
                off += 4;
            }
            put32(out, rec + 8, off);
            sort_secinfos(out, rec, t.vlen());
            continue;
        }

        const elf::Section* sec = obj.elf().find_section(sec_name);
        if (!sec) return Error(obj.path() + ": BTF DATASEC '" + sec_name + "' has no ELF section of that name");
        if (t.size() == 0) put32(out, rec + 8, static_cast<std::uint32_t>(sec->size));
        const auto resize = std::find_if(resizes.begin(), resizes.end(), [&](const ArrayResize& r) { return r.datasec == id; });
        if (resize != resizes.end()) put32(out, rec + 8, static_cast<std::uint32_t>(resize->new_size));
        for (std::uint32_t i = 0; i < t.vlen(); ++i) {
            const std::size_t vsi = rec + 12 + i * 12;
            const btf::TypeView var = b.type(get32(out, vsi));
            if (var.kind() != btf::Kind::Var) continue;
            if (resize != resizes.end() && var.id() == resize->var) {
                const std::uint32_t array = append_array(*resize);
                put32(out, offset_of(var) + 8, array);
                auto esize = b.size_of(resize->elem_type);
                if (!esize) return std::move(esize).error();
                put32(out, vsi + 8, *esize * resize->elements);
            }
            const elf::Symbol* sym = obj.elf().find_symbol(sec->index, var.name());
            if (!sym)
                return Error(obj.path() + ": BTF variable '" + std::string(var.name()) + "' in DATASEC '" + sec_name +
                             "' has no symbol");
            put32(out, vsi + 4, static_cast<std::uint32_t>(sym->value));
            // libbpf's btf_fixup_datasec(): a global made __hidden is static
            // for the kernel (and its section is then not BPF_F_MMAPABLE).
            const std::uint32_t linkage = get32(out, offset_of(var) + 12);
            if (linkage != kVarStatic && linkage != kVarGlobalExtern && restricted_visibility(*sym))
                put32(out, offset_of(var) + 12, kVarStatic);
        }
        sort_secinfos(out, rec, t.vlen());
    }

    // libbpf's bpf_object__sanitize_and_load_btf(): a global subprogram
    // made __hidden gets a static FUNC, so the verifier checks it in its
    // caller's context instead of on its own (scx's libraries rely on it).
    for (const Program& p : obj.programs()) {
        if (!p.subprogram || !p.global) continue;
        const elf::Symbol* sym = obj.elf().find_symbol(p.section_index, p.name);
        if (!sym || !restricted_visibility(*sym)) continue;
        for (btf::TypeId id = 1; id < b.type_count(); ++id) {
            const btf::TypeView t = b.type(id);
            if (t.kind() != btf::Kind::Func || (get32(out, offset_of(t) + 4) & 0xffffu) != kLinkageGlobal ||
                t.name() != p.name)
                continue;
            put32(out, offset_of(t) + 4, get32(out, offset_of(t) + 4) & ~0xffffu);  // BTF_FUNC_STATIC
            break;
        }
    }

    // Linkage "extern" is refused by the kernel anywhere, not only in .ksyms.
    for (btf::TypeId id = 1; id < b.type_count(); ++id) {
        const btf::TypeView t = b.type(id);
        if (t.kind() == btf::Kind::Func && t.vlen() == kLinkageExtern) {
            const std::size_t f = offset_of(t);
            put32(out, f + 4, (get32(out, f + 4) & ~0xffffu) | kLinkageGlobal);
        }
    }

    if (!extra_types.empty()) {
        // Layout: header | types | strings. Insert the new types at the end of
        // the type section and the new strings at the end of the string section.
        const std::size_t types_end = types_at + h.type_len;
        const std::size_t str_at = h.hdr_len + h.str_off;
        if (str_at < types_end) return Error(obj.path() + ": .BTF string section precedes its types");
        std::vector<std::uint8_t> rebuilt(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(types_end));
        rebuilt.insert(rebuilt.end(), extra_types.begin(), extra_types.end());
        rebuilt.insert(rebuilt.end(), out.begin() + static_cast<std::ptrdiff_t>(types_end), out.begin() + static_cast<std::ptrdiff_t>(str_at + h.str_len));
        rebuilt.insert(rebuilt.end(), extra_strings.begin(), extra_strings.end());
        put32(rebuilt, kHeaderTypeLen, h.type_len + static_cast<std::uint32_t>(extra_types.size()));
        put32(rebuilt, kHeaderStrOff, h.str_off + static_cast<std::uint32_t>(extra_types.size()));
        put32(rebuilt, kHeaderStrLen, h.str_len + static_cast<std::uint32_t>(extra_strings.size()));
        out = std::move(rebuilt);
    }
    return out;
}

}  // namespace rawops::reloc
