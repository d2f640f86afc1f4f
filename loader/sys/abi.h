// Constants of the bpf() syscall ABI that the rest of rawops needs: command
// numbers, map/program/attach/link types and flag bits.
//
// Written down here (not taken from <linux/bpf.h>) for two reasons: only
// loader/sys/*.cpp may include the syscall header, and the installed header
// is 6.1 while the loader speaks newer ABI (BPF_F_LINK, BPF_STRUCT_OPS,
// BPF_F_VTYPE_BTF_OBJ_FD, ...). abi_check.cpp static_asserts every value the
// 6.1 header has; the newer ones are checked against the kernel's
// include/uapi/linux/bpf.h (values noted beside them).
#pragma once

#include <cstdint>

namespace rawops::sys {

// enum bpf_cmd: only the commands rawops issues.
enum class Cmd : int {
    MapCreate = 0,
    MapLookupElem = 1,
    MapUpdateElem = 2,
    MapDeleteElem = 3,
    MapGetNextKey = 4,
    ProgLoad = 5,
    ObjPin = 6,
    ObjGet = 7,
    ProgTestRun = 10,
    ProgGetNextId = 11,
    MapGetNextId = 12,
    ProgGetFdById = 13,
    MapGetFdById = 14,
    ObjGetInfoByFd = 15,
    BtfLoad = 18,
    BtfGetFdById = 19,
    MapFreeze = 22,
    BtfGetNextId = 23,
    LinkCreate = 28,
    LinkUpdate = 29,
    LinkGetFdById = 30,
    LinkGetNextId = 31,
    LinkDetach = 34,
    ProgBindMap = 35,
};

// BPF_OBJ_NAME_LEN: map and program names hold at most 15 characters + NUL.
inline constexpr std::uint32_t kObjNameLen = 16;

// enum bpf_map_type (subset).
inline constexpr std::uint32_t kMapTypeHash = 1;
inline constexpr std::uint32_t kMapTypeArray = 2;
inline constexpr std::uint32_t kMapTypeStructOps = 26;
inline constexpr std::uint32_t kMapTypeRingbuf = 27;
inline constexpr std::uint32_t kMapTypeUserRingbuf = 31;
inline constexpr std::uint32_t kMapTypeArena = 33;  // 6.9

// enum bpf_prog_type (subset).
inline constexpr std::uint32_t kProgTypeSocketFilter = 1;
inline constexpr std::uint32_t kProgTypeKprobe = 2;
inline constexpr std::uint32_t kProgTypeTracepoint = 5;
inline constexpr std::uint32_t kProgTypeTracing = 26;
inline constexpr std::uint32_t kProgTypeStructOps = 27;
inline constexpr std::uint32_t kProgTypeSyscall = 31;

// enum bpf_attach_type: BPF_LINK_CREATE of a struct_ops map (6.4; 44 in
// today's uapi). For BPF_PROG_LOAD of a struct_ops program,
// expected_attach_type is not an attach type but the member index.
inline constexpr std::uint32_t kAttachStructOps = 44;
// Tracing programs (BPF_PROG_LOAD expected_attach_type and BPF_LINK_CREATE).
inline constexpr std::uint32_t kAttachTraceRawTp = 23;
inline constexpr std::uint32_t kAttachTraceFentry = 24;
inline constexpr std::uint32_t kAttachTraceFexit = 25;
inline constexpr std::uint32_t kAttachModifyReturn = 26;
// BPF_LINK_CREATE of a program on a perf event (kprobe).
inline constexpr std::uint32_t kAttachPerfEvent = 41;

// enum bpf_link_type.
inline constexpr std::uint32_t kLinkTypeStructOps = 9;
inline constexpr std::uint32_t kLinkTypeTracing = 2;
inline constexpr std::uint32_t kLinkTypePerfEvent = 7;

// BPF_MAP_CREATE map_flags.
inline constexpr std::uint32_t kMapFlagNoPrealloc = 1u << 0;
inline constexpr std::uint32_t kMapFlagRdonly = 1u << 3;
inline constexpr std::uint32_t kMapFlagWronly = 1u << 4;
inline constexpr std::uint32_t kMapFlagRdonlyProg = 1u << 7;
inline constexpr std::uint32_t kMapFlagWronlyProg = 1u << 8;
inline constexpr std::uint32_t kMapFlagMmapable = 1u << 10;
inline constexpr std::uint32_t kMapFlagLink = 1u << 13;            // BPF_F_LINK, 6.4
inline constexpr std::uint32_t kMapFlagVtypeBtfObjFd = 1u << 15;   // BPF_F_VTYPE_BTF_OBJ_FD, 6.9

// BPF_MAP_*_ELEM flags.
inline constexpr std::uint64_t kElemAny = 0;      // BPF_ANY
inline constexpr std::uint64_t kElemNoExist = 1;  // BPF_NOEXIST
inline constexpr std::uint64_t kElemExist = 2;    // BPF_EXIST
inline constexpr std::uint64_t kElemLock = 4;     // BPF_F_LOCK

// BPF_PROG_LOAD prog_flags.
inline constexpr std::uint32_t kProgFlagStrictAlignment = 1u << 0;
inline constexpr std::uint32_t kProgFlagAnyAlignment = 1u << 1;
inline constexpr std::uint32_t kProgFlagSleepable = 1u << 4;       // BPF_F_SLEEPABLE

// BPF_LINK_UPDATE flags.
inline constexpr std::uint32_t kLinkFlagReplace = 1u << 2;         // BPF_F_REPLACE

// BPF_OBJ_GET file_flags.
inline constexpr std::uint32_t kObjFlagRdonly = 1u << 3;           // BPF_F_RDONLY
inline constexpr std::uint32_t kObjFlagWronly = 1u << 4;           // BPF_F_WRONLY

// Verifier / BTF log levels (bit mask).
inline constexpr std::uint32_t kLogLevel1 = 1;      // BPF_LOG_LEVEL1
inline constexpr std::uint32_t kLogLevel2 = 2;      // BPF_LOG_LEVEL2
inline constexpr std::uint32_t kLogStats = 4;       // BPF_LOG_STATS

// Kernel limits of a log buffer (kernel/bpf/log.c, bpf_verifier_log_attr_valid).
inline constexpr std::uint32_t kLogMinSize = 128;
inline constexpr std::uint32_t kLogMaxSize = 0xffffffffu >> 2;

}  // namespace rawops::sys
