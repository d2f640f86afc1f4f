#include "loader/struct_ops/exit_info.h"

#include "loader/struct_ops/registered.h"

#include <cstring>
#include <vector>

#include "btf/btf.h"
#include "loader/struct_ops/registered.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

namespace rawops::struct_ops {

namespace {

// The name of value `kind` in the running kernel's enum scx_exit_kind.
std::string kind_name(std::int64_t kind) {
    auto v = btf::Btf::open_vmlinux();
    if (v) {
        if (auto id = v->find("scx_exit_kind", btf::Kind::Enum))
            for (const btf::EnumValue& e : v->type(*id).enum_values())
                if (static_cast<std::int64_t>(e.value) == kind) return std::string(e.name);
    }
    return "?";
}

std::string text_at(const std::vector<std::uint8_t>& v, std::size_t off, std::size_t len) {
    if (off >= v.size()) return "";
    const auto* p = reinterpret_cast<const char*>(v.data() + off);
    return std::string(p, strnlen(p, std::min(len, v.size() - off)));
}

}  // namespace

Result<std::optional<std::string>> read_exit_info(int map_fd) {
    auto info = sys::map_info(map_fd);
    if (!info) return std::move(info).error();
    if (!info->btf_id || !info->btf_value_type_id) return std::optional<std::string>{};
    auto b = read_btf_object(info->btf_id, "map BTF");
    if (!b) return std::move(b).error();
    const btf::TypeView ds = b->type(info->btf_value_type_id);
    if (ds.kind() != btf::Kind::Datasec) return std::optional<std::string>{};
    for (const btf::VarSecInfo& vsi : ds.var_secinfos()) {
        const btf::TypeView var = b->type(vsi.type);
        auto t = b->resolve(var.ref_type());
        if (!t || b->type(*t).name() != "user_exit_info") continue;
        std::vector<std::uint8_t> value(info->value_size);
        const std::uint32_t key = 0;
        RAWOPS_TRY(sys::map_lookup_elem(map_fd, sys::bytes_of(key), std::as_writable_bytes(std::span(value))));
        std::int64_t kind = 0, code = 0;
        std::string reason, msg;
        for (const btf::Member& m : b->type(*t).members()) {
            const std::size_t off = vsi.offset + m.bit_offset / 8;
            auto size = b->size_of(m.type);
            if (!size || off + *size > value.size()) continue;
            if (m.name == "kind") {
                std::int32_t k = 0;
                std::memcpy(&k, &value[off], std::min<std::size_t>(*size, 4));
                kind = k;
            } else if (m.name == "exit_code") {
                std::memcpy(&code, &value[off], std::min<std::size_t>(*size, 8));
            } else if (m.name == "reason") {
                reason = text_at(value, off, *size);
            } else if (m.name == "msg") {
                msg = text_at(value, off, *size);
            }
        }
        if (kind == 0) return std::optional<std::string>{"no exit recorded (kind SCX_EXIT_NONE)"};
        return std::optional<std::string>{"kind " + kind_name(kind) + " (" + std::to_string(kind) + "), exit code " +
                                          std::to_string(code) + ", reason '" + reason + "', message '" + msg + "'"};
    }
    return std::optional<std::string>{};
}

}  // namespace rawops::struct_ops
