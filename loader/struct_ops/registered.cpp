#include "loader/struct_ops/registered.h"

#include <algorithm>
#include <cstdlib>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "loader/sys/btf_obj.h"
#include "loader/sys/map.h"

namespace rawops::struct_ops {
namespace {

// Limits of the bpffs walk: pins live a few folders down (`load --pin DIR`
// makes one level); a bpffs with more entries than this is not walked further.
constexpr int kMaxPinDepth = 4;
constexpr int kMaxPinEntries = 8192;
// Id walks stop here even if the kernel keeps answering (ids are 31-bit, but
// no real machine holds this many struct_ops maps or links).
constexpr int kMaxIds = 1 << 20;

std::vector<std::string> bpffs_mounts() {
    std::vector<std::string> roots;
    std::ifstream mounts("/proc/self/mounts");
    std::string line;
    while (std::getline(mounts, line)) {
        std::istringstream fields(line);
        std::string source, target, type;
        if (fields >> source >> target >> type && type == "bpf") roots.push_back(target);
    }
    if (roots.empty() && !mounts.is_open()) roots.push_back("/sys/fs/bpf");  // no /proc: the usual place
    std::sort(roots.begin(), roots.end());
    roots.erase(std::unique(roots.begin(), roots.end()), roots.end());
    return roots;
}

std::vector<std::string> values_of(const std::multimap<std::uint32_t, std::string>& m, std::uint32_t id) {
    std::vector<std::string> out;
    for (auto [it, end] = m.equal_range(id); it != end; ++it) out.push_back(it->second);
    std::sort(out.begin(), out.end());
    return out;
}

// "BPF_STRUCT_OPS_STATE_INUSE" -> "INUSE".
std::string short_state(const std::string& name) {
    const std::string prefix = "BPF_STRUCT_OPS_STATE_";
    return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::uint64_t read_u64(const std::vector<std::byte>& v, std::size_t off, std::size_t n) {
    std::uint64_t x = 0;
    if (off + n <= v.size() && n <= sizeof x) std::memcpy(&x, v.data() + off, n);
    return x;
}

}  // namespace

Result<btf::Btf> read_btf_object(std::uint32_t btf_id, const std::string& what) {
    auto fd = sys::btf_get_fd_by_id(btf_id);
    if (!fd) return std::move(fd).error().context(what);
    auto raw = sys::btf_raw(fd->get());
    if (!raw) return std::move(raw).error().context(what);
    return btf::Btf::parse(std::move(raw).value(), nullptr, what);
}

std::multimap<std::uint32_t, std::string> map_holders() {
    std::multimap<std::uint32_t, std::string> holders;
    const std::string self = std::to_string(::getpid());
    std::error_code ec;
    for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
        const std::string pid = proc.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self) continue;
        std::string comm;
        std::error_code fd_ec;
        for (const auto& fd : std::filesystem::directory_iterator(proc.path() / "fd", fd_ec)) {
            // Only bpf-map fds: reading every fdinfo of every process would cost more.
            std::error_code link_ec;
            if (std::filesystem::read_symlink(fd.path(), link_ec).string() != "anon_inode:bpf-map") continue;
            std::ifstream info(proc.path() / "fdinfo" / fd.path().filename());
            std::string line;
            while (std::getline(info, line)) {
                if (line.rfind("map_id:", 0) != 0) continue;
                if (comm.empty()) {
                    std::ifstream c(proc.path() / "comm");
                    std::getline(c, comm);
                }
                holders.emplace(static_cast<std::uint32_t>(std::strtoul(line.c_str() + 7, nullptr, 10)),
                                comm + " (pid " + pid + ")");
                break;
            }
        }
    }
    return holders;
}

BpffsPins BpffsPins::scan() {
    BpffsPins pins;
    for (const std::string& root : bpffs_mounts()) pins.walk(root);
    return pins;
}

void BpffsPins::walk(const std::string& root) {
    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(root, ec), end;
    for (int seen = 0; !ec && it != end && seen < kMaxPinEntries; it.increment(ec), ++seen) {
        if (it.depth() >= kMaxPinDepth) it.disable_recursion_pending();
        if (!it->is_regular_file(ec)) continue;
        const std::string path = it->path().string();
        auto fd = sys::obj_get(path);  // read-write: links cannot be opened read-only
        if (!fd) continue;
        auto kind = sys::obj_kind(fd->get());
        if (!kind) continue;
        if (*kind == sys::ObjKind::Map) {
            if (auto m = sys::map_info(fd->get())) maps_.emplace(m->id, path);
        } else if (*kind == sys::ObjKind::Link) {
            if (auto l = sys::link_info(fd->get())) {
                links_.emplace(l->id, path);
                if (l->type == sys::kLinkTypeStructOps) links_by_map_.emplace(l->struct_ops_map_id, path);
            }
        }
    }
}

