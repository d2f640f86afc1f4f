// rawops map dump PIN: the elements of a pinned map (the data maps `load
// --pin` leaves beside a struct_ops), as hex and as 64-bit words, so the
// counters and state a BPF program keeps can be read from a shell.
// rawops map update PIN KEY VALUE: writes one element, key and value in hex
// (little-endian bytes, as dump prints them).
#include <array>
#include <cctype>
#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <memory>
#include <vector>

#include "loader/cli/command.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

void print_value(const std::vector<std::byte>& v) {
    for (std::size_t off = 0; off < v.size(); off += 16) {
        std::printf("    %04zx:", off);
        for (std::size_t i = off; i < off + 16 && i < v.size(); ++i)
            std::printf("%s%02x", (i % 8 == 0) ? "  " : " ", static_cast<unsigned>(v[i]));
        std::printf("\n");
    }
    std::printf("    u64:");
    for (std::size_t off = 0; off + 8 <= v.size(); off += 8) {
        std::uint64_t w;
        std::memcpy(&w, v.data() + off, 8);
        std::printf(" %" PRIu64, w);
    }
    std::printf("\n");
}

int run_dump(const std::string& pin) {
    auto fd = sys::obj_get(pin);
    if (!fd) return report(fd.error());
    auto info = sys::map_info(fd->get());
    if (!info) return report(info.error());
    std::printf("%s: map '%s' id %u, key %u bytes, value %u bytes, max_entries %u\n", pin.c_str(), info->name.c_str(),
                info->id, info->key_size, info->value_size, info->max_entries);
    std::vector<std::byte> key(info->key_size), next(info->key_size), value(info->value_size);
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
        print_value(value);
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
    auto fd = sys::obj_get(pin);
    if (!fd) return report(fd.error());
    auto info = sys::map_info(fd->get());
    if (!info) return report(info.error());
    auto key = parse_hex(key_hex, info->key_size, "key");
    if (!key) return report(key.error());
    auto value = parse_hex(value_hex, info->value_size, "value");
    if (!value) return report(value.error());
    auto s = sys::map_update_elem(fd->get(), *key, *value);
    return s ? kExitOk : report(s.error());
}

void setup_map(CLI::App& root, int& exit_code) {
    auto* map = root.add_subcommand("map", "Read and write pinned maps (for debugging BPF state)");
    map->require_subcommand(1);
    auto pin = std::make_shared<std::string>();
    auto* dump = map->add_subcommand("dump", "Print every element of a pinned map");
    dump->add_option("pin", *pin, "pinned map in bpffs")->required();
    dump->callback([pin, &exit_code] { exit_code = run_dump(*pin); });
    auto args = std::make_shared<std::array<std::string, 3>>();
    auto* update = map->add_subcommand("update", "Write one element of a pinned map (key and value in hex)");
    update->add_option("pin", (*args)[0], "pinned map in bpffs")->required();
    update->add_option("key", (*args)[1], "key bytes in hex, e.g. 00000000")->required();
    update->add_option("value", (*args)[2], "value bytes in hex, as many as the map's value size")->required();
    update->callback([args, &exit_code] { exit_code = run_update((*args)[0], (*args)[1], (*args)[2]); });
}

}  // namespace
RAWOPS_CLI_COMMAND(70, setup_map);
}  // namespace rawops::cli
