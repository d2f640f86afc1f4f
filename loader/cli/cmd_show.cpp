// rawops show [--json]: every struct_ops map the running kernel holds, found
// by walking map ids (vmlinux and module types alike), with its state, how
// it is registered (link or legacy map update), its pins, the program behind
// each function member and each data member decoded with kernel BTF.
// rawops dump NAME|ID [--json]: one of them in full, with the programs
// behind it.
//
// Both only read. The kernel reports, in place of each function pointer of
// a struct_ops value read back, the id of the program that implements it.
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loader/cli/command.h"
#include "loader/cli/json_out.h"
#include "loader/cli/value_print.h"
#include "loader/struct_ops/registered.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/describe.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

using struct_ops::Registered;
using struct_ops::RegisteredMember;

std::string hex_tag(const std::array<std::uint8_t, 8>& tag) {
    std::string s;
    char b[3];
    for (auto x : tag) std::snprintf(b, sizeof b, "%02x", x), s += b;
    return s;
}

// kernel.bpf_stats_enabled: run counts and times are kept only while it is 1.
// -1 where it cannot be read (no /proc).
int stats_enabled() {
    std::ifstream f("/proc/sys/kernel/bpf_stats_enabled");
    int v = -1;
    if (!(f >> v)) return -1;
    return v;
}

// Program facts by id, each read once (several members may share one).
// The kernel keeps 15 characters of a program's name; the full name is that
// of the FUNC of its first func_info record, in the program's own BTF.
class Programs {
public:
    const sys::ProgInfo* get(std::uint32_t id) {
        if (id == 0) return nullptr;
        auto [it, fresh] = cache_.try_emplace(id);
        if (fresh) {
            if (auto fd = sys::prog_get_fd_by_id(id))
                if (auto info = sys::prog_info(fd->get())) {
                    it->second = std::move(info).value();
                    it->second.name = full_name(fd->get(), it->second);
                }
        }
        return it->second.id ? &it->second : nullptr;
    }

private:
    static constexpr std::size_t kKernelNameMax = 15;  // BPF_OBJ_NAME_LEN - 1

    std::string full_name(int prog_fd, const sys::ProgInfo& info) {
        if (info.name.size() < kKernelNameMax || info.btf_id == 0) return info.name;
        auto func = sys::prog_main_func_type_id(prog_fd);
        const btf::Btf* btf = prog_btf(info.btf_id);
        if (!func || *func == 0 || !btf) return info.name;
        const btf::TypeView t = btf->type(*func);
        // Only a name the kernel's cut agrees with: a FUNC of another name
        // would mean the records are not what we think.
        if (t.kind() != btf::Kind::Func || t.name().substr(0, kKernelNameMax) != info.name) return info.name;
        return std::string(t.name());
    }

    const btf::Btf* prog_btf(std::uint32_t btf_id) {
        auto [it, fresh] = btfs_.try_emplace(btf_id);
        if (fresh) {
            if (auto parsed = struct_ops::read_btf_object(btf_id, "BTF id " + std::to_string(btf_id)))
                it->second = std::make_unique<btf::Btf>(std::move(parsed).value());
        }
        return it->second.get();
    }

    std::map<std::uint32_t, sys::ProgInfo> cache_;
    std::map<std::uint32_t, std::unique_ptr<btf::Btf>> btfs_;
};

std::string mode_text(const Registered& r) {
    if (!r.link_mode) return "legacy (registered by map update; stays until unloaded)";
    if (r.links.empty()) return "link mode, no link";
    std::string s;
    for (const auto& l : r.links) s += (s.empty() ? "link id " : ", link id ") + std::to_string(l.id);
    return s;
}

