// BTF-defined maps (array, hash, percpu array, ring buffer), two struct_ops
// variables in one object sharing programs, and two programs in one bare
// SEC("struct_ops"): user space writes a map, TCP connections run each
// congestion control's init, user space reads the results back, ring buffer
// included.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

#include "loader/edits.h"
#include "loader/elf/elf_file.h"
#include "loader/sys/obj.h"
#include "loader/sys/prog.h"
#include "tests/common/skip.h"
#include "tests/host/load_support.h"
#include "tests/host/sys_support.h"
#include "tests/host/tcp_traffic.h"

using namespace rawops;
using namespace rawops::testing;

namespace {

int possible_cpus() {
    // "0-1" or "0" in /sys/devices/system/cpu/possible: the kernel sizes
    // per-CPU values by possible, not online, CPUs.
    FILE* f = std::fopen("/sys/devices/system/cpu/possible", "r");
    int lo = 0, hi = 0;
    if (f) {
        if (std::fscanf(f, "%d-%d", &lo, &hi) < 2) hi = lo;
        std::fclose(f);
    }
    return hi + 1;
}

// The 4-byte keys the programs pushed into a BPF ring buffer, read the way
// a consumer does: consumer page (rw), producer page + data (ro).
std::vector<std::uint32_t> drain_ringbuf(int fd, std::uint32_t size) {
    const long page = sysconf(_SC_PAGESIZE);
    std::vector<std::uint32_t> out;
    void* cons = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void* prod = mmap(nullptr, page + 2 * size, PROT_READ, MAP_SHARED, fd, page);
    if (cons == MAP_FAILED || prod == MAP_FAILED) return out;
    auto* consumer_pos = static_cast<std::atomic<std::uint64_t>*>(cons);
    auto* producer_pos = static_cast<std::atomic<std::uint64_t>*>(prod);
    const auto* data = static_cast<const std::uint8_t*>(prod) + page;
    std::uint64_t c = consumer_pos->load(), p = producer_pos->load();
    while (c < p) {
        std::uint32_t len;
        std::memcpy(&len, data + (c & (size - 1)), 4);
        const std::uint32_t payload = len & ~(3u << 30);  // busy and discard bits
        if (payload >= 4) {
            std::uint32_t key;
            std::memcpy(&key, data + ((c + 8) & (size - 1)), 4);
            out.push_back(key);
        }
        c += (8 + payload + 7) & ~7ull;
    }
    consumer_pos->store(c);
    munmap(cons, page);
    munmap(prod, page + 2 * size);
    return out;
}

}  // namespace

TEST_CASE("tcp_cc_maps.bpf.o: two congestion controls in one object share programs and four kinds of maps") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    if (tcp_cc_available("rawops_m1") || tcp_cc_available("rawops_m2")) RAWOPS_SKIP("rawops_m1/m2 already registered");
    {
        auto l = load_object("tcp_cc_maps.bpf.o");
        REQUIRE_MESSAGE(l.ok(), l.error().message());
        REQUIRE(l->object.struct_ops().size() == 2);
        CHECK(l->object.find_program("m1_init")->section == "struct_ops");
        CHECK(l->object.find_program("m2_init")->section == "struct_ops");
        CHECK(l->loaded.registrations().size() == 2);
        CHECK(tcp_cc_available("rawops_m1"));
        CHECK(tcp_cc_available("rawops_m2"));

        const std::uint32_t zero = 0;
        const std::uint64_t setting = 100;
        auto w = sys::map_update_elem(l->loaded.map_fd("settings"), sys::bytes_of(zero), sys::bytes_of(setting));
        REQUIRE_MESSAGE(w.ok(), w.error().message());

        for (const char* cc : {"rawops_m1", "rawops_m2"}) {
            auto t = loopback_transfer(cc, 256u << 10);
            REQUIRE_MESSAGE(t.ok(), t.error().message());
            CHECK(t->congestion == cc);
        }

        for (std::uint32_t id : {1u, 2u}) {
            CAPTURE(id);
            std::uint64_t seen = 0, echo = 0;
            REQUIRE(sys::map_lookup_elem(l->loaded.map_fd("seen"), sys::bytes_of(id), sys::writable_bytes_of(seen)).ok());
            CHECK(seen == 1);  // the sending socket's init; the receiver keeps the default
            REQUIRE(sys::map_lookup_elem(l->loaded.map_fd("settings"), sys::bytes_of(id), sys::writable_bytes_of(echo)).ok());
            CHECK(echo == 100 + id);  // init read what user space wrote
        }

        std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(possible_cpus()), 0);
        auto pc = sys::map_lookup_elem(l->loaded.map_fd("per_cpu"), sys::bytes_of(zero),
                                       std::as_writable_bytes(std::span(per_cpu)));
        REQUIRE_MESSAGE(pc.ok(), pc.error().message());
        std::uint64_t total = 0;
        for (auto v : per_cpu) total += v;
        CHECK(total == 2);

        auto info = sys::map_info(l->loaded.map_fd("events"));
        REQUIRE(info.ok());
        CHECK(info->max_entries == 4096);
        CHECK(drain_ringbuf(l->loaded.map_fd("events"), info->max_entries) == std::vector<std::uint32_t>{1, 2});
    }
    CHECK_FALSE(tcp_cc_available("rawops_m1"));
    CHECK_FALSE(tcp_cc_available("rawops_m2"));
}

