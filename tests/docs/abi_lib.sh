# Shared by tests/docs/abi_output.sh and the guest suites (sourced): how a
# generated block of docs/abi.md is found, replaced and compared.
DOC=${DOC:-docs/abi.md}

# What differs from one run or machine to the next, made equal before a
# comparison (never in the document).
normalise() {
  sed -E -e 's/\([0-9.]+ us\)/(T us)/g' \
         -e 's/0x[0-9a-f]{6,}/0xADDR/g' \
         -e 's/(id|fd|ids?) [0-9]+/\1 N/g' -e 's/(_fd|_id|fd)=[0-9]+/\1=N/g' -e 's/-> [0-9]+ \(/-> N (/' \
         -e 's/\[[0-9]+\]/[N]/g' -e 's/type_id=[0-9]+/type_id=N/g' -e 's/kern_version=[0-9]+/kern_version=N/g' \
         -e 's/tag [0-9a-f]{16}/tag TAG/g' -e 's/(jited|xlated) [0-9]+ bytes/\1 N bytes/g' -e 's/[0-9]+ insns\)/N insns)/g' \
         -e 's/verified [0-9]+ insns/verified N insns/g' -e 's/BTF object [0-9]+, type id [0-9]+/BTF object N, type id N/g' \
         -e 's/\(pid [0-9]+\)/(pid N)/g' \
         -e "s/object's BTF \([0-9]+ bytes\)/object's BTF (N bytes)/" -e 's/btf_size=[0-9]+/btf_size=N/g' -e 's/btf=[0-9]+ bytes/btf=N bytes/g'
}

# The block NAME as the document holds it (fence lines left out).
embedded() {
  awk -v n="$1" '$0 == "<!-- generated: " n " (tests/docs/abi_output.sh) -->" {on=1; next}
                 $0 == "<!-- end: " n " -->" {on=0} on && !/^```/' "$DOC"
}

# Writes `text` into the block NAME of the document, fenced.
replace_block() {
  local name=$1 text=$2
  printf '%s\n' "$text" > "$DOC.block"
  awk -v n="$name" -v f="$DOC.block" '
    $0 == "<!-- generated: " n " (tests/docs/abi_output.sh) -->" {print; print "```"; while ((getline l < f) > 0) print l; print "```"; skip=1; next}
    $0 == "<!-- end: " n " -->" {skip=0}
    !skip' "$DOC" > "$DOC.tmp" && mv "$DOC.tmp" "$DOC"
  rm -f "$DOC.block"
}

# For a guest suite: the DOC:<name>: lines of the guest's log become
# build/docs/<name>.txt (what `make docs` embeds), and each must match the
# block <name> of the document (pass/fail from tests/lib.sh).
check_guest_blocks() {
  local log=$1 names name have fresh
  mkdir -p "${BUILD:-build}/docs"
  names=$(tr -d '\r' < "$log" | sed -n 's/^DOC:\(guest-[a-z0-9-]*\): .*/\1/p' | sort -u)
  [ -n "$names" ] || { fail "the guest printed the docs/abi.md blocks" "no DOC: lines in $log"; return; }
  for name in $names; do
    fresh=$(tr -d '\r' < "$log" | sed -n "s/^DOC:$name: \{0,1\}//p")
    printf '%s\n' "$fresh" > "${BUILD:-build}/docs/$name.txt"
    have=$(embedded "$name")
    if [ -z "$have" ]; then fail "docs/abi.md block '$name' is current" "no generated block '$name' in $DOC"; continue; fi
    if diff <(normalise <<<"$have") <(normalise <<<"$fresh") >"${BUILD:-build}/docs/$name.diff"; then
      pass "docs/abi.md block '$name' is what the guest printed"
    else
      fail "docs/abi.md block '$name' is what the guest printed" \
        "refresh with tests/docs/abi_output.sh --guest-only: $(head -n 6 "${BUILD:-build}/docs/$name.diff" | tr '\n' ' ')"
    fi
  done
}
