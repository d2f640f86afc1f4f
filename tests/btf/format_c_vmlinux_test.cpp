// The C dump of the running kernel's BTF as BPF programs use it: clang
// -target bpf must reproduce every struct's size and member offsets from it,
// every program in bpfprog/ must compile against it, --type output must
// compile alone, and it must define what bpftool's vmlinux.h defines.
#include <doctest/doctest.h>

#include <dirent.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/format_c.h"
#include "tests/btf/c_compile.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;
using rawops::testing::compile_bpf;
using rawops::testing::TempDir;
using rawops::testing::write_text;

namespace {

bool have_vmlinux() { return ::access("/sys/kernel/btf/vmlinux", R_OK) == 0; }
std::string rawops_bin() { return rawops::testing::exe_dir() + "/../rawops"; }

// The repository's bpfprog/ folder: tests run from the repository root, or
// the build folder sits in it.
std::string bpfprog_dir() {
    for (std::string d : {std::string("bpfprog"), rawops::testing::exe_dir() + "/../../bpfprog"})
        if (::access((d + "/rawops_reno.h").c_str(), R_OK) == 0) return d;
    return "";
}

std::vector<std::string> bpf_sources(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > 6 && n.compare(n.size() - 6, 6, ".bpf.c") == 0) out.push_back(dir + "/" + n);
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Our vmlinux.h, generated once per test binary run.
const std::string& vmlinux_h() {
    static std::string text;
    if (text.empty()) {
        auto v = Btf::open_vmlinux();
        REQUIRE(v.ok());
        auto c = format_c(*v);
        REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
        text = std::move(*c);
    }
    return text;
}

// Top-level definitions of a header: "struct x", "union x", "enum x" and
// "typedef x", by the lines that open them. Names with a ___N suffix are
// left out (the N depends on the printing order).
std::set<std::string> definitions(const std::string& header) {
    std::set<std::string> defs;
    std::istringstream in(header);
    std::string line;
    while (std::getline(in, line)) {
        if (line.find("___") != std::string::npos) continue;
        for (const char* kw : {"struct ", "union ", "enum "}) {
            std::string k = kw;
            if (line.rfind(k, 0) == 0 && line.size() > k.size() + 2 && line.compare(line.size() - 2, 2, " {") == 0)
                defs.insert(line.substr(0, line.size() - 2));
        }
        if (line.rfind("typedef ", 0) == 0 && line.back() == ';') {
            // The declared name: the last identifier before the declarator's
            // closing parts, e.g. "typedef int (*fn)(void);" -> fn.
            std::size_t p = line.find("(*");
            std::size_t s = p != std::string::npos ? p + 2 : line.find_last_of(" *", line.find('[') - 1) + 1;
            std::size_t e = s;
            while (e < line.size() && (std::isalnum(static_cast<unsigned char>(line[e])) || line[e] == '_')) ++e;
            defs.insert("typedef " + line.substr(s, e - s));
        }
    }
    return defs;
}

}  // namespace

TEST_CASE("C dump of vmlinux: clang -target bpf reproduces every struct's size and member offsets") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_clang()) RAWOPS_SKIP("clang not installed");
    auto v = Btf::open_vmlinux();
    REQUIRE(v.ok());
    TempDir dir;
    REQUIRE(!dir.path().empty());
    REQUIRE(write_text(dir.file("vmlinux.h"), vmlinux_h()));
    auto asserts = rawops::testing::layout_asserts(*v);
    MESSAGE(asserts.composites << " structs/unions, " << asserts.members << " member offsets, " << asserts.enums
                               << " enums, " << asserts.typedefs << " typedefs checked");
    // Nearly every struct of the kernel is checked, not a sample.
    CHECK(asserts.composites > 5000);
    CHECK(asserts.members > 20000);
    REQUIRE(write_text(dir.file("layout.c"), "#include \"vmlinux.h\"\n" + asserts.text));
    auto r = compile_bpf(dir.file("layout.c"), "-I" + dir.path());
    CHECK_MESSAGE(r.ok, r.diagnostics);
}

