// Shared helpers of the BTF tests: temp files, running bpftool, fixtures.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace rawops::testing {

// Runs a shell command; its stdout, or nullopt when it exits non-zero.
inline std::optional<std::string> capture(const std::string& cmd) {
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return std::nullopt;
    std::string out;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    int rc = ::pclose(p);
    if (rc != 0) return std::nullopt;
    return out;
}

inline bool have_bpftool() { return std::system("command -v bpftool >/dev/null 2>&1") == 0; }

// A file removed when the object goes away (also when a check fails).
class TempFile {
public:
    explicit TempFile(const std::vector<std::uint8_t>& bytes) {
        char tmpl[] = "/tmp/rawops-btf-XXXXXX";
        int fd = ::mkstemp(tmpl);
        if (fd < 0) return;
        path_ = tmpl;
        std::size_t off = 0;
        while (off < bytes.size()) {
            ssize_t w = ::write(fd, bytes.data() + off, bytes.size() - off);
            if (w <= 0) break;
            off += static_cast<std::size_t>(w);
        }
        ::close(fd);
    }
    ~TempFile() { if (!path_.empty()) ::unlink(path_.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The directory of the running test binary (build/tests): fixtures built by
// tests/btf/rules.mk live beside it, whatever BUILD is.
inline std::string exe_dir() {
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return ".";
    std::string p(buf, static_cast<std::size_t>(n));
    return p.substr(0, p.rfind('/'));
}

}  // namespace rawops::testing
