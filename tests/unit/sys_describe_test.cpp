// describe() and friends of loader/sys: the text a trace or a plan shows for
// an attr, checked without a kernel.
#include <doctest/doctest.h>

#include <cerrno>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "loader/sys/describe.h"
#include "loader/sys/link.h"
#include "loader/sys/log.h"
#include "loader/sys/map.h"
#include "loader/sys/prog.h"
#include "loader/sys/syscall.h"

using namespace rawops;
using namespace rawops::sys;

TEST_CASE("describe: struct_ops map create with module BTF object") {
    MapCreateRequest r;
    r.map_type = kMapTypeStructOps;
    r.key_size = 4;
    r.value_size = 256;
    r.max_entries = 1;
    r.map_flags = kMapFlagLink;
    r.name = "rawops_reno";
    r.btf_fd = 5;
    r.btf_vmlinux_value_type_id = 12345;
    r.value_type_btf_obj_fd = 7;
    attr::MapCreate a = encode(r);
    CHECK(a.map_flags == (kMapFlagLink | kMapFlagVtypeBtfObjFd));
    CHECK(format_fields(describe(Cmd::MapCreate, a)) ==
          "map_type=BPF_MAP_TYPE_STRUCT_OPS key_size=4 value_size=256 max_entries=1 "
          "map_flags=BPF_F_LINK|BPF_F_VTYPE_BTF_OBJ_FD map_name=\"rawops_reno\" btf_fd=5 "
          "btf_vmlinux_value_type_id=12345 value_type_btf_obj_fd=7");
}

TEST_CASE("describe: struct_ops program load shows the member index and license") {
    std::vector<Insn> insns(3);
    ProgLoadRequest r;
    r.prog_type = kProgTypeStructOps;
    r.expected_attach_type = 4;
    r.insns = insns;
    r.license = "GPL";
    r.name = "renol_cong_avoid";
    r.prog_flags = kProgFlagSleepable;
    r.attach_btf_id = 777;
    r.attach_btf_obj_fd = 9;
    attr::ProgLoad a = encode(r);
    auto fields = describe(Cmd::ProgLoad, a);
    REQUIRE(fields.size() >= 6);
    CHECK(fields[0] == AttrField{"prog_type", "BPF_PROG_TYPE_STRUCT_OPS"});
    CHECK(fields[1] == AttrField{"insn_cnt", "3"});
    CHECK(fields[2].name == "insns");
    CHECK(fields[3] == AttrField{"license", "\"GPL\""});
    std::string text = format_fields(fields);
    CHECK(text.find("prog_flags=BPF_F_SLEEPABLE") != std::string::npos);
    CHECK(text.find("prog_name=\"renol_cong_avoi\"") != std::string::npos);  // 15 characters
    CHECK(text.find("expected_attach_type=member#4") != std::string::npos);
    CHECK(text.find("attach_btf_id=777 attach_btf_obj_fd=9") != std::string::npos);
    CHECK(text.find("log_") == std::string::npos);  // zero fields are left out

    // Another program type: expected_attach_type is an attach type.
    a.prog_type = kProgTypeTracing;
    a.expected_attach_type = 24;
    CHECK(format_fields(describe(Cmd::ProgLoad, a)).find("expected_attach_type=BPF_TRACE_FENTRY") !=
          std::string::npos);
}

TEST_CASE("describe: links name the map fd for BPF_STRUCT_OPS") {
    LinkCreateRequest r;
    r.prog_fd = 11;
    r.attach_type = kAttachStructOps;
    CHECK(format_fields(describe(Cmd::LinkCreate, encode(r))) ==
          "link_create.map_fd=11 link_create.attach_type=BPF_STRUCT_OPS");
    r.attach_type = 24;
    CHECK(format_fields(describe(Cmd::LinkCreate, encode(r))) ==
          "link_create.prog_fd=11 link_create.attach_type=BPF_TRACE_FENTRY");

    attr::LinkUpdate u{};
    u.link_fd = 3;
    u.new_fd = 4;
    u.flags = kLinkFlagReplace;
    u.old_fd = 5;
    CHECK(format_fields(describe(Cmd::LinkUpdate, u)) ==
          "link_update.link_fd=3 link_update.new_map_fd=4 link_update.flags=BPF_F_REPLACE "
          "link_update.old_map_fd=5");
}

