// The guest half of issue 13's fault injection: the sweep of
// tests/common/fault_sweep.cpp (the host test's own) run inside the qemu
// guests, on objects the host cannot load: the seed module's types (6.12
// guest) and sched_ext schedulers and BPF qdiscs (7.3 guest). Static, like
// rawops, for the busybox initramfs. Nothing else loads BPF in a guest, so
// every program, map and link id the kernel has is compared, not only those
// of the object's names. Prints PASS:/FAIL: lines the guest suites count.
//
//   guest_sweep [--every FAULTS] [--spot FAULTS] [--sched-ext] [--testmod]
//               [--pin DIR] OBJECT...
//
// FAULTS is a list such as ENOMEM:1,EPERM:12,all:12: an errno (or all seven
// of fault::kernel_errnos()) and how many calls in a row fail with it.
// --every: injected at every call; --spot: at the first call of each
// command and at each registration call; --sched-ext:
// /sys/kernel/sched_ext/state must read "disabled" (and root/ops be absent)
// before and after each fault; --testmod: the seed module's trigger must say
// "none" (nothing registered) and its module reference count must not move;
// --pin DIR: each load also pins under DIR, as `rawops load --pin` does.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "loader/sys/describe.h"
#include "tests/common/fault_sweep.h"
#include "tests/common/kernel_objects.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

