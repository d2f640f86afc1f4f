#include "loader/sys/link.h"

#include "loader/sys/abi.h"
#include "loader/sys/syscall.h"

namespace rawops::sys {

attr::LinkCreate encode(const LinkCreateRequest& r) {
    attr::LinkCreate a{};
    a.prog_fd = r.prog_fd >= 0 ? static_cast<std::uint32_t>(r.prog_fd) : 0;
    a.target_fd = r.target_fd >= 0 ? static_cast<std::uint32_t>(r.target_fd) : 0;
    a.attach_type = r.attach_type;
    a.flags = r.flags;
    a.target_btf_id = r.target_btf_id;
    return a;
}

Result<Fd> link_create(const LinkCreateRequest& request) {
    attr::LinkCreate a = encode(request);
    const char* what = request.attach_type == kAttachStructOps ? "of struct_ops map fd " : "of prog fd ";
    return bpf_fd_call(Cmd::LinkCreate, &a, sizeof a, what + std::to_string(request.prog_fd));
}

Result<Fd> link_create_struct_ops(int map_fd) {
    LinkCreateRequest r;
    r.prog_fd = map_fd;
    r.attach_type = kAttachStructOps;
    return link_create(r);
}

Status link_update_struct_ops(int link_fd, int new_map_fd, int old_map_fd) {
    attr::LinkUpdate a{};
    a.link_fd = static_cast<std::uint32_t>(link_fd);
    a.new_fd = static_cast<std::uint32_t>(new_map_fd);
    if (old_map_fd >= 0) {
        a.flags = kLinkFlagReplace;
        a.old_fd = static_cast<std::uint32_t>(old_map_fd);
    }
    return bpf_status_call(Cmd::LinkUpdate, &a, sizeof a,
                           "of link fd " + std::to_string(link_fd) + " to map fd " +
                               std::to_string(new_map_fd));
}

Status link_detach(int link_fd) {
    attr::LinkDetach a{};
    a.link_fd = static_cast<std::uint32_t>(link_fd);
    return bpf_status_call(Cmd::LinkDetach, &a, sizeof a, "of link fd " + std::to_string(link_fd));
}

}  // namespace rawops::sys
