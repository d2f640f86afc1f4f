#include "loader/sys/memlock.h"

#include <sys/resource.h>
#include <sys/utsname.h>

#include <cerrno>
#include <charconv>
#include <mutex>

namespace rawops::sys {
namespace {

MemlockState state;
std::once_flag once;

// Decided from the release, not probed as libbpf does (it loads a socket
// filter calling bpf_ktime_get_coarse_ns, a helper of the same 5.11, and
// counts memcg accounting as present when that loads). A probe would be one
// bpf() call outside the plan, which lists every call a load makes. The
// version can only err one way: a pre-5.11 distribution kernel with memcg
// accounting backported (RHEL 8's 4.18) gets its limit raised for nothing,
// as libbpf before 0.7 did for every kernel; no kernel from 5.11 on charges
// RLIMIT_MEMLOCK (mainline removed that charge in the same release).
void decide_and_raise(std::string_view release) {
    state = MemlockState{};
    state.checked = true;
    state.release = std::string(release);
    state.needed = kernel_charges_memlock(release);
    if (!state.needed) return;
    // Soft and hard limit, as libbpf sets them (libbpf_set_memlock_rlim's default).
    const rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    if (::setrlimit(RLIMIT_MEMLOCK, &unlimited) == 0) {
        state.unlimited = true;
        return;
    }
    state.err = errno;
    // Without CAP_SYS_RESOURCE the hard limit is as far as it goes.
    rlimit now{};
    if (::getrlimit(RLIMIT_MEMLOCK, &now) != 0) return;
    if (now.rlim_cur < now.rlim_max) {
        const rlimit to_hard{now.rlim_max, now.rlim_max};
        if (::setrlimit(RLIMIT_MEMLOCK, &to_hard) == 0) now = to_hard;
    }
    state.unlimited = now.rlim_cur == RLIM_INFINITY;
    state.limit = now.rlim_cur;
}

}  // namespace

bool kernel_charges_memlock(std::string_view release) {
    unsigned major = 0, minor = 0;
    const char* p = release.data();
    const char* end = release.data() + release.size();
    auto r = std::from_chars(p, end, major);
    if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '.') return true;
    r = std::from_chars(r.ptr + 1, end, minor);
    if (r.ec != std::errc{}) return true;
    return major < 5 || (major == 5 && minor < 11);
}

std::string memlock_text(std::uint64_t bytes) {
    if (bytes == RLIM_INFINITY) return "unlimited";
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
    if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
    return std::to_string(bytes) + " bytes";
}

void ensure_memlock() {
    std::call_once(once, [] {
        utsname u{};
        decide_and_raise(::uname(&u) == 0 ? u.release : "");
    });
}

const MemlockState& memlock_state() { return state; }

const MemlockState& ensure_memlock_for_testing(std::string_view release) {
    std::call_once(once, [] {});  // the real one will not run after this
    decide_and_raise(release);
    return state;
}

}  // namespace rawops::sys
