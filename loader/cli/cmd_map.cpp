// rawops map dump PIN [--json] [--hex]: the elements of a pinned map (the
// data maps `load --pin` leaves beside a struct_ops), decoded with the map's
// BTF as bpftool does: every variable of a .bss, .data or .rodata map by
// name, keys and values of typed maps member by member. Maps without BTF,
// and --hex, give hex bytes and 64-bit words.
// rawops map update PIN KEY VALUE: writes one element, key and value in hex
// (little-endian bytes, as dump prints them).
// rawops map update PIN VAR=VALUE: sets one variable of a global-data map,
// the value checked against its BTF type as `load --set` does.
//
// Per-CPU maps hold one value per possible CPU, and a lookup or update moves
// all of them at once: dump prints each CPU's value, update writes the one
// value it is given to every CPU.
#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <vector>

#include "btf/btf.h"
#include "btf/format_value.h"
#include "loader/cli/command.h"
#include "loader/cli/json_out.h"
#include "loader/cli/value_print.h"
#include "loader/edits.h"
#include "loader/struct_ops/registered.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/describe.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

// enum bpf_map_type: the maps whose elements hold one value per possible CPU.
constexpr std::uint32_t kMapTypePercpuHash = 5;
constexpr std::uint32_t kMapTypePercpuArray = 6;
constexpr std::uint32_t kMapTypeLruPercpuHash = 10;
constexpr std::uint32_t kMapTypePercpuCgroupStorage = 21;

// The kernel's ENOTSUPP (524): internal, yet BPF_MAP_GET_NEXT_KEY returns it
// for map types that have no keys to list (ring buffers).
constexpr int kENOTSUPP = 524;

bool is_per_cpu(std::uint32_t map_type) {
    return map_type == kMapTypePercpuHash || map_type == kMapTypePercpuArray || map_type == kMapTypeLruPercpuHash ||
           map_type == kMapTypePercpuCgroupStorage;
}

// "0-3", "0,2-5\n" (the kernel's cpulist format) -> the CPU numbers, ascending.
Result<std::vector<unsigned>> parse_cpu_list(const std::string& text) {
    // No kernel has this many CPUs (NR_CPUS is at most 8192): a bound that
    // keeps a garbled file from asking for gigabytes.
    constexpr unsigned kMaxCpus = 1u << 16;
    const Error bad("possible CPUs: cannot read '" + text + "' as a CPU list");
    std::vector<unsigned> cpus;
    std::istringstream in(text);
    std::string range;
    while (std::getline(in, range, ',')) {
        while (!range.empty() && std::isspace(static_cast<unsigned char>(range.back()))) range.pop_back();
        unsigned lo = 0, hi = 0;
        const char* end = range.data() + range.size();
        auto r = std::from_chars(range.data(), end, lo);
        hi = lo;
        if (r.ec == std::errc() && r.ptr != end && *r.ptr == '-') r = std::from_chars(r.ptr + 1, end, hi);
        if (r.ec != std::errc() || r.ptr != end || hi < lo || hi >= kMaxCpus) return bad;
        for (unsigned c = lo; c <= hi; ++c) cpus.push_back(c);
    }
    std::sort(cpus.begin(), cpus.end());
    cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
    if (cpus.empty()) return bad;
    return cpus;
}

Result<std::vector<unsigned>> possible_cpus() {
    const char* path = "/sys/devices/system/cpu/possible";
    std::ifstream f(path);
    std::string text;
    if (!f || !std::getline(f, text))
        return Error(std::string("per-CPU map: cannot read ") + path + " (the number of possible CPUs)");
    return parse_cpu_list(text);
}

// How one element's value is laid out in the buffer of a lookup or update.
struct ValueLayout {
    std::uint32_t value_size = 0;
    std::size_t stride = 0;      // bytes from one CPU's value to the next
    std::vector<unsigned> cpus;  // per-CPU maps: the possible CPUs, in the kernel's order
    std::size_t slots = 1;       // values the buffer has room for

