// What the kernel holds for one load, as text two loads can be compared by
// (tests/diff). Everything here is read back from the kernel by id
// (BPF_*_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD, map lookups), never taken from
// the loader that made it; only a program's expected attach type, which the
// kernel does not report, comes from the manifest. (Its flags, sleepable
// among them, are not reported either: the bpf() capture compares them.)
//
//   kstate describe MANIFEST        one "KEY<TAB>VALUE" line per fact
//   kstate compare A B [NAME_A NAME_B]
//                                   the differences, named; exit 0 if none, 1 if any
//
// Per-load values are normalised so that two loads of the same object read
// the same: map ids become map names, program ids program names, kernel
// addresses the kallsyms symbol they are (a JITed callback reads as
// bpf_prog_<tag>_<name>), or "kernel address" when they are none (a
// program's own aux pointer), fd_array slots of kfunc calls are dropped.
#include <linux/bpf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "btf/btf.h"
#include "loader/insn.h"
#include "loader/insn_text.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"

using namespace rawops;

namespace {

struct ManifestProg {
    std::uint32_t id = 0, expected_attach_type = 0;
    int sleepable = 0;
    std::string section;
};

struct Manifest {
    std::vector<ManifestProg> progs;
    std::vector<std::uint32_t> maps, links;
    std::uint32_t btf = 0;
};

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "kstate: %s\n", what.c_str());
    std::exit(2);
}

template <typename T>
T must(Result<T> r, const std::string& what) {
    if (!r) die(what + ": " + r.error().message());
    return std::move(*r);
}

Manifest read_manifest(const std::string& path) {
    std::ifstream in(path);
    if (!in) die("cannot read " + path);
    Manifest m;
    std::string kind;
    while (in >> kind) {
        if (kind == "prog") {
            ManifestProg p;
            in >> p.id >> p.expected_attach_type >> p.sleepable >> p.section;
            m.progs.push_back(p);
        } else if (kind == "map" || kind == "link" || kind == "btf") {
            std::uint32_t id = 0;
            in >> id;
            if (kind == "map") m.maps.push_back(id);
            else if (kind == "link") m.links.push_back(id);
            else m.btf = id;
        } else if (kind == "ready") {
            break;
        } else {
            die(path + ": unknown manifest line '" + kind + "'");
        }
    }
    return m;
}

std::string hex(const void* data, std::size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string s;
    const auto* b = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < n; i++) {
        s += digits[b[i] >> 4];
        s += digits[b[i] & 15];
    }
    return s;
}

std::string num(std::uint64_t v) { return std::to_string(v); }

// Kernel addresses to names, from /proc/kallsyms (read on first use).
class Kallsyms {
public:
    std::optional<std::string> name_at(std::uint64_t addr) {
        if (!loaded_) load();
        auto it = by_addr_.find(addr);
        if (it == by_addr_.end()) return std::nullopt;
        return it->second;
    }

private:
    void load() {
        loaded_ = true;
        std::ifstream in("/proc/kallsyms");
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream f(line);
            std::string addr, type, name;
            f >> addr >> type >> name;
            std::uint64_t a = std::strtoull(addr.c_str(), nullptr, 16);
            if (a) by_addr_.emplace(a, name);  // the first name at an address
        }
    }
    bool loaded_ = false;
    std::unordered_map<std::uint64_t, std::string> by_addr_;
};

class Describer {
public:
    explicit Describer(Manifest m) : m_(std::move(m)), kernel_(must(struct_ops::KernelBtf::open(), "kernel BTF")) {}

