// Kernel BTF opened as trusted (Btf::open_kernel: only record bounds checked)
// and the lazy lookups (a few scans per group of kinds, then that group's
// name index): both must answer exactly what full validation and a plain
// walk over every type answer.
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "tests/btf/btf_builder.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::BtfBuilder;

namespace {

constexpr const char* kVmlinux = "/sys/kernel/btf/vmlinux";

std::vector<std::uint8_t> read_all(const char* path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct TempFile {
    std::string path;
    explicit TempFile(const std::vector<std::uint8_t>& bytes) {
        char tmpl[] = "/tmp/rawops-trusted-XXXXXX";
        int fd = ::mkstemp(tmpl);
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
        ::close(fd);
        path = tmpl;
    }
    ~TempFile() { ::unlink(path.c_str()); }
};

}  // namespace

TEST_CASE("kernel BTF: trusted open gives the same types as full validation") {
    if (::access(kVmlinux, R_OK) != 0) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto trusted = Btf::open_vmlinux();
    REQUIRE_MESSAGE(trusted.ok(), (trusted.ok() ? "" : trusted.error().message()));
    CHECK(trusted->trusted());
    // The same bytes through the full validator: the kernel's BTF passes it,
    // and both see the same records at the same places.
    auto full = Btf::parse(read_all(kVmlinux), nullptr, "copy of vmlinux");
    REQUIRE_MESSAGE(full.ok(), (full.ok() ? "" : full.error().message()));
    CHECK_FALSE(full->trusted());
    REQUIRE(full->type_count() == trusted->type_count());
    for (TypeId id = 1; id < full->type_count(); ++id) {
        if (full->type(id).info() != trusted->type(id).info() || full->type(id).name() != trusted->type(id).name()) {
            FAIL("type " << id << " differs");
            break;
        }
    }
}

TEST_CASE("kernel BTF: a copy outside /sys/kernel/btf is validated in full") {
    CHECK(Btf::is_kernel_path("/sys/kernel/btf/vmlinux"));
    CHECK(Btf::is_kernel_path("/sys/kernel/btf/bpf_testmod"));
    CHECK_FALSE(Btf::is_kernel_path("/sys/kernel/btf/../../../tmp/x"));
    CHECK_FALSE(Btf::is_kernel_path("/sys/kernel/btf/"));
    CHECK_FALSE(Btf::is_kernel_path("/tmp/vmlinux"));
    // A PTR to a type that does not exist: full validation refuses it, so
    // open_kernel on a user's file must too.
    BtfBuilder b;
    b.int_("int", 4, 32, 1);
    b.ptr(99);
    TempFile f(b.build());
    auto r = Btf::open_kernel(f.path);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("out of range") != std::string::npos);
    // A good file outside sysfs opens, untrusted.
    BtfBuilder g;
    g.int_("int", 4, 32, 1);
    TempFile gf(g.build());
    auto ok = Btf::open_kernel(gf.path);
    REQUIRE(ok.ok());
    CHECK_FALSE(ok->trusted());
}

TEST_CASE("lookups: scans and the per-kind indexes agree with a walk over every type") {
    if (::access(kVmlinux, R_OK) != 0) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto v = Btf::open_vmlinux();
    REQUIRE(v.ok());
    // Oracle: the lowest id per (name, kind), every id per name.
    std::map<std::pair<std::string, Kind>, TypeId> first;
    std::map<std::string, std::vector<TypeId>> all;
    for (TypeId id = 1; id < v->type_count(); ++id) {
        TypeView t = v->type(id);
        if (t.name().empty()) continue;
        first.emplace(std::pair(std::string(t.name()), t.kind()), id);
        all[std::string(t.name())].push_back(id);
    }
    // Every 97th name of each kind: the first lookups of a group scan, the
    // later ones go through its index; both must agree with the walk.
    std::map<Kind, int> seen;
    int checked = 0;
    for (const auto& [key, id] : first) {
        if (seen[key.second]++ % 97) continue;
        auto r = v->find(key.first, key.second);
        REQUIRE_MESSAGE(r.ok(), key.first);
        CHECK_MESSAGE(*r == id, key.first);
        std::vector<TypeId> of_kind;
        for (TypeId x : all[key.first])
            if (v->type(x).kind() == key.second) of_kind.push_back(x);
        CHECK(v->find_all(key.first, key.second) == of_kind);
        CHECK(v->find_all(key.first) == all[key.first]);
        ++checked;
    }
    MESSAGE(checked << " names checked");
    CHECK(checked > 100);
    CHECK_FALSE(v->find("no_such_type_rawops", Kind::Struct).ok());
    CHECK_FALSE(v->find("no_such_func_rawops", Kind::Func).ok());
    CHECK(v->find_all("no_such_type_rawops").empty());
    // Prefixes and extensions of a real name are other names.
    CHECK_FALSE(v->find("task_struc", Kind::Struct).ok());
    CHECK_FALSE(v->find("task_structx", Kind::Struct).ok());
    CHECK(v->find("task_struct", Kind::Struct).ok());
}

TEST_CASE("lookups on a small BTF: scans, then the index, same answers") {
    BtfBuilder c;
    TypeId ci = c.int_("int", 4, 32, 1);
    TypeId cs = c.composite(false, "s", 4, {{"a", ci, 0}});
    TypeId proto = c.func_proto(ci, {});
    TypeId cf = c.type("f", 12, 1, false, proto);
    TypeId cfwd = c.type("s", 7, 0, false, 0);
    TypeId clong = c.int_("abcdefghijklmnop", 8, 64);
    auto r = Btf::parse(c.build(), nullptr, "t");
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    for (int round = 0; round < 12; ++round) {  // past every group's scan budget
        CHECK(r->find("s", Kind::Struct).value() == cs);
        CHECK(r->find("s", Kind::Fwd).value() == cfwd);
        CHECK(r->find("f", Kind::Func).value() == cf);
        CHECK(r->find("int", Kind::Int).value() == ci);
        CHECK(r->find("abcdefghijklmnop", Kind::Int).value() == clong);
        CHECK_FALSE(r->find("abcdefgh", Kind::Int).ok());
        CHECK_FALSE(r->find("s", Kind::Union).ok());
        CHECK(r->find_all("s") == std::vector<TypeId>{cs, cfwd});
        CHECK(r->find_all("s", Kind::Fwd) == std::vector<TypeId>{cfwd});
    }
}

TEST_CASE("str_starts_with agrees with str().starts_with()") {
    BtfBuilder c;
    c.int_("int", 4, 32, 1);
    c.composite(false, "bpf_struct_ops_x", 4, {{"a", 1, 0}});
    auto r = Btf::parse(c.build(), nullptr, "t");
    REQUIRE(r.ok());
    for (std::uint32_t off = 0; off < r->str_end() + 3; ++off)
        for (std::string_view p : {"", "i", "int", "intx", "bpf_struct_ops_", "bpf_struct_ops_x", "bpf_struct_ops_xy", "a"})
            CHECK_MESSAGE(r->str_starts_with(off, p) == r->str(off).starts_with(p), off << " " << p);
}
