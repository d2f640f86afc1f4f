// BPF_MAP_CREATE and the element commands (lookup, update, delete,
// get_next_key) plus BPF_MAP_FREEZE.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "btf/error.h"
#include "loader/sys/abi.h"
#include "loader/sys/attr.h"
#include "loader/sys/fd.h"

namespace rawops::sys {

// Everything BPF_MAP_CREATE takes that rawops uses. fds are borrowed; -1
// means "none".
struct MapCreateRequest {
    std::uint32_t map_type = 0;
    std::uint32_t key_size = 0;
    std::uint32_t value_size = 0;
    std::uint32_t max_entries = 0;
    std::uint32_t map_flags = 0;  // e.g. kMapFlagLink for a .struct_ops.link map
    std::string name;             // truncated to 15 characters in the attr
    int btf_fd = -1;
    std::uint32_t btf_key_type_id = 0;
    std::uint32_t btf_value_type_id = 0;
    // struct_ops: id of bpf_struct_ops_<type> in vmlinux or module BTF.
    std::uint32_t btf_vmlinux_value_type_id = 0;
    // struct_ops type from a module: that module's BTF fd (6.9+). When set,
    // encode() adds kMapFlagVtypeBtfObjFd to map_flags, which the kernel
    // requires for the field to be read.
    int value_type_btf_obj_fd = -1;
    std::uint64_t map_extra = 0;
    int inner_map_fd = -1;  // map-in-map: a map like the ones it will hold
};

attr::MapCreate encode(const MapCreateRequest& request);
Result<Fd> map_create(const MapCreateRequest& request);

// Element commands. key/value must be exactly the map's key_size/value_size
// bytes (the kernel reads/writes that many through the pointers).
Status map_update_elem(int map_fd, std::span<const std::byte> key,
                       std::span<const std::byte> value, std::uint64_t flags = kElemAny);
Status map_lookup_elem(int map_fd, std::span<const std::byte> key, std::span<std::byte> value,
                       std::uint64_t flags = 0);
Status map_delete_elem(int map_fd, std::span<const std::byte> key);
// Writes the key after `key` (the first key if `key` is empty) to next_key.
// Returns false when there is none (ENOENT), an error otherwise.
Result<bool> map_get_next_key(int map_fd, std::span<const std::byte> key,
                              std::span<std::byte> next_key);
// Makes the map read-only for user space (used for .rodata).
Status map_freeze(int map_fd);

// Byte views of a plain value, for the element commands.
template <typename T>
std::span<const std::byte> bytes_of(const T& v) {
    return std::as_bytes(std::span<const T, 1>(&v, 1));
}
template <typename T>
std::span<std::byte> writable_bytes_of(T& v) {
    return std::as_writable_bytes(std::span<T, 1>(&v, 1));
}

}  // namespace rawops::sys
