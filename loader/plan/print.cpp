// A Plan as text: each step's summary, then the bpf() command with the
// attributes it will carry, decoded by the syscall layer; fds that do not
// exist yet are shown by their symbolic reference.
#include <sstream>
#include <variant>

#include "loader/plan/plan.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/describe.h"
#include "loader/sys/link.h"
#include "loader/sys/map.h"
#include "loader/sys/prog.h"

namespace rawops::plan {

namespace {

using Fields = std::vector<sys::AttrField>;

// Replaces the value of attribute `name` (the kernel's field name).
void set(Fields& fields, const std::string& name, const std::string& value) {
    for (auto& f : fields)
        if (f.name == name) {
            f.value = value;
            return;
        }
    fields.push_back({name, value});
}

std::string hex(const std::vector<std::uint8_t>& b, std::size_t max = 16) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < b.size() && i < max; ++i) {
        s += digits[b[i] >> 4];
        s += digits[b[i] & 15];
    }
    if (b.size() > max) s += "...(" + std::to_string(b.size()) + " bytes)";
    return s.empty() ? "(empty)" : s;
}

std::string line(sys::Cmd cmd, const Fields& fields) {
    return sys::cmd_name(cmd) + " " + sys::format_fields(fields);
}

std::string describe_step(const Step& step) {
    std::ostringstream out;
    if (const auto* a = std::get_if<LoadBtf>(&step.action)) {
        Fields f = sys::describe(sys::Cmd::BtfLoad, sys::encode(sys::BtfLoadRequest{std::as_bytes(std::span(a->bytes)), "", {}}));
        set(f, "btf", std::to_string(a->bytes.size()) + " bytes");
        out << line(sys::Cmd::BtfLoad, f);
    } else if (const auto* a = std::get_if<OpenModuleBtf>(&step.action)) {
        out << "BPF_BTF_GET_NEXT_ID / BPF_BTF_GET_FD_BY_ID / BPF_OBJ_GET_INFO_BY_FD until name=\"" << a->module << "\"";
    } else if (const auto* a = std::get_if<CreateMap>(&step.action)) {
        Fields f = sys::describe(sys::Cmd::MapCreate, sys::encode(a->request));
        if (a->btf.valid()) set(f, "btf_fd", a->btf.str());
        if (a->value_type_btf_obj.valid()) set(f, "value_type_btf_obj_fd", a->value_type_btf_obj.str());
        if (a->inner_template) {
            Fields in = sys::describe(sys::Cmd::MapCreate, sys::encode(*a->inner_template));
            if (a->inner_template->btf_key_type_id || a->inner_template->btf_value_type_id)
                set(in, "btf_fd", Ref{Ref::Kind::Btf, ""}.str());
            out << line(sys::Cmd::MapCreate, in) << "  -> inner template (closed after)\n    ";
            set(f, "inner_map_fd", "(the inner template)");
        }
        out << line(sys::Cmd::MapCreate, f);
    } else if (const auto* a = std::get_if<UpdateMap>(&step.action)) {
        Fields f{{"map_fd", a->map.str()}, {"key", hex(a->key)},
                 {"value", a->map_value.valid() ? a->map_value.str() : hex(a->value)}, {"flags", "BPF_ANY"}};
        out << line(sys::Cmd::MapUpdateElem, f);
        for (const auto& s : a->prog_slots)
            out << "\n      value+" << s.offset << " (" << s.member << ") = " << s.prog.str();
    } else if (const auto* a = std::get_if<MapArena>(&step.action)) {
        out << "mmap(" << (a->address ? std::to_string(a->address) : std::string("NULL")) << ", " << a->size
            << ", PROT_READ|PROT_WRITE, MAP_SHARED" << (a->address ? "|MAP_FIXED" : "") << ", " << a->map.str()
            << ", 0); then " << a->data.size() << " bytes copied to its start";
    } else if (const auto* a = std::get_if<BindMap>(&step.action)) {
        out << line(sys::Cmd::ProgBindMap, {{"prog_bind_map.prog_fd", a->prog.str()}, {"prog_bind_map.map_fd", a->map.str()}});
    } else if (const auto* a = std::get_if<FreezeMap>(&step.action)) {
        out << line(sys::Cmd::MapFreeze, {{"map_fd", a->map.str()}});
    } else if (const auto* a = std::get_if<LoadProgram>(&step.action)) {
        sys::ProgLoadRequest req;
        req.prog_type = a->prog_type;
        req.expected_attach_type = a->expected_attach_type;
        req.insns = a->insns;
        req.license = a->license;
        req.name = a->name;
        req.prog_flags = a->prog_flags;
        req.attach_btf_id = a->attach_btf_id;
        req.kern_version = a->kern_version;
        Fields f = sys::describe(sys::Cmd::ProgLoad, sys::encode(req));
        set(f, "insns", std::to_string(a->insns.size()) + " insns");
        set(f, "license", "\"" + a->license + "\"");
        set(f, "prog_btf_fd", a->btf.str());
        if (a->func_info_count) set(f, "func_info", std::to_string(a->func_info_count) + " records");
        if (a->line_info_count) set(f, "line_info", std::to_string(a->line_info_count) + " records");
        if (a->attach_btf_obj.valid()) set(f, "attach_btf_obj_fd", a->attach_btf_obj.str());
        if (!a->fd_array.empty()) {
            std::string arr = "[";
            for (std::size_t i = 0; i < a->fd_array.size(); ++i)
                arr += (i ? "," : "") + (a->fd_array[i].valid() ? a->fd_array[i].str() : std::string("0"));
            set(f, "fd_array", arr + "]");
        }
        out << line(sys::Cmd::ProgLoad, f);
        for (const auto& m : a->map_fds) out << "\n      insn " << m.insn << ": ld_imm64 imm = " << m.map.str();
        for (const auto& b : a->btf_obj_fds)
            out << "\n      insn " << b.insn << ": ld_imm64 (BPF_PSEUDO_BTF_ID) second imm = " << b.module.str();
        for (const auto& c : a->core) out << "\n      CO-RE " << c;
    } else if (const auto* a = std::get_if<CreateLink>(&step.action)) {
        out << line(sys::Cmd::LinkCreate, {{"link_create.map_fd", a->map.str()}, {"attach_type", "BPF_STRUCT_OPS"}});
    } else if (const auto* a = std::get_if<AttachProgram>(&step.action)) {
        sys::LinkCreateRequest req;
        req.attach_type = a->attach_type;
        Fields f = sys::describe(sys::Cmd::LinkCreate, sys::encode(req));
        set(f, "link_create.prog_fd", a->prog.str());
        if (a->how == AttachProgram::How::Kprobe) {
            set(f, "link_create.target_fd", Ref{Ref::Kind::PerfEvent, a->prog.name}.str());
            out << "perf_event_open type=kprobe PMU" << (a->retprobe ? " (retprobe)" : "") << " kprobe_func=\""
                << a->function << "\" pid=-1 cpu=0 -> " << Ref{Ref::Kind::PerfEvent, a->prog.name}.str() << "\n    ";
        }
        out << line(sys::Cmd::LinkCreate, f);
    }
    return out.str();
}

}  // namespace

std::string print(const Plan& plan) {
    std::ostringstream out;
    out << "plan for " << plan.object << ": " << plan.steps.size() << " step(s)\n";
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const Step& s = plan.steps[i];
        out << "\n#" << (i + 1) << " " << s.summary;
        if (s.creates.valid()) out << "  -> " << s.creates.str();
        out << "\n    " << describe_step(s) << "\n";
    }
    if (!plan.notes.empty()) {
        out << "\nnotes:\n";
        for (const auto& n : plan.notes) out << "  - " << n << "\n";
    }
    return out.str();
}

}  // namespace rawops::plan
