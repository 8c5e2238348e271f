"""Time minigrad against PyTorch on the same workloads, alternating the two in one process.

    python -m benchmarks [--workload W1,W2] [--device cpu|cuda] [--steps N] [--json FILE]

Prints, per workload: the median milliseconds per step of each framework, the ratio
minigrad / PyTorch (below 1 means minigrad is faster), the p10-p90 spread, the peak memory
growth of a few steps (measured in fresh processes), and how far minigrad is from its
floor -- the time its matrix products alone take at this machine's measured BLAS rate.
PyTorch is optional (the ``bench`` extra: ``pip install -e ".[bench]"``); without it only
minigrad's columns are filled.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

from benchmarks import workloads


def limit_threads(n: int, torch: bool = True):
    """Both frameworks get the same number of threads (NumPy's BLAS and, if asked, PyTorch)."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        pass
    if torch:
        try:
            import torch as torch_module
            torch_module.set_num_threads(n)
        except ImportError:
            pass


def blas_gflops() -> float:
    """This machine's float32 matrix-product rate, measured now."""
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    a @ a
    start = time.perf_counter()
    for _ in range(10):
        a @ a
    return 10 * 2 * 1024 ** 3 / (time.perf_counter() - start) / 1e9


def time_alternating(steps_by_framework: dict, steps: int, warmup: int) -> dict:
    for step in steps_by_framework.values():
        for _ in range(warmup):
            step()
    times = {name: [] for name in steps_by_framework}
    for _ in range(steps):
        for name, step in steps_by_framework.items():
            start = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - start)
    return {name: np.array(t) * 1000 for name, t in times.items()}


def peak_memory(name: str, framework: str, device: str):
    try:
        out = subprocess.run([sys.executable, "-m", "benchmarks.memory", name, framework, device],
                             capture_output=True, text=True, timeout=600, check=True)
        return float(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError, IndexError):
        return float("nan")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="W1,W2,W3,W4,W5,W6", help="comma-separated subset of W1..W6")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory subprocesses")
    p.add_argument("--json", default=None, help="also write the results to this file")
    args = p.parse_args(argv)
    limit_threads(args.threads)
    try:
        import torch
        torch_version = torch.__version__
    except ImportError:
        torch_version = None
        print("PyTorch is not installed (pip install -e '.[bench]'): timing minigrad alone.")
    rate = blas_gflops() if args.device == "cpu" else float("nan")
    print(f"device {args.device}, {args.threads} threads, numpy {np.__version__}, torch {torch_version}, "
          f"BLAS float32 rate {rate:.0f} GFLOP/s")
    results = []
    header = (f"{'':4} {'workload':44} {'minigrad ms':>11} {'torch ms':>9} {'ratio':>6} {'minigrad p10-p90':>17} "
              f"{'torch p10-p90':>15} {'mem MiB mg/torch':>17} {'floor ms':>9} {'x floor':>7}")
    print(header)
    for name in args.workload.split(","):
        name = name.strip().upper()
        frameworks = {"minigrad": workloads.minigrad_workload(name, args.device)}
        if torch_version is not None:
            frameworks["torch"] = workloads.torch_workload(name, args.device)
        steps = args.steps if name not in ("W6",) else max(5, args.steps // 3)
        times = time_alternating(frameworks, steps, args.warmup)
        row = {"workload": name, "description": workloads.DESCRIPTIONS[name]}
        for fw, t in times.items():
            row[fw] = {"median_ms": float(np.median(t)), "p10_ms": float(np.percentile(t, 10)),
                       "p90_ms": float(np.percentile(t, 90))}
            if not args.no_memory:
                row[fw]["peak_memory_mib"] = peak_memory(name, fw, args.device)
        mg_ms = row["minigrad"]["median_ms"]
        row["ratio"] = mg_ms / row["torch"]["median_ms"] if "torch" in row else None
        floor = workloads.flops(name) / (rate * 1e9) * 1000 if workloads.flops(name) else None
        row["floor_ms"] = floor
        if name == "W5":
            row["minigrad_ops_per_s"] = 1998 / (mg_ms / 1000)
            if "torch" in row:
                row["torch_ops_per_s"] = 1998 / (row["torch"]["median_ms"] / 1000)
        if name == "W6":
            row["minigrad_gflops"] = workloads.flops("W6") / (mg_ms / 1000) / 1e9
            if "torch" in row:
                row["torch_gflops"] = workloads.flops("W6") / (row["torch"]["median_ms"] / 1000) / 1e9
        results.append(row)
        t = row.get("torch", {})
        mem = f"{row['minigrad'].get('peak_memory_mib', float('nan')):.0f}/{t.get('peak_memory_mib', float('nan')):.0f}"
        print(f"{name:4} {row['description']:44} {mg_ms:11.2f} {t.get('median_ms', float('nan')):9.2f} "
              f"{row['ratio'] if row['ratio'] is not None else float('nan'):6.2f} "
              f"{row['minigrad']['p10_ms']:8.2f}-{row['minigrad']['p90_ms']:<8.2f} "
              f"{t.get('p10_ms', float('nan')):7.2f}-{t.get('p90_ms', float('nan')):<7.2f} {mem:>17} "
              f"{floor if floor else float('nan'):9.2f} {mg_ms / floor if floor else float('nan'):7.1f}")
    for row in results:
        if row["workload"] == "W5":
            print(f"W5 autograd: minigrad {row['minigrad_ops_per_s']:,.0f} ops/s"
                  + (f", torch {row['torch_ops_per_s']:,.0f} ops/s" if "torch_ops_per_s" in row else ""))
        if row["workload"] == "W6":
            print(f"W6 conv: minigrad {row['minigrad_gflops']:.1f} GFLOP/s"
                  + (f", torch {row['torch_gflops']:.1f} GFLOP/s" if "torch_gflops" in row else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": args.device, "blas_gflops": rate, "torch": torch_version, "results": results}, f,
                      indent=2)
    return results


if __name__ == "__main__":
    main()
