// Kernel logs of BPF_PROG_LOAD (the verifier's) and BPF_BTF_LOAD (the BTF
// checker's): how much to ask for, and the retry policy both commands share.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace rawops::sys {

struct LogOptions {
    // 0: load without a log and, only if that fails, load again at level 1 to
    // get the reason (what libbpf does; a log costs verification time).
    // Otherwise the kernel's level bits (kLogLevel1, kLogLevel2, kLogStats).
    std::uint32_t level = 0;
    // First buffer size; raised to the kernel minimum (128) if smaller.
    std::uint32_t initial_size = 64 * 1024;
    // The buffer grows (to the size the kernel says it needed, else double)
    // while the kernel answers ENOSPC, up to this size.
    std::uint32_t max_size = 64u << 20;
};

// One attempt of the load with the given log level and buffer (level 0: no
// buffer). Returns the syscall result (errno set on failure) and stores the
// kernel's log_true_size (0 if the kernel predates 6.4) in `true_size`.
using LogAttempt = std::function<long(std::uint32_t level, char* buf, std::uint32_t size,
                                      std::uint32_t& true_size)>;

// Runs `attempt` under the policy of LogOptions. Returns the last result with
// errno set from it; `log` receives the last log text (empty if none).
long load_with_log(const LogOptions& options, const LogAttempt& attempt, std::string& log);

// The line of a verifier/BTF log that says what went wrong: the last line that
// is not a statistics line ("processed N insns", "verification time", ...).
std::string log_summary(const std::string& log);

}  // namespace rawops::sys
