// BPF instructions as text, in the notation of the kernel's verifier log and
// `bpftool prog dump xlated` ("r1 = *(u32 *)(r2 +8)", "if r1 > 0x5 goto pc+3").
// Used where people compare instructions: the differential tests' report
// (tests/diff) prints both sides of a differing instruction with it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "loader/insn.h"

namespace rawops {

// One instruction. For an ld_imm64 pass both slots (`next`); its text shows
// the 64-bit value and, for pseudo sources, what the kernel reads it as
// ("map[id:12][0]+8", "btf_id 1234", "func pc+7").
std::string insn_text(const Insn& insn, const Insn* next = nullptr);

// Instructions that belong together in a listing: the number of slots the
// instruction at `i` takes (2 for ld_imm64, else 1; 1 at the end of `insns`).
inline std::size_t insn_slots(std::span<const Insn> insns, std::size_t i) {
    return insn::is_ld_imm64(insns[i]) && i + 1 < insns.size() ? 2 : 1;
}

}  // namespace rawops
