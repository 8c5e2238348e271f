"""Dense layers and reshaping modules."""

from __future__ import annotations

import numpy as np

from minigrad import checks

from minigrad import functional as MF
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter


class Linear(Module):
    """y = x W^T + b with W (out_features, in_features), initialised like PyTorch's
    (uniform on +-1/sqrt(in_features) for both W and b)."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True, generator=None, device=None,
                 dtype=None):
        super().__init__()
        self.in_features = checks.positive_int("Linear", "in_features", in_features)
        self.out_features = checks.positive_int("Linear", "out_features", out_features)
        self.weight = Parameter(np.empty((out_features, in_features), dtype=np.float32))
        self.bias = Parameter(np.empty(out_features, dtype=np.float32)) if bias else None
        init.default_layer_init_(self.weight, self.bias, generator)
        if device is not None or dtype is not None:
            self.to(device, dtype)

    def forward(self, x):
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input shape {x.shape} "
                             f"does not end in {self.in_features}")
        return MF.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    def forward(self, x):
        return x


class Flatten(Module):
    """Merge dims ``start_dim``..``end_dim`` (by default everything but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1):
        super().__init__()
        for name, d in (("start_dim", start_dim), ("end_dim", end_dim)):
            if not checks.is_integer(d):
                raise TypeError(f"Flatten: {name} must be an integer, got {d!r}")
        if (start_dim < 0) == (end_dim < 0) and start_dim > end_dim:   # e.g. (2, 1): empty whatever the input
            raise ValueError(f"Flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return MF.flatten(x, self.start_dim, self.end_dim)


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (e.g. 784 -> (1, 28, 28))."""

    def __init__(self, dim: int, unflattened_size):
        super().__init__()
        self.dim, self.size = dim, checks.shape("Unflatten", tuple(unflattened_size), allow_minus_one=True)

    def forward(self, x):
        dim = self.dim % x.ndim
        if int(np.prod(self.size)) != x.shape[dim]:
            raise ValueError(f"Unflatten: dimension {dim} of {x.shape} cannot become {self.size}")
        return x.reshape(x.shape[:dim] + self.size + x.shape[dim + 1:])
