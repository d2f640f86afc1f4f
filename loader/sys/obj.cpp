// The only loader/sys file besides abi_check.cpp that includes <linux/bpf.h>:
// struct bpf_prog_info of the 6.1 header has every field ProgInfo reads.
#include "loader/sys/obj.h"

#include <linux/bpf.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "loader/sys/attr.h"
#include "loader/sys/syscall.h"

namespace rawops::sys {
namespace {

std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

std::string name16(const char* s) { return std::string(s, strnlen(s, 16)); }

attr::Obj path_attr(const std::string& path) {
    attr::Obj a{};
    a.pathname = ptr(path.c_str());
    return a;
}

Result<Fd> get_fd_by_id(Cmd cmd, std::uint32_t id, const char* what) {
    attr::GetId a{};
    a.id = id;
    return bpf_fd_call(cmd, &a, sizeof a, std::string("of ") + what + " id " + std::to_string(id));
}

// What every bpf_*_info starts with, and how many bytes the kernel filled:
// the size of its own struct for that kind of object.
struct InfoHead {
    std::uint32_t type = 0, id = 0, len = 0;
};

Result<InfoHead> info_head(int fd) {
    // Larger than any kernel's bpf_*_info (bpf_prog_info, the largest, is
    // about 230 bytes) so `len` is the kernel's struct size; the kernel wants
    // the bytes past its struct zero and the buffer at most a page.
    std::array<std::uint32_t, 256> buf{};
    auto len = obj_get_info(fd, buf.data(), sizeof buf);
    if (!len) return std::move(len).error();
    if (*len < 8) return Error("BPF_OBJ_GET_INFO_BY_FD of fd " + std::to_string(fd) + " filled only " +
                               std::to_string(*len) + " bytes");
    return InfoHead{buf[0], buf[1], *len};
}

}  // namespace

Status obj_pin(int fd, const std::string& path) {
    attr::Obj a = path_attr(path);
    a.bpf_fd = static_cast<std::uint32_t>(fd);
    return bpf_status_call(Cmd::ObjPin, &a, sizeof a,
                           "of fd " + std::to_string(fd) + " at '" + path + "'");
}

Result<Fd> obj_get(const std::string& path, std::uint32_t file_flags) {
    attr::Obj a = path_attr(path);
    a.file_flags = file_flags;
    return bpf_fd_call(Cmd::ObjGet, &a, sizeof a, "of '" + path + "'");
}

Result<std::uint32_t> obj_get_info(int fd, void* info, std::uint32_t size) {
    attr::Info a{};
    a.bpf_fd = static_cast<std::uint32_t>(fd);
    a.info_len = size;
    a.info = ptr(info);
    RAWOPS_TRY(bpf_status_call(Cmd::ObjGetInfoByFd, &a, sizeof a, "of fd " + std::to_string(fd)));
    return a.info_len;
}

Result<MapInfo> map_info(int map_fd) {
    attr::MapInfoRaw raw{};
    RAWOPS_TRY(obj_get_info(map_fd, &raw, sizeof raw));
    MapInfo m;
    m.type = raw.type;
    m.id = raw.id;
    m.key_size = raw.key_size;
    m.value_size = raw.value_size;
    m.max_entries = raw.max_entries;
    m.map_flags = raw.map_flags;
    m.name = name16(raw.name);
    m.btf_id = raw.btf_id;
    m.btf_key_type_id = raw.btf_key_type_id;
    m.btf_value_type_id = raw.btf_value_type_id;
    m.btf_vmlinux_value_type_id = raw.btf_vmlinux_value_type_id;
    m.btf_vmlinux_id = raw.btf_vmlinux_id;
    return m;
}

Result<ProgInfo> prog_info(int prog_fd) {
    struct bpf_prog_info raw;
    std::memset(&raw, 0, sizeof raw);
    RAWOPS_TRY(obj_get_info(prog_fd, &raw, sizeof raw));
    ProgInfo p;
    p.type = raw.type;
    p.id = raw.id;
    p.name = name16(raw.name);
    p.btf_id = raw.btf_id;
    p.nr_func_info = raw.nr_func_info;
    p.nr_line_info = raw.nr_line_info;
    p.attach_btf_obj_id = raw.attach_btf_obj_id;
    p.attach_btf_id = raw.attach_btf_id;
    p.xlated_prog_len = raw.xlated_prog_len;
    p.jited_prog_len = raw.jited_prog_len;
    p.verified_insns = raw.verified_insns;
    p.run_cnt = raw.run_cnt;
    p.run_time_ns = raw.run_time_ns;
    std::memcpy(p.tag.data(), raw.tag, sizeof raw.tag);
    p.gpl_compatible = raw.gpl_compatible;
    p.nr_map_ids = raw.nr_map_ids;
    p.load_time_ns = raw.load_time;
    p.created_by_uid = raw.created_by_uid;
    return p;
}

Result<std::uint32_t> prog_main_func_type_id(int prog_fd) {
    struct bpf_prog_info raw;
    std::memset(&raw, 0, sizeof raw);
    struct bpf_func_info first {};
    // Asking for one record: the kernel copies at most nr_func_info of them.
    raw.nr_func_info = 1;
    raw.func_info_rec_size = sizeof first;
    raw.func_info = reinterpret_cast<std::uint64_t>(&first);
    RAWOPS_TRY(obj_get_info(prog_fd, &raw, sizeof raw));
    return raw.nr_func_info ? first.type_id : 0u;
}

Result<LinkInfo> link_info(int link_fd) {
    attr::LinkInfoRaw raw{};
    RAWOPS_TRY(obj_get_info(link_fd, &raw, sizeof raw));
    LinkInfo l;
    l.type = raw.type;
    l.id = raw.id;
    l.prog_id = raw.prog_id;
    if (raw.type == kLinkTypeStructOps) l.struct_ops_map_id = raw.struct_ops_map_id;
    return l;
}

Result<std::optional<std::uint32_t>> get_next_id(Cmd cmd, std::uint32_t start_id) {
    attr::GetId a{};
    a.id = start_id;
    if (bpf_call(cmd, a) < 0) {
        if (errno == ENOENT) return std::optional<std::uint32_t>();
        return call_error(cmd, "after id " + std::to_string(start_id), errno);
    }
    return std::optional<std::uint32_t>(a.next_id);
}

Result<Fd> map_get_fd_by_id(std::uint32_t id) { return get_fd_by_id(Cmd::MapGetFdById, id, "map"); }
Result<Fd> prog_get_fd_by_id(std::uint32_t id) { return get_fd_by_id(Cmd::ProgGetFdById, id, "program"); }
Result<Fd> link_get_fd_by_id(std::uint32_t id) { return get_fd_by_id(Cmd::LinkGetFdById, id, "link"); }

// The id in the info is the object's id in the id space of its own kind. So
// each kind is asked for the object with that id: only for the right kind is
// it the same object, with the same type, id and info size (the structs of
// the kinds differ in size; a map and a link may share an id). Only the
// kernel's answers are used, never /proc.
Result<ObjKind> obj_kind(int fd) {
    auto head = info_head(fd);
    if (!head) return std::move(head).error();
    struct Candidate {
        ObjKind kind;
        Result<Fd> (*by_id)(std::uint32_t);
    };
    for (const Candidate& c : {Candidate{ObjKind::Link, link_get_fd_by_id}, Candidate{ObjKind::Map, map_get_fd_by_id},
                               Candidate{ObjKind::Prog, prog_get_fd_by_id}}) {
        auto same_id = c.by_id(head->id);
        if (!same_id) {
            if (same_id.error().err_no() == ENOENT) continue;  // no object of this kind has that id
            return std::move(same_id).error();
        }
        auto other = info_head(same_id->get());
        if (!other) return std::move(other).error();
        if (other->type == head->type && other->id == head->id && other->len == head->len) return c.kind;
    }
    return ObjKind::Other;
}

}  // namespace rawops::sys
