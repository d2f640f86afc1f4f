// The facade of loader/rawops.h: sequencing only; every step is a lower
// layer's, shared with the CLI.
#include "loader/rawops.h"

namespace rawops {

Status Handle::pin(const std::string& dir) {
    auto d = PinDir::prepare(dir);
    if (!d) return std::move(d).error().context("pin " + dir);
    RAWOPS_TRY(loaded_.pin(dir));  // on failure its pins are gone again, and ~PinDir takes the folders
    loaded_.keep();
    d->commit();
    return {};
}

Session& Session::set(std::string name, std::string value) {
    options().edits.sets.push_back({std::move(name), std::move(value)});
    return *this;
}

Session& Session::resize(std::string map, std::uint32_t size) {
    options().edits.resizes.push_back({std::move(map), size});
    return *this;
}

Session& Session::only(std::string variable) {
    options().only_maps.push_back(std::move(variable));
    return *this;
}

Result<PlanView> Session::plan() {
    if (!plan_) {
        auto p = plan::build(object_, kernel_, options_);
        if (!p) return std::move(p).error();
        plan_ = std::move(p).value();
    }
    return PlanView(*plan_);
}

Result<Handle> Session::load(const plan::ExecOptions& options) {
    auto p = plan();
    if (!p) return std::move(p).error();
    auto loaded = plan::execute(p->plan(), options);
    if (!loaded) return std::move(loaded).error();
    return Handle(std::move(loaded).value());
}

Result<Session> open(const std::string& path, const std::string& btf_dir) {
    auto obj = Object::open(path);
    if (!obj) return std::move(obj).error();
    auto kernel = struct_ops::KernelBtf::open(btf_dir);
    if (!kernel) return std::move(kernel).error();
    return Session(std::move(obj).value(), std::move(kernel).value());
}

namespace {

// The link is checked before the object is opened, as `rawops update` does.
Result<std::string> update_with(const Pinned& link, const std::string& pin, Session& session) {
    // Copied first: options() drops the plan (it may be about to change).
    const std::vector<std::string> only = session.options().only_maps;
    auto p = session.plan();
    if (!p) return std::move(p).error();
    return update_link(link, pin, session.object(), p->plan(), only);
}

}  // namespace

Result<std::string> update(const std::string& pin, Session& session) {
    auto link = open_struct_ops_link(pin);
    if (!link) return std::move(link).error();
    return update_with(*link, pin, session);
}

Result<std::string> update(const std::string& pin, const std::string& object) {
    auto link = open_struct_ops_link(pin);
    if (!link) return std::move(link).error();
    auto s = open(object);
    if (!s) return std::move(s).error();
    return update_with(*link, pin, *s);
}

}  // namespace rawops
