#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, only when one is
# missing, so `make` works on a fresh bookworm machine with no prior step.
# Idempotent: a second run with everything present makes no apt call at all.
#
#   tests/deps.sh            build + unit/host test packages
#   tests/deps.sh test       additionally: oracles only tests use (bpftool)
#   tests/deps.sh vm         additionally: qemu, busybox, pahole (guest tests)
#   tests/deps.sh bench      additionally: python3, strace (bpf() call counts)
#   tests/deps.sh --missing GROUP...   only print the missing packages, one a
#                            line, and install nothing (`make demo` sums them
#                            up in one line and logs apt's output)
set -euo pipefail
list_only=0
if [ "${1:-}" = "--missing" ]; then list_only=1; shift; fi

build_pkgs=(
  g++ make file              # C++20 compiler, static libc, `file` for the static check
  clang llvm                 # BPF objects (-target bpf) and llvm-objdump/strip
  clang-19                   # BPF objects with __arena globals (bpfprog/clang19/)
  libelf-dev zlib1g-dev      # libelf: oracle for our ELF reader in tests only
  doctest-dev                # unit test framework
  libcli11-dev               # command-line parsing for the CLI (header-only)
  nlohmann-json3-dev         # --json output of the CLI (header-only)
  libbpf-dev                 # bpf_helpers.h / bpf_tracing.h for BPF-side sources
  iproute2 strace            # host tests: netns + tc for loss, strace for diff
)
# Not needed to build (vmlinux.h comes from `rawops btf dump vmlinux --format c`):
# the BTF tests compare our raw and C dumps with bpftool's; the CLI tests
# validate every --json output against its schema in docs/schema/.
test_pkgs=(bpftool python3 python3-jsonschema  # + the --json schema checks
           tmux)                             # tests/demo_output.sh: a real terminal
vm_pkgs=(qemu-system-x86 busybox-static cpio dwarves kmod)
bench_pkgs=(python3 strace)
demo_pkgs=(python3 iproute2)  # the demo's TCP client and `ss`

want=("${build_pkgs[@]}")
for extra in "$@"; do
  case "$extra" in
    test) want+=("${test_pkgs[@]}") ;;
    vm) want+=("${vm_pkgs[@]}") ;;
    bench) want+=("${bench_pkgs[@]}") ;;
    demo) want+=("${demo_pkgs[@]}") ;;
    *) echo "deps.sh: unknown group '$extra' (known: test, vm, bench, demo)" >&2; exit 3 ;;
  esac
done

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "$list_only" -eq 1 ]; then
  [ ${#missing[@]} -eq 0 ] || printf '%s\n' "${missing[@]}"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]} (run as root or install them)" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
