"""Where one minigrad training step spends its time: ``python -m benchmarks --profile W2``.

Every ``Function`` subclass's ``forward`` and ``backward`` are wrapped with a timer for the
run, and so are the helpers inside the convolutions (``im2col``, ``col2im``, ``gemm`` -- the
one name under which ``minigrad/ops/conv.py`` and ``winograd.py`` do their matrix products --
and Winograd's ``transformed_tiles`` and ``_add_tiles``), the whole backward
pass, and the optimizer's ``step`` and ``zero_grad``. Times are inclusive: a convolution's
forward contains its im2col and GEMM, listed again on their own lines (marked ``inside``), and
the backward pass contains every op's backward. What no wrapper covers -- building the graph
in forward, the layers' Python, the loss arithmetic -- is the "the rest" line; the backward
loop's own bookkeeping is the backward pass minus its ops' backward times.
"""

from __future__ import annotations

import collections
import functools
import time


def _wrap(owner, attribute, key, totals):
    original = owner.__dict__[attribute]

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            entry = totals[key(args)]
            entry[0] += time.perf_counter() - start
            entry[1] += 1

    setattr(owner, attribute, timed)
    return owner, attribute, original


def instrument(totals):
    """Wrap the timers in; returns what to restore."""
    from minigrad import function, optim
    from minigrad.function import Function
    from minigrad.ops import conv, winograd

    patched = []
    stack = [Function]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        for phase in ("forward", "backward"):
            if phase in cls.__dict__:
                patched.append(_wrap(cls, phase, lambda a, p=phase: f"{type(a[0]).__name__}.{p}", totals))
    for helper in ("im2col", "col2im", "gemm"):
        patched.append(_wrap(conv, helper, lambda a, h=helper: f"  inside: {h}", totals))
    patched.append(_wrap(winograd, "transformed_tiles", lambda a: "  inside: winograd input tiles", totals))
    patched.append(_wrap(winograd, "_add_tiles", lambda a: "  inside: winograd tile adds", totals))
    patched.append(_wrap(optim.Optimizer, "step", lambda a: "optimizer.step", totals))
    patched.append(_wrap(optim.Optimizer, "zero_grad", lambda a: "optimizer.zero_grad", totals))
    patched.append(_wrap(function, "run_backward", lambda a: "backward (all of it, ops included)", totals))
    return patched


def restore(patched):
    for owner, attribute, original in reversed(patched):
        setattr(owner, attribute, original)


def main(name, device="cpu", steps=20, warmup=3, threads=2):
    from benchmarks import child, workloads

    child.limit_threads(threads, "minigrad")
    step = workloads.minigrad_workload(name, device)
    for _ in range(warmup):
        step()
    totals = collections.defaultdict(lambda: [0.0, 0])
    patched = instrument(totals)
    try:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        wall = time.perf_counter() - start
    finally:
        restore(patched)
    top_level = sum(t for key, (t, _) in totals.items()
                    if not key.startswith("  inside") and not key.endswith(".backward"))
    rows = sorted(totals.items(), key=lambda kv: -kv[1][0])
    print(f"{name}: {workloads.DESCRIPTIONS[name]} -- {wall / steps * 1000:.2f} ms per step over {steps} steps")
    print(f"{'where':34} {'ms/step':>9} {'% step':>7} {'calls/step':>11}")
    # the ops first, then the convolution helpers they contain (which op called them is not kept)
    for inside in (False, True):
        if inside and any(key.startswith("  inside") for key, _ in rows):
            from minigrad import parallel
            threads = parallel.workers()
            print("of which, inside the convolutions above:" + (
                f" (summed over the {threads} threads that Winograd's chunks run on, so they may add up"
                f" to more than the op's time)" if threads > 1 else ""))
        for key, (seconds, calls) in rows:
            if key.startswith("  inside") == inside:
                print(f"{key:34} {seconds / steps * 1000:9.3f} {100 * seconds / wall:6.1f}% {calls / steps:11.1f}")
        if not inside:
            rest = wall - top_level
            print(f"{'engine and Python (the rest)':34} {rest / steps * 1000:9.3f} {100 * rest / wall:6.1f}%")
    return {key: seconds / steps * 1000 for key, (seconds, _) in totals.items()}
