"""Tensors made from nothing: zeros, ones, full, arange, linspace, eye, and the ``*_like`` forms."""

from __future__ import annotations

import numbers

import numpy as np

from minigrad import backend, checks
from minigrad.tensor import Tensor, float32


def _make(array, device, requires_grad):
    if device is not None:
        array = backend.to_device(array, device)
    return Tensor(array, requires_grad=requires_grad)


def _fill(op, value):
    if isinstance(value, Tensor) and value.data.size == 1:
        value = value.item()
    if not isinstance(value, (numbers.Number, np.generic)) or isinstance(value, complex):
        raise TypeError(f"{op}: fill_value must be a real number or a bool, got {type(value).__name__} {value!r:.60}")
    return value


def zeros(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _make(np.zeros(checks.shape("zeros", shape), dtype=checks.dtype("zeros", dtype, float32)), device, requires_grad)


def ones(*shape, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _make(np.ones(checks.shape("ones", shape), dtype=checks.dtype("ones", dtype, float32)), device, requires_grad)


def full(shape, fill_value, dtype=None, device=None, requires_grad=False) -> Tensor:
    """As PyTorch: without a dtype, an int fill gives int64, a bool bool, a float float32."""
    shape = checks.shape("full", shape if isinstance(shape, (tuple, list)) else (shape,))
    fill_value = _fill("full", fill_value)
    if dtype is None:
        dtype = (np.bool_ if isinstance(fill_value, (bool, np.bool_)) else
                 np.int64 if isinstance(fill_value, (int, np.integer)) else float32)
    return _make(np.full(shape, fill_value, dtype=checks.dtype("full", dtype)), device, requires_grad)


def eye(n: int, m: int | None = None, dtype=None, device=None) -> Tensor:
    n = checks.positive_int("eye", "n", n, 0)
    m = n if m is None else checks.positive_int("eye", "m", m, 0)
    return _make(np.eye(n, m, dtype=checks.dtype("eye", dtype, float32)), device, False)


def arange(start, end=None, step=1, dtype=None, device=None) -> Tensor:
    """Like ``torch.arange``: integers give int64, any float argument gives float32."""
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        checks.finite_number("arange", name, v)
    if step == 0:
        raise ValueError("arange: step must not be 0")
    if dtype is None:
        is_int = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = np.int64 if is_int else float32
    return _make(np.arange(start, end, step, dtype=checks.dtype("arange", dtype)), device, False)


def linspace(start, end, steps: int, dtype=None, device=None) -> Tensor:
    """``steps`` evenly spaced values from start to end; with an integer dtype the values are
    truncated toward zero, as in PyTorch."""
    checks.positive_int("linspace", "steps", steps, 0)
    values = np.linspace(start, end, steps, dtype=np.float64)
    dtype = checks.dtype("linspace", dtype, float32)
    if dtype.kind in "iu":
        values = np.trunc(values)
    return _make(values.astype(dtype), device, False)


def _like(x: Tensor, fill, dtype, requires_grad, op="full_like"):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}; use zeros/ones/full with a shape")
    xp = backend.array_module(x.data)
    dtype = checks.dtype(op, dtype, x.dtype)
    return Tensor(xp.full(x.shape, _fill(op, fill), dtype=dtype), requires_grad=requires_grad)


def zeros_like(x: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _like(x, 0, dtype, requires_grad, "zeros_like")


def ones_like(x: Tensor, dtype=None, requires_grad=False) -> Tensor:
    return _like(x, 1, dtype, requires_grad, "ones_like")


def full_like(x: Tensor, fill_value, dtype=None, requires_grad=False) -> Tensor:
    return _like(x, fill_value, dtype, requires_grad)
