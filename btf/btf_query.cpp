// Lookups over a parsed Btf: the lazy name index, modifier resolution, sizes
// and alignment, member search (through anonymous members), function-pointer
// members.
#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "btf/btf_impl.h"

namespace rawops::btf {

namespace {

// Longest modifier/array chain followed before giving up: the kernel and
// libbpf use 32 as well (MAX_RESOLVE_DEPTH); deeper chains are loops.
constexpr int kMaxDepth = 32;
// Every BPF target and every kernel we read is 64-bit.
constexpr std::uint32_t kPointerSize = 8;

std::string num(std::uint64_t v) { return std::to_string(v); }

// Name hash, 8 bytes at a time: full words are mixed in, then the zero-padded
// tail with the length. Two entry points compute the same value: one over a
// string_view (queries), one scanning a NUL-terminated string in place
// (index build, no strlen pass).
constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ULL;

inline std::uint64_t mix(std::uint64_t h, std::uint64_t w) {
    h = (h ^ w) * kMul;
    return h ^ (h >> 29);
}

inline std::uint32_t finish(std::uint64_t h, std::uint64_t tail, std::uint64_t len) {
    h = mix(h, tail ^ (len << 56));
    return static_cast<std::uint32_t>(h ^ (h >> 32));
}

std::uint32_t name_hash(std::string_view s) {
    std::uint64_t h = kMul;
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = mix(h, w);
    }
    std::uint64_t tail = 0;
    std::memcpy(&tail, s.data() + i, s.size() - i);
    return finish(h, tail, s.size());
}

// Same hash for the NUL-terminated string at p; `end` bounds the string
// section (it ends in NUL, so the scan always stops inside it).
std::uint32_t name_hash_cstr(const char* p, const char* end) {
    const char* start = p;
    std::uint64_t h = kMul;
    while (end - p >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        // Classic zero-byte test; the lowest flagged byte is the first NUL.
        std::uint64_t z = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
        if (z) {
            unsigned n = static_cast<unsigned>(__builtin_ctzll(z)) / 8;
            std::uint64_t tail = n ? (w & (~0ULL >> (64 - 8 * n))) : 0;
            return finish(h, tail, static_cast<std::uint64_t>(p - start) + n);
        }
        h = mix(h, w);
        p += 8;
    }
    std::string_view rest(p);  // fewer than 8 bytes before the section end
    std::uint64_t tail = 0;
    std::memcpy(&tail, rest.data(), rest.size());
    return finish(h, tail, static_cast<std::uint64_t>(p - start) + rest.size());
}

inline std::uint32_t tag_of(std::uint32_t h) { return h & ~NameIndex::kIdMask; }
// Slot bits come from the low end of the hash, the tag from the high end.
inline std::uint32_t home_of(std::uint32_t h, std::uint32_t mask) { return h & mask; }

// How many lookups of a group are answered by scanning the records before
// the group's hash table is built. Measured with callgrind on vmlinux 6.18
// (126k types): a scan costs ~0.5M instructions (the group bits of every
// offset entry, the first 8 bytes of the group's names); building the composite
// table ~3M (10k names), the FUNC table several times that (56k names) plus
// a 1 MiB table to fault in. So a load that asks for a few structs and
// kfuncs only scans, and one that asks for dozens builds each table once.
constexpr std::uint32_t kScansBeforeIndex[kGroupCount] = {
    6,   // composites
    6,   // enums
    12,  // FUNC
    6,   // the rest
};

// What a name lookup matches: the name itself, every name whose essential
// name it is ("foo" finds "foo" and "foo___v2"), or every name it begins.
enum class Match { Exact, Essential, Prefix };

// The first up-to-8 bytes of a name with its NUL when it fits: one 64-bit
// compare rejects nearly every record of a scan before any strcmp. For
// essential and prefix lookups the NUL is not part of the word.
struct NameProbe {
    std::string_view name;
    Match match = Match::Exact;
    // An essential name must be its own: "a___b" (the essential name of
    // "a___b___c") is not that of a type named "a___b" (whose is "a").
    bool exact = true;
    std::uint64_t word = 0, mask = 0;
    explicit NameProbe(std::string_view n, Match m = Match::Exact)
        : name(n), match(m), exact(m != Match::Essential || essential_name(n) == n) {
        // + the NUL (word is zero there) when the name must end there
        std::size_t k = std::min<std::size_t>(n.size() + (m == Match::Exact ? 1 : 0), 8);
        std::memcpy(&word, n.data(), std::min<std::size_t>(n.size(), 8));
        mask = k == 8 ? ~0ULL : (1ULL << (8 * k)) - 1;
        word &= mask;
    }
    // p: a NUL-terminated string ending at or before `end`.
    bool matches(const char* p, const char* end) const {
        if (end - p >= 8) {
            std::uint64_t w;
            std::memcpy(&w, p, 8);
            if ((w & mask) != word) return false;
        }
        if (std::strncmp(p, name.data(), name.size()) != 0) return false;
        if (match == Match::Prefix) return true;
        const char next = p[name.size()];
        if (next == '\0') return exact;
        // "foo___v2" for "foo": only a flavour suffix may follow (it starts with '_').
        return match == Match::Essential && next == '_' && essential_name(p) == name;
    }
    bool matches(std::string_view s) const {
        switch (match) {
        case Match::Exact: return s == name;
        case Match::Essential: return essential_name(s) == name;
        case Match::Prefix: return s.starts_with(name);
        }
        return false;
    }
};

// Calls visit(i) for each index i < count whose offset entry is in `group`,
// ascending; stops when visit returns true. Other kinds' records are never
// read: the group is in the entry itself.
template <typename Visit>
void for_each_in_group(const std::uint32_t* offsets, std::uint32_t count, unsigned group, Visit&& visit) {
    std::uint32_t i = 0;
#ifdef __SSE2__
    // Sixteen entries per step, compared in vector registers into a bit
    // mask: vmlinux's composites are 8% of its 126k types, and a branch per
    // entry mispredicts on most of them (a tcp_cc load: 6.8M -> 5.2M
    // instructions in all).
    const __m128i want = _mm_set1_epi32(static_cast<int>(group));
    auto lanes = [&](std::uint32_t at) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(offsets + at));
        return _mm_cmpeq_epi32(_mm_srli_epi32(v, 30), want);
    };
    for (; i + 16 <= count; i += 16) {
        const __m128i lo = _mm_packs_epi32(lanes(i), lanes(i + 4));
        const __m128i hi = _mm_packs_epi32(lanes(i + 8), lanes(i + 12));
        auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_packs_epi16(lo, hi)));
        for (; mask; mask &= mask - 1)
            if (visit(i + static_cast<std::uint32_t>(__builtin_ctz(mask)))) return;
    }
