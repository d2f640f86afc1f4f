// libbpf's SEC() names, the part rawops loads, and essential names.
#include <doctest/doctest.h>

#include "loader/section_def.h"
#include "loader/struct_ops/binding.h"
#include "loader/sys/abi.h"

using namespace rawops;

TEST_CASE("section names map to program type, attach type, sleepable and target as in libbpf's table") {
    struct Case {
        const char* name;
        ProgramKind kind;
        std::uint32_t prog_type, attach_type;
        bool sleepable, retprobe;
        const char* target;
    };
    const Case cases[] = {
        {"struct_ops", ProgramKind::StructOps, sys::kProgTypeStructOps, 0, false, false, ""},
        {"struct_ops/init", ProgramKind::StructOps, sys::kProgTypeStructOps, 0, false, false, "init"},
        {"struct_ops.s/test_sleepable", ProgramKind::StructOps, sys::kProgTypeStructOps, 0, true, false, "test_sleepable"},
        {"tp_btf/sched_switch", ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceRawTp, false, false, "sched_switch"},
        {"fentry/do_unlinkat", ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFentry, false, false, "do_unlinkat"},
        {"fentry.s/do_unlinkat", ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFentry, true, false, "do_unlinkat"},
        {"fexit/bpf_testmod:bpf_kfunc_call_test", ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachTraceFexit, false, false, "bpf_testmod:bpf_kfunc_call_test"},
        {"fmod_ret/x", ProgramKind::Tracing, sys::kProgTypeTracing, sys::kAttachModifyReturn, false, false, "x"},
        {"syscall", ProgramKind::Syscall, sys::kProgTypeSyscall, 0, true, false, ""},
        {"kprobe/do_unlinkat", ProgramKind::Kprobe, sys::kProgTypeKprobe, 0, false, false, "do_unlinkat"},
        {"kretprobe/do_unlinkat", ProgramKind::Kprobe, sys::kProgTypeKprobe, 0, false, true, "do_unlinkat"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        auto d = section_def(c.name);
        REQUIRE(d.has_value());
        CHECK(d->kind == c.kind);
        CHECK(d->prog_type == c.prog_type);
        CHECK(d->expected_attach_type == c.attach_type);
        CHECK(d->sleepable == c.sleepable);
        CHECK(d->retprobe == c.retprobe);
        CHECK(d->attach_target == c.target);
    }
    // Names rawops does not load, and near misses of the ones it does.
    for (const char* n : {"xdp", "kprobe.multi/x", "syscall/x", "struct_opsx", "fentryx/y", "tracepoint/a/b", "license"}) {
        CAPTURE(n);
        CHECK_FALSE(section_def(n).has_value());
    }
    CHECK(describe_unsupported_section("xdp") == "libbpf's section family 'xdp', which rawops does not load");
    CHECK(describe_unsupported_section("kprobe.multi/x").find("'kprobe.multi'") != std::string::npos);
    CHECK(describe_unsupported_section("my_own") == "a section name libbpf has no program type for");
}

TEST_CASE("essential names cut at the last X___Y, as libbpf's bpf_core_essential_name_len") {
    using struct_ops::essential_name;
    CHECK(essential_name("tcp_congestion_ops___v2") == "tcp_congestion_ops");
    CHECK(essential_name("a___b___c") == "a___b");
    CHECK(essential_name("bpf_foo") == "bpf_foo");
    CHECK(essential_name("foo____bar") == "foo____bar");  // Y may not start with '_'
    CHECK(essential_name("__x___") == "__x___");
    CHECK(essential_name("x___") == "x___");
    CHECK(essential_name("a___b") == "a");
    CHECK(essential_name("") == "");
}
