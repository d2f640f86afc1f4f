// Layout planning for the C printer: what a struct, union or enum definition
// must say so that `clang -target bpf` lays it out exactly as the BTF records
// (every member offset and every size), and which unnamed bit-fields fill
// the gaps clang would not leave by itself.
//
// BTF records offsets and sizes but not alignment, so alignment is inferred
// the way libbpf does: a struct whose members all sit at multiples of their
// natural alignment, and whose size is a multiple of the largest one, is
// printed plainly; otherwise it is printed `__attribute__((packed))` and every
// gap is padded explicitly. Unions have no gaps to pad: a union too large for
// its members gets `aligned(N)` (or, failing that, a char array member), one
// too small for its natural alignment gets `packed`.
//
// Clang facts this relies on (checked by tests/btf/format_c_test.cpp, which
// compiles the output with static asserts on every struct of vmlinux):
//  - an unnamed bit-field never raises a struct's alignment, but `T: w` may
//    not straddle a T-sized unit unless the struct is packed, and `T: 0`
//    moves to the next T boundary even in a packed struct;
//  - a named bit-field moves to its type's next boundary only when it would
//    straddle one (never when packed); a plain member starts at the next byte
//    rounded up to its alignment (1 when packed);
//  - on the BPF target __int128 is 16-aligned, `long` and pointers 8.
#pragma once

#include <cstdint>
#include <vector>

#include "btf/btf.h"

namespace rawops::btf::c_format {

// `<type>: <bits>;`, an unnamed bit-field used as padding.
struct Pad {
    const char* type;  // "long", "int", "short" or "char"
    std::uint32_t bits;
};

struct CompositePlan {
    bool packed = false;
    std::uint32_t aligned = 0;    // __attribute__((aligned(N))), 0 = none
    std::uint32_t align = 1;      // clang's alignment of the printed definition
    std::uint32_t pad_array = 0;  // union only: bytes of a `char` array member making up the size
};

class Layout {
public:
    explicit Layout(const Btf& btf);

    // Alignment clang gives the type as the printer writes it (1 for types
    // without one: void, FWD, functions).
    std::uint32_t align_of(TypeId id);
    // sizeof in bytes, 0 for unsized types.
    std::uint32_t size_of(TypeId id);
    // How a struct or union is printed (memoized).
    const CompositePlan& plan(TypeId composite);
    // `mode(...)` attribute an enum needs to have its BTF size, or nullptr.
    const char* enum_mode(TypeId enum_id) const;

private:
    enum class State : std::uint8_t { None, Busy, Done };
    CompositePlan plan_struct(const TypeView& t);
    CompositePlan plan_union(const TypeView& t);

    const Btf& btf_;
    std::vector<std::uint8_t> align_;  // 0: not computed yet
    std::vector<State> plan_state_;
    std::vector<CompositePlan> plans_;
};

// Follows clang's layout cursor through a struct as its members and pads are
// printed, and says which pads put the next member where the BTF wants it.
class StructCursor {
public:
    StructCursor(Layout& layout, bool packed) : layout_(layout), packed_(packed) {}

    // Pads to print before member (type, bitfield bits or 0) so that clang
    // places it at `target` bits; `prev_bitfield`: the member before was one.
    std::vector<Pad> pads_before(TypeId type, std::uint32_t bitfield, std::uint32_t target, bool prev_bitfield);
    // Pads at the end so that the struct's size is `size` bytes, given the
    // printed definition's alignment.
    std::vector<Pad> tail_pads(std::uint32_t size, std::uint32_t align);
    // Moves the cursor past `pads` and then the member.
    void advance(const std::vector<Pad>& pads);
    void place(TypeId type, std::uint32_t bitfield, std::uint32_t target);
    // A gap was too wide to fill with bit-fields (more than kMaxPadBits):
    // the BTF is not one a C compiler produced.
    bool overflow() const { return overflow_; }
    static constexpr std::uint32_t kMaxPadBits = 8u << 20;  // 1 MiB

private:
    std::uint32_t where(std::uint32_t cur, TypeId type, std::uint32_t bitfield);
    std::uint32_t after_pads(std::uint32_t cur, const std::vector<Pad>& pads) const;
    std::vector<Pad> libbpf_style(std::uint32_t next, std::uint32_t next_align, bool in_bitfield) const;
    std::vector<Pad> exact_fill(std::uint32_t next) const;

    Layout& layout_;
    bool packed_;
    std::uint32_t cur_ = 0;  // bits: where clang's layout stands
    bool overflow_ = false;
};

}  // namespace rawops::btf::c_format
