// loader/sys against the real kernel, struct_ops end to end with hand-made
// pieces (no ELF): struct_ops programs for bpf_dummy_ops run through
// BPF_PROG_TEST_RUN, and a tcp_congestion_ops registered through a link
// (BPF_LINK_CREATE / BPF_LINK_UPDATE / BPF_LINK_DETACH) and the legacy way
// (map update / delete). Kernel type ids and offsets come from vmlinux BTF.
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "loader/sys/btf_obj.h"
#include "loader/sys/link.h"
#include "loader/sys/map.h"
#include "loader/sys/obj.h"
#include "loader/sys/prog.h"
#include "tests/common/skip.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::sys;
using rawops::testing::FdLeakCheck;
using rawops::testing::tcp_cc_available;
namespace a = rawops::testing::asm_;

namespace {

struct DummyState {
    std::int32_t val;
};

// state->val = 0x5a and return the old value; -1 when state is NULL.
std::vector<Insn> dummy_test_1_insns() {
    return {
        a::ldx_dw(1, 1, 0),        // r1 = ctx[0] (state)
        a::jeq_imm(1, 0, 4),       // if (!state) goto null
        a::ldx_w(0, 1, 0),         // r0 = state->val
        a::mov64_imm(2, 0x5a),
        a::make(0x63, 1, 2, 0, 0),  // *(u32 *)(r1 + 0) = r2
        a::exit_(),
        a::mov64_imm(0, -1),       // null:
        a::exit_(),
    };
}

std::vector<Insn> return_imm(std::int32_t v) { return {a::mov64_imm(0, v), a::exit_()}; }


// Where the pieces of a struct_ops value live, from vmlinux BTF.
struct StructOpsLayout {
    std::uint32_t type_id = 0;        // the kernel struct, e.g. tcp_congestion_ops
    std::uint32_t value_type_id = 0;  // bpf_struct_ops_<struct>
    std::uint32_t value_size = 0;
    std::uint32_t data_offset = 0;    // of the struct inside the value
};

Result<StructOpsLayout> layout_of(const btf::Btf& vmlinux, const std::string& name) {
    StructOpsLayout l;
    auto id = vmlinux.find(name, btf::Kind::Struct);
    if (!id.ok()) return std::move(id).error();
    auto vid = vmlinux.find("bpf_struct_ops_" + name, btf::Kind::Struct);
    if (!vid.ok()) return std::move(vid).error();
    auto size = vmlinux.size_of(*vid);
    if (!size.ok()) return std::move(size).error();
    auto data = vmlinux.find_member(*vid, "data");
    if (!data.ok()) return std::move(data).error();
    l.type_id = *id;
    l.value_type_id = *vid;
    l.value_size = *size;
    l.data_offset = data->bit_offset / 8;
    return l;
}

struct MemberSlot {
    std::uint32_t index = 0;
    std::uint32_t offset = 0;
};

MemberSlot slot(const btf::Btf& vmlinux, std::uint32_t struct_id, const char* member) {
    auto m = vmlinux.find_member(struct_id, member);
    REQUIRE_MESSAGE(m.ok(), m.error().message());
    return {m->index, m->bit_offset / 8};
}

Result<Fd> load_struct_ops_prog(std::uint32_t attach_btf_id, std::uint32_t member_index,
                                const std::vector<Insn>& insns, const std::string& name,
                                std::uint32_t flags = 0, std::string* log = nullptr) {
    ProgLoadRequest r;
    r.prog_type = kProgTypeStructOps;
    r.expected_attach_type = member_index;
    r.attach_btf_id = attach_btf_id;
    r.insns = insns;
    r.license = "GPL";
    r.name = name;
    r.prog_flags = flags;
    return prog_load(r, log);
}

std::vector<std::uint64_t> ctx_of(DummyState* state) {
    return {reinterpret_cast<std::uintptr_t>(state)};
}

}  // namespace

