// rawops map dump PIN: the elements of a pinned map (the data maps `load
// --pin` leaves beside a struct_ops), as hex and as 64-bit words, so the
// counters and state a BPF program keeps can be read from a shell.
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

void setup_map(CLI::App& root, int& exit_code) {
    auto* map = root.add_subcommand("map", "Read pinned maps (for debugging BPF state)");
    map->require_subcommand(1);
    auto pin = std::make_shared<std::string>();
    auto* dump = map->add_subcommand("dump", "Print every element of a pinned map");
    dump->add_option("pin", *pin, "pinned map in bpffs")->required();
    dump->callback([pin, &exit_code] { exit_code = run_dump(*pin); });
}

}  // namespace
RAWOPS_CLI_COMMAND(70, setup_map);
}  // namespace rawops::cli
