#include "tests/host/tcp_traffic.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

namespace rawops::testing {

namespace {

// Closes on scope exit; tests must not leak sockets either.
struct Sock {
    int fd = -1;
    explicit Sock(int f) : fd(f) {}
    Sock(const Sock&) = delete;
    Sock& operator=(const Sock&) = delete;
    ~Sock() {
        if (fd >= 0) ::close(fd);
    }
};

Error sys_error(const std::string& what) { return Error(what + ": " + std::strerror(errno), errno); }

}  // namespace

bool tcp_cc_available(const std::string& name) {
    std::ifstream f("/proc/sys/net/ipv4/tcp_available_congestion_control");
    std::string word;
    while (f >> word)
        if (word == name) return true;
    return false;
}

int try_set_congestion(const std::string& cc) {
    Sock s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (s.fd < 0) return errno;
    if (::setsockopt(s.fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(), static_cast<socklen_t>(cc.size())) != 0)
        return errno;
    return 0;
}

Result<TcpTransfer> loopback_transfer(const std::string& cc, std::uint64_t bytes) {
    Sock listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (listener.fd < 0) return sys_error("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("bind");
    if (::listen(listener.fd, 1) != 0) return sys_error("listen");
    if (::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return sys_error("getsockname");

    Sock sender(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (sender.fd < 0) return sys_error("socket");
    if (::setsockopt(sender.fd, IPPROTO_TCP, TCP_CONGESTION, cc.data(), static_cast<socklen_t>(cc.size())) != 0)
        return sys_error("setsockopt(TCP_CONGESTION, " + cc + ")");
    if (::connect(sender.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return sys_error("connect");
    Sock receiver(::accept4(listener.fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (receiver.fd < 0) return sys_error("accept");

    TcpTransfer out;
    std::thread reader([&] {
        std::vector<char> buf(1 << 16);
        for (;;) {
            ssize_t n = ::read(receiver.fd, buf.data(), buf.size());
            if (n <= 0) break;
            out.bytes_received += static_cast<std::uint64_t>(n);
        }
    });

    std::vector<char> chunk(1 << 16, 'r');
    std::uint64_t left = bytes;
    int send_errno = 0;
    while (left > 0) {
        ssize_t n = ::write(sender.fd, chunk.data(), std::min<std::uint64_t>(left, chunk.size()));
        if (n < 0) {
            if (errno == EINTR) continue;
            send_errno = errno;
            break;
        }
        left -= static_cast<std::uint64_t>(n);
    }

    // Wait until the receiver has acknowledged everything, so no callback runs
    // after the tcp_info snapshot below.
    tcp_info info{};
    socklen_t ilen = sizeof info;
    for (int i = 0; i < 500; ++i) {
        ilen = sizeof info;
        if (::getsockopt(sender.fd, IPPROTO_TCP, TCP_INFO, &info, &ilen) != 0) break;
        if (info.tcpi_unacked == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    char name[32] = {};
    socklen_t nlen = sizeof name;
    ::getsockopt(sender.fd, IPPROTO_TCP, TCP_CONGESTION, name, &nlen);
    ::shutdown(sender.fd, SHUT_WR);
    reader.join();

    if (send_errno) {
        errno = send_errno;
        return sys_error("write");
    }
    out.congestion = name;
    out.snd_cwnd = info.tcpi_snd_cwnd;
    out.snd_ssthresh = info.tcpi_snd_ssthresh;
    out.total_retrans = info.tcpi_total_retrans;
    return out;
}

Result<TcpTransfer> lossy_transfer(const std::string& cc, std::uint64_t bytes) {
    int pipefd[2];
    if (::pipe2(pipefd, O_CLOEXEC) != 0) return sys_error("pipe");
    pid_t pid = ::fork();
    if (pid < 0) {
        ::close(pipefd[0]);
        ::close(pipefd[1]);
        return sys_error("fork");
    }
    if (pid == 0) {
        // Child: a private namespace, so shaping lo affects nobody else.
        ::close(pipefd[0]);
        std::string msg;
        TcpTransfer t;
        if (::unshare(CLONE_NEWNET) != 0) {
            msg = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
        } else if (std::system("ip link set lo mtu 1500 up && "
                               "tc qdisc add dev lo root tbf rate 100mbit burst 16k limit 16k && "
                               // TCP small queues would keep the sender from ever
                               // overfilling the qdisc: lift it in this namespace.
                               "echo 67108864 > /proc/sys/net/ipv4/tcp_limit_output_bytes") != 0) {
            msg = "shaping lo with ip/tc failed";
        } else {
            auto r = loopback_transfer(cc, bytes);
            if (r) t = *r;
            else msg = r.error().message();
        }
        // Fixed-size record then an error text (empty on success).
        std::uint32_t fields[4] = {t.snd_cwnd, t.snd_ssthresh, t.total_retrans, static_cast<std::uint32_t>(msg.size())};
        std::uint64_t got = t.bytes_received;
        char name[16] = {};
        std::strncpy(name, t.congestion.c_str(), sizeof name - 1);
        [[maybe_unused]] auto w1 = ::write(pipefd[1], fields, sizeof fields);
        [[maybe_unused]] auto w2 = ::write(pipefd[1], &got, sizeof got);
        [[maybe_unused]] auto w3 = ::write(pipefd[1], name, sizeof name);
        [[maybe_unused]] auto w4 = ::write(pipefd[1], msg.data(), msg.size());
        ::_exit(msg.empty() ? 0 : 1);
    }
    ::close(pipefd[1]);
    std::vector<char> data;
    char buf[4096];
    pollfd p{pipefd[0], POLLIN, 0};
    // The transfer takes well under a second; a minute means something hangs.
    while (::poll(&p, 1, 60000) > 0) {
        ssize_t n = ::read(pipefd[0], buf, sizeof buf);
        if (n <= 0) break;
        data.insert(data.end(), buf, buf + n);
    }
    ::close(pipefd[0]);
    int status = 0;
    ::kill(pid, SIGKILL);  // no-op when it already exited
    ::waitpid(pid, &status, 0);

    std::uint32_t fields[4];
    std::uint64_t got;
    char name[16];
    if (data.size() < sizeof fields + sizeof got + sizeof name) return Error("lossy transfer: child reported nothing");
    std::memcpy(fields, data.data(), sizeof fields);
    std::memcpy(&got, data.data() + sizeof fields, sizeof got);
    std::memcpy(name, data.data() + sizeof fields + sizeof got, sizeof name);
    std::string msg(data.begin() + sizeof fields + sizeof got + sizeof name, data.end());
    if (!msg.empty()) return Error("lossy transfer: " + msg);
    TcpTransfer t;
    t.snd_cwnd = fields[0];
    t.snd_ssthresh = fields[1];
    t.total_retrans = fields[2];
    t.bytes_received = got;
    t.congestion = std::string(name, strnlen(name, sizeof name));
    return t;
}

}  // namespace rawops::testing
