#include "loader/reloc/kernel_files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include <sys/utsname.h>

#include "loader/reloc/gzip.h"

namespace rawops::reloc {

namespace {

std::optional<std::string> slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) return std::nullopt;
    return std::move(ss).str();
}

std::uint32_t version_code(unsigned major, unsigned minor, unsigned patch) {
    return (major << 16) + (minor << 8) + (patch > 255 ? 255 : patch);
}

}  // namespace

Result<KconfigText> read_kconfig(const KernelFiles& files) {
    std::vector<std::string> paths = files.kconfig_paths;
    if (paths.empty()) {
        struct utsname uts {};
        ::uname(&uts);
        paths = {std::string("/boot/config-") + uts.release, "/proc/config.gz"};
    }
    for (const std::string& path : paths) {
        auto bytes = slurp(path);
        if (!bytes) continue;
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes->data());
        const std::span<const std::uint8_t> raw(data, bytes->size());
        if (!gzip::is_gzip(raw)) return KconfigText{std::move(*bytes), path};
        auto text = gzip::gunzip(raw, path);
        if (!text) return std::move(text).error();
        return KconfigText{std::string(text->begin(), text->end()), path};
    }
    std::string tried;
    for (const auto& p : paths) tried += (tried.empty() ? "" : ", ") + p;
    return Error("cannot read the kernel's Kconfig (tried " + tried +
                 "); .kconfig externs need one of them (e.g. CONFIG_IKCONFIG_PROC=y)");
}

Status read_kallsyms(const KernelFiles& files, const std::function<bool(std::uint64_t, std::string_view)>& symbol) {
    std::FILE* f = std::fopen(files.kallsyms_path.c_str(), "re");
    if (!f)
        return Error(files.kallsyms_path + ": cannot open (" + std::strerror(errno) +
                     "); typeless __ksym externs take their address from it");
    char line[512];
    Status status;
    while (std::fgets(line, sizeof line, f)) {
        unsigned long long addr = 0;
        char type = 0;
        char name[500];
        if (std::sscanf(line, "%llx %c %499s", &addr, &type, name) != 3) {
            status = Error(files.kallsyms_path + ": cannot parse the line '" + std::string(line) + "'");
            break;
        }
        if (!symbol(addr, name)) break;
    }
    std::fclose(f);
    return status;
}

std::uint32_t kernel_version(const KernelFiles& files) {
    if (auto sig = slurp(files.version_signature_path)) {
        unsigned major = 0, minor = 0, patch = 0;
        if (std::sscanf(sig->c_str(), "%*s %*s %u.%u.%u", &major, &minor, &patch) == 3)
            return version_code(major, minor, patch);
    }
    struct utsname uts {};
    ::uname(&uts);
    if (const char* p = std::strstr(uts.version, "Debian ")) {
        unsigned major = 0, minor = 0, patch = 0;
        if (std::sscanf(p, "Debian %u.%u.%u", &major, &minor, &patch) == 3) return version_code(major, minor, patch);
    }
    unsigned major = 0, minor = 0, patch = 0;
    if (std::sscanf(uts.release, "%u.%u.%u", &major, &minor, &patch) != 3) return 0;
    return version_code(major, minor, patch);
}

bool has_kprobe_pmu(const KernelFiles& files) { return slurp(files.kprobe_pmu_type_path).has_value(); }

}  // namespace rawops::reloc
