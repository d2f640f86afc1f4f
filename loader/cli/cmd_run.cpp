// rawops run OBJ.o PROG [ARG...]: load an object's programs without
// registering or attaching anything, run one program once with
// BPF_PROG_TEST_RUN, print what it returned and what it left in its
// arguments, and release everything the load created.
//
// BPF_PROG_TEST_RUN runs two kinds of program this command can feed:
//   - SEC("syscall"): ctx is any buffer the caller chooses (--ctx-hex,
//     --ctx-file); the kernel copies what the program wrote back into it.
//   - struct_ops programs of the kernel's test-only type bpf_dummy_ops
//     (net/bpf/bpf_dummy_struct_ops.c): ctx is the callback's arguments as
//     u64[], exactly as many as the member's prototype has; args[0] is a
//     user pointer to a struct bpf_dummy_ops_state (0: NULL), which the
//     kernel copies in before the call and back out after it.
// Every argument is checked against the member's FUNC_PROTO in the kernel's
// BTF, and struct fields are found by name there, so nothing about
// bpf_dummy_ops' members or its state's layout is written down here.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "loader/cli/command.h"
#include "loader/cli/json_out.h"
#include "loader/cli/load_common.h"
#include "loader/cli/type_text.h"
#include "loader/plan/executor.h"
#include "loader/sys/abi.h"

namespace rawops::cli {
namespace {

// The struct_ops type whose programs BPF_PROG_TEST_RUN accepts, and the
// struct the kernel copies args[0] to and from (bpf_dummy_ops_test_args).
constexpr std::string_view kDummyOps = "bpf_dummy_ops";
constexpr std::string_view kDummyState = "bpf_dummy_ops_state";

struct RunOptions {
    std::string object;
    std::string program;
    std::vector<std::string> args;  // struct_ops arguments, one per parameter
    std::string ctx_hex, ctx_file;  // syscall context
    ObjectArgs object_args;         // --map, --set, --resize, --no-profile
    bool json = false;
    TraceOptions trace;
    unsigned log_level = 0;
};

// ---- integers -------------------------------------------------------------

// A number as typed: decimal or 0x hex, with an optional sign.
struct Number {
    bool negative = false;
    std::uint64_t magnitude = 0;
};

std::optional<Number> parse_number(std::string_view s) {
    Number n;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        n.negative = s[0] == '-';
        s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s.remove_prefix(2);
    }
    if (s.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n.magnitude, base);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    if (n.magnitude == 0) n.negative = false;
    return n;
}

// An integer (or enum) type of the kernel's BTF: how many bytes, and whether
// its values read as signed.
struct IntType {
    std::uint32_t size = 0;
    bool is_signed = false;
};

std::optional<IntType> int_type(const btf::Btf& b, btf::TypeId id) {
    auto r = b.resolve(id);
    if (!r) return std::nullopt;
    const btf::TypeView t = b.type(*r);
    const std::uint32_t size = t.size();
    if (size == 0 || size > 8) return std::nullopt;  // __int128 and friends: not from a command line
    if (t.kind() == btf::Kind::Int) return IntType{size, t.int_info().is_signed()};
    if (t.is_enum()) return IntType{size, t.enum_is_signed()};
    return std::nullopt;
}

std::uint64_t width_mask(std::uint32_t size) { return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1; }

// `n` as an integer of `type`, widened to 64 bits as a C caller would pass
// it (sign-extended if the type is signed). Accepted: anything an N-bit
// integer can hold read either way, -2^(N-1) .. 2^N-1, so that -1 and
// 0xffffffff both mean "all ones" whatever the signedness.
Result<std::uint64_t> encode_int(const Number& n, IntType type, const std::string& what, std::string_view text) {
    const std::uint64_t umax = width_mask(type.size);
    const std::uint64_t most_negative = 1ull << (type.size * 8 - 1);  // its magnitude
    if (n.negative ? n.magnitude > most_negative : n.magnitude > umax)
        return Error(what + ": " + std::string(text) + " does not fit in " + std::to_string(type.size * 8) +
                     " bits (-" + std::to_string(most_negative) + " .. " + std::to_string(umax) + ")");
    std::uint64_t v = (n.negative ? ~n.magnitude + 1 : n.magnitude) & umax;
    if (type.is_signed && (v & most_negative)) v |= ~umax;
    return v;
}

// Bits of an integer of `type`, as a decimal as the type reads it.
std::string decimal_of(std::uint64_t bits, IntType type) {
    bits &= width_mask(type.size);
    if (type.is_signed && type.size < 8 && (bits >> (type.size * 8 - 1)) & 1) bits |= ~width_mask(type.size);
    return type.is_signed ? std::to_string(static_cast<std::int64_t>(bits)) : std::to_string(bits);
}

std::string hex_of(std::uint64_t bits, IntType type) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(bits & width_mask(type.size)));
    return buf;
}

