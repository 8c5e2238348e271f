"""k-means, and scores that compare a clustering with the true labels.

k-means minimises the within-cluster sum of squared distances (the *inertia*)
    sum_i || x_i - c_{a(i)} ||^2
by alternating two steps (Lloyd): assign each point to its nearest centre, move each
centre to the mean of its points. It finds a local minimum, so the start matters:
**k-means++** picks the first centre at random and each next one with probability
proportional to the squared distance to the nearest centre chosen so far.

Scores against labels (cluster ids are arbitrary names, so every score is invariant to
renaming them):
    cluster_accuracy  accuracy under the best one-to-one matching of clusters to labels
                      (the Hungarian algorithm on the contingency table)
    NMI               I(U; V) / mean(H(U), H(V))            (0 = independent, 1 = identical)
    ARI               (RI - E[RI]) / (max RI - E[RI])       (0 = chance level, 1 = identical)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from metrics._arrays import raw, same_length, vector
from minigrad import backend, checks


class KMeansResult(NamedTuple):
    centers: object     # (k, d), on the input's device
    labels: object      # (n,) int, on the input's device
    inertia: float
    n_iter: int


def _squared_distances(x, centers):
    xp = backend.array_module(x)
    d = (x * x).sum(1)[:, None] - 2 * x @ centers.T + (centers * centers).sum(1)[None, :]
    return xp.maximum(d, 0)


def _kmeans_plus_plus(x, k, rng):
    xp = backend.array_module(x)
    n = x.shape[0]
    centers = [int(rng.integers(n))]
    closest = _squared_distances(x, x[centers[0]:centers[0] + 1])[:, 0]
    for _ in range(1, k):
        p = backend.to_numpy(closest).astype(float)
        total = p.sum()
        index = int(rng.integers(n)) if total == 0 else int(rng.choice(n, p=p / total))
        centers.append(index)
        closest = xp.minimum(closest, _squared_distances(x, x[index:index + 1])[:, 0])
    return x[xp.asarray(centers)].copy()


def kmeans(x, k: int, n_init: int = 4, max_iter: int = 100, tol: float = 1e-6, seed: int = 0) -> KMeansResult:
    """Cluster the rows of ``x`` (n, d) into ``k`` groups; the best of ``n_init`` k-means++ starts.

    Works on NumPy or CuPy arrays (or Tensors); the arithmetic runs where ``x`` lives.
    """
    x = raw(x)
    xp = backend.array_module(x)
    x = x.reshape(len(x), -1).astype(xp.float64)
    if not checks.is_integer(k):
        raise TypeError(f"kmeans: k must be an integer, got {k!r}")
    checks.positive_int("kmeans", "n_init", n_init)
    checks.positive_int("kmeans", "max_iter", max_iter)
    checks.finite_number("kmeans", "tol", tol, minimum=0)
    if not bool(xp.isfinite(x).all()):
        raise ValueError(f"kmeans: the data (shape {x.shape}) contains NaN or infinite values")
    if not 1 <= k <= len(x):
        raise ValueError(f"kmeans: k must be in [1, {len(x)}] for {len(x)} points, got {k}")
    rng = np.random.default_rng(seed)
    best = None
    for _ in range(n_init):
        centers = _kmeans_plus_plus(x, k, rng)
        for iteration in range(1, max_iter + 1):
            labels = _squared_distances(x, centers).argmin(1)
            new = xp.stack([x[labels == j].mean(0) if bool((labels == j).any()) else centers[j]
                            for j in range(k)])
            shift = float(((new - centers) ** 2).sum())
            centers = new
            if shift <= tol:
                break
        distances = _squared_distances(x, centers)
        labels = distances.argmin(1)
        inertia = float(distances.min(1).sum())
        if best is None or inertia < best.inertia:
            best = KMeansResult(centers, labels, inertia, iteration)
    return best


def contingency(labels_true, labels_pred):
    """n_ij = number of samples with true label i and cluster j (rows/cols: sorted unique values)."""
    t, p = vector(labels_true, "labels_true", "contingency"), vector(labels_pred, "labels_pred", "contingency")
    same_length("contingency", labels_true=t, labels_pred=p)
    _, ti = np.unique(t, return_inverse=True)
    _, pi = np.unique(p, return_inverse=True)
    table = np.zeros((ti.max() + 1, pi.max() + 1), dtype=np.int64)
    np.add.at(table, (ti, pi), 1)
    return table


def cluster_accuracy(labels_true, labels_pred) -> float:
    """Accuracy after mapping each cluster to a distinct label so that the most samples agree."""
    table = contingency(labels_true, labels_pred)
    rows, cols = linear_sum_assignment(-table)
    return float(table[rows, cols].sum() / table.sum())


def _entropy(counts):
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log(p)).sum())


def normalized_mutual_info(labels_true, labels_pred) -> float:
    """I(U; V) / ((H(U) + H(V)) / 2). If both labelings have a single class, 1.0."""
    table = contingency(labels_true, labels_pred).astype(float)
    n = table.sum()
    h_true, h_pred = _entropy(table.sum(1)), _entropy(table.sum(0))
    if h_true == 0 and h_pred == 0:
        return 1.0
    nz = table > 0
    outer = np.outer(table.sum(1), table.sum(0))
    mi = float((table[nz] / n * np.log(table[nz] * n / outer[nz])).sum())
    return max(mi, 0.0) / ((h_true + h_pred) / 2)


def adjusted_rand_index(labels_true, labels_pred) -> float:
    """The Rand index corrected for chance, from pair counts of the contingency table."""
    table = contingency(labels_true, labels_pred)
    n = int(table.sum())

    def pairs(v):
        v = np.asarray(v, dtype=float)
        return float((v * (v - 1) / 2).sum())

    index = pairs(table.ravel())
    a, b = pairs(table.sum(1)), pairs(table.sum(0))
    total = n * (n - 1) / 2
    expected = a * b / total if total else 0.0
    maximum = (a + b) / 2
    if maximum == expected:           # both labelings trivial in the same way
        return 1.0
    return float((index - expected) / (maximum - expected))
