// Test helpers for the C printer: a scratch directory, clang -target bpf as
// the judge of the headers we print, and static asserts that pin every
// struct's layout to what the BTF says.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "btf/btf.h"

namespace rawops::testing {

// A directory removed with everything in it when the object goes away.
class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/rawops-btfc-XXXXXX";
        if (::mkdtemp(tmpl)) path_ = tmpl;
    }
    ~TempDir() {
        if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline bool write_text(const std::string& path, const std::string& text) {
    std::ofstream f(path, std::ios::binary);
    f << text;
    return static_cast<bool>(f);
}

inline bool have_clang() { return std::system("command -v clang >/dev/null 2>&1") == 0; }

struct CompileResult {
    bool ok = false;
    std::string diagnostics;  // clang's stderr (first 4 KiB), for the failure message
};

// clang -target bpf with the flags the Makefile builds bpfprog/ with.
inline CompileResult compile_bpf(const std::string& source, const std::string& flags) {
    const std::string cmd = "clang -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall -Werror " + flags +
                            " -c '" + source + "' -o '" + source + ".o' 2>&1";
    CompileResult r;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return r;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        if (r.diagnostics.size() < 4096) r.diagnostics.append(buf, n);
    r.ok = ::pclose(p) == 0;
    return r;
}

// _Static_asserts on sizeof and offsetof of every struct and union whose
// name is not shared with another struct/union/enum (shared names get a
// ___N suffix that depends on printing order), named enums' sizes and
// typedefs' sizes. Members inside anonymous struct/union members are
// checked through the outer struct; bit-fields have no offsetof.
struct LayoutAsserts {
    std::string text;
    std::size_t composites = 0, members = 0, typedefs = 0, enums = 0;
};

inline LayoutAsserts layout_asserts(const btf::Btf& btf) {
    using namespace btf;
    std::unordered_map<std::string_view, int> tags, idents;
    for (TypeId id = 1; id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        if (t.is_composite() || (t.is_enum() && t.vlen())) {
            if (t.name_off()) ++tags[t.name()];
            for (EnumValue v : t.enum_values()) ++idents[v.name];
        } else if (t.kind() == Kind::Typedef) {
            ++idents[t.name()];
        }
    }
    LayoutAsserts a;
    auto line = [&](const std::string& cond, const std::string& what) {
        a.text += "_Static_assert(" + cond + ", \"" + what + "\");\n";
    };
    // Named members of `tid` (and of its anonymous members), offsets in bits from `outer`.
    auto members = [&](auto&& self, const std::string& outer, TypeId tid, std::uint32_t base, int depth) -> void {
        if (depth > 32) return;
        for (Member m : btf.type(tid).members()) {
            if (m.name.empty()) {
                auto inner = btf.resolve(m.type);
                if (!m.bitfield_size && inner && btf.type(*inner).is_composite())
                    self(self, outer, *inner, base + m.bit_offset, depth + 1);
                continue;
            }
            if (m.bitfield_size) continue;
            line("__builtin_offsetof(" + outer + ", " + std::string(m.name) + ") == " +
                     std::to_string((base + m.bit_offset) / 8),
                 outer + "." + std::string(m.name));
            ++a.members;
        }
    };
    for (TypeId id = 1; id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        if (t.name_off() == 0) continue;
        const std::string name(t.name());
        if (t.is_composite() && tags[t.name()] == 1) {
            const std::string c = (t.kind() == Kind::Struct ? "struct " : "union ") + name;
            line("sizeof(" + c + ") == " + std::to_string(t.size()), c);
            ++a.composites;
            members(members, c, id, 0, 0);
        } else if (t.is_enum() && t.vlen() && tags[t.name()] == 1) {
            line("sizeof(enum " + name + ") == " + std::to_string(t.size()), "enum " + name);
            ++a.enums;
        } else if (t.kind() == Kind::Typedef && idents[t.name()] == 1 && name != "__builtin_va_list") {
            auto r = btf.resolve(id);
            if (!r) continue;
            Kind k = btf.type(*r).kind();
            if (k == Kind::Void || k == Kind::FuncProto || k == Kind::Fwd) continue;
            auto size = btf.size_of(id);
            if (!size) continue;
            line("sizeof(" + name + ") == " + std::to_string(*size), name);
            ++a.typedefs;
        }
    }
    return a;
}

}  // namespace rawops::testing
