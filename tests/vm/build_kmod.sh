#!/usr/bin/env bash
# Builds kmod/bpf_testmod.ko against the Debian 6.12 headers (fetched and
# cached by tests/fetch_debs.sh), out of tree in $BUILD/vm/kmod. Prints the
# kernel version string (ABI) it was built for.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
abi=$(tests/fetch_debs.sh --kernel)
cache=${RAWOPS_CACHE:-$PWD/.cache/debs}
base=${abi%-cloud-amd64}

# The headers, their -common part and kbuild point at each other with paths
# relative to one /usr tree: merge them (hard links) into one root.
kroot=$BUILD/vm/kroot
if [ ! -f "$kroot/.merged-$abi" ]; then
  rm -rf "$kroot" && mkdir -p "$kroot"
  for p in "linux-headers-$abi" "linux-headers-$base-common" "linux-kbuild-$base"; do
    cp -al "$cache/root/$p/." "$kroot/"
  done
  # The headers' Makefile includes the -common tree by absolute path.
  hdr="$kroot/usr/src/linux-headers-$abi"
  rm -f "$hdr/Makefile"
  echo "include $(cd "$kroot" && pwd)/usr/src/linux-headers-$base-common/Makefile" > "$hdr/Makefile"
  touch "$kroot/.merged-$abi"
fi
kdir=$(cd "$kroot/usr/src/linux-headers-$abi" && pwd)

out=$BUILD/vm/kmod
mkdir -p "$out"
cp kmod/bpf_testmod.c kmod/Kbuild "$out/"
out=$(cd "$out" && pwd)
make -s -C "$kdir" M="$out" -j2 modules >&2
test -f "$out/bpf_testmod.ko"
echo "$abi"