TEST_CASE("two .data.* sections with the same 15-character kernel label stay two maps, read and pinned apart") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    auto l = load_object("data_sections.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    const int first = l->loaded.data_fd(".data.counters_first"), second = l->loaded.data_fd(".data.counters_second");
    REQUIRE(first >= 0);
    REQUIRE(second >= 0);
    CHECK(first != second);
    CHECK(l->loaded.map_fd(".data.counters_") == -1);  // the shared label is not a key
    struct {
        std::uint64_t add, first, second;
    } args{5, 0, 0};
    auto r = l->loaded.run("read_sections", std::as_writable_bytes(std::span(&args, 1)));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(args.first == 1111);
    CHECK(args.second == 2227);
    std::uint64_t v = 0;
    const std::uint32_t key = 0;
    REQUIRE(sys::map_lookup_elem(first, sys::bytes_of(key), sys::writable_bytes_of(v)).ok());
    CHECK(v == 1111);
    REQUIRE(sys::map_lookup_elem(second, sys::bytes_of(key), sys::writable_bytes_of(v)).ok());
    CHECK(v == 2227);

    // Pinned apart too (this used to fail with EEXIST).
    BpffsMount fs;
    REQUIRE_MESSAGE(fs.ok(), fs.error());
    auto p = l->loaded.pin(fs.dir());
    CHECK_MESSAGE(p.ok(), (p.ok() ? "" : p.error().message()));
    const std::string a = fs.dir() + "/data_sections_data_counters_first";
    const std::string b = fs.dir() + "/data_sections_data_counters_second";
    CHECK(::access(a.c_str(), F_OK) == 0);
    CHECK(::access(b.c_str(), F_OK) == 0);
    ::unlink(a.c_str());
    ::unlink(b.c_str());
}

TEST_CASE("maps_libbpf.bpf.o: queue/stack without BTF, ring buffer rounded, LIBBPF_PIN_BY_NAME reused, globals through mmap") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    BpffsMount fs;
    REQUIRE_MESSAGE(fs.ok(), fs.error());
    plan::BuildOptions b;
    b.pin_root = fs.dir();
    const std::string pin = fs.dir() + "/shared_counts";
    {
        auto l = load_object("maps_libbpf.bpf.o", {}, b);
        REQUIRE_MESSAGE(l.ok(), l.error().message());
        CHECK(::access(pin.c_str(), F_OK) == 0);  // pinned at once, under the pin root
        CHECK(l->loaded.reused_pins().empty());
        auto rb = sys::map_info(l->loaded.map_fd("events"));
        REQUIRE(rb.ok());
        CHECK(rb->max_entries == 8192);  // 5000 rounded up to 2 pages
        auto q = sys::map_info(l->loaded.map_fd("jobs"));
        REQUIRE(q.ok());
        CHECK(q->btf_id == 0);  // created without BTF

        // .bss through its mapping: write input, run, read output.
        auto bss = l->loaded.map_global_data(".bss");
        REQUIRE_MESSAGE(bss.ok(), bss.error().message());
        // Each variable where the object's BTF and symbols put it.
        auto var = [&](const std::string& name) -> volatile std::uint64_t& {
            for (const GlobalVar& v : global_vars(l->object))
                if (v.name == name) return *reinterpret_cast<volatile std::uint64_t*>(bss->bytes().data() + v.offset);
            FAIL("no variable " << name);
            throw 0;
        };
        var("input") = 100;
        std::uint64_t ctx = 0;
        auto r = l->loaded.run("maps_run", std::as_writable_bytes(std::span(&ctx, 1)));
        REQUIRE_MESSAGE(r.ok(), r.error().message());
        CHECK(var("output") == 100 + 0x5eed);
        CHECK(var("popped_queue") == 1);
        CHECK(var("popped_stack") == 2);
        CHECK(var("runs") == 1);
        auto ro = l->loaded.map_global_data(".rodata");  // frozen: read-only mapping
        REQUIRE_MESSAGE(ro.ok(), ro.error().message());
        CHECK_FALSE(ro->writable());
        std::uint64_t magic = 0;
        std::memcpy(&magic, ro->bytes().data(), sizeof magic);
        CHECK(magic == 0x5eed);
    }
    // The pin outlives the load, and the next load shares the map.
    REQUIRE(::access(pin.c_str(), F_OK) == 0);
    auto l2 = load_object("maps_libbpf.bpf.o", {}, b);
    REQUIRE_MESSAGE(l2.ok(), l2.error().message());
    CHECK(l2->loaded.reused_pins() == std::vector<std::string>{pin});
    std::uint64_t ctx = 0;
    REQUIRE(l2->loaded.run("maps_run", std::as_writable_bytes(std::span(&ctx, 1))).ok());
    std::uint64_t count = 0;
    const std::uint32_t key = 0;
    REQUIRE(sys::map_lookup_elem(l2->loaded.map_fd("shared_counts"), sys::bytes_of(key), sys::writable_bytes_of(count)).ok());
    CHECK(count == 2);  // one run from each load

    // An incompatible pin is refused, naming the map and what differs.
    ::unlink(pin.c_str());
    sys::MapCreateRequest other;
    other.map_type = sys::kMapTypeArray;
    other.key_size = 4;
    other.value_size = 4;
    other.max_entries = 1;
    other.name = "not_it";
    auto fd = sys::map_create(other);
    REQUIRE(fd.ok());
    REQUIRE(sys::obj_pin(fd->get(), pin).ok());
    auto l3 = load_object("maps_libbpf.bpf.o", {}, b);
    REQUIRE_FALSE(l3.ok());
    CHECK(l3.error().message().find("the pinned map is not compatible with map 'shared_counts'") != std::string::npos);
    ::unlink(pin.c_str());
}

