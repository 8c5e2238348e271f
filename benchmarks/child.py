"""One timed run: one framework, one workload, in this fresh process, nothing else imported.

    python benchmarks/child.py ROOT WORKLOAD FRAMEWORK DEVICE STEPS WARMUP THREADS

ROOT is the checkout whose ``benchmarks.workloads`` (and so whose minigrad) is timed, which lets
the harness time another checkout of minigrad in the same run. Prints one JSON line:

    times_ms          the wall time of each timed step
    peak_rise_mib     how far the resident set rose above its level after the model and data
                      were built, sampled every 0.2 ms over the first three steps (those steps
                      also allocate the optimizer's state)
    peak_rss_mib      the process's peak resident set (the framework's own import included)
    blas_gflops       (minigrad only) this process's float32 matrix-product rate, measured first
"""

from __future__ import annotations

import json
import os
import resource
import sys
import threading
import time


def current_rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (resource.getpagesize() // 1024)


def limit_threads(n: int, framework: str):
    """The same number of threads for both frameworks: NumPy's BLAS and PyTorch's intra-op pool."""
    try:
        from threadpoolctl import threadpool_limits   # the bench extra; the variables below also work
        threadpool_limits(n)
    except ImportError:
        pass
    if framework == "torch":
        import torch
        torch.set_num_threads(n)
        torch.set_num_interop_threads(1)


def blas_gflops() -> float:
    import numpy as np
    a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
    a @ a
    start = time.perf_counter()
    for _ in range(10):
        a @ a
    return 10 * 2 * 1024 ** 3 / (time.perf_counter() - start) / 1e9


def peak_rise_mib(step, steps=3) -> float:
    baseline = current_rss_kib()
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], current_rss_kib())
            time.sleep(0.0002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for _ in range(steps):
        step()
    done.set()
    sampler.join()
    return (max(peak[0], current_rss_kib()) - baseline) / 1024


def main(argv):
    root, name, framework, device = argv[0], argv[1], argv[2], argv[3]
    steps, warmup, threads = int(argv[4]), int(argv[5]), int(argv[6])
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    sys.path[0] = os.path.abspath(root)     # not this script's folder: its names would shadow the stdlib
    limit_threads(threads, framework)
    from benchmarks import workloads

    result = {"blas_gflops": blas_gflops() if framework == "minigrad" and device == "cpu" else None}
    make = workloads.torch_workload if framework == "torch" else workloads.minigrad_workload
    step = make(name, device)
    result["peak_rise_mib"] = peak_rise_mib(step)
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append((time.perf_counter() - start) * 1000)
    result["times_ms"] = times
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
