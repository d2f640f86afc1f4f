#include "btf/format_c_layout.h"

#include <algorithm>

namespace rawops::btf::c_format {

namespace {

constexpr std::uint32_t kMaxChain = 512;  // modifiers/arrays followed before giving up (a loop)
// Largest aligned(N) tried for a union (page-aligned is the most C code asks
// for); keeps every alignment times 8 far from overflowing 32 bits.
constexpr std::uint32_t kMaxAligned = 1u << 16;

std::uint32_t round_up(std::uint32_t v, std::uint32_t to) { return to ? (v + to - 1) / to * to : v; }

bool is_pow2(std::uint32_t v) { return v && !(v & (v - 1)); }

// Alignment clang -target bpf gives a scalar of this many bytes.
std::uint32_t scalar_align(std::uint32_t size) { return is_pow2(size) && size <= 16 ? size : 1; }

struct PadType {
    const char* name;
    std::uint32_t bits;
};
constexpr PadType kPadTypes[] = {{"long", 64}, {"int", 32}, {"short", 16}, {"char", 8}};

std::uint32_t pad_bits_of(const char* name) {
    for (const auto& p : kPadTypes)
        if (name == p.name) return p.bits;
    return 8;
}

}  // namespace

Layout::Layout(const Btf& btf)
    : btf_(btf), align_(btf.type_count(), 0), plan_state_(btf.type_count(), State::None),
      plans_(btf.type_count()) {}

std::uint32_t Layout::size_of(TypeId id) {
    auto s = btf_.size_of(id);
    return s ? *s : 0;
}

std::uint32_t Layout::align_of(TypeId id) {
    TypeId cur = id;
    for (std::uint32_t step = 0; step < kMaxChain; ++step) {
        if (cur < align_.size() && align_[cur]) return align_[cur];
        TypeView t = btf_.type(cur);
        switch (t.kind()) {
        case Kind::Int: case Kind::Enum: case Kind::Enum64: case Kind::Float:
            return align_[cur] = static_cast<std::uint8_t>(scalar_align(t.size()));
        case Kind::Ptr:
            return align_[cur] = 8;
        case Kind::Typedef: case Kind::Volatile: case Kind::Const: case Kind::Restrict: case Kind::TypeTag:
            cur = t.ref_type();
            continue;
        case Kind::Array:
            cur = t.array().elem_type;
            continue;
        case Kind::Struct: case Kind::Union:
            return plan(cur).align;
        default:
            return 1;
        }
    }
    return 1;
}

const CompositePlan& Layout::plan(TypeId id) {
    static const CompositePlan kNone{};
    if (id >= plans_.size()) return kNone;
    if (plan_state_[id] == State::Done) return plans_[id];
    if (plan_state_[id] == State::Busy) return kNone;  // embeds itself: invalid BTF, any answer
    TypeView t = btf_.type(id);
    if (!t.is_composite()) return kNone;
    plan_state_[id] = State::Busy;
    CompositePlan p = t.kind() == Kind::Struct ? plan_struct(t) : plan_union(t);
    plans_[id] = p;
    plan_state_[id] = State::Done;
    return plans_[id];
}

CompositePlan Layout::plan_struct(const TypeView& t) {
    CompositePlan p;
    std::uint32_t max_align = 1;
    for (Member m : t.members()) {
        std::uint32_t a = align_of(m.type);
        if (m.bitfield_size == 0) {
            if (m.bit_offset % (8 * a)) p.packed = true;
        } else {
            // Unpacked, clang moves a bit-field that would straddle a unit of
            // its type: one recorded as straddling means the struct is packed.
            std::uint32_t unit = 8 * size_of(m.type);
            if (unit && m.bit_offset % (8 * a) + m.bitfield_size > unit) p.packed = true;
        }
        // Unnamed bit-fields do not count for the struct's alignment.
        if (!(m.name.empty() && m.bitfield_size)) max_align = std::max(max_align, a);
    }
    if (t.size() % max_align) p.packed = true;
    p.align = p.packed ? 1 : max_align;
    return p;
}

CompositePlan Layout::plan_union(const TypeView& t) {
    CompositePlan p;
    std::uint32_t max_align = 1, max_bytes = 0;
    for (Member m : t.members()) {
        if (!(m.name.empty() && m.bitfield_size)) max_align = std::max(max_align, align_of(m.type));
        max_bytes = std::max(max_bytes, m.bitfield_size ? (m.bitfield_size + 7) / 8 : size_of(m.type));
    }
    const std::uint32_t size = t.size();
    p.align = max_align;
    if (round_up(max_bytes, max_align) == size) return p;
    if (round_up(max_bytes, max_align) < size) {
        // Larger than its members: an alignment that rounds the size up.
        for (std::uint32_t n = max_align * 2; n <= size && n <= kMaxAligned; n *= 2) {
            if (round_up(max_bytes, n) == size) {
                p.aligned = n;
                p.align = n;
                return p;
            }
        }
    } else {
        // Smaller than natural: packed, keeping what alignment still fits.
        p.packed = true;
        for (std::uint32_t n = max_align / 2; n >= 1; n /= 2) {
            if (round_up(max_bytes, n) == size) {
                p.aligned = n > 1 ? n : 0;
                p.align = n;
                return p;
            }
        }
        p.packed = false;
    }
    // No attribute reaches the size: a char array member of that size does.
    p.pad_array = size;
    if (size % max_align) {
        p.packed = true;
        p.align = 1;
    }
    return p;
}

const char* Layout::enum_mode(TypeId id) const {
    TypeView t = btf_.type(id);
    if (!t.is_enum() || t.vlen() == 0) return nullptr;
    // The size clang picks: int or unsigned int when every value fits one of
    // them, else long or unsigned long.
    bool fits_int = true, fits_uint = true;
    for (EnumValue v : t.enum_values()) {
        std::int64_t s = t.enum_is_signed() ? v.signed_value() : 0;
        std::uint64_t u = v.value;
        if (t.enum_is_signed()) {
            if (s < INT32_MIN || s > INT32_MAX) fits_int = false;
            if (s < 0 || s > static_cast<std::int64_t>(UINT32_MAX)) fits_uint = false;
        } else {
            if (u > static_cast<std::uint64_t>(INT32_MAX)) fits_int = false;
            if (u > UINT32_MAX) fits_uint = false;
        }
    }
    const std::uint32_t natural = fits_int || fits_uint ? 4 : 8;
    if (t.size() == natural) return nullptr;
    switch (t.size()) {
    case 1: return "byte";
    case 2: return "HI";
    case 4: return "SI";
    case 8: return "word";
    default: return nullptr;
    }
}

// --- StructCursor ------------------------------------------------------------

std::uint32_t StructCursor::where(std::uint32_t cur, TypeId type, std::uint32_t bitfield) {
    if (bitfield == 0) {
        std::uint32_t byte = round_up(cur, 8);
        return packed_ ? byte : round_up(byte, 8 * layout_.align_of(type));
    }
    if (packed_) return cur;
    std::uint32_t a = 8 * layout_.align_of(type), unit = 8 * layout_.size_of(type);
    if (unit && cur % a + bitfield > unit) return round_up(cur, a);
    return cur;
}

std::uint32_t StructCursor::after_pads(std::uint32_t cur, const std::vector<Pad>& pads) const {
    for (const Pad& p : pads) {
        std::uint32_t unit = pad_bits_of(p.type);
        if (p.bits == 0) cur = round_up(cur, unit);
        else {
            if (!packed_ && cur % unit + p.bits > unit) cur = round_up(cur, unit);
            cur += p.bits;
        }
    }
    return cur;
}

// The padding libbpf's btf_dump prints (so our output reads like bpftool's):
// align with the widest of long/int/short/char that fits the gap, with an
// explicit `T: 0` (or the bit count, between bit-fields) where clang would
// not align by itself, then whole units, then the smallest type for the rest.
std::vector<Pad> StructCursor::libbpf_style(std::uint32_t next, std::uint32_t next_align,
                                            bool in_bitfield) const {
    std::vector<Pad> pads;
    std::uint32_t cur = cur_;
    if (cur >= next) return pads;
    const PadType* chosen = &kPadTypes[3];
    std::uint32_t new_off = 0;
    for (const auto& pt : kPadTypes) {
        chosen = &pt;
        new_off = round_up(cur, pt.bits);
        if (new_off <= next) break;
    }
    if (new_off > cur && new_off <= next) {
        if (in_bitfield || (new_off == next && round_up(cur, next_align * 8) != new_off) ||
            (new_off != next && next - new_off <= new_off - cur))
            pads.push_back({chosen->name, in_bitfield ? new_off - cur : 0});
        cur = new_off;
    }
    while (cur != next) {
        std::uint32_t bits = std::min(next - cur, chosen->bits);
        if (bits == chosen->bits) {
            pads.push_back({chosen->name, bits});
            cur += bits;
            continue;
        }
        for (int i = 3; i >= 0; --i) {
            if (kPadTypes[i].bits < bits) continue;
            pads.push_back({kPadTypes[i].name, bits});
            cur += bits;
            break;
        }
    }
    return pads;
}

// Fills [cur, next) with bit-fields none of which straddles its unit, so
// clang places each exactly where the previous one ended.
std::vector<Pad> StructCursor::exact_fill(std::uint32_t next) const {
    std::vector<Pad> pads;
    std::uint32_t cur = cur_;
    while (cur < next) {
        std::uint32_t w = std::min(next - cur, 64 - cur % 64);
        for (int i = 3; i >= 0; --i) {
            std::uint32_t u = kPadTypes[i].bits;
            if (cur / u == (cur + w - 1) / u) {
                pads.push_back({kPadTypes[i].name, w});
                break;
            }
        }
        cur += w;
    }
    return pads;
}

std::vector<Pad> StructCursor::pads_before(TypeId type, std::uint32_t bitfield, std::uint32_t target,
                                           bool prev_bitfield) {
    if (target > cur_ && target - cur_ > kMaxPadBits) {
        overflow_ = true;
        return {};
    }
    if (cur_ < target) {
        std::uint32_t next_align = packed_ ? 1 : layout_.align_of(type);
        std::vector<Pad> pads = libbpf_style(target, next_align, prev_bitfield && bitfield != 0);
        if (where(after_pads(cur_, pads), type, bitfield) == target) return pads;
    }
    if (where(cur_, type, bitfield) == target) return {};
    std::vector<Pad> pads = exact_fill(target);
    return pads;  // if even this misses, the BTF overlaps members: nothing fixes that
}

std::vector<Pad> StructCursor::tail_pads(std::uint32_t size, std::uint32_t align) {
    const std::uint64_t end64 = 8ull * size;
    if (end64 > cur_ && end64 - cur_ > kMaxPadBits) {
        overflow_ = true;
        return {};
    }
    const std::uint32_t end = static_cast<std::uint32_t>(end64);
    auto fits = [&](const std::vector<Pad>& pads) { return round_up(after_pads(cur_, pads), 8 * align) == end; };
    if (cur_ < end) {
        std::vector<Pad> pads = libbpf_style(end, align, false);
        if (fits(pads)) return pads;
    }
    if (fits({})) return {};
    return exact_fill(end);
}

void StructCursor::advance(const std::vector<Pad>& pads) { cur_ = after_pads(cur_, pads); }

void StructCursor::place(TypeId type, std::uint32_t bitfield, std::uint32_t target) {
    // Continue from the BTF's offset even where clang would differ (members
    // that overlap): later members are still padded against the BTF.
    cur_ = target + (bitfield ? bitfield : 8 * layout_.size_of(type));
}

}  // namespace rawops::btf::c_format
