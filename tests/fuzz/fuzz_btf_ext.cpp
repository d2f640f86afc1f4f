// libFuzzer target: arbitrary bytes as .BTF.ext against a fixed small .BTF
// (one FUNC, a struct, a few strings). Whatever parses is read back fully.
#include <cstddef>
#include <cstdint>
#include <span>

#include "btf/btf.h"
#include "btf/btf_ext.h"

using namespace rawops::btf;

namespace {

const Btf& small_btf() {
    static const std::uint8_t bytes[] = {
        0x9f, 0xeb, 1, 0, 24, 0, 0, 0,  // magic, version, flags, hdr_len
        0, 0, 0, 0, 64, 0, 0, 0,        // type_off 0, type_len 64
        64, 0, 0, 0, 14, 0, 0, 0,       // str_off 64, str_len 14
        // [1] INT 'int' size 4, signed 32 bits
        1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 32, 0, 0, 1,
        // [2] FUNC_PROTO ret int, vlen 0
        0, 0, 0, 0, 0, 0, 0, 13, 1, 0, 0, 0,
        // [3] FUNC 'f' -> [2], global
        5, 0, 0, 0, 1, 0, 0, 12, 2, 0, 0, 0,
        // [4] STRUCT 's' size 4 vlen 1: 'a' int @0
        7, 0, 0, 0, 1, 0, 0, 4, 4, 0, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        // strings at 0 "", 1 "int", 5 "f", 7 "s", 9 "a", 11 "0", 13 ""
        0, 'i', 'n', 't', 0, 'f', 0, 's', 0, 'a', 0, '0', 0, 0,
    };
    static auto r = Btf::parse(bytes, nullptr, "fuzz.BTF");
    if (!r.ok()) __builtin_trap();
    return *r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const Btf& btf = small_btf();
    auto ext = BtfExt::parse(std::span<const std::uint8_t>(data, size), btf);
    if (!ext.ok()) return 0;
    std::uint64_t sink = 0;
    for (const auto& s : ext->func_info())
        for (std::uint32_t i = 0; i < s.count(); ++i) sink += btf.type(s.at(i).type_id).vlen();
    for (const auto& s : ext->line_info())
        for (std::uint32_t i = 0; i < s.count(); ++i) sink += btf.str(s.at(i).file_name_off).size();
    for (const auto& s : ext->core_relos())
        for (std::uint32_t i = 0; i < s.count(); ++i)
            sink += btf.str(s.at(i).access_str_off).size() + core_relo_kind_name(s.at(i).kind)[0];
    if (sink == 0xdeadbeef) __builtin_trap();
    return 0;
}
