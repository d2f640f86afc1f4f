// The rawops side of tests/diff: load an object with librawops exactly as
// libbpf would, register and attach it, print the same manifest as
// libbpf_hold, and keep it all until stdin closes. The one type profile,
// sched_ext's, stays on: libbpf_hold prepares a scheduler the same way
// (tests/common/scx_prepare.c), as the scheduler's own user space does.
//
//   rawops_hold [--break=WHAT] OBJ.o PIN_ROOT [TARGET_BTF]
//
// TARGET_BTF: a raw BTF file used as the kernel's BTF (CO-RE target), as
// libbpf's btf_custom_path. RAWOPS_DIFF_CALLS=FILE: the load's bpf() calls.
//
// --break makes this rawops deliberately wrong in a way the kernel accepts,
// so that the suite can show it catches the mistake:
//   swap-members:A,B   the programs of struct_ops members A and B trade
//                      places (member index and value slot), as a binder
//                      that matched members by position would do;
//   skip-core          the first CO-RE relocation that changes an
//                      instruction is left as compiled.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <variant>

#include "loader/object.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/obj.h"
#include "tests/diff/hold/capture.h"

using namespace rawops;

namespace {

int refuse(const std::string& what) {
    std::fprintf(stderr, "rawops: %s\n", what.c_str());
    return 2;
}

// The --break=swap-members:A,B mistake, made on the plan.
bool swap_members(plan::Plan& p, const std::string& a, const std::string& b) {
    for (plan::Step& s : p.steps) {
        auto* u = std::get_if<plan::UpdateMap>(&s.action);
        if (!u || !u->struct_ops) continue;
        plan::UpdateMap::ProgSlot *sa = nullptr, *sb = nullptr;
        for (auto& slot : u->prog_slots) {
            if (slot.member == a) sa = &slot;
            if (slot.member == b) sb = &slot;
        }
        if (!sa || !sb) continue;
        plan::LoadProgram *pa = nullptr, *pb = nullptr;
        for (plan::Step& t : p.steps) {
            auto* l = std::get_if<plan::LoadProgram>(&t.action);
            if (l && l->name == sa->prog.name) pa = l;
            if (l && l->name == sb->prog.name) pb = l;
        }
        if (!pa || !pb) return false;
        std::swap(sa->prog, sb->prog);
        std::swap(pa->expected_attach_type, pb->expected_attach_type);
        return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    std::string broken;
    int arg = 1;
    if (arg < argc && std::string(argv[arg]).starts_with("--break=")) broken = argv[arg++] + 8;
    if (argc - arg != 2 && argc - arg != 3) {
        std::fprintf(stderr, "usage: rawops_hold [--break=swap-members:A,B|skip-core] OBJ.o PIN_ROOT [TARGET_BTF]\n");
        return 2;
    }
    const std::string path = argv[arg], pin_root = argv[arg + 1];
    std::string btf_dir = "/sys/kernel/btf";
    if (argc - arg == 3) {
        // KernelBtf reads <dir>/vmlinux, so the target must be named so.
        const std::string target = argv[arg + 2];
        const auto slash = target.rfind('/');
        if (slash == std::string::npos || target.substr(slash + 1) != "vmlinux")
            return refuse("TARGET_BTF must be a file named vmlinux: " + target);
        btf_dir = target.substr(0, slash);
    }
    auto obj = Object::open(path);
    if (!obj) return refuse(obj.error().message());
    auto kernel = struct_ops::KernelBtf::open(btf_dir);
    if (!kernel) return refuse(kernel.error().message());
    plan::BuildOptions options;
    options.pin_root = pin_root;
    options.profiles = true;  // sched_ext only; libbpf_hold runs scx_prepare
    options.testing_skip_core = broken == "skip-core";
    auto p = plan::build(*obj, *kernel, options);
    if (!p) return refuse(p.error().message());
    if (broken.starts_with("swap-members:")) {
        const std::string names = broken.substr(13);
        const auto comma = names.find(',');
        if (comma == std::string::npos || !swap_members(*p, names.substr(0, comma), names.substr(comma + 1)))
            return refuse("--break=" + broken + ": no struct_ops value with both members");
    } else if (!broken.empty() && broken != "skip-core") {
        return refuse("unknown --break=" + broken);
    }
    plan::ExecOptions exec;
    // RAWOPS_DIFF_NO_REGISTER=1: as libbpf_hold, create struct_ops maps only.
    if (const char* e = std::getenv("RAWOPS_DIFF_NO_REGISTER"); e && *e == '1') exec.fill_struct_ops = false;
    auto loaded = plan::execute(*p, exec);
    if (!loaded) return refuse(loaded.error().message());
    capture_mark_loaded();
    if (const char* calls = std::getenv("RAWOPS_DIFF_CALLS"); calls && capture_write(calls))
        return refuse(std::string("cannot write ") + calls);

    auto prog_id = [](int fd) -> std::uint32_t {
        auto info = sys::prog_info(fd);
        return info ? info->id : 0;
    };
    auto map_id = [](int fd) -> std::uint32_t {
        auto info = sys::map_info(fd);
        return info ? info->id : 0;
    };
    auto link_id = [](int fd) -> std::uint32_t {
        auto info = sys::link_info(fd);
        return info ? info->id : 0;
    };
    for (const plan::Step& s : p->steps) {
        if (const auto* l = std::get_if<plan::LoadProgram>(&s.action)) {
            std::printf("prog %u %u 0 %s\n", prog_id(loaded->prog_fd(l->name)), l->expected_attach_type,
                        l->section.c_str());
        } else if (std::holds_alternative<plan::CreateMap>(s.action)) {
            std::printf("map %u\n", map_id(loaded->fd(s.creates)));
        } else if (std::holds_alternative<plan::CreateLink>(s.action)) {
            // (No link without registration: RAWOPS_DIFF_NO_REGISTER.)
            if (loaded->fd(s.creates) >= 0) std::printf("link %u\n", link_id(loaded->fd(s.creates)));
        } else if (const auto* a = std::get_if<plan::AttachProgram>(&s.action)) {
            if (loaded->program_link_fd(a->prog.name) >= 0)
                std::printf("link %u\n", link_id(loaded->program_link_fd(a->prog.name)));
        } else if (std::holds_alternative<plan::LoadBtf>(s.action)) {
            auto info = sys::btf_info(loaded->fd(s.creates));
            std::printf("btf %u\n", info ? info->id : 0);
        }
    }
    std::printf("ready\n");
    std::fflush(stdout);
    std::string line;
    while (std::getline(std::cin, line)) {
    }
    auto st = loaded->detach();
    if (!st) return refuse(st.error().message());
    return 0;
}
