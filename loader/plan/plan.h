// The Plan: every bpf() call a load will make, in order, with its attributes,
// built completely before the first call is made. Calls that need an fd
// created by an earlier call hold a symbolic Ref ("$map:tcp_cc.bss") that the
// executor resolves. `rawops plan` prints it; the executor runs it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "btf/error.h"
#include "loader/insn.h"
#include "loader/edits.h"
#include "loader/object.h"
#include "loader/reloc/kernel_files.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/struct_ops/profile.h"
#include "loader/sys/describe.h"
#include "loader/sys/map.h"

namespace rawops::plan {

// A reference to the fd an earlier step creates.
struct Ref {
    // Map: a `.maps` map or a struct_ops variable, by its (unique) C name.
    // Data: a global-data map (or the .kconfig map), by its ELF section: the
    // kernel's 15-character map name is only a label and two sections may share it.
    enum class Kind { None, Btf, ModuleBtf, Map, Data, Prog, Link, ProgLink, PerfEvent };
    Kind kind = Kind::None;
    std::string name;  // module, map, program or link name

    bool valid() const { return kind != Kind::None; }
    // "$btf", "$modbtf:bpf_testmod", "$map:numbers", "$data:.bss", "$link:ops" (a struct_ops
    // link), "$proglink:handle" (a program's link), "$perf:handle" (its kprobe event)
    std::string str() const;
    bool operator==(const Ref&) const = default;
};

// BPF_BTF_LOAD of the object's BTF (already fixed up for the kernel).
struct LoadBtf {
    std::vector<std::uint8_t> bytes;
};

// Get an fd for a module's BTF (BPF_BTF_GET_NEXT_ID / GET_FD_BY_ID / GET_INFO).
struct OpenModuleBtf {
    std::string module;
};

// BPF_MAP_CREATE. Fds in `request` are left -1; the refs supply them.
struct CreateMap {
    sys::MapCreateRequest request;  // request.name is the kernel's label
    std::string pin_name;           // the file `Loaded::pin` gives it (unique in one load)
    // LIBBPF_PIN_BY_NAME: reuse the map pinned here if it is compatible, else
    // create it and pin it here at once (as libbpf's bpf_object__create_maps).
    std::string pin_by_name;
    // Map-in-map: libbpf first creates a map from the inner definition, hands
    // its fd to the outer's BPF_MAP_CREATE as inner_map_fd, and closes it.
    std::shared_ptr<const sys::MapCreateRequest> inner_template;
    Ref btf;                  // the object's BTF, for data maps and .maps with BTF
    Ref value_type_btf_obj;   // module BTF of a struct_ops value type
    // What the request's BTF type ids name, for the reader: field name
    // ("btf_value_type_id") -> "DATASEC .bss (object BTF)".
    std::vector<std::pair<std::string, std::string>> btf_ids;
};

// BPF_MAP_UPDATE_ELEM; `prog_slots` are 8-byte slots of the value that get
// the fd of a program (struct_ops function members).
struct UpdateMap {
    Ref map;
    std::vector<std::uint8_t> key, value;
    struct ProgSlot {
        std::uint32_t offset = 0;
        Ref prog;
        std::string member;
    };
    std::vector<ProgSlot> prog_slots;
    // Map-in-map initial slots: the value is the fd of this map.
    Ref map_value;
    bool struct_ops = false; // the value of a struct_ops map (not global data)
    bool registers = false;  // a legacy .struct_ops update: this call registers it
    // The value's non-zero data, decoded with BTF for the reader: a struct_ops
    // value's data members (kernel BTF), a data section's variables (object BTF).
    struct Field {
        std::uint32_t offset = 0;  // bytes into the value
        std::string name;          // member or variable
        std::string text;          // "\"rawops_reno\"", "7", "{ ... }"
    };
    std::vector<Field> fields;
};

// BPF_MAP_FREEZE (.rodata).
struct FreezeMap {
    Ref map;
};

// BPF_PROG_LOAD.
struct LoadProgram {
    std::string name;              // program name (cut to 15 characters in the attr)
    std::string section;
    std::uint32_t prog_type = 0;
    std::uint32_t expected_attach_type = 0;
    std::uint32_t attach_btf_id = 0;
    Ref attach_btf_obj;            // module BTF when the struct_ops type lives in a module
    std::uint32_t prog_flags = 0;
    std::string license;
    std::vector<Insn> insns;       // linked and relocated, map fds still missing
    struct MapFd {
        std::uint32_t insn = 0;    // first slot of an ld_imm64
        Ref map;
    };
    std::vector<MapFd> map_fds;    // imm of these ld_imm64 get the map fd
    std::vector<Ref> fd_array;     // module BTF fds for kfunc calls; index 0 unused
    struct BtfObjFd {
        std::uint32_t insn = 0;    // an ld_imm64 of a module's kernel variable (BPF_PSEUDO_BTF_ID)
        Ref module;                // its second slot's imm gets that module's BTF fd
    };
    std::vector<BtfObjFd> btf_obj_fds;
    Ref btf;                       // prog_btf_fd
    std::vector<std::uint8_t> func_info, line_info;  // kernel record layout
    std::uint32_t func_info_count = 0, line_info_count = 0;
    std::uint32_t kern_version = 0;  // libbpf sends LINUX_VERSION_CODE with every program
    std::string bound_to;          // "tcp_congestion_ops.init (member #5)", "fentry do_unlinkat", ...
    std::string attach_btf_type;   // what attach_btf_id names: "STRUCT tcp_congestion_ops (vmlinux)"
    std::vector<std::string> core; // each CO-RE relocation applied, as text
};

// BPF_PROG_BIND_MAP: libbpf binds every .rodata map to every program it
// loads, whether or not the program uses it, so that tools find a program's
// read-only data (bpftool's metadata) from the program alone. Best effort,
// as in libbpf: a kernel without the command (before 5.10) only loses that.
struct BindMap {
    Ref prog;
    Ref map;
};

// BPF_LINK_CREATE of a struct_ops map.
struct CreateLink {
    Ref map;
};

// mmap of an ARENA map (user address fixed at map_extra if non-zero, else
// chosen by the kernel) and the copy of the `__arena` globals into it. The
// mapping lives as long as the load.
struct MapArena {
    Ref map;
    std::uint64_t size = 0;     // pages * page size
    std::uint64_t address = 0;  // map_extra
    std::vector<std::uint8_t> data;
};

// Attaching a non-struct_ops program, as libbpf's skeleton attach does.
struct AttachProgram {
    enum class How {
        Tracing,  // BPF_LINK_CREATE with the program's attach type (tp_btf, fentry, fexit, fmod_ret)
        Kprobe,   // perf_event_open of a kprobe PMU event, then BPF_LINK_CREATE (BPF_PERF_EVENT)
    };
    How how = How::Tracing;
    Ref prog;
    std::uint32_t attach_type = 0;  // Tracing
    std::string function;           // Kprobe: the kernel function
    bool retprobe = false;
};

using Action = std::variant<LoadBtf, OpenModuleBtf, CreateMap, UpdateMap, FreezeMap, MapArena, LoadProgram, BindMap,
                            CreateLink, AttachProgram>;

struct Step {
    std::string summary;  // one line a person can read
    Ref creates;          // the fd this step produces, if any
    Action action;
};

struct Plan {
    std::string object;              // path of the object file
    std::vector<Step> steps;
    std::vector<std::string> notes;  // things a reader should know (programs not loaded, ...)
};

struct BuildOptions {
    // Only these struct_ops variables (by name), SEC("?.struct_ops") ones
    // included; empty means every variable libbpf would create by default.
    std::vector<std::string> only_maps;
    // Where extern values come from (Kconfig, kallsyms); tests point it at fixtures.
    reloc::KernelFiles kernel_files;
    // What a skeleton's user changes before load (loader/edits.h).
    ObjectEdits edits;
    // Where LIBBPF_PIN_BY_NAME maps live (libbpf's pin_root_path).
    std::string pin_root = "/sys/fs/bpf";
    // Type profiles (loader/struct_ops/profile.h): what e.g. sched_ext's own
    // user space does before load. Off: exactly what libbpf does.
    bool profiles = true;
    struct_ops::ProfileFiles profile_files;
    // Test-only, never set by the CLI: leave the first CO-RE relocation that
    // would change an instruction as compiled, so that tests/diff can show
    // that comparing with libbpf catches a skipped relocation.
    bool testing_skip_core = false;
};

// Everything is decided here: kernel types found, programs linked and
// relocated, struct_ops values built. Reads /sys/kernel/btf only.
Result<Plan> build(const Object& obj, struct_ops::KernelBtf& kernel, const BuildOptions& options = {});

// One call of a step, decoded: print() shows it as text, `rawops plan
// --json` as an object, both from these same fields. Fds that do not exist
// yet are their Ref's text ("$map:x").
struct CallView {
    enum class Form {
        Attrs,  // "BPF_MAP_CREATE map_type=... key_size=..."
        Until,  // a lookup loop: "BPF_BTF_GET_NEXT_ID / ... until name=\"bpf_testmod\""
        Args,   // a libc call: "mmap(NULL, 4096, ...)", attrs in argument order
    };
    std::string command;  // "BPF_PROG_LOAD", "mmap", "perf_event_open"; a loop's commands joined by " / "
    std::vector<sys::AttrField> attrs;
    Form form = Form::Attrs;
    std::string result;       // what the call gives, when it is not the step's `creates`
    std::string result_lead;  // how the text introduces it: "  -> ", "; then "
};

// The calls a step makes, in order; the last is the step's own (the one
// that creates `Step::creates`), the ones before prepare it (a map-in-map's
// inner template, a kprobe's perf event).
std::vector<CallView> describe_calls(const Step& step);

// What a step's ids and bytes mean, one line each, indented as print()
// shows them under the step's calls: the BTF types its ids name, the program
// fd slots and decoded data of a value, the fds patched into instructions,
// CO-RE results.
std::vector<std::string> explain_step(const Step& step);

// The plan as text: one block per step with its decoded attributes.
std::string print(const Plan& plan);

}  // namespace rawops::plan
