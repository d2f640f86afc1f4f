#include "loader/pin_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

namespace rawops {

Result<PinDir> PinDir::prepare(const std::string& dir) {
    constexpr long kBpffsMagic = 0xcafe4a11;  // BPF_FS_MAGIC
    std::filesystem::path p = std::filesystem::absolute(dir).lexically_normal();
    std::filesystem::path existing = p;
    std::error_code ec;
    while (!existing.empty() && !std::filesystem::exists(existing, ec) && existing != existing.root_path())
        existing = existing.parent_path();
    struct statfs fs {};
    if (::statfs(existing.c_str(), &fs) != 0)
        return Error("cannot stat " + existing.string() + ": " + std::strerror(errno), errno);
    if (fs.f_type != kBpffsMagic)
        return Error(existing.string() + " is not on a bpffs (mount one first: mount -t bpf bpf /sys/fs/bpf)");
    PinDir out;
    out.leaf_ = p.string();
    if (existing != p) {
        if (!std::filesystem::create_directories(p, ec))
            return Error("cannot create it: " + ec.message(), ec.value());
        // The first folder below `existing` on the way to `p`.
        std::filesystem::path top = p;
        while (top.parent_path() != existing) top = top.parent_path();
        out.top_ = top.string();
        return out;
    }
    if (!std::filesystem::is_directory(p, ec))
        return Error("it exists and is not a folder (a pinned object?): choose a new folder", EEXIST);
    std::string held;
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(p, ec)) {
        const std::string name = e.path().filename().string();
        // A bpffs root holds the kernel's own iterators.
        if (name == "maps.debug" || name == "progs.debug") continue;
        if (n++ < 4) held += (held.empty() ? "" : ", ") + name;
    }
    if (n > 0)
        return Error("the folder already holds the pins of another load (" + held + (n > 4 ? ", ..." : "") +
                         "): unload that first (rawops unload " + dir + ") or choose a new folder",
                     EEXIST);
    return out;
}

PinDir& PinDir::operator=(PinDir&& other) noexcept {
    // Swapped: what this one had prepared is taken back when `other` goes.
    std::swap(top_, other.top_);
    std::swap(leaf_, other.leaf_);
    return *this;
}

PinDir::~PinDir() {
    if (top_.empty()) return;
    std::error_code ec;
    for (std::filesystem::path d = leaf_; !d.empty(); d = d.parent_path()) {
        if (!std::filesystem::remove(d, ec)) break;  // not empty, or gone
        if (d == top_) break;
    }
}

Result<sys::Fd> lock_pin_folder(const std::string& dir) {
    sys::Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return Error("opening pin folder " + dir + ": " + std::strerror(errno), errno);
    int r;
    do r = ::flock(fd.get(), LOCK_EX);
    while (r != 0 && errno == EINTR);
    if (r != 0) return Error("locking pin folder " + dir + ": " + std::strerror(errno), errno);
    return fd;
}

}  // namespace rawops
