"""Inputs of every metric: NumPy arrays, CuPy arrays, minigrad Tensors or lists.

Metrics read values only -- nothing here records gradients. Counting metrics work on
host NumPy copies (they are cheap); the array-valued results of the distance and
clustering metrics are computed with the input's own array module.
"""

from __future__ import annotations

import numpy as np

from minigrad import backend
from minigrad.tensor import Tensor


def raw(x):
    """The underlying NumPy/CuPy array (a Tensor's data; lists become NumPy arrays)."""
    if isinstance(x, Tensor):
        return x.data
    if backend.is_array(x):
        return x
    return np.asarray(x)


def host(x) -> np.ndarray:
    """A NumPy array with the values of ``x`` (copied from the GPU if needed)."""
    return backend.to_numpy(raw(x))


def vector(x, name: str, op: str) -> np.ndarray:
    a = host(x)
    if a.ndim != 1:
        a = a.reshape(-1) if a.ndim == 2 and 1 in a.shape else a
    if a.ndim != 1:
        raise ValueError(f"{op}: {name} must be one-dimensional, got shape {a.shape}")
    return a


def same_length(op: str, **arrays):
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{op}: inputs have different lengths {lengths}")
    if not next(iter(lengths.values())):
        raise ValueError(f"{op}: inputs are empty")
