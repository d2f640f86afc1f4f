#include "loader/cli/value_print.h"

namespace rawops::cli {
namespace {

using Shape = btf::DecodedValue::Shape;

bool is_container(const btf::DecodedValue& v) { return v.shape == Shape::Record || v.shape == Shape::List; }

// Lists of up to this many scalars print on one line.
constexpr std::size_t kInlineListMax = 16;

bool inline_list(const btf::DecodedValue& v) {
    if (v.shape != Shape::List || v.children.size() > kInlineListMax) return false;
    for (const auto& c : v.children)
        if (is_container(c)) return false;
    return true;
}

void emit(const btf::DecodedValue& v, const std::string& prefix, const std::string& indent, bool in_list,
          std::vector<std::string>& out) {
    // Elements of a list are not named in text: their position says it.
    const std::string label = in_list ? "" : (v.name.empty() ? "" : v.name + " = ");
    if (!is_container(v)) {
        out.push_back(prefix + label + btf::scalar_text(v));
        return;
    }
    if (inline_list(v)) {
        std::string line = prefix + label + "[";
        for (std::size_t i = 0; i < v.children.size(); ++i) line += (i ? ", " : "") + btf::scalar_text(v.children[i]);
        out.push_back(line + "]");
        return;
    }
    const bool record = v.shape == Shape::Record;
    if (record && v.children.empty()) {
        out.push_back(prefix + label + "{}");
        return;
    }
    out.push_back(prefix + label + (record ? "{" : "["));
    for (const auto& c : v.children) emit(c, prefix + indent, indent, !record, out);
    out.push_back(prefix + (record ? "}" : "]"));
}

constexpr std::uint64_t kJsonExactMax = 1ull << 53;  // integers a double holds exactly

Json record_json(const btf::DecodedValue& v) {
    Json obj = Json::object();
    for (const auto& c : v.children) {
        if (c.name.empty() && c.shape == Shape::Record) {
            // An anonymous struct/union: its members are named as the parent's.
            const Json inner = record_json(c);
            for (auto it = inner.begin(); it != inner.end(); ++it) obj[it.key()] = it.value();
            continue;
        }
        obj[c.name.empty() ? "(anonymous)" : c.name] = value_json(c);
    }
    return obj;
}

}  // namespace

std::vector<std::string> value_lines(const btf::DecodedValue& value, const std::string& indent) {
    std::vector<std::string> out;
    emit(value, "", indent, false, out);
    return out;
}

Json value_json(const btf::DecodedValue& v) {
    switch (v.shape) {
        case Shape::Signed:
            if (v.signed_value > -static_cast<std::int64_t>(kJsonExactMax) && v.signed_value < static_cast<std::int64_t>(kJsonExactMax))
                return v.signed_value;
            return std::to_string(v.signed_value);
        case Shape::Unsigned:
            if (v.unsigned_value < kJsonExactMax) return v.unsigned_value;
            return std::to_string(v.unsigned_value);
        case Shape::Bool: return v.unsigned_value != 0;
        case Shape::Float: return v.float_value;
        case Shape::Record: return record_json(v);
        case Shape::List: {
            Json arr = Json::array();
            for (const auto& c : v.children) arr.push_back(value_json(c));
            return arr;
        }
        case Shape::Truncated: return nullptr;
        case Shape::EnumName:
        case Shape::Pointer:
        case Shape::Bytes: return btf::scalar_text(v);
        case Shape::String: return v.text;
    }
    return nullptr;
}

}  // namespace rawops::cli
