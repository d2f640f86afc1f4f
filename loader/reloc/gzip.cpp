#include "loader/reloc/gzip.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <utility>

namespace rawops::gzip {

namespace {

constexpr unsigned kMaxBits = 15;    // longest code DEFLATE allows
constexpr unsigned kFastBits = 10;   // codes up to this long decode with one table look-up
constexpr unsigned kNumLitLen = 286; // 0-255 literals, 256 end of block, 257-285 lengths
constexpr unsigned kNumDist = 30;
constexpr unsigned kNumFixedLitLen = 288;  // the fixed code also has lengths for 286, 287 (never valid)
constexpr unsigned kEndOfBlock = 256;

// Base value and extra bits of length symbols 257..285 and of distance
// symbols 0..29 (RFC 1951 3.2.5).
constexpr std::array<std::uint16_t, 29> kLenBase = {3,  4,  5,  6,  7,  8,  9,  10,  11,  13,  15,  17,  19,  23, 27,
                                                    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<std::uint8_t, 29> kLenExtra = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                                    2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr std::array<std::uint16_t, 30> kDistBase = {1,    2,    3,    4,    5,    7,     9,     13,    17,    25,
                                                     33,   49,   65,   97,   129,  193,   257,   385,   513,   769,
                                                     1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::array<std::uint8_t, 30> kDistExtra = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                                     6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};
// The order in which a dynamic block sends the code length code's lengths,
// rarely used lengths last so that HCLEN can cut them off (RFC 1951 3.2.7).
constexpr std::array<std::uint8_t, 19> kCodeLengthOrder = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                                           11, 4,  12, 3, 13, 2, 14, 1, 15};

std::string hex(std::uint32_t v, int digits = 8) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%0*x", digits, v);
    return buf;
}

// CRC-32 of RFC 1952 section 8 (the reflected polynomial 0xedb88320), one table
// look-up per byte: plenty fast for a few hundred KB.
constexpr std::array<std::uint32_t, 256> kCrcTable = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
        t[n] = c;
    }
    return t;
}();