#endif
    for (; i < count; ++i)
        if (entry_group(offsets[i]) == group && visit(i)) return;
}

// Whether the probe matches the string at offset `off` (own or base).
inline bool name_matches(const Btf& btf, const Btf::Impl& impl, const NameProbe& probe, std::uint32_t off,
                         const char* own_end) {
    if (off >= impl.start_str_off) {
        std::uint32_t rel = off - impl.start_str_off;
        return rel < impl.str_len && probe.matches(impl.strs + rel, own_end);
    }
    return probe.matches(btf.str(off));  // a split type named with a base string
}

// Calls fn(id) for own ids of `group` the probe matches (named `name`, or
// whose essential name it is), ascending, by reading every record; stops
// when fn returns true.
template <typename Fn>
void scan_own_named(const Btf& btf, const Btf::Impl& impl, unsigned group, const NameProbe& probe, Fn&& fn) {
    const TypeId begin = btf.first_own_id(), count = btf.type_count() - begin;
    const std::uint8_t* types = impl.types;
    const std::uint32_t* offsets = impl.offsets.data();
    const char* own_end = impl.strs + impl.str_len;
    for_each_in_group(offsets, count, group, [&](TypeId i) {
        const std::uint32_t off = TypeView::load32(types + entry_offset(offsets[i]));
        return name_matches(btf, impl, probe, off, own_end) && fn(begin + i);
    });
}