TEST_CASE("C dump of vmlinux: clang's record layouts match the BTF, bit-fields included") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_clang()) RAWOPS_SKIP("clang not installed");
    auto v = Btf::open_vmlinux();
    REQUIRE(v.ok());
    TempDir dir;
    REQUIRE(write_text(dir.file("vmlinux.h"), vmlinux_h()));
    // The static asserts make clang lay out every struct checked.
    REQUIRE(write_text(dir.file("layout.c"), "#include \"vmlinux.h\"\n" + rawops::testing::layout_asserts(*v).text));
    std::string dump = rawops::testing::record_layouts(dir.file("layout.c"), "-I" + dir.path());
    REQUIRE(!dump.empty());
    std::size_t checked = 0;
    std::string mismatches = rawops::testing::layout_mismatches(*v, dump, checked);
    MESSAGE(checked << " fields (bit-fields and members of anonymous members included) compared with clang's layout");
    CHECK(checked > 20000);
    CHECK_MESSAGE(mismatches.empty(), mismatches);
}

TEST_CASE("every program in bpfprog/ compiles against our vmlinux.h") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_clang()) RAWOPS_SKIP("clang not installed");
    const std::string src = bpfprog_dir();
    if (src.empty()) RAWOPS_SKIP("bpfprog/ not found (run from the repository root)");
    TempDir dir;
    REQUIRE(write_text(dir.file("vmlinux.h"), vmlinux_h()));
    std::vector<std::string> files = bpf_sources(src);
    // The bad programs compile too: it is the loader that must refuse them.
    for (const auto& f : bpf_sources(src + "/bad")) files.push_back(f);
    CHECK(files.size() >= 5);
    for (const auto& f : files) {
        std::string copy = dir.file(f.substr(f.rfind('/') + 1));
        std::string cmd = "cp '" + f + "' '" + copy + "'";
        REQUIRE(std::system(cmd.c_str()) == 0);
        auto r = compile_bpf(copy, "-I" + dir.path() + " -I" + src);
        CHECK_MESSAGE(r.ok, f << ":\n" << r.diagnostics);
    }
}

TEST_CASE("rawops btf dump vmlinux --format c --type NAME compiles on its own") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_clang()) RAWOPS_SKIP("clang not installed");
    if (::access(rawops_bin().c_str(), X_OK) != 0) RAWOPS_SKIP("build/rawops not built");
    auto v = Btf::open_vmlinux();
    REQUIRE(v.ok());
    struct Case {
        const char* name;
        const char* use;  // a declaration using the type
    };
    const Case cases[] = {
        {"tcp_congestion_ops", "struct tcp_congestion_ops x;"},
        {"bpf_struct_ops_tcp_congestion_ops", "struct bpf_struct_ops_tcp_congestion_ops x;"},
        {"task_struct", "struct task_struct x;"},
        {"sk_buff", "struct sk_buff x;"},
        {"bpf_dummy_ops", "struct bpf_dummy_ops x;"},
        {"bpf_map_type", "enum bpf_map_type x;"},
        {"u64", "u64 x;"},
        {"tcp_reno_ssthresh", "__typeof__(tcp_reno_ssthresh) *x;"},
    };
    TempDir dir;
    for (const Case& c : cases) {
        CAPTURE(c.name);
        auto out = rawops::testing::capture(rawops_bin() + " btf dump vmlinux --format c --type " + c.name);
        REQUIRE(out.has_value());
        CHECK(out->size() < vmlinux_h().size() / 2);
        std::string h = dir.file(std::string(c.name) + ".h"), src = dir.file(std::string(c.name) + ".c");
        REQUIRE(write_text(h, *out));
        std::string text = "#include \"" + std::string(c.name) + ".h\"\n" + c.use + "\n";
        // The type's size as the BTF has it (functions have none).
        auto ids = v->find_all(c.name);
        REQUIRE(!ids.empty());
        auto size = v->size_of(ids.front());
        if (size && v->type(ids.front()).kind() != Kind::Func)
            text += "_Static_assert(sizeof(x) == " + std::to_string(*size) + ", \"size\");\n";
        REQUIRE(write_text(src, text));
        auto r = compile_bpf(src, "-I" + dir.path());
        CHECK_MESSAGE(r.ok, r.diagnostics);
    }
}

