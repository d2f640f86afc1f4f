// The hand-written gzip/DEFLATE decompressor against the system's gzip and
// zcat (the oracles), plus hand-made and broken streams: every bad input must
// be an error naming it, never a crash (`make fuzz` runs this under ASan).
#include <doctest/doctest.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "loader/reloc/gzip.h"
#include "tests/common/paths.h"
#include "tests/common/skip.h"

using namespace rawops;
using Bytes = std::vector<std::uint8_t>;

namespace {

const std::string kWhat = "test.gz";

// A fresh directory for gzip's input files, removed at the end of the test.
struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("rawops-gzip-test-" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

Bytes read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const std::string& path, const Bytes& data) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

// Standard output of a shell command, or nullopt if it failed.
std::optional<Bytes> run(const std::string& cmd) {
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return std::nullopt;
    Bytes out;
    std::uint8_t buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.insert(out.end(), buf, buf + n);
    if (::pclose(p) != 0) return std::nullopt;
    return out;
}

bool have_gzip() { return std::system("gzip --version >/dev/null 2>&1") == 0; }

// `data` compressed by the system gzip with `flags`, from a file named
// `name` (stored in the header unless --no-name).
Bytes system_gzip(const TempDir& dir, const Bytes& data, const std::string& flags, const std::string& name = "input") {
    write_file(dir.file(name), data);
    auto out = run("gzip " + flags + " -c '" + dir.file(name) + "'");
    REQUIRE_MESSAGE(out.has_value(), "gzip " << flags << " failed");
    return *out;
}

Bytes random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    Bytes b(n);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    return b;
}

Bytes text(std::size_t n) {
    std::string s;
    for (int i = 0; s.size() < n; ++i)
        s += "CONFIG_OPTION_" + std::to_string(i % 977) + (i % 3 ? "=y\n" : "=m\n# comment about it\n");
    s.resize(n);
    return {s.begin(), s.end()};
}

std::string message(const Result<Bytes>& r) { return r.ok() ? std::string("(ok)") : r.error().message(); }

// The error of `r`, checked to start with `what` and contain `part`.
void check_error(const Result<Bytes>& r, const std::string& part, const std::string& what = kWhat) {
    REQUIRE_MESSAGE(!r.ok(), "expected an error containing '" << part << "'");
    const std::string& m = r.error().message();
    CHECK_MESSAGE(m.rfind(what + ": ", 0) == 0, m);
    CHECK_MESSAGE(m.find(part) != std::string::npos, m);
}

// BTYPE of the first block of a gzip member with a 10-byte header (--no-name).
unsigned first_block_type(const Bytes& gz) { return (gz.at(10) >> 1) & 3; }

// --- a tiny DEFLATE writer for hand-made streams ---------------------------

struct BitWriter {
    Bytes bytes;
    unsigned nbits = 0;
    // `n` bits of `v`, least significant first (header fields, extra bits).
    void bits(std::uint32_t v, unsigned n) {
        for (unsigned i = 0; i < n; ++i, ++nbits) {
            if (nbits % 8 == 0) bytes.push_back(0);
            bytes.back() = static_cast<std::uint8_t>(bytes.back() | ((v >> i) & 1) << (nbits % 8));
        }
    }
    // A Huffman code: most significant bit first.
    void code(std::uint32_t c, unsigned len) {
        for (unsigned i = len; i-- > 0;) bits((c >> i) & 1, 1);
    }
};

// Canonical codes of RFC 1951 3.2.2 for code lengths `lens`.
struct Code {
    std::vector<std::uint8_t> lens;
    std::vector<std::uint32_t> codes;
    explicit Code(std::vector<std::uint8_t> l) : lens(std::move(l)), codes(lens.size()) {
        std::uint32_t count[16] = {}, next[16] = {};
        for (auto n : lens) ++count[n];
        count[0] = 0;
        for (unsigned b = 1; b < 16; ++b) next[b] = (next[b - 1] + count[b - 1]) << 1;
        for (std::size_t s = 0; s < lens.size(); ++s)
            if (lens[s]) codes[s] = next[lens[s]]++;
    }
    void put(BitWriter& w, unsigned sym) const {
        REQUIRE(lens.at(sym) != 0);
        w.code(codes[sym], lens[sym]);
    }
};

// A code length symbol with its extra bits (for 16, 17, 18).
struct LenSym {
    unsigned sym;
    std::uint32_t extra = 0;
};

