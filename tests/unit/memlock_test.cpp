// RLIMIT_MEMLOCK before 5.11 (loader/sys/memlock.h): which kernels get the
// limit raised, and the raise itself. The raise runs in a forked child, so
// this process's own limit never changes; no bpf() call is made.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <functional>

#include "btf/error.h"
#include "loader/hint.h"
#include "loader/sys/memlock.h"

using rawops::sys::kernel_charges_memlock;

TEST_CASE("RLIMIT_MEMLOCK is raised on kernels before 5.11 only") {
    // Distribution and mainline release strings as uname -r gives them.
    CHECK(kernel_charges_memlock("5.10.0-28-amd64"));
    CHECK(kernel_charges_memlock("5.4.0-150-generic"));
    CHECK(kernel_charges_memlock("4.19.0-27-amd64"));
    CHECK(kernel_charges_memlock("4.18.0-553.el8_10.x86_64"));  // RHEL 8: raised, harmless where memcg was backported
    CHECK(kernel_charges_memlock("3.10.0"));
    CHECK_FALSE(kernel_charges_memlock("5.11.0"));
    CHECK_FALSE(kernel_charges_memlock("5.11"));
    CHECK_FALSE(kernel_charges_memlock("5.15.0-1051-azure"));
    CHECK_FALSE(kernel_charges_memlock("6.1.0-18-amd64"));
    CHECK_FALSE(kernel_charges_memlock("6.12.95+deb12-cloud-amd64"));
    CHECK_FALSE(kernel_charges_memlock("6.18.44"));
    CHECK_FALSE(kernel_charges_memlock("7.3.4+deb13-cloud-amd64"));
    CHECK_FALSE(kernel_charges_memlock("10.0"));
    // Not a release we can read: counted as old, since a raised limit costs
    // nothing and a refused load does.
    CHECK(kernel_charges_memlock(""));
    CHECK(kernel_charges_memlock("linux"));
    CHECK(kernel_charges_memlock("6"));
}

namespace {

// Runs `body` in a child process and returns its exit status (0: every
// expectation held; otherwise the number of the first that did not).
int in_child(const std::function<int()>& body) {
    const pid_t pid = fork();
    if (pid == 0) _exit(body());
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

bool limit_is(rlim_t soft, rlim_t hard) {
    rlimit r{};
    return getrlimit(RLIMIT_MEMLOCK, &r) == 0 && r.rlim_cur == soft && r.rlim_max == hard;
}

}  // namespace

TEST_CASE("before 5.11 the limit becomes unlimited, soft and hard, as libbpf sets it, or else the hard limit") {
    CHECK(in_child([] {
              // A low soft limit under the hard one, which stays.
              rlimit r{};
              getrlimit(RLIMIT_MEMLOCK, &r);
              if (r.rlim_max != RLIM_INFINITY && r.rlim_max <= 64 * 1024) return 1;
              const rlimit lowered{64 * 1024, r.rlim_max};
              if (setrlimit(RLIMIT_MEMLOCK, &lowered) != 0) return 2;
              const auto& m = rawops::sys::ensure_memlock_for_testing("5.10.0-28-amd64");
              if (!m.checked || !m.needed) return 3;
              // With CAP_SYS_RESOURCE (root on most machines): unlimited.
              if (m.unlimited) return m.err == 0 && limit_is(RLIM_INFINITY, RLIM_INFINITY) ? 0 : 4;
              // Without it (a container's root, a user with CAP_BPF): the
              // hard limit, and the refusal remembered for the hint.
              return m.err == EPERM && m.limit == r.rlim_max && limit_is(r.rlim_max, r.rlim_max) ? 0 : 5;
          }) == 0);
}

TEST_CASE("from 5.11 the limit stays as it was") {
    CHECK(in_child([] {
              rlimit r{};
              getrlimit(RLIMIT_MEMLOCK, &r);
              const rlimit lowered{64 * 1024, r.rlim_max};
              if (setrlimit(RLIMIT_MEMLOCK, &lowered) != 0) return 1;
              const auto& m = rawops::sys::ensure_memlock_for_testing("6.18.44");
              if (!m.checked || m.needed || m.unlimited || m.err != 0) return 2;
              return limit_is(64 * 1024, r.rlim_max) ? 0 : 3;
          }) == 0);
}

TEST_CASE("a raise refused (no CAP_SYS_RESOURCE) leaves the load going, and an EPERM's hint names the limit") {
    CHECK(in_child([] {
              // A hard limit this process cannot raise again: lowered, then,
              // for root, every privilege dropped.
              const rlimit lowered{64 * 1024, 64 * 1024};
              if (setrlimit(RLIMIT_MEMLOCK, &lowered) != 0) return 1;
              if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) return 2;
              const auto& m = rawops::sys::ensure_memlock_for_testing("5.10.0-28-amd64");
              if (!m.needed || m.unlimited || m.err != EPERM || m.limit != 64 * 1024) return 3;
              if (!limit_is(64 * 1024, 64 * 1024)) return 4;
              const std::string h =
                  rawops::hint(rawops::Error("BPF_MAP_CREATE of 'x' failed: Operation not permitted (EPERM)", EPERM));
              if (h.find("This kernel (5.10.0-28-amd64) also charges BPF memory to RLIMIT_MEMLOCK, which stays at 64 "
                         "KiB: raising it to unlimited failed (EPERM") == std::string::npos)
                  return 5;
              if (h.find("ulimit -l unlimited") == std::string::npos) return 6;
              return 0;
          }) == 0);
    // Where the limit was raised, or did not matter, the hint is about
    // privileges alone.
    CHECK(in_child([] {
              rawops::sys::ensure_memlock_for_testing("6.18.44");
              const std::string h =
                  rawops::hint(rawops::Error("BPF_MAP_CREATE of 'x' failed: Operation not permitted (EPERM)", EPERM));
              return h.find("RLIMIT_MEMLOCK") == std::string::npos && h.find("CAP_BPF") != std::string::npos ? 0 : 1;
          }) == 0);
}