TEST_CASE("describe: unknown flag bits and enum values stay visible as numbers") {
    attr::MapCreate a{};
    a.map_type = 200;
    a.map_flags = kMapFlagRdonlyProg | (1u << 30);
    std::string text = format_fields(describe(Cmd::MapCreate, a));
    CHECK(text.find("map_type=200") != std::string::npos);
    CHECK(text.find("map_flags=BPF_F_RDONLY_PROG|0x40000000") != std::string::npos);
    CHECK(map_type_name(kMapTypeArena) == "BPF_MAP_TYPE_ARENA");
    CHECK(prog_type_name(kProgTypeStructOps) == "BPF_PROG_TYPE_STRUCT_OPS");
    CHECK(attach_type_name(kAttachStructOps) == "BPF_STRUCT_OPS");
    CHECK(link_type_name(kLinkTypeStructOps) == "BPF_LINK_TYPE_STRUCT_OPS");
}

TEST_CASE("describe: a short attr reads as zero-extended") {
    std::uint32_t map_fd = 6;  // BPF_MAP_FREEZE needs only map_fd
    CHECK(format_fields(describe(Cmd::MapFreeze, map_fd)) == "map_fd=6");
    CHECK(describe(Cmd::MapCreate, std::span<const std::byte>()).size() == 4);  // the always-shown fields
}

TEST_CASE("describe: command names and errno text") {
    CHECK(cmd_name(Cmd::BtfGetNextId) == "BPF_BTF_GET_NEXT_ID");
    CHECK(cmd_name(static_cast<Cmd>(99)) == "BPF_CMD_99");
    CHECK(errno_text(EACCES) == "Permission denied (EACCES)");
    CHECK(errno_text(524) == "Operation is not supported (ENOTSUPP)");
    CHECK(errno_name(12345) == "errno 12345");
    Error e = call_error(Cmd::ProgLoad, "of 'rawops_reno_init'", EPERM);
    CHECK(e.message() == "BPF_PROG_LOAD of 'rawops_reno_init' failed: Operation not permitted (EPERM)");
    CHECK(e.err_no() == EPERM);
}

TEST_CASE("format_call: success and failure lines") {
    CallRecord ok{Cmd::MapFreeze, {{"map_fd", "6"}}, 0, 0, 1.25};
    CHECK(format_call(ok) == "BPF_MAP_FREEZE map_fd=6 -> 0 (1.2 us)");
    CallRecord bad{Cmd::LinkDetach, {{"link_detach.link_fd", "7"}}, -1, EBADF, 3.0};
    CHECK(format_call(bad) == "BPF_LINK_DETACH link_detach.link_fd=7 -> EBADF: Bad file descriptor (3.0 us)");
}

TEST_CASE("log_summary picks the verdict, not the statistics") {
    std::string verifier =
        "0: R1=ctx() R10=fp0\n"
        "0: (95) exit\n"
        "R0 !read_ok\n"
        "processed 1 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
    CHECK(log_summary(verifier) == "R0 !read_ok");
    CHECK(log_summary("magic: 0xeb9f\n[1] INT int size=4 Invalid nr_bits\n") ==
          "[1] INT int size=4 Invalid nr_bits");
    CHECK(log_summary("") == "");
    CHECK(log_summary("\n\n") == "");
    CHECK(log_summary("single line") == "single line");
}

TEST_CASE("load_with_log: no log first, then level 1, growing on ENOSPC") {
    struct Try {
        std::uint32_t level, size;
    };
    std::vector<Try> tries;
    LogOptions options;
    options.initial_size = 100;  // raised to the kernel minimum, 128
    options.max_size = 1000;
    std::string log;
    // A fake kernel whose log needs 700 bytes and which reports log_true_size
    // only on the second logged attempt (as an old kernel would not at all).
    long r = load_with_log(
        options,
        [&tries](std::uint32_t level, char* buf, std::uint32_t size, std::uint32_t& true_size) -> long {
            tries.push_back({level, size});
            if (level == 0) {
                errno = EACCES;
                return -1;
            }
            std::string text(699, 'x');
            std::size_t n = std::min<std::size_t>(size - 1, text.size());
            std::memcpy(buf, text.data(), n);
            buf[n] = '\0';
            if (size < 700) {
                true_size = tries.size() >= 3 ? 700 : 0;
                errno = ENOSPC;
                return -1;
            }
            errno = EACCES;
            return -1;
        },
        log);
    int err = errno;
    CHECK(r == -1);
    CHECK(err == EACCES);
    REQUIRE(tries.size() == 4);
    CHECK(tries[0].level == 0);
    CHECK(tries[1].level == 1);
    CHECK(tries[1].size == 128);
    CHECK(tries[2].size == 256);  // no true size known: doubled
    CHECK(tries[3].size == 700);  // the size the kernel said it needed
    CHECK(log.size() == 699);
}

