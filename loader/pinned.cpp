#include "loader/pinned.h"

#include "loader/sys/abi.h"
#include "loader/sys/obj.h"

namespace rawops {
namespace {

// A link's own type says whether it is a struct_ops registration or the
// link of an attached program; a map's type whether it is a struct_ops map.
Result<Pinned::Kind> kind_of(int fd) {
    auto kind = sys::obj_kind(fd);
    if (!kind) return std::move(kind).error();
    switch (*kind) {
        case sys::ObjKind::Link: {
            auto info = sys::link_info(fd);
            if (!info) return std::move(info).error();
            return info->type == sys::kLinkTypeStructOps ? Pinned::Kind::StructOpsLink : Pinned::Kind::ProgramLink;
        }
        case sys::ObjKind::Map: {
            auto info = sys::map_info(fd);
            if (!info) return std::move(info).error();
            return info->type == sys::kMapTypeStructOps ? Pinned::Kind::StructOpsMap : Pinned::Kind::OtherMap;
        }
        case sys::ObjKind::Prog:
        case sys::ObjKind::Other: break;
    }
    return Pinned::Kind::Other;
}

}  // namespace

Result<Pinned> open_pinned(const std::string& path) {
    auto fd = sys::obj_get(path);
    if (!fd) return std::move(fd).error();
    auto kind = kind_of(fd->get());
    if (!kind) return std::move(kind).error().context("telling what " + path + " is");
    Pinned p;
    p.kind = *kind;
    p.fd = std::move(fd).value();
    return p;
}

}  // namespace rawops
