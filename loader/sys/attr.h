// The `union bpf_attr` layouts of the commands rawops issues, one plain struct
// per command, written down once. They are what the typed wrappers fill, what
// describe() decodes and what a plan can hold before anything is sent.
//
// Why our own structs rather than <linux/bpf.h>'s union: the installed header
// is 6.1 and lacks fields rawops needs (value_type_btf_obj_fd, struct_ops
// link map_fd, log_true_size, ...). Offsets are static_asserted below against
// the numbers of the current include/uapi/linux/bpf.h (cross-checked with the
// running kernel's BTF of union bpf_attr), and in abi_check.cpp against the
// installed header for every field it has.
//
// The kernel accepts an attr shorter or longer than its own union as long as
// the bytes it does not know are zero, so each struct ends with the last field
// rawops may set and newer fields stay zero on older kernels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rawops::sys::attr {

// BPF_MAP_CREATE
struct MapCreate {
    std::uint32_t map_type;
    std::uint32_t key_size;
    std::uint32_t value_size;
    std::uint32_t max_entries;
    std::uint32_t map_flags;
    std::uint32_t inner_map_fd;
    std::uint32_t numa_node;
    char map_name[16];
    std::uint32_t map_ifindex;
    std::uint32_t btf_fd;
    std::uint32_t btf_key_type_id;
    std::uint32_t btf_value_type_id;
    std::uint32_t btf_vmlinux_value_type_id;
    std::uint64_t map_extra;
    std::int32_t value_type_btf_obj_fd;  // 6.9, with BPF_F_VTYPE_BTF_OBJ_FD
    std::int32_t map_token_fd;           // 6.9, with BPF_F_TOKEN_FD
};
static_assert(offsetof(MapCreate, map_name) == 28);
static_assert(offsetof(MapCreate, btf_vmlinux_value_type_id) == 60);
static_assert(offsetof(MapCreate, map_extra) == 64);
static_assert(offsetof(MapCreate, value_type_btf_obj_fd) == 72);
static_assert(offsetof(MapCreate, map_token_fd) == 76);
static_assert(sizeof(MapCreate) == 80);

// BPF_MAP_LOOKUP_ELEM, BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM,
// BPF_MAP_GET_NEXT_KEY (value holds next_key), BPF_MAP_FREEZE (map_fd only).
struct MapElem {
    std::uint32_t map_fd;
    std::uint32_t pad0;
    std::uint64_t key;
    std::uint64_t value;  // union with next_key
    std::uint64_t flags;
};
static_assert(offsetof(MapElem, key) == 8);
static_assert(offsetof(MapElem, value) == 16);
static_assert(offsetof(MapElem, flags) == 24);
static_assert(sizeof(MapElem) == 32);

// BPF_PROG_LOAD
struct ProgLoad {
    std::uint32_t prog_type;
    std::uint32_t insn_cnt;
    std::uint64_t insns;
    std::uint64_t license;
    std::uint32_t log_level;
    std::uint32_t log_size;
    std::uint64_t log_buf;
    std::uint32_t kern_version;
    std::uint32_t prog_flags;
    char prog_name[16];
    std::uint32_t prog_ifindex;
    std::uint32_t expected_attach_type;  // struct_ops: the member index
    std::uint32_t prog_btf_fd;
    std::uint32_t func_info_rec_size;
    std::uint64_t func_info;
    std::uint32_t func_info_cnt;
    std::uint32_t line_info_rec_size;
    std::uint64_t line_info;
    std::uint32_t line_info_cnt;
    std::uint32_t attach_btf_id;
    std::uint32_t attach_btf_obj_fd;  // union with attach_prog_fd
    std::uint32_t core_relo_cnt;
    std::uint64_t fd_array;
    std::uint64_t core_relos;
    std::uint32_t core_relo_rec_size;
    std::uint32_t log_true_size;  // 6.4, out: log size the kernel needed
    std::int32_t prog_token_fd;   // 6.9
    std::uint32_t fd_array_cnt;   // 6.14
};
static_assert(offsetof(ProgLoad, prog_name) == 48);
static_assert(offsetof(ProgLoad, expected_attach_type) == 68);
static_assert(offsetof(ProgLoad, func_info) == 80);
static_assert(offsetof(ProgLoad, line_info) == 96);
static_assert(offsetof(ProgLoad, attach_btf_id) == 108);
static_assert(offsetof(ProgLoad, attach_btf_obj_fd) == 112);
static_assert(offsetof(ProgLoad, fd_array) == 120);
static_assert(offsetof(ProgLoad, core_relo_rec_size) == 136);
static_assert(offsetof(ProgLoad, log_true_size) == 140);
static_assert(offsetof(ProgLoad, prog_token_fd) == 144);
static_assert(offsetof(ProgLoad, fd_array_cnt) == 148);
static_assert(sizeof(ProgLoad) == 152);

// BPF_OBJ_PIN, BPF_OBJ_GET
struct Obj {
    std::uint64_t pathname;
    std::uint32_t bpf_fd;
    std::uint32_t file_flags;
    std::int32_t path_fd;  // 6.5, with BPF_F_PATH_FD
    std::uint32_t pad0;
};
static_assert(offsetof(Obj, bpf_fd) == 8);
static_assert(offsetof(Obj, path_fd) == 16);
static_assert(sizeof(Obj) == 24);

