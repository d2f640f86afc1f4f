// A small gzip (RFC 1952) and raw DEFLATE (RFC 1951) decompressor, written by
// hand so that the static rawops binary does not depend on zlib. Its job is to
// read the kernel's configuration from /proc/config.gz.
//
// Inputs are untrusted: every malformed stream is an Error whose message
// starts with `what`; nothing is read out of bounds, every loop consumes
// input, and the output is capped (256 MiB unless told otherwise) so a
// "zip bomb" cannot exhaust memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "btf/error.h"

namespace rawops::gzip {

// Default limit on the decompressed size; /proc/config.gz expands to ~300 KB.
inline constexpr std::size_t kMaxOutput = std::size_t{256} << 20;

// Decompresses a whole gzip file: one or more members, concatenated as zcat
// reads them. Checks each member's header (magic, method 8, reserved FLG bits,
// the header CRC-16 if FHCRC), skips FEXTRA/FNAME/FCOMMENT, and checks the
// CRC-32 and ISIZE of its trailer. Zero bytes after the last member (tape or
// block padding) are ignored like gzip does; anything else there is an error.
Result<std::vector<std::uint8_t>> gunzip(std::span<const std::uint8_t> in, const std::string& what,
                                         std::size_t max_output = kMaxOutput);

// Decompresses a raw DEFLATE stream (stored, fixed and dynamic Huffman
// blocks) that must fill `in` exactly: bytes after the final block are an error.
Result<std::vector<std::uint8_t>> inflate(std::span<const std::uint8_t> in, const std::string& what,
                                          std::size_t max_output = kMaxOutput);

// True when `in` starts with the gzip magic 1f 8b.
bool is_gzip(std::span<const std::uint8_t> in);

}  // namespace rawops::gzip
