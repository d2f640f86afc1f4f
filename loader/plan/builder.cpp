// Building a Plan: bind every struct_ops variable to its kernel type, link
// and relocate every program a variable points to, and lay out the calls.
#include <algorithm>
#include <bit>

#include <unistd.h>
#include <cstring>
#include <map>
#include <set>

#include "loader/elf/elf_file.h"
#include "btf/format_value.h"
#include "loader/plan/plan.h"
#include "loader/reloc/btf_fixup.h"
#include "loader/reloc/kernel_files.h"
#include "loader/reloc/core.h"
#include "loader/reloc/externs.h"
#include "loader/reloc/kfunc.h"
#include "loader/reloc/link.h"
#include "loader/struct_ops/binding.h"
#include "loader/sys/abi.h"
#include "loader/section_def.h"
#include "loader/sys/describe.h"

namespace rawops::plan {

namespace {

// The non-zero members of a struct (function pointers left out: the plan
// shows their program slots) in `value`, decoded for the plan's reader.
// `base` is where the struct starts in `value`. (Global-data sections go
// through nonzero_vars: their DATASEC's offsets are not filled in.)
std::vector<UpdateMap::Field> nonzero_fields(const btf::Btf& b, btf::TypeId type, std::span<const std::uint8_t> value,
                                             std::uint32_t base) {
    std::vector<UpdateMap::Field> out;
    auto resolved = b.resolve(type);
    if (!resolved || base > value.size()) return out;
    const btf::TypeView t = b.type(*resolved);
    const auto bytes = std::as_bytes(value.subspan(base));
    // Decoded as a whole so that bitfields read their bits; children follow
    // the members' order.
    const btf::DecodedValue whole = btf::decode_value(b, *resolved, bytes);
    std::uint32_t i = 0;
    auto add = [&](std::uint32_t offset, std::string_view name) {
        if (i < whole.children.size() && !btf::is_zero(whole.children[i]))
            out.push_back({base + offset, std::string(name), btf::value_text(whole.children[i])});
        ++i;
    };
    for (const btf::Member& m : t.members()) {
        if (!b.func_proto_of_pointer(m.type).is_void()) {
            ++i;
            continue;
        }
        add(m.bit_offset / 8, m.name);
    }
    return out;
}

// The variables of a global-data section that are not zero, each at the
// place its symbol gives. clang leaves the object's DATASEC offsets at 0 for
// the loader to fill (reloc/btf_fixup.h, libbpf's btf_fixup_datasec), so the
// section cannot be decoded through its DATASEC as a whole.
std::vector<UpdateMap::Field> nonzero_vars(const Object& obj, const GlobalData& g, std::span<const std::uint8_t> value) {
    std::vector<UpdateMap::Field> out;
    const btf::Btf& b = obj.btf();
    for (const btf::VarSecInfo& v : b.type(g.datasec).var_secinfos()) {
        const btf::TypeView var = b.type(v.type);
        if (var.kind() != btf::Kind::Var) continue;
        std::uint64_t offset = v.offset;
        if (const elf::Symbol* sym = obj.elf().find_symbol(g.section_index, var.name())) offset = sym->value;
        if (offset >= value.size()) continue;
        const std::size_t size = std::min<std::uint64_t>(v.size, value.size() - offset);
        const btf::DecodedValue d =
            btf::decode_value(b, var.ref_type(), std::as_bytes(value.subspan(static_cast<std::size_t>(offset), size)));
        if (!btf::is_zero(d))
            out.push_back({static_cast<std::uint32_t>(offset), std::string(var.name()), btf::value_text(d)});
    }
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& c) { return a.offset < c.offset; });
    return out;
}

// "STRUCT tcp_congestion_ops (vmlinux)": what a kernel BTF id names.
std::string kernel_type_text(const btf::Btf& b, btf::TypeId id, const std::string& origin) {
    const btf::TypeView t = b.type(id);
    return std::string(btf::kind_name(t.kind())) + " " + std::string(t.name()) + " (" + origin + ")";
}

template <typename Rec>
void append_record(std::vector<std::uint8_t>& out, const Rec& r) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&r);
    out.insert(out.end(), p, p + sizeof r);
}

// What the kernel needs for one program, gathered from every variable that
// points to it; libbpf refuses a program bound to two different members.
struct ProgramBinding {
    std::size_t program = 0;
    std::uint32_t attach_btf_id = 0;
    std::uint32_t member_index = 0;  // struct_ops: expected_attach_type
    std::string module;
    std::string bound_to;
};

