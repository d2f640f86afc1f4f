#include "loader/unload.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "loader/pin_dir.h"
#include "loader/pinned.h"
#include "loader/struct_ops/registered.h"
#include "loader/sys/abi.h"
#include "loader/struct_ops/exit_info.h"
#include "loader/sys/link.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

namespace rawops {
namespace {

using Kind = UnloadEvent::Kind;

Status unload_one(const std::string& path, const UnloadObserver& observe) {
    auto pinned = open_pinned(path);
    if (!pinned) return std::move(pinned).error();
    Kind done = Kind::RemovedMapPin;
    switch (pinned->kind) {
        case Pinned::Kind::StructOpsLink: {
            auto s = sys::link_detach(pinned->fd.get());
            if (!s) return std::move(s).error().context("detaching " + path);
            done = Kind::DetachedStructOpsLink;
            break;
        }
        case Pinned::Kind::StructOpsMap: {
            const std::uint32_t key = 0;
            auto s = sys::map_delete_elem(pinned->fd.get(), sys::bytes_of(key));
            // ENOENT: not registered (any more); removing the pin is still right.
            if (!s && s.error().err_no() != ENOENT) return std::move(s).error().context("unregistering " + path);
            done = Kind::UnregisteredStructOpsMap;
            break;
        }
        case Pinned::Kind::ProgramLink: {
            // Detach now, even if someone else holds the link; links without
            // a detach operation (perf events) go with their last reference.
            auto s = sys::link_detach(pinned->fd.get());
            if (!s && s.error().err_no() != EOPNOTSUPP && s.error().err_no() != EINVAL)
                return std::move(s).error().context("detaching " + path);
            done = Kind::DetachedProgramLink;
            break;
        }
        case Pinned::Kind::OtherMap:
            break;
        case Pinned::Kind::Other:
            return Error(path + ": not a link or a map pinned by rawops");
    }
    // Said before the pin goes, as the CLI always has: the kernel side is done.
    if (observe) observe({done, path, {}});
    if (::unlink(path.c_str()) != 0) return Error("removing pin " + path + ": " + std::strerror(errno), errno);
    return {};
}

}  // namespace

Status unload(const std::string& pin, const UnloadObserver& observe) {
    std::error_code ec;
    const bool folder = std::filesystem::is_directory(pin, ec);
    // An update of a pin in this folder finishes first, or starts after us.
    const std::string locked = folder ? pin : std::filesystem::path(pin).parent_path().string();
    auto lock = lock_pin_folder(locked.empty() ? "." : locked);
    // A single pin whose folder cannot be opened goes on unlocked:
    // unload_one names what is wrong with the pin itself.
    if (!lock && folder) return std::move(lock).error();
    if (!folder) return unload_one(pin, observe);
    if (!std::filesystem::is_directory(pin, ec))
        return Error(pin + ": the folder was removed (by another unload?) before this one could", ENOENT);
    std::vector<std::string> ops, rest;
    for (const auto& e : std::filesystem::directory_iterator(pin, ec)) {
        auto p = open_pinned(e.path().string());
        if (!p) return std::move(p).error();
        (p->kind == Pinned::Kind::OtherMap ? rest : ops).push_back(e.path().string());
    }
    for (const auto& path : ops) RAWOPS_TRY(unload_one(path, observe));
    // A sched_ext scheduler's exit information, now that it has exited (or
    // earlier, if the kernel disabled it while it stayed pinned).
    for (const auto& path : rest) {
        auto fd = sys::obj_get(path);
        if (!fd) continue;
        auto uei = struct_ops::read_exit_info(fd->get());
        if (uei && uei->has_value() && observe) observe({Kind::ExitInfo, path, **uei});
    }
    for (const auto& path : rest) RAWOPS_TRY(unload_one(path, observe));
    if (::rmdir(pin.c_str()) != 0 && errno != ENOTEMPTY && errno != EBUSY)
        return Error("removing folder " + pin + ": " + std::strerror(errno), errno);
    return {};
}

Status unload_map_id(std::uint32_t id, const UnloadObserver& observe) {
    auto say = [&](UnloadEvent::Kind kind, std::string what) {
        if (observe) observe(UnloadEvent{kind, std::move(what), {}});
    };
    auto map = sys::map_get_fd_by_id(id);
    if (!map) return std::move(map).error().context("opening map id " + std::to_string(id));
    auto info = sys::map_info(map->get());
    if (!info) return std::move(info).error();
    const std::string what = "struct_ops map id " + std::to_string(id) + " '" + info->name + "'";
    if (info->type != sys::kMapTypeStructOps)
        return Error("map id " + std::to_string(id) + " '" + info->name + "' is not a struct_ops map");
    const auto pins = struct_ops::BpffsPins::scan();
    if (info->map_flags & sys::kMapFlagLink) {
        auto links = struct_ops::struct_ops_links(pins);
        if (!links) return std::move(links).error();
        for (auto [it, end] = links->equal_range(id); it != end; ++it) {
            auto link = sys::link_get_fd_by_id(it->second.id);
            if (!link) continue;  // detached and freed since
            const std::string which = "id " + std::to_string(it->second.id) + " of " + what;
            if (auto s = sys::link_detach(link->get()); !s) return std::move(s).error().context("detaching link " + which);
            say(UnloadEvent::Kind::DetachedStructOpsLink, which);
        }
    } else {
        const std::uint32_t key = 0;
        auto s = sys::map_delete_elem(map->get(), sys::bytes_of(key));
        // ENOENT: not registered (any more); the pins still go.
        if (!s && s.error().err_no() != ENOENT) return std::move(s).error().context("unregistering " + what);
        say(UnloadEvent::Kind::UnregisteredStructOpsMap, "id " + std::to_string(id) + " '" + info->name + "'");
    }
    for (const std::string& pin : pins.of_struct_ops_map(id)) {
        if (::unlink(pin.c_str()) != 0) return Error("removing pin " + pin + ": " + std::strerror(errno), errno);
        say(UnloadEvent::Kind::RemovedPin, pin);
    }
    return {};
}

}  // namespace rawops
