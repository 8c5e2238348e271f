"""Evaluating generative models. There is no single standard measure, so here are several,
each with what it sees and what it misses.

frechet_distance   Fit a Gaussian to features of real and of generated samples and compare:
                       d^2 = |mu_r - mu_g|^2 + Tr(C_r + C_g - 2 (C_r C_g)^(1/2))
                   (FID when the features come from Inception; here from any callable, e.g.
                   a trained classifier's penultimate layer). Sees both quality and diversity
                   *as far as the features do*; biased upward for small sample sizes, so only
                   compare values computed with the same number of samples.

mode_coverage      Classify generated samples with a trained classifier and histogram the
                   predicted classes: how many classes ("modes") appear, and the KL divergence
                   of the histogram from uniform. Detects mode collapse directly; blind to
                   quality (a blurry 3 that the classifier accepts still counts).

inception_score    exp(E_x KL(p(y|x) || p(y))) from a classifier's probabilities: high when each
                   sample is classified confidently (sharp p(y|x)) *and* the classes are spread
                   (broad p(y)). Between 1 and the number of classes. Ignores the real data
                   entirely, so it cannot notice samples that are confident but unrealistic.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from metrics._arrays import host
from minigrad import checks


def _features(x, feature_fn, batch_size):
    if feature_fn is None:
        return host(x).reshape(len(host(x)), -1).astype(np.float64)
    chunks = [host(feature_fn(x[i:i + batch_size])) for i in range(0, len(x), batch_size)]
    return np.concatenate(chunks).reshape(len(x), -1).astype(np.float64)


def frechet_distance(real, generated, feature_fn=None, batch_size: int = 256) -> float:
    """The Fréchet distance between Gaussians fitted to the features of two sample sets."""
    a, b = _features(real, feature_fn, batch_size), _features(generated, feature_fn, batch_size)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"frechet_distance: feature dimensions differ: {a.shape[1]} and {b.shape[1]}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError("frechet_distance: need at least two samples in each set")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = np.cov(a, rowvar=False).reshape(a.shape[1], -1), np.cov(b, rowvar=False).reshape(b.shape[1], -1)
    # Tr (C_a C_b)^(1/2) = sum of sqrt(eigenvalues) of the symmetric PSD matrix C_a^(1/2) C_b C_a^(1/2)
    values, vectors = np.linalg.eigh(cov_a)
    root_a = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    middle = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_root = np.sqrt(np.clip(middle, 0, None)).sum()
    d2 = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_root
    return float(max(d2, 0.0))


class ModeCoverage(NamedTuple):
    histogram: np.ndarray       # fraction of samples assigned to each class
    modes_hit: int              # classes with at least min_fraction of the samples
    kl_to_uniform: float        # KL(histogram || uniform) in nats; 0 = perfectly even
    min_class_fraction: float


def mode_coverage(predictions, num_classes: int, min_fraction: float = 0.0) -> ModeCoverage:
    """Coverage of ``num_classes`` modes by predicted classes (ints, or an (n, K) score matrix)."""
    p = host(predictions)
    labels = p.argmax(1) if p.ndim == 2 else p.astype(int)
    if len(labels) == 0:
        raise ValueError("mode_coverage: no predictions")
    if labels.min() < 0 or labels.max() >= num_classes:
        raise ValueError(f"mode_coverage: predictions outside [0, {num_classes - 1}]")
    hist = np.bincount(labels, minlength=num_classes) / len(labels)
    nz = hist > 0
    kl = float((hist[nz] * np.log(hist[nz] * num_classes)).sum())
    hit = int((hist > min_fraction).sum()) if min_fraction > 0 else int(nz.sum())
    return ModeCoverage(hist, hit, kl, float(hist.min()))


def inception_score(probabilities, splits: int = 1):
    """(mean, std) over ``splits`` of exp(mean_x KL(p(y|x) || p(y))) from (n, K) class probabilities."""
    p = host(probabilities).astype(np.float64)
    if p.ndim != 2 or (p < 0).any() or not np.allclose(p.sum(1), 1, atol=1e-4):
        raise ValueError("inception_score: expected an (n, K) matrix of probabilities (rows summing to 1)")
    checks.positive_int("inception_score", "splits", splits)
    if splits > len(p):
        raise ValueError(f"inception_score: splits={splits} is more than the {len(p)} samples")
    scores = []
    for part in np.array_split(p, splits):
        marginal = part.mean(0, keepdims=True)
        kl = (part * (np.log(np.clip(part, 1e-12, None)) - np.log(np.clip(marginal, 1e-12, None)))).sum(1)
        scores.append(float(np.exp(kl.mean())))
    return float(np.mean(scores)), float(np.std(scores))
