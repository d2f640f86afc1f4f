#include "loader/cli/load_common.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "loader/cli/json_out.h"
#include "loader/cli/plan_json.h"
#include "loader/sys/syscall.h"

namespace rawops::cli {

void add_object_options(CLI::App* cmd, ObjectArgs& args) {
    cmd->add_option("--map", args.maps,
                    "only this struct_ops variable (repeatable); also selects SEC(\"?.struct_ops\") ones, which "
                    "are not created by default");
    cmd->add_option("--set", args.sets,
                    "VAR=VALUE: a global variable (.rodata, .data, .bss, ...) before load, checked against its BTF "
                    "type; VAR.MEMBER=VALUE: a data member of struct_ops variable VAR (repeatable)");
    cmd->add_flag("--no-profile", args.no_profile,
                  "do not apply the struct_ops type's profile (sched_ext: __SCX_* constants, hotplug_seq, exit-info "
                  "sizes); load exactly as libbpf would");
    cmd->add_option("--resize", args.resizes,
                    "MAP=N: max_entries of a .maps map, or the element count of the last array of a global-data "
                    "section such as .data.cpus (repeatable)");
}

Result<Planned> open_and_plan(const std::string& path, const std::vector<std::string>& only_maps) {
    return open_and_plan(path, ObjectArgs{only_maps, {}, {}});
}

Result<Planned> open_and_plan(const std::string& path, const ObjectArgs& args) {
    plan::BuildOptions options;
    options.only_maps = args.maps;
    options.profiles = !args.no_profile;
    for (const std::string& s : args.sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) return Error("--set '" + s + "': expected VAR=VALUE or VAR.MEMBER=VALUE");
        options.edits.sets.push_back({s.substr(0, eq), s.substr(eq + 1)});
    }
    for (const std::string& r : args.resizes) {
        const auto eq = r.find('=');
        char* end = nullptr;
        const unsigned long n = eq == std::string::npos ? 0 : std::strtoul(r.c_str() + eq + 1, &end, 0);
        if (eq == std::string::npos || eq == 0 || !end || *end || n == 0 || n > 0xffffffffu)
            return Error("--resize '" + r + "': expected MAP=N with N a positive number");
        options.edits.resizes.push_back({r.substr(0, eq), static_cast<std::uint32_t>(n)});
    }
    auto obj = Object::open(path);
    if (!obj) return std::move(obj).error();
    auto kernel = struct_ops::KernelBtf::open(args.btf_dir);
    if (!kernel) return std::move(kernel).error();
    auto p = plan::build(*obj, *kernel, options);
    if (!p) return std::move(p).error();
    return Planned{std::move(obj).value(), std::move(kernel).value(), std::move(p).value()};
}

void add_trace_options(CLI::App* cmd, TraceOptions& trace) {
    cmd->add_flag("--trace", trace.text, "print every bpf() call, decoded, with result and time (and each step before its calls)");
    cmd->add_flag("--trace-json", trace.json,
                  "the same as JSON Lines on stderr, one object per step and per call (docs/schema/trace.schema.json)");
}

namespace {

// What each fd the load created is ("$map:x", "$prog:y"), for the trace of
// later calls that pass it; filled through ExecOptions::created_fd.
std::map<long, std::string>& fd_refs() {
    static std::map<long, std::string> refs;
    return refs;
}

// An attr field that holds an fd of this load: "map_fd", "prog_btf_fd", ...
const std::string* ref_of(const sys::AttrField& f) {
    const bool is_fd = f.name.size() >= 2 && f.name.compare(f.name.size() - 2, 2, "fd") == 0 &&
                       f.kind == sys::AttrKind::Number;
    if (!is_fd) return nullptr;
    auto it = fd_refs().find(std::strtol(f.value.c_str(), nullptr, 10));
    return it == fd_refs().end() ? nullptr : &it->second;
}

// One JSON object per line: a consumer reads the trace as it comes.
void print_json_line(const Json& j) {
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

void enable_trace(const TraceOptions& trace) {
    if (trace.json) {
        sys::set_observer([](const sys::CallRecord& r) {
            Json j{{"event", "call"}, {"command", sys::cmd_name(r.cmd)}, {"attrs", attrs_json(r.attrs)}};
            Json refs = Json::object();
            for (const auto& f : r.attrs)
                if (const std::string* ref = ref_of(f)) refs[f.name] = *ref;
            j["fd_refs"] = refs;
            j["result"] = r.result;
            j["errno"] = r.err ? Json(sys::errno_name(r.err)) : Json(nullptr);
            j["micros"] = r.micros;
            print_json_line(j);
        });
    } else if (trace.text) {
        sys::set_observer([](const sys::CallRecord& r) {
            sys::CallRecord named = r;
            for (auto& f : named.attrs)
                if (const std::string* ref = ref_of(f)) f = sys::text_field(f.name, f.value + "<" + *ref + ">");
            std::fprintf(stderr, "bpf: %s\n", sys::format_call(named).c_str());
        });
    }
}

void trace_steps(plan::ExecOptions& exec, const TraceOptions& trace) {
    if (trace.on()) exec.created_fd = [](const plan::Ref& ref, int fd) { fd_refs()[fd] = ref.str(); };
    if (trace.json) {
        exec.before_step = [](std::size_t index, const plan::Step& step) {
            print_json_line(Json{{"event", "step"}, {"index", index + 1}, {"summary", step.summary},
                                 {"explain", plan::explain_step(step)}});
        };
    } else if (trace.text) {
        exec.before_step = [](std::size_t index, const plan::Step& step) {
            std::fprintf(stderr, "step #%zu: %s\n", index + 1, step.summary.c_str());
            for (const std::string& line : plan::explain_step(step)) std::fprintf(stderr, "      %s\n", line.c_str());
        };
    }
}

}  // namespace rawops::cli