// JSON: a number, except 64-bit values that may exceed 2^53 (docs/schema/README.md).
Json json_of(std::uint64_t bits, IntType type) {
    if (type.size >= 8) return decimal_of(bits, type);
    return type.is_signed ? Json(std::stoll(decimal_of(bits, type))) : Json(bits & width_mask(type.size));
}

std::string hex_bytes(std::span<const std::byte> bytes) {
    std::string s;
    char buf[4];
    for (std::byte b : bytes) {
        std::snprintf(buf, sizeof buf, "%02x", static_cast<unsigned>(b));
        s += buf;
    }
    return s;
}

// ---- structs passed by pointer ----------------------------------------------

// A member of a struct the program gets a pointer to.
struct Field {
    std::string name, type;
    std::uint32_t offset = 0, size = 0;
    std::optional<IntType> integer;  // nullopt: shown as bytes only, not settable
};

Result<std::vector<Field>> fields_of(const btf::Btf& b, btf::TypeId struct_id) {
    std::vector<Field> fields;
    for (const btf::Member& m : b.type(struct_id).members()) {
        Field f;
        f.name = m.name.empty() ? "(anonymous)" : std::string(m.name);
        f.type = type_text(b, m.type);
        f.offset = m.bit_offset / 8;
        auto size = b.size_of(m.type);
        if (!size) return std::move(size).error().context("struct " + std::string(b.type(struct_id).name()));
        f.size = *size;
        // A bitfield shares its bytes with its neighbours: neither set nor
        // decoded here (bpf_dummy_ops_state has none).
        if (m.bitfield_size == 0 && m.bit_offset % 8 == 0) f.integer = int_type(b, m.type);
        fields.push_back(std::move(f));
    }
    return fields;
}

std::uint64_t load_field(std::span<const std::byte> mem, const Field& f) {
    std::uint64_t v = 0;  // little-endian, as BPF targets on this host are
    std::memcpy(&v, mem.data() + f.offset, std::min<std::uint32_t>(f.size, 8));
    return v;
}

std::string field_names(const std::vector<Field>& fields) {
    std::string s;
    for (const Field& f : fields) s += (s.empty() ? "" : ", ") + f.name;
    return s;
}

// "FIELD=VALUE,FIELD=VALUE" into the struct's bytes; fields not named stay 0.
Status fill_fields(std::string_view spec, const std::vector<Field>& fields, std::span<std::byte> mem,
                   const std::string& what) {
    while (!spec.empty()) {
        const std::string_view item = spec.substr(0, spec.find(','));
        spec.remove_prefix(std::min(spec.size(), item.size() + 1));
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0)
            return Error(what + ": '" + std::string(item) + "': expected FIELD=VALUE");
        const std::string name(item.substr(0, eq));
        const auto f = std::find_if(fields.begin(), fields.end(), [&](const Field& x) { return x.name == name; });
        if (f == fields.end())
            return Error(what + ": the struct has no field '" + name + "' (its fields: " + field_names(fields) + ")");
        if (!f->integer) return Error(what + ": field '" + name + "' (" + f->type + ") is not an integer: it cannot be set");
        const std::string_view text = item.substr(eq + 1);
        auto n = parse_number(text);
        if (!n) return Error(what + ": field '" + name + "': '" + std::string(text) + "' is not a number (decimal or 0x hex)");
        auto bits = encode_int(*n, *f->integer, what + ": field '" + name + "' (" + f->type + ")", text);
        if (!bits) return std::move(bits).error();
        std::memcpy(mem.data() + f->offset, &*bits, f->size);
    }
    return {};
}

// ---- bpf_dummy_ops arguments --------------------------------------------------

