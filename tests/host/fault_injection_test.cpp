// Issue 13, fault injection: every bpf() call of a load, one at a time, is
// made to fail with each errno the kernel really returns for them
// (sys::inject_fault_for_testing, the call never reaches the kernel). After
// each failed load nothing may be left: no fd, no program or map of the
// object's names that was not there before (a leftover link holds one of
// them), no TCP congestion control, no pin; and the error names the failing
// step, its errno and what was rolled back.
#include <doctest/doctest.h>
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>
#include <variant>

#include "loader/sys/describe.h"
#include "loader/sys/syscall.h"
#include "tests/common/skip.h"
#include "tests/host/kernel_objects.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

struct KernelState {
    std::set<std::uint32_t> progs, maps;
    std::string tcp;
    int fds = 0;
    std::set<std::string> pins;
    bool operator==(const KernelState&) const = default;
};

// What a load could leave behind. (A link left behind would hold its program
// or map, so the names cover links too.)
KernelState snapshot(const std::string& pin_root, const std::set<std::string>& names) {
    KernelState s{ids(BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, names),
                  ids(BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, names),
                  read_file("/proc/sys/net/ipv4/tcp_available_congestion_control"), open_fd_count(), {}};
    for (const auto& e : std::filesystem::directory_iterator(pin_root)) s.pins.insert(e.path().filename());
    return s;
}

// Programs and maps are freed after an RCU grace period or from a workqueue;
// a struct_ops map waits for an RCU tasks-trace grace period, which can take
// a second or two on a busy machine: wait (up to 10 s) for the kernel to come
// back to `before`. It usually takes milliseconds.
KernelState settled(const KernelState& before, const std::string& pin_root, const std::set<std::string>& names) {
    KernelState now = snapshot(pin_root, names);
    for (int i = 0; i < 2000 && !(now == before); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        now = snapshot(pin_root, names);
    }
    return now;
}

std::string difference(const KernelState& a, const KernelState& b) {
    std::string d;
    if (a.progs != b.progs) d += " programs " + std::to_string(a.progs.size()) + " -> " + std::to_string(b.progs.size());
    if (a.maps != b.maps) d += " maps " + std::to_string(a.maps.size()) + " -> " + std::to_string(b.maps.size());
    if (a.tcp != b.tcp) d += " tcp congestion controls '" + a.tcp + "' -> '" + b.tcp + "'";
    if (a.fds != b.fds) d += " fds " + std::to_string(a.fds) + " -> " + std::to_string(b.fds);
    if (a.pins != b.pins) d += " pins " + std::to_string(a.pins.size()) + " -> " + std::to_string(b.pins.size());
    return d;
}

// A clean load leaves its LIBBPF_PIN_BY_NAME pins by design (libbpf's
// too): remove what was not there before (a fresh bpffs has its own
// maps.debug and progs.debug).
void remove_new_pins(const std::string& dir, const std::set<std::string>& before) {
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (!before.count(e.path().filename())) std::filesystem::remove(e.path());
}

struct Totals {
    int faults = 0, failed_loads = 0, tolerated = 0;
};

