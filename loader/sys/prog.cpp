#include "loader/sys/prog.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "loader/sys/abi.h"
#include "loader/sys/syscall.h"

namespace rawops::sys {
namespace {

std::uint64_t ptr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

std::uint32_t fd_field(int fd) { return fd >= 0 ? static_cast<std::uint32_t>(fd) : 0; }

void copy_name(char (&dst)[16], const std::string& name) {
    std::memset(dst, 0, sizeof dst);
    std::memcpy(dst, name.data(), std::min<std::size_t>(name.size(), sizeof dst - 1));
}

}  // namespace

attr::ProgLoad encode(const ProgLoadRequest& r) {
    attr::ProgLoad a{};
    a.prog_type = r.prog_type;
    a.insn_cnt = static_cast<std::uint32_t>(r.insns.size());
    a.insns = ptr(r.insns.data());
    a.license = ptr(r.license.c_str());
    a.kern_version = r.kern_version;
    a.prog_flags = r.prog_flags;
    copy_name(a.prog_name, r.name);
    a.expected_attach_type = r.expected_attach_type;
    a.prog_btf_fd = fd_field(r.prog_btf_fd);
    if (r.func_info_rec_size != 0 && !r.func_info.empty()) {
        a.func_info_rec_size = r.func_info_rec_size;
        a.func_info = ptr(r.func_info.data());
        a.func_info_cnt = static_cast<std::uint32_t>(r.func_info.size() / r.func_info_rec_size);
    }
    if (r.line_info_rec_size != 0 && !r.line_info.empty()) {
        a.line_info_rec_size = r.line_info_rec_size;
        a.line_info = ptr(r.line_info.data());
        a.line_info_cnt = static_cast<std::uint32_t>(r.line_info.size() / r.line_info_rec_size);
    }
    a.attach_btf_id = r.attach_btf_id;
    a.attach_btf_obj_fd = fd_field(r.attach_btf_obj_fd);
    if (!r.fd_array.empty()) a.fd_array = ptr(r.fd_array.data());
    return a;
}

Result<Fd> prog_load(const ProgLoadRequest& request, std::string* log_out) {
    attr::ProgLoad a = encode(request);
    std::string log;
    long result = load_with_log(
        request.log,
        [&a](std::uint32_t level, char* buf, std::uint32_t size, std::uint32_t& true_size) {
            a.log_level = level;
            a.log_buf = ptr(buf);
            a.log_size = size;
            a.log_true_size = 0;
            // The verifier can ask to be retried (EAGAIN) when it was
            // interrupted by a signal; libbpf retries the same way.
            long r = -1;
            for (int attempt = 0; attempt < 5; ++attempt) {
                r = bpf_call(Cmd::ProgLoad, a);
                if (r >= 0 || errno != EAGAIN) break;
            }
            int err = errno;
            true_size = a.log_true_size;
            errno = err;
            return r;
        },
        log);
    int err = errno;
    if (log_out != nullptr) *log_out = log;
    std::string subject = "of '" + request.name + "'";
    auto fd = take_fd(Cmd::ProgLoad, result, err, subject);
    if (!fd.ok()) {
        Error e = std::move(fd).error();
        std::string verdict = log_summary(log);
        if (!verdict.empty()) return Error(e.message() + "; verifier: " + verdict, e.err_no());
        return e;
    }
    return fd;
}

attr::TestRun encode(const TestRunRequest& r) {
    attr::TestRun a{};
    a.prog_fd = fd_field(r.prog_fd);
    a.data_size_in = static_cast<std::uint32_t>(r.data_in.size());
    a.data_in = r.data_in.empty() ? 0 : ptr(r.data_in.data());
    a.data_size_out = static_cast<std::uint32_t>(r.data_out.size());
    a.data_out = r.data_out.empty() ? 0 : ptr(r.data_out.data());
    a.ctx_size_in = static_cast<std::uint32_t>(r.ctx_in.size());
    a.ctx_in = r.ctx_in.empty() ? 0 : ptr(r.ctx_in.data());
    a.ctx_size_out = static_cast<std::uint32_t>(r.ctx_out.size());
    a.ctx_out = r.ctx_out.empty() ? 0 : ptr(r.ctx_out.data());
    a.repeat = r.repeat;
    a.flags = r.flags;
    a.cpu = r.cpu;
    return a;
}

Result<TestRunResult> prog_test_run(const TestRunRequest& request) {
    attr::TestRun a = encode(request);
    RAWOPS_TRY(bpf_status_call(Cmd::ProgTestRun, &a, sizeof a,
                               "of prog fd " + std::to_string(request.prog_fd)));
    return TestRunResult{a.retval, a.duration, a.data_size_out, a.ctx_size_out};
}

Status prog_bind_map(int prog_fd, int map_fd) {
    attr::ProgBindMap a{};
    a.prog_fd = static_cast<std::uint32_t>(prog_fd);
    a.map_fd = static_cast<std::uint32_t>(map_fd);
    return bpf_status_call(Cmd::ProgBindMap, &a, sizeof a,
                           "of map fd " + std::to_string(map_fd) + " to program fd " + std::to_string(prog_fd));
}

}  // namespace rawops::sys
