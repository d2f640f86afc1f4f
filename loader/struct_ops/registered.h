// What the running kernel holds of struct_ops, read back by id: every
// BPF_MAP_TYPE_STRUCT_OPS map, its kernel type (vmlinux or module), its
// state, the link that registered it or the legacy registration, the pins
// that keep it, and its value decoded member by member with kernel BTF.
// `rawops show` and `rawops dump` print it; `load` uses the pin scan to name
// the holder of a registration it was refused.
//
// Everything here reads; nothing changes the kernel. Reading other
// processes' objects by id needs CAP_SYS_ADMIN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "btf/error.h"
#include "btf/format_value.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/obj.h"

namespace rawops::struct_ops {

// One walk of the mounted bpffs folders: which pin holds which map or link.
// Bounded (depth, entries) so a huge bpffs cannot stall a command.
class BpffsPins {
public:
    // The bpffs mounts of /proc/self/mounts, or /sys/fs/bpf without /proc.
    static BpffsPins scan();
    // Pins of the map or link with that id, sorted.
    std::vector<std::string> of_map(std::uint32_t id) const;
    std::vector<std::string> of_link(std::uint32_t id) const;
    // Pins that keep the struct_ops map with that id: the map's own and
    // those of struct_ops links to it.
    std::vector<std::string> of_struct_ops_map(std::uint32_t id) const;

private:
    void walk(const std::string& root);
    std::multimap<std::uint32_t, std::string> maps_, links_;
    std::multimap<std::uint32_t, std::string> links_by_map_;  // struct_ops map id -> link pin
};

// A BTF object the kernel holds (a map's or a program's own BTF, by the id
// its info reports), read back and parsed with full validation: it came
// from whoever loaded it. `what` names it in errors.
Result<btf::Btf> read_btf_object(std::uint32_t btf_id, const std::string& what);

// The processes that hold each map through an fd, found in
// /proc/<pid>/fdinfo ("map_id:" of each bpf-map fd), as "comm (pid N)"; this
// process left out. Empty where /proc is not mounted.
std::multimap<std::uint32_t, std::string> map_holders();

// A struct_ops link in the kernel: BPF_LINK_TYPE_STRUCT_OPS, by link id.
struct StructOpsLink {
    std::uint32_t id = 0;
    std::uint32_t map_id = 0;  // 0 once detached
    std::vector<std::string> pins;
};

// Every struct_ops link of the kernel by the id of its map (links come and
// go: one that vanishes during the walk is left out), with its pins.
Result<std::multimap<std::uint32_t, StructOpsLink>> struct_ops_links(const BpffsPins& pins);

// One member of the registered struct (`data` of bpf_struct_ops_<name>).
struct RegisteredMember {
    std::string name;
    std::uint32_t index = 0;
    std::uint32_t offset = 0;  // bytes from the start of the ops struct
    btf::TypeId type = 0;      // in `Registered::btf`
    bool is_function = false;
    // A function member: the id of the program that implements it (the
    // kernel reports program ids where the pointers are), 0 when not set.
    std::uint32_t prog_id = 0;
    btf::DecodedValue value;  // a data member, decoded
};

struct Registered {
    sys::MapInfo map;
    std::string module;  // "" for vmlinux
    std::string ops_type;  // "tcp_congestion_ops" (bpf_struct_ops_<ops_type> is the value type)
    const btf::Btf* btf = nullptr;  // where map.btf_vmlinux_value_type_id lives
    bool link_mode = false;  // created with BPF_F_LINK (.struct_ops.link): registered by a link
    std::string state;       // "INUSE", "TOBEFREE", "READY", "INIT" (bpf_struct_ops_state without its prefix)
    std::uint64_t refcnt = 0;
    std::vector<std::string> map_pins;
    std::vector<StructOpsLink> links;  // links whose map this is (link mode)
    std::vector<std::string> holders;  // processes with an fd of the map (map_holders())
    std::vector<RegisteredMember> members;
    std::vector<std::byte> value;  // the raw value as read (bpf_struct_ops_<ops_type>)

    // "vmlinux" or the module's name.
    std::string origin() const { return module.empty() ? "vmlinux" : module; }
    // A legacy registration nothing keeps a handle on: its loader died or
    // exited without unloading, and the kernel keeps it registered until it
    // is deleted by map id (`rawops unload --map-id`).
    bool orphan() const { return !link_mode && state == "INUSE" && map_pins.empty() && holders.empty(); }
};

// Reads the struct_ops maps of the kernel, in id order.
class RegisteredReader {
public:
    explicit RegisteredReader(KernelBtf& kernel);
    // Every struct_ops map in the kernel.
    Result<std::vector<Registered>> list();
    // The struct_ops map with that id.
    Result<Registered> read(std::uint32_t map_id);
    // Map ids of the struct_ops maps whose kernel name is `name`.
    Result<std::vector<std::uint32_t>> find_by_name(const std::string& name);
    // The name of type `type_id` of the kernel BTF object `btf_object_id`
    // (0: vmlinux), e.g. a program's attach_btf_obj_id/attach_btf_id, and the
    // module it is in ("" for vmlinux).
    Result<std::string> kernel_type_name(std::uint32_t btf_object_id, std::uint32_t type_id, std::string* module);

private:
    Result<Registered> read_fd(int map_fd, const sys::MapInfo& info);
    Result<const btf::Btf*> btf_of(std::uint32_t btf_object_id, std::string* module);
    Status scan_links();
    KernelBtf& kernel_;
    BpffsPins pins_;
    std::multimap<std::uint32_t, std::string> holders_;
    bool links_scanned_ = false;
    std::multimap<std::uint32_t, StructOpsLink> links_by_map_;
};

}  // namespace rawops::struct_ops
