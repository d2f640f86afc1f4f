// The shared error type: context chains read outermost first, errno survives.
#include <doctest/doctest.h>

#include "btf/error.h"

using rawops::Error;
using rawops::Result;
using rawops::Status;

namespace {
Result<int> parse_positive(int v) {
    if (v <= 0) return Error("value " + std::to_string(v) + " is not positive");
    return v;
}
Status outer(int v) {
    auto r = parse_positive(v);
    if (!r) return std::move(r).error().context("while reading member 'x'");
    return {};
}
}  // namespace

TEST_CASE("Result carries a value or an error") {
    auto good = parse_positive(3);
    REQUIRE(good.ok());
    CHECK(*good == 3);
    auto bad = parse_positive(-1);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message() == "value -1 is not positive");
    CHECK_FALSE(bad.error().kernel_refused());
}

TEST_CASE("context is prepended, outermost first") {
    auto s = outer(0);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message() == "while reading member 'x': value 0 is not positive");
}

TEST_CASE("errno is kept through context") {
    Error e("BPF_MAP_CREATE failed", EPERM);
    e.context("while creating map 'ops'");
    CHECK(e.err_no() == EPERM);
    CHECK(e.kernel_refused());
    CHECK(e.message() == "while creating map 'ops': BPF_MAP_CREATE failed");
}
