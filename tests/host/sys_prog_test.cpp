// loader/sys against the real kernel: BPF_PROG_LOAD with its verifier log,
// BPF_PROG_TEST_RUN.
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "loader/sys/btf_obj.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"
#include "loader/sys/prog.h"
#include "loader/sys/syscall.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::sys;
using rawops::testing::FdLeakCheck;
namespace a = rawops::testing::asm_;

namespace {

ProgLoadRequest socket_filter(const std::vector<Insn>& insns, std::string name) {
    ProgLoadRequest r;
    r.prog_type = kProgTypeSocketFilter;
    r.insns = insns;
    r.license = "GPL";
    r.name = std::move(name);
    return r;
}

// Many instructions, then an exit with r0 never written: the verifier walks
// them all (each printed in the level-1 log) and rejects the exit.
std::vector<Insn> long_rejected_program() {
    std::vector<Insn> insns;
    for (int i = 0; i < 40; ++i) insns.push_back(a::mov64_imm(1, i));
    insns.push_back(a::exit_());
    return insns;
}

int count(const std::vector<CallRecord>& calls, Cmd cmd) {
    int n = 0;
    for (const auto& c : calls) n += c.cmd == cmd;
    return n;
}

}  // namespace

TEST_CASE("sys: socket filter loads and runs with BPF_PROG_TEST_RUN") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<Insn> insns = {a::mov64_imm(0, 42), a::exit_()};
    std::string log;
    auto prog = prog_load(socket_filter(insns, "rawops_sys_sf"), &log);
    REQUIRE_MESSAGE(prog.ok(), prog.error().message());
    CHECK(prog->get() >= 3);
    CHECK(log.empty());  // level 0 and success: no log was asked for

    std::vector<std::byte> packet(64, std::byte{0});  // at least an Ethernet header
    TestRunRequest run;
    run.prog_fd = prog->get();
    run.data_in = packet;
    run.repeat = 3;
    auto result = prog_test_run(run);
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK(result->retval == 42);

    auto info = prog_info(prog->get());
    REQUIRE_MESSAGE(info.ok(), info.error().message());
    CHECK(info->type == kProgTypeSocketFilter);
    CHECK(info->name == "rawops_sys_sf");
    CHECK(info->xlated_prog_len == 2 * sizeof(Insn));
}

TEST_CASE("sys: a program the verifier rejects returns its log and errno") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<Insn> insns = {a::exit_()};  // r0 never written
    std::vector<CallRecord> calls;
    ScopedObserver observe([&calls](const CallRecord& r) { calls.push_back(r); });
    std::string log;
    auto prog = prog_load(socket_filter(insns, "rawops_sys_bad"), &log);
    REQUIRE_FALSE(prog.ok());
    CHECK(prog.error().err_no() == EACCES);
    CHECK(log.find("R0 !read_ok") != std::string::npos);
    const std::string& msg = prog.error().message();
    CHECK(msg.rfind("BPF_PROG_LOAD of 'rawops_sys_bad' failed: Permission denied (EACCES)", 0) == 0);
    CHECK(msg.find("verifier: ") != std::string::npos);
    CHECK(msg.find("R0 !read_ok") != std::string::npos);
    // First without a log, then again at level 1 for the reason.
    REQUIRE(calls.size() == 2);
    CHECK(format_fields(calls[0].attrs).find("log_level") == std::string::npos);
    CHECK(format_fields(calls[1].attrs).find("log_level=BPF_LOG_LEVEL1") != std::string::npos);
}

TEST_CASE("sys: the verifier log buffer grows when it is too small") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<Insn> insns = long_rejected_program();
    std::vector<CallRecord> calls;
    ScopedObserver observe([&calls](const CallRecord& r) { calls.push_back(r); });

    ProgLoadRequest r = socket_filter(insns, "rawops_sys_grow");
    r.log.initial_size = 128;  // the kernel's minimum: far too small for this log
    std::string log;
    auto prog = prog_load(r, &log);
    REQUIRE_FALSE(prog.ok());
    CHECK(prog.error().err_no() == EACCES);  // the real verdict, not ENOSPC
    CHECK(log.size() > 128);
    CHECK(log.find("R0 !read_ok") != std::string::npos);
    CHECK(log.find("39: (b7) r1 = 39") != std::string::npos);  // the whole walk is there
    // no-log attempt, the 128-byte attempt (ENOSPC), then at least one bigger.
    CHECK(count(calls, Cmd::ProgLoad) >= 3);
    REQUIRE(calls.size() >= 3);
    CHECK(calls[1].err == ENOSPC);
    CHECK(calls.back().err == EACCES);
}

TEST_CASE("sys: a requested log of a valid program survives a too small buffer") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<Insn> insns;
    for (int i = 0; i < 40; ++i) insns.push_back(a::mov64_imm(1, i));
    insns.push_back(a::mov64_imm(0, 0));
    insns.push_back(a::exit_());
    std::vector<CallRecord> calls;
    ScopedObserver observe([&calls](const CallRecord& r) { calls.push_back(r); });

    ProgLoadRequest r = socket_filter(insns, "rawops_sys_log");
    r.log.level = kLogLevel1 | kLogLevel2;  // every instruction with its state
    r.log.initial_size = 128;
    std::string log;
    auto prog = prog_load(r, &log);
    REQUIRE_MESSAGE(prog.ok(), prog.error().message());
    CHECK(calls.size() >= 2);
    CHECK(calls.front().err == ENOSPC);
    CHECK(calls.back().result >= 0);
    CHECK(log.find("processed ") != std::string::npos);
}

