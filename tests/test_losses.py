"""Losses and the reparameterization trick: gradient checks for every loss and reduction,
reference values, saturation (logits of +-1e4, probabilities of exactly 0 and 1), the
closed-form KL against Monte Carlo, and the statistics of reparameterized samples."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import nn
from tests.strategies import arrays, leaf, nonscalar_shapes

REDUCTION = st.sampled_from(["mean", "sum", "none"])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


@given(shape=nonscalar_shapes, reduction=REDUCTION, data=st.data())
def test_mse_and_l1(shape, reduction, data):
    x, y = data.draw(arrays(shape)), data.draw(arrays(shape))
    diff = x - y
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(F.mse_loss(leaf(x), leaf(y), reduction).data, reduce(diff ** 2))
    assert mg.gradcheck(lambda a, b: F.mse_loss(a, b, reduction), [leaf(x), leaf(y)])
    y = x + data.draw(arrays(shape, away_from=0.0, margin=0.1))     # keep x - y away from |.|'s kink
    np.testing.assert_allclose(F.l1_loss(leaf(x), leaf(y), reduction).data, reduce(np.abs(x - y)))
    assert mg.gradcheck(lambda a, b: F.l1_loss(a, b, reduction), [leaf(x), leaf(y)])


@given(shape=nonscalar_shapes, reduction=REDUCTION, data=st.data())
def test_binary_cross_entropy_with_logits(shape, reduction, data):
    x = data.draw(arrays(shape, low=-6, high=6))
    y = data.draw(arrays(shape, low=0, high=1))                     # soft labels allowed
    p = sigmoid(x)
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(leaf(x), leaf(y), reduction=reduction).data,
                               reduce(expected), rtol=1e-10)
    assert mg.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction),
                        [leaf(x), leaf(y)])


@given(shape=nonscalar_shapes, reduction=REDUCTION, data=st.data())
def test_binary_cross_entropy_on_probabilities(shape, reduction, data):
    p = data.draw(arrays(shape, low=0.05, high=0.95))
    y = data.draw(arrays(shape, low=0, high=1))
    expected = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(F.binary_cross_entropy(leaf(p), leaf(y), reduction=reduction).data,
                               reduce(expected), rtol=1e-10)
    assert mg.gradcheck(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), [leaf(p), leaf(y)])


def test_bce_saturation_is_finite_and_correct():
    x = mg.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    y = mg.tensor([1.0, 1.0, 0.0, 0.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [1e4, 50.0, np.log(2), 50.0, 1e4], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-1.0, -1.0, 0.5, 1.0, 1.0], atol=1e-7)   # sigmoid(x) - y
    # on probabilities: exactly 0 and 1 give PyTorch's clamp of the log at -100, finite gradients
    p = mg.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    t = mg.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, t, reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    assert np.isfinite(p.grad.data).all()
    np.testing.assert_allclose(p.grad.data, [-1e12, 1e12, 0.0, 0.0], rtol=1e-6)
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must be probabilities in \[0, 1\]"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))


@st.composite
def classification_case(draw):
    n, c = draw(st.integers(1, 5)), draw(st.integers(2, 5))
    targets = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    weights = np.array(draw(st.lists(st.floats(0.1, 2.0), min_size=c, max_size=c))) if draw(st.booleans()) \
        else None
    return n, c, targets, weights


@given(case=classification_case(), reduction=REDUCTION, data=st.data())
def test_cross_entropy_and_nll(case, reduction, data):
    n, c, t, w = case
    x = data.draw(arrays((n, c), low=-5, high=5))
    log_p = x - np.log(np.exp(x).sum(1, keepdims=True))
    per_sample = -log_p[np.arange(n), t] * (1.0 if w is None else w[t])
    if reduction == "mean":
        expected = per_sample.sum() / (n if w is None else w[t].sum())
    else:
        expected = per_sample.sum() if reduction == "sum" else per_sample
    np.testing.assert_allclose(F.cross_entropy(leaf(x), t, w, reduction).data, expected, rtol=1e-10)
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(leaf(x), 1), t, w, reduction).data, expected, rtol=1e-10)
    assert mg.gradcheck(lambda a: F.cross_entropy(a, t, w, reduction), [leaf(x)])
    assert mg.gradcheck(lambda a: F.nll_loss(a, t, w, reduction), [leaf(log_p.copy())])


def test_cross_entropy_for_images_and_large_logits():
    x = mg.tensor(np.random.default_rng(0).standard_normal((2, 3, 4, 4)), requires_grad=True)
    t = np.random.default_rng(1).integers(0, 3, (2, 4, 4))
    flat = x.data.transpose(0, 2, 3, 1).reshape(-1, 3)
    expected = F.cross_entropy(mg.tensor(flat), t.reshape(-1)).item()
    assert F.cross_entropy(x, t).item() == pytest.approx(expected, rel=1e-6)
    big = mg.tensor([[1e4, 0.0, -1e4]], requires_grad=True)
    loss = F.cross_entropy(big, np.array([1]))
    assert loss.item() == pytest.approx(1e4)
    loss.backward()
    np.testing.assert_allclose(big.grad.data, [[1.0, -1.0, 0.0]])


def test_cross_entropy_errors():
    x = mg.randn(3, 4)
    with pytest.raises(TypeError, match="cross_entropy: target must hold integer class indices, got dtype float"):
        F.cross_entropy(x, np.array([0.0, 1.0, 2.0]))
    with pytest.raises(IndexError, match=r"target values must be in \[0, 3\].*got \[0, 4\]"):
        F.cross_entropy(x, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"target shape \(2,\) does not match input \(3, 4\)"):
        F.cross_entropy(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r"mse_loss: input shape \(3, 4\) and target shape \(4,\) differ"):
        F.mse_loss(x, mg.randn(4))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")


def test_loss_modules_match_functions():
    x, y = mg.randn(4, 3), mg.rand(4, 3)
    t = np.array([0, 2, 1, 1])
    assert nn.MSELoss()(x, y).item() == F.mse_loss(x, y).item()
    assert nn.L1Loss(reduction="sum")(x, y).item() == F.l1_loss(x, y, "sum").item()
    assert nn.BCEWithLogitsLoss()(x, y).item() == F.binary_cross_entropy_with_logits(x, y).item()
    assert nn.BCELoss()(F.sigmoid(x), y).item() == F.binary_cross_entropy(F.sigmoid(x), y).item()
    assert nn.CrossEntropyLoss()(x, t).item() == F.cross_entropy(x, t).item()
    assert nn.NLLLoss()(F.log_softmax(x, 1), t).item() == F.nll_loss(F.log_softmax(x, 1), t).item()


# ------------------------------------------------------------------ KL and the reparameterization trick
@given(n=st.integers(1, 3), d=st.integers(1, 4), reduction=REDUCTION, data=st.data())
def test_gaussian_kl(n, d, reduction, data):
    mu, logvar = data.draw(arrays((n, d))), data.draw(arrays((n, d), low=-2, high=2))
    per_sample = 0.5 * (mu ** 2 + np.exp(logvar) - 1 - logvar).sum(-1)
    reduce = {"mean": np.mean, "sum": np.sum, "none": lambda a: a}[reduction]
    np.testing.assert_allclose(F.gaussian_kl(leaf(mu), leaf(logvar), reduction).data, reduce(per_sample))
    assert mg.gradcheck(lambda m, lv: F.gaussian_kl(m, lv, reduction), [leaf(mu), leaf(logvar)])
    mu2, logvar2 = data.draw(arrays((n, d))), data.draw(arrays((n, d), low=-2, high=2))
    assert mg.gradcheck(lambda a, b, c, e: F.gaussian_kl_between(a, b, c, e, reduction),
                        [leaf(mu), leaf(logvar), leaf(mu2), leaf(logvar2)])
    # against N(0, I) the general form reduces to the special one
    zeros = np.zeros((n, d))
    np.testing.assert_allclose(F.gaussian_kl_between(leaf(mu), leaf(logvar), leaf(zeros), leaf(zeros),
                                                     reduction).data, reduce(per_sample), rtol=1e-12)


def test_closed_form_kl_matches_monte_carlo():
    rng = np.random.default_rng(0)
    mu1, logvar1 = np.array([[0.5, -1.0, 2.0]]), np.array([[0.3, -0.5, 1.0]])
    mu2, logvar2 = np.array([[0.0, 1.0, 1.5]]), np.array([[0.0, 0.4, -0.2]])
    z = mu1 + np.exp(logvar1 / 2) * rng.standard_normal((400_000, 3))

    def log_density(z, mu, logvar):
        return (-0.5 * (np.log(2 * np.pi) + logvar + (z - mu) ** 2 / np.exp(logvar))).sum(-1)

    monte_carlo = (log_density(z, mu1, logvar1) - log_density(z, mu2, logvar2)).mean()
    closed = F.gaussian_kl_between(mg.tensor(mu1), mg.tensor(logvar1), mg.tensor(mu2), mg.tensor(logvar2)).item()
    assert closed == pytest.approx(monte_carlo, abs=0.02)
    standard = (log_density(z, mu1, logvar1) - log_density(z, 0 * mu1, 0 * logvar1)).mean()
    assert F.gaussian_kl(mg.tensor(mu1), mg.tensor(logvar1)).item() == pytest.approx(standard, abs=0.02)


@given(shape=nonscalar_shapes, data=st.data())
def test_reparameterize_gradcheck_with_fixed_eps(shape, data):
    mu, logvar = data.draw(arrays(shape)), data.draw(arrays(shape, low=-2, high=2))
    eps = data.draw(arrays(shape, layout=False))
    z = F.reparameterize(leaf(mu), leaf(logvar), eps=eps)
    np.testing.assert_allclose(z.data, mu + np.exp(logvar / 2) * eps)
    assert mg.gradcheck(lambda m, lv: F.reparameterize(m, lv, eps=eps), [leaf(mu), leaf(logvar)])
    m, lv = leaf(mu), leaf(logvar)
    F.reparameterize(m, lv, eps=eps).sum().backward()
    np.testing.assert_allclose(m.grad.data, np.ones(shape))                        # dz/dmu = 1
    np.testing.assert_allclose(lv.grad.data, eps * np.exp(logvar / 2) / 2)         # dz/dlogvar


def test_reparameterized_samples_have_the_right_moments():
    n = 200_000
    mu = mg.tensor(np.full((n, 2), [1.5, -2.0]))
    logvar = mg.tensor(np.full((n, 2), [np.log(4.0), np.log(0.25)]))
    z = F.reparameterize(mu, logvar, generator=mg.Generator(3)).data
    np.testing.assert_allclose(z.mean(0), [1.5, -2.0], atol=0.015)     # 3 standard errors of the mean
    np.testing.assert_allclose(z.var(0), [4.0, 0.25], rtol=0.015)
    again = F.reparameterize(mu, logvar, generator=mg.Generator(3)).data
    np.testing.assert_array_equal(z, again)                            # seeded: repeatable
    with pytest.raises(ValueError, match=r"reparameterize: mu \(2,\), logvar \(3,\)"):
        F.reparameterize(mg.zeros(2), mg.zeros(3), eps=np.zeros(2))
