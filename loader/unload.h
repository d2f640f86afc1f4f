// Taking back what a pinned load left in the kernel (`rawops unload PIN`,
// rawops::unload): PIN is a pinned struct_ops link (detached), a pinned
// legacy struct_ops map (its registration deleted), a program's link, or a
// folder `load --pin` filled, in which case every pin in it is handled and the
// folder removed when empty. Only bpf() calls and bpffs: no /proc needed.
#pragma once

#include <cstdint>
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
        // unload_map_id: a pin of the map or its link removed (`path`).
        RemovedPin,
    };
    Kind kind;
    std::string path;  // the pin; unload_map_id: "id 7 'name'" (map), "id 3 of struct_ops map id 7 'name'" (link)
    std::string text;  // ExitInfo only
};
using UnloadObserver = std::function<void(const UnloadEvent&)>;

// Struct_ops and program links first, so that nothing runs while its maps
// lose their pins. Stops at the first error.
Status unload(const std::string& pin, const UnloadObserver& observe = {});

// The struct_ops map with id `map_id`, pinned or not (`rawops unload
// --map-id`): its struct_ops links detached (link mode) or its registration
// deleted (legacy), then every pin of the map or its links removed. This is
// how an orphan goes: a legacy registration whose loader died, which the
// kernel keeps and only its id reaches. Needs CAP_SYS_ADMIN (by-id access).
Status unload_map_id(std::uint32_t map_id, const UnloadObserver& observe = {});

}  // namespace rawops
