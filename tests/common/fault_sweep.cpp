#include "tests/common/fault_sweep.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "loader/object.h"
#include "loader/plan/executor.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/describe.h"
#include "loader/sys/syscall.h"
#include "tests/common/kernel_objects.h"

namespace rawops::testing::fault {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct KernelState {
    std::set<std::uint32_t> progs, maps, links;
    int fds = 0;
    std::set<std::string> pins;
    std::string registered;
    bool operator==(const KernelState&) const = default;
};

std::set<std::string> entries(const std::string& dir) {
    std::set<std::string> out;
    std::error_code ec;
    if (dir.empty()) return out;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename());
    return out;
}

// Everything a load could leave behind. Links are counted by what they hold
// (a program or struct_ops map of the object's names) unless every id is
// walked.
struct Watcher {
    const SweepOptions& o;
    std::set<std::string> names;  // empty: every id

    KernelState snapshot() const {
        KernelState s;
        s.progs = ids(BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, names);
        s.maps = ids(BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, names);
        s.links = link_ids(s.progs, s.maps, names.empty());
        s.fds = open_fd_count();
        for (const auto& p : entries(o.build.pin_root)) s.pins.insert(o.build.pin_root + "/" + p);
        for (const auto& p : entries(o.pin_dir)) s.pins.insert(o.pin_dir + "/" + p);
        if (o.registered) s.registered = o.registered();
        return s;
    }

    // Programs and maps are freed after an RCU grace period or from a
    // workqueue; a struct_ops map waits for an RCU tasks-trace grace period,
    // which can take a second or two on a busy machine (or under qemu's
    // TCG): wait (up to 10 s) for the kernel to come back to `before`. It
    // usually takes milliseconds.
    KernelState settled(const KernelState& before) const {
        KernelState now = snapshot();
        for (int i = 0; i < 2000 && !(now == before); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            now = snapshot();
        }
        return now;
    }

    // The state to compare with: the same twice, 100 ms apart (a guest's
    // earlier tests may still be freeing their objects).
    KernelState quiet() const {
        KernelState s = snapshot();
        for (int i = 0; i < 100; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            KernelState again = snapshot();
            if (again == s) break;
            s = std::move(again);
        }
        return s;
    }
};

std::string size_change(const char* what, std::size_t a, std::size_t b) {
    return std::string(" ") + what + " " + std::to_string(a) + " -> " + std::to_string(b);
}

std::string difference(const KernelState& a, const KernelState& b) {
    std::string d;
    if (a.progs != b.progs) d += size_change("programs", a.progs.size(), b.progs.size());
    if (a.maps != b.maps) d += size_change("maps", a.maps.size(), b.maps.size());
    if (a.links != b.links) d += size_change("links", a.links.size(), b.links.size());
    if (a.fds != b.fds) d += " fds " + std::to_string(a.fds) + " -> " + std::to_string(b.fds);
    if (a.pins != b.pins) {
        d += size_change("pins", a.pins.size(), b.pins.size());
        for (const auto& p : b.pins)
            if (!a.pins.count(p)) d += " (" + p + ")";
    }
    if (a.registered != b.registered) d += " registered '" + a.registered + "' -> '" + b.registered + "'";
    return d;
}

// A load that went through is taken down as `rawops unload` would: its pins
// under pin_dir first (a pinned link outlives its fd), then its fds. Its
// LIBBPF_PIN_BY_NAME pins stay by design (libbpf's too): those not there
// before are removed.
void take_down(plan::Loaded& loaded, const SweepOptions& o, const KernelState& before) {
    for (const auto& p : entries(o.pin_dir)) ::unlink((o.pin_dir + "/" + p).c_str());
    (void)loaded.detach();
    for (const auto& p : entries(o.build.pin_root))
        if (!before.pins.count(o.build.pin_root + "/" + p)) ::unlink((o.build.pin_root + "/" + p).c_str());
}

