// sorted_check [--every N] [BTF [MODULE...]]: checks that name lookups on BTF
// sorted by name (kernels from 7.0) answer exactly what the scans and hash
// indexes answer on the same bytes (Btf::forget_name_order()), for every
// N-th named type (default 1: all): find, find_all by kind and across kinds,
// find_all_essential, and own_types_with_prefix on each name's leading bytes.
// BTF defaults to /sys/kernel/btf/vmlinux; MODULE names are split BTF under
// /sys/kernel/btf on top of it. Under /sys/kernel/btf the BTF is opened
// trusted (its order sampled), elsewhere validated (its order checked in
// full). Static, so the 7.3 guest runs it on its own kernel's BTF.
// Prints one line per BTF; exit 0 when every answer agreed, 1 otherwise.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "btf/btf.h"

using namespace rawops::btf;
using rawops::Result;

namespace {

Result<Btf> open_btf(const std::string& path, const Btf* base) {
    return Btf::is_kernel_path(path) ? Btf::open_kernel(path, base) : Btf::open(path, base);
}

// Compares every lookup of `sorted` with `oracle` (the same bytes, order
// forgotten); returns the number of disagreements and counts the checks.
long compare(const Btf& sorted, const Btf& oracle, unsigned every, long& checks) {
    long bad = 0;
    auto expect = [&](bool same, const char* what, std::string_view name, Kind kind) {
        ++checks;
        if (same) return;
        if (++bad <= 10)
            std::fprintf(stderr, "sorted_check: %s: %s '%.*s' differs\n", sorted.name().c_str(), what,
                         static_cast<int>(name.size()), name.data());
        (void)kind;
    };
    std::set<std::string> prefixes;
    unsigned k = 0;
    for (TypeId id = sorted.first_own_id(); id < sorted.type_count(); ++id) {
        TypeView t = sorted.type(id);
        if (t.name().empty() || k++ % every) continue;
        const std::string name(t.name());
        const Kind kind = t.kind();
        auto a = sorted.find(name, kind), b = oracle.find(name, kind);
        expect(a.ok() && b.ok() && *a == *b, "find", name, kind);
        expect(sorted.find_all(name, kind) == oracle.find_all(name, kind), "find_all(kind)", name, kind);
        expect(sorted.find_all(name) == oracle.find_all(name), "find_all", name, kind);
        const std::string_view ess = essential_name(name);
        expect(sorted.find_all_essential(ess, kind) == oracle.find_all_essential(ess, kind), "find_all_essential",
               name, kind);
        // A name that is not there: one past the name, and the name cut short.
        const std::string longer = name + "~";
        expect(sorted.find_all(longer) == oracle.find_all(longer), "find_all(absent)", longer, kind);
        for (std::size_t n : {std::size_t{1}, std::size_t{4}, name.size() / 2})
            if (n > 0 && n <= name.size() && prefixes.insert(name.substr(0, n) + char('0' + static_cast<int>(kind))).second)
                expect(sorted.own_types_with_prefix(name.substr(0, n), kind) ==
                           oracle.own_types_with_prefix(name.substr(0, n), kind),
                       "own_types_with_prefix", name.substr(0, n), kind);
    }
    return bad;
}

int check(const std::string& path, const Btf* base, const Btf* oracle_base, unsigned every, bool& any_bad) {
    auto sorted = open_btf(path, base);
    auto oracle = open_btf(path, oracle_base);
    if (!sorted || !oracle) {
        std::fprintf(stderr, "sorted_check: %s\n", (!sorted ? sorted.error() : oracle.error()).message().c_str());
        any_bad = true;
        return 1;
    }
    oracle->forget_name_order();
    long checks = 0;
    const long bad = compare(*sorted, *oracle, every, checks);
    std::printf("%s: %s, sorted by name: %s, %u types, %ld lookups compared, %ld differ\n", path.c_str(),
                sorted->trusted() ? "trusted" : "validated", sorted->sorted_by_name() ? "yes" : "no",
                sorted->type_count() - sorted->first_own_id(), checks, bad);
    any_bad |= bad != 0;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    unsigned every = 1;
    int i = 1;
    if (i + 1 < argc && std::strcmp(argv[i], "--every") == 0) {
        every = static_cast<unsigned>(std::strtoul(argv[i + 1], nullptr, 10));
        if (every == 0) every = 1;
        i += 2;
    }
    const std::string vmlinux = i < argc ? argv[i++] : "/sys/kernel/btf/vmlinux";
    bool any_bad = false;
    // The base of the module checks: one copy for the sorted side, one whose
    // order is forgotten for the oracle (a split lookup asks its base too).
    auto base = open_btf(vmlinux, nullptr);
    auto oracle_base = open_btf(vmlinux, nullptr);
    if (!base || !oracle_base) {
        std::fprintf(stderr, "sorted_check: %s\n", (!base ? base.error() : oracle_base.error()).message().c_str());
        return 1;
    }
    oracle_base->forget_name_order();
    if (check(vmlinux, nullptr, nullptr, every, any_bad)) return 1;
    for (; i < argc; ++i) {
        const std::string mod = std::strchr(argv[i], '/') ? argv[i] : "/sys/kernel/btf/" + std::string(argv[i]);
        if (check(mod, &*base, &*oracle_base, every, any_bad)) return 1;
    }
    return any_bad ? 1 : 0;
}
