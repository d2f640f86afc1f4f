// struct_ops binding: how one struct_ops variable of a BPF object becomes the
// value of a BPF_MAP_TYPE_STRUCT_OPS map in the kernel.
//
// The kernel describes each struct_ops type T twice in its BTF: `struct T`
// itself (the ops table) and `struct bpf_struct_ops_T`, the map value, which
// wraps it as { common header...; struct T data; }. The object's variable is
// matched to `struct T` member by member, by name (the object may be compiled
// against another kernel's layout): function pointers become program slots
// (the program's fd goes into the value; the program is loaded with
// attach_btf_id = T's id and expected_attach_type = the member's index),
// other members are copied into `data` after a size check. A member the
// kernel lacks is accepted only when its bytes are zero; a function member
// the kernel lacks is dropped with its program, as libbpf does (this is how
// a scheduler built for a newer kernel runs on an older one).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/btf.h"
#include "loader/struct_ops/kernel_btf.h"

namespace rawops::struct_ops {

inline constexpr std::string_view kValueTypePrefix = "bpf_struct_ops_";

// A struct_ops type as the kernel defines it.
struct KernelOpsType {
    std::string name;            // "tcp_congestion_ops" (no ___flavor suffix)
    KernelTypeRef type;          // struct T
    KernelTypeRef value_type;    // struct bpf_struct_ops_T
    std::uint32_t value_size = 0;
    std::uint32_t data_offset = 0;  // where struct T sits inside the value
};

// `name` may carry a CO-RE flavor suffix ("tcp_congestion_ops___v2").
// With `only_module`, search just that module ("vmlinux" for vmlinux).
Result<KernelOpsType> find_kernel_ops_type(KernelBtf& kernel, std::string_view name,
                                           const std::optional<std::string>& only_module = std::nullopt);

// "foo___bar" -> "foo": types bind by their essential name, as in CO-RE.
using btf::essential_name;

// The program a relocation put into a function-pointer member of the variable.
struct SlotProgram {
    std::size_t index = 0;     // the caller's program index
    std::string name;          // for messages
    bool is_struct_ops = false;
};

// What the binder needs to know about one variable of a .struct_ops /
// .struct_ops.link section.
struct LocalOpsVar {
    std::string name;                  // the variable, e.g. "rawops_reno"
    std::string section;               // ".struct_ops" or ".struct_ops.link"
    const btf::Btf* btf = nullptr;     // the object's BTF
    btf::TypeId type_id = 0;           // the variable's struct type (modifiers resolved)
    std::span<const std::uint8_t> data;  // the variable's bytes in its section
    // Indexed by member index of the local struct type.
    std::vector<std::optional<SlotProgram>> member_programs;
    // A profile's choice (sched_ext): a data member the kernel lacks is
    // cleared rather than refused, as the type's own user space does.
    bool clear_absent_members = false;
};

// A function-pointer member bound to a program.
struct ProgramSlot {
    std::string member;
    std::uint32_t kernel_member_index = 0;  // the program's expected_attach_type
    std::uint32_t value_offset = 0;         // where its fd goes in the value
    std::size_t program = 0;                // SlotProgram::index
};

// A data member copied from the object into the value.
struct DataCopy {
    std::string member;
    std::uint32_t local_offset = 0;
    std::uint32_t value_offset = 0;
    std::uint32_t size = 0;
    bool all_zero = true;
};

struct Binding {
    KernelOpsType kernel;
    // BPF_MAP_UPDATE_ELEM value: data members copied, function slots zero
    // until the executor writes the program fds at ProgramSlot::value_offset.
    std::vector<std::uint8_t> value;
    std::vector<ProgramSlot> programs;
    std::vector<DataCopy> data;
    // Members the kernel type lacks that were accepted because they are zero.
    std::vector<std::string> skipped;
    // Members the kernel type lacks that were set, cleared (clear_absent_members).
    std::vector<std::string> cleared;
    // Programs of members the kernel lacks: libbpf drops them from the map
    // (and does not load them unless another map uses them).
    std::vector<std::size_t> dropped_programs;
};

Result<Binding> bind(const LocalOpsVar& var, const KernelOpsType& kernel);

}  // namespace rawops::struct_ops
