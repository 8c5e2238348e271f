"""Activation functions and the (log-)softmax.

Kink rules, stated once: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha
(each takes the left-hand derivative at 0, as PyTorch does).
"""

from __future__ import annotations

from minigrad.backend import array_module
from minigrad.function import Function


class Tanh(Function):
    """y = tanh(x).   dy/dx = 1 - y^2."""

    saves_inputs = False

    def forward(self, x):
        self.y = array_module(x).tanh(x)
        return self.y

    def backward(self, gy):
        return gy * (1 - self.y * self.y)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x), computed as (1 + tanh(x/2)) / 2, which never overflows.

    dy/dx = y (1 - y).
    """

    saves_inputs = False

    def forward(self, x):
        xp = array_module(x)
        self.y = 0.5 * (1 + xp.tanh(0.5 * x))
        return self.y

    def backward(self, gy):
        return gy * self.y * (1 - self.y)


class ReLU(Function):
    """y = max(x, 0).   dy/dx = 1 if x > 0 else 0 (0 at the kink x = 0)."""

    saves_inputs = False

    def forward(self, x):
        self.positive = x > 0
        return x * self.positive

    def backward(self, gy):
        return gy * self.positive


class LeakyReLU(Function):
    """y = x if x > 0 else slope * x.   dy/dx = 1 if x > 0 else slope.

    Written as y = x * s with s = 1 where x > 0 and slope elsewhere: the same array s is
    the derivative, and a multiplication is much faster than a select (``where``).
    """

    saves_inputs = False

    def __init__(self, negative_slope=0.01):
        self.slope = negative_slope

    def forward(self, x):
        s = (x > 0).astype(x.dtype)
        s *= 1 - self.slope
        s += self.slope
        self.s = s
        return x * s

    def backward(self, gy):
        return gy * self.s


class Softplus(Function):
    """y = log(1 + e^x), computed stably as max(x, 0) + log1p(e^-|x|).

    dy/dx = sigmoid(x).
    """

    def forward(self, x):
        xp = array_module(x)
        self.x = x
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, gy):
        xp = array_module(gy)
        return gy * (0.5 * (1 + xp.tanh(0.5 * self.x)))


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
        xp = array_module(x)
        shifted = x - x.max(axis=self.dim, keepdims=True)
        self.y = shifted - xp.log(xp.exp(shifted).sum(axis=self.dim, keepdims=True))
        return self.y

    def backward(self, gy):
        xp = array_module(gy)
        return gy - xp.exp(self.y) * gy.sum(axis=self.dim, keepdims=True)
