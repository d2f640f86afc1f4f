// Internal: what a Btf holds. Shared by btf.cpp (parsing, views),
// btf_validate.cpp (reference checks) and btf_query.cpp (lookups).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/mapped_file.h"

namespace rawops::btf {

// Open-addressing hash table from a type name to the ids carrying it. A slot
// holds (hash << 32 | id); 0 is empty (id 0, void, is never indexed). Linear
// probing keeps ids of one name in ascending order along the probe sequence.
struct NameIndex {
    std::vector<std::uint64_t> slots;
    std::uint64_t mask = 0;
};

struct Btf::Impl {
    std::string name;
    const Btf* base = nullptr;
    MappedFile file;  // empty when the bytes are borrowed
    std::span<const std::uint8_t> data;
    Header hdr;
    const std::uint8_t* types = nullptr;  // start of the type section
    const char* strs = nullptr;           // start of this BTF's own strings
    std::uint32_t str_len = 0;
    TypeId start_id = 1;             // first own id
    std::uint32_t start_str_off = 0; // where own string offsets begin
    std::vector<std::uint32_t> offsets;  // own type id - start_id -> byte offset in types

    std::once_flag index_once;
    NameIndex index;
};

// Validates every own type's references (Impl fully indexed, base valid).
Status validate_types(const Btf& btf, const Btf::Impl& impl);

}  // namespace rawops::btf
