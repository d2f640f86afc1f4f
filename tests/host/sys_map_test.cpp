// loader/sys against the real kernel: maps.
#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "loader/sys/map.h"
#include "loader/sys/obj.h"
#include "loader/sys/syscall.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::sys;
using rawops::testing::FdLeakCheck;

namespace {

MapCreateRequest array_request(std::uint32_t entries) {
    MapCreateRequest r;
    r.map_type = kMapTypeArray;
    r.key_size = 4;
    r.value_size = 8;
    r.max_entries = entries;
    r.name = "rawops_sys_arr";
    return r;
}

}  // namespace

TEST_CASE("sys: array map create, update, lookup, delete refused, info") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto map = map_create(array_request(4));
    REQUIRE_MESSAGE(map.ok(), map.error().message());
    CHECK(map->get() >= 3);
    CHECK((fcntl(map->get(), F_GETFD) & FD_CLOEXEC) != 0);  // bpf fds are close-on-exec

    for (std::uint32_t k = 0; k < 4; ++k) {
        std::uint64_t v = 1000 + k;
        auto st = map_update_elem(map->get(), bytes_of(k), bytes_of(v));
        REQUIRE_MESSAGE(st.ok(), st.error().message());
    }
    std::uint32_t key = 2;
    std::uint64_t value = 0;
    auto st = map_lookup_elem(map->get(), bytes_of(key), writable_bytes_of(value));
    REQUIRE_MESSAGE(st.ok(), st.error().message());
    CHECK(value == 1002);

    // Array elements cannot be deleted: the kernel says EINVAL, and the
    // error names the command.
    auto del = map_delete_elem(map->get(), bytes_of(key));
    REQUIRE_FALSE(del.ok());
    CHECK(del.error().err_no() == EINVAL);
    CHECK(del.error().message().rfind("BPF_MAP_DELETE_ELEM on map fd ", 0) == 0);
    CHECK(del.error().message().find("Invalid argument (EINVAL)") != std::string::npos);

    // Out of range key: ENOENT on lookup.
    std::uint32_t bad_key = 9;
    auto miss = map_lookup_elem(map->get(), bytes_of(bad_key), writable_bytes_of(value));
    REQUIRE_FALSE(miss.ok());
    CHECK(miss.error().err_no() == ENOENT);

    auto info = map_info(map->get());
    REQUIRE_MESSAGE(info.ok(), info.error().message());
    CHECK(info->type == kMapTypeArray);
    CHECK(info->key_size == 4);
    CHECK(info->value_size == 8);
    CHECK(info->max_entries == 4);
    CHECK(info->name == "rawops_sys_arr");
    CHECK(info->id != 0);
}

TEST_CASE("sys: hash map delete and key iteration with get_next_key") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    MapCreateRequest r;
    r.map_type = kMapTypeHash;
    r.key_size = 4;
    r.value_size = 4;
    r.max_entries = 8;
    r.name = "rawops_sys_hash";
    auto map = map_create(r);
    REQUIRE_MESSAGE(map.ok(), map.error().message());

    for (std::uint32_t k : {10u, 20u, 30u}) {
        REQUIRE(map_update_elem(map->get(), bytes_of(k), bytes_of(k), kElemNoExist).ok());
    }
    // BPF_NOEXIST on an existing key: EEXIST.
    std::uint32_t k10 = 10;
    auto again = map_update_elem(map->get(), bytes_of(k10), bytes_of(k10), kElemNoExist);
    REQUIRE_FALSE(again.ok());
    CHECK(again.error().err_no() == EEXIST);

    REQUIRE(map_delete_elem(map->get(), bytes_of(k10)).ok());
    auto gone = map_delete_elem(map->get(), bytes_of(k10));
    REQUIRE_FALSE(gone.ok());
    CHECK(gone.error().err_no() == ENOENT);

    std::vector<std::uint32_t> keys;
    std::uint32_t cur = 0, next = 0;
    bool first = true;
    for (;;) {
        auto more = first ? map_get_next_key(map->get(), {}, writable_bytes_of(next))
                          : map_get_next_key(map->get(), bytes_of(cur), writable_bytes_of(next));
        REQUIRE_MESSAGE(more.ok(), more.error().message());
        if (!*more) break;
        keys.push_back(next);
        cur = next;
        first = false;
        REQUIRE(keys.size() <= 8);
    }
    std::sort(keys.begin(), keys.end());
    CHECK(keys == std::vector<std::uint32_t>{20, 30});
}

TEST_CASE("sys: frozen map refuses updates from user space") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto map = map_create(array_request(1));
    REQUIRE(map.ok());
    std::uint32_t k = 0;
    std::uint64_t v = 7;
    REQUIRE(map_update_elem(map->get(), bytes_of(k), bytes_of(v)).ok());
    auto frozen = map_freeze(map->get());
    REQUIRE_MESSAGE(frozen.ok(), frozen.error().message());
    auto refused = map_update_elem(map->get(), bytes_of(k), bytes_of(v));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().err_no() == EPERM);
    std::uint64_t out = 0;
    REQUIRE(map_lookup_elem(map->get(), bytes_of(k), writable_bytes_of(out)).ok());
    CHECK(out == 7);
}

TEST_CASE("sys: map create errors name the map and carry errno") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    MapCreateRequest r = array_request(1);
    r.key_size = 8;  // arrays need 4-byte keys
    r.name = "rawops_badkey";
    auto map = map_create(r);
    REQUIRE_FALSE(map.ok());
    CHECK(map.error().err_no() == EINVAL);
    CHECK(map.error().message() == "BPF_MAP_CREATE of 'rawops_badkey' failed: Invalid argument (EINVAL)");
}

TEST_CASE("sys: long map names are truncated to 15 characters") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    MapCreateRequest r = array_request(1);
    r.name = "a_name_longer_than_fifteen";
    auto map = map_create(r);
    REQUIRE_MESSAGE(map.ok(), map.error().message());
    auto info = map_info(map->get());
    REQUIRE(info.ok());
    CHECK(info->name == "a_name_longer_t");
}

TEST_CASE("sys: the observer sees each call with decoded attributes") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    std::vector<CallRecord> calls;
    ScopedObserver observe([&calls](const CallRecord& r) { calls.push_back(r); });
    {
        auto map = map_create(array_request(2));
        REQUIRE(map.ok());
        std::uint32_t k = 5;  // out of range: fails
        std::uint64_t v = 1;
        CHECK_FALSE(map_update_elem(map->get(), bytes_of(k), bytes_of(v)).ok());
    }
    REQUIRE(calls.size() == 2);
    CHECK(calls[0].cmd == Cmd::MapCreate);
    CHECK(calls[0].result >= 3);
    CHECK(calls[0].err == 0);
    CHECK(calls[0].micros >= 0);
    CHECK(format_fields(calls[0].attrs) ==
          "map_type=BPF_MAP_TYPE_ARRAY key_size=4 value_size=8 max_entries=2 map_name=\"rawops_sys_arr\"");
    CHECK(calls[1].cmd == Cmd::MapUpdateElem);
    CHECK(calls[1].result == -1);
    CHECK(calls[1].err == E2BIG);  // array index out of range
    std::string line = format_call(calls[1]);
    CHECK(line.rfind("BPF_MAP_UPDATE_ELEM map_fd=", 0) == 0);
    CHECK(line.find("-> E2BIG: Argument list too long (") != std::string::npos);
}
