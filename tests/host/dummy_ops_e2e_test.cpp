// bpf_dummy_ops programs loaded by rawops and run with BPF_PROG_TEST_RUN
// (the kernel runs the program behind a real struct_ops trampoline; the
// type cannot be registered, so the struct_ops map is created but not filled).
#include <doctest/doctest.h>

#include "loader/sys/prog.h"
#include "tests/common/skip.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

struct DummyState {
    std::int32_t val;
};

// Mirrors struct dummy_call_counts + test_2_args in bpfprog/dummy_ops.bpf.c (.bss).
struct DummyBss {
    std::uint64_t test_1, test_2, test_sleepable;
    std::uint64_t test_2_args[5];
};

Result<sys::TestRunResult> run(const plan::Loaded& l, const std::string& prog, std::vector<std::uint64_t> args) {
    sys::TestRunRequest r;
    r.prog_fd = l.prog_fd(prog);
    r.ctx_in = std::as_bytes(std::span(args));
    return sys::prog_test_run(r);
}

std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uint64_t>(p); }

}  // namespace

TEST_CASE("dummy_ops.bpf.o: test_1 (nullable state), test_2 (five args), test_sleepable return what they compute") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    plan::ExecOptions programs_only;
    programs_only.fill_struct_ops = false;
    auto l = load_object("dummy_ops.bpf.o", programs_only);
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    CHECK(l->loaded.registrations().empty());

    DummyState state{123};
    auto r1 = run(l->loaded, "test_1", {ptr(&state)});
    REQUIRE_MESSAGE(r1.ok(), r1.error().message());
    CHECK(r1->retval == 123);
    CHECK(state.val == 0x5a);  // written by the program, copied back by the kernel

    auto r1null = run(l->loaded, "test_1", {0});
    REQUIRE_MESSAGE(r1null.ok(), r1null.error().message());
    CHECK(r1null->retval == 0xf2f3f4f5u);  // from .rodata: the NULL path ran

    DummyState s2{0};
    auto r2 = run(l->loaded, "test_2", {ptr(&s2), 7, 11, 13, 17});
    REQUIRE_MESSAGE(r2.ok(), r2.error().message());
    CHECK(r2->retval == 7 + 11 + 13 + 17);
    CHECK(s2.val == 7);

    DummyState s3{41};
    auto rs = run(l->loaded, "test_sleepable", {ptr(&s3)});
    REQUIRE_MESSAGE(rs.ok(), rs.error().message());
    CHECK(rs->retval == 42);

    auto bss = read_global<DummyBss>(l->loaded, data_map(*l, ".bss"));
    REQUIRE_MESSAGE(bss.ok(), bss.error().message());
    CHECK(bss->test_1 == 2);
    CHECK(bss->test_2 == 1);
    CHECK(bss->test_sleepable == 1);
    CHECK(bss->test_2_args[1] == 7);
    CHECK(bss->test_2_args[4] == 17);
}

TEST_CASE("registering bpf_dummy_ops is refused by the kernel and rolled back") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    auto l = load_object("dummy_ops.bpf.o");
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().err_no() == EOPNOTSUPP);
    CHECK(l.error().message().find("fill and register 'dummy_ops'") != std::string::npos);
}
