#include "loader/sys/fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace rawops::sys {

void Fd::reset(int fd) {
    if (fd_ >= 0) {
        // close() releases the descriptor even when it reports EINTR on
        // Linux, so it must not be retried.
        ::close(fd_);
    }
    fd_ = fd;
}

Result<Fd> Fd::dup() const {
    if (fd_ < 0) return Error("cannot duplicate an empty Fd", EBADF);
    int copy = ::fcntl(fd_, F_DUPFD_CLOEXEC, 3);
    if (copy < 0) {
        int err = errno;
        return Error("dup of fd " + std::to_string(fd_) + " failed: " + std::strerror(err), err);
    }
    return Fd(copy);
}

}  // namespace rawops::sys
