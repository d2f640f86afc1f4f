// rawops for embedders: the one header to include. A struct_ops object goes
// from file to kernel in a few calls:
//
//   auto s = rawops::open("tcp_cc.bpf.o");       // Result<Session>
//   s->set("VAR", "VALUE");                       // before load, as a skeleton would
//   auto plan = s->plan();                        // every bpf() call, none made yet
//   auto h = s->load();                           // Result<Handle>: registered
//   h->pin("/sys/fs/bpf/x");                      // outlive the process, or
//   // ...                                        // ~Handle unregisters (RAII)
//   rawops::update("/sys/fs/bpf/x/VAR", "v2.bpf.o");
//   rawops::unload("/sys/fs/bpf/x");
//
// This header only wires the layers together; each stays reachable for what
// it does not cover: Session::object() (loader/object.h), options() (edits,
// plan::BuildOptions), kernel() (kernel BTF), Handle::loaded() (plan::Loaded:
// fds, global data mmap, test runs), and loader/sys/ for single bpf() calls.
// Errors are values (btf/error.h), never exceptions; hint() suggests a fix
// for those that come from the machine rather than the object.
// docs/embedding.md has a complete program and what the binary needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "btf/error.h"
#include "loader/hint.h"
#include "loader/object.h"
#include "loader/pin_dir.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/unload.h"
#include "loader/update.h"

namespace rawops {

// A plan borrowed from its Session: valid until the Session changes (set,
// resize, only, options), moves or goes.
class PlanView {
public:
    explicit PlanView(const plan::Plan& p) : plan_(&p) {}
    const plan::Plan& plan() const { return *plan_; }
    // As `rawops plan` prints it: one decoded bpf() call a line.
    std::string str() const { return plan::print(*plan_); }

private:
    const plan::Plan* plan_;
};

// What a load registered, attached and created. Unless pinned or kept, the
// destructor unregisters everything and closes every fd.
class Handle {
public:
    explicit Handle(plan::Loaded loaded) : loaded_(std::move(loaded)) {}

    // struct_ops variables registered, and whether through a link.
    const std::vector<plan::Loaded::Registration>& registrations() const { return loaded_.registrations(); }
    // Pins everything under `dir`, as `rawops load --pin DIR` does: the
    // folder is created (with parents) on a bpffs, must not hold another
    // load's pins, and is taken back if pinning fails. Once pinned, the
    // registrations outlive this Handle and the process: unload(dir) ends them.
    Status pin(const std::string& dir);
    // Unregisters now (links detached, legacy registrations deleted), closes
    // every fd. Safe to call twice.
    Status detach() { return loaded_.detach(); }
    // Leaves the registrations in the kernel when destroyed (a legacy
    // .struct_ops map stays registered; a link needs a pin to stay).
    void keep() { loaded_.keep(); }

    // The lower layer: map and program fds, global data, test runs, update_link.
    plan::Loaded& loaded() { return loaded_; }
    const plan::Loaded& loaded() const { return loaded_; }

private:
    plan::Loaded loaded_;
};

// An object opened against the running kernel's BTF, with the edits a
// skeleton's user would make before load. Nothing is sent to the kernel
// before load().
class Session {
public:
    // Global variable VAR, or data member VAR.MEMBER of a struct_ops
    // variable (`--set`), as text checked against its BTF type when the plan
    // is built (plan() or load() say what does not fit).
    Session& set(std::string name, std::string value);
    // max_entries of a `.maps` map, or the last array of a global-data
    // section such as ".data.cpus" (`--resize`).
    Session& resize(std::string map, std::uint32_t size);
    // Only this struct_ops variable, SEC("?.struct_ops") ones included
    // (`--map`; repeatable). None: what libbpf creates by default.
    Session& only(std::string variable);

    // The plan with the edits so far, built once and again after a change.
    Result<PlanView> plan();
    // Runs the plan: loads, registers, attaches.
    Result<Handle> load(const plan::ExecOptions& options = {});

    // The lower layers. Changing options() directly is fine: the next plan()
    // sees it.
    const Object& object() const { return object_; }
    struct_ops::KernelBtf& kernel() { return kernel_; }
    plan::BuildOptions& options() {
        plan_.reset();
        return options_;
    }

private:
    friend Result<Session> open(const std::string&, const std::string&);
    Session(Object object, struct_ops::KernelBtf kernel) : object_(std::move(object)), kernel_(std::move(kernel)) {}

    Object object_;
    struct_ops::KernelBtf kernel_;
    plan::BuildOptions options_;
    std::optional<plan::Plan> plan_;
};

// Opens an object file and the kernel's BTF (`btf_dir`: another kernel's,
// for planning only).
Result<Session> open(const std::string& path, const std::string& btf_dir = "/sys/kernel/btf");

// `rawops update PIN OBJ`: the struct_ops link pinned at `pin` switches to the
// one .struct_ops.link variable of `session` (chosen with only() if it has
// several); its maps are pinned beside `pin`. Returns that variable's name.
Result<std::string> update(const std::string& pin, Session& session);
Result<std::string> update(const std::string& pin, const std::string& object);

// rawops::unload(pin, observer), from loader/unload.h: `rawops unload PIN`.

}  // namespace rawops
