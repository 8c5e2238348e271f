"""Which dtype an op's result has: PyTorch's type-promotion rules, written out.

NumPy's rules differ from PyTorch's exactly where ported code notices (an integer tensor plus
0.5 is float64 in NumPy, float32 in PyTorch), so binary ops decide the dtype here and cast their
operands before the op runs. The rules:

1. Categories rank bool < integer < floating.
2. Operands come in three priority groups: tensors with dimensions, zero-dim tensors, and
   Python numbers. The result takes the highest category present; its dtype comes from the
   first group (in that order) that holds an operand of that category:
   - from tensors, the largest dtype of that category among them (int32 and int64 -> int64);
   - from Python numbers alone, the default dtype of the category (float32, int64, bool).
   So float32 tensor * 2.0 stays float32, an int64 tensor + 0.5 is float32, and a float32
   tensor + a 0-d float64 tensor stays float32.
3. Ops that only make sense on real numbers (true division, exp, log, sqrt, tanh, sigmoid, ...)
   turn integer and bool inputs into the default float dtype, float32.
"""

from __future__ import annotations

import numbers

import numpy as np

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)


def category(dtype) -> int:
    """0 for bool, 1 for integers, 2 for floating point."""
    kind = np.dtype(dtype).kind
    return 0 if kind == "b" else 2 if kind == "f" else 1


def _scalar_category(value) -> int:
    if isinstance(value, (bool, np.bool_)):
        return 0
    if isinstance(value, numbers.Integral):
        return 1
    return 2


def constant_category(value) -> int:
    """The category of a constant that is not a Tensor: a Python or NumPy number or array."""
    if hasattr(value, "dtype"):
        return category(value.dtype)
    if isinstance(value, (list, tuple)):
        return category(np.asarray(value).dtype)
    return _scalar_category(value)


def result_dtype(tensors, constants=()):
    """The dtype of a binary op's result, for operand Tensors (anything with .dtype and .ndim)
    and constants that are not Tensors (Python / NumPy numbers and arrays: the third group)."""
    groups = ([t.dtype for t in tensors if t.ndim > 0], [t.dtype for t in tensors if t.ndim == 0],
              [constant_category(c) for c in constants])
    highest = max([category(d) for d in groups[0] + groups[1]] + groups[2])
    for dtypes in groups[:2]:
        chosen = [d for d in dtypes if category(d) == highest]
        if chosen:
            return np.result_type(*chosen)
    return {0: np.dtype(bool), 1: DEFAULT_INT, 2: DEFAULT_FLOAT}[highest]


def floating(dtype):
    """The dtype a real-valued op computes in: the input's if floating, else float32."""
    dtype = np.dtype(dtype)
    return dtype if dtype.kind == "f" else DEFAULT_FLOAT
