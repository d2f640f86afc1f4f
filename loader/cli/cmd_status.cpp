// rawops status PIN|DIR: what a `load --pin` left in the kernel, without
// changing it: each pin (struct_ops link, program link, map) and, for a
// sched_ext scheduler, the kernel's sched_ext state and the exit information
// the scheduler recorded, e.g. after the kernel disabled it (sysrq-S, an
// error, the watchdog) while it stayed pinned.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "loader/cli/command.h"
#include "loader/struct_ops/exit_info.h"
#include "loader/pinned.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

std::string read_line(const std::string& path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    return s;
}

int run_status(const std::string& pin) {
    std::error_code ec;
    std::vector<std::string> pins;
    if (std::filesystem::is_directory(pin, ec)) {
        for (const auto& e : std::filesystem::directory_iterator(pin, ec)) pins.push_back(e.path().string());
        std::sort(pins.begin(), pins.end());
    } else {
        pins.push_back(pin);
    }
    bool sched_ext = false;
    for (const std::string& path : pins) {
        auto p = open_pinned(path);
        if (!p) return report(p.error());
        const std::string name = std::filesystem::path(path).filename().string();
        switch (p->kind) {
            case Pinned::Kind::StructOpsLink: {
                auto info = sys::link_info(p->fd.get());
                if (!info) return report(info.error());
                auto map = sys::map_get_fd_by_id(info->struct_ops_map_id);
                std::string type;
                if (map) {
                    auto mi = sys::map_info(map->get());
                    if (mi) type = " (map '" + mi->name + "')";
                }
                std::printf("%-28s struct_ops link id %u -> map id %u%s\n", name.c_str(), info->id,
                            info->struct_ops_map_id, type.c_str());
                break;
            }
            case Pinned::Kind::StructOpsMap: {
                auto mi = sys::map_info(p->fd.get());
                if (!mi) return report(mi.error());
                std::printf("%-28s struct_ops map id %u (legacy registration)\n", name.c_str(), mi->id);
                break;
            }
            case Pinned::Kind::ProgramLink: {
                auto info = sys::link_info(p->fd.get());
                if (!info) return report(info.error());
                std::printf("%-28s program link id %u -> program id %u\n", name.c_str(), info->id, info->prog_id);
                break;
            }
            case Pinned::Kind::OtherMap: {
                auto mi = sys::map_info(p->fd.get());
                if (!mi) return report(mi.error());
                std::printf("%-28s map id %u '%s'\n", name.c_str(), mi->id, mi->name.c_str());
                auto uei = struct_ops::read_exit_info(p->fd.get());
                if (uei && uei->has_value()) {
                    sched_ext = true;
                    std::printf("%-28s   sched_ext exit info: %s\n", "", (*uei)->c_str());
                }
                break;
            }
            case Pinned::Kind::Other:
                std::printf("%-28s (not a link or map)\n", name.c_str());
                break;
        }
    }
    if (sched_ext && std::filesystem::exists("/sys/kernel/sched_ext/state"))
        std::printf("sched_ext: state %s, root scheduler '%s'\n", read_line("/sys/kernel/sched_ext/state").c_str(),
                    read_line("/sys/kernel/sched_ext/root/ops").c_str());
    return kExitOk;
}

void setup_status(CLI::App& root, int& exit_code) {
    auto pin = std::make_shared<std::string>();
    auto* cmd = root.add_subcommand("status", "Show what a load --pin left in the kernel (and a sched_ext scheduler's exit info), changing nothing");
    cmd->add_option("pin", *pin, "a pin, or the folder given to load --pin")->required();
    cmd->callback([pin, &exit_code] { exit_code = run_status(*pin); });
}

}  // namespace
RAWOPS_CLI_COMMAND(65, setup_status, "status");
}  // namespace rawops::cli
