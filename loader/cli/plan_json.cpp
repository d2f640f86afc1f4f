#include "loader/cli/plan_json.h"

#include <string>
#include <type_traits>
#include <variant>

namespace rawops::cli {
namespace {

Json call_json(const plan::CallView& c) {
    Json out{{"command", c.command}, {"attrs", attrs_json(c.attrs)}};
    if (c.form == plan::CallView::Form::Until) out["until"] = true;
    if (!c.result.empty()) out["result"] = c.result;
    return out;
}

// What kind of step it is, for filtering without parsing the summary.
const char* action_name(const plan::Action& action) {
    static constexpr const char* kNames[] = {"load_btf",   "open_module_btf", "create_map",   "update_map",
                                             "freeze_map", "map_arena",       "load_program", "bind_map",
                                             "create_link", "attach_program"};
    static_assert(std::size(kNames) == std::variant_size_v<plan::Action>);
    return kNames[action.index()];
}

// Where the fds the plan cannot know yet are written, once they exist.
void add_fd_patches(Json& step, const plan::Action& action) {
    if (const auto* a = std::get_if<plan::UpdateMap>(&action)) {
        Json slots = Json::array();
        for (const auto& s : a->prog_slots)
            slots.push_back({{"offset", s.offset}, {"member", s.member}, {"prog", s.prog.str()}});
        step["prog_slots"] = std::move(slots);
        Json fields = Json::array();
        for (const auto& f : a->fields) fields.push_back({{"offset", f.offset}, {"name", f.name}, {"value", f.text}});
        step["fields"] = std::move(fields);
    } else if (const auto* a = std::get_if<plan::CreateMap>(&action)) {
        Json ids = Json::object();
        for (const auto& [field, type] : a->btf_ids) ids[field] = type;
        step["btf_ids"] = std::move(ids);
    } else if (const auto* a = std::get_if<plan::LoadProgram>(&action)) {
        Json maps = Json::array(), modules = Json::array();
        for (const auto& m : a->map_fds) maps.push_back({{"insn", m.insn}, {"map", m.map.str()}});
        for (const auto& b : a->btf_obj_fds) modules.push_back({{"insn", b.insn}, {"module", b.module.str()}});
        step["map_fds"] = std::move(maps);
        step["btf_obj_fds"] = std::move(modules);
        step["core"] = a->core;
        if (!a->attach_btf_type.empty()) step["attach_btf_type"] = a->attach_btf_type;
    }
}

Json step_json(const plan::Step& s, std::size_t index) {
    auto calls = plan::describe_calls(s);
    Json step{{"index", index},
              {"action", action_name(s.action)},
              {"summary", s.summary},
              {"creates", s.creates.valid() ? Json(s.creates.str()) : Json()}};
    // The step's own call is the last; the ones before prepare it.
    step.update(call_json(calls.back()));
    Json before = Json::array();
    for (std::size_t i = 0; i + 1 < calls.size(); ++i) before.push_back(call_json(calls[i]));
    step["before"] = std::move(before);
    add_fd_patches(step, s.action);
    return step;
}

}  // namespace

Json attr_value_json(const sys::AttrField& f) {
    switch (f.kind) {
        case sys::AttrKind::Number: return std::stoll(f.value);  // made by number_field: always decimal
        case sys::AttrKind::String: return f.parts.empty() ? std::string() : f.parts.front();
        case sys::AttrKind::Flags:
        case sys::AttrKind::List: return f.parts;
        case sys::AttrKind::Text:
        case sys::AttrKind::U64:  // may exceed 2^53: a string, as every 64-bit value (docs/schema/README.md)
        case sys::AttrKind::Pointer:
        case sys::AttrKind::Name: break;
    }
    return f.value;
}

Json attrs_json(const std::vector<sys::AttrField>& fields) {
    Json out = Json::object();
    for (const auto& f : fields) out[f.name] = attr_value_json(f);
    return out;
}

Json plan_json(const plan::Plan& plan) {
    Json steps = Json::array();
    for (std::size_t i = 0; i < plan.steps.size(); ++i) steps.push_back(step_json(plan.steps[i], i + 1));
    return {{"object", plan.object}, {"steps", std::move(steps)}, {"notes", plan.notes}};
}

}  // namespace rawops::cli