// ---- BTF sorted by name (Impl::sorted_from) ----

// The first own index of the sorted tail whose name is not below `key`, or
// with `past_prefix` the first whose name neither is below `key` nor begins
// with it. Names compare as strcmp does, the order the kernel sorts by.
std::uint32_t sorted_bound(const Btf& btf, const Btf::Impl& impl, std::string_view key, bool past_prefix) {
    std::uint32_t lo = impl.sorted_from, hi = btf.type_count() - btf.first_own_id();
    while (lo < hi) {
        const std::uint32_t mid = lo + (hi - lo) / 2;
        const int c = std::strncmp(own_record_name(impl, mid), key.data(), key.size());
        if (past_prefix ? c <= 0 : c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

// Calls fn(id) for own ids of `group` the probe matches, ascending, from the
// sorted tail: the names equal to the probe's (a run starting at its lower
// bound), and for an essential name also the "name___*" run; for a prefix,
// the whole run of names beginning with it. Stops when fn returns true.
template <typename Fn>
void visit_sorted(const Btf& btf, const Btf::Impl& impl, unsigned group, const NameProbe& probe, Fn&& fn) {
    const TypeId begin = btf.first_own_id();
    const std::uint32_t count = btf.type_count() - begin;
    const std::uint32_t* offsets = impl.offsets.data();
    // Visits [i, ...) while the name begins with `key` (and with `whole`,
    // is exactly `key`); true when fn stopped the lookup.
    auto run = [&](std::string_view key, bool whole) {
        for (std::uint32_t i = sorted_bound(btf, impl, key, false); i < count; ++i) {
            const char* p = own_record_name(impl, i);
            if (std::strncmp(p, key.data(), key.size()) != 0) return false;
            if (whole && p[key.size()] != '\0') return false;  // longer names follow the exact ones
            if (entry_group(offsets[i]) == group && probe.matches(std::string_view(p)) && fn(begin + i)) return true;
        }
        return false;
    };
    switch (probe.match) {
    case Match::Exact: run(probe.name, true); return;
    case Match::Essential:
        if (run(probe.name, true)) return;
        run(std::string(probe.name) + "___", false);
        return;
    case Match::Prefix: run(probe.name, false); return;
    }
}

void build_index(const Btf& btf, const Btf::Impl& impl, unsigned group, NameIndex& idx) {
    const TypeId begin = btf.first_own_id(), end = btf.type_count();
    const std::uint8_t* types = impl.types;
    const std::uint32_t* offsets = impl.offsets.data();
    const char* own_end = impl.strs + impl.str_len;

    // The group's named ids first, which also sizes the table (load <= 1/2).
    std::vector<TypeId> ids;
    for_each_in_group(offsets, end - begin, group, [&](TypeId i) {
        if (TypeView::load32(types + entry_offset(offsets[i])) != 0) ids.push_back(begin + i);
        return false;
    });
    std::size_t cap = 16;
    while (cap < ids.size() * 2) cap <<= 1;
    if (!idx.slots.assign_zero(cap)) return;  // no memory: lookups fall back to a scan
    idx.mask = static_cast<std::uint32_t>(cap - 1);
    // Table slots are random accesses: each is a cache miss on a large
    // table. A small ring delays each insert by kAhead names after its slot
    // is prefetched, so the misses overlap instead of queueing.
    constexpr std::uint32_t kAhead = 16;
    std::uint64_t ring[kAhead];  // hash << 32 | id
    std::uint32_t queued = 0;
    auto insert = [&idx](std::uint64_t e) {
        auto h = static_cast<std::uint32_t>(e >> 32);
        std::uint32_t slot = home_of(h, idx.mask);
        while (idx.slots[slot]) slot = (slot + 1) & idx.mask;
        idx.slots[slot] = tag_of(h) | static_cast<std::uint32_t>(e);
    };
    for (TypeId id : ids) {
        std::uint32_t off = TypeView::load32(types + entry_offset(offsets[id - begin]));
        std::uint32_t h;
        if (off >= impl.start_str_off) {
            std::uint32_t rel = off - impl.start_str_off;
            if (rel >= impl.str_len) continue;  // trusted BTF: never checked, never matched
            const char* p = impl.strs + rel;
            if (*p == '\0') continue;
            h = name_hash_cstr(p, own_end);
        } else {  // a split type named with a base string
            std::string_view n = btf.str(off);
            if (n.empty()) continue;
            h = name_hash(n);
        }
        __builtin_prefetch(&idx.slots[home_of(h, idx.mask)], 1);
        std::uint64_t& cell = ring[queued % kAhead];
        if (queued >= kAhead) insert(cell);
        cell = (std::uint64_t{h} << 32) | id;
        ++queued;
    }
    // Drain in queue order, which keeps ids of one name ascending.
    for (std::uint32_t k = queued > kAhead ? queued - kAhead : 0; k < queued; ++k) insert(ring[k % kAhead]);
}

// The group's own ids whose name holds "___", for essential-name lookups
// once the group is indexed (one pass over its names, on first use).
const std::vector<TypeId>& flavoured_ids(const Btf& btf, const Btf::Impl& impl, unsigned group, NameIndex& idx) {
    std::call_once(idx.flavoured_once, [&] {
        const TypeId begin = btf.first_own_id(), count = btf.type_count() - begin;
        for_each_in_group(impl.offsets.data(), count, group, [&](TypeId i) {
            if (btf.type(begin + i).name().find("___") != std::string_view::npos) idx.flavoured.push_back(begin + i);
            return false;
        });
    });
    return idx.flavoured;
}

// Calls fn(id) for own ids of `group` named `name` (with `essential`: whose
// essential name is `name`), ascending; stops when fn returns true. Scans
// while the group has had few lookups, then indexes it.
template <typename Fn>
void for_each_own_named(const Btf& btf, Btf::Impl& impl, unsigned group, std::string_view name, Fn&& fn,
                        bool essential = false) {
    if (name.empty() || name.find('\0') != std::string_view::npos) return;
    const NameProbe probe(name, essential ? Match::Essential : Match::Exact);
    if (impl.sorted_from != Btf::Impl::kNotSorted) {
        visit_sorted(btf, impl, group, probe, fn);
        return;
    }
    NameIndex& idx = impl.index[group];
    if (impl.scans[group].load(std::memory_order_relaxed) < kScansBeforeIndex[group] &&
        impl.scans[group].fetch_add(1, std::memory_order_relaxed) < kScansBeforeIndex[group]) {
        scan_own_named(btf, impl, group, probe, fn);
        return;
    }
    std::call_once(impl.index_once[group], [&] { build_index(btf, impl, group, idx); });
    if (idx.slots.empty()) {  // the table could not be allocated: scan
        scan_own_named(btf, impl, group, probe, fn);
        return;
    }
    std::vector<TypeId> flavours;  // essential lookups: "name___*" ids, merged in below
    if (essential)
        for (TypeId id : flavoured_ids(btf, impl, group, idx)) {
            // A name holding "___" may be its own essential name ("____fput"):
            // the table below finds that one.
            const std::string_view n = btf.type(id).name();
            if (n != name && essential_name(n) == name) flavours.push_back(id);
        }
    auto flavour = flavours.begin();
    std::uint32_t h = name_hash(name);
    for (std::uint32_t slot = home_of(h, idx.mask); idx.slots[slot]; slot = (slot + 1) & idx.mask) {
        std::uint32_t e = idx.slots[slot];
        if (tag_of(e) != tag_of(h)) continue;
        TypeId id = e & NameIndex::kIdMask;
        if (!probe.exact || btf.type(id).name() != name) continue;
        for (; flavour != flavours.end() && *flavour < id; ++flavour)
            if (fn(*flavour)) return;
        if (fn(id)) return;
    }
    for (; flavour != flavours.end(); ++flavour)
        if (fn(*flavour)) return;
}

}  // namespace

Result<TypeId> Btf::find(std::string_view name, Kind kind) const {
    if (impl_->base) {
        auto r = impl_->base->find(name, kind);
        if (r) return r;
    }
    TypeId found = 0;
    for_each_own_named(*this, *impl_, index_group(static_cast<unsigned>(kind)), name, [&](TypeId id) {
        if (type(id).kind() != kind) return false;
        found = id;
        return true;
    });
    if (found) return found;
    return Error("BTF '" + impl_->name + "': no " + kind_name(kind) + " named '" + std::string(name) + "'");
}

std::vector<TypeId> Btf::find_all(std::string_view name, Kind kind) const {
    std::vector<TypeId> ids;
    if (impl_->base) ids = impl_->base->find_all(name, kind);
    for_each_own_named(*this, *impl_, index_group(static_cast<unsigned>(kind)), name, [&](TypeId id) {
        if (type(id).kind() == kind) ids.push_back(id);
        return false;
    });
    return ids;
}

std::vector<TypeId> Btf::find_all_essential(std::string_view essential, Kind kind) const {
    std::vector<TypeId> ids;
    if (impl_->base) ids = impl_->base->find_all_essential(essential, kind);
    for_each_own_named(
        *this, *impl_, index_group(static_cast<unsigned>(kind)), essential,
        [&](TypeId id) {
            if (type(id).kind() == kind) ids.push_back(id);
            return false;
        },
        /*essential=*/true);
    return ids;
}

std::vector<TypeId> Btf::own_types_with_prefix(std::string_view prefix, Kind kind) const {
    std::vector<TypeId> ids;
    if (prefix.empty() || prefix.find('\0') != std::string_view::npos) return ids;
    // A scan, unless the names are sorted: a hash table cannot answer a prefix.
    const NameProbe probe(prefix, Match::Prefix);
    const auto add = [&](TypeId id) {
        if (type(id).kind() == kind) ids.push_back(id);
        return false;
    };
    const unsigned group = index_group(static_cast<unsigned>(kind));
    if (impl_->sorted_from != Impl::kNotSorted)
        visit_sorted(*this, *impl_, group, probe, add);
    else
        scan_own_named(*this, *impl_, group, probe, add);
    return ids;
}

std::vector<TypeId> Btf::find_all(std::string_view name) const {
    std::vector<TypeId> ids;
    if (impl_->base) ids = impl_->base->find_all(name);
    const std::size_t from_base = ids.size();
    for (unsigned g = 0; g < kGroupCount; ++g)
        for_each_own_named(*this, *impl_, g, name, [&](TypeId id) {
            ids.push_back(id);
            return false;
        });
    // Each group gave its ids ascending; together they must be too.
    std::sort(ids.begin() + static_cast<std::ptrdiff_t>(from_base), ids.end());
    return ids;
}

Result<TypeId> Btf::resolve(TypeId id) const {
    TypeId cur = id;
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        auto t = checked_type(cur);
        if (!t) return std::move(t).error();
        if (!t->is_modifier()) return cur;
        cur = t->ref_type();
    }
    return Error("BTF '" + impl_->name + "': " + describe(id) + ": modifier chain longer than " + num(kMaxDepth) +
                 " (a loop?)");
}

Result<std::uint32_t> Btf::size_of(TypeId id) const {
    TypeId cur = id;
    std::uint64_t multiplier = 1;
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        auto tr = checked_type(cur);
        if (!tr) return std::move(tr).error();
        TypeView t = *tr;
        std::uint64_t size = 0;
        switch (t.kind()) {
        case Kind::Int: case Kind::Struct: case Kind::Union: case Kind::Enum: case Kind::Enum64:
        case Kind::Datasec: case Kind::Float:
            size = t.size();
            break;
        case Kind::Ptr:
            size = kPointerSize;
            break;
        case Kind::Typedef: case Kind::Volatile: case Kind::Const: case Kind::Restrict: case Kind::TypeTag:
        case Kind::Var:
            cur = t.ref_type();
            continue;
        case Kind::Array:
            multiplier *= t.array().nelems;
            if (multiplier > 0xffffffffULL) multiplier = 0x100000000ULL;  // reported as overflow below
            cur = t.array().elem_type;
            continue;
        default:
            return Error("BTF '" + impl_->name + "': " + describe(cur) + " has no size" +
                         (cur != id ? " (while sizing " + describe(id) + ")" : ""));
        }
        std::uint64_t total = size * multiplier;
        if (total > 0xffffffffULL) return Error("BTF '" + impl_->name + "': size of " + describe(id) + " overflows 32 bits");
        return static_cast<std::uint32_t>(total);
    }
    return Error("BTF '" + impl_->name + "': " + describe(id) + ": type chain longer than " + num(kMaxDepth) +
                 " (a loop?)");
}

