// Shared helpers of the loader/sys host tests: a per-test fd leak check, a
// private bpffs mount, hand-assembled instructions and a tiny hand-built BTF.
#pragma once

#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "loader/insn.h"
#include "tests/common/kernel_objects.h"  // open_fd_count

namespace rawops::testing {

// Declare first in a test: at scope exit the process has exactly as many fds
// open as at the start, whatever path the test took.
class FdLeakCheck {
public:
    FdLeakCheck() : before_(open_fd_count()) {}
    ~FdLeakCheck() { CHECK_MESSAGE(open_fd_count() == before_, "file descriptors leaked"); }
    FdLeakCheck(const FdLeakCheck&) = delete;
    FdLeakCheck& operator=(const FdLeakCheck&) = delete;

private:
    int before_;
};

// A bpffs mounted on a fresh temporary directory, unmounted and removed when
// the guard goes away (also when the test fails half way).
class BpffsMount {
public:
    BpffsMount() {
        char tmpl[] = "/tmp/rawops-bpffs-XXXXXX";
        if (mkdtemp(tmpl) == nullptr) {
            error_ = std::string("mkdtemp: ") + std::strerror(errno);
            return;
        }
        dir_ = tmpl;
        if (mount("bpf", dir_.c_str(), "bpf", 0, nullptr) != 0) {
            error_ = std::string("mount -t bpf: ") + std::strerror(errno);
            return;
        }
        mounted_ = true;
    }
    ~BpffsMount() {
        if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
        if (!dir_.empty()) rmdir(dir_.c_str());
    }
    BpffsMount(const BpffsMount&) = delete;
    BpffsMount& operator=(const BpffsMount&) = delete;

    bool ok() const { return mounted_; }
    const std::string& error() const { return error_; }
    const std::string& dir() const { return dir_; }

private:
    std::string dir_;
    std::string error_;
    bool mounted_ = false;
};

// --- a few instructions, assembled by hand ----------------------------------
namespace asm_ {
inline Insn make(std::uint8_t code, std::uint8_t dst, std::uint8_t src, std::int16_t off,
                 std::int32_t imm) {
    Insn i;
    i.code = code;
    i.set_dst(dst);
    i.set_src(src);
    i.off = off;
    i.imm = imm;
    return i;
}
inline Insn mov64_imm(std::uint8_t dst, std::int32_t imm) { return make(0xb7, dst, 0, 0, imm); }
inline Insn mov64_reg(std::uint8_t dst, std::uint8_t src) { return make(0xbf, dst, src, 0, 0); }
// dst = *(u64 *)(src + off), dst = *(u32 *)(src + off)
inline Insn ldx_dw(std::uint8_t dst, std::uint8_t src, std::int16_t off) { return make(0x79, dst, src, off, 0); }
inline Insn ldx_w(std::uint8_t dst, std::uint8_t src, std::int16_t off) { return make(0x61, dst, src, off, 0); }
// if dst == imm goto pc + off
inline Insn jeq_imm(std::uint8_t dst, std::int32_t imm, std::int16_t off) { return make(0x15, dst, 0, off, imm); }
inline Insn exit_() { return make(0x95, 0, 0, 0, 0); }
}  // namespace asm_

// --- a tiny BTF: one type, INT "int" of 4 bytes with `bits` bits -------------
inline std::vector<std::byte> tiny_btf(std::uint32_t bits = 32) {
    std::vector<std::uint32_t> words = {
        0x0001eb9fu,  // magic 0xeb9f, version 1, flags 0
        24,           // hdr_len
        0, 16,        // type_off, type_len
        16, 5,        // str_off, str_len
        1,            // type 1: name_off ("int")
        1u << 24,     // info: kind INT
        4,            // size
        (1u << 24) | bits,  // encoding signed, offset 0, nr_bits
    };
    std::vector<std::byte> out(words.size() * 4 + 5);
    std::memcpy(out.data(), words.data(), words.size() * 4);
    std::memcpy(out.data() + words.size() * 4, "\0int\0", 5);
    return out;
}

}  // namespace rawops::testing
