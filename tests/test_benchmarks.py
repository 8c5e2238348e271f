"""The benchmark harness runs (with or without PyTorch) and reports what it promises. Timing
itself is never asserted: speed is measured by ``python -m benchmarks``, not by tests."""

from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pytest

from benchmarks import __main__ as bench
from benchmarks import workloads
from minigrad import data


def test_harness_runs_each_cell_in_its_own_process_and_reports_every_column(capsys, tmp_path):
    out = tmp_path / "bench.json"
    results = bench.main(["--workload", "W1,W5,W6", "--steps", "2", "--warmup", "1", "--repeats", "2",
                          "--json", str(out)])
    assert [r["workload"] for r in results] == ["W1", "W5", "W6"]
    for row in results:
        cell = row["minigrad"]
        assert len(cell["run_medians_ms"]) == 2                       # two fresh processes
        assert cell["lowest_ms"] <= cell["median_ms"] <= cell["highest_ms"]
        assert cell["peak_rss_mib"] > 0 and cell["peak_rise_mib"] >= 0
    assert results[1]["minigrad_ops_per_s"] > 0 and results[2]["minigrad_gflops"] > 0
    assert results[0]["floor_ms"] > 0
    report = json.loads(out.read_text())
    assert report["blas_gflops"] > 0 and "fresh process" in report["method"]
    assert "minigrad_commit" in report and report["date"].endswith("UTC")
    printed = capsys.readouterr().out
    assert "W5 autograd" in printed and "BLAS float32 rate measured in this run" in printed


def test_harness_compares_two_checkouts_in_one_run(tmp_path, capsys):
    results = bench.main(["--workload", "W5", "--steps", "2", "--warmup", "0", "--repeats", "1",
                          "--baseline", bench.ROOT])
    assert results[0]["ratio_to_baseline"] > 0
    assert "this checkout / baseline" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git program")
def test_a_saved_result_names_the_commit_it_timed_and_says_when_files_differ(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)
    assert bench.checkout_id(str(tmp_path)) is None                 # not a checkout
    git("init", "-q")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", "code.py")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
    head = subprocess.run(["git", "-C", str(tmp_path), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    assert bench.checkout_id(str(tmp_path)) == head
    (tmp_path / "code.py").write_text("x = 2\n")
    assert bench.checkout_id(str(tmp_path)) == head + "+changes"
    (tmp_path / "copy").mkdir()                                      # a folder inside it is no checkout
    assert bench.checkout_id(str(tmp_path / "copy")) is None


def test_harness_refuses_bad_arguments_in_one_line(capsys):
    for argv in (["--workload", "W9"], ["--repeats", "0"], ["--baseline", "/nonexistent"]):
        with pytest.raises(SystemExit) as stop:
            bench.main(argv)
        assert stop.value.code == 2
    assert "unknown workload W9" in capsys.readouterr().err


def test_profile_mode_attributes_a_conv_step_to_its_parts(capsys):
    times = bench.main(["--profile", "W2", "--steps", "1", "--warmup", "0"])
    for part in ("Conv2d.forward", "Conv2d.backward", "  inside: im2col", "  inside: gemm", "  inside: col2im",
                 "optimizer.step", "MaxPool2d.forward"):
        assert times[part] > 0, part
    assert "the rest" in capsys.readouterr().out
    times = bench.main(["--profile", "W6", "--steps", "1", "--warmup", "0"])      # its 3x3 layer: Winograd
    for part in ("  inside: winograd input tiles", "  inside: winograd tile adds", "  inside: gemm"):
        assert times[part] > 0, part


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
