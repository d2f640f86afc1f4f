// Bytes read from the kernel (a map element, a struct_ops value) decoded
// with the BTF type that describes them: what `bpftool map dump` does with a
// map's BTF, for `rawops map dump`, `show` and `dump`.
//
// The result is a small tree of values, not text, so the CLI can print it as
// C-like text or as JSON from one decoding. Decoding never fails on the
// bytes: a type that does not fit in them, or BTF that nests deeper than
// kMaxDepth, gives a node of kind Bytes or Truncated instead, so a crafted
// BTF cannot crash or exhaust the printer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "btf/btf.h"

namespace rawops::btf {

struct DecodedValue {
    enum class Shape {
        Signed,     // an INT with the signed bit, or a signed enum without a name for the value
        Unsigned,   // an INT (also char and bool), or an enum value without a name
        Bool,       // an INT with the bool encoding
        Float,      // FLOAT of 4 or 8 bytes
        EnumName,   // an enum value that has a name: `text` holds it
        Pointer,    // a pointer: `unsigned_value` is the address as stored
        String,     // a char array holding a NUL-terminated printable string: `text`
        Record,     // struct, union, DATASEC: `children` are members / variables
        List,       // array: `children` are the elements
        Bytes,      // what cannot be decoded (no size, FWD, FUNC, too short): `bytes`
        Truncated,  // deeper than kMaxDepth: nothing decoded below
    };

    std::string name;      // member, variable or "[i]" for an element; "" for the root
    TypeId type = 0;       // the BTF type of this node, before resolving modifiers
    Shape shape = Shape::Bytes;
    std::uint64_t unsigned_value = 0;  // Unsigned, Bool, Pointer, EnumName (raw)
    std::int64_t signed_value = 0;     // Signed
    double float_value = 0;            // Float
    std::string text;                  // EnumName, String
    std::vector<std::byte> bytes;      // Bytes (and the raw bytes of an unnamed enum value)
    std::vector<DecodedValue> children;
};

struct ValueDecodeOptions {
    // Nesting beyond which a node becomes Truncated (structs in structs,
    // arrays of arrays). Real kernel types nest less than 12 deep.
    unsigned max_depth = 32;
    // Nodes decoded in all, past which the rest become Truncated: depth
    // alone does not bound crafted BTF, where a struct of a few members of
    // a zero-sized struct type, nested 32 deep, is billions of nodes (the
    // fuzzer ran out of 4 GB on one). Real values have far fewer.
    std::size_t max_nodes = 1u << 18;
};

// Decodes `bytes` as type `id` of `btf`. Where the type is larger than the
// bytes, what lies past the end is a Bytes node with what there was.
DecodedValue decode_value(const Btf& btf, TypeId id, std::span<const std::byte> bytes,
                          const ValueDecodeOptions& options = {});

// C-like text of a decoded scalar ("5", "-1", "true", "TCP_CA_Open",
// "0xffff8881...", "\"rawops_reno\"", "1.5", hex bytes); "" for a Record
// or a List.
std::string scalar_text(const DecodedValue& value);

// The whole value on one line, C-like: scalars as scalar_text, records as
// "{a = 1, b = \"x\"}", lists as "[1, 2, 3]" (at most `max_items` elements
// shown, then "...").
std::string value_text(const DecodedValue& value, std::size_t max_items = 16);

// Whether every scalar in the value is zero (a NULL pointer, "", false, an
// enum value 0 with or without a name, zero bytes).
bool is_zero(const DecodedValue& value);

}  // namespace rawops::btf