TEST_CASE("map_in_map.bpf.o: an ARRAY_OF_MAPS from an inner template, with the initial slots the object names") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    auto l = load_object("map_in_map.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    // The outer map holds inner_a in slot 0 and inner_b in slot 2 (user space reads map ids).
    auto id_of = [&](const std::string& name) {
        auto info = sys::map_info(l->loaded.map_fd(name));
        REQUIRE(info.ok());
        return info->id;
    };
    const int outer = l->loaded.map_fd("outer");
    std::uint32_t id = 0;
    for (std::uint32_t slot : {0u, 2u}) {
        REQUIRE(sys::map_lookup_elem(outer, sys::bytes_of(slot), sys::writable_bytes_of(id)).ok());
        CHECK(id == id_of(slot == 0 ? "inner_a" : "inner_b"));
    }
    const std::uint32_t one = 1;
    CHECK_FALSE(sys::map_lookup_elem(outer, sys::bytes_of(one), sys::writable_bytes_of(id)).ok());

    std::uint64_t ctx = 0;
    auto r = l->loaded.run("through_outer", std::as_writable_bytes(std::span(&ctx, 1)));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    std::uint64_t a = 0, b = 0;
    const std::uint32_t zero = 0;
    REQUIRE(sys::map_lookup_elem(l->loaded.map_fd("inner_a"), sys::bytes_of(zero), sys::writable_bytes_of(a)).ok());
    REQUIRE(sys::map_lookup_elem(l->loaded.map_fd("inner_b"), sys::bytes_of(zero), sys::writable_bytes_of(b)).ok());
    CHECK(a == 1);
    CHECK(b == 10);
    auto empty = read_global<std::uint64_t>(l->loaded, data_map(*l, ".bss"));
    REQUIRE(empty.ok());
    CHECK(*empty == 1);
}

TEST_CASE("arena_globals.bpf.o (clang-19): __arena globals start in the ARENA map, shared with user space by mmap") {
    RAWOPS_REQUIRE_ROOT();
    FdLeakCheck leaks;
    auto l = load_object("arena_globals.bpf.o");
    if (!l.ok() && l.error().err_no() == EPERM && l.error().message().find("BPF_MAP_CREATE of 'arena'") != std::string::npos)
        RAWOPS_SKIP("this host kernel refuses ARENA maps with EPERM (as it refuses fentry); the 6.12 guest runs arena_unlink.bpf.o");
    REQUIRE_MESSAGE(l.ok(), l.error().message());
    const sys::MappedMap* arena = l->loaded.arena();
    REQUIRE(arena != nullptr);
    CHECK(arena->bytes().size() == 4 * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
    // libbpf 1.4's layout: the .addr_space.1 bytes at the arena's start,
    // each variable at its symbol's offset.
    auto at = [&](const char* name) -> volatile std::uint64_t& {
        const elf::Section* sec = l->object.elf().find_section(".addr_space.1");
        REQUIRE(sec != nullptr);
        const elf::Symbol* sym = l->object.elf().find_symbol(sec->index, name);
        REQUIRE(sym != nullptr);
        return *reinterpret_cast<volatile std::uint64_t*>(arena->bytes().data() + sym->value);
    };
    CHECK(at("arena_counter") == 40);
    CHECK((&at("arena_slots"))[3] == 4);
    at("arena_counter") = 100;  // user space writes; the program sees it
    std::uint64_t ctx = 0;
    auto r = l->loaded.run("arena_bump", std::as_writable_bytes(std::span(&ctx, 1)));
    REQUIRE_MESSAGE(r.ok(), r.error().message());
    CHECK(at("arena_counter") == 102);
    for (int i = 0; i < 4; ++i) CHECK((&at("arena_slots"))[i] == 10u * (i + 1));
}
