// mmap(2) of BPF maps: a BPF_F_MMAPABLE array holding global variables, or
// an ARENA map. An embedder reads and writes the .bss/.data through it
// without a bpf() call, as a libbpf skeleton does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "btf/error.h"

namespace rawops::sys {

class MappedMap {
public:
    MappedMap() = default;
    MappedMap(MappedMap&& other) noexcept;
    MappedMap& operator=(MappedMap&& other) noexcept;
    MappedMap(const MappedMap&) = delete;
    MappedMap& operator=(const MappedMap&) = delete;
    ~MappedMap();

    // The mapped bytes (an array's value_size bytes, or the whole arena).
    std::span<std::byte> bytes() const { return {static_cast<std::byte*>(addr_), size_}; }
    bool writable() const { return writable_; }

private:
    friend Result<MappedMap> map_mmap(int map_fd, std::size_t value_size, bool writable);
    friend Result<MappedMap> arena_mmap(int map_fd, std::size_t size, std::uint64_t address);
    MappedMap(void* addr, std::size_t size, std::size_t mapped, bool writable)
        : addr_(addr), size_(size), mapped_(mapped), writable_(writable) {}

    void* addr_ = nullptr;
    std::size_t size_ = 0, mapped_ = 0;
    bool writable_ = false;
};

// Maps the value of a one-element BPF_F_MMAPABLE array. Frozen maps
// (.rodata after load) can only be mapped read-only.
Result<MappedMap> map_mmap(int map_fd, std::size_t value_size, bool writable);

// Maps an ARENA map's `size` bytes, at `address` (MAP_FIXED) if non-zero:
// the first mapping sets the arena's user address, which the verifier needs.
Result<MappedMap> arena_mmap(int map_fd, std::size_t size, std::uint64_t address);

}  // namespace rawops::sys
