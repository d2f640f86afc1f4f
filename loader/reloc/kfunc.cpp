#include "loader/reloc/kfunc.h"

namespace rawops::reloc {

namespace {

// libbpf's POISON_CALL_KFUNC_BASE: helper ids from here on are never real.
constexpr std::int32_t kPoisonKfuncBase = 2002000000;

// Parameter count of a FUNC's prototype, or nullopt if it has none.
std::optional<std::uint32_t> param_count(const btf::Btf& b, btf::TypeId func) {
    const btf::TypeView f = b.type(func);
    if (f.kind() != btf::Kind::Func) return std::nullopt;
    const btf::TypeView proto = b.type(f.ref_type());
    if (proto.kind() != btf::Kind::FuncProto) return std::nullopt;
    return proto.vlen();
}

}  // namespace

Result<std::optional<KfuncTarget>> resolve_kfunc(struct_ops::KernelBtf& kernel, const Object& obj, const Extern& ext) {
    const std::string what = obj.path() + ": extern function '" + ext.name + "'";
    auto found = kernel.find(ext.name, btf::Kind::Func);
    if (!found) {
        if (ext.weak) return std::optional<KfuncTarget>{};
        return Error(what + ": the kernel has no kfunc of that name (" + found.error().message() + ")");
    }
    if (ext.type) {
        auto local = param_count(obj.btf(), ext.type);
        auto kern = param_count(*found->btf, found->id);
        if (local && kern && *local != *kern)
            return Error(what + ": declared with " + std::to_string(*local) + " parameter(s), the kernel's (" +
                         found->origin() + ") takes " + std::to_string(*kern));
    }
    return std::optional<KfuncTarget>{KfuncTarget{ext.name, found->module, found->id}};
}

void patch_kfunc_call(Insn& call, const KfuncTarget& target, std::int16_t fd_index) {
    call.set_src(insn::kPseudoKfuncCall);
    call.imm = static_cast<std::int32_t>(target.btf_id);
    call.off = fd_index;
}

void poison_kfunc_call(Insn& call, std::size_t extern_index) {
    call.set_src(0);
    call.off = 0;
    call.imm = kPoisonKfuncBase + static_cast<std::int32_t>(extern_index);
}

}  // namespace rawops::reloc
