// Internal: what a Btf holds. Shared by btf.cpp (parsing, views),
// btf_validate.cpp (indexing and checks) and btf_query.cpp (lookups).
#pragma once

#include <atomic>
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
    // The group's ids whose name holds "___" (a possible flavour), collected
    // on the first essential-name lookup after the table is built: the hash
    // of "foo" cannot find "foo___v2". vmlinux 6.18 has a handful.
    std::once_flag flavoured_once;
    std::vector<TypeId> flavoured;
};

// Lookups by name go through one index per group of kinds, each built on
// first use, so a load that asks for structs never hashes vmlinux's ~56k
// function names (FUNC is 80% of its named types).
enum IndexGroup : unsigned {
    kGroupComposite = 0,  // STRUCT, UNION, FWD
    kGroupEnum,           // ENUM, ENUM64
    kGroupFunc,           // FUNC
    kGroupOther,          // TYPEDEF, INT, FLOAT, VAR, DATASEC, tags, ...
    kGroupCount,
};
constexpr unsigned index_group(unsigned kind) {
    switch (kind) {
    case 4: case 5: case 7: return kGroupComposite;  // BTF_KIND_STRUCT, _UNION, _FWD
    case 6: case 19: return kGroupEnum;               // BTF_KIND_ENUM, _ENUM64
    case 12: return kGroupFunc;                       // BTF_KIND_FUNC
    default: return kGroupOther;
    }
}

static_assert(kGroupCount <= 4, "the group lives in 2 bits of an offset entry");
inline std::uint32_t offset_entry(std::uint32_t pos, unsigned kind) { return pos | index_group(kind) << 30; }
inline unsigned entry_group(std::uint32_t e) { return e >> 30; }
inline std::uint32_t entry_offset(std::uint32_t e) { return e & Btf::kOffsetMask; }

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
    // own type id - start_id -> byte offset in types | index_group << 30
    PageArray<std::uint32_t> offsets;

    bool trusted = false;  // kernel BTF: only record bounds were checked here

    // Kernels from 7.0 publish their BTF (vmlinux and modules) with the
    // anonymous types first and the named ones sorted by name, so that the
    // kernel can binary-search it. When the BTF has that layout (checked in
    // full for BTF a user hands us, sampled for trusted kernel BTF: see
    // sorted_layout in btf_validate.cpp), this is the own index of the first
    // named type and name lookups binary-search the rest instead of scanning
    // or hashing; kNotSorted otherwise.
    static constexpr std::uint32_t kNotSorted = ~0u;
    std::uint32_t sorted_from = kNotSorted;

    std::once_flag index_once[kGroupCount];
    NameIndex index[kGroupCount];
    // Lookups answered by a plain scan so far, per group: a few cheap scans
    // beat hashing every name of a large group (see btf_query.cpp).
    std::atomic<std::uint32_t> scans[kGroupCount] = {};
};

// The name of own record i (an index into offsets), NUL-terminated; "" when
// its offset is out of range (trusted BTF never had its name offsets
// checked). A split type may be named with one of the base's strings.
inline const char* own_record_name(const Btf::Impl& impl, std::uint32_t i) {
    const std::uint32_t off = TypeView::load32(impl.types + entry_offset(impl.offsets[i]));
    if (off >= impl.start_str_off) {
        const std::uint32_t rel = off - impl.start_str_off;
        return rel < impl.str_len ? impl.strs + rel : "";
    }
    return impl.base ? impl.base->str(off).data() : "";
}

// Indexes and validates the type section (btf_validate.cpp); needs the header
// and string section checked and the base (if any) valid.
Status scan_types(Btf::Impl& impl);
// Indexes the type section, checking only that every record lies inside it
// (btf_validate.cpp). For BTF the kernel itself exposes under /sys/kernel/btf:
// the kernel checked kinds, sizes, vlen and name offsets (btf_check_all_metas)
// before publishing it, and views stay in bounds without the reference checks
// (type() of an id out of range is void, str() of a bad offset is "").
Status scan_types_trusted(Btf::Impl& impl);

}  // namespace rawops::btf