// The member a struct_ops program implements, from the kernel's BTF.
struct DummyMember {
    std::string name;
    std::uint32_t index = 0;
    btf::TypeView proto;    // FUNC_PROTO
    std::string signature;  // "int test_1(struct bpf_dummy_ops_state *)"
    bool sleepable = false;
};

// One argument as it goes into ctx_in, and for a struct the memory behind it.
struct Arg {
    enum class Kind { Integer, Null, Struct };
    Kind kind = Kind::Integer;
    std::string given, type;  // as typed; the parameter's C type
    std::uint64_t slot = 0;   // Integer: ctx_in[i]
    std::optional<IntType> integer;
    // Struct: the kernel copies struct_size bytes from and back to `memory`.
    std::string struct_name;
    std::vector<Field> fields;
    std::uint32_t struct_size = 0;
    std::vector<std::uint64_t> memory;  // u64s: aligned for any field
    std::vector<std::byte> before;

    std::span<std::byte> bytes() { return std::as_writable_bytes(std::span(memory)).first(struct_size); }
};

// `state` or `state:FIELD=VALUE,...` for a parameter that points to `pointee`.
Result<Arg> struct_arg(const btf::Btf& b, btf::TypeId pointee, std::size_t i, const std::string& what, Arg arg) {
    const btf::TypeView t = b.type(pointee);
    // The kernel copies in one struct only, bpf_dummy_ops_state, and only
    // through args[0]: any other pointer would reach the program as a raw
    // user address.
    if (i != 0 || t.kind() != btf::Kind::Struct || t.name() != kDummyState)
        return Error(what + ": the kernel copies in only args[0] as a struct " + std::string(kDummyState) +
                     " *; this parameter takes null");
    auto fields = fields_of(b, pointee);
    if (!fields) return std::move(fields).error();
    auto size = b.size_of(pointee);
    if (!size) return std::move(size).error();
    arg.kind = Arg::Kind::Struct;
    arg.struct_name = std::string(t.name());
    arg.fields = std::move(fields).value();
    arg.struct_size = *size;
    arg.memory.assign((*size + 7) / 8, 0);
    const auto colon = arg.given.find(':');
    if (colon != std::string::npos) RAWOPS_TRY(fill_fields(std::string_view(arg.given).substr(colon + 1), arg.fields, arg.bytes(), what));
    const auto bytes = arg.bytes();
    arg.before.assign(bytes.begin(), bytes.end());
    return arg;
}

// Whether the kernel takes NULL for parameter `i`: since 6.10 it refuses 0
// for a pointer unless the member's CFI stub, the FUNC <type>__<member> in
// its BTF (where the kernel itself looks, find_stub_func_proto), names that
// parameter *__nullable (test_1's does, test_2's and test_sleepable's do
// not). Older kernels take NULL anywhere, which is why this only explains a
// refusal and never refuses.
bool stub_says_nullable(const btf::Btf& b, const DummyMember& m, std::size_t i) {
    auto stub = b.find(std::string(kDummyOps) + "__" + m.name, btf::Kind::Func);
    if (!stub) return false;
    const btf::TypeView proto = b.type(b.type(*stub).ref_type());
    return i < proto.params().size() && proto.param(static_cast<std::uint32_t>(i)).name.ends_with("__nullable");
}

bool is_state(std::string_view s) { return s == "state" || s.starts_with("state:"); }
bool is_null(std::string_view s) { return s == "null" || s == "NULL"; }

// One command-line argument for parameter `i` of the member.
Result<Arg> parse_arg(const btf::Btf& b, const DummyMember& m, std::size_t i, const std::string& given) {
    const btf::Param p = m.proto.param(static_cast<std::uint32_t>(i));
    Arg arg;
    arg.given = given;
    arg.type = type_text(b, p.type);
    const std::string what = std::string(kDummyOps) + "." + m.name + " args[" + std::to_string(i) + "] (" + arg.type + ")";
    auto resolved = b.resolve(p.type);
    if (!resolved) return std::move(resolved).error().context(what);
    const btf::TypeView t = b.type(*resolved);
    if (t.kind() == btf::Kind::Ptr) {
        if (is_null(given)) {
            arg.kind = Arg::Kind::Null;
            return arg;
        }
        auto pointee = b.resolve(t.ref_type());
        if (!pointee) return std::move(pointee).error().context(what);
        if (is_state(given)) return struct_arg(b, *pointee, i, what, std::move(arg));
        return Error(what + ": '" + given + "' given, but the parameter is a pointer: give state, state:FIELD=VALUE,... or null");
    }
    arg.integer = int_type(b, p.type);
    if (!arg.integer) return Error(what + ": a parameter of this kind cannot be given from the command line");
    if (is_state(given) || is_null(given))
        return Error(what + ": '" + given + "' given, but the parameter is not a pointer: give an integer (decimal or 0x hex, may be negative)");
    auto n = parse_number(given);
    if (!n) return Error(what + ": '" + given + "' is not a number (decimal or 0x hex, may be negative)");
    auto bits = encode_int(*n, *arg.integer, what, given);
    if (!bits) return std::move(bits).error();
    arg.slot = *bits;
    return arg;
}

