// A Plan as text: each step's summary, then the bpf() command with the
// attributes it will carry, decoded by the syscall layer; fds that do not
// exist yet are shown by their symbolic reference.
#include <sstream>
#include <type_traits>
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

// Replaces attribute `field.name` (the kernel's field name) in place, or
// appends it: the plan knows better than the attr (symbolic fds, counts).
void set(Fields& fields, sys::AttrField field) {
    for (auto& f : fields)
        if (f.name == field.name) {
            f = std::move(field);
            return;
        }
    fields.push_back(std::move(field));
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

sys::AttrField ref_field(std::string name, const Ref& ref) { return sys::text_field(std::move(name), ref.str()); }

CallView bpf_call(sys::Cmd cmd, Fields fields) { return {sys::cmd_name(cmd), std::move(fields), CallView::Form::Attrs, "", ""}; }

std::vector<CallView> load_btf_calls(const LoadBtf& a) {
    Fields f = sys::describe(sys::Cmd::BtfLoad, sys::encode(sys::BtfLoadRequest{std::as_bytes(std::span(a.bytes)), "", {}}));
    set(f, sys::text_field("btf", std::to_string(a.bytes.size()) + " bytes"));
    return {bpf_call(sys::Cmd::BtfLoad, std::move(f))};
}

// The kernel has no "BTF fd by name": the loader walks every BTF object.
std::vector<CallView> open_module_btf_calls(const OpenModuleBtf& a) {
    const std::string loop = sys::cmd_name(sys::Cmd::BtfGetNextId) + " / " + sys::cmd_name(sys::Cmd::BtfGetFdById) +
                             " / " + sys::cmd_name(sys::Cmd::ObjGetInfoByFd);
    return {{loop, {sys::string_field("name", a.module)}, CallView::Form::Until, "", ""}};
}

std::vector<CallView> create_map_calls(const CreateMap& a) {
    std::vector<CallView> calls;
    Fields f = sys::describe(sys::Cmd::MapCreate, sys::encode(a.request));
    if (a.btf.valid()) set(f, ref_field("btf_fd", a.btf));
    if (a.value_type_btf_obj.valid()) set(f, ref_field("value_type_btf_obj_fd", a.value_type_btf_obj));
    if (a.inner_template) {
        Fields in = sys::describe(sys::Cmd::MapCreate, sys::encode(*a.inner_template));
        if (a.inner_template->btf_key_type_id || a.inner_template->btf_value_type_id)
            set(in, ref_field("btf_fd", Ref{Ref::Kind::Btf, ""}));
        CallView inner = bpf_call(sys::Cmd::MapCreate, std::move(in));
        inner.result = "inner template (closed after)";
        inner.result_lead = "  -> ";
        calls.push_back(std::move(inner));
        set(f, sys::text_field("inner_map_fd", "(the inner template)"));
    }
    calls.push_back(bpf_call(sys::Cmd::MapCreate, std::move(f)));
    return calls;
}

std::vector<CallView> update_map_calls(const UpdateMap& a) {
    Fields f{ref_field("map_fd", a.map), sys::text_field("key", hex(a.key)),
             a.map_value.valid() ? ref_field("value", a.map_value) : sys::text_field("value", hex(a.value)),
             sys::flags_field("flags", {"BPF_ANY"})};
    return {bpf_call(sys::Cmd::MapUpdateElem, std::move(f))};
}

std::vector<CallView> map_arena_calls(const MapArena& a) {
    std::vector<std::string> flags{"MAP_SHARED"};
    if (a.address) flags.push_back("MAP_FIXED");
    Fields args{a.address ? sys::u64_field("addr", a.address) : sys::text_field("addr", "NULL"),
                sys::u64_field("length", a.size),
                sys::flags_field("prot", {"PROT_READ", "PROT_WRITE"}),
                sys::flags_field("flags", std::move(flags)),
                ref_field("fd", a.map),
                sys::number_field("offset", 0)};
    return {{"mmap", std::move(args), CallView::Form::Args, std::to_string(a.data.size()) + " bytes copied to its start",
             "; then "}};
}

std::vector<CallView> load_program_calls(const LoadProgram& a) {
    sys::ProgLoadRequest req;
    req.prog_type = a.prog_type;
    req.expected_attach_type = a.expected_attach_type;
    req.insns = a.insns;
    req.license = a.license;
    req.name = a.name;
    req.prog_flags = a.prog_flags;
    req.attach_btf_id = a.attach_btf_id;
    req.kern_version = a.kern_version;
    Fields f = sys::describe(sys::Cmd::ProgLoad, sys::encode(req));
    set(f, sys::text_field("insns", std::to_string(a.insns.size()) + " insns"));
    set(f, sys::string_field("license", a.license));
    set(f, ref_field("prog_btf_fd", a.btf));
    if (a.func_info_count) set(f, sys::text_field("func_info", std::to_string(a.func_info_count) + " records"));
    if (a.line_info_count) set(f, sys::text_field("line_info", std::to_string(a.line_info_count) + " records"));
    if (a.attach_btf_obj.valid()) set(f, ref_field("attach_btf_obj_fd", a.attach_btf_obj));
    if (!a.fd_array.empty()) {
        std::vector<std::string> fds;
        for (const Ref& r : a.fd_array) fds.push_back(r.valid() ? r.str() : std::string("0"));
        set(f, sys::list_field("fd_array", std::move(fds)));
    }
    return {bpf_call(sys::Cmd::ProgLoad, std::move(f))};
}

std::vector<CallView> attach_program_calls(const AttachProgram& a) {
    std::vector<CallView> calls;
    sys::LinkCreateRequest req;
    req.attach_type = a.attach_type;
    Fields f = sys::describe(sys::Cmd::LinkCreate, sys::encode(req));
    set(f, ref_field("link_create.prog_fd", a.prog));
    if (a.how == AttachProgram::How::Kprobe) {
        const Ref perf{Ref::Kind::PerfEvent, a.prog.name};
        set(f, ref_field("link_create.target_fd", perf));
        Fields event{sys::text_field("type", a.retprobe ? "kprobe PMU (retprobe)" : "kprobe PMU"),
                     sys::string_field("kprobe_func", a.function), sys::number_field("pid", -1),
                     sys::number_field("cpu", 0)};
        calls.push_back({"perf_event_open", std::move(event), CallView::Form::Attrs, perf.str(), " -> "});
    }
    calls.push_back(bpf_call(sys::Cmd::LinkCreate, std::move(f)));
    return calls;
}

std::string call_text(const CallView& c) {
    std::string s = c.command;
    switch (c.form) {
        case CallView::Form::Attrs: s += " " + sys::format_fields(c.attrs); break;
        case CallView::Form::Until: s += " until " + sys::format_fields(c.attrs); break;
        case CallView::Form::Args: {
            s += "(";
            for (std::size_t i = 0; i < c.attrs.size(); ++i) s += (i ? ", " : "") + c.attrs[i].value;
            s += ")";
            break;
        }
    }
    return c.result.empty() ? s : s + c.result_lead + c.result;
}

// The calls, then what their ids and bytes mean (explain_step).
std::string describe_step(const Step& step) {
    std::ostringstream out;
    const auto calls = describe_calls(step);
    for (std::size_t i = 0; i < calls.size(); ++i) out << (i ? "\n    " : "") << call_text(calls[i]);
    for (const std::string& line : explain_step(step)) out << "\n      " << line;
    return out.str();
}

}  // namespace

