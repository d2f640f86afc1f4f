#include "loader/reloc/link.h"

#include <map>
#include <optional>

namespace rawops::reloc {

namespace {

// Index of the function of `obj` that starts at `offset` in `section`.
std::optional<std::size_t> function_at(const Object& obj, std::size_t section, std::uint64_t offset) {
    const auto& progs = obj.programs();
    for (std::size_t i = 0; i < progs.size(); ++i)
        if (progs[i].section_index == section && progs[i].offset == offset) return i;
    return std::nullopt;
}

// Copies one function's .BTF.ext records into the linked program, shifted so
// that the function's first instruction lands at `base`.
void copy_ext_records(const Object& obj, const Program& p, std::uint32_t base, LinkedProgram& out) {
    const btf::BtfExt* ext = obj.btf_ext();
    if (!ext) return;
    const std::uint64_t begin = p.offset, end = p.offset + p.insns.size() * sizeof(Insn);
    auto shifted = [&](std::uint32_t byte_off) {
        return static_cast<std::uint32_t>(base + (byte_off - begin) / sizeof(Insn));
    };
    if (const auto* fi = ext->func_info_for(p.section)) {
        for (std::uint32_t i = 0; i < fi->count(); ++i) {
            btf::FuncInfo r = fi->at(i);
            if (r.insn_off < begin || r.insn_off >= end) continue;
            r.insn_off = shifted(r.insn_off);
            out.func_info.push_back(r);
        }
    }
    if (const auto* li = ext->line_info_for(p.section)) {
        for (std::uint32_t i = 0; i < li->count(); ++i) {
            btf::LineInfo r = li->at(i);
            if (r.insn_off < begin || r.insn_off >= end) continue;
            r.insn_off = shifted(r.insn_off);
            out.line_info.push_back(r);
        }
    }
    if (const auto* cr = ext->core_relos_for(p.section)) {
        for (std::uint32_t i = 0; i < cr->count(); ++i) {
            btf::CoreRelo r = cr->at(i);
            if (r.insn_off < begin || r.insn_off >= end) continue;
            out.core.push_back(CoreSite{shifted(r.insn_off), p.section, r});
        }
    }
}

}  // namespace

namespace {

// libbpf's bpf_object__reloc_code(), depth first: the instructions of `fn`
// (already placed at `base`) are walked in order; the first call or callback
// reference to a subprogram not yet placed appends it and relocates it
// before going on, so subprograms land where libbpf puts them.
class Linker {
public:
    Linker(const Object& obj, LinkedProgram& out) : obj_(obj), out_(out) {}