// The pin of a global-data map: object name and whole section, '.' made
// '_' (bpffs refuses '.'): "tcp_cc_bss", "tcp_cc_data_counters". Unlike the
// kernel's 15-character label, it is unique within one object.
std::string data_pin_name(const std::string& object, const std::string& section) {
    std::string n = object + section;
    std::replace(n.begin(), n.end(), '.', '_');
    return n;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

class Builder {
public:
    Builder(const Object& obj, struct_ops::KernelBtf& kernel, const BuildOptions& options)
        : obj_(obj), kernel_(kernel), options_(options) {}

    Result<Plan> run();

private:
    Status apply_profiles();
    bool selected(const StructOpsVar& v) const;
    Status apply_edits();
    Status set_member(const std::string& var, const std::string& member, const std::string& value);
    Status bind_variables();
    Status choose_programs();
    Status bind_tracing(std::size_t program);
    Status add_data_maps();
    Status add_kconfig_map();
    Status add_btf_maps();
    Status add_program(const ProgramBinding& pb);
    Status relocate_externs(const Program& p, const reloc::LinkedProgram& linked, LoadProgram& lp);
    void add_struct_ops_maps();
    void add_attachments();
    Ref module_btf(const std::string& module);
    Result<reloc::CoreResult> core_relocation(const reloc::CoreSite& site);

    const Object& obj_;
    struct_ops::KernelBtf& kernel_;
    const BuildOptions& options_;
    Plan plan_;

    struct BoundVar {
        const StructOpsVar* var;
        struct_ops::Binding binding;
    };
    std::vector<BoundVar> vars_;
    std::map<std::size_t, ProgramBinding> programs_;  // to load, by program index, in program order
    reloc::ResolvedExterns externs_;
    // Edited copies: each global-data section's initial value, struct_ops
    // variables' bytes (empty: unchanged), `.maps` sizes, array resizes.
    std::vector<std::vector<std::uint8_t>> data_values_;
    std::vector<std::vector<std::uint8_t>> struct_ops_data_;
    std::map<std::size_t, std::uint32_t> max_entries_;
    std::vector<reloc::ArrayResize> resizes_;
    std::string arena_map_;  // the object's ARENA map, if any
    ObjectEdits edits_;      // the profiles' edits, then the user's
    bool skipped_core_ = false;  // BuildOptions::testing_skip_core has done its one skip
    std::set<std::string> clear_absent_;  // struct_ops variables whose profile clears absent members
    std::uint32_t kern_version_ = 0;
    std::vector<std::string> modules_;                // modules whose BTF fd is needed
    std::vector<Step> module_steps_;
    reloc::CoreCandidateCache core_cache_;  // candidate lists per kernel type name
};

Ref Builder::module_btf(const std::string& module) {
    Ref r{Ref::Kind::ModuleBtf, module};
    if (std::find(modules_.begin(), modules_.end(), module) == modules_.end()) {
        modules_.push_back(module);
        module_steps_.push_back(Step{"open the BTF of module " + module, r, OpenModuleBtf{module}});
    }
    return r;
}

// vmlinux first; the modules' BTF only for what vmlinux has no candidate
// for (libbpf's order), so most loads never parse a module.
Result<reloc::CoreResult> Builder::core_relocation(const reloc::CoreSite& site) {
    std::vector<reloc::CoreTarget> targets{{&kernel_.vmlinux(), "vmlinux"}};
    auto r = reloc::core_calc(obj_.btf(), site.relo, targets, &core_cache_);
    if (!r || r->found || kernel_.module_names().empty()) return r;
    for (const auto& m : kernel_.module_names()) {
        auto b = kernel_.module(m);
        if (!b) return std::move(b).error();
        targets.push_back({*b, m});
    }
    return reloc::core_calc(obj_.btf(), site.relo, targets, &core_cache_);
}

// The map types libbpf creates without BTF (bpf_object__create_map).
bool takes_btf(std::uint32_t map_type) {
    switch (map_type) {
        case 4:   // PERF_EVENT_ARRAY
        case 7:   // STACK_TRACE
        case 8:   // CGROUP_ARRAY
        case 12:  // ARRAY_OF_MAPS
        case 13:  // HASH_OF_MAPS
        case 14:  // DEVMAP
        case 15:  // SOCKMAP
        case 16:  // CPUMAP
        case 17:  // XSKMAP
        case 18:  // SOCKHASH
        case 22:  // QUEUE
        case 23:  // STACK
        case 25:  // DEVMAP_HASH
        case sys::kMapTypeArena: return false;
        default: return true;
    }
}

// libbpf's adjust_ringbuf_sz(): a ring buffer's size is rounded up to a
// power-of-2 number of pages.
std::uint32_t ringbuf_size(std::uint32_t size) {
    const std::uint32_t page = static_cast<std::uint32_t>(::sysconf(_SC_PAGESIZE));
    if (size == 0) return 0;
    if (size % page == 0 && std::has_single_bit(size / page)) return size;
    for (std::uint64_t mul = 1; mul * page <= 0xffffffffu; mul <<= 1)
        if (mul * page > size) return static_cast<std::uint32_t>(mul * page);
    return size;
}

Status Builder::set_member(const std::string& var, const std::string& member, const std::string& value) {
    const auto& vars = obj_.struct_ops();
    auto v = std::find_if(vars.begin(), vars.end(), [&](const StructOpsVar& x) { return x.name == var; });
    const std::string what = obj_.path() + ": --set " + var + "." + member;
    if (v == vars.end()) return Error(what + ": no struct_ops variable '" + var + "' (and global variables have no members to set)");
    const btf::Btf& b = obj_.btf();
    std::optional<btf::Member> found;
    for (const btf::Member& m : b.type(v->type).members())
        if (m.name == member) found = m;
    if (!found) return Error(what + ": struct " + v->type_name + " has no member '" + member + "'");
    if (found->bitfield_size) return Error(what + ": a bitfield member cannot be set");
    auto r = b.resolve(found->type);
    if (r && b.type(*r).kind() == btf::Kind::Ptr)
        return Error(what + ": a function pointer; it is set by pointing it at a program in the object");
    auto bytes = encode_value(b, found->type, value);
    if (!bytes) return std::move(bytes).error().context(what);
    auto& data = struct_ops_data_[static_cast<std::size_t>(v - vars.begin())];
    if (data.empty()) data.assign(v->data.begin(), v->data.end());
    const std::uint32_t off = found->bit_offset / 8;
    if (off + bytes->size() > data.size()) return Error(what + ": lies outside the variable");
    const std::string before = decode_value(b, found->type, std::span(data).subspan(off, bytes->size()));
    std::copy(bytes->begin(), bytes->end(), data.begin() + off);
    plan_.notes.push_back("set " + var + "." + member + " = " + decode_value(b, found->type, *bytes) + " (was " + before + ")");
    return {};
}

bool Builder::selected(const StructOpsVar& v) const {
    // libbpf's autocreate: SEC("?.struct_ops") variables only on request.
    return options_.only_maps.empty() ? v.autocreate : contains(options_.only_maps, v.name);
}

// Profiles run first, so what the user sets wins over what they computed.
Status Builder::apply_profiles() {
    edits_ = ObjectEdits{};
    if (options_.profiles) {
        for (const StructOpsVar& v : obj_.struct_ops()) {
            if (!selected(v)) continue;
            auto p = struct_ops::apply_profile(obj_, kernel_, v, std::string(struct_ops::essential_name(v.type_name)),
                                               options_.profile_files);
            if (!p) return std::move(p).error().context(obj_.path() + ": struct_ops variable '" + v.name + "'");
            edits_.sets.insert(edits_.sets.end(), p->edits.sets.begin(), p->edits.sets.end());
            edits_.resizes.insert(edits_.resizes.end(), p->edits.resizes.begin(), p->edits.resizes.end());
            plan_.notes.insert(plan_.notes.end(), p->notes.begin(), p->notes.end());
            if (p->clear_absent_members) clear_absent_.insert(v.name);
        }
    }
    edits_.sets.insert(edits_.sets.end(), options_.edits.sets.begin(), options_.edits.sets.end());
    edits_.resizes.insert(edits_.resizes.end(), options_.edits.resizes.begin(), options_.edits.resizes.end());
    return {};
}

Status Builder::apply_edits() {
    const auto& data = obj_.global_data();
    data_values_.resize(data.size());
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i].bytes.empty()) data_values_[i].assign(data[i].size, 0);  // .bss
        else data_values_[i].assign(data[i].bytes.begin(), data[i].bytes.end());
    }
    struct_ops_data_.resize(obj_.struct_ops().size());
    const ObjectEdits& edits = edits_;

    for (const ObjectEdits::Resize& r : edits.resizes) {
        const std::string what = obj_.path() + ": --resize " + r.map + "=" + std::to_string(r.size);
        const auto& maps = obj_.maps();
        auto m = std::find_if(maps.begin(), maps.end(), [&](const MapDef& x) { return x.name == r.map; });
        if (m != maps.end()) {
            if (r.size == 0) return Error(what + ": max_entries must not be 0");
            max_entries_[static_cast<std::size_t>(m - maps.begin())] = r.size;
            plan_.notes.push_back("resize map '" + r.map + "': max_entries " + std::to_string(m->max_entries) + " -> " +
                                  std::to_string(r.size));
            continue;
        }
        auto g = std::find_if(data.begin(), data.end(), [&](const GlobalData& x) { return x.section == r.map; });
        if (g == data.end())
            return Error(what + ": neither a map in .maps nor a global-data section of the object");
        const auto index = static_cast<std::size_t>(g - data.begin());
        auto plan = plan_data_resize(obj_, index, r.size);
        if (!plan) return std::move(plan).error();
        if (plan->new_size > 0xffffffffu) return Error(what + ": the section would exceed 4 GiB");
        data_values_[index].resize(plan->new_size, 0);  // libbpf keeps the old bytes and zeroes the rest
        std::erase_if(resizes_, [&](const reloc::ArrayResize& x) { return x.datasec == g->datasec; });
        resizes_.push_back({g->datasec, plan->var, plan->elem_type, plan->index_type, plan->elements, plan->new_size});
        plan_.notes.push_back("resize section " + g->section + ": its last array now has " + std::to_string(r.size) +
                              " elements (" + std::to_string(g->size) + " -> " + std::to_string(plan->new_size) + " bytes)");
    }

    const auto vars = global_vars(obj_);
    for (const ObjectEdits::Set& e : edits.sets) {
        if (const auto dot = e.name.find('.'); dot != std::string::npos) {
            RAWOPS_TRY(set_member(e.name.substr(0, dot), e.name.substr(dot + 1), e.value));
            continue;
        }
        const std::string what = obj_.path() + ": --set " + e.name;
        auto v = std::find_if(vars.begin(), vars.end(), [&](const GlobalVar& x) { return x.name == e.name; });
        if (v == vars.end()) {
            for (const Extern& x : obj_.externs())
                if (x.name == e.name) return Error(what + ": an extern; its value comes from the kernel");
            return Error(what + ": no global variable of that name in .data, .rodata or .bss sections");
        }
        const btf::Btf& b = obj_.btf();
        auto bytes = encode_value(b, v->type, e.value);
        if (!bytes) return std::move(bytes).error().context(what + " (" + data[v->data].section + ")");
        auto& value = data_values_[v->data];
        if (v->offset + bytes->size() > value.size()) return Error(what + ": lies outside its section");
        const std::string before = decode_value(b, v->type, std::span(value).subspan(v->offset, bytes->size()));
        std::copy(bytes->begin(), bytes->end(), value.begin() + v->offset);
        plan_.notes.push_back("set " + data[v->data].section + " '" + e.name + "' = " + decode_value(b, v->type, *bytes) +
                              " (was " + before + ")");
    }
    return {};
}

