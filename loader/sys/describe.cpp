// Table-driven decoding of bpf() attrs. Each command has a list of fields
// (name, offset, width, how to print) taken from the attr structs in attr.h,
// so the ABI is written down once and describe() cannot drift from what the
// wrappers fill.
#include "loader/sys/describe.h"

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <iterator>

#include "loader/sys/attr.h"

namespace rawops::sys {
namespace {

// --- names ------------------------------------------------------------------

template <std::size_t N>
std::string lookup(const char* const (&names)[N], std::uint32_t v) {
    if (v < N && names[v] != nullptr) return names[v];
    return std::to_string(v);
}

const char* const kMapTypes[] = {
    "BPF_MAP_TYPE_UNSPEC", "BPF_MAP_TYPE_HASH", "BPF_MAP_TYPE_ARRAY", "BPF_MAP_TYPE_PROG_ARRAY",
    "BPF_MAP_TYPE_PERF_EVENT_ARRAY", "BPF_MAP_TYPE_PERCPU_HASH", "BPF_MAP_TYPE_PERCPU_ARRAY",
    "BPF_MAP_TYPE_STACK_TRACE", "BPF_MAP_TYPE_CGROUP_ARRAY", "BPF_MAP_TYPE_LRU_HASH",
    "BPF_MAP_TYPE_LRU_PERCPU_HASH", "BPF_MAP_TYPE_LPM_TRIE", "BPF_MAP_TYPE_ARRAY_OF_MAPS",
    "BPF_MAP_TYPE_HASH_OF_MAPS", "BPF_MAP_TYPE_DEVMAP", "BPF_MAP_TYPE_SOCKMAP", "BPF_MAP_TYPE_CPUMAP",
    "BPF_MAP_TYPE_XSKMAP", "BPF_MAP_TYPE_SOCKHASH", "BPF_MAP_TYPE_CGROUP_STORAGE",
    "BPF_MAP_TYPE_REUSEPORT_SOCKARRAY", "BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE", "BPF_MAP_TYPE_QUEUE",
    "BPF_MAP_TYPE_STACK", "BPF_MAP_TYPE_SK_STORAGE", "BPF_MAP_TYPE_DEVMAP_HASH",
    "BPF_MAP_TYPE_STRUCT_OPS", "BPF_MAP_TYPE_RINGBUF", "BPF_MAP_TYPE_INODE_STORAGE",
    "BPF_MAP_TYPE_TASK_STORAGE", "BPF_MAP_TYPE_BLOOM_FILTER", "BPF_MAP_TYPE_USER_RINGBUF",
    "BPF_MAP_TYPE_CGRP_STORAGE", "BPF_MAP_TYPE_ARENA",
};

const char* const kProgTypes[] = {
    "BPF_PROG_TYPE_UNSPEC", "BPF_PROG_TYPE_SOCKET_FILTER", "BPF_PROG_TYPE_KPROBE",
    "BPF_PROG_TYPE_SCHED_CLS", "BPF_PROG_TYPE_SCHED_ACT", "BPF_PROG_TYPE_TRACEPOINT",
    "BPF_PROG_TYPE_XDP", "BPF_PROG_TYPE_PERF_EVENT", "BPF_PROG_TYPE_CGROUP_SKB",
    "BPF_PROG_TYPE_CGROUP_SOCK", "BPF_PROG_TYPE_LWT_IN", "BPF_PROG_TYPE_LWT_OUT",
    "BPF_PROG_TYPE_LWT_XMIT", "BPF_PROG_TYPE_SOCK_OPS", "BPF_PROG_TYPE_SK_SKB",
    "BPF_PROG_TYPE_CGROUP_DEVICE", "BPF_PROG_TYPE_SK_MSG", "BPF_PROG_TYPE_RAW_TRACEPOINT",
    "BPF_PROG_TYPE_CGROUP_SOCK_ADDR", "BPF_PROG_TYPE_LWT_SEG6LOCAL", "BPF_PROG_TYPE_LIRC_MODE2",
    "BPF_PROG_TYPE_SK_REUSEPORT", "BPF_PROG_TYPE_FLOW_DISSECTOR", "BPF_PROG_TYPE_CGROUP_SYSCTL",
    "BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE", "BPF_PROG_TYPE_CGROUP_SOCKOPT", "BPF_PROG_TYPE_TRACING",
    "BPF_PROG_TYPE_STRUCT_OPS", "BPF_PROG_TYPE_EXT", "BPF_PROG_TYPE_LSM", "BPF_PROG_TYPE_SK_LOOKUP",
    "BPF_PROG_TYPE_SYSCALL", "BPF_PROG_TYPE_NETFILTER",
};

const char* const kAttachTypes[] = {
    "BPF_CGROUP_INET_INGRESS", "BPF_CGROUP_INET_EGRESS", "BPF_CGROUP_INET_SOCK_CREATE",
    "BPF_CGROUP_SOCK_OPS", "BPF_SK_SKB_STREAM_PARSER", "BPF_SK_SKB_STREAM_VERDICT",
    "BPF_CGROUP_DEVICE", "BPF_SK_MSG_VERDICT", "BPF_CGROUP_INET4_BIND", "BPF_CGROUP_INET6_BIND",
    "BPF_CGROUP_INET4_CONNECT", "BPF_CGROUP_INET6_CONNECT", "BPF_CGROUP_INET4_POST_BIND",
    "BPF_CGROUP_INET6_POST_BIND", "BPF_CGROUP_UDP4_SENDMSG", "BPF_CGROUP_UDP6_SENDMSG",
    "BPF_LIRC_MODE2", "BPF_FLOW_DISSECTOR", "BPF_CGROUP_SYSCTL", "BPF_CGROUP_UDP4_RECVMSG",
    "BPF_CGROUP_UDP6_RECVMSG", "BPF_CGROUP_GETSOCKOPT", "BPF_CGROUP_SETSOCKOPT", "BPF_TRACE_RAW_TP",
    "BPF_TRACE_FENTRY", "BPF_TRACE_FEXIT", "BPF_MODIFY_RETURN", "BPF_LSM_MAC", "BPF_TRACE_ITER",
    "BPF_CGROUP_INET4_GETPEERNAME", "BPF_CGROUP_INET6_GETPEERNAME", "BPF_CGROUP_INET4_GETSOCKNAME",
    "BPF_CGROUP_INET6_GETSOCKNAME", "BPF_XDP_DEVMAP", "BPF_CGROUP_INET_SOCK_RELEASE",
    "BPF_XDP_CPUMAP", "BPF_SK_LOOKUP", "BPF_XDP", "BPF_SK_SKB_VERDICT", "BPF_SK_REUSEPORT_SELECT",
    "BPF_SK_REUSEPORT_SELECT_OR_MIGRATE", "BPF_PERF_EVENT", "BPF_TRACE_KPROBE_MULTI",
    "BPF_LSM_CGROUP", "BPF_STRUCT_OPS", "BPF_NETFILTER", "BPF_TCX_INGRESS", "BPF_TCX_EGRESS",
    "BPF_TRACE_UPROBE_MULTI", "BPF_CGROUP_UNIX_CONNECT", "BPF_CGROUP_UNIX_SENDMSG",
    "BPF_CGROUP_UNIX_RECVMSG", "BPF_CGROUP_UNIX_GETPEERNAME", "BPF_CGROUP_UNIX_GETSOCKNAME",
    "BPF_NETKIT_PRIMARY", "BPF_NETKIT_PEER", "BPF_TRACE_KPROBE_SESSION", "BPF_TRACE_UPROBE_SESSION",
};
static_assert(std::size(kAttachTypes) == 58);

const char* const kLinkTypes[] = {
    "BPF_LINK_TYPE_UNSPEC", "BPF_LINK_TYPE_RAW_TRACEPOINT", "BPF_LINK_TYPE_TRACING",
    "BPF_LINK_TYPE_CGROUP", "BPF_LINK_TYPE_ITER", "BPF_LINK_TYPE_NETNS", "BPF_LINK_TYPE_XDP",
    "BPF_LINK_TYPE_PERF_EVENT", "BPF_LINK_TYPE_KPROBE_MULTI", "BPF_LINK_TYPE_STRUCT_OPS",
    "BPF_LINK_TYPE_NETFILTER", "BPF_LINK_TYPE_TCX", "BPF_LINK_TYPE_UPROBE_MULTI",
    "BPF_LINK_TYPE_NETKIT", "BPF_LINK_TYPE_SOCKMAP",
};

struct FlagName {
    std::uint64_t bit;
    const char* name;
};

const FlagName kMapFlags[] = {
    {1u << 0, "BPF_F_NO_PREALLOC"}, {1u << 1, "BPF_F_NO_COMMON_LRU"}, {1u << 2, "BPF_F_NUMA_NODE"},
    {1u << 3, "BPF_F_RDONLY"}, {1u << 4, "BPF_F_WRONLY"}, {1u << 5, "BPF_F_STACK_BUILD_ID"},
    {1u << 6, "BPF_F_ZERO_SEED"}, {1u << 7, "BPF_F_RDONLY_PROG"}, {1u << 8, "BPF_F_WRONLY_PROG"},
    {1u << 9, "BPF_F_CLONE"}, {1u << 10, "BPF_F_MMAPABLE"}, {1u << 11, "BPF_F_PRESERVE_ELEMS"},
    {1u << 12, "BPF_F_INNER_MAP"}, {1u << 13, "BPF_F_LINK"}, {1u << 14, "BPF_F_PATH_FD"},
    {1u << 15, "BPF_F_VTYPE_BTF_OBJ_FD"}, {1u << 16, "BPF_F_TOKEN_FD"},
    {1u << 17, "BPF_F_SEGV_ON_FAULT"}, {1u << 18, "BPF_F_NO_USER_CONV"},
};
const FlagName kProgFlags[] = {
    {1u << 0, "BPF_F_STRICT_ALIGNMENT"}, {1u << 1, "BPF_F_ANY_ALIGNMENT"},
    {1u << 2, "BPF_F_TEST_RND_HI32"}, {1u << 3, "BPF_F_TEST_STATE_FREQ"},
    {1u << 4, "BPF_F_SLEEPABLE"}, {1u << 5, "BPF_F_XDP_HAS_FRAGS"},
    {1u << 6, "BPF_F_XDP_DEV_BOUND_ONLY"}, {1u << 7, "BPF_F_TEST_REG_INVARIANTS"},
    {1u << 16, "BPF_F_TOKEN_FD"},
};
// BPF_ANY / BPF_NOEXIST / BPF_EXIST are values of the low two bits.
const FlagName kElemFlags[] = {{1, "BPF_NOEXIST"}, {2, "BPF_EXIST"}, {4, "BPF_F_LOCK"}};
const FlagName kLinkUpdateFlags[] = {{1u << 2, "BPF_F_REPLACE"}};
const FlagName kObjFlags[] = {{1u << 3, "BPF_F_RDONLY"}, {1u << 4, "BPF_F_WRONLY"},
                              {1u << 14, "BPF_F_PATH_FD"}};
const FlagName kTestRunFlags[] = {{1u << 0, "BPF_F_TEST_RUN_ON_CPU"},
                                  {1u << 1, "BPF_F_TEST_XDP_LIVE_FRAMES"},
                                  {1u << 2, "BPF_F_TEST_SKB_CHECKSUM_COMPLETE"}};
const FlagName kLogLevels[] = {{1, "BPF_LOG_LEVEL1"}, {2, "BPF_LOG_LEVEL2"}, {4, "BPF_LOG_STATS"}};

// The names of the set flags, in table order; bits without a name stay
// visible as one "0x..." item at the end.
template <std::size_t N>
std::vector<std::string> flag_names(const FlagName (&names)[N], std::uint64_t v) {
    std::vector<std::string> out;
    for (const auto& f : names) {
        if ((v & f.bit) == f.bit) {
            out.push_back(f.name);
            v &= ~f.bit;
        }
    }
    if (v != 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
        out.push_back(buf);
    }
    return out;
}

std::string hex(std::uint64_t v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
    return buf;
}

// A C string of at most `max` characters, as read.
std::string c_string(const char* s, std::size_t max) {
    std::size_t n = 0;
    while (n < max && s[n] != '\0') ++n;
    return std::string(s, n);
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (const char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out += static_cast<char>(c);
        } else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        }
    }
    return out + "\"";
}