    void run() {
        // Names first: instructions and values refer to maps and programs by id.
        for (std::uint32_t id : m_.maps) {
            sys::Fd fd = must(sys::map_get_fd_by_id(id), "map id " + num(id));
            bpf_map_info info{};
            must(sys::obj_get_info(fd.get(), &info, sizeof info), "map info of id " + num(id));
            // (btf_vmlinux_id is newer than this machine's UAPI headers: rawops' own view has it.)
            btf_vmlinux_id_[id] = must(sys::map_info(fd.get()), "map info of id " + num(id)).btf_vmlinux_id;
            map_names_[id] = unique(info.name, map_seen_);
            maps_.push_back({std::move(fd), info});
        }
        for (const ManifestProg& p : m_.progs) {
            sys::Fd fd = must(sys::prog_get_fd_by_id(p.id), "program id " + num(p.id));
            bpf_prog_info info{};
            must(sys::obj_get_info(fd.get(), &info, sizeof info), "program info of id " + num(p.id));
            prog_names_[p.id] = unique(info.name, prog_seen_);
            progs_.push_back({std::move(fd), p});
        }
        if (m_.btf) describe_btf();
        for (auto& [fd, info] : maps_) describe_map(fd.get(), info);
        for (auto& [fd, p] : progs_) describe_prog(fd.get(), p);
        for (std::uint32_t id : m_.links) describe_link(id);
    }

private:
    static std::string unique(const char* name, std::map<std::string, int>& seen) {
        const int n = ++seen[name];
        return n == 1 ? std::string(name) : std::string(name) + "#" + std::to_string(n);
    }

    void out(const std::string& key, const std::string& value) { std::printf("%s\t%s\n", key.c_str(), value.c_str()); }

    std::string map_name(std::uint32_t id) const {
        auto it = map_names_.find(id);
        return it == map_names_.end() ? "map id not of this load" : it->second;
    }
    std::string prog_name(std::uint32_t id) const {
        auto it = prog_names_.find(id);
        return it == prog_names_.end() ? (id ? "prog id not of this load" : "none") : it->second;
    }

    // The kernel BTF object `obj_id` (vmlinux or a module) as parsed BTF.
    const btf::Btf* kernel_btf(std::uint32_t obj_id, std::string* name) {
        if (obj_id == 0) {
            *name = "vmlinux";
            return &kernel_.vmlinux();
        }
        sys::Fd fd = must(sys::btf_get_fd_by_id(obj_id), "BTF id " + num(obj_id));
        *name = must(sys::btf_info(fd.get()), "BTF info of id " + num(obj_id)).name;
        if (*name == "vmlinux") return &kernel_.vmlinux();
        return must(kernel_.module(*name), "module BTF " + *name);
    }

    std::string kernel_type(std::uint32_t obj_id, std::uint32_t type_id) {
        if (type_id == 0) return "0";
        std::string where;
        const btf::Btf* b = kernel_btf(obj_id, &where);
        return where + ":" + b->describe(type_id);
    }

    std::string object_type(std::uint32_t type_id) const {
        if (type_id == 0) return "0";
        if (!obj_btf_) return "id " + num(type_id) + " (no object BTF)";
        return obj_btf_->describe(type_id);
    }

    void describe_btf() {
        sys::Fd fd = must(sys::btf_get_fd_by_id(m_.btf), "object BTF id " + num(m_.btf));
        auto raw = must(sys::btf_raw(fd.get()), "object BTF bytes");
        const std::size_t size = raw.size();
        // FNV-1a of every byte: a changed linkage or name shows even when
        // the size and the type count agree.
        std::uint64_t fnv = 0xcbf29ce484222325ull;
        for (std::uint8_t byte : raw) fnv = (fnv ^ byte) * 0x100000001b3ull;
        obj_btf_.emplace(must(btf::Btf::parse(std::move(raw), nullptr, "object BTF"), "object BTF"));
        out("btf|size", num(size));
        out("btf|types", num(obj_btf_->type_count() - 1));
        out("btf|strings", num(obj_btf_->header().str_len));
        out("btf|fnv1a", hex_num(fnv));
    }

