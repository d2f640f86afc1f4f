// Which definitions come out, and when (see format_c_impl.h).
#include "btf/format_c_impl.h"

namespace rawops::btf::c_format {

namespace {
// Deeper than any C type nests; reached only by BTF whose references loop
// through modifiers (CONST -> VOLATILE -> CONST ...).
constexpr unsigned kMaxDepth = 600;
// Work for one root (dump_type, extern_decl, kfunc_decl): order() and emit()
// memoize named types, but not prototypes, arrays and qualifiers, so a
// prototype whose k parameters are each a prototype of k parameters ... is
// walked k^depth times within kMaxDepth, and its declarator is k^depth long.
// The largest vmlinux root (6.18) takes 4902 steps: 13 times that. (A
// budget much larger slows the fuzzer: each crafted root may spend it all.)
constexpr std::uint64_t kMaxSteps = 1u << 16;
// The whole dump: each root below kMaxSteps, but a thousand typedefs of one
// prototype that fans out would each walk it. vmlinux (6.18, 126k types)
// takes 615k steps in all, 5 a type; this allows 64 a type and 1M more.
constexpr std::uint64_t kTotalStepsPerType = 64, kTotalStepsBase = 1u << 20;
}  // namespace

std::string Printer::while_writing() const { return " (while writing " + btf_.describe(root_) + ")"; }

bool Printer::step(TypeId id) {
    if (failed_) return false;
    if (++total_steps_ > max_total_steps_) {
        fail(btf_.describe(id) + ": more than " + std::to_string(max_total_steps_) +
             " steps for the whole dump (types fanning out?)" + while_writing());
        return false;
    }
    if (++steps_ <= kMaxSteps) return true;
    fail(btf_.describe(id) + ": more than " + std::to_string(kMaxSteps) +
         " steps to write it (prototypes or arrays fanning out?)" + while_writing());
    return false;
}

Printer::Printer(const Btf& btf)
    : btf_(btf), layout_(btf), state_(btf.type_count()), dup_(btf.type_count(), 0),
      max_total_steps_(kTotalStepsBase + kTotalStepsPerType * btf.type_count()) {
    state_[0].order = kOrdered;  // void needs nothing
    state_[0].emit = kEmitted;
    mark_referenced();
    out_.reserve(1 << 20);
}

void Printer::fail(std::string message) {
    if (failed_) return;
    failed_ = true;
    error_ = Error("BTF '" + btf_.name() + "': " + std::move(message));
}

// An anonymous enum nobody refers to is a list of constants, printed at top
// level; one a member or typedef refers to is printed inline there.
void Printer::mark_referenced() {
    auto ref = [&](TypeId id) {
        if (id < state_.size()) state_[id].referenced = true;
    };
    for (TypeId id = 1; id < btf_.type_count(); ++id) {
        TypeView t = btf_.type(id);
        switch (t.kind()) {
        case Kind::Ptr: case Kind::Typedef: case Kind::Volatile: case Kind::Const: case Kind::Restrict:
        case Kind::Func: case Kind::Var: case Kind::DeclTag: case Kind::TypeTag:
            ref(t.ref_type());
            break;
        case Kind::Array:
            ref(t.array().elem_type);
            ref(t.array().index_type);
            break;
        case Kind::Struct: case Kind::Union:
            for (Member m : t.members()) ref(m.type);
            break;
        case Kind::FuncProto:
            ref(t.ref_type());
            for (Param p : t.params()) ref(p.type);
            break;
        case Kind::Datasec:
            for (VarSecInfo v : t.var_secinfos()) ref(v.type);
            break;
        default:
            break;
        }
    }
}

bool Printer::blacklisted(const TypeView& t) const {
    // A compiler built-in: defining it again breaks compilation.
    return t.name() == "__builtin_va_list";
}

Status Printer::dump_type(TypeId id) {
    if (failed_) return error_;
    if (!btf_.has_type(id)) return Error("BTF '" + btf_.name() + "': no type id " + std::to_string(id));
    queue_.clear();
    start_root(id);
    if (order(id, false, 0) < 0) return error_;
    for (TypeId q : queue_) emit(q, 0, 0);
    if (failed_) return error_;
    return {};
}

// Queues the named definitions `id` needs before it. Returns 1 when the
// dependency is strong (the definition must be complete first), 0 when weak
// (a forward declaration will do: a named struct behind a pointer).
int Printer::order(TypeId id, bool through_ptr, unsigned depth) {
    if (!step(id)) return -1;
    if (depth > kMaxDepth) {
        fail(btf_.describe(id) + ": type chain deeper than " + std::to_string(kMaxDepth) + " (a loop?)" + while_writing());
        return -1;
    }
    TypeState& st = state_[id];
    if (st.order == kOrdered) return 1;
    TypeView t = btf_.type(id);
    const bool named = t.name_off() != 0;
    if (st.order == kOrdering) {
        if (t.is_composite() && through_ptr && named) return 0;  // a pointer cycle: fwd declaration
        fail("unsatisfiable type cycle at " + btf_.describe(id) + " (types that embed each other)");
        return -1;
    }
    switch (t.kind()) {
    case Kind::Int: case Kind::Float:
        st.order = kOrdered;
        return 0;
    case Kind::Ptr: {
        int r = order(t.ref_type(), true, depth + 1);
        state_[id].order = kOrdered;
        return r;
    }
    case Kind::Array:
        return order(t.array().elem_type, false, depth + 1);
    case Kind::Struct: case Kind::Union: {
        // Behind a pointer a named struct needs only `struct X;`; an
        // anonymous one is written inline, so all it embeds comes first.
        if (through_ptr && named) return 0;
        st.order = kOrdering;
        for (Member m : t.members())
            if (order(m.type, false, depth + 1) < 0) return -1;
        if (named) queue_.push_back(id);
        state_[id].order = kOrdered;
        return 1;
    }
    case Kind::Enum: case Kind::Enum64: case Kind::Fwd:
        if (named || !st.referenced) queue_.push_back(id);
        st.order = kOrdered;
        return 1;
    case Kind::Typedef: {
        int strong = order(t.ref_type(), through_ptr, depth + 1);
        if (strong < 0) return -1;
        if (through_ptr && !strong) return 0;  // like a struct: usable before its target is complete
        queue_.push_back(id);
        state_[id].order = kOrdered;
        return 1;
    }
    case Kind::Volatile: case Kind::Const: case Kind::Restrict: case Kind::TypeTag:
        return order(t.ref_type(), through_ptr, depth + 1);
    case Kind::FuncProto: {
        int r = order(t.ref_type(), through_ptr, depth + 1);
        if (r < 0) return -1;
        bool strong = r > 0;
        for (Param p : t.params()) {
            r = order(p.type, through_ptr, depth + 1);
            if (r < 0) return -1;
            strong = strong || r > 0;
        }
        return strong ? 1 : 0;
    }
    default:  // FUNC, VAR, DATASEC, DECL_TAG: no C type definition
        st.order = kOrdered;
        return 0;
    }
}

// Writes the definition of `id` if it is due, after what it refers to.
// `container` is the struct or typedef being written when `id` is reached
// from inside it (0 at top level).
void Printer::emit(TypeId id, TypeId container, unsigned depth) {
    if (!step(id)) return;
    if (depth > kMaxDepth) {  // order() went this deep already: only a loop order() did not follow
        fail(btf_.describe(id) + ": type chain deeper than " + std::to_string(kMaxDepth) + " (a loop?)" + while_writing());
        return;
    }
    TypeState& st = state_[id];
    if (st.emit == kEmitted) return;
    TypeView t = btf_.type(id);
    const bool top_level = container == 0;

    if (st.emit == kEmitting) {
        // Reached again while being written: a cycle through a pointer.
        if (st.fwd_emitted) return;
        if (t.is_composite()) {
            if (id == container || t.name_off() == 0) return;  // self reference; anonymous loops can't be declared
            struct_fwd(t);
            out_ += ";\n\n";
            state_[id].fwd_emitted = true;
        } else if (t.kind() == Kind::Typedef) {
            // The typedef itself serves as the declaration (only pointers use it yet).
            if (!blacklisted(t)) {
                typedef_def(t, 0);
                out_ += ";\n\n";
            }
            state_[id].fwd_emitted = true;
        }
        return;
    }

    switch (t.kind()) {
    case Kind::Int:
        missing_alias(t);
        st.emit = kEmitted;
        break;
    case Kind::Enum: case Kind::Enum64:
        if (top_level) {
            enum_def(t, 0);
            out_ += ";\n\n";
        }
        state_[id].emit = kEmitted;
        break;
    case Kind::Ptr: case Kind::Volatile: case Kind::Const: case Kind::Restrict: case Kind::TypeTag:
        emit(t.ref_type(), container, depth + 1);
        break;
    case Kind::Array:
        emit(t.array().elem_type, container, depth + 1);
        break;
    case Kind::Fwd:
        fwd_def(t);
        out_ += ";\n\n";
        st.emit = kEmitted;
        break;
    case Kind::Typedef:
        st.emit = kEmitting;
        emit(t.ref_type(), id, depth + 1);
        if (!state_[id].fwd_emitted && !blacklisted(t)) {
            typedef_def(t, 0);
            out_ += ";\n\n";
        }
        state_[id].emit = kEmitted;
        break;
    case Kind::Struct: case Kind::Union: {
        st.emit = kEmitting;
        const bool named = t.name_off() != 0;
        if (top_level || !named) {
            // Its members will be written out: declare what they refer to.
            TypeId inner = named ? id : container;
            for (Member m : t.members()) emit(m.type, inner, depth + 1);
        } else if (!state_[id].fwd_emitted && id != container) {
            struct_fwd(t);
            out_ += ";\n\n";
            state_[id].fwd_emitted = true;
        }
        if (top_level) {
            struct_def(t, 0);
            out_ += ";\n\n";
            state_[id].emit = kEmitted;
        } else {
            state_[id].emit = kNotEmitted;
        }
        break;
    }
    case Kind::FuncProto:
        emit(t.ref_type(), container, depth + 1);
        for (Param p : t.params()) emit(p.type, container, depth + 1);
        break;
    default:
        break;
    }
}

}  // namespace rawops::btf::c_format
