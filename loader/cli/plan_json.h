// `rawops plan --json`: a Plan as one JSON document
// (docs/schema/plan.schema.json). The attrs come from plan::describe_calls,
// the same decoding the text output prints, each value with its JSON type.
#pragma once

#include <vector>

#include "loader/cli/json_out.h"
#include "loader/plan/plan.h"
#include "loader/sys/describe.h"

namespace rawops::cli {

// Numbers for u32 and fds, strings for names, u64, pointers and symbolic
// fds ("$map:x"), C strings as read (not quoted), arrays for flags and lists.
Json attr_value_json(const sys::AttrField& field);
// {"field": value, ...} in the attr's order.
Json attrs_json(const std::vector<sys::AttrField>& fields);
Json plan_json(const plan::Plan& plan);

}  // namespace rawops::cli