std::vector<CallView> describe_calls(const Step& step) {
    return std::visit(
        [](const auto& a) -> std::vector<CallView> {
            using A = std::decay_t<decltype(a)>;
            if constexpr (std::is_same_v<A, LoadBtf>) return load_btf_calls(a);
            else if constexpr (std::is_same_v<A, OpenModuleBtf>) return open_module_btf_calls(a);
            else if constexpr (std::is_same_v<A, CreateMap>) return create_map_calls(a);
            else if constexpr (std::is_same_v<A, UpdateMap>) return update_map_calls(a);
            else if constexpr (std::is_same_v<A, FreezeMap>) return {bpf_call(sys::Cmd::MapFreeze, {ref_field("map_fd", a.map)})};
            else if constexpr (std::is_same_v<A, MapArena>) return map_arena_calls(a);
            else if constexpr (std::is_same_v<A, LoadProgram>) return load_program_calls(a);
            else if constexpr (std::is_same_v<A, BindMap>)
                return {bpf_call(sys::Cmd::ProgBindMap,
                                 {ref_field("prog_bind_map.prog_fd", a.prog), ref_field("prog_bind_map.map_fd", a.map)})};
            else if constexpr (std::is_same_v<A, CreateLink>)
                return {bpf_call(sys::Cmd::LinkCreate, {ref_field("link_create.map_fd", a.map),
                                                        sys::name_field("attach_type", "BPF_STRUCT_OPS")})};
            else if constexpr (std::is_same_v<A, AttachProgram>) return attach_program_calls(a);
            else static_assert(sizeof(A) == 0, "every Action has its calls");
        },
        step.action);
}

std::vector<std::string> explain_step(const Step& step) {
    std::vector<std::string> out;
    if (const auto* a = std::get_if<UpdateMap>(&step.action)) {
        for (const auto& s : a->prog_slots)
            out.push_back("value+" + std::to_string(s.offset) + " (" + s.member + ") = " + s.prog.str());
        for (const auto& f : a->fields) out.push_back("value+" + std::to_string(f.offset) + " (" + f.name + ") = " + f.text);
    } else if (const auto* a = std::get_if<CreateMap>(&step.action)) {
        for (const auto& [field, type] : a->btf_ids) out.push_back(field + ": " + type);
    } else if (const auto* a = std::get_if<LoadProgram>(&step.action)) {
        if (!a->attach_btf_type.empty()) out.push_back("attach_btf_id: " + a->attach_btf_type);
        for (const auto& m : a->map_fds) out.push_back("insn " + std::to_string(m.insn) + ": ld_imm64 imm = " + m.map.str());
        for (const auto& b : a->btf_obj_fds)
            out.push_back("insn " + std::to_string(b.insn) + ": ld_imm64 (BPF_PSEUDO_BTF_ID) second imm = " + b.module.str());
        for (const auto& c : a->core) out.push_back("CO-RE " + c);
    }
    return out;
}

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