// --- field tables -----------------------------------------------------------

enum class Kind {
    U32,
    U64,
    Fd,
    Ptr,
    CString,   // u64 pointer to a NUL-terminated string in this process
    Name16,    // char[16] inline
    MapType,
    ProgType,
    ExpectedAttachType,  // attach type, or member index for struct_ops programs
    AttachType,
    MapFlags,
    ProgFlags,
    ElemFlags,
    LinkUpdateFlags,
    ObjFlags,
    TestRunFlags,
    LogLevel,
};

struct Field {
    const char* name;
    std::uint16_t offset;
    std::uint8_t width;  // bytes read: 4 or 8 (16 for Name16)
    Kind kind;
    bool always;         // shown even when zero
};

#define F(S, field, kind, always) \
    Field { #field, offsetof(attr::S, field), sizeof(attr::S::field), Kind::kind, always }
#define FN(S, name, field, kind, always) \
    Field { name, offsetof(attr::S, field), sizeof(attr::S::field), Kind::kind, always }

const Field kMapCreate[] = {
    F(MapCreate, map_type, MapType, true),
    F(MapCreate, key_size, U32, true),
    F(MapCreate, value_size, U32, true),
    F(MapCreate, max_entries, U32, true),
    F(MapCreate, map_flags, MapFlags, false),
    F(MapCreate, inner_map_fd, Fd, false),
    F(MapCreate, numa_node, U32, false),
    F(MapCreate, map_name, Name16, false),
    F(MapCreate, map_ifindex, U32, false),
    F(MapCreate, btf_fd, Fd, false),
    F(MapCreate, btf_key_type_id, U32, false),
    F(MapCreate, btf_value_type_id, U32, false),
    F(MapCreate, btf_vmlinux_value_type_id, U32, false),
    F(MapCreate, map_extra, U64, false),
    F(MapCreate, value_type_btf_obj_fd, Fd, false),
    F(MapCreate, map_token_fd, Fd, false),
};

const Field kMapElem[] = {
    F(MapElem, map_fd, Fd, true),
    F(MapElem, key, Ptr, true),
    F(MapElem, value, Ptr, true),
    F(MapElem, flags, ElemFlags, false),
};
const Field kMapNextKey[] = {
    F(MapElem, map_fd, Fd, true),
    F(MapElem, key, Ptr, true),
    FN(MapElem, "next_key", value, Ptr, true),
};
const Field kMapDelete[] = {
    F(MapElem, map_fd, Fd, true),
    F(MapElem, key, Ptr, true),
    F(MapElem, flags, ElemFlags, false),
};
const Field kMapFreeze[] = {F(MapElem, map_fd, Fd, true)};

const Field kProgLoad[] = {
    F(ProgLoad, prog_type, ProgType, true),
    F(ProgLoad, insn_cnt, U32, true),
    F(ProgLoad, insns, Ptr, true),
    F(ProgLoad, license, CString, true),
    F(ProgLoad, log_level, LogLevel, false),
    F(ProgLoad, log_size, U32, false),
    F(ProgLoad, log_buf, Ptr, false),
    F(ProgLoad, kern_version, U32, false),
    F(ProgLoad, prog_flags, ProgFlags, false),
    F(ProgLoad, prog_name, Name16, false),
    F(ProgLoad, prog_ifindex, U32, false),
    F(ProgLoad, expected_attach_type, ExpectedAttachType, false),
    F(ProgLoad, prog_btf_fd, Fd, false),
    F(ProgLoad, func_info_rec_size, U32, false),
    F(ProgLoad, func_info, Ptr, false),
    F(ProgLoad, func_info_cnt, U32, false),
    F(ProgLoad, line_info_rec_size, U32, false),
    F(ProgLoad, line_info, Ptr, false),
    F(ProgLoad, line_info_cnt, U32, false),
    F(ProgLoad, attach_btf_id, U32, false),
    F(ProgLoad, attach_btf_obj_fd, Fd, false),
    F(ProgLoad, core_relo_cnt, U32, false),
    F(ProgLoad, fd_array, Ptr, false),
    F(ProgLoad, core_relos, Ptr, false),
    F(ProgLoad, core_relo_rec_size, U32, false),
    F(ProgLoad, prog_token_fd, Fd, false),
    F(ProgLoad, fd_array_cnt, U32, false),
};

const Field kObjPin[] = {
    F(Obj, pathname, CString, true),
    F(Obj, bpf_fd, Fd, true),
    F(Obj, file_flags, ObjFlags, false),
    F(Obj, path_fd, Fd, false),
};
const Field kObjGet[] = {
    F(Obj, pathname, CString, true),
    F(Obj, file_flags, ObjFlags, false),
    F(Obj, path_fd, Fd, false),
};

const Field kTestRun[] = {
    F(TestRun, prog_fd, Fd, true),
    F(TestRun, data_size_in, U32, false),
    F(TestRun, data_size_out, U32, false),
    F(TestRun, data_in, Ptr, false),
    F(TestRun, data_out, Ptr, false),
    F(TestRun, repeat, U32, false),
    F(TestRun, ctx_size_in, U32, false),
    F(TestRun, ctx_size_out, U32, false),
    F(TestRun, ctx_in, Ptr, false),
    F(TestRun, ctx_out, Ptr, false),
    F(TestRun, flags, TestRunFlags, false),
    F(TestRun, cpu, U32, false),
    F(TestRun, batch_size, U32, false),
};

const Field kNextId[] = {
    FN(GetId, "start_id", id, U32, true),
    F(GetId, open_flags, U32, false),
};
const Field kBtfById[] = {FN(GetId, "btf_id", id, U32, true), F(GetId, open_flags, U32, false)};
const Field kMapById[] = {FN(GetId, "map_id", id, U32, true), F(GetId, open_flags, U32, false)};
const Field kProgById[] = {FN(GetId, "prog_id", id, U32, true), F(GetId, open_flags, U32, false)};
const Field kLinkById[] = {FN(GetId, "link_id", id, U32, true), F(GetId, open_flags, U32, false)};

const Field kInfo[] = {
    FN(Info, "info.bpf_fd", bpf_fd, Fd, true),
    FN(Info, "info.info_len", info_len, U32, true),
    FN(Info, "info.info", info, Ptr, true),
};

const Field kBtfLoad[] = {
    F(BtfLoad, btf, Ptr, true),
    F(BtfLoad, btf_size, U32, true),
    F(BtfLoad, btf_log_buf, Ptr, false),
    F(BtfLoad, btf_log_size, U32, false),
    F(BtfLoad, btf_log_level, LogLevel, false),
    F(BtfLoad, btf_flags, U32, false),
    F(BtfLoad, btf_token_fd, Fd, false),
};

// link_create's first field is prog_fd, or map_fd for BPF_STRUCT_OPS: named
// in describe() below, after attach_type is known.
const Field kLinkCreate[] = {
    FN(LinkCreate, "link_create.prog_fd", prog_fd, Fd, true),
    FN(LinkCreate, "link_create.target_fd", target_fd, Fd, false),
    FN(LinkCreate, "link_create.attach_type", attach_type, AttachType, true),
    FN(LinkCreate, "link_create.flags", flags, U32, false),
    FN(LinkCreate, "link_create.target_btf_id", target_btf_id, U32, false),
};

// rawops only updates struct_ops links, so the new/old fds are named as map
// fds (the same union holds new_prog_fd / old_prog_fd for program links).
const Field kLinkUpdate[] = {
    FN(LinkUpdate, "link_update.link_fd", link_fd, Fd, true),
    FN(LinkUpdate, "link_update.new_map_fd", new_fd, Fd, true),
    FN(LinkUpdate, "link_update.flags", flags, LinkUpdateFlags, false),
    FN(LinkUpdate, "link_update.old_map_fd", old_fd, Fd, false),
};

const Field kLinkDetach[] = {FN(LinkDetach, "link_detach.link_fd", link_fd, Fd, true)};

const Field kProgBindMap[] = {
    FN(ProgBindMap, "prog_bind_map.prog_fd", prog_fd, Fd, true),
    FN(ProgBindMap, "prog_bind_map.map_fd", map_fd, Fd, true),
    FN(ProgBindMap, "prog_bind_map.flags", flags, U32, false),
};

#undef F
#undef FN

std::span<const Field> fields_of(Cmd cmd) {
    switch (cmd) {
        case Cmd::MapCreate: return kMapCreate;
        case Cmd::MapLookupElem:
        case Cmd::MapUpdateElem: return kMapElem;
        case Cmd::MapDeleteElem: return kMapDelete;
        case Cmd::MapGetNextKey: return kMapNextKey;
        case Cmd::MapFreeze: return kMapFreeze;
        case Cmd::ProgLoad: return kProgLoad;
        case Cmd::ObjPin: return kObjPin;
        case Cmd::ObjGet: return kObjGet;
        case Cmd::ProgTestRun: return kTestRun;
        case Cmd::ProgGetNextId:
        case Cmd::MapGetNextId:
        case Cmd::BtfGetNextId:
        case Cmd::LinkGetNextId: return kNextId;
        case Cmd::BtfGetFdById: return kBtfById;
        case Cmd::MapGetFdById: return kMapById;
        case Cmd::ProgGetFdById: return kProgById;
        case Cmd::LinkGetFdById: return kLinkById;
        case Cmd::ObjGetInfoByFd: return kInfo;
        case Cmd::BtfLoad: return kBtfLoad;
        case Cmd::LinkCreate: return kLinkCreate;
        case Cmd::LinkUpdate: return kLinkUpdate;
        case Cmd::LinkDetach: return kLinkDetach;
        case Cmd::ProgBindMap: return kProgBindMap;
    }
    return {};
}

std::uint64_t read_uint(std::span<const std::byte> attr, std::size_t offset, std::size_t width) {
    unsigned char buf[8] = {};
    for (std::size_t i = 0; i < width && i < 8; ++i) {
        if (offset + i < attr.size()) buf[i] = static_cast<unsigned char>(attr[offset + i]);
    }
    std::uint64_t v = 0;
    std::memcpy(&v, buf, sizeof v);  // little endian host, like the kernel's
    return width == 4 ? (v & 0xffffffffu) : v;
}

AttrField value_field(const Field& f, std::string name, std::span<const std::byte> attr, std::uint64_t v,
                      std::uint32_t prog_type) {
    switch (f.kind) {
        case Kind::U32: return number_field(std::move(name), static_cast<std::int64_t>(v));
        case Kind::U64: return u64_field(std::move(name), v);
        case Kind::Fd: return number_field(std::move(name), static_cast<std::int32_t>(v));
        case Kind::Ptr: return pointer_field(std::move(name), v);
        case Kind::CString:
            if (v == 0) return text_field(std::move(name), "NULL");
            return string_field(std::move(name), c_string(reinterpret_cast<const char*>(static_cast<std::uintptr_t>(v)), 4096));
        case Kind::Name16: {
            char buf[16] = {};
            for (std::size_t i = 0; i < 16; ++i) {
                if (f.offset + i < attr.size()) buf[i] = static_cast<char>(attr[f.offset + i]);
            }
            return string_field(std::move(name), c_string(buf, 16));
        }
        case Kind::MapType: return name_field(std::move(name), map_type_name(static_cast<std::uint32_t>(v)));
        case Kind::ProgType: return name_field(std::move(name), prog_type_name(static_cast<std::uint32_t>(v)));
        case Kind::ExpectedAttachType:
            // For a struct_ops program the kernel reads this as the index of
            // the member (function pointer) the program implements.
            if (prog_type == kProgTypeStructOps) return name_field(std::move(name), "member#" + std::to_string(v));
            return name_field(std::move(name), attach_type_name(static_cast<std::uint32_t>(v)));
        case Kind::AttachType: return name_field(std::move(name), attach_type_name(static_cast<std::uint32_t>(v)));
        case Kind::MapFlags: return flags_field(std::move(name), flag_names(kMapFlags, v));
        case Kind::ProgFlags: return flags_field(std::move(name), flag_names(kProgFlags, v));
        case Kind::ElemFlags: return flags_field(std::move(name), flag_names(kElemFlags, v));
        case Kind::LinkUpdateFlags: return flags_field(std::move(name), flag_names(kLinkUpdateFlags, v));
        case Kind::ObjFlags: return flags_field(std::move(name), flag_names(kObjFlags, v));
        case Kind::TestRunFlags: return flags_field(std::move(name), flag_names(kTestRunFlags, v));
        case Kind::LogLevel: return flags_field(std::move(name), flag_names(kLogLevels, v));
    }
    return u64_field(std::move(name), v);
}

}  // namespace

