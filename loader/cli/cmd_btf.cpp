// `rawops btf dump FILE|vmlinux|MODULE [--format raw|c] [--type NAME]`
//
//   vmlinux  /sys/kernel/btf/vmlinux
//   FILE     a raw BTF file (magic 0xeB9F) or an ELF object with a .BTF
//            section; with --base BASE it is split BTF on top of BASE
//   MODULE   /sys/kernel/btf/MODULE, split BTF on top of vmlinux
#include <sys/stat.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/format_c.h"
#include "btf/format_raw.h"
#include "btf/mapped_file.h"
#include "loader/elf/elf_file.h"
#include "loader/cli/command.h"

namespace rawops::cli {

namespace {

struct BtfDumpOptions {
    std::string source;
    std::string format = "raw";
    std::string type_name;
    std::string base_path;
};

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

// Holds every BTF a dump needs (base and split) and the ELF file a .BTF
// section is borrowed from, so views stay valid.
struct LoadedBtf {
    std::unique_ptr<btf::Btf> base;
    std::unique_ptr<elf::ElfFile> elf;
    std::unique_ptr<btf::Btf> btf;
};

bool is_elf(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) return false;
    unsigned char magic[4] = {0, 0, 0, 0};
    std::size_t n = std::fread(magic, 1, 4, f);
    std::fclose(f);
    return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

// A raw BTF file, or the .BTF section of an ELF object.
Status open_file(const std::string& path, LoadedBtf& l) {
    if (is_elf(path)) {
        auto elf = elf::ElfFile::open(path);
        if (!elf) return std::move(elf).error();
        l.elf = std::make_unique<elf::ElfFile>(std::move(*elf));
        const elf::Section* sec = l.elf->find_section(".BTF");
        if (!sec) return Error("'" + path + "' has no .BTF section");
        auto btf = btf::Btf::parse(sec->data, l.base.get(), path + ":.BTF");
        if (!btf) return std::move(btf).error();
        l.btf = std::make_unique<btf::Btf>(std::move(*btf));
        return {};
    }
    auto btf = btf::Btf::open(path, l.base.get());
    if (!btf) return std::move(btf).error();
    l.btf = std::make_unique<btf::Btf>(std::move(*btf));
    return {};
}

Result<LoadedBtf> load(const BtfDumpOptions& o) {
    LoadedBtf l;
    if (!o.base_path.empty()) {
        auto base = o.base_path == "vmlinux" ? btf::Btf::open_vmlinux() : btf::Btf::open(o.base_path);
        if (!base) return std::move(base).error().context("base BTF");
        l.base = std::make_unique<btf::Btf>(std::move(*base));
    }
    if (o.source == "vmlinux" && !l.base) {
        auto v = btf::Btf::open_vmlinux();
        if (!v) return std::move(v).error();
        l.btf = std::make_unique<btf::Btf>(std::move(*v));
        return l;
    }
    if (is_file(o.source) || o.source.find('/') != std::string::npos) {
        auto st = open_file(o.source, l);
        if (!st) return std::move(st).error();
        return l;
    }
    // A module name: split BTF on vmlinux.
    if (!is_file("/sys/kernel/btf/" + o.source))
        return Error("'" + o.source + "' is neither a file, 'vmlinux', nor a module in /sys/kernel/btf/");
    if (!l.base) {
        auto v = btf::Btf::open_vmlinux();
        if (!v) return std::move(v).error();
        l.base = std::make_unique<btf::Btf>(std::move(*v));
    }
    auto m = btf::Btf::open_module(o.source, *l.base);
    if (!m) return std::move(m).error();
    l.btf = std::make_unique<btf::Btf>(std::move(*m));
    return l;
}

// A header like bpftool's vmlinux.h: every type, or with --type the named
// type(s) of this BTF and everything they need.
int dump_c(const btf::Btf& btf, const BtfDumpOptions& o) {
    btf::CFormatOptions c;
    if (!o.type_name.empty()) {
        for (auto id : btf.find_all(o.type_name))
            if (id >= btf.first_own_id()) c.roots.push_back(id);
        if (c.roots.empty()) return report(Error("BTF '" + btf.name() + "': no type named '" + o.type_name + "'"));
    }
    auto text = btf::format_c(btf, c);
    if (!text) return report(text.error());
    std::fwrite(text->data(), 1, text->size(), stdout);
    return kExitOk;
}

int run_dump(const BtfDumpOptions& o) {
    if (o.format != "raw" && o.format != "c") {
        std::fprintf(stderr, "rawops: unknown --format '%s' (raw or c)\n", o.format.c_str());
        return kExitUsage;
    }
    auto loaded = load(o);
    if (!loaded) return report(loaded.error());
    const btf::Btf& btf = *loaded->btf;
    if (o.format == "c") return dump_c(btf, o);
    if (!o.type_name.empty()) {
        // Every type of that name, base types included for split BTF (their
        // ids tell them apart), so a module dump can show what it refers to.
        auto ids = btf.find_all(o.type_name);
        if (ids.empty()) return report(Error("BTF '" + btf.name() + "': no type named '" + o.type_name + "'"));
        for (auto id : ids) std::fputs(btf::format_raw_type(btf, id).c_str(), stdout);
        return kExitOk;
    }
    btf::print_raw(btf, stdout);
    return kExitOk;
}

void setup_btf(CLI::App& root, int& exit_code) {
    auto* btf = root.add_subcommand("btf", "Inspect BTF: a file, vmlinux or a module");
    btf->require_subcommand(1);
    auto opts = std::make_shared<BtfDumpOptions>();
    auto* dump = btf->add_subcommand("dump", "Print the types of a BTF (bpftool's raw format, or C)");
    dump->add_option("source", opts->source, "FILE (raw BTF or ELF .o), 'vmlinux', or a module name")->required();
    dump->add_option("--format", opts->format, "raw (bpftool's format) or c (a vmlinux.h)")->capture_default_str();
    dump->add_option("--type", opts->type_name, "print only the type(s) with this name");
    dump->add_option("--base", opts->base_path, "base BTF for a split BTF FILE ('vmlinux' or a file)");
    dump->callback([opts, &exit_code] { exit_code = run_dump(*opts); });
}

}  // namespace

RAWOPS_CLI_COMMAND(50, setup_btf, "btf");

}  // namespace rawops::cli