Result<std::vector<Arg>> parse_args(const btf::Btf& b, const DummyMember& m, const std::vector<std::string>& given) {
    const std::size_t want = m.proto.vlen();
    if (given.size() != want)
        return Error(std::string(kDummyOps) + "." + m.name + " takes " + std::to_string(want) + " argument" +
                     (want == 1 ? "" : "s") + " (" + m.signature + "), " + std::to_string(given.size()) + " given");
    std::vector<Arg> args;
    for (std::size_t i = 0; i < given.size(); ++i) {
        auto a = parse_arg(b, m, i, given[i]);
        if (!a) return std::move(a).error();
        args.push_back(std::move(a).value());
    }
    return args;
}

// ---- which program, and what kind ---------------------------------------------

const plan::LoadProgram* find_load(const plan::Plan& plan, const std::string& name) {
    for (const plan::Step& s : plan.steps)
        if (const auto* lp = std::get_if<plan::LoadProgram>(&s.action); lp && lp->name == name) return lp;
    return nullptr;
}

// Why `name` is not among the programs the plan loads.
Error not_loaded(const Planned& p, const std::string& object, const std::string& name) {
    const std::string prefix = "program '" + name + "' ";
    for (const std::string& note : p.plan.notes)
        if (note.starts_with(prefix)) return Error(object + ": " + note);
    std::string names;
    for (const Program& prog : p.object.programs())
        if (!prog.subprogram) names += (names.empty() ? "" : ", ") + prog.name;
    return Error(object + " has no program '" + name + "' (its programs: " + (names.empty() ? "none" : names) + ")");
}

// The bpf_dummy_ops member `lp` implements, or an error saying what can run.
Result<DummyMember> dummy_member(Planned& p, const plan::LoadProgram& lp, const std::string& object) {
    const std::string refused = object + ": program '" + lp.name + "' (section '" + lp.section + "'" +
                                (lp.bound_to.empty() ? "" : ", for " + lp.bound_to) +
                                ") cannot be run: `rawops run` runs syscall programs and struct_ops programs of "
                                "bpf_dummy_ops (the only struct_ops type whose programs the kernel's "
                                "BPF_PROG_TEST_RUN runs)";
    if (lp.prog_type != sys::kProgTypeStructOps || lp.attach_btf_obj.valid()) return Error(refused);
    auto dummy = p.kernel.find(kDummyOps, btf::Kind::Struct, "vmlinux");
    if (!dummy || dummy->id != lp.attach_btf_id) return Error(refused);
    const btf::Btf& b = p.kernel.vmlinux();
    const btf::TypeView ops = b.type(lp.attach_btf_id);
    if (lp.expected_attach_type >= ops.vlen()) return Error(refused + " (no member #" + std::to_string(lp.expected_attach_type) + ")");
    DummyMember m;
    m.index = lp.expected_attach_type;
    m.name = std::string(ops.member(m.index).name);
    auto fp = b.func_proto_of_member(lp.attach_btf_id, m.name);
    if (!fp) return std::move(fp).error().context(object + ": program '" + lp.name + "'");
    m.proto = fp->proto;
    m.signature = signature_text(b, m.proto, m.name);
    m.sleepable = lp.prog_flags & sys::kProgFlagSleepable;
    return m;
}

// ---- syscall context ------------------------------------------------------------