std::uint32_t crc32(std::span<const std::uint8_t> data) {
    std::uint32_t c = 0xffffffffu;
    for (std::uint8_t b : data) c = kCrcTable[(c ^ b) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

std::uint32_t le32(const std::uint8_t* p) {
    return p[0] | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24;
}

// A canonical Huffman code as DEFLATE defines it (RFC 1951 3.2.2): it is
// fully described by the code length of each symbol. `count` and `symbol`
// are what the bit-by-bit canonical decoder needs (as in zlib's contrib/puff);
// `fast` maps the next kFastBits input bits straight to (symbol << 4 | length)
// for every code no longer than kFastBits, 0 meaning "use the slow path".
struct Huffman {
    std::array<std::uint16_t, kMaxBits + 1> count{};   // number of codes of each length
    std::array<std::uint16_t, kNumFixedLitLen> symbol{};  // symbols ordered by (length, value)
    std::array<std::uint16_t, 1u << kFastBits> fast{};
    unsigned used = 0;  // symbols with a code
};

enum class Shape { Complete, Incomplete, Oversubscribed };

// Builds `h` from the code lengths of symbols 0..lengths.size()-1.
Shape build(Huffman& h, std::span<const std::uint8_t> lengths) {
    h.count.fill(0);
    for (std::uint8_t len : lengths) ++h.count[len];
    h.used = static_cast<unsigned>(lengths.size()) - h.count[0];
    h.count[0] = 0;

    // Kraft: of the 2^len codes of each length, how many are still free.
    int left = 1;
    for (unsigned len = 1; len <= kMaxBits; ++len) {
        left = 2 * left - h.count[len];
        if (left < 0) return Shape::Oversubscribed;  // before assigning codes that would not fit
    }

    // Canonical codes: shorter codes first, equal lengths by symbol value.
    std::array<std::uint16_t, kMaxBits + 1> offset{};  // where each length starts in `symbol`
    std::array<std::uint32_t, kMaxBits + 1> next{};    // next code of each length
    for (unsigned len = 1; len < kMaxBits; ++len) {
        offset[len + 1] = static_cast<std::uint16_t>(offset[len] + h.count[len]);
        next[len + 1] = (next[len] + h.count[len]) << 1;
    }
    h.fast.fill(0);
    for (unsigned sym = 0; sym < lengths.size(); ++sym) {
        const unsigned len = lengths[sym];
        if (len == 0) continue;
        h.symbol[offset[len]++] = static_cast<std::uint16_t>(sym);
        const std::uint32_t code = next[len]++;
        if (len > kFastBits) continue;
        // Codes are sent most significant bit first but the bit reader hands
        // out bits least significant first, so the table is indexed by the
        // reversed code; every index whose low `len` bits match gets the entry.
        std::uint32_t rev = 0;
        for (unsigned i = 0; i < len; ++i) rev |= ((code >> i) & 1) << (len - 1 - i);
        for (std::uint32_t i = rev; i < h.fast.size(); i += 1u << len)
            h.fast[i] = static_cast<std::uint16_t>(sym << 4 | len);
    }
    return left == 0 ? Shape::Complete : Shape::Incomplete;
}

// Decodes one DEFLATE stream, appending to `out`. Failures are latched in
// `error_` and reported by returning false (or -1 from decode()), so the hot
// loop stays free of Result objects.
class Inflater {
public:
    Inflater(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out, std::size_t max_output)
        : in_(in), out_(out), start_(out.size()), max_output_(max_output) {}

    // Decodes blocks up to and including the one marked final.
    bool run() {
        for (bool last = false; !last;) {
            if (!need(3)) return false;
            last = take(1);
            bool ok = false;
            switch (take(2)) {
            case 0: ok = stored(); break;
            case 1: ok = fixed(); break;
            case 2: ok = dynamic(); break;
            default: return fail("invalid block type 3");
            }
            if (!ok) return false;
        }
        return true;
    }

    // Bytes of the input used so far; after run(), up to the end of the final
    // block (its last byte's unused high bits are padding).
    std::size_t consumed() const { return pos_ - cnt_ / 8; }
    const std::string& error() const { return error_; }

private:
    bool fail(std::string msg) {
        if (error_.empty()) error_ = std::move(msg);
        return false;
    }

    // Bit reader: DEFLATE packs bits starting at each byte's least significant
    // bit. `buf_` holds `cnt_` not yet used bits, above them only zeros.
    void refill() {
        while (cnt_ <= 56 && pos_ < in_.size()) {
            buf_ |= std::uint64_t{in_[pos_++]} << cnt_;
            cnt_ += 8;
        }
    }
    bool need(unsigned n) {
        if (cnt_ < n) refill();
        return cnt_ >= n || fail("truncated DEFLATE stream");
    }
    // The next n <= 32 bits, which need(n) has made sure are there.
    std::uint32_t take(unsigned n) {
        const auto v = static_cast<std::uint32_t>(buf_ & ((std::uint64_t{1} << n) - 1));
        buf_ >>= n;
        cnt_ -= n;
        return v;
    }

    // Next symbol of code `h`, or -1.
    int decode(const Huffman& h) {
        if (cnt_ < kMaxBits) refill();
        // Past the end of the input the buffer reads as zeros, which is fine as
        // long as the code found is no longer than the bits really there.
        const unsigned e = h.fast[buf_ & ((1u << kFastBits) - 1)];
        if (e != 0 && (e & 15) <= cnt_) {
            take(e & 15);
            return static_cast<int>(e >> 4);
        }
        // Slow path for long (or invalid) codes: walk the code one bit at a
        // time. Of the codes of length `len`, the canonical ones are
        // first .. first+count-1, naming symbols index .. index+count-1.
        int code = 0, first = 0, index = 0;
        for (unsigned len = 1; len <= kMaxBits; ++len) {
            if (len > cnt_) {
                fail("truncated DEFLATE stream");
                return -1;
            }
            code |= static_cast<int>((buf_ >> (len - 1)) & 1);
            const int count = h.count[len];
            if (code - first < count) {
                take(len);
                return h.symbol[index + code - first];
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        fail("invalid Huffman code (no symbol has it)");
        return -1;
    }

    bool room(std::size_t n) {
        return out_.size() + n <= max_output_ ||
               fail("output exceeds the limit of " + std::to_string(max_output_) + " bytes");
    }

    // Stored block: byte aligned LEN, NLEN = ~LEN, then LEN raw bytes.
    bool stored() {
        take(cnt_ % 8);  // the rest of the current byte is padding
        if (!need(32)) return false;
        const std::uint32_t len = take(16), nlen = take(16);
        if (len != (~nlen & 0xffff)) return fail("stored block length does not match its complement");
        // Only whole bytes are buffered now: hand them back and copy directly.
        pos_ -= cnt_ / 8;
        buf_ = 0;
        cnt_ = 0;
        if (in_.size() - pos_ < len) return fail("truncated DEFLATE stream");
        if (!room(len)) return false;
        out_.insert(out_.end(), in_.begin() + static_cast<std::ptrdiff_t>(pos_),
                    in_.begin() + static_cast<std::ptrdiff_t>(pos_ + len));
        pos_ += len;
        return true;
    }

    // Fixed Huffman codes of RFC 1951 3.2.6, built once.
    bool fixed() {
        struct Fixed {
            Huffman lit, dist;
        };
        static const Fixed f = [] {
            Fixed t;
            std::array<std::uint8_t, kNumFixedLitLen> lens{};
            std::fill(lens.begin(), lens.begin() + 144, 8);
            std::fill(lens.begin() + 144, lens.begin() + 256, 9);
            std::fill(lens.begin() + 256, lens.begin() + 280, 7);
            std::fill(lens.begin() + 280, lens.end(), 8);
            build(t.lit, lens);
            // 32 distance codes of 5 bits; 30 and 31 are rejected when used.
            std::array<std::uint8_t, 32> dlens{};
            dlens.fill(5);
            build(t.dist, dlens);
            return t;
        }();
        return codes(f.lit, f.dist);
    }

    // An incomplete code is allowed only in the one case RFC 1951 and zlib
    // accept: at most a single code, of length 1 (e.g. one distance symbol).
    bool check(const Huffman& h, Shape shape, const char* name) {
        if (shape == Shape::Oversubscribed) return fail(std::string("over-subscribed ") + name + " Huffman code");
        if (shape == Shape::Incomplete && h.used != h.count[1])
            return fail(std::string("incomplete ") + name + " Huffman code");
        return true;
    }

    // Dynamic block: the codes come first, themselves Huffman coded (3.2.7).
    bool dynamic() {
        if (!need(14)) return false;
        const unsigned nlen = take(5) + 257, ndist = take(5) + 1, ncode = take(4) + 4;
        if (nlen > kNumLitLen || ndist > kNumDist)
            return fail("too many length or distance symbols (" + std::to_string(nlen) + ", " +
                        std::to_string(ndist) + ")");

        std::array<std::uint8_t, 19> code_lens{};
        for (unsigned i = 0; i < ncode; ++i) {
            if (!need(3)) return false;
            code_lens[kCodeLengthOrder[i]] = static_cast<std::uint8_t>(take(3));
        }
        Huffman lencode;  // the code length code; zlib wants it complete
        const Shape shape = build(lencode, code_lens);
        if (shape == Shape::Oversubscribed) return fail("over-subscribed code length Huffman code");
        if (shape == Shape::Incomplete) return fail("incomplete code length Huffman code");

        // Literal/length and distance code lengths form one sequence, so a
        // repeat may run from one into the other.
        std::array<std::uint8_t, kNumLitLen + kNumDist> lens{};
        for (unsigned i = 0; i < nlen + ndist;) {
            const int sym = decode(lencode);
            if (sym < 0) return false;
            if (sym < 16) {
                lens[i++] = static_cast<std::uint8_t>(sym);
                continue;
            }
            std::uint8_t value = 0;
            unsigned repeat = 0;
            if (sym == 16) {  // previous length 3..6 times
                if (i == 0) return fail("code length repeat with no previous length");
                value = lens[i - 1];
                if (!need(2)) return false;
                repeat = 3 + take(2);
            } else if (sym == 17) {  // zero 3..10 times
                if (!need(3)) return false;
                repeat = 3 + take(3);
            } else {  // zero 11..138 times
                if (!need(7)) return false;
                repeat = 11 + take(7);
            }
            if (repeat > nlen + ndist - i) return fail("code length repeat past the last symbol");
            std::fill_n(lens.begin() + i, repeat, value);
            i += repeat;
        }
        if (lens[kEndOfBlock] == 0) return fail("missing end-of-block code");

        Huffman lit, dist;
        if (!check(lit, build(lit, std::span(lens).first(nlen)), "literal/length")) return false;
        if (!check(dist, build(dist, std::span(lens).subspan(nlen, ndist)), "distance")) return false;
        return codes(lit, dist);
    }

    // The compressed data of a Huffman block, up to its end-of-block symbol.
    bool codes(const Huffman& lit, const Huffman& dist) {
        for (;;) {
            int sym = decode(lit);
            if (sym < 0) return false;
            if (sym < 256) {
                if (!room(1)) return false;
                out_.push_back(static_cast<std::uint8_t>(sym));
                continue;
            }
            if (sym == kEndOfBlock) return true;

            sym -= 257;
            if (sym >= static_cast<int>(kLenBase.size()))
                return fail("invalid literal/length symbol " + std::to_string(sym + 257));
            if (!need(kLenExtra[sym])) return false;
            const std::size_t len = kLenBase[sym] + take(kLenExtra[sym]);

            const int dsym = decode(dist);
            if (dsym < 0) return false;
            if (dsym >= static_cast<int>(kNumDist)) return fail("invalid distance symbol " + std::to_string(dsym));
            if (!need(kDistExtra[dsym])) return false;
            const std::size_t distance = kDistBase[dsym] + take(kDistExtra[dsym]);
            // Only this stream's own output is history, not an earlier gzip member's.
            if (distance > out_.size() - start_)
                return fail("invalid distance too far back (" + std::to_string(distance) + " bytes, " +
                            std::to_string(out_.size() - start_) + " written)");
            if (!room(len)) return false;

            // Byte by byte on purpose: source and destination overlap when
            // distance < len, which repeats the last `distance` bytes.
            const std::size_t to = out_.size();
            out_.resize(to + len);
            std::uint8_t* dst = out_.data() + to;
            const std::uint8_t* src = dst - distance;
            for (std::size_t i = 0; i < len; ++i) dst[i] = src[i];
        }
    }

    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;      // next input byte to load into buf_
    std::uint64_t buf_ = 0;
    unsigned cnt_ = 0;
    std::vector<std::uint8_t>& out_;
    const std::size_t start_;  // where this stream's output begins in out_
    const std::size_t max_output_;
    std::string error_;
};

// RFC 1952 2.3.1 header flags.
constexpr std::uint8_t kFHcrc = 0x02, kFExtra = 0x04, kFName = 0x08, kFComment = 0x10, kFReserved = 0xe0;

// Length of the member header at the start of `in`, or why it is not one.
Result<std::size_t> header_size(std::span<const std::uint8_t> in, const std::string& what) {
    const Error truncated(what + ": truncated gzip header");
    if (in.size() >= 2 && !is_gzip(in)) {
        char buf[64];
        std::snprintf(buf, sizeof buf, ": not gzip data (starts with %02x %02x, not 1f 8b)", in[0], in[1]);
        return Error(what + buf);
    }
    if (in.size() < 10) return truncated;
    if (in[2] != 8)
        return Error(what + ": unknown compression method " + std::to_string(in[2]) + " (gzip has only 8, DEFLATE)");
    const std::uint8_t flags = in[3];
    if (flags & kFReserved) return Error(what + ": reserved gzip header flags set (" + hex(flags, 2) + ")");

    std::size_t p = 10;  // magic, method, flags, MTIME, XFL, OS
    if (flags & kFExtra) {
        if (in.size() - p < 2) return truncated;
        const std::size_t xlen = in[p] | std::size_t{in[p + 1]} << 8;
        p += 2;
        if (in.size() - p < xlen) return truncated;
        p += xlen;
    }
    for (std::uint8_t field : {kFName, kFComment}) {  // zero-terminated strings
        if (!(flags & field)) continue;
        const auto nul = std::find(in.begin() + static_cast<std::ptrdiff_t>(p), in.end(), 0);
        if (nul == in.end()) return truncated;
        p = static_cast<std::size_t>(nul - in.begin()) + 1;
    }
    if (flags & kFHcrc) {
        if (in.size() - p < 2) return truncated;
        const std::uint32_t expected = in[p] | std::uint32_t{in[p + 1]} << 8;
        const std::uint32_t got = crc32(in.first(p)) & 0xffff;
        if (expected != got)
            return Error(what + ": bad header CRC-16 (expected " + hex(expected, 4) + ", got " + hex(got, 4) + ")");
        p += 2;
    }
    return p;
}

}  // namespace

bool is_gzip(std::span<const std::uint8_t> in) { return in.size() >= 2 && in[0] == 0x1f && in[1] == 0x8b; }

Result<std::vector<std::uint8_t>> inflate(std::span<const std::uint8_t> in, const std::string& what,
                                          std::size_t max_output) {
    std::vector<std::uint8_t> out;
    Inflater inf(in, out, max_output);
    if (!inf.run()) return Error(what + ": " + inf.error());
    if (inf.consumed() != in.size())
        return Error(what + ": " + std::to_string(in.size() - inf.consumed()) +
                     " byte(s) after the end of the DEFLATE stream");
    return out;
}

Result<std::vector<std::uint8_t>> gunzip(std::span<const std::uint8_t> in, const std::string& what,
                                         std::size_t max_output) {
    std::vector<std::uint8_t> out;
    // The last ISIZE is usually the whole size. DEFLATE expands at most
    // ~1032:1, which bounds what a lying ISIZE can make us reserve.
    if (in.size() >= 18) {
        const std::size_t bound = in.size() < max_output / 1032 ? in.size() * 1032 : max_output;
        out.reserve(std::min<std::size_t>(le32(in.data() + in.size() - 4), bound));
    }

    std::size_t pos = 0;
    for (unsigned member = 1;; ++member) {
        const std::span<const std::uint8_t> rest = in.subspan(pos);
        // Errors in later members say which one, the first is just `what`.
        const std::string where =
            member == 1 ? what : what + ": member " + std::to_string(member) + " at offset " + std::to_string(pos);
        auto header = header_size(rest, where);
        if (!header) return std::move(header).error();

        const std::size_t start = out.size();
        Inflater inf(rest.subspan(*header), out, max_output);
        if (!inf.run()) return Error(where + ": " + inf.error());
        const std::span<const std::uint8_t> trailer = rest.subspan(*header + inf.consumed());
        if (trailer.size() < 8) return Error(where + ": truncated gzip trailer (CRC-32 and ISIZE)");

        const std::uint32_t crc = crc32(std::span(out).subspan(start)), expected_crc = le32(trailer.data());
        if (crc != expected_crc)
            return Error(where + ": bad CRC-32 (expected " + hex(expected_crc) + ", got " + hex(crc) + ")");
        const auto size = static_cast<std::uint32_t>(out.size() - start);  // ISIZE is the size mod 2^32
        const std::uint32_t expected_size = le32(trailer.data() + 4);
        if (size != expected_size)
            return Error(where + ": bad ISIZE (expected " + std::to_string(expected_size) + ", got " +
                         std::to_string(size) + ")");

        pos = in.size() - trailer.size() + 8;
        const auto tail = in.subspan(pos);
        if (std::all_of(tail.begin(), tail.end(), [](std::uint8_t b) { return b == 0; })) return out;
        if (!is_gzip(tail))
            return Error(what + ": " + std::to_string(tail.size()) + " byte(s) of garbage after gzip member " +
                         std::to_string(member) + " (at offset " + std::to_string(pos) + ")");
    }
}

}  // namespace rawops::gzip
