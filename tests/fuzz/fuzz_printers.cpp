// libFuzzer target: every printer of BTF the CLI has, on whatever the BTF
// parser accepts. The input is parsed as BTF alone (`rawops btf FILE`) and as
// split BTF on a small fixed base (a crafted module's BTF, as `rawops types
// --btf-dir` and `plan --btf-dir` read it); each BTF that parses goes through
//   - the C dump (`btf dump --format c`): whole, and with single roots;
//   - the raw dump (`btf dump`, bpftool's format raw);
//   - value decoding (`map dump`, `show`): every struct, union, DATASEC and
//     VAR over a fixed byte pattern, as one-line text, the CLI's lines and
//     its JSON;
//   - the type spellings of `inspect` and `types`, and the struct_ops type
//     listing of `types` itself (append_struct_ops_types);
//   - member lookups through anonymous members (the plan's binding).
// Loops and fan-outs in the type graph must end in an error or a cut-off
// marker: a crash, a hang (libFuzzer -timeout) or a sanitizer report fails.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/format_c.h"
#include "btf/format_raw.h"
#include "btf/format_value.h"
// The CLI's printers are not in librawops.a (the fuzz library): their
// translation units are compiled in, as the unit tests do.
#include "loader/cli/type_text.cpp"    // NOLINT(bugprone-suspicious-include)
#include "loader/cli/value_print.cpp"  // NOLINT(bugprone-suspicious-include)

using namespace rawops;
using namespace rawops::btf;

namespace {

// A fixed base for the split case: [1] int, [2] struct s { int a; },
// [3] PTR -> [2], [4] FUNC_PROTO int (struct s *p): a module's types refer to
// vmlinux's as these ids.
const Btf& small_base() {
    static const std::uint8_t bytes[] = {
        0x9f, 0xeb, 1, 0, 24, 0, 0, 0,  // magic, version, flags, hdr_len
        0, 0, 0, 0, 72, 0, 0, 0,        // type_off 0, type_len 72
        72, 0, 0, 0, 11, 0, 0, 0,       // str_off 72, str_len 11
        // [1] INT 'int' size 4, signed 32 bits
        1, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 32, 0, 0, 1,
        // [2] STRUCT 's' size 4 vlen 1: 'a' int @0
        5, 0, 0, 0, 1, 0, 0, 4, 4, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,
        // [3] PTR -> [2]
        0, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0,
        // [4] FUNC_PROTO int (p: [3])
        0, 0, 0, 0, 1, 0, 0, 13, 1, 0, 0, 0, 9, 0, 0, 0, 3, 0, 0, 0,
        // strings: "" "int" "s" "a" "p"
        0, 'i', 'n', 't', 0, 's', 0, 'a', 0, 'p', 0,
    };
    static auto r = Btf::parse(bytes, nullptr, "base");
    if (!r.ok()) __builtin_trap();  // the fixed base itself must be valid
    return *r;
}

// Bytes for the value printer: zeros, small numbers and high bits; long
// enough for most crafted types, short for the rest (both paths count).
const std::vector<std::byte>& value_bytes() {
    static const std::vector<std::byte> bytes = [] {
        std::vector<std::byte> b(128);
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<std::byte>(i % 5 == 0 ? 0 : (i * 61) & 0xff);
        // A printable C string at the start, for char arrays.
        const char text[] = "rawops";
        for (std::size_t i = 0; i < sizeof text; ++i) b[i] = static_cast<std::byte>(text[i]);
        return b;
    }();
    return bytes;
}

std::FILE* null_out() {
    static std::FILE* f = std::fopen("/dev/null", "w");
    return f;
}

// How the CLI serializes JSON (print_json): invalid UTF-8 from crafted names
// is replaced, never thrown.
std::size_t json_size(const cli::Json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).size();
}

void exercise(const Btf& btf) {
    std::size_t sink = 0;

    // btf dump --format c: the whole header (kfunc prototypes included),
    // then a few types alone (--type), each with what it needs.
    if (auto c = format_c(btf); c.ok()) sink += c->size();
    else sink += c.error().message().size();
    unsigned roots = 0;
    for (TypeId id = btf.first_own_id(); id < btf.type_count() && roots < 8; ++id, ++roots) {
        CFormatOptions one;
        one.roots = {id};
        one.header = roots % 2 == 0;
        if (auto c = format_c(btf, one); c.ok()) sink += c->size();
        else sink += c.error().message().size();
    }

    // btf dump (raw), as the CLI writes it.
    print_raw(btf, null_out());

    for (TypeId id = btf.first_own_id(); id < btf.type_count(); ++id) {
        const TypeView t = btf.type(id);
        sink += btf.describe(id).size();
        // inspect's and types' spellings.
        sink += cli::type_text(btf, id).size();
        if (t.kind() == Kind::FuncProto) sink += cli::signature_text(btf, t, "(*f)").size();
        sink += btf.func_proto_of_pointer(id).vlen();
        // map dump / show: values of every type that has members or variables.
        if (t.is_composite() || t.kind() == Kind::Datasec || t.kind() == Kind::Var || t.kind() == Kind::Array) {
            const DecodedValue v = decode_value(btf, id, value_bytes());
            sink += value_text(v).size() + is_zero(v);
            for (const std::string& line : cli::value_lines(v)) sink += line.size();
            sink += json_size(cli::value_json(v));
        }
        // The binding's and the plan's member lookups (through anonymous members).
        if (t.is_composite()) {
            for (Member m : t.members()) {
                if (m.name.empty()) continue;
                if (auto f = btf.find_member(id, m.name); f.ok()) sink += f->path.size();
                else sink += f.error().message().size();
                (void)btf.func_proto_of_member(id, m.name);
            }
        }
        (void)btf.align_of(id);
        (void)btf.size_of(id);
    }

    // rawops types: the struct_ops types a (module) BTF defines, rendered.
    std::vector<cli::OpsType> types;
    cli::append_struct_ops_types(btf, btf.base() ? "fuzz_module" : "", types);
    for (const cli::OpsType& o : types)
        for (const cli::OpsMember& m : o.members) sink += m.declaration.size() + m.type.size();

    if (sink == 0xdeadbeef) __builtin_trap();  // keeps the work observable
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> bytes(data, size);
    if (auto r = Btf::parse(bytes, nullptr, "fuzz"); r.ok()) exercise(*r);
    if (auto r = Btf::parse(bytes, &small_base(), "fuzz-module"); r.ok()) exercise(*r);
    return 0;
}