std::string cmd_name(Cmd cmd) {
    switch (cmd) {
        case Cmd::MapCreate: return "BPF_MAP_CREATE";
        case Cmd::MapLookupElem: return "BPF_MAP_LOOKUP_ELEM";
        case Cmd::MapUpdateElem: return "BPF_MAP_UPDATE_ELEM";
        case Cmd::MapDeleteElem: return "BPF_MAP_DELETE_ELEM";
        case Cmd::MapGetNextKey: return "BPF_MAP_GET_NEXT_KEY";
        case Cmd::ProgLoad: return "BPF_PROG_LOAD";
        case Cmd::ObjPin: return "BPF_OBJ_PIN";
        case Cmd::ObjGet: return "BPF_OBJ_GET";
        case Cmd::ProgTestRun: return "BPF_PROG_TEST_RUN";
        case Cmd::ProgGetNextId: return "BPF_PROG_GET_NEXT_ID";
        case Cmd::MapGetNextId: return "BPF_MAP_GET_NEXT_ID";
        case Cmd::ProgGetFdById: return "BPF_PROG_GET_FD_BY_ID";
        case Cmd::MapGetFdById: return "BPF_MAP_GET_FD_BY_ID";
        case Cmd::ObjGetInfoByFd: return "BPF_OBJ_GET_INFO_BY_FD";
        case Cmd::BtfLoad: return "BPF_BTF_LOAD";
        case Cmd::BtfGetFdById: return "BPF_BTF_GET_FD_BY_ID";
        case Cmd::MapFreeze: return "BPF_MAP_FREEZE";
        case Cmd::BtfGetNextId: return "BPF_BTF_GET_NEXT_ID";
        case Cmd::LinkCreate: return "BPF_LINK_CREATE";
        case Cmd::LinkUpdate: return "BPF_LINK_UPDATE";
        case Cmd::LinkGetFdById: return "BPF_LINK_GET_FD_BY_ID";
        case Cmd::LinkGetNextId: return "BPF_LINK_GET_NEXT_ID";
        case Cmd::LinkDetach: return "BPF_LINK_DETACH";
        case Cmd::ProgBindMap: return "BPF_PROG_BIND_MAP";
    }
    return "BPF_CMD_" + std::to_string(static_cast<int>(cmd));
}