// Every length sent literally, no repeats.
std::vector<LenSym> literal_lengths(const std::vector<std::uint8_t>& lit, const std::vector<std::uint8_t>& dist) {
    std::vector<LenSym> v;
    for (auto l : lit) v.push_back({l});
    for (auto l : dist) v.push_back({l});
    return v;
}

// Header of a dynamic block: HLIT, HDIST, then a complete code length code
// (symbols 0-12 4 bits, 13-18 5 bits) and the given code length symbols.
void dynamic_header(BitWriter& w, bool last, unsigned nlen, unsigned ndist, const std::vector<LenSym>& syms) {
    static constexpr unsigned kOrder[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    std::vector<std::uint8_t> cl(19);
    for (unsigned s = 0; s < 19; ++s) cl[s] = s < 13 ? 4 : 5;
    const Code clcode(cl);
    w.bits(last, 1);
    w.bits(2, 2);
    w.bits(nlen - 257, 5);
    w.bits(ndist - 1, 5);
    w.bits(19 - 4, 4);
    for (unsigned s : kOrder) w.bits(cl[s], 3);
    for (const LenSym& ls : syms) {
        clcode.put(w, ls.sym);
        if (ls.sym == 16) w.bits(ls.extra, 2);
        if (ls.sym == 17) w.bits(ls.extra, 3);
        if (ls.sym == 18) w.bits(ls.extra, 7);
    }
}

// A fixed-code block holding only what `body` writes, then end-of-block.
template <typename F>
Bytes fixed_block(F body) {
    BitWriter w;
    w.bits(1, 1);  // BFINAL
    w.bits(1, 2);  // fixed Huffman
    body(w);
    w.code(0, 7);  // 256, end of block
    return w.bytes;
}

// Fixed code of literal/length symbol `sym` (RFC 1951 3.2.6).
void fixed_lit(BitWriter& w, unsigned sym) {
    if (sym < 144) w.code(0x30 + sym, 8);
    else if (sym < 256) w.code(0x190 + sym - 144, 9);
    else if (sym < 280) w.code(sym - 256, 7);
    else w.code(0xc0 + sym - 280, 8);
}

std::uint32_t crc32_of(const Bytes& b) {
    std::uint32_t c = 0xffffffffu;
    for (auto x : b) {
        c ^= x;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

void put_le32(Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// A gzip member around a raw DEFLATE stream whose output is `expect`.
Bytes member(const Bytes& deflate, const Bytes& expect) {
    Bytes b = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    b.insert(b.end(), deflate.begin(), deflate.end());
    put_le32(b, crc32_of(expect));
    put_le32(b, static_cast<std::uint32_t>(expect.size()));
    return b;
}

}  // namespace

TEST_CASE("gzip: /proc/config.gz decompresses to what zcat prints, in well under 5 ms") {
    if (!std::filesystem::exists("/proc/config.gz")) RAWOPS_SKIP("no /proc/config.gz");
    const Bytes gz = read_file("/proc/config.gz");
    REQUIRE(gzip::is_gzip(gz));
    auto expected = run("zcat /proc/config.gz");
    if (!expected) RAWOPS_SKIP("zcat /proc/config.gz failed");

    auto got = gzip::gunzip(gz, "/proc/config.gz");
    REQUIRE_MESSAGE(got.ok(), message(got));
    CHECK(*got == *expected);

    // Best of several runs, so a busy machine does not make the check flaky.
    double best_ms = 1e9;
    for (int i = 0; i < 20; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        auto r = gzip::gunzip(gz, "/proc/config.gz");
        const auto t1 = std::chrono::steady_clock::now();
        REQUIRE(r.ok());
        best_ms = std::min(best_ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
    }
    MESSAGE("/proc/config.gz: " << gz.size() << " -> " << got->size() << " bytes in " << best_ms << " ms");
    CHECK(best_ms < 5.0);
}

TEST_CASE("gzip: round trips through the system gzip at -1 and -9, with and without a stored name") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    std::vector<std::pair<std::string, Bytes>> inputs = {
        {"empty", {}},
        {"one byte", {'x'}},
        {"1 MiB of zeros", Bytes(1 << 20, 0)},
        {"100 KB random", random_bytes(100000, 1)},
        {"repetitive text", text(300000)},
    };
    if (std::filesystem::exists(rawops::testing::build_dir() + "/rawops")) {
        Bytes cli = read_file(rawops::testing::build_dir() + "/rawops");
        if (cli.size() > (1u << 20)) cli.resize(1u << 20);  // code and data: enough, and gzip -9 stays quick
        inputs.push_back({"build/rawops", std::move(cli)});
    }
    for (const auto& input : inputs) {
        const std::string& name = input.first;
        const Bytes& data = input.second;
        for (const char* level : {"-1", "-9"}) {
            for (const char* naming : {"--no-name", "--name"}) {
                CAPTURE(name);
                CAPTURE(level);
                CAPTURE(naming);
                const Bytes gz = system_gzip(dir, data, std::string(level) + " " + naming, "some-file.txt");
                CHECK(gzip::is_gzip(gz));
                CHECK(((gz[3] & 0x08) != 0) == (std::string(naming) == "--name"));  // FNAME as asked
                auto got = gzip::gunzip(gz, kWhat);
                REQUIRE_MESSAGE(got.ok(), message(got));
                CHECK(*got == data);
            }
        }
    }
}

TEST_CASE("gzip: stored, fixed and dynamic blocks each decode, raw DEFLATE too") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    struct Case {
        const char* name;
        Bytes data;
        const char* flags;
        unsigned btype;
    };
    const Case cases[] = {
        {"random data at -1 is stored", random_bytes(200000, 2), "-1", 0},
        {"a short string gets fixed codes", {'h', 'e', 'l', 'l', 'o'}, "-9", 1},
        {"text gets dynamic codes", text(50000), "-9", 2},
    };
    for (const Case& c : cases) {
        CAPTURE(c.name);
        const Bytes gz = system_gzip(dir, c.data, std::string(c.flags) + " --no-name");
        CHECK(first_block_type(gz) == c.btype);
        auto got = gzip::gunzip(gz, kWhat);
        REQUIRE_MESSAGE(got.ok(), message(got));
        CHECK(*got == c.data);

        // The same stream without the 10-byte header and the 8-byte trailer.
        const Bytes raw(gz.begin() + 10, gz.end() - 8);
        auto inflated = gzip::inflate(raw, kWhat);
        REQUIRE_MESSAGE(inflated.ok(), message(inflated));
        CHECK(*inflated == c.data);
        Bytes longer = raw;
        longer.push_back(0);
        check_error(gzip::inflate(longer, kWhat), "1 byte(s) after the end of the DEFLATE stream");
    }
}

TEST_CASE("gzip: concatenated members decompress like zcat; zero padding after them is ignored") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    const Bytes a = text(20000), b = random_bytes(5000, 3);
    Bytes gz = system_gzip(dir, a, "-9");
    const Bytes second = system_gzip(dir, b, "-1 --no-name");
    gz.insert(gz.end(), second.begin(), second.end());

    write_file(dir.file("two.gz"), gz);
    auto zcat = run("zcat '" + dir.file("two.gz") + "'");
    REQUIRE(zcat.has_value());
    Bytes both = a;
    both.insert(both.end(), b.begin(), b.end());
    REQUIRE(*zcat == both);

    auto got = gzip::gunzip(gz, kWhat);
    REQUIRE_MESSAGE(got.ok(), message(got));
    CHECK(*got == both);

    Bytes padded = gz;
    padded.resize(gz.size() + 512, 0);
    got = gzip::gunzip(padded, kWhat);
    REQUIRE_MESSAGE(got.ok(), message(got));
    CHECK(*got == both);

    Bytes garbage = gz;
    garbage.push_back('!');
    check_error(gzip::gunzip(garbage, kWhat), "garbage after gzip member 2");

    // A broken second member is reported as such.
    Bytes bad = gz;
    bad[bad.size() - 5] ^= 1;  // its CRC-32
    check_error(gzip::gunzip(bad, kWhat), "member 2 at offset");
}

TEST_CASE("gzip: optional header fields are skipped and the header CRC-16 is checked") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    const Bytes data = text(3000);
    const Bytes plain = system_gzip(dir, data, "-6 --no-name");

    // FTEXT | FHCRC | FEXTRA | FNAME | FCOMMENT
    Bytes gz = {0x1f, 0x8b, 8, 0x1f, 1, 2, 3, 4, 0, 3};
    const Bytes extra = {4, 0, 'A', 'b', 0, 0};  // XLEN = 4: one subfield "Ab" of length 0
    gz.insert(gz.end(), extra.begin(), extra.end());
    for (char ch : std::string("name.txt")) gz.push_back(static_cast<std::uint8_t>(ch));
    gz.push_back(0);
    for (char ch : std::string("a comment")) gz.push_back(static_cast<std::uint8_t>(ch));
    gz.push_back(0);
    const std::uint32_t hcrc = crc32_of(gz) & 0xffff;
    gz.push_back(static_cast<std::uint8_t>(hcrc));
    gz.push_back(static_cast<std::uint8_t>(hcrc >> 8));
    const std::size_t header = gz.size();
    gz.insert(gz.end(), plain.begin() + 10, plain.end());

    write_file(dir.file("fields.gz"), gz);
    auto zcat = run("zcat '" + dir.file("fields.gz") + "'");
    REQUIRE(zcat.has_value());
    CHECK(*zcat == data);
    auto got = gzip::gunzip(gz, kWhat);
    REQUIRE_MESSAGE(got.ok(), message(got));
    CHECK(*got == data);

    Bytes bad = gz;
    bad[header - 1] ^= 0x40;
    check_error(gzip::gunzip(bad, kWhat), "bad header CRC-16");
    // Every cut inside the header is a truncated header.
    for (std::size_t n = 0; n < header; ++n) {
        CAPTURE(n);
        check_error(gzip::gunzip(std::span(gz).first(n), kWhat), "truncated gzip header");
    }
}

