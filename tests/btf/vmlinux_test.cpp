// The running kernel's BTF: parse it, dump it exactly like bpftool, and look
// up what the struct_ops loader needs, with bpftool's dump as the oracle.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <cstdio>
#include <map>
#include <sstream>

#include "btf/btf.h"
#include "btf/format_raw.h"
#include "tests/btf/test_util.h"
#include "tests/common/skip.h"

using namespace rawops::btf;

namespace {

constexpr const char* kVmlinux = "/sys/kernel/btf/vmlinux";

bool have_vmlinux() { return ::access(kVmlinux, R_OK) == 0; }

// bpftool's raw dump split per type: id -> its lines (header first).
struct Oracle {
    std::map<TypeId, std::vector<std::string>> types;
    std::multimap<std::string, TypeId> by_name;

    struct OMember { std::string name; TypeId type; std::uint32_t bits; std::uint32_t bitfield; };
    std::vector<OMember> members(TypeId id) const {
        std::vector<OMember> out;
        const auto& lines = types.at(id);
        for (std::size_t i = 1; i < lines.size(); ++i) {
            OMember m{};
            char name[256] = {0};
            unsigned t = 0, bits = 0, bf = 0;
            int n = std::sscanf(lines[i].c_str(), "\t'%255[^']' type_id=%u bits_offset=%u bitfield_size=%u", name, &t,
                                &bits, &bf);
            if (n < 3) continue;
            m.name = name;
            m.type = t;
            m.bits = bits;
            m.bitfield = n == 4 ? bf : 0;
            out.push_back(m);
        }
        return out;
    }
    std::string header(TypeId id) const { return types.at(id).front(); }
};

const Oracle* oracle() {
    static Oracle o;
    static bool loaded = false, ok = false;
    if (loaded) return ok ? &o : nullptr;
    loaded = true;
    if (!rawops::testing::have_bpftool()) return nullptr;
    auto out = rawops::testing::capture(std::string("bpftool btf dump file ") + kVmlinux + " format raw");
    if (!out) return nullptr;
    std::istringstream in(*out);
    std::string line;
    TypeId cur = 0;
    while (std::getline(in, line)) {
        if (!line.empty() && line[0] == '[') {
            cur = static_cast<TypeId>(std::stoul(line.substr(1)));
            auto q = line.find('\'');
            auto q2 = line.find('\'', q + 1);
            o.by_name.emplace(line.substr(q + 1, q2 - q - 1), cur);
        }
        o.types[cur].push_back(line);
    }
    ok = !o.types.empty();
    return ok ? &o : nullptr;
}

const Btf& vmlinux() {
    static auto r = Btf::open_vmlinux();
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    return *r;
}

}  // namespace

TEST_CASE("vmlinux BTF parses, fast") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    auto t0 = std::chrono::steady_clock::now();
    auto r = Btf::open_vmlinux();
    auto t1 = std::chrono::steady_clock::now();
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
    MESSAGE("vmlinux: " << r->type_count() - 1 << " types, " << r->raw().size() << " bytes, parsed in " << ms
                        << " ms");
    CHECK(r->type_count() > 10000);
    CHECK(r->first_own_id() == 1);
    CHECK(r->base() == nullptr);
    // Generous bound: a regression to per-type heap objects would blow it.
    CHECK(ms < 200.0);
}

TEST_CASE("raw dump of vmlinux equals bpftool's, type by type") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    const Oracle* o = oracle();
    if (!o) RAWOPS_SKIP("bpftool not installed or failed on vmlinux");
    const Btf& btf = vmlinux();
    REQUIRE(o->types.size() == btf.type_count() - 1);
    std::size_t same = 0, first_bad = 0;
    std::string first_ours, first_theirs;
    for (const auto& [id, lines] : o->types) {
        std::string theirs;
        for (const auto& l : lines) theirs += l + "\n";
        std::string ours = format_raw_type(btf, id);
        if (ours == theirs) {
            ++same;
        } else if (!first_bad) {
            first_bad = id;
            first_ours = ours;
            first_theirs = theirs;
        }
    }
    INFO("first difference at type " << first_bad << "\nours:\n" << first_ours << "bpftool:\n" << first_theirs);
    CHECK(same == o->types.size());
}