    Status place(std::size_t fn, std::uint32_t base);
    std::map<std::size_t, std::uint32_t> placed;  // function -> where it starts in out.insns

private:
    const Object& obj_;
    LinkedProgram& out_;
};

Status Linker::place(std::size_t fn, std::uint32_t base) {
    const auto& progs = obj_.programs();
    const Program& p = progs[fn];
    const std::string where = "program '" + progs[out_.program].name + "', in '" + p.name + "' (section '" + p.section + "')";
    std::vector<const ProgramReloc*> reloc_at(p.insns.size(), nullptr);
    for (const ProgramReloc& r : p.relocs) reloc_at[r.insn] = &r;

    for (std::uint32_t i = 0; i < p.insns.size(); ++i) {
        const std::uint32_t at = base + i;
        const Insn insn = out_.insns[at];
        const ProgramReloc* r = reloc_at[i];
        if (r && (r->target == RelocTarget::Map || r->target == RelocTarget::GlobalData || r->target == RelocTarget::Arena)) {
            if (!insn::is_ld_imm64(insn))
                return Error(where + ": insn " + std::to_string(i) + " uses map/data symbol '" + r->symbol +
                             "' but is not a 64-bit load");
            // For data, the compiler's addend sits in imm (section symbols).
            std::uint64_t off = r->offset;
            if (r->target != RelocTarget::Map) off += static_cast<std::uint32_t>(insn.imm);
            out_.maps.push_back(MapUse{at, r->target, r->index, off});
            continue;
        }
        if (r && r->target == RelocTarget::Extern) {
            out_.externs.push_back(ExternUse{at, r->index});
            continue;
        }
        const bool call = insn::is_subprog_call(insn);
        // libbpf marks every ld_imm64 relocated against a function as
        // BPF_PSEUDO_FUNC (clang leaves src_reg 0); one without a relocation
        // that claims to be one is an error below.
        const bool callback = insn::is_ld_imm64(insn) && (insn.src() == insn::kPseudoFunc ||
                                                          (r && r->target == RelocTarget::Subprogram));
        if (callback) out_.insns[at].set_src(insn::kPseudoFunc);
        std::int64_t callee_off = 0;  // byte offset of the callee in `section`
        std::size_t section = p.section_index;
        if (r) {  // r->target == Subprogram
            section = r->index;
            if (call) {
                // Global function symbol: imm = -1; section symbol: imm + 1 is the offset in insns.
                callee_off = static_cast<std::int64_t>(r->offset) + (std::int64_t{insn.imm} + 1) * std::int64_t{sizeof(Insn)};
            } else if (callback) {
                // libbpf: symbol value + imm is the callee's byte offset in its section.
                if (r->offset % sizeof(Insn) || insn.imm % static_cast<std::int32_t>(sizeof(Insn)))
                    return Error(where + ": insn " + std::to_string(i) + ": bad subprogram address relocation against '" +
                                 r->symbol + "' at offset " + std::to_string(r->offset) + "+" + std::to_string(insn.imm));
                callee_off = static_cast<std::int64_t>(r->offset) + insn.imm;
            } else {
                return Error(where + ": insn " + std::to_string(i) + " refers to code ('" + r->symbol +
                             "') but is neither a bpf-to-bpf call nor a 64-bit load of a function address (src_reg " +
                             std::to_string(insn.src()) + ")");
            }
        } else if (call) {
            // A call to a static function of the same section carries no
            // relocation: imm is relative to the call's place in the section.
            callee_off = static_cast<std::int64_t>(p.offset) + (std::int64_t{i} + insn.imm + 1) * std::int64_t{sizeof(Insn)};
        } else if (callback) {
            return Error(where + ": insn " + std::to_string(i) + " loads a function address without a relocation");
        } else {
            continue;
        }
        auto callee = callee_off < 0 ? std::nullopt : function_at(obj_, section, static_cast<std::uint64_t>(callee_off));
        if (!callee)
            return Error(where + ": insn " + std::to_string(i) + (call ? " calls '" : " takes the address of '") +
                         (r ? r->symbol : std::string("<same-section function>")) + "' at an offset where no function starts");
        auto it = placed.find(*callee);
        if (it == placed.end()) {
            const Program& c = progs[*callee];
            const auto start = static_cast<std::uint32_t>(out_.insns.size());
            it = placed.emplace(*callee, start).first;
            out_.insns.insert(out_.insns.end(), c.insns.begin(), c.insns.end());
            out_.appended.push_back(*callee);
            copy_ext_records(obj_, c, start, out_);
            RAWOPS_TRY(place(*callee, start));
        }
        // Calls and callback addresses are both relative to the next instruction.
        out_.insns[at].imm = static_cast<std::int32_t>(std::int64_t{it->second} - at - 1);
    }
    return {};
}

}  // namespace

Result<LinkedProgram> link_program(const Object& obj, std::size_t entry) {
    LinkedProgram out;
    out.program = entry;
    out.insns = obj.programs()[entry].insns;
    copy_ext_records(obj, obj.programs()[entry], 0, out);
    Linker linker(obj, out);
    linker.placed[entry] = 0;
    RAWOPS_TRY(linker.place(entry, 0));
    return out;
}

}  // namespace rawops::reloc
