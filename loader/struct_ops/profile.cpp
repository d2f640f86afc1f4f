#include "loader/struct_ops/profile.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>

namespace rawops::struct_ops {

namespace {

constexpr std::uint32_t kUeiDumpDefaultLen = 32768;  // UEI_DUMP_DFL_LEN (user_exit_info_common.h)

Result<ProfileResult> sched_ext(const Object& obj, KernelBtf& kernel, const StructOpsVar& var, const ProfileFiles& files) {
    ProfileResult r;
    r.name = "sched_ext";
    r.clear_absent_members = true;
    const auto vars = global_vars(obj);

    // SCX_ENUM_INIT. scx's user space reads each enumerator from a named enum
    // type (SCX_ENUM_SET(skel, scx_enq_flags, SCX_ENQ_WAKEUP), every one of
    // them named scx_*), so the enumerators are collected in one pass over
    // the kernel's enums named scx_* (a prefix lookup: a binary search on 7.x
    // BTF), first id first, instead of over all ~2k enums of vmlinux (4M
    // instructions, most of a plan's time in the TCG guest).
    std::vector<const GlobalVar*> wanted;
    for (const GlobalVar& g : vars)
        if (g.name.rfind("__SCX_", 0) == 0 && obj.global_data()[g.data].kind == DataKind::Rodata && g.size == 8)
            wanted.push_back(&g);
    std::size_t filled = 0, absent = 0;
    if (!wanted.empty()) {
        std::map<std::string, std::pair<std::uint64_t, std::string>> values;
        const btf::Btf& v = kernel.vmlinux();
        std::vector<btf::TypeId> enums = v.own_types_with_prefix("scx_", btf::Kind::Enum);
        const std::vector<btf::TypeId> enums64 = v.own_types_with_prefix("scx_", btf::Kind::Enum64);
        enums.insert(enums.end(), enums64.begin(), enums64.end());
        std::sort(enums.begin(), enums.end());
        for (const btf::TypeId id : enums) {
            const btf::TypeView t = v.type(id);
            for (const btf::EnumValue& e : t.enum_values())
                if (e.name.rfind("SCX_", 0) == 0)
                    values.emplace(std::string(e.name),
                                   std::pair(t.enum_is_signed() && t.size() < 8 ? static_cast<std::uint64_t>(e.signed_value())
                                                                              : e.value,
                                             std::string(t.name())));
        }
        for (const GlobalVar* g : wanted) {
            const std::string enumerator = g->name.substr(2);  // "__SCX_X" -> "SCX_X"
            auto it = values.find(enumerator);
            const std::uint64_t value = it == values.end() ? 0 : it->second.first;
            r.edits.sets.push_back({g->name, std::to_string(value)});
            if (it == values.end()) ++absent;
            else ++filled;
        }
        r.notes.push_back("profile sched_ext: " + std::to_string(filled) + " __SCX_* constants filled from the kernel's "
                          "enums (SCX_ENUM_INIT), " + std::to_string(absent) + " the kernel lacks set to 0");
    }

    // SCX_OPS_OPEN: hotplug_seq.
    const btf::Btf& b = obj.btf();
    bool has_hotplug = false;
    std::uint32_t exit_dump_len = 0;
    for (const btf::Member& m : b.type(var.type).members()) {
        if (m.name == "hotplug_seq") has_hotplug = true;
        if (m.name == "exit_dump_len" && m.bit_offset / 8 + 4 <= var.data.size())
            std::memcpy(&exit_dump_len, var.data.data() + m.bit_offset / 8, 4);
    }
    if (has_hotplug) {
        std::ifstream in(files.hotplug_seq);
        unsigned long long seq = 0;
        if (in >> seq) {
            r.edits.sets.push_back({var.name + ".hotplug_seq", std::to_string(seq)});
            r.notes.push_back("profile sched_ext: " + var.name + ".hotplug_seq = " + std::to_string(seq) + " (from " +
                              files.hotplug_seq + ")");
        } else {
            r.notes.push_back("profile sched_ext: " + files.hotplug_seq + " unreadable; hotplug_seq left as compiled");
        }
    }

    // UEI_SET_SIZE: <uei>_dump_len and the .data.<uei>_dump array.
    const std::uint32_t len = exit_dump_len ? exit_dump_len : kUeiDumpDefaultLen;
    for (const GlobalVar& g : vars) {
        const std::string sfx = "_dump_len";
        if (g.name.size() <= sfx.size() || g.name.compare(g.name.size() - sfx.size(), sfx.size(), sfx) != 0) continue;
        if (obj.global_data()[g.data].kind != DataKind::Rodata) continue;
        const std::string section = ".data." + g.name.substr(0, g.name.size() - 4);  // "<uei>_dump"
        bool has_section = false;
        for (const GlobalData& d : obj.global_data()) has_section = has_section || d.section == section;
        if (!has_section) continue;
        r.edits.sets.push_back({g.name, std::to_string(len)});
        r.edits.resizes.push_back({section, len});
        r.notes.push_back("profile sched_ext: " + g.name + " = " + std::to_string(len) + " and " + section + " resized to " +
                          std::to_string(len) + " bytes (UEI_SET_SIZE)");
    }
    return r;
}

}  // namespace

Result<ProfileResult> apply_profile(const Object& obj, KernelBtf& kernel, const StructOpsVar& var,
                                    const std::string& type_name, const ProfileFiles& files) {
    if (type_name == "sched_ext_ops" || type_name == "sched_ext_ops_cid") return sched_ext(obj, kernel, var, files);
    return ProfileResult{};
}

}  // namespace rawops::struct_ops
