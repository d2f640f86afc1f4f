#include "loader/struct_ops/kernel_btf.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

namespace rawops::struct_ops {

Result<KernelBtf> KernelBtf::open(const std::string& dir) {
    KernelBtf k;
    k.dir_ = dir;
    // Btf::open_kernel trusts only files that are really the running kernel's
    // (/sys/kernel/btf on sysfs); a --btf-dir copy gets full validation.
    auto vmlinux = btf::Btf::open_kernel(dir + "/vmlinux");
    if (!vmlinux) return std::move(vmlinux).error().context("reading kernel BTF");
    k.vmlinux_ = std::make_unique<btf::Btf>(std::move(vmlinux).value());

    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name != "vmlinux") k.modules_.push_back(std::move(name));
    }
    if (ec) return Error("listing kernel BTF in " + dir + ": " + ec.message(), ec.value());
    std::sort(k.modules_.begin(), k.modules_.end());
    return k;
}

bool KernelBtf::has_module(std::string_view name) const {
    return std::binary_search(modules_.begin(), modules_.end(), name);
}

Result<const btf::Btf*> KernelBtf::module(const std::string& name) {
    if (auto it = opened_.find(name); it != opened_.end()) return it->second.get();
    if (!has_module(name)) return Error("no module BTF '" + name + "' in " + dir_ + " (is the module loaded?)");
    auto parsed = btf::Btf::open_kernel(dir_ + "/" + name, vmlinux_.get());
    if (!parsed) return std::move(parsed).error().context("reading BTF of module " + name);
    auto* raw = opened_.emplace(name, std::make_unique<btf::Btf>(std::move(parsed).value())).first->second.get();
    return raw;
}

Result<KernelTypeRef> KernelBtf::find(std::string_view name, btf::Kind kind,
                                      const std::optional<std::string>& only_module) {
    auto key = std::make_tuple(std::string(name), kind, only_module);
    if (auto it = found_.find(key); it != found_.end()) return it->second;
    auto r = search(name, kind, only_module);
    if (r) found_.emplace(std::move(key), *r);
    return r;
}

Result<KernelTypeRef> KernelBtf::search(std::string_view name, btf::Kind kind,
                                        const std::optional<std::string>& only_module) {
    const bool vmlinux_allowed = !only_module || *only_module == "vmlinux";
    if (vmlinux_allowed) {
        if (auto id = vmlinux_->find(name, kind)) return KernelTypeRef{vmlinux_.get(), "", *id};
        if (only_module) return Error(std::string("no ") + btf::kind_name(kind) + " '" + std::string(name) + "' in vmlinux BTF");
    }
    for (const auto& m : modules_) {
        if (only_module && m != *only_module) continue;
        auto mod = module(m);
        if (!mod) return std::move(mod).error();
        // A split BTF's find() also answers from vmlinux; only the module's own ids count here.
        auto id = (*mod)->find(name, kind);
        if (id && *id >= (*mod)->first_own_id()) return KernelTypeRef{*mod, m, *id};
    }
    std::string where = only_module ? "module " + *only_module
                                    : "vmlinux or any of " + std::to_string(modules_.size()) + " module(s)";
    if (only_module && !has_module(*only_module)) where += " (no such module BTF in " + dir_ + ")";
    return Error(std::string("no ") + btf::kind_name(kind) + " '" + std::string(name) + "' in " + where);
}

}  // namespace rawops::struct_ops