Status Builder::bind_variables() {
    for (const std::string& name : options_.only_maps) {
        const auto& vars = obj_.struct_ops();
        if (std::none_of(vars.begin(), vars.end(), [&](const StructOpsVar& v) { return v.name == name; }))
            return Error(obj_.path() + ": --map '" + name + "': no struct_ops variable of that name in the object");
    }
    for (const StructOpsVar& v : obj_.struct_ops()) {
        if (!selected(v)) continue;
        const std::string where = obj_.path() + ": struct_ops variable '" + v.name + "'";
        auto kernel_type = struct_ops::find_kernel_ops_type(kernel_, v.type_name);
        if (!kernel_type) return std::move(kernel_type).error().context(where);

        const auto& edited = struct_ops_data_[static_cast<std::size_t>(&v - obj_.struct_ops().data())];
        struct_ops::LocalOpsVar local{v.name, v.section, &obj_.btf(), v.type,
                                      edited.empty() ? v.data : std::span<const std::uint8_t>(edited), {}};
        local.clear_absent_members = clear_absent_.count(v.name) > 0;
        for (const auto& mp : v.member_programs) {
            if (!mp) {
                local.member_programs.emplace_back();
                continue;
            }
            const Program& p = obj_.programs()[*mp];
            local.member_programs.push_back(struct_ops::SlotProgram{*mp, p.name, p.struct_ops});
        }
        auto binding = struct_ops::bind(local, *kernel_type);
        if (!binding) return std::move(binding).error().context(obj_.path());

        for (const struct_ops::ProgramSlot& slot : binding->programs) {
            ProgramBinding pb{slot.program, kernel_type->type.id, slot.kernel_member_index, kernel_type->type.module,
                              kernel_type->name + "." + slot.member + " (member #" +
                                  std::to_string(slot.kernel_member_index) + ")"};
            auto [it, fresh] = programs_.try_emplace(slot.program, pb);
            if (!fresh && (it->second.attach_btf_id != pb.attach_btf_id || it->second.member_index != pb.member_index ||
                           it->second.module != pb.module))
                return Error(where + ": program '" + obj_.programs()[slot.program].name + "' is bound to " +
                             pb.bound_to + " but also to " + it->second.bound_to +
                             "; a struct_ops program can serve only one member of one type");
        }
        vars_.push_back(BoundVar{&v, std::move(binding).value()});
    }
    return {};
}

