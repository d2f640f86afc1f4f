// libFuzzer target: arbitrary bytes as raw BTF (alone, and as split BTF on a
// small base). Whatever parses must survive every query and the raw printer.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/format_raw.h"
#include "btf/format_value.h"

using namespace rawops::btf;

namespace {

// A fixed base for the split case: [1] int, [2] struct s { int a; }.
const Btf& small_base() {
    static const std::uint8_t bytes[] = {
        0x9f, 0xeb, 1, 0, 24, 0, 0, 0,  // magic, version, flags, hdr_len
        0, 0, 0, 0, 40, 0, 0, 0,        // type_off 0, type_len 40
        40, 0, 0, 0, 9, 0, 0, 0,        // str_off 40, str_len 9
        // [1] INT 'int' size 4, signed 32 bits
        1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 32, 0, 0, 1,
        // [2] STRUCT 's' size 4 vlen 1: 'a' int @0
        5, 0, 0, 0, 1, 0, 0, 4, 4, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        // strings: "" "int" "s" "a"
        0, 'i', 'n', 't', 0, 's', 0, 'a', 0,
    };
    static auto r = Btf::parse(bytes, nullptr, "base");
    if (!r.ok()) __builtin_trap();  // the fixed base itself must be valid
    return *r;
}

// Bytes for the value printer: a pattern with zeros, small numbers and high
// bits, enough for most types and short for the rest (both paths count).
const std::vector<std::byte>& value_bytes() {
    static const std::vector<std::byte> bytes = [] {
        std::vector<std::byte> b(96);
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(i % 7 == 0 ? 0 : (i * 37) & 0xff);
        return b;
    }();
    return bytes;
}

void exercise(const Btf& btf) {
    std::size_t sink = 0;
    for (TypeId id = btf.first_own_id(); id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        sink += format_raw_type(btf, id).size();
        // The value printer on whatever parses: bounded depth, no crash.
        // A smaller node budget than the default (2^18) keeps an input of
        // nested zero-sized structs fast; the bound is the same code.
        const DecodedValue v = decode_value(btf, id, value_bytes(), {.max_nodes = 1u << 12});
        sink += value_text(v).size() + is_zero(v) + scalar_text(v).size();
        (void)btf.resolve(id);
        (void)btf.size_of(id);
        (void)btf.align_of(id);
        if (!t.name().empty()) sink += btf.find(t.name(), t.kind()).ok();
        if (t.is_composite()) {
            for (Member m : t.members()) {
                if (m.name.empty()) continue;
                (void)btf.find_member(id, m.name);
                (void)btf.func_proto_of_member(id, m.name);
            }
        }
        for (Param p : t.params()) sink += p.name.size();
        for (EnumValue v : t.enum_values()) sink += v.name.size();
        for (VarSecInfo v : t.var_secinfos()) sink += v.size;
    }
    (void)btf.checked_type(btf.type_count());
    (void)btf.find_all("a");
    if (sink == 0xdeadbeef) __builtin_trap();  // keeps the work observable
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> bytes(data, size);
    if (auto r = Btf::parse(bytes, nullptr, "fuzz"); r.ok()) exercise(*r);
    if (auto r = Btf::parse(bytes, &small_base(), "fuzz-split"); r.ok()) exercise(*r);
    return 0;
}