    void describe_map(int fd, const bpf_map_info& info) {
        const std::string k = "map " + map_names_[info.id] + "|";
        out(k + "type", num(info.type));
        out(k + "key_size", num(info.key_size));
        out(k + "value_size", num(info.value_size));
        out(k + "max_entries", num(info.max_entries));
        out(k + "flags", "0x" + hex_num(info.map_flags));
        out(k + "map_extra", num(info.map_extra));
        out(k + "btf_key_type", object_type(info.btf_key_type_id));
        out(k + "btf_value_type", object_type(info.btf_value_type_id));
        out(k + "btf_vmlinux_value_type", kernel_type(btf_vmlinux_id_[info.id], info.btf_vmlinux_value_type_id));
        out(k + "has_btf", info.btf_id ? "yes" : "no");
        if (info.type == BPF_MAP_TYPE_STRUCT_OPS) {
            describe_struct_ops_value(fd, info, k);
        } else if (info.type == BPF_MAP_TYPE_ARRAY && info.max_entries == 1 && obj_btf_ &&
                   obj_btf_->type(info.btf_value_type_id).kind() == btf::Kind::Datasec) {
            describe_bytes(fd, info, k);  // global data: the initial contents
        } else if (info.type == BPF_MAP_TYPE_ARRAY_OF_MAPS || info.type == BPF_MAP_TYPE_HASH_OF_MAPS ||
                   info.type == BPF_MAP_TYPE_PROG_ARRAY) {
            describe_id_slots(fd, info, k);
        }
    }

