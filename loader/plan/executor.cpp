#include "loader/plan/executor.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <variant>

#include <unistd.h>

#include "loader/struct_ops/registered.h"
#include "loader/sys/abi.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/link.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"
#include "loader/sys/perf.h"
#include "loader/sys/prog.h"

namespace rawops::plan {

namespace {

constexpr std::uint32_t kFuncInfoRecSize = 8;   // struct bpf_func_info
constexpr std::uint32_t kLineInfoRecSize = 16;  // struct bpf_line_info

std::span<const std::byte> bytes(const std::vector<std::uint8_t>& v) { return std::as_bytes(std::span(v)); }

// libbpf's bpf_object__reuse_map(): a map pinned at the path is used instead
// of a new one if type, sizes and flags agree (map_is_reuse_compat); an
// incompatible one is an error; no pin (ENOENT): an invalid Fd, create it.
Result<sys::Fd> reuse_pinned_map(const CreateMap& a) {
    auto fd = sys::obj_get(a.pin_by_name);
    if (!fd) {
        if (fd.error().err_no() == ENOENT) return sys::Fd{};
        return std::move(fd).error().context("reusing the pinned map of '" + a.request.name + "'");
    }
    auto info = sys::map_info(fd->get());
    if (!info) return std::move(info).error().context(a.pin_by_name);
    const sys::MapCreateRequest& r = a.request;
    if (info->type != r.map_type || info->key_size != r.key_size || info->value_size != r.value_size ||
        info->max_entries != r.max_entries || info->map_flags != r.map_flags)
        return Error(a.pin_by_name + ": the pinned map is not compatible with map '" + r.name + "' (type " +
                         std::to_string(info->type) + "/" + std::to_string(r.map_type) + ", key " +
                         std::to_string(info->key_size) + "/" + std::to_string(r.key_size) + ", value " +
                         std::to_string(info->value_size) + "/" + std::to_string(r.value_size) + ", max_entries " +
                         std::to_string(info->max_entries) + "/" + std::to_string(r.max_entries) + ", flags " +
                         std::to_string(info->map_flags) + "/" + std::to_string(r.map_flags) + ": pinned/object)",
                     EINVAL);
    return std::move(fd).value();
}

// For a registration the kernel refused as taken (EEXIST: a name in use;
// EBUSY: a single-instance type such as sched_ext), the struct_ops map of
// the same kernel type that holds it: the one with our map's name if there
// is one, else every other one of that type. "" if none is found.
std::string registration_holder(int map_fd) {
    auto ours = sys::map_info(map_fd);
    if (!ours) return "";
    std::vector<std::string> same_name, same_type;
    std::optional<struct_ops::BpffsPins> pins;
    std::uint32_t id = 0;
    for (int n = 0; n < 65536; ++n) {
        auto next = sys::map_get_next_id(id);
        if (!next || !*next) break;
        id = **next;
        if (id == ours->id) continue;
        auto fd = sys::map_get_fd_by_id(id);
        if (!fd) continue;
        auto info = sys::map_info(fd->get());
        if (!info || info->type != sys::kMapTypeStructOps ||
            info->btf_vmlinux_value_type_id != ours->btf_vmlinux_value_type_id || info->btf_vmlinux_id != ours->btf_vmlinux_id)
            continue;
        std::string who = "struct_ops map id " + std::to_string(id) + " '" + info->name + "'";
        // One walk of bpffs, and only once a holder is found.
        if (!pins) pins = struct_ops::BpffsPins::scan();
        if (const auto at = pins->of_struct_ops_map(id); !at.empty()) who += " (pinned at " + at.front() + ")";
        (info->name == ours->name ? same_name : same_type).push_back(who);
    }
    const auto& found = same_name.empty() ? same_type : same_name;
    std::string out;
    for (const auto& w : found) out += (out.empty() ? "" : ", ") + w;
    return out;
}

Error with_log(Error e, const std::string& log) {
    if (log.empty()) return e;
    return Error(e.message() + "\nverifier log:\n" + log, e.err_no());
}

}  // namespace

Loaded& Loaded::operator=(Loaded&& other) noexcept {
    if (this != &other) {
        release_all();
        fds_ = std::move(other.fds_);
        registrations_ = std::move(other.registrations_);
        attachments_ = std::move(other.attachments_);
        arena_ = std::move(other.arena_);
        auto_pins_ = std::move(other.auto_pins_);
        reused_pins_ = std::move(other.reused_pins_);
        succeeded_ = other.succeeded_;
        map_names_ = std::move(other.map_names_);
        keep_ = other.keep_;
    }
    return *this;
}

Loaded::~Loaded() { release_all(); }

void Loaded::release_all() {
    if (!keep_) {
        // Links first: closing the last link reference unregisters (and detaches programs).
        for (auto it = fds_.rbegin(); it != fds_.rend(); ++it)
            if (it->first.kind == Ref::Kind::Link || it->first.kind == Ref::Kind::ProgLink) it->second.reset();
        // Legacy registrations hold a map reference of their own: delete them.
        for (const Registration& r : registrations_) {
            if (r.link) continue;
            const int map = fd(Ref{Ref::Kind::Map, r.name});
            const std::uint32_t key = 0;
            if (map >= 0) (void)sys::map_delete_elem(map, sys::bytes_of(key));
        }
    }
    if (!succeeded_)
        for (const std::string& p : auto_pins_) ::unlink(p.c_str());
    auto_pins_.clear();
    reused_pins_.clear();
    registrations_.clear();
    attachments_.clear();
    map_names_.clear();
    while (!fds_.empty()) fds_.pop_back();  // reverse creation order
}

std::string Loaded::holdings() const {
    std::size_t btf = 0, maps = 0, progs = 0, links = 0, other = 0, legacy = 0;
    for (const auto& [ref, f] : fds_) {
        switch (ref.kind) {
            case Ref::Kind::Btf:
            case Ref::Kind::ModuleBtf: btf++; break;
            case Ref::Kind::Map:
            case Ref::Kind::Data: maps++; break;
            case Ref::Kind::Prog: progs++; break;
            case Ref::Kind::Link:
            case Ref::Kind::ProgLink: links++; break;
            default: other++; break;
        }
    }
    for (const Registration& r : registrations_) legacy += !r.link;
    std::string out;
    auto add = [&](std::size_t n, const char* one, const char* many) {
        if (n) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + (n == 1 ? one : many);
    };
    add(btf, "BTF", "BTFs");
    add(maps, "map", "maps");
    add(progs, "program", "programs");
    add(links, "link", "links");
    add(other, "perf event", "perf events");
    add(legacy, "legacy registration", "legacy registrations");
    add(auto_pins_.size(), "pin", "pins");
    return out.empty() ? "nothing" : out;
}

int Loaded::fd(const Ref& ref) const {
    for (const auto& [r, f] : fds_)
        if (r == ref) return f.get();
    return -1;
}

int Loaded::map_fd(const std::string& name) const {
    if (const int f = fd(Ref{Ref::Kind::Map, name}); f >= 0) return f;
    const MapNames* found = nullptr;
    for (const MapNames& m : map_names_) {
        if (m.ref.kind != Ref::Kind::Data || m.kernel_name != name) continue;
        if (found) return -1;  // two sections share this label: ask by section
        found = &m;
    }
    return found ? fd(found->ref) : -1;
}

Result<sys::MappedMap> Loaded::map_global_data(const std::string& section) const {
    for (const MapNames& m : map_names_)
        if (m.ref == Ref{Ref::Kind::Data, section}) {
            auto mapped = sys::map_mmap(fd(m.ref), m.value_size, !m.frozen);
            if (!mapped) return std::move(mapped).error().context("mapping section " + section + " ('" + m.kernel_name + "')");
            return mapped;
        }
    return Error("no global-data map for section " + section + " in this load");
}

std::string Loaded::pin_name_of(const Ref& ref) const {
    for (const MapNames& m : map_names_)
        if (m.ref == ref) return m.pin_name;
    return "";
}

Status Loaded::detach() {
    keep_ = false;
    release_all();
    return {};
}

std::string Loaded::pin_name(const std::string& map_name) {
    std::string n = map_name;
    std::replace(n.begin(), n.end(), '.', '_');
    return n;
}

Status Loaded::pin(const std::string& dir) {
    std::vector<std::pair<int, std::string>> todo;
    for (const Registration& r : registrations_)
        todo.emplace_back(r.link ? link_fd(r.name) : map_fd(r.name), dir + "/" + r.name);
    for (const std::string& prog : attachments_) todo.emplace_back(program_link_fd(prog), dir + "/" + prog);
    for (const MapNames& m : map_names_) {
        const bool is_registration =
            m.ref.kind == Ref::Kind::Map && std::any_of(registrations_.begin(), registrations_.end(),
                                                        [&](const Registration& r) { return r.name == m.ref.name; });
        if (!is_registration) todo.emplace_back(fd(m.ref), dir + "/" + m.pin_name);
    }
    std::vector<std::string> done;
    for (const auto& [fd, path] : todo) {
        auto s = sys::obj_pin(fd, path);
        if (!s) {
            // A pin left behind would keep a struct_ops registered after we report failure.
            for (const auto& p : done) ::unlink(p.c_str());
            return std::move(s).error().context("pinning under " + dir);
        }
        done.push_back(path);
    }
    return {};
}

Status Loaded::update_link(const std::string& var, const Loaded& replacement, const std::string& replacement_var) {
    const int link = link_fd(var), new_map = replacement.map_fd(replacement_var);
    if (link < 0) return Error("no struct_ops link for variable '" + var + "' in this load");
    if (new_map < 0) return Error("no struct_ops map '" + replacement_var + "' in the replacement load");
    auto s = sys::link_update_struct_ops(link, new_map, map_fd(var));
    if (!s) return std::move(s).error().context("updating the link of '" + var + "' to '" + replacement_var + "'");
    return {};
}

Result<sys::TestRunResult> Loaded::run(const std::string& prog, std::span<std::byte> ctx) const {
    const int fd = prog_fd(prog);
    if (fd < 0) return Error("no program '" + prog + "' in this load");
    sys::TestRunRequest r;
    r.prog_fd = fd;
    // Only ctx_in: syscall programs get it copied back in place by the kernel
    // (which refuses ctx_out for them), struct_ops ones read their args from it.
    r.ctx_in = ctx;
    auto result = sys::prog_test_run(r);
    if (!result) return std::move(result).error().context("running program '" + prog + "'");
    return result;
}

Result<Loaded> execute(const Plan& plan, const ExecOptions& options) {
    Loaded loaded;
    auto need = [&](const Ref& r) -> int { return r.valid() ? loaded.fd(r) : -1; };

    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
        const Step& step = plan.steps[i];
        if (options.before_step) options.before_step(i, step);
        const std::string where = plan.object + ": step " + std::to_string(i + 1) + " (" + step.summary + ")";
        // A registration refused as taken names who holds it.
        auto taken = [](Error e, bool registers, int map_fd) -> Error {
            if (!registers || (e.err_no() != EEXIST && e.err_no() != EBUSY)) return e;
            const std::string holder = registration_holder(map_fd);
            if (holder.empty()) return e;
            const int err = e.err_no();
            return Error(e.message() + "; already registered by " + holder, err);
        };
        // On any failure `loaded` goes out of scope: its destructor unwinds,
        // and the error says what that took back.
        auto fail = [&](Error e) -> Result<Loaded> {
            const int err = e.err_no();
            std::string m = std::move(e).context(where).message();
            // On the first line, before a verifier log that may follow.
            m.insert(std::min(m.find('\n'), m.size()), "; rolled back: " + loaded.holdings());
            return Error(std::move(m), err);
        };

        if (const auto* a = std::get_if<LoadBtf>(&step.action)) {
            std::string log;
            auto fd = sys::btf_load({bytes(a->bytes), plan.object, options.log}, &log);
            if (!fd) return fail(with_log(std::move(fd).error(), log));
            loaded.add(step.creates, std::move(fd).value());
        } else if (const auto* a = std::get_if<OpenModuleBtf>(&step.action)) {
            auto k = sys::find_kernel_btf(a->module);
            if (!k) return fail(std::move(k).error());
            loaded.add(step.creates, std::move(k->fd));
        } else if (const auto* a = std::get_if<CreateMap>(&step.action)) {
            if (!a->pin_by_name.empty()) {
                auto reused = reuse_pinned_map(*a);
                if (!reused) return fail(std::move(reused).error());
                if (reused->valid()) {
                    loaded.add(step.creates, std::move(reused).value());
                    loaded.map_names_.push_back({step.creates, a->request.name, a->pin_name, a->request.value_size, false});
                    loaded.reused_pins_.push_back(a->pin_by_name);
                    continue;
                }
            }
            sys::MapCreateRequest req = a->request;
            req.btf_fd = need(a->btf);
            req.value_type_btf_obj_fd = need(a->value_type_btf_obj);
            sys::Fd inner;  // closed once the outer map exists, as libbpf does
            if (a->inner_template) {
                sys::MapCreateRequest in = *a->inner_template;
                if (in.btf_key_type_id || in.btf_value_type_id) in.btf_fd = need(Ref{Ref::Kind::Btf, ""});
                auto t = sys::map_create(in);
                if (!t) return fail(std::move(t).error().context("the inner map template"));
                inner = std::move(t).value();
                req.inner_map_fd = inner.get();
            }
            auto fd = sys::map_create(req);
            if (!fd) return fail(std::move(fd).error());
            loaded.add(step.creates, std::move(fd).value());
            loaded.map_names_.push_back({step.creates, a->request.name,
                                         a->pin_name.empty() ? Loaded::pin_name(a->request.name) : a->pin_name,
                                         a->request.value_size, false});
            if (!a->pin_by_name.empty()) {
                auto s = sys::obj_pin(loaded.fd(step.creates), a->pin_by_name);
                if (!s) return fail(std::move(s).error().context("LIBBPF_PIN_BY_NAME"));
                loaded.auto_pins_.push_back(a->pin_by_name);
            }
        } else if (const auto* a = std::get_if<UpdateMap>(&step.action)) {
            if (a->struct_ops && !options.fill_struct_ops) continue;
            std::vector<std::uint8_t> value = a->value;
            if (a->map_value.valid()) {
                const std::int32_t map = need(a->map_value);
                std::memcpy(value.data(), &map, sizeof map);
            }
            for (const auto& slot : a->prog_slots) {
                const std::uint64_t prog = static_cast<std::uint64_t>(need(slot.prog));
                std::memcpy(value.data() + slot.offset, &prog, sizeof prog);
            }
            auto s = sys::map_update_elem(need(a->map), bytes(a->key), bytes(value));
            if (!s) return fail(taken(std::move(s).error(), a->registers, need(a->map)));
            if (a->registers) loaded.registrations_.push_back({a->map.name, false});
        } else if (const auto* a = std::get_if<MapArena>(&step.action)) {
            auto m = sys::arena_mmap(need(a->map), a->size, a->address);
            if (!m) return fail(std::move(m).error());
            std::memcpy(m->bytes().data(), a->data.data(), a->data.size());
            loaded.arena_ = std::move(m).value();
        } else if (const auto* a = std::get_if<BindMap>(&step.action)) {
            // Best effort, as libbpf ("don't fail hard if can't bind rodata"):
            // the call and its errno still show in --trace.
            (void)sys::prog_bind_map(need(a->prog), need(a->map));
        } else if (const auto* a = std::get_if<FreezeMap>(&step.action)) {
            auto s = sys::map_freeze(need(a->map));
            if (!s) return fail(std::move(s).error());
            for (auto& m : loaded.map_names_)
                if (m.ref == a->map) m.frozen = true;
        } else if (const auto* a = std::get_if<LoadProgram>(&step.action)) {
            std::vector<Insn> insns = a->insns;
            for (const auto& m : a->map_fds) insns[m.insn].imm = need(m.map);
            for (const auto& b : a->btf_obj_fds) insns[b.insn + 1].imm = need(b.module);
            std::vector<std::int32_t> fd_array;
            for (const Ref& r : a->fd_array) fd_array.push_back(r.valid() ? need(r) : 0);
            sys::ProgLoadRequest req;
            req.prog_type = a->prog_type;
            req.expected_attach_type = a->expected_attach_type;
            req.insns = insns;
            req.license = a->license;
            req.name = a->name;
            req.prog_flags = a->prog_flags;
            req.prog_btf_fd = need(a->btf);
            if (a->func_info_count) {
                req.func_info_rec_size = kFuncInfoRecSize;
                req.func_info = bytes(a->func_info);
            }
            if (a->line_info_count) {
                req.line_info_rec_size = kLineInfoRecSize;
                req.line_info = bytes(a->line_info);
            }
            req.attach_btf_id = a->attach_btf_id;
            req.attach_btf_obj_fd = need(a->attach_btf_obj);
            req.fd_array = fd_array;
            req.kern_version = a->kern_version;
            req.log = options.log;
            std::string log;
            auto fd = sys::prog_load(req, &log);
            if (!fd) return fail(with_log(std::move(fd).error(), log));
            loaded.add(step.creates, std::move(fd).value());
        } else if (const auto* a = std::get_if<CreateLink>(&step.action)) {
            if (!options.create_links || !options.fill_struct_ops) continue;
            auto fd = sys::link_create_struct_ops(need(a->map));
            if (!fd) return fail(taken(std::move(fd).error(), true, need(a->map)));
            loaded.add(step.creates, std::move(fd).value());
            loaded.registrations_.push_back({a->map.name, true});
        } else if (const auto* a = std::get_if<AttachProgram>(&step.action)) {
            if (!options.fill_struct_ops) continue;  // a programs-only load attaches nothing either
            sys::LinkCreateRequest req;
            req.prog_fd = need(a->prog);
            req.attach_type = a->attach_type;
            if (a->how == AttachProgram::How::Kprobe) {
                auto perf = sys::perf_event_open_kprobe(a->function, a->retprobe);
                if (!perf) return fail(std::move(perf).error());
                req.target_fd = perf->get();
                loaded.add(Ref{Ref::Kind::PerfEvent, a->prog.name}, std::move(perf).value());
            }
            auto fd = sys::link_create(req);
            if (!fd) return fail(std::move(fd).error());
            loaded.add(step.creates, std::move(fd).value());
            loaded.attachments_.push_back(a->prog.name);
        }
        if (options.created_fd && step.creates.valid())
            if (const int created = loaded.fd(step.creates); created >= 0) options.created_fd(step.creates, created);
    }
    loaded.succeeded_ = true;
    return loaded;
}

}  // namespace rawops::plan
