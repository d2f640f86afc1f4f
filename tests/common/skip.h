// Runtime skipping for doctest suites. doctest has no runtime skip, so a test
// that lacks root or a kernel feature calls RAWOPS_SKIP("reason"): it prints
// "SKIP: <test>: <reason>", bumps a counter and returns from the test case.
// tests/common/test_main.cpp subtracts the skips from doctest's passed count,
// so a skipped test is never reported as passed.
#pragma once

#include <doctest/doctest.h>

#include <string>

namespace rawops::testing {
void note_skip(const std::string& reason);
// True when the process runs as root (most kernel tests need it).
bool is_root();
}  // namespace rawops::testing

#define RAWOPS_SKIP(reason)                      \
    do {                                         \
        ::rawops::testing::note_skip(reason);    \
        return;                                  \
    } while (0)

#define RAWOPS_REQUIRE_ROOT()                                          \
    do {                                                               \
        if (!::rawops::testing::is_root()) RAWOPS_SKIP("needs root");  \
    } while (0)
