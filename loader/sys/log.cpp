#include "loader/sys/log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "loader/sys/abi.h"

namespace rawops::sys {

long load_with_log(const LogOptions& options, const LogAttempt& attempt, std::string& log) {
    log.clear();
    std::uint32_t true_size = 0;
    std::uint32_t level = options.level;
    if (level == 0) {
        long result = attempt(0, nullptr, 0, true_size);
        if (result >= 0) return result;
        level = kLogLevel1;  // failed: once more, this time with the reason
    }

    std::uint32_t max_size = std::clamp(options.max_size, kLogMinSize, kLogMaxSize);
    std::uint32_t size = std::clamp(options.initial_size, kLogMinSize, max_size);
    std::vector<char> buf;
    for (;;) {
        buf.assign(size, '\0');
        true_size = 0;
        long result = attempt(level, buf.data(), size, true_size);
        int err = errno;
        log.assign(buf.data(), strnlen(buf.data(), buf.size()));
        if (result >= 0 || err != ENOSPC || size >= max_size) {
            errno = err;
            return result;
        }
        // The log did not fit. 6.4+ kernels say how much was needed
        // (log_true_size, counting the NUL); older ones only say ENOSPC.
        std::uint64_t want = true_size > size ? true_size : std::uint64_t{size} * 2;
        size = static_cast<std::uint32_t>(std::min<std::uint64_t>(want, max_size));
    }
}

std::string log_summary(const std::string& log) {
    static const char* const kStats[] = {"processed ", "verification time", "stack depth",
                                         "max_states_per_insn"};
    std::size_t end = log.size();
    while (end > 0) {
        std::size_t nl = log.rfind('\n', end - 1);
        std::size_t start = nl == std::string::npos ? 0 : nl + 1;
        std::string line = log.substr(start, end - start);
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
        bool stats = false;
        for (const char* s : kStats) stats = stats || line.rfind(s, 0) == 0;
        if (!line.empty() && !stats) return line;
        if (nl == std::string::npos) break;
        end = nl;
    }
    return {};
}

}  // namespace rawops::sys
