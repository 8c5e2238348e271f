"""Time minigrad against PyTorch fairly: every (framework, workload) run in a fresh process of its own.

    python -m benchmarks [--workload W1,W2] [--device cpu|cuda] [--steps N] [--repeats R]
                         [--json FILE] [--baseline DIR] [--profile W]

Method: each run is one fresh process that imports one framework, builds one workload, measures
its memory over three steps, warms up, and times ``--steps`` steps (``benchmarks/child.py``).
Runs are interleaved -- repeat 1 of every (workload, framework) pair, then repeat 2, ... -- so a
slow phase of a noisy machine falls on everyone, and two frameworks never share a process
(their thread pools would fight over the cores). The report gives, per workload and framework,
the median of the per-run medians, their spread (lowest..highest per-run median), the ratio
minigrad / PyTorch (below 1: minigrad is faster), the memory each process added while stepping
and its peak resident set, and the workload's matmul floor at the BLAS rate measured in the same
run. The report and the ``--json`` file name the commit each timed checkout is at.

``--baseline DIR`` also times the minigrad of another checkout (e.g. ``git worktree add
/tmp/before HEAD~1``), interleaved with the rest, to compare two versions of the code in one run.
``--profile W`` prints where one minigrad step of workload W spends its time instead.
PyTorch is optional (the ``bench`` extra); without it only minigrad's columns are filled.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

from benchmarks import workloads

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def run_child(root, name, framework, device, steps, warmup, threads):
    """One fresh process: returns its parsed JSON line (see child.py)."""
    out = subprocess.run([sys.executable, os.path.join(HERE, "child.py"), root, name, framework, device,
                          str(steps), str(warmup), str(threads)], capture_output=True, text=True, timeout=1800)
    if out.returncode != 0:
        raise RuntimeError(f"benchmark run {name}/{framework} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def torch_version():
    try:
        from importlib.metadata import version
        return version("torch")
    except Exception:                         # not installed
        return None


def checkout_id(root):
    """The commit a checkout is at, with "+changes" when its tracked files differ from it (so a
    saved result says which code it timed); None when ``root`` is not the top of a git checkout
    (a copy inside another repository must not report that repository's commit)."""
    def git(*args):
        out = subprocess.run(["git", "-C", root, *args], capture_output=True, text=True)
        return out.stdout.strip() if out.returncode == 0 else None
    try:
        top = git("rev-parse", "--show-toplevel")
        if top is None or os.path.realpath(top) != os.path.realpath(root):
            return None
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no")
    except OSError:                           # no git program
        return None
    return None if commit is None else commit + ("+changes" if changed else "")


def summarize(runs):
    """Per-run medians -> median, lowest, highest; plus memory (median over runs)."""
    medians = [float(np.median(r["times_ms"])) for r in runs]
    return {"median_ms": float(np.median(medians)), "lowest_ms": min(medians), "highest_ms": max(medians),
            "run_medians_ms": medians,
            "peak_rise_mib": float(np.median([r["peak_rise_mib"] for r in runs])),
            "peak_rss_mib": float(np.median([r["peak_rss_mib"] for r in runs]))}


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="W1,W2,W3,W4,W5,W6", help="comma-separated subset of W1..W6")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--steps", type=int, default=20, help="timed steps per run (W6: a third as many)")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3, help="fresh processes per (workload, framework)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--baseline", default=None, help="also time the minigrad of this other checkout")
    p.add_argument("--profile", default=None, metavar="W", help="print where a minigrad step of W spends its time")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)
    names = [n.strip().upper() for n in args.workload.split(",")]
    unknown = [n for n in names + ([args.profile.upper()] if args.profile else []) if n not in workloads.DESCRIPTIONS]
    if unknown:
        p.error(f"{'--profile' if unknown[0] not in names else '--workload'}: unknown workload {unknown[0]} "
                f"(choose from {', '.join(workloads.DESCRIPTIONS)})")
    for flag, value, minimum in (("--steps", args.steps, 1), ("--repeats", args.repeats, 1),
                                 ("--threads", args.threads, 1), ("--warmup", args.warmup, 0)):
        if value < minimum:
            p.error(f"{flag}: must be at least {minimum}, got {value}")
    folder = os.path.dirname(os.path.abspath(args.json)) if args.json else None
    if args.json and (os.path.isdir(args.json) or not os.path.isdir(folder) or not os.access(folder, os.W_OK)):
        p.error(f"--json {args.json}: cannot write there")       # found now, not after minutes of timing
    if args.baseline and not os.path.isfile(os.path.join(args.baseline, "benchmarks", "workloads.py")):
        p.error(f"--baseline {args.baseline}: no benchmarks/workloads.py there")
    if args.profile:
        from benchmarks import profiling
        return profiling.main(args.profile.upper(), args.device, args.steps, args.warmup, args.threads)

    frameworks = [("minigrad", ROOT, "minigrad")]
    if args.baseline:
        frameworks.append(("baseline", os.path.abspath(args.baseline), "minigrad"))
    version = torch_version()
    if version is not None:
        frameworks.append(("torch", ROOT, "torch"))
    else:
        print("PyTorch is not installed (pip install -e '.[bench]'): timing minigrad alone.")
    commits = {label: checkout_id(root) for label, root, framework in frameworks if framework == "minigrad"}
    print(f"device {args.device}, {args.threads} threads, numpy {np.__version__}, torch {version}, "
          f"{args.repeats} fresh processes per cell, interleaved; "
          + ", ".join(f"{label} at {commit or 'an unknown commit'}" for label, commit in commits.items()))

    runs = {(n, label): [] for n in names for label, _, _ in frameworks}
    for repeat in range(args.repeats):
        for name in names:
            steps = args.steps if name != "W6" else max(3, args.steps // 3)
            order = frameworks if repeat % 2 == 0 else frameworks[::-1]   # neither always goes first
            for label, root, framework in order:
                runs[name, label].append(run_child(root, name, framework, args.device, steps, args.warmup,
                                                   args.threads))
        print(f"  repeat {repeat + 1}/{args.repeats} done", flush=True)

    rates = [r["blas_gflops"] for key, rs in runs.items() for r in rs if r.get("blas_gflops")]
    rate = float(np.median(rates)) if rates else float("nan")
    results = []
    for name in names:
        row = {"workload": name, "description": workloads.DESCRIPTIONS[name]}
        for label, _, _ in frameworks:
            row[label] = summarize(runs[name, label])
        mg_ms = row["minigrad"]["median_ms"]
        for other in ("torch", "baseline"):
            if other in row:
                row[f"ratio_to_{other}"] = mg_ms / row[other]["median_ms"]
        row["ratio"] = row.get("ratio_to_torch")
        floor = workloads.flops(name) / (rate * 1e9) * 1000 if workloads.flops(name) and rate == rate else None
        row["floor_ms"] = floor
        if name == "W5":
            row["minigrad_ops_per_s"] = 1998 / (mg_ms / 1000)
            if "torch" in row:
                row["torch_ops_per_s"] = 1998 / (row["torch"]["median_ms"] / 1000)
        if name == "W6":
            for label, _, _ in frameworks:
                row[f"{label}_gflops"] = workloads.flops("W6") / (row[label]["median_ms"] / 1000) / 1e9
        results.append(row)
    print_table(results, [label for label, _, _ in frameworks], rate)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": args.device, "threads": args.threads, "repeats": args.repeats,
                       "steps": args.steps, "blas_gflops": rate, "torch": version, "numpy": np.__version__,
                       "method": "each (framework, workload) in its own fresh process, runs interleaved; "
                                 "median of per-run medians",
                       "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       **{f"{label}_commit": commit for label, commit in commits.items()},
                       "results": results}, f, indent=2)
    return results


