#include "loader/sys/btf_obj.h"

#include <algorithm>

#include <cerrno>
#include <cstring>

#include "loader/sys/obj.h"
#include "loader/sys/syscall.h"

namespace rawops::sys {
namespace {
std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }
}  // namespace

attr::BtfLoad encode(const BtfLoadRequest& r) {
    attr::BtfLoad a{};
    a.btf = ptr(r.data.data());
    a.btf_size = static_cast<std::uint32_t>(r.data.size());
    return a;
}

Result<Fd> btf_load(const BtfLoadRequest& request, std::string* log_out) {
    attr::BtfLoad a = encode(request);
    std::string log;
    long result = load_with_log(
        request.log,
        [&a](std::uint32_t level, char* buf, std::uint32_t size, std::uint32_t& true_size) {
            a.btf_log_level = level;
            a.btf_log_buf = ptr(buf);
            a.btf_log_size = size;
            a.btf_log_true_size = 0;
            long r = bpf_call(Cmd::BtfLoad, a);
            int err = errno;
            true_size = a.btf_log_true_size;
            errno = err;
            return r;
        },
        log);
    int err = errno;
    if (log_out != nullptr) *log_out = log;
    std::string subject = request.name.empty() ? std::string() : "of '" + request.name + "'";
    auto fd = take_fd(Cmd::BtfLoad, result, err, subject);
    if (!fd.ok()) {
        Error e = std::move(fd).error();
        std::string verdict = log_summary(log);
        if (!verdict.empty()) return Error(e.message() + "; BTF: " + verdict, e.err_no());
        return e;
    }
    return fd;
}

Result<Fd> btf_get_fd_by_id(std::uint32_t id) {
    attr::GetId a{};
    a.id = id;
    return bpf_fd_call(Cmd::BtfGetFdById, &a, sizeof a, "of BTF id " + std::to_string(id));
}

Result<std::optional<std::uint32_t>> btf_get_next_id(std::uint32_t start_id) {
    return get_next_id(Cmd::BtfGetNextId, start_id);
}

Result<BtfInfo> btf_info(int btf_fd) {
    char name[64] = {};
    attr::BtfInfoRaw raw{};
    raw.name = ptr(name);
    raw.name_len = sizeof name;
    RAWOPS_TRY(obj_get_info(btf_fd, &raw, sizeof raw));
    BtfInfo info;
    info.id = raw.id;
    info.name.assign(name, strnlen(name, sizeof name));
    info.kernel_btf = raw.kernel_btf != 0;
    info.size = raw.btf_size;
    return info;
}

Result<std::vector<std::uint8_t>> btf_raw(int btf_fd) {
    auto info = btf_info(btf_fd);
    if (!info) return std::move(info).error();
    std::vector<std::uint8_t> bytes(info->size);
    attr::BtfInfoRaw raw{};
    raw.btf = ptr(bytes.data());
    raw.btf_size = static_cast<std::uint32_t>(bytes.size());
    RAWOPS_TRY(obj_get_info(btf_fd, &raw, sizeof raw));
    bytes.resize(std::min<std::size_t>(raw.btf_size, bytes.size()));
    return bytes;
}

Result<KernelBtf> find_kernel_btf(const std::string& name) {
    std::uint32_t id = 0;
    for (;;) {
        auto next = btf_get_next_id(id);
        if (!next.ok()) return std::move(next).error().context("looking for kernel BTF '" + name + "'");
        if (!next->has_value()) break;
        id = **next;
        auto fd = btf_get_fd_by_id(id);
        if (!fd.ok()) {
            if (fd.error().err_no() == ENOENT) continue;  // unloaded meanwhile
            return std::move(fd).error().context("looking for kernel BTF '" + name + "'");
        }
        auto info = btf_info(fd->get());
        if (!info.ok()) return std::move(info).error().context("looking for kernel BTF '" + name + "'");
        if (info->kernel_btf && info->name == name) return KernelBtf{std::move(*fd), std::move(*info)};
    }
    return Error("no kernel BTF named '" + name + "' (not built in, module not loaded?)", ENOENT);
}

}  // namespace rawops::sys
