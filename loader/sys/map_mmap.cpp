#include "loader/sys/map_mmap.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace rawops::sys {

MappedMap::MappedMap(MappedMap&& o) noexcept
    : addr_(std::exchange(o.addr_, nullptr)), size_(o.size_), mapped_(o.mapped_), writable_(o.writable_) {}

MappedMap& MappedMap::operator=(MappedMap&& o) noexcept {
    if (this != &o) {
        if (addr_) ::munmap(addr_, mapped_);
        addr_ = std::exchange(o.addr_, nullptr);
        size_ = o.size_;
        mapped_ = o.mapped_;
        writable_ = o.writable_;
    }
    return *this;
}

MappedMap::~MappedMap() {
    if (addr_) ::munmap(addr_, mapped_);
}

namespace {

// One mmap of a map fd; `what` names it in the error.
Result<void*> map_at(int map_fd, void* address, std::size_t len, bool writable, int extra_flags, const std::string& what) {
    void* p = ::mmap(address, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED | extra_flags, map_fd, 0);
    if (p == MAP_FAILED) {
        const int err = errno;
        return Error("mmap of " + what + " fd " + std::to_string(map_fd) + " (" + std::to_string(len) + " bytes" +
                         (writable ? ", writable" : ", read-only") + ") failed: " + std::strerror(err) +
                         (err == EPERM || err == EACCES ? " (a frozen map maps read-only)" : "") +
                         (err == EINVAL ? " (the map lacks BPF_F_MMAPABLE?)" : ""),
                     err);
    }
    return p;
}

}  // namespace

Result<MappedMap> map_mmap(int map_fd, std::size_t value_size, bool writable) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    // An array's values are 8-byte aligned, and the kernel maps whole pages.
    const std::size_t len = ((value_size + 7) / 8 * 8 + page - 1) / page * page;
    auto p = map_at(map_fd, nullptr, len, writable, 0, "map");
    if (!p) return std::move(p).error();
    return MappedMap(*p, value_size, len, writable);
}

Result<MappedMap> arena_mmap(int map_fd, std::size_t size, std::uint64_t address) {
    void* want = reinterpret_cast<void*>(static_cast<std::uintptr_t>(address));
    auto p = map_at(map_fd, want, size, true, address ? MAP_FIXED : 0, "arena map");
    if (!p) return std::move(p).error();
    return MappedMap(*p, size, size, true);
}

}  // namespace rawops::sys