TEST_CASE("gzip: bad magic, method, flags, CRC-32 and ISIZE are errors naming the input") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    const Bytes data = text(10000);
    const Bytes gz = system_gzip(dir, data, "-9 --no-name");
    auto mutate = [&](std::size_t at, std::uint8_t x) {
        Bytes b = gz;
        b[at] ^= x;
        return gzip::gunzip(b, kWhat);
    };
    check_error(mutate(0, 0x01), "not gzip data (starts with 1e 8b");
    check_error(mutate(1, 0xff), "not gzip data");
    check_error(mutate(2, 0x0f), "unknown compression method 7");
    check_error(mutate(3, 0x80), "reserved gzip header flags");
    check_error(mutate(gz.size() - 8, 0x01), "bad CRC-32 (expected 0x");
    check_error(mutate(gz.size() - 4, 0x01), "bad ISIZE (expected ");
    check_error(gzip::gunzip(Bytes{}, kWhat), "truncated gzip header");
    CHECK_FALSE(gzip::is_gzip(Bytes{0x1f}));
    CHECK(gzip::is_gzip(Bytes{0x1f, 0x8b}));
}

TEST_CASE("gzip: every truncation of a small file is an error, never a crash") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    const Bytes inputs[] = {text(4000), random_bytes(700, 4), {'h', 'i'}};
    for (const Bytes& data : inputs) {
        for (const char* level : {"-1", "-9"}) {
            const Bytes gz = system_gzip(dir, data, std::string(level) + " --no-name");
            CAPTURE(gz.size());
            for (std::size_t n = 0; n < gz.size(); ++n) {
                CAPTURE(n);
                auto r = gzip::gunzip(std::span(gz).first(n), kWhat);
                REQUIRE_FALSE(r.ok());
                CHECK_MESSAGE(r.error().message().rfind(kWhat + ": ", 0) == 0, r.error().message());
            }
            const Bytes raw(gz.begin() + 10, gz.end() - 8);
            for (std::size_t n = 0; n < raw.size(); ++n) {
                CAPTURE(n);
                check_error(gzip::inflate(std::span(raw).first(n), kWhat), "truncated DEFLATE stream");
            }
        }
    }
}

