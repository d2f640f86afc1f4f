#!/usr/bin/env python3
"""make bench: rawops against libbpf 1.4.6, whole processes, as ratios.

Every case runs both sides in the same run, interleaved (A B, then B A, ...)
so that drift of the shared machine hits both alike; each run is a fresh
process. Per run: wall time (fork to exit), CPU time (user + sys, from
wait4's rusage) and peak RSS (ru_maxrss), taken by build/bench/measure. Reported: medians, spread (the
interquartile range as a share of the median), ratios of medians. Absolute
times are printed only to show what the ratios are made of: the bars are the
ratios.

For the load cases also: bpf() calls per side (strace), and for rawops the
time spent inside bpf() (rawops_load --bpf-time: the library's own syscall
timer), to compare with the CPU it uses outside bpf().

The sched_ext cases, "load scx_*.bpf.o (7.3 guest, TCG)", are measured
inside the Debian 7.3 guest by tests/bench/guest73.sh (run.sh boots it
before this script and passes its console as BENCH_GUEST_CONSOLE): the same
per-run fields, summaries, ratios and bars, read from its BENCH: lines; no
strace there, so bpf() calls are rawops' own count and libbpf's is left out.

Writes build/bench/results.json and build/bench/results.md (the table of
docs/performance.md). Exit status 1 when a bar fails, or when the guest ran
but a sched_ext case is missing or the guest reported a BENCHFAIL.

usage: bench.py BUILD_DIR RUNS
BENCH_BEFORE=OTHER_BUILD_DIR adds a third side, an older rawops build (its
bench/btf_lookup, bench/rawops_load and rawops), to the same interleaving:
the table then shows the ratios before and after a change.
"""
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 30
WARMUP = 3
B = f"{BUILD}/bench"


def run_once(argv):
    """One fresh process, started by build/bench/measure (whose small size
    keeps python's RSS out of the child's ru_maxrss): (wall s, cpu s, user s,
    peak RSS KiB, stderr text)."""
    with tempfile.NamedTemporaryFile("r") as res, tempfile.TemporaryFile() as err:
        pid = os.posix_spawn(f"{B}/measure", [f"{B}/measure", res.name] + argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_OPEN, 1, "/dev/null", os.O_WRONLY, 0),
                                           (os.POSIX_SPAWN_DUP2, err.fileno(), 2)])
        _, status = os.waitpid(pid, 0)
        err.seek(0)
        text = err.read().decode(errors="replace")
        fields = res.read().split()
    if os.waitstatus_to_exitcode(status) != 0 or len(fields) != 5 or fields[4] != "0":
        raise SystemExit(f"bench: {' '.join(argv)} failed ({fields[4] if len(fields) == 5 else 'measure'}): {text}")
    wall, cpu, user, rss = float(fields[0]), float(fields[1]), float(fields[2]), int(fields[3])
    return wall, cpu, user, rss, text


def summary(xs):
    xs = sorted(xs)
    q = statistics.quantiles(xs, n=4) if len(xs) >= 4 else [xs[0], statistics.median(xs), xs[-1]]
    med = statistics.median(xs)
    return {"median": med, "p25": q[0], "p75": q[2], "min": xs[0], "max": xs[-1],
            "spread": (q[2] - q[0]) / med if med else 0.0}


def side_summary(rs):
    """Per-side summaries of runs (wall s, cpu s, user s, peak RSS KiB, ...)."""
    return {"wall_s": summary([r[0] for r in rs]), "cpu_s": summary([r[1] for r in rs]),
            "user_s": summary([r[2] for r in rs]), "rss_kib": summary([r[3] for r in rs])}


def compare(ours, theirs, before=None):
    """Runs the sides interleaved (rotating who goes first); returns
    per-side summaries. `before`: the same case with an older rawops build
    (BENCH_BEFORE), to show a change's effect in the same run."""
    sides = [("rawops", ours), ("libbpf", theirs)] + ([("before", before)] if before else [])
    for _ in range(WARMUP):
        for _, argv in sides:
            run_once(argv)
    samples = {side: [] for side, _ in sides}
    for i in range(RUNS):
        k = i % len(sides)
        for side, argv in sides[k:] + sides[:k]:
            samples[side].append(run_once(argv))
    return {side: side_summary(rs) for side, rs in samples.items()}


