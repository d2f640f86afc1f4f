// The .BTF.ext section of a BPF object: per ELF section, the BTF FUNC of each
// function (func_info), source lines (line_info) and CO-RE relocations
// (bpf_core_relo). Zero-copy like Btf: the caller keeps the bytes alive, and
// the Btf whose strings and type ids the records use.
//
// Layout (libbpf's struct btf_ext_header; not in <linux/btf.h>): a header
// (magic 0xeB9F, version 1, flags, hdr_len, then offset/length pairs relative
// to the end of the header); each info block starts with a u32 record size and
// holds, per ELF section, {u32 sec_name_off, u32 num_info} + num_info records.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"

namespace rawops::btf {

struct FuncInfo {
    std::uint32_t insn_off = 0;  // bytes from the start of the ELF section
    TypeId type_id = 0;          // a FUNC
};

struct LineInfo {
    std::uint32_t insn_off = 0;
    std::uint32_t file_name_off = 0;
    std::uint32_t line_off = 0;
    std::uint32_t line_col = 0;  // line << 10 | column
    std::uint32_t line() const { return line_col >> 10; }
    std::uint32_t column() const { return line_col & 0x3ff; }
};

// enum bpf_core_relo_kind (libbpf / kernel UAPI).
enum class CoreReloKind : std::uint32_t {
    FieldByteOffset = 0,
    FieldByteSize = 1,
    FieldExists = 2,
    FieldSigned = 3,
    FieldLshiftU64 = 4,
    FieldRshiftU64 = 5,
    TypeIdLocal = 6,
    TypeIdTarget = 7,
    TypeExists = 8,
    TypeSize = 9,
    EnumvalExists = 10,
    EnumvalValue = 11,
    TypeMatches = 12,
};
inline constexpr std::uint32_t kCoreReloKindMax = 12;
const char* core_relo_kind_name(CoreReloKind kind);  // "byte_off", "type_id", ...

struct CoreRelo {
    std::uint32_t insn_off = 0;
    TypeId type_id = 0;
    std::uint32_t access_str_off = 0;
    CoreReloKind kind = CoreReloKind::FieldByteOffset;
};

// One section's records of one info block.
template <typename Rec>
struct ExtSection {
    std::string_view sec_name;  // e.g. "struct_ops/init"
    std::uint32_t sec_name_off = 0;
    std::uint32_t rec_size = 0;
    std::span<const std::uint8_t> bytes;  // num_info * rec_size
    std::uint32_t count() const { return rec_size ? static_cast<std::uint32_t>(bytes.size() / rec_size) : 0; }
    Rec at(std::uint32_t i) const;  // i < count()
};

class BtfExt {
public:
    // Validates the header, every block's record size (at least the known
    // record, a multiple of 4), section bounds, section names and string
    // offsets (in `btf`), type ids (func_info: a FUNC; CO-RE: any type) and
    // CO-RE kinds.
    static Result<BtfExt> parse(std::span<const std::uint8_t> data, const Btf& btf);

    const std::vector<ExtSection<FuncInfo>>& func_info() const { return func_; }
    const std::vector<ExtSection<LineInfo>>& line_info() const { return line_; }
    const std::vector<ExtSection<CoreRelo>>& core_relos() const { return core_; }

    // Sections by name; nullptr when absent.
    const ExtSection<FuncInfo>* func_info_for(std::string_view sec) const;
    const ExtSection<LineInfo>* line_info_for(std::string_view sec) const;
    const ExtSection<CoreRelo>* core_relos_for(std::string_view sec) const;

private:
    std::vector<ExtSection<FuncInfo>> func_;
    std::vector<ExtSection<LineInfo>> line_;
    std::vector<ExtSection<CoreRelo>> core_;
};

}  // namespace rawops::btf

namespace rawops::btf {
// Record decoders (defined in btf_ext.cpp): fields beyond the known record
// size, when rec_size is larger, are ignored as libbpf does.
template <> FuncInfo ExtSection<FuncInfo>::at(std::uint32_t i) const;
template <> LineInfo ExtSection<LineInfo>::at(std::uint32_t i) const;
template <> CoreRelo ExtSection<CoreRelo>::at(std::uint32_t i) const;
}  // namespace rawops::btf