// libbpf's autoload rules: a struct_ops program is loaded iff a created map
// uses it (bpf_object_adjust_struct_ops_autoload); one that no map refers to
// at all keeps its autoload and is then refused; other programs load unless
// their section starts with '?'.
Status Builder::choose_programs() {
    const auto& progs = obj_.programs();
    for (std::size_t i = 0; i < progs.size(); ++i) {
        const Program& p = progs[i];
        if (p.subprogram || programs_.count(i)) continue;
        const std::string what = "program '" + p.name + "' (section '" + p.section + "')";
        if (p.kind == ProgramKind::StructOps) {
            bool referenced = false;
            for (const StructOpsVar& v : obj_.struct_ops())
                for (const auto& mp : v.member_programs) referenced = referenced || mp == i;
            if (referenced) {
                plan_.notes.push_back(what + " is used only by struct_ops variables not created here (or by members the "
                                             "kernel lacks); not loaded");
                continue;
            }
            if (!p.autoload) {
                plan_.notes.push_back(what + " has autoload off (SEC(\"?...\")) and no map uses it; not loaded");
                continue;
            }
            return Error(obj_.path() + ": " + what +
                         ": SEC(\"struct_ops\") program isn't referenced anywhere, did you forget to use it? (libbpf "
                         "refuses such an object the same way)");
        }
        if (!p.autoload) {
            plan_.notes.push_back(what + " has autoload off (SEC(\"?...\")); not loaded");
            continue;
        }
        if (p.kind == ProgramKind::Unknown)
            return Error(obj_.path() + ": " + what + ": " + describe_unsupported_section(p.section) +
                         " (rawops loads struct_ops, tp_btf, fentry, fexit, fmod_ret, syscall, kprobe and kretprobe "
                         "programs)");
        if (p.kind == ProgramKind::Tracing) {
            RAWOPS_TRY(bind_tracing(i));
            continue;
        }
        std::string bound = p.kind == ProgramKind::Syscall ? "syscall (run with BPF_PROG_TEST_RUN)"
                                                           : std::string(p.retprobe ? "kretprobe " : "kprobe ") + p.attach_target;
        if (p.kind == ProgramKind::Kprobe && p.attach_target.empty())
            return Error(obj_.path() + ": " + what + ": no kernel function to attach to (SEC(\"kprobe/<function>\"))");
        programs_.emplace(i, ProgramBinding{i, 0, p.expected_attach_type, "", bound});
    }
    if (vars_.empty() && programs_.empty())
        return Error(obj_.path() + (obj_.struct_ops().empty()
                                        ? ": nothing to load: no struct_ops variable and no program to load"
                                        : ": none of the requested struct_ops variables is in the object"));
    return {};
}

// libbpf's find_kernel_btf_id(): "fentry/func" in vmlinux, then in the
// modules; "fentry/module:func" in that module only. tp_btf targets are the
// typedef btf_trace_<name>.
Status Builder::bind_tracing(std::size_t i) {
    const Program& p = obj_.programs()[i];
    const std::string what = obj_.path() + ": program '" + p.name + "' (section '" + p.section + "')";
    if (p.attach_target.empty())
        return Error(what + ": no BTF-based attach target is specified (SEC(\"fentry/<function>\"))");
    std::optional<std::string> module;
    std::string name = p.attach_target;
    if (auto colon = name.find(':'); colon != std::string::npos) {
        module = name.substr(0, colon);
        name = name.substr(colon + 1);
    }
    const bool raw_tp = p.expected_attach_type == sys::kAttachTraceRawTp;
    const std::string type_name = raw_tp ? "btf_trace_" + name : name;
    auto found = kernel_.find(type_name, raw_tp ? btf::Kind::Typedef : btf::Kind::Func, module);
    if (!found)
        return Error(what + ": attach target '" + p.attach_target + "' not found in kernel BTF (" +
                     (raw_tp ? "typedef " : "function ") + type_name + ")");
    ProgramBinding pb{i, found->id, p.expected_attach_type, found->module,
                      p.section.substr(0, p.section.find('/')) + " " + p.attach_target + " (" + found->origin() + " [" +
                          std::to_string(found->id) + "])"};
    programs_.emplace(i, std::move(pb));
    return {};
}

