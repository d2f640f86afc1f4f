// Shared steps of the end-to-end loader tests: open + plan + execute an
// object from the build, and read a global-data map back.
#pragma once

#include <cstring>
#include <string>
#include <vector>

#include "loader/object.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/map.h"
#include "tests/common/paths.h"

namespace rawops::testing {

// Keeps what a load needs alive together (the Object outlives the plan).
struct LoadedObject {
    Object object;
    struct_ops::KernelBtf kernel;
    plan::Plan plan;
    plan::Loaded loaded;
};

inline Result<LoadedObject> load_object(const std::string& name, const plan::ExecOptions& options = {},
                                        const plan::BuildOptions& build = {}) {
    auto obj = Object::open(bpf_object(name));
    if (!obj) return std::move(obj).error();
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) return std::move(kernel).error();
    auto p = plan::build(*obj, *kernel, build);
    if (!p) return std::move(p).error();
    auto loaded = plan::execute(*p, options);
    if (!loaded) return std::move(loaded).error();
    return LoadedObject{std::move(obj).value(), std::move(kernel).value(), std::move(p).value(),
                        std::move(loaded).value()};
}

// The single value of a global-data map, as a T.
template <typename T>
Result<T> read_global(const plan::Loaded& loaded, const std::string& map) {
    T value{};
    const std::uint32_t key = 0;
    auto s = sys::map_lookup_elem(loaded.map_fd(map), sys::bytes_of(key), sys::writable_bytes_of(value));
    if (!s) return std::move(s).error();
    return value;
}

// Opens and plans without loading (for refusals that happen before any bpf() call).
inline Result<plan::Plan> plan_object(const std::string& path, const plan::BuildOptions& build = {}) {
    auto obj = Object::open(path);
    if (!obj) return std::move(obj).error();
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) return std::move(kernel).error();
    return plan::build(*obj, *kernel, build);
}

// The kernel map name of a global data section (libbpf-style, maybe cut to 15 characters).
inline std::string data_map(const LoadedObject& l, const std::string& section) {
    for (const auto& g : l.object.global_data())
        if (g.section == section) return g.map_name;
    return "(no " + section + ")";
}

}  // namespace rawops::testing
