// Compile-time proof that abi.h and attr.h agree with the installed
// <linux/bpf.h> (6.1) for everything that header has. Fields and constants
// newer than 6.1 are asserted in attr.h / abi.h against the current uapi
// numbers instead. This file produces no code.
#include <linux/bpf.h>

#include <cstddef>

#include "loader/insn.h"
#include "loader/sys/abi.h"
#include "loader/sys/attr.h"

namespace rawops::sys {
namespace {

constexpr int cmd(Cmd c) { return static_cast<int>(c); }

static_assert(cmd(Cmd::MapCreate) == BPF_MAP_CREATE);
static_assert(cmd(Cmd::MapLookupElem) == BPF_MAP_LOOKUP_ELEM);
static_assert(cmd(Cmd::MapUpdateElem) == BPF_MAP_UPDATE_ELEM);
static_assert(cmd(Cmd::MapDeleteElem) == BPF_MAP_DELETE_ELEM);
static_assert(cmd(Cmd::MapGetNextKey) == BPF_MAP_GET_NEXT_KEY);
static_assert(cmd(Cmd::ProgLoad) == BPF_PROG_LOAD);
static_assert(cmd(Cmd::ObjPin) == BPF_OBJ_PIN);
static_assert(cmd(Cmd::ObjGet) == BPF_OBJ_GET);
static_assert(cmd(Cmd::ProgTestRun) == BPF_PROG_TEST_RUN);
static_assert(cmd(Cmd::ProgGetNextId) == BPF_PROG_GET_NEXT_ID);
static_assert(cmd(Cmd::MapGetNextId) == BPF_MAP_GET_NEXT_ID);
static_assert(cmd(Cmd::ProgGetFdById) == BPF_PROG_GET_FD_BY_ID);
static_assert(cmd(Cmd::MapGetFdById) == BPF_MAP_GET_FD_BY_ID);
static_assert(cmd(Cmd::ObjGetInfoByFd) == BPF_OBJ_GET_INFO_BY_FD);
static_assert(cmd(Cmd::BtfLoad) == BPF_BTF_LOAD);
static_assert(cmd(Cmd::BtfGetFdById) == BPF_BTF_GET_FD_BY_ID);
static_assert(cmd(Cmd::MapFreeze) == BPF_MAP_FREEZE);
static_assert(cmd(Cmd::BtfGetNextId) == BPF_BTF_GET_NEXT_ID);
static_assert(cmd(Cmd::LinkCreate) == BPF_LINK_CREATE);
static_assert(cmd(Cmd::LinkUpdate) == BPF_LINK_UPDATE);
static_assert(cmd(Cmd::LinkGetFdById) == BPF_LINK_GET_FD_BY_ID);
static_assert(cmd(Cmd::LinkGetNextId) == BPF_LINK_GET_NEXT_ID);
static_assert(cmd(Cmd::LinkDetach) == BPF_LINK_DETACH);
static_assert(cmd(Cmd::ProgBindMap) == BPF_PROG_BIND_MAP);

static_assert(kObjNameLen == BPF_OBJ_NAME_LEN);
static_assert(kMapTypeHash == BPF_MAP_TYPE_HASH);
static_assert(kMapTypeArray == BPF_MAP_TYPE_ARRAY);
static_assert(kMapTypeStructOps == BPF_MAP_TYPE_STRUCT_OPS);
static_assert(kMapTypeRingbuf == BPF_MAP_TYPE_RINGBUF);
static_assert(kProgTypeSocketFilter == BPF_PROG_TYPE_SOCKET_FILTER);
static_assert(kProgTypeTracing == BPF_PROG_TYPE_TRACING);
static_assert(kProgTypeStructOps == BPF_PROG_TYPE_STRUCT_OPS);
static_assert(kProgTypeSyscall == BPF_PROG_TYPE_SYSCALL);
static_assert(kProgTypeKprobe == BPF_PROG_TYPE_KPROBE);
static_assert(kMapTypeUserRingbuf == BPF_MAP_TYPE_USER_RINGBUF);
static_assert(kProgTypeTracepoint == BPF_PROG_TYPE_TRACEPOINT);
static_assert(kAttachTraceRawTp == BPF_TRACE_RAW_TP);
static_assert(kAttachTraceFentry == BPF_TRACE_FENTRY);
static_assert(kAttachTraceFexit == BPF_TRACE_FEXIT);
static_assert(kAttachModifyReturn == BPF_MODIFY_RETURN);
static_assert(kAttachPerfEvent == BPF_PERF_EVENT);
static_assert(kLinkTypeTracing == BPF_LINK_TYPE_TRACING);
static_assert(kLinkTypePerfEvent == BPF_LINK_TYPE_PERF_EVENT);
static_assert(kLinkTypeStructOps == BPF_LINK_TYPE_STRUCT_OPS);
// BPF_STRUCT_OPS follows BPF_LSM_CGROUP, the last attach type 6.1 knows.
static_assert(kAttachStructOps == BPF_LSM_CGROUP + 1);

static_assert(kMapFlagNoPrealloc == BPF_F_NO_PREALLOC);
static_assert(kMapFlagRdonly == BPF_F_RDONLY);
static_assert(kMapFlagWronly == BPF_F_WRONLY);
static_assert(kMapFlagRdonlyProg == BPF_F_RDONLY_PROG);
static_assert(kMapFlagWronlyProg == BPF_F_WRONLY_PROG);
static_assert(kMapFlagMmapable == BPF_F_MMAPABLE);
// BPF_F_LINK follows BPF_F_INNER_MAP, the last map flag 6.1 knows.
static_assert(kMapFlagLink == BPF_F_INNER_MAP << 1);
static_assert(kElemAny == BPF_ANY && kElemNoExist == BPF_NOEXIST && kElemExist == BPF_EXIST &&
              kElemLock == BPF_F_LOCK);
static_assert(kProgFlagStrictAlignment == BPF_F_STRICT_ALIGNMENT);
static_assert(kProgFlagAnyAlignment == BPF_F_ANY_ALIGNMENT);
static_assert(kProgFlagSleepable == BPF_F_SLEEPABLE);
static_assert(kLinkFlagReplace == BPF_F_REPLACE);
static_assert(kObjFlagRdonly == BPF_F_RDONLY && kObjFlagWronly == BPF_F_WRONLY);
static_assert(kLogLevel1 == 1 && kLogLevel2 == 2 && kLogStats == 4);

static_assert(sizeof(Insn) == sizeof(struct bpf_insn));
static_assert(offsetof(Insn, off) == offsetof(struct bpf_insn, off));
static_assert(offsetof(Insn, imm) == offsetof(struct bpf_insn, imm));

// attr layouts against the installed union, field by field.
#define SAME_OFFSET(ours, field, theirs) \
    static_assert(offsetof(attr::ours, field) == offsetof(union bpf_attr, theirs), #field)

SAME_OFFSET(MapCreate, map_type, map_type);
SAME_OFFSET(MapCreate, key_size, key_size);
SAME_OFFSET(MapCreate, value_size, value_size);
SAME_OFFSET(MapCreate, max_entries, max_entries);
SAME_OFFSET(MapCreate, map_flags, map_flags);
SAME_OFFSET(MapCreate, inner_map_fd, inner_map_fd);
SAME_OFFSET(MapCreate, numa_node, numa_node);
SAME_OFFSET(MapCreate, map_name, map_name);
SAME_OFFSET(MapCreate, map_ifindex, map_ifindex);
SAME_OFFSET(MapCreate, btf_fd, btf_fd);
SAME_OFFSET(MapCreate, btf_key_type_id, btf_key_type_id);
SAME_OFFSET(MapCreate, btf_value_type_id, btf_value_type_id);
SAME_OFFSET(MapCreate, btf_vmlinux_value_type_id, btf_vmlinux_value_type_id);
SAME_OFFSET(MapCreate, map_extra, map_extra);

SAME_OFFSET(MapElem, map_fd, map_fd);
SAME_OFFSET(MapElem, key, key);
SAME_OFFSET(MapElem, value, value);
SAME_OFFSET(MapElem, value, next_key);
SAME_OFFSET(MapElem, flags, flags);

SAME_OFFSET(ProgLoad, prog_type, prog_type);
SAME_OFFSET(ProgLoad, insn_cnt, insn_cnt);
SAME_OFFSET(ProgLoad, insns, insns);
SAME_OFFSET(ProgLoad, license, license);
SAME_OFFSET(ProgLoad, log_level, log_level);
SAME_OFFSET(ProgLoad, log_size, log_size);
SAME_OFFSET(ProgLoad, log_buf, log_buf);
SAME_OFFSET(ProgLoad, kern_version, kern_version);
SAME_OFFSET(ProgLoad, prog_flags, prog_flags);
SAME_OFFSET(ProgLoad, prog_name, prog_name);
SAME_OFFSET(ProgLoad, prog_ifindex, prog_ifindex);
SAME_OFFSET(ProgLoad, expected_attach_type, expected_attach_type);
SAME_OFFSET(ProgLoad, prog_btf_fd, prog_btf_fd);
SAME_OFFSET(ProgLoad, func_info_rec_size, func_info_rec_size);
SAME_OFFSET(ProgLoad, func_info, func_info);
SAME_OFFSET(ProgLoad, func_info_cnt, func_info_cnt);
SAME_OFFSET(ProgLoad, line_info_rec_size, line_info_rec_size);
SAME_OFFSET(ProgLoad, line_info, line_info);
SAME_OFFSET(ProgLoad, line_info_cnt, line_info_cnt);
SAME_OFFSET(ProgLoad, attach_btf_id, attach_btf_id);
SAME_OFFSET(ProgLoad, attach_btf_obj_fd, attach_btf_obj_fd);
SAME_OFFSET(ProgLoad, attach_btf_obj_fd, attach_prog_fd);
SAME_OFFSET(ProgLoad, core_relo_cnt, core_relo_cnt);
SAME_OFFSET(ProgLoad, fd_array, fd_array);
SAME_OFFSET(ProgLoad, core_relos, core_relos);
SAME_OFFSET(ProgLoad, core_relo_rec_size, core_relo_rec_size);

SAME_OFFSET(Obj, pathname, pathname);
SAME_OFFSET(Obj, bpf_fd, bpf_fd);
SAME_OFFSET(Obj, file_flags, file_flags);

SAME_OFFSET(TestRun, prog_fd, test.prog_fd);
SAME_OFFSET(TestRun, retval, test.retval);
SAME_OFFSET(TestRun, data_size_in, test.data_size_in);
SAME_OFFSET(TestRun, data_size_out, test.data_size_out);
SAME_OFFSET(TestRun, data_in, test.data_in);
SAME_OFFSET(TestRun, data_out, test.data_out);
SAME_OFFSET(TestRun, repeat, test.repeat);
SAME_OFFSET(TestRun, duration, test.duration);
SAME_OFFSET(TestRun, ctx_size_in, test.ctx_size_in);
SAME_OFFSET(TestRun, ctx_size_out, test.ctx_size_out);
SAME_OFFSET(TestRun, ctx_in, test.ctx_in);
SAME_OFFSET(TestRun, ctx_out, test.ctx_out);
SAME_OFFSET(TestRun, flags, test.flags);
SAME_OFFSET(TestRun, cpu, test.cpu);
SAME_OFFSET(TestRun, batch_size, test.batch_size);

SAME_OFFSET(GetId, id, start_id);
SAME_OFFSET(GetId, id, btf_id);
SAME_OFFSET(GetId, id, map_id);
SAME_OFFSET(GetId, id, prog_id);
SAME_OFFSET(GetId, id, link_id);
SAME_OFFSET(GetId, next_id, next_id);
SAME_OFFSET(GetId, open_flags, open_flags);

SAME_OFFSET(Info, bpf_fd, info.bpf_fd);
SAME_OFFSET(Info, info_len, info.info_len);
SAME_OFFSET(Info, info, info.info);

SAME_OFFSET(BtfLoad, btf, btf);
SAME_OFFSET(BtfLoad, btf_log_buf, btf_log_buf);
SAME_OFFSET(BtfLoad, btf_size, btf_size);
SAME_OFFSET(BtfLoad, btf_log_size, btf_log_size);
SAME_OFFSET(BtfLoad, btf_log_level, btf_log_level);

SAME_OFFSET(LinkCreate, prog_fd, link_create.prog_fd);
SAME_OFFSET(LinkCreate, target_fd, link_create.target_fd);
SAME_OFFSET(LinkCreate, attach_type, link_create.attach_type);
SAME_OFFSET(LinkCreate, flags, link_create.flags);
SAME_OFFSET(LinkCreate, target_btf_id, link_create.target_btf_id);

SAME_OFFSET(LinkUpdate, link_fd, link_update.link_fd);
SAME_OFFSET(LinkUpdate, new_fd, link_update.new_prog_fd);
SAME_OFFSET(LinkUpdate, flags, link_update.flags);
SAME_OFFSET(LinkUpdate, old_fd, link_update.old_prog_fd);

SAME_OFFSET(LinkDetach, link_fd, link_detach.link_fd);
SAME_OFFSET(ProgBindMap, prog_fd, prog_bind_map.prog_fd);
SAME_OFFSET(ProgBindMap, map_fd, prog_bind_map.map_fd);
SAME_OFFSET(ProgBindMap, flags, prog_bind_map.flags);
#undef SAME_OFFSET

#define SAME_INFO(ours, field, theirs) \
    static_assert(offsetof(attr::ours, field) == offsetof(struct theirs, field), #field)
SAME_INFO(MapInfoRaw, type, bpf_map_info);
SAME_INFO(MapInfoRaw, id, bpf_map_info);
SAME_INFO(MapInfoRaw, key_size, bpf_map_info);
SAME_INFO(MapInfoRaw, value_size, bpf_map_info);
SAME_INFO(MapInfoRaw, max_entries, bpf_map_info);
SAME_INFO(MapInfoRaw, map_flags, bpf_map_info);
SAME_INFO(MapInfoRaw, name, bpf_map_info);
SAME_INFO(MapInfoRaw, btf_vmlinux_value_type_id, bpf_map_info);
SAME_INFO(MapInfoRaw, btf_id, bpf_map_info);
SAME_INFO(MapInfoRaw, btf_key_type_id, bpf_map_info);
SAME_INFO(MapInfoRaw, btf_value_type_id, bpf_map_info);
SAME_INFO(MapInfoRaw, map_extra, bpf_map_info);
static_assert(sizeof(attr::MapInfoRaw) == sizeof(struct bpf_map_info));
SAME_INFO(LinkInfoRaw, type, bpf_link_info);
SAME_INFO(LinkInfoRaw, id, bpf_link_info);
SAME_INFO(LinkInfoRaw, prog_id, bpf_link_info);
static_assert(offsetof(attr::LinkInfoRaw, struct_ops_map_id) ==
              offsetof(struct bpf_link_info, raw_tracepoint));
SAME_INFO(BtfInfoRaw, btf, bpf_btf_info);
SAME_INFO(BtfInfoRaw, btf_size, bpf_btf_info);
SAME_INFO(BtfInfoRaw, id, bpf_btf_info);
SAME_INFO(BtfInfoRaw, name, bpf_btf_info);
SAME_INFO(BtfInfoRaw, name_len, bpf_btf_info);
SAME_INFO(BtfInfoRaw, kernel_btf, bpf_btf_info);
static_assert(sizeof(attr::BtfInfoRaw) == sizeof(struct bpf_btf_info));
#undef SAME_INFO

}  // namespace
}  // namespace rawops::sys
