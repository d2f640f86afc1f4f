// loader/rawops.h against the real kernel: the embedder's calls (open, set,
// plan, load, pin, update, unload) do what the CLI does, and their failures
// leave no fd in the process and nothing in the kernel.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include "loader/rawops.h"
#include "tests/common/paths.h"
#include "tests/common/skip.h"
#include "tests/common/kernel_objects.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

// The kernel ids of programs and maps named as `path`'s plan names them.
struct KernelIds {
    std::set<std::uint32_t> progs, maps;
};
KernelIds kernel_ids(const std::string& path) {
    auto s = rawops::open(path);
    REQUIRE_MESSAGE(s.ok(), s.error().message());
    auto p = s->plan();
    REQUIRE_MESSAGE(p.ok(), p.error().message());
    const auto names = object_names(p->plan());
    return {ids(BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, names), ids(BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, names)};
}

// Whether every program and map the kernel holds now was there `before`
// (some of those may go meanwhile: an earlier test's, still being freed).
// Ours are freed after an RCU grace period or from a workqueue: a struct_ops
// map whose link was closed takes a second or two here, so wait up to 10 s.
bool nothing_new(const std::string& path, const KernelIds& before) {
    auto within = [](const std::set<std::uint32_t>& a, const std::set<std::uint32_t>& b) {
        return std::includes(b.begin(), b.end(), a.begin(), a.end());
    };
    for (int i = 0; i < 2000; ++i) {
        const KernelIds now = kernel_ids(path);
        if (within(now.progs, before.progs) && within(now.maps, before.maps)) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace

TEST_CASE("facade: open, plan, load, pin into a new folder, outlive the handle, unload the folder") {
    RAWOPS_REQUIRE_ROOT();
    if (tcp_cc_available("rawops_reno")) RAWOPS_SKIP("rawops_reno is already registered (left over by another run)");
    BpffsMount fs;
    REQUIRE_MESSAGE(fs.ok(), fs.error());
    FdLeakCheck leaks;
    const std::string dir = fs.dir() + "/new/reno";
    {
        auto s = rawops::open(bpf_object("tcp_cc.bpf.o"));
        REQUIRE_MESSAGE(s.ok(), s.error().message());
        auto p = s->plan();
        REQUIRE_MESSAGE(p.ok(), p.error().message());
        CHECK(p->str().find("BPF_LINK_CREATE") != std::string::npos);
        CHECK_FALSE(tcp_cc_available("rawops_reno"));  // planning sends nothing

        auto h = s->load();
        REQUIRE_MESSAGE(h.ok(), h.error().message());
        REQUIRE(h->registrations().size() == 1);
        CHECK(h->registrations()[0].name == "rawops_reno");
        CHECK(h->registrations()[0].link);
        CHECK(tcp_cc_available("rawops_reno"));
        auto pinned = h->pin(dir);
        REQUIRE_MESSAGE(pinned.ok(), pinned.error().message());
        CHECK(std::filesystem::exists(dir + "/rawops_reno"));
        CHECK(std::filesystem::exists(dir + "/tcp_cc_bss"));
    }
    CHECK(tcp_cc_available("rawops_reno"));  // pinned: the handle let go

    auto same = rawops::update(dir + "/rawops_reno", bpf_object("tcp_cc_v2.bpf.o"));
    REQUIRE_MESSAGE(same.ok(), same.error().message());
    CHECK(*same == "rawops_reno_v2");  // the variable; its name member stays rawops_reno
    CHECK(tcp_cc_available("rawops_reno"));

    std::vector<UnloadEvent::Kind> events;
    auto s = rawops::unload(dir, [&](const UnloadEvent& e) { events.push_back(e.kind); });
    REQUIRE_MESSAGE(s.ok(), s.error().message());
    CHECK_FALSE(tcp_cc_available("rawops_reno"));
    CHECK_FALSE(std::filesystem::exists(dir));
    REQUIRE_FALSE(events.empty());
    CHECK(events.front() == UnloadEvent::Kind::DetachedStructOpsLink);  // struct_ops before its maps
    CHECK(events.back() == UnloadEvent::Kind::RemovedMapPin);
}

TEST_CASE("facade: set() reaches the kernel: a .data global and a struct_ops data member") {
    RAWOPS_REQUIRE_ROOT();
    if (tcp_cc_available("rawops_knobs9")) RAWOPS_SKIP("rawops_knobs9 is already registered");
    FdLeakCheck leaks;
    {
        auto s = rawops::open(bpf_object("tcp_cc_knobs.bpf.o"));
        REQUIRE_MESSAGE(s.ok(), s.error().message());
        s->set("knob_data", "42").set("rawops_knobs.name", "rawops_knobs9");
        auto h = s->load();
        REQUIRE_MESSAGE(h.ok(), h.error().message());
        CHECK(tcp_cc_available("rawops_knobs9"));
        CHECK_FALSE(tcp_cc_available("rawops_knobs"));
        auto data = h->loaded().map_global_data(".data");
        REQUIRE_MESSAGE(data.ok(), data.error().message());
        std::uint64_t v = 0;  // knob_data is .data's only variable
        REQUIRE(data->bytes().size() >= sizeof v);
        std::memcpy(&v, data->bytes().data(), sizeof v);
        CHECK(v == 42);
    }
    CHECK_FALSE(tcp_cc_available("rawops_knobs9"));  // ~Handle unregistered
}

TEST_CASE("facade: failures leave no fd and nothing in the kernel") {
    RAWOPS_REQUIRE_ROOT();
    if (tcp_cc_available("rawops_reno")) RAWOPS_SKIP("rawops_reno is already registered (left over by another run)");
    FdLeakCheck leaks;

    SUBCASE("a value that does not fit its type: refused when planning") {
        auto s = rawops::open(bpf_object("tcp_cc_knobs.bpf.o"));
        REQUIRE(s.ok());
        s->set("knob_factor", "-1");
        auto h = s->load();
        REQUIRE_FALSE(h.ok());
        CHECK(h.error().message().find("'-1' is negative, the type is unsigned") != std::string::npos);
        CHECK_FALSE(h.error().kernel_refused());
        CHECK_FALSE(tcp_cc_available("rawops_knobs"));
    }
    SUBCASE("the verifier refuses a program: what was created before is released") {
        const std::string path = bpf_object("bad/verifier_oob.bpf.o");
        const KernelIds before = kernel_ids(path);
        {
            auto s = rawops::open(path);
            REQUIRE(s.ok());
            auto h = s->load();
            REQUIRE_FALSE(h.ok());
            CHECK(h.error().kernel_refused());
            CHECK(h.error().message().find("verifier log:") != std::string::npos);
        }
        CHECK(nothing_new(path, before));
    }
    SUBCASE("pin outside a bpffs: refused before any pin, ~Handle unregisters") {
        const std::string path = bpf_object("tcp_cc.bpf.o");
        const KernelIds before = kernel_ids(path);
        char tmpl[] = "/tmp/rawops-notbpf-XXXXXX";
        REQUIRE(mkdtemp(tmpl) != nullptr);
        {
            auto s = rawops::open(path);
            REQUIRE(s.ok());
            auto h = s->load();
            REQUIRE_MESSAGE(h.ok(), h.error().message());
            auto p = h->pin(std::string(tmpl) + "/x");
            REQUIRE_FALSE(p.ok());
            CHECK(p.error().message().find("is not on a bpffs") != std::string::npos);
        }
        CHECK_FALSE(std::filesystem::exists(std::string(tmpl) + "/x"));
        CHECK_FALSE(tcp_cc_available("rawops_reno"));
        CHECK(nothing_new(path, before));
        std::filesystem::remove(tmpl);
    }
    SUBCASE("unload of something that is not a pin") {
        auto s = rawops::unload("/sys/fs/bpf/rawops-no-such-pin");
        REQUIRE_FALSE(s.ok());
        CHECK(s.error().err_no() == ENOENT);
    }
    SUBCASE("update of a pin that is not a struct_ops link: the object is not even opened") {
        auto r = rawops::update("/sys/fs/bpf/rawops-no-such-pin", "/nonexistent.bpf.o");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message().find("rawops-no-such-pin") != std::string::npos);
    }
}
