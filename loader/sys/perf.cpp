#include "loader/sys/perf.h"

#include <linux/perf_event.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace rawops::sys {

namespace {

constexpr const char* kPmuDir = "/sys/bus/event_source/devices/kprobe";

// "6\n" from .../type; "config:0\n" from .../format/retprobe.
Result<unsigned> read_pmu_number(const std::string& path, const char* prefix) {
    std::ifstream in(path);
    std::string text;
    if (!in || !std::getline(in, text))
        return Error(path + ": cannot read it; the kernel has no kprobe PMU (CONFIG_KPROBES, CONFIG_KPROBE_EVENTS)");
    unsigned v = 0;
    if (text.rfind(prefix, 0) != 0 || std::sscanf(text.c_str() + std::strlen(prefix), "%u", &v) != 1)
        return Error(path + ": unexpected contents '" + text + "'");
    return v;
}

}  // namespace

Result<Fd> perf_event_open_kprobe(const std::string& function, bool retprobe) {
    auto type = read_pmu_number(std::string(kPmuDir) + "/type", "");
    if (!type) return std::move(type).error();
    perf_event_attr attr{};
    attr.size = sizeof attr;
    attr.type = *type;
    if (retprobe) {
        auto bit = read_pmu_number(std::string(kPmuDir) + "/format/retprobe", "config:");
        if (!bit) return std::move(bit).error();
        attr.config |= std::uint64_t{1} << *bit;
    }
    attr.config1 = reinterpret_cast<std::uintptr_t>(function.c_str());  // kprobe_func
    attr.config2 = 0;                                                    // probe_offset
    const long fd = ::syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return Error(std::string("perf_event_open of a ") + (retprobe ? "kretprobe" : "kprobe") + " on '" + function +
                         "': " + std::strerror(err) + (err == ENOENT || err == EINVAL ? " (no such kernel function?)" : ""),
                     err);
    }
    return Fd(static_cast<int>(fd));
}

}  // namespace rawops::sys