    std::size_t buffer_size() const { return stride * slots; }
};

// For a per-CPU map the kernel copies round_up(value_size, 8) bytes for each
// possible CPU, one after the other. The buffer has a slot for every CPU
// number up to the highest possible one, as libbpf_num_possible_cpus()
// counts, which is never fewer than the kernel's num_possible_cpus().
Result<ValueLayout> value_layout(const sys::MapInfo& info) {
    ValueLayout l;
    l.value_size = info.value_size;
    l.stride = info.value_size;
    if (!is_per_cpu(info.type)) return l;
    auto cpus = possible_cpus();
    if (!cpus) return std::move(cpus).error();
    l.cpus = std::move(cpus).value();
    l.stride = (info.value_size + 7u) / 8u * 8u;
    l.slots = l.cpus.back() + 1u;
    return l;
}

void print_value(std::span<const std::byte> v, const char* indent) {
    for (std::size_t off = 0; off < v.size(); off += 16) {
        std::printf("%s%04zx:", indent, off);
        for (std::size_t i = off; i < off + 16 && i < v.size(); ++i)
            std::printf("%s%02x", (i % 8 == 0) ? "  " : " ", static_cast<unsigned>(v[i]));
        std::printf("\n");
    }
    std::printf("%su64:", indent);
    for (std::size_t off = 0; off + 8 <= v.size(); off += 8) {
        std::uint64_t w;
        std::memcpy(&w, v.data() + off, 8);
        std::printf(" %" PRIu64, w);
    }
    std::printf("\n");
}

// Asked for map info, a link or program fd answers with its own info read as
// a map's (see sys::obj_kind): sizes from it would be nonsense. obj_kind
// needs CAP_SYS_ADMIN (it reopens by id); without it the pin is taken on
// trust as before, and the kernel refuses element commands on a non-map.
Result<sys::Fd> open_map(const std::string& pin) {
    auto fd = sys::obj_get(pin);
    if (!fd) return std::move(fd).error();
    auto kind = sys::obj_kind(fd->get());
    if (kind && *kind != sys::ObjKind::Map) return Error(pin + ": not a pinned map");
    return fd;
}

// The map's BTF (the one its creator gave BPF_MAP_CREATE), read back from
// the kernel; nullptr when the map has none or it cannot be read, and the
// dump falls back to hex.
std::unique_ptr<btf::Btf> map_btf(const sys::MapInfo& info) {
    if (info.btf_id == 0 || (info.btf_key_type_id == 0 && info.btf_value_type_id == 0)) return nullptr;
    auto btf = struct_ops::read_btf_object(info.btf_id, "BTF id " + std::to_string(info.btf_id) + " of map '" + info.name + "'");
    if (!btf) return nullptr;
    return std::make_unique<btf::Btf>(std::move(btf).value());
}

std::string hex_text(std::span<const std::byte> b) {
    std::string s;
    char buf[4];
    for (auto x : b) std::snprintf(buf, sizeof buf, s.empty() ? "%02x" : " %02x", static_cast<unsigned>(x)), s += buf;
    return s;
}

// How a dump shows one map: its layout and, when it has BTF, its types.
struct DumpView {
    const sys::MapInfo& info;
    const ValueLayout& layout;
    const btf::Btf* btf = nullptr;  // nullptr: hex only
};

void print_decoded(const btf::Btf& btf, btf::TypeId type, std::span<const std::byte> v, const char* indent) {
    btf::DecodedValue d = btf::decode_value(btf, type, v);
    // A record's members (a data section's variables) one per line, not in braces.
    if (d.shape == btf::DecodedValue::Shape::Record) {
        for (const auto& c : d.children)
            for (const auto& line : value_lines(c)) std::printf("%s%s\n", indent, line.c_str());
        return;
    }
    for (const auto& line : value_lines(d)) std::printf("%s%s\n", indent, line.c_str());
}