Result<std::uint32_t> Btf::align_of(TypeId id) const {
    // Iterative over modifiers/arrays; one level of recursion per struct
    // nesting, bounded by kMaxDepth through the depth argument. A struct's
    // alignment does not depend on where it sits, so each is computed once
    // per call: without that, a struct whose k members are all one struct of
    // k members ... costs k^depth (a struct embedding itself k times: k^32).
    std::unordered_map<TypeId, std::uint32_t> done;
    std::function<Result<std::uint32_t>(TypeId, int)> align = [&](TypeId tid, int depth) -> Result<std::uint32_t> {
        if (depth >= kMaxDepth)
            return Error("BTF '" + impl_->name + "': " + describe(id) + ": type nesting deeper than " + num(kMaxDepth) +
                         " at " + describe(tid) + " (a loop?)");
        auto tr = checked_type(tid);
        if (!tr) return std::move(tr).error();
        TypeView t = *tr;
        switch (t.kind()) {
        case Kind::Int: case Kind::Enum: case Kind::Enum64: case Kind::Float:
            return std::min(t.size(), kPointerSize);
        case Kind::Ptr:
            return kPointerSize;
        case Kind::Typedef: case Kind::Volatile: case Kind::Const: case Kind::Restrict: case Kind::TypeTag:
        case Kind::Var:
            return align(t.ref_type(), depth + 1);
        case Kind::Array:
            return align(t.array().elem_type, depth + 1);
        case Kind::Struct: case Kind::Union: {
            if (auto it = done.find(tid); it != done.end()) return it->second;
            std::uint32_t max_align = 1;
            bool packed = false;
            for (Member m : t.members()) {
                auto a = align(m.type, depth + 1);
                if (!a) return a;
                // A member not at a multiple of its natural alignment means
                // the struct is packed: alignment 1, as libbpf concludes.
                if (m.bitfield_size == 0 && m.bit_offset % (8 * *a) != 0) {
                    packed = true;
                    break;
                }
                max_align = std::max(max_align, *a);
            }
            if (packed || t.size() % max_align != 0) max_align = 1;  // packed as well
            done.emplace(tid, max_align);
            return max_align;
        }
        default:
            return Error("BTF '" + impl_->name + "': " + describe(tid) + " has no alignment" +
                         (tid != id ? " (while aligning " + describe(id) + ")" : ""));
        }
    };
    return align(id, 0);
}