TEST_CASE("gzip: every flipped bit in the data is an error or, in padding, harmless") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    for (const char* level : {"-1", "-9"}) {
        const Bytes data = text(1500);
        const Bytes gz = system_gzip(dir, data, std::string(level) + " --no-name");
        int errors = 0, same = 0;
        for (std::size_t bit = 10 * 8; bit < gz.size() * 8; ++bit) {
            Bytes b = gz;
            b[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
            auto r = gzip::gunzip(b, kWhat);
            if (r.ok()) {
                CHECK_MESSAGE(*r == data, "bit " << bit);  // only an unused padding bit may be flipped
                ++same;
            } else {
                CHECK(r.error().message().rfind(kWhat + ": ", 0) == 0);
                ++errors;
            }
        }
        CHECK(same < 8);
        CHECK(errors > 0);
    }
}

TEST_CASE("gzip: random garbage never crashes or hangs") {
    std::mt19937 rng(5);
    const Bytes header = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    for (int i = 0; i < 5000; ++i) {
        Bytes b = random_bytes(rng() % 300, static_cast<unsigned>(i));
        // Dynamic blocks get further if BTYPE is 2; vary the first bits.
        if (!b.empty() && i % 2) b[0] = static_cast<std::uint8_t>((b[0] & ~6u) | 4u);
        auto r = gzip::inflate(b, kWhat, 1 << 20);
        if (!r.ok()) CHECK(r.error().message().rfind(kWhat + ": ", 0) == 0);
        Bytes g = header;
        g.insert(g.end(), b.begin(), b.end());
        auto rg = gzip::gunzip(g, kWhat, 1 << 20);
        if (!rg.ok()) CHECK(rg.error().message().rfind(kWhat + ": ", 0) == 0);
    }
}

