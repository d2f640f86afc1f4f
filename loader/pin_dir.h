// The bpffs folder a load pins into (`rawops load --pin DIR`, and
// rawops::Handle::pin): checked and created before anything is registered,
// and taken back if the load then fails.
#pragma once

#include <string>

#include "btf/error.h"
#include "loader/sys/fd.h"

namespace rawops {

class PinDir {
public:
    // Creates `dir` and missing parents (as bpftool does). The first
    // existing ancestor must be on a bpffs, else the error names the mount
    // that is missing. An existing `dir` must be an empty folder: `unload DIR`
    // removes everything in it, so a second load pinned beside another one
    // would go with it. Errors do not name `dir` (callers add it as context).
    static Result<PinDir> prepare(const std::string& dir);

    PinDir() = default;
    PinDir(PinDir&& other) noexcept { *this = std::move(other); }
    PinDir& operator=(PinDir&& other) noexcept;
    PinDir(const PinDir&) = delete;
    PinDir& operator=(const PinDir&) = delete;
    // Unless commit() was called, removes the folders prepare() created, when
    // still empty (a failed Loaded::pin has already taken its pins back).
    ~PinDir();

    // The load is pinned: leave the folders.
    void commit() { top_.clear(); }
    // The absolute, normalized path.
    const std::string& path() const { return leaf_; }

private:
    std::string top_;   // the top-most folder prepare() created ("" if none)
    std::string leaf_;
};

// Takes an exclusive flock(2) on the pin folder `dir`, held until the
// returned fd closes. `update` and `unload` of one pin folder hold it for
// their whole change, so one runs after the other: without it, an unload
// could list the folder, an update then pin the new object's maps into it,
// and the unload detach the link under them, leaving those pins behind.
Result<sys::Fd> lock_pin_folder(const std::string& dir);

}  // namespace rawops
