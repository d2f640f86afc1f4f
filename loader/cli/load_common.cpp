#include "loader/cli/load_common.h"

#include <cstdio>

#include "loader/sys/syscall.h"

namespace rawops::cli {

Result<Planned> open_and_plan(const std::string& path, const std::vector<std::string>& only_maps) {
    auto obj = Object::open(path);
    if (!obj) return std::move(obj).error();
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) return std::move(kernel).error();
    plan::BuildOptions options;
    options.only_maps = only_maps;
    auto p = plan::build(*obj, *kernel, options);
    if (!p) return std::move(p).error();
    return Planned{std::move(obj).value(), std::move(kernel).value(), std::move(p).value()};
}

void enable_trace() {
    sys::set_observer([](const sys::CallRecord& r) { std::fprintf(stderr, "bpf: %s\n", sys::format_call(r).c_str()); });
}

}  // namespace rawops::cli
