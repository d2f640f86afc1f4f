#include "loader/edits.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "loader/elf/elf_file.h"

namespace rawops {

namespace {

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return "";
    return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

// An integer of `size` bytes, signed or not, from text; the range is checked.
Result<std::vector<std::uint8_t>> encode_int(std::string_view text, std::uint32_t size, bool is_signed) {
    const std::string t = trim(text);
    if (t.empty()) return Error("an empty value where a number is wanted");
    char* end = nullptr;
    errno = 0;
    std::uint64_t bits = 0;
    if (t[0] == '-') {
        if (!is_signed) return Error("'" + t + "' is negative, the type is unsigned");
        const long long v = std::strtoll(t.c_str(), &end, 0);
        if (errno || *end) return Error("'" + t + "' is not a number");
        if (size < 8 && v < -(1LL << (size * 8 - 1))) return Error("'" + t + "' is below the type's range");
        bits = static_cast<std::uint64_t>(v);
    } else {
        bits = std::strtoull(t.c_str(), &end, 0);
        if (errno || *end) return Error("'" + t + "' is not a number");
        const unsigned width = size * 8 - (is_signed ? 1 : 0);
        if (width < 64 && bits >> width) return Error("'" + t + "' does not fit in " + std::to_string(size) + " bytes" + (is_signed ? ", signed" : ""));
    }
    std::vector<std::uint8_t> out(size);
    std::memcpy(out.data(), &bits, std::min<std::size_t>(size, 8));  // little endian
    return out;
}

bool is_char_like(const btf::Btf& b, btf::TypeId id) {
    auto r = b.resolve(id);
    return r && b.type(*r).kind() == btf::Kind::Int && b.type(*r).size() == 1;
}

}  // namespace

Result<std::vector<std::uint8_t>> encode_value(const btf::Btf& b, btf::TypeId type, std::string_view text) {
    auto r = b.resolve(type);
    if (!r) return std::move(r).error();
    const btf::TypeView t = b.type(*r);
    switch (t.kind()) {
        case btf::Kind::Int: {
            const btf::IntInfo info = t.int_info();
            if (info.is_bool()) {
                const std::string v = trim(text);
                std::vector<std::uint8_t> out(t.size(), 0);
                if (v == "true" || v == "1") out[0] = 1;
                else if (v != "false" && v != "0") return Error("'" + v + "' is not a bool (true, false, 1 or 0)");
                return out;
            }
            if (t.size() > 8) return Error("integers wider than 8 bytes cannot be set from text");
            return encode_int(text, t.size(), info.is_signed());
        }
        case btf::Kind::Enum:
        case btf::Kind::Enum64: {
            const std::string v = trim(text);
            for (const btf::EnumValue& e : t.enum_values())
                if (e.name == v) {
                    std::vector<std::uint8_t> out(t.size());
                    std::memcpy(out.data(), &e.value, std::min<std::size_t>(t.size(), 8));
                    return out;
                }
            auto n = encode_int(v, t.size(), t.enum_is_signed());
            if (!n) return Error("'" + v + "' is neither an enumerator of " + b.describe(*r) + " nor a number");
            return n;
        }
        case btf::Kind::Array: {
            const btf::ArrayInfo a = t.array();
            auto esize = b.size_of(a.elem_type);
            if (!esize) return std::move(esize).error();
            // The whole array's size, checked (a crafted nelems times a
            // crafted element size overflowed, or asked for terabytes): no
            // global variable is larger than its section, at most 1 GiB.
            auto total = b.size_of(*r);
            if (!total) return std::move(total).error();
            if (*total > (1u << 30))
                return Error(b.describe(*r) + " is " + std::to_string(*total) +
                             " bytes: larger than any global data section (1 GiB)");
            std::vector<std::uint8_t> out(*total, 0);
            if (is_char_like(b, a.elem_type)) {
                std::string s(text);
                if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
                if (s.size() >= a.nelems)
                    return Error("the string '" + s + "' is " + std::to_string(s.size()) + " characters; char[" +
                                 std::to_string(a.nelems) + "] holds " + std::to_string(a.nelems ? a.nelems - 1 : 0) +
                                 " and its NUL");
                std::memcpy(out.data(), s.data(), s.size());
                return out;
            }
            std::size_t i = 0, at = 0;
            const std::string s(text);
            while (at <= s.size()) {
                const auto comma = s.find(',', at);
                const std::string item = s.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
                if (i >= a.nelems)
                    return Error("more than " + std::to_string(a.nelems) + " values for an array of " + std::to_string(a.nelems));
                auto e = encode_value(b, a.elem_type, item);
                if (!e) return std::move(e).error().context("element " + std::to_string(i));
                std::memcpy(out.data() + i * *esize, e->data(), e->size());
                ++i;
                if (comma == std::string::npos) break;
                at = comma + 1;
            }
            return out;
        }
        default:
            return Error(std::string("a ") + btf::kind_name(t.kind()) + " (" + b.describe(*r) +
                         ") cannot be set from text; set its members one by one");
    }
}

std::string decode_value(const btf::Btf& b, btf::TypeId type, std::span<const std::uint8_t> bytes) {
    auto r = b.resolve(type);
    if (!r) return "?";
    const btf::TypeView t = b.type(*r);
    auto size = b.size_of(*r);
    if (!size || *size > bytes.size()) return "?";
    if (t.kind() == btf::Kind::Int && t.size() <= 8) {
        std::uint64_t v = 0;
        std::memcpy(&v, bytes.data(), t.size());
        if (t.int_info().is_bool()) return v ? "true" : "false";
        if (t.int_info().is_signed() && t.size() < 8 && (v >> (t.size() * 8 - 1)) & 1) v |= ~0ull << (t.size() * 8);
        return t.int_info().is_signed() ? std::to_string(static_cast<std::int64_t>(v)) : std::to_string(v);
    }
    if (t.is_enum()) {
        std::uint64_t v = 0;
        std::memcpy(&v, bytes.data(), std::min<std::size_t>(t.size(), 8));
        for (const btf::EnumValue& e : t.enum_values())
            if ((e.value & (t.size() < 8 ? (1ull << (t.size() * 8)) - 1 : ~0ull)) == v) return std::string(e.name);
        return std::to_string(v);
    }
    if (t.kind() == btf::Kind::Array && is_char_like(b, t.array().elem_type)) {
        const auto n = std::min<std::size_t>(t.array().nelems, bytes.size());
        const auto* p = reinterpret_cast<const char*>(bytes.data());
        return "\"" + std::string(p, strnlen(p, n)) + "\"";
    }
    if (t.kind() == btf::Kind::Array) {
        auto esize = b.size_of(t.array().elem_type);
        if (!esize || *esize == 0) return "?";
        std::string out;
        const std::uint32_t shown = std::min<std::uint32_t>(t.array().nelems, 8);
        for (std::uint32_t i = 0; i < shown; ++i)
            out += (i ? "," : "") + decode_value(b, t.array().elem_type, bytes.subspan(i * *esize, *esize));
        return t.array().nelems > shown ? out + ",... (" + std::to_string(t.array().nelems) + ")" : out;
    }
    bool zero = std::all_of(bytes.begin(), bytes.begin() + *size, [](std::uint8_t c) { return c == 0; });
    return zero ? "(zero)" : "(" + std::to_string(*size) + " bytes)";
}

std::vector<GlobalVar> global_vars(const Object& obj) {
    std::vector<GlobalVar> out;
    const btf::Btf& b = obj.btf();
    for (std::size_t d = 0; d < obj.global_data().size(); ++d) {
        const GlobalData& g = obj.global_data()[d];
        if (!g.datasec) continue;
        std::vector<GlobalVar> here;
        for (const btf::VarSecInfo& v : b.type(g.datasec).var_secinfos()) {
            const btf::TypeView var = b.type(v.type);
            if (var.kind() != btf::Kind::Var) continue;
            // clang leaves DATASEC offsets at 0; the symbol knows where it is.
            const elf::Symbol* sym = obj.elf().find_symbol(g.section_index, var.name());
            if (!sym) continue;
            auto size = b.size_of(var.ref_type());
            if (!size) continue;
            here.push_back(GlobalVar{std::string(var.name()), d, v.type, var.ref_type(),
                                     static_cast<std::uint32_t>(sym->value), *size});
        }
        std::sort(here.begin(), here.end(), [](const GlobalVar& a, const GlobalVar& c) { return a.offset < c.offset; });
        out.insert(out.end(), here.begin(), here.end());
    }
    return out;
}

Result<DataResize> plan_data_resize(const Object& obj, std::size_t data, std::uint32_t elements) {
    const GlobalData& g = obj.global_data()[data];
    const std::string what = obj.path() + ": resizing section " + g.section;
    const btf::Btf& b = obj.btf();
    const GlobalVar* last = nullptr;
    const auto vars = global_vars(obj);
    for (const GlobalVar& v : vars)
        if (v.data == data) last = &v;
    if (!last) return Error(what + ": it has no variable with BTF");
    auto arr = b.resolve(last->type);
    if (!arr || b.type(*arr).kind() != btf::Kind::Array)
        return Error(what + ": its last variable '" + last->name + "' is not an array (libbpf resizes only that way)");
    const btf::ArrayInfo a = b.type(*arr).array();
    auto esize = b.size_of(a.elem_type);
    if (!esize || *esize == 0) return Error(what + ": the element size of '" + last->name + "' is unknown");
    if (elements == 0) return Error(what + ": an array of 0 elements");
    DataResize r;
    r.data = data;
    r.var = last->var;
    r.elem_type = a.elem_type;
    r.index_type = a.index_type;
    r.elements = elements;
    r.new_size = std::uint64_t{last->offset} + std::uint64_t{*esize} * elements;
    return r;
}

}  // namespace rawops
