#include "loader/reloc/kfunc.h"

namespace rawops::reloc {

namespace {

// libbpf's POISON_CALL_KFUNC_BASE: helper ids from here on are never real.
constexpr std::int32_t kPoisonKfuncBase = 2002000000;

}  // namespace

void patch_kfunc_call(Insn& call, btf::TypeId btf_id, std::int16_t fd_index) {
    call.set_src(insn::kPseudoKfuncCall);
    call.imm = static_cast<std::int32_t>(btf_id);
    call.off = fd_index;
}

void poison_kfunc_call(Insn& call, std::size_t extern_index) {
    call.code = insn::kCall;
    call.set_dst(0);
    call.set_src(0);
    call.off = 0;
    call.imm = kPoisonKfuncBase + static_cast<std::int32_t>(extern_index);
}

}  // namespace rawops::reloc
