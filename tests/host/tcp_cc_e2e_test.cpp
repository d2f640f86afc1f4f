// Issue 4's acceptance on the real host kernel: BPF congestion controls
// loaded by rawops (no libbpf) carry real TCP traffic; link update, detach,
// legacy registration. Every test unregisters what it registered, also when
// it fails (Loaded's destructor), and leaks no fd.
#include <doctest/doctest.h>

#include <cerrno>

#include "loader/sys/link.h"
#include "loader/sys/obj.h"
#include "tests/common/skip.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

// Mirrors struct rawops_reno_stats in bpfprog/rawops_reno.h.
struct RenoStats {
    std::uint64_t init, release, ssthresh, cong_avoid, set_state, cwnd_event, undo_cwnd;
    std::uint64_t last_cwnd, last_ssthresh, last_ca_state, last_ca_event, generation;
};
static_assert(sizeof(RenoStats) == 96);

constexpr std::uint64_t kEightMiB = 8u << 20;

}  // namespace

TEST_CASE("tcp_cc.bpf.o: rawops_reno registered by a link carries a real TCP connection") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_reno")) RAWOPS_SKIP("rawops_reno is already registered (left over by another run)");
    {
        auto l = load_object("tcp_cc.bpf.o");
        REQUIRE_MESSAGE(l.ok(), l.error().message());
        CHECK(tcp_cc_available("rawops_reno"));
        REQUIRE(l->loaded.registrations().size() == 1);
        CHECK(l->loaded.registrations()[0].link);

        auto t = loopback_transfer("rawops_reno", kEightMiB);
        REQUIRE_MESSAGE(t.ok(), t.error().message());
        CHECK(t->bytes_received == kEightMiB);
        CHECK(t->congestion == "rawops_reno");

        auto stats = read_global<RenoStats>(l->loaded, "tcp_cc.bss");
        REQUIRE_MESSAGE(stats.ok(), stats.error().message());
        CHECK(stats->init == 1);        // the sender; the receiver keeps the system default
        CHECK(stats->cong_avoid > 0);
        CHECK(stats->release >= 1);     // the sender's socket is closed
        CHECK(stats->generation == 1);  // .data reached the program
        CHECK(stats->last_cwnd == t->snd_cwnd);

        auto lossy = lossy_transfer("rawops_reno", kEightMiB);
        REQUIRE_MESSAGE(lossy.ok(), lossy.error().message());
        auto after = read_global<RenoStats>(l->loaded, "tcp_cc.bss");
        REQUIRE(after.ok());
        CHECK(after->ssthresh > stats->ssthresh);
        CHECK(after->set_state > stats->set_state);

        auto d = l->loaded.detach();
        REQUIRE(d.ok());
        CHECK_FALSE(tcp_cc_available("rawops_reno"));
    }
    CHECK(try_set_congestion("rawops_reno") == ENOENT);
}

TEST_CASE("BPF_LINK_UPDATE swaps rawops_reno to a second implementation; detach makes setsockopt fail") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_reno")) RAWOPS_SKIP("rawops_reno is already registered (left over by another run)");
    auto v1 = load_object("tcp_cc.bpf.o");
    REQUIRE_MESSAGE(v1.ok(), v1.error().message());
    plan::ExecOptions no_link;
    no_link.create_links = false;
    auto v2 = load_object("tcp_cc_v2.bpf.o", no_link);
    REQUIRE_MESSAGE(v2.ok(), v2.error().message());
    CHECK(v2->loaded.registrations().empty());

    auto before1 = read_global<RenoStats>(v1->loaded, "tcp_cc.bss");
    REQUIRE(before1.ok());
    const int link = v1->loaded.link_fd("rawops_reno");
    auto upd = v1->loaded.update_link("rawops_reno", v2->loaded, "rawops_reno_v2");
    REQUIRE_MESSAGE(upd.ok(), upd.error().message());

    auto t = loopback_transfer("rawops_reno", kEightMiB);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    auto after1 = read_global<RenoStats>(v1->loaded, "tcp_cc.bss");
    auto after2 = read_global<RenoStats>(v2->loaded, data_map(*v2, ".bss"));
    REQUIRE(after1.ok());
    REQUIRE_MESSAGE(after2.ok(), after2.error().message());
    CHECK(after1->cong_avoid == before1->cong_avoid);  // the old one no longer runs
    CHECK(after1->init == before1->init);
    CHECK(after2->init >= 1);
    CHECK(after2->cong_avoid > 0);
    CHECK(after2->generation == 2);

    auto det = sys::link_detach(link);
    REQUIRE_MESSAGE(det.ok(), det.error().message());
    CHECK_FALSE(tcp_cc_available("rawops_reno"));
    CHECK(try_set_congestion("rawops_reno") == ENOENT);
}

TEST_CASE("tcp_cc_legacy.bpf.o: .struct_ops registers on map update and unregisters on detach") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    // The tcp name is 16 characters in the object: the kernel keeps 15.
    const std::string name = "rawops_reno_l";
    if (tcp_cc_available(name)) RAWOPS_SKIP(name + " is already registered (left over by another run)");
    {
        auto l = load_object("tcp_cc_legacy.bpf.o");
        REQUIRE_MESSAGE(l.ok(), l.error().message());
        REQUIRE(l->loaded.registrations().size() == 1);
        CHECK_FALSE(l->loaded.registrations()[0].link);
        CHECK(tcp_cc_available(name));
        auto t = loopback_transfer(name, 1u << 20);
        REQUIRE_MESSAGE(t.ok(), t.error().message());
        CHECK(t->congestion == name);
        // A second registration of the same name is refused by the kernel.
        auto again = load_object("tcp_cc_legacy.bpf.o");
        REQUIRE_FALSE(again.ok());
        CHECK(again.error().err_no() == EEXIST);
        CHECK(tcp_cc_available(name));  // the failed second load did not take the first one down
    }
    CHECK_FALSE(tcp_cc_available(name));
}

TEST_CASE("tcp_cc_kfunc.bpf.o: callbacks built from the kernel's Reno kfuncs run") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_kfunc")) RAWOPS_SKIP("rawops_kfunc is already registered");
    auto l = load_object("tcp_cc_kfunc.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    auto t = loopback_transfer("rawops_kfunc", kEightMiB);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    CHECK(t->bytes_received == kEightMiB);
    // libbpf's internal_map_name(): the object name up to its first '.', cut
    // so that the section keeps 7 characters' room: "tcp_cc_k" + ".bss".
    CHECK(data_map(*l, ".bss") == "tcp_cc_k.bss");
    auto calls = read_global<std::uint64_t>(l->loaded, data_map(*l, ".bss"));
    REQUIRE(calls.ok());
    CHECK(*calls > 0);
}

TEST_CASE("a failing load leaves nothing registered and no fd open") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    // The verifier refuses the third program: the maps and the programs
    // loaded before it must be released, the error must carry the log.
    auto l = load_object("bad/verifier_oob.bpf.o");
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().err_no() == EACCES);
    CHECK(l.error().message().find("BPF_PROG_LOAD of 'test_1'") != std::string::npos);
    CHECK(l.error().message().find("verifier log:") != std::string::npos);
    CHECK(l.error().message().find("verifier_oob.bpf.c") != std::string::npos);  // line info reached the kernel
}
