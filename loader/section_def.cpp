#include "loader/section_def.h"

#include <array>

#include "loader/sys/abi.h"

namespace rawops {

namespace {

struct Entry {
    std::string_view prefix;  // libbpf's "name+" form: "name" alone or "name/..."
    bool plus;                // false: the name must be exactly `prefix`
    ProgramKind kind;
    std::uint32_t prog_type;
    std::uint32_t attach_type;
    bool sleepable;
    bool retprobe;
};

// The rows of libbpf's section_defs[] rawops handles, in libbpf's order.
constexpr std::array kEntries{
    Entry{"kprobe", true, ProgramKind::Kprobe, sys::kProgTypeKprobe, 0, false, false},
    Entry{"kretprobe", true, ProgramKind::Kprobe, sys::kProgTypeKprobe, 0, false, true},
    Entry{"tp_btf", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceRawTp, false, false},
    Entry{"fentry", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFentry, false, false},
    Entry{"fmod_ret", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachModifyReturn, false, false},
    Entry{"fexit", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFexit, false, false},
    Entry{"fentry.s", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFentry, true, false},
    Entry{"fmod_ret.s", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachModifyReturn, true, false},
    Entry{"fexit.s", true, ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFexit, true, false},
    Entry{"syscall", false, ProgramKind::Syscall, sys::kProgTypeSyscall, 0, true, false},
    Entry{"struct_ops", true, ProgramKind::StructOps, sys::kProgTypeStructOps, 0, false, false},
    Entry{"struct_ops.s", true, ProgramKind::StructOps, sys::kProgTypeStructOps, 0, true, false},
};

// Other families of libbpf's table, named in refusals.
constexpr std::array<std::string_view, 44> kKnownElsewhere{
    "socket", "sk_reuseport", "uprobe", "uprobe.s", "uretprobe", "uretprobe.s", "kprobe.multi",
    "kretprobe.multi", "uprobe.multi", "uretprobe.multi", "ksyscall", "kretsyscall", "usdt", "tc", "tcx",
    "classifier", "action", "netkit", "tracepoint", "tp", "raw_tracepoint", "raw_tp", "raw_tracepoint.w",
    "raw_tp.w", "freplace", "lsm", "lsm.s", "lsm_cgroup", "iter", "iter.s", "xdp", "xdp.frags", "perf_event",
    "lwt_in", "lwt_out", "lwt_xmit", "lwt_seg6local", "sockops", "sk_skb", "sk_msg", "lirc_mode2",
    "flow_dissector", "cgroup_skb", "cgroup",
};

bool matches(std::string_view name, std::string_view prefix, bool plus) {
    if (name == prefix) return true;
    return plus && name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix &&
           name[prefix.size()] == '/';
}

}  // namespace

std::optional<SectionDef> section_def(std::string_view name) {
    for (const Entry& e : kEntries) {
        if (!matches(name, e.prefix, e.plus)) continue;
        SectionDef d;
        d.kind = e.kind;
        d.prog_type = e.prog_type;
        d.expected_attach_type = e.attach_type;
        d.sleepable = e.sleepable;
        d.retprobe = e.retprobe;
        if (name.size() > e.prefix.size()) d.attach_target = std::string(name.substr(e.prefix.size() + 1));
        return d;
    }
    return std::nullopt;
}

std::string describe_unsupported_section(std::string_view name) {
    const std::string_view family = name.substr(0, name.find('/'));
    for (std::string_view k : kKnownElsewhere)
        if (family == k) return "libbpf's section family '" + std::string(k) + "', which rawops does not load";
    return "a section name libbpf has no program type for";
}

}  // namespace rawops