std::string map_type_name(std::uint32_t type) { return lookup(kMapTypes, type); }
std::string prog_type_name(std::uint32_t type) { return lookup(kProgTypes, type); }
std::string attach_type_name(std::uint32_t type) { return lookup(kAttachTypes, type); }
std::string link_type_name(std::uint32_t type) { return lookup(kLinkTypes, type); }

std::string errno_name(int err) {
    switch (err) {
        case EPERM: return "EPERM";
        case ENOENT: return "ENOENT";
        case ESRCH: return "ESRCH";
        case EINTR: return "EINTR";
        case EIO: return "EIO";
        case E2BIG: return "E2BIG";
        case EBADF: return "EBADF";
        case EAGAIN: return "EAGAIN";
        case ENOMEM: return "ENOMEM";
        case EACCES: return "EACCES";
        case EFAULT: return "EFAULT";
        case EBUSY: return "EBUSY";
        case EEXIST: return "EEXIST";
        case EXDEV: return "EXDEV";
        case ENODEV: return "ENODEV";
        case ENOTDIR: return "ENOTDIR";
        case EISDIR: return "EISDIR";
        case EINVAL: return "EINVAL";
        case EMFILE: return "EMFILE";
        case ENOSPC: return "ENOSPC";
        case ERANGE: return "ERANGE";
        case ENOSYS: return "ENOSYS";
        case ELOOP: return "ELOOP";
        case EOPNOTSUPP: return "EOPNOTSUPP";
        case EPROTO: return "EPROTO";
        case EOVERFLOW: return "EOVERFLOW";
        case 524: return "ENOTSUPP";  // kernel-internal, yet bpf() returns it
    }
    return "errno " + std::to_string(err);
}