Result<std::vector<std::byte>> parse_hex(const std::string& text) {
    std::vector<std::byte> out;
    int high = -1;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n') continue;
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) return Error(std::string("--ctx-hex: '") + c + "' is not a hex digit");
        if (high < 0) high = v;
        else {
            out.push_back(static_cast<std::byte>(high << 4 | v));
            high = -1;
        }
    }
    if (high >= 0) return Error("--ctx-hex: an odd number of hex digits (two per byte)");
    return out;
}

Result<std::vector<std::byte>> read_ctx(const RunOptions& o) {
    if (!o.ctx_hex.empty()) return parse_hex(o.ctx_hex);
    if (o.ctx_file.empty()) return std::vector<std::byte>{};
    std::ifstream in(o.ctx_file, std::ios::binary);
    if (!in) return Error("--ctx-file " + o.ctx_file + ": cannot open it: " + std::strerror(errno));
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> out(bytes.size());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    return out;
}

// ---- output -------------------------------------------------------------------

void print_hex_dump(std::span<const std::byte> bytes) {
    for (std::size_t off = 0; off < bytes.size(); off += 16) {
        std::printf("  %04zx: ", off);
        for (std::size_t i = off; i < std::min(bytes.size(), off + 16); ++i)
            std::printf(" %02x", static_cast<unsigned>(bytes[i]));
        std::printf("\n");
    }
}

Json fields_json(Arg& a) {
    Json fields = Json::array();
    for (const Field& f : a.fields) {
        Json j;
        j["name"] = f.name;
        j["type"] = f.type;
        j["offset"] = f.offset;
        j["size"] = f.size;
        const auto before = std::span<const std::byte>(a.before).subspan(f.offset, f.size);
        const auto after = std::span<const std::byte>(a.bytes()).subspan(f.offset, f.size);
        if (f.integer) {
            j["before"] = json_of(load_field(a.before, f), *f.integer);
            j["after"] = json_of(load_field(a.bytes(), f), *f.integer);
        }
        j["before_bytes"] = hex_bytes(before);
        j["after_bytes"] = hex_bytes(after);
        fields.push_back(std::move(j));
    }
    return fields;
}

Json args_json(std::vector<Arg>& args) {
    Json out = Json::array();
    for (std::size_t i = 0; i < args.size(); ++i) {
        Arg& a = args[i];
        Json j;
        j["index"] = i;
        j["type"] = a.type;
        j["given"] = a.given;
        switch (a.kind) {
            case Arg::Kind::Integer:
                j["kind"] = "integer";
                j["value"] = json_of(a.slot, *a.integer);
                break;
            case Arg::Kind::Null: j["kind"] = "null"; break;
            case Arg::Kind::Struct:
                j["kind"] = "struct";
                j["struct"] = a.struct_name;
                j["fields"] = fields_json(a);
                break;
        }
        out.push_back(std::move(j));
    }
    return out;
}

void print_struct_after(std::size_t i, Arg& a) {
    std::printf("args[%zu] %s after the run:\n", i, a.type.c_str());
    for (const Field& f : a.fields) {
        if (!f.integer) {
            std::printf("  %s = bytes %s (%s)\n", f.name.c_str(), hex_bytes(std::span(a.bytes()).subspan(f.offset, f.size)).c_str(), f.type.c_str());
            continue;
        }
        const std::uint64_t now = load_field(a.bytes(), f), was = load_field(a.before, f);
        std::printf("  %s = %s (%s), was %s\n", f.name.c_str(), decimal_of(now, *f.integer).c_str(),
                    hex_of(now, *f.integer).c_str(), decimal_of(was, *f.integer).c_str());
    }
}

// ---- the command ------------------------------------------------------------

// LIBBPF_PIN_BY_NAME maps would be pinned under /sys/fs/bpf and outlive the
// run: this command leaves nothing behind, so such maps are made private.
std::vector<std::string> unpin_by_name(plan::Plan& plan) {
    std::vector<std::string> notes;
    for (plan::Step& s : plan.steps)
        if (auto* cm = std::get_if<plan::CreateMap>(&s.action); cm && !cm->pin_by_name.empty()) {
            notes.push_back("map '" + cm->request.name + "' (LIBBPF_PIN_BY_NAME) is private to this run, neither "
                            "reused from nor pinned at " + cm->pin_by_name);
            cm->pin_by_name.clear();
        }
    return notes;
}

