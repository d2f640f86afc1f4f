// What a load leaves in the kernel, counted from outside the loader: the
// fault-injection and soak tests compare these before and after.
#pragma once

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
// named as one of this load's (other processes may load BPF meanwhile),
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
