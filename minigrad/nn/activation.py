"""Module forms of the activation functions (the math lives in ``minigrad.ops.activations``)."""

from __future__ import annotations

from minigrad import checks
from minigrad import functional as MF
from minigrad.nn.module import Module


class ReLU(Module):
    """``inplace`` is accepted so that PyTorch code runs unchanged; minigrad never computes in place
    (the graph keeps every value it needs), so it changes nothing."""

    def __init__(self, inplace: bool = False):
        super().__init__()

    def forward(self, x):
        return MF.relu(x)


class LeakyReLU(Module):
    def __init__(self, negative_slope: float = 0.01, inplace: bool = False):
        super().__init__()
        self.negative_slope = checks.finite_number("LeakyReLU", "negative_slope", negative_slope)

    def forward(self, x):
        return MF.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    def forward(self, x):
        return MF.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return MF.tanh(x)


class Softplus(Module):
    def forward(self, x):
        return MF.softplus(x)


class ELU(Module):
    def __init__(self, alpha: float = 1.0):
        super().__init__()
        self.alpha = checks.finite_number("ELU", "alpha", alpha)

    def forward(self, x):
        return MF.elu(x, self.alpha)


def _dim_argument(op, dim):
    if not checks.is_integer(dim):
        raise TypeError(f"{op}: dim must be an integer, got {dim!r}")
    return int(dim)


class Softmax(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = _dim_argument("Softmax", dim)

    def forward(self, x):
        return MF.softmax(x, self.dim)


class LogSoftmax(Module):
    def __init__(self, dim: int = -1):
        super().__init__()
        self.dim = _dim_argument("LogSoftmax", dim)

    def forward(self, x):
        return MF.log_softmax(x, self.dim)
