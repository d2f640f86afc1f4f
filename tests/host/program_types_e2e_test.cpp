// Other program types in a struct_ops object, and libbpf's optional parts,
// on the real host kernel: a tp_btf link that sees a real TCP connection (and
// stops seeing it after detach; fentry/fexit are tested in the 6.12 guest,
// the host refuses them), a syscall program run with
// BPF_PROG_TEST_RUN, SEC("?...") programs that never load, ?.struct_ops
// variables created only on request, and the refusals libbpf makes.
#include <doctest/doctest.h>

#include "tests/common/skip.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

// Mirrors struct mixed_counts / struct syscall_args in bpfprog/tcp_cc_mixed.bpf.c.
struct MixedCounts {
    std::uint64_t established, syscall_runs, syscall_sum, never;
};
struct SyscallArgs {
    std::uint64_t a, b, product;
};

// Mirrors the .bss of bpfprog/tcp_cc_optional.bpf.c.
struct OptionalCounts {
    std::uint64_t a_inits, b_inits, cong_avoids;
};

bool program_loaded(const plan::Plan& p, const std::string& name) {
    for (const auto& s : p.steps)
        if (s.creates == plan::Ref{plan::Ref::Kind::Prog, name}) return true;
    return false;
}

}  // namespace

TEST_CASE("tcp_cc_mixed.bpf.o: a tp_btf program is attached and sees the connection; a syscall program runs") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_mixed")) RAWOPS_SKIP("rawops_mixed is already registered");
    auto l = load_object("tcp_cc_mixed.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    CHECK(l->loaded.attachments() == std::vector<std::string>{"mixed_state"});
    CHECK_FALSE(program_loaded(l->plan, "mixed_never_loaded"));
    CHECK_FALSE(program_loaded(l->plan, "mixed_unused_op"));
    CHECK(l->loaded.prog_fd("mixed_never_loaded") < 0);

    auto t = loopback_transfer("rawops_mixed", 1u << 20);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    const std::string bss = data_map(*l, ".bss");
    auto c = read_global<MixedCounts>(l->loaded, bss);
    REQUIRE(c.ok());
    CHECK(c->established >= 2);             // both ends reached TCP_ESTABLISHED
    CHECK(c->never == 0);

    SyscallArgs args{6, 7, 0};
    auto r = l->loaded.run("mixed_syscall", std::as_writable_bytes(std::span(&args, 1)));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->retval == 7);
    CHECK(args.product == 42);              // written back through the context
    auto after_run = read_global<MixedCounts>(l->loaded, bss);
    REQUIRE(after_run.ok());
    CHECK(after_run->syscall_runs == 1);
    CHECK(after_run->syscall_sum == 13);

    // After detach the links are gone: a new connection moves nothing.
    const auto before = *after_run;
    const int map = ::dup(l->loaded.map_fd(bss));
    REQUIRE(l->loaded.detach().ok());
    auto t2 = loopback_transfer("reno", 1u << 16);
    REQUIRE_MESSAGE(t2.ok(), t2.error().message());
    MixedCounts still{};
    const std::uint32_t key = 0;
    REQUIRE(sys::map_lookup_elem(map, sys::bytes_of(key), sys::writable_bytes_of(still)).ok());
    ::close(map);
    CHECK(still.established == before.established);
}

