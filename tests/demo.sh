#!/usr/bin/env bash
# `make demo`: builds everything (done by make before this runs) and shows the
# scenario. Until the loader and the kernel-module guest land, it can only show
# what is built; it says so instead of pretending.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "rawops demo"
echo "  built: $(file -b build/rawops | cut -d, -f1-2,5) -> build/rawops"
echo "  BPF objects: $(ls build/bpfprog/*.bpf.o 2>/dev/null | wc -l) in build/bpfprog/"
echo "  The struct_ops load scenario is not implemented yet (loader-core issue)."
