// Btf: header and section checks, the per-type offset index, TypeView
// decoding. Reference checks live in btf_validate.cpp, lookups in
// btf_query.cpp.
#include "btf/btf.h"

#include <cstring>

#include "btf/btf_impl.h"
#include "btf/raw_layout.h"

namespace rawops::btf {

namespace {

const char* const kKindNames[kKindMax + 1] = {
    "UNKNOWN", "INT",     "PTR",   "ARRAY",      "STRUCT", "UNION",   "ENUM",
    "FWD",     "TYPEDEF", "VOLATILE", "CONST",   "RESTRICT", "FUNC", "FUNC_PROTO",
    "VAR",     "DATASEC", "FLOAT", "DECL_TAG",   "TYPE_TAG", "ENUM64",
};

std::string num(std::uint64_t v) { return std::to_string(v); }

Error header_error(const std::string& btf_name, const std::string& what) {
    return Error("BTF '" + btf_name + "': " + what);
}

// The header fields and the placement of the two sections.
Status check_header(Btf::Impl& impl) {
    auto data = impl.data;
    const std::string& n = impl.name;
    if (data.size() < sizeof(struct btf_header))
        return header_error(n, "truncated: " + num(data.size()) + " bytes, the header alone needs " +
                                   num(sizeof(struct btf_header)));
    const std::uint8_t* p = data.data();
    Header& h = impl.hdr;
    h.magic = raw::u16(p);
    h.version = p[2];
    h.flags = p[3];
    h.hdr_len = raw::u32(p + 4);
    h.type_off = raw::u32(p + 8);
    h.type_len = raw::u32(p + 12);
    h.str_off = raw::u32(p + 16);
    h.str_len = raw::u32(p + 20);

    if (h.magic == 0x9feb) return header_error(n, "big-endian BTF (magic 0x9feb) is not supported");
    if (h.magic != BTF_MAGIC) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "bad magic 0x%04x (expected 0xeb9f)", h.magic);
        return header_error(n, buf);
    }
    if (h.version != BTF_VERSION) return header_error(n, "unsupported version " + num(h.version) + " (expected 1)");
    if (h.flags != 0) return header_error(n, "unsupported header flags 0x" + num(h.flags));
    if (h.hdr_len < sizeof(struct btf_header))
        return header_error(n, "hdr_len " + num(h.hdr_len) + " is shorter than the 24-byte header");
    if (h.hdr_len > data.size())
        return header_error(n, "truncated: hdr_len " + num(h.hdr_len) + " but only " + num(data.size()) + " bytes");
    // A longer header from a newer kernel is fine only if what we don't know is zero.
    for (std::uint32_t i = sizeof(struct btf_header); i < h.hdr_len; ++i)
        if (p[i] != 0) return header_error(n, "unknown non-zero header byte at offset " + num(i));

    std::uint64_t body = data.size() - h.hdr_len;
    std::uint64_t type_end = std::uint64_t{h.type_off} + h.type_len;
    std::uint64_t str_end = std::uint64_t{h.str_off} + h.str_len;
    if (h.type_off % 4 != 0) return header_error(n, "type section offset " + num(h.type_off) + " is not 4-byte aligned");
    if (h.type_len % 4 != 0) return header_error(n, "type section length " + num(h.type_len) + " is not a multiple of 4");
    if (type_end > body)
        return header_error(n, "truncated: type section [" + num(h.type_off) + ", " + num(type_end) +
                                   ") runs past the " + num(body) + " bytes after the header");
    if (str_end > body)
        return header_error(n, "truncated: string section [" + num(h.str_off) + ", " + num(str_end) +
                                   ") runs past the " + num(body) + " bytes after the header");
    if (h.type_len && h.str_len && h.type_off < str_end && h.str_off < type_end)
        return header_error(n, "type section and string section overlap");

    impl.types = p + h.hdr_len + h.type_off;
    impl.strs = reinterpret_cast<const char*>(p + h.hdr_len + h.str_off);
    impl.str_len = h.str_len;
    return {};
}

Status check_strings(Btf::Impl& impl) {
    const std::string& n = impl.name;
    if (impl.str_len == 0) {
        // A split BTF may add no strings; a base BTF needs at least "".
        if (impl.base) return {};
        return header_error(n, "empty string section (a base BTF needs at least the empty string)");
    }
    if (!impl.base && impl.strs[0] != '\0')
        return header_error(n, "string section does not start with the empty string");
    if (impl.strs[impl.str_len - 1] != '\0')
        return header_error(n, "string section does not end with a NUL byte");
    if (std::uint64_t{impl.start_str_off} + impl.str_len > BTF_MAX_NAME_OFFSET + 1ULL)
        return header_error(n, "string section too large (" + num(impl.str_len) + " bytes)");
    return {};
}

}  // namespace

