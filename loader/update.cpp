#include "loader/update.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <variant>

#include "loader/pin_dir.h"
#include "loader/plan/executor.h"
#include "loader/sys/abi.h"
#include "loader/sys/link.h"
#include "loader/sys/obj.h"

namespace rawops {
namespace {

// Pins every map of the new object beside the link, under the name
// Loaded::pin would give it (global data, .kconfig and `.maps` maps alike),
// replacing the pin of the same name: the programs now behind the link use
// these maps, and a pin still naming the old object's map would show stale
// values. The struct_ops map itself needs no pin: the link holds it.
Status repin_maps(const plan::Plan& plan, const plan::Loaded& loaded, const std::string& dir) {
    for (const plan::Step& step : plan.steps) {
        const auto* create = std::get_if<plan::CreateMap>(&step.action);
        if (!create || create->request.map_type == sys::kMapTypeStructOps) continue;
        const int fd = loaded.fd(step.creates);
        const std::string name = loaded.pin_name_of(step.creates);
        if (fd < 0 || name.empty()) continue;
        const std::string path = dir + "/" + name;
        ::unlink(path.c_str());
        RAWOPS_TRY(sys::obj_pin(fd, path));
    }
    return {};
}

}  // namespace

Result<Pinned> open_struct_ops_link(const std::string& pin) {
    auto link = open_pinned(pin);
    if (!link) return std::move(link).error();
    if (link->kind != Pinned::Kind::StructOpsLink)
        return Error(pin + ": not a pinned struct_ops link (legacy .struct_ops maps cannot be updated in place)");
    return link;
}

Result<std::string> update_link(const Pinned& link, const std::string& pin, const Object& obj, const plan::Plan& plan,
                                const std::vector<std::string>& only_maps, plan::ExecOptions exec) {
    std::vector<std::string> link_vars;
    for (const auto& v : obj.struct_ops())
        if (v.link() && (only_maps.empty() ? v.autocreate
                                           : std::find(only_maps.begin(), only_maps.end(), v.name) != only_maps.end()))
            link_vars.push_back(v.name);
    if (link_vars.size() != 1)
        return Error(obj.path() + ": needs exactly one .struct_ops.link variable to update with (found " +
                     std::to_string(link_vars.size()) + "; choose one with --map)");

    // Held until the new maps are pinned: an unload of this folder runs
    // wholly before (then the pin is gone, checked below) or after us.
    const std::string dir = std::filesystem::path(pin).parent_path().string();
    auto lock = lock_pin_folder(dir.empty() ? "." : dir);
    if (!lock) return std::move(lock).error();
    auto now = open_struct_ops_link(pin);
    if (!now) return std::move(now).error().context("the pin changed before the update (a concurrent unload?)");
    auto info = sys::link_info(link.fd.get());
    if (!info) return std::move(info).error();
    auto pinned_now = sys::link_info(now->fd.get());
    if (!pinned_now || pinned_now->id != info->id)
        return Error(pin + ": the pin changed before the update (a concurrent unload or load?)");

    exec.create_links = false;
    auto loaded = plan::execute(plan, exec);
    if (!loaded) return std::move(loaded).error();

    // The link's map as read under the lock: no other update can have moved it.
    auto old_map = sys::map_get_fd_by_id(info->struct_ops_map_id);
    if (!old_map) return std::move(old_map).error();
    RAWOPS_TRY(sys::link_update_struct_ops(link.fd.get(), loaded->map_fd(link_vars[0]), old_map->get()));
    RAWOPS_TRY(repin_maps(plan, *loaded, std::filesystem::path(pin).parent_path().string()));
    loaded->keep();  // the link now holds the new map and its programs
    return link_vars[0];
}

}  // namespace rawops