TEST_CASE("gzip: hand-made fixed and stored blocks with invalid contents") {
    // A match before any output: distance 1 with nothing written yet.
    Bytes d = fixed_block([](BitWriter& w) {
        fixed_lit(w, 257);  // length 3
        w.code(0, 5);       // distance 1
    });
    check_error(gzip::inflate(d, kWhat), "invalid distance too far back");

    // Within reach once a literal is out: "a" then 3 more.
    d = fixed_block([](BitWriter& w) {
        fixed_lit(w, 'a');
        fixed_lit(w, 257);
        w.code(0, 5);
    });
    auto r = gzip::inflate(d, kWhat);
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(*r == Bytes{'a', 'a', 'a', 'a'});

    // A gzip member's history does not reach into the member before it.
    Bytes two = member(fixed_block([](BitWriter& w) { fixed_lit(w, 'a'); }), {'a'});
    const Bytes next = member(d, {'a', 'a', 'a', 'a'});
    two.insert(two.end(), next.begin(), next.end());
    r = gzip::gunzip(two, kWhat);
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(*r == Bytes{'a', 'a', 'a', 'a', 'a'});
    const Bytes leaning = member(fixed_block([](BitWriter& w) {
                                     fixed_lit(w, 257);
                                     w.code(0, 5);
                                 }),
                                 {'a', 'a', 'a'});
    two.resize(two.size() - next.size());
    two.insert(two.end(), leaning.begin(), leaning.end());
    check_error(gzip::gunzip(two, kWhat), "invalid distance too far back");

    check_error(gzip::inflate(fixed_block([](BitWriter& w) { fixed_lit(w, 286); }), kWhat),
                "invalid literal/length symbol 286");
    check_error(gzip::inflate(fixed_block([](BitWriter& w) {
                                  fixed_lit(w, 'a');
                                  fixed_lit(w, 257);
                                  w.code(30, 5);
                              }),
                              kWhat),
                "invalid distance symbol 30");

    BitWriter w;
    w.bits(1, 1);
    w.bits(3, 2);
    check_error(gzip::inflate(w.bytes, kWhat), "invalid block type 3");

    // Stored: BFINAL=1 BTYPE=0, LEN=3, NLEN must be ~3.
    check_error(gzip::inflate(Bytes{1, 3, 0, 0, 0, 'a', 'b', 'c'}, kWhat),
                "stored block length does not match its complement");
    r = gzip::inflate(Bytes{1, 3, 0, 0xfc, 0xff, 'a', 'b', 'c'}, kWhat);
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(*r == Bytes{'a', 'b', 'c'});
    check_error(gzip::inflate(Bytes{1, 3, 0, 0xfc, 0xff, 'a', 'b'}, kWhat), "truncated DEFLATE stream");
    // An empty non-final stored block, then a final one.
    r = gzip::inflate(Bytes{0, 0, 0, 0xff, 0xff, 1, 1, 0, 0xfe, 0xff, 'z'}, kWhat);
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(*r == Bytes{'z'});
}

