// .BTF.ext: header, then three info blocks of per-section record arrays.
#include "btf/btf_ext.h"

#include <cstring>

#include "btf/raw_layout.h"

namespace rawops::btf {

namespace {

using raw::u32;

std::string num(std::uint64_t v) { return std::to_string(v); }

// Known record sizes (libbpf's struct bpf_func_info, bpf_line_info,
// bpf_core_relo): a larger rec_size is a newer producer, a smaller one is
// malformed.
constexpr std::uint32_t kFuncInfoSize = 8;
constexpr std::uint32_t kLineInfoSize = 16;
constexpr std::uint32_t kCoreReloSize = 16;
constexpr std::uint32_t kMinHeader = 24;   // up to line_info_len
constexpr std::uint32_t kCoreHeader = 32;  // with core_relo_off/len

struct Block {
    const char* what;
    std::uint32_t off, len;
};

Error ext_error(const std::string& what) { return Error(".BTF.ext: " + what); }

template <typename Rec>
Status parse_block(std::span<const std::uint8_t> data, std::uint32_t hdr_len, const Block& b,
                   std::uint32_t min_rec, const Btf& btf, std::vector<ExtSection<Rec>>& out) {
    if (b.len == 0) return {};
    const std::string where = std::string(b.what) + " block";
    std::uint64_t start = std::uint64_t{hdr_len} + b.off, end = start + b.len;
    if (end > data.size())
        return ext_error(where + " [" + num(b.off) + ", " + num(std::uint64_t{b.off} + b.len) +
                         ") runs past the end of the section (" + num(data.size() - hdr_len) + " bytes after the header)");
    if (b.off % 4 != 0) return ext_error(where + " offset " + num(b.off) + " is not 4-byte aligned");
    if (b.len < 4) return ext_error(where + " is " + num(b.len) + " bytes, too short for its record size");
    const std::uint8_t* p = data.data() + start;
    std::uint32_t rec_size = u32(p);
    if (rec_size < min_rec || rec_size % 4 != 0)
        return ext_error(where + ": record size " + num(rec_size) + " is invalid (at least " + num(min_rec) +
                         ", a multiple of 4)");
    std::uint64_t pos = 4;
    while (pos < b.len) {
        std::string at = where + " at offset " + num(pos);
        if (b.len - pos < 8) return ext_error(at + ": truncated section header");
        std::uint32_t name_off = u32(p + pos), count = u32(p + pos + 4);
        if (!btf.valid_str_off(name_off))
            return ext_error(at + ": section name offset " + num(name_off) + " out of range in BTF '" + btf.name() + "'");
        std::string_view sec = btf.str(name_off);
        at = where + ", section '" + std::string(sec) + "'";
        if (sec.empty()) return ext_error(at + ": empty section name");
        if (count == 0) return ext_error(at + ": no records");
        std::uint64_t bytes = std::uint64_t{count} * rec_size;
        if (bytes > b.len - pos - 8)
            return ext_error(at + ": " + num(count) + " records of " + num(rec_size) + " bytes run past the block");
        ExtSection<Rec> s;
        s.sec_name = sec;
        s.sec_name_off = name_off;
        s.rec_size = rec_size;
        s.bytes = data.subspan(start + pos + 8, bytes);
        pos += 8 + bytes;
        out.push_back(s);
    }
    return {};
}

// In an object file insn_off is a byte offset into the ELF section, so it
// lands on an instruction (8 bytes). Whether it is inside the section is for
// the caller, who has the ELF file.
Status check_insn_off(std::uint32_t insn_off, const std::string& at) {
    if (insn_off % 8 == 0) return {};
    return ext_error(at + ": insn_off " + num(insn_off) + " is not a multiple of 8 (an instruction)");
}

Status check_records(const Btf& btf, const std::vector<ExtSection<FuncInfo>>& secs) {
    for (const auto& s : secs)
        for (std::uint32_t i = 0; i < s.count(); ++i) {
            FuncInfo f = s.at(i);
            std::string at = "func_info of section '" + std::string(s.sec_name) + "', record " + num(i);
            RAWOPS_TRY(check_insn_off(f.insn_off, at));
            if (!btf.has_type(f.type_id))
                return ext_error(at + ": type id " + num(f.type_id) + " out of range in BTF '" + btf.name() + "'");
            if (btf.type(f.type_id).kind() != Kind::Func)
                return ext_error(at + ": " + btf.describe(f.type_id) + " is not a FUNC");
        }
    return {};
}

Status check_records(const Btf& btf, const std::vector<ExtSection<LineInfo>>& secs) {
    for (const auto& s : secs)
        for (std::uint32_t i = 0; i < s.count(); ++i) {
            LineInfo l = s.at(i);
            std::string at = "line_info of section '" + std::string(s.sec_name) + "', record " + num(i);
            RAWOPS_TRY(check_insn_off(l.insn_off, at));
            if (!btf.valid_str_off(l.file_name_off))
                return ext_error(at + ": file name offset " + num(l.file_name_off) + " out of range");
            if (!btf.valid_str_off(l.line_off))
                return ext_error(at + ": line text offset " + num(l.line_off) + " out of range");
        }
    return {};
}

Status check_records(const Btf& btf, const std::vector<ExtSection<CoreRelo>>& secs) {
    for (const auto& s : secs)
        for (std::uint32_t i = 0; i < s.count(); ++i) {
            CoreRelo r = s.at(i);
            std::string at = "CO-RE relocation of section '" + std::string(s.sec_name) + "', record " + num(i);
            RAWOPS_TRY(check_insn_off(r.insn_off, at));
            if (!btf.has_type(r.type_id))
                return ext_error(at + ": type id " + num(r.type_id) + " out of range in BTF '" + btf.name() + "'");
            if (!btf.valid_str_off(r.access_str_off))
                return ext_error(at + ": access string offset " + num(r.access_str_off) + " out of range");
            if (static_cast<std::uint32_t>(r.kind) > kCoreReloKindMax)
                return ext_error(at + ": unknown relocation kind " + num(static_cast<std::uint32_t>(r.kind)));
        }
    return {};
}

template <typename Rec>
const ExtSection<Rec>* by_name(const std::vector<ExtSection<Rec>>& v, std::string_view sec) {
    for (const auto& s : v)
        if (s.sec_name == sec) return &s;
    return nullptr;
}

}  // namespace

const char* core_relo_kind_name(CoreReloKind kind) {
    switch (kind) {
    case CoreReloKind::FieldByteOffset: return "byte_off";
    case CoreReloKind::FieldByteSize: return "byte_sz";
    case CoreReloKind::FieldExists: return "field_exists";
    case CoreReloKind::FieldSigned: return "signed";
    case CoreReloKind::FieldLshiftU64: return "lshift_u64";
    case CoreReloKind::FieldRshiftU64: return "rshift_u64";
    case CoreReloKind::TypeIdLocal: return "local_type_id";
    case CoreReloKind::TypeIdTarget: return "target_type_id";
    case CoreReloKind::TypeExists: return "type_exists";
    case CoreReloKind::TypeSize: return "type_size";
    case CoreReloKind::EnumvalExists: return "enumval_exists";
    case CoreReloKind::EnumvalValue: return "enumval_value";
    case CoreReloKind::TypeMatches: return "type_matches";
    }
    return "unknown";
}

template <>
FuncInfo ExtSection<FuncInfo>::at(std::uint32_t i) const {
    if (i >= count()) return {};
    const std::uint8_t* p = bytes.data() + std::size_t{i} * rec_size;
    return {u32(p), u32(p + 4)};
}

template <>
LineInfo ExtSection<LineInfo>::at(std::uint32_t i) const {
    if (i >= count()) return {};
    const std::uint8_t* p = bytes.data() + std::size_t{i} * rec_size;
    return {u32(p), u32(p + 4), u32(p + 8), u32(p + 12)};
}

template <>
CoreRelo ExtSection<CoreRelo>::at(std::uint32_t i) const {
    if (i >= count()) return {};
    const std::uint8_t* p = bytes.data() + std::size_t{i} * rec_size;
    return {u32(p), u32(p + 4), u32(p + 8), static_cast<CoreReloKind>(u32(p + 12))};
}

Result<BtfExt> BtfExt::parse(std::span<const std::uint8_t> data, const Btf& btf) {
    if (data.size() < 8) return ext_error("truncated: " + num(data.size()) + " bytes, shorter than the header");
    const std::uint8_t* p = data.data();
    std::uint16_t magic = raw::u16(p);
    if (magic != BTF_MAGIC) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "bad magic 0x%04x (expected 0xeb9f)", magic);
        return ext_error(buf);
    }
    if (p[2] != 1) return ext_error("unsupported version " + num(p[2]));
    if (p[3] != 0) return ext_error("unsupported flags 0x" + num(p[3]));
    std::uint32_t hdr_len = u32(p + 4);
    if (hdr_len < kMinHeader) return ext_error("hdr_len " + num(hdr_len) + " is shorter than " + num(kMinHeader));
    if (hdr_len > data.size())
        return ext_error("truncated: hdr_len " + num(hdr_len) + " but only " + num(data.size()) + " bytes");

    BtfExt ext;
    RAWOPS_TRY(parse_block(data, hdr_len, {"func_info", u32(p + 8), u32(p + 12)}, kFuncInfoSize, btf, ext.func_));
    RAWOPS_TRY(parse_block(data, hdr_len, {"line_info", u32(p + 16), u32(p + 20)}, kLineInfoSize, btf, ext.line_));
    if (hdr_len >= kCoreHeader)
        RAWOPS_TRY(parse_block(data, hdr_len, {"core_relo", u32(p + 24), u32(p + 28)}, kCoreReloSize, btf, ext.core_));
    RAWOPS_TRY(check_records(btf, ext.func_));
    RAWOPS_TRY(check_records(btf, ext.line_));
    RAWOPS_TRY(check_records(btf, ext.core_));
    return ext;
}

const ExtSection<FuncInfo>* BtfExt::func_info_for(std::string_view sec) const { return by_name(func_, sec); }
const ExtSection<LineInfo>* BtfExt::line_info_for(std::string_view sec) const { return by_name(line_, sec); }
const ExtSection<CoreRelo>* BtfExt::core_relos_for(std::string_view sec) const { return by_name(core_, sec); }

}  // namespace rawops::btf
