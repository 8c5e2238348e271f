"""Weight initialisation, with PyTorch's names and formulas.

Why it matters: with n inputs of variance 1 and weights of variance s^2, a unit's output
has variance n s^2. Keeping that near 1 through many layers needs s^2 ~ 1/n:

* Xavier/Glorot (tanh, sigmoid):  Var(w) = gain^2 * 2 / (fan_in + fan_out)
* Kaiming/He (ReLU):               Var(w) = gain^2 / fan_in,  gain = sqrt(2) for ReLU

A uniform distribution on [-b, b] has variance b^2 / 3, which is where the sqrt(3)s come from.
Every function fills the tensor in place (under no_grad) from a seedable generator.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad import backend
from minigrad import checks
from minigrad.grad_mode import no_grad
from minigrad.random import _generator


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The factor that keeps activations' variance stable through ``nonlinearity``."""
    if nonlinearity in ("linear", "conv2d", "conv_transpose2d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else checks.finite_number("calculate_gain", "param (the negative slope)", param)
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"calculate_gain: unknown nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (PyTorch's rule)."""
    _tensor("init", tensor)
    if tensor.ndim < 2:
        raise ValueError(f"init: fan in/out need a tensor with at least 2 dimensions, got {tensor.shape}")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _tensor(op, tensor):
    from minigrad.tensor import Tensor

    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a minigrad Tensor (e.g. layer.weight), got {type(tensor).__name__}")
    return tensor


def _fill(tensor, values):
    with no_grad():
        xp = backend.array_module(tensor.data)
        tensor.copy_(xp.asarray(values.astype(tensor.dtype)))
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with U(a, b) draws."""
    _tensor("uniform_", tensor)
    a, b = checks.finite_number("uniform_", "a", a), checks.finite_number("uniform_", "b", b)
    if a > b:
        raise ValueError(f"uniform_: a must be <= b, got a={a}, b={b}")
    return _fill(tensor, _generator(generator).numpy.uniform(a, b, tensor.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with N(mean, std^2) draws."""
    _tensor("normal_", tensor)
    mean = checks.finite_number("normal_", "mean", mean)
    std = checks.finite_number("normal_", "std", std, minimum=0)
    return _fill(tensor, _generator(generator).numpy.normal(mean, std, tensor.shape))


def constant_(tensor, value: float):
    _tensor("constant_", tensor)
    with no_grad():
        tensor.fill_(value)
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    checks.finite_number("xavier_uniform_", "gain", gain, minimum=0)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out))."""
    checks.finite_number("xavier_normal_", "gain", gain, minimum=0)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)


def _kaiming_std(tensor, a, mode, nonlinearity):
    _tensor("kaiming", tensor)
    checks.finite_number("kaiming", "a (the negative slope)", a)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"kaiming: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None):
    """U(-b, b) with b = gain * sqrt(3 / fan)."""
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None):
    """N(0, std^2) with std = gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def default_layer_init_(weight, bias, generator=None):
    """What PyTorch's Linear and Conv layers do by default: kaiming_uniform_(a=sqrt(5)) on the
    weight -- which works out to U(-1/sqrt(fan_in), 1/sqrt(fan_in)) -- and the same bound for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound, generator)


# A bad argument is reported under the function called (ones_ delegates to constant_, xavier_* to
# uniform_ / normal_): see checks.named_errors.
checks.name_errors_of(globals(), [n for n, f in list(globals().items())
                                  if not n.startswith("_") and getattr(f, "__module__", None) == __name__])
