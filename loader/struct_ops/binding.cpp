#include "loader/struct_ops/binding.h"

#include <algorithm>
#include <cstring>

namespace rawops::struct_ops {

namespace {

bool all_zero(std::span<const std::uint8_t> bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

// The direct member of `composite` named `name`, with its index. Only direct
// members count: a program's expected_attach_type is an index into T's own
// member list, so a match inside an anonymous member would be meaningless.
std::optional<std::pair<btf::Member, std::uint32_t>> direct_member(const btf::TypeView& composite,
                                                                   std::string_view name) {
    std::uint32_t i = 0;
    for (const btf::Member& m : composite.members()) {
        if (m.name == name) return std::make_pair(m, i);
        ++i;
    }
    return std::nullopt;
}

}  // namespace

Result<KernelOpsType> find_kernel_ops_type(KernelBtf& kernel, std::string_view name,
                                           const std::optional<std::string>& only_module) {
    const std::string ess(essential_name(name));
    const std::string value_name = std::string(kValueTypePrefix) + ess;
    auto value = kernel.find(value_name, btf::Kind::Struct, only_module);
    if (!value)
        return Error("the kernel has no struct_ops type '" + ess + "' (" + value.error().message() + ")");

    const btf::Btf& kb = *value->btf;
    KernelOpsType k;
    k.name = ess;
    k.value_type = *value;
    const btf::TypeView vt = kb.type(value->id);
    k.value_size = vt.size();
    // The kernel declares the value type as { common; struct <ess> data; }:
    // the member of type struct <ess> is the ops type itself, found without
    // another search of the kernel's names (libbpf finds it by name first,
    // then that member; both give the same type).
    for (const btf::Member& m : vt.members()) {
        const btf::TypeView mt = kb.type(m.type);
        if (mt.kind() == btf::Kind::Struct && mt.name() == ess) {
            k.type = KernelTypeRef{value->btf, value->module, m.type};
            k.data_offset = m.bit_offset / 8;
            return k;
        }
    }
    if (!kb.find(ess, btf::Kind::Struct))
        return Error("kernel BTF (" + value->origin() + ") has " + value_name + " but no struct " + ess);
    return Error("kernel BTF (" + value->origin() + "): struct " + value_name + " has no member of type struct " +
                 ess);
}

Result<Binding> bind(const LocalOpsVar& var, const KernelOpsType& kernel) {
    const btf::Btf& lb = *var.btf;
    const btf::Btf& kb = *kernel.type.btf;
    const btf::TypeView local = lb.type(var.type_id);
    const btf::TypeView kt = kb.type(kernel.type.id);
    const std::string var_where = "struct_ops variable '" + var.name + "' in section '" + var.section + "'";
    auto fail = [&](const std::string& member, const std::string& why) {
        return Error(var_where + ", member '" + member + "': " + why);
    };

    if (!local.is_composite() || local.kind() != btf::Kind::Struct)
        return Error(var_where + ": its type " + lb.describe(var.type_id) + " is not a struct");
    if (var.data.size() < local.size())
        return Error(var_where + ": " + std::to_string(var.data.size()) + " bytes of data for a " +
                     std::to_string(local.size()) + "-byte struct");

    Binding b;
    b.kernel = kernel;
    b.value.assign(kernel.value_size, 0);

    std::uint32_t index = 0;
    for (const btf::Member& m : local.members()) {
        const std::uint32_t i = index++;
        const std::string mname(m.name);
        const std::optional<SlotProgram> prog =
            i < var.member_programs.size() ? var.member_programs[i] : std::nullopt;
        if (mname.empty()) return fail("#" + std::to_string(i), "anonymous members are not supported");
        if (m.bitfield_size) return fail(mname, "bitfield members are not supported");

        auto msize = lb.size_of(m.type);
        if (!msize) return fail(mname, msize.error().message());
        const std::uint32_t moff = m.bit_offset / 8;
        if (std::uint64_t{moff} + *msize > local.size()) return fail(mname, "lies outside its struct");
        const auto mdata = var.data.subspan(moff, *msize);

        auto km = direct_member(kt, mname);
        if (!km) {
            if (!all_zero(mdata)) {
                if (!var.clear_absent_members)
                    return fail(mname, "the kernel's struct " + kernel.name + " (" + kernel.type.origin() +
                                           ") has no such member, and the object sets it");
                b.cleared.push_back(mname);
                continue;
            }
            b.skipped.push_back(mname);
            if (prog) b.dropped_programs.push_back(prog->index);
            continue;
        }
        const auto [kmember, kindex] = *km;
        if (kmember.bitfield_size) return fail(mname, "the kernel member is a bitfield, which is not supported");

        auto lres = lb.resolve(m.type);
        auto kres = kb.resolve(kmember.type);
        if (!lres || !kres) return fail(mname, "cannot resolve its type");
        const btf::TypeView ltype = lb.type(*lres), ktype = kb.type(*kres);
        if (ltype.kind() != ktype.kind())
            return fail(mname, std::string("kind differs: ") + btf::kind_name(ltype.kind()) + " in the object, " +
                                   btf::kind_name(ktype.kind()) + " in the kernel");

        const std::uint32_t value_off = kernel.data_offset + kmember.bit_offset / 8;
        if (ltype.kind() == btf::Kind::Ptr) {
            if (!prog) {
                // A NULL op stays NULL: the kernel then leaves that slot to its default.
                if (!all_zero(mdata)) return fail(mname, "pointer set to something that is not a program");
                continue;
            }
            if (!prog->is_struct_ops)
                return fail(mname, "points to program '" + prog->name + "', which is not a struct_ops program");
            auto target = kb.resolve(ktype.ref_type());
            if (!target || kb.type(*target).kind() != btf::Kind::FuncProto)
                return fail(mname, "the kernel member is not a function pointer");
            b.programs.push_back(ProgramSlot{mname, kindex, value_off, prog->index});
            continue;
        }
        if (prog) return fail(mname, "a program is assigned to a member that is not a function pointer");

        auto ksize = kb.size_of(kmember.type);
        if (!ksize) return fail(mname, ksize.error().message());
        if (*ksize != *msize)
            return fail(mname, "size differs: " + std::to_string(*msize) + " bytes in the object, " +
                                   std::to_string(*ksize) + " in the kernel");
        std::memcpy(b.value.data() + value_off, mdata.data(), *msize);
        b.data.push_back(DataCopy{mname, moff, value_off, *msize, all_zero(mdata)});
    }
    return b;
}

}  // namespace rawops::struct_ops
