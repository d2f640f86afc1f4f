// Fd: sole owner of one file descriptor (a bpf map, program, link or BTF
// object, or anything else). Move-only; closes on destruction, so an fd can
// only leak if someone calls release() and forgets the number.
//
// bpf() returns close-on-exec descriptors (the kernel adds O_CLOEXEC to every
// bpf object fd), and rawops never hands out fds 0-2 (see syscall.h), so a
// held Fd is never mistaken for "no fd" (0) in a later attr.
#pragma once

#include <utility>

#include "btf/error.h"

namespace rawops::sys {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd& operator=(Fd&& other) noexcept {
        if (this != &other) reset(std::exchange(other.fd_, -1));
        return *this;
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    explicit operator bool() const { return valid(); }

    // Gives up ownership: the caller now closes the returned number.
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }
    // Closes the held fd (if any) and takes `fd` instead.
    void reset(int fd = -1);
    // A second owner of the same open file (F_DUPFD_CLOEXEC, never below 3).
    Result<Fd> dup() const;

private:
    int fd_ = -1;
};

}  // namespace rawops::sys
