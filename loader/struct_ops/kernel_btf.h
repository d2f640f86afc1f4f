// The running kernel's type information as the loader needs it: vmlinux BTF
// plus the split BTF of every module under /sys/kernel/btf, each module
// parsed only when a lookup first needs it (most loads never touch one).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "btf/btf.h"

namespace rawops::struct_ops {

// Where a kernel type was found.
struct KernelTypeRef {
    const btf::Btf* btf = nullptr;  // vmlinux, or the module's split BTF
    std::string module;             // "" for vmlinux
    btf::TypeId id = 0;

    bool in_module() const { return !module.empty(); }
    // "vmlinux" or "module bpf_testmod", for messages.
    std::string origin() const { return module.empty() ? "vmlinux" : "module " + module; }
};

class KernelBtf {
public:
    // Reads <dir>/vmlinux now and lists the modules; `dir` is a parameter so
    // tests can point it at recorded BTF files.
    static Result<KernelBtf> open(const std::string& dir = "/sys/kernel/btf");

    KernelBtf(KernelBtf&&) noexcept = default;
    KernelBtf& operator=(KernelBtf&&) noexcept = default;

    const btf::Btf& vmlinux() const { return *vmlinux_; }
    const std::string& dir() const { return dir_; }
    // Names of the module BTF files, sorted.
    const std::vector<std::string>& module_names() const { return modules_; }
    bool has_module(std::string_view name) const;

    // The module's split BTF, parsed on first use.
    Result<const btf::Btf*> module(const std::string& name);

    // A type named `name` of `kind`: vmlinux first, then each module's own
    // types in name order (libbpf's search order). With `only_module`, just
    // that module ("vmlinux" means vmlinux only).
    Result<KernelTypeRef> find(std::string_view name, btf::Kind kind,
                               const std::optional<std::string>& only_module = std::nullopt);

private:
    KernelBtf() = default;
    Result<KernelTypeRef> search(std::string_view name, btf::Kind kind, const std::optional<std::string>& only_module);
    std::string dir_;
    std::unique_ptr<btf::Btf> vmlinux_;  // heap: module BTFs keep a pointer to it
    std::vector<std::string> modules_;
    std::map<std::string, std::unique_ptr<btf::Btf>, std::less<>> opened_;
    // Answers of find() so far: an object with three variables of one
    // struct_ops type asks for its value type three times, each a search
    // of vmlinux's names.
    std::map<std::tuple<std::string, btf::Kind, std::optional<std::string>>, KernelTypeRef, std::less<>> found_;
};

}  // namespace rawops::struct_ops
