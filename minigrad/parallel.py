"""Share a loop over independent chunks of work between the CPU's cores.

A convolution is a pipeline per chunk of samples -- gather patches, multiply, scatter the
result -- and only the multiply is a BLAS call that NumPy runs on several threads; the gather
and scatter run on one core while the other waits. ``cores`` runs whole chunks on several
threads instead -- the calling thread and helpers from a pool, each taking the next chunk
when it is done with one (NumPy releases the GIL inside its loops and its BLAS calls) -- each
with a one-thread BLAS, so every stage of the pipeline uses every core.

Why BLAS must drop to one thread for the whole region: OpenBLAS's own worker thread keeps
spinning on its core for about 0.1 s after each multi-threaded product, waiting for the next
one (measured: a process doing nothing but single-threaded NumPy loops right after one 2-thread
product uses 2 cores for 100 ms). A worker of ours on that core gains nothing: W6's chunks on
two workers took 99 ms a step beside a spinning BLAS thread and 68 ms without one, against 128
ms for the serial code in the same minutes. With BLAS on one thread for the whole region, the
benchmark (separate processes, one run) gives W6 54 ms, the serial code 77 ms, PyTorch 56 ms.
The pool has as many workers as BLAS had threads (``threadpool_limits`` and
``OPENBLAS_NUM_THREADS`` still say how many cores minigrad uses), and BLAS gets its thread
count back when the region ends.

Only Winograd's convolutions (ops/winograd.py) use it. Measured and left out: the im2col
convolutions and transposed convolutions chunked the same way (the DCGAN iteration, W4, 204-207
against 171-190 ms: its chunks are small, and the products of its linear layers, which must keep
BLAS's threads, leave the spinning thread behind), and the linear layers' products split over
the workers (W4 147-155 against 166-196 ms, but the MLP step W1 6.3-8.3 against 5.7-6.6 ms:
waking a helper for each product costs more than OpenBLAS's spinning thread).

Chunks must write disjoint parts of their outputs, and anything summed over chunks is summed
by the caller in chunk order, so results do not depend on which thread ran what.
"""

from __future__ import annotations

import itertools
import os
import threading
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor

_local = threading.local()          # .busy: this thread is inside a region (or is a worker)
_pools: dict[int, ThreadPoolExecutor] = {}
_blas = None                        # threadpoolctl's handles on the loaded BLAS libraries
if hasattr(os, "register_at_fork"):  # a forked child has none of the pools' threads: new pools
    os.register_at_fork(after_in_child=_pools.clear)


def _blas_libraries():
    global _blas
    if _blas is None:
        try:
            from threadpoolctl import ThreadpoolController
            _blas = ThreadpoolController().select(user_api="blas").lib_controllers
        except Exception:            # no threadpoolctl, or a BLAS it cannot drive: run serially
            _blas = []
    return _blas


def workers() -> int:
    """How many chunks run at once: the BLAS's thread count (1 where it cannot be set)."""
    libraries = _blas_libraries()
    if not libraries:
        return 1
    return max(1, min(min(lib.num_threads for lib in libraries), os.cpu_count() or 1))


@contextmanager
def cores(on_cpu: bool = True):
    """A region of code that spreads chunks of work over the cores::

        with parallel.cores() as spread:
            results = spread(work, chunks)     # [work(c) for c in chunks], on several threads

    Inside the region BLAS runs on one thread -- also for the products made outside
    ``spread`` -- and afterwards gets its thread count back. ``spread`` is exactly the serial
    list comprehension on the GPU (``on_cpu=False``: CuPy's kernels are queued, not run, by the
    calling thread), with one worker or one chunk, and inside another region. An exception in
    any chunk is raised from ``spread`` once every chunk has finished."""
    n = workers() if on_cpu and not getattr(_local, "busy", False) else 1
    if n == 1:
        yield _serial
        return
    libraries = _blas_libraries()
    threads = [lib.num_threads for lib in libraries]
    helpers = n - 1                                  # the calling thread is the n-th worker
    pool = _pools.get(helpers) or _pools.setdefault(helpers, ThreadPoolExecutor(helpers, thread_name_prefix="minigrad"))

    def spread(work, chunks):
        chunks = list(chunks)
        if len(chunks) < 2:
            return _serial(work, chunks)
        results = [None] * len(chunks)
        taken = itertools.count()                    # next() on it is atomic: each chunk runs once

        def drain():                                 # run chunks until none is left
            i = next(taken)
            while i < len(chunks):
                results[i] = work(chunks[i])
                i = next(taken)

        def helper():
            _local.busy = True
            try:
                drain()
            finally:
                _local.busy = False

        futures = [pool.submit(helper) for _ in range(min(helpers, len(chunks) - 1))]
        try:
            drain()
        finally:
            for future in futures:
                future.exception()                   # wait for every chunk, failed or not
        for future in futures:
            future.result()                          # raise a helper's error, if any
        return results

    for lib in libraries:
        lib.set_num_threads(1)
    _local.busy = True                              # a region inside this one runs serially
    try:
        yield spread
    finally:
        _local.busy = False
        for lib, count in zip(libraries, threads):
            lib.set_num_threads(count)


def _serial(work, chunks):
    return [work(chunk) for chunk in chunks]