void print_registered(const Registered& r, Programs& progs, bool all_members) {
    std::printf("struct_ops map id %u '%s': %s (%s), state %s, %s\n", r.map.id, r.map.name.c_str(), r.ops_type.c_str(),
                r.origin().c_str(), r.state.c_str(), mode_text(r).c_str());
    for (const auto& p : r.map_pins) std::printf("    pinned map:  %s\n", p.c_str());
    for (const auto& h : r.holders) std::printf("    held by:     %s\n", h.c_str());
    if (r.orphan())
        std::printf("    orphan: no pin and no process holds it; `rawops unload --map-id %u` unregisters it\n", r.map.id);
    for (const auto& l : r.links)
        for (const auto& p : l.pins) std::printf("    pinned link: %s\n", p.c_str());
    std::vector<std::string> unset;
    for (const RegisteredMember& m : r.members) {
        if (m.is_function) {
            if (m.prog_id == 0) {
                unset.push_back(m.name);
                continue;
            }
            const sys::ProgInfo* p = progs.get(m.prog_id);
            std::printf("    %-20s -> prog id %u '%s' tag %s\n", m.name.c_str(), m.prog_id, p ? p->name.c_str() : "?",
                        p ? hex_tag(p->tag).c_str() : "?");
            continue;
        }
        const auto lines = value_lines(m.value);
        for (std::size_t i = 0; i < lines.size(); ++i)
            std::printf("    %s\n", lines[i].c_str());
    }
    if (!unset.empty() && all_members) {
        std::string s;
        for (const auto& n : unset) s += (s.empty() ? "" : ", ") + n;
        std::printf("    not set: %s\n", s.c_str());
    }
}

Json registered_json(const Registered& r, Programs& progs) {
    Json j;
    j["map_id"] = r.map.id;
    j["name"] = r.map.name;
    j["type"] = r.ops_type;
    j["origin"] = r.origin();
    j["value_type_id"] = r.map.btf_vmlinux_value_type_id;
    j["btf_object_id"] = r.map.btf_vmlinux_id;
    j["state"] = r.state;
    j["refcnt"] = r.refcnt;
    j["mode"] = r.link_mode ? "link" : "legacy";
    Json links = Json::array();
    for (const auto& l : r.links) links.push_back({{"id", l.id}, {"pins", l.pins}});
    j["links"] = links;
    j["map_pins"] = r.map_pins;
    j["holders"] = r.holders;
    j["orphan"] = r.orphan();
    Json members = Json::array();
    for (const RegisteredMember& m : r.members) {
        Json jm;
        jm["name"] = m.name;
        jm["index"] = m.index;
        jm["offset"] = m.offset;
        jm["kind"] = m.is_function ? "function" : "data";
        if (m.is_function) {
            const sys::ProgInfo* p = progs.get(m.prog_id);
            jm["prog"] = p ? Json{{"id", p->id}, {"name", p->name}, {"tag", hex_tag(p->tag)}} : Json(nullptr);
        } else {
            jm["value"] = value_json(m.value);
        }
        members.push_back(jm);
    }
    j["members"] = members;
    return j;
}

int run_show(bool json) {
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) return report(kernel.error());
    struct_ops::RegisteredReader reader(*kernel);
    auto all = reader.list();
    if (!all) return report(all.error());
    Programs progs;
    if (json) {
        Json list = Json::array();
        for (const auto& r : *all) list.push_back(registered_json(r, progs));
        print_json(Json{{"struct_ops", list}});
        return kExitOk;
    }
    if (all->empty()) std::printf("no struct_ops maps in the kernel\n");
    for (const auto& r : *all) print_registered(r, progs, false);
    return kExitOk;
}

// "52" -> map id 52; anything else is a map name, which must name exactly one.
Result<std::uint32_t> resolve_target(struct_ops::RegisteredReader& reader, const std::string& target) {
    if (!target.empty() && target.find_first_not_of("0123456789") == std::string::npos && target.size() < 11)
        return static_cast<std::uint32_t>(std::stoul(target));
    auto ids = reader.find_by_name(target);
    if (!ids) return std::move(ids).error();
    if (ids->empty())
        return Error("no struct_ops map named '" + target + "' in the kernel (`rawops show` lists them; kernel map names "
                     "are cut to 15 characters)");
    if (ids->size() > 1) {
        std::string list;
        for (auto id : *ids) list += (list.empty() ? "" : ", ") + std::to_string(id);
        return Error("several struct_ops maps are named '" + target + "' (map ids " + list + "): give the id");
    }
    return ids->front();
}

