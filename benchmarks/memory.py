"""Peak memory of a few steps of one workload in a fresh process:
``python -m benchmarks.memory W1 minigrad cpu`` prints, in MiB, how far the resident set size
rises above its level after the model and data were built (sampled every 0.2 ms while three
steps run). Only the framework being measured is imported."""

from __future__ import annotations

import resource
import sys
import threading
import time


def current_rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (resource.getpagesize() // 1024)


def main():
    name, framework, device = sys.argv[1], sys.argv[2], sys.argv[3]
    from benchmarks import workloads
    from benchmarks.__main__ import limit_threads

    limit_threads(2, torch=framework == "torch")
    make = workloads.minigrad_workload if framework == "minigrad" else workloads.torch_workload
    step = make(name, device)
    baseline = current_rss_kib()
    peak = [baseline]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], current_rss_kib())
            time.sleep(0.0002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    for _ in range(3):
        step()
    done.set()
    sampler.join()
    peak[0] = max(peak[0], current_rss_kib())
    print(f"{(peak[0] - baseline) / 1024:.1f}")


if __name__ == "__main__":
    main()
