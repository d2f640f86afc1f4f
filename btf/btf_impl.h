// Internal: what a Btf holds. Shared by btf.cpp (parsing, views),
// btf_validate.cpp (indexing and checks) and btf_query.cpp (lookups).
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/mapped_file.h"
#include "btf/page_array.h"

namespace rawops::btf {

// Open-addressing hash table from a type name to the ids carrying it. A slot
// is 32 bits: the type id (at most BTF_MAX_TYPE, 20 bits) and 12 more bits of
// the name's hash as a tag that skips most string compares; 0 is empty (id 0,
// void, is never indexed). Small slots keep the vmlinux table at 1 MiB, so
// building it stays cache-friendly. Linear probing keeps ids of one name in
// ascending order along the probe sequence.
struct NameIndex {
    static constexpr unsigned kIdBits = 20;
    static constexpr std::uint32_t kIdMask = (1u << kIdBits) - 1;
    PageArray<std::uint32_t> slots;
    std::uint32_t mask = 0;
};

struct Btf::Impl {
    std::string name;
    const Btf* base = nullptr;
    MappedFile file;  // empty when the bytes are borrowed
    std::vector<std::uint8_t> owned;  // parse(vector&&): the bytes themselves
    std::span<const std::uint8_t> data;
    Header hdr;
    const std::uint8_t* types = nullptr;  // start of the type section
    const char* strs = nullptr;           // start of this BTF's own strings
    std::uint32_t str_len = 0;
    TypeId start_id = 1;             // first own id
    std::uint32_t start_str_off = 0; // where own string offsets begin
    PageArray<std::uint32_t> offsets;  // own type id - start_id -> byte offset in types

    std::once_flag index_once;
    NameIndex index;
};

// Indexes and validates the type section (btf_validate.cpp); needs the header
// and string section checked and the base (if any) valid.
Status scan_types(Btf::Impl& impl);

}  // namespace rawops::btf
