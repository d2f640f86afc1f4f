#include "loader/sys/syscall.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <span>

#include "loader/sys/memlock.h"

namespace rawops::sys {
namespace {

std::atomic<std::uint64_t> total_calls{0};
std::atomic<std::uint64_t> total_nanos{0};

std::atomic<std::uint64_t> total_cpu_nanos{0};
std::atomic<bool> cpu_timing{false};

std::uint64_t thread_cpu_nanos() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

void account(std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end) {
    total_calls.fetch_add(1, std::memory_order_relaxed);
    total_nanos.fetch_add(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count()),
                          std::memory_order_relaxed);
}

// Fault injection (test-only): which call fails, how, and the count so far.
std::uint64_t fault_nth = 0, fault_window = 0;
int fault_err = 0;
std::uint64_t fault_count = 0;
Cmd fault_cmd{};
bool fault_streak = false;  // every call since the nth was of its command

long raw_bpf(Cmd cmd, void* attr, std::uint32_t size) {
    ++fault_count;
    if (fault_count == fault_nth) {
        fault_cmd = cmd;
        fault_streak = true;
    } else if (fault_streak && cmd != fault_cmd) {
        fault_streak = false;
    }
    if (fault_nth && fault_streak && fault_count - fault_nth < fault_window) {
        errno = fault_err;
        return -1;
    }
    return ::syscall(SYS_bpf, static_cast<int>(cmd), attr, size);
}

// raw_bpf, adding the calling thread's CPU time inside it to the totals when
// time_bpf_cpu(true) asked for that.
long timed_raw_bpf(Cmd cmd, void* attr, std::uint32_t size) {
    if (!cpu_timing.load(std::memory_order_relaxed)) return raw_bpf(cmd, attr, size);
    const std::uint64_t before = thread_cpu_nanos();
    const long result = raw_bpf(cmd, attr, size);
    const int err = errno;
    total_cpu_nanos.fetch_add(thread_cpu_nanos() - before, std::memory_order_relaxed);
    errno = err;
    return result;
}

Observer& current_observer() {
    static Observer observer;
    return observer;
}

// Moves an fd in 0..2 to the lowest free number >= 3 (close-on-exec).
int lift_low_fd(int fd) {
    if (fd >= 3) return fd;
    int lifted = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int err = errno;
    ::close(fd);
    if (lifted < 0) errno = err;
    return lifted;
}

}  // namespace

void set_observer(Observer observer) { current_observer() = std::move(observer); }

ScopedObserver::ScopedObserver(Observer observer) : previous_(std::move(current_observer())) {
    current_observer() = std::move(observer);
}

ScopedObserver::~ScopedObserver() { current_observer() = std::move(previous_); }

std::string format_call(const CallRecord& r) {
    std::string out = cmd_name(r.cmd);
    std::string fields = format_fields(r.attrs);
    if (!fields.empty()) out += ' ' + fields;
    if (r.result >= 0) {
        out += " -> " + std::to_string(r.result);
    } else {
        out += " -> " + errno_name(r.err) + ": " + errno_description(r.err);
    }
    char t[48];
    std::snprintf(t, sizeof t, " (%.1f us)", r.micros);
    return out + t;
}

BpfTotals bpf_totals() {
    return {total_calls.load(std::memory_order_relaxed), total_nanos.load(std::memory_order_relaxed) / 1e3,
            total_cpu_nanos.load(std::memory_order_relaxed) / 1e3};
}

void time_bpf_cpu(bool on) { cpu_timing.store(on, std::memory_order_relaxed); }

long bpf_call(Cmd cmd, void* attr, std::uint32_t size) {
    // Before the first object is created, as libbpf bumps it in
    // bpf_map_create, bpf_prog_load and bpf_btf_load (memlock.h).
    if (cmd == Cmd::MapCreate || cmd == Cmd::ProgLoad || cmd == Cmd::BtfLoad) ensure_memlock();
    const Observer& observer = current_observer();
    if (!observer) {
        auto start = std::chrono::steady_clock::now();
        long result = timed_raw_bpf(cmd, attr, size);
        int err = errno;
        account(start, std::chrono::steady_clock::now());
        errno = err;
        return result;
    }

    CallRecord record{cmd, describe(cmd, std::span(static_cast<const std::byte*>(attr), size))};
    auto start = std::chrono::steady_clock::now();
    long result = timed_raw_bpf(cmd, attr, size);
    int err = errno;
    auto end = std::chrono::steady_clock::now();
    account(start, end);
    record.result = result;
    record.err = result < 0 ? err : 0;
    record.micros = std::chrono::duration<double, std::micro>(end - start).count();
    observer(record);
    errno = err;  // the observer may have clobbered it
    return result;
}

void inject_fault_for_testing(std::uint64_t nth, int err, std::uint64_t count) {
    fault_nth = nth;
    fault_window = count;
    fault_streak = false;
    fault_err = err;
    fault_count = 0;
}

std::uint64_t calls_since_fault_armed() { return fault_count; }

Error call_error(Cmd cmd, const std::string& subject, int err) {
    std::string message = cmd_name(cmd);
    if (!subject.empty()) message += ' ' + subject;
    return Error(message + " failed: " + errno_text(err), err);
}

Result<Fd> take_fd(Cmd cmd, long result, int err, const std::string& subject) {
    if (result < 0) return call_error(cmd, subject, err);
    int fd = lift_low_fd(static_cast<int>(result));
    if (fd < 0) return call_error(cmd, subject + " (moving the new fd above 2)", errno);
    return Fd(fd);
}

Result<Fd> bpf_fd_call(Cmd cmd, void* attr, std::uint32_t size, const std::string& subject) {
    long result = bpf_call(cmd, attr, size);
    return take_fd(cmd, result, errno, subject);
}

Status bpf_status_call(Cmd cmd, void* attr, std::uint32_t size, const std::string& subject) {
    if (bpf_call(cmd, attr, size) < 0) return call_error(cmd, subject, errno);
    return {};
}

}  // namespace rawops::sys
