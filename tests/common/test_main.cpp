// Shared main() of every doctest suite. Besides running doctest it prints one
// machine-readable line that tests/run_suites.sh sums into `make test`'s
// summary:  rawops-suite: passed=N failed=M skipped=K
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>

#include "tests/common/skip.h"

namespace {

int g_skipped = 0;
int g_cases = 0;
int g_failed = 0;
const char* g_current_test = "?";

// Listener that remembers the run's totals; doctest's Context does not expose them.
struct TotalsListener : doctest::IReporter {
    explicit TotalsListener(const doctest::ContextOptions&) {}
    void report_query(const doctest::QueryData&) override {}
    void test_run_start() override {}
    void test_run_end(const doctest::TestRunStats& s) override {
        g_cases = static_cast<int>(s.numTestCasesPassingFilters);
        g_failed = static_cast<int>(s.numTestCasesFailed);
    }
    void test_case_start(const doctest::TestCaseData& tc) override { g_current_test = tc.m_name; }
    void test_case_reenter(const doctest::TestCaseData&) override {}
    void test_case_end(const doctest::CurrentTestCaseStats&) override {}
    void test_case_exception(const doctest::TestCaseException&) override {}
    void subcase_start(const doctest::SubcaseSignature&) override {}
    void subcase_end() override {}
    void log_assert(const doctest::AssertData&) override {}
    void log_message(const doctest::MessageData&) override {}
    void test_case_skipped(const doctest::TestCaseData&) override {}
};
REGISTER_LISTENER("rawops-totals", 1, TotalsListener);

}  // namespace

namespace rawops::testing {

void note_skip(const std::string& reason) {
    std::printf("SKIP: %s: %s\n", g_current_test, reason.c_str());
    std::fflush(stdout);
    ++g_skipped;
}

bool is_root() { return geteuid() == 0; }

}  // namespace rawops::testing

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    int rc = context.run();
    if (context.shouldExit()) return rc;
    int passed = g_cases - g_failed - g_skipped;
    std::printf("rawops-suite: passed=%d failed=%d skipped=%d\n", passed, g_failed, g_skipped);
    return rc;
}