void print_one_value(const DumpView& d, std::span<const std::byte> v, const char* indent) {
    if (d.btf && d.info.btf_value_type_id) return print_decoded(*d.btf, d.info.btf_value_type_id, v, indent);
    print_value(v, indent);
}

void print_element(const DumpView& d, std::span<const std::byte> key, const std::vector<std::byte>& buffer) {
    std::printf("  key %s", hex_text(key).c_str());
    if (d.btf && d.info.btf_key_type_id) {
        const btf::DecodedValue k = btf::decode_value(*d.btf, d.info.btf_key_type_id, key);
        if (k.shape != btf::DecodedValue::Shape::Record && k.shape != btf::DecodedValue::Shape::List)
            std::printf(" (%s)", btf::scalar_text(k).c_str());
        else
            std::printf(" (%s)", value_json(k).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    }
    std::printf(":\n");
    const std::span<const std::byte> all(buffer);
    if (d.layout.cpus.empty()) return print_one_value(d, all.first(d.layout.value_size), "    ");
    for (std::size_t i = 0; i < d.layout.cpus.size(); ++i) {
        std::printf("    cpu %u:\n", d.layout.cpus[i]);
        print_one_value(d, all.subspan(i * d.layout.stride, d.layout.value_size), "      ");
    }
}

Json value_entry(const DumpView& d, std::span<const std::byte> v) {
    Json j;
    j["value_hex"] = hex_text(v);
    if (d.btf && d.info.btf_value_type_id) j["value"] = value_json(btf::decode_value(*d.btf, d.info.btf_value_type_id, v));
    return j;
}

Json element_json(const DumpView& d, std::span<const std::byte> key, const std::vector<std::byte>& buffer) {
    Json j;
    j["key_hex"] = hex_text(key);
    if (d.btf && d.info.btf_key_type_id) j["key"] = value_json(btf::decode_value(*d.btf, d.info.btf_key_type_id, key));
    const std::span<const std::byte> all(buffer);
    if (d.layout.cpus.empty()) {
        const Json v = value_entry(d, all.first(d.layout.value_size));
        for (auto it = v.begin(); it != v.end(); ++it) j[it.key()] = it.value();
        return j;
    }
    Json per_cpu = Json::array();
    for (std::size_t i = 0; i < d.layout.cpus.size(); ++i) {
        Json c = value_entry(d, all.subspan(i * d.layout.stride, d.layout.value_size));
        c["cpu"] = d.layout.cpus[i];
        per_cpu.push_back(c);
    }
    j["values"] = per_cpu;
    return j;
}

int run_dump(const std::string& pin, bool json, bool hex) {
    auto fd = open_map(pin);
    if (!fd) return report(fd.error());
    auto info = sys::map_info(fd->get());
    if (!info) return report(info.error());
    auto layout = value_layout(*info);
    if (!layout) return report(layout.error());
    const std::unique_ptr<btf::Btf> btf = hex ? nullptr : map_btf(*info);
    const DumpView view{*info, *layout, btf.get()};
    Json doc, elements = Json::array();
    if (json) {
        doc["pin"] = pin;
        doc["id"] = info->id;
        doc["name"] = info->name;
        doc["type"] = sys::map_type_name(info->type);
        doc["key_size"] = info->key_size;
        doc["value_size"] = info->value_size;
        doc["max_entries"] = info->max_entries;
        doc["map_flags"] = info->map_flags;
        doc["btf_id"] = info->btf_id;
        doc["decoded"] = btf != nullptr;
        if (!layout->cpus.empty()) doc["possible_cpus"] = layout->cpus.size();
    } else {
        std::printf("%s: map '%s' id %u, key %u bytes, value %u bytes", pin.c_str(), info->name.c_str(), info->id,
                    info->key_size, info->value_size);
        if (!layout->cpus.empty()) std::printf(" per CPU (%zu possible CPUs)", layout->cpus.size());
        std::printf(", max_entries %u%s\n", info->max_entries,
                    btf ? ", decoded with its BTF" : (hex ? "" : ", no BTF: hex"));
    }
    if (!json && info->type == sys::kMapTypeStructOps)
        std::printf("  (a struct_ops map: `rawops dump %u` decodes it member by member with kernel BTF)\n", info->id);
    std::vector<std::byte> key(info->key_size), next(info->key_size), value(layout->buffer_size());
    bool first = true;
    for (;;) {
        auto more = sys::map_get_next_key(fd->get(), first ? std::span<const std::byte>{} : std::span<const std::byte>(key), next);
        if (!more && first && (more.error().err_no() == kENOTSUPP || more.error().err_no() == EOPNOTSUPP))
            return report(Error("map '" + info->name + "' (" + sys::map_type_name(info->type) +
                                ") has no elements to iterate: the kernel does not list keys for this map type",
                                more.error().err_no()));
        if (!more) return report(more.error());
        if (!*more) break;
        first = false;
        key = next;
        auto s = sys::map_lookup_elem(fd->get(), key, value);
        if (!s) return report(s.error());
        if (json)
            elements.push_back(element_json(view, key, value));
        else
            print_element(view, key, value);
    }
    if (json) {
        doc["elements"] = elements;
        print_json(doc);
    }
    return kExitOk;
}

// "01 00 00 00" or "01000000" -> bytes; exactly `size` of them.
Result<std::vector<std::byte>> parse_hex(const std::string& text, std::uint32_t size, const char* what) {
    std::vector<std::byte> out;
    int hi = -1;
    for (char c : text) {
        if (c == ' ' || c == ':') continue;
        int v = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                : (c >= 'a' && c <= 'f')                   ? c - 'a' + 10
                : (c >= 'A' && c <= 'F')                   ? c - 'A' + 10
                                                            : -1;
        if (v < 0) return Error(std::string(what) + ": '" + text + "' is not hex");
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::byte>(hi << 4 | v));
            hi = -1;
        }
    }
    if (hi >= 0 || out.size() != size)
        return Error(std::string(what) + ": '" + text + "' is " + std::to_string(out.size()) + " bytes, the map wants " +
                     std::to_string(size));
    return out;
}