TEST_CASE("load_with_log: stops at max_size and keeps ENOSPC") {
    LogOptions options;
    options.level = kLogLevel1;
    options.initial_size = 128;
    options.max_size = 300;
    std::string log;
    int calls = 0;
    long r = load_with_log(
        options,
        [&calls](std::uint32_t, char* buf, std::uint32_t, std::uint32_t&) -> long {
            ++calls;
            buf[0] = 'x';
            errno = ENOSPC;
            return -1;
        },
        log);
    CHECK(r == -1);
    CHECK(errno == ENOSPC);
    CHECK(calls == 3);  // 128, 256, 300
    CHECK(log == "x");
}

// --json gives each attr its JSON type from these, never from the text.
TEST_CASE("describe: the typed form agrees with the text") {
    MapCreateRequest r;
    r.map_type = kMapTypeArena;
    r.key_size = 0;
    r.value_size = 0;
    r.max_entries = 2;
    r.map_flags = kMapFlagRdonlyProg | (1u << 30);
    r.name = "a\"b";
    r.btf_fd = 5;
    r.map_extra = 0x8000000000000001ull;  // above 2^53
    auto fields = describe(Cmd::MapCreate, encode(r));
    auto find = [&fields](const std::string& name) {
        for (const auto& f : fields)
            if (f.name == name) return f;
        FAIL("no field " << name);
        return AttrField{};
    };
    CHECK(find("map_type").kind == AttrKind::Name);
    CHECK(find("map_type").value == "BPF_MAP_TYPE_ARENA");
    CHECK(find("max_entries").kind == AttrKind::Number);
    CHECK(find("btf_fd").kind == AttrKind::Number);
    const AttrField flags = find("map_flags");
    CHECK(flags.kind == AttrKind::Flags);
    CHECK(flags.parts == std::vector<std::string>{"BPF_F_RDONLY_PROG", "0x40000000"});
    CHECK(flags.value == "BPF_F_RDONLY_PROG|0x40000000");
    const AttrField name = find("map_name");
    CHECK(name.kind == AttrKind::String);
    CHECK(name.parts == std::vector<std::string>{"a\"b"});  // as read, not escaped
    CHECK(name.value == "\"a\\\"b\"");
    CHECK(find("map_extra").kind == AttrKind::U64);
    CHECK(find("map_extra").value == "9223372036854775809");

    attr::MapElem e{};
    e.map_fd = 3;
    e.key = 0x1000;
    auto elem = describe(Cmd::MapUpdateElem, e);
    REQUIRE(elem.size() == 3);  // flags 0 left out
    CHECK(elem[1].kind == AttrKind::Pointer);
    CHECK(elem[1].value == "0x1000");
}

TEST_CASE("attr field makers: empty flags read 0, lists read [a,b]") {
    CHECK(flags_field("flags", {}).value == "0");
    CHECK(flags_field("flags", {}).parts.empty());
    CHECK(flags_field("prot", {"PROT_READ", "PROT_WRITE"}).value == "PROT_READ|PROT_WRITE");
    const AttrField l = list_field("fd_array", {"0", "$modbtf:m"});
    CHECK(l.kind == AttrKind::List);
    CHECK(l.value == "[0,$modbtf:m]");
    CHECK(list_field("x", {}).value == "[]");
    CHECK(number_field("pid", -1).value == "-1");
    CHECK(string_field("s", std::string("\x01", 1)).value == "\"\\x01\"");
    CHECK(text_field("insns", "3 insns").kind == AttrKind::Text);
}
