// rawops unload PIN: unregister a pinned struct_ops and remove its pin.
// PIN is a pinned struct_ops link (detached), a pinned legacy struct_ops map
// (its registration deleted) or a folder `load --pin` filled, in which case
// every pin in it is handled and the folder removed when empty.
// rawops unload --map-id ID: the struct_ops map with that id, pinned or not:
// its links detached (link mode) or its registration deleted (legacy), and
// every pin of it or its links removed. This is how an orphan goes: a legacy
// registration whose loader died, which the kernel keeps (`rawops show`).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "loader/cli/command.h"
#include "loader/cli/exit_info.h"
#include "loader/cli/pinned.h"
#include "loader/struct_ops/registered.h"
#include "loader/sys/abi.h"
#include "loader/sys/link.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

Status unload_one(const std::string& path) {
    auto pinned = open_pinned(path);
    if (!pinned) return std::move(pinned).error();
    switch (pinned->kind) {
        case Pinned::Kind::StructOpsLink: {
            auto s = sys::link_detach(pinned->fd.get());
            if (!s) return std::move(s).error().context("detaching " + path);
            std::printf("detached struct_ops link %s\n", path.c_str());
            break;
        }
        case Pinned::Kind::StructOpsMap: {
            const std::uint32_t key = 0;
            auto s = sys::map_delete_elem(pinned->fd.get(), sys::bytes_of(key));
            // ENOENT: not registered (any more); removing the pin is still right.
            if (!s && s.error().err_no() != ENOENT) return std::move(s).error().context("unregistering " + path);
            std::printf("unregistered struct_ops map %s\n", path.c_str());
            break;
        }
        case Pinned::Kind::ProgramLink: {
            // Detach now, even if someone else holds the link; links without
            // a detach operation (perf events) go with their last reference.
            auto s = sys::link_detach(pinned->fd.get());
            if (!s && s.error().err_no() != EOPNOTSUPP && s.error().err_no() != EINVAL)
                return std::move(s).error().context("detaching " + path);
            std::printf("detached program link %s\n", path.c_str());
            break;
        }
        case Pinned::Kind::OtherMap:
            break;
        case Pinned::Kind::Other:
            return Error(path + ": not a link or a map pinned by rawops");
    }
    if (::unlink(path.c_str()) != 0) return Error("removing pin " + path + ": " + std::strerror(errno), errno);
    return {};
}

int run_unload(const std::string& pin) {
    std::error_code ec;
    if (!std::filesystem::is_directory(pin, ec)) {
        auto s = unload_one(pin);
        return s ? kExitOk : report(s.error());
    }
    // Struct_ops first, so nothing runs while its maps lose their pins.
    std::vector<std::string> ops, rest;
    for (const auto& e : std::filesystem::directory_iterator(pin, ec)) {
        auto p = open_pinned(e.path().string());
        if (!p) return report(p.error());
        (p->kind == Pinned::Kind::OtherMap ? rest : ops).push_back(e.path().string());
    }
    for (const auto& path : ops) {
        auto s = unload_one(path);
        if (!s) return report(s.error());
    }
    // A sched_ext scheduler's exit information, now that it has exited (or
    // earlier, if the kernel disabled it while it stayed pinned).
    for (const auto& path : rest) {
        auto fd = sys::obj_get(path);
        if (!fd) continue;
        auto uei = read_exit_info(fd->get());
        if (uei && uei->has_value())
            std::printf("sched_ext exit info (%s): %s\n", std::filesystem::path(path).filename().c_str(), (*uei)->c_str());
    }
    for (const auto& path : rest) {
        auto s = unload_one(path);
        if (!s) return report(s.error());
    }
    if (::rmdir(pin.c_str()) != 0 && errno != ENOTEMPTY && errno != EBUSY)
        return report(Error("removing folder " + pin + ": " + std::strerror(errno), errno));
    return kExitOk;
}

int run_unload_map_id(std::uint32_t id) {
    auto map = sys::map_get_fd_by_id(id);
    if (!map) return report(std::move(map).error().context("opening map id " + std::to_string(id)));
    auto info = sys::map_info(map->get());
    if (!info) return report(info.error());
    const std::string what = "struct_ops map id " + std::to_string(id) + " '" + info->name + "'";
    if (info->type != sys::kMapTypeStructOps)
        return report(Error("map id " + std::to_string(id) + " '" + info->name + "' is not a struct_ops map"));
    const auto pins = struct_ops::BpffsPins::scan();
    if (info->map_flags & sys::kMapFlagLink) {
        auto links = struct_ops::struct_ops_links(pins);
        if (!links) return report(links.error());
        for (auto [it, end] = links->equal_range(id); it != end; ++it) {
            auto link = sys::link_get_fd_by_id(it->second.id);
            if (!link) continue;  // detached and freed since
            if (auto s = sys::link_detach(link->get()); !s)
                return report(std::move(s).error().context("detaching link id " + std::to_string(it->second.id) + " of " + what));
            std::printf("detached struct_ops link id %u of %s\n", it->second.id, what.c_str());
        }
    } else {
        const std::uint32_t key = 0;
        auto s = sys::map_delete_elem(map->get(), sys::bytes_of(key));
        if (!s && s.error().err_no() != ENOENT) return report(std::move(s).error().context("unregistering " + what));
        std::printf("unregistered %s\n", what.c_str());
    }
    for (const std::string& pin : pins.of_struct_ops_map(id)) {
        if (::unlink(pin.c_str()) != 0) return report(Error("removing pin " + pin + ": " + std::strerror(errno), errno));
        std::printf("removed pin %s\n", pin.c_str());
    }
    return kExitOk;
}

void setup_unload(CLI::App& root, int& exit_code) {
    struct Args {
        std::string pin;
        std::uint32_t map_id = 0;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = root.add_subcommand(
        "unload", "Unregister a pinned struct_ops (link or legacy map, or a --pin folder) and remove the pins; or any "
                  "struct_ops map by id (--map-id), e.g. an orphan legacy registration `show` lists");
    auto* pin = cmd->add_option("pin", args->pin, "pinned struct_ops link or map, or the folder given to load --pin");
    auto* id = cmd->add_option("--map-id", args->map_id, "a struct_ops map id (as `rawops show` prints it)");
    pin->excludes(id);
    cmd->callback([args, pin, &exit_code] {
        if (pin->count() == 0 && args->map_id == 0) {
            std::fprintf(stderr, "rawops: unload: give a PIN or --map-id ID\n");
            exit_code = kExitUsage;
            return;
        }
        exit_code = pin->count() ? run_unload(args->pin) : run_unload_map_id(args->map_id);
    });
}

}  // namespace
RAWOPS_CLI_COMMAND(60, setup_unload);
}  // namespace rawops::cli