// BPF_PROG_TEST_RUN
struct TestRun {
    std::uint32_t prog_fd;
    std::uint32_t retval;  // out
    std::uint32_t data_size_in;
    std::uint32_t data_size_out;  // in: buffer size, out: bytes written
    std::uint64_t data_in;
    std::uint64_t data_out;
    std::uint32_t repeat;
    std::uint32_t duration;  // out, ns per run
    std::uint32_t ctx_size_in;
    std::uint32_t ctx_size_out;
    std::uint64_t ctx_in;
    std::uint64_t ctx_out;
    std::uint32_t flags;
    std::uint32_t cpu;
    std::uint32_t batch_size;
    std::uint32_t pad0;
};
static_assert(offsetof(TestRun, ctx_in) == 48);
static_assert(offsetof(TestRun, flags) == 64);
static_assert(offsetof(TestRun, batch_size) == 72);
static_assert(sizeof(TestRun) == 80);

// BPF_*_GET_NEXT_ID (start_id in, next_id out), BPF_*_GET_FD_BY_ID (id in).
struct GetId {
    std::uint32_t id;  // union: start_id, prog_id, map_id, btf_id, link_id
    std::uint32_t next_id;
    std::uint32_t open_flags;
    std::int32_t fd_by_id_token_fd;  // 6.17
};
static_assert(sizeof(GetId) == 16);

// BPF_OBJ_GET_INFO_BY_FD
struct Info {
    std::uint32_t bpf_fd;
    std::uint32_t info_len;  // in: buffer size, out: bytes the kernel filled
    std::uint64_t info;
};
static_assert(sizeof(Info) == 16);

// BPF_BTF_LOAD
struct BtfLoad {
    std::uint64_t btf;
    std::uint64_t btf_log_buf;
    std::uint32_t btf_size;
    std::uint32_t btf_log_size;
    std::uint32_t btf_log_level;
    std::uint32_t btf_log_true_size;  // 6.4, out
    std::uint32_t btf_flags;          // 6.9
    std::int32_t btf_token_fd;        // 6.9
};
static_assert(offsetof(BtfLoad, btf_size) == 16);
static_assert(offsetof(BtfLoad, btf_log_true_size) == 28);
static_assert(offsetof(BtfLoad, btf_token_fd) == 36);
static_assert(sizeof(BtfLoad) == 40);

// BPF_LINK_CREATE. For a struct_ops link (6.4) the first field is the map fd
// and attach_type is BPF_STRUCT_OPS. The 48-byte union of per-link-type
// extras is kept zero except target_btf_id.
struct LinkCreate {
    std::uint32_t prog_fd;  // union with map_fd
    std::uint32_t target_fd;  // union with target_ifindex
    std::uint32_t attach_type;
    std::uint32_t flags;
    std::uint32_t target_btf_id;
    std::uint32_t pad0;
    std::uint64_t reserved[5];
};
static_assert(offsetof(LinkCreate, attach_type) == 8);
static_assert(offsetof(LinkCreate, target_btf_id) == 16);
static_assert(sizeof(LinkCreate) == 64);

// BPF_LINK_UPDATE. new/old are program fds, or map fds for a struct_ops link
// (6.4); old_fd is checked only with BPF_F_REPLACE.
struct LinkUpdate {
    std::uint32_t link_fd;
    std::uint32_t new_fd;  // union: new_prog_fd, new_map_fd
    std::uint32_t flags;
    std::uint32_t old_fd;  // union: old_prog_fd, old_map_fd
};
static_assert(sizeof(LinkUpdate) == 16);

// BPF_LINK_DETACH
struct LinkDetach {
    std::uint32_t link_fd;
};
static_assert(sizeof(LinkDetach) == 4);

// BPF_PROG_BIND_MAP (5.10): the program holds a reference to the map
// without using it in an instruction.
struct ProgBindMap {
    std::uint32_t prog_fd;
    std::uint32_t map_fd;
    std::uint32_t flags;
};
static_assert(sizeof(ProgBindMap) == 12);

// --- info structs filled by BPF_OBJ_GET_INFO_BY_FD --------------------------

// struct bpf_map_info, up to btf_vmlinux_id (6.9: the module BTF object id of a
// struct_ops map's value type; a padding hole in older kernels).
struct MapInfoRaw {
    std::uint32_t type;
    std::uint32_t id;
    std::uint32_t key_size;
    std::uint32_t value_size;
    std::uint32_t max_entries;
    std::uint32_t map_flags;
    char name[16];
    std::uint32_t ifindex;
    std::uint32_t btf_vmlinux_value_type_id;
    std::uint64_t netns_dev;
    std::uint64_t netns_ino;
    std::uint32_t btf_id;
    std::uint32_t btf_key_type_id;
    std::uint32_t btf_value_type_id;
    std::uint32_t btf_vmlinux_id;
    std::uint64_t map_extra;
};
static_assert(offsetof(MapInfoRaw, btf_vmlinux_value_type_id) == 44);
static_assert(offsetof(MapInfoRaw, btf_id) == 64);
static_assert(offsetof(MapInfoRaw, btf_vmlinux_id) == 76);
static_assert(sizeof(MapInfoRaw) == 88);

// struct bpf_link_info: the common head and the struct_ops member of its union
// (6.4: map_id, the first field of the 8-byte-aligned union at offset 16).
struct LinkInfoRaw {
    std::uint32_t type;
    std::uint32_t id;
    std::uint32_t prog_id;
    std::uint32_t pad0;
    std::uint32_t struct_ops_map_id;
    std::uint32_t pad1;
    std::uint64_t rest[6];
};
static_assert(offsetof(LinkInfoRaw, struct_ops_map_id) == 16);

// struct bpf_btf_info
struct BtfInfoRaw {
    std::uint64_t btf;
    std::uint32_t btf_size;
    std::uint32_t id;
    std::uint64_t name;
    std::uint32_t name_len;
    std::uint32_t kernel_btf;
};
static_assert(sizeof(BtfInfoRaw) == 32);

}  // namespace rawops::sys::attr
