"""Every lesson runs in --quick mode as a student would run it (a subprocess from the repository
root), exits 0, and writes the figures and the metrics it promises."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from examples import quickstart

ROOT = Path(__file__).resolve().parents[1]

PROMISED = {
    "unit06_supervised": (["regression_fit.png", "classification_accuracy.png", "classification_loss.png",
                           "cnn_predictions.png"], ["regression_r2", "mlp_test_accuracy", "cnn_test_accuracy"]),
    "unit07_classification": (["confusion_matrix.png", "per_class_metrics.png", "roc_curve.png",
                               "precision_recall_curve.png", "imbalanced_accuracy.png"],
                              ["accuracy", "balanced_accuracy", "top1_accuracy", "top5_accuracy", "binary_auc",
                               "imbalanced_95_5"]),
    "unit08_autoencoders": (["capacity_reconstructions.png", "use1_codes_2d.png", "use1_decoded_points.png",
                             "use2_retrieval.png", "use3_anomaly_histogram.png", "use3_anomaly_roc.png",
                             "use4_clustering.png", "use5_denoising.png", "use6_inpainting.png"],
                            ["capacity", "use2_precision_at_10_code", "use3_anomaly_auc", "use4_cluster_accuracy_code",
                             "use4_cluster_accuracy_pixel", "use4_cluster_accuracy_code_unit",
                             "use4_cluster_accuracy_pixel_unit", "use4_code_minus_best_pixel", "use5_psnr_gain_db",
                             "use6_hole_mse_inpainted"]),
    "unit09_vae": (["elbo_curves.png", "samples.png", "reconstructions.png", "interpolations.png",
                    "attribute_ink.png", "attribute_slant.png", "manifold_2d.png", "latent_2d.png"],
                   ["test_negative_elbo_nats", "test_kl_nats", "attribute_edits"]),
    "unit10_gan": (["samples.png", "samples_over_training.png", "losses.png", "discriminator_outputs.png",
                    "mode_coverage.png"], ["iterations", "final_mean_d_real", "modes_hit", "mode_collapse_seen",
                                             "minibatch_std"]),
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