namespace {

// Depth-first search of `name` in composite `tid`, descending into anonymous
// struct/union members; `base_bits` is the composite's offset so far.
// `searched` holds every composite entered: one still being searched was
// reached again through its own anonymous members (a loop: nothing new
// inside), one done was searched in vain, and whether a type holds the name
// does not depend on where it sits. Without it a BTF whose anonymous
// members fan out (k of them, each holding k more, ...) would cost k^depth
// (found by fuzz_btf: a hang). Deeper than kMaxDepth the search stops and
// `too_deep` records where: if the name is not found elsewhere, the caller
// reports that, not "no such member", which might be a wrong answer.
bool search_member(const Btf& btf, TypeId tid, std::string_view name, std::uint32_t base_bits, int depth,
                   MemberInfo& out, std::unordered_set<TypeId>& searched, TypeId& too_deep) {
    if (depth >= kMaxDepth) {
        if (!too_deep) too_deep = tid;
        return false;
    }
    if (!searched.insert(tid).second) return false;
    TypeView t = btf.type(tid);
    for (std::uint32_t i = 0; i < t.vlen(); ++i) {
        Member m = t.member(i);
        if (m.name == name) {
            out.member = m;
            out.parent = tid;
            out.index = i;
            out.bit_offset = base_bits + m.bit_offset;
            out.path.push_back(i);
            return true;
        }
        if (!m.name.empty()) continue;
        auto inner = btf.resolve(m.type);
        if (!inner || !btf.type(*inner).is_composite()) continue;
        out.path.push_back(i);
        if (search_member(btf, *inner, name, base_bits + m.bit_offset, depth + 1, out, searched, too_deep)) return true;
        out.path.pop_back();
    }
    return false;
}

}  // namespace