// One run: what the command line asked for, then what the kernel gave back.
struct Run {
    bool syscall = false;
    std::optional<DummyMember> member;  // struct_ops: the bpf_dummy_ops member
    std::vector<Arg> args;              // struct_ops: ctx_in, one per parameter
    std::vector<std::byte> ctx_in, ctx; // syscall: as given, and as copied back
    std::vector<std::string> notes;
    std::uint32_t retval = 0;
    // retval is the kernel's u32; it reads as the member's return type (int
    // for every bpf_dummy_ops member, and for syscall programs by convention).
    IntType ret{4, true};
    std::string released;  // Loaded::holdings() of the load, released
};

// Checks everything the command line says against the program's kind and the
// kernel's BTF, before the first bpf() call.
Result<Run> prepare(Planned& p, const plan::LoadProgram& lp, const RunOptions& o) {
    Run run;
    run.syscall = lp.prog_type == sys::kProgTypeSyscall;
    if (run.syscall) {
        if (!o.args.empty())
            return Error("program '" + o.program + "' is a syscall program: its context comes from --ctx-hex or "
                         "--ctx-file, not from arguments ('" + o.args.front() + "' given)");
        auto c = read_ctx(o);
        if (!c) return std::move(c).error();
        run.ctx = std::move(c).value();
        run.ctx_in = run.ctx;
        return run;
    }
    auto m = dummy_member(p, lp, o.object);
    if (!m) return std::move(m).error();
    run.member = std::move(m).value();
    if (!o.ctx_hex.empty() || !o.ctx_file.empty())
        return Error("program '" + o.program + "' implements " + std::string(kDummyOps) + "." + run.member->name +
                     ": it takes its arguments after PROG (" + run.member->signature + "), not --ctx-hex/--ctx-file");
    auto a = parse_args(p.kernel.vmlinux(), *run.member, o.args);
    if (!a) return std::move(a).error();
    run.args = std::move(a).value();
    if (auto t = int_type(p.kernel.vmlinux(), run.member->proto.ref_type())) run.ret.is_signed = t->is_signed;
    return run;
}

// The kernel says EINVAL for several reasons; where the likely one is known
// from what was given, the message says it.
Error explain_refusal(Error e, const Run& run, const btf::Btf& kbtf) {
    if (e.err_no() != EINVAL) return e;
    // A syscall program's context shorter than what it reads (the kernel
    // checks it against the verifier's max_ctx_offset).
    if (run.syscall)
        return Error(e.message() + " (a syscall program that reads its context needs one at least that long: "
                     "--ctx-hex or --ctx-file; " + std::to_string(run.ctx.size()) + " bytes given)", EINVAL);
    // A NULL the kernel does not take for that parameter.
    for (std::size_t i = 0; i < run.args.size(); ++i)
        if (run.args[i].kind == Arg::Kind::Null && !stub_says_nullable(kbtf, *run.member, i))
            return Error(e.message() + " (the kernel takes null only for pointer parameters the member's stub marks "
                         "__nullable, and " + std::string(kDummyOps) + "." + run.member->name + " args[" +
                         std::to_string(i) + "] is not one: give state)", EINVAL);
    return e;
}

// Loads the programs (no registration, no attachment), runs one and releases
// everything before returning, so that what the output says was released is
// what was released.
Status load_and_run(const Planned& p, const RunOptions& o, Run& run) {
    plan::ExecOptions exec;
    exec.log.level = o.log_level;
    exec.fill_struct_ops = false;
    trace_steps(exec, o.trace);
    auto loaded = plan::execute(p.plan, exec);
    if (!loaded) return std::move(loaded).error();
    std::vector<std::uint64_t> slots(run.args.size());
    for (std::size_t i = 0; i < run.args.size(); ++i)
        slots[i] = run.args[i].kind == Arg::Kind::Struct ? reinterpret_cast<std::uint64_t>(run.args[i].bytes().data())
                                                         : run.args[i].slot;
    auto result = run.syscall ? loaded->run(o.program, run.ctx)
                              : loaded->run(o.program, std::as_writable_bytes(std::span(slots)));
    if (!result) return explain_refusal(std::move(result).error(), run, p.kernel.vmlinux());
    run.retval = result->retval;
    run.released = loaded->holdings();
    return loaded->detach();
}

