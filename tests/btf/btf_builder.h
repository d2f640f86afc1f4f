// Test helper: writes raw BTF by hand, one record at a time, so tests can
// make every kind and every malformed input the parser must reject. Ids are
// handed out in order starting at `first_id` (1, or the base's type_count()
// for split BTF); strings are appended after `str_base` (0, or the base's
// string length).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace rawops::testing {

class BtfBuilder {
public:
    explicit BtfBuilder(std::uint32_t first_id = 1, std::uint32_t str_base = 0, bool split = false)
        : next_id_(first_id), str_base_(str_base) {
        if (!split) strings_.push_back('\0');
    }

    // Adds a string (no dedup) and returns its offset.
    std::uint32_t str(const std::string& s) {
        if (s.empty() && !strings_.empty() && str_base_ == 0) return 0;
        auto off = static_cast<std::uint32_t>(str_base_ + strings_.size());
        strings_.insert(strings_.end(), s.begin(), s.end());
        strings_.push_back('\0');
        return off;
    }

    // Raw record: btf_type header with a name string.
    std::uint32_t type(const std::string& name, unsigned kind, unsigned vlen, bool kflag, std::uint32_t size_type) {
        return type_off(name.empty() ? 0 : str(name), kind, vlen, kflag, size_type);
    }
    std::uint32_t type_off(std::uint32_t name_off, unsigned kind, unsigned vlen, bool kflag,
                           std::uint32_t size_type) {
        u32(name_off);
        u32((kflag ? 1u << 31 : 0) | (kind << 24) | vlen);
        u32(size_type);
        return next_id_++;
    }
    void u32(std::uint32_t v) {
        std::uint8_t b[4];
        std::memcpy(b, &v, 4);
        types_.insert(types_.end(), b, b + 4);
    }

    // Convenience wrappers for common kinds.
    std::uint32_t int_(const std::string& name, std::uint32_t size, unsigned bits, unsigned enc = 0) {
        auto id = type(name, 1, 0, false, size);
        u32((enc << 24) | bits);
        return id;
    }
    std::uint32_t ptr(std::uint32_t to) { return type("", 2, 0, false, to); }
    std::uint32_t array(std::uint32_t elem, std::uint32_t index, std::uint32_t n) {
        auto id = type("", 3, 0, false, 0);
        u32(elem); u32(index); u32(n);
        return id;
    }
    struct M { std::string name; std::uint32_t type; std::uint32_t bit_off; std::uint32_t bitfield = 0; };
    std::uint32_t composite(bool is_union, const std::string& name, std::uint32_t size, const std::vector<M>& ms,
                            bool kflag = false) {
        auto id = type(name, is_union ? 5 : 4, static_cast<unsigned>(ms.size()), kflag, size);
        for (const auto& m : ms) {
            u32(m.name.empty() ? 0 : str(m.name));
            u32(m.type);
            u32(kflag ? (m.bitfield << 24) | m.bit_off : m.bit_off);
        }
        return id;
    }
    std::uint32_t typedef_(const std::string& name, std::uint32_t to) { return type(name, 8, 0, false, to); }
    std::uint32_t func_proto(std::uint32_t ret, const std::vector<std::pair<std::string, std::uint32_t>>& ps) {
        auto id = type("", 13, static_cast<unsigned>(ps.size()), false, ret);
        for (const auto& p : ps) { u32(p.first.empty() ? 0 : str(p.first)); u32(p.second); }
        return id;
    }
    // A prototype fanning out: level n takes `width` parameters a0, a1, ...,
    // each a pointer to level n-1, above a prototype (int x). Finite, but a
    // walk that does not share work visits width^levels prototypes.
    std::uint32_t fanning_prototype(std::uint32_t ret, int levels, int width) {
        auto prev = func_proto(ret, {{"x", ret}});
        for (int level = 0; level < levels; ++level) {
            const auto p = ptr(prev);
            std::vector<std::pair<std::string, std::uint32_t>> params;
            for (int k = 0; k < width; ++k) params.push_back({"a" + std::to_string(k), p});
            prev = func_proto(ret, params);
        }
        return prev;
    }

    std::uint32_t next_id() const { return next_id_; }
    std::vector<std::uint8_t>& types() { return types_; }
    std::vector<char>& strings() { return strings_; }

    // Header + types + strings. Header fields can be overridden afterwards.
    std::vector<std::uint8_t> build() const {
        const std::size_t tl = types_.size(), sl = strings_.size();
        std::vector<std::uint8_t> out(24 + tl + sl);
        std::uint8_t* o = out.data();
        const std::uint16_t magic = 0xeB9F;
        const std::uint32_t words[5] = {24, 0, static_cast<std::uint32_t>(tl), static_cast<std::uint32_t>(tl),
                                        static_cast<std::uint32_t>(sl)};
        std::memcpy(o, &magic, 2);
        o[2] = 1;  // version
        o[3] = 0;  // flags
        std::memcpy(o + 4, words, sizeof words);
        if (tl) std::memcpy(o + 24, types_.data(), tl);
        if (sl) std::memcpy(o + 24 + tl, strings_.data(), sl);
        return out;
    }

private:
    std::uint32_t next_id_;
    std::uint32_t str_base_;
    std::vector<std::uint8_t> types_;
    std::vector<char> strings_;
};

// Little-endian field poke for corrupting a built blob.
inline void put_u32(std::vector<std::uint8_t>& b, std::size_t at, std::uint32_t v) { std::memcpy(&b[at], &v, 4); }

}  // namespace rawops::testing
