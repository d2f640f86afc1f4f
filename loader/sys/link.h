// BPF links: BPF_LINK_CREATE / BPF_LINK_UPDATE / BPF_LINK_DETACH, with the
// struct_ops forms (6.4+) rawops uses.
#pragma once

#include <cstdint>

#include "btf/error.h"
#include "loader/sys/attr.h"
#include "loader/sys/fd.h"

namespace rawops::sys {

struct LinkCreateRequest {
    int prog_fd = -1;  // a program fd, or for BPF_STRUCT_OPS the struct_ops map fd
    int target_fd = -1;
    std::uint32_t attach_type = 0;
    std::uint32_t flags = 0;
    std::uint32_t target_btf_id = 0;
};

attr::LinkCreate encode(const LinkCreateRequest& request);
Result<Fd> link_create(const LinkCreateRequest& request);

// Registers a BPF_F_LINK struct_ops map (its value already written with
// BPF_MAP_UPDATE_ELEM) and returns the link that keeps it registered.
Result<Fd> link_create_struct_ops(int map_fd);

// Swaps a struct_ops link to another map of the same type (for
// tcp_congestion_ops: the same name). With old_map_fd >= 0 the kernel only
// swaps if the link still points to that map (BPF_F_REPLACE), else EPERM.
Status link_update_struct_ops(int link_fd, int new_map_fd, int old_map_fd = -1);

// Unregisters what the link attached; the link fd stays valid but defunct.
Status link_detach(int link_fd);

}  // namespace rawops::sys
