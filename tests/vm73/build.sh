#!/usr/bin/env bash
# Everything the 7.3 guest needs, built on the host:
#  - the Debian 7.3 cloud kernel and linux-source-7.3 (tests/fetch_debs.sh
#    --kernel73, cached);
#  - the kernel's BTF, taken from the zstd-compressed vmlinux inside its
#    vmlinuz, and from it build/vm73/vmlinux.h by `rawops btf dump --format c`;
#  - tcp_dctcp.ko from the kernel's modules, uncompressed;
#  - the kernel's own sched_ext schedulers (tools/sched_ext of the same
#    source package), ours (bpfprog/scx/*.bpf.c) and our BPF qdiscs
#    (bpfprog/qdisc/*.bpf.c), compiled with clang-19
#    against that vmlinux.h, as tools/sched_ext/Makefile compiles them.
# Prints the kernel's ABI name. Exit 4 if the kernel cannot be fetched.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/vm73
cache=${RAWOPS_CACHE:-$PWD/.cache/debs}
abi=$(tests/fetch_debs.sh --kernel73) || exit 4
vmlinuz=$cache/root/linux-binary-$abi/usr/lib/modules/$abi/vmlinuz
mkdir -p "$OUT/btf" "$OUT/bpf" "$OUT/include"

# The kernel's BTF: vmlinuz carries vmlinux compressed with zstd (magic 28 b5 2f fd).
if [ ! -s "$OUT/btf/vmlinux" ] || [ "$vmlinuz" -nt "$OUT/btf/vmlinux" ]; then
  off=$(grep -abo $'\x28\xb5\x2f\xfd' "$vmlinuz" | head -n 1 | cut -d: -f1)
  tail -c +$((off + 1)) "$vmlinuz" | zstd -dcq > "$OUT/vmlinux.elf" 2>/dev/null || true
  objcopy -O binary --only-section=.BTF "$OUT/vmlinux.elf" "$OUT/btf/vmlinux"
  rm -f "$OUT/vmlinux.elf"
fi
"$BUILD/rawops" btf dump "$OUT/btf/vmlinux" --format c > "$OUT/include/vmlinux.h.tmp"
cmp -s "$OUT/include/vmlinux.h.tmp" "$OUT/include/vmlinux.h" 2>/dev/null && rm "$OUT/include/vmlinux.h.tmp" \
  || mv "$OUT/include/vmlinux.h.tmp" "$OUT/include/vmlinux.h"

# tools/sched_ext and libbpf's BPF-side headers of the same kernel tree.
src=$cache/root/linux-source-7.3-tools
if [ ! -f "$src/.unpacked-$abi" ]; then
  rm -rf "$src" && mkdir -p "$src"
  tar -xaf "$cache"/root/linux-source-7.3/usr/src/linux-source-7.3.tar.xz -C "$src" --strip-components=1 \
    linux-source-7.3/tools/sched_ext linux-source-7.3/tools/lib/bpf
  touch "$src/.unpacked-$abi"
fi
# bpf_helper_defs.h is generated in a kernel build; libbpf 1.4.6's is new enough.
libbpf=$(tests/fetch_debs.sh libbpf-dev=1:1.4.6-1~bpo12+1)
cp "$libbpf/usr/include/bpf/bpf_helper_defs.h" "$OUT/include/"

scx=$src/tools/sched_ext
cflags=(-g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -mlittle-endian -std=gnu11
        -I"$OUT/include" -I"$scx/include" -I"$scx/include/bpf-compat" -I"$src/tools/lib"
        -idirafter /usr/include/x86_64-linux-gnu -idirafter /usr/include
        -Wall -Wno-compare-distinct-pointer-types -Wno-microsoft-anon-tag -fms-extensions)
build() {  # build SRC OUT
  if [ ! -f "$2" ] || [ "$1" -nt "$2" ] || [ "$OUT/include/vmlinux.h" -nt "$2" ]; then
    clang-19 "${cflags[@]}" -c "$1" -o "$2" >&2
  fi
}
for s in simple central flatcg qmap; do build "$scx/scx_$s.bpf.c" "$OUT/bpf/scx_$s.bpf.o"; done
for f in bpfprog/scx/*.bpf.c bpfprog/qdisc/*.bpf.c; do
  [ -e "$f" ] && build "$f" "$OUT/bpf/$(basename "$f" .c).o"
done
# The guest's netlink helper (busybox has no `tc`), static like rawops.
if [ ! -x "$OUT/qdisc_attach" ] || [ tests/vm73/qdisc_attach.c -nt "$OUT/qdisc_attach" ]; then
  gcc -O2 -Wall -Werror -static -o "$OUT/qdisc_attach" tests/vm73/qdisc_attach.c >&2
fi
# tcp_dctcp is a module there; busybox insmod wants it uncompressed.
ko=$(find "$cache/root/linux-modules-$abi" -name 'tcp_dctcp.ko*' | head -n 1)
if [ -n "$ko" ] && [ ! -f "$OUT/tcp_dctcp.ko" -o "$ko" -nt "$OUT/tcp_dctcp.ko" ]; then
  case "$ko" in
    *.xz) xz -dc "$ko" > "$OUT/tcp_dctcp.ko" ;;
    *.zst) zstd -dcq "$ko" > "$OUT/tcp_dctcp.ko" ;;
    *) cp "$ko" "$OUT/tcp_dctcp.ko" ;;
  esac
fi
echo "$abi"
