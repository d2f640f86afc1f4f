// bpftool's raw format, field for field (bpftool btf.c dump_btf_type):
//   [id] KIND 'name' <kind fields>
//   \t<one line per member / param / enum value / datasec entry>
#include "btf/format_raw.h"

#include <cinttypes>
#include <cstdarg>
#include <cstring>

namespace rawops::btf {

namespace {

void append(std::string& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void append(std::string& out, const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (static_cast<std::size_t>(n) < sizeof buf) {
        out.append(buf, static_cast<std::size_t>(n));
        return;
    }
    std::string big(static_cast<std::size_t>(n) + 1, '\0');
    va_start(ap, fmt);
    std::vsnprintf(big.data(), big.size(), fmt, ap);
    va_end(ap);
    out.append(big.data(), static_cast<std::size_t>(n));
}

// bpftool prints "(anon)" for offset 0, and the string (maybe "") otherwise.
void append_name(std::string& out, const Btf& btf, std::uint32_t off) {
    out += '\'';
    if (off == 0) out += "(anon)";
    else out += btf.str(off);
    out += '\'';
}

const char* int_encoding(unsigned enc) {
    switch (enc) {
    case 0: return "(none)";
    case 1: return "SIGNED";
    case 2: return "CHAR";
    case 4: return "BOOL";
    default: return "UNKN";
    }
}

const char* linkage_word(std::uint32_t l) {
    switch (l) {
    case 0: return "static";
    case 1: return "global";
    case 2: return "extern";
    default: return "(unknown)";
    }
}

// Raw records are read again here (not through Member etc.) so that the
// name offsets print exactly as stored, "(anon)" included.
std::uint32_t rec_u32(const TypeView& t, std::size_t byte_off) {
    std::uint32_t v;
    std::memcpy(&v, t.raw() + 12 + byte_off, sizeof v);
    return v;
}

void format_type(std::string& out, const Btf& btf, TypeId id) {
    TypeView t = btf.type(id);
    append(out, "[%u] %s ", id, kind_name(t.kind()));
    append_name(out, btf, t.name_off());
    const std::uint32_t vlen = t.vlen();
    switch (t.kind()) {
    case Kind::Int: {
        IntInfo i = t.int_info();
        append(out, " size=%u bits_offset=%u nr_bits=%u encoding=%s", t.size(), i.bit_offset, i.bits,
               int_encoding(i.encoding));
        break;
    }
    case Kind::Ptr: case Kind::Const: case Kind::Volatile: case Kind::Restrict: case Kind::Typedef:
    case Kind::TypeTag:
        append(out, " type_id=%u", t.ref_type());
        break;
    case Kind::Array: {
        ArrayInfo a = t.array();
        append(out, " type_id=%u index_type_id=%u nr_elems=%u", a.elem_type, a.index_type, a.nelems);
        break;
    }
    case Kind::Struct: case Kind::Union:
        append(out, " size=%u vlen=%u", t.size(), vlen);
        for (std::uint32_t i = 0; i < vlen; ++i) {
            Member m = t.member(i);
            out += "\n\t";
            append_name(out, btf, rec_u32(t, i * 12));
            append(out, " type_id=%u bits_offset=%u", m.type, m.bit_offset);
            if (m.bitfield_size) append(out, " bitfield_size=%u", m.bitfield_size);
        }
        break;
    case Kind::Enum: case Kind::Enum64: {
        bool is64 = t.kind() == Kind::Enum64;
        append(out, " encoding=%s size=%u vlen=%u", t.kflag() ? "SIGNED" : "UNSIGNED", t.size(), vlen);
        for (std::uint32_t i = 0; i < vlen; ++i) {
            EnumValue v = t.enum_value(i);
            out += "\n\t";
            append_name(out, btf, rec_u32(t, i * (is64 ? 12 : 8)));
            if (is64) {
                if (t.kflag()) append(out, " val=%lldLL", static_cast<long long>(v.signed_value()));
                else append(out, " val=%lluULL", static_cast<unsigned long long>(v.value));
            } else {
                if (t.kflag()) append(out, " val=%d", static_cast<int>(v.signed_value()));
                else append(out, " val=%u", static_cast<unsigned>(v.value));
            }
        }
        break;
    }
    case Kind::Fwd:
        append(out, " fwd_kind=%s", t.kflag() ? "union" : "struct");
        break;
    case Kind::Func:
        append(out, " type_id=%u linkage=%s", t.ref_type(), linkage_word(vlen));
        break;
    case Kind::FuncProto:
        append(out, " ret_type_id=%u vlen=%u", t.ref_type(), vlen);
        for (std::uint32_t i = 0; i < vlen; ++i) {
            out += "\n\t";
            append_name(out, btf, rec_u32(t, i * 8));
            append(out, " type_id=%u", t.param(i).type);
        }
        break;
    case Kind::Var:
        append(out, " type_id=%u, linkage=%s", t.ref_type(), linkage_word(rec_u32(t, 0)));
        break;
    case Kind::Datasec:
        append(out, " size=%u vlen=%u", t.size(), vlen);
        for (std::uint32_t i = 0; i < vlen; ++i) {
            VarSecInfo v = t.var_secinfo(i);
            append(out, "\n\ttype_id=%u offset=%u size=%u", v.type, v.offset, v.size);
            if (btf.has_type(v.type)) {
                TypeView vt = btf.type(v.type);
                append(out, " (%s ", kind_name(vt.kind()));
                append_name(out, btf, vt.name_off());
                out += ')';
            }
        }
        break;
    case Kind::Float:
        append(out, " size=%u", t.size());
        break;
    case Kind::DeclTag:
        append(out, " type_id=%u component_idx=%d", t.ref_type(), t.component_idx());
        break;
    case Kind::Void:
        break;
    }
    out += '\n';
}

}  // namespace

std::string format_raw_type(const Btf& btf, TypeId id) {
    std::string out;
    format_type(out, btf, id);
    return out;
}

void print_raw(const Btf& btf, std::FILE* out) {
    std::string buf;
    buf.reserve(1 << 16);
    for (TypeId id = btf.first_own_id(); id < btf.type_count(); ++id) {
        format_type(buf, btf, id);
        if (buf.size() >= (1 << 16) - 4096) {
            std::fwrite(buf.data(), 1, buf.size(), out);
            buf.clear();
        }
    }
    std::fwrite(buf.data(), 1, buf.size(), out);
}

}  // namespace rawops::btf
