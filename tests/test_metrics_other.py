"""Regression, clustering, retrieval, image-quality, anomaly and generative metrics: oracles
(scikit-learn, brute force, SciPy) and defining properties."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st
from scipy.linalg import sqrtm

import metrics as M
import minigrad as mg
from minigrad import backend
from tests.fake_cupy import FakeDeviceArray, fake_cupy


@given(data=st.data(), n=st.integers(2, 30))
def test_regression_metrics_match_sklearn(data, n):
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    y, p = rng.standard_normal(n), rng.standard_normal(n)
    assert M.mse(y, p) == pytest.approx(skm.mean_squared_error(y, p))
    assert M.rmse(y, p) == pytest.approx(np.sqrt(skm.mean_squared_error(y, p)))
    assert M.mae(y, p) == pytest.approx(skm.mean_absolute_error(y, p))
    assert M.r2_score(y, p) == pytest.approx(skm.r2_score(y, p))
    assert M.r2_score(y, y) == 1.0 and M.r2_score(y, np.full(n, y.mean())) == pytest.approx(0.0)
    y2, p2 = rng.standard_normal((n, 3)), rng.standard_normal((n, 3))
    assert M.r2_score(y2, p2) == pytest.approx(skm.r2_score(y2, p2))
    assert M.r2_score(np.ones(3), np.ones(3)) == 1.0 and M.r2_score(np.ones(3), np.zeros(3)) == 0.0


@st.composite
def labelings(draw):
    n = draw(st.integers(1, 40))
    a = np.array(draw(st.lists(st.integers(0, 4), min_size=n, max_size=n)))
    b = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)))
    return a, b


@given(case=labelings(), permutation=st.permutations(range(6)))
def test_clustering_scores_match_sklearn_and_ignore_cluster_names(case, permutation):
    a, b = case
    assert M.normalized_mutual_info(a, b) == pytest.approx(skm.normalized_mutual_info_score(a, b), abs=1e-10)
    assert M.adjusted_rand_index(a, b) == pytest.approx(skm.adjusted_rand_score(a, b), abs=1e-10)
    renamed = np.array(permutation)[b]
    assert M.cluster_accuracy(a, renamed) == pytest.approx(M.cluster_accuracy(a, b))
    assert M.normalized_mutual_info(a, renamed) == pytest.approx(M.normalized_mutual_info(a, b))
    assert M.cluster_accuracy(a, a) == 1.0


def test_cluster_accuracy_uses_the_best_matching():
    truth = [0, 0, 1, 1, 2, 2]
    clusters = [2, 2, 0, 0, 1, 0]          # a renaming, with one mistake
    assert M.cluster_accuracy(truth, clusters) == pytest.approx(5 / 6)
    brute = max(np.mean(np.array(p)[clusters] == truth) for p in __import__("itertools").permutations(range(3)))
    assert M.cluster_accuracy(truth, clusters) == pytest.approx(brute)


def test_kmeans_finds_separated_blobs_and_is_seeded():
    rng = np.random.default_rng(0)
    centers = np.array([[0, 0], [10, 0], [0, 10]])
    labels = np.repeat(np.arange(3), 50)
    x = centers[labels] + rng.standard_normal((150, 2))
    result = M.kmeans(x, 3, seed=1)
    assert M.cluster_accuracy(labels, result.labels) == 1.0
    assert result.inertia == pytest.approx(((x - result.centers[result.labels]) ** 2).sum())
    again = M.kmeans(x, 3, seed=1)
    np.testing.assert_array_equal(result.labels, again.labels)
    from sklearn.cluster import KMeans
    sk = KMeans(3, n_init=4, random_state=0).fit(x)
    assert result.inertia == pytest.approx(sk.inertia_, rel=1e-6)
    with pytest.raises(ValueError, match=r"k must be in \[1, 150\]"):
        M.kmeans(x, 0)


def test_kmeans_and_distances_run_on_the_device(monkeypatch):
    monkeypatch.setattr(backend, "_cupy", fake_cupy)
    monkeypatch.setattr(backend, "_looked_for_cupy", True)
    x = mg.tensor(np.random.default_rng(0).standard_normal((30, 4))).to("cuda")
    result = M.kmeans(x, 3, n_init=1)
    assert isinstance(result.labels, FakeDeviceArray) and isinstance(result.centers, FakeDeviceArray)
    assert isinstance(M.pairwise_distances(x), FakeDeviceArray)


@given(data=st.data())
def test_retrieval_against_brute_force(data):
    rng = np.random.default_rng(data.draw(st.integers(0, 999)))
    n, d = data.draw(st.integers(3, 15)), data.draw(st.integers(1, 4))
    x = rng.standard_normal((n, d))
    labels = rng.integers(0, 3, n)
    for metric, sk_metric in (("euclidean", "euclidean"), ("cosine", "cosine")):
        np.testing.assert_allclose(M.pairwise_distances(x, metric=metric), skm.pairwise_distances(x, metric=sk_metric),
                                   atol=1e-7)
    k = data.draw(st.integers(1, n - 1))
    idx, dist = M.nearest_neighbors(x, x, k=k, exclude_self=True)
    full = skm.pairwise_distances(x)
    for i in range(n):
        order = sorted((full[i, j], j) for j in range(n) if j != i)[:k]
        np.testing.assert_allclose(dist[i], [v for v, _ in order], atol=1e-7)
    rel = labels[idx] == labels[:, None]
    assert M.precision_at_k(labels, labels, idx) == pytest.approx(rel.mean())
    # mAP against scikit-learn's average precision, query by query
    d_self = full.copy()
    expected = []
    for i in range(n):
        others = np.arange(n) != i
        truth = labels[others] == labels[i]
        if truth.any():
            expected.append(skm.average_precision_score(truth, -d_self[i, others]))
    if len(expected) == n:
        assert M.mean_average_precision(labels, labels, queries=x, database=x, exclude_self=True) == \
            pytest.approx(np.mean(expected))


def test_recall_at_k():
    labels = np.array([0, 0, 1, 1, 0])
    idx = np.array([[1, 2], [0, 3], [3, 0], [2, 1], [0, 1]])
    # query 0 (label 0): relevant others = {1, 4}, retrieved {1, 2} -> 1/2; query 4: {0, 1} of {0, 1} -> 1
    assert M.recall_at_k(labels, labels, idx, exclude_self=True) == pytest.approx((0.5 + 0.5 + 1 + 1 + 1) / 5)


def test_psnr_and_ssim():
    rng = np.random.default_rng(0)
    x = rng.random((4, 28, 28))
    noisy = np.clip(x + 0.1 * rng.standard_normal(x.shape), 0, 1)
    mse = ((x - noisy) ** 2).reshape(4, -1).mean(1)
    np.testing.assert_allclose(M.psnr(x, noisy, reduction="none"), 10 * np.log10(1 / mse))
    assert M.psnr(x, x) == np.inf
    assert M.ssim(x, x) == pytest.approx(1.0)
    assert M.ssim(x, noisy) == pytest.approx(M.ssim(noisy, x))
    noisier = np.clip(x + 0.3 * rng.standard_normal(x.shape), 0, 1)
    assert M.ssim(x, noisier) < M.ssim(x, noisy) < 1
    assert M.psnr(x, noisier) < M.psnr(x, noisy)
    assert M.ssim(x[:, :8, :8], noisy[:, :8, :8]) < 1          # small images shrink the window
    with pytest.raises(ValueError, match="image shapes differ"):
        M.psnr(x, x[:, :5])


def test_anomaly_scores_feed_roc_auc():
    x = np.zeros((6, 4))
    recon = np.zeros((6, 4))
    recon[4:] = 1.0                                   # the last two are reconstructed badly
    scores = M.reconstruction_error(x, recon)
    np.testing.assert_allclose(scores, [0, 0, 0, 0, 1, 1])
    assert M.anomaly_auc(scores, [0, 0, 0, 0, 1, 1]) == 1.0
    assert M.reconstruction_error(x + 0.5, recon + 0.5, kind="mae")[4] == pytest.approx(1.0)
    assert M.reconstruction_error(x, recon * 0 + 0.5, kind="bce")[0] == pytest.approx(np.log(2))


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((500, 3)), rng.standard_normal((400, 3)) * [1, 2, 0.5] + [1, 0, 0]
    assert M.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)         # a set with itself
    ca, cb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(ca + cb - 2 * sqrtm(ca @ cb).real)
    assert M.frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    doubled = M.frechet_distance(a, b, feature_fn=lambda batch: np.asarray(batch) * 2, batch_size=64)
    assert doubled == pytest.approx(4 * expected, rel=1e-6)                 # features from a callable


def test_mode_coverage_and_inception_score():
    collapsed = M.mode_coverage(np.zeros(100, dtype=int), 10)
    assert collapsed.modes_hit == 1 and collapsed.kl_to_uniform == pytest.approx(np.log(10))
    even = M.mode_coverage(np.arange(100) % 10, 10)
    assert even.modes_hit == 10 and even.kl_to_uniform == pytest.approx(0.0) and even.min_class_fraction == 0.1
    probs = np.eye(10)[np.arange(100) % 10]                           # confident and spread: IS = 10
    assert M.inception_score(probs)[0] == pytest.approx(10.0)
    assert M.inception_score(np.full((50, 10), 0.1))[0] == pytest.approx(1.0)   # uninformative: IS = 1
    assert M.mode_coverage(probs, 10).modes_hit == 10                  # score matrices are accepted
    with pytest.raises(ValueError, match="probabilities"):
        M.inception_score(np.ones((3, 4)))
