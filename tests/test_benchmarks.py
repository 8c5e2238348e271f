"""The benchmark harness runs (with or without PyTorch) and reports what it promises. Timing
itself is never asserted: speed is measured by ``python -m benchmarks``, not by tests."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks import __main__ as bench
from benchmarks import workloads
from minigrad import data


def test_harness_reports_every_column_for_a_short_run(capsys):
    results = bench.main(["--workload", "W1,W5,W6", "--steps", "2", "--warmup", "1", "--no-memory"])
    assert [r["workload"] for r in results] == ["W1", "W5", "W6"]
    for row in results:
        assert row["minigrad"]["median_ms"] > 0
        assert row["minigrad"]["p10_ms"] <= row["minigrad"]["median_ms"] <= row["minigrad"]["p90_ms"]
    assert results[1]["minigrad_ops_per_s"] > 0 and results[2]["minigrad_gflops"] > 0
    assert "W5 autograd" in capsys.readouterr().out


def test_every_workload_builds_and_steps_in_minigrad():
    for name in workloads.DESCRIPTIONS:
        step = workloads.minigrad_workload(name)
        first, second = step().detach().numpy(), step().detach().numpy()
        assert np.isfinite(first).all() and np.isfinite(second).all(), name
        if name in ("W1", "W2", "W3"):                 # a training step on fixed data lowers the loss
            assert second.item() < first.item(), name


def test_floors_count_the_matrix_products():
    # W1: forward 2*128*(784*512 + 512*256 + 256*10); backward twice that, minus the unneeded input gradient
    forward = 2 * 128 * (784 * 512 + 512 * 256 + 256 * 10)
    assert workloads.flops("W1") == 3 * forward - 2 * 128 * 784 * 512
    assert workloads.flops("W6") == 3 * 2 * 32 * 784 * 64 * 64 * 9
    assert workloads.flops("W5") == 0 and math.isfinite(workloads.flops("W4"))


def test_reference_vae_trains_pytorchs_recipe(capsys):
    pytest.importorskip("torch", reason="the PyTorch reference needs the bench extra")
    if not data.is_available("mnist"):
        pytest.skip("the reference VAE trains on MNIST; set MINIGRAD_DATA to a folder holding mnist/")
    from benchmarks import reference_vae
    reference_vae.main(["--epochs", "1"])
    nats = float(capsys.readouterr().out.split("test -ELBO")[1].split()[0])
    assert 100 < nats < 160          # one epoch of PyTorch's example: about 128 nats per image