// Loads `name` once to count its bpf() calls, then once per (call, errno).
void inject_every_call(const std::string& name, const std::vector<int>& errnos, Totals& totals) {
    BpffsMount bpffs;
    REQUIRE(bpffs.ok());
    plan::BuildOptions build;
    build.pin_root = bpffs.dir();  // LIBBPF_PIN_BY_NAME maps pin here
    auto obj = Object::open(bpf_object(name));
    REQUIRE_MESSAGE(obj.ok(), obj.error().message());
    auto kernel = struct_ops::KernelBtf::open();
    REQUIRE(kernel.ok());
    auto p = plan::build(*obj, *kernel, build);
    REQUIRE_MESSAGE(p.ok(), p.error().message());

    const std::set<std::string> names = object_names(*p);
    const KernelState before = snapshot(bpffs.dir(), names);
    sys::inject_fault_for_testing(0, 0);
    std::uint64_t calls = 0;
    {
        auto clean = plan::execute(*p);
        REQUIRE_MESSAGE(clean.ok(), clean.error().message());
        calls = sys::calls_since_fault_armed();
        REQUIRE(clean->detach().ok());
    }
    remove_new_pins(bpffs.dir(), before.pins);
    const std::string left = difference(before, settled(before, bpffs.dir(), names));
    REQUIRE_MESSAGE(left.empty(), "the clean load left something:" << left);
    REQUIRE(calls > 0);

    for (int err : errnos) {
        // A transient fault (one call), then a lasting one: the same command
        // refused 12 times in a row, more than the load ever tries it (a
        // PROG_LOAD is tried 5 times on EAGAIN, and 5 more with a verifier
        // log, as libbpf does), so the retries are seen to be bounded.
        for (std::uint64_t window : {1u, 12u}) {
            for (std::uint64_t n = 1; n <= calls; ++n) {
                CAPTURE(name);
                CAPTURE(n);
                CAPTURE(window);
                CAPTURE(sys::errno_name(err));
                std::vector<sys::Cmd> cmds;
                {
                    sys::ScopedObserver watch([&](const sys::CallRecord& c) { cmds.push_back(c.cmd); });
                    sys::inject_fault_for_testing(n, err, window);
                    auto r = plan::execute(*p);
                    sys::inject_fault_for_testing(0, 0);
                    totals.faults++;
                    REQUIRE(cmds.size() >= n);
                    const sys::Cmd hit = cmds[n - 1];
                    if (r.ok()) {
                        // Only what libbpf also absorbs: a refused BPF_PROG_BIND_MAP
                        // (best effort), or one failed BPF_PROG_LOAD that the
                        // rerun with a verifier log (or the EAGAIN retry) got through,
                        // or a failed BPF_BTF_LOAD rerun with a log (libbpf reruns it too).
                        totals.tolerated++;
                        CHECK_MESSAGE((hit == sys::Cmd::ProgBindMap ||
                                       ((hit == sys::Cmd::ProgLoad || hit == sys::Cmd::BtfLoad) && window == 1)),
                                      "a load went through a failed " << sys::cmd_name(hit));
                        REQUIRE(r->detach().ok());
                        remove_new_pins(bpffs.dir(), before.pins);
                    } else {
                        totals.failed_loads++;
                        const std::string m = r.error().message();
                        CHECK_MESSAGE(m.find(": step ") != std::string::npos, m);
                        CHECK_MESSAGE(m.find("(" + sys::errno_name(err) + ")") != std::string::npos, m);
                        CHECK_MESSAGE(m.find("; rolled back: ") != std::string::npos, m);
                        CHECK(r.error().err_no() == err);
                    }
                }
                const KernelState after = settled(before, bpffs.dir(), names);
                CHECK_MESSAGE(difference(before, after).empty(), "left behind:" << difference(before, after));
            }
        }
    }
}

}  // namespace

TEST_CASE("a bpf() call that fails anywhere in a load leaves nothing behind, for every call and errno") {
    RAWOPS_REQUIRE_ROOT();
    const std::string tcp = read_file("/proc/sys/net/ipv4/tcp_available_congestion_control");
    if (tcp.find("rawops_") != std::string::npos) RAWOPS_SKIP("a rawops congestion control is already registered");
    const std::vector<int> all{ENOMEM, EINVAL, EPERM, EINTR, EAGAIN, E2BIG, ENOSPC};
    Totals totals;
    // Every errno on the seed's path; two errnos on the others (their calls
    // are of the same kinds, and each run costs real program verification).
    inject_every_call("tcp_cc.bpf.o", all, totals);
    for (const char* name : {"tcp_cc_legacy.bpf.o", "tcp_cc_maps.bpf.o", "maps_libbpf.bpf.o", "map_in_map.bpf.o",
                             "tcp_cc_externs.bpf.o", "core_sock_state.bpf.o", "data_sections.bpf.o", "tcp_cc_mixed.bpf.o"})
        inject_every_call(name, {ENOMEM, EPERM}, totals);
    MESSAGE("faults injected: " << totals.faults << ", loads refused: " << totals.failed_loads
                                << ", tolerated (as libbpf): " << totals.tolerated);
    CHECK(totals.faults > 300);
}
