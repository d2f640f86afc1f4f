// Changing an object before it is loaded: what a libbpf skeleton lets its
// user do between open and load, which every sched_ext scheduler relies on.
//
//  - set a global variable (.rodata, .data, .bss, .data.*, ...) by name;
//  - set a data member of a struct_ops variable ("ops.timeout_ms", "ops.name");
//  - resize a map: max_entries of a `.maps` map, or for a global-data section
//    whose last variable is an array, the number of its elements (libbpf's
//    bpf_map__set_value_size, as sched_ext's RESIZE_ARRAY uses it).
//
// Values are given as text and checked against the variable's BTF type:
// integers (decimal, 0x hex, 0 octal, negative for signed types) within the
// type's range, bool (true/false/0/1), enumerator names or numbers, strings
// for char arrays (which must leave room for the NUL), comma-separated lists
// for arrays of those. Edits never patch a Plan's bytes: the builder applies
// them to its copies of the object's data.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/error.h"
#include "loader/object.h"

namespace rawops {

struct ObjectEdits {
    struct Set {
        std::string name;   // "nr_cpus", or "<struct_ops variable>.<member>"
        std::string value;  // as text
    };
    struct Resize {
        std::string map;    // a `.maps` map, or a global-data section (".data.cpus")
        std::uint32_t size = 0;  // max_entries, or elements of the section's last array
    };
    std::vector<Set> sets;
    std::vector<Resize> resizes;
    bool empty() const { return sets.empty() && resizes.empty(); }
};

// `text` as the bytes of BTF type `type` (size_of(type) bytes), or an error
// saying why it does not fit.
Result<std::vector<std::uint8_t>> encode_value(const btf::Btf& btf, btf::TypeId type, std::string_view text);

// The value of `bytes` (of BTF type `type`) as text, the way encode_value reads it.
std::string decode_value(const btf::Btf& btf, btf::TypeId type, std::span<const std::uint8_t> bytes);

// A global variable of the object: its section (index into global_data()),
// its BTF VAR and where it sits.
struct GlobalVar {
    std::string name;
    std::size_t data = 0;      // Object::global_data() index
    btf::TypeId var = 0;       // the VAR
    btf::TypeId type = 0;      // its type
    std::uint32_t offset = 0, size = 0;
};
// Every global variable with BTF, in section order then offset order.
std::vector<GlobalVar> global_vars(const Object& obj);

// The resize of a global-data section: its last variable, an array, gets
// `elements` elements and the section grows or shrinks with it.
struct DataResize {
    std::size_t data = 0;          // Object::global_data() index
    btf::TypeId var = 0;           // the last VAR
    btf::TypeId elem_type = 0, index_type = 0;
    std::uint32_t elements = 0;
    std::uint64_t new_size = 0;    // the section's size afterwards
};
Result<DataResize> plan_data_resize(const Object& obj, std::size_t data, std::uint32_t elements);

}  // namespace rawops
