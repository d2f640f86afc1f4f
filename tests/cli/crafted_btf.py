#!/usr/bin/env python3
"""Writes hand-made raw BTF files whose type graph loops or nests too deep,
for the CLI's robustness test (tests/cli/crafted_btf.sh) and as seeds of the
printer fuzzer (tests/fuzz/seeds/fuzz_printers/).

    crafted_btf.py DIR     writes DIR/<name>.btf for every case below

Each case is valid BTF as far as the parser's per-record checks go (every id
and string offset in range): only the walks over the graph can notice the
loop, and each must end in an error or a cut-off marker naming the type.
"""
import struct
import sys

KIND = dict(INT=1, PTR=2, ARRAY=3, STRUCT=4, UNION=5, ENUM=6, FWD=7, TYPEDEF=8, VOLATILE=9, CONST=10,
            RESTRICT=11, FUNC=12, FUNC_PROTO=13, VAR=14, DATASEC=15)


class Builder:
    """Types get ids in the order they are added, from `first_id`; strings
    start at `str_base` (a split BTF continues its base's)."""

    def __init__(self, first_id=1, str_base=0, split=False):
        self.next_id = first_id
        self.str_base = str_base
        self.types = b""
        self.strings = b"" if split else b"\0"

    def s(self, text):
        if not text:
            return 0
        off = self.str_base + len(self.strings)
        self.strings += text.encode() + b"\0"
        return off

    def rec(self, name, kind, vlen=0, size_type=0, kflag=0, extra=b""):
        # `name` may be an offset already (added before the member names).
        name_off = name if isinstance(name, int) else self.s(name)
        self.types += struct.pack("<III", name_off, (kflag << 31) | (KIND[kind] << 24) | vlen, size_type) + extra
        self.next_id += 1
        return self.next_id - 1

    def int_(self, name, size=4, signed=True):
        return self.rec(name, "INT", size_type=size, extra=struct.pack("<I", (1 << 24 if signed else 0) | size * 8))

    def ptr(self, to):
        return self.rec("", "PTR", size_type=to)

    def typedef(self, name, to):
        return self.rec(name, "TYPEDEF", size_type=to)

    def const(self, to):
        return self.rec("", "CONST", size_type=to)

    def array(self, elem, index, n):
        return self.rec("", "ARRAY", extra=struct.pack("<III", elem, index, n))

    def composite(self, name, size, members, union=False):
        name = self.s(name)  # the type's name first, then its members' (as the fuzzer's base has them)
        extra = b"".join(struct.pack("<III", self.s(n), t, off) for n, t, off in members)
        return self.rec(name, "UNION" if union else "STRUCT", vlen=len(members), size_type=size, extra=extra)

    def proto(self, ret, params):
        extra = b"".join(struct.pack("<II", self.s(n), t) for n, t in params)
        return self.rec("", "FUNC_PROTO", vlen=len(params), size_type=ret, extra=extra)

    def func(self, name, proto):
        return self.rec(name, "FUNC", vlen=1, size_type=proto)

    def var(self, name, type_):
        return self.rec(name, "VAR", size_type=type_, extra=struct.pack("<I", 1))

    def datasec(self, name, size, entries):
        extra = b"".join(struct.pack("<III", t, off, sz) for t, off, sz in entries)
        return self.rec(name, "DATASEC", vlen=len(entries), size_type=size, extra=extra)

    def build(self):
        hdr = struct.pack("<HBBIIIII", 0xEB9F, 1, 0, 24, 0, len(self.types), len(self.types), len(self.strings))
        return hdr + self.types + self.strings


def self_proto():
    """[2] FUNC_PROTO int (cb: [3]), [3] PTR -> [2]; a struct_ops-like type
    whose member is that pointer, so `types` renders the loop."""
    b = Builder()
    i = b.int_("int")                       # [1]
    b.proto(i, [("cb", 3)])                 # [2] -> [3]
    p = b.ptr(2)                            # [3] -> [2]
    ops = b.composite("loop_ops", 8, [("fn", p, 0)])
    b.composite("bpf_struct_ops_loop_ops", 16, [("common", i, 0), ("data", ops, 64)])
    b.func("loop_fn", 2)
    return b.build()


def ptr_cycle():
    """[2] PTR -> [3] CONST -> [2]: a pointer loop with no base type, and a
    struct member of that type."""
    b = Builder()
    i = b.int_("int")                       # [1]
    b.ptr(3)                                # [2] -> [3]
    b.const(2)                              # [3] -> [2]
    b.composite("holder", 8, [("p", 2, 0), ("x", i, 0)])
    b.typedef("loop_t", 5)                  # [5] -> [6]
    b.typedef("loop2_t", 5)                 # [6] -> [5]
    b.composite("uses_typedef", 8, [("t", 5, 0)])
    return b.build()


def deep_anon(levels=40):
    """A struct whose member 'leaf' sits under `levels` anonymous structs
    (deeper than the 32 every walk allows), and one that embeds itself
    through an anonymous member."""
    b = Builder()
    i = b.int_("int")                       # [1]
    inner = b.composite("", 4, [("leaf", i, 0)])
    for _ in range(levels):
        inner = b.composite("", 4, [("", inner, 0)])
    b.composite("deep", 4, [("", inner, 0)])
    # [n] struct self_anon { struct { <[n]> } }: the anonymous member is the
    # struct itself (an anonymous struct wrapping [n], [n+1]).
    n = b.next_id
    b.composite("self_anon", 4, [("", n + 1, 0)])
    b.composite("", 4, [("", n, 0), ("y", i, 0)])
    return b.build()