Status Builder::add_data_maps() {
    for (std::size_t i = 0; i < obj_.global_data().size(); ++i) {
        const GlobalData& g = obj_.global_data()[i];
        const std::vector<std::uint8_t>& value = data_values_[i];
        if (value.empty()) continue;
        const Ref map{Ref::Kind::Data, g.section};
        CreateMap cm;
        cm.request.map_type = sys::kMapTypeArray;
        cm.request.key_size = 4;
        cm.request.value_size = static_cast<std::uint32_t>(value.size());
        cm.request.max_entries = 1;
        cm.request.map_flags = g.kind == DataKind::Rodata ? sys::kMapFlagRdonlyProg : 0;
        cm.request.name = g.map_name;
        cm.pin_name = data_pin_name(obj_.name(), g.section);
        if (g.datasec) {
            cm.request.btf_value_type_id = g.datasec;
            cm.btf_ids.push_back({"btf_value_type_id", kernel_type_text(obj_.btf(), g.datasec, "object BTF")});
            cm.btf = Ref{Ref::Kind::Btf, ""};
            // libbpf's map_is_mmapable(): a DATASEC with any non-static
            // variable, a __hidden one counting as static (btf_fixup_datasec).
            for (const btf::VarSecInfo& v : obj_.btf().type(g.datasec).var_secinfos()) {
                const btf::TypeView var = obj_.btf().type(v.type);
                if (var.kind() != btf::Kind::Var || var.linkage() == btf::Linkage::Static) continue;
                const elf::Symbol* sym = obj_.elf().find_symbol(g.section_index, var.name());
                if (sym && reloc::restricted_visibility(*sym)) continue;
                cm.request.map_flags |= sys::kMapFlagMmapable;
            }
        }
        plan_.steps.push_back(Step{"create map '" + g.map_name + "' for section " + g.section + " (" +
                                       std::to_string(value.size()) + " bytes)",
                                   map, std::move(cm)});
        // libbpf's bpf_object__populate_internal_map(): every global-data
        // map gets its initial value, .bss (zeros, or what was set) included.
        UpdateMap um;
        um.map = map;
        um.key.assign(4, 0);
        um.value = value;
        if (g.datasec) um.fields = nonzero_vars(obj_, g, um.value);
        plan_.steps.push_back(Step{"initialise '" + g.map_name + "' with the contents of " + g.section +
                                       (g.kind == DataKind::Bss ? " (zeros and what was set)" : ""),
                                   {}, std::move(um)});
        if (g.kind == DataKind::Rodata)
            plan_.steps.push_back(Step{"freeze '" + g.map_name + "' so the verifier may treat it as constant", {},
                                       FreezeMap{map}});
    }
    return {};
}

// The .kconfig map (libbpf's LIBBPF_MAP_KCONFIG): one read-only array
// element holding every .kconfig extern at the offset the Object gave it.
Status Builder::add_kconfig_map() {
    if (obj_.kconfig_size() == 0) return {};
    const std::string name = obj_.internal_map_name(".kconfig");
    const Ref map{Ref::Kind::Data, ".kconfig"};
    CreateMap cm;
    cm.request.map_type = sys::kMapTypeArray;
    cm.request.key_size = 4;
    cm.request.value_size = obj_.kconfig_size();
    cm.request.max_entries = 1;
    cm.request.map_flags = sys::kMapFlagRdonlyProg | sys::kMapFlagMmapable;
    cm.request.name = name;
    cm.pin_name = data_pin_name(obj_.name(), ".kconfig");
    if (auto ds = obj_.btf().find(".kconfig", btf::Kind::Datasec)) {
        cm.request.btf_value_type_id = *ds;
        cm.btf = Ref{Ref::Kind::Btf, ""};
    }
    plan_.steps.push_back(Step{"create map '" + name + "' for the .kconfig externs (" +
                                   std::to_string(obj_.kconfig_size()) + " bytes)",
                               map, std::move(cm)});
    UpdateMap um;
    um.map = map;
    um.key.assign(4, 0);
    um.value = externs_.kconfig;
    std::string values;
    for (std::size_t i = 0; i < obj_.externs().size(); ++i)
        if (obj_.externs()[i].kind == ExternKind::Kconfig)
            values += (values.empty() ? "" : ", ") + obj_.externs()[i].name + "=" + externs_.values[i].shown;
    plan_.steps.push_back(Step{"initialise '" + name + "': " + values, {}, std::move(um)});
    plan_.steps.push_back(Step{"freeze '" + name + "' so the verifier may treat it as constant", {}, FreezeMap{map}});
    return {};
}

