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

Result<LinkedProgram> link_program(const Object& obj, std::size_t entry) {
    const auto& progs = obj.programs();
    LinkedProgram out;
    out.program = entry;

    // Where each function placed so far starts in out.insns.
    std::map<std::size_t, std::uint32_t> placed;
    std::vector<std::size_t> queue{entry};
    placed[entry] = 0;
    out.insns = progs[entry].insns;
    copy_ext_records(obj, progs[entry], 0, out);

    // Breadth-first over the call graph: each function appears once, however
    // many callers it has; a call to a function already placed reuses it.
    for (std::size_t q = 0; q < queue.size(); ++q) {
        const Program& p = progs[queue[q]];
        const std::uint32_t base = placed[queue[q]];
        const std::string where = "program '" + progs[entry].name + "', in '" + p.name + "' (section '" + p.section + "')";
        // A call to a static function of the same section carries no
        // relocation: imm is already relative. Give it one, so that it is
        // rewritten like the others once its caller has moved.
        std::vector<ProgramReloc> relocs = p.relocs;
        std::vector<bool> relocated(p.insns.size(), false);
        for (const ProgramReloc& r : p.relocs) relocated[r.insn] = true;
        for (std::uint32_t i = 0; i < p.insns.size(); ++i) {
            if (relocated[i] || !insn::is_subprog_call(p.insns[i])) continue;
            ProgramReloc r;
            r.insn = i;
            r.target = RelocTarget::Subprogram;
            r.symbol = "<same-section call>";
            r.index = p.section_index;
            r.offset = p.offset + std::uint64_t{i} * sizeof(Insn);
            relocs.push_back(std::move(r));
        }
        for (const ProgramReloc& r : relocs) {
            const std::uint32_t at = base + r.insn;
            const Insn insn = out.insns[at];
            switch (r.target) {
                case RelocTarget::Map:
                case RelocTarget::GlobalData: {
                    if (!insn::is_ld_imm64(insn))
                        return Error(where + ": insn " + std::to_string(r.insn) + " uses map/data symbol '" +
                                     r.symbol + "' but is not a 64-bit load");
                    // For data, the compiler's addend sits in imm (section symbols).
                    std::uint64_t off = r.offset;
                    if (r.target == RelocTarget::GlobalData) off += static_cast<std::uint32_t>(insn.imm);
                    out.maps.push_back(MapUse{at, r.target, r.index, off});
                    break;
                }
                case RelocTarget::Extern:
                    out.externs.push_back(ExternUse{at, r.index});
                    break;
                case RelocTarget::Subprogram: {
                    // Calls encode the callee relative to the next instruction;
                    // with a function symbol clang leaves imm = -1, with a
                    // section symbol imm carries the offset within the section.
                    if (!insn::is_subprog_call(insn))
                        return Error(where + ": insn " + std::to_string(r.insn) + " refers to code ('" + r.symbol +
                                     "') but is not a bpf-to-bpf call (callbacks are not supported yet)");
                    const std::int64_t callee_off =
                        static_cast<std::int64_t>(r.offset) + (std::int64_t{insn.imm} + 1) * std::int64_t{sizeof(Insn)};
                    auto callee = callee_off < 0 ? std::nullopt
                                                 : function_at(obj, r.index, static_cast<std::uint64_t>(callee_off));
                    if (!callee)
                        return Error(where + ": insn " + std::to_string(r.insn) + " calls '" + r.symbol +
                                     "' at an offset where no function starts");
                    auto [it, fresh] = placed.try_emplace(*callee, static_cast<std::uint32_t>(out.insns.size()));
                    if (fresh) {
                        const Program& c = progs[*callee];
                        out.insns.insert(out.insns.end(), c.insns.begin(), c.insns.end());
                        out.appended.push_back(*callee);
                        copy_ext_records(obj, c, it->second, out);
                        queue.push_back(*callee);
                    }
                    // Re-index: appending may have moved the instruction array.
                    out.insns[at].imm = static_cast<std::int32_t>(std::int64_t{it->second} - at - 1);
                    break;
                }
            }
        }
    }
    return out;
}

}  // namespace rawops::reloc
