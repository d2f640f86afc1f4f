#include "loader/insn_text.h"

#include <cstdio>

namespace rawops {
namespace {

std::string fmt(const char* f, auto... args) {
    char buf[160];
    std::snprintf(buf, sizeof buf, f, args...);
    return buf;
}

const char* size_name(std::uint8_t code) {
    switch (code & 0x18) {
        case 0x00: return "u32";
        case 0x08: return "u16";
        case 0x10: return "u8";
        default: return "u64";
    }
}

const char* signed_size_name(std::uint8_t code) {
    switch (code & 0x18) {
        case 0x00: return "s32";
        case 0x08: return "s16";
        case 0x10: return "s8";
        default: return "s64";
    }
}

std::string reg(bool wide, std::uint8_t r) { return fmt("%c%u", wide ? 'r' : 'w', r); }

std::string off_text(std::int16_t off) { return fmt("%+d", off); }

std::string alu(const Insn& i) {
    const bool wide = (i.code & insn::kClassMask) == insn::kClassAlu64;
    const bool x = i.code & 0x08;
    const std::uint8_t op = i.code & 0xf0;
    const std::string dst = reg(wide, i.dst());
    const std::string src = x ? reg(wide, i.src()) : fmt("%d", i.imm);
    switch (op) {
        case 0x80: return dst + " = -" + dst;
        case 0xd0:  // byte swaps: to_le/to_be in ALU, unconditional bswap in ALU64
            if (wide) return fmt("r%u = bswap%d r%u", i.dst(), i.imm, i.dst());
            return fmt("r%u = %s%d r%u", i.dst(), x ? "be" : "le", i.imm, i.dst());
        case 0xb0:
            if (i.off != 0 && x) return fmt("%s = (s%d)%s", dst.c_str(), i.off, src.c_str());
            return dst + " = " + src;
        default: break;
    }
    static const char* const ops[16] = {"+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=",
                                        "",   "%=", "^=", "",   "s>>=", "",  "",    ""};
    std::string o = ops[op >> 4];
    if (o.empty()) return fmt("(%02x) invalid alu", i.code);
    if ((op == 0x30 || op == 0x90) && i.off == 1) o = "s" + o;  // sdiv, smod
    return dst + " " + o + " " + src;
}

std::string jump(const Insn& i) {
    const bool wide = (i.code & insn::kClassMask) == insn::kClassJmp;
    const std::uint8_t op = i.code & 0xf0;
    if (i.code == insn::kExit) return "exit";
    if (i.code == insn::kCall) {
        if (i.src() == insn::kPseudoCall) return fmt("call pc%+d", i.imm);
        if (i.src() == insn::kPseudoKfuncCall) return fmt("call kernel-function#%d (btf_id or address; fd_array[%d])", i.imm, i.off);
        return fmt("call #%d", i.imm);
    }
    if (op == 0x00) return wide ? fmt("goto pc%+d", i.off) : fmt("gotol pc%+d", i.imm);
    static const char* const ops[16] = {"", "==", ">", ">=", "&", "!=", "s>", "s>=", "", "", "<", "<=", "s<", "s<=", "", ""};
    const char* o = ops[op >> 4];
    if (!*o) return fmt("(%02x) invalid jump", i.code);
    const std::string src = (i.code & 0x08) ? reg(wide, i.src()) : fmt("%#x", i.imm);
    return fmt("if %s %s %s goto pc%+d", reg(wide, i.dst()).c_str(), o, src.c_str(), i.off);
}

std::string atomic(const Insn& i) {
    const bool wide = (i.code & 0x18) == 0x18;
    const std::string mem = fmt("*(%s *)(r%u %s)", size_name(i.code), i.dst(), off_text(i.off).c_str());
    const std::string src = reg(wide, i.src());
    switch (i.imm) {
        case 0xe1: return fmt("%s = atomic%s_xchg(%s, %s)", src.c_str(), wide ? "64" : "", mem.c_str(), src.c_str());
        case 0xf1: return fmt("%s = atomic%s_cmpxchg(%s, %s, %s)", wide ? "r0" : "w0", wide ? "64" : "", mem.c_str(),
                              wide ? "r0" : "w0", src.c_str());
        case 0x100: return fmt("%s = load_acquire(%s)", src.c_str(), mem.c_str());
        case 0x110: return fmt("store_release(%s, %s)", mem.c_str(), src.c_str());
        default: break;
    }
    const char* name = nullptr;
    switch (i.imm & ~1) {
        case 0x00: name = "add"; break;
        case 0x40: name = "or"; break;
        case 0x50: name = "and"; break;
        case 0xa0: name = "xor"; break;
        default: return fmt("(%02x) invalid atomic op %#x", i.code, i.imm);
    }
    if (i.imm & 1) return fmt("%s = atomic%s_fetch_%s(%s, %s)", src.c_str(), wide ? "64" : "", name, mem.c_str(), src.c_str());
    return fmt("lock %s += %s (%s)", mem.c_str(), src.c_str(), name);
}

std::string ld_imm64(const Insn& i, const Insn* next) {
    const std::uint64_t value = static_cast<std::uint32_t>(i.imm) |
                                (next ? static_cast<std::uint64_t>(static_cast<std::uint32_t>(next->imm)) << 32 : 0);
    const std::int32_t hi = next ? next->imm : 0;
    switch (i.src()) {
        case insn::kPseudoMapFd: return fmt("r%u = map[id:%d] ll", i.dst(), i.imm);
        case insn::kPseudoMapValue: return fmt("r%u = map[id:%d][0]+%d ll", i.dst(), i.imm, hi);
        case insn::kPseudoBtfId: return fmt("r%u = btf_id %d (btf fd %d) ll", i.dst(), i.imm, hi);
        case insn::kPseudoFunc: return fmt("r%u = func pc%+d ll", i.dst(), i.imm);
        case 0: return fmt("r%u = %#llx ll", i.dst(), static_cast<unsigned long long>(value));
        default: return fmt("r%u = %#llx ll (src %u)", i.dst(), static_cast<unsigned long long>(value), i.src());
    }
}

}  // namespace

std::string insn_text(const Insn& i, const Insn* next) {
    const std::uint8_t cls = i.code & insn::kClassMask;
    const std::uint8_t mode = i.code & 0xe0;
    switch (cls) {
        case insn::kClassAlu:
        case insn::kClassAlu64: return alu(i);
        case insn::kClassJmp:
        case insn::kClassJmp32: return jump(i);
        case insn::kClassLdx:
            if (mode == 0x80)
                return fmt("r%u = *(%s *)(r%u %s)", i.dst(), signed_size_name(i.code), i.src(), off_text(i.off).c_str());
            return fmt("r%u = *(%s *)(r%u %s)", i.dst(), size_name(i.code), i.src(), off_text(i.off).c_str());
        case insn::kClassSt:
            return fmt("*(%s *)(r%u %s) = %d", size_name(i.code), i.dst(), off_text(i.off).c_str(), i.imm);
        case insn::kClassStx:
            if (mode == 0xc0) return atomic(i);
            return fmt("*(%s *)(r%u %s) = r%u", size_name(i.code), i.dst(), off_text(i.off).c_str(), i.src());
        case insn::kClassLd:
            if (i.code == insn::kLdImm64) return ld_imm64(i, next);
            if (mode == 0x20) return fmt("r0 = *(%s *)skb[%d]", size_name(i.code), i.imm);
            if (mode == 0x40) return fmt("r0 = *(%s *)skb[r%u + %d]", size_name(i.code), i.src(), i.imm);
            break;
        default: break;
    }
    return fmt("(%02x) unknown opcode", i.code);
}

}  // namespace rawops
