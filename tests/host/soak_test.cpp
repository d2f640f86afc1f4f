// Issue 13, soak: 1,000 load/register/unregister cycles of tcp_cc.bpf.o in
// one process. What the process and the kernel hold must be flat: the same
// fds, no program or map of the object's names left (after the kernel's
// deferred frees), rawops_reno gone, and resident memory not growing
// between cycle 100 (allocator warmed up) and cycle 1,000.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>
#include <variant>

#include "tests/common/skip.h"
#include "tests/common/kernel_objects.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::testing;

TEST_CASE("1,000 load/unload cycles of tcp_cc.bpf.o leave fds, kernel objects and memory flat") {
    RAWOPS_REQUIRE_ROOT();
    const std::string cc = "/proc/sys/net/ipv4/tcp_available_congestion_control";
    if (read_file(cc).find("rawops_reno") != std::string::npos) RAWOPS_SKIP("rawops_reno is already registered");
    auto obj = Object::open(bpf_object("tcp_cc.bpf.o"));
    REQUIRE(obj.ok());
    auto kernel = struct_ops::KernelBtf::open();
    REQUIRE(kernel.ok());
    auto p = plan::build(*obj, *kernel);
    REQUIRE_MESSAGE(p.ok(), p.error().message());
    const std::set<std::string> names = object_names(*p);
    auto objects = [&] {
        return ids(BPF_PROG_GET_NEXT_ID, BPF_PROG_GET_FD_BY_ID, names).size() +
               ids(BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID, names).size();
    };
    const std::size_t objects_before = objects();
    const int fds_before = open_fd_count();

    constexpr int kCycles = 1000, kWarm = 100;
    long rss_warm = 0;
    for (int i = 1; i <= kCycles; ++i) {
        auto l = plan::execute(*p);
        if (!l.ok()) FAIL("cycle " << i << ": " << l.error().message());
        REQUIRE(l->registrations().size() == 1);
        REQUIRE(l->detach().ok());
        if (i == kWarm) rss_warm = resident_bytes();
    }
    const long rss_end = resident_bytes();
    // Programs and maps go after an RCU grace period: wait for them (up to 5 s).
    std::size_t left = objects();
    for (int i = 0; i < 500 && left != objects_before; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        left = objects();
    }
    MESSAGE("soak: " << kCycles << " cycles; fds " << fds_before << " -> " << open_fd_count() << "; kernel objects of "
                     << "the object's names " << objects_before << " -> " << left << "; resident memory "
                     << rss_warm / 1024 << " KiB at cycle " << kWarm << ", " << rss_end / 1024 << " KiB at cycle "
                     << kCycles);
    CHECK(open_fd_count() == fds_before);
    CHECK(left == objects_before);
    CHECK(read_file(cc).find("rawops_reno") == std::string::npos);
    // 900 cycles: any per-cycle leak of even 256 bytes would show.
    CHECK(rss_end - rss_warm < 256 * 1024);
}