Status Builder::add_btf_maps() {
    for (const MapDef& m : obj_.maps()) {
        CreateMap cm;
        cm.request.map_type = m.type;
        cm.request.key_size = m.key_size;
        cm.request.value_size = m.value_size;
        const auto index = static_cast<std::size_t>(&m - obj_.maps().data());
        cm.request.max_entries = max_entries_.count(index) ? max_entries_.at(index) : m.max_entries;
        if (m.type == sys::kMapTypeRingbuf || m.type == sys::kMapTypeUserRingbuf)
            cm.request.max_entries = ringbuf_size(cm.request.max_entries);
        cm.request.map_flags = m.map_flags;
        cm.request.map_extra = m.map_extra;
        cm.request.name = m.name;
        cm.pin_name = m.name;
        if (m.pin_by_name) cm.pin_by_name = options_.pin_root + "/" + m.name;
        // libbpf's bpf_object__create_map(): the object's BTF always, with the
        // key/value ids, except for the map types the kernel takes no BTF for.
        cm.btf = Ref{Ref::Kind::Btf, ""};
        if (takes_btf(m.type)) {
            cm.request.btf_key_type_id = m.key_type;
            cm.request.btf_value_type_id = m.value_type;
        } else {
            cm.btf = Ref{};
        }
        if (m.inner) {
            sys::MapCreateRequest inner;
            inner.map_type = m.inner->type;
            inner.key_size = m.inner->key_size;
            inner.value_size = m.inner->value_size;
            inner.max_entries = m.inner->max_entries;
            inner.map_flags = m.inner->map_flags;
            inner.map_extra = m.inner->map_extra;
            inner.name = m.inner->name;
            if (takes_btf(inner.map_type)) {
                inner.btf_key_type_id = m.inner->key_type;
                inner.btf_value_type_id = m.inner->value_type;
            }
            cm.inner_template = std::make_shared<const sys::MapCreateRequest>(std::move(inner));
        }
        plan_.steps.push_back(Step{"create map '" + m.name + "' (" + sys::map_type_name(m.type) + ")" +
                                       (m.pin_by_name ? ", or reuse the one pinned at " + cm.pin_by_name : "") +
                                       (m.inner ? ", from an inner map template" : ""),
                                   Ref{Ref::Kind::Map, m.name}, std::move(cm)});
    }
    // libbpf: one ARENA map per object; `__arena` globals need it. It is
    // mmap'ed right after creation (which fixes its user address before any
    // program is verified) and the globals' initial bytes copied in.
    for (const MapDef& m : obj_.maps()) {
        if (m.type != sys::kMapTypeArena) continue;
        if (!arena_map_.empty())
            return Error(obj_.path() + ": map '" + m.name + "': only a single ARENA map is supported (map '" +
                         arena_map_ + "' is also one), as in libbpf");
        arena_map_ = m.name;
        const std::uint64_t page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
        const std::uint64_t size = page * (max_entries_.count(static_cast<std::size_t>(&m - obj_.maps().data()))
                                               ? max_entries_.at(static_cast<std::size_t>(&m - obj_.maps().data()))
                                               : m.max_entries);
        if (obj_.arena_data_size() > size)
            return Error(obj_.path() + ": map '" + m.name + "': its size (" + std::to_string(size) +
                         " bytes) is too small for the __arena globals (" + std::to_string(obj_.arena_data_size()) + " bytes)");
        MapArena a;
        a.map = Ref{Ref::Kind::Map, m.name};
        a.size = size;
        a.address = m.map_extra;
        a.data.assign(obj_.arena_data().begin(), obj_.arena_data().end());
        if (a.data.size() < obj_.arena_data_size()) a.data.resize(obj_.arena_data_size(), 0);  // NOBITS part
        plan_.steps.push_back(Step{"mmap the arena '" + m.name + "' (" + std::to_string(size) + " bytes" +
                                       (m.map_extra ? " at its map_extra address" : "") + ") and copy the " +
                                       std::to_string(a.data.size()) + " bytes of __arena globals to its start",
                                   {}, std::move(a)});
    }
    if (obj_.has_arena_data() && arena_map_.empty())
        return Error(obj_.path() + ": section '.addr_space.1': to use global __arena variables the ARENA map should be "
                                   "explicitly declared in SEC(\".maps\") (libbpf's rule)");

    // libbpf's init_map_in_map_slots(): `.values = { [i] = &map }` once every map exists.
    for (const MapDef& m : obj_.maps())
        for (const auto& [slot, target] : m.initial_slots) {
            UpdateMap um;
            um.map = Ref{Ref::Kind::Map, m.name};
            um.key.resize(4);
            std::memcpy(um.key.data(), &slot, 4);
            um.value.assign(4, 0);
            um.map_value = Ref{Ref::Kind::Map, obj_.maps()[target].name};
            plan_.steps.push_back(Step{"put map '" + obj_.maps()[target].name + "' in slot " + std::to_string(slot) +
                                           " of '" + m.name + "'",
                                       {}, std::move(um)});
        }
    return {};
}

