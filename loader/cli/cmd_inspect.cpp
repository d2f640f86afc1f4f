// rawops inspect OBJ.o [--json]: what the object holds, read without the
// kernel: programs, struct_ops variables and what each member gets, maps,
// global data, externs, relocations and CO-RE record counts. The facts are
// computed once (the helpers below) and printed as text or as JSON.
#include <cstdio>
#include <memory>

#include "loader/cli/command.h"
#include "loader/cli/json_out.h"
#include "loader/cli/type_text.h"
#include "loader/edits.h"
#include "loader/object.h"
#include "loader/sys/describe.h"

namespace rawops::cli {
namespace {

const char* target_name(RelocTarget t) {
    switch (t) {
        case RelocTarget::Subprogram: return "call";
        case RelocTarget::Map: return "map";
        case RelocTarget::Arena: return "arena";
        case RelocTarget::GlobalData: return "data";
        case RelocTarget::Extern: return "extern";
    }
    return "?";
}

std::string program_kind(const Program& p) {
    switch (p.kind) {
        case ProgramKind::StructOps: return "struct_ops";
        case ProgramKind::Tracing: return "tracing, attached to " + p.attach_target;
        case ProgramKind::Syscall: return "syscall (run with BPF_PROG_TEST_RUN)";
        case ProgramKind::Kprobe: return std::string(p.retprobe ? "kretprobe on " : "kprobe on ") + p.attach_target;
        case ProgramKind::Unknown: break;
    }
    return "a section rawops does not load";
}

// The kind as one word, for --json.
const char* program_kind_name(const Program& p) {
    if (p.subprogram) return "subprogram";
    switch (p.kind) {
        case ProgramKind::StructOps: return "struct_ops";
        case ProgramKind::Tracing: return "tracing";
        case ProgramKind::Syscall: return "syscall";
        case ProgramKind::Kprobe: return p.retprobe ? "kretprobe" : "kprobe";
        case ProgramKind::Unknown: break;
    }
    return "unknown";
}

// What the text shows after the program's size: kind and its qualifiers.
std::string program_description(const Program& p) {
    std::string kind = p.subprogram ? "subprogram" : program_kind(p);
    if (p.sleepable && !p.subprogram) kind += ", sleepable";
    if (!p.autoload && !p.subprogram) kind += ", autoload off (SEC(\"?...\"))";
    return kind;
}

// CO-RE records of .BTF.ext that fall inside the program's instructions.
std::size_t core_count(const Object& o, const Program& p) {
    std::size_t core = 0;
    if (const auto* ext = o.btf_ext())
        if (const auto* cr = ext->core_relos_for(p.section))
            for (std::uint32_t i = 0; i < cr->count(); ++i) {
                const auto off = cr->at(i).insn_off;
                core += off >= p.offset && off < p.offset + p.insns.size() * sizeof(Insn);
            }
    return core;
}

// What one struct_ops member gets from the variable's initialiser.
struct MemberValue {
    enum class What { Program, Zero, String, Set } what = What::Zero;
    std::string text;   // the program's name, or the string
    std::string bytes;  // the member's bytes in hex (data members)
};

MemberValue member_value(const Object& o, const StructOpsVar& v, const btf::Member& m,
                         const std::optional<std::size_t>& prog) {
    if (prog) return {MemberValue::What::Program, o.programs()[*prog].name, ""};
    const btf::Btf& b = o.btf();
    static const char* digits = "0123456789abcdef";
    auto size = b.size_of(m.type);
    MemberValue out;
    bool zero = true;
    const std::uint32_t off = m.bit_offset / 8;
    for (std::uint32_t k = 0; size && k < *size && off + k < v.data.size(); ++k) {
        zero &= v.data[off + k] == 0;
        out.bytes += digits[v.data[off + k] >> 4];
        out.bytes += digits[v.data[off + k] & 15];
    }
    if (zero) out.what = MemberValue::What::Zero;
    else if (type_text(b, m.type).find("char[") == 0) {
        out.what = MemberValue::What::String;
        out.text = reinterpret_cast<const char*>(v.data.data() + off);
    } else out.what = MemberValue::What::Set;
    return out;
}

std::string member_value_text(const MemberValue& value) {
    switch (value.what) {
        case MemberValue::What::Program: return "-> program " + value.text;
        case MemberValue::What::Zero: return "(zero)";
        case MemberValue::What::String: return "= \"" + value.text + "\"";
        case MemberValue::What::Set: break;
    }
    return "(set)";
}

const char* member_value_name(MemberValue::What what) {
    switch (what) {
        case MemberValue::What::Program: return "program";
        case MemberValue::What::Zero: return "zero";
        case MemberValue::What::String: return "string";
        case MemberValue::What::Set: break;
    }
    return "set";
}

// A global variable's initial value, decoded by its BTF type (.bss: zero).
std::string var_value(const Object& o, const GlobalVar& v) {
    const GlobalData& g = o.global_data()[v.data];
    // The variable's bytes, inside its section: a crafted symbol value or
    // BTF size may point past the end (decoded as far as there are bytes).
    const std::uint64_t in_section = v.offset < g.size ? std::min<std::uint64_t>(v.size, g.size - v.offset) : 0;
    std::vector<std::uint8_t> zeros;
    std::span<const std::uint8_t> bytes = g.bytes;
    if (bytes.empty()) {  // .bss: zero until set
        zeros.assign(in_section, 0);
        bytes = zeros;
    } else {
        bytes = v.offset < bytes.size() ? bytes.subspan(v.offset, std::min<std::size_t>(in_section, bytes.size() - v.offset))
                                        : std::span<const std::uint8_t>{};
    }
    return decode_value(o.btf(), v.type, bytes);
}

std::string extern_description(const btf::Btf& b, const Extern& e) {
    std::string what = e.kind == ExternKind::Kconfig ? ".kconfig " + type_text(b, b.type(e.type).ref_type()) +
                                                           " at +" + std::to_string(e.offset)
                       : e.function ? "kfunc"
                       : e.type_id  ? "ksym variable, typed (BTF)"
                                    : "ksym variable, typeless (kallsyms)";
    if (e.essential_name != e.name) what += ", resolved as '" + e.essential_name + "'";
    return what;
}

void print_text(const Object& o) {
    const btf::Btf& b = o.btf();
    std::printf("%s: license \"%s\", %zu program(s), %zu struct_ops variable(s)\n", o.path().c_str(),
                o.license().c_str(), o.programs().size(), o.struct_ops().size());

    std::printf("\nprograms:\n");
    for (const Program& p : o.programs()) {
        std::printf("  %-24s %-28s %4zu insns  %s%s\n", p.name.c_str(), p.section.c_str(), p.insns.size(),
                    program_description(p).c_str(), p.global && p.subprogram ? ", global" : "");
        for (const ProgramReloc& r : p.relocs)
            std::printf("      insn %-4u %-6s %s\n", r.insn, target_name(r.target), r.symbol.c_str());
        if (const std::size_t core = core_count(o, p)) std::printf("      %zu CO-RE relocation(s)\n", core);
    }

    for (const StructOpsVar& v : o.struct_ops()) {
        std::printf("\nstruct_ops variable '%s' in %s%s: struct %s (%zu bytes)%s%s\n", v.name.c_str(),
                    v.autocreate ? "" : "?", v.section.c_str(), v.type_name.c_str(), v.data.size(),
                    v.link() ? ", registered through a link" : "",
                    v.autocreate ? "" : ", created only on request (--map)");
        std::uint32_t i = 0;
        for (const btf::Member& m : b.type(v.type).members()) {
            const MemberValue value = member_value(o, v, m, v.member_programs[i++]);
            std::printf("  +%-4u %-20s %s\n", m.bit_offset / 8, std::string(m.name).c_str(),
                        member_value_text(value).c_str());
        }
    }

    if (!o.global_data().empty()) std::printf("\nglobal data:\n");
    for (const GlobalData& g : o.global_data())
        std::printf("  %-16s %6llu bytes  -> map '%s'\n", g.section.c_str(), static_cast<unsigned long long>(g.size),
                    g.map_name.c_str());
    const auto vars = global_vars(o);
    if (!vars.empty()) std::printf("\nvariables (settable before load with --set NAME=VALUE):\n");
    for (const GlobalVar& v : vars)
        std::printf("  %-14s %-24s %-28s = %s\n", o.global_data()[v.data].section.c_str(), v.name.c_str(),
                    type_text(b, v.type).c_str(), var_value(o, v).c_str());
    if (!o.maps().empty()) std::printf("\nmaps (.maps):\n");
    for (const MapDef& m : o.maps())
        std::printf("  %-16s type %u key %u value %u max_entries %u\n", m.name.c_str(), m.type, m.key_size,
                    m.value_size, m.max_entries);
    if (!o.externs().empty()) std::printf("\nexterns:\n");
    for (const Extern& e : o.externs())
        std::printf("  %-28s %s%s\n", e.name.c_str(), extern_description(b, e).c_str(), e.weak ? ", weak" : "");
}

Json programs_json(const Object& o) {
    Json out = Json::array();
    for (const Program& p : o.programs()) {
        Json relocs = Json::array();
        for (const ProgramReloc& r : p.relocs)
            relocs.push_back({{"insn", r.insn}, {"target", target_name(r.target)}, {"symbol", r.symbol}});
        out.push_back({{"name", p.name},
                       {"section", p.section},
                       {"kind", program_kind_name(p)},
                       {"attach_target", p.attach_target.empty() ? Json() : Json(p.attach_target)},
                       {"subprogram", p.subprogram},
                       {"global", p.global},
                       {"sleepable", p.sleepable},
                       {"autoload", p.autoload},
                       {"insns", p.insns.size()},
                       {"description", program_description(p)},
                       {"relocations", std::move(relocs)},
                       {"core_relocations", core_count(o, p)}});
    }
    return out;
}

Json struct_ops_json(const Object& o) {
    const btf::Btf& b = o.btf();
    Json out = Json::array();
    for (const StructOpsVar& v : o.struct_ops()) {
        Json members = Json::array();
        std::uint32_t i = 0;
        for (const btf::Member& m : b.type(v.type).members()) {
            const MemberValue value = member_value(o, v, m, v.member_programs[i]);
            Json member{{"index", i++},
                        {"name", m.name},
                        {"offset", m.bit_offset / 8},
                        {"value", member_value_name(value.what)},
                        {"program", value.what == MemberValue::What::Program ? Json(value.text) : Json()}};
            if (value.what == MemberValue::What::String) member["string"] = value.text;
            if (value.what != MemberValue::What::Program) member["bytes"] = value.bytes;
            members.push_back(std::move(member));
        }
        out.push_back({{"name", v.name},
                       {"section", v.section},
                       {"type", v.type_name},
                       {"size", v.data.size()},
                       {"link", v.link()},
                       {"autocreate", v.autocreate},
                       {"members", std::move(members)}});
    }
    return out;
}

Json data_json(const Object& o) {
    Json out = Json::array();
    for (const GlobalData& g : o.global_data())
        out.push_back({{"section", g.section}, {"size", g.size}, {"map", g.map_name}});
    return out;
}

Json variables_json(const Object& o) {
    Json out = Json::array();
    for (const GlobalVar& v : global_vars(o))
        out.push_back({{"section", o.global_data()[v.data].section},
                       {"name", v.name},
                       {"type", type_text(o.btf(), v.type)},
                       {"value", var_value(o, v)}});
    return out;
}

Json maps_json(const Object& o) {
    Json out = Json::array();
    for (const MapDef& m : o.maps())
        out.push_back({{"name", m.name},
                       {"type", m.type},
                       {"type_name", sys::map_type_name(m.type)},
                       {"key_size", m.key_size},
                       {"value_size", m.value_size},
                       {"max_entries", m.max_entries}});
    return out;
}

Json externs_json(const Object& o) {
    const btf::Btf& b = o.btf();
    Json out = Json::array();
    for (const Extern& e : o.externs()) {
        const bool kconfig = e.kind == ExternKind::Kconfig;
        out.push_back({{"name", e.name},
                       {"kind", kconfig ? "kconfig" : e.function ? "kfunc" : "ksym"},
                       {"typed", kconfig || e.function || e.type_id != 0},
                       {"type", kconfig ? Json(type_text(b, b.type(e.type).ref_type())) : Json()},
                       {"offset", kconfig ? Json(e.offset) : Json()},
                       {"resolved_as", e.essential_name},
                       {"weak", e.weak},
                       {"description", extern_description(b, e)}});
    }
    return out;
}

// docs/schema/inspect.schema.json
Json inspect_json(const Object& o) {
    return {{"object", o.path()},
            {"license", o.license()},
            {"programs", programs_json(o)},
            {"struct_ops", struct_ops_json(o)},
            {"global_data", data_json(o)},
            {"variables", variables_json(o)},
            {"maps", maps_json(o)},
            {"externs", externs_json(o)}};
}

int run_inspect(const std::string& path, bool json) {
    auto obj = Object::open(path);
    if (!obj) return report(obj.error());
    if (json) print_json(inspect_json(*obj));
    else print_text(*obj);
    return kExitOk;
}

void setup_inspect(CLI::App& root, int& exit_code) {
    auto path = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* cmd = root.add_subcommand("inspect", "Show the programs, struct_ops variables, maps and relocations of an object");
    cmd->add_option("object", *path, "BPF object file (.o)")->required();
    cmd->add_flag("--json", *json, "print one JSON document (docs/schema/inspect.schema.json)");
    cmd->callback([path, json, &exit_code] { exit_code = run_inspect(*path, *json); });
}

}  // namespace
RAWOPS_CLI_COMMAND(30, setup_inspect, "inspect");
}  // namespace rawops::cli
