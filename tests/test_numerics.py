"""float32 accuracy over the whole input range, not only in [-3, 3].

Each op runs in float32 on inputs out to the ends of its useful range and is compared with
the same formula evaluated in float64 (the reference), value and gradient. A formula that
cancels or underflows early (sigmoid as (1 + tanh(x/2)) / 2 is exactly 0 below about -17)
fails here even though it passes every gradient check near 0.
"""

from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

EXTREMES = np.array([-88.0, -50.0, -30.0, -20.0, -17.0, -10.0, -1e-3, 0.0, 1e-3, 10.0, 17.0, 30.0, 50.0, 88.0])


def _reference_sigmoid(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1 + np.exp(-np.abs(x))))


# Sigmoid's and tanh's derivatives are computed from the output (y (1 - y), 1 - y^2), as in
# PyTorch, so where y has rounded to 1 they are good to float32's resolution of y (6e-8)
# rather than relatively: a third element gives that absolute tolerance.
RESOLUTION_OF_Y = 6e-8
CASES = {
    # name: (minigrad function, float64 value, float64 derivative, absolute gradient tolerance)
    "sigmoid": (mg.sigmoid, _reference_sigmoid, lambda x: _reference_sigmoid(x) * _reference_sigmoid(-x),
                RESOLUTION_OF_Y),
    "softplus": (mg.softplus, lambda x: np.logaddexp(0, x), _reference_sigmoid, 0.0),
    "tanh": (mg.tanh, np.tanh, lambda x: 1 / np.cosh(x) ** 2, RESOLUTION_OF_Y),
    "exp": (mg.exp, np.exp, np.exp, 0.0),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_float32_value_and_gradient_across_the_range(name):
    """Values to a few float32 ulps (relative); gradients to 1e-5 relative, or to the absolute
    tolerance of the table (tanh'(x) = 1 - y^2 is 0 once y rounds to 1, in PyTorch too)."""
    fn, value, derivative, gradient_atol = CASES[name]
    x = EXTREMES if name != "exp" else EXTREMES[np.abs(EXTREMES) < 80]
    t = mg.tensor(x, dtype=mg.float32, requires_grad=True)
    y = fn(t)
    y.sum().backward()
    x32 = x.astype(np.float32).astype(np.float64)
    expected_y, expected_g = value(x32), derivative(x32)
    tiny = np.finfo(np.float32).tiny
    np.testing.assert_allclose(y.data.astype(np.float64), expected_y, rtol=3e-7 * 4, atol=tiny, err_msg=name)
    np.testing.assert_allclose(t.grad.data.astype(np.float64), expected_g, rtol=1e-5,
                               atol=max(gradient_atol, tiny), err_msg=name)


def test_sigmoid_keeps_tiny_probabilities_and_their_gradient():
    x = mg.tensor([-30.0, -20.0], requires_grad=True)
    p = mg.sigmoid(x)
    p.sum().backward()
    assert (p.data > 0).all() and (x.grad.data > 0).all()
    np.testing.assert_allclose(p.data, [9.357623e-14, 2.0611537e-09], rtol=1e-6)


def test_bce_with_logits_is_exact_at_confident_logits():
    """l = softplus(x) - x y: at x = -40 with y = 1, l = 40 (not the -100 clamp), dl/dx = s(x) - 1."""
    x = mg.tensor([-40.0, 40.0, -1e4, 1e4], requires_grad=True)
    y = mg.tensor([1.0, 0.0, 1.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [40.0, 40.0, 1e4, 1e4], rtol=1e-6)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-1.0, 1.0, -1.0, 1.0], rtol=1e-6)


def test_a_generator_still_learns_when_the_discriminator_is_confident():
    """The failure PyTorch's DCGAN example hit: with D(G(z)) = sigmoid(-25) the saturating BCE
    on probabilities must still pass a non-zero gradient to G's output."""
    gen = mg.Generator(0)
    g_out = (mg.randn(8, 4, generator=gen) * 0.1).requires_grad_()
    d_weight = mg.full((4, 1), -5.0)
    d_logit = g_out @ d_weight - 25.0               # D is sure these are fake
    d_prob = mg.sigmoid(d_logit)
    assert (d_prob.data < 1e-9).all() and (d_prob.data > 0).all()
    g_loss = F.binary_cross_entropy(d_prob, mg.ones(8, 1))
    g_loss.backward()
    assert g_loss.item() < 100                       # not stuck at the log clamp
    assert np.abs(g_out.grad.data).min() > 0.1       # G receives gradient to improve


@pytest.mark.parametrize("dtype, ulps", [(np.float32, 4.0), (np.float64, 2.0)])
def test_log1p_of_fraction_is_accurate_from_tiny_to_one(dtype, ulps):
    """softplus and the BCE take log(1 + z), z = e^-|x| in (0, 1], from a plain log corrected for
    the rounding of 1 + z (``log1p_of_fraction``): within a few ulps of log1p everywhere, and z
    itself where 1 + z rounds to 1 -- where log(1 + z) as written would be 0."""
    from minigrad.ops.activations import log1p_of_fraction

    rng = np.random.default_rng(0)
    z = np.concatenate([rng.random(200_000), 10.0 ** -rng.uniform(0, 40, 200_000),
                        np.exp(-rng.uniform(0, 100, 200_000)), [0.0, 1.0, 2.0 ** -24, 2.0 ** -53]]).astype(dtype)
    exact = np.log1p(z.astype(np.longdouble))
    got = log1p_of_fraction(z)
    assert got.dtype == dtype
    ulp = np.maximum(np.spacing(np.abs(exact).astype(dtype)), np.finfo(dtype).smallest_subnormal).astype(np.longdouble)
    worst = float((np.abs(got.astype(np.longdouble) - exact) / ulp).max())
    assert worst <= ulps, f"{worst:.2f} ulps"
    tiny = z[(z > 0) & (z + 1 == 1)]
    assert tiny.size and np.array_equal(log1p_of_fraction(tiny), tiny)
