// Objects by fd and by path: BPF_OBJ_PIN / BPF_OBJ_GET (bpffs) and
// BPF_OBJ_GET_INFO_BY_FD with typed views of map, program and link info.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "btf/error.h"
#include "loader/sys/abi.h"
#include "loader/sys/fd.h"

namespace rawops::sys {

// Pins the object behind `fd` at `path` (a file to create in a bpffs mount).
Status obj_pin(int fd, const std::string& path);
// Opens the object pinned at `path`; file_flags: 0, kObjFlagRdonly, kObjFlagWronly.
Result<Fd> obj_get(const std::string& path, std::uint32_t file_flags = 0);

// Fills `info` (a struct bpf_*_info of `size` bytes, zeroed by the caller
// except for in-pointers such as a name buffer) for the object behind `fd`.
// Returns the number of bytes the kernel filled.
Result<std::uint32_t> obj_get_info(int fd, void* info, std::uint32_t size);

struct MapInfo {
    std::uint32_t type = 0, id = 0, key_size = 0, value_size = 0, max_entries = 0, map_flags = 0;
    std::string name;
    std::uint32_t btf_id = 0, btf_key_type_id = 0, btf_value_type_id = 0;
    std::uint32_t btf_vmlinux_value_type_id = 0;
    std::uint32_t btf_vmlinux_id = 0;  // 6.9+: BTF object of a module struct_ops type
};
Result<MapInfo> map_info(int map_fd);

struct ProgInfo {
    std::uint32_t type = 0, id = 0;
    std::string name;
    std::uint32_t btf_id = 0;  // the program's own BTF (prog_btf_fd at load)
    std::uint32_t nr_func_info = 0, nr_line_info = 0;
    std::uint32_t attach_btf_obj_id = 0, attach_btf_id = 0;
    std::uint32_t xlated_prog_len = 0, jited_prog_len = 0;
    std::uint32_t verified_insns = 0;
    std::uint64_t run_cnt = 0, run_time_ns = 0;  // counted only while kernel.bpf_stats_enabled=1
    std::array<std::uint8_t, 8> tag{};            // the kernel's hash of the xlated program
    bool gpl_compatible = false;
    std::uint32_t nr_map_ids = 0;
    std::uint64_t load_time_ns = 0;  // CLOCK_BOOTTIME of the load
    std::uint32_t created_by_uid = 0;
};
Result<ProgInfo> prog_info(int prog_fd);
// The BTF type id, in the program's own BTF (ProgInfo::btf_id), of its main
// function: func_info[0], whose FUNC holds the full name the kernel's
// 16-byte program name cuts. 0 when the program has no func_info.
Result<std::uint32_t> prog_main_func_type_id(int prog_fd);

struct LinkInfo {
    std::uint32_t type = 0, id = 0, prog_id = 0;
    std::uint32_t struct_ops_map_id = 0;  // for BPF_LINK_TYPE_STRUCT_OPS
};
Result<LinkInfo> link_info(int link_fd);

// BPF_{PROG,MAP,BTF,LINK}_GET_NEXT_ID: the next id of that kind after
// `start_id`, or nullopt after the last one.
Result<std::optional<std::uint32_t>> get_next_id(Cmd cmd, std::uint32_t start_id);
inline Result<std::optional<std::uint32_t>> map_get_next_id(std::uint32_t start_id) {
    return get_next_id(Cmd::MapGetNextId, start_id);
}

// Ids and fds of existing objects (e.g. to reopen what a link points to).
Result<Fd> map_get_fd_by_id(std::uint32_t id);
Result<Fd> prog_get_fd_by_id(std::uint32_t id);
Result<Fd> link_get_fd_by_id(std::uint32_t id);

// What the object behind an fd of unknown origin (a bpffs pin) is.
enum class ObjKind { Prog, Map, Link, Other };
// Tells from bpf() alone, without /proc/self/fdinfo, which an initramfs may
// not have. BPF_OBJ_GET_INFO_BY_FD cannot say it by itself: it fills the
// info struct of whatever the fd is (every bpf_*_info starts with type and
// id), so a map fd asked for link info answers with its map info.
Result<ObjKind> obj_kind(int fd);

}  // namespace rawops::sys