TEST_CASE("print_raw writes the whole dump bpftool writes") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    const Oracle* o = oracle();
    if (!o) RAWOPS_SKIP("bpftool not installed or failed on vmlinux");
    char* buf = nullptr;
    std::size_t len = 0;
    FILE* f = ::open_memstream(&buf, &len);
    REQUIRE(f);
    print_raw(vmlinux(), f);
    std::fclose(f);
    std::string ours(buf, len);
    std::free(buf);
    std::size_t lines = 0;
    for (const auto& [id, ls] : o->types) lines += ls.size();
    CHECK(static_cast<std::size_t>(std::count(ours.begin(), ours.end(), '\n')) == lines);
}

TEST_CASE("find by name and kind agrees with bpftool") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    const Oracle* o = oracle();
    if (!o) RAWOPS_SKIP("bpftool not installed or failed on vmlinux");
    const Btf& btf = vmlinux();
    for (const char* name : {"tcp_congestion_ops", "sk_buff", "bpf_struct_ops_tcp_congestion_ops", "sock"}) {
        auto id = btf.find(name, Kind::Struct);
        REQUIRE_MESSAGE(id.ok(), name);
        auto range = o->by_name.equal_range(name);
        TypeId expect = 0;
        for (auto it = range.first; it != range.second; ++it)
            if (o->header(it->second).find("] STRUCT ") != std::string::npos) { expect = it->second; break; }
        CHECK_MESSAGE(*id == expect, name);
    }
    CHECK_FALSE(btf.find("no_such_type_anywhere", Kind::Struct).ok());
    CHECK_FALSE(btf.find("tcp_congestion_ops", Kind::Union).ok());
    // Every id find_all returns carries the name.
    for (TypeId id : btf.find_all("u32")) CHECK(btf.type(id).name() == "u32");
}

TEST_CASE("bpf_struct_ops_tcp_congestion_ops: the value type and its data member") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    const Btf& btf = vmlinux();
    auto value = btf.find("bpf_struct_ops_tcp_congestion_ops", Kind::Struct);
    REQUIRE(value.ok());
    auto data = btf.find_member(*value, "data");
    REQUIRE(data.ok());
    auto ops = btf.find("tcp_congestion_ops", Kind::Struct);
    REQUIRE(ops.ok());
    CHECK(*btf.resolve(data->member.type) == *ops);
    auto common = btf.find_member(*value, "common");
    REQUIRE(common.ok());
    CHECK(btf.type(*btf.resolve(common->member.type)).name() == "bpf_struct_ops_common_value");
    CHECK(data->bit_offset % 64 == 0);
    CHECK(*btf.size_of(*value) >= *btf.size_of(*ops) + data->bit_offset / 8);
    CHECK(*btf.align_of(*value) == 8);
}

