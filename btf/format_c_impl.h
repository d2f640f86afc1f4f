// Internal: the state of one C dump, shared by format_c.cpp (the driver),
// format_c_order.cpp (which definitions come out when) and format_c_decl.cpp
// (how one definition or declaration is written).
//
// The algorithm is libbpf's btf_dump (src/btf_dump.c), which bpftool uses:
//  1. order(): a depth-first walk from a root that queues every named
//     definition the root needs complete before it (embedded types), but not
//     the named structs it only reaches through a pointer: those need just a
//     forward declaration;
//  2. emit(): writes the queued definitions, printing `struct X;` for types
//     met again while still being written (cycles through pointers).
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "btf/btf.h"
#include "btf/error.h"
#include "btf/format_c_layout.h"

namespace rawops::btf::c_format {

class Printer {
public:
    explicit Printer(const Btf& btf);

    // Writes `id` and everything it needs not yet written.
    Status dump_type(TypeId id);
    // `extern <prototype> __weak __ksym;` for the FUNC `id` (its types must
    // be written already).
    void kfunc_decl(TypeId func_id, bool fastcall);
    // `extern <decl>;` for a FUNC or VAR root of --type.
    Status extern_decl(TypeId id);

    std::string& out() { return out_; }
    bool failed() const { return failed_; }
    const Error& error() const { return error_; }
    // True when a TYPE_TAG without kflag is printed somewhere (the header
    // then defines the macro it is printed with).
    static bool uses_type_tag_macro(const Btf& btf);
    // Print plain type tags as __btf_type_tag("x") (the header defines it).
    void set_type_tag_macro(bool on) { type_tag_macro_ = on; }
    // A struct or union was declared (the preserve_access_index pragma has
    // something to apply to; clang warns about it otherwise).
    bool printed_record() const { return printed_record_; }

private:
    enum Order : std::uint8_t { kNotOrdered, kOrdering, kOrdered };
    enum Emit : std::uint8_t { kNotEmitted, kEmitting, kEmitted };
    struct TypeState {
        std::uint8_t order = kNotOrdered;
        std::uint8_t emit = kNotEmitted;
        bool fwd_emitted = false;
        bool referenced = false;
    };
    enum class Names { Tags, Idents };

    // format_c_order.cpp
    void mark_referenced();
    int order(TypeId id, bool through_ptr, unsigned depth);  // 1 strong, 0 weak, -1 failed
    void emit(TypeId id, TypeId container, unsigned depth);
    bool blacklisted(const TypeView& t) const;

    // format_c_decl.cpp
    void struct_fwd(const TypeView& t);
    void struct_def(const TypeView& t, int lvl);
    void enum_fwd(const TypeView& t);
    void enum_def(const TypeView& t, int lvl);
    void fwd_def(const TypeView& t);
    void typedef_def(const TypeView& t, int lvl);
    void missing_alias(const TypeView& t);
    void decl(TypeId id, std::string_view name, int lvl);
    void decl_chain(std::size_t start, std::size_t end, std::string_view name, int lvl);
    void put_mods(std::size_t start, std::size_t& end);
    void drop_mods(std::size_t start, std::size_t& end);
    void put_decl_name(std::string_view name, bool last_was_ptr);
    void put_pads(const std::vector<Pad>& pads, int lvl);
    void put_name(const TypeView& t, Names ns);
    std::uint32_t name_dups(Names ns, std::string_view name);
    void indent(int lvl);
    void put_u64(std::uint64_t v);
    void put_i64(std::int64_t v);

    void fail(std::string message);
    // Counts one step of order(), emit() or a declarator; false (after
    // failing, naming `id`) once one root has taken kMaxSteps.
    bool step(TypeId id);
    // A new root (dump_type, extern_decl, kfunc_decl): its own step budget,
    // and the type the bounds' errors say was being written.
    void start_root(TypeId root) {
        steps_ = 0;
        root_ = root;
    }
    std::string while_writing() const;

    const Btf& btf_;
    Layout layout_;
    std::string out_;
    std::vector<TypeState> state_;
    // ___N suffix of each type's printed name: 0 not chosen yet, 1 none.
    std::vector<std::uint32_t> dup_;
    std::unordered_map<std::string_view, std::uint32_t> tag_names_, ident_names_;
    std::vector<TypeId> queue_;
    std::vector<TypeId> decl_stack_;
    unsigned inline_depth_ = 0;  // nesting of inline anonymous definitions
    std::uint64_t steps_ = 0;    // work spent on the current root (step())
    std::uint64_t total_steps_ = 0;  // and on the whole dump
    std::uint64_t max_total_steps_ = 0;
    TypeId root_ = 0;
    bool type_tag_macro_ = false;
    bool printed_record_ = false;
    bool failed_ = false;
    Error error_;
};

}  // namespace rawops::btf::c_format