    static std::string hex_num(std::uint64_t v) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(v));
        return buf;
    }

    void describe_bytes(int fd, const bpf_map_info& info, const std::string& k) {
        std::vector<std::byte> value(info.value_size);
        const std::uint32_t key = 0;
        if (!sys::map_lookup_elem(fd, sys::bytes_of(key), value)) {
            out(k + "contents", "not readable");
            return;
        }
        // 32 bytes a line, so that a difference names its offset. Kernel
        // addresses the kernel keeps in the value (a bpf_list_head or
        // bpf_rb_root initialised to point at itself) are per map: an aligned
        // word in the kernel's half reads as <kernel-address> (16 characters,
        // the width of the hex it replaces).
        for (std::size_t off = 0; off < value.size(); off += 32) {
            const std::size_t n = std::min<std::size_t>(32, value.size() - off);
            std::string text = hex(value.data() + off, n);
            for (std::size_t w = 0; w + 8 <= n; w += 8) {
                std::uint64_t word = 0;
                std::memcpy(&word, value.data() + off + w, 8);
                if (word >= 0xffff800000000000ull) text.replace(w * 2, 16, "<kernel-address>");
            }
            out(k + "bytes+" + hex_num(off), text);
        }
    }

    void describe_id_slots(int fd, const bpf_map_info& info, const std::string& k) {
        std::vector<std::byte> key(info.key_size), next(info.key_size);
        std::uint32_t value = 0;
        bool first = true;
        int count = 0;
        while (count < 4096) {
            auto more = first ? sys::map_get_next_key(fd, {}, next) : sys::map_get_next_key(fd, key, next);
            if (!more || !*more) break;
            first = false;
            key = next;
            if (!sys::map_lookup_elem(fd, key, sys::writable_bytes_of(value))) continue;
            const std::string what = info.type == BPF_MAP_TYPE_PROG_ARRAY ? prog_name(value) : map_name(value);
            out(k + "slot " + hex(key.data(), key.size()), what);
            count++;
        }
        out(k + "slots", num(count));
    }

    // bpf_struct_ops_<name> as read back: the state, each function member's
    // program (the kernel reports program ids there), each data member's bytes.
    void describe_struct_ops_value(int fd, const bpf_map_info& info, const std::string& k) {
        std::vector<std::byte> value(info.value_size);
        const std::uint32_t key = 0;
        if (auto st = sys::map_lookup_elem(fd, sys::bytes_of(key), value); !st) {
            out(k + "value", "not readable: " + st.error().message());
            return;
        }
        std::string where;
        const btf::Btf* b = kernel_btf(btf_vmlinux_id_[info.id], &where);
        const std::uint32_t vt = info.btf_vmlinux_value_type_id;
        if (auto state = b->find_member(vt, "state"))
            out(k + "state", num(read_le(value, state->bit_offset / 8, 4)));
        auto data = b->find_member(vt, "data");
        if (!data) {
            out(k + "value", "no 'data' member in " + b->describe(vt));
            return;
        }
        const std::uint32_t base = data->bit_offset / 8;
        auto ops_id = b->resolve(data->member.type);
        if (!ops_id) return;
        const btf::TypeView ops = b->type(*ops_id);
        for (const btf::Member& m : ops.members()) {
            const std::uint32_t off = base + m.bit_offset / 8;
            const std::string mk = k + "member " + std::string(m.name);
            auto t = b->resolve(m.type);
            if (t && b->type(*t).kind() == btf::Kind::Ptr) {
                auto target = b->resolve(b->type(*t).ref_type());
                if (target && b->type(*target).kind() == btf::Kind::FuncProto) {
                    out(mk, "prog " + prog_name(static_cast<std::uint32_t>(read_le(value, off, 8))));
                    continue;
                }
            }
            auto size = b->size_of(m.type);
            if (!size || off + *size > value.size()) continue;
            out(mk, hex(value.data() + off, *size));
        }
    }

    static std::uint64_t read_le(const std::vector<std::byte>& v, std::size_t off, std::size_t n) {
        std::uint64_t x = 0;
        if (off + n > v.size()) return 0;
        std::memcpy(&x, v.data() + off, n);
        return x;
    }

    void describe_prog(int fd, const ManifestProg& p) {
        bpf_prog_info info{};
        must(sys::obj_get_info(fd, &info, sizeof info), "program info");
        const std::string k = "prog " + prog_names_[info.id] + "|";
        // Second call with buffers for what the first one counted.
        std::vector<Insn> insns(info.xlated_prog_len / sizeof(Insn));
        std::vector<std::uint32_t> map_ids(info.nr_map_ids);
        std::vector<bpf_func_info> funcs(info.nr_func_info);
        std::vector<bpf_line_info> lines(info.nr_line_info);
        bpf_prog_info full{};
        full.xlated_prog_len = info.xlated_prog_len;
        full.xlated_prog_insns = reinterpret_cast<std::uint64_t>(insns.data());
        full.nr_map_ids = info.nr_map_ids;
        full.map_ids = reinterpret_cast<std::uint64_t>(map_ids.data());
        full.nr_func_info = info.nr_func_info;
        full.func_info_rec_size = sizeof(bpf_func_info);
        full.func_info = reinterpret_cast<std::uint64_t>(funcs.data());
        full.nr_line_info = info.nr_line_info;
        full.line_info_rec_size = sizeof(bpf_line_info);
        full.line_info = reinterpret_cast<std::uint64_t>(lines.data());
        must(sys::obj_get_info(fd, &full, sizeof full), "program info with instructions");

        out(k + "section", p.section);
        out(k + "type", num(info.type));
        out(k + "expected_attach_type", num(p.expected_attach_type));
        out(k + "gpl_compatible", num(info.gpl_compatible));
        out(k + "tag", hex(info.tag, sizeof info.tag));
        out(k + "attach_btf", info.attach_btf_id ? kernel_type(info.attach_btf_obj_id, info.attach_btf_id) : "none");
        out(k + "has_btf", info.btf_id ? "yes" : "no");
        out(k + "verified_insns", num(info.verified_insns));
        std::vector<std::string> used;
        for (std::uint32_t id : map_ids) used.push_back(map_name(id));
        std::sort(used.begin(), used.end());
        std::string maps;
        for (const auto& u : used) maps += (maps.empty() ? "" : ",") + u;
        out(k + "maps", maps);
        out(k + "func_info", num(info.nr_func_info));
        for (std::size_t i = 0; i < funcs.size(); i++)
            out(k + "func_info " + num(i), "insn " + num(funcs[i].insn_off) + " " + object_type(funcs[i].type_id));
        out(k + "line_info", num(info.nr_line_info));
        for (std::size_t i = 0; i < lines.size(); i++) {
            const auto& l = lines[i];
            std::string file = obj_btf_ ? std::string(obj_btf_->str(l.file_name_off)) : "?";
            if (auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
            out(k + "line_info " + num(i), "insn " + num(l.insn_off) + " " + file + ":" +
                                               num(BPF_LINE_INFO_LINE_NUM(l.line_col)) + ":" +
                                               num(BPF_LINE_INFO_LINE_COL(l.line_col)));
        }
        out(k + "insns", num(insns.size()));
        for (std::size_t i = 0; i < insns.size(); i += insn_slots(insns, i)) {
            char idx[24];
            std::snprintf(idx, sizeof idx, "%04zu", i);
            out(k + "insn " + idx, normalised(insns, i));
        }
    }

    // An xlated instruction with the per-load values named (see the top).
    std::string normalised(std::vector<Insn>& insns, std::size_t i) {
        Insn in = insns[i];
        if (insn::is_ld_imm64(in) && i + 1 < insns.size()) {
            const Insn& hi = insns[i + 1];
            if (in.src() == insn::kPseudoMapFd || in.src() == insn::kPseudoMapValue) {
                std::string t = "r" + num(in.dst()) + " = map[" + map_name(static_cast<std::uint32_t>(in.imm)) + "]";
                if (in.src() == insn::kPseudoMapValue) t += "+" + num(static_cast<std::uint32_t>(hi.imm));
                return t + " ll";
            }
            const std::uint64_t v = static_cast<std::uint32_t>(in.imm) |
                                    static_cast<std::uint64_t>(static_cast<std::uint32_t>(hi.imm)) << 32;
            if (v >= 0xffff800000000000ull) {
                auto sym = kallsyms_.name_at(v);
                return "r" + num(in.dst()) + " = " + (sym ? "&" + *sym : std::string("kernel address")) + " ll" +
                       (in.src() ? " (src " + num(in.src()) + ")" : "");
            }
            return insn_text(in, &hi);
        }
        if (insn::is_call(in) && in.src() == insn::kPseudoKfuncCall) in.off = 0;  // fd_array slot: per loader
        return insn_text(in);
    }

    void describe_link(std::uint32_t id) {
        sys::Fd fd = must(sys::link_get_fd_by_id(id), "link id " + num(id));
        bpf_link_info info{};
        must(sys::obj_get_info(fd.get(), &info, sizeof info), "link info of id " + num(id));
        std::string k;
        if (info.type == BPF_LINK_TYPE_STRUCT_OPS) {
            const auto view = must(sys::link_info(fd.get()), "link info of id " + num(id));
            k = "link struct_ops " + map_name(view.struct_ops_map_id) + "|";
        } else {
            k = "link " + prog_name(info.prog_id) + "|";
            if (info.type == BPF_LINK_TYPE_TRACING)
                out(k + "target", kernel_type(info.tracing.target_obj_id, info.tracing.target_btf_id) +
                                      " attach_type " + num(info.tracing.attach_type));
        }
        out(k + "type", num(info.type));
    }

    Manifest m_;
    struct_ops::KernelBtf kernel_;
    std::optional<btf::Btf> obj_btf_;
    Kallsyms kallsyms_;
    std::map<std::uint32_t, std::string> map_names_, prog_names_;
    std::map<std::uint32_t, std::uint32_t> btf_vmlinux_id_;  // map id -> BTF object of its struct_ops type
    std::map<std::string, int> map_seen_, prog_seen_;
    std::vector<std::pair<sys::Fd, bpf_map_info>> maps_;
    std::vector<std::pair<sys::Fd, ManifestProg>> progs_;
};