Json program_json(const sys::ProgInfo& p, const RegisteredMember& m, const std::string& attach, int stats) {
    Json j;
    j["id"] = p.id;
    j["name"] = p.name;
    j["member"] = m.name;
    j["member_index"] = m.index;
    j["type"] = sys::prog_type_name(p.type);
    j["tag"] = hex_tag(p.tag);
    j["attach_btf_obj_id"] = p.attach_btf_obj_id;
    j["attach_btf_id"] = p.attach_btf_id;
    j["attach_type_name"] = attach;
    j["gpl_compatible"] = p.gpl_compatible;
    j["xlated_bytes"] = p.xlated_prog_len;
    j["jited_bytes"] = p.jited_prog_len;
    j["verified_insns"] = p.verified_insns;
    j["map_count"] = p.nr_map_ids;
    j["btf_id"] = p.btf_id;
    j["created_by_uid"] = p.created_by_uid;
    j["stats_enabled"] = stats == 1;
    j["run_cnt"] = p.run_cnt;
    j["run_time_ns"] = p.run_time_ns;
    return j;
}

int run_dump(const std::string& target, bool json) {
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) return report(kernel.error());
    struct_ops::RegisteredReader reader(*kernel);
    auto id = resolve_target(reader, target);
    if (!id) return report(id.error());
    auto r = reader.read(*id);
    if (!r) return report(r.error());
    Programs progs;
    const int stats = stats_enabled();
    Json programs = Json::array();
    if (!json) print_registered(*r, progs, true);
    for (const RegisteredMember& m : r->members) {
        const sys::ProgInfo* p = m.is_function ? progs.get(m.prog_id) : nullptr;
        if (!p) continue;
        std::string module;
        auto type = reader.kernel_type_name(p->attach_btf_obj_id, p->attach_btf_id, &module);
        const std::string attach = type ? *type + " (" + (module.empty() ? "vmlinux" : module) + ")" : "?";
        if (json) {
            programs.push_back(program_json(*p, m, attach, stats));
            continue;
        }
        std::printf("program id %u '%s' for member %s (#%u)\n", p->id, p->name.c_str(), m.name.c_str(), m.index);
        std::printf("    type %s, attached to %s: BTF object %u, type id %u\n", sys::prog_type_name(p->type).c_str(),
                    attach.c_str(), p->attach_btf_obj_id, p->attach_btf_id);
        std::printf("    tag %s, %s, xlated %u bytes (%u insns), jited %u bytes, verified %u insns, %u maps\n",
                    hex_tag(p->tag).c_str(), p->gpl_compatible ? "GPL" : "not GPL", p->xlated_prog_len,
                    p->xlated_prog_len / 8, p->jited_prog_len, p->verified_insns, p->nr_map_ids);
        if (stats == 1)
            std::printf("    run %" PRIu64 " times, %" PRIu64 " ns in all\n", p->run_cnt, p->run_time_ns);
        else
            std::printf("    run count not kept (sysctl kernel.bpf_stats_enabled=1 turns it on)\n");
    }
    if (json) {
        Json j = registered_json(*r, progs);
        j["programs"] = programs;
        print_json(j);
    }
    return kExitOk;
}

void setup_show(CLI::App& root, int& exit_code) {
    auto json = std::make_shared<bool>(false);
    auto* show = root.add_subcommand(
        "show", "List every struct_ops map in the running kernel: type, state, link or legacy, pins, programs, data");
    show->add_flag("--json", *json, "print one JSON document (docs/schema/show.schema.json)");
    show->callback([json, &exit_code] { exit_code = run_show(*json); });

    auto target = std::make_shared<std::string>();
    auto dump_json = std::make_shared<bool>(false);
    auto* dump = root.add_subcommand("dump", "One struct_ops map of the running kernel in full, with the programs behind it");
    dump->add_option("target", *target, "map id, or kernel map name (as `show` prints it)")->required();
    dump->add_flag("--json", *dump_json, "print one JSON document (docs/schema/dump.schema.json)");
    dump->callback([target, dump_json, &exit_code] { exit_code = run_dump(*target, *dump_json); });
}

}  // namespace
RAWOPS_CLI_COMMAND(67, setup_show, "show", "dump");
}  // namespace rawops::cli
