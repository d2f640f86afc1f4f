// The one door to the kernel: every bpf() call rawops makes goes through
// bpf_call(), which times it and reports it to an optional observer (the
// CLI's --trace, tests counting calls). The typed wrappers (map.h, prog.h,
// btf_obj.h, link.h, obj.h) are built on it; other code should use those.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "btf/error.h"
#include "loader/sys/abi.h"
#include "loader/sys/describe.h"
#include "loader/sys/fd.h"

namespace rawops::sys {

// One finished bpf() call as the observer sees it.
struct CallRecord {
    Cmd cmd;
    std::vector<AttrField> attrs;  // describe(cmd, attr) as sent
    long result = 0;               // >= 0: success (an fd for fd-returning commands)
    int err = 0;                   // errno when result < 0
    double micros = 0;             // wall time of the syscall alone
};

using Observer = std::function<void(const CallRecord&)>;

// Process-wide observer; an empty function turns reporting off (then no attr
// is decoded, so an unobserved call costs only the syscall). Not synchronised:
// set it before issuing calls from several threads.
void set_observer(Observer observer);

// Installs an observer for a scope and puts the previous one back after.
class ScopedObserver {
public:
    explicit ScopedObserver(Observer observer);
    ~ScopedObserver();
    ScopedObserver(const ScopedObserver&) = delete;
    ScopedObserver& operator=(const ScopedObserver&) = delete;

private:
    Observer previous_;
};

// "BPF_MAP_CREATE map_type=... -> fd 5 (12.3 us)" / "... -> EACCES: Permission denied (4.1 us)"
std::string format_call(const CallRecord& record);

// Calls made and wall time spent inside bpf() by this process so far, kept
// whether or not an observer is set (two vDSO clock reads per call, against
// tens of microseconds for the call): make bench compares rawops' own CPU
// with the kernel's share. Relaxed atomics: totals, not a sequence.
struct BpfTotals {
    std::uint64_t calls = 0;
    double micros = 0;
    // CPU time of the calling threads inside bpf(), taken only while
    // time_bpf_cpu is on: the wall time includes sleeping (sched_ext's
    // registration waits for its enable work), which is not CPU spent.
    double cpu_micros = 0;
};
BpfTotals bpf_totals();
// Also take the calling thread's CPU time around every bpf() call (two
// clock_gettime(CLOCK_THREAD_CPUTIME_ID) system calls a call, so off by
// default; make bench's rawops_load --bpf-time turns it on).
void time_bpf_cpu(bool on);

// bpf(cmd, attr, size). Returns the kernel's result, or -1 with errno set.
long bpf_call(Cmd cmd, void* attr, std::uint32_t size);

// Test-only fault injection (tests/host/fault_injection_test.cpp): from now
// on, the `nth` bpf() call (1-based) fails with `err` without reaching the
// kernel, as if the kernel had refused it, and so do up to `count - 1`
// calls right after it of the same command (the loader's retries of that
// call; the rollback's calls of other commands go through). The observer
// still sees them. nth = 0 disarms. Either way the call count restarts.
// The CLI never arms it.
void inject_fault_for_testing(std::uint64_t nth, int err, std::uint64_t count = 1);
// bpf() calls made since the last inject_fault_for_testing().
std::uint64_t calls_since_fault_armed();

// For commands that return a new fd. The fd is moved to 3 or above if it came
// back as 0-2 (possible when stdin/out/err are closed, as in a bare initramfs):
// fd 0 means "none" in many attr fields. `subject` names the object for the
// error ("of 'rawops_reno'").
Result<Fd> bpf_fd_call(Cmd cmd, void* attr, std::uint32_t size, const std::string& subject);

// The second half of bpf_fd_call, for callers that issue the call themselves
// (retry loops): `result`/`err` are what bpf_call returned and left in errno.
Result<Fd> take_fd(Cmd cmd, long result, int err, const std::string& subject);

// For commands that return 0 on success.
Status bpf_status_call(Cmd cmd, void* attr, std::uint32_t size, const std::string& subject);

// "BPF_PROG_LOAD of 'x' failed: Permission denied (EACCES)", errno attached.
Error call_error(Cmd cmd, const std::string& subject, int err);

template <typename Attr>
long bpf_call(Cmd cmd, Attr& attr) {
    return bpf_call(cmd, &attr, sizeof attr);
}

}  // namespace rawops::sys