TEST_CASE("sys: bpf_dummy_ops program runs with struct_ops ctx through TEST_RUN") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto vmlinux = btf::Btf::open_vmlinux();
    REQUIRE_MESSAGE(vmlinux.ok(), vmlinux.error().message());
    auto dummy = vmlinux->find("bpf_dummy_ops", btf::Kind::Struct);
    if (!dummy.ok()) RAWOPS_SKIP("kernel has no bpf_dummy_ops");
    MemberSlot test_1 = slot(*vmlinux, *dummy, "test_1");

    std::vector<Insn> insns = dummy_test_1_insns();
    std::string log;
    auto prog = load_struct_ops_prog(*dummy, test_1.index, insns, "rawops_sys_t1", 0, &log);
    REQUIRE_MESSAGE(prog.ok(), (prog.ok() ? std::string() : prog.error().message() + "\n" + log));
    auto info = prog_info(prog->get());
    REQUIRE(info.ok());
    CHECK(info->type == kProgTypeStructOps);
    CHECK(info->attach_btf_id == *dummy);

    DummyState state{77};
    std::vector<std::uint64_t> ctx = ctx_of(&state);
    TestRunRequest run;
    run.prog_fd = prog->get();
    run.ctx_in = std::as_bytes(std::span(ctx));
    auto result = prog_test_run(run);
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK(result->retval == 77);
    CHECK(state.val == 0x5a);  // the kernel copied the state back

    std::vector<std::uint64_t> null_ctx = ctx_of(nullptr);
    run.ctx_in = std::as_bytes(std::span(null_ctx));
    result = prog_test_run(run);
    REQUIRE_MESSAGE(result.ok(), result.error().message());
    CHECK(static_cast<std::int32_t>(result->retval) == -1);

    // test_1 takes one argument: any other ctx size is refused.
    std::vector<std::uint64_t> two(2, 0);
    run.ctx_in = std::as_bytes(std::span(two));
    result = prog_test_run(run);
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().err_no() == EINVAL);
}

TEST_CASE("sys: BPF_F_SLEEPABLE is accepted only for a sleepable struct_ops member") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto vmlinux = btf::Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    auto dummy = vmlinux->find("bpf_dummy_ops", btf::Kind::Struct);
    if (!dummy.ok()) RAWOPS_SKIP("kernel has no bpf_dummy_ops");
    MemberSlot test_2 = slot(*vmlinux, *dummy, "test_2");
    MemberSlot sleepable = slot(*vmlinux, *dummy, "test_sleepable");

    std::vector<Insn> insns = return_imm(3);
    auto ok = load_struct_ops_prog(*dummy, sleepable.index, insns, "rawops_sys_sl", kProgFlagSleepable);
    REQUIRE_MESSAGE(ok.ok(), ok.error().message());

    std::string log;
    auto refused = load_struct_ops_prog(*dummy, test_2.index, insns, "rawops_sys_sl2",
                                        kProgFlagSleepable, &log);
    REQUIRE_FALSE(refused.ok());
    CHECK(log.find("attach to unsupported member test_2 of struct bpf_dummy_ops") != std::string::npos);
    CHECK(refused.error().message().find("verifier: attach to unsupported member test_2") !=
          std::string::npos);
}

TEST_CASE("sys: tcp_congestion_ops through a struct_ops link: create, update, detach") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto vmlinux = btf::Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    auto layout = layout_of(*vmlinux, "tcp_congestion_ops");
    if (!layout.ok()) RAWOPS_SKIP("kernel has no tcp_congestion_ops struct_ops: " + layout.error().message());
    MemberSlot ssthresh = slot(*vmlinux, layout->type_id, "ssthresh");
    MemberSlot cong_avoid = slot(*vmlinux, layout->type_id, "cong_avoid");
    MemberSlot undo_cwnd = slot(*vmlinux, layout->type_id, "undo_cwnd");
    MemberSlot name = slot(*vmlinux, layout->type_id, "name");

    // map_create insists on a BTF fd next to btf_vmlinux_value_type_id.
    std::vector<std::byte> btf_data = rawops::testing::tiny_btf();
    auto btf = btf_load({btf_data, "tiny", {}});
    REQUIRE_MESSAGE(btf.ok(), btf.error().message());

    const std::string cc_name = "rsys_" + std::to_string(getpid() % 1000000);
    std::vector<Insn> two = return_imm(2);

    // One registered implementation: three programs and a map holding them.
    struct Impl {
        Fd progs[3];
        Fd map;
    };
    auto make_impl = [&](const std::string& map_name, std::uint32_t flags, Impl& impl) {
        const MemberSlot* slots[3] = {&ssthresh, &cong_avoid, &undo_cwnd};
        std::vector<std::byte> value(layout->value_size, std::byte{0});
        for (int i = 0; i < 3; ++i) {
            auto p = load_struct_ops_prog(layout->type_id, slots[i]->index, two, map_name + "_p");
            REQUIRE_MESSAGE(p.ok(), p.error().message());
            impl.progs[i] = std::move(*p);
            std::uint64_t fd = static_cast<std::uint64_t>(impl.progs[i].get());
            std::memcpy(value.data() + layout->data_offset + slots[i]->offset, &fd, sizeof fd);
        }
        std::memcpy(value.data() + layout->data_offset + name.offset, cc_name.c_str(), cc_name.size() + 1);

        MapCreateRequest m;
        m.map_type = kMapTypeStructOps;
        m.key_size = 4;
        m.value_size = layout->value_size;
        m.max_entries = 1;
        m.map_flags = flags;
        m.name = map_name;
        m.btf_fd = btf->get();
        m.btf_vmlinux_value_type_id = layout->value_type_id;
        auto map = map_create(m);
        REQUIRE_MESSAGE(map.ok(), map.error().message());
        impl.map = std::move(*map);
        std::uint32_t key = 0;
        auto st = map_update_elem(impl.map.get(), bytes_of(key), value);
        REQUIRE_MESSAGE(st.ok(), st.error().message());
    };

    Impl first, second;
    make_impl("rawops_sys_cc1", kMapFlagLink, first);
    CHECK_FALSE(tcp_cc_available(cc_name));  // BPF_F_LINK maps register only through a link

    auto link = link_create_struct_ops(first.map.get());
    REQUIRE_MESSAGE(link.ok(), link.error().message());
    CHECK(tcp_cc_available(cc_name));
    auto first_info = map_info(first.map.get());
    REQUIRE(first_info.ok());
    auto li = link_info(link->get());
    REQUIRE_MESSAGE(li.ok(), li.error().message());
    CHECK(li->type == kLinkTypeStructOps);
    CHECK(li->struct_ops_map_id == first_info->id);

    make_impl("rawops_sys_cc2", kMapFlagLink, second);
    auto second_info = map_info(second.map.get());
    REQUIRE(second_info.ok());

    // BPF_F_REPLACE with the wrong expected old map: EPERM, nothing changes.
    auto wrong = link_update_struct_ops(link->get(), second.map.get(), second.map.get());
    REQUIRE_FALSE(wrong.ok());
    CHECK(wrong.error().err_no() == EPERM);
    CHECK(wrong.error().message().rfind("BPF_LINK_UPDATE of link fd ", 0) == 0);

    auto swapped = link_update_struct_ops(link->get(), second.map.get(), first.map.get());
    REQUIRE_MESSAGE(swapped.ok(), swapped.error().message());
    li = link_info(link->get());
    REQUIRE(li.ok());
    CHECK(li->struct_ops_map_id == second_info->id);
    CHECK(tcp_cc_available(cc_name));

    auto detached = link_detach(link->get());
    REQUIRE_MESSAGE(detached.ok(), detached.error().message());
    CHECK_FALSE(tcp_cc_available(cc_name));
}

