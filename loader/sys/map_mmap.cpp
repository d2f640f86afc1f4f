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

Result<MappedMap> map_mmap(int map_fd, std::size_t value_size, bool writable) {
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    // An array's values are 8-byte aligned, and the kernel maps whole pages.
    const std::size_t len = ((value_size + 7) / 8 * 8 + page - 1) / page * page;
    void* p = ::mmap(nullptr, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, map_fd, 0);
    if (p == MAP_FAILED) {
        const int err = errno;
        return Error("mmap of map fd " + std::to_string(map_fd) + " (" + std::to_string(len) + " bytes" +
                         (writable ? ", writable" : ", read-only") + ") failed: " + std::strerror(err) +
                         (err == EPERM || err == EACCES ? " (a frozen map maps read-only)" : "") +
                         (err == EINVAL ? " (the map lacks BPF_F_MMAPABLE?)" : ""),
                     err);
    }
    MappedMap m;
    m.addr_ = p;
    m.size_ = value_size;
    m.mapped_ = len;
    m.writable_ = writable;
    return m;
}

Result<MappedMap> arena_mmap(int map_fd, std::size_t size, std::uint64_t address) {
    void* want = reinterpret_cast<void*>(static_cast<std::uintptr_t>(address));
    void* p = ::mmap(want, size, PROT_READ | PROT_WRITE, MAP_SHARED | (address ? MAP_FIXED : 0), map_fd, 0);
    if (p == MAP_FAILED) {
        const int err = errno;
        return Error("mmap of arena map fd " + std::to_string(map_fd) + " (" + std::to_string(size) + " bytes) failed: " +
                         std::strerror(err),
                     err);
    }
    MappedMap m;
    m.addr_ = p;
    m.size_ = size;
    m.mapped_ = size;
    m.writable_ = true;
    return m;
}

}  // namespace rawops::sys
