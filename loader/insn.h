// One BPF instruction as it sits in an object file's program section and in
// BPF_PROG_LOAD's `insns`. This is the BPF instruction set (the ELF content),
// not the bpf() syscall ABI, so it is defined here rather than taken from
// <linux/bpf.h>, which only loader/sys/ may include.
#pragma once

#include <cstdint>

namespace rawops {

struct Insn {
    std::uint8_t code = 0;
    std::uint8_t regs = 0;  // dst in the low nibble, src in the high nibble (little endian)
    std::int16_t off = 0;
    std::int32_t imm = 0;

    std::uint8_t dst() const { return regs & 0x0f; }
    std::uint8_t src() const { return regs >> 4; }
    void set_src(std::uint8_t s) { regs = static_cast<std::uint8_t>((regs & 0x0f) | (s << 4)); }
    void set_dst(std::uint8_t d) { regs = static_cast<std::uint8_t>((regs & 0xf0) | (d & 0x0f)); }
};
static_assert(sizeof(Insn) == 8, "a BPF instruction is 8 bytes");

namespace insn {
// Opcode pieces we need to recognise (BPF ISA, RFC 9669).
inline constexpr std::uint8_t kClassMask = 0x07;
inline constexpr std::uint8_t kClassLd = 0x00;
inline constexpr std::uint8_t kClassLdx = 0x01;
inline constexpr std::uint8_t kClassSt = 0x02;
inline constexpr std::uint8_t kClassStx = 0x03;
inline constexpr std::uint8_t kClassAlu = 0x04;
inline constexpr std::uint8_t kClassJmp = 0x05;
inline constexpr std::uint8_t kClassJmp32 = 0x06;
inline constexpr std::uint8_t kClassAlu64 = 0x07;

inline constexpr std::uint8_t kLdImm64 = 0x18;  // BPF_LD | BPF_IMM | BPF_DW: two slots
inline constexpr std::uint8_t kCall = 0x85;     // BPF_JMP | BPF_CALL
inline constexpr std::uint8_t kExit = 0x95;     // BPF_JMP | BPF_EXIT

// src_reg values of ld_imm64 and call that tell the kernel what imm means.
inline constexpr std::uint8_t kPseudoMapFd = 1;
inline constexpr std::uint8_t kPseudoMapValue = 2;
inline constexpr std::uint8_t kPseudoBtfId = 3;
inline constexpr std::uint8_t kPseudoFunc = 4;      // ld_imm64 of a subprogram address
inline constexpr std::uint8_t kPseudoCall = 1;      // call: bpf-to-bpf, imm = relative insn offset
inline constexpr std::uint8_t kPseudoKfuncCall = 2; // call: kfunc, imm = BTF id, off = fd_array index

inline bool is_ld_imm64(const Insn& i) { return i.code == kLdImm64; }
inline bool is_call(const Insn& i) { return i.code == kCall; }
inline bool is_subprog_call(const Insn& i) { return i.code == kCall && i.src() == kPseudoCall; }
}  // namespace insn

}  // namespace rawops
