// Test helpers for the C printer: a scratch directory, clang -target bpf as
// the judge of the headers we print, and static asserts that pin every
// struct's layout to what the BTF says.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
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

// clang's own account of where it put every field: -fdump-record-layouts
// on a source (its stdout, which holds the dump; empty when clang fails).
inline std::string record_layouts(const std::string& source, const std::string& flags) {
    const std::string cmd = "clang -target bpf -fsyntax-only -Xclang -fdump-record-layouts " + flags + " '" +
                            source + "' 2>/dev/null";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[65536];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (::pclose(p) != 0) out.clear();
    return out;
}

// A named field of a struct or union, members of anonymous struct/union
// members included, at its offset from the start of the outer type.
struct Field {
    std::uint32_t bit_offset = 0;
    std::uint32_t bits = 0;  // bit-field width, 0 for a plain member
    bool operator==(const Field& o) const { return bit_offset == o.bit_offset && bits == o.bits; }
};
using Fields = std::map<std::string, Field>;

// The fields of every named record clang laid out ("struct x" / "union x"),
// from a -fdump-record-layouts dump. Nested lines carry absolute offsets;
// a field counts when every record above it in the dump is anonymous.
inline std::map<std::string, Fields> parse_record_layouts(const std::string& dump) {
    std::map<std::string, Fields> records;
    std::istringstream in(dump);
    std::string line, current;
    Fields* fields = nullptr;
    std::vector<bool> anonymous;  // per depth: is the record line at that depth anonymous
    while (std::getline(in, line)) {
        if (line.rfind("*** Dumping AST Record Layout", 0) == 0) {
            fields = nullptr;
            anonymous.clear();
            continue;
        }
        std::size_t bar = line.find(" | ");
        if (bar == std::string::npos) continue;
        std::string left = line.substr(0, bar), right = line.substr(bar + 3);
        std::size_t depth = 0;
        while (depth < right.size() && right[depth] == ' ') ++depth;
        depth /= 2;  // 0: the record itself, 1: its members, ...
        std::string text = right.substr(depth * 2);
        if (text.empty() || text[0] == '[') continue;  // [sizeof=..., align=...]
        if (depth == 0) {
            fields = nullptr;
            if (text.find("(anonymous") != std::string::npos || text.find("::") != std::string::npos) continue;
            current = text;
            fields = &records[current];
            anonymous.assign(1, false);
            continue;
        }
        if (!fields) continue;
        anonymous.resize(depth + 1);
        const bool is_anon = text.find("(anonymous at") != std::string::npos;
        anonymous[depth] = is_anon;
        bool reachable = true;
        for (std::size_t d = 1; d < depth; ++d) reachable = reachable && anonymous[d];
        if (!reachable || is_anon || text.back() == ' ') continue;  // nested in a named member, or unnamed
        Field f;
        unsigned byte = 0, first = 0, last = 0;
        if (std::sscanf(left.c_str(), " %u:%u-%u", &byte, &first, &last) == 3) {
            f.bit_offset = byte * 8 + first;
            f.bits = last - first + 1;
        } else if (std::sscanf(left.c_str(), " %u", &byte) == 1) {
            f.bit_offset = byte * 8;
        } else {
            continue;
        }
        (*fields)[text.substr(text.rfind(' ') + 1)] = f;
    }
    return records;
}

// The same fields as the BTF records them.
inline Fields btf_fields(const btf::Btf& btf, btf::TypeId id) {
    Fields out;
    auto walk = [&](auto&& self, btf::TypeId tid, std::uint32_t base, int depth) -> void {
        if (depth > 32) return;
        for (btf::Member m : btf.type(tid).members()) {
            if (m.name.empty()) {
                auto inner = btf.resolve(m.type);
                if (!m.bitfield_size && inner && btf.type(*inner).is_composite())
                    self(self, *inner, base + m.bit_offset, depth + 1);
                continue;
            }
            out[std::string(m.name)] = Field{base + m.bit_offset, m.bitfield_size};
        }
    };
    walk(walk, id, 0, 0);
    return out;
}

// Structs and unions whose layout clang got differently from the BTF (or did
// not lay out), among those layout_asserts() checks; "" when all agree.
// `checked` counts the fields compared.
inline std::string layout_mismatches(const btf::Btf& btf, const std::string& dump, std::size_t& checked) {
    using namespace btf;
    std::unordered_map<std::string_view, int> tags;
    for (TypeId id = 1; id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        if ((t.is_composite() || (t.is_enum() && t.vlen())) && t.name_off()) ++tags[t.name()];
    }
    const auto records = parse_record_layouts(dump);
    std::string report;
    std::size_t bad = 0;
    checked = 0;
    for (TypeId id = 1; id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        if (!t.is_composite() || !t.name_off() || tags[t.name()] != 1) continue;
        const std::string name = (t.kind() == Kind::Struct ? "struct " : "union ") + std::string(t.name());
        auto it = records.find(name);
        std::string problem;
        if (it == records.end()) {
            problem = "not laid out by clang";
        } else {
            const Fields want = btf_fields(btf, id);
            checked += want.size();
            for (const auto& [field, f] : want) {
                auto got = it->second.find(field);
                if (got == it->second.end()) problem += " " + field + ": missing;";
                else if (!(got->second == f))
                    problem += " " + field + ": clang bit " + std::to_string(got->second.bit_offset) + " width " +
                               std::to_string(got->second.bits) + ", BTF bit " + std::to_string(f.bit_offset) +
                               " width " + std::to_string(f.bits) + ";";
            }
        }
        if (!problem.empty() && ++bad <= 20) report += name + ":" + problem + "\n";
    }
    if (bad > 20) report += "... " + std::to_string(bad - 20) + " more\n";
    return report;
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
