// What a load leaves in the kernel, counted from outside the loader: the
// fault-injection sweeps (host and guests) and the soak test compare these
// before and after. Header-only and free of doctest, so that the static
// guest program tests/fault/guest_sweep.cpp uses the same code.
#pragma once

#include <dirent.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <variant>

#include "loader/plan/plan.h"

namespace rawops::testing {

// Ids the kernel has of one kind (BPF_PROG/MAP_GET_NEXT_ID) whose object is
// named as one of this load's (other processes may load BPF meanwhile), or
// every id when `names` is empty (a guest, where nothing else loads BPF);
// walked with raw calls so that the injection does not see them.
inline std::set<std::uint32_t> ids(int next_cmd, int fd_cmd, const std::set<std::string>& names) {
    std::set<std::uint32_t> out;
    union bpf_attr a {};
    for (;;) {
        if (::syscall(SYS_bpf, next_cmd, &a, sizeof a) < 0) break;
        const std::uint32_t id = a.next_id;
        a.start_id = id;
        union bpf_attr g {};
        g.prog_id = id;  // the same field as map_id
        if (names.empty()) {
            out.insert(id);
            continue;
        }
        const int fd = static_cast<int>(::syscall(SYS_bpf, fd_cmd, &g, sizeof g));
        if (fd < 0) continue;  // freed meanwhile
        // bpf_prog_info and bpf_map_info both have a 16-byte name; read each as its own.
        std::string name;
        union bpf_attr i {};
        if (next_cmd == BPF_PROG_GET_NEXT_ID) {
            bpf_prog_info info{};
            i.info = {static_cast<std::uint32_t>(fd), sizeof info, reinterpret_cast<std::uint64_t>(&info)};
            if (::syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &i, sizeof i) == 0) name = info.name;
        } else {
            bpf_map_info info{};
            i.info = {static_cast<std::uint32_t>(fd), sizeof info, reinterpret_cast<std::uint64_t>(&info)};
            if (::syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &i, sizeof i) == 0) name = info.name;
        }
        ::close(fd);
        if (names.count(name)) out.insert(id);
    }
    return out;
}

// Link ids (BPF_LINK_GET_NEXT_ID) whose program is in `progs` or, for a
// struct_ops link, whose map is in `maps`; every link when `all` is set.
// bpf_link_info is read as bytes: the installed uapi header (6.1) predates
// the struct_ops member (6.4), which sits at offset 16 after type, id and
// prog_id and the union's 8-byte alignment.
inline std::set<std::uint32_t> link_ids(const std::set<std::uint32_t>& progs, const std::set<std::uint32_t>& maps,
                                        bool all) {
    std::set<std::uint32_t> out;
    union bpf_attr a {};
    for (;;) {
        if (::syscall(SYS_bpf, BPF_LINK_GET_NEXT_ID, &a, sizeof a) < 0) break;
        const std::uint32_t id = a.next_id;
        a.start_id = id;
        if (all) {
            out.insert(id);
            continue;
        }
        union bpf_attr g {};
        g.link_id = id;
        const int fd = static_cast<int>(::syscall(SYS_bpf, BPF_LINK_GET_FD_BY_ID, &g, sizeof g));
        if (fd < 0) continue;  // freed meanwhile
        alignas(8) std::uint32_t info[64] = {};
        union bpf_attr i {};
        i.info = {static_cast<std::uint32_t>(fd), sizeof info, reinterpret_cast<std::uint64_t>(info)};
        const bool ok = ::syscall(SYS_bpf, BPF_OBJ_GET_INFO_BY_FD, &i, sizeof i) == 0;
        ::close(fd);
        if (!ok) continue;
        const std::uint32_t type = info[0], prog_id = info[2];
        if (progs.count(prog_id) || (type == BPF_LINK_TYPE_STRUCT_OPS && maps.count(info[4]))) out.insert(id);
    }
    return out;
}

// Entries of /proc/self/fd (the directory's own fd included, which is the
// same one extra each time).
inline int open_fd_count() {
    DIR* d = opendir("/proc/self/fd");
    if (d == nullptr) return -1;
    int n = 0;
    while (dirent* e = readdir(d)) {
        if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    return n;
}

inline std::string read_file(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

// The kernel's names (15 characters) of the maps and programs a plan creates:
// what ids() looks for.
inline std::set<std::string> object_names(const plan::Plan& p) {
    std::set<std::string> names;
    for (const plan::Step& s : p.steps) {
        if (const auto* m = std::get_if<plan::CreateMap>(&s.action)) names.insert(m->request.name.substr(0, 15));
        if (const auto* l = std::get_if<plan::LoadProgram>(&s.action)) names.insert(l->name.substr(0, 15));
    }
    return names;
}

// Resident set size of this process, in bytes (/proc/self/statm).
inline long resident_bytes() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return resident * sysconf(_SC_PAGESIZE);
}

}  // namespace rawops::testing