const char* kind_name(Kind kind) {
    auto k = static_cast<unsigned>(kind);
    return k <= kKindMax ? kKindNames[k] : "UNKNOWN";
}

const char* linkage_name(Linkage linkage) {
    switch (linkage) {
    case Linkage::Static: return "static";
    case Linkage::Global: return "global";
    case Linkage::Extern: return "extern";
    }
    return "(unknown)";
}

std::string_view essential_name(std::string_view name) {
    // libbpf's bpf_core_essential_name_len: the last "X___Y" where neither X
    // nor Y is '_' marks the flavour; "a___b___c" is "a___b", "__x___" stays.
    for (std::size_t i = name.size() >= 5 ? name.size() - 5 + 1 : 0; i-- > 0;) {
        if (name[i] != '_' && name.compare(i + 1, 3, "___") == 0 && name[i + 4] != '_') return name.substr(0, i + 1);
    }
    return name;
}

// ---- TypeView ---------------------------------------------------------------

IntInfo TypeView::int_info() const {
    if (kind() != Kind::Int) return {};
    std::uint32_t v = raw::u32(rec_ + raw::kTypeHeaderSize);
    return {static_cast<std::uint8_t>(BTF_INT_ENCODING(v)), static_cast<std::uint8_t>(BTF_INT_OFFSET(v)),
            static_cast<std::uint8_t>(BTF_INT_BITS(v))};
}

ArrayInfo TypeView::array() const {
    if (kind() != Kind::Array) return {};
    const std::uint8_t* p = rec_ + raw::kTypeHeaderSize;
    return {raw::u32(p), raw::u32(p + 4), raw::u32(p + 8)};
}

Member TypeView::member(std::uint32_t i) const {
    if (!is_composite() || i >= vlen()) return {};
    const std::uint8_t* p = rec_ + raw::kTypeHeaderSize + i * sizeof(struct btf_member);
    std::uint32_t off = raw::u32(p + 8);
    Member m{btf_->str(raw::u32(p)), raw::u32(p + 4), off, 0};
    if (kflag()) {
        m.bit_offset = BTF_MEMBER_BIT_OFFSET(off);
        m.bitfield_size = BTF_MEMBER_BITFIELD_SIZE(off);
    }
    return m;
}

Param TypeView::param(std::uint32_t i) const {
    if (kind() != Kind::FuncProto || i >= vlen()) return {};
    const std::uint8_t* p = rec_ + raw::kTypeHeaderSize + i * sizeof(struct btf_param);
    return {btf_->str(raw::u32(p)), raw::u32(p + 4)};
}

EnumValue TypeView::enum_value(std::uint32_t i) const {
    if (i >= vlen()) return {};
    if (kind() == Kind::Enum) {
        const std::uint8_t* p = rec_ + raw::kTypeHeaderSize + i * sizeof(struct btf_enum);
        std::uint32_t v = raw::u32(p + 4);
        std::uint64_t wide = kflag() ? static_cast<std::uint64_t>(static_cast<std::int64_t>(static_cast<std::int32_t>(v)))
                                     : std::uint64_t{v};
        return {btf_->str(raw::u32(p)), wide};
    }
    if (kind() == Kind::Enum64) {
        const std::uint8_t* p = rec_ + raw::kTypeHeaderSize + i * sizeof(struct btf_enum64);
        return {btf_->str(raw::u32(p)), (std::uint64_t{raw::u32(p + 8)} << 32) | raw::u32(p + 4)};
    }
    return {};
}

VarSecInfo TypeView::var_secinfo(std::uint32_t i) const {
    if (kind() != Kind::Datasec || i >= vlen()) return {};
    const std::uint8_t* p = rec_ + raw::kTypeHeaderSize + i * sizeof(struct btf_var_secinfo);
    return {raw::u32(p), raw::u32(p + 4), raw::u32(p + 8)};
}

Linkage TypeView::linkage() const {
    if (kind() == Kind::Func) return static_cast<Linkage>(vlen());
    if (kind() == Kind::Var) return static_cast<Linkage>(raw::u32(rec_ + raw::kTypeHeaderSize));
    return Linkage::Static;
}

std::int32_t TypeView::component_idx() const {
    if (kind() != Kind::DeclTag) return -1;
    return static_cast<std::int32_t>(raw::u32(rec_ + raw::kTypeHeaderSize));
}

// ---- Btf --------------------------------------------------------------------

Btf::Btf(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) { sync_fast(); }

