// What a bpffs pin is: unload and update (loader/unload.h, loader/update.h)
// act differently on a pinned struct_ops link, a pinned (legacy) struct_ops
// map and other pinned maps.
#pragma once

#include <string>

#include "btf/error.h"
#include "loader/sys/fd.h"

namespace rawops {

struct Pinned {
    // ProgramLink: the link of an attached program (tp_btf, fentry, kprobe, ...).
    enum class Kind { StructOpsLink, StructOpsMap, ProgramLink, OtherMap, Other };
    Kind kind = Kind::Other;
    sys::Fd fd;
};

// Opens the pin and tells what it is, with bpf() calls alone (no
// /proc/self/fdinfo: `unload` must work in an initramfs without /proc).
Result<Pinned> open_pinned(const std::string& path);

}  // namespace rawops