// Writes `value` (one CPU's worth) at `key`; a per-CPU map gets it on every CPU.
int write_element(int map_fd, const ValueLayout& layout, std::span<const std::byte> key, std::span<const std::byte> value) {
    std::vector<std::byte> buffer(layout.buffer_size());
    for (std::size_t i = 0; i < layout.slots; ++i)
        std::copy(value.begin(), value.end(), buffer.begin() + static_cast<std::ptrdiff_t>(i * layout.stride));
    auto s = sys::map_update_elem(map_fd, key, buffer);
    return s ? kExitOk : report(s.error());
}

// VAR=VALUE in a global-data map (.bss, .data, .rodata before freezing):
// element 0 read, the variable's bytes replaced, element 0 written back.
int update_variable(int map_fd, const sys::MapInfo& info, const std::string& assignment) {
    const std::size_t eq = assignment.find('=');
    const std::string var = assignment.substr(0, eq), text = assignment.substr(eq + 1);
    const std::string what = "map '" + info.name + "'";
    const std::unique_ptr<btf::Btf> btf = map_btf(info);
    if (!btf) return report(Error(what + " has no BTF: give the key and value in hex"));
    const btf::TypeView sec = btf->type(info.btf_value_type_id);
    if (sec.kind() != btf::Kind::Datasec || info.key_size != 4 || info.max_entries != 1)
        return report(Error(what + " is not a global-data map (its value type is " + btf->describe(info.btf_value_type_id) +
                            "): VAR=VALUE needs a .bss, .data or .rodata map; give the key and value in hex"));
    std::string known;
    for (const btf::VarSecInfo& v : sec.var_secinfos()) {
        const btf::TypeView t = btf->type(v.type);
        if (t.name() != var) {
            known += (known.empty() ? "" : ", ") + std::string(t.name());
            continue;
        }
        auto bytes = encode_value(*btf, t.ref_type(), text);
        if (!bytes) return report(std::move(bytes).error().context(what + ": variable '" + var + "'"));
        if (std::uint64_t{v.offset} + bytes->size() > info.value_size)
            return report(Error(what + ": variable '" + var + "' lies outside the map's value"));
        auto layout = value_layout(info);
        if (!layout) return report(layout.error());
        const std::uint32_t key = 0;
        std::vector<std::byte> current(layout->buffer_size());
        if (auto st = sys::map_lookup_elem(map_fd, sys::bytes_of(key), current); !st) return report(st.error());
        std::memcpy(current.data() + v.offset, bytes->data(), bytes->size());
        return write_element(map_fd, *layout, sys::bytes_of(key), std::span<const std::byte>(current).first(info.value_size));
    }
    return report(Error(what + " has no variable '" + var + "' (it has: " + known + ")"));
}

