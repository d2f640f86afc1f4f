#include "btf/format_value.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace rawops::btf {
namespace {

using Shape = DecodedValue::Shape;

std::span<const std::byte> clamp(std::span<const std::byte> bytes, std::size_t off, std::size_t len) {
    if (off >= bytes.size()) return {};
    return bytes.subspan(off, std::min(len, bytes.size() - off));
}

// `bits` bits starting `bit_off` bits into `bytes` (little-endian, as BPF
// and every machine rawops runs on store them), zero- or sign-extended.
// Callers guarantee the bits lie inside `bytes` and bits <= 64.
std::uint64_t read_bits(std::span<const std::byte> bytes, std::uint32_t bit_off, std::uint32_t bits, bool is_signed) {
    unsigned __int128 acc = 0;
    const std::size_t first = bit_off / 8, last = (bit_off + bits + 7) / 8;  // [first, last)
    for (std::size_t i = last; i-- > first;) acc = acc << 8 | static_cast<std::uint8_t>(bytes[i]);
    acc >>= bit_off % 8;
    std::uint64_t v = bits == 64 ? static_cast<std::uint64_t>(acc) : static_cast<std::uint64_t>(acc) & ((1ull << bits) - 1);
    if (is_signed && bits < 64 && (v >> (bits - 1)) & 1) v |= ~0ull << bits;
    return v;
}

class Decoder {
public:
    Decoder(const Btf& btf, const ValueDecodeOptions& options) : btf_(btf), options_(options) {}

    DecodedValue decode(std::string name, TypeId id, std::span<const std::byte> bytes, unsigned depth) {
        DecodedValue v;
        v.name = std::move(name);
        v.type = id;
        if (depth > options_.max_depth || ++nodes_ > options_.max_nodes) {
            v.shape = Shape::Truncated;
            return v;
        }
        auto resolved = btf_.resolve(id);
        if (!resolved) return as_bytes(std::move(v), bytes);
        const TypeView t = btf_.type(*resolved);
        switch (t.kind()) {
            case Kind::Int: return decode_int(std::move(v), t, bytes, 0, 0);
            case Kind::Enum:
            case Kind::Enum64: return decode_enum(std::move(v), t, bytes, 0, t.size() * 8);
            case Kind::Ptr:
                if (bytes.size() < 8) return as_bytes(std::move(v), bytes);
                v.shape = Shape::Pointer;
                v.unsigned_value = read_bits(bytes, 0, 64, false);
                return v;
            case Kind::Float: return decode_float(std::move(v), t, bytes);
            case Kind::Struct:
            case Kind::Union: return decode_record(std::move(v), t, bytes, depth);
            case Kind::Datasec: return decode_datasec(std::move(v), t, bytes, depth);
            case Kind::Var: return decode(std::move(v.name), t.ref_type(), bytes, depth + 1);
            case Kind::Array: return decode_array(std::move(v), t, bytes, depth);
            default: return as_bytes(std::move(v), bytes);  // FWD, FUNC, FUNC_PROTO, void: no value
        }
    }

    // A struct member: bitfields (kflag) and INT-encoded bitfields read their
    // bits from the parent; everything else its bytes.
    DecodedValue decode_member(const Member& m, std::span<const std::byte> parent, unsigned depth) {
        auto resolved = btf_.resolve(m.type);
        const TypeView t = resolved ? btf_.type(*resolved) : TypeView{};
        if (m.bitfield_size != 0 && (t.kind() == Kind::Int || t.is_enum())) {
            DecodedValue v;
            v.name = std::string(m.name);
            v.type = m.type;
            if (t.kind() == Kind::Int) return decode_int(std::move(v), t, parent, m.bit_offset, m.bitfield_size);
            return decode_enum(std::move(v), t, parent, m.bit_offset, m.bitfield_size);
        }
        const std::uint32_t off = m.bit_offset / 8;
        auto size = btf_.size_of(m.type);
        return decode(std::string(m.name), m.type, clamp(parent, off, size ? *size : 0), depth + 1);
    }

private:
    static DecodedValue as_bytes(DecodedValue v, std::span<const std::byte> bytes) {
        v.shape = Shape::Bytes;
        v.bytes.assign(bytes.begin(), bytes.end());
        return v;
    }

