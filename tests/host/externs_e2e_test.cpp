// Externs and callbacks on the real host kernel: tcp_cc_externs.bpf.o
// ("rawops_ext") carries a TCP connection; its init stored every .kconfig
// and __ksym value it saw, its cong_avoid ran bpf_loop and
// bpf_for_each_map_elem callbacks and armed a bpf_timer whose callback fired. Each value is checked against the truth
// read here independently: the kernel's Kconfig (zcat), /proc/kallsyms, uname.
#include <doctest/doctest.h>

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "loader/sys/map.h"
#include "tests/common/skip.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

// Mirrors struct extern_values in bpfprog/tcp_cc_externs.bpf.c (.bss).
struct ExternValues {
    std::uint64_t hz, bpf_syscall, bpf_jit, jit_always_on;
    char hostname[8];
    std::uint64_t log_buf_shift, absent_config, kernel_version, has_bpf_cookie, has_syscall_wrapper;
    std::uint64_t do_unlinkat_addr, absent_var_addr;
    std::uint64_t kfunc_exists, absent_kfunc_exists, flavour_exists, wrong_proto_exists;
    std::uint64_t init_calls, loop_sum, loop_calls, map_sum, map_elems, cong_avoid_calls, undo_via_flavour;
    std::uint64_t timer_fired, timer_started, absent_var_exists;
};

// CONFIG_X -> value, from the running kernel's config as zcat prints it.
std::map<std::string, std::string> kernel_config() {
    std::map<std::string, std::string> out;
    std::FILE* p = ::popen("zcat /proc/config.gz 2>/dev/null || cat /boot/config-$(uname -r)", "r");
    if (!p) return out;
    char line[4096];
    while (std::fgets(line, sizeof line, p)) {
        std::string l(line);
        if (l.rfind("CONFIG_", 0) != 0) continue;
        const auto eq = l.find('=');
        if (eq == std::string::npos) continue;
        out[l.substr(0, eq)] = l.substr(eq + 1, l.find_last_not_of("\n") - eq);
    }
    ::pclose(p);
    return out;
}