TEST_CASE("sys: tcp_congestion_ops the legacy way: map update registers, delete unregisters") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leak_check;
    auto vmlinux = btf::Btf::open_vmlinux();
    REQUIRE(vmlinux.ok());
    auto layout = layout_of(*vmlinux, "tcp_congestion_ops");
    if (!layout.ok()) RAWOPS_SKIP("kernel has no tcp_congestion_ops struct_ops");
    MemberSlot ssthresh = slot(*vmlinux, layout->type_id, "ssthresh");
    MemberSlot cong_avoid = slot(*vmlinux, layout->type_id, "cong_avoid");
    MemberSlot undo_cwnd = slot(*vmlinux, layout->type_id, "undo_cwnd");
    MemberSlot name = slot(*vmlinux, layout->type_id, "name");
    std::vector<std::byte> btf_data = rawops::testing::tiny_btf();
    auto btf = btf_load({btf_data, "tiny", {}});
    REQUIRE(btf.ok());

    const std::string cc_name = "rsysl_" + std::to_string(getpid() % 1000000);
    std::vector<Insn> two = return_imm(2);
    std::vector<std::byte> value(layout->value_size, std::byte{0});
    Fd progs[3];
    const MemberSlot* slots[3] = {&ssthresh, &cong_avoid, &undo_cwnd};
    for (int i = 0; i < 3; ++i) {
        auto p = load_struct_ops_prog(layout->type_id, slots[i]->index, two, "rawops_sys_l");
        REQUIRE_MESSAGE(p.ok(), p.error().message());
        progs[i] = std::move(*p);
        std::uint64_t fd = static_cast<std::uint64_t>(progs[i].get());
        std::memcpy(value.data() + layout->data_offset + slots[i]->offset, &fd, sizeof fd);
    }
    std::memcpy(value.data() + layout->data_offset + name.offset, cc_name.c_str(), cc_name.size() + 1);

    MapCreateRequest m;
    m.map_type = kMapTypeStructOps;
    m.key_size = 4;
    m.value_size = layout->value_size;
    m.max_entries = 1;
    m.name = "rawops_sys_leg";
    m.btf_fd = btf->get();
    m.btf_vmlinux_value_type_id = layout->value_type_id;
    auto map = map_create(m);
    REQUIRE_MESSAGE(map.ok(), map.error().message());
    std::uint32_t key = 0;
    auto st = map_update_elem(map->get(), bytes_of(key), value);
    REQUIRE_MESSAGE(st.ok(), st.error().message());
    CHECK(tcp_cc_available(cc_name));
    auto del = map_delete_elem(map->get(), bytes_of(key));
    REQUIRE_MESSAGE(del.ok(), del.error().message());
    CHECK_FALSE(tcp_cc_available(cc_name));
}
