// perf_event_open(2) for kprobes: the one non-bpf() system call a load may
// make. libbpf attaches SEC("kprobe/...") programs this way: a kprobe event
// of the kprobe PMU, then BPF_LINK_CREATE(BPF_PERF_EVENT) on its fd.
#pragma once

#include <string>

#include "btf/error.h"
#include "loader/sys/fd.h"

namespace rawops::sys {

// A kprobe (or kretprobe) on kernel function `function`, for all processes
// on CPU 0's behalf as libbpf opens it (pid -1, cpu 0). The PMU type and the
// retprobe bit are read from /sys/bus/event_source/devices/kprobe.
Result<Fd> perf_event_open_kprobe(const std::string& function, bool retprobe);

}  // namespace rawops::sys
