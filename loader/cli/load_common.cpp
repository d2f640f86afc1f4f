#include "loader/cli/load_common.h"

#include <sys/vfs.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

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

Result<std::string> prepare_pin_dir(const std::string& dir) {
    constexpr long kBpffsMagic = 0xcafe4a11;  // BPF_FS_MAGIC
    std::filesystem::path p = std::filesystem::absolute(dir).lexically_normal();
    std::filesystem::path existing = p;
    std::error_code ec;
    while (!existing.empty() && !std::filesystem::exists(existing, ec) && existing != existing.root_path())
        existing = existing.parent_path();
    struct statfs fs {};
    if (::statfs(existing.c_str(), &fs) != 0)
        return Error("--pin " + dir + ": cannot stat " + existing.string() + ": " + std::strerror(errno), errno);
    if (fs.f_type != kBpffsMagic)
        return Error("--pin " + dir + ": " + existing.string() +
                     " is not on a bpffs (mount one first: mount -t bpf bpf /sys/fs/bpf)");
    std::string created;
    if (existing != p) {
        if (!std::filesystem::create_directories(p, ec))
            return Error("--pin " + dir + ": cannot create it: " + ec.message(), ec.value());
        // The first folder below `existing` on the way to `p`.
        std::filesystem::path top = p;
        while (top.parent_path() != existing) top = top.parent_path();
        created = top.string();
    }
    // One load a folder: `rawops unload DIR` removes everything in it, so a
    // second load pinned beside another one would go with it.
    if (existing == p) {
        if (!std::filesystem::is_directory(p, ec))
            return Error("--pin " + dir + ": it exists and is not a folder (a pinned object?): choose a new folder", EEXIST);
        std::string held;
        int n = 0;
        for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
            const std::string name = e.path().filename().string();
            // A bpffs root holds the kernel's own iterators.
            if (name == "maps.debug" || name == "progs.debug") continue;
            if (n++ < 4) held += (held.empty() ? "" : ", ") + name;
        }
        if (n > 0)
            return Error("--pin " + dir + ": the folder already holds the pins of another load (" + held +
                             (n > 4 ? ", ..." : "") + "): unload that first (rawops unload " + dir +
                             ") or choose a new folder",
                         EEXIST);
    }
    return created;
}

void enable_trace() {
    sys::set_observer([](const sys::CallRecord& r) { std::fprintf(stderr, "bpf: %s\n", sys::format_call(r).c_str()); });
}

void trace_steps(plan::ExecOptions& exec) {
    exec.before_step = [](std::size_t index, const plan::Step& step) {
        std::fprintf(stderr, "step #%zu: %s\n", index + 1, step.summary.c_str());
        for (const std::string& line : plan::explain_step(step)) std::fprintf(stderr, "      %s\n", line.c_str());
    };
}

}  // namespace rawops::cli
