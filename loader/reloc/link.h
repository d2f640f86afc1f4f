// Linking one program for BPF_PROG_LOAD: the kernel takes a single
// instruction array per program, so every subprogram it calls (directly or
// through other subprograms) is appended after it and the call offsets are
// rewritten; func_info/line_info/CO-RE records of all the pieces follow
// them to their new instruction indices. What the instructions refer to
// (maps, global data, kfuncs) is listed for the later steps, which know the
// kernel-side values (fds, BTF ids).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btf/btf_ext.h"
#include "loader/object.h"

namespace rawops::reloc {

// An ld_imm64 that must point to a map (fd) or into global data (fd + offset).
struct MapUse {
    std::uint32_t insn = 0;          // index in LinkedProgram::insns (first slot)
    RelocTarget target = RelocTarget::Map;  // Map, GlobalData or Arena
    std::size_t index = 0;           // Object::maps() or Object::global_data()
    std::uint64_t offset = 0;        // GlobalData, Arena: byte offset into the section (addend included)
};

// A call or ld_imm64 of an extern (kfunc or ksym).
struct ExternUse {
    std::uint32_t insn = 0;
    std::size_t index = 0;           // Object::externs()
};

// A CO-RE relocation record placed at its instruction in the linked program.
struct CoreSite {
    std::uint32_t insn = 0;
    std::string section;             // the ELF section the record came from
    btf::CoreRelo relo;
};

struct LinkedProgram {
    std::size_t program = 0;         // Object::programs() index of the entry program
    std::vector<Insn> insns;
    std::vector<std::size_t> appended;  // Object::programs() indices of appended subprograms, in order
    std::vector<MapUse> maps;
    std::vector<ExternUse> externs;
    std::vector<CoreSite> core;
    std::vector<btf::FuncInfo> func_info;  // insn_off in instructions, as BPF_PROG_LOAD wants
    std::vector<btf::LineInfo> line_info;  // insn_off in instructions
};

Result<LinkedProgram> link_program(const Object& obj, std::size_t program);

}  // namespace rawops::reloc
