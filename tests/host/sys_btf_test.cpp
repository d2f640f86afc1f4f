// loader/sys against the real kernel: BPF_BTF_LOAD and kernel BTF lookup.
#include <cerrno>
#include <string>
#include <vector>

#include "loader/sys/btf_obj.h"
#include "loader/sys/syscall.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::sys;
using rawops::testing::FdLeakCheck;
using rawops::testing::tiny_btf;

TEST_CASE("sys: BTF_LOAD of a hand-built BTF") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<std::byte> data = tiny_btf();
    auto btf = btf_load({data, "tiny", {}});
    REQUIRE_MESSAGE(btf.ok(), btf.error().message());
    CHECK(btf->get() >= 3);
    auto info = btf_info(btf->get());
    REQUIRE_MESSAGE(info.ok(), info.error().message());
    CHECK(info->id != 0);
    CHECK_FALSE(info->kernel_btf);
    CHECK(info->size == data.size());
    CHECK(info->name.empty());

    // The same object again, by id.
    auto again = btf_get_fd_by_id(info->id);
    REQUIRE_MESSAGE(again.ok(), again.error().message());
    auto info2 = btf_info(again->get());
    REQUIRE(info2.ok());
    CHECK(info2->id == info->id);
}

TEST_CASE("sys: BTF_LOAD of a bad BTF returns the checker's log") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<std::byte> data = tiny_btf(33);  // 33 bits in a 4-byte int
    std::string log;
    auto btf = btf_load({data, "tiny-bad", {}}, &log);
    REQUIRE_FALSE(btf.ok());
    CHECK(btf.error().err_no() == EINVAL);
    CHECK(log.find("[1] INT int") != std::string::npos);
    const std::string& msg = btf.error().message();
    CHECK(msg.rfind("BPF_BTF_LOAD of 'tiny-bad' failed: Invalid argument (EINVAL); BTF: [1] INT", 0) == 0);
}

TEST_CASE("sys: BTF log growth from a tiny buffer") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<std::byte> data = tiny_btf(33);
    std::vector<CallRecord> calls;
    ScopedObserver observe([&calls](const CallRecord& r) { calls.push_back(r); });
    BtfLoadRequest r{data, "tiny-bad", {}};
    r.log.level = kLogLevel1;
    r.log.initial_size = 128;
    std::string log;
    auto btf = btf_load(r, &log);
    REQUIRE_FALSE(btf.ok());
    CHECK(btf.error().err_no() == EINVAL);
    CHECK(log.size() > 128);
    CHECK(log.find("magic: 0xeb9f") != std::string::npos);  // the head survived too
    REQUIRE(calls.size() >= 2);
    CHECK(calls[0].err == ENOSPC);
}

TEST_CASE("sys: find kernel BTF by name walks BTF ids") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto vmlinux = find_kernel_btf("vmlinux");
    REQUIRE_MESSAGE(vmlinux.ok(), vmlinux.error().message());
    CHECK(vmlinux->info.kernel_btf);
    CHECK(vmlinux->info.name == "vmlinux");
    CHECK(vmlinux->info.size > 1000000);

    auto none = find_kernel_btf("rawops_no_such_module");
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().err_no() == ENOENT);
    CHECK(none.error().message().find("'rawops_no_such_module'") != std::string::npos);
}
