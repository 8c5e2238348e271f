"""Dropout: randomly zero activations in training, scaled so that the expectation is unchanged."""

from __future__ import annotations

from minigrad import backend, checks
from minigrad.nn.module import Module
from minigrad.random import _generator
from minigrad.tensor import Tensor


def dropout(x, p: float = 0.5, training: bool = True, generator=None):
    """y = x * m / (1 - p), m_i ~ Bernoulli(1 - p) drawn from ``generator``.

    E[y] = x, so nothing changes at evaluation time (where y = x). dy/dx = m / (1 - p).
    """
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be in [0, 1], got {p}")
    if not isinstance(training, bool):
        raise TypeError(f"dropout: training must be True or False, got {training!r}")
    x = checks.tensor_argument("dropout", "input", x)
    if x.data.dtype.kind != "f":
        raise TypeError(f"dropout: input dtype {x.dtype} is not floating point (dropout rescales by 1 / (1 - p)); "
                        f"convert it with .float() first")
    if not training or p == 0:
        return x
    if p == 1:
        return x * 0.0
    keep = _generator(generator).numpy.random(x.shape) >= p
    mask = (keep / (1 - p)).astype(x.dtype)
    xp = backend.array_module(x.data)
    return x * Tensor(xp.asarray(mask))


class Dropout(Module):
    def __init__(self, p: float = 0.5, generator=None):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p, self.generator = p, generator

    def forward(self, x):
        return dropout(x, self.p, self.training, self.generator)

    def extra_repr(self):
        return f"p={self.p}"
