// rawops inspect OBJ.o: what the object holds, read without the kernel:
// programs, struct_ops variables and what each member gets, maps, global
// data, externs, relocations and CO-RE record counts.
#include <cstdio>
#include <memory>

#include "loader/cli/command.h"
#include "loader/cli/type_text.h"
#include "loader/edits.h"
#include "loader/object.h"

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

int run_inspect(const std::string& path) {
    auto obj = Object::open(path);
    if (!obj) return report(obj.error());
    const Object& o = *obj;
    const btf::Btf& b = o.btf();
    std::printf("%s: license \"%s\", %zu program(s), %zu struct_ops variable(s)\n", o.path().c_str(),
                o.license().c_str(), o.programs().size(), o.struct_ops().size());

    std::printf("\nprograms:\n");
    for (const Program& p : o.programs()) {
        std::string kind = p.subprogram ? "subprogram" : program_kind(p);
        if (p.sleepable && !p.subprogram) kind += ", sleepable";
        if (!p.autoload && !p.subprogram) kind += ", autoload off (SEC(\"?...\"))";
        std::size_t core = 0;
        if (const auto* ext = o.btf_ext())
            if (const auto* cr = ext->core_relos_for(p.section))
                for (std::uint32_t i = 0; i < cr->count(); ++i) {
                    const auto off = cr->at(i).insn_off;
                    core += off >= p.offset && off < p.offset + p.insns.size() * sizeof(Insn);
                }
        std::printf("  %-24s %-28s %4zu insns  %s%s\n", p.name.c_str(), p.section.c_str(), p.insns.size(), kind.c_str(),
                    p.global && p.subprogram ? ", global" : "");
        for (const ProgramReloc& r : p.relocs)
            std::printf("      insn %-4u %-6s %s\n", r.insn, target_name(r.target), r.symbol.c_str());
        if (core) std::printf("      %zu CO-RE relocation(s)\n", core);
    }

    for (const StructOpsVar& v : o.struct_ops()) {
        std::printf("\nstruct_ops variable '%s' in %s%s: struct %s (%zu bytes)%s%s\n", v.name.c_str(),
                    v.autocreate ? "" : "?", v.section.c_str(), v.type_name.c_str(), v.data.size(),
                    v.link() ? ", registered through a link" : "",
                    v.autocreate ? "" : ", created only on request (--map)");
        std::uint32_t i = 0;
        for (const btf::Member& m : b.type(v.type).members()) {
            const auto& prog = v.member_programs[i++];
            std::string what;
            if (prog) {
                what = "-> program " + o.programs()[*prog].name;
            } else {
                auto size = b.size_of(m.type);
                bool zero = true;
                const std::uint32_t off = m.bit_offset / 8;
                for (std::uint32_t k = 0; size && k < *size && off + k < v.data.size(); ++k) zero &= v.data[off + k] == 0;
                if (zero) what = "(zero)";
                else if (type_text(b, m.type).find("char[") == 0)
                    what = "= \"" + std::string(reinterpret_cast<const char*>(v.data.data() + off)) + "\"";
                else what = "(set)";
            }
            std::printf("  +%-4u %-20s %s\n", m.bit_offset / 8, std::string(m.name).c_str(), what.c_str());
        }
    }

    if (!o.global_data().empty()) std::printf("\nglobal data:\n");
    for (const GlobalData& g : o.global_data())
        std::printf("  %-16s %6llu bytes  -> map '%s'\n", g.section.c_str(), static_cast<unsigned long long>(g.size),
                    g.map_name.c_str());
    const auto vars = global_vars(o);
    if (!vars.empty()) std::printf("\nvariables (settable before load with --set NAME=VALUE):\n");
    for (const GlobalVar& v : vars) {
        const GlobalData& g = o.global_data()[v.data];
        std::vector<std::uint8_t> zeros;
        std::span<const std::uint8_t> bytes = g.bytes;
        if (bytes.empty()) {  // .bss: zero until set
            zeros.assign(v.size, 0);
            bytes = zeros;
        } else {
            bytes = bytes.subspan(v.offset, std::min<std::size_t>(v.size, bytes.size() - v.offset));
        }
        std::printf("  %-14s %-24s %-28s = %s\n", g.section.c_str(), v.name.c_str(), type_text(b, v.type).c_str(),
                    decode_value(b, v.type, bytes).c_str());
    }
    if (!o.maps().empty()) std::printf("\nmaps (.maps):\n");
    for (const MapDef& m : o.maps())
        std::printf("  %-16s type %u key %u value %u max_entries %u\n", m.name.c_str(), m.type, m.key_size,
                    m.value_size, m.max_entries);
    if (!o.externs().empty()) std::printf("\nexterns:\n");
    for (const Extern& e : o.externs()) {
        std::string what = e.kind == ExternKind::Kconfig ? ".kconfig " + type_text(b, b.type(e.type).ref_type()) +
                                                               " at +" + std::to_string(e.offset)
                           : e.function ? "kfunc"
                           : e.type_id  ? "ksym variable, typed (BTF)"
                                        : "ksym variable, typeless (kallsyms)";
        if (e.essential_name != e.name) what += ", resolved as '" + e.essential_name + "'";
        std::printf("  %-28s %s%s\n", e.name.c_str(), what.c_str(), e.weak ? ", weak" : "");
    }
    return kExitOk;
}

void setup_inspect(CLI::App& root, int& exit_code) {
    auto path = std::make_shared<std::string>();
    auto* cmd = root.add_subcommand("inspect", "Show the programs, struct_ops variables, maps and relocations of an object");
    cmd->add_option("object", *path, "BPF object file (.o)")->required();
    cmd->callback([path, &exit_code] { exit_code = run_inspect(*path); });
}

}  // namespace
RAWOPS_CLI_COMMAND(30, setup_inspect);
}  // namespace rawops::cli