const sys::AttrField* field(const sys::CallRecord& c, const std::string& name) {
    for (const auto& f : c.attrs)
        if (f.name == name) return &f;
    return nullptr;
}

// The calls of a clean load that register a struct_ops: the link of a
// .struct_ops.link map, the value update of a legacy .struct_ops map (a
// BPF_F_LINK map's update only fills it).
std::vector<std::uint64_t> registration_calls(const std::vector<sys::CallRecord>& calls) {
    std::set<long> legacy_fds;  // struct_ops maps without BPF_F_LINK
    std::vector<std::uint64_t> out;
    for (std::size_t i = 0; i < calls.size(); ++i) {
        const sys::CallRecord& c = calls[i];
        if (c.cmd == sys::Cmd::MapCreate && c.result >= 0) {
            const auto* t = field(c, "map_type");
            const auto* flags = field(c, "map_flags");
            const bool link = flags && flags->value.find("BPF_F_LINK") != std::string::npos;
            if (t && t->value.find("STRUCT_OPS") != std::string::npos && !link) legacy_fds.insert(c.result);
        } else if (c.cmd == sys::Cmd::MapUpdateElem) {
            const auto* m = field(c, "map_fd");
            if (m && legacy_fds.count(std::atol(m->value.c_str()))) out.push_back(i + 1);
        } else if (c.cmd == sys::Cmd::LinkCreate) {
            const auto* t = field(c, "link_create.attach_type");
            if (t && t->value.find("STRUCT_OPS") != std::string::npos) out.push_back(i + 1);
        }
    }
    return out;
}

// The faults a sweep injects, in order: every call with every_call, then the
// spots (first call of each command, registration calls) with at_spots,
// each (call, errno, window) once.
std::vector<std::tuple<std::uint64_t, int, std::uint64_t>> faults_of(const SweepOptions& o,
                                                                     const std::vector<sys::CallRecord>& calls,
                                                                     const std::vector<std::uint64_t>& registrations) {
    std::vector<std::tuple<std::uint64_t, int, std::uint64_t>> out;
    std::set<std::tuple<std::uint64_t, int, std::uint64_t>> seen;
    auto add = [&](std::uint64_t n, const Fault& f) {
        if (seen.insert({n, f.err, f.window}).second) out.emplace_back(n, f.err, f.window);
    };
    for (const Fault& f : o.every_call)
        for (std::uint64_t n = 1; n <= calls.size(); ++n) add(n, f);
    std::vector<std::uint64_t> spots = registrations;
    std::set<sys::Cmd> first;
    for (std::size_t i = 0; i < calls.size(); ++i)
        if (first.insert(calls[i].cmd).second) spots.push_back(i + 1);
    for (std::uint64_t n : spots)
        for (const Fault& f : o.at_spots) add(n, f);
    return out;
}

}  // namespace

std::vector<Fault> faults(const std::vector<int>& errnos, const std::vector<std::uint64_t>& windows) {
    std::vector<Fault> out;
    for (int err : errnos)
        for (std::uint64_t window : windows) out.push_back({err, window});
    return out;
}

