"""Activation functions and the (log-)softmax.

Kink rules, stated once: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha
(each takes the left-hand derivative at 0, as PyTorch does).
"""

from __future__ import annotations

import math

from minigrad import backend
from minigrad.backend import array_module
from minigrad.function import Function


# The numerically stable formulas, each written once and used by the ops and losses below.
def exp_neg_abs(x):
    """z = e^-|x|, in (0, 1] for every x: the one exponential that sigmoid and softplus share."""
    xp = array_module(x)
    return xp.exp(-xp.abs(x))


def stable_sigmoid(x, z=None):
    """sigmoid(x) = 1 / (1 + e^-x), accurate over the whole float range.

    With z = e^-|x| (always in (0, 1], so it never overflows; pass it as ``z`` if it is at hand):
        x >= 0:  1 / (1 + z)          x < 0:  z / (1 + z)   (= e^x / (1 + e^x))
    The second form keeps tiny values for very negative x (sigmoid(-30) = 9.4e-14 in float32),
    where (1 + tanh(x/2)) / 2 rounds to exactly 0. The two cases are chosen by arithmetic on
    the mask (numerator = z or 1, exactly) rather than ``where``, which is several times slower.
    """
    z = exp_neg_abs(x) if z is None else z
    negative = x < 0
    numerator = negative * z          # z where x < 0, else 0 ...
    numerator += ~negative            # ... and 1 where x >= 0
    numerator /= z + 1
    return numerator.astype(x.dtype, copy=False)


def stable_softplus(x, z=None):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow, exact for large |x|.
    (``z`` = e^-|x| if it is at hand.)"""
    z = exp_neg_abs(x) if z is None else z
    return array_module(x).maximum(x, 0) + log1p_of_fraction(z)


def log1p_of_fraction(z):
    """log(1 + z) for z in [0, 1], to a few units in the last place, from one plain logarithm.

    log(1 + z) cannot be taken as written when z is tiny: u = 1 + z rounds, and below z = 2^-24
    (float32) u is exactly 1 and log(u) = 0 instead of z. But the rounding error is known
    exactly, e = (u - 1) - z (both subtractions are exact for u in [1, 2]), and then

        log(1 + z) = log(u - e) = log(u) - e / u + O(e^2)       (e <= half a unit of u)

    which gives z itself when u = 1. Why not ``log1p``: NumPy has a vectorised float32 ``log``
    but not ``log1p`` on CPUs without AVX-512. Measured on a 128 x 784 batch (the VAE's logits):
    ``log1p`` 0.78-1.08 ms, this function 0.27 ms; its error against a long-double log1p at most
    3.3 ulps in float32 (log1p's: 0.8) and 1.05 in float64.
    """
    u = z + 1
    e = (u - 1) - z         # the rounding error of 1 + z, exactly
    return array_module(z).log(u) - e / u


def stable_log_softmax(x, axis):
    """log softmax(x) = x - m - log sum e^(x - m) along ``axis``, with m = max(x) (no overflow)."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


class Tanh(Function):
    """y = tanh(x).   dy/dx = 1 - y^2."""

    saves_inputs = False

    def forward(self, x):
        self.y = array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        return gy * (1 - self.y * self.y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x) (``stable_sigmoid``).   dy/dx = y (1 - y)."""

    saves_inputs = False

    def forward(self, x):
        self.y = stable_sigmoid(x)
        return self.y

    def backward(self, gy):
        return gy * self.y * (1 - self.y)


class ReLU(Function):
    """y = max(x, 0).   dy/dx = 1 if x > 0 else 0 (0 at the kink x = 0)."""

    saves_inputs = False

    def forward(self, x):
        self.positive = x > 0
        return array_module(x).maximum(x, 0)     # x * positive is the same, 1.8x slower measured

    def backward(self, gy):
        return gy * self.positive


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x.   dy/dx = 1 if x > 0 else slope.

    Written as y = x * s with s = 1 where x > 0 and slope elsewhere: the same array s is
    the derivative, and a multiplication is much faster than a select (``where``, 10x slower
    measured). Forward keeps only the mask x > 0 (one byte per number, not four: a quarter of
    the memory in a GAN's discriminator) and backward rebuilds s from it.
    """

    saves_inputs = False

    def __init__(self, negative_slope=0.01):
        self.slope = negative_slope

    def forward(self, x):
        self.positive = x > 0
        return x * self.derivative(x.dtype)

    def derivative(self, dtype):
        """s = 1 where x > 0, slope elsewhere."""
        s = self.positive.astype(dtype)
        s *= 1 - self.slope
        s += self.slope
        return s

    def backward(self, gy):
        return gy * self.derivative(gy.dtype)


class Softplus(Function):
    """y = log(1 + e^x) (``stable_softplus``).   dy/dx = sigmoid(x)."""

    def forward(self, x):
        self.x, self.z = x, exp_neg_abs(x)
        return stable_softplus(x, self.z)

    def backward(self, gy):
        return gy * stable_sigmoid(self.x, self.z)


class GELU(Function):
    """y = x Phi(x), Phi the standard normal CDF: Phi(x) = (1 + erf(x / sqrt 2)) / 2 (PyTorch's
    default, exact form).   dy/dx = Phi(x) + x phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi)."""

    def forward(self, x):
        xp = array_module(x)
        self.x = x
        self.cdf = 0.5 * (1 + backend.special(x).erf(x / xp.sqrt(x.dtype.type(2))))
        return x * self.cdf

    def backward(self, gy):
        xp = array_module(gy)
        pdf = xp.exp(-0.5 * self.x * self.x) / math.sqrt(2 * math.pi)
        return gy * (self.cdf + self.x * pdf)


class ELU(Function):
    """y = x if x > 0 else alpha (e^x - 1).   dy/dx = 1 if x > 0 else alpha e^x = y + alpha."""

    saves_inputs = False

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        xp = array_module(x)
        self.positive = x > 0
        self.y = xp.where(self.positive, x, self.alpha * xp.expm1(xp.minimum(x, 0)))
        return self.y

    def backward(self, gy):
        xp = array_module(gy)
        return xp.where(self.positive, gy, gy * (self.y + self.alpha))


class Softmax(Function):
    """y_i = e^(x_i - m) / sum_j e^(x_j - m) along ``dim``, with m = max_j x_j for stability.

    The Jacobian is dy_i/dx_j = y_i (delta_ij - y_j), so the vector-Jacobian product is
    dL/dx = y * (gy - sum(gy * y)).
    """

    saves_inputs = False

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        xp = array_module(x)
        e = xp.exp(x - x.max(axis=self.dim, keepdims=True))
        self.y = e / e.sum(axis=self.dim, keepdims=True)
        return self.y

    def backward(self, gy):
        y = self.y
        return y * (gy - (gy * y).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    """y = x - logsumexp(x) along ``dim`` (log-sum-exp shifted by the max, so it never overflows).

    dy_i/dx_j = delta_ij - softmax(x)_j, so dL/dx = gy - softmax(x) * sum(gy).
    """

    saves_inputs = False

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        self.y = stable_log_softmax(x, self.dim)
        return self.y

    def backward(self, gy):
        xp = array_module(gy)
        return gy - xp.exp(self.y) * gy.sum(axis=self.dim, keepdims=True)