int run_update(const std::string& pin, const std::string& key_text, const std::string& value_hex) {
    auto fd = open_map(pin);
    if (!fd) return report(fd.error());
    auto info = sys::map_info(fd->get());
    if (!info) return report(info.error());
    if (value_hex.empty()) {
        if (key_text.find('=') == std::string::npos)
            return report(Error("map update: give KEY VALUE in hex, or VAR=VALUE for a global-data map"));
        return update_variable(fd->get(), *info, key_text);
    }
    auto key = parse_hex(key_text, info->key_size, "key");
    if (!key) return report(key.error());
    auto value = parse_hex(value_hex, info->value_size, "value");
    if (!value) return report(value.error());
    auto layout = value_layout(*info);
    if (!layout) return report(layout.error());
    return write_element(fd->get(), *layout, *key, *value);
}

void setup_map(CLI::App& root, int& exit_code) {
    auto* map = root.add_subcommand("map", "Read and write pinned maps (for debugging BPF state)");
    map->require_subcommand(1);
    struct DumpArgs {
        std::string pin;
        bool json = false, hex = false;
    };
    auto dargs = std::make_shared<DumpArgs>();
    auto* dump = map->add_subcommand(
        "dump", "Print every element of a pinned map, decoded with its BTF (per-CPU maps: each CPU's value)");
    dump->add_option("pin", dargs->pin, "pinned map in bpffs")->required();
    dump->add_flag("--json", dargs->json, "print one JSON document (docs/schema/map_dump.schema.json)");
    dump->add_flag("--hex", dargs->hex, "hex bytes and 64-bit words instead of BTF-decoded values");
    dump->callback([dargs, &exit_code] { exit_code = run_dump(dargs->pin, dargs->json, dargs->hex); });
    auto args = std::make_shared<std::array<std::string, 3>>();
    auto* update = map->add_subcommand(
        "update",
        "Write one element of a pinned map (KEY VALUE in hex; a per-CPU map gets the value on every CPU), or one "
        "variable of a global-data map (VAR=VALUE, checked against its BTF type)");
    update->add_option("pin", (*args)[0], "pinned map in bpffs")->required();
    update->add_option("key", (*args)[1], "key bytes in hex, e.g. 00000000; or VAR=VALUE for a .bss/.data map")->required();
    update->add_option("value", (*args)[2],
                       "value bytes in hex, as many as the map's value size (per-CPU maps: one CPU's value, "
                       "written to every possible CPU); not given with VAR=VALUE");
    update->callback([args, &exit_code] { exit_code = run_update((*args)[0], (*args)[1], (*args)[2]); });
}

}  // namespace
RAWOPS_CLI_COMMAND(70, setup_map, "map");
}  // namespace rawops::cli
