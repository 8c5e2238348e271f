"""Seeded randomness. Every random number in minigrad comes from a ``Generator``.

``minigrad.manual_seed(s)`` reseeds the default generator; functions that draw
random numbers (init, dropout, noise, shuffling, sampling) also take an explicit
``generator=`` so a run can be repeated exactly. Numbers are drawn on the host with
NumPy's PCG64 and then moved to the requested device, so the same seed gives the same
numbers on the CPU and on the GPU.
"""

from __future__ import annotations

import numpy as np

from minigrad import backend, checks
from minigrad.tensor import Tensor, float32


class Generator:
    """A seedable source of random numbers (wraps ``numpy.random.Generator``)."""

    def __init__(self, seed: int | None = None):
        self.manual_seed(seed, _op="Generator")

    def manual_seed(self, seed: int | None, _op: str = "manual_seed") -> "Generator":
        if seed is not None:
            checks.positive_int(_op, "seed", seed, 0)
        self.seed = seed
        self.numpy = np.random.Generator(np.random.PCG64(seed))
        return self

    def get_state(self) -> dict:
        """The full generator state (a dict of plain numbers), for checkpoints."""
        return self.numpy.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.numpy.bit_generator.state = state


default_generator = Generator(0)


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator; returns it."""
    return default_generator.manual_seed(seed)


def _generator(generator):
    return default_generator if generator is None else generator


def _finish(op, array, dtype, device, requires_grad, floating=True):
    dtype = checks.dtype(op, dtype, float32)
    if floating and dtype.kind != "f":
        raise TypeError(f"{op}: dtype {dtype} cannot hold its samples; pass a floating dtype (e.g. minigrad.float32)")
    array = array.astype(dtype, copy=False)
    if device is not None:
        array = backend.to_device(array, device)
    return Tensor(array, requires_grad=requires_grad)


def randn(*shape, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Samples of the standard normal N(0, 1)."""
    values = _generator(generator).numpy.standard_normal(checks.shape("randn", shape))
    return _finish("randn", values, dtype, device, requires_grad)


def rand(*shape, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Samples of the uniform distribution on [0, 1)."""
    values = _generator(generator).numpy.random(checks.shape("rand", shape))
    return _finish("rand", values, dtype, device, requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None) -> Tensor:
    """Integers drawn uniformly from [low, high), as int64: ``randint(high, size)`` or
    ``randint(low, high, size)``, as in PyTorch (``size`` may also be given by keyword)."""
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError(f"randint: expected randint(high, size) or randint(low, high, size), got {len(args)} "
                        f"numbers and size={size}")
    if size is None:
        raise TypeError("randint: size is required, e.g. randint(10, (3,))")
    for name, value in (("low", low), ("high", high)):
        if not checks.is_integer(value):
            raise TypeError(f"randint: {name} must be an integer, got {value!r}")
    if not high > low:
        raise ValueError(f"randint: need low < high, got low={low}, high={high}")
    values = _generator(generator).numpy.integers(low, high, size=checks.shape("randint", tuple(size)))
    return _finish("randint", values, dtype or np.int64, device, False, floating=False)


def _floating_like(op, x, dtype):
    """As PyTorch: random floats cannot take an integer tensor's dtype (they would all round to 0)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if dtype is None and x.data.dtype.kind != "f":
        raise TypeError(f"{op}: x has dtype {x.dtype}; pass a floating dtype= (e.g. minigrad.float32)")


def randn_like(x: Tensor, generator=None, dtype=None, requires_grad=False) -> Tensor:
    """Standard normal samples with the shape, dtype and device of ``x``."""
    _floating_like("randn_like", x, dtype)
    return randn(*x.shape, generator=generator, dtype=dtype or x.dtype, device=x.device, requires_grad=requires_grad)


def rand_like(x: Tensor, generator=None, dtype=None, requires_grad=False) -> Tensor:
    _floating_like("rand_like", x, dtype)
    return rand(*x.shape, generator=generator, dtype=dtype or x.dtype, device=x.device, requires_grad=requires_grad)


def randperm(n: int, generator=None, device=None) -> Tensor:
    """A random permutation of 0..n-1."""
    checks.positive_int("randperm", "n", n, 0)
    return _finish("randperm", _generator(generator).numpy.permutation(n), np.int64, device, False, floating=False)
