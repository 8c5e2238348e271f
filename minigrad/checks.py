"""Argument checks shared by the public functions: dims, shapes, sizes and numbers.

Every check raises *before* anything is computed or changed, with a message that starts
with the name of the function the user called and names the offending argument:

    unsqueeze: dim 10 is out of range for a 2-d tensor (valid: -3..2)

PyTorch's conventions: a dim may be negative (counted from the end); a 0-d tensor accepts
dim 0 and -1, as if it had one axis.
"""

from __future__ import annotations

import functools
import math
import re
import numbers

import numpy as np


def is_integer(value) -> bool:
    """A Python or NumPy integer, not a bool (True is an int in Python, but never a size)."""
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def dim(op: str, d, ndim: int, extra: int = 0) -> int:
    """``d`` in -(ndim + extra)..ndim + extra - 1 as an index in 0..ndim + extra - 1.

    ``extra = 1`` is for functions that insert an axis (``unsqueeze``, ``stack``).
    A 0-d tensor has one valid dim (0 or -1) when nothing is inserted.
    """
    if not is_integer(d):
        raise TypeError(f"{op}: dim must be an integer, got {d!r}")
    size = max(ndim + extra, 1)
    if not -size <= d < size:
        raise IndexError(f"{op}: dim {d} is out of range for a {ndim}-d tensor (valid: {-size}..{size - 1})")
    return int(d) % size


def axes(op: str, dims, ndim: int) -> tuple:
    """``dims`` (None, an int or a sequence of ints) as a sorted tuple of distinct axes.

    None means every axis. For a 0-d tensor, dim 0 / -1 mean "the value itself": no axis.
    """
    if dims is None:
        return tuple(range(ndim))
    listed = (dims,) if not isinstance(dims, (tuple, list)) else tuple(dims)
    found = [dim(op, d, ndim) for d in listed]
    if len(set(found)) != len(found):
        raise ValueError(f"{op}: dim {dims} repeats an axis")
    return tuple(sorted(found)) if ndim else ()


def shape(op: str, sizes, allow_minus_one: bool = False) -> tuple:
    """A shape given as f(2, 3) or f((2, 3)): a tuple of non-negative integers (one -1 allowed
    where the size is inferred, as in ``reshape``)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes = tuple(sizes)
    for s in sizes:
        if not is_integer(s):
            raise TypeError(f"{op}: sizes must be integers, got {s!r} in {sizes}")
        if s < 0 and not (allow_minus_one and s == -1):
            raise ValueError(f"{op}: invalid size {s} in {sizes}"
                             + (" (only -1, 'infer this size', may be negative)" if allow_minus_one else ""))
    if allow_minus_one and sizes.count(-1) > 1:
        raise ValueError(f"{op}: only one size can be -1, got {sizes}")
    return tuple(int(s) for s in sizes)


def dtype(op: str, value, default=None):
    """A dtype a tensor may have (float, int, uint or bool), as a NumPy dtype; None gives ``default``."""
    if value is None:
        return None if default is None else np.dtype(default)
    try:
        result = np.dtype(value)
    except TypeError:
        raise TypeError(f"{op}: dtype {value!r} is not a dtype; use e.g. minigrad.float32 or minigrad.int64") from None
    if result.kind not in "fiub":
        raise TypeError(f"{op}: dtype {result} is not supported; tensors hold floats, integers or bools")
    return result


def positive_int(op: str, name: str, value, minimum: int = 1) -> int:
    """An integer >= minimum (kernel sizes, strides, batch sizes, epochs, k)."""
    if not is_integer(value):
        raise TypeError(f"{op}: {name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value}")
    return int(value)


def sizes(op: str, name: str, value, allow_empty: bool = False) -> tuple:
    """A sequence of positive integers (hidden widths, an image shape); a single int is one size."""
    listed = (value,) if is_integer(value) else value
    if not isinstance(listed, (tuple, list)) or not all(is_integer(v) for v in listed):
        raise TypeError(f"{op}: {name} must be an integer or a sequence of integers, got {value!r}")
    if not listed and not allow_empty:
        raise ValueError(f"{op}: {name} must not be empty")
    if any(v < 1 for v in listed):
        raise ValueError(f"{op}: {name} must be positive, got {value!r}")
    return tuple(int(v) for v in listed)


def choice(op: str, name: str, value, options):
    """One of ``options`` (a loss name, a mode, an activation)."""
    if value not in options:
        raise ValueError(f"{op}: {name} must be one of {list(options)}, got {value!r}")
    return value


def finite_number(op: str, name: str, value, minimum=None, maximum=None, strict_minimum=False) -> float:
    """A finite real number within the given bounds (learning rates, momentum, probabilities)."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{op}: {name} must be finite, got {value}")
    if minimum is not None and (value <= minimum if strict_minimum else value < minimum):
        raise ValueError(f"{op}: {name} must be {'>' if strict_minimum else '>='} {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{op}: {name} must be <= {maximum}, got {value}")
    return value


def tensor_argument(op: str, name: str, value):
    """``value`` as a Tensor (lists and arrays are converted); anything else is a TypeError that
    names the argument, as PyTorch's "argument 'input' must be Tensor"."""
    from minigrad.tensor import Tensor, as_tensor      # here: tensor.py imports this module
    if isinstance(value, Tensor):
        return value
    try:
        return as_tensor(value)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: {name} must be a tensor, got {type(value).__name__} {value!r:.60}") from None


_HELPER_PREFIX = re.compile(r"^[a-z_][a-z_0-9]*(?: / [a-z_][a-z_0-9]*)?: ")


def named_errors(fn, name: str):
    """``fn`` as a public entry point: its ValueError / TypeError / IndexError messages start with
    ``name``, the function the user called.

    Without it, an error raised by a helper names the helper: ``f1_score`` delegating to
    ``binary_confusion``, ``amin`` to ``min``, or ``minigrad.exp('a')`` failing where its argument
    becomes a tensor ("tensor: cannot build a tensor from text"). A message that already starts
    with ``name:`` is kept; a helper's name in front is replaced by ``name``; any other message
    gets ``name:`` in front. Costs nothing until something is raised.
    """

    @functools.wraps(fn)
    def entry(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except (ValueError, TypeError, IndexError) as err:
            message = str(err)
            if type(err) not in (ValueError, TypeError, IndexError) or message.startswith(f"{name}:"):
                raise
            raise type(err)(f"{name}: {_HELPER_PREFIX.sub('', message, count=1)}") from None

    entry.named_errors = name
    return entry


def name_errors_of(namespace: dict, names) -> None:
    """Wrap each public function ``namespace[n]`` (a module's globals) with ``named_errors``."""
    for n in names:
        fn = namespace[n]
        if callable(fn) and not isinstance(fn, type) and not hasattr(fn, "named_errors"):
            namespace[n] = named_errors(fn, n)