void print_run_json(const RunOptions& o, Run& run) {
    Json doc;
    doc["object"] = o.object;
    doc["program"] = o.program;
    doc["kind"] = run.syscall ? "syscall" : "struct_ops";
    if (run.member) {
        const DummyMember& m = *run.member;
        doc["member"] = Json{{"struct", std::string(kDummyOps)}, {"name", m.name}, {"index", m.index},
                             {"signature", m.signature}, {"sleepable", m.sleepable}};
        doc["args"] = args_json(run.args);
    }
    doc["retval"] = json_of(run.retval, run.ret);
    doc["retval_hex"] = hex_of(run.retval, run.ret);
    if (run.syscall) {
        doc["ctx_in"] = hex_bytes(run.ctx_in);
        doc["ctx_out"] = hex_bytes(run.ctx);
    }
    doc["released"] = run.released;
    doc["notes"] = run.notes;
    print_json(doc);
}

void print_run_text(const RunOptions& o, Run& run) {
    for (const std::string& n : run.notes) std::printf("note: %s\n", n.c_str());
    if (run.member)
        std::printf("ran %s: %s.%s%s, %s\n", o.program.c_str(), std::string(kDummyOps).c_str(), run.member->name.c_str(),
                    run.member->sleepable ? " (sleepable)" : "", run.member->signature.c_str());
    else
        std::printf("ran %s: syscall program, %zu-byte context\n", o.program.c_str(), run.ctx.size());
    std::printf("retval: %s (%s)\n", decimal_of(run.retval, run.ret).c_str(), hex_of(run.retval, run.ret).c_str());
    for (std::size_t i = 0; i < run.args.size(); ++i)
        if (run.args[i].kind == Arg::Kind::Struct) print_struct_after(i, run.args[i]);
    if (run.syscall && !run.ctx.empty()) {
        std::printf("ctx after the run (%zu bytes):\n", run.ctx.size());
        print_hex_dump(run.ctx);
    }
    std::printf("released: %s\n", run.released.c_str());
}

int run_run(const RunOptions& o) {
    enable_trace(o.trace);
    auto planned = open_and_plan(o.object, o.object_args);
    if (!planned) return report(planned.error());
    const plan::LoadProgram* lp = find_load(planned->plan, o.program);
    if (!lp) return report(not_loaded(*planned, o.object, o.program));
    auto run = prepare(*planned, *lp, o);
    if (!run) return report(run.error());
    run->notes = unpin_by_name(planned->plan);
    auto s = load_and_run(*planned, o, *run);
    if (!s) return report(s.error());
    if (o.json) print_run_json(o, *run);
    else print_run_text(o, *run);
    return kExitOk;
}

void setup_run(CLI::App& root, int& exit_code) {
    auto o = std::make_shared<RunOptions>();
    auto* cmd = root.add_subcommand(
        "run", "Load an object's programs (registering and attaching nothing), run one once with BPF_PROG_TEST_RUN, "
               "print its return value and what it wrote, release everything");
    cmd->add_option("object", o->object, "BPF object file (.o)")->required();
    cmd->add_option("program", o->program, "the program to run: a syscall program, or a bpf_dummy_ops struct_ops program")
        ->required();
    cmd->add_option("args", o->args,
                    "bpf_dummy_ops programs: one per parameter of the member, checked against its prototype in the "
                    "kernel BTF: an integer (decimal or 0x hex, may be negative), null (a NULL pointer), or for "
                    "args[0] state or state:FIELD=VALUE,... (a struct bpf_dummy_ops_state, fields by their BTF names, "
                    "fields not given 0; the kernel copies it in and back out, and its fields after the run are printed)");
    auto* hex = cmd->add_option("--ctx-hex", o->ctx_hex, "syscall programs: the context, as hex bytes (spaces allowed)");
    cmd->add_option("--ctx-file", o->ctx_file, "syscall programs: the context, the bytes of this file")->excludes(hex);
    cmd->add_flag("--json", o->json, "print one JSON document (docs/schema/run.schema.json)");
    add_object_options(cmd, o->object_args);
    add_trace_options(cmd, o->trace);
    cmd->add_option("--log-level", o->log_level, "verifier log level (0: log only on failure, 1, 2)");
    cmd->callback([o, &exit_code] { exit_code = run_run(*o); });
}

}  // namespace
RAWOPS_CLI_COMMAND(15, setup_run, "run");
}  // namespace rawops::cli