Status Builder::add_program(const ProgramBinding& pb) {
    const Program& p = obj_.programs()[pb.program];
    auto linked = reloc::link_program(obj_, pb.program);
    if (!linked) return std::move(linked).error();

    LoadProgram lp;
    lp.name = p.name;
    lp.section = p.section;
    lp.prog_type = p.prog_type;
    lp.expected_attach_type = pb.member_index;
    lp.attach_btf_id = pb.attach_btf_id;
    if (!pb.module.empty()) lp.attach_btf_obj = module_btf(pb.module);
    if (pb.attach_btf_id) {
        auto kb = pb.module.empty() ? Result<const btf::Btf*>(&kernel_.vmlinux()) : kernel_.module(pb.module);
        if (kb) lp.attach_btf_type = kernel_type_text(**kb, pb.attach_btf_id, pb.module.empty() ? "vmlinux" : pb.module);
    }
    lp.prog_flags = p.sleepable ? sys::kProgFlagSleepable : 0;
    lp.kern_version = kern_version_;
    lp.license = obj_.license();
    lp.btf = Ref{Ref::Kind::Btf, ""};
    lp.bound_to = pb.bound_to;
    lp.insns = std::move(linked->insns);

    for (const reloc::MapUse& use : linked->maps) {
        Insn& first = lp.insns[use.insn];
        Insn& second = lp.insns[use.insn + 1];
        if (use.target == RelocTarget::Map) {
            first.set_src(insn::kPseudoMapFd);
            first.imm = 0;
            lp.map_fds.push_back({use.insn, Ref{Ref::Kind::Map, obj_.maps()[use.index].name}});
        } else if (use.target == RelocTarget::Arena) {
            if (arena_map_.empty())
                return Error(obj_.path() + ": program '" + p.name + "' uses an __arena global, and the object declares no "
                             "BPF_MAP_TYPE_ARENA map in .maps");
            first.set_src(insn::kPseudoMapValue);
            first.imm = 0;
            second.imm = static_cast<std::int32_t>(use.offset);
            lp.map_fds.push_back({use.insn, Ref{Ref::Kind::Map, arena_map_}});
        } else {
            const GlobalData& g = obj_.global_data()[use.index];
            first.set_src(insn::kPseudoMapValue);
            first.imm = 0;
            second.imm = static_cast<std::int32_t>(use.offset);
            lp.map_fds.push_back({use.insn, Ref{Ref::Kind::Data, g.section}});
        }
    }

    RAWOPS_TRY(relocate_externs(p, *linked, lp));

    for (const btf::FuncInfo& fi : linked->func_info) append_record(lp.func_info, fi);
    for (const btf::LineInfo& li : linked->line_info) append_record(lp.line_info, li);
    lp.func_info_count = static_cast<std::uint32_t>(linked->func_info.size());
    lp.line_info_count = static_cast<std::uint32_t>(linked->line_info.size());
    std::size_t changed = 0, poisoned = 0;
    for (const reloc::CoreSite& site : linked->core) {
        auto r = core_relocation(site);
        if (!r) return std::move(r).error().context(obj_.path() + ": program '" + p.name + "', CO-RE relocation at insn " +
                                                   std::to_string(site.insn) + " (section '" + site.section + "')");
        if (options_.testing_skip_core && !r->poison && r->value != r->orig && !skipped_core_) {
            skipped_core_ = true;
            lp.core.push_back("(skipped by testing_skip_core) " + r->description);
            continue;
        }
        RAWOPS_TRY(reloc::core_patch(lp.insns, site.insn, *r));
        changed += !r->poison && r->value != r->orig;
        poisoned += r->poison;
        lp.core.push_back(r->description);
    }
    if (!linked->core.empty())
        plan_.notes.push_back("program '" + p.name + "': " + std::to_string(linked->core.size()) +
                              " CO-RE relocation(s) resolved against the kernel's BTF, " + std::to_string(changed) +
                              " changed from the compiled value, " + std::to_string(poisoned) + " poisoned");

    const std::string summary = "load program '" + p.name + "' (" + p.section + ") for " + pb.bound_to +
                                (linked->appended.empty() ? "" : ", with " + std::to_string(linked->appended.size()) + " subprogram(s)");
    const Ref prog{Ref::Kind::Prog, p.name};
    plan_.steps.push_back(Step{summary, prog, std::move(lp)});
    for (std::size_t i = 0; i < obj_.global_data().size(); ++i) {
        const GlobalData& g = obj_.global_data()[i];
        if (g.kind != DataKind::Rodata || data_values_[i].empty()) continue;
        plan_.steps.push_back(Step{"bind '" + g.map_name + "' to program '" + p.name +
                                       "' (libbpf binds every .rodata map to every program)",
                                   {}, BindMap{prog, Ref{Ref::Kind::Data, g.section}}});
    }
    return {};
}

// libbpf's bpf_object__relocate_data() for externs: .kconfig loads point
// into the .kconfig map; typed ksyms become BPF_PSEUDO_BTF_ID (module BTF fd
// in the second slot); typeless and unresolved ones load their address (0);
// kfunc calls get the BTF id and fd_array slot, or are poisoned when weak and
// unresolved.
Status Builder::relocate_externs(const Program& p, const reloc::LinkedProgram& linked, LoadProgram& lp) {
    for (const reloc::ExternUse& use : linked.externs) {
        const Extern& ext = obj_.externs()[use.index];
        const reloc::ExternValue& val = externs_.values[use.index];
        Insn& insn = lp.insns[use.insn];
        if (insn::is_call(insn)) {
            if (!ext.function)
                return Error(obj_.path() + ": program '" + p.name + "': calls extern variable '" + ext.name + "'");
            if (!val.set) {
                reloc::poison_kfunc_call(insn, use.index);
                continue;
            }
            std::int16_t slot = 0;
            if (!val.module.empty()) {
                const Ref mod = module_btf(val.module);
                if (lp.fd_array.empty()) lp.fd_array.push_back(Ref{});  // index 0 means vmlinux
                auto it = std::find(lp.fd_array.begin(), lp.fd_array.end(), mod);
                if (it == lp.fd_array.end()) {
                    lp.fd_array.push_back(mod);
                    slot = static_cast<std::int16_t>(lp.fd_array.size() - 1);
                } else {
                    slot = static_cast<std::int16_t>(it - lp.fd_array.begin());
                }
            }
            reloc::patch_kfunc_call(insn, val.btf_id, slot);
            continue;
        }
        Insn& second = lp.insns[use.insn + 1];
        if (ext.kind == ExternKind::Kconfig) {
            insn.set_src(insn::kPseudoMapValue);
            insn.imm = 0;
            second.imm = static_cast<std::int32_t>(ext.offset);
            lp.map_fds.push_back({use.insn, Ref{Ref::Kind::Data, ".kconfig"}});
        } else if (ext.type_id && val.set) {
            insn.set_src(insn::kPseudoBtfId);
            insn.imm = static_cast<std::int32_t>(val.btf_id);
            second.imm = 0;
            if (!val.module.empty()) lp.btf_obj_fds.push_back({use.insn, module_btf(val.module)});
        } else {
            insn.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(val.address));
            second.imm = static_cast<std::int32_t>(static_cast<std::uint32_t>(val.address >> 32));
        }
    }
    return {};
}

