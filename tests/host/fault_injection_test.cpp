// Issue 13, fault injection on this machine's kernel: every bpf() call of a
// load, one at a time, is made to fail with each errno the kernel really
// returns for them. The sweep itself (what is injected, what is checked after
// each failed load: no fd, program, map or link of the object's names, no
// TCP congestion control, no pin; the error names the step, its errno and
// the rollback) is tests/common/fault_sweep.cpp, which the guests run too.
#include <doctest/doctest.h>

#include "tests/common/fault_sweep.h"
#include "tests/common/kernel_objects.h"
#include "tests/common/paths.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

struct Totals {
    int faults = 0, failed_loads = 0, tolerated = 0, registration_faults = 0;
};

void inject_every_call(const std::string& name, const std::vector<int>& errnos, Totals& totals) {
    BpffsMount bpffs;
    REQUIRE(bpffs.ok());
    fault::SweepOptions o;
    o.object = bpf_object(name);
    o.build.pin_root = bpffs.dir();  // LIBBPF_PIN_BY_NAME maps pin here
    o.every_call = fault::faults(errnos);  // transient and lasting
    o.registered = [] { return read_file("/proc/sys/net/ipv4/tcp_available_congestion_control"); };
    const fault::SweepReport r = fault::sweep(o);
    CAPTURE(name);
    for (const std::string& p : r.problems) CHECK_MESSAGE(false, p);
    CHECK(r.calls > 0);
    CHECK(r.faults > 0);
    totals.faults += r.faults;
    totals.failed_loads += r.failed_loads;
    totals.tolerated += r.tolerated;
    totals.registration_faults += r.registration_faults;
}

}  // namespace

TEST_CASE("a bpf() call that fails anywhere in a load leaves nothing behind, for every call and errno") {
    RAWOPS_REQUIRE_ROOT();
    const std::string tcp = read_file("/proc/sys/net/ipv4/tcp_available_congestion_control");
    if (tcp.find("rawops_") != std::string::npos) RAWOPS_SKIP("a rawops congestion control is already registered");
    Totals totals;
    // Every errno on the seed's path; two errnos on the others (their calls
    // are of the same kinds, and each run costs real program verification).
    inject_every_call("tcp_cc.bpf.o", fault::kernel_errnos(), totals);
    for (const char* name : {"tcp_cc_legacy.bpf.o", "tcp_cc_maps.bpf.o", "maps_libbpf.bpf.o", "map_in_map.bpf.o",
                             "tcp_cc_externs.bpf.o", "core_sock_state.bpf.o", "data_sections.bpf.o", "tcp_cc_mixed.bpf.o"})
        inject_every_call(name, {ENOMEM, EPERM}, totals);
    MESSAGE("faults injected: " << totals.faults << " (at a registration call: " << totals.registration_faults
                                << "), loads refused: " << totals.failed_loads
                                << ", tolerated (as libbpf): " << totals.tolerated);
    CHECK(totals.faults > 300);
    // Both kinds of registration were among the calls faulted (tcp_cc links,
    // tcp_cc_legacy registers by map update).
    CHECK(totals.registration_faults >= 4);
}
