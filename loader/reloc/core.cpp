// CO-RE relocation (see core.h). The steps and names follow libbpf's
// relo_core.c so that the two can be read side by side: parse the local
// access spec, find candidates, match the spec in each, compute the value,
// patch the instruction.
#include "loader/reloc/core.h"

#include <algorithm>
#include <optional>
#include <unordered_set>

#include "loader/struct_ops/binding.h"

namespace rawops::reloc {

namespace {

using btf::Btf;
using btf::CoreReloKind;
using btf::Kind;
using btf::TypeId;
using btf::TypeView;

constexpr int kMaxDepth = 32;            // libbpf's recursion limit for type compatibility
constexpr std::size_t kMaxSpecLen = 64;  // BPF_CORE_SPEC_MAX_LEN
constexpr std::int32_t kPoisonImm = 0xbad2310;  // libbpf: "call unknown#195896080"

bool field_based(CoreReloKind k) { return k <= CoreReloKind::FieldRshiftU64; }
bool type_based(CoreReloKind k) {
    return k == CoreReloKind::TypeIdLocal || k == CoreReloKind::TypeIdTarget || k == CoreReloKind::TypeExists ||
           k == CoreReloKind::TypeSize || k == CoreReloKind::TypeMatches;
}
bool enum_based(CoreReloKind k) { return k == CoreReloKind::EnumvalExists || k == CoreReloKind::EnumvalValue; }

// Types one comparison may visit in all (types_compat, types_match). Depth
// alone does not bound them: prototypes of k parameters, each a pointer to a
// prototype of k parameters ..., are compared k^depth times (libbpf has the
// same shape of recursion). Real kernel types need a few hundred.
constexpr int kMaxSteps = 1 << 14;

TypeId skip_mods(const Btf& b, TypeId id) {
    for (int i = 0; i < kMaxDepth && b.type(id).is_modifier(); ++i) id = b.type(id).ref_type();
    return id;
}

// Why a walk over two BTFs gave up: a modifier chain, a nesting or a number
// of steps past its bound. Giving up is never answered as "incompatible" or
// "no match" (a silent wrong answer): the caller turns `error`, which names
// the type, into the relocation's or extern's error.
struct WalkLimit {
    int steps = 0;
    std::string error;
    bool exceeded() const { return !error.empty(); }
    // Counts a visit; false once past kMaxSteps.
    bool tick(const Btf& b, TypeId id) {
        if (exceeded()) return false;
        if (++steps <= kMaxSteps) return true;
        error = b.describe(id) + ": more than " + std::to_string(kMaxSteps) + " types compared (a loop?)";
        return false;
    }
    // skip_mods(), failing where the chain is longer than kMaxDepth.
    bool skip(const Btf& b, TypeId& id) {
        const TypeId from = id;
        id = skip_mods(b, id);
        if (!b.type(id).is_modifier()) return true;
        if (!exceeded())
            error = b.describe(from) + ": modifier chain longer than " + std::to_string(kMaxDepth) + " (a loop?)";
        return false;
    }
    void too_deep(const Btf& b, TypeId id, const char* what) {
        if (!exceeded()) error = b.describe(id) + ": " + what + " deeper than " + std::to_string(kMaxDepth) + " (a loop?)";
    }
};

bool any_enum(const TypeView& t) { return t.kind() == Kind::Enum || t.kind() == Kind::Enum64; }
bool kinds_compat(const TypeView& a, const TypeView& b) {
    return a.kind() == b.kind() || (any_enum(a) && any_enum(b));
}
// libbpf's candidates: target types whose essential name is `ess` ("foo" and
// "foo___v2" alike) of a kind CO-RE may match with `kind` (kinds_compat),
// ascending. Asking by kind searches only that kind's names, not all of
// vmlinux's.
std::vector<TypeId> search_candidates(const Btf& target, std::string_view ess, Kind kind) {
    if (kind != Kind::Enum && kind != Kind::Enum64) return target.find_all_essential(ess, kind);
    std::vector<TypeId> ids = target.find_all_essential(ess, Kind::Enum),
                        wide = target.find_all_essential(ess, Kind::Enum64);
    ids.insert(ids.end(), wide.begin(), wide.end());
    std::sort(ids.begin(), ids.end());
    return ids;
}
const std::vector<TypeId>& candidates(const Btf& target, std::string_view ess, Kind kind, CoreCandidateCache* cache,
                                      std::vector<TypeId>& uncached) {
    if (!cache) return uncached = search_candidates(target, ess, kind);
    // ENUM and ENUM64 locals find the same list.
    const Kind key_kind = kind == Kind::Enum64 ? Kind::Enum : kind;
    auto key = std::make_tuple(&target, std::string(ess), key_kind);
    auto it = cache->lists.find(key);
    if (it == cache->lists.end()) it = cache->lists.emplace(std::move(key), search_candidates(target, ess, kind)).first;
    return it->second;
}
bool names_match(std::string_view local, std::string_view target) {
    return struct_ops::essential_name(local) == struct_ops::essential_name(target);
}

struct Access {
    TypeId type = 0;
    std::uint32_t idx = 0;
    std::string_view name;  // empty for an array index
};

// One side of a relocation: the path through the types and where it ends.
struct Spec {
    const Btf* btf = nullptr;
    TypeId root = 0;
    std::vector<Access> access;
    std::vector<std::uint32_t> raw;
    std::uint64_t bit_offset = 0;
};

bool is_flex_array(const Btf& b, const Access& parent, const btf::ArrayInfo& a) {
    if (a.nelems != 0 || parent.name.empty()) return false;
    const TypeView t = b.type(parent.type);
    return t.is_composite() && parent.idx == t.vlen() - 1;
}

Result<Spec> parse_spec(const Btf& b, TypeId root, std::string_view access_str, CoreReloKind kind) {
    Spec s;
    s.btf = &b;
    s.root = root;
    std::size_t pos = 0;
    while (pos <= access_str.size()) {
        std::size_t end = access_str.find(':', pos);
        if (end == std::string_view::npos) end = access_str.size();
        const std::string_view part = access_str.substr(pos, end - pos);
        std::uint64_t n = 0;
        bool ok = !part.empty() && part.size() <= 9;  // indices fit in 32 bits; no overflow below
        for (char c : part) {
            ok = ok && c >= '0' && c <= '9';
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (!ok) return Error("bad access string '" + std::string(access_str) + "'");
        s.raw.push_back(static_cast<std::uint32_t>(n));
        pos = end + 1;
        if (s.raw.size() > kMaxSpecLen) return Error("access string too long");
    }
    auto root_res = b.resolve(root);  // a modifier loop: an error naming it
    if (!root_res) return std::move(root_res).error();
    TypeId id = *root_res;
    TypeView t = b.type(id);
    s.access.push_back({id, s.raw[0], {}});
    if (enum_based(kind)) {
        if (!any_enum(t) || s.raw.size() > 1 || s.raw[0] >= t.vlen())
            return Error("enum relocation on " + b.describe(id) + " with access '" + std::string(access_str) + "'");
        s.access[0].name = t.enum_value(s.raw[0]).name;
        return s;
    }
    if (type_based(kind)) {
        if (s.raw.size() != 1 || s.raw[0] != 0) return Error("type relocation with access '" + std::string(access_str) + "'");
        return s;
    }
    auto sz = b.size_of(id);
    if (!sz) return std::move(sz).error();
    s.bit_offset = std::uint64_t{s.raw[0]} * *sz * 8;
    for (std::size_t i = 1; i < s.raw.size(); ++i) {
        auto res = b.resolve(id);
        if (!res) return std::move(res).error();
        id = *res;
        t = b.type(id);
        const std::uint32_t idx = s.raw[i];
        if (t.is_composite()) {
            if (idx >= t.vlen()) return Error("member #" + std::to_string(idx) + " of " + b.describe(id) + " does not exist");
            const btf::Member m = t.member(idx);
            s.bit_offset += m.bit_offset;
            if (!m.name.empty()) s.access.push_back({id, idx, m.name});
            id = m.type;
        } else if (t.kind() == Kind::Array) {
            const btf::ArrayInfo a = t.array();
            const bool flex = is_flex_array(b, s.access.back(), a);
            auto elem = b.resolve(a.elem_type);
            if (!elem) return std::move(elem).error();
            id = *elem;
            if (!flex && idx >= a.nelems) return Error("array index " + std::to_string(idx) + " out of bounds");
            s.access.push_back({id, idx, {}});
            auto esz = b.size_of(id);
            if (!esz) return std::move(esz).error();
            s.bit_offset += std::uint64_t{idx} * *esz * 8;
        } else {
            return Error("access '" + std::string(access_str) + "' walks into " + b.describe(id));
        }
    }
    return s;
}

// The spec as readable text: "tcp_sock.snd_cwnd", "task_struct.comm[2]".
std::string spec_text(const Spec& s) {
    std::string out(s.btf->type(s.root).name());
    for (std::size_t i = 1; i < s.access.size(); ++i)
        out += s.access[i].name.empty() ? "[" + std::to_string(s.access[i].idx) + "]" : "." + std::string(s.access[i].name);
    return out;
}

// 1 compatible, 0 not, -1 gave up (`w` says why).
int fields_compat(const Btf& lb, TypeId lid, const Btf& tb, TypeId tid, WalkLimit& w) {
    for (int depth = 0; depth < kMaxDepth; ++depth) {
        if (!w.skip(lb, lid) || !w.skip(tb, tid)) return -1;
        const TypeView l = lb.type(lid), t = tb.type(tid);
        if (l.is_composite() && t.is_composite()) return true;
        if (!kinds_compat(l, t)) return false;
        switch (l.kind()) {
            case Kind::Ptr:
            case Kind::Float: return true;
            case Kind::Fwd:
            case Kind::Enum:
            case Kind::Enum64:
                // libbpf's bpf_core_fields_are_compat(): "one of them is
                // anonymous or both w/ same flavor-less names".
                return struct_ops::essential_name(l.name()).empty() || struct_ops::essential_name(t.name()).empty() ||
                       names_match(l.name(), t.name());
            case Kind::Int: return l.int_info().bit_offset == 0 && t.int_info().bit_offset == 0;
            case Kind::Array:
                lid = l.array().elem_type;
                tid = t.array().elem_type;
                continue;
            default: return false;
        }
    }
    w.too_deep(lb, lid, "arrays nest");
    return -1;
}

// libbpf's bpf_core_types_are_compat(): 1 compatible, 0 not, -1 gave up
// (`w` says why).
int types_compat(const Btf& lb, TypeId lid, const Btf& tb, TypeId tid, WalkLimit& w, int depth = kMaxDepth) {
    while (depth-- > 0) {
        if (!w.tick(lb, lid) || !w.skip(lb, lid) || !w.skip(tb, tid)) return -1;
        const TypeView l = lb.type(lid), t = tb.type(tid);
        if (!kinds_compat(l, t)) return false;
        switch (l.kind()) {
            case Kind::Void:
            case Kind::Struct:
            case Kind::Union:
            case Kind::Enum:
            case Kind::Enum64:
            case Kind::Fwd: return true;
            case Kind::Int: return l.int_info().bit_offset == 0 && t.int_info().bit_offset == 0;
            case Kind::Ptr:
                lid = l.ref_type();
                tid = t.ref_type();
                continue;
            case Kind::Array:
                lid = l.array().elem_type;
                tid = t.array().elem_type;
                continue;
            case Kind::FuncProto:
                if (l.vlen() != t.vlen()) return false;
                for (std::uint32_t i = 0; i < l.vlen(); ++i)
                    if (const int c = types_compat(lb, l.param(i).type, tb, t.param(i).type, w, depth); c <= 0) return c;
                lid = l.ref_type();
                tid = t.ref_type();
                continue;
            default: return false;
        }
    }
    w.too_deep(lb, lid, "pointers, arrays and prototypes nest");
    return -1;
}

// libbpf's bpf_core_names_match(): an anonymous target matches only an
// anonymous local; otherwise the essential names must be equal.
bool names_match_strict(std::string_view local, std::string_view target) {
    if (target.empty()) return local.empty();
    return names_match(local, target);
}

// libbpf's __bpf_core_types_match() (TYPE_MATCHES): stricter than
// compatibility: same kind (a struct/union behind a pointer may meet a
// forward declaration), integers of equal size and signedness, local
// members and enumerators present in the target by name, arrays of the
// same length, prototypes of the same arity.
int types_match(const Btf& lb, TypeId lid, const Btf& tb, TypeId tid, bool behind_ptr, int level, WalkLimit& w) {
    if (level <= 0) {
        w.too_deep(lb, lid, "types nest");
        return -1;
    }
    for (int depth = kMaxDepth; depth-- > 0;) {
        if (!w.tick(lb, lid) || !w.skip(lb, lid) || !w.skip(tb, tid)) return -1;
        const TypeView l = lb.type(lid), t = tb.type(tid);
        if (!names_match_strict(l.name(), t.name())) return 0;
        const Kind lk = l.kind(), tk = t.kind();
        switch (lk) {
            case Kind::Void: return lk == tk;
            case Kind::Fwd:
                if (behind_ptr && lk != tk)
                    return (tk == Kind::Struct && !l.kflag()) || (tk == Kind::Union && l.kflag());
                return lk == tk && l.kflag() == t.kflag();
            case Kind::Enum:
            case Kind::Enum64: {
                if (!any_enum(t) || l.size() != t.size() || l.vlen() > t.vlen()) return 0;
                for (const btf::EnumValue& le : l.enum_values()) {
                    bool found = false;
                    for (const btf::EnumValue& te : t.enum_values()) found = found || names_match_strict(le.name, te.name);
                    if (!found) return 0;
                }
                return 1;
            }
            case Kind::Struct:
            case Kind::Union:
                if (behind_ptr) {
                    if (lk == tk) return 1;
                    return tk == Kind::Fwd && (lk == Kind::Union) == t.kflag();
                }
                if (lk != tk || l.vlen() > t.vlen()) return 0;
                for (const btf::Member& lm : l.members()) {
                    bool found = false;
                    for (const btf::Member& tm : t.members()) {
                        if (!names_match_strict(lm.name, tm.name)) continue;
                        const int m = types_match(lb, lm.type, tb, tm.type, behind_ptr, level - 1, w);
                        if (m < 0) return m;
                        if (m > 0) {
                            found = true;
                            break;
                        }
                    }
                    if (!found) return 0;
                }
                return 1;
            case Kind::Int:
                return lk == tk && l.size() == t.size() && l.int_info().is_signed() == t.int_info().is_signed();
            case Kind::Ptr:
                if (lk != tk) return 0;
                behind_ptr = true;
                lid = l.ref_type();
                tid = t.ref_type();
                continue;
            case Kind::Array:
                if (lk != tk || l.array().nelems != t.array().nelems) return 0;
                lid = l.array().elem_type;
                tid = t.array().elem_type;
                continue;
            case Kind::FuncProto:
                if (lk != tk || l.vlen() != t.vlen()) return 0;
                for (std::uint32_t i = 0; i < l.vlen(); ++i) {
                    const int m = types_match(lb, l.param(i).type, tb, t.param(i).type, behind_ptr, level - 1, w);
                    if (m <= 0) return m;
                }
                lid = l.ref_type();
                tid = t.ref_type();
                continue;
            default: return 0;
        }
    }
    w.too_deep(lb, lid, "pointers, arrays and prototypes nest");
    return -1;
}

// Finds the local member of `acc` by name in target type `tid`, looking
// through anonymous members; extends `spec` with the path taken. `searched`
// holds target composites already searched in vain (the answer does not
// depend on the path), which keeps fanned-out anonymous members linear.
// Returns 1 found, 0 not, -1 gave up: anonymous members nested past
// BPF_CORE_SPEC_MAX_LEN, or a walk past its bound (`w` says which).
int match_member(const Spec& local, const Access& acc, const Btf& tb, TypeId tid, Spec& spec, TypeId& next,
                 std::unordered_set<TypeId>& searched, WalkLimit& w) {
    const TypeView lt = local.btf->type(acc.type);
    const btf::Member lm = lt.member(acc.idx);
    if (!w.skip(tb, tid)) return -1;
    const TypeView t = tb.type(tid);
    if (!t.is_composite()) return 0;
    if (searched.count(tid)) return 0;
    for (std::uint32_t i = 0; i < t.vlen(); ++i) {
        const btf::Member m = t.member(i);
        if (spec.raw.size() >= kMaxSpecLen) {
            if (!w.exceeded())
                w.error = tb.describe(tid) + ": anonymous members nest deeper than the " + std::to_string(kMaxSpecLen) +
                          " accesses of a CO-RE spec (a loop?)";
            return -1;
        }
        spec.bit_offset += m.bit_offset;
        spec.raw.push_back(i);
        if (m.name.empty()) {
            const int found = match_member(local, acc, tb, m.type, spec, next, searched, w);
            if (found) return found;
        } else if (m.name == lm.name) {
            if (const int c = fields_compat(*local.btf, lm.type, tb, m.type, w); c <= 0) return c;
            spec.access.push_back({tid, i, m.name});
            next = m.type;
            return 1;
        }
        spec.bit_offset -= m.bit_offset;
        spec.raw.pop_back();
    }
    searched.insert(tid);
    return 0;
}

// Matches the local spec against candidate `cand` of a target BTF: the
// target's spec, nullopt when it does not match, an error when a walk gave up.
Result<std::optional<Spec>> match_spec(const Spec& local, CoreReloKind kind, const Btf& tb, TypeId cand) {
    Spec s;
    s.btf = &tb;
    s.root = cand;
    WalkLimit w;
    auto gave_up = [&] { return Error("candidate " + tb.describe(cand) + ": " + w.error); };
    if (type_based(kind)) {
        const int ok = kind == CoreReloKind::TypeMatches ? types_match(*local.btf, local.root, tb, cand, false, kMaxDepth, w)
                                                         : types_compat(*local.btf, local.root, tb, cand, w);
        if (ok < 0) return gave_up();
        if (ok == 0) return std::optional<Spec>();
        return std::optional<Spec>(std::move(s));
    }
    if (enum_based(kind)) {
        const TypeView t = tb.type(skip_mods(tb, cand));
        for (std::uint32_t i = 0; i < t.vlen(); ++i)
            if (names_match(t.enum_value(i).name, local.access[0].name)) {
                s.access.push_back({skip_mods(tb, cand), i, t.enum_value(i).name});
                return std::optional<Spec>(std::move(s));
            }
        return std::optional<Spec>();
    }
    TypeId tid = cand;
    for (std::size_t i = 0; i < local.access.size(); ++i) {
        const Access& la = local.access[i];
        if (!la.name.empty()) {
            TypeId next = 0;
            std::unordered_set<TypeId> searched;
            const int found = match_member(local, la, tb, tid, s, next, searched, w);
            if (found < 0) return gave_up();
            if (found == 0) return std::optional<Spec>();
            tid = next;
            continue;
        }
        if (i > 0) {
            if (!w.skip(tb, tid)) return gave_up();
            const TypeView t = tb.type(tid);
            if (t.kind() != Kind::Array) return std::optional<Spec>();
            const btf::ArrayInfo a = t.array();
            if (!is_flex_array(tb, s.access.back(), a) && la.idx >= a.nelems) return std::optional<Spec>();
            tid = a.elem_type;
        }
        if (!w.skip(tb, tid)) return gave_up();
        s.access.push_back({tid, la.idx, {}});
        s.raw.push_back(la.idx);
        auto sz = tb.size_of(tid);
        if (!sz) return std::optional<Spec>();
        s.bit_offset += std::uint64_t{la.idx} * *sz * 8;
    }
    return std::optional<Spec>(std::move(s));
}

struct Value {
    bool poison = false;
    bool validate = true;
    std::uint64_t value = 0;
    std::uint32_t size = 0;  // field size for byte_off
    const Btf* btf = nullptr;  // and the field's type (libbpf's orig/new_type_id)
    TypeId type = 0;
};

// libbpf's fail_memsz_adjust rule: a load/store may change width only for
// pointers or unsigned integers (zero extension keeps the value).
bool size_change_safe(const Value& orig, const Value& now) {
    if (!orig.btf || !now.btf) return false;
    const TypeView a = orig.btf->type(orig.type), b = now.btf->type(now.type);
    if (a.kind() == Kind::Ptr && b.kind() == Kind::Ptr) return true;
    return a.kind() == Kind::Int && b.kind() == Kind::Int && !a.int_info().is_signed() && !b.int_info().is_signed();
}

// libbpf's bpf_core_calc_relo for one side; `spec` null: nothing matched.
Result<Value> calc(const btf::CoreRelo& relo, const Spec* spec, TypeId local_root) {
    Value v;
    const CoreReloKind k = relo.kind;
    if (field_based(k)) {
        if (k == CoreReloKind::FieldExists) {
            v.value = spec ? 1 : 0;
            return v;
        }
        if (!spec) return Value{true, false, 0, 0};
        const Btf& b = *spec->btf;
        const Access& acc = spec->access.back();
        if (acc.name.empty()) {  // ends at an array element
            auto sz = b.size_of(acc.type);
            if (!sz) return std::move(sz).error();
            if (k == CoreReloKind::FieldByteOffset) v.value = spec->bit_offset / 8, v.size = *sz, v.btf = &b, v.type = acc.type;
            else if (k == CoreReloKind::FieldByteSize) v.value = *sz;
            else return Error(std::string("relocation '") + btf::core_relo_kind_name(k) + "' on an array element");
            return v;
        }
        const TypeView parent = b.type(acc.type);
        const btf::Member m = parent.member(acc.idx);
        const TypeId mid = skip_mods(b, m.type);
        const TypeView mt = b.type(mid);
        const std::uint64_t bit_off = spec->bit_offset;
        std::uint64_t bit_sz = m.bitfield_size, byte_sz = 0, byte_off = 0;
        const bool bitfield = bit_sz > 0;
        if (bitfield) {
            byte_sz = mt.size();
            byte_off = bit_off / 8 / byte_sz * byte_sz;
            while (bit_off + bit_sz - byte_off * 8 > byte_sz * 8) {
                if (byte_sz >= 8) return Error("bitfield wider than 8 bytes");
                byte_sz *= 2;
                byte_off = bit_off / 8 / byte_sz * byte_sz;
            }
        } else {
            auto sz = b.size_of(mid);
            if (!sz) return std::move(sz).error();
            byte_sz = *sz;
            byte_off = bit_off / 8;
            bit_sz = byte_sz * 8;
        }
        v.validate = !bitfield;
        switch (k) {
            case CoreReloKind::FieldByteOffset:
                v.value = byte_off;
                if (!bitfield) {
                    v.size = static_cast<std::uint32_t>(byte_sz);
                    v.btf = &b;
                    v.type = mid;
                }
                break;
            case CoreReloKind::FieldByteSize: v.value = byte_sz; break;
            case CoreReloKind::FieldSigned:
                v.value = (any_enum(mt) && mt.enum_is_signed()) || (mt.kind() == Kind::Int && mt.int_info().is_signed());
                v.validate = true;
                break;
            case CoreReloKind::FieldLshiftU64: v.value = 64 - (bit_off + bit_sz - byte_off * 8); break;
            case CoreReloKind::FieldRshiftU64:
                v.value = 64 - bit_sz;
                v.validate = true;
                break;
            default: break;
        }
        return v;
    }
    if (type_based(k)) {
        switch (k) {
            case CoreReloKind::TypeIdLocal: v.value = local_root; return v;
            case CoreReloKind::TypeExists:
            case CoreReloKind::TypeMatches: v.value = spec ? 1 : 0; return v;
            default: break;
        }
        if (!spec) return Value{true, false, 0, 0};
        if (k == CoreReloKind::TypeIdTarget) {
            v.value = spec->root;
        } else {
            auto sz = spec->btf->size_of(spec->root);
            if (!sz) return std::move(sz).error();
            v.value = *sz;
        }
        return v;
    }
    if (k == CoreReloKind::EnumvalExists) {
        v.value = spec ? 1 : 0;
        return v;
    }
    if (!spec) return Value{true, false, 0, 0};
    const btf::EnumValue e = spec->btf->type(spec->access[0].type).enum_value(spec->access[0].idx);
    v.value = e.value;
    return v;
}

}  // namespace

Result<bool> types_are_compat(const Btf& local, TypeId local_id, const Btf& target, TypeId target_id) {
    WalkLimit w;
    const int c = types_compat(local, local_id, target, target_id, w);
    if (c < 0) return Error("comparing " + local.describe(local_id) + " with " + target.describe(target_id) + ": " + w.error);
    return c > 0;
}

Result<CoreResult> core_calc(const Btf& local, const btf::CoreRelo& relo, const std::vector<CoreTarget>& targets,
                             CoreCandidateCache* cache) {
    const std::string kind_name = btf::core_relo_kind_name(relo.kind);
    auto local_spec = parse_spec(local, relo.type_id, local.str(relo.access_str_off), relo.kind);
    if (!local_spec) return std::move(local_spec).error().context(kind_name + " relocation on " + local.describe(relo.type_id));
    auto orig = calc(relo, &*local_spec, relo.type_id);
    if (!orig) return std::move(orig).error();

    CoreResult r;
    r.orig = orig->value;
    r.orig_size = orig->size;
    r.validate = orig->validate;
    const std::string what = kind_name + " " + spec_text(*local_spec);
    if (relo.kind == CoreReloKind::TypeIdLocal) {
        r.value = r.orig;
        r.found = true;
        r.description = what + ": " + std::to_string(r.value) + " (the object's own id)";
        return r;
    }

    const TypeView lt = local.type(relo.type_id);
    const std::string_view ess = struct_ops::essential_name(lt.name());
    if (ess.empty()) return Error(what + ": relocation against an anonymous type");

    std::optional<Value> chosen;
    std::string where;
    for (const CoreTarget& target : targets) {
        bool any_candidate = false;
        std::vector<TypeId> uncached;
        for (TypeId cand : candidates(*target.btf, ess, lt.kind(), cache, uncached)) {
            if (cand < target.btf->first_own_id() && target.name != "vmlinux") continue;  // base types: seen in vmlinux
            if (!kinds_compat(lt, target.btf->type(cand))) continue;
            any_candidate = true;
            auto matched = match_spec(*local_spec, relo.kind, *target.btf, cand);
            if (!matched) return std::move(matched).error().context(what + " in " + target.name);
            if (!*matched) continue;
            const Spec& spec = **matched;
            auto v = calc(relo, &spec, relo.type_id);
            if (!v) return std::move(v).error().context(what);
            if (chosen && (chosen->value != v->value || chosen->poison != v->poison))
                return Error(what + ": ambiguous, candidates in " + where + " and " + target.name + " [" +
                             std::to_string(cand) + "] give " + std::to_string(chosen->value) + " and " +
                             std::to_string(v->value));
            if (!chosen) where = target.name + " [" + std::to_string(cand) + "]";
            chosen = *v;
        }
        // libbpf: once vmlinux has a candidate of that name, modules are not searched.
        if (any_candidate) break;
    }
    r.found = chosen.has_value();
    if (!chosen) {
        auto none = calc(relo, nullptr, relo.type_id);
        if (!none) return std::move(none).error();
        chosen = *none;
        where = "no candidate";
    }
    r.poison = chosen->poison;
    r.value = chosen->value;
    r.new_size = chosen->size;
    r.fail_memsz_adjust = !r.poison && r.orig_size && r.new_size && r.orig_size != r.new_size &&
                          !size_change_safe(*orig, *chosen);
    r.validate = r.validate && !r.poison;
    r.description = what + ": " + std::to_string(r.orig) + " -> " +
                    (r.poison ? std::string("poisoned") : std::to_string(r.value)) + " (" + where + ")";
    return r;
}

Status core_patch(std::span<Insn> insns, std::uint32_t at, const CoreResult& r) {
    if (at >= insns.size()) return Error("CO-RE relocation points past the program");
    Insn& insn = insns[at];
    const std::uint8_t cls = insn.code & insn::kClassMask;
    if (r.poison) {
        if (insn::is_ld_imm64(insn) && at + 1 < insns.size()) insns[at + 1] = Insn{insn::kCall, 0, 0, kPoisonImm};
        insn = Insn{insn::kCall, 0, 0, kPoisonImm};
        return {};
    }
    auto mismatch = [&](std::int64_t got) {
        return Error("instruction " + std::to_string(at) + " holds " + std::to_string(got) + ", the relocation expects " +
                     std::to_string(r.orig) + " (" + r.description + ")");
    };
    switch (cls) {
        case insn::kClassAlu:
        case insn::kClassAlu64:
            if (insn.code & 0x08) return Error("CO-RE relocation on a register-source ALU instruction " + std::to_string(at));
            if (r.validate && static_cast<std::uint32_t>(insn.imm) != static_cast<std::uint32_t>(r.orig)) return mismatch(insn.imm);
            insn.imm = static_cast<std::int32_t>(r.value);
            return {};
        case insn::kClassLdx:
        case insn::kClassSt:
        case insn::kClassStx: {
            if (r.validate && insn.off != static_cast<std::int64_t>(r.orig)) return mismatch(insn.off);
            if (r.value > 0x7fff) return Error("field offset " + std::to_string(r.value) + " does not fit instruction " + std::to_string(at));
            if (r.fail_memsz_adjust) {  // libbpf poisons the access rather than read a wrong value
                insn = Insn{insn::kCall, 0, 0, kPoisonImm};
                return {};
            }
            insn.off = static_cast<std::int16_t>(r.value);
            if (r.new_size && r.orig_size && r.new_size != r.orig_size) {
                // The field changed size: load/store it with the kernel's width.
                static const std::uint8_t kSizeBits[9] = {0, 0x10, 0x08, 0, 0x00, 0, 0, 0, 0x18};
                const std::uint8_t size_bits = insn.code & 0x18;
                const std::uint32_t bytes = size_bits == 0x00 ? 4 : size_bits == 0x08 ? 2 : size_bits == 0x10 ? 1 : 8;
                if (bytes != r.orig_size || r.new_size > 8 || (r.new_size & (r.new_size - 1)))
                    return Error("instruction " + std::to_string(at) + ": cannot adjust a " + std::to_string(bytes) +
                                 "-byte access to a " + std::to_string(r.new_size) + "-byte field");
                insn.code = static_cast<std::uint8_t>((insn.code & ~0x18) | kSizeBits[r.new_size]);
            }
            return {};
        }
        case insn::kClassLd: {
            if (!insn::is_ld_imm64(insn) || at + 1 >= insns.size() || insn.src() != 0)
                return Error("CO-RE relocation on instruction " + std::to_string(at) + ", which is not a plain ld_imm64");
            const std::uint64_t imm = static_cast<std::uint32_t>(insn.imm) |
                                      (std::uint64_t{static_cast<std::uint32_t>(insns[at + 1].imm)} << 32);
            if (r.validate && imm != r.orig) return mismatch(static_cast<std::int64_t>(imm));
            insn.imm = static_cast<std::int32_t>(r.value & 0xffffffffu);
            insns[at + 1].imm = static_cast<std::int32_t>(r.value >> 32);
            return {};
        }
        default: return Error("CO-RE relocation on instruction " + std::to_string(at) + " of an unsupported class");
    }
}

}  // namespace rawops::reloc