def bpf_calls(argv):
    """One run under strace -T: the number of bpf() calls, and the time inside
    them as strace sees it (the check on rawops' own timer; strace adds its
    stop to each call, so it reads a little higher)."""
    with tempfile.NamedTemporaryFile("r") as f:
        subprocess.run(["strace", "-f", "-T", "-e", "trace=bpf", "-o", f.name] + argv,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        count, total = 0, 0.0
        for line in f:
            if "bpf(" not in line or "resumed>" in line:
                continue
            count += 1
            line = line.rstrip()
            if line.endswith(">") and "<" in line:
                total += float(line[line.rindex("<") + 1:-1])
        return count, total * 1e6


def bpf_fields(text, fields):
    """The KEY=VALUE fields of one rawops_load --bpf-time line, appended to
    `fields` (KEY -> list of values)."""
    for item in text.split():
        key, _, value = item.partition("=")
        if key.endswith("_us") or key == "bpf_calls":
            fields.setdefault(key, []).append(float(value))


def bpf_share(obj):
    """rawops_load --bpf-time, median over runs: the time inside bpf() and the
    process's CPU time, both measured by the process itself (the split of
    rusage into user and sys is sampled at the tick and too coarse for
    processes of a few ms)."""
    fields = {}
    for _ in range(max(5, RUNS // 3)):
        bpf_fields(run_once([f"{B}/rawops_load", obj, "--bpf-time"])[4], fields)
    return {key: statistics.median(values) for key, values in fields.items()}


def add_share(name, r, share):
    """The --bpf-time medians into case `r`, and the split they give."""
    # The split uses the CPU time inside bpf(): its wall time also counts the
    # kernel sleeping in a call (sched_ext's registration waits for the
    # enable work of a kernel thread), CPU spent neither here nor for us.
    bpf_wall_us, cpu_us, main_us = share["bpf_us"], share["cpu_us"], share["main_cpu_us"]
    bpf_us = share["bpf_cpu_us"]
    r["rawops_bpf_wall_us"] = bpf_wall_us
    r["rawops_bpf_us"] = bpf_us
    r["rawops_cpu_us"] = cpu_us
    r["rawops_main_cpu_us"] = main_us
    r["rawops_phases_us"] = {k[:-3]: share[k] for k in
                             ("open_us", "kernel_btf_us", "plan_us", "execute_us", "teardown_us")}
    # In-process: the CPU main() burns outside bpf(), its own code and
    # the kernel's work for it that is not bpf() (mmap, page faults,
    # close). The whole process adds exec, the C runtime and exit.
    r["rawops_outside_over_bpf"] = (main_us - bpf_us) / bpf_us
    r["rawops_process_outside_over_bpf"] = (cpu_us - bpf_us) / bpf_us
    if main_us < bpf_us:  # both are CPU clocks of this process: cannot happen
        raise SystemExit(f"bench: {name}: {bpf_us:.0f} us of CPU inside bpf() but {main_us:.0f} us in all "
                         "of main(): the timers disagree")


GUEST_OBJS = ["scx_simple.bpf.o", "scx_central.bpf.o", "scx_flatcg.bpf.o"]
GUEST_LINE = re.compile(r"(BENCHINFO|BENCHBPF|BENCHFAIL|BENCH): (.*)$")


def guest_cases(console):
    """The sched_ext cases from the 7.3 guest's console (tests/bench/guest73.sh):
    (info, {case name: case}, problems). A problem fails the bench."""
    info, runs, shares, problems, done = {}, {}, {}, [], False
    with open(console, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.endswith("BENCHDONE"):
                done = True
            m = GUEST_LINE.search(line)
            if not m:
                continue
            kind, rest = m.groups()
            if kind == "BENCHINFO":
                key, _, value = rest.partition(" ")
                info.setdefault(key, value)
            elif kind == "BENCHFAIL":
                problems.append(f"guest: {rest}")
            elif kind == "BENCHBPF":
                obj, _, text = rest.partition(" ")
                bpf_fields(text, shares.setdefault(obj, {}))
            else:
                fields = rest.split()
                if len(fields) != 7:
                    problems.append(f"guest: malformed line '{line}'")
                    continue
                obj, side = fields[0], fields[1]
                runs.setdefault(obj, {}).setdefault(side, []).append(
                    (float(fields[2]), float(fields[3]), float(fields[4]), int(fields[5])))
    if not done:
        problems.append(f"guest: the script did not run to its end (no BENCHDONE; qemu exit "
                        f"{open(f'{BUILD}/vm73/qemu.rc').read().strip() if os.path.exists(f'{BUILD}/vm73/qemu.rc') else '?'})")
    want = int(info.get("runs", "0") or 0)
    cases = {}
    for obj in GUEST_OBJS:
        name = f"load {obj} (7.3 guest, TCG)"
        got = runs.get(obj, {})
        short = [f"{side} {len(got.get(side, []))}" for side in ("rawops", "libbpf") if len(got.get(side, [])) < max(want, 1)]
        if short:
            problems.append(f"{name}: missing runs ({', '.join(short)} of {want}); see {console}")
            continue
        r = {side: side_summary(got[side]) for side in ("rawops", "libbpf")}
        share = {key: statistics.median(values) for key, values in shares.get(obj, {}).items()}
        if not all(k in share for k in ("bpf_us", "bpf_cpu_us", "cpu_us", "main_cpu_us", "open_us", "kernel_btf_us",
                                        "plan_us", "execute_us", "teardown_us")):
            problems.append(f"{name}: no rawops_load --bpf-time result (BENCHBPF); see {console}")
            continue
        r["guest"] = True
        if "bpf_calls" in share:
            r["bpf_calls"] = {"rawops": int(share["bpf_calls"])}
        r["share"] = share
        cases[name] = r
    return info, cases, problems


def stripped_size(path):
    with tempfile.NamedTemporaryFile() as f:
        subprocess.run(["strip", "-o", f.name, path], check=True)
        return os.path.getsize(f.name)


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        mem = f.readline().split(":")[1].strip()
    return {"kernel": platform.release(), "cpu": model, "cpus": os.cpu_count(), "memory": mem,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "libbpf": "1.4.6 (static)", "runs": RUNS}


def ms(x):
    return f"{x * 1e3:.2f}"


def main():
    root = os.geteuid() == 0
    cases = [
        ("btf lookup", [f"{B}/btf_lookup"], [f"{B}/libbpf_lookup"], None),
        ("rawops types (cold)", [f"{BUILD}/rawops", "types"], [f"{B}/libbpf_lookup"], None),
    ]
    objs = [f"{BUILD}/bpfprog/tcp_cc.bpf.o", f"{B}/large.bpf.o"]
    if root:
        for obj in objs:
            cases.append((f"load {os.path.basename(obj)}", [f"{B}/rawops_load", obj], [f"{B}/libbpf_load", obj], obj))
    else:
        print("SKIP: load benchmarks: need root")

    results = {"machine": machine(), "cases": {}, "sizes": {}, "bars": []}
    problems = []
    console = os.environ.get("BENCH_GUEST_CONSOLE")
    guest = {}
    if console:
        info, gcases, problems = guest_cases(console)
        guest = {"kernel": info.get("kernel", "?"), "cpu": info.get("cpu", "?"), "cpus": info.get("cpus", "?"),
                 "runs": int(info.get("runs", "0") or 0), "accel": "qemu TCG, single-threaded", "console": console,
                 "seconds": int(os.environ.get("BENCH_GUEST_SECONDS") or 0), "problems": problems,
                 "checks": {k[:-1]: v for k, v in info.items() if k.endswith(".o:")}}
    else:
        gcases = {}
        guest = {"skipped": os.environ.get("BENCH_GUEST_SKIP") or "BENCH_GUEST_CONSOLE not set"}
    results["guest"] = guest
    before_build = os.environ.get("BENCH_BEFORE")
    if before_build:
        results["machine"]["before"] = before_build
    for name, ours, theirs, obj in cases:
        print(f"bench: {name} ({RUNS} runs each, interleaved)", flush=True)
        before = None
        if before_build:
            before = [a.replace(f"{BUILD}/bench/", f"{before_build}/bench/", 1) if a == ours[0] else a for a in ours]
            before[0] = before[0].replace(f"{BUILD}/rawops", f"{before_build}/rawops", 1)
        r = compare(ours, theirs, before)
        for k in ("wall_s", "cpu_s", "rss_kib"):
            r[f"ratio_{k}"] = r["rawops"][k]["median"] / r["libbpf"][k]["median"]
            if before:
                r[f"before_ratio_{k}"] = r["before"][k]["median"] / r["libbpf"][k]["median"]
        if obj:
            (ours_calls, ours_strace_us), (theirs_calls, _) = bpf_calls(ours), bpf_calls(theirs)
            r["bpf_calls"] = {"rawops": ours_calls, "libbpf": theirs_calls}
            r["strace_bpf_us"] = ours_strace_us
            if before:
                r["bpf_calls"]["before"] = bpf_calls(before)[0]
            add_share(name, r, bpf_share(obj))
        results["cases"][name] = r
    # The floor: an empty static process, and with it what a load's CPU ratio
    # would be if rawops' own work took no time at all (exec, the C runtime's
    # start and exit, plus the kernel's time inside bpf()).
    print(f"bench: empty static process ({RUNS} runs)", flush=True)
    for _ in range(WARMUP):
        run_once([f"{B}/empty"])
    empty = summary([run_once([f"{B}/empty"])[1] for _ in range(RUNS)])
    results["empty_process_cpu_s"] = empty
    for name, r in results["cases"].items():
        if "rawops_bpf_us" in r:
            floor_s = empty["median"] + r["rawops_bpf_us"] / 1e6
            r["floor"] = {"cpu_s": floor_s, "ratio": floor_s / r["libbpf"]["cpu_s"]["median"],
                          "budget_s": r["libbpf"]["cpu_s"]["median"] / 8 - floor_s}
    # The guest's cases, measured before the host's (run.sh): the same fields.
    for name, r in gcases.items():
        for k in ("wall_s", "cpu_s", "rss_kib"):
            r[f"ratio_{k}"] = r["rawops"][k]["median"] / r["libbpf"][k]["median"]
        add_share(name, r, r.pop("share"))
        results["cases"][name] = r

    for label, path in [("rawops CLI", f"{BUILD}/rawops"), ("rawops_load", f"{B}/rawops_load"),
                        ("libbpf_load", f"{B}/libbpf_load")]:
        results["sizes"][label] = stripped_size(path)

    bars = results["bars"]

    def bar(what, value, limit):
        bars.append({"what": what, "value": round(value, 4), "limit": limit, "ok": value <= limit})

    c = results["cases"]
    bar("btf lookup: wall ratio", c["btf lookup"]["ratio_wall_s"], 0.2)
    bar("rawops types (cold): wall ratio to libbpf load_vmlinux_btf+find", c["rawops types (cold)"]["ratio_wall_s"], 0.1)
    for name in c:
        if name.startswith("load "):
            bar(f"{name}: CPU ratio", c[name]["ratio_cpu_s"], 0.125)
            bar(f"{name}: peak RSS ratio", c[name]["ratio_rss_kib"], 0.25)
            bar(f"{name}: rawops in-process CPU outside bpf() / time in bpf()", c[name]["rawops_outside_over_bpf"], 0.25)

    # The table, printed and kept for docs/performance.md.
    lines = ["| case | side | wall ms (median, spread) | CPU ms (median, spread) | user ms (tick-sampled) | peak RSS KiB | bpf() calls |",
             "|---|---|---|---|---|---|---|"]
    for name, r in c.items():
        for side in ("rawops", "libbpf") + (("before",) if "before" in r else ()):
            s = r[side]
            calls = str(r["bpf_calls"].get(side, "")) if "bpf_calls" in r else ""
            lines.append(f"| {name} | {side} | {ms(s['wall_s']['median'])} (±{s['wall_s']['spread'] * 50:.0f}%) | "
                         f"{ms(s['cpu_s']['median'])} (±{s['cpu_s']['spread'] * 50:.0f}%) | {ms(s['user_s']['median'])} | "
                         f"{s['rss_kib']['median']:.0f} | {calls} |")
        strace = f" (strace -T: {r['strace_bpf_us'] / 1e3:.2f})" if "strace_bpf_us" in r else ""
        extra = (f", rawops: {r['rawops_bpf_us'] / 1e3:.2f} ms of CPU in bpf() ({r['rawops_bpf_wall_us'] / 1e3:.2f} "
                 f"wall{strace}), "
                 f"{(r['rawops_main_cpu_us'] - r['rawops_bpf_us']) / 1e3:.2f} ms CPU outside it in main(), "
                 f"{(r['rawops_cpu_us'] - r['rawops_bpf_us']) / 1e3:.2f} ms in the whole process") if "rawops_bpf_us" in r else ""
        lines.append(f"| {name} | **ratio** | **{r['ratio_wall_s']:.3f}** | **{r['ratio_cpu_s']:.3f}** | | "
                     f"**{r['ratio_rss_kib']:.3f}** | {extra.lstrip(', ')} |")
        if "before" in r:
            lines.append(f"| {name} | ratio before | {r['before_ratio_wall_s']:.3f} | {r['before_ratio_cpu_s']:.3f} | | "
                         f"{r['before_ratio_rss_kib']:.3f} | |")
    phases = [(name, r["rawops_phases_us"]) for name, r in c.items() if "rawops_phases_us" in r]
    if phases:
        lines.append("")
        lines.append("| rawops CPU by phase, ms (median) | open object | kernel BTF | plan | execute (bpf() inside) | teardown |")
        lines.append("|---|---|---|---|---|---|")
        for name, p in phases:
            lines.append(f"| {name} | " + " | ".join(f"{p[k] / 1e3:.2f}" for k in
                                                     ("open", "kernel_btf", "plan", "execute", "teardown")) + " |")
    floors = [(name, r) for name, r in c.items() if "floor" in r]
    if floors:
        lines.append("")
        lines.append(f"The floor: an empty static process costs {ms(empty['median'])} ms of CPU here "
                     f"(±{empty['spread'] * 50:.0f}%); with rawops' time inside bpf() it is what a load would cost "
                     "if rawops' own work took nothing.")
        lines.append("")
        lines.append("| load case | floor ms (empty process + bpf()) | floor as a ratio to libbpf's CPU | "
                     "1/8 of libbpf's CPU, ms | left for all of rawops' own work under the 1/8 bar, ms |")
        lines.append("|---|---|---|---|---|")
        for name, r in floors:
            f = r["floor"]
            lines.append(f"| {name} | {ms(f['cpu_s'])} | {f['ratio']:.3f} | "
                         f"{ms(r['libbpf']['cpu_s']['median'] / 8)} | {ms(f['budget_s'])} |")
    lines.append("")
    lines.append("| stripped static binary | bytes |")
    lines.append("|---|---|")
    for label, size in results["sizes"].items():
        lines.append(f"| {label} | {size} |")
    lines.append("")
    lines.append("| bar (ratio in this run) | value | limit | |")
    lines.append("|---|---|---|---|")
    for b in bars:
        lines.append(f"| {b['what']} | {b['value']:.3f} | {b['limit']} | {'PASS' if b['ok'] else 'FAIL'} |")
    m = results["machine"]
    head = (f"{m['date']}: kernel {m['kernel']}, {m['cpus']} x {m['cpu']}, {m['memory']}, "
            f"libbpf {m['libbpf']}, {RUNS} runs per side. Spread: half the interquartile range, as a share of the median.")
    if "skipped" in guest:
        head += f"\n\nsched_ext in the 7.3 guest: skipped ({guest['skipped']})."
    else:
        head += (f"\n\nRows \"(7.3 guest, TCG)\": kernel {guest['kernel']}, {guest['cpus']} x {guest['cpu']} emulated by "
                 f"{guest['accel']} on the host above, {guest['runs']} runs per side (guest boot and runs: "
                 f"{guest['seconds']} s); absolute times there are not comparable with the host's, only the "
                 "ratios are, roughly. bpf() calls there: rawops' own count; libbpf's is not taken (no strace).")
    table = head + "\n\n" + "\n".join(lines) + "\n"
    print()
    print(table)
    with open(f"{B}/results.json", "w") as f:
        json.dump(results, f, indent=2)
    with open(f"{B}/results.md", "w") as f:
        f.write(table)
    print(f"bench: wrote {B}/results.json and {B}/results.md")
    failed = [b for b in bars if not b["ok"]]
    for b in bars:
        print(f"{'PASS' if b['ok'] else 'FAIL'}: {b['what']} = {b['value']:.3f} (bar <= {b['limit']})")
    if "skipped" in guest:
        print(f"SKIP: sched_ext benchmarks: {guest['skipped']}")
    for p in problems:
        print(f"FAIL: sched_ext benchmark: {p}")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    if not shutil.which("strace"):
        raise SystemExit("bench: strace missing (tests/deps.sh bench installs it)")
    sys.exit(main())