std::uint64_t kallsyms_address(const std::string& name) {
    std::ifstream in("/proc/kallsyms");
    std::string addr, type, sym;
    while (in >> addr >> type >> sym) {
        if (sym == name) return std::stoull(addr, nullptr, 16);
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

}  // namespace

TEST_CASE("tcp_cc_externs.bpf.o: .kconfig, __ksym, bpf_ksym_exists, kfunc flavours and callbacks reach the program") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_ext")) RAWOPS_SKIP("rawops_ext is already registered (left over by another run)");
    const auto config = kernel_config();
    if (config.empty()) RAWOPS_SKIP("the kernel's Kconfig is not readable here");

    auto l = load_object("tcp_cc_externs.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    // Four known numbers for bpf_for_each_map_elem to add up.
    const int numbers = l->loaded.map_fd("numbers");
    for (std::uint32_t k = 0; k < 4; ++k) {
        const std::uint64_t v = 100u << k;
        REQUIRE(sys::map_update_elem(numbers, sys::bytes_of(k), sys::bytes_of(v)).ok());
    }
    auto t = loopback_transfer("rawops_ext", 4u << 20);
    REQUIRE_MESSAGE(t.ok(), t.error().message());
    auto v = read_global<ExternValues>(l->loaded, data_map(*l, ".bss"));
    REQUIRE_MESSAGE(v.ok(), v.error().message());
    REQUIRE(v->init_calls >= 1);

    // .kconfig, each in the C type libbpf allows for it.
    CHECK(std::to_string(v->hz) == config.at("CONFIG_HZ"));
    CHECK(v->bpf_syscall == (config.at("CONFIG_BPF_SYSCALL") == "y"));
    CHECK(v->bpf_jit == (config.at("CONFIG_BPF_JIT") == "y" ? 1u : 2u));  // enum libbpf_tristate
    CHECK(v->jit_always_on == static_cast<std::uint64_t>(config.at("CONFIG_BPF_JIT_ALWAYS_ON")[0]));
    const std::string host = config.at("CONFIG_DEFAULT_HOSTNAME");  // with its quotes
    CHECK(std::string(v->hostname) == host.substr(1, std::min<std::size_t>(host.size() - 2, 7)));
    CHECK(std::to_string(v->log_buf_shift) == config.at("CONFIG_LOG_BUF_SHIFT"));
    CHECK(v->absent_config == 0);
    struct utsname uts {};
    ::uname(&uts);
    unsigned major = 0, minor = 0, patch = 0;
    std::sscanf(uts.release, "%u.%u.%u", &major, &minor, &patch);
    CHECK(v->kernel_version == (major << 16) + (minor << 8) + std::min(patch, 255u));
    CHECK(v->has_bpf_cookie == 1);  // every kernel with struct_ops links has it
    CHECK(v->has_syscall_wrapper == (access("/sys/bus/event_source/devices/kprobe/type", F_OK) == 0 ? 1u : 0u));

    // __ksym: a typeless symbol is its kallsyms address; absent weak ones are 0.
    CHECK(v->do_unlinkat_addr == kallsyms_address("do_unlinkat"));
    CHECK(v->do_unlinkat_addr != 0);
    CHECK(v->absent_var_addr == 0);
    CHECK(v->kfunc_exists == 1);
    CHECK(v->absent_kfunc_exists == 0);
    CHECK(v->flavour_exists == 1);
    CHECK(v->wrong_proto_exists == 0);  // a __weak kfunc with another prototype stays unresolved

    // Callbacks ran, with the data they were given.
    CHECK(v->loop_calls == 10);
    CHECK(v->loop_sum == 55);
    CHECK(v->map_elems == 4);
    CHECK(v->map_sum == 100 + 200 + 400 + 800);
    CHECK(v->cong_avoid_calls > 0);
    CHECK(v->timer_started == 1);  // bpf_timer_start() returned 0
    for (int i = 0; i < 100 && v->timer_fired == 0; ++i) {  // it fires 1 us later, in softirq
        ::usleep(10000);
        v = read_global<ExternValues>(l->loaded, data_map(*l, ".bss"));
        REQUIRE(v.ok());
    }
    CHECK(v->timer_fired == 1);
    CHECK(v->absent_var_exists == 0);
    CHECK(t->bytes_received == 4u << 20);
}

TEST_CASE("the plan shows each extern's value and where it came from") {
    auto p = plan_object(bpf_object("tcp_cc_externs.bpf.o"));
    REQUIRE_MESSAGE(p.ok(), p.error().message());
    const std::string text = plan::print(*p);
    CHECK(text.find("extern 'CONFIG_HZ': ") != std::string::npos);
    CHECK(text.find("extern 'rawops_no_such_kfunc': absent; weak, reads as 0") != std::string::npos);
    CHECK(text.find("extern 'tcp_reno_ssthresh___wrong': prototype differs") != std::string::npos);
    CHECK(text.find("(kallsyms)") != std::string::npos);
    CHECK(text.find("BPF_MAP_FREEZE map_fd=$data:.kconfig") != std::string::npos);
}

TEST_CASE("Kconfig given as text wins over the kernel's; libbpf's type rules refuse what does not fit") {
    plan::BuildOptions b;
    SUBCASE("given values are used") {
        b.kernel_files.kconfig_text = "CONFIG_HZ=1000\nCONFIG_LOG_BUF_SHIFT=0x12\n";
        auto p = plan_object(bpf_object("tcp_cc_externs.bpf.o"), b);
        REQUIRE_MESSAGE(p.ok(), p.error().message());
        const std::string text = plan::print(*p);
        CHECK(text.find("extern 'CONFIG_HZ': 1000") != std::string::npos);
        CHECK(text.find("extern 'CONFIG_LOG_BUF_SHIFT': 18") != std::string::npos);
    }
    SUBCASE("a value that does not fit its type") {
        b.kernel_files.kconfig_text = "CONFIG_LOG_BUF_SHIFT=300\n";
        auto p = plan_object(bpf_object("tcp_cc_externs.bpf.o"), b);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message().find("extern (kconfig) 'CONFIG_LOG_BUF_SHIFT': value '300' doesn't fit in 1 bytes") !=
              std::string::npos);
    }
    SUBCASE("m into a bool") {
        b.kernel_files.kconfig_text = "CONFIG_BPF_SYSCALL=m\n";
        auto p = plan_object(bpf_object("tcp_cc_externs.bpf.o"), b);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message().find("'CONFIG_BPF_SYSCALL': value 'm' implies tristate or char type") != std::string::npos);
    }
    SUBCASE("a string into an int") {
        b.kernel_files.kconfig_text = "CONFIG_HZ=\"fast\"\n";
        auto p = plan_object(bpf_object("tcp_cc_externs.bpf.o"), b);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message().find("'CONFIG_HZ': value '\"fast\"' implies char array type") != std::string::npos);
    }
    SUBCASE("no Kconfig anywhere") {
        b.kernel_files.kconfig_paths = {"/nonexistent/config"};
        auto p = plan_object(bpf_object("tcp_cc_externs.bpf.o"), b);
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message().find("cannot read the kernel's Kconfig (tried /nonexistent/config)") != std::string::npos);
    }
}
