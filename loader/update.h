// BPF_LINK_UPDATE of a pinned struct_ops link (`rawops update PIN OBJ.o`,
// rawops::update): the link switches to the .struct_ops.link variable of
// another object. The kernel requires the same struct_ops type (and, for TCP
// congestion control, the same name). The new object's maps (global data and
// `.maps`) are pinned beside PIN (a pin of the same name is replaced), so what
// the new programs use stays readable.
#pragma once

#include <string>
#include <vector>

#include "btf/error.h"
#include "loader/object.h"
#include "loader/pinned.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"

namespace rawops {

// The struct_ops link pinned at `pin`; anything else (a legacy struct_ops
// map, which cannot be updated in place) is an error. Done first, before the
// new object is even opened.
Result<Pinned> open_struct_ops_link(const std::string& pin);

// Loads `plan` (of `obj`, built with `only_maps`) without creating its links,
// switches `link` (pinned at `pin`) to the map of its one .struct_ops.link
// variable and re-pins the new maps beside `pin`. Returns that variable's name.
// On failure nothing of the new object stays in the kernel. `exec` carries
// the caller's log level and step observer (create_links is set false here).
Result<std::string> update_link(const Pinned& link, const std::string& pin, const Object& obj, const plan::Plan& plan,
                                const std::vector<std::string>& only_maps, plan::ExecOptions exec = {});

}  // namespace rawops