TEST_CASE("tcp_congestion_ops members and function prototypes") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    const Oracle* o = oracle();
    if (!o) RAWOPS_SKIP("bpftool not installed or failed on vmlinux");
    const Btf& btf = vmlinux();
    TypeId ops = *btf.find("tcp_congestion_ops", Kind::Struct);
    // Every member, as bpftool lists them.
    for (const auto& om : o->members(ops)) {
        auto m = btf.find_member(ops, om.name);
        REQUIRE_MESSAGE(m.ok(), om.name);
        CHECK(m->bit_offset == om.bits);
        CHECK(m->member.type == om.type);
        CHECK(m->parent == ops);
    }
    auto ss = btf.func_proto_of_member(ops, "ssthresh");
    REQUIRE(ss.ok());
    REQUIRE(ss->proto.params().size() == 1);
    TypeView arg = btf.type(*btf.resolve(ss->proto.params()[0].type));
    CHECK(arg.kind() == Kind::Ptr);
    CHECK(btf.type(*btf.resolve(arg.ref_type())).name() == "sock");
    TypeView ret = btf.type(*btf.resolve(ss->proto.ref_type()));
    CHECK(ret.kind() == Kind::Int);
    CHECK(ret.size() == 4);
    auto ca = btf.func_proto_of_member(ops, "cong_avoid");
    REQUIRE(ca.ok());
    CHECK(ca->proto.params().size() == 3);
    CHECK(ca->proto.ref_type() == 0);  // void
    // 'name' is char[16], not a function pointer.
    auto name = btf.func_proto_of_member(ops, "name");
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message().find("not a function pointer") != std::string::npos);
    TypeView arr = btf.type(*btf.resolve(btf.find_member(ops, "name")->member.type));
    CHECK(arr.array().nelems == 16);
    CHECK(*btf.size_of(arr.id()) == 16);
    CHECK(*btf.size_of(ops) == btf.type(ops).size());
}

TEST_CASE("sk_buff: members inside anonymous unions and bitfields") {
    if (!have_vmlinux()) RAWOPS_SKIP("no /sys/kernel/btf/vmlinux");
    const Oracle* o = oracle();
    if (!o) RAWOPS_SKIP("bpftool not installed or failed on vmlinux");
    const Btf& btf = vmlinux();
    TypeId skb = *btf.find("sk_buff", Kind::Struct);

    // Oracle: walk bpftool's lines through anonymous members by hand.
    struct Found { std::uint32_t bits; std::uint32_t bitfield; std::size_t depth; bool ok; };
    std::function<Found(TypeId, const std::string&, std::uint32_t, std::size_t)> walk =
        [&](TypeId id, const std::string& name, std::uint32_t base, std::size_t depth) -> Found {
        for (const auto& m : o->members(id)) {
            if (m.name == name) return {base + m.bits, m.bitfield, depth + 1, true};
            if (m.name != "(anon)") continue;
            TypeId t = m.type;
            while (o->header(t).find("] TYPEDEF ") != std::string::npos ||
                   o->header(t).find("] CONST ") != std::string::npos ||
                   o->header(t).find("] VOLATILE ") != std::string::npos) {
                t = static_cast<TypeId>(std::stoul(o->header(t).substr(o->header(t).find("type_id=") + 8)));
            }
            const std::string& h = o->header(t);
            if (h.find("] STRUCT ") == std::string::npos && h.find("] UNION ") == std::string::npos) continue;
            Found f = walk(t, name, base + m.bits, depth + 1);
            if (f.ok) return f;
        }
        return {0, 0, 0, false};
    };

    int anon_checked = 0, bitfields_checked = 0;
    for (const char* name : {"next", "prev", "dev", "rbnode", "list", "tstamp", "sk", "len", "cloned", "pkt_type",
                             "ip_summed", "protocol", "transport_header", "head", "data", "truesize", "users",
                             "destructor", "_nfct", "csum", "priority", "mark", "hash"}) {
        Found f = walk(skb, name, 0, 0);
        auto m = btf.find_member(skb, name);
        if (!f.ok) {
            CHECK_MESSAGE(!m.ok(), name);  // neither finds it on this kernel
            continue;
        }
        REQUIRE_MESSAGE(m.ok(), name);
        CHECK_MESSAGE(m->bit_offset == f.bits, name);
        CHECK_MESSAGE(m->member.bitfield_size == f.bitfield, name);
        CHECK_MESSAGE(m->path.size() == f.depth, name);
        anon_checked += f.depth > 1;
        bitfields_checked += f.bitfield > 0;
    }
    // The test means something only if it crossed anonymous members and bitfields.
    CHECK(anon_checked >= 3);
    CHECK(bitfields_checked >= 2);
    auto dev = btf.find_member(skb, "dev");
    REQUIRE(dev.ok());
    CHECK(dev->parent != skb);
    CHECK(btf.type(dev->parent).name().empty());
}
