#include "loader/reloc/externs.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <sys/utsname.h>

#include "loader/reloc/core.h"

namespace rawops::reloc {

namespace {

constexpr std::uint32_t kLibbpfTristateYes = 1;     // enum libbpf_tristate: TRI_NO = 0, TRI_YES = 1,
constexpr std::uint32_t kLibbpfTristateModule = 2;  // TRI_MODULE = 2

bool has_prefix(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

class Resolver {
public:
    Resolver(const Object& obj, struct_ops::KernelBtf& kernel, const KernelFiles& files)
        : obj_(obj), kernel_(kernel), files_(files) {}

    Result<ResolvedExterns> run();

private:
    std::string what(const Extern& e) const {
        return obj_.path() + ": extern " + (e.kind == ExternKind::Kconfig ? "(kconfig) '" : "(ksym) '") + e.name + "'";
    }
    std::uint8_t* slot(const Extern& e) { return out_.kconfig.data() + e.offset; }

    Status set_tristate(std::size_t i, char value);
    Status set_string(std::size_t i, std::string_view value);
    Status set_number(std::size_t i, std::uint64_t value);
    Status kconfig_line(std::string_view line);
    Status virtual_kconfig(std::size_t i);
    Status kfunc(std::size_t i);
    Status typed_var(std::size_t i);
    Status typeless_vars();

    const Object& obj_;
    struct_ops::KernelBtf& kernel_;
    const KernelFiles& files_;
    ResolvedExterns out_;
};

// libbpf's set_kcfg_value_tri(): y, n, m into bool, tristate or char.
Status Resolver::set_tristate(std::size_t i, char value) {
    const Extern& e = obj_.externs()[i];
    switch (e.kconfig_type) {
        case KconfigType::Bool:
            if (value == 'm') return Error(what(e) + ": value 'm' implies tristate or char type");
            *slot(e) = value == 'y';
            break;
        case KconfigType::Tristate: {
            const std::uint32_t v = value == 'y' ? kLibbpfTristateYes : value == 'm' ? kLibbpfTristateModule : 0;
            std::memcpy(slot(e), &v, sizeof v);
            break;
        }
        case KconfigType::Char:
            *slot(e) = static_cast<std::uint8_t>(value);
            break;
        default:
            return Error(what(e) + ": value '" + std::string(1, value) + "' implies bool, tristate, or char type");
    }
    out_.values[i].set = true;
    out_.values[i].shown = std::string(1, value);
    return {};
}

// libbpf's set_kcfg_value_str(): "..." into char[N], cut to N-1 characters.
Status Resolver::set_string(std::size_t i, std::string_view value) {
    const Extern& e = obj_.externs()[i];
    if (e.kconfig_type != KconfigType::CharArray)
        return Error(what(e) + ": value '" + std::string(value) + "' implies char array type");
    if (value.size() < 2 || value.back() != '"') return Error(what(e) + ": invalid string config '" + std::string(value) + "'");
    std::size_t len = value.size() - 2;
    if (len >= e.size) len = e.size - 1;  // libbpf warns and truncates
    std::memcpy(slot(e), value.data() + 1, len);
    slot(e)[len] = 0;
    out_.values[i].set = true;
    out_.values[i].shown = std::string(value);
    return {};
}

// libbpf's set_kcfg_value_num(): into int, char or bool, if it fits.
Status Resolver::set_number(std::size_t i, std::uint64_t value) {
    const Extern& e = obj_.externs()[i];
    if (e.kconfig_type != KconfigType::Int && e.kconfig_type != KconfigType::Char && e.kconfig_type != KconfigType::Bool)
        return Error(what(e) + ": value '" + std::to_string(value) + "' implies integer, char, or boolean type");
    if (e.kconfig_type == KconfigType::Bool && value > 1)
        return Error(what(e) + ": value '" + std::to_string(value) + "' isn't boolean compatible");
    const unsigned bits = e.size * 8;
    const bool fits = e.size == 8 ? true
                      : e.kconfig_signed ? value + (std::uint64_t{1} << (bits - 1)) < (std::uint64_t{1} << bits)
                                         : (value >> bits) == 0;
    if (!fits) return Error(what(e) + ": value '" + std::to_string(value) + "' doesn't fit in " + std::to_string(e.size) + " bytes");
    if (e.size != 1 && e.size != 2 && e.size != 4 && e.size != 8)
        return Error(what(e) + ": a number cannot be stored in " + std::to_string(e.size) + " bytes");
    std::memcpy(slot(e), &value, e.size);  // little endian: the low bytes
    out_.values[i].set = true;
    out_.values[i].shown = std::to_string(e.kconfig_signed ? static_cast<std::int64_t>(value) : value);
    return {};
}

// libbpf's bpf_object__process_kconfig_line(). The first value for a name wins.
Status Resolver::kconfig_line(std::string_view line) {
    if (!has_prefix(line, "CONFIG_")) return {};
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) return Error("Kconfig line '" + std::string(line) + "' has no '='");
    const std::string_view name = line.substr(0, eq), value = line.substr(eq + 1);
    if (value.empty()) return Error("Kconfig line '" + std::string(line) + "' has no value");
    const auto& externs = obj_.externs();
    std::size_t i = 0;
    while (i < externs.size() && !(externs[i].kind == ExternKind::Kconfig && externs[i].name == name)) ++i;
    if (i == externs.size() || out_.values[i].set) return {};
    switch (value[0]) {
        case 'y':
        case 'n':
        case 'm':
            return set_tristate(i, value[0]);
        case '"':
            return set_string(i, value);
        default: {
            // strtoull with base 0, as libbpf: decimal, 0x hex, 0 octal; all of it.
            const std::string v(value);
            char* end = nullptr;
            errno = 0;
            const unsigned long long num = std::strtoull(v.c_str(), &end, 0);
            if (errno || *end) return Error(what(externs[i]) + ": value '" + v + "' isn't a valid integer");
            if (externs[i].kconfig_type != KconfigType::Int && externs[i].kconfig_type != KconfigType::Char)
                return Error(what(externs[i]) + ": value '" + v + "' implies integer type");
            return set_number(i, num);
        }
    }
}

// LINUX_* externs libbpf fills itself.
Status Resolver::virtual_kconfig(std::size_t i) {
    const Extern& e = obj_.externs()[i];
    std::uint64_t value = 0;
    if (e.name == "LINUX_KERNEL_VERSION") {
        value = kernel_version(files_);
        if (!value) return Error(what(e) + ": failed to get the kernel version");
    } else if (e.name == "LINUX_HAS_BPF_COOKIE") {
        // libbpf probes by loading a tracepoint program that calls
        // bpf_get_attach_cookie(); the helper id in the kernel's own enum
        // bpf_func_id says the same without a bpf() call (both came in 5.15).
        const btf::Btf& v = kernel_.vmlinux();
        if (auto id = v.find("bpf_func_id", btf::Kind::Enum))
            for (const btf::EnumValue& ev : v.type(*id).enum_values())
                if (ev.name == "BPF_FUNC_get_attach_cookie") value = 1;
    } else if (e.name == "LINUX_HAS_SYSCALL_WRAPPER") {
        // libbpf: can a kprobe be put on __<arch>_sys_bpf? Without the
        // kprobe PMU it answers 0, and so do we.
        struct utsname uts {};
        ::uname(&uts);
        const std::string_view m = uts.machine;
        const char* prefix = m == "x86_64" ? "x64" : m == "aarch64" ? "arm64" : m == "s390x" ? "s390x" : nullptr;
        if (prefix && has_kprobe_pmu(files_))
            value = kernel_.vmlinux().find(std::string("__") + prefix + "_sys_bpf", btf::Kind::Func).ok();
    } else if (!has_prefix(e.name, "LINUX_") || !e.weak) {
        return Error(what(e) + ": unrecognized virtual extern (only CONFIG_* and libbpf's LINUX_KERNEL_VERSION, "
                               "LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER are known)");
    } else {
        return {};  // an unknown __weak LINUX_* stays 0
    }
    return set_number(i, value);
}

Status Resolver::kfunc(std::size_t i) {
    const Extern& e = obj_.externs()[i];
    auto found = kernel_.find(e.essential_name, btf::Kind::Func);
    if (!found) {
        if (e.weak) return {};
        return Error(what(e) + ": the kernel has no kfunc '" + e.essential_name + "' in vmlinux or module BTF");
    }
    const btf::TypeId kernel_proto = found->btf->type(found->id).ref_type();
    auto compat = types_are_compat(obj_.btf(), e.type_id, *found->btf, kernel_proto);
    if (!compat) return std::move(compat).error().context(what(e));
    if (!*compat) {
        if (e.weak) {
            out_.values[i].shown = "prototype differs from " + found->origin() + "'s; weak, left unresolved";
            return {};
        }
        auto params = [](const btf::Btf& b, btf::TypeId proto) {
            const std::uint32_t n = b.type(proto).vlen();
            return std::to_string(n) + (n == 1 ? " parameter" : " parameters");
        };
        return Error(what(e) + ": its prototype (" + params(obj_.btf(), e.type_id) + ") is incompatible with " +
                     found->origin() + "'s " + e.essential_name + " [" + std::to_string(found->id) + "] (" +
                     params(*found->btf, kernel_proto) + ", checked as libbpf's bpf_core_types_are_compat does)");
    }
    ExternValue& v = out_.values[i];
    v.set = true;
    v.module = found->module;
    v.btf_id = found->id;
    v.shown = found->origin() + " [" + std::to_string(found->id) + "]";
    return {};
}

Status Resolver::typed_var(std::size_t i) {
    const Extern& e = obj_.externs()[i];
    auto found = kernel_.find(e.name, btf::Kind::Var);
    if (!found) {
        if (e.weak) return {};
        return Error(what(e) + ": not found in kernel BTF (vmlinux or modules)");
    }
    auto target_type = found->btf->resolve(found->btf->type(found->id).ref_type());
    Result<bool> compat = false;
    if (target_type) compat = types_are_compat(obj_.btf(), e.type_id, *found->btf, *target_type);
    if (!compat) return std::move(compat).error().context(what(e));
    if (!target_type || !*compat)
        return Error(what(e) + ": incompatible types, expected " + obj_.btf().describe(e.type_id) +
                     ", but the kernel (" + found->origin() + ") has " +
                     (target_type ? found->btf->describe(*target_type) : std::string("an unresolvable type")));
    ExternValue& v = out_.values[i];
    v.set = true;
    v.module = found->module;
    v.btf_id = found->id;
    v.shown = found->origin() + " VAR [" + std::to_string(found->id) + "]";
    return {};
}

// libbpf's kallsyms_cb(): every typeless VAR extern takes the address of its
// name; two different addresses for one name are an error.
Status Resolver::typeless_vars() {
    const auto& externs = obj_.externs();
    Status problem;
    auto s = read_kallsyms(files_, [&](std::uint64_t addr, std::string_view name) {
        for (std::size_t i = 0; i < externs.size(); ++i) {
            const Extern& e = externs[i];
            if (e.kind != ExternKind::Ksym || e.function || e.type_id || e.name != name) continue;
            ExternValue& v = out_.values[i];
            if (v.set && v.address != addr) {
                char buf[80];
                std::snprintf(buf, sizeof buf, "0x%llx or 0x%llx", static_cast<unsigned long long>(v.address),
                              static_cast<unsigned long long>(addr));
                problem = Error(what(e) + ": resolution is ambiguous in " + files_.kallsyms_path + ": " + buf);
                return false;
            }
            v.set = true;
            v.address = addr;
            char buf[32];
            std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(addr));
            v.shown = std::string(buf) + " (kallsyms)";
        }
        return true;
    });
    if (!s) return s;
    return problem;
}

Result<ResolvedExterns> Resolver::run() {
    const auto& externs = obj_.externs();
    out_.values.resize(externs.size());
    out_.kconfig.assign(obj_.kconfig_size(), 0);
    bool need_config = false, need_kallsyms = false;
    for (std::size_t i = 0; i < externs.size(); ++i) {
        const Extern& e = externs[i];
        if (e.kind == ExternKind::Ksym) {
            if (!e.type_id) need_kallsyms = true;
            continue;
        }
        if (has_prefix(e.name, "CONFIG_")) {
            need_config = true;
            continue;
        }
        RAWOPS_TRY(virtual_kconfig(i));
    }
    auto feed = [&](const std::string& text, const std::string& source) -> Status {
        std::size_t at = 0;
        while (at < text.size()) {
            std::size_t end = text.find('\n', at);
            if (end == std::string::npos) end = text.size();
            auto s = kconfig_line(std::string_view(text).substr(at, end - at));
            if (!s) return std::move(s).error().context("while reading the Kconfig from " + source);
            at = end + 1;
        }
        return {};
    };
    if (need_config && files_.kconfig_text) {
        RAWOPS_TRY(feed(*files_.kconfig_text, "the given text"));
        out_.kconfig_source = "the given text";
        need_config = false;
        for (std::size_t i = 0; i < externs.size(); ++i)
            if (externs[i].kind == ExternKind::Kconfig && !out_.values[i].set) need_config = true;
    }
    if (need_config) {
        auto text = read_kconfig(files_);
        if (!text) return std::move(text).error().context(obj_.path());
        RAWOPS_TRY(feed(text->text, text->source));
        out_.kconfig_source = text->source;
    }
    if (need_kallsyms) RAWOPS_TRY(typeless_vars());
    for (std::size_t i = 0; i < externs.size(); ++i) {
        const Extern& e = externs[i];
        if (e.kind != ExternKind::Ksym || !e.type_id) continue;
        RAWOPS_TRY(e.function ? kfunc(i) : typed_var(i));
    }
    for (std::size_t i = 0; i < externs.size(); ++i) {
        const Extern& e = externs[i];
        ExternValue& v = out_.values[i];
        if (v.set) continue;
        if (!e.weak) {
            std::string why = e.kind == ExternKind::Kconfig
                                  ? "not in the kernel's Kconfig" + (out_.kconfig_source.empty() ? std::string() : " (" + out_.kconfig_source + ")")
                                  : "not found in /proc/kallsyms";
            return Error(what(e) + " (strong): not resolved: " + why + "; declare it __weak to default to 0");
        }
        if (v.shown.empty()) v.shown = "absent; weak, reads as 0";
    }
    return std::move(out_);
}

}  // namespace

Result<ResolvedExterns> resolve_externs(const Object& obj, struct_ops::KernelBtf& kernel, const KernelFiles& files) {
    return Resolver(obj, kernel, files).run();
}

}  // namespace rawops::reloc