TEST_CASE("rawops btf dump OBJ.o --format c: the .BTF of each built BPF object prints and compiles") {
    if (!rawops::testing::have_clang()) RAWOPS_SKIP("clang not installed");
    if (::access(rawops_bin().c_str(), X_OK) != 0) RAWOPS_SKIP("build/rawops not built");
    std::vector<std::string> objs;
    for (const std::string& dir : {rawops::testing::exe_dir() + "/../bpfprog", rawops::testing::exe_dir() + "/fixtures"})
        if (DIR* d = ::opendir(dir.c_str())) {
            while (dirent* e = ::readdir(d)) {
                std::string n = e->d_name;
                if (n.size() > 6 && n.compare(n.size() - 6, 6, ".bpf.o") == 0) objs.push_back(dir + "/" + n);
            }
            ::closedir(d);
        }
    if (objs.empty()) RAWOPS_SKIP("no BPF objects built");
    TempDir dir;
    for (const auto& obj : objs) {
        CAPTURE(obj);
        auto out = rawops::testing::capture(rawops_bin() + " btf dump '" + obj + "' --format c");
        REQUIRE(out.has_value());
        REQUIRE(write_text(dir.file("obj.h"), *out));
        REQUIRE(write_text(dir.file("obj.c"), "#include \"obj.h\"\n"));
        auto r = compile_bpf(dir.file("obj.c"), "-I" + dir.path());
        CHECK_MESSAGE(r.ok, r.diagnostics);
    }
}

TEST_CASE("rawops btf dump vmlinux --format c prints what format_c() returns") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (::access(rawops_bin().c_str(), X_OK) != 0) RAWOPS_SKIP("build/rawops not built");
    auto out = rawops::testing::capture(rawops_bin() + " btf dump vmlinux --format c");
    REQUIRE(out.has_value());
    CHECK(out->size() == vmlinux_h().size());
    CHECK(*out == vmlinux_h());
    CHECK(out->rfind("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n", 0) == 0);
    CHECK(out->find("#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)") !=
          std::string::npos);
    CHECK(out->find("\nstruct tcp_congestion_ops {\n") != std::string::npos);
    const std::string tail = "#pragma clang attribute pop\n#endif\n\n#endif /* __VMLINUX_H__ */\n";
    CHECK(out->compare(out->size() - tail.size(), tail.size(), tail) == 0);
}

TEST_CASE("our vmlinux.h defines every struct, union, enum and typedef bpftool's does, and no other") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    if (!rawops::testing::have_bpftool()) RAWOPS_SKIP("bpftool not installed");
    auto theirs = rawops::testing::capture("bpftool btf dump file /sys/kernel/btf/vmlinux format c");
    REQUIRE(theirs.has_value());
    std::set<std::string> ours = definitions(vmlinux_h()), bpftool = definitions(*theirs);
    std::vector<std::string> missing, extra;
    std::set_difference(bpftool.begin(), bpftool.end(), ours.begin(), ours.end(), std::back_inserter(missing));
    std::set_difference(ours.begin(), ours.end(), bpftool.begin(), bpftool.end(), std::back_inserter(extra));
    INFO(ours.size() << " definitions here, " << bpftool.size() << " in bpftool's");
    CHECK(bpftool.size() > 10000);
    CHECK_MESSAGE(missing.empty(), "first missing: " << (missing.empty() ? "" : missing.front()));
    CHECK_MESSAGE(extra.empty(), "first extra: " << (extra.empty() ? "" : extra.front()));
}