TEST_CASE("tcp_cc_optional.bpf.o: ?.struct_ops.link is created only on request, and its programs follow it") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_opt_a") || tcp_cc_available("rawops_opt_b"))
        RAWOPS_SKIP("rawops_opt_a/b already registered");
    SUBCASE("by default only rawops_opt_a, without opt_b_init") {
        auto l = load_object("tcp_cc_optional.bpf.o");
        REQUIRE_MESSAGE(l.ok(), l.error().message());
        CHECK(tcp_cc_available("rawops_opt_a"));
        CHECK_FALSE(tcp_cc_available("rawops_opt_b"));
        CHECK(program_loaded(l->plan, "opt_a_init"));
        CHECK_FALSE(program_loaded(l->plan, "opt_b_init"));
        auto t = loopback_transfer("rawops_opt_a", 1u << 18);
        REQUIRE_MESSAGE(t.ok(), t.error().message());
        auto c = read_global<OptionalCounts>(l->loaded, data_map(*l, ".bss"));
        REQUIRE(c.ok());
        CHECK(c->a_inits >= 1);
        CHECK(c->b_inits == 0);
        CHECK(c->cong_avoids > 0);
    }
    SUBCASE("asked for by name, rawops_opt_b alone") {
        plan::BuildOptions only_b;
        only_b.only_maps = {"rawops_opt_b"};
        auto l = load_object("tcp_cc_optional.bpf.o", {}, only_b);
        REQUIRE_MESSAGE(l.ok(), l.error().message());
        CHECK(tcp_cc_available("rawops_opt_b"));
        CHECK_FALSE(tcp_cc_available("rawops_opt_a"));
        CHECK_FALSE(program_loaded(l->plan, "opt_a_init"));
        auto t = loopback_transfer("rawops_opt_b", 1u << 18);
        REQUIRE_MESSAGE(t.ok(), t.error().message());
        auto c = read_global<OptionalCounts>(l->loaded, data_map(*l, ".bss"));
        REQUIRE(c.ok());
        CHECK(c->b_inits >= 1);
        CHECK(c->a_inits == 0);
    }
    CHECK_FALSE(tcp_cc_available("rawops_opt_a"));
    CHECK_FALSE(tcp_cc_available("rawops_opt_b"));
}

TEST_CASE("refusals name the program, section or extern, before any bpf() call") {
    struct Case {
        const char* object;
        const char* message;
    };
    const Case cases[] = {
        {"bad/unreferenced_struct_ops.bpf.o",
         "program 'forgotten_cwnd_event' (section 'struct_ops/cwnd_event'): SEC(\"struct_ops\") program isn't "
         "referenced anywhere, did you forget to use it?"},
        {"bad/xdp_section.bpf.o", "program 'pass_all' (section 'xdp'): libbpf's section family 'xdp', which rawops does not load"},
        {"bad/kconfig_strong_absent.bpf.o",
         "extern (kconfig) 'CONFIG_RAWOPS_SURELY_ABSENT' (strong): not resolved: not in the kernel's Kconfig"},
        {"bad/kfunc_wrong_proto.bpf.o",
         "extern (ksym) 'tcp_reno_ssthresh': its prototype (2 parameters) is incompatible with vmlinux's tcp_reno_ssthresh"},
        {"tcp_cc_optional.bpf.o", "--map 'rawops_opt_c': no struct_ops variable of that name in the object"},
    };
    for (const Case& c : cases) {
        CAPTURE(c.object);
        plan::BuildOptions b;
        if (std::string(c.object) == "tcp_cc_optional.bpf.o") b.only_maps = {"rawops_opt_c"};
        auto p = plan_object(bpf_object(c.object), b);
        REQUIRE_FALSE(p.ok());
        CHECK_MESSAGE(p.error().message().find(c.message) != std::string::npos, p.error().message());
    }
}

TEST_CASE("subprog_order.bpf.o: the depth-first layout with a callback is what the kernel runs") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    auto l = load_object("subprog_order.bpf.o");  // no struct_ops: a syscall program only
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    struct {
        std::uint64_t x, result;
    } args{5, 0};
    auto r = l->loaded.run("order_entry", std::as_writable_bytes(std::span(&args, 1)));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(r->retval == 0);
    CHECK(args.result == (5 + 1) * 2 + (5 + 2) + (0 + 1 + 2 + 3));
}

TEST_CASE("core_sock_state.bpf.o: a CO-RE tp_btf object reads struct sock of a real connection (also run in both guests)") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    auto l = load_object("core_sock_state.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    auto t = loopback_transfer("reno", 1u << 16);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    struct {
        std::uint64_t established, local_port, remote_port, family;
    } seen{};
    auto v = read_global<decltype(seen)>(l->loaded, data_map(*l, ".bss"));
    REQUIRE(v.ok());
    CHECK(v->established >= 2);  // both ends of the connection
    CHECK(v->family == 2);       // AF_INET
    CHECK((v->local_port > 0 && v->remote_port > 0));
}
