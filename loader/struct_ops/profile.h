// Profiles: what a struct_ops type's own user space does to an object
// before load, which libbpf alone does not. A scheduler loaded without it
// runs with wrong constants. Each profile is data attached to one struct_ops
// type and produces ObjectEdits (loader/edits.h) plus notes for the plan; a
// type without a profile loads exactly as libbpf would. Switched off with
// BuildOptions::profiles = false (`--no-profile`).
//
// sched_ext_ops and sched_ext_ops_cid (tools/sched_ext/include/scx):
//  - SCX_ENUM_INIT: every `const volatile u64 __SCX_<NAME>` in .rodata gets
//    the value of the kernel's enumerator SCX_<NAME> in an enum named scx_*,
//    where scx's SCX_ENUM_SET reads them (0 if the kernel has none);
//  - SCX_OPS_OPEN: the struct_ops member hotplug_seq from
//    /sys/kernel/sched_ext/hotplug_seq;
//  - UEI_SET_SIZE: for each exit-info block <uei>, <uei>_dump_len in .rodata
//    and the section .data.<uei>_dump sized to ops.exit_dump_len, or 32768;
//  - data members the running kernel's type lacks are cleared, not refused
//    (the compat stanzas of SCX_OPS_OPEN).
#pragma once

#include <string>
#include <vector>

#include "btf/error.h"
#include "loader/edits.h"
#include "loader/object.h"
#include "loader/struct_ops/kernel_btf.h"

namespace rawops::struct_ops {

struct ProfileFiles {
    std::string hotplug_seq = "/sys/kernel/sched_ext/hotplug_seq";
};

struct ProfileResult {
    std::string name;                // "sched_ext" ("" when the type has no profile)
    ObjectEdits edits;               // applied before the user's own edits
    std::vector<std::string> notes;  // what it did, for the plan
    bool clear_absent_members = false;
};

// The profile of struct_ops variable `var` (its type essential-named
// `type_name`), computed against the running kernel.
Result<ProfileResult> apply_profile(const Object& obj, KernelBtf& kernel, const StructOpsVar& var,
                                    const std::string& type_name, const ProfileFiles& files = {});

}  // namespace rawops::struct_ops