def array_cycle():
    """[2] ARRAY of [3], [3] ARRAY of [2]: arrays of arrays that loop, in a
    DATASEC variable so value decoding meets it."""
    b = Builder()
    i = b.int_("int")                       # [1]
    b.array(3, i, 2)                        # [2] -> [3]
    b.array(2, i, 2)                        # [3] -> [2]
    v = b.var("grid", 2)
    b.datasec(".data", 16, [(v, 0, 16)])
    return b.build()


def fanout_proto(width=6, levels=12):
    """Prototypes of `width` parameters, each a pointer to the previous
    level's prototype: finite, but spelled out in full it is width^levels
    types long. Printers must stop at a bound, not try."""
    b = Builder()
    i = b.int_("int")
    prev = b.proto(i, [("x", i)])
    for _ in range(levels):
        p = b.ptr(prev)
        prev = b.proto(i, [("a%d" % k, p) for k in range(width)])
    top = b.ptr(prev)
    ops = b.composite("fan_ops", 8, [("fn", top, 0)])
    b.composite("bpf_struct_ops_fan_ops", 16, [("common", i, 0), ("data", ops, 64)])
    b.typedef("fan_t", top)
    return b.build()


def self_embed(width=4):
    """A struct that embeds itself `width` times (C cannot say it; BTF can):
    alignment, size and value decoding must not recurse width^32 times."""
    b = Builder()
    b.int_("int")
    n = b.next_id
    b.composite("self_embed", 4, [("m%d" % k, n, 0) for k in range(width)])
    return b.build()


def module_on_base():
    """Split BTF on tests/fuzz/fuzz_printers.cpp's fixed base (ids 1-4, 11
    bytes of strings): a module defining a struct_ops type whose function
    pointer's prototype returns a pointer to itself."""
    b = Builder(first_id=5, str_base=11, split=True)
    b.proto(1, [("s", 3), ("next", 6)])     # [5] int (struct s *, [6])
    p = b.ptr(5)                            # [6] -> [5]
    ops = b.composite("mod_ops", 16, [("op", p, 0), ("flags", 1, 64)])
    b.composite("bpf_struct_ops_mod_ops", 24, [("common", 1, 0), ("data", ops, 64)])
    return b.build()


def kernel_loops():
    """A vmlinux for `rawops plan build/bpfprog/tcp_cc.bpf.o --btf-dir`: it
    has tcp_congestion_ops, but each function-pointer member points to a
    prototype whose parameter points back to it, and struct tcp_sock (which
    the object's CO-RE relocations read) has every member under 70
    anonymous structs: the binding, the type listing and CO-RE's member
    search all meet a loop or a nesting past their bound."""
    b = Builder()
    i = b.int_("int")                                   # [1]
    ch = b.int_("char", 1, False)                       # [2]
    n = b.next_id
    b.proto(i, [("sk", n + 1)])                         # [n] int (sk: [n+1])
    fp = b.ptr(n)                                       # [n+1] -> [n]
    name = b.array(ch, i, 16)
    ops = [("ssthresh", fp, 0), ("cong_avoid", fp, 64), ("set_state", fp, 128), ("cwnd_event", fp, 192),
           ("undo_cwnd", fp, 512), ("name", name, 704), ("init", fp, 1088), ("release", fp, 1152)]
    tco = b.composite("tcp_congestion_ops", 192, ops)
    b.composite("bpf_struct_ops_tcp_congestion_ops", 200, [("common", i, 0), ("data", tco, 64)])
    fields = [("snd_cwnd", i, 0), ("snd_ssthresh", i, 32), ("snd_cwnd_cnt", i, 64), ("is_cwnd_limited", i, 96),
              ("max_packets_out", i, 128), ("snd_cwnd_clamp", i, 160)]
    inner = b.composite("", 64, fields)
    for _ in range(70):
        inner = b.composite("", 64, [("", inner, 0)])
    b.composite("tcp_sock", 64, [("", inner, 0)])
    b.composite("sock", 64, [("", inner, 0)])
    return b.build()


def base():
    """The fixed base of tests/fuzz/fuzz_printers.cpp, byte for byte: [1] int,
    [2] struct s { int a; }, [3] PTR -> [2], [4] FUNC_PROTO int (p: [3]);
    module_on_base.btf is split BTF on top of it (as a vmlinux)."""
    b = Builder()
    i = b.int_("int")
    s = b.composite("s", 4, [("a", i, 0)])
    p = b.ptr(s)
    b.proto(i, [("p", p)])
    return b.build()


CASES = dict(self_proto=self_proto, ptr_cycle=ptr_cycle, deep_anon=deep_anon, array_cycle=array_cycle,
             fanout_proto=fanout_proto, self_embed=self_embed, module_on_base=module_on_base,
             kernel_loops=kernel_loops)

if __name__ == "__main__":
    out = sys.argv[1]
    for name, make in CASES.items():
        with open("%s/%s.btf" % (out, name), "wb") as f:
            f.write(make())
    if len(sys.argv) > 2 and sys.argv[2] == "--base":  # not a seed: the fuzzer has it built in
        with open("%s/base.btf" % out, "wb") as f:
            f.write(base())
