// Running a Plan with raw bpf() calls. Every fd a step creates is owned by
// the returned Loaded; if a step fails, everything created before it is
// released in reverse order (links closed, legacy registrations deleted) and
// the error names the step, with the verifier log when the kernel refused a
// program or the BTF.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "loader/plan/plan.h"
#include "loader/sys/fd.h"
#include "loader/sys/log.h"
#include "loader/sys/map_mmap.h"
#include "loader/sys/prog.h"

namespace rawops::plan {

struct ExecOptions {
    sys::LogOptions log;        // verifier log level and buffer sizes
    // false: create struct_ops maps but neither fill nor register them; the
    // programs are loaded and can be run with BPF_PROG_TEST_RUN (bpf_dummy_ops).
    bool fill_struct_ops = true;
    // false: fill .struct_ops.link maps but create no link (for BPF_LINK_UPDATE).
    bool create_links = true;
    // Called before each step runs (`--trace` prints the step and what its
    // BTF ids and values mean, above the calls the step makes).
    std::function<void(std::size_t index, const Step& step)> before_step;
    // Called after a step that created an fd, with it (`--trace` then shows
    // which object each fd in a later call is: "map_fd=5<$data:.bss>").
    std::function<void(const Ref& ref, int fd)> created_fd;
};

class Loaded {
public:
    Loaded() = default;
    Loaded(Loaded&&) noexcept = default;
    Loaded& operator=(Loaded&& other) noexcept;
    Loaded(const Loaded&) = delete;
    Loaded& operator=(const Loaded&) = delete;
    // Unregisters whatever is still registered, unless keep() was called.
    ~Loaded();

    // The fd a step created, or -1.
    int fd(const Ref& ref) const;
    // A `.maps` map or struct_ops variable by its C name; for convenience
    // also a global-data map by its kernel name ("tcp_cc.bss") when that
    // name is not shared (data_fd() is the exact way).
    int map_fd(const std::string& name) const;
    // A global-data map by its ELF section (".bss", ".data.counters"), or ".kconfig".
    int data_fd(const std::string& section) const { return fd(Ref{Ref::Kind::Data, section}); }
    // That section's memory, shared with the programs (BPF_F_MMAPABLE, as
    // libbpf creates them): globals are read and written without bpf()
    // calls. .rodata and .kconfig are frozen, so they map read-only. The
    // mapping stays valid after this Loaded is gone (it holds the map).
    Result<sys::MappedMap> map_global_data(const std::string& section) const;
    // The object's ARENA map as this load mapped it (nullptr if none): the
    // `__arena` globals sit at its start (libbpf 1.4's placement).
    const sys::MappedMap* arena() const { return arena_.bytes().empty() ? nullptr : &arena_; }
    int prog_fd(const std::string& name) const { return fd(Ref{Ref::Kind::Prog, name}); }
    int link_fd(const std::string& var) const { return fd(Ref{Ref::Kind::Link, var}); }
    // The link of an attached tracing or kprobe program.
    int program_link_fd(const std::string& prog) const { return fd(Ref{Ref::Kind::ProgLink, prog}); }

    // struct_ops variables registered by this load, and whether through a link.
    struct Registration {
        std::string name;
        bool link = false;
    };
    const std::vector<Registration>& registrations() const { return registrations_; }
    // Programs attached by this load (tp_btf, fentry, fexit, fmod_ret, kprobe), by name.
    const std::vector<std::string>& attachments() const { return attachments_; }

    // BPF_PROG_TEST_RUN of a loaded program (a `syscall` program, or a
    // bpf_dummy_ops struct_ops program): `ctx` goes in, and what the program
    // wrote to it comes back in the same buffer.
    Result<sys::TestRunResult> run(const std::string& prog, std::span<std::byte> ctx) const;

    // What this load holds, for messages: "1 BTF, 4 maps, 7 programs, 1 link,
    // 1 legacy registration" ("nothing" when empty).
    std::string holdings() const;

    // Unregisters every struct_ops (links closed, legacy maps deleted) and
    // closes every fd. Safe to call twice.
    Status detach();
    // Pins each registration under `dir` (a bpffs folder) as <dir>/<variable>:
    // the link, or for a legacy .struct_ops the map. Each attached program's
    // link is pinned as <dir>/<program>. The other maps are pinned too, as
    // <dir>/<its CreateMap::pin_name>, so their values stay readable. On failure
    // the pins made so far are removed again.
    Status pin(const std::string& dir);
    // bpffs refuses '.' in names (it reserves them): "tcp_cc.bss" -> "tcp_cc_bss".
    static std::string pin_name(const std::string& map_name);
    // The name pin() gives the map `ref` under its folder ("" if no such map).
    std::string pin_name_of(const Ref& ref) const;
    // After pinning: leave the registrations in the kernel when destroyed.
    void keep() { keep_ = true; }

    // Maps reused from a LIBBPF_PIN_BY_NAME pin rather than created.
    const std::vector<std::string>& reused_pins() const { return reused_pins_; }

    // BPF_LINK_UPDATE: the link of struct_ops variable `var` switches to the
    // map `replacement_var` of `replacement` (loaded with create_links =
    // false), guarded by the map it uses now. The kernel requires the same
    // struct_ops type (tcp: the same name). `replacement` may be destroyed
    // afterwards: the link keeps the new map and its programs alive.
    Status update_link(const std::string& var, const Loaded& replacement, const std::string& replacement_var);

private:
    friend Result<Loaded> execute(const Plan&, const ExecOptions&);
    void add(Ref ref, sys::Fd fd) { fds_.emplace_back(std::move(ref), std::move(fd)); }
    struct MapNames {
        Ref ref;
        std::string kernel_name, pin_name;
        std::uint32_t value_size = 0;
        bool frozen = false;
    };
    void release_all();

    std::vector<std::pair<Ref, sys::Fd>> fds_;  // in creation order
    std::vector<Registration> registrations_;
    std::vector<std::string> attachments_;
    std::vector<MapNames> map_names_;  // every map created, in creation order
    // LIBBPF_PIN_BY_NAME pins this load made: removed again if the load
    // fails (libbpf's "unpin auto-pinned maps"), kept once it succeeded.
    std::vector<std::string> auto_pins_;
    std::vector<std::string> reused_pins_;
    sys::MappedMap arena_;
    bool succeeded_ = false;
    bool keep_ = false;
};

Result<Loaded> execute(const Plan& plan, const ExecOptions& options = {});

}  // namespace rawops::plan