void Btf::sync_fast() {
    fast_.base = impl_->base;
    fast_.types = impl_->types;
    fast_.offsets = impl_->offsets.data();
    fast_.strs = impl_->strs;
    fast_.start_id = impl_->start_id;
    fast_.own_count = static_cast<std::uint32_t>(impl_->offsets.size());
    fast_.start_str_off = impl_->start_str_off;
    fast_.str_len = impl_->str_len;
}
Btf::Btf(Btf&&) noexcept = default;
Btf& Btf::operator=(Btf&&) noexcept = default;
Btf::~Btf() = default;

Result<Btf> Btf::parse(std::span<const std::uint8_t> data, const Btf* base, std::string name) {
    auto impl = std::make_unique<Impl>();
    impl->name = std::move(name);
    impl->base = base;
    impl->data = data;
    if (base) {
        impl->start_id = base->type_count();
        impl->start_str_off = base->str_end();
    }
    RAWOPS_TRY(check_header(*impl));
    RAWOPS_TRY(check_strings(*impl));
    RAWOPS_TRY(scan_types(*impl));
    return Btf(std::move(impl));
}

Result<Btf> Btf::parse(std::vector<std::uint8_t>&& bytes, const Btf* base, std::string name) {
    std::vector<std::uint8_t> owned = std::move(bytes);
    auto btf = parse(std::span<const std::uint8_t>(owned), base, std::move(name));
    if (!btf) return btf;
    // The span stays valid: moving a vector keeps its buffer.
    btf->impl_->owned = std::move(owned);
    return btf;
}

Result<Btf> Btf::open(const std::string& path, const Btf* base) {
    auto file = MappedFile::open(path);
    if (!file) return std::move(file).error();
    auto span = file->bytes();
    auto btf = parse(span, base, path);
    if (!btf) return btf;
    // The span stays valid: moving a MappedFile keeps its mapping or buffer.
    btf->impl_->file = std::move(*file);
    return btf;
}

bool Btf::is_kernel_path(std::string_view path) {
    constexpr std::string_view dir = "/sys/kernel/btf/";
    if (path.substr(0, dir.size()) != dir) return false;
    std::string_view name = path.substr(dir.size());
    return !name.empty() && name.find('/') == std::string_view::npos && name != "." && name != "..";
}

Result<Btf> Btf::open_kernel(const std::string& path, const Btf* base) {
    auto file = MappedFile::open(path);
    if (!file) return std::move(file).error();
    // A split BTF is trusted only on a trusted base: its references and
    // string offsets continue the base's.
    const bool trust = is_kernel_path(path) && file->on_sysfs() && (!base || base->trusted());
    auto impl = std::make_unique<Impl>();
    impl->name = path;
    impl->base = base;
    impl->data = file->bytes();
    if (base) {
        impl->start_id = base->type_count();
        impl->start_str_off = base->str_end();
    }
    RAWOPS_TRY(check_header(*impl));
    RAWOPS_TRY(check_strings(*impl));
    RAWOPS_TRY(trust ? scan_types_trusted(*impl) : scan_types(*impl));
    // The span stays valid: moving a MappedFile keeps its mapping or buffer.
    impl->file = std::move(*file);
    return Btf(std::move(impl));
}

Result<Btf> Btf::open_vmlinux() { return open_kernel("/sys/kernel/btf/vmlinux"); }

Result<Btf> Btf::open_module(const std::string& module, const Btf& vmlinux) {
    if (module.empty() || module.find('/') != std::string::npos || module == "." || module == "..")
        return Error("invalid module name '" + module + "'");
    return open_kernel("/sys/kernel/btf/" + module, &vmlinux);
}

const std::string& Btf::name() const { return impl_->name; }
const Btf* Btf::base() const { return impl_->base; }
const Header& Btf::header() const { return impl_->hdr; }
bool Btf::trusted() const { return impl_->trusted; }
bool Btf::sorted_by_name() const { return impl_->sorted_from != Impl::kNotSorted; }
void Btf::forget_name_order() { impl_->sorted_from = Impl::kNotSorted; }
std::span<const std::uint8_t> Btf::raw() const { return impl_->data; }

Result<TypeView> Btf::checked_type(TypeId id) const {
    if (id >= type_count())
        return Error("BTF '" + impl_->name + "': type id " + num(id) + " out of range (" + num(type_count()) +
                     " types)");
    return type(id);
}

std::string Btf::describe(TypeId id) const {
    TypeView t = type(id);
    std::string s = "[" + num(id) + "] " + kind_name(t.kind());
    std::string_view n = t.name();
    s += " '";
    s += n.empty() ? std::string_view("(anon)") : n;
    s += "'";
    return s;
}

}  // namespace rawops::btf
