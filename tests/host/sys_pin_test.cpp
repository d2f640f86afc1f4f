// loader/sys against the real kernel: pinning in a bpffs the test mounts.
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

#include "loader/sys/map.h"
#include "loader/sys/obj.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"

using namespace rawops;
using namespace rawops::sys;
using rawops::testing::BpffsMount;
using rawops::testing::FdLeakCheck;

TEST_CASE("sys: pin a map in a private bpffs and get it back") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    BpffsMount fs;
    if (!fs.ok()) RAWOPS_SKIP("cannot mount bpffs: " + fs.error());

    MapCreateRequest r;
    r.map_type = kMapTypeArray;
    r.key_size = 4;
    r.value_size = 4;
    r.max_entries = 1;
    r.name = "rawops_sys_pin";
    auto map = map_create(r);
    REQUIRE_MESSAGE(map.ok(), map.error().message());
    std::uint32_t k = 0, v = 0x5eed;
    REQUIRE(map_update_elem(map->get(), bytes_of(k), bytes_of(v)).ok());

    std::string path = fs.dir() + "/m";
    auto pinned = obj_pin(map->get(), path);
    REQUIRE_MESSAGE(pinned.ok(), pinned.error().message());
    struct stat st {};
    CHECK(stat(path.c_str(), &st) == 0);

    // Pinning twice at the same path: EEXIST, naming the path.
    auto twice = obj_pin(map->get(), path);
    REQUIRE_FALSE(twice.ok());
    CHECK(twice.error().err_no() == EEXIST);
    CHECK(twice.error().message().find("'" + path + "'") != std::string::npos);

    auto got = obj_get(path);
    REQUIRE_MESSAGE(got.ok(), got.error().message());
    CHECK(got->get() != map->get());
    auto a = map_info(map->get());
    auto b = map_info(got->get());
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(a->id == b->id);
    std::uint32_t out = 0;
    REQUIRE(map_lookup_elem(got->get(), bytes_of(k), writable_bytes_of(out)).ok());
    CHECK(out == 0x5eed);

    // Read-only open: updates through it are refused.
    auto ro = obj_get(path, kObjFlagRdonly);
    REQUIRE_MESSAGE(ro.ok(), ro.error().message());
    auto refused = map_update_elem(ro->get(), bytes_of(k), bytes_of(v));
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().err_no() == EPERM);

    CHECK(unlink(path.c_str()) == 0);
    auto missing = obj_get(path);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().err_no() == ENOENT);
}

TEST_CASE("sys: pinning outside bpffs is refused") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    MapCreateRequest r;
    r.map_type = kMapTypeArray;
    r.key_size = 4;
    r.value_size = 4;
    r.max_entries = 1;
    r.name = "rawops_sys_pin2";
    auto map = map_create(r);
    REQUIRE(map.ok());
    char tmpl[] = "/tmp/rawops-notbpf-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    std::string dir = tmpl;
    auto pinned = obj_pin(map->get(), dir + "/m");
    unlink((dir + "/m").c_str());
    rmdir(dir.c_str());
    REQUIRE_FALSE(pinned.ok());
    CHECK(pinned.error().err_no() == EPERM);
}