def print_table(results, labels, rate):
    print(f"\nBLAS float32 rate measured in this run: {rate:.0f} GFLOP/s")
    cols = "".join(f" {label + ' ms (low..high)':>28}" for label in labels)
    print(f"{'':4} {'workload':44}{cols} {'ratio':>6} {'rise MiB':>12} {'floor ms':>9} {'x floor':>7}")
    for row in results:
        cells = "".join(f" {row[label]['median_ms']:9.2f} ({row[label]['lowest_ms']:7.2f}..{row[label]['highest_ms']:7.2f})"
                        for label in labels)
        ratio = row.get("ratio")
        mem = "/".join(f"{row[label]['peak_rise_mib']:.0f}" for label in labels)
        floor = row["floor_ms"]
        print(f"{row['workload']:4} {row['description']:44}{cells} {ratio if ratio else float('nan'):6.2f} "
              f"{mem:>12} {floor if floor else float('nan'):9.2f} "
              f"{row['minigrad']['median_ms'] / floor if floor else float('nan'):7.1f}")
    for row in results:
        if "ratio_to_baseline" in row:
            print(f"{row['workload']}: this checkout / baseline = {row['ratio_to_baseline']:.3f}")
        if row["workload"] == "W5":
            print(f"W5 autograd: minigrad {row['minigrad_ops_per_s']:,.0f} ops/s"
                  + (f", torch {row['torch_ops_per_s']:,.0f} ops/s" if "torch_ops_per_s" in row else ""))
        if row["workload"] == "W6":
            print("W6 conv: " + ", ".join(f"{label} {row[label + '_gflops']:.1f} GFLOP/s" for label in labels))


if __name__ == "__main__":
    main()