// ---- compare ---------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> read_description(const std::string& path) {
    std::ifstream in(path);
    if (!in) die("cannot read " + path);
    std::vector<std::pair<std::string, std::string>> lines;
    std::string line;
    while (std::getline(in, line)) {
        auto tab = line.find('\t');
        if (tab == std::string::npos) die(path + ": not a description line: " + line);
        lines.emplace_back(line.substr(0, tab), line.substr(tab + 1));
    }
    return lines;
}

// "prog x|insn 0012" -> ("prog x", "insn 0012")
std::pair<std::string, std::string> split_key(const std::string& key) {
    auto bar = key.find('|');
    if (bar == std::string::npos) return {key, ""};
    return {key.substr(0, bar), key.substr(bar + 1)};
}

int compare(const std::string& a_path, const std::string& b_path, const std::string& a_name,
            const std::string& b_name) {
    auto a = read_description(a_path), b = read_description(b_path);
    const char* live_env = std::getenv("RAWOPS_DIFF_LIVE");
    const bool live = live_env && std::string(live_env) == "1";
    std::map<std::string, std::string> bmap(b.begin(), b.end()), amap(a.begin(), a.end());
    std::map<std::string, int> per_object;  // differences printed per object, capped
    int differences = 0;
    auto report = [&](const std::string& key, const std::string& text) {
        differences++;
        auto [object, field] = split_key(key);
        if (++per_object[object] > 12) {
            if (per_object[object] == 13) std::printf("%s: more differences not shown\n", object.c_str());
            return;
        }
        std::printf("%s: %s: %s\n", object.c_str(), field.c_str(), text.c_str());
    };
    // Programs whose instructions differ anywhere (count included).
    std::map<std::string, bool> insns_differ;
    for (const auto& [key, value] : a) {
        auto [object, field] = split_key(key);
        auto it = bmap.find(key);
        if ((field.starts_with("insn") || field == "insns") && (it == bmap.end() || it->second != value))
            insns_differ[object] = true;
    }
    for (const auto& [key, value] : a) {
        auto it = bmap.find(key);
        if (it == bmap.end()) {
            report(key, a_name + " `" + value + "`, " + b_name + " has none");
        } else if (it->second != value) {
            auto [object, field] = split_key(key);
            // The tag hashes the program as sent, fds included where the
            // kernel does not blank them: a module BTF fd in the second slot
            // of a ksym's ld_imm64 differs from one loader to the other.
            // With every xlated instruction equal, that is the only cause.
            // RAWOPS_DIFF_LIVE=1 (a registered sched_ext scheduler): its
            // programs run between the load and this reading and keep
            // counters in writable global data, so those bytes differ. What
            // each loader wrote there is compared in the captured
            // MAP_UPDATE_ELEM calls (their values' hashes) instead.
            const auto writable = [&] {
                const auto flags = amap.find(object + "|flags");
                return flags == amap.end() || flags->second.size() <= 2 ||
                       !(std::stoul(flags->second.substr(2), nullptr, 16) & BPF_F_RDONLY_PROG);
            };
            if (live && field.starts_with("bytes+") && object.starts_with("map ") && writable()) {
                std::printf("%s: %s: %s `%s` vs %s `%s`, expected: written by the running programs (the values "
                            "each loader wrote are compared in its MAP_UPDATE_ELEM call)\n",
                            object.c_str(), field.c_str(), a_name.c_str(), value.c_str(), b_name.c_str(),
                            it->second.c_str());
                continue;
            }
            if (field == "tag" && object.starts_with("prog ") && !insns_differ[object]) {
                std::printf("%s: tag: %s `%s` vs %s `%s`, expected: the xlated instructions are equal, so only "
                            "per-load fds (a module BTF fd of a __ksym variable) differ in what was hashed\n",
                            object.c_str(), a_name.c_str(), value.c_str(), b_name.c_str(), it->second.c_str());
                continue;
            }
            report(key, a_name + " `" + value + "` vs " + b_name + " `" + it->second + "`");
        }
    }
    for (const auto& [key, value] : b)
        if (!amap.count(key)) report(key, a_name + " has none, " + b_name + " `" + value + "`");
    if (differences) std::printf("%d difference(s) between %s and %s\n", differences, a_name.c_str(), b_name.c_str());
    return differences ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "describe" && argc == 3) {
        Describer(read_manifest(argv[2])).run();
        return 0;
    }
    if (cmd == "compare" && (argc == 4 || argc == 6))
        return compare(argv[2], argv[3], argc == 6 ? argv[4] : "A", argc == 6 ? argv[5] : "B");
    std::fprintf(stderr, "usage: kstate describe MANIFEST | kstate compare A B [NAME_A NAME_B]\n");
    return 2;
}
