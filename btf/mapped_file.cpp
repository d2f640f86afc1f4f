#include "btf/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rawops::btf {

namespace {

struct FdGuard {
    int fd;
    ~FdGuard() { if (fd >= 0) ::close(fd); }
};

Error io_error(const std::string& what, const std::string& path) {
    // An I/O failure is about the input, not a refusal by the bpf() syscall,
    // so the errno goes into the message rather than Error::err_no().
    return Error(what + " '" + path + "': " + std::strerror(errno));
}

}  // namespace

MappedFile& MappedFile::operator=(MappedFile&& o) noexcept {
    if (this != &o) {
        reset();
        mapped_ = o.mapped_;
        on_sysfs_ = o.on_sysfs_;
        size_ = o.size_;
        buffer_ = std::move(o.buffer_);
        data_ = mapped_ ? o.data_ : buffer_.data();
        o.data_ = nullptr;
        o.size_ = 0;
        o.mapped_ = false;
    }
    return *this;
}

void MappedFile::reset() {
    if (mapped_ && data_) ::munmap(const_cast<std::uint8_t*>(data_), size_);
    data_ = nullptr;
    size_ = 0;
    mapped_ = false;
    on_sysfs_ = false;
    buffer_.clear();
}

Result<MappedFile> MappedFile::open(const std::string& path, bool populate) {
    FdGuard fd{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (fd.fd < 0) return io_error("cannot open", path);
    struct stat st {};
    if (::fstat(fd.fd, &st) != 0) return io_error("cannot stat", path);
    if (S_ISDIR(st.st_mode)) return Error("'" + path + "' is a directory");

    MappedFile f;
    constexpr long kSysfsMagic = 0x62656572;  // SYSFS_MAGIC, <linux/magic.h>
    struct statfs fs {};
    f.on_sysfs_ = ::fstatfs(fd.fd, &fs) == 0 && fs.f_type == kSysfsMagic;
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        // MAP_POPULATE: parsing reads every byte anyway; one batched fault-in
        // is cheaper than ~1400 single faults for vmlinux.
        void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | (populate ? MAP_POPULATE : 0), fd.fd, 0);
        if (p != MAP_FAILED) {
            f.data_ = static_cast<const std::uint8_t*>(p);
            f.size_ = static_cast<std::size_t>(st.st_size);
            f.mapped_ = true;
            return f;
        }
    }
    // Fallback: read it all (sysfs before 6.16, pipes, empty-stat files).
    std::size_t want = st.st_size > 0 ? static_cast<std::size_t>(st.st_size) : 65536;
    f.buffer_.resize(want);
    std::size_t got = 0;
    for (;;) {
        if (got == f.buffer_.size()) f.buffer_.resize(f.buffer_.size() * 2);
        ssize_t n = ::read(fd.fd, f.buffer_.data() + got, f.buffer_.size() - got);
        if (n < 0) {
            if (errno == EINTR) continue;
            return io_error("cannot read", path);
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    f.buffer_.resize(got);
    f.data_ = f.buffer_.data();
    f.size_ = got;
    return f;
}

}  // namespace rawops::btf