    // An INT at `bit_off` in `bytes`; `bits` overrides the INT's own width
    // (a kflag bitfield). The INT's own BTF_INT_OFFSET adds to the offset.
    DecodedValue decode_int(DecodedValue v, const TypeView& t, std::span<const std::byte> bytes, std::uint32_t bit_off,
                            std::uint32_t bits) {
        const IntInfo info = t.int_info();
        bit_off += info.bit_offset;
        if (bits == 0) bits = info.bits;
        if (bits == 0 || bits > 64 || bit_off + bits > bytes.size() * 8) return as_bytes(std::move(v), bytes);
        const std::uint64_t raw = read_bits(bytes, bit_off, bits, info.is_signed());
        if (!info.is_bool()) return as_integer(std::move(v), raw, info.is_signed());
        v.shape = Shape::Bool;
        v.unsigned_value = raw;
        return v;
    }

    // `raw` as read by read_bits (already sign-extended when signed).
    static DecodedValue as_integer(DecodedValue v, std::uint64_t raw, bool is_signed) {
        if (is_signed) {
            v.shape = Shape::Signed;
            v.signed_value = static_cast<std::int64_t>(raw);
        } else {
            v.shape = Shape::Unsigned;
            v.unsigned_value = raw;
        }
        return v;
    }

    DecodedValue decode_enum(DecodedValue v, const TypeView& t, std::span<const std::byte> bytes, std::uint32_t bit_off,
                             std::uint32_t bits) {
        if (bits == 0 || bits > 64 || bit_off + bits > bytes.size() * 8) return as_bytes(std::move(v), bytes);
        const bool is_signed = t.enum_is_signed();
        const std::uint64_t raw = read_bits(bytes, bit_off, bits, is_signed);
        // Compared in the field's width: an enum value is stored extended to
        // 64 bits, a bitfield holds only its low bits.
        const std::uint64_t mask = ~0ull >> (64 - bits);
        for (const EnumValue& e : t.enum_values()) {
            if ((e.value & mask) == (raw & mask)) {
                v.shape = Shape::EnumName;
                v.text = std::string(e.name);
                v.unsigned_value = raw & mask;
                return v;
            }
        }
        return as_integer(std::move(v), raw, is_signed);
    }

    static DecodedValue decode_float(DecodedValue v, const TypeView& t, std::span<const std::byte> bytes) {
        // float and double; long double has no portable decoding.
        if ((t.size() != 4 && t.size() != 8) || bytes.size() < t.size()) return as_bytes(std::move(v), bytes);
        if (t.size() == 4) {
            float f;
            std::memcpy(&f, bytes.data(), 4);
            v.float_value = f;
        } else {
            std::memcpy(&v.float_value, bytes.data(), 8);
        }
        v.shape = Shape::Float;
        return v;
    }

    DecodedValue decode_record(DecodedValue v, const TypeView& t, std::span<const std::byte> bytes, unsigned depth) {
        v.shape = Shape::Record;
        for (const Member& m : t.members()) v.children.push_back(decode_member(m, bytes, depth));
        return v;
    }

    DecodedValue decode_datasec(DecodedValue v, const TypeView& t, std::span<const std::byte> bytes, unsigned depth) {
        v.shape = Shape::Record;
        for (const VarSecInfo& s : t.var_secinfos()) {
            const TypeView var = btf_.type(s.type);
            v.children.push_back(decode(std::string(var.name()), s.type, clamp(bytes, s.offset, s.size), depth + 1));
        }
        return v;
    }

    // An array of chars that holds a printable NUL-terminated string.
    bool is_string(const ArrayInfo& a, std::span<const std::byte> bytes) const {
        auto elem = btf_.resolve(a.elem_type);
        if (!elem) return false;
        const TypeView e = btf_.type(*elem);
        if (e.kind() != Kind::Int || e.size() != 1 || (!e.int_info().is_char() && e.name() != "char")) return false;
        if (bytes.size() < a.nelems || a.nelems == 0) return false;
        for (std::uint32_t i = 0; i < a.nelems; ++i) {
            const auto c = static_cast<unsigned char>(bytes[i]);
            if (c == 0) return true;
            if (c < 0x20 || c > 0x7e) return false;
        }
        return false;  // no NUL: not a C string
    }

