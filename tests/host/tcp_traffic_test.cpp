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

TEST_CASE("the lossy namespace really loses packets") {
    RAWOPS_REQUIRE_ROOT();
    if (!tcp_cc_available("reno")) RAWOPS_SKIP("kernel has no reno congestion control");
    auto t = lossy_transfer("reno", 16u << 20);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    CHECK(t->bytes_received == (16u << 20));
    CHECK(t->congestion == "reno");
    CHECK(t->total_retrans > 0);
}
