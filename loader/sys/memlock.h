// RLIMIT_MEMLOCK on kernels before 5.11, which charge every BPF map,
// program and BTF object to it (the default limit, 64 KiB on many of them,
// refuses a load with EPERM). From 5.11 the memory cgroup is charged
// instead and the limit means nothing to bpf(). Like libbpf
// (bump_rlimit_memlock in tools/lib/bpf/bpf.c), rawops raises the limit to
// unlimited before the first object it creates, and only on those kernels:
// a newer kernel's process keeps its limit as it was. Where that is refused
// (raising the hard limit needs CAP_SYS_RESOURCE, which a container's root
// often lacks) the soft limit is raised to the hard one, which libbpf does
// not try.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rawops::sys {

// True when a kernel of this release (uname -r: "5.10.0-28-amd64") charges
// BPF memory to RLIMIT_MEMLOCK: before 5.11. A release that cannot be read
// counts as old (raising the limit is harmless, a refused load is not).
bool kernel_charges_memlock(std::string_view release);

struct MemlockState {
    bool checked = false;    // the first creating call came
    std::string release;     // uname -r
    bool needed = false;     // kernel_charges_memlock(release)
    bool unlimited = false;  // raised to unlimited, soft and hard
    int err = 0;             // setrlimit's errno when it was not (EPERM without CAP_SYS_RESOURCE)
    std::uint64_t limit = 0; // the soft limit in bytes afterwards, when not unlimited
};

// "64 KiB", "8 MiB", "unlimited"
std::string memlock_text(std::uint64_t bytes);

// Once per process, before the first BPF_MAP_CREATE, BPF_PROG_LOAD or
// BPF_BTF_LOAD (bpf_call does it): the decision, and the raise if needed. A
// failed raise is not an error by itself (the current limit may be enough,
// libbpf goes on too); an EPERM that follows gets a hint naming the limit.
void ensure_memlock();
// What ensure_memlock() found (checked = false before it ran).
const MemlockState& memlock_state();

// Test-only: what ensure_memlock() does, for a kernel of this release,
// whether or not it ran already (it will not run again afterwards).
const MemlockState& ensure_memlock_for_testing(std::string_view release);

}  // namespace rawops::sys