std::string errno_description(int err) {
    if (err == 524) return "Operation is not supported";  // libc does not know ENOTSUPP
    return std::strerror(err);
}

std::string errno_text(int err) { return errno_description(err) + " (" + errno_name(err) + ")"; }

std::vector<AttrField> describe(Cmd cmd, std::span<const std::byte> attr) {
    std::vector<AttrField> out;
    std::uint32_t prog_type = 0;
    if (cmd == Cmd::ProgLoad) prog_type = static_cast<std::uint32_t>(read_uint(attr, 0, 4));
    bool struct_ops_link =
        cmd == Cmd::LinkCreate &&
        read_uint(attr, offsetof(attr::LinkCreate, attach_type), 4) == kAttachStructOps;

    for (const Field& f : fields_of(cmd)) {
        std::uint64_t v = f.kind == Kind::Name16 ? read_uint(attr, f.offset, 1)
                                                 : read_uint(attr, f.offset, f.width);
        if (v == 0 && !f.always) continue;
        std::string name = f.name;
        if (struct_ops_link && f.offset == offsetof(attr::LinkCreate, prog_fd)) {
            name = "link_create.map_fd";
        }
        out.push_back(value_field(f, std::move(name), attr, v, prog_type));
    }
    return out;
}

AttrField text_field(std::string name, std::string text) {
    return {std::move(name), std::move(text), AttrKind::Text, {}};
}
AttrField number_field(std::string name, std::int64_t v) {
    return {std::move(name), std::to_string(v), AttrKind::Number, {}};
}
AttrField u64_field(std::string name, std::uint64_t v) {
    return {std::move(name), std::to_string(v), AttrKind::U64, {}};
}
AttrField pointer_field(std::string name, std::uint64_t v) { return {std::move(name), hex(v), AttrKind::Pointer, {}}; }
AttrField string_field(std::string name, std::string s) {
    std::string text = quoted(s);
    return {std::move(name), std::move(text), AttrKind::String, {std::move(s)}};
}
AttrField name_field(std::string name, std::string enum_name) {
    return {std::move(name), std::move(enum_name), AttrKind::Name, {}};
}
// "A|B", or "0" when no flag is set (as the C constant would read).
AttrField flags_field(std::string name, std::vector<std::string> flags) {
    std::string text;
    for (const auto& f : flags) text += (text.empty() ? "" : "|") + f;
    return {std::move(name), text.empty() ? "0" : text, AttrKind::Flags, std::move(flags)};
}
AttrField list_field(std::string name, std::vector<std::string> items) {
    std::string text = "[";
    for (std::size_t i = 0; i < items.size(); ++i) text += (i ? "," : "") + items[i];
    return {std::move(name), text + "]", AttrKind::List, std::move(items)};
}

std::string format_fields(const std::vector<AttrField>& fields) {
    std::string out;
    for (const auto& f : fields) {
        if (!out.empty()) out += ' ';
        out += f.name;
        out += '=';
        out += f.value;
    }
    return out;
}

}  // namespace rawops::sys