TEST_CASE("gzip: hand-made dynamic blocks: bad codes are refused, long and single codes decode") {
    auto block = [](const std::vector<std::uint8_t>& lit, const std::vector<std::uint8_t>& dist) {
        BitWriter w;
        dynamic_header(w, true, static_cast<unsigned>(lit.size()), static_cast<unsigned>(dist.size()),
                       literal_lengths(lit, dist));
        return w;
    };
    std::vector<std::uint8_t> lit(257, 0), dist(1, 0);

    // 'a' and end-of-block with 2-bit codes: half the code space unused.
    lit['a'] = 2;
    lit[256] = 2;
    check_error(gzip::inflate(block(lit, dist).bytes, kWhat), "incomplete literal/length Huffman code");
    lit['b'] = 1;
    lit['c'] = 1;
    check_error(gzip::inflate(block(lit, dist).bytes, kWhat), "over-subscribed literal/length Huffman code");
    lit.assign(257, 0);
    lit['a'] = 1;
    lit['b'] = 1;
    check_error(gzip::inflate(block(lit, dist).bytes, kWhat), "missing end-of-block code");

    // A single distance code of length 1 is the one incomplete code allowed.
    lit.assign(258, 0);
    lit['a'] = 1;
    lit[256] = 2;
    lit[257] = 2;
    dist = {1};
    {
        BitWriter w = block(lit, dist);
        const Code lc(lit);
        lc.put(w, 'a');
        lc.put(w, 257);
        w.code(0, 1);  // distance 1
        lc.put(w, 256);
        auto r = gzip::inflate(w.bytes, kWhat);
        REQUIRE_MESSAGE(r.ok(), message(r));
        CHECK(*r == Bytes{'a', 'a', 'a', 'a'});
    }
    dist = {2};
    check_error(gzip::inflate(block(lit, dist).bytes, kWhat), "incomplete distance Huffman code");
    dist = {1, 1, 1};
    check_error(gzip::inflate(block(lit, dist).bytes, kWhat), "over-subscribed distance Huffman code");

    // Codes of every length 1..15 (two of 15): the slow path of the decoder.
    lit.assign(257, 0);
    for (unsigned i = 0; i < 14; ++i) lit['a' + i] = static_cast<std::uint8_t>(i + 1);
    lit['o'] = 15;
    lit[256] = 15;
    dist = {0};
    {
        BitWriter w = block(lit, dist);
        const Code lc(lit);
        Bytes expect;
        for (unsigned round = 0; round < 3; ++round) {
            for (unsigned s = 'a'; s <= 'o'; ++s) {
                lc.put(w, s);
                expect.push_back(static_cast<std::uint8_t>(s));
            }
        }
        lc.put(w, 256);
        auto r = gzip::inflate(w.bytes, kWhat);
        REQUIRE_MESSAGE(r.ok(), message(r));
        CHECK(*r == expect);
        for (std::size_t n = 0; n < w.bytes.size(); ++n)
            check_error(gzip::inflate(std::span(w.bytes).first(n), kWhat), "truncated DEFLATE stream");
    }

    // Code length sequences: a repeat of nothing, a repeat past the end, too many symbols.
    {
        BitWriter w;
        dynamic_header(w, true, 257, 1, {{16, 0}});
        check_error(gzip::inflate(w.bytes, kWhat), "code length repeat with no previous length");
    }
    {
        BitWriter w;
        dynamic_header(w, true, 257, 1, {{18, 127}, {18, 127}, {18, 0}});  // 138 + 138 + 11 > 258
        check_error(gzip::inflate(w.bytes, kWhat), "code length repeat past the last symbol");
    }
    {
        BitWriter w;
        w.bits(1, 1);
        w.bits(2, 2);
        w.bits(30, 5);  // 287 literal/length codes
        w.bits(0, 5);
        w.bits(0, 4);
        check_error(gzip::inflate(w.bytes, kWhat), "too many length or distance symbols");
    }
    {
        // Four code length code lengths of 3 bits each: an incomplete code.
        BitWriter w;
        w.bits(1, 1);
        w.bits(2, 2);
        w.bits(0, 5);
        w.bits(0, 5);
        w.bits(0, 4);
        for (int i = 0; i < 4; ++i) w.bits(3, 3);
        check_error(gzip::inflate(w.bytes, kWhat), "incomplete code length Huffman code");
    }
}

TEST_CASE("gzip: the output limit stops a zip bomb") {
    if (!have_gzip()) RAWOPS_SKIP("no gzip binary");
    TempDir dir;
    const Bytes zeros(1 << 20, 0);
    const Bytes gz = system_gzip(dir, zeros, "-9 --no-name");
    check_error(gzip::gunzip(gz, kWhat, 100000), "output exceeds the limit of 100000 bytes");
    auto r = gzip::gunzip(gz, kWhat, zeros.size());
    REQUIRE_MESSAGE(r.ok(), message(r));
    CHECK(r->size() == zeros.size());

    const Bytes stored = system_gzip(dir, random_bytes(200000, 6), "-1 --no-name");
    check_error(gzip::gunzip(stored, kWhat, 150000), "output exceeds the limit");
    // Both members count towards the limit.
    Bytes two = gz;
    two.insert(two.end(), gz.begin(), gz.end());
    check_error(gzip::gunzip(two, kWhat, 2 * zeros.size() - 1), "output exceeds the limit");
}
