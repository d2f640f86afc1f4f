#include "loader/sys/map.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "loader/sys/syscall.h"

namespace rawops::sys {
namespace {

std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

std::string on_map(int fd) { return "on map fd " + std::to_string(fd); }

attr::MapElem elem_attr(int map_fd, std::span<const std::byte> key, const void* value,
                        std::uint64_t flags) {
    attr::MapElem a{};
    a.map_fd = static_cast<std::uint32_t>(map_fd);
    a.key = key.empty() ? 0 : ptr(key.data());
    a.value = ptr(value);
    a.flags = flags;
    return a;
}

}  // namespace

attr::MapCreate encode(const MapCreateRequest& r) {
    attr::MapCreate a{};
    a.map_type = r.map_type;
    a.key_size = r.key_size;
    a.value_size = r.value_size;
    a.max_entries = r.max_entries;
    a.map_flags = r.map_flags;
    std::memcpy(a.map_name, r.name.data(), std::min<std::size_t>(r.name.size(), sizeof a.map_name - 1));
    a.btf_fd = r.btf_fd >= 0 ? static_cast<std::uint32_t>(r.btf_fd) : 0;
    a.btf_key_type_id = r.btf_key_type_id;
    a.btf_value_type_id = r.btf_value_type_id;
    a.btf_vmlinux_value_type_id = r.btf_vmlinux_value_type_id;
    a.map_extra = r.map_extra;
    a.inner_map_fd = r.inner_map_fd >= 0 ? static_cast<std::uint32_t>(r.inner_map_fd) : 0;
    if (r.value_type_btf_obj_fd >= 0) {
        a.value_type_btf_obj_fd = r.value_type_btf_obj_fd;
        a.map_flags |= kMapFlagVtypeBtfObjFd;
    }
    return a;
}

Result<Fd> map_create(const MapCreateRequest& request) {
    attr::MapCreate a = encode(request);
    return bpf_fd_call(Cmd::MapCreate, &a, sizeof a, "of '" + request.name + "'");
}

Status map_update_elem(int map_fd, std::span<const std::byte> key, std::span<const std::byte> value,
                       std::uint64_t flags) {
    attr::MapElem a = elem_attr(map_fd, key, value.data(), flags);
    return bpf_status_call(Cmd::MapUpdateElem, &a, sizeof a, on_map(map_fd));
}

Status map_lookup_elem(int map_fd, std::span<const std::byte> key, std::span<std::byte> value,
                       std::uint64_t flags) {
    attr::MapElem a = elem_attr(map_fd, key, value.data(), flags);
    return bpf_status_call(Cmd::MapLookupElem, &a, sizeof a, on_map(map_fd));
}

Status map_delete_elem(int map_fd, std::span<const std::byte> key) {
    attr::MapElem a = elem_attr(map_fd, key, nullptr, 0);
    return bpf_status_call(Cmd::MapDeleteElem, &a, sizeof a, on_map(map_fd));
}

Result<bool> map_get_next_key(int map_fd, std::span<const std::byte> key,
                              std::span<std::byte> next_key) {
    attr::MapElem a = elem_attr(map_fd, key, next_key.data(), 0);
    if (bpf_call(Cmd::MapGetNextKey, a) < 0) {
        if (errno == ENOENT) return false;
        return call_error(Cmd::MapGetNextKey, on_map(map_fd), errno);
    }
    return true;
}

Status map_freeze(int map_fd) {
    attr::MapElem a{};
    a.map_fd = static_cast<std::uint32_t>(map_fd);
    return bpf_status_call(Cmd::MapFreeze, &a, sizeof a, on_map(map_fd));
}

}  // namespace rawops::sys
