// attr_value_json / plan_json, the conversion `rawops plan --json` makes of
// the typed attrs describe() produces: each value keeps its JSON type.
//
// plan_json.cpp belongs to the CLI (loader/cli/), which the unit suite does
// not link, so its one translation unit is compiled into this test (as
// cli_type_text_test.cpp does with type_text.cpp).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "loader/cli/plan_json.cpp"  // NOLINT(bugprone-suspicious-include): see above
#include "loader/sys/map.h"

using namespace rawops;
using rawops::cli::attr_value_json;
using rawops::cli::Json;

TEST_CASE("attr_value_json: each kind gets its JSON type") {
    CHECK(attr_value_json(sys::number_field("key_size", 4)) == Json(4));
    CHECK(attr_value_json(sys::number_field("pid", -1)) == Json(-1));
    // 64-bit values stay exact: strings, never doubles.
    CHECK(attr_value_json(sys::u64_field("map_extra", 0x8000000000000001ull)) == Json("9223372036854775809"));
    CHECK(attr_value_json(sys::pointer_field("insns", 0x1000)) == Json("0x1000"));
    CHECK(attr_value_json(sys::string_field("map_name", "a\"b")) == Json("a\"b"));  // unquoted
    CHECK(attr_value_json(sys::name_field("map_type", "BPF_MAP_TYPE_ARRAY")) == Json("BPF_MAP_TYPE_ARRAY"));
    CHECK(attr_value_json(sys::flags_field("map_flags", {})) == Json::array());
    CHECK(attr_value_json(sys::flags_field("map_flags", {"BPF_F_LINK", "0x40000000"})) ==
          Json::array({"BPF_F_LINK", "0x40000000"}));
    CHECK(attr_value_json(sys::list_field("fd_array", {"0", "$modbtf:m"})) == Json::array({"0", "$modbtf:m"}));
    CHECK(attr_value_json(sys::text_field("prog_btf_fd", "$btf")) == Json("$btf"));
}

TEST_CASE("attrs_json: a describe()d map create, in the attr's order") {
    sys::MapCreateRequest r;
    r.map_type = sys::kMapTypeStructOps;
    r.key_size = 4;
    r.value_size = 256;
    r.max_entries = 1;
    r.map_flags = sys::kMapFlagLink;
    r.name = "rawops_reno";
    const Json j = cli::attrs_json(sys::describe(sys::Cmd::MapCreate, sys::encode(r)));
    CHECK(j.dump() ==
          R"({"map_type":"BPF_MAP_TYPE_STRUCT_OPS","key_size":4,"value_size":256,"max_entries":1,)"
          R"("map_flags":["BPF_F_LINK"],"map_name":"rawops_reno"})");
}

TEST_CASE("plan_json: steps with their own call, the calls before it, and fd patches") {
    plan::Plan p;
    p.object = "x.o";
    sys::MapCreateRequest inner;
    inner.map_type = sys::kMapTypeArray;
    inner.key_size = 4;
    inner.value_size = 4;
    inner.max_entries = 1;
    plan::CreateMap outer;
    outer.request = inner;
    outer.request.name = "outer";
    outer.inner_template = std::make_shared<const sys::MapCreateRequest>(inner);
    p.steps.push_back({"create map 'outer'", {plan::Ref::Kind::Map, "outer"}, outer});
    plan::UpdateMap update;
    update.map = {plan::Ref::Kind::Map, "ops"};
    update.prog_slots.push_back({8, {plan::Ref::Kind::Prog, "init"}, "init"});
    p.steps.push_back({"register 'ops'", {}, update});
    p.notes.push_back("a note");

    const Json j = cli::plan_json(p);
    REQUIRE(j["steps"].size() == 2);
    const Json& s1 = j["steps"][0];
    CHECK(s1["index"] == 1);
    CHECK(s1["action"] == "create_map");
    CHECK(s1["creates"] == "$map:outer");
    CHECK(s1["command"] == "BPF_MAP_CREATE");
    CHECK(s1["attrs"]["inner_map_fd"] == "(the inner template)");
    REQUIRE(s1["before"].size() == 1);
    CHECK(s1["before"][0]["result"] == "inner template (closed after)");
    const Json& s2 = j["steps"][1];
    CHECK(s2["creates"].is_null());
    CHECK(s2["attrs"]["map_fd"] == "$map:ops");
    CHECK(s2["attrs"]["flags"] == Json::array({"BPF_ANY"}));
    CHECK(s2["prog_slots"] == Json::array({{{"offset", 8}, {"member", "init"}, {"prog", "$prog:init"}}}));
    CHECK(j["notes"] == Json::array({"a note"}));
}
