// Lookups over a parsed Btf: the lazy name index, modifier resolution, sizes
// and alignment, member search (through anonymous members), function-pointer
// members.
#include <algorithm>
#include <functional>
#include <string>

#include "btf/btf_impl.h"

namespace rawops::btf {

namespace {

// Longest modifier/array chain followed before giving up: the kernel and
// libbpf use 32 as well (MAX_RESOLVE_DEPTH); deeper chains are loops.
constexpr int kMaxDepth = 32;
// Every BPF target and every kernel we read is 64-bit.
constexpr std::uint32_t kPointerSize = 8;

std::string num(std::uint64_t v) { return std::to_string(v); }

std::uint32_t name_hash(std::string_view s) {
    std::size_t h = std::hash<std::string_view>{}(s);
    auto v = static_cast<std::uint32_t>(h ^ (h >> 32));
    return v;
}

void build_index(const Btf& btf, NameIndex& idx) {
    const TypeId begin = btf.first_own_id(), end = btf.type_count();
    std::size_t named = 0;
    for (TypeId id = begin; id < end; ++id) named += btf.type(id).name_off() != 0;
    std::size_t cap = 16;
    while (cap < named * 2) cap <<= 1;
    idx.slots.assign(cap, 0);
    idx.mask = cap - 1;
    for (TypeId id = begin; id < end; ++id) {
        TypeView t = btf.type(id);
        if (t.name_off() == 0) continue;
        std::string_view n = t.name();
        if (n.empty()) continue;
        std::uint32_t h = name_hash(n);
        std::uint64_t slot = h & idx.mask;
        while (idx.slots[slot]) slot = (slot + 1) & idx.mask;
        idx.slots[slot] = (std::uint64_t{h} << 32) | id;
    }
}

// Calls fn(id) for own ids named `name`, ascending; stops when fn returns true.
template <typename Fn>
void for_each_own_named(const Btf& btf, const NameIndex& idx, std::string_view name, Fn&& fn) {
    if (idx.slots.empty()) return;
    std::uint32_t h = name_hash(name);
    for (std::uint64_t slot = h & idx.mask; idx.slots[slot]; slot = (slot + 1) & idx.mask) {
        std::uint64_t e = idx.slots[slot];
        if (static_cast<std::uint32_t>(e >> 32) != h) continue;
        auto id = static_cast<TypeId>(e);
        if (btf.type(id).name() == name && fn(id)) return;
    }
}

}  // namespace

Result<TypeId> Btf::find(std::string_view name, Kind kind) const {
    if (impl_->base) {
        auto r = impl_->base->find(name, kind);
        if (r) return r;
    }
    std::call_once(impl_->index_once, [this] { build_index(*this, impl_->index); });
    TypeId found = 0;
    for_each_own_named(*this, impl_->index, name, [&](TypeId id) {
        if (type(id).kind() != kind) return false;
        found = id;
        return true;
    });
    if (found) return found;
    return Error("BTF '" + impl_->name + "': no " + kind_name(kind) + " named '" + std::string(name) + "'");
}

std::vector<TypeId> Btf::find_all(std::string_view name) const {
    std::vector<TypeId> ids;
    if (impl_->base) ids = impl_->base->find_all(name);
    std::call_once(impl_->index_once, [this] { build_index(*this, impl_->index); });
    for_each_own_named(*this, impl_->index, name, [&](TypeId id) {
        ids.push_back(id);
        return false;
    });
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
    // nesting, bounded by kMaxDepth through the depth argument.
    std::function<Result<std::uint32_t>(TypeId, int)> align = [&](TypeId tid, int depth) -> Result<std::uint32_t> {
        if (depth >= kMaxDepth)
            return Error("BTF '" + impl_->name + "': " + describe(id) + ": type nesting deeper than " + num(kMaxDepth));
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
            std::uint32_t max_align = 1;
            for (Member m : t.members()) {
                auto a = align(m.type, depth + 1);
                if (!a) return a;
                // A member not at a multiple of its natural alignment means
                // the struct is packed: alignment 1, as libbpf concludes.
                if (m.bitfield_size == 0 && m.bit_offset % (8 * *a) != 0) return 1u;
                max_align = std::max(max_align, *a);
            }
            if (t.size() % max_align != 0) return 1u;  // packed as well
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
bool search_member(const Btf& btf, TypeId tid, std::string_view name, std::uint32_t base_bits, int depth,
                   MemberInfo& out) {
    if (depth >= kMaxDepth) return false;
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
        if (search_member(btf, *inner, name, base_bits + m.bit_offset, depth + 1, out)) return true;
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
    if (search_member(*this, *resolved, name, 0, 0, info)) return info;
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

}  // namespace rawops::btf