    DecodedValue decode_array(DecodedValue v, const TypeView& t, std::span<const std::byte> bytes, unsigned depth) {
        const ArrayInfo a = t.array();
        if (is_string(a, bytes)) {
            v.shape = Shape::String;
            v.text.assign(reinterpret_cast<const char*>(bytes.data()));
            return v;
        }
        v.shape = Shape::List;
        auto elem_size = btf_.size_of(a.elem_type);
        if (!elem_size || *elem_size == 0) return v;  // elements of no size: nothing to show
        // Only the elements the bytes hold: a crafted nelems cannot make us loop.
        const std::uint64_t n = std::min<std::uint64_t>(a.nelems, bytes.size() / *elem_size);
        v.children.reserve(n);
        for (std::uint64_t i = 0; i < n; ++i)
            v.children.push_back(decode("[" + std::to_string(i) + "]", a.elem_type, bytes.subspan(i * *elem_size, *elem_size),
                                        depth + 1));
        return v;
    }

    const Btf& btf_;
    const ValueDecodeOptions& options_;
    std::size_t nodes_ = 0;
};

}  // namespace

DecodedValue decode_value(const Btf& btf, TypeId id, std::span<const std::byte> bytes, const ValueDecodeOptions& options) {
    return Decoder(btf, options).decode("", id, bytes, 0);
}

std::string scalar_text(const DecodedValue& v) {
    char buf[64];
    switch (v.shape) {
        case Shape::Signed: return std::to_string(v.signed_value);
        case Shape::Unsigned: return std::to_string(v.unsigned_value);
        case Shape::Bool: return v.unsigned_value ? "true" : "false";
        case Shape::Float: std::snprintf(buf, sizeof buf, "%g", v.float_value); return buf;
        case Shape::EnumName: return v.text;
        case Shape::Pointer: std::snprintf(buf, sizeof buf, "0x%" PRIx64, v.unsigned_value); return buf;
        case Shape::String: {
            std::string s = "\"";
            for (char c : v.text) {
                if (c == '"' || c == '\\') s += '\\';
                s += c;
            }
            return s + "\"";
        }
        case Shape::Bytes: {
            std::string s;
            for (std::byte b : v.bytes) {
                std::snprintf(buf, sizeof buf, s.empty() ? "%02x" : " %02x", static_cast<unsigned>(b));
                s += buf;
            }
            return s.empty() ? "(no bytes)" : s;
        }
        case Shape::Truncated: return "...";
        case Shape::Record:
        case Shape::List: break;
    }
    return "";
}

std::string value_text(const DecodedValue& v, std::size_t max_items) {
    if (v.shape != Shape::Record && v.shape != Shape::List) return scalar_text(v);
    const bool record = v.shape == Shape::Record;
    std::string s = record ? "{" : "[";
    std::size_t n = 0;
    for (const DecodedValue& c : v.children) {
        if (n == max_items) {
            s += ", ...";
            break;
        }
        if (n++) s += ", ";
        if (record && !c.name.empty()) s += c.name + " = ";
        s += value_text(c, max_items);
    }
    return s + (record ? "}" : "]");
}

bool is_zero(const DecodedValue& v) {
    switch (v.shape) {
        case Shape::Signed: return v.signed_value == 0;
        case Shape::Unsigned:
        case Shape::Bool:
        case Shape::Pointer:
        case Shape::EnumName: return v.unsigned_value == 0;
        case Shape::Float: return v.float_value == 0;
        case Shape::String: return v.text.empty();
        case Shape::Bytes:
            for (std::byte b : v.bytes)
                if (b != std::byte{0}) return false;
            return true;
        case Shape::Truncated: return false;
        case Shape::Record:
        case Shape::List:
            for (const DecodedValue& c : v.children)
                if (!is_zero(c)) return false;
            return true;
    }
    return false;
}

}  // namespace rawops::btf
