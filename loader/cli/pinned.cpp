#include "loader/cli/pinned.h"

#include <cstdlib>
#include <fstream>

#include "loader/sys/abi.h"
#include "loader/sys/obj.h"

namespace rawops::cli {

Result<Pinned> open_pinned(const std::string& path) {
    auto fd = sys::obj_get(path);
    if (!fd) return std::move(fd).error();
    Pinned p;
    std::ifstream info("/proc/self/fdinfo/" + std::to_string(fd->get()));
    std::string key;
    std::string value;
    while (info >> key >> value) {
        if (key == "link_type:") p.kind = value == "struct_ops" ? Pinned::Kind::StructOpsLink : Pinned::Kind::ProgramLink;
        if (key == "map_type:")
            p.kind = std::strtoul(value.c_str(), nullptr, 10) == sys::kMapTypeStructOps ? Pinned::Kind::StructOpsMap
                                                                                       : Pinned::Kind::OtherMap;
    }
    p.fd = std::move(fd).value();
    return p;
}

}  // namespace rawops::cli
