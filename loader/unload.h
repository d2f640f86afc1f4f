// Taking back what a pinned load left in the kernel (`rawops unload PIN`,
// rawops::unload): PIN is a pinned struct_ops link (detached), a pinned
// legacy struct_ops map (its registration deleted), a program's link, or a
// folder `load --pin` filled, in which case every pin in it is handled and the
// folder removed when empty. Only bpf() calls and bpffs: no /proc needed.
#pragma once

#include <functional>
#include <string>

#include "btf/error.h"

namespace rawops {

// One thing unload did, in the order it did it: the CLI prints each line as
// it comes, so that what happened before an error is still said.
struct UnloadEvent {
    enum class Kind {
        DetachedStructOpsLink,
        UnregisteredStructOpsMap,
        DetachedProgramLink,
        RemovedMapPin,
        // A sched_ext scheduler's exit information (`text`), read from a
        // pinned global-data map before its pin goes.
        ExitInfo,
    };
    Kind kind;
    std::string path;  // the pin
    std::string text;  // ExitInfo only
};
using UnloadObserver = std::function<void(const UnloadEvent&)>;

// Struct_ops and program links first, so that nothing runs while its maps
// lose their pins. Stops at the first error.
Status unload(const std::string& pin, const UnloadObserver& observe = {});

}  // namespace rawops
