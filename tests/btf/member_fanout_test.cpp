// Regression (found by fuzz_btf, a hang): member lookup through anonymous
// members that fan out. Twenty levels of eight anonymous members each would be
// 8^20 paths; a lookup must still answer at once.
#include <doctest/doctest.h>

#include <chrono>

#include "btf/btf.h"
#include "tests/btf/btf_builder.h"

using rawops::testing::BtfBuilder;

TEST_CASE("find_member through fanned-out anonymous members stays linear") {
    BtfBuilder b;
    const auto i32 = b.int_("int", 4, 32, 1);
    std::uint32_t level = b.composite(false, "leaf", 4, {{"x", i32, 0}});
    for (int depth = 0; depth < 20; ++depth) {
        std::vector<BtfBuilder::M> ms;
        for (int k = 0; k < 8; ++k) ms.push_back({"", level, 0});  // all at offset 0: sizes stay small
        level = b.composite(true, depth == 19 ? "top" : "", 4, ms);
    }
    const auto raw = b.build();
    auto btf = rawops::btf::Btf::parse(std::span<const std::uint8_t>(raw));
    REQUIRE_MESSAGE(btf.ok(), btf.error().message());

    const auto start = std::chrono::steady_clock::now();
    auto missing = btf->find_member(level, "nope");
    auto found = btf->find_member(level, "x");
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(missing.ok());
    REQUIRE(found.ok());
    CHECK(found->path.size() == 21);  // 20 anonymous levels, then x
    // Not a timing test: a generous bound that only an exponential search misses.
    CHECK(elapsed < std::chrono::seconds(5));
}
