"""Every lesson runs in --quick mode as a student would run it (a subprocess from the repository
root), exits 0, and writes the figures and the metrics it promises."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from examples import quickstart

ROOT = Path(__file__).resolve().parents[1]

PROMISED = {
    "unit06_supervised": (["regression_fit.png", "classification_accuracy.png", "classification_loss.png",
                           "cnn_predictions.png"], ["regression_r2", "mlp_test_accuracy", "cnn_test_accuracy"]),
    "unit07_classification": (["confusion_matrix.png", "per_class_metrics.png", "roc_curve.png",
                               "precision_recall_curve.png", "imbalanced_accuracy.png", "binary_confusion.png", "top_k_accuracy.png"],
                              ["accuracy", "balanced_accuracy", "top1_accuracy", "top5_accuracy", "binary_auc",
                               "imbalanced_95_5"]),
    "unit08_autoencoders": (["capacity_reconstructions.png", "capacity_code_activations.png", "capacity_copying.png",
                             "use1_codes_2d.png", "use1_decoded_points.png",
                             "use2_retrieval.png", "use3_anomaly_histogram.png", "use3_anomaly_roc.png",
                             "use4_clustering.png", "use5_denoising.png", "use6_inpainting.png"],
                            ["capacity", "use2_precision_at_10_code", "use3_anomaly_auc", "use4_cluster_accuracy_code",
                             "use4_cluster_accuracy_pixel", "use4_cluster_accuracy_code_unit",
                             "use4_cluster_accuracy_pixel_unit", "use4_code_minus_best_pixel", "use5_psnr_gain_db",
                             "use6_hole_mse_inpainted"]),
    "unit09_vae": (["elbo_curves.png", "samples.png", "reconstructions.png", "interpolations.png",
                    "attribute_ink.png", "attribute_slant.png", "attribute_identity.png", "manifold_2d.png",
                    "latent_2d.png"],
                   ["test_negative_elbo_nats", "test_kl_nats", "attribute_edits"]),
    "unit10_gan": (["samples.png", "samples_over_training.png", "losses.png", "discriminator_outputs.png",
                    "mode_coverage.png", "mode_collapse_images.png", "mode_collapse_ring.png"],
                   ["iterations", "final_mean_d_real", "modes_hit", "mode_collapse_seen", "minibatch_std", "ring",
                    "mode_collapse_images"]),
}


def _finite_numbers(tree):
    if isinstance(tree, dict):
        return all(_finite_numbers(v) for v in tree.values())
    if isinstance(tree, list):
        return all(_finite_numbers(v) for v in tree)
    if isinstance(tree, float):
        return math.isfinite(tree)
    return True


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_lesson_runs_quick(name, tmp_path):
    out = tmp_path / name
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, "-m", f"examples.{name}", "--quick", "--out", str(out)], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    figures, keys = PROMISED[name]
    for figure in figures:
        path = out / figure
        assert path.is_file() and path.stat().st_size > 2000, f"{figure} missing or empty"
    metrics = json.loads((out / "metrics.json").read_text())
    for key in keys:
        assert key in metrics, f"metrics.json lacks {key}"
    assert metrics["dataset"] == "digits" and _finite_numbers(metrics)
    if name == "unit10_gan":                # the ring shows collapse on purpose (measured, seeds 0-2:
        ring = metrics["ring"]              # Adam k=1 8/8 modes, SGD + momentum 0 or 1, Adam k=5 3 or 4)
        assert ring["Adam, k = 1"]["final_modes_covered"] >= 7
        assert ring["SGD + momentum 0.9, k = 1"]["final_modes_covered"] <= 2
        assert ring["Adam, k = 5"]["final_modes_covered"] < ring["Adam, k = 1"]["final_modes_covered"]
    if name == "unit08_autoencoders":       # the headline margin is taken against the better pixel run
        best_pixel = max(metrics["use4_cluster_accuracy_pixel"], metrics["use4_cluster_accuracy_pixel_unit"])
        assert metrics["use4_code_minus_best_pixel"] == pytest.approx(metrics["use4_cluster_accuracy_code_unit"]
                                                                      - best_pixel)


def test_quickstart_learns_the_digits():
    accuracy = quickstart.main(["--epochs", "10", "--seed", "1"])
    assert accuracy > 0.9


def test_missing_cuda_is_a_clear_message(tmp_path):
    result = subprocess.run([sys.executable, "-m", "examples.unit06_supervised", "--quick", "--device", "cuda",
                             "--out", str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    if "CUDA is unusable" not in result.stderr and result.returncode == 0:
        pytest.skip("a working CUDA device is present, so there is no error to check")
    assert result.returncode != 0 and "--device cuda:" in result.stderr


# ------------------------------------------------------------------ every lesson on "cuda", against the CuPy double
@pytest.fixture
def cupy_double(gpu, monkeypatch):
    """The 'cuda' device of the ``gpu`` fixture (the CuPy double, and real CuPy where usable);
    with the double, counts the arrays moved to the device."""
    from tests.fake_cupy import fake_cupy

    moved = []
    if gpu is fake_cupy:
        original = type(fake_cupy).asarray

        def counting_asarray(self, x, dtype=None):
            moved.append(1)
            return original(self, x, dtype)

        monkeypatch.setattr(type(fake_cupy), "asarray", counting_asarray)
    else:
        moved.extend([1] * 11)            # real CuPy: the device checks below are the evidence
    return moved


@pytest.mark.parametrize("name", sorted(PROMISED))
def test_lesson_runs_quick_on_cuda_with_the_cupy_double(name, tmp_path, cupy_double):
    """The double fails on any host array mixed into a device computation, so a lesson that
    passes here keeps its data on the device from the first batch to the last figure."""
    import importlib

    out = tmp_path / name
    importlib.import_module(f"examples.{name}").main(["--quick", "--device", "cuda", "--out", str(out)])
    assert len(cupy_double) > 10, "the lesson never moved data to the device"
    figures, keys = PROMISED[name]
    for figure in figures:
        assert (out / figure).is_file(), f"{figure} missing"
    metrics = json.loads((out / "metrics.json").read_text())
    assert all(key in metrics for key in keys) and _finite_numbers(metrics)


def test_fit_and_checkpoints_of_a_device_model_load_on_the_cpu(tmp_path, cupy_double):
    import models
    import minigrad as mg
    from minigrad import optim

    rng = np.random.default_rng(0)
    x, y = rng.random((64, 1, 8, 8), dtype=np.float32), rng.integers(0, 10, 64)
    model = models.CNNClassifier(image_size=8, channels=(4, 8), hidden=16, dropout=0.1,
                                 generator=mg.Generator(0)).to("cuda")
    history = models.fit(model, (x, y), epochs=2, optimizer=optim.Adam(model.parameters(), 1e-2), batch_size=16,
                         validation=(x, y), progress_bar=False, checkpoint=str(tmp_path / "ck.npz"), log=lambda *_: None)
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert model.predict(x).shape == (64,) and model.features(x).shape[0] == 64
    state = mg.load(str(tmp_path / "ck.npz"))                   # plain host arrays on disk
    cpu_model = models.CNNClassifier(image_size=8, channels=(4, 8), hidden=16, dropout=0.1)
    cpu_model.load_state_dict(state["model"])
    assert all(p.device == "cpu" for p in cpu_model.parameters())
    np.testing.assert_allclose(cpu_model.predict_proba(x), model.predict_proba(x), rtol=1e-5, atol=1e-6)


def test_benchmark_workloads_step_on_cuda_with_the_cupy_double(cupy_double):
    from benchmarks import workloads

    for name in workloads.DESCRIPTIONS:
        step = workloads.minigrad_workload(name, "cuda")
        result = step()
        assert result.device.startswith("cuda"), name


# ------------------------------------------------------------------ a user's mistake on the command line
LESSONS = ["unit06_supervised", "unit07_classification", "unit08_autoencoders", "unit09_vae", "unit10_gan"]

# Flags of examples.common.parser, which every lesson shares: each lesson is called with each row.
# "{blocked}" becomes a path below a file, where no folder can be made.
COMMON_BAD_ARGUMENTS = [
    (["--epochs", "0"], "--epochs: must be at least 1"), (["--epochs", "-1"], "--epochs: must be at least 1"),
    (["--batch-size", "0"], "--batch-size: must be at least 1"), (["--batch-size", "2.5"], "--batch-size"),
    (["--seed", "-1"], "--seed: must be >= 0"), (["--dataset", "cifar"], "--dataset: invalid choice"),
    (["--device", "tpu"], "--device: invalid choice"), (["--out", "{blocked}"], "--out"),
]

# The flags each entry point adds: (module, argv, words of the one-line error).
OWN_BAD_ARGUMENTS = [
    ("examples.unit07_classification", ["--positive", "10"], "--positive: must be a class 0..9"),
    ("examples.unit08_autoencoders", ["--anomaly-class", "-1"], "--anomaly-class: must be >= 0"),
    ("examples.unit09_vae", ["--latent", "0"], "--latent: must be at least 1"),
    ("examples.unit09_vae", ["--hidden", "512", "0"], "--hidden: must be at least 1"),
    ("examples.unit09_vae", ["--alphas", "0", "nan"], "--alphas: must be in"),
    ("examples.unit10_gan", ["--k", "0"], "--k: must be at least 1"),
    ("examples.unit10_gan", ["--architecture", "resnet"], "--architecture: invalid choice"),
    ("examples.unit10_gan", ["--loss", "wasserstein"], "--loss: invalid choice"),
    ("examples.unit10_gan", ["--optimizer", "rmsprop"], "--optimizer: invalid choice"),
    ("examples.unit10_gan", ["--lr", "nan"], "--lr: must be in"), ("examples.unit10_gan", ["--lr", "0"], "--lr: must be in"),
    ("examples.unit10_gan", ["--momentum", "1.5"], "--momentum: must be in"),
    ("examples.unit10_gan", ["--real-label", "0"], "--real-label: must be in"),
    ("examples.unit10_gan", ["--latent", "0"], "--latent: must be at least 1"),
    ("examples.quickstart", ["--epochs", "0"], "--epochs: must be at least 1"),
    ("examples.quickstart", ["--batch-size", "-2"], "--batch-size: must be at least 1"),
    ("examples.quickstart", ["--lr", "-0.1"], "--lr: must be in"),
    ("examples.quickstart", ["--seed", "x"], "--seed: expected an integer"),
    ("examples.gallery", ["--units", "unit11"], "--units: invalid choice: 'unit11'"),
    ("examples.gallery", ["--dest", "{blocked}"], "--dest"),
    ("benchmarks.__main__", ["--workload", "W9"], "--workload: unknown workload W9"),
    ("benchmarks.__main__", ["--device", "tpu"], "--device: invalid choice"),
    ("benchmarks.__main__", ["--steps", "0"], "--steps: must be at least 1"),
    ("benchmarks.__main__", ["--warmup", "-1"], "--warmup: must be at least 0"),
    ("benchmarks.__main__", ["--repeats", "0"], "--repeats: must be at least 1"),
    ("benchmarks.__main__", ["--threads", "0"], "--threads: must be at least 1"),
    ("benchmarks.__main__", ["--baseline", "{blocked}"], "--baseline"),
    ("benchmarks.__main__", ["--profile", "W0"], "--profile: unknown workload W0"),
    ("benchmarks.__main__", ["--json", "{blocked}"], "--json"),
]

BAD_ARGUMENTS = [(f"examples.{lesson}", argv, words) for lesson in LESSONS for argv, words in COMMON_BAD_ARGUMENTS]
BAD_ARGUMENTS += OWN_BAD_ARGUMENTS


def _blocked(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    return str(tmp_path / "file" / "sub")


@pytest.mark.parametrize("module,argv,words", BAD_ARGUMENTS, ids=[f"{m.split('.')[-1]} {' '.join(a)}"
                                                                  for m, a, _ in BAD_ARGUMENTS])
def test_a_bad_argument_is_one_line_and_exit_status_2(module, argv, words, tmp_path, capsys):
    """Called as main(argv), as ``python -m module`` would: SystemExit(2) before any work, the last
    line of stderr names the flag, nothing is written (exercised in this process: fast, and any
    exception other than SystemExit -- a traceback for the user -- fails the test)."""
    import importlib

    argv = [a.replace("{blocked}", _blocked(tmp_path)) for a in argv]
    out = [] if module.startswith("benchmarks") or "--out" in argv else ["--out", str(tmp_path / "o")]
    dest = [] if module != "examples.gallery" or "--dest" in argv else ["--dest", str(tmp_path / "g")]
    with pytest.raises(SystemExit) as exit_:
        importlib.import_module(module).main(argv + (out if module.startswith("examples.unit") else dest))
    captured = capsys.readouterr()
    assert exit_.value.code == 2
    assert words in captured.err.strip().splitlines()[-1], captured.err
    assert "training" not in captured.out and not (tmp_path / "o" / "metrics.json").exists()


def _parser_of(module):
    """The argparse parser an entry point builds, caught as it parses (nothing runs)."""
    import argparse
    import importlib

    class Caught(Exception):
        pass

    def catch(parser, *args, **kwargs):
        raise Caught(parser)

    original = argparse.ArgumentParser.parse_args
    argparse.ArgumentParser.parse_args = catch
    try:
        importlib.import_module(module).main([])
    except Caught as caught:
        return caught.args[0]
    finally:
        argparse.ArgumentParser.parse_args = original
    raise AssertionError(f"{module}.main() built no argparse parser")


def _value_flags(parser):
    """Flags that take a value (a flag without one -- --quick, --minibatch-std -- has no wrong value)."""
    return {option for action in parser._actions if action.nargs != 0
            for option in action.option_strings if option.startswith("--")}


def test_every_flag_of_every_entry_point_has_a_bad_argument_row():
    from examples.common import parser as common_parser

    common = _value_flags(common_parser("x", "x", epochs=1))
    common_tested = {argv[0] for argv, _ in COMMON_BAD_ARGUMENTS}
    assert common <= common_tested, f"shared lesson flags without a row: {sorted(common - common_tested)}"
    entry_points = [f"examples.{lesson}" for lesson in LESSONS] + ["examples.quickstart", "examples.gallery",
                                                                    "benchmarks.__main__"]
    missing = {}
    for module in entry_points:
        own = _value_flags(_parser_of(module)) - (common if module.startswith("examples.unit") else set())
        tested = {argv[0] for m, argv, _ in OWN_BAD_ARGUMENTS if m == module}
        if own - tested:
            missing[module] = sorted(own - tested)
    assert not missing, f"flags without a bad-argument row: {missing}"


def test_an_unwritable_out_folder_is_refused_before_any_work(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    result = subprocess.run([sys.executable, "-m", "examples.unit07_classification", "--quick", "--out",
                             str(blocked / "sub")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--out" in result.stderr and "cannot write there" in result.stderr
    assert "training" not in result.stdout


def test_a_quick_run_says_when_a_lessons_claim_does_not_hold(tmp_path, capsys):
    from examples.common import Run, parser

    def run_with(flags):
        p = parser("unit_test", "a lesson", epochs=3)
        return Run(p.parse_args(flags + ["--out", str(tmp_path / "o")]))

    quick = run_with(["--quick"])
    quick.quick_caveat(True, "'A beats B'", "the full run shows it")
    assert "quick_caveats" not in quick.metrics
    quick.quick_caveat(False, "'A beats B'", "the full run shows it")
    assert quick.metrics["quick_caveats"] == ["quick-mode caveat: 'A beats B' does not hold in this short run on "
                                              "the 8x8 digits; the full run shows it"]
    assert "quick-mode caveat: 'A beats B'" in capsys.readouterr().out


def test_the_attribute_range_is_the_widest_one_that_keeps_the_class():
    from examples.unit09_vae import widest_safe_alpha

    alphas = [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert widest_safe_alpha(alphas, [0.80, 0.95, 1.0, 0.95, 0.92]) == 0.5      # -1 drops below 90 %
    assert widest_safe_alpha(alphas, [0.91, 0.95, 1.0, 0.95, 0.92]) == 1.0
    assert widest_safe_alpha(alphas, [0.99, 0.5, 1.0, 0.95, 0.99]) == 0.0      # a dip inside ends the range


def test_gan_lesson_epochs_follow_the_architecture_unless_given(tmp_path):
    """The convolutional pair's default is 3 epochs, the MLPs' 18; an --epochs the user gives wins."""
    from examples import unit10_gan

    def epochs(*flags):
        return unit10_gan.configure([*flags, "--dataset", "digits", "--out", str(tmp_path / "x")]).args.epochs

    assert epochs() == 3 and epochs("--architecture", "dcgan") == 3
    assert epochs("--architecture", "mlp") == 18
    assert epochs("--epochs", "5") == 5 and epochs("--architecture", "mlp", "--epochs", "2") == 2


def test_quick_mode_warns_only_about_flags_the_user_gave(tmp_path, capsys):
    """--quick replaces --dataset and --epochs; the note says so only when they were given (unit 10
    changes its epochs itself in quick mode, which used to trigger the note every time)."""
    from examples import unit10_gan

    unit10_gan.configure(["--quick", "--out", str(tmp_path / "a")])
    assert "not used" not in capsys.readouterr().out
    unit10_gan.configure(["--quick", "--epochs", "3", "--out", str(tmp_path / "b")])
    assert "--epochs given are not used" in capsys.readouterr().out
