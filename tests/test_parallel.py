"""minigrad.parallel: chunks of work spread over worker threads, BLAS on one thread meanwhile.

Each test sets the BLAS thread count itself (threadpoolctl), so they mean the same on a
2-core CI machine and on a laptop with 16 cores."""

import threading
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import minigrad as mg
from minigrad import parallel
from minigrad.ops import winograd

pytestmark = pytest.mark.skipif(not parallel._blas_libraries(),
                                reason="threadpoolctl finds no BLAS library it can set the threads of")


def _blas_threads():
    return [lib.num_threads for lib in parallel._blas_libraries()]


def test_spread_returns_the_serial_results_in_chunk_order_from_several_threads():
    names = []

    def work(i):
        names.append(threading.current_thread().name)
        time.sleep(0.002)                        # long enough for the helper thread to wake
        return np.full(3, i) @ np.ones(3)        # a BLAS call inside a worker
    with threadpool_limits(2):
        with parallel.cores() as spread:
            assert spread(work, range(40)) == [3.0 * i for i in range(40)]
    assert len(names) == 40                      # each chunk ran once
    assert {name.startswith("minigrad") for name in names} == {True, False}   # the caller and a helper


def test_blas_runs_on_one_thread_inside_a_region_and_gets_its_count_back():
    with threadpool_limits(2):
        before = _blas_threads()
        with parallel.cores() as spread:
            assert _blas_threads() == [1] * len(before)
            inside = spread(lambda _: _blas_threads(), range(4))
            assert inside == [[1] * len(before)] * 4
        assert _blas_threads() == before


def test_one_blas_thread_or_the_gpu_means_serial_in_the_calling_thread():
    for limit, on_cpu in ((1, True), (2, False)):
        with threadpool_limits(limit):
            with parallel.cores(on_cpu=on_cpu) as spread:
                assert spread(lambda _: threading.current_thread().name, range(3)) == \
                    [threading.current_thread().name] * 3
            assert _blas_threads() == [limit] * len(_blas_threads())


def test_a_region_inside_a_chunk_runs_serially_instead_of_waiting_on_its_own_pool():
    def outer(i):
        with parallel.cores() as spread:          # would deadlock if it queued onto the busy pool
            return sum(spread(lambda j: i * j, range(3)))
    with threadpool_limits(2):
        with parallel.cores() as spread:
            assert spread(outer, range(6)) == [3 * i for i in range(6)]


def test_an_error_in_one_chunk_is_raised_after_every_chunk_has_run_and_blas_is_restored():
    done = []

    def work(i):
        if i == 1:
            raise ValueError("chunk 1 failed")
        done.append(i)
        return i
    with threadpool_limits(2):
        before = _blas_threads()
        with pytest.raises(ValueError, match="chunk 1 failed"):
            with parallel.cores() as spread:
                spread(work, range(8))
        assert sorted(done) == [0, 2, 3, 4, 5, 6, 7]
        assert _blas_threads() == before


@pytest.mark.parametrize("requires", [(True, True), (True, False), (False, True)])
def test_winograd_on_two_workers_matches_one_worker_bit_for_bit(requires):
    """Each chunk writes its own samples, dL/dW sums the chunks in chunk order: with BLAS on
    one thread in both runs, how the chunks were shared out cannot change a single bit."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((20, 16, 18, 18)).astype(np.float32)
    w = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((20, 16, 18, 18)).astype(np.float32)
    assert winograd.applies(x.shape, w.shape, (1, 1), (1, 1), (1, 1), x.dtype)
    results = []
    for limit in (1, 2):
        with threadpool_limits(limit):
            xt, wt = mg.tensor(x, requires_grad=requires[0]), mg.tensor(w, requires_grad=requires[1])
            y = mg.nn.functional.conv2d(xt, wt, padding=1)
            y.backward(mg.tensor(gy))
            results.append([y.data] + [t.grad.data for t in (xt, wt) if t.requires_grad])
    assert len(winograd._chunks(20, winograd.tile_geometry((18, 18), (1, 1), 2)[1])) == 4
    for one, two in zip(*results):
        np.testing.assert_array_equal(one, two)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_forked_child_gets_its_own_pool_instead_of_waiting_on_the_parents_threads():
    import os
    import signal
    with threadpool_limits(2):
        with parallel.cores() as spread:
            spread(lambda i: i, range(4))           # the parent's pool now has a helper thread
        pid = os.fork()
        if pid == 0:                                # the child: exit 0 only if the region finishes
            signal.alarm(10)
            ok = False
            try:
                with parallel.cores() as spread:
                    ok = spread(lambda i: time.sleep(0.01) or i, range(4)) == [0, 1, 2, 3]
            finally:
                os._exit(0 if ok else 1)
        _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