Result<MemberInfo> Btf::find_member(TypeId composite_id, std::string_view name) const {
    auto resolved = resolve(composite_id);
    if (!resolved) return std::move(resolved).error();
    TypeView t = type(*resolved);
    if (!t.is_composite())
        return Error("BTF '" + impl_->name + "': " + describe(composite_id) + " is not a struct or union");
    if (name.empty()) return Error("BTF '" + impl_->name + "': empty member name");
    MemberInfo info;
    std::unordered_set<TypeId> searched;
    TypeId too_deep = 0;
    if (search_member(*this, *resolved, name, 0, 0, info, searched, too_deep)) return info;
    if (too_deep)
        return Error("BTF '" + impl_->name + "': looking for member '" + std::string(name) + "' of " +
                     describe(*resolved) + ": anonymous members nest deeper than " + num(kMaxDepth) + " at " +
                     describe(too_deep));
    return Error("BTF '" + impl_->name + "': " + describe(*resolved) + " has no member '" + std::string(name) + "'");
}

Result<FuncProtoInfo> Btf::func_proto_of_member(TypeId composite_id, std::string_view name) const {
    auto m = find_member(composite_id, name);
    if (!m) return std::move(m).error();
    auto where = [&] {
        return "BTF '" + impl_->name + "': member '" + std::string(name) + "' of " + describe(m->parent);
    };
    auto ptr = resolve(m->member.type);
    if (!ptr) return std::move(ptr).error();
    if (type(*ptr).kind() != Kind::Ptr)
        return Error(where() + " is " + describe(*ptr) + ", not a function pointer");
    auto proto = resolve(type(*ptr).ref_type());
    if (!proto) return std::move(proto).error();
    if (type(*proto).kind() != Kind::FuncProto)
        return Error(where() + " points to " + describe(*proto) + ", not a function prototype");
    return FuncProtoInfo{std::move(*m), type(*proto)};
}

TypeView Btf::func_proto_of_pointer(TypeId id) const {
    auto ptr = resolve(id);
    if (!ptr || type(*ptr).kind() != Kind::Ptr) return {};
    auto proto = resolve(type(*ptr).ref_type());
    if (!proto || type(*proto).kind() != Kind::FuncProto) return {};
    return type(*proto);
}

}  // namespace rawops::btf
