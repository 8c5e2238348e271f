"""Reductions: sum, mean, var, max, min, logsumexp over ``dim`` (an int, a tuple, or None = all).

A reduction's backward has to *spread* dL/dy back over the reduced axes. With
``keepdim=False`` those axes were dropped, so the first step is always to put them
back as length-1 axes (``_restore``); broadcasting then does the spreading.
"""

from __future__ import annotations

from minigrad import checks
from minigrad.backend import array_module
from minigrad.function import Function


class _Reduction(Function):
    """Shared plumbing: parse ``dim``/``keepdim``; restore reduced axes in backward."""

    def __init__(self, dim=None, keepdim=False):
        self.dim, self.keepdim = dim, keepdim

    def _axes(self, x):
        self.axes = checks.axes(type(self).__name__.lower(), self.dim, x.ndim)
        self.in_shape = x.shape
        return self.axes

    def _restore(self, g):
        """Reshape a reduced array so it broadcasts against the input (reduced axes -> length 1)."""
        if self.keepdim:
            return g
        shape = tuple(1 if i in self.axes else n for i, n in enumerate(self.in_shape))
        return g.reshape(shape)


class Sum(_Reduction):
    """y = sum_i x_i over the reduced axes.   dy/dx_i = 1: dL/dy is copied to every x_i."""

    saves_inputs = False

    def forward(self, x):
        return x.sum(axis=self._axes(x), keepdims=self.keepdim)

    def backward(self, gy):
        return array_module(gy).broadcast_to(self._restore(gy), self.in_shape)


class Mean(_Reduction):
    """y = (1/n) sum_i x_i, n the number of reduced elements.   dy/dx_i = 1/n."""

    saves_inputs = False

    def forward(self, x):
        axes = self._axes(x)
        self.n = 1
        for a in axes:
            self.n *= x.shape[a]
        return x.mean(axis=axes, keepdims=self.keepdim)

    def backward(self, gy):
        return array_module(gy).broadcast_to(self._restore(gy) / self.n, self.in_shape)


class Var(_Reduction):
    """y = sum_i (x_i - mean)^2 / (n - ddof), ddof = 1 if ``unbiased`` (PyTorch's default) else 0.

    dy/dx_i = 2 (x_i - mean) / (n - ddof)   (the terms through the mean sum to zero).
    """

    saves_inputs = False

    def __init__(self, dim=None, keepdim=False, unbiased=True):
        super().__init__(dim, keepdim)
        self.ddof = 1 if unbiased else 0

    def forward(self, x):
        axes = self._axes(x)
        n = 1
        for a in axes:
            n *= x.shape[a]
        if n - self.ddof <= 0:
            raise ValueError(f"var: {n} element(s) along dim {self.dim} but ddof={self.ddof}; "
                             f"use unbiased=False or reduce over more elements")
        self.denominator = n - self.ddof
        self.centered = x - x.mean(axis=axes, keepdims=True)
        return (self.centered * self.centered).sum(axis=axes, keepdims=self.keepdim) / self.denominator

    def backward(self, gy):
        return self._restore(gy) * (2 / self.denominator) * self.centered


class Max(_Reduction):
    """y = max_i x_i.   dy/dx_i = 1/k if x_i is one of the k tied maxima, else 0.

    Tie rule: the gradient is split evenly among all elements equal to the maximum
    (like PyTorch's ``amax``). This keeps max(x) consistent with the symmetric
    definition and makes the result independent of the element order.
    """

    saves_inputs = False

    reduce = "max"

    def forward(self, x):
        axes = self._axes(x)
        y = getattr(x, self.reduce)(axis=axes, keepdims=True)
        self.winners = x == y
        self.count = self.winners.sum(axis=axes, keepdims=True).astype(x.dtype)
        return y if self.keepdim else y.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def backward(self, gy):
        return self._restore(gy) * self.winners / self.count


class Min(Max):
    """y = min_i x_i.   dy/dx_i = 1/k if x_i is one of the k tied minima, else 0."""

    reduce = "min"


class LogSumExp(_Reduction):
    """y = log sum_i e^(x_i), computed as m + log sum_i e^(x_i - m) with m = max x (no overflow).

    dy/dx_i = e^(x_i) / sum_j e^(x_j) = e^(x_i - y)  (the softmax).
    """

    def forward(self, x):
        xp = array_module(x)
        axes = self._axes(x)
        m = x.max(axis=axes, keepdims=True)
        y = m + xp.log(xp.exp(x - m).sum(axis=axes, keepdims=True))
        self.x, self.y_kept = x, y
        return y if self.keepdim else y.reshape([n for i, n in enumerate(x.shape) if i not in axes])

    def backward(self, gy):
        xp = array_module(gy)
        return self._restore(gy) * xp.exp(self.x - self.y_kept)


def arg_reduce(x, name, dim=None, keepdim=False):
    """argmax/argmin (not differentiable: an index has no gradient)."""
    xp = array_module(x)
    if dim is not None:
        from minigrad import checks
        dim = checks.dim(name, dim, max(x.ndim, 1))
    if dim is None:
        index = getattr(xp, name)(x)
        return index.reshape((1,) * x.ndim) if keepdim else xp.asarray(index)
    index = getattr(xp, name)(x, axis=dim)
    return xp.expand_dims(index, dim) if keepdim else index


class CumSum(Function):
    """y_i = x_1 + ... + x_i along ``dim`` (a running sum, not a reduction: same shape as x).

    x_j appears in every y_i with i >= j, so dL/dx_j = sum_{i >= j} dL/dy_i: the running sum
    of dL/dy taken from the other end.
    """

    saves_inputs = False

    def __init__(self, dim):
        self.dim = dim

    def forward(self, x):
        return array_module(x).cumsum(x, axis=self.dim)

    def backward(self, gy):
        xp = array_module(gy)
        flipped = xp.flip(gy, axis=self.dim)
        return xp.flip(xp.cumsum(flipped, axis=self.dim), axis=self.dim)