void Builder::add_struct_ops_maps() {
    for (const BoundVar& bv : vars_) {
        const StructOpsVar& v = *bv.var;
        const struct_ops::Binding& b = bv.binding;
        const Ref map{Ref::Kind::Map, v.name};
        CreateMap cm;
        cm.request.map_type = sys::kMapTypeStructOps;
        cm.request.key_size = 4;
        cm.request.value_size = b.kernel.value_size;
        cm.request.max_entries = 1;
        cm.request.map_flags = v.link() ? sys::kMapFlagLink : 0;
        cm.request.name = v.name;
        cm.pin_name = v.name;
        cm.request.btf_vmlinux_value_type_id = b.kernel.value_type.id;
        cm.btf_ids.push_back({"btf_vmlinux_value_type_id", kernel_type_text(*b.kernel.value_type.btf, b.kernel.value_type.id,
                                                                            b.kernel.value_type.origin())});
        cm.btf = Ref{Ref::Kind::Btf, ""};  // the kernel wants the object's BTF even for a kernel value type
        if (b.kernel.type.in_module()) cm.value_type_btf_obj = module_btf(b.kernel.type.module);
        plan_.steps.push_back(Step{"create struct_ops map '" + v.name + "' of type bpf_struct_ops_" + b.kernel.name +
                                       " (" + b.kernel.type.origin() + ")" + (v.link() ? ", for a link" : ""),
                                   map, std::move(cm)});

        UpdateMap um;
        um.map = map;
        um.key.assign(4, 0);
        um.value = b.value;
        for (const auto& slot : b.programs)
            um.prog_slots.push_back({slot.value_offset, Ref{Ref::Kind::Prog, obj_.programs()[slot.program].name}, slot.member});
        um.struct_ops = true;
        um.registers = !v.link();
        // The data members, decoded with the kernel's own struct (the value's `data`).
        if (auto data = b.kernel.value_type.btf->find_member(b.kernel.value_type.id, "data"))
            um.fields = nonzero_fields(*b.kernel.value_type.btf, data->member.type, um.value, data->bit_offset / 8);
        plan_.steps.push_back(Step{v.link() ? "fill '" + v.name + "': program fds and data members (not registered yet)"
                                            : "fill and register '" + v.name + "' (a .struct_ops map registers on update)",
                                   {}, std::move(um)});
        if (v.link())
            plan_.steps.push_back(Step{"register '" + v.name + "' by creating its struct_ops link",
                                       Ref{Ref::Kind::Link, v.name}, CreateLink{map}});
        for (const std::string& s : b.skipped)
            plan_.notes.push_back("'" + v.name + "': member '" + s + "' is zero and absent in the kernel's struct " +
                                  b.kernel.name + "; skipped");
        for (const std::string& s : b.cleared)
            plan_.notes.push_back("profile: '" + v.name + "': member '" + s + "' is absent in the kernel's struct " +
                                  b.kernel.name + "; cleared");
    }
}

// What libbpf's skeleton attach does for the other programs: a link each.
void Builder::add_attachments() {
    for (const auto& [idx, pb] : programs_) {
        const Program& p = obj_.programs()[idx];
        const Ref prog{Ref::Kind::Prog, p.name};
        const Ref link{Ref::Kind::ProgLink, p.name};
        if (p.kind == ProgramKind::Tracing) {
            AttachProgram a{AttachProgram::How::Tracing, prog, p.expected_attach_type, "", false};
            plan_.steps.push_back(Step{"attach '" + p.name + "' to " + pb.bound_to + " with a link", link, std::move(a)});
        } else if (p.kind == ProgramKind::Kprobe) {
            AttachProgram a{AttachProgram::How::Kprobe, prog, sys::kAttachPerfEvent, p.attach_target, p.retprobe};
            plan_.steps.push_back(Step{"attach '" + p.name + "' to a " + (p.retprobe ? "kretprobe" : "kprobe") +
                                           " on " + p.attach_target + " (perf event + link)",
                                       link, std::move(a)});
        }
    }
}

Result<Plan> Builder::run() {
    plan_.object = obj_.path();
    RAWOPS_TRY(apply_profiles());
    RAWOPS_TRY(apply_edits());
    RAWOPS_TRY(bind_variables());
    RAWOPS_TRY(choose_programs());
    auto externs = reloc::resolve_externs(obj_, kernel_, options_.kernel_files);
    if (!externs) return std::move(externs).error();
    externs_ = std::move(externs).value();
    for (std::size_t i = 0; i < obj_.externs().size(); ++i)
        plan_.notes.push_back("extern '" + obj_.externs()[i].name + "': " + externs_.values[i].shown);
    kern_version_ = reloc::kernel_version(options_.kernel_files);

    auto btf = reloc::kernel_ready_btf(obj_, resizes_);
    if (!btf) return std::move(btf).error();
    plan_.steps.push_back(Step{"load the object's BTF (" + std::to_string(btf->size()) + " bytes)",
                               Ref{Ref::Kind::Btf, ""}, LoadBtf{std::move(btf).value()}});
    const std::size_t modules_at = plan_.steps.size();

    // libbpf's map order: .maps, global data, .kconfig, then struct_ops.
    RAWOPS_TRY(add_btf_maps());
    RAWOPS_TRY(add_data_maps());
    RAWOPS_TRY(add_kconfig_map());
    for (const auto& [idx, pb] : programs_) {
        auto s = add_program(pb);
        if (!s) return std::move(s).error();
    }
    // The skeleton's order: programs are attached before the struct_ops maps
    // register (sched_ext's scx_lib_init_probe must see the registration).
    add_attachments();
    add_struct_ops_maps();
    // Module BTF fds are needed by programs and maps alike: open them first.
    plan_.steps.insert(plan_.steps.begin() + static_cast<std::ptrdiff_t>(modules_at), module_steps_.begin(),
                       module_steps_.end());
    return std::move(plan_);
}

}  // namespace

std::string Ref::str() const {
    switch (kind) {
        case Kind::None: return "-";
        case Kind::Btf: return "$btf";
        case Kind::ModuleBtf: return "$modbtf:" + name;
        case Kind::Map: return "$map:" + name;
        case Kind::Data: return "$data:" + name;
        case Kind::Prog: return "$prog:" + name;
        case Kind::Link: return "$link:" + name;
        case Kind::ProgLink: return "$proglink:" + name;
        case Kind::PerfEvent: return "$perf:" + name;
    }
    return "?";
}

Result<Plan> build(const Object& obj, struct_ops::KernelBtf& kernel, const BuildOptions& options) {
    return Builder(obj, kernel, options).run();
}

}  // namespace rawops::plan
