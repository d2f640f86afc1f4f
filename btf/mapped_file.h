// A read-only file image: mmap'd when the file allows it, otherwise read into
// memory (some sysfs files refuse mmap; /sys/kernel/btf/* allow it only from
// Linux 6.16). Move-only; unmaps or frees on destruction; never leaks the fd.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "btf/error.h"

namespace rawops::btf {

class MappedFile {
public:
    // populate: fault the whole mapping in at once (MAP_POPULATE), for callers
    // that read every byte (BTF); an ELF object's reader touches only the
    // sections it needs (with -g most of the file is DWARF it never reads),
    // and untouched pages then cost neither time nor resident memory.
    static Result<MappedFile> open(const std::string& path, bool populate = true);

    MappedFile() = default;
    MappedFile(MappedFile&& o) noexcept { *this = std::move(o); }
    MappedFile& operator=(MappedFile&& o) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    ~MappedFile() { reset(); }

    std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
    bool is_mapped() const { return mapped_; }
    // The file lives on sysfs (fstatfs at open): what the kernel itself
    // publishes, such as /sys/kernel/btf/*, as opposed to a copy elsewhere.
    bool on_sysfs() const { return on_sysfs_; }

private:
    void reset();
    const std::uint8_t* data_ = nullptr;
    std::size_t size_ = 0;
    bool mapped_ = false;
    bool on_sysfs_ = false;
    std::vector<std::uint8_t> buffer_;  // when read instead of mapped
};

}  // namespace rawops::btf
