"""Peak memory of a few steps of one workload in a fresh process:
``python -m benchmarks.memory W1 minigrad cpu`` prints the growth of the peak resident set
size over the size after the model and data were built, in MiB."""

from __future__ import annotations

import resource
import sys


def current_rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (resource.getpagesize() // 1024)


def main():
    name, framework, device = sys.argv[1], sys.argv[2], sys.argv[3]
    from benchmarks import workloads
    from benchmarks.__main__ import limit_threads

    limit_threads(2)
    make = workloads.minigrad_workload if framework == "minigrad" else workloads.torch_workload
    step = make(name, device)
    baseline = current_rss_kib()
    for _ in range(3):
        step()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{max(peak - baseline, 0) / 1024:.1f}")


if __name__ == "__main__":
    main()
