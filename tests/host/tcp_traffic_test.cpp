// The traffic harness itself, checked with the kernel's own congestion
// controls, so that a failing struct_ops test points at the loader, not here.
#include <doctest/doctest.h>

#include "tests/common/skip.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops::testing;

TEST_CASE("loopback transfer moves every byte with the requested congestion control") {
    if (!tcp_cc_available("reno")) RAWOPS_SKIP("kernel has no reno congestion control");
    auto t = loopback_transfer("reno", 8u << 20);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    CHECK(t->bytes_received == (8u << 20));
    CHECK(t->congestion == "reno");
    CHECK(t->snd_cwnd > 0);
}

TEST_CASE("an unknown congestion control is refused with ENOENT") {
    CHECK(try_set_congestion("rawops_no_such_cc") == ENOENT);
    auto t = loopback_transfer("rawops_no_such_cc", 1024);
    REQUIRE_FALSE(t.ok());
    CHECK(t.error().err_no() == ENOENT);
}

TEST_CASE("the lossy namespace really causes congestion events") {
    RAWOPS_REQUIRE_ROOT();
    if (!tcp_cc_available("reno")) RAWOPS_SKIP("kernel has no reno congestion control");
    auto t = lossy_transfer("reno", 8u << 20);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    CHECK(t->bytes_received == (8u << 20));
    CHECK(t->congestion == "reno");
    // Drops at the local qdisc put the sender into CWR (ssthresh lowered,
    // set_state called) rather than causing retransmissions, so the sign of
    // a congestion event is an ssthresh below "infinite".
    CAPTURE(t->total_retrans);
    CHECK(t->snd_ssthresh < 0x7fffffffu);
}
