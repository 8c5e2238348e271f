"""Anomaly detection with an autoencoder: a sample the model reconstructs badly is unusual.

score(x) = per-sample reconstruction error; higher = more anomalous. Feed the scores, with
labels 1 = anomaly, to ``roc_auc_score`` to measure how well they separate the classes.
"""

from __future__ import annotations

import numpy as np

from metrics._arrays import host
from metrics.ranking import roc_auc_score


def reconstruction_error(x, reconstruction, kind: str = "mse") -> np.ndarray:
    """Per-sample error between x and its reconstruction (all axes but the first are one sample).

    kind: 'mse' (mean squared error), 'mae', or 'bce' (binary cross-entropy, for x in [0, 1]
    and reconstructions that are probabilities).
    """
    a, b = host(x).astype(np.float64), host(reconstruction).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"reconstruction_error: shapes differ: {a.shape} and {b.shape}")
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    if kind == "mse":
        return ((a - b) ** 2).mean(1)
    if kind == "mae":
        return np.abs(a - b).mean(1)
    if kind == "bce":
        p = np.clip(b, 1e-7, 1 - 1e-7)
        return -(a * np.log(p) + (1 - a) * np.log(1 - p)).mean(1)
    raise ValueError(f"reconstruction_error: kind must be 'mse', 'mae' or 'bce', got {kind!r}")


def anomaly_auc(scores, is_anomaly) -> float:
    """ROC AUC of anomaly scores against the true anomaly labels (1 = anomaly)."""
    return roc_auc_score(np.asarray(host(is_anomaly)).astype(int), scores)
