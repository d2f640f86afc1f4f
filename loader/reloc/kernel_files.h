// What extern resolution reads about the running kernel from files, never
// through bpf(): its Kconfig, /proc/kallsyms and its version. Each reader
// takes its paths from KernelFiles so tests can point them at fixtures.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "btf/error.h"

namespace rawops::reloc {

struct KernelFiles {
    // Kconfig files tried in order (gzip or plain text). Empty: libbpf's
    // order, /boot/config-$(uname -r), then /proc/config.gz.
    std::vector<std::string> kconfig_paths;
    // Kconfig text given by the user instead of the files (libbpf's
    // `kconfig` open option); lines it sets win over the files.
    std::optional<std::string> kconfig_text;
    std::string kallsyms_path = "/proc/kallsyms";
    std::string version_signature_path = "/proc/version_signature";  // Ubuntu
    std::string kprobe_pmu_type_path = "/sys/bus/event_source/devices/kprobe/type";
};

// The Kconfig text and the file it came from.
struct KconfigText {
    std::string text;
    std::string source;
};
Result<KconfigText> read_kconfig(const KernelFiles& files);

// Calls `symbol(address, name)` for every line of kallsyms ("addr type name
// [module]"); stops early when it returns false.
Status read_kallsyms(const KernelFiles& files,
                     const std::function<bool(std::uint64_t, std::string_view)>& symbol);

// libbpf's get_kernel_version(): Ubuntu's /proc/version_signature, else
// Debian's "Debian x.y.z" in uname's version, else uname's release, as
// KERNEL_VERSION(x, y, min(z, 255)). 0 if none parses.
std::uint32_t kernel_version(const KernelFiles& files);

// Whether the kernel offers the kprobe PMU (perf_event_open of kprobes).
bool has_kprobe_pmu(const KernelFiles& files);

}  // namespace rawops::reloc
