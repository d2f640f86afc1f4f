// rawops map dump PIN: the elements of a pinned map (the data maps `load
// --pin` leaves beside a struct_ops), as hex and as 64-bit words, so the
// counters and state a BPF program keeps can be read from a shell.
// rawops map update PIN KEY VALUE: writes one element, key and value in hex
// (little-endian bytes, as dump prints them).
//
// Per-CPU maps hold one value per possible CPU, and a lookup or update moves
// all of them at once: dump prints each CPU's value, update writes the one
// value it is given to every CPU.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <memory>
#include <span>
#include <sstream>
#include <vector>

#include "loader/cli/command.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

// enum bpf_map_type: the maps whose elements hold one value per possible CPU.
constexpr std::uint32_t kMapTypePercpuHash = 5;
constexpr std::uint32_t kMapTypePercpuArray = 6;
constexpr std::uint32_t kMapTypeLruPercpuHash = 10;
constexpr std::uint32_t kMapTypePercpuCgroupStorage = 21;

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

// One value, or for a per-CPU map each possible CPU's ("cpu N:" above it).
void print_element(const ValueLayout& l, const std::vector<std::byte>& buffer) {
    const std::span<const std::byte> all(buffer);
    if (l.cpus.empty()) return print_value(all.first(l.value_size), "    ");
    for (std::size_t i = 0; i < l.cpus.size(); ++i) {
        std::printf("    cpu %u:\n", l.cpus[i]);
        print_value(all.subspan(i * l.stride, l.value_size), "      ");
    }
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

int run_dump(const std::string& pin) {
    auto fd = open_map(pin);
    if (!fd) return report(fd.error());
    auto info = sys::map_info(fd->get());
    if (!info) return report(info.error());
    auto layout = value_layout(*info);
    if (!layout) return report(layout.error());
    std::printf("%s: map '%s' id %u, key %u bytes, value %u bytes", pin.c_str(), info->name.c_str(), info->id,
                info->key_size, info->value_size);
    if (!layout->cpus.empty()) std::printf(" per CPU (%zu possible CPUs)", layout->cpus.size());
    std::printf(", max_entries %u\n", info->max_entries);
    std::vector<std::byte> key(info->key_size), next(info->key_size), value(layout->buffer_size());
    bool first = true;
    for (;;) {
        auto more = sys::map_get_next_key(fd->get(), first ? std::span<const std::byte>{} : std::span<const std::byte>(key), next);
        if (!more) return report(more.error());
        if (!*more) break;
        first = false;
        key = next;
        auto s = sys::map_lookup_elem(fd->get(), key, value);
        if (!s) return report(s.error());
        std::printf("  key");
        for (auto b : key) std::printf(" %02x", static_cast<unsigned>(b));
        std::printf(":\n");
        print_element(*layout, value);
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

int run_update(const std::string& pin, const std::string& key_hex, const std::string& value_hex) {
    auto fd = open_map(pin);
    if (!fd) return report(fd.error());
    auto info = sys::map_info(fd->get());
    if (!info) return report(info.error());
    auto key = parse_hex(key_hex, info->key_size, "key");
    if (!key) return report(key.error());
    auto value = parse_hex(value_hex, info->value_size, "value");
    if (!value) return report(value.error());
    auto layout = value_layout(*info);
    if (!layout) return report(layout.error());
    // A per-CPU map gets the value on every CPU: one copy per slot.
    std::vector<std::byte> buffer(layout->buffer_size());
    for (std::size_t i = 0; i < layout->slots; ++i)
        std::copy(value->begin(), value->end(), buffer.begin() + static_cast<std::ptrdiff_t>(i * layout->stride));
    auto s = sys::map_update_elem(fd->get(), *key, buffer);
    return s ? kExitOk : report(s.error());
}

void setup_map(CLI::App& root, int& exit_code) {
    auto* map = root.add_subcommand("map", "Read and write pinned maps (for debugging BPF state)");
    map->require_subcommand(1);
    auto pin = std::make_shared<std::string>();
    auto* dump = map->add_subcommand("dump", "Print every element of a pinned map (per-CPU maps: each CPU's value)");
    dump->add_option("pin", *pin, "pinned map in bpffs")->required();
    dump->callback([pin, &exit_code] { exit_code = run_dump(*pin); });
    auto args = std::make_shared<std::array<std::string, 3>>();
    auto* update = map->add_subcommand(
        "update", "Write one element of a pinned map (key and value in hex); a per-CPU map gets the value on every CPU");
    update->add_option("pin", (*args)[0], "pinned map in bpffs")->required();
    update->add_option("key", (*args)[1], "key bytes in hex, e.g. 00000000")->required();
    update->add_option("value", (*args)[2],
                       "value bytes in hex, as many as the map's value size (per-CPU maps: one CPU's value, "
                       "written to every possible CPU)")
        ->required();
    update->callback([args, &exit_code] { exit_code = run_update((*args)[0], (*args)[1], (*args)[2]); });
}

}  // namespace
RAWOPS_CLI_COMMAND(70, setup_map);
}  // namespace rawops::cli
