// What a program's ELF section name means: libbpf's SEC() table (its
// section_defs[] in libbpf.c), for the program types rawops loads. A name
// libbpf knows but rawops does not handle is reported by its family, so the
// refusal can say what the program is ("xdp program ... not supported").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "loader/object.h"

namespace rawops {

struct SectionDef {
    ProgramKind kind = ProgramKind::Unknown;
    std::uint32_t prog_type = 0;
    std::uint32_t expected_attach_type = 0;
    bool sleepable = false;
    bool retprobe = false;
    std::string attach_target;  // after the first '/', "" if none
};

// `name` without the leading '?' of SEC("?..."). nullopt: a section rawops
// does not load (the caller refuses such a program if it is to be loaded).
std::optional<SectionDef> section_def(std::string_view name);

// For a refusal: "the libbpf section family 'xdp'", or "an unknown section name".
std::string describe_unsupported_section(std::string_view name);

}  // namespace rawops