std::vector<std::string> BpffsPins::of_map(std::uint32_t id) const { return values_of(maps_, id); }
std::vector<std::string> BpffsPins::of_link(std::uint32_t id) const { return values_of(links_, id); }
std::vector<std::string> BpffsPins::of_struct_ops_map(std::uint32_t id) const {
    std::vector<std::string> out = values_of(maps_, id);
    for (auto& p : values_of(links_by_map_, id)) out.push_back(std::move(p));
    return out;
}

RegisteredReader::RegisteredReader(KernelBtf& kernel)
    : kernel_(kernel), pins_(BpffsPins::scan()), holders_(map_holders()) {}

Result<std::multimap<std::uint32_t, StructOpsLink>> struct_ops_links(const BpffsPins& pins) {
    std::multimap<std::uint32_t, StructOpsLink> by_map;
    std::uint32_t id = 0;
    for (int n = 0; n < kMaxIds; ++n) {
        auto next = sys::get_next_id(sys::Cmd::LinkGetNextId, id);
        if (!next) return std::move(next).error().context("listing the kernel's links");
        if (!*next) break;
        id = **next;
        auto fd = sys::link_get_fd_by_id(id);
        if (!fd) continue;  // gone since: links come and go
        auto info = sys::link_info(fd->get());
        if (!info || info->type != sys::kLinkTypeStructOps) continue;
        by_map.emplace(info->struct_ops_map_id, StructOpsLink{info->id, info->struct_ops_map_id, pins.of_link(id)});
    }
    return by_map;
}

Status RegisteredReader::scan_links() {
    if (links_scanned_) return {};
    auto links = struct_ops_links(pins_);
    if (!links) return std::move(links).error();
    links_by_map_ = std::move(links).value();
    links_scanned_ = true;
    return {};
}

// The kernel BTF a struct_ops map's value type lives in: vmlinux, or the
// module whose BTF object id the map reports (6.9+; 0 before, when only
// vmlinux could define struct_ops types).
Result<const btf::Btf*> RegisteredReader::btf_of(std::uint32_t btf_object_id, std::string* module) {
    module->clear();
    if (btf_object_id == 0) return &kernel_.vmlinux();
    auto fd = sys::btf_get_fd_by_id(btf_object_id);
    if (!fd) return std::move(fd).error().context("opening BTF object id " + std::to_string(btf_object_id));
    auto info = sys::btf_info(fd->get());
    if (!info) return std::move(info).error();
    if (info->name == "vmlinux") return &kernel_.vmlinux();
    *module = info->name;
    return kernel_.module(info->name);
}

