// `rawops btf dump` as a user runs it: the built static binary, compared with
// bpftool where bpftool can say the same thing.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "btf/btf.h"
#include "btf/format_raw.h"
#include "tests/btf/btf_builder.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::capture;

namespace {

std::string rawops_bin() { return rawops::testing::exe_dir() + "/../rawops"; }

struct Run {
    int rc = -1;
    std::string out;  // stdout and stderr together
};

Run run(const std::string& args) {
    Run r;
    FILE* p = ::popen((rawops_bin() + " " + args + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
    int st = ::pclose(p);
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

bool have_rawops() { return ::access(rawops_bin().c_str(), X_OK) == 0; }
bool have_vmlinux() { return ::access("/sys/kernel/btf/vmlinux", R_OK) == 0; }

}  // namespace

TEST_CASE("rawops btf dump vmlinux prints what bpftool prints") {
    if (!have_rawops()) RAWOPS_SKIP("build/rawops not built");
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_bpftool()) RAWOPS_SKIP("bpftool not installed");
    auto ours = capture(rawops_bin() + " btf dump vmlinux");
    auto theirs = capture("bpftool btf dump file /sys/kernel/btf/vmlinux format raw");
    REQUIRE(ours.has_value());
    REQUIRE(theirs.has_value());
    CHECK(ours->size() == theirs->size());
    CHECK(*ours == *theirs);
}

TEST_CASE("rawops btf dump --type prints that type's lines") {
    if (!have_rawops()) RAWOPS_SKIP("build/rawops not built");
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto vmlinux = Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    auto id = vmlinux->find("bpf_struct_ops_tcp_congestion_ops", Kind::Struct);
    REQUIRE(id.ok());
    Run r = run("btf dump vmlinux --type bpf_struct_ops_tcp_congestion_ops");
    CHECK(r.rc == 0);
    CHECK(r.out == format_raw_type(*vmlinux, *id));
    CHECK(r.out.rfind("[" + std::to_string(*id) + "] STRUCT 'bpf_struct_ops_tcp_congestion_ops' size=", 0) == 0);

    Run missing = run("btf dump vmlinux --type no_such_type_xyz");
    CHECK(missing.rc == 1);
    CHECK(missing.out.find("no type named 'no_such_type_xyz'") != std::string::npos);
}

TEST_CASE("rawops btf dump of an ELF object reads its .BTF section") {
    if (!have_rawops()) RAWOPS_SKIP("build/rawops not built");
    if (!rawops::testing::have_bpftool()) RAWOPS_SKIP("bpftool not installed");
    std::string obj = rawops::testing::exe_dir() + "/fixtures/btf_core.bpf.o";
    REQUIRE(::access(obj.c_str(), R_OK) == 0);
    Run r = run("btf dump " + obj);
    auto theirs = capture("bpftool btf dump file " + obj + " format raw");
    REQUIRE(theirs.has_value());
    CHECK(r.rc == 0);
    CHECK(r.out == *theirs);
    Run t = run("btf dump " + obj + " --type task_like");
    CHECK(t.rc == 0);
    CHECK(t.out.rfind("[2] STRUCT 'task_like' size=24 vlen=4\n", 0) == 0);
    CHECK(t.out.find("'flags' type_id=7 bits_offset=160 bitfield_size=3") != std::string::npos);
}

TEST_CASE("rawops btf dump FILE --base vmlinux: split BTF like bpftool -B") {
    if (!have_rawops()) RAWOPS_SKIP("build/rawops not built");
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_bpftool()) RAWOPS_SKIP("bpftool not installed");
    auto vmlinux = Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    rawops::testing::BtfBuilder s(vmlinux->type_count(), vmlinux->str_end(), true);
    auto ptr = s.ptr(*vmlinux->find("sock", Kind::Struct));
    s.composite(false, "split_demo", 8, {{"sk", ptr, 0}});
    rawops::testing::TempFile f(s.build());
    Run r = run("btf dump " + f.path() + " --base vmlinux");
    auto theirs = capture("bpftool btf dump file " + f.path() + " -B /sys/kernel/btf/vmlinux format raw");
    REQUIRE(theirs.has_value());
    CHECK(r.rc == 0);
    CHECK(r.out == *theirs);
    // --type finds own and base types alike.
    Run own = run("btf dump " + f.path() + " --base vmlinux --type split_demo");
    CHECK(own.rc == 0);
    CHECK(own.out.find("STRUCT 'split_demo' size=8 vlen=1") != std::string::npos);
    Run base = run("btf dump " + f.path() + " --base vmlinux --type sock");
    CHECK(base.rc == 0);
    CHECK(base.out.find("STRUCT 'sock' size=") != std::string::npos);
    // Without its base the same file is invalid, and says why.
    Run alone = run("btf dump " + f.path());
    CHECK(alone.rc == 1);
    CHECK(alone.out.find("rawops: BTF '" + f.path() + "'") != std::string::npos);
}

TEST_CASE("rawops btf dump: errors and exit codes") {
    if (!have_rawops()) RAWOPS_SKIP("build/rawops not built");
    Run c = run("btf dump vmlinux --format c --type no_such_type_xyz");
    if (have_vmlinux()) {
        CHECK(c.rc == 1);
        CHECK(c.out.find("no type named 'no_such_type_xyz'") != std::string::npos);
    }
    Run bad_format = run("btf dump vmlinux --format json");
    CHECK(bad_format.rc == 3);
    Run nothing = run("btf dump no_such_module_or_file");
    CHECK(nothing.rc == 1);
    CHECK(nothing.out.find("neither a file") != std::string::npos);
    Run garbage = run("btf dump /proc/self/cmdline");
    CHECK(garbage.rc == 1);
    CHECK(garbage.out.find("BTF '/proc/self/cmdline'") != std::string::npos);
    Run usage = run("btf dump");
    CHECK(usage.rc == 3);
}
