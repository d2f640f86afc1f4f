#!/usr/bin/env bash
# Downloads Debian packages from bookworm-backports and unpacks them, without
# touching the system's apt configuration (a private sources list, lists and
# cache under the cache folder). Idempotent: a package already unpacked is
# not fetched again.
#
#   tests/fetch_debs.sh PKG[=VERSION]...   unpack each into $CACHE/root/<pkg>
#   tests/fetch_debs.sh --kernel           the Debian 6.12 cloud kernel set for
#                                          the qemu guest; prints its version
#   tests/fetch_debs.sh --kernel73         the Debian 7.3 cloud kernel (image,
#                                          config, modules) and linux-source-7.3 from
#                                          trixie-backports; prints its version
#
# CACHE is $RAWOPS_CACHE, default .cache/debs in the repository (kept across
# `make clean`, ignored by git).
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${RAWOPS_CACHE:-$PWD/.cache/debs}
# The 7.3 kernel comes from trixie-backports: its own private lists, so the
# two suites never mix (and the system's sources never see either).
suite=bookworm-backports apt=apt
[ "${1:-}" = "--kernel73" ] && suite=trixie-backports apt=apt-trixie
mkdir -p "$cache/$apt/lists/partial" "$cache/$apt/parts" "$cache/debs" "$cache/root"
cat >"$cache/$apt/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main
SRC
apt_opts=(-o "Dir::Etc::sourcelist=$cache/$apt/sources.list" -o "Dir::Etc::sourceparts=$cache/$apt/parts" -o APT::Sandbox::User=root
          -o "Dir::State::Lists=$cache/$apt/lists" -o "APT::Get::List-Cleanup=0")
# Refresh the lists at most once a day.
stamp="$cache/$apt/updated"
if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
  apt-get "${apt_opts[@]}" update -qq >&2
  touch "$stamp"
fi

fetch() {  # fetch PKG[=VERSION] -> unpacked under $cache/root/<pkg>
  local spec=$1 pkg=${1%%=*}
  local dest="$cache/root/$pkg"
  # The stamp records what was asked for: another version is fetched anew.
  if [ "$(cat "$dest/.unpacked" 2>/dev/null)" != "$spec" ]; then
    rm -rf "$dest" && mkdir -p "$dest"
    (cd "$cache/debs" && apt-get "${apt_opts[@]}" download -qq "$spec" >&2)
    local deb
    deb=$(ls -t "$cache/debs/${pkg}_"*.deb | head -n 1)
    dpkg-deb -x "$deb" "$dest"
    echo "$spec" > "$dest/.unpacked"
    echo "fetch_debs: unpacked $(basename "$deb")" >&2
  fi
  echo "$dest"
}

if [ "${1:-}" = "--kernel" ]; then
  # The newest 6.12 cloud image in backports, e.g. 6.12.95+deb12-cloud-amd64.
  image=$(apt-cache "${apt_opts[@]}" pkgnames linux-image-6.12 | grep -E '^linux-image-6\.12\.[0-9.]+\+deb12-cloud-amd64$' | sort -V | tail -n 1)
  [ -n "$image" ] || { echo "fetch_debs: no linux-image-6.12.*-cloud-amd64 in bookworm-backports" >&2; exit 1; }
  abi=${image#linux-image-}          # 6.12.95+deb12-cloud-amd64
  base=${abi%-cloud-amd64}           # 6.12.95+deb12
  for p in "$image" "linux-headers-$abi" "linux-headers-$base-common" "linux-kbuild-$base"; do fetch "$p" >/dev/null; done
  echo "$abi"
  exit 0
fi
if [ "${1:-}" = "--kernel73" ]; then
  # The newest 7.3 cloud kernel: linux-base (config, System.map) and
  # linux-binary (vmlinuz); linux-image-* itself is only a meta package.
  base=$(apt-cache "${apt_opts[@]}" pkgnames linux-base-7.3 | grep -E '^linux-base-7\.3\.[0-9.]+\+deb13-cloud-amd64$' | sort -V | tail -n 1)
  [ -n "$base" ] || { echo "fetch_debs: no linux-base-7.3.*-cloud-amd64 in trixie-backports" >&2; exit 1; }
  abi=${base#linux-base-}            # 7.3.4+deb13-cloud-amd64
  # The sources of exactly that build (tools/sched_ext matches the kernel).
  ver=$(apt-cache "${apt_opts[@]}" show "$base" | awk '/^Version:/{print $2; exit}')
  for p in "$base" "linux-binary-$abi" "linux-modules-$abi" "linux-source-7.3=$ver"; do fetch "$p" >/dev/null; done
  echo "$abi"
  exit 0
fi
for spec in "$@"; do fetch "$spec"; done
