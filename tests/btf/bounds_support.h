// Shared by the tests of walk bounds (tests/btf/walk_bounds_test.cpp,
// tests/unit/core_bounds_test.cpp, tests/unit/cli_type_text_test.cpp): parse
// a hand-built BTF, match error text, and check a walk came back in time.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <utility>

#include "btf/btf.h"
#include "tests/btf/btf_builder.h"

namespace rawops::testing {

inline btf::Btf parse(const BtfBuilder& b) {
    auto r = btf::Btf::parse(b.build());
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    return std::move(r).value();
}

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Runs `f` and checks it came back quickly: a bound that works ends these
// walks in milliseconds, a missing one takes hours (k^depth) or overflows
// the stack.
template <typename F>
auto quickly(F&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    auto r = f();
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    return r;
}

}  // namespace rawops::testing