TEST_CASE("sys: program names are truncated to 15 characters, errors keep the full name") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<Insn> insns = {a::mov64_imm(0, 0), a::exit_()};
    auto prog = prog_load(socket_filter(insns, "renol_cong_avoid"));
    REQUIRE_MESSAGE(prog.ok(), prog.error().message());
    auto info = prog_info(prog->get());
    REQUIRE(info.ok());
    CHECK(info->name == "renol_cong_avoi");

    std::vector<Insn> bad = {a::exit_()};
    auto refused = prog_load(socket_filter(bad, "renol_cong_avoid"));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message().find("of 'renol_cong_avoid'") != std::string::npos);
}

TEST_CASE("sys: test run of a bad fd names the command") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    TestRunRequest run;
    run.prog_fd = 999999;
    auto result = prog_test_run(run);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().err_no() == EBADF);
    CHECK(result.error().message().rfind("BPF_PROG_TEST_RUN of prog fd 999999 failed", 0) == 0);
}

TEST_CASE("sys: fd_array reaches the kernel (ld_imm64 of a map value by fd_array index)") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    MapCreateRequest m;
    m.map_type = kMapTypeArray;
    m.key_size = 4;
    m.value_size = 4;
    m.max_entries = 1;
    m.name = "rawops_sys_fda";
    auto map = map_create(m);
    REQUIRE_MESSAGE(map.ok(), map.error().message());
    std::uint32_t k = 0, v = 1234;
    REQUIRE(map_update_elem(map->get(), bytes_of(k), bytes_of(v)).ok());

    // r1 = &fd_array[0]'s value + 0 (BPF_PSEUDO_MAP_IDX_VALUE); r0 = *(u32 *)r1
    std::vector<Insn> insns = {a::make(0x18, 1, 6, 0, 0), a::make(0, 0, 0, 0, 0), a::ldx_w(0, 1, 0),
                               a::exit_()};
    std::vector<std::int32_t> fds = {map->get()};
    ProgLoadRequest r = socket_filter(insns, "rawops_sys_fda");
    r.fd_array = fds;
    auto prog = prog_load(r);
    REQUIRE_MESSAGE(prog.ok(), prog.error().message());
    std::vector<std::byte> packet(64, std::byte{0});
    TestRunRequest run;
    run.prog_fd = prog->get();
    run.data_in = packet;
    auto result = prog_test_run(run);
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK(result->retval == 1234);
}

TEST_CASE("sys: prog_btf_fd with func_info and line_info records") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    // BTF: [1] INT int, [2] FUNC_PROTO int(void), [3] FUNC prog (global).
    const char strings[] = "\0int\0prog\0a.c\0return 7;";  // offsets 1, 5, 10, 14
    std::vector<std::uint32_t> words = {
        0x0001eb9fu, 24, 0, 40, 40, sizeof strings,
        1, 1u << 24, 4, (1u << 24) | 32,  // [1]
        0, 13u << 24, 1,                  // [2]
        5, (12u << 24) | 1, 2,            // [3]
    };
    std::vector<std::byte> btf_data(words.size() * 4 + sizeof strings);
    std::memcpy(btf_data.data(), words.data(), words.size() * 4);
    std::memcpy(btf_data.data() + words.size() * 4, strings, sizeof strings);
    std::string btf_log;
    auto btf = btf_load({btf_data, "func-btf", {}}, &btf_log);
    REQUIRE_MESSAGE(btf.ok(), (btf.ok() ? std::string() : btf.error().message() + "\n" + btf_log));

    std::uint32_t func_info[] = {0, 3};                      // insn_off, type_id
    std::uint32_t line_info[] = {0, 10, 14, (1u << 10) | 5};  // insn 0: a.c:1:5 "return 7;"
    std::vector<Insn> insns = {a::mov64_imm(0, 7), a::exit_()};
    ProgLoadRequest r = socket_filter(insns, "prog");
    r.prog_btf_fd = btf->get();
    r.func_info_rec_size = 8;
    r.func_info = std::as_bytes(std::span(func_info));
    r.line_info_rec_size = 16;
    r.line_info = std::as_bytes(std::span(line_info));
    std::string log;
    auto prog = prog_load(r, &log);
    REQUIRE_MESSAGE(prog.ok(), (prog.ok() ? std::string() : prog.error().message() + "\n" + log));

    auto pinfo = prog_info(prog->get());
    auto binfo = btf_info(btf->get());
    REQUIRE(pinfo.ok());
    REQUIRE(binfo.ok());
    CHECK(pinfo->btf_id == binfo->id);
    CHECK(pinfo->nr_func_info == 1);
    CHECK(pinfo->nr_line_info == 1);

    // A func_info naming a type that is not a FUNC is refused with a log.
    std::uint32_t bad_func_info[] = {0, 1};
    r.func_info = std::as_bytes(std::span(bad_func_info));
    auto refused = prog_load(r, &log);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().err_no() == EINVAL);
    CHECK_FALSE(log.empty());
}