SweepReport sweep(const SweepOptions& o) {
    SweepReport report;
    report.object = fs::path(o.object).filename();
    const auto start = Clock::now();
    auto problem = [&](std::string text) { report.problems.push_back(report.object + ": " + std::move(text)); };
    auto done = [&]() -> SweepReport {
        report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        return report;
    };

    auto obj = Object::open(o.object);
    if (!obj) return problem("open: " + obj.error().message()), done();
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) return problem("kernel BTF: " + kernel.error().message()), done();
    auto p = plan::build(*obj, *kernel, o.build);
    if (!p) return problem("plan: " + p.error().message()), done();

    const Watcher watch{o, o.all_ids ? std::set<std::string>{} : object_names(*p)};
    const KernelState before = watch.quiet();

    // The load of the sweep: execute, and pin as `load --pin` does.
    auto load = [&]() -> std::pair<Result<plan::Loaded>, bool> {
        auto r = plan::execute(*p);
        if (r && !o.pin_dir.empty())
            if (auto s = r->pin(o.pin_dir); !s) return {std::move(s).error(), true};
        return {std::move(r), false};
    };

    // The clean load: how many calls, which ones.
    std::vector<sys::CallRecord> calls;
    {
        std::optional<sys::ScopedObserver> record(std::in_place, [&](const sys::CallRecord& c) { calls.push_back(c); });
        sys::inject_fault_for_testing(0, 0);
        auto [clean, at_pin] = load();
        record.reset();  // the take-down's calls are not the load's
        if (!clean) return problem(std::string("the clean load failed: ") + clean.error().message()), done();
        take_down(*clean, o, before);
    }
    report.calls = calls.size();
    if (const std::string left = difference(before, watch.settled(before)); !left.empty())
        return problem("the clean load left something:" + left), done();
    if (calls.empty()) return problem("the clean load made no bpf() call"), done();
    report.registration_calls = registration_calls(calls);
    for (const auto& c : calls) report.commands.push_back(sys::cmd_name(c.cmd));

    for (const auto& [n, err, window] : faults_of(o, calls, report.registration_calls)) {
        const std::string where = "call " + std::to_string(n) + " (" + sys::cmd_name(calls[n - 1].cmd) + ") " +
                                  sys::errno_name(err) + " x" + std::to_string(window) + ": ";
        std::vector<sys::Cmd> cmds;
        {
            sys::ScopedObserver record([&](const sys::CallRecord& c) { cmds.push_back(c.cmd); });
            sys::inject_fault_for_testing(n, err, window);
            auto [r, at_pin] = load();
            sys::inject_fault_for_testing(0, 0);
            report.faults++;
            for (std::uint64_t reg : report.registration_calls) report.registration_faults += reg == n;
            if (cmds.size() < n) {
                problem(where + "the load made only " + std::to_string(cmds.size()) + " calls");
                if (r) take_down(*r, o, before);
            } else if (r) {
                // Only what libbpf also absorbs: a refused BPF_PROG_BIND_MAP
                // (best effort), or one failed BPF_PROG_LOAD that the rerun
                // with a verifier log (or the EAGAIN retry) got through, or a
                // failed BPF_BTF_LOAD rerun with a log (libbpf reruns it too).
                report.tolerated++;
                const sys::Cmd hit = cmds[n - 1];
                if (!(hit == sys::Cmd::ProgBindMap ||
                      ((hit == sys::Cmd::ProgLoad || hit == sys::Cmd::BtfLoad) && window == 1)))
                    problem(where + "the load went through a failed " + sys::cmd_name(hit));
                take_down(*r, o, before);
            } else {
                report.failed_loads++;
                const std::string m = r.error().message();
                const std::string named = "(" + sys::errno_name(err) + ")";
                if (m.find(named) == std::string::npos) problem(where + "the error does not name " + named + ": " + m);
                if (r.error().err_no() != err)
                    problem(where + "the error carries errno " + std::to_string(r.error().err_no()));
                // A failed step of the load names itself and its rollback; a
                // failed pin names the folder and removes its own pins, and
                // the Loaded going out of scope here unregisters the rest.
                if (at_pin) {
                    if (m.find("pinning under " + o.pin_dir) == std::string::npos)
                        problem(where + "the error does not name the pin folder: " + m);
                } else {
                    if (m.find(": step ") == std::string::npos) problem(where + "the error names no step: " + m);
                    if (m.find("; rolled back: ") == std::string::npos)
                        problem(where + "the error does not say what was rolled back: " + m);
                }
            }
        }
        const KernelState after = watch.settled(before);
        if (const std::string left = difference(before, after); !left.empty()) problem(where + "left behind:" + left);
    }
    return done();
}

}  // namespace rawops::testing::fault