Result<Registered> RegisteredReader::read_fd(int map_fd, const sys::MapInfo& info) {
    Registered r;
    r.map = info;
    r.link_mode = info.map_flags & sys::kMapFlagLink;
    r.map_pins = pins_.of_map(info.id);
    r.holders = values_of(holders_, info.id);
    const std::string what = "struct_ops map id " + std::to_string(info.id) + " '" + info.name + "'";
    auto btf = btf_of(info.btf_vmlinux_id, &r.module);
    if (!btf) return std::move(btf).error().context(what);
    r.btf = *btf;
    auto value_type = r.btf->checked_type(info.btf_vmlinux_value_type_id);
    if (!value_type) return std::move(value_type).error().context(what + ": its value type");
    const std::string value_name(value_type->name());
    const std::string prefix = "bpf_struct_ops_";
    r.ops_type = value_name.rfind(prefix, 0) == 0 ? value_name.substr(prefix.size()) : value_name;

    r.value.resize(info.value_size);
    const std::uint32_t key = 0;
    if (auto st = sys::map_lookup_elem(map_fd, sys::bytes_of(key), r.value); !st)
        return std::move(st).error().context(what + ": reading its value");

    const btf::TypeId vt = value_type->id();
    const std::span<const std::byte> whole(r.value);
    // The bytes from `off` (at most `len` of them); empty past the end.
    auto at = [&](std::size_t off, std::size_t len = SIZE_MAX) {
        off = std::min(off, whole.size());
        return whole.subspan(off, std::min(len, whole.size() - off));
    };
    // refcnt and state: in `common` (struct bpf_struct_ops_common_value,
    // 6.9+) or directly in the value (BPF_STRUCT_OPS_COMMON_VALUE before).
    btf::TypeId common_type = vt;
    std::uint32_t common_off = 0;
    if (auto common = r.btf->find_member(vt, "common")) {
        common_type = common->member.type;
        common_off = common->bit_offset / 8;
    }
    if (auto state = r.btf->find_member(common_type, "state"))
        r.state = short_state(btf::scalar_text(
            btf::decode_value(*r.btf, state->member.type, at(common_off + state->bit_offset / 8, 4))));
    if (auto refcnt = r.btf->find_member(common_type, "refcnt"))
        r.refcnt = read_u64(r.value, common_off + refcnt->bit_offset / 8, 4);

    auto data = r.btf->find_member(vt, "data");
    if (!data) return Error(what + ": no member 'data' in " + r.btf->describe(vt));
    const std::uint32_t base = data->bit_offset / 8;
    auto ops = r.btf->resolve(data->member.type);
    if (!ops) return std::move(ops).error().context(what);
    // Decoded once as a whole, so bitfield members read their bits.
    btf::DecodedValue decoded = btf::decode_value(*r.btf, *ops, at(base));
    std::uint32_t index = 0;
    for (const btf::Member& m : r.btf->type(*ops).members()) {
        RegisteredMember rm;
        rm.name = std::string(m.name);
        rm.index = index++;
        rm.offset = m.bit_offset / 8;
        rm.type = m.type;
        rm.is_function = !r.btf->func_proto_of_pointer(m.type).is_void();
        if (rm.is_function)
            rm.prog_id = static_cast<std::uint32_t>(read_u64(r.value, base + rm.offset, 8));
        else if (rm.index < decoded.children.size())
            rm.value = std::move(decoded.children[rm.index]);
        r.members.push_back(std::move(rm));
    }
    if (auto st = scan_links(); !st) return std::move(st).error();
    for (auto [it, end] = links_by_map_.equal_range(info.id); it != end; ++it) r.links.push_back(it->second);
    return r;
}

Result<Registered> RegisteredReader::read(std::uint32_t map_id) {
    auto fd = sys::map_get_fd_by_id(map_id);
    if (!fd) return std::move(fd).error().context("opening map id " + std::to_string(map_id));
    auto info = sys::map_info(fd->get());
    if (!info) return std::move(info).error();
    if (info->type != sys::kMapTypeStructOps)
        return Error("map id " + std::to_string(map_id) + " '" + info->name + "' is not a struct_ops map");
    return read_fd(fd->get(), *info);
}

namespace {

// Calls `visit(fd, info)` for each struct_ops map of the kernel, in id order;
// a map freed during the walk is left out. Stops at `visit`'s first error.
template <typename Visit>
Status for_each_struct_ops_map(Visit&& visit) {
    std::uint32_t id = 0;
    for (int n = 0; n < kMaxIds; ++n) {
        auto next = sys::map_get_next_id(id);
        if (!next) return std::move(next).error().context("listing the kernel's maps");
        if (!*next) break;
        id = **next;
        auto fd = sys::map_get_fd_by_id(id);
        if (!fd) continue;  // freed since
        auto info = sys::map_info(fd->get());
        if (!info || info->type != sys::kMapTypeStructOps) continue;
        RAWOPS_TRY(visit(fd->get(), *info));
    }
    return {};
}

}  // namespace

Result<std::vector<Registered>> RegisteredReader::list() {
    std::vector<Registered> out;
    RAWOPS_TRY(for_each_struct_ops_map([&](int fd, const sys::MapInfo& info) -> Status {
        auto r = read_fd(fd, info);
        if (!r) return std::move(r).error();
        out.push_back(std::move(r).value());
        return {};
    }));
    return out;
}

Result<std::vector<std::uint32_t>> RegisteredReader::find_by_name(const std::string& name) {
    std::vector<std::uint32_t> ids;
    RAWOPS_TRY(for_each_struct_ops_map([&](int, const sys::MapInfo& info) -> Status {
        if (info.name == name) ids.push_back(info.id);
        return {};
    }));
    return ids;
}

Result<std::string> RegisteredReader::kernel_type_name(std::uint32_t btf_object_id, std::uint32_t type_id,
                                                       std::string* module) {
    auto btf = btf_of(btf_object_id, module);
    if (!btf) return std::move(btf).error();
    auto t = (*btf)->checked_type(type_id);
    if (!t) return std::move(t).error();
    return std::string(t->name());
}

}  // namespace rawops::struct_ops
