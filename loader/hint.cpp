#include "loader/hint.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "loader/sys/describe.h"
#include "loader/sys/memlock.h"

namespace rawops {
namespace {

// This process's effective capabilities (CapEff in /proc/self/status), or
// "unknown" where /proc is missing (an initramfs).
std::string effective_caps() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return "unknown (no /proc)";
    char line[256];
    std::string caps = "unknown";
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "CapEff:", 7) == 0) {
            caps = line + 7;
            caps.erase(0, caps.find_first_not_of(" \t"));
            caps.erase(caps.find_last_not_of(" \t\n") + 1);
        }
    std::fclose(f);
    return caps;
}

// On a kernel that charges BPF memory to RLIMIT_MEMLOCK (before 5.11) the
// loader raised the limit to unlimited (loader/sys/memlock.h); if it could
// not, an EPERM may be the limit rather than the privileges.
std::string memlock_note() {
    const sys::MemlockState& m = sys::memlock_state();
    if (!m.checked || !m.needed || m.unlimited) return "";
    return " This kernel (" + m.release + ") also charges BPF memory to RLIMIT_MEMLOCK, which stays at " +
           sys::memlock_text(m.limit) + ": raising it to unlimited failed (" + sys::errno_name(m.err) +
           "; that needs CAP_SYS_RESOURCE). Run `ulimit -l unlimited` as root before rawops, or give its service "
           "LimitMEMLOCK=infinity";
}

}  // namespace

std::string hint(const Error& error) {
    const std::string& m = error.message();
    if (error.err_no() == EPERM && m.find("BPF_") != std::string::npos)
        // struct_ops programs count among the perfmon program types (they
        // read kernel structs): CAP_BPF alone is refused at the first program
        // load (measured on 6.18, docs/embedding.md).
        return "bpf() needs root, or CAP_BPF with CAP_PERFMON (struct_ops, tracing and kprobe programs), and "
               "CAP_NET_ADMIN for network types such as Qdisc_ops; this process has CapEff=" + effective_caps() + "." +
               memlock_note();
    if (error.err_no() == EROFS)
        return "the bpffs is mounted read-only: remount it read-write (mount -o remount,rw /sys/fs/bpf) or pin elsewhere";
    if (m.find("/sys/kernel/btf/vmlinux") != std::string::npos && m.find("cannot open") != std::string::npos)
        return "this kernel exposes no BTF (it needs CONFIG_DEBUG_INFO_BTF=y) or /sys is not mounted "
               "(mount -t sysfs sysfs /sys); `rawops plan --btf-dir DIR` plans against another kernel's BTF";
    if (m.find("the kernel has no struct_ops type") != std::string::npos)
        return "a type defined by a kernel module needs that module loaded first (modprobe or insmod): its BTF then "
               "appears as /sys/kernel/btf/<module>";
    return "";
}

}  // namespace rawops