int parse_errno(const std::string& name) {
    for (int e : fault::kernel_errnos())
        if (sys::errno_name(e) == name) return e;
    return 0;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// "ENOMEM x1, all 7 errnos x12"
std::string describe(const std::vector<fault::Fault>& faults) {
    std::string out;
    for (std::size_t i = 0; i < faults.size();) {
        const std::uint64_t w = faults[i].window;
        std::size_t j = i;
        std::vector<int> errs;
        while (j < faults.size() && faults[j].window == w) errs.push_back(faults[j++].err);
        std::string names;
        if (errs == fault::kernel_errnos()) names = "all " + std::to_string(errs.size()) + " errnos";
        else
            for (int e : errs) names += (names.empty() ? "" : "/") + sys::errno_name(e);
        out += (out.empty() ? "" : ", ") + names + " x" + std::to_string(w);
        i = j;
    }
    return out;
}

// "ENOMEM:1,all:12": all expands, in fault::kernel_errnos() order.
std::vector<fault::Fault> parse_faults(const std::string& list, bool& ok) {
    std::vector<fault::Fault> out;
    for (const auto& item : split(list)) {
        const auto colon = item.find(':');
        const std::string name = item.substr(0, colon);
        const std::uint64_t window = colon == std::string::npos ? 1 : std::strtoull(item.c_str() + colon + 1, nullptr, 10);
        if (window == 0) ok = false;
        if (name == "all") {
            for (int e : fault::kernel_errnos()) out.push_back({e, window});
        } else if (int e = parse_errno(name)) {
            out.push_back({e, window});
        } else {
            ok = false;
        }
    }
    return out;
}

const char* kScx = "/sys/kernel/sched_ext";
const char* kTrigger = "/proc/bpf_testmod_trigger";

// sched_ext as the kernel reports it: "disabled" and no root/ops when no
// scheduler is registered.
std::string sched_ext_state() {
    std::string s = "sched_ext " + trim(read_file(std::string(kScx) + "/state"));
    struct stat st;
    if (::stat((std::string(kScx) + "/root/ops").c_str(), &st) == 0)
        s += ", root/ops '" + trim(read_file(std::string(kScx) + "/root/ops")) + "'";
    return s;
}

// The seed module: a write to its trigger calls whatever bpf_testmod_ops
// registration there is and a read says what ran ("none": nothing
// registered); a struct_ops map of its types holds a module reference.
std::string testmod_state() {
    { std::ofstream(kTrigger) << "x"; }
    std::string s = "bpf_testmod trigger '" + trim(read_file(kTrigger)) + "'";
    std::istringstream mods(read_file("/proc/modules"));
    for (std::string line; std::getline(mods, line);)
        if (line.rfind("bpf_testmod ", 0) == 0) {
            std::istringstream f(line);
            std::string name, size, refs;
            f >> name >> size >> refs;
            s += ", module references " + refs;
        }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<fault::Fault> every{{ENOMEM, 1}}, spot = fault::faults(fault::kernel_errnos(), {12});
    bool sched_ext = false, testmod = false, ok = true;
    std::string pin_dir, pin_root = "/sys/fs/bpf/fault-auto";
    std::vector<std::string> objects;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
        if (a == "--every") every = parse_faults(value(), ok);
        else if (a == "--spot") spot = parse_faults(value(), ok);
        else if (a == "--sched-ext") sched_ext = true;
        else if (a == "--testmod") testmod = true;
        else if (a == "--pin") pin_dir = value();
        else objects.push_back(a);
    }
    if (objects.empty() || !ok) {
        std::fprintf(stderr, "usage: guest_sweep [--every FAULTS] [--spot FAULTS] [--sched-ext] [--testmod] [--pin DIR] "
                             "OBJECT...\n  FAULTS: ERRNO:CALLS_IN_A_ROW,... (ERRNO one of ENOMEM EINVAL EPERM EINTR "
                             "EAGAIN E2BIG ENOSPC, or all)\n");
        return 2;
    }
    ::mkdir(pin_root.c_str(), 0700);
    if (!pin_dir.empty()) ::mkdir(pin_dir.c_str(), 0700);

    auto registered = [&] {
        std::string s = "tcp " + trim(read_file("/proc/sys/net/ipv4/tcp_available_congestion_control"));
        if (sched_ext) s += "; " + sched_ext_state();
        if (testmod) s += "; " + testmod_state();
        return s;
    };
    // What "nothing registered" reads as: each fault is compared with the
    // state before, which must itself be that.
    if (sched_ext && sched_ext_state() != "sched_ext disabled") {
        std::printf("FAIL: fault sweep: sched_ext is disabled before the sweep: %s\n", sched_ext_state().c_str());
        return 1;
    }
    if (testmod && testmod_state().rfind("bpf_testmod trigger 'none'", 0) != 0) {
        std::printf("FAIL: fault sweep: bpf_testmod has nothing registered before the sweep: %s\n",
                    testmod_state().c_str());
        return 1;
    }
    const std::string what = std::string(sched_ext ? "sched_ext stayed disabled, " : "") +
                             (testmod ? "bpf_testmod had nothing registered and its reference count did not move, " : "") +
                             "no fd, program, map, link or pin was left";

    int total = 0, failed = 0, registration = 0;
    for (const std::string& object : objects) {
        fault::SweepOptions o;
        o.object = object;
        o.build.pin_root = pin_root;
        o.every_call = every;
        o.at_spots = spot;
        o.pin_dir = pin_dir;
        o.all_ids = true;
        o.registered = registered;
        const fault::SweepReport r = fault::sweep(o);
        total += r.faults;
        registration += r.registration_faults;
        std::printf("INFO: fault sweep %s: %llu calls, %d faults (%d refused, %d tolerated as libbpf, %d at a registration "
                    "call) in %.0f s\n",
                    r.object.c_str(), static_cast<unsigned long long>(r.calls), r.faults, r.failed_loads, r.tolerated,
                    r.registration_faults, r.seconds);
        if (!r.problems.empty()) {
            failed++;
            std::string first;
            for (std::size_t i = 0; i < r.problems.size() && i < 4; ++i) first += " | " + r.problems[i];
            std::printf("FAIL: fault sweep: %s: %zu of %d faults went wrong:%s\n", r.object.c_str(), r.problems.size(),
                        r.faults, first.c_str());
            continue;
        }
        const std::string spots = spot.empty() ? "" : "; " + describe(spot) + " at the first call of each command and at each registration";
        std::printf("PASS: fault sweep: %s: %d faults over its %llu bpf() calls (%s at every call%s); after each %s\n",
                    r.object.c_str(), r.faults, static_cast<unsigned long long>(r.calls), describe(every).c_str(),
                    spots.c_str(), what.c_str());
        for (std::uint64_t n : r.registration_calls)
            std::printf("PASS: fault sweep: %s: faults at its registration, call %llu (%s), refused it and left %s\n",
                        r.object.c_str(), static_cast<unsigned long long>(n), r.commands[n - 1].c_str(),
                        sched_ext ? "sched_ext disabled, nothing registered" : "nothing registered");
    }
    std::printf("INFO: fault sweep: %d faults injected over %zu objects, %d at a registration call\n", total,
                objects.size(), registration);
    std::printf("fault-sweep-total: %d\n", total);
    return failed ? 1 : 0;
}
