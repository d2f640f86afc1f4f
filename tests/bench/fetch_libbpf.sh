#!/usr/bin/env bash
# Unpacks libbpf-dev 1.4.6 from bookworm-backports into DEST (libbpf.a and
# headers under DEST/usr), for the benchmark's reference program. Uses a
# private apt configuration (its own sources list and lists directory under
# DEST), so the machine's apt sources stay as they are.
#   tests/bench/fetch_libbpf.sh DEST
# (No folder made here may end in .d: the top Makefile includes every *.d
# under build/.)
set -euo pipefail
dest=${1:?usage: fetch_libbpf.sh DEST}
version=${LIBBPF_BENCH_VERSION:-1:1.4.6-1~bpo12+1}
mkdir -p "$dest/apt/lists/partial" "$dest/apt/sourceparts" "$dest/debs"
dest=$(cd "$dest" && pwd)  # apt reads relative paths against /etc/apt
cat >"$dest/apt/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
SRC
apt_opts=(-o "Dir::Etc::sourcelist=$dest/apt/sources.list" -o "Dir::Etc::sourceparts=$dest/apt/sourceparts"
          -o "Dir::State::Lists=$dest/apt/lists" -o "APT::Get::List-Cleanup=0")
apt-get "${apt_opts[@]}" update -qq
(cd "$dest/debs" && apt-get "${apt_opts[@]}" download -qq "libbpf-dev=$version")
dpkg-deb -x "$dest"/debs/libbpf-dev_*.deb "$dest/root"
test -f "$dest/root/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/libbpf.a"
echo "fetch_libbpf: libbpf-dev $version unpacked in $dest/root"
