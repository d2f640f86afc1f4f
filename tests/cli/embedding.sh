# docs/embedding.md's program (sourced by tests/cli/run.sh, which provides
# pass/fail/skip, `available` and `reap`). Its code block and its g++ line are
# taken from the markdown, so the doc cannot drift from what works: built
# static against build/librawops.a, run on the host kernel, it must register
# rawops_reno while it runs and leave nothing once SIGTERM ended it.
emb_repo=$PWD
emb_dir=$(mktemp -d)
awk '/^```cpp$/{on=1;next} /^```$/{if(on)exit} on' docs/embedding.md > "$emb_dir/embed.cpp"
emb_cc=$(grep -m1 '^g++ ' docs/embedding.md)
emb_lines=$(wc -l < "$emb_dir/embed.cpp")
if [ "$emb_lines" -gt 0 ] && [ "$emb_lines" -lt 30 ]; then pass "docs/embedding.md: the program is under 30 lines ($emb_lines)"
else fail "docs/embedding.md: the program is under 30 lines" "$emb_lines lines"; fi

if [ ! -f build/librawops.a ] || [ -z "$emb_cc" ]; then
  skip "docs/embedding.md: build and run the program" "no build/librawops.a or no g++ line in the doc"
elif ! emb_out=$(cd "$emb_dir" && RAWOPS_DIR=$emb_repo && eval "$emb_cc" 2>&1); then
  fail "docs/embedding.md: the program builds with the doc's g++ line" "$(tail -n 5 <<<"$emb_out")"
else
  file "$emb_dir/embed" | grep -q "statically linked" && pass "docs/embedding.md: the program builds static with the doc's g++ line" \
    || fail "docs/embedding.md: the program builds static with the doc's g++ line" "$(file "$emb_dir/embed")"
  if [ "$(id -u)" -ne 0 ]; then skip "docs/embedding.md: run the program" "needs root"
  elif available rawops_reno; then skip "docs/embedding.md: run the program" "rawops_reno already registered by someone else"
  else
    "$emb_dir/embed" build/bpfprog/tcp_cc.bpf.o > "$emb_dir/out" 2>&1 &
    emb_pid=$!
    for _ in $(seq 100); do grep -q "^registered" "$emb_dir/out" && break; kill -0 $emb_pid 2>/dev/null || break; sleep 0.1; done
    if available rawops_reno && grep -qx "registered rawops_reno (link)" "$emb_dir/out"; then
      pass "docs/embedding.md: the program registers rawops_reno (tcp_available_congestion_control) and says so"
    else fail "docs/embedding.md: the program registers rawops_reno (tcp_available_congestion_control) and says so" "$(cat "$emb_dir/out")"; fi
    kill -TERM $emb_pid 2>/dev/null; reap $emb_pid; emb_rc=$?
    if [ $emb_rc -eq 0 ] && ! available rawops_reno && grep -q "^signal 15: unregistering" "$emb_dir/out"; then
      pass "docs/embedding.md: on SIGTERM the program unregisters and exits 0"
    else fail "docs/embedding.md: on SIGTERM the program unregisters and exits 0" "rc=$emb_rc $(cat "$emb_dir/out")"; fi
    # Its programs and maps are freed after an RCU grace period or from a
    # workqueue (a second or two): wait up to 10 s for none to be left.
    if command -v bpftool >/dev/null && command -v jq >/dev/null; then
      emb_left=""
      for _ in $(seq 100); do
        emb_left=$({ bpftool -j prog show; bpftool -j map show; } 2>/dev/null |
                   jq -r '.[] | .name // empty' | grep -E '^(reno_|rawops_reno$|tcp_cc\.)' | sort -u | tr '\n' ' ')
        [ -z "$emb_left" ] && break; sleep 0.1
      done
      [ -z "$emb_left" ] && pass "docs/embedding.md: no program or map of tcp_cc.bpf.o is left after the program exits" \
        || fail "docs/embedding.md: no program or map of tcp_cc.bpf.o is left after the program exits" "$emb_left"
    else skip "docs/embedding.md: nothing left in the kernel" "no bpftool or jq"; fi
  fi
fi
rm -rf "$emb_dir"
